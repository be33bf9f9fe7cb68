#include "cross_database.hpp"

#include <optional>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {

void CrossDatabase::check_upgrade(const planner::Plan& plan) const {
  for (auto& step : plan.steps) {
    const auto& rev = graph_.rev(step.rev);
    for (auto& [db, dep] : graph_.node(step.rev).cross_deps) {
      Coordinator::Key other{db, group_};
      std::string where;
      if (coordinator_.in_run(other)) {
        if (!coordinator_.will_reach(other, dep, where))
          throw RunFailure(located(rev.path, rev.id_line,
                                   "revision " + rev.id + " depends on " + db + "@" + dep + ", which this run will "
                                   "not reach (" + where + "); nothing was changed"));
        continue;
      }
      std::string at;
      if (!probe_(db, group_, dep, at))
        throw RunFailure(located(rev.path, rev.id_line,
                                 "revision " + rev.id + " depends on " + db + "@" + dep + ", but " + db + " is at " +
                                     at + " and is not part of this run (add --db " + db + "); nothing was changed"));
    }
  }
}

void CrossDatabase::check_downgrade(const planner::Plan& plan, const std::vector<std::string>& rows) const {
  if (!dependents_ || !probe_ || plan.steps.empty()) return;
  auto closure_of = [&](const std::vector<std::string>& ids) {
    std::vector<planner::Index> rows;
    for (auto& r : ids)
      if (auto i = graph_.find(r)) rows.push_back(*i);
    return graph_.closure(rows);
  };
  const auto before = closure_of(rows);
  const auto after = closure_of(plan.final_rows);
  std::vector<std::string> problems, commands;
  for (auto& d : dependents_(db_)) {
    std::optional<planner::Index> dep;
    try {
      dep = graph_.get_revision(d.dep);
    } catch (const UserError&) {
    }
    if (!dep || !before[*dep] || after[*dep]) continue;  // not reverted by this run
    if (coordinator_.in_run({d.db, group_})) continue;
    std::string at;
    if (!probe_(d.db, group_, d.revision, at)) continue;
    problems.push_back(located(d.path, d.line, "revision " + d.revision + " of " + d.db + " depends on " +
                                                   db_ + "@" + d.dep + " and is applied there (" + d.db +
                                                   " is at " + at + ")"));
    commands.push_back("strata --db " + d.db + " downgrade " + d.revision + "-1");
  }
  if (problems.empty()) return;
  throw RunFailure("this downgrade would revert what another database's applied revision depends on:\n" +
                   util::join(problems, "\n") + "\ndowngrade " + (problems.size() == 1 ? "it" : "them") +
                   " first (" + util::join(commands, "; ") + "); nothing was changed");
}

void CrossDatabase::wait_for(const planner::Step& step, Output& output, const std::string& prefix) const {
  for (auto& [db, dep] : graph_.node(step.rev).cross_deps) {
    Coordinator::Key other{db, group_};
    if (!coordinator_.in_run(other)) continue;  // checked before the run
    output.debug(prefix, "waiting for " + db + "@" + dep);
    if (!coordinator_.wait_committed(other, dep)) {
      if (stop_requested()) throw Interrupted("interrupted while waiting for " + db + "@" + dep);
      throw RunFailure("revision " + graph_.id(step.rev) + " depends on " + db + "@" + dep + ", which " + db +
                       " did not reach (it failed or stopped first)");
    }
  }
}

}  // namespace strata::runner
