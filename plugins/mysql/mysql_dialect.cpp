// MySQL / MariaDB dialect plugin, on MySQL Connector/C++ 1.1 (the JDBC-style
// sql:: API).
//
// MySQL's DDL is not transactional: the server commits implicitly before and
// after CREATE/ALTER/DROP, so a failed run keeps the DDL that ran before the
// failure (no STRATA_CAP_TRANSACTIONAL_DDL). Runs on one database are
// serialised by GET_LOCK, a session lock that dies with the connection,
// named after the database (GET_LOCK names are server-wide). Sessions run
// in strict mode (STRICT_TRANS_TABLES added when the server's sql_mode
// lacks it): a value a column cannot hold is an error, never silently
// changed.
//
// Scripts are split the way the mysql client splits them (DELIMITER, quotes,
// comments: statement_splitter.cpp) and run statement by statement; a
// batch (execute_batch) sends runs of them as multi-statement packets.
#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <cppconn/version_info.h>
#include <mysql_connection.h>
#include <mysql_driver.h>
#include <openssl/evp.h>

#include <cmath>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <sstream>
#include <stdexcept>
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

// Error numbers meaning the connection is gone: the client's, and the
// server's last words before it closes the connection.
constexpr int CR_SERVER_GONE_ERROR = 2006;
constexpr int CR_SERVER_LOST = 2013;
constexpr int CR_SERVER_LOST_EXTENDED = 2055;
constexpr int ER_SERVER_SHUTDOWN = 1053;
constexpr int ER_CONNECTION_KILLED = 1927;  // MariaDB: KILL CONNECTION during a statement

constexpr const char* kSupportedQuery =
    "unix_socket, socket, charset, connect_timeout, ssl_ca, ssl_cert, ssl_key, sql_mode";

// The session's sql_mode: the server's, made strict when it is not. A
// server without strict mode (sql_mode='' on older installs) turns a value
// a column cannot hold into something else with a warning: a NULL into ''
// when a column becomes NOT NULL, a long string cut short, 'abc' into 0. A
// migration must fail there, not change data, so STRICT_TRANS_TABLES
// (MariaDB's and MySQL's default) is added; ?sql_mode=... sets another mode.
constexpr const char* kStrictSqlMode =
    "sql_mode = IF(FIND_IN_SET('STRICT_TRANS_TABLES', @@SESSION.sql_mode) OR "
    "FIND_IN_SET('STRICT_ALL_TABLES', @@SESSION.sql_mode), @@SESSION.sql_mode, "
    "CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES'))";

// ?sql_mode=...: mode names only (letters, digits, '_', ','), so the value
// is a plain literal.
bool is_mode_list(const std::string& value) {
  for (char ch : value)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != ',') return false;
  return true;
}

/// The sql_mode assignment of a session for `params` (SET SESSION ...).
std::string sql_mode_setting(const strata_connect_params* params) {
  for (size_t i = 0; params && i < params->query_count; ++i)
    if (params->query_keys[i] && std::string(params->query_keys[i]) == "sql_mode") {
      const std::string value = params->query_values[i] ? params->query_values[i] : "";
      if (is_mode_list(value)) return "sql_mode = '" + value + "'";
    }
  return kStrictSqlMode;
}

struct Conn {
  std::unique_ptr<sql::Connection> db;
  // The GET_LOCK name each held key was taken under (lock_name_for).
  std::map<std::string, std::string> lock_names;
  // Set once the server connection is known to be gone: later calls fail
  // fast, and a COMMIT on it is not "in doubt" (it never started).
  bool broken = false;
};

strata_status make_error(strata_error** out, strata_status status, const std::string& message,
                         const std::string& sqlstate = "", int64_t native = 0, int64_t offset = -1,
                         int64_t length = -1, int64_t completed = 0) {
  return strata::plugin::set_error(out, status, message, sqlstate, native, offset, length, completed);
}

bool connection_lost(int code) {
  return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_SERVER_LOST_EXTENDED ||
         code == ER_SERVER_SHUTDOWN || code == ER_CONNECTION_KILLED;
}

