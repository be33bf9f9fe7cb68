// ABI 1.2 render_changes for PostgreSQL: the changes document of
// strata/schema/diff.hpp (changes_json, format 1) as statements, in the
// document's order, one per item, without ';'.
//
// Rules:
//  - Every identifier is double-quoted ("a""b" for a quote inside), and
//    schema-qualified when the object has a schema. Index names in CREATE
//    INDEX are not (PostgreSQL puts an index in its table's schema). Types,
//    default, check, index and view expressions are used as introspected
//    (format_type, pg_get_expr, pg_get_indexdef, pg_get_viewdef): they are
//    SQL already. A collation "x" is quoted whole; "schema.x" (a
//    collation outside pg_catalog, as introspect writes it) is split at
//    the dot when the part before it looks like a schema name (lower
//    case), so "en_US.utf8" stays one name.
//  - create_table: CREATE TABLE with each column (type, COLLATE, GENERATED
//    ALWAYS / BY DEFAULT AS IDENTITY, DEFAULT, NOT NULL) and the named
//    PRIMARY KEY, UNIQUE and CHECK constraints; then its indexes, then
//    COMMENT ON TABLE / COLUMN. Foreign keys come as add_foreign_key. A
//    serial column (autoincrement) is its type with its DEFAULT
//    nextval(...): the sequence is a create_sequence of the same document,
//    and its OWNED BY is set at the end (below), which gives back exactly
//    the introspected catalog (serial = default nextval of an owned
//    sequence).
//  - alter_column, one ALTER TABLE statement per step, in this order:
//    DROP IDENTITY (identity goes); DROP DEFAULT (the default changes, or
//    the type changes while there is one: a default is not always castable
//    to the new type); TYPE t [COLLATE c] USING "col"::t (type or collation
//    changes; COLLATE "default" when the collation goes; no USING to a
//    string type, whose assignment cast refuses a value too long where the
//    explicit cast would cut it); SET / DROP NOT
//    NULL; ADD GENERATED ... AS IDENTITY or SET GENERATED ...; SET DEFAULT;
//    COMMENT ON COLUMN.
//  - add_column: ADD COLUMN with the full definition, then its comment.
//    drop_column: DROP COLUMN.
//  - Keys, uniques, checks, foreign keys: ALTER TABLE ADD CONSTRAINT "n"
//    ... / DROP CONSTRAINT "n". Foreign keys with ON DELETE / ON UPDATE
//    (NO ACTION is left out), DEFERRABLE [INITIALLY DEFERRED].
//  - create_index: CREATE [UNIQUE] INDEX "n" ON t USING method (col | (expr)
//    [DESC], ...) [WHERE (pred)]; drop_index: DROP INDEX "schema"."n".
//  - drop_table: DROP TABLE. The foreign keys of every dropped table are
//    dropped first, before any other statement (the diff drops only those
//    of surviving tables): they may point at another dropped table (the
//    order of the drops then matters) or at a primary key / unique
//    constraint that the document drops before its drop_table.
//  - Sequences: CREATE SEQUENCE s AS type INCREMENT BY .. MINVALUE ..
//    MAXVALUE .. START WITH .. [NO] CYCLE; alter_sequence the same as
//    ALTER SEQUENCE (with START WITH; the position is not touched), then
//    OWNED BY NONE right away (its old owner may be dropped by a later
//    change, which would drop it too); OWNED BY "schema"."table"."column"
//    is emitted after every other statement of the document (the owning
//    column may be created by a later change). drop_sequence of an owned sequence is DROP
//    SEQUENCE IF EXISTS: dropping its column or table drops it already.
//  - Enums: CREATE TYPE t AS ENUM (...); add_enum_value: ALTER TYPE t ADD
//    VALUE IF NOT EXISTS 'v' AFTER the value before it in the new list
//    (BEFORE the next old value when it is first), so the order of the
//    values is kept (IF NOT EXISTS: a downgrade cannot remove the value,
//    so the upgrade after it finds it there);
//    drop_enum: DROP TYPE; drop_enum_value: an error naming the type and the
//    value (PostgreSQL cannot remove an enum value).
//    ALTER TYPE ... ADD VALUE is emitted where the diff places it (before
//    any table change). PostgreSQL 12+ runs it inside a transaction, but
//    the new value cannot be USED by a later statement of the same
//    transaction ("unsafe use of new value": a DEFAULT, CHECK, index
//    predicate or view naming it, or a cast of a row); before 12 it cannot
//    run inside a transaction block at all. Nothing here reorders or
//    splits: the diff puts add_enum_value before every table change (only
//    the dropped tables' foreign keys, below, come earlier), so a caller
//    may commit after it; a document whose later statements use the new
//    value must run in two transactions (the tests show both).
//  - Views: CREATE VIEW v AS definition; DROP VIEW v.
//  - set_table_comment: COMMENT ON TABLE t IS '...' | NULL.
//  - create_trigger, drop_trigger: an error naming the trigger (the catalog
//    holds triggers on SQLite only: PostgreSQL's introspection writes none,
//    so its diffs have none).
//  - create_schema: CREATE SCHEMA "s" (first in the document: what goes
//    in it comes later); drop_schema: DROP SCHEMA "s" (last: without
//    CASCADE, so it fails rather than take along what the document did not
//    drop).
//  - Review notes are not rendered: the caller writes them as -- REVIEW
//    lines above the statements.
#include "render.hpp"

