// `strata diff` (drift) on the three dialects: the example chain on a fresh
// database, compared with the chain replayed on a scratch database (dev_url:
// the test server), clean, then changed by hand.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "db_support.hpp"
#include "strata/util/strings.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::admin_url;
using strata::test::connect;
using strata::test::run_strata;
using strata::test::TempDir;
using strata::test::with_database;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// A revision file `revision --autogenerate` wrote: its path and its whole
/// text (headers, `-- +upgrade` and `-- +downgrade` sections).
struct GeneratedRevision {
  std::string path, text;
};

class Drift : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::vector<std::string> created;

  std::string dialect() const { return GetParam(); }

  std::string fresh_db(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::string name = "strata_d" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + tag;
    if (dialect() == "sqlite") return "sqlite:///" + (dir / (name + ".db"));
    auto admin = admin_url(dialect());
    connect(admin)->execute("CREATE DATABASE " + name);
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

  // The example chain for one database, with dev_url on the test server.
  void project() {
    fs::create_directories(dir / "migrations");
    fs::copy(strata::test::source_dir() + "/migrations/main", dir / "migrations/main", fs::copy_options::recursive);
    std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                              "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev);
  }

  strata::test::RunResult strata(const std::vector<std::string>& args, const std::string& url) {
    return run_strata(args, dir.path(),
                      {"DATABASE_URL=" + url, "DEV_URL=" + (dialect() == "sqlite" ? "" : admin_url(dialect()))});
  }

  // Scratch databases on the server now (other tests may have their own
  // for a few seconds).
  std::set<std::string> scratch_now() {
    if (dialect() == "sqlite") return {};
    auto c = connect(admin_url(dialect()));
    auto rows = c->query_column(dialect() == "postgresql"
                                    ? "SELECT datname FROM pg_database WHERE datname LIKE 'strata_scratch_%'"
                                    : "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE "
                                      "'strata_scratch_%'");
    return {rows.begin(), rows.end()};
  }
  // True when none but `before` remain: another test's go within seconds,
  // one this test's commands left never would.
  bool no_new_scratch(const std::set<std::string>& before) {
    for (int i = 0; i < 60; ++i) {
      bool extra = false;
      for (auto& n : scratch_now()) extra = extra || !before.count(n);
      if (!extra) return true;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return false;
  }

  // A statement of the dialect that runs far longer than any test waits.
  std::string slow_sql() const {
    if (dialect() == "postgresql") return "SELECT pg_sleep(30);\n";
    if (dialect() == "mysql") return "SELECT SLEEP(30);\n";
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
           "SELECT count(*) FROM c;\n";
  }

  // Scratch folders (SQLite) left in the TMPDIR the runs are given.
  size_t scratch_folders() {
    size_t n = 0;
    if (fs::exists(dir / "tmp"))
      for (auto& e : fs::directory_iterator(dir / "tmp")) n += has(e.path().filename().string(), "strata-scratch-");
    return n;
  }

  // True once slow_sql() runs on a scratch database not in `before` (SQLite:
  // a scratch folder has existed for a second and a half).
  std::function<bool(pid_t)> when_slow(const std::set<std::string>& before) {
    auto first = std::make_shared<std::chrono::steady_clock::time_point>();
    return [this, before, first](pid_t) {
      if (dialect() == "sqlite") {
        if (scratch_folders() == 0) return false;
        const auto now = std::chrono::steady_clock::now();
        if (*first == std::chrono::steady_clock::time_point{}) *first = now;
        return now - *first > std::chrono::milliseconds(1500);
      }
      auto c = connect(admin_url(dialect()));
      auto rows = c->query_column(dialect() == "postgresql"
                                      ? "SELECT datname FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%'"
                                      : "SELECT DB FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(30)%'");
      for (auto& db : rows)
        if (has(db, "strata_scratch_") && !before.count(db)) return true;
      return false;
    };
  }

  // strata() with the run's TMPDIR in the test's folder, `signal` sent once
  // `ready`; the run must exit 130 within a few seconds, saying so.
  void expect_interrupted(const std::vector<std::string>& args, const std::string& url,
                          const std::function<bool(pid_t)>& ready, int signal) {
    fs::create_directories(dir / "tmp");
    double seconds = -1;
    auto r = strata::test::run_strata_signalled(
        args, dir.path(),
        {"DATABASE_URL=" + url, "DEV_URL=" + (dialect() == "sqlite" ? "" : admin_url(dialect())),
         "TMPDIR=" + (dir / "tmp")},
        ready, signal, &seconds);
    const std::string what = strata::util::join(args, " ") + (signal == SIGINT ? " (SIGINT)" : " (SIGTERM)");
    EXPECT_EQ(r.exit_code, 130) << what << "\n" << r.out << r.err;
    EXPECT_TRUE(has(r.err, "strata: interrupted")) << what << "\n" << r.err;
    EXPECT_FALSE(has(r.err, "error")) << what << "\n" << r.err;
    EXPECT_GE(seconds, 0) << what << ": exited before the signal";
    EXPECT_LT(seconds, 4) << what << ": the exit waited for the running statement";
    EXPECT_EQ(scratch_folders(), 0u) << what << ": a scratch folder is left";
    EXPECT_TRUE(fs::is_empty(dir / "tmp")) << what << ": a temporary folder is left";
  }

  /// The revision file in migrations/main whose name holds `slug` (the
  /// `-m` message as Alembic slugifies it, e.g. "add_note"), read with
  /// util::read_file. None, or more than one: a test failure and an empty
  /// path and text.
  GeneratedRevision generated_revision(const std::string& slug) {
    GeneratedRevision found;
    for (auto& e : fs::directory_iterator(dir / "migrations/main")) {
      if (!has(e.path().filename().string(), slug)) continue;
      if (!found.path.empty()) {
        ADD_FAILURE() << "more than one revision file holds '" << slug << "': " << found.path << ", " << e.path();
        return {};
      }
      found.path = e.path().string();
    }
    if (found.path.empty()) {
      ADD_FAILURE() << "no revision file holds '" << slug << "' in " << (dir / "migrations/main");
      return {};
    }
    found.text = strata::util::read_file(found.path);
    return found;
  }
};

}  // namespace

