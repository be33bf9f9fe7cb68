// SQLite dialect plugin: embedded databases in real files (or :memory:).
//
// SQLite's DDL is transactional, so a run in one transaction is atomic:
// capabilities include STRATA_CAP_TRANSACTIONAL_DDL whatever other tools
// assume. begin() is BEGIN IMMEDIATE, which takes the write lock at once.
// A whole run (which may span several transactions) is serialised by an
// flock() on "<database>-strata.lock": a lock the kernel drops when the
// process dies, so a killed run never leaves a stale lock behind.
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <thread>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "introspect.hpp"
#include "render.hpp"
#include "statement_splitter.hpp"
#include "statement_traits.hpp"
#include "strata/dialect_abi.h"
#include "strata/plugin_support.hpp"

namespace {

using strata::plugin::dup;
using strata::plugin::error_free;
using strata::plugin::statement_list_free;
using strata::plugin::string_list_free;

struct Conn {
  sqlite3* db = nullptr;
  int busy_timeout_ms = 60000;
  std::string path;   // database file ("" for :memory:)
  int lock_fd = -1;   // the run lock's file, while held
  bool read_only = false;                   // mode=ro or immutable=1: nothing to lock
  bool created = false;  // the file did not exist before connect(): removed again if left empty
  const char* begin_sql = "BEGIN IMMEDIATE";  // isolation_level=EXCLUSIVE: BEGIN EXCLUSIVE
};

strata_status make_error(strata_error** out, strata_status status, const std::string& message,
                         int64_t native = 0, int64_t offset = -1, int64_t length = -1,
                         int64_t completed = 0) {
  return strata::plugin::set_error(out, status, message, "", native, offset, length, completed);
}

strata_status status_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STRATA_LOCK_TIMEOUT;
    default: return STRATA_ERROR;
  }
}

strata_status db_error(strata_error** out, sqlite3* db, int rc, int64_t offset = -1,
                       int64_t length = -1, int64_t completed = 0) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return make_error(out, status_of(rc), msg, db ? sqlite3_extended_errcode(db) : rc, offset,
                    length, completed);
}

// The URL's query parameters (SQLAlchemy's pysqlite dialect passes the same
// ones): SQLite's own URI parameters go into a "file:" URI opened with
// SQLITE_OPEN_URI, so SQLite applies them exactly as documented
// (https://sqlite.org/uri.html); the Python driver's are applied here or,
// where they mean nothing outside Python, checked and accepted so that a
// SQLAlchemy URL works unchanged. Anything else is refused by name.
constexpr const char* kSupportedQuery =
    "mode (ro, rw, rwc, memory), cache (shared, private), vfs, nolock, immutable, psow, uri, timeout, "
    "isolation_level (IMMEDIATE, EXCLUSIVE), check_same_thread, detect_types, cached_statements";

bool parse_bool(const std::string& v, bool* out) {
  std::string l;
  for (char ch : v) l += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (l == "1" || l == "true" || l == "yes" || l == "on") return *out = true, true;
  if (l == "0" || l == "false" || l == "no" || l == "off") return *out = false, true;
  return false;
}

