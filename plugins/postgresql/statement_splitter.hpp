#pragma once
// Splits a PostgreSQL script into statements the way psql does: on ';'
// outside string literals, quoted identifiers, dollar-quoted bodies,
// comments, parentheses and SQL-standard function bodies (BEGIN ATOMIC ...
// END). No connection and no PostgreSQL header needed: the unit tests
// compile this file directly.
#include <cstddef>
#include <stdexcept>
#include <string>
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

/// Text that would silently swallow the rest of the script: an unterminated
/// comment, quoted string, quoted identifier or dollar quote, or a NUL byte
/// (which ends the text libpq sends). `offset` is the byte where the
/// construct starts; the message names it ("unterminated /* comment").
class SplitError : public std::invalid_argument {
 public:
  SplitError(const std::string& message, size_t at) : std::invalid_argument(message), offset(at) {}
  size_t offset;
};

/// The statements of `sql`, in order. Empty and comment-only statements are
/// dropped. Throws SplitError for an unterminated comment, quote or dollar
/// quote, or a NUL byte, anywhere in the script: nothing of a script that
/// fails to split may run.
std::vector<StatementRange> split_statements(std::string_view sql);

}  // namespace strata::postgresql
