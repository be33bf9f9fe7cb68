#include "strata/schema/diff.hpp"

#include "json_detail.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

namespace strata::schema {
namespace {

using K = Change::Kind;

// ---- equality, as the diff sees it

bool same(const Column& a, const Column& b) {
  return a.normalized_type == b.normalized_type && a.nullable == b.nullable && a.default_expr == b.default_expr &&
         a.identity == b.identity && a.autoincrement == b.autoincrement && a.collation == b.collation &&
         a.comment == b.comment;
}
bool same(const IndexColumn& a, const IndexColumn& b) {
  return a.column == b.column && a.expression == b.expression && a.descending == b.descending && a.prefix == b.prefix;
}
bool same(const Index& a, const Index& b) {
  return a.name == b.name && a.unique == b.unique && a.where == b.where && a.method == b.method &&
         std::equal(a.columns.begin(), a.columns.end(), b.columns.begin(), b.columns.end(),
                    [](auto& x, auto& y) { return same(x, y); });
}
bool same(const KeyColumns& a, const KeyColumns& b) { return a.name == b.name && a.columns == b.columns; }
bool same(const ForeignKey& a, const ForeignKey& b) {
  return std::tie(a.name, a.columns, a.ref_schema, a.ref_table, a.ref_columns, a.on_delete, a.on_update,
                  a.deferrable, a.initially_deferred) ==
         std::tie(b.name, b.columns, b.ref_schema, b.ref_table, b.ref_columns, b.on_delete, b.on_update,
                  b.deferrable, b.initially_deferred);
}
bool same(const Check& a, const Check& b) { return a.name == b.name && a.expression == b.expression; }
bool same(const Trigger& a, const Trigger& b) { return a.name == b.name && a.definition == b.definition; }

// Constraints match by name when named, else by what they constrain.
bool matches(const KeyColumns& a, const KeyColumns& b) {
  return a.name || b.name ? a.name == b.name : a.columns == b.columns;
}
bool matches(const ForeignKey& a, const ForeignKey& b) {
  return a.name || b.name ? a.name == b.name
                          : std::tie(a.columns, a.ref_schema, a.ref_table, a.ref_columns) ==
                                std::tie(b.columns, b.ref_schema, b.ref_table, b.ref_columns);
}
bool matches(const Check& a, const Check& b) { return a.name || b.name ? a.name == b.name : a.expression == b.expression; }
bool matches(const Index& a, const Index& b) { return a.name == b.name; }
bool matches(const Trigger& a, const Trigger& b) { return a.name == b.name; }

template <class T>
const T* match_in(const std::vector<T>& items, const T& x) {
  for (auto& i : items)
    if (matches(i, x)) return &i;
  return nullptr;
}

std::string ref_table_of(const ForeignKey& fk) { return fk.ref_schema ? *fk.ref_schema + "." + fk.ref_table : fk.ref_table; }

// ---- review rules

// "varchar(255)" -> {"varchar", {255}}; "numeric(12,2)" -> {"numeric", {12, 2}}.
std::pair<std::string, std::vector<long>> parse_type(const std::string& t) {
  auto open = t.find('(');
  if (open == std::string::npos || t.back() != ')') return {t, {}};
  std::vector<long> args;
  std::string inner = t.substr(open + 1, t.size() - open - 2);
  size_t pos = 0;
  while (pos <= inner.size()) {
    size_t comma = inner.find(',', pos);
    if (comma == std::string::npos) comma = inner.size();
    std::string part = inner.substr(pos, comma - pos);
    part.erase(std::remove_if(part.begin(), part.end(), [](unsigned char c) { return std::isspace(c); }), part.end());
    if (part.empty() || !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); }))
      return {t, {}};
    args.push_back(std::stol(part));
    pos = comma + 1;
  }
  return {t.substr(0, open), args};
}

int integer_rank(const std::string& base) {
  if (base == "tinyint") return 1;
  if (base == "smallint") return 2;
  if (base == "mediumint") return 3;
  if (base == "integer") return 4;
  if (base == "bigint") return 5;
  return 0;
}