#include "strata/plugin_support.hpp"

#include <nlohmann/json.hpp>

#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata::postgresql {

namespace {

using json = nlohmann::json;

std::string quote(const std::string& id) {
  std::string out = "\"";
  for (char c : id) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) throw std::invalid_argument(std::string("render_changes: ") + key + ": expected a string");
  return it->get<std::string>();
}

bool has(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

const json& obj(const json& j, const char* key, const std::string& kind) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object())
    throw std::invalid_argument("render_changes: " + kind + " needs \"" + key + "\"");
  return *it;
}

std::string qualified(const json& schema, const std::string& name) {
  return schema.is_string() ? quote(schema.get<std::string>()) + "." + quote(name) : quote(name);
}

// A string (or bit string) type: every type converts to it by PostgreSQL's
// assignment cast, which refuses a value too long for varchar(n)/char(n),
// where an explicit cast ("col"::varchar(10)) silently cuts it.
bool string_type(const std::string& type) {
  for (const char* p : {"character", "varchar", "char", "bpchar", "text", "bit", "citext"})
    if (type.rfind(p, 0) == 0) return true;
  return false;
}

// An object with "schema" and "name" (table, view, sequence, enum).
std::string qualified(const json& o) { return qualified(o.value("schema", json()), str(o, "name")); }

std::string list(const json& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + quote(n.get<std::string>());
  return "(" + out + ")";
}

std::string collation(const std::string& c) {
  const auto dot = c.find('.');
  if (dot != std::string::npos && dot > 0) {
    const std::string schema = c.substr(0, dot);
    bool lower = true;
    for (char ch : schema)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) lower = false;
    if (lower && c.find('.', dot + 1) == std::string::npos)
      return quote(schema) + "." + quote(c.substr(dot + 1));
  }
  return quote(c);
}

std::string identity_clause(const std::string& identity) {
  if (identity == "always") return "GENERATED ALWAYS AS IDENTITY";
  if (identity == "by default") return "GENERATED BY DEFAULT AS IDENTITY";
  throw std::invalid_argument("render_changes: unknown identity \"" + identity + "\"");
}

std::string column_definition(const json& c) {
  std::string out = quote(str(c, "name")) + " " + str(c, "type");
  if (has(c, "collation")) out += " COLLATE " + collation(str(c, "collation"));
  if (has(c, "identity")) out += " " + identity_clause(str(c, "identity"));
  else if (has(c, "default")) out += " DEFAULT " + str(c, "default");
  if (!flag(c, "nullable")) out += " NOT NULL";
  return out;
}

std::string comment_text(const json& j) { return has(j, "comment") ? literal(str(j, "comment")) : "NULL"; }

