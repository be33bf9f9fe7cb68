// render_changes of the MySQL/MariaDB plugin against the real server
// (STRATA_TEST_MYSQL_URL): round trips. A schema A and a schema B are each
// built from SQL in a fresh database and introspected (A', B'); the rendered
// diff(A', B') applied to A's database must make its introspection equal to
// B' byte for byte, and diff(B', A') applied to B's database must give A'.
// Rows inserted before each direction must still be there after it.
//
// Hand-written pairs cover every change kind and every REVIEW rule; a seeded
// generator of random schema pairs covers their combinations (200 pairs by
// default; STRATA_SCHEMA_PAIRS=N for more, STRATA_SCHEMA_SEED=S to replay one
// pair). The two databases are reused: dropped and created again per pair.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "db_support.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"

using namespace strata;
using nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

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

bool has_review(const std::vector<schema::Change>& changes, const std::string& text) {
  for (auto& c : changes)
    for (auto& r : c.review)
      if (r.find(text) != std::string::npos) return true;
  return false;
}

bool has_kind(const std::vector<schema::Change>& changes, const std::string& kind) {
  return std::any_of(changes.begin(), changes.end(), [&](auto& c) { return c.kind_name() == kind; });
}

#define ROUND_TRIP(pair)                                 \
  [&] {                                                  \
    Outcome o_ = server().round_trip(pair);              \
    EXPECT_TRUE(o_.ok) << o_.message;                    \
    return o_;                                           \
  }()

// ---- hand-written pairs: every change kind

TEST(RenderMysql, CreateAndDropTableWithEverything) {
  Pair p;
  p.a = "CREATE TABLE keep_me (id INT PRIMARY KEY)";
  p.b = p.a + ";"
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
        ") COMMENT 'a table with ''everything'''";
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "create_table"));
  EXPECT_TRUE(has_kind(o.down, "drop_table"));
  EXPECT_TRUE(has_review(o.down, "destructive: drops table every thing"));
}

TEST(RenderMysql, AddAndDropColumnsKeepRowsAndPositions) {
  Pair p;
  p.a = "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20) NOT NULL, z INT)";
  p.b = "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, first_one INT DEFAULT 7, a VARCHAR(20) NOT NULL,"
        " b DATETIME NOT NULL DEFAULT '2020-01-02 03:04:05' COMMENT 'when', z INT, c SET('p','q') DEFAULT 'q')";
  // Column order: b goes between a and z.
  p.b = "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20) NOT NULL,"
        " b DATETIME NOT NULL DEFAULT '2020-01-02 03:04:05' COMMENT 'when', z INT, c SET('p','q') DEFAULT 'q')";
  p.rows_a = "INSERT INTO t (a, z) VALUES ('one', 1), ('two', 2)";
  p.keep_a_to_b = {"SELECT GROUP_CONCAT(id, a, z ORDER BY id) FROM t"};
  p.rows_b = "INSERT INTO t (a, z, b) VALUES ('three', 3, '2021-01-01 00:00:00')";
  p.keep_b_to_a = {"SELECT GROUP_CONCAT(id, a, z ORDER BY id) FROM t"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "add_column"));
  EXPECT_TRUE(has_review(o.down, "destructive: drops column t.b"));
}

TEST(RenderMysql, AddColumnFirst) {
  Pair p;
  p.a = "CREATE TABLE t (a INT)";
  p.b = "CREATE TABLE t (zero INT NOT NULL DEFAULT 0, a INT)";
  p.rows_a = "INSERT INTO t VALUES (5)";
  p.keep_a_to_b = {"SELECT SUM(a) FROM t"};
  ROUND_TRIP(p);
}

TEST(RenderMysql, AlterColumnEveryAttribute) {
  Pair p;
  p.a = "CREATE TABLE t (id INT PRIMARY KEY, n INT, s VARCHAR(20), d DECIMAL(8,2) NOT NULL DEFAULT 0,"
        " e ENUM('a','b'), ts DATETIME, c CHAR(5) COMMENT 'old', w VARCHAR(10) COLLATE utf8mb4_bin)";
  p.b = "CREATE TABLE t (id INT PRIMARY KEY, n BIGINT NOT NULL DEFAULT 5, s VARCHAR(200) DEFAULT 'hi',"
        " d DECIMAL(12,3), e ENUM('a','b','c') NOT NULL DEFAULT 'c',"
        " ts TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, c CHAR(5) COMMENT 'new',"
        " w VARCHAR(10))";
  p.rows_a = "INSERT INTO t VALUES (1, 10, 'x', 1.25, 'b', '2020-01-01 00:00:00', 'c', 'w')";
  p.keep_a_to_b = {"SELECT CONCAT(n, s, ROUND(d, 2), e, c, w) FROM t"};
  p.rows_b = "INSERT INTO t (id, n, s, d, e, c, w) VALUES (2, 20, 'y', 2.5, 'a', 'c', 'w')";
  p.keep_b_to_a = {"SELECT SUM(n) FROM t", "SELECT GROUP_CONCAT(s ORDER BY id) FROM t"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "alter_column"));
  EXPECT_TRUE(has_review(o.down, "narrows type varchar(200) -> varchar(20)"));
  EXPECT_TRUE(has_review(o.down, "narrows type bigint -> integer"));
  EXPECT_TRUE(has_review(o.up, "becomes NOT NULL"));
}

