// Commands that run against databases: upgrade, downgrade, stamp, resolve,
// current; their summary, JSON report and offline (--sql) scripts.
#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "context.hpp"
#include "strata/cli/format.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/offline.hpp"

namespace fs = std::filesystem;

namespace strata::cli {
namespace {

constexpr long kMaxShards = 1000000;  ///< --shard K/N: largest N

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
      if (env->databases.count(db->name) || env->errors.count(db->name)) selected.push_back(db);
  }
  auto targets = runner::make_targets(cfg, selected, env);
  if (!ctx.globals.shard.empty()) {
    const std::string& text = ctx.globals.shard;
    const auto slash = text.find('/');
    if (slash == std::string::npos)
      throw UserError("--shard takes K/N (slice K of N, 1 <= K <= N <= " + std::to_string(kMaxShards) +
                      ", e.g. 2/8), not '" + text + "'");
    const long n = config::parse_count(text.substr(slash + 1), "--shard K/N: N", 1, kMaxShards);
    const long k = config::parse_count(text.substr(0, slash), "--shard K/N: K", 1, n);
    const size_t all = targets.size();
    targets = runner::shard_targets(targets, static_cast<int>(k), static_cast<int>(n));
    // A CI matrix job whose slice is empty says so instead of passing silently.
    if (targets.empty())
      ctx.err << "strata: --shard " << text << ": no target falls in this slice (" << all
              << " target" << (all == 1 ? "" : "s") << " in all); nothing to do\n";
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
    // "-" where nothing was read: never connected, or stopped before.
    lines.push_back({r.name, runner::to_string(outcome(r)), r.rows_read ? rows(r.from_rows) : "-",
                     r.rows_read ? rows(r.to_rows) : "-", std::to_string(r.steps_done), seconds_text(r.seconds)});
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
  size_t ok = 0, failed = 0, interrupted = 0, skipped = 0;
  for (auto& r : results) {
    switch (outcome(r)) {
      case runner::TargetStatus::Ok: ++ok; break;
      case runner::TargetStatus::Failed: ++failed; break;
      case runner::TargetStatus::Interrupted: ++interrupted; break;
      case runner::TargetStatus::Skipped: ++skipped; break;
    }
  }
  text += std::to_string(ok) + " ok, " + std::to_string(failed) + " failed" +
          (interrupted ? ", " + std::to_string(interrupted) + " interrupted" : "") +
          (skipped ? ", " + std::to_string(skipped) + " skipped" : "") + "\n";
  ctx.out << "\n" << text;
}

/// The --json report of a run (README "--json").
nlohmann::json run_report(const std::string& command, const std::vector<runner::TargetResult>& results,
                          double seconds, int exit_code,
                          const std::vector<std::pair<std::string, std::string>>& not_touched = {}) {
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
    t["from"] = r.rows_read ? nlohmann::json(r.from_rows) : nlohmann::json(nullptr);
    t["to"] = r.rows_read ? nlohmann::json(r.to_rows) : nlohmann::json(nullptr);
    t["steps"] = nlohmann::json::array();
    for (auto& s : r.steps)
      t["steps"].push_back({{"revision", s.revision}, {"direction", s.upgrade ? "upgrade" : "downgrade"},
                            {"started", s.started}, {"seconds", s.seconds}});
    t["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(runner::shorten(r.error));
    t["mid_revision"] = r.mid_revision.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.mid_revision);
    t["seconds"] = r.seconds;
    report["targets"].push_back(t);
  }
  report["not_touched"] = nlohmann::json::array();
  for (auto& [db, why] : not_touched) report["not_touched"].push_back({{"database", db}, {"reason", why}});
  return report;
}

