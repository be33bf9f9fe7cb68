// ABI 1.2 introspect() for SQLite: the "main" schema as a catalog document,
// format 1 (src/schema/include/strata/schema/catalog.hpp).
//
// Where each field comes from:
//  - SQLite's own catalog, read in a fixed number of statements whatever the
//    number of tables (one per kind of object, each joining sqlite_master
//    with a table-valued pragma across all tables): sqlite_master (tables,
//    views, index SQL); pragma_table_xinfo (columns: name, declared type, NOT
//    NULL, default, primary key position); pragma_index_list joined with
//    pragma_index_xinfo (indexes and UNIQUE constraints: origin, uniqueness,
//    partial, key columns, DESC, collation); pragma_foreign_key_list
//    (foreign keys: columns, referenced table and columns, ON DELETE/UPDATE).
//    All of them run in one read transaction, so they see one snapshot.
//  - What SQLite keeps only in the stored CREATE TABLE / CREATE INDEX /
//    CREATE VIEW / CREATE TRIGGER text (constraint names, CHECK expressions,
//    AUTOINCREMENT, column COLLATE, DEFERRABLE, index expressions and WHERE
//    clauses, a view's SELECT) is read from that text by a small reader
//    over SQLite's tokens (quotes, nested parentheses, comments):
//    read_create_table, read_create_index, read_view_definition,
//    read_trigger_definition in stored_sql.hpp. Expressions taken from the
//    text are written with comments removed and each run of blanks (or
//    comments) between tokens made one space (none after '(' or before ')'
//    and ','), so the same schema laid out otherwise gives the same catalog.
//    Defaults are pragma_table_xinfo's text as is (SQLite drops the
//    parentheses of DEFAULT (expr)).
//
// Decisions the format leaves to the dialect:
//  - nullable is false for an INTEGER PRIMARY KEY of a rowid table (the
//    rowid can never be NULL, though the pragma reports no NOT NULL), else
//    the pragma's NOT NULL.
//  - collation: the column's COLLATE unless BINARY (SQLite has no table
//    default); NOCASE and RTRIM in upper case (names are case-insensitive).
//  - REFERENCES without columns: ref_columns are the referenced table's
//    primary key, which is what SQLite uses ([] if that table is unknown);
//    ref_table and ref_columns are written as the referenced table defines
//    them (SQLite matches them case-insensitively).
//  - Virtual tables and their shadow tables are not listed: the format
//    cannot describe a module.
//  - triggers: those of sqlite_master on a listed table (tbl_name matched
//    case-insensitively, as SQLite does), by name; the definition is the
//    stored CREATE TRIGGER statement laid out as expressions are (SQLite
//    itself drops IF NOT EXISTS and writes CREATE TRIGGER in upper case).
//    Triggers on views (INSTEAD OF) are not listed: the format holds
//    triggers per table.
//
// What SQLite does not have is written as the format allows: schema,
// comments, identity, index method and prefix, ref_schema are null;
// sequences and enums are []. What the format cannot hold is left out: a
// generated column's expression (the column is listed, default null), a
// view's column list, the collation of an index or UNIQUE key column.
//
// The text reader never guesses: text that does not match what the pragmas
// report (a foreign key or UNIQUE constraint the text does not show, an
// index whose column count differs) fails introspection with the table
// named, rather than returning a catalog with a silently wrong name.
#include "introspect.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "stored_sql.hpp"
#include "strata/plugin_support.hpp"

namespace strata::sqlite {
namespace {

using Json = nlohmann::ordered_json;  // keys in the documented order

// ---------------------------------------------------------------------------
// Small helpers

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// iequals of two names is stored_sql.hpp's; this one compares lists of them.
using sqlite::iequals;

bool iequals(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!iequals(a[i], b[i])) return false;
  return true;
}

// A failed SQLite call (message read before the statement is finalized).
struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& message) : std::runtime_error(message), rc(code) {}
  int rc;
};

