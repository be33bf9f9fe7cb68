// ABI 1.2 introspect of the MySQL/MariaDB plugin against the real server
// (STRATA_TEST_MYSQL_URL, as mysql_plugin_test). Each test works in a fresh
// database of its own and reads the catalog document (format 1,
// strata/schema/catalog.hpp) with nlohmann::json.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "db_support.hpp"
#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/dialect_abi.h"
#include "strata/runner/runner.hpp"

using namespace strata;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

std::string fresh_name() {
  static std::atomic<int> counter{0};
  return "strata_introspect_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

class IntrospectMysql : public ::testing::Test {
 protected:
  std::string admin_url;
  std::unique_ptr<dialect::Connection> admin;
  std::vector<std::string> databases;  // dropped at the end
  std::string db;
  std::unique_ptr<dialect::Connection> conn;  // connected to db

  void SetUp() override {
    admin_url = test::admin_url("mysql");
    admin = test::connect(admin_url);
    db = create_database();
    conn = connect(db);
  }

  void TearDown() override {
    conn.reset();
    for (auto& d : databases) admin->execute("DROP DATABASE IF EXISTS `" + d + "`");
  }

  std::string create_database() {
    std::string name = fresh_name();
    admin->execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    databases.push_back(name);
    return name;
  }

  std::unique_ptr<dialect::Connection> connect(const std::string& database) {
    return test::connect(test::with_database(admin_url, database));
  }

  json introspect(dialect::Connection& c, const std::string& options = R"({"exclude_tables": []})") {
    const std::string text = c.introspect(options);
    json doc = json::parse(text);  // throws (failing the test) on invalid JSON
    EXPECT_EQ(doc["format"], 1);
    EXPECT_EQ(doc["dialect"], "mysql");
    return doc;
  }
  json introspect(const std::string& options = R"({"exclude_tables": []})") {
    return introspect(*conn, options);
  }

  static const json& table(const json& doc, const std::string& name) {
    for (auto& t : doc["tables"])
      if (t["name"] == name) return t;
    ADD_FAILURE() << "no table " << name << " in " << doc.dump(2);
    static const json none = json::object();
    return none;
  }
  static const json& column(const json& t, const std::string& name) {
    for (auto& c : t["columns"])
      if (c["name"] == name) return c;
    ADD_FAILURE() << "no column " << name << " in " << t.dump(2);
    static const json none = json::object();
    return none;
  }
  static const json& named(const json& list, const std::string& name) {
    for (auto& x : list)
      if (x["name"] == name) return x;
    ADD_FAILURE() << "nothing named " << name << " in " << list.dump(2);
    static const json none = json::object();
    return none;
  }
  static std::vector<std::string> names(const json& list) {
    std::vector<std::string> out;
    for (auto& x : list) out.push_back(x["name"].is_null() ? "<null>" : x["name"].get<std::string>());
    return out;
  }

  // Statements the server has counted for this session.
  int64_t questions(dialect::Connection& c) {
    auto v = c.query_column(
        "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'QUESTIONS'");
    return v.empty() ? -1 : std::stoll(v[0]);
  }
};

std::vector<std::string> keys(const ordered_json& object) {
  std::vector<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.push_back(it.key());
  return out;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_F(IntrospectMysql, EmptyDatabase) {
  EXPECT_EQ(conn->introspect("{}"),
            R"({"format":1,"dialect":"mysql","tables":[],"views":[],"sequences":[],"enums":[]})");
}

TEST_F(IntrospectMysql, EveryKeyInTheDocumentedOrder) {
  conn->execute(
      "CREATE TABLE p (id INT PRIMARY KEY, code INT, UNIQUE KEY uq_code (code));"
      "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, v INT, KEY ix_v (v), "
      "CONSTRAINT ck_v CHECK (v > 0), CONSTRAINT fk_p FOREIGN KEY (p_id) REFERENCES p (id));"
      "CREATE VIEW vw AS SELECT id FROM p");
  const auto doc = ordered_json::parse(conn->introspect("{}"));
  EXPECT_EQ(keys(doc), (Keys{"format", "dialect", "tables", "views", "sequences", "enums"}));
  const auto& c = doc["tables"][0];
  EXPECT_EQ(c["name"], "c");
  EXPECT_EQ(keys(c), (Keys{"schema", "name", "comment", "columns", "primary_key", "unique_constraints",
                           "indexes", "foreign_keys", "checks", "triggers"}));
  EXPECT_EQ(keys(c["columns"][0]), (Keys{"name", "type", "normalized_type", "nullable", "default", "identity",
                                         "autoincrement", "collation", "comment"}));
  EXPECT_EQ(keys(c["primary_key"]), (Keys{"name", "columns"}));
  EXPECT_EQ(keys(c["indexes"][0]), (Keys{"name", "unique", "columns", "where", "method"}));
  EXPECT_EQ(keys(c["indexes"][0]["columns"][0]), (Keys{"column", "expression", "descending", "prefix"}));
  EXPECT_EQ(keys(c["foreign_keys"][0]), (Keys{"name", "columns", "ref_schema", "ref_table", "ref_columns",
                                              "on_delete", "on_update", "deferrable", "initially_deferred"}));
  EXPECT_EQ(keys(c["checks"][0]), (Keys{"name", "expression"}));
  EXPECT_EQ(c["triggers"], ordered_json::array());  // held for SQLite only so far
  EXPECT_EQ(keys(doc["tables"][1]["unique_constraints"][0]), (Keys{"name", "columns"}));
  EXPECT_EQ(keys(doc["views"][0]), (Keys{"schema", "name", "definition"}));
  EXPECT_TRUE(c["schema"].is_null());
  EXPECT_TRUE(doc["sequences"].empty());
  EXPECT_TRUE(doc["enums"].empty());
}

TEST_F(IntrospectMysql, ColumnsTypesAndNormalizedTypes) {
  conn->execute(
      "CREATE TABLE t ("
      " id INT AUTO_INCREMENT PRIMARY KEY,"
      " flag TINYINT(1) NOT NULL,"
      " small TINYINT,"
      " n INT(11),"
      " u INT UNSIGNED,"
      " big BIGINT(20),"
      " amount DECIMAL(12,2),"
      " ratio DOUBLE,"
      " f FLOAT,"
      " name VARCHAR(255) NOT NULL,"
      " code CHAR(3),"
      " status ENUM('new','Paid','in flight') NOT NULL,"
      " tags SET('a','b'),"
      " body TEXT,"
      " at DATETIME(3))");
  const auto t = table(introspect(), "t");
  auto expect = [&](const std::string& name, const std::string& type, const std::string& normalized) {
    const auto& c = column(t, name);
    EXPECT_EQ(c["type"], type) << name;
    EXPECT_EQ(c["normalized_type"], normalized) << name;
  };
  expect("id", "int(11)", "integer");
  expect("flag", "tinyint(1)", "tinyint(1)");
  expect("small", "tinyint(4)", "tinyint");
  expect("n", "int(11)", "integer");
  expect("u", "int(10) unsigned", "integer unsigned");
  expect("big", "bigint(20)", "bigint");
  expect("amount", "decimal(12,2)", "numeric(12,2)");
  expect("ratio", "double", "double");
  expect("f", "float", "float");
  expect("name", "varchar(255)", "varchar(255)");
  expect("code", "char(3)", "char(3)");
  expect("status", "enum('new','Paid','in flight')", "enum('new','Paid','in flight')");
  expect("tags", "set('a','b')", "set('a','b')");
  expect("body", "text", "text");
  expect("at", "datetime(3)", "datetime(3)");

  std::vector<std::string> order;
  for (auto& c : t["columns"]) order.push_back(c["name"]);
  EXPECT_EQ(order, (std::vector<std::string>{"id", "flag", "small", "n", "u", "big", "amount", "ratio", "f",
                                             "name", "code", "status", "tags", "body", "at"}));
  EXPECT_EQ(column(t, "id")["autoincrement"], true);
  EXPECT_EQ(column(t, "n")["autoincrement"], false);
  EXPECT_EQ(column(t, "id")["nullable"], false);
  EXPECT_EQ(column(t, "flag")["nullable"], false);
  EXPECT_EQ(column(t, "small")["nullable"], true);
  EXPECT_TRUE(column(t, "id")["identity"].is_null());
}

TEST_F(IntrospectMysql, Defaults) {
  conn->execute(
      "CREATE TABLE t ("
      " id INT NOT NULL,"
      " s VARCHAR(10) DEFAULT 'x',"
      " q VARCHAR(10) NOT NULL DEFAULT 'it''s',"
      " n INT NOT NULL DEFAULT 0,"
      " amount DECIMAL(12,2) DEFAULT 1.50,"
      " st ENUM('a','b') DEFAULT 'a',"
      " created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,"
      " updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
      " touched DATETIME NULL ON UPDATE CURRENT_TIMESTAMP,"
      " explicit_null INT DEFAULT NULL,"
      " implicit_null INT,"
      " none INT NOT NULL)");
  const auto t = table(introspect(), "t");
  EXPECT_TRUE(column(t, "id")["default"].is_null());
  EXPECT_EQ(column(t, "s")["default"], "'x'");
  EXPECT_EQ(column(t, "q")["default"], "'it''s'");
  EXPECT_EQ(column(t, "n")["default"], "0");
  EXPECT_EQ(column(t, "amount")["default"], "1.50");
  EXPECT_EQ(column(t, "st")["default"], "'a'");
  EXPECT_EQ(column(t, "created")["default"], "current_timestamp()");
  // ON UPDATE has no key of its own: it follows the default, as the server shows it.
  EXPECT_EQ(column(t, "updated")["default"], "current_timestamp() on update current_timestamp()");
  EXPECT_EQ(column(t, "touched")["default"], "NULL on update current_timestamp()");
  EXPECT_EQ(column(t, "explicit_null")["default"], "NULL");
  EXPECT_EQ(column(t, "implicit_null")["default"], "NULL");  // the same thing to the server
  EXPECT_TRUE(column(t, "none")["default"].is_null());
}

TEST_F(IntrospectMysql, CollationsOnlyWhereTheyDifferFromTheTable) {
  conn->execute(
      "CREATE TABLE t ("
      " a VARCHAR(10),"
      " same VARCHAR(10) COLLATE utf8mb4_unicode_ci,"
      " bin VARCHAR(10) COLLATE utf8mb4_bin,"
      " l1 VARCHAR(10) CHARACTER SET latin1,"
      " n INT"
      ") DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;"
      "CREATE TABLE l (a VARCHAR(10), u VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci) "
      "DEFAULT CHARSET=latin1");
  const auto doc = introspect();
  const auto& t = table(doc, "t");
  EXPECT_TRUE(column(t, "a")["collation"].is_null());
  EXPECT_TRUE(column(t, "same")["collation"].is_null());
  EXPECT_EQ(column(t, "bin")["collation"], "utf8mb4_bin");
  EXPECT_EQ(column(t, "l1")["collation"], "latin1_swedish_ci");
  EXPECT_TRUE(column(t, "n")["collation"].is_null());
  const auto& l = table(doc, "l");
  EXPECT_TRUE(column(l, "a")["collation"].is_null());
  EXPECT_EQ(column(l, "u")["collation"], "utf8mb4_unicode_ci");
}

TEST_F(IntrospectMysql, Comments) {
  conn->execute(
      "CREATE TABLE t (id INT COMMENT 'the id', plain INT, fancy INT COMMENT 'naïve \"quoted\" ''text''') "
      "COMMENT='the table';"
      "CREATE TABLE u (id INT)");
  const auto doc = introspect();
  EXPECT_EQ(table(doc, "t")["comment"], "the table");
  EXPECT_TRUE(table(doc, "u")["comment"].is_null());
  EXPECT_EQ(column(table(doc, "t"), "id")["comment"], "the id");
  EXPECT_TRUE(column(table(doc, "t"), "plain")["comment"].is_null());
  EXPECT_EQ(column(table(doc, "t"), "fancy")["comment"], "naïve \"quoted\" 'text'");
}

TEST_F(IntrospectMysql, KeysAndIndexes) {
  conn->execute(
      "CREATE TABLE t ("
      " a INT NOT NULL, b INT NOT NULL, email VARCHAR(255), name VARCHAR(200), body TEXT, n INT, m INT,"
      " PRIMARY KEY (b, a),"
      " UNIQUE KEY uq_email (email),"
      " UNIQUE KEY uq_pair (n, m),"
      " KEY ix_prefix (name(10)),"
      " KEY ix_multi (n, m DESC),"
      " FULLTEXT KEY ft_body (body)"
      ") ENGINE=InnoDB;"
      "CREATE INDEX ix_hash ON t (m) USING HASH;"  // InnoDB keeps BTREE
      "CREATE TABLE nopk (x INT)");
  const auto doc = introspect();
  const auto& t = table(doc, "t");
  EXPECT_EQ(t["primary_key"], json::parse(R"({"name": "PRIMARY", "columns": ["b", "a"]})"));
  EXPECT_TRUE(table(doc, "nopk")["primary_key"].is_null());
  EXPECT_EQ(
      t["unique_constraints"],
      json::parse(
          R"([{"name": "uq_email", "columns": ["email"]}, {"name": "uq_pair", "columns": ["n", "m"]}])"));
  // Sorted by name; neither PRIMARY nor the unique keys.
  EXPECT_EQ(names(t["indexes"]), (std::vector<std::string>{"ft_body", "ix_hash", "ix_multi", "ix_prefix"}));
  EXPECT_EQ(named(t["indexes"], "ix_prefix"),
            json::parse(R"({"name": "ix_prefix", "unique": false, "columns": [
      {"column": "name", "expression": null, "descending": false, "prefix": 10}], "where": null, "method": "BTREE"})"));
  EXPECT_EQ(named(t["indexes"], "ix_multi")["columns"], json::parse(R"([
      {"column": "n", "expression": null, "descending": false, "prefix": null},
      {"column": "m", "expression": null, "descending": true, "prefix": null}])"));
  EXPECT_EQ(named(t["indexes"], "ft_body")["method"], "FULLTEXT");
  EXPECT_EQ(named(t["indexes"], "ft_body")["columns"][0]["descending"], false);
  EXPECT_EQ(named(t["indexes"], "ix_hash")["method"], "BTREE");
}

TEST_F(IntrospectMysql, ForeignKeysWithActions) {
  conn->execute(
      "CREATE TABLE users (id INT PRIMARY KEY, org INT NOT NULL, UNIQUE KEY uq_id_org (id, org));"
      "CREATE TABLE orders ("
      " id INT PRIMARY KEY, user_id INT, owner INT, buyer INT, seller INT, org INT, other INT,"
      " KEY ix_owner (owner),"
      " CONSTRAINT fk_cascade FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE SET "
      "NULL,"
      " CONSTRAINT fk_noaction FOREIGN KEY (owner) REFERENCES users (id) ON DELETE NO ACTION ON UPDATE NO "
      "ACTION,"
      " CONSTRAINT fk_restrict FOREIGN KEY (buyer) REFERENCES users (id) ON DELETE RESTRICT,"
      " CONSTRAINT fk_default FOREIGN KEY (seller) REFERENCES users (id),"
      " CONSTRAINT fk_pair FOREIGN KEY (other, org) REFERENCES users (id, org) ON DELETE SET NULL)");
  const auto orders = table(introspect(), "orders");
  const auto& fks = orders["foreign_keys"];
  EXPECT_EQ(names(fks),
            (std::vector<std::string>{"fk_cascade", "fk_default", "fk_noaction", "fk_pair", "fk_restrict"}));
  EXPECT_EQ(named(fks, "fk_cascade"), json::parse(R"({"name": "fk_cascade", "columns": ["user_id"],
      "ref_schema": null, "ref_table": "users", "ref_columns": ["id"], "on_delete": "CASCADE",
      "on_update": "SET NULL", "deferrable": false, "initially_deferred": false})"));
  // Written NO ACTION: null. Nothing written: MariaDB reports RESTRICT.
  EXPECT_TRUE(named(fks, "fk_noaction")["on_delete"].is_null());
  EXPECT_TRUE(named(fks, "fk_noaction")["on_update"].is_null());
  EXPECT_EQ(named(fks, "fk_restrict")["on_delete"], "RESTRICT");
  EXPECT_EQ(named(fks, "fk_restrict")["on_update"], "RESTRICT");
  EXPECT_EQ(named(fks, "fk_default")["on_delete"], "RESTRICT");
  EXPECT_EQ(named(fks, "fk_default")["on_update"], "RESTRICT");
  EXPECT_EQ(named(fks, "fk_pair")["columns"], json::parse(R"(["other", "org"])"));
  EXPECT_EQ(named(fks, "fk_pair")["ref_columns"], json::parse(R"(["id", "org"])"));
  EXPECT_EQ(named(fks, "fk_pair")["on_delete"], "SET NULL");

  // The indexes InnoDB made for the foreign keys no index covered are
  // listed, named like their constraints; ix_owner covers fk_noaction.
  EXPECT_EQ(names(orders["indexes"]),
            (std::vector<std::string>{"fk_cascade", "fk_default", "fk_pair", "fk_restrict", "ix_owner"}));
  EXPECT_EQ(named(orders["indexes"], "fk_pair")["columns"].size(), 2u);
}

TEST_F(IntrospectMysql, ForeignKeyIndexFollowsTheServer) {
  // The implicit index is in every catalog of a server that has it, and gone
  // from every catalog once a covering index replaces it: a desired schema
  // that never declared it reads the same as the database.
  conn->execute(
      "CREATE TABLE p (id INT PRIMARY KEY);"
      "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, x INT, CONSTRAINT fk_c_p FOREIGN KEY (p_id) REFERENCES "
      "p (id));");
  EXPECT_EQ(names(table(introspect(), "c")["indexes"]), (std::vector<std::string>{"fk_c_p"}));
  conn->execute("CREATE INDEX ix_c_p_x ON c (p_id, x)");
  const auto history = introspect();
  EXPECT_EQ(names(table(history, "c")["indexes"]), (std::vector<std::string>{"ix_c_p_x"}));

  auto other = connect(create_database());
  other->execute(
      "CREATE TABLE p (id INT PRIMARY KEY);"
      "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, x INT, KEY ix_c_p_x (p_id, x), "
      "CONSTRAINT fk_c_p FOREIGN KEY (p_id) REFERENCES p (id));");
  EXPECT_EQ(introspect(*other), history);
}

TEST_F(IntrospectMysql, ForeignKeyToAnotherDatabase) {
  const std::string elsewhere = create_database();
  admin->execute("CREATE TABLE `" + elsewhere + "`.ref (id INT PRIMARY KEY)");
  conn->execute("CREATE TABLE t (id INT PRIMARY KEY, r INT, CONSTRAINT fk_r FOREIGN KEY (r) REFERENCES `" +
                elsewhere + "`.ref (id))");
  const auto fk = table(introspect(), "t")["foreign_keys"][0];
  EXPECT_EQ(fk["ref_schema"], elsewhere);
  EXPECT_EQ(fk["ref_table"], "ref");
  conn->execute("DROP TABLE t");  // lets TearDown drop the databases in any order
}

TEST_F(IntrospectMysql, Checks) {
  conn->execute(
      "CREATE TABLE t ("
      " bal INT CHECK (bal >= 0),"
      " lo INT, hi INT,"
      " doc JSON,"
      " CONSTRAINT ck_range CHECK (lo <= hi),"
      " CONSTRAINT ck_a_first CHECK (lo > -100),"
      " CHECK (hi < 1000))");
  const auto checks = table(introspect(), "t")["checks"];
  // Named by name (the unnamed table check got the server's CONSTRAINT_1),
  // then the column-level ones (name null) by expression.
  EXPECT_EQ(checks, json::parse(R"j([
      {"name": "CONSTRAINT_1", "expression": "`hi` < 1000"},
      {"name": "ck_a_first", "expression": "`lo` > -100"},
      {"name": "ck_range", "expression": "`lo` <= `hi`"},
      {"name": null, "expression": "`bal` >= 0"},
      {"name": null, "expression": "json_valid(`doc`)"}])j"))
      << checks.dump(2);
}

TEST_F(IntrospectMysql, Views) {
  conn->execute(
      "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20), active TINYINT(1));"
      "CREATE VIEW v_active AS SELECT id, name FROM users WHERE active = 1 AND name <> 'users.x';"
      "CREATE VIEW a_count AS SELECT COUNT(*) AS n FROM users");
  const auto doc = introspect();
  // Views are not tables, and their columns are nowhere.
  EXPECT_EQ(names(doc["tables"]), (std::vector<std::string>{"users"}));
  EXPECT_EQ(names(doc["views"]), (std::vector<std::string>{"a_count", "v_active"}));
  const std::string definition = named(doc["views"], "v_active")["definition"];
  EXPECT_EQ(definition,
            "select `users`.`id` AS `id`,`users`.`name` AS `name` from `users` "
            "where `users`.`active` = 1 and `users`.`name` <> 'users.x'");
  EXPECT_EQ(definition.find(db), std::string::npos) << "the database's name stays out of the definition";
  EXPECT_TRUE(named(doc["views"], "v_active")["schema"].is_null());
}

TEST_F(IntrospectMysql, ExcludeTables) {
  conn->execute(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY, KEY ix_v "
      "(version_num(4)));"
      "CREATE TABLE alembic_version_log (id INT PRIMARY KEY, CHECK (id > 0));"
      "CREATE TABLE keep (id INT PRIMARY KEY, KEY ix_keep (id))");
  const auto doc = introspect(R"({"exclude_tables": ["alembic_version", "alembic_version_log", "missing"]})");
  EXPECT_EQ(names(doc["tables"]), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(names(table(doc, "keep")["indexes"]), (std::vector<std::string>{"ix_keep"}));
  EXPECT_EQ(names(introspect("{}")["tables"]),
            (std::vector<std::string>{"alembic_version", "alembic_version_log", "keep"}));
  EXPECT_EQ(names(introspect("")["tables"]).size(), 3u);  // no options at all: nothing excluded
}

TEST_F(IntrospectMysql, NamesAreComparedByBytes) {
  // information_schema compares names case-insensitively; the server, on
  // Linux, does not: `T` and `t` are two tables, `DB` and `db` two databases.
  std::string upper = db;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  admin->execute("CREATE DATABASE `" + upper + "`");
  databases.push_back(upper);
  admin->execute("CREATE TABLE `" + upper + "`.intruder (id INT PRIMARY KEY, KEY ix_i (id))");
  conn->execute(
      "CREATE TABLE t (a INT PRIMARY KEY, b INT, UNIQUE KEY uq (b));"
      "CREATE TABLE T (x INT, y INT, PRIMARY KEY (y, x), UNIQUE KEY uq (x))");
  const auto doc = introspect();
  EXPECT_EQ(names(doc["tables"]), (std::vector<std::string>{"T", "t"}));
  EXPECT_EQ(table(doc, "t")["primary_key"]["columns"], json::parse(R"(["a"])"));
  EXPECT_EQ(table(doc, "T")["primary_key"]["columns"], json::parse(R"(["y", "x"])"));
  EXPECT_EQ(table(doc, "t")["unique_constraints"][0]["columns"], json::parse(R"(["b"])"));
  EXPECT_EQ(table(doc, "T")["unique_constraints"][0]["columns"], json::parse(R"(["x"])"));
  EXPECT_EQ(table(doc, "T")["columns"].size(), 2u);
}

TEST_F(IntrospectMysql, BadOptionsAreErrors) {
  for (const char* options : {"[1]", "{\"exclude_tables\": \"x\"}", "{\"exclude_tables\": [1]}", "{oops"})
    EXPECT_THROW(conn->introspect(options), dialect::DialectError) << options;
  // The connection is still usable.
  EXPECT_EQ(conn->query_column("SELECT 1"), std::vector<std::string>{"1"});
}

// The plugin's own answer at the ABI: status and strata_error message.
TEST_F(IntrospectMysql, ErrorsThroughStrataError) {
  const auto& plugin = test::plugins().get("mysql");
  const auto* api = plugin.api;
  ASSERT_GE(api->struct_size, sizeof(strata_dialect_api));
  ASSERT_NE(api->introspect, nullptr);
  auto options = runner::connect_options(config::parse_url(test::with_database(admin_url, db), "/"));
  auto open = [&](bool with_database) {
    std::vector<const char*> keys, values;
    for (auto& [k, v] : options.query) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
    strata_connect_params params{};
    params.struct_size = sizeof(params);
    params.url_masked = options.url_masked.c_str();
    params.scheme = options.dialect.c_str();
    params.user = options.user.c_str();
    params.password = options.has_password ? options.password.c_str() : nullptr;
    params.host = options.host.empty() ? nullptr : options.host.c_str();
    params.port = options.port;
    params.database = with_database ? options.database.c_str() : nullptr;
    params.query_count = keys.size();
    params.query_keys = keys.data();
    params.query_values = values.data();
    params.lock_timeout_seconds = -1;
    strata_conn* c = nullptr;
    strata_error* err = nullptr;
    EXPECT_EQ(api->connect(&params, &c, &err), STRATA_OK) << (err && err->message ? err->message : "");
    if (err) api->error_free(err);
    return c;
  };
  auto expect_error = [&](strata_conn* c, const char* options_json, const std::string& part) {
    strata_string_list* out = nullptr;
    strata_error* err = nullptr;
    EXPECT_EQ(api->introspect(c, options_json, &out, &err), STRATA_ERROR) << options_json;
    EXPECT_EQ(out, nullptr);
    ASSERT_NE(err, nullptr);
    ASSERT_NE(err->message, nullptr);
    EXPECT_NE(std::string(err->message).find(part), std::string::npos) << err->message;
    api->error_free(err);
  };

  strata_conn* c = open(true);
  ASSERT_NE(c, nullptr);
  expect_error(c, "{oops", "introspect: the options are not valid JSON");
  expect_error(c, "[1]", "introspect: the options must be a JSON object");
  expect_error(c, R"({"exclude_tables": "alembic_version"})", "\"exclude_tables\" must be a list");
  expect_error(c, R"({"exclude_tables": [1]})", "\"exclude_tables\" must be a list");
  strata_string_list* out = nullptr;
  strata_error* err = nullptr;
  ASSERT_EQ(api->introspect(c, nullptr, &out, &err), STRATA_OK);  // NULL options: the defaults
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->count, 1u);
  EXPECT_EQ(json::parse(out->items[0])["tables"], json::array());
  api->string_list_free(out);
  api->disconnect(c);

  c = open(false);
  ASSERT_NE(c, nullptr);
  expect_error(c, "{}", "introspect: no database is selected");
  api->disconnect(c);
}

TEST_F(IntrospectMysql, LeavesTheTransactionAlone) {
  conn->execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
  conn->begin();
  conn->execute("INSERT INTO t VALUES (1)");
  introspect();
  conn->rollback();  // had introspect committed, the row would stay
  EXPECT_EQ(conn->query_column("SELECT COUNT(*) FROM t"), std::vector<std::string>{"0"});
}

TEST_F(IntrospectMysql, EqualSchemasCreatedInDifferentOrdersAreByteIdentical) {
  auto other = connect(create_database());
  conn->execute(
      "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) NOT NULL, "
      " name VARCHAR(50) CHARACTER SET latin1, UNIQUE KEY uq_email (email), KEY ix_name (name(5))) "
      "COMMENT='u';"
      "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT, total DECIMAL(12,2) DEFAULT 0.00,"
      " CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,"
      " CONSTRAINT ck_total CHECK (total >= 0));"
      "CREATE VIEW big_orders AS SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id "
      " WHERE o.total > 100;"
      "CREATE VIEW all_users AS SELECT id FROM users;"
      "CREATE TABLE audit (at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, what TEXT)");
  // The other way round: views first of all that they need, indexes and
  // constraints added afterwards.
  other->execute(
      "CREATE TABLE audit (at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, what TEXT);"
      "CREATE TABLE users (id INT NOT NULL, email VARCHAR(255) NOT NULL, name VARCHAR(50) CHARACTER SET "
      "latin1);"
      "CREATE VIEW all_users AS SELECT id FROM users;"
      "ALTER TABLE users MODIFY id INT AUTO_INCREMENT PRIMARY KEY, COMMENT='u';"
      "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT, total DECIMAL(12,2) DEFAULT 0.00);"
      "CREATE VIEW big_orders AS SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id "
      " WHERE o.total > 100;"
      "CREATE INDEX ix_name ON users (name(5));"
      "ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE (email);"
      "ALTER TABLE orders ADD CONSTRAINT ck_total CHECK (total >= 0),"
      " ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE");
  const std::string a = conn->introspect("{}");
  const std::string b = other->introspect("{}");
  EXPECT_EQ(a, b);
  const auto doc = json::parse(a);
  EXPECT_EQ(names(doc["tables"]), (std::vector<std::string>{"audit", "orders", "users"}));
  EXPECT_EQ(names(doc["views"]), (std::vector<std::string>{"all_users", "big_orders"}));
  EXPECT_EQ(a, conn->introspect("{}")) << "a second introspection reads the same";
}

TEST_F(IntrospectMysql, ThousandTablesCostTheSameQueries) {
  conn->execute("CREATE TABLE t0 (id INT PRIMARY KEY)");
  int64_t before = questions(*conn);
  const auto small = introspect();
  const int64_t small_queries = questions(*conn) - before;
  ASSERT_EQ(small["tables"].size(), 1u);

  // 999 more tables, created by four connections at once (DDL waits on the
  // disk, not the CPU); foreign_key_checks = 0 lets a table name a parent
  // another connection has yet to create.
  auto create = [&](int first, int step) {
    std::string script = "SET SESSION foreign_key_checks = 0;\n";
    for (int i = first; i < 1000; i += step) {
      const std::string n = std::to_string(i), parent = std::to_string(i - 1);
      script += "CREATE TABLE t" + n + " (id INT AUTO_INCREMENT PRIMARY KEY, parent INT, " +
                "name VARCHAR(40) NOT NULL DEFAULT 'x' COMMENT 'c', amount DECIMAL(10,2), " +
                "UNIQUE KEY uq_t" + n + "_name (name), KEY ix_t" + n + "_amount (amount DESC), " +
                "CONSTRAINT ck_t" + n + " CHECK (amount >= 0), CONSTRAINT fk_t" + n +
                "_parent FOREIGN KEY (parent) REFERENCES t" + parent + " (id) ON DELETE CASCADE);\n";
    }
    connect(db)->execute(script);
  };
  std::vector<std::thread> workers;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      try {
        create(1 + w, 4);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        failure = std::current_exception();
      }
    });
  for (auto& t : workers) t.join();
  if (failure) std::rethrow_exception(failure);
  std::string script;
  for (int i = 0; i < 20; ++i)
    script += "CREATE VIEW v" + std::to_string(i) + " AS SELECT id FROM t" + std::to_string(i) + ";\n";
  conn->execute(script);

  before = questions(*conn);
  const auto start = std::chrono::steady_clock::now();
  const std::string text = conn->introspect("{}");
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t big_queries = questions(*conn) - before;
  const auto big = json::parse(text);
  ASSERT_EQ(big["tables"].size(), 1000u);
  EXPECT_EQ(big["views"].size(), 20u);
  EXPECT_EQ(big_queries, small_queries) << "one query per kind of object, whatever the number of tables";
  const auto& t500 = table(big, "t500");
  EXPECT_EQ(t500["columns"].size(), 4u);
  EXPECT_EQ(t500["foreign_keys"][0]["ref_table"], "t499");
  EXPECT_EQ(names(t500["indexes"]), (std::vector<std::string>{"fk_t500_parent", "ix_t500_amount"}));
  std::cout << "[ introspect ] 1000 tables, 20 views: " << elapsed << " s, " << text.size() << " bytes, "
            << big_queries << " statements counted by the server (the same for 1 table)" << std::endl;
  RecordProperty("introspect_1000_tables_seconds", std::to_string(elapsed));
}
