// The MySQL/MariaDB dialect plugin against a real server.
//
// STRATA_TEST_MYSQL_URL names it (mysql://user:pw@host:port/db, a user with
// CREATE/DROP DATABASE rights); STRATA_TEST_MYSQL_SOCKET is the server's unix
// socket. Without them the tests fail: a silently skipped database suite is
// a suite nobody runs. Each test works in a fresh database of its own.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "db_support.hpp"
#include "strata/runner/runner.hpp"
#include "test_support.hpp"

using namespace strata;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class MysqlPlugin : public ::testing::Test {
 protected:
  dialect::PluginRegistry registry{{test::build_plugin_dir()}};
  const dialect::Plugin* plugin = nullptr;
  config::Url server;  // the URL from the environment
  std::string db;      // this test's own database
  std::unique_ptr<dialect::Connection> admin;  // connected to the URL's database
  std::string temp_user;                       // a 'user'@'localhost' to drop

  void SetUp() override {
    const char* url = std::getenv("STRATA_TEST_MYSQL_URL");
    ASSERT_TRUE(url && *url) << "STRATA_TEST_MYSQL_URL is not set: these tests need a MySQL/MariaDB server, e.g.\n"
                                "  STRATA_TEST_MYSQL_URL=mysql://app:secret@127.0.0.1:3306/mysql "
                                "STRATA_TEST_MYSQL_SOCKET=/run/mysqld/mysqld.sock mysql_plugin_test";
    server = config::parse_url(url, "/");
    ASSERT_EQ(server.dialect, "mysql") << "STRATA_TEST_MYSQL_URL is not a mysql:// URL";
    plugin = &registry.get("mysql");
    static std::atomic<int> counter{0};
    db = "strata_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
    admin = std::make_unique<dialect::Connection>(*plugin, strata::runner::connect_options(server));
    admin->execute("CREATE DATABASE " + plugin->quote(db));
  }

  void TearDown() override {
    if (!admin) return;
    admin->execute("DROP DATABASE IF EXISTS " + plugin->quote(db));
    if (!temp_user.empty()) admin->execute("DROP USER IF EXISTS '" + temp_user + "'@'localhost'");
  }

  config::Url url_for(const std::string& database) const {
    config::Url u = server;
    u.database = database;
    return u;
  }

  std::unique_ptr<dialect::Connection> connect(const config::Url& u) const {
    return std::make_unique<dialect::Connection>(*plugin, strata::runner::connect_options(u));
  }
  std::unique_ptr<dialect::Connection> connect() const { return connect(url_for(db)); }

  // The DialectError connecting to `u` raises (fails the test if none).
  dialect::DialectError connect_error(const config::Url& u) const {
    try {
      connect(u);
    } catch (const dialect::DialectError& e) {
      return e;
    }
    ADD_FAILURE() << "connecting to " << u.masked() << " succeeded";
    return dialect::DialectError(STRATA_OK, "");
  }

  void expect_no_password(const std::string& message) const {
    if (!server.password.empty()) {
      EXPECT_FALSE(has(message, server.password)) << message;
    }
  }
};

}  // namespace

TEST_F(MysqlPlugin, DescribesItself) {
  EXPECT_EQ(plugin->name, "mysql");
  EXPECT_TRUE(has(plugin->api->description, "Connector/C++ 1.1")) << plugin->api->description;
  EXPECT_TRUE(plugin->has(STRATA_CAP_SCHEMAS));
  EXPECT_TRUE(plugin->has(STRATA_CAP_SESSION_LOCKS));
  EXPECT_TRUE(plugin->has(STRATA_CAP_AUTOCOMMIT));
  EXPECT_FALSE(plugin->has(STRATA_CAP_TRANSACTIONAL_DDL));
}

