// The PostgreSQL dialect plugin against a real server: the one named by
// STRATA_TEST_PG_URL (a superuser with CREATEDB). Every test works in a
// fresh database of its own, dropped at the end.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "strata/config/config.hpp"
#include "strata/dialect/dialect.hpp"
#include "db_support.hpp"
#include "strata/runner/runner.hpp"
#include "test_support.hpp"

using namespace strata;
using Rows = std::vector<std::string>;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


class PostgresqlPlugin : public ::testing::Test {
 protected:
  dialect::PluginRegistry registry{{test::build_plugin_dir()}};
  const dialect::Plugin* plugin = nullptr;
  config::Url server;  // the URL of STRATA_TEST_PG_URL
  config::Url url;     // the same, on this test's own database
  std::string db_name;
  std::unique_ptr<dialect::Connection> admin;

  void SetUp() override {
    const char* env = std::getenv("STRATA_TEST_PG_URL");
    ASSERT_TRUE(env && *env)
        << "STRATA_TEST_PG_URL is not set: these tests need a PostgreSQL server, e.g. "
           "STRATA_TEST_PG_URL=postgresql://user:password@127.0.0.1:5432/postgres "
           "(a superuser or a user with CREATEDB)";
    server = config::parse_url(env, "/");
    ASSERT_EQ(server.dialect, "postgresql") << "STRATA_TEST_PG_URL is not a PostgreSQL URL";
    plugin = &registry.get("postgresql");
    admin = std::make_unique<dialect::Connection>(*plugin, strata::runner::connect_options(server));
    static std::atomic<int> counter{0};
    db_name = "strata_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000) + "_" +
              std::to_string(counter++);
    admin->execute("CREATE DATABASE " + plugin->quote(db_name), true);
    url = server;
    url.database = db_name;
  }

  void TearDown() override {
    if (admin && !db_name.empty()) {
      try {
        admin->execute("DROP DATABASE IF EXISTS " + plugin->quote(db_name) + " WITH (FORCE)", true);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cannot drop test database " << db_name << ": " << e.what();
      }
    }
  }

  std::unique_ptr<dialect::Connection> connect() {
    return std::make_unique<dialect::Connection>(*plugin, strata::runner::connect_options(url));
  }

  // Connecting with `u` must fail as the connection broken, naming the URL
  // and never the password; returns the message.
  std::string connect_failure(const config::Url& u) {
    try {
      dialect::Connection c(*plugin, strata::runner::connect_options(u));
      ADD_FAILURE() << "connecting to " << u.masked() << " succeeded";
      return "";
    } catch (const dialect::DialectError& e) {
      std::string msg = e.what();
      EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN) << msg;
      EXPECT_EQ(msg.rfind("cannot connect to " + u.masked() + ": ", 0), 0u) << msg;
      if (!server.password.empty()) {
        EXPECT_FALSE(has(msg, server.password)) << msg;
      }
      if (!u.password.empty()) {
        EXPECT_FALSE(has(msg, u.password)) << msg;
      }
      EXPECT_NE(msg.back(), '\n');
      return msg;
    }
  }
};

}  // namespace

TEST_F(PostgresqlPlugin, Describes) {
  EXPECT_EQ(plugin->name, "postgresql");
  EXPECT_TRUE(has(plugin->api->description, "PostgreSQL")) << plugin->api->description;
  EXPECT_TRUE(plugin->has(STRATA_CAP_TRANSACTIONAL_DDL));
  EXPECT_TRUE(plugin->has(STRATA_CAP_SCHEMAS));
  EXPECT_TRUE(plugin->has(STRATA_CAP_SESSION_LOCKS));
  EXPECT_TRUE(plugin->has(STRATA_CAP_AUTOCOMMIT));
}

TEST_F(PostgresqlPlugin, Connects) {
  auto c = connect();
  EXPECT_EQ(c->query_column("SELECT current_database()"), Rows{db_name});
  EXPECT_EQ(c->query_column("SELECT current_setting('application_name')"), Rows{"strata"});
}

TEST_F(PostgresqlPlugin, QueryParametersAreConnectionKeywords) {
  url.query = {{"application_name", "it's \\ mine"}, {"options", "-c search_path=elsewhere"}};
  auto c = connect();
  EXPECT_EQ(c->query_column("SELECT current_setting('application_name')"), Rows{"it's \\ mine"});
  EXPECT_EQ(c->query_column("SHOW search_path"), Rows{"elsewhere"});
}

