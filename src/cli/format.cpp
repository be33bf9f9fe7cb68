#include "strata/cli/format.hpp"

#include "strata/util/strings.hpp"

namespace strata::cli {
namespace {

std::string down_text(const script::Revision& r) {
  if (r.down_revisions.empty()) return "<base>";
  return util::join(r.down_revisions, ", ");
}

}  // namespace

std::string line(const planner::RevisionGraph& g, planner::Index i, const LineParts& parts,
                 const std::set<std::string>& current) {
  const auto& r = g.rev(i);
  const auto& n = g.node(i);
  std::string text = r.id;
  if (parts.parents) {
    if (!r.depends_on.empty())
      text = down_text(r) + " (" + util::join(r.depends_on, ", ") + ") -> " + text;
    else
      text = down_text(r) + " -> " + text;
  }
  if (parts.branches && !n.labels.empty()) text += " (" + util::join(n.labels, ", ") + ")";
  if (g.is_real_head(i)) text += " (head)";
  if (g.is_head(i) && !g.is_real_head(i)) text += " (effective head)";
  if (current.count(r.id)) text += " (current)";
  if (parts.tree) {
    if (g.is_branch_point(i)) text += " (branchpoint)";
    if (g.is_merge_point(i)) text += " (mergepoint)";
  }
  if (parts.doc) text += ", " + r.message;
  return text;
}

std::string verbose_entry(const planner::RevisionGraph& g, planner::Index i,
                          const std::set<std::string>& current) {
  const auto& r = g.rev(i);
  const auto& n = g.node(i);
  std::string out = "Rev: " + r.id;
  if (g.is_head(i)) out += " (head)";
  if (g.is_branch_point(i)) out += " (branchpoint)";
  if (g.is_merge_point(i)) out += " (mergepoint)";
  if (current.count(r.id)) out += " (current)";
  out += "\n";
  out += (g.is_merge_point(i) ? "Merges: " : "Parent: ") + down_text(r) + "\n";
  if (!r.depends_on.empty()) out += "Also depends on: " + util::join(r.depends_on, ", ") + "\n";
  if (g.is_branch_point(i)) {
    std::vector<std::string> kids;
    for (auto c : n.children) kids.push_back(g.id(c));
    out += "Branches into: " + util::join(kids, ", ") + "\n";
  }
  if (!n.labels.empty()) out += "Branch names: " + util::join(n.labels, ", ") + "\n";
  if (!r.transactional) out += "Transactional: false\n";
  out += "Path: " + r.path + "\n\n";
  out += "    " + r.message + "\n\n";
  out += "    Revision ID: " + r.id + "\n";
  out += "    Revises: " + util::join(r.down_revisions, ", ") + "\n";
  out += "    Create Date: " + r.create_date + "\n";
  return out;
}

}  // namespace strata::cli
