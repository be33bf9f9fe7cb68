// The PostgreSQL plugin's render_changes (dialect ABI 1.2) against a real
// server (STRATA_TEST_PG_URL), by round trips: schema A and schema B, each
// built from SQL in its own database and introspected (A', B');
// diff(A', B') rendered and applied to A's database in one transaction must
// make its introspection byte-equal to B', and diff(B', A') applied to B's
// database must give A'. Rows inserted before must be there after.
//
// Hand-written pairs cover every change kind and every REVIEW rule; a
// seeded generator of random schema pairs covers their combinations
// (STRATA_SCHEMA_PAIRS pairs, default 200, seeds from STRATA_SCHEMA_FIRST_SEED
// on; STRATA_SCHEMA_SEED to replay one pair). Two databases are created once and reset with DROP SCHEMA
// ... CASCADE between pairs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "db_support.hpp"
#include "random_schema_postgresql.hpp"
#include "render_expect.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"

using namespace strata;
using json = nlohmann::json;
using test::any_contains;
using test::has_kind;
using test::has_review;

namespace {

// ------------------------------------------------------------ databases

struct Databases {
  std::string admin_url;
  std::unique_ptr<dialect::Connection> admin;
  std::string names[2];
  std::unique_ptr<dialect::Connection> conns[2];
};

Databases& dbs() {
  static Databases* d = [] {
    auto* x = new Databases;
    x->admin_url = test::admin_url("postgresql");
    x->admin = test::connect(x->admin_url);
    for (int i = 0; i < 2; ++i) {
      x->names[i] = "strata_render_" + std::to_string(::getpid()) + (i ? "_b" : "_a");
      x->admin->execute("DROP DATABASE IF EXISTS " + x->names[i] + " WITH (FORCE)", true);
      x->admin->execute("CREATE DATABASE " + x->names[i], true);
      x->conns[i] = test::connect(test::with_database(x->admin_url, x->names[i]));
    }
    return x;
  }();
  return *d;
}

class DropDatabases : public ::testing::Environment {
 public:
  void TearDown() override {
    auto& d = dbs();
    for (int i = 0; i < 2; ++i) {
      d.conns[i].reset();
      try {
        d.admin->execute("DROP DATABASE IF EXISTS " + d.names[i] + " WITH (FORCE)", true);
      } catch (const std::exception& e) {
        std::cerr << "cannot drop " << d.names[i] << ": " << e.what() << "\n";
      }
    }
  }
};
[[maybe_unused]] auto* const kEnv = ::testing::AddGlobalTestEnvironment(new DropDatabases);

const dialect::Plugin& pg() { return test::plugins().get("postgresql"); }

// Everything a pair needs: the SQL of each side, rows to insert on each
// side before its change runs, and queries (one value each) with the value
// they must give after the change.
struct Pair {
  std::string a, b;
  std::string data_a, data_b;
  std::vector<std::pair<std::string, std::string>> after_up, after_down;
  std::string schema;  // "" = public (the current schema); else also created and introspected
  bool down_drops_enum_value = false;  // diff(B', A') removes an enum value: rendering must refuse it
};

struct Outcome {
  std::string error;  // empty: passed
  std::vector<schema::Change> up, down;
  std::vector<std::string> up_sql, down_sql;
};

std::string options(const Pair& p) { return p.schema.empty() ? "{}" : json({{"schemas", {p.schema}}}).dump(); }

void reset(dialect::Connection& c, const Pair& p) {
  std::string sql = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public";
  if (!p.schema.empty())
    sql += "; DROP SCHEMA IF EXISTS " + pg().quote(p.schema) + " CASCADE; CREATE SCHEMA " + pg().quote(p.schema);
  c.execute(sql);
}

std::string join(const std::vector<std::string>& stmts) {
  std::string out;
  for (auto& s : stmts) out += s + ";\n";
  return out;
}

// Applies statements in one transaction; "" or the failure.
std::string apply_sql(dialect::Connection& c, const std::vector<std::string>& stmts) {
  c.begin();
  for (auto& s : stmts) {
    try {
      c.execute(s, true);
    } catch (const std::exception& e) {
      try {
        c.rollback();
      } catch (...) {
      }
      return "statement failed: " + s + "\n  " + e.what();
    }
  }
  c.commit();
  return "";
}

std::string compare(const std::string& want, const std::string& got) {
  if (want == got) return "";
  return "introspection differs; JSON patch from wanted to got: " +
         json::diff(json::parse(want), json::parse(got)).dump();
}

std::string checks(dialect::Connection& c, const std::vector<std::pair<std::string, std::string>>& qs) {
  for (auto& [q, want] : qs) {
    std::vector<std::string> got;
    try {
      got = c.query_column(q);
    } catch (const std::exception& e) {
      return "data check failed: " + q + ": " + e.what();
    }
    if (got.size() != 1 || got[0] != want)
      return "data check " + q + ": want " + want + ", got " + (got.empty() ? "(no row)" : got[0]);
  }
  return "";
}

// One side: reset, build, introspect, insert rows. Returns the catalog, or
// throws with what failed.
std::string build_side(dialect::Connection& c, const Pair& p, const std::string& sql, const std::string& data) {
  try {
    reset(c, p);
    if (!sql.empty()) c.execute(sql);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("building: ") + e.what());
  }
  std::string catalog = c.introspect(options(p));
  try {
    if (!data.empty()) c.execute(data);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("inserting rows: ") + e.what());
  }
  return catalog;
}