TEST_F(PostgresqlPlugin, HostQueryParameterSelectsUnixSocket) {
  const char* dir = std::getenv("STRATA_TEST_PG_SOCKET_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "STRATA_TEST_PG_SOCKET_DIR not set";
  url.host = "host.invalid";  // overridden by ?host=
  url.query = {{"host", dir}};
  auto c = connect();
  // inet_server_addr() is NULL over a unix socket.
  EXPECT_EQ(c->query_column("SELECT inet_server_addr()"), Rows{""});
}

TEST_F(PostgresqlPlugin, RefusedPortIsConnectionBroken) {
  config::Url u = url;
  u.host = "127.0.0.1";
  u.port = strata::test::free_port();
  auto msg = connect_failure(u);
  EXPECT_TRUE(has(msg, "Connection refused")) << msg;
  std::cout << "refused: " << msg << "\n";
}

TEST_F(PostgresqlPlugin, WrongPasswordIsConnectionBroken) {
  config::Url u = url;
  u.password = "definitely-not-the-pw-7731";
  u.has_password = true;
  auto msg = connect_failure(u);
  EXPECT_TRUE(has(msg, "password authentication failed")) << msg;
  std::cout << "wrong password: " << msg << "\n";
}

TEST_F(PostgresqlPlugin, MissingDatabaseIsConnectionBroken) {
  config::Url u = url;
  u.database = db_name + "_missing";
  auto msg = connect_failure(u);
  EXPECT_TRUE(has(msg, "database \"" + db_name + "_missing\" does not exist")) << msg;
  std::cout << "missing database: " << msg << "\n";
}

TEST_F(PostgresqlPlugin, ExecutesScriptWithFunctionAndDoBlock) {
  auto c = connect();
  const std::string script =
      "-- a revision\n"
      "CREATE TABLE items (id int PRIMARY KEY, name text);\n"
      "CREATE FUNCTION add_item(i int, n text) RETURNS void AS $$\n"
      "BEGIN\n"
      "  INSERT INTO items VALUES (i, n || ';');\n"
      "END;\n"
      "$$ LANGUAGE plpgsql;\n"
      "DO $do$\n"
      "BEGIN\n"
      "  PERFORM add_item(1, 'one');\n"
      "  PERFORM add_item(2, $$two$$);\n"
      "END\n"
      "$do$;\n"
      "INSERT INTO items VALUES (3, 'it''s; three');\n"
      "UPDATE items SET name = upper(name) WHERE id < 3\n";
  auto r = c->execute(script);
  EXPECT_EQ(r.statements_completed, 5);
  EXPECT_EQ(r.rows_affected, 2);
  EXPECT_EQ(c->query_column("SELECT name FROM items ORDER BY id"), (Rows{"ONE;", "TWO;", "it's; three"}));
  EXPECT_EQ(c->execute("CREATE TABLE other (id int)").rows_affected, -1);
  EXPECT_EQ(c->execute("-- nothing\n").statements_completed, 0);
}

TEST_F(PostgresqlPlugin, FailingStatementIsLocated) {
  auto c = connect();
  const std::string script =
      "CREATE TABLE a (id int);\n"
      "INSERT INTO a VALUES (1);\n"
      "  INSERT INTO missing_table VALUES (1);\n"
      "INSERT INTO a VALUES (2);\n";
  try {
    c->execute(script);
    FAIL() << "the script succeeded";
  } catch (const dialect::DialectError& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_EQ(e.statements_completed, 2);
    EXPECT_EQ(e.statement_offset, static_cast<int64_t>(script.find("INSERT INTO missing_table")));
    EXPECT_EQ(e.sqlstate, "42P01");
    EXPECT_TRUE(has(msg, "relation \"missing_table\" does not exist")) << msg;
    EXPECT_NE(msg.back(), '\n');
    std::cout << "failing statement: " << msg << " (SQLSTATE " << e.sqlstate << ")\n";
  }
  // Autocommit: the first two statements stayed, the fourth never ran.
  EXPECT_EQ(c->query_column("SELECT id FROM a"), Rows{"1"});

  // The raw ABI also gives the statement's length.
  strata_exec_info info{};
  info.struct_size = sizeof(info);
  strata_error* err = nullptr;
  const std::string bad = "SELECT 1; SELECT nope FROM a ; SELECT 2";
  // A fresh connection through the C ABI directly.
  auto o = strata::runner::connect_options(url);
  strata_connect_params p{};
  p.struct_size = sizeof(p);
  p.url_masked = o.url_masked.c_str();
  p.scheme = "postgresql";
  p.user = o.user.c_str();
  p.password = o.password.c_str();
  p.host = o.host.c_str();
  p.port = o.port;
  p.database = o.database.c_str();
  p.lock_timeout_seconds = -1;
  strata_conn* raw = nullptr;
  ASSERT_EQ(plugin->api->connect(&p, &raw, &err), STRATA_OK) << (err ? err->message : "");
  ASSERT_EQ(plugin->api->execute(raw, bad.data(), bad.size(), nullptr, &info, &err), STRATA_ERROR);
  ASSERT_NE(err, nullptr);
  EXPECT_EQ(err->statement_offset, static_cast<int64_t>(bad.find("SELECT nope")));
  EXPECT_EQ(err->statement_length, static_cast<int64_t>(std::string("SELECT nope FROM a").size()));
  EXPECT_EQ(err->statements_completed, 1);
  EXPECT_STREQ(err->sqlstate, "42703");
  plugin->api->error_free(err);
  plugin->api->disconnect(raw);
}

TEST_F(PostgresqlPlugin, TransactionalDdlRollsBack) {
  auto c = connect();
  c->begin();
  c->execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
  EXPECT_TRUE(c->table_exists(nullptr, "t"));
  c->rollback();
  EXPECT_FALSE(c->table_exists(nullptr, "t"));
  // Committed work stays.
  c->begin();
  c->execute("CREATE TABLE kept (id int)");
  c->commit();
  EXPECT_TRUE(c->table_exists(nullptr, "kept"));
  // ROLLBACK without a transaction is no error.
  EXPECT_NO_THROW(c->rollback());
}

TEST_F(PostgresqlPlugin, CommitOfFailedTransactionIsAnError) {
  auto c = connect();
  c->begin();
  c->execute("CREATE TABLE t (id int)");
  EXPECT_THROW(c->execute("SELECT * FROM nowhere"), dialect::DialectError);
  try {
    c->commit();
    FAIL() << "COMMIT of a failed transaction succeeded";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR) << e.what();
    EXPECT_EQ(e.sqlstate, "25P02") << e.what();
  }
  c->rollback();
  EXPECT_FALSE(c->table_exists(nullptr, "t"));
}

