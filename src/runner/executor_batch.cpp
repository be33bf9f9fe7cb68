// StepExecutor, the part that builds a step's statements as items and runs
// them: queued and sent in batches where the sink batches (an online
// connection to a server), one by one otherwise. See executor.hpp.
#include <algorithm>

#include "strata/runner/executor.hpp"

namespace strata::runner {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A transactional batch is sent once it holds this much; a failure then
// costs at most one batch's worth of work, and libpq / the server never
// buffer more than about this.
constexpr size_t kBatchItems = 1000;
constexpr size_t kBatchBytes = 1 << 20;

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

}  // namespace

std::string StepExecutor::StepRun::text(int64_t i) const {
  const auto& r = ranges[static_cast<size_t>(i)];
  return section->sql.substr(static_cast<size_t>(r.offset), static_cast<size_t>(r.length));
}

StepExecutor::StepRun StepExecutor::make_run(const planner::Step& step) const {
  StepRun run;
  run.step = step;
  run.rev = &graph_.rev(step.rev);
  run.section = step.upgrade ? run.rev->upgrade_for(plugin_.name) : run.rev->downgrade_for(plugin_.name);
  run.checksum = sql_checksum(run.section ? run.section->sql : std::string());
  run.started_iso = log_ ? utc_now_iso() : std::string();
  run.started = SteadyClock::now();
  if (run.section) run.ranges = plugin_.split(run.section->sql);
  run.weight = run.ranges.size() + 1;
  return run;
}

// A transactional revision, batching: its statements and version writes are
// queued inside the open transaction; its log row follows in the next batch,
// once its duration is known (still before the COMMIT that covers it).
void StepExecutor::queue_transactional(const planner::Step& step) {
  // A tracked revision's completion, its COMMIT queued, is finished first.
  if (!items_.empty() && items_.back().kind == Item::Commit) flush();
  StepRun run = make_run(step);
  sink_.note(step_text(graph_, step) + "\n" + run.rev->path + "\nsha256 " + run.checksum);
  begin_if_needed();
  const auto k = static_cast<int64_t>(runs_.size());
  for (int64_t i = 0; i < static_cast<int64_t>(run.ranges.size()); ++i) {
    items_.push_back({Item::Statement, run.text(i), k, i, ""});
    queued_bytes_ += items_.back().sql.size();
  }
  for (auto& op : step.ops)
    items_.push_back({Item::Bookkeeping, vt_.op_sql(op), -1, -1,
                      op.kind == planner::VersionOp::Insert ? std::string() : planner::describe(op)});
  runs_.push_back(std::move(run));
  if (!whole_run_) {
    commit();
  } else if (items_.size() >= kBatchItems || queued_bytes_ >= kBatchBytes) {
    // Once: the log rows it leaves queued go with the next batch.
    std::vector<Item> items;
    items.swap(items_);
    queued_bytes_ = 0;
    const auto t = SteadyClock::now();
    run_items(std::move(items));
    steps_done(t, seconds_since(t));
    report();
  }
}

void StepExecutor::flush() {
  send_all();
  report();
}

void StepExecutor::report() {
  std::vector<Finished> finished;
  finished.swap(finished_);
  if (step_done_)
    for (auto& f : finished) step_done_(f.step, f.started, f.seconds);
}

void StepExecutor::send_all() {
  while (!items_.empty()) {
    std::vector<Item> items;
    items.swap(items_);
    queued_bytes_ = 0;
    const auto t = SteadyClock::now();
    run_items(std::move(items));
    steps_done(t, seconds_since(t));
  }
}

void StepExecutor::rolled_back() {
  discard();
  in_tx_ = false;
}

void StepExecutor::discard() {
  items_.clear();
  finished_.clear();
  runs_.clear();
  queued_bytes_ = 0;
}

