// The PostgreSQL statement splitter (plugins/postgresql/statement_splitter.cpp),
// compiled in directly: no server needed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "statement_splitter.hpp"

using strata::postgresql::split_statements;
using strata::postgresql::SplitError;
using strata::postgresql::StatementRange;

namespace {

// The statements' texts, cut out of the script by their ranges.
std::vector<std::string> texts(const std::string& sql) {
  std::vector<std::string> out;
  for (auto& r : split_statements(sql)) {
    EXPECT_LE(r.offset + r.length, sql.size());
    out.push_back(sql.substr(r.offset, r.length));
  }
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(PostgresqlSplitter, PlainStatements) {
  EXPECT_EQ(texts("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"),
            V({"CREATE TABLE a (id int)", "CREATE TABLE b (id int)"}));
}

TEST(PostgresqlSplitter, TrailingStatementWithoutSemicolon) {
  EXPECT_EQ(texts("SELECT 1;\n  SELECT 2  \n\n"), V({"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(texts("SELECT 1"), V({"SELECT 1"}));
}

TEST(PostgresqlSplitter, EmptyInputAndEmptyStatements) {
  EXPECT_TRUE(split_statements("").empty());
  EXPECT_TRUE(split_statements("   \n\t ").empty());
  EXPECT_TRUE(split_statements(";;  ;\n;").empty());
  EXPECT_EQ(texts("SELECT 1;;; SELECT 2;"), V({"SELECT 1", "SELECT 2"}));
}

TEST(PostgresqlSplitter, OffsetsAreExact) {
  const std::string sql = "  SELECT 1 ;\n\n\tINSERT INTO t VALUES (1)\n;  -- done\n";
  auto r = split_statements(sql);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].offset, 2u);
  EXPECT_EQ(r[0].length, 8u);  // "SELECT 1", the blank before ';' excluded
  EXPECT_EQ(r[1].offset, sql.find("INSERT"));
  EXPECT_EQ(r[1].length, std::string("INSERT INTO t VALUES (1)").size());
}

TEST(PostgresqlSplitter, SemicolonInsideSingleQuotes) {
  EXPECT_EQ(texts("INSERT INTO t VALUES ('a;b'); SELECT ';'"),
            V({"INSERT INTO t VALUES ('a;b')", "SELECT ';'"}));
}

TEST(PostgresqlSplitter, DoubledQuoteEscapes) {
  EXPECT_EQ(texts("SELECT 'it''s; fine'; SELECT ''''; SELECT 2"),
            V({"SELECT 'it''s; fine'", "SELECT ''''", "SELECT 2"}));
}

TEST(PostgresqlSplitter, StandardStringsTakeBackslashLiterally) {
  // standard_conforming_strings: 'C:\' ends at the second quote.
  EXPECT_EQ(texts("SELECT 'C:\\'; SELECT 2"), V({"SELECT 'C:\\'", "SELECT 2"}));
}

TEST(PostgresqlSplitter, EscapeStringsTakeBackslashEscapes) {
  EXPECT_EQ(texts("SELECT E'\\';still inside'; SELECT 2"),
            V({"SELECT E'\\';still inside'", "SELECT 2"}));
  EXPECT_EQ(texts("SELECT e'a\\\\'; SELECT 2"), V({"SELECT e'a\\\\'", "SELECT 2"}));
  EXPECT_EQ(texts("SELECT E'it''s;'; SELECT 2"), V({"SELECT E'it''s;'", "SELECT 2"}));
}

TEST(PostgresqlSplitter, QuotedIdentifiers) {
  EXPECT_EQ(texts("CREATE TABLE \"quoted;ident\" (\"a\"\"; b\" int); SELECT 1"),
            V({"CREATE TABLE \"quoted;ident\" (\"a\"\"; b\" int)", "SELECT 1"}));
}

TEST(PostgresqlSplitter, DollarQuotedBody) {
  const std::string fn =
      "CREATE FUNCTION f() RETURNS int AS $$\n"
      "BEGIN\n"
      "  PERFORM 1; -- inside\n"
      "  RETURN 'x;y';\n"
      "END;\n"
      "$$ LANGUAGE plpgsql";
  EXPECT_EQ(texts(fn + ";\nSELECT f();"), V({fn, "SELECT f()"}));
}

TEST(PostgresqlSplitter, TaggedDollarQuoteContainingDollarDollar) {
  const std::string fn =
      "CREATE OR REPLACE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $fn$\n"
      "BEGIN\n"
      "  EXECUTE $$SELECT ';'$$;\n"
      "  RETURN $x$;$x$;\n"
      "END;\n"
      "$fn$";
  EXPECT_EQ(texts(fn + ";SELECT g()"), V({fn, "SELECT g()"}));
}

TEST(PostgresqlSplitter, DollarSignsThatAreNotQuotes) {
  // $1 parameters and identifiers containing '$' open no dollar quote.
  EXPECT_EQ(texts("PREPARE p AS SELECT $1; SELECT a$b$ FROM t; SELECT 2"),
            V({"PREPARE p AS SELECT $1", "SELECT a$b$ FROM t", "SELECT 2"}));
}

TEST(PostgresqlSplitter, DoBlock) {
  const std::string block =
      "DO $$\n"
      "DECLARE n int;\n"
      "BEGIN\n"
      "  SELECT count(*) INTO n FROM pg_class;\n"
      "  IF n > 0 THEN RAISE NOTICE 'found; %', n; END IF;\n"
      "END\n"
      "$$";
  EXPECT_EQ(texts("SELECT 1;\n" + block + ";\nSELECT 2;\n"), V({"SELECT 1", block, "SELECT 2"}));
}

TEST(PostgresqlSplitter, LineComments) {
  EXPECT_EQ(texts("SELECT 1 -- one; still a comment\n;\nSELECT 2; -- trailing; comment"),
            V({"SELECT 1 -- one; still a comment", "SELECT 2"}));
}

TEST(PostgresqlSplitter, NestedBlockComments) {
  EXPECT_EQ(texts("SELECT /* a; /* nested; */ still; comment */ 1; SELECT 2"),
            V({"SELECT /* a; /* nested; */ still; comment */ 1", "SELECT 2"}));
}

TEST(PostgresqlSplitter, LeadingCommentsAreSkipped) {
  const std::string sql = "-- header; comment\n/* block; /* nested */ */\n  SELECT 1;\n-- between\nSELECT 2";
  auto r = split_statements(sql);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].offset, sql.find("SELECT 1"));
  EXPECT_EQ(r[0].length, 8u);
  EXPECT_EQ(r[1].offset, sql.find("SELECT 2"));
  EXPECT_EQ(r[1].length, 8u);
}

TEST(PostgresqlSplitter, CommentOnlyScripts) {
  EXPECT_TRUE(split_statements("-- nothing here; really\n").empty());
  EXPECT_TRUE(split_statements("/* only; a /* nested */ comment */").empty());
  EXPECT_TRUE(split_statements("-- a\n;\n/* b */;\n-- c").empty());
}

TEST(PostgresqlSplitter, SemicolonInsideParentheses) {
  // As psql: a ';' inside parentheses does not end the statement.
  EXPECT_EQ(texts("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO l VALUES (1); NOTIFY t); SELECT 1"),
            V({"CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO l VALUES (1); NOTIFY t)", "SELECT 1"}));
}

TEST(PostgresqlSplitter, SqlStandardFunctionBody) {
  const std::string fn =
      "CREATE OR REPLACE FUNCTION h(a int) RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC\n"
      "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
      "  SELECT a + 1;\n"
      "END";
  EXPECT_EQ(texts(fn + ";\nSELECT h(1);"), V({fn, "SELECT h(1)"}));
  // BEGIN as a statement of its own is a transaction, not a body.
  EXPECT_EQ(texts("BEGIN; CREATE TABLE t (id int); COMMIT;"),
            V({"BEGIN", "CREATE TABLE t (id int)", "COMMIT"}));
}

// An unterminated construct would swallow the rest of the script (and the
// server would run only what came before it): an error at its start.
TEST(PostgresqlSplitter, UnterminatedConstructsAreErrorsAtTheirStart) {
  struct Case {
    std::string sql, message, at;
  } cases[] = {
      {"CREATE TABLE a (x int);\n/* the rest:\nCREATE TABLE b (x int);\n", "unterminated /* comment", "/*"},
      {"SELECT 1; /* outer /* inner */ still open", "unterminated /* comment", "/* outer"},
      {"SELECT 1; SELECT 'open; SELECT 2", "unterminated quoted string", "'open"},
      {"SELECT 1; SELECT E'esc\\'; SELECT 2", "unterminated quoted string", "E'esc"},
      {"SELECT 1; SELECT \"open; SELECT 2", "unterminated quoted identifier", "\"open"},
      {"SELECT $$open; x", "unterminated dollar-quoted string $$", "$$"},
      {"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $bod$ LANGUAGE sql;",
       "unterminated dollar-quoted string $body$", "$body$"},
      {"/* leading comment never closed\nSELECT 1;", "unterminated /* comment", "/*"},
  };
  for (auto& c : cases) {
    try {
      split_statements(c.sql);
      ADD_FAILURE() << "accepted: " << c.sql;
    } catch (const SplitError& e) {
      EXPECT_EQ(std::string(e.what()), c.message) << c.sql;
      EXPECT_EQ(e.offset, c.sql.find(c.at)) << c.sql;
    }
  }
  // Closed ones, and a line comment at the very end, are fine.
  EXPECT_EQ(texts("SELECT 'a''b'; SELECT $t$ $$ $t$; SELECT 1 -- end"),
            V({"SELECT 'a''b'", "SELECT $t$ $$ $t$", "SELECT 1 -- end"}));
}

TEST(PostgresqlSplitter, NulByteIsAnError) {
  const std::string sql = std::string("CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);") + '\0' +
                          "\nINSERT INTO a VALUES (2);";
  try {
    split_statements(sql);
    ADD_FAILURE() << "accepted a NUL byte";
  } catch (const SplitError& e) {
    EXPECT_EQ(std::string(e.what()), "NUL byte (0x00) in the SQL");
    EXPECT_EQ(e.offset, sql.find('\0'));
  }
}

TEST(PostgresqlSplitter, MultibyteText) {
  const std::string sql = "INSERT INTO t VALUES ('héllo; wörld');\nSELECT \"naïve\" FROM t";
  auto r = split_statements(sql);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].offset, sql.find("SELECT"));
  EXPECT_EQ(sql.substr(r[0].offset, r[0].length), "INSERT INTO t VALUES ('héllo; wörld')");
}
