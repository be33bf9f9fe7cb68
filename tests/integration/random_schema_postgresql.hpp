#pragma once
// A seeded generator of random PostgreSQL schema pairs, for the randomized
// round trip of render_postgresql_test.cpp: schema A as SQL, B as A after
// a few random changes, rows for each side that every change of the pair
// can keep, and what must hold after each way. The rules that keep a pair
// applicable with rows in it are listed in random_schema_postgresql.cpp.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace strata::test::postgresql_random {

struct SchemaPair {
  std::string a, b;            // each side's schema SQL
  std::string data_a, data_b;  // rows inserted on each side before its change
  // Single-value queries and the value they must give after each way.
  std::vector<std::pair<std::string, std::string>> after_up, after_down;
  bool down_drops_enum_value = false;  // B adds an enum value: diff(B', A') cannot be rendered
};

/// The pair of `seed`: the same seed, the same pair.
SchemaPair schema_pair(uint64_t seed);

}  // namespace strata::test::postgresql_random
