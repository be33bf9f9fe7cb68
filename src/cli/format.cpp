#include "strata/cli/format.hpp"

#include <algorithm>

#include "strata/util/strings.hpp"

namespace strata::cli {
namespace {

std::string down_text(const script::Revision& r) {
  if (r.down_revisions.empty()) return "<base>";
  if (r.down_revisions.size() == 1) return r.down_revisions[0];
  return "(" + util::join(r.down_revisions, ", ") + ")";
}

std::string markers(const planner::RevisionGraph& g, planner::Index i,
                    const std::set<std::string>& current) {
  const auto& n = g.node(i);
  std::string out;
  if (!n.rev->branch_labels.empty()) out += " (" + util::join(n.rev->branch_labels, ", ") + ")";
  if (n.children.empty()) out += " (head)";
  if (n.children.size() > 1) out += " (branchpoint)";
  if (n.down.size() > 1) out += " (mergepoint)";
  if (current.count(n.rev->id)) out += " (current)";
  return out;
}

}  // namespace

std::string history_line(const planner::RevisionGraph& g, planner::Index i,
                         const std::set<std::string>& current) {
  const auto& r = g.rev(i);
  return down_text(r) + " -> " + r.id + markers(g, i, current) + ", " + r.message;
}

std::string short_line(const planner::RevisionGraph& g, planner::Index i) {
  return g.id(i) + markers(g, i, {});
}

std::string verbose_entry(const planner::RevisionGraph& g, planner::Index i,
                          const std::set<std::string>& current) {
  const auto& r = g.rev(i);
  const auto& n = g.node(i);
  std::string out = "Rev: " + r.id + markers(g, i, current) + "\n";
  if (r.down_revisions.size() > 1) out += "Merges: " + util::join(r.down_revisions, ", ") + "\n";
  else out += "Parent: " + down_text(r) + "\n";
  if (n.children.size() > 1) {
    std::vector<std::string> kids;
    for (auto c : n.children) kids.push_back(g.id(c));
    out += "Branches into: " + util::join(kids, ", ") + "\n";
  }
  if (!r.branch_labels.empty()) out += "Branch names: " + util::join(r.branch_labels, ", ") + "\n";
  if (!r.depends_on.empty()) out += "Also depends on: " + util::join(r.depends_on, ", ") + "\n";
  if (!r.transactional) out += "Transactional: false\n";
  out += "Path: " + r.path + "\n\n";
  out += "    " + r.message + "\n\n";
  out += "    Revision ID: " + r.id + "\n";
  out += "    Revises: " + util::join(r.down_revisions, ", ") + "\n";
  out += "    Create Date: " + r.create_date + "\n";
  return out;
}

std::vector<planner::Index> newest_first(const planner::RevisionGraph& g) {
  // Post-order over Revises from every head gives parents first; reversed,
  // each revision comes before what it revises.
  std::vector<planner::Index> order;
  std::vector<bool> seen(g.size(), false);
  std::vector<std::pair<planner::Index, size_t>> stack;
  auto heads = g.heads();
  std::vector<planner::Index> starts(heads.rbegin(), heads.rend());
  for (planner::Index i = 0; i < g.size(); ++i) starts.push_back(i);
  for (auto s : starts) {
    if (seen[s]) continue;
    seen[s] = true;
    stack.push_back({s, 0});
    while (!stack.empty()) {
      auto& [n, k] = stack.back();
      const auto& down = g.node(n).down;
      if (k == down.size()) {
        order.push_back(n);
        stack.pop_back();
        continue;
      }
      auto next = down[k++];
      if (!seen[next]) {
        seen[next] = true;
        stack.push_back({next, 0});
      }
    }
  }
  std::reverse(order.begin(), order.end());
  return order;
}

}  // namespace strata::cli
