// PostgreSQL dialect plugin, on libpqxx.
//
// DDL is transactional, so a run in one transaction is atomic. Statements
// run through a pqxx::nontransaction per call (plain PQexec, no BEGIN added
// by libpqxx): the transaction is the one begin()/commit() open and close,
// and with none open every statement commits by itself, which is what
// CREATE INDEX CONCURRENTLY needs. Runs on one database are serialised by a
// session-level advisory lock, which dies with the connection. A batch of
// statements inside a transaction goes out as one libpq pipeline.
#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
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

// libpqxx's connect_direct, remembering the libpq handle it opens: libpqxx
// 6 keeps the PGconn private, and pipeline mode (execute_batch) needs it.
// A connection policy is libpqxx 6's documented extension point.
class HandlePolicy : public pqxx::connect_direct {
 public:
  explicit HandlePolicy(const std::string& options) : pqxx::connect_direct(options) {}
  handle do_startconnect(handle h) override { return handle_ = pqxx::connect_direct::do_startconnect(h); }
  handle do_completeconnect(handle h) override { return handle_ = pqxx::connect_direct::do_completeconnect(h); }
  handle do_dropconnect(handle h) noexcept override {
    handle_ = nullptr;
    return pqxx::connect_direct::do_dropconnect(h);
  }
  handle do_disconnect(handle h) noexcept override {
    handle_ = nullptr;
    return pqxx::connect_direct::do_disconnect(h);
  }
  PGconn* raw() const { return handle_; }

 private:
  handle handle_ = nullptr;
};

// pqxx::connection (basic_connection_base<connect_direct>) with the handle
// reachable. Members in the same order as libpqxx's: options, then policy.
class PgConnection : public pqxx::connection_base {
 public:
  explicit PgConnection(const std::string& options)
      : pqxx::connection_base(policy_), options_(options), policy_(options_) {
    init();
  }
  ~PgConnection() noexcept { close(); }
  PGconn* raw() const { return policy_.raw(); }

 private:
  std::string options_;
  HandlePolicy policy_;
};

struct Conn {
  std::unique_ptr<PgConnection> db;
  // Set once libpqxx reported the connection lost: nothing more is tried on
  // it (and libpqxx gets no chance to reconnect behind our back, which
  // would silently drop the open transaction and the advisory lock).
  bool broken = false;
};

Conn* as_conn(strata_conn* c) { return reinterpret_cast<Conn*>(c); }

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

// A server message as libpq formats it starts with its severity
// ("ERROR:  ", "FATAL:  ", or the server's translation of it, always a word
// and two spaces); the host says "error:" itself. What follows (DETAIL,
// HINT, LINE and its caret) stays as psql shows it.
std::string without_severity(std::string message) {
  const size_t colon = message.find(":  ");
  if (colon != std::string::npos && colon > 0 && colon <= 24 &&
      message.find_first_of(" \n\t") > colon)
    message.erase(0, colon + 3);
  return message;
}

strata_status make_error(strata_error** out, strata_status status, const std::string& message,
                         const std::string& sqlstate = "", int64_t offset = -1, int64_t length = -1,
                         int64_t completed = 0) {
  return strata::plugin::set_error(out, status, without_severity(message), sqlstate, 0, offset, length, completed);
}

// Where a failure happened inside execute(); defaults for the other calls.
struct Where {
  int64_t offset = -1;
  int64_t length = -1;
  int64_t completed = 0;
  bool committing = false;
};

