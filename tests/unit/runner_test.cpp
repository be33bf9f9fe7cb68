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

  void exec(const std::string& url, const std::string& sql) {
    auto u = config::parse_url(url, dir.path());
    dialect::ConnectOptions o;
    o.dialect = u.dialect;
    o.database = u.database;
    dialect::Connection c(plugins.get(u.dialect), o);
    c.execute(sql);
  }

  // What a run killed while statement `started` of r3 ran leaves behind.
  void leave_record(const std::string& url, const std::string& rev, int done, int total, int started) {
    exec(url, "INSERT INTO `alembic_version_progress` (revision, direction, statements_done, statements_total, "
              "statement_started) VALUES ('" + rev + "', 'upgrade', 0, " + std::to_string(total) + ", " +
              (started ? std::to_string(started) : std::string("NULL")) + ")");
    exec(url, "UPDATE `alembic_version_progress` SET statements_done = " + std::to_string(done) +
              ", statement_started = " + (started ? std::to_string(started) : std::string("NULL")) +
              " WHERE revision = '" + rev + "'");
  }

  std::vector<runner::TargetResult> resume(int64_t from, int64_t after) {
    runner::Runner r(cfg, plugins, output);
    runner::Request req;
    req.action = runner::Action::Upgrade;
    req.target = "head";
    req.resume = true;
    req.resume_from = from;
    req.resume_after = after;
    std::vector<const config::DatabaseConfig*> dbs{&cfg.databases[0]};
    return r.run(dbs, req, 1);
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
  EXPECT_NE(index_of(l, "exec:INSERT INTO `alembic_version` (version_num) VALUES ('a1')"), -1);
  EXPECT_NE(index_of(l, "exec:UPDATE `alembic_version` SET version_num='a3' WHERE `alembic_version`.version_num = 'a2'"), -1);
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
  long recorded = index_of(l, "exec:INSERT INTO `alembic_version_progress`");
  ASSERT_NE(recorded, -1);
  EXPECT_LT(committed, recorded);
  EXPECT_LT(recorded, t2);
  // A statement that can share a transaction commits with its progress;
  // the last one, with the version row, the end of the record and the
  // applied log's row, all in one transaction.
  EXPECT_EQ(l[t2 - 1], "begin");
  EXPECT_EQ(l[t2 + 1], "exec:UPDATE `alembic_version` SET version_num='c2' WHERE `alembic_version`.version_num = 'c1'");
  EXPECT_EQ(l[t2 + 2], "exec:DELETE FROM `alembic_version_progress`");
  EXPECT_EQ(l[t2 + 3].rfind("exec:INSERT INTO `alembic_version_log` (id, revision, direction, checksum, started_at, "
                            "duration_ms, outcome, strata_version, host, os_user, tag) VALUES (",
                            0),
            0u)
      << l[t2 + 3];
  EXPECT_NE(l[t2 + 3].find("'c2', 'upgrade', '"), std::string::npos) << l[t2 + 3];
  EXPECT_NE(l[t2 + 3].find(", 'ok', '"), std::string::npos) << l[t2 + 3];
  EXPECT_EQ(l[t2 + 4], "commit");
  EXPECT_EQ(l[t2 + 5], "begin");  // the run's transaction goes on for c3
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
  EXPECT_TRUE(has(again[0].error, "strata --db main upgrade head --resume ")) << again[0].error;
  // The failing run showed its error: "after fixing the cause". A later run
  // reads the record without knowing why it stopped (a kill, too).
  EXPECT_TRUE(has(err.str(), "  after fixing the cause: strata --db main upgrade head --resume")) << err.str();
  EXPECT_TRUE(has(again[0].error, "  to go on from there:   strata --db main upgrade head --resume")) << again[0].error;
  EXPECT_TRUE(has(again[0].error, "resolve applied")) << again[0].error;
  EXPECT_EQ(index_of(log(url), "exec:CREATE TABLE t3d"), -1);
}

