// The MySQL dialect's statement splitter (plugins/mysql/statement_splitter.cpp):
// mysql-client rules for delimiters, quotes and comments. No server needed.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "statement_splitter.hpp"

using strata::mysql::check_statement;
using strata::mysql::split_statements;
using strata::mysql::SplitError;
using strata::mysql::StatementRange;

namespace {

// The statements' texts, cut from `sql` by the returned ranges.
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

TEST(MysqlSplitter, PlainStatements) {
  EXPECT_EQ(texts("SELECT 1; SELECT 2;\nINSERT INTO t VALUES (1);"),
            (V{"SELECT 1", "SELECT 2", "INSERT INTO t VALUES (1)"}));
}

TEST(MysqlSplitter, TrailingStatementWithoutDelimiter) {
  EXPECT_EQ(texts("CREATE TABLE a (id INT);\nDROP TABLE b  \n\n"), (V{"CREATE TABLE a (id INT)", "DROP TABLE b"}));
  EXPECT_EQ(texts("SELECT 1"), (V{"SELECT 1"}));
}

TEST(MysqlSplitter, EmptyAndCommentOnlyStatementsAreDropped) {
  EXPECT_TRUE(texts("").empty());
  EXPECT_TRUE(texts("  \n\t ").empty());
  EXPECT_TRUE(texts(";;  ;\n;").empty());
  EXPECT_TRUE(texts("-- nothing here\n# nor here\n/* nor; here */;\n").empty());
  EXPECT_EQ(texts(";; SELECT 1;; ;"), (V{"SELECT 1"}));
}

TEST(MysqlSplitter, DelimiterInsideSingleQuotes) {
  EXPECT_EQ(texts("INSERT INTO t VALUES ('a;b'); SELECT ';'"), (V{"INSERT INTO t VALUES ('a;b')", "SELECT ';'"}));
}

TEST(MysqlSplitter, DelimiterInsideDoubleQuotes) {
  EXPECT_EQ(texts("SELECT \"x;y\"; SELECT 2"), (V{"SELECT \"x;y\"", "SELECT 2"}));
}

TEST(MysqlSplitter, DelimiterInsideBackticks) {
  EXPECT_EQ(texts("CREATE TABLE `a;b` (`c;d` INT); SELECT 1"), (V{"CREATE TABLE `a;b` (`c;d` INT)", "SELECT 1"}));
  // Doubled backticks; a backslash is not an escape inside backticks.
  EXPECT_EQ(texts("SELECT 1 AS `x``;y`; SELECT 1 AS `a\\`; SELECT 3"),
            (V{"SELECT 1 AS `x``;y`", "SELECT 1 AS `a\\`", "SELECT 3"}));
}

TEST(MysqlSplitter, BackslashEscapedQuotes) {
  EXPECT_EQ(texts("SELECT 'it\\'s; fine'; SELECT \"say \\\"hi;\\\"\"; SELECT '\\\\'; SELECT 4"),
            (V{"SELECT 'it\\'s; fine'", "SELECT \"say \\\"hi;\\\"\"", "SELECT '\\\\'", "SELECT 4"}));
}

TEST(MysqlSplitter, DoubledQuotes) {
  EXPECT_EQ(texts("SELECT 'it''s; fine'; SELECT \"a\"\";b\"; SELECT ''; SELECT 4"),
            (V{"SELECT 'it''s; fine'", "SELECT \"a\"\";b\"", "SELECT ''", "SELECT 4"}));
}

TEST(MysqlSplitter, DashDashComments) {
  EXPECT_EQ(texts("SELECT 1; -- comment; with; delimiters\nSELECT 2 -- trailing;\n; SELECT 3"),
            (V{"SELECT 1", "SELECT 2 -- trailing;", "SELECT 3"}));
  // "--" then a tab or the end of the line is a comment too.
  EXPECT_EQ(texts("SELECT 1 --\t;x\n;SELECT 2 --\n;"), (V{"SELECT 1 --\t;x", "SELECT 2 --"}));
}

TEST(MysqlSplitter, DashDashWithoutSpaceIsNotAComment) {
  EXPECT_EQ(texts("SELECT 1--1; SELECT 2"), (V{"SELECT 1--1", "SELECT 2"}));
  EXPECT_EQ(texts("UPDATE t SET a = a--1;"), (V{"UPDATE t SET a = a--1"}));
}

TEST(MysqlSplitter, HashComments) {
  EXPECT_EQ(texts("# header; with; semicolons\nSELECT 1 # note; here\n; SELECT 2"),
            (V{"SELECT 1 # note; here", "SELECT 2"}));
}

TEST(MysqlSplitter, BlockComments) {
  EXPECT_EQ(texts("/* leading; comment */ SELECT /* inner; */ 1; /* multi\nline; */\nSELECT 2"),
            (V{"SELECT /* inner; */ 1", "SELECT 2"}));
}

TEST(MysqlSplitter, ExecutableCommentsStayInTheStatement) {
  EXPECT_EQ(texts("/*!40101 SET @saved = @@character_set_client */;\n"
                  "/*!40014 SET FOREIGN_KEY_CHECKS=0; */\n;"
                  "/*M!100100 SET @a = 1 */; SELECT /*! STRAIGHT_JOIN */ 1;"),
            (V{"/*!40101 SET @saved = @@character_set_client */", "/*!40014 SET FOREIGN_KEY_CHECKS=0; */",
               "/*M!100100 SET @a = 1 */", "SELECT /*! STRAIGHT_JOIN */ 1"}));
}

TEST(MysqlSplitter, DelimiterSlashSlashWithProcedure) {
  const std::string sql =
      "CREATE TABLE t (id INT);\n"
      "DELIMITER //\n"
      "CREATE PROCEDURE p()\n"
      "BEGIN\n"
      "  INSERT INTO t VALUES (1);\n"
      "  INSERT INTO t VALUES (2);\n"
      "END//\n"
      "DELIMITER ;\n"
      "CALL p();\n";
  EXPECT_EQ(texts(sql), (V{"CREATE TABLE t (id INT)",
                           "CREATE PROCEDURE p()\nBEGIN\n  INSERT INTO t VALUES (1);\n  INSERT INTO t VALUES (2);\nEND",
                           "CALL p()"}));
}

TEST(MysqlSplitter, DelimiterDollarDollarWithTrigger) {
  const std::string sql =
      "delimiter $$\n"
      "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\n"
      "BEGIN\n"
      "  IF NEW.id < 0 THEN SET NEW.id = 0; END IF;\n"
      "END $$\n"
      "  Delimiter ;\n"
      "INSERT INTO t VALUES (-1); SELECT 1";
  EXPECT_EQ(texts(sql),
            (V{"CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  IF NEW.id < 0 THEN SET NEW.id = 0; END IF;\nEND",
               "INSERT INTO t VALUES (-1)", "SELECT 1"}));
}

TEST(MysqlSplitter, CustomDelimiterRespectsQuotesAndComments) {
  const std::string sql =
      "DELIMITER ;;\n"
      "SELECT ';;' ;;\n"
      "SELECT 1 -- not the end ;;\n"
      ";;\n"
      "SELECT 2 /* ;; */ ;;\n"
      "DELIMITER ;\n";
  EXPECT_EQ(texts(sql), (V{"SELECT ';;'", "SELECT 1 -- not the end ;;", "SELECT 2 /* ;; */"}));
}

TEST(MysqlSplitter, DelimiterOnlyWhereAStatementStarts) {
  // A column called `delimiter` at the start of a line inside a statement.
  EXPECT_EQ(texts("CREATE TABLE t (\n  delimiter INT\n);\nSELECT 1"),
            (V{"CREATE TABLE t (\n  delimiter INT\n)", "SELECT 1"}));
  // After a completed statement on the same line, as the mysql client does.
  EXPECT_EQ(texts("SELECT 1; DELIMITER //\nSELECT 2; SELECT 3//"), (V{"SELECT 1", "SELECT 2; SELECT 3"}));
  // A word merely starting with "delimiter" is not the command.
  EXPECT_EQ(texts("delimiters;"), (V{"delimiters"}));
  // DELIMITER lines with CRLF line ends.
  EXPECT_EQ(texts("DELIMITER //\r\nSELECT 1; SELECT 2//\r\nDELIMITER ;\r\nSELECT 3;\r\n"),
            (V{"SELECT 1; SELECT 2", "SELECT 3"}));
}

TEST(MysqlSplitter, DelimiterWithoutArgumentThrows) {
  EXPECT_THROW(split_statements("SELECT 1;\nDELIMITER\nSELECT 2"), std::invalid_argument);
  EXPECT_THROW(split_statements("DELIMITER   "), std::invalid_argument);
  try {
    split_statements("SELECT 1;\nDELIMITER\nSELECT 2");
  } catch (const SplitError& e) {
    EXPECT_EQ(e.offset, 10u);  // where the DELIMITER line starts
  }
}

TEST(MysqlSplitter, OffsetsAreExact) {
  //                       0         1         2         3         4
  //                       0123456789012345678901234567890123456789012345
  const std::string sql = "  -- c\n  SELECT 1 ;\n\n/* x */ SELECT 'a;' ;  ";
  auto ranges = split_statements(sql);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].offset, 9u);
  EXPECT_EQ(ranges[0].length, 8u);  // "SELECT 1"
  EXPECT_EQ(ranges[1].offset, 29u);
  EXPECT_EQ(ranges[1].length, 11u);  // "SELECT 'a;'"

  const std::string proc = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\nCALL p();";
  ranges = split_statements(proc);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].offset, 13u);
  EXPECT_EQ(proc.substr(ranges[0].offset, ranges[0].length), "CREATE PROCEDURE p() BEGIN SELECT 1; END");
  EXPECT_EQ(ranges[1].offset, proc.find("CALL"));
  EXPECT_EQ(ranges[1].length, 8u);  // "CALL p()"
}

