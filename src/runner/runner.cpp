#include "strata/runner/runner.hpp"

// Boost 1.74's Asio uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <set>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "strata/runner/executor.hpp"
#include "strata/runner/version_table.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

using Clock = std::chrono::steady_clock;

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

/// An online run's statements go to the connection.
class ConnectionSink : public SqlSink {
 public:
  explicit ConnectionSink(dialect::Connection& c) : c_(c) {}
  void begin() override { c_.begin(); }
  void commit() override { c_.commit(); }
  void script(const std::string& sql) override { c_.execute(sql); }
  void statement(const std::string& sql) override { c_.execute(sql, true); }
  int64_t bookkeeping(const std::string& sql) override { return c_.execute(sql).rows_affected; }

 private:
  dialect::Connection& c_;
};

/// Everything that failed in one database, already worded for the user.
struct RunFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A revision recorded as running in the progress table.
struct Progress {
  std::string revision;
  bool upgrade = true;
  int64_t done = 0;
  int64_t total = 0;
};

std::atomic<bool> g_stop{false};

/// A run that was asked to stop (SIGINT) before its next revision.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Cross-database Depends On: what each target of this run has committed
/// and will reach, so a target can wait for another database's revision.
class Coordinator {
 public:
  struct Key {
    std::string db;
    size_t group;
    bool operator<(const Key& o) const { return std::tie(db, group) < std::tie(o.db, o.group); }
  };
  struct State {
    const planner::RevisionGraph* graph = nullptr;
    std::vector<bool> committed;  // closure of what is committed
    std::vector<bool> planned;    // closure of where the plan ends
    bool has_plan = false;
    bool finished = false;
    bool ok = false;
    std::string name;
    std::string at;               // rows when it finished / planned end
  };

  void expect(const Key& k, const std::string& name) { states_[k].name = name; }
  bool in_run(const Key& k) const { return states_.count(k) != 0; }

  void planned(const Key& k, const planner::RevisionGraph& g, const std::vector<std::string>& rows,
               const std::vector<std::string>& final_rows) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& st = states_[k];
    st.graph = &g;
    st.committed = g.closure(g.rows_to_indexes(rows, k.db));
    st.planned = g.closure(g.rows_to_indexes(final_rows, k.db));
    st.at = final_rows.empty() ? "<base>" : util::join(final_rows, ", ");
    st.has_plan = true;
    cv_.notify_all();
  }
  void committed(const Key& k, const std::vector<std::string>& rows) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& st = states_[k];
    if (!st.graph) return;
    st.committed = st.graph->closure(st.graph->rows_to_indexes(rows, k.db));
    cv_.notify_all();
  }
  void finished(const Key& k, bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& st = states_[k];
    st.finished = true;
    st.ok = ok;
    cv_.notify_all();
  }

  /// Waits until `k` has a plan; returns false when it ended without one.
  /// Then: will it reach `rev` (already there, or in its plan)?
  bool will_reach(const Key& k, const std::string& rev, std::string& where) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto& st = states_[k];
    cv_.wait(lock, [&] { return st.has_plan || st.finished || g_stop.load(); });
    if (!st.has_plan) {
      where = st.name + " failed before it could plan";
      return false;
    }
    where = st.name + " ends at " + st.at;
    auto i = st.graph->find(rev);
    return i && (st.committed[*i] || st.planned[*i]);
  }

  /// Waits until `k` has committed `rev`. False when it finished (or failed,
  /// or the run was stopped) without it.
  bool wait_committed(const Key& k, const std::string& rev) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto& st = states_[k];
    std::optional<planner::Index> i;
    if (st.graph) i = st.graph->find(rev);
    cv_.wait(lock, [&] { return (i && st.committed[*i]) || st.finished || g_stop.load(); });
    return i && st.committed[*i];
  }

  void wake_all() { cv_.notify_all(); }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<Key, State> states_;
};

