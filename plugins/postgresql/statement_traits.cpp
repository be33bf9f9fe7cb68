#include "statement_traits.hpp"

#include <set>
#include <string>

#include "strata/dialect_abi.h"
#include "strata/plugin_support.hpp"

namespace strata::postgresql {

uint32_t statement_traits(std::string_view statement) {
  const auto w = plugin::leading_words(statement, 3, false);
  if (w.empty()) return STRATA_STMT_NO_TRANSACTION;  // cannot tell: be cautious
  auto at = [&](size_t i) { return i < w.size() ? w[i] : std::string(); };
  // Transaction control, and statements PostgreSQL runs only outside a
  // transaction block.
  static const std::set<std::string> alone = {"BEGIN",   "START",   "COMMIT",  "END",      "ROLLBACK",
                                              "ABORT",   "SAVEPOINT", "RELEASE", "PREPARE", "VACUUM",
                                              "CALL",    "CHECKPOINT"};
  if (alone.count(at(0))) return STRATA_STMT_NO_TRANSACTION;
  if (at(0) == "CLUSTER" && w.size() == 1) return STRATA_STMT_NO_TRANSACTION;
  if ((at(0) == "CREATE" || at(0) == "DROP") && (at(1) == "DATABASE" || at(1) == "TABLESPACE"))
    return STRATA_STMT_NO_TRANSACTION;
  if ((at(0) == "CREATE" || at(0) == "DROP" || at(0) == "ALTER") && at(1) == "SUBSCRIPTION")
    return STRATA_STMT_NO_TRANSACTION;
  if (at(0) == "ALTER" && (at(1) == "SYSTEM" || at(1) == "DATABASE")) return STRATA_STMT_NO_TRANSACTION;
  // CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ...
  // CONCURRENTLY, ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY. A match
  // inside a literal only makes the answer more cautious.
  if ((at(0) == "CREATE" || at(0) == "DROP" || at(0) == "REINDEX" || at(0) == "ALTER") &&
      plugin::contains_word(statement, "CONCURRENTLY"))
    return STRATA_STMT_NO_TRANSACTION | STRATA_STMT_PARTIAL_ON_FAILURE;
  return 0;
}

}  // namespace strata::postgresql
