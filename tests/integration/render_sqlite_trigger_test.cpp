// The SQLite plugin's render_changes() around what a table rebuild could
// lose: triggers (the table's own, dropped with it, and those of other
// tables that name it) and the AUTOINCREMENT sequence. Round trips as in
// render_sqlite_test.cpp, then rows written on the migrated file show that
// the triggers still fire and that an id is not handed out twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "render_sqlite_fixture.hpp"

using namespace strata;
using namespace strata::test;

namespace {

size_t count_containing(const std::vector<std::string>& sql, const std::string& part) {
  return static_cast<size_t>(std::count_if(
      sql.begin(), sql.end(), [&](const std::string& s) { return s.find(part) != std::string::npos; }));
}

// Index of the first statement containing `part` (sql.size() if none).
size_t index_of(const std::vector<std::string>& sql, const std::string& part) {
  for (size_t i = 0; i < sql.size(); ++i)
    if (sql[i].find(part) != std::string::npos) return i;
  return sql.size();
}

class RenderSqliteTriggers : public RenderSqlite {
 protected:
  // The file round_trip() builds A in next (migrated to B by the upgrade).
  std::string next_a() const { return "a" + std::to_string(files) + ".db"; }
  std::string next_b() const { return "b" + std::to_string(files) + ".db"; }

