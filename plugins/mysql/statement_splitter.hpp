#pragma once
// MySQL-client-style statement splitting, shared by the MySQL dialect plugin
// (execute, split_statements) and its unit test. No database needed.
#include <cstddef>
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
/// Throws std::invalid_argument for a DELIMITER line without a delimiter.
std::vector<StatementRange> split_statements(std::string_view sql);

}  // namespace strata::mysql
