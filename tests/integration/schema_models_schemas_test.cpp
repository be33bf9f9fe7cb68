// SQLAlchemy models with tables in a PostgreSQL schema other than the
// current one (Table(..., schema="audit")): revision --autogenerate creates
// the schema and the qualified objects, upgrade applies them on a real
// database, check and diff read the schema on every side, and downgrade
// takes it all back. MySQL and SQLite refuse such models, naming the
// setting and the table.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

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

// users in the current schema (the chain's first revision makes it); in
// audit: an enum, a sequence, and events with a foreign key to users and an
// index.
constexpr const char* kUsersSql =
    "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL);\n";

std::string models(const std::string& extra_column) {
  return std::string(
             "import sqlalchemy as sa\n"
             "metadata = sa.MetaData()\n"
             "users = sa.Table('users', metadata,\n"
             "    sa.Column('id', sa.Integer, primary_key=True, autoincrement=False),\n"
             "    sa.Column('name', sa.String(50), nullable=False))\n"
             "mood = sa.Enum('calm', 'cross', name='mood', schema='audit')\n"
             "events = sa.Table('events', metadata,\n"
             "    sa.Column('id', sa.Integer, primary_key=True),\n"
             "    sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id'), nullable=False),\n"
             "    sa.Column('mood', mood),\n"
             "    sa.Column('seq', sa.BigInteger, sa.Sequence('event_no', schema='audit')),\n") +
         extra_column +
         "    sa.Index('ix_events_user', 'user_id'),\n"
         "    schema='audit')\n";
}

class ModelSchemas : public ::testing::Test {
 protected:
  TempDir dir;
  std::vector<std::string> created;

  std::string fresh_pg(const std::string& tag) {
    static std::atomic<int> counter{0};
    std::string name = "strata_ms" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + tag;
    connect(admin_url("postgresql"))->execute("CREATE DATABASE " + name);
    created.push_back(name);
    return with_database(admin_url("postgresql"), name);
  }

  void TearDown() override {
    if (created.empty()) return;
    auto c = connect(admin_url("postgresql"));
    for (auto& name : created) {
      try {
        c->execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (const std::exception&) {
      }
    }
  }

  // The one-revision chain (users), the models, and alembic.toml.
  void project(const std::string& desired, const std::string& dev_dialect) {
    dir.write("migrations/main/a1_users.sql",
              std::string("-- Revision ID: a1\n-- Revises:\n-- Message: users\n\n-- +upgrade\n") + kUsersSql +
                  "\n-- +downgrade\nDROP TABLE users;\n");
    const std::string dev = dev_dialect == "sqlite" ? "" : "dev_url = \"${DEV_URL}\"\n";
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n"
                              "[databases.main]\nurl = \"${DATABASE_URL}\"\n" + dev + desired + "\n");
  }

  strata::test::RunResult strata(const std::vector<std::string>& args, const std::string& url,
                                 const std::string& dev_dialect = "postgresql") {
    return run_strata(args, dir.path(),
                      {"DATABASE_URL=" + url, "DEV_URL=" + (dev_dialect == "sqlite" ? "" : admin_url(dev_dialect))});
  }

  // The database's catalog in the current schema and audit.
  nlohmann::json catalog(const std::string& url) {
    return nlohmann::json::parse(connect(url)->introspect(
        R"({"extra_schemas": ["audit"], "exclude_tables": ["alembic_version", "alembic_version_log", "alembic_version_progress"]})"));
  }

  // `schema` "": the default schema (null in the catalog).
  static const nlohmann::json* table(const nlohmann::json& cat, const std::string& schema, const std::string& name) {
    const nlohmann::json want = schema.empty() ? nlohmann::json() : nlohmann::json(schema);
    for (auto& t : cat["tables"])
      if (t["schema"] == want && t["name"] == name) return &t;
    return nullptr;
  }

  static std::vector<std::string> columns(const nlohmann::json& t) {
    std::vector<std::string> out;
    for (auto& c : t["columns"]) out.push_back(c["name"].get<std::string>());
    return out;
  }

  // The revision file whose name holds `slug`.
  std::string revision_text(const std::string& slug) {
    std::string found;
    for (auto& e : fs::directory_iterator(dir / "migrations/main"))
      if (has(e.path().filename().string(), slug)) found = e.path().string();
    EXPECT_FALSE(found.empty()) << "no revision file holds " << slug;
    return found.empty() ? "" : strata::util::read_file(found);
  }

  size_t revision_files() {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(dir / "migrations/main")) n += e.path().extension() == ".sql";
    return n;
  }
};