// Turns the exception being handled into a status and an error. Call only
// from inside a catch block.
strata_status fail(strata_error** error, Conn* conn, const Where& at = {}) {
  auto broken = [&](std::string what) {
    if (conn) conn->broken = true;
    // libpqxx's own wording for "no connection" says nothing useful.
    if (what.rfind("Could not obtain client encoding", 0) == 0 || what == "Connection to database failed")
      what.clear();
    if (at.committing)
      return make_error(error, STRATA_COMMIT_IN_DOUBT,
                        "the connection to the server was lost during COMMIT" +
                            (what.empty() ? std::string() : ": " + what) +
                            "; whether the transaction committed is unknown",
                        "", at.offset, at.length, at.completed);
    return make_error(error, STRATA_CONNECTION_BROKEN,
                      "the connection to the server was lost" + (what.empty() ? std::string() : ": " + what),
                      "", at.offset, at.length, at.completed);
  };
  // libpqxx sometimes reports a dropped connection as a plain failure.
  auto lost = [&] { return conn && conn->db && !conn->db->is_open(); };
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return broken(trim_right(e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    if (conn) conn->broken = true;
    return make_error(error, STRATA_COMMIT_IN_DOUBT, trim_right(e.what()), "", at.offset, at.length,
                      at.completed);
  } catch (const pqxx::sql_error& e) {
    if (lost()) return broken(trim_right(e.what()));
    return make_error(error, STRATA_ERROR, trim_right(e.what()), e.sqlstate(), at.offset, at.length,
                      at.completed);
  } catch (const pqxx::statement_completion_unknown& e) {
    if (at.committing) return broken(trim_right(e.what()));
    return make_error(error, STRATA_ERROR, trim_right(e.what()), "40003", at.offset, at.length, at.completed);
  } catch (const pqxx::deadlock_detected& e) {
    return make_error(error, STRATA_ERROR, trim_right(e.what()), "40P01", at.offset, at.length, at.completed);
  } catch (const pqxx::serialization_failure& e) {
    return make_error(error, STRATA_ERROR, trim_right(e.what()), "40001", at.offset, at.length, at.completed);
  } catch (const pqxx::transaction_rollback& e) {
    return make_error(error, STRATA_ERROR, trim_right(e.what()), "40000", at.offset, at.length, at.completed);
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, "out of memory", "", at.offset, at.length, at.completed);
  } catch (const std::exception& e) {
    if (lost()) return broken(trim_right(e.what()));
    return make_error(error, STRATA_ERROR, trim_right(e.what()), "", at.offset, at.length, at.completed);
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in postgresql plugin", "", at.offset, at.length,
                      at.completed);
  }
}

// Runs one SQL text as is (simple query protocol), in whatever transaction
// state the session is in.
pqxx::result run(Conn* conn, const std::string& sql) {
  if (conn->broken) throw pqxx::broken_connection("the connection was lost earlier");
  pqxx::nontransaction w(*conn->db);
  pqxx::result r = w.exec(sql);
  w.commit();
  return r;
}

// ------------------------------------------------------------- connecting

// A conninfo value: always quoted, with \ and ' escaped.
std::string conninfo_value(const std::string& v) {
  std::string q = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') q += '\\';
    q += c;
  }
  q += '\'';
  return q;
}

bool valid_keyword(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Replaces every occurrence of `secret` in `text` with ***.
std::string scrub(std::string text, const char* secret) {
  if (!secret || !*secret) return text;
  const std::string s = secret;
  for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) text.replace(at, s.size(), "***");
  return text;
}

// scrub() for the password and every secret query value (sslpassword, ...).
std::string scrub_secrets(std::string text, const strata_connect_params* params) {
  if (!params) return text;
  text = scrub(std::move(text), params->password);
  for (size_t i = 0; i < params->query_count; ++i) {
    std::string k = params->query_keys[i] ? params->query_keys[i] : "";
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (k.find("password") != std::string::npos || k.find("passwd") != std::string::npos)
      text = scrub(std::move(text), params->query_values[i]);
  }
  return text;
}