/// One command on one database: connect, lock, plan, execute, report.
class DatabaseRun {
 public:
  /// Does another database (outside this run) already have `rev`? Sets
  /// `at` to its version rows. Connects to it read-only.
  using Probe = std::function<bool(const std::string& db, size_t group, const std::string& rev, std::string& at)>;

  DatabaseRun(const config::Config& cfg, const Target& target, const Chain& chain, const dialect::Plugin& plugin,
              const Request& request, Output& output, bool prefixed, Coordinator& coordinator, Probe probe,
              Clock::time_point run_epoch = Clock::now())
      : run_epoch_(run_epoch),
        cfg_(cfg),
        target_(target),
        db_(*target.db),
        scripts_(chain.scripts),
        graph_(*chain.graph),
        plugin_(plugin),
        request_(request),
        output_(output),
        prefix_(prefixed ? target.name : ""),
        vt_(plugin, cfg.version_table, cfg.version_table_schema),
        schema_(vt_.schema() ? &*vt_.schema() : nullptr),
        transactional_ddl_(plugin.has(STRATA_CAP_TRANSACTIONAL_DDL)),
        // One transaction for the whole run where DDL is transactional and
        // the user did not ask for one per migration (Alembic's default).
        whole_run_(transactional_ddl_ && !cfg.transaction_per_migration),
        coordinator_(coordinator),
        probe_(std::move(probe)),
        key_{target.db->name, target.group} {
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
        result_.error += " (another run holds the lock; raise --lock-timeout or try again)";
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
      if (auto p = read_progress()) {
        result_.mid_revision = describe(*p);
        output_.error(prefix_, "warning: " + mid_revision_text(*p));
      }
      return;
    }
    conn_->lock(vt_.lock_key(), request_.lock_timeout_seconds);
    locked_ = true;
    begin();
    if (!conn_->table_exists(schema_, vt_.table())) {
      conn_->execute(vt_.create_sql());
      output_.debug(prefix_, "created version table " + vt_.qualified());
    }
    result_.from_rows = conn_->query_column(vt_.select_sql());
    rows_ = result_.from_rows;
    auto progress = read_progress();
    if (!whole_run_) commit();

    if (progress && request_.action != Action::Stamp && request_.action != Action::Resolve && !request_.resume)
      throw RunFailure(mid_revision_text(*progress));
    if (request_.action == Action::Resolve) return resolve(progress);
    if (request_.resume && !progress) output_.info(prefix_, "nothing to resume: no revision was left half-applied");

    planner::Plan plan;
    const std::string target = request_.target_by_db.count(db_.name) ? request_.target_by_db.at(db_.name)
                                                                      : request_.target;
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
    // Read the SQL of every step now: a file that cannot be read, or whose
    // header changed since it was planned, stops the run before it starts.
    try {
      scripts_.load_bodies(plan.revisions());
    } catch (const UserError& e) {
      throw RunFailure(e.what());
    }
    // Refuse before running anything if some step cannot run.
    for (auto& s : plan.steps) {
      const auto& rev = graph_.rev(s.rev);
      if (!s.upgrade && !rev.downgrade_for(plugin_.name))
        throw RunFailure(located(rev.path, rev.id_line,
                                 "revision " + rev.id + " has no '-- +downgrade' section: cannot "
                                 "downgrade through it; nothing was changed"));
    }
    if (progress && request_.resume) {
      if (plan.steps.empty() || graph_.id(plan.steps[0].rev) != progress->revision ||
          plan.steps[0].upgrade != progress->upgrade)
        throw RunFailure("cannot resume: this command's first step is not the interrupted " +
                         std::string(progress->upgrade ? "upgrade" : "downgrade") + " of " + progress->revision +
                         " (use the same direction and a target past it, or 'strata resolve')");
    }

    coordinator_.planned(key_, graph_, rows_, plan.final_rows);
    if (request_.action == Action::Upgrade) check_cross_dependencies(plan);