// Classifies a driver exception; marks the connection broken when it is.
strata_status sql_error(strata_error** out, Conn* conn, const sql::SQLException& e, bool in_commit = false,
                        int64_t offset = -1, int64_t length = -1, int64_t completed = 0,
                        const std::string* text = nullptr) {
  strata_status status = STRATA_ERROR;
  if (connection_lost(e.getErrorCode())) {
    if (conn) conn->broken = true;
    status = in_commit ? STRATA_COMMIT_IN_DOUBT : STRATA_CONNECTION_BROKEN;
  }
  std::string message = text ? *text : std::string(e.what());
  if (message.empty()) message = "MySQL error " + std::to_string(e.getErrorCode());
  return make_error(out, status, message, e.getSQLState(), e.getErrorCode(), offset, length, completed);
}

strata_status broken_error(strata_error** out) {
  return make_error(out, STRATA_CONNECTION_BROKEN,
                    "the connection to the MySQL server was lost earlier; nothing more can run on it");
}

// Every entry point ends with these handlers.
#define STRATA_MYSQL_CATCH(conn)                                                         \
  catch (const sql::SQLException& e) {                                                   \
    return sql_error(error, conn, e);                                                    \
  }                                                                                      \
  catch (const std::bad_alloc&) {                                                        \
    return make_error(error, STRATA_ERROR, "out of memory");                             \
  }                                                                                      \
  catch (const std::exception& e) {                                                      \
    return make_error(error, STRATA_ERROR, e.what());                                    \
  }                                                                                      \
  catch (...) {                                                                          \
    return make_error(error, STRATA_ERROR, "unknown error in mysql plugin");             \
  }

sql::Driver* driver() {
  // get_driver_instance() fills a process-wide table without a lock.
  static std::mutex mutex;
  std::lock_guard<std::mutex> guard(mutex);
  static sql::Driver* d = sql::mysql::get_mysql_driver_instance();
  return d;
}

// Consumes every remaining result of the statement's last execution, so the
// next statement does not fail with "Commands out of sync". A CALL returns
// one result per SELECT inside the procedure, then a final status.
void drain(sql::Statement& stmt, bool has_result) {
  int misses = 0;
  while (misses < 2) {
    if (has_result) std::unique_ptr<sql::ResultSet> rs(stmt.getResultSet());
    has_result = stmt.getMoreResults();
    misses = has_result ? 0 : misses + 1;
  }
}

// Runs one statement; returns its update count, or -1 when it returned rows.
int64_t run_one(sql::Statement& stmt, const std::string& text) {
  bool has_result = stmt.execute(text);
  int64_t rows = -1;
  if (!has_result) {
    uint64_t count = stmt.getUpdateCount();
    rows = count == ~uint64_t{0} ? -1 : static_cast<int64_t>(count);
  }
  drain(stmt, has_result);
  return rows;
}

std::string mask(std::string message, const char* password) {
  // Server messages do not echo passwords; this is a second line of defence.
  if (!password || std::strlen(password) < 3) return message;
  const std::string pw = password;
  for (size_t at = message.find(pw); at != std::string::npos; at = message.find(pw, at + 3))
    message.replace(at, pw.size(), "***");
  return message;
}

// ------------------------------------------------------------------ SHA-256
// Lock names longer than MySQL's 64 characters become the hex SHA-256 of the
// key (the same value as the server's SHA2(key, 256)), from OpenSSL.

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 of the lock key failed (OpenSSL)");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

std::string lock_name(const char* key) {
  std::string_view k = key ? key : "";
  return utf8_length(k) <= 64 ? std::string(k) : sha256_hex(k);
}

