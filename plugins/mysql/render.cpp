// ABI 1.2 render_changes for MySQL/MariaDB: the changes document of the
// schema diff (strata/schema/diff.hpp, changes_json) in, DDL out. This file
// orders the changes and follows the tables' state; ddl_clauses.cpp writes
// the SQL of each piece, alter_statements.cpp puts clauses together.
//
// Rendering rules:
//  - Identifiers are always quoted with backticks (a backtick doubled);
//    string literals (comments) with single quotes, ' and \ escaped.
//  - A column is "`name` TYPE [COLLATE c] NULL|NOT NULL [DEFAULT d]
//    [AUTO_INCREMENT] [COMMENT '...'] [CHECK (e)]...": TYPE is the catalog's
//    "type" (COLUMN_TYPE, usable as is); the default as MariaDB reports it:
//    quoted literals, numbers, NULL and current_timestamp() as they are, any
//    other expression in parentheses, the "on update ..." suffix the
//    introspection appends kept as ON UPDATE.
//  - Column-level CHECKs (the catalog's unnamed checks: MariaDB keeps them
//    with their column, ALTER TABLE DROP CONSTRAINT cannot reach them) are
//    written in their column's definition; the column is the one the
//    expression names. MODIFY COLUMN replaces them, so adding or dropping
//    one is a MODIFY COLUMN of its column with the checks it keeps.
//  - create_table: one CREATE TABLE with columns, PRIMARY KEY, UNIQUE KEYs,
//    KEYs (FULLTEXT/SPATIAL by method, USING HASH, prefix lengths, DESC),
//    named CHECKs and COMMENT; its foreign keys follow as add_foreign_key.
//  - add_column: ALTER TABLE ADD COLUMN ... FIRST | AFTER `previous` (the
//    position it has in table_after); alter_column: MODIFY COLUMN with the
//    whole definition; drop_column: DROP COLUMN.
//  - Keys: ADD/DROP PRIMARY KEY, ADD UNIQUE KEY / DROP INDEX, ADD INDEX /
//    DROP INDEX, ADD CONSTRAINT ... CHECK / DROP CONSTRAINT, ADD
//    CONSTRAINT ... FOREIGN KEY ... ON DELETE/ON UPDATE (null, NO ACTION, is
//    written: left out, MariaDB would report RESTRICT) / DROP FOREIGN KEY.
//  - The renderer follows the tables' state change by change, so that
//    MySQL's rules hold between statements:
//      * an index a surviving foreign key needs (its only index whose
//        leading columns are the key's: "needed in a foreign key
//        constraint") is dropped in the same ALTER TABLE as the key that
//        replaces it, not before;
//      * an AUTO_INCREMENT column must be a key's first column: a column
//        added or made AUTO_INCREMENT gets its key in the same ALTER TABLE;
//        dropping a primary key that holds one either loses the
//        AUTO_INCREMENT first (a MODIFY) or adds the new key in the same
//        statement;
//      * tables dropped together first lose the foreign keys between them
//        (MySQL refuses to drop a parent table before its child);
//      * a column whose type or collation changes loses the foreign keys
//        that use it, on either side, before its MODIFY ("used in a foreign
//        key constraint"); they are added back with the foreign keys. Only
//        the tables the changes name are known here: a foreign key of an
//        unchanged table still blocks the MODIFY (the server says so);
//      * a foreign key added where only an index of exactly its columns
//        serves drops and re-adds that index in the same ALTER TABLE:
//        MariaDB would otherwise replace an index it made for an earlier
//        foreign key by a new one named like the constraint.
//  - views: CREATE VIEW ... AS definition / DROP VIEW; set_table_comment:
//    ALTER TABLE ... COMMENT = '...'.
//  - One ALTER TABLE per table and phase: MySQL commits each statement, so
//    an upgrade failing half-way leaves what ran before; one ALTER TABLE
//    either runs whole or not at all (MariaDB 10.6+/InnoDB), and rebuilds
//    the table once. So:
//      * in the diff's table-work phase (drop_index to create_index,
//        between the foreign keys going and coming) each table's changes
//        are rendered together, in the diff's order, tables in the order
//        they first come (rendering_order); the phases stay as they are;
//      * a change's clauses join the ALTER TABLE just before them when it is
//        the same table's and the server takes them in one statement with
//        the outcome of running them one by one: none of them touches what
//        one there touches (a column, key, foreign key or check), but for a
//        key dropped and added again under its name. So a foreign key
//        dropped and added again under its name (MariaDB: errno 121
//        "Duplicate key on write or update"), a column changed twice
//        ("Unknown column"), a key a dropped foreign key may stand on
//        (MySQL drops both at once only in place) and a second FULLTEXT
//        index (MySQL builds one at a time) start a new statement; see
//        alter_statements.cpp;
//      * a foreign key of a table to itself is added or dropped in a
//        statement of its own: InnoDB checks it against the table as it
//        was (errno 150 "Foreign key constraint is incorrectly formed" with
//        a change to the columns or key it references; "Cannot drop index
//        ...: needed in a foreign key constraint");
//      * what another table's change stands on stays in a statement before
//        it (foreign keys dropped for a MODIFY, the foreign keys between
//        tables dropped together), and what must wait for another table
//        (foreign keys added, tables dropped, views) comes after.
//  - Not expressible (an error naming the change): sequences and enum types
//    (PostgreSQL kinds), DEFERRABLE foreign keys, unnamed foreign keys;
//    create_trigger and drop_trigger (the catalog holds triggers on SQLite
//    only: MySQL's introspection writes none, so its diffs have none).
// MySQL DDL is not transactional (each statement commits): the statements
// are meant to be applied one by one; a failing ALTER TABLE leaves its
// table as that statement found it, what ran before it stays.
#include "render.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alter_statements.hpp"
#include "ddl_clauses.hpp"

