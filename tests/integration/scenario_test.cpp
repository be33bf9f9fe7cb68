// The same scenarios on every dialect: the built strata binary against a
// fresh SQLite file, a fresh PostgreSQL database and a fresh MariaDB
// database (servers started by scripts/test.sh; STRATA_TEST_PG_URL and
// STRATA_TEST_MYSQL_URL). A missing server fails these tests.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/applied_log.hpp"
#include "strata/util/strings.hpp"
#include "db_support.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::run_strata;
using strata::test::TempDir;
using Rows = std::vector<std::string>;

namespace {

using strata::test::admin_url;
using strata::test::connect;
using strata::test::with_database;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


class Scenario : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::vector<std::string> created;  // databases to drop

  std::string dialect() const { return GetParam(); }
  bool transactional_ddl() const { return dialect() != "mysql"; }

  // A new, empty database of this test's dialect.
  std::string fresh_db(const std::string& tag = "db") {
    static std::atomic<int> counter{0};
    std::string name = "strata_s" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + tag;
    if (dialect() == "sqlite") return "sqlite:///" + (dir / (name + ".db"));
    auto admin = admin_url(dialect());
    auto c = connect(admin);
    c->execute("CREATE DATABASE " + name);
    created.push_back(name);
    return with_database(admin, name);
  }

  void TearDown() override {
    if (created.empty()) return;
    auto c = connect(admin_url(dialect()));
    for (auto& name : created) {
      try {
        c->execute(dialect() == "postgresql" ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                                             : "DROP DATABASE IF EXISTS " + name);
      } catch (const std::exception&) {
      }
    }
  }

  Rows query(const std::string& url, const std::string& sql) {
    auto rows = connect(url)->query_column(sql);
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  Rows version(const std::string& url, const std::string& table = "alembic_version") {
    auto c = connect(url);
    if (!c->table_exists(nullptr, table)) return {};
    auto rows = c->query_column("SELECT version_num FROM " + table);
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  bool table(const std::string& url, const std::string& name, const std::string* schema = nullptr) {
    return connect(url)->table_exists(schema, name);
  }

  void write_config(const std::string& extra_alembic = "") {
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n" +
                                  extra_alembic +
                                  "\n[databases.main]\nurl = \"${DATABASE_URL}\"\n"
                                  "[databases.analytics]\nurl = \"${ANALYTICS_DATABASE_URL}\"\n");
  }
  void copy_example() {
    fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
    write_config();
  }
  strata::test::RunResult strata(const std::vector<std::string>& args, const std::string& main_url,
                                 const std::string& analytics_url = "") {
    return run_strata(args, dir.path(),
                      {"DATABASE_URL=" + main_url,
                       "ANALYTICS_DATABASE_URL=" + (analytics_url.empty() ? std::string("sqlite:///:memory:") : analytics_url)});
  }
};

}  // namespace

