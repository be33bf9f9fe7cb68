#pragma once
// The SQL text of the pieces a MySQL/MariaDB change renders to, and the
// readers of the changes document's JSON (ddl_clauses.cpp).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace strata::mysql::ddl {

using json = nlohmann::json;

// ---- reading the changes document (a missing or mistyped key reads as empty)
bool is_str(const json& j, const char* key);
std::string str(const json& j, const char* key);
std::optional<std::string> opt(const json& j, const char* key);
bool flag(const json& j, const char* key);
const json& arr(const json& j, const char* key);
std::vector<std::string> strings(const json& j, const char* key);
std::string lower(std::string s);

// ---- names and literals
std::string q(const std::string& id);   // `id`, a backtick doubled
std::string lit(const std::string& s);  // 'text', ' and \ escaped
std::string qualified(const std::optional<std::string>& schema, const std::string& name);
std::string column_list(const std::vector<std::string>& columns);  // (`a`, `b`)

// ---- columns
bool has_column(const json& t, const std::string& name);
/// The column an unnamed (column-level) check of table state `t` belongs
/// to: the one column its expression names; nullopt for a named check or
/// when it cannot be told.
std::optional<std::string> owner(const json& t, const json& check);
std::string check_expr(const json& check);  // (expression)
/// "`name` TYPE [COLLATE c] NULL|NOT NULL [DEFAULT d] [AUTO_INCREMENT]
/// [COMMENT '...'] [CHECK (e)]...".
std::string column_def(const json& c, const std::vector<std::string>& checks, bool autoincrement);
/// The column's definition in table state `t`, with its column-level checks.
std::string column_def_in(const json& t, const json& c);

// ---- keys
std::string method_of(const json& index);  // "btree", "hash", "fulltext", "spatial"
/// "FULLTEXT INDEX `n` (...)" / "UNIQUE KEY `n` (...)" / "INDEX `n` (...) USING HASH",
/// `word` being INDEX or KEY.
std::string index_clause(const json& index, const char* word);
std::string key_name(const json& key);  // " `name`", or "" for an unnamed key
/// "CONSTRAINT `n` FOREIGN KEY (...) REFERENCES t (...) ON DELETE ... ON UPDATE ...".
std::string fk_clause(const json& fk);

// ---- clauses of an ALTER TABLE, with what each touches (alter_statements.hpp
// decides by that which may share a statement)

/// What a clause does to one thing of its table. Objects: "column:<name>",
/// "key:<name>" (indexes, unique keys and the index a foreign key makes
/// share their names), "pk", "fk:<name>", "check:<name or expression>",
/// "comment", and "fulltext" for any FULLTEXT index added.
struct Touch {
  enum Act { Add, Drop, Change };
  std::string object;
  Act act;
};

struct Clause {
  std::string sql;  // "ADD COLUMN ...", without the ALTER TABLE
  std::vector<Touch> touches;
};

/// ADD COLUMN with its column-level checks and its place (" FIRST" /
/// " AFTER `x`").
Clause add_column(const json& column, const std::vector<std::string>& checks, const std::string& position);
/// MODIFY COLUMN with the whole definition the column has in table state `t`.
Clause modify_column(const json& t, const json& column);
Clause drop_column(const std::string& name);
Clause add_primary_key(const std::vector<std::string>& columns);
Clause drop_primary_key();
Clause add_unique(const json& key);
Clause add_index(const json& index);
Clause drop_index(const std::string& name);  // an index or a unique key
Clause add_check(const json& check);
Clause drop_check(const std::string& name);
Clause add_foreign_key(const json& fk);
Clause drop_foreign_key(const std::string& name);
Clause table_comment(const std::string& comment);

}  // namespace strata::mysql::ddl
