// The schema engine's commands: `diff` (drift of a live database from its
// chain). The engine itself is src/schema; introspection is the plugins'.
#include <nlohmann/json.hpp>

#include <sstream>

#include "context.hpp"
#include "strata/bridge/bridge.hpp"
#include "strata/scratch/scratch.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"

namespace strata::cli {
namespace {

using schema::Change;

/// The introspection options for a database: Strata's own tables left out.
std::string introspect_options(const config::DatabaseConfig& db) {
  nlohmann::json o;
  o["exclude_tables"] = {db.version_table, db.version_table + "_progress", db.version_table + "_log"};
  return o.dump();
}

schema::Catalog introspect(const dialect::Plugin& plugin, const config::Url& url, const config::DatabaseConfig& db,
                           const std::string& what) {
  dialect::Connection conn(plugin, runner::connect_options(url));
  const std::string text = conn.introspect(introspect_options(db));
  try {
    return schema::parse_catalog(text);
  } catch (const std::exception& e) {
    throw DatabaseError("the " + plugin.name + " plugin's catalog of " + what + " is not valid: " + e.what());
  }
}

/// How a change reads as drift: the live database has it (+), lacks it
/// (-), or has it otherwise (~) than its chain gives.
char drift_sign(const Change& c) {
  switch (c.kind) {
    case Change::Kind::CreateTable:
    case Change::Kind::AddColumn:
    case Change::Kind::AddPrimaryKey:
    case Change::Kind::AddUnique:
    case Change::Kind::AddCheck:
    case Change::Kind::CreateIndex:
    case Change::Kind::AddForeignKey:
    case Change::Kind::CreateView:
    case Change::Kind::CreateSequence:
    case Change::Kind::CreateEnum:
    case Change::Kind::AddEnumValue:
      return '+';
    case Change::Kind::AlterColumn:
    case Change::Kind::AlterSequence:
    case Change::Kind::SetTableComment:
      return '~';
    default:
      return '-';
  }
}

/// The change as drift: what the database has or lacks ("index ix on t"),
/// the verb of the change that would make the chain's schema the database's
/// left out.
std::string drift_text(const Change& c) {
  std::string d = c.describe();
  const auto space = d.find(' ');
  std::string object = space == std::string::npos ? d : d.substr(space + 1);
  switch (drift_sign(c)) {
    case '+': return object + " (only in the database)";
    case '-': return object + " (missing from the database)";
    default: return object + " (the chain's -> the database's)";
  }
}

}  // namespace

int cmd_diff(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("diff takes no arguments (the databases come from --db / --env)");
  const bool json = ctx.globals.json;
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  const config::Environment* env = nullptr;
  if (!ctx.globals.env.empty()) {
    env = cfg.find_environment(ctx.globals.env);
    if (!env) throw UserError("--env " + ctx.globals.env + ": no [environments." + ctx.globals.env + "] in " + cfg.path);
  }
  auto targets = runner::make_targets(cfg, dbs, env);
  const bool prefixed = dbs.size() > 1 || env != nullptr || targets.size() > 1;
  dialect::PluginRegistry plugins(cfg.plugin_path);
  std::ostringstream quiet_out, quiet_err;
  runner::Output aside(quiet_out, quiet_err);
  runner::Runner live_runner(cfg, plugins, aside);
  runner::Request current;
  current.action = runner::Action::Current;
  current.environment = env;
  auto states = live_runner.run(targets, current, ctx.jobs(cfg));

  int status = 0;
  nlohmann::json report = nlohmann::json::array();
  for (size_t k = 0; k < targets.size(); ++k) {
    const auto& t = targets[k];
    const auto& db = *t.db;
    const std::string prefix = prefixed ? t.name + ": " : "";
    nlohmann::json entry = {{"name", t.name}, {"database", db.name}, {"url", t.url.masked()}};
    try {
      if (!states[k].ok) throw DatabaseError(states[k].error);
      const auto& rows = states[k].to_rows;
      if (!states[k].mid_revision.empty())
        throw DatabaseError("the database is in the middle of revision " + states[k].mid_revision +
                            ": settle it first (strata --db " + db.name + " current)");
      const auto& plugin = plugins.get(t.url.dialect);
      // The chain at the database's revision, replayed on a scratch
      // database of its dialect.
      if (!db.dev_url_error.empty() && t.url.dialect != "sqlite") throw UserError(db.dev_url_error);
      scratch::ScratchDatabase scratch(plugins, t.url.dialect, db.dev_url ? &*db.dev_url : nullptr);
      runner::Runner replay(cfg, plugins, aside);
      for (auto& rev : rows) {
        runner::Target st{&db, scratch.sqlalchemy_url(), scratch.url(), 0, db.name + " (scratch)"};
        runner::Request up;
        up.action = runner::Action::Upgrade;
        up.target = rev;
        auto r = replay.run({st}, up, 1);
        if (!r[0].ok)
          throw DatabaseError("replaying the chain up to " + rev + " on a scratch database failed: " + r[0].error);
      }
      schema::Catalog expected = introspect(plugin, scratch.url(), db, "the chain replayed");
      schema::Catalog actual = introspect(plugin, t.url, db, t.url.masked());
      auto changes = schema::diff(expected, actual);
      const std::string at = rows.empty() ? "<base>" : util::join(rows, ", ");
      entry["revisions"] = rows;
      entry["drifted"] = !changes.empty();
      entry["changes"] = nlohmann::json::array();
      for (auto& c : changes)
        entry["changes"].push_back({{"kind", c.kind_name()}, {"sign", std::string(1, drift_sign(c))},
                                    {"table", c.table}, {"change", drift_text(c)}});
      if (!changes.empty()) status = std::max(status, 1);
      if (!json) {
        if (changes.empty()) {
          ctx.out << prefix << "no drift: the schema is what the chain gives at " << at << "\n";
        } else {
          ctx.out << prefix << "drifted from its chain at " << at << ": " << changes.size() << " difference"
                  << (changes.size() == 1 ? "" : "s") << "\n";
          for (auto& c : changes) ctx.out << "  " << drift_sign(c) << " " << drift_text(c) << "\n";
        }
      }
    } catch (const UserError& e) {
      // A missing dev_url or a bad config is the user's to fix for every target.
      throw;
    } catch (const std::exception& e) {
      status = std::max(status, static_cast<int>(ExitCode::Failure));
      entry["error"] = config::mask_passwords(e.what());
      if (!json) ctx.err << "strata: " << prefix << "error: " << config::mask_passwords(e.what()) << "\n";
    }
    report.push_back(std::move(entry));
  }
  if (json) ctx.out << nlohmann::json{{"databases", report}, {"drifted", status == 1}}.dump(2) << "\n";
  return status;
}

}  // namespace strata::cli