TEST(RenderMysql, PrimaryKeys) {
  Pair p;
  p.a = "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a));"
        "CREATE TABLE u (a INT NOT NULL);"
        "CREATE TABLE w (x INT)";
  p.b = "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (b, a));"
        "CREATE TABLE u (a INT NOT NULL PRIMARY KEY);"
        "CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, x INT)";
  p.rows_a = "INSERT INTO t VALUES (1, 2), (2, 2); INSERT INTO u VALUES (3); INSERT INTO w VALUES (4), (5)";
  p.keep_a_to_b = {"SELECT SUM(a * b) FROM t", "SELECT SUM(x) FROM w"};
  p.rows_b = "INSERT INTO t VALUES (9, 9); INSERT INTO w (x) VALUES (6)";
  p.keep_b_to_a = {"SELECT SUM(a * b) FROM t", "SELECT SUM(x) FROM w"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "add_primary_key"));
  EXPECT_TRUE(has_kind(o.up, "drop_primary_key"));
}

TEST(RenderMysql, AutoIncrementMovesToAnotherKey) {
  Pair p;
  p.a = "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL, PRIMARY KEY (id))";
  p.b = "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL, PRIMARY KEY (id, k))";
  p.rows_a = "INSERT INTO t (k) VALUES (1), (2)";
  p.keep_a_to_b = {"SELECT SUM(id * k) FROM t"};
  ROUND_TRIP(p);
}

TEST(RenderMysql, UniqueConstraints) {
  Pair p;
  p.a = "CREATE TABLE t (a INT, b VARCHAR(10), c INT, UNIQUE KEY uq_a (a), UNIQUE KEY uq_bc (b, c))";
  p.b = "CREATE TABLE t (a INT, b VARCHAR(10), c INT, UNIQUE KEY uq_bc (c, b), UNIQUE KEY uq_new (b))";
  p.rows_a = "INSERT INTO t VALUES (1, 'x', 1), (2, 'y', 2)";
  p.keep_a_to_b = {"SELECT COUNT(*) FROM t"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "add_unique"));
  EXPECT_TRUE(has_kind(o.up, "drop_unique"));
}

TEST(RenderMysql, Checks) {
  Pair p;
  p.a = "CREATE TABLE t (a INT CHECK (a > 0), b INT, c INT, CONSTRAINT ck_b CHECK (b < 100), CHECK (c <> 3))";
  p.b = "CREATE TABLE t (a INT, b INT CHECK (b <> 7), c INT CHECK (c > -5), CONSTRAINT ck_b CHECK (b < 50),"
        " CONSTRAINT ck_ab CHECK (a < b + 100))";
  p.rows_a = "INSERT INTO t VALUES (1, 2, 4)";
  p.keep_a_to_b = {"SELECT a + b + c FROM t"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "add_check"));
  EXPECT_TRUE(has_kind(o.up, "drop_check"));
}

TEST(RenderMysql, ForeignKeys) {
  Pair p;
  p.a = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, UNIQUE KEY uq_code (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, pcode VARCHAR(5), up INT,"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE)";
  p.b = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, UNIQUE KEY uq_code (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, pcode VARCHAR(5), up INT,"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL ON UPDATE NO ACTION,"
        " FOREIGN KEY (pcode) REFERENCES p (code) ON UPDATE CASCADE,"
        " CONSTRAINT fk_self FOREIGN KEY (up) REFERENCES c (id))";
  p.rows_a = "INSERT INTO p VALUES (1, 'one'); INSERT INTO c VALUES (1, 1, 'one', NULL), (2, 1, 'one', 1)";
  p.keep_a_to_b = {"SELECT GROUP_CONCAT(pid, pcode, IFNULL(up, '-') ORDER BY id) FROM c"};
  p.rows_b = "INSERT INTO p VALUES (2, 'two'); INSERT INTO c VALUES (2, 2, 'two', NULL), (3, 2, 'two', 2)";
  p.keep_b_to_a = {"SELECT COUNT(*) FROM c"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "add_foreign_key"));
  EXPECT_TRUE(has_kind(o.up, "drop_foreign_key"));
}

// A column a foreign key uses changes type on both sides: MySQL refuses the
// MODIFY while the key is there, so it is dropped and added back.
TEST(RenderMysql, ForeignKeyColumnsChangeType) {
  Pair p;
  p.a = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, pcode VARCHAR(5), x INT,"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id), FOREIGN KEY (pcode) REFERENCES p (code))";
  p.b = "CREATE TABLE p (id BIGINT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pid BIGINT, pcode VARCHAR(5), x INT COMMENT 'new',"
        " CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES p (id), FOREIGN KEY (pcode) REFERENCES p (code))";
  p.rows_a = "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1, 'a', 3)";
  p.keep_a_to_b = {"SELECT CONCAT(pid, pcode, x) FROM c"};
  p.rows_b = "INSERT INTO p VALUES (2, 'b'); INSERT INTO c VALUES (2, 2, 'b', 4)";
  p.keep_b_to_a = {"SELECT GROUP_CONCAT(pid, pcode, x ORDER BY id) FROM c"};
  ROUND_TRIP(p);
}

// The key a foreign key of an unchanged table references is replaced: the
// diff drops that foreign key first and adds it back after ("needed in a
// foreign key constraint" otherwise). Also a referenced string column whose
// length changes under a child that stays as it is.
TEST(RenderMysql, KeyReplacedUnderAForeignKeyThatStays) {
  Pair p;
  p.a = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq_old (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))";
  p.b = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq_new (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))";
  p.rows_a = "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 'a')";
  p.keep_a_to_b = {"SELECT pcode FROM c"};
  p.rows_b = p.rows_a;
  p.keep_b_to_a = p.keep_a_to_b;
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "drop_foreign_key"));
  EXPECT_TRUE(has_kind(o.up, "add_foreign_key"));
  Pair w;
  w.a = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(5), UNIQUE KEY uq (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))";
  w.b = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(8), UNIQUE KEY uq (code));"
        "CREATE TABLE c (id INT PRIMARY KEY, pcode VARCHAR(5), CONSTRAINT fk_c FOREIGN KEY (pcode) REFERENCES p (code))";
  w.rows_a = p.rows_a;
  w.keep_a_to_b = p.keep_a_to_b;
  ROUND_TRIP(w);
}

