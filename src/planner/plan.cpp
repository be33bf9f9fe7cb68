// Plans: the steps of an upgrade, downgrade or stamp (or of one revision
// alone), each with the version-table writes Alembic's HeadMaintainer makes.
#include "strata/planner/graph.hpp"

#include "graph_detail.hpp"

#include <algorithm>
#include <set>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::planner {

using detail::contains;
using detail::push_unique;
using detail::revision_error;

std::string describe(const VersionOp& op) {
  switch (op.kind) {
    case VersionOp::Insert: return "INSERT " + op.to;
    case VersionOp::Update: return "UPDATE " + op.from + " -> " + op.to;
    case VersionOp::Delete: return "DELETE " + op.from;
  }
  return "";
}

// -------------------------------------------------- version-table writes

namespace {

// Alembic's HeadMaintainer: the set of version rows, changed step by step
// with the same decisions (create branch, merge, unmerge, delete, update)
// and the same failures.
class Heads {
 public:
  Heads(const RevisionGraph& g, std::vector<Index> rows, std::vector<bool> applied)
      : g_(g), rows_(std::move(rows)), applied_(std::move(applied)) {}

  const std::vector<Index>& rows() const { return rows_; }
  bool has(Index i) const { return contains(rows_, i); }

  void upgrade(Index r, std::vector<VersionOp>& ops) {
    const auto& downs = g_.node(r).norm_down;
    std::vector<Index> present;
    for (auto d : downs)
      if (has(d)) present.push_back(d);
    if (downs.empty() || present.empty()) {
      insert(r, ops);
    } else if (downs.size() > 1 && present.size() > 1) {
      // Merge: rows that another head still needs stay; of the others, all
      // but the last are deleted and the last becomes this revision.
      std::vector<Index> others;
      for (auto h : rows_)
        if (!contains(downs, h)) others.push_back(h);
      // Only parents that hold a row are deleted: a parent implied by
      // another (Depends On between parents) has none, and Alembic 1.8
      // fails on it (KeyError when the merge has three parents).
      std::vector<Index> from;
      for (auto d : downs)
        if (has(d) && !needed_by(d, others)) from.push_back(d);
      if (from.empty()) throw UserError("cannot merge into " + g_.id(r) + ": every parent row is still needed");
      for (size_t k = 0; k + 1 < from.size(); ++k) erase(from[k], ops);
      update(from.back(), r, ops);
    } else {
      Index from;
      if (downs.size() == 1) {
        from = downs[0];
      } else {
        if (present.size() != 1)
          throw UserError("Can't do an UPDATE because downrevision is ambiguous");
        from = present[0];
      }
      update(from, r, ops);
    }
    applied_[r] = true;
  }

  void downgrade(Index r, std::vector<VersionOp>& ops) {
    const auto& downs = g_.node(r).norm_down;
    struct Unapply {
      std::vector<bool>& applied;
      Index r;
      ~Unapply() { applied[r] = false; }
    } unapply{applied_, r};
    if (has(r)) {
      std::vector<Index> to;
      if (!downs.empty()) to = unmerge_to(r);
      if (downs.empty() || to.empty()) {
        erase(r, ops);
        return;
      }
      if (downs.size() > 1) {
        for (size_t k = 0; k + 1 < to.size(); ++k) insert(to[k], ops);
        update(r, to.back(), ops);
        return;
      }
    }
    if (downs.size() != 1) throw UserError("Can't do an UPDATE because downrevision is ambiguous");
    update(r, downs[0], ops);
  }

  // Stamp writes (Alembic's StampStep), from -> to.
  void stamp(const std::vector<Index>& from, const std::optional<Index>& to, bool is_upgrade, bool branch_move,
             std::vector<VersionOp>& ops) {
    if (!is_upgrade && branch_move) {
      erase(from.at(0), ops);
      return;
    }
    bool from_missing = false;
    for (auto f : from)
      if (!has(f)) from_missing = true;
    if (is_upgrade && (branch_move || from_missing) && to && !has(*to)) {
      insert(*to, ops);
      return;
    }
    if (from.size() > 1) {
      for (size_t k = 0; k + 1 < from.size(); ++k) erase(from[k], ops);
      update(from.back(), *to, ops);
      return;
    }
    if (from.size() != 1 || !to) throw UserError("stamp: nothing to update");
    update(from[0], *to, ops);
  }

