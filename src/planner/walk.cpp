// Ordering: Alembic's topological sort of the revisions a plan or listing
// covers, the checks on requested revisions and version rows (overlaps,
// stale rows), and the listings (history's ranged walk, current's tips).
#include "strata/planner/graph.hpp"

#include "graph_detail.hpp"

#include <algorithm>
#include <stdexcept>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::planner {

using detail::contains;
using detail::revision_error;

// ------------------------------------------------------------ ordering

std::vector<Index> RevisionGraph::topological_sort(std::vector<bool> todo, const std::vector<Index>& heads_in,
                                                   bool exact) const {
  // Alembic's _topological_sort: emit from the heads down, one line at a
  // time; a candidate still needed by another current head (an ancestor of
  // it) waits, and the first such head in list order goes on instead.
  //
  // Alembic keeps a full ancestor set per current head and recomputes it at
  // every merge: quadratic at scale. When `todo` is closed the way plans
  // make it (every path between two of its members stays inside it), "c is
  // an ancestor of another current head" is exactly "c still has an
  // unemitted child in todo": a counter per revision. Finding which head
  // needs it is a search upwards through the unemitted part only.
  std::vector<Index> current;
  std::vector<char> in_current(nodes_.size(), 0);
  for (auto h : heads_in)
    if (todo[h] && !in_current[h]) current.push_back(h), in_current[h] = 1;
  std::sort(current.begin(), current.end());
  std::vector<Index> output;

  if (exact) {
    std::vector<std::vector<bool>> ancestors;
    for (auto h : current) ancestors.push_back(closure({h}));
    size_t idx = 0;
    while (!current.empty()) {
      Index candidate = current[idx];
      bool blocked = false;
      for (size_t j = 0; j < ancestors.size(); ++j)
        if (j != idx && ancestors[j][candidate]) {
          idx = j;
          blocked = true;
          break;
        }
      if (blocked) continue;
      output.push_back(candidate);
      todo[candidate] = false;
      const auto& nd = nodes_[candidate];
      std::vector<Index> to_add;
      for (auto r : nd.norm_down)
        if (todo[r] && !contains(current, r)) to_add.push_back(r);
      if (to_add.empty()) {
        current.erase(current.begin() + static_cast<long>(idx));
        ancestors.erase(ancestors.begin() + static_cast<long>(idx));
        idx = idx > 0 ? idx - 1 : 0;
      } else if (nd.norm_deps.empty() && nd.down.size() == 1) {
        current[idx] = to_add[0];
        ancestors[idx][candidate] = false;
      } else {
        current[idx] = to_add[0];
        ancestors[idx] = closure({to_add[0]});
        for (size_t k = 1; k < to_add.size(); ++k) {
          current.push_back(to_add[k]);
          ancestors.push_back(closure({to_add[k]}));
        }
      }
    }
    return output;
  }

  std::vector<uint32_t> pending(nodes_.size(), 0);  // unemitted children in todo
  for (Index x = 0; x < nodes_.size(); ++x)
    if (todo[x])
      for (auto p : nodes_[x].norm_down)
        if (todo[p]) ++pending[p];
  std::vector<char> seen(nodes_.size(), 0);
  std::vector<Index> stack, touched;
  size_t idx = 0;
  while (!current.empty()) {
    Index candidate = current[idx];
    if (pending[candidate]) {
      // Which current heads need it? Search upwards through unemitted todo
      // revisions; take the first in list order.
      stack.assign(1, candidate);
      touched.clear();
      size_t best = current.size();
      while (!stack.empty()) {
        Index n = stack.back();
        stack.pop_back();
        if (seen[n]) continue;
        seen[n] = 1;
        touched.push_back(n);
        if (n != candidate && in_current[n]) {
          size_t pos = static_cast<size_t>(std::find(current.begin(), current.end(), n) - current.begin());
          best = std::min(best, pos);
        }
        for (auto c : nodes_[n].all_children)
          if (todo[c] && !seen[c]) stack.push_back(c);
      }
      for (auto n : touched) seen[n] = 0;
      if (best == current.size()) throw std::logic_error("planner: topological sort lost a revision");
      idx = best;
      continue;
    }
    output.push_back(candidate);
    todo[candidate] = false;
    in_current[candidate] = 0;
    const auto& nd = nodes_[candidate];
    for (auto p : nd.norm_down)
      if (todo[p]) --pending[p];
    std::vector<Index> to_add;
    for (auto r : nd.norm_down)
      if (todo[r] && !in_current[r]) to_add.push_back(r);
    if (to_add.empty()) {
      current.erase(current.begin() + static_cast<long>(idx));
      idx = idx > 0 ? idx - 1 : 0;
    } else {
      current[idx] = to_add[0];
      in_current[to_add[0]] = 1;
      for (size_t k = 1; k < to_add.size(); ++k) {
        current.push_back(to_add[k]);
        in_current[to_add[k]] = 1;
      }
    }
  }
  return output;
}

void RevisionGraph::check_overlap(const std::vector<Index>& revs) const {
  if (revs.size() < 2) return;
  for (auto r : revs) {
    auto below = closure({r});
    std::vector<std::string> overlaps;
    for (auto o : revs)
      if (o != r && below[o]) overlaps.push_back(id(o));
    if (!overlaps.empty())
      throw revision_error("Requested revision " + id(r) + " overlaps with other requested revisions " +
                           util::join(overlaps, ", "));
  }
}

