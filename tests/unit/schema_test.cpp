// The schema engine's pure core: catalog JSON and the diff, no database.
#include <gtest/gtest.h>

#include <algorithm>

#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"

using namespace strata::schema;
using K = Change::Kind;

namespace {

Column col(const std::string& name, const std::string& type, bool nullable = true,
           std::optional<std::string> def = std::nullopt) {
  Column c;
  c.name = name;
  c.type = type;
  c.normalized_type = type;
  c.nullable = nullable;
  c.default_expr = std::move(def);
  return c;
}

Table table(const std::string& name, std::vector<Column> cols) {
  Table t;
  t.name = name;
  t.columns = std::move(cols);
  t.primary_key = KeyColumns{std::nullopt, {t.columns.front().name}};
  return t;
}

Catalog catalog(std::vector<Table> tables) {
  Catalog c;
  c.dialect = "postgresql";
  c.tables = std::move(tables);
  return c;
}

std::vector<std::string> described(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (auto& c : changes) out.push_back(c.describe());
  return out;
}

size_t position(const std::vector<Change>& changes, K kind, const std::string& table = "") {
  for (size_t i = 0; i < changes.size(); ++i)
    if (changes[i].kind == kind && (table.empty() || changes[i].table == table)) return i;
  return changes.size();
}

bool has_review(const Change& c, const std::string& part) {
  return std::any_of(c.review.begin(), c.review.end(), [&](auto& r) { return r.find(part) != std::string::npos; });
}

Table users() {
  Table t = table("users", {col("id", "bigint", false), col("email", "varchar(255)", false), col("name", "text")});
  t.unique_constraints.push_back({std::string("uq_users_email"), {"email"}});
  Index ix;
  ix.name = "ix_users_name";
  ix.columns.push_back({std::string("name"), std::nullopt, false, std::nullopt});
  t.indexes.push_back(ix);
  return t;
}

Table orders() {
  Table t = table("orders", {col("id", "bigint", false), col("user_id", "bigint", false), col("total", "numeric(12,2)")});
  ForeignKey fk;
  fk.name = "fk_orders_user_id";
  fk.columns = {"user_id"};
  fk.ref_table = "users";
  fk.ref_columns = {"id"};
  fk.on_delete = "CASCADE";
  t.foreign_keys.push_back(fk);
  t.checks.push_back({std::string("ck_total"), "(total >= 0)"});
  return t;
}

}  // namespace

TEST(SchemaDiff, EqualCatalogsGiveNoChanges) {
  EXPECT_TRUE(diff(catalog({users(), orders()}), catalog({users(), orders()})).empty());
  EXPECT_TRUE(diff(catalog({}), catalog({})).empty());
}

TEST(SchemaDiff, NewTablesAreCreatedBeforeTheForeignKeysBetweenThem) {
  auto changes = diff(catalog({}), catalog({orders(), users()}));
  ASSERT_EQ(changes.size(), 3u) << ::testing::PrintToString(described(changes));
  EXPECT_EQ(changes[0].kind, K::CreateTable);
  EXPECT_EQ(changes[1].kind, K::CreateTable);
  EXPECT_EQ(changes[2].kind, K::AddForeignKey);
  EXPECT_EQ(changes[2].table, "orders");
  EXPECT_EQ(changes[2].describe(), "add foreign key fk_orders_user_id on orders (user_id) -> users (id)");
  EXPECT_TRUE(changes[0].review.empty());
}

TEST(SchemaDiff, DroppingATableDropsForeignKeysPointingAtItFirstAndIsDestructive) {
  Table o = orders();
  Table o_without_fk = o;
  o_without_fk.foreign_keys.clear();
  auto changes = diff(catalog({users(), o}), catalog({o_without_fk}));
  size_t drop_fk = position(changes, K::DropForeignKey, "orders");
  size_t drop_table = position(changes, K::DropTable, "users");
  ASSERT_LT(drop_fk, changes.size()) << ::testing::PrintToString(described(changes));
  ASSERT_LT(drop_table, changes.size());
  EXPECT_LT(drop_fk, drop_table);
  EXPECT_TRUE(has_review(changes[drop_table], "destructive: drops table users"));
  // Only one drop of that foreign key, though both rules find it.
  EXPECT_EQ(std::count_if(changes.begin(), changes.end(), [](auto& c) { return c.kind == K::DropForeignKey; }), 1);
}

