#pragma once
// MySQL-client-style statement splitting, shared by the MySQL dialect plugin
// (execute, split_statements) and its unit test. No database needed.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace strata::mysql {

/// One statement of a script: byte range without the delimiter and without
/// surrounding blanks; starts at the statement's first real token (leading
/// comments are skipped, comments inside are kept).
struct StatementRange {
  size_t offset;
  size_t length;
};

/// A script that cannot be split safely; `offset` is the byte where the
/// construct at fault starts, the message names it ("unterminated /* comment",
/// "unterminated quoted string", "unterminated quoted identifier").
class SplitError : public std::invalid_argument {
 public:
  SplitError(const std::string& message, size_t at) : std::invalid_argument(message), offset(at) {}
  size_t offset;
};

/// Splits `sql` the way the mysql command-line client does:
///  - the delimiter is ';' until a `DELIMITER xx` line changes it. The
///    command (any case) is recognised where a statement would start: at the
///    start of a line or after a delimiter, never inside a pending statement;
///    the rest of its line is not a statement;
///  - '...' and "..." strings (backslash escapes, doubled quotes),
///    `identifiers` (doubled backticks), `-- ` (dashes + blank or end of
///    line), `#` and /* */ comments never end a statement;
///  - /*! ... */ and /*M! ... */ executable comments are statement text
///    (a delimiter inside them does not end the statement);
///  - empty and comment-only statements are dropped.
/// Throws SplitError for a DELIMITER line without a delimiter, and for text
/// that would silently swallow the rest of the script: an unterminated
/// string, `identifier` or /* comment, or a NUL byte.
std::vector<StatementRange> split_statements(std::string_view sql);

/// The same checks for one statement run as is (STRATA_EXEC_SINGLE_STATEMENT):
/// quotes and comments must close and no NUL byte may appear; delimiters are
/// not looked for. Throws SplitError.
void check_statement(std::string_view sql);

}  // namespace strata::mysql