namespace strata::mysql {

namespace {

using namespace ddl;

// ---- the tables' state between statements

// The leading plain columns of a key (up to its first prefix or expression
// part: InnoDB cannot back a foreign key with a prefix).
std::vector<std::string> leading(const json& index) {
  std::vector<std::string> out;
  for (auto& p : arr(index, "columns")) {
    if (!is_str(p, "column") || (p.contains("prefix") && !p["prefix"].is_null())) break;
    out.push_back(str(p, "column"));
  }
  return out;
}

// A key of a table: "pk", "u:<name>" or "i:<name>", with its leading columns.
struct Key {
  std::string id;
  std::vector<std::string> columns;
};

std::vector<Key> keys_of(const json& t) {
  std::vector<Key> out;
  if (t.contains("primary_key") && t["primary_key"].is_object())
    out.push_back({"pk", strings(t["primary_key"], "columns")});
  for (auto& u : arr(t, "unique_constraints")) out.push_back({"u:" + str(u, "name"), strings(u, "columns")});
  for (auto& i : arr(t, "indexes"))
    if (method_of(i) != "fulltext" && method_of(i) != "spatial") out.push_back({"i:" + str(i, "name"), leading(i)});
  return out;
}

bool covers(const std::vector<std::string>& key, const std::vector<std::string>& columns) {
  return !columns.empty() && key.size() >= columns.size() && std::equal(columns.begin(), columns.end(), key.begin());
}

// Is the key `id` the only one (leaving out `gone`) a foreign key of `t` can use?
bool needed(const json& t, const std::string& id, const std::set<std::string>& gone) {
  const auto keys = keys_of(t);
  auto it = std::find_if(keys.begin(), keys.end(), [&](const Key& k) { return k.id == id; });
  if (it == keys.end()) return false;
  for (auto& fk : arr(t, "foreign_keys")) {
    const auto cols = strings(fk, "columns");
    if (!covers(it->columns, cols)) continue;
    const bool other = std::any_of(keys.begin(), keys.end(), [&](const Key& k) {
      return k.id != id && !gone.count(k.id) && covers(k.columns, cols);
    });
    if (!other) return true;
  }
  return false;
}

void erase_named(json& list, const std::string& name) {
  for (auto it = list.begin(); it != list.end(); ++it)
    if (str(*it, "name") == name) {
      list.erase(it);
      return;
    }
}

void erase_key(json& t, const std::string& id) {
  if (id == "pk") {
    t["primary_key"] = nullptr;
  } else if (id.rfind("u:", 0) == 0) {
    erase_named(t["unique_constraints"], id.substr(2));
  } else {
    erase_named(t["indexes"], id.substr(2));
  }
}

// The table a foreign key points at, named as the changes name tables
// ("schema.name" or "name").
std::string ref_of(const json& fk) {
  return is_str(fk, "ref_schema") ? str(fk, "ref_schema") + "." + str(fk, "ref_table") : str(fk, "ref_table");
}

// Does foreign key `fk` of `table` point at that table itself? (An
// unqualified reference may mean a table in the same schema.)
bool to_itself(const std::string& table, const json& fk) {
  const std::string ref = ref_of(fk);
  return ref == table || (!is_str(fk, "ref_schema") && table.size() > ref.size() &&
                          table.compare(table.size() - ref.size() - 1, std::string::npos, "." + ref) == 0);
}

bool same_check(const json& a, const json& b) {
  if (is_str(a, "name") || is_str(b, "name")) return opt(a, "name") == opt(b, "name");
  return str(a, "expression") == str(b, "expression");
}

// The order the changes are rendered in: the diff's, except that in its
// table-work phase (the changes between the foreign keys going and coming,
// drop_index to create_index) each table's changes are taken together, in
// their order, tables in the order they first come: so they can share one
// ALTER TABLE. The diff has already put before that phase whatever another
// table's change there would stand on (the foreign keys that point at a
// key or column changing), so tables' changes there do not depend on each
// other's order.
std::vector<const json*> rendering_order(const json& changes) {
  static const std::set<std::string> table_work = {
      "drop_index",   "drop_unique", "drop_check",      "drop_primary_key", "create_table", "add_column",
      "alter_column", "drop_column", "add_primary_key", "add_unique",       "add_check",    "create_index"};
  std::vector<const json*> out;
  for (size_t i = 0; i < changes.size();) {
    size_t end = i;
    while (end < changes.size() && table_work.count(str(changes[end], "kind"))) ++end;
    if (end == i) {
      out.push_back(&changes[i++]);
      continue;
    }
    std::vector<std::string> tables;
    std::map<std::string, std::vector<const json*>> of;
    for (; i < end; ++i) {
      auto& list = of[str(changes[i], "table")];
      if (list.empty()) tables.push_back(str(changes[i], "table"));
      list.push_back(&changes[i]);
    }
    for (auto& t : tables) out.insert(out.end(), of[t].begin(), of[t].end());
  }
  return out;
}

// DROP FOREIGN KEY, touching too the keys of table state `t` it may stand
// on: MySQL drops a foreign key and its index in one ALTER TABLE only in
// place (not with ALGORITHM=COPY), so such a key is dropped in a statement
// after it.
Clause drop_fk(const json& t, const json& fk) {
  Clause out = drop_foreign_key(str(fk, "name"));
  const auto columns = strings(fk, "columns");
  for (auto& k : keys_of(t))
    if (covers(k.columns, columns))
      out.touches.push_back({k.id == "pk" ? "pk" : "key:" + k.id.substr(2), Touch::Change});
  return out;
}

// `first` and the clauses that must come with it.
std::vector<Clause> with(Clause first, std::vector<Clause> more) {
  more.insert(more.begin(), std::move(first));
  return more;
}

class Renderer {
 public:
  std::vector<std::string> run(const json& doc) {
    if (!doc.is_object() || !doc.contains("changes") || !doc["changes"].is_array())
      throw std::invalid_argument("render_changes: the document has no \"changes\" list");
    const json& changes = doc["changes"];
    // Every table the changes name, as it is before them (first mention).
    for (auto& c : changes) {
      if (c.is_object() && c.contains("table_before") && c["table_before"].is_object() && !str(c, "table").empty())
        state(c);
      if (str(c, "kind") == "drop_table") dropping_.insert(str(c, "table"));
    }
    const auto order = rendering_order(changes);
    for (size_t i = 0; i < order.size(); ++i) {
      const json& c = *order[i];
      const std::string kind = str(c, "kind");
      // Foreign keys dropped for a MODIFY come back once every column is done.
      static const std::set<std::string> after_columns = {"drop_table",    "add_foreign_key", "drop_sequence",
                                                          "drop_enum",     "drop_enum_value", "create_view",
                                                          "set_table_comment"};
      if (!readd_.empty() && after_columns.count(kind))
        readd_foreign_keys();
      if (kind == "drop_table") {
        // A run of drop_table changes: the foreign keys between them go first.
        size_t end = i;
        while (end < order.size() && str(*order[end], "kind") == "drop_table") ++end;
        drop_tables(order, i, end);
        i = end - 1;
        continue;
      }
      one(c, kind);
    }
    readd_foreign_keys();
    // Drops still waiting for a key that never came: as they are (the
    // server says why it refuses them).
    for (auto& [table, list] : deferred_)
      for (auto& d : list) statements_.alter(table_sql_[table], {d.clause});
    return statements_.take();
  }

