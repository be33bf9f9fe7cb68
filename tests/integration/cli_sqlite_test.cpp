// End-to-end tests: the built strata binary on temporary SQLite files,
// checked by reading the resulting schema and alembic_version rows.
#include <gtest/gtest.h>

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
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "orders", "users"}));
  EXPECT_EQ(sqlite_tables(analytics_db()), (Rows{"alembic_version", "daily_event_counts", "events"}));
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
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "users"}));
  EXPECT_EQ(sqlite_rows(main_db(), "SELECT count(*) FROM pragma_table_info('users') WHERE name='status'"), Rows{"0"});
  auto base = strata({"downgrade", "base"});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  EXPECT_EQ(version(main_db()), Rows{});
  EXPECT_EQ(version(analytics_db()), Rows{});
  EXPECT_EQ(sqlite_tables(main_db()), Rows{"alembic_version"});
  EXPECT_EQ(sqlite_tables(analytics_db()), Rows{"alembic_version"});
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
  EXPECT_EQ(sqlite_tables(main_db()), Rows{"alembic_version"});
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
  // Nothing of analytics' run stayed: one transaction for the whole run.
  EXPECT_EQ(sqlite_tables(analytics_db()), Rows{});
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
  EXPECT_EQ(sqlite_tables(analytics_db()), (Rows{"alembic_version", "daily_event_counts", "events"}));
  EXPECT_TRUE(has(r.err, "database left at f7b9d1e3a5c6 (was <base>)")) << r.err;
}

TEST_F(Example, MalformedRevisionFileIsAOneLineErrorWithExitTwo) {
  auto bad = dir.write("migrations/main/zzz_bad.sql", "-- Revision ID: abc123\n-- Revizes: 3f1a9c2b7d10\n\n-- +upgrade\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "strata: error: " + bad + ":2: unknown header key 'Revizes' (known: Revision ID, Revises, "
                   "Create Date, Message, Branch Labels, Depends On, Transactional)\n");
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
  // Both databases: two digraphs, no line prefixes to break the syntax.
  auto both = strata({"graph", "--format", "dot"});
  EXPECT_TRUE(has(both.out, "digraph \"analytics\" {")) << both.out;
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
  EXPECT_EQ(sqlite_rows(dir / "main.db", "SELECT version_num FROM alembic_version"), Rows{"f1"});
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
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version", "orders", "users"}));
  auto down = strata({"downgrade", "base"}, settle);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(sqlite_tables(main_db()), (Rows{"alembic_version"}));
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
