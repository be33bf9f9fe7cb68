#pragma once
// Helpers shared by the planner's source files (graph.cpp, targets.cpp,
// walk.cpp, plan.cpp). Internal to src/planner.
#include <algorithm>
#include <string>

#include "strata/planner/index_list.hpp"
#include "strata/util/error.hpp"

namespace strata::planner::detail {

/// Whether `x` is in `v` (a std::vector<Index> or an IndexList). A linear
/// search: the lists searched are edge lists and version rows, a few entries.
template <typename List>
bool contains(const List& v, Index x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

/// Appends `x` to `v` unless it is there already: a list without repeats,
/// in the order of first appearance.
template <typename List>
void push_unique(List& v, Index x) {
  if (!contains(v, x)) v.push_back(x);
}

/// The error for a revision, target or range that does not resolve (Alembic's
/// RevisionError), with Alembic's wording where it has one.
inline UserError revision_error(const std::string& message) { return UserError(message); }

}  // namespace strata::planner::detail
