#pragma once
// A seeded generator of random MySQL/MariaDB schema pairs, for the
// randomized round trip of render_mysql_test.cpp: schema A as SQL, B as A
// after a few random changes, one row per table for each side that every
// change of the pair can keep, and queries whose answers must not change.
#include <cstdint>
#include <string>
#include <vector>

namespace strata::test::mysql_random {

struct SchemaPair {
  std::string a, b;            // each side's schema SQL, ';'-separated
  std::string rows_a, rows_b;  // inserted on each side before its change
  std::vector<std::string> counts;  // single-value queries, same answer before and after either way
};

/// The pair of `seed`: the same seed, the same pair.
SchemaPair schema_pair(uint64_t seed);

}  // namespace strata::test::mysql_random
