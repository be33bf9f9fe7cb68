// Commands that read the revision chains: history, graph, heads, branches,
// show (current rows are read where a command marks them).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "context.hpp"
#include "strata/cli/format.hpp"
#include "strata/dialect/dialect.hpp"

namespace fs = std::filesystem;

namespace strata::cli {
namespace {

/// Runs `fn` for every selected database's chain, prefixing output lines
/// with the database name when several are selected.
/// With `targets` (show REV, history -r A:B), a revision or label they name
/// selects the one chain that defines it (databases_naming).
int for_each_chain(Context& ctx,
                   const std::function<void(const config::DatabaseConfig&, const runner::Chain&,
                                            const std::string& prefix)>& fn,
                   std::vector<std::string> targets = {}) {
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  auto chains = runner::load_chains(dbs);
  // "current" is read from each database, not a revision of one chain.
  targets.erase(std::remove(targets.begin(), targets.end(), "current"), targets.end());
  auto named = databases_naming(
      dbs, targets, [&](const config::DatabaseConfig& db) -> const runner::Chain& { return *chains[db.location]; },
      nullptr);
  for (auto* db : named) fn(*db, *chains[db->location], ctx.prefix(dbs, *db));
  // The process ends with this command: freeing 100k revisions one by one
  // would only delay the exit.
  for (auto& [location, chain] : chains) runner::keep_until_exit(chain);
  return 0;
}

std::vector<std::string> current_row_list(Context& ctx, const config::DatabaseConfig& db) {
  auto cfg = ctx.load();
  dialect::PluginRegistry plugins(cfg.plugin_path);
  std::ostringstream sink;
  runner::Output quiet(sink, ctx.err);
  runner::Runner r(cfg, plugins, quiet);
  runner::Request req;
  req.action = runner::Action::Current;
  auto results = r.run({&db}, req, 1);
  if (!results[0].ok) throw DatabaseError("cannot read the current revision of '" + db.name + "'");
  return results[0].from_rows;
}

/// A database's object in a --json form: {"database", "location", ...}.
nlohmann::json database_json(const config::DatabaseConfig& db, const runner::Chain& chain) {
  return {{"database", db.name}, {"location", chain.graph->location()}};
}

/// Prints the --json document of a read-only command: {"command", ...extra,
/// "databases": [...]}.
int print_databases(Context& ctx, const std::string& command, nlohmann::json databases,
                    nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json doc;
  doc["command"] = command;
  for (auto& [k, v] : extra.items()) doc[k] = v;
  doc["databases"] = std::move(databases);
  ctx.out << json_text(doc);
  return 0;
}

}  // namespace

int cmd_history(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("history takes no positional arguments; use -r START:END");
  if (flag(ctx, "applied")) {
    if (ctx.vm.count("rev-range") || flag(ctx, "graph") || flag(ctx, "indicate-current"))
      throw UserError("history --applied shows the applied log; it takes no -r, -i or --graph");
    return history_applied(ctx);
  }
  std::string range = ctx.vm.count("rev-range") ? ctx.vm["rev-range"].as<std::string>() : "";
  bool indicate = ctx.vm.count("indicate-current") && ctx.vm["indicate-current"].as<bool>();
  std::string start, end;
  if (!range.empty()) {
    auto colon = range.find(':');
    if (colon == std::string::npos)
      throw UserError("History range requires [start]:[end], [start]:, or :[end]");
    start = range.substr(0, colon);
    end = range.substr(colon + 1);
  }
  const bool json = ctx.globals.json;
  nlohmann::json databases = nlohmann::json::array();
  for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                          const std::string& prefix) {
    const auto& g = *chain.graph;
    std::vector<std::string> rows;
    const bool read_rows = indicate || start == "current" || end == "current";
    if (read_rows) rows = current_row_list(ctx, db);
    std::set<std::string> current;
    if (indicate) current.insert(rows.begin(), rows.end());
    LineParts parts;
    parts.parents = parts.branches = parts.doc = true;
    auto order = g.walk(start, end, rows);
    if (json) {
      // -v and --graph change nothing here: every revision object has every
      // field, and down_revisions are the graph's edges.
      auto d = database_json(db, chain);
      d["current"] = read_rows ? nlohmann::json(rows) : nlohmann::json(nullptr);
      d["revisions"] = revisions_json(g, order, ctx.transactional_ddl(db));
      databases.push_back(std::move(d));
      return;
    }
    if (flag(ctx, "graph")) {
      for (auto& l : graph_lines(g, order, current)) ctx.output.result(prefix, l);
      return;
    }
    for (auto i : order) {
      if (ctx.globals.verbose) ctx.output.result(prefix, verbose_entry(g, i, current));
      else ctx.output.result(prefix, line(g, i, parts, current));
    }
  }, {start, end});
  if (!json) return 0;
  return print_databases(ctx, "history", std::move(databases),
                         {{"range", range.empty() ? nlohmann::json(nullptr) : nlohmann::json(range)}});
}