// ---------------------------------------------------------------------------
// normalized_type: lower case, blanks collapsed (none next to parentheses and
// commas), and the catalog's synonyms folded.

std::string normalized_type(std::string_view declared) {
  std::string s;
  bool blank = false;
  for (char c : declared) {
    if (is_blank(c)) {
      blank = true;
      continue;
    }
    const bool tight = c == '(' || c == ')' || c == ',';
    if (blank && !s.empty() && !tight && s.back() != '(' && s.back() != ',') s += ' ';
    blank = false;
    s += lower_ascii(c);
  }
  // base name, arguments, words after the arguments ("timestamp(3) with time zone")
  std::string base = s, args, suffix;
  if (const auto p = s.find('('); p != std::string::npos) {
    const auto q = s.find(')', p);
    base = s.substr(0, p);
    if (!base.empty() && base.back() == ' ') base.pop_back();
    args = q == std::string::npos ? s.substr(p) : s.substr(p, q - p + 1);
    suffix = q == std::string::npos ? "" : s.substr(q + 1);
    if (!suffix.empty() && suffix.front() == ' ') suffix.erase(0, 1);
    if (!suffix.empty()) base += " " + suffix;
  }
  static const std::map<std::string, std::string> folds = {
      {"int", "integer"},
      {"int4", "integer"},
      {"integer", "integer"},
      {"int2", "smallint"},
      {"int8", "bigint"},
      {"character varying", "varchar"},
      {"varchar", "varchar"},
      {"character", "char"},
      {"char", "char"},
      {"bool", "boolean"},
      {"boolean", "boolean"},
      {"decimal", "numeric"},
      {"numeric", "numeric"},
      {"float8", "double"},
      {"double precision", "double"},
      {"double", "double"},
      {"float4", "real"},
      {"real", "real"},
      {"timestamp without time zone", "timestamp"},
      {"timestamp with time zone", "timestamptz"},
      {"time without time zone", "time"},
  };
  const auto f = folds.find(base);
  if (f == folds.end()) return s;
  return f->second + args;
}

// ---------------------------------------------------------------------------
// Reading SQLite's catalog

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw SqliteError(rc, sqlite3_errmsg(db_));
  }
  std::optional<std::string> text(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  std::string str(int col) const { return text(col).value_or(""); }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, sqlite3_errmsg(db));
}

struct PragmaColumn {
  std::string name, type;
  bool notnull = false;
  std::optional<std::string> dflt;
  int64_t pk = 0;  // position in the primary key, 0 if not in it
};

struct PragmaIndexColumn {
  int64_t cid = 0;  // -2: an expression
  std::optional<std::string> name;
  bool descending = false;
  std::string collation;
};

struct PragmaIndex {
  std::string name, origin;  // origin: c (CREATE INDEX), u (UNIQUE), pk
  bool unique = false, partial = false;
  std::vector<PragmaIndexColumn> columns;
};

struct PragmaForeignKey {
  std::string table;
  std::vector<std::string> from;
  std::vector<std::optional<std::string>> to;
  std::string on_update, on_delete;
};

struct TableData {
  std::string sql;
  std::vector<PragmaColumn> columns;
  std::map<std::string, PragmaIndex> indexes;
  std::map<int64_t, PragmaForeignKey> foreign_keys;  // by pragma id
};

// The tables of "main" the pragma queries read: sqlite_* tables and virtual
// tables (whose module the catalog cannot describe; their pragmas may need
// the module) are left out. Excluded and shadow tables are dropped from the
// results by name (they are not in query 1's list).
constexpr const char* kTableFilter =
    "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'";