TEST_P(Drift, CleanChangedByHandAndBack) {
  project();
  const std::string url = fresh_db("main");
  const auto scratch_before = scratch_now();
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);

  auto clean = strata({"diff"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_TRUE(has(clean.out, "no drift: the schema is what the chain gives at 5d9b3e7a2f60")) << clean.out;

  // Someone changes production by hand: a table, an index gone, a column.
  {
    auto c = strata::test::connect(url);
    c->execute("CREATE TABLE hand_made (id INTEGER PRIMARY KEY)");
    c->execute(dialect() == "mysql" ? "DROP INDEX ux_users_email ON users" : "DROP INDEX ux_users_email");
    c->execute("ALTER TABLE users ADD COLUMN nickname VARCHAR(20)");
  }
  auto drifted = strata({"diff"}, url);
  EXPECT_EQ(drifted.exit_code, 1) << drifted.out << drifted.err;
  EXPECT_TRUE(has(drifted.out, "drifted from its chain at 5d9b3e7a2f60: 3 differences")) << drifted.out;
  // PostgreSQL names tables with their schema; MySQL keeps a unique index as
  // a unique constraint (it has no other kind).
  // PostgreSQL's current schema is the default one: named without it, as
  // on the other dialects.
  EXPECT_TRUE(has(drifted.out, "+ table hand_made (only in the database)")) << drifted.out;
  EXPECT_TRUE(has(drifted.out, dialect() == "mysql" ? "- unique ux_users_email on users (email) (missing from the database)"
                                                    : "- index ux_users_email on users (missing from the database)"))
      << drifted.out;
  EXPECT_TRUE(has(drifted.out, "+ column users.nickname varchar(20)")) << drifted.out;

  auto as_json = strata({"diff", "--json"}, url);
  EXPECT_EQ(as_json.exit_code, 1);
  auto doc = nlohmann::json::parse(as_json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << as_json.out;
  EXPECT_TRUE(doc["drifted"].get<bool>());
  EXPECT_EQ(doc["databases"][0]["changes"].size(), 3u);
  EXPECT_FALSE(has(as_json.out + as_json.err + drifted.out + drifted.err, "strata-test-pw"));

  // A chain at an earlier revision compares with the chain at that revision.
  ASSERT_EQ(strata({"downgrade", "base"}, url).exit_code, 0);
  {
    auto c = strata::test::connect(url);
    c->execute("DROP TABLE hand_made");
  }
  ASSERT_EQ(strata({"upgrade", "8c4e2d1f6a37"}, url).exit_code, 0);
  auto partway = strata({"diff"}, url);
  EXPECT_EQ(partway.exit_code, 0) << partway.out << partway.err;
  EXPECT_TRUE(has(partway.out, "at 8c4e2d1f6a37")) << partway.out;
  EXPECT_TRUE(no_new_scratch(scratch_before)) << "every scratch database is dropped";
}

// A scratch database left by a killed run (no destructor ran) is dropped
// by a later run once it is a day old; a younger one, perhaps in use by a
// run elsewhere, and one without a time in its name are left alone.
TEST_P(Drift, AScratchDatabaseLeftBehindADayAgoIsDroppedByTheNextRun) {
  if (dialect() == "sqlite") GTEST_SKIP() << "SQLite's scratch is a temporary file";
  project();
  const std::string url = fresh_db("stale");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  const long long now = static_cast<long long>(std::time(nullptr));
  const std::string tag = std::to_string(getpid());
  const std::string stale = "strata_scratch_" + std::to_string(now - 2 * 86400) + "_" + tag;
  const std::string young = "strata_scratch_" + std::to_string(now - 3600) + "_" + tag;
  const std::string untimed = "strata_scratch_untimed" + tag;
  {
    auto c = connect(admin_url(dialect()));
    for (auto& n : {stale, young, untimed}) c->execute("CREATE DATABASE " + n);
  }
  for (auto& n : {young, untimed}) created.push_back(n);  // TearDown drops them
  auto clean = strata({"diff"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  const auto left = scratch_now();
  EXPECT_FALSE(left.count(stale)) << "a day old: dropped";
  EXPECT_TRUE(left.count(young)) << "an hour old: perhaps in use";
  EXPECT_TRUE(left.count(untimed));
  created.push_back(stale);
}

TEST_P(Drift, AServerDatabaseWithoutDevUrlIsAClearError) {
  if (dialect() == "sqlite") GTEST_SKIP() << "SQLite needs no dev_url";
  fs::create_directories(dir / "migrations");
  fs::copy(strata::test::source_dir() + "/migrations/main", dir / "migrations/main", fs::copy_options::recursive);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n");
  const std::string url = fresh_db("nodev");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  auto r = strata({"diff"}, url);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "dev_url")) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Dialects, Drift, ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& info) { return info.param; });

namespace {

// A one-revision chain in portable SQL, and the same schema as a file and
// as SQLAlchemy models.
constexpr const char* kItems =
    "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, price NUMERIC(10,2));\n"
    "CREATE INDEX ix_items_name ON items (name);\n";

constexpr const char* kModels =
    "import sqlalchemy as sa\n"
    "metadata = sa.MetaData()\n"
    "items = sa.Table('items', metadata,\n"
    "    sa.Column('id', sa.Integer, primary_key=True, autoincrement=False),\n"
    "    sa.Column('name', sa.String(50), nullable=False),\n"
    "    sa.Column('price', sa.Numeric(10, 2)),\n"
    "    sa.Index('ix_items_name', 'name'))\n";

}  // namespace

TEST_P(Drift, CheckComparesTheDesiredSchemaWithTheChainsHead) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("schema/main.sql", kItems);
  dir.write("app_models.py", kModels);
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  auto config = [&](const std::string& source) {
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                              "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + source + "\n");
  };
  // No production database is touched: the URL only names the dialect.
  const std::string url = dialect() == "sqlite" ? "sqlite:///" + (dir / "never_created.db")
                                                : with_database(admin_url(dialect()), "strata_never_created");
  const auto scratch_before = scratch_now();

  config("schema = \"schema/main.sql\"");
  auto clean = strata({"check"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_TRUE(has(clean.out, "no changes")) << clean.out;

  dir.write("schema/main.sql", std::string(kItems) + "ALTER TABLE items ADD COLUMN note VARCHAR(20);\n");
  auto changed = strata({"check"}, url);
  EXPECT_EQ(changed.exit_code, 1) << changed.out << changed.err;
  EXPECT_TRUE(has(changed.out, "1 change not in the chain yet")) << changed.out;
  EXPECT_TRUE(has(changed.out, ".note varchar(20)")) << changed.out;
  auto as_json = strata({"check", "--json"}, url);
  auto doc = nlohmann::json::parse(as_json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << as_json.out;
  EXPECT_FALSE(doc["up_to_date"].get<bool>());
  EXPECT_EQ(doc["databases"][0]["changes"][0]["kind"], "add_column");

  // SQLAlchemy models as the desired schema (the config's folder is on the path).
  config("models = \"app_models:metadata\"");
  auto models = strata({"check"}, url);
  EXPECT_EQ(models.exit_code, 0) << models.out << models.err;
  config("models = \"no_such_module:metadata\"");
  auto missing = strata({"check"}, url);
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_TRUE(has(missing.err, "cannot import module no_such_module")) << missing.err;

  if (dialect() == "sqlite") EXPECT_FALSE(fs::exists(dir / "never_created.db"));
  EXPECT_TRUE(no_new_scratch(scratch_before)) << "every scratch database is dropped";
}

// revision --autogenerate writes what check reports, as SQL for the
// dialect; applied, the chain's head is the desired schema; downgraded, it
// is not. No changes: no file.
TEST_P(Drift, AutogenerateWritesTheChangesAndTheirDowngrade) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("schema/main.sql", kItems);
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + "schema = \"schema/main.sql\"\n");
  const std::string url = fresh_db("auto");
  const auto scratch_before = scratch_now();

  auto none = strata({"revision", "--autogenerate", "-m", "nothing"}, url);
  EXPECT_EQ(none.exit_code, 0) << none.out << none.err;
  EXPECT_TRUE(has(none.out, "No changes in schema detected.")) << none.out;
  size_t files = 0;
  for (auto& e : fs::directory_iterator(dir / "migrations/main")) files += e.path().extension() == ".sql";
  EXPECT_EQ(files, 1u) << "no changes: no file";

  dir.write("schema/main.sql", std::string(kItems) +
                                   "ALTER TABLE items ADD COLUMN note VARCHAR(20);\n"
                                   "CREATE TABLE tags (id INTEGER NOT NULL PRIMARY KEY, item_id INTEGER NOT NULL "
                                   "REFERENCES items (id), label VARCHAR(30) NOT NULL);\n"
                                   "CREATE UNIQUE INDEX ux_tags_label ON tags (item_id, label);\n");
  auto gen = strata({"revision", "--autogenerate", "-m", "notes and tags"}, url);
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  EXPECT_TRUE(has(gen.out, "Detected " + dialect() + ": add column")) << gen.out;
  const auto [file, text] = generated_revision("notes_and_tags");
  ASSERT_FALSE(file.empty());
  EXPECT_TRUE(has(text, "-- +upgrade " + dialect())) << text;
  EXPECT_TRUE(has(text, "-- +downgrade " + dialect())) << text;
  EXPECT_TRUE(has(text, "-- REVIEW: ")) << "the downgrade drops a table and a column: destructive\n" << text;

  auto up = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  auto checked = strata({"check"}, url);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  auto drift = strata({"diff"}, url);
  EXPECT_EQ(drift.exit_code, 0) << drift.out << drift.err;
  auto down = strata({"downgrade", "-1"}, url);
  ASSERT_EQ(down.exit_code, 0) << down.out << down.err;
  auto back = strata({"diff"}, url);
  EXPECT_EQ(back.exit_code, 0) << "downgraded: the database is what the chain gives at a1\n" << back.out << back.err;
  EXPECT_TRUE(no_new_scratch(scratch_before)) << "every scratch database is dropped";
}

// SQLite: a trigger in the desired schema is seen by check and written by
// autogenerate; a rebuilt table keeps its trigger (it still fires) and its
// AUTOINCREMENT position; a trigger dropped by hand is drift.
TEST_P(Drift, SqliteTriggersAreComparedAndSurviveARebuild) {
  if (dialect() != "sqlite") GTEST_SKIP() << "the catalog holds triggers on SQLite only";
  const std::string chain =
      "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(50) NOT NULL);\n"
      "CREATE TABLE audit (item_id INTEGER, what TEXT);\n";
  const std::string trigger =
      "CREATE TRIGGER items_audit AFTER INSERT ON items\nBEGIN\n  INSERT INTO audit VALUES (new.id, 'insert');\nEND;\n";
  dir.write("migrations/main/a1_items.sql",
            "-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n" + chain + trigger +
                "\n-- +downgrade\nDROP TABLE audit;\nDROP TABLE items;\n");
  dir.write("schema/main.sql", chain + trigger);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\nschema = \"schema/main.sql\"\n");
  const std::string url = fresh_db("trig");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  auto clean = strata({"check"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  // A second trigger, and a column type change that rebuilds items.
  const std::string changed = "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);\n"
                              "CREATE TABLE audit (item_id INTEGER, what TEXT);\n" + trigger +
                              "CREATE TRIGGER items_gone AFTER DELETE ON items BEGIN "
                              "INSERT INTO audit VALUES (old.id, 'delete'); END;\n";
  dir.write("schema/main.sql", changed);
  auto seen = strata({"check"}, url);
  EXPECT_EQ(seen.exit_code, 1) << seen.out << seen.err;
  EXPECT_TRUE(has(seen.out, "create trigger items_gone on items")) << seen.out;
  {
    auto c = strata::test::connect(url);
    c->execute("INSERT INTO items (name) VALUES ('a'), ('b'), ('c')");
    c->execute("DELETE FROM items WHERE id = 3");
  }
  auto gen = strata({"revision", "--autogenerate", "-m", "rebuild items"}, url);
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  auto up = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(strata({"check"}, url).exit_code, 0);
  EXPECT_EQ(strata({"diff"}, url).exit_code, 0);
  {
    auto c = strata::test::connect(url);
    c->execute("INSERT INTO items (name) VALUES ('d')");
    c->execute("DELETE FROM items WHERE id = 1");
    EXPECT_EQ(c->query_column("SELECT max(id) FROM items"), std::vector<std::string>{"4"}) << "id 3 is not reused";
    EXPECT_EQ(c->query_column("SELECT group_concat(item_id || what, ',') FROM audit"),
              std::vector<std::string>{"1insert,2insert,3insert,4insert,1delete"});
    c->execute("DROP TRIGGER items_gone");
  }
  auto drift = strata({"diff"}, url);
  EXPECT_EQ(drift.exit_code, 1) << drift.out << drift.err;
  EXPECT_TRUE(has(drift.out, "- trigger items_gone on items (missing from the database)")) << drift.out;
}

// PostgreSQL: a new enum value used by a later statement of the revision
// must be committed first ("unsafe use of new value"): the revision is
// written Transactional: false, saying why. Its downgrade cannot remove the
// value: a REVIEW line says so, the rest of the downgrade is written, and
// the value stays (diff shows it).
TEST_P(Drift, ANewEnumValueUsedInTheSameRevisionIsCommittedFirst) {
  if (dialect() != "postgresql") GTEST_SKIP() << "enum types are PostgreSQL's";
  dir.write("migrations/main/a1_mood.sql",
            "-- Revision ID: a1\n-- Revises:\n-- Message: mood\n\n-- +upgrade\n"
            "CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE t (id integer PRIMARY KEY, m mood);\n"
            "-- +downgrade\nDROP TABLE t;\nDROP TYPE mood;\n");
  dir.write("schema/main.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s');\n"
                               "CREATE TABLE t (id integer PRIMARY KEY, m mood DEFAULT 'it''s');\n");
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\ndev_url = \"${DEV_URL}\"\n"
                            "schema = \"schema/main.sql\"\n");
  const std::string url = fresh_db("enum");
  auto gen = strata({"revision", "--autogenerate", "-m", "new mood"}, url);
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  const auto [file, text] = generated_revision("new_mood");
  ASSERT_FALSE(file.empty());
  EXPECT_TRUE(has(text, "\n-- Transactional: false\n")) << text;
  EXPECT_TRUE(has(text, "uses the new enum value 'it''s'")) << text;
  EXPECT_TRUE(has(text, "-- REVIEW: ") && has(text, "the value stays")) << text;
  EXPECT_TRUE(has(text, "DROP DEFAULT")) << "the rest of the downgrade is written\n" << text;

  auto up = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  auto checked = strata({"check"}, url);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  auto down = strata({"downgrade", "-1"}, url);
  ASSERT_EQ(down.exit_code, 0) << down.out << down.err;
  auto drift = strata({"diff"}, url);
  EXPECT_EQ(drift.exit_code, 1) << drift.out << drift.err;
  EXPECT_TRUE(has(drift.out, "'it''s'") || has(drift.out, "it's")) << drift.out;

  // A new value nothing else uses keeps the revision in one transaction.
  dir.write("schema/main.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s', 'calm');\n"
                               "CREATE TABLE t (id integer PRIMARY KEY, m mood DEFAULT 'it''s');\n");
  auto up2 = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up2.exit_code, 0) << up2.out << up2.err;
  auto gen2 = strata({"revision", "--autogenerate", "-m", "calm"}, url);
  ASSERT_EQ(gen2.exit_code, 0) << gen2.out << gen2.err;
  const auto [file2, text2] = generated_revision("calm");
  ASSERT_FALSE(file2.empty());
  EXPECT_TRUE(has(text2, "ADD VALUE IF NOT EXISTS 'calm'")) << text2;
  EXPECT_FALSE(has(text2, "Transactional")) << text2;
  auto up3 = strata({"upgrade", "head"}, url);
  EXPECT_EQ(up3.exit_code, 0) << up3.out << up3.err;
}