strata_status connect(const strata_connect_params* params, strata_conn** out, strata_error** error) {
  if (out) *out = nullptr;
  const std::string url = params && params->url_masked ? params->url_masked : "";
  const std::string prefix = "cannot connect to " + url + ": ";
  try {
    std::vector<std::pair<std::string, std::string>> kv;
    auto set = [&](const std::string& k, const std::string& v) {
      for (auto& p : kv)
        if (p.first == k) {
          p.second = v;
          return;
        }
      kv.emplace_back(k, v);
    };
    if (params->host && *params->host) set("host", params->host);
    if (params->port) set("port", std::to_string(params->port));
    if (params->user && *params->user) set("user", params->user);
    if (params->password) set("password", params->password);
    if (params->database && *params->database) set("dbname", params->database);
    // Query parameters are libpq keywords (sslmode, connect_timeout, options,
    // host=/socket/dir, ...) and win over the URL's parts.
    for (size_t i = 0; i < params->query_count; ++i) {
      std::string k = params->query_keys[i] ? params->query_keys[i] : "";
      if (!valid_keyword(k))
        return make_error(error, STRATA_CONNECTION_BROKEN, prefix + "invalid connection option \"" + k + "\"");
      set(k, params->query_values[i] ? params->query_values[i] : "");
    }
    auto has = [&](const char* k) {
      for (auto& p : kv)
        if (p.first == k) return true;
      return false;
    };
    if (!has("application_name")) set("application_name", "strata");
    // Revision files are UTF-8, whatever the environment's locale says.
    if (!has("client_encoding")) set("client_encoding", "UTF8");
    if (!has("connect_timeout")) set("connect_timeout", "10");
    std::string conninfo;
    for (auto& [k, v] : kv) {
      if (!conninfo.empty()) conninfo += ' ';
      conninfo += k + "=" + conninfo_value(v);
    }

    auto conn = std::make_unique<Conn>();
    try {
      conn->db = std::make_unique<PgConnection>(conninfo);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      return make_error(error, STRATA_CONNECTION_BROKEN, prefix + scrub_secrets(trim_right(e.what()), params));
    }
    // Never reconnect silently: a new session has lost our transaction and
    // our advisory lock.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    conn->db->inhibit_reactivation(true);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    *out = reinterpret_cast<strata_conn*>(conn.release());
    return STRATA_OK;
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, prefix + "out of memory");
  } catch (const std::exception& e) {
    return make_error(error, STRATA_CONNECTION_BROKEN,
                      prefix + scrub_secrets(trim_right(e.what()), params));
  } catch (...) {
    return make_error(error, STRATA_ERROR, prefix + "unknown error in postgresql plugin");
  }
}

// Closing the session rolls back anything uncommitted and releases its
// advisory locks, server-side.
void disconnect(strata_conn* c) {
  try {
    delete as_conn(c);
  } catch (...) {
  }
}

// ------------------------------------------------------------- statements

// The first keyword of a statement, upper-cased ("" when there is none).
std::string first_word(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '(') {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? s.size() : nl + 1;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      int depth = 0;
      while (i < s.size()) {
        if (s.compare(i, 2, "/*") == 0) ++depth, i += 2;
        else if (s.compare(i, 2, "*/") == 0) { i += 2; if (--depth == 0) break; }
        else ++i;
      }
    } else {
      break;
    }
  }
  std::string w;
  for (; i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')); ++i)
    w += static_cast<char>(s[i] >= 'a' ? s[i] - 'a' + 'A' : s[i]);
  return w;
}

// Rows changed by INSERT/UPDATE/DELETE/MERGE/COPY (and a WITH ... that
// returns no rows, i.e. data-modifying), or -1 for other statements.
// (libpqxx 6 keeps the command tag private, so the statement tells.)
int64_t rows_of(std::string_view statement, const pqxx::result& r) {
  const std::string w = first_word(statement);
  if (w == "INSERT" || w == "UPDATE" || w == "DELETE" || w == "MERGE" || w == "COPY" ||
      (w == "WITH" && r.columns() == 0))
    return static_cast<int64_t>(r.affected_rows());
  return -1;
}

strata_status execute(strata_conn* c, const char* sql, size_t length, const strata_exec_options* options,
                      strata_exec_info* info, strata_error** error) {
  Conn* conn = as_conn(c);
  Where at;
  try {
    const std::string_view text(sql ? sql : "", sql ? length : 0);
    const bool single = options && (options->flags & STRATA_EXEC_SINGLE_STATEMENT);
    auto ranges = strata::postgresql::split_statements(text);
    // A single statement runs whole (its own splitting may differ from ours),
    // unless it is only blanks and comments.
    if (single && !ranges.empty()) ranges = {{0, text.size()}};
    int64_t rows = -1;
    for (auto& r : ranges) {
      at.offset = static_cast<int64_t>(r.offset);
      at.length = static_cast<int64_t>(r.length);
      const std::string_view statement = text.substr(r.offset, r.length);
      pqxx::result res = run(conn, std::string(statement));
      rows = rows_of(statement, res);
      ++at.completed;
    }
    if (info) {
      info->statements_completed = at.completed;
      info->rows_affected = rows;
    }
    return STRATA_OK;
  } catch (const strata::postgresql::SplitError& e) {  // nothing ran
    return make_error(error, STRATA_ERROR, e.what(), "", static_cast<int64_t>(e.offset));
  } catch (...) {
    if (info) info->statements_completed = at.completed;
    return fail(error, conn, at);
  }
}

