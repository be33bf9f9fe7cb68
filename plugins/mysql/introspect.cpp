// ABI 1.2 introspect for MySQL/MariaDB: information_schema of DATABASE(),
// one query per kind of object across all tables (never one per table):
//
//   0. SELECT DATABASE()
//   1. TABLES            base tables (and system-versioned ones): comment, collation
//   2. COLUMNS           every column of the database, with ORDINAL_POSITION
//   3. TABLE_CONSTRAINTS + KEY_COLUMN_USAGE   PRIMARY KEY, UNIQUE, FOREIGN KEY columns
//   4. REFERENTIAL_CONSTRAINTS                ON UPDATE / ON DELETE
//   5. STATISTICS        every index column (indexes: those not PRIMARY or UNIQUE)
//   6. CHECK_CONSTRAINTS (MariaDB 10.2+)      LEVEL, CHECK_CLAUSE
//   7. VIEWS             VIEW_DEFINITION
//
// each bound to the database's name, so a 1,000-table database costs the same
// eight round trips as a one-table database. Rows are grouped and sorted here, by bytes (information_schema's
// ORDER BY would use its case-insensitive collation).
//
// How MySQL's schema maps onto catalog format 1 (strata/schema/catalog.hpp):
//  - tables: "schema" null (the connected database); comment null when ''.
//    MariaDB SEQUENCE objects and views are not tables.
//  - columns: "type" is COLUMN_TYPE; "default" is COLUMN_DEFAULT as MariaDB
//    10.2.7+ reports it (literals quoted: 'x', 1.50; expressions as
//    current_timestamp(); "NULL" for a nullable column whose default is NULL,
//    declared or implicit; null when the column has no default at all).
//    ON UPDATE, which the format has no key for, is appended to the default
//    text as EXTRA reports it: "current_timestamp() on update
//    current_timestamp()" (MariaDB always has a default beside it; were there
//    none the text would start with "on update"). A renderer writes
//    "DEFAULT <text>", which is valid SQL for both parts.
//    "autoincrement" from EXTRA auto_increment; "collation" only where it
//    differs from the table's TABLE_COLLATION; comment null when ''.
//    Generated columns (EXTRA VIRTUAL/STORED GENERATED) have no key in the
//    format: their expression is not reported.
//  - normalized_type: see normalize_type() below. ENUM and SET stay column
//    types ("enum('a','b')"); the catalog's "enums" list stays [].
//  - primary_key: name "PRIMARY" (MySQL's only name for it).
//  - unique_constraints: every UNIQUE key (TABLE_CONSTRAINTS), columns in
//    key order. Its prefix lengths and DESC flags are not reported (the
//    format's unique constraints hold column names only).
//  - indexes: every non-unique key (STATISTICS, NON_UNIQUE = 1), method =
//    INDEX_TYPE (BTREE, HASH, FULLTEXT, SPATIAL), prefix = SUB_PART,
//    descending = COLLATION 'D', "where" null (MySQL has no partial indexes),
//    "expression" null (MariaDB has no functional key parts).
//    The index InnoDB creates for a foreign key whose columns no index
//    covers (named like the constraint, or like its first column when the
//    constraint is unnamed) IS listed, as every index the server has. The
//    desired state is always materialised on a server (a scratch database),
//    where the same foreign key creates the same index with the same name,
//    so the two catalogs agree and no difference is reported; and when a
//    later index covers the foreign key's columns the server drops the
//    implicit one, on both sides. Hiding it instead would leave it behind,
//    unseen but in the way, after DROP FOREIGN KEY (which keeps the index).
//    The diff only has to create indexes before the foreign keys that use
//    them (it creates foreign keys last), and drop foreign keys before
//    their indexes.
//  - foreign_keys: name as the server has it (named or <table>_ibfk_<n>);
//    ref_schema null unless the referenced table is in another database;
//    on_delete/on_update as REFERENTIAL_CONSTRAINTS reports them, with
//    "NO ACTION" as null: MariaDB reports RESTRICT when no action was
//    declared (and for an explicit RESTRICT), NO ACTION only when it was
//    written. deferrable/initially_deferred false (MySQL checks at once).
//  - checks: a table-level CHECK by its CONSTRAINT_NAME (CONSTRAINT_<n> when
//    unnamed); a column-level CHECK (MariaDB LEVEL 'Column', also the
//    json_valid() check of a JSON column) has name null: the server labels
//    it with its column's name, but it is no constraint name
//    (ALTER TABLE DROP CONSTRAINT cannot drop it; it goes with its column).
//    expression = CHECK_CLAUSE as stored ("`bal` >= 0").
//  - views: VIEW_DEFINITION with the database's own `db`. qualifiers removed.
//  - sequences, enums: []; each table's triggers: [] (the catalog holds
//    triggers for SQLite only so far).
//
// Text comes back in the connection's character set (utf8mb4 unless the URL
// says otherwise); bytes that are not UTF-8 are replaced in the JSON.
#include "introspect.hpp"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace strata::mysql {