// Applies `stmts` on `c`; its catalog must then be `want` and the checks
// must hold. "" or what failed.
std::string change_side(dialect::Connection& c, const Pair& p, const std::vector<std::string>& stmts,
                        const std::string& want, const std::vector<std::pair<std::string, std::string>>& after) {
  if (auto e = apply_sql(c, stmts); !e.empty()) return e;
  if (auto e = compare(want, c.introspect(options(p))); !e.empty()) return e;
  return checks(c, after);
}

// The two sides run at once, each on its own connection (the up change on
// A's database, the down change on B's).
Outcome round_trip(const Pair& p) {
  auto& d = dbs();
  dialect::Connection& ca = *d.conns[0];
  dialect::Connection& cb = *d.conns[1];
  Outcome o;
  auto fail = [&](const std::string& where, const std::string& what) {
    o.error = where + ": " + what + "\n-- up:\n" + join(o.up_sql) + "-- down:\n" + join(o.down_sql);
    return o;
  };
  auto fb = std::async(std::launch::async, [&] { return build_side(cb, p, p.b, p.data_b); });
  std::string a1, b1, ea, eb;
  try {
    a1 = build_side(ca, p, p.a, p.data_a);
  } catch (const std::exception& e) {
    ea = e.what();
  }
  try {
    b1 = fb.get();
  } catch (const std::exception& e) {
    eb = e.what();
  }
  if (!ea.empty()) return fail("A", ea);
  if (!eb.empty()) return fail("B", eb);
  const auto A = schema::parse_catalog(a1), B = schema::parse_catalog(b1);
  o.up = schema::diff(A, B);
  o.down = schema::diff(B, A);
  try {
    o.up_sql = pg().render_changes(schema::changes_json("postgresql", o.up));
  } catch (const std::exception& e) {
    return fail("rendering up", e.what());
  }
  if (p.down_drops_enum_value) {
    try {
      pg().render_changes(schema::changes_json("postgresql", o.down));
      return fail("rendering down", "rendered a drop_enum_value instead of refusing it");
    } catch (const dialect::DialectError& e) {
      if (std::string(e.what()).find("drop_enum_value") == std::string::npos)
        return fail("rendering down", std::string("error does not name drop_enum_value: ") + e.what());
    }
    if (auto e = change_side(ca, p, o.up_sql, b1, p.after_up); !e.empty()) return fail("up on A", e);
    return o;
  }
  try {
    o.down_sql = pg().render_changes(schema::changes_json("postgresql", o.down));
  } catch (const std::exception& e) {
    return fail("rendering down", e.what());
  }
  auto down = std::async(std::launch::async, [&] { return change_side(cb, p, o.down_sql, a1, p.after_down); });
  const std::string up_error = change_side(ca, p, o.up_sql, b1, p.after_up);
  const std::string down_error = down.get();
  if (!up_error.empty()) return fail("up on A", up_error);
  if (!down_error.empty()) return fail("down on B", down_error);
  return o;
}

#define ROUND_TRIP(p)                              \
  Outcome o = round_trip(p);                       \
  ASSERT_EQ(o.error, "") << "A:\n" << (p).a << "\nB:\n" << (p).b

// ------------------------------------------------------ hand-written pairs
//
// Most pairs differ only in their data: the two schemas, their rows and row
// checks, and what the changes and their SQL must hold. Those are rows of
// kPairs below, each its own test (HandWritten/RenderPostgresqlPair.RoundTrip/
// <name>); the pairs with checks of their own are the TESTs after it.

// A row of kPairs: a PairRow (render_expect.hpp) that also holds the pair, set in the same chain.
struct PgRow : test::PairRow<PgRow> {
  using Checks = std::vector<std::pair<std::string, std::string>>;
  Pair pair;

  explicit PgRow(std::string test_name) : PairRow(std::move(test_name)) {}
  PgRow& a(const std::string& sql) { return set(pair.a, sql); }
  PgRow& b(const std::string& sql) { return set(pair.b, sql); }
  // Rows inserted on A's side and on B's before the change.
  PgRow& rows(const std::string& a, const std::string& b) { return set(pair.data_a, a).set(pair.data_b, b); }
  PgRow& same_rows(const std::string& both) { return rows(both, both); }
  PgRow& after_up(const Checks& checks) { return set(pair.after_up, checks); }
  PgRow& after_down(const Checks& checks) { return set(pair.after_down, checks); }
  PgRow& in_schema(const std::string& name) { return set(pair.schema, name); }