// An unterminated construct would swallow the rest of the script: an error
// at its start, whatever the delimiter.
TEST(MysqlSplitter, UnterminatedConstructsAreErrorsAtTheirStart) {
  struct Case {
    std::string sql, message, at;
  } cases[] = {
      {"CREATE TABLE a (x int);\n/* the rest:\nCREATE TABLE b (x int);\n", "unterminated /* comment", "/*"},
      {"SELECT 1; /*! SET @x = 1; ", "unterminated /* comment", "/*!"},
      {"SELECT 1; SELECT 'open; still open", "unterminated quoted string", "'open"},
      {"SELECT 1; SELECT 'esc\\'; SELECT 2", "unterminated quoted string", "'esc"},
      {"SELECT 1; SELECT \"open; SELECT 2", "unterminated quoted string", "\"open"},
      {"SELECT 1; SELECT `open; SELECT 2", "unterminated quoted identifier", "`open"},
      {"DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 'x; END //\n", "unterminated quoted string", "'x"},
  };
  for (auto& c : cases) {
    try {
      split_statements(c.sql);
      ADD_FAILURE() << "accepted: " << c.sql;
    } catch (const SplitError& e) {
      EXPECT_EQ(std::string(e.what()), c.message) << c.sql;
      EXPECT_EQ(e.offset, c.sql.find(c.at)) << c.sql;
    }
    // The single-statement check (execute with STRATA_EXEC_SINGLE_STATEMENT) agrees.
    const std::string tail = c.sql.substr(c.sql.find(c.at));
    EXPECT_THROW(check_statement(tail), SplitError) << tail;
  }
  EXPECT_EQ(texts("SELECT 1; # done"), V({"SELECT 1"}));
  EXPECT_NO_THROW(check_statement("CREATE PROCEDURE p() BEGIN SELECT 'a;b'; /* c */ END"));
}

TEST(MysqlSplitter, NulByteIsAnError) {
  const std::string sql = std::string("CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);") + '\0' +
                          "\nINSERT INTO a VALUES (2);";
  for (auto check : {+[](const std::string& s) { split_statements(s); }, +[](const std::string& s) { check_statement(s); }}) {
    try {
      check(sql);
      ADD_FAILURE() << "accepted a NUL byte";
    } catch (const SplitError& e) {
      EXPECT_EQ(std::string(e.what()), "NUL byte (0x00) in the SQL");
      EXPECT_EQ(e.offset, sql.find('\0'));
    }
  }
}
