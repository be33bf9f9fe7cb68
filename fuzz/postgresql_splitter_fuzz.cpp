// Fuzz target: the PostgreSQL plugin's statement splitter
// (plugins/postgresql/statement_splitter.cpp, compiled in). Properties: see
// splitter_props.hpp. Between statements PostgreSQL allows blanks, "--" line
// comments, nested /* */ comments and ';'; a statement starts at its first
// token (never with a comment).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "splitter_props.hpp"
#include "statement_splitter.hpp"

namespace {

constexpr const char* kTarget = "postgresql_splitter";
using strata_fuzz::Range;

// Throws like the splitter may; returns the ranges otherwise.
std::vector<Range> split(std::string_view sql) {
  std::vector<Range> out;
  for (auto& r : strata::postgresql::split_statements(sql)) out.push_back({r.offset, r.length});
  return out;
}

size_t gap(std::string_view s, size_t i, size_t to, size_t, std::string* error) {
  size_t delimiters = 0;
  while (i < to) {
    if (strata_fuzz::is_blank(s[i])) {
      ++i;
    } else if (s[i] == ';') {
      ++delimiters;
      ++i;
    } else if (s.compare(i, 2, "--") == 0 && i + 1 < to) {
      size_t nl = s.find('\n', i);
      i = nl == std::string_view::npos ? s.size() : nl + 1;
      if (i > to) *error = "a line comment runs into the statement";
    } else if (s.compare(i, 2, "/*") == 0 && i + 1 < to) {
      int depth = 0;
      while (i < s.size()) {
        if (s.compare(i, 2, "/*") == 0) ++depth, i += 2;
        else if (s.compare(i, 2, "*/") == 0) { i += 2; if (--depth == 0) break; }
        else ++i;
      }
      if (i > to) *error = "a block comment runs into the statement";
    } else {
      *error = "byte " + std::to_string(i) + " " + strata_fuzz::show(s.substr(i, 1));
    }
    if (!error->empty()) return 0;
  }
  return delimiters;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sql(reinterpret_cast<const char*>(data), size);
  std::vector<Range> ranges;
  try {
    ranges = split(sql);
  } catch (const strata::postgresql::SplitError& e) {
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
  strata_fuzz::check_split(kTarget, sql, ranges, gap);
  for (size_t k = 0; k < ranges.size(); ++k) {
    const std::string stmt = sql.substr(ranges[k].offset, ranges[k].length);
    FUZZ_CHECK(stmt.compare(0, 2, "--") != 0 && stmt.compare(0, 2, "/*") != 0, kTarget,
               "statement " + std::to_string(k) + " starts with a comment: " + strata_fuzz::show(stmt));
    std::vector<Range> again;
    try {
      again = split(stmt);
    } catch (const std::exception& e) {
      strata_fuzz::fail(kTarget, "statement " + std::to_string(k) + " alone does not split: " + e.what() +
                                     ": " + strata_fuzz::show(stmt));
    }
    FUZZ_CHECK(again.size() == 1 && again[0].offset == 0 && again[0].length == stmt.size(), kTarget,
               "statement " + std::to_string(k) + " split alone is not that one statement (" +
                   std::to_string(again.size()) + " statements): " + strata_fuzz::show(stmt));
  }
  return 0;
}