TEST_F(MysqlPlugin, ConnectsOverTcp) {
  auto c = connect();
  EXPECT_EQ(c->query_column("SELECT DATABASE()"), std::vector<std::string>{db});
  EXPECT_EQ(c->query_column("SELECT @@character_set_client"), std::vector<std::string>{"utf8mb4"});
  auto host = c->query_column("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()");
  ASSERT_EQ(host.size(), 1u);
  EXPECT_NE(host[0], "localhost") << "expected a TCP connection";
}

TEST_F(MysqlPlugin, ConnectsOverUnixSocket) {
  const char* socket = std::getenv("STRATA_TEST_MYSQL_SOCKET");
  ASSERT_TRUE(socket && *socket) << "STRATA_TEST_MYSQL_SOCKET is not set (the server's unix socket path)";
  // Over the socket the server sees the client as 'user'@'localhost', an
  // account the URL's user may not have (it often exists for a TCP host
  // only): use a temporary localhost account.
  temp_user = "s" + db.substr(std::string("strata_test_").size());
  const std::string pw = "sock-" + temp_user;
  admin->execute("CREATE USER '" + temp_user + "'@'localhost' IDENTIFIED BY '" + pw + "'");
  admin->execute("GRANT ALL ON " + plugin->quote(db) + ".* TO '" + temp_user + "'@'localhost'");
  for (const char* key : {"unix_socket", "socket"}) {
    config::Url u = url_for(db);
    u.host.clear();
    u.port = 0;
    u.user = temp_user;
    u.password = pw;
    u.has_password = true;
    u.query = {{key, socket}, {"charset", "utf8mb4"}, {"connect_timeout", "5"}};
    auto c = connect(u);
    EXPECT_EQ(c->query_column("SELECT DATABASE()"), std::vector<std::string>{db}) << key;
    EXPECT_EQ(c->query_column("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()"),
              std::vector<std::string>{"localhost"})
        << key;
  }
}

TEST_F(MysqlPlugin, ConnectsFromSeveralThreads) {
  // The runner opens one connection per database on a thread pool.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      try {
        auto c = connect();
        if (c->query_column("SELECT DATABASE()") == std::vector<std::string>{db}) ++ok;
      } catch (const std::exception&) {
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
}

TEST_F(MysqlPlugin, RefusedPortIsConnectionBroken) {
  config::Url u = url_for(db);
  u.host = "127.0.0.1";
  u.port = strata::test::free_port();
  auto e = connect_error(u);
  EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN);
  const std::string msg = e.what();
  EXPECT_EQ(msg.rfind("cannot connect to " + u.masked() + ": ", 0), 0u) << msg;
  EXPECT_TRUE(has(msg, "(MySQL error 2002)") || has(msg, "(MySQL error 2003)")) << msg;
  expect_no_password(msg);
}

TEST_F(MysqlPlugin, WrongPasswordIsConnectionBroken) {
  config::Url u = url_for(db);
  u.password = "not-the-" + server.password + "-at-all";
  u.has_password = true;
  auto e = connect_error(u);
  EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN);
  const std::string msg = e.what();
  EXPECT_EQ(msg.rfind("cannot connect to " + u.masked() + ": ", 0), 0u) << msg;
  EXPECT_TRUE(has(msg, "Access denied")) << msg;
  EXPECT_TRUE(has(msg, "(MySQL error 1045)")) << msg;
  EXPECT_EQ(e.native_code, 1045);
  EXPECT_FALSE(has(msg, u.password)) << msg;
  expect_no_password(msg);
}

TEST_F(MysqlPlugin, MissingDatabaseIsConnectionBroken) {
  config::Url u = url_for(db + "_missing");
  auto e = connect_error(u);
  EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN);
  const std::string msg = e.what();
  EXPECT_EQ(msg.rfind("cannot connect to " + u.masked() + ": ", 0), 0u) << msg;
  EXPECT_TRUE(has(msg, "Unknown database '" + db + "_missing'")) << msg;
  EXPECT_TRUE(has(msg, "(MySQL error 1049)")) << msg;
  expect_no_password(msg);
}

