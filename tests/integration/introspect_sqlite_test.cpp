// The SQLite plugin's introspect() (dialect ABI 1.2): the catalog document,
// format 1 (strata/schema/catalog.hpp), read back with nlohmann::json and
// checked value by value, through the real plugin and the host's
// dialect::Connection::introspect.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"
#include "test_support.hpp"

using namespace strata;
using strata::test::TempDir;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

namespace {

// Statements SQLite starts on every connection opened after
// count_statements() (the plugin shares this process's libsqlite3): an
// auto-extension puts a statement trace on each new connection.
std::atomic<int> g_statements{0};

int on_trace(unsigned type, void*, void*, void* x) {
  const char* sql = static_cast<const char*>(x);
  if (type == SQLITE_TRACE_STMT && !(sql && sql[0] == '-' && sql[1] == '-')) ++g_statements;  // not trigger lines
  return 0;
}

int trace_extension(sqlite3* db, char**, const sqlite3_api_routines*) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_trace, nullptr);
  return SQLITE_OK;
}

void count_statements() {
  static const int rc = sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(trace_extension));
  ASSERT_EQ(rc, SQLITE_OK);
}

class IntrospectSqlite : public ::testing::Test {
 protected:
  TempDir dir;
  dialect::PluginRegistry registry{{test::build_plugin_dir()}};
  const dialect::Plugin* plugin = &registry.get("sqlite");

  std::unique_ptr<dialect::Connection> connect(const std::string& file) {
    return std::make_unique<dialect::Connection>(
        *plugin, runner::connect_options(config::parse_url("sqlite:///" + file, dir.path())));
  }

  // A fresh database `file` with `ddl` run on it; its catalog as text.
  std::string introspect_text(const std::string& file, const std::string& ddl,
                              const std::string& options = R"J({"exclude_tables": []})J") {
    auto c = connect(file);
    c->execute(ddl);
    return c->introspect(options);
  }

  Json introspect(const std::string& ddl, const std::string& options = R"J({"exclude_tables": []})J") {
    static int n = 0;
    return Json::parse(introspect_text("db" + std::to_string(n++) + ".db", ddl, options));
  }
};

const Json& find(const Json& list, const std::string& name) {
  for (const auto& item : list)
    if (item.at("name") == name) return item;
  static const Json none;
  ADD_FAILURE() << "no entry named " << name << " in " << list.dump();
  return none;
}

const Json& table(const Json& catalog, const std::string& name) { return find(catalog.at("tables"), name); }
const Json& column(const Json& catalog, const std::string& t, const std::string& c) {
  return find(table(catalog, t).at("columns"), c);
}

std::vector<std::string> keys(const OrderedJson& object) {
  std::vector<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.push_back(it.key());
  return out;
}

using Keys = std::vector<std::string>;

