#pragma once
// SQL for Alembic's version table, rendered with the dialect's quoting so the
// online run and (later) offline scripts write exactly the same statements.
#include <optional>
#include <string>

#include "strata/dialect/dialect.hpp"
#include "strata/planner/graph.hpp"

namespace strata::runner {

class VersionTable {
 public:
  VersionTable(const dialect::Plugin& plugin, std::string table, std::optional<std::string> schema);
  const std::string& table() const { return table_; }
  const std::optional<std::string>& schema() const { return schema_; }
  /// "schema.table" as written in SQL.
  const std::string& qualified() const { return qualified_; }
  std::string create_sql() const;
  std::string select_sql() const;
  std::string op_sql(const planner::VersionOp& op) const;
  /// Key for the dialect's run lock; one per version table.
  std::string lock_key() const;

 private:
  std::string name(const std::string& identifier) const;
  const dialect::Plugin& plugin_;
  std::string table_;
  std::optional<std::string> schema_;
  std::string qualified_;
};

}  // namespace strata::runner
