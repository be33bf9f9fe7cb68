#pragma once
// Text forms of revisions shared by history, heads, branches, show and
// current, worded as Alembic's (Script.cmd_format, Script.log_entry) so
// its users and their scripts read them unchanged; their --json forms; the
// Graphviz form of `graph`.
#include <nlohmann/json.hpp>

#include <set>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/planner/graph.hpp"

namespace strata::cli {

/// Which parts of Alembic's one-line form to include.
struct LineParts {
  bool parents = false;     ///< "down -> rev"
  bool branches = false;    ///< " (label)"
  bool doc = false;         ///< ", message"
  bool tree = true;         ///< " (branchpoint)", " (mergepoint)"
};

/// One line: "[down -> ]rev[ (labels)][ (head)][ (current)][ (branchpoint)][, msg]".
std::string line(const planner::RevisionGraph& g, planner::Index i, const LineParts& parts,
                 const std::set<std::string>& current = {});
/// The multi-line verbose form (history -v, show, heads -v).
std::string verbose_entry(const planner::RevisionGraph& g, planner::Index i,
                          const std::set<std::string>& current = {});

/// `order` (newest first) drawn as a text graph, like `git log --graph`:
/// one line per revision ("*" in its lane) plus connector lines at merge
/// and branch points.
std::vector<std::string> graph_lines(const planner::RevisionGraph& g, const std::vector<planner::Index>& order,
                                     const std::set<std::string>& current = {});
/// The whole graph in Graphviz dot: Revises edges solid, Depends On dashed,
/// heads bold, labels shown; render with `dot -Tsvg`.
std::string dot_graph(const planner::RevisionGraph& g, const std::string& name);

/// A database's name and its chain's graph.
using NamedGraph = std::pair<std::string, const planner::RevisionGraph*>;
/// Several databases' graphs as one Graphviz document: one digraph with a
/// `subgraph "cluster_<database>"` per database, node ids prefixed with
/// "<database>:" so that they never collide, and cross-database Depends On
/// ("main@3f1a") drawn dashed between clusters when both are shown. One
/// database alone gives dot_graph()'s form.
std::string dot_graphs(const std::vector<NamedGraph>& graphs);

/// The JSON object of one revision, with the same keys in every command's
/// --json form: revision, down_revisions, branch_labels (declared or
/// inherited along the branch, as the text forms show them), depends_on (as
/// declared), message, create_date, path, transactional (the file's header:
/// false for "Transactional: false"), atomic (whether the revision's
/// statements and its version write commit together or not at all on the
/// database: transactional and `transactional_ddl`, the database's dialect
/// runs DDL in a transaction; null when the command does not know the
/// dialect), children (ids of the revisions that revise it), is_head,
/// is_branch_point, is_merge_point.
nlohmann::json revision_json(const planner::RevisionGraph& g, planner::Index i,
                             std::optional<bool> transactional_ddl = std::nullopt);
/// revision_json() of each of `list`, in order.
nlohmann::json revisions_json(const planner::RevisionGraph& g, const std::vector<planner::Index>& list,
                              std::optional<bool> transactional_ddl = std::nullopt);
/// The edges of the graph, from a revision to the one it revises or depends
/// on: {"from", "to", "to_database", "kind": "revises" | "depends_on"}
/// (to_database is `database` except for "Depends On: DB@REV").
nlohmann::json edges_json(const planner::RevisionGraph& g, const std::string& database);
/// One JSON document as printed on stdout (invalid UTF-8 replaced, not thrown on).
std::string json_text(const nlohmann::json& j);

}  // namespace strata::cli