// A generated revision is tried on the scratch database the chain was
// replayed on before it is handed over: one whose upgrade fails there (a
// type from an extension the revision does not create) is held by a
// -- Review: header, exit 3; one whose upgrade has REVIEW lines (data may
// be lost) is held too, exit 0, until someone deletes the header line.
TEST_P(Drift, AGeneratedRevisionIsVerifiedAndHeldWhenItNeedsALook) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + "schema = \"schema/main.sql\"\n");
  const std::string url = fresh_db("verify");

  // A column dropped: flagged destructive, held, exit 0.
  dir.write("schema/main.sql", std::string(kItems) + "ALTER TABLE items ADD COLUMN note VARCHAR(20);\n");
  auto add = strata({"revision", "--autogenerate", "-m", "add note"}, url);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  EXPECT_TRUE(has(add.out, "Verified on a scratch database")) << add.out;
  const auto added = generated_revision("add_note");
  ASSERT_FALSE(added.path.empty());
  EXPECT_FALSE(has(added.text, "-- Review:")) << added.text;
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  dir.write("schema/main.sql", kItems);
  auto drop = strata({"revision", "--autogenerate", "-m", "drop note"}, url);
  ASSERT_EQ(drop.exit_code, 0) << drop.out << drop.err;
  EXPECT_TRUE(has(drop.out, "Review: 1 change may lose data")) << drop.out;
  auto [path, text] = generated_revision("drop_note");
  ASSERT_FALSE(path.empty());
  ASSERT_TRUE(has(text, "\n-- Review: 1 change below may lose data (see the -- REVIEW lines)\n")) << text;
  auto held = strata({"upgrade", "head"}, url);
  EXPECT_EQ(held.exit_code, 2) << held.out << held.err;
  EXPECT_TRUE(has(held.err, path.substr(path.rfind('/') + 1))) << held.err;
  // The hold is for real databases: on scratch ones the chain is replayed
  // as written, so check sees the held revision's change as in the chain.
  auto held_check = strata({"check"}, url);
  EXPECT_EQ(held_check.exit_code, 0) << held_check.out << held_check.err;
  EXPECT_TRUE(has(held_check.err, "awaits review")) << "a green check still names what upgrade refuses: "
                                                   << held_check.err;
  auto held_json = strata({"check", "--json"}, url);
  EXPECT_TRUE(has(held_json.out, "\"awaiting_review\": [\n")) << held_json.out;
  {
    // The reviewer deletes the header line.
    std::string reviewed = text;
    const auto at = reviewed.find("-- Review:");
    reviewed.erase(at, reviewed.find('\n', at) - at + 1);
    std::ofstream(path, std::ios::trunc) << reviewed;
  }
  auto up = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(strata({"check"}, url).exit_code, 0);

  if (dialect() != "postgresql") return;
  // A type of an extension the desired schema creates and the revision
  // does not: the upgrade fails on the scratch database; held, exit 3.
  dir.write("schema/main.sql", std::string("CREATE EXTENSION IF NOT EXISTS citext;\n") + kItems +
                                   "ALTER TABLE items ADD COLUMN slug citext;\n");
  auto ext = strata({"revision", "--autogenerate", "-m", "slug"}, url);
  EXPECT_EQ(ext.exit_code, 3) << ext.out << ext.err;
  EXPECT_TRUE(has(ext.err, "the revision did not verify")) << ext.err;
  EXPECT_TRUE(has(ext.err, "type \"citext\" does not exist")) << ext.err;
  auto slug = generated_revision("slug").text;
  EXPECT_TRUE(has(slug, "\n-- Review: it did not verify on a scratch database (postgresql: the upgrade failed"))
      << slug;
  EXPECT_FALSE(has(ext.out + ext.err, "strata-test-pw"));
  EXPECT_EQ(strata({"upgrade", "head"}, url).exit_code, 2) << "held";
  // Replayed as written, it fails there again: check cannot compare.
  auto ext_check = strata({"check"}, url);
  EXPECT_EQ(ext_check.exit_code, 2) << ext_check.out << ext_check.err;
  EXPECT_TRUE(has(ext_check.err, "type \"citext\" does not exist")) << ext_check.err;
}