TEST_F(PostgresqlPlugin, CreateIndexConcurrentlyOutsideTransaction) {
  auto c = connect();
  c->execute("CREATE TABLE t (id int)");
  const std::string sql = "CREATE INDEX CONCURRENTLY t_id ON t (id)";
  auto ranges = plugin->split(sql);
  ASSERT_EQ(ranges.size(), 1u);
  c->execute(sql.substr(ranges[0].offset, ranges[0].length), true);
  EXPECT_EQ(c->query_column("SELECT indexname FROM pg_indexes WHERE tablename = 't'"), Rows{"t_id"});
  // Inside a transaction the server refuses it (25001).
  c->begin();
  try {
    c->execute("CREATE INDEX CONCURRENTLY t_id2 ON t (id)", true);
    FAIL() << "CREATE INDEX CONCURRENTLY ran in a transaction";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.sqlstate, "25001") << e.what();
  }
  c->rollback();
}

TEST_F(PostgresqlPlugin, SingleStatementRunsWhole) {
  auto c = connect();
  const std::string fn =
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 41 + 1; END; $$";
  auto r = c->execute(fn, true);
  EXPECT_EQ(r.statements_completed, 1);
  EXPECT_EQ(c->query_column("SELECT f()"), Rows{"42"});
}

TEST_F(PostgresqlPlugin, TableExistsWithAndWithoutSchema) {
  auto c = connect();
  c->execute("CREATE TABLE pub (id int); CREATE SCHEMA s; CREATE TABLE s.inner_t (id int);"
             "CREATE SCHEMA \"we'ird\"; CREATE TABLE \"we'ird\".\"ta'ble\" (id int)");
  const std::string s = "s", pub = "public", weird = "we'ird", missing = "nope";
  EXPECT_TRUE(c->table_exists(nullptr, "pub"));
  EXPECT_TRUE(c->table_exists(&pub, "pub"));
  EXPECT_FALSE(c->table_exists(&s, "pub"));
  EXPECT_TRUE(c->table_exists(&s, "inner_t"));
  EXPECT_FALSE(c->table_exists(nullptr, "inner_t"));
  EXPECT_FALSE(c->table_exists(&pub, "inner_t"));
  EXPECT_FALSE(c->table_exists(&missing, "inner_t"));
  EXPECT_TRUE(c->table_exists(&weird, "ta'ble"));
  EXPECT_FALSE(c->table_exists(nullptr, "nothing"));
  // NULL schema means the current schema, which search_path decides.
  c->execute("SET search_path = s");
  EXPECT_TRUE(c->table_exists(nullptr, "inner_t"));
  EXPECT_FALSE(c->table_exists(nullptr, "pub"));
}