TEST(SchemaDiff, ColumnsAddedDroppedAndAlteredWithTheirReviews) {
  Table a = users();
  Table b = users();
  b.columns[2] = col("name", "varchar(50)");                     // text -> varchar(50): narrowing
  b.columns[1] = col("email", "varchar(255)", false, "'x'");     // default added: safe
  b.columns.push_back(col("age", "integer", false));             // NOT NULL, no default
  b.columns.push_back(col("nick", "text", true));
  auto changes = diff(catalog({a}), catalog({b}));
  auto alter_name = std::find_if(changes.begin(), changes.end(), [](auto& c) {
    return c.kind == K::AlterColumn && c.column_after->name == "name";
  });
  ASSERT_NE(alter_name, changes.end());
  EXPECT_TRUE(has_review(*alter_name, "narrows type text -> varchar(50)")) << ::testing::PrintToString(alter_name->review);
  auto alter_email = std::find_if(changes.begin(), changes.end(), [](auto& c) {
    return c.kind == K::AlterColumn && c.column_after->name == "email";
  });
  ASSERT_NE(alter_email, changes.end());
  EXPECT_TRUE(alter_email->review.empty());
  auto add_age = std::find_if(changes.begin(), changes.end(), [](auto& c) {
    return c.kind == K::AddColumn && c.column_after->name == "age";
  });
  ASSERT_NE(add_age, changes.end());
  EXPECT_TRUE(has_review(*add_age, "NOT NULL without a default"));
  auto add_nick = std::find_if(changes.begin(), changes.end(), [](auto& c) {
    return c.kind == K::AddColumn && c.column_after->name == "nick";
  });
  ASSERT_NE(add_nick, changes.end());
  EXPECT_TRUE(add_nick->review.empty());
  // Every change on an existing table carries the table before and after.
  for (auto& c : changes) {
    EXPECT_TRUE(c.table_before.has_value());
    EXPECT_TRUE(c.table_after.has_value());
  }
}

TEST(SchemaDiff, NarrowingAndWideningTypes) {
  auto review_of = [](const std::string& from, const std::string& to) {
    Table a = table("t", {col("id", "integer", false), col("c", from)});
    Table b = table("t", {col("id", "integer", false), col("c", to)});
    auto changes = diff(catalog({a}), catalog({b}));
    return changes.empty() ? std::vector<std::string>{"(no change)"} : changes[0].review;
  };
  EXPECT_TRUE(review_of("varchar(255)", "varchar(300)").empty());
  EXPECT_FALSE(review_of("varchar(255)", "varchar(20)").empty());
  EXPECT_TRUE(review_of("integer", "bigint").empty());
  EXPECT_FALSE(review_of("bigint", "integer").empty());
  EXPECT_FALSE(review_of("numeric(12,2)", "numeric(12,1)").empty());
  EXPECT_TRUE(review_of("numeric(10,2)", "numeric(12,2)").empty());
  EXPECT_TRUE(review_of("varchar(20)", "varchar").empty());
  EXPECT_FALSE(review_of("text", "varchar(100)").empty());
  EXPECT_FALSE(review_of("text", "integer").empty());  // any other conversion: flagged
}