TEST_F(MysqlPlugin, UnknownQueryParameterIsAnError) {
  config::Url u = url_for(db);
  u.query = {{"charset", "utf8mb4"}, {"sslmode", "require"}};
  auto e = connect_error(u);
  EXPECT_EQ(e.status, STRATA_ERROR);
  const std::string msg = e.what();
  EXPECT_TRUE(has(msg, "unknown query parameter 'sslmode'")) << msg;
  EXPECT_TRUE(has(msg, "unix_socket")) << msg;
  EXPECT_TRUE(has(msg, "connect_timeout")) << msg;
  expect_no_password(msg);

  u.query = {{"connect_timeout", "soon"}};
  e = connect_error(u);
  EXPECT_TRUE(has(e.what(), "connect_timeout")) << e.what();
}

TEST_F(MysqlPlugin, TlsParametersFailClosed) {
  // Asking for TLS never falls back to plain text: this fails whether the
  // server has no TLS or the CA file is missing.
  config::Url u = url_for(db);
  u.query = {{"ssl_ca", "/nonexistent/strata-test-ca.pem"}};
  auto e = connect_error(u);
  EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN);
  EXPECT_TRUE(has(e.what(), "cannot connect to " + u.masked() + ": ")) << e.what();
  expect_no_password(e.what());
}

TEST_F(MysqlPlugin, LockTimeoutSetsSessionWaits) {
  auto o = strata::runner::connect_options(url_for(db));
  o.lock_timeout_seconds = 2.5;
  dialect::Connection c(*plugin, o);
  EXPECT_EQ(c.query_column("SELECT CONCAT(@@lock_wait_timeout, '/', @@innodb_lock_wait_timeout)"),
            std::vector<std::string>{"3/3"});
}

TEST_F(MysqlPlugin, KilledConnectionIsBroken) {
  auto c = connect();
  const std::string id = c->query_column("SELECT CONNECTION_ID()").at(0);
  c->begin();
  c->execute("CREATE TABLE t (id INT)");
  admin->execute("KILL CONNECTION " + id);
  try {
    c->execute("INSERT INTO t VALUES (1)");
    FAIL() << "a killed connection ran a statement";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN) << e.what() << " (" << e.native_code << ")";
    EXPECT_EQ(e.statements_completed, 0);
  }
  // Nothing is open any more; everything else reports the broken connection.
  EXPECT_NO_THROW(c->rollback());
  for (auto call : {+[](dialect::Connection& k) { k.commit(); }, +[](dialect::Connection& k) { k.query_column("SELECT 1"); },
                    +[](dialect::Connection& k) { k.lock("x", 0); }}) {
    try {
      call(*c);
      ADD_FAILURE() << "a call on a killed connection succeeded";
    } catch (const dialect::DialectError& e) {
      EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN) << e.what();
    }
  }
}

TEST_F(MysqlPlugin, ConnectionKilledDuringAStatementIsBroken) {
  auto c = connect();
  const std::string id = c->query_column("SELECT CONNECTION_ID()").at(0);
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    admin->execute("KILL CONNECTION " + id);
  });
  try {
    c->execute("SELECT 1;\nDO SLEEP(20);\nSELECT 2");
    ADD_FAILURE() << "a killed statement completed";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN) << e.what() << " (" << e.native_code << ")";
    EXPECT_EQ(e.statements_completed, 1);
  }
  killer.join();
}

