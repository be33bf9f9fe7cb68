#pragma once
// Text forms of revisions shared by history, heads, branches, show and
// current, worded as Alembic's (Script.cmd_format, Script.log_entry) so
// its users and their scripts read them unchanged.
#include <set>
#include <string>
#include <vector>

#include "strata/planner/graph.hpp"

namespace strata::cli {

/// Which parts of Alembic's one-line form to include.
struct LineParts {
  bool parents = false;     ///< "down -> rev"
  bool branches = false;    ///< " (label)"
  bool doc = false;         ///< ", message"
  bool tree = true;         ///< " (branchpoint)", " (mergepoint)"
};

/// One line: "[down -> ]rev[ (labels)][ (head)][ (current)][ (branchpoint)][, msg]".
std::string line(const planner::RevisionGraph& g, planner::Index i, const LineParts& parts,
                 const std::set<std::string>& current = {});
/// The multi-line verbose form (history -v, show, heads -v).
std::string verbose_entry(const planner::RevisionGraph& g, planner::Index i,
                          const std::set<std::string>& current = {});

/// `order` (newest first) drawn as a text graph, like `git log --graph`:
/// one line per revision ("*" in its lane) plus connector lines at merge
/// and branch points.
std::vector<std::string> graph_lines(const planner::RevisionGraph& g, const std::vector<planner::Index>& order,
                                     const std::set<std::string>& current = {});
/// The whole graph in Graphviz dot: Revises edges solid, Depends On dashed,
/// heads bold, labels shown; render with `dot -Tsvg`.
std::string dot_graph(const planner::RevisionGraph& g, const std::string& name);

}  // namespace strata::cli
