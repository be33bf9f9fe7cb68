#include "strata/cli/cli.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "strata/cli/format.hpp"
#include "strata/config/config.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/offline.hpp"
#include "strata/runner/runner.hpp"
#include "strata/script/revision.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace strata::cli {
namespace {

constexpr const char* kUsage = "usage: strata [GLOBAL OPTIONS] COMMAND [ARGS]";

/// Global options, valid before or after the command name.
struct Globals {
  std::string config = "alembic.toml";
  std::vector<std::string> dbs;
  std::string env;
  std::string shard;
  int jobs = 0;
  bool quiet = false;
  bool verbose = false;
  bool json = false;
};

po::options_description global_options(Globals& g) {
  po::options_description d("Global options");
  d.add_options()
      ("config,c", po::value(&g.config)->value_name("PATH"), "configuration file (default: ./alembic.toml)")
      ("db", po::value(&g.dbs)->value_name("NAME")->composing(),
       "run on this database only (repeatable; default: every database in the config)")
      ("env", po::value(&g.env)->value_name("NAME"),
       "fan out to every URL of [environments.NAME] (e.g. a staging fleet)")
      ("shard", po::value(&g.shard)->value_name("K/N"),
       "run only slice K of N of the targets (a stable split, for CI matrices and job schedulers)")
      ("json", po::bool_switch(&g.json), "print one machine-readable report on stdout (for CI pipelines)")
      ("jobs,j", po::value(&g.jobs)->value_name("N"),
       "databases run at once (default: [alembic] jobs, else min(databases, 8))")
      ("quiet,q", po::bool_switch(&g.quiet), "print only results and errors")
      ("verbose,v", po::bool_switch(&g.verbose), "more detail (history -v, current -v, heads -v, ...)")
      ("help,h", "show help (strata COMMAND --help for a command)");
  return d;
}

/// Everything a command handler needs.
struct Context {
  Globals globals;
  po::variables_map vm;
  std::vector<std::string> positional;
  std::ostream& out;
  std::ostream& err;
  runner::Output output;

  Context(std::ostream& o, std::ostream& e) : out(o), err(e), output(o, e) {}

  config::Config load() const { return config::load_config(globals.config); }

  /// The databases selected with --db (all when none given), in config order.
  std::vector<const config::DatabaseConfig*> selected(const config::Config& cfg) const {
    std::vector<const config::DatabaseConfig*> out;
    if (globals.dbs.empty()) {
      for (auto& db : cfg.databases) out.push_back(&db);
      return out;
    }
    for (auto& name : globals.dbs) {
      auto* db = cfg.find_database(name);
      if (!db) {
        std::vector<std::string> names;
        for (auto& d : cfg.databases) names.push_back(d.name);
        throw UserError("--db " + name + ": no such database in " + cfg.path + " (configured: " +
                        util::join(names, ", ") + ")");
      }
      if (std::find(out.begin(), out.end(), db) == out.end()) out.push_back(db);
    }
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->line < b->line; });
    return out;
  }

  int jobs(const config::Config& cfg) const { return globals.jobs > 0 ? globals.jobs : cfg.jobs; }
  std::string prefix(const std::vector<const config::DatabaseConfig*>& dbs,
                     const config::DatabaseConfig& db) const {
    return dbs.size() > 1 ? db.name : "";
  }
};

struct Command {
  const char* name;
  const char* args;     // positional arguments, for usage
  const char* summary;
  std::function<void(po::options_description&)> options;
  std::function<int(Context&)> handler;
};

int exit_of(const std::vector<runner::TargetResult>& results) {
  for (auto& r : results)
    if (!r.ok) return static_cast<int>(ExitCode::Failure);
  return 0;
}

void report_failures(Context& ctx, const std::vector<runner::TargetResult>& results) {
  std::vector<std::string> failed;
  for (auto& r : results)
    if (!r.ok) failed.push_back(r.database);
  if (!failed.empty() && results.size() > 1)
    ctx.err << "strata: " << failed.size() << " of " << results.size()
            << " databases failed: " << util::join(failed, ", ") << "\n";
}

std::string require_one(Context& ctx, const char* what) {
  if (ctx.positional.size() != 1)
    throw UserError(std::string("expected exactly one ") + what + " (see strata COMMAND --help)");
  return ctx.positional[0];
}

// ------------------------------------------------------------ run commands

