// Writing revision files: what `revision` and `merge` put in a header is
// checked against the parser's rules and read back before it is written.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"
#include "text.hpp"

namespace strata::script {

using detail::byte_name;
using detail::iequals;
using detail::utf8_sequence;

std::string branch_label_problem(std::string_view label) {
  if (label.empty()) return "a branch label cannot be empty";
  if (label.find(',') != std::string_view::npos)
    return "a branch label cannot hold ',' (the header separates labels with commas; give --branch-label "
           "once per label)";
  if (label.find('@') != std::string_view::npos)
    return "a branch label cannot hold '@' (targets read LABEL@head, LABEL@base)";
  for (unsigned char c : label)
    if (c < 0x20 || c == 0x7F)
      return "a branch label cannot hold a control character (byte " + byte_name(c) + ")";
  if (util::trim(label).size() != label.size()) return "a branch label cannot begin or end with a blank";
  if (iequals(label, "none")) return "'none' in the header means no label";
  const auto* s = reinterpret_cast<const unsigned char*>(label.data());
  for (size_t i = 0; i < label.size();) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t len = utf8_sequence(s, label.size(), i);
    if (!len) return "a branch label must be UTF-8 (byte " + byte_name(s[i]) + ")";
    i += len;
  }
  return "";
}

std::string normalize_message(std::string_view message) {
  const auto* s = reinterpret_cast<const unsigned char*>(message.data());
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < message.size();) {
    const unsigned char c = s[i];
    if (c == '\r' || c == '\n') {  // CR LF, CR and LF all end a line
      i += c == '\r' && i + 1 < message.size() && s[i + 1] == '\n' ? 2 : 1;
      lines.emplace_back();
      continue;
    }
    if (c >= 0x80) {
      const size_t len = utf8_sequence(s, message.size(), i);
      if (!len)
        throw UserError("the message is not UTF-8 (byte " + byte_name(c) +
                        "): a revision file is UTF-8 text");
      lines.back().append(message.substr(i, len));
      i += len;
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F)
      throw UserError("the message holds a control character (byte " + byte_name(c) +
                      "): only tabs and line ends may appear in it");
    lines.back().push_back(static_cast<char>(c));
    ++i;
  }
  for (auto& line : lines) {
    size_t end = line.size();
    while (end > 0 && std::isspace(static_cast<unsigned char>(line[end - 1]))) --end;
    line.resize(end);
  }
  size_t first = 0, last = lines.size();
  while (first < last && lines[first].empty()) ++first;
  while (last > first && lines[last - 1].empty()) --last;
  if (first == last) return "";
  std::string out(util::trim(lines[first]));
  for (size_t k = first + 1; k < last; ++k) out += "\n" + lines[k];
  return out;
}

std::string revision_file_name(const NewRevision& rev) {
  std::string slug = util::slugify(rev.message);
  return rev.id + (slug.empty() ? "" : "_" + slug) + ".sql";
}

void check_new_revision(const NewRevision& rev) {
  if (auto problem = revision_id_problem(rev.id); !problem.empty())
    throw UserError("revision id '" + rev.id + "': " + problem);
  for (auto& d : rev.down_revisions)
    if (auto problem = revision_id_problem(d); !problem.empty())
      throw UserError("revision id '" + d + "' to revise: " + problem);
  for (auto& label : rev.branch_labels)
    if (auto problem = branch_label_problem(label); !problem.empty())
      throw UserError("--branch-label '" + label + "': " + problem);
  for (auto& d : rev.depends_on) {
    // A revision id, a branch label or DATABASE@REVISION.
    const size_t at = d.find('@');
    const bool ok = revision_id_problem(d).empty() || branch_label_problem(d).empty() ||
                    (at != std::string::npos && at > 0 && branch_label_problem(d.substr(0, at)).empty() &&
                     revision_id_problem(d.substr(at + 1)).empty());
    if (!ok)
      throw UserError("--depends-on '" + d + "': not a revision id, branch label or DATABASE@REVISION");
  }
  if (normalize_message(rev.message) != rev.message)
    throw std::logic_error("render_revision: the message was not normalized (script::normalize_message)");
  auto one_line = [](const std::string& text, const char* what) {
    for (unsigned char c : text)
      if (c < 0x20 || c == 0x7F)
        throw UserError(std::string(what) + " must be one line without control characters");
    if (util::trim(text).size() != text.size())
      throw UserError(std::string(what) + " must not begin or end with a blank");
  };
  one_line(rev.review, "a revision's review note");
  one_line(rev.transactional_reason, "a revision's Transactional: false reason");
  if (util::starts_with(rev.transactional_reason, "+"))
    throw UserError("a revision's Transactional: false reason must not begin with '+' (a section marker)");
}

