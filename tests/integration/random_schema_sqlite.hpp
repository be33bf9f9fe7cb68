#pragma once
// A seeded generator of random SQLite schema pairs, for the randomized round
// trip of render_sqlite_test.cpp: schema A, and B as A after a few random
// changes, each as the SQL that builds it followed by its rows. Every
// generated UNIQUE, CHECK and NOT NULL holds over the rows of both sides.
#include <cstdint>
#include <string>

namespace strata::test::sqlite_random {

struct SchemaPair {
  std::string a, b;  // each side's schema SQL, then its INSERTs
};

/// The pair of `seed`: the same seed, the same pair.
SchemaPair schema_pair(uint64_t seed);

}  // namespace strata::test::sqlite_random
