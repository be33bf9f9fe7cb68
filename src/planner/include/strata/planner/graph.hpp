#pragma once
// The revision graph of one version location, and the plans it produces.
// Pure computation: the planner never touches a database or a file.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/script/revision.hpp"

namespace strata::planner {

using Index = uint32_t;

struct Node {
  const script::Revision* rev = nullptr;
  std::vector<Index> down;      ///< Revises:
  std::vector<Index> deps;      ///< Depends On:
  std::vector<Index> children;  ///< revisions that revise this one
  std::vector<Index> dependents;  ///< revisions that depend on this one
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
  /// Revisions without children, in file order.
  std::vector<Index> heads() const;
  /// Revisions without Revises:, in file order.
  std::vector<Index> bases() const;
  /// The revision that declares `label`, if any.
  std::optional<Index> labelled(const std::string& label) const;

  /// Resolves a revision given by the user: full id or unique prefix.
  /// Throws UserError (ambiguous prefix lists the candidates).
  Index resolve_id(const std::string& text) const;

  /// Resolves a target for upgrade/downgrade/stamp against the database's
  /// current version rows. Returns the set of revisions named; empty = base.
  std::vector<Index> resolve_target(const std::string& target,
                                    const std::vector<Index>& current, bool downgrade) const;

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

  /// Ancestors of `from` (Revises + Depends On), including `from` itself.
  std::vector<bool> closure(const std::vector<Index>& from) const;
  /// Revisions whose closure contains any of `of` (including `of`).
  std::vector<bool> descendants(const std::vector<Index>& of) const;

 private:
  Index step_relative(Index from, long n, const std::string& target) const;
  std::vector<std::string> ids(const std::vector<Index>& list) const;
  Plan run_steps(std::vector<bool> applied, std::vector<Index> rows,
                 const std::vector<Index>& order, bool upgrade) const;

  std::string location_;
  std::vector<Node> nodes_;
  std::unordered_map<std::string, Index> by_id_;
  std::unordered_map<std::string, Index> by_label_;
};

/// Describes a VersionOp for logs: "UPDATE a -> b".
std::string describe(const VersionOp& op);

}  // namespace strata::planner