// The advice's commands can be run as printed: the run's target when it is
// absolute, the revision its plan was heading for when it was relative (a
// relative one would count from where the run stopped), else a placeholder.
TEST_F(RunnerTest, ResumeAdviceNamesATargetThatCanBeRunAsPrinted) {
  const std::string url = "fakenontx://host/advice";
  auto loc = chain("main", "v", "", "CREATE TABLE t3a (id INT);\nCREATE TABLE FAIL (x INT)");
  add_db("main", url, loc);
  ASSERT_TRUE(run(runner::Action::Upgrade, "v1")[0].ok);
  auto relative = run(runner::Action::Upgrade, "+2");
  ASSERT_FALSE(relative[0].ok);
  EXPECT_EQ(relative[0].mid_revision, "v3 upgrade 1/2");
  EXPECT_TRUE(has(err.str(), "strata --db main upgrade v3 --resume ")) << err.str();
  EXPECT_FALSE(has(err.str(), "+2 --resume")) << err.str();
  // Refused before it plans: a relative target is not known to be right.
  auto refused = run(runner::Action::Upgrade, "+1");
  EXPECT_TRUE(has(refused[0].error, "strata --db main upgrade TARGET --resume ")) << refused[0].error;
  auto labelled = run(runner::Action::Upgrade, "main@head");
  EXPECT_TRUE(has(labelled[0].error, "strata --db main upgrade main@head --resume ")) << labelled[0].error;
  // The other direction's target says nothing about this record's.
  auto other_way = run(runner::Action::Downgrade, "base");
  EXPECT_TRUE(has(other_way[0].error, "strata --db main upgrade TARGET --resume ")) << other_way[0].error;
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

// The record counts statements of the file as it was. Before: a statement
// added above the failed one made --resume run the one before it again
// (an INSERT twice), with only a note.
TEST_F(RunnerTest, ResumeRefusesWhenTheFileNoLongerHasTheRecordedStatementCount) {
  const std::string url = "fakenontx://host/resume_count";
  const std::string loc = chain("main", "q", "", "CREATE TABLE t3a (id INT);\nINSERT INTO t3a VALUES (1);\nCREATE TABLE FAIL (x INT)");
  add_db("main", url, loc);
  ASSERT_FALSE(run(runner::Action::Upgrade, "head")[0].ok);
  // Fixed, and a statement added at the top: statement 3 is now the INSERT.
  dir.write("main/3.sql", test::revision_text("q3", "q2", "SET x = 1;\nCREATE TABLE t3a (id INT);\nINSERT INTO t3a VALUES (1);\nCREATE TABLE t3c (x INT)", "DROP TABLE t3"));
  auto plain = resume(0, 0);
  ASSERT_FALSE(plain[0].ok);
  EXPECT_TRUE(has(plain[0].error, "cannot resume q3: " + loc + "/3.sql now has 4 statements in its upgrade section, "
                                  "and the record was made when it had 3 (2 completed)")) << plain[0].error;
  EXPECT_TRUE(has(plain[0].error, "strata --db main upgrade head --resume-from K")) << plain[0].error;
  EXPECT_EQ(count(log(url), "exec:INSERT INTO t3a VALUES (1)"), 1) << "nothing was run";
  EXPECT_EQ(run(runner::Action::Current, "")[0].mid_revision, "q3 upgrade 2/3");
  // Said where, it goes on from there.
  auto told = resume(4, 0);
  ASSERT_TRUE(told[0].ok) << told[0].error;
  auto l = log(url);
  EXPECT_EQ(count(l, "exec:INSERT INTO t3a VALUES (1)"), 1);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3c (x INT)"), 1);
  EXPECT_EQ(count(l, "exec:SET x = 1"), 0);
}

// Every statement ran, and the version write did not commit: the advice
// says so rather than naming a statement past the last.
TEST_F(RunnerTest, ARecordOfEveryStatementDoneSaysTheVersionWriteIsWhatIsMissing) {
  const std::string url = "fakenontx://host/all_done";
  add_db("main", url, chain("main", "w", "", "CREATE TABLE w3a (id INT);\nCREATE TABLE w3b (id INT)"));
  ASSERT_TRUE(run(runner::Action::Upgrade, "w2")[0].ok);
  leave_record(url, "w3", 2, 2, 0);
  auto plain = run(runner::Action::Upgrade, "head");
  ASSERT_FALSE(plain[0].ok);
  EXPECT_TRUE(has(plain[0].error, "2 of 2 statements completed; the run ended before its version write committed"))
      << plain[0].error;
  EXPECT_FALSE(has(plain[0].error, "statement 3")) << plain[0].error;
  auto resumed = resume(0, 0);
  ASSERT_TRUE(resumed[0].ok) << resumed[0].error;
  EXPECT_EQ(resumed[0].to_rows, std::vector<std::string>{"w3"});
  EXPECT_EQ(count(log(url), "exec:CREATE TABLE w3a (id INT)"), 0);
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

// A statement that cannot share a transaction is announced before it is
// sent; one that can commits together with its progress update.
TEST_F(RunnerTest, TrackedStatementsAreAnnouncedOrCommittedWithTheirProgress) {
  const std::string url = "fakenontx://host/announce";
  add_db("main", url,
         chain("main", "a", "", "CREATE TABLE t3 NOTX (id INT);\nINSERT INTO t1 VALUES (1);\nINSERT INTO t1 VALUES (2)"));
  auto results = run(runner::Action::Upgrade, "head");
  ASSERT_TRUE(results[0].ok) << results[0].error;
  auto l = log(url);
  long ddl = index_of(l, "exec:CREATE TABLE t3 NOTX");
  ASSERT_GT(ddl, 0);
  // Announced before it is sent, counted after.
  EXPECT_EQ(l[ddl - 1],
            "exec:INSERT INTO `alembic_version_progress` (revision, direction, statements_done, statements_total, "
            "statement_started) VALUES ('a3', 'upgrade', 0, 3, 1)");
  EXPECT_EQ(l[ddl + 1],
            "exec:UPDATE `alembic_version_progress` SET statements_done = 1, statement_started = NULL WHERE revision = 'a3'");
  // Committed with its progress update.
  EXPECT_EQ(l[ddl + 2], "begin");
  EXPECT_EQ(l[ddl + 3], "exec:INSERT INTO t1 VALUES (1)");
  EXPECT_EQ(l[ddl + 4],
            "exec:UPDATE `alembic_version_progress` SET statements_done = 2, statement_started = NULL WHERE revision = 'a3'");
  EXPECT_EQ(l[ddl + 5], "commit");
  // The last one: committed with the revision's completion.
  EXPECT_EQ(l[ddl + 6], "begin");
  EXPECT_EQ(l[ddl + 7], "exec:INSERT INTO t1 VALUES (2)");
  EXPECT_EQ(l[ddl + 8], "exec:UPDATE `alembic_version` SET version_num='a3' WHERE `alembic_version`.version_num = 'a2'");
  EXPECT_EQ(l[ddl + 9], "exec:DELETE FROM `alembic_version_progress`");
  EXPECT_EQ(l[ddl + 10].rfind("exec:INSERT INTO `alembic_version_log`", 0), 0u) << l[ddl + 10];
  EXPECT_EQ(l[ddl + 11], "commit");
}

TEST_F(RunnerTest, AStatementInDoubtIsNeverRunAgainUnlessTheUserSaysSo) {
  const std::string url = "fakenontx://host/in_doubt";
  const std::string loc =
      chain("main", "d", "", "CREATE TABLE t3a NOTX (id INT);\nINSERT INTO t3a VALUES (1);\nCREATE TABLE t3c NOTX (x INT)");
  add_db("main", url, loc);
  ASSERT_TRUE(run(runner::Action::Upgrade, "d2")[0].ok);
  leave_record(url, "d3", 0, 3, 1);  // killed while statement 1 ran

  auto plain = run(runner::Action::Upgrade, "head");
  ASSERT_FALSE(plain[0].ok);
  EXPECT_TRUE(has(plain[0].error, "statement 1 (" + loc + "/3.sql:7) is in doubt")) << plain[0].error;
  EXPECT_TRUE(has(plain[0].error, "check the database for the effect of statement 1: CREATE TABLE t3a NOTX (id INT)"))
      << plain[0].error;
  EXPECT_TRUE(has(plain[0].error, "strata --db main upgrade head --resume-after 1")) << plain[0].error;
  EXPECT_TRUE(has(plain[0].error, "strata --db main upgrade head --resume-from 1")) << plain[0].error;
  EXPECT_EQ(plain[0].mid_revision, "d3 upgrade 0/3 in-doubt 1");

  auto bare = resume(0, 0);
  ASSERT_FALSE(bare[0].ok);
  EXPECT_TRUE(has(bare[0].error, "--resume alone never re-runs a statement that may have taken effect"))
      << bare[0].error;
  EXPECT_EQ(index_of(log(url), "exec:CREATE TABLE t3a"), -1);
  EXPECT_EQ(run(runner::Action::Current, "")[0].mid_revision, "d3 upgrade 0/3 in-doubt 1") << "the record is kept";

  // The user checked: the table is there. Statement 1 is not run again.
  auto after = resume(0, 1);
  ASSERT_TRUE(after[0].ok) << after[0].error;
  auto l = log(url);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3a NOTX (id INT)"), 0);
  EXPECT_EQ(count(l, "exec:INSERT INTO t3a VALUES (1)"), 1);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3c NOTX (x INT)"), 1);
  EXPECT_EQ(after[0].to_rows, std::vector<std::string>{"d3"});
  EXPECT_TRUE(run(runner::Action::Current, "")[0].mid_revision.empty());
}

TEST_F(RunnerTest, ResumeFromRunsTheStatementInDoubtAgainAndChecksTheNumber) {
  const std::string url = "fakenontx://host/resume_from";
  add_db("main", url, chain("main", "f", "", "CREATE TABLE t3a NOTX (id INT);\nCREATE TABLE t3b NOTX (x INT)"));
  ASSERT_TRUE(run(runner::Action::Upgrade, "f2")[0].ok);
  leave_record(url, "f3", 1, 2, 2);
  auto beyond = resume(3, 0);
  ASSERT_FALSE(beyond[0].ok);
  EXPECT_TRUE(has(beyond[0].error, "--resume-from 3: revision f3 has 2 statements")) << beyond[0].error;
  auto from = resume(2, 0);
  ASSERT_TRUE(from[0].ok) << from[0].error;
  auto l = log(url);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3a NOTX (id INT)"), 0);
  EXPECT_EQ(count(l, "exec:CREATE TABLE t3b NOTX (x INT)"), 1);
  EXPECT_TRUE(has(out.str(), "resuming f3 at statement 2 of 2")) << out.str();
}

// Only success, resolve or stamp drop a record: not a failed resume, and not
// a first statement that can fail with effects left behind.
TEST_F(RunnerTest, AFailedResumeOrAPartialFailureKeepsTheRecord) {
  const std::string url = "fakenontx://host/keep";
  add_db("main", url, chain("main", "k", "", "CREATE TABLE FAIL NOTX (x INT);\nCREATE TABLE t3b (x INT)"));
  // A fresh run whose first statement fails cleanly leaves nothing to record.
  ASSERT_FALSE(run(runner::Action::Upgrade, "head")[0].ok);
  EXPECT_TRUE(run(runner::Action::Current, "")[0].mid_revision.empty());
  // A resume that fails at the same place keeps its record.
  leave_record(url, "k3", 0, 2, 0);
  auto again = resume(0, 0);
  ASSERT_FALSE(again[0].ok);
  EXPECT_EQ(run(runner::Action::Current, "")[0].mid_revision, "k3 upgrade 0/2");
  EXPECT_FALSE(has(err.str(), "rolled back: database left at")) << err.str();

  const std::string url2 = "fakenontx://host/keep_partial";
  cfg.databases.clear();
  add_db("main", url2, chain("main2", "p", "", "CREATE INDEX PARTIAL FAIL ON t1 (id)"));
  ASSERT_FALSE(run(runner::Action::Upgrade, "head")[0].ok);
  EXPECT_EQ(run(runner::Action::Current, "")[0].mid_revision, "p3 upgrade 0/1")
      << "an index build that failed may have left an invalid index: the record stays";
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
