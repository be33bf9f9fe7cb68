#include "statement_traits.hpp"

#include <set>
#include <string>

#include "strata/dialect_abi.h"
#include "strata/plugin_support.hpp"

namespace strata::sqlite {

uint32_t statement_traits(std::string_view statement) {
  const auto w = plugin::leading_words(statement, 1, false);
  if (w.empty()) return STRATA_STMT_NO_TRANSACTION;
  static const std::set<std::string> outside = {"VACUUM",   "ATTACH",   "DETACH",  "PRAGMA", "BEGIN",
                                                "COMMIT",   "END",      "ROLLBACK", "SAVEPOINT", "RELEASE"};
  return outside.count(w[0]) ? STRATA_STMT_NO_TRANSACTION : 0;
}

}  // namespace strata::sqlite