std::string render_revision(const NewRevision& rev) {
  check_new_revision(rev);
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream out;
  out << "-- Revision ID: " << rev.id << "\n";
  out << "-- Revises: " << util::join(rev.down_revisions, ", ") << "\n";
  out << "-- Create Date: " << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << "." << std::setw(6)
      << std::setfill('0') << micros << "\n";
  // The first line on Message:, each further one on a "-- |" line: no
  // message line can end the header or read as a marker or header key.
  const std::string_view message = rev.message;
  const size_t first_end = std::min(message.find('\n'), message.size());
  out << "-- Message: " << message.substr(0, first_end) << "\n";
  for (size_t at = first_end; at < message.size();) {
    const size_t end = std::min(message.find('\n', at + 1), message.size());
    const std::string_view line = message.substr(at + 1, end - at - 1);
    out << "-- |" << (line.empty() ? "" : " ") << line << "\n";
    at = end;
  }
  if (!rev.branch_labels.empty()) out << "-- Branch Labels: " << util::join(rev.branch_labels, ", ") << "\n";
  if (!rev.depends_on.empty()) out << "-- Depends On: " << util::join(rev.depends_on, ", ") << "\n";
  if (!rev.transactional) out << "-- Transactional: false\n";
  if (!rev.review.empty()) out << "-- Review: " << rev.review << "\n";
  if (!rev.transactional && !rev.transactional_reason.empty())
    out << "\n-- " << rev.transactional_reason << "\n";
  auto section = [&](const char* kind, const std::string& dialect, const std::string& body) {
    out << "\n-- +" << kind << (dialect.empty() ? "" : " " + dialect) << "\n" << body;
    if (!body.empty() && body.back() != '\n') out << "\n";
  };
  if (rev.upgrade_by_dialect.empty() && rev.downgrade_by_dialect.empty()) {
    section("upgrade", "", rev.upgrade_sql);
    section("downgrade", "", rev.downgrade_sql);
  } else {
    for (auto& [d, body] : rev.upgrade_by_dialect) section("upgrade", d, body);
    for (auto& [d, body] : rev.downgrade_by_dialect) section("downgrade", d, body);
  }
  // What is written must read back as given.
  std::string text = out.str();
  const std::string name = revision_file_name(rev);
  Revision back;
  try {
    back = parse_revision(text, name);
  } catch (const UserError& e) {
    throw UserError(name + ": the revision would not read back as given (" + e.what() +
                    "); nothing was written");
  }
  const size_t sections = rev.upgrade_by_dialect.empty() && rev.downgrade_by_dialect.empty()
                              ? 2
                              : rev.upgrade_by_dialect.size() + rev.downgrade_by_dialect.size();
  if (back.id != rev.id || back.down_revisions != rev.down_revisions ||
      back.branch_labels != rev.branch_labels || back.depends_on != rev.depends_on ||
      back.message != rev.message || back.transactional != rev.transactional || back.review != rev.review ||
      back.upgrade.size() + back.downgrade.size() != sections)
    throw UserError(name +
                    ": the revision would not read back as given (a section's SQL holds a '-- +upgrade' or "
                    "'-- +downgrade' line?); nothing was written");
  return text;
}

}  // namespace strata::script