std::string seconds_text(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

// ------------------------------------------------------------------ entries

strata_status connect(const strata_connect_params* params, strata_conn** out, strata_error** error) {
  if (out) *out = nullptr;
  const std::string url = params && params->url_masked ? params->url_masked : "mysql://";
  const char* password = params ? params->password : nullptr;
  try {
    if (!params || !out) return make_error(error, STRATA_ERROR, "connect: no parameters");
    std::string socket, charset = "utf8mb4", ssl_ca, ssl_cert, ssl_key;
    std::string session = sql_mode_setting(params);  // SET SESSION ... at connect
    int timeout = 10;
    for (size_t i = 0; i < params->query_count; ++i) {
      const std::string key = params->query_keys[i] ? params->query_keys[i] : "";
      const std::string value = params->query_values[i] ? params->query_values[i] : "";
      if (key == "unix_socket" || key == "socket") {
        socket = value;
      } else if (key == "charset") {
        charset = value;
      } else if (key == "connect_timeout") {
        char* end = nullptr;
        long v = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end || v < 0 || v > 31536000)
          return make_error(error, STRATA_ERROR,
                            "cannot connect to " + url + ": connect_timeout must be a whole number of seconds, not '" +
                                value + "'");
        timeout = static_cast<int>(v);
      } else if (key == "ssl_ca") {
        ssl_ca = value;
      } else if (key == "ssl_cert") {
        ssl_cert = value;
      } else if (key == "ssl_key") {
        ssl_key = value;
      } else if (key == "sql_mode") {
        if (!is_mode_list(value))
          return make_error(error, STRATA_ERROR,
                            "cannot connect to " + url + ": sql_mode takes mode names separated by commas, not '" +
                                value + "'");
      } else {
        return make_error(error, STRATA_ERROR,
                          "cannot connect to " + url + ": unknown query parameter '" + key +
                              "' (the mysql dialect supports: " + kSupportedQuery + ")");
      }
    }

    sql::ConnectOptionsMap opts;
    if (!socket.empty()) {
      opts["hostName"] = sql::SQLString("unix://" + socket);
    } else {
      // Brackets keep an IPv6 address's colons apart from the port.
      std::string host = params->host && *params->host ? params->host : "localhost";
      unsigned port = params->port ? params->port : 3306;
      opts["hostName"] = sql::SQLString("tcp://[" + host + "]:" + std::to_string(port));
    }
    opts["userName"] = sql::SQLString(params->user ? params->user : "");
    if (password) opts["password"] = sql::SQLString(password);
    if (params->database && *params->database) opts["schema"] = sql::SQLString(params->database);
    opts["OPT_CONNECT_TIMEOUT"] = timeout;
    opts["OPT_CHARSET_NAME"] = sql::SQLString(charset);
    // A silent reconnect would lose the session lock and the transaction.
    opts["OPT_RECONNECT"] = false;
    // UPDATE counts matched rows, not changed rows (as SQLAlchemy's MySQL
    // drivers do): the runner checks version-table updates hit one row.
    opts["CLIENT_FOUND_ROWS"] = true;
    // Several statements in one packet (execute_batch), as the mysql client
    // sends a DELIMITER block. execute() still sends one statement at a time.
    opts["CLIENT_MULTI_STATEMENTS"] = true;
    if (!ssl_ca.empty()) opts["sslCA"] = sql::SQLString(ssl_ca);
    if (!ssl_cert.empty()) opts["sslCert"] = sql::SQLString(ssl_cert);
    if (!ssl_key.empty()) opts["sslKey"] = sql::SQLString(ssl_key);
    // Asking for TLS means requiring it: never fall back to plain text, and
    // with a CA, check the server's certificate against it.
    if (!ssl_ca.empty() || !ssl_cert.empty() || !ssl_key.empty()) opts["sslEnforce"] = true;
    if (!ssl_ca.empty()) opts["sslVerify"] = true;

    auto conn = std::make_unique<Conn>();
    try {
      conn->db.reset(driver()->connect(opts));
      if (!conn->db) throw sql::SQLException("the driver returned no connection");
      std::unique_ptr<sql::Statement> stmt(conn->db->createStatement());
      if (params->lock_timeout_seconds >= 0) {
        // Waits for metadata locks (DDL) and InnoDB row locks.
        long secs = static_cast<long>(std::ceil(params->lock_timeout_seconds));
        if (secs > 31536000) secs = 31536000;
        session += ", lock_wait_timeout = " + std::to_string(secs) +
                   ", innodb_lock_wait_timeout = " + std::to_string(secs);
      }
      run_one(*stmt, "SET SESSION " + session);
    } catch (const sql::SQLException& e) {
      std::string message = "cannot connect to " + url + ": " + mask(e.what(), password);
      if (e.getErrorCode()) message += " (MySQL error " + std::to_string(e.getErrorCode()) + ")";
      return make_error(error, STRATA_CONNECTION_BROKEN, message, e.getSQLState(), e.getErrorCode());
    }
    *out = reinterpret_cast<strata_conn*>(conn.release());
    return STRATA_OK;
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, "out of memory");
  } catch (const std::exception& e) {
    return make_error(error, STRATA_ERROR, "cannot connect to " + url + ": " + mask(e.what(), password));
  } catch (...) {
    return make_error(error, STRATA_ERROR, "cannot connect to " + url + ": unknown error in mysql plugin");
  }
}

