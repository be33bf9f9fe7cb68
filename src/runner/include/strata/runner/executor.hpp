#pragma once
// Executes plan steps. The same code drives an online run (statements go to
// a live connection) and an offline script (statements are written out), so
// a --sql script does exactly what the online run would, in the same order.
#include <cstdint>
#include <chrono>
#include <functional>
#include <optional>
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
  /// Whether batch() saves round trips (an online connection whose plugin
  /// has execute_batch, ABI 1.2). When false the executor never calls it.
  virtual bool batches() const { return false; }
  /// Runs `statements` in order as one batch, stopping at the first failure
  /// (dialect::Connection::execute_batch): each is one statement, a
  /// revision's or Strata's own, or "START TRANSACTION" / "COMMIT". Returns
  /// the rows changed by each (-1 unknown; counted where `count_rows[i]`).
  /// Throws dialect::DialectError whose statements_completed is the index
  /// of the failing statement.
  virtual std::vector<int64_t> batch(const std::vector<std::string>& statements,
                                     const std::vector<bool>& count_rows);
};

/// An online run's statements go to the connection; batches where its
/// plugin batches (ABI 1.2).
class ConnectionSink : public SqlSink {
 public:
  explicit ConnectionSink(dialect::Connection& c) : c_(c) {}
  void begin() override { c_.begin(); }
  void commit() override { c_.commit(); }
  void script(const std::string& sql) override { c_.execute(sql); }
  void statement(const std::string& sql) override { c_.execute(sql, true); }
  int64_t bookkeeping(const std::string& sql) override { return c_.execute(sql).rows_affected; }
  bool batches() const override { return c_.plugin().batches(); }
  std::vector<int64_t> batch(const std::vector<std::string>& statements,
                             const std::vector<bool>& count_rows) override {
    return c_.execute_batch(statements, count_rows);
  }

 private:
  dialect::Connection& c_;
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
  /// The step the failure belongs to. With batching it can be an earlier
  /// step than the one run_step was called with.
  std::optional<planner::Step> step;
};

class StepExecutor {
 public:
  /// `whole_run`: one transaction around the whole run where the dialect's
  /// DDL is transactional (Alembic's transaction_per_migration = false).
  StepExecutor(const planner::RevisionGraph& graph, const dialect::Plugin& plugin, const VersionTable& vt,
               bool whole_run, SqlSink& sink);

  bool in_transaction() const { return in_tx_; }
  /// begin() and commit() send what is queued first (flush()).
  void begin();
  void begin_if_needed();
  void commit();
  /// Sends what is queued, then commits if a transaction is open.
  void commit_if_open();

  /// Batching (online, sink().batches()): run_step queues a step's
  /// statements and version writes and sends many steps' worth at once,
  /// inside the transaction (transactional revisions), or a tracked
  /// revision's statements with their progress writes and its version
  /// write in one batch, the end of its record, its log row (with its real
  /// duration) and COMMIT going out first in the next batch. Every guarantee of the
  /// statement-by-statement run holds: the same statements run in the same
  /// order and transactions; a failure names its statement (file:line),
  /// whichever step it belongs to.
  /// flush() sends everything queued now; throws StepError (with .step) or
  /// dialect::DialectError (a failure of Strata's own statements), or
  /// std::runtime_error (a version-table write that matched no row).
  void flush();
  /// Forgets what is queued (the run failed and rolls back).
  void discard();
  /// The caller rolled the open transaction back: nothing is queued or open.
  void rolled_back();
  /// Whether anything is queued, not yet sent.
  bool pending() const { return !items_.empty(); }

  /// Called once per step whose SQL and version writes ran (committed or
  /// not yet), in plan order: `started` and `seconds` are when and how long
  /// it ran (a batched step gets its share of its batch's time, by
  /// statement count).
  using StepDone = std::function<void(const planner::Step&, std::chrono::steady_clock::time_point started,
                                      double seconds)>;
  void on_step_done(StepDone f) { step_done_ = std::move(f); }

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
  /// Throws StepError when a statement fails (with batching, possibly a
  /// statement of an earlier, queued step: see flush()).
  void run_step(const planner::Step& step, int64_t resume_at = -1);

  /// Refuses, before anything runs, a plan with a step that cannot run as
  /// the file reads: a downgrade through a revision without a downgrade
  /// section, or a section the dialect cannot split (unterminated comment,
  /// quote or dollar quote), or a revision held by its `-- Review:` header
  /// unless `run_held` (a scratch database). Throws UserError naming
  /// file:line.
  void check_runnable(const planner::Plan& plan, bool run_held = false) const;

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
  using SteadyTime = std::chrono::steady_clock::time_point;
  /// A step whose statements are queued or being run (batching), or the
  /// tracked revision being run.
  struct StepRun {
    planner::Step step;
    const script::Revision* rev = nullptr;
    const script::Section* section = nullptr;
    std::vector<strata_statement_range> ranges;
    std::vector<uint32_t> traits;  ///< tracked only
    std::string checksum;
    std::string started_iso;
    SteadyTime started;
    bool tracked = false;
    size_t weight = 1;  ///< statements, for its share of a batch's time
    bool atomic(int64_t i) const { return (traits[static_cast<size_t>(i)] & STRATA_STMT_NO_TRANSACTION) == 0; }
    std::string text(int64_t i) const;
  };
  /// One statement of a batch.
  struct Item {
    enum Kind { Begin, Commit, Statement, Bookkeeping } kind;
    std::string sql;
    int64_t step = -1;   ///< Statement: index into runs_
    int64_t index = -1;  ///< Statement: 0-based statement of its section
    /// Bookkeeping: a version-table write that must change one row; the
    /// message when it does not.
    std::string expect_one;
    /// Bookkeeping: the progress DELETE ending the record of this revision,
    /// queued before its COMMIT; the next tracked revision can turn it into
    /// its own record's start.
    std::string ends_record = {};
  };
  std::string log_row_sql(const std::string& revision, const std::string& direction, const std::string& checksum,
                          const std::string& outcome, const std::string& started_iso, int64_t duration_ms);
  StepRun make_run(const planner::Step& step) const;
  void queue_transactional(const planner::Step& step);
  void run_tracked(const planner::Step& step, int64_t resume_at);
  /// Runs items (batched, or one by one through the sink); on failure
  /// throws what the failing item calls for.
  void run_items(std::vector<Item> items);
  [[noreturn]] void item_failed(const std::vector<Item>& items, const dialect::DialectError& e, bool batched);
  void check_rows(const Item& item, int64_t rows) const;
  void steps_done(SteadyTime batch_start, double seconds);
  /// Sends everything queued (batch after batch), without reporting.
  void send_all();
  /// Calls on_step_done for the steps finished so far.
  void report();
  struct Finished {
    planner::Step step;
    SteadyTime started;
    double seconds;
  };
  bool batching() const { return batching_; }

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
  const bool batching_;
  bool progress_created_ = false;  ///< CREATE TABLE IF NOT EXISTS sent once per run
  std::vector<Item> items_;        ///< queued, not yet sent
  size_t queued_bytes_ = 0;
  std::vector<StepRun> runs_;      ///< steps with statements in items_ (or running)
  StepDone step_done_;
  std::vector<Finished> finished_;  ///< run, not yet reported
};

/// "Running upgrade a -> b, msg", as Alembic logs a step.
std::string step_text(const planner::RevisionGraph& g, const planner::Step& s);

}  // namespace strata::runner
