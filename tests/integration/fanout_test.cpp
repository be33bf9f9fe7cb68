// Orchestration: fan-out to many SQLite files through [environments.NAME],
// per-database targets, --fail-fast, --shard, cross-database Depends On,
// --json, SIGINT between revisions. The real binary on real files.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "strata/util/strings.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using strata::test::run_strata;
using strata::test::sqlite_rows;
using strata::test::TempDir;
using Rows = std::vector<std::string>;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string rev(const std::string& id, const std::string& revises, const std::string& upgrade,
                const std::string& downgrade, const std::string& headers = "") {
  return strata::test::revision_text(id, revises, upgrade, downgrade, headers);
}

// A chain of `n` revisions m1..mn in `location`, each creating table t_<i>;
// `slow` adds a query that takes a while to each revision.
void write_chain(TempDir& dir, const std::string& location, const std::string& prefix, int n, bool slow = false) {
  const std::string busy =
      slow ? "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT count(*) FROM c;\n"
           : "";
  for (int i = 1; i <= n; ++i) {
    std::string id = prefix + std::to_string(i);
    dir.write(location + "/" + id + ".sql",
              rev(id, i == 1 ? "" : prefix + std::to_string(i - 1), busy + "CREATE TABLE t_" + id + " (x INTEGER);",
                  "DROP TABLE t_" + id + ";"));
  }
}

// alembic.toml with database `main` (and `analytics` if given) and an
// environment "staging" fanning main out to `count` SQLite files.
void write_fleet(TempDir& dir, int count, bool with_analytics = false, const std::string& failing = "") {
  std::string urls;
  for (int i = 0; i < count; ++i)
    urls += "sqlite:///fleet/main_" + std::to_string(i) + (failing == std::to_string(i) ? "_missing/x" : "") + ".db\n";
  fs::create_directories(dir / "fleet");
  dir.write("staging-main.txt", "# staging copies of main\n" + urls);
  std::string toml = "[alembic]\nversion_locations = [\"migrations/main\"" +
                     std::string(with_analytics ? ", \"migrations/analytics\"" : "") +
                     "]\n\n[databases.main]\nurl = \"sqlite:///main.db\"\n";
  if (with_analytics) toml += "[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n";
  toml += "\n[environments.staging]\nmain = { urls_file = \"staging-main.txt\" }\n";
  if (with_analytics) {
    std::string a;
    for (int i = 0; i < count; ++i) a += std::string(i ? ", " : "") + "\"sqlite:///fleet/analytics_" + std::to_string(i) + ".db\"";
    toml += "analytics = [" + a + "]\n";
  }
  dir.write("alembic.toml", toml);
}

Rows version(const std::string& db) {
  if (!fs::exists(db) ||
      sqlite_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'") != Rows{"1"})
    return {};
  return sqlite_rows(db, "SELECT version_num FROM alembic_version");
}

}  // namespace

