#pragma once
// ABI 1.2 render_changes for PostgreSQL: a changes document
// (strata/schema/diff.hpp's changes_json, format 1) in, the statements that
// apply it out, in order, each without its ';'. Rules in render.cpp.
#include <string>
#include <vector>

#include "strata/dialect_abi.h"

namespace strata::postgresql {

/// The statements for `changes_json`. Throws std::invalid_argument for a
/// malformed document and std::runtime_error naming a change PostgreSQL
/// cannot express (drop_enum_value).
std::vector<std::string> render_changes(const std::string& changes_json);

/// The ABI entry (strata_dialect_api::render_changes): the statements as a
/// string list, or STRATA_ERROR with the message. Needs no connection.
strata_status render_changes_entry(const char* changes, strata_string_list** out, strata_error** error);

}  // namespace strata::postgresql