/// The databases a target naming revisions applies to: a revision id or
/// label given once for several databases belongs to one chain, and only
/// that database moves. Databases with their own DB=TARGET keep it. Throws
/// UserError (nothing touched) when the names are in no chain or in several.
std::vector<const config::DatabaseConfig*> databases_for_names(
    const std::vector<const config::DatabaseConfig*>& dbs, const runner::Request& req, runner::Runner& r,
    std::vector<std::pair<std::string, std::string>>& not_touched) {
  std::vector<std::string> given = req.action == runner::Action::Stamp ? req.stamp_targets
                                                                        : std::vector<std::string>{req.target};
  std::vector<const config::DatabaseConfig*> shared;  // the databases the global target is for
  for (auto* db : dbs)
    if (!req.target_by_db.count(db->name)) shared.push_back(db);
  auto chain_of = [&](const config::DatabaseConfig& db) -> const runner::Chain& { return *r.chain(db.location); };
  // DB=TARGET pairs: the target must resolve in that database's chain.
  for (auto& [name, target] : req.target_by_db) {
    for (auto* db : dbs) {
      if (db->name != name) continue;
      try {
        databases_naming({db}, {target}, chain_of, nullptr);
      } catch (const UserError& e) {
        throw UserError("'" + name + "=" + target + "': " + e.what());
      }
    }
  }
  if (req.target.empty() && req.action != runner::Action::Stamp) return dbs;
  auto named = databases_naming(shared, given, chain_of, &not_touched);
  std::vector<const config::DatabaseConfig*> out;
  for (auto* db : dbs)
    if (req.target_by_db.count(db->name) || std::find(named.begin(), named.end(), db) != named.end())
      out.push_back(db);
  return out;
}

/// A downgrade can lose data: one that would move several databases (or a
/// fleet) with one target must name them. Throws UserError with the
/// commands to run instead.
void check_downgrade_is_named(const Context& ctx, const runner::Request& req,
                              const std::vector<const config::DatabaseConfig*>& dbs,
                              const std::vector<runner::Target>& targets) {
  if (req.action != runner::Action::Downgrade || !ctx.globals.dbs.empty() || req.target.empty()) return;
  std::vector<std::string> moved;  // databases the one target moves
  size_t moved_targets = 0;
  for (auto* db : dbs)
    if (!req.target_by_db.count(db->name)) moved.push_back(db->name);
  for (auto& t : targets)
    if (!req.target_by_db.count(t.db->name)) ++moved_targets;
  if (moved_targets < 2) return;
  std::string text = "downgrade " + req.target + " would move " +
                     (moved.size() > 1 ? std::to_string(moved.size()) + " databases (" + util::join(moved, ", ") + ")"
                                       : std::to_string(moved_targets) + " targets of " + moved[0]) +
                     (ctx.globals.env.empty() ? "" : " in environment " + ctx.globals.env) +
                     "; a downgrade can lose data, so it names its databases. Nothing was changed. Run:";
  const std::string env = ctx.globals.env.empty() ? "" : "--env " + ctx.globals.env + " ";
  for (auto& db : moved) text += "\n  strata " + env + "--db " + db + " downgrade " + req.target;
  if (moved.size() > 1) {
    text += "\n  strata " + env + "downgrade";
    for (auto& db : moved) text += " " + db + "=" + req.target;
  }
  throw UserError(text);
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
  dialect::PluginRegistry plugins(cfg.plugin_path);
  runner::Runner r(cfg, plugins, ctx.output);
  const size_t given_databases = dbs.size();
  // Every database's target is resolved before any database is touched.
  std::vector<std::pair<std::string, std::string>> not_touched;
  dbs = databases_for_names(dbs, req, r, not_touched);
  const config::Environment* env = nullptr;
  auto targets = targets_for(ctx, cfg, dbs, &env);
  check_downgrade_is_named(ctx, req, dbs, targets);
  req.environment = env;
  // Lines name their database whenever the command was given several
  // databases or an environment, even when --shard leaves one target.
  req.prefix_names = given_databases > 1 || env != nullptr;
  ctx.output.set_quiet(ctx.globals.quiet || ctx.globals.json);
  ctx.output.set_verbose(ctx.globals.verbose);
  // On a terminal: live status lines (NO_COLOR drops the colours).
  const char* term = std::getenv("TERM");
  if (&ctx.out == &std::cout && isatty(STDOUT_FILENO) && !ctx.globals.quiet && !ctx.globals.json &&
      !(term && std::string(term) == "dumb"))
    ctx.output.set_live(true, std::getenv("NO_COLOR") == nullptr);
  if (!ctx.globals.json && !ctx.globals.quiet)
    for (auto& [db, why] : not_touched) ctx.out << db << ": not touched: " << why << "\n";
  install_stop_handlers();
  auto results = r.run(targets, req, ctx.jobs(cfg));
  ctx.output.finish();
  int code = exit_of(results);
  for (auto& res : results)
    if (res.status == runner::TargetStatus::Interrupted || (runner::stop_requested() && !res.ok))
      code = static_cast<int>(ExitCode::Interrupted);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (ctx.globals.json) {
    ctx.out << json_text(run_report(command, results, seconds, code, not_touched));
  } else {
    if (results.size() > 1 && !ctx.globals.quiet) print_summary(ctx, results);
    report_failures(ctx, results);
  }
  return code;
}