// SIGINT/SIGTERM: the first stops the run between revisions (running
// transactions finish or roll back, nothing new starts); the second exits at
// once, and the servers roll back whatever was open.
extern "C" void on_stop_signal(int) {
  static std::atomic<int> count{0};
  if (count.fetch_add(1) >= 1) _exit(static_cast<int>(ExitCode::Interrupted));
  runner::request_stop();
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

/// The targets a command runs on: selected databases, fanned out with
/// --env, sliced with --shard.
std::vector<runner::Target> targets_for(Context& ctx, const config::Config& cfg,
                                        const std::vector<const config::DatabaseConfig*>& dbs,
                                        const config::Environment** env_out) {
  const config::Environment* env = nullptr;
  if (!ctx.globals.env.empty()) {
    env = cfg.find_environment(ctx.globals.env);
    if (!env) {
      std::vector<std::string> names;
      for (auto& e : cfg.environments) names.push_back(e.name);
      throw UserError("--env " + ctx.globals.env + ": no [environments." + ctx.globals.env + "] in " + cfg.path +
                      (names.empty() ? std::string() : " (configured: " + util::join(names, ", ") + ")"));
    }
  }
  std::vector<const config::DatabaseConfig*> selected = dbs;
  if (env && ctx.globals.dbs.empty()) {
    // Without --db, an environment runs the databases it lists.
    selected.clear();
    for (auto* db : dbs)
      if (env->databases.count(db->name)) selected.push_back(db);
  }
  auto targets = runner::make_targets(cfg, selected, env);
  if (!ctx.globals.shard.empty()) {
    int k = 0, n = 0;
    char extra = 0;
    if (std::sscanf(ctx.globals.shard.c_str(), "%d/%d%c", &k, &n, &extra) != 2)
      throw UserError("--shard takes K/N (e.g. 2/8), not '" + ctx.globals.shard + "'");
    targets = runner::shard_targets(targets, k, n);
  }
  if (env_out) *env_out = env;
  return targets;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 10 ? "%.2f s" : "%.1f s", s);
  return buf;
}

/// The table printed after a run over several targets.
void print_summary(Context& ctx, const std::vector<runner::TargetResult>& results) {
  auto rows = [](const std::vector<std::string>& r) { return r.empty() ? std::string("<base>") : util::join(r, ","); };
  std::vector<std::array<std::string, 6>> lines;
  lines.push_back({"TARGET", "STATUS", "FROM", "TO", "STEPS", "TIME"});
  for (auto& r : results)
    lines.push_back({r.name, runner::to_string(r.status), r.status == runner::TargetStatus::Skipped ? "-" : rows(r.from_rows),
                     r.status == runner::TargetStatus::Skipped ? "-" : rows(r.to_rows), std::to_string(r.steps_done),
                     seconds_text(r.seconds)});
  std::array<size_t, 6> width{};
  for (auto& l : lines)
    for (size_t c = 0; c < l.size(); ++c) width[c] = std::max(width[c], l[c].size());
  std::string text;
  for (auto& l : lines) {
    std::string row;
    for (size_t c = 0; c < l.size(); ++c) {
      row += l[c];
      if (c + 1 < l.size()) row += std::string(width[c] - l[c].size() + 2, ' ');
    }
    text += row + "\n";
  }
  size_t ok = 0, failed = 0, other = 0;
  for (auto& r : results) {
    if (r.status == runner::TargetStatus::Ok) ++ok;
    else if (r.status == runner::TargetStatus::Failed) ++failed;
    else ++other;
  }
  text += std::to_string(ok) + " ok, " + std::to_string(failed) + " failed" +
          (other ? ", " + std::to_string(other) + " interrupted or skipped" : "") + "\n";
  ctx.out << "\n" << text;
}

void print_json(Context& ctx, const std::string& command, const std::vector<runner::TargetResult>& results,
                double seconds, int exit_code) {
  nlohmann::json report;
  report["command"] = command;
  report["status"] = exit_code == 0 ? "ok" : exit_code == static_cast<int>(ExitCode::Interrupted) ? "interrupted"
                                                                                                  : "failed";
  report["exit_code"] = exit_code;
  report["seconds"] = seconds;
  report["targets"] = nlohmann::json::array();
  for (auto& r : results) {
    nlohmann::json t;
    t["name"] = r.name;
    t["database"] = r.database;
    t["url"] = r.url_masked;
    t["group"] = r.group;
    t["status"] = runner::to_string(r.status);
    t["from"] = r.from_rows;
    t["to"] = r.to_rows;
    t["steps"] = nlohmann::json::array();
    for (auto& s : r.steps)
      t["steps"].push_back({{"revision", s.revision}, {"direction", s.upgrade ? "upgrade" : "downgrade"},
                            {"started", s.started}, {"seconds", s.seconds}});
    t["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
    t["mid_revision"] = r.mid_revision.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.mid_revision);
    t["seconds"] = r.seconds;
    report["targets"].push_back(t);
  }
  ctx.out << report.dump(2) << "\n";
}

int run_action(Context& ctx, runner::Request req, const std::string& command) {
  const auto t0 = std::chrono::steady_clock::now();
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  if (!req.target_by_db.empty() && req.target.empty()) {
    // Only "db=target" arguments: those databases, in config order.
    std::vector<const config::DatabaseConfig*> only;
    for (auto* db : dbs)
      if (req.target_by_db.count(db->name)) only.push_back(db);
    dbs = only;
  }
  for (auto& [name, target] : req.target_by_db)
    if (!cfg.find_database(name)) throw UserError("'" + name + "=" + target + "': no database '" + name + "' in " + cfg.path);
  const config::Environment* env = nullptr;
  auto targets = targets_for(ctx, cfg, dbs, &env);
  req.environment = env;
  ctx.output.set_quiet(ctx.globals.quiet || ctx.globals.json);
  ctx.output.set_verbose(ctx.globals.verbose);
  // On a terminal: live status lines (NO_COLOR drops the colours).
  const char* term = std::getenv("TERM");
  if (&ctx.out == &std::cout && isatty(STDOUT_FILENO) && !ctx.globals.quiet && !ctx.globals.json &&
      !(term && std::string(term) == "dumb"))
    ctx.output.set_live(true, std::getenv("NO_COLOR") == nullptr);
  dialect::PluginRegistry plugins(cfg.plugin_path);
  runner::Runner r(cfg, plugins, ctx.output);
  install_stop_handlers();
  auto results = r.run(targets, req, ctx.jobs(cfg));
  ctx.output.finish();
  int code = exit_of(results);
  for (auto& res : results)
    if (res.status == runner::TargetStatus::Interrupted || (runner::stop_requested() && !res.ok))
      code = static_cast<int>(ExitCode::Interrupted);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (ctx.globals.json) {
    print_json(ctx, command, results, seconds, code);
  } else {
    if (results.size() > 1 && !ctx.globals.quiet) print_summary(ctx, results);
    report_failures(ctx, results);
  }
  return code;
}