TEST(Fanout, EnvironmentUpgradesEveryTargetAndOneFailureIsIsolated) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 5);
  write_fleet(dir, 32, false, "7");  // target 7's folder does not exist
  auto r = run_strata({"--env", "staging", "-j", "8", "upgrade", "head"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (int i = 0; i < 32; ++i) {
    if (i == 7) continue;
    EXPECT_EQ(version(dir / ("fleet/main_" + std::to_string(i) + ".db")), Rows{"m5"}) << i;
  }
  EXPECT_TRUE(has(r.err, "main[7]: error: cannot connect to sqlite:///")) << r.err;
  EXPECT_TRUE(has(r.err, "1 of 32 databases failed: main")) << r.err;
  // The summary table: one row per target, a closing count.
  EXPECT_TRUE(has(r.out, "TARGET")) << r.out;
  EXPECT_TRUE(has(r.out, "main[31]  ok")) << r.out;
  EXPECT_TRUE(has(r.out, "main[7]   failed")) << r.out;
  EXPECT_TRUE(has(r.out, "31 ok, 1 failed")) << r.out;
  // Lines from concurrent targets are whole and prefixed.
  for (auto& line : strata::util::split_list(r.out, '\n'))
    if (has(line, "Running upgrade")) {
      EXPECT_EQ(line.rfind("main[", 0), 0u) << line;
    }
  // The main database itself was not part of the fan-out.
  EXPECT_FALSE(fs::exists(dir / "main.db"));
}

TEST(Fanout, FailingRevisionRollsBackThatTargetOnly) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 3);
  write_fleet(dir, 4);
  // Target 2 already has a table the chain's second revision creates.
  ASSERT_EQ(std::system(("sqlite3 '" + (dir / "fleet/main_2.db") + "' 'CREATE TABLE t_m2 (x INTEGER)'").c_str()), 0);
  auto r = run_strata({"--env", "staging", "upgrade", "head"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(version(dir / "fleet/main_0.db"), Rows{"m3"});
  EXPECT_EQ(version(dir / "fleet/main_3.db"), Rows{"m3"});
  EXPECT_EQ(version(dir / "fleet/main_2.db"), Rows{}) << "rolled back as a whole";
  EXPECT_EQ(sqlite_rows(dir / "fleet/main_2.db", "SELECT count(*) FROM sqlite_master WHERE name='t_m1'"), Rows{"0"});
  EXPECT_TRUE(has(r.err, "main[2]: error: " + dir.path() + "/migrations/main/m2.sql:7: table t_m2 already exists"))
      << r.err;
}

TEST(Fanout, FailFastStartsNoMoreTargets) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 2);
  write_fleet(dir, 6, false, "0");
  auto r = run_strata({"--env", "staging", "-j", "1", "--json", "upgrade", "head", "--fail-fast"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  auto report = json::parse(r.out);
  ASSERT_EQ(report["targets"].size(), 6u);
  EXPECT_EQ(report["targets"][0]["status"], "failed");
  for (int i = 1; i < 6; ++i) {
    EXPECT_EQ(report["targets"][i]["status"], "skipped") << i;
    EXPECT_FALSE(fs::exists(dir / ("fleet/main_" + std::to_string(i) + ".db"))) << i;
  }
}

TEST(Fanout, ShardsCoverEveryTargetExactlyOnce) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 1);
  write_fleet(dir, 20);
  std::set<std::string> all;
  auto full = run_strata({"--env", "staging", "--json", "current"}, dir.path());
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto full_report = json::parse(full.out);
  for (auto& t : full_report["targets"]) all.insert(t["name"].get<std::string>());
  ASSERT_EQ(all.size(), 20u);
  for (int n = 1; n <= 5; ++n) {
    std::multiset<std::string> seen;
    for (int k = 1; k <= n; ++k) {
      auto r = run_strata({"--env", "staging", "--shard", std::to_string(k) + "/" + std::to_string(n), "--json", "current"},
                          dir.path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const auto report = json::parse(r.out);
      for (auto& t : report["targets"]) seen.insert(t["name"].get<std::string>());
    }
    EXPECT_EQ(seen.size(), 20u) << "n=" << n;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all) << "n=" << n;
  }
  auto bad = run_strata({"--env", "staging", "--shard", "3/2", "current"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(Fanout, PerDatabaseTargetsInOneCommand) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 4);
  write_chain(dir, "migrations/analytics", "a", 4);
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
            "[databases.main]\nurl = \"sqlite:///main.db\"\n[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n");
  auto r = run_strata({"upgrade", "main=head", "analytics=a2"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m4"});
  EXPECT_EQ(version(dir / "analytics.db"), Rows{"a2"});
  auto only = run_strata({"upgrade", "analytics=+1"}, dir.path());
  ASSERT_EQ(only.exit_code, 0) << only.err;
  EXPECT_EQ(version(dir / "analytics.db"), Rows{"a3"});
  auto mixed = run_strata({"downgrade", "-1", "analytics=base"}, dir.path());
  ASSERT_EQ(mixed.exit_code, 0) << mixed.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m3"});
  EXPECT_EQ(version(dir / "analytics.db"), Rows{});
  auto unknown = run_strata({"upgrade", "nosuch=head"}, dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(has(unknown.err, "no database 'nosuch'")) << unknown.err;
}

TEST(Fanout, CrossDatabaseDependsOnWaitsForTheOtherDatabase) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 3, /*slow=*/true);
  dir.write("migrations/analytics/a1.sql", rev("a1", "", "CREATE TABLE t_a1 (x INTEGER);", "DROP TABLE t_a1;"));
  dir.write("migrations/analytics/a2.sql",
            rev("a2", "a1", "CREATE TABLE t_a2 (x INTEGER);", "DROP TABLE t_a2;", "-- Depends On: main@m3\n"));
  write_fleet(dir, 3, /*with_analytics=*/true);
  auto r = run_strata({"--env", "staging", "-j", "6", "--json", "upgrade", "head"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto report = json::parse(r.out);
  std::map<std::string, json> by_name;
  for (auto& t : report["targets"]) by_name[t["name"]] = t;
  for (int g = 0; g < 3; ++g) {
    auto& main_t = by_name["main[" + std::to_string(g) + "]"];
    auto& an_t = by_name["analytics[" + std::to_string(g) + "]"];
    ASSERT_EQ(main_t["steps"].size(), 3u);
    ASSERT_EQ(an_t["steps"].size(), 2u);
    // main's run is one transaction: it commits after its last step, and
    // a2 starts only then.
    double main_done = main_t["steps"][2]["started"].get<double>() + main_t["steps"][2]["seconds"].get<double>();
    EXPECT_GE(an_t["steps"][1]["started"].get<double>(), main_done) << "group " << g;
    EXPECT_EQ(version(dir / ("fleet/analytics_" + std::to_string(g) + ".db")), Rows{"a2"});
  }
}

TEST(Fanout, CrossDatabaseDependsOnThatCannotBeSatisfiedIsRefused) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 3);
  dir.write("migrations/analytics/a1.sql",
            rev("a1", "", "CREATE TABLE t_a1 (x INTEGER);", "DROP TABLE t_a1;", "-- Depends On: main@m3\n"));
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
            "[databases.main]\nurl = \"sqlite:///main.db\"\n[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n");
  // main only goes to m2 in this run: a1 can never run.
  auto r = run_strata({"upgrade", "main=m2", "analytics=head"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "revision a1 depends on main@m3, which this run will not reach (main ends at m2)")) << r.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m2"});
  EXPECT_EQ(version(dir / "analytics.db"), Rows{});
  // analytics alone, with main outside the run and not at m3.
  auto alone = run_strata({"--db", "analytics", "upgrade", "head"}, dir.path());
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_TRUE(has(alone.err, "but main is at m2 and is not part of this run (add --db main)")) << alone.err;
  // Once main has it, analytics alone can go.
  ASSERT_EQ(run_strata({"--db", "main", "upgrade", "head"}, dir.path()).exit_code, 0);
  auto later = run_strata({"--db", "analytics", "upgrade", "head"}, dir.path());
  EXPECT_EQ(later.exit_code, 0) << later.err;
  // A Depends On naming a database that does not exist is a file error, at
  // the Depends On line (after Revision ID, Revises, Create Date, Message).
  dir.write("migrations/analytics/a2.sql", rev("a2", "a1", "SELECT 1;", "SELECT 1;", "-- Depends On: nowhere@m1\n"));
  auto bad = run_strata({"upgrade", "head"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(has(bad.err, "a2.sql:5: Depends On: nowhere@m1 names database 'nowhere'")) << bad.err;
}

// Before: main could be downgraded below m2 while analytics kept a1, which
// depends on main@m2, with no word.
TEST(Fanout, DowngradingWhatAnotherDatabaseDependsOnIsRefused) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 3);
  dir.write("migrations/analytics/a1.sql",
            rev("a1", "", "CREATE TABLE t_a1 (x INTEGER);", "DROP TABLE t_a1;", "-- Depends On: main@m2\n"));
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
            "[databases.main]\nurl = \"sqlite:///main.db\"\n[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n");
  ASSERT_EQ(run_strata({"upgrade", "head"}, dir.path()).exit_code, 0);
  // m3 is not depended on: it goes.
  auto fine = run_strata({"--db", "main", "downgrade", "-1"}, dir.path());
  ASSERT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m2"});
  auto refused = run_strata({"--db", "main", "downgrade", "base"}, dir.path());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(has(refused.err, "a1.sql:1: revision a1 of analytics depends on main@m2 and is applied there "
                               "(analytics is at a1)")) << refused.err;
  EXPECT_TRUE(has(refused.err, "downgrade it first (strata --db analytics downgrade a1-1); nothing was changed"))
      << refused.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m2"});
  // As printed, then main can go.
  auto first = run_strata({"--db", "analytics", "downgrade", "a1-1"}, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(version(dir / "analytics.db"), Rows{});
  auto then = run_strata({"--db", "main", "downgrade", "base"}, dir.path());
  EXPECT_EQ(then.exit_code, 0) << then.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{});
}