int cmd_graph(Context& ctx) {
  std::string format = ctx.vm.count("format") ? ctx.vm["format"].as<std::string>() : "text";
  if (format != "text" && format != "dot" && format != "json")
    throw UserError("graph --format takes text, dot or json, not '" + format + "'");
  if (ctx.globals.json && format == "dot")
    throw UserError("graph: --json and --format dot are two different outputs; give one");
  if (ctx.globals.json) format = "json";
  nlohmann::json databases = nlohmann::json::array();
  std::vector<NamedGraph> graphs;
  for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                          const std::string& prefix) {
    const auto& g = *chain.graph;
    if (format == "dot") {
      // One document for every database: printed once all are loaded.
      graphs.emplace_back(db.name, &g);
      return;
    }
    if (format == "json") {
      auto d = database_json(db, chain);
      d["nodes"] = revisions_json(g, g.walk("", ""), ctx.transactional_ddl(db));
      d["edges"] = edges_json(g, db.name);
      databases.push_back(std::move(d));
      return;
    }
    for (auto& l : graph_lines(g, g.walk("", ""))) ctx.output.result(prefix, l);
  });
  // The chains stay loaded until the process exits (for_each_chain).
  if (format == "dot") ctx.out << dot_graphs(graphs);
  if (format == "json") return print_databases(ctx, "graph", std::move(databases));
  return 0;
}

int cmd_heads(Context& ctx) {
  bool resolve_deps = ctx.vm.count("resolve-dependencies") && ctx.vm["resolve-dependencies"].as<bool>();
  const bool json = ctx.globals.json;
  nlohmann::json databases = nlohmann::json::array();
  for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                          const std::string& prefix) {
    const auto& g = *chain.graph;
    LineParts parts;
    parts.branches = true;
    parts.tree = false;
    auto heads = resolve_deps ? g.real_heads() : g.heads();
    if (json) {
      auto d = database_json(db, chain);
      d["heads"] = revisions_json(g, heads, ctx.transactional_ddl(db));
      databases.push_back(std::move(d));
    } else {
      for (auto h : heads) ctx.output.result(prefix, ctx.globals.verbose ? verbose_entry(g, h) : line(g, h, parts));
    }
    // Several heads break 'upgrade head' deploys: say so where it is seen.
    if (heads.size() > 1)
      ctx.output.error(prefix, "note: " + std::to_string(heads.size()) +
                                   " heads; 'upgrade head' will refuse until they are merged ('strata merge heads "
                                   "-m ...') or targeted one by one ('LABEL@head', 'heads')");
  });
  if (!json) return 0;
  return print_databases(ctx, "heads", std::move(databases), {{"resolve_dependencies", resolve_deps}});
}

int cmd_branches(Context& ctx) {
  const bool json = ctx.globals.json;
  nlohmann::json databases = nlohmann::json::array();
  for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                          const std::string& prefix) {
    const auto& g = *chain.graph;
    LineParts parts;
    parts.branches = true;
    LineParts child_parts;
    child_parts.branches = true;
    child_parts.doc = ctx.globals.verbose;
    nlohmann::json points = nlohmann::json::array();
    const std::optional<bool> ddl = json ? ctx.transactional_ddl(db) : std::nullopt;
    for (auto i : g.walk("", "")) {
      if (!g.is_branch_point(i)) continue;
      if (json) {
        std::vector<planner::Index> kids(g.node(i).children.begin(), g.node(i).children.end());
        points.push_back({{"branch_point", revision_json(g, i, ddl)}, {"branches", revisions_json(g, kids, ddl)}});
        continue;
      }
      std::string text = ctx.globals.verbose ? verbose_entry(g, i) : line(g, i, parts);
      std::string pad(g.id(i).size(), ' ');
      for (auto c : g.node(i).children) text += "\n" + pad + " -> " + line(g, c, child_parts);
      ctx.output.result(prefix, text + "\n");
    }
    if (json) {
      auto d = database_json(db, chain);
      d["branch_points"] = std::move(points);
      databases.push_back(std::move(d));
    }
  });
  if (!json) return 0;
  return print_databases(ctx, "branches", std::move(databases));
}

int cmd_show(Context& ctx) {
  if (ctx.positional.empty()) throw UserError("show needs a revision (id, prefix, head, label)");
  const bool json = ctx.globals.json;
  nlohmann::json databases = nlohmann::json::array();
  for_each_chain(ctx, [&](const config::DatabaseConfig& db, const runner::Chain& chain,
                          const std::string& prefix) {
    const auto& g = *chain.graph;
    std::vector<planner::Index> shown;
    for (auto& rev : ctx.positional) {
      if (rev == "current") {
        for (auto& r : current_row_list(ctx, db))
          if (auto i = g.find(r)) shown.push_back(*i);
        continue;
      }
      for (auto i : g.get_revisions(rev)) shown.push_back(i);
    }
    if (json) {
      auto d = database_json(db, chain);
      d["revisions"] = revisions_json(g, shown, ctx.transactional_ddl(db));
      databases.push_back(std::move(d));
      return;
    }
    for (auto i : shown) ctx.output.result(prefix, verbose_entry(g, i));
  }, ctx.positional);
  if (!json) return 0;
  return print_databases(ctx, "show", std::move(databases));
}

}  // namespace strata::cli