 private:
  template <class T>
  PgRow& set(T& field, const T& value) {
    field = value;
    return *this;
  }
};

// A schema that is not the current one, with a name that needs quoting.
const std::string kOddSchema = "Odd \"Schema\"";
const std::string kOdd = "\"Odd \"\"Schema\"\"\".";  // its prefix for qualified names

const std::vector<PgRow> kPairs = {
    PgRow("AddAndDropColumnsKeepRows")
        .a("CREATE TABLE t (id integer PRIMARY KEY, gone text, old_name integer);")
        .b("CREATE TABLE t (id integer PRIMARY KEY, new_name integer, "
           "added varchar(10) NOT NULL DEFAULT 'x', ser bigserial, ident integer GENERATED ALWAYS AS IDENTITY, "
           "c2 text COLLATE \"POSIX\");"
           "COMMENT ON COLUMN t.added IS 'new';")
        .rows("INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)",
              "INSERT INTO t (id, new_name) VALUES (1, 5), (2, 6), (3, 7)")
        .after_up({{"SELECT count(*) FROM t", "2"},
                   {"SELECT string_agg(added || ser || ident, ',' ORDER BY id) FROM t", "x11,x22"}})
        .after_down({{"SELECT count(*) FROM t", "3"}, {"SELECT count(*) FROM t WHERE old_name IS NULL", "3"}})
        .up_review("destructive: drops column t.gone")
        .up_review("rename of old_name to new_name?")
        .up_sql("ADD COLUMN \"added\" character varying(10) DEFAULT 'x'::character varying NOT NULL")
        .down_sql("DROP SEQUENCE IF EXISTS \"t_ser_seq\""),

    // REVIEW: a column added NOT NULL without a default (fine on an empty table).
    PgRow("NotNullColumnWithoutDefault")
        .a("CREATE TABLE t (id integer PRIMARY KEY);")
        .b("CREATE TABLE t (id integer PRIMARY KEY, must text NOT NULL);")
        .up_review("column must is NOT NULL without a default: fails on a table with rows")
        .up_sql("ALTER TABLE \"t\" ADD COLUMN \"must\" text NOT NULL"),

    PgRow("AlterColumnTypesWithUsingKeepValues")
        .a("CREATE TABLE t (id integer PRIMARY KEY, a integer DEFAULT 1, b text DEFAULT 'x', c numeric(12,4), "
           "d varchar(50), e text, f smallint);")
        .b("CREATE TABLE t (id integer PRIMARY KEY, a bigint DEFAULT 1, b varchar(20) DEFAULT 'x', c numeric(6,2), "
           "d text, e integer, f numeric(10,2));")
        .rows("INSERT INTO t VALUES (1, 7, 'abc', 12.5, 'dd', '42', 3)",
              "INSERT INTO t VALUES (1, 7, 'abc', 12.5, 'dd', 42, 3)")
        .after_up({{"SELECT a || b || c || d || e || f FROM t", "7abc12.50dd423.00"}})
        .after_down({{"SELECT a || b || c || d || e || f FROM t", "7abc12.5000dd423"}})
        .up_sql("ALTER COLUMN \"e\" TYPE integer USING \"e\"::integer")
        .up_review("narrows type text -> varchar(20)")
        .up_review("narrows type numeric(12,4) -> numeric(6,2)")
        .down_review("narrows type bigint -> integer")
        .up_review("changes type text -> integer"),

    PgRow("DefaultsNullabilityCollationComments")
        .a("CREATE TABLE t (id integer PRIMARY KEY, a integer DEFAULT 5, b text, c text NOT NULL, d text COLLATE \"C\","
           " e text);"
           "COMMENT ON COLUMN t.a IS 'old'; COMMENT ON TABLE t IS 'before';")
        .b("CREATE TABLE t (id integer PRIMARY KEY, a integer, b text DEFAULT 'y', c text, d text, e text COLLATE \"POSIX\" NOT NULL);"
           "COMMENT ON COLUMN t.b IS 'new';")
        .same_rows("INSERT INTO t VALUES (1, 1, 'b', 'c', 'd', 'e')")
        .after_up({{"SELECT count(*) FROM t", "1"}})
        .after_down({{"SELECT count(*) FROM t", "1"}})
        .up_review("column e becomes NOT NULL")
        .up_kind("set_table_comment")
        .up_sql("COMMENT ON TABLE \"t\" IS NULL")
        .up_sql("TYPE text COLLATE \"default\""),

    PgRow("IdentityAndSerialChanges")
        .a("CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, b bigint GENERATED ALWAYS AS IDENTITY,"
           " c integer GENERATED BY DEFAULT AS IDENTITY, d integer DEFAULT 3, s serial);")
        .b("CREATE TABLE t (id integer PRIMARY KEY, a integer GENERATED BY DEFAULT AS IDENTITY, b bigint,"
           " c integer GENERATED ALWAYS AS IDENTITY, d integer GENERATED ALWAYS AS IDENTITY, s integer);")
        .rows("INSERT INTO t (id, a, d) VALUES (1, 10, 4), (2, 20, 5)", "INSERT INTO t (id, b, s) VALUES (1, 10, 4)")
        .after_up({{"SELECT string_agg(a || ':' || b || ':' || d || ':' || s, ',' ORDER BY id) FROM t", "10:1:4:1,20:2:5:2"}})
        .after_down({{"SELECT count(*) FROM t", "1"}})
        .up_sql("ALTER COLUMN \"b\" DROP IDENTITY")
        .up_sql("ALTER COLUMN \"a\" ADD GENERATED BY DEFAULT AS IDENTITY")
        .up_sql("ALTER COLUMN \"c\" SET GENERATED ALWAYS")
        .up_sql("DROP SEQUENCE IF EXISTS \"t_s_seq\""),

    PgRow("KeysUniquesChecks")
        .a("CREATE TABLE t (id integer, k integer NOT NULL, v text, CONSTRAINT t_pkey PRIMARY KEY (id),"
           " CONSTRAINT uq_v UNIQUE (v), CONSTRAINT ck_k CHECK (k > 0), CONSTRAINT ck_gone CHECK (v <> ''));"
           "CREATE TABLE u (id integer, CONSTRAINT u_pkey PRIMARY KEY (id));")
        .b("CREATE TABLE t (id integer NOT NULL, k integer NOT NULL, v text, CONSTRAINT pk_t PRIMARY KEY (id, k),"
           " CONSTRAINT uq_v UNIQUE (v, k), CONSTRAINT ck_k CHECK (k >= 0), CONSTRAINT uq_k UNIQUE (k));"
           "CREATE TABLE u (id integer);")
        .rows("INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b'); INSERT INTO u VALUES (1)",
              "INSERT INTO t VALUES (1, 1, 'a'); INSERT INTO u VALUES (1)")
        .after_up({{"SELECT count(*) FROM t", "2"}})
        .after_down({{"SELECT count(*) FROM t", "1"}})
        .up_kind("drop_primary_key")
        .up_kind("add_primary_key")
        .up_kind("drop_unique")
        .up_kind("add_unique")
        .up_kind("drop_check")
        .up_kind("add_check"),

    PgRow("ForeignKeys")
        .a("CREATE TABLE p (id integer PRIMARY KEY, code text UNIQUE);"
           "CREATE TABLE c (id integer PRIMARY KEY, p_id integer, code text,"
           " CONSTRAINT fk_c_p FOREIGN KEY (p_id) REFERENCES p (id));")
        .b("CREATE TABLE p (id integer PRIMARY KEY, code text UNIQUE);"
           "CREATE TABLE c (id integer PRIMARY KEY, p_id integer, code text,"
           " CONSTRAINT fk_c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL"
           "   DEFERRABLE INITIALLY DEFERRED,"
           " CONSTRAINT fk_c_code FOREIGN KEY (code) REFERENCES p (code) ON DELETE SET NULL DEFERRABLE);"
           "CREATE TABLE n (id integer PRIMARY KEY, c_id integer REFERENCES c ON DELETE RESTRICT);")
        .rows("INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1, 'a')",
              "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1, 'a'); INSERT INTO n VALUES (1, 1)")
        .after_up({{"SELECT count(*) FROM c", "1"}})
        .after_down({{"SELECT count(*) FROM c", "1"}})
        .up_sql("ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED")
        .up_sql("REFERENCES \"p\" (\"code\") ON DELETE SET NULL DEFERRABLE"),

    // k2's key and unique constraint change while gone, pointing at them, goes.
    PgRow("DroppingTablesThatReferenceEachOther")
        .a("CREATE TABLE a1 (id integer PRIMARY KEY, z_id integer);"
           "CREATE TABLE z1 (id integer PRIMARY KEY, a_id integer REFERENCES a1);"
           "ALTER TABLE a1 ADD CONSTRAINT a1_z FOREIGN KEY (z_id) REFERENCES z1;"
           "CREATE TABLE keep (id integer PRIMARY KEY, a_id integer REFERENCES a1);"
           "CREATE TABLE k2 (id integer CONSTRAINT k2_old PRIMARY KEY, v integer CONSTRAINT uq_k2_v UNIQUE);"
           "CREATE TABLE gone (id integer PRIMARY KEY, k2_id integer REFERENCES k2, v integer REFERENCES k2 (v));")
        .b("CREATE TABLE keep (id integer PRIMARY KEY, a_id integer);"
           "CREATE TABLE k2 (id integer CONSTRAINT k2_new PRIMARY KEY, v integer CONSTRAINT uq_k2_v2 UNIQUE);"),

    PgRow("Indexes")
        .a("CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, j jsonb);"
           "CREATE INDEX ix_gone ON t (a);"
           "CREATE INDEX ix_change ON t (b);")
        .b("CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, j jsonb);"
           "CREATE INDEX ix_change ON t (b DESC, a) WHERE b > 0;"
           "CREATE UNIQUE INDEX ux_expr ON t (lower(a), (b + 1));"
           "CREATE INDEX ix_gin ON t USING gin (j jsonb_path_ops);"  // opclass is not in the catalog
           "CREATE INDEX ix_brin ON t USING brin (b);")
        .up_sql("CREATE INDEX \"ix_change\" ON \"t\" USING btree (\"b\" DESC, \"a\") WHERE ((b > 0))")
        .up_sql("DROP INDEX \"ix_gone\""),

    PgRow("Views")
        .a("CREATE TABLE t (id integer PRIMARY KEY, v text);"
           "CREATE VIEW gone AS SELECT id FROM t;"
           "CREATE VIEW changed AS SELECT id FROM t WHERE id > 1;")
        .b("CREATE TABLE t (id integer PRIMARY KEY, v text);"
           "CREATE VIEW changed AS SELECT id, v FROM t WHERE id > 2;"
           "CREATE VIEW \"New View\" AS SELECT count(*) AS n FROM t;"),

    // moving: its owner goes, it moves to t.n (changed before the drop).
    PgRow("Sequences")
        .a("CREATE TABLE t (id integer PRIMARY KEY, n integer);"
           "CREATE SEQUENCE gone;"
           "CREATE SEQUENCE changed AS integer INCREMENT 2 MAXVALUE 1000;"
           "CREATE SEQUENCE owned AS bigint;"
           "ALTER SEQUENCE owned OWNED BY t.n;"
           "CREATE TABLE old_t (id integer);"
           "CREATE SEQUENCE moving; ALTER SEQUENCE moving OWNED BY old_t.id;")
        .b("CREATE TABLE t (id integer PRIMARY KEY, n integer);"
           "CREATE SEQUENCE moving INCREMENT 2; ALTER SEQUENCE moving OWNED BY t.n;"
           "CREATE SEQUENCE changed AS bigint INCREMENT 5 MAXVALUE 100000 CYCLE;"
           "CREATE SEQUENCE owned AS bigint;"
           "CREATE SEQUENCE fresh AS smallint START 3 MINVALUE 2;"
           "ALTER SEQUENCE fresh OWNED BY t.id;")
        .up_sql("OWNED BY NONE")
        .up_review("destructive: drops sequence gone"),

    PgRow("Enums")
        .a("CREATE TYPE gone AS ENUM ('x');"
           "CREATE TYPE kept AS ENUM ('a', 'b');"
           "CREATE TABLE t (id integer PRIMARY KEY, k kept DEFAULT 'a', s text);")
        .b("CREATE TYPE kept AS ENUM ('a', 'b');"
           "CREATE TYPE \"New Mood\" AS ENUM ('it''s', 'ok');"
           "CREATE TABLE t (id integer PRIMARY KEY, k kept DEFAULT 'a', s \"New Mood\" DEFAULT 'ok');")
        .same_rows("INSERT INTO t VALUES (1, 'b', 'ok')")
        .after_up({{"SELECT k::text || s::text FROM t", "bok"}})
        .after_down({{"SELECT k::text || s::text FROM t", "bok"}})
        .up_sql("CREATE TYPE \"New Mood\" AS ENUM ('it''s', 'ok')")
        .up_sql("DROP TYPE \"gone\"")
        .up_review("destructive: drops type gone"),

    // Everything in a schema that is not the current one, with names that
    // need quoting.
    PgRow("QuotedNamesInAnotherSchema")
        .in_schema(kOddSchema)
        .a("CREATE TABLE " + kOdd + "\"T 1\" (\"Id\" integer PRIMARY KEY, \"x\"\"y\" text);" +
           "CREATE SEQUENCE " + kOdd + "\"S q\";")
        .b("CREATE TYPE " + kOdd + "\"E n\" AS ENUM ('a');" +
           "CREATE TABLE " + kOdd + "\"T 1\" (\"Id\" bigint PRIMARY KEY, \"x\"\"y\" text NOT NULL DEFAULT 'q', \"E\" " +
           kOdd + "\"E n\" DEFAULT 'a', \"Ser\" serial);" +
           "CREATE TABLE " + kOdd + "\"T 2\" (\"Id\" integer PRIMARY KEY, \"T1\" bigint REFERENCES " + kOdd + "\"T 1\");" +
           "CREATE INDEX \"I x\" ON " + kOdd + "\"T 2\" (\"T1\");" +
           "CREATE VIEW " + kOdd + "\"V w\" AS SELECT \"Id\" FROM " + kOdd + "\"T 2\";" +
           "COMMENT ON TABLE " + kOdd + "\"T 2\" IS 'two';")
        .rows("INSERT INTO " + kOdd + "\"T 1\" VALUES (1, 'z')", /*b=*/"")
        .after_up({{"SELECT count(*) FROM " + kOdd + "\"T 1\"", "1"}})
        .up_sql("CREATE TABLE \"Odd \"\"Schema\"\"\".\"T 2\""),

    // A key is renamed on a table that an unchanged foreign key of a surviving
    // table points at: the foreign key is dropped before the key and added
    // again after (DROP CONSTRAINT fails otherwise: "other objects depend on
    // it"). Also under a unique constraint, and with rows.
    PgRow("KeyRenamedUnderAForeignKeyThatStays")
        .a("CREATE TABLE p (id integer CONSTRAINT p_old PRIMARY KEY); CREATE TABLE c (p_id integer REFERENCES p);")
        .b("CREATE TABLE p (id integer CONSTRAINT p_new PRIMARY KEY); CREATE TABLE c (p_id integer REFERENCES p);")
        .same_rows("INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);"),

    PgRow("UniqueRenamedUnderAForeignKeyThatStays")
        .a("CREATE TABLE p (id integer, k integer CONSTRAINT uq_old UNIQUE); CREATE TABLE c (k integer REFERENCES p (k));")
        .b("CREATE TABLE p (id integer, k integer CONSTRAINT uq_new UNIQUE); CREATE TABLE c (k integer REFERENCES p (k));"),

    // A referenced column changes type under a child table that stays as it is.
    PgRow("ReferencedColumnChangesTypeUnderAForeignKeyThatStays")
        .a("CREATE TABLE p (id integer PRIMARY KEY); CREATE TABLE c (p_id integer CONSTRAINT fk_c REFERENCES p);")
        .b("CREATE TABLE p (id bigint PRIMARY KEY); CREATE TABLE c (p_id integer CONSTRAINT fk_c REFERENCES p);")
        .same_rows("INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);"),

    // A column's type changes under a view whose text does not change: the
    // view is dropped and created again around ALTER COLUMN TYPE (which would
    // fail otherwise: "cannot alter type of a column used by a view or rule").
    PgRow("TypeChangeUnderAViewDropsAndRecreatesTheView")
        .a("CREATE TABLE t (id integer, v integer); CREATE VIEW w AS SELECT v FROM t;")
        .b("CREATE TABLE t (id integer, v integer); ALTER TABLE t ALTER COLUMN v TYPE bigint; CREATE VIEW w AS SELECT v FROM t;"),

    // Only a sequence's START differs: the diff sees it (an alter_sequence).
    PgRow("SequenceStartIsCompared").a("CREATE SEQUENCE s START 1;").b("CREATE SEQUENCE s START 7;"),
};

