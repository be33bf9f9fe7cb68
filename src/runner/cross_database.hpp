#pragma once
// Cross-database `Depends On` for one target's run (internal to the runner):
// before an upgrade, that every revision's dependency on another database
// will be there; while it runs, waiting for it; before a downgrade, that no
// revision applied on another database loses what it depends on.
#include <cstddef>
#include <string>
#include <vector>

#include "coordinator.hpp"
#include "database_run.hpp"
#include "strata/planner/graph.hpp"
#include "strata/runner/output.hpp"

namespace strata::runner {

class CrossDatabase {
 public:
  /// `db`, `group`: the target's database and fan-out group. `probe` and
  /// `dependents` may be null (no database outside the run is read).
  CrossDatabase(const planner::RevisionGraph& graph, Coordinator& coordinator, Probe probe, Dependents dependents,
                std::string db, size_t group)
      : graph_(graph),
        coordinator_(coordinator),
        probe_(std::move(probe)),
        dependents_(std::move(dependents)),
        db_(std::move(db)),
        group_(group) {}

  /// Before an upgrade: throws RunFailure when a revision of `plan` depends
  /// on another database's revision that this run will never bring about
  /// (in the run: its plan ends short; outside it: not applied there).
  void check_upgrade(const planner::Plan& plan) const;

  /// Before a downgrade from `rows`: throws RunFailure, naming each, when a
  /// revision applied on a database outside the run depends on one this
  /// plan reverts (as Alembic reverts a dependent first within one graph).
  /// Databases in the same run are not checked: downgrades do not wait.
  void check_downgrade(const planner::Plan& plan, const std::vector<std::string>& rows) const;

  /// Before `step` runs: waits until the databases of this run it depends
  /// on have committed what it needs. Throws Interrupted on a stop request,
  /// RunFailure when one of them failed or stopped first.
  void wait_for(const planner::Step& step, Output& output, const std::string& prefix) const;

 private:
  const planner::RevisionGraph& graph_;
  Coordinator& coordinator_;
  Probe probe_;
  Dependents dependents_;
  std::string db_;
  size_t group_;
};

}  // namespace strata::runner