double lock_timeout(const Context& ctx) {
  return ctx.vm.count("lock-timeout") ? ctx.vm["lock-timeout"].as<double>() : -1;
}

void add_lock_timeout(po::options_description& d) {
  d.add_options()("lock-timeout", po::value<double>()->value_name("SECONDS"),
                  "wait at most this long for another run on the same database (default: no limit)");
}

bool flag(const Context& ctx, const char* name) { return ctx.vm.count(name) && ctx.vm[name].as<bool>(); }

void add_offline_options(po::options_description& d) {
  d.add_options()
      ("sql", po::bool_switch(), "write the SQL script instead of running it (offline mode; TARGET may be START:END)")
      ("tag", po::value<std::string>()->value_name("TAG"), "with --sql: a tag recorded in the script's header")
      ("output-dir", po::value<std::string>()->value_name("DIR"),
       "with --sql: write one <database>.sql per database into DIR instead of stdout");
}

void add_run_options(po::options_description& d) {
  add_lock_timeout(d);
  d.add_options()
      ("resume", po::bool_switch(),
       "continue a revision a failure left half-applied, at the statement that did not complete")
      ("fail-fast", po::bool_switch(), "after the first failed target, start no more (running ones finish)")
      ("wait-timeout", po::value<double>()->value_name("SECONDS"),
       "retry connecting to a database that is not up yet, with backoff, this long");
  add_offline_options(d);
}

/// --sql: render each selected database's script; nothing connects.
int run_offline(Context& ctx, runner::OfflineRequest req) {
  if (ctx.vm.count("tag")) req.tag = ctx.vm["tag"].as<std::string>();
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  // --env/--shard select targets as online; each target gets its script.
  auto targets = targets_for(ctx, cfg, dbs, nullptr);
  std::vector<const config::DatabaseConfig*> used;
  for (auto& t : targets) used.push_back(t.db);
  auto chains = runner::load_chains(used);
  dialect::PluginRegistry plugins(cfg.plugin_path);
  auto render = [&](const runner::Target& t, std::ostream& os) {
    const dialect::Plugin* plugin;
    try {
      plugin = &plugins.get(t.url.dialect);
    } catch (const dialect::PluginError& e) {
      throw UserError("database '" + t.name + "' (" + t.url.masked() + "): " + e.what());
    }
    try {
      runner::render_offline(cfg, t, *chains[t.db->location], *plugin, req, os);
    } catch (const UserError& e) {
      throw UserError(targets.size() > 1 ? t.name + ": " + e.what() : std::string(e.what()));
    }
  };
  if (ctx.vm.count("output-dir")) {
    fs::path dir = ctx.vm["output-dir"].as<std::string>();
    fs::create_directories(dir);
    for (auto& t : targets) {
      // main.sql, or main.0.sql, main.1.sql ... for a fan-out's targets.
      std::string base = t.name;
      if (auto br = base.find('['); br != std::string::npos)
        base = base.substr(0, br) + "." + base.substr(br + 1, base.size() - br - 2);
      fs::path file = dir / (base + ".sql");
      std::ofstream f(file);
      render(t, f);
      f.close();
      if (!f) throw UserError(file.string() + ": cannot write");
      if (!ctx.globals.quiet) ctx.err << "wrote " << file.string() << "\n";
    }
    return 0;
  }
  if (targets.size() == 1) {
    render(targets[0], ctx.out);  // streamed: large scripts are never held whole
    return 0;
  }
  // Several targets on stdout: every script is rendered before any is
  // printed, so an error leaves no partial output.
  std::vector<std::string> scripts;
  for (auto& t : targets) {
    std::ostringstream os;
    render(t, os);
    scripts.push_back(os.str());
  }
  for (size_t k = 0; k < targets.size(); ++k)
    ctx.out << "-- ==================== database: " << targets[k].name << " (" << targets[k].url.dialect
            << ") ====================\n\n"
            << scripts[k];
  return 0;
}


/// Upgrade/downgrade targets: "head" for every selected database, and/or
/// "db=target" for one database ("main=head analytics=ae10").
void parse_targets(Context& ctx, runner::Request& req, const char* what) {
  if (ctx.positional.empty()) throw UserError(std::string("expected a target revision (") + what + ")");
  for (auto& arg : ctx.positional) {
    auto eq = arg.find('=');
    if (eq != std::string::npos && eq > 0) {
      std::string db = arg.substr(0, eq), target = arg.substr(eq + 1);
      if (target.empty()) throw UserError("'" + arg + "': no target after '='");
      if (!req.target_by_db.emplace(db, target).second) throw UserError("database '" + db + "' is given two targets");
      continue;
    }
    if (!req.target.empty())
      throw UserError("several targets ('" + req.target + "', '" + arg +
                      "'): give one for every database, and DB=TARGET for the others");
    req.target = arg;
  }
  if (req.target.find(':') != std::string::npos)
    throw UserError("a START:END range is only valid with --sql");
}