std::string constraint_name(const json& k) { return has(k, "name") ? "CONSTRAINT " + quote(str(k, "name")) + " " : ""; }

std::string primary_key(const json& k) { return constraint_name(k) + "PRIMARY KEY " + list(k.at("columns")); }
std::string unique(const json& k) { return constraint_name(k) + "UNIQUE " + list(k.at("columns")); }
std::string check(const json& k) { return constraint_name(k) + "CHECK (" + str(k, "expression") + ")"; }

std::string foreign_key(const json& f) {
  std::string out = constraint_name(f) + "FOREIGN KEY " + list(f.at("columns")) + " REFERENCES " +
                    qualified(f.value("ref_schema", json()), str(f, "ref_table")) + " " + list(f.at("ref_columns"));
  if (has(f, "on_delete")) out += " ON DELETE " + str(f, "on_delete");
  if (has(f, "on_update")) out += " ON UPDATE " + str(f, "on_update");
  if (flag(f, "deferrable")) out += flag(f, "initially_deferred") ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
  return out;
}

std::string create_index(const std::string& table, const json& ix) {
  std::string out = std::string("CREATE ") + (flag(ix, "unique") ? "UNIQUE " : "") + "INDEX " + quote(str(ix, "name")) +
                    " ON " + table;
  if (has(ix, "method")) out += " USING " + str(ix, "method");
  std::string cols;
  for (const auto& c : ix.at("columns")) {
    std::string one = has(c, "column") ? quote(str(c, "column")) : "(" + str(c, "expression") + ")";
    if (flag(c, "descending")) one += " DESC";
    cols += (cols.empty() ? "" : ", ") + one;
  }
  out += " (" + cols + ")";
  if (has(ix, "where")) out += " WHERE (" + str(ix, "where") + ")";
  return out;
}

std::string sequence_options(const json& s) {
  return " AS " + str(s, "type") + " INCREMENT BY " + std::to_string(s.at("increment").get<int64_t>()) +
         " MINVALUE " + std::to_string(s.at("min").get<int64_t>()) + " MAXVALUE " +
         std::to_string(s.at("max").get<int64_t>()) + " START WITH " + std::to_string(s.at("start").get<int64_t>()) +
         (flag(s, "cycle") ? " CYCLE" : " NO CYCLE");
}

// "public.orders.id" -> "public"."orders"."id" (schema and column at the
// first and last dot).
std::string owned_by(const std::string& o) {
  const auto first = o.find('.'), last = o.rfind('.');
  if (first == std::string::npos) throw std::invalid_argument("render_changes: owned_by \"" + o + "\": expected table.column");
  if (first == last) return quote(o.substr(0, first)) + "." + quote(o.substr(first + 1));
  return quote(o.substr(0, first)) + "." + quote(o.substr(first + 1, last - first - 1)) + "." + quote(o.substr(last + 1));
}

std::string table_key(const json& t) {
  return (t.value("schema", json()).is_string() ? t["schema"].get<std::string>() + "." : "") + str(t, "name");
}

class Renderer {
 public:
  std::vector<std::string> run(const json& doc) {
    if (!doc.is_object()) throw std::invalid_argument("render_changes: expected a JSON object");
    if (!doc.contains("format") || doc["format"] != 1)
      throw std::invalid_argument("render_changes: unsupported format (this plugin reads format 1)");
    if (doc.contains("dialect") && doc["dialect"].is_string() && doc["dialect"] != "postgresql")
      throw std::invalid_argument("render_changes: changes for dialect " + doc["dialect"].get<std::string>() +
                                  ", not postgresql");
    const auto it = doc.find("changes");
    if (it == doc.end() || !it->is_array()) throw std::invalid_argument("render_changes: \"changes\": expected a list");
    // The foreign keys of tables that go are dropped before anything else:
    // they may point at another table that goes, or at a key or unique
    // constraint that a drop_primary_key / drop_unique removes first.
    for (const json* t : dropped_tables_)
      for (const auto& f : t->value("foreign_keys", json::array()))
        if (has(f, "name")) emit("ALTER TABLE " + qualified(*t) + " DROP CONSTRAINT " + quote(str(f, "name")));
    for (const auto& c : *it) change(c);
    for (auto& s : deferred_) out_.push_back(std::move(s));
    return std::move(out_);
  }

