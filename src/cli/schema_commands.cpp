// The schema engine's commands: `diff` (drift of a live database from its
// chain). The engine itself is src/schema; introspection is the plugins'.
#include <fnmatch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <filesystem>
#include <future>
#include <fstream>
#include <sstream>

#include "context.hpp"
#include "strata/bridge/bridge.hpp"
#include "strata/scratch/interrupt.hpp"
#include "strata/scratch/scratch.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/schema/diff.hpp"

namespace strata::cli {
namespace {
namespace fs = std::filesystem;

using schema::Change;

/// The PostgreSQL schemas an introspection reads besides the connection's
/// current one. Both sides of a comparison are read alike: a scratch
/// database holds only what the chain, the models (their schemas created
/// first) or the schema file made, so all of its schemas are read; a live
/// database is read in the schemas the other side has (the chain's, for
/// diff; the desired schema's, for --against-url), so another
/// application's schemas stay out. MySQL and SQLite read their one
/// database.
struct SchemaScope {
  bool scratch = false;
  std::vector<std::string> schemas;  ///< a live database: these besides
};

SchemaScope scratch_scope() { return {true, {}}; }

/// The introspection options for a database: Strata's own tables left
/// out, the schemas of `scope` read.
std::string introspect_options(const config::DatabaseConfig& db, const std::string& dialect, const SchemaScope& scope) {
  nlohmann::json o;
  o["exclude_tables"] = {db.version_table, db.version_table + "_progress", db.version_table + "_log"};
  if (dialect == "postgresql") {
    if (scope.scratch) o["all_schemas"] = true;
    else o["extra_schemas"] = scope.schemas;
  }
  return o.dump();
}

schema::Catalog introspect(const dialect::Plugin& plugin, const config::Url& url, const config::DatabaseConfig& db,
                           const std::string& what, const SchemaScope& scope) {
  dialect::Connection conn(plugin, runner::connect_options(url));
  const std::string text = conn.introspect(introspect_options(db, plugin.name, scope));
  schema::Catalog catalog;
  try {
    catalog = schema::parse_catalog(text);
  } catch (const std::exception& e) {
    throw DatabaseError("the " + plugin.name + " plugin's catalog of " + what + " is not valid: " + e.what());
  }
  // The version table's schema is the runner's to create, not a change of
  // the schema (the tables Strata keeps in it are left out above).
  if (db.version_table_schema) {
    auto& s = catalog.schemas;
    s.erase(std::remove(s.begin(), s.end(), *db.version_table_schema), s.end());
  }
  // ignore_tables: left out on every side, as Alembic's include_object.
  auto ignored = [&](const std::string& name, const std::string& qualified) {
    for (auto& pattern : db.ignore_tables)
      if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0 || fnmatch(pattern.c_str(), qualified.c_str(), 0) == 0)
        return true;
    return false;
  };
  if (!db.ignore_tables.empty()) {
    auto& t = catalog.tables;
    t.erase(std::remove_if(t.begin(), t.end(), [&](auto& x) { return ignored(x.name, x.qualified()); }), t.end());
    auto& v = catalog.views;
    v.erase(std::remove_if(v.begin(), v.end(), [&](auto& x) { return ignored(x.name, x.qualified()); }), v.end());
    // A sequence owned by an ignored table's column (serial) goes with it.
    auto& q = catalog.sequences;
    q.erase(std::remove_if(q.begin(), q.end(),
                           [&](auto& x) {
                             if (!x.owned_by) return false;
                             const std::string column = *x.owned_by;  // "schema.table.column" or "table.column"
                             const std::string table = column.substr(0, column.rfind('.'));
                             return ignored(table.substr(table.rfind('.') + 1), table);
                           }),
            q.end());
    // A pattern "S.*" leaves out schema S whole: itself, and its enums
    // and sequences too.
    auto whole = [&](const std::optional<std::string>& schema) {
      if (!schema) return false;
      for (auto& pattern : db.ignore_tables)
        if (pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0 &&
            fnmatch(pattern.substr(0, pattern.size() - 2).c_str(), schema->c_str(), 0) == 0)
          return true;
      return false;
    };
    auto& s = catalog.schemas;
    s.erase(std::remove_if(s.begin(), s.end(), [&](auto& x) { return whole(x); }), s.end());
    q.erase(std::remove_if(q.begin(), q.end(), [&](auto& x) { return whole(x.schema); }), q.end());
    auto& e = catalog.enums;
    e.erase(std::remove_if(e.begin(), e.end(), [&](auto& x) { return whole(x.schema); }), e.end());
  }
  return catalog;
}

/// How a change reads as drift: the live database has it (+), lacks it
/// (-), or has it otherwise (~) than its chain gives.
char drift_sign(const Change& c) {
  switch (c.kind) {
    case Change::Kind::CreateSchema:
    case Change::Kind::CreateTable:
    case Change::Kind::AddColumn:
    case Change::Kind::AddPrimaryKey:
    case Change::Kind::AddUnique:
    case Change::Kind::AddCheck:
    case Change::Kind::CreateIndex:
    case Change::Kind::AddForeignKey:
    case Change::Kind::CreateView:
    case Change::Kind::CreateTrigger:
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

/// The dialect a command about `db`'s schema works in: --dialect, else its
/// URL's.
std::string dialect_of(const Context& ctx, const config::DatabaseConfig& db) {
  if (ctx.vm.count("dialect")) {
    std::string d = util::to_lower(ctx.vm["dialect"].as<std::string>());
    if (d == "postgres" || d == "pgsql") d = "postgresql";
    if (d == "mariadb") d = "mysql";
    if (d != "sqlite" && d != "postgresql" && d != "mysql")
      throw UserError("--dialect " + d + ": unknown dialect (sqlite, postgresql, mysql)");
    return d;
  }
  if (!db.url_error.empty())
    throw UserError(db.url_error + " (give --dialect to work without the database's URL)");
  return db.url.dialect;
}

const config::Url* dev_url_of(const config::DatabaseConfig& db, const std::string& dialect) {
  if (dialect == "sqlite") return nullptr;
  if (auto it = db.command_dev_urls.find(dialect); it != db.command_dev_urls.end()) return &it->second;
  if (!db.command_dev_urls.empty()) {
    std::vector<std::string> given;
    for (auto& [d, url] : db.command_dev_urls) given.push_back(url.masked());
    throw UserError("a scratch " + dialect + " database is needed, and --dev-url gives none (" +
                    util::join(given, ", ") + "): add --dev-url with a " + dialect + " server");
  }
  if (!db.dev_url_error.empty()) throw UserError(db.dev_url_error);
  if (db.dev_url && db.dev_url->dialect != dialect)
    throw UserError("[databases." + db.name + "] dev_url is a " + db.dev_url->dialect + " server; " + dialect +
                    " needs one of its own");
  return db.dev_url ? &*db.dev_url : nullptr;
}

/// The chain replayed up to `revisions` ("heads" for its heads) on a new
/// scratch database of `dialect`, kept, and what it then holds.
struct Replay {
  std::shared_ptr<scratch::ScratchDatabase> scratch;
  schema::Catalog catalog;
};

/// Runs `action` to `target` on the scratch database; the error, or "".
std::string run_on_scratch(const config::Config& cfg, const config::DatabaseConfig& db,
                           dialect::PluginRegistry& plugins, const scratch::ScratchDatabase& scratch,
                           runner::Action action, const std::string& target) {
  std::ostringstream quiet_out, quiet_err;
  runner::Output aside(quiet_out, quiet_err);
  runner::Runner r(cfg, plugins, aside);
  runner::Target st{&db, scratch.sqlalchemy_url(), scratch.url(), 0, db.name + " (scratch)"};
  runner::Request request;
  request.action = action;
  request.run_held = true;  // a revision awaiting review is still part of the chain
  if (action == runner::Action::Stamp) request.stamp_targets = {target};
  else request.target = target;
  auto result = r.run({st}, request, 1);
  return result[0].ok ? std::string() : result[0].error;
}

Replay replay_chain(const config::Config& cfg, const config::DatabaseConfig& db, dialect::PluginRegistry& plugins,
                    const std::string& dialect, const std::vector<std::string>& revisions) {
  Replay out;
  out.scratch = std::make_shared<scratch::ScratchDatabase>(plugins, dialect, dev_url_of(db, dialect));
  for (auto& rev : revisions) {
    const std::string error = run_on_scratch(cfg, db, plugins, *out.scratch, runner::Action::Upgrade, rev);
    if (!error.empty())
      throw DatabaseError("replaying the chain up to " + rev + " on a scratch database failed: " + error);
  }
  out.catalog = introspect(plugins.get(dialect), out.scratch->url(), db, "the chain replayed", scratch_scope());
  return out;
}

/// What the chain gives at `revisions`, replayed on a scratch database.
schema::Catalog chain_catalog(const config::Config& cfg, const config::DatabaseConfig& db,
                              dialect::PluginRegistry& plugins, const std::string& dialect,
                              const std::vector<std::string>& revisions) {
  return replay_chain(cfg, db, plugins, dialect, revisions).catalog;
}

/// The schema `db` should have: its `schema` file or its `models`, loaded
/// into a scratch database of `dialect` and read back.
schema::Catalog desired_catalog(const config::Config& cfg, const config::DatabaseConfig& db,
                                dialect::PluginRegistry& plugins, const std::string& dialect,
                                std::shared_ptr<scratch::ScratchDatabase>* keep = nullptr) {
  std::vector<std::string> statements;
  std::string script;
  std::string source;
  size_t created_schemas = 0;  // models: the CREATE SCHEMA statements first
  if (!db.schema_file.empty()) {
    std::ifstream in(db.schema_file, std::ios::binary);
    if (!in) throw UserError(located(cfg.path, db.schema_line, "schema = " + db.schema_file + ": cannot read it"));
    std::ostringstream text;
    text << in.rdbuf();
    script = text.str();
    source = db.schema_file;
  } else if (!db.models.empty()) {
    nlohmann::json request = {{"models", db.models},
                              {"dialect", dialect},
                              {"sys_path", {fs::path(cfg.path).parent_path().string()}}};
    if (!db.python.empty()) setenv("STRATA_PYTHON", db.python.c_str(), 1);
    std::string tail;
    nlohmann::json answer;
    try {
      answer = bridge::call("sqlalchemy-ddl", request, &tail);
    } catch (const bridge::Interrupted&) {
      scratch::request_interrupt();  // the bridge had the signal; the chain's replay may still run
      throw;
    } catch (const bridge::BridgeError& e) {
      // The bridge's own messages about the setting already start with it.
      const std::string what = e.what();
      const std::string setting = what.rfind("models = ", 0) == 0 ? "" : "models = " + db.models + ": ";
      throw UserError(located(cfg.path, db.models_line, setting + what + (tail.empty() ? "" : "\n" + tail)));
    }
    // PostgreSQL: the schemas the models name are created first (create_all
    // does not). MySQL's schema would be another database, SQLite's an
    // attached one: a scratch database is one database, so no.
    const auto& in_schemas = answer.value("in_schemas", nlohmann::json::array());
    if (dialect != "postgresql" && !in_schemas.empty()) {
      // Named by a table where one is (an index or a type is in one's wake).
      auto first = in_schemas.at(0);
      for (auto& o : in_schemas)
        if (o.at(1) == "table") {
          first = o;
          break;
        }
      const std::string schema = first.at(0).get<std::string>();
      const std::string object = first.at(1).get<std::string>() + " " + schema + "." + first.at(2).get<std::string>();
      const std::string why =
          dialect == "mysql"
              ? "on MySQL/MariaDB a SQLAlchemy schema is another database, which Strata does not compare (its "
                "scratch database is one database): give the models no schema for this database"
              : "on SQLite a schema is an ATTACHed database, which Strata does not support: give the models no "
                "schema for this database";
      throw UserError(located(cfg.path, db.models_line,
                              "models = " + db.models + ": " + object + " is in schema " + schema + "; " + why));
    }
    if (dialect == "postgresql") {
      const auto& plugin = plugins.get(dialect);
      for (auto& name : answer.value("schemas", nlohmann::json::array()))
        statements.push_back("CREATE SCHEMA IF NOT EXISTS " + plugin.quote(name.get<std::string>()));
      created_schemas = statements.size();
    }
    for (auto& st : answer.at("statements")) statements.push_back(st.get<std::string>());
    source = "models " + db.models;
  } else {
    throw UserError(located(cfg.path, db.line, "[databases." + db.name +
                                                   "] has no desired schema: set schema = \"FILE.sql\" or models = "
                                                   "\"module:Base.metadata\""));
  }
  auto held = std::make_shared<scratch::ScratchDatabase>(plugins, dialect, dev_url_of(db, dialect));
  if (keep) *keep = held;  // the caller keeps it, loaded (else dropped on return)
  const scratch::ScratchDatabase& scratch = *held;
  const auto& plugin = plugins.get(dialect);
  std::vector<strata_statement_range> ranges;
  try {
    dialect::Connection conn(plugin, runner::connect_options(scratch.url()));
    // One transaction: statement by statement in autocommit, 1,000 tables
    // are 1,000 commits (SQLite: a sync each). MySQL's DDL commits anyway.
    if (!script.empty()) {
      ranges = plugin.split(script);
      for (auto& r : ranges) statements.push_back(script.substr(r.offset, r.length));
    }
    conn.begin();
    conn.execute_batch(statements, {});  // one pipeline / packet where the dialect can
    conn.commit();
  } catch (const dialect::DialectError& e) {
    // Where: the file's line of the failing statement (and of the spot in
    // it, when the server says), or the statement SQLAlchemy wrote.
    const auto i = static_cast<size_t>(std::max<int64_t>(e.statements_completed, 0));
    std::string message = "loading " + source + " into a scratch " + dialect + " database failed: " +
                          config::mask_passwords(e.what());
    if (!ranges.empty() && i < ranges.size()) {
      const int64_t at = ranges[i].offset + std::max<int64_t>(e.statement_offset, 0);
      const int line = 1 + static_cast<int>(std::count(script.begin(), script.begin() + at, '\n'));
      throw UserError(located(db.schema_file, line, message));
    }
    if (ranges.empty() && i < statements.size()) {
      std::string st = statements[i].substr(0, 200);
      std::replace(st.begin(), st.end(), '\n', ' ');
      message += (i < created_schemas ? "\n  in the statement creating a schema the models name: "
                                      : "\n  in the statement SQLAlchemy wrote: ") +
                 st + (statements[i].size() > 200 ? " ..." : "");
    }
    if (!db.models.empty() && db.schema_file.empty()) throw UserError(located(cfg.path, db.models_line, message));
    throw UserError(message);
  }
  return introspect(plugin, scratch.url(), db, source, scratch_scope());
}

/// Statements as a section's body: each ending with ';', REVIEW notes of
/// the changes first.
std::string section_body(const std::vector<Change>& changes, const std::vector<std::string>& statements) {
  std::string out;
  for (auto& c : changes)
    for (auto& r : c.review) out += "-- REVIEW: " + c.describe() + ": " + r + "\n";
  for (auto& st : statements) {
    std::string s = st;
    while (!s.empty() && (s.back() == ';' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
    out += s + ";\n";
  }
  return out;
}

bool drops_enum_value(const Change& c) { return c.kind == Change::Kind::DropEnum && !c.enum_value.empty(); }

/// The changes a revision's SQL is written for: all but the removal of an
/// enum value, which PostgreSQL cannot do (its REVIEW line says so; the
/// value stays).
std::vector<Change> renderable(const std::vector<Change>& changes) {
  std::vector<Change> out;
  for (auto& c : changes)
    if (!drops_enum_value(c)) out.push_back(c);
  return out;
}

/// A value an add_enum_value of `changes` adds that another statement of
/// `statements` names ('happy', as a quoted literal): it must be committed
/// before that statement runs.
std::optional<std::string> new_enum_value_used(const std::vector<Change>& changes,
                                               const std::vector<std::string>& statements) {
  for (auto& c : changes) {
    if (c.kind != Change::Kind::AddEnumValue) continue;
    std::string literal = "'";
    for (char ch : c.enum_value) literal += ch == '\'' ? std::string("''") : std::string(1, ch);
    literal += "'";
    size_t uses = 0;
    for (auto& st : statements) uses += st.find(literal) != std::string::npos;
    if (uses > 1) return literal;  // the ADD VALUE itself is one
  }
  return std::nullopt;
}

}  // namespace

Autogenerated autogenerate(Context& ctx, const config::Config& cfg, const config::DatabaseConfig& db,
                           const std::vector<std::string>& dialects, const std::string& against_url) {
  Autogenerated out;
  out.plugins = std::make_shared<dialect::PluginRegistry>(cfg.plugin_path);
  dialect::PluginRegistry& plugins = *out.plugins;
  auto chain = runner::load_chain(db.location);
  std::vector<std::string> heads;
  for (auto h : chain->graph->heads()) heads.push_back(chain->graph->id(h));
  for (auto& dialect : dialects) {
    const auto& plugin = plugins.get(dialect);
    // The chain's replay runs while the desired schema is loaded (the
    // Python bridge alone is most of a SQLite autogenerate's time).
    std::future<Replay> replayed;
    std::string live_text = against_url;
    if (live_text.empty() && dialect != "sqlite" && !db.dev_url && db.dev_url_error.empty() &&
        db.command_dev_urls.empty()) {
      if (!db.url_error.empty())
        throw UserError("no dev_url for a scratch " + dialect + " database, and the database's own URL is not usable: " +
                        db.url_error);
      live_text = db.url_text;
    }
    if (live_text.empty())
      replayed = std::async(std::launch::async, [&] { return replay_chain(cfg, db, plugins, dialect, {"heads"}); });
    std::shared_ptr<scratch::ScratchDatabase> desired_db;
    schema::Catalog desired = desired_catalog(cfg, db, plugins, dialect, live_text.empty() ? &desired_db : nullptr);
    schema::Catalog head;
    // The chain's head: replayed on a scratch database where one can be
    // made, else (or with --against-url) a live database that must be at
    // the chain's heads, as Alembic requires.
    if (live_text.empty()) {
      Replay r = replayed.get();
      head = r.catalog;
      out.replayed.push_back({dialect, r.scratch, r.scratch->url(), desired_db, desired_db->url(), head, desired});
    } else {
      config::Url live = config::parse_url(live_text, fs::path(cfg.path).parent_path().string());
      if (live.dialect != dialect)
        throw UserError("--against-url " + live.masked() + " is " + live.dialect + ", not " + dialect);
      std::ostringstream quiet_out, quiet_err;
      runner::Output aside(quiet_out, quiet_err);
      runner::Runner r(cfg, plugins, aside);
      runner::Request current;
      current.action = runner::Action::Current;
      auto state = r.run({runner::Target{&db, live_text, live, 0, db.name}}, current, 1);
      if (!state[0].ok) throw DatabaseError(state[0].error);
      auto rows = state[0].to_rows;
      auto want = heads;
      std::sort(rows.begin(), rows.end());
      std::sort(want.begin(), want.end());
      if (rows != want)
        throw UserError("Target database is not up to date: " + live.masked() + " is at " +
                        (rows.empty() ? std::string("<base>") : util::join(rows, ", ")) + ", the chain's heads are " +
                        util::join(want, ", ") + " (upgrade it first, or leave out --against-url to compare with the chain replayed on a scratch "
                        "database)");
      head = introspect(plugin, live, db, live.masked(), {false, desired.schemas});
    }
    auto up = schema::diff(head, desired);
    auto down = schema::diff(desired, head);
    for (auto& c : up) {
      out.summary.push_back(dialect + ": " + c.describe());
      if (schema::may_lose_data(c)) out.flagged.push_back(dialect + ": " + c.describe());
      else if (!c.review.empty()) out.noted.push_back(dialect + ": " + c.describe());
    }
    if (!up.empty()) out.any = true;
    try {
      auto up_sql = plugin.render_changes(schema::changes_json(dialect, renderable(up)));
      if (auto value = new_enum_value_used(up, up_sql)) {
        out.transactional = false;
        out.transactional_reason = "Transactional: false because a later statement uses the new enum value " + *value +
                                   ", which PostgreSQL allows only once the ALTER TYPE ... ADD VALUE is committed. So each "
                                   "statement commits on its own: a failure leaves the revision part-applied, "
                                   "recorded statement by statement for --resume.";
      }
      out.upgrade.emplace_back(dialect, section_body(up, up_sql));
      out.downgrade.emplace_back(
          dialect, section_body(down, plugin.render_changes(schema::changes_json(dialect, renderable(down)))));
    } catch (const dialect::DialectError& e) {
      throw UserError(std::string("cannot write the changes for ") + dialect + ": " + e.what());
    }
  }
  (void)ctx;
  return out;
}

std::vector<std::string> verify_autogenerated(const config::Config& cfg, const config::DatabaseConfig& db,
                                              Autogenerated& gen) {
  dialect::PluginRegistry& plugins = *gen.plugins;
  std::vector<std::string> problems;
  // What is left after a step that should give `want`: none but what no
  // SQL is written for.
  auto differences = [&](const std::string& dialect, const config::Url& url, const schema::Catalog& want) {
    auto left = renderable(
        schema::diff(introspect(plugins.get(dialect), url, db, "the scratch database", scratch_scope()), want));
    std::vector<std::string> out;
    for (auto& c : left) out.push_back(c.describe());
    return out;
  };
  // The two halves at once, each on its own scratch database: the upgrade
  // on the chain's head, the downgrade on the desired schema (stamped at
  // the new revision).
  for (auto& r : gen.replayed) {
    auto* head_db = static_cast<scratch::ScratchDatabase*>(r.scratch.get());
    auto* desired_db = static_cast<scratch::ScratchDatabase*>(r.desired_scratch.get());
    const std::string on = r.dialect + ": ";
    auto up = std::async(std::launch::async, [&]() -> std::string {
      std::string error = run_on_scratch(cfg, db, plugins, *head_db, runner::Action::Upgrade, "heads");
      if (!error.empty()) return on + "the upgrade failed on the chain's head: " + error;
      auto left = differences(r.dialect, r.url, r.desired);
      if (!left.empty())
        return on + "after the upgrade the schema still differs from the desired one: " + util::join(left, "; ");
      return "";
    });
    std::string down;
    std::string error = run_on_scratch(cfg, db, plugins, *desired_db, runner::Action::Stamp, "heads");
    if (error.empty()) error = run_on_scratch(cfg, db, plugins, *desired_db, runner::Action::Downgrade, "-1");
    if (!error.empty()) {
      down = on + "the downgrade failed: " + error;
    } else {
      auto left = differences(r.dialect, r.desired_url, r.head);
      if (!left.empty())
        down = on + "after the downgrade the schema differs from the chain's head: " + util::join(left, "; ");
    }
    const std::string up_problem = up.get();
    if (!up_problem.empty()) problems.push_back(up_problem);
    if (!down.empty()) problems.push_back(down);
  }
  gen.replayed.clear();  // the scratch databases go now
  return problems;
}

int cmd_check(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("check takes no arguments (the databases come from --db)");
  const bool json = ctx.globals.json;
  auto cfg = ctx.load();
  auto dbs = ctx.selected(cfg);
  dialect::PluginRegistry plugins(cfg.plugin_path);
  bool changed = false, failed = false;
  nlohmann::json report = nlohmann::json::array();
  for (auto* dbp : dbs) {
    const auto& db = *dbp;
    if (db.schema_file.empty() && db.models.empty()) {
      if (ctx.globals.dbs.empty()) continue;  // databases without a desired schema are not checked
    }
    const std::string dialect = dialect_of(ctx, db);
    const std::string prefix = dbs.size() > 1 ? db.name + ": " : "";
    nlohmann::json entry = {{"database", db.name}, {"dialect", dialect}};
    std::vector<Change> changes;
    // A database that cannot be compared (its desired schema does not
    // load, no server) is reported, and the others are still checked.
    try {
      auto replayed =
          std::async(std::launch::async, [&] { return chain_catalog(cfg, db, plugins, dialect, {"heads"}); });
      schema::Catalog desired = desired_catalog(cfg, db, plugins, dialect);
      schema::Catalog head = replayed.get();
      changes = schema::diff(head, desired);
    } catch (const bridge::Interrupted&) {
      throw;
    } catch (const std::exception& e) {
      failed = true;
      entry["error"] = config::mask_passwords(e.what());
      // Named even alone: an error says which database could not be compared.
      if (!json) ctx.err << "strata: " << db.name << ": error: " << entry["error"].get<std::string>() << "\n";
      report.push_back(std::move(entry));
      continue;
    }
    entry["changes"] = nlohmann::json::array();
    for (auto& c : changes)
      entry["changes"].push_back({{"kind", c.kind_name()}, {"table", c.table}, {"change", c.describe()},
                                  {"review", c.review}});
    entry["up_to_date"] = changes.empty();
    if (!changes.empty()) changed = true;
    // Revisions the comparison counted that upgrade still refuses: a green
    // check must not hide them.
    entry["awaiting_review"] = nlohmann::json::array();
    {
      auto chain = runner::load_chain(db.location);
      for (planner::Index i = 0; i < chain->graph->size(); ++i) {
        const auto& rev = chain->graph->rev(i);
        if (rev.review.empty()) continue;
        entry["awaiting_review"].push_back(rev.id);
        if (!json)
          ctx.err << prefix << "note: " << located(rev.path, rev.review_line, "revision " + rev.id + " awaits review (" +
                                                                              rev.review + ")")
                  << ": upgrade refuses it until its -- Review: line is deleted\n";
      }
      runner::keep_until_exit(std::move(chain));
    }
    if (!json) {
      if (changes.empty()) {
        ctx.out << prefix << "no changes: the chain's head has the schema of "
                << (db.schema_file.empty() ? "models " + db.models : fs::path(db.schema_file).filename().string())
                << "\n";
      } else {
        ctx.out << prefix << changes.size() << " change" << (changes.size() == 1 ? "" : "s")
                << " not in the chain yet (revision --autogenerate would write them):\n";
        for (auto& c : changes) {
          ctx.out << "  " << c.describe() << "\n";
          for (auto& r : c.review) ctx.out << "    REVIEW: " << r << "\n";
        }
      }
    }
    report.push_back(std::move(entry));
  }
  if (report.empty())
    throw UserError("no database of " + cfg.path + " has a desired schema: set schema = \"FILE.sql\" or models = "
                    "\"module:Base.metadata\" in [databases.NAME]");
  // up_to_date: unknown (null) when a database could not be compared and
  // none of the others differs.
  const nlohmann::json up_to_date = changed ? nlohmann::json(false) : failed ? nlohmann::json() : nlohmann::json(true);
  if (json) ctx.out << nlohmann::json{{"databases", report}, {"up_to_date", up_to_date}}.dump(2) << "\n";
  return comparison_exit(changed, failed);
}

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

  // One target: its chain replayed up to its revision on a scratch
  // database, both introspected and compared. Targets run side by side (up
  // to -j): a fleet's time is mostly waiting on servers.
  struct Outcome {
    nlohmann::json entry;
    std::vector<Change> changes;
    std::string at, error;
    std::exception_ptr user_error;
  };
  std::vector<Outcome> outcomes(targets.size());
  auto work = [&](size_t k) {
    const auto& t = targets[k];
    const auto& db = *t.db;
    Outcome& o = outcomes[k];
    o.entry = {{"name", t.name}, {"database", db.name}, {"url", t.url.masked()}};
    try {
      if (!states[k].ok) throw DatabaseError(states[k].error);
      const auto& rows = states[k].to_rows;
      if (!states[k].mid_revision.empty())
        throw DatabaseError("the database is in the middle of revision " + states[k].mid_revision +
                            ": settle it first (strata --db " + db.name + " current)");
      const auto& plugin = plugins.get(t.url.dialect);
      schema::Catalog expected = chain_catalog(cfg, db, plugins, t.url.dialect, rows);
      schema::Catalog actual = introspect(plugin, t.url, db, t.url.masked(), {false, expected.schemas});
      o.changes = schema::diff(expected, actual);
      o.at = rows.empty() ? "<base>" : util::join(rows, ", ");
      o.entry["revisions"] = rows;
      o.entry["drifted"] = !o.changes.empty();
      o.entry["changes"] = nlohmann::json::array();
      for (auto& c : o.changes)
        o.entry["changes"].push_back({{"kind", c.kind_name()}, {"sign", std::string(1, drift_sign(c))},
                                      {"table", c.table}, {"change", drift_text(c)}});
    } catch (const UserError& e) {
      // A missing dev_url or a bad config is the user's to fix for every
      // target: said once (JSON: in each entry).
      o.user_error = std::current_exception();
      o.entry["error"] = config::mask_passwords(e.what());
    } catch (const std::exception& e) {
      o.error = config::mask_passwords(e.what());
      o.entry["error"] = o.error;
    }
  };
  const size_t jobs = std::max<size_t>(1, ctx.jobs(cfg) > 0 ? static_cast<size_t>(ctx.jobs(cfg))
                                                              : std::min<size_t>(targets.size(), 8));
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < std::min(jobs, targets.size()); ++w)
    pool.emplace_back([&] {
      for (size_t k; (k = next.fetch_add(1)) < targets.size();) work(k);
    });
  for (auto& th : pool) th.join();

  bool drifted = false, failed = false;
  nlohmann::json report = nlohmann::json::array();
  for (size_t k = 0; k < targets.size(); ++k) {
    auto& o = outcomes[k];
    if (o.user_error && !json) std::rethrow_exception(o.user_error);
    const std::string prefix = prefixed ? targets[k].name + ": " : "";
    if (o.entry.contains("error")) {
      failed = true;
      if (!json) ctx.err << "strata: " << targets[k].name << ": error: " << o.error << "\n";
    } else {
      if (!o.changes.empty()) drifted = true;
      if (!json) {
        if (o.changes.empty()) {
          ctx.out << prefix << "no drift: the schema is what the chain gives at " << o.at << "\n";
        } else {
          ctx.out << prefix << "drifted from its chain at " << o.at << ": " << o.changes.size() << " difference"
                  << (o.changes.size() == 1 ? "" : "s") << "\n";
          for (auto& c : o.changes) ctx.out << "  " << drift_sign(c) << " " << drift_text(c) << "\n";
        }
      }
    }
    report.push_back(std::move(o.entry));
  }
  // drifted: unknown (null) when a database could not be compared and none
  // of the others drifted.
  const nlohmann::json any = drifted ? nlohmann::json(true) : failed ? nlohmann::json() : nlohmann::json(false);
  if (json) ctx.out << nlohmann::json{{"databases", report}, {"drifted", any}}.dump(2) << "\n";
  return comparison_exit(drifted, failed);
}

}  // namespace strata::cli
