// The seeded generator of random SQLite schema pairs (see
// random_schema_sqlite.hpp).
#include "random_schema_sqlite.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace strata::test::sqlite_random {

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

struct GColumn {
  std::string name, type, default_sql;  // default_sql: as written after DEFAULT ("" none)
  bool not_null = false;
  bool nocase = false;
};
struct GKey {
  std::string name;  // "" unnamed
  std::vector<std::string> columns;
};
struct GCheck {
  std::string name, expr;
};
struct GFk {
  std::string name;
  std::vector<std::string> columns;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  std::string on_delete;
  bool deferrable = false;
};
struct GIndex {
  std::string name;
  bool unique = false;
  std::vector<std::string> elements;  // written as is
  std::string where;
};
// A trigger whose body names no column or other table, so whatever else
// the mutation does leaves it valid.
struct GTrigger {
  std::string name, event;
  int body = 1;  // SELECT <body>
};
struct GTable {
  std::string name;
  std::vector<GColumn> columns;
  GKey pk;  // no columns: none
  bool autoincrement = false;
  std::vector<GKey> uniques;
  std::vector<GCheck> checks;
  std::vector<GFk> fks;
  std::vector<GIndex> indexes;
  std::vector<GTrigger> triggers;
  const GColumn* column(const std::string& n) const {
    for (auto& c : columns)
      if (c.name == n) return &c;
    return nullptr;
  }
};
struct GView {
  std::string name, table;
  std::vector<std::string> columns;
  std::string where;
};
struct GSchema {
  std::vector<GTable> tables;
  std::vector<GView> views;
};

std::string qi(const std::string& n) { return "\"" + n + "\""; }

