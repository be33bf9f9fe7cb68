// ABI 1.2 render_changes() for SQLite: the changes document written by
// strata/schema/diff.hpp's changes_json() in, SQL statements out.
//
// Rules:
//  - Identifiers are always double-quoted ("a""b" for a quote inside).
//  - create_table: CREATE TABLE with every column (declared type, COLLATE,
//    NOT NULL, DEFAULT (expr)), the primary key (a single INTEGER column
//    with autoincrement is written `INTEGER PRIMARY KEY AUTOINCREMENT` on
//    the column, else a table constraint), UNIQUE, CHECK and FOREIGN KEY
//    constraints with their names, then CREATE INDEX for the table's
//    indexes. The table's add_foreign_key changes are written inline (SQLite
//    cannot add a foreign key later) and not again.
//  - drop_table, drop_index, create_index, drop_view, create_view: the plain
//    statements. drop_trigger: DROP TRIGGER; create_trigger: the trigger's
//    definition (a whole CREATE TRIGGER statement). Neither rebuilds.
//  - add_column: ALTER TABLE ADD COLUMN when SQLite allows it and the result
//    has the catalog's column order: the column is not in the primary key
//    or a UNIQUE constraint, its default (if any) is a constant, it is not
//    NOT NULL without a default, it is not autoincrement, and the added
//    columns are the last ones of table_after.
//  - drop_column: ALTER TABLE DROP COLUMN when the column is in no primary
//    key, UNIQUE constraint or foreign key of table_before, no CHECK of
//    table_before and no index of table_after mentions it (indexes of
//    table_before on it are dropped before, by their drop_index changes).
//  - Everything else on an existing table (alter_column, add/drop of a
//    primary key, UNIQUE, CHECK or foreign key, and the add/drop_column
//    cases above) rebuilds the table as Alembic's batch mode does, once for
//    all of the table's changes, from table_after (the table's final state),
//    at the place of the table's first change:
//      CREATE TABLE "_strata_new_t" (...)
//      INSERT INTO "_strata_new_t" (common columns) SELECT common columns FROM "t"
//      UPDATE / INSERT INTO sqlite_sequence ...   (AUTOINCREMENT, below)
//      DROP TABLE "t"
//      PRAGMA legacy_alter_table = ON
//      ALTER TABLE "_strata_new_t" RENAME TO "t"
//      PRAGMA legacy_alter_table = OFF
//      CREATE INDEX ... (table_after.indexes)
//      CREATE TRIGGER ... (table_after.triggers)
//    legacy_alter_table keeps the rename from re-checking views and
//    triggers that refer to "t" (they are valid again once the rename is
//    done; SQLite keeps a trigger of another table that names "t" as it
//    is); the table's other changes are then not written again.
//    Triggers: DROP TABLE drops the table's own, so table_after's are
//    created again after the rename, but for those a create_trigger or
//    drop_trigger of the document names (the drop ran before, the create
//    comes later, where the diff put it).
//    AUTOINCREMENT: when both the old and the new table have it, the new
//    table's sqlite_sequence entry is set to the larger of its own (the
//    copied rows' largest id) and the old table's before that is dropped
//    (which removes the old entry; the rename carries the new one over), so
//    the id of a deleted last row is not handed out again.
//    Foreign keys: a rebuild drops a table other tables may refer to, which
//    fails (or fails at COMMIT) while PRAGMA foreign_keys is ON; the pragma
//    cannot change inside a transaction, so it must be OFF (SQLite's
//    default, and Strata's connections leave it so), as with Alembic.
//  - sequences, enums, comments: an error naming the change (SQLite has
//    none of them).
#include "render.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "strata/plugin_support.hpp"

namespace strata::sqlite {
namespace {

using Json = nlohmann::json;

// `text` between two `quote`s, each `quote` inside doubled: SQLite's
// quoting of identifiers ("a""b") and of string literals ('it''s').
std::string quoted(const std::string& text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    out += c;
    if (c == quote) out += quote;
  }
  return out + quote;
}

std::string q(const std::string& name) { return quoted(name, '"'); }

std::string literal(const std::string& text) { return quoted(text, '\''); }

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}

bool iequals(const std::string& a, const std::string& b) { return lower(a) == lower(b); }