// The section of a revision file from `-- +upgrade` (or downgrade) to the
// next section.
std::string section(const std::string& text, const std::string& which) {
  const auto start = text.find("-- +" + which);
  if (start == std::string::npos) return "";
  const auto end = text.find("\n-- +", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

TEST_F(ModelSchemas, PostgresqlModelsInAnotherSchemaAreGeneratedAppliedCheckedAndDowngraded) {
  dir.write("app_models.py", models(""));
  project("models = \"app_models:metadata\"", "postgresql");
  const std::string url = fresh_pg("audit");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);

  // check sees what the chain lacks: the schema and what is in it.
  auto before = strata({"check"}, url);
  EXPECT_EQ(before.exit_code, 1) << before.out << before.err;
  EXPECT_TRUE(has(before.out, "create schema audit")) << before.out;
  EXPECT_TRUE(has(before.out, "create table audit.events")) << before.out;
  EXPECT_TRUE(has(before.out, "6 changes not in the chain yet")) << before.out;
  EXPECT_FALSE(has(before.out, "table users")) << "users is in the chain already\n" << before.out;

  auto gen = strata({"revision", "--autogenerate", "-m", "audit events"}, url);
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  EXPECT_TRUE(has(gen.out, "Verified on a scratch database")) << gen.out;
  const std::string text = revision_text("audit_events");
  const std::string up = section(text, "upgrade"), down = section(text, "downgrade");
  EXPECT_FALSE(has(text, "-- Review:")) << text;
  // The schema first, then what goes in it, qualified.
  const auto schema_at = up.find("CREATE SCHEMA \"audit\";");
  ASSERT_NE(schema_at, std::string::npos) << up;
  for (const char* part : {"CREATE TYPE \"audit\".\"mood\" AS ENUM ('calm', 'cross')",
                           "CREATE SEQUENCE \"audit\".\"event_no\"", "CREATE TABLE \"audit\".\"events\"",
                           "\"mood\" audit.mood", "CREATE INDEX \"ix_events_user\" ON \"audit\".\"events\"",
                           "ALTER TABLE \"audit\".\"events\" ADD CONSTRAINT", "REFERENCES \"users\" (\"id\")"}) {
    const auto at = up.find(part);
    EXPECT_NE(at, std::string::npos) << part << "\n" << up;
    if (at != std::string::npos) {
      EXPECT_GT(at, schema_at) << part << " before CREATE SCHEMA\n" << up;
    }
  }
  EXPECT_FALSE(has(up, "CREATE TABLE \"users\"")) << "users is not created again\n" << up;
  // The default schema's objects are named unqualified (as Alembic writes
  // them), so the revision runs in whatever schema the search_path gives.
  EXPECT_FALSE(has(text, "\"public\"")) << text;
  // The downgrade drops it all, the schema last.
  const auto drop_schema = down.find("DROP SCHEMA \"audit\";");
  ASSERT_NE(drop_schema, std::string::npos) << down;
  for (const char* part : {"DROP TABLE \"audit\".\"events\"", "DROP TYPE \"audit\".\"mood\"",
                           "DROP SEQUENCE \"audit\".\"event_no\""}) {
    const auto at = down.find(part);
    EXPECT_NE(at, std::string::npos) << part << "\n" << down;
    if (at != std::string::npos) {
      EXPECT_LT(at, drop_schema) << part << " after DROP SCHEMA\n" << down;
    }
  }

  // Applied to the real database: audit holds events, its key points at
  // the default schema's users (ref_schema null).
  auto applied = strata({"upgrade", "head"}, url);
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  auto cat = catalog(url);
  EXPECT_EQ(cat["schemas"], nlohmann::json::array({"audit"})) << cat.dump();
  const auto* events = table(cat, "audit", "events");
  ASSERT_NE(events, nullptr) << cat.dump();
  EXPECT_EQ(columns(*events), (std::vector<std::string>{"id", "user_id", "mood", "seq"}));
  ASSERT_EQ((*events)["foreign_keys"].size(), 1u);
  EXPECT_EQ((*events)["foreign_keys"][0]["ref_schema"], nullptr);
  EXPECT_EQ((*events)["foreign_keys"][0]["ref_table"], "users");
  ASSERT_EQ((*events)["indexes"].size(), 1u);
  EXPECT_EQ((*events)["indexes"][0]["name"], "ix_events_user");
  EXPECT_NE(table(cat, "", "users"), nullptr);
  bool mood = false;
  for (auto& e : cat["enums"]) mood = mood || (e["schema"] == "audit" && e["name"] == "mood");
  EXPECT_TRUE(mood) << cat.dump();

  auto clean = strata({"check"}, url);
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_TRUE(has(clean.out, "no changes")) << clean.out;
  auto no_drift = strata({"diff"}, url);
  EXPECT_EQ(no_drift.exit_code, 0) << no_drift.out << no_drift.err;

  // A column added by hand in audit is drift: diff reads the schema the
  // chain has on the live database.
  connect(url)->execute("ALTER TABLE audit.events ADD COLUMN by_hand integer");
  auto drift = strata({"diff"}, url);
  EXPECT_EQ(drift.exit_code, 1) << drift.out << drift.err;
  EXPECT_TRUE(has(drift.out, "+ column audit.events.by_hand integer (only in the database)")) << drift.out;
  connect(url)->execute("ALTER TABLE audit.events DROP COLUMN by_hand");

  // The models change in audit: check finds it, autogenerate writes it
  // qualified.
  dir.write("app_models.py", models("    sa.Column('note', sa.String(40)),\n"));
  auto changed = strata({"check"}, url);
  EXPECT_EQ(changed.exit_code, 1) << changed.out << changed.err;
  EXPECT_TRUE(has(changed.out, "1 change not in the chain yet")) << changed.out;
  EXPECT_TRUE(has(changed.out, "add column audit.events.note varchar(40)")) << changed.out;
  auto gen2 = strata({"revision", "--autogenerate", "-m", "event note"}, url);
  ASSERT_EQ(gen2.exit_code, 0) << gen2.out << gen2.err;
  const std::string text2 = revision_text("event_note");
  EXPECT_TRUE(has(section(text2, "upgrade"), "ALTER TABLE \"audit\".\"events\" ADD COLUMN \"note\" character varying(40);"))
      << text2;
  EXPECT_TRUE(has(section(text2, "downgrade"), "ALTER TABLE \"audit\".\"events\" DROP COLUMN \"note\";")) << text2;
  EXPECT_FALSE(has(text2, "SCHEMA")) << "audit exists already\n" << text2;
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);
  EXPECT_EQ(columns(*table(catalog(url), "audit", "events")),
            (std::vector<std::string>{"id", "user_id", "mood", "seq", "note"}));
  EXPECT_EQ(strata({"check"}, url).exit_code, 0);

  // Models that no longer name audit: the chain's audit is read all the
  // same, and goes.
  const std::string all = models("");
  dir.write("app_models.py", all.substr(0, all.find("mood =")));  // users alone
  auto gone = strata({"check"}, url);
  EXPECT_EQ(gone.exit_code, 1) << gone.out << gone.err;
  for (const char* part : {"drop table audit.events", "drop type audit.mood", "drop sequence audit.event_no",
                           "drop schema audit"})
    EXPECT_TRUE(has(gone.out, part)) << part << "\n" << gone.out;
  EXPECT_FALSE(has(gone.out, "table users")) << gone.out;

  // Downgrades: the column goes, then the schema and all in it; users stays.
  ASSERT_EQ(strata({"downgrade", "-1"}, url).exit_code, 0);
  EXPECT_EQ(columns(*table(catalog(url), "audit", "events")),
            (std::vector<std::string>{"id", "user_id", "mood", "seq"}));
  auto down2 = strata({"downgrade", "-1"}, url);
  ASSERT_EQ(down2.exit_code, 0) << down2.out << down2.err;
  auto back = catalog(url);
  EXPECT_EQ(back["schemas"], nlohmann::json::array()) << back.dump();
  EXPECT_EQ(back["enums"], nlohmann::json::array()) << back.dump();
  EXPECT_EQ(back["sequences"], nlohmann::json::array()) << back.dump();
  ASSERT_EQ(back["tables"].size(), 1u) << back.dump();
  EXPECT_NE(table(back, "", "users"), nullptr);
  EXPECT_TRUE(connect(url)->query_column("SELECT nspname FROM pg_namespace WHERE nspname = 'audit'").empty());
  auto back_diff = strata({"diff"}, url);
  EXPECT_EQ(back_diff.exit_code, 0) << back_diff.out << back_diff.err;
}

