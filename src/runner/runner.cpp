#include "strata/runner/runner.hpp"

// Boost 1.74's Asio uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <mutex>

#include "database_run.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

namespace {
std::atomic<bool> g_stop{false};
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
      config::require_url(*db);  // an unset ${VAR} matters only now, for a database the command uses
      out.push_back({db, db->url_text, db->url, 0, db->name});
      continue;
    }
    if (auto e = env->errors.find(db->name); e != env->errors.end()) throw UserError(e->second);
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
    if (t.db->version_table_schema && !p->has(STRATA_CAP_SCHEMAS))
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
        const int line = r.depends_on_line ? r.depends_on_line : r.id_line;  // the Depends On: line
        auto* other = config_.find_database(db);
        if (!other)
          throw UserError(located(r.path, line,
                                  "Depends On: " + db + "@" + rev + " names database '" + db + "', which " +
                                      config_.path + " does not configure"));
        if (other == t.db)
          throw UserError(located(r.path, line,
                                  "Depends On: " + db + "@" + rev +
                                      " names this revision's own database; write the revision id"));
        try {
          chain_of(*other).graph->get_revision(rev);
        } catch (const UserError& e) {
          throw UserError(located(r.path, line, "Depends On: " + db + "@" + rev + ": " + e.what()));
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
  Probe probe = [&](const std::string& db, size_t group, const std::string& rev, std::string& at) {
    auto* other = config_.find_database(db);
    Target t{other, other->url_text, other->url, group, db};
    bool from_environment = false;
    if (request.environment) {
      if (auto e = request.environment->errors.find(db); e != request.environment->errors.end())
        throw UserError(e->second);
      auto it = request.environment->databases.find(db);
      if (it != request.environment->databases.end() && group < it->second.size()) {
        t.url_text = it->second[group].text;
        t.url = it->second[group].url;
        from_environment = true;
      }
    }
    if (!from_environment) config::require_url(*other);
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
    auto res = run_target(config_, t, chain, *plugin, read, output_, true, none, nullptr, nullptr);
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

  // For downgrades: which revisions of other chains depend on each
  // database's (read now, before the workers share the chains). A chain
  // that does not load has nothing to say here; its own commands report it.
  std::map<std::string, std::vector<CrossDependent>> dependents_of;
  if (request.action == Action::Downgrade) {
    for (auto& other : config_.databases) {
      const Chain* chain = nullptr;
      try {
        chain = &chain_of(other);
      } catch (const std::exception&) {
        continue;
      }
      const auto& g = *chain->graph;
      for (planner::Index i = 0; i < g.size(); ++i)
        for (auto& [db, rev] : g.node(i).cross_deps)
          dependents_of[db].push_back({other.name, g.rev(i).id, g.rev(i).path, g.rev(i).id_line, rev});
    }
  }
  Dependents dependents = [&](const std::string& db) {
    auto it = dependents_of.find(db);
    return it == dependents_of.end() ? std::vector<CrossDependent>{} : it->second;
  };

  std::vector<TargetResult> results(targets.size());
  const bool prefixed = request.prefix_names || targets.size() > 1;
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
      results[i] = run_target(config_, t, chain_of(*t.db), *plugins[t.url.dialect], request, output_, prefixed,
                              coordinator, probe, dependents, epoch);
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