void disconnect(strata_conn* c) {
  auto* conn = reinterpret_cast<Conn*>(c);
  if (!conn) return;
  try {
    // Closing rolls back anything uncommitted and releases GET_LOCK locks.
    if (conn->db && !conn->broken) conn->db->close();
  } catch (...) {
  }
  try {
    delete conn;
  } catch (...) {
  }
}

strata_status execute(strata_conn* c, const char* sql, size_t length, const strata_exec_options* options,
                      strata_exec_info* info, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  try {
    if (conn->broken) return broken_error(error);
    const std::string_view text(sql, length);
    std::vector<strata::mysql::StatementRange> ranges;
    if (options && (options->flags & STRATA_EXEC_SINGLE_STATEMENT)) {
      strata::mysql::check_statement(text);  // an unterminated quote or comment, a NUL: nothing runs
      ranges.push_back({0, length});
    } else {
      ranges = strata::mysql::split_statements(text);
    }

    std::unique_ptr<sql::Statement> stmt(conn->db->createStatement());
    int64_t completed = 0;
    int64_t rows = -1;
    for (auto& r : ranges) {
      try {
        rows = run_one(*stmt, std::string(text.substr(r.offset, r.length)));
      } catch (const sql::SQLException& e) {
        return sql_error(error, conn, e, false, static_cast<int64_t>(r.offset), static_cast<int64_t>(r.length),
                         completed);
      }
      ++completed;
    }
    if (info) {
      info->statements_completed = completed;
      info->rows_affected = rows;
    }
    return STRATA_OK;
  } catch (const strata::mysql::SplitError& e) {
    return make_error(error, STRATA_ERROR, e.what(), "", 0, static_cast<int64_t>(e.offset));
  }
  STRATA_MYSQL_CATCH(conn)
}

// Whether a batch item can share a multi-statement packet: exactly one
// result (CALL returns one per SELECT inside the procedure, LOAD DATA LOCAL
// talks back), and no ';' anywhere, so the server cannot see a statement
// boundary the file does not show.
bool packable(std::string_view statement) {
  if (statement.find(';') != std::string_view::npos) return false;
  size_t i = 0;
  while (i < statement.size()) {
    const char c = statement[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(') {
      ++i;
    } else if (c == '#' || (c == '-' && statement.substr(i, 3) == "-- ")) {
      const size_t nl = statement.find('\n', i);
      i = nl == std::string_view::npos ? statement.size() : nl + 1;
    } else if (statement.substr(i, 2) == "/*") {
      if (statement.substr(i, 3) == "/*!") return false;  // executable comment: keep it alone
      const size_t end = statement.find("*/", i + 2);
      i = end == std::string_view::npos ? statement.size() : end + 2;
    } else {
      break;
    }
  }
  std::string word;
  for (; i < statement.size() && std::isalpha(static_cast<unsigned char>(statement[i])); ++i)
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i])));
  return !word.empty() && word != "CALL" && word != "LOAD" && word != "HANDLER";
}

constexpr size_t kPacketBytes = 1 << 20;     // well under max_allowed_packet's 16 MB default
constexpr size_t kPacketStatements = 1000;
// Between a packet's statements; the newline ends a trailing "-- comment"
// before the delimiter.
constexpr std::string_view kSeparator = "\n;\n";

// Whether the statement is an UPDATE: its OK packet's info text (mysql_info)
// then starts with the rows it matched, "Rows matched: 1  Changed: 0
// Warnings: 0" (ER_UPDATE_INFO; in every translation the matched rows come
// first), readable for any result of a packet.
bool is_update(std::string_view statement) {
  size_t i = 0;
  while (i < statement.size() && std::isspace(static_cast<unsigned char>(statement[i]))) ++i;
  if (statement.size() - i < 7) return false;
  for (size_t k = 0; k < 6; ++k)
    if (std::toupper(static_cast<unsigned char>(statement[i + k])) != "UPDATE"[k]) return false;
  return std::isspace(static_cast<unsigned char>(statement[i + 6]));
}