class RenderPostgresqlPair : public ::testing::TestWithParam<PgRow> {};

TEST_P(RenderPostgresqlPair, RoundTrip) {
  const Pair& p = GetParam().pair;
  ROUND_TRIP(p);
  for (const auto& e : GetParam().expect)
    EXPECT_EQ(test::render_lacks(e, e.up ? o.up : o.down, e.up ? o.up_sql : o.down_sql), "");
}

INSTANTIATE_TEST_SUITE_P(HandWritten, RenderPostgresqlPair, ::testing::ValuesIn(kPairs),
                         [](const auto& info) { return info.param.name; });

const char* const kFull = R"SQL(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE users (
  id integer GENERATED ALWAYS AS IDENTITY,
  n bigint GENERATED BY DEFAULT AS IDENTITY,
  s serial,
  email varchar(255) NOT NULL,
  name text COLLATE "C" DEFAULT 'it''s',
  balance numeric(10,2) DEFAULT 0,
  created timestamptz NOT NULL DEFAULT now(),
  token uuid DEFAULT gen_random_uuid(),
  tags text[] DEFAULT '{}',
  data jsonb,
  m mood DEFAULT 'ok',
  CONSTRAINT pk_users PRIMARY KEY (id),
  CONSTRAINT uq_users_email UNIQUE (email),
  CONSTRAINT uq_users_pair UNIQUE (name, balance),
  CONSTRAINT ck_balance CHECK (balance >= 0),
  CONSTRAINT "ck odd ""name""" CHECK (name <> '')
);
COMMENT ON TABLE users IS 'people''s table';
COMMENT ON COLUMN users.email IS 'mail';
CREATE INDEX ix_users_lower ON users (lower(email));
CREATE INDEX ix_users_partial ON users (created DESC, id) WHERE m = 'ok';
CREATE INDEX ix_users_gin ON users USING gin (data);
CREATE INDEX ix_users_hash ON users USING hash (name);
CREATE UNIQUE INDEX ux_users_token ON users (token);
)SQL";

