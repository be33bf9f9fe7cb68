// The runner's transaction pattern, failure handling and isolation, tested
// against the in-memory fake dialect (tests/plugins/fake_dialect.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "strata/config/config.hpp"
#include "strata/runner/runner.hpp"
#include "test_support.hpp"

using namespace strata;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class RunnerTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  config::Config cfg;
  std::ostringstream out, err;
  runner::Output output{out, err};
  dialect::PluginRegistry plugins{{test::test_plugin_dir()}};

  void SetUp() override { cfg.path = dir / "alembic.toml"; cfg.dir = dir.path(); }

  // A location with three revisions r1 <- r2 <- r3 (ids prefixed with `p`).
  std::string chain(const std::string& loc, const std::string& p, const std::string& r2_headers = "",
                    const std::string& r3_upgrade = "CREATE TABLE t3 (id INT)",
                    const std::string& r2_downgrade = "DROP TABLE t2") {
    dir.write(loc + "/1.sql", test::revision_text(p + "1", "", "CREATE TABLE t1 (id INT)", "DROP TABLE t1"));
    dir.write(loc + "/2.sql", test::revision_text(p + "2", p + "1", "CREATE TABLE t2 (id INT)", r2_downgrade, r2_headers));
    dir.write(loc + "/3.sql", test::revision_text(p + "3", p + "2", r3_upgrade, "DROP TABLE t3"));
    return dir / loc;
  }

  const config::DatabaseConfig& add_db(const std::string& name, const std::string& url, const std::string& location) {
    config::DatabaseConfig db;
    db.name = name;
    db.url_text = url;
    db.url = config::parse_url(url, dir.path());
    db.location = location;
    db.line = static_cast<int>(cfg.databases.size()) + 1;
    cfg.databases.push_back(db);
    return cfg.databases.back();
  }

  std::vector<runner::TargetResult> run(runner::Action action, const std::string& target, int jobs = 1) {
    std::vector<const config::DatabaseConfig*> dbs;
    for (auto& d : cfg.databases) dbs.push_back(&d);
    runner::Runner r(cfg, plugins, output);
    runner::Request req;
    req.action = action;
    req.target = target;
    return r.run(dbs, req, jobs);
  }

  // Calls the fake recorded for `database` (begin, commit, exec:SQL, ...).
  std::vector<std::string> log(const std::string& url) {
    auto u = config::parse_url(url, dir.path());
    dialect::ConnectOptions o;
    o.dialect = u.dialect;
    o.database = u.database;
    dialect::Connection c(plugins.get(u.dialect), o);
    return c.query_column("LOG");
  }

  static long count(const std::vector<std::string>& log, const std::string& entry) {
    return std::count(log.begin(), log.end(), entry);
  }
  static long index_of(const std::vector<std::string>& log, const std::string& prefix) {
    for (size_t i = 0; i < log.size(); ++i)
      if (log[i].rfind(prefix, 0) == 0) return static_cast<long>(i);
    return -1;
  }
};

}  // namespace

TEST_F(RunnerTest, WholeRunIsOneTransactionWhereDdlIsTransactional) {
  const std::string url = "fake://host/whole_run";
  add_db("main", url, chain("main", "a"));
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok) << results[0].error;
  EXPECT_EQ(results[0].to_rows, std::vector<std::string>{"a3"});
  EXPECT_EQ(results[0].steps_done, 3);
  auto l = log(url);
  EXPECT_EQ(count(l, "begin"), 1);
  EXPECT_EQ(count(l, "commit"), 1);
  EXPECT_EQ(count(l, "rollback"), 0);
  EXPECT_LT(index_of(l, "lock:strata:alembic_version"), index_of(l, "begin"));
  EXPECT_LT(index_of(l, "exec:CREATE TABLE t3"), index_of(l, "commit"));
  EXPECT_GT(index_of(l, "unlock:"), index_of(l, "commit"));
  EXPECT_NE(index_of(l, "exec:INSERT INTO alembic_version (version_num) VALUES ('a1')"), -1);
  EXPECT_NE(index_of(l, "exec:UPDATE alembic_version SET version_num='a3' WHERE alembic_version.version_num = 'a2'"), -1);
}

TEST_F(RunnerTest, TransactionPerMigrationCommitsEachRevision) {
  const std::string url = "fake://host/per_migration";
  cfg.transaction_per_migration = true;
  add_db("main", url, chain("main", "b"));
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_TRUE(results[0].ok) << results[0].error;
  auto l = log(url);
  // One for creating/reading the version table, one per revision.
  EXPECT_EQ(count(l, "begin"), 4);
  EXPECT_EQ(count(l, "commit"), 4);
}