TEST_F(MysqlPlugin, ExecutesDelimiterScriptWithProcedure) {
  auto c = connect();
  const std::string script =
      "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20));\n"
      "DELIMITER //\n"
      "CREATE PROCEDURE fill()\n"
      "BEGIN\n"
      "  INSERT INTO t VALUES (1, 'a;b');\n"
      "  INSERT INTO t VALUES (2, 'c');\n"
      "END//\n"
      "CREATE PROCEDURE show_ids()\n"
      "BEGIN\n"
      "  SELECT id FROM t;\n"
      "  SELECT COUNT(*) FROM t;\n"
      "END //\n"
      "DELIMITER ;\n"
      "CALL fill();\n"
      "-- a CALL returning two result sets, then more statements\n"
      "CALL show_ids();\n"
      "SELECT 1;\n"
      "UPDATE t SET note = 'x';\n";
  auto r = c->execute(script);
  EXPECT_EQ(r.statements_completed, 7);
  EXPECT_EQ(r.rows_affected, 2);
  EXPECT_EQ(c->query_column("SELECT CONCAT(id, ':', note) FROM t ORDER BY id"),
            (std::vector<std::string>{"1:x", "2:x"}));
  // Matched rows, not changed rows (the runner checks version updates).
  EXPECT_EQ(c->execute("UPDATE t SET note = 'x' WHERE id = 1").rows_affected, 1);
  EXPECT_EQ(c->execute("DELETE FROM t").rows_affected, 2);
  EXPECT_EQ(c->execute("SELECT 1").rows_affected, -1);
}

TEST_F(MysqlPlugin, SingleStatementIsNotSplit) {
  auto c = connect();
  c->execute("CREATE TABLE t (id INT)");
  c->execute("CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.id < 0 THEN SET NEW.id = 0; END IF; END",
             true);
  auto r = c->execute("INSERT INTO t VALUES (-5), (3)", true);
  EXPECT_EQ(r.statements_completed, 1);
  EXPECT_EQ(r.rows_affected, 2);
  EXPECT_EQ(c->query_column("SELECT id FROM t ORDER BY id"), (std::vector<std::string>{"0", "3"}));
}

TEST_F(MysqlPlugin, FailingStatementIsLocated) {
  auto c = connect();
  const std::string script =
      "CREATE TABLE a (id INT);\n"
      "INSERT INTO a VALUES (1);\n"
      "  INSERT INTO missing VALUES (2);\n"
      "INSERT INTO a VALUES (3);\n";
  try {
    c->execute(script);
    FAIL() << "the script succeeded";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_EQ(e.statements_completed, 2);
    EXPECT_EQ(e.statement_offset, static_cast<int64_t>(script.find("INSERT INTO missing")));
    EXPECT_EQ(e.sqlstate, "42S02");
    EXPECT_EQ(e.native_code, 1146);
    EXPECT_EQ(std::string(e.what()), "Table '" + db + ".missing' doesn't exist");
  }
  // Stopped at the failure; the connection is still usable.
  EXPECT_EQ(c->query_column("SELECT id FROM a"), std::vector<std::string>{"1"});
}

TEST_F(MysqlPlugin, DdlCommitsImplicitly) {
  auto c = connect();
  c->begin();
  c->execute("CREATE TABLE kept (id INT) ENGINE=InnoDB");
  c->rollback();
  EXPECT_TRUE(c->table_exists(nullptr, "kept"));
  // Data changes do roll back.
  c->begin();
  c->execute("INSERT INTO kept VALUES (1)");
  c->rollback();
  EXPECT_TRUE(c->query_column("SELECT id FROM kept").empty());
  c->begin();
  c->execute("INSERT INTO kept VALUES (2)");
  c->commit();
  EXPECT_EQ(c->query_column("SELECT id FROM kept"), std::vector<std::string>{"2"});
  // Nothing open: no error.
  c->rollback();
  c->rollback();
}