// The transactional steps of a batch that just ran: each gets its share of
// the time; their log rows are queued for the next batch (before the
// COMMIT that covers them).
void StepExecutor::steps_done(SteadyTime batch_start, double seconds) {
  if (runs_.empty()) return;
  std::vector<StepRun> runs;
  runs.swap(runs_);
  size_t weight = 0;
  for (auto& r : runs) weight += r.weight;
  auto at = batch_start;
  for (auto& r : runs) {
    const double share = weight ? seconds * static_cast<double>(r.weight) / static_cast<double>(weight) : 0;
    const double took = share;
    if (log_) {
      items_.push_back({Item::Bookkeeping,
                        log_row_sql(r.rev->id, r.step.upgrade ? "upgrade" : "downgrade", r.checksum, "ok",
                                    r.started_iso, static_cast<int64_t>(took * 1000)),
                        -1, -1, ""});
    }
    finished_.push_back({r.step, at, took});
    at += std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(share));
  }
}

// A tracked revision: statement by statement with its progress recorded, so
// a failure leaves a precise record instead of a silent half-applied state.
// Batching sends the record's start, every statement and every progress
// write in one batch (the server runs them in order, so the record is as
// exact as statement by statement), and the completion but for the end of
// the record, its log row and COMMIT, which go first in the next batch once
// the version write is checked and the revision's time known: one batch per
// revision. When the next batch is the next tracked revision's, the end of
// one record and the start of the next are one UPDATE in that transaction.
// A last statement that can share a transaction commits with the
// completion: the revision's data change and its record of being done
// happen together or not at all.
void StepExecutor::run_tracked(const planner::Step& step, int64_t resume_at) {
  // What came before stays, whatever happens next. (A previous tracked
  // revision's COMMIT, queued, goes first in this batch.)
  const bool commit_queued = batching_ && !items_.empty() && items_.back().kind == Item::Commit;
  if (!commit_queued) commit_if_open();
  StepRun run = make_run(step);
  run.tracked = true;
  sink_.note(step_text(graph_, step) + "\n" + run.rev->path + "\nsha256 " + run.checksum);
  const int64_t total = static_cast<int64_t>(run.ranges.size());
  run.traits.resize(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) run.traits[static_cast<size_t>(i)] = plugin_.statement_traits(run.text(i));
  // The statement a progress write announces as sent next (1-based; 0 for
  // none): set ahead of a statement that cannot share a transaction with
  // its progress update, so that a crash while it runs leaves it "in doubt"
  // rather than "not run". Folded into the previous write: no extra trip.
  auto announce = [&](int64_t i) { return i < total && !run.atomic(i) ? i + 1 : 0; };
  const std::string& id = run.rev->id;
  std::vector<Item> items;
  items.swap(items_);
  if (resume_at < 0) {
    sink_.note(std::string(transactional_ddl_ ? "Transactional: false" : plugin_.name + " commits DDL implicitly") +
               ": statements run one by one; " + vt_.progress_table() + " records how far it got");
    if (!progress_created_) items.push_back({Item::Bookkeeping, vt_.progress_create_sql(), -1, -1, ""});
    progress_created_ = true;
    // The previous tracked revision's record, ended in its completion's
    // transaction (still to commit, first in this batch), becomes this
    // revision's: one UPDATE for a DELETE and an INSERT. No crash window
    // changes: the COMMIT, the record's start and the first statement were
    // one packet already, and the server runs them in order; the record
    // now commits with the previous revision's completion, as it would
    // have been written right after it.
    auto end = std::find_if(items.begin(), items.end(), [](const Item& it) { return !it.ends_record.empty(); });
    if (commit_queued && end != items.end()) {
      end->sql = vt_.progress_handover_sql(end->ends_record, id, step.upgrade, total, announce(0));
      end->ends_record.clear();
    } else {
      items.push_back({Item::Bookkeeping, vt_.progress_insert_sql(id, step.upgrade, total, announce(0)), -1, -1, ""});
    }
    resume_at = 0;
  } else {
    // Resuming: the record now says what the user settled (--resume-after
    // counts the in-doubt statement as done).
    items.push_back({Item::Bookkeeping, vt_.progress_update_sql(id, resume_at, announce(resume_at)), -1, -1, ""});
  }
  for (int64_t i = resume_at; i < total; ++i) {
    // A statement the dialect can run in a transaction commits together
    // with its progress update (or neither does): never in doubt. The
    // last one commits together with the revision's completion instead.
    const bool atomic = run.atomic(i);
    if (atomic) items.push_back({Item::Begin, "START TRANSACTION", -1, -1, ""});
    items.push_back({Item::Statement, run.text(i), 0, i, ""});
    if (atomic && i + 1 == total) break;
    items.push_back({Item::Bookkeeping, vt_.progress_update_sql(id, i + 1, announce(i + 1)), -1, -1, ""});
    if (atomic) items.push_back({Item::Commit, "COMMIT", -1, -1, ""});
  }
  // The completion: the version write, the log row and the end of the
  // record commit together, in one transaction (which may hold the last
  // statement already).
  if (!(total > resume_at && run.atomic(total - 1))) items.push_back({Item::Begin, "START TRANSACTION", -1, -1, ""});
  for (auto& op : step.ops)
    items.push_back({Item::Bookkeeping, vt_.op_sql(op), -1, -1,
                     op.kind == planner::VersionOp::Insert ? std::string() : planner::describe(op)});
  // Batching, the end of the record waits with the COMMIT (below).
  if (!batching_) items.push_back({Item::Bookkeeping, vt_.progress_delete_sql(), -1, -1, ""});
  runs_.clear();
  runs_.push_back(std::move(run));
  run_items(std::move(items));
  StepRun done = std::move(runs_.front());
  runs_.clear();
  const double seconds = seconds_since(done.started);
  // The log row, now that the revision's time is known, and the COMMIT.
  // Batching, they go first in the next batch: the version write's row
  // count is checked before anything commits it.
  std::vector<Item> tail;
  if (batching_) tail.push_back({Item::Bookkeeping, vt_.progress_delete_sql(), -1, -1, "", id});
  if (log_)
    tail.push_back({Item::Bookkeeping,
                    log_row_sql(done.rev->id, step.upgrade ? "upgrade" : "downgrade", done.checksum, "ok",
                                done.started_iso, static_cast<int64_t>(seconds * 1000)),
                    -1, -1, ""});
  tail.push_back({Item::Commit, "COMMIT", -1, -1, ""});
  if (batching_) {
    for (auto& item : tail) items_.push_back(std::move(item));
  } else {
    run_items(std::move(tail));
  }
  if (step_done_) step_done_(done.step, done.started, seconds);
  if (whole_run_) begin();
}