// ignore_tables: another tool's tables are left out on every side (drift,
// check, autogenerate), as Alembic's include_object.
TEST_P(Drift, IgnoredTablesAreLeftOutOnEverySide) {
  project();
  const std::string url = fresh_db("ignore");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  {
    auto c = strata::test::connect(url);
    c->execute(dialect() == "postgresql" ? "CREATE TABLE celery_tasks (id serial PRIMARY KEY)"
                                         : "CREATE TABLE celery_tasks (id INTEGER PRIMARY KEY)");
    c->execute("CREATE TABLE spatial_ref_sys (srid INTEGER PRIMARY KEY)");
  }
  auto drifted = strata({"diff"}, url);
  EXPECT_EQ(drifted.exit_code, 1) << drifted.out << drifted.err;
  const std::string toml = strata::util::read_file(dir / "alembic.toml");
  dir.write("alembic.toml", toml + "ignore_tables = [\"celery_*\", \"spatial_ref_sys\"]\n");
  auto clean = strata({"diff"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  dir.write("alembic.toml", toml + "ignore_tables = [\"celery_*\"]\n");
  auto one = strata({"diff"}, url);
  EXPECT_EQ(one.exit_code, 1) << one.out << one.err;
  EXPECT_TRUE(has(one.out, "spatial_ref_sys") && !has(one.out, "celery_tasks")) << one.out;
  dir.write("alembic.toml", toml + "ignore_tables = \"celery_*\"\n");
  auto bad = strata({"diff"}, url);
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_TRUE(has(bad.err, "alembic.toml:")) << bad.err;
}

// A statement of the schema file the server refuses is named by its line.
TEST_P(Drift, ASchemaFileErrorNamesItsLine) {
  project();
  dir.write("alembic.toml", strata::util::read_file(dir / "alembic.toml") + "schema = \"schema/main.sql\"\n");
  dir.write("schema/main.sql", "-- the schema\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n\n"
                               "CREATE TABLE b (id INTEGER PRIMARY KEY,\n  x NOTATYPE(((\n);\n");
  const std::string url = fresh_db("line");
  auto r = strata({"check"}, url);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(r.err, "schema/main.sql:4") || has(r.err, "schema/main.sql:5")) << r.err;
  EXPECT_FALSE(has(r.out + r.err, "strata-test-pw"));
}

// SIGINT and SIGTERM while a scratch database is busy with a long statement
// (the schema file loading, the chain replaying): exit 130 at once, and the
// scratch databases and folders are gone (before: killed by the signal,
// scratch databases left on the server).
TEST_P(Drift, InterruptedWhileTheSchemaFileLoadsExits130AndLeavesNoScratch) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("schema/main.sql", std::string(kItems) + slow_sql());
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + "schema = \"schema/main.sql\"\n");
  const std::string url = dialect() == "sqlite" ? "sqlite:///" + (dir / "never_created.db")
                                                : with_database(admin_url(dialect()), "strata_never_created");
  const auto before = scratch_now();
  expect_interrupted({"check"}, url, when_slow(before), SIGINT);
  EXPECT_TRUE(no_new_scratch(before));
  expect_interrupted({"check", "--json"}, url, when_slow(before), SIGTERM);
  EXPECT_TRUE(no_new_scratch(before));
  expect_interrupted({"revision", "--autogenerate", "-m", "never"}, url, when_slow(before), SIGINT);
  EXPECT_TRUE(no_new_scratch(before));
  size_t files = 0;
  for (auto& e : fs::directory_iterator(dir / "migrations/main")) files += e.path().extension() == ".sql";
  EXPECT_EQ(files, 1u) << "an interrupted autogenerate writes no file";
}

