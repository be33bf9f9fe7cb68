// In-memory fake dialect for the runner's unit tests. Databases live in a
// process-wide map keyed by the URL's database name. It understands only
// what the runner sends: the version table's CREATE/SELECT/INSERT/UPDATE/
// DELETE, plus any other statement, which it records. A statement containing
// FAIL fails, reporting its offset. query_column("LOG") returns every call
// made on that database, so a test can check the transaction pattern.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "strata/dialect_abi.h"
#include "strata/plugin_support.hpp"

namespace {

using strata::plugin::dup;
using strata::plugin::error_free;
using strata::plugin::statement_list_free;
using strata::plugin::string_list_free;

struct ProgressRow {
  std::string revision, direction;
  long done = 0, total = 0, started = 0;  // started 0: NULL
};

struct State {
  std::vector<std::string> tables;  // tables created (version, progress)
  std::vector<std::string> rows;
  std::vector<ProgressRow> progress;
  std::vector<std::string> applied;  // non-version statements
};

struct Db {
  State state;
  State snapshot;
  bool in_tx = false;
  std::vector<std::string> log;
};

std::mutex g_mutex;
std::map<std::string, Db>& dbs() {
  static std::map<std::string, Db> m;
  return m;
}

struct Conn {
  std::string name;
};

strata_status fail(strata_error** out, strata_status st, const std::string& msg, int64_t offset = -1,
                   int64_t completed = 0) {
  auto* e = static_cast<strata_error*>(std::calloc(1, sizeof(strata_error)));
  e->struct_size = sizeof(strata_error);
  e->status = st;
  e->message = dup(msg);
  e->sqlstate = dup("XX000");
  e->native_code = 42;
  e->statement_offset = offset;
  e->statement_length = -1;
  e->statements_completed = completed;
  *out = e;
  return st;
}

strata_status connect(const strata_connect_params* p, strata_conn** out, strata_error** err) {
  if (!p->database) return fail(err, STRATA_CONNECTION_BROKEN, "no database name");
  if (std::string(p->database) == "unreachable")
    return fail(err, STRATA_CONNECTION_BROKEN, std::string("cannot connect to ") + p->url_masked + ": connection refused");
  std::lock_guard<std::mutex> g(g_mutex);
  dbs()[p->database].log.push_back("connect");
  *out = reinterpret_cast<strata_conn*>(new Conn{p->database});
  return STRATA_OK;
}

Db& db_of(strata_conn* c) { return dbs()[reinterpret_cast<Conn*>(c)->name]; }

void disconnect(strata_conn* c) {
  if (!c) return;
  {
    std::lock_guard<std::mutex> g(g_mutex);
    Db& db = db_of(c);
    if (db.in_tx) {
      db.state = db.snapshot;
      db.in_tx = false;
    }
    db.log.push_back("disconnect");
  }
  delete reinterpret_cast<Conn*>(c);
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

strata_status execute(strata_conn* c, const char* sql, size_t len, const strata_exec_options*,
                      strata_exec_info* info, strata_error** err) {
  std::lock_guard<std::mutex> g(g_mutex);
  Db& db = db_of(c);
  std::string text(sql, len);
  static const std::regex insert_re(R"(^INSERT INTO \S+ \(version_num\) VALUES \('([^']*)'\)$)");
  static const std::regex update_re(R"(^UPDATE \S+ SET version_num='([^']*)' WHERE \S+ = '([^']*)'$)");
  static const std::regex delete_re(R"(^DELETE FROM \S+ WHERE \S+ = '([^']*)'$)");
  static const std::regex delete_all_re(R"(^DELETE FROM \S+$)");
  static const std::regex create_re(R"(^CREATE TABLE (?:IF NOT EXISTS )?(\S+) \((?:.|\n)*(version_num|statements_done)(?:.|\n)*)");
  static const std::regex p_insert_re(
      R"(^INSERT INTO \S+_progress\S* \(revision, direction, statements_done, statements_total, statement_started\) VALUES \('([^']*)', '([^']*)', 0, (\d+), (NULL|\d+)\)$)");
  static const std::regex p_update_re(
      R"(^UPDATE \S+_progress\S* SET statements_done = (\d+), statement_started = (NULL|\d+) WHERE revision = '([^']*)'$)");
  static const std::regex p_delete_re(R"(^DELETE FROM \S+_progress\S*$)");
  size_t start = 0;
  int64_t completed = 0, rows = -1;
  while (start < text.size()) {
    size_t semi = text.find(';', start);
    if (semi == std::string::npos) semi = text.size();
    std::string raw = text.substr(start, semi - start);
    std::string stmt = trim(raw);
    size_t offset = start + raw.find_first_not_of(" \t\r\n");
    start = semi + 1;
    if (stmt.empty()) continue;
    db.log.push_back("exec:" + stmt);
    std::smatch m;
    if (stmt.find("FAIL") != std::string::npos) {
      return fail(err, STRATA_ERROR, "fake failure in: " + stmt, static_cast<int64_t>(offset), completed);
    } else if (std::regex_match(stmt, m, create_re)) {
      std::string name = m[1].str();  // as quote() wrote it: `name`
      name.erase(std::remove(name.begin(), name.end(), '`'), name.end());
      if (std::find(db.state.tables.begin(), db.state.tables.end(), name) == db.state.tables.end())
        db.state.tables.push_back(name);
    } else if (std::regex_match(stmt, m, p_insert_re)) {
      db.state.progress.push_back({m[1], m[2], 0, std::stol(m[3]), m[4] == "NULL" ? 0 : std::stol(m[4])});
      rows = 1;
    } else if (std::regex_match(stmt, m, p_update_re)) {
      rows = 0;
      for (auto& p : db.state.progress)
        if (p.revision == m[3].str()) p.done = std::stol(m[1]), p.started = m[2] == "NULL" ? 0 : std::stol(m[2]), ++rows;
    } else if (std::regex_match(stmt, m, p_delete_re)) {
      rows = static_cast<int64_t>(db.state.progress.size());
      db.state.progress.clear();
    } else if (std::regex_match(stmt, m, insert_re)) {
      db.state.rows.push_back(m[1]);
      rows = 1;
    } else if (std::regex_match(stmt, m, update_re)) {
      rows = 0;
      for (auto& r : db.state.rows)
        if (r == m[2].str()) r = m[1], ++rows;
    } else if (std::regex_match(stmt, m, delete_re)) {
      size_t before = db.state.rows.size();
      db.state.rows.erase(std::remove(db.state.rows.begin(), db.state.rows.end(), m[1].str()), db.state.rows.end());
      rows = static_cast<int64_t>(before - db.state.rows.size());
    } else if (std::regex_match(stmt, m, delete_all_re)) {
      rows = static_cast<int64_t>(db.state.rows.size());
      db.state.rows.clear();
    } else {
      db.state.applied.push_back(stmt);
      rows = -1;
    }
    ++completed;
  }
  if (info) info->statements_completed = completed, info->rows_affected = rows;
  return STRATA_OK;
}

// Statements end at ';' (the fake's SQL never quotes one).
strata_status split(const char* sql, size_t len, strata_statement_list** out, strata_error**) {
  std::vector<strata_statement_range> ranges;
  std::string text(sql, len);
  size_t start = 0;
  while (start < text.size()) {
    size_t semi = text.find(';', start);
    if (semi == std::string::npos) semi = text.size();
    size_t b = text.find_first_not_of(" \t\r\n", start);
    if (b != std::string::npos && b < semi) {
      size_t e = text.find_last_not_of(" \t\r\n", semi - 1);
      ranges.push_back({static_cast<int64_t>(b), static_cast<int64_t>(e - b + 1)});
    }
    start = semi + 1;
  }
  auto* l = static_cast<strata_statement_list*>(std::calloc(1, sizeof(strata_statement_list)));
  l->count = ranges.size();
  l->items = static_cast<strata_statement_range*>(std::calloc(ranges.size() + 1, sizeof(strata_statement_range)));
  for (size_t i = 0; i < ranges.size(); ++i) l->items[i] = ranges[i];
  *out = l;
  return STRATA_OK;
}

strata_status query_column(strata_conn* c, const char* sql, strata_string_list** out, strata_error**) {
  std::lock_guard<std::mutex> g(g_mutex);
  Db& db = db_of(c);
  std::vector<std::string> values;
  std::string q(sql);
  static const std::regex p_select_re(R"(^SELECT (\w+) FROM \S+_progress\S*(?: WHERE revision = '([^']*)')?$)");
  std::smatch m;
  if (q == "LOG") values = db.log;
  else if (q == "APPLIED") values = db.state.applied;
  else if (std::regex_match(q, m, p_select_re)) {
    db.log.push_back("query:" + q);
    for (auto& p : db.state.progress) {
      if (m[2].matched && p.revision != m[2].str()) continue;
      std::string col = m[1];
      values.push_back(col == "revision" ? p.revision : col == "direction" ? p.direction
                       : col == "statements_done"   ? std::to_string(p.done)
                       : col == "statement_started" ? (p.started ? std::to_string(p.started) : std::string())
                                                    : std::to_string(p.total));
    }
  } else {
    db.log.push_back("query:" + q);
    values = db.state.rows;
  }
  auto* l = static_cast<strata_string_list*>(std::calloc(1, sizeof(strata_string_list)));
  l->count = values.size();
  l->items = static_cast<char**>(std::calloc(values.size() + 1, sizeof(char*)));
  for (size_t i = 0; i < values.size(); ++i) l->items[i] = dup(values[i]);
  *out = l;
  return STRATA_OK;
}

strata_status table_exists(strata_conn* c, const char*, const char* table, int* exists, strata_error**) {
  std::lock_guard<std::mutex> g(g_mutex);
  const auto& t = db_of(c).state.tables;
  *exists = std::find(t.begin(), t.end(), table) != t.end();
  return STRATA_OK;
}

strata_status begin(strata_conn* c, strata_error** err) {
  std::lock_guard<std::mutex> g(g_mutex);
  Db& db = db_of(c);
  if (db.in_tx) return fail(err, STRATA_ERROR, "transaction already open");
  db.snapshot = db.state;
  db.in_tx = true;
  db.log.push_back("begin");
  return STRATA_OK;
}

strata_status commit(strata_conn* c, strata_error** err) {
  std::lock_guard<std::mutex> g(g_mutex);
  Db& db = db_of(c);
  if (!db.in_tx) return fail(err, STRATA_ERROR, "no transaction open");
  db.in_tx = false;
  db.log.push_back("commit");
  return STRATA_OK;
}

strata_status rollback(strata_conn* c, strata_error**) {
  std::lock_guard<std::mutex> g(g_mutex);
  Db& db = db_of(c);
  if (db.in_tx) {
#if FAKE_TRANSACTIONAL
    db.state = db.snapshot;
#endif
    db.in_tx = false;
  }
  db.log.push_back("rollback");
  return STRATA_OK;
}

strata_status lock(strata_conn* c, const char* key, double, strata_error**) {
  std::lock_guard<std::mutex> g(g_mutex);
  db_of(c).log.push_back(std::string("lock:") + key);
  return STRATA_OK;
}

strata_status unlock(strata_conn* c, const char* key, strata_error**) {
  std::lock_guard<std::mutex> g(g_mutex);
  db_of(c).log.push_back(std::string("unlock:") + key);
  return STRATA_OK;
}

size_t quote(const char* id, char* out, size_t cap) {
  std::string q = std::string("`") + id + "`";
  return strata::plugin::copy_out(q, out, cap);
}

// Statements naming NOTX cannot share a transaction with their progress
// update; PARTIAL ones also leave effects when they fail.
uint32_t statement_traits(const char* statement, size_t length) {
  std::string s(statement, length);
  if (s.find("PARTIAL") != std::string::npos) return STRATA_STMT_NO_TRANSACTION | STRATA_STMT_PARTIAL_ON_FAILURE;
  return s.find("NOTX") != std::string::npos ? STRATA_STMT_NO_TRANSACTION : 0;
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

}  // namespace

extern "C" STRATA_DIALECT_EXPORT const strata_dialect_api* STRATA_DIALECT_ENTRY(void) {
  static const strata_dialect_api api = [] {
    strata_dialect_api a{};
    a.struct_size = sizeof(a);
    a.abi_major = STRATA_DIALECT_ABI_MAJOR;
    a.abi_minor = STRATA_DIALECT_ABI_MINOR;
    a.name = FAKE_NAME;
    a.description = "in-memory fake dialect for tests";
    a.capabilities = STRATA_CAP_AUTOCOMMIT | STRATA_CAP_SESSION_LOCKS |
                     (FAKE_TRANSACTIONAL ? STRATA_CAP_TRANSACTIONAL_DDL : 0);
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
    a.quote_identifier = quote;
    a.split_statements = split;
    a.statement_list_free = statement_list_free;
    a.script_statement = script_statement;
    a.script_preamble = script_preamble;
    a.statement_traits = statement_traits;
    return a;
  }();
  return &api;
}
