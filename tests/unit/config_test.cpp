// Tests for alembic.toml loading, ${VAR} interpolation and .env parsing.
#include "strata/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>

#include "strata/util/error.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::UserError;
using strata::config::Config;
using strata::config::EnvLookup;
using strata::config::interpolate;
using strata::config::load_config;
using strata::config::parse_dotenv;
using strata::test::TempDir;

namespace {

std::string norm(const std::string& p) { return fs::path(p).lexically_normal().string(); }

using strata::test::Contains;
using strata::test::NotContains;
using strata::test::user_error;

// A unique environment variable name per test, removed on destruction.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::string& suffix)
      : name_("STRATA_CFGTEST_" + std::to_string(getpid()) + "_" + suffix) {
    unsetenv(name_.c_str());
  }
  ~ScopedEnv() { unsetenv(name_.c_str()); }
  void set(const std::string& value) const { setenv(name_.c_str(), value.c_str(), 1); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// A config folder with migrations/<names> revision folders.
struct Project {
  TempDir dir;
  explicit Project(std::initializer_list<std::string> folders = {"main"}) {
    for (auto& f : folders) dir.write("migrations/" + f + "/.keep", "");
  }
  std::string config(const std::string& text) const { return dir.write("alembic.toml", text); }
  std::string path(const std::string& rel) const { return norm(dir / rel); }
};

std::optional<std::string> no_env(const std::string&) { return std::nullopt; }

}  // namespace

// ---------------------------------------------------------------- load_config

TEST(Config, MinimalConfigHasDefaults) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "\n"
      "[databases.main]\n"
      "url = \"sqlite:///app.db\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.path, norm(file));
  EXPECT_EQ(cfg.dir, norm(p.dir.path()));
  EXPECT_EQ(cfg.version_table, "alembic_version");
  EXPECT_FALSE(cfg.version_table_schema.has_value());
  EXPECT_FALSE(cfg.transaction_per_migration);
  EXPECT_EQ(cfg.jobs, 0);
  EXPECT_TRUE(cfg.plugin_path.empty());
  ASSERT_EQ(cfg.version_locations.size(), 1u);
  EXPECT_EQ(cfg.version_locations[0], p.path("migrations/main"));
  ASSERT_EQ(cfg.databases.size(), 1u);
  const auto& db = cfg.databases[0];
  EXPECT_EQ(db.name, "main");
  EXPECT_EQ(db.url_text, "sqlite:///app.db");
  EXPECT_EQ(db.url.dialect, "sqlite");
  EXPECT_EQ(db.url.database, p.path("app.db"));
  EXPECT_EQ(db.location, p.path("migrations/main"));
  EXPECT_EQ(db.line, 4);
  EXPECT_EQ(cfg.find_database("main"), &cfg.databases[0]);
  EXPECT_EQ(cfg.find_database("other"), nullptr);
}

TEST(Config, AllOptionalKeysAreParsed) {
  Project p;
  p.dir.write("plugins/a/.keep", "");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "version_table = \"my_versions\"\n"
      "version_table_schema = \"meta\"\n"
      "transaction_per_migration = true\n"
      "jobs = 4\n"
      "plugin_path = [\"plugins/a\", \"/opt/strata/plugins\"]\n"
      "\n"
      "[databases.main]\n"
      "url = \"sqlite:///:memory:\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.version_table, "my_versions");
  ASSERT_TRUE(cfg.version_table_schema.has_value());
  EXPECT_EQ(*cfg.version_table_schema, "meta");
  EXPECT_TRUE(cfg.transaction_per_migration);
  EXPECT_EQ(cfg.jobs, 4);
  ASSERT_EQ(cfg.plugin_path.size(), 2u);
  EXPECT_EQ(cfg.plugin_path[0], p.path("plugins/a"));
  EXPECT_EQ(cfg.plugin_path[1], "/opt/strata/plugins");
  EXPECT_EQ(cfg.databases[0].url.database, ":memory:");
}

TEST(Config, TransactionPerMigrationFalseIsAccepted) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "transaction_per_migration = false\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  Config cfg = load_config(file);
  EXPECT_FALSE(cfg.transaction_per_migration);
}

TEST(Config, RelativeVersionLocationsResolveAgainstConfigFolder) {
  Project p({"users", "orders"});
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"./migrations/users/\", \"migrations/../migrations/orders\"]\n"
      "[databases.users]\n"
      "url = \"sqlite:///u.db\"\n"
      "[databases.orders]\n"
      "url = \"sqlite:///o.db\"\n");
  // Load from a different working directory: resolution must not depend on it.
  auto old_cwd = fs::current_path();
  TempDir elsewhere;
  fs::current_path(elsewhere.path());
  Config cfg;
  try {
    cfg = load_config(file);
  } catch (...) {
    fs::current_path(old_cwd);
    throw;
  }
  fs::current_path(old_cwd);
  ASSERT_EQ(cfg.version_locations.size(), 2u);
  EXPECT_EQ(cfg.version_locations[0], p.path("migrations/users"));
  EXPECT_EQ(cfg.version_locations[1], p.path("migrations/orders"));
  EXPECT_TRUE(fs::path(cfg.version_locations[0]).is_absolute());
  EXPECT_EQ(cfg.databases[0].url.database, p.path("u.db"));
}