TEST_F(PostgresqlPlugin, QueryColumn) {
  auto c = connect();
  c->execute("CREATE TABLE v (n int, label text); INSERT INTO v VALUES (2, 'b'), (1, NULL), (3, 'c')");
  EXPECT_EQ(c->query_column("SELECT label FROM v ORDER BY n"), (Rows{"", "b", "c"}));
  EXPECT_EQ(c->query_column("SELECT n, label FROM v ORDER BY n DESC"), (Rows{"3", "2", "1"}));
  EXPECT_TRUE(c->query_column("SELECT n FROM v WHERE false").empty());
  try {
    c->query_column("SELECT nope FROM v");
    FAIL();
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_EQ(e.sqlstate, "42703");
  }
}

TEST_F(PostgresqlPlugin, Quote) {
  EXPECT_EQ(plugin->quote("alembic_version"), "\"alembic_version\"");
  EXPECT_EQ(plugin->quote("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(plugin->quote(""), "\"\"");
  auto c = connect();
  c->execute("CREATE TABLE " + plugin->quote("Mixed \"Case\"") + " (id int)");
  EXPECT_TRUE(c->table_exists(nullptr, "Mixed \"Case\""));
}

TEST_F(PostgresqlPlugin, AdvisoryLockSerialisesConnections) {
  auto a = connect();
  auto b = connect();
  a->lock("alembic_version", -1);
  auto t0 = std::chrono::steady_clock::now();
  try {
    b->lock("alembic_version", 0.3);
    FAIL() << "second connection got the lock";
  } catch (const dialect::DialectError& e) {
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(e.status, STRATA_LOCK_TIMEOUT) << e.what();
    EXPECT_GE(waited, 0.29);
    EXPECT_LE(waited, 2.0);
    EXPECT_EQ(std::string(e.what()),
              "timed out after 0.3 s waiting for the migration lock (another strata run on this database?)");
  }
  // Another key is another lock.
  EXPECT_NO_THROW(b->lock("other_version_table", 0));
  b->unlock("other_version_table");

  a->unlock("alembic_version");
  EXPECT_NO_THROW(b->lock("alembic_version", 0.3));
  // Now b holds it; closing b's connection frees it.
  EXPECT_THROW(a->lock("alembic_version", 0.1), dialect::DialectError);
  b.reset();
  EXPECT_NO_THROW(a->lock("alembic_version", 5));
  a->unlock("alembic_version");
  // Unlocking what is not held is harmless.
  EXPECT_NO_THROW(a->unlock("alembic_version"));
}

TEST_F(PostgresqlPlugin, LostConnectionBeforeCommit) {
  auto c = connect();
  auto pid = c->query_column("SELECT pg_backend_pid()");
  ASSERT_EQ(pid.size(), 1u);
  c->begin();
  c->execute("CREATE TABLE t (id int)");
  admin->query_column("SELECT pg_terminate_backend(" + pid[0] + ", 5000)");
  // The loss is seen before COMMIT is sent: certainly not committed.
  try {
    c->commit();
    FAIL() << "COMMIT on a terminated connection succeeded";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN) << e.what();
  }
  // No silent reconnection.
  try {
    c->execute("SELECT 1");
    FAIL() << "a lost connection came back";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_CONNECTION_BROKEN) << e.what();
  }
  EXPECT_THROW(c->rollback(), dialect::DialectError);
  EXPECT_FALSE(admin->query_column("SELECT 1 FROM pg_database WHERE datname = '" + db_name + "'").empty());
}

