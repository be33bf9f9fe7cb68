#pragma once
// The revision graph of one version location, and the plans it produces.
// Pure computation: the planner never touches a database or a file.
//
// Semantics follow Alembic 1.8 (script/revision.py, runtime/migration.py):
// target grammar, which revisions an upgrade or downgrade runs and in which
// order, and the version-table writes of each step. Where Alembic computes
// something in quadratic time (ancestor sets per step), the planner gets the
// same answer with work proportional to the part of the graph involved.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/planner/index_list.hpp"
#include "strata/script/revision.hpp"

namespace strata::planner {

struct Node {
  const script::Revision* rev = nullptr;
  IndexList down;        ///< Revises: (versioned down revisions)
  IndexList deps;        ///< Depends On:, resolved (labels -> ids)
  /// Dependencies not already declared by an ancestor (Alembic's
  /// "normalized" dependencies).
  IndexList norm_deps;
  /// down + norm_deps: the edges the version table follows.
  IndexList norm_down;
  IndexList children;    ///< revisions that revise this one
  IndexList all_children;  ///< ... or depend on it
  std::vector<std::string> labels;  ///< branch labels, propagated along the branch
  /// "Depends On: DB@REV": revisions of another database's chain this one
  /// waits for (the runner resolves and enforces them).
  std::vector<std::pair<std::string, std::string>> cross_deps;
};

/// One change to the version table, as Alembic writes it.
struct VersionOp {
  enum Kind { Insert, Update, Delete } kind;
  std::string from;  ///< Update/Delete: the row's current value
  std::string to;    ///< Insert/Update: the new value
};

/// Runs one revision's upgrade or downgrade section, then applies `ops`.
struct Step {
  Index rev;
  bool upgrade;
  std::vector<VersionOp> ops;
};

struct Plan {
  std::vector<Step> steps;
  /// For stamp: version table changes made without running any SQL.
  std::vector<VersionOp> stamp_ops;
  std::vector<std::string> final_rows;  ///< version rows after the plan
  /// Things the user should know before the plan runs, without stopping it
  /// (e.g. "downgrade -1 with several current heads picks one"); the runner
  /// prints each on stderr as "warning: ...".
  std::vector<std::string> warnings;

  /// The revision of each step, in order.
  std::vector<size_t> revisions() const {
    std::vector<size_t> out;
    out.reserve(steps.size());
    for (auto& s : steps) out.push_back(s.rev);
    return out;
  }
};

class RevisionGraph {
 public:
  /// Builds and validates: unknown Revises/Depends On ids, duplicate branch
  /// labels and cycles are UserErrors naming the files involved.
  explicit RevisionGraph(const script::ScriptDirectory& dir);

  size_t size() const { return nodes_.size(); }
  const Node& node(Index i) const { return nodes_[i]; }
  const script::Revision& rev(Index i) const { return *nodes_[i].rev; }
  const std::string& id(Index i) const { return nodes_[i].rev->id; }
  const std::string& location() const { return location_; }

  /// Exact id lookup.
  std::optional<Index> find(const std::string& id) const;
  /// Revisions no other revision revises, in file order ("heads").
  std::vector<Index> heads() const;
  /// Heads nothing depends on either ("heads --resolve-dependencies").
  std::vector<Index> real_heads() const;
  /// Revisions without Revises:, in file order.
  std::vector<Index> bases() const;
  /// The revision that declares `label`, if any.
  std::optional<Index> labelled(const std::string& label) const;

  bool is_head(Index i) const { return nodes_[i].children.empty(); }
  bool is_real_head(Index i) const { return nodes_[i].all_children.empty(); }
  bool is_branch_point(Index i) const { return nodes_[i].children.size() > 1; }
  bool is_merge_point(Index i) const { return nodes_[i].down.size() > 1; }

  /// Resolves a symbol as Alembic's get_revisions does: full id, unique
  /// prefix, branch label, head, heads, base, LABEL@head, LABEL@heads,
  /// LABEL@ID. Empty = base. Throws UserError with Alembic's wording.
  std::vector<Index> get_revisions(const std::string& symbol) const;
  /// One revision (nullopt = base); several heads is an error.
  std::optional<Index> get_revision(const std::string& symbol) const;

  /// Current version rows as indexes. Throws UserError when a row names a
  /// revision no file defines.
  std::vector<Index> rows_to_indexes(const std::vector<std::string>& rows,
                                     const std::string& database) const;

  Plan plan_upgrade(const std::vector<std::string>& rows, const std::string& target,
                    const std::string& database) const;
  Plan plan_downgrade(const std::vector<std::string>& rows, const std::string& target,
                      const std::string& database) const;
  Plan plan_stamp(const std::vector<std::string>& rows, const std::vector<std::string>& targets,
                  bool purge, const std::string& database) const;

  /// The version-table writes of running only `revision` (up or down) from
  /// `rows`, as if that one step completed: resolves an interrupted revision.
  Plan plan_single(const std::vector<std::string>& rows, const std::string& revision, bool upgrade,
                   const std::string& database) const;