TEST(SchemaDiff, AColumnThatGoesWhileOneOfTheSameTypeComesIsAskedAboutAsARename) {
  Table a = table("t", {col("id", "integer", false), col("name", "text")});
  Table b = table("t", {col("id", "integer", false), col("full_name", "text")});
  auto changes = diff(catalog({a}), catalog({b}));
  ASSERT_EQ(changes.size(), 2u) << ::testing::PrintToString(described(changes));
  EXPECT_EQ(changes[0].kind, K::AddColumn);
  EXPECT_EQ(changes[1].kind, K::DropColumn);
  EXPECT_TRUE(has_review(changes[0], "rename of name to full_name?"));
  EXPECT_TRUE(has_review(changes[1], "rename of name to full_name?"));
  EXPECT_TRUE(has_review(changes[1], "destructive: drops column t.name"));
  // Different types: no rename question.
  Table c = table("t", {col("id", "integer", false), col("age", "integer")});
  auto other = diff(catalog({a}), catalog({c}));
  for (auto& ch : other) EXPECT_FALSE(has_review(ch, "rename")) << ch.describe();
}

TEST(SchemaDiff, ChangedIndexesAndConstraintsAreDroppedThenCreated) {
  Table a = users();
  Table b = users();
  b.indexes[0].where = "(name IS NOT NULL)";
  b.unique_constraints[0].columns = {"email", "name"};
  auto changes = diff(catalog({a}), catalog({b}));
  size_t drop_index = position(changes, K::DropIndex), create_index = position(changes, K::CreateIndex);
  size_t drop_unique = position(changes, K::DropUnique), add_unique = position(changes, K::AddUnique);
  ASSERT_LT(create_index, changes.size()) << ::testing::PrintToString(described(changes));
  EXPECT_LT(drop_index, create_index);
  EXPECT_LT(drop_unique, add_unique);
  EXPECT_EQ(changes.size(), 4u);
}

TEST(SchemaDiff, UnnamedConstraintsMatchByContent) {
  Table a = table("t", {col("id", "integer", false), col("n", "integer")});
  a.checks.push_back({std::nullopt, "(n > 0)"});
  a.unique_constraints.push_back({std::nullopt, {"n"}});
  Table b = a;
  EXPECT_TRUE(diff(catalog({a}), catalog({b})).empty());
  b.checks[0].expression = "(n > 1)";
  auto changes = diff(catalog({a}), catalog({b}));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, K::DropCheck);
  EXPECT_EQ(changes[1].kind, K::AddCheck);
}

TEST(SchemaDiff, PrimaryKeyChange) {
  Table a = table("t", {col("id", "integer", false), col("k", "integer", false)});
  Table b = a;
  b.primary_key = KeyColumns{std::nullopt, {"id", "k"}};
  auto changes = diff(catalog({a}), catalog({b}));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, K::DropPrimaryKey);
  EXPECT_EQ(changes[1].kind, K::AddPrimaryKey);
}

TEST(SchemaDiff, ViewsAreDroppedFirstAndCreatedLast) {
  Catalog a = catalog({users()});
  a.views.push_back({std::nullopt, "v", "SELECT id FROM users"});
  Catalog b = catalog({table("users", {col("id", "bigint", false)})});
  b.views.push_back({std::nullopt, "v", "SELECT id, 1 AS one FROM users"});
  auto changes = diff(a, b);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.front().kind, K::DropView);
  EXPECT_EQ(changes.back().kind, K::CreateView);
}

