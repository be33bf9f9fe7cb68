// Target resolution: Alembic's grammar of revision symbols and upgrade,
// downgrade and stamp targets (head, heads, base, ids and unique prefixes,
// branch labels, LABEL@head, relative +N/-N and REV+N, Alembic's _walk over
// the graph for them), and the check of a target's form before any graph.
#include "strata/planner/graph.hpp"

#include "graph_detail.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::planner {

using detail::contains;
using detail::revision_error;

namespace {

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

}  // namespace strata::planner