// An Alembic multidb project (one script per revision for every engine)
// imported as a chain per database: the same ids in each. Before: `upgrade
// m2` was refused as naming revisions of several chains, so the runbook's
// `alembic upgrade m2` did not carry over.
TEST(Fanout, AnIdThatEveryChainHoldsMovesEachDatabaseAsAlembicMultidb) {
  TempDir dir;
  for (std::string db : {"main", "analytics"}) {
    dir.write("migrations/" + db + "/1.sql", rev("m1", "", "CREATE TABLE " + db + "_1 (x INTEGER);", "DROP TABLE " + db + "_1;"));
    dir.write("migrations/" + db + "/2.sql", rev("m2", "m1", "CREATE TABLE " + db + "_2 (x INTEGER);", "DROP TABLE " + db + "_2;"));
  }
  dir.write("migrations/main/3.sql", rev("m3", "m2", "CREATE TABLE main_3 (x INTEGER);", "DROP TABLE main_3;"));
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
            "[databases.main]\nurl = \"sqlite:///main.db\"\n[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n");
  auto r = run_strata({"upgrade", "m1"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m1"});
  EXPECT_EQ(version(dir / "analytics.db"), Rows{"m1"});
  auto both = run_strata({"upgrade", "m2"}, dir.path());
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m2"});
  EXPECT_EQ(version(dir / "analytics.db"), Rows{"m2"});
  // An id only one chain holds still moves that database alone.
  auto one = run_strata({"upgrade", "m3"}, dir.path());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(version(dir / "main.db"), Rows{"m3"});
  EXPECT_EQ(version(dir / "analytics.db"), Rows{"m2"});
  // A downgrade moving both still names them.
  auto down = run_strata({"downgrade", "m1"}, dir.path());
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_TRUE(has(down.err, "downgrade m1 would move 2 databases (main, analytics)")) << down.err;
  EXPECT_EQ(version(dir / "analytics.db"), Rows{"m2"});
}

TEST(Fanout, JsonReportHasItsDocumentedShapeAndMasksUrls) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 2);
  write_fleet(dir, 2);
  dir.write("staging-main.txt", "sqlite:///fleet/main_0.db\npostgresql://app:t0p-s3cret@127.0.0.1:1/x?connect_timeout=1\n");
  auto r = run_strata({"--env", "staging", "--json", "upgrade", "head"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(has(r.out + r.err, "t0p-s3cret"));
  auto report = json::parse(r.out);
  EXPECT_EQ(report["command"], "upgrade");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["exit_code"], 1);
  EXPECT_TRUE(report["seconds"].is_number());
  ASSERT_EQ(report["targets"].size(), 2u);
  auto& ok = report["targets"][0];
  EXPECT_EQ(ok["name"], "main[0]");
  EXPECT_EQ(ok["database"], "main");
  EXPECT_EQ(ok["group"], 0);
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_EQ(ok["from"], json::array());
  EXPECT_EQ(ok["to"], json::array({"m2"}));
  ASSERT_EQ(ok["steps"].size(), 2u);
  EXPECT_EQ(ok["steps"][0]["revision"], "m1");
  EXPECT_EQ(ok["steps"][0]["direction"], "upgrade");
  EXPECT_TRUE(ok["steps"][0]["started"].is_number());
  EXPECT_TRUE(ok["steps"][0]["seconds"].is_number());
  EXPECT_TRUE(ok["error"].is_null());
  auto& bad = report["targets"][1];
  EXPECT_EQ(bad["status"], "failed");
  EXPECT_EQ(bad["url"], "postgresql://app:***@127.0.0.1:1/x?connect_timeout=1");
  EXPECT_TRUE(bad["error"].is_string());
}