Json opt(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

// "Sorted by name, unnamed last", then by `rest`.
bool name_first(const std::optional<std::string>& a, const std::optional<std::string>& b, bool rest_less) {
  if (a.has_value() != b.has_value()) return a.has_value();
  if (a && *a != *b) return *a < *b;
  return rest_less;
}

// The autoindex number N of sqlite_autoindex_<table>_N: SQLite numbers the
// indexes of a table's PRIMARY KEY and UNIQUE constraints in written order.
int64_t autoindex_number(const std::string& name) {
  const auto p = name.rfind('_');
  return p == std::string::npos ? 0 : std::strtoll(name.c_str() + p + 1, nullptr, 10);
}

std::string catalog_json(sqlite3* db, const std::set<std::string>& excluded) {
  std::map<std::string, TableData> tables;     // by name: the catalog's order
  std::map<std::string, std::string> views;    // name -> SQL
  std::map<std::string, std::string> index_sql;  // name -> SQL (CREATE INDEX only)
  std::map<std::string, std::map<std::string, std::string>> triggers;  // lower table name -> name -> SQL
  auto included = [&](const std::string& table) { return excluded.count(lower(table)) == 0; };

  {  // 1. sqlite_master: tables, views, triggers, the SQL of indexes (autoindexes have none).
    // The shadow tables a virtual table keeps its data in (fts5's x_data,
    // x_idx ...) belong to it: left out with it (pragma_table_list, 3.37+,
    // knows them when the module is loaded).
    std::string tables_sql = kTableFilter;
    if (sqlite3_libversion_number() >= 3037000)
      tables_sql += " AND m.name NOT IN (SELECT s.name FROM pragma_table_list AS s "
                    "WHERE s.schema = 'main' AND s.type = 'shadow')";
    const std::string query = "SELECT m.type, m.name, m.sql, m.tbl_name FROM main.sqlite_master AS m "
                              "WHERE (m.type IN ('view', 'index', 'trigger') AND m.sql IS NOT NULL) OR (" +
                              tables_sql + ")";
    Statement st(db, query.c_str());
    while (st.step()) {
      const std::string type = st.str(0), name = st.str(1), sql = st.str(2);
      if (type == "table" && included(name)) tables[name].sql = sql;
      else if (type == "view") views[name] = sql;
      else if (type == "index") index_sql[name] = sql;
      else if (type == "trigger") triggers[lower(st.str(3))][name] = sql;
    }
  }
  {  // 2. columns of every table
    Statement st(db, (std::string("SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk "
                                  "FROM main.sqlite_master AS m, pragma_table_xinfo(m.name, 'main') AS c WHERE ") +
                      kTableFilter + " ORDER BY m.name, c.cid")
                         .c_str());
    while (st.step()) {
      auto it = tables.find(st.str(0));
      if (it == tables.end()) continue;
      it->second.columns.push_back({st.str(1), st.str(2), st.integer(3) != 0, st.text(4), st.integer(5)});
    }
  }
  {  // 3. indexes (CREATE INDEX, UNIQUE and PRIMARY KEY constraints) with their key columns
    Statement st(db, (std::string("SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, "
                                  "ix.cid, ix.name, ix.\"desc\", ix.coll "
                                  "FROM main.sqlite_master AS m, pragma_index_list(m.name, 'main') AS il, "
                                  "pragma_index_xinfo(il.name, 'main') AS ix WHERE ") +
                      kTableFilter + " AND ix.key = 1 ORDER BY m.name, il.name, ix.seqno")
                         .c_str());
    while (st.step()) {
      auto it = tables.find(st.str(0));
      if (it == tables.end()) continue;
      PragmaIndex& index = it->second.indexes[st.str(1)];
      index.name = st.str(1);
      index.unique = st.integer(2) != 0;
      index.origin = st.str(3);
      index.partial = st.integer(4) != 0;
      index.columns.push_back({st.integer(5), st.text(6), st.integer(7) != 0, st.str(8)});
    }
  }
  {  // 4. foreign keys
    Statement st(db, (std::string("SELECT m.name, fk.id, fk.\"table\", fk.\"from\", fk.\"to\", fk.on_update, "
                                  "fk.on_delete FROM main.sqlite_master AS m, "
                                  "pragma_foreign_key_list(m.name, 'main') AS fk WHERE ") +
                      kTableFilter + " ORDER BY m.name, fk.id, fk.seq")
                         .c_str());
    while (st.step()) {
      auto it = tables.find(st.str(0));
      if (it == tables.end()) continue;
      PragmaForeignKey& fk = it->second.foreign_keys[st.integer(1)];
      fk.table = st.str(2);
      fk.from.push_back(st.str(3));
      fk.to.push_back(st.text(4));
      fk.on_update = st.str(5);
      fk.on_delete = st.str(6);
    }
  }

  // Tables by name in any case, to write referenced tables and columns as
  // they are defined (SQLite resolves REFERENCES case-insensitively).
  std::map<std::string, const std::pair<const std::string, TableData>*> by_lower;
  for (const auto& entry : tables) by_lower[lower(entry.first)] = &entry;

  Json out_tables = Json::array();
  for (const auto& [table_name, data] : tables) {
    try {
      TableText text = read_create_table(data.sql);

      Json columns = Json::array();
      std::vector<std::pair<int64_t, std::string>> pk;
      for (const PragmaColumn& c : data.columns) {
        const TextColumn* tc = text.column(c.name);
        if (!tc) throw ReadError("column " + c.name + " is not in the stored CREATE TABLE");
        // SQLite has no table default collation: BINARY unless the column
        // says otherwise. Collation names are case-insensitive: the built-in
        // ones are written in upper case, others as defined.
        std::optional<std::string> collation = tc->collation;
        if (collation && iequals(*collation, "BINARY")) collation.reset();
        if (collation && (iequals(*collation, "NOCASE") || iequals(*collation, "RTRIM")))
          for (char& ch : *collation) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
        Json col;
        col["name"] = c.name;
        col["type"] = c.type;  // the declared type, "" if none
        col["normalized_type"] = normalized_type(c.type);
        col["nullable"] = !c.notnull;
        col["default"] = opt(c.dflt);  // as written (SQLite keeps the text)
        col["identity"] = nullptr;     // SQLite has no identity columns
        col["autoincrement"] = tc->autoincrement;
        col["collation"] = opt(collation);
        col["comment"] = nullptr;  // SQLite has no comments
        columns.push_back(std::move(col));
        if (c.pk > 0) pk.emplace_back(c.pk, c.name);
      }
      std::sort(pk.begin(), pk.end());
      // An INTEGER PRIMARY KEY of a rowid table is the rowid: never NULL,
      // though pragma_table_xinfo reports it without NOT NULL unless written
      // (a WITHOUT ROWID table's key columns are reported NOT NULL already).
      if (pk.size() == 1 && !text.without_rowid)
        for (auto& col : columns)
          if (col["name"] == pk[0].second && iequals(col["type"].get<std::string>(), "INTEGER") &&
              !text.column(pk[0].second)->primary_key_desc)
            col["nullable"] = false;
      Json primary_key = nullptr;
      if (!pk.empty()) {
        primary_key = Json::object();
        primary_key["name"] = opt(text.primary_key_name);
        primary_key["columns"] = Json::array();
        for (const auto& p : pk) primary_key["columns"].push_back(p.second);
      }

      // UNIQUE constraints: the indexes SQLite made for them (origin 'u'; a
      // constraint identical to another, or to the primary key, makes
      // none), named from the text in written order.
      auto column_collation = [&](const std::string& column) {
        const TextColumn* tc = text.column(column);
        return tc && tc->collation ? *tc->collation : std::string("BINARY");
      };
      std::vector<const PragmaIndex*> unique_indexes;
      for (const auto& entry : data.indexes)
        if (entry.second.origin == "u") unique_indexes.push_back(&entry.second);
      std::sort(unique_indexes.begin(), unique_indexes.end(), [](const PragmaIndex* a, const PragmaIndex* b) {
        return autoindex_number(a->name) < autoindex_number(b->name);
      });
      struct Key {
        std::optional<std::string> name;
        std::vector<std::string> columns;
      };
      std::vector<Key> uniques;
      for (const PragmaIndex* index : unique_indexes) {
        std::vector<std::string> cols;
        for (const auto& c : index->columns) {
          if (!c.name) throw ReadError("UNIQUE constraint index " + index->name + " has an expression");
          cols.push_back(*c.name);
        }
        auto same_collations = [&](const TextUnique& u) {
          for (size_t k = 0; k < cols.size(); ++k)
            if (!iequals(u.collations[k].value_or(column_collation(u.columns[k])), index->columns[k].collation))
              return false;
          return true;
        };
        TextUnique* match = nullptr;
        for (int pass = 0; pass < 2 && !match; ++pass)
          for (auto& u : text.uniques)
            if (!u.used && iequals(u.columns, cols) && (pass == 1 || same_collations(u))) {
              match = &u;
              break;
            }
        if (!match) throw ReadError("UNIQUE (" + join_names(cols) + ") is not in the stored CREATE TABLE");
        match->used = true;
        uniques.push_back({match->name, cols});
      }
      std::sort(uniques.begin(), uniques.end(),
                [](const Key& a, const Key& b) { return name_first(a.name, b.name, a.columns < b.columns); });
      Json unique_constraints = Json::array();
      for (const Key& k : uniques) {
        Json u;
        u["name"] = opt(k.name);
        u["columns"] = k.columns;
        unique_constraints.push_back(std::move(u));
      }

      // Indexes made by CREATE INDEX (sorted by name: the map's order).
      Json indexes = Json::array();
      for (const auto& [index_name, index] : data.indexes) {
        if (index.origin != "c") continue;
        const auto sql = index_sql.find(index_name);
        if (sql == index_sql.end()) throw ReadError("index " + index_name + " has no stored SQL");
        IndexText itext;
        try {
          itext = read_create_index(sql->second);
        } catch (const ReadError& e) {
          throw ReadError("index " + index_name + ": " + e.what());
        }
        if (itext.elements.size() != index.columns.size())
          throw ReadError("index " + index_name + ": the stored SQL lists " + std::to_string(itext.elements.size()) +
                          " columns, SQLite " + std::to_string(index.columns.size()));
        if (index.partial && !itext.where) throw ReadError("index " + index_name + ": partial, but no WHERE found");
        Json ix;
        ix["name"] = index_name;
        ix["unique"] = index.unique;
        ix["columns"] = Json::array();
        for (size_t k = 0; k < index.columns.size(); ++k) {
          const PragmaIndexColumn& c = index.columns[k];
          const bool expression = c.cid < 0 || !c.name;  // -2: expression (-1, the rowid, is written as text too)
          Json col;
          col["column"] = expression ? Json(nullptr) : Json(*c.name);
          col["expression"] = expression ? Json(itext.elements[k]) : Json(nullptr);
          col["descending"] = c.descending;
          col["prefix"] = nullptr;  // no prefix indexes in SQLite
          ix["columns"].push_back(std::move(col));
        }
        ix["where"] = index.partial ? Json(*itext.where) : Json(nullptr);
        ix["method"] = nullptr;  // SQLite has one kind of index
        indexes.push_back(std::move(ix));
      }

      // Foreign keys: pragma ids count from the last one written, so the
      // text is matched by content, in written order.
      struct Fk {
        std::optional<std::string> name;
        std::vector<std::string> columns;
        std::string ref_table;
        std::vector<std::string> ref_columns;
        std::optional<std::string> on_delete, on_update;
        bool deferrable, initially_deferred;
        auto key() const {
          return std::tie(columns, ref_table, ref_columns, on_delete, on_update, deferrable, initially_deferred);
        }
      };
      std::vector<Fk> fks;
      for (auto it = data.foreign_keys.rbegin(); it != data.foreign_keys.rend(); ++it) {
        const PragmaForeignKey& p = it->second;
        std::vector<std::string> to;
        for (const auto& c : p.to)
          if (c) to.push_back(*c);
        TextForeignKey* match = nullptr;
        for (auto& f : text.foreign_keys)
          if (!f.used && iequals(f.columns, p.from) && iequals(f.ref_table, p.table) && iequals(f.ref_columns, to)) {
            match = &f;
            break;
          }
        if (!match)
          throw ReadError("FOREIGN KEY (" + join_names(p.from) + ") REFERENCES " + p.table +
                          " is not in the stored CREATE TABLE");
        match->used = true;
        Fk fk{match->name, p.from, p.table, to, std::nullopt, std::nullopt, match->deferrable, match->initially_deferred};
        // The referenced table and columns as they are defined; REFERENCES
        // without columns means the referenced table's primary key.
        if (auto ref = by_lower.find(lower(p.table)); ref != by_lower.end()) {
          const TableData& rd = ref->second->second;
          fk.ref_table = ref->second->first;
          if (fk.ref_columns.empty()) {
            std::vector<std::pair<int64_t, std::string>> rpk;
            for (const auto& c : rd.columns)
              if (c.pk > 0) rpk.emplace_back(c.pk, c.name);
            std::sort(rpk.begin(), rpk.end());
            for (const auto& c : rpk) fk.ref_columns.push_back(c.second);
          } else {
            for (auto& rc : fk.ref_columns)
              for (const auto& c : rd.columns)
                if (iequals(c.name, rc)) rc = c.name;
          }
        }
        auto action = [](const std::string& a) -> std::optional<std::string> {
          if (a.empty() || iequals(a, "NO ACTION")) return std::nullopt;  // the format's null = NO ACTION
          return a;
        };
        fk.on_delete = action(p.on_delete);
        fk.on_update = action(p.on_update);
        fks.push_back(std::move(fk));
      }
      std::sort(fks.begin(), fks.end(), [](const Fk& a, const Fk& b) { return name_first(a.name, b.name, a.key() < b.key()); });
      Json foreign_keys = Json::array();
      for (const Fk& f : fks) {
        Json fk;
        fk["name"] = opt(f.name);
        fk["columns"] = f.columns;
        fk["ref_schema"] = nullptr;  // SQLite: no schemas
        fk["ref_table"] = f.ref_table;
        fk["ref_columns"] = f.ref_columns;
        fk["on_delete"] = opt(f.on_delete);
        fk["on_update"] = opt(f.on_update);
        fk["deferrable"] = f.deferrable;
        fk["initially_deferred"] = f.initially_deferred;
        foreign_keys.push_back(std::move(fk));
      }

      std::sort(text.checks.begin(), text.checks.end(), [](const TextCheck& a, const TextCheck& b) {
        return name_first(a.name, b.name, a.expression < b.expression);
      });
      Json checks = Json::array();
      for (const TextCheck& c : text.checks) {
        Json ck;
        ck["name"] = opt(c.name);
        ck["expression"] = c.expression;
        checks.push_back(std::move(ck));
      }

      Json table;
      table["schema"] = nullptr;   // SQLite: no schemas
      table["name"] = table_name;
      table["comment"] = nullptr;  // SQLite has no comments
      table["columns"] = std::move(columns);
      table["primary_key"] = std::move(primary_key);
      table["unique_constraints"] = std::move(unique_constraints);
      table["indexes"] = std::move(indexes);
      table["foreign_keys"] = std::move(foreign_keys);
      table["checks"] = std::move(checks);
      Json out_triggers = Json::array();
      for (const auto& [name, sql] : triggers[lower(table_name)]) {
        try {
          out_triggers.push_back({{"name", name}, {"definition", read_trigger_definition(sql)}});
        } catch (const ReadError& e) {
          throw ReadError("trigger " + name + ": " + e.what());
        }
      }
      table["triggers"] = std::move(out_triggers);
      out_tables.push_back(std::move(table));
    } catch (const ReadError& e) {
      throw ReadError("table " + table_name + ": " + e.what());
    }
  }

  Json out_views = Json::array();
  for (const auto& [name, sql] : views) {
    Json v;
    v["schema"] = nullptr;
    v["name"] = name;
    try {
      v["definition"] = read_view_definition(sql);
    } catch (const ReadError& e) {
      throw ReadError("view " + name + ": " + e.what());
    }
    out_views.push_back(std::move(v));
  }

  Json doc;
  doc["format"] = 1;
  doc["dialect"] = "sqlite";
  doc["tables"] = std::move(out_tables);
  doc["views"] = std::move(out_views);
  doc["sequences"] = Json::array();  // SQLite has none (AUTOINCREMENT is a column property)
  doc["enums"] = Json::array();      // nor enum types
  return doc.dump();
}

strata_status fail(strata_error** error, strata_status status, const std::string& message, int64_t native = 0) {
  return strata::plugin::set_error(error, status, message, "", native, -1, -1, 0);
}

strata_status status_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STRATA_LOCK_TIMEOUT;
    default: return STRATA_ERROR;
  }
}