    if (request_.action == Action::Stamp) {
      begin_if_needed();
      if (request_.purge) conn_->execute("DELETE FROM " + vt_.qualified());
      apply_ops(plan.stamp_ops);
      if (progress) conn_->execute(vt_.progress_delete_sql());
      commit();
      rows_ = plan.final_rows;
      output_.info(prefix_, "Stamped " + rows_text(result_.from_rows) + " -> " + rows_text(plan.final_rows) +
                                (progress ? " (cleared the record of half-applied " + progress->revision + ")" : ""));
    }

    live_rows_ = rows_;
    for (size_t k = 0; k < plan.steps.size(); ++k) {
      if (g_stop.load())
        throw Interrupted("interrupted before " + graph_.id(plan.steps[k].rev) + ": stopped between revisions");
      const bool resuming = k == 0 && progress && request_.resume;
      if (request_.action == Action::Upgrade) {
        output_.status(target_.name, target_.url.masked() + "  waiting for other databases");
        wait_for_cross_dependencies(plan.steps[k]);
      }
      output_.status(target_.name, target_.url.masked() + "  " + std::to_string(k + 1) + "/" +
                                       std::to_string(plan.steps.size()) + "  " + step_text(graph_, plan.steps[k]));
      run_step(plan.steps[k], resuming ? progress->done : -1, resuming ? progress->total : 0);
      apply_to_live_rows(plan.steps[k].ops);
      if (!exec_->in_transaction()) coordinator_.committed(key_, live_rows_);
    }
    exec_->commit_if_open();
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
        const bool retry = e.status == STRATA_CONNECTION_BROKEN && !g_stop.load() &&
                           seconds_since(t0_) + pause.count() / 1000.0 < request_.wait_timeout_seconds;
        // The plugin's message names the (masked) URL already.
        if (!retry) throw RunFailure(config::mask_passwords(e.what()));
        output_.info(prefix_, "waiting for the database: " + config::mask_passwords(e.what()));
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(2000));
      }
    }
    sink_ = std::make_unique<ConnectionSink>(*conn_);
    exec_ = std::make_unique<StepExecutor>(graph_, plugin_, vt_, whole_run_, *sink_);
    output_.debug(prefix_, "connected to " + target_.url.masked() + " (" + plugin_.api->description + ")");
  }

  std::vector<std::string> read_rows() {
    if (!conn_->table_exists(schema_, vt_.table())) return {};
    return conn_->query_column(vt_.select_sql());
  }

  std::optional<Progress> read_progress() {
    if (!conn_->table_exists(schema_, vt_.progress_table())) return std::nullopt;
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
    return p;
  }

  static std::string describe(const Progress& p) {
    return p.revision + " " + (p.upgrade ? "upgrade" : "downgrade") + " " + std::to_string(p.done) + "/" +
           std::to_string(p.total);
  }

  /// Where statement `index` (0-based) of an interrupted revision is.
  std::string statement_location(const Progress& p) const {
    auto idx = graph_.find(p.revision);
    if (!idx) return "revision " + p.revision + " (no file defines it any more)";
    const auto& rev = graph_.rev(*idx);
    try {
      scripts_.load_bodies({*idx});
      const auto* section = p.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
      if (!section) return rev.path;
      auto ranges = plugin_.split(section->sql);
      if (p.done < static_cast<int64_t>(ranges.size()))
        return rev.path + ":" +
               std::to_string(rev.line_in_file(*section, static_cast<size_t>(ranges[static_cast<size_t>(p.done)].offset)));
    } catch (const std::exception&) {
    }
    return rev.path;
  }

  std::string mid_revision_text(const Progress& p) const {
    const std::string dir = p.upgrade ? "upgrade" : "downgrade";
    return "database was left in the middle of the " + dir + " of revision " + p.revision + ": " +
           std::to_string(p.done) + " of " + std::to_string(p.total) +
           " statements completed; statement " + std::to_string(p.done + 1) + " (" + statement_location(p) +
           ") did not. Nothing more runs on this database until that is settled:\n"
           "  after fixing the cause: strata --db " + db_.name + " " + dir + " TARGET --resume   "
           "(runs statement " + std::to_string(p.done + 1) + " onwards, then the rest of the plan)\n"
           "  if you completed it by hand: strata --db " + db_.name + " resolve applied\n"
           "  if you reverted it by hand:  strata --db " + db_.name + " resolve reverted\n"
           "  (strata stamp also clears this record)";
  }

  void resolve(const std::optional<Progress>& progress) {
    if (!progress) throw RunFailure("nothing to resolve: no revision was left half-applied");
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

  void run_step(const planner::Step& step, int64_t resume_at, int64_t total) {
    const auto st = Clock::now();
    if (resume_at >= 0)
      output_.info(prefix_, "resuming " + graph_.id(step.rev) + " at statement " + std::to_string(resume_at + 1) +
                                " of " + std::to_string(total));
    try {
      exec_->run_step(step, resume_at);
    } catch (const StepError& e) {
      // A statement fails as a whole, so when a tracked revision's first
      // statement failed it left nothing behind: forget it, don't block.
      if (e.statement_index == 0 && e.status == STRATA_ERROR) {
        try {
          sink_->bookkeeping(vt_.progress_delete_sql());
        } catch (const std::exception&) {
        }
      }
      throw RunFailure(e.what());
    }
    ++result_.steps_done;
    result_.steps.push_back({graph_.id(step.rev), step.upgrade,
                             std::chrono::duration<double>(st - run_epoch_).count(), seconds_since(st)});
    output_.step(prefix_, step_text(graph_, step) + " (" + ms(seconds_since(st)) + ")");
  }

  void apply_to_live_rows(const std::vector<planner::VersionOp>& ops) {
    for (auto& op : ops) {
      if (op.kind != planner::VersionOp::Insert)
        live_rows_.erase(std::remove(live_rows_.begin(), live_rows_.end(), op.from), live_rows_.end());
      if (op.kind != planner::VersionOp::Delete) live_rows_.push_back(op.to);
    }
  }

  // Refuses before running anything when a revision depends on another
  // database's revision that this run will never bring about.
  void check_cross_dependencies(const planner::Plan& plan) {
    for (auto& step : plan.steps) {
      const auto& rev = graph_.rev(step.rev);
      for (auto& [db, dep] : graph_.node(step.rev).cross_deps) {
        Coordinator::Key other{db, target_.group};
        std::string where;
        if (coordinator_.in_run(other)) {
          if (!coordinator_.will_reach(other, dep, where))
            throw RunFailure(located(rev.path, rev.id_line,
                                     "revision " + rev.id + " depends on " + db + "@" + dep + ", which this run will "
                                     "not reach (" + where + "); nothing was changed"));
          continue;
        }
        std::string at;
        if (!probe_(db, target_.group, dep, at))
          throw RunFailure(located(rev.path, rev.id_line,
                                   "revision " + rev.id + " depends on " + db + "@" + dep + ", but " + db + " is at " +
                                       at + " and is not part of this run (add --db " + db + "); nothing was changed"));
      }
    }
  }

  void wait_for_cross_dependencies(const planner::Step& step) {
    for (auto& [db, dep] : graph_.node(step.rev).cross_deps) {
      Coordinator::Key other{db, target_.group};
      if (!coordinator_.in_run(other)) continue;  // checked before the run
      output_.debug(prefix_, "waiting for " + db + "@" + dep);
      if (!coordinator_.wait_committed(other, dep)) {
        if (g_stop.load()) throw Interrupted("interrupted while waiting for " + db + "@" + dep);
        throw RunFailure("revision " + graph_.id(step.rev) + " depends on " + db + "@" + dep + ", which " + db +
                         " did not reach (it failed or stopped first)");
      }
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

  void begin() { exec_->begin(); }
  void begin_if_needed() { exec_->begin_if_needed(); }
  void commit() { exec_->commit(); }

  // Failure: roll back what is open; report the state the database is in.
  void fail() {
    if (conn_ && exec_ && exec_->in_transaction()) {
      try {
        conn_->rollback();
      } catch (const std::exception&) {
      }
    }
    std::optional<Progress> progress;
    if (conn_ && request_.action != Action::Current) {
      try {
        result_.to_rows = read_rows();
        progress = read_progress();
      } catch (const std::exception&) {
        result_.to_rows = rows_;
      }
    }
    if (conn_ && locked_) {
      try {
        conn_->unlock(vt_.lock_key());
      } catch (const std::exception&) {
      }
    }
    output_.error(prefix_, "error: " + result_.error);
    if (!conn_ || request_.action == Action::Current) return;
    if (progress) {
      result_.mid_revision = describe(*progress);
      // Only say it again when this run just left it so; otherwise the
      // error above already is this text.
      if (result_.error.find("database was left in the middle") == std::string::npos)
        output_.error(prefix_, mid_revision_text(*progress));
    } else {
      output_.error(prefix_, result_.to_rows == result_.from_rows
                                 ? "rolled back: database left at " + rows_text(result_.to_rows)
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
  Probe probe_;
  const Coordinator::Key key_;
  std::vector<std::string> live_rows_;
  std::unique_ptr<dialect::Connection> conn_;
  std::unique_ptr<ConnectionSink> sink_;
  std::unique_ptr<StepExecutor> exec_;
  bool locked_ = false;
  std::vector<std::string> rows_;
  TargetResult result_;
};

}  // namespace

std::shared_ptr<const Chain> load_chain(const std::string& location) {
  auto chain = std::make_shared<Chain>();
  // Build the graph from the cached headers while the files are being
  // checked; it stands if none changed (the usual case), else it is built
  // again from what was read. Its errors count only in the second case.
  script::DirectoryLoad load(location);
  std::unique_ptr<planner::RevisionGraph> early;
  if (const auto* cached = load.cached()) {
    try {
      early = std::make_unique<planner::RevisionGraph>(*cached);
    } catch (const UserError&) {
    }
  }
  bool unchanged = false;
  chain->scripts = load.finish(&unchanged);
  chain->graph = unchanged && early ? std::move(early) : std::make_unique<planner::RevisionGraph>(chain->scripts);
  return chain;
}

void keep_until_exit(std::shared_ptr<const Chain> chain) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::shared_ptr<const Chain>>;  // never destroyed, on purpose
  std::lock_guard<std::mutex> lock(mutex);
  kept->push_back(std::move(chain));
}

std::map<std::string, std::shared_ptr<const Chain>> load_chains(
    const std::vector<const config::DatabaseConfig*>& databases) {
  std::map<std::string, std::shared_ptr<const Chain>> chains;
  for (auto* db : databases)
    if (!chains.count(db->location)) chains[db->location] = load_chain(db->location);
  return chains;
}

void request_stop() { g_stop.store(true); }
bool stop_requested() { return g_stop.load(); }
void reset_stop() { g_stop.store(false); }

const char* to_string(TargetStatus status) {
  switch (status) {
    case TargetStatus::Ok: return "ok";
    case TargetStatus::Failed: return "failed";
    case TargetStatus::Interrupted: return "interrupted";
    case TargetStatus::Skipped: return "skipped";
  }
  return "?";
}

dialect::ConnectOptions connect_options(const config::Url& url, double lock_timeout_seconds) {
  dialect::ConnectOptions o;
  o.url_masked = url.masked();
  o.dialect = url.dialect;
  o.scheme = url.scheme;
  o.user = url.user;
  o.password = url.password;
  o.has_password = url.has_password;
  o.host = url.host;
  o.port = url.port;
  o.database = url.database;
  o.query = url.query;
  o.lock_timeout_seconds = lock_timeout_seconds;
  return o;
}

std::vector<Target> make_targets(const config::Config& cfg, const std::vector<const config::DatabaseConfig*>& dbs,
                                 const config::Environment* env) {
  std::vector<Target> out;
  for (auto* db : dbs) {
    if (!env) {
      out.push_back({db, db->url_text, db->url, 0, db->name});
      continue;
    }
    auto it = env->databases.find(db->name);
    if (it == env->databases.end())
      throw UserError(located(cfg.path, env->line,
                              "environment '" + env->name + "' lists no URLs for database '" + db->name +
                                  "' (pick the databases it has with --db)"));
    const auto& urls = it->second;
    for (size_t i = 0; i < urls.size(); ++i)
      out.push_back({db, urls[i].text, urls[i].url, i, urls.size() > 1 ? db->name + "[" + std::to_string(i) + "]"
                                                                        : db->name});
  }
  return out;
}

std::vector<Target> shard_targets(const std::vector<Target>& targets, int k, int n) {
  if (n < 1 || k < 1 || k > n) throw UserError("--shard K/N needs 1 <= K <= N");
  std::vector<Target> out;
  for (auto& t : targets) {
    // FNV-1a of database and URL: the same on every machine and run.
    uint64_t h = 1469598103934665603ull;
    for (char c : t.db->name + "\n" + t.url_text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    if (static_cast<int>(h % static_cast<uint64_t>(n)) == k - 1) out.push_back(t);
  }
  return out;
}

Runner::Runner(const config::Config& config, dialect::PluginRegistry& plugins, Output& output)
    : config_(config), plugins_(plugins), output_(output) {}

std::shared_ptr<const Chain> Runner::chain(const std::string& location) {
  auto& c = chains_[location];
  if (!c) c = load_chain(location);
  return c;
}

std::vector<TargetResult> Runner::run(const std::vector<const config::DatabaseConfig*>& databases,
                                      const Request& request, int jobs) {
  return run(make_targets(config_, databases, nullptr), request, jobs);
}

std::vector<TargetResult> Runner::run(const std::vector<Target>& targets, const Request& request, int jobs) {
  // Everything that can be checked without a database is checked first.
  auto& chains = chains_;  // kept: callers format with them afterwards
  auto chain_of = [&](const config::DatabaseConfig& db) -> const Chain& {
    auto& c = chains[db.location];
    if (!c) c = load_chain(db.location);
    return *c;
  };
  std::map<std::string, const dialect::Plugin*> plugins;  // by dialect
  for (auto& t : targets) {
    chain_of(*t.db);
    auto& p = plugins[t.url.dialect];
    if (!p) {
      try {
        p = &plugins_.get(t.url.dialect);
      } catch (const dialect::PluginError& e) {
        throw UserError("database '" + t.db->name + "' (" + t.url.masked() + "): " + e.what());
      }
    }
    if (config_.version_table_schema && !p->has(STRATA_CAP_SCHEMAS))
      throw UserError(located(config_.path, 0,
                              "version_table_schema is set, but database '" + t.db->name + "' uses " +
                                  t.url.dialect + ", which has no schemas"));
  }

  // Cross-database Depends On: the database exists, the revision exists in
  // its chain, and databases do not wait for each other in a circle.
  std::map<std::string, std::set<std::string>> waits_for;  // db -> dbs it depends on
  std::set<std::string> seen_db;
  for (auto& t : targets) {
    if (!seen_db.insert(t.db->name).second) continue;
    const auto& g = *chain_of(*t.db).graph;
    for (planner::Index i = 0; i < g.size(); ++i) {
      for (auto& [db, rev] : g.node(i).cross_deps) {
        const auto& r = g.rev(i);
        auto* other = config_.find_database(db);
        if (!other)
          throw UserError(located(r.path, r.id_line, "Depends On: " + db + "@" + rev + " names database '" + db +
                                                         "', which " + config_.path + " does not configure"));
        if (other == t.db)
          throw UserError(located(r.path, r.id_line, "Depends On: " + db + "@" + rev +
                                                         " names this revision's own database; write the revision id"));
        try {
          chain_of(*other).graph->get_revision(rev);
        } catch (const UserError& e) {
          throw UserError(located(r.path, r.id_line, "Depends On: " + db + "@" + rev + ": " + e.what()));
        }
        waits_for[t.db->name].insert(db);
      }
    }
  }
  // Order databases so that those depended on come first (and find cycles).
  std::map<std::string, int> rank;
  std::function<int(const std::string&, std::vector<std::string>&)> depth = [&](const std::string& db,
                                                                               std::vector<std::string>& path) {
    if (auto it = rank.find(db); it != rank.end()) return it->second;
    if (std::find(path.begin(), path.end(), db) != path.end()) {
      path.push_back(db);
      throw UserError("cross-database Depends On forms a cycle: " + util::join(path, " -> "));
    }
    path.push_back(db);
    int d = 0;
    for (auto& other : waits_for[db]) d = std::max(d, depth(other, path) + 1);
    path.pop_back();
    return rank[db] = d;
  };
  for (auto& t : targets) {
    std::vector<std::string> path;
    depth(t.db->name, path);
  }
  std::vector<size_t> order(targets.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank[targets[a].db->name] < rank[targets[b].db->name]; });

  const auto epoch = Clock::now();
  Coordinator coordinator;
  for (auto& t : targets) coordinator.expect({t.db->name, t.group}, t.name);
  // A database a Depends On names, outside this run: read its rows.
  DatabaseRun::Probe probe = [&](const std::string& db, size_t group, const std::string& rev, std::string& at) {
    auto* other = config_.find_database(db);
    Target t{other, other->url_text, other->url, group, db};
    if (request.environment) {
      auto it = request.environment->databases.find(db);
      if (it != request.environment->databases.end() && group < it->second.size()) {
        t.url_text = it->second[group].text;
        t.url = it->second[group].url;
      }
    }
    const auto& chain = chain_of(*other);
    const dialect::Plugin* plugin;
    try {
      plugin = &plugins_.get(t.url.dialect);
    } catch (const dialect::PluginError& e) {
      throw UserError(e.what());
    }
    Request read;
    read.action = Action::Current;
    Coordinator none;
    auto res = DatabaseRun(config_, t, chain, *plugin, read, output_, true, none, nullptr).run();
    if (!res.ok) {
      at = "unknown (" + res.error + ")";
      return false;
    }
    at = res.from_rows.empty() ? "<base>" : util::join(res.from_rows, ", ");
    const auto& g = *chain.graph;
    auto want = g.get_revision(rev);
    std::vector<planner::Index> rows;
    for (auto& r : res.from_rows)
      if (auto i = g.find(r)) rows.push_back(*i);
    return want && g.closure(rows)[*want];
  };

  std::vector<TargetResult> results(targets.size());
  const bool prefixed = targets.size() > 1;
  if (jobs <= 0) jobs = static_cast<int>(std::min<size_t>(targets.size(), 8));
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(std::max<size_t>(targets.size(), 1))));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (size_t k; (k = next.fetch_add(1)) < order.size();) {
      const size_t i = order[k];
      const auto& t = targets[i];
      if (g_stop.load() || (request.fail_fast && failed.load())) {
        auto& r = results[i];
        r.name = t.name;
        r.database = t.db->name;
        r.url_masked = t.url.masked();
        r.group = t.group;
        r.status = TargetStatus::Skipped;
        r.error = g_stop.load() ? "not started: the run was interrupted" : "not started: --fail-fast after a failure";
        coordinator.finished({t.db->name, t.group}, false);
        continue;
      }
      results[i] = DatabaseRun(config_, t, chain_of(*t.db), *plugins[t.url.dialect], request, output_, prefixed,
                               coordinator, probe, epoch)
                       .run();
      if (!results[i].ok) failed.store(true);
    }
  };
  if (jobs == 1) {
    worker();
    return results;
  }
  boost::asio::thread_pool pool(static_cast<size_t>(jobs));
  for (int w = 0; w < jobs; ++w) boost::asio::post(pool, worker);
  pool.join();
  return results;
}

}  // namespace strata::runner
