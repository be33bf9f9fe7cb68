// Fuzz target: the MySQL plugin's statement splitter
// (plugins/mysql/statement_splitter.cpp, compiled in). Properties: see
// splitter_props.hpp. Between statements the mysql client allows blanks,
// "#" and "-- " comments, /* */ comments (not /*! executable ones, which are
// statement text), the current delimiter and DELIMITER commands (the rest of
// their line is ignored). Splitting a statement alone is done under the
// delimiter that ended it ("DELIMITER xx" line first when it is not ';').
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "splitter_props.hpp"
#include "statement_splitter.hpp"

namespace {

constexpr const char* kTarget = "mysql_splitter";
using strata_fuzz::Range;

std::vector<Range> split(std::string_view sql) {
  std::vector<Range> out;
  for (auto& r : strata::mysql::split_statements(sql)) out.push_back({r.offset, r.length});
  return out;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool space(char c) { return strata_fuzz::is_blank(c); }
bool line_blank(char c) { return c != '\n' && strata_fuzz::is_blank(c); }
size_t line_end(std::string_view s, size_t i) {
  size_t nl = s.find('\n', i);
  return nl == std::string_view::npos ? s.size() : nl;
}

// The gap lexer keeps the delimiter in force across gaps, so it must see
// the gaps in order (check_split calls it in order).
struct Gaps {
  std::string delimiter = ";";
  std::vector<std::string> delimiter_of;  // delimiter in force after each statement

  size_t operator()(std::string_view s, size_t i, size_t to, size_t statement_index, std::string* error) {
    size_t delimiters = 0;
    // Right after a statement its delimiter is pending: DELIMITER is only a
    // command once the delimiter has ended the statement.
    bool pending = statement_index > 0;
    while (i < to) {
      if (space(s[i])) {
        ++i;
      } else if (pending) {
        if (s.compare(i, delimiter.size(), delimiter) != 0) {
          *error = "the statement is not ended by its delimiter " + strata_fuzz::show(delimiter);
          return 0;
        }
        pending = false;
        ++delimiters;
        i += delimiter.size();
        if (i > to) *error = "the delimiter runs into the statement";
      } else if (to - i >= 9 && [&] {
                   for (size_t k = 0; k < 9; ++k)
                     if (lower(s[i + k]) != "delimiter"[k]) return false;
                   return i + 9 == s.size() || space(s[i + 9]);
                 }()) {
        size_t k = i + 9;
        while (k < s.size() && line_blank(s[k])) ++k;
        size_t e = k;
        while (e < s.size() && !space(s[e])) ++e;
        if (e == k) {
          *error = "DELIMITER without a delimiter was accepted";
          return 0;
        }
        delimiter.assign(s.substr(k, e - k));
        i = line_end(s, e);
        if (i > to) *error = "a DELIMITER line runs into the statement";
      } else if (s.compare(i, delimiter.size(), delimiter) == 0) {
        ++delimiters;
        i += delimiter.size();
        if (i > to) *error = "the delimiter runs into the statement";
      } else if (s[i] == '#' || (s.compare(i, 2, "--") == 0 && (i + 2 == s.size() || space(s[i + 2])))) {
        i = line_end(s, i);
        if (i > to) *error = "a line comment runs into the statement";
      } else if (s.compare(i, 2, "/*") == 0 && s.compare(i, 3, "/*!") != 0 && s.compare(i, 4, "/*M!") != 0) {
        size_t close = s.find("*/", i + 2);
        i = close == std::string_view::npos ? s.size() : close + 2;
        if (i > to) *error = "a block comment runs into the statement";
      } else {
        *error = "byte " + std::to_string(i) + " " + strata_fuzz::show(s.substr(i, 1));
      }
      if (!error->empty()) return 0;
    }
    delimiter_of.push_back(delimiter);
    return delimiters;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sql(reinterpret_cast<const char*>(data), size);
  std::vector<Range> ranges;
  try {
    ranges = split(sql);
  } catch (const strata::mysql::SplitError& e) {
    // Located: the offset of the construct at fault is inside the script.
    FUZZ_CHECK(e.offset <= sql.size(), kTarget,
               "SplitError offset " + std::to_string(e.offset) + " outside the script of " +
                   std::to_string(sql.size()) + " bytes: " + e.what());
    strata_fuzz::check_split_error(kTarget, sql, e.what());
    return 0;
  } catch (const std::invalid_argument& e) {
    strata_fuzz::check_split_error(kTarget, sql, e.what());
    return 0;
  } catch (const std::runtime_error& e) {
    strata_fuzz::check_split_error(kTarget, sql, e.what());
    return 0;
  } catch (const std::exception& e) {
    strata_fuzz::fail(kTarget, std::string("unexpected exception ") + typeid(e).name() + ": " + e.what());
  }
  Gaps gaps;
  strata_fuzz::check_split(kTarget, sql, ranges,
                           [&](std::string_view s, size_t from, size_t to, size_t k, std::string* error) {
                             return gaps(s, from, to, k, error);
                           });
  for (size_t k = 0; k < ranges.size(); ++k) {
    const std::string stmt = sql.substr(ranges[k].offset, ranges[k].length);
    // The delimiter in force for statement k: the one after gap k.
    const std::string& delimiter = gaps.delimiter_of[k];
    const std::string prefix = delimiter == ";" ? "" : "DELIMITER " + delimiter + "\n";
    // Alone, or followed by its delimiter where the end of the script would
    // change its meaning ("--" and "DELIMITER" are a comment and a command
    // there, not when a delimiter follows).
    auto one_statement = [&](const std::string& alone, std::string* error) {
      std::vector<Range> again;
      try {
        again = split(alone);
      } catch (const std::exception& e) {
        *error = std::string("does not split: ") + e.what();
        return false;
      }
      *error = std::to_string(again.size()) + " statements";
      return again.size() == 1 && again[0].offset == prefix.size() && again[0].length == stmt.size();
    };
    std::string error, error2;
    FUZZ_CHECK(one_statement(prefix + stmt, &error) || one_statement(prefix + stmt + delimiter, &error2), kTarget,
               "statement " + std::to_string(k) + " split alone is not that one statement (" + error + "; with " +
                   "its delimiter: " + error2 + "): " + strata_fuzz::show(prefix + stmt));
  }
  return 0;
}
