#pragma once
// The catalog: a database's schema as plain data, the same shape for every
// dialect. Dialect plugins produce it as JSON (the ABI's `introspect`); the
// schema engine compares two catalogs of the same dialect (diff.hpp).
//
// JSON format 1 (what a plugin's introspect() returns). Every key is always
// present; "null" where a value does not apply or is unknown. Lists are in
// the order given below, so two introspections of equal schemas are equal
// byte for byte.
//
// {
//   "format": 1,
//   "dialect": "postgresql" | "mysql" | "sqlite",
//   "tables": [                         sorted by (schema, name)
//     {
//       "schema": "audit" | null,       PostgreSQL: the schema, null for the
//                                       connection's current (default) one, as
//                                       Alembic's None; MySQL, SQLite: null
//       "name": "users",
//       "comment": "..." | null,
//       "columns": [                    in the table's column order
//         {
//           "name": "email",
//           "type": "character varying(255)",   as the server reports it (PostgreSQL:
//                                               format_type; MySQL: COLUMN_TYPE;
//                                               SQLite: the declared type, "" if none)
//           "normalized_type": "varchar(255)",  lower case, blanks collapsed, the
//                                               dialect's synonyms folded (see below)
//           "nullable": false,
//           "default": "'x'::text" | null,      the default expression as the server
//                                               reports it (MySQL/MariaDB: literals
//                                               quoted, as MariaDB 10.2.7+ shows them);
//                                               null when there is none
//           "identity": "always" | "by default" | null,   PostgreSQL identity columns
//           "autoincrement": false,             MySQL AUTO_INCREMENT; SQLite's
//                                               AUTOINCREMENT keyword; PostgreSQL:
//                                               a serial (default nextval of a
//                                               sequence owned by the column)
//           "collation": "utf8mb4_bin" | null,  only where set on the column and
//                                               different from the table's default
//           "comment": "..." | null
//         }
//       ],
//       "primary_key": {"name": "users_pkey" | null, "columns": ["id"]} | null,
//       "unique_constraints": [         sorted by name, unnamed last (by columns)
//         {"name": "uq_users_email" | null, "columns": ["email"]}
//       ],                              MySQL: every UNIQUE key; SQLite: UNIQUE in the
//                                       table definition; PostgreSQL: contype 'u'
//       "indexes": [                    sorted by name; not those backing the primary
//                                       key or a unique constraint
//         {
//           "name": "ix_users_lower_email",
//           "unique": false,
//           "columns": [                each a column or an expression
//             {"column": "email" | null, "expression": "lower((email)::text)" | null,
//              "descending": false, "prefix": 10 | null}   prefix: MySQL prefix length
//           ],
//           "where": "(active = true)" | null,     partial index predicate
//           "method": "btree" | null               PostgreSQL access method; MySQL
//                                                  index type (BTREE, HASH, FULLTEXT,
//                                                  SPATIAL); SQLite null
//         }
//       ],
//       "foreign_keys": [               sorted by name, unnamed last (by columns)
//         {
//           "name": "fk_orders_user_id" | null,
//           "columns": ["user_id"],
//           "ref_schema": "audit" | null,     null: the default schema (as "schema")
//           "ref_table": "users",
//           "ref_columns": ["id"],
//           "on_delete": "CASCADE" | "SET NULL" | "SET DEFAULT" | "RESTRICT" | null,   null = NO ACTION
//           "on_update": ... same ...,
//           "deferrable": false,
//           "initially_deferred": false
//         }
//       ],
//       "checks": [                     sorted by name, unnamed last (by expression)
//         {"name": "ck_balance" | null, "expression": "(balance >= 0)"}
//       ],
//       "triggers": [                   SQLite only ([] elsewhere); sorted by name
//         {"name": "items_audit",
//          "definition": "CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN ... END"}
//       ]                               the whole statement, runnable as it is
//     }
//   ],
//   "views": [{"schema": ... | null, "name": "v", "definition": "SELECT ..."}],   sorted
//   "sequences": [                      PostgreSQL only (others: []); sorted; not
//                                       those owned by identity columns
//     {"schema": null, "name": "order_no", "type": "bigint", "start": 1,
//      "increment": 1, "min": 1, "max": 9223372036854775807, "cycle": false,
//      "owned_by": "orders.id" | "audit.events.id" | null}
//   ],
//   "enums": [                          PostgreSQL only (others: []); sorted
//     {"schema": null, "name": "mood", "values": ["sad", "ok", "happy"]}   in sort order
//   ],
//   "schemas": ["audit"]                PostgreSQL: the schemas read that exist, but
//                                       the connection's current one; sorted (others: [])
// }
//
// "triggers" and "schemas" are the keys a reader accepts missing (as []):
// documents written before they existed still parse.
//
// Version, progress and log tables the host names in the options'
// "exclude_tables" are left out, with their indexes, constraints and owned
// sequences. SQLite's internal tables (sqlite_*) are never listed.
//
// normalized_type folds, per dialect: int/int4/integer -> "integer",
// int2 -> "smallint", int8 -> "bigint", "character varying(n)" /
// "varchar(n)" -> "varchar(n)", "character(n)"/"char(n)" -> "char(n)",
// bool/boolean -> "boolean", decimal/numeric(p,s) -> "numeric(p,s)",
// float8/"double precision"/double -> "double", float4/real -> "real",
// "timestamp without time zone" -> "timestamp", "timestamp with time zone"
// -> "timestamptz", "time without time zone" -> "time"; MySQL's display
// widths (int(11)) are dropped except tinyint(1); anything else is the
// reported type in lower case with blanks collapsed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::schema {