TEST(Config, AbsoluteVersionLocationIsKept) {
  Project p;
  TempDir other;
  other.write("revs/main/.keep", "");
  std::string abs = norm(other / "revs/main");
  std::string file = p.config("[alembic]\nversion_locations = [\"" + abs +
                              "\"]\n[databases.main]\nurl = \"sqlite://\"\n");
  Config cfg = load_config(file);
  ASSERT_EQ(cfg.version_locations.size(), 1u);
  EXPECT_EQ(cfg.version_locations[0], abs);
  EXPECT_EQ(cfg.databases[0].location, abs);
}

TEST(Config, DatabaseLocationDefaultsToFolderNamedLikeDatabase) {
  Project p({"users", "orders"});
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/users\", \"migrations/orders\"]\n"
      "[databases.orders]\n"
      "url = \"sqlite:///orders.db\"\n"
      "[databases.users]\n"
      "url = \"sqlite:///users.db\"\n");
  Config cfg = load_config(file);
  ASSERT_EQ(cfg.databases.size(), 2u);
  const auto* users = cfg.find_database("users");
  const auto* orders = cfg.find_database("orders");
  ASSERT_NE(users, nullptr);
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(users->location, p.path("migrations/users"));
  EXPECT_EQ(orders->location, p.path("migrations/orders"));
}

TEST(Config, ExplicitLocation) {
  Project p({"shared"});
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/shared\"]\n"
      "[databases.east]\n"
      "url = \"sqlite:///east.db\"\n"
      "location = \"migrations/shared\"\n"
      "[databases.west]\n"
      "url = \"sqlite:///west.db\"\n"
      "location = \"./migrations/shared/\"\n");
  Config cfg = load_config(file);
  ASSERT_EQ(cfg.databases.size(), 2u);
  EXPECT_EQ(cfg.databases[0].name, "east");
  EXPECT_EQ(cfg.databases[0].location, p.path("migrations/shared"));
  EXPECT_EQ(cfg.databases[1].name, "west");
  EXPECT_EQ(cfg.databases[1].location, p.path("migrations/shared"));
}

TEST(Config, DatabasesKeptInFileOrder) {
  Project p({"zeta", "alpha", "mid"});
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/alpha\", \"migrations/mid\", \"migrations/zeta\"]\n"
      "\n"
      "[databases.zeta]\n"
      "url = \"sqlite:///z.db\"\n"
      "\n"
      "[databases.alpha]\n"
      "url = \"sqlite:///a.db\"\n"
      "\n"
      "[databases.mid]\n"
      "url = \"sqlite:///m.db\"\n");
  Config cfg = load_config(file);
  ASSERT_EQ(cfg.databases.size(), 3u);
  EXPECT_EQ(cfg.databases[0].name, "zeta");
  EXPECT_EQ(cfg.databases[1].name, "alpha");
  EXPECT_EQ(cfg.databases[2].name, "mid");
  EXPECT_EQ(cfg.databases[0].line, 4);
  EXPECT_EQ(cfg.databases[1].line, 7);
  EXPECT_EQ(cfg.databases[2].line, 10);
}

TEST(Config, PostgresUrlInConfig) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"postgresql://app:s3cret@db.example.com:6543/appdb\"\n");
  Config cfg = load_config(file);
  const auto& db = cfg.databases[0];
  EXPECT_EQ(db.url.dialect, "postgresql");
  EXPECT_EQ(db.url.host, "db.example.com");
  EXPECT_EQ(db.url.port, 6543u);
  EXPECT_EQ(db.url.password, "s3cret");
  EXPECT_EQ(db.url.database, "appdb");
}

// ------------------------------------------------------------ config errors

TEST(Config, UnknownKeyInAlembicNamesFileLineAndKey) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "script_location = \"migrations\"\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":3:"));
  EXPECT_TRUE(Contains(msg, "script_location"));
  EXPECT_TRUE(Contains(msg, "[alembic]"));
}

TEST(Config, UnknownKeyInDatabaseNamesFileLineAndKey) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n"
      "pasword = \"x\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":6:"));
  EXPECT_TRUE(Contains(msg, "pasword"));
  EXPECT_TRUE(Contains(msg, "databases.main"));
}

TEST(Config, UnknownTopLevelTableNamesFileLineAndKey) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n"
      "\n"
      "[logging]\n"
      "level = \"debug\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":6:"));
  EXPECT_TRUE(Contains(msg, "logging"));
}

