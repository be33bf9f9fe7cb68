// `strata diff` (drift) on the three dialects: the example chain on a fresh
// database, compared with the chain replayed on a scratch database (dev_url:
// the test server), clean, then changed by hand.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
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
