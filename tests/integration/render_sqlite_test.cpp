// The SQLite plugin's render_changes() (dialect ABI 1.2), proven by round
// trips on real SQLite files: schema A and schema B are each built from SQL
// in a fresh file and introspected (A', B'); the SQL rendered for
// diff(A', B') applied to A's file (in a transaction) must make its
// introspection byte-equal to B', and the SQL for diff(B', A') applied to
// B's file must give A'. Rows inserted before must survive (rebuilds copy
// them). Hand-written pairs cover each change kind and each REVIEW rule; a
// seeded generator of random schema pairs covers combinations
// (STRATA_SCHEMA_PAIRS pairs, default 200; STRATA_SCHEMA_SEED the first seed).
// Triggers and AUTOINCREMENT across rebuilds: render_sqlite_trigger_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"
#include "random_schema_sqlite.hpp"
#include "render_sqlite_fixture.hpp"
#include "test_support.hpp"

using namespace strata;
using namespace strata::test;
using Json = nlohmann::json;

namespace {

// ---------------------------------------------------------------------------
// Hand-written pairs: each change kind. The pairs that differ only in their
// data (the two schemas with their rows, and what the changes and their SQL
// must hold) are rows of kPairs, each its own test
// (HandWritten/RenderSqlitePair.RoundTrip/<name>); the TEST_Fs after it have
// checks of their own or a table of variants each.

// A row of kPairs: a PairRow (render_expect.hpp) that also holds the pair, set in the same chain.
struct SqliteRow : PairRow<SqliteRow> {
  std::string a_sql, b_sql;  // each side's schema and its rows
  bool check_rows = true;

  explicit SqliteRow(std::string test_name) : PairRow(std::move(test_name)) {}
  SqliteRow& a(const std::string& sql) { return set(a_sql, sql); }
  SqliteRow& b(const std::string& sql) { return set(b_sql, sql); }
  // round_trip()'s check_rows off: no comparison of the rows, nor a second diff, after the change.
  SqliteRow& without_row_check() { return set(check_rows, false); }
  // That way's SQL changes the table in place: no rebuild (see rebuilt()).
  SqliteRow& up_in_place() { return up_no_sql(kRebuildPrefix); }
  SqliteRow& down_in_place() { return down_no_sql(kRebuildPrefix); }

