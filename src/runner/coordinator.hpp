#pragma once
// Cross-database Depends On inside one run (internal to the runner): what
// each target has committed and where its plan ends, so that a target can
// wait for another database's revision.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "strata/planner/graph.hpp"
#include "strata/runner/runner.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

/// Cross-database Depends On: what each target of this run has committed
/// and will reach, so a target can wait for another database's revision.
class Coordinator {
 public:
  struct Key {
    std::string db;
    size_t group;
    bool operator<(const Key& o) const { return std::tie(db, group) < std::tie(o.db, o.group); }
  };
  struct State {
    const planner::RevisionGraph* graph = nullptr;
    std::vector<bool> committed;  // closure of what is committed
    std::vector<bool> planned;    // closure of where the plan ends
    bool has_plan = false;
    bool finished = false;
    bool ok = false;
    int waiters = 0;  // targets in wait_committed for this one
    std::string name;
    std::string at;               // rows when it finished / planned end
  };

  void expect(const Key& k, const std::string& name) { states_[k].name = name; }
  bool in_run(const Key& k) const { return states_.count(k) != 0; }

  void planned(const Key& k, const planner::RevisionGraph& g, const std::vector<std::string>& rows,
               const std::vector<std::string>& final_rows) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& st = states_[k];
    st.graph = &g;
    st.committed = g.closure(g.rows_to_indexes(rows, k.db));
    st.planned = g.closure(g.rows_to_indexes(final_rows, k.db));
    st.at = final_rows.empty() ? "<base>" : util::join(final_rows, ", ");
    st.has_plan = true;
    cv_.notify_all();
  }
  void committed(const Key& k, const std::vector<std::string>& rows) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& st = states_[k];
    if (!st.graph) return;
    st.committed = st.graph->closure(st.graph->rows_to_indexes(rows, k.db));
    cv_.notify_all();
  }
  void finished(const Key& k, bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& st = states_[k];
    st.finished = true;
    st.ok = ok;
    cv_.notify_all();
  }

  /// Waits until `k` has a plan; returns false when it ended without one.
  /// Then: will it reach `rev` (already there, or in its plan)?
  bool will_reach(const Key& k, const std::string& rev, std::string& where) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto& st = states_[k];
    // A stop request comes from a signal handler, which cannot notify:
    // look at it every tick.
    while (!cv_.wait_for(lock, kStopPoll, [&] { return st.has_plan || st.finished || stop_requested(); })) {
    }
    if (!st.has_plan) {
      where = st.name + " failed before it could plan";
      return false;
    }
    where = st.name + " ends at " + st.at;
    auto i = st.graph->find(rev);
    return i && (st.committed[*i] || st.planned[*i]);
  }

  /// Waits until `k` has committed `rev`. False when it finished (or failed,
  /// or the run was stopped) without it.
  bool wait_committed(const Key& k, const std::string& rev) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto& st = states_[k];
    std::optional<planner::Index> i;
    if (st.graph) i = st.graph->find(rev);
    ++st.waiters;
    while (!cv_.wait_for(lock, kStopPoll,
                         [&] { return (i && st.committed[*i]) || st.finished || stop_requested(); })) {
    }
    --st.waiters;
    return i && st.committed[*i];
  }

  /// Whether another target is waiting (wait_committed) for `k` now: `k`
  /// then commits what it holds back (a batch's pending COMMIT) early.
  bool awaited(const Key& k) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = states_.find(k);
    return it != states_.end() && it->second.waiters > 0;
  }

  void wake_all() { cv_.notify_all(); }

 private:
  static constexpr std::chrono::milliseconds kStopPoll{100};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<Key, State> states_;
};

}  // namespace strata::runner