// rows_of() for a libpq result of a pipeline.
int64_t rows_of(std::string_view statement, const PGresult* r) {
  const std::string w = first_word(statement);
  if (w == "INSERT" || w == "UPDATE" || w == "DELETE" || w == "MERGE" || w == "COPY" ||
      (w == "WITH" && PQnfields(r) == 0))
    return std::atoll(PQcmdTuples(const_cast<PGresult*>(r)));
  return -1;
}

// The connection is gone (or libpq is out of step with the server): nothing
// more is tried on it. Items from `completed` on are of unknown outcome; in
// an open transaction, the server rolls all of them back.
strata_status pipeline_broken(Conn* conn, strata_error** error, size_t completed) {
  conn->broken = true;
  std::string what = conn->db && conn->db->raw() ? trim_right(PQerrorMessage(conn->db->raw())) : std::string();
  return make_error(error, STRATA_CONNECTION_BROKEN,
                    "the connection to the server was lost" + (what.empty() ? std::string() : ": " + what), "", 0,
                    -1, static_cast<int64_t>(completed));
}

// The batch as one pipeline: every statement sent, one Sync, then the
// results read in order. Inside the open transaction block, the first error
// aborts the rest of the pipeline (PGRES_PIPELINE_ABORTED) and the
// transaction, as it would statement by statement. libpq reads results
// while it sends when the socket is full, so a long batch cannot deadlock.
strata_status run_pipeline(Conn* conn, PGconn* pg, strata_batch_item* items, size_t count, strata_error** error) {
  if (PQenterPipelineMode(pg) != 1) return pipeline_broken(conn, error, 0);
  for (size_t i = 0; i < count; ++i) {
    const std::string q(items[i].sql, items[i].length);
    if (PQsendQueryParams(pg, q.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
      return pipeline_broken(conn, error, 0);
  }
  if (PQpipelineSync(pg) != 1) return pipeline_broken(conn, error, 0);
  size_t completed = 0;
  bool failed = false;
  std::string message, sqlstate;
  for (size_t i = 0; i < count; ++i) {
    PGresult* r = PQgetResult(pg);
    if (!r) return pipeline_broken(conn, error, completed);
    const ExecStatusType st = PQresultStatus(r);
    if (!failed && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
      items[i].rows_affected = rows_of(std::string_view(items[i].sql, items[i].length), r);
      ++completed;
    } else if (!failed && st != PGRES_PIPELINE_ABORTED) {
      failed = true;
      message = trim_right(PQresultErrorMessage(r));
      const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      sqlstate = code ? code : "";
      if (message.empty()) message = std::string("unexpected result: ") + PQresStatus(st);
    }
    PQclear(r);
    // Each statement's results end with a NULL.
    while (PGresult* extra = PQgetResult(pg)) PQclear(extra);
    if (PQstatus(pg) == CONNECTION_BAD) return pipeline_broken(conn, error, completed);
  }
  PGresult* sync = PQgetResult(pg);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync) PQclear(sync);
  if (!synced || PQexitPipelineMode(pg) != 1) return pipeline_broken(conn, error, completed);
  if (failed) {
    if (PQstatus(pg) == CONNECTION_BAD) return pipeline_broken(conn, error, completed);
    return make_error(error, STRATA_ERROR, message, sqlstate, 0, -1, static_cast<int64_t>(completed));
  }
  return STRATA_OK;
}

// ABI 1.2. One pipeline when the session is inside a transaction block and
// no statement is one that must run outside it (a pipeline is itself an
// implicit transaction); otherwise one statement at a time, as execute().
strata_status execute_batch(strata_conn* c, strata_batch_item* items, size_t count, strata_error** error) {
  Conn* conn = as_conn(c);
  Where at;
  at.offset = 0;
  try {
    for (size_t i = 0; i < count; ++i) items[i].rows_affected = -1;
    if (conn->broken) throw pqxx::broken_connection("the connection was lost earlier");
    PGconn* pg = conn->db->raw();
    bool pipeline = pg && count > 1 && PQtransactionStatus(pg) == PQTRANS_INTRANS;
    for (size_t i = 0; pipeline && i < count; ++i)
      if (strata::postgresql::statement_traits(std::string_view(items[i].sql, items[i].length)) &
          STRATA_STMT_NO_TRANSACTION)
        pipeline = false;
    if (pipeline) return run_pipeline(conn, pg, items, count, error);
    for (size_t i = 0; i < count; ++i) {
      const std::string_view statement(items[i].sql, items[i].length);
      at.length = static_cast<int64_t>(statement.size());
      pqxx::result res = run(conn, std::string(statement));
      items[i].rows_affected = rows_of(statement, res);
      ++at.completed;
    }
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn, at);
  }
}

