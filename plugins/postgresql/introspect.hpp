#pragma once
// ABI 1.2 introspect for PostgreSQL: the catalog (format 1, see
// strata/schema/catalog.hpp) of the requested schemas, read from pg_catalog
// with one query per kind of object.
#include <pqxx/pqxx>

#include <string>

namespace strata::postgresql {

/// The catalog document of the schemas named in `options_json` (default:
/// current_schema()), plus those of "extra_schemas", plus with
/// "all_schemas": true every schema but the system's and extensions', without
/// the tables of "exclude_tables". Its "schemas" lists those read that
/// exist, but the current one, whose objects have "schema": null (as
/// Alembic's default schema None; also in "ref_schema" and "owned_by"). Runs on the
/// session as it is: inside the run's transaction when one is open, and it
/// never begins, commits or rolls back one. Throws std::invalid_argument
/// for bad options, pqxx exceptions for database failures.
std::string introspect(pqxx::connection_base& db, const std::string& options_json);

/// normalized_type of a PostgreSQL type as format_type() reports it.
std::string normalize_type(const std::string& type);

}  // namespace strata::postgresql
