#pragma once
// The statement splitters' contract (src/dialect/include/strata/dialect_abi.h,
// strata_statement_range): each statement is a byte range of the script,
// without its delimiter and without surrounding blanks; empty statements are
// dropped. What the fuzz targets check on every split, in every dialect:
//  - ranges are in bounds, non-empty, in order and do not overlap;
//  - a statement neither starts nor ends with a blank;
//  - the script minus the ranges is only blanks, comments, delimiters (and,
//    for MySQL, DELIMITER commands): the statements concatenate back to the
//    script with nothing lost. Each dialect's target supplies the lexer for
//    that "between statements" text, and two consecutive statements must
//    have at least one delimiter between them;
//  - splitting one statement alone gives exactly that statement back.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

namespace strata_fuzz {

struct Range {
  size_t offset;
  size_t length;
};

inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// What lies between statements: returns the number of delimiters found in
/// sql[from, to), or sets *error (and returns 0) when something else is
/// there. `statement_index` is the statement that follows the gap
/// (ranges.size() for the text after the last one).
using GapLexer = std::function<size_t(std::string_view sql, size_t from, size_t to, size_t statement_index,
                                      std::string* error)>;

inline void check_split(const char* target, std::string_view sql, const std::vector<Range>& ranges,
                        const GapLexer& gap) {
  size_t prev_end = 0;
  for (size_t k = 0; k < ranges.size(); ++k) {
    const Range& r = ranges[k];
    const std::string where = "statement " + std::to_string(k) + " [" + std::to_string(r.offset) + ", +" +
                              std::to_string(r.length) + ") of " + std::to_string(sql.size()) + " bytes";
    FUZZ_CHECK(r.offset <= sql.size() && r.length <= sql.size() - r.offset, target, where + ": out of bounds");
    FUZZ_CHECK(r.length > 0, target, where + ": empty statement");
    FUZZ_CHECK(r.offset >= prev_end, target, where + ": overlaps or precedes the previous statement");
    std::string_view text = sql.substr(r.offset, r.length);
    FUZZ_CHECK(!is_blank(text.front()) && !is_blank(text.back()), target,
               where + ": starts or ends with a blank: " + show(text));
    std::string error;
    size_t delimiters = gap(sql, prev_end, r.offset, k, &error);
    FUZZ_CHECK(error.empty(), target,
               where + ": text before it that is no blank, comment or delimiter (" + error + "): " +
                   show(sql.substr(prev_end, r.offset - prev_end)));
    FUZZ_CHECK(k == 0 || delimiters > 0, target, where + ": no delimiter between it and the previous statement");
    prev_end = r.offset + r.length;
  }
  std::string error;
  gap(sql, prev_end, sql.size(), ranges.size(), &error);
  FUZZ_CHECK(error.empty(), target,
             "text after the last statement that is no blank, comment or delimiter (" + error + "): " +
                 show(sql.substr(prev_end)));
}

/// A splitter may refuse a script (a DELIMITER line without a delimiter;
/// unterminated comments and quotes): std::invalid_argument or
/// std::runtime_error with a message, and where the message names a line
/// ("line N") that line exists. Any other exception is a failure.
inline void check_split_error(const char* target, std::string_view sql, const std::string& what) {
  FUZZ_CHECK(!what.empty(), target, "split error without a message");
  for (size_t at = what.find("line "); at != std::string::npos; at = what.find("line ", at + 1)) {
    size_t i = at + 5, line = 0, digits = 0;
    while (i < what.size() && what[i] >= '0' && what[i] <= '9' && digits < 12) line = line * 10 + (what[i++] - '0'), ++digits;
    if (digits == 0) continue;
    FUZZ_CHECK(line >= 1 && line <= line_count(sql), target,
               "split error names line " + std::to_string(line) + " of a " + std::to_string(line_count(sql)) +
                   "-line script: " + show(what));
    break;
  }
}

}  // namespace strata_fuzz