void RevisionGraph::check_rows(const std::vector<Index>& rows, const std::string& database) const {
  if (rows.size() < 2) return;
  // For each row, the rows below it (Revises + Depends On): those are stale.
  std::vector<std::string> stale;  // "aaaa (an ancestor of cccc)"
  std::vector<bool> is_stale(rows.size(), false);
  for (size_t k = 0; k < rows.size(); ++k) {
    auto below = closure({rows[k]});
    for (size_t j = 0; j < rows.size(); ++j)
      if (j != k && below[rows[j]] && !is_stale[j]) {
        is_stale[j] = true;
        stale.push_back(id(rows[j]) + " (an ancestor of " + id(rows[k]) + ")");
      }
  }
  if (stale.empty()) return;
  std::vector<std::string> keep;
  for (size_t k = 0; k < rows.size(); ++k)
    if (!is_stale[k]) keep.push_back(id(rows[k]));
  // database "" (history, which is not told the name): no --db in the advice.
  throw revision_error("the version table" + (database.empty() ? std::string() : " of database '" + database + "'") +
                       " holds " + util::join(ids(rows), ", ") + "; " + util::join(stale, ", ") +
                       (stale.size() == 1 ? " is a stale row" : " are stale rows") +
                       ": a revision's row must not sit beside its descendant's. Nothing was changed. Repair the "
                       "table without running any SQL with 'strata " + (database.empty() ? std::string() : "--db " + database + " ") +
                       "stamp --purge " +
                       util::join(keep, " ") + "', then run the command again");
}

std::string RevisionGraph::range_branch(const std::string& x, const std::string& range) const {
  // Alembic: X is a branch label, or a revision whose branch labels are
  // exactly one (it fails with an assertion otherwise, and finds nothing for
  // a partial id; Strata resolves a unique prefix like a full id).
  if (by_label_.count(x)) return x;
  Index r;
  try {
    r = revision_for_ident(x, "");
  } catch (const UserError& e) {
    throw revision_error("Requested range " + range + ": '" + x + "' is neither a branch label nor a revision (" +
                         e.what() + ")");
  }
  const auto& labels = nodes_[r].labels;
  if (labels.size() == 1) return labels[0];
  std::vector<std::string> sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  throw revision_error(
      "Requested range " + range + ": " + x + "@ scopes the range to the branch of revision " + id(r) + ", but " +
      id(r) +
      (labels.empty() ? std::string(" is on no labelled branch")
                      : " is on " + std::to_string(labels.size()) + " labelled branches (" + util::join(sorted, ", ") +
                            ")") +
      "; name the branch by its label (LABEL@base), or give a plain range (" + id(r) + ":heads)");
}

// ------------------------------------------------------------- listings

std::vector<Index> RevisionGraph::walk(const std::string& base, const std::string& head,
                                       const std::vector<std::string>& current_rows) const {
  // Alembic's walk_revisions: an inclusive "upgrade" from base to head,
  // listed newest first.
  auto current = rows_to_indexes(current_rows, "current");
  // Relative ends count from the lower end, as in Alembic.
  std::vector<Index> lower_for_relative;
  if (!base.empty() && base != "base" && base != "current" && base.find_first_of("+-") == std::string::npos)
    lower_for_relative = get_revisions(base);
  if (base == "current") lower_for_relative = current;
  if (base == "current" || head == "current") check_rows(current, "");
  std::vector<Index> targets;
  if (head == "current") targets = current;
  else targets = parse_upgrade_target(lower_for_relative, head.empty() ? "heads" : head);
  // A lower end naming a branch (LABEL@base, LABEL@head, REV@base, ...)
  // keeps only the upper ends on that branch, as Alembic does: the listing
  // is that branch (and what it needs), not every head's.
  if (auto at = base.find('@'); at != std::string::npos) {
    const std::string label = range_branch(base.substr(0, at), (base.empty() ? "base" : base) + ":" +
                                                                    (head.empty() ? "heads" : head));
    std::vector<Index> kept;
    for (auto t : targets)
      if (std::find(nodes_[t].labels.begin(), nodes_[t].labels.end(), label) != nodes_[t].labels.end())
        kept.push_back(t);
    targets = kept;
  }
  check_overlap(targets);
  std::vector<Index> lower;
  if (!base.empty() && base != "base") lower = base == "current" ? current : get_revisions(base);
  auto required = closure(targets);
  for (auto l : lower)
    if (!required[l])
      throw revision_error("Requested range " + (base.empty() ? "base" : base) + ":" +
                           (head.empty() ? "heads" : head) +
                           " does not refer to ancestor/descendant revisions along the same branch");
  auto below = closure(lower);
  std::vector<bool> needs(nodes_.size(), false);
  for (Index i = 0; i < nodes_.size(); ++i) needs[i] = required[i] && !below[i];
  for (auto l : lower) needs[l] = true;
  if (!lower.empty()) {
    auto after = descendants(lower, false);
    for (Index i = 0; i < nodes_.size(); ++i) needs[i] = needs[i] && after[i];
  }
  // With a lower bound the set is cut along Revises only, so the counting
  // shortcut does not hold: use Alembic's exact procedure (small sets).
  return topological_sort(needs, targets, !lower.empty());
}

std::vector<Index> RevisionGraph::current_tips(const std::vector<std::string>& rows,
                                               const std::string& database) const {
  return tips(closure(rows_to_indexes(rows, database)));
}

std::vector<Index> RevisionGraph::tips(const std::vector<bool>& all) const {
  // Keep revisions with no Revises-child inside the (ancestor-closed) set.
  std::vector<Index> out;
  for (Index i = 0; i < nodes_.size(); ++i) {
    if (!all[i]) continue;
    bool covered = false;
    for (auto c : nodes_[i].children)
      if (all[c]) covered = true;
    if (!covered) out.push_back(i);
  }
  return out;
}

}  // namespace strata::planner
