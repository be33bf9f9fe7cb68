// ABI 1.2 introspect for PostgreSQL (catalog format 1, documented in
// src/schema/include/strata/schema/catalog.hpp).
//
// Eight queries, one per kind of object, each over every table of the
// requested schemas at once: tables, columns, constraints, indexes, views,
// sequences, enums, and the schemas themselves. Lists inside a row (key columns, index keys, enum
// values) come back as json_agg text, so no array text format is parsed
// here. Every list of the document is sorted here, byte-wise, never by the
// server's collation or by OIDs, so equal schemas give equal documents
// whatever order they were created in. Each table's "triggers" is [] (the
// catalog holds triggers for SQLite only so far).
//
// The queries run as they are on the session (a pqxx::nontransaction sends
// no BEGIN/COMMIT): inside the run's transaction they see its uncommitted
// DDL; outside one each query commits by itself. Nothing here begins,
// commits or rolls back a transaction.
#include "introspect.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace strata::postgresql {

namespace {

using ordered_json = nlohmann::ordered_json;

// ------------------------------------------------------------------ SQL

// $1: the schemas as a JSON array, or JSON null for current_schema().
// $2: the excluded table names as a JSON array (bare, or "schema.name").
// $3: more schemas read besides $1's, as a JSON array.
// $4: true: every schema besides, but the system's (pg_*,
//     information_schema) and those an extension made.
// ns: the requested schemas; xt: the excluded tables; tb: the tables read.
// Objects that belong to an extension (pg_depend 'e': PostGIS's
// spatial_ref_sys, pg_buffercache's view) are left out, as pg_dump does:
// CREATE EXTENSION makes them, not the schema's own DDL.
const char* const kScope = R"SQL(
WITH ns AS (
  SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
  WHERE n.nspname IN (SELECT pg_catalog.jsonb_array_elements_text(
          CASE WHEN pg_catalog.jsonb_typeof($1::pg_catalog.jsonb) = 'array' THEN $1::pg_catalog.jsonb
               ELSE pg_catalog.jsonb_build_array(pg_catalog.current_schema()) END))
     OR n.nspname IN (SELECT pg_catalog.jsonb_array_elements_text($3::pg_catalog.jsonb))
     OR ($4::boolean AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                         WHERE e.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                           AND e.objid = n.oid AND e.deptype = 'e'))),
ex AS (SELECT pg_catalog.jsonb_array_elements_text($2::pg_catalog.jsonb) AS name),
xt AS (
  SELECT c.oid FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND (c.relname IN (SELECT name FROM ex) OR ns.nspname || '.' || c.relname IN (SELECT name FROM ex))),
tb AS (
  SELECT c.oid, ns.nspname, c.relname FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.oid NOT IN (SELECT oid FROM xt)
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND e.objid = c.oid AND e.deptype = 'e'))
)SQL";

const char* const kTables = R"SQL(
SELECT tb.nspname, tb.relname, ds.description
FROM tb
LEFT JOIN pg_catalog.pg_description ds
  ON ds.objoid = tb.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0
)SQL";

// Comments are joined from pg_description (col_description() per row is a
// query per column). Generated columns: pg_attrdef holds their generation expression, which
// is no default (the format has no place for it).
const char* const kColumns = R"SQL(
SELECT tb.nspname, tb.relname, a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
       a.attidentity,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
         CASE WHEN co.collnamespace = 'pg_catalog'::pg_catalog.regnamespace THEN co.collname::text
              ELSE cn.nspname || '.' || co.collname END
       END,
       ds.description,
       EXISTS (
         SELECT 1 FROM pg_catalog.pg_depend dd
         JOIN pg_catalog.pg_depend od
           ON od.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND od.objid = dd.refobjid
          AND od.objsubid = 0 AND od.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND od.refobjid = a.attrelid AND od.refobjsubid = a.attnum AND od.deptype = 'a'
         JOIN pg_catalog.pg_class s ON s.oid = od.objid AND s.relkind = 'S'
         WHERE dd.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND dd.objid = d.oid
           AND dd.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass)
FROM tb
JOIN pg_catalog.pg_attribute a ON a.attrelid = tb.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_description ds
  ON ds.objoid = a.attrelid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = a.attnum
ORDER BY a.attrelid, a.attnum
)SQL";