bool is_text(const std::string& base) {
  return base == "text" || base == "clob" || base.find("text") != std::string::npos;
}

// MySQL's enum('a','b') -> enum('a','b','c'): values appended, none lost.
bool appends_values(const std::string& a, const std::string& b) {
  for (const char* kind : {"enum(", "set("}) {
    const std::string k = kind;
    if (a.rfind(k, 0) == 0 && b.rfind(k, 0) == 0 && a.back() == ')' && b.size() > a.size() &&
        b.compare(0, a.size() - 1, a, 0, a.size() - 1) == 0 && b[a.size() - 1] == ',')
      return true;
  }
  return false;
}

std::optional<std::string> narrowing(const Column& from, const Column& to, const std::string& dialect) {
  const std::string& a = from.normalized_type;
  const std::string& b = to.normalized_type;
  if (a == b) return std::nullopt;
  auto [abase, aargs] = parse_type(a);
  auto [bbase, bargs] = parse_type(b);
  // SQLite keeps any value whatever the declared length.
  if (dialect == "sqlite" && abase == bbase) return std::nullopt;
  if (appends_values(a, b)) return std::nullopt;
  if ((abase == "varchar" || abase == "char") && is_text(bbase)) return std::nullopt;  // widens
  const std::string says = "narrows type " + a + " -> " + b + " (values that do not fit fail or are cut)";
  if (abase == bbase && !aargs.empty() && aargs.size() == bargs.size()) {
    for (size_t i = 0; i < aargs.size(); ++i)
      if (bargs[i] < aargs[i]) return says;
    return std::nullopt;
  }
  if (abase == bbase && !aargs.empty() && bargs.empty()) return std::nullopt;  // varchar(n) -> varchar
  if (abase == bbase && aargs.empty() && !bargs.empty()) return says;           // varchar -> varchar(n)
  int ra = integer_rank(abase), rb = integer_rank(bbase);
  if (ra && rb) return rb < ra ? std::optional<std::string>(says) : std::nullopt;
  if (is_text(abase) && (bbase == "varchar" || bbase == "char")) return says;
  if (abase == "varchar" && bbase == "char") return says;
  // Any other change of type: the conversion may fail or lose data.
  return "changes type " + a + " -> " + b + " (check the conversion keeps every value)";
}

std::string columns_text(const std::vector<std::string>& cols) {
  std::string out;
  for (auto& c : cols) out += (out.empty() ? "" : ", ") + c;
  return "(" + out + ")";
}

class Differ {
 public:
  Differ(const Catalog& from, const Catalog& to) : from_(from), to_(to) {}

  std::vector<Change> run() {
    tables();
    dependent_foreign_keys();
    views();
    sequences();
    enums();
    schemas();
    std::stable_sort(out_.begin(), out_.end(), [](const Change& a, const Change& b) { return a.kind < b.kind; });
    return std::move(out_);
  }

 private:
  Change& add(K kind, const std::string& table) {
    out_.push_back({});
    out_.back().kind = kind;
    out_.back().table = table;
    return out_.back();
  }
  Change& on(K kind, const Table& before, const Table& after) {
    Change& c = add(kind, after.qualified());
    c.table_before = before;
    c.table_after = after;
    return c;
  }