// Not in kPairs for its check of the order: the serial's sequence first.
TEST(RenderPostgresql, CreateAndDropTableWithEverything) {
  Pair p;
  p.a = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');";
  p.b = kFull;
  ROUND_TRIP(p);
  EXPECT_TRUE(has_kind(o.up, "create_table"));
  EXPECT_TRUE(has_kind(o.up, "create_sequence"));  // the serial's
  EXPECT_TRUE(any_contains(o.up_sql, "\"id\" integer GENERATED ALWAYS AS IDENTITY NOT NULL"));
  EXPECT_TRUE(any_contains(o.up_sql, "\"n\" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL"));
  EXPECT_TRUE(any_contains(o.up_sql, "\"name\" text COLLATE \"C\" DEFAULT 'it''s'::text"));
  EXPECT_TRUE(any_contains(o.up_sql, "ALTER SEQUENCE \"users_s_seq\" OWNED BY \"users\".\"s\""));
  EXPECT_TRUE(any_contains(o.up_sql, "CONSTRAINT \"ck odd \"\"name\"\"\" CHECK"));
  EXPECT_TRUE(any_contains(o.up_sql, "USING gin"));
  EXPECT_TRUE(has_kind(o.down, "drop_table"));
  EXPECT_TRUE(has_review(o.down, "destructive: drops table users"));
  EXPECT_EQ(o.up_sql.front().rfind("CREATE SEQUENCE \"users_s_seq\" AS integer", 0), 0u) << o.up_sql.front();
}