TEST(Config, JobsMustBeAnInteger) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "jobs = \"four\"\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":3:"));
  EXPECT_TRUE(Contains(msg, "jobs"));
  EXPECT_TRUE(Contains(msg, "integer"));
}

TEST(Config, JobsOutOfRangeIsRejected) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "jobs = 0\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":3:"));
  EXPECT_TRUE(Contains(msg, "jobs"));
}

TEST(Config, TransactionPerMigrationMustBeBoolean) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "\n"
      "transaction_per_migration = 1\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":4:"));
  EXPECT_TRUE(Contains(msg, "transaction_per_migration"));
}

TEST(Config, VersionTableMustBeString) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "version_table = 5\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":3:"));
  EXPECT_TRUE(Contains(msg, "version_table"));
}

TEST(Config, DatabaseWithoutMatchingLocationIsAnError) {
  Project p({"main"});
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n"
      "[databases.reports]\n"
      "url = \"sqlite:///reports.db\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":5:"));
  EXPECT_TRUE(Contains(msg, "reports"));
  EXPECT_TRUE(Contains(msg, "location"));
}

TEST(Config, LocationThatIsNotAFolderIsAnError) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n"
      "location = \"migrations/missing\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":3:"));
  EXPECT_TRUE(Contains(msg, p.path("migrations/missing")));
}

TEST(Config, MissingUrlIsAnError) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "\n"
      "[databases.main]\n"
      "location = \"migrations/main\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":4:"));
  EXPECT_TRUE(Contains(msg, "url"));
  EXPECT_TRUE(Contains(msg, "databases.main"));
}

TEST(Config, InvalidUrlIsReportedAtItsLineWithoutPassword) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "location = \"migrations/main\"\n"
      "url = \"postgresql://app:topsecret@host:notaport/db\"\n");
  // Reported when a command uses the database (require_url), not on load.
  auto cfg = load_config(file);
  std::string msg = user_error([&] { require_url(cfg.databases[0]); });
  EXPECT_TRUE(Contains(msg, file + ":5:"));
  EXPECT_TRUE(Contains(msg, "port"));
  EXPECT_TRUE(NotContains(msg, "topsecret"));
}

TEST(Config, TomlSyntaxErrorNamesFileAndLine) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\n"
      "location = \"migrations/main\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":4:"));
}

TEST(Config, TomlSyntaxErrorOnLaterLine) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "\n"
      "\n"
      "jobs = = 3\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":5:"));
}

TEST(Config, MissingFileIsAnError) {
  TempDir d;
  std::string file = d / "nope.toml";
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file));
}

TEST(Config, MissingVersionLocationsIsAnError) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_table = \"v\"\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n"
      "location = \"migrations/main\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file));
  EXPECT_TRUE(Contains(msg, "version_locations"));
}

TEST(Config, NoDatabasesIsAnError) {
  Project p;
  std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file));
  EXPECT_TRUE(Contains(msg, "databases"));
}

// ------------------------------------------------- interpolation in the file

TEST(Config, InterpolatesFromRealEnvironment) {
  Project p;
  ScopedEnv host("HOST"), pw("PW");
  host.set("db.internal");
  pw.set("envpass");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"postgresql://app:${" + pw.name() + "}@${" + host.name() + "}:5432/app\"\n");
  Config cfg = load_config(file);
  const auto& db = cfg.databases[0];
  EXPECT_EQ(db.url_text, "postgresql://app:envpass@db.internal:5432/app");
  EXPECT_EQ(db.url.host, "db.internal");
  EXPECT_EQ(db.url.password, "envpass");
}

TEST(Config, InterpolationDefaultUsedWhenUnset) {
  Project p;
  ScopedEnv unset("UNSET_DEFAULT");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "version_table = \"${" + unset.name() + ":-fallback_versions}\"\n"
      "[databases.main]\n"
      "url = \"${" + unset.name() + ":-sqlite:///default.db}\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.version_table, "fallback_versions");
  EXPECT_EQ(cfg.databases[0].url_text, "sqlite:///default.db");
  EXPECT_EQ(cfg.databases[0].url.database, p.path("default.db"));
}

TEST(Config, InterpolationDefaultIgnoredWhenSet) {
  Project p;
  ScopedEnv v("SET_DEFAULT");
  v.set("sqlite:///fromenv.db");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"${" + v.name() + ":-sqlite:///default.db}\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.databases[0].url_text, "sqlite:///fromenv.db");
}

TEST(Config, InterpolatesVersionLocationsAndLocation) {
  Project p({"main"});
  ScopedEnv v("MIGDIR");
  v.set("migrations");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"${" + v.name() + "}/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n"
      "location = \"${" + v.name() + "}/main\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.version_locations[0], p.path("migrations/main"));
  EXPECT_EQ(cfg.databases[0].location, p.path("migrations/main"));
}