// The rows an UPDATE matched, from its info text; -1 when there is none.
int64_t matched_rows(const std::string& info) {
  size_t i = 0;
  while (i < info.size() && !std::isdigit(static_cast<unsigned char>(info[i]))) ++i;
  if (i == info.size()) return -1;
  int64_t n = 0;
  for (; i < info.size() && std::isdigit(static_cast<unsigned char>(info[i])); ++i) n = n * 10 + (info[i] - '0');
  return n;
}

// ABI 1.2: consecutive packable items go out as one multi-statement packet;
// the server runs them in order and stops at the first error, which the
// driver reports when that statement's result is reached, so the results
// read before it say which item failed. Connector/C++ 1.1 gives the update
// count of a packet's first statement only: a later UPDATE whose count the
// host needs is read from its info text, any other such item is followed
// by SELECT ROW_COUNT() in the packet (matched rows, as CLIENT_FOUND_ROWS
// makes it). Anything else runs alone, as execute().
strata_status execute_batch(strata_conn* c, strata_batch_item* items, size_t count, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  size_t done = 0;
  try {
    for (size_t i = 0; i < count; ++i) items[i].rows_affected = -1;
    if (conn->broken) return broken_error(error);
    for (size_t i = 0; i < count; ++i) {
      try {
        strata::mysql::check_statement(std::string_view(items[i].sql, items[i].length));
      } catch (const strata::mysql::SplitError& e) {  // nothing runs
        return make_error(error, STRATA_ERROR, e.what(), "", 0, static_cast<int64_t>(e.offset), -1,
                          static_cast<int64_t>(i));
      }
    }
    std::unique_ptr<sql::Statement> stmt(conn->db->createStatement());
    auto* native = dynamic_cast<sql::mysql::MySQL_Connection*>(conn->db.get());
    // What a packet's result says: an item's outcome (its count read as
    // the first result, from its info text, or not at all), or a probe's.
    enum class Read { Outcome, Info, Probe };
    struct Slot {
      size_t item;
      Read read;
    };
    std::vector<Slot> slots;
    size_t unreported = count;  // the first UPDATE whose info text had no count
    while (done < count) {
      slots.assign(1, {done, Read::Outcome});
      std::string packet(items[done].sql, items[done].length);
      size_t end = done + 1;
      if (packable(packet)) {
        while (end < count && end - done < kPacketStatements && packet.size() < kPacketBytes &&
               packable(std::string_view(items[end].sql, items[end].length))) {
          const std::string_view sql(items[end].sql, items[end].length);
          packet += kSeparator;
          packet.append(sql);
          const bool count_rows = (items[end].flags & STRATA_BATCH_COUNT_ROWS) != 0;
          const bool info = count_rows && native && is_update(sql);
          slots.push_back({end, info ? Read::Info : Read::Outcome});
          if (count_rows && !info) {
            packet += kSeparator;
            packet += "SELECT ROW_COUNT()";
            slots.push_back({end, Read::Probe});
          }
          ++end;
        }
      }
      try {
        bool has_result = stmt->execute(packet);
        for (size_t k = 0; k < slots.size(); ++k) {
          const auto [item, read] = slots[k];
          if (k > 0) has_result = stmt->getMoreResults();
          if (has_result) {
            std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
            if (read == Read::Probe && rs && rs->next()) items[item].rows_affected = rs->getInt64(1);
          } else if (k == 0) {
            const uint64_t n = stmt->getUpdateCount();
            items[item].rows_affected = n == ~uint64_t{0} ? -1 : static_cast<int64_t>(n);
          } else if (read == Read::Info) {
            items[item].rows_affected = matched_rows(native->getLastStatementInfo().asStdString());
            if (items[item].rows_affected < 0 && unreported == count) unreported = item;
          }
          if (read != Read::Probe) done = item + 1;
        }
        drain(*stmt, false);
        // Never an unchecked count: a server that does not say is an error.
        if (unreported < count)
          return make_error(error, STRATA_ERROR, "the server did not report the rows an UPDATE matched", "", 0, 0, -1,
                            static_cast<int64_t>(unreported));
      } catch (const sql::SQLException& e) {
        // `done` counts the items whose result came back: item `done`
        // failed. A syntax error quotes the packet from the failing token
        // on; the quote stops at the item's end (ER_PARSE_ERROR).
        if (e.getErrorCode() == 1064 && done < end) {
          const std::string text = strata::mysql::trim_parse_error(
              e.what(), std::string_view(items[done].sql, items[done].length), kSeparator, done == slots[0].item);
          return sql_error(error, conn, e, false, 0, -1, static_cast<int64_t>(done), &text);
        }
        return sql_error(error, conn, e, false, 0, -1, static_cast<int64_t>(done));
      }
    }
    return STRATA_OK;
  } catch (const sql::SQLException& e) {
    return sql_error(error, conn, e, false, 0, -1, static_cast<int64_t>(done));
  } catch (const std::bad_alloc&) {
    return make_error(error, STRATA_ERROR, "out of memory", "", 0, 0, -1, static_cast<int64_t>(done));
  } catch (const std::exception& e) {
    return make_error(error, STRATA_ERROR, e.what(), "", 0, 0, -1, static_cast<int64_t>(done));
  } catch (...) {
    return make_error(error, STRATA_ERROR, "unknown error in mysql plugin", "", 0, 0, -1,
                      static_cast<int64_t>(done));
  }
}

