#pragma once
// ABI 1.2 introspect for MySQL/MariaDB: the catalog (format 1, see
// strata/schema/catalog.hpp) of the connected database, read from
// information_schema with one query per kind of object (introspect.cpp).
#include <cppconn/connection.h>

#include <string>

namespace strata::mysql {

/// The catalog document of the connected database (DATABASE()), without the
/// tables named in options_json's "exclude_tables" (nor their columns,
/// indexes and constraints). Only reads: runs on the session as it is,
/// inside an open transaction if there is one, and never begins, commits or
/// rolls back anything. Throws std::invalid_argument for bad options or
/// when no database is selected, sql::SQLException for server failures.
std::string introspect(sql::Connection& db, const std::string& options_json);

/// normalized_type of a MySQL COLUMN_TYPE: "int(11)" -> "integer",
/// "tinyint(1)" stays, "decimal(12,2)" -> "numeric(12,2)", ...
std::string normalize_type(const std::string& type);

/// A view definition as MariaDB stores it qualifies every table with the
/// database (`db`.`t`): those qualifiers are removed so that the same view
/// in two databases (a scratch copy and the real one) reads the same.
std::string strip_database(const std::string& definition, const std::string& database);

}  // namespace strata::mysql