/// --sql: render each selected database's script; nothing connects.
int run_offline(Context& ctx, runner::OfflineRequest req) {
  // The script is the output; a JSON document beside it would corrupt both.
  if (ctx.globals.json)
    throw UserError("--json cannot be combined with --sql: the SQL script is the output (write it with "
                    "--output-dir DIR to keep stdout free)");
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
    if (eq == 0) throw UserError("'" + arg + "': no database name before '=' (write DB=TARGET, e.g. main=head)");
    if (eq != std::string::npos) {
      std::string db = arg.substr(0, eq), target = arg.substr(eq + 1);
      if (target.empty()) throw UserError("'" + arg + "': no target after '='");
      if (auto problem = planner::target_problem(target)) throw UserError("'" + arg + "': " + *problem);
      if (target.find(':') != std::string::npos) throw UserError("'" + arg + "': a START:END range is only valid with --sql");
      if (!req.target_by_db.emplace(db, target).second) throw UserError("database '" + db + "' is given two targets");
      continue;
    }
    planner::check_target(arg);
    if (!req.target.empty())
      throw UserError("several targets ('" + req.target + "', '" + arg +
                      "'): give one for every database, and DB=TARGET for the others");
    req.target = arg;
  }
  if (req.target.find(':') != std::string::npos)
    throw UserError("a START:END range is only valid with --sql");
}

/// --sql START:END: END is a target; START may be left out (base).
void check_range(const std::string& start, const std::string& end) {
  if (!start.empty()) planner::check_target(start);
  planner::check_target(end);
}

void run_flags(Context& ctx, runner::Request& req) {
  req.lock_timeout_seconds = lock_timeout(ctx);
  req.resume = flag(ctx, "resume");
  // --resume-from K / --resume-after K: a statement number, 1-based.
  auto statement_number = [&](const char* name) -> int64_t {
    if (!ctx.vm.count(name)) return 0;
    const std::string v = ctx.vm[name].as<std::string>();
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos || std::stol(v) < 1)
      throw UserError(std::string("--") + name + " takes a statement number (1, 2, ...), not '" + v + "'");
    return std::stol(v);
  };
  req.resume_from = statement_number("resume-from");
  req.resume_after = statement_number("resume-after");
  if (req.resume_from && req.resume_after)
    throw UserError("give --resume-from or --resume-after, not both: did the statement take effect or not?");
  if (req.resume_from || req.resume_after) req.resume = true;
  req.fail_fast = flag(ctx, "fail-fast");
  req.strict = flag(ctx, "strict");
  if (ctx.vm.count("tag")) req.tag = ctx.vm["tag"].as<std::string>();
  req.wait_timeout_seconds =
      ctx.vm.count("wait-timeout")
          ? config::parse_seconds(ctx.vm["wait-timeout"].as<std::string>(), "--wait-timeout", config::kMaxTimeoutSeconds)
          : 0;
}

}  // namespace

namespace {

/// upgrade and downgrade: online, or with --sql an offline script of a
/// START:END range. `target_help` and `range_help` complete the messages for
/// a missing target.
int run_migration(Context& ctx, runner::Action action, const char* command, const char* target_help,
                  const char* range_help) {
  if (flag(ctx, "sql")) {
    if (flag(ctx, "resume") || ctx.vm.count("resume-from") || ctx.vm.count("resume-after"))
      throw UserError("--resume cannot be combined with --sql");
    runner::OfflineRequest off;
    off.action = action;
    std::tie(off.start, off.end) = runner::split_range(require_one(ctx, range_help));
    check_range(off.start, off.end);
    return run_offline(ctx, off);
  }
  runner::Request req;
  req.action = action;
  parse_targets(ctx, req, target_help);
  run_flags(ctx, req);
  return run_action(ctx, req, command);
}

}  // namespace