TEST(Config, InterpolatesFromDotEnvBesideConfig) {
  Project p;
  ScopedEnv v("DOTENV_ONLY");
  p.dir.write(".env",
              "# credentials\n"
              "export " + v.name() + "=\"sqlite:///dotenv.db\"\n");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"${" + v.name() + "}\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.databases[0].url_text, "sqlite:///dotenv.db");
  EXPECT_EQ(cfg.databases[0].url.database, p.path("dotenv.db"));
}

TEST(Config, RealEnvironmentWinsOverDotEnv) {
  Project p;
  ScopedEnv v("BOTH");
  v.set("sqlite:///real.db");
  p.dir.write(".env", v.name() + "=sqlite:///dotenv.db\n");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"${" + v.name() + "}\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.databases[0].url_text, "sqlite:///real.db");
}

TEST(Config, UnsetVariableWithoutDefaultNamesVariableFileAndLine) {
  Project p;
  ScopedEnv v("MISSING");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "\n"
      "url = \"${" + v.name() + "}\"\n");
  auto cfg = load_config(file);
  std::string msg = user_error([&] { require_url(cfg.databases[0]); });
  EXPECT_TRUE(Contains(msg, file + ":5:"));
  EXPECT_TRUE(Contains(msg, v.name()));
}

// A command that uses one database needs only that database's variables.
TEST(Config, UrlVariablesAreNeededOnlyByTheDatabasesACommandUses) {
  Project p;
  p.dir.write("migrations/analytics/.keep", "");
  ScopedEnv missing("ANALYTICS_URL");
  ScopedEnv empty("EMPTY_URL");
  empty.set("");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
      "[databases.main]\n"
      "url = \"sqlite:///main.db\"\n"
      "[databases.analytics]\n"
      "url = \"${" + missing.name() + "}\"\n"
      "[environments.staging]\n"
      "main = [\"sqlite:///s.db\"]\n"
      "analytics = [\"${" + missing.name() + "}\"]\n");
  auto cfg = load_config(file);
  EXPECT_NO_THROW(require_url(*cfg.find_database("main")));
  std::string msg = user_error([&] { require_url(*cfg.find_database("analytics")); });
  EXPECT_TRUE(Contains(msg, file + ":6: environment variable " + missing.name() + " is not set"));
  const auto* staging = cfg.find_environment("staging");
  ASSERT_NE(staging, nullptr);
  EXPECT_EQ(staging->databases.count("main"), 1u);
  ASSERT_EQ(staging->errors.count("analytics"), 1u);
  EXPECT_TRUE(Contains(staging->errors.at("analytics"), file + ":9:"));
  EXPECT_TRUE(Contains(staging->errors.at("analytics"), missing.name()));

  // Set but empty: said so, not "has no url".
  std::string file2 = p.config(
      "[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\nurl = \"${" + empty.name() + "}\"\n");
  auto cfg2 = load_config(file2);
  msg = user_error([&] { require_url(cfg2.databases[0]); });
  EXPECT_TRUE(Contains(msg, file2 + ":4: [databases.main] url is empty (${" + empty.name() + "} is set but empty)"));

  // A url that is not a string is still an error at once.
  msg = user_error([&] {
    load_config(p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\nurl = 5\n"));
  });
  EXPECT_TRUE(Contains(msg, "'url' must be a string, not an integer"));
}

TEST(Config, EachDatabaseMayHaveItsOwnVersionTable) {
  Project p;
  p.dir.write("migrations/analytics/.keep", "");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
      "version_table = \"schema_history\"\n"
      "[databases.main]\n"
      "url = \"postgresql://app@db/shared\"\n"
      "[databases.analytics]\n"
      "url = \"postgresql://app@db/shared\"\n"
      "version_table = \"analytics_version\"\n"
      "version_table_schema = \"audit\"\n");
  auto cfg = load_config(file);
  EXPECT_EQ(cfg.find_database("main")->version_table, "schema_history");
  EXPECT_FALSE(cfg.find_database("main")->version_table_schema);
  EXPECT_EQ(cfg.find_database("analytics")->version_table, "analytics_version");
  EXPECT_EQ(cfg.find_database("analytics")->version_table_schema, std::optional<std::string>("audit"));

  // The same database and the same version table: the chains would collide.
  std::string msg = user_error([&] {
    load_config(p.config("[alembic]\n"
                         "version_locations = [\"migrations/main\", \"migrations/analytics\"]\n"
                         "[databases.main]\n"
                         "url = \"postgresql://app:pw1@db:5432/shared\"\n"
                         "[databases.analytics]\n"
                         "url = \"postgresql://other:pw2@db:5432/shared?sslmode=require\"\n"));
  });
  EXPECT_TRUE(Contains(msg, ":5: databases 'main' (line 3) and 'analytics' use the same database")) << msg;
  EXPECT_TRUE(Contains(msg, "version_table = \"analytics_version\"")) << msg;
  EXPECT_TRUE(NotContains(msg, "pw2")) << msg;
  msg = user_error([&] {
    load_config(p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\n"
                         "url = \"sqlite://\"\nversion_table = \"v; DROP TABLE t; --\"\n"));
  });
  EXPECT_TRUE(Contains(msg, ":5: 'version_table' must be a plain SQL identifier")) << msg;
}

