// Batched runs (ABI 1.2 execute_batch: a PostgreSQL pipeline inside the
// run's transaction, MariaDB multi-statement packets) keep every guarantee
// of the statement-by-statement run: a failing statement in the middle of a
// batch is still named as file:line, nothing is half-applied where the
// dialect can roll back, the progress record of a tracked revision is exact,
// and a statement that cannot share a transaction in the middle of a run
// runs outside the batch. The same scenarios run on SQLite (never batched)
// as the reference. Also the plugins' execute_batch itself.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>

#include "strata/dialect/dialect.hpp"
#include "db_support.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::admin_url;
using strata::test::connect;
using strata::test::run_strata;
using strata::test::TempDir;
using strata::test::with_database;
using Rows = std::vector<std::string>;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

constexpr int kRevisions = 40;
constexpr int kFailing = 23;

class Batch : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::vector<std::string> created;

  std::string dialect() const { return GetParam(); }
  bool transactional_ddl() const { return dialect() != "mysql"; }

  std::string fresh_db() {
    static std::atomic<int> counter{0};
    std::string name = "strata_b" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (dialect() == "sqlite") return "sqlite:///" + (dir / (name + ".db"));
    auto c = connect(admin_url(dialect()));
    c->execute("CREATE DATABASE " + name);
    created.push_back(name);
    return with_database(admin_url(dialect()), name);
  }

  void TearDown() override {
    if (created.empty()) return;
    auto c = connect(admin_url(dialect()));
    for (auto& name : created) {
      try {
        c->execute(dialect() == "postgresql" ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                                             : "DROP DATABASE IF EXISTS " + name);
      } catch (const std::exception&) {
      }
    }
  }

  Rows version(const std::string& url) {
    auto c = connect(url);
    if (!c->table_exists(nullptr, "alembic_version")) return {};
    return c->query_column("SELECT version_num FROM alembic_version");
  }
  bool table(const std::string& url, const std::string& name) { return connect(url)->table_exists(nullptr, name); }
  Rows column(const std::string& url, const std::string& sql) {
    auto rows = connect(url)->query_column(sql);
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  static std::string id(int i) { return "r" + std::to_string(i); }
  std::string path(int i) const { return dir / ("migrations/main/" + std::to_string(i) + "_r.sql"); }

  // kRevisions revisions of a CREATE TABLE and an INSERT each (lines 7 and
  // 8 of their files); `body` replaces revision i's upgrade section.
  void write_chain(int n, const std::map<int, std::pair<std::string, std::string>>& special = {},
                   const std::string& extra_alembic = "") {
    for (int i = 1; i <= n; ++i) {
      const std::string t = "t" + std::to_string(i);
      std::string up = "CREATE TABLE " + t + " (id INTEGER);\nINSERT INTO " + t + " (id) VALUES (" + std::to_string(i) + ");";
      std::string headers;
      if (auto it = special.find(i); it != special.end()) {
        up = it->second.first;
        headers = it->second.second;
      }
      dir.write("migrations/main/" + std::to_string(i) + "_r.sql",
                strata::test::revision_text(id(i), i == 1 ? "" : id(i - 1), up, "DROP TABLE " + t + ";", headers));
    }
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"migrations/main\"]\n" + extra_alembic +
                                  "\n[databases.main]\nurl = \"${DATABASE_URL}\"\n");
  }

  strata::test::RunResult strata(const std::vector<std::string>& args, const std::string& url) {
    return run_strata(args, dir.path(), {"DATABASE_URL=" + url});
  }
};

}  // namespace

// Every revision applied, each logged once with its own row.
TEST_P(Batch, ManyRevisionsRunAndAreLoggedOneByOne) {
  write_chain(kRevisions);
  auto url = fresh_db();
  auto r = strata({"upgrade", "head"}, url);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(url), Rows{id(kRevisions)});
  EXPECT_EQ(column(url, "SELECT id FROM t" + std::to_string(kRevisions)), Rows{std::to_string(kRevisions)});
  EXPECT_EQ(column(url, "SELECT revision FROM alembic_version_log WHERE outcome = 'ok'").size(),
            static_cast<size_t>(kRevisions));
  for (int i = 1; i <= kRevisions; ++i)
    EXPECT_TRUE(has(r.out + r.err, "Running upgrade " + (i == 1 ? std::string() : id(i - 1)) + " -> " + id(i)))
        << i;
  EXPECT_FALSE(table(url, "alembic_version_progress") &&
               !column(url, "SELECT revision FROM alembic_version_progress").empty());
}