struct Column {
  std::string name;
  std::string type;             ///< as the server reports it
  std::string normalized_type;  ///< see the folding rules above
  bool nullable = true;
  std::optional<std::string> default_expr;
  std::optional<std::string> identity;  ///< "always" | "by default"
  bool autoincrement = false;
  std::optional<std::string> collation;
  std::optional<std::string> comment;
};

struct KeyColumns {
  std::optional<std::string> name;
  std::vector<std::string> columns;
};

struct IndexColumn {
  std::optional<std::string> column;
  std::optional<std::string> expression;
  bool descending = false;
  std::optional<int64_t> prefix;
};

struct Index {
  std::string name;
  bool unique = false;
  std::vector<IndexColumn> columns;
  std::optional<std::string> where;
  std::optional<std::string> method;
};

struct ForeignKey {
  std::optional<std::string> name;
  std::vector<std::string> columns;
  std::optional<std::string> ref_schema;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  std::optional<std::string> on_delete, on_update;
  bool deferrable = false;
  bool initially_deferred = false;
};

struct Check {
  std::optional<std::string> name;
  std::string expression;
};

/// A trigger on a table: matched by name, compared by its whole
/// definition (the CREATE TRIGGER statement).
struct Trigger {
  std::string name;
  std::string definition;
};

struct Table {
  std::optional<std::string> schema;
  std::string name;
  std::optional<std::string> comment;
  std::vector<Column> columns;
  std::optional<KeyColumns> primary_key;
  std::vector<KeyColumns> unique_constraints;
  std::vector<Index> indexes;
  std::vector<ForeignKey> foreign_keys;
  std::vector<Check> checks;
  std::vector<Trigger> triggers;  ///< SQLite only, [] elsewhere

  /// "schema.name" or "name".
  std::string qualified() const;
  const Column* column(const std::string& name) const;
};

struct View {
  std::optional<std::string> schema;
  std::string name;
  std::string definition;
  std::string qualified() const;
};

struct Sequence {
  std::optional<std::string> schema;
  std::string name;
  std::string type;
  int64_t start = 1, increment = 1, min = 1, max = INT64_MAX;
  bool cycle = false;
  std::optional<std::string> owned_by;
  std::string qualified() const;
};

struct Enum {
  std::optional<std::string> schema;
  std::string name;
  std::vector<std::string> values;
  std::string qualified() const;
};

struct Catalog {
  std::string dialect;
  std::vector<Table> tables;
  std::vector<View> views;
  std::vector<Sequence> sequences;
  std::vector<Enum> enums;
  /// PostgreSQL: the schemas (namespaces) it holds besides the current
  /// one, which a diff creates and drops; sorted.
  std::vector<std::string> schemas;

  const Table* table(const std::string& qualified) const;
};

/// Parses a catalog document (format 1). Throws std::runtime_error naming
/// the key that is missing or of the wrong type ("tables[3].columns[0].name:
/// expected a string").
Catalog parse_catalog(const std::string& json_text);

/// The catalog as format-1 JSON (every key present; the order above).
std::string to_json(const Catalog& catalog);

}  // namespace strata::schema
