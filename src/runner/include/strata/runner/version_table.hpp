#pragma once
// SQL for Alembic's version table, rendered with the dialect's quoting so the
// online run and (later) offline scripts write exactly the same statements.
#include <optional>
#include <string>

#include "strata/dialect/dialect.hpp"
#include "strata/planner/graph.hpp"
#include "strata/runner/applied_log.hpp"

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

  // The progress table, beside the version table: one row while a revision
  // that can be left half-applied (no transactional DDL, or Transactional:
  // false) is running. statements_done counts the statements known to have
  // completed; statement_started (1-based, NULL when none) names a statement
  // that was sent without its outcome being recorded atomically with it: if
  // it is still set when a run reads the row, that statement is in doubt.
  const std::string& progress_table() const { return progress_table_; }
  std::string progress_create_sql() const;
  /// `started`: the statement about to be sent (1-based), 0 for none.
  std::string progress_insert_sql(const std::string& revision, bool upgrade, int64_t total, int64_t started) const;
  std::string progress_update_sql(const std::string& revision, int64_t done, int64_t started) const;
  /// The record of `from` (finished) turned into that of `to` (starting):
  /// what progress_delete_sql then progress_insert_sql would leave, in one
  /// statement.
  std::string progress_handover_sql(const std::string& from, const std::string& to, bool upgrade, int64_t total,
                                    int64_t started) const;
  std::string progress_delete_sql() const;
  std::string progress_select_sql(const std::string& column, const std::string& revision = "") const;

  // The applied log, beside the version table (applied_log.hpp).
  const std::string& log_table() const { return log_table_; }
  std::string log_create_sql() const;
  std::string log_insert_sql(const LogRow& row) const;
  /// One column of every row, oldest first (ORDER BY the unique id).
  std::string log_select_sql(const std::string& column) const;
  /// Several text columns of every row in one query and one column: for
  /// each row, oldest first, its values in the order of `columns` (so the
  /// result has rows * columns.size() values). The columns must share a
  /// text type (UNION ALL); NULL reads as "".
  std::string log_select_columns_sql(const std::vector<std::string>& columns) const;

 private:
  std::string name(const std::string& identifier) const;
  const dialect::Plugin& plugin_;
  std::string table_;
  std::optional<std::string> schema_;
  std::string qualified_;
  std::string progress_table_;
  std::string progress_qualified_;
  std::string log_table_;
  std::string log_qualified_;
};

}  // namespace strata::runner