 private:
  // Is `p` an ancestor of (or one of) `others`? Searched upwards from p
  // through applied revisions only, so the cost is the applied part above p.
  bool needed_by(Index p, const std::vector<Index>& others) const {
    if (others.empty()) return false;
    std::vector<Index> stack{p};
    std::set<Index> seen;
    while (!stack.empty()) {
      Index n = stack.back();
      stack.pop_back();
      if (!seen.insert(n).second) continue;
      if (contains(others, n)) return true;
      for (auto c : g_.node(n).all_children)
        if ((applied_[c] || contains(others, c)) && !seen.count(c)) stack.push_back(c);
    }
    return false;
  }

  std::vector<Index> unmerge_to(Index r) const {
    std::vector<Index> others;
    for (auto h : rows_)
      if (h != r) others.push_back(h);
    // A parent another head still needs keeps no row of its own (Alembic
    // 1.8). Nor does a parent that is an ancestor of another parent, e.g.
    // through Depends On (b1 depends on a1, merge of a1 and b1): Alembic 1.8
    // wrote both rows, a stale a1 beside b1 that made the next upgrade fail
    // with "overlaps". Alembic 1.13.1 fixed this when no other head is
    // present; Strata drops such a parent in every case.
    const auto& downs = g_.node(r).norm_down;
    std::vector<Index> out;
    for (auto d : downs) {
      // The other parents are applied, so the search upwards through
      // applied revisions finds them when they lie above d.
      std::vector<Index> above = others;
      for (auto e : downs)
        if (e != d) above.push_back(e);
      if (!needed_by(d, above)) out.push_back(d);
    }
    return out;
  }

  void insert(Index v, std::vector<VersionOp>& ops) {
    if (has(v)) throw UserError("version table already holds " + g_.id(v));
    rows_.push_back(v);
    ops.push_back({VersionOp::Insert, "", g_.id(v)});
  }
  void erase(Index v, std::vector<VersionOp>& ops) {
    if (!has(v)) throw UserError("version table does not hold " + g_.id(v) + ": cannot delete it");
    rows_.erase(std::find(rows_.begin(), rows_.end(), v));
    ops.push_back({VersionOp::Delete, g_.id(v), ""});
  }
  void update(Index from, Index to, std::vector<VersionOp>& ops) {
    if (has(to)) throw UserError("version table already holds " + g_.id(to));
    auto it = std::find(rows_.begin(), rows_.end(), from);
    if (it == rows_.end())
      throw UserError("version table does not hold " + g_.id(from) + ": cannot move it to " + g_.id(to));
    *it = to;
    ops.push_back({VersionOp::Update, g_.id(from), g_.id(to)});
  }

  const RevisionGraph& g_;
  std::vector<Index> rows_;
  std::vector<bool> applied_;
};

}  // namespace

// ---------------------------------------------------------------- plans

Plan RevisionGraph::plan_upgrade(const std::vector<std::string>& row_ids, const std::string& target,
                                 const std::string& database) const {
  check_target(target);
  auto current = rows_to_indexes(row_ids, database);
  check_rows(current, database);
  auto targets = parse_upgrade_target(current, target);
  check_overlap(targets);
  auto required = closure(targets);
  auto applied = closure(current);
  std::vector<bool> needs(nodes_.size(), false);
  for (Index i = 0; i < nodes_.size(); ++i) needs[i] = required[i] && !applied[i];
  auto order = topological_sort(needs, targets);
  std::reverse(order.begin(), order.end());
  Plan plan;
  Heads heads(*this, current, applied);
  for (auto r : order) {
    Step step{r, true, {}};
    heads.upgrade(r, step.ops);
    plan.steps.push_back(std::move(step));
  }
  plan.final_rows = ids(heads.rows());
  return plan;
}