strata_status query_column(strata_conn* c, const char* sql, strata_string_list** out, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    *out = nullptr;
    pqxx::result r = run(conn, sql ? sql : "");
    std::vector<std::string> values;
    if (r.columns() > 0) {
      values.reserve(r.size());
      for (const auto& row : r) values.emplace_back(row[0].is_null() ? "" : row[0].c_str());
    }
    auto* list = static_cast<strata_string_list*>(std::calloc(1, sizeof(strata_string_list)));
    if (!list) throw std::bad_alloc();
    list->items = static_cast<char**>(std::calloc(values.size() + 1, sizeof(char*)));
    if (!list->items) {
      std::free(list);
      throw std::bad_alloc();
    }
    list->count = values.size();
    for (size_t i = 0; i < values.size(); ++i) list->items[i] = dup(values[i]);
    *out = list;
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

strata_status table_exists(strata_conn* c, const char* schema, const char* table, int* exists,
                           strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    *exists = 0;
    if (conn->broken) throw pqxx::broken_connection("the connection was lost earlier");
    static const std::string base =
        "SELECT 1 FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND c.relname = $1 AND n.nspname = ";
    const std::string name = table ? table : "";
    pqxx::nontransaction w(*conn->db);
    pqxx::result r = schema ? w.exec_params(base + "$2", name, std::string(schema))
                            : w.exec_params(base + "current_schema()", name);
    w.commit();
    *exists = r.empty() ? 0 : 1;
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

// ----------------------------------------------------------- transactions

strata_status begin(strata_conn* c, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    run(conn, "BEGIN");
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

strata_status commit(strata_conn* c, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    // COMMIT of a transaction an error aborted answers ROLLBACK, without an
    // error (and libpqxx 6 hides the command tag): ask first. Only
    // 25P02 "current transaction is aborted" can fail this probe.
    run(conn, "SELECT 1");
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "25P02")
      return make_error(error, STRATA_ERROR,
                        "cannot COMMIT: an earlier statement failed and aborted the transaction", "25P02");
    return fail(error, conn);
  } catch (...) {
    return fail(error, conn);
  }
  Where at;
  at.committing = true;
  try {
    run(conn, "COMMIT");
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn, at);
  }
}

