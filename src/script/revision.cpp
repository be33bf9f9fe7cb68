#include "strata/script/revision.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <unordered_map>

#include "cache.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"
#include "text.hpp"

namespace strata::script {
namespace detail {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

// Length of the valid UTF-8 sequence starting at s[i] (a non-ASCII byte), or
// 0 when it is not one (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF, no sequence cut short).
size_t utf8_sequence(const unsigned char* s, size_t n, size_t i) {
  const unsigned char c = s[i];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c == 0xE0) len = 3, lo = 0xA0;
  else if (c == 0xED) len = 3, hi = 0x9F;
  else if (c >= 0xE1 && c <= 0xEF) len = 3;
  else if (c == 0xF0) len = 4, lo = 0x90;
  else if (c == 0xF4) len = 4, hi = 0x8F;
  else if (c >= 0xF1 && c <= 0xF3) len = 4;
  else return 0;
  if (n - i < len) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((s[i + k] & 0xC0) != 0x80) return 0;
  return len;
}

// "0x1B": how a byte is named in a message.
std::string byte_name(unsigned char c) {
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", c);
  return byte;
}

}  // namespace detail

namespace {

using detail::byte_name;
using detail::iequals;
using detail::utf8_sequence;

const Section* pick(const std::vector<Section>& sections, std::string_view dialect) {
  const Section* plain = nullptr;
  for (auto& s : sections) {
    if (s.dialect == dialect) return &s;
    if (s.dialect.empty()) plain = &s;
  }
  return plain;
}

bool is_revision_id(std::string_view id) { return revision_id_problem(id).empty(); }

// Header keys, matched without allocating (this runs for every file).
enum HeaderKey { kRevisionId, kRevises, kCreateDate, kMessage, kBranchLabels, kDependsOn, kTransactional, kReview, kUnknown };
constexpr const char* kHeaderKeys[] = {"revision id",   "revises",    "create date",   "message",
                                       "branch labels", "depends on", "transactional", "review"};

HeaderKey header_key(std::string_view key) {
  for (int k = 0; k < kUnknown; ++k)
    if (iequals(key, kHeaderKeys[k])) return static_cast<HeaderKey>(k);
  return kUnknown;
}

// Where byte `at` of `text` is, as "line L, column C" for an editor: C counts
// characters (text before `at` has been checked to be UTF-8).
std::pair<int, size_t> line_and_column(std::string_view text, size_t at) {
  int line = 1;
  size_t line_start = 0;
  for (size_t k = 0; k < at; ++k)
    if (text[k] == '\n') ++line, line_start = k + 1;
  size_t column = 1;
  for (size_t k = line_start; k < at; ++k)
    if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++column;
  return {line, column};
}
// A revision file is UTF-8 text: what it holds is what runs. A NUL byte
// would end the SQL early in every client library (and hang SQLite's
// prepare loop); bytes that are not UTF-8 would reach the server as whatever
// its encoding makes of them. Returns `text` without a leading UTF-8
// byte-order mark (editors on Windows write one); throws UserError
// "path:line: ..." naming the column and byte of the first fault.
std::string_view check_encoding(std::string_view text, const std::string& path) {
  if (text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF && static_cast<unsigned char>(text[1]) == 0xFE) ||
                           (static_cast<unsigned char>(text[0]) == 0xFE && static_cast<unsigned char>(text[1]) == 0xFF)))
    throw UserError(located(path, 1, "the file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"));
  if (util::starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c >= 0x01 && c < 0x80) {
      ++i;
      continue;
    }
    if (c != 0) {
      if (const size_t len = utf8_sequence(s, n, i)) {
        i += len;
        continue;
      }
    }
    auto [line, column] = line_and_column(text, i);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", c);
    if (c == 0)
      throw UserError(located(path, line, "NUL byte (0x00) at column " + std::to_string(column) +
                                              ": a revision file must be UTF-8 text without NUL bytes"));
    throw UserError(located(path, line, "invalid UTF-8 at column " + std::to_string(column) + " (byte " + byte +
                                            "): a revision file must be UTF-8 text (re-save it as UTF-8)"));
  }
  return text;
}