// A foreign key whose actions change is dropped and added again; MariaDB
// would replace the index it made for the old one (named like its column)
// by one named like the constraint.
TEST(RenderMysql, ForeignKeyActionsChangeKeepsItsIndex) {
  Pair p;
  p.a = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE)";
  p.b = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL)";
  p.rows_a = "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1)";
  p.keep_a_to_b = {"SELECT pid FROM c"};
  ROUND_TRIP(p);
}

// The index InnoDB made for a foreign key is dropped together with the key
// that replaces it, never before (MySQL: "needed in a foreign key constraint").
TEST(RenderMysql, ForeignKeyBackingIndexes) {
  Pair p;
  p.a = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, x INT, q INT,"
        " CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p (id),"
        " FOREIGN KEY (q) REFERENCES p (id))";
  p.b = "CREATE TABLE p (id INT PRIMARY KEY);"
        "CREATE TABLE c (id INT PRIMARY KEY, pid INT, x INT, q INT, KEY ix_pid_x (pid, x), UNIQUE KEY uq_q (q, x),"
        " CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p (id),"
        " FOREIGN KEY (q) REFERENCES p (id))";
  p.rows_a = "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1, 1, 1)";
  p.keep_a_to_b = {"SELECT pid + x + q FROM c"};
  p.rows_b = p.rows_a;
  p.keep_b_to_a = p.keep_a_to_b;
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "drop_index"));
  EXPECT_TRUE(has_kind(o.down, "drop_index"));
}

TEST(RenderMysql, Indexes) {
  Pair p;
  p.a = "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(50), body TEXT, n INT, g POINT NOT NULL,"
        " KEY ix_s (s), KEY ix_n (n), SPATIAL KEY sp_g (g))";
  p.b = "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(50), body TEXT, n INT, g POINT NOT NULL,"
        " KEY ix_s (s(5), n DESC), KEY ix_body (body(20)), FULLTEXT KEY ft (s, body), KEY ix_h (n) USING HASH)";
  p.rows_a = "INSERT INTO t VALUES (1, 'x', 'y', 2, POINT(1, 1))";
  p.keep_a_to_b = {"SELECT CONCAT(s, body, n) FROM t"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "create_index"));
  EXPECT_TRUE(has_kind(o.up, "drop_index"));
}

TEST(RenderMysql, Views) {
  Pair p;
  p.a = "CREATE TABLE t (a INT, b INT); CREATE VIEW v1 AS SELECT a FROM t; CREATE VIEW v_gone AS SELECT b FROM t";
  p.b = "CREATE TABLE t (a INT, b INT); CREATE VIEW v1 AS SELECT a, b FROM t WHERE a > 1;"
        " CREATE VIEW `v new` AS SELECT a + b AS s FROM t";
  ROUND_TRIP(p);
}

TEST(RenderMysql, TableComments) {
  Pair p;
  p.a = "CREATE TABLE t (a INT) COMMENT 'old'; CREATE TABLE u (a INT); CREATE TABLE w (a INT) COMMENT 'gone'";
  p.b = "CREATE TABLE t (a INT) COMMENT 'new ''one'''; CREATE TABLE u (a INT) COMMENT 'set'; CREATE TABLE w (a INT)";
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "set_table_comment"));
}

// Tables dropped together lose the foreign keys between them first.
TEST(RenderMysql, DropTablesThatReferenceEachOther) {
  Pair p;
  p.a = "CREATE TABLE a_parent (id INT PRIMARY KEY, b_id INT);"
        "CREATE TABLE b_child (id INT PRIMARY KEY, a_id INT, CONSTRAINT fk_ba FOREIGN KEY (a_id) REFERENCES a_parent (id));"
        "ALTER TABLE a_parent ADD CONSTRAINT fk_ab FOREIGN KEY (b_id) REFERENCES b_child (id);"
        "CREATE TABLE keep (id INT)";
  p.b = "CREATE TABLE keep (id INT)";
  ROUND_TRIP(p);
}

// ---- the REVIEW rules

TEST(RenderMysql, ReviewRenameIsDropAndAdd) {
  Pair p;
  p.a = "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40))";
  p.b = "CREATE TABLE t (id INT PRIMARY KEY, full_name VARCHAR(40))";
  p.rows_a = "INSERT INTO t VALUES (1, 'x')";
  p.keep_a_to_b = {"SELECT COUNT(*) FROM t"};
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_review(o.up, "rename of name to full_name?"));
  EXPECT_TRUE(has_review(o.up, "destructive: drops column t.name"));
}