TEST(Fanout, WaitTimeoutRetriesAnUnreachableDatabase) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 1);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"sqlite:///later/main.db\"\n");
  // The folder appears after a second, as a database that is still booting.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    fs::create_directories(dir / "later");
  });
  auto r = run_strata({"upgrade", "head", "--wait-timeout", "20"}, dir.path());
  later.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "waiting for the database: cannot connect to sqlite:///")) << r.out;
  EXPECT_EQ(version(dir / "later/main.db"), Rows{"m1"});
}

TEST(Fanout, SigintStopsBetweenRevisionsAndLeavesNoTargetHalfWay) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 12, /*slow=*/true);
  write_fleet(dir, 8);
  // One transaction per revision: an interrupted target keeps whole revisions.
  auto toml = strata::util::read_file(dir / "alembic.toml");
  toml.replace(toml.find("]\n"), 2, "]\ntransaction_per_migration = true\n");
  dir.write("alembic.toml", toml);
  TempDir io;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (chdir(dir.path().c_str()) != 0) _exit(126);
    int out = open((io / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(out, 2);
    execl(STRATA_TEST_BIN, STRATA_TEST_BIN, "--env", "staging", "-j", "4", "upgrade", "head",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  auto output = strata::util::read_file(io / "out");
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 130) << output;
  int stopped = 0;
  for (int i = 0; i < 8; ++i) {
    auto file = dir / ("fleet/main_" + std::to_string(i) + ".db");
    if (!fs::exists(file)) continue;  // never started
    auto rows = sqlite_rows(file, "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 't_m%' ORDER BY name");
    auto v = sqlite_rows(file, "SELECT count(*) FROM sqlite_master WHERE name='alembic_version'") == Rows{"1"}
                 ? version(file)
                 : Rows{};
    // Every target sits exactly at a revision boundary: the tables present
    // are exactly those of the revisions its version row says are applied.
    size_t applied = v.empty() ? 0 : std::stoul(v[0].substr(1));
    EXPECT_EQ(rows.size(), applied) << file << " is between revisions";
    if (applied < 12) ++stopped;
  }
  EXPECT_GT(stopped, 0) << "the interrupt came too late to test anything:\n" << output;
  EXPECT_TRUE(has(output, "interrupted")) << output;
}

TEST(Fanout, OnATerminalEachRunningTargetHasALiveStatusLine) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 3, /*slow=*/true);
  write_fleet(dir, 4);
  // script(1) gives strata a terminal; its output is captured with the
  // terminal's control sequences.
  auto run_on_tty = [&](const std::string& env) {
    std::string cmd = "cd '" + dir.path() + "' && " + env + " script -qec '" + STRATA_TEST_BIN +
                      " --env staging upgrade head' /dev/null > tty.out 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return strata::util::read_file(dir / "tty.out");
  };
  auto colored = run_on_tty("TERM=xterm");
  EXPECT_TRUE(has(colored, "\x1b[2K")) << "status lines are redrawn in place";
  EXPECT_TRUE(has(colored, "/3  Running upgrade")) << "step i/n and the revision are shown";
  EXPECT_TRUE(has(colored, "\x1b[1mmain[0]\x1b[0m")) << "target names in bold";
  EXPECT_TRUE(has(colored, "4 ok, 0 failed")) << colored;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(version(dir / ("fleet/main_" + std::to_string(i) + ".db")), Rows{"m3"});
  // The per-revision log lines are replaced by the status lines.
  EXPECT_FALSE(has(colored, "main[0]: Running upgrade")) << colored;

  for (int i = 0; i < 4; ++i) fs::remove(dir / ("fleet/main_" + std::to_string(i) + ".db"));
  auto plain = run_on_tty("TERM=xterm NO_COLOR=1");
  EXPECT_TRUE(has(plain, "\x1b[2K"));
  EXPECT_FALSE(has(plain, "\x1b[1m")) << "NO_COLOR turns colours off";
  EXPECT_TRUE(has(plain, "4 ok, 0 failed"));
}