TEST(Config, DoubleDollarIsLiteralInFile) {
  Project p;
  ScopedEnv v("LITERAL");
  v.set("should-not-appear");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "plugin_path = [\"/opt/v_$${" + v.name() + "}\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  Config cfg = load_config(file);
  ASSERT_EQ(cfg.plugin_path.size(), 1u);
  EXPECT_EQ(cfg.plugin_path[0], "/opt/v_${" + v.name() + "}");
}

TEST(Config, InvalidDotEnvIsAnErrorNamingIt) {
  Project p;
  std::string dotenv = p.dir.write(".env", "GOOD=1\nthis line is not an assignment\n");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, ".env:2:"));
}

// --------------------------------------------------------------- interpolate

TEST(Config, InterpolateReplacesVariables) {
  auto lookup = [](const std::string& n) -> std::optional<std::string> {
    if (n == "USER") return std::string("alice");
    if (n == "HOST") return std::string("db");
    return std::nullopt;
  };
  EXPECT_EQ(interpolate("pg://${USER}@${HOST}/x", lookup, "f.toml", 1), "pg://alice@db/x");
  EXPECT_EQ(interpolate("no variables here", lookup, "f.toml", 1), "no variables here");
  EXPECT_EQ(interpolate("$USER stays", lookup, "f.toml", 1), "$USER stays");
  EXPECT_EQ(interpolate("", lookup, "f.toml", 1), "");
}

TEST(Config, InterpolateDefault) {
  auto lookup = [](const std::string& n) -> std::optional<std::string> {
    if (n == "SET") return std::string("value");
    if (n == "EMPTY") return std::string();
    return std::nullopt;
  };
  EXPECT_EQ(interpolate("${UNSET:-dflt}", lookup, "f", 1), "dflt");
  EXPECT_EQ(interpolate("${SET:-dflt}", lookup, "f", 1), "value");
  EXPECT_EQ(interpolate("${UNSET:-}", lookup, "f", 1), "");
  EXPECT_EQ(interpolate("${UNSET:-a:b/c}", lookup, "f", 1), "a:b/c");
  // As in the shell, :- also replaces an empty value; a bare ${EMPTY} is "".
  EXPECT_EQ(interpolate("${EMPTY:-dflt}", lookup, "f", 1), "dflt");
  EXPECT_EQ(interpolate("[${EMPTY}]", lookup, "f", 1), "[]");
}

TEST(Config, InterpolateUnsetWithoutDefaultThrows) {
  std::string msg = user_error([] { interpolate("x${NOPE_VAR}y", no_env, "conf/alembic.toml", 12); });
  EXPECT_TRUE(Contains(msg, "conf/alembic.toml:12:"));
  EXPECT_TRUE(Contains(msg, "NOPE_VAR"));
}

TEST(Config, InterpolateDoubleDollarIsLiteral) {
  auto lookup = [](const std::string&) -> std::optional<std::string> { return std::string("X"); };
  EXPECT_EQ(interpolate("$${A}", lookup, "f", 1), "${A}");
  EXPECT_EQ(interpolate("a$${B}c${B}", lookup, "f", 1), "a${B}cX");
  // The literal does not need a variable to exist.
  EXPECT_EQ(interpolate("$${NOT_SET}", no_env, "f", 1), "${NOT_SET}");
}

TEST(Config, InterpolateMalformedExpressionsThrow) {
  std::string unterminated = user_error([] { interpolate("abc${FOO", no_env, "f.toml", 3); });
  EXPECT_TRUE(Contains(unterminated, "f.toml:3:"));
  std::string bad_name = user_error([] { interpolate("${BAD NAME}", no_env, "f.toml", 4); });
  EXPECT_TRUE(Contains(bad_name, "f.toml:4:"));
  EXPECT_TRUE(Contains(bad_name, "BAD NAME"));
  std::string empty = user_error([] { interpolate("${}", no_env, "f.toml", 5); });
  EXPECT_TRUE(Contains(empty, "f.toml:5:"));
}

// --------------------------------------------------------------- parse_dotenv

TEST(Config, ParseDotenvBasics) {
  EnvLookup env = parse_dotenv(
      "# a comment\n"
      "\n"
      "PLAIN=value\n"
      "  SPACED  =  padded value  \n"
      "export EXPORTED=yes\n"
      "DOUBLE=\"with spaces # not a comment\"\n"
      "SINGLE='single quoted'\n"
      "INLINE=val # trailing comment\n"
      "EMPTY=\n"
      "URL=postgresql://u:p@h/db?x=1\n"
      "LAST=no newline at end",
      ".env");
  EXPECT_EQ(env.size(), 9u);
  EXPECT_EQ(env["PLAIN"], "value");
  EXPECT_EQ(env["SPACED"], "padded value");
  EXPECT_EQ(env["EXPORTED"], "yes");
  EXPECT_EQ(env.count("export EXPORTED"), 0u);
  EXPECT_EQ(env["DOUBLE"], "with spaces # not a comment");
  EXPECT_EQ(env["SINGLE"], "single quoted");
  EXPECT_EQ(env["INLINE"], "val");
  EXPECT_EQ(env.count("EMPTY"), 1u);
  EXPECT_EQ(env["EMPTY"], "");
  EXPECT_EQ(env["URL"], "postgresql://u:p@h/db?x=1");
  EXPECT_EQ(env["LAST"], "no newline at end");
}

