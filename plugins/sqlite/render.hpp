#pragma once
// ABI 1.2 render_changes() for SQLite: the changes document of
// strata/schema/diff.hpp (changes_json) in, SQL statements out. See render.cpp.
#include <string>
#include <vector>

#include "strata/dialect_abi.h"

namespace strata::sqlite {

/// The statements for a changes document, in order, without ';'. Throws
/// std::runtime_error naming a change SQLite cannot express.
std::vector<std::string> render_changes_sql(const std::string& changes_json);

/// The render_changes() entry (never throws).
strata_status render_changes(const char* changes, strata_string_list** out, strata_error** error);

}  // namespace strata::sqlite