TEST_P(Scenario, ExampleChainsUpgradeDowngradeAndBack) {
  copy_example();
  auto main_url = fresh_db("main"), analytics_url = fresh_db("analytics");
  auto up = strata({"upgrade", "head"}, main_url, analytics_url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(version(main_url), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(version(analytics_url), Rows{"f7b9d1e3a5c6"});
  for (auto t : {"users", "orders"}) EXPECT_TRUE(table(main_url, t)) << t;
  for (auto t : {"events", "daily_event_counts"}) EXPECT_TRUE(table(analytics_url, t)) << t;
  EXPECT_FALSE(has(up.out + up.err, "strata-test-pw")) << "password printed";

  auto down = strata({"--db", "analytics", "downgrade", "-1"}, main_url, analytics_url);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(version(analytics_url), Rows{"c4e6a8b0d21f"});
  EXPECT_EQ(version(main_url), Rows{"5d9b3e7a2f60"});

  auto base = strata({"downgrade", "main=base", "analytics=base"}, main_url, analytics_url);
  ASSERT_EQ(base.exit_code, 0) << base.err;
  EXPECT_EQ(version(main_url), Rows{});
  for (auto t : {"users", "orders"}) EXPECT_FALSE(table(main_url, t)) << t;
  for (auto t : {"events", "daily_event_counts"}) EXPECT_FALSE(table(analytics_url, t)) << t;

  auto again = strata({"upgrade", "head"}, main_url, analytics_url);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(version(main_url), Rows{"5d9b3e7a2f60"});
  auto cur = strata({"current", "--check-heads"}, main_url, analytics_url);
  EXPECT_EQ(cur.exit_code, 0) << cur.err;
  EXPECT_EQ(cur.out, "main: 5d9b3e7a2f60 (head)\nanalytics: f7b9d1e3a5c6 (head)\n");
}

// A revision whose second statement fails, after two good revisions.
static void write_failing_chain(TempDir& dir) {
  dir.write("migrations/main/1_one.sql", strata::test::revision_text("a1", "", "CREATE TABLE one (id INTEGER)", "DROP TABLE one"));
  dir.write("migrations/main/2_two.sql", strata::test::revision_text("a2", "a1", "CREATE TABLE two (id INTEGER)", "DROP TABLE two"));
  dir.write("migrations/main/3_three.sql",
            strata::test::revision_text("a3", "a2",
                                        "CREATE TABLE three (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
                                        "CREATE TABLE four (id INTEGER);",
                                        "DROP TABLE four;\nDROP TABLE three;"));
  fs::create_directories(dir / "migrations/analytics");
}

TEST_P(Scenario, FailingRevisionOutcomeFollowsTheDialect) {
  write_failing_chain(dir);
  write_config();
  auto url = fresh_db();
  auto r = strata({"--db", "main", "upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  // The error names the file, the line of the failing statement (line 8:
  // the upgrade SQL starts on line 7) and the server's message.
  // One database alone is still named on each error line, as beside others.
  EXPECT_TRUE(has(r.err, "main: error: " + dir / "migrations/main/3_three.sql" + ":8: ")) << r.err;
  EXPECT_TRUE(has(r.err, "no_such_table")) << r.err;
  // The server's severity word is not repeated after Strata's "error:", and
  // the codes and the revision end the line that names the file (a
  // PostgreSQL message's LINE and caret follow on their own lines).
  EXPECT_FALSE(has(r.err, "ERROR:")) << r.err;
  if (dialect() == "postgresql") {
    const std::string first = r.err.substr(r.err.find("main: error: "));
    EXPECT_TRUE(has(first.substr(0, first.find('\n')), "does not exist (SQLSTATE 42P01) [revision a3]")) << r.err;
    EXPECT_TRUE(has(r.err, "\nmain: LINE 1: INSERT INTO no_such_table")) << r.err;
  }
  if (transactional_ddl()) {
    // One transaction for the whole run: nothing stays.
    EXPECT_TRUE(has(r.err, "rolled back: database left at <base>")) << r.err;
    EXPECT_EQ(version(url), Rows{});
    EXPECT_FALSE(table(url, "one"));
    EXPECT_FALSE(table(url, "three"));
    // The applied log was created in the rolled-back transaction: gone too
    // (a failure row is only added to a log that exists).
    EXPECT_FALSE(table(url, "alembic_version_log"));
  } else {
    // MySQL commits DDL implicitly: a1 and a2 are applied and recorded, a3
    // is recorded as half-applied at statement 2 of 3.
    EXPECT_EQ(version(url), Rows{"a2"});
    EXPECT_TRUE(table(url, "three"));
    EXPECT_FALSE(table(url, "four"));
    EXPECT_TRUE(has(r.err, "1 of 3 statements completed; statement 2")) << r.err;
    EXPECT_TRUE(has(r.err, "(SQLSTATE 42S02, mysql error 1146)")) << r.err;
    const std::string outcomes = "SELECT CONCAT(revision, ' ', outcome) FROM alembic_version_log ORDER BY id";
    EXPECT_EQ(connect(url)->query_column(outcomes), (Rows{"a1 ok", "a2 ok", "a3 half-applied"}));
    auto again = strata({"--db", "main", "upgrade", "head"}, url);
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_TRUE(has(again.err, "database was left in the middle of the upgrade of revision a3")) << again.err;
    EXPECT_FALSE(table(url, "four")) << "a refused run must not touch the database";
    // The user fixes the statement and resumes: statement 1 is not run again.
    dir.write("migrations/main/3_three.sql",
              strata::test::revision_text("a3", "a2",
                                          "CREATE TABLE three (id INTEGER);\nCREATE TABLE three_b (id INTEGER);\n"
                                          "CREATE TABLE four (id INTEGER);",
                                          "DROP TABLE four;\nDROP TABLE three_b;\nDROP TABLE three;"));
    auto resumed = strata({"--db", "main", "upgrade", "head", "--resume"}, url);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(version(url), Rows{"a3"});
    EXPECT_TRUE(table(url, "three_b"));
    EXPECT_EQ(connect(url)->query_column(outcomes), (Rows{"a1 ok", "a2 ok", "a3 half-applied", "a3 ok"}));
    EXPECT_TRUE(table(url, "four"));
  }
}

TEST_P(Scenario, TransactionPerMigrationKeepsEarlierRevisions) {
  write_failing_chain(dir);
  write_config("transaction_per_migration = true\n");
  auto url = fresh_db();
  auto r = strata({"--db", "main", "upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(version(url), Rows{"a2"});
  EXPECT_TRUE(table(url, "two"));
  // Transactional dialects roll the failed revision back completely.
  if (transactional_ddl()) {
    EXPECT_FALSE(table(url, "three"));
  }
}

TEST_P(Scenario, DialectSectionReplacesThePlainOne) {
  dir.write("migrations/main/1_sections.sql",
            "-- Revision ID: d1\n-- Revises:\n-- Message: per dialect\n\n"
            "-- +upgrade\nCREATE TABLE plain_section (id INTEGER);\n\n"
            "-- +upgrade postgresql\nCREATE TABLE pg_section (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);\n\n"
            "-- +upgrade mysql\nCREATE TABLE my_section (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY);\n\n"
            "-- +downgrade\nDROP TABLE plain_section;\n"
            "-- +downgrade postgresql\nDROP TABLE pg_section;\n"
            "-- +downgrade mysql\nDROP TABLE my_section;\n");
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  auto url = fresh_db();
  auto r = strata({"--db", "main", "upgrade", "head"}, url);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string expected = dialect() == "postgresql" ? "pg_section" : dialect() == "mysql" ? "my_section" : "plain_section";
  for (auto t : {"plain_section", "pg_section", "my_section"}) EXPECT_EQ(table(url, t), t == expected) << t;
  ASSERT_EQ(strata({"--db", "main", "downgrade", "base"}, url).exit_code, 0);
  EXPECT_FALSE(table(url, expected));
}

TEST_P(Scenario, ConcurrentRunnersApplyEachRevisionOnce) {
  // Every revision logs itself into a table; four runners start at once.
  const int n = 6;
  dir.write("migrations/main/0_log.sql",
            strata::test::revision_text("c0", "", "CREATE TABLE applied_log (rev VARCHAR(10))", "DROP TABLE applied_log"));
  for (int i = 1; i <= n; ++i)
    dir.write("migrations/main/" + std::to_string(i) + "_r.sql",
              strata::test::revision_text("c" + std::to_string(i), "c" + std::to_string(i - 1),
                                          "INSERT INTO applied_log (rev) VALUES ('c" + std::to_string(i) + "')",
                                          "DELETE FROM applied_log WHERE rev = 'c" + std::to_string(i) + "'"));
  fs::create_directories(dir / "migrations/analytics");
  // Once with one transaction per run, once per revision: the run lock,
  // not the transaction, must keep runners apart.
  for (const char* mode : {"", "transaction_per_migration = true\n"}) {
  SCOPED_TRACE(*mode ? "transaction per migration" : "one transaction per run");
  write_config(mode);
  auto url = fresh_db();
  std::vector<pid_t> pids;
  const char* bin = STRATA_TEST_BIN;
  for (int k = 0; k < 4; ++k) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(126);
      setenv("DATABASE_URL", url.c_str(), 1);
      setenv("ANALYTICS_DATABASE_URL", "sqlite:///:memory:", 1);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      execl(bin, bin, "-q", "--db", "main", "upgrade", "head", "--lock-timeout", "60", static_cast<char*>(nullptr));
      _exit(127);
    }
    pids.push_back(pid);
  }
  for (auto pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a runner failed, status " << status;
  }
  auto log = query(url, "SELECT rev FROM applied_log");
  EXPECT_EQ(log, (Rows{"c1", "c2", "c3", "c4", "c5", "c6"})) << "each revision exactly once";
  EXPECT_EQ(version(url), Rows{"c6"});
  }
}

TEST_P(Scenario, SecondRunnerWaitsForTheLockThenTimesOutClearly) {
  dir.write("migrations/main/1_t.sql", strata::test::revision_text("w1", "", "CREATE TABLE w_data (id INTEGER)", "DROP TABLE w_data"));
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  auto url = fresh_db();
  {
    // Another run holds the migration lock (the key strata derives from the
    // version table's name).
    auto holder = connect(url);
    holder->lock("strata:alembic_version", 5);
    auto t0 = std::chrono::steady_clock::now();
    auto r = strata({"--db", "main", "upgrade", "head", "--lock-timeout", "0.5"}, url);
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, "timed out after 0.5 s waiting for the migration lock")) << r.err;
    EXPECT_GE(waited, 0.45);
    EXPECT_FALSE(table(url, "w_data")) << "nothing may run without the lock";
  }
  // The holder is gone (its connection closed): the lock went with it.
  auto r = strata({"--db", "main", "upgrade", "head", "--lock-timeout", "5"}, url);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(url), Rows{"w1"});
}

TEST_P(Scenario, VersionTableInAnotherSchema) {
  dir.write("migrations/main/1_t.sql", strata::test::revision_text("v1", "", "CREATE TABLE vt_data (id INTEGER)", "DROP TABLE vt_data"));
  fs::create_directories(dir / "migrations/analytics");
  if (dialect() == "sqlite") {
    write_config("version_table_schema = \"audit\"\n");
    auto r = strata({"--db", "main", "upgrade", "head"}, fresh_db());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(has(r.err, "version_table_schema is set, but database 'main' uses sqlite")) << r.err;
    return;
  }
  auto url = fresh_db();
  std::string schema;
  if (dialect() == "postgresql") {
    schema = "audit";
    connect(url)->execute("CREATE SCHEMA audit");
  } else {
    schema = fresh_db("audit");
    schema = schema.substr(schema.rfind('/') + 1);
  }
  write_config("version_table_schema = \"" + schema + "\"\nversion_table = \"schema_history\"\n");
  auto r = strata({"--db", "main", "upgrade", "head"}, url);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(table(url, "schema_history", &schema));
  EXPECT_FALSE(table(url, "schema_history"));
  EXPECT_FALSE(table(url, "alembic_version"));
  EXPECT_EQ(query(url, "SELECT version_num FROM " + schema + ".schema_history"), Rows{"v1"});
  auto down = strata({"--db", "main", "downgrade", "base"}, url);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(query(url, "SELECT version_num FROM " + schema + ".schema_history"), Rows{});
}

TEST_P(Scenario, UnreachableOrWrongPasswordFailsWithMaskedUrl) {
  copy_example();
  std::string url;
  if (dialect() == "sqlite") {
    url = "sqlite:///" + (dir / "no/such/folder/x.db");
  } else {
    auto u = strata::config::parse_url(admin_url(dialect()), "/");
    url = u.scheme + "://" + u.user + ":wrong-s3cret@" + u.host + ":" + std::to_string(u.port) + "/" + u.database;
  }
  auto r = strata({"--db", "main", "upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(has(r.out + r.err, "wrong-s3cret")) << r.err;
  EXPECT_TRUE(has(r.err, "main: error: cannot connect to") || has(r.err, "error: cannot connect to")) << r.err;
}

// A database that Alembic created and manages is picked up by Strata, moved
// on, and handed back: both read the same alembic_version.
TEST_P(Scenario, AlembicCreatedDatabaseIsPickedUpAndHandedBack) {
  auto url = fresh_db();
  // The same two revisions as an Alembic script directory.
  dir.write("alembic/env.py",
            "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n"
            "config = context.config\n"
            "engine = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
            "with engine.connect() as connection:\n"
            "    context.configure(connection=connection, target_metadata=None)\n"
            "    with context.begin_transaction():\n"
            "        context.run_migrations()\n");
  dir.write("alembic/versions/aa01_first.py",
            "revision = 'aa0100000001'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n"
            "from alembic import op\n"
            "def upgrade():\n    op.execute('CREATE TABLE first_t (id INTEGER)')\n"
            "def downgrade():\n    op.execute('DROP TABLE first_t')\n");
  dir.write("alembic/versions/aa02_second.py",
            "revision = 'aa0200000002'\ndown_revision = 'aa0100000001'\nbranch_labels = None\ndepends_on = None\n"
            "from alembic import op\n"
            "def upgrade():\n    op.execute('CREATE TABLE second_t (id INTEGER)')\n"
            "def downgrade():\n    op.execute('DROP TABLE second_t')\n");
  std::string sa_url = url;
  if (dialect() == "mysql") sa_url = "mysql+pymysql" + url.substr(url.find("://"));
  std::string escaped;  // configparser reads '%' as interpolation
  for (char c : sa_url) escaped += c == '%' ? std::string("%%") : std::string(1, c);
  dir.write("alembic.ini", "[alembic]\nscript_location = " + (dir / "alembic") + "\nsqlalchemy.url = " + escaped + "\n");
  auto alembic = [&](const std::string& args) {
    std::string cmd = "cd '" + dir.path() + "' && env -u PYTHONPATH -u PYTHONHOME /usr/bin/python3 -m alembic -c alembic.ini " +
                      args + " > alembic.out 2>&1";
    int rc = std::system(cmd.c_str());
    return std::make_pair(rc, strata::util::read_file(dir / "alembic.out"));
  };
  auto [rc1, out1] = alembic("upgrade aa0100000001");
  ASSERT_EQ(rc1, 0) << out1;
  EXPECT_EQ(version(url), Rows{"aa0100000001"});
  // verify on a database Alembic manages: no log (verify creates none),
  // the applied revision is unverified, not an error.
  dir.write("migrations/main/aa01_first.sql",
            strata::test::revision_text("aa0100000001", "", "CREATE TABLE first_t (id INTEGER)", "DROP TABLE first_t"));
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  auto v0 = strata({"--db", "main", "verify"}, url);
  EXPECT_EQ(v0.exit_code, 0) << v0.out << v0.err;
  EXPECT_TRUE(has(v0.out, "unverified: ")) << v0.out;
  EXPECT_TRUE(has(v0.out, "revision aa0100000001 is applied, but the applied log has no checksum")) << v0.out;
  EXPECT_TRUE(has(v0.out, "(no applied log in this database)")) << v0.out;
  EXPECT_FALSE(table(url, "alembic_version_log"));

  // Strata's chain: the same ids, and one more revision.
  dir.write("migrations/main/aa01_first.sql",
            strata::test::revision_text("aa0100000001", "", "CREATE TABLE first_t (id INTEGER)", "DROP TABLE first_t"));
  dir.write("migrations/main/aa02_second.sql",
            strata::test::revision_text("aa0200000002", "aa0100000001", "CREATE TABLE second_t (id INTEGER)", "DROP TABLE second_t"));
  dir.write("migrations/main/aa03_third.sql",
            strata::test::revision_text("aa0300000003", "aa0200000002", "CREATE TABLE third_t (id INTEGER)", "DROP TABLE third_t"));
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  auto up = strata({"--db", "main", "upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(version(url), Rows{"aa0300000003"});
  EXPECT_TRUE(table(url, "second_t"));
  EXPECT_TRUE(table(url, "third_t"));
  auto v1 = strata({"--db", "main", "verify"}, url);
  EXPECT_EQ(v1.exit_code, 0) << v1.out << v1.err;
  EXPECT_TRUE(has(v1.out, "verified: 2 ok, 0 changed, 0 missing, 1 unverified, 0 pending")) << v1.out;

  // Back to a revision Alembic knows; Alembic takes over from there.
  auto down = strata({"--db", "main", "downgrade", "aa0200000002"}, url);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  auto [rc2, out2] = alembic("current");
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_TRUE(has(out2, "aa0200000002 (head)")) << out2;
  auto [rc3, out3] = alembic("downgrade base");
  ASSERT_EQ(rc3, 0) << out3;
  EXPECT_EQ(version(url), Rows{});
  EXPECT_FALSE(table(url, "first_t"));
}

// A run that times out waiting for the lock must not take the progress row
// of the run that holds it (which is simply working) for its own failure.
TEST_P(Scenario, LockTimeoutWhileAnotherRunIsMidRevisionReportsOnlyTheTimeout) {
  dir.write("migrations/main/1_t.sql", strata::test::revision_text("m1", "", "CREATE TABLE m_data (id INTEGER)", "DROP TABLE m_data"));
  dir.write("migrations/main/2_t.sql", strata::test::revision_text("m2", "m1", "CREATE TABLE m_more (id INTEGER);\nCREATE TABLE m_last (id INTEGER)",
                                                                   "DROP TABLE m_more", "-- Transactional: false\n"));
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  auto url = fresh_db();
  ASSERT_EQ(strata({"--db", "main", "upgrade", "m1"}, url).exit_code, 0);
  // The other run: holds the lock and is in the middle of m2.
  auto holder = connect(url);
  holder->lock("strata:alembic_version", 5);
  holder->execute("CREATE TABLE IF NOT EXISTS alembic_version_progress (revision VARCHAR(32) NOT NULL, direction VARCHAR(10) NOT NULL, "
                  "statements_done INTEGER NOT NULL, statements_total INTEGER NOT NULL, statement_started INTEGER, "
                  "PRIMARY KEY (revision))");
  holder->execute("INSERT INTO alembic_version_progress VALUES ('m2', 'upgrade', 1, 2, 2)");
  auto r = strata({"--db", "main", "upgrade", "head", "--lock-timeout", "0.3"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "waiting for the migration lock")) << r.err;
  EXPECT_FALSE(has(r.err, "left in the middle")) << r.err;
  EXPECT_FALSE(has(r.err, "in doubt")) << r.err;
  EXPECT_FALSE(has(r.err, "rolled back")) << r.err;
  // `current` sees a run at work, not a half-applied database.
  auto cur = strata({"--db", "main", "current"}, url);
  EXPECT_EQ(cur.exit_code, 0) << cur.err;
  EXPECT_TRUE(has(cur.out + cur.err, "another run is applying revision m2 right now (statement 2 of 2)"))
      << cur.out << cur.err;
  EXPECT_FALSE(has(cur.err, "warning")) << cur.err;
}

// What the server would see differs from what the file shows: refused as
// file:line, exit 2, before anything runs (online and offline).
TEST_P(Scenario, UnterminatedCommentOrQuoteIsRefusedBeforeAnythingRuns) {
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CREATE TABLE a1 (id INTEGER);\n/* the rest is a comment\nCREATE TABLE a2 (id INTEGER)", "comment"},
      {"CREATE TABLE a1 (id INTEGER);\nINSERT INTO a1 VALUES ('oops);\nCREATE TABLE a2 (id INTEGER)", "quote"},
  };
  for (auto& [sql, what] : cases) {
    SCOPED_TRACE(what);
    dir.write("migrations/main/1_t.sql", strata::test::revision_text("u1", "", "CREATE TABLE u0 (id INTEGER)", "DROP TABLE u0"));
    dir.write("migrations/main/2_t.sql", strata::test::revision_text("u2", "u1", sql, "DROP TABLE a1"));
    auto url = fresh_db();
    auto r = strata({"--db", "main", "upgrade", "head"}, url);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_TRUE(has(r.err, "2_t.sql:8: ")) << r.err;
    EXPECT_TRUE(has(r.err, "unterminated")) << r.err;
    EXPECT_TRUE(has(r.err, "nothing was changed")) << r.err;
    EXPECT_FALSE(table(url, "u0")) << "nothing runs, not even the revisions before it";
    EXPECT_FALSE(table(url, "a1"));
    auto off = strata({"--db", "main", "upgrade", "head", "--sql"}, url);
    EXPECT_EQ(off.exit_code, 2) << off.out << off.err;
    EXPECT_TRUE(has(off.err, "2_t.sql:8: ")) << off.err;
  }
}

// Two chains in one database: each database of the config keeps its own
// version table (and run lock), so neither overwrites the other's rows.
TEST_P(Scenario, TwoChainsShareOneDatabaseWithAVersionTableEach) {
  fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n"
                            "[databases.analytics]\nurl = \"${DATABASE_URL}\"\nversion_table = \"analytics_version\"\n");
  auto url = fresh_db();
  auto up = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(version(url), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(version(url, "analytics_version"), Rows{"f7b9d1e3a5c6"});
  auto down = strata({"--db", "analytics", "downgrade", "base"}, url);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(version(url, "analytics_version"), Rows{});
  EXPECT_EQ(version(url), Rows{"5d9b3e7a2f60"});
  EXPECT_TRUE(table(url, "users"));
  EXPECT_FALSE(table(url, "events"));
}

// The applied log and verify: an edited applied revision is named (exit 1),
// a deleted one is reported, --strict refuses to build on an edited one,
// and history --applied lists the runs newest first.
TEST_P(Scenario, AppliedLogVerifyFindsEditedAndDeletedRevisions) {
  auto url = fresh_db();
  fs::create_directories(dir / "migrations/analytics");
  write_config();
  dir.write("migrations/main/v1_a.sql", strata::test::revision_text("v1", "", "CREATE TABLE va (id INTEGER)", "DROP TABLE va"));
  dir.write("migrations/main/v2_b.sql", strata::test::revision_text("v2", "v1", "CREATE TABLE vb (id INTEGER)", "DROP TABLE vb"));
  auto up = strata({"--db", "main", "upgrade", "v2", "--tag", "release-7"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  auto log = connect(url)->query_column("SELECT revision FROM alembic_version_log WHERE outcome = 'ok' ORDER BY id");
  EXPECT_EQ(log, (Rows{"v1", "v2"}));
  EXPECT_EQ(query(url, "SELECT tag FROM alembic_version_log"), (Rows{"release-7", "release-7"}));
  EXPECT_EQ(query(url, "SELECT checksum FROM alembic_version_log WHERE revision = 'v1'"),
            Rows{strata::runner::sql_checksum("CREATE TABLE va (id INTEGER)\n\n")})
      << "SHA-256 of the section as the file holds it";
  dir.write("migrations/main/v3_c.sql", strata::test::revision_text("v3", "v2", "CREATE TABLE vc (id INTEGER)", "DROP TABLE vc"));

  auto clean = strata({"--db", "main", "verify"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_TRUE(has(clean.out, "verified: 2 ok, 0 changed, 0 missing, 0 unverified, 1 pending")) << clean.out;

  // Edit v1 after it ran (CRLF line endings alone are not an edit).
  {
    std::string crlf;
    for (char c : strata::test::revision_text("v1", "", "CREATE TABLE va (id INTEGER)", "DROP TABLE va"))
      crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    dir.write("migrations/main/v1_a.sql", crlf);
  }
  EXPECT_EQ(strata({"--db", "main", "verify"}, url).exit_code, 0) << "line endings are normalised";
  dir.write("migrations/main/v1_a.sql",
            strata::test::revision_text("v1", "", "CREATE TABLE va (id BIGINT)", "DROP TABLE va"));
  auto edited = strata({"--db", "main", "verify"}, url);
  EXPECT_EQ(edited.exit_code, 1) << edited.out << edited.err;
  EXPECT_TRUE(has(edited.err, "changed: " + (dir / "migrations/main/v1_a.sql") + ": revision v1 was edited after it ran"))
      << edited.err;
  auto js = strata({"--db", "main", "--json", "verify"}, url);
  EXPECT_EQ(js.exit_code, 1);
  EXPECT_TRUE(has(js.out, "\"status\": \"changed\"")) << js.out;

  // upgrade warns; --strict refuses and runs nothing.
  auto strict = strata({"--db", "main", "upgrade", "head", "--strict"}, url);
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_TRUE(has(strict.err, "revision v1 (")) << strict.err;
  EXPECT_TRUE(has(strict.err, "main: nothing ran: database at v2")) << strict.err;
  EXPECT_FALSE(has(strict.err, "rolled back")) << strict.err;
  EXPECT_EQ(version(url), Rows{"v2"});
  auto warned = strata({"--db", "main", "upgrade", "head"}, url);
  EXPECT_EQ(warned.exit_code, 0) << warned.out << warned.err;
  EXPECT_TRUE(has(warned.err, "warning: revision v1 (")) << warned.err;
  EXPECT_EQ(version(url), Rows{"v3"});
  // At head, with nothing to run, the same: --strict is a gate (before: it
  // passed, "nothing to do", exit 0).
  auto at_head = strata({"--db", "main", "upgrade", "head", "--strict"}, url);
  EXPECT_EQ(at_head.exit_code, 1) << at_head.out << at_head.err;
  EXPECT_TRUE(has(at_head.err, "revision v1 (")) << at_head.err;
  EXPECT_TRUE(has(at_head.err, "main: nothing ran: database at v3")) << at_head.err;
  auto at_head_warned = strata({"--db", "main", "upgrade", "head"}, url);
  EXPECT_EQ(at_head_warned.exit_code, 0) << at_head_warned.err;
  EXPECT_TRUE(has(at_head_warned.err, "warning: revision v1 (")) << at_head_warned.err;

  // Delete the applied head's file: reported as missing.
  dir.write("migrations/main/v1_a.sql", strata::test::revision_text("v1", "", "CREATE TABLE va (id INTEGER)", "DROP TABLE va"));
  fs::remove(dir / "migrations/main/v3_c.sql");
  auto deleted = strata({"--db", "main", "verify"}, url);
  EXPECT_EQ(deleted.exit_code, 1) << deleted.out << deleted.err;
  EXPECT_TRUE(has(deleted.err, "missing: revision v3 is applied, but no file defines it (ran on ")) << deleted.err;

  auto hist = strata({"--db", "main", "history", "--applied"}, url);
  ASSERT_EQ(hist.exit_code, 0) << hist.err;
  auto lines = strata::util::split_list(hist.out, '\n');
  ASSERT_GE(lines.size(), 4u) << hist.out;
  EXPECT_TRUE(has(lines[0], "STARTED (UTC)")) << hist.out;
  EXPECT_TRUE(has(lines[1], "v3") && has(lines[1], "upgrade") && has(lines[1], " ok ")) << hist.out;
  EXPECT_TRUE(has(lines[3], "v1") && has(lines[3], "release-7")) << hist.out;

  // STRATA_NO_LOG=1: no row is written.
  dir.write("migrations/main/v3_c.sql", strata::test::revision_text("v3", "v2", "CREATE TABLE vc (id INTEGER)", "DROP TABLE vc"));
  auto nolog = run_strata({"--db", "main", "downgrade", "-1"}, dir.path(), {"DATABASE_URL=" + url, "STRATA_NO_LOG=1"});
  ASSERT_EQ(nolog.exit_code, 0) << nolog.err;
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM alembic_version_log"), Rows{"3"});
}

INSTANTIATE_TEST_SUITE_P(Dialects, Scenario, ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& info) { return info.param; });

// The design card's deployment: main on PostgreSQL, analytics on MariaDB,
// one command.
TEST(MixedDialects, MainOnPostgresqlAndAnalyticsOnMariadbUpgradeTogether) {
  TempDir dir;
  fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
  fs::copy(strata::test::source_dir() + "/alembic.toml", dir / "alembic.toml");
  const std::string name = "strata_mixed_" + std::to_string(getpid());
  auto pg_admin = admin_url("postgresql"), my_admin = admin_url("mysql");
  connect(pg_admin)->execute("CREATE DATABASE " + name);
  connect(my_admin)->execute("CREATE DATABASE " + name);
  auto pg = with_database(pg_admin, name), my = with_database(my_admin, name);
  auto r = run_strata({"upgrade", "head"}, dir.path(), {"DATABASE_URL=" + pg, "ANALYTICS_DATABASE_URL=" + my});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(connect(pg)->query_column("SELECT version_num FROM alembic_version"), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(connect(my)->query_column("SELECT version_num FROM alembic_version"), Rows{"f7b9d1e3a5c6"});
  EXPECT_TRUE(has(r.out, "main: upgraded <base> -> 5d9b3e7a2f60")) << r.out;
  EXPECT_TRUE(has(r.out, "analytics: upgraded <base> -> f7b9d1e3a5c6")) << r.out;
  connect(pg_admin)->execute("DROP DATABASE " + name + " WITH (FORCE)");
  connect(my_admin)->execute("DROP DATABASE " + name);
}
