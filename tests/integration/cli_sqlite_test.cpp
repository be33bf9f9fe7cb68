// End-to-end tests: the built strata binary on temporary SQLite files,
// checked by reading the resulting schema and alembic_version rows.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "strata/util/strings.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::run_strata;
using strata::test::sqlite_rows;
using strata::test::sqlite_tables;
using strata::test::TempDir;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

using Rows = std::vector<std::string>;

// A copy of the repository's example: alembic.toml + migrations/.
class Example : public ::testing::Test {
 protected:
  TempDir dir;
  void SetUp() override {
    fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
    fs::copy(strata::test::source_dir() + "/alembic.toml", dir / "alembic.toml");
  }
  strata::test::RunResult strata(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    // The example reads these; keep the caller's environment out of it.
    env.push_back("DATABASE_URL=");
    env.push_back("ANALYTICS_DATABASE_URL=");
    return run_strata(args, dir.path(), env);
  }
  std::string main_db() { return dir / "var/main.db"; }
  std::string analytics_db() { return dir / "var/analytics.db"; }
  Rows version(const std::string& db) { return sqlite_rows(db, "SELECT version_num FROM alembic_version ORDER BY 1"); }
};

}  // namespace

TEST_F(Example, UpgradeHeadUpgradesBothDatabasesInParallel) {
  fs::create_directories(dir / "var");
  auto r = strata({"upgrade", "head"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(version(analytics_db()), Rows{"f7b9d1e3a5c6"});
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "alembic_version_log", "orders", "users"}));
  EXPECT_EQ(sqlite_tables(analytics_db()), (Rows{"alembic_version", "alembic_version_log", "daily_event_counts", "events"}));
  // Both branches of main were applied before their merge.
  EXPECT_EQ(sqlite_rows(main_db(), "SELECT count(*) FROM pragma_table_info('users') WHERE name='status'"), Rows{"1"});
  EXPECT_TRUE(has(r.out, "main: Running upgrade 8c4e2d1f6a37, b7d05e9a1c42 -> e2a4f6c8b013")) << r.out;
  EXPECT_TRUE(has(r.out, "analytics: upgraded <base> -> f7b9d1e3a5c6: 3 revisions")) << r.out;
  // Running again does nothing.
  auto again = strata({"upgrade", "head"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(has(again.out, "main: nothing to do: at 5d9b3e7a2f60")) << again.out;
}

TEST_F(Example, DowngradeMinusOneOnOneDatabaseLeavesTheOtherAlone) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  auto r = strata({"--db", "analytics", "downgrade", "-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(analytics_db()), Rows{"c4e6a8b0d21f"});
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(sqlite_rows(analytics_db(), "SELECT name FROM sqlite_master WHERE type='index' AND name='ix_events_name_occurred'"), Rows{});
  // A single database's lines carry no prefix.
  EXPECT_TRUE(has(r.out, "Running downgrade f7b9d1e3a5c6 -> c4e6a8b0d21f, index events by name")) << r.out;
  EXPECT_FALSE(has(r.out, "analytics: ")) << r.out;
}

TEST_F(Example, DowngradeThroughTheMergeToTheBranchPointAndToBase) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  auto r = strata({"--db", "main", "downgrade", "3f1a"});  // unique prefix of the branch point
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(main_db()), Rows{"3f1a9c2b7d10"});
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "alembic_version_log", "users"}));
  EXPECT_EQ(sqlite_rows(main_db(), "SELECT count(*) FROM pragma_table_info('users') WHERE name='status'"), Rows{"0"});
  // Several databases move: a downgrade names them.
  auto base = strata({"downgrade", "main=base", "analytics=base"});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  EXPECT_EQ(version(main_db()), Rows{});
  EXPECT_EQ(version(analytics_db()), Rows{});
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "alembic_version_log"}));
  EXPECT_EQ(sqlite_tables(analytics_db()), (Rows{"alembic_version", "alembic_version_log"}));
}

TEST_F(Example, UpgradeOneBranchThenTheOtherKeepsTwoRowsThenMerges) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"--db", "main", "upgrade", "8c4e2d1f6a37"}).exit_code, 0);
  EXPECT_EQ(version(main_db()), Rows{"8c4e2d1f6a37"});
  ASSERT_EQ(strata({"--db", "main", "upgrade", "b7d05e9a1c42"}).exit_code, 0);
  EXPECT_EQ(version(main_db()), (Rows{"8c4e2d1f6a37", "b7d05e9a1c42"}));
  auto check = strata({"--db", "main", "current", "--check-heads"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_TRUE(has(check.err, "not at head: missing 5d9b3e7a2f60")) << check.err;
  ASSERT_EQ(strata({"--db", "main", "upgrade", "+1"}).exit_code, 1) << "+1 from two heads is ambiguous";
  ASSERT_EQ(strata({"--db", "main", "upgrade", "head"}).exit_code, 0);
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(strata({"--db", "main", "current", "--check-heads"}).exit_code, 0);
}

TEST_F(Example, RelativeUpgradeAndDowngrade) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"--db", "analytics", "upgrade", "+2"}).exit_code, 0);
  EXPECT_EQ(version(analytics_db()), Rows{"c4e6a8b0d21f"});
  ASSERT_EQ(strata({"--db", "analytics", "upgrade", "a1c3e5f7092b+2"}).exit_code, 0);
  EXPECT_EQ(version(analytics_db()), Rows{"f7b9d1e3a5c6"});
  ASSERT_EQ(strata({"--db", "analytics", "downgrade", "-2"}).exit_code, 0);
  EXPECT_EQ(version(analytics_db()), Rows{"a1c3e5f7092b"});
  auto too_far = strata({"--db", "analytics", "downgrade", "-3"});
  EXPECT_EQ(too_far.exit_code, 1);
  EXPECT_TRUE(has(too_far.err, "didn't produce 3 migrations")) << too_far.err;
  EXPECT_EQ(version(analytics_db()), Rows{"a1c3e5f7092b"});
}

