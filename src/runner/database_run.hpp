#pragma once
// One command on one target (internal to the runner): connect, lock, read
// the version and progress tables, plan, execute, commit, report. The
// coordinator (runner.cpp) runs many of these at once.
#include <chrono>
#include <functional>
#include <string>

#include "coordinator.hpp"
#include "strata/runner/runner.hpp"

namespace strata::runner {

using Clock = std::chrono::steady_clock;

/// Does another database (outside this run) already have `rev`? Sets `at`
/// to its version rows. Connects to it read-only.
using Probe = std::function<bool(const std::string& db, size_t group, const std::string& rev, std::string& at)>;

/// Runs `request` on `target`. Never throws: a failure is the result's
/// status and error (and was reported through `output`).
TargetResult run_target(const config::Config& cfg, const Target& target, const Chain& chain,
                        const dialect::Plugin& plugin, const Request& request, Output& output, bool prefixed,
                        Coordinator& coordinator, Probe probe, Clock::time_point run_epoch = Clock::now());

}  // namespace strata::runner