strata_status query_column(strata_conn* c, const char* sql, strata_string_list** out, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  try {
    *out = nullptr;
    if (conn->broken) return broken_error(error);
    std::unique_ptr<sql::Statement> stmt(conn->db->createStatement());
    std::vector<std::string> values;
    bool has_result = stmt->execute(sql);
    if (has_result) {
      std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
      while (rs && rs->next()) values.emplace_back(rs->isNull(1) ? std::string() : rs->getString(1).asStdString());
      has_result = false;
    }
    drain(*stmt, has_result);
    auto* list = static_cast<strata_string_list*>(std::calloc(1, sizeof(strata_string_list)));
    if (!list) throw std::bad_alloc();
    list->items = static_cast<char**>(std::calloc(values.size() + 1, sizeof(char*)));
    if (!list->items) {
      std::free(list);
      throw std::bad_alloc();
    }
    list->count = values.size();
    for (size_t i = 0; i < values.size(); ++i) {
      // Values may hold NUL bytes (binary columns): copy them whole.
      list->items[i] = static_cast<char*>(std::malloc(values[i].size() + 1));
      if (list->items[i]) std::memcpy(list->items[i], values[i].data(), values[i].size() + 1);
    }
    *out = list;
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

strata_status table_exists(strata_conn* c, const char* schema, const char* table, int* exists,
                           strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  try {
    *exists = 0;
    if (conn->broken) return broken_error(error);
    const bool named = schema && *schema;
    std::unique_ptr<sql::PreparedStatement> ps(conn->db->prepareStatement(
        named ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
              : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"));
    unsigned i = 1;
    if (named) ps->setString(i++, schema);
    ps->setString(i, table ? table : "");
    std::unique_ptr<sql::ResultSet> rs(ps->executeQuery());
    *exists = rs->next() && rs->getInt64(1) > 0 ? 1 : 0;
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

strata_status simple(Conn* conn, const char* sql, bool in_commit, strata_error** error) {
  try {
    if (conn->broken) return broken_error(error);
    std::unique_ptr<sql::Statement> stmt(conn->db->createStatement());
    try {
      run_one(*stmt, sql);
    } catch (const sql::SQLException& e) {
      return sql_error(error, conn, e, in_commit);
    }
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

// Autocommit stays on: START TRANSACTION suspends it until COMMIT/ROLLBACK.
// DDL inside still commits implicitly (the server's rule, not ours).
strata_status begin(strata_conn* c, strata_error** error) {
  return simple(reinterpret_cast<Conn*>(c), "START TRANSACTION", false, error);
}

strata_status commit(strata_conn* c, strata_error** error) {
  return simple(reinterpret_cast<Conn*>(c), "COMMIT", true, error);
}

strata_status rollback(strata_conn* c, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  // A lost connection has nothing open: the server rolled it back.
  if (conn->broken) return STRATA_OK;
  // ROLLBACK with no transaction open is a no-op in MySQL.
  return simple(conn, "ROLLBACK", false, error);
}

// GET_LOCK names are the server's, not a database's: the key is taken in
// the name of the connection's database ("strata:alembic_version@shard_7"),
// so that runs on two databases of one server (a fleet of staging copies,
// shards) do not wait for each other.
std::string lock_name_for(Conn* conn, const char* key) {
  std::unique_ptr<sql::Statement> st(conn->db->createStatement());
  std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT DATABASE()"));
  const std::string database = rs->next() && !rs->isNull(1) ? std::string(rs->getString(1)) : std::string();
  return lock_name((std::string(key ? key : "") + "@" + database).c_str());
}

strata_status lock(strata_conn* c, const char* key, double timeout_seconds, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  try {
    if (conn->broken) return broken_error(error);
    const std::string name = lock_name_for(conn, key);
    std::unique_ptr<sql::PreparedStatement> ps(conn->db->prepareStatement("SELECT GET_LOCK(?, ?)"));
    ps->setString(1, name);
    // "No limit" is a year: MariaDB 10.11 answers NULL to a negative timeout.
    ps->setDouble(2, timeout_seconds < 0 ? 31536000.0 : timeout_seconds);
    std::unique_ptr<sql::ResultSet> rs(ps->executeQuery());
    if (!rs->next() || rs->isNull(1))
      return make_error(error, STRATA_ERROR,
                        "GET_LOCK('" + name + "') failed (returned NULL): the migration lock was not taken");
    if (rs->getInt(1) != 1)
      return make_error(error, STRATA_LOCK_TIMEOUT,
                        "timed out after " + seconds_text(timeout_seconds) +
                            " s waiting for the migration lock (another strata run on this database?)");
    conn->lock_names[key ? key : ""] = name;
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

strata_status unlock(strata_conn* c, const char* key, strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  try {
    // Session locks die with the connection.
    if (conn->broken) return STRATA_OK;
    auto held = conn->lock_names.find(key ? key : "");
    const std::string name = held != conn->lock_names.end() ? held->second : lock_name_for(conn, key);
    std::unique_ptr<sql::PreparedStatement> ps(conn->db->prepareStatement("SELECT RELEASE_LOCK(?)"));
    ps->setString(1, name);
    std::unique_ptr<sql::ResultSet> rs(ps->executeQuery());
    if (!rs->next() || rs->isNull(1) || rs->getInt(1) != 1)
      return make_error(error, STRATA_ERROR,
                        "RELEASE_LOCK('" + name + "'): this connection did not hold the migration lock");
    if (held != conn->lock_names.end()) conn->lock_names.erase(held);
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

size_t quote_identifier(const char* identifier, char* out, size_t capacity) {
  try {
    std::string q = "`";
    for (const char* p = identifier; p && *p; ++p) {
      if (*p == '`') q += '`';
      q += *p;
    }
    q += '`';
    if (out && q.size() < capacity) std::memcpy(out, q.c_str(), q.size() + 1);
    return q.size();
  } catch (...) {
    if (out && capacity) out[0] = '\0';
    return 0;
  }
}

strata_status split_statements(const char* sql, size_t length, strata_statement_list** out, strata_error** error) {
  try {
    *out = nullptr;
    auto ranges = strata::mysql::split_statements(std::string_view(sql, length));
    auto* list = static_cast<strata_statement_list*>(std::calloc(1, sizeof(strata_statement_list)));
    if (!list) throw std::bad_alloc();
    list->items =
        static_cast<strata_statement_range*>(std::calloc(ranges.size() + 1, sizeof(strata_statement_range)));
    if (!list->items) {
      std::free(list);
      throw std::bad_alloc();
    }
    list->count = ranges.size();
    for (size_t i = 0; i < ranges.size(); ++i)
      list->items[i] = {static_cast<int64_t>(ranges[i].offset), static_cast<int64_t>(ranges[i].length)};
    *out = list;
    return STRATA_OK;
  } catch (const strata::mysql::SplitError& e) {
    return make_error(error, STRATA_ERROR, e.what(), "", 0, static_cast<int64_t>(e.offset));
  }
  STRATA_MYSQL_CATCH(nullptr)
}

// For offline scripts run by the mysql/mariadb client: a statement whose
// text contains ';' (a procedure or trigger body) is wrapped in DELIMITER
// lines, as the client needs; others end with ';'.
size_t script_statement(const char* statement, size_t length, char* out, size_t capacity) {
  std::string stmt(statement, length);
  std::string q;
  if (stmt.find(';') == std::string::npos) {
    q = stmt + ";";
  } else {
    std::string delim = "$$";
    while (stmt.find(delim) != std::string::npos) delim += "$";
    q = "DELIMITER " + delim + "\n" + stmt + delim + "\nDELIMITER ;";
  }
  return strata::plugin::copy_out(q, out, capacity);
}

// The mysql client's charset follows the locale (latin1 under LANG=C);
// online connections use the URL's charset (utf8mb4 by default), and so
// must the script, or text and stored routines come out differently. The
// same holds for the session's sql_mode (strict; see kStrictSqlMode).
size_t script_preamble(const strata_connect_params* params, char* out, size_t capacity) {
  std::string charset = "utf8mb4";
  for (size_t i = 0; params && i < params->query_count; ++i)
    if (std::string(params->query_keys[i]) == "charset") charset = params->query_values[i];
  std::string safe;
  for (char c : charset)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') safe += c;
  // And its strictness: a script must fail where the online run would.
  std::string q = "SET NAMES " + (safe.empty() ? std::string("utf8mb4") : safe) + ";\nSET SESSION " +
                  sql_mode_setting(params) + ";";
  return strata::plugin::copy_out(q, out, capacity);
}

#define STRATA_MYSQL_STR2(x) #x
#define STRATA_MYSQL_STR(x) STRATA_MYSQL_STR2(x)

// ABI 1.1: classification needs no connection and cannot fail; if it
// throws anyway (out of memory), the cautious answer.
uint32_t statement_traits_entry(const char* statement, size_t length) {
  try {
    return strata::mysql::statement_traits(std::string_view(statement ? statement : "", statement ? length : 0));
  } catch (...) {
    return STRATA_STMT_NO_TRANSACTION;
  }
}

// ABI 1.2: the catalog of the connected database (introspect.cpp). Only
// reads information_schema on the session as it is: no transaction is
// begun, committed or rolled back.
strata_status introspect_entry(strata_conn* c, const char* options, strata_string_list** out,
                               strata_error** error) {
  auto* conn = reinterpret_cast<Conn*>(c);
  try {
    *out = nullptr;
    if (conn->broken) return broken_error(error);
    const std::string json = strata::mysql::introspect(*conn->db, options ? options : "");
    *out = strata::plugin::new_string_list({json});
    if (!*out) throw std::bad_alloc();
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

// ABI 1.2: the DDL for a changes document (render.cpp). Needs no connection.
strata_status render_changes_entry(const char* changes, strata_string_list** out, strata_error** error) {
  Conn* conn = nullptr;
  try {
    *out = nullptr;
    *out = strata::plugin::new_string_list(strata::mysql::render_changes(changes ? changes : ""));
    if (!*out) throw std::bad_alloc();
    return STRATA_OK;
  }
  STRATA_MYSQL_CATCH(conn)
}

}  // namespace

extern "C" STRATA_DIALECT_EXPORT const strata_dialect_api* STRATA_DIALECT_ENTRY(void) {
  static const strata_dialect_api api = [] {
    strata_dialect_api a{};
    a.struct_size = sizeof(strata_dialect_api);
    a.abi_major = STRATA_DIALECT_ABI_MAJOR;
    a.abi_minor = STRATA_DIALECT_ABI_MINOR;
    a.name = "mysql";
    a.description = "MySQL/MariaDB via MySQL Connector/C++ " STRATA_MYSQL_STR(MYCPPCONN_DM_MAJOR_VERSION) "." STRATA_MYSQL_STR(
        MYCPPCONN_DM_MINOR_VERSION) "." STRATA_MYSQL_STR(MYCPPCONN_DM_PATCH_VERSION);
    a.capabilities = STRATA_CAP_SCHEMAS | STRATA_CAP_SESSION_LOCKS | STRATA_CAP_AUTOCOMMIT;
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
    a.execute_batch = execute_batch;
    a.introspect = introspect_entry;
    a.render_changes = render_changes_entry;
    return a;
  }();
  return &api;
}