void run_flags(Context& ctx, runner::Request& req) {
  req.lock_timeout_seconds = lock_timeout(ctx);
  req.resume = flag(ctx, "resume");
  req.fail_fast = flag(ctx, "fail-fast");
  req.wait_timeout_seconds = ctx.vm.count("wait-timeout") ? ctx.vm["wait-timeout"].as<double>() : 0;
}

int cmd_upgrade(Context& ctx) {
  if (flag(ctx, "sql")) {
    if (flag(ctx, "resume")) throw UserError("--resume cannot be combined with --sql");
    runner::OfflineRequest off;
    off.action = runner::Action::Upgrade;
    std::tie(off.start, off.end) = runner::split_range(require_one(ctx, "target revision (e.g. head or START:END)"));
    return run_offline(ctx, off);
  }
  runner::Request req;
  req.action = runner::Action::Upgrade;
  parse_targets(ctx, req, "e.g. head, or main=head analytics=ae10");
  run_flags(ctx, req);
  return run_action(ctx, req, "upgrade");
}

int cmd_downgrade(Context& ctx) {
  if (flag(ctx, "sql")) {
    if (flag(ctx, "resume")) throw UserError("--resume cannot be combined with --sql");
    runner::OfflineRequest off;
    off.action = runner::Action::Downgrade;
    std::tie(off.start, off.end) = runner::split_range(require_one(ctx, "START:END range (e.g. head:base)"));
    return run_offline(ctx, off);
  }
  runner::Request req;
  req.action = runner::Action::Downgrade;
  parse_targets(ctx, req, "e.g. -1, base, or analytics=-1");
  run_flags(ctx, req);
  return run_action(ctx, req, "downgrade");
}

int cmd_resolve(Context& ctx) {
  std::string how = require_one(ctx, "'applied' or 'reverted'");
  if (how != "applied" && how != "reverted")
    throw UserError("resolve takes 'applied' (you completed the revision by hand) or 'reverted' (you undid "
                    "what it had done), not '" + how + "'");
  runner::Request req;
  req.action = runner::Action::Resolve;
  req.resolve_applied = how == "applied";
  req.lock_timeout_seconds = lock_timeout(ctx);
  return run_action(ctx, req, "resolve");
}

int cmd_stamp(Context& ctx) {
  runner::Request req;
  req.action = runner::Action::Stamp;
  if (ctx.positional.empty()) throw UserError("stamp needs at least one revision (e.g. head)");
  if (flag(ctx, "sql")) {
    if (flag(ctx, "purge")) throw UserError("--purge cannot be combined with --sql");
    runner::OfflineRequest off;
    off.action = runner::Action::Stamp;
    for (auto& t : ctx.positional) {
      auto [start, end] = runner::split_range(t);
      if (!start.empty()) {
        if (!off.start.empty() && off.start != start)
          throw UserError("stamp --sql: all START:END ranges must share one START");
        off.start = start;
      }
      off.stamp_targets.push_back(end);
    }
    return run_offline(ctx, off);
  }
  req.stamp_targets = ctx.positional;
  req.purge = flag(ctx, "purge");
  req.lock_timeout_seconds = lock_timeout(ctx);
  req.fail_fast = flag(ctx, "fail-fast");
  return run_action(ctx, req, "stamp");
}

int cmd_current(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("current takes no arguments");
  const bool check_heads = flag(ctx, "check-heads");
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  const config::Environment* env = nullptr;
  auto targets = targets_for(ctx, cfg, dbs, &env);
  ctx.output.set_quiet(ctx.globals.quiet);
  ctx.output.set_verbose(ctx.globals.verbose);
  dialect::PluginRegistry plugins(cfg.plugin_path);
  runner::Runner r(cfg, plugins, ctx.output);
  runner::Request req;
  req.action = runner::Action::Current;
  req.environment = env;
  auto results = r.run(targets, req, ctx.jobs(cfg));
  int status = 0;
  // Printed after every target answered, in order.
  for (size_t k = 0; k < targets.size(); ++k) {
    auto& res = results[k];
    const auto& db = *targets[k].db;
    if (!res.ok) {
      status = static_cast<int>(ExitCode::Failure);
      continue;
    }
    const auto chain = r.chain(db.location);
    const auto& g = *chain->graph;
    const std::string prefix = targets.size() > 1 ? targets[k].name : "";
    if (ctx.globals.verbose && !ctx.globals.json)
      ctx.output.result(prefix, "Current revision(s) for " + res.url_masked + ":");
    try {
      for (auto i : g.current_tips(res.from_rows, db.name))
        if (!ctx.globals.json)
          ctx.output.result(prefix, ctx.globals.verbose ? verbose_entry(g, i) : line(g, i, LineParts{}));
    } catch (const UserError& e) {
      ctx.output.error(prefix, std::string("error: ") + e.what());
      res.ok = false;
      res.status = runner::TargetStatus::Failed;
      res.error = e.what();
      status = static_cast<int>(ExitCode::Failure);
      continue;
    }
    if (check_heads) {
      std::set<std::string> rows(res.from_rows.begin(), res.from_rows.end());
      std::vector<std::string> missing;
      for (auto h : g.heads())
        if (!rows.count(g.id(h))) missing.push_back(g.id(h));
      if (!missing.empty()) {
        std::string msg = "not at head: missing " + util::join(missing, ", ") +
                          (g.heads().size() > 1 ? " (the chain has " + std::to_string(g.heads().size()) +
                                                      " heads; merge them with 'strata merge heads')"
                                                : "");
        ctx.output.error(prefix, "error: " + msg);
        res.ok = false;
        res.status = runner::TargetStatus::Failed;
        res.error = msg;
        status = static_cast<int>(ExitCode::Failure);
      }
    }
  }
  if (ctx.globals.json) print_json(ctx, "current", results, 0, status);
  else report_failures(ctx, results);
  return status;
}

