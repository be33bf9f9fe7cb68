// render_changes of the MySQL/MariaDB plugin against the real server
// (STRATA_TEST_MYSQL_URL): round trips. A schema A and a schema B are each
// built from SQL in a fresh database and introspected (A', B'); the rendered
// diff(A', B') applied to A's database must make its introspection equal to
// B' byte for byte, and diff(B', A') applied to B's database must give A'.
// Rows inserted before each direction must still be there after it.
//
// Hand-written pairs cover every change kind and every REVIEW rule; a seeded
// generator of random schema pairs (random_schema_mysql.cpp) covers their
// combinations (200 pairs by default; STRATA_SCHEMA_PAIRS=N for more,
// STRATA_SCHEMA_SEED=S to replay one pair, or with STRATA_SCHEMA_PAIRS, the
// first seed). The two databases are reused: dropped and created again per pair.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "db_support.hpp"
#include "random_schema_mysql.hpp"
#include "render_expect.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"

using namespace strata;
using nlohmann::json;

namespace {

// One pair's statements and rows: SQL that builds each side, rows put in
// before each direction and queries whose answers must not change.
struct Pair {
  std::string a, b;                     // schema SQL, ';'-separated
  std::string rows_a, rows_b;           // inserted before A -> B / B -> A
  std::vector<std::string> keep_a_to_b;  // single-value queries, same answer before and after A -> B
  std::vector<std::string> keep_b_to_a;
};

// Seconds spent per phase, for the summary line.
struct Phases {
  double build = 0, introspect = 0, apply = 0;
};
Phases phases;
std::mutex phases_mutex;
void count(double Phases::*phase, double since);

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
void count(double Phases::*phase, double since) {
  const double d = now() - since;
  std::lock_guard<std::mutex> lock(phases_mutex);
  phases.*phase += d;
}

struct Outcome {
  bool ok = true;
  std::string message;
  std::vector<schema::Change> up, down;
};

class Server {
 public:
  Server() {
    admin_url_ = test::admin_url("mysql");
    admin_ = test::connect(admin_url_);
    const std::string tag = std::to_string(::getpid());
    db_[0] = "strata_render_a_" + tag;
    db_[1] = "strata_render_b_" + tag;
    for (auto& d : db_) {
      admin_->execute("DROP DATABASE IF EXISTS `" + d + "`");
      admin_->execute("CREATE DATABASE `" + d + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
      conn_.push_back(test::connect(test::with_database(admin_url_, d)));
    }
  }
  ~Server() {
    conn_.clear();
    for (auto& d : db_) {
      try {
        admin_->execute("DROP DATABASE IF EXISTS `" + d + "`");
      } catch (...) {
      }
    }
  }

  void reset(int i) {
    conn_[i]->execute("DROP DATABASE IF EXISTS `" + db_[i] + "`");
    conn_[i]->execute("CREATE DATABASE `" + db_[i] + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    conn_[i]->execute("USE `" + db_[i] + "`");
  }
  dialect::Connection& conn(int i) { return *conn_[i]; }
  std::string introspect(int i) {
    const double t0 = now();
    std::string out = conn_[i]->introspect(R"({"exclude_tables": []})");
    count(&Phases::introspect, t0);
    return out;
  }
  std::string value(int i, const std::string& sql) {
    auto rows = conn_[i]->query_column(sql);
    return rows.empty() ? "<no row>" : rows.front();
  }

  std::vector<std::string> render(const std::vector<schema::Change>& changes) {
    return conn_[0]->plugin().render_changes(schema::changes_json("mysql", changes));
  }

  // Applies the rendered diff from database `from` (at `cat_from`) to the
  // catalog `cat_to` and compares.
  bool apply(int from, const std::string& cat_from, const std::string& cat_to, const std::string& rows,
             const std::vector<std::string>& keep, std::vector<schema::Change>& changes, std::string& why) {
    changes = schema::diff(schema::parse_catalog(cat_from), schema::parse_catalog(cat_to));
    std::vector<std::string> statements;
    try {
      statements = render(changes);
    } catch (const std::exception& e) {
      why = std::string("render_changes failed: ") + e.what();
      return false;
    }
    try {
      if (!rows.empty()) conn_[from]->execute(rows);
    } catch (const std::exception& e) {
      why = std::string("inserting the rows failed: ") + e.what();
      return false;
    }
    std::vector<std::string> before;
    for (auto& k : keep) before.push_back(value(from, k));
    std::ostringstream log;
    const double t0 = now();
    for (auto& s : statements) {
      log << "  " << s << ";\n";
      try {
        conn_[from]->execute(s, true);
      } catch (const std::exception& e) {
        why = "statement failed: " + std::string(e.what()) + "\nstatements:\n" + log.str();
        return false;
      }
    }
    count(&Phases::apply, t0);
    const std::string got = introspect(from);
    if (got != cat_to) {
      why = "catalog differs after applying:\n" + log.str() + "remaining differences (diff(got, want)):\n";
      for (auto& c : schema::diff(schema::parse_catalog(got), schema::parse_catalog(cat_to)))
        why += "  " + c.describe() + "\n";
      size_t at = 0;
      while (at < got.size() && at < cat_to.size() && got[at] == cat_to[at]) ++at;
      why += "first difference at byte " + std::to_string(at) + ":\n  got:  " + got.substr(at > 80 ? at - 80 : 0, 240) +
             "\n  want: " + cat_to.substr(at > 80 ? at - 80 : 0, 240) + "\n";
      return false;
    }
    for (size_t i = 0; i < keep.size(); ++i) {
      const std::string after = value(from, keep[i]);
      if (after != before[i]) {
        why = "data changed: " + keep[i] + " gave " + before[i] + " before, " + after + " after\nstatements:\n" +
              log.str();
        return false;
      }
    }
    return true;
  }

  // The two databases are independent: each side is built, and each
  // direction applied, on its own thread.
  Outcome round_trip(const Pair& p) {
    Outcome out;
    const double t0 = now();
    std::string error[2];
    auto build = [&](int i, const std::string& sql) {
      try {
        reset(i);
        if (!sql.empty()) conn_[i]->execute(sql);
      } catch (const std::exception& e) {
        error[i] = e.what();
      }
    };
    {
      std::thread other(build, 1, std::cref(p.b));
      build(0, p.a);
      other.join();
    }
    if (!error[0].empty() || !error[1].empty()) {
      out.ok = false;
      out.message = "building the schemas failed: " + error[0] + " " + error[1];
      return out;
    }
    count(&Phases::build, t0);
    const std::string cat_a = introspect(0), cat_b = introspect(1);
    std::string why[2];
    bool ok[2] = {true, true};
    {
      std::thread other([&] { ok[1] = apply(1, cat_b, cat_a, p.rows_b, p.keep_b_to_a, out.down, why[1]); });
      ok[0] = apply(0, cat_a, cat_b, p.rows_a, p.keep_a_to_b, out.up, why[0]);
      other.join();
    }
    if (!ok[0]) {
      out.ok = false;
      out.message = "A -> B: " + why[0];
    }
    if (!ok[1]) {
      out.ok = false;
      out.message += (out.message.empty() ? "" : "\n") + std::string("B -> A: ") + why[1];
    }
    return out;
  }

 private:
  std::string admin_url_;
  std::unique_ptr<dialect::Connection> admin_;
  std::string db_[2];
  std::vector<std::unique_ptr<dialect::Connection>> conn_;
};

Server& server() {
  static Server s;
  return s;
}

#define ROUND_TRIP(pair)                                 \
  [&] {                                                  \
    Outcome o_ = server().round_trip(pair);              \
    EXPECT_TRUE(o_.ok) << o_.message;                    \
    return o_;                                           \
  }()

// ---- hand-written pairs: every change kind and every REVIEW rule
//
// Most pairs differ only in their data: the two schemas, their rows and the
// queries whose answers must keep, and what the changes must hold. Those
// are rows of kPairs below, each its own test
// (HandWritten/RenderMysqlPair.RoundTrip/<name>); the pairs with checks of
// their own are the TESTs after it.

// A row of kPairs: a PairRow (render_expect.hpp) that also holds the pair, set in the same chain.
struct MysqlRow : test::PairRow<MysqlRow> {
  using Queries = std::vector<std::string>;
  Pair pair;

  explicit MysqlRow(std::string test_name) : PairRow(std::move(test_name)) {}
  MysqlRow& a(const std::string& sql) { return set(pair.a, sql); }
  MysqlRow& b(const std::string& sql) { return set(pair.b, sql); }
  // Rows inserted on A's side before A -> B, and on B's before B -> A.
  MysqlRow& rows_a(const std::string& sql) { return set(pair.rows_a, sql); }
  MysqlRow& rows_b(const std::string& sql) { return set(pair.rows_b, sql); }
  MysqlRow& same_rows(const std::string& both) { return rows_a(both).rows_b(both); }
  // Single-value queries with the same answer before and after each way.
  MysqlRow& keep_a_to_b(const Queries& queries) { return set(pair.keep_a_to_b, queries); }
  MysqlRow& keep_b_to_a(const Queries& queries) { return set(pair.keep_b_to_a, queries); }
  MysqlRow& keep_both(const Queries& queries) { return keep_a_to_b(queries).keep_b_to_a(queries); }

 private:
  template <class T>
  MysqlRow& set(T& field, const T& value) {
    field = value;
    return *this;
  }
};

const std::vector<MysqlRow> kPairs = {
    MysqlRow("CreateAndDropTableWithEverything")
        .a("CREATE TABLE keep_me (id INT PRIMARY KEY)")
        .b("CREATE TABLE keep_me (id INT PRIMARY KEY);"
           "CREATE TABLE `every thing` ("
           "  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'the key',"
           "  name VARCHAR(100) COLLATE utf8mb4_bin NOT NULL DEFAULT 'it''s \\\\ x',"
           "  flag TINYINT(1) NOT NULL DEFAULT 1,"
           "  price DECIMAL(10,2) DEFAULT 1.50,"
           "  kind ENUM('a','b c','D') NOT NULL DEFAULT 'b c',"
           "  tags SET('x','y') DEFAULT 'x,y',"
           "  body TEXT,"
           "  made DATETIME DEFAULT CURRENT_TIMESTAMP,"
           "  changed TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,"
           "  qty INT CHECK (qty >= 0),"
           "  low INT DEFAULT NULL,"
           "  expr INT DEFAULT (1 + 2),"
           "  doc LONGTEXT CHECK (json_valid(doc)),"
           "  PRIMARY KEY (id),"
           "  UNIQUE KEY uq_name (name, kind),"
           "  KEY ix_prefix (body(10), qty DESC),"
           "  FULLTEXT KEY ft_body (body),"
           "  CONSTRAINT ck_price CHECK (price < 1000),"
           "  CHECK (low < qty)"
           ") COMMENT 'a table with ''everything'''")
        .up_kind("create_table")
        .down_kind("drop_table")
        .down_review("destructive: drops table every thing"),
    // Column order: b goes between a and z.
    MysqlRow("AddAndDropColumnsKeepRowsAndPositions")
        .a("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20) NOT NULL, z INT)")
        .b("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20) NOT NULL,"
           " b DATETIME NOT NULL DEFAULT '2020-01-02 03:04:05' COMMENT 'when', z INT, c SET('p','q') DEFAULT 'q')")
        .rows_a("INSERT INTO t (a, z) VALUES ('one', 1), ('two', 2)")
        .rows_b("INSERT INTO t (a, z, b) VALUES ('three', 3, '2021-01-01 00:00:00')")
        .keep_both({"SELECT GROUP_CONCAT(id, a, z ORDER BY id) FROM t"})
        .up_kind("add_column")
        .down_review("destructive: drops column t.b"),
    MysqlRow("AddColumnFirst")
        .a("CREATE TABLE t (a INT)")
        .b("CREATE TABLE t (zero INT NOT NULL DEFAULT 0, a INT)")
        .rows_a("INSERT INTO t VALUES (5)")
        .keep_a_to_b({"SELECT SUM(a) FROM t"}),
    MysqlRow("AlterColumnEveryAttribute")
        .a("CREATE TABLE t (id INT PRIMARY KEY, n INT, s VARCHAR(20), d DECIMAL(8,2) NOT NULL DEFAULT 0,"
           " e ENUM('a','b'), ts DATETIME, c CHAR(5) COMMENT 'old', w VARCHAR(10) COLLATE utf8mb4_bin)")
        .b("CREATE TABLE t (id INT PRIMARY KEY, n BIGINT NOT NULL DEFAULT 5, s VARCHAR(200) DEFAULT 'hi',"
           " d DECIMAL(12,3), e ENUM('a','b','c') NOT NULL DEFAULT 'c',"
           " ts TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, c CHAR(5) COMMENT 'new',"
           " w VARCHAR(10))")
        .rows_a("INSERT INTO t VALUES (1, 10, 'x', 1.25, 'b', '2020-01-01 00:00:00', 'c', 'w')")
        .keep_a_to_b({"SELECT CONCAT(n, s, ROUND(d, 2), e, c, w) FROM t"})
        .rows_b("INSERT INTO t (id, n, s, d, e, c, w) VALUES (2, 20, 'y', 2.5, 'a', 'c', 'w')")
        .keep_b_to_a({"SELECT SUM(n) FROM t", "SELECT GROUP_CONCAT(s ORDER BY id) FROM t"})
        .up_kind("alter_column")
        .down_review("narrows type varchar(200) -> varchar(20)")
        .down_review("narrows type bigint -> integer")
        .up_review("becomes NOT NULL"),
    MysqlRow("PrimaryKeys")
        .a("CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a));"
           "CREATE TABLE u (a INT NOT NULL);"
           "CREATE TABLE w (x INT)")
        .b("CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (b, a));"
           "CREATE TABLE u (a INT NOT NULL PRIMARY KEY);"
           "CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, x INT)")
        .rows_a("INSERT INTO t VALUES (1, 2), (2, 2); INSERT INTO u VALUES (3); INSERT INTO w VALUES (4), (5)")
        .rows_b("INSERT INTO t VALUES (9, 9); INSERT INTO w (x) VALUES (6)")
        .keep_both({"SELECT SUM(a * b) FROM t", "SELECT SUM(x) FROM w"})
        .up_kind("add_primary_key")
        .up_kind("drop_primary_key"),
    MysqlRow("AutoIncrementMovesToAnotherKey")
        .a("CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL, PRIMARY KEY (id))")
        .b("CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL, PRIMARY KEY (id, k))")
        .rows_a("INSERT INTO t (k) VALUES (1), (2)")
        .keep_a_to_b({"SELECT SUM(id * k) FROM t"}),
    MysqlRow("UniqueConstraints")
        .a("CREATE TABLE t (a INT, b VARCHAR(10), c INT, UNIQUE KEY uq_a (a), UNIQUE KEY uq_bc (b, c))")
        .b("CREATE TABLE t (a INT, b VARCHAR(10), c INT, UNIQUE KEY uq_bc (c, b), UNIQUE KEY uq_new (b))")
        .rows_a("INSERT INTO t VALUES (1, 'x', 1), (2, 'y', 2)")
        .keep_a_to_b({"SELECT COUNT(*) FROM t"})
        .up_kind("add_unique")
        .up_kind("drop_unique"),
    MysqlRow("Checks")
        .a("CREATE TABLE t (a INT CHECK (a > 0), b INT, c INT, CONSTRAINT ck_b CHECK (b < 100), CHECK (c <> 3))")
        .b("CREATE TABLE t (a INT, b INT CHECK (b <> 7), c INT CHECK (c > -5), CONSTRAINT ck_b CHECK (b < 50),"
           " CONSTRAINT ck_ab CHECK (a < b + 100))")
        .rows_a("INSERT INTO t VALUES (1, 2, 4)")
        .keep_a_to_b({"SELECT a + b + c FROM t"})
        .up_kind("add_check")
        .up_kind("drop_check"),
    MysqlRow("ForeignKeys")
        .a("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, UNIQUE KEY uq_code (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, pcode VARCHAR(5), up INT,"
           " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE)")
        .b("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, UNIQUE KEY uq_code (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, pcode VARCHAR(5), up INT,"
           " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL ON UPDATE NO ACTION,"
           " FOREIGN KEY (pcode) REFERENCES p (code) ON UPDATE CASCADE,"
           " CONSTRAINT fk_self FOREIGN KEY (up) REFERENCES c (id))")
        .rows_a("INSERT INTO p VALUES (1, 'one'); INSERT INTO c VALUES (1, 1, 'one', NULL), (2, 1, 'one', 1)")
        .keep_a_to_b({"SELECT GROUP_CONCAT(pid, pcode, IFNULL(up, '-') ORDER BY id) FROM c"})
        .rows_b("INSERT INTO p VALUES (2, 'two'); INSERT INTO c VALUES (2, 2, 'two', NULL), (3, 2, 'two', 2)")
        .keep_b_to_a({"SELECT COUNT(*) FROM c"})
        .up_kind("add_foreign_key")
        .up_kind("drop_foreign_key"),
    // A column a foreign key uses changes type on both sides: MySQL refuses
    // the MODIFY while the key is there, so it is dropped and added back.
    MysqlRow("ForeignKeyColumnsChangeType")
        .a("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, pcode VARCHAR(5), x INT,"
           " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id), FOREIGN KEY (pcode) REFERENCES p (code))")
        .b("CREATE TABLE p (id BIGINT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pid BIGINT, pcode VARCHAR(5), x INT COMMENT 'new',"
           " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id), FOREIGN KEY (pcode) REFERENCES p (code))")
        .rows_a("INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1, 'a', 3)")
        .keep_a_to_b({"SELECT CONCAT(pid, pcode, x) FROM c"})
        .rows_b("INSERT INTO p VALUES (2, 'b'); INSERT INTO c VALUES (2, 2, 'b', 4)")
        .keep_b_to_a({"SELECT GROUP_CONCAT(pid, pcode, x ORDER BY id) FROM c"}),
    // The key a foreign key of an unchanged table references is replaced:
    // the diff drops that foreign key first and adds it back after ("needed
    // in a foreign key constraint" otherwise).
    MysqlRow("KeyReplacedUnderAForeignKeyThatStays")
        .a("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq_old (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))")
        .b("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq_new (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))")
        .same_rows("INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 'a')")
        .keep_both({"SELECT pcode FROM c"})
        .up_kind("drop_foreign_key")
        .up_kind("add_foreign_key"),
    // A referenced string column whose length changes under a child that
    // stays as it is.
    MysqlRow("ReferencedColumnWidensUnderAForeignKeyThatStays")
        .a("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))")
        .b("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(8), UNIQUE KEY uq (code));"
           "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))")
        .rows_a("INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 'a')")
        .keep_a_to_b({"SELECT pcode FROM c"}),
    // A foreign key whose actions change is dropped and added again; MariaDB
    // would replace the index it made for the old one (named like its column)
    // by one named like the constraint.
    MysqlRow("ForeignKeyActionsChangeKeepsItsIndex")
        .a("CREATE TABLE p (id INT PRIMARY KEY);"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE)")
        .b("CREATE TABLE p (id INT PRIMARY KEY);"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL)")
        .rows_a("INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1)")
        .keep_a_to_b({"SELECT pid FROM c"}),
    // The index InnoDB made for a foreign key is dropped together with the
    // key that replaces it, never before (MySQL: "needed in a foreign key
    // constraint").
    MysqlRow("ForeignKeyBackingIndexes")
        .a("CREATE TABLE p (id INT PRIMARY KEY);"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, x INT, q INT,"
           " CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p (id),"
           " FOREIGN KEY (q) REFERENCES p (id))")
        .b("CREATE TABLE p (id INT PRIMARY KEY);"
           "CREATE TABLE c (id INT PRIMARY KEY, pid INT, x INT, q INT, KEY ix_pid_x (pid, x), UNIQUE KEY uq_q (q, x),"
           " CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p (id),"
           " FOREIGN KEY (q) REFERENCES p (id))")
        .same_rows("INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1, 1, 1)")
        .keep_both({"SELECT pid + x + q FROM c"})
        .up_kind("drop_index")
        .down_kind("drop_index"),
    MysqlRow("Indexes")
        .a("CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(50), body TEXT, n INT, g POINT NOT NULL,"
           " KEY ix_s (s), KEY ix_n (n), SPATIAL KEY sp_g (g))")
        .b("CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(50), body TEXT, n INT, g POINT NOT NULL,"
           " KEY ix_s (s(5), n DESC), KEY ix_body (body(20)), FULLTEXT KEY ft (s, body), KEY ix_h (n) USING HASH)")
        .rows_a("INSERT INTO t VALUES (1, 'x', 'y', 2, POINT(1, 1))")
        .keep_a_to_b({"SELECT CONCAT(s, body, n) FROM t"})
        .up_kind("create_index")
        .up_kind("drop_index"),
    MysqlRow("Views")
        .a("CREATE TABLE t (a INT, b INT); CREATE VIEW v1 AS SELECT a FROM t; CREATE VIEW v_gone AS SELECT b FROM t")
        .b("CREATE TABLE t (a INT, b INT); CREATE VIEW v1 AS SELECT a, b FROM t WHERE a > 1;"
           " CREATE VIEW `v new` AS SELECT a + b AS s FROM t"),
    MysqlRow("TableComments")
        .a("CREATE TABLE t (a INT) COMMENT 'old'; CREATE TABLE u (a INT); CREATE TABLE w (a INT) COMMENT 'gone'")
        .b("CREATE TABLE t (a INT) COMMENT 'new ''one'''; CREATE TABLE u (a INT) COMMENT 'set'; CREATE TABLE w (a INT)")
        .up_kind("set_table_comment"),
    // Tables dropped together lose the foreign keys between them first.
    MysqlRow("DropTablesThatReferenceEachOther")
        .a("CREATE TABLE a_parent (id INT PRIMARY KEY, b_id INT);"
           "CREATE TABLE b_child (id INT PRIMARY KEY, a_id INT, CONSTRAINT fk_ba FOREIGN KEY (a_id) REFERENCES a_parent (id));"
           "ALTER TABLE a_parent ADD CONSTRAINT fk_ab FOREIGN KEY (b_id) REFERENCES b_child (id);"
           "CREATE TABLE keep (id INT)")
        .b("CREATE TABLE keep (id INT)"),
    MysqlRow("QuotesIdentifiersWithBackticks")
        .a("")
        .b("CREATE TABLE `we``ird name` (`se lect` INT, `c``q` INT, KEY `i x` (`se lect`)) COMMENT 'c\\\\x'"),
    // The REVIEW rules.
    MysqlRow("ReviewRenameIsDropAndAdd")
        .a("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40))")
        .b("CREATE TABLE t (id INT PRIMARY KEY, full_name VARCHAR(40))")
        .rows_a("INSERT INTO t VALUES (1, 'x')")
        .keep_a_to_b({"SELECT COUNT(*) FROM t"})
        .up_review("rename of name to full_name?")
        .up_review("destructive: drops column t.name"),
    MysqlRow("ReviewNarrowingAndNotNull")
        .a("CREATE TABLE t (s VARCHAR(100), n BIGINT, d DECIMAL(10,4), x TEXT, m INT)")
        .b("CREATE TABLE t (s VARCHAR(10), n SMALLINT, d DECIMAL(8,2), x VARCHAR(30), m INT NOT NULL)")
        .same_rows("INSERT INTO t VALUES ('fits', 12, 1.25, 'short', 3)")
        .keep_both({"SELECT CONCAT(s, n, ROUND(d, 2), x, m) FROM t"})
        .up_review("narrows type varchar(100) -> varchar(10)")
        .up_review("narrows type bigint -> smallint")
        .up_review("narrows type numeric(10,4) -> numeric(8,2)")
        .up_review("narrows type text -> varchar(30)")
        .up_review("column m becomes NOT NULL"),
    MysqlRow("ReviewDestructiveAndNotNullWithoutDefault")
        .a("CREATE TABLE t (a INT); CREATE TABLE gone (a INT)")
        .b("CREATE TABLE t (a INT, must INT NOT NULL)")
        .up_review("destructive: drops table gone")
        .up_review("is NOT NULL without a default"),
};

class RenderMysqlPair : public ::testing::TestWithParam<MysqlRow> {};

TEST_P(RenderMysqlPair, RoundTrip) {
  const MysqlRow& row = GetParam();
  const Outcome o = server().round_trip(row.pair);
  ASSERT_TRUE(o.ok) << o.message << "\n-- A:\n" << row.pair.a << "\n-- B:\n" << row.pair.b;
  const std::vector<std::string> up_sql = server().render(o.up), down_sql = server().render(o.down);
  for (const auto& e : row.expect)
    EXPECT_EQ(test::render_lacks(e, e.up ? o.up : o.down, e.up ? up_sql : down_sql), "");
}

INSTANTIATE_TEST_SUITE_P(HandWritten, RenderMysqlPair, ::testing::ValuesIn(kPairs),
                         [](const auto& info) { return info.param.name; });

// ---- what MySQL cannot express: an error naming the change

TEST(RenderMysql, UnsupportedKindsAreErrorsNamingTheChange) {
  auto& plugin = server().conn(0).plugin();
  schema::Change seq;
  seq.kind = schema::Change::Kind::CreateSequence;
  schema::Sequence s;
  s.name = "order_no";
  s.type = "bigint";
  seq.sequence = s;
  try {
    plugin.render_changes(schema::changes_json("mysql", {seq}));
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("create_sequence"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("order_no"), std::string::npos) << e.what();
  }
  schema::Change en;
  en.kind = schema::Change::Kind::CreateEnum;
  en.enum_type = schema::Enum{std::nullopt, "mood", {"sad", "ok"}};
  try {
    plugin.render_changes(schema::changes_json("mysql", {en}));
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("create_enum"), std::string::npos) << e.what();
  }
  schema::Change fk;
  fk.kind = schema::Change::Kind::AddForeignKey;
  fk.table = "c";
  schema::Table t;
  t.name = "c";
  fk.table_after = t;
  schema::ForeignKey f;
  f.name = "fk_c";
  f.columns = {"p"};
  f.ref_table = "p";
  f.ref_columns = {"id"};
  f.deferrable = true;
  fk.foreign_key = f;
  try {
    plugin.render_changes(schema::changes_json("mysql", {fk}));
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("DEFERRABLE"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fk_c"), std::string::npos) << e.what();
  }
  // The catalog holds triggers on SQLite only.
  schema::Change tr;
  tr.kind = schema::Change::Kind::DropTrigger;
  tr.table = "items";
  tr.trigger = schema::Trigger{"items_audit", "CREATE TRIGGER items_audit ..."};
  try {
    plugin.render_changes(schema::changes_json("mysql", {tr}));
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("drop_trigger on items (items_audit)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("SQLite only"), std::string::npos) << e.what();
  }
}

// ---- one ALTER TABLE per table

void print_statements(const std::vector<std::string>& statements) {
  for (auto& s : statements) std::cout << "  " << s << ";\n";
}

// A table's changes share one ALTER TABLE (one rebuild, and on MariaDB
// 10.6+ one atomic statement); another table's have their own.
TEST(RenderMysql, ChangesToOneTableShareOneAlterTable) {
  Pair p;
  p.a = "CREATE TABLE t (id INT PRIMARY KEY, a INT, gone INT, KEY ix_a (a));"
        "CREATE TABLE u (id INT PRIMARY KEY, s VARCHAR(10))";
  p.b = "CREATE TABLE t (id INT PRIMARY KEY, a BIGINT NOT NULL DEFAULT 0, b VARCHAR(20),"
        " KEY ix_a (a, b), UNIQUE KEY uq_b (b));"
        "CREATE TABLE u (id INT PRIMARY KEY, s VARCHAR(20), n INT)";
  p.rows_a = "INSERT INTO t VALUES (1, 2, 3), (2, 2, 4); INSERT INTO u VALUES (1, 'x')";
  p.keep_a_to_b = {"SELECT SUM(a) FROM t", "SELECT s FROM u"};
  auto o = ROUND_TRIP(p);
  const auto up = server().render(o.up);
  print_statements(up);
  EXPECT_EQ(up, (std::vector<std::string>{
                    "ALTER TABLE `t` DROP INDEX `ix_a`, ADD COLUMN `b` varchar(20) NULL DEFAULT NULL AFTER `a`, "
                    "MODIFY COLUMN `a` bigint(20) NOT NULL DEFAULT 0, DROP COLUMN `gone`, "
                    "ADD UNIQUE KEY `uq_b` (`b`), ADD INDEX `ix_a` (`a`, `b`)",
                    "ALTER TABLE `u` ADD COLUMN `n` int(11) NULL DEFAULT NULL AFTER `s`, "
                    "MODIFY COLUMN `s` varchar(20) NULL DEFAULT NULL",
                }));
  const auto down = server().render(o.down);
  print_statements(down);
  EXPECT_EQ(down, (std::vector<std::string>{
                      "ALTER TABLE `t` DROP INDEX `ix_a`, DROP INDEX `uq_b`, ADD COLUMN `gone` int(11) NULL DEFAULT "
                      "NULL AFTER `a`, MODIFY COLUMN `a` int(11) NULL DEFAULT NULL, DROP COLUMN `b`, "
                      "ADD INDEX `ix_a` (`a`)",
                      "ALTER TABLE `u` MODIFY COLUMN `s` varchar(10) NULL DEFAULT NULL, DROP COLUMN `n`",
                  }));
}

// What MariaDB (or MySQL) refuses in one ALTER TABLE stays apart: a
// foreign key dropped and added again under its name ("Duplicate key on
// write or update"), a foreign key of a table to itself (checked against
// the table as it was), a foreign key and the index it stood on (MySQL
// drops both at once only in place).
TEST(RenderMysql, WhatCannotShareAnAlterTableStaysApart) {
  Pair p;
  p.a = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, up INT, n INT,"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE)";
  p.b = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, up INT, n INT, m INT,"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL,"
        " CONSTRAINT fk_up FOREIGN KEY (up) REFERENCES c (id))";
  p.rows_a = "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1, 1, 1)";
  p.keep_a_to_b = {"SELECT pid + up + n FROM c"};
  p.rows_b = "INSERT INTO p VALUES (2); INSERT INTO c VALUES (2, 2, 2, 2, 2)";
  p.keep_b_to_a = {"SELECT SUM(pid + up + n) FROM c"};
  auto o = ROUND_TRIP(p);
  const auto up = server().render(o.up);
  print_statements(up);
  // MariaDB made an index `fk_up` for the new key: it comes with the column.
  EXPECT_EQ(up, (std::vector<std::string>{
                    "ALTER TABLE `c` DROP FOREIGN KEY `fk_p`, ADD COLUMN `m` int(11) NULL DEFAULT NULL AFTER `n`, "
                    "ADD INDEX `fk_up` (`up`)",
                    "ALTER TABLE `c` DROP INDEX `fk_p`, ADD INDEX `fk_p` (`pid`), ADD CONSTRAINT `fk_p` FOREIGN KEY "
                    "(`pid`) REFERENCES `p` (`id`) ON DELETE SET NULL ON UPDATE RESTRICT",
                    "ALTER TABLE `c` DROP INDEX `fk_up`, ADD INDEX `fk_up` (`up`), ADD CONSTRAINT `fk_up` FOREIGN KEY "
                    "(`up`) REFERENCES `c` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT",
                }));
  const auto down = server().render(o.down);
  print_statements(down);
  // The key of c to itself goes in a statement of its own.
  EXPECT_EQ(down, (std::vector<std::string>{
                      "ALTER TABLE `c` DROP FOREIGN KEY `fk_p`",
                      "ALTER TABLE `c` DROP FOREIGN KEY `fk_up`",
                      "ALTER TABLE `c` DROP INDEX `fk_up`, DROP COLUMN `m`, DROP INDEX `fk_p`, ADD INDEX `fk_p` "
                      "(`pid`), ADD CONSTRAINT `fk_p` FOREIGN KEY (`pid`) REFERENCES `p` (`id`) ON DELETE CASCADE "
                      "ON UPDATE RESTRICT",
                  }));
  Pair k;
  k.a = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, KEY ix_pid (pid),"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id))";
  k.b = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, n INT)";
  k.rows_a = "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1)";
  k.keep_a_to_b = {"SELECT pid FROM c"};
  auto ko = ROUND_TRIP(k);
  const auto kup = server().render(ko.up);
  print_statements(kup);
  EXPECT_EQ(kup, (std::vector<std::string>{
                     "ALTER TABLE `c` DROP FOREIGN KEY `fk_p`",
                     "ALTER TABLE `c` DROP INDEX `ix_pid`, ADD COLUMN `n` int(11) NULL DEFAULT NULL AFTER `pid`",
                 }));
}

// The catalog entry of table `name` in an introspection document.
json table_in(const std::string& catalog, const std::string& name) {
  const json doc = json::parse(catalog);
  for (auto& t : doc["tables"])
    if (t["name"] == name) return t;
  return nullptr;
}

// An upgrade whose last clause fails on the rows there (a UNIQUE key over
// duplicates) leaves the table exactly as it was: the column added before
// it in the same ALTER TABLE is not there either. (Another table's ALTER
// TABLE that ran before stays: MySQL commits each statement.)
TEST(RenderMysql, AFailingUpgradeLeavesTheTableAsItWas) {
  Server& s = server();
  const std::string a = "CREATE TABLE a_first (id INT PRIMARY KEY, KEY ix_id (id));"
                        "CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(40), n INT, KEY ix_n (n))";
  const std::string b = "CREATE TABLE a_first (id INT PRIMARY KEY, x INT);"
                        "CREATE TABLE t (id INT PRIMARY KEY, email VARCHAR(80) NOT NULL DEFAULT '', n BIGINT,"
                        " added INT DEFAULT 7, KEY ix_n (n, id), UNIQUE KEY uq_email (email))";
  s.reset(0);
  s.conn(0).execute(a);
  s.reset(1);
  s.conn(1).execute(b);
  const std::string before = s.introspect(0);
  auto changes = schema::diff(schema::parse_catalog(before), schema::parse_catalog(s.introspect(1)));
  const auto statements = s.render(changes);
  print_statements(statements);
  size_t on_t = 0;
  for (auto& st : statements) on_t += st.rfind("ALTER TABLE `t` ", 0) == 0;
  EXPECT_EQ(on_t, 1u);
  s.conn(0).execute("INSERT INTO t VALUES (1, 'same@x', 1), (2, 'same@x', 2)");
  std::string failed;
  for (auto& st : statements) {
    try {
      s.conn(0).execute(st, true);
    } catch (const std::exception& e) {
      failed = st + ": " + e.what();
      break;
    }
  }
  EXPECT_NE(failed.find("uq_email"), std::string::npos) << failed;
  const std::string after = s.introspect(0);
  EXPECT_EQ(table_in(after, "t").dump(), table_in(before, "t").dump());
  EXPECT_EQ(s.value(0, "SELECT GROUP_CONCAT(id, email, n ORDER BY id) FROM t"), "1same@x1,2same@x2");
  EXPECT_NE(table_in(after, "a_first").dump(), table_in(before, "a_first").dump());
}

// ---- random pairs: the generator is random_schema_mysql.{hpp,cpp}

Pair random_pair(uint64_t seed) {
  const auto r = test::mysql_random::schema_pair(seed);
  Pair p;
  p.a = r.a;
  p.b = r.b;
  p.rows_a = r.rows_a;
  p.rows_b = r.rows_b;
  p.keep_a_to_b = r.counts;
  p.keep_b_to_a = r.counts;
  return p;
}

TEST(RenderMysql, RandomPairsRoundTrip) {
  int pairs = 200;
  if (const char* n = std::getenv("STRATA_SCHEMA_PAIRS")) pairs = std::max(1, std::atoi(n));
  uint64_t first = 1;
  if (const char* s = std::getenv("STRATA_SCHEMA_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    if (!std::getenv("STRATA_SCHEMA_PAIRS")) pairs = 1;
  }
  const auto start = std::chrono::steady_clock::now();
  int failed = 0, changes = 0, statements = 0;
  for (uint64_t seed = first; seed < first + static_cast<uint64_t>(pairs); ++seed) {
    const Pair p = random_pair(seed);
    Outcome o = server().round_trip(p);
    changes += static_cast<int>(o.up.size() + o.down.size());
    if (o.ok) statements += static_cast<int>(server().render(o.up).size() + server().render(o.down).size());
    if (!o.ok) {
      ++failed;
      ADD_FAILURE() << "pair with seed " << seed << " (STRATA_SCHEMA_SEED=" << seed << " replays it) failed: "
                    << o.message << "\n-- A:\n"
                    << p.a << "\n-- B:\n"
                    << p.b;
      if (failed >= 5) break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "random schema pairs: " << pairs << " from seed " << first << ", " << failed << " failed, "
            << changes << " changes rendered as " << statements << " statements, " << seconds
            << " s (thread-seconds: building " << phases.build << ", introspecting " << phases.introspect
            << ", applying " << phases.apply << ")\n";
}

}  // namespace