TEST_F(Example, StampWritesRowsWithoutRunningSql) {
  fs::create_directories(dir / "var");
  auto r = strata({"--db", "main", "stamp", "head"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "alembic_version_log"}));
  ASSERT_EQ(strata({"--db", "main", "stamp", "8c4e2d1f6a37"}).exit_code, 0);
  EXPECT_EQ(version(main_db()), Rows{"8c4e2d1f6a37"});
  // --purge clears rows Strata does not know.
  sqlite_rows(main_db(), "SELECT 1");  // file exists
  ASSERT_EQ(strata({"--db", "main", "stamp", "--purge", "base"}).exit_code, 0);
  EXPECT_EQ(version(main_db()), Rows{});
}

TEST_F(Example, UnknownRevisionInVersionTableIsReported) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"--db", "main", "stamp", "head"}).exit_code, 0);
  fs::remove(dir / "migrations/main/5d9b3e7a2f60_index_orders_by_user.sql");
  auto r = strata({"--db", "main", "upgrade", "head"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "is at revision 5d9b3e7a2f60, which no file in")) << r.err;
}

TEST_F(Example, FailingRevisionIsRolledBackWithFileAndLine) {
  fs::create_directories(dir / "var");
  auto bad = dir.write("migrations/analytics/0badc0ffee00_broken.sql",
                       "-- Revision ID: 0badc0ffee00\n-- Revises: f7b9d1e3a5c6\n-- Message: broken\n\n"
                       "-- +upgrade\nCREATE TABLE fine (id INTEGER);\n\nINSERT INTO no_such_table VALUES (1);\n"
                       "\n-- +downgrade\nDROP TABLE fine;\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "analytics: error: " + bad + ":8: no such table: no_such_table")) << r.err;
  EXPECT_TRUE(has(r.err, "analytics: rolled back: database left at <base>")) << r.err;
  EXPECT_TRUE(has(r.err, "1 of 2 databases failed: analytics")) << r.err;
  // Nothing of analytics' run stayed: one transaction for the whole run,
  // and the file it created, left empty, is removed again.
  EXPECT_FALSE(fs::exists(analytics_db()));
  // main is unaffected.
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
}

TEST_F(Example, TransactionPerMigrationKeepsEarlierRevisions) {
  fs::create_directories(dir / "var");
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/analytics\"]\ntransaction_per_migration = true\n"
                            "[databases.analytics]\nurl = \"sqlite:///var/analytics.db\"\n");
  dir.write("migrations/analytics/0badc0ffee00_broken.sql",
            "-- Revision ID: 0badc0ffee00\n-- Revises: f7b9d1e3a5c6\n\n-- +upgrade\nCREATE TABLE fine (id INTEGER);\nSELECT * FROM nope;\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(version(analytics_db()), Rows{"f7b9d1e3a5c6"});
  EXPECT_EQ(sqlite_tables(analytics_db()), (Rows{"alembic_version", "alembic_version_log", "daily_event_counts", "events"}));
  EXPECT_TRUE(has(r.err, "database left at f7b9d1e3a5c6 (was <base>)")) << r.err;
}

TEST_F(Example, MalformedRevisionFileIsAOneLineErrorWithExitTwo) {
  auto bad = dir.write("migrations/main/zzz_bad.sql", "-- Revision ID: abc123\n-- Revizes: 3f1a9c2b7d10\n\n-- +upgrade\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "strata: error: " + bad + ":2: unknown header key 'Revizes' (known: Revision ID, Revises, "
                   "Create Date, Message, Branch Labels, Depends On, Transactional, Review)\n");
  EXPECT_FALSE(fs::exists(main_db())) << "nothing may be touched when a file is malformed";
}

TEST_F(Example, MissingFolderForSqliteFileIsNamed) {
  auto r = strata({"--db", "main", "upgrade", "head"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "folder " + dir.path() + "/var does not exist")) << r.err;
}

TEST_F(Example, ConfigErrorsNameFileLineAndKey) {
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\nversion_tabel = \"x\"\n"
                            "[databases.main]\nurl = \"sqlite:///var/main.db\"\n");
  auto r = strata({"current"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "alembic.toml:3: unknown key 'version_tabel' in [alembic]")) << r.err;
}

TEST_F(Example, PasswordsNeverAppearInOutput) {
  auto r = strata({"--db", "main", "upgrade", "head"}, {"DATABASE_URL=postgresql://app:hunter2@127.0.0.1:1/app"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(has(r.out + r.err, "hunter2")) << r.out << r.err;
  EXPECT_TRUE(has(r.out + r.err, "app:***@127.0.0.1:1/app")) << r.out << r.err;
}

TEST_F(Example, DotEnvBesideTheConfigIsReadAndTheEnvironmentWins) {
  fs::create_directories(dir / "var");
  dir.write(".env", "# local settings\nANALYTICS_DATABASE_URL=sqlite:///var/from-dotenv.db\n");
  auto r = run_strata({"--db", "analytics", "upgrade", "head"}, dir.path(), {"DATABASE_URL="});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "var/from-dotenv.db"));
  auto r2 = run_strata({"--db", "analytics", "upgrade", "head"}, dir.path(),
                       {"ANALYTICS_DATABASE_URL=sqlite:///var/from-env.db"});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_TRUE(fs::exists(dir / "var/from-env.db"));
}

TEST_F(Example, RevisionAndMergeWriteParsableFiles) {
  auto several = strata({"revision", "-m", "add things"});
  EXPECT_EQ(several.exit_code, 2);
  EXPECT_TRUE(has(several.err, "several databases are configured (main, analytics)")) << several.err;

  auto r = strata({"--db", "analytics", "revision", "-m", "Add sessions table!", "--rev-id", "aaaa00000001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto file = dir / "migrations/analytics/aaaa00000001_add_sessions_table.sql";
  ASSERT_TRUE(fs::exists(file)) << r.out;
  auto text = strata::util::read_file(file);
  EXPECT_TRUE(has(text, "-- Revises: f7b9d1e3a5c6\n")) << text;
  EXPECT_TRUE(has(text, "-- +upgrade\n")) << text;

  auto splice = strata({"--db", "analytics", "revision", "-m", "x", "--head", "c4e6a8b0d21f"});
  EXPECT_EQ(splice.exit_code, 2);
  EXPECT_TRUE(has(splice.err, "is not a head revision; please specify --splice")) << splice.err;
  ASSERT_EQ(strata({"--db", "analytics", "revision", "-m", "side", "--head", "c4e6a8b0d21f", "--splice",
                    "--rev-id", "bbbb00000002"}).exit_code, 0);
  auto heads = strata({"--db", "analytics", "heads"});
  EXPECT_EQ(heads.out, "aaaa00000001 (analytics) (head)\nbbbb00000002 (analytics) (head)\n");
  fs::create_directories(dir / "var");
  auto head = strata({"--db", "analytics", "upgrade", "head"});
  EXPECT_EQ(head.exit_code, 1);
  EXPECT_TRUE(has(head.err, "Multiple head revisions are present for given argument 'head'")) << head.err;

  auto merge = strata({"--db", "analytics", "merge", "-m", "merge heads", "heads", "--rev-id", "cccc00000003"});
  ASSERT_EQ(merge.exit_code, 0) << merge.err;
  auto mtext = strata::util::read_file(dir / "migrations/analytics/cccc00000003_merge_heads.sql");
  EXPECT_TRUE(has(mtext, "-- Revises: aaaa00000001, bbbb00000002\n")) << mtext;
  auto up = strata({"--db", "analytics", "upgrade", "head"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(version(analytics_db()), Rows{"cccc00000003"});
}

TEST_F(Example, HistoryHeadsBranchesShowAndCurrent) {
  auto h = strata({"--db", "main", "history"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(h.out,
            "e2a4f6c8b013 -> 5d9b3e7a2f60 (head), index orders by user\n"
            "8c4e2d1f6a37, b7d05e9a1c42 -> e2a4f6c8b013 (mergepoint), merge orders and user status\n"
            "3f1a9c2b7d10 -> 8c4e2d1f6a37, create orders table\n"
            "3f1a9c2b7d10 -> b7d05e9a1c42, add user status\n"
            "<base> -> 3f1a9c2b7d10 (branchpoint), create users table\n");
  auto range = strata({"--db", "main", "history", "-r", "b7d0:e2a4"});
  EXPECT_EQ(range.out,
            "8c4e2d1f6a37, b7d05e9a1c42 -> e2a4f6c8b013 (mergepoint), merge orders and user status\n"
            "3f1a9c2b7d10 -> b7d05e9a1c42, add user status\n");
  auto branches = strata({"--db", "main", "branches"});
  EXPECT_EQ(branches.out,
            "3f1a9c2b7d10 (branchpoint)\n"
            "             -> 8c4e2d1f6a37\n"
            "             -> b7d05e9a1c42\n\n");
  auto show = strata({"--db", "analytics", "show", "analytics@head"});
  EXPECT_TRUE(has(show.out, "Rev: f7b9d1e3a5c6 (head)\nParent: c4e6a8b0d21f\nBranch names: analytics\n")) << show.out;
  EXPECT_TRUE(has(show.out, "Parent: c4e6a8b0d21f")) << show.out;
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  auto cur = strata({"current"});
  EXPECT_EQ(cur.out, "main: 5d9b3e7a2f60 (head)\nanalytics: f7b9d1e3a5c6 (head)\n");
  auto ind = strata({"--db", "analytics", "history", "-i"});
  EXPECT_TRUE(has(ind.out, "c4e6a8b0d21f -> f7b9d1e3a5c6 (analytics) (head) (current), index events by name")) << ind.out;
}

TEST_F(Example, HistoryGraphAndDotShowBranchesAndMerges) {
  auto g = strata({"--db", "main", "history", "--graph"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(g.out,
            "*  5d9b3e7a2f60 (head), index orders by user\n"
            "*  e2a4f6c8b013 (mergepoint), merge orders and user status\n"
            "|\\\n"
            "* |  8c4e2d1f6a37, create orders table\n"
            "| *  b7d05e9a1c42, add user status\n"
            "|/\n"
            "*  3f1a9c2b7d10 (branchpoint), create users table\n");
  auto dot = strata({"--db", "main", "graph", "--format", "dot"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_TRUE(has(dot.out, "digraph \"main\" {")) << dot.out;
  EXPECT_TRUE(has(dot.out, "\"e2a4f6c8b013\" -> \"8c4e2d1f6a37\";")) << dot.out;
  EXPECT_TRUE(has(dot.out, "\"e2a4f6c8b013\" -> \"b7d05e9a1c42\";")) << dot.out;
  EXPECT_TRUE(has(dot.out, "\"5d9b3e7a2f60\" [label=\"5d9b3e7a2f60\\nindex orders by user\", style=bold];")) << dot.out;
  // Both databases: one digraph, a cluster each, no line prefixes to break the syntax.
  auto both = strata({"graph", "--format", "dot"});
  EXPECT_TRUE(has(both.out, "subgraph \"cluster_analytics\" {")) << both.out;
  EXPECT_FALSE(has(both.out, "main: ")) << both.out;
  auto bad = strata({"graph", "--format", "png"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_F(Example, SeveralHeadsAreCalledOut) {
  ASSERT_EQ(strata({"--db", "analytics", "revision", "-m", "side", "--head", "c4e6a8b0d21f", "--splice",
                    "--rev-id", "bbbb00000002"}).exit_code, 0);
  auto heads = strata({"--db", "analytics", "heads"});
  EXPECT_EQ(heads.exit_code, 0);
  EXPECT_TRUE(has(heads.err, "note: 2 heads; 'upgrade head' will refuse until they are merged")) << heads.err;
}

TEST_F(Example, HelpAndUsageErrors) {
  auto help = strata({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (auto cmd : {"init", "revision", "upgrade", "downgrade", "current", "history", "heads", "branches",
                   "graph", "show", "stamp", "resolve", "merge"})
    EXPECT_TRUE(has(help.out, std::string("  ") + cmd)) << cmd;
  auto up = strata({"upgrade", "--help"});
  EXPECT_EQ(up.exit_code, 0);
  EXPECT_TRUE(has(up.out, "usage: strata upgrade [OPTIONS] TARGET")) << up.out;
  EXPECT_TRUE(has(up.out, "--lock-timeout")) << up.out;
  auto typo = strata({"upgrde", "head"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_TRUE(has(typo.err, "did you mean 'upgrade'?")) << typo.err;
  auto bad_opt = strata({"upgrade", "head", "--no-such-flag"});
  EXPECT_EQ(bad_opt.exit_code, 2);
  auto no_db = strata({"--db", "nosuch", "current"});
  EXPECT_EQ(no_db.exit_code, 2);
  EXPECT_TRUE(has(no_db.err, "--db nosuch: no such database")) << no_db.err;
}

TEST(Init, CreatesAConfigAndAChainThatWork) {
  TempDir dir;
  auto r = run_strata({"init", "migrations"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "alembic.toml"));
  EXPECT_TRUE(fs::is_directory(dir / "migrations/main"));
  ASSERT_EQ(run_strata({"revision", "-m", "first", "--rev-id", "f1"}, dir.path(), {"DATABASE_URL="}).exit_code, 0);
  auto up = run_strata({"upgrade", "head"}, dir.path(), {"DATABASE_URL="});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(sqlite_rows(dir / "var/main.db", "SELECT version_num FROM alembic_version"), Rows{"f1"});  // init made var/
  auto again = run_strata({"init", "migrations"}, dir.path());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(has(again.err, "already exists")) << again.err;
}

// The revision cache on real runs: once files are old enough to be cached,
// commands take headers from it and still run each revision's SQL from its
// file (upgrade, downgrade, --sql), and leave the cache alone when nothing
// changed.
TEST_F(Example, CachedHeadersRunTheSqlOfTheFiles) {
  fs::create_directories(dir / "var");
  const std::vector<std::string> settle = {"STRATA_CACHE_SETTLE=3"};  // the default, whatever the caller set
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));  // files settle (cache.hpp)
  ASSERT_EQ(strata({"heads"}, settle).exit_code, 0);
  const std::string cache = dir / "migrations/main/.strata_cache/revisions";
  ASSERT_TRUE(fs::exists(cache));
  ASSERT_TRUE(fs::exists(dir / "migrations/analytics/.strata_cache/revisions"));
  const auto written = fs::last_write_time(cache);

  auto sql = strata({"--db", "main", "upgrade", "head", "--sql"}, settle);
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_TRUE(has(sql.out, "CREATE TABLE users")) << sql.out;
  auto up = strata({"upgrade", "head"}, settle);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "alembic_version_log", "orders", "users"}));
  auto down = strata({"downgrade", "main=base", "analytics=base"}, settle);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "alembic_version_log"}));
  EXPECT_EQ(fs::last_write_time(cache), written) << "the cache was rewritten though nothing changed";
}

// Edits between commands, with every file cached at once: a new revision,
// then a changed Revises that makes a branch. The graph built early from the
// cached headers must give way to the files.
TEST_F(Example, EditsBetweenCachedCommandsAreSeen) {
  const std::vector<std::string> cache_now = {"STRATA_CACHE_SETTLE=0"};
  auto heads = [&] {
    auto r = strata({"--db", "main", "heads"}, cache_now);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(heads(), "5d9b3e7a2f60 (head)\n");
  EXPECT_EQ(heads(), "5d9b3e7a2f60 (head)\n");  // from the cache
  const std::string added = "migrations/main/aaaa00000001_added.sql";
  dir.write(added, strata::test::revision_text("aaaa00000001", "5d9b3e7a2f60", "SELECT 1;", ""));
  EXPECT_EQ(heads(), "aaaa00000001 (head)\n");
  EXPECT_EQ(heads(), "aaaa00000001 (head)\n");
  // Same file and size, now revising an older revision: two heads. (With
  // STRATA_CACHE_SETTLE=0 an edit within one tick of the file system's clock
  // could go unseen; that is what the default 3 s prevents. Wait a tick.)
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  dir.write(added, strata::test::revision_text("aaaa00000001", "e2a4f6c8b013", "SELECT 1;", ""));
  std::string out = heads();
  EXPECT_TRUE(has(out, "5d9b3e7a2f60 (head)")) << out;
  EXPECT_TRUE(has(out, "aaaa00000001 (head)")) << out;
}

// ------------------------------------------------ malformed command lines

// Targets that name nothing or overflow: exit 2 with what is wrong, and
// nothing touched. Before: "upgrade ''" and "upgrade @" exited 0,
// "downgrade main@" downgraded to base, "+99999999999999999999999" said
// "error: stol".
TEST_F(Example, MalformedTargetsAreUsageErrorsAndTouchNothing) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  const std::string huge = "99999999999999999999999";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"upgrade", ""}, "strata: error: target '': the target is empty; give a revision"},
           {{"upgrade", "@"}, "strata: error: target '@': '@' alone names nothing"},
           {{"downgrade", "main@"}, "strata: error: target 'main@': nothing after '@'; write main@head"},
           {{"downgrade", "@-1"}, "strata: error: target '@-1': no branch label before '@'"},
           {{"upgrade", "+" + huge}, "strata: error: target '+" + huge + "': the step count " + huge +
                                         " is too large (at most 2147483647)"},
           {{"downgrade", "-" + huge}, "the step count " + huge + " is too large"},
           {{"downgrade", "3f1a9c2b7d10-" + huge}, "the step count " + huge + " is too large"},
           {{"downgrade", "main=-" + huge}, "strata: error: 'main=-" + huge + "': the step count " + huge},
           {{"downgrade", "analytics=@"}, "strata: error: 'analytics=@': '@' alone names nothing"},
           {{"downgrade", "=base"}, "strata: error: '=base': no database name before '='"},
           {{"stamp", ""}, "strata: error: target '': the target is empty"},
           {{"stamp", "base@"}, "strata: error: target 'base@': nothing after '@'"},
           {{"--db", "main", "upgrade", "head:", "--sql"}, "strata: error: target '': the target is empty"},
           {{"--db", "main", "show", "main@-" + huge}, "the step count " + huge + " is too large"},
       }) {
    auto r = strata(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args.back() << "\n" << r.out << r.err;
    EXPECT_TRUE(has(r.err, c.message)) << r.err;
    EXPECT_FALSE(has(r.err, "stol")) << r.err;
  }
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(version(analytics_db()), Rows{"f7b9d1e3a5c6"});
}

// Numeric options: negative, NaN, infinity, not a number, overflow; each
// named with the range it takes. 0 is a valid --lock-timeout: do not wait.
TEST_F(Example, NumericOptionsOutOfRangeAreUsageErrorsNamingTheRange) {
  fs::create_directories(dir / "var");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string seconds = "takes a number of seconds from 0 to 86400";
  for (const Case& c : std::vector<Case>{
           {{"upgrade", "head", "--lock-timeout", "-1"}, "--lock-timeout " + seconds + "; a negative time is not allowed"},
           {{"upgrade", "head", "--lock-timeout", "nan"}, "--lock-timeout " + seconds + ", not 'nan'"},
           {{"upgrade", "head", "--lock-timeout", "inf"}, "--lock-timeout " + seconds + ", not 'inf'"},
           {{"upgrade", "head", "--lock-timeout", "1e400"}, "--lock-timeout " + seconds + ", not '1e400'"},
           {{"upgrade", "head", "--lock-timeout", "86401"}, "--lock-timeout " + seconds + "; 86401 is too large"},
           {{"stamp", "head", "--lock-timeout", "soon"}, "--lock-timeout " + seconds + ", not 'soon'"},
           {{"upgrade", "head", "--wait-timeout", "-0.5"}, "--wait-timeout " + seconds},
           {{"upgrade", "head", "--wait-timeout", "NaN"}, "--wait-timeout " + seconds},
           {{"-j", "0", "upgrade", "head"}, "-j/--jobs takes a whole number from 1 to 1024, not 0"},
           {{"-j", "-3", "upgrade", "head"}, "-j/--jobs takes a whole number from 1 to 1024, not '-3'"},
           {{"--jobs", "99999999999999999999", "upgrade", "head"}, "-j/--jobs takes a whole number from 1 to 1024"},
           {{"-j", "2.5", "current"}, "-j/--jobs takes a whole number from 1 to 1024, not '2.5'"},
           {{"--shard", "0/2", "upgrade", "head"}, "--shard K/N: K takes a whole number from 1 to 2, not 0"},
           {{"--shard", "3/2", "upgrade", "head"}, "--shard K/N: K takes a whole number from 1 to 2; 3 is too large"},
           {{"--shard", "1/99999999999", "upgrade", "head"}, "--shard K/N: N takes a whole number from 1 to 1000000"},
           {{"--shard", "-1/2", "upgrade", "head"}, "--shard K/N: K takes a whole number"},
           {{"--shard", "1/2x", "upgrade", "head"}, "--shard K/N: N takes a whole number from 1 to 1000000, not '2x'"},
           {{"--shard", "half", "upgrade", "head"}, "--shard takes K/N"},
       }) {
    auto r = strata(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_TRUE(has(r.err, "strata: error: " + c.message)) << r.err;
  }
  EXPECT_FALSE(fs::exists(main_db())) << "nothing may run on a usage error";
  auto now = strata({"upgrade", "head", "--lock-timeout", "0", "--wait-timeout", "2.5", "-j", "1"});
  EXPECT_EQ(now.exit_code, 0) << now.err;
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
}

// The config and its neighbours: a string where a list belongs, an injected
// version table, a byte order mark, a folder given to -c.
TEST_F(Example, ConfigMistakesAreNamedAndABomIsAccepted) {
  fs::create_directories(dir / "var");
  auto toml = strata::util::read_file(dir / "alembic.toml");
  const std::string list = "version_locations = [\"migrations/main\", \"migrations/analytics\"]";
  ASSERT_TRUE(has(toml, list)) << toml;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = toml;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  dir.write("alembic.toml", with(list, "version_locations = \"migrations/main\""));
  auto str = strata({"current"});
  EXPECT_EQ(str.exit_code, 2);
  EXPECT_TRUE(has(str.err, "alembic.toml:5: 'version_locations' must be an array of strings")) << str.err;

  dir.write("alembic.toml", with(list, list + "\nversion_table = \"v; DROP TABLE t; --\""));
  auto inj = strata({"upgrade", "head"});
  EXPECT_EQ(inj.exit_code, 2);
  EXPECT_TRUE(has(inj.err, "alembic.toml:6: 'version_table' must be a plain SQL identifier")) << inj.err;
  EXPECT_FALSE(fs::exists(main_db()));

  dir.write("alembic.toml", "\xEF\xBB\xBF" + toml);
  dir.write(".env", std::string("\xEF\xBB\xBF") + "ANALYTICS_DATABASE_URL=sqlite:///var/bom.db\n");
  auto bom = run_strata({"--db", "analytics", "upgrade", "head"}, dir.path(), {"DATABASE_URL="});
  ASSERT_EQ(bom.exit_code, 0) << bom.err;
  ASSERT_TRUE(fs::exists(dir / "var/bom.db")) << bom.out << bom.err;
  EXPECT_EQ(version(dir / "var/bom.db"), Rows{"f7b9d1e3a5c6"});

  auto folder = strata({"-c", "migrations", "current"});
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_TRUE(has(folder.err, "strata: error: migrations: is a directory; give the path of an alembic.toml "
                              "(-c/--config migrations/alembic.toml)"))
      << folder.err;
  auto missing = strata({"-c", "missing.toml", "current"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(has(missing.err, "strata: error: missing.toml: no such file")) << missing.err;
}

// ------------------------------------------------------------- Ctrl-C

namespace {

// Two databases whose second revision takes seconds: SIGINT sent once both
// have finished their first revision lands while both run the second.
class Interrupt : public ::testing::Test {
 protected:
  TempDir dir;
  void SetUp() override {
    const std::string slow =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 15000000) SELECT count(*) FROM c;\n";
    for (std::string db : {"main", "analytics"}) {
      const std::string p = db.substr(0, 1);
      dir.write("migrations/" + db + "/" + p + "1.sql",
                strata::test::revision_text(p + "1", "", "CREATE TABLE " + p + "1 (x INTEGER);", "DROP TABLE " + p + "1;"));
      dir.write("migrations/" + db + "/" + p + "2.sql",
                strata::test::revision_text(p + "2", p + "1", slow + "CREATE TABLE " + p + "2 (x INTEGER);",
                                            "DROP TABLE " + p + "2;"));
      dir.write("migrations/" + db + "/" + p + "3.sql",
                strata::test::revision_text(p + "3", p + "2", "CREATE TABLE " + p + "3 (x INTEGER);", "DROP TABLE " + p + "3;"));
    }
    dir.write("alembic.toml",
              "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
              "transaction_per_migration = true\n"
              "[databases.main]\nurl = \"sqlite:///main.db\"\n"
              "[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n");
  }

  // Runs strata with `args`, sends SIGINT once every line of `wait_for`
  // is in its output; returns the exit status and the output.
  std::pair<int, std::string> run_and_interrupt(const std::vector<std::string>& args,
                                                const std::vector<std::string>& wait_for) {
    const std::string out_file = dir / "strata.out";
    pid_t pid = fork();
    if (pid == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(126);
      int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv{const_cast<char*>(STRATA_TEST_BIN)};
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(STRATA_TEST_BIN, argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = fs::exists(out_file) ? strata::util::read_file(out_file) : "";
      bool all = true;
      for (auto& w : wait_for) all = all && has(text, w);
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, strata::util::read_file(out_file)};
  }
  Rows version(const std::string& db) { return sqlite_rows(dir / db, "SELECT version_num FROM alembic_version"); }
};

}  // namespace

// Before: "0 ok, 0 failed, 2 interrupted or skipped", then "2 of 2
// databases failed: main, analytics".
TEST_F(Interrupt, TheSummaryCountsInterruptedTargetsApartFromFailedOnes) {
  auto [code, out] = run_and_interrupt({"upgrade", "head"}, {"main: Running upgrade  -> m1", "analytics: Running upgrade  -> a1"});
  EXPECT_EQ(code, 130) << out;
  EXPECT_TRUE(has(out, "0 ok, 0 failed, 2 interrupted\n")) << out;
  EXPECT_TRUE(has(out, "strata: interrupted: 2 of 2 databases stopped before finishing: main, analytics\n")) << out;
  EXPECT_FALSE(has(out, "databases failed")) << out;
  EXPECT_FALSE(has(out, " failed: ")) << out;
  // Each stopped after the revision it was running, before the next.
  EXPECT_EQ(version("main.db"), Rows{"m2"});
  EXPECT_EQ(version("analytics.db"), Rows{"a2"});
}

TEST_F(Interrupt, TargetsNotStartedAreCountedAsSkipped) {
  auto [code, out] = run_and_interrupt({"-j", "1", "upgrade", "head"}, {"main: Running upgrade  -> m1"});
  EXPECT_EQ(code, 130) << out;
  EXPECT_TRUE(has(out, "0 ok, 0 failed, 1 interrupted, 1 skipped\n")) << out;
  EXPECT_TRUE(has(out, "strata: interrupted: 1 of 2 databases stopped before finishing: main\n")) << out;
  EXPECT_TRUE(has(out, "strata: 1 of 2 databases skipped (not started): analytics\n")) << out;
  EXPECT_FALSE(has(out, "databases failed")) << out;
  EXPECT_EQ(version("main.db"), Rows{"m2"});
  EXPECT_FALSE(fs::exists(dir / "analytics.db"));
}

// A deploy job holding only main's secret, and a developer with no secrets
// at all: ${VAR} of a database matters only to commands that use it.
TEST(LazyUrls, OnlyTheSelectedDatabasesNeedTheirVariables) {
  TempDir dir;
  fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
            "[databases.main]\nurl = \"${STRATA_LAZY_MAIN_URL}\"\n"
            "[databases.analytics]\nurl = \"${STRATA_LAZY_ANALYTICS_URL}\"\n");
  fs::create_directories(dir / "var");
  const std::vector<std::string> only_main = {"STRATA_LAZY_MAIN_URL=sqlite:///var/main.db"};
  auto up = run_strata({"--db", "main", "upgrade", "head"}, dir.path(), only_main);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  auto cur = run_strata({"--db", "main", "current"}, dir.path(), only_main);
  EXPECT_EQ(cur.exit_code, 0) << cur.err;
  EXPECT_TRUE(has(cur.out, "5d9b3e7a2f60")) << cur.out;
  // No URL at all: commands that read only the chains.
  for (auto args : std::vector<std::vector<std::string>>{{"heads"}, {"history"}, {"branches"}, {"graph"},
                                                        {"--db", "main", "revision", "-m", "x"}}) {
    auto r = run_strata(args, dir.path());
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  }
  // A command on every database names the missing variable, file and line.
  auto all = run_strata({"current"}, dir.path(), only_main);
  EXPECT_EQ(all.exit_code, 2);
  EXPECT_TRUE(has(all.err, "alembic.toml:6: environment variable STRATA_LAZY_ANALYTICS_URL is not set")) << all.err;
  EXPECT_FALSE(fs::exists(dir / "var/analytics.db"));
  // Set but empty is said so.
  auto empty = run_strata({"--db", "analytics", "current"}, dir.path(),
                          {"STRATA_LAZY_ANALYTICS_URL="});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_TRUE(has(empty.err, "url is empty (${STRATA_LAZY_ANALYTICS_URL} is set but empty)")) << empty.err;
}

// Issue: a command must never move a database the user did not mean. Every
// database's target is resolved before any database is touched.
TEST_F(Example, ARevisionOfOneChainMovesOnlyThatDatabase) {
  fs::create_directories(dir / "var");
  auto r = strata({"upgrade", "3f1a"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(version(main_db()), Rows{"3f1a9c2b7d10"});
  EXPECT_FALSE(fs::exists(analytics_db())) << "analytics is not touched";
  EXPECT_TRUE(has(r.out, "analytics: not touched: '3f1a' is in main's chain, not in analytics's")) << r.out;
  // Nowhere: a usage error, nothing touched.
  auto none = strata({"upgrade", "zzzz"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(has(none.err, "'zzzz' names no revision or branch label of any selected chain (main, analytics)"))
      << none.err;
  EXPECT_EQ(version(main_db()), Rows{"3f1a9c2b7d10"});
  // stamp follows the same rule.
  auto stamp = strata({"stamp", "a1c3"});
  ASSERT_EQ(stamp.exit_code, 0) << stamp.err;
  EXPECT_EQ(version(analytics_db()), Rows{"a1c3e5f7092b"});
  EXPECT_EQ(version(main_db()), Rows{"3f1a9c2b7d10"});
  // downgrade REV likewise: only the chain that has it.
  auto down = strata({"downgrade", "a1c3"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(version(main_db()), Rows{"3f1a9c2b7d10"});
}

TEST(MultiDatabaseTargets, APrefixInSeveralChainsIsAUsageErrorNamingThem) {
  TempDir dir;
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"m/main\", \"m/analytics\"]\n"
                            "[databases.main]\nurl = \"sqlite:///main.db\"\n"
                            "[databases.analytics]\nurl = \"sqlite:///analytics.db\"\n");
  dir.write("m/main/1.sql", strata::test::revision_text("aa11", "", "CREATE TABLE x (i INT)", "DROP TABLE x"));
  dir.write("m/analytics/1.sql", strata::test::revision_text("aa22", "", "CREATE TABLE y (i INT)", "DROP TABLE y"));
  auto r = run_strata({"upgrade", "aa"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "'aa' names revisions of several chains: main (aa11); analytics (aa22)")) << r.err;
  EXPECT_TRUE(has(r.err, "strata --db main")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "main.db"));
  EXPECT_FALSE(fs::exists(dir / "analytics.db"));
  // Named per database, both move.
  auto both = run_strata({"upgrade", "main=aa11", "analytics=aa"}, dir.path());
  EXPECT_EQ(both.exit_code, 0) << both.err;
}

// A downgrade is where surprise loses data: with several databases it names
// them (--db, or db=target pairs).
TEST_F(Example, ADowngradeOfSeveralDatabasesMustNameThem) {
  fs::create_directories(dir / "var");
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  for (auto target : {"-1", "base"}) {
    auto r = strata({"downgrade", target});
    EXPECT_EQ(r.exit_code, 2) << target;
    EXPECT_TRUE(has(r.err, std::string("downgrade ") + target + " would move 2 databases (main, analytics)")) << r.err;
    EXPECT_TRUE(has(r.err, std::string("strata --db main downgrade ") + target)) << r.err;
    EXPECT_TRUE(has(r.err, std::string("strata downgrade main=") + target + " analytics=" + target)) << r.err;
  }
  EXPECT_EQ(version(main_db()), Rows{"5d9b3e7a2f60"});
  EXPECT_EQ(version(analytics_db()), Rows{"f7b9d1e3a5c6"});
  EXPECT_EQ(strata({"--db", "analytics", "downgrade", "-1"}).exit_code, 0);
  EXPECT_EQ(version(analytics_db()), Rows{"c4e6a8b0d21f"});
  EXPECT_EQ(strata({"downgrade", "main=-1", "analytics=-1"}).exit_code, 0);
  EXPECT_EQ(version(main_db()), Rows{"e2a4f6c8b013"});
}

// The summary shows what is known: "-" where a target never read its rows.
TEST(Summary, ATargetThatNeverConnectedShowsDashesNotBase) {
  TempDir dir;
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"m/main\", \"m/analytics\"]\n"
                            "[databases.main]\nurl = \"sqlite:///main.db\"\n"
                            "[databases.analytics]\nurl = \"sqlite:///no/such/folder/a.db\"\n");
  dir.write("m/main/1.sql", strata::test::revision_text("aa11", "", "CREATE TABLE x (i INT)", "DROP TABLE x"));
  dir.write("m/analytics/1.sql", strata::test::revision_text("bb22", "", "CREATE TABLE y (i INT)", "DROP TABLE y"));
  auto r = run_strata({"upgrade", "head"}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  bool found = false;
  for (auto& line : strata::util::split_list(r.out, '\n')) {
    if (line.rfind("analytics ", 0) != 0) continue;
    found = true;
    EXPECT_TRUE(has(line, "failed")) << line;
    EXPECT_TRUE(has(line, "  -  ")) << line;
    EXPECT_FALSE(has(line, "<base>")) << line;
  }
  EXPECT_TRUE(found) << r.out;
}

// One database: an unknown or ambiguous target is a usage error before
// anything connects; --sql and --json do not mix; an explicit statement to
// resume at with nothing recorded is refused.
TEST_F(Example, TargetsAreCheckedBeforeConnectingEvenForOneDatabase) {
  fs::create_directories(dir / "var");
  auto none = strata({"--db", "main", "upgrade", "nosuchrev"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(has(none.err, "Can't locate revision identified by 'nosuchrev'")) << none.err;
  EXPECT_FALSE(fs::exists(main_db()));
  auto pair = strata({"upgrade", "main=nosuchrev", "analytics=head"});
  EXPECT_EQ(pair.exit_code, 2);
  EXPECT_TRUE(has(pair.err, "'main=nosuchrev': ")) << pair.err;
  EXPECT_FALSE(fs::exists(analytics_db()));
  auto json = strata({"--json", "upgrade", "head", "--sql"});
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_TRUE(has(json.err, "--json cannot be combined with --sql")) << json.err;
  EXPECT_TRUE(json.out.empty()) << json.out;
  auto from = strata({"--db", "main", "upgrade", "head", "--resume-from", "2"});
  EXPECT_EQ(from.exit_code, 1);
  EXPECT_TRUE(has(from.err, "--resume-from 2: no revision was left half-applied")) << from.err;
  EXPECT_FALSE(fs::exists(main_db())) << "nothing ran, and the file it opened is gone again";
  auto resolve = strata({"--db", "main", "resolve", "applied"});
  EXPECT_EQ(resolve.exit_code, 0) << resolve.err;
  EXPECT_TRUE(has(resolve.out, "nothing to resolve")) << resolve.out;
}

// The applied log follows a tracked revision's failure and its settlement:
// ok rows for what committed, half-applied for the revision the failure
// left in the progress record, resolved once the user settles it, and
// verify counts the resolved revision as checked against its file.
TEST_F(Example, AppliedLogRecordsHalfAppliedAndResolved) {
  fs::create_directories(dir / "var");
  dir.write("migrations/main/9a0000000001_half.sql",
            strata::test::revision_text("9a0000000001", "5d9b3e7a2f60",
                                        "CREATE TABLE half_a (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
                                        "DROP TABLE half_a;", "-- Transactional: false\n"));
  auto up = strata({"--db", "main", "upgrade", "head"});
  EXPECT_EQ(up.exit_code, 1) << up.out << up.err;
  const std::string outcomes =
      "SELECT revision || ' ' || direction || ' ' || outcome FROM alembic_version_log ORDER BY id";
  auto rows = sqlite_rows(main_db(), outcomes);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back(), "9a0000000001 upgrade half-applied");
  // The earlier revisions committed before the tracked one started.
  EXPECT_EQ(sqlite_rows(main_db(), "SELECT count(*) FROM alembic_version_log WHERE outcome = 'ok'"), Rows{"5"});
  auto resolved = strata({"--db", "main", "resolve", "applied"});
  ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
  rows = sqlite_rows(main_db(), outcomes);
  EXPECT_EQ(rows.back(), "9a0000000001 upgrade resolved");
  auto verified = strata({"--db", "main", "verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_TRUE(has(verified.out, "verified: 6 ok, 0 changed, 0 missing, 0 unverified, 0 pending")) << verified.out;
  // Offline scripts carry each revision's checksum in its comment.
  auto script = strata({"--db", "main", "upgrade", "base:head", "--sql"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  EXPECT_TRUE(has(script.out, "-- sha256 " +
                                  sqlite_rows(main_db(), "SELECT checksum FROM alembic_version_log WHERE revision = "
                                                         "'9a0000000001' AND outcome = 'resolved'")
                                      .at(0)))
      << script.out;
}

// `import alembic` marks a revision whose SQL a person must confirm with a
// Review header: nothing of it runs, online or as a script, until the line
// is gone; the header survives the revision cache.
TEST_F(Example, ARevisionAwaitingReviewIsRefusedUntilTheLineIsDeleted) {
  fs::create_directories(dir / "var");
  const std::string file = dir.write(
      "migrations/main/9b0000000001_reads_rows.sql",
      strata::test::revision_text("9b0000000001", "5d9b3e7a2f60", "CREATE TABLE reviewed (id INTEGER);",
                                  "DROP TABLE reviewed;", "-- Review: its code reads rows (SELECT id FROM users)\n"));
  for (int pass = 0; pass < 2; ++pass) {  // the second pass reads the header from the cache
    auto up = strata({"--db", "main", "upgrade", "head"}, {"STRATA_CACHE_SETTLE=0"});
    EXPECT_EQ(up.exit_code, 2) << up.out << up.err;
    EXPECT_TRUE(has(up.err, file + ":5: revision 9b0000000001 awaits review (its code reads rows (SELECT id FROM users))"))
        << up.err;
    EXPECT_TRUE(has(up.err, "nothing was changed")) << up.err;
    if (fs::exists(main_db())) {
      EXPECT_EQ(sqlite_rows(main_db(), "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), Rows{"0"})
          << "nothing of the chain may run while one of its revisions awaits review";
    }
  }
  auto script = strata({"--db", "main", "upgrade", "head", "--sql"});
  EXPECT_EQ(script.exit_code, 2) << script.out << script.err;
  EXPECT_TRUE(has(script.err, "awaits review")) << script.err;
  // show says so before anyone tries.
  auto shown = strata({"--db", "main", "show", "9b0000000001"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(has(shown.out, "Awaits review: its code reads rows (SELECT id FROM users)")) << shown.out;
  // Up to the revision before it, the chain runs.
  auto before = strata({"--db", "main", "upgrade", "5d9b3e7a2f60"});
  EXPECT_EQ(before.exit_code, 0) << before.err;
  // A person checked the SQL and deleted the line.
  dir.write("migrations/main/9b0000000001_reads_rows.sql",
            strata::test::revision_text("9b0000000001", "5d9b3e7a2f60", "CREATE TABLE reviewed (id INTEGER);",
                                        "DROP TABLE reviewed;"));
  auto up = strata({"--db", "main", "upgrade", "head"}, {"STRATA_CACHE_SETTLE=0"});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(sqlite_rows(main_db(), "SELECT count(*) FROM sqlite_master WHERE name = 'reviewed'"), Rows{"1"});
}

// A revision with SQL for other dialects only is refused on this one: its
// SQL is missing, not empty; recording it as applied would be a lie.
TEST_F(Example, ARevisionWithSectionsForOtherDialectsOnlyIsRefused) {
  fs::create_directories(dir / "var");
  const std::string file = dir.write("migrations/main/9c0000000001_pg_only.sql",
                                     "-- Revision ID: 9c0000000001\n"
                                     "-- Revises: 5d9b3e7a2f60\n"
                                     "-- Message: pg only\n"
                                     "\n"
                                     "-- +upgrade postgresql\n"
                                     "CREATE TABLE pg_only (id BIGINT);\n"
                                     "-- +downgrade postgresql\n"
                                     "DROP TABLE pg_only;\n");
  auto up = strata({"--db", "main", "upgrade", "head"});
  EXPECT_EQ(up.exit_code, 2) << up.out << up.err;
  EXPECT_TRUE(has(up.err, file + ":1: revision 9c0000000001 has no '-- +upgrade' section for sqlite (only for "
                                 "postgresql) and no plain one; nothing was changed"))
      << up.err;
  EXPECT_TRUE(has(up.err, "nothing ran: database at")) << up.err;
  auto script = strata({"--db", "main", "upgrade", "head", "--sql"});
  EXPECT_EQ(script.exit_code, 2) << script.err;
  // Below it, the chain runs; downgrading through it is refused the same way.
  ASSERT_EQ(strata({"--db", "main", "upgrade", "5d9b3e7a2f60"}).exit_code, 0);
  ASSERT_EQ(strata({"--db", "main", "stamp", "9c0000000001"}).exit_code, 0);
  auto down = strata({"--db", "main", "downgrade", "-1"});
  EXPECT_EQ(down.exit_code, 2) << down.err;
  EXPECT_TRUE(has(down.err, "no '-- +downgrade' section for sqlite (only for postgresql)")) << down.err;
}
