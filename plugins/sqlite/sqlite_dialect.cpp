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

#include <cerrno>
#include <chrono>
#include <thread>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

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

// Skips whitespace and SQL comments; returns the first byte of real text.
const char* skip_space(const char* p, const char* end) {
  while (p < end) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
      ++p;
    } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
      while (p < end && *p != '\n') ++p;
    } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
      const char* close = p + 2;
      while (close + 1 < end && !(close[0] == '*' && close[1] == '/')) ++close;
      p = close + 1 < end ? close + 2 : end;
    } else {
      break;
    }
  }
  return p;
}

strata_status connect(const strata_connect_params* params, strata_conn** out, strata_error** error) {
  try {
    *out = nullptr;
    const std::string url = params->url_masked ? params->url_masked : "sqlite";
    if (!params->database)
      return make_error(error, STRATA_ERROR, "cannot connect to " + url + ": no database file in the URL");
    std::string path = params->database;
    if (path != ":memory:") {
      // SQLite's own message ("unable to open database file") hides the cause.
      auto slash = path.rfind('/');
      std::string folder = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
      struct stat st {};
      if (stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return make_error(error, STRATA_CONNECTION_BROKEN,
                          "cannot connect to " + url + ": folder " + folder + " does not exist");
    }
    auto conn = new Conn();
    int rc = sqlite3_open_v2(params->database, &conn->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = "cannot connect to " + url + ": " + (conn->db ? sqlite3_errmsg(conn->db) : sqlite3_errstr(rc));
      sqlite3_close(conn->db);
      delete conn;
      return make_error(error, STRATA_CONNECTION_BROKEN, msg, rc);
    }
    if (path != ":memory:") conn->path = path;
    if (params->lock_timeout_seconds >= 0)
      conn->busy_timeout_ms = static_cast<int>(params->lock_timeout_seconds * 1000);
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
  sqlite3_close_v2(conn->db);
  if (conn->lock_fd >= 0) close(conn->lock_fd);  // releases the run lock
  delete conn;
}

// SQLite's prepare stops at the end of the first statement (trigger bodies
// included), so one code path serves scripts and single statements.
strata_status execute(strata_conn* c, const char* sql, size_t length, const strata_exec_options*,
                      strata_exec_info* info, strata_error** error) {
  try {
    auto* conn = reinterpret_cast<Conn*>(c);
    const char* const begin = sql;
    const char* const end = sql + length;
    const char* p = begin;
    int64_t completed = 0;
    int64_t rows = -1;
    while (true) {
      p = skip_space(p, end);
      if (p >= end) break;
      sqlite3_stmt* stmt = nullptr;
      const char* tail = nullptr;
      int rc = sqlite3_prepare_v2(conn->db, p, static_cast<int>(end - p), &stmt, &tail);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return db_error(error, conn->db, rc, p - begin, -1, completed);
      }
      if (!stmt) {  // only comments or a lone ';'
        p = tail;
        continue;
      }
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      }
      if (rc != SQLITE_DONE) {
        // sqlite3_errmsg must be read before finalize resets it.
        auto status = db_error(error, conn->db, rc, p - begin, tail - p, completed);
        sqlite3_finalize(stmt);
        return status;
      }
      rows = sqlite3_stmt_readonly(stmt) ? -1 : sqlite3_changes(conn->db);
      sqlite3_finalize(stmt);
      ++completed;
      p = tail;
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
strata_status begin(strata_conn* c, strata_error** error) { return simple(c, "BEGIN IMMEDIATE", error); }
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

// Statement boundaries without a connection: a ';' ends a statement when
// sqlite3_complete() says the text up to it is complete (this respects
// quotes, comments and CREATE TRIGGER ... BEGIN ... END).
strata_status split_statements(const char* sql, size_t length, strata_statement_list** out,
                               strata_error** error) {
  try {
    std::vector<strata_statement_range> ranges;
    const char* end = sql + length;
    const char* start = skip_space(sql, end);
    std::string buf;
    for (const char* p = start; p < end; ++p) {
      if (*p != ';') continue;
      buf.assign(start, p + 1);
      if (!sqlite3_complete(buf.c_str())) continue;
      const char* stmt_end = p;
      while (stmt_end > start && (stmt_end[-1] == ' ' || stmt_end[-1] == '\t' || stmt_end[-1] == '\n' || stmt_end[-1] == '\r'))
        --stmt_end;
      if (stmt_end > start) ranges.push_back({start - sql, stmt_end - start});
      start = skip_space(p + 1, end);
      p = start - 1;
    }
    if (start < end) {
      const char* stmt_end = end;
      while (stmt_end > start && (stmt_end[-1] == ' ' || stmt_end[-1] == '\t' || stmt_end[-1] == '\n' || stmt_end[-1] == '\r'))
        --stmt_end;
      if (stmt_end > start) ranges.push_back({start - sql, stmt_end - start});
    }
    auto* list = static_cast<strata_statement_list*>(std::calloc(1, sizeof(strata_statement_list)));
    list->count = ranges.size();
    list->items = static_cast<strata_statement_range*>(std::calloc(ranges.size() + 1, sizeof(strata_statement_range)));
    for (size_t i = 0; i < ranges.size(); ++i) list->items[i] = ranges[i];
    *out = list;
    return STRATA_OK;
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
    return a;
  }();
  return &api;
}