TEST_P(Drift, InterruptedWhileTheChainReplaysExits130AndLeavesNoScratch) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems + slow_sql() +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("schema/main.sql", kItems);
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + "schema = \"schema/main.sql\"\n");
  const std::string url = fresh_db("replay");
  // At a1 without running it: diff replays a1 on a scratch database.
  ASSERT_EQ(strata({"stamp", "a1"}, url).exit_code, 0);
  const auto before = scratch_now();
  expect_interrupted({"diff"}, url, when_slow(before), SIGTERM);
  EXPECT_TRUE(no_new_scratch(before));
  expect_interrupted({"diff", "--json"}, url, when_slow(before), SIGINT);
  EXPECT_TRUE(no_new_scratch(before));
  expect_interrupted({"check"}, url, when_slow(before), SIGINT);
  EXPECT_TRUE(no_new_scratch(before));
}

namespace {

// The /proc entries of the children of `parent` whose command line holds
// `part`.
std::vector<pid_t> children_running(pid_t parent, const std::string& part) {
  std::vector<pid_t> out;
  for (auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::string line, args;
    try {  // a process that ends while it is read: its files fail (ESRCH)
      std::ifstream stat(e.path() / "stat"), cmd(e.path() / "cmdline");
      line.assign(std::istreambuf_iterator<char>(stat), std::istreambuf_iterator<char>());
      args.assign(std::istreambuf_iterator<char>(cmd), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      continue;
    }
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && has(args, part)) out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

}  // namespace

// SIGINT and SIGTERM while the models' Python runs (a module that takes its
// time to import): the Python process is stopped, exit 130 (before: SIGINT
// gave "strata: error: interrupted" and exit 1).
TEST_P(Drift, InterruptedWhileTheModelsImportExits130AndStopsPython) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("slow_models.py", std::string("import time\ntime.sleep(60)\n") + kModels);
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + "models = \"slow_models:metadata\"\n");
  const std::string url = dialect() == "sqlite" ? "sqlite:///" + (dir / "never_created.db")
                                                : with_database(admin_url(dialect()), "strata_never_created");
  const auto before = scratch_now();
  for (int signal : {SIGINT, SIGTERM}) {
    std::vector<pid_t> python;
    std::chrono::steady_clock::time_point seen{};
    // Python has run for a second: it is in the module's sleep.
    auto started = [&](pid_t strata_pid) {
      python = children_running(strata_pid, "strata_bridge.py");
      if (python.empty()) return false;
      if (seen == std::chrono::steady_clock::time_point{}) seen = std::chrono::steady_clock::now();
      return std::chrono::steady_clock::now() - seen > std::chrono::seconds(1);
    };
    expect_interrupted({"check"}, url, started, signal);
    ASSERT_FALSE(python.empty());
    for (pid_t p : python) EXPECT_NE(kill(p, 0), 0) << "the Python process " << p << " is still running";
    EXPECT_TRUE(no_new_scratch(before));
  }
}

