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

}  // namespace strata::cli