  void tables() {
    std::set<std::string> dropped;
    for (auto& t : from_.tables)
      if (!to_.table(t.qualified())) dropped.insert(t.qualified());
    for (auto& t : to_.tables) {
      const Table* old = from_.table(t.qualified());
      if (!old) {
        Change& c = add(K::CreateTable, t.qualified());
        c.table_after = t;
        for (auto& fk : t.foreign_keys) {
          Change& f = add(K::AddForeignKey, t.qualified());
          f.table_after = t;
          f.foreign_key = fk;
        }
        for (auto& tr : t.triggers) {
          Change& f = add(K::CreateTrigger, t.qualified());
          f.table_after = t;
          f.trigger = tr;
        }
        continue;
      }
      table(*old, t, dropped);
    }
    for (auto& t : from_.tables) {
      if (!dropped.count(t.qualified())) continue;
      Change& c = add(K::DropTable, t.qualified());
      c.table_before = t;
      c.review.push_back("destructive: drops table " + t.qualified() + " and its rows");
      // Foreign keys of surviving tables that point at it go first.
      for (auto& other : from_.tables) {
        if (dropped.count(other.qualified())) continue;
        for (auto& fk : other.foreign_keys)
          if (ref_table_of(fk) == t.qualified() || (!fk.ref_schema && fk.ref_table == t.name)) {
            bool already = std::any_of(out_.begin(), out_.end(), [&](const Change& x) {
              return x.kind == K::DropForeignKey && x.table == other.qualified() && x.foreign_key &&
                     matches(*x.foreign_key, fk);
            });
            if (!already) {
              const Table* now = to_.table(other.qualified());
              Change& f = on(K::DropForeignKey, other, now ? *now : other);
              f.foreign_key = fk;
            }
          }
      }
    }
  }

  void table(const Table& a, const Table& b, const std::set<std::string>& dropped) {
    // Columns.
    std::vector<const Column*> added, removed;
    for (auto& col : b.columns) {
      const Column* old = a.column(col.name);
      if (!old) {
        added.push_back(&col);
        continue;
      }
      if (same(*old, col)) continue;
      Change& c = on(K::AlterColumn, a, b);
      c.column_before = *old;
      c.column_after = col;
      if (auto n = narrowing(*old, col, to_.dialect)) c.review.push_back("column " + col.name + ": " + *n);
      if (old->nullable && !col.nullable)
        c.review.push_back("column " + col.name + " becomes NOT NULL: fails while a row holds NULL");
    }
    for (auto& col : a.columns)
      if (!b.column(col.name)) removed.push_back(&col);
    for (auto* col : added) {
      Change& c = on(K::AddColumn, a, b);
      c.column_after = *col;
      if (!col->nullable && !col->default_expr && !col->identity && !col->autoincrement)
        c.review.push_back("column " + col->name + " is NOT NULL without a default: " +
                           (to_.dialect == "mysql" ? std::string("rows already there get its type's implicit default "
                                                                 "(0, '', ...)")
                                                   : std::string("fails on a table with rows")));
    }
    for (auto* col : removed) {
      Change& c = on(K::DropColumn, a, b);
      c.column_before = *col;
      c.review.push_back("destructive: drops column " + a.qualified() + "." + col->name + " and its values");
    }
    // A column that goes while one of the same type comes: perhaps a rename.
    for (auto* gone : removed)
      for (auto* come : added)
        if (gone->normalized_type == come->normalized_type) {
          const std::string q = "rename of " + gone->name + " to " + come->name + "?";
          for (auto& c : out_)
            if (c.table == b.qualified() && ((c.kind == K::DropColumn && c.column_before->name == gone->name) ||
                                             (c.kind == K::AddColumn && c.column_after->name == come->name)))
              c.review.push_back(q);
        }
    // Primary key.
    if (a.primary_key && (!b.primary_key || !same(*a.primary_key, *b.primary_key))) {
      Change& c = on(K::DropPrimaryKey, a, b);
      c.key = *a.primary_key;
    }
    if (b.primary_key && (!a.primary_key || !same(*a.primary_key, *b.primary_key))) {
      Change& c = on(K::AddPrimaryKey, a, b);
      c.key = *b.primary_key;
    }
    // A constraint added to a table that exists may meet rows that break it.
    const std::string on_rows = ": the upgrade fails if rows already in " + b.qualified() + " break it";
    constraints(a, b, a.unique_constraints, b.unique_constraints, K::DropUnique, K::AddUnique,
                [&](Change& c, const KeyColumns& k) {
                  c.key = k;
                  if (c.kind == K::AddUnique) c.review.push_back("new unique constraint" + on_rows);
                });
    constraints(a, b, a.checks, b.checks, K::DropCheck, K::AddCheck, [&](Change& c, const Check& k) {
      c.check = k;
      if (c.kind == K::AddCheck) c.review.push_back("new check " + k.expression + on_rows);
    });
    constraints(a, b, a.indexes, b.indexes, K::DropIndex, K::CreateIndex, [&](Change& c, const Index& k) {
      c.index = k;
      if (c.kind == K::CreateIndex && k.unique) c.review.push_back("new unique index " + k.name + on_rows);
    });
    constraints(a, b, a.foreign_keys, b.foreign_keys, K::DropForeignKey, K::AddForeignKey,
                [&](Change& c, const ForeignKey& k) {
                  c.foreign_key = k;
                  if (c.kind == K::AddForeignKey) c.review.push_back("new foreign key" + on_rows);
                });
    constraints(a, b, a.triggers, b.triggers, K::DropTrigger, K::CreateTrigger,
                [](Change& c, const Trigger& k) { c.trigger = k; });
    (void)dropped;
    if (a.comment != b.comment) on(K::SetTableComment, a, b);
  }