// Every key of format 1, in the documented order, with the nulls SQLite
// cannot fill.
TEST_F(IntrospectSqlite, EveryKeyInTheDocumentedOrder) {
  const std::string text = introspect_text("keys.db", R"J(
    CREATE TABLE p(id INTEGER PRIMARY KEY);
    CREATE TABLE t(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id), u TEXT UNIQUE, CHECK (u <> ''));
    CREATE INDEX ix_t ON t(p_id);
    CREATE VIEW v AS SELECT 1;
    CREATE TRIGGER tr_t AFTER INSERT ON t BEGIN SELECT 1; END;
  )J");
  const auto doc = OrderedJson::parse(text);
  EXPECT_EQ(keys(doc), (Keys{"format", "dialect", "tables", "views", "sequences", "enums"}));
  EXPECT_EQ(doc["format"], 1);
  EXPECT_EQ(doc["dialect"], "sqlite");
  EXPECT_EQ(doc["sequences"], OrderedJson::array());
  EXPECT_EQ(doc["enums"], OrderedJson::array());
  ASSERT_EQ(doc["tables"].size(), 2u);
  const auto& t = doc["tables"][1];
  EXPECT_EQ(t["name"], "t");
  EXPECT_EQ(keys(t), (Keys{"schema", "name", "comment", "columns", "primary_key", "unique_constraints", "indexes",
                           "foreign_keys", "checks", "triggers"}));
  EXPECT_TRUE(t["schema"].is_null());
  EXPECT_TRUE(t["comment"].is_null());
  EXPECT_EQ(keys(t["columns"][0]), (Keys{"name", "type", "normalized_type", "nullable", "default", "identity",
                                         "autoincrement", "collation", "comment"}));
  EXPECT_TRUE(t["columns"][0]["identity"].is_null());
  EXPECT_TRUE(t["columns"][0]["comment"].is_null());
  EXPECT_EQ(keys(t["primary_key"]), (Keys{"name", "columns"}));
  EXPECT_EQ(keys(t["unique_constraints"][0]), (Keys{"name", "columns"}));
  EXPECT_EQ(keys(t["indexes"][0]), (Keys{"name", "unique", "columns", "where", "method"}));
  EXPECT_EQ(keys(t["indexes"][0]["columns"][0]), (Keys{"column", "expression", "descending", "prefix"}));
  EXPECT_TRUE(t["indexes"][0]["method"].is_null());
  EXPECT_TRUE(t["indexes"][0]["columns"][0]["prefix"].is_null());
  EXPECT_EQ(keys(t["foreign_keys"][0]), (Keys{"name", "columns", "ref_schema", "ref_table", "ref_columns",
                                              "on_delete", "on_update", "deferrable", "initially_deferred"}));
  EXPECT_TRUE(t["foreign_keys"][0]["ref_schema"].is_null());
  EXPECT_EQ(keys(t["checks"][0]), (Keys{"name", "expression"}));
  EXPECT_EQ(keys(t["triggers"][0]), (Keys{"name", "definition"}));
  EXPECT_EQ(doc["tables"][0]["triggers"], OrderedJson::array());
  EXPECT_EQ(keys(doc["views"][0]), (Keys{"schema", "name", "definition"}));
  EXPECT_TRUE(doc["views"][0]["schema"].is_null());
  // A table without a declared key has none.
  EXPECT_TRUE(OrderedJson::parse(introspect_text("nokey.db", "CREATE TABLE n(a)"))["tables"][0]["primary_key"].is_null());
}

TEST_F(IntrospectSqlite, ColumnsTypesDefaultsAndNullability) {
  const Json c = introspect(R"J(
    CREATE TABLE items (
      id        INTEGER PRIMARY KEY AUTOINCREMENT,
      email     VARCHAR( 255 ) NOT NULL COLLATE NOCASE,
      price     DECIMAL(10, 2) DEFAULT 0.5,
      qty       int DEFAULT -1 NOT NULL,
      created   TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      updated   TEXT DEFAULT (datetime('now')),
      note      TEXT DEFAULT 'it''s',
      flag      BOOL DEFAULT TRUE,
      big       INT8,
      d         DOUBLE PRECISION,
      r         FLOAT4,
      n         Character  Varying(20),
      plain     TEXT COLLATE BINARY,
      folded    TEXT COLLATE nocase,
      bin       BLOB DEFAULT x'00ff',
      untyped,
      total     INT GENERATED ALWAYS AS (qty * 2) STORED
    );
  )J");
  const Json& t = table(c, "items");
  std::vector<std::string> names;
  for (const auto& col : t["columns"]) names.push_back(col["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "email", "price", "qty", "created", "updated", "note", "flag",
                                             "big", "d", "r", "n", "plain", "folded", "bin", "untyped", "total"}));

  const Json& id = column(c, "items", "id");
  EXPECT_EQ(id["type"], "INTEGER");
  EXPECT_EQ(id["normalized_type"], "integer");
  EXPECT_EQ(id["nullable"], false);  // the rowid: never NULL
  EXPECT_EQ(id["autoincrement"], true);
  EXPECT_TRUE(id["default"].is_null());

  const Json& email = column(c, "items", "email");
  EXPECT_EQ(email["type"], "VARCHAR( 255 )");
  EXPECT_EQ(email["normalized_type"], "varchar(255)");
  EXPECT_EQ(email["nullable"], false);
  EXPECT_EQ(email["collation"], "NOCASE");
  EXPECT_EQ(email["autoincrement"], false);

  EXPECT_EQ(column(c, "items", "price")["normalized_type"], "numeric(10,2)");
  EXPECT_EQ(column(c, "items", "price")["default"], "0.5");
  EXPECT_EQ(column(c, "items", "price")["nullable"], true);
  EXPECT_EQ(column(c, "items", "qty")["normalized_type"], "integer");
  EXPECT_EQ(column(c, "items", "qty")["default"], "-1");
  EXPECT_EQ(column(c, "items", "qty")["nullable"], false);
  EXPECT_EQ(column(c, "items", "created")["default"], "CURRENT_TIMESTAMP");
  EXPECT_EQ(column(c, "items", "created")["normalized_type"], "timestamp");
  // SQLite reports an expression default without its parentheses.
  EXPECT_EQ(column(c, "items", "updated")["default"], "datetime('now')");
  EXPECT_EQ(column(c, "items", "note")["default"], "'it''s'");
  EXPECT_EQ(column(c, "items", "flag")["default"], "TRUE");
  EXPECT_EQ(column(c, "items", "flag")["normalized_type"], "boolean");
  EXPECT_EQ(column(c, "items", "big")["normalized_type"], "bigint");
  EXPECT_EQ(column(c, "items", "d")["normalized_type"], "double");
  EXPECT_EQ(column(c, "items", "r")["normalized_type"], "real");
  EXPECT_EQ(column(c, "items", "n")["normalized_type"], "varchar(20)");
  EXPECT_TRUE(column(c, "items", "plain")["collation"].is_null());  // BINARY is the default
  EXPECT_EQ(column(c, "items", "folded")["collation"], "NOCASE");    // built-in names in upper case
  EXPECT_EQ(column(c, "items", "bin")["default"], "x'00ff'");
  EXPECT_EQ(column(c, "items", "untyped")["type"], "");
  EXPECT_EQ(column(c, "items", "untyped")["normalized_type"], "");
  EXPECT_TRUE(column(c, "items", "untyped")["default"].is_null());
  EXPECT_EQ(column(c, "items", "total")["type"], "INT");
  for (const auto& col : t["columns"]) {
    EXPECT_TRUE(col["identity"].is_null());
    EXPECT_TRUE(col["comment"].is_null());
    if (col["name"] != "id") {
      EXPECT_EQ(col["autoincrement"], false) << col["name"];
    }
  }
  // AUTOINCREMENT made sqlite_sequence, which is never listed.
  EXPECT_EQ(c["tables"].size(), 1u);
}

