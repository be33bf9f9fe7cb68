// RevisionGraph: building and validating the graph of one version location
// from its revision files (ids, Revises, Depends On, branch labels, cycles),
// and the queries on it (lookup, heads, bases, ancestors, descendants).
// Target resolution is in targets.cpp, ordering and listings in walk.cpp,
// plans and their version-table writes in plan.cpp.
#include "strata/planner/graph.hpp"

#include "graph_detail.hpp"

#include <algorithm>
#include <stdexcept>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::planner {

using detail::contains;
using detail::push_unique;

namespace {

std::string loc(const script::Revision& r) { return r.path + ":" + std::to_string(r.id_line); }

}  // namespace

// ------------------------------------------------------------ building

RevisionGraph::RevisionGraph(const script::ScriptDirectory& dir) : location_(dir.location) {
  nodes_.resize(dir.revisions.size());
  revs_ = dir.revisions.data();
  size_t slots = 16;
  while (slots < nodes_.size() * 2) slots *= 2;
  id_slots_.assign(slots, 0);
  for (Index i = 0; i < nodes_.size(); ++i) {
    const auto& r = dir.revisions[i];
    nodes_[i].rev = &r;
    if (auto first = insert_id(i))
      throw UserError(located(r.path, r.id_line, "duplicate revision id " + r.id + " (also in " +
                                                     loc(*nodes_[*first].rev) + ")"));
  }
  for (Index i = 0; i < nodes_.size(); ++i) {
    const auto& r = *nodes_[i].rev;
    for (auto& label : r.branch_labels) {
      if (find(label))
        throw UserError(located(r.path, r.id_line, "branch label '" + label + "' is also a revision id"));
      auto [it, inserted] = by_label_.emplace(label, i);
      if (!inserted)
        throw UserError(located(r.path, r.id_line,
                                "Branch name '" + label + "' in revision " + r.id +
                                    " already used by revision " + id(it->second) + " (" +
                                    loc(rev(it->second)) + ")"));
      label_order_.push_back(label);
    }
  }
  for (Index i = 0; i < nodes_.size(); ++i) {
    const auto& r = *nodes_[i].rev;
    // The header line that names them (revisions made in memory have none).
    const int revises_at = r.revises_line ? r.revises_line : r.id_line;
    const int depends_at = r.depends_on_line ? r.depends_on_line : r.id_line;
    for (auto& d : r.down_revisions) {
      auto parent = find(d);
      if (!parent)
        throw UserError(
            located(r.path, revises_at,
                    "Revises: names revision " + d + ", which no file in " + location_ + " defines"));
      if (*parent == i) throw UserError(located(r.path, revises_at, "revision " + r.id + " revises itself"));
      push_unique(nodes_[i].down, *parent);
    }
    for (auto& d : r.depends_on) {
      // DB@REV names a revision of another database's chain.
      if (auto at = d.find('@'); at != std::string::npos && !by_label_.count(d.substr(0, at))) {
        if (at == 0 || at + 1 == d.size())
          throw UserError(
              located(r.path, depends_at, "Depends On: '" + d + "' is not of the form DATABASE@REVISION"));
        nodes_[i].cross_deps.emplace_back(d.substr(0, at), d.substr(at + 1));
        continue;
      }
      Index target;
      if (auto found = find(d)) target = *found;
      else if (auto l = by_label_.find(d); l != by_label_.end()) target = l->second;
      else
        throw UserError(
            located(r.path, depends_at,
                    "Depends On: names revision " + d + ", which no file in " + location_ + " defines"));
      if (target == i)
        throw UserError(located(r.path, depends_at, "revision " + r.id + " depends on itself"));
      push_unique(nodes_[i].deps, target);
    }
    for (auto d : nodes_[i].down) nodes_[d].children.push_back(i);
    IndexList all_down = nodes_[i].down;
    for (auto d : nodes_[i].deps) push_unique(all_down, d);
    for (auto d : all_down) nodes_[d].all_children.push_back(i);
  }

  // A topological order over Revises + Depends On (parents first), by
  // Kahn's algorithm: one pass, and it leaves out exactly the revisions on
  // or below a cycle. Only then does a depth-first search find the cycle to
  // print (walking the graph at random costs a cache miss per revision at
  // 100k revisions; doing it only for the error keeps the build linear and
  // cheap).
  std::vector<Index> order;
  order.reserve(nodes_.size());
  {
    std::vector<uint32_t> pending(nodes_.size());
    for (Index i = 0; i < nodes_.size(); ++i) {
      pending[i] = nodes_[i].down.size();
      for (auto d : nodes_[i].deps) pending[i] += !contains(nodes_[i].down, d);
      if (!pending[i]) order.push_back(i);
    }
    for (size_t k = 0; k < order.size(); ++k)
      for (auto c : nodes_[order[k]].all_children)
        if (--pending[c] == 0) order.push_back(c);
  }
  if (order.size() < nodes_.size()) throw_cycle();

  // Normalised dependencies: drop a dependency that an ancestor (along
  // Revises) already declares. Processed in topological order so each
  // node's "dependencies declared at or above me" set is built once from
  // its parents; sets are only materialised for nodes below a dependency.
  std::vector<std::vector<Index>> declared_above(nodes_.size());  // deps declared by strict ancestors
  for (auto i : order) {
    auto& nd = nodes_[i];
    std::vector<Index> above;
    for (auto p : nd.down) {
      for (auto d : declared_above[p]) push_unique(above, d);
      for (auto d : nodes_[p].deps) push_unique(above, d);
    }
    for (auto d : nd.deps)
      if (!contains(above, d)) nd.norm_deps.push_back(d);
    nd.norm_down = nd.down;
    for (auto d : nd.norm_deps) push_unique(nd.norm_down, d);
    declared_above[i] = std::move(above);
  }
  propagate_labels();
}