 private:
  struct Deferred {
    std::string id;
    Clause clause;
  };

  std::string describe(const json& c) const {
    std::string what = str(c, "kind");
    if (!str(c, "table").empty()) what += " on " + str(c, "table");
    for (const char* k : {"sequence", "enum", "view", "foreign_key", "index", "key", "check", "trigger"})
      if (c.contains(k) && c[k].is_object() && is_str(c[k], "name")) {
        what += " (" + str(c[k], "name") + ")";
        break;
      }
    return what;
  }

  json& state(const json& c) {
    const std::string name = str(c, "table");
    auto it = tables_.find(name);
    if (it == tables_.end()) {
      json t = c.contains("table_before") && c["table_before"].is_object() ? c["table_before"]
               : c.contains("table_after") && c["table_after"].is_object() ? c["table_after"]
                                                                           : json::object();
      it = tables_.emplace(name, std::move(t)).first;
      table_sql_[name] = qualified(opt(c, "schema"), str(c, "name"));
    }
    return it->second;
  }

  std::string table_of(const json& c) { return qualified(opt(c, "schema"), str(c, "name")); }

  void alter(const json& c, std::vector<Clause> clauses, bool alone = false) {
    statements_.alter(table_of(c), std::move(clauses), alone);
  }

  // Drops deferred on this table that the new state no longer needs, as
  // clauses to append to the ALTER TABLE that made them free.
  std::vector<Clause> release(const json& c, json& t) {
    std::vector<Clause> extra;
    auto& list = deferred_[str(c, "table")];
    bool again = true;
    while (again) {
      again = false;
      std::set<std::string> gone;
      for (auto& d : list) gone.insert(d.id);
      for (auto it = list.begin(); it != list.end(); ++it) {
        auto others = gone;
        others.erase(it->id);
        if (!needed(t, it->id, others)) {
          extra.push_back(it->clause);
          erase_key(t, it->id);
          list.erase(it);
          again = true;
          break;
        }
      }
    }
    return extra;
  }