TEST_F(IntrospectSqlite, PrimaryKeys) {
  const Json c = introspect(R"J(
    CREATE TABLE composite(a TEXT, b INT, c INT, CONSTRAINT pk_composite PRIMARY KEY (b, a));
    CREATE TABLE unnamed(a TEXT, b INT, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE TABLE col_named(id INTEGER CONSTRAINT pk_col PRIMARY KEY);
    CREATE TABLE text_key(code TEXT PRIMARY KEY);
    CREATE TABLE int_desc(id INTEGER PRIMARY KEY DESC);
    CREATE TABLE tbl_auto(id INTEGER, PRIMARY KEY (id AUTOINCREMENT));
  )J");
  EXPECT_EQ(table(c, "composite")["primary_key"], Json::parse(R"J({"name": "pk_composite", "columns": ["b", "a"]})J"));
  EXPECT_EQ(table(c, "unnamed")["primary_key"], Json::parse(R"J({"name": null, "columns": ["a", "b"]})J"));
  EXPECT_EQ(column(c, "unnamed", "a")["nullable"], false);  // WITHOUT ROWID keys are NOT NULL
  EXPECT_EQ(table(c, "col_named")["primary_key"], Json::parse(R"J({"name": "pk_col", "columns": ["id"]})J"));
  EXPECT_EQ(table(c, "text_key")["primary_key"], Json::parse(R"J({"name": null, "columns": ["code"]})J"));
  // SQLite lets a non-INTEGER key of a rowid table hold NULL; so does
  // INTEGER PRIMARY KEY DESC, which is not the rowid.
  EXPECT_EQ(column(c, "text_key", "code")["nullable"], true);
  EXPECT_EQ(column(c, "int_desc", "id")["nullable"], true);
  EXPECT_EQ(column(c, "col_named", "id")["nullable"], false);
  EXPECT_EQ(column(c, "tbl_auto", "id")["autoincrement"], true);
  EXPECT_EQ(column(c, "col_named", "id")["autoincrement"], false);
  // The key's own index is neither a unique constraint nor an index.
  EXPECT_EQ(table(c, "composite")["unique_constraints"], Json::array());
  EXPECT_EQ(table(c, "composite")["indexes"], Json::array());
}

TEST_F(IntrospectSqlite, UniqueConstraintsAndUniqueIndexes) {
  const Json c = introspect(R"J(
    CREATE TABLE u (
      id INTEGER PRIMARY KEY,
      email TEXT CONSTRAINT uq_email UNIQUE,
      a INT, b INT, c INT, d TEXT UNIQUE,
      UNIQUE (b, a),
      CONSTRAINT "Uq ab" UNIQUE (a, b)
    );
    CREATE UNIQUE INDEX ux_c ON u(c);
  )J");
  const Json& t = table(c, "u");
  EXPECT_EQ(t["unique_constraints"], Json::parse(R"J([
      {"name": "Uq ab", "columns": ["a", "b"]},
      {"name": "uq_email", "columns": ["email"]},
      {"name": null, "columns": ["b", "a"]},
      {"name": null, "columns": ["d"]}])J"));
  ASSERT_EQ(t["indexes"].size(), 1u);
  EXPECT_EQ(t["indexes"][0], Json::parse(R"J({"name": "ux_c", "unique": true,
      "columns": [{"column": "c", "expression": null, "descending": false, "prefix": null}],
      "where": null, "method": null})J"));
}

TEST_F(IntrospectSqlite, ExpressionPartialAndDescendingIndexes) {
  const Json c = introspect(R"J(
    CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT, active INT, created TEXT);
    CREATE INDEX ix_lower ON users (lower( email ) DESC, /* a comment */ id);
    CREATE INDEX ix_active ON users(email COLLATE NOCASE ASC) WHERE active = 1   AND -- a comment
      email IS NOT NULL;
    CREATE UNIQUE INDEX ix_created ON users(created DESC, substr(email, 1, 3));
  )J");
  const Json& t = table(c, "users");
  ASSERT_EQ(t["indexes"].size(), 3u);
  EXPECT_EQ(t["indexes"][0]["name"], "ix_active");  // sorted by name
  EXPECT_EQ(t["indexes"][1]["name"], "ix_created");
  EXPECT_EQ(t["indexes"][2]["name"], "ix_lower");
  EXPECT_EQ(find(t["indexes"], "ix_lower"), Json::parse(R"J({"name": "ix_lower", "unique": false, "columns": [
      {"column": null, "expression": "lower(email)", "descending": true, "prefix": null},
      {"column": "id", "expression": null, "descending": false, "prefix": null}],
      "where": null, "method": null})J"));
  EXPECT_EQ(find(t["indexes"], "ix_active"), Json::parse(R"J({"name": "ix_active", "unique": false, "columns": [
      {"column": "email", "expression": null, "descending": false, "prefix": null}],
      "where": "active = 1 AND email IS NOT NULL", "method": null})J"));
  EXPECT_EQ(find(t["indexes"], "ix_created"), Json::parse(R"J({"name": "ix_created", "unique": true, "columns": [
      {"column": "created", "expression": null, "descending": true, "prefix": null},
      {"column": null, "expression": "substr(email, 1, 3)", "descending": false, "prefix": null}],
      "where": null, "method": null})J"));
}