  /// Revisions from `base` to `head` (inclusive), newest first, as
  /// `history -r base:head` lists them; "" means base / heads. A lower end
  /// naming a branch (LABEL@base, LABEL@head, LABEL@REV, REV@base ...)
  /// keeps only the upper ends on that branch, as Alembic does.
  std::vector<Index> walk(const std::string& base, const std::string& head,
                          const std::vector<std::string>& current_rows = {}) const;
  /// What `current` shows for these rows: the branch tips of everything the
  /// rows imply (Alembic's get_all_current).
  std::vector<Index> current_tips(const std::vector<std::string>& rows,
                                  const std::string& database) const;

  /// Ancestors of `from` (Revises + Depends On), including `from` itself.
  std::vector<bool> closure(const std::vector<Index>& from) const;
  /// Revisions whose closure contains any of `of` (including `of`);
  /// with include_dependencies = false only Revises edges are followed.
  std::vector<bool> descendants(const std::vector<Index>& of, bool include_dependencies = true) const;

 private:
  struct Resolved;  // a parsed symbol: ids and branch label
  Resolved resolve_number(const std::string& symbol) const;
  Index revision_for_ident(const std::string& ident, const std::string& branch) const;
  Index resolve_branch(const std::string& label) const;
  std::optional<Index> current_head(const std::string& branch) const;
  bool shares_lineage(Index target, const std::vector<Index>& against, bool include_dependencies) const;
  std::vector<Index> filter_for_lineage(const std::vector<Index>& targets, const std::string& check_against,
                                        bool include_dependencies = false) const;
  /// Alembic's _walk; nullopt = walked off the graph, size() = "base".
  /// `verb` (upgrade/downgrade) words the advice when the walk is ambiguous.
  std::optional<Index> walk_steps(std::optional<Index> start, bool start_is_base, long steps,
                                  const std::string& branch, const std::string& verb = "downgrade") const;
  std::vector<Index> parse_upgrade_target(const std::vector<Index>& current, const std::string& target) const;
  /// Returns the target (nullopt = base) and the branch label in force.
  /// `warnings` receives what the user should know (an ambiguous -N).
  std::pair<std::optional<Index>, std::string> parse_downgrade_target(const std::vector<Index>& current,
                                                                      const std::string& target,
                                                                      const std::string& database,
                                                                      std::vector<std::string>& warnings) const;
  /// Alembic's _topological_sort: `todo` revisions, newest first. `exact`
  /// runs Alembic's own (quadratic) procedure, needed when `todo` is not
  /// closed along all edges between its members.
  std::vector<Index> topological_sort(std::vector<bool> todo, const std::vector<Index>& heads,
                                      bool exact = false) const;
  /// Error when one of `revs` is an ancestor of another (Alembic's check=True).
  void check_overlap(const std::vector<Index>& revs) const;
  /// The same check for the version rows themselves: a row that is an
  /// ancestor of another is stale (nothing requested it), and the error says
  /// so and how to repair it (stamp --purge with the rows that should stay).
  void check_rows(const std::vector<Index>& rows, const std::string& database) const;
  /// The branch label a ranged listing's lower end `X@...` scopes to.
  std::string range_branch(const std::string& x, const std::string& range) const;
  std::vector<std::string> ids(const std::vector<Index>& list) const;
  /// Members of an ancestor-closed set with no Revises-child in it.
  std::vector<Index> tips(const std::vector<bool>& set) const;
  void propagate_labels();
  /// Finds a cycle (the constructor saw one) and throws a UserError naming it.
  [[noreturn]] void throw_cycle() const;

  std::string location_;
  std::vector<Node> nodes_;
  const script::Revision* revs_ = nullptr;  ///< the directory's revisions, by index
  /// Revision id -> index: open addressing over the revisions' own ids
  /// (0 = empty; see find); no string copies, no allocation per entry.
  std::vector<uint64_t> id_slots_;
  /// Inserts node i's id; returns the node that already has it, if any.
  std::optional<Index> insert_id(Index i);
  std::unordered_map<std::string, Index> by_label_;
  std::vector<std::string> label_order_;  ///< labels in declaration order
};

/// Largest N of a relative target (+N, -N, REV+N, LABEL@-N).
constexpr long kMaxRelativeSteps = 2147483647;

/// What is wrong with the form of an upgrade, downgrade or stamp target,
/// before any graph is consulted; nullopt when nothing is. Refused: an empty
/// target; nothing after '@' ("@", "X@": Alembic fails on these with an
/// internal error); a relative step with nothing before '@' ("@-1", "@+2");
/// a step count above kMaxRelativeSteps. Everything else is left to the
/// graph, exactly as Alembic resolves it.
std::optional<std::string> target_problem(const std::string& target);
/// Throws UserError "target 'T': PROBLEM" when target_problem finds one.
void check_target(const std::string& target);

/// Describes a VersionOp for logs: "UPDATE a -> b".
std::string describe(const VersionOp& op);

}  // namespace strata::planner