int cmd_upgrade(Context& ctx) {
  return run_migration(ctx, runner::Action::Upgrade, "upgrade", "e.g. head, or main=head analytics=ae10",
                       "target revision (e.g. head or START:END)");
}

int cmd_downgrade(Context& ctx) {
  return run_migration(ctx, runner::Action::Downgrade, "downgrade", "e.g. -1, base, or analytics=-1",
                       "START:END range (e.g. head:base)");
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
      check_range(start, end);
      off.stamp_targets.push_back(end);
    }
    return run_offline(ctx, off);
  }
  for (auto& t : ctx.positional) planner::check_target(t);
  req.stamp_targets = ctx.positional;
  req.purge = flag(ctx, "purge");
  if (ctx.vm.count("tag")) req.tag = ctx.vm["tag"].as<std::string>();
  req.lock_timeout_seconds = lock_timeout(ctx);
  req.fail_fast = flag(ctx, "fail-fast");
  return run_action(ctx, req, "stamp");
}

int cmd_current(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("current takes no arguments");
  const auto t0 = std::chrono::steady_clock::now();
  const bool check_heads = flag(ctx, "check-heads");
  const bool json = ctx.globals.json;
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  const config::Environment* env = nullptr;
  auto targets = targets_for(ctx, cfg, dbs, &env);
  // Lines name their database whenever the command was given several
  // databases or an environment, even when --shard leaves one target.
  const bool prefixed = dbs.size() > 1 || env != nullptr || targets.size() > 1;
  ctx.output.set_quiet(ctx.globals.quiet);
  ctx.output.set_verbose(ctx.globals.verbose);
  // --json: stdout holds the report alone; the runner's notes ("another run
  // is applying ...") are kept aside and reported in it.
  std::ostringstream notes;
  runner::Output aside(notes, ctx.err);
  aside.set_verbose(ctx.globals.verbose);
  dialect::PluginRegistry plugins(cfg.plugin_path);
  runner::Runner r(cfg, plugins, json ? aside : ctx.output);
  runner::Request req;
  req.action = runner::Action::Current;
  req.environment = env;
  req.prefix_names = prefixed;
  auto results = r.run(targets, req, ctx.jobs(cfg));
  int status = 0;
  std::vector<nlohmann::json> extra(targets.size(), nlohmann::json::object());
  // Printed after every target answered, in order.
  for (size_t k = 0; k < targets.size(); ++k) {
    auto& res = results[k];
    const auto& db = *targets[k].db;
    const std::string prefix = prefixed ? targets[k].name : "";
    auto& x = extra[k];
    x["revisions"] = nullptr;
    x["at_heads"] = nullptr;
    x["another_run_applying"] = res.another_run_applying;
    if (!res.ok) {
      status = static_cast<int>(ExitCode::Failure);
      continue;
    }
    const auto chain = r.chain(db.location);
    const auto& g = *chain->graph;
    if (ctx.globals.verbose && !json)
      ctx.output.result(prefix, "Current revision(s) for " + res.url_masked + ":");
    try {
      auto tips = g.current_tips(res.from_rows, db.name);
      x["revisions"] = revisions_json(g, tips, ctx.transactional_ddl(db));
      if (!json) {
        for (auto i : tips)
          ctx.output.result(prefix, ctx.globals.verbose ? verbose_entry(g, i) : line(g, i, LineParts{}));
        // A database at base says so, as the run summary does.
        if (tips.empty()) ctx.output.result(prefix, "<base>");
      }
    } catch (const UserError& e) {
      ctx.output.error(prefix, std::string("error: ") + e.what());
      res.ok = false;
      res.status = runner::TargetStatus::Failed;
      res.error = e.what();
      status = static_cast<int>(ExitCode::Failure);
      continue;
    }
    std::set<std::string> rows(res.from_rows.begin(), res.from_rows.end());
    std::vector<std::string> missing;
    for (auto h : g.heads())
      if (!rows.count(g.id(h))) missing.push_back(g.id(h));
    x["at_heads"] = missing.empty();
    if (check_heads && !missing.empty()) {
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
  if (json) {
    // The run report's fields (print_json), plus per target: revisions (the
    // current revisions' objects; [] at base), at_heads and
    // another_run_applying.
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto report = run_report("current", results, seconds, status);
    for (size_t k = 0; k < report["targets"].size() && k < extra.size(); ++k)
      for (auto& [key, value] : extra[k].items()) report["targets"][k][key] = value;
    ctx.out << json_text(report);
  } else {
    report_failures(ctx, results);
  }
  return status;
}

namespace {

/// Reads each target's version rows and applied log (the runner's
/// read-only `current` with read_log), --env fan-out and --shard as current.
struct LogRead {
  std::vector<runner::Target> targets;
  std::vector<runner::TargetResult> results;
  std::unique_ptr<std::ostringstream> aside;
  std::unique_ptr<runner::Output> quiet;
  std::unique_ptr<dialect::PluginRegistry> plugins;
  std::unique_ptr<runner::Runner> runner;
  bool prefixed = false;
};

LogRead read_logs(Context& ctx, const config::Config& cfg) {
  LogRead lr;
  auto dbs = ctx.selected(cfg);
  const config::Environment* env = nullptr;
  lr.targets = targets_for(ctx, cfg, dbs, &env);
  lr.prefixed = dbs.size() > 1 || env != nullptr || lr.targets.size() > 1;
  // --json: stdout holds the document alone; the runner's lines go aside.
  lr.aside = std::make_unique<std::ostringstream>();
  lr.quiet = std::make_unique<runner::Output>(*lr.aside, ctx.err);
  lr.plugins = std::make_unique<dialect::PluginRegistry>(cfg.plugin_path);
  lr.runner = std::make_unique<runner::Runner>(cfg, *lr.plugins, ctx.globals.json ? *lr.quiet : ctx.output);
  runner::Request req;
  req.action = runner::Action::Current;
  req.environment = env;
  req.prefix_names = lr.prefixed;
  req.read_log = true;
  lr.results = lr.runner->run(lr.targets, req, ctx.jobs(cfg));
  return lr;
}

std::string short_sum(const std::string& s) { return s.empty() ? "-" : s.substr(0, 12); }

}  // namespace

int cmd_verify(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("verify takes no arguments");
  const bool json = ctx.globals.json;
  auto cfg = ctx.load();
  ctx.output.set_quiet(ctx.globals.quiet);
  auto lr = read_logs(ctx, cfg);
  int status = 0;
  nlohmann::json targets = nlohmann::json::array();
  for (size_t k = 0; k < lr.targets.size(); ++k) {
    auto& res = lr.results[k];
    const auto& t = lr.targets[k];
    const std::string prefix = lr.prefixed ? t.name : "";
    nlohmann::json jt = {{"name", t.name}, {"database", t.db->name}, {"url", res.url_masked}};
    if (!res.ok) {
      status = static_cast<int>(ExitCode::Failure);
      jt["status"] = "failed";
      jt["error"] = res.error;
      targets.push_back(jt);
      continue;
    }
    const auto chain = lr.runner->chain(t.db->location);
    auto entries = runner::verify_applied(*chain->graph, chain->scripts, t.url.dialect, res.from_rows, res.log);
    size_t changed = 0, missing = 0, unverified = 0, pending = 0, ok = 0;
    nlohmann::json je = nlohmann::json::array();
    for (auto& e : entries) {
      if (e.status == "changed") ++changed;
      if (e.status == "missing") ++missing;
      if (e.status == "unverified") ++unverified;
      if (e.status == "pending") ++pending;
      if (e.status == "ok") ++ok;
      je.push_back({{"revision", e.revision},
                    {"status", e.status},
                    {"path", e.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.path)},
                    {"recorded_checksum", e.recorded.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.recorded)},
                    {"file_checksum", e.current.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.current)},
                    {"ran_at", e.ran_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.ran_at)}});
      if (json) continue;
      if (e.status == "changed")
        ctx.output.error(prefix, "changed: " + e.path + ": revision " + e.revision + " was edited after it ran on " +
                                     e.ran_at + " (sha256 " + short_sum(e.recorded) + " then, " +
                                     short_sum(e.current) + " now)");
      else if (e.status == "missing")
        ctx.output.error(prefix, "missing: revision " + e.revision + " is applied, but no file defines it" +
                                     (e.ran_at.empty() ? std::string() : " (ran on " + e.ran_at + ")"));
      else if (e.status == "unverified")
        ctx.output.result(prefix, "unverified: " + e.path + ": revision " + e.revision +
                                      " is applied, but the applied log has no checksum for it (applied by Alembic, "
                                      "stamped, or before the log existed)");
      else if (e.status == "pending")
        ctx.output.result(prefix, "pending: " + e.path + ": revision " + e.revision + " is not applied");
      else if (ctx.globals.verbose)
        ctx.output.result(prefix, "ok: " + e.path + ": revision " + e.revision);
    }
    const bool clean = changed == 0 && missing == 0;
    if (!clean) status = static_cast<int>(ExitCode::Failure);
    if (!json)
      ctx.output.result(prefix, std::string(clean ? "verified" : "NOT verified") + ": " + std::to_string(ok) +
                                    " ok, " + std::to_string(changed) + " changed, " + std::to_string(missing) +
                                    " missing, " + std::to_string(unverified) + " unverified, " +
                                    std::to_string(pending) + " pending" +
                                    (res.log_read ? "" : " (no applied log in this database)"));
    jt["status"] = clean ? "ok" : "changed";
    jt["log"] = res.log_read;
    jt["revisions"] = je;
    targets.push_back(jt);
  }
  if (json) {
    nlohmann::json doc = {{"command", "verify"}, {"exit_code", status}, {"targets", targets}};
    ctx.out << json_text(doc);
  }
  return status;
}