  // A foreign key that stays as it is must still be dropped before, and
  // added again after, a change to the key it references: that key (a
  // primary key, unique constraint or unique index over the referenced
  // columns) dropped or replaced (PostgreSQL: "cannot drop constraint ...
  // because other objects depend on it"; MySQL: "needed in a foreign key
  // constraint"), or a referenced column's type or collation changed
  // (MySQL: "Cannot change column used in a foreign key constraint"). What
  // changes on the referencing table itself the plugins handle where they
  // render that table (the MySQL renderer releases the keys of a column
  // whose type changes, and drops an index a key needs together with its
  // replacement). SQLite checks foreign keys only as rows change and its
  // table rebuild keeps them: nothing to do there.
  void dependent_foreign_keys() {
    if (to_.dialect == "sqlite") return;
    std::map<std::string, std::set<std::string>> touched;  // qualified table -> columns
    for (auto& c : out_) {
      auto& cols = touched[c.table];
      switch (c.kind) {
        case K::AlterColumn:
          if (c.column_before->normalized_type != c.column_after->normalized_type ||
              c.column_before->collation != c.column_after->collation)
            cols.insert(c.column_after->name);
          break;
        case K::DropIndex:
          if (c.index->unique)
            for (auto& ic : c.index->columns)
              if (ic.column) cols.insert(*ic.column);
          break;
        case K::DropUnique:
        case K::DropPrimaryKey:
          cols.insert(c.key->columns.begin(), c.key->columns.end());
          break;
        default:
          break;
      }
    }
    for (auto& t : to_.tables) {
      const Table* old = from_.table(t.qualified());
      if (!old) continue;
      for (auto& fk : old->foreign_keys) {
        const ForeignKey* now = match_in(t.foreign_keys, fk);
        if (!now || !same(*now, fk)) continue;  // it changes: dropped and added already
        const Table* ref = referenced(to_, fk, t);
        if (!ref || !from_.table(ref->qualified())) continue;  // a new table cannot be under it
        auto it = touched.find(ref->qualified());
        if (it == touched.end() || std::none_of(fk.ref_columns.begin(), fk.ref_columns.end(),
                                                [&](auto& c) { return it->second.count(c) > 0; }))
          continue;
        on(K::DropForeignKey, *old, t).foreign_key = fk;
        on(K::AddForeignKey, *old, t).foreign_key = fk;
      }
    }
  }

  // The table a foreign key of `from` points at: in its own schema unless
  // it names another.
  static const Table* referenced(const Catalog& catalog, const ForeignKey& fk, const Table& from) {
    if (fk.ref_schema) return catalog.table(*fk.ref_schema + "." + fk.ref_table);
    if (from.schema)
      if (const Table* t = catalog.table(*from.schema + "." + fk.ref_table)) return t;
    return catalog.table(fk.ref_table);
  }

