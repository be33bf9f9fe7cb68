// The seeded generator of random MySQL/MariaDB schema pairs (see
// random_schema_mysql.hpp).
#include "random_schema_mysql.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace strata::test::mysql_random {

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

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
      if (c.type == id_type && c.nullable && !c.ai && !c.fk && std::find(t.pk.begin(), t.pk.end(), c.name) == t.pk.end() &&
          nullable_in_a(t, c.name))
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
        if (c.nullable && fk_in_a(t, c.name)) break;  // A's rows hold NULL in it
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
    const GSchema a = s;
    origin_ = &a;
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
                if (c->family == "int" && !c->fk && !fk_in_a(t, c->name)) {
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
    origin_ = nullptr;
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
  // Columns with a foreign key on either side hold NULL: mutate() keeps
  // them nullable on both sides (see origin_).
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
  // A while mutate() makes B of it. Each side's rows hold NULL in a column
  // with a foreign key on either side (rows()), so such a column must be
  // nullable on both, or the rows cannot go in, or a change makes it NOT
  // NULL over them: a column with a foreign key in A is not made NOT NULL
  // (nor a primary key) in B, and a foreign key of B goes on an existing
  // column only if A has it nullable. The values rows() writes otherwise
  // fit every type of the column's family and every generated CHECK, and
  // one row per table holds no duplicate for a UNIQUE key.
  const GSchema* origin_ = nullptr;

  const GCol* in_a(const GTable& t, const std::string& col) const {
    if (origin_)
      for (auto& o : origin_->tables)
        if (o.name == t.name)
          for (auto& c : o.cols)
            if (c.name == col) return &c;
    return nullptr;
  }
  bool fk_in_a(const GTable& t, const std::string& col) const {
    const GCol* c = in_a(t, col);
    return c && c->fk;
  }
  bool nullable_in_a(const GTable& t, const std::string& col) const {
    const GCol* c = in_a(t, col);
    return !c || c->nullable;
  }
};

}  // namespace

SchemaPair schema_pair(uint64_t seed) {
  Gen g(seed);
  GSchema a = g.schema();
  GSchema b = a;
  g.mutate(b);
  SchemaPair p;
  p.a = Gen::sql(a);
  p.b = Gen::sql(b);
  p.rows_a = Gen::rows(a, b);
  p.rows_b = Gen::rows(b, a);
  p.counts = Gen::counts(a, b);
  return p;
}

}  // namespace strata::test::mysql_random