TEST_F(IntrospectSqlite, ForeignKeys) {
  const Json c = introspect(R"J(
    CREATE TABLE parent(id INTEGER PRIMARY KEY, code TEXT UNIQUE);
    CREATE TABLE pair(x INT, y INT, UNIQUE (x, y));
    CREATE TABLE child (
      id INTEGER PRIMARY KEY,
      parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE,
      code TEXT CONSTRAINT fk_code REFERENCES Parent(CODE) ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
      p2 INTEGER REFERENCES parent,
      q INTEGER REFERENCES parent(id) NOT NULL DEFERRABLE INITIALLY DEFERRED,
      a INT, b INT,
      CONSTRAINT fk_ab FOREIGN KEY (a, b) REFERENCES pair (x, y) ON DELETE RESTRICT ON UPDATE SET DEFAULT,
      FOREIGN KEY (b) REFERENCES parent(id) ON DELETE NO ACTION NOT DEFERRABLE INITIALLY DEFERRED,
      FOREIGN KEY (a) REFERENCES parent(id) DEFERRABLE INITIALLY IMMEDIATE
    );
  )J");
  EXPECT_EQ(table(c, "child")["foreign_keys"], Json::parse(R"J([
    {"name": "fk_ab", "columns": ["a", "b"], "ref_schema": null, "ref_table": "pair", "ref_columns": ["x", "y"],
     "on_delete": "RESTRICT", "on_update": "SET DEFAULT", "deferrable": false, "initially_deferred": false},
    {"name": "fk_code", "columns": ["code"], "ref_schema": null, "ref_table": "parent", "ref_columns": ["code"],
     "on_delete": null, "on_update": "SET NULL", "deferrable": true, "initially_deferred": true},
    {"name": null, "columns": ["a"], "ref_schema": null, "ref_table": "parent", "ref_columns": ["id"],
     "on_delete": null, "on_update": null, "deferrable": true, "initially_deferred": false},
    {"name": null, "columns": ["b"], "ref_schema": null, "ref_table": "parent", "ref_columns": ["id"],
     "on_delete": null, "on_update": null, "deferrable": false, "initially_deferred": false},
    {"name": null, "columns": ["p2"], "ref_schema": null, "ref_table": "parent", "ref_columns": ["id"],
     "on_delete": null, "on_update": null, "deferrable": false, "initially_deferred": false},
    {"name": null, "columns": ["parent_id"], "ref_schema": null, "ref_table": "parent", "ref_columns": ["id"],
     "on_delete": "CASCADE", "on_update": null, "deferrable": false, "initially_deferred": false},
    {"name": null, "columns": ["q"], "ref_schema": null, "ref_table": "parent", "ref_columns": ["id"],
     "on_delete": null, "on_update": null, "deferrable": true, "initially_deferred": true}
  ])J"));
  EXPECT_EQ(column(c, "child", "q")["nullable"], false);
}