  // Drops the key `id` now, or later when a surviving foreign key needs it.
  void drop_key(const json& c, json& t, const std::string& id, const Clause& clause) {
    auto& list = deferred_[str(c, "table")];
    std::set<std::string> gone;
    for (auto& d : list) gone.insert(d.id);
    if (needed(t, id, gone)) {
      list.push_back({id, clause});
      return;
    }
    erase_key(t, id);
    alter(c, {clause});
  }

  // Is `column` the first column of some key of t?
  static bool keyed(const json& t, const std::string& column) {
    for (auto& k : keys_of(t))
      if (!k.columns.empty() && k.columns.front() == column) return true;
    return false;
  }

  // The clause adding table_after's key for AUTO_INCREMENT column `column`
  // (the column must be a key's first column), recorded in t; none when
  // it has one.
  std::vector<Clause> key_for_autoincrement(const json& c, json& t, const std::string& column) {
    if (keyed(t, column) || !c.contains("table_after") || !c["table_after"].is_object()) return {};
    const json& after = c["table_after"];
    auto all_there = [&](const std::vector<std::string>& cols) {
      return std::all_of(cols.begin(), cols.end(), [&](const std::string& n) { return has_column(t, n); });
    };
    if (after.contains("primary_key") && after["primary_key"].is_object() &&
        (!t.contains("primary_key") || t["primary_key"].is_null())) {
      const auto cols = strings(after["primary_key"], "columns");
      if (!cols.empty() && cols.front() == column && all_there(cols)) {
        t["primary_key"] = after["primary_key"];
        return {add_primary_key(cols)};
      }
    }
    for (auto& u : arr(after, "unique_constraints")) {
      const auto cols = strings(u, "columns");
      if (!cols.empty() && cols.front() == column && all_there(cols)) {
        t["unique_constraints"].push_back(u);
        return {add_unique(u)};
      }
    }
    for (auto& i : arr(after, "indexes")) {
      const auto cols = leading(i);
      if (!cols.empty() && cols.front() == column && all_there(cols)) {
        t["indexes"].push_back(i);
        return {add_index(i)};
      }
    }
    return {};
  }

