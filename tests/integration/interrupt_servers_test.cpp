// Ctrl-C during a run on the servers, where batching holds statements and
// COMMITs back: the built strata binary against fresh PostgreSQL and
// MariaDB databases (servers started by scripts/test.sh). As the README
// says: a whole-run transaction rolls back, per-revision transactions keep
// what committed, exit status 130, and no revision is left half-applied by
// the stop itself.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "db_support.hpp"
#include "test_support.hpp"

namespace {

using strata::test::admin_url;
using strata::test::connect;
using strata::test::TempDir;
using strata::test::with_database;
using Rows = std::vector<std::string>;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class InterruptOnServer : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::vector<std::string> created;

  std::string dialect() const { return GetParam(); }

  std::string fresh_db() {
    static std::atomic<int> counter{0};
    std::string name = "strata_i" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    auto c = connect(admin_url(dialect()));
    c->execute("CREATE DATABASE " + name);
    created.push_back(name);
    return with_database(admin_url(dialect()), name);
  }

  void TearDown() override {
    auto c = connect(admin_url(dialect()));
    for (auto& name : created) {
      try {
        c->execute(dialect() == "postgresql" ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                                             : "DROP DATABASE IF EXISTS " + name);
      } catch (const std::exception&) {
      }
    }
  }

  // i1 makes a table; i2 sleeps 2.5 s, then changes data (its last
  // statement shares the COMMIT that batching holds back); i3 makes another.
  void write_chain(const std::string& config_extra = "") {
    const std::string sleep = dialect() == "postgresql" ? "SELECT pg_sleep(2.5);" : "DO SLEEP(2.5);";
    dir.write("migrations/main/1.sql", strata::test::revision_text("i1", "", "CREATE TABLE one (x INTEGER);",
                                                                    "DROP TABLE one;"));
    dir.write("migrations/main/2.sql",
              strata::test::revision_text("i2", "i1", sleep + "\nCREATE TABLE two (x INTEGER);\nINSERT INTO one VALUES (1);",
                                          "DROP TABLE two;\nDELETE FROM one;"));
    dir.write("migrations/main/3.sql", strata::test::revision_text("i3", "i2", "CREATE TABLE three (x INTEGER);",
                                                                    "DROP TABLE three;"));
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n" + config_extra +
                                  "[databases.main]\nurl = \"${DATABASE_URL}\"\nlocation = \"migrations/main\"\n");
  }

  // Runs `upgrade TARGET` and sends SIGINT while i2's sleep runs (on this
  // test's database: other tests may sleep at the same time).
  strata::test::RunResult interrupted_upgrade(const std::string& url, const std::string& target) {
    const std::string& name = created.back();
    const std::string probe =
        dialect() == "postgresql"
            ? "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name +
                  "' AND query LIKE '%pg_sleep(2.5)%' AND pid <> pg_backend_pid()"
            : "SELECT count(*) FROM information_schema.processlist WHERE db = '" + name +
                  "' AND info LIKE '%SLEEP(2.5)%' AND id <> connection_id()";
    auto watcher = connect(admin_url(dialect()));
    return strata::test::run_strata_signalled(
        {"upgrade", target}, dir.path(), {"DATABASE_URL=" + url},
        [&](pid_t) {
          auto n = watcher->query_column(probe);
          return !n.empty() && n[0] != "0";
        },
        SIGINT);
  }

  Rows rows(const std::string& url, const std::string& sql) {
    auto r = connect(url)->query_column(sql);
    std::sort(r.begin(), r.end());
    return r;
  }
  bool table(const std::string& url, const std::string& name) { return connect(url)->table_exists(nullptr, name); }
  Rows version(const std::string& url) {
    return table(url, "alembic_version") ? rows(url, "SELECT version_num FROM alembic_version") : Rows{};
  }
  Rows progress(const std::string& url) {
    return table(url, "alembic_version_progress") ? rows(url, "SELECT revision FROM alembic_version_progress")
                                                  : Rows{};
  }
};

// Before: PostgreSQL's whole-run transaction had every revision queued in
// one pipeline when the signal came, committed it all and exited 0.
TEST_P(InterruptOnServer, AWholeRunTransactionRollsBackWhateverRevisionWasRunning) {
  if (dialect() != "postgresql") GTEST_SKIP() << "MariaDB commits each revision";
  write_chain();
  for (const std::string target : {"head", "i2"}) {
    const std::string url = fresh_db();
    auto r = interrupted_upgrade(url, target);
    EXPECT_EQ(r.exit_code, 130) << target << "\n" << r.out << r.err;
    EXPECT_TRUE(has(r.err, "main: rolled back: database left at <base>")) << r.err;
    EXPECT_EQ(version(url), Rows{}) << target;
    EXPECT_FALSE(table(url, "one")) << target;
  }
}

// Before: MariaDB's revision i2 ran whole, was reported as done, and its
// COMMIT (held for the next batch) was dropped by the stop: its data change
// and version write rolled back, and the next run found it half-applied.
TEST_P(InterruptOnServer, PerRevisionTransactionsKeepTheRevisionThatFinished) {
  write_chain(dialect() == "postgresql" ? "transaction_per_migration = true\n" : "");
  const std::string url = fresh_db();
  auto r = interrupted_upgrade(url, "head");
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "interrupted before i3: stopped between revisions")) << r.err;
  EXPECT_EQ(version(url), Rows{"i2"});
  EXPECT_EQ(rows(url, "SELECT x FROM one"), Rows{"1"});
  EXPECT_EQ(progress(url), Rows{});
  EXPECT_FALSE(table(url, "three"));
  EXPECT_FALSE(has(r.err, "left in the middle")) << r.err;
  // The next run goes on from there.
  auto again = strata::test::run_strata({"upgrade", "head"}, dir.path(), {"DATABASE_URL=" + url});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(version(url), Rows{"i3"});
  EXPECT_EQ(rows(url, "SELECT x FROM one"), Rows{"1"});
}

// Before: interrupted in its last revision, a MariaDB run exited 0 without
// a word; the stop is now reported, with everything that ran committed.
TEST_P(InterruptOnServer, InTheLastRevisionPerRevisionRunsCommitAndSaySo) {
  write_chain(dialect() == "postgresql" ? "transaction_per_migration = true\n" : "");
  const std::string url = fresh_db();
  auto r = interrupted_upgrade(url, "i2");
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "interrupted during the last revision, which finished")) << r.err;
  EXPECT_EQ(version(url), Rows{"i2"});
  EXPECT_EQ(rows(url, "SELECT x FROM one"), Rows{"1"});
  EXPECT_EQ(progress(url), Rows{});
}

INSTANTIATE_TEST_SUITE_P(Servers, InterruptOnServer, ::testing::Values("postgresql", "mysql"),
                         [](const auto& info) { return info.param; });

}  // namespace