TEST(SchemaDiff, EnumsAndSequences) {
  Catalog a = catalog({});
  a.enums.push_back({std::string("public"), "mood", {"sad", "ok"}});
  a.sequences.push_back({std::string("public"), "old_seq", "bigint"});
  Catalog b = catalog({table("people", {col("id", "integer", false), col("m", "mood")})});
  b.enums.push_back({std::string("public"), "mood", {"sad", "ok", "happy"}});
  b.enums.push_back({std::string("public"), "color", {"red"}});
  b.sequences.push_back({std::string("public"), "order_no", "bigint"});
  auto changes = diff(a, b);
  size_t add_value = position(changes, K::AddEnumValue), create_enum = position(changes, K::CreateEnum);
  size_t create_table = position(changes, K::CreateTable), drop_seq = position(changes, K::DropSequence);
  ASSERT_LT(add_value, changes.size()) << ::testing::PrintToString(described(changes));
  EXPECT_LT(add_value, create_table);
  EXPECT_LT(create_enum, create_table);
  EXPECT_LT(position(changes, K::CreateSequence), create_table);
  ASSERT_LT(drop_seq, changes.size());
  EXPECT_TRUE(has_review(changes[drop_seq], "destructive"));
  EXPECT_EQ(changes[add_value].describe(), "add value 'happy' to type public.mood");
  // Losing a value: PostgreSQL cannot, so it is flagged, never guessed.
  auto back = diff(b, a);
  auto lose = std::find_if(back.begin(), back.end(), [](auto& c) { return c.kind == K::DropEnum && !c.enum_value.empty(); });
  ASSERT_NE(lose, back.end());
  EXPECT_TRUE(has_review(*lose, "cannot drop an enum value"));
}

TEST(SchemaCatalog, JsonRoundTripKeepsEveryField) {
  Catalog c = catalog({users(), orders()});
  c.tables[0].schema = "public";
  c.tables[0].comment = "people";
  c.tables[0].columns[0].identity = "by default";
  c.tables[0].columns[1].collation = "C";
  c.tables[0].indexes[0].columns.push_back({std::nullopt, std::string("lower(name)"), true, 10});
  c.tables[0].indexes[0].method = "btree";
  c.tables[1].foreign_keys[0].deferrable = true;
  c.views.push_back({std::string("public"), "v", "SELECT 1"});
  c.sequences.push_back({std::string("public"), "s", "bigint", 5, 2, 1, 100, true, std::string("public.orders.id")});
  c.enums.push_back({std::string("public"), "mood", {"a", "b"}});
  const std::string text = to_json(c);
  Catalog back = parse_catalog(text);
  EXPECT_EQ(to_json(back), text);
  EXPECT_TRUE(diff(c, back).empty());
  EXPECT_EQ(back.tables[0].indexes[0].columns[1].prefix, 10);
  EXPECT_EQ(back.sequences[0].owned_by, "public.orders.id");
}