  void add_fk(const json& c, json& t, const json& fk) {
    // Without a key to use, InnoDB makes one, named like the constraint.
    // MariaDB also replaces an index it made for an earlier foreign key
    // (say `r`, of an unnamed one) by a new one named like this
    // constraint; an index written by hand it keeps. Where only an
    // index of exactly these columns serves, it is dropped and added
    // again in the same statement: the new one is never replaced.
    const auto cols = strings(fk, "columns");
    bool covered = false, surely_kept = false;
    const json* exact = nullptr;
    for (auto& k : keys_of(t)) {
      if (!covers(k.columns, cols)) continue;
      covered = true;
      if (k.id.rfind("i:", 0) != 0 || k.columns.size() != cols.size()) {
        surely_kept = true;
        continue;
      }
      for (auto& i : arr(t, "indexes"))
        if ("i:" + str(i, "name") == k.id && arr(i, "columns").size() == cols.size() && !exact) exact = &i;
    }
    if (covered && !surely_kept && exact) {
      const std::string n = str(*exact, "name");
      alter(c, {drop_index(n), add_index(*exact), add_foreign_key(fk)}, to_itself(str(c, "table"), fk));
      t["foreign_keys"].push_back(fk);
      return;
    }
    if (!covered) {
      json index = {{"name", str(fk, "name")}, {"unique", false}, {"columns", json::array()},
                    {"where", nullptr},        {"method", "BTREE"}};
      for (auto& n : cols)
        index["columns"].push_back(
            {{"column", n}, {"expression", nullptr}, {"descending", false}, {"prefix", nullptr}});
      t["indexes"].push_back(index);
    }
    t["foreign_keys"].push_back(fk);
    alter(c, {add_foreign_key(fk)}, to_itself(str(c, "table"), fk));
  }

  // The foreign keys (of any table the changes name) that use column
  // `column` of table `table`, on either side: MySQL refuses to change the
  // type of such a column ("used in a foreign key constraint"), so they are
  // dropped before the MODIFY and added again with the foreign keys.
  void release_foreign_keys(const std::string& table, const std::string& column) {
    for (auto& [name, other] : tables_) {
      json& fks = other["foreign_keys"];
      for (auto it = fks.begin(); it != fks.end();) {
        const std::string ref = ref_of(*it);
        const auto cols = strings(*it, "columns"), refs = strings(*it, "ref_columns");
        const bool child = name == table && std::find(cols.begin(), cols.end(), column) != cols.end();
        const bool parent = ref == table && std::find(refs.begin(), refs.end(), column) != refs.end();
        if (!(child || parent) || !is_str(*it, "name")) {
          ++it;
          continue;
        }
        statements_.alter(table_sql_[name], {drop_fk(other, *it)}, to_itself(name, *it));
        if (!dropping_.count(name)) readd_.push_back({name, *it});  // a table that goes keeps it gone
        it = fks.erase(it);
      }
    }
  }

  // Adds back what release_foreign_keys dropped.
  void readd_foreign_keys() {
    auto list = std::move(readd_);
    readd_.clear();
    for (auto& [name, fk] : list) {
      auto it = tables_.find(name);
      if (it == tables_.end()) continue;
      json c = {{"table", name}, {"kind", "add_foreign_key"}};
      json& t = it->second;
      c["schema"] = t.contains("schema") ? t["schema"] : json();
      c["name"] = t.contains("name") ? t["name"] : json(name);
      add_fk(c, t, fk);
    }
  }