  template <class T, class Set>
  void constraints(const Table& a, const Table& b, const std::vector<T>& before, const std::vector<T>& after, K drop,
                   K create, Set set) {
    for (auto& x : before) {
      const T* now = match_in(after, x);
      if (now && same(*now, x)) continue;
      set(on(drop, a, b), x);
    }
    for (auto& x : after) {
      const T* was = match_in(before, x);
      if (was && same(*was, x)) continue;
      set(on(create, a, b), x);
    }
  }

  // A view reading a table whose column changes type or goes must be
  // dropped first and created again after, even when its text is the same
  // (PostgreSQL: "cannot alter type of a column used by a view").
  bool reads_changed_table(const View& v) const {
    for (auto& c : out_) {
      if (c.kind != K::AlterColumn && c.kind != K::DropColumn) continue;
      if (c.kind == K::AlterColumn && c.column_before->normalized_type == c.column_after->normalized_type &&
          c.column_before->collation == c.column_after->collation)
        continue;
      const std::string& name = c.table_after ? c.table_after->name : c.table_before->name;
      for (size_t at = v.definition.find(name); at != std::string::npos; at = v.definition.find(name, at + 1)) {
        auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
        bool before = at > 0 && word(v.definition[at - 1]);
        bool after = at + name.size() < v.definition.size() && word(v.definition[at + name.size()]);
        if (!before && !after) return true;
      }
    }
    return false;
  }

  void views() {
    for (auto& v : from_.views) {
      auto it = std::find_if(to_.views.begin(), to_.views.end(), [&](auto& w) { return w.qualified() == v.qualified(); });
      if (it != to_.views.end() && it->definition == v.definition && !reads_changed_table(v)) continue;
      Change& c = add(K::DropView, "");
      c.view = v;
    }
    for (auto& v : to_.views) {
      auto it = std::find_if(from_.views.begin(), from_.views.end(), [&](auto& w) { return w.qualified() == v.qualified(); });
      if (it != from_.views.end() && it->definition == v.definition && !reads_changed_table(*it)) continue;
      Change& c = add(K::CreateView, "");
      c.view = v;
    }
  }

  void sequences() {
    for (auto& s : to_.sequences) {
      auto it = std::find_if(from_.sequences.begin(), from_.sequences.end(),
                             [&](auto& w) { return w.qualified() == s.qualified(); });
      if (it == from_.sequences.end()) {
        add(K::CreateSequence, "").sequence = s;
      } else if (std::tie(it->type, it->start, it->increment, it->min, it->max, it->cycle, it->owned_by) !=
                 std::tie(s.type, s.start, s.increment, s.min, s.max, s.cycle, s.owned_by)) {
        add(K::AlterSequence, "").sequence = s;
      }
    }
    for (auto& s : from_.sequences)
      if (std::none_of(to_.sequences.begin(), to_.sequences.end(), [&](auto& w) { return w.qualified() == s.qualified(); })) {
        Change& c = add(K::DropSequence, "");
        c.sequence = s;
        c.review.push_back("destructive: drops sequence " + s.qualified() + " and its position");
      }
  }

  void enums() {
    for (auto& e : to_.enums) {
      auto it = std::find_if(from_.enums.begin(), from_.enums.end(), [&](auto& w) { return w.qualified() == e.qualified(); });
      if (it == from_.enums.end()) {
        add(K::CreateEnum, "").enum_type = e;
        continue;
      }
      for (auto& v : e.values)
        if (std::find(it->values.begin(), it->values.end(), v) == it->values.end()) {
          Change& c = add(K::AddEnumValue, "");
          c.enum_type = e;
          c.enum_value = v;
        }
      for (auto& v : it->values)
        if (std::find(e.values.begin(), e.values.end(), v) == e.values.end()) {
          Change& c = add(K::DropEnum, "");
          c.enum_type = *it;
          c.enum_value = v;
          c.review.push_back("enum " + e.qualified() + " loses value '" + v +
                             "': PostgreSQL cannot drop an enum value, so no SQL is written for it and the value "
                             "stays; recreate the type by hand if it must go");
        }
    }
    for (auto& e : from_.enums)
      if (std::none_of(to_.enums.begin(), to_.enums.end(), [&](auto& w) { return w.qualified() == e.qualified(); })) {
        Change& c = add(K::DropEnum, "");
        c.enum_type = e;
        c.review.push_back("destructive: drops type " + e.qualified());
      }
  }