int history_applied(Context& ctx) {
  const bool json = ctx.globals.json;
  auto cfg = ctx.load();
  auto lr = read_logs(ctx, cfg);
  int status = 0;
  nlohmann::json targets = nlohmann::json::array();
  for (size_t k = 0; k < lr.targets.size(); ++k) {
    auto& res = lr.results[k];
    const auto& t = lr.targets[k];
    const std::string prefix = lr.prefixed ? t.name : "";
    nlohmann::json jt = {{"name", t.name}, {"database", t.db->name}, {"url", res.url_masked}};
    if (!res.ok) {
      status = static_cast<int>(ExitCode::Failure);
      jt["error"] = res.error;
      jt["log"] = nullptr;
      targets.push_back(jt);
      continue;
    }
    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::vector<std::string>> table;
    table.push_back({"STARTED (UTC)", "REVISION", "DIRECTION", "OUTCOME", "DURATION", "SHA256", "BY", "TAG"});
    for (auto it = res.log.rbegin(); it != res.log.rend(); ++it) {  // newest first
      const auto& r = *it;
      nlohmann::json jr;
      const auto& cols = runner::log_columns();
      for (size_t c = 0; c < cols.size(); ++c) {
        runner::LogRow copy = r;
        const std::string v = runner::log_field(copy, c);
        if (cols[c] == "duration_ms") jr[cols[c]] = v.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::stoll(v));
        else jr[cols[c]] = v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
      }
      rows.push_back(jr);
      table.push_back({r.started_at, r.revision, r.direction, r.outcome,
                       r.duration_ms.empty() ? "-" : r.duration_ms + " ms", short_sum(r.checksum),
                       r.os_user + "@" + r.host, r.tag.empty() ? "-" : r.tag});
    }
    jt["log"] = rows;
    targets.push_back(jt);
    if (json) continue;
    if (!res.log_read) {
      ctx.output.result(prefix, "no applied log in this database (" + t.db->version_table +
                                    "_log): nothing was run by this Strata yet, or the log is off");
      continue;
    }
    std::vector<size_t> width(table[0].size(), 0);
    for (auto& l : table)
      for (size_t c = 0; c < l.size(); ++c) width[c] = std::max(width[c], l[c].size());
    for (auto& l : table) {
      std::string line;
      for (size_t c = 0; c < l.size(); ++c) line += l[c] + (c + 1 < l.size() ? std::string(width[c] - l[c].size() + 2, ' ') : "");
      ctx.output.result(prefix, line);
    }
  }
  if (json) {
    nlohmann::json doc = {{"command", "history"}, {"applied", true}, {"targets", targets}};
    ctx.out << json_text(doc);
  }
  return status;
}

// -------------------------------------------------------- offline commands

}  // namespace strata::cli
