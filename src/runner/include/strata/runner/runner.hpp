#pragma once
// Runs one command against several databases at once: each database on its
// own connection, its revisions strictly in order, databases in parallel on
// a Boost.Asio thread pool. One database failing does not stop the others.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/config/config.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/planner/graph.hpp"
#include "strata/runner/output.hpp"

namespace strata::runner {

enum class Action { Upgrade, Downgrade, Stamp, Current, Resolve };

struct Request {
  Action action = Action::Upgrade;
  std::string target;                      ///< upgrade/downgrade target
  std::vector<std::string> stamp_targets;  ///< stamp REV...
  bool purge = false;                      ///< stamp --purge
  /// upgrade/downgrade --resume: continue a revision left half-applied at
  /// the statement that did not complete.
  bool resume = false;
  /// resolve: true = the interrupted revision was completed by hand (record
  /// it), false = it was reverted by hand (forget it).
  bool resolve_applied = false;
  double lock_timeout_seconds = -1;        ///< negative: wait as long as it takes
};

struct TargetResult {
  std::string database;
  std::string url_masked;
  bool ok = false;
  std::string error;                    ///< one line, passwords masked
  std::vector<std::string> from_rows;   ///< version rows before
  std::vector<std::string> to_rows;     ///< version rows after (committed state)
  /// Set when the database is (still or now) in the middle of a revision:
  /// "<revision> <upgrade|downgrade> <done>/<total>".
  std::string mid_revision;
  int steps_done = 0;
  double seconds = 0;
};

/// A location's revisions and graph, loaded once and shared by every
/// database that uses the location.
struct Chain {
  script::ScriptDirectory scripts;
  std::unique_ptr<planner::RevisionGraph> graph;
};

/// Loads (and validates) the chain of every location used by `databases`.
/// Throws UserError on the first malformed file.
std::map<std::string, std::shared_ptr<const Chain>> load_chains(
    const std::vector<const config::DatabaseConfig*>& databases);
std::shared_ptr<const Chain> load_chain(const std::string& location);

class Runner {
 public:
  Runner(const config::Config& config, dialect::PluginRegistry& plugins, Output& output);
  /// Runs `request` on every database, at most `jobs` at a time. Loads every
  /// chain and plugin first, so a bad file or a missing plugin stops the
  /// command before any database is touched (UserError / PluginError).
  std::vector<TargetResult> run(const std::vector<const config::DatabaseConfig*>& databases,
                                const Request& request, int jobs);

 private:
  TargetResult run_one(const config::DatabaseConfig& db, const Chain& chain,
                       const dialect::Plugin& plugin, const Request& request, bool prefixed) const;
  const config::Config& config_;
  dialect::PluginRegistry& plugins_;
  Output& output_;
};

}  // namespace strata::runner
