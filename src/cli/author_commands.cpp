// Commands that write files: revision, merge, init.
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
#include "strata/scratch/interrupt.hpp"
#include "strata/script/revision.hpp"

namespace fs = std::filesystem;

namespace strata::cli {
namespace {

std::string write_revision(Context& ctx, const std::string& folder, const script::NewRevision& rev) {
  fs::create_directories(folder);
  fs::path path = fs::path(folder) / script::revision_file_name(rev);
  if (fs::exists(path)) throw UserError(path.string() + ": already exists");
  std::ofstream f(path);
  f << script::render_revision(rev);
  f.close();
  if (!f) throw UserError(path.string() + ": cannot write");
  // Read it back: what was written must parse.
  script::parse_revision(util::read_file(path.string()), path.string());
  if (!ctx.globals.json) ctx.out << "Generating " << path.string() << " ...  done\n";
  return path.string();
}

/// --json of revision and merge: {"command", "database", "revision": the
/// written revision's object, as heads would show it}.
void print_written(Context& ctx, const char* command, const config::DatabaseConfig& db, const std::string& id,
                   const std::string& path) {
  if (!ctx.globals.json) return;
  nlohmann::json doc;
  doc["command"] = command;
  doc["database"] = db.name;
  // Read the chain again: labels inherited along the branch, children and
  // head flags are the graph's, exactly as heads and show report them.
  std::shared_ptr<const runner::Chain> chain;
  try {
    chain = runner::load_chain(db.location);
  } catch (const UserError&) {
  }
  std::optional<planner::Index> i;
  if (chain) i = chain->graph->find(id);
  if (chain && i && fs::equivalent(chain->graph->rev(*i).path, path)) {
    doc["revision"] = revision_json(*chain->graph, *i);
  } else {
    // Written outside the chain's location (--version-path): the file alone.
    auto r = script::parse_revision(util::read_file(path), path);
    doc["revision"] = {{"revision", r.id},
                       {"down_revisions", r.down_revisions},
                       {"branch_labels", r.branch_labels},
                       {"depends_on", r.depends_on},
                       {"message", r.message},
                       {"create_date", r.create_date},
                       {"path", r.path},
                       {"transactional", r.transactional},
                       {"children", nlohmann::json::array()},
                       {"is_head", true},
                       {"is_branch_point", false},
                       {"is_merge_point", r.down_revisions.size() > 1}};
  }
  if (chain) runner::keep_until_exit(chain);
  ctx.out << json_text(doc);
}

std::string new_id(Context& ctx, const planner::RevisionGraph& g) {
  std::string id = ctx.vm.count("rev-id") ? ctx.vm["rev-id"].as<std::string>() : util::random_revision_id();
  if (id.empty() || id.size() > 32 || id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
    throw UserError("--rev-id '" + id + "' is not a valid revision id (1-32 letters, digits or '_')");
  if (g.find(id)) throw UserError("Revision " + id + " is already present in " + g.location());
  return id;
}

}  // namespace

int cmd_revision(Context& ctx) {
  if (!ctx.positional.empty()) throw UserError("revision takes no positional arguments (use -m MESSAGE)");
  auto cfg = ctx.load();
  const auto& db = single_db(ctx, cfg, "revision");
  auto chain = runner::load_chain(db.location);
  const auto& g = *chain->graph;
  script::NewRevision rev;
  rev.id = new_id(ctx, g);
  rev.message = ctx.vm.count("message") ? ctx.vm["message"].as<std::string>() : "";
  std::string head = ctx.vm.count("head") ? ctx.vm["head"].as<std::string>() : "head";
  bool splice = ctx.vm.count("splice") && ctx.vm["splice"].as<bool>();
  rev.branch_labels = multi(ctx, "branch-label");
  for (auto& label : rev.branch_labels)
    if (g.labelled(label) || g.find(label))
      throw UserError("Branch name '" + label + "' in revision " + rev.id + " already used by revision " +
                      (g.labelled(label) ? g.id(*g.labelled(label)) : label));
  if (head == "base") {
    // A new base: a second root in the chain.
  } else if (head == "head" && g.heads().size() > 1) {
    throw UserError("Multiple heads are present; please specify the head revision on which the "
                    "new revision should be based (--head), or perform a merge ('strata merge heads')");
  } else {
    for (auto p : g.get_revisions(head)) {
      if (!g.node(p).children.empty() && !splice)
        throw UserError("Revision " + g.id(p) +
                        " is not a head revision; please specify --splice to create a new "
                        "branch from this revision");
      rev.down_revisions.push_back(g.id(p));
    }
  }
  for (auto& d : multi(ctx, "depends-on")) {
    // Alembic stores a dependency's full id; a branch label stays a label.
    if (g.labelled(d)) rev.depends_on.push_back(d);
    else if (auto r = g.get_revision(d)) rev.depends_on.push_back(g.id(*r));
    else throw UserError("--depends-on " + d + " names no revision");
  }
  rev.upgrade_sql = "";
  rev.downgrade_sql = "";
  if (flag(ctx, "autogenerate")) {
    std::vector<std::string> dialects = multi(ctx, "dialect");
    for (auto& d : dialects) {
      d = script::canonical_dialect(util::to_lower(d));
      if (d != "sqlite" && d != "postgresql" && d != "mysql")
        throw UserError("--dialect " + d + ": unknown dialect (sqlite, postgresql, mysql)");
    }
    if (dialects.empty()) {
      if (!db.url_error.empty()) throw UserError(db.url_error + " (or give --dialect)");
      dialects.push_back(db.url.dialect);
    }
    const std::string against = ctx.vm.count("against-url") ? ctx.vm["against-url"].as<std::string>() : "";
    // SIGINT/SIGTERM while scratch databases are in use: exit 130, none left.
    scratch::InterruptGuard interrupts;
    auto gen = autogenerate(ctx, cfg, db, dialects, against);
    if (!gen.any) {
      if (!ctx.globals.json) ctx.out << "No changes in schema detected.\n";
      else ctx.out << nlohmann::json{{"command", "revision"}, {"database", db.name}, {"revision", nullptr}}.dump(2) << "\n";
      return 0;
    }
    if (!ctx.globals.json)
      for (auto& line : gen.summary) ctx.out << "Detected " << line << "\n";
    rev.upgrade_by_dialect = gen.upgrade;
    rev.downgrade_by_dialect = gen.downgrade;
    rev.transactional = gen.transactional;
    rev.transactional_reason = gen.transactional_reason;
  }
  std::string folder = ctx.vm.count("version-path") ? ctx.vm["version-path"].as<std::string>() : db.location;
  print_written(ctx, "revision", db, rev.id, write_revision(ctx, folder, rev));
  return 0;
}

int cmd_merge(Context& ctx) {
  if (ctx.positional.empty()) throw UserError("merge needs the revisions to merge (e.g. heads)");
  auto cfg = ctx.load();
  const auto& db = single_db(ctx, cfg, "merge");
  auto chain = runner::load_chain(db.location);
  const auto& g = *chain->graph;
  script::NewRevision rev;
  rev.id = new_id(ctx, g);
  rev.message = ctx.vm.count("message") ? ctx.vm["message"].as<std::string>() : "";
  rev.branch_labels = multi(ctx, "branch-label");
  for (auto& t : ctx.positional)
    for (auto p : g.get_revisions(t))
      if (std::find(rev.down_revisions.begin(), rev.down_revisions.end(), g.id(p)) == rev.down_revisions.end())
        rev.down_revisions.push_back(g.id(p));
  if (rev.down_revisions.size() < 2)
    throw UserError("merge needs at least two revisions to merge; got " +
                    (rev.down_revisions.empty() ? std::string("none") : util::join(rev.down_revisions, ", ")));
  print_written(ctx, "merge", db, rev.id, write_revision(ctx, db.location, rev));
  return 0;
}

namespace {

// `init --template NAME`: the config and the databases it sets up.
struct Template {
  const char* name;
  std::vector<const char*> databases;
  const char* toml;
};

const std::vector<Template>& templates() {
  static const std::vector<Template> all = {
      {"generic", {"main"}, R"(# Strata configuration (Alembic-compatible names).
[alembic]
version_locations = ["%DIR%/main"]
# version_table = "alembic_version"
# version_table_schema = "public"
# transaction_per_migration = false
# jobs = 4
# plugin_path = ["/opt/strata/plugins"]

[databases.main]
url = "${DATABASE_URL:-sqlite:///var/main.db}"
# location = "%DIR%/main"   # default: the version location named like the database
)"},
      {"multidb", {"main", "analytics"}, R"(# Strata configuration (Alembic-compatible names): two databases, each with
# its own revision chain. Without DATABASE_URL / ANALYTICS_DATABASE_URL both
# run on SQLite files under var/, so trying it needs no server.
[alembic]
version_locations = ["%DIR%/main", "%DIR%/analytics"]
# version_table = "alembic_version"
# version_table_schema = "public"
# transaction_per_migration = false
# jobs = 4
# plugin_path = ["/opt/strata/plugins"]

[databases.main]
url = "${DATABASE_URL:-sqlite:///var/main.db}"
# location = "%DIR%/main"   # default: the version location named like the database

[databases.analytics]
url = "${ANALYTICS_DATABASE_URL:-sqlite:///var/analytics.db}"
# version_table = "analytics_version"   # this database's own (default: [alembic]'s)
)"},
  };
  return all;
}

/// What the project's .gitignore must hold: the SQLite files under var/
/// (the folder itself stays, through its own .gitignore, so that
/// sqlite:///var/... works in a fresh clone), run locks, the revision cache.
const std::vector<std::string> kIgnored = {"/var/*", "!/var/.gitignore", "*-strata.lock", ".strata_cache/"};

std::string file_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream f(p, std::ios::binary | std::ios::out | mode);
  f << text;
  f.close();
  if (!f) throw UserError(p.string() + ": cannot write");
}

}  // namespace

int cmd_init(Context& ctx) {
  if (ctx.positional.size() > 1)
    throw UserError("init takes one folder for the revision chains (default: migrations)");
  const std::string dir = ctx.positional.empty() ? "migrations" : ctx.positional[0];
  const std::string name = ctx.vm.count("template") ? ctx.vm["template"].as<std::string>() : "generic";
  const Template* tpl = nullptr;
  std::vector<std::string> names;
  for (auto& t : templates()) {
    names.push_back(t.name);
    if (name == t.name) tpl = &t;
  }
  if (!tpl) throw UserError("init --template: no template '" + name + "' (templates: " + util::join(names, ", ") + ")");
  fs::path folder(dir);
  if (fs::exists(folder) && !fs::is_empty(folder))
    throw UserError("Directory " + dir + " already exists and is not empty");
  fs::path toml = fs::path(ctx.globals.config);
  if (fs::exists(toml)) throw UserError(toml.string() + " already exists; not overwriting it");
  // The project's root: the config's folder (its relative paths resolve there).
  const fs::path root = fs::absolute(toml).parent_path();
  const fs::path shown_root = toml.has_parent_path() ? toml.parent_path() : fs::path();
  nlohmann::json directories = nlohmann::json::array(), files = nlohmann::json::array(),
                 databases = nlohmann::json::array();
  const bool json = ctx.globals.json;
  auto say = [&](const std::string& text) {
    if (!json) ctx.out << text << "\n";
  };

  for (auto* db : tpl->databases) {
    fs::path chain = folder / db;
    fs::create_directories(chain);
    directories.push_back(chain.string());
    databases.push_back({{"database", db}, {"location", chain.string()}});
    say("Creating directory " + chain.string() + " ...  done");
    const std::string db_option = tpl->databases.size() > 1 ? std::string("--db ") + db + " " : "";
    write_file(chain / "README", std::string("Revision files of the '") + db + "' database. Create one with:\n" +
                                     "  strata " + db_option + "revision -m \"create users table\"\n");
    files.push_back((chain / "README").string());
  }
  // SQLite's files go to var/ (the default URLs); the folder must exist.
  fs::create_directories(root / "var");
  if (!fs::exists(root / "var" / ".gitignore")) {
    write_file(root / "var" / ".gitignore", "*\n!.gitignore\n");
    directories.push_back((shown_root / "var").string());
    files.push_back((shown_root / "var" / ".gitignore").string());
    say("Creating directory " + (shown_root / "var").string() + " ...  done");
  }

  std::string text = tpl->toml;
  // The config's relative paths resolve against its own folder.
  std::string rel = fs::relative(fs::absolute(folder), root).string();
  for (size_t p; (p = text.find("%DIR%")) != std::string::npos;) text.replace(p, 5, rel);
  write_file(toml, text);
  files.push_back(toml.string());
  say("Generating " + toml.string() + " ...  done");

  // .gitignore: written, or completed with the lines it lacks.
  const fs::path gitignore = root / ".gitignore";
  const std::string shown_gitignore = (shown_root / ".gitignore").string();
  std::set<std::string> present;
  std::string old;
  if (fs::exists(gitignore)) {
    old = file_text(gitignore);
    std::istringstream lines(old);
    for (std::string l; std::getline(lines, l);) present.insert(std::string(util::trim(l)));
  }
  std::string add;
  for (auto& l : kIgnored)
    if (!present.count(l)) add += l + "\n";
  if (!add.empty()) {
    std::string block = (old.empty() || old.back() == '\n' ? "" : "\n") + std::string(old.empty() ? "" : "\n") +
                        "# strata: local SQLite databases (var/ itself is kept), run locks, the revision cache\n" + add;
    write_file(gitignore, block, old.empty() ? std::ios::trunc : std::ios::app);
    files.push_back(shown_gitignore);
    say((old.empty() ? "Generating " : "Updating ") + shown_gitignore + " ...  done");
  }
  if (json) {
    nlohmann::json doc;
    doc["command"] = "init";
    doc["template"] = tpl->name;
    doc["config"] = toml.string();
    doc["databases"] = std::move(databases);
    doc["directories"] = std::move(directories);
    doc["files"] = std::move(files);
    ctx.out << json_text(doc);
    return 0;
  }
  ctx.out << "Please edit the database URLs in " << toml.string() << " before proceeding.\n";
  return 0;
}

// ------------------------------------------------------------- the table

}  // namespace strata::cli
