#include "statement_traits.hpp"

#include <algorithm>
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


std::string trim_parse_error(const std::string& message, std::string_view statement, std::string_view separator,
                             bool first_in_packet) {
  static const std::string kNear = "near '", kAtLine = "' at line ";
  const size_t open = message.find(kNear);
  const size_t close = message.rfind(kAtLine);
  if (open == std::string::npos || close == std::string::npos || close < open + kNear.size()) return message;
  const size_t from = open + kNear.size();
  std::string near = message.substr(from, close - from);
  // Where the quoted text starts in the statement: the statement's rest is
  // a prefix of it and the separator (or as much of it as the 80 quoted
  // characters hold) follows. Quoted text within the statement stays.
  for (size_t pos = 0; pos < statement.size(); ++pos) {
    const std::string_view rest = statement.substr(pos);
    if (rest.size() >= near.size() || near.compare(0, rest.size(), rest) != 0) continue;
    const std::string_view after = std::string_view(near).substr(rest.size());
    const size_t n = std::min(after.size(), separator.size());
    if (after.substr(0, n) != separator.substr(0, n)) continue;
    near.resize(rest.size());
    break;
  }
  if (close + kAtLine.size() >= message.size() || message[close + kAtLine.size()] < '0' ||
      message[close + kAtLine.size()] > '9')
    return message.substr(0, from) + near + message.substr(close);
  // The line count: the server starts a packet's later statement at its
  // first non-blank character.
  size_t digits_end = close + kAtLine.size();
  long line = 0;
  while (digits_end < message.size() && message[digits_end] >= '0' && message[digits_end] <= '9')
    line = line * 10 + (message[digits_end++] - '0');
  if (!first_in_packet) {
    for (char ch : statement) {
      if (ch == '\n') ++line;
      else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\f' && ch != '\v') break;
    }
  }
  return message.substr(0, from) + near + kAtLine + std::to_string(line) + message.substr(digits_end);
}

}  // namespace strata::mysql