// Without an open transaction the server only warns; that is no error.
strata_status rollback(strata_conn* c, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    run(conn, "ROLLBACK");
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

// ------------------------------------------------------------------ locks

// The advisory lock key: FNV-1a 64 of the key string, as a signed bigint.
int64_t lock_key(const char* key) {
  uint64_t h = 14695981039346656037ull;
  for (const char* p = key ? key : ""; *p; ++p) {
    h ^= static_cast<unsigned char>(*p);
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

// A quoted literal: INT64_MIN written bare would be parsed as numeric.
std::string key_sql(const char* fn, const char* key) {
  return std::string("SELECT ") + fn + "('" + std::to_string(lock_key(key)) + "'::bigint)";
}

std::string seconds_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

strata_status lock(strata_conn* c, const char* key, double timeout_seconds, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    // Always polled with pg_try_advisory_lock, never a blocking
    // pg_advisory_lock: a session waiting inside that statement holds a
    // snapshot, and the running migration's CREATE INDEX CONCURRENTLY waits
    // for every older snapshot to end - while the waiter waits for its lock:
    // a deadlock that fails the migration and leaves an INVALID index. Each
    // try is a short statement of its own, so no snapshot outlives it.
    using Clock = std::chrono::steady_clock;
    const bool forever = timeout_seconds < 0;
    const auto deadline = forever ? Clock::time_point::max()
                                  : Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                       std::chrono::duration<double>(timeout_seconds));
    const std::string sql = key_sql("pg_try_advisory_lock", key);
    auto wait = std::chrono::milliseconds(10);
    while (true) {
      pqxx::result r = run(conn, sql);
      if (!r.empty() && !r[0][0].is_null() && std::strcmp(r[0][0].c_str(), "t") == 0) return STRATA_OK;
      const auto now = Clock::now();
      if (!forever && now >= deadline) break;
      if (forever) {
        std::this_thread::sleep_for(wait);
        wait = std::min(wait * 2, std::chrono::milliseconds(200));
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      std::this_thread::sleep_for(std::min(wait, left + std::chrono::milliseconds(1)));
      wait = std::min(wait * 2, std::chrono::milliseconds(200));
    }
    return make_error(error, STRATA_LOCK_TIMEOUT,
                      "timed out after " + seconds_text(timeout_seconds) +
                          " s waiting for the migration lock (another strata run on this database?)");
  } catch (...) {
    return fail(error, conn);
  }
}

// Unlocking a lock this session does not hold only makes the server warn.
strata_status unlock(strata_conn* c, const char* key, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    run(conn, key_sql("pg_advisory_unlock", key));
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

// ---------------------------------------------------------- no connection

// No allocation, so nothing can throw: the length is counted first.
size_t quote_identifier(const char* identifier, char* out, size_t capacity) {
  const char* id = identifier ? identifier : "";
  size_t needed = 2;
  for (const char* p = id; *p; ++p) needed += *p == '"' ? 2 : 1;
  if (!out || needed >= capacity) return needed;
  size_t n = 0;
  out[n++] = '"';
  for (const char* p = id; *p; ++p) {
    if (*p == '"') out[n++] = '"';
    out[n++] = *p;
  }
  out[n++] = '"';
  out[n] = '\0';
  return needed;
}

strata_status split_statements(const char* sql, size_t length, strata_statement_list** out, strata_error** error) {
  try {
    *out = nullptr;
    auto ranges = strata::postgresql::split_statements(std::string_view(sql ? sql : "", sql ? length : 0));
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
  } catch (const strata::postgresql::SplitError& e) {
    return make_error(error, STRATA_ERROR, e.what(), "", static_cast<int64_t>(e.offset));
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, "out of memory");
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in postgresql plugin");
  }
}

// For offline scripts run by psql: the statement and its terminator (psql
// understands dollar quotes, so bodies need nothing more).
size_t script_statement(const char* statement, size_t length, char* out, size_t capacity) {
  std::string q(statement, length);
  q += ";";
  return strata::plugin::copy_out(q, out, capacity);
}

// psql's client encoding follows the locale; online connections use UTF8.
size_t script_preamble(const strata_connect_params*, char* out, size_t capacity) {
  std::string q = "SET client_encoding = 'UTF8';";
  return strata::plugin::copy_out(q, out, capacity);
}

// ABI 1.1: what a failed or cut-off CONCURRENTLY statement left behind. An
// index build that fails (duplicates for a UNIQUE index, a lost connection)
// leaves an INVALID index that blocks a retry with "already exists"; REINDEX
// CONCURRENTLY leaves *_ccnew copies. Named with the DROP that removes them:
// the statement's own index first, then any other invalid index.
strata_status partial_effects(strata_conn* c, const char* statement, size_t length, strata_string_list** out,
                              strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    *out = nullptr;
    const std::string text(statement ? statement : "", statement ? length : 0);
    // The index name: the word before ON in CREATE [UNIQUE] INDEX
    // CONCURRENTLY [IF NOT EXISTS] name ON ..., or after INDEX CONCURRENTLY
    // [IF EXISTS] in DROP/REINDEX.
    std::string name;
    {
      std::vector<std::string> words;
      std::string w;
      for (char ch : text + " ") {
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '"') {
          w += ch;
        } else if (!w.empty()) {
          words.push_back(w);
          w.clear();
        }
      }
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        std::string up = words[i];
        for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (up == "CONCURRENTLY") {
          size_t k = i + 1;
          while (k < words.size()) {
            std::string u = words[k];
            for (auto& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (u == "IF" || u == "NOT" || u == "EXISTS" || u == "INDEX" || u == "TABLE") ++k;
            else break;
          }
          if (k < words.size()) name = words[k];
          break;
        }
      }
      if (auto dot = name.rfind('.'); dot != std::string::npos) name = name.substr(dot + 1);
      name.erase(std::remove(name.begin(), name.end(), '"'), name.end());
    }
    pqxx::result r = run(conn,
                         "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relname "
                         "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid "
                         "ORDER BY (c.relname = " + conn->db->quote(name) + ") DESC, 1 LIMIT 20");
    std::vector<std::string> lines;
    for (const auto& row : r)
      lines.push_back(std::string("INVALID index ") + row[0].c_str() +
                      (name == row[1].c_str() ? " (left by this statement)" : "") + ": DROP INDEX CONCURRENTLY " +
                      row[0].c_str() + ";");
    *out = strata::plugin::new_string_list(lines);
    if (!*out) throw std::bad_alloc();
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

// ABI 1.2: the catalog document (introspect.cpp). Runs on the session as
// it is, inside or outside the run's transaction; never commits or rolls
// back.
strata_status introspect(strata_conn* c, const char* options, strata_string_list** out, strata_error** error) {
  Conn* conn = as_conn(c);
  try {
    *out = nullptr;
    if (conn->broken) throw pqxx::broken_connection("the connection was lost earlier");
    *out = strata::plugin::new_string_list({strata::postgresql::introspect(*conn->db, options ? options : "")});
    if (!*out) throw std::bad_alloc();
    return STRATA_OK;
  } catch (...) {
    return fail(error, conn);
  }
}

// ABI 1.1: classification needs no connection and cannot fail; if it
// throws anyway (out of memory), the cautious answer.
uint32_t statement_traits_entry(const char* statement, size_t length) {
  try {
    return strata::postgresql::statement_traits(std::string_view(statement ? statement : "", statement ? length : 0));
  } catch (...) {
    return STRATA_STMT_NO_TRANSACTION;
  }
}

}  // namespace

extern "C" STRATA_DIALECT_EXPORT const strata_dialect_api* STRATA_DIALECT_ENTRY(void) {
  static const strata_dialect_api api = [] {
    strata_dialect_api a{};
    a.struct_size = sizeof(strata_dialect_api);
    a.abi_major = STRATA_DIALECT_ABI_MAJOR;
    a.abi_minor = STRATA_DIALECT_ABI_MINOR;
    a.name = "postgresql";
    // libpq's version as loaded at run time (PQlibVersion: major * 10000 + minor).
    static const std::string description = "PostgreSQL (libpqxx " PQXX_VERSION ", libpq " +
                                           std::to_string(PQlibVersion() / 10000) + "." +
                                           std::to_string(PQlibVersion() % 10000) + ")";
    a.description = description.c_str();
    a.capabilities = STRATA_CAP_TRANSACTIONAL_DDL | STRATA_CAP_SCHEMAS | STRATA_CAP_SESSION_LOCKS |
                     STRATA_CAP_AUTOCOMMIT;
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
    a.partial_effects = partial_effects;
    a.execute_batch = execute_batch;
    a.introspect = introspect;
    a.render_changes = strata::postgresql::render_changes_entry;
    return a;
  }();
  return &api;
}