  void one(const json& c, const std::string& kind) {
    if (kind == "create_table") return create_table(c);
    if (kind == "create_view" || kind == "drop_view") {
      const json& v = c.contains("view") && c["view"].is_object() ? c["view"] : json::object();
      const std::string name = qualified(opt(v, "schema"), str(v, "name"));
      statements_.add(kind == "drop_view" ? "DROP VIEW " + name
                                          : "CREATE VIEW " + name + " AS " + str(v, "definition"));
      return;
    }
    if (kind == "create_sequence" || kind == "alter_sequence" || kind == "drop_sequence")
      throw std::invalid_argument("render_changes: MySQL/MariaDB has no sequences in Strata's catalog: " +
                                  describe(c));
    if (kind == "create_enum" || kind == "add_enum_value" || kind == "drop_enum" || kind == "drop_enum_value")
      throw std::invalid_argument("render_changes: MySQL/MariaDB has no enum types (ENUM is a column type): " +
                                  describe(c));
    if (kind == "create_trigger" || kind == "drop_trigger")
      throw std::invalid_argument(
          "render_changes: triggers are in Strata's catalog for SQLite only, not rendered for MySQL/MariaDB: " +
          describe(c));

    json& t = state(c);
    const json& col_after = c.contains("column_after") ? c["column_after"] : json();
    const json& col_before = c.contains("column_before") ? c["column_before"] : json();

    if (kind == "add_column") {
      const std::string name = str(col_after, "name");
      std::string position = " FIRST";
      if (c.contains("table_after") && c["table_after"].is_object()) {
        std::optional<std::string> previous;
        for (auto& x : arr(c["table_after"], "columns")) {
          if (str(x, "name") == name) break;
          previous = str(x, "name");
        }
        position = previous ? " AFTER " + q(*previous) : " FIRST";
      }
      // Its column-level checks of table_after come with it.
      std::vector<std::string> checks;
      if (c.contains("table_after") && c["table_after"].is_object())
        for (auto& k : arr(c["table_after"], "checks"))
          if (owner(c["table_after"], k) == name) {
            checks.push_back(check_expr(k));
            t["checks"].push_back(k);
          }
      // Insert into the state at its position.
      json& cols = t["columns"];
      auto at = cols.begin();
      if (position != " FIRST") {
        auto prev = std::find_if(cols.begin(), cols.end(), [&](const json& x) {
          return " AFTER " + q(str(x, "name")) == position;
        });
        at = prev == cols.end() ? cols.end() : prev + 1;
      }
      cols.insert(at, col_after);
      alter(c, with(add_column(col_after, checks, position),
                    flag(col_after, "autoincrement") ? key_for_autoincrement(c, t, name) : std::vector<Clause>()));
      return;
    }
    if (kind == "alter_column") {
      const std::string name = str(col_after, "name");
      for (auto& x : t["columns"])
        if (str(x, "name") == name && (str(x, "type") != str(col_after, "type") ||
                                       opt(x, "collation") != opt(col_after, "collation")))
          release_foreign_keys(str(c, "table"), name);
      for (auto& x : t["columns"])
        if (str(x, "name") == name) x = col_after;
      alter(c, with(modify_column(t, col_after),
                    flag(col_after, "autoincrement") ? key_for_autoincrement(c, t, name) : std::vector<Clause>()));
      return;
    }
    if (kind == "drop_column") {
      const std::string name = str(col_before, "name");
      json& checks = t["checks"];
      for (auto it = checks.begin(); it != checks.end();)
        it = owner(t, *it) == name ? checks.erase(it) : it + 1;
      erase_named(t["columns"], name);
      // MySQL takes the column out of its keys (a key left empty goes).
      auto strip = [&](json& key) {
        json& cols = key["columns"];
        for (auto it = cols.begin(); it != cols.end();)
          it = (it->is_string() ? it->get<std::string>() : str(*it, "column")) == name ? cols.erase(it) : it + 1;
        return cols.empty();
      };
      if (t.contains("primary_key") && t["primary_key"].is_object() && strip(t["primary_key"]))
        t["primary_key"] = nullptr;
      for (const char* list : {"unique_constraints", "indexes"}) {
        json& l = t[list];
        for (auto it = l.begin(); it != l.end();) it = strip(*it) ? l.erase(it) : it + 1;
      }
      alter(c, {drop_column(name)});
      return;
    }
    if (kind == "drop_primary_key") {
      // An AUTO_INCREMENT column keyed only by this primary key.
      const json& pk = t.contains("primary_key") ? t["primary_key"] : json();
      const auto cols = pk.is_object() ? strings(pk, "columns") : std::vector<std::string>();
      for (auto& x : t["columns"]) {
        if (!flag(x, "autoincrement") || cols.empty() || cols.front() != str(x, "name")) continue;
        const std::string name = str(x, "name");
        bool other = false;
        for (auto& k : keys_of(t))
          if (k.id != "pk" && !k.columns.empty() && k.columns.front() == name) other = true;
        if (other) continue;
        const json* after = nullptr;
        if (c.contains("table_after") && c["table_after"].is_object())
          for (auto& y : arr(c["table_after"], "columns"))
            if (str(y, "name") == name) after = &y;
        if (!after || !flag(*after, "autoincrement")) {
          x["autoincrement"] = false;
          alter(c, {modify_column(t, x)});
        } else {
          t["primary_key"] = nullptr;
          auto extra = key_for_autoincrement(c, t, name);
          if (!extra.empty()) {
            alter(c, with(drop_primary_key(), std::move(extra)));
            return;
          }
          t["primary_key"] = pk;  // nothing to replace it yet: as it is
        }
        break;
      }
      drop_key(c, t, "pk", drop_primary_key());
      return;
    }
    if (kind == "add_primary_key") {
      const json& key = c["key"];
      if (t.contains("primary_key") && t["primary_key"].is_object() &&
          strings(t["primary_key"], "columns") == strings(key, "columns"))
        return;  // added with an AUTO_INCREMENT column
      t["primary_key"] = key;
      alter(c, with(add_primary_key(strings(key, "columns")), release(c, t)));
      return;
    }
    if (kind == "drop_unique") {
      const std::string name = str(c["key"], "name");
      drop_key(c, t, "u:" + name, drop_index(name));
      return;
    }
    if (kind == "add_unique") {
      const json& key = c["key"];
      for (auto& u : arr(t, "unique_constraints"))
        if (str(u, "name") == str(key, "name") && strings(u, "columns") == strings(key, "columns")) return;
      t["unique_constraints"].push_back(key);
      alter(c, with(add_unique(key), release(c, t)));
      return;
    }
    if (kind == "drop_index") {
      const std::string name = str(c["index"], "name");
      drop_key(c, t, "i:" + name, drop_index(name));
      return;
    }
    if (kind == "create_index") {
      const json& index = c["index"];
      for (auto& i : arr(t, "indexes"))
        if (str(i, "name") == str(index, "name") && i == index) return;
      t["indexes"].push_back(index);
      alter(c, with(add_index(index), release(c, t)));
      return;
    }
    if (kind == "add_check" || kind == "drop_check") {
      const json& check = c["check"];
      const bool add = kind == "add_check";
      json& checks = t["checks"];
      const auto col = owner(add && c.contains("table_after") && c["table_after"].is_object() ? c["table_after"] : t,
                             check);
      if (add) {
        for (auto& k : checks)
          if (same_check(k, check) && str(k, "expression") == str(check, "expression")) return;
        checks.push_back(check);
      } else {
        for (auto it = checks.begin(); it != checks.end(); ++it)
          if (same_check(*it, check)) {
            checks.erase(it);
            break;
          }
      }
      if (col && has_column(t, *col)) {
        for (auto& x : t["columns"])
          if (str(x, "name") == *col) alter(c, {modify_column(t, x)});
      } else if (add) {
        alter(c, {add_check(check)});
      } else if (is_str(check, "name")) {
        alter(c, {drop_check(str(check, "name"))});
      } else {
        throw std::invalid_argument("render_changes: cannot tell which column holds the check " +
                                    str(check, "expression") + ": " + describe(c));
      }
      return;
    }
    if (kind == "add_foreign_key" || kind == "drop_foreign_key") {
      const json& fk = c["foreign_key"];
      if (!is_str(fk, "name"))
        throw std::invalid_argument("render_changes: a MySQL foreign key needs a name: " + describe(c));
      if (flag(fk, "deferrable") || flag(fk, "initially_deferred"))
        throw std::invalid_argument("render_changes: MySQL/MariaDB has no DEFERRABLE foreign keys: " + describe(c));
      if (kind == "drop_foreign_key") {
        alter(c, {drop_fk(t, fk)}, to_itself(str(c, "table"), fk));
        erase_named(t["foreign_keys"], str(fk, "name"));
      } else {
        add_fk(c, t, fk);
      }
      return;
    }
    if (kind == "set_table_comment") {
      const json& after = c.contains("table_after") && c["table_after"].is_object() ? c["table_after"] : json::object();
      t["comment"] = after.contains("comment") ? after["comment"] : json();
      alter(c, {table_comment(opt(after, "comment").value_or(""))});
      return;
    }
    throw std::invalid_argument("render_changes: unknown change kind \"" + kind + "\"");
  }