 private:
  void emit(std::string s) { out_.push_back(std::move(s)); }

  std::string table_of(const json& c) { return qualified(c.value("schema", json()), str(c, "name")); }

  void change(const json& c) {
    if (!c.is_object()) throw std::invalid_argument("render_changes: a change must be an object");
    const std::string kind = str(c, "kind");
    if (kind == "create_schema") return emit("CREATE SCHEMA " + quote(str(c, "schema")));
    if (kind == "drop_schema") return emit("DROP SCHEMA " + quote(str(c, "schema")));
    if (kind == "create_table") return create_table(obj(c, "table_after", kind));
    if (kind == "drop_table") return drop_table(obj(c, "table_before", kind));
    if (kind == "add_column") {
      const json& col = obj(c, "column_after", kind);
      emit("ALTER TABLE " + table_of(c) + " ADD COLUMN " + column_definition(col));
      if (has(col, "comment")) emit("COMMENT ON COLUMN " + table_of(c) + "." + quote(str(col, "name")) + " IS " + comment_text(col));
      return;
    }
    if (kind == "drop_column")
      return emit("ALTER TABLE " + table_of(c) + " DROP COLUMN " + quote(str(obj(c, "column_before", kind), "name")));
    if (kind == "alter_column") return alter_column(table_of(c), obj(c, "column_before", kind), obj(c, "column_after", kind));
    if (kind == "add_primary_key") return emit("ALTER TABLE " + table_of(c) + " ADD " + primary_key(obj(c, "key", kind)));
    if (kind == "add_unique") return emit("ALTER TABLE " + table_of(c) + " ADD " + unique(obj(c, "key", kind)));
    if (kind == "add_check") return emit("ALTER TABLE " + table_of(c) + " ADD " + check(obj(c, "check", kind)));
    if (kind == "add_foreign_key")
      return emit("ALTER TABLE " + table_of(c) + " ADD " + foreign_key(obj(c, "foreign_key", kind)));
    if (kind == "drop_primary_key" || kind == "drop_unique")
      return drop_constraint(c, obj(c, "key", kind), kind);
    if (kind == "drop_check") return drop_constraint(c, obj(c, "check", kind), kind);
    if (kind == "drop_foreign_key") return drop_constraint(c, obj(c, "foreign_key", kind), kind);
    if (kind == "create_index") return emit(create_index(table_of(c), obj(c, "index", kind)));
    if (kind == "drop_index")
      return emit("DROP INDEX " + qualified(c.value("schema", json()), str(obj(c, "index", kind), "name")));
    if (kind == "create_view") {
      const json& v = obj(c, "view", kind);
      return emit("CREATE VIEW " + qualified(v) + " AS " + str(v, "definition"));
    }
    if (kind == "drop_view") return emit("DROP VIEW " + qualified(obj(c, "view", kind)));
    if (kind == "create_sequence") {
      const json& s = obj(c, "sequence", kind);
      emit("CREATE SEQUENCE " + qualified(s) + sequence_options(s));
      if (has(s, "owned_by")) deferred_.push_back("ALTER SEQUENCE " + qualified(s) + " OWNED BY " + owned_by(str(s, "owned_by")));
      return;
    }
    if (kind == "alter_sequence") {
      const json& s = obj(c, "sequence", kind);
      emit("ALTER SEQUENCE " + qualified(s) + sequence_options(s));
      // Released from its owner now (a table or column dropped later would
      // take it along), owned by the new one at the end.
      emit("ALTER SEQUENCE " + qualified(s) + " OWNED BY NONE");
      if (has(s, "owned_by")) deferred_.push_back("ALTER SEQUENCE " + qualified(s) + " OWNED BY " + owned_by(str(s, "owned_by")));
      return;
    }
    if (kind == "drop_sequence") {
      const json& s = obj(c, "sequence", kind);
      return emit(std::string("DROP SEQUENCE ") + (has(s, "owned_by") ? "IF EXISTS " : "") + qualified(s));
    }
    if (kind == "create_enum") {
      const json& e = obj(c, "enum", kind);
      std::string values;
      for (const auto& v : e.at("values")) values += (values.empty() ? "" : ", ") + literal(v.get<std::string>());
      return emit("CREATE TYPE " + qualified(e) + " AS ENUM (" + values + ")");
    }
    if (kind == "add_enum_value") return add_enum_value(obj(c, "enum", kind), str(c, "enum_value"));
    if (kind == "drop_enum_value" || (kind == "drop_enum" && has(c, "enum_value"))) {
      const json& e = obj(c, "enum", kind);
      throw std::runtime_error("drop_enum_value: PostgreSQL cannot remove value '" + str(c, "enum_value") +
                               "' from enum type " + table_key(e) + "; recreate the type by hand");
    }
    if (kind == "drop_enum") return emit("DROP TYPE " + qualified(obj(c, "enum", kind)));
    if (kind == "set_table_comment") {
      const json& t = obj(c, "table_after", kind);
      return emit("COMMENT ON TABLE " + qualified(t) + " IS " + comment_text(t));
    }
    if (kind == "create_trigger" || kind == "drop_trigger")
      throw std::runtime_error(
          "render_changes: triggers are in Strata's catalog for SQLite only, not rendered for PostgreSQL: " + kind +
          " " + str(obj(c, "trigger", kind), "name") + " on " + str(c, "table"));
    throw std::runtime_error("render_changes: change kind \"" + kind + "\" is not supported by the postgresql plugin");
  }

