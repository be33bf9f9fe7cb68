#include "strata/runner/offline.hpp"

#include <algorithm>
#include <ostream>

#include "strata/runner/executor.hpp"
#include "strata/runner/version_table.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::runner {
namespace {

/// Writes what an online run would send, as a script for the dialect's
/// command-line client (sqlite3, psql, mariadb).
class ScriptSink : public SqlSink {
 public:
  ScriptSink(const dialect::Plugin& plugin, std::ostream& out) : plugin_(plugin), out_(out) {}
  void begin() override { out_ << "BEGIN;\n\n"; }
  void commit() override { out_ << "COMMIT;\n\n"; }
  void script(const std::string& sql) override {
    // As written, so the file's comments reach the reader; a missing final
    // terminator is added.
    std::string text(util::trim(sql));
    if (text.empty()) return;
    auto ranges = plugin_.split(text);
    if (!ranges.empty()) {
      const auto& last = ranges.back();
      if (static_cast<size_t>(last.offset + last.length) == text.size()) text += ";";
    }
    out_ << text << "\n\n";
  }
  void statement(const std::string& sql) override { out_ << plugin_.script_statement(sql) << "\n\n"; }
  int64_t bookkeeping(const std::string& sql) override {
    out_ << sql << ";\n\n";
    return -1;  // unknown offline: the row-count check is the online run's
  }
  void note(const std::string& text) override {
    for (auto& line : util::split_list(text, '\n')) out_ << "-- " << line << "\n";
    out_ << "\n";
  }
  void raw(const std::string& text) { out_ << text; }

 private:
  const dialect::Plugin& plugin_;
  std::ostream& out_;  // streamed: a 100k-revision script is never held whole
};

}  // namespace

std::pair<std::string, std::string> split_range(const std::string& range) {
  auto colon = range.find(':');
  if (colon == std::string::npos) return {"", range};
  return {range.substr(0, colon), range.substr(colon + 1)};
}

void render_offline(const config::Config& cfg, const Target& target, const Chain& chain,
                    const dialect::Plugin& plugin, const OfflineRequest& request, std::ostream& out) {
  const auto& db = *target.db;
  const auto& url = target.url;
  const auto& graph = *chain.graph;
  VersionTable vt(plugin, db.version_table, db.version_table_schema);
  const bool from_base = request.start.empty() || request.start == "base";
  std::vector<std::string> rows;
  if (!from_base)
    for (auto i : graph.get_revisions(request.start)) rows.push_back(graph.id(i));

  planner::Plan plan;
  std::string what;
  switch (request.action) {
    case Action::Upgrade:
      plan = graph.plan_upgrade(rows, request.end, db.name);
      what = "upgrade " + (from_base ? std::string("base") : request.start) + ":" + request.end;
      break;
    case Action::Downgrade:
      if (from_base)
        throw UserError("downgrade with --sql requires <fromrev>:<torev> (e.g. head:base), as the script cannot "
                        "ask the database where it is");
      plan = graph.plan_downgrade(rows, request.end, db.name);
      what = "downgrade " + request.start + ":" + request.end;
      break;
    case Action::Stamp:
      plan = graph.plan_stamp(rows, request.stamp_targets, false, db.name);
      what = "stamp " + (from_base ? std::string("base") : request.start) + ":" +
             util::join(request.stamp_targets, " ");
      break;
    default:
      throw UserError("--sql works with upgrade, downgrade and stamp");
  }
  chain.scripts.load_bodies(plan.revisions());
  ScriptSink sink(plugin, out);
  const bool whole_run = plugin.has(STRATA_CAP_TRANSACTIONAL_DDL) && !cfg.transaction_per_migration;
  StepExecutor exec(graph, plugin, vt, whole_run, sink);
  exec.check_runnable(plan);
  // The applied log gets the rows the online run would write; started_at is
  // when this script was written, the duration unknown (NULL).
  LogIdentity log = LogIdentity::make(log_enabled(cfg.applied_log), true, request.tag);
  exec.set_log(&log);

  sink.note("Strata offline script: " + what + " of database '" + target.name + "' (" + plugin.name + ", " +
            url.masked() + ")\nrevisions from " + chain.scripts.location +
            (request.tag.empty() ? std::string() : "\ntag: " + request.tag) +
            "\nIt runs what 'strata " + what.substr(0, what.find(' ')) +
            "' would run online, in the same order.");
  // What the online run would warn about, where the reviewer reads it.
  for (const auto& w : plan.warnings) sink.note("warning: " + w);
  // The client session must match an online connection (charset, encoding).
  if (auto pre = plugin.script_preamble(connect_options(url)); !pre.empty()) sink.raw(pre + "\n\n");
  if (whole_run) exec.begin();
  if (from_base || exec.logging()) {
    exec.begin_if_needed();
    if (from_base) sink.bookkeeping(vt.create_sql());
    if (exec.logging()) sink.bookkeeping(vt.log_create_sql());
    if (!whole_run) exec.commit();
  }
  if (request.action == Action::Stamp) {
    exec.begin_if_needed();
    exec.apply_ops(plan.stamp_ops);
    for (auto& r : plan.final_rows)
      if (std::find(rows.begin(), rows.end(), r) == rows.end()) exec.log_row(r, "stamp", "", "ok");
    exec.commit();
  }
  for (auto& step : plan.steps) exec.run_step(step);
  exec.commit_if_open();
  sink.note("version rows after this script: " + (plan.final_rows.empty() ? std::string("<none>")
                                                                            : util::join(plan.final_rows, ", ")));
}

}  // namespace strata::runner