// Added values keep their place; the way back cannot be rendered.
TEST(RenderPostgresql, EnumValuesAddedAndRefusedDrop) {
  Pair p;
  p.a = "CREATE TYPE m AS ENUM ('b', 'd'); CREATE TABLE t (id integer PRIMARY KEY, v m);";
  p.b = "CREATE TYPE m AS ENUM ('a', 'b', 'c', 'd', 'e', 'f'); CREATE TABLE t (id integer PRIMARY KEY, v m);";
  p.data_a = "INSERT INTO t VALUES (1, 'd')";
  p.after_up = {{"SELECT count(*) FROM t", "1"}};
  p.down_drops_enum_value = true;
  ROUND_TRIP(p);
  EXPECT_TRUE(any_contains(o.up_sql, "ALTER TYPE \"m\" ADD VALUE IF NOT EXISTS 'a' BEFORE 'b'"));
  EXPECT_TRUE(any_contains(o.up_sql, "ALTER TYPE \"m\" ADD VALUE IF NOT EXISTS 'c' AFTER 'b'"));
  EXPECT_TRUE(any_contains(o.up_sql, "ALTER TYPE \"m\" ADD VALUE IF NOT EXISTS 'f' AFTER 'e'"));
  EXPECT_TRUE(has_review(o.down, "PostgreSQL cannot drop an enum value"));
  try {
    pg().render_changes(schema::changes_json("postgresql", o.down));
    ADD_FAILURE() << "drop_enum_value rendered";
  } catch (const dialect::DialectError& e) {
    EXPECT_NE(std::string(e.what()).find("drop_enum_value: PostgreSQL cannot remove value 'a' from enum type m"),
              std::string::npos)
        << e.what();
  }
}

