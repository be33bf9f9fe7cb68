#include "strata/cli/format.hpp"

#include <algorithm>
#include <optional>

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
  if (parts.doc) text.append(", ").append(r.summary());
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
  // Held: upgrade refuses it until the header line is deleted.
  if (!r.review.empty()) out += "Awaits review: " + r.review + " (upgrade refuses it until its -- Review: line is deleted)\n";
  out += "Path: " + r.path + "\n\n";
  // Every line of the message, indented as Alembic indents its docstring.
  for (size_t at = 0; at <= r.message.size();) {
    const size_t end = std::min(r.message.find('\n', at), r.message.size());
    if (end > at) out.append("    ").append(r.message, at, end - at);
    out += "\n";
    at = end + 1;
  }
  out += "\n";
  out += "    Revision ID: " + r.id + "\n";
  out += "    Revises: " + util::join(r.down_revisions, ", ") + "\n";
  out += "    Create Date: " + r.create_date + "\n";
  return out;
}

std::vector<std::string> graph_lines(const planner::RevisionGraph& g, const std::vector<planner::Index>& order,
                                     const std::set<std::string>& current) {
  using planner::Index;
  const Index none = static_cast<Index>(g.size());
  std::vector<Index> lanes;  // the revision each lane waits for
  std::vector<std::string> out;
  auto rtrim = [](std::string t) {
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t;
  };
  LineParts parts;
  parts.branches = parts.doc = true;
  for (Index r : order) {
    std::vector<size_t> at;
    for (size_t i = 0; i < lanes.size(); ++i)
      if (lanes[i] == r) at.push_back(i);
    if (at.empty()) {
      auto free_lane = std::find(lanes.begin(), lanes.end(), none);
      if (free_lane != lanes.end()) *free_lane = r, at.push_back(static_cast<size_t>(free_lane - lanes.begin()));
      else lanes.push_back(r), at.push_back(lanes.size() - 1);
    }
    const size_t col = at[0];
    if (at.size() > 1) {
      // Several lanes waited for r (a branch point): they join its lane,
      // and lanes to their right move left.
      std::string buf(lanes.size() * 2, ' ');
      size_t removed = 0;
      for (size_t i = 0; i < lanes.size(); ++i) {
        bool joining = std::find(at.begin() + 1, at.end(), i) != at.end();
        if (joining) ++removed;
        if (lanes[i] == none) continue;
        if (joining || (removed && i > col)) buf[2 * i - 1] = '/';
        else buf[2 * i] = '|';
      }
      out.push_back(rtrim(buf));
      for (size_t k = at.size() - 1; k >= 1; --k) lanes.erase(lanes.begin() + static_cast<long>(at[k]));
    }
    std::string node;
    for (size_t i = 0; i < lanes.size(); ++i) node += std::string(i == col ? "*" : lanes[i] == none ? " " : "|") + " ";
    out.push_back(node + " " + line(g, r, parts, current));
    const auto& downs = g.node(r).down;
    lanes[col] = downs.empty() ? none : downs[0];
    size_t opened = 0;
    for (size_t k = 1; k < downs.size(); ++k) {
      if (std::find(lanes.begin(), lanes.end(), downs[k]) != lanes.end()) continue;
      lanes.insert(lanes.begin() + static_cast<long>(col + 1 + opened), downs[k]);
      ++opened;
    }
    if (opened) {
      // A merge point: its other parents open lanes to its right.
      std::string buf(lanes.size() * 2, ' ');
      for (size_t i = 0; i < lanes.size(); ++i) {
        if (lanes[i] == none) continue;
        if (i <= col) buf[2 * i] = '|';
        else buf[2 * i - 1] = '\\';
      }
      out.push_back(rtrim(buf));
    }
    while (!lanes.empty() && lanes.back() == none) lanes.pop_back();
  }
  return out;
}

namespace {

std::string dot_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

/// The nodes and edges of one chain, each line indented by `indent`, node
/// ids prefixed with `id_prefix` (empty for a graph alone).
std::string dot_body(const planner::RevisionGraph& g, const std::string& id_prefix, const std::string& indent) {
  auto node_id = [&](planner::Index i) { return "\"" + dot_escape(id_prefix + g.id(i)) + "\""; };
  std::string out;
  for (planner::Index i = 0; i < g.size(); ++i) {
    const auto& r = g.rev(i);
    std::string label = dot_escape(r.id) + "\\n" + dot_escape(std::string(r.summary()));
    if (!g.node(i).labels.empty()) label += "\\n(" + dot_escape(util::join(g.node(i).labels, ", ")) + ")";
    out += indent + node_id(i) + " [label=\"" + label + "\"";
    if (g.is_head(i)) out += ", style=bold";
    if (g.is_merge_point(i) || g.is_branch_point(i)) out += ", shape=box3d";
    out += "];\n";
  }
  for (planner::Index i = 0; i < g.size(); ++i) {
    for (auto d : g.node(i).down) out += indent + node_id(i) + " -> " + node_id(d) + ";\n";
    for (auto d : g.node(i).deps) out += indent + node_id(i) + " -> " + node_id(d) + " [style=dashed];\n";
  }
  return out;
}

constexpr const char* kDotHeader = "  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n";

}  // namespace