TEST_F(IntrospectSqlite, ChecksNamedAndUnnamed) {
  const Json c = introspect(R"J(
    CREATE TABLE acct (
      name TEXT CONSTRAINT ck_name CHECK (name <> '') CHECK ( length(name)  <  100 ),
      a INT, b INT,
      qty INT,
      CONSTRAINT ck_qty CHECK (qty >= 0 /* never negative */),
      CHECK(a < b)
      CONSTRAINT "ck ""odd""" CHECK (a IN (1, 2, 3))
    );
  )J");
  EXPECT_EQ(table(c, "acct")["checks"], Json::parse(R"J([
    {"name": "ck \"odd\"", "expression": "a IN (1, 2, 3)"},
    {"name": "ck_name", "expression": "name <> ''"},
    {"name": "ck_qty", "expression": "qty >= 0"},
    {"name": null, "expression": "a < b"},
    {"name": null, "expression": "length(name) < 100"}
  ])J"));
}

TEST_F(IntrospectSqlite, Views) {
  const Json c = introspect(R"J(
    CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT, active INT);
    CREATE VIEW v_active AS SELECT id, email FROM users WHERE active = 1;
    CREATE VIEW "my view" (x, y) AS
      -- leading comment
      SELECT id AS x, email AS y FROM users;
  )J");
  EXPECT_EQ(c["views"], Json::parse(R"J([
    {"schema": null, "name": "my view", "definition": "SELECT id AS x, email AS y FROM users"},
    {"schema": null, "name": "v_active", "definition": "SELECT id, email FROM users WHERE active = 1"}
  ])J"));
  EXPECT_EQ(c["tables"].size(), 1u);
}