// The dialect names a section may be qualified with (the file format's, not
// the installed plugins': a section for a dialect whose plugin is absent is
// still valid). canonical_dialect maps the aliases.
constexpr const char* kDialectNames[] = {"sqlite", "postgresql", "mysql"};
constexpr const char* kDialectAliases[] = {"postgres", "pgsql", "mariadb"};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Empty when `name` (canonical, lower case) is a known dialect; otherwise
// the message for the section marker that names it.
std::string unknown_dialect(const std::string& name, const std::string& given) {
  for (const char* known : kDialectNames)
    if (name == known) return "";
  std::string best;
  size_t best_d = 3;
  auto consider = [&](const char* candidate) {
    const size_t d = edit_distance(name, candidate);
    if (d < best_d && d < std::string_view(candidate).size()) best_d = d, best = candidate;
  };
  for (const char* known : kDialectNames) consider(known);
  for (const char* alias : kDialectAliases) consider(alias);
  return "unknown dialect '" + given + "' in section marker" + (best.empty() ? "" : "; did you mean '" + best + "'?") +
         " (known: sqlite, postgresql (or postgres, pgsql), mysql (or mariadb))";
}

}  // namespace

std::string revision_id_problem(std::string_view id) {
  if (id.empty()) return "a revision id cannot be empty";
  // alembic_version.version_num is VARCHAR(32).
  if (id.size() > 32) return "longer than 32 characters (the version table holds at most 32)";
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '_'))
      // Alembic refuses '@', '-' and '+' (they are target syntax); the rest
      // keeps an id safe as a SQL literal and as a file name.
      return (c >= 0x21 && c < 0x7F ? "'" + std::string(1, static_cast<char>(c)) + "' is not allowed"
                                    : "byte " + byte_name(c) + " is not allowed") +
             " (1-32 letters, digits or '_')";
  return "";
}

std::string canonical_dialect(std::string_view name) {
  std::string n = util::to_lower(name);
  if (n == "postgres" || n == "pgsql") return "postgresql";
  if (n == "mariadb") return "mysql";
  return n;
}

const Section* Revision::upgrade_for(std::string_view dialect) const {
  if (!has_body) throw std::logic_error("sections of " + path + " used before ScriptDirectory::load_bodies");
  return pick(upgrade, dialect);
}
const Section* Revision::downgrade_for(std::string_view dialect) const {
  if (!has_body) throw std::logic_error("sections of " + path + " used before ScriptDirectory::load_bodies");
  return pick(downgrade, dialect);
}

int Revision::line_in_file(const Section& section, size_t offset) const {
  return section.first_line + util::line_of_offset(section.sql, offset) - 1;
}