// Percent-encodes what a "file:" URI's path may not hold literally.
std::string uri_path(const std::string& path) {
  std::string out;
  for (unsigned char ch : path) {
    if (ch == '%' || ch == '?' || ch == '#' || ch <= 0x20 || ch >= 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

std::string uri_value(const std::string& v) {
  std::string out;
  for (unsigned char ch : v) {
    if (ch == '%' || ch == '&' || ch == '#' || ch == '=' || ch <= 0x20 || ch >= 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

// The connection's settings from the URL's query.
struct OpenOptions {
  std::string uri_query;     // SQLite URI parameters, "k=v&k=v"
  bool uri = false;          // uri=true: the database part is a "file:" URI (SQLAlchemy's form)
  bool read_only = false;    // mode=ro / immutable=1
  double timeout = -1;       // seconds, from timeout=
  const char* begin_sql = "BEGIN IMMEDIATE";
};

// "" when every parameter is known and valid, else the message.
std::string parse_query(const strata_connect_params* params, OpenOptions& o) {
  for (size_t i = 0; i < params->query_count; ++i) {
    const std::string key = params->query_keys[i] ? params->query_keys[i] : "";
    const std::string value = params->query_values[i] ? params->query_values[i] : "";
    auto bad = [&](const std::string& expected) {
      return "query parameter " + key + "='" + value + "' is not valid: expected " + expected;
    };
    auto add_uri = [&] { o.uri_query += (o.uri_query.empty() ? "" : "&") + key + "=" + uri_value(value); };
    bool flag = false;
    if (key == "mode") {
      if (value != "ro" && value != "rw" && value != "rwc" && value != "memory") return bad("ro, rw, rwc or memory");
      if (value == "ro") o.read_only = true;
      add_uri();
    } else if (key == "cache") {
      if (value != "shared" && value != "private") return bad("shared or private");
      add_uri();
    } else if (key == "vfs") {
      if (value.empty() || !sqlite3_vfs_find(value.c_str())) return "query parameter vfs='" + value + "': SQLite has no such VFS";
      add_uri();
    } else if (key == "nolock" || key == "immutable" || key == "psow") {
      if (!parse_bool(value, &flag)) return bad("true or false (1 or 0)");
      if (key == "immutable" && flag) o.read_only = true;
      o.uri_query += (o.uri_query.empty() ? "" : "&") + key + "=" + (flag ? "1" : "0");
    } else if (key == "uri") {
      if (!parse_bool(value, &o.uri)) return bad("true or false");
    } else if (key == "timeout") {
      char* end = nullptr;
      errno = 0;
      const double t = std::strtod(value.c_str(), &end);
      if (value.empty() || errno || *end || !(t >= 0 && t <= 86400)) return bad("a number of seconds (0 to 86400)");
      o.timeout = t;
    } else if (key == "isolation_level") {
      std::string l;
      for (char ch : value) l += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (l == "IMMEDIATE") o.begin_sql = "BEGIN IMMEDIATE";
      else if (l == "EXCLUSIVE") o.begin_sql = "BEGIN EXCLUSIVE";
      else
        return "query parameter isolation_level='" + value +
               "' is not supported: strata begins SQLite transactions IMMEDIATE (taking the write lock at "
               "once, so two runs cannot both read the same version); use IMMEDIATE or EXCLUSIVE, or remove it";
    } else if (key == "check_same_thread") {
      // Python's sqlite3 module only: strata uses each connection on one thread.
      if (!parse_bool(value, &flag)) return bad("true or false");
    } else if (key == "detect_types" || key == "cached_statements") {
      // Python's sqlite3 module only (result type conversion, its statement cache).
      char* end = nullptr;
      errno = 0;
      const long v = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || errno || *end || v < 0) return bad("a whole number");
    } else {
      return std::string("unknown query parameter '") + key + "' (the sqlite dialect supports: " + kSupportedQuery +
             ")";
    }
  }
  return "";
}

strata_status connect(const strata_connect_params* params, strata_conn** out, strata_error** error) {
  try {
    *out = nullptr;
    const std::string url = params->url_masked ? params->url_masked : "sqlite";
    if (!params->database)
      return make_error(error, STRATA_ERROR, "cannot connect to " + url + ": no database file in the URL");
    OpenOptions options;
    if (std::string problem = parse_query(params, options); !problem.empty())
      return make_error(error, STRATA_ERROR, "cannot connect to " + url + ": " + problem);
    std::string path = params->database;
    if (options.uri) {
      // SQLAlchemy's sqlite:///file:path?mode=ro&uri=true: the database part
      // is a "file:" URI, resolved like any other path (relative to the
      // configuration's folder), so its path is what follows "file:".
      const auto at = path.find("file:");
      if (at != std::string::npos && (at == 0 || path[at - 1] == '/')) {
        std::string rest = path.substr(at + 5);
        if (rest == ":memory:" || rest.empty()) path = ":memory:";
        else if (rest[0] == '/') path = rest;  // file:/abs, file:///abs
        else path = path.substr(0, at) + rest;
      }
    }
    if (path != ":memory:") {
      // SQLite's own message ("unable to open database file") hides the cause.
      auto slash = path.rfind('/');
      std::string folder = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
      struct stat st {};
      if (stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(error, STRATA_CONNECTION_BROKEN,
                          "cannot connect to " + url + ": folder " + folder + " does not exist");
    }
    struct stat before {};
    const bool existed = path == ":memory:" || stat(path.c_str(), &before) == 0;
    auto conn = new Conn();
    // Always a "file:" URI: SQLite then applies mode=, cache=, vfs= ...
    // itself, and a path holding '?' or '%' is still just a path.
    std::string uri = path == ":memory:" ? "file::memory:" : "file:" + uri_path(path);
    if (!options.uri_query.empty()) uri += "?" + options.uri_query;
    int rc = sqlite3_open_v2(uri.c_str(), &conn->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = "cannot connect to " + url + ": " + (conn->db ? sqlite3_errmsg(conn->db) : sqlite3_errstr(rc));
      sqlite3_close(conn->db);
      delete conn;
      return make_error(error, STRATA_CONNECTION_BROKEN, msg, rc);
    }
    if (path != ":memory:") conn->path = path;
    conn->created = !existed;
    conn->read_only = options.read_only || sqlite3_db_readonly(conn->db, "main") == 1;
    conn->begin_sql = options.begin_sql;
    if (params->lock_timeout_seconds >= 0)
      conn->busy_timeout_ms = static_cast<int>(params->lock_timeout_seconds * 1000);
    else if (options.timeout >= 0)
      conn->busy_timeout_ms = static_cast<int>(options.timeout * 1000);
    sqlite3_busy_timeout(conn->db, conn->busy_timeout_ms);
    sqlite3_extended_result_codes(conn->db, 1);
    // Check now that this is a database file, not at the first statement.
    rc = sqlite3_exec(conn->db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = "cannot connect to " + url + ": " + sqlite3_errmsg(conn->db);
      sqlite3_close(conn->db);
      delete conn;
      return make_error(error, STRATA_CONNECTION_BROKEN, msg, rc);
    }
    *out = reinterpret_cast<strata_conn*>(conn);
    return STRATA_OK;
  } catch (const std::exception& e) {
    return make_error(error, STRATA_ERROR, e.what());
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

void disconnect(strata_conn* c) {
  auto* conn = reinterpret_cast<Conn*>(c);
  if (!conn) return;
  if (conn->db && !sqlite3_get_autocommit(conn->db))
    sqlite3_exec(conn->db, "ROLLBACK", nullptr, nullptr, nullptr);
  // A file this connection created and nothing was written to (a command
  // refused after connecting, `current` on a database not created yet)
  // leaves no trace. Checked and removed under an exclusive lock, so a
  // concurrent writer is never cut off.
  if (conn->db && conn->created && !conn->read_only && !conn->path.empty()) {
    sqlite3_busy_timeout(conn->db, 0);
    if (sqlite3_exec(conn->db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      bool empty = false;
      if (sqlite3_prepare_v2(conn->db, "SELECT count(*) FROM sqlite_master", -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        empty = sqlite3_column_int64(st, 0) == 0;
      sqlite3_finalize(st);
      if (empty) {
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) unlink((conn->path + suffix).c_str());
      }
      sqlite3_exec(conn->db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  sqlite3_close_v2(conn->db);
  if (conn->lock_fd >= 0) close(conn->lock_fd);  // releases the run lock
  delete conn;
}

// The script is split first (statement_splitter.cpp, SQLite's own rules
// for where a statement ends): an unterminated comment or quote, or a NUL
// byte, fails before anything runs, with the offset where it starts. Then
// each statement is prepared on its own text. (Preparing the rest of the
// script each time, as this did before, made SQLite copy that rest on every
// statement, the text not being NUL-terminated at its length: a revision of
// n statements cost O(n^2), 40 s for 400k statements.)
strata_status execute(strata_conn* c, const char* sql, size_t length, const strata_exec_options*,
                      strata_exec_info* info, strata_error** error) {
  try {
    auto* conn = reinterpret_cast<Conn*>(c);
    const std::string_view text(sql ? sql : "", sql ? length : 0);
    std::vector<strata::sqlite::StatementRange> ranges;
    try {
      ranges = strata::sqlite::split_statements(text);
    } catch (const strata::sqlite::SplitError& e) {  // nothing ran
      return make_error(error, STRATA_ERROR, e.what(), 0, static_cast<int64_t>(e.offset));
    }
    const char* const begin = text.data();
    int64_t completed = 0;
    int64_t rows = -1;
    for (const auto& r : ranges) {
      const char* p = begin + r.offset;
      const char* const end = p + r.length;
      // One range is one statement by SQLite's rules; the loop is for the
      // parser's tail all the same (e.g. text after a statement's end).
      while (p < end) {
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v2(conn->db, p, static_cast<int>(end - p), &stmt, &tail);
        if (rc != SQLITE_OK) {
          sqlite3_finalize(stmt);
          return db_error(error, conn->db, rc, p - begin, -1, completed);
        }
        if (!stmt) break;  // only comments or blanks left
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE) {
          // sqlite3_errmsg must be read before finalize resets it.
          auto status = db_error(error, conn->db, rc, p - begin, (tail ? tail : end) - p, completed);
          sqlite3_finalize(stmt);
          return status;
        }
        rows = sqlite3_stmt_readonly(stmt) ? -1 : sqlite3_changes(conn->db);
        sqlite3_finalize(stmt);
        ++completed;
        if (!tail || tail <= p) break;
        p = tail;
      }
    }
    if (info) {
      info->statements_completed = completed;
      info->rows_affected = rows;
    }
    return STRATA_OK;
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, "out of memory");
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

strata_status query_column(strata_conn* c, const char* sql, strata_string_list** out,
                           strata_error** error) {
  try {
    auto* conn = reinterpret_cast<Conn*>(c);
    *out = nullptr;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(conn->db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return db_error(error, conn->db, rc);
    }
    std::vector<std::string> values;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      auto* text = sqlite3_column_text(stmt, 0);
      values.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    if (rc != SQLITE_DONE) {
      auto status = db_error(error, conn->db, rc);
      sqlite3_finalize(stmt);
      return status;
    }
    sqlite3_finalize(stmt);
    auto* list = static_cast<strata_string_list*>(std::calloc(1, sizeof(strata_string_list)));
    list->count = values.size();
    list->items = static_cast<char**>(std::calloc(values.size() + 1, sizeof(char*)));
    for (size_t i = 0; i < values.size(); ++i) list->items[i] = dup(values[i]);
    *out = list;
    return STRATA_OK;
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

strata_status table_exists(strata_conn* c, const char* schema, const char* table, int* exists,
                           strata_error** error) {
  try {
    auto* conn = reinterpret_cast<Conn*>(c);
    if (schema && *schema)
      return make_error(error, STRATA_UNSUPPORTED,
                        "SQLite has no schemas: remove version_table_schema for this database");
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(conn->db,
                                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return db_error(error, conn->db, rc);
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    *exists = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      auto status = db_error(error, conn->db, rc);
      sqlite3_finalize(stmt);
      return status;
    }
    sqlite3_finalize(stmt);
    return STRATA_OK;
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

strata_status simple(strata_conn* c, const char* sql, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  int rc = sqlite3_exec(conn->db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return db_error(error, conn->db, rc);
  return STRATA_OK;
}

// IMMEDIATE takes the write lock now, so two runners cannot both read the
// version table and then both apply the same revisions.
strata_status begin(strata_conn* c, strata_error** error) {
  return simple(c, reinterpret_cast<Conn*>(c)->begin_sql, error);
}
strata_status commit(strata_conn* c, strata_error** error) { return simple(c, "COMMIT", error); }

strata_status rollback(strata_conn* c, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  if (sqlite3_get_autocommit(conn->db)) return STRATA_OK;  // nothing open
  return simple(c, "ROLLBACK", error);
}

// The run lock: flock() on a file beside the database (never on the
// database file itself, whose POSIX locks SQLite owns). Also sets how long
// begin() waits for other writers.
strata_status lock(strata_conn* c, const char*, double timeout_seconds, strata_error** error) {
  try {
    auto* conn = reinterpret_cast<Conn*>(c);
    int ms = timeout_seconds < 0 ? 24 * 3600 * 1000 : static_cast<int>(timeout_seconds * 1000);
    sqlite3_busy_timeout(conn->db, ms);
    if (conn->path.empty() || conn->lock_fd >= 0) return STRATA_OK;  // :memory: is private
    // A read-only connection (mode=ro, immutable=1) can change nothing, so
    // there is no run to serialise, and nothing is written beside the file.
    if (conn->read_only) return STRATA_OK;
    const std::string lock_path = conn->path + "-strata.lock";
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return make_error(error, STRATA_ERROR, "cannot open the lock file " + lock_path + ": " + std::strerror(errno));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    auto pause = std::chrono::milliseconds(10);
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        std::string msg = "cannot lock " + lock_path + ": " + std::strerror(errno);
        close(fd);
        return make_error(error, STRATA_ERROR, msg);
      }
      if (timeout_seconds >= 0 && std::chrono::steady_clock::now() >= deadline) {
        close(fd);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", timeout_seconds);
        return make_error(error, STRATA_LOCK_TIMEOUT,
                          std::string("timed out after ") + buf +
                              " s waiting for the migration lock (another strata run on this database?)");
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
    conn->lock_fd = fd;
    return STRATA_OK;
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

strata_status unlock(strata_conn* c, const char*, strata_error**) {
  auto* conn = reinterpret_cast<Conn*>(c);
  if (conn->lock_fd >= 0) {
    close(conn->lock_fd);  // closing the descriptor releases the flock
    conn->lock_fd = -1;
  }
  return STRATA_OK;
}

size_t quote_identifier(const char* identifier, char* out, size_t capacity) {
  std::string q = "\"";
  for (const char* p = identifier; *p; ++p) {
    if (*p == '"') q += '"';
    q += *p;
  }
  q += '"';
  return strata::plugin::copy_out(q, out, capacity);
}

// Statement boundaries without a connection: statement_splitter.cpp, one
// pass with sqlite3_complete()'s rules (quotes, comments, CREATE TRIGGER ...
// BEGIN ... END), the same split execute() runs.
strata_status split_statements(const char* sql, size_t length, strata_statement_list** out,
                               strata_error** error) {
  try {
    *out = nullptr;
    const auto ranges = strata::sqlite::split_statements(std::string_view(sql ? sql : "", sql ? length : 0));
    auto* list = static_cast<strata_statement_list*>(std::calloc(1, sizeof(strata_statement_list)));
    if (!list) throw std::bad_alloc();
    list->items = static_cast<strata_statement_range*>(std::calloc(ranges.size() + 1, sizeof(strata_statement_range)));
    if (!list->items) {
      std::free(list);
      throw std::bad_alloc();
    }
    list->count = ranges.size();
    for (size_t i = 0; i < ranges.size(); ++i)
      list->items[i] = {static_cast<int64_t>(ranges[i].offset), static_cast<int64_t>(ranges[i].length)};
    *out = list;
    return STRATA_OK;
  } catch (const strata::sqlite::SplitError& e) {
    return make_error(error, STRATA_ERROR, e.what(), 0, static_cast<int64_t>(e.offset));
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, "out of memory");
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

// For offline scripts: the statement and its terminator.
size_t script_statement(const char* statement, size_t length, char* out, size_t capacity) {
  std::string q(statement, length);
  q += ";";
  return strata::plugin::copy_out(q, out, capacity);
}

// Offline scripts need no session setup for this dialect.
size_t script_preamble(const strata_connect_params*, char* out, size_t capacity) {
  if (capacity) out[0] = 0;
  return 0;
}

const std::string& description() {
  static const std::string d = std::string("SQLite ") + sqlite3_libversion();
  return d;
}

// ABI 1.1: classification needs no connection and cannot fail; if it
// throws anyway (out of memory), the cautious answer.
uint32_t statement_traits_entry(const char* statement, size_t length) {
  try {
    return strata::sqlite::statement_traits(std::string_view(statement ? statement : "", statement ? length : 0));
  } catch (...) {
    return STRATA_STMT_NO_TRANSACTION;
  }
}

// ABI 1.2: the catalog document (introspect.cpp).
strata_status introspect_entry(strata_conn* c, const char* options, strata_string_list** out, strata_error** error) {
  return strata::sqlite::introspect(reinterpret_cast<Conn*>(c)->db, options, out, error);
}

}  // namespace

extern "C" STRATA_DIALECT_EXPORT const strata_dialect_api* STRATA_DIALECT_ENTRY(void) {
  static const strata_dialect_api api = [] {
    // Memory statistics take a process-wide mutex on every allocation:
    // with many databases migrating on parallel threads that mutex, not the
    // work, sets the pace. Must precede SQLite's initialisation (the entry
    // point runs before any connection); harmless if another user of the
    // library initialised it first.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    strata_dialect_api a{};
    a.struct_size = sizeof(strata_dialect_api);
    a.abi_major = STRATA_DIALECT_ABI_MAJOR;
    a.abi_minor = STRATA_DIALECT_ABI_MINOR;
    a.name = "sqlite";
    a.description = description().c_str();
    a.capabilities = STRATA_CAP_TRANSACTIONAL_DDL | STRATA_CAP_AUTOCOMMIT | STRATA_CAP_SESSION_LOCKS;
    a.error_free = error_free;
    a.string_list_free = string_list_free;
    a.connect = connect;
    a.disconnect = disconnect;
    a.execute = execute;
    a.query_column = query_column;
    a.table_exists = table_exists;
    a.begin = begin;
    a.commit = commit;
    a.rollback = rollback;
    a.lock = lock;
    a.unlock = unlock;
    a.quote_identifier = quote_identifier;
    a.split_statements = split_statements;
    a.statement_list_free = statement_list_free;
    a.script_statement = script_statement;
    a.script_preamble = script_preamble;
    a.statement_traits = statement_traits_entry;
    a.introspect = introspect_entry;
    a.render_changes = strata::sqlite::render_changes;
    return a;
  }();
  return &api;
}