TEST(RenderMysql, ReviewNarrowingAndNotNull) {
  Pair p;
  p.a = "CREATE TABLE t (s VARCHAR(100), n BIGINT, d DECIMAL(10,4), x TEXT, m INT)";
  p.b = "CREATE TABLE t (s VARCHAR(10), n SMALLINT, d DECIMAL(8,2), x VARCHAR(30), m INT NOT NULL)";
  p.rows_a = "INSERT INTO t VALUES ('fits', 12, 1.25, 'short', 3)";
  p.keep_a_to_b = {"SELECT CONCAT(s, n, ROUND(d, 2), x, m) FROM t"};
  p.rows_b = p.rows_a;
  p.keep_b_to_a = p.keep_a_to_b;
  auto o = ROUND_TRIP(p);
  for (auto* text : {"narrows type varchar(100) -> varchar(10)", "narrows type bigint -> smallint",
                     "narrows type numeric(10,4) -> numeric(8,2)", "narrows type text -> varchar(30)",
                     "column m becomes NOT NULL"})
    EXPECT_TRUE(has_review(o.up, text)) << text;
}

TEST(RenderMysql, ReviewDestructiveAndNotNullWithoutDefault) {
  Pair p;
  p.a = "CREATE TABLE t (a INT); CREATE TABLE gone (a INT)";
  p.b = "CREATE TABLE t (a INT, must INT NOT NULL)";
  auto o = ROUND_TRIP(p);
  EXPECT_TRUE(has_review(o.up, "destructive: drops table gone"));
  EXPECT_TRUE(has_review(o.up, "is NOT NULL without a default"));
}

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