  void drop_constraint(const json& c, const json& k, const std::string& kind) {
    if (!has(k, "name"))
      throw std::runtime_error(kind + " on " + str(c, "table") + ": the constraint has no name, PostgreSQL drops by name");
    emit("ALTER TABLE " + table_of(c) + " DROP CONSTRAINT " + quote(str(k, "name")));
  }

  void create_table(const json& t) {
    const std::string name = qualified(t);
    std::string body;
    auto add = [&](const std::string& s) { body += (body.empty() ? "\n  " : ",\n  ") + s; };
    for (const auto& col : t.at("columns")) add(column_definition(col));
    if (has(t, "primary_key")) add(primary_key(t["primary_key"]));
    for (const auto& u : t.value("unique_constraints", json::array())) add(unique(u));
    for (const auto& ch : t.value("checks", json::array())) add(check(ch));
    emit("CREATE TABLE " + name + " (" + body + "\n)");
    for (const auto& ix : t.value("indexes", json::array())) emit(create_index(name, ix));
    if (has(t, "comment")) emit("COMMENT ON TABLE " + name + " IS " + comment_text(t));
    for (const auto& col : t.at("columns"))
      if (has(col, "comment")) emit("COMMENT ON COLUMN " + name + "." + quote(str(col, "name")) + " IS " + comment_text(col));
  }

  void drop_table(const json& t) { emit("DROP TABLE " + qualified(t)); }

