#include "strata/planner/graph.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <set>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::planner {
namespace {

std::string loc(const script::Revision& r) { return r.path + ":" + std::to_string(r.id_line); }

template <typename List>
bool contains(const List& v, Index x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

template <typename List>
void push_unique(List& v, Index x) {
  if (!contains(v, x)) v.push_back(x);
}

UserError revision_error(const std::string& message) { return UserError(message); }

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "-N": a number of steps down.
bool is_negative(const std::string& s) {
  return s.size() > 1 && s[0] == '-' && std::all_of(s.begin() + 1, s.end(), is_digit);
}

// A relative target, as Alembic matches it with
// re.match(r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)"): "[BRANCH@][REV](+|-)N",
// anything after the digits ignored. The branch is the shortest prefix
// ending in '@' that lets the rest match, else none.
struct Relative {
  std::string branch;              // "" = none
  std::optional<std::string> rev;  // none: relative to the current state
  std::string step;                // "+N" or "-N"
};

std::optional<Relative> match_relative(const std::string& s) {
  auto rest = [&](size_t from, Relative& out) {
    size_t i = from;
    while (i < s.size() && is_word(s[i])) ++i;
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
    size_t j = i + 1;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j == i + 1) return false;
    if (i > from) out.rev = s.substr(from, i - from);
    out.step = s.substr(i, j - i);
    return true;
  };
  Relative r;
  for (size_t at = s.find('@', 1); at != std::string::npos; at = s.find('@', at + 1)) {
    r = Relative{};
    if (rest(at + 1, r)) {
      r.branch = s.substr(0, at);
      return r;
    }
  }
  r = Relative{};
  if (rest(0, r)) return r;
  return std::nullopt;
}

// "+N" / "-N" (sign, then digits) as a number of steps; a count beyond
// kMaxRelativeSteps is a UserError, never std::out_of_range.
long parse_steps(const std::string& step, const std::string& target) {
  long n = 0;
  for (size_t i = 1; i < step.size(); ++i) {
    n = n * 10 + (step[i] - '0');
    if (n > kMaxRelativeSteps)
      throw UserError("target '" + target + "': the step count " + step.substr(1) + " is too large (at most " +
                      std::to_string(kMaxRelativeSteps) + ")");
  }
  return step[0] == '-' ? -n : n;
}

const char* kMultipleHeads =
    "Multiple head revisions are present for given argument '%s'; please specify a specific "
    "target revision, '<branchname>@%s' to narrow to a specific head, or 'heads' for all heads";

std::string multiple_heads(const std::string& argument, const std::vector<std::string>& heads) {
  std::string out = kMultipleHeads;
  out.replace(out.find("%s"), 2, argument);
  out.replace(out.find("%s"), 2, "head");
  return out + " (heads: " + util::join(heads, ", ") + ")";
}

}  // namespace

struct RevisionGraph::Resolved {
  std::vector<Index> ids;       // resolved revisions (for head/heads/base)
  std::string symbol;           // otherwise: the identifier still to resolve
  bool symbolic = false;        // ids holds the answer (head, heads, base)
  std::string branch;           // text before '@', if any
};

std::optional<std::string> target_problem(const std::string& target) {
  if (target.empty())
    return std::string("the target is empty; give a revision: head, heads, base, an id or a unique prefix, "
                       "+N, -N, REV+N, LABEL@head");
  if (auto m = match_relative(target)) {
    try {
      parse_steps(m->step, target);
    } catch (const UserError&) {
      return "the step count " + m->step.substr(1) + " is too large (at most " + std::to_string(kMaxRelativeSteps) +
             ")";
    }
    return std::nullopt;
  }
  if (target.back() == '@') {
    if (target == "@") return std::string("'@' alone names nothing; write LABEL@head, LABEL@base or REV@head");
    const std::string before = target.substr(0, target.size() - 1);
    if (before.find('@') != std::string::npos) return std::string("nothing after the last '@'");
    return "nothing after '@'; write " + before + "@head, " + before + "@base or " + before + "@REV";
  }
  if (target[0] == '@' && target.size() > 2 && (target[1] == '+' || target[1] == '-') &&
      std::all_of(target.begin() + 2, target.end(), is_digit)) {
    const std::string step = target.substr(1);
    return "no branch label before '@'; write LABEL@" + step + ", or " + step + " from the current revision";
  }
  return std::nullopt;
}