TEST(Config, ParseDotenvCommentsOnlyIsEmpty) {
  EnvLookup env = parse_dotenv("# only\n   # comments\n\n", "x/.env");
  EXPECT_TRUE(env.empty());
}

TEST(Config, ParseDotenvLaterAssignmentWins) {
  EnvLookup env = parse_dotenv("A=1\nA=2\n", ".env");
  EXPECT_EQ(env["A"], "2");
}

TEST(Config, ParseDotenvHashInsideValueWithoutSpaceIsKept) {
  EnvLookup env = parse_dotenv("PW=abc#def\n", ".env");
  EXPECT_EQ(env["PW"], "abc#def");
}

TEST(Config, ParseDotenvErrorsNameFileAndLine) {
  std::string no_eq = user_error([] { parse_dotenv("A=1\n# c\nJUSTAWORD\n", "proj/.env"); });
  EXPECT_TRUE(Contains(no_eq, "proj/.env:3:"));
  std::string no_key = user_error([] { parse_dotenv("=value\n", "proj/.env"); });
  EXPECT_TRUE(Contains(no_key, "proj/.env:1:"));
}

TEST(Config, ParseDotenvQuotedValueWithTrailingComment) {
  // A quoted value followed by a '#' comment: the comment and the quotes go.
  EnvLookup env = parse_dotenv("PW=\"s3 cret\" # production\nOTHER='x' # c\n", ".env");
  EXPECT_EQ(env["PW"], "s3 cret");
  EXPECT_EQ(env["OTHER"], "x");
}

// ------------------------------------------------- wrong types, identifiers

// Every key of a known type answers a value of another type with file:line,
// the key and the type it expects.
TEST(Config, EveryKeyOfTheWrongTypeNamesFileLineKeyAndExpectedType) {
  struct Case {
    std::string alembic;   // extra lines in [alembic]
    std::string database;  // extra lines in [databases.main]
    std::string tail;      // extra tables
    int line;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"version_locations = \"migrations/main\"\n", "", "", 2,
       "'version_locations' must be an array of strings, e.g. version_locations = [\"migrations/main\"], not a "
       "single string"},
      {"version_locations = 3\n", "", "", 2, "'version_locations' must be an array of strings, not an integer"},
      {"version_locations = [\"migrations/main\", 4]\n", "", "", 2,
       "each entry of 'version_locations' must be a string, not an integer"},
      {"version_locations = [\"migrations/main\", \"\"]\n", "", "", 2, "an entry of 'version_locations' is empty"},
      {"version_locations = []\n", "", "", 2, "'version_locations' is empty"},
      {"plugin_path = \"/opt/plugins\"\n", "", "", 3, "'plugin_path' must be an array of strings"},
      {"plugin_path = { a = 1 }\n", "", "", 3, "'plugin_path' must be an array of strings, not a table"},
      {"version_table = [\"v\"]\n", "", "", 3, "'version_table' must be a string, not an array"},
      {"version_table_schema = true\n", "", "", 3, "'version_table_schema' must be a string, not a boolean"},
      {"transaction_per_migration = \"yes\"\n", "", "", 3,
       "'transaction_per_migration' must be true or false, not a string"},
      {"jobs = 2.5\n", "", "", 3, "'jobs' must be an integer, not a number"},
      {"jobs = -1\n", "", "", 3, "'jobs' must be between 1 and 1024, not -1"},
      {"jobs = 99999999999\n", "", "", 3, "'jobs' must be between 1 and 1024, not 99999999999"},
      {"", "url = 5\n", "", 4, "'url' must be a string, not an integer"},
      {"", "url = \"sqlite://\"\nlocation = [\"migrations/main\"]\n", "", 5,
       "'location' must be a string, not an array"},
      {"", "", "[environments.staging]\nmain = \"sqlite:///a.db\"\n", 6,
       "[environments.staging] main must be a list of URLs or a table with urls or urls_file, not a string "
       "(write main = [\"...\"] for one URL)"},
      {"", "", "[environments.staging]\nmain = { urls = \"sqlite:///a.db\" }\n", 6,
       "'urls' must be an array of strings"},
      {"", "", "[environments.staging]\nmain = { urls_file = 7 }\n", 6, "'urls_file' must be a string, not an integer"},
      {"", "", "[environments]\nstaging = 3\n", 6, "'environments.staging' must be a table, not an integer"},
  };
  for (auto& c : cases) {
    Project p;
    std::string first = c.alembic.rfind("version_locations", 0) == 0 ? "" : "version_locations = [\"migrations/main\"]\n";
    std::string file = p.config("[alembic]\n" + first + c.alembic + "[databases.main]\n" +
                                (c.database.empty() ? "url = \"sqlite://\"\n" : c.database) + c.tail);
    std::string msg = user_error([&] { load_config(file); });
    EXPECT_TRUE(Contains(msg, file + ":" + std::to_string(c.line) + ": ")) << c.alembic << c.database << c.tail;
    EXPECT_TRUE(Contains(msg, c.expected)) << c.alembic << c.database << c.tail;
  }
}

