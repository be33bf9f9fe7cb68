#include "strata/script/revision.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>
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

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

// Header keys, matched without allocating (this runs for every file).
enum HeaderKey { kRevisionId, kRevises, kCreateDate, kMessage, kBranchLabels, kDependsOn, kTransactional, kUnknown };
constexpr const char* kHeaderKeys[] = {"revision id", "revises",    "create date",  "message",
                                       "branch labels", "depends on", "transactional"};

HeaderKey header_key(std::string_view key) {
  for (int k = 0; k < kUnknown; ++k)
    if (iequals(key, kHeaderKeys[k])) return static_cast<HeaderKey>(k);
  return kUnknown;
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
  int seen_keys[kUnknown] = {};  // line where each header key was given
  rev.upgrade.reserve(2);
  rev.downgrade.reserve(2);
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
        const std::string_view key_text = header_line ? util::trim(body.substr(0, colon)) : std::string_view{};
        const HeaderKey key = header_line ? header_key(key_text) : kUnknown;
        if (state == State::Preamble) {
          if (header_line && key == kRevisionId) {
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
        if (key != kUnknown && seen_keys[key])
          fail(line_no, "header '" + std::string(key_text) + "' given twice (first on line " +
                            std::to_string(seen_keys[key]) + ")");
        if (key != kUnknown) seen_keys[key] = line_no;
        if (key == kRevisionId) {
          if (!is_revision_id(value))
            fail(line_no, "invalid revision id '" + value +
                              "' (1-32 letters, digits or '_')");
          rev.id = value;
          rev.id_line = line_no;
        } else if (key == kRevises) {
          if (util::to_lower(value) != "none") rev.down_revisions = util::split_list(value);
        } else if (key == kCreateDate) {
          rev.create_date = value;
        } else if (key == kMessage) {
          rev.message = value;
        } else if (key == kBranchLabels) {
          if (util::to_lower(value) != "none") rev.branch_labels = util::split_list(value);
        } else if (key == kDependsOn) {
          if (util::to_lower(value) != "none") rev.depends_on = util::split_list(value);
        } else if (key == kTransactional) {
          std::string v = util::to_lower(value);
          if (v == "true" || v == "yes") rev.transactional = true;
          else if (v == "false" || v == "no") rev.transactional = false;
          else fail(line_no, "'Transactional:' must be true or false, not '" + value + "'");
        } else {
          fail(line_no, "unknown header key '" + std::string(key_text) +
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

namespace {

// Reads a whole file with plain POSIX calls (iostreams cost more than the
// parsing at 100k files). Throws UserError naming the file.
void read_whole(int dir_fd, const std::string& name, const std::string& path, std::string& out) {
  // Relative to the folder's descriptor: the kernel resolves one component,
  // not the whole path, for each of thousands of files.
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(path + ": cannot read: " + std::strerror(errno));
  out.clear();
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw UserError(path + ": cannot read: " + std::strerror(e));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    // A regular file returns less than asked only at its end: skip the
    // extra read() that would return 0 (one syscall per file saved).
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  ::close(fd);
}

}  // namespace

ScriptDirectory load_script_directory(const std::string& location) {
  ScriptDirectory dir;
  dir.location = location;
  std::vector<std::string> names;
  DIR* d = ::opendir(location.c_str());
  if (!d) throw UserError(location + ": cannot list folder: " + std::strerror(errno));
  const int dir_fd = ::dirfd(d);
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() < 5 || name.substr(name.size() - 4) != ".sql") continue;
    if (name.size() >= 6 && util::to_lower(name.substr(0, 6)) == "readme") continue;
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) continue;
    if (e->d_type != DT_REG) {  // symlink or a file system without d_type
      std::error_code ec;
      if (!fs::is_regular_file(fs::path(location) / e->d_name, ec)) continue;
    }
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());

  // Parse in parallel: at 100k revisions reading and parsing files is most
  // of the cost of any command. Each worker takes a contiguous slice, so the
  // first error in file order is the one reported.
  std::vector<Revision> revisions(names.size());
  const size_t workers =
      names.size() < 256 ? 1 : std::max<size_t>(1, std::min<size_t>(4, std::thread::hardware_concurrency()));
  std::vector<std::exception_ptr> errors(workers);
  std::vector<size_t> error_at(workers, names.size());
  auto work = [&](size_t w) {
    std::string text;
    const size_t begin = names.size() * w / workers, end = names.size() * (w + 1) / workers;
    for (size_t i = begin; i < end; ++i) {
      std::string path = location + "/" + names[i];
      try {
        read_whole(dir_fd, names[i], path, text);
        revisions[i] = parse_revision(text, path);
      } catch (...) {
        errors[w] = std::current_exception();
        error_at[w] = i;
        return;
      }
    }
  };
  if (workers == 1) {
    work(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) threads.emplace_back(work, w);
    for (auto& t : threads) t.join();
  }
  ::closedir(d);
  for (size_t w = 0; w < workers; ++w)
    if (errors[w]) std::rethrow_exception(errors[w]);

  std::unordered_map<std::string_view, size_t> by_id;
  by_id.reserve(revisions.size() * 2);
  for (size_t i = 0; i < revisions.size(); ++i) {
    auto [it, inserted] = by_id.emplace(revisions[i].id, i);
    if (!inserted) {
      auto& first = revisions[it->second];
      const auto& rev = revisions[i];
      throw UserError(located(rev.path, rev.id_line, "duplicate revision id " + rev.id + " (also in " + first.path +
                                                         ":" + std::to_string(first.id_line) + ")"));
    }
  }
  dir.revisions = std::move(revisions);
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