  void create_table(const json& c) {
    if (!c.contains("table_after") || !c["table_after"].is_object())
      throw std::invalid_argument("render_changes: create_table without table_after: " + describe(c));
    json t = c["table_after"];
    t["foreign_keys"] = json::array();
    std::vector<std::string> parts;
    for (auto& col : arr(t, "columns")) parts.push_back(column_def_in(t, col));
    if (t.contains("primary_key") && t["primary_key"].is_object())
      parts.push_back("PRIMARY KEY " + column_list(strings(t["primary_key"], "columns")));
    for (auto& u : arr(t, "unique_constraints"))
      parts.push_back("UNIQUE KEY" + key_name(u) + " " + column_list(strings(u, "columns")));
    for (auto& i : arr(t, "indexes")) parts.push_back(index_clause(i, "KEY"));
    for (auto& k : arr(t, "checks")) {
      if (owner(t, k)) continue;  // in its column
      parts.push_back((is_str(k, "name") ? "CONSTRAINT " + q(str(k, "name")) + " " : std::string()) + "CHECK " +
                      check_expr(k));
    }
    std::string sql = "CREATE TABLE " + table_of(c) + " (\n  ";
    for (size_t i = 0; i < parts.size(); ++i) sql += (i ? ",\n  " : "") + parts[i];
    sql += "\n)";
    if (auto comment = opt(t, "comment")) sql += " COMMENT = " + lit(*comment);
    statements_.add(sql);
    tables_[str(c, "table")] = std::move(t);
    table_sql_[str(c, "table")] = table_of(c);
  }