void check_target(const std::string& target) {
  if (auto problem = target_problem(target)) throw UserError("target '" + target + "': " + *problem);
}

std::string describe(const VersionOp& op) {
  switch (op.kind) {
    case VersionOp::Insert: return "INSERT " + op.to;
    case VersionOp::Update: return "UPDATE " + op.from + " -> " + op.to;
    case VersionOp::Delete: return "DELETE " + op.from;
  }
  return "";
}

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
    for (auto& d : r.down_revisions) {
      auto parent = find(d);
      if (!parent)
        throw UserError(located(r.path, r.id_line,
                                "Revises: names revision " + d + ", which no file in " + location_ + " defines"));
      if (*parent == i) throw UserError(located(r.path, r.id_line, "revision " + r.id + " revises itself"));
      push_unique(nodes_[i].down, *parent);
    }
    for (auto& d : r.depends_on) {
      // DB@REV names a revision of another database's chain.
      if (auto at = d.find('@'); at != std::string::npos && !by_label_.count(d.substr(0, at))) {
        if (at == 0 || at + 1 == d.size())
          throw UserError(located(r.path, r.id_line, "Depends On: '" + d + "' is not of the form DATABASE@REVISION"));
        nodes_[i].cross_deps.emplace_back(d.substr(0, at), d.substr(at + 1));
        continue;
      }
      Index target;
      if (auto found = find(d)) target = *found;
      else if (auto l = by_label_.find(d); l != by_label_.end()) target = l->second;
      else
        throw UserError(located(r.path, r.id_line,
                                "Depends On: names revision " + d + ", which no file in " + location_ + " defines"));
      if (target == i) throw UserError(located(r.path, r.id_line, "revision " + r.id + " depends on itself"));
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

// --------------------------------------------------------- resolution

RevisionGraph::Resolved RevisionGraph::resolve_number(const std::string& symbol) const {
  Resolved r;
  std::string s = symbol;
  if (auto at = s.find('@'); at != std::string::npos) {
    r.branch = s.substr(0, at);
    s = s.substr(at + 1);
  }
  if (s == "heads") {
    r.symbolic = true;
    r.ids = r.branch.empty() ? real_heads() : filter_for_lineage(heads(), r.branch);
  } else if (s == "head") {
    r.symbolic = true;
    if (auto h = current_head(r.branch)) r.ids = {*h};
  } else if (s == "base" || s.empty()) {
    r.symbolic = true;
  } else {
    r.symbol = s;
  }
  return r;
}

std::optional<Index> RevisionGraph::current_head(const std::string& branch) const {
  auto hs = heads();
  if (!branch.empty()) hs = filter_for_lineage(hs, branch);
  if (hs.size() > 1) throw revision_error(multiple_heads(branch.empty() ? "head" : branch + "@head", ids(hs)));
  if (hs.empty()) return std::nullopt;
  return hs[0];
}

std::vector<Index> RevisionGraph::filter_for_lineage(const std::vector<Index>& targets,
                                                     const std::string& check_against,
                                                     bool include_dependencies) const {
  // As Alembic: nothing to filter, nothing resolved (so no error either).
  if (targets.empty()) return {};
  Resolved r = resolve_number(check_against);
  std::vector<Index> shares;
  if (!r.branch.empty()) shares.push_back(resolve_branch(r.branch));
  if (r.symbolic) {
    for (auto i : r.ids) shares.push_back(i);
  } else {
    shares.push_back(revision_for_ident(r.symbol, ""));
  }
  std::vector<Index> out;
  for (auto t : targets)
    if (shares_lineage(t, shares, include_dependencies)) out.push_back(t);
  return out;
}

Index RevisionGraph::resolve_branch(const std::string& label) const {
  if (auto l = labelled(label)) return *l;
  if (auto i = find(label)) return *i;
  try {
    return revision_for_ident(label, "");
  } catch (const UserError&) {
    throw revision_error("No such branch: '" + label + "'");
  }
}

Index RevisionGraph::revision_for_ident(const std::string& ident, const std::string& branch) const {
  std::optional<Index> branch_rev;
  if (!branch.empty()) branch_rev = resolve_branch(branch);
  std::optional<Index> found = find(ident);
  if (!found) found = labelled(ident);
  if (!found) {
    // Partial id: Alembic matches any id (or label) longer than 3
    // characters that starts with the text.
    std::vector<Index> candidates;
    std::vector<std::string> names;
    for (Index i = 0; i < nodes_.size(); ++i)
      if (id(i).size() > 3 && util::starts_with(id(i), ident)) candidates.push_back(i);
    for (auto& label : label_order_)
      if (label.size() > 3 && util::starts_with(label, ident) && !contains(candidates, by_label_.at(label)))
        candidates.push_back(by_label_.at(label));
    if (branch_rev) {
      std::vector<Index> kept;
      for (auto c : candidates)
        if (shares_lineage(c, {*branch_rev}, false)) kept.push_back(c);
      candidates = kept;
    }
    if (candidates.empty())
      throw revision_error("Can't locate revision identified by '" + ident + "' in " + location_ +
                           (ident.size() < 4 ? "; please ensure at least four characters are present for "
                                               "partial revision identifier matches"
                                             : ""));
    if (candidates.size() > 1) {
      for (auto c : candidates) names.push_back("'" + id(c) + "'");
      std::sort(names.begin(), names.end());
      throw revision_error("Multiple revisions start with '" + ident + "': " + util::join(names, ", "));
    }
    found = candidates[0];
  }
  if (branch_rev && !shares_lineage(*found, {*branch_rev}, false))
    throw revision_error("Revision " + id(*found) + " is not a member of branch '" + branch + "'");
  return *found;
}

std::vector<Index> RevisionGraph::get_revisions(const std::string& symbol) const {
  Resolved r = resolve_number(symbol);
  if (r.symbolic) return r.ids;
  // "branch@-n": walk down from the branch's heads.
  if (is_negative(r.symbol)) {
    long n = parse_steps(r.symbol, symbol);
    std::vector<Index> out;
    // Alembic walks down from get_revisions("heads"): the real heads.
    for (auto h : real_heads()) {
      if (!r.branch.empty() && std::find(nodes_[h].labels.begin(), nodes_[h].labels.end(), r.branch) ==
                                   nodes_[h].labels.end())
        continue;
      auto w = walk_steps(h, false, n, "");
      if (!w) throw revision_error("Relative revision " + symbol + " didn't produce " + std::to_string(-n) + " migrations");
      // Alembic cannot use "base" among the results either (it fails).
      if (*w == size())
        throw revision_error("Relative revision " + symbol + " walks past the base below head " + id(h));
      out.push_back(*w);
    }
    return out;
  }
  return {revision_for_ident(r.symbol, r.branch)};
}

std::optional<Index> RevisionGraph::get_revision(const std::string& symbol) const {
  Resolved r = resolve_number(symbol);
  if (r.symbolic) {
    if (r.ids.size() > 1) throw revision_error(multiple_heads(symbol, ids(r.ids)));
    if (r.ids.empty()) return std::nullopt;
    return r.ids[0];
  }
  return revision_for_ident(r.symbol, r.branch);
}

// Alembic's _walk. `start` nullopt = "nothing applied" (walk up from the
// bases, down from the heads); start_is_base = the "base" marker. Returns
// nullopt when the walk leaves the graph, size() for "base".
std::optional<Index> RevisionGraph::walk_steps(std::optional<Index> start, bool start_is_base, long steps,
                                               const std::string& branch, const std::string& verb) const {
  const Index base_marker = static_cast<Index>(nodes_.size());
  std::optional<Index> cur = start;
  bool at_base = start_is_base;
  // Alembic says only "Ambiguous walk"; say where, why, and what to run.
  auto ambiguous = [&](long k, const std::vector<Index>& next) {
    const bool up = steps > 0;
    const std::string n = std::to_string(std::labs(steps));
    std::string where;
    if (start) where = (up ? " up from " : " down from ") + id(*start);
    else where = up ? " up from base" : " down from the heads";
    std::string msg = "Ambiguous walk: " + n + " step" + (n == "1" ? "" : "s") + where;
    if (k > 0 && cur) msg += " reach" + std::string(n == "1" ? "es " : " ") + id(*cur) + " after " +
                            std::to_string(k) + " step" + (k == 1 ? "" : "s") + ", and";
    std::vector<std::string> names;
    for (auto x : next) names.push_back(id(x));
    std::vector<std::string> runs;
    for (auto& x : names) runs.push_back("'" + verb + " " + x + "'");
    if (!cur) {
      msg += up ? " is ambiguous: there are " + std::to_string(next.size()) + " bases (" + util::join(names, ", ") +
                      "). Name the revision: " + util::join(runs, " or ")
                : " is ambiguous: there are " + std::to_string(next.size()) + " heads (" + util::join(names, ", ") +
                      "). Name the revision, or the branch: LABEL@-" + n;
      return revision_error(msg);
    }
    if (up) {
      msg += (k > 0 ? " " : " is ambiguous: ") + id(*cur) + " is a branch point; one step up from it is either " +
             util::join(names, " or ") + ". Name the revision: " + util::join(runs, " or ") +
             ", or a branch: LABEL@+" + n;
    } else {
      msg += (k > 0 ? " " : " is ambiguous: ") + id(*cur) + " is a merge point of " + util::join(names, " and ") +
             ", so one step down from it has no single answer. Name the parent to go back to: " +
             util::join(runs, " or ") + " (each undoes every applied revision above that parent)";
    }
    return revision_error(msg);
  };
  for (long k = 0; k < std::labs(steps); ++k) {
    std::vector<Index> next;
    if (steps > 0) {
      next = cur ? nodes_[*cur].children : bases();
      if (!branch.empty()) next = filter_for_lineage(next, branch);
      if (next.empty()) return std::nullopt;
    } else {
      if (at_base) return std::nullopt;
      next = cur ? nodes_[*cur].down : heads();
      if (next.empty()) {
        at_base = true;
        cur = base_marker;
        continue;
      }
    }
    if (next.size() > 1) throw ambiguous(k, next);
    cur = next[0];
  }
  if (at_base) return base_marker;
  return cur;
}

std::vector<Index> RevisionGraph::parse_upgrade_target(const std::vector<Index>& current,
                                                       const std::string& target) const {
  const auto m = match_relative(target);
  if (!m) return get_revisions(target);
  const std::string branch = m->branch;
  const long n = parse_steps(m->step, target);
  const Index base_marker = static_cast<Index>(nodes_.size());
  auto too_far = [&] {
    return revision_error("Relative revision " + m->step + " didn't produce " + std::to_string(std::labs(n)) +
                          " migrations");
  };
  if (n > 0) {
    if (!m->rev) {
      // Relative to the database's current state.
      std::vector<std::optional<Index>> start;
      for (auto c : current) start.push_back(c);
      if (!branch.empty()) {
        start.clear();
        for (auto c : filter_for_lineage(current, branch)) start.push_back(c);
        if (start.empty()) {
          // The branch is not at a head: start from the tips of what is
          // applied on that branch.
          auto applied = closure(current);
          std::vector<Index> active;
          for (Index i = 0; i < nodes_.size(); ++i)
            if (applied[i]) active.push_back(i);
          active = filter_for_lineage(active, branch);
          std::vector<bool> below(nodes_.size(), false);
          for (auto a : active)
            for (auto d : nodes_[a].norm_down) below[d] = true;
          for (auto a : active)
            if (!below[a]) start.push_back(a);
        }
      }
      if (start.empty()) start.push_back(std::nullopt);
      if (start.size() > 1) throw revision_error("Ambiguous upgrade from multiple current revisions");
      auto r = walk_steps(start[0], false, n, branch, "upgrade");
      if (!r || *r == base_marker) throw too_far();
      return {*r};
    }
    auto r = walk_steps(get_revision(*m->rev), false, n, branch, "upgrade");
    if (!r || *r == base_marker) throw too_far();
    return {*r};
  }
  if (!m->rev) throw too_far();
  auto from = branch.empty() ? get_revision(*m->rev) : get_revision(branch + "@" + *m->rev);
  auto r = walk_steps(from, false, n, "", "upgrade");
  if (!r || *r == base_marker) throw too_far();
  return {*r};
}

std::pair<std::optional<Index>, std::string> RevisionGraph::parse_downgrade_target(
    const std::vector<Index>& current, const std::string& target, const std::string& database,
    std::vector<std::string>& warnings) const {
  const Index base_marker = static_cast<Index>(nodes_.size());
  if (const auto m = match_relative(target)) {
    std::string branch = m->branch;
    const long n = parse_steps(m->step, target);
    auto too_far = [&] {
      return revision_error("Relative revision " + m->step + " didn't produce " + std::to_string(std::labs(n)) +
                            " migrations");
    };
    if (n >= 0) {
      if (!m->rev) throw too_far();
      auto r = walk_steps(get_revision(*m->rev), false, n, branch);
      if (!r) throw revision_error("Walked too far");
      if (*r == base_marker) return {std::nullopt, branch};
      return {*r, branch};
    }
    std::string symbol;
    const bool from_current = !m->rev;
    if (from_current) {
      if (!branch.empty()) {
        auto on_branch = filter_for_lineage(current, branch);
        if (on_branch.empty()) {
          // All current tips whose lineage includes the branch.
          on_branch = filter_for_lineage(tips(closure(current)), branch);
        }
        if (on_branch.empty())
          throw revision_error("Relative revision " + target + ": no current revision is on branch '" + branch +
                               "' (current: " + (current.empty() ? std::string("<base>") : util::join(ids(current), ", ")) +
                               ")");
        if (on_branch.size() > 1) {
          // Alembic fails here with an internal error (an assertion).
          std::vector<std::string> runs;
          for (auto c : on_branch) runs.push_back("'downgrade " + id(c) + "@" + m->step + "'");
          throw revision_error("Relative revision " + target + " is ambiguous: " +
                               std::to_string(on_branch.size()) + " current revisions are on branch '" + branch +
                               "' (" + util::join(ids(on_branch), ", ") + "); name the one to step down from: " +
                               util::join(runs, " or "));
        }
        symbol = id(on_branch[0]);
      } else {
        if (current.empty()) throw too_far();
        // Alembic takes the first current revision and warns when there are
        // several (rows are read in a stable order). Strata warns too, and
        // says which head it picked and how to pick one on purpose.
        symbol = id(current[0]);
        branch = symbol;
        if (current.size() > 1) {
          std::vector<std::string> runs;
          for (auto c : current)
            runs.push_back("'strata --db " + database + " downgrade " + id(c) + "@" + m->step + "'");
          warnings.push_back("downgrade " + target + " with " + std::to_string(current.size()) +
                             " current heads (" + util::join(ids(current), ", ") +
                             ") is ambiguous; as in Alembic, it steps down from the first version row, " + symbol +
                             ", only. To choose the branch, name the head: " + util::join(runs, " or "));
        }
      }
    } else {
      symbol = *m->rev;
    }
    auto start = branch.empty() ? get_revision(symbol) : get_revision(branch + "@" + symbol);
    auto r = walk_steps(start, false, n, "");
    if (!r) {
      if (from_current) throw too_far();
      throw revision_error("Walked too far");
    }
    if (*r == base_marker) return {std::nullopt, branch};
    return {*r, branch};
  }
  std::string branch, symbol = target;
  if (auto at = target.rfind('@'); at != std::string::npos) {
    branch = target.substr(0, at);
    symbol = target.substr(at + 1);
  }
  return {get_revision(symbol), branch};
}

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