 private:
  template <class T>
  SqliteRow& set(T& field, const T& value) {
    field = value;
    return *this;
  }
};

const std::vector<SqliteRow> kPairs = {
    SqliteRow("CreateAndDropTableWithEverything")
        .a("CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE);"
           "INSERT INTO p(code) VALUES ('a'), ('b');")
        .b("CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE);"
           "CREATE TABLE t(id INTEGER CONSTRAINT pk_t PRIMARY KEY AUTOINCREMENT,"
           " name VARCHAR(20) COLLATE NOCASE NOT NULL DEFAULT 'x',"
           " n NUMERIC(10,2) DEFAULT (1 + 2), at TEXT DEFAULT CURRENT_TIMESTAMP, neg INT DEFAULT -1,"
           " p_id INTEGER, code TEXT, raw,"
           " CONSTRAINT uq_t_name UNIQUE (name, n), UNIQUE (at),"
           " CONSTRAINT ck_n CHECK (n >= 0), CHECK (length(name) < 50),"
           " CONSTRAINT fk_t_p FOREIGN KEY (p_id) REFERENCES p(id) ON DELETE CASCADE ON UPDATE SET NULL,"
           " FOREIGN KEY (code) REFERENCES p(code) DEFERRABLE INITIALLY DEFERRED);"
           "CREATE INDEX ix_t_lower ON t(lower(name), n DESC) WHERE n > 0;"
           "CREATE UNIQUE INDEX ix_t_code ON t(code);"
           "CREATE TABLE k(a TEXT, b INT, CONSTRAINT pk_k PRIMARY KEY (a, b));"
           "INSERT INTO p(code) VALUES ('a'), ('b');")
        .up_sql("\"id\" INTEGER CONSTRAINT \"pk_t\" PRIMARY KEY AUTOINCREMENT")
        .up_sql("CREATE UNIQUE INDEX \"ix_t_code\"")
        .down_sql("DROP TABLE \"t\"")
        .down_review("destructive: drops table")
        .up_in_place(),

    // The way back: three columns dropped in place (nothing refers to them).
    SqliteRow("AddColumnInPlaceWhereSqliteAllowsIt")
        .a("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x'), (2, NULL);")
        .b("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT, c TEXT NOT NULL DEFAULT 'z' COLLATE NOCASE,"
           " d REAL DEFAULT -1.5); INSERT INTO t(id, a) VALUES (1, 'x'), (2, NULL);")
        .up_sql("ALTER TABLE \"t\" ADD COLUMN \"b\" INT")
        .up_in_place()
        .down_sql("ALTER TABLE \"t\" DROP COLUMN \"c\"")
        .down_in_place()
        .down_review("destructive: drops column"),

    // p is rebuilt while c refers to it and a view reads it; rows stay.
    SqliteRow("RebuildOfAReferencedTable")
        .a("CREATE TABLE p(id INTEGER PRIMARY KEY, a TEXT);"
           "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);"
           "CREATE VIEW vp AS SELECT p.id, a, c.id AS cid FROM p JOIN c ON c.p_id = p.id;"
           "INSERT INTO p VALUES (1, 'x'); INSERT INTO c VALUES (10, 1);")
        .b("CREATE TABLE p(id INTEGER PRIMARY KEY, a TEXT NOT NULL CHECK (a <> ''));"
           "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);"
           "CREATE VIEW vp AS SELECT p.id, a, c.id AS cid FROM p JOIN c ON c.p_id = p.id;"
           "INSERT INTO p VALUES (1, 'x'); INSERT INTO c VALUES (10, 1);"),

    SqliteRow("IndexesAndViews")
        .a("CREATE TABLE t(a INT, b TEXT); CREATE INDEX ix_old ON t(a);"
           "CREATE INDEX ix_changed ON t(a); CREATE VIEW v AS SELECT a FROM t; CREATE VIEW gone AS SELECT 1;"
           "INSERT INTO t VALUES (1, 'x');")
        .b("CREATE TABLE t(a INT, b TEXT); CREATE UNIQUE INDEX ix_changed ON t(a DESC, b);"
           "CREATE INDEX ix_expr ON t(lower(b), a + 1) WHERE a > 0 AND b IS NOT NULL;"
           "CREATE VIEW v AS SELECT a, b FROM t WHERE a > 0; CREATE VIEW \"new view\" AS SELECT b FROM t;"
           "INSERT INTO t VALUES (1, 'x');")
        .up_in_place()
        .up_sql("DROP VIEW \"v\"")
        .up_sql("CREATE INDEX \"ix_expr\" ON \"t\" (lower(b), a + 1) WHERE a > 0 AND b IS NOT NULL"),

    SqliteRow("QuotedNames")
        .a("CREATE TABLE \"my \"\"table\"(\"the id\" INTEGER PRIMARY KEY, [x y] TEXT);"
           "INSERT INTO \"my \"\"table\" VALUES (1, 'a');")
        .b("CREATE TABLE \"my \"\"table\"(\"the id\" INTEGER PRIMARY KEY, [x y] TEXT NOT NULL, \"Z\" INT DEFAULT 3);"
           "CREATE INDEX \"ix \"\"q\" ON \"my \"\"table\"(\"x y\");"
           "INSERT INTO \"my \"\"table\" VALUES (1, 'a', 3);"),

    // Each REVIEW rule: flagged, and the SQL still applies.
    SqliteRow("ReviewRuleRenameStillApplies")
        .a("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'a');")
        .b("CREATE TABLE t(id INTEGER PRIMARY KEY, full_name TEXT); INSERT INTO t VALUES (1, 'a');")
        .without_row_check()
        .up_review("rename of name to full_name?"),
    SqliteRow("ReviewRuleNarrowingStillApplies")
        .a("CREATE TABLE t(a VARCHAR(255), b BIGINT, c NUMERIC(10,4), d TEXT)")
        .b("CREATE TABLE t(a VARCHAR(50), b SMALLINT, c NUMERIC(8,2), d VARCHAR(10))")
        .up_review("narrows type"),
    SqliteRow("ReviewRuleNotNullStillApplies")
        .a("CREATE TABLE t(a TEXT); INSERT INTO t VALUES ('x');")
        .b("CREATE TABLE t(a TEXT NOT NULL); INSERT INTO t VALUES ('x');")
        .up_review("becomes NOT NULL"),
    SqliteRow("ReviewRuleDropsStillApply")
        .a("CREATE TABLE t(a TEXT); CREATE TABLE u(b INT, c INT)")
        .b("CREATE TABLE u(b INT)")
        .up_review("destructive: drops table")
        .up_review("destructive: drops column"),
};

class RenderSqlitePair : public RenderSqlite, public ::testing::WithParamInterface<SqliteRow> {};

TEST_P(RenderSqlitePair, RoundTrip) {
  const SqliteRow& row = GetParam();
  auto r = round_trip(row.a_sql, row.b_sql, row.name, row.check_rows);
  for (const auto& e : row.expect)
    EXPECT_EQ(render_lacks(e, e.up ? r.up_changes : r.down_changes, e.up ? r.up : r.down), "");
}

INSTANTIATE_TEST_SUITE_P(HandWritten, RenderSqlitePair, ::testing::ValuesIn(kPairs),
                         [](const auto& info) { return info.param.name; });

TEST_F(RenderSqlite, AddColumnSqliteRefusesRebuilds) {
  // Non-constant default; NOT NULL without default (empty table); a column
  // not at the end; a UNIQUE column.
  struct Case {
    const char* what;
    const char* b;
  } cases[] = {
      {"non-constant default", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP)"},
      {"expression default", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, n INT DEFAULT (abs(-3)))"},
      {"not at the end", "CREATE TABLE t(id INTEGER PRIMARY KEY, z INT DEFAULT 0, a TEXT)"},
      {"unique", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, u TEXT UNIQUE)"},
      {"with a foreign key", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, p INT REFERENCES t(id))"},
      {"with a check", "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, n INT CHECK (n > 0))"},
  };
  for (const auto& c : cases) {
    auto r = round_trip("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x');",
                        std::string(c.b) + "; INSERT INTO t(id, a) VALUES (1, 'x');", c.what);
    EXPECT_TRUE(rebuilt(r.up)) << c.what << "\n" << join(r.up);
  }
  auto r = round_trip("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)",
                      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, n INT NOT NULL)", "NOT NULL without default");
  EXPECT_TRUE(rebuilt(r.up));
  EXPECT_TRUE(has_review(r.up_changes, "NOT NULL without a default"));
}

TEST_F(RenderSqlite, AlterColumnRebuildsKeepingRowsIndexesAndViews) {
  auto r = round_trip(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR(255), n INT DEFAULT 1, note TEXT);"
      "CREATE INDEX ix_t_n ON t(n); CREATE INDEX ix_t_name ON t(name) WHERE name IS NOT NULL;"
      "CREATE TABLE c(id INTEGER PRIMARY KEY, t_id INT REFERENCES t(id));"
      "CREATE VIEW v AS SELECT id, name FROM t;"
      "INSERT INTO t VALUES (1, 'a', 5, 'x'), (2, 'b', 6, NULL); INSERT INTO c VALUES (1, 1), (2, 2);",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL COLLATE NOCASE, n BIGINT DEFAULT 2,"
      " note TEXT);"
      "CREATE INDEX ix_t_n ON t(n); CREATE INDEX ix_t_name ON t(name) WHERE name IS NOT NULL;"
      "CREATE TABLE c(id INTEGER PRIMARY KEY, t_id INT REFERENCES t(id));"
      "CREATE VIEW v AS SELECT id, name FROM t;"
      "INSERT INTO t VALUES (1, 'a', 5, 'x'), (2, 'b', 6, NULL); INSERT INTO c VALUES (1, 1), (2, 2);");
  EXPECT_TRUE(rebuilt(r.up));
  EXPECT_EQ(std::count_if(r.up.begin(), r.up.end(), [](auto& s) { return s.rfind("CREATE TABLE", 0) == 0; }), 1)
      << "one rebuild for all of the table's changes:\n" << join(r.up);
  EXPECT_TRUE(any_contains(r.up, "INSERT INTO \"_strata_new_t\" (\"id\", \"name\", \"n\", \"note\") SELECT"));
  // SQLite keeps any value whatever the declared length: no narrowing.
  EXPECT_FALSE(has_review(r.up_changes, "narrows type"));
  EXPECT_TRUE(has_review(r.up_changes, "becomes NOT NULL"));
}

