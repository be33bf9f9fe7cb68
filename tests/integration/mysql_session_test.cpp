// The MySQL/MariaDB plugin's session settings against a real server: strict
// mode whatever the server's sql_mode, and ?sql_mode= to choose another.
//
// One test changes the server's global sql_mode for a moment (to stand for
// a server configured without strict mode), so this binary's tests run with
// CTest's RUN_SERIAL: nothing else connects while they run.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "db_support.hpp"
#include "test_support.hpp"

namespace {

using strata::test::admin_url;
using strata::test::connect;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string session_mode(const std::string& url) { return connect(url)->query_column("SELECT @@SESSION.sql_mode")[0]; }

std::string with_query(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

class MysqlSession : public ::testing::Test {
 protected:
  std::string url = admin_url("mysql");
  std::string db = "strata_session_test";
  std::unique_ptr<strata::dialect::Connection> admin = connect(url);
  std::string global_mode = admin->query_column("SELECT @@GLOBAL.sql_mode")[0];

  void SetUp() override { admin->execute("DROP DATABASE IF EXISTS " + db + "; CREATE DATABASE " + db); }
  void TearDown() override {
    admin->execute("SET GLOBAL sql_mode = '" + global_mode + "'");
    admin->execute("DROP DATABASE IF EXISTS " + db);
  }
};

// A server configured without strict mode (sql_mode='', as older installs
// are) still gets strict sessions: a NULL cannot silently become '' when a
// column is made NOT NULL, nor a long string be cut short.
TEST_F(MysqlSession, ANonStrictServerStillGetsStrictSessions) {
  admin->execute("SET GLOBAL sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  const std::string mode = session_mode(strata::test::with_database(url, db));
  EXPECT_TRUE(has(mode, "STRICT_TRANS_TABLES")) << mode;
  EXPECT_TRUE(has(mode, "NO_ENGINE_SUBSTITUTION")) << mode << ": the server's modes are kept";
  admin->execute("SET GLOBAL sql_mode = ''");
  auto c = connect(strata::test::with_database(url, db));
  EXPECT_EQ(c->query_column("SELECT @@SESSION.sql_mode")[0], "STRICT_TRANS_TABLES");
  c->execute("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(5) NULL)");
  c->execute("INSERT INTO t VALUES (1, 'ok'), (2, NULL)");
  EXPECT_THROW(c->execute("ALTER TABLE t MODIFY name VARCHAR(5) NOT NULL"), strata::dialect::DialectError);
  EXPECT_THROW(c->execute("INSERT INTO t VALUES (3, 'too long')"), strata::dialect::DialectError);
  EXPECT_EQ(c->query_column("SELECT COUNT(*) FROM t WHERE name IS NULL")[0], "1") << "the NULL is still there";
  EXPECT_EQ(c->query_column("SELECT COUNT(*) FROM t")[0], "2");
}

// Strict already (the default): the server's mode is kept as it is.
TEST_F(MysqlSession, AStrictServersModeIsKept) {
  admin->execute("SET GLOBAL sql_mode = 'STRICT_ALL_TABLES,ANSI_QUOTES'");
  EXPECT_EQ(session_mode(url), "ANSI_QUOTES,STRICT_ALL_TABLES");
}

// ?sql_mode=... sets the session's mode exactly (even a non-strict one, by
// choice); anything but mode names is refused before connecting.
TEST_F(MysqlSession, TheUrlsSqlModeIsTheSessionsMode) {
  EXPECT_EQ(session_mode(with_query(url, "sql_mode=ANSI_QUOTES,NO_ENGINE_SUBSTITUTION")),
            "ANSI_QUOTES,NO_ENGINE_SUBSTITUTION");
  EXPECT_EQ(session_mode(with_query(url, "sql_mode=")), "");
  try {
    connect(with_query(url, "sql_mode=x'%3B%20DROP"));
    ADD_FAILURE() << "a sql_mode that is not mode names was accepted";
  } catch (const std::exception& e) {
    EXPECT_TRUE(has(e.what(), "sql_mode takes mode names separated by commas")) << e.what();
  }
}

}  // namespace