std::string dot_graph(const planner::RevisionGraph& g, const std::string& name) {
  return "digraph \"" + dot_escape(name) + "\" {\n" + kDotHeader + dot_body(g, "", "  ") + "}\n";
}

std::string dot_graphs(const std::vector<NamedGraph>& graphs) {
  if (graphs.size() == 1) return dot_graph(*graphs[0].second, graphs[0].first);
  std::string out = "digraph \"strata\" {\n";
  out += kDotHeader;
  out += "  compound=true;\n";
  std::string cross;
  for (auto& [name, g] : graphs) {
    out += "  subgraph \"cluster_" + dot_escape(name) + "\" {\n";
    out += "    label=\"" + dot_escape(name) + "\";\n";
    out += dot_body(*g, name + ":", "    ");
    out += "  }\n";
    // Depends On: DB@REV, when DB is in the picture and REV names one revision.
    for (planner::Index i = 0; i < g->size(); ++i) {
      for (auto& [other, rev] : g->node(i).cross_deps) {
        auto it = std::find_if(graphs.begin(), graphs.end(), [&](const NamedGraph& n) { return n.first == other; });
        if (it == graphs.end()) continue;
        std::optional<planner::Index> target;
        try {
          target = it->second->get_revision(rev);
        } catch (const std::exception&) {
          continue;  // the runner reports it when it matters
        }
        if (!target) continue;
        cross += "  \"" + dot_escape(name + ":" + g->id(i)) + "\" -> \"" +
                 dot_escape(other + ":" + it->second->id(*target)) + "\" [style=dashed];\n";
      }
    }
  }
  return out + cross + "}\n";
}

nlohmann::json revision_json(const planner::RevisionGraph& g, planner::Index i, std::optional<bool> transactional_ddl) {
  const auto& r = g.rev(i);
  const auto& n = g.node(i);
  nlohmann::json j;
  j["revision"] = r.id;
  j["down_revisions"] = r.down_revisions;
  j["branch_labels"] = n.labels;
  j["depends_on"] = r.depends_on;
  j["message"] = r.message;
  j["create_date"] = r.create_date;
  j["path"] = r.path;
  j["transactional"] = r.transactional;
  j["atomic"] = !r.transactional ? nlohmann::json(false)
                : transactional_ddl ? nlohmann::json(*transactional_ddl)
                                    : nlohmann::json(nullptr);
  nlohmann::json children = nlohmann::json::array();
  for (auto c : n.children) children.push_back(g.id(c));
  j["children"] = std::move(children);
  j["is_head"] = g.is_head(i);
  j["is_branch_point"] = g.is_branch_point(i);
  j["is_merge_point"] = g.is_merge_point(i);
  return j;
}

nlohmann::json revisions_json(const planner::RevisionGraph& g, const std::vector<planner::Index>& list,
                              std::optional<bool> transactional_ddl) {
  nlohmann::json out = nlohmann::json::array();
  for (auto i : list) out.push_back(revision_json(g, i, transactional_ddl));
  return out;
}

nlohmann::json edges_json(const planner::RevisionGraph& g, const std::string& database) {
  nlohmann::json out = nlohmann::json::array();
  auto edge = [&](planner::Index from, const std::string& to, const std::string& to_db, const char* kind) {
    out.push_back({{"from", g.id(from)}, {"to", to}, {"to_database", to_db}, {"kind", kind}});
  };
  for (planner::Index i = 0; i < g.size(); ++i) {
    for (auto d : g.node(i).down) edge(i, g.id(d), database, "revises");
    for (auto d : g.node(i).deps) edge(i, g.id(d), database, "depends_on");
    for (auto& [other, rev] : g.node(i).cross_deps) edge(i, rev, other, "depends_on");
  }
  return out;
}

std::string json_text(const nlohmann::json& j) {
  // A message in another encoding must not make dump() throw.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace strata::cli