  void schemas() {
    auto in = [](const std::vector<std::string>& list, const std::string& name) {
      return std::find(list.begin(), list.end(), name) != list.end();
    };
    for (auto& s : to_.schemas)
      if (!in(from_.schemas, s)) add(K::CreateSchema, "").schema_name = s;
    for (auto& s : from_.schemas)
      if (!in(to_.schemas, s)) add(K::DropSchema, "").schema_name = s;
  }

  const Catalog& from_;
  const Catalog& to_;
  std::vector<Change> out_;
};

std::string util_upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string column_text(const Column& c) {
  std::string out = c.name + " " + c.normalized_type;
  if (c.collation) out += " COLLATE " + *c.collation;
  if (!c.nullable) out += " NOT NULL";
  if (c.default_expr) out += " DEFAULT " + *c.default_expr;
  if (c.identity) out += " GENERATED " + util_upper(*c.identity) + " AS IDENTITY";
  if (c.autoincrement) out += " AUTOINCREMENT";
  if (c.comment) out += " COMMENT '" + *c.comment + "'";
  return out;
}

}  // namespace

std::string Change::kind_name() const {
  switch (kind) {
    case K::DropTrigger: return "drop_trigger";
    case K::DropView: return "drop_view";
    case K::DropForeignKey: return "drop_foreign_key";
    case K::DropIndex: return "drop_index";
    case K::DropUnique: return "drop_unique";
    case K::DropCheck: return "drop_check";
    case K::DropPrimaryKey: return "drop_primary_key";
    case K::CreateEnum: return "create_enum";
    case K::AddEnumValue: return "add_enum_value";
    case K::CreateSequence: return "create_sequence";
    case K::AlterSequence: return "alter_sequence";
    case K::CreateTable: return "create_table";
    case K::AddColumn: return "add_column";
    case K::AlterColumn: return "alter_column";
    case K::DropColumn: return "drop_column";
    case K::AddPrimaryKey: return "add_primary_key";
    case K::AddUnique: return "add_unique";
    case K::AddCheck: return "add_check";
    case K::CreateIndex: return "create_index";
    case K::DropTable: return "drop_table";
    case K::AddForeignKey: return "add_foreign_key";
    case K::DropSequence: return "drop_sequence";
    case K::DropEnum: return enum_value.empty() ? "drop_enum" : "drop_enum_value";
    case K::CreateView: return "create_view";
    case K::CreateTrigger: return "create_trigger";
    case K::SetTableComment: return "set_table_comment";
    case K::CreateSchema: return "create_schema";
    case K::DropSchema: return "drop_schema";
  }
  return "?";
}