// A database that could not be compared is an error (exit 2), never drift
// or changes (exit 1); --json says so in the database's entry.
TEST_P(Drift, AnUnreachableDevUrlIsAnErrorNotADifference) {
  if (dialect() == "sqlite") GTEST_SKIP() << "SQLite needs no dev_url";
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("schema/main.sql", kItems);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\ndev_url = \"${DEV_URL}\"\n"
                            "schema = \"schema/main.sql\"\n");
  const std::string url = fresh_db("unreach");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  const std::string nowhere = dialect() == "postgresql" ? "postgresql://strata@127.0.0.1:1/postgres"
                                                        : "mysql://strata@127.0.0.1:1/mysql";
  auto run = [&](const std::vector<std::string>& args) {
    return run_strata(args, dir.path(), {"DATABASE_URL=" + url, "DEV_URL=" + nowhere});
  };

  auto diff = run({"diff"});
  EXPECT_EQ(diff.exit_code, 2) << diff.out << diff.err;
  EXPECT_TRUE(has(diff.err, "strata: main: error: ") && has(diff.err, "scratch")) << diff.err;
  // The server is named once, by the plugin's "cannot connect to".
  const std::string masked_nowhere = nowhere.substr(0, nowhere.find('@') + 1);
  EXPECT_TRUE(has(diff.err, "no scratch database: cannot connect to " + nowhere)) << diff.err;
  EXPECT_EQ(diff.err.find(masked_nowhere), diff.err.rfind(masked_nowhere)) << diff.err;
  EXPECT_FALSE(has(diff.out, "drift")) << diff.out;
  auto diff_json = run({"diff", "--json"});
  EXPECT_EQ(diff_json.exit_code, 2) << diff_json.out << diff_json.err;
  auto doc = nlohmann::json::parse(diff_json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << diff_json.out;
  EXPECT_TRUE(doc["drifted"].is_null()) << doc.dump(2);
  ASSERT_EQ(doc["databases"].size(), 1u);
  EXPECT_TRUE(doc["databases"][0].contains("error")) << doc.dump(2);
  EXPECT_FALSE(doc["databases"][0].contains("drifted")) << doc.dump(2);
  EXPECT_FALSE(doc["databases"][0].contains("changes")) << doc.dump(2);

  auto check = run({"check"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_TRUE(has(check.err, "strata: main: error: ")) << check.err;
  auto check_json = run({"check", "--json"});
  EXPECT_EQ(check_json.exit_code, 2) << check_json.out << check_json.err;
  doc = nlohmann::json::parse(check_json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << check_json.out;
  EXPECT_TRUE(doc["up_to_date"].is_null()) << doc.dump(2);
  ASSERT_EQ(doc["databases"].size(), 1u);
  EXPECT_TRUE(doc["databases"][0].contains("error")) << doc.dump(2);
  EXPECT_FALSE(doc["databases"][0].contains("changes")) << doc.dump(2);
  EXPECT_FALSE(doc["databases"][0].contains("up_to_date")) << doc.dump(2);
}

TEST_P(Drift, ASchemaFileThatDoesNotLoadIsAnErrorWithADocument) {
  dir.write("migrations/main/a1_items.sql",
            std::string("-- Revision ID: a1\n-- Revises:\n-- Message: items\n\n-- +upgrade\n") + kItems +
                "\n-- +downgrade\nDROP TABLE items;\n");
  dir.write("schema/main.sql", std::string(kItems) + "CREATE TABLE broken (id INTEGER NOT NULL PRIMARY KEY, );\n");
  const std::string dev = dialect() == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + "schema = \"schema/main.sql\"\n");
  const std::string url = dialect() == "sqlite" ? "sqlite:///" + (dir / "never_created.db")
                                                : with_database(admin_url(dialect()), "strata_never_created");
  const auto before = scratch_now();
  auto text = strata({"check"}, url);
  EXPECT_EQ(text.exit_code, 2) << text.out << text.err;
  EXPECT_TRUE(has(text.err, "strata: main: error: ") && has(text.err, "main.sql:3: loading ") &&
              has(text.err, "main.sql into a scratch"))
      << text.err;
  auto as_json = strata({"check", "--json"}, url);
  EXPECT_EQ(as_json.exit_code, 2) << as_json.out << as_json.err;
  auto doc = nlohmann::json::parse(as_json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "--json prints a document: " << as_json.out;
  EXPECT_TRUE(doc["up_to_date"].is_null()) << doc.dump(2);
  EXPECT_TRUE(has(doc["databases"][0].value("error", ""), "main.sql into a scratch")) << doc.dump(2);
  EXPECT_FALSE(doc["databases"][0].contains("changes")) << doc.dump(2);
  EXPECT_TRUE(no_new_scratch(before));

  // An error that stops the whole command: a document too.
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev);
  auto none = strata({"check", "--json"}, url);
  EXPECT_EQ(none.exit_code, 2) << none.out << none.err;
  doc = nlohmann::json::parse(none.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << none.out;
  EXPECT_TRUE(has(doc.value("error", ""), "desired schema")) << doc.dump(2);
}

// --env: every URL of a fleet, side by side, each named in the output.
TEST(DriftFleet, EveryUrlOfAnEnvironmentIsComparedAndNamed) {
  TempDir dir;
  fs::create_directories(dir / "migrations");
  fs::copy(strata::test::source_dir() + "/migrations/main", dir / "migrations/main", fs::copy_options::recursive);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"sqlite:///unused.db\"\n"
                            "[environments.staging]\nmain = [\"sqlite:///s1.db\", \"sqlite:///s2.db\", \"sqlite:///s3.db\"]\n");
  ASSERT_EQ(run_strata({"--env", "staging", "upgrade", "head"}, dir.path()).exit_code, 0);
  strata::test::connect("sqlite:///" + (dir / "s2.db"))->execute("CREATE TABLE by_hand (id INTEGER)");
  auto r = run_strata({"--env", "staging", "-j", "3", "diff"}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "main[0]: no drift")) << r.out;
  EXPECT_TRUE(has(r.out, "main[1]: drifted from its chain at 5d9b3e7a2f60: 1 difference\n  + table by_hand")) << r.out;
  EXPECT_TRUE(has(r.out, "main[2]: no drift")) << r.out;
}

// --dev-url on the command line (as Atlas's) stands in for the config's
// dev_url: the server of the database's dialect; a bad one is refused with
// its password masked, a SQLite one and two of one dialect too.
TEST_P(Drift, DevUrlOnTheCommandLineStandsInForTheConfigs) {
  fs::create_directories(dir / "migrations");
  fs::copy(strata::test::source_dir() + "/migrations/main", dir / "migrations/main", fs::copy_options::recursive);
  dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                            "[databases.main]\nurl = \"${DATABASE_URL}\"\nschema = \"schema/main.sql\"\n");
  dir.write("schema/main.sql", "CREATE TABLE extra_t (id INTEGER PRIMARY KEY);\n");
  const std::string url = fresh_db("devurl");
  auto sqlite_dev = strata({"check", "--dev-url", "sqlite:///scratch.db"}, url);
  EXPECT_EQ(sqlite_dev.exit_code, 2) << sqlite_dev.out << sqlite_dev.err;
  EXPECT_TRUE(has(sqlite_dev.err, "scratch SQLite databases are temporary files")) << sqlite_dev.err;
  auto bad = strata({"check", "--dev-url", "postgresql://u:sekrit-pw@host:notaport/x"}, url);
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_TRUE(has(bad.err, "--dev-url")) << bad.err;
  EXPECT_FALSE(has(bad.out + bad.err, "sekrit-pw")) << bad.err;
  if (dialect() == "sqlite") return;  // a scratch SQLite database is a temporary file: no server
  auto without = strata({"check"}, url);
  EXPECT_EQ(without.exit_code, 2) << without.out << without.err;
  EXPECT_TRUE(has(without.err, "or --dev-url URL")) << without.err;
  const std::string dev = admin_url(dialect());
  const std::string other = admin_url(dialect() == "mysql" ? "postgresql" : "mysql");
  auto two = strata({"check", "--dev-url", dev, "--dev-url", dev + "?connect_timeout=5"}, url);
  EXPECT_EQ(two.exit_code, 2) << two.out << two.err;
  EXPECT_TRUE(has(two.err, "give one per dialect")) << two.err;
  EXPECT_FALSE(has(two.out + two.err, "strata-test-pw")) << two.err;
  auto wrong = strata({"check", "--dev-url", other}, url);
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out << wrong.err;
  EXPECT_TRUE(has(wrong.err, "--dev-url gives none")) << wrong.err;
  EXPECT_FALSE(has(wrong.out + wrong.err, "strata-test-pw")) << wrong.err;
  auto plain = strata({"revision", "-m", "plain", "--dev-url", dev}, url);
  EXPECT_EQ(plain.exit_code, 2) << plain.out << plain.err;
  EXPECT_TRUE(has(plain.err, "--dev-url works with --autogenerate")) << plain.err;
  auto same_twice = strata({"check", "--dev-url", dev, "--dev-url", other, "--dev-url", dev}, url);
  EXPECT_EQ(same_twice.exit_code, 1) << "the same server twice is one: " << same_twice.out << same_twice.err;
  const auto before = scratch_now();
  auto with = strata({"check", "--dev-url", dev}, url);
  EXPECT_EQ(with.exit_code, 1) << with.out << with.err;
  EXPECT_TRUE(has(with.out, "create table extra_t")) << with.out;
  auto drift = strata({"diff", "--dev-url", dev}, url);
  EXPECT_EQ(drift.exit_code, 0) << drift.out << drift.err;  // at <base>: nothing on either side
  EXPECT_TRUE(no_new_scratch(before)) << "the scratch databases are dropped";
}
