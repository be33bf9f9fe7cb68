#pragma once
// Text forms of revisions shared by history, heads, branches, show and
// current, shaped like Alembic's so its users read them at once.
#include <set>
#include <string>
#include <vector>

#include "strata/planner/graph.hpp"

namespace strata::cli {

/// "<base> -> ae10 (label) (head), message" (Alembic's history line).
std::string history_line(const planner::RevisionGraph& g, planner::Index i,
                         const std::set<std::string>& current = {});
/// The multi-line verbose form (history -v, show).
std::string verbose_entry(const planner::RevisionGraph& g, planner::Index i,
                          const std::set<std::string>& current = {});
/// "ae10 (label) (head)" (heads, current).
std::string short_line(const planner::RevisionGraph& g, planner::Index i);
/// Every revision, newest first (each before what it revises).
std::vector<planner::Index> newest_first(const planner::RevisionGraph& g);

}  // namespace strata::cli
