#include "database_run.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "cross_database.hpp"
#include "half_applied.hpp"
#include "strata/runner/executor.hpp"
#include "strata/runner/version_table.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string ms(double seconds) {
  char buf[32];
  if (seconds < 10) std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1000);
  else std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return buf;
}

std::string rows_text(const std::vector<std::string>& rows) {
  return rows.empty() ? "<base>" : util::join(rows, ", ");
}

/// One command on one database: connect, lock, plan, execute, report.
class DatabaseRun {
 public:
  DatabaseRun(const config::Config& cfg, const Target& target, const Chain& chain, const dialect::Plugin& plugin,
              const Request& request, Output& output, bool prefixed, Coordinator& coordinator, Probe probe,
              Dependents dependents, Clock::time_point run_epoch = Clock::now())
      : run_epoch_(run_epoch),
        cfg_(cfg),
        target_(target),
        db_(*target.db),
        scripts_(chain.scripts),
        graph_(*chain.graph),
        plugin_(plugin),
        request_(request),
        output_(output),
        // Progress lines name the database only beside others (as Alembic's
        // output, for one); errors and warnings name it always.
        prefix_(prefixed ? target.name : ""),
        vt_(plugin, target.db->version_table, target.db->version_table_schema),
        schema_(vt_.schema() ? &*vt_.schema() : nullptr),
        transactional_ddl_(plugin.has(STRATA_CAP_TRANSACTIONAL_DDL)),
        // One transaction for the whole run where DDL is transactional and
        // the user did not ask for one per migration (Alembic's default).
        whole_run_(transactional_ddl_ && !cfg.transaction_per_migration),
        coordinator_(coordinator),
        cross_(*chain.graph, coordinator, std::move(probe), std::move(dependents), target.db->name, target.group),
        record_(*chain.graph, chain.scripts, plugin, target.db->name),
        key_{target.db->name, target.group},
        log_id_(LogIdentity::make(log_enabled(cfg.applied_log) && request.action != Action::Current, false,
                                  request.tag)) {
    result_.name = target.name;
    result_.database = target.db->name;
    result_.url_masked = target.url.masked();
    result_.group = target.group;
  }

  TargetResult run() {
    try {
      execute();
      result_.ok = true;
      result_.status = TargetStatus::Ok;
    } catch (const Interrupted& e) {
      result_.status = TargetStatus::Interrupted;
      result_.error = e.what();
    } catch (const RunFailure& e) {
      result_.error = config::mask_passwords(e.what());
    } catch (const dialect::DialectError& e) {
      result_.error = target_.url.masked() + ": " + config::mask_passwords(e.what());
      if (e.status == STRATA_LOCK_TIMEOUT)
        result_.error += " (raise --lock-timeout, or try again when it is done)";
      if (e.status == STRATA_COMMIT_IN_DOUBT)
        result_.error += " (the connection broke during COMMIT: check the version table before retrying)";
    } catch (const std::exception& e) {
      result_.error = config::mask_passwords(e.what());
    }
    result_.seconds = seconds_since(t0_);
    if (!result_.ok) fail();
    coordinator_.finished(key_, result_.ok);
    output_.done(target_.name);
    return result_;
  }