Revision parse_revision(std::string_view text, const std::string& path) {
  text = check_encoding(text, path);
  Revision rev;
  rev.path = path;
  enum class State { Preamble, Header, AfterHeader, Section } state = State::Preamble;
  Section* current = nullptr;
  size_t section_start = 0;  // byte offset where current->sql starts
  int seen_keys[kUnknown] = {};  // line where each header key was given
  HeaderKey last_key = kUnknown;  // the header line before this one ("-- |" continues a Message:)
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
      if (!s.dialect.empty()) {
        const std::string problem = unknown_dialect(s.dialect, words[1]);
        if (!problem.empty()) fail(line_no, problem);
      }
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
        if (state == State::Header && comment && !body.empty() && body[0] == '|') {
          // "-- | TEXT": a further line of the message; one blank after the
          // bar is the separator, the rest is the line's own indentation.
          if (last_key != kMessage)
            fail(line_no,
                 "a '-- |' line continues the '-- Message:' line: it must come right after it or "
                 "another '-- |' line");
          std::string_view more = line.substr(line.find('|') + 1);
          if (!more.empty() && more[0] == ' ') more.remove_prefix(1);
          rev.message.append("\n").append(more);
          break;
        }
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
        last_key = key;
        if (key == kRevisionId) {
          if (!is_revision_id(value))
            fail(line_no, "invalid revision id '" + value +
                              "' (1-32 letters, digits or '_')");
          rev.id = value;
          rev.id_line = line_no;
        } else if (key == kRevises) {
          rev.revises_line = line_no;
          if (util::to_lower(value) != "none") rev.down_revisions = util::split_list(value);
        } else if (key == kCreateDate) {
          rev.create_date = value;
        } else if (key == kMessage) {
          rev.message = value;
        } else if (key == kBranchLabels) {
          if (util::to_lower(value) != "none") rev.branch_labels = util::split_list(value);
        } else if (key == kDependsOn) {
          rev.depends_on_line = line_no;
          if (util::to_lower(value) != "none") rev.depends_on = util::split_list(value);
        } else if (key == kTransactional) {
          std::string v = util::to_lower(value);
          if (v == "true" || v == "yes") rev.transactional = true;
          else if (v == "false" || v == "no") rev.transactional = false;
          else fail(line_no, "'Transactional:' must be true or false, not '" + value + "'");
        } else if (key == kReview) {
          if (value.empty()) fail(line_no, "'Review:' needs a reason (or delete the line once reviewed)");
          rev.review = value;
          rev.review_line = line_no;
        } else {
          fail(line_no, "unknown header key '" + std::string(key_text) +
                            "' (known: Revision ID, Revises, Create Date, Message, Branch "
                            "Labels, Depends On, Transactional, Review)");
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
  // Alembic fails on a missing down_revision; taking it as a base would
  // quietly make a second root (a line lost in a merge conflict, say).
  if (!seen_keys[kRevises])
    fail(rev.id_line,
         "no '-- Revises:' line: write '-- Revises:' with nothing after it for a first revision");
  if (rev.upgrade.empty())
    fail(rev.id_line, "revision " + rev.id + " has no '-- +upgrade' section");
  return rev;
}

namespace {

// Reads a whole file with plain POSIX calls (iostreams cost more than the
// parsing at 100k files). Throws UserError naming the file.
void read_whole(int dir_fd, const std::string& name, const std::string& path, std::string& out,
                struct stat* st = nullptr) {
  // Relative to the folder's descriptor: the kernel resolves one component,
  // not the whole path, for each of thousands of files.
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UserError(path + ": cannot read: " + std::strerror(errno));
  // The stat comes before the read, on the file being read: a change after
  // it gives the file a new key, so what is cached under this key is never
  // newer text.
  if (st && ::fstat(fd, st) != 0) {
    int e = errno;
    ::close(fd);
    throw UserError(path + ": cannot read: " + std::strerror(e));
  }
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

bool LoadOptions::default_use_cache() {
  const char* off = std::getenv("STRATA_NO_CACHE");
  return !off || !*off || std::string_view(off) == "0";
}

std::chrono::nanoseconds LoadOptions::default_settle() {
  const char* text = std::getenv("STRATA_CACHE_SETTLE");
  if (!text || !*text) return std::chrono::seconds(3);
  char* end = nullptr;
  errno = 0;
  const double seconds = std::strtod(text, &end);
  if (errno || *end || !(seconds >= 0 && seconds <= 86400))
    throw UserError(std::string("STRATA_CACHE_SETTLE='") + text + "' is not a number of seconds (0 to 86400)");
  return std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
}

namespace {

bool is_revision_file_name(std::string_view name) {
  if (name.size() < 5 || name.substr(name.size() - 4) != ".sql") return false;
  return !(name.size() >= 6 && util::to_lower(name.substr(0, 6)) == "readme");
}

// The *.sql revision files of an open folder, sorted.
std::vector<std::string> list_revision_files(int dir_fd, const std::string& location) {
  std::vector<std::string> names;
  DIR* d = ::fdopendir(::dup(dir_fd));
  if (!d) throw UserError(location + ": cannot list folder: " + std::strerror(errno));
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (!is_revision_file_name(name)) continue;
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) continue;
    if (e->d_type != DT_REG) {  // symlink or a file system without d_type
      struct stat st {};
      if (::fstatat(dir_fd, e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
    }
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// An open version location; file names are resolved relative to it.
struct Folder {
  int fd;
  explicit Folder(const std::string& location) : fd(::open(location.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd < 0) throw UserError(location + ": cannot list folder: " + std::strerror(errno));
  }
  Folder(const Folder&) = delete;
  Folder& operator=(const Folder&) = delete;
  ~Folder() { ::close(fd); }
};

int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Parsed {  // a file read and parsed by this load
  size_t i;
  cache::FileKey key;
  std::string header;  // encoded for the cache; empty: not settled yet
};

// Runs fn(worker, k) for every k in [0, n), on up to 4 threads (the calling
// one included) from 256 items. Indexes are handed out in chunks, in order,
// so that threads finish together. The first exception stops the handing
// out; the one rethrown is the first in index order (every earlier chunk was
// handed out before it and runs to its end or to its own first error).
template <typename Fn>
void for_each_index(size_t n, Fn fn) {
  const size_t workers = n < 256 ? 1 : std::max<size_t>(1, std::min<size_t>(4, std::thread::hardware_concurrency()));
  constexpr size_t kChunk = 64;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  size_t error_at = SIZE_MAX;
  std::exception_ptr error;
  auto run = [&](size_t w) {
    for (size_t begin; !failed.load() && (begin = next.fetch_add(kChunk)) < n;) {
      for (size_t k = begin, end = std::min(n, begin + kChunk); k < end; ++k) {
        try {
          fn(w, k);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (k < error_at) {
            error_at = k;
            error = std::current_exception();
          }
          failed = true;
          break;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(run, w);
  run(0);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

// ------------------------------------------------------------ loading

// One load. The names come from the cache when the folder is unchanged and
// settled, else from listing it. Worker threads stat every file that has a
// cache entry (in chunks, so that they finish together) while this thread
// decodes the cached headers; finish() joins in, then reads and parses the
// files the cache could not answer for, in parallel.
struct DirectoryLoad::State {
  static constexpr size_t kNone = SIZE_MAX;
  static constexpr size_t kChunk = 128;
  enum Status : uint8_t { kSame, kChanged, kGone };

  std::string location;
  LoadOptions options;
  int64_t now_ns = wall_clock_ns();  // before any stat: see cache::settled
  Folder folder;
  cache::FileKey dir_key;
  std::optional<cache::Index> old;
  bool listed = false;                  // the names come from listing the folder
  std::vector<std::string> listing;
  std::vector<std::string_view> names;  // every revision file, sorted
  std::vector<size_t> entry_of;         // cache entry of names[i], or kNone

  ScriptDirectory dir;
  std::vector<uint8_t> decoded;  // revision i's header came from the cache
  bool all_decoded = true;
  std::vector<uint8_t> status;   // what stat says of file i, against its entry

  std::atomic<size_t> next_chunk{0};
  std::mutex error_mutex;
  size_t error_at = SIZE_MAX;  // the first file (in file order) that failed
  std::exception_ptr error;
  std::vector<std::thread> threads;

  State(const std::string& loc, const LoadOptions& opts, bool force_listing)
      : location(loc), options(opts), folder(loc) {
    struct stat dir_st {};
    if (::fstat(folder.fd, &dir_st) != 0) throw UserError(location + ": cannot list folder: " + std::strerror(errno));
    dir_key = cache::key_of(dir_st);
    if (options.use_cache) old = cache::read(location);
    name_files(force_listing);
    const size_t n = names.size();
    status.assign(n, kSame);
    size_t with_entry = 0;
    for (size_t k : entry_of) with_entry += k != kNone;
    const size_t workers = with_entry < 256 ? 0 : std::max<size_t>(1, std::min<size_t>(4, std::thread::hardware_concurrency()));
    for (size_t w = 0; w < workers; ++w) threads.emplace_back([this] { stat_all(); });
    try {
      decode_cached();
    } catch (...) {
      join();  // a constructor that throws runs no destructor
      throw;
    }
  }

  void decode_cached() {
    const size_t n = names.size();
    dir.location = location;
    dir.revisions.resize(n);
    decoded.assign(n, 0);
    cache::Entry e;
    for (size_t i = 0; i < n; ++i) {
      Revision& rev = dir.revisions[i];
      if (entry_of[i] != kNone && old->entry(entry_of[i], e) && !e.header.empty() &&
          cache::decode_header(e.header, rev)) {
        rev.path.reserve(location.size() + 1 + names[i].size());
        rev.path.assign(location).append("/").append(names[i]);
        rev.has_body = false;
        decoded[i] = 1;
      } else {
        all_decoded = false;
      }
    }
  }
  ~State() { join(); }

  // A settled, unchanged folder holds the names it held: no need to list it.
  void name_files(bool force_listing) {
    if (!force_listing && old && old->dir_settled && old->dir == dir_key) {
      names.resize(old->size());
      entry_of.resize(old->size());
      cache::Entry e;
      for (size_t i = 0; i < old->size(); ++i) {
        names[i] = old->entry(i, e) ? e.name : std::string_view{};
        entry_of[i] = i;
      }
      return;
    }
    listed = true;
    listing = list_revision_files(folder.fd, location);
    names.assign(listing.begin(), listing.end());
    entry_of.assign(names.size(), kNone);
    if (!old) return;
    cache::Entry e;  // both lists are sorted by name: match them in one pass
    size_t j = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      while (j < old->size() && (!old->entry(j, e) || e.name < names[i])) ++j;
      if (j < old->size() && e.name == names[i]) entry_of[i] = j;
    }
  }

  void join() {
    for (auto& t : threads) t.join();
    threads.clear();
  }

  void stat_all() {
    const size_t n = status.size();
    for (size_t begin; (begin = next_chunk.fetch_add(kChunk)) < n;) stat_range(begin, std::min(n, begin + kChunk));
  }

  void stat_range(size_t begin, size_t end) {
    std::string name;
    cache::Entry e;
    for (size_t i = begin; i < end; ++i) {
      if (entry_of[i] == kNone || names[i].empty() || !old->entry(entry_of[i], e)) {
        status[i] = names[i].empty() ? kGone : kChanged;  // no entry: parsed in finish()
        continue;
      }
      name.assign(names[i]);
      struct stat st {};
      if (::fstatat(folder.fd, name.c_str(), &st, 0) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
          auto failure =
              std::make_exception_ptr(UserError(location + "/" + name + ": cannot read: " + std::strerror(errno)));
          std::lock_guard<std::mutex> lock(error_mutex);
          if (i < error_at) {
            error_at = i;
            error = failure;
          }
          continue;
        }
        status[i] = kGone;
      } else if (!S_ISREG(st.st_mode)) {
        status[i] = kGone;
      } else if (cache::key_of(st) != e.key) {
        status[i] = kChanged;
      }
    }
  }

  // Reads and parses revisions[i] for each i in `stale`, in parallel, with
  // each file's stat key when the cache is on.
  std::vector<std::vector<Parsed>> parse(const std::vector<size_t>& stale) {
    std::vector<std::vector<Parsed>> parsed(4);  // per worker
    std::vector<std::string> texts(4);
    for_each_index(stale.size(), [&](size_t w, size_t k) {
      const size_t i = stale[k];
      const std::string name(names[i]);
      const std::string path = location + "/" + name;
      struct stat st {};
      read_whole(folder.fd, name, path, texts[w], options.use_cache ? &st : nullptr);
      dir.revisions[i] = parse_revision(texts[w], path);
      if (!options.use_cache) return;
      const cache::FileKey key = cache::key_of(st);
      Parsed p{i, key, {}};
      if (cache::settled(key, now_ns, options.settle)) p.header = cache::encode_header(dir.revisions[i]);
      parsed[w].push_back(std::move(p));
    });
    return parsed;
  }

  // Writes the cache again when it differs from what this load found.
  void update_cache(const std::vector<std::vector<Parsed>>& parsed_lists) {
    cache::NewIndex index;
    index.dir = dir_key;
    index.dir_settled = listed ? cache::settled(dir_key, now_ns, options.settle) : old->dir_settled;
    std::vector<const Parsed*> parsed(names.size(), nullptr);
    for (auto& list : parsed_lists)
      for (auto& p : list) parsed[p.i] = &p;
    // A file parsed again only because it is too recent to cache changes
    // nothing: rewriting 100k entries for it on every command would cost
    // more than the parse.
    bool changed = !old || old->dir != index.dir || old->dir_settled != index.dir_settled ||
                   old->size() != names.size();
    cache::Entry e;
    for (size_t i = 0; i < names.size() && !changed; ++i) {
      if (entry_of[i] == kNone) changed = true;
      else if (parsed[i])
        changed = !old->entry(entry_of[i], e) || e.key != parsed[i]->key || e.header != parsed[i]->header;
    }
    if (!changed) return;
    if (cache::make_dir(location)) {
      // Creating the cache folder changed the location's own timestamps:
      // record them as they are now (unsettled), or the next command would
      // see a changed folder and write the cache again.
      struct stat st {};
      if (::fstat(folder.fd, &st) != 0) return;
      index.dir = cache::key_of(st);
      index.dir_settled = false;
    }
    index.entries.resize(names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      auto& e = index.entries[i];
      if (parsed[i]) {
        e.name = names[i];
        e.key = parsed[i]->key;
        e.header = parsed[i]->header;
      } else if (entry_of[i] == kNone || !old->entry(entry_of[i], e)) {
        return;  // unreachable: a file without a usable entry was parsed
      }
    }
    cache::write(location, index);
  }
};

DirectoryLoad::DirectoryLoad(const std::string& location, const LoadOptions& options)
    : s_(std::make_unique<State>(location, options, false)) {}

DirectoryLoad::~DirectoryLoad() = default;

const ScriptDirectory* DirectoryLoad::cached() const { return s_->all_decoded ? &s_->dir : nullptr; }

ScriptDirectory DirectoryLoad::finish(bool* unchanged) {
  if (unchanged) *unchanged = false;
  State& s = *s_;
  s.stat_all();
  s.join();
  const size_t n = s.names.size();
  for (size_t i = 0; i < n; ++i) {
    if (s.status[i] != State::kGone) continue;
    if (s.listed) throw UserError(s.location + ": revision files changed while being read; run the command again");
    // The folder changed after all (within its timestamps' granularity):
    // list it.
    s_ = std::make_unique<State>(s.location, s.options, true);
    return finish(unchanged);
  }
  if (s.error) std::rethrow_exception(s.error);

  std::vector<size_t> stale;
  for (size_t i = 0; i < n; ++i)
    if (!s.decoded[i] || s.status[i] != State::kSame) stale.push_back(i);
  auto parsed = s.parse(stale);
  if (s.options.use_cache) s.update_cache(parsed);
  if (unchanged) *unchanged = stale.empty() && s.all_decoded;
  s.dir.from_cache = n - stale.size();
  return std::move(s.dir);
}

ScriptDirectory load_script_directory(const std::string& location, const LoadOptions& options) {
  return DirectoryLoad(location, options).finish();
}

void ScriptDirectory::load_bodies(const std::vector<size_t>& which) const {
  std::lock_guard<std::mutex> lock(*body_mutex);
  // Bodies are filled in once, under the lock; readers of a body have called
  // this for it first, so they see it complete.
  std::vector<Revision*> missing;
  for (size_t i : which) {
    auto& rev = const_cast<Revision&>(revisions.at(i));
    if (!rev.has_body) missing.push_back(&rev);
  }
  if (missing.empty()) return;
  const Folder folder(location);
  std::vector<std::string> texts(4);
  for_each_index(missing.size(), [&](size_t w, size_t k) {
    Revision& rev = *missing[k];
    const std::string name = rev.path.substr(location.size() + 1);
    read_whole(folder.fd, name, rev.path, texts[w]);
    Revision full = parse_revision(texts[w], rev.path);
    if (full.id != rev.id || full.down_revisions != rev.down_revisions || full.depends_on != rev.depends_on ||
        full.branch_labels != rev.branch_labels || full.transactional != rev.transactional ||
        full.message != rev.message || full.id_line != rev.id_line)
      throw UserError(located(rev.path, full.id_line,
                              "the file's header changed while strata was running (it was planned with "
                              "the earlier one); nothing was run for it: run the command again"));
    rev.upgrade = std::move(full.upgrade);
    rev.downgrade = std::move(full.downgrade);
  });
  // has_body is set only when every body is in: an error (rethrown above)
  // leaves none marked.
  for (auto* rev : missing) rev->has_body = true;
}

}  // namespace strata::script