  std::string one(const std::string& file, const std::string& sql) {
    auto c = connect(file);
    const auto r = c->query_column(sql);
    return r.empty() ? "" : r[0];
  }
};

const char* kItemsA =
    "CREATE TABLE items(id INTEGER PRIMARY KEY, name VARCHAR(20), qty INT DEFAULT 0);"
    "CREATE TABLE audit(item_id INT, what TEXT);"
    "CREATE INDEX ix_items_name ON items(name);";
const char* kItemsB =
    "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty BIGINT DEFAULT 1);"
    "CREATE TABLE audit(item_id INT, what TEXT);"
    "CREATE INDEX ix_items_name ON items(name);";
const char* kAuditTrigger =
    "CREATE TRIGGER items_audit AFTER INSERT ON items\n"
    "BEGIN\n  -- one row per new item\n  INSERT INTO audit VALUES (new.id, 'insert');\nEND;";
const char* kRows = "INSERT INTO items VALUES (1, 'a', 5), (2, 'b', 6);";

TEST_F(RenderSqliteTriggers, ATriggerIsKeptAcrossARebuildAndStillFires) {
  const std::string fa = next_a(), fb = next_b();
  auto r =
      round_trip(std::string(kItemsA) + kAuditTrigger + kRows, std::string(kItemsB) + kAuditTrigger + kRows);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(rebuilt(r.up));
  EXPECT_TRUE(r.up_changes.size() >= 1 && std::none_of(r.up_changes.begin(), r.up_changes.end(), [](auto& c) {
                return c.kind == schema::Change::Kind::CreateTrigger ||
                       c.kind == schema::Change::Kind::DropTrigger;
              }));
  // Created again once the table has its name back, with its comment-free text.
  const size_t rename = index_of(r.up, "RENAME TO \"items\""),
               create = index_of(r.up, "CREATE TRIGGER items_audit");
  ASSERT_LT(create, r.up.size()) << join(r.up);
  EXPECT_LT(rename, create) << join(r.up);
  EXPECT_EQ(r.up[create],
            "CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (new.id, "
            "'insert'); END");
  EXPECT_EQ(count_containing(r.up, "CREATE TRIGGER"), 1u);
  // The copy did not fire it (round_trip compared audit's rows); a new row does.
  EXPECT_EQ(one(fa, "SELECT count(*) FROM audit"), "2");
  auto c = connect(fa);
  c->execute("INSERT INTO items(id, name) VALUES (3, 'c')");
  EXPECT_EQ(one(fa, "SELECT group_concat(item_id || ':' || what, ',') FROM audit"),
            "1:insert,2:insert,3:insert");
  // The downgrade rebuilds too, and keeps it as well.
  auto d = connect(fb);
  d->execute("INSERT INTO items(id, name) VALUES (9, 'z')");
  EXPECT_EQ(one(fb, "SELECT count(*) FROM audit WHERE item_id = 9"), "1");
}

TEST_F(RenderSqliteTriggers, TriggersAddedDroppedAndChangedWithAndWithoutARebuild) {
  const std::string keep =
      "CREATE TRIGGER tr_keep AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (new.id, 'k'); END;";
  const std::string change_a =
      "CREATE TRIGGER tr_change AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (new.id, 'u1'); END;";
  const std::string change_b =
      "CREATE TRIGGER tr_change AFTER UPDATE ON items BEGIN INSERT INTO audit VALUES (new.id, 'u2'); END;";
  const std::string gone = "CREATE TRIGGER tr_gone BEFORE DELETE ON items BEGIN SELECT 1; END;";
  const std::string fresh =
      "CREATE TRIGGER \"tr new\" AFTER DELETE ON items BEGIN DELETE FROM audit WHERE item_id = old.id; END;";
  for (const bool rebuild : {false, true}) {
    const std::string what = rebuild ? "with a rebuild" : "without a rebuild";
    const std::string fa = next_a();
    auto r = round_trip(kItemsA + keep + change_a + gone + kRows,
                        std::string(rebuild ? kItemsB : kItemsA) + keep + change_b + fresh + kRows, what);
    ASSERT_FALSE(HasFatalFailure()) << what;
    EXPECT_EQ(rebuilt(r.up), rebuild) << what;
    // Drops first, creates last; each trigger created once.
    EXPECT_EQ(index_of(r.up, "DROP TRIGGER \"tr_change\""), 0u) << what << "\n" << join(r.up);
    EXPECT_EQ(index_of(r.up, "DROP TRIGGER \"tr_gone\""), 1u) << what << "\n" << join(r.up);
    EXPECT_EQ(count_containing(r.up, "CREATE TRIGGER tr_change"), 1u) << what << "\n" << join(r.up);
    EXPECT_EQ(count_containing(r.up, "CREATE TRIGGER \"tr new\""), 1u) << what << "\n" << join(r.up);
    EXPECT_EQ(count_containing(r.up, "CREATE TRIGGER tr_keep"), rebuild ? 1u : 0u) << what << "\n"
                                                                                   << join(r.up);
    EXPECT_GE(index_of(r.up, "CREATE TRIGGER \"tr new\""), r.up.size() - 2) << what << "\n" << join(r.up);
    EXPECT_GE(index_of(r.up, "CREATE TRIGGER tr_change"), r.up.size() - 2) << what << "\n" << join(r.up);
    EXPECT_EQ(count_containing(r.down, "DROP TRIGGER \"tr new\""), 1u) << what << "\n" << join(r.down);
    // On the upgraded file the new definitions run.
    auto c = connect(fa);
    c->execute("UPDATE items SET qty = 7 WHERE id = 1");
    c->execute("INSERT INTO items(id, name) VALUES (4, 'd')");
    c->execute("DELETE FROM items WHERE id = 2");
    EXPECT_EQ(
        one(fa, "SELECT group_concat(item_id || ':' || what, ',') FROM (SELECT * FROM audit ORDER BY rowid)"),
        "1:k,1:u2,4:k")
        << what;
  }
}

TEST_F(RenderSqliteTriggers, ATriggerOfAnotherTableThatNamesTheRebuiltTableKeepsWorking) {
  // c's trigger writes into p; p is rebuilt. SQLite keeps the trigger (it
  // belongs to c) and resolves p by name when it fires.
  const std::string trigger =
      "CREATE TRIGGER c_touch AFTER INSERT ON c BEGIN "
      "UPDATE p SET a = a || '+' WHERE id = new.p_id; END;";
  const std::string rows = "INSERT INTO p VALUES (1, 'x'); INSERT INTO c VALUES (10, 1);";
  const std::string fa = next_a();
  auto r = round_trip(
      "CREATE TABLE p(id INTEGER PRIMARY KEY, a TEXT);"
      "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));" +
          trigger + rows,
      "CREATE TABLE p(id INTEGER PRIMARY KEY, a TEXT NOT NULL COLLATE NOCASE);"
      "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));" +
          trigger + rows);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(rebuilt(r.up));
  EXPECT_EQ(count_containing(r.up, "TRIGGER"), 0u) << join(r.up);
  auto c = connect(fa);
  c->execute("INSERT INTO c VALUES (11, 1)");
  EXPECT_EQ(one(fa, "SELECT a FROM p WHERE id = 1"), "x++");
  EXPECT_EQ(one(fa, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'c'"), "1");
}

TEST_F(RenderSqliteTriggers, AutoincrementKeepsItsSequenceAcrossARebuild) {
  // The last row was deleted: its id must not be handed out again.
  struct Case {
    const char* what;
    const char* rows;
    const char* next_id;
  } cases[] = {
      {"rows left", "INSERT INTO t(v) VALUES ('a'), ('b'), ('c'); DELETE FROM t WHERE id = 3;", "4"},
      {"every row deleted", "INSERT INTO t(v) VALUES ('a'), ('b'); DELETE FROM t;", "3"},
      {"never used", "", "1"},
  };
  for (const auto& k : cases) {
    const std::string fa = next_a(), fb = next_b();
    auto r = round_trip(
        std::string("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v VARCHAR(10));") + k.rows,
        std::string("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL);") + k.rows,
        k.what);
    ASSERT_FALSE(HasFatalFailure()) << k.what;
    EXPECT_TRUE(rebuilt(r.up)) << k.what;
    EXPECT_TRUE(any_contains(r.up, "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT")) << k.what << "\n"
                                                                                << join(r.up);
    EXPECT_LT(index_of(r.up, "sqlite_sequence"), index_of(r.up, "DROP TABLE \"t\"")) << k.what << "\n"
                                                                                     << join(r.up);
    auto c = connect(fa);
    c->execute("INSERT INTO t(v) VALUES ('new')");
    EXPECT_EQ(one(fa, "SELECT max(id) FROM t"), k.next_id) << k.what << "\n" << join(r.up);
    EXPECT_EQ(one(fa, "SELECT count(*) FROM sqlite_sequence WHERE name = 't'"), "1") << k.what;
    EXPECT_EQ(one(fa, "SELECT count(*) FROM sqlite_sequence WHERE name LIKE '\\_strata%' ESCAPE '\\'"), "0")
        << k.what;
    auto d = connect(fb);
    d->execute("INSERT INTO t(v) VALUES ('new')");
    EXPECT_EQ(one(fb, "SELECT max(id) FROM t"), k.next_id) << k.what << " (downgrade)\n" << join(r.down);
  }
  // The introspection records the keyword; a table without it has no sequence to carry.
  auto r = round_trip(
      "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v VARCHAR(10)); INSERT INTO t(v) VALUES ('a');",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, v VARCHAR(10)); INSERT INTO t(v) VALUES ('a');",
      "AUTOINCREMENT dropped");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_FALSE(r.up_changes.empty());
  ASSERT_TRUE(r.up_changes[0].column_before.has_value());
  EXPECT_TRUE(r.up_changes[0].column_before->autoincrement);
  EXPECT_FALSE(r.up_changes[0].column_after->autoincrement);
  EXPECT_FALSE(any_contains(r.up, "sqlite_sequence")) << join(r.up);
}

TEST_F(RenderSqliteTriggers, TriggersOfANewAndADroppedTable) {
  auto r = round_trip("CREATE TABLE audit(item_id INT, what TEXT);",
                      std::string("CREATE TABLE audit(item_id INT, what TEXT);") +
                          "CREATE TABLE items(id INTEGER PRIMARY KEY, name VARCHAR(20), qty INT DEFAULT 0);" +
                          kAuditTrigger);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_LT(index_of(r.up, "CREATE TABLE \"items\""), index_of(r.up, "CREATE TRIGGER items_audit"));
  EXPECT_EQ(count_containing(r.down, "TRIGGER"), 0u) << "DROP TABLE takes it along:\n" << join(r.down);
}

// PostgreSQL and MySQL catalogs hold no triggers, so their diffs never have
// these kinds; the SQLite renderer's message names the change for others.
TEST_F(RenderSqliteTriggers, TheTriggerInTheChangesDocument) {
  schema::Change c;
  c.kind = schema::Change::Kind::DropTrigger;
  c.table = "items";
  c.trigger =
      schema::Trigger{"items_audit", "CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN SELECT 1; END"};
  EXPECT_EQ(render({c}), std::vector<std::string>{"DROP TRIGGER \"items_audit\""});
  c.kind = schema::Change::Kind::CreateTrigger;
  EXPECT_EQ(render({c}), std::vector<std::string>{c.trigger->definition});
}

}  // namespace
