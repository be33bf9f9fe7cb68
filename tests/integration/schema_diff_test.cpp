// `strata diff` (drift) on the three dialects: the example chain on a fresh
// database, compared with the chain replayed on a scratch database (dev_url:
// the test server), clean, then changed by hand.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "db_support.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::admin_url;
using strata::test::connect;
using strata::test::run_strata;
using strata::test::TempDir;
using strata::test::with_database;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

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
  auto q = [&](const std::string& table) { return dialect() == "postgresql" ? "public." + table : table; };
  EXPECT_TRUE(has(drifted.out, "+ table " + q("hand_made") + " (only in the database)")) << drifted.out;
  EXPECT_TRUE(has(drifted.out, dialect() == "mysql" ? "- unique ux_users_email on users (email) (missing from the database)"
                                                    : "- index ux_users_email on " + q("users") + " (missing from the database)"))
      << drifted.out;
  EXPECT_TRUE(has(drifted.out, "+ column " + q("users") + ".nickname varchar(20)")) << drifted.out;

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
  std::string file;
  for (auto& e : fs::directory_iterator(dir / "migrations/main"))
    if (e.path().filename().string().find("notes_and_tags") != std::string::npos) file = e.path();
  ASSERT_FALSE(file.empty());
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
  std::string file;
  for (auto& e : fs::directory_iterator(dir / "migrations/main"))
    if (e.path().filename().string().find("new_mood") != std::string::npos) file = e.path();
  ASSERT_FALSE(file.empty());
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
  for (auto& e : fs::directory_iterator(dir / "migrations/main"))
    if (e.path().filename().string().find("calm") != std::string::npos) file = e.path();
  std::ifstream in2(file);
  const std::string text2((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(has(text2, "ADD VALUE IF NOT EXISTS 'calm'")) << text2;
  EXPECT_FALSE(has(text2, "Transactional")) << text2;
  auto up3 = strata({"upgrade", "head"}, url);
  EXPECT_EQ(up3.exit_code, 0) << up3.out << up3.err;
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