// Constraints a partition inherits from its parent's constraint on the
// same table (the per-partition rows of a foreign key to a partitioned
// table) are the parent's, listed once.
const char* const kConstraints = R"SQL(
SELECT tb.nspname, tb.relname, k.conname, k.contype,
       (SELECT pg_catalog.json_agg(a.attname ORDER BY u.ord)
          FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum)::text,
       rn.nspname, rc.relname,
       (SELECT pg_catalog.json_agg(a.attname ORDER BY u.ord)
          FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum)::text,
       k.confupdtype, k.confdeltype, k.condeferrable, k.condeferred,
       CASE WHEN k.contype = 'c' THEN pg_catalog.pg_get_expr(k.conbin, k.conrelid) END
FROM tb
JOIN pg_catalog.pg_constraint k ON k.conrelid = tb.oid
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = k.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE k.contype IN ('p', 'u', 'f', 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint pk
                  WHERE pk.oid = k.conparentid AND pk.conrelid = k.conrelid)
)SQL";

// Indexes that back no primary key, unique or exclusion constraint. Keys:
// [column name or null, expression or null, descending].
const char* const kIndexes = R"SQL(
SELECT tb.nspname, tb.relname, ic.relname, i.indisunique, am.amname,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid),
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
                 a.attname,
                 CASE WHEN i.indkey[k - 1] = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k, true) END,
                 (i.indoption[k - 1] & 1) <> 0) ORDER BY k)
          FROM pg_catalog.generate_series(1, i.indnkeyatts::integer) k
          LEFT JOIN pg_catalog.pg_attribute a
            ON i.indkey[k - 1] <> 0 AND a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])::text
FROM tb
JOIN pg_catalog.pg_index i ON i.indrelid = tb.oid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                    AND k.contype IN ('p', 'u', 'x'))
)SQL";

const char* const kViews = R"SQL(
SELECT ns.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid, true)
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind = 'v'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                AND e.objid = c.oid AND e.deptype = 'e')
)SQL";

// Sequences, with the column owning them: deptype 'a' (serial, OWNED BY),
// or 'i' (identity: left out, as are those of excluded tables).
const char* const kSequences = R"SQL(
SELECT ns.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
       own.nspname, own.relname, own.attname
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN LATERAL (
  SELECT d.deptype, d.refobjid, tn.nspname, t.relname, a.attname
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
  ORDER BY d.deptype DESC
  LIMIT 1) own ON true
WHERE c.relkind = 'S'
  AND own.deptype IS DISTINCT FROM 'i'
  AND (own.refobjid IS NULL OR own.refobjid NOT IN (SELECT oid FROM xt))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                AND e.objid = c.oid AND e.deptype = 'e')
)SQL";

const char* const kEnums = R"SQL(
SELECT ns.nspname, t.typname,
       (SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)::text
FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype = 'e'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                  AND e.objid = t.oid AND e.deptype = 'e')
)SQL";

// The current schema, and the schemas read that exist but it (a JSON array).
const char* const kSchemas = R"SQL(
SELECT pg_catalog.current_schema(),
       (SELECT pg_catalog.json_agg(ns.nspname) FROM ns
        WHERE ns.nspname IS DISTINCT FROM pg_catalog.current_schema())::text
)SQL";

// ------------------------------------------------------------- helpers

ordered_json text_or_null(const pqxx::field& f) {
  if (f.is_null()) return nullptr;
  return std::string(f.c_str());
}

std::string text(const pqxx::field& f) { return f.is_null() ? std::string() : std::string(f.c_str()); }

bool flag(const pqxx::field& f) { return !f.is_null() && f.c_str()[0] == 't'; }

int64_t integer(const pqxx::field& f) { return f.is_null() ? 0 : std::stoll(f.c_str()); }

// A json_agg text (NULL when nothing was aggregated) as a JSON array.
nlohmann::json json_list(const pqxx::field& f) {
  if (f.is_null()) return nlohmann::json::array();
  return nlohmann::json::parse(f.c_str());
}

ordered_json string_list(const pqxx::field& f) {
  ordered_json out = ordered_json::array();
  for (const auto& v : json_list(f)) out.push_back(v.is_string() ? v.get<std::string>() : std::string());
  return out;
}

