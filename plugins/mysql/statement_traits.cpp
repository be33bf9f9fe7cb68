#include "statement_traits.hpp"

#include <set>
#include <string>

#include "strata/dialect_abi.h"
#include "strata/plugin_support.hpp"

namespace strata::mysql {

uint32_t statement_traits(std::string_view statement) {
  const auto w = plugin::leading_words(statement, 2, true);
  if (w.empty()) return STRATA_STMT_NO_TRANSACTION;
  // Statements that cause no implicit commit (MySQL manual, "Statements That
  // Cause an Implicit Commit", read the other way round).
  static const std::set<std::string> data = {"INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT",
                                             "WITH",   "DO",     "VALUES", "TABLE"};
  if (data.count(w[0])) return 0;
  if (w[0] == "LOAD" && w.size() > 1 && (w[1] == "DATA" || w[1] == "XML")) return 0;
  // SET of a variable; SET PASSWORD / SET TRANSACTION / SET AUTOCOMMIT are
  // not plain data statements.
  if (w[0] == "SET" && w.size() > 1 && w[1] != "PASSWORD" && w[1] != "TRANSACTION" && w[1] != "AUTOCOMMIT")
    return 0;
  return STRATA_STMT_NO_TRANSACTION;
}

}  // namespace strata::mysql