namespace {

using nlohmann::ordered_json;
using Opt = std::optional<std::string>;

struct Column {
  int64_t position = 0;
  std::string name, type;
  bool nullable = true;
  Opt default_expr;
  bool autoincrement = false;
  Opt collation, comment;
};

struct KeyPart {
  int64_t seq = 0;
  std::string column;
  bool descending = false;
  std::optional<int64_t> prefix;
};

struct Index {
  std::string name;
  bool unique = false;
  std::string method;
  std::vector<KeyPart> parts;
};

struct Ref {
  int64_t position = 0;
  std::string column, ref_schema, ref_table, ref_column;
};

struct ForeignKey {
  std::string name;
  std::vector<Ref> columns;
  Opt on_delete, on_update;
};

struct Check {
  Opt name;
  std::string expression;
};

struct Table {
  Opt comment;
  std::string collation;
  std::vector<Column> columns;
  std::vector<std::pair<int64_t, std::string>> primary_key;  // (position, column)
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> uniques;
  std::set<std::string> key_constraints;  // PRIMARY and UNIQUE names: not "indexes"
  std::map<std::string, Index> indexes;
  std::map<std::string, ForeignKey> foreign_keys;
  std::vector<Check> checks;
};

Opt opt_string(sql::ResultSet& rs, const char* column) {
  if (rs.isNull(column)) return std::nullopt;
  return rs.getString(column).asStdString();
}

std::string string_or_empty(sql::ResultSet& rs, const char* column) {
  return rs.isNull(column) ? std::string() : rs.getString(column).asStdString();
}

Opt non_empty(Opt s) { return s && !s->empty() ? s : std::nullopt; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Runs one read-only query with the database name bound to every '?'.
std::unique_ptr<sql::ResultSet> query(sql::Connection& db, const std::string& sql,
                                      const std::string& database) {
  std::unique_ptr<sql::PreparedStatement> ps(db.prepareStatement(sql));
  const auto params = static_cast<unsigned>(std::count(sql.begin(), sql.end(), '?'));
  for (unsigned i = 1; i <= params; ++i) ps->setString(i, database);
  return std::unique_ptr<sql::ResultSet>(ps->executeQuery());
}

ordered_json opt_json(const Opt& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

ordered_json columns_json(const std::vector<std::pair<int64_t, std::string>>& parts) {
  auto sorted = parts;
  std::sort(sorted.begin(), sorted.end());
  ordered_json out = ordered_json::array();
  for (auto& p : sorted) out.push_back(p.second);
  return out;
}

std::set<std::string> exclusions(const std::string& options_json) {
  std::set<std::string> out;
  if (options_json.empty()) return out;
  ordered_json options;
  try {
    options = ordered_json::parse(options_json);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("introspect: the options are not valid JSON: ") + e.what());
  }
  if (!options.is_object()) throw std::invalid_argument("introspect: the options must be a JSON object");
  auto it = options.find("exclude_tables");
  if (it == options.end() || it->is_null()) return out;
  if (!it->is_array())
    throw std::invalid_argument("introspect: \"exclude_tables\" must be a list of table names");
  for (auto& name : *it) {
    if (!name.is_string())
      throw std::invalid_argument("introspect: \"exclude_tables\" must be a list of table names, not " +
                                  name.dump());
    out.insert(name.get<std::string>());
  }
  return out;
}

}  // namespace

// Lower case and single blanks outside quoted literals (ENUM and SET values
// keep their case and spaces: enum('A','b c') is not enum('a','b c')). Then
// the base type's synonyms are folded and MySQL's integer display widths
// dropped (tinyint(1), MySQL's boolean, keeps its width): int(11) ->
// integer, int(10) unsigned -> integer unsigned, bigint(20) -> bigint,
// decimal(12,2) -> numeric(12,2), double precision -> double, float4/real ->
// real. Anything else is the reported type.
std::string normalize_type(const std::string& type) {
  std::string s;
  bool blank = false;
  for (size_t i = 0; i < type.size(); ++i) {
    const char c = type[i];
    if (c == '\'' || c == '"') {
      if (blank && !s.empty()) s += ' ';
      blank = false;
      s += c;
      for (++i; i < type.size(); ++i) {
        s += type[i];
        if (type[i] == '\\' && i + 1 < type.size()) {
          s += type[++i];
        } else if (type[i] == c) {
          if (i + 1 < type.size() && type[i + 1] == c) {
            s += type[++i];  // doubled quote inside the literal
          } else {
            break;
          }
        }
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = true;
      continue;
    }
    if (blank && !s.empty()) s += ' ';
    blank = false;
    s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }

  // The catalog's multi-word synonyms (MySQL itself reports none of them).
  for (const auto& [from, to] : {std::pair<const char*, const char*>{"character varying", "varchar"},
                                 {"character", "char"},
                                 {"timestamp without time zone", "timestamp"},
                                 {"timestamp with time zone", "timestamptz"},
                                 {"time without time zone", "time"}}) {
    const std::string f = from;
    if (s.compare(0, f.size(), f) == 0 &&
        (s.size() == f.size() || s[f.size()] == '(' || s[f.size()] == ' ')) {
      s = to + s.substr(f.size());
      break;
    }
  }

  // base [ "(" args ")" ] [ rest ]
  size_t i = 0;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
  std::string base = s.substr(0, i);
  std::optional<std::string> args;
  size_t after = i;
  if (i < s.size() && s[i] == '(') {
    size_t depth = 0, j = i;
    for (; j < s.size(); ++j) {
      const char c = s[j];
      if (c == '\'' || c == '"') {
        for (++j; j < s.size(); ++j) {
          if (s[j] == '\\') {
            ++j;
          } else if (s[j] == c) {
            if (j + 1 < s.size() && s[j + 1] == c) {
              ++j;
            } else {
              break;
            }
          }
        }
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        break;
      }
    }
    if (j >= s.size()) return s;  // unbalanced: leave it as reported
    args = s.substr(i + 1, j - i - 1);
    after = j + 1;
  }
  std::string rest = s.substr(after);
  while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);

  if (base == "int" || base == "integer" || base == "int4") {
    base = "integer";
    args.reset();
  } else if (base == "int2" || base == "smallint") {
    base = "smallint";
    args.reset();
  } else if (base == "int8" || base == "bigint") {
    base = "bigint";
    args.reset();
  } else if (base == "mediumint") {
    args.reset();
  } else if (base == "tinyint") {
    if (args && *args != "1") args.reset();
  } else if (base == "decimal" || base == "numeric" || base == "dec" || base == "fixed") {
    base = "numeric";
  } else if (base == "bool" || base == "boolean") {
    base = "boolean";
  } else if (base == "float8" || base == "double") {
    base = "double";
    if (!args && (rest == "precision" || rest.rfind("precision ", 0) == 0)) {
      rest.erase(0, std::string("precision").size());
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    }
  } else if (base == "float4" || base == "real") {
    base = "real";
  } else {
    return s;
  }
  std::string out = base;
  if (args) out += "(" + *args + ")";
  if (!rest.empty()) out += " " + rest;
  return out;
}

std::string strip_database(const std::string& definition, const std::string& database) {
  std::string out;
  out.reserve(definition.size());
  for (size_t i = 0; i < definition.size();) {
    const char c = definition[i];
    if (c == '\'' || c == '"') {  // a literal: copied as is
      size_t j = i + 1;
      for (; j < definition.size(); ++j) {
        if (definition[j] == '\\') {
          ++j;
        } else if (definition[j] == c) {
          if (j + 1 < definition.size() && definition[j + 1] == c) {
            ++j;
          } else {
            break;
          }
        }
      }
      j = std::min(j + 1, definition.size());
      out.append(definition, i, j - i);
      i = j;
    } else if (c == '`') {  // an identifier: dropped when it is `database`.
      std::string name;
      size_t j = i + 1;
      for (; j < definition.size(); ++j) {
        if (definition[j] == '`') {
          if (j + 1 < definition.size() && definition[j + 1] == '`') {
            name += '`';
            ++j;
          } else {
            break;
          }
        } else {
          name += definition[j];
        }
      }
      j = std::min(j + 1, definition.size());
      if (name == database && j < definition.size() && definition[j] == '.') {
        i = j + 1;
      } else {
        out.append(definition, i, j - i);
        i = j;
      }
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string introspect(sql::Connection& db, const std::string& options_json) {
  const std::set<std::string> excluded = exclusions(options_json);

  std::string database;
  {
    std::unique_ptr<sql::Statement> stmt(db.createStatement());
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT DATABASE()"));
    if (!rs->next() || rs->isNull(1))
      throw std::invalid_argument("introspect: no database is selected (the URL names none)");
    database = rs->getString(1).asStdString();
  }

  // information_schema compares names case-insensitively: `Db` = `db`,
  // `T` = `t`. Rows of another database than ours, by bytes, are dropped.
  auto ours = [&](sql::ResultSet& rs) { return rs.getString("S").asStdString() == database; };

  std::map<std::string, Table> tables;
  {
    auto rs = query(
        db,
        "SELECT TABLE_SCHEMA AS S, TABLE_NAME, TABLE_COMMENT, TABLE_COLLATION FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
        database);
    while (rs->next()) {
      std::string name = rs->getString("TABLE_NAME").asStdString();
      if (!ours(*rs) || excluded.count(name)) continue;
      Table& t = tables[name];
      t.comment = non_empty(opt_string(*rs, "TABLE_COMMENT"));
      t.collation = string_or_empty(*rs, "TABLE_COLLATION");
    }
  }
  auto table_of = [&](sql::ResultSet& rs) -> Table* {
    if (!ours(rs)) return nullptr;
    auto it = tables.find(rs.getString("TABLE_NAME").asStdString());
    return it == tables.end() ? nullptr : &it->second;  // a view, an excluded table
  };

  {
    auto rs =
        query(db,
              "SELECT TABLE_SCHEMA AS S, TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, "
              "IS_NULLABLE, COLUMN_DEFAULT, "
              "EXTRA, COLLATION_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?",
              database);
    while (rs->next()) {
      Table* t = table_of(*rs);
      if (!t) continue;
      Column c;
      c.position = rs->getInt64("ORDINAL_POSITION");
      c.name = rs->getString("COLUMN_NAME").asStdString();
      c.type = rs->getString("COLUMN_TYPE").asStdString();
      c.nullable = string_or_empty(*rs, "IS_NULLABLE") == "YES";
      c.default_expr = opt_string(*rs, "COLUMN_DEFAULT");
      const std::string extra = string_or_empty(*rs, "EXTRA");
      const std::string extra_lower = lower(extra);
      c.autoincrement = extra_lower.find("auto_increment") != std::string::npos;
      const size_t on_update = extra_lower.find("on update ");
      if (on_update != std::string::npos) {
        const std::string clause = extra.substr(on_update);
        c.default_expr = c.default_expr ? *c.default_expr + " " + clause : clause;
      }
      c.collation = opt_string(*rs, "COLLATION_NAME");
      if (c.collation && *c.collation == t->collation) c.collation.reset();
      c.comment = non_empty(opt_string(*rs, "COLUMN_COMMENT"));
      t->columns.push_back(std::move(c));
    }
  }

  {
    // Both sides are read once into derived tables (a LIMIT keeps MariaDB
    // from merging them into the outer join) and joined by the key MariaDB
    // builds on them. Joined directly, the two information_schema tables
    // make a block nested loop: 1.7 s instead of 0.04 s at 1,000 tables.
    // A UNIQUE key and a FOREIGN KEY of a table may share a name: the
    // REFERENCED_TABLE_NAME test keeps their columns apart. Table names
    // compare case-insensitively in information_schema (`T` = `t`): rows
    // pairing two different tables are dropped below, by bytes.
    auto rs = query(db,
                    "SELECT tc.TABLE_SCHEMA AS S, k.TABLE_SCHEMA AS KEY_S, tc.TABLE_NAME, k.TABLE_NAME AS "
                    "KEY_TABLE_NAME, "
                    "tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, "
                    "k.COLUMN_NAME, k.ORDINAL_POSITION, "
                    "k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME "
                    "FROM (SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM "
                    "information_schema.TABLE_CONSTRAINTS "
                    "WHERE TABLE_SCHEMA = ? AND CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') "
                    "LIMIT 18446744073709551615) tc "
                    "JOIN (SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION, "
                    "REFERENCED_TABLE_SCHEMA, "
                    "REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                    "WHERE TABLE_SCHEMA = ? LIMIT 18446744073709551615) k "
                    "ON k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME "
                    "AND (tc.CONSTRAINT_TYPE = 'FOREIGN KEY') = (k.REFERENCED_TABLE_NAME IS NOT NULL)",
                    database);
    while (rs->next()) {
      Table* t = table_of(*rs);
      if (!t || rs->getString("KEY_S").asStdString() != database ||
          rs->getString("TABLE_NAME").asStdString() != rs->getString("KEY_TABLE_NAME").asStdString())
        continue;
      const std::string name = rs->getString("CONSTRAINT_NAME").asStdString();
      const std::string kind = rs->getString("CONSTRAINT_TYPE").asStdString();
      const int64_t position = rs->getInt64("ORDINAL_POSITION");
      const std::string column = rs->getString("COLUMN_NAME").asStdString();
      if (kind == "PRIMARY KEY") {
        t->primary_key.emplace_back(position, column);
        t->key_constraints.insert(name);
      } else if (kind == "UNIQUE") {
        t->uniques[name].emplace_back(position, column);
        t->key_constraints.insert(name);
      } else {
        ForeignKey& fk = t->foreign_keys[name];
        fk.name = name;
        fk.columns.push_back({position, column, string_or_empty(*rs, "REFERENCED_TABLE_SCHEMA"),
                              string_or_empty(*rs, "REFERENCED_TABLE_NAME"),
                              string_or_empty(*rs, "REFERENCED_COLUMN_NAME")});
      }
    }
  }

  {
    auto rs = query(db,
                    "SELECT CONSTRAINT_SCHEMA AS S, TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE "
                    "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?",
                    database);
    auto action = [](Opt rule) -> Opt {
      if (!rule || *rule == "NO ACTION") return std::nullopt;
      return rule;
    };
    while (rs->next()) {
      Table* t = table_of(*rs);
      if (!t) continue;
      auto it = t->foreign_keys.find(rs->getString("CONSTRAINT_NAME").asStdString());
      if (it == t->foreign_keys.end()) continue;
      it->second.on_update = action(opt_string(*rs, "UPDATE_RULE"));
      it->second.on_delete = action(opt_string(*rs, "DELETE_RULE"));
    }
  }

  {
    auto rs = query(db,
                    "SELECT TABLE_SCHEMA AS S, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, "
                    "COLUMN_NAME, COLLATION, SUB_PART, "
                    "INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?",
                    database);
    while (rs->next()) {
      Table* t = table_of(*rs);
      if (!t) continue;
      const std::string name = rs->getString("INDEX_NAME").asStdString();
      if (name == "PRIMARY" || t->key_constraints.count(name)) continue;
      Index& index = t->indexes[name];
      index.name = name;
      index.unique = rs->getInt64("NON_UNIQUE") == 0;
      index.method = string_or_empty(*rs, "INDEX_TYPE");
      KeyPart part;
      part.seq = rs->getInt64("SEQ_IN_INDEX");
      part.column = string_or_empty(*rs, "COLUMN_NAME");
      part.descending = string_or_empty(*rs, "COLLATION") == "D";
      if (!rs->isNull("SUB_PART")) part.prefix = rs->getInt64("SUB_PART");
      index.parts.push_back(std::move(part));
    }
  }

  {
    auto rs = query(db,
                    "SELECT CONSTRAINT_SCHEMA AS S, TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE "
                    "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?",
                    database);
    while (rs->next()) {
      Table* t = table_of(*rs);
      if (!t) continue;
      Check check;
      if (string_or_empty(*rs, "LEVEL") != "Column")
        check.name = rs->getString("CONSTRAINT_NAME").asStdString();
      check.expression = string_or_empty(*rs, "CHECK_CLAUSE");
      t->checks.push_back(std::move(check));
    }
  }

  std::map<std::string, std::string> views;
  {
    auto rs = query(db,
                    "SELECT TABLE_SCHEMA AS S, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
                    "WHERE TABLE_SCHEMA = ?",
                    database);
    while (rs->next())
      if (ours(*rs))
        views[rs->getString("TABLE_NAME").asStdString()] =
            strip_database(string_or_empty(*rs, "VIEW_DEFINITION"), database);
  }

  // ---- the document, keys in the order of catalog.hpp
  ordered_json root;
  root["format"] = 1;
  root["dialect"] = "mysql";
  root["tables"] = ordered_json::array();
  for (auto& [table_name, t] : tables) {  // std::map: sorted by name, bytewise
    ordered_json tj;
    tj["schema"] = nullptr;
    tj["name"] = table_name;
    tj["comment"] = opt_json(t.comment);
    tj["columns"] = ordered_json::array();
    std::sort(t.columns.begin(), t.columns.end(),
              [](const Column& a, const Column& b) { return a.position < b.position; });
    for (auto& c : t.columns) {
      ordered_json cj;
      cj["name"] = c.name;
      cj["type"] = c.type;
      cj["normalized_type"] = normalize_type(c.type);
      cj["nullable"] = c.nullable;
      cj["default"] = opt_json(c.default_expr);
      cj["identity"] = nullptr;
      cj["autoincrement"] = c.autoincrement;
      cj["collation"] = opt_json(c.collation);
      cj["comment"] = opt_json(c.comment);
      tj["columns"].push_back(std::move(cj));
    }
    if (t.primary_key.empty()) {
      tj["primary_key"] = nullptr;
    } else {
      ordered_json pk;
      pk["name"] = "PRIMARY";
      pk["columns"] = columns_json(t.primary_key);
      tj["primary_key"] = std::move(pk);
    }
    tj["unique_constraints"] = ordered_json::array();
    for (auto& [name, parts] : t.uniques) {
      ordered_json uj;
      uj["name"] = name;
      uj["columns"] = columns_json(parts);
      tj["unique_constraints"].push_back(std::move(uj));
    }
    tj["indexes"] = ordered_json::array();
    for (auto& [name, index] : t.indexes) {
      std::sort(index.parts.begin(), index.parts.end(),
                [](const KeyPart& a, const KeyPart& b) { return a.seq < b.seq; });
      ordered_json ij;
      ij["name"] = name;
      ij["unique"] = index.unique;
      ij["columns"] = ordered_json::array();
      for (auto& p : index.parts) {
        ordered_json pj;
        pj["column"] = p.column;
        pj["expression"] = nullptr;
        pj["descending"] = p.descending;
        pj["prefix"] = p.prefix ? ordered_json(*p.prefix) : ordered_json(nullptr);
        ij["columns"].push_back(std::move(pj));
      }
      ij["where"] = nullptr;
      ij["method"] = index.method.empty() ? ordered_json(nullptr) : ordered_json(index.method);
      tj["indexes"].push_back(std::move(ij));
    }
    tj["foreign_keys"] = ordered_json::array();
    for (auto& [name, fk] : t.foreign_keys) {
      std::sort(fk.columns.begin(), fk.columns.end(),
                [](const Ref& a, const Ref& b) { return a.position < b.position; });
      ordered_json columns = ordered_json::array(), ref_columns = ordered_json::array();
      for (auto& r : fk.columns) {
        columns.push_back(r.column);
        ref_columns.push_back(r.ref_column);
      }
      const Ref& first = fk.columns.front();
      ordered_json fj;
      fj["name"] = name;
      fj["columns"] = std::move(columns);
      fj["ref_schema"] = first.ref_schema.empty() || first.ref_schema == database
                             ? ordered_json(nullptr)
                             : ordered_json(first.ref_schema);
      fj["ref_table"] = first.ref_table;
      fj["ref_columns"] = std::move(ref_columns);
      fj["on_delete"] = opt_json(fk.on_delete);
      fj["on_update"] = opt_json(fk.on_update);
      fj["deferrable"] = false;
      fj["initially_deferred"] = false;
      tj["foreign_keys"].push_back(std::move(fj));
    }
    // Named by name, then the unnamed (column-level) by expression.
    std::sort(t.checks.begin(), t.checks.end(), [](const Check& a, const Check& b) {
      if (a.name.has_value() != b.name.has_value()) return a.name.has_value();
      if (a.name && *a.name != *b.name) return *a.name < *b.name;
      return a.expression < b.expression;
    });
    tj["checks"] = ordered_json::array();
    for (auto& c : t.checks) {
      ordered_json cj;
      cj["name"] = opt_json(c.name);
      cj["expression"] = c.expression;
      tj["checks"].push_back(std::move(cj));
    }
    tj["triggers"] = ordered_json::array();  // held for SQLite only so far
    root["tables"].push_back(std::move(tj));
  }
  root["views"] = ordered_json::array();
  for (auto& [name, definition] : views) {
    ordered_json vj;
    vj["schema"] = nullptr;
    vj["name"] = name;
    vj["definition"] = definition;
    root["views"].push_back(std::move(vj));
  }
  root["sequences"] = ordered_json::array();
  root["enums"] = ordered_json::array();
  return root.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace strata::mysql