// confupdtype / confdeltype: a = NO ACTION (null).
ordered_json fk_action(const pqxx::field& f) {
  switch (f.is_null() ? 'a' : f.c_str()[0]) {
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    case 'r': return "RESTRICT";
    default: return nullptr;
  }
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// "name" ordering of the format: by name, unnamed (null) last by `key`.
// PostgreSQL names every constraint, but the rule costs nothing.
void sort_named(ordered_json& list, const char* key) {
  std::vector<ordered_json> items(list.begin(), list.end());
  std::stable_sort(items.begin(), items.end(), [key](const ordered_json& a, const ordered_json& b) {
    const bool an = a["name"].is_null(), bn = b["name"].is_null();
    if (an != bn) return bn;  // named first
    if (!an) return a["name"].get<std::string>() < b["name"].get<std::string>();
    return a[key].dump() < b[key].dump();
  });
  list = ordered_json::array();
  for (auto& i : items) list.push_back(std::move(i));
}

struct TableData {
  ordered_json comment = nullptr;
  ordered_json columns = ordered_json::array();
  ordered_json primary_key = nullptr;
  ordered_json unique_constraints = ordered_json::array();
  std::map<std::string, ordered_json> indexes;  // by name
  ordered_json foreign_keys = ordered_json::array();
  ordered_json checks = ordered_json::array();
};

using Key = std::pair<std::string, std::string>;  // (schema, name): byte order

struct Options {
  std::string schemas = "null";  // JSON array, or null for current_schema()
  std::string exclude = "[]";    // JSON array of strings
  std::string extra = "[]";      // JSON array: schemas read besides
  bool all = false;              // every user schema besides
};

Options parse_options(const std::string& text) {
  Options o;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return o;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("introspect: options are not valid JSON: ") + e.what());
  }
  if (j.is_null()) return o;
  if (!j.is_object()) throw std::invalid_argument("introspect: options must be a JSON object");
  auto strings = [&](const char* key) -> const nlohmann::json* {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return nullptr;
    if (!it->is_array()) throw std::invalid_argument(std::string("introspect: options.") + key + ": expected an array of strings");
    for (const auto& v : *it)
      if (!v.is_string()) throw std::invalid_argument(std::string("introspect: options.") + key + ": expected an array of strings");
    return &*it;
  };
  if (const auto* s = strings("schemas"); s && !s->empty()) o.schemas = s->dump();
  if (const auto* e = strings("exclude_tables")) o.exclude = e->dump();
  if (const auto* x = strings("extra_schemas")) o.extra = x->dump();
  if (auto it = j.find("all_schemas"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) throw std::invalid_argument("introspect: options.all_schemas: expected true or false");
    o.all = it->get<bool>();
  }
  return o;
}

}  // namespace

// --------------------------------------------------------- normalized_type

std::string normalize_type(const std::string& type) {
  // Lower case, blanks collapsed, trimmed.
  std::string t;
  bool blank = false;
  for (char c : type) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      blank = true;
      continue;
    }
    if (blank && !t.empty()) t += ' ';
    blank = false;
    t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  // Array dimensions are folded around: "character varying(20)[]".
  std::string dims;
  while (t.size() >= 2 && t.compare(t.size() - 2, 2, "[]") == 0) {
    dims += "[]";
    t.erase(t.size() - 2);
    while (!t.empty() && t.back() == ' ') t.pop_back();
  }
  // Split "name(args) rest" into name, "(args)" and rest.
  std::string name = t, args, rest;
  if (auto open = t.find('('); open != std::string::npos) {
    auto close = t.find(')', open);
    if (close != std::string::npos) {
      name = t.substr(0, open);
      args = t.substr(open, close - open + 1);
      rest = t.substr(close + 1);
      while (!name.empty() && name.back() == ' ') name.pop_back();
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    }
  }
  std::string out = t;
  auto is = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (name == n) return true;
    return false;
  };
  if (rest.empty()) {
    if (is({"int", "int4", "integer"}) && args.empty()) out = "integer";
    else if (is({"int2", "smallint"}) && args.empty()) out = "smallint";
    else if (is({"int8", "bigint"}) && args.empty()) out = "bigint";
    else if (is({"character varying", "varchar"})) out = "varchar" + args;
    else if (is({"character", "char", "bpchar"})) out = "char" + args;
    else if (is({"bool", "boolean"}) && args.empty()) out = "boolean";
    else if (is({"decimal", "numeric"})) out = "numeric" + args;
    else if (is({"float8", "double precision", "double"}) && args.empty()) out = "double";
    else if (is({"float4", "real"}) && args.empty()) out = "real";
    else if (is({"timestamptz"})) out = "timestamptz" + args;
  } else if (name == "timestamp" && rest == "without time zone") {
    out = "timestamp" + args;
  } else if (name == "timestamp" && rest == "with time zone") {
    out = "timestamptz" + args;
  } else if (name == "time" && rest == "without time zone") {
    out = "time" + args;
  }
  if (args.empty() && rest.empty()) {
    if (t == "timestamp without time zone") out = "timestamp";
    else if (t == "timestamp with time zone") out = "timestamptz";
    else if (t == "time without time zone") out = "time";
  }
  return out + dims;
}

