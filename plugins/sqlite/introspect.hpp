#pragma once
// ABI 1.2 introspect() for SQLite: the "main" schema as a catalog document
// (format 1, strata/schema/catalog.hpp). See introspect.cpp.
#include <sqlite3.h>

#include "strata/dialect_abi.h"

namespace strata::sqlite {

/// The introspect() entry on an open connection: one JSON document in a
/// list of one string, or an error (never throws).
strata_status introspect(sqlite3* db, const char* options, strata_string_list** out, strata_error** error);

}  // namespace strata::sqlite