// A new value used by a later statement of the same transaction fails on
// PostgreSQL 12+ ("unsafe use of new value"); committed first, it works.
TEST(RenderPostgresql, EnumValueUsedInTheSameDocument) {
  Pair p;
  p.a = "CREATE TYPE m AS ENUM ('a'); CREATE TABLE t (id integer PRIMARY KEY, v m DEFAULT 'a');";
  p.b = "CREATE TYPE m AS ENUM ('a', 'b'); CREATE TABLE t (id integer PRIMARY KEY, v m DEFAULT 'b');";
  p.down_drops_enum_value = true;
  Outcome o = round_trip(p);
  EXPECT_NE(o.error.find("unsafe use of new value"), std::string::npos) << o.error;
  // The ADD VALUE statements come first; committed on their own, the rest runs.
  auto& c = *dbs().conns[0];
  reset(c, p);
  c.execute(p.a);
  auto& b = *dbs().conns[1];
  reset(b, p);
  b.execute(p.b);
  auto up = pg().render_changes(
      schema::changes_json("postgresql", schema::diff(schema::parse_catalog(c.introspect("{}")),
                                                      schema::parse_catalog(b.introspect("{}")))));
  ASSERT_GE(up.size(), 2u);
  ASSERT_EQ(up[0].rfind("ALTER TYPE", 0), 0u);
  EXPECT_EQ(apply_sql(c, {up[0]}), "");
  EXPECT_EQ(apply_sql(c, std::vector<std::string>(up.begin() + 1, up.end())), "");
  EXPECT_EQ(c.introspect("{}"), b.introspect("{}"));
}

