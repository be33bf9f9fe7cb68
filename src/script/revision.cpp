#include "strata/script/revision.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <unordered_map>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace fs = std::filesystem;

namespace strata::script {
namespace {

const Section* pick(const std::vector<Section>& sections, std::string_view dialect) {
  const Section* plain = nullptr;
  for (auto& s : sections) {
    if (s.dialect == dialect) return &s;
    if (s.dialect.empty()) plain = &s;
  }
  return plain;
}

bool is_revision_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;  // alembic_version.version_num is VARCHAR(32)
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '_')) return false;  // Alembic forbids @ - +
  return true;
}

}  // namespace

std::string canonical_dialect(std::string_view name) {
  std::string n = util::to_lower(name);
  if (n == "postgres" || n == "pgsql") return "postgresql";
  if (n == "mariadb") return "mysql";
  return n;
}

const Section* Revision::upgrade_for(std::string_view dialect) const { return pick(upgrade, dialect); }
const Section* Revision::downgrade_for(std::string_view dialect) const {
  return pick(downgrade, dialect);
}

int Revision::line_in_file(const Section& section, size_t offset) const {
  return section.first_line + util::line_of_offset(section.sql, offset) - 1;
}

Revision parse_revision(std::string_view text, const std::string& path) {
  Revision rev;
  rev.path = path;
  enum class State { Preamble, Header, AfterHeader, Section } state = State::Preamble;
  Section* current = nullptr;
  size_t section_start = 0;  // byte offset where current->sql starts
  std::unordered_map<std::string, int> seen_keys;
  int line_no = 0;
  size_t pos = 0;

  auto close_section = [&](size_t end) {
    if (current) current->sql = std::string(text.substr(section_start, end - section_start));
    current = nullptr;
  };
  auto fail = [&](int line, const std::string& msg) -> void {
    throw UserError(located(path, line, msg));
  };

  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t line_end = nl == std::string_view::npos ? text.size() : nl;
    size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view raw = text.substr(pos, line_end - pos);
    std::string_view line = util::trim(raw);
    ++line_no;
    const bool comment = util::starts_with(line, "--");
    std::string_view body = comment ? util::trim(line.substr(2)) : std::string_view{};

    // Section markers: "-- +upgrade [dialect]" / "-- +downgrade [dialect]".
    if (comment && !body.empty() && body[0] == '+') {
      if (state == State::Preamble)
        fail(line_no, "section marker before the '-- Revision ID:' header");
      auto words = util::split_list(body.substr(1), ' ');
      std::string kind = words.empty() ? "" : util::to_lower(words[0]);
      if (kind != "upgrade" && kind != "downgrade")
        fail(line_no, "unknown section marker '" + std::string(line) +
                          "' (expected '-- +upgrade [dialect]' or '-- +downgrade [dialect]')");
      if (words.size() > 2) fail(line_no, "section marker takes at most one dialect name");
      close_section(pos);
      Section s;
      s.dialect = words.size() == 2 ? canonical_dialect(words[1]) : "";
      s.first_line = line_no + 1;
      auto& list = kind == "upgrade" ? rev.upgrade : rev.downgrade;
      for (auto& existing : list)
        if (existing.dialect == s.dialect)
          fail(line_no, "section '-- +" + kind + (s.dialect.empty() ? "" : " " + s.dialect) +
                            "' appears twice");
      list.push_back(std::move(s));
      current = &list.back();
      section_start = next;
      state = State::Section;
      pos = next;
      continue;
    }

    switch (state) {
      case State::Preamble:
      case State::Header: {
        auto colon = body.find(':');
        bool header_line = comment && colon != std::string_view::npos;
        std::string key = header_line ? util::to_lower(util::trim(body.substr(0, colon))) : "";
        if (state == State::Preamble) {
          if (header_line && key == "revision id") {
            state = State::Header;
          } else if (line.empty() || comment) {
            break;  // comments and blank lines may precede the header
          } else {
            fail(line_no, "text before the '-- Revision ID:' header (only comments may precede it)");
          }
        } else if (!header_line) {
          if (line.empty() || comment) {
            state = State::AfterHeader;
            break;
          }
          fail(line_no, "SQL outside a section: put it under '-- +upgrade' or '-- +downgrade'");
        }
        std::string value(util::trim(body.substr(colon + 1)));
        if (seen_keys.count(key))
          fail(line_no, "header '" + std::string(util::trim(body.substr(0, colon))) +
                            "' given twice (first on line " + std::to_string(seen_keys[key]) + ")");
        seen_keys[key] = line_no;
        if (key == "revision id") {
          if (!is_revision_id(value))
            fail(line_no, "invalid revision id '" + value +
                              "' (1-32 letters, digits or '_')");
          rev.id = value;
          rev.id_line = line_no;
        } else if (key == "revises") {
          if (util::to_lower(value) != "none") rev.down_revisions = util::split_list(value);
        } else if (key == "create date") {
          rev.create_date = value;
        } else if (key == "message") {
          rev.message = value;
        } else if (key == "branch labels") {
          if (util::to_lower(value) != "none") rev.branch_labels = util::split_list(value);
        } else if (key == "depends on") {
          if (util::to_lower(value) != "none") rev.depends_on = util::split_list(value);
        } else if (key == "transactional") {
          std::string v = util::to_lower(value);
          if (v == "true" || v == "yes") rev.transactional = true;
          else if (v == "false" || v == "no") rev.transactional = false;
          else fail(line_no, "'Transactional:' must be true or false, not '" + value + "'");
        } else {
          fail(line_no, "unknown header key '" + std::string(util::trim(body.substr(0, colon))) +
                            "' (known: Revision ID, Revises, Create Date, Message, Branch "
                            "Labels, Depends On, Transactional)");
        }
        for (auto& r : rev.down_revisions)
          if (!is_revision_id(r)) fail(line_no, "invalid revision id '" + r + "' in Revises");
        break;
      }
      case State::AfterHeader:
        if (!line.empty() && !comment)
          fail(line_no, "SQL outside a section: put it under '-- +upgrade' or '-- +downgrade'");
        break;
      case State::Section:
        break;
    }
    pos = next;
  }
  close_section(text.size());
  if (rev.id.empty()) fail(0, "no '-- Revision ID:' header: not a revision file");
  if (rev.upgrade.empty())
    fail(rev.id_line, "revision " + rev.id + " has no '-- +upgrade' section");
  return rev;
}