TEST(SchemaCatalog, ParseErrorsNameThePath) {
  auto error_of = [](const std::string& text) {
    try {
      parse_catalog(text);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of("{"), "catalog: not valid JSON");
  EXPECT_EQ(error_of(R"({"format": 2})"), "catalog: format 2 (this strata reads format 1)");
  const std::string missing_name = R"({"format":1,"dialect":"sqlite","tables":[{"schema":null}],"views":[],"sequences":[],"enums":[]})";
  EXPECT_EQ(error_of(missing_name), ".tables[0].name: missing");
  const std::string wrong_type =
      R"({"format":1,"dialect":"sqlite","tables":[{"schema":null,"name":5}],"views":[],"sequences":[],"enums":[]})";
  EXPECT_EQ(error_of(wrong_type), ".tables[0].name: expected a string");
}

TEST(SchemaDiff, AViewOverAColumnThatChangesTypeIsDroppedAndCreatedAgain) {
  Catalog a = catalog({table("t", {col("id", "integer", false), col("v", "integer")})});
  a.views.push_back({std::nullopt, "w", "SELECT v FROM t"});
  Catalog b = a;
  b.tables[0].columns[1] = col("v", "bigint");
  auto changes = diff(a, b);
  ASSERT_EQ(changes.size(), 3u) << ::testing::PrintToString(described(changes));
  EXPECT_EQ(changes[0].kind, K::DropView);
  EXPECT_EQ(changes[1].kind, K::AlterColumn);
  EXPECT_EQ(changes[2].kind, K::CreateView);
  // A view over another table, or a change that keeps the type: untouched.
  Catalog c = a;
  c.views[0].definition = "SELECT 1 AS v FROM tt";
  Catalog d = c;
  d.tables[0].columns[1] = col("v", "bigint");
  EXPECT_EQ(diff(c, d).size(), 1u);
  Catalog e = a;
  e.tables[0].columns[1].comment = "a note";
  EXPECT_EQ(diff(a, e).size(), 1u);
}

TEST(SchemaDiff, ASequencesStartIsCompared) {
  Catalog a = catalog({});
  a.sequences.push_back({std::string("public"), "s", "bigint", 1});
  Catalog b = a;
  b.sequences[0].start = 7;
  auto changes = diff(a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, K::AlterSequence);
}

// A foreign key that stays is dropped and added again around a change to
// what it stands on; nothing else about it changes.
TEST(SchemaDiff, AForeignKeyThatStaysIsDroppedAndAddedAgainAroundWhatItStandsOn) {
  auto fk_changes = [](const std::vector<Change>& changes) {
    std::vector<K> kinds;
    for (auto& c : changes)
      if (c.kind == K::DropForeignKey || c.kind == K::AddForeignKey) {
        EXPECT_EQ(c.table, "orders");
        EXPECT_EQ(c.foreign_key->name, std::optional<std::string>("fk_orders_user_id"));
        kinds.push_back(c.kind);
      }
    return kinds;
  };
  const std::vector<K> around{K::DropForeignKey, K::AddForeignKey};
  // The referenced key is renamed (dropped and added).
  {
    Table u = users();
    u.primary_key->name = "pk_users";
    auto changes = diff(catalog({users(), orders()}), catalog({u, orders()}));
    EXPECT_EQ(fk_changes(changes), around) << ::testing::PrintToString(described(changes));
    EXPECT_LT(position(changes, K::DropForeignKey), position(changes, K::DropPrimaryKey));
    EXPECT_LT(position(changes, K::AddPrimaryKey), position(changes, K::AddForeignKey));
  }
  // The referenced column changes type.
  {
    Table u = users();
    u.columns[0].normalized_type = "integer";
    auto changes = diff(catalog({users(), orders()}), catalog({u, orders()}));
    EXPECT_EQ(fk_changes(changes), around) << ::testing::PrintToString(described(changes));
    EXPECT_LT(position(changes, K::DropForeignKey), position(changes, K::AlterColumn));
    EXPECT_LT(position(changes, K::AlterColumn), position(changes, K::AddForeignKey));
  }
  // A unique index over the referenced column is replaced.
  {
    Table u = users();
    u.primary_key.reset();
    Index ix;
    ix.name = "ux_users_id";
    ix.unique = true;
    ix.columns.push_back({std::string("id"), std::nullopt, false, std::nullopt});
    u.indexes.push_back(ix);
    Table u2 = u;
    u2.indexes.back().name = "ux_users_id_2";
    auto changes = diff(catalog({u, orders()}), catalog({u2, orders()}));
    EXPECT_EQ(fk_changes(changes), around) << ::testing::PrintToString(described(changes));
  }
  // What it does not stand on: the referencing table's own changes (the
  // plugin that renders that table handles them), a comment, a default,
  // another column's type, a non-unique index.
  {
    Table u = users(), o = orders();
    u.columns[0].comment = "the id";
    u.columns[0].default_expr = "0";
    u.indexes.clear();
    o.columns[1].normalized_type = "integer";
    o.columns[2].normalized_type = "numeric(14,2)";
    auto changes = diff(catalog({users(), orders()}), catalog({u, o}));
    EXPECT_TRUE(fk_changes(changes).empty()) << ::testing::PrintToString(described(changes));
    EXPECT_EQ(changes.size(), 4u) << ::testing::PrintToString(described(changes));
  }
  // SQLite checks foreign keys only as rows change: nothing to do there.
  {
    Catalog a = catalog({users(), orders()}), b = a;
    a.dialect = b.dialect = "sqlite";
    b.tables[0].columns[0].normalized_type = "integer";
    auto changes = diff(a, b);
    EXPECT_TRUE(fk_changes(changes).empty()) << ::testing::PrintToString(described(changes));
  }
}

// What is flagged, and which flags say data may be lost (those hold a
// generated revision until someone has looked).
TEST(SchemaDiff, ReviewRulesWidenQuietlyAndTellLossFromFailure) {
  auto alter = [](const std::string& from, const std::string& to, const std::string& dialect) {
    Table a = table("t", {col("id", "integer", false), col("v", from)});
    Table b = table("t", {col("id", "integer", false), col("v", to)});
    Catalog ca = catalog({a}), cb = catalog({b});
    ca.dialect = cb.dialect = dialect;
    auto changes = diff(ca, cb);
    EXPECT_EQ(changes.size(), 1u);
    return changes.empty() ? Change{} : changes[0];
  };
  EXPECT_TRUE(alter("varchar(20)", "text", "postgresql").review.empty());
  EXPECT_TRUE(alter("enum('a','b')", "enum('a','b','c')", "mysql").review.empty());
  EXPECT_TRUE(alter("varchar(255)", "varchar(50)", "sqlite").review.empty()) << "SQLite keeps every value";
  auto narrowed = alter("varchar(255)", "varchar(50)", "postgresql");
  EXPECT_TRUE(has_review(narrowed, "narrows type"));
  EXPECT_TRUE(may_lose_data(narrowed));
  auto reordered = alter("enum('a','b')", "enum('b','a')", "mysql");
  EXPECT_TRUE(has_review(reordered, "changes type"));
  EXPECT_TRUE(may_lose_data(alter("text", "varchar(10)", "mysql")));

  // Added to a table with rows: may fail, loses nothing.
  Table o = orders();
  Table o2 = o;
  o2.checks.push_back({std::string("ck_positive_id"), "(id > 0)"});
  o2.unique_constraints.push_back({std::string("uq_orders_user"), {"user_id"}});
  ForeignKey fk = o2.foreign_keys[0];
  fk.name = "fk_orders_again";
  o2.foreign_keys.push_back(fk);
  auto changes = diff(catalog({users(), o}), catalog({users(), o2}));
  ASSERT_EQ(changes.size(), 3u) << ::testing::PrintToString(described(changes));
  for (auto& c : changes) {
    EXPECT_TRUE(has_review(c, "the upgrade fails if rows already in orders break it")) << c.describe();
    EXPECT_FALSE(may_lose_data(c)) << c.describe();
  }
  // A new table's constraints meet no rows: no flag.
  for (auto& c : diff(catalog({}), catalog({users(), orders()}))) EXPECT_TRUE(c.review.empty()) << c.describe();
  // Dropping a column may lose data.
  Table u = users();
  u.columns.pop_back();
  u.indexes.clear();
  for (auto& c : diff(catalog({users()}), catalog({u})))
    if (c.kind == K::DropColumn) EXPECT_TRUE(may_lose_data(c));
}

TEST(SchemaDiff, TriggersAreDroppedFirstAndCreatedAfterTablesAndViews) {
  const std::string audit = "CREATE TRIGGER audit AFTER INSERT ON users BEGIN SELECT 1; END";
  const std::string gone = "CREATE TRIGGER gone AFTER DELETE ON users BEGIN SELECT 2; END";
  const std::string fresh = "CREATE TRIGGER fresh AFTER UPDATE ON users BEGIN SELECT 3; END";
  Table a = users();
  a.triggers = {{"audit", audit}, {"gone", gone}};
  Table b = users();
  b.columns[2] = col("name", "varchar(50)");
  b.triggers = {{"audit", audit + " "}, {"fresh", fresh}};  // audit changes, gone goes, fresh comes
  Catalog cb = catalog({b});
  cb.views.push_back({std::nullopt, "v", "SELECT id FROM users"});
  auto changes = diff(catalog({a}), cb);
  auto names = described(changes);
  ASSERT_EQ(position(changes, K::DropTrigger), 0u) << ::testing::PrintToString(names);
  EXPECT_EQ(changes[0].describe(), "drop trigger audit on users");
  EXPECT_EQ(changes[1].describe(), "drop trigger gone on users");
  EXPECT_EQ(changes[1].kind_name(), "drop_trigger");
  EXPECT_EQ(std::count_if(changes.begin(), changes.end(), [](auto& c) { return c.kind == K::DropTrigger; }), 2);
  const size_t create = position(changes, K::CreateTrigger);
  ASSERT_LT(create, changes.size());
  EXPECT_GT(create, position(changes, K::AlterColumn));
  EXPECT_GT(create, position(changes, K::CreateView));
  EXPECT_EQ(changes[create].describe(), "create trigger audit on users");
  EXPECT_EQ(changes[create].kind_name(), "create_trigger");
  EXPECT_EQ(changes[create].trigger->definition, audit + " ");
  EXPECT_EQ(changes[create + 1].describe(), "create trigger fresh on users");
  ASSERT_TRUE(changes[create].table_after.has_value());
  EXPECT_EQ(changes[create].table_after->triggers.size(), 2u);
  for (auto& c : changes) {
    if (c.kind == K::DropTrigger || c.kind == K::CreateTrigger) {
      EXPECT_TRUE(c.review.empty()) << c.describe();
    }
  }
  EXPECT_TRUE(diff(catalog({a}), catalog({a})).empty());
}

TEST(SchemaDiff, ANewTablesTriggersAreCreatedAfterItAndADroppedTableTakesItsAlong) {
  Table t = users();
  t.triggers = {{"audit", "CREATE TRIGGER audit AFTER INSERT ON users BEGIN SELECT 1; END"}};
  auto up = diff(catalog({}), catalog({t}));
  const size_t create = position(up, K::CreateTrigger, "users");
  ASSERT_LT(create, up.size()) << ::testing::PrintToString(described(up));
  EXPECT_LT(position(up, K::CreateTable, "users"), create);
  EXPECT_EQ(create, up.size() - 1);  // its indexes come with create_table
  // DROP TABLE drops its triggers: no drop_trigger before it.
  auto down = diff(catalog({t}), catalog({}));
  EXPECT_EQ(position(down, K::DropTrigger), down.size()) << ::testing::PrintToString(described(down));
  EXPECT_LT(position(down, K::DropTable), down.size());
}

TEST(SchemaCatalog, TriggersRoundTripAndAreOptionalInOlderDocuments) {
  Catalog c = catalog({users()});
  c.dialect = "sqlite";
  c.tables[0].triggers = {{"audit", "CREATE TRIGGER audit AFTER INSERT ON users BEGIN SELECT 1; END"}};
  const std::string text = to_json(c);
  EXPECT_NE(text.find(R"("checks":[],"triggers":[{"name":"audit","definition":"CREATE TRIGGER audit)"),
            std::string::npos)
      << text;
  Catalog back = parse_catalog(text);
  EXPECT_EQ(to_json(back), text);
  ASSERT_EQ(back.tables[0].triggers.size(), 1u);
  EXPECT_EQ(back.tables[0].triggers[0].name, "audit");
  // A document written before triggers were held: the key is missing.
  const std::string old = R"({"format":1,"dialect":"sqlite","tables":[{"schema":null,"name":"t","comment":null,)"
                          R"("columns":[],"primary_key":null,"unique_constraints":[],"indexes":[],"foreign_keys":[],)"
                          R"("checks":[]}],"views":[],"sequences":[],"enums":[]})";
  Catalog parsed = parse_catalog(old);
  ASSERT_EQ(parsed.tables.size(), 1u);
  EXPECT_TRUE(parsed.tables[0].triggers.empty());
  EXPECT_NE(to_json(parsed).find(R"("triggers":[])"), std::string::npos);
  const std::string bad = R"({"format":1,"dialect":"sqlite","tables":[{"schema":null,"name":"t","comment":null,)"
                          R"("columns":[],"primary_key":null,"unique_constraints":[],"indexes":[],"foreign_keys":[],)"
                          R"("checks":[],"triggers":[{"name":"x"}]}],"views":[],"sequences":[],"enums":[]})";
  try {
    parse_catalog(bad);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()), ".tables[0].triggers[0].definition: missing");
  }
}

