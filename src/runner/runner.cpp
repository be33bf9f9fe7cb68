#include "strata/runner/runner.hpp"

// Boost 1.74's Asio uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

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

/// One command on one database: connect, lock, plan, execute, report.
class DatabaseRun {
 public:
  DatabaseRun(const config::Config& cfg, const config::DatabaseConfig& db, const Chain& chain,
              const dialect::Plugin& plugin, const Request& request, Output& output, bool prefixed)
      : cfg_(cfg),
        db_(db),
        graph_(*chain.graph),
        plugin_(plugin),
        request_(request),
        output_(output),
        prefix_(prefixed ? db.name : ""),
        vt_(plugin, cfg.version_table, cfg.version_table_schema),
        schema_(vt_.schema() ? &*vt_.schema() : nullptr),
        transactional_ddl_(plugin.has(STRATA_CAP_TRANSACTIONAL_DDL)),
        // One transaction for the whole run where DDL is transactional and
        // the user did not ask for one per migration (Alembic's default).
        whole_run_(transactional_ddl_ && !cfg.transaction_per_migration) {
    result_.database = db.name;
    result_.url_masked = db.url.masked();
  }

  TargetResult run() {
    try {
      execute();
      result_.ok = true;
    } catch (const RunFailure& e) {
      result_.error = config::mask_passwords(e.what());
    } catch (const dialect::DialectError& e) {
      result_.error = db_.url.masked() + ": " + config::mask_passwords(e.what());
      if (e.status == STRATA_LOCK_TIMEOUT)
        result_.error += " (another run holds the lock; raise --lock-timeout or try again)";
      if (e.status == STRATA_COMMIT_IN_DOUBT)
        result_.error += " (the connection broke during COMMIT: check the version table before retrying)";
    } catch (const std::exception& e) {
      result_.error = config::mask_passwords(e.what());
    }
    result_.seconds = seconds_since(t0_);
    if (!result_.ok) fail();
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
    try {
      switch (request_.action) {
        case Action::Upgrade: plan = graph_.plan_upgrade(rows_, request_.target, db_.name); break;
        case Action::Downgrade: plan = graph_.plan_downgrade(rows_, request_.target, db_.name); break;
        case Action::Stamp: plan = graph_.plan_stamp(rows_, request_.stamp_targets, request_.purge, db_.name); break;
        default: break;
      }
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

    for (size_t k = 0; k < plan.steps.size(); ++k) {
      const bool resuming = k == 0 && progress && request_.resume;
      run_step(plan.steps[k], resuming ? progress->done : -1, resuming ? progress->total : 0);
    }
    exec_->commit_if_open();
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
    dialect::ConnectOptions o;
    o.url_masked = db_.url.masked();
    o.dialect = db_.url.dialect;
    o.scheme = db_.url.scheme;
    o.user = db_.url.user;
    o.password = db_.url.password;
    o.has_password = db_.url.has_password;
    o.host = db_.url.host;
    o.port = db_.url.port;
    o.database = db_.url.database;
    o.query = db_.url.query;
    o.lock_timeout_seconds = request_.lock_timeout_seconds;
    try {
      conn_ = std::make_unique<dialect::Connection>(plugin_, o);
      sink_ = std::make_unique<ConnectionSink>(*conn_);
      exec_ = std::make_unique<StepExecutor>(graph_, plugin_, vt_, whole_run_, *sink_);
    } catch (const dialect::DialectError& e) {
      // The plugin's message names the (masked) URL already.
      throw RunFailure(config::mask_passwords(e.what()));
    }
    output_.debug(prefix_, "connected to " + db_.url.masked() + " (" + plugin_.api->description + ")");
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
    const auto* section = p.upgrade ? rev.upgrade_for(plugin_.name) : rev.downgrade_for(plugin_.name);
    if (!section) return rev.path;
    try {
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
    output_.info(prefix_, step_text(graph_, step) + " (" + ms(seconds_since(st)) + ")");
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
  const config::Config& cfg_;
  const config::DatabaseConfig& db_;
  const planner::RevisionGraph& graph_;
  const dialect::Plugin& plugin_;
  const Request& request_;
  Output& output_;
  const std::string prefix_;
  VersionTable vt_;
  const std::string* schema_;
  const bool transactional_ddl_;
  const bool whole_run_;
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
  chain->scripts = script::load_script_directory(location);
  chain->graph = std::make_unique<planner::RevisionGraph>(chain->scripts);
  return chain;
}

std::map<std::string, std::shared_ptr<const Chain>> load_chains(
    const std::vector<const config::DatabaseConfig*>& databases) {
  std::map<std::string, std::shared_ptr<const Chain>> chains;
  for (auto* db : databases)
    if (!chains.count(db->location)) chains[db->location] = load_chain(db->location);
  return chains;
}

Runner::Runner(const config::Config& config, dialect::PluginRegistry& plugins, Output& output)
    : config_(config), plugins_(plugins), output_(output) {}

std::vector<TargetResult> Runner::run(const std::vector<const config::DatabaseConfig*>& databases,
                                      const Request& request, int jobs) {
  // Everything that can be checked without a database is checked first.
  auto chains = load_chains(databases);
  std::vector<const dialect::Plugin*> plugins;
  for (auto* db : databases) {
    try {
      plugins.push_back(&plugins_.get(db->url.dialect));
    } catch (const dialect::PluginError& e) {
      throw UserError("database '" + db->name + "' (" + db->url.masked() + "): " + e.what());
    }
    if (config_.version_table_schema && !plugins.back()->has(STRATA_CAP_SCHEMAS))
      throw UserError(located(config_.path, 0,
                              "version_table_schema is set, but database '" + db->name + "' uses " +
                                  db->url.dialect + ", which has no schemas"));
  }

  std::vector<TargetResult> results(databases.size());
  const bool prefixed = databases.size() > 1;
  if (jobs <= 0) jobs = static_cast<int>(std::min<size_t>(databases.size(), 8));
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(databases.size())));
  auto one = [&](size_t i) {
    results[i] = run_one(*databases[i], *chains[databases[i]->location], *plugins[i], request, prefixed);
  };
  if (jobs == 1) {
    for (size_t i = 0; i < databases.size(); ++i) one(i);
    return results;
  }
  boost::asio::thread_pool pool(static_cast<size_t>(jobs));
  for (size_t i = 0; i < databases.size(); ++i) boost::asio::post(pool, [&, i] { one(i); });
  pool.join();
  return results;
}

TargetResult Runner::run_one(const config::DatabaseConfig& db, const Chain& chain, const dialect::Plugin& plugin,
                             const Request& request, bool prefixed) const {
  return DatabaseRun(config_, db, chain, plugin, request, output_, prefixed).run();
}

}  // namespace strata::runner
