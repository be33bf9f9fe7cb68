#include "strata/runner/runner.hpp"

// Boost 1.74's Asio uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <set>

#include "strata/runner/version_table.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string ms(double seconds) {
  char buf[32];
  if (seconds < 10) std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1000);
  else std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return buf;
}

std::string rows_text(const std::vector<std::string>& rows) {
  return rows.empty() ? "<base>" : util::join(rows, ", ");
}

/// A step's description, as Alembic logs it: "Running upgrade a -> b, msg".
std::string step_text(const planner::RevisionGraph& g, const planner::Step& s) {
  const auto& r = g.rev(s.rev);
  std::string downs = util::join(r.down_revisions, ", ");
  if (s.upgrade) return "Running upgrade " + downs + " -> " + r.id + ", " + r.message;
  return "Running downgrade " + r.id + " -> " + downs + ", " + r.message;
}

/// Everything that failed in one database, already worded for the user.
struct RunFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
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
                              "version_table_schema is set, but database '" + db->name +
                                  "' uses " + db->url.dialect + ", which has no schemas"));
  }

  std::vector<TargetResult> results(databases.size());
  const bool prefixed = databases.size() > 1;
  if (jobs <= 0) jobs = static_cast<int>(std::min<size_t>(databases.size(), 8));
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(databases.size())));
  if (jobs == 1) {
    for (size_t i = 0; i < databases.size(); ++i)
      results[i] = run_one(*databases[i], *chains[databases[i]->location], *plugins[i], request, prefixed);
    return results;
  }
  boost::asio::thread_pool pool(static_cast<size_t>(jobs));
  for (size_t i = 0; i < databases.size(); ++i) {
    boost::asio::post(pool, [&, i] {
      results[i] = run_one(*databases[i], *chains[databases[i]->location], *plugins[i], request, prefixed);
    });
  }
  pool.join();
  return results;
}

