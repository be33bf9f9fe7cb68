// Fuzz target: the SQLite plugin's split_statements, called through its ABI
// table (plugins/sqlite/sqlite_dialect.cpp compiled in; SQLite3 linked).
// Properties: see splitter_props.hpp, plus the ABI's: STRATA_OK with a list,
// or an error object whose statement_offset/statement_length are in bounds
// (or -1). Between statements SQLite allows blanks, "--" line comments,
// /* */ comments (not nested) and ';'.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "splitter_props.hpp"
#include "strata/dialect_abi.h"

extern "C" const strata_dialect_api* STRATA_DIALECT_ENTRY(void);

namespace {

constexpr const char* kTarget = "sqlite_splitter";
using strata_fuzz::Range;

// The ranges, or fails the property when the ABI call is malformed; an
// error result returns false (after checking the error object).
bool split(std::string_view sql, std::vector<Range>* out) {
  const strata_dialect_api* api = STRATA_DIALECT_ENTRY();
  strata_statement_list* list = nullptr;
  strata_error* error = nullptr;
  strata_status st = api->split_statements(sql.data(), sql.size(), &list, &error);
  if (st != STRATA_OK) {
    FUZZ_CHECK(list == nullptr, kTarget, "error status with a statement list");
    FUZZ_CHECK(error != nullptr && error->message != nullptr && error->message[0] != 0, kTarget,
               "error status " + std::to_string(st) + " without an error message");
    const int64_t off = error->statement_offset, len = error->statement_length;
    const int64_t n = static_cast<int64_t>(sql.size());
    FUZZ_CHECK(off == -1 || (off >= 0 && off <= n), kTarget,
               "error statement_offset " + std::to_string(off) + " outside the script of " + std::to_string(n) +
                   " bytes: " + error->message);
    FUZZ_CHECK(len == -1 || (off >= 0 && len >= 0 && len <= n - off), kTarget,
               "error statement_length " + std::to_string(len) + " at offset " + std::to_string(off) +
                   " outside the script of " + std::to_string(n) + " bytes: " + error->message);
    api->error_free(error);
    return false;
  }
  FUZZ_CHECK(error == nullptr, kTarget, "STRATA_OK with an error object");
  FUZZ_CHECK(list != nullptr && (list->count == 0 || list->items != nullptr), kTarget, "STRATA_OK without a list");
  for (size_t i = 0; i < list->count; ++i) {
    const auto& r = list->items[i];
    FUZZ_CHECK(r.offset >= 0 && r.length >= 0, kTarget,
               "negative range " + std::to_string(r.offset) + ", " + std::to_string(r.length));
    out->push_back({static_cast<size_t>(r.offset), static_cast<size_t>(r.length)});
  }
  api->statement_list_free(list);
  return true;
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
      size_t close = s.find("*/", i + 2);
      i = close == std::string_view::npos ? s.size() : close + 2;
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
  // sqlite's split is quadratic in the number of ';' (sqlite3_complete on
  // every prefix): keep inputs where the fuzzer spends its time usefully.
  if (size > 16384) return 0;
  const std::string sql(reinterpret_cast<const char*>(data), size);
  std::vector<Range> ranges;
  if (!split(sql, &ranges)) return 0;
  strata_fuzz::check_split(kTarget, sql, ranges, gap);
  for (size_t k = 0; k < ranges.size(); ++k) {
    const std::string stmt = sql.substr(ranges[k].offset, ranges[k].length);
    std::vector<Range> again;
    FUZZ_CHECK(split(stmt, &again), kTarget,
               "statement " + std::to_string(k) + " alone is refused: " + strata_fuzz::show(stmt));
    FUZZ_CHECK(again.size() == 1 && again[0].offset == 0 && again[0].length == stmt.size(), kTarget,
               "statement " + std::to_string(k) + " split alone is not that one statement (" +
                   std::to_string(again.size()) + " statements): " + strata_fuzz::show(stmt));
  }
  return 0;
}