TEST_F(RunnerTest, NonTransactionalRevisionRunsBetweenCommitsWithItsProgressRecorded) {
  const std::string url = "fake://host/nontx_revision";
  add_db("main", url, chain("main", "c", "-- Transactional: false\n"));
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_TRUE(results[0].ok) << results[0].error;
  auto l = log(url);
  long t2 = index_of(l, "exec:CREATE TABLE t2");
  ASSERT_NE(t2, -1);
  // What came before is committed; the revision is recorded as running,
  // runs outside any transaction, and its version row and the end of the
  // record are written together.
  long committed = index_of(l, "commit");
  long recorded = index_of(l, "exec:INSERT INTO alembic_version_progress");
  ASSERT_NE(recorded, -1);
  EXPECT_LT(committed, recorded);
  EXPECT_LT(recorded, t2);
  EXPECT_EQ(l[t2 + 1], "exec:UPDATE alembic_version_progress SET statements_done = 1 WHERE revision = 'c2'");
  EXPECT_EQ(l[t2 + 2], "begin");
  EXPECT_EQ(l[t2 + 3], "exec:UPDATE alembic_version SET version_num='c2' WHERE alembic_version.version_num = 'c1'");
  EXPECT_EQ(l[t2 + 4], "exec:DELETE FROM alembic_version_progress");
  EXPECT_EQ(l[t2 + 5], "commit");
  EXPECT_EQ(l[t2 + 6], "begin");  // the run's transaction goes on for c3
  EXPECT_EQ(results[0].to_rows, std::vector<std::string>{"c3"});
}

TEST_F(RunnerTest, FailingRevisionRollsBackTheWholeRunAndNamesFileAndLine) {
  const std::string url = "fake://host/fail_whole";
  auto loc = chain("main", "d", "", "CREATE TABLE t3 (id INT);\nCREATE TABLE FAIL (x INT)");
  add_db("main", url, loc);
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_FALSE(results[0].ok);
  // revision_text puts the upgrade SQL on line 7; the FAIL statement is line 8.
  EXPECT_TRUE(has(results[0].error, loc + "/3.sql:8: fake failure")) << results[0].error;
  EXPECT_TRUE(has(results[0].error, "SQLSTATE XX000")) << results[0].error;
  EXPECT_TRUE(results[0].to_rows.empty());
  EXPECT_EQ(count(log(url), "rollback"), 1);
  EXPECT_TRUE(has(err.str(), "rolled back: database left at <base>")) << err.str();
}

TEST_F(RunnerTest, WithoutTransactionalDdlAFailureIsRecordedStatementByStatement) {
  const std::string url = "fakenontx://host/fail_nontx";
  auto loc = chain("main", "e", "", "CREATE TABLE t3a (id INT);\nCREATE TABLE t3b (id INT);\nCREATE TABLE FAIL (x INT);\nCREATE TABLE t3d (id INT)");
  add_db("main", url, loc);
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_FALSE(results[0].ok);
  // Earlier revisions are committed; the failing one is recorded as 2 of 4.
  EXPECT_EQ(results[0].to_rows, std::vector<std::string>{"e2"});
  EXPECT_EQ(results[0].mid_revision, "e3 upgrade 2/4");
  EXPECT_TRUE(has(results[0].error, loc + "/3.sql:9: fake failure in: CREATE TABLE FAIL (x INT)")) << results[0].error;
  EXPECT_TRUE(has(results[0].error, "[revision e3, statement 3 of 4]")) << results[0].error;
  EXPECT_TRUE(has(err.str(), "2 of 4 statements completed; statement 3 (" + loc + "/3.sql:9) did not")) << err.str();

  // A plain rerun refuses to touch the database and says how to settle it.
  auto again = run(runner::Action::Upgrade, "head");
  ASSERT_FALSE(again[0].ok);
  EXPECT_TRUE(has(again[0].error, "database was left in the middle of the upgrade of revision e3")) << again[0].error;
  EXPECT_TRUE(has(again[0].error, "upgrade TARGET --resume")) << again[0].error;
  EXPECT_TRUE(has(again[0].error, "resolve applied")) << again[0].error;
  EXPECT_EQ(index_of(log(url), "exec:CREATE TABLE t3d"), -1);
}

TEST_F(RunnerTest, ResumeRunsFromTheFailedStatementOnce) {
  const std::string url = "fakenontx://host/resume";
  const std::string loc = chain("main", "r", "", "CREATE TABLE t3a (id INT);\nCREATE TABLE FAIL (x INT);\nCREATE TABLE t3c (id INT)");
  add_db("main", url, loc);
  ASSERT_FALSE(run(runner::Action::Upgrade, "head")[0].ok);
  // The user fixes the statement in the file, then resumes.
  test::TempDir unused;
  dir.write("main/3.sql", test::revision_text("r3", "r2", "CREATE TABLE t3a (id INT);\nCREATE TABLE t3b (id INT);\nCREATE TABLE t3c (id INT)", "DROP TABLE t3"));
  runner::Runner r(cfg, plugins, output);
  runner::Request req;
  req.action = runner::Action::Upgrade;
  req.target = "head";
  req.resume = true;
  std::vector<const config::DatabaseConfig*> dbs{&cfg.databases[0]};
  auto res = r.run(dbs, req, 1);
  ASSERT_TRUE(res[0].ok) << res[0].error;
  EXPECT_EQ(res[0].to_rows, std::vector<std::string>{"r3"});
  auto l = log(url);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3a (id INT)"), 1) << "statement 1 completed before and is not run again";
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3b (id INT)"), 1);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3c (id INT)"), 1);
  EXPECT_TRUE(has(out.str(), "resuming r3 at statement 2 of 3")) << out.str();
  EXPECT_TRUE(run(runner::Action::Current, "")[0].mid_revision.empty());
}