TEST_F(PostgresqlPlugin, LostConnectionDuringCommitIsInDoubt) {
  auto c = connect();
  // A deferred constraint trigger runs inside COMMIT; this one ends the
  // session there, so the client loses the connection mid-COMMIT.
  c->execute(
      "CREATE TABLE t (id int);\n"
      "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$\n"
      "BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); RETURN NULL; END $$;\n"
      "CREATE CONSTRAINT TRIGGER die AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED\n"
      "  FOR EACH ROW EXECUTE FUNCTION die();\n");
  c->begin();
  c->execute("INSERT INTO t VALUES (1)");
  try {
    c->commit();
    FAIL() << "COMMIT succeeded";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_COMMIT_IN_DOUBT) << e.what();
    std::cout << "in doubt: " << e.what() << "\n";
  }
}

TEST_F(PostgresqlPlugin, SplitThroughPlugin) {
  const std::string sql =
      "-- head\nCREATE TABLE t (id int);\nDO $$ BEGIN PERFORM 1; END $$;\n/* c; */ SELECT ';' ";
  auto r = plugin->split(sql);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(sql.substr(r[0].offset, r[0].length), "CREATE TABLE t (id int)");
  EXPECT_EQ(sql.substr(r[1].offset, r[1].length), "DO $$ BEGIN PERFORM 1; END $$");
  EXPECT_EQ(sql.substr(r[2].offset, r[2].length), "SELECT ';'");
  EXPECT_TRUE(plugin->split("-- only a comment;\n").empty());
}

// Issue 10: text that would swallow the rest of the script (an unterminated
// comment, quote or dollar quote, a NUL byte, which libpq would treat as
// the end) is refused by execute() and split() alike, before anything runs,
// with the offset where the construct starts.
TEST_F(PostgresqlPlugin, UnterminatedConstructsAndNulRunNothing) {
  struct Case {
    std::string sql, message, at;
  } cases[] = {
      {"CREATE TABLE a (x int);\n/* the rest:\nCREATE TABLE b (x int);\n", "unterminated /* comment", "/*"},
      {"CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nSELECT 'open;\nCREATE TABLE b (x int);\n",
       "unterminated quoted string", "'open"},
      {"CREATE TABLE a (x int);\nSELECT \"open;\nCREATE TABLE b (x int);\n", "unterminated quoted identifier",
       "\"open"},
      {"CREATE TABLE a (x int);\nDO $body$ BEGIN PERFORM 1; END $$;\nCREATE TABLE b (x int);\n",
       "unterminated dollar-quoted string $body$", "$body$"},
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
    // Nothing ran: not even the statements before the construct.
    EXPECT_EQ(c->query_column("SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b')"), Rows{"0"}) << k.sql;
  }
  // The same statement run as a single one is checked too.
  EXPECT_THROW(c->execute("SELECT 'open", true), dialect::DialectError);
  c->execute("CREATE TABLE a (x int); /* closed */ SELECT 'ok'; -- a last comment");
  EXPECT_EQ(c->query_column("SELECT count(*) FROM pg_tables WHERE tablename = 'a'"), Rows{"1"});
}