TEST(RenderMysql, QuotesIdentifiersWithBackticks) {
  Pair p;
  p.a = "";
  p.b = "CREATE TABLE `we``ird name` (`se lect` INT, `c``q` INT, KEY `i x` (`se lect`)) COMMENT 'c\\\\x'";
  ROUND_TRIP(p);
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

// ---- random pairs

struct GCol {
  std::string name, family, type, def, comment, check, collate;
  bool nullable = true, ai = false, fk = false;
};
struct GPart {
  std::string col;
  int prefix = 0;
  bool desc = false;
};
struct GIndex {
  std::string name;
  std::vector<GPart> parts;
  bool fulltext = false;
};
struct GUnique {
  std::string name;
  std::vector<std::string> cols;
};
struct GFk {
  std::string name, col, ref, on_delete, on_update;
};
struct GCheck {
  std::string name, expr;
  std::vector<std::string> cols;
};
struct GTable {
  std::string name, comment;
  std::vector<GCol> cols;
  std::vector<std::string> pk;
  std::vector<GUnique> uniques;
  std::vector<GIndex> indexes;
  std::vector<GFk> fks;
  std::vector<GCheck> checks;
  bool has_ai() const {
    return std::any_of(cols.begin(), cols.end(), [](auto& c) { return c.ai; });
  }
  GCol* col(const std::string& n) {
    for (auto& c : cols)
      if (c.name == n) return &c;
    return nullptr;
  }
};
struct GView {
  std::string name, table;
  std::vector<std::string> cols;
};
struct GSchema {
  std::vector<GTable> tables;
  std::vector<GView> views;
  int next = 0;
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <class T>
  const T& one(const std::vector<T>& v) {
    return v[pick(static_cast<int>(v.size()))];
  }

  static const std::vector<std::string>& families() {
    static const std::vector<std::string> f = {"int", "str", "text", "dec", "bool", "dt", "date", "enum", "set", "dbl"};
    return f;
  }
  std::string type_of(const std::string& family) {
    if (family == "int") return one<std::string>({"INT", "BIGINT", "SMALLINT", "MEDIUMINT", "INT UNSIGNED"});
    if (family == "str") return one<std::string>({"VARCHAR(20)", "VARCHAR(40)", "VARCHAR(100)", "CHAR(10)"});
    if (family == "text") return one<std::string>({"TEXT", "MEDIUMTEXT"});
    if (family == "dec") return one<std::string>({"DECIMAL(10,2)", "DECIMAL(12,3)", "DECIMAL(8,2)"});
    if (family == "bool") return "TINYINT(1)";
    if (family == "dt") return one<std::string>({"DATETIME", "TIMESTAMP"});
    if (family == "date") return "DATE";
    if (family == "enum") return one<std::string>({"ENUM('a','b','c')", "ENUM('a','b','c','d e')"});
    if (family == "set") return one<std::string>({"SET('x','y')", "SET('x','y','z')"});
    return one<std::string>({"DOUBLE", "FLOAT"});
  }
  std::string default_of(const GCol& c) {
    const std::string& f = c.family;
    if (c.nullable && chance(0.2)) return "NULL";
    if (f == "int") return one<std::string>({"0", "42", "7"});
    if (f == "str") return one<std::string>({"'abc'", "'it''s'", "''"});
    if (f == "text") return "'txt'";
    if (f == "dec") return one<std::string>({"1.50", "0.00"});
    if (f == "bool") return one<std::string>({"0", "1"});
    if (f == "dt")
      return one<std::string>({"'2020-01-01 00:00:00'", "CURRENT_TIMESTAMP",
                               "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"});
    if (f == "date") return "'2021-02-03'";
    if (f == "enum") return one<std::string>({"'b'", "'a'"});
    if (f == "set") return one<std::string>({"'x'", "'x,y'"});
    return "1.5";
  }
  // A value every column can hold, satisfying the generated checks.
  static std::string value_of(const GCol& c) {
    const std::string& f = c.family;
    if (f == "int" || f == "bool") return "1";
    if (f == "str") return "'v'";
    if (f == "text") return "'t'";
    if (f == "dec" || f == "dbl") return "1.5";
    if (f == "dt") return "'2021-01-01 00:00:00'";
    if (f == "date") return "'2021-01-01'";
    if (f == "enum") return "'a'";
    return "'x'";
  }

  std::string name(GSchema& s, const std::string& prefix) { return prefix + std::to_string(s.next++); }

  GCol column(GSchema& s) {
    GCol c;
    c.name = name(s, "c");
    c.family = one(families());
    c.type = type_of(c.family);
    c.nullable = chance(0.6);
    if (chance(0.4)) c.def = default_of(c);
    if (c.family == "dt" && c.type == "TIMESTAMP" && !c.nullable && c.def.empty()) c.def = "CURRENT_TIMESTAMP";
    if (chance(0.15)) c.comment = one<std::string>({"a comment", "it's \"quoted\"", "ünï"});
    if ((c.family == "str" || c.family == "text") && chance(0.2)) c.collate = "utf8mb4_bin";
    if (c.family == "int" && chance(0.2)) c.check = "`" + c.name + "` > -100";
    return c;
  }

  bool keyable(const GCol& c) { return c.family != "text"; }

  void add_index(GSchema& s, GTable& t) {
    std::vector<const GCol*> cand;
    for (auto& c : t.cols)
      if (!c.ai) cand.push_back(&c);
    if (cand.empty()) return;
    GIndex ix;
    ix.name = name(s, "ix");
    const GCol& first = *one(cand);
    if (chance(0.15) && (first.family == "str" || first.family == "text")) {
      ix.fulltext = true;
      ix.parts.push_back({first.name});
    } else {
      int n = 1 + (chance(0.3) ? 1 : 0);
      std::set<std::string> used;
      for (int i = 0; i < n; ++i) {
        const GCol& c = i == 0 ? first : *one(cand);
        if (used.count(c.name)) continue;
        used.insert(c.name);
        GPart part{c.name};
        if (c.family == "text" || (c.family == "str" && chance(0.3))) part.prefix = 5;
        part.desc = chance(0.2);
        ix.parts.push_back(part);
      }
    }
    t.indexes.push_back(ix);
  }

  void add_unique(GSchema& s, GTable& t) {
    std::vector<std::string> cand;
    for (auto& c : t.cols)
      if (!c.ai && keyable(c)) cand.push_back(c.name);
    if (cand.empty()) return;
    GUnique u{name(s, "uq"), {one(cand)}};
    if (chance(0.3)) {
      std::string second = one(cand);
      if (second != u.cols[0]) u.cols.push_back(second);
    }
    t.uniques.push_back(u);
  }

  void add_check(GSchema& s, GTable& t) {
    std::vector<std::string> ints;
    for (auto& c : t.cols)
      if (c.family == "int" && !c.ai && !c.fk) ints.push_back(c.name);
    if (ints.empty()) return;
    GCheck k;
    k.name = chance(0.7) ? name(s, "ck") : "";
    const std::string a = one(ints), b = one(ints);
    if (a != b && chance(0.4)) {
      k.expr = "`" + a + "` < `" + b + "` + 1000";
      k.cols = {a, b};
    } else {
      k.expr = "`" + a + "` >= 0";
      k.cols = {a};
    }
    t.checks.push_back(k);
  }

  // A foreign key from table `ti` to an earlier (or the same) table with an
  // AUTO_INCREMENT id: a new INT column, or an existing plain INT one.
  void add_fk(GSchema& s, size_t ti) {
    std::vector<size_t> parents;
    for (size_t i = 0; i <= ti; ++i)
      if (s.tables[i].has_ai()) parents.push_back(i);
    if (parents.empty()) return;
    const std::string ref = s.tables[one(parents)].name;
    std::string id_type;
    for (auto& tt : s.tables)
      if (tt.name == ref) id_type = tt.col("id")->type;
    GTable& t = s.tables[ti];
    GFk fk;
    fk.name = chance(0.7) ? name(s, "fk") : "";
    std::vector<GCol*> plain;
    for (auto& c : t.cols)
      if (c.type == id_type && c.nullable && !c.ai && !c.fk && std::find(t.pk.begin(), t.pk.end(), c.name) == t.pk.end())
        plain.push_back(&c);
    GCol* col = nullptr;
    if (!plain.empty() && chance(0.3)) {
      col = plain[pick(static_cast<int>(plain.size()))];
    } else {
      GCol c;
      c.name = name(s, "r");
      c.family = "int";
      c.type = id_type;
      t.cols.push_back(c);
      col = &t.cols.back();
    }
    col->fk = true;
    col->nullable = true;
    col->check.clear();
    if (col->def != "NULL") col->def.clear();
    // Its checks would hold the column's value; keep it simple: none.
    t.checks.erase(std::remove_if(t.checks.begin(), t.checks.end(),
                                  [&](const GCheck& k) {
                                    return std::find(k.cols.begin(), k.cols.end(), col->name) != k.cols.end();
                                  }),
                   t.checks.end());
    fk.col = col->name;
    fk.ref = ref;
    fk.on_delete = one<std::string>({"", "CASCADE", "SET NULL", "RESTRICT", "NO ACTION"});
    fk.on_update = one<std::string>({"", "CASCADE", "RESTRICT", "NO ACTION"});
    t.fks.push_back(fk);
  }

  GTable table(GSchema& s) {
    GTable t;
    t.name = name(s, "t");
    const int shape = pick(10);
    if (shape < 7) {
      GCol id;
      id.name = "id";
      id.family = "int";
      id.type = one<std::string>({"INT", "INT", "BIGINT"});
      id.nullable = false;
      id.ai = true;
      t.cols.push_back(id);
      t.pk = {"id"};
    }
    const int n = 1 + pick(5);
    for (int i = 0; i < n; ++i) t.cols.push_back(column(s));
    if (shape >= 7 && shape < 9) {
      for (auto& c : t.cols)
        if (c.family == "int" && !c.ai) {
          c.nullable = false;
          if (c.def == "NULL") c.def.clear();
          t.pk = {c.name};
          break;
        }
    }
    if (chance(0.3)) t.comment = one<std::string>({"table comment", "it's a table"});
    return t;
  }

  void decorate(GSchema& s, size_t ti) {
    if (chance(0.5)) add_index(s, s.tables[ti]);
    if (chance(0.2)) add_index(s, s.tables[ti]);
    if (chance(0.35)) add_unique(s, s.tables[ti]);
    if (chance(0.35)) add_check(s, s.tables[ti]);
    if (chance(0.4)) add_fk(s, ti);
  }

  void add_view(GSchema& s) {
    if (s.tables.empty()) return;
    const GTable& t = one(s.tables);
    GView v{name(s, "v"), t.name, {}};
    for (auto& c : t.cols)
      if (chance(0.5)) v.cols.push_back(c.name);
    if (v.cols.empty()) v.cols.push_back(t.cols.front().name);
    s.views.push_back(v);
  }

  GSchema schema() {
    GSchema s;
    const int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) {
      s.tables.push_back(table(s));
      decorate(s, s.tables.size() - 1);
    }
    if (chance(0.4)) add_view(s);
    return s;
  }

  // Everything that names column `col` of table `t` goes with it.
  void drop_column(GSchema& s, GTable& t, const std::string col) {  // a copy: the column goes
    t.cols.erase(std::remove_if(t.cols.begin(), t.cols.end(), [&](auto& c) { return c.name == col; }), t.cols.end());
    auto names = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), col) != v.end(); };
    t.uniques.erase(std::remove_if(t.uniques.begin(), t.uniques.end(), [&](auto& u) { return names(u.cols); }),
                    t.uniques.end());
    t.indexes.erase(std::remove_if(t.indexes.begin(), t.indexes.end(),
                                   [&](auto& ix) {
                                     return std::any_of(ix.parts.begin(), ix.parts.end(),
                                                        [&](auto& p) { return p.col == col; });
                                   }),
                    t.indexes.end());
    t.checks.erase(std::remove_if(t.checks.begin(), t.checks.end(), [&](auto& k) { return names(k.cols); }),
                   t.checks.end());
    t.fks.erase(std::remove_if(t.fks.begin(), t.fks.end(), [&](auto& f) { return f.col == col; }), t.fks.end());
    if (names(t.pk)) t.pk.clear();
    for (auto& v : s.views)
      if (v.table == t.name) v.cols.erase(std::remove(v.cols.begin(), v.cols.end(), col), v.cols.end());
    s.views.erase(std::remove_if(s.views.begin(), s.views.end(), [](auto& v) { return v.cols.empty(); }),
                  s.views.end());
  }

  void alter_column(GTable& t, GCol& c) {
    const bool in_key =
        std::any_of(t.uniques.begin(), t.uniques.end(),
                    [&](auto& u) { return std::find(u.cols.begin(), u.cols.end(), c.name) != u.cols.end(); }) ||
        std::any_of(t.indexes.begin(), t.indexes.end(), [&](auto& ix) {
          return std::any_of(ix.parts.begin(), ix.parts.end(), [&](auto& p) { return p.col == c.name && !p.prefix; });
        });
    switch (pick(5)) {
      case 0: {
        std::string type = type_of(c.family);
        if (c.family == "str" && !in_key && chance(0.2)) {
          c.family = "text";  // VARCHAR -> TEXT: values keep, keys would need a prefix
          type = "TEXT";
          if (!c.def.empty() && c.def != "NULL") c.def = "'txt'";
        }
        c.type = type;
        if (c.family == "dt" && c.type == "TIMESTAMP" && !c.nullable && c.def.empty()) c.def = "CURRENT_TIMESTAMP";
        break;
      }
      case 1:
        c.nullable = !c.nullable;
        if (!c.nullable && c.def == "NULL") c.def.clear();
        if (c.family == "dt" && c.type == "TIMESTAMP" && !c.nullable && c.def.empty()) c.def = "CURRENT_TIMESTAMP";
        break;
      case 2: c.def = chance(0.3) ? "" : default_of(c); break;
      case 3: c.comment = c.comment.empty() ? "now commented" : ""; break;
      case 4:
        if (c.family == "str" || c.family == "text") {
          c.collate = c.collate.empty() ? "utf8mb4_bin" : "";
        } else if (c.family == "int" && !c.fk) {
          c.check = c.check.empty() ? "`" + c.name + "` > -100" : "";
        } else {
          c.comment = "changed";
        }
        break;
    }
    if (c.family == "dt" && c.type == "TIMESTAMP" && !c.nullable && c.def.empty()) c.def = "CURRENT_TIMESTAMP";
  }

  // B: a few random changes of A.
  void mutate(GSchema& s) {
    const int n = 1 + pick(4);
    for (int m = 0; m < n; ++m) {
      if (s.tables.empty()) {
        s.tables.push_back(table(s));
        continue;
      }
      const size_t ti = pick(static_cast<int>(s.tables.size()));
      GTable& t = s.tables[ti];
      std::vector<GCol*> plain;  // columns free to change or go
      for (auto& c : t.cols)
        if (!c.ai && !c.fk && std::find(t.pk.begin(), t.pk.end(), c.name) == t.pk.end()) plain.push_back(&c);
      switch (pick(17)) {
        case 16:
          if (t.has_ai()) {  // the id's type, and that of the foreign keys to it
            const std::string type = t.col("id")->type == "INT" ? "BIGINT" : "INT";
            const std::string parent = t.name;
            t.col("id")->type = type;
            for (auto& o : s.tables)
              for (auto& f : o.fks)
                if (f.ref == parent) o.col(f.col)->type = type;
          }
          break;
        case 0:
          s.tables.push_back(table(s));
          decorate(s, s.tables.size() - 1);
          break;
        case 1: {  // drop a table: foreign keys to it and views on it go too
          const std::string gone = t.name;
          s.tables.erase(s.tables.begin() + static_cast<long>(ti));
          for (auto& o : s.tables) {
            for (auto& f : o.fks)
              if (f.ref == gone) o.col(f.col)->fk = false;
            o.fks.erase(std::remove_if(o.fks.begin(), o.fks.end(), [&](auto& f) { return f.ref == gone; }),
                        o.fks.end());
          }
          s.views.erase(std::remove_if(s.views.begin(), s.views.end(), [&](auto& v) { return v.table == gone; }),
                        s.views.end());
          break;
        }
        case 2:
        case 3: {  // add a column somewhere
          GCol c = column(s);
          if (!c.nullable && c.def.empty() && chance(0.7)) c.def = default_of(c);
          if (c.def == "NULL" && !c.nullable) c.def.clear();
          const size_t at = pick(static_cast<int>(t.cols.size()) + 1);
          t.cols.insert(t.cols.begin() + static_cast<long>(at), c);
          break;
        }
        case 4:
          if (!plain.empty() && t.cols.size() > 1) drop_column(s, t, plain[pick(static_cast<int>(plain.size()))]->name);
          break;
        case 5:
        case 6:
          if (!plain.empty()) alter_column(t, *plain[pick(static_cast<int>(plain.size()))]);
          break;
        case 7:
          if (!t.indexes.empty() && chance(0.5)) {
            t.indexes.erase(t.indexes.begin() + pick(static_cast<int>(t.indexes.size())));
          } else {
            add_index(s, t);
          }
          break;
        case 8:
          if (!t.uniques.empty() && chance(0.5)) {
            t.uniques.erase(t.uniques.begin() + pick(static_cast<int>(t.uniques.size())));
          } else {
            add_unique(s, t);
          }
          break;
        case 9:
          if (!t.checks.empty() && chance(0.5)) {
            t.checks.erase(t.checks.begin() + pick(static_cast<int>(t.checks.size())));
          } else {
            add_check(s, t);
          }
          break;
        case 10:
          if (!t.fks.empty() && chance(0.5)) {
            const size_t k = pick(static_cast<int>(t.fks.size()));
            t.col(t.fks[k].col)->fk = false;
            t.fks.erase(t.fks.begin() + static_cast<long>(k));
          } else {
            add_fk(s, ti);
          }
          break;
        case 11:
          if (!t.fks.empty()) {  // change a foreign key's actions
            GFk& f = t.fks[pick(static_cast<int>(t.fks.size()))];
            f.on_delete = one<std::string>({"", "CASCADE", "SET NULL", "NO ACTION"});
            f.on_update = one<std::string>({"", "CASCADE", "RESTRICT"});
          }
          break;
        case 12:
          if (!s.views.empty() && chance(0.6)) {
            const size_t k = pick(static_cast<int>(s.views.size()));
            if (chance(0.5)) {
              s.views.erase(s.views.begin() + static_cast<long>(k));
            } else {
              GView& v = s.views[k];
              for (auto& tt : s.tables)
                if (tt.name == v.table) {
                  v.cols.clear();
                  for (auto& c : tt.cols)
                    if (chance(0.5)) v.cols.push_back(c.name);
                  if (v.cols.empty()) v.cols.push_back(tt.cols.back().name);
                }
            }
          } else {
            add_view(s);
          }
          break;
        case 13: t.comment = t.comment.empty() ? "new comment" : (chance(0.5) ? "" : "other comment"); break;
        case 14:
          if (!t.has_ai()) {  // primary key of a table without AUTO_INCREMENT
            if (!t.pk.empty()) {
              t.pk.clear();
            } else {
              for (auto* c : plain)
                if (c->family == "int" && !c->fk) {
                  c->nullable = false;
                  if (c->def == "NULL") c->def.clear();
                  t.pk = {c->name};
                  break;
                }
            }
          }
          break;
        case 15:  // an index on a foreign key's column: InnoDB's own index goes
          if (!t.fks.empty()) {
            GIndex ix{name(s, "ix"), {{t.fks.front().col}}, false};
            if (chance(0.5) && !plain.empty() && keyable(*plain.front()) && plain.front()->family != "str")
              ix.parts.push_back({plain.front()->name});
            t.indexes.push_back(ix);
          }
          break;
      }
    }
  }

  static std::string sql(const GSchema& s) {
    std::string out;
    auto q = [](const std::string& n) { return "`" + n + "`"; };
    for (auto& t : s.tables) {
      std::vector<std::string> parts;
      for (auto& c : t.cols) {
        std::string d = q(c.name) + " " + c.type;
        if (!c.collate.empty()) d += " COLLATE " + c.collate;
        d += c.nullable ? " NULL" : " NOT NULL";
        if (!c.def.empty()) d += " DEFAULT " + c.def;
        if (c.ai) d += " AUTO_INCREMENT";
        if (!c.comment.empty()) {
          std::string e;
          for (char ch : c.comment) e += ch == '\'' ? std::string("''") : std::string(1, ch);
          d += " COMMENT '" + e + "'";
        }
        if (!c.check.empty()) d += " CHECK (" + c.check + ")";
        parts.push_back(d);
      }
      auto cols = [&](const std::vector<std::string>& v) {
        std::vector<std::string> x;
        for (auto& n : v) x.push_back(q(n));
        return "(" + join(x, ", ") + ")";
      };
      if (!t.pk.empty()) parts.push_back("PRIMARY KEY " + cols(t.pk));
      for (auto& u : t.uniques) parts.push_back("UNIQUE KEY " + q(u.name) + " " + cols(u.cols));
      for (auto& ix : t.indexes) {
        std::vector<std::string> x;
        for (auto& p : ix.parts)
          x.push_back(q(p.col) + (p.prefix ? "(" + std::to_string(p.prefix) + ")" : "") +
                      (p.desc && !ix.fulltext ? " DESC" : ""));
        parts.push_back(std::string(ix.fulltext ? "FULLTEXT " : "") + "KEY " + q(ix.name) + " (" + join(x, ", ") +
                        ")");
      }
      for (auto& k : t.checks)
        parts.push_back((k.name.empty() ? "" : "CONSTRAINT " + q(k.name) + " ") + "CHECK (" + k.expr + ")");
      for (auto& f : t.fks) {
        std::string d = (f.name.empty() ? "" : "CONSTRAINT " + q(f.name) + " ") + "FOREIGN KEY (" + q(f.col) +
                        ") REFERENCES " + q(f.ref) + " (`id`)";
        if (!f.on_delete.empty()) d += " ON DELETE " + f.on_delete;
        if (!f.on_update.empty()) d += " ON UPDATE " + f.on_update;
        parts.push_back(d);
      }
      out += "CREATE TABLE " + q(t.name) + " (\n  " + join(parts, ",\n  ") + "\n)";
      if (!t.comment.empty()) {
        std::string e;
        for (char ch : t.comment) e += ch == '\'' ? std::string("''") : std::string(1, ch);
        out += " COMMENT '" + e + "'";
      }
      out += ";\n";
    }
    for (auto& v : s.views) {
      std::vector<std::string> x;
      for (auto& c : v.cols) x.push_back(q(c));
      out += "CREATE VIEW " + q(v.name) + " AS SELECT " + join(x, ", ") + " FROM " + q(v.table) + ";\n";
    }
    return out;
  }

  // One row per table (AUTO_INCREMENT ids 1, foreign keys NULL), and a
  // count per table that both sides have.
  // Columns with a foreign key on either side hold NULL.
  static std::string rows(const GSchema& s, const GSchema& other) {
    std::set<std::string> fk_columns;
    for (auto* x : {&s, &other})
      for (auto& t : x->tables)
        for (auto& f : t.fks) fk_columns.insert(t.name + "." + f.col);
    std::string out;
    for (auto& t : s.tables) {
      std::vector<std::string> names, values;
      for (auto& c : t.cols) {
        if (c.ai) continue;
        names.push_back("`" + c.name + "`");
        values.push_back(c.fk || fk_columns.count(t.name + "." + c.name) ? "NULL" : value_of(c));
      }
      out += "INSERT INTO `" + t.name + "` (" + join(names, ", ") + ") VALUES (" + join(values, ", ") + ");\n";
    }
    return out;
  }
  static std::vector<std::string> counts(const GSchema& a, const GSchema& b) {
    std::vector<std::string> out;
    for (auto& t : a.tables)
      for (auto& u : b.tables)
        if (t.name == u.name) out.push_back("SELECT COUNT(*) FROM `" + t.name + "`");
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

Pair random_pair(uint64_t seed) {
  Gen g(seed);
  GSchema a = g.schema();
  GSchema b = a;
  g.mutate(b);
  Pair p;
  p.a = Gen::sql(a);
  p.b = Gen::sql(b);
  p.rows_a = Gen::rows(a, b);
  p.rows_b = Gen::rows(b, a);
  p.keep_a_to_b = Gen::counts(a, b);
  p.keep_b_to_a = p.keep_a_to_b;
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