// -------------------------------------------------------- offline commands

/// Runs `fn` for every selected database's chain, prefixing output lines
/// with the database name when several are selected.
int for_each_chain(Context& ctx,
                   const std::function<void(const config::DatabaseConfig&, const runner::Chain&,
                                            const std::string& prefix)>& fn) {
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  auto chains = runner::load_chains(dbs);
  for (auto* db : dbs) fn(*db, *chains[db->location], ctx.prefix(dbs, *db));
  // The process ends with this command: freeing 100k revisions one by one
  // would only delay the exit.
  for (auto& [location, chain] : chains) runner::keep_until_exit(chain);
  return 0;
}

std::vector<std::string> current_row_list(Context& ctx, const config::DatabaseConfig& db) {
  auto cfg = ctx.load();
  dialect::PluginRegistry plugins(cfg.plugin_path);
  std::ostringstream sink;
  runner::Output quiet(sink, ctx.err);
  runner::Runner r(cfg, plugins, quiet);
  runner::Request req;
  req.action = runner::Action::Current;
  auto results = r.run({&db}, req, 1);
  if (!results[0].ok) throw DatabaseError("cannot read the current revision of '" + db.name + "'");
  return results[0].from_rows;
}

int cmd_history(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("history takes no positional arguments; use -r START:END");
  std::string range = ctx.vm.count("rev-range") ? ctx.vm["rev-range"].as<std::string>() : "";
  bool indicate = ctx.vm.count("indicate-current") && ctx.vm["indicate-current"].as<bool>();
  std::string start, end;
  if (!range.empty()) {
    auto colon = range.find(':');
    if (colon == std::string::npos)
      throw UserError("History range requires [start]:[end], [start]:, or :[end]");
    start = range.substr(0, colon);
    end = range.substr(colon + 1);
  }
  return for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                                 const std::string& prefix) {
    const auto& g = *chain.graph;
    std::vector<std::string> rows;
    if (indicate || start == "current" || end == "current") rows = current_row_list(ctx, db);
    std::set<std::string> current;
    if (indicate) current.insert(rows.begin(), rows.end());
    LineParts parts;
    parts.parents = parts.branches = parts.doc = true;
    auto order = g.walk(start, end, rows);
    if (flag(ctx, "graph")) {
      for (auto& l : graph_lines(g, order, current)) ctx.output.result(prefix, l);
      return;
    }
    for (auto i : order) {
      if (ctx.globals.verbose) ctx.output.result(prefix, verbose_entry(g, i, current));
      else ctx.output.result(prefix, line(g, i, parts, current));
    }
  });
}

int cmd_graph(Context& ctx) {
  std::string format = ctx.vm.count("format") ? ctx.vm["format"].as<std::string>() : "text";
  if (format != "text" && format != "dot") throw UserError("graph --format takes text or dot, not '" + format + "'");
  return for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                                 const std::string& prefix) {
    const auto& g = *chain.graph;
    if (format == "dot") {
      // Unprefixed: one digraph per database, a file `dot` reads as is.
      ctx.out << dot_graph(g, db.name);
      return;
    }
    for (auto& l : graph_lines(g, g.walk("", ""))) ctx.output.result(prefix, l);
  });
}

int cmd_heads(Context& ctx) {
  bool resolve_deps = ctx.vm.count("resolve-dependencies") && ctx.vm["resolve-dependencies"].as<bool>();
  return for_each_chain(ctx, [&](const config::DatabaseConfig&, const runner::Chain& chain,
                                 const std::string& prefix) {
    const auto& g = *chain.graph;
    LineParts parts;
    parts.branches = true;
    parts.tree = false;
    auto heads = resolve_deps ? g.real_heads() : g.heads();
    for (auto h : heads) ctx.output.result(prefix, ctx.globals.verbose ? verbose_entry(g, h) : line(g, h, parts));
    // Several heads break 'upgrade head' deploys: say so where it is seen.
    if (heads.size() > 1)
      ctx.output.error(prefix, "note: " + std::to_string(heads.size()) +
                                   " heads; 'upgrade head' will refuse until they are merged ('strata merge heads "
                                   "-m ...') or targeted one by one ('LABEL@head', 'heads')");
  });
}

