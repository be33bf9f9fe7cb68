#pragma once
// One command on one target (internal to the runner): connect, lock, read
// the version and progress tables, plan, execute, commit, report. The
// coordinator (runner.cpp) runs many of these at once.
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "coordinator.hpp"
#include "strata/runner/runner.hpp"

namespace strata::runner {

using Clock = std::chrono::steady_clock;

/// Everything that failed in one database, already worded for the user.
struct RunFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A run that was asked to stop (SIGINT) before its next revision.
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Does another database (outside this run) already have `rev`? Sets `at`
/// to its version rows. Connects to it read-only.
using Probe = std::function<bool(const std::string& db, size_t group, const std::string& rev, std::string& at)>;

/// A revision of another database's chain whose `Depends On` names a
/// revision of this database: what a downgrade of this one must not revert
/// while it is applied there.
struct CrossDependent {
  std::string db;        ///< the other database
  std::string revision;  ///< its revision declaring the dependency
  std::string path;      ///< that revision's file
  int line = 0;          ///< the line of its Revision ID
  std::string dep;       ///< the revision of this database it names
};

/// The cross dependents of the database named `db` (none: empty).
using Dependents = std::function<std::vector<CrossDependent>(const std::string& db)>;

/// Runs `request` on `target`. Never throws: a failure is the result's
/// status and error (and was reported through `output`). `probe` and
/// `dependents` may be null (no cross-database checks).
TargetResult run_target(const config::Config& cfg, const Target& target, const Chain& chain,
                        const dialect::Plugin& plugin, const Request& request, Output& output, bool prefixed,
                        Coordinator& coordinator, Probe probe, Dependents dependents,
                        Clock::time_point run_epoch = Clock::now());

}  // namespace strata::runner