std::string str(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

bool has(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

std::string name_list(const Json& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + q(n.get<std::string>());
  return out;
}

bool contains_name(const Json& names, const std::string& name) {
  for (const auto& n : names)
    if (iequals(n.get<std::string>(), name)) return true;
  return false;
}

// Whether `text` mentions `name` as a word (unquoted or quoted), case-insensitively.
bool mentions(const std::string& text, const std::string& name) {
  const std::string t = lower(text), n = lower(name);
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || (c & 0x80); };
  for (size_t p = t.find(n); p != std::string::npos; p = t.find(n, p + 1)) {
    const bool before = p == 0 || !word(t[p - 1]);
    const bool after = p + n.size() >= t.size() || !word(t[p + n.size()]);
    if (before && after) return true;
  }
  return false;
}

// A default SQLite's ADD COLUMN accepts: a literal (number, string, blob,
// NULL, TRUE/FALSE), optionally signed and parenthesized.
bool constant_default(std::string d) {
  auto trim = [](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
  };
  d = trim(d);
  while (d.size() >= 2 && d.front() == '(' && d.back() == ')') d = trim(d.substr(1, d.size() - 2));
  if (d.empty()) return false;
  const std::string l = lower(d);
  if (l == "null" || l == "true" || l == "false") return true;
  if (d.front() == '\'' || ((d.front() == 'x' || d.front() == 'X') && d.size() > 1 && d[1] == '\'')) {
    // One string literal and nothing after it.
    size_t i = d.front() == '\'' ? 1 : 2;
    for (; i < d.size(); ++i)
      if (d[i] == '\'') {
        if (i + 1 < d.size() && d[i + 1] == '\'') ++i;
        else return i + 1 == d.size();
      }
    return false;
  }
  size_t i = 0;
  if (d[0] == '+' || d[0] == '-') i = 1;
  d = trim(d.substr(i));
  if (d.empty()) return false;
  for (char c : d)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-')) return false;
  return std::isdigit(static_cast<unsigned char>(d[0])) || (d[0] == '.' && d.size() > 1);
}

// `"name" TYPE [COLLATE c] [NOT NULL] [DEFAULT (expr)]`, plus the inline
// primary key when `inline_pk`.
std::string column_def(const Json& c, bool inline_pk, const Json& pk) {
  std::string s = q(str(c, "name"));
  const std::string type = str(c, "type");
  if (!type.empty()) s += " " + type;
  if (inline_pk) {
    if (has(pk, "name")) s += " CONSTRAINT " + q(str(pk, "name"));
    s += " PRIMARY KEY AUTOINCREMENT";
  }
  if (has(c, "collation")) s += " COLLATE " + q(str(c, "collation"));
  if (!c.at("nullable").get<bool>()) s += " NOT NULL";
  if (has(c, "default")) s += " DEFAULT (" + str(c, "default") + ")";
  return s;
}

std::string action(const Json& fk, const char* key, const char* what) {
  if (!has(fk, key)) return "";
  return std::string(" ON ") + what + " " + str(fk, key);
}

std::string foreign_key_def(const Json& fk) {
  std::string s;
  if (has(fk, "name")) s += "CONSTRAINT " + q(str(fk, "name")) + " ";
  s += "FOREIGN KEY (" + name_list(fk.at("columns")) + ") REFERENCES " + q(str(fk, "ref_table"));
  if (!fk.at("ref_columns").empty()) s += " (" + name_list(fk.at("ref_columns")) + ")";
  s += action(fk, "on_delete", "DELETE") + action(fk, "on_update", "UPDATE");
  if (fk.at("deferrable").get<bool>())
    s += fk.at("initially_deferred").get<bool>() ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
  return s;
}

// The column written `INTEGER PRIMARY KEY AUTOINCREMENT` in table `t`'s
// CREATE TABLE: the primary key's only column, INTEGER and autoincrement
// ("" if none).
std::string autoincrement_column(const Json& t) {
  const Json& pk = t.at("primary_key");
  if (pk.is_null() || pk.at("columns").size() != 1) return "";
  const std::string col = pk.at("columns")[0].get<std::string>();
  for (const auto& c : t.at("columns"))
    if (iequals(str(c, "name"), col) && c.at("autoincrement").get<bool>() &&
        iequals(str(c, "type"), "INTEGER"))
      return str(c, "name");
  return "";
}

// CREATE TABLE `as_name` for the catalog table `t` with `fks`.
std::string create_table(const Json& t, const std::string& as_name, const Json& fks) {
  const Json& pk = t.at("primary_key");
  const std::string inline_pk_column = autoincrement_column(t);
  std::vector<std::string> items;
  for (const auto& c : t.at("columns")) {
    const bool inline_pk = !inline_pk_column.empty() && str(c, "name") == inline_pk_column;
    if (c.at("autoincrement").get<bool>() && !inline_pk)
      throw std::runtime_error("table " + str(t, "name") + ": column " + str(c, "name") +
                               " is autoincrement, which SQLite allows only on an INTEGER PRIMARY KEY");
    items.push_back(column_def(c, inline_pk, pk));
  }
  if (!pk.is_null() && inline_pk_column.empty()) {
    std::string s;
    if (has(pk, "name")) s += "CONSTRAINT " + q(str(pk, "name")) + " ";
    items.push_back(s + "PRIMARY KEY (" + name_list(pk.at("columns")) + ")");
  }
  for (const auto& u : t.at("unique_constraints")) {
    std::string s;
    if (has(u, "name")) s += "CONSTRAINT " + q(str(u, "name")) + " ";
    items.push_back(s + "UNIQUE (" + name_list(u.at("columns")) + ")");
  }
  for (const auto& ck : t.at("checks")) {
    std::string s;
    if (has(ck, "name")) s += "CONSTRAINT " + q(str(ck, "name")) + " ";
    items.push_back(s + "CHECK (" + str(ck, "expression") + ")");
  }
  for (const auto& fk : fks) items.push_back(foreign_key_def(fk));
  std::string sql = "CREATE TABLE " + q(as_name) + " (";
  for (size_t i = 0; i < items.size(); ++i) sql += (i ? ",\n  " : "\n  ") + items[i];
  return sql + "\n)";
}

std::string create_index(const Json& ix, const std::string& table) {
  std::string s = ix.at("unique").get<bool>() ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
  s += q(str(ix, "name")) + " ON " + q(table) + " (";
  bool first = true;
  for (const auto& c : ix.at("columns")) {
    s += first ? "" : ", ";
    first = false;
    s += has(c, "column") ? q(str(c, "column")) : str(c, "expression");
    if (c.at("descending").get<bool>()) s += " DESC";
  }
  s += ")";
  if (has(ix, "where")) s += " WHERE " + str(ix, "where");
  return s;
}

// Whether SQLite can drop `col` in place: nothing of table_before `t`
// refers to it but indexes, and no index of table_after `after` does (the
// diff drops indexes that change or go before it drops columns).
bool can_drop_column(const Json& t, const Json& after, const std::string& col) {
  if (!t.at("primary_key").is_null() && contains_name(t.at("primary_key").at("columns"), col)) return false;
  for (const auto& u : t.at("unique_constraints"))
    if (contains_name(u.at("columns"), col)) return false;
  for (const auto& fk : t.at("foreign_keys"))
    if (contains_name(fk.at("columns"), col)) return false;
  for (const auto& ck : t.at("checks"))
    if (mentions(str(ck, "expression"), col)) return false;
  for (const auto& ix : after.at("indexes")) {
    if (has(ix, "where") && mentions(str(ix, "where"), col)) return false;
    for (const auto& c : ix.at("columns"))
      if ((has(c, "column") && iequals(str(c, "column"), col)) ||
          (has(c, "expression") && mentions(str(c, "expression"), col)))
        return false;
  }
  return true;
}

class Renderer {
 public:
  explicit Renderer(const Json& changes) : changes_(changes) {}

  std::vector<std::string> run() {
    plan();
    for (const auto& c : changes_) one(c);
    return std::move(out_);
  }

 private:
  static std::string table_key(const Json& c) { return lower(str(c, "table")); }

  // Which existing tables must be rebuilt.
  void plan() {
    // Columns added per table, in change order.
    std::map<std::string, std::vector<std::string>> added;
    for (const auto& c : changes_)
      if (str(c, "kind") == "add_column") added[table_key(c)].push_back(str(c.at("column_after"), "name"));
    for (const auto& c : changes_) {
      const std::string kind = str(c, "kind");
      const std::string key = table_key(c);
      if (kind == "create_trigger" || kind == "drop_trigger") {
        trigger_changes_.insert(lower(str(c.at("trigger"), "name")));
        continue;
      }
      if (kind == "sequence" || kind == "create_sequence" || kind == "alter_sequence" || kind == "drop_sequence" ||
          kind == "create_enum" || kind == "add_enum_value" || kind == "drop_enum" || kind == "drop_enum_value" ||
          kind == "set_table_comment")
        continue;  // errors, in one()
      if (kind == "alter_column" || kind == "add_primary_key" || kind == "drop_primary_key" || kind == "add_unique" ||
          kind == "drop_unique" || kind == "add_check" || kind == "drop_check" || kind == "drop_foreign_key") {
        rebuild_.insert(key);
      } else if (kind == "add_foreign_key") {
        if (has(c, "table_before")) rebuild_.insert(key);  // new tables get theirs inline
      } else if (kind == "drop_column") {
        if (!can_drop_column(c.at("table_before"), c.at("table_after"), str(c.at("column_before"), "name"))) rebuild_.insert(key);
      } else if (kind == "add_column") {
        if (!can_add_column(c, added[key])) rebuild_.insert(key);
      }
    }
  }

  bool can_add_column(const Json& c, const std::vector<std::string>& added) const {
    const Json& col = c.at("column_after");
    const Json& t = c.at("table_after");
    const std::string name = str(col, "name");
    if (col.at("autoincrement").get<bool>()) return false;
    if (!t.at("primary_key").is_null() && contains_name(t.at("primary_key").at("columns"), name)) return false;
    for (const auto& u : t.at("unique_constraints"))
      if (contains_name(u.at("columns"), name)) return false;
    if (has(col, "default") && !constant_default(str(col, "default"))) return false;
    if (!col.at("nullable").get<bool>() && !has(col, "default")) return false;
    // The added columns must be table_after's last ones, in that order.
    const Json& cols = t.at("columns");
    if (added.size() > cols.size()) return false;
    for (size_t i = 0; i < added.size(); ++i)
      if (str(cols[cols.size() - added.size() + i], "name") != added[i]) return false;
    return true;
  }

  void emit(std::string s) { out_.push_back(std::move(s)); }

  void rebuild(const Json& c) {
    const Json& before = c.at("table_before");
    const Json& after = c.at("table_after");
    const std::string name = str(after, "name");
    const std::string tmp = "_strata_new_" + name;
    emit(create_table(after, tmp, after.at("foreign_keys")));
    std::string cols;
    for (const auto& col : after.at("columns")) {
      const std::string n = str(col, "name");
      bool common = false;
      for (const auto& old : before.at("columns"))
        if (str(old, "name") == n) common = true;
      if (common) cols += (cols.empty() ? "" : ", ") + q(n);
    }
    if (!cols.empty())
      emit("INSERT INTO " + q(tmp) + " (" + cols + ") SELECT " + cols + " FROM " + q(str(before, "name")));
    const bool had_autoincrement =
        std::any_of(before.at("columns").begin(), before.at("columns").end(),
                    [](const Json& col) { return col.at("autoincrement").get<bool>(); });
    if (had_autoincrement && !autoincrement_column(after).empty()) {
      // sqlite_sequence exists (both tables have AUTOINCREMENT); the new
      // table has an entry only if rows were copied.
      const std::string old_name = literal(str(before, "name")), new_name = literal(tmp);
      emit("UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = " +
           old_name + "), 0)) WHERE name = " + new_name);
      emit("INSERT INTO sqlite_sequence (name, seq) SELECT " + new_name + ", seq FROM sqlite_sequence WHERE name = " +
           old_name + " AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = " + new_name + ")");
    }
    emit("DROP TABLE " + q(str(before, "name")));
    emit("PRAGMA legacy_alter_table = ON");
    emit("ALTER TABLE " + q(tmp) + " RENAME TO " + q(name));
    emit("PRAGMA legacy_alter_table = OFF");
    for (const auto& ix : after.at("indexes")) emit(create_index(ix, name));
    if (after.contains("triggers"))  // documents from before triggers were held have none
      for (const auto& tr : after.at("triggers"))
        if (!trigger_changes_.count(lower(str(tr, "name")))) emit(str(tr, "definition"));
  }

  void one(const Json& c) {
    const std::string kind = str(c, "kind");
    const std::string key = table_key(c);
    // Triggers never rebuild, and a rebuild never happens at their place:
    // the drops come before every table change, the creates after.
    if (kind == "drop_trigger") {
      emit("DROP TRIGGER " + q(str(c.at("trigger"), "name")));
      return;
    }
    if (kind == "create_trigger") {
      emit(str(c.at("trigger"), "definition"));
      return;
    }
    auto what = [&] {
      std::string s = kind;
      if (has(c, "sequence")) s += " " + str(c.at("sequence"), "name");
      if (has(c, "enum")) s += " " + str(c.at("enum"), "name");
      if (!str(c, "table").empty()) s += " on table " + str(c, "table");
      return s;
    };
    if (kind == "create_sequence" || kind == "alter_sequence" || kind == "drop_sequence")
      throw std::runtime_error("SQLite has no sequences: cannot render " + what());
    if (kind == "create_enum" || kind == "add_enum_value" || kind == "drop_enum" || kind == "drop_enum_value")
      throw std::runtime_error("SQLite has no enum types: cannot render " + what());
    if (kind == "set_table_comment")
      throw std::runtime_error("SQLite has no table comments: cannot render " + what());

    if (kind == "drop_view") {
      emit("DROP VIEW " + q(str(c.at("view"), "name")));
      return;
    }
    if (kind == "create_view") {
      emit("CREATE VIEW " + q(str(c.at("view"), "name")) + " AS " + str(c.at("view"), "definition"));
      return;
    }
    if (kind == "create_table") {
      const Json& t = c.at("table_after");
      // Foreign keys: the table's own plus its add_foreign_key changes.
      Json fks = t.at("foreign_keys");
      for (const auto& f : changes_)
        if (str(f, "kind") == "add_foreign_key" && !has(f, "table_before") && table_key(f) == key &&
            std::find(fks.begin(), fks.end(), f.at("foreign_key")) == fks.end())
          fks.push_back(f.at("foreign_key"));
      emit(create_table(t, str(t, "name"), fks));
      for (const auto& ix : t.at("indexes")) emit(create_index(ix, str(t, "name")));
      created_.insert(key);
      return;
    }
    if (kind == "drop_table") {
      emit("DROP TABLE " + q(str(c.at("table_before"), "name")));
      return;
    }
    if (kind == "add_foreign_key" && !has(c, "table_before")) {
      if (!created_.count(key))
        throw std::runtime_error("add_foreign_key on table " + str(c, "table") +
                                 " without table_before and without its create_table before it");
      return;  // written inline in CREATE TABLE
    }
    if (kind == "create_index" && created_.count(key)) return;  // CREATE TABLE wrote it

    if (rebuild_.count(key)) {
      if (rebuilt_.insert(key).second) rebuild(c);
      return;
    }
    const std::string table = has(c, "table_after") ? str(c.at("table_after"), "name") : str(c, "name");
    if (kind == "drop_index") {
      emit("DROP INDEX " + q(str(c.at("index"), "name")));
    } else if (kind == "create_index") {
      emit(create_index(c.at("index"), table));
    } else if (kind == "add_column") {
      emit("ALTER TABLE " + q(table) + " ADD COLUMN " + column_def(c.at("column_after"), false, Json()));
    } else if (kind == "drop_column") {
      emit("ALTER TABLE " + q(table) + " DROP COLUMN " + q(str(c.at("column_before"), "name")));
    } else {
      throw std::runtime_error("unknown change kind '" + kind + "'");
    }
  }

  const Json& changes_;
  std::set<std::string> rebuild_, rebuilt_, created_;
  std::set<std::string> trigger_changes_;  // lower-cased names of triggers the document drops or creates
  std::vector<std::string> out_;
};

}  // namespace

