#include "context.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/planner/symbols.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace strata::cli {

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
      ("jobs,j", po::value(&g.jobs_text)->value_name("N"),
       "databases run at once (default: [alembic] jobs, else min(databases, 8))")
      ("quiet,q", po::bool_switch(&g.quiet), "print only results and errors")
      ("verbose,v", po::bool_switch(&g.verbose), "more detail (history -v, current -v, heads -v, ...)")
      ("help,h", "show help (strata COMMAND --help for a command)");
  return d;
}

int exit_of(const std::vector<runner::TargetResult>& results) {
  bool failed = false, file_error = false;
  for (auto& r : results) {
    if (r.ok) continue;
    (r.file_error ? file_error : failed) = true;
  }
  if (failed) return static_cast<int>(ExitCode::Failure);
  return file_error ? static_cast<int>(ExitCode::Usage) : 0;
}

std::string printable(const std::exception& e) { return runner::shorten(config::mask_passwords(e.what())); }

runner::TargetStatus outcome(const runner::TargetResult& r) {
  if (r.status == runner::TargetStatus::Interrupted || r.status == runner::TargetStatus::Skipped) return r.status;
  return r.ok ? runner::TargetStatus::Ok : runner::TargetStatus::Failed;
}

void report_failures(Context& ctx, const std::vector<runner::TargetResult>& results) {
  std::vector<std::string> failed, interrupted, skipped;
  for (auto& r : results) {
    switch (outcome(r)) {
      case runner::TargetStatus::Failed: failed.push_back(r.name); break;
      case runner::TargetStatus::Interrupted: interrupted.push_back(r.name); break;
      case runner::TargetStatus::Skipped: skipped.push_back(r.name); break;
      case runner::TargetStatus::Ok: break;
    }
  }
  if (results.size() < 2) return;
  const std::string of = " of " + std::to_string(results.size()) + " databases ";
  if (!failed.empty()) ctx.err << "strata: " << failed.size() << of << "failed: " << util::join(failed, ", ") << "\n";
  if (!interrupted.empty())
    ctx.err << "strata: interrupted: " << interrupted.size() << of
            << "stopped before finishing: " << util::join(interrupted, ", ") << "\n";
  if (!skipped.empty())
    ctx.err << "strata: " << skipped.size() << of << "skipped (not started): " << util::join(skipped, ", ") << "\n";
}

std::string require_one(Context& ctx, const char* what) {
  if (ctx.positional.size() != 1)
    throw UserError(std::string("expected exactly one ") + what + " (see strata COMMAND --help)");
  return ctx.positional[0];
}

// ------------------------------------------------------------ run commands

double lock_timeout(const Context& ctx) {
  return ctx.vm.count("lock-timeout")
             ? config::parse_seconds(ctx.vm["lock-timeout"].as<std::string>(), "--lock-timeout", config::kMaxTimeoutSeconds)
             : -1;
}

void add_lock_timeout(po::options_description& d) {
  d.add_options()("lock-timeout", po::value<std::string>()->value_name("SECONDS"),
                  "wait at most this long for another run on the same database (0: do not wait; default: no limit)");
}

bool flag(const Context& ctx, const char* name) { return ctx.vm.count(name) && ctx.vm[name].as<bool>(); }

void add_offline_options(po::options_description& d) {
  d.add_options()
      ("sql", po::bool_switch(), "write the SQL script instead of running it (offline mode; TARGET may be START:END)")
      ("tag", po::value<std::string>()->value_name("TAG"), "a tag recorded in the applied log (and with --sql in the script's header)")
      ("output-dir", po::value<std::string>()->value_name("DIR"),
       "with --sql: write one <database>.sql per database into DIR instead of stdout");
}

void add_run_options(po::options_description& d) {
  add_lock_timeout(d);
  d.add_options()
      ("resume", po::bool_switch(),
       "continue a revision a failure left half-applied, at the statement that did not complete")
      ("resume-from", po::value<std::string>()->value_name("K"),
       "resume, running statement K (1-based) again: it did not take effect (settles a statement in doubt)")
      ("resume-after", po::value<std::string>()->value_name("K"),
       "resume after statement K (1-based): it did take effect (settles a statement in doubt)")
      ("fail-fast", po::bool_switch(), "after the first failed target, start no more (running ones finish)")
      ("strict", po::bool_switch(), "upgrade: refuse (run nothing) when an applied revision's file was edited after it ran")
      ("wait-timeout", po::value<std::string>()->value_name("SECONDS"),
       "retry connecting to a database that is not up yet, with backoff, this long");
  add_offline_options(d);
}

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

std::vector<std::string> multi(const Context& ctx, const char* name) {
  std::vector<std::string> out;
  if (ctx.vm.count(name))
    for (auto& v : ctx.vm[name].as<std::vector<std::string>>())
      for (auto& part : util::split_list(v)) out.push_back(part);
  return out;
}