TEST_F(MysqlPlugin, TableExists) {
  auto c = connect();
  c->execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)");
  EXPECT_TRUE(c->table_exists(nullptr, "alembic_version"));
  EXPECT_FALSE(c->table_exists(nullptr, "nope"));
  // Another database, named explicitly, from a connection elsewhere.
  const std::string other = db;
  EXPECT_TRUE(admin->table_exists(&other, "alembic_version"));
  EXPECT_FALSE(admin->table_exists(nullptr, "alembic_version"));
  const std::string missing = db + "_missing";
  EXPECT_FALSE(admin->table_exists(&missing, "alembic_version"));
  // Values are bound, not spliced into SQL.
  const std::string tricky = "x' OR '1'='1";
  EXPECT_FALSE(c->table_exists(&tricky, "alembic_version"));
}

TEST_F(MysqlPlugin, QueryColumn) {
  auto c = connect();
  EXPECT_EQ(c->query_column("SELECT 'a' UNION ALL SELECT NULL UNION ALL SELECT 42"),
            (std::vector<std::string>{"a", "", "42"}));
  EXPECT_TRUE(c->query_column("SELECT 1 FROM DUAL WHERE 1 = 0").empty());
  try {
    c->query_column("SELECT * FROM no_such_table");
    FAIL() << "query succeeded";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_EQ(e.native_code, 1146);
  }
  EXPECT_EQ(c->query_column("SELECT 'still usable'"), std::vector<std::string>{"still usable"});
}

TEST_F(MysqlPlugin, QuotesIdentifiers) {
  EXPECT_EQ(plugin->quote("alembic_version"), "`alembic_version`");
  EXPECT_EQ(plugin->quote("we`ird"), "`we``ird`");
  auto c = connect();
  c->execute("CREATE TABLE " + plugin->quote("we`ird; name") + " (id INT)");
  EXPECT_TRUE(c->table_exists(nullptr, "we`ird; name"));
}

TEST_F(MysqlPlugin, SessionLocks) {
  const std::string key = db + "_alembic_version";
  auto first = connect();
  auto second = connect();
  first->lock(key, 5);
  auto t0 = std::chrono::steady_clock::now();
  try {
    second->lock(key, 0.3);
    FAIL() << "second connection took the lock";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_LOCK_TIMEOUT);
    EXPECT_EQ(std::string(e.what()),
              "timed out after 0.3 s waiting for the migration lock (another strata run on this database?)");
  }
  EXPECT_GE(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.25);

  first->unlock(key);
  second->lock(key, 1);
  EXPECT_THROW(first->lock(key, 0), dialect::DialectError);
  second->unlock(key);

  // The lock dies with the connection holding it.
  first->lock(key, 1);
  EXPECT_THROW(second->lock(key, 0.1), dialect::DialectError);
  first.reset();
  second->lock(key, 5);
  second->unlock(key);
}

// GET_LOCK names are server-wide; the migration lock is a database's: runs
// on two databases of one server (a fleet, shards) do not wait for each
// other, and `current` does not take one for the other.
TEST_F(MysqlPlugin, TheLockIsTheDatabasesNotTheServers) {
  const std::string other = db + "_b";
  admin->execute("CREATE DATABASE " + plugin->quote(other));
  {
    auto here = connect();
    auto there = connect(url_for(other));
    here->lock("strata:alembic_version", 1);
    there->lock("strata:alembic_version", 0);  // no wait: another database
    auto again = connect();
    EXPECT_THROW(again->lock("strata:alembic_version", 0.1), dialect::DialectError) << "same database: held";
    // Released under the name it was taken, even after USE.
    here->execute("USE " + plugin->quote(other));
    here->unlock("strata:alembic_version");
    again->lock("strata:alembic_version", 0);
    again->unlock("strata:alembic_version");
    there->unlock("strata:alembic_version");
  }
  admin->execute("DROP DATABASE " + plugin->quote(other));
}

TEST_F(MysqlPlugin, LongLockKeysAreHashed) {
  const std::string key = db + std::string(100, 'k');
  auto first = connect();
  auto second = connect();
  first->lock(key, 1);
  try {
    second->lock(key, 0.1);
    FAIL() << "second connection took the lock";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_LOCK_TIMEOUT);
  }
  // A different long key with the same first 64 characters is another lock.
  second->lock(key + "2", 0.1);
  second->unlock(key + "2");
  first->unlock(key);
}