TEST(Config, VersionTableMustBeAPlainIdentifier) {
  for (std::string bad : std::vector<std::string>{"v; DROP TABLE t; --", "alembic version", "1versions", "schema.table", "back`tick",
                          "versión", std::string(51, 'v')}) {
    Project p;
    std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n\nversion_table = \"" + bad +
                                "\"\n[databases.main]\nurl = \"sqlite://\"\n");
    std::string msg = user_error([&] { load_config(file); });
    EXPECT_TRUE(Contains(msg, file + ":4: 'version_table' must be a plain SQL identifier: letters, digits and '_', "
                                     "not starting with a digit, at most 50 characters"))
        << bad;
    EXPECT_TRUE(Contains(msg, "got '" + bad + "'")) << bad;
  }
  // The longest accepted name leaves room for "<name>_progress_pkc" in 63.
  Project p;
  std::string longest(50, 'v');
  std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\nversion_table = \"" + longest +
                              "\"\nversion_table_schema = \"_Schema_2\"\n[databases.main]\nurl = \"sqlite://\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.version_table, longest);
  EXPECT_EQ(cfg.version_table_schema.value_or(""), "_Schema_2");
  EXPECT_EQ((longest + "_progress_pkc").size(), 63u);
}

TEST(Config, VersionTableSchemaMustBeAPlainIdentifier) {
  for (std::string bad : std::vector<std::string>{"", "public; DROP SCHEMA x", "a-b", std::string(64, 's')}) {
    Project p;
    std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\nversion_table_schema = \"" +
                                bad + "\"\n[databases.main]\nurl = \"sqlite://\"\n");
    std::string msg = user_error([&] { load_config(file); });
    EXPECT_TRUE(Contains(msg, file + ":3: 'version_table_schema' must be a plain SQL identifier")) << bad;
    EXPECT_TRUE(Contains(msg, "at most 63 characters")) << bad;
  }
  Project p;
  std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\nversion_table_schema = \"" +
                              std::string(63, 's') + "\"\n[databases.main]\nurl = \"sqlite://\"\n");
  EXPECT_EQ(load_config(file).version_table_schema.value_or(""), std::string(63, 's'));
}

// ------------------------------------------------------ byte order marks

TEST(Config, LeadingByteOrderMarkIsAcceptedInConfigDotEnvAndUrlsFile) {
  Project p;
  ScopedEnv v("BOM");
  p.dir.write(".env", "\xEF\xBB\xBF" + v.name() + "=sqlite:///from-dotenv.db\n");
  p.dir.write("fleet.txt", "\xEF\xBB\xBFsqlite:///fleet-0.db\nsqlite:///fleet-1.db\n");
  std::string file = p.config(
      "\xEF\xBB\xBF[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"${" + v.name() + "}\"\n"
      "[environments.staging]\n"
      "main = { urls_file = \"fleet.txt\" }\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.databases[0].url_text, "sqlite:///from-dotenv.db");
  EXPECT_EQ(cfg.databases[0].line, 3);
  ASSERT_EQ(cfg.environments.size(), 1u);
  const auto& urls = cfg.environments[0].databases.at("main");
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[0].text, "sqlite:///fleet-0.db");
  EXPECT_EQ(urls[0].url.database, p.path("fleet-0.db"));
  EXPECT_EQ(urls[0].origin, p.path("fleet.txt") + ":1");
}

TEST(Config, ParseDotenvDropsALeadingByteOrderMark) {
  auto env = parse_dotenv("\xEF\xBB\xBFKEY=value\nOTHER=2\n", ".env");
  ASSERT_EQ(env.size(), 2u);
  EXPECT_EQ(env.at("KEY"), "value");
  EXPECT_EQ(strata::config::strip_bom("\xEF\xBB\xBFx"), "x");
  EXPECT_EQ(strata::config::strip_bom("x\xEF\xBB\xBF"), "x\xEF\xBB\xBF");
}

// ------------------------------------------- the config file itself, .env

