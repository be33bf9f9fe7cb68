// The SQLite statement splitter (plugins/sqlite/statement_splitter.cpp),
// compiled in directly: no database needed. Where statements end must be
// where SQLite's own sqlite3_complete() says they end; the test checks that
// against the library too.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "statement_splitter.hpp"

using strata::sqlite::split_statements;
using strata::sqlite::SplitError;

namespace {

std::vector<std::string> texts(const std::string& sql) {
  std::vector<std::string> out;
  for (auto& r : split_statements(sql)) {
    EXPECT_LE(r.offset + r.length, sql.size());
    out.push_back(sql.substr(r.offset, r.length));
  }
  return out;
}

using V = std::vector<std::string>;

// The error split_statements throws for `sql` (message and offset).
SplitError split_error(const std::string& sql) {
  try {
    split_statements(sql);
  } catch (const SplitError& e) {
    return e;
  }
  ADD_FAILURE() << "split_statements accepted: " << sql;
  return SplitError("", 0);
}

}  // namespace

TEST(SqliteSplitter, PlainStatements) {
  EXPECT_EQ(texts("CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n"),
            V({"CREATE TABLE a (id INTEGER)", "CREATE TABLE b (id INTEGER)"}));
  EXPECT_EQ(texts("SELECT 1;\n  SELECT 2  \n\n"), V({"SELECT 1", "SELECT 2"}));
  EXPECT_TRUE(split_statements("").empty());
  EXPECT_TRUE(split_statements(" ;; ;\n -- only a comment\n/* and another */").empty());
}

TEST(SqliteSplitter, OffsetsAreExact) {
  const std::string sql = "  -- c\n  SELECT 1 ;\n\n/* x */ SELECT 'a;' ;  ";
  auto r = split_statements(sql);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].offset, sql.find("SELECT 1"));
  EXPECT_EQ(r[0].length, 8u);
  EXPECT_EQ(r[1].offset, sql.find("SELECT 'a;'"));
  EXPECT_EQ(r[1].length, 11u);
}

TEST(SqliteSplitter, QuotesAndCommentsHideSemicolons) {
  EXPECT_EQ(texts("INSERT INTO t VALUES ('a;b', 'it''s;'); SELECT \"x;y\", `p;q`, [r;s] FROM t"),
            V({"INSERT INTO t VALUES ('a;b', 'it''s;')", "SELECT \"x;y\", `p;q`, [r;s] FROM t"}));
  EXPECT_EQ(texts("SELECT 1 /* ; */ ; SELECT 2 -- ;\n; SELECT 3"), V({"SELECT 1 /* ; */", "SELECT 2 -- ;", "SELECT 3"}));
}

TEST(SqliteSplitter, TriggerBodiesStayWhole) {
  const std::string trigger =
      "CREATE TEMP TRIGGER trg AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (1);\n  UPDATE c SET n = n + 1;\nEND";
  EXPECT_EQ(texts(trigger + ";\nSELECT 1;"), V({trigger, "SELECT 1"}));
  const std::string with_case =
      "CREATE TRIGGER t2 BEFORE DELETE ON t BEGIN SELECT CASE WHEN 1 THEN RAISE(ABORT, 'no;') END; END";
  EXPECT_EQ(texts(with_case + ";SELECT 2"), V({with_case, "SELECT 2"}));
}

// Every boundary is one sqlite3_complete() agrees with.
TEST(SqliteSplitter, AgreesWithSqlite3Complete) {
  const std::string sql =
      "CREATE TABLE t (a TEXT);\nEXPLAIN SELECT 1;\nCREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT ';'; END;\n"
      "INSERT INTO t VALUES ('--;'), (\"/*;\");\n";
  auto r = split_statements(sql);
  ASSERT_EQ(r.size(), 4u);
  size_t start = 0;
  for (auto& range : r) {
    const size_t semi = sql.find(';', range.offset + range.length);
    ASSERT_NE(semi, std::string::npos);
    const std::string upto = sql.substr(start, semi + 1 - start);
    EXPECT_TRUE(sqlite3_complete(upto.c_str())) << upto;
    start = semi + 1;
  }
}

TEST(SqliteSplitter, UnterminatedConstructsAreErrorsAtTheirStart) {
  struct Case {
    std::string sql, message, at;
  } cases[] = {
      {"CREATE TABLE a (x INTEGER);\n/* the rest:\nCREATE TABLE b (x INTEGER);\n", "unterminated /* comment", "/*"},
      {"SELECT 1; SELECT 'open; SELECT 2;", "unterminated quoted string", "'open"},
      {"SELECT 1; SELECT \"open; SELECT 2;", "unterminated quoted identifier", "\"open"},
      {"SELECT 1; SELECT `open; SELECT 2;", "unterminated quoted identifier", "`open"},
      {"SELECT 1; SELECT [open; SELECT 2;", "unterminated quoted identifier", "[open"},
  };
  for (auto& c : cases) {
    SplitError e = split_error(c.sql);
    EXPECT_EQ(std::string(e.what()), c.message) << c.sql;
    EXPECT_EQ(e.offset, c.sql.find(c.at)) << c.sql;
  }
  // A line comment may end the script without a newline.
  EXPECT_EQ(texts("SELECT 1; -- done"), V({"SELECT 1"}));
}

TEST(SqliteSplitter, NulByteIsAnError) {
  const std::string sql = std::string("CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);") + '\0' +
                          "\nINSERT INTO a VALUES (2);";
  SplitError e = split_error(sql);
  EXPECT_EQ(std::string(e.what()), "NUL byte (0x00) in the SQL");
  EXPECT_EQ(e.offset, sql.find('\0'));
}

TEST(SqliteSplitter, ManyStatements) {
  std::string sql;
  for (int i = 0; i < 100000; ++i) sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'a;b');\n";
  auto r = split_statements(sql);
  ASSERT_EQ(r.size(), 100000u);
  EXPECT_EQ(sql.substr(r[99999].offset, r[99999].length), "INSERT INTO t VALUES (99999, 'a;b')");
}
