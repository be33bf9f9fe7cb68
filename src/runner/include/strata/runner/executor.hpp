#pragma once
// Executes plan steps. The same code drives an online run (statements go to
// a live connection) and an offline script (statements are written out), so
// a --sql script does exactly what the online run would, in the same order.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "strata/dialect/dialect.hpp"
#include "strata/planner/graph.hpp"
#include "strata/runner/version_table.hpp"

namespace strata::runner {

/// Where a plan's SQL goes.
class SqlSink {
 public:
  virtual ~SqlSink() = default;
  virtual void begin() = 0;
  virtual void commit() = 0;
  /// A revision's section run as one script (a revision inside a transaction).
  virtual void script(const std::string& sql) = 0;
  /// One statement of a revision, from the dialect's split.
  virtual void statement(const std::string& sql) = 0;
  /// Strata's own statements (version and progress tables). Returns the
  /// rows changed, or -1 when unknown (offline).
  virtual int64_t bookkeeping(const std::string& sql) = 0;
  /// What comes next, for a reader (offline scripts show it as a comment).
  virtual void note(const std::string&) {}
};

/// A failed statement of a revision, worded with its file and line:
/// "file:line: message (SQLSTATE x, mysql error n) [revision r, statement i of n]".
class StepError : public std::runtime_error {
 public:
  StepError(const std::string& message, strata_status status_, int64_t statement_index_)
      : std::runtime_error(message), status(status_), statement_index(statement_index_) {}
  strata_status status;
  int64_t statement_index;  ///< 0-based statement of a tracked revision, or -1
};

class StepExecutor {
 public:
  /// `whole_run`: one transaction around the whole run where the dialect's
  /// DDL is transactional (Alembic's transaction_per_migration = false).
  StepExecutor(const planner::RevisionGraph& graph, const dialect::Plugin& plugin, const VersionTable& vt,
               bool whole_run, SqlSink& sink);

  bool in_transaction() const { return in_tx_; }
  void begin();
  void begin_if_needed();
  void commit();
  void commit_if_open();

  /// Whether `rev` runs statement by statement with its progress recorded:
  /// where it could otherwise be left half-applied (no transactional DDL,
  /// or Transactional: false).
  bool tracked(const script::Revision& rev) const;

  /// Runs one step: its SQL, then its version-table writes. resume_at >= 0
  /// continues a tracked revision left half-applied, at that statement.
  /// Throws StepError when a statement fails.
  void run_step(const planner::Step& step, int64_t resume_at = -1);

  /// Applies version-table writes; an UPDATE or DELETE must change one row.
  void apply_ops(const std::vector<planner::VersionOp>& ops);

 private:
  std::string statement_error(const dialect::DialectError& e, const script::Revision& rev,
                              const script::Section* section, int64_t offset, int64_t index, int64_t total) const;
  const planner::RevisionGraph& graph_;
  const dialect::Plugin& plugin_;
  const VersionTable& vt_;
  const bool transactional_ddl_;
  const bool whole_run_;
  SqlSink& sink_;
  bool in_tx_ = false;
};

/// "Running upgrade a -> b, msg", as Alembic logs a step.
std::string step_text(const planner::RevisionGraph& g, const planner::Step& s);

}  // namespace strata::runner
