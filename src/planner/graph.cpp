#include "strata/planner/graph.hpp"

#include <algorithm>
#include <regex>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::planner {
namespace {

std::string loc(const script::Revision& r) { return r.path + ":" + std::to_string(r.id_line); }

void erase_value(std::vector<Index>& v, Index x) { v.erase(std::remove(v.begin(), v.end(), x), v.end()); }

bool contains(const std::vector<Index>& v, Index x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

std::string describe(const VersionOp& op) {
  switch (op.kind) {
    case VersionOp::Insert: return "INSERT " + op.to;
    case VersionOp::Update: return "UPDATE " + op.from + " -> " + op.to;
    case VersionOp::Delete: return "DELETE " + op.from;
  }
  return "";
}

RevisionGraph::RevisionGraph(const script::ScriptDirectory& dir) : location_(dir.location) {
  nodes_.resize(dir.revisions.size());
  by_id_.reserve(dir.revisions.size() * 2);
  for (Index i = 0; i < nodes_.size(); ++i) {
    const auto& r = dir.revisions[i];
    nodes_[i].rev = &r;
    if (!by_id_.emplace(r.id, i).second)
      throw UserError(located(r.path, r.id_line, "duplicate revision id " + r.id + " (also in " +
                                                     loc(*nodes_[by_id_[r.id]].rev) + ")"));
  }
  for (Index i = 0; i < nodes_.size(); ++i) {
    const auto& r = *nodes_[i].rev;
    for (auto& label : r.branch_labels) {
      if (by_id_.count(label))
        throw UserError(located(r.path, r.id_line, "branch label '" + label +
                                                       "' is also a revision id"));
      auto [it, inserted] = by_label_.emplace(label, i);
      if (!inserted)
        throw UserError(located(r.path, r.id_line,
                                "branch label '" + label + "' is already used by revision " +
                                    id(it->second) + " (" + loc(rev(it->second)) + ")"));
    }
  }
  for (Index i = 0; i < nodes_.size(); ++i) {
    const auto& r = *nodes_[i].rev;
    for (auto& d : r.down_revisions) {
      auto it = by_id_.find(d);
      if (it == by_id_.end())
        throw UserError(located(r.path, r.id_line, "Revises: names revision " + d +
                                                       ", which no file in " + location_ +
                                                       " defines"));
      if (it->second == i) throw UserError(located(r.path, r.id_line, "revision revises itself"));
      nodes_[i].down.push_back(it->second);
      nodes_[it->second].children.push_back(i);
    }
    for (auto& d : r.depends_on) {
      auto it = by_id_.find(d);
      Index target;
      if (it != by_id_.end()) target = it->second;
      else if (auto l = by_label_.find(d); l != by_label_.end()) target = l->second;
      else
        throw UserError(located(r.path, r.id_line, "Depends On: names revision " + d +
                                                       ", which no file in " + location_ +
                                                       " defines"));
      nodes_[i].deps.push_back(target);
      nodes_[target].dependents.push_back(i);
    }
  }
  // Cycle check: iterative DFS over Revises + Depends On.
  std::vector<uint8_t> color(nodes_.size(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::pair<Index, size_t>> stack;
  for (Index start = 0; start < nodes_.size(); ++start) {
    if (color[start]) continue;
    stack.push_back({start, 0});
    color[start] = 1;
    while (!stack.empty()) {
      auto& [n, k] = stack.back();
      const auto& nd = nodes_[n];
      size_t total = nd.down.size() + nd.deps.size();
      if (k == total) {
        color[n] = 2;
        stack.pop_back();
        continue;
      }
      Index next = k < nd.down.size() ? nd.down[k] : nd.deps[k - nd.down.size()];
      ++k;
      if (color[next] == 1) {
        std::vector<std::string> cycle;
        bool on = false;
        for (auto& [m, unused] : stack) {
          if (m == next) on = true;
          if (on) cycle.push_back(id(m));
        }
        cycle.push_back(id(next));
        throw UserError(located(rev(next).path, rev(next).id_line,
                                "revision cycle: " + util::join(cycle, " -> ")));
      }
      if (color[next] == 0) {
        color[next] = 1;
        stack.push_back({next, 0});
      }
    }
  }
}

std::optional<Index> RevisionGraph::find(const std::string& text) const {
  auto it = by_id_.find(text);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<Index> RevisionGraph::heads() const {
  std::vector<Index> out;
  for (Index i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].children.empty()) out.push_back(i);
  return out;
}

std::vector<Index> RevisionGraph::bases() const {
  std::vector<Index> out;
  for (Index i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].down.empty()) out.push_back(i);
  return out;
}

std::optional<Index> RevisionGraph::labelled(const std::string& label) const {
  auto it = by_label_.find(label);
  if (it == by_label_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> RevisionGraph::ids(const std::vector<Index>& list) const {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto i : list) out.push_back(id(i));
  return out;
}

Index RevisionGraph::resolve_id(const std::string& text) const {
  if (auto i = find(text)) return *i;
  if (auto l = labelled(text)) return *l;
  std::vector<std::string> candidates;
  for (auto& [rid, idx] : by_id_)
    if (util::starts_with(rid, text)) candidates.push_back(rid);
  if (candidates.size() == 1) return by_id_.at(candidates[0]);
  if (candidates.empty())
    throw UserError("Can't locate revision identified by '" + text + "' in " + location_);
  std::sort(candidates.begin(), candidates.end());
  throw UserError("Multiple revisions start with '" + text + "': " + util::join(candidates, ", "));
}

std::vector<bool> RevisionGraph::closure(const std::vector<Index>& from) const {
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<Index> stack(from.begin(), from.end());
  while (!stack.empty()) {
    Index n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    for (auto d : nodes_[n].down) if (!seen[d]) stack.push_back(d);
    for (auto d : nodes_[n].deps) if (!seen[d]) stack.push_back(d);
  }
  return seen;
}

std::vector<bool> RevisionGraph::descendants(const std::vector<Index>& of) const {
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<Index> stack(of.begin(), of.end());
  while (!stack.empty()) {
    Index n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    for (auto c : nodes_[n].children) if (!seen[c]) stack.push_back(c);
    for (auto c : nodes_[n].dependents) if (!seen[c]) stack.push_back(c);
  }
  return seen;
}

std::vector<Index> RevisionGraph::rows_to_indexes(const std::vector<std::string>& rows,
                                                  const std::string& database) const {
  std::vector<Index> out;
  for (auto& r : rows) {
    auto i = find(r);
    if (!i)
      throw UserError("database '" + database + "' is at revision " + r +
                      ", which no file in " + location_ +
                      " defines (wrong location, or a revision file was deleted?)");
    out.push_back(*i);
  }
  return out;
}

// Walks n steps up (children) or down (Revises) from `from`. Returns
// size() to mean "below the base".
Index RevisionGraph::step_relative(Index from, long n, const std::string& target) const {
  const Index below_base = static_cast<Index>(nodes_.size());
  Index cur = from;
  for (long k = 0; k < std::labs(n); ++k) {
    if (cur == below_base)
      throw UserError("Relative revision " + target + " didn't produce " +
                      std::to_string(std::labs(n)) + " migrations");
    const auto& next = n > 0 ? nodes_[cur].children : nodes_[cur].down;
    if (next.empty()) {
      if (n < 0 && k + 1 == std::labs(n)) return below_base;
      if (n < 0) { cur = below_base; continue; }
      throw UserError("Relative revision " + target + " didn't produce " + std::to_string(n) +
                      " migrations");
    }
    if (next.size() > 1)
      throw UserError("Relative revision " + target + " is ambiguous: " + id(cur) + " is a " +
                      (n > 0 ? "branch point" : "merge point") + " (" +
                      util::join(ids(next), ", ") + "); name a revision instead");
    cur = next[0];
  }
  return cur;
}

std::vector<Index> RevisionGraph::resolve_target(const std::string& target,
                                                 const std::vector<Index>& current,
                                                 bool downgrade) const {
  const Index below_base = static_cast<Index>(nodes_.size());
  if (target.empty()) throw UserError("empty revision target");
  if (target == "base") return {};
  if (target == "heads") return heads();
  if (target == "head") {
    auto h = heads();
    if (h.size() > 1)
      throw UserError("Multiple head revisions are present for given argument 'head'; please "
                      "specify a specific target revision, '<branchname>@head' to narrow to a "
                      "specific head, or 'heads' for all heads");
    return h;
  }
  static const std::regex relative(R"(^(?:(.+?)@)?(\w+)?([+-]\d+)$)");
  std::smatch m;
  if (std::regex_match(target, m, relative)) {
    long n = std::stol(m[3].str());
    std::optional<Index> start;
    if (m[2].matched && !m[1].matched) {
      start = resolve_id(m[2].str());
    } else if (m[1].matched && !m[2].matched) {
      // label@+N: relative to the current revision on that branch.
      Index branch = resolve_id(m[1].str());
      auto on_branch = descendants({branch});
      auto below = closure({branch});
      for (auto c : current)
        if (on_branch[c] || below[c]) start = c;
      if (!start) {
        if (n <= 0) throw UserError("No current revision on branch '" + m[1].str() + "'");
        // Nothing applied on that branch: +1 is the branch's first revision.
        auto r = n == 1 ? branch : step_relative(branch, n - 1, target);
        return {r};
      }
    } else if (m[1].matched && m[2].matched) {
      start = resolve_id(m[2].str());
    } else {
      if (current.size() > 1)
        throw UserError("Relative revision " + target + " is ambiguous: the database has " +
                        std::to_string(current.size()) + " heads (" +
                        util::join(ids(current), ", ") + "); use LABEL@" + target +
                        " or name a revision");
      if (current.empty()) {
        if (n <= 0)
          throw UserError("Relative revision " + target + " didn't produce " +
                          std::to_string(-n) + " migrations (the database is at base)");
        auto b = bases();
        if (b.size() != 1)
          throw UserError("Relative revision " + target + " is ambiguous: several bases (" +
                          util::join(ids(b), ", ") + ")");
        Index r = n == 1 ? b[0] : step_relative(b[0], n - 1, target);
        return {r};
      }
      start = current[0];
    }
    Index r = step_relative(*start, n, target);
    if (r == below_base) return {};
    return {r};
  }
  if (auto at = target.find('@'); at != std::string::npos) {
    std::string branch = target.substr(0, at), what = target.substr(at + 1);
    Index b = resolve_id(branch);
    if (what == "head") {
      auto d = descendants({b});
      std::vector<Index> hs;
      for (auto h : heads())
        if (d[h]) hs.push_back(h);
      if (hs.size() != 1)
        throw UserError("'" + target + "' matches " + std::to_string(hs.size()) + " heads (" +
                        util::join(ids(hs), ", ") + "); name one of them");
      return hs;
    }
    if (what == "base") {
      // The branch's base: what its first labelled revision revises.
      std::vector<Index> out(nodes_[b].down.begin(), nodes_[b].down.end());
      return out;
    }
    Index r = resolve_id(what);
    if (!descendants({b})[r] && !closure({b})[r])
      throw UserError("Revision " + id(r) + " is not on branch '" + branch + "'");
    return {r};
  }
  (void)downgrade;
  return {resolve_id(target)};
}

Plan RevisionGraph::run_steps(std::vector<bool> applied, std::vector<Index> rows,
                              const std::vector<Index>& order, bool upgrade) const {
  Plan plan;
  plan.steps.reserve(order.size());
  for (Index r : order) {
    Step step{r, upgrade, {}};
    std::vector<Index> removed, added;
    const auto& nd = nodes_[r];
    if (upgrade) {
      applied[r] = true;
      for (auto p : nd.down) if (contains(rows, p) && !contains(removed, p)) removed.push_back(p);
      for (auto p : nd.deps) if (contains(rows, p) && !contains(removed, p)) removed.push_back(p);
      added.push_back(r);
    } else {
      applied[r] = false;
      removed.push_back(r);
      auto still_needed = [&](Index p) {
        for (auto c : nodes_[p].children) if (applied[c]) return true;
        for (auto c : nodes_[p].dependents) if (applied[c]) return true;
        return false;
      };
      for (auto p : nd.down)
        if (applied[p] && !still_needed(p) && !contains(rows, p) && !contains(added, p)) added.push_back(p);
      for (auto p : nd.deps)
        if (applied[p] && !still_needed(p) && !contains(rows, p) && !contains(added, p)) added.push_back(p);
    }
    // Alembic's writes: a merge deletes all but one row and updates that
    // one; a new branch inserts; leaving a branch deletes.
    size_t pairs = std::min(removed.size(), added.size());
    for (size_t k = pairs; k < removed.size(); ++k)
      step.ops.push_back({VersionOp::Delete, id(removed[k]), ""});
    for (size_t k = 0; k < pairs; ++k)
      step.ops.push_back({VersionOp::Update, id(removed[k]), id(added[k])});
    for (size_t k = pairs; k < added.size(); ++k)
      step.ops.push_back({VersionOp::Insert, "", id(added[k])});
    for (auto x : removed) erase_value(rows, x);
    for (auto x : added) rows.push_back(x);
    plan.steps.push_back(std::move(step));
  }
  plan.final_rows = ids(rows);
  return plan;
}

Plan RevisionGraph::plan_upgrade(const std::vector<std::string>& row_ids,
                                 const std::string& target, const std::string& database) const {
  auto rows = rows_to_indexes(row_ids, database);
  auto applied = closure(rows);
  auto targets = resolve_target(target, rows, false);
  // Post-order DFS from the targets: every revision after all it revises
  // and depends on, one branch finished before the next is started.
  std::vector<Index> order;
  std::vector<bool> visited = applied;
  std::vector<std::pair<Index, size_t>> stack;
  for (Index t : targets) {
    if (visited[t]) continue;
    visited[t] = true;
    stack.push_back({t, 0});
    while (!stack.empty()) {
      auto& [n, k] = stack.back();
      const auto& nd = nodes_[n];
      if (k == nd.down.size() + nd.deps.size()) {
        order.push_back(n);
        stack.pop_back();
        continue;
      }
      Index next = k < nd.down.size() ? nd.down[k] : nd.deps[k - nd.down.size()];
      ++k;
      if (!visited[next]) {
        visited[next] = true;
        stack.push_back({next, 0});
      }
    }
  }
  return run_steps(std::move(applied), std::move(rows), order, true);
}

Plan RevisionGraph::plan_downgrade(const std::vector<std::string>& row_ids,
                                   const std::string& target, const std::string& database) const {
  auto rows = rows_to_indexes(row_ids, database);
  auto applied = closure(rows);
  auto targets = resolve_target(target, rows, true);
  for (auto t : targets)
    if (!applied[t])
      throw UserError("Destination " + id(t) +
                      " is not a valid downgrade target from current head(s) " +
                      (row_ids.empty() ? std::string("<base>") : util::join(row_ids, ", ")));
  std::vector<bool> remove(nodes_.size(), false);
  if (targets.empty()) {
    remove = applied;
  } else {
    auto below = descendants(targets);
    for (Index i = 0; i < nodes_.size(); ++i) remove[i] = applied[i] && below[i];
    for (auto t : targets) remove[t] = false;
  }
  // Ancestors first among the removed set, then reversed: children go first.
  std::vector<Index> order;
  std::vector<bool> visited(nodes_.size(), false);
  std::vector<std::pair<Index, size_t>> stack;
  for (Index s = 0; s < nodes_.size(); ++s) {
    if (!remove[s] || visited[s]) continue;
    visited[s] = true;
    stack.push_back({s, 0});
    while (!stack.empty()) {
      auto& [n, k] = stack.back();
      const auto& nd = nodes_[n];
      if (k == nd.down.size() + nd.deps.size()) {
        order.push_back(n);
        stack.pop_back();
        continue;
      }
      Index next = k < nd.down.size() ? nd.down[k] : nd.deps[k - nd.down.size()];
      ++k;
      if (remove[next] && !visited[next]) {
        visited[next] = true;
        stack.push_back({next, 0});
      }
    }
  }
  std::reverse(order.begin(), order.end());
  return run_steps(std::move(applied), std::move(rows), order, false);
}

Plan RevisionGraph::plan_stamp(const std::vector<std::string>& row_ids,
                               const std::vector<std::string>& targets, bool purge,
                               const std::string& database) const {
  std::vector<Index> rows = purge ? std::vector<Index>{} : rows_to_indexes(row_ids, database);
  std::vector<Index> wanted;
  bool to_base = false;  // "base" among the targets: no current row survives
  for (auto& t : targets) {
    auto resolved = resolve_target(t, rows, false);
    if (resolved.empty()) to_base = true;
    for (auto i : resolved)
      if (!contains(wanted, i)) wanted.push_back(i);
  }
  // Keep only the maximal revisions of what was asked for.
  std::vector<Index> keep_wanted;
  for (auto w : wanted) {
    bool covered = false;
    for (auto o : wanted)
      if (o != w && closure({o})[w]) covered = true;
    if (!covered) keep_wanted.push_back(w);
  }
  // Rows on unrelated branches stay; rows related to a target are replaced.
  auto up = closure(keep_wanted), down = descendants(keep_wanted);
  std::vector<Index> new_rows;
  for (auto r : rows)
    if (!to_base && !up[r] && !down[r]) new_rows.push_back(r);
  for (auto w : keep_wanted) new_rows.push_back(w);

  Plan plan;
  std::vector<std::string> old_ids = purge ? row_ids : ids(rows);
  std::vector<std::string> removed, added;
  for (auto& o : old_ids)
    if (std::find(new_rows.begin(), new_rows.end(), find(o).value_or(~Index{0})) == new_rows.end() ||
        purge)
      removed.push_back(o);
  for (auto n : new_rows)
    if (purge || std::find(old_ids.begin(), old_ids.end(), id(n)) == old_ids.end())
      added.push_back(id(n));
  size_t pairs = purge ? 0 : std::min(removed.size(), added.size());
  for (size_t k = pairs; k < removed.size(); ++k) plan.stamp_ops.push_back({VersionOp::Delete, removed[k], ""});
  for (size_t k = 0; k < pairs; ++k) plan.stamp_ops.push_back({VersionOp::Update, removed[k], added[k]});
  for (size_t k = pairs; k < added.size(); ++k) plan.stamp_ops.push_back({VersionOp::Insert, "", added[k]});
  plan.final_rows = ids(new_rows);
  return plan;
}

}  // namespace strata::planner