TEST_F(MysqlPlugin, SplitsThroughThePlugin) {
  const std::string sql =
      "DELIMITER //\n"
      "CREATE PROCEDURE p() BEGIN SELECT 1; END//\n"
      "DELIMITER ;\n"
      "CALL p(); -- done\n";
  auto ranges = plugin->split(sql);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(sql.substr(ranges[0].offset, ranges[0].length), "CREATE PROCEDURE p() BEGIN SELECT 1; END");
  EXPECT_EQ(sql.substr(ranges[1].offset, ranges[1].length), "CALL p()");
  EXPECT_TRUE(plugin->split(" -- nothing\n;").empty());
  try {
    plugin->split("DELIMITER\n");
    FAIL() << "DELIMITER without an argument was accepted";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_TRUE(has(e.what(), "DELIMITER")) << e.what();
  }

  // Each range runs on its own as a single statement.
  auto c = connect();
  for (auto& r : ranges) c->execute(sql.substr(r.offset, r.length), true);
}

// Issue 10: text that would swallow the rest of the script (an unterminated
// comment or quote, a NUL byte) is refused by execute() and split() alike,
// before anything runs (MariaDB commits DDL at once: a half-run script
// would stay half-applied), with the offset where the construct starts.
TEST_F(MysqlPlugin, UnterminatedConstructsAndNulRunNothing) {
  struct Case {
    std::string sql, message, at;
  } cases[] = {
      {"CREATE TABLE a (x int);\n/* the rest:\nCREATE TABLE b (x int);\n", "unterminated /* comment", "/*"},
      {"CREATE TABLE a (x int);\nSELECT 'open;\nCREATE TABLE b (x int);\n", "unterminated quoted string", "'open"},
      {"CREATE TABLE a (x int);\nSELECT `open;\nCREATE TABLE b (x int);\n", "unterminated quoted identifier",
       "`open"},
      {"DELIMITER //\nCREATE TABLE a (x int)//\nCREATE PROCEDURE p() BEGIN SELECT \"x; END //\n",
       "unterminated quoted string", "\"x"},
      {std::string("CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);") + '\0' + "\nCREATE TABLE b (x int);\n",
       "NUL byte (0x00) in the SQL", std::string(1, '\0')},
  };
  auto c = connect();
  for (auto& k : cases) {
    const auto at = static_cast<int64_t>(k.sql.find(k.at));
    try {
      c->execute(k.sql);
      ADD_FAILURE() << "execute accepted: " << k.sql;
    } catch (const dialect::DialectError& e) {
      EXPECT_EQ(e.status, STRATA_ERROR);
      EXPECT_EQ(std::string(e.what()), k.message);
      EXPECT_EQ(e.statement_offset, at) << k.sql;
      EXPECT_EQ(e.statements_completed, 0);
    }
    try {
      plugin->split(k.sql);
      ADD_FAILURE() << "split accepted: " << k.sql;
    } catch (const dialect::DialectError& e) {
      EXPECT_EQ(std::string(e.what()), k.message);
      EXPECT_EQ(e.statement_offset, at) << k.sql;
    }
    EXPECT_EQ(c->query_column("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
              std::vector<std::string>{"0"})
        << k.sql;
  }
  // A single statement (STRATA_EXEC_SINGLE_STATEMENT) is checked the same way.
  try {
    c->execute("SELECT 1 /* never closed", true);
    ADD_FAILURE() << "single statement accepted";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(std::string(e.what()), "unterminated /* comment");
    EXPECT_EQ(e.statement_offset, 9);
  }
  c->execute("CREATE TABLE a (x int); /* closed */ SELECT 'ok'; # a last comment");
  EXPECT_EQ(c->query_column("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
            std::vector<std::string>{"1"});
}