void StepExecutor::check_rows(const Item& item, int64_t rows) const {
  if (item.expect_one.empty() || rows < 0 || rows == 1) return;
  throw std::runtime_error("version table " + vt_.qualified() + ": expected to match one row when " +
                           item.expect_one + "; " + std::to_string(rows) +
                           " found (was it changed by hand while this run went on?)");
}

void StepExecutor::run_items(std::vector<Item> items) {
  if (items.empty()) return;
  if (batching_) {
    std::vector<std::string> sql;
    std::vector<bool> count_rows;
    sql.reserve(items.size());
    for (auto& item : items) {
      sql.push_back(item.sql);
      count_rows.push_back(!item.expect_one.empty());
    }
    std::vector<int64_t> rows;
    try {
      rows = sink_.batch(sql, count_rows);
    } catch (const dialect::DialectError& e) {
      item_failed(items, e, true);
    }
    for (auto& item : items) {
      if (item.kind == Item::Begin) in_tx_ = true;
      if (item.kind == Item::Commit) in_tx_ = false;
    }
    for (size_t k = 0; k < items.size() && k < rows.size(); ++k) check_rows(items[k], rows[k]);
    return;
  }
  for (size_t k = 0; k < items.size(); ++k) {
    const Item& item = items[k];
    try {
      switch (item.kind) {
        case Item::Begin:
          sink_.begin();
          in_tx_ = true;
          break;
        case Item::Commit:
          sink_.commit();
          in_tx_ = false;
          break;
        case Item::Statement:
          sink_.statement(item.sql);
          break;
        case Item::Bookkeeping:
          check_rows(item, sink_.bookkeeping(item.sql));
          break;
      }
    } catch (const dialect::DialectError& e) {
      item_failed(items, dialect::DialectError(e.status, e.what(), e.sqlstate, e.native_code, e.statement_offset,
                                               static_cast<int64_t>(k)),
                  false);
    }
  }
}