TEST(Fanout, OfflineScriptsPerFanOutTarget) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 3);
  write_fleet(dir, 3);
  auto r = run_strata({"--env", "staging", "upgrade", "head", "--sql", "--output-dir", "out"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 3; ++i) {
    auto file = dir / ("out/main." + std::to_string(i) + ".sql");
    ASSERT_TRUE(fs::exists(file)) << file;
    auto text = strata::util::read_file(file);
    EXPECT_TRUE(has(text, "of database 'main[" + std::to_string(i) + "]'")) << text;
    EXPECT_TRUE(has(text, "fleet/main_" + std::to_string(i) + ".db")) << text;
    // Applied by the sqlite3 shell, the script gives what the online run gives.
    auto db = dir / ("applied_" + std::to_string(i) + ".db");
    ASSERT_EQ(std::system(("sqlite3 -bail '" + db + "' < '" + file + "'").c_str()), 0);
    EXPECT_EQ(version(db), Rows{"m3"});
  }
  EXPECT_FALSE(fs::exists(dir / "fleet/main_0.db")) << "offline mode connects to nothing";
  // --shard applies to scripts too: the two halves hold the three scripts.
  size_t scripts = 0;
  for (auto k : {"1/2", "2/2"}) {
    auto half = run_strata({"--env", "staging", "--shard", k, "upgrade", "head", "--sql"}, dir.path());
    ASSERT_EQ(half.exit_code, 0) << half.err;
    for (size_t p = 0; (p = half.out.find("-- Strata offline script", p)) != std::string::npos; ++p) ++scripts;
  }
  EXPECT_EQ(scripts, 3u);
}