std::string names(const std::vector<std::string>& v) {
  std::string out;
  for (auto& n : v) out += (out.empty() ? "" : ", ") + qi(n);
  return out;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  GSchema schema() {
    GSchema s;
    const int n = pick(1, 4);
    for (int i = 0; i < n; ++i) s.tables.push_back(table(s));
    for (int i = pick(0, 2); i > 0; --i) add_view(s);
    return s;
  }

  GSchema mutate(GSchema s) {
    origin_ = s;
    for (int k = pick(1, 4); k > 0; --k) {
      switch (pick(0, 17)) {
        case 0: s.tables.push_back(table(s)); break;
        case 1: drop_table(s); break;
        case 2:
        case 3: add_column(s); break;
        case 4: drop_column(s); break;
        case 5:
        case 6: alter_column(s); break;
        case 7: change_pk(s); break;
        case 8: {
          auto& t = any_table(s);
          if (!t.uniques.empty() && chance(2)) t.uniques.erase(t.uniques.begin() + pick(0, t.uniques.size() - 1));
          else add_unique(t);
          break;
        }
        case 9: {
          auto& t = any_table(s);
          if (!t.checks.empty() && chance(2)) t.checks.erase(t.checks.begin() + pick(0, t.checks.size() - 1));
          else add_check(t);
          break;
        }
        case 10:
        case 11: {
          auto& t = any_table(s);
          if (!t.indexes.empty() && chance(2)) t.indexes.erase(t.indexes.begin() + pick(0, t.indexes.size() - 1));
          else add_index(t);
          break;
        }
        case 12:
        case 13: {
          auto& t = any_table(s);
          if (!t.fks.empty() && chance(2)) {
            auto& f = t.fks[pick(0, t.fks.size() - 1)];
            if (chance(2)) t.fks.erase(t.fks.begin() + (&f - t.fks.data()));
            else f.on_delete = action();
          } else {
            add_fk(s, t);
          }
          break;
        }
        case 14:
          if (!s.views.empty() && chance(2)) s.views.erase(s.views.begin() + pick(0, s.views.size() - 1));
          else add_view(s);
          break;
        case 15:
          if (!s.views.empty()) {
            auto& v = s.views[pick(0, s.views.size() - 1)];
            v.where = v.where.empty() ? "1 = 1" : "";
          }
          break;
        case 16: {
          auto& t = any_table(s);
          if (t.columns.size() > 1 && chance(2)) {  // a new column not at the end
            GColumn c = column(true);
            t.columns.insert(t.columns.begin() + pick(0, t.columns.size() - 1), c);
          } else {
            add_column(s);
          }
          break;
        }
        case 17: {  // a trigger added, dropped or changed
          auto& t = any_table(s);
          if (t.triggers.empty() || chance(3)) add_trigger(t);
          else if (chance(2)) t.triggers.erase(t.triggers.begin() + pick(0, t.triggers.size() - 1));
          else t.triggers[pick(0, t.triggers.size() - 1)].body += 1;
          break;
        }
      }
    }
    return s;
  }

  std::string sql(const GSchema& s) {
    std::string out;
    for (auto& t : s.tables) out += create(t);
    for (auto& v : s.views) {
      std::string cols;
      for (auto& c : v.columns) cols += (cols.empty() ? "" : ", ") + qi(c);
      out += "CREATE VIEW " + qi(v.name) + " AS SELECT " + cols + " FROM " + qi(v.table) +
             (v.where.empty() ? "" : " WHERE " + v.where) + ";\n";
    }
    return out;
  }

  // Rows for every table (values unique per row and column, never NULL, so
  // every generated UNIQUE, CHECK and NOT NULL holds in both schemas).
  std::string data(const GSchema& s) {
    std::string out;
    for (auto& t : s.tables)
      for (int r = 1; r <= 3; ++r) {
        std::string cols, vals;
        for (size_t i = 0; i < t.columns.size(); ++i) {
          cols += (i ? ", " : "") + qi(t.columns[i].name);
          vals += (i ? ", " : "") + value(t.columns[i], r);
        }
        out += "INSERT INTO " + qi(t.name) + " (" + cols + ") VALUES (" + vals + ");\n";
      }
    return out;
  }

 private:
  std::mt19937_64 rng_;
  int counter_ = 0;
  GSchema origin_;  // the schema being mutated: its tables hold rows

  // A column for a key or UNIQUE index: one that holds distinct values in
  // the rows of both schemas (not a column added to a table with rows,
  // which gets one default for every row); "" if none.
  std::string key_column(const GTable& t) {
    const GTable* old = nullptr;
    for (auto& o : origin_.tables)
      if (o.name == t.name) old = &o;
    std::vector<std::string> ok;
    for (auto& c : t.columns)
      if (!old || old->column(c.name)) ok.push_back(c.name);
    return ok.empty() ? "" : ok[pick(0, ok.size() - 1)];
  }

  // Whether `col` is a column the mutation added to a table that has rows.
  bool added(const GTable& t, const std::string& col) const {
    for (auto& o : origin_.tables)
      if (o.name == t.name) return !o.column(col);
    return false;
  }

  // Whether `col` is in the primary key of `t` or of its original.
  bool key_in_either(const GTable& t, const std::string& col) const {
    auto in = [&](const GTable& x) { return std::find(x.pk.columns.begin(), x.pk.columns.end(), col) != x.pk.columns.end(); };
    if (in(t)) return true;
    for (auto& o : origin_.tables)
      if (o.name == t.name) return in(o);
    return false;
  }

  static bool in_key(const GTable& t, const std::string& col) {
    auto in = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), col) != v.end(); };
    if (in(t.pk.columns)) return true;
    for (auto& u : t.uniques)
      if (in(u.columns)) return true;
    for (auto& ix : t.indexes)
      if (ix.unique)
        for (auto& e : ix.elements)
          if (e.find(qi(col)) != std::string::npos) return true;
    return false;
  }

  int pick(size_t lo, size_t hi) { return static_cast<int>(std::uniform_int_distribution<size_t>(lo, hi)(rng_)); }
  bool chance(int n) { return pick(0, n - 1) == 0; }
  std::string fresh(const std::string& prefix) { return prefix + std::to_string(counter_++ + 1000 * pick(0, 9)); }

  // Whether `c`'s default gives the rows a value when it is added to a
  // table that has them: NOT NULL needs one (DEFAULT NULL gives none).
  static bool fills(const GColumn& c) { return !c.default_sql.empty() && c.default_sql != "NULL"; }

  static bool integer_like(const std::string& type) {
    return type == "INTEGER" || type == "INT" || type == "BIGINT" || type == "SMALLINT";
  }
  static bool text_like(const std::string& type) { return type == "TEXT" || type == "VARCHAR(20)" || type == ""; }

  std::string value(const GColumn& c, int r) {
    const int k = static_cast<int>(std::hash<std::string>()(c.name) % 1000);
    if (integer_like(c.type) || c.type == "REAL" || c.type == "NUMERIC(10,2)") return std::to_string(r * 1000 + k);
    if (c.type == "BLOB") return "x'0" + std::to_string(r) + "'";
    return "'v" + std::to_string(r) + "_" + std::to_string(k) + "'";
  }

  std::string action() {
    static const char* a[] = {"", "CASCADE", "SET NULL", "RESTRICT", "SET DEFAULT"};
    return a[pick(0, 4)];
  }

  GColumn column(bool addable) {
    static const char* types[] = {"INTEGER", "INT", "BIGINT", "SMALLINT", "TEXT", "VARCHAR(20)", "REAL",
                                  "NUMERIC(10,2)", "BLOB", ""};
    GColumn c;
    c.name = fresh(chance(8) ? "Col " : "c");
    c.type = types[pick(0, 9)];
    if (text_like(c.type) && c.type != "" && chance(4)) c.nocase = true;
    if (chance(2)) {
      if (integer_like(c.type) || c.type == "REAL" || c.type == "NUMERIC(10,2)") {
        static const char* d[] = {"0", "-1", "(1 + 2)", "42", "1.5"};
        c.default_sql = d[pick(0, 4)];
      } else if (c.type == "BLOB") {
        c.default_sql = "x'00'";
      } else {
        static const char* d[] = {"'x'", "''", "CURRENT_TIMESTAMP", "('a' || 'b')", "NULL"};
        c.default_sql = d[pick(0, 4)];
      }
    }
    // NOT NULL only with a default where the column may be added or dropped
    // on a table with rows (data() never writes NULL).
    if (chance(3) && (!addable || !c.default_sql.empty()) && c.default_sql != "NULL") c.not_null = true;
    if (addable && c.not_null && c.default_sql.empty()) c.not_null = false;
    return c;
  }

  GTable table(const GSchema& s) {
    GTable t;
    t.name = fresh(chance(10) ? "Tab " : "t");
    const int n = pick(1, 5);
    for (int i = 0; i < n; ++i) t.columns.push_back(column(true));
    switch (pick(0, 3)) {
      case 0: break;  // no primary key
      case 1: {       // INTEGER PRIMARY KEY, maybe AUTOINCREMENT
        GColumn id;
        id.name = fresh("id");
        id.type = "INTEGER";
        t.columns.insert(t.columns.begin(), id);
        t.pk.columns = {id.name};
        t.autoincrement = chance(2);
        if (chance(2)) t.pk.name = fresh("pk_");
        break;
      }
      default: {
        t.pk.columns = {t.columns[pick(0, t.columns.size() - 1)].name};
        if (t.columns.size() > 1 && chance(2)) {
          const std::string other = t.columns[pick(0, t.columns.size() - 1)].name;
          if (other != t.pk.columns[0]) t.pk.columns.push_back(other);
        }
        if (chance(2)) t.pk.name = fresh("pk_");
      }
    }
    if (chance(3)) add_unique(t);
    if (chance(3)) add_check(t);
    for (int i = pick(0, 2); i > 0; --i) add_index(t);
    if (!s.tables.empty() && chance(2)) add_fk(s, t);
    if (chance(4)) add_trigger(t);
    return t;
  }

  GTable& any_table(GSchema& s) {
    if (s.tables.empty()) s.tables.push_back(table(s));
    return s.tables[pick(0, s.tables.size() - 1)];
  }

  std::string any_column(const GTable& t) { return t.columns[pick(0, t.columns.size() - 1)].name; }

  void add_unique(GTable& t) {
    GKey k;
    if (chance(2)) k.name = fresh("uq_");
    k.columns = {key_column(t)};
    if (k.columns[0].empty()) return;
    if (t.columns.size() > 1 && chance(3)) {
      const std::string o = any_column(t);
      if (o != k.columns[0]) k.columns.push_back(o);
    }
    for (auto& u : t.uniques)
      if (u.columns == k.columns) return;  // SQLite keeps one index per column list
    if (k.columns == t.pk.columns) return;
    t.uniques.push_back(k);
  }

  void add_check(GTable& t) {
    GCheck c;
    if (chance(2)) c.name = fresh("ck_");
    const std::string col = qi(any_column(t));
    static const char* forms[] = {"length(%) < 100", "% IS NOT NULL OR 1", "% <> 'forbidden'", "typeof(%) <> 'x'"};
    std::string f = forms[pick(0, 3)];
    f.replace(f.find('%'), 1, col);
    if (f.find('%') != std::string::npos) f.replace(f.find('%'), 1, col);
    c.expr = f;
    for (auto& x : t.checks)
      if (x.expr == c.expr && x.name.empty() && c.name.empty()) return;
    t.checks.push_back(c);
  }

  void add_index(GTable& t) {
    GIndex ix;
    ix.name = fresh("ix_");
    const int n = pick(1, 2);
    std::set<std::string> used;
    for (int i = 0; i < n; ++i) {
      const std::string col = i == 0 ? key_column(t) : any_column(t);
      if (col.empty()) return;
      if (!used.insert(col).second) continue;
      switch (pick(0, 4)) {
        case 0: ix.elements.push_back("lower(" + qi(col) + ")"); break;
        case 1: ix.elements.push_back(qi(col) + " DESC"); break;
        default: ix.elements.push_back(qi(col));
      }
    }
    ix.unique = chance(4) && ix.elements[0].rfind("lower(", 0) != 0;
    if (chance(3)) ix.where = qi(any_column(t)) + " IS NOT NULL";
    t.indexes.push_back(ix);
  }

  void add_trigger(GTable& t) {
    static const char* events[] = {"AFTER INSERT", "BEFORE DELETE", "AFTER UPDATE"};
    t.triggers.push_back({fresh(chance(8) ? "Trg " : "tr"), events[pick(0, 2)], pick(1, 9)});
  }

  void add_fk(const GSchema& s, GTable& t) {
    const auto& ref = s.tables[pick(0, s.tables.size() - 1)];
    GFk f;
    if (chance(2)) f.name = fresh("fk_");
    f.columns = {any_column(t)};
    f.ref_table = ref.name;
    if (!ref.pk.columns.empty() && ref.pk.columns.size() == 1) f.ref_columns = ref.pk.columns;
    else f.ref_columns = {any_column(ref)};
    f.on_delete = action();
    f.deferrable = chance(4);
    for (auto& x : t.fks)
      if (x.columns == f.columns && x.ref_table == f.ref_table && x.ref_columns == f.ref_columns) return;
    t.fks.push_back(f);
  }

  void add_view(GSchema& s) {
    if (s.tables.empty()) return;
    GView v;
    v.name = fresh("v");
    const auto& t = s.tables[pick(0, s.tables.size() - 1)];
    v.table = t.name;
    std::set<std::string> used;
    for (int i = pick(1, 3); i > 0; --i)
      if (auto c = any_column(t); used.insert(c).second) v.columns.push_back(c);
    if (chance(3)) v.where = qi(v.columns[0]) + " IS NOT NULL";
    s.views.push_back(v);
  }

  // Removes whatever refers to column `col` of table `t` (or, with col "", to the table).
  static void forget(GSchema& s, const std::string& table, const std::string& col) {
    auto mentions = [&](const std::string& text) { return text.find(qi(col)) != std::string::npos; };
    for (auto& t : s.tables) {
      if (t.name == table && !col.empty()) {
        auto in = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), col) != v.end(); };
        if (in(t.pk.columns)) t.pk = GKey{}, t.autoincrement = false;
        t.uniques.erase(std::remove_if(t.uniques.begin(), t.uniques.end(), [&](auto& u) { return in(u.columns); }),
                        t.uniques.end());
        t.checks.erase(std::remove_if(t.checks.begin(), t.checks.end(), [&](auto& c) { return mentions(c.expr); }),
                       t.checks.end());
        t.indexes.erase(std::remove_if(t.indexes.begin(), t.indexes.end(),
                                       [&](auto& ix) {
                                         for (auto& e : ix.elements)
                                           if (mentions(e)) return true;
                                         return mentions(ix.where);
                                       }),
                        t.indexes.end());
        t.fks.erase(std::remove_if(t.fks.begin(), t.fks.end(), [&](auto& f) { return in(f.columns); }), t.fks.end());
      }
      t.fks.erase(std::remove_if(t.fks.begin(), t.fks.end(),
                                 [&](auto& f) {
                                   return f.ref_table == table &&
                                          (col.empty() ||
                                           std::find(f.ref_columns.begin(), f.ref_columns.end(), col) !=
                                               f.ref_columns.end());
                                 }),
                  t.fks.end());
    }
    s.views.erase(std::remove_if(s.views.begin(), s.views.end(),
                                 [&](auto& v) {
                                   return v.table == table &&
                                          (col.empty() ||
                                           std::find(v.columns.begin(), v.columns.end(), col) != v.columns.end() ||
                                           mentions(v.where));
                                 }),
                  s.views.end());
  }

  void drop_table(GSchema& s) {
    if (s.tables.size() < 2) return;
    const size_t i = pick(0, s.tables.size() - 1);
    const std::string name = s.tables[i].name;
    s.tables.erase(s.tables.begin() + i);
    forget(s, name, "");
  }

  void add_column(GSchema& s) { any_table(s).columns.push_back(column(true)); }

  void drop_column(GSchema& s) {
    auto& t = any_table(s);
    if (t.columns.size() < 2) return;
    const size_t i = pick(0, t.columns.size() - 1);
    const GColumn c = t.columns[i];
    if (c.not_null && !fills(c)) return;  // the way back would need values
    if (in_key(t, c.name)) return;                      // the way back would give every row one value
    for (auto& o : origin_.tables)
      if (o.name == t.name && in_key(o, c.name)) return;
    const std::string table = t.name;
    t.columns.erase(t.columns.begin() + i);
    forget(s, table, c.name);
  }

  void alter_column(GSchema& s) {
    auto& t = any_table(s);
    auto& c = t.columns[pick(0, t.columns.size() - 1)];
    const bool in_auto_pk = t.autoincrement && t.pk.columns == std::vector<std::string>{c.name};
    switch (pick(0, 3)) {
      case 0:  // not a key column: text would not fit an INTEGER PRIMARY KEY (the rowid)
        if (!in_auto_pk && !key_in_either(t, c.name)) {
          static const char* types[] = {"INTEGER", "BIGINT", "TEXT", "VARCHAR(20)", "REAL", "NUMERIC(10,2)"};
          const std::string type = types[pick(0, 5)];
          // INT and INTEGER are one normalized type: the diff sees no change
          // (see the note at RandomSchemaPairsRoundTrip).
          if ((type == "INT" || type == "INTEGER") && (c.type == "INT" || c.type == "INTEGER")) break;
          c.type = type;
          if (!text_like(c.type)) c.nocase = false;
          if (c.default_sql == "x'00'" || c.default_sql == "CURRENT_TIMESTAMP") c.default_sql = "";
          if (c.default_sql.empty()) c.not_null = false;
        }
        break;
      case 1:
        if (c.not_null || fills(c) || !added(t, c.name)) c.not_null = !c.not_null;
        break;
      case 2:
        c.default_sql = c.default_sql.empty() ? "7" : "";
        if (c.default_sql.empty() && added(t, c.name)) c.not_null = false;  // rows would need values
        break;
      case 3:
        if (text_like(c.type) && c.type != "") c.nocase = !c.nocase;
        break;
    }
  }

  void change_pk(GSchema& s) {
    auto& t = any_table(s);
    for (auto& other : s.tables)  // foreign keys to the old key would be left dangling
      for (auto& f : other.fks)
        if (f.ref_table == t.name && f.ref_columns == t.pk.columns) return;
    if (!t.pk.columns.empty() && chance(2)) {
      t.pk = GKey{};
      t.autoincrement = false;
    } else {
      const std::string col = key_column(t);
      if (col.empty()) return;
      for (auto& o : origin_.tables)  // old values of another type may not fit an INTEGER PRIMARY KEY
        if (const GColumn* oc = o.name == t.name ? o.column(col) : nullptr; oc && oc->type != t.column(col)->type)
          return;
      t.pk = GKey{chance(2) ? fresh("pk_") : "", {col}};
      t.autoincrement = false;
      for (auto& u : t.uniques)
        if (u.columns == t.pk.columns) t.pk = GKey{};
    }
  }

  std::string create(const GTable& t) {
    std::vector<std::string> items;
    const bool inline_auto = t.autoincrement && t.pk.columns.size() == 1;
    for (auto& c : t.columns) {
      std::string d = qi(c.name);
      if (!c.type.empty()) d += " " + c.type;
      if (inline_auto && c.name == t.pk.columns[0]) {
        if (!t.pk.name.empty()) d += " CONSTRAINT " + qi(t.pk.name);
        d += " PRIMARY KEY AUTOINCREMENT";
      }
      if (c.not_null) d += " NOT NULL";
      if (!c.default_sql.empty()) d += " DEFAULT " + c.default_sql;
      if (c.nocase) d += " COLLATE NOCASE";
      items.push_back(d);
    }
    if (!t.pk.columns.empty() && !inline_auto)
      items.push_back((t.pk.name.empty() ? "" : "CONSTRAINT " + qi(t.pk.name) + " ") + "PRIMARY KEY (" +
                      names(t.pk.columns) + ")");
    for (auto& u : t.uniques)
      items.push_back((u.name.empty() ? "" : "CONSTRAINT " + qi(u.name) + " ") + "UNIQUE (" + names(u.columns) + ")");
    for (auto& c : t.checks)
      items.push_back((c.name.empty() ? "" : "CONSTRAINT " + qi(c.name) + " ") + "CHECK (" + c.expr + ")");
    for (auto& f : t.fks) {
      std::string d = (f.name.empty() ? "" : "CONSTRAINT " + qi(f.name) + " ") + "FOREIGN KEY (" + names(f.columns) +
                      ") REFERENCES " + qi(f.ref_table) + " (" + names(f.ref_columns) + ")";
      if (!f.on_delete.empty()) d += " ON DELETE " + f.on_delete;
      if (f.deferrable) d += " DEFERRABLE INITIALLY DEFERRED";
      items.push_back(d);
    }
    std::string out = "CREATE TABLE " + qi(t.name) + " (" + join(items, ", ") + ");\n";
    for (auto& ix : t.indexes)
      out += std::string(ix.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + qi(ix.name) + " ON " + qi(t.name) +
             " (" + join(ix.elements, ", ") + ")" + (ix.where.empty() ? "" : " WHERE " + ix.where) + ";\n";
    for (auto& tr : t.triggers)
      out += "CREATE TRIGGER " + qi(tr.name) + " " + tr.event + " ON " + qi(t.name) + " BEGIN SELECT " +
             std::to_string(tr.body) + "; END;\n";
    return out;
  }
};

}  // namespace

SchemaPair schema_pair(uint64_t seed) {
  Generator g(seed);
  const GSchema a = g.schema();
  const GSchema b = g.mutate(a);
  return {g.sql(a) + g.data(a), g.sql(b) + g.data(b)};
}

}  // namespace strata::test::sqlite_random