// -------------------------------------------------------------- introspect

std::string introspect(pqxx::connection_base& db, const std::string& options_json) {
  const Options opt = parse_options(options_json);
  auto query = [&](const char* body) {
    pqxx::nontransaction w(db);
    pqxx::result r = w.exec_params(std::string(kScope) + body, opt.schemas, opt.exclude, opt.extra, opt.all);
    w.commit();
    return r;
  };

  // The connection's current schema is the catalog's default schema: its
  // objects have no schema (null), as Alembic compares with the default
  // schema as None. So a database whose search_path starts elsewhere
  // ("app", a tenant's schema) compares equal to a scratch database's
  // "public", and generated SQL names them unqualified, to run in any
  // search_path.
  std::string current;
  std::vector<std::string> schemas;
  for (const auto& row : query(kSchemas)) {
    current = text(row[0]);
    if (!row[1].is_null()) schemas = string_list(row[1]).get<std::vector<std::string>>();
  }
  std::sort(schemas.begin(), schemas.end());
  auto schema_of = [&](const std::string& schema) {
    return schema == current ? ordered_json(nullptr) : ordered_json(schema);
  };

  std::map<Key, TableData> tables;
  for (const auto& row : query(kTables)) tables[{text(row[0]), text(row[1])}].comment = text_or_null(row[2]);

  for (const auto& row : query(kColumns)) {
    auto it = tables.find({text(row[0]), text(row[1])});
    if (it == tables.end()) continue;  // created between the two queries
    const std::string type = text(row[3]);
    const ordered_json dflt = text_or_null(row[5]);
    const std::string identity = text(row[6]);
    ordered_json c;
    c["name"] = text(row[2]);
    c["type"] = type;
    c["normalized_type"] = normalize_type(type);
    c["nullable"] = !flag(row[4]);
    c["default"] = dflt;
    c["identity"] = identity == "a" ? ordered_json("always") : identity == "d" ? ordered_json("by default") : ordered_json(nullptr);
    c["autoincrement"] = flag(row[9]) && dflt.is_string() && starts_with(dflt.get<std::string>(), "nextval(");
    c["collation"] = text_or_null(row[7]);
    c["comment"] = text_or_null(row[8]);
    it->second.columns.push_back(std::move(c));
  }

  for (const auto& row : query(kConstraints)) {
    auto it = tables.find({text(row[0]), text(row[1])});
    if (it == tables.end()) continue;
    TableData& t = it->second;
    const std::string type = text(row[3]);
    if (type == "p" || type == "u") {
      ordered_json k;
      k["name"] = text(row[2]);
      k["columns"] = string_list(row[4]);
      if (type == "p") t.primary_key = std::move(k);
      else t.unique_constraints.push_back(std::move(k));
    } else if (type == "f") {
      ordered_json f;
      f["name"] = text(row[2]);
      f["columns"] = string_list(row[4]);
      f["ref_schema"] = row[5].is_null() ? ordered_json(nullptr) : schema_of(text(row[5]));
      f["ref_table"] = text(row[6]);
      f["ref_columns"] = string_list(row[7]);
      f["on_delete"] = fk_action(row[9]);
      f["on_update"] = fk_action(row[8]);
      f["deferrable"] = flag(row[10]);
      f["initially_deferred"] = flag(row[11]);
      t.foreign_keys.push_back(std::move(f));
    } else if (type == "c") {
      ordered_json c;
      c["name"] = text(row[2]);
      c["expression"] = text(row[12]);
      t.checks.push_back(std::move(c));
    }
  }

  for (const auto& row : query(kIndexes)) {
    auto it = tables.find({text(row[0]), text(row[1])});
    if (it == tables.end()) continue;
    ordered_json ix;
    ix["name"] = text(row[2]);
    ix["unique"] = flag(row[3]);
    ordered_json cols = ordered_json::array();
    for (const auto& k : json_list(row[6])) {
      ordered_json c;
      c["column"] = k.at(0).is_string() ? ordered_json(k.at(0).get<std::string>()) : ordered_json(nullptr);
      c["expression"] = k.at(1).is_string() ? ordered_json(k.at(1).get<std::string>()) : ordered_json(nullptr);
      c["descending"] = k.at(2).is_boolean() && k.at(2).get<bool>();
      c["prefix"] = nullptr;
      cols.push_back(std::move(c));
    }
    ix["columns"] = std::move(cols);
    ix["where"] = text_or_null(row[5]);
    ix["method"] = text_or_null(row[4]);
    it->second.indexes[text(row[2])] = std::move(ix);
  }

  std::map<Key, ordered_json> views;
  for (const auto& row : query(kViews)) {
    // pg_get_viewdef: " SELECT ...;" -> "SELECT ..."
    std::string def = text(row[2]);
    def.erase(0, std::min(def.size(), def.find_first_not_of(" \t\r\n")));
    while (!def.empty() && (def.back() == ';' || std::isspace(static_cast<unsigned char>(def.back())))) def.pop_back();
    ordered_json v;
    v["schema"] = schema_of(text(row[0]));
    v["name"] = text(row[1]);
    v["definition"] = def;
    views[{text(row[0]), text(row[1])}] = std::move(v);
  }

  std::map<Key, ordered_json> sequences;
  for (const auto& row : query(kSequences)) {
    ordered_json s;
    s["schema"] = schema_of(text(row[0]));
    s["name"] = text(row[1]);
    s["type"] = text(row[2]);
    s["start"] = integer(row[3]);
    s["increment"] = integer(row[4]);
    s["min"] = integer(row[5]);
    s["max"] = integer(row[6]);
    s["cycle"] = flag(row[7]);
    // "schema.table.column", or "table.column" in the default schema
    // (sequences owned by a whole table do not exist).
    s["owned_by"] = row[8].is_null() || row[10].is_null()
                        ? ordered_json(nullptr)
                        : ordered_json((text(row[8]) == current ? std::string() : text(row[8]) + ".") + text(row[9]) +
                                       "." + text(row[10]));
    sequences[{text(row[0]), text(row[1])}] = std::move(s);
  }

  std::map<Key, ordered_json> enums;
  for (const auto& row : query(kEnums)) {
    ordered_json e;
    e["schema"] = schema_of(text(row[0]));
    e["name"] = text(row[1]);
    e["values"] = string_list(row[2]);
    enums[{text(row[0]), text(row[1])}] = std::move(e);
  }

  ordered_json doc;
  doc["format"] = 1;
  doc["dialect"] = "postgresql";
  // The default schema's objects first (null sorts first), then the other
  // schemas' by name: the order does not depend on what the current
  // schema is called.
  auto default_first = [&](auto& m) {
    std::vector<typename std::remove_reference_t<decltype(m)>::value_type*> out;
    for (auto& e : m)
      if (e.first.first == current) out.push_back(&e);
    for (auto& e : m)
      if (e.first.first != current) out.push_back(&e);
    return out;
  };
  ordered_json out_tables = ordered_json::array();
  for (auto* entry : default_first(tables)) {
    const Key& key = entry->first;
    TableData& t = entry->second;
    sort_named(t.unique_constraints, "columns");
    sort_named(t.foreign_keys, "columns");
    sort_named(t.checks, "expression");
    ordered_json j;
    j["schema"] = schema_of(key.first);
    j["name"] = key.second;
    j["comment"] = std::move(t.comment);
    j["columns"] = std::move(t.columns);
    j["primary_key"] = std::move(t.primary_key);
    j["unique_constraints"] = std::move(t.unique_constraints);
    ordered_json ixs = ordered_json::array();
    for (auto& [name, ix] : t.indexes) ixs.push_back(std::move(ix));
    j["indexes"] = std::move(ixs);
    j["foreign_keys"] = std::move(t.foreign_keys);
    j["checks"] = std::move(t.checks);
    j["triggers"] = ordered_json::array();  // held for SQLite only so far
    out_tables.push_back(std::move(j));
  }
  doc["tables"] = std::move(out_tables);
  auto values = [&](std::map<Key, ordered_json>& m) {
    ordered_json a = ordered_json::array();
    for (auto* e : default_first(m)) a.push_back(std::move(e->second));
    return a;
  };
  doc["views"] = values(views);
  doc["sequences"] = values(sequences);
  doc["enums"] = values(enums);
  doc["schemas"] = schemas;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::postgresql