// Item e.statements_completed failed. Before it, everything ran; it and
// what follows did not (a server error), or may or may not have (a broken
// connection, batched: everything after it was sent too).
void StepExecutor::item_failed(const std::vector<Item>& items, const dialect::DialectError& e, bool batched) {
  const size_t k = std::min(static_cast<size_t>(std::max<int64_t>(e.statements_completed, 0)), items.size() - 1);
  if (batched) {
    // The transaction state the server is in: that of the last BEGIN or
    // COMMIT that ran; an open one is rolled back by the caller.
    for (size_t j = 0; j < k; ++j) {
      if (items[j].kind == Item::Begin) in_tx_ = true;
      if (items[j].kind == Item::Commit) in_tx_ = false;
    }
    if (items[k].kind == Item::Begin) in_tx_ = true;  // harmless: ROLLBACK without one is a no-op
  }
  const bool broken = e.status != STRATA_ERROR;
  // Which step and statement the failure belongs to.
  int64_t at = -1;
  if (items[k].kind == Item::Statement) {
    at = static_cast<int64_t>(k);
  } else if (batched && broken) {
    // Before any statement of the batch, a COMMIT of unknown outcome (an
    // earlier revision's completion): that is what is in doubt.
    bool before_statements = true;
    for (size_t j = 0; j < k; ++j) before_statements = before_statements && items[j].kind != Item::Statement;
    for (size_t j = k; before_statements && j < items.size() && items[j].kind != Item::Statement; ++j)
      if (items[j].kind == Item::Commit) {
        discard();
        throw dialect::DialectError(STRATA_COMMIT_IN_DOUBT, e.what(), e.sqlstate, e.native_code, -1, 0);
      }
    for (size_t j = k + 1; j-- > 0;)
      if (items[j].kind == Item::Statement) {
        at = static_cast<int64_t>(j);
        break;
      }
    for (size_t j = k; at < 0 && j < items.size(); ++j)
      if (items[j].kind == Item::Statement) at = static_cast<int64_t>(j);
  }
  if (at < 0 || items[static_cast<size_t>(at)].step < 0 ||
      items[static_cast<size_t>(at)].step >= static_cast<int64_t>(runs_.size())) {
    discard();
    throw e;  // Strata's own statement: as it always was reported
  }
  const Item& item = items[static_cast<size_t>(at)];
  const StepRun run = runs_[static_cast<size_t>(item.step)];
  discard();
  // Located at the statement's start, as the statement-by-statement run did.
  const auto& r = run.ranges[static_cast<size_t>(item.index)];
  if (!run.tracked) {
    StepError err(statement_error(e, *run.rev, run.section, r.offset, -1, -1), e.status);
    err.step = run.step;
    throw err;
  }
  const int64_t i = item.index;
  const int64_t total = static_cast<int64_t>(run.ranges.size());
  const uint32_t t = run.traits[static_cast<size_t>(i)];
  auto failed = [&](bool in_doubt) {
    StepError err(statement_error(e, *run.rev, run.section, r.offset, i, total), e.status, i, total, in_doubt,
                  (t & STRATA_STMT_PARTIAL_ON_FAILURE) != 0);
    err.statement = run.text(i);
    err.step = run.step;
    return err;
  };
  // Batched, a lost connection leaves the outcome of everything sent from
  // the failing statement on unknown: in doubt, whatever its kind (the
  // record in the database says what happened; the next run reads it).
  if (batched && broken) throw failed(true);
  // An atomic statement rolls back with its progress update: not in doubt.
  if (run.atomic(i)) throw failed(false);
  // The server answered with an error: the statement did not complete, so
  // it is no longer in doubt. Anything else (the connection broke while it
  // ran) leaves the record announcing it: in doubt.
  if (broken) throw failed(true);
  try {
    sink_.bookkeeping(vt_.progress_update_sql(run.rev->id, i, 0));
  } catch (const dialect::DialectError&) {
    throw failed(true);
  }
  throw failed(false);
}

}  // namespace strata::runner