TEST(SchemaDiff, ChangesJsonCarriesTheTrigger) {
  Table t = users();
  t.triggers = {{"audit", "CREATE TRIGGER audit AFTER INSERT ON users BEGIN SELECT 1; END"}};
  const std::string json = changes_json("sqlite", diff(catalog({users()}), catalog({t})));
  EXPECT_NE(json.find(R"("kind":"create_trigger")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("trigger":{"name":"audit","definition":"CREATE TRIGGER audit)"), std::string::npos) << json;
  const std::string none = changes_json("sqlite", diff(catalog({}), catalog({users()})));
  EXPECT_NE(none.find(R"("trigger":null)"), std::string::npos) << none;
}

TEST(SchemaDiff, SchemasAreCreatedFirstAndDroppedLast) {
  Table users_t = table("users", {col("id", "integer", false)});
  users_t.schema = "public";
  Table events = table("events", {col("id", "integer", false), col("user_id", "integer", false)});
  events.schema = "audit";
  ForeignKey fk;
  fk.name = "events_user_id_fkey";
  fk.columns = {"user_id"};
  fk.ref_schema = "public";
  fk.ref_table = "users";
  fk.ref_columns = {"id"};
  events.foreign_keys.push_back(fk);
  Catalog a = catalog({users_t});
  Catalog b = catalog({users_t, events});
  b.enums.push_back({std::string("audit"), "mood", {"calm"}});
  b.schemas = {"audit"};
  auto up = diff(a, b);
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up.front().kind, K::CreateSchema) << ::testing::PrintToString(described(up));
  EXPECT_EQ(up.front().describe(), "create schema audit");
  EXPECT_EQ(up.front().kind_name(), "create_schema");
  EXPECT_TRUE(up.front().review.empty());
  auto down = diff(b, a);
  ASSERT_FALSE(down.empty());
  EXPECT_EQ(down.back().kind, K::DropSchema) << ::testing::PrintToString(described(down));
  EXPECT_EQ(down.back().describe(), "drop schema audit");
  EXPECT_LT(position(down, K::DropTable, "audit.events"), down.size() - 1);
  EXPECT_LT(position(down, K::DropEnum), down.size() - 1);
  // The document a plugin renders: the schema in "schema".
  const std::string doc = changes_json("postgresql", {up.front(), down.back()});
  EXPECT_NE(doc.find(R"("kind":"create_schema","table":"","schema":"audit","name":null)"), std::string::npos) << doc;
  EXPECT_NE(doc.find(R"("kind":"drop_schema","table":"","schema":"audit","name":null)"), std::string::npos) << doc;
  EXPECT_TRUE(diff(b, b).empty());
}

TEST(SchemaCatalog, SchemasRoundTripAndAreOptionalInOlderDocuments) {
  Catalog c = catalog({});
  c.schemas = {"audit", "billing"};
  const std::string text = to_json(c);
  EXPECT_NE(text.find(R"("schemas":["audit","billing"])"), std::string::npos) << text;
  EXPECT_EQ(parse_catalog(text).schemas, c.schemas);
  Catalog old = parse_catalog(R"({"format":1,"dialect":"postgresql","tables":[],"views":[],"sequences":[],"enums":[]})");
  EXPECT_TRUE(old.schemas.empty());
  EXPECT_THROW(parse_catalog(R"({"format":1,"dialect":"postgresql","tables":[],"views":[],"sequences":[],"enums":[],)"
                             R"("schemas":[1]})"),
               std::runtime_error);
}