TEST_F(RunnerTest, ResolveAppliedRecordsTheRevisionAndResolveRevertedForgetsIt) {
  const std::string url = "fakenontx://host/resolve";
  add_db("main", url, chain("main", "s", "", "CREATE TABLE s_ok (x INT);\nCREATE TABLE FAIL (x INT)"));
  ASSERT_FALSE(run(runner::Action::Upgrade, "head")[0].ok);
  auto resolved = run(runner::Action::Resolve, "");
  ASSERT_TRUE(resolved[0].ok) << resolved[0].error;  // resolve_applied defaults to false: reverted
  EXPECT_EQ(resolved[0].to_rows, std::vector<std::string>{"s2"});
  EXPECT_TRUE(run(runner::Action::Current, "")[0].mid_revision.empty());

  ASSERT_FALSE(run(runner::Action::Upgrade, "head")[0].ok);
  runner::Runner r(cfg, plugins, output);
  runner::Request req;
  req.action = runner::Action::Resolve;
  req.resolve_applied = true;
  std::vector<const config::DatabaseConfig*> dbs{&cfg.databases[0]};
  auto res = r.run(dbs, req, 1);
  ASSERT_TRUE(res[0].ok) << res[0].error;
  EXPECT_EQ(res[0].to_rows, std::vector<std::string>{"s3"});
  auto cur = run(runner::Action::Current, "");
  EXPECT_EQ(cur[0].from_rows, std::vector<std::string>{"s3"});
  EXPECT_TRUE(cur[0].mid_revision.empty());
}

TEST_F(RunnerTest, OneDatabaseFailingDoesNotStopTheOthers) {
  add_db("good", "fake://host/iso_good", chain("good", "f"));
  add_db("bad", "fake://host/iso_bad", chain("bad", "g", "", "CREATE TABLE FAIL (x INT)"));
  add_db("also_good", "fake://host/iso_good2", chain("also_good", "h"));
  auto results = run(runner::Action::Upgrade, "head", 3);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_FALSE(results[1].ok);
  EXPECT_TRUE(results[2].ok);
  EXPECT_EQ(results[2].to_rows, std::vector<std::string>{"h3"});
  // With several databases every line carries the database's name.
  EXPECT_TRUE(has(out.str(), "good: Running upgrade  -> f1")) << out.str();
  EXPECT_TRUE(has(err.str(), "bad: error: ")) << err.str();
}

TEST_F(RunnerTest, UnreachableDatabaseFailsWithMaskedUrl) {
  add_db("main", "fake://app:s3cret@host/unreachable", chain("main", "i"));
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_FALSE(results[0].ok);
  EXPECT_TRUE(has(results[0].error, "cannot connect to fake://app:***@host/unreachable")) << results[0].error;
  EXPECT_FALSE(has(results[0].error + out.str() + err.str(), "s3cret"));
}

TEST_F(RunnerTest, DowngradeThroughRevisionWithoutDowngradeRefusesBeforeRunning) {
  const std::string url = "fake://host/no_downgrade";
  add_db("main", url, chain("main", "j", "", "CREATE TABLE t3 (id INT)", "<none>"));
  ASSERT_TRUE(run(runner::Action::Upgrade, "head")[0].ok);
  auto results = run(runner::Action::Downgrade, "base");
  ASSERT_FALSE(results[0].ok);
  EXPECT_TRUE(has(results[0].error, "revision j2 has no '-- +downgrade' section")) << results[0].error;
  EXPECT_EQ(results[0].to_rows, std::vector<std::string>{"j3"});
  EXPECT_EQ(index_of(log(url), "exec:DROP TABLE t3"), -1);
}

TEST_F(RunnerTest, DowngradeMinusOneThenUpgradeIsIdempotent) {
  const std::string url = "fake://host/down_up";
  add_db("main", url, chain("main", "k"));
  ASSERT_TRUE(run(runner::Action::Upgrade, "head")[0].ok);
  auto down = run(runner::Action::Downgrade, "-1");
  ASSERT_TRUE(down[0].ok) << down[0].error;
  EXPECT_EQ(down[0].to_rows, std::vector<std::string>{"k2"});
  auto up = run(runner::Action::Upgrade, "head");
  EXPECT_EQ(up[0].steps_done, 1);
  auto again = run(runner::Action::Upgrade, "head");
  EXPECT_EQ(again[0].steps_done, 0);
  EXPECT_EQ(again[0].to_rows, std::vector<std::string>{"k3"});
}