std::string Change::describe() const {
  auto name_or = [](const std::optional<std::string>& n, const std::string& what) { return n ? *n : what; };
  switch (kind) {
    case K::CreateTable: return "create table " + table;
    case K::DropTable: return "drop table " + table;
    case K::AddColumn: return "add column " + table + "." + column_text(*column_after);
    case K::DropColumn: return "drop column " + table + "." + column_before->name;
    case K::AlterColumn: return "alter column " + table + "." + column_before->name + ": " +
                                column_text(*column_before) + " -> " + column_text(*column_after);
    case K::AddPrimaryKey: return "add primary key " + table + " " + columns_text(key->columns);
    case K::DropPrimaryKey: return "drop primary key " + table + " " + columns_text(key->columns);
    case K::AddUnique: return "add unique " + name_or(key->name, "(unnamed)") + " on " + table + " " + columns_text(key->columns);
    case K::DropUnique: return "drop unique " + name_or(key->name, "(unnamed)") + " on " + table + " " + columns_text(key->columns);
    case K::AddCheck: return "add check " + name_or(check->name, "(unnamed)") + " on " + table + " " + check->expression;
    case K::DropCheck: return "drop check " + name_or(check->name, "(unnamed)") + " on " + table + " " + check->expression;
    case K::CreateIndex: return "create index " + index->name + " on " + table;
    case K::DropIndex: return "drop index " + index->name + " on " + table;
    case K::AddForeignKey: return "add foreign key " + name_or(foreign_key->name, "(unnamed)") + " on " + table + " " +
                                  columns_text(foreign_key->columns) + " -> " + ref_table_of(*foreign_key) + " " +
                                  columns_text(foreign_key->ref_columns);
    case K::DropForeignKey: return "drop foreign key " + name_or(foreign_key->name, "(unnamed)") + " on " + table + " " +
                                   columns_text(foreign_key->columns);
    case K::CreateView: return "create view " + view->qualified();
    case K::DropView: return "drop view " + view->qualified();
    case K::CreateTrigger: return "create trigger " + trigger->name + " on " + table;
    case K::DropTrigger: return "drop trigger " + trigger->name + " on " + table;
    case K::CreateSequence: return "create sequence " + sequence->qualified();
    case K::AlterSequence: return "alter sequence " + sequence->qualified();
    case K::DropSequence: return "drop sequence " + sequence->qualified();
    case K::CreateEnum: return "create type " + enum_type->qualified();
    case K::AddEnumValue: return "add value '" + enum_value + "' to type " + enum_type->qualified();
    case K::DropEnum: return enum_value.empty() ? "drop type " + enum_type->qualified()
                                                : "remove value '" + enum_value + "' from type " + enum_type->qualified();
    case K::SetTableComment: return "set comment on table " + table;
    case K::CreateSchema: return "create schema " + schema_name;
    case K::DropSchema: return "drop schema " + schema_name;
  }
  return "?";
}

std::vector<Change> diff(const Catalog& from, const Catalog& to) { return Differ(from, to).run(); }

bool may_lose_data(const Change& change) {
  for (auto& r : change.review)
    if (r.rfind("destructive", 0) == 0 || r.rfind("rename of", 0) == 0 || r.find("narrows type") != std::string::npos ||
        r.find("changes type") != std::string::npos || r.find("loses value") != std::string::npos)
      return true;
  return false;
}

std::string changes_json(const std::string& dialect, const std::vector<Change>& changes) {
  using namespace detail;
  using nlohmann::ordered_json;
  auto or_null = [](const auto& v, auto f) { return v ? f(*v) : ordered_json(nullptr); };
  ordered_json root;
  root["format"] = 1;
  root["dialect"] = dialect;
  root["changes"] = ordered_json::array();
  for (auto& c : changes) {
    const Table* t = c.table_after ? &*c.table_after : c.table_before ? &*c.table_before : nullptr;
    ordered_json j;
    j["kind"] = c.kind_name();
    j["table"] = c.table;
    j["schema"] = !c.schema_name.empty() ? ordered_json(c.schema_name) : t ? opt(t->schema) : ordered_json(nullptr);
    j["name"] = t ? ordered_json(t->name) : ordered_json(nullptr);
    j["table_before"] = or_null(c.table_before, table_json);
    j["table_after"] = or_null(c.table_after, table_json);
    j["column_before"] = or_null(c.column_before, column_json);
    j["column_after"] = or_null(c.column_after, column_json);
    j["index"] = or_null(c.index, index_json);
    j["key"] = or_null(c.key, key_json);
    j["foreign_key"] = or_null(c.foreign_key, foreign_key_json);
    j["check"] = or_null(c.check, check_json);
    j["view"] = or_null(c.view, view_json);
    j["sequence"] = or_null(c.sequence, sequence_json);
    j["enum"] = or_null(c.enum_type, enum_json);
    j["enum_value"] = c.enum_value.empty() ? ordered_json(nullptr) : ordered_json(c.enum_value);
    j["trigger"] = or_null(c.trigger, trigger_json);
    j["review"] = c.review;
    root["changes"].push_back(std::move(j));
  }
  return root.dump();
}

}  // namespace strata::schema