int cmd_branches(Context& ctx) {
  return for_each_chain(ctx, [&](const config::DatabaseConfig&, const runner::Chain& chain,
                                 const std::string& prefix) {
    const auto& g = *chain.graph;
    LineParts parts;
    parts.branches = true;
    LineParts child_parts;
    child_parts.branches = true;
    child_parts.doc = ctx.globals.verbose;
    for (auto i : g.walk("", "")) {
      if (!g.is_branch_point(i)) continue;
      std::string text = ctx.globals.verbose ? verbose_entry(g, i) : line(g, i, parts);
      std::string pad(g.id(i).size(), ' ');
      for (auto c : g.node(i).children) text += "\n" + pad + " -> " + line(g, c, child_parts);
      ctx.output.result(prefix, text + "\n");
    }
  });
}

int cmd_show(Context& ctx) {
  if (ctx.positional.empty()) throw UserError("show needs a revision (id, prefix, head, label)");
  return for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                                 const std::string& prefix) {
    const auto& g = *chain.graph;
    for (auto& rev : ctx.positional) {
      if (rev == "current") {
        for (auto& r : current_row_list(ctx, db))
          if (auto i = g.find(r)) ctx.output.result(prefix, verbose_entry(g, *i));
        continue;
      }
      for (auto i : g.get_revisions(rev)) ctx.output.result(prefix, verbose_entry(g, i));
    }
  });
}

/// The one database `revision`/`merge` write to.
const config::DatabaseConfig& single_db(Context& ctx, const config::Config& cfg, const char* cmd) {
  auto dbs = ctx.selected(cfg);
  if (dbs.size() != 1) {
    std::vector<std::string> names;
    for (auto* d : dbs) names.push_back(d->name);
    throw UserError(std::string(cmd) + ": several databases are configured (" + util::join(names, ", ") +
                    "); pick the chain with --db NAME");
  }
  return *dbs[0];
}

std::string write_revision(Context& ctx, const std::string& folder, const script::NewRevision& rev) {
  fs::create_directories(folder);
  fs::path path = fs::path(folder) / script::revision_file_name(rev);
  if (fs::exists(path)) throw UserError(path.string() + ": already exists");
  std::ofstream f(path);
  f << script::render_revision(rev);
  f.close();
  if (!f) throw UserError(path.string() + ": cannot write");
  // Read it back: what was written must parse.
  script::parse_revision(util::read_file(path.string()), path.string());
  ctx.out << "Generating " << path.string() << " ...  done\n";
  return path.string();
}

std::string new_id(Context& ctx, const planner::RevisionGraph& g) {
  std::string id = ctx.vm.count("rev-id") ? ctx.vm["rev-id"].as<std::string>() : util::random_revision_id();
  if (id.empty() || id.size() > 32 || id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
    throw UserError("--rev-id '" + id + "' is not a valid revision id (1-32 letters, digits or '_')");
  if (g.find(id)) throw UserError("Revision " + id + " is already present in " + g.location());
  return id;
}

std::vector<std::string> multi(const Context& ctx, const char* name) {
  std::vector<std::string> out;
  if (ctx.vm.count(name))
    for (auto& v : ctx.vm[name].as<std::vector<std::string>>())
      for (auto& part : util::split_list(v)) out.push_back(part);
  return out;
}

int cmd_revision(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("revision takes no positional arguments (use -m MESSAGE)");
  auto cfg = ctx.load();
  const auto& db = single_db(ctx, cfg, "revision");
  auto chain = runner::load_chain(db.location);
  const auto& g = *chain->graph;
  script::NewRevision rev;
  rev.id = new_id(ctx, g);
  rev.message = ctx.vm.count("message") ? ctx.vm["message"].as<std::string>() : "";
  std::string head = ctx.vm.count("head") ? ctx.vm["head"].as<std::string>() : "head";
  bool splice = ctx.vm.count("splice") && ctx.vm["splice"].as<bool>();
  rev.branch_labels = multi(ctx, "branch-label");
  for (auto& label : rev.branch_labels)
    if (g.labelled(label) || g.find(label))
      throw UserError("Branch name '" + label + "' in revision " + rev.id + " already used by revision " +
                      (g.labelled(label) ? g.id(*g.labelled(label)) : label));
  if (head == "base") {
    // A new base: a second root in the chain.
  } else if (head == "head" && g.heads().size() > 1) {
    throw UserError("Multiple heads are present; please specify the head revision on which the "
                    "new revision should be based (--head), or perform a merge ('strata merge heads')");
  } else {
    for (auto p : g.get_revisions(head)) {
      if (!g.node(p).children.empty() && !splice)
        throw UserError("Revision " + g.id(p) +
                        " is not a head revision; please specify --splice to create a new "
                        "branch from this revision");
      rev.down_revisions.push_back(g.id(p));
    }
  }
  for (auto& d : multi(ctx, "depends-on")) {
    // Alembic stores a dependency's full id; a branch label stays a label.
    if (g.labelled(d)) rev.depends_on.push_back(d);
    else if (auto r = g.get_revision(d)) rev.depends_on.push_back(g.id(*r));
    else throw UserError("--depends-on " + d + " names no revision");
  }
  rev.upgrade_sql = "";
  rev.downgrade_sql = "";
  std::string folder = ctx.vm.count("version-path") ? ctx.vm["version-path"].as<std::string>() : db.location;
  write_revision(ctx, folder, rev);
  return 0;
}

int cmd_merge(Context& ctx) {
  if (ctx.positional.empty()) throw UserError("merge needs the revisions to merge (e.g. heads)");
  auto cfg = ctx.load();
  const auto& db = single_db(ctx, cfg, "merge");
  auto chain = runner::load_chain(db.location);
  const auto& g = *chain->graph;
  script::NewRevision rev;
  rev.id = new_id(ctx, g);
  rev.message = ctx.vm.count("message") ? ctx.vm["message"].as<std::string>() : "";
  rev.branch_labels = multi(ctx, "branch-label");
  for (auto& t : ctx.positional)
    for (auto p : g.get_revisions(t))
      if (std::find(rev.down_revisions.begin(), rev.down_revisions.end(), g.id(p)) == rev.down_revisions.end())
        rev.down_revisions.push_back(g.id(p));
  if (rev.down_revisions.size() < 2)
    throw UserError("merge needs at least two revisions to merge; got " +
                    (rev.down_revisions.empty() ? std::string("none") : util::join(rev.down_revisions, ", ")));
  write_revision(ctx, db.location, rev);
  return 0;
}

const char* kExampleToml = R"(# Strata configuration (Alembic-compatible names).
[alembic]
version_locations = ["%DIR%/main"]
# version_table = "alembic_version"
# version_table_schema = "public"
# transaction_per_migration = false
# jobs = 4
# plugin_path = ["/opt/strata/plugins"]

[databases.main]
url = "${DATABASE_URL:-sqlite:///main.db}"
# location = "%DIR%/main"   # default: the version location named like the database
)";

