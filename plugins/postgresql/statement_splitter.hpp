#pragma once
// Splits a PostgreSQL script into statements the way psql does: on ';'
// outside string literals, quoted identifiers, dollar-quoted bodies,
// comments, parentheses and SQL-standard function bodies (BEGIN ATOMIC ...
// END). No connection and no PostgreSQL header needed: the unit tests
// compile this file directly.
#include <cstddef>
#include <string_view>
#include <vector>

namespace strata::postgresql {

/// One statement: a byte range of the script, without the ';', without the
/// surrounding blanks and without the comments that precede it (comments
/// inside or at the end of the statement are kept).
struct StatementRange {
  size_t offset;
  size_t length;
};

/// The statements of `sql`, in order. Empty and comment-only statements are
/// dropped. An unterminated quote or comment runs to the end of the script
/// (the server then reports the error on that statement).
std::vector<StatementRange> split_statements(std::string_view sql);

}  // namespace strata::postgresql
