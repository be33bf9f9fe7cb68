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
      "version_locations = \"migrations/main\"\n"
      "transaction_per_migration = false\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  Config cfg = load_config(file);
  EXPECT_FALSE(cfg.transaction_per_migration);
  // A single string is accepted where a list is expected.
  ASSERT_EQ(cfg.version_locations.size(), 1u);
  EXPECT_EQ(cfg.version_locations[0], p.path("migrations/main"));
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
  std::string msg = user_error([&] { load_config(file); });
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
  std::string msg = user_error([&] { load_config(file); });
  EXPECT_TRUE(Contains(msg, file + ":5:"));
  EXPECT_TRUE(Contains(msg, v.name()));
}

TEST(Config, DoubleDollarIsLiteralInFile) {
  Project p;
  ScopedEnv v("LITERAL");
  v.set("should-not-appear");
  std::string file = p.config(
      "[alembic]\n"
      "version_locations = [\"migrations/main\"]\n"
      "version_table = \"v_$${" + v.name() + "}\"\n"
      "[databases.main]\n"
      "url = \"sqlite://\"\n");
  Config cfg = load_config(file);
  EXPECT_EQ(cfg.version_table, "v_${" + v.name() + "}");
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
