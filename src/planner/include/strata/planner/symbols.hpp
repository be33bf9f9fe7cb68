#pragma once
// Which chain a target belongs to. A target such as `head` or `-1` means
// something in every chain; one that names a revision or a branch label
// (`3f1a`, `auth@head`, `3f1a+2`) belongs to the chains that define the
// name. The CLI resolves a target given for several databases against each
// chain before any database is touched.
#include <string>
#include <vector>

#include "strata/planner/graph.hpp"

namespace strata::planner {

/// The revision ids, id prefixes and branch labels `target` names, in
/// Alembic's target grammar: `3f1a` -> {3f1a}; `auth@head` -> {auth};
/// `3f1a@base` -> {3f1a}; `3f1a+2` / `3f1a-1` -> {3f1a}; `head`, `heads`,
/// `base`, `+N`, `-N`, `@head` -> {}. A START:END range gives the names of
/// both ends.
std::vector<std::string> named_symbols(const std::string& target);

/// The revisions `name` may mean in `graph`: the revision declaring it as a
/// branch label, else every revision whose id starts with it (one for a full
/// id, several for an ambiguous prefix). Empty: the chain does not know it.
std::vector<Index> symbol_candidates(const RevisionGraph& graph, const std::string& name);

}  // namespace strata::planner