TargetResult Runner::run_one(const config::DatabaseConfig& db, const Chain& chain,
                             const dialect::Plugin& plugin, const Request& request, bool prefixed) {
  const std::string prefix = prefixed ? db.name : "";
  const auto& graph = *chain.graph;
  const auto t0 = Clock::now();
  TargetResult result;
  result.database = db.name;
  result.url_masked = db.url.masked();

  std::unique_ptr<dialect::Connection> conn;
  VersionTable vt(plugin, config_.version_table, config_.version_table_schema);
  bool in_tx = false;
  std::vector<std::string> committed_rows;
  bool locked = false;

  // A statement error, worded with the revision file and line.
  auto step_error = [&](const dialect::DialectError& e, const script::Revision& rev,
                        const script::Section* section) {
    std::string where = rev.path;
    if (section && e.statement_offset >= 0)
      where += ":" + std::to_string(rev.line_in_file(*section, static_cast<size_t>(e.statement_offset)));
    else if (section)
      where += ":" + std::to_string(section->first_line);
    std::string detail = e.what();
    if (!e.sqlstate.empty()) detail += " (SQLSTATE " + e.sqlstate + ")";
    else if (e.native_code) detail += " (" + plugin.name + " error " + std::to_string(e.native_code) + ")";
    return where + ": " + detail + " [revision " + rev.id + "]";
  };

  try {
    dialect::ConnectOptions o;
    o.url_masked = db.url.masked();
    o.dialect = db.url.dialect;
    o.scheme = db.url.scheme;
    o.user = db.url.user;
    o.password = db.url.password;
    o.has_password = db.url.has_password;
    o.host = db.url.host;
    o.port = db.url.port;
    o.database = db.url.database;
    o.query = db.url.query;
    o.lock_timeout_seconds = request.lock_timeout_seconds;
    try {
      conn = std::make_unique<dialect::Connection>(plugin, o);
    } catch (const dialect::DialectError& e) {
      throw RunFailure("cannot connect to " + db.url.masked() + ": " + config::mask_passwords(e.what()));
    }
    output_.debug(prefix, "connected to " + db.url.masked() + " (" + plugin.api->description + ")");

    const std::string* schema = vt.schema() ? &*vt.schema() : nullptr;
    auto read_rows = [&] {
      if (!conn->table_exists(schema, vt.table())) return std::vector<std::string>{};
      return conn->query_column(vt.select_sql());
    };

    if (request.action == Action::Current) {
      result.from_rows = result.to_rows = read_rows();
      result.ok = true;
      result.seconds = seconds_since(t0);
      return result;
    }

    conn->lock(vt.lock_key(), request.lock_timeout_seconds);
    locked = true;
    // One transaction for the whole run where DDL is transactional and the
    // user did not ask for one per migration (Alembic's default).
    const bool whole_run = plugin.has(STRATA_CAP_TRANSACTIONAL_DDL) && !config_.transaction_per_migration;
    conn->begin();
    in_tx = true;
    if (!conn->table_exists(schema, vt.table())) {
      conn->execute(vt.create_sql());
      output_.debug(prefix, "created version table " + vt.qualified());
    }
    result.from_rows = conn->query_column(vt.select_sql());
    committed_rows = result.from_rows;
    if (!whole_run) {
      conn->commit();
      in_tx = false;
    }

    planner::Plan plan;
    try {
      switch (request.action) {
        case Action::Upgrade: plan = graph.plan_upgrade(result.from_rows, request.target, db.name); break;
        case Action::Downgrade: plan = graph.plan_downgrade(result.from_rows, request.target, db.name); break;
        case Action::Stamp:
          plan = graph.plan_stamp(result.from_rows, request.stamp_targets, request.purge, db.name);
          break;
        case Action::Current: break;
      }
    } catch (const UserError& e) {
      throw RunFailure(e.what());
    }
    // Refuse before running anything if some step cannot run.
    for (auto& s : plan.steps) {
      const auto& rev = graph.rev(s.rev);
      if (!s.upgrade && !rev.downgrade_for(plugin.name))
        throw RunFailure(located(rev.path, rev.id_line,
                                 "revision " + rev.id + " has no '-- +downgrade' section: cannot "
                                 "downgrade through it; nothing was changed"));
    }

    auto apply_ops = [&](const std::vector<planner::VersionOp>& ops) {
      for (auto& op : ops) {
        auto r = conn->execute(vt.op_sql(op));
        if (op.kind != planner::VersionOp::Insert && r.rows_affected != 1)
          throw RunFailure("version table " + vt.qualified() + ": expected to match one row when " +
                           planner::describe(op) + "; " + std::to_string(r.rows_affected) +
                           " found (was it changed by hand while this run went on?)");
      }
    };

    if (request.action == Action::Stamp) {
      if (!in_tx) conn->begin(), in_tx = true;
      if (request.purge) conn->execute("DELETE FROM " + vt.qualified());
      std::vector<planner::VersionOp> ops;
      for (auto& op : plan.stamp_ops)
        if (!(request.purge && op.kind == planner::VersionOp::Delete)) ops.push_back(op);
      apply_ops(ops);
      conn->commit();
      in_tx = false;
      committed_rows = plan.final_rows;
      output_.info(prefix, "Stamped " + rows_text(result.from_rows) + " -> " + rows_text(plan.final_rows));
    }

    for (auto& step : plan.steps) {
      const auto& rev = graph.rev(step.rev);
      const script::Section* section = step.upgrade ? rev.upgrade_for(plugin.name) : rev.downgrade_for(plugin.name);
      const auto st = Clock::now();
      try {
        if (rev.transactional || !plugin.has(STRATA_CAP_AUTOCOMMIT)) {
          if (!in_tx) conn->begin(), in_tx = true;
          if (section) conn->execute(section->sql);
        } else {
          // Outside any transaction (e.g. CREATE INDEX CONCURRENTLY): commit
          // what came before, run the SQL on its own, then record it.
          if (in_tx) conn->commit(), in_tx = false;
          if (section) conn->execute(section->sql);
          conn->begin();
          in_tx = true;
        }
      } catch (const dialect::DialectError& e) {
        throw RunFailure(step_error(e, rev, section));
      }
      apply_ops(step.ops);
      if (!whole_run || !rev.transactional) {
        conn->commit();
        in_tx = false;
      }
      ++result.steps_done;
      output_.info(prefix, step_text(graph, step) + " (" + ms(seconds_since(st)) + ")");
    }
    if (in_tx) {
      conn->commit();
      in_tx = false;
    }
    result.to_rows = plan.final_rows;
    conn->unlock(vt.lock_key());
    locked = false;
    result.ok = true;
    result.seconds = seconds_since(t0);
    std::string summary;
    if (request.action == Action::Stamp) summary = "";
    else if (plan.steps.empty()) summary = "nothing to do: at " + rows_text(result.to_rows);
    else
      summary = std::string(request.action == Action::Upgrade ? "upgraded" : "downgraded") + " " +
                rows_text(result.from_rows) + " -> " + rows_text(result.to_rows) + ": " +
                std::to_string(plan.steps.size()) + " revision" + (plan.steps.size() == 1 ? "" : "s") +
                " in " + ms(result.seconds);
    if (!summary.empty()) output_.info(prefix, summary);
    return result;
  } catch (const RunFailure& e) {
    result.error = config::mask_passwords(e.what());
  } catch (const dialect::DialectError& e) {
    result.error = db.url.masked() + ": " + config::mask_passwords(e.what());
    if (e.status == STRATA_LOCK_TIMEOUT)
      result.error += " (another run holds the lock; raise --lock-timeout or try again)";
    if (e.status == STRATA_COMMIT_IN_DOUBT)
      result.error += " (the connection broke during COMMIT: check the version table before retrying)";
  } catch (const std::exception& e) {
    result.error = config::mask_passwords(e.what());
  }
  // Failure: roll back what is open; report the state the database is in.
  if (conn && in_tx) {
    try {
      conn->rollback();
    } catch (const std::exception&) {
    }
  }
  if (conn && locked) {
    try {
      conn->unlock(vt.lock_key());
    } catch (const std::exception&) {
    }
  }
  if (conn && request.action != Action::Current) {
    try {
      const std::string* schema = vt.schema() ? &*vt.schema() : nullptr;
      result.to_rows = conn->table_exists(schema, vt.table()) ? conn->query_column(vt.select_sql())
                                                               : std::vector<std::string>{};
    } catch (const std::exception&) {
      result.to_rows = committed_rows;
    }
  }
  result.ok = false;
  result.seconds = seconds_since(t0);
  output_.error(prefix, "error: " + result.error);
  if (conn && request.action != Action::Current)
    output_.error(prefix, result.to_rows == result.from_rows
                              ? "rolled back: database left at " + rows_text(result.to_rows)
                              : "database left at " + rows_text(result.to_rows) + " (was " +
                                    rows_text(result.from_rows) + ")");
  return result;
}

}  // namespace strata::runner