TEST_F(RenderSqlite, DropColumnInPlaceOrByRebuild) {
  auto r = round_trip("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT); INSERT INTO t VALUES (1, 'x', 2);",
                      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x');");
  EXPECT_TRUE(any_contains(r.up, "DROP COLUMN \"b\""));
  EXPECT_FALSE(rebuilt(r.up));
  // Indexes on the column are dropped first; then the column goes in place.
  const char* indexed[] = {
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT); CREATE INDEX ix_b ON t(a, b)",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT); CREATE UNIQUE INDEX ix_b ON t(a) WHERE b > 0",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT); CREATE INDEX ix_b ON t((b + 1))",
  };
  for (const char* a : indexed) {
    auto r2 = round_trip(std::string(a) + "; INSERT INTO t VALUES (1, 'x', 2);",
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x');", a);
    EXPECT_TRUE(any_contains(r2.up, "DROP INDEX \"ix_b\"")) << a;
    EXPECT_TRUE(any_contains(r2.up, "DROP COLUMN \"b\"")) << a;
    EXPECT_FALSE(rebuilt(r2.up)) << a;
  }
  const char* constrained[] = {
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT UNIQUE)",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT CHECK (b > 0))",
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT REFERENCES t(id))",
      "CREATE TABLE t(id INTEGER, a TEXT, b INT, PRIMARY KEY (id, b))",
  };
  for (const char* a : constrained) {
    auto r2 = round_trip(std::string(a) + "; INSERT INTO t VALUES (1, 'x', 2);",
                         "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, 'x');", a);
    EXPECT_TRUE(rebuilt(r2.up)) << a;
  }
}