 private:
  void execute() {
    connect();
    if (request_.action == Action::Current) {
      result_.from_rows = result_.to_rows = read_rows();
      result_.rows_read = true;
      if (request_.read_log) read_log();
      if (auto p = read_progress()) {
        result_.mid_revision = HalfApplied::describe(*p);
        result_.another_run_applying = another_run_holds_the_lock();
        if (result_.another_run_applying)
          output_.info(prefix_, "another run is applying revision " + p->revision + " right now (statement " +
                                    std::to_string(p->done + 1) + " of " + std::to_string(p->total) + ")");
        else
          output_.error(target_.name, "warning: " + mid_revision_text(*p));
      }
      return;
    }
    conn_->lock(vt_.lock_key(), request_.lock_timeout_seconds);
    locked_ = true;
    lock_held_ = true;
    begin();
    if (!table_exists(vt_.table())) {
      conn_->execute(vt_.create_sql());
      known_tables_.insert(vt_.table());
      output_.debug(prefix_, "created version table " + vt_.qualified());
    }
    if (exec_->logging() && !table_exists(vt_.log_table())) {
      conn_->execute(vt_.log_create_sql());
      known_tables_.insert(vt_.log_table());
      log_created_ = true;  // empty: nothing to check against the files
      output_.debug(prefix_, "created the applied log " + vt_.log_table());
    }
    result_.from_rows = conn_->query_column(vt_.select_sql());
    result_.rows_read = true;
    rows_ = result_.from_rows;
    live_rows_ = rows_;
    auto progress = read_progress();
    if (!whole_run_) commit();

    if (progress && request_.action != Action::Stamp && request_.action != Action::Resolve && !request_.resume)
      throw RunFailure(mid_revision_text(*progress));
    if (request_.action == Action::Resolve) return resolve(progress);
    if (request_.resume && !progress) {
      // --resume-from K / --resume-after K say the user believes a revision
      // was left half-applied: running it whole would go against that.
      if (request_.resume_from || request_.resume_after)
        throw RunFailure(std::string(request_.resume_from ? "--resume-from " : "--resume-after ") +
                         std::to_string(request_.resume_from ? request_.resume_from : request_.resume_after) +
                         ": no revision was left half-applied on this database, so there is no statement to "
                         "resume at; nothing was run (check 'strata current')");
      output_.info(prefix_, "nothing to resume: no revision was left half-applied");
    }

    planner::Plan plan;
    const std::string target = target_text();
    try {
      switch (request_.action) {
        case Action::Upgrade: plan = graph_.plan_upgrade(rows_, target, db_.name); break;
        case Action::Downgrade: plan = graph_.plan_downgrade(rows_, target, db_.name); break;
        case Action::Stamp: plan = graph_.plan_stamp(rows_, request_.stamp_targets, request_.purge, db_.name); break;
        default: break;
      }
    } catch (const UserError& e) {
      throw RunFailure(e.what());
    }
    for (const auto& w : plan.warnings) output_.error(target_.name, "warning: " + w);
    // Read the SQL of every step now: a file that cannot be read, or whose
    // header changed since it was planned, or a step that cannot run as the
    // file reads, stops the run before it starts.
    try {
      scripts_.load_bodies(plan.revisions());
      exec_->check_runnable(plan, request_.run_held);
    } catch (const UserError& e) {
      result_.file_error = true;
      throw RunFailure(e.what());
    }
    // Also with nothing to run: --strict is a gate, and a warning is news either way.
    if (request_.action == Action::Upgrade) check_applied_files();
    int64_t resume_at = -1;
    if (progress && request_.resume) {
      if (plan.steps.empty() || graph_.id(plan.steps[0].rev) != progress->revision ||
          plan.steps[0].upgrade != progress->upgrade)
        throw RunFailure("cannot resume: this command's first step is not the interrupted " +
                         std::string(progress->upgrade ? "upgrade" : "downgrade") + " of " + progress->revision +
                         " (use the same direction and a target past it, or 'strata resolve')");
      resume_at = resume_point(*progress, plan.steps[0]);
    }

    planned_final_ = plan.final_rows;
    coordinator_.planned(key_, graph_, rows_, plan.final_rows);
    if (request_.action == Action::Upgrade) cross_.check_upgrade(plan);
    if (request_.action == Action::Downgrade) cross_.check_downgrade(plan, rows_);

    if (request_.action == Action::Stamp) {
      steps_started_ = true;
      begin_if_needed();
      if (request_.purge) conn_->execute("DELETE FROM " + vt_.qualified());
      apply_ops(plan.stamp_ops);
      for (auto& r : plan.final_rows)
        if (std::find(rows_.begin(), rows_.end(), r) == rows_.end()) exec_->log_row(r, "stamp", "", "ok");
      if (progress) conn_->execute(vt_.progress_delete_sql());
      commit();
      rows_ = plan.final_rows;
      output_.info(prefix_, "Stamped " + rows_text(result_.from_rows) + " -> " + rows_text(plan.final_rows) +
                                (progress ? " (cleared the record of half-applied " + progress->revision + ")" : ""));
    }

    live_rows_ = rows_;
    for (size_t k = 0; k < plan.steps.size(); ++k) {
      if (stop_requested()) stop("interrupted before " + graph_.id(plan.steps[k].rev) + ": stopped between revisions");
      const bool resuming = k == 0 && resume_at >= 0;
      if (request_.action == Action::Upgrade) {
        output_.status(target_.name, target_.url.masked() + "  waiting for other databases");
        cross_.wait_for(plan.steps[k], output_, prefix_);
      }
      output_.status(target_.name, target_.url.masked() + "  " + std::to_string(k + 1) + "/" +
                                       std::to_string(plan.steps.size()) + "  " + step_text(graph_, plan.steps[k]));
      steps_started_ = true;
      run_step(plan.steps[k], resuming ? resume_at : -1);
      apply_to_live_rows(plan.steps[k].ops);
      // A batching run may hold a tracked revision's COMMIT back for its
      // next batch: sent now when another database waits for this one.
      if (!whole_run_ && (exec_->in_transaction() || exec_->pending()) && coordinator_.awaited(key_))
        guarded([&] { exec_->commit_if_open(); }, -1);
      if (!exec_->in_transaction() && !exec_->pending()) coordinator_.committed(key_, live_rows_);
    }
    // Batching may still hold the revisions' statements: they run before the
    // COMMIT is decided, so that a stop asked for while they ran still rolls
    // a whole-run transaction back.
    if (whole_run_ && !plan.steps.empty()) guarded([&] { exec_->flush(); }, -1);
    if (stop_requested() && !plan.steps.empty())
      stop(whole_run_ ? "interrupted during the last revision: stopped before the COMMIT"
                      : "interrupted during the last revision, which finished: every revision ran");
    guarded([&] { exec_->commit_if_open(); }, -1);
    coordinator_.committed(key_, plan.final_rows);
    result_.to_rows = plan.final_rows;
    conn_->unlock(vt_.lock_key());
    locked_ = false;

    if (request_.action == Action::Stamp) return;
    if (plan.steps.empty()) {
      output_.info(prefix_, "nothing to do: at " + rows_text(result_.to_rows));
    } else {
      output_.info(prefix_, std::string(request_.action == Action::Upgrade ? "upgraded" : "downgraded") + " " +
                                rows_text(result_.from_rows) + " -> " + rows_text(result_.to_rows) + ": " +
                                std::to_string(plan.steps.size()) + " revision" +
                                (plan.steps.size() == 1 ? "" : "s") + " in " + ms(seconds_since(t0_)));
    }
  }