ScriptDirectory load_script_directory(const std::string& location) {
  ScriptDirectory dir;
  dir.location = location;
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(location, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto name = it->path().filename().string();
    if (it->path().extension() != ".sql") continue;
    if (util::starts_with(util::to_lower(name), "readme")) continue;
    files.push_back(it->path());
  }
  if (ec) throw UserError(location + ": cannot list folder: " + ec.message());
  std::sort(files.begin(), files.end());
  dir.revisions.reserve(files.size());
  std::unordered_map<std::string, size_t> by_id;
  for (auto& f : files) {
    std::string p = f.string();
    Revision rev = parse_revision(util::read_file(p), p);
    auto [it, inserted] = by_id.emplace(rev.id, dir.revisions.size());
    if (!inserted) {
      auto& first = dir.revisions[it->second];
      throw UserError(located(p, rev.id_line, "duplicate revision id " + rev.id +
                                                  " (also in " + first.path + ":" +
                                                  std::to_string(first.id_line) + ")"));
    }
    dir.revisions.push_back(std::move(rev));
  }
  return dir;
}

std::string revision_file_name(const NewRevision& rev) {
  std::string slug = util::slugify(rev.message);
  return rev.id + (slug.empty() ? "" : "_" + slug) + ".sql";
}

std::string render_revision(const NewRevision& rev) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&t, &tm);
  std::ostringstream out;
  out << "-- Revision ID: " << rev.id << "\n";
  out << "-- Revises: " << util::join(rev.down_revisions, ", ") << "\n";
  out << "-- Create Date: " << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << "." << std::setw(6)
      << std::setfill('0') << micros << "\n";
  out << "-- Message: " << rev.message << "\n";
  if (!rev.branch_labels.empty()) out << "-- Branch Labels: " << util::join(rev.branch_labels, ", ") << "\n";
  if (!rev.depends_on.empty()) out << "-- Depends On: " << util::join(rev.depends_on, ", ") << "\n";
  out << "\n-- +upgrade\n" << rev.upgrade_sql;
  if (!rev.upgrade_sql.empty() && rev.upgrade_sql.back() != '\n') out << "\n";
  out << "\n-- +downgrade\n" << rev.downgrade_sql;
  if (!rev.downgrade_sql.empty() && rev.downgrade_sql.back() != '\n') out << "\n";
  return out.str();
}

}  // namespace strata::script