TEST(RenderPostgresql, EmptyDiffRendersNothingAndBadInputIsRefused) {
  EXPECT_TRUE(pg().render_changes(R"({"format":1,"dialect":"postgresql","changes":[]})").empty());
  EXPECT_THROW(pg().render_changes("not json"), dialect::DialectError);
  EXPECT_THROW(pg().render_changes(R"({"format":2,"changes":[]})"), dialect::DialectError);
  EXPECT_THROW(pg().render_changes(R"({"format":1,"dialect":"mysql","changes":[]})"), dialect::DialectError);
  EXPECT_THROW(pg().render_changes(R"({"format":1,"changes":[{"kind":"frobnicate"}]})"), dialect::DialectError);
}

// The catalog holds triggers on SQLite only: a trigger change is an error
// naming it, never silence.
TEST(RenderPostgresql, TriggerChangesAreErrorsNamingTheTrigger) {
  schema::Change c;
  c.kind = schema::Change::Kind::CreateTrigger;
  c.table = "public.items";
  c.trigger = schema::Trigger{"items_audit", "CREATE TRIGGER items_audit ..."};
  try {
    pg().render_changes(schema::changes_json("postgresql", {c}));
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("create_trigger items_audit on public.items"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("SQLite only"), std::string::npos) << e.what();
  }
}

// Narrowing a varchar with a value too long: the upgrade fails, it never
// cuts the value (an explicit ::varchar(n) cast would; no USING to a string
// type). The round trip without such a value passes.
TEST(RenderPostgresql, NarrowingAVarcharFailsRatherThanCutting) {
  Pair p;
  p.a = "CREATE TABLE t (id integer PRIMARY KEY, handle varchar(50), n integer);";
  p.b = "CREATE TABLE t (id integer PRIMARY KEY, handle varchar(10), n varchar(3));";
  p.data_a = "INSERT INTO t VALUES (1, 'short', 7);";
  p.data_b = "INSERT INTO t VALUES (1, 'short', '7');";
  ROUND_TRIP(p);
  for (auto& st : o.up_sql) EXPECT_EQ(st.find("USING"), std::string::npos) << st;
  auto& c = *dbs().conns[0];
  reset(c, p);
  c.execute(p.a);
  c.execute("INSERT INTO t VALUES (1, 'bobby-the-long-nickname', 7)");
  EXPECT_NE(apply_sql(c, o.up_sql), "") << "a value too long must make the upgrade fail";
  EXPECT_EQ(c.query_column("SELECT handle FROM t"), std::vector<std::string>{"bobby-the-long-nickname"});
}

// ------------------------------------------------------------ random pairs
//
// The generator: random_schema_postgresql.{hpp,cpp}.

Pair pair_of(uint64_t seed) {
  const auto r = test::postgresql_random::schema_pair(seed);
  Pair p;
  p.a = r.a;
  p.b = r.b;
  p.data_a = r.data_a;
  p.data_b = r.data_b;
  p.after_up = r.after_up;
  p.after_down = r.after_down;
  p.down_drops_enum_value = r.down_drops_enum_value;
  return p;
}

TEST(RenderPostgresql, RandomSchemaPairs) {
  long pairs = 200;
  if (const char* e = std::getenv("STRATA_SCHEMA_PAIRS")) pairs = std::atol(e);
  uint64_t base = 20261130;
  bool one = false;
  if (const char* e = std::getenv("STRATA_SCHEMA_FIRST_SEED")) base = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("STRATA_SCHEMA_SEED")) base = std::strtoull(e, nullptr, 10), one = true;
  if (one) pairs = 1;
  const auto start = std::chrono::steady_clock::now();
  long failed = 0, changes = 0;
  std::set<std::string> kinds;
  for (long i = 0; i < pairs; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    Pair p = pair_of(seed);
    Outcome o = round_trip(p);
    changes += static_cast<long>(o.up.size() + o.down.size());
    for (auto& c : o.up) kinds.insert(c.kind_name());
    for (auto& c : o.down) kinds.insert(c.kind_name());
    if (!o.error.empty()) {
      ++failed;
      ADD_FAILURE() << "pair with seed " << seed << " (replay: STRATA_SCHEMA_SEED=" << seed << ")\n"
                    << o.error << "\n-- A:\n" << p.a << "\n-- B:\n" << p.b;
      if (failed >= 5) break;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string k;
  for (auto& x : kinds) k += " " + x;
  std::cout << "[ pairs    ] " << pairs << " random schema pairs, " << changes << " changes, " << failed
            << " failed, " << secs << " s; kinds:" << k << "\n";
}

}  // namespace