  void drop_tables(const std::vector<const json*>& changes, size_t begin, size_t end) {
    std::set<std::string> names;  // "schema.name" / "name" of the tables going
    for (size_t i = begin; i < end; ++i) names.insert(str(*changes[i], "table"));
    for (size_t i = begin; i < end; ++i) {
      const json& c = *changes[i];
      // As it stands now (a MODIFY may have taken foreign keys already).
      auto known = tables_.find(str(c, "table"));
      const json& t = known != tables_.end() ? known->second
                      : c.contains("table_before") && c["table_before"].is_object() ? c["table_before"]
                                                                                      : json::object();
      for (auto& fk : arr(t, "foreign_keys")) {
        const std::string ref = ref_of(fk);
        if (ref == str(c, "table") || !names.count(ref) || !is_str(fk, "name")) continue;
        alter(c, {drop_fk(t, fk)});
      }
    }
    for (size_t i = begin; i < end; ++i) {
      statements_.add("DROP TABLE " + table_of(*changes[i]));
      tables_.erase(str(*changes[i], "table"));
      deferred_.erase(str(*changes[i], "table"));
    }
  }

  Statements statements_;
  std::map<std::string, json> tables_;  // each table as it stands between statements
  std::map<std::string, std::string> table_sql_;
  std::map<std::string, std::vector<Deferred>> deferred_;
  std::vector<std::pair<std::string, json>> readd_;  // foreign keys dropped for a MODIFY
  std::set<std::string> dropping_;  // tables a drop_table change removes
};

}  // namespace

std::vector<std::string> render_changes(const std::string& changes_json) {
  json doc;
  try {
    doc = json::parse(changes_json);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("render_changes: the changes are not valid JSON: ") + e.what());
  }
  return Renderer().run(doc);
}

}  // namespace strata::mysql