// A fleet downgrade names its databases; a --shard slice of one target still
// names its database on every line (the command was given an environment).
TEST(Fanout, AFleetDowngradeNamesItsDatabasesAndSliceLinesAreAlwaysPrefixed) {
  TempDir dir;
  write_chain(dir, "migrations/main", "m", 2);
  write_fleet(dir, 3);
  auto up = run_strata({"--env", "staging", "upgrade", "head"}, dir.path());
  ASSERT_EQ(up.exit_code, 0) << up.err;
  auto down = run_strata({"--env", "staging", "downgrade", "-1"}, dir.path());
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_TRUE(has(down.err, "downgrade -1 would move 3 targets of main in environment staging")) << down.err;
  EXPECT_TRUE(has(down.err, "strata --env staging --db main downgrade -1")) << down.err;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(version(dir / ("fleet/main_" + std::to_string(i) + ".db")), Rows{"m2"});
  auto named = run_strata({"--env", "staging", "--db", "main", "downgrade", "-1"}, dir.path());
  EXPECT_EQ(named.exit_code, 0) << named.err;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(version(dir / ("fleet/main_" + std::to_string(i) + ".db")), Rows{"m1"});
  // Each slice of 3 holds some targets; every line of a slice names one.
  int lines = 0;
  for (int k = 1; k <= 3; ++k) {
    auto slice = run_strata({"--env", "staging", "--shard", std::to_string(k) + "/3", "upgrade", "head"}, dir.path());
    ASSERT_EQ(slice.exit_code, 0) << slice.err;
    for (auto& line : strata::util::split_list(slice.out, '\n')) {
      if (line.empty() || !has(line, "Running upgrade")) continue;
      ++lines;
      EXPECT_EQ(line.rfind("main", 0), 0u) << line;
    }
  }
  EXPECT_EQ(lines, 3);
}