  void alter_column(const std::string& table, const json& b, const json& a) {
    const std::string col = quote(str(a, "name"));
    const std::string at = "ALTER TABLE " + table + " ALTER COLUMN " + col + " ";
    const json none;
    const json& bi = b.contains("identity") ? b["identity"] : none;
    const json& ai = a.contains("identity") ? a["identity"] : none;
    const json& bd = b.contains("default") ? b["default"] : none;
    const json& ad = a.contains("default") ? a["default"] : none;
    const json& bc = b.contains("collation") ? b["collation"] : none;
    const json& ac = a.contains("collation") ? a["collation"] : none;
    const bool retype = str(b, "type") != str(a, "type") || bc != ac;
    const bool default_changes = bd != ad || retype;

    if (!bi.is_null() && ai.is_null()) emit(at + "DROP IDENTITY");
    if (!bd.is_null() && default_changes) emit(at + "DROP DEFAULT");
    if (retype) {
      std::string s = at + "TYPE " + str(a, "type");
      if (!ac.is_null()) s += " COLLATE " + collation(ac.get<std::string>());
      else if (!bc.is_null()) s += " COLLATE \"default\"";
      if (str(b, "type") != str(a, "type") && !string_type(str(a, "type")))
        s += " USING " + col + "::" + str(a, "type");
      emit(s);
    }
    const bool bn = flag(b, "nullable"), an = flag(a, "nullable");
    if (bn && !an) emit(at + "SET NOT NULL");
    if (!bn && an) emit(at + "DROP NOT NULL");
    if (bi.is_null() && !ai.is_null()) emit(at + "ADD " + identity_clause(ai.get<std::string>()));
    if (!bi.is_null() && !ai.is_null() && bi != ai)
      emit(at + (ai == "always" ? "SET GENERATED ALWAYS" : "SET GENERATED BY DEFAULT"));
    if (!ad.is_null() && default_changes) emit(at + "SET DEFAULT " + ad.get<std::string>());
    const json& bm = b.contains("comment") ? b["comment"] : none;
    const json& am = a.contains("comment") ? a["comment"] : none;
    if (bm != am) emit("COMMENT ON COLUMN " + table + "." + col + " IS " + comment_text(a));
  }

  void add_enum_value(const json& e, const std::string& value) {
    const json& values = e.at("values");
    std::string s = "ALTER TYPE " + qualified(e) + " ADD VALUE IF NOT EXISTS " + literal(value);
    size_t i = 0;
    while (i < values.size() && values[i] != value) ++i;
    if (i == values.size()) throw std::invalid_argument("render_changes: add_enum_value: '" + value + "' is not in the enum's values");
    if (i > 0) {
      s += " AFTER " + literal(values[i - 1].get<std::string>());
    } else {
      // First: BEFORE the next value that is not added by this document.
      for (size_t j = 1; j < values.size(); ++j) {
        const std::string v = values[j].get<std::string>();
        if (!pending(e, v) || added_.count(table_key(e) + "\n" + v)) {
          s += " BEFORE " + literal(v);
          break;
        }
      }
    }
    added_.insert(table_key(e) + "\n" + value);
    emit(s);
  }

  // Whether `v` of enum e is added by a later change of the document.
  bool pending(const json& e, const std::string& v) const { return pending_.count(table_key(e) + "\n" + v) > 0; }

 public:
  void prepare(const json& doc) {
    const auto it = doc.find("changes");
    if (it == doc.end() || !it->is_array()) return;
    for (const auto& c : *it) {
      if (!c.is_object()) continue;
      const std::string kind = c.value("kind", "");
      if (kind == "drop_table" && c.value("table_before", json()).is_object()) dropped_tables_.push_back(&c["table_before"]);
      if (kind == "add_enum_value" && c.value("enum", json()).is_object() && c.value("enum_value", json()).is_string())
        pending_.insert(table_key(c["enum"]) + "\n" + c["enum_value"].get<std::string>());
    }
  }

 private:
  std::vector<std::string> out_, deferred_;
  std::set<std::string> added_, pending_;
  std::vector<const json*> dropped_tables_;
};

}  // namespace

std::vector<std::string> render_changes(const std::string& changes_json) {
  json doc = json::parse(changes_json, nullptr, false);
  if (doc.is_discarded()) throw std::invalid_argument("render_changes: the changes document is not valid JSON");
  Renderer r;
  r.prepare(doc);
  return r.run(doc);
}

strata_status render_changes_entry(const char* changes, strata_string_list** out, strata_error** error) {
  auto fail = [&](const std::string& message) {
    return strata::plugin::set_error(error, STRATA_ERROR, message, "", 0, -1, -1, 0);
  };
  try {
    *out = nullptr;
    *out = strata::plugin::new_string_list(render_changes(changes ? changes : ""));
    if (!*out) throw std::bad_alloc();
    return STRATA_OK;
  } catch (const std::bad_alloc&) {
    return fail("out of memory");
  } catch (const std::exception& e) {
    return fail(e.what());
  } catch (...) {
    return fail("unknown error in postgresql plugin");
  }
}

}  // namespace strata::postgresql