// Lower-cased names of the tables to leave out; throws std::invalid_argument.
std::set<std::string> read_options(const char* options) {
  std::set<std::string> excluded;
  if (!options || !*options) return excluded;
  const Json o = Json::parse(options);  // parse_error names the position
  if (!o.is_object()) throw std::invalid_argument("expected a JSON object");
  if (auto it = o.find("exclude_tables"); it != o.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("exclude_tables: expected an array of table names");
    for (const auto& name : *it) {
      if (!name.is_string()) throw std::invalid_argument("exclude_tables: expected an array of table names");
      excluded.insert(lower(name.get<std::string>()));
    }
  }
  if (auto it = o.find("schemas"); it != o.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("schemas: expected an array of schema names");
    for (const auto& name : *it)
      if (!name.is_string() || name.get<std::string>() != "main")
        throw std::invalid_argument("schemas: SQLite introspects only \"main\"");
  }
  return excluded;
}

}  // namespace

strata_status introspect(sqlite3* db, const char* options, strata_string_list** out, strata_error** error) {
  bool own_transaction = false;
  try {
    if (out) *out = nullptr;
    std::set<std::string> excluded;
    try {
      excluded = read_options(options);
    } catch (const std::exception& e) {
      return fail(error, STRATA_ERROR, std::string("introspect: invalid options: ") + e.what());
    }
    // One read transaction: the queries below see one snapshot. Inside the
    // caller's transaction they simply run in it.
    if (sqlite3_get_autocommit(db)) {
      exec(db, "BEGIN");
      own_transaction = true;
    }
    std::string doc = catalog_json(db, excluded);
    if (own_transaction) {
      own_transaction = false;
      exec(db, "COMMIT");
    }
    strata_string_list* list = strata::plugin::new_string_list({doc});
    if (!list || !list->items || !list->items[0]) {
      strata::plugin::string_list_free(list);
      throw std::bad_alloc();
    }
    *out = list;
    return STRATA_OK;
  } catch (const SqliteError& e) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, status_of(e.rc), std::string("introspect: ") + e.what(), e.rc);
  } catch (const ReadError& e) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, std::string("introspect: cannot read the stored schema of ") + e.what());
  } catch (const nlohmann::json::type_error& e) {  // a name or text that is not UTF-8
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR,
                std::string("introspect: the schema holds text that is not valid UTF-8: ") + e.what());
  } catch (const std::bad_alloc&) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, "out of memory");
  } catch (const std::exception& e) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, std::string("introspect: ") + e.what());
  } catch (...) {
    if (own_transaction) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(error, STRATA_ERROR, "unknown error in sqlite plugin");
  }
}

}  // namespace strata::sqlite