TEST(Config, ADirectoryGivenAsTheConfigSaysSo) {
  Project p;
  std::string msg = user_error([&] { load_config(p.dir.path()); });
  EXPECT_TRUE(Contains(msg, p.dir.path() + ": is a directory; give the path of an alembic.toml (-c/--config " +
                                p.dir.path() + "/alembic.toml)"));
  EXPECT_TRUE(NotContains(msg, "version_locations"));
}

TEST(Config, AMissingConfigSaysNoSuchFile) {
  TempDir d;
  std::string file = d / "missing.toml";
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ": no such file (use -c/--config PATH"));
}

TEST(Config, AnUnreadableConfigSaysCannotRead) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads every file";
  Project p;
  std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n");
  fs::permissions(file, fs::perms::none);
  std::string msg = user_error([&] { load_config(file); });
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(Contains(msg, file + ": cannot read: Permission denied (the configuration file"));
}

TEST(Config, ADotEnvThatIsADirectoryIsAnError) {
  Project p;
  p.dir.write(".env/x", "");
  std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n"
                              "[databases.main]\nurl = \"sqlite://\"\n");
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, p.path(".env") + ": is a directory (the .env file beside " + file));
}

TEST(Config, AMissingUrlsFileNamesTheConfigLine) {
  Project p;
  std::string file = p.config("[alembic]\nversion_locations = [\"migrations/main\"]\n"
                              "[databases.main]\nurl = \"sqlite://\"\n"
                              "[environments.staging]\nmain = { urls_file = \"nope.txt\" }\n");
  // The file may exist only where the environment is used: reported when
  // a command selects the environment.
  auto cfg = load_config(file);
  ASSERT_EQ(cfg.find_environment("staging")->errors.count("main"), 1u);
  std::string msg = cfg.find_environment("staging")->errors.at("main");
  EXPECT_TRUE(Contains(msg, file + ":6: [environments.staging] main: urls_file " + p.path("nope.txt") +
                                ": no such file"));
}

// ------------------------------------------------------- numeric options

TEST(Config, ParseCountAcceptsPlainNumbersInRange) {
  using strata::config::parse_count;
  EXPECT_EQ(parse_count("1", "-j/--jobs", 1, 1024), 1);
  EXPECT_EQ(parse_count("1024", "-j/--jobs", 1, 1024), 1024);
  EXPECT_EQ(parse_count("0008", "-j/--jobs", 1, 1024), 8);
  for (std::string bad : {"0", "1025", "-1", "+1", "", " 1", "1.0", "1e2", "nan", "inf", "0x10", "four",
                          "99999999999999999999999"}) {
    std::string msg = user_error([&] { parse_count(bad, "-j/--jobs", 1, 1024); });
    EXPECT_TRUE(Contains(msg, "-j/--jobs takes a whole number from 1 to 1024")) << bad;
  }
}

TEST(Config, ParseSecondsAcceptsZeroToTheLimit) {
  using strata::config::parse_seconds;
  EXPECT_EQ(parse_seconds("0", "--lock-timeout", 86400), 0.0);
  EXPECT_EQ(parse_seconds("2.5", "--lock-timeout", 86400), 2.5);
  EXPECT_EQ(parse_seconds("86400", "--lock-timeout", 86400), 86400.0);
  for (std::string bad : {"-1", "-0.5", "nan", "NaN", "inf", "-inf", "1e3", "0x10", "", ".", "1.2.3", "5s",
                          "86400.001", "99999999999999999999999999999999999"}) {
    std::string msg = user_error([&] { parse_seconds(bad, "--lock-timeout", 86400); });
    EXPECT_TRUE(Contains(msg, "--lock-timeout takes a number of seconds from 0 to 86400")) << bad;
  }
  EXPECT_TRUE(Contains(user_error([&] { parse_seconds("-1", "--wait-timeout", 86400); }),
                       "a negative time is not allowed"));
}

TEST(Config, DevUrlIsParsedAndItsProblemsWaitForACommandThatNeedsIt) {
  Project p;
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite:///main.db\"\n"
      "dev_url = \"postgresql://me:pw@localhost:5433/postgres\"\n");
  auto cfg = strata::config::load_config(file);
  ASSERT_TRUE(cfg.databases[0].dev_url.has_value());
  EXPECT_EQ(cfg.databases[0].dev_url->dialect, "postgresql");
  EXPECT_EQ(cfg.databases[0].dev_url->port, 5433u);
  EXPECT_TRUE(cfg.databases[0].dev_url_error.empty());
  file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "[databases.main]\n"
      "url = \"sqlite:///main.db\"\n"
      "dev_url = \"${STRATA_TEST_UNSET_DEV_URL_VAR}\"\n");
  cfg = strata::config::load_config(file);  // loads: only a command that needs dev_url reports it
  EXPECT_FALSE(cfg.databases[0].dev_url.has_value());
  EXPECT_NE(cfg.databases[0].dev_url_error.find("STRATA_TEST_UNSET_DEV_URL_VAR"), std::string::npos)
      << cfg.databases[0].dev_url_error;
}