// A statement failing in the middle of a batch (revision 23 of 40, its
// second statement) is named by file and line; with one transaction for the
// run nothing stays; on MariaDB the record says exactly where it stopped.
TEST_P(Batch, FailureInTheMiddleOfABatchNamesFileAndLineAndLeavesNothingHalfApplied) {
  write_chain(kRevisions, {{kFailing, {"CREATE TABLE t" + std::to_string(kFailing) +
                                           " (id INTEGER);\nINSERT INTO no_such_table (id) VALUES (1);",
                                       ""}}});
  auto url = fresh_db();
  auto r = strata({"upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, path(kFailing) + ":8: ")) << r.err;
  EXPECT_TRUE(has(r.err, "no_such_table")) << r.err;
  EXPECT_TRUE(has(r.err, "[revision " + id(kFailing))) << r.err;
  if (transactional_ddl()) {
    EXPECT_TRUE(has(r.err, "rolled back: database left at <base>")) << r.err;
    EXPECT_EQ(version(url), Rows{});
    EXPECT_FALSE(table(url, "t1"));
    EXPECT_FALSE(table(url, "t" + std::to_string(kFailing - 1)));
    EXPECT_FALSE(table(url, "alembic_version_log"));
  } else {
    EXPECT_EQ(version(url), Rows{id(kFailing - 1)});
    EXPECT_TRUE(table(url, "t" + std::to_string(kFailing)));
    EXPECT_TRUE(has(r.err, "1 of 2 statements completed; statement 2 (" + path(kFailing) + ":8) did not")) << r.err;
    EXPECT_EQ(column(url, "SELECT statements_done FROM alembic_version_progress"), Rows{"1"});
    EXPECT_EQ(column(url, "SELECT statement_started FROM alembic_version_progress"), Rows{""});
    // Fixed, then resumed at statement 2: statement 1 is not run again.
    dir.write("migrations/main/" + std::to_string(kFailing) + "_r.sql",
              strata::test::revision_text(id(kFailing), id(kFailing - 1),
                                          "CREATE TABLE t" + std::to_string(kFailing) + " (id INTEGER);\nINSERT INTO t" +
                                              std::to_string(kFailing) + " (id) VALUES (1);",
                                          "DROP TABLE t" + std::to_string(kFailing) + ";"));
    auto resumed = strata({"upgrade", "head", "--resume"}, url);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(version(url), Rows{id(kRevisions)});
  }
}

// A syntax error quotes the revision's statement, never the statements the
// run sends with it in one packet (MariaDB's "near '...'" runs to the end of
// the packet; its "at line N" counts within the statement).
TEST_P(Batch, ASyntaxErrorQuotesOnlyTheRevisionsStatement) {
  write_chain(3, {{2, {"CREATE TABLE t2 (id INTEGER);\nCREATE TABL t2b (\n  id INTEGER\n);\nINSERT INTO t2 VALUES (1);", ""}}});
  auto url = fresh_db();
  auto r = strata({"upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, path(2) + ":8: ")) << r.err;
  EXPECT_FALSE(has(r.err, "alembic_version_progress")) << r.err;
  EXPECT_FALSE(has(r.err, "INSERT INTO t2")) << r.err;
  if (dialect() == "mysql") {
    // The message's lines are printed one by one, each prefixed.
    EXPECT_TRUE(has(r.err, "near 'TABL t2b (")) << r.err;
    EXPECT_TRUE(has(r.err, "\nmain: )' at line 1\n")) << r.err;
  }
}

// One transaction per revision: the revisions before the failing one stay,
// the failing one is rolled back (or, on MariaDB, recorded half-applied).
TEST_P(Batch, FailureWithATransactionPerRevisionKeepsTheEarlierOnes) {
  write_chain(kRevisions,
              {{kFailing, {"CREATE TABLE t" + std::to_string(kFailing) + " (id INTEGER);\nINSERT INTO no_such_table (id) VALUES (1);",
                           ""}}},
              "transaction_per_migration = true\n");
  auto url = fresh_db();
  auto r = strata({"upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, path(kFailing) + ":8: ")) << r.err;
  EXPECT_EQ(version(url), Rows{id(kFailing - 1)});
  EXPECT_EQ(column(url, "SELECT id FROM t" + std::to_string(kFailing - 1)), Rows{std::to_string(kFailing - 1)});
  EXPECT_EQ(table(url, "t" + std::to_string(kFailing)), !transactional_ddl());
  EXPECT_EQ(column(url, "SELECT revision FROM alembic_version_log WHERE outcome = 'ok'").size(),
            static_cast<size_t>(kFailing - 1));
}

// A revision that runs outside the batch's transaction (Transactional:
// false; on MariaDB every revision is tracked) in the middle of a run, its
// non-transactional statement between two that share a transaction with
// their progress update: everything before it is committed first, it runs
// tracked, and the run goes on batching after it.
TEST_P(Batch, NonTransactionalStatementInTheMiddleOfARun) {
  const std::string mid = "t" + std::to_string(kFailing);
  const std::string index = dialect() == "postgresql" ? "CREATE INDEX CONCURRENTLY ix_mid ON " + mid + " (id);"
                                                      : "CREATE INDEX ix_mid ON " + mid + " (id);";
  const std::string body = "CREATE TABLE " + mid + " (id INTEGER);\nINSERT INTO " + mid + " (id) VALUES (1);\n" + index +
                           "\nINSERT INTO " + mid + " (id) VALUES (2);";
  write_chain(kRevisions, {{kFailing, {body, "-- Transactional: false\n"}}});
  auto url = fresh_db();
  auto r = strata({"upgrade", "head"}, url);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(version(url), Rows{id(kRevisions)});
  EXPECT_EQ(column(url, "SELECT id FROM " + mid), (Rows{"1", "2"}));
  EXPECT_EQ(column(url, "SELECT revision FROM alembic_version_log WHERE outcome = 'ok'").size(),
            static_cast<size_t>(kRevisions));
  EXPECT_TRUE(column(url, "SELECT revision FROM alembic_version_progress").empty());

  // The same revision failing at its last statement (line 11 with the
  // header): the revisions before it are committed, its first three
  // statements are recorded as done, nothing after it ran.
  const std::string failing = "CREATE TABLE " + mid + " (id INTEGER);\nINSERT INTO " + mid + " (id) VALUES (1);\n" +
                              index + "\nINSERT INTO no_such_table (id) VALUES (2);";
  write_chain(kRevisions, {{kFailing, {failing, "-- Transactional: false\n"}}});
  auto url2 = fresh_db();
  auto f = strata({"upgrade", "head"}, url2);
  EXPECT_EQ(f.exit_code, 1);
  EXPECT_TRUE(has(f.err, path(kFailing) + ":11: ")) << f.err;
  EXPECT_TRUE(has(f.err, "3 of 4 statements completed; statement 4 (" + path(kFailing) + ":11) did not")) << f.err;
  EXPECT_EQ(version(url2), Rows{id(kFailing - 1)});
  EXPECT_EQ(column(url2, "SELECT id FROM " + mid), Rows{"1"});
  EXPECT_EQ(column(url2, "SELECT statements_done FROM alembic_version_progress"), Rows{"3"});
  EXPECT_FALSE(table(url2, "t" + std::to_string(kFailing + 1)));
}

// A revision whose only statement (one that shares a transaction with its
// record) fails as a whole changed nothing: no record is left to block the
// database, and the next run says the same error again.
TEST_P(Batch, AFirstStatementFailingAsAWholeLeavesNoRecord) {
  write_chain(kRevisions, {{kFailing, {"INSERT INTO no_such_table (id) VALUES (1);", "-- Transactional: false\n"}}});
  auto url = fresh_db();
  for (int run = 0; run < 2; ++run) {
    auto r = strata({"upgrade", "head"}, url);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(has(r.err, path(kFailing) + ":8: ")) << r.err;
    EXPECT_FALSE(has(r.err, "left in the middle")) << r.err;
    EXPECT_EQ(version(url), Rows{id(kFailing - 1)});
    if (table(url, "alembic_version_progress"))
      EXPECT_TRUE(column(url, "SELECT revision FROM alembic_version_progress").empty());
  }
}

// A version-table write that matches no row (here a revision deletes the
// row itself) is caught before anything commits it, batched or not.
TEST_P(Batch, AVersionWriteMatchingNoRowIsCaughtBeforeItCommits) {
  write_chain(kRevisions, {{kFailing, {"DELETE FROM alembic_version;", ""}}});
  auto url = fresh_db();
  auto r = strata({"upgrade", "head"}, url);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.err, "expected to match one row")) << r.err;
  if (transactional_ddl()) {
    EXPECT_EQ(version(url), Rows{});
    EXPECT_FALSE(table(url, "t1"));
  } else {
    // Its DELETE and its version write roll back together; the record says
    // the statement is still to run.
    EXPECT_EQ(version(url), Rows{id(kFailing - 1)});
    EXPECT_EQ(column(url, "SELECT statements_done FROM alembic_version_progress"), Rows{"0"});
  }
}

INSTANTIATE_TEST_SUITE_P(Dialects, Batch, ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& info) { return info.param; });

// ------------------------------------------------------- execute_batch

namespace {

struct ServerDb {
  std::string dialect, name, url;
  explicit ServerDb(std::string d) : dialect(std::move(d)) {
    static std::atomic<int> counter{0};
    name = "strata_bp" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    connect(admin_url(dialect))->execute("CREATE DATABASE " + name);
    url = with_database(admin_url(dialect), name);
  }
  ~ServerDb() {
    try {
      connect(admin_url(dialect))
          ->execute(dialect == "postgresql" ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                                            : "DROP DATABASE IF EXISTS " + name);
    } catch (const std::exception&) {
    }
  }
};

class ExecuteBatch : public ::testing::TestWithParam<std::string> {};

}  // namespace

// Rows are counted where asked (an UPDATE late in a MariaDB packet counts
// the matched rows its OK packet's info text gives, any other statement
// through ROW_COUNT()), the failing statement's index comes back, and
// nothing after it runs.
TEST_P(ExecuteBatch, CountsRowsAndStopsAtTheFirstFailureNamingIt) {
  ServerDb db(GetParam());
  auto c = connect(db.url);
  c->execute("CREATE TABLE b (id INTEGER)");
  c->begin();
  const std::vector<std::string> ok = {"INSERT INTO b (id) VALUES (1), (2), (3)", "CREATE TABLE b2 (id INTEGER)",
                                       "UPDATE b SET id = id WHERE id >= 2", "DELETE FROM b WHERE id = 9",
                                       "SELECT 1", "\n update b set id = id where id = 42",
                                       "UPDATE b SET id = 7 WHERE id = 1", "DELETE FROM b WHERE id = 7"};
  auto rows = c->execute_batch(ok, {true, false, true, true, false, true, true, true});
  ASSERT_EQ(rows.size(), ok.size());
  EXPECT_EQ(rows[0], 3);
  EXPECT_EQ(rows[2], 2);  // matched, though unchanged
  EXPECT_EQ(rows[3], 0);
  EXPECT_EQ(rows[5], 0);
  EXPECT_EQ(rows[6], 1);
  EXPECT_EQ(rows[7], 1);
  c->commit();

  c->begin();
  try {
    c->execute_batch({"INSERT INTO b (id) VALUES (4)", "INSERT INTO no_such_table VALUES (1)",
                      "INSERT INTO b (id) VALUES (5)"});
    FAIL() << "expected a failure";
  } catch (const strata::dialect::DialectError& e) {
    EXPECT_EQ(e.status, STRATA_ERROR);
    EXPECT_EQ(e.statements_completed, 1);
    EXPECT_TRUE(has(e.what(), "no_such_table")) << e.what();
  }
  c->rollback();
  auto ids = c->query_column("SELECT id FROM b ORDER BY id");
  EXPECT_EQ(ids, (Rows{"2", "3"}));
}

// MariaDB quotes a syntax error's text up to the end of the packet: the
// quote ends with the failing statement, wherever it is in the packet, and
// "at line N" is the line within that statement.
TEST(ExecuteBatchMysql, ASyntaxErrorQuotesTheFailingStatementOnly) {
  ServerDb db("mysql");
  auto c = connect(db.url);
  const std::vector<std::vector<std::string>> batches = {
      {"CREATE TABL s0 (id INT)", "CREATE TABLE s1 (id INT)"},
      {"CREATE TABLE s2 (id INT)", "CREATE TABLE s3 (\n  id INT,\n  name VARCHAR(10) NOT NUL\n)", "SELECT 1"},
      {"SELECT 1", "\n\nCREATE TABL s5 (id INT)", "SELECT 2"}};
  const std::vector<std::string> quoted = {"near 'TABL s0 (id INT)' at line 1", "near 'NUL\n)' at line 3",
                                           "near 'TABL s5 (id INT)' at line 3"};
  for (size_t k = 0; k < batches.size(); ++k) {
    try {
      c->execute_batch(batches[k]);
      ADD_FAILURE() << "expected a failure";
    } catch (const strata::dialect::DialectError& e) {
      EXPECT_TRUE(has(e.what(), quoted[k])) << e.what();
      EXPECT_FALSE(has(e.what(), "SELECT")) << e.what();
      EXPECT_EQ(e.native_code, 1064);
    }
  }
}

// Outside a transaction each statement commits on its own, as one by one:
// the ones before the failure stay (no implicit transaction around them).
TEST_P(ExecuteBatch, OutsideATransactionEachStatementCommitsAsOneByOne) {
  ServerDb db(GetParam());
  auto c = connect(db.url);
  c->execute("CREATE TABLE b (id INTEGER)");
  try {
    c->execute_batch({"INSERT INTO b (id) VALUES (1)", "INSERT INTO b (id) VALUES (2)",
                      "INSERT INTO no_such_table VALUES (1)", "INSERT INTO b (id) VALUES (3)"});
    FAIL() << "expected a failure";
  } catch (const strata::dialect::DialectError& e) {
    EXPECT_EQ(e.statements_completed, 2);
  }
  EXPECT_EQ(connect(db.url)->query_column("SELECT id FROM b ORDER BY id"), (Rows{"1", "2"}));
}

INSTANTIATE_TEST_SUITE_P(Servers, ExecuteBatch, ::testing::Values("postgresql", "mysql"),
                         [](const auto& info) { return info.param; });