  // The first Ctrl-C: a whole-run transaction rolls back (fail() discards
  // what is queued and rolls back); with a transaction per revision, the
  // revisions that ran keep their commit, which batching may still hold
  // for its next batch: it is sent first.
  [[noreturn]] void stop(const std::string& why) {
    if (!whole_run_ && (exec_->in_transaction() || exec_->pending())) {
      guarded([&] { exec_->commit_if_open(); }, -1);
      coordinator_.committed(key_, live_rows_);
    }
    throw Interrupted(why);
  }

  void connect() {
    output_.status(target_.name, target_.url.masked() + "  connecting");
    const auto o = connect_options(target_.url, request_.lock_timeout_seconds);
    // --wait-timeout: a database still starting up is retried with backoff.
    auto pause = std::chrono::milliseconds(200);
    while (true) {
      try {
        conn_ = std::make_unique<dialect::Connection>(plugin_, o);
        break;
      } catch (const dialect::DialectError& e) {
        const bool retry = e.status == STRATA_CONNECTION_BROKEN && !stop_requested() &&
                           seconds_since(t0_) + pause.count() / 1000.0 < request_.wait_timeout_seconds;
        // The plugin's message names the (masked) URL already.
        if (!retry && stop_requested()) throw Interrupted("interrupted while waiting for the database");
        if (!retry) throw RunFailure(config::mask_passwords(e.what()));
        output_.info(prefix_, "waiting for the database: " + config::mask_passwords(e.what()));
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(2000));
      }
    }
    sink_ = std::make_unique<ConnectionSink>(*conn_);
    exec_ = std::make_unique<StepExecutor>(graph_, plugin_, vt_, whole_run_, *sink_);
    exec_->set_log(&log_id_);
    exec_->on_step_done([this](const planner::Step& step, Clock::time_point st, double seconds) {
      step_done(step, st, seconds);
    });
    output_.debug(prefix_, "connected to " + target_.url.masked() + " (" + plugin_.api->description + ")");
  }

  /// Table existence, asked once per table while it exists: Strata never
  /// drops these tables, so a "yes" stays true for the run.
  bool table_exists(const std::string& table) {
    if (known_tables_.count(table)) return true;
    if (!conn_->table_exists(schema_, table)) return false;
    known_tables_.insert(table);
    return true;
  }

  std::vector<std::string> read_rows() {
    if (!table_exists(vt_.table())) return {};
    return conn_->query_column(vt_.select_sql());
  }

  std::optional<Progress> read_progress() {
    if (!table_exists(vt_.progress_table())) return std::nullopt;
    auto revs = conn_->query_column(vt_.progress_select_sql("revision"));
    if (revs.empty()) return std::nullopt;
    Progress p;
    p.revision = revs[0];
    auto one = [&](const char* column) {
      auto v = conn_->query_column(vt_.progress_select_sql(column, p.revision));
      return v.empty() ? std::string() : v[0];
    };
    p.upgrade = one("direction") != "downgrade";
    p.done = std::atoll(one("statements_done").c_str());
    p.total = std::atoll(one("statements_total").c_str());
    p.started = std::atoll(one("statement_started").c_str());  // NULL reads as ""
    return p;
  }

  /// For `current`: is a migration run holding this database's lock now?
  /// Then a progress row is that run's, not a leftover.
  bool another_run_holds_the_lock() {
    try {
      conn_->lock(vt_.lock_key(), 0);
    } catch (const dialect::DialectError& e) {
      return e.status == STRATA_LOCK_TIMEOUT;
    }
    try {
      conn_->unlock(vt_.lock_key());
    } catch (const dialect::DialectError&) {
    }
    return false;
  }

  /// For a statement that can fail leaving effects behind: what the plugin
  /// finds left (with the SQL that removes it), as lines to append to a
  /// message; a generic warning when it cannot tell.
  std::string leftovers(const std::string& statement) const {
    std::vector<std::string> found;
    try {
      if (conn_) found = conn_->partial_effects(statement);
    } catch (const std::exception&) {
      return "\n  the statement may have left objects behind (e.g. an INVALID index): remove them before resuming";
    }
    if (found.empty()) return "";
    std::string text = "\n  it left behind (remove before resuming):";
    for (auto& line : found) text += "\n    " + line;
    return text;
  }

  std::string target_text() const {
    auto it = request_.target_by_db.find(db_.name);
    return it != request_.target_by_db.end() ? it->second : request_.target;
  }

  // The target of the commands the record's advice prints, so that they can
  // be run as printed: this run's own when it goes the record's way and is
  // absolute (head, an id, main@head). A relative one (+2, -1) would count
  // from where the run stopped, so the revision its plan was heading for
  // stands in; the placeholder only where neither is known (a run refused
  // before planning, several revisions, the other direction).
  std::string advice_target(bool upgrade) const {
    const bool same_way = upgrade ? request_.action == Action::Upgrade : request_.action == Action::Downgrade;
    const std::string target = target_text();
    if (!same_way || target.empty()) return "TARGET";
    // Alembic's relative form: a step count ending the target (`+2`, `-1`, `ae10+1`, `main@-2`).
    size_t digits = target.size();
    while (digits > 0 && target[digits - 1] >= '0' && target[digits - 1] <= '9') --digits;
    const bool relative = digits > 0 && digits < target.size() && (target[digits - 1] == '+' || target[digits - 1] == '-');
    if (!relative) return target;
    if (!planned_final_) return "TARGET";
    if (planned_final_->empty()) return "base";
    return planned_final_->size() == 1 ? planned_final_->front() : "TARGET";
  }

  // `just_failed`: this run's own failure, whose error was shown above.
  std::string mid_revision_text(const Progress& p, bool just_failed = false) const {
    return record_.text(p, advice_target(p.upgrade), just_failed,
                        [&](const std::string& statement) { return leftovers(statement); });
  }

  void resolve(const std::optional<Progress>& progress) {
    if (!progress) {
      // Settled already (by an earlier resolve, a resume or a stamp): the
      // database is as the user wants it.
      output_.info(prefix_, "nothing to resolve: no revision was left half-applied; at " + rows_text(rows_));
      result_.to_rows = rows_;
      conn_->unlock(vt_.lock_key());
      locked_ = false;
      return;
    }
    begin_if_needed();
    std::vector<std::string> after = rows_;
    if (request_.resolve_applied) {
      planner::Plan plan;
      try {
        plan = graph_.plan_single(rows_, progress->revision, progress->upgrade, db_.name);
      } catch (const UserError& e) {
        throw RunFailure(e.what());
      }
      apply_ops(plan.steps.at(0).ops);
      after = plan.final_rows;
      std::string checksum;
      if (auto idx = graph_.find(progress->revision)) {
        try {
          scripts_.load_bodies({*idx});
          checksum = section_checksum(graph_.rev(*idx), progress->upgrade, plugin_.name);
        } catch (const std::exception&) {
        }
      }
      exec_->log_row(progress->revision, progress->upgrade ? "upgrade" : "downgrade", checksum, "resolved");
    }
    conn_->execute(vt_.progress_delete_sql());
    commit();
    rows_ = after;
    result_.to_rows = after;
    conn_->unlock(vt_.lock_key());
    locked_ = false;
    output_.info(prefix_, std::string(request_.resolve_applied ? "recorded " : "forgot ") +
                              (progress->upgrade ? "upgrade" : "downgrade") + " of " + progress->revision +
                              " as " + (request_.resolve_applied ? "completed" : "reverted") + ": at " +
                              rows_text(after));
  }

  void run_step(const planner::Step& step, int64_t resume_at) {
    failed_step_ = step;
    guarded([&] { exec_->run_step(step, resume_at); }, resume_at);
    failed_step_.reset();
  }

  /// A step the executor finished (with batching, possibly some time after
  /// run_step queued it).
  void step_done(const planner::Step& step, Clock::time_point st, double seconds) {
    ++result_.steps_done;
    result_.steps.push_back({graph_.id(step.rev), step.upgrade,
                             std::chrono::duration<double>(st - run_epoch_).count(), seconds});
    output_.step(prefix_, step_text(graph_, step) + " (" + ms(seconds) + ")");
  }

  /// Runs `f`, turning a failed statement into the run's failure. With
  /// batching the failure can belong to an earlier step than the last one
  /// run_step was given: the error says which. `resume_at` is the resume
  /// point of the step being run (-1: none).
  template <typename F>
  void guarded(F&& f, int64_t resume_at) {
    try {
      f();
    } catch (const StepError& e) {
      const planner::Step step = e.step ? *e.step : failed_step_ ? *failed_step_ : planner::Step{};
      if (e.step && failed_step_ && e.step->rev != failed_step_->rev) resume_at = -1;
      failed_step_ = step;
      if (e.statement_index >= 0) {
        // What this run knows of the record, in case it cannot be read back
        // (the connection is gone).
        Progress known;
        known.revision = graph_.id(step.rev);
        known.upgrade = step.upgrade;
        known.done = e.statement_index;
        known.total = e.statements_total;
        known.started = e.in_doubt ? e.statement_index + 1 : 0;
        known_progress_ = known;
      }
      // The record a fresh run just made, for a first statement that failed
      // as a whole (the server said so, and it cannot leave effects behind),
      // describes nothing: forget it rather than block the database. A
      // resume never drops its record: only success, resolve or stamp do.
      if (resume_at < 0 && e.statement_index == 0 && e.status == STRATA_ERROR && !e.in_doubt && !e.partial) {
        try {
          // Not inside the failed statement's transaction: that rolls back.
          if (exec_->in_transaction()) {
            conn_->rollback();
            exec_->rolled_back();
          }
          sink_->bookkeeping(vt_.progress_delete_sql());
          known_progress_.reset();
        } catch (const std::exception&) {
        }
      }
      throw RunFailure(e.what() + (e.partial && e.status == STRATA_ERROR ? leftovers(e.statement) : std::string()));
    }
  }

  /// Where --resume continues (0-based, in the file as it is now): after the
  /// last completed statement; for a statement in doubt, only where the user
  /// said (--resume-from K: it did not take effect, run it again;
  /// --resume-after K: it did).
  int64_t resume_point(const Progress& p, const planner::Step& step) const {
    const auto& rev = graph_.rev(step.rev);
    const auto* section = step.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
    const int64_t total = section ? static_cast<int64_t>(plugin_.split(section->sql).size()) : 0;
    const std::string dir = p.upgrade ? "upgrade" : "downgrade";
    int64_t at = p.done;
    if (request_.resume_from > 0 || request_.resume_after > 0) {
      const int64_t k = request_.resume_from > 0 ? request_.resume_from : request_.resume_after;
      const char* flag = request_.resume_from > 0 ? "--resume-from" : "--resume-after";
      if (k > total)
        throw RunFailure(std::string(flag) + " " + std::to_string(k) + ": revision " + p.revision + " has " +
                         std::to_string(total) + " statement" + (total == 1 ? "" : "s") + " in " + rev.path +
                         "; nothing was run");
      at = request_.resume_from > 0 ? k - 1 : k;
      // "It took effect" cannot be true of a statement whose leftovers the
      // dialect still finds (an INVALID index from a cut-off build).
      if (request_.resume_after > 0) {
        const std::string text = record_.statement_text(p, k - 1);
        if (!text.empty() && (plugin_.statement_traits(text) & STRATA_STMT_PARTIAL_ON_FAILURE)) {
          const std::string left = leftovers(text);
          if (!left.empty())
            throw RunFailure("--resume-after " + std::to_string(k) + ": statement " + std::to_string(k) +
                             " did not take effect completely:" + left + "\n  then run it again: strata --db " +
                             db_.name + " " + dir + " " + advice_target(p.upgrade) + " --resume-from " + std::to_string(k) +
                             "; nothing was run");
        }
      }
      const int64_t expected = p.in_doubt() ? p.started : p.done + 1;
      if (k != expected)
        output_.info(prefix_, "note: the record says statement " + std::to_string(expected) + " is next" +
                                  (p.in_doubt() ? " (in doubt)" : "") + "; " + flag + " " + std::to_string(k) +
                                  " as you asked");
    } else if (p.in_doubt()) {
      throw RunFailure(mid_revision_text(p) + "\n  (--resume alone never re-runs a statement that may have taken "
                                              "effect: say which it was)");
    }
    // The record counts statements of the file as it was: with statements
    // added or removed since, its count no longer says which of the file's
    // statements ran (one inserted above would run twice). Only the user,
    // reading the file, can say where to go on.
    if (p.total != total && request_.resume_from <= 0 && request_.resume_after <= 0)
      throw RunFailure("cannot resume " + p.revision + ": " + rev.path + " now has " + std::to_string(total) +
                       " statements in its " + dir + " section, and the record was made when it had " +
                       std::to_string(p.total) + " (" + std::to_string(p.done) +
                       " completed), so it no longer says which of them ran; nothing was run. Check the file, then "
                       "say which statement of it to go on with:\n"
                       "  strata --db " + db_.name + " " + dir + " " + advice_target(p.upgrade) +
                       " --resume-from K   (runs statement K onwards)");
    if (p.total != total)
      output_.info(prefix_, "note: " + rev.path + " now has " + std::to_string(total) + " statements in its " + dir +
                                " section; the record was made when it had " + std::to_string(p.total));
    output_.info(prefix_, at < total ? "resuming " + p.revision + " at statement " + std::to_string(at + 1) + " of " +
                                           std::to_string(total)
                                     : "resuming " + p.revision + " after its last statement (" + std::to_string(total) +
                                           " of " + std::to_string(total) + "): recording it as done");
    return at;
  }

  void apply_to_live_rows(const std::vector<planner::VersionOp>& ops) {
    for (auto& op : ops) {
      if (op.kind != planner::VersionOp::Insert)
        live_rows_.erase(std::remove(live_rows_.begin(), live_rows_.end(), op.from), live_rows_.end());
      if (op.kind != planner::VersionOp::Delete) live_rows_.push_back(op.to);
    }
  }

  void apply_ops(const std::vector<planner::VersionOp>& ops) {
    try {
      exec_->apply_ops(ops);
    } catch (const dialect::DialectError&) {
      throw;
    } catch (const std::runtime_error& e) {
      throw RunFailure(e.what());
    }
  }

  void read_log() {
    if (!table_exists(vt_.log_table())) return;
    try {
      result_.log = read_log_rows(*conn_, vt_);
    } catch (const dialect::DialectError&) {
      throw;
    } catch (const std::runtime_error& e) {
      throw RunFailure(e.what());
    }
    result_.log_read = true;
  }

  /// upgrade: an applied revision whose file changed since it ran is
  /// warned about (--strict: refused, nothing run).
  void check_applied_files() {
    if (!exec_->logging() || log_created_ || !table_exists(vt_.log_table())) return;
    read_log();
    std::vector<std::string> changed;
    for (auto& e : verify_applied(graph_, scripts_, plugin_.name, rows_, result_.log))
      if (e.status == "changed")
        changed.push_back("revision " + e.revision + " (" + e.path + ") was edited after it ran on " + e.ran_at +
                          ": sha256 " + e.recorded.substr(0, 12) + " then, " + e.current.substr(0, 12) + " now");
    result_.log.clear();
    result_.log_read = false;
    if (changed.empty()) return;
    if (request_.strict)
      throw RunFailure(util::join(changed, "\n") + "\n--strict: nothing was run ('strata verify' lists every "
                                                   "difference)");
    for (auto& c : changed) output_.error(target_.name, "warning: " + c);
  }

  /// After a failed step, where the connection still works: its outcome
  /// row (best effort, in its own transaction after the rollback).
  void log_failure(const std::optional<Progress>& progress) {
    if (!failed_step_ || !exec_ || !exec_->logging()) return;
    const auto& step = *failed_step_;
    const std::string id = graph_.id(step.rev);
    const bool half = progress && progress->revision == id;
    try {
      const auto& rev = graph_.rev(step.rev);
      const std::string checksum = section_checksum(rev, step.upgrade, plugin_.name);
      // Only into a log that exists: a failed first run on a fresh
      // database leaves nothing behind (a SQLite file is removed again).
      if (!table_exists(vt_.log_table())) return;
      exec_->begin();
      exec_->log_row(id, step.upgrade ? "upgrade" : "downgrade", checksum, half ? "half-applied" : "failed");
      exec_->commit();
    } catch (const std::exception&) {
      try {
        if (exec_->in_transaction()) conn_->rollback();
      } catch (const std::exception&) {
      }
    }
  }

  void begin() { exec_->begin(); }
  void begin_if_needed() { exec_->begin_if_needed(); }
  void commit() { exec_->commit(); }

  // Failure: roll back what is open; report the state the database is in.
  void fail() {
    if (exec_) exec_->discard();  // queued, never sent: rolled back with the rest
    known_tables_.clear();         // a table created in the rolled-back transaction is gone
    if (conn_ && exec_ && exec_->in_transaction()) {
      try {
        conn_->rollback();
      } catch (const std::exception&) {
      }
    }
    output_.error(target_.name, "error: " + result_.error);
    // A run that never held the lock changed nothing, and what it could read
    // (another run's progress) is not its own doing: the error says it all.
    if (!conn_ || request_.action == Action::Current || !lock_held_) {
      result_.to_rows = result_.from_rows;
      return;
    }
    std::optional<Progress> progress;
    bool read = false;
    try {
      result_.to_rows = read_rows();
      progress = read_progress();
      read = true;
      log_failure(progress);
    } catch (const std::exception&) {
      // Committed so far: nothing of a whole-run transaction survives a
      // lost connection; per-revision commits do.
      result_.to_rows = whole_run_ ? result_.from_rows : live_rows_;
      progress = known_progress_;
    }
    if (locked_) {
      try {
        conn_->unlock(vt_.lock_key());
      } catch (const std::exception&) {
      }
    }
    if (progress) {
      result_.mid_revision = HalfApplied::describe(*progress);
      // Only say it again when this run just left it so; otherwise the
      // error above already is this text.
      if (result_.error.find("database was left in the middle") == std::string::npos)
        output_.error(target_.name, mid_revision_text(*progress, true));
    } else if (!read) {
      output_.error(target_.name, "the connection was lost: the database's state could not be read back (last known: " +
                                 rows_text(result_.to_rows) + "); run 'strata --db " + db_.name +
                                 " current' to see it");
    } else {
      output_.error(target_.name, result_.to_rows == result_.from_rows
                                 ? (result_.file_error || !steps_started_ ? "nothing ran: database at " : "rolled back: database left at ") +
                                       rows_text(result_.to_rows)
                                 : "database left at " + rows_text(result_.to_rows) + " (was " +
                                       rows_text(result_.from_rows) + ")");
    }
  }

  const Clock::time_point t0_ = Clock::now();
  const Clock::time_point run_epoch_;
  const config::Config& cfg_;
  const Target& target_;
  const config::DatabaseConfig& db_;
  const script::ScriptDirectory& scripts_;
  const planner::RevisionGraph& graph_;
  const dialect::Plugin& plugin_;
  const Request& request_;
  Output& output_;
  const std::string prefix_;
  VersionTable vt_;
  const std::string* schema_;
  const bool transactional_ddl_;
  const bool whole_run_;
  Coordinator& coordinator_;
  CrossDatabase cross_;
  HalfApplied record_;
  const Coordinator::Key key_;
  std::vector<std::string> live_rows_;
  // Whether any revision of the plan was started: a failure before that
  // (planning, a refusal, --strict) has nothing to roll back.
  bool steps_started_ = false;
  // Where this run's plan was heading (set once planned).
  std::optional<std::vector<std::string>> planned_final_;
  std::unique_ptr<dialect::Connection> conn_;
  std::unique_ptr<ConnectionSink> sink_;
  std::unique_ptr<StepExecutor> exec_;
  bool locked_ = false;     // holds the lock now
  bool lock_held_ = false;  // held it at some point: what the database shows may be this run's doing
  std::optional<Progress> known_progress_;
  std::set<std::string> known_tables_;  // tables known to exist
  bool log_created_ = false;            // this run created the applied log
  LogIdentity log_id_;
  /// The step that failed, for its outcome row in the applied log.
  std::optional<planner::Step> failed_step_;
  std::vector<std::string> rows_;
  TargetResult result_;
};

}  // namespace

TargetResult run_target(const config::Config& cfg, const Target& target, const Chain& chain,
                        const dialect::Plugin& plugin, const Request& request, Output& output, bool prefixed,
                        Coordinator& coordinator, Probe probe, Dependents dependents, Clock::time_point run_epoch) {
  return DatabaseRun(cfg, target, chain, plugin, request, output, prefixed, coordinator, std::move(probe),
                     std::move(dependents), run_epoch)
      .run();
}

}  // namespace strata::runner