TEST_F(RenderSqlite, KeysChecksAndForeignKeysRebuild) {
  const std::string base = "CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT UNIQUE);";
  const std::string data = "INSERT INTO p VALUES (1, 'a'); INSERT INTO t VALUES (1, 1, 'q');";
  struct Case {
    const char* what;
    const char* a;
    const char* b;
  } cases[] = {
      {"add/drop primary key", "CREATE TABLE t(x INT, p_id INT, s TEXT)",
       "CREATE TABLE t(x INT, p_id INT, s TEXT, CONSTRAINT pk PRIMARY KEY (x, s))"},
      {"change primary key", "CREATE TABLE t(x INTEGER PRIMARY KEY, p_id INT, s TEXT)",
       "CREATE TABLE t(x INTEGER, p_id INT, s TEXT NOT NULL PRIMARY KEY)"},
      {"autoincrement", "CREATE TABLE t(x INTEGER PRIMARY KEY, p_id INT, s TEXT)",
       "CREATE TABLE t(x INTEGER PRIMARY KEY AUTOINCREMENT, p_id INT, s TEXT)"},
      {"add/drop unique", "CREATE TABLE t(x INT, p_id INT, s TEXT)",
       "CREATE TABLE t(x INT, p_id INT, s TEXT, CONSTRAINT uq_s UNIQUE (s), UNIQUE (x, p_id))"},
      {"rename unique", "CREATE TABLE t(x INT, p_id INT, s TEXT, CONSTRAINT uq_a UNIQUE (s))",
       "CREATE TABLE t(x INT, p_id INT, s TEXT, CONSTRAINT uq_b UNIQUE (s))"},
      {"add/drop check", "CREATE TABLE t(x INT, p_id INT, s TEXT, CHECK (x > 0))",
       "CREATE TABLE t(x INT, p_id INT, s TEXT, CONSTRAINT ck_s CHECK (s <> ''))"},
      {"add/drop foreign key", "CREATE TABLE t(x INT, p_id INT, s TEXT)",
       "CREATE TABLE t(x INT, p_id INT REFERENCES p(id) ON DELETE SET NULL, s TEXT,"
       " CONSTRAINT fk_s FOREIGN KEY (s) REFERENCES p(code) DEFERRABLE)"},
      {"change foreign key", "CREATE TABLE t(x INT, p_id INT REFERENCES p(id) ON DELETE CASCADE, s TEXT)",
       "CREATE TABLE t(x INT, p_id INT REFERENCES p(id) ON UPDATE RESTRICT, s TEXT)"},
      {"self reference", "CREATE TABLE t(x INTEGER PRIMARY KEY, p_id INT, s TEXT)",
       "CREATE TABLE t(x INTEGER PRIMARY KEY, p_id INT REFERENCES t(x), s TEXT)"},
  };
  for (const auto& c : cases) {
    auto r = round_trip(base + c.a + ";" + data, base + c.b + ";" + data, c.what);
    EXPECT_TRUE(rebuilt(r.up)) << c.what;
    EXPECT_TRUE(rebuilt(r.down)) << c.what;
  }
}