// A schema file that creates a schema is read the same way.
TEST_F(ModelSchemas, PostgresqlSchemaFileWithCreateSchemaIsCompared) {
  dir.write("schema/main.sql", std::string(kUsersSql) +
                                   "CREATE SCHEMA audit;\n"
                                   "CREATE TABLE audit.events (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL "
                                   "REFERENCES users (id));\n");
  project("schema = \"schema/main.sql\"", "postgresql");
  const std::string url = with_database(admin_url("postgresql"), "strata_never_created");
  auto r = strata({"check"}, url);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "3 changes not in the chain yet")) << r.out;
  EXPECT_TRUE(has(r.out, "create schema audit")) << r.out;
  EXPECT_TRUE(has(r.out, "create table audit.events")) << r.out;
  EXPECT_TRUE(has(r.out, "add foreign key")) << r.out;
  // ignore_tables "audit.*" leaves the schema out whole.
  project("schema = \"schema/main.sql\"\nignore_tables = [\"audit.*\"]", "postgresql");
  auto ignored = strata({"check"}, url);
  EXPECT_EQ(ignored.exit_code, 0) << ignored.out << ignored.err;
  EXPECT_TRUE(has(ignored.out, "no changes")) << ignored.out;
}

// MySQL and SQLite: a scratch database is one database, so models naming a
// schema are refused, naming the setting's line and the table; nothing is
// written and no database named after the schema appears.
TEST_F(ModelSchemas, MysqlAndSqliteRefuseModelsInASchema) {
  dir.write("app_models.py", models(""));
  for (const std::string dialect : {"mysql", "sqlite"}) {
    SCOPED_TRACE(dialect);
    project("models = \"app_models:metadata\"", dialect);
    const std::string url = dialect == "sqlite" ? "sqlite:///" + (dir / "never_created.db")
                                                : with_database(admin_url("mysql"), "strata_never_created");
    const std::string says =
        std::string("alembic.toml:") + (dialect == "sqlite" ? "5" : "6") + ": models = app_models:metadata: ";
    for (auto args : {std::vector<std::string>{"check"},
                      std::vector<std::string>{"revision", "--autogenerate", "-m", "audit"}}) {
      auto r = strata(args, url, dialect);
      EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
      EXPECT_TRUE(has(r.err, says)) << r.err;
      EXPECT_TRUE(has(r.err, "is in schema audit; on " + std::string(dialect == "mysql" ? "MySQL" : "SQLite")))
          << r.err;
      EXPECT_TRUE(has(r.err, "table audit.events is in schema audit")) << r.err;
    }
    EXPECT_EQ(revision_files(), 1u) << "no revision is written";
    if (dialect == "mysql")
      EXPECT_TRUE(connect(admin_url("mysql"))
                      ->query_column("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'audit'")
                      .empty());
    else
      EXPECT_FALSE(fs::exists(dir / "never_created.db"));
  }
}