TEST_F(IntrospectSqlite, TriggersPerTableByName) {
  const Json c = introspect(R"J(
    CREATE TABLE Items(id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE audit(item_id INT, what TEXT);
    CREATE VIEW v AS SELECT id FROM items;
    create trigger if not exists zz_audit after insert on ITEMS
    begin
      -- one row per item
      insert into audit values (new.id, 'insert');
    end;
    CREATE TRIGGER "a trigger" BEFORE DELETE ON main.items FOR EACH ROW WHEN old.id > 0 BEGIN
      SELECT RAISE(ABORT, 'kept');
    END;
    CREATE TRIGGER on_view INSTEAD OF INSERT ON v BEGIN SELECT 1; END;
  )J");
  // SQLite writes CREATE TRIGGER itself (without IF NOT EXISTS); the rest
  // is laid out as expressions are. Matched to its table in any case; a
  // view's trigger is not listed.
  EXPECT_EQ(table(c, "Items")["triggers"], Json::parse(R"J([
    {"name": "a trigger", "definition": "CREATE TRIGGER \"a trigger\" BEFORE DELETE ON main.items FOR EACH ROW WHEN old.id > 0 BEGIN SELECT RAISE(ABORT, 'kept'); END"},
    {"name": "zz_audit", "definition": "CREATE TRIGGER zz_audit after insert on ITEMS begin insert into audit values (new.id, 'insert'); end"}
  ])J"));
  EXPECT_EQ(table(c, "audit")["triggers"], Json::array());
  EXPECT_EQ(Json(c).dump().find("on_view"), std::string::npos);
  // Excluded tables leave with their triggers.
  const Json x = introspect("CREATE TABLE log(a); CREATE TRIGGER tr_log AFTER INSERT ON log BEGIN SELECT 1; END;",
                            R"J({"exclude_tables": ["log"]})J");
  EXPECT_EQ(Json(x).dump().find("tr_log"), std::string::npos);
}

TEST_F(IntrospectSqlite, QuotedIdentifiers) {
  const Json c = introspect(R"J(
    CREATE TABLE "odd ""table"" name" (
      "first col" INTEGER CONSTRAINT "pk ""x""" PRIMARY KEY,
      [bracket col] TEXT CONSTRAINT [uq bracket] UNIQUE,
      `tick col` INT CONSTRAINT "fk 'q'" REFERENCES "other table"("the id"),
      'string col' TEXT,
      CONSTRAINT "ck, (comma)" CHECK ("tick col" > 0)
    );
    CREATE TABLE "other table"("the id" INTEGER PRIMARY KEY);
    CREATE INDEX "ix ""odd""" ON "odd ""table"" name" ("first col", "string col" DESC);
  )J");
  const Json& t = table(c, "odd \"table\" name");
  std::vector<std::string> names;
  for (const auto& col : t["columns"]) names.push_back(col["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"first col", "bracket col", "tick col", "string col"}));
  EXPECT_EQ(t["primary_key"], Json::parse(R"J({"name": "pk \"x\"", "columns": ["first col"]})J"));
  EXPECT_EQ(t["unique_constraints"], Json::parse(R"J([{"name": "uq bracket", "columns": ["bracket col"]}])J"));
  ASSERT_EQ(t["foreign_keys"].size(), 1u);
  EXPECT_EQ(t["foreign_keys"][0]["name"], "fk 'q'");
  EXPECT_EQ(t["foreign_keys"][0]["ref_table"], "other table");
  EXPECT_EQ(t["foreign_keys"][0]["ref_columns"], Json::parse(R"J(["the id"])J"));
  EXPECT_EQ(t["checks"], Json::parse(R"J([{"name": "ck, (comma)", "expression": "\"tick col\" > 0"}])J"));
  ASSERT_EQ(t["indexes"].size(), 1u);
  EXPECT_EQ(t["indexes"][0]["name"], "ix \"odd\"");
  EXPECT_EQ(t["indexes"][0]["columns"][0]["column"], "first col");
  EXPECT_EQ(t["indexes"][0]["columns"][1]["column"], "string col");
  EXPECT_EQ(t["indexes"][0]["columns"][1]["descending"], true);
}

TEST_F(IntrospectSqlite, ExcludedTablesLeaveWithTheirIndexes) {
  const Json c = introspect(R"J(
    CREATE TABLE alembic_version(version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
    CREATE TABLE alembic_version_log(id INTEGER PRIMARY KEY AUTOINCREMENT, rev TEXT);
    CREATE INDEX ix_log_rev ON alembic_version_log(rev);
    CREATE TABLE kept(id INTEGER PRIMARY KEY);
    CREATE INDEX ix_kept ON kept(id);
    CREATE VIRTUAL TABLE docs USING fts5(body);
  )J",
                            R"J({"exclude_tables": ["alembic_version", "ALEMBIC_VERSION_LOG"]})J");
  ASSERT_EQ(c["tables"].size(), 1u);
  EXPECT_EQ(c["tables"][0]["name"], "kept");
  EXPECT_EQ(c["tables"][0]["indexes"].size(), 1u);
  EXPECT_EQ(Json(c).dump().find("ix_log_rev"), std::string::npos);
  EXPECT_EQ(Json(c).dump().find("sqlite_"), std::string::npos);
  // A virtual table (the format cannot describe its module) and the shadow
  // tables holding its data are not listed.
  EXPECT_EQ(Json(c).dump().find("docs"), std::string::npos);
}

TEST_F(IntrospectSqlite, BadOptionsAreErrors) {
  const std::vector<std::string> bad = {R"J({"exclude_tables": 3})J", R"J({"exclude_tables": [1]})J", "not json",
                                        R"J({"schemas": ["temp"]})J", "[]"};
  auto c = connect("opts.db");
  c->execute("CREATE TABLE t(a)");
  for (const std::string& options : bad) EXPECT_THROW(c->introspect(options), dialect::DialectError) << options;
  // Absent keys and "main" are fine.
  EXPECT_EQ(Json::parse(c->introspect("{}"))["tables"].size(), 1u);
  EXPECT_EQ(Json::parse(c->introspect(R"J({"schemas": ["main"]})J"))["tables"].size(), 1u);

  // The messages, through the ABI table itself.
  const strata_dialect_api* api = plugin->api;
  const std::string path = dir / "opts.db";
  strata_connect_params params{};
  params.struct_size = sizeof params;
  params.url_masked = "sqlite:///opts.db";
  params.scheme = "sqlite";
  params.database = path.c_str();
  params.lock_timeout_seconds = -1;
  strata_conn* conn = nullptr;
  strata_error* err = nullptr;
  ASSERT_EQ(api->connect(&params, &conn, &err), STRATA_OK);
  for (const std::string& options : bad) {
    strata_string_list* list = nullptr;
    err = nullptr;
    EXPECT_EQ(api->introspect(conn, options.c_str(), &list, &err), STRATA_ERROR) << options;
    EXPECT_EQ(list, nullptr);
    ASSERT_NE(err, nullptr) << options;
    EXPECT_TRUE(test::Contains(err->message, "introspect: invalid options")) << err->message;
    api->error_free(err);
  }
  err = nullptr;
  strata_string_list* list = nullptr;
  ASSERT_EQ(api->introspect(conn, nullptr, &list, &err), STRATA_OK);  // NULL options: the defaults
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->count, 1u);
  EXPECT_EQ(Json::parse(list->items[0])["tables"].size(), 1u);
  api->string_list_free(list);
  api->disconnect(conn);
}

// Inside the caller's transaction introspect() sees its uncommitted DDL and
// leaves the transaction open.
TEST_F(IntrospectSqlite, RunsInsideAnOpenTransaction) {
  auto c = connect("tx.db");
  c->begin();
  c->execute("CREATE TABLE t(a)");
  EXPECT_EQ(Json::parse(c->introspect("{}"))["tables"].size(), 1u);
  c->rollback();
  EXPECT_EQ(Json::parse(c->introspect("{}"))["tables"].size(), 0u);
}

// The same schema, built by statements in another order (tables, indexes,
// views, constraints within a table, a column added by ALTER TABLE, other
// layout and comments): the same bytes.
TEST_F(IntrospectSqlite, EqualSchemasGiveIdenticalBytes) {
  const std::string a = introspect_text("a.db", R"J(
    CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL, org_id INT,
      CONSTRAINT uq_email UNIQUE (email),
      CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs(id) ON DELETE CASCADE,
      CHECK (email <> ''), CHECK (org_id > 0));
    CREATE TABLE orgs(id INTEGER PRIMARY KEY, name TEXT);
    CREATE INDEX ix_b ON users(lower(email));
    CREATE INDEX ix_a ON users(org_id) WHERE org_id IS NOT NULL;
    CREATE VIEW v2 AS SELECT 2;
    CREATE VIEW v1 AS SELECT id FROM users;
    CREATE TRIGGER tr_users AFTER INSERT ON users BEGIN SELECT 1; END;
  )J");
  const std::string b = introspect_text("b.db", R"J(
    CREATE TABLE orgs(id INTEGER PRIMARY KEY);
    ALTER TABLE orgs ADD COLUMN name TEXT;
    CREATE TABLE users(
      id INTEGER PRIMARY KEY,
      email TEXT NOT NULL,
      org_id INT,
      CHECK (org_id > 0),
      CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE,
      CHECK ( email <> '' ),  -- not empty
      CONSTRAINT uq_email UNIQUE (email)
    );
    CREATE VIEW v1 AS SELECT id FROM users;
    CREATE INDEX ix_a ON users(org_id) WHERE org_id IS NOT NULL;
    CREATE VIEW v2 AS SELECT 2;
    CREATE INDEX ix_b ON users( lower(email) );
    CREATE TRIGGER tr_users AFTER INSERT ON users
    BEGIN
      SELECT 1;  -- nothing
    END;
  )J");
  EXPECT_EQ(a, b);
  EXPECT_EQ(Json::parse(a)["tables"].size(), 2u);
  EXPECT_EQ(Json::parse(a)["tables"][0]["name"], "orgs");
}