Plan RevisionGraph::plan_downgrade(const std::vector<std::string>& row_ids, const std::string& target,
                                   const std::string& database) const {
  check_target(target);
  auto current = rows_to_indexes(row_ids, database);
  check_rows(current, database);
  Plan plan;
  auto [target_rev, branch] = parse_downgrade_target(current, target, database, plan.warnings);
  std::vector<Index> roots;
  if (!target_rev) roots = bases();
  else roots = nodes_[*target_rev].children;
  if (!branch.empty() && roots.size() > 1) {
    Index b = resolve_branch(branch);
    std::vector<bool> above(nodes_.size(), false);  // ancestors of b along Revises
    std::vector<Index> stack{b};
    while (!stack.empty()) {
      Index n = stack.back();
      stack.pop_back();
      if (above[n]) continue;
      above[n] = true;
      for (auto d : nodes_[n].down) stack.push_back(d);
    }
    std::vector<Index> kept;
    for (auto r : roots)
      if (above[r]) kept.push_back(r);
    roots = kept;
    if (roots.empty()) throw revision_error("Not a valid downgrade target from current heads");
  }
  auto applied = closure(current);
  auto below = descendants(roots, true);
  std::vector<bool> remove(nodes_.size(), false);
  bool any = false;
  for (Index i = 0; i < nodes_.size(); ++i) {
    remove[i] = below[i] && applied[i];
    any = any || remove[i];
  }
  if (target_rev && !any && !contains(current, *target_rev))
    throw revision_error("Destination " + id(*target_rev) + " is not a valid downgrade target from current head(s)");
  auto order = topological_sort(remove, current);
  Heads heads(*this, current, applied);
  for (auto r : order) {
    Step step{r, false, {}};
    heads.downgrade(r, step.ops);
    plan.steps.push_back(std::move(step));
  }
  plan.final_rows = ids(heads.rows());
  return plan;
}

Plan RevisionGraph::plan_stamp(const std::vector<std::string>& row_ids, const std::vector<std::string>& targets,
                               bool purge, const std::string& database) const {
  for (auto& t : targets) check_target(t);
  // With --purge the table is emptied first, so rows Strata does not know
  // are no obstacle.
  std::vector<Index> current = purge ? std::vector<Index>{} : rows_to_indexes(row_ids, database);
  std::vector<std::string> revision = targets;
  if (revision.empty()) revision = {"base"};
  std::vector<Index> filtered;
  for (auto& t : revision)
    if (!t.empty())
      for (auto h : filter_for_lineage(current, t, true)) push_unique(filtered, h);
  std::vector<std::optional<Index>> dests;
  for (auto& t : revision)
    for (auto d : get_revisions(t)) dests.push_back(d);
  if (dests.empty()) dests.push_back(std::nullopt);

  Plan plan;
  Heads heads(*this, current, closure(current));
  for (auto& dest : dests) {
    if (!dest) {
      for (auto h : filtered) heads.stamp({h}, std::nullopt, false, true, plan.stamp_ops);
      continue;
    }
    if (contains(filtered, *dest)) continue;
    auto down = descendants({*dest}, true);
    auto up = closure({*dest});
    bool is_down = false, is_up = false;
    for (auto h : filtered) {
      if (down[h]) is_down = true;
      if (up[h]) is_up = true;
    }
    if (is_down && is_up)
      throw revision_error("cannot stamp " + id(*dest) + ": the current revisions (" + util::join(ids(filtered), ", ") +
                           ") lie both above and below it; stamp with --purge to replace them");
    if (is_down) heads.stamp(filtered, dest, false, false, plan.stamp_ops);
    else if (is_up) heads.stamp(filtered, dest, true, false, plan.stamp_ops);
    else heads.stamp({}, dest, true, true, plan.stamp_ops);
  }
  plan.final_rows = ids(heads.rows());
  return plan;
}

Plan RevisionGraph::plan_single(const std::vector<std::string>& row_ids, const std::string& revision,
                                bool upgrade, const std::string& database) const {
  auto current = rows_to_indexes(row_ids, database);
  auto r = find(revision);
  if (!r) throw UserError("revision " + revision + " is not defined by any file in " + location_);
  Plan plan;
  Heads heads(*this, current, closure(current));
  Step step{*r, upgrade, {}};
  if (upgrade) heads.upgrade(*r, step.ops);
  else heads.downgrade(*r, step.ops);
  plan.steps.push_back(std::move(step));
  plan.final_rows = ids(heads.rows());
  return plan;
}

}  // namespace strata::planner