std::vector<const config::DatabaseConfig*> databases_naming(
    const std::vector<const config::DatabaseConfig*>& dbs, const std::vector<std::string>& targets,
    const std::function<const runner::Chain&(const config::DatabaseConfig&)>& chain_of,
    std::vector<std::pair<std::string, std::string>>* not_touched) {
  std::vector<std::string> names;
  for (auto& t : targets) {
    if (!t.empty()) planner::check_target(t);  // the grammar's own message first
    for (auto& n : planner::named_symbols(t)) names.push_back(n);
  }
  if (names.empty() || dbs.empty()) return dbs;
  // In the chain it belongs to, a name must resolve as the planner will
  // resolve it (Alembic's wording for an unknown id or an ambiguous prefix):
  // a usage error before anything connects.
  auto check_in = [&](const config::DatabaseConfig& db) {
    const auto& g = *chain_of(db).graph;
    for (auto& n : names) g.get_revisions(n);
  };
  if (dbs.size() == 1) {
    check_in(*dbs[0]);
    return dbs;
  }
  std::vector<const config::DatabaseConfig*> knows;
  std::vector<std::string> where;
  std::set<std::vector<std::string>> meanings;  // the ids the names stand for, per chain that knows them
  for (auto* db : dbs) {
    const auto& g = *chain_of(*db).graph;
    bool all = true;
    std::vector<std::string> ids;
    for (auto& n : names) {
      auto candidates = planner::symbol_candidates(g, n);
      all = all && !candidates.empty();
      for (auto i : candidates) ids.push_back(g.id(i));
    }
    if (all) {
      knows.push_back(db);
      where.push_back(db->name + " (" + util::join(ids, ", ") + ")");
      meanings.insert(ids);
    }
  }
  // Chains holding the very same revision ids (an Alembic multidb project,
  // one script per revision for every engine, imported as a chain per
  // database): the target means that revision in each, as `alembic upgrade
  // ID` moved every engine. Random ids do not meet by chance.
  if (knows.size() > 1 && meanings.size() == 1) {
    for (auto* db : knows) check_in(*db);
    if (not_touched)
      for (auto* db : dbs)
        if (std::find(knows.begin(), knows.end(), db) == knows.end())
          not_touched->emplace_back(db->name, "'" + util::join(targets, " ") + "' is not in " + db->name + "'s chain");
    return knows;
  }
  const std::string what = "'" + util::join(targets, " ") + "'";
  std::vector<std::string> all_names;
  for (auto* db : dbs) all_names.push_back(db->name);
  if (knows.empty())
    throw UserError(what + " names no revision or branch label of any selected chain (" +
                    util::join(all_names, ", ") + "); nothing was changed");
  if (knows.size() > 1)
    throw UserError(what + " names revisions of several chains: " + util::join(where, "; ") +
                    "; say which database: strata --db " + knows[0]->name + " ..., or " + knows[0]->name + "=" +
                    targets[0] + "; nothing was changed");
  check_in(*knows[0]);
  if (not_touched)
    for (auto* db : dbs)
      if (db != knows[0])
        not_touched->emplace_back(db->name, what + " is in " + knows[0]->name + "'s chain, not in " + db->name + "'s");
  return knows;
}

std::optional<bool> Context::transactional_ddl(const config::DatabaseConfig& db) const {
  if (!db.url_error.empty() || db.url.dialect.empty()) return std::nullopt;
  try {
    dialect::PluginRegistry plugins(load().plugin_path);
    return plugins.get(db.url.dialect).has(STRATA_CAP_TRANSACTIONAL_DDL);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

config::Config Context::load() const {
  config::Config cfg = config::load_config(globals.config);
  if (!vm.count("dev-url")) return cfg;
  std::map<std::string, config::Url> given;  // by dialect
  for (auto& text : vm["dev-url"].as<std::vector<std::string>>()) {
    config::Url url;
    try {
      url = config::parse_url(text, cfg.dir);
    } catch (const std::exception& e) {
      throw UserError(std::string("--dev-url: ") + config::mask_passwords(e.what()));
    }
    if (url.dialect == "sqlite")
      throw UserError("--dev-url " + url.masked() +
                      ": scratch SQLite databases are temporary files; give a PostgreSQL or MySQL server");
    auto [at, added] = given.emplace(url.dialect, url);
    if (!added && (at->second.masked() != url.masked() || at->second.password != url.password))
      throw UserError("--dev-url: two " + url.dialect + " servers (" + at->second.masked() + ", " + url.masked() +
                      "); give one per dialect");
  }
  for (auto& db : cfg.databases) db.command_dev_urls = given;
  return cfg;
}

}  // namespace strata::cli