// 1,000 tables cost the same statements as one: a fixed number of queries.
TEST_F(IntrospectSqlite, AThousandTablesInAFixedNumberOfQueries) {
  count_statements();
  auto schema = [](int tables) {
    std::string ddl = "BEGIN;\n";
    for (int i = 0; i < tables; ++i) {
      const std::string n = std::to_string(i);
      ddl += "CREATE TABLE t" + n + "(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT 'x', " +
             "parent_id INTEGER" + (i ? " REFERENCES t" + std::to_string(i - 1) + "(id) ON DELETE CASCADE" : "") +
             ", code TEXT CONSTRAINT uq_t" + n + "_code UNIQUE, CHECK (length(name) > 0));\n" +
             "CREATE INDEX ix_t" + n + "_name ON t" + n + "(lower(name)) WHERE name <> 'x';\n";
    }
    return ddl + "COMMIT;\n";
  };
  auto measure = [&](const std::string& file, int tables, double* seconds) {
    auto c = connect(file);
    c->execute(schema(tables));
    g_statements = 0;
    const auto start = std::chrono::steady_clock::now();
    const std::string text = c->introspect(R"J({"exclude_tables": ["alembic_version"]})J");
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int statements = g_statements;
    const Json doc = Json::parse(text);
    EXPECT_EQ(doc["tables"].size(), static_cast<size_t>(tables));
    return statements;
  };
  double one_s = 0, many_s = 0;
  const int one = measure("one.db", 1, &one_s);
  const int many = measure("many.db", 1000, &many_s);
  EXPECT_GT(one, 0) << "the statement trace saw nothing: is the plugin linked to another libsqlite3?";
  EXPECT_EQ(one, many);
  EXPECT_LE(many, 12);
  std::cout << "introspect: 1 table " << one_s * 1000 << " ms, 1000 tables " << many_s * 1000 << " ms, " << many
            << " statements each\n";
  RecordProperty("statements", many);
  RecordProperty("ms_1000_tables", static_cast<int>(many_s * 1000));
}