// A CREATE UNIQUE INDEX CONCURRENTLY that fails leaves an INVALID index
// behind: the half-applied record stays (even for the revision's first
// statement), the index is named with the DROP that removes it, and after
// that and a data fix, --resume finishes. Without Transactional: false the
// same statement gets the hint to add it.
TEST_F(PostgresqlPlugin, AFailedConcurrentIndexBuildKeepsItsRecordAndNamesTheInvalidIndex) {
  test::TempDir dir;
  const std::string text_url = test::with_database(std::getenv("STRATA_TEST_PG_URL"), db_name);
  const std::vector<std::string> env = {"DATABASE_URL=" + text_url};
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\nurl = \"${DATABASE_URL}\"\n");
  dir.write("migrations/main/1.sql", test::revision_text("c1", "", "CREATE TABLE dup (x INTEGER);\n"
                                                                   "INSERT INTO dup VALUES (1), (1)",
                                                         "DROP TABLE dup"));
  dir.write("migrations/main/2.sql",
            test::revision_text("c2", "c1", "CREATE UNIQUE INDEX CONCURRENTLY dup_x ON dup (x)", "DROP INDEX dup_x",
                                "-- Transactional: false\n"));
  auto r = test::run_strata({"upgrade", "head"}, dir.path(), env);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(test::Contains(r.err, "INVALID index public.dup_x (left by this statement): DROP INDEX "
                                    "CONCURRENTLY public.dup_x;"));
  EXPECT_TRUE(test::Contains(r.err, "database was left in the middle of the upgrade of revision c2: 0 of 1"));
  EXPECT_TRUE(test::NotContains(r.err, "rolled back"));
  auto again = test::run_strata({"upgrade", "head"}, dir.path(), env);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(test::Contains(again.err, "upgrade head --resume"));
  // "It took effect" cannot be said of a build whose INVALID index is there.
  auto after = test::run_strata({"upgrade", "head", "--resume-after", "1"}, dir.path(), env);
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_TRUE(test::Contains(after.err, "--resume-after 1: statement 1 did not take effect completely"))
      << after.err;
  EXPECT_TRUE(test::Contains(after.err, "DROP INDEX CONCURRENTLY public.dup_x;")) << after.err;

  auto c = connect();
  c->execute("DROP INDEX CONCURRENTLY public.dup_x", true);
  c->execute("DELETE FROM dup WHERE ctid NOT IN (SELECT min(ctid) FROM dup)");
  auto resumed = test::run_strata({"upgrade", "head", "--resume"}, dir.path(), env);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(c->query_column("SELECT version_num FROM alembic_version"), Rows{"c2"});
  EXPECT_EQ(c->query_column("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'dup_x'::regclass"),
            Rows{"true"});

  dir.write("migrations/main/3.sql",
            test::revision_text("c3", "c2", "CREATE INDEX CONCURRENTLY dup_y ON dup (x)", "DROP INDEX dup_y"));
  auto hint = test::run_strata({"upgrade", "head"}, dir.path(), env);
  EXPECT_EQ(hint.exit_code, 1);
  EXPECT_TRUE(test::Contains(hint.err, "SQLSTATE 25001"));
  EXPECT_TRUE(test::Contains(hint.err, "add '-- Transactional: false' to the revision's header"));
}

// A second run waiting for the migration lock must not hold a snapshot: the
// first run's CREATE INDEX CONCURRENTLY waits for every older snapshot, and
// a waiter blocked inside pg_advisory_lock deadlocked it (the build failed,
// leaving an INVALID index).
TEST_F(PostgresqlPlugin, ASecondRunWaitingForTheLockDoesNotDeadlockAConcurrentIndexBuild) {
  test::TempDir dir;
  const std::string text_url = test::with_database(std::getenv("STRATA_TEST_PG_URL"), db_name);
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\nurl = \"${DATABASE_URL}\"\n");
  dir.write("migrations/main/1.sql",
            test::revision_text("w1", "", "CREATE TABLE big (v INTEGER);\nINSERT INTO big SELECT generate_series(1, 400000)",
                                "DROP TABLE big"));
  dir.write("migrations/main/2.sql",
            test::revision_text("w2", "w1", "CREATE INDEX CONCURRENTLY big_v ON big (v);\n"
                                            "CREATE INDEX CONCURRENTLY big_v2 ON big ((v + 1))",
                                "DROP INDEX big_v;\nDROP INDEX big_v2", "-- Transactional: false\n"));
  test::RunResult first;
  std::thread a([&] { first = test::run_strata({"upgrade", "head"}, dir.path(), {"DATABASE_URL=" + text_url}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto second = test::run_strata({"upgrade", "head"}, dir.path(), {"DATABASE_URL=" + text_url});
  a.join();
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(test::NotContains(first.err + second.err, "deadlock"));
  auto c = connect();
  EXPECT_EQ(c->query_column("SELECT version_num FROM alembic_version"), Rows{"w2"});
  EXPECT_EQ(c->query_column("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), Rows{"0"});
}