// A database whose search_path starts at another schema (a tenant's, "app"):
// the chain's objects land there, and it compares equal to the scratch
// databases' "public". Before: the generated revision pinned the sequence
// to "public" and failed there (relation "posts_id_seq" does not exist),
// and diff saw every table as moved.
TEST_F(ModelSchemas, TheDefaultSchemaIsWhateverTheSearchPathSaysAsInAlembic) {
  dir.write("tenant_models.py",
            "import sqlalchemy as sa\n"
            "metadata = sa.MetaData()\n"
            "role = sa.Enum('admin', 'member', name='user_role')\n"
            "users = sa.Table('users', metadata,\n"
            "    sa.Column('id', sa.Integer, primary_key=True, autoincrement=False),\n"
            "    sa.Column('name', sa.String(50), nullable=False))\n"
            "posts = sa.Table('posts', metadata,\n"
            "    sa.Column('id', sa.Integer, sa.Sequence('posts_id_seq'), primary_key=True),\n"
            "    sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id'), nullable=False),\n"
            "    sa.Column('role', role))\n");
  project("models = \"tenant_models:metadata\"", "postgresql");
  const std::string url = fresh_pg("tenant");
  connect(url)->execute("CREATE SCHEMA app; ALTER DATABASE " + created.back() + " SET search_path = app");
  ASSERT_EQ(strata({"upgrade", "head"}, url).exit_code, 0);

  auto gen = strata({"revision", "--autogenerate", "-m", "posts"}, url);
  ASSERT_EQ(gen.exit_code, 0) << gen.out << gen.err;
  const std::string text = revision_text("posts");
  EXPECT_FALSE(has(text, "public")) << text;
  EXPECT_TRUE(has(text, "CREATE SEQUENCE \"posts_id_seq\"")) << text;
  EXPECT_TRUE(has(text, "CREATE TYPE \"user_role\"")) << text;
  EXPECT_TRUE(has(text, "REFERENCES \"users\" (\"id\")")) << text;

  auto up = strata({"upgrade", "head"}, url);
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  auto where = connect(url)->query_column(
      "SELECT table_schema || '.' || table_name FROM information_schema.tables "
      "WHERE table_name IN ('users', 'posts') ORDER BY 1");
  EXPECT_EQ(where, (std::vector<std::string>{"app.posts", "app.users"}));
  auto check = strata({"check"}, url);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  auto diff = strata({"diff"}, url);
  EXPECT_EQ(diff.exit_code, 0) << diff.out << diff.err;
  // Its downgrade runs there too.
  auto down = strata({"downgrade", "-1"}, url);
  ASSERT_EQ(down.exit_code, 0) << down.out << down.err;
  auto left = connect(url)->query_column(
      "SELECT table_schema || '.' || table_name FROM information_schema.tables "
      "WHERE table_name IN ('users', 'posts') ORDER BY 1");
  EXPECT_EQ(left, (std::vector<std::string>{"app.users"}));
}
