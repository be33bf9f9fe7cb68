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
  StepError(const std::string& message, strata_status status_, int64_t statement_index_ = -1,
            int64_t statements_total_ = 0, bool in_doubt_ = false, bool partial_ = false)
      : std::runtime_error(message),
        status(status_),
        statement_index(statement_index_),
        statements_total(statements_total_),
        in_doubt(in_doubt_),
        partial(partial_) {}
  strata_status status;
  int64_t statement_index;   ///< 0-based statement of a tracked revision, or -1
  int64_t statements_total;  ///< statements of that revision (tracked only)
  /// The statement may or may not have taken effect (the connection broke
  /// while a statement that cannot share a transaction ran); the progress
  /// record announces it as started.
  bool in_doubt;
  /// The statement can fail leaving effects (STRATA_STMT_PARTIAL_ON_FAILURE).
  bool partial;
  /// The failing statement's text (tracked revisions only).
  std::string statement;
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
  /// continues a tracked revision left half-applied, at that statement
  /// (0-based, counted in the file as it is now).
  ///
  /// A tracked revision runs statement by statement. A statement the dialect
  /// can run in a transaction (no STRATA_STMT_NO_TRANSACTION) commits
  /// together with its progress update, so it is never in doubt. Any other
  /// statement is announced in the progress record before it is sent and
  /// counted as done after: if the process dies or the connection breaks
  /// while it runs, the record shows it in doubt and --resume will not
  /// re-run it on its own.
  /// Throws StepError when a statement fails.
  void run_step(const planner::Step& step, int64_t resume_at = -1);

  /// Refuses, before anything runs, a plan with a step that cannot run as
  /// the file reads: a downgrade through a revision without a downgrade
  /// section, or a section the dialect cannot split (unterminated comment,
  /// quote or dollar quote). Throws UserError naming file:line.
  void check_runnable(const planner::Plan& plan) const;

  /// Applies version-table writes; an UPDATE or DELETE must change one row.
  void apply_ops(const std::vector<planner::VersionOp>& ops);

  /// Turns on the applied log: each step then writes its row in the same
  /// transaction as its version-table write. `log` outlives the executor.
  void set_log(LogIdentity* log) { log_ = log && log->enabled ? log : nullptr; }
  bool logging() const { return log_ != nullptr; }
  /// Writes one log row now (stamp, resolve, a failure's outcome).
  /// `started_iso` "" = now; `duration_ms` < 0 = unknown.
  void log_row(const std::string& revision, const std::string& direction, const std::string& checksum,
               const std::string& outcome, const std::string& started_iso = "", int64_t duration_ms = -1);

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
  LogIdentity* log_ = nullptr;
};

/// "Running upgrade a -> b, msg", as Alembic logs a step.
std::string step_text(const planner::RevisionGraph& g, const planner::Step& s);

}  // namespace strata::runner