void RevisionGraph::throw_cycle() const {
  // Depth-first over Revises + Depends On from each revision in file order;
  // the first edge back onto the stack closes the cycle printed.
  std::vector<uint8_t> color(nodes_.size(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::pair<Index, size_t>> stack;
  for (Index start = 0; start < nodes_.size(); ++start) {
    if (color[start]) continue;
    stack.push_back({start, 0});
    color[start] = 1;
    while (!stack.empty()) {
      auto& [n, k] = stack.back();
      const auto& nd = nodes_[n];
      if (k == nd.down.size() + nd.deps.size()) {
        color[n] = 2;
        stack.pop_back();
        continue;
      }
      Index next = k < nd.down.size() ? nd.down[k] : nd.deps[k - nd.down.size()];
      ++k;
      if (color[next] == 1) {
        std::vector<std::string> cycle;
        bool on = false;
        for (auto& frame : stack) {
          if (frame.first == next) on = true;
          if (on) cycle.push_back(id(frame.first));
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
  throw std::logic_error("throw_cycle: no cycle found");
}

void RevisionGraph::propagate_labels() {
  // Alembic gives a label to every revision descending from the one that
  // declares it, and to its ancestors up to the nearest branch or merge
  // point when the labelled part is one straight line.
  for (auto& label : label_order_) {
    Index start = by_label_.at(label);
    auto below = descendants({start}, false);
    bool straight = true;
    for (Index i = 0; i < nodes_.size(); ++i) {
      if (!below[i]) continue;
      if (std::find(nodes_[i].labels.begin(), nodes_[i].labels.end(), label) == nodes_[i].labels.end())
        nodes_[i].labels.push_back(label);
      if (nodes_[i].all_children.size() > 1 || nodes_[i].down.size() > 1) straight = false;
    }
    if (!straight) continue;
    Index parent = start;
    while (nodes_[parent].down.size() == 1) {
      parent = nodes_[parent].down[0];
      const auto& pn = nodes_[parent];
      if (pn.all_children.size() > 1 || pn.down.size() > 1) break;
      if (std::find(pn.labels.begin(), pn.labels.end(), label) == pn.labels.end())
        nodes_[parent].labels.push_back(label);
    }
  }
}

// ------------------------------------------------------------- queries

// A slot holds (index + 1) in its low half and the id's hash's high half in
// its high half: most mismatches are told apart without touching the
// revision (a cache miss at 100k revisions).
std::optional<Index> RevisionGraph::find(const std::string& text) const {
  const size_t hash = std::hash<std::string_view>{}(text);
  const uint64_t tag = static_cast<uint64_t>(hash >> 32) << 32;
  const size_t mask = id_slots_.size() - 1;
  for (size_t s = hash & mask;; s = (s + 1) & mask) {
    const uint64_t slot = id_slots_[s];
    if (slot == 0) return std::nullopt;
    if ((slot & ~0xffffffffull) == tag && revs_[(slot & 0xffffffffu) - 1].id == text)
      return static_cast<Index>((slot & 0xffffffffu) - 1);
  }
}

std::optional<Index> RevisionGraph::insert_id(Index i) {
  const std::string& id = revs_[i].id;
  const size_t hash = std::hash<std::string_view>{}(id);
  const uint64_t tag = static_cast<uint64_t>(hash >> 32) << 32;
  const size_t mask = id_slots_.size() - 1;
  for (size_t s = hash & mask;; s = (s + 1) & mask) {
    const uint64_t slot = id_slots_[s];
    if (slot == 0) {
      id_slots_[s] = tag | (static_cast<uint64_t>(i) + 1);
      return std::nullopt;
    }
    if ((slot & ~0xffffffffull) == tag && revs_[(slot & 0xffffffffu) - 1].id == id)
      return static_cast<Index>((slot & 0xffffffffu) - 1);
  }
}

std::vector<Index> RevisionGraph::heads() const {
  std::vector<Index> out;
  for (Index i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].children.empty()) out.push_back(i);
  return out;
}

std::vector<Index> RevisionGraph::real_heads() const {
  std::vector<Index> out;
  for (Index i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].all_children.empty()) out.push_back(i);
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

std::vector<bool> RevisionGraph::closure(const std::vector<Index>& from) const {
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<Index> stack(from.begin(), from.end());
  while (!stack.empty()) {
    Index n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    for (auto d : nodes_[n].norm_down)
      if (!seen[d]) stack.push_back(d);
  }
  return seen;
}

std::vector<bool> RevisionGraph::descendants(const std::vector<Index>& of, bool include_dependencies) const {
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<Index> stack(of.begin(), of.end());
  while (!stack.empty()) {
    Index n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    for (auto c : include_dependencies ? nodes_[n].all_children : nodes_[n].children)
      if (!seen[c]) stack.push_back(c);
  }
  return seen;
}

std::vector<Index> RevisionGraph::rows_to_indexes(const std::vector<std::string>& rows,
                                                  const std::string& database) const {
  std::vector<Index> out;
  for (auto& r : rows) {
    auto i = find(r);
    if (!i)
      throw UserError("database '" + database + "' is at revision " + r + ", which no file in " + location_ +
                      " defines (wrong location, or a revision file was deleted?)");
    push_unique(out, *i);
  }
  return out;
}

// Is `target` an ancestor or descendant of (or equal to) any of `against`?
bool RevisionGraph::shares_lineage(Index target, const std::vector<Index>& against,
                                   bool include_dependencies) const {
  if (against.empty()) return true;
  auto down = descendants({target}, include_dependencies);
  for (auto a : against)
    if (down[a]) return true;
  // Ancestors: without dependencies only Revises edges count.
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<Index> stack{target};
  while (!stack.empty()) {
    Index n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    for (auto d : include_dependencies ? nodes_[n].norm_down : nodes_[n].down)
      if (!seen[d]) stack.push_back(d);
  }
  for (auto a : against)
    if (seen[a]) return true;
  return false;
}

}  // namespace strata::planner