std::vector<std::string> render_changes_sql(const std::string& changes_json) {
  const Json doc = Json::parse(changes_json);
  if (!doc.is_object() || !doc.contains("changes") || !doc.at("changes").is_array())
    throw std::runtime_error("expected {\"format\": 1, \"dialect\": ..., \"changes\": [...]}");
  if (doc.contains("format") && doc.at("format") != 1)
    throw std::runtime_error("unsupported changes format " + doc.at("format").dump());
  if (doc.contains("dialect") && doc.at("dialect").is_string() && doc.at("dialect") != "sqlite")
    throw std::runtime_error("changes for dialect " + doc.at("dialect").get<std::string>() + ", not sqlite");
  return Renderer(doc.at("changes")).run();
}

strata_status render_changes(const char* changes, strata_string_list** out, strata_error** error) {
  try {
    if (out) *out = nullptr;
    if (!changes) throw std::runtime_error("no changes document");
    const auto sql = render_changes_sql(changes);
    strata_string_list* list = strata::plugin::new_string_list(sql);
    if (!list || (!sql.empty() && !list->items)) {
      strata::plugin::string_list_free(list);
      return strata::plugin::set_error(error, STRATA_ERROR, "out of memory", "", 0, -1, -1, 0);
    }
    *out = list;
    return STRATA_OK;
  } catch (const std::exception& e) {
    return strata::plugin::set_error(error, STRATA_ERROR, std::string("render_changes: ") + e.what(), "", 0, -1, -1,
                                     0);
  } catch (...) {
    return strata::plugin::set_error(error, STRATA_ERROR, "render_changes: unknown error", "", 0, -1, -1, 0);
  }
}

}  // namespace strata::sqlite
