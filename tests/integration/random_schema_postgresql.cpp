// The seeded generator of random PostgreSQL schema pairs (see
// random_schema_postgresql.hpp).
#include "random_schema_postgresql.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace strata::test::postgresql_random {

namespace {

// A model of a schema, written as SQL, with rows that fit it; B is A
// mutated. Rules that keep the pairs applicable with rows in them (each a
// limit of the data, or of the diff, listed in the report):
//  - every table has "id integer" as its first column, in its primary key;
//    foreign keys are integer columns "r_<table>" pointing at an older
//    table's id, only between tables that exist on both sides;
//  - types change only within a family whose values cast both ways
//    (integers/numerics/floats; text/varchar/char);
//  - a column added NOT NULL has a default; rows have no NULLs;
//  - only the last column of a table is dropped or renamed: ADD COLUMN
//    appends, so a column dropped from the middle comes back at the end;
//    and none under a unique constraint (it comes back with one value in
//    every row);
//  - more generally, no UNIQUE key over a column one side adds to rows
//    with a default: every row would get that one value (see
//    drop_one_value_keys);
//  - a view's columns are "id" only.

struct GCol {
  std::string name, type, family;  // family: int, text, bool, json, uuid, time, arr, enum:<name>, ref, id
  bool nullable = true;
  std::string dflt;        // SQL or ""
  std::string identity;    // "", "ALWAYS", "BY DEFAULT"
  bool serial = false;
  std::string collation;   // "", "C", "POSIX"
  std::string comment;     // "" = none
};
struct GFk {
  std::string name, col, target, on_delete;
  bool deferrable = false, deferred = false;
};
struct GTable {
  std::string name;
  std::vector<GCol> cols;
  std::string pk_name;  // "" = no primary key
  std::vector<std::pair<std::string, std::vector<std::string>>> uniques;
  std::vector<std::pair<std::string, std::string>> checks;  // name, expression
  std::vector<std::pair<std::string, std::string>> indexes;  // name, "CREATE ... ON %T ..." body after ON table
  std::vector<GFk> fks;
  std::string comment;
  bool in_a = true;  // exists in A (so has rows on both sides when it survives)
};
struct GSeq {
  std::string name, type;
  int64_t inc = 1, max = 0;  // max 0: the type's default
  bool cycle = false;
  std::string owned;  // "table" (owned by its id) or ""
};
struct GView {
  std::string name, table;
  int k = 0;
};
struct GModel {
  std::vector<std::pair<std::string, std::vector<std::string>>> enums;
  std::vector<GSeq> seqs;
  std::vector<GTable> tables;
  std::vector<GView> views;
  int counter = 0;
};

std::string q(const std::string& id) { return "\"" + id + "\""; }

std::string sql_of(const GModel& m) {
  std::ostringstream s;
  for (auto& [name, values] : m.enums) {
    s << "CREATE TYPE " << q(name) << " AS ENUM (";
    for (size_t i = 0; i < values.size(); ++i) s << (i ? ", " : "") << "'" << values[i] << "'";
    s << ");\n";
  }
  for (auto& sq : m.seqs) {
    s << "CREATE SEQUENCE " << q(sq.name) << " AS " << sq.type << " INCREMENT " << sq.inc;
    if (sq.max) s << " MAXVALUE " << sq.max;
    s << (sq.cycle ? " CYCLE" : "") << ";\n";
  }
  for (auto& t : m.tables) {
    s << "CREATE TABLE " << q(t.name) << " (";
    bool first = true;
    for (auto& c : t.cols) {
      s << (first ? "" : ", ") << q(c.name) << " " << (c.serial ? (c.type == "bigint" ? "bigserial" : "serial") : c.type);
      first = false;
      if (!c.collation.empty()) s << " COLLATE " << q(c.collation);
      if (!c.identity.empty()) s << " GENERATED " << c.identity << " AS IDENTITY";
      if (!c.dflt.empty()) s << " DEFAULT " << c.dflt;
      if (!c.nullable) s << " NOT NULL";
    }
    if (!t.pk_name.empty()) s << ", CONSTRAINT " << q(t.pk_name) << " PRIMARY KEY (id)";
    for (auto& [n, cols] : t.uniques) {
      s << ", CONSTRAINT " << q(n) << " UNIQUE (";
      for (size_t i = 0; i < cols.size(); ++i) s << (i ? ", " : "") << q(cols[i]);
      s << ")";
    }
    for (auto& [n, e] : t.checks) s << ", CONSTRAINT " << q(n) << " CHECK (" << e << ")";
    s << ");\n";
    for (auto& [n, body] : t.indexes) {
      std::string b = body;
      b.replace(b.find("%T"), 2, q(t.name));
      s << b << ";\n";
    }
    if (!t.comment.empty()) s << "COMMENT ON TABLE " << q(t.name) << " IS '" << t.comment << "';\n";
    for (auto& c : t.cols)
      if (!c.comment.empty()) s << "COMMENT ON COLUMN " << q(t.name) << "." << q(c.name) << " IS '" << c.comment << "';\n";
  }
  for (auto& t : m.tables)
    for (auto& f : t.fks) {
      s << "ALTER TABLE " << q(t.name) << " ADD CONSTRAINT " << q(f.name) << " FOREIGN KEY (" << q(f.col)
        << ") REFERENCES " << q(f.target) << " (id)";
      if (!f.on_delete.empty()) s << " ON DELETE " << f.on_delete;
      if (f.deferrable) s << (f.deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
      s << ";\n";
    }
  for (auto& sq : m.seqs)
    if (!sq.owned.empty()) s << "ALTER SEQUENCE " << q(sq.name) << " OWNED BY " << q(sq.owned) << ".id;\n";
  for (auto& v : m.views)
    s << "CREATE VIEW " << q(v.name) << " AS SELECT id FROM " << q(v.table) << " WHERE id > " << v.k << ";\n";
  return s.str();
}

const std::vector<std::string> kInt = {"smallint", "integer", "bigint", "numeric(10,2)", "numeric(12,4)", "real",
                                       "double precision"};
const std::vector<std::string> kText = {"text", "varchar(20)", "varchar(40)", "char(8)"};

std::string value_of(const GModel& m, const GCol& c, int row) {
  const std::string n = std::to_string(row);
  if (c.family == "id" || c.family == "int" || c.family == "ref") return n;
  if (c.family == "text") return "'v" + n + "'";
  if (c.family == "bool") return row % 2 ? "true" : "false";
  if (c.family == "json") return "'{\"k\": " + n + "}'";
  if (c.family == "uuid") return "'00000000-0000-0000-0000-00000000000" + n + "'";
  if (c.family == "time") return "'2024-01-0" + n + " 10:00:00+00'";
  if (c.family == "arr") return "'{" + n + "}'";
  if (c.family.rfind("enum:", 0) == 0) {
    for (auto& [name, values] : m.enums)
      if (name == c.family.substr(5)) return "'" + values[0] + "'";
  }
  return "NULL";
}

// Three rows per table that existed in A (tables only in B stay empty on
// A's side, so they do on B's), in table order (foreign keys point back).
std::string data_of(const GModel& m) {
  std::ostringstream s;
  for (auto& t : m.tables) {
    if (!t.in_a) continue;
    std::string cols;
    for (auto& c : t.cols)
      if (c.identity.empty() && !c.serial) cols += (cols.empty() ? "" : ", ") + q(c.name);
    for (int row = 1; row <= 3; ++row) {
      std::string vals;
      for (auto& c : t.cols)
        if (c.identity.empty() && !c.serial) vals += (vals.empty() ? "" : ", ") + value_of(m, c, row);
      s << "INSERT INTO " << q(t.name) << " (" << cols << ") VALUES (" << vals << ");\n";
    }
  }
  return s.str();
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  template <class T>
  const T& one(const std::vector<T>& v) { return v[pick(static_cast<int>(v.size()))]; }
  std::string id(GModel& m, const std::string& prefix) { return prefix + std::to_string(++m.counter); }

  GCol column(GModel& m, bool allow_not_null_without_default) {
    GCol c;
    c.name = id(m, "c");
    int kind = pick(12);
    if (kind < 4) {
      c.family = "int";
      c.type = one(kInt);
    } else if (kind < 7) {
      c.family = "text";
      c.type = one(kText);
      if (chance(20)) c.collation = chance(50) ? "C" : "POSIX";
    } else if (kind == 7) {
      c.family = "bool", c.type = "boolean";
    } else if (kind == 8) {
      c.family = "json", c.type = "jsonb";
    } else if (kind == 9) {
      c.family = "uuid", c.type = "uuid";
    } else if (kind == 10) {
      c.family = chance(50) ? "time" : "arr";
      c.type = c.family == "time" ? "timestamptz" : (chance(50) ? "integer[]" : "text[]");
    } else if (!m.enums.empty()) {
      auto& e = one(m.enums);
      c.family = "enum:" + e.first;
      c.type = q(e.first);
    } else {
      c.family = "int", c.type = "integer";
    }
    if (chance(30)) c.dflt = default_of(m, c);
    c.nullable = chance(60) || (!allow_not_null_without_default && c.dflt.empty());
    if (!c.nullable && !allow_not_null_without_default && c.dflt.empty()) c.nullable = true;
    if (c.family == "int" && (c.type == "integer" || c.type == "bigint") && chance(10)) {
      if (chance(50)) {
        c.identity = chance(50) ? "ALWAYS" : "BY DEFAULT";
        c.dflt.clear();
        c.nullable = false;
      } else {
        c.serial = true;
        c.dflt.clear();
        c.nullable = false;
      }
    }
    if (chance(10)) c.comment = chance(50) ? "note" : "it''s";
    return c;
  }

  std::string default_of(const GModel& m, const GCol& c) {
    if (c.family == "int") return std::to_string(pick(10));
    if (c.family == "text") return chance(50) ? "'d'" : "'it''s'";
    if (c.family == "bool") return "true";
    if (c.family == "json") return "'{}'";
    if (c.family == "uuid") return "gen_random_uuid()";
    if (c.family == "time") return "now()";
    if (c.family == "arr") return "'{}'";
    if (c.family.rfind("enum:", 0) == 0)
      for (auto& [name, values] : m.enums)
        if (name == c.family.substr(5)) return "'" + values[0] + "'";
    return "";
  }

  void add_index(GModel& m, GTable& t) {
    std::vector<const GCol*> plain;
    for (auto& c : t.cols)
      if (c.family == "int" || c.family == "text" || c.family == "time" || c.family == "id") plain.push_back(&c);
    const std::string name = id(m, "ix_" + t.name + "_");
    const GCol& c = *one(plain);
    std::string body;
    switch (pick(6)) {
      case 0: body = "CREATE INDEX " + q(name) + " ON %T (" + q(c.name) + ")"; break;
      case 1: body = "CREATE INDEX " + q(name) + " ON %T (" + q(c.name) + " DESC, id)"; break;
      case 2: body = "CREATE INDEX " + q(name) + " ON %T (" + q(c.name) + ") WHERE " + q(c.name) + " IS NOT NULL"; break;
      case 3: body = "CREATE UNIQUE INDEX " + q(name) + " ON %T (id, " + q(c.name) + ")"; break;
      case 4: body = "CREATE INDEX " + q(name) + " ON %T USING hash (" + q(c.name) + ")"; break;
      default: body = "CREATE INDEX " + q(name) + " ON %T ((id + 1), " + q(c.name) + ")"; break;
    }
    if (c.family == "text" && chance(40)) body = "CREATE INDEX " + q(name) + " ON %T (lower(" + q(c.name) + "))";
    for (auto& cc : t.cols)
      if (cc.family == "json" && chance(30)) body = "CREATE INDEX " + q(name) + " ON %T USING gin (" + q(cc.name) + ")";
    t.indexes.push_back({name, body});
  }

  void add_unique(GModel& m, GTable& t) {
    std::vector<std::string> cands;
    for (auto& c : t.cols)
      if ((c.family == "int" && c.type != "real" && c.type != "double precision") || c.family == "text") cands.push_back(c.name);
    if (cands.empty()) return;
    std::vector<std::string> cols = {one(cands)};
    if (chance(30)) cols.insert(cols.begin(), "id");
    t.uniques.push_back({id(m, "uq_" + t.name + "_"), cols});
  }

  void add_check(GModel& m, GTable& t) {
    std::vector<const GCol*> cands;
    for (auto& c : t.cols)
      if (c.family == "int" || c.family == "text" || c.family == "id") cands.push_back(&c);
    const GCol& c = *one(cands);
    std::string e = c.family == "text" ? "length(" + q(c.name) + ") < 30" : q(c.name) + " >= 0";
    if (chance(20)) e = q(c.name) + " IS NOT NULL OR id > 0";
    t.checks.push_back({id(m, "ck_" + t.name + "_"), e});
  }

  void add_fk(GModel& m, GTable& t, size_t index) {
    std::vector<std::string> targets;
    for (size_t i = 0; i < index && i < m.tables.size(); ++i)
      if (!m.tables[i].pk_name.empty() && m.tables[i].in_a == t.in_a) targets.push_back(m.tables[i].name);
    if (targets.empty()) return;
    GFk f;
    f.target = one(targets);
    f.col = id(m, "r_");
    f.name = id(m, "fk_" + t.name + "_");
    f.on_delete = one(std::vector<std::string>{"", "CASCADE", "SET NULL", "RESTRICT"});
    f.deferrable = chance(30);
    f.deferred = f.deferrable && chance(50);
    GCol c;
    c.name = f.col;
    c.type = "integer";
    c.family = "ref";
    t.cols.push_back(c);
    t.fks.push_back(f);
  }

  GTable table(GModel& m, bool in_a) {
    GTable t;
    t.name = id(m, "t");
    t.in_a = in_a;
    GCol idc;
    idc.name = "id";
    idc.type = "integer";
    idc.family = "id";
    idc.nullable = false;
    t.cols.push_back(idc);
    int n = 1 + pick(6);
    for (int i = 0; i < n; ++i) t.cols.push_back(column(m, false));
    t.pk_name = chance(50) ? t.name + "_pkey" : "pk_" + t.name;
    int k = pick(3);
    for (int i = 0; i < k; ++i) add_unique(m, t);
    k = pick(3);
    for (int i = 0; i < k; ++i) add_check(m, t);
    k = pick(4);
    for (int i = 0; i < k; ++i) add_index(m, t);
    if (chance(20)) t.comment = "table note";
    return t;
  }

  GModel model() {
    GModel m;
    int e = pick(3);
    for (int i = 0; i < e; ++i) m.enums.push_back({id(m, "e"), {"a", "b", "c"}});
    int s = pick(3);
    for (int i = 0; i < s; ++i) m.seqs.push_back(sequence(m));
    int n = 1 + pick(4);
    for (int i = 0; i < n; ++i) {
      m.tables.push_back(table(m, true));
      if (i > 0 && chance(50)) add_fk(m, m.tables.back(), m.tables.size() - 1);
    }
    int v = pick(3);
    for (int i = 0; i < v; ++i) m.views.push_back({id(m, "v"), one(m.tables).name, pick(5)});
    if (!m.seqs.empty() && chance(30)) m.seqs[0].owned = one(m.tables).name;
    return m;
  }

  GSeq sequence(GModel& m) {
    GSeq s;
    s.name = id(m, "s");
    s.type = one(std::vector<std::string>{"integer", "bigint", "smallint"});
    s.inc = 1 + pick(5);
    s.max = chance(50) ? 0 : 1000 + pick(1000);
    s.cycle = chance(30);
    return s;
  }

  bool referenced(const GModel& m, const std::string& table) {
    for (auto& t : m.tables)
      for (auto& f : t.fks)
        if (f.target == table) return true;
    return false;
  }

  // One random change of B.
  void mutate(GModel& m) {
    if (m.tables.empty()) {
      m.tables.push_back(table(m, false));
      return;
    }
    GTable& t = m.tables[pick(static_cast<int>(m.tables.size()))];
    switch (pick(22)) {
      case 0: {  // add column
        GCol c = column(m, false);
        t.cols.push_back(c);
        break;
      }
      case 1:
      case 2: {  // drop column (and what uses it)
        // The last column only: ADD COLUMN appends, so the way back puts
        // a column dropped from the middle at the end (see the report).
        if (t.cols.back().family == "id" || t.cols.back().family == "ref") break;
        const std::string name = t.cols.back().name;
        // Nor one under a unique constraint: on the way back it returns
        // with one value (its default or NULL) in every row.
        bool unique = false;
        for (auto& u : t.uniques) unique |= std::count(u.second.begin(), u.second.end(), name) > 0;
        if (unique) break;
        t.cols.erase(std::remove_if(t.cols.begin(), t.cols.end(), [&](auto& c) { return c.name == name; }), t.cols.end());
        auto uses = [&](const std::string& text) { return text.find(q(name)) != std::string::npos; };
        t.uniques.erase(std::remove_if(t.uniques.begin(), t.uniques.end(),
                                       [&](auto& u) { return std::count(u.second.begin(), u.second.end(), name) > 0; }),
                        t.uniques.end());
        t.checks.erase(std::remove_if(t.checks.begin(), t.checks.end(), [&](auto& c) { return uses(c.second); }), t.checks.end());
        t.indexes.erase(std::remove_if(t.indexes.begin(), t.indexes.end(), [&](auto& c) { return uses(c.second); }),
                        t.indexes.end());
        break;
      }
      case 3:
      case 4: {  // change type within the family
        std::vector<GCol*> cands;
        for (auto& c : t.cols)
          if ((c.family == "int" || c.family == "text") && c.identity.empty() && !c.serial) cands.push_back(&c);
        if (cands.empty()) break;
        GCol& c = *one(cands);
        c.type = one(c.family == "int" ? kInt : kText);
        break;
      }
      case 5: {  // nullability
        GCol& c = t.cols[pick(static_cast<int>(t.cols.size()))];
        if (c.family == "id" || !c.identity.empty() || c.serial) break;
        c.nullable = !c.nullable;
        break;
      }
      case 6: {  // default
        GCol& c = t.cols[pick(static_cast<int>(t.cols.size()))];
        if (c.family == "id" || c.family == "ref" || !c.identity.empty() || c.serial) break;
        c.dflt = c.dflt.empty() || chance(50) ? default_of(m, c) : "";
        break;
      }
      case 7: {  // identity on / off / kind
        std::vector<GCol*> cands;
        for (auto& c : t.cols)
          if (c.family == "int" && (c.type == "integer" || c.type == "bigint" || c.type == "smallint") && !c.serial)
            cands.push_back(&c);
        if (cands.empty()) break;
        GCol& c = *one(cands);
        if (c.identity.empty()) {
          c.identity = chance(50) ? "ALWAYS" : "BY DEFAULT";
          c.dflt.clear();
          c.nullable = false;
        } else if (chance(50)) {
          c.identity = c.identity == "ALWAYS" ? "BY DEFAULT" : "ALWAYS";
        } else {
          c.identity.clear();
        }
        break;
      }
      case 8: {  // collation
        std::vector<GCol*> cands;
        for (auto& c : t.cols)
          if (c.family == "text") cands.push_back(&c);
        if (cands.empty()) break;
        GCol& c = *one(cands);
        c.collation = c.collation.empty() ? (chance(50) ? "C" : "POSIX") : (chance(50) ? "" : c.collation == "C" ? "POSIX" : "C");
        break;
      }
      case 9:  // comments
        if (chance(50)) {
          t.comment = t.comment.empty() ? "changed" : "";
        } else {
          GCol& c = t.cols[pick(static_cast<int>(t.cols.size()))];
          c.comment = c.comment.empty() ? "col note" : chance(50) ? "" : "other";
        }
        break;
      case 10:  // uniques
        if (!t.uniques.empty() && chance(50)) t.uniques.erase(t.uniques.begin() + pick(static_cast<int>(t.uniques.size())));
        else add_unique(m, t);
        break;
      case 11:  // checks
        if (!t.checks.empty() && chance(50)) t.checks.erase(t.checks.begin() + pick(static_cast<int>(t.checks.size())));
        else add_check(m, t);
        break;
      case 12:  // indexes
        if (!t.indexes.empty() && chance(50)) t.indexes.erase(t.indexes.begin() + pick(static_cast<int>(t.indexes.size())));
        else add_index(m, t);
        break;
      case 13: {  // foreign keys
        if (!t.fks.empty() && chance(60)) {
          GFk& f = t.fks[pick(static_cast<int>(t.fks.size()))];
          if (chance(50)) f.on_delete = one(std::vector<std::string>{"", "CASCADE", "SET NULL", "RESTRICT"});
          else f.deferrable = !f.deferrable, f.deferred = f.deferrable && chance(50);
        } else {
          size_t index = static_cast<size_t>(&t - &m.tables[0]);
          if (t.in_a) add_fk(m, t, index);
        }
        break;
      }
      case 14:  // primary key name (also under foreign keys: they are dropped and added again)
        if (!t.pk_name.empty())
          t.pk_name = t.pk_name == "pk_" + t.name ? t.name + "_pkey" : "pk_" + t.name;
        break;
      case 15: {  // add table
        m.tables.push_back(table(m, false));
        if (chance(50)) add_fk(m, m.tables.back(), m.tables.size() - 1);
        break;
      }
      case 16: {  // drop a table nothing points at (and its views and owned sequences)
        if (referenced(m, t.name)) break;
        const std::string name = t.name;
        m.views.erase(std::remove_if(m.views.begin(), m.views.end(), [&](auto& v) { return v.table == name; }), m.views.end());
        for (auto& s : m.seqs)
          if (s.owned == name) s.owned.clear();
        m.tables.erase(std::remove_if(m.tables.begin(), m.tables.end(), [&](auto& x) { return x.name == name; }),
                       m.tables.end());
        break;
      }
      case 17:  // views
        if (!m.views.empty() && chance(60)) {
          if (chance(50)) m.views.erase(m.views.begin() + pick(static_cast<int>(m.views.size())));
          else m.views[pick(static_cast<int>(m.views.size()))].k += 1;
        } else {
          m.views.push_back({id(m, "v"), t.name, pick(5)});
        }
        break;
      case 18:  // sequences
        if (!m.seqs.empty() && chance(70)) {
          GSeq& s = m.seqs[pick(static_cast<int>(m.seqs.size()))];
          switch (pick(5)) {
            case 0: s.inc += 1; break;
            case 1: s.cycle = !s.cycle; break;
            case 2: s.max = s.max ? 0 : 5000; break;
            case 3: s.type = s.type == "bigint" ? "integer" : "bigint"; break;
            default: s.owned = s.owned.empty() ? t.name : ""; break;
          }
        } else if (!m.seqs.empty() && chance(30)) {
          m.seqs.erase(m.seqs.begin() + pick(static_cast<int>(m.seqs.size())));
        } else {
          m.seqs.push_back(sequence(m));
        }
        break;
      case 19: {  // enums: a new one, or an unused one goes
        if (!m.enums.empty() && chance(50)) {
          const std::string name = m.enums.back().first;
          bool used = false;
          for (auto& tt : m.tables)
            for (auto& c : tt.cols)
              if (c.family == "enum:" + name) used = true;
          if (!used) m.enums.pop_back();
        } else {
          m.enums.push_back({id(m, "e"), {"x", "y"}});
        }
        break;
      }
      case 20:  // an enum value added (the way back cannot be rendered)
        if (!m.enums.empty() && chance(30)) {
          auto& e = m.enums[pick(static_cast<int>(m.enums.size()))];
          e.second.insert(e.second.begin() + 1 + pick(static_cast<int>(e.second.size())), id(m, "n"));
        }
        break;
      default: {  // a column renamed (drop + add of the same type, flagged)
        GCol& c = t.cols.back();  // the last column only (see dropping)
        if (c.family != "int" && c.family != "text" && c.family != "bool") break;
        if (!c.identity.empty() || c.serial) break;
        // Added back NOT NULL without a default, it fails on rows (flagged).
        if (!c.nullable && c.dflt.empty()) break;
        bool used = false;
        for (auto& u : t.uniques) used |= std::count(u.second.begin(), u.second.end(), c.name) > 0;
        for (auto& x : t.checks) used |= x.second.find(q(c.name)) != std::string::npos;
        for (auto& x : t.indexes) used |= x.second.find(q(c.name)) != std::string::npos;
        if (!used) c.name = id(m, "c");
        break;
      }
    }
  }

 private:
  std::mt19937_64 rng_;
};

// Leaves out of `to` its UNIQUE keys that the change from `from` would add
// over duplicates: a key without id whose column `from`'s table lacks, so
// that the change adds the column to `from`'s rows with its default, one
// value in every row. (With no default the rows hold NULL, never a
// duplicate; identity and serial columns number them.) Such a key comes
// from B adding a column and a key on it, or from B dropping a column of
// A after dropping A's key on it (the way back adds both).
void drop_one_value_keys(GTable& to, const GTable& from) {
  auto one_value = [&](const std::string& name) {
    if (std::any_of(from.cols.begin(), from.cols.end(), [&](auto& c) { return c.name == name; })) return false;
    for (auto& c : to.cols)
      if (c.name == name) return !c.dflt.empty() && c.identity.empty() && !c.serial;
    return false;
  };
  to.uniques.erase(std::remove_if(to.uniques.begin(), to.uniques.end(),
                                  [&](auto& u) {
                                    return std::count(u.second.begin(), u.second.end(), "id") == 0 &&
                                           std::any_of(u.second.begin(), u.second.end(), one_value);
                                  }),
                   to.uniques.end());
}

bool enum_value_added(const GModel& a, const GModel& b) {
  for (auto& [name, values] : a.enums)
    for (auto& [name2, values2] : b.enums)
      if (name == name2 && values != values2) return true;
  return false;
}

}  // namespace

SchemaPair schema_pair(uint64_t seed) {
  Gen g(seed);
  GModel a = g.model();
  GModel b = a;
  for (auto& t : b.tables) t.in_a = true;
  int n = 1 + g.pick(6);
  for (int i = 0; i < n; ++i) g.mutate(b);
  // A column B adds to a table of A gets rows: NOT NULL needs a default
  // (the diff flags the other case; NotNullColumnWithoutDefault covers it).
  for (auto& t : b.tables)
    for (auto& c : t.cols) {
      const GTable* old = nullptr;
      for (auto& x : a.tables)
        if (x.name == t.name) old = &x;
      if (!old) continue;
      bool existed = std::any_of(old->cols.begin(), old->cols.end(), [&](auto& x) { return x.name == c.name; });
      if (!existed && !c.nullable && c.dflt.empty() && c.identity.empty() && !c.serial) c.nullable = true;
    }
  // Both ways' rows hold every UNIQUE key.
  for (auto& t : b.tables)
    for (auto& x : a.tables)
      if (x.name == t.name) {
        drop_one_value_keys(t, x);
        drop_one_value_keys(x, t);
      }
  SchemaPair p;
  p.a = sql_of(a);
  p.b = sql_of(b);
  // Rows: A's tables on A's side; on B's side the tables B shares with A
  // (those B adds stay empty, as they are on A's side after the upgrade).
  p.data_a = data_of(a);
  p.data_b = data_of(b);
  for (auto& t : b.tables) {
    bool shared = false;
    for (auto& x : a.tables) shared |= x.name == t.name;
    if (shared) {
      p.after_up.push_back({"SELECT count(*) FROM " + q(t.name), "3"});
      p.after_down.push_back({"SELECT count(*) FROM " + q(t.name), "3"});
    }
  }
  p.down_drops_enum_value = enum_value_added(a, b);
  return p;
}

}  // namespace strata::test::postgresql_random
