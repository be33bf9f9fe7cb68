#pragma once
// The statements of a rendered MySQL/MariaDB diff, in order: consecutive
// clauses on one table share one ALTER TABLE where the server takes them
// together (alter_statements.cpp says when).
#include <string>
#include <vector>

#include "ddl_clauses.hpp"

namespace strata::mysql::ddl {

class Statements {
 public:
  /// A statement of its own (CREATE TABLE, DROP TABLE, a view's).
  void add(std::string sql);
  /// Clauses on `table` (its SQL name) that must run in one ALTER TABLE.
  /// They join the ALTER TABLE of that table just before them where
  /// may_share allows; `alone`, they neither join one nor are joined.
  void alter(const std::string& table, std::vector<Clause> clauses, bool alone = false);
  /// The statements, each without its ';'.
  std::vector<std::string> take();

 private:
  struct Statement {
    std::string table, sql;  // table: empty for a statement of its own
    std::vector<Clause> clauses;
    bool alone = false;
  };
  std::vector<Statement> list_;
};

/// May `next` run in the same ALTER TABLE as `before` (clauses on one
/// table, in that order), with the outcome of running them one by one?
bool may_share(const std::vector<Clause>& before, const std::vector<Clause>& next);

}  // namespace strata::mysql::ddl