// What SQLite has not: an error naming the change.
TEST_F(RenderSqlite, SequencesAndEnumsAreErrorsNamingTheChange) {
  schema::Change seq;
  seq.kind = schema::Change::Kind::CreateSequence;
  seq.sequence = schema::Sequence{};
  seq.sequence->name = "order_no";
  try {
    render({seq});
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("create_sequence order_no"), std::string::npos) << e.what();
  }
  schema::Change en;
  en.kind = schema::Change::Kind::CreateEnum;
  en.enum_type = schema::Enum{};
  en.enum_type->name = "mood";
  try {
    render({en});
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("create_enum mood"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(render({}).empty());
  EXPECT_THROW(plugin->render_changes("not json"), dialect::DialectError);
  EXPECT_THROW(plugin->render_changes(R"J({"format": 1, "dialect": "mysql", "changes": []})J"), dialect::DialectError);
}

// ---------------------------------------------------------------------------
// Random schema pairs: the generator is random_schema_sqlite.{hpp,cpp}.

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// What the generator leaves out because the diff (src/schema) does not see
// it, so no SQL could be rendered: a change between declared types of one
// normalized type (INT <-> INTEGER) and a change of column order.
TEST_F(RenderSqlite, RandomSchemaPairsRoundTrip) {
  const uint64_t pairs = env_number("STRATA_SCHEMA_PAIRS", 200);
  const uint64_t first = env_number("STRATA_SCHEMA_SEED", 1);
  const auto start = std::chrono::steady_clock::now();
  uint64_t ran = 0, changes = 0, rebuilds = 0;
  for (uint64_t seed = first; seed < first + pairs; ++seed) {
    const auto pair = sqlite_random::schema_pair(seed);
    const std::string& sa = pair.a;
    const std::string& sb = pair.b;
    const std::string what = "seed " + std::to_string(seed) + " (STRATA_SCHEMA_SEED=" + std::to_string(seed) +
                             " STRATA_SCHEMA_PAIRS=1)\n-- A:\n" + sa + "-- B:\n" + sb;
    Result r;
    try {
      r = round_trip(sa, sb, what);
    } catch (const std::exception& e) {
      FAIL() << what << "\nthrew: " << e.what();
    }
    if (HasFailure()) {
      std::cerr << "failing pair: seed " << seed << "\n";
      return;
    }
    ++ran;
    changes += r.up_changes.size() + r.down_changes.size();
    rebuilds += std::count_if(r.up.begin(), r.up.end(), [](auto& s) { return s.rfind("DROP TABLE", 0) == 0; });
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "random schema pairs: " << ran << " round trips (seeds " << first << ".." << first + pairs - 1 << "), "
            << changes << " changes, " << rebuilds << " table drops/rebuilds upgrading, " << secs << " s\n";
}

}  // namespace