// The 1,000-table catalog is complete, not only counted.
TEST_F(IntrospectSqlite, LargeSchemaIsComplete) {
  std::string ddl = "BEGIN;\n";
  for (int i = 0; i < 1000; ++i) {
    const std::string n = std::to_string(i);
    ddl += "CREATE TABLE t" + n + "(id INTEGER PRIMARY KEY, ref INT REFERENCES t0(id), v TEXT UNIQUE);\n" +
           "CREATE INDEX ix_" + n + " ON t" + n + "(v DESC);\n";
  }
  const Json c = introspect(ddl + "COMMIT;\n");
  ASSERT_EQ(c["tables"].size(), 1000u);
  for (const auto& t : c["tables"]) {
    EXPECT_EQ(t["columns"].size(), 3u);
    EXPECT_EQ(t["foreign_keys"].size(), 1u);
    EXPECT_EQ(t["unique_constraints"].size(), 1u);
    ASSERT_EQ(t["indexes"].size(), 1u);
    EXPECT_EQ(t["indexes"][0]["columns"][0]["descending"], true);
  }
  EXPECT_EQ(c["tables"][0]["name"], "t0");
  EXPECT_EQ(c["tables"][1]["name"], "t1");
  EXPECT_EQ(c["tables"][2]["name"], "t10");  // byte order
}

}  // namespace