int cmd_init(Context& ctx) {
  std::string dir = require_one(ctx, "folder for the revision chains (e.g. migrations)");
  fs::path folder(dir);
  if (fs::exists(folder) && !fs::is_empty(folder))
    throw UserError("Directory " + dir + " already exists and is not empty");
  fs::path toml = fs::path(ctx.globals.config);
  if (fs::exists(toml)) throw UserError(toml.string() + " already exists; not overwriting it");
  fs::create_directories(folder / "main");
  std::ofstream readme(folder / "main" / "README");
  readme << "Revision files of the 'main' database. Create one with:\n"
            "  strata revision -m \"create users table\"\n";
  std::string text = kExampleToml;
  // The config's relative paths resolve against its own folder.
  std::string rel = fs::relative(fs::absolute(folder), fs::absolute(toml).parent_path()).string();
  for (size_t p; (p = text.find("%DIR%")) != std::string::npos;) text.replace(p, 5, rel);
  std::ofstream(toml) << text;
  ctx.out << "Creating directory " << (folder / "main").string() << " ...  done\n";
  ctx.out << "Generating " << toml.string() << " ...  done\n";
  ctx.out << "Please edit the database URLs in " << toml.string() << " before proceeding.\n";
  return 0;
}

// ------------------------------------------------------------- the table

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"init", "DIR", "Create a new alembic.toml and a revision folder in DIR.", nullptr, cmd_init},
      {"revision", "", "Create a new revision file.",
       [](po::options_description& d) {
         d.add_options()
             ("message,m", po::value<std::string>()->value_name("MSG"), "message (also names the file)")
             ("rev-id", po::value<std::string>()->value_name("ID"), "revision id to use instead of a random one")
             ("head", po::value<std::string>()->value_name("REV"), "revision to base the new one on (default: head; 'base' starts a new root)")
             ("branch-label", po::value<std::vector<std::string>>()->value_name("LABEL")->composing(), "branch label for the new revision (repeatable)")
             ("depends-on", po::value<std::vector<std::string>>()->value_name("REV")->composing(), "revision the new one depends on (repeatable)")
             ("splice", po::bool_switch(), "allow --head to name a non-head revision (starts a branch)")
             ("version-path", po::value<std::string>()->value_name("DIR"), "folder to write the file to (default: the database's location)");
       },
       cmd_revision},
      {"upgrade", "TARGET", "Upgrade to a later revision (head, heads, ID, +N, LABEL@head).",
       add_run_options, cmd_upgrade},
      {"downgrade", "TARGET", "Revert to an earlier revision (-1, ID, base).", add_run_options,
       cmd_downgrade},
      {"current", "", "Show the current revision(s) of each database.",
       [](po::options_description& d) {
         d.add_options()("check-heads", po::bool_switch(), "exit 1 unless every database is at all heads");
       },
       cmd_current},
      {"history", "", "List revisions, newest first.",
       [](po::options_description& d) {
         d.add_options()
             ("rev-range,r", po::value<std::string>()->value_name("START:END"), "only revisions in this range (current allowed)")
             ("indicate-current,i", po::bool_switch(), "mark the databases' current revisions")
             ("graph", po::bool_switch(), "draw branches and merges as a text graph");
       },
       cmd_history},
      {"heads", "", "Show the head revisions of each chain.",
       [](po::options_description& d) {
         d.add_options()("resolve-dependencies", po::bool_switch(), "treat Depends On as Revises");
       },
       cmd_heads},
      {"branches", "", "Show branch points.", nullptr, cmd_branches},
      {"graph", "", "Draw the revision graph (text, or Graphviz with --format dot).",
       [](po::options_description& d) {
         d.add_options()("format", po::value<std::string>()->value_name("text|dot"), "output format (default text)");
       },
       cmd_graph},
      {"show", "REV", "Show one revision in detail.", nullptr, cmd_show},
      {"stamp", "REV...", "Set the version table to REV without running any SQL.",
       [](po::options_description& d) {
         d.add_options()("purge", po::bool_switch(), "empty the version table first (ignores unknown ids)");
         add_lock_timeout(d);
         add_offline_options(d);
       },
       cmd_stamp},
      {"resolve", "applied|reverted",
       "Settle a revision a failure left half-applied: record it as done, or forget it.", add_lock_timeout,
       cmd_resolve},
      {"merge", "REV...", "Create a revision that merges REV... (e.g. heads).",
       [](po::options_description& d) {
         d.add_options()
             ("message,m", po::value<std::string>()->value_name("MSG"), "message")
             ("rev-id", po::value<std::string>()->value_name("ID"), "revision id to use")
             ("branch-label", po::value<std::vector<std::string>>()->value_name("LABEL")->composing(), "branch label");
       },
       cmd_merge},
  };
  return table;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void print_main_help(std::ostream& out, const po::options_description& globals) {
  out << kUsage << "\n\n"
      << "Strata runs Alembic-style revision chains against several databases at once.\n\n"
      << "Commands:\n";
  for (auto& c : commands()) {
    std::string head = std::string("  ") + c.name;
    out << head << std::string(head.size() < 14 ? 14 - head.size() : 1, ' ') << c.summary << "\n";
  }
  out << "\n" << globals << "\n"
      << "Exit status: 0 success, 1 a database or migration failed, 2 usage, config or script error.\n";
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Context ctx(out, err);
  auto globals = global_options(ctx.globals);
  try {
    // Find the command name: the first argument that is neither an option
    // nor the value of a global option that takes one.
    size_t cmd_pos = args.size();
    for (size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      if (a == "--") break;
      if (a.empty() || a[0] != '-') {
        cmd_pos = i;
        break;
      }
      bool takes_value = a == "-c" || a == "--config" || a == "--db" || a == "-j" || a == "--jobs" ||
                         a == "--env" || a == "--shard";
      if (takes_value) ++i;
    }
    if (cmd_pos == args.size()) {
      std::vector<std::string> before(args.begin(), args.end());
      po::variables_map vm;
      po::store(po::command_line_parser(before).options(globals).run(), vm);
      print_main_help(vm.count("help") ? out : err, globals);
      return vm.count("help") ? 0 : static_cast<int>(ExitCode::Usage);
    }
    const std::string name = args[cmd_pos];
    const Command* cmd = nullptr;
    for (auto& c : commands())
      if (name == c.name) cmd = &c;
    if (!cmd) {
      std::string best;
      size_t best_d = 3;
      for (auto& c : commands())
        if (auto d = edit_distance(name, c.name); d < best_d) best_d = d, best = c.name;
      throw UserError("unknown command '" + name + "'" +
                      (best.empty() ? "" : "; did you mean '" + best + "'?") +
                      " (strata --help lists the commands)");
    }
    po::options_description own(std::string("Options of ") + cmd->name);
    if (cmd->options) cmd->options(own);
    po::options_description all;
    all.add(own).add(globals);
    all.add_options()("positional", po::value<std::vector<std::string>>(&ctx.positional));
    po::positional_options_description pos;
    pos.add("positional", -1);
    std::vector<std::string> rest(args.begin(), args.begin() + cmd_pos);
    rest.insert(rest.end(), args.begin() + cmd_pos + 1, args.end());
    // Relative targets such as -1 look like options: "strata downgrade -1".
    po::store(po::command_line_parser(rest)
                  .options(all)
                  .positional(pos)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .extra_style_parser([](std::vector<std::string>& a) {
                    std::vector<po::option> result;
                    if (!a.empty() && a[0].size() > 1 && a[0][0] == '-' &&
                        std::isdigit(static_cast<unsigned char>(a[0][1]))) {
                      po::option o;
                      o.string_key = "positional";
                      o.value.push_back(a[0]);
                      o.original_tokens.push_back(a[0]);
                      o.position_key = 0;
                      result.push_back(o);
                      a.erase(a.begin());
                    }
                    return result;
                  })
                  .run(),
              ctx.vm);
    po::notify(ctx.vm);
    if (ctx.vm.count("help")) {
      out << "usage: strata " << cmd->name << (cmd->options ? " [OPTIONS]" : "")
          << (*cmd->args ? std::string(" ") + cmd->args : "") << "\n\n"
          << cmd->summary << "\n\n";
      if (cmd->options) out << own << "\n";
      out << globals << "\n";
      return 0;
    }
    if (ctx.globals.jobs < 0) throw UserError("-j/--jobs must be at least 1");
    return cmd->handler(ctx);
  } catch (const po::error& e) {
    err << "strata: error: " << e.what() << "\n" << kUsage << " (strata --help)\n";
    return static_cast<int>(ExitCode::Usage);
  } catch (const UserError& e) {
    err << "strata: error: " << config::mask_passwords(e.what()) << "\n";
    return static_cast<int>(ExitCode::Usage);
  } catch (const dialect::PluginError& e) {
    err << "strata: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::Usage);
  } catch (const DatabaseError& e) {
    err << "strata: error: " << config::mask_passwords(e.what()) << "\n";
    return static_cast<int>(ExitCode::Failure);
  } catch (const std::exception& e) {
    err << "strata: error: " << config::mask_passwords(e.what()) << "\n";
    return static_cast<int>(ExitCode::Failure);
  }
}

}  // namespace strata::cli
