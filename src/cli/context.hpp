#pragma once
// What the command families (run_commands.cpp, inspect_commands.cpp,
// author_commands.cpp) share with the command table (cli.cpp): the parsed
// command line, the options every family adds, and the handlers. Internal
// to src/cli.
#include <boost/program_options.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/config/config.hpp"
#include "strata/runner/output.hpp"
#include "strata/runner/runner.hpp"
#include "strata/schema/catalog.hpp"
#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace strata::cli {

namespace po = boost::program_options;

constexpr const char* kUsage = "usage: strata [GLOBAL OPTIONS] COMMAND [ARGS]";

/// Global options, valid before or after the command name.
struct Globals {
  std::string config = "alembic.toml";
  std::vector<std::string> dbs;
  std::string env;
  std::string shard;
  std::string jobs_text;  ///< -j as given; validated into `jobs`
  int jobs = 0;
  bool quiet = false;
  bool verbose = false;
  bool json = false;
};

po::options_description global_options(Globals& g);

/// Everything a command handler needs.
struct Context {
  Globals globals;
  po::variables_map vm;
  std::vector<std::string> positional;
  std::ostream& out;
  std::ostream& err;
  runner::Output output;

  Context(std::ostream& o, std::ostream& e) : out(o), err(e), output(o, e) {}

  /// The configuration. A command with --dev-url (check, diff, revision
  /// --autogenerate, import; as Atlas's --dev-url) gets those servers in
  /// every database's command_dev_urls, used before its dev_url for a
  /// scratch database of their dialect. Throws UserError for a bad URL
  /// (password masked), a SQLite one, or two servers of one dialect.
  config::Config load() const;

  /// Whether `db`'s dialect runs DDL in a transaction (its plugin's
  /// STRATA_CAP_TRANSACTIONAL_DDL); nullopt when its url is not readable
  /// (an unset variable) or the plugin does not load.
  std::optional<bool> transactional_ddl(const config::DatabaseConfig& db) const;

  /// The databases selected with --db (all when none given), in config order.
  std::vector<const config::DatabaseConfig*> selected(const config::Config& cfg) const {
    std::vector<const config::DatabaseConfig*> out;
    if (globals.dbs.empty()) {
      for (auto& db : cfg.databases) out.push_back(&db);
      return out;
    }
    for (auto& name : globals.dbs) {
      auto* db = cfg.find_database(name);
      if (!db) {
        std::vector<std::string> names;
        for (auto& d : cfg.databases) names.push_back(d.name);
        throw UserError("--db " + name + ": no such database in " + cfg.path + " (configured: " +
                        util::join(names, ", ") + ")");
      }
      if (std::find(out.begin(), out.end(), db) == out.end()) out.push_back(db);
    }
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->line < b->line; });
    return out;
  }

  int jobs(const config::Config& cfg) const { return globals.jobs > 0 ? globals.jobs : cfg.jobs; }
  std::string prefix(const std::vector<const config::DatabaseConfig*>& dbs,
                     const config::DatabaseConfig& db) const {
    return dbs.size() > 1 ? db.name : "";
  }
};

struct Command {
  const char* name;
  const char* args;     // positional arguments, for usage
  const char* summary;
  std::function<void(po::options_description&)> options;
  std::function<int(Context&)> handler;
};

// 1 when a database failed; 2 when the only failures are revision files
// refused before anything ran (as a file error found while loading is).
int exit_of(const std::vector<runner::TargetResult>& results);

// A top-level error as printed: passwords masked (linear scan), then very
// long messages shortened (a 1 MB SQL literal, a 30,000-character target).
std::string printable(const std::exception& e);

/// How a target ended, for the summary and the closing lines: failed,
/// interrupted (stopped by Ctrl-C) and skipped (never started) are apart.
runner::TargetStatus outcome(const runner::TargetResult& r);

/// The closing lines of a run over several targets, counted as in the
/// summary table: "2 of 3 databases failed: ...", "interrupted: 1 of 3
/// databases stopped before finishing: ...", "1 of 3 databases skipped (not
/// started): ...".
void report_failures(Context& ctx, const std::vector<runner::TargetResult>& results);

std::string require_one(Context& ctx, const char* what);

/// --lock-timeout: 0 = do not wait (fail at once if another run holds the
/// lock); absent = no limit (-1 for the runner).
double lock_timeout(const Context& ctx);

void add_lock_timeout(po::options_description& d);

bool flag(const Context& ctx, const char* name);

void add_offline_options(po::options_description& d);

void add_run_options(po::options_description& d);

/// The one database `revision`/`merge` write to.
const config::DatabaseConfig& single_db(Context& ctx, const config::Config& cfg, const char* cmd);

std::vector<std::string> multi(const Context& ctx, const char* name);

/// Of `dbs`, the databases whose chain defines every revision id, prefix or
/// branch label that `targets` name (planner::named_symbols): a name given
/// for several databases belongs to one chain. All of `dbs` when fewer than
/// two are given or the targets name nothing. Throws UserError naming the
/// chains (and their candidates) when no chain, or several, define them.
/// `not_touched` (may be null) gets the others, with the reason.
std::vector<const config::DatabaseConfig*> databases_naming(
    const std::vector<const config::DatabaseConfig*>& dbs, const std::vector<std::string>& targets,
    const std::function<const runner::Chain&(const config::DatabaseConfig&)>& chain_of,
    std::vector<std::pair<std::string, std::string>>* not_touched);

// Command handlers, by family.
// run_commands.cpp
int cmd_upgrade(Context& ctx);
int cmd_downgrade(Context& ctx);
int cmd_resolve(Context& ctx);
int cmd_stamp(Context& ctx);
int cmd_current(Context& ctx);
int cmd_verify(Context& ctx);
/// history --applied: the applied log of each database, newest first.
int history_applied(Context& ctx);
// schema_commands.cpp
int cmd_diff(Context& ctx);
int cmd_check(Context& ctx);
// comparison.cpp
/// The exit code of `diff` / `check`: 2 when a database could not be
/// compared, else 1 when one differs, else 0.
int comparison_exit(bool differs, bool failed);
/// Runs `command` (cmd_diff, cmd_check) with a scratch::InterruptGuard
/// (SIGINT/SIGTERM: exit 130, scratch databases dropped). An error that
/// stops the whole command exits 2 (a UserError); with --json a document
/// {"databases": [], "error": ...} is printed first.
int run_comparison(Context& ctx, int (*command)(Context&));
/// revision --autogenerate: per dialect, the sections that take the chain's
/// head to the desired schema and back. `any` is false when nothing
/// differs in any dialect. Throws UserError / DatabaseError.
struct Autogenerated {
  bool any = false;
  std::vector<std::pair<std::string, std::string>> upgrade, downgrade;  ///< (dialect, body)
  std::vector<std::string> summary;  ///< "postgresql: add column users.nickname ..."
  /// False when a statement needs what an earlier one made to be committed
  /// first (PostgreSQL: a new enum value used in the same transaction is
  /// "unsafe use of new value"): the revision is written `Transactional:
  /// false`, with the reason.
  bool transactional = true;
  std::string transactional_reason;
  /// The upgrade's changes that may lose data (schema::may_lose_data),
  /// described: the revision is held (a `-- Review:` header) until a
  /// person has looked.
  std::vector<std::string> flagged;
  /// The upgrade's other changes with REVIEW notes (they may fail on rows
  /// already there), described: said, not held.
  std::vector<std::string> noted;
  /// The plugins the scratch databases below use (declared first: it
  /// outlives them).
  std::shared_ptr<dialect::PluginRegistry> plugins;
  /// Per dialect whose chain was replayed on a scratch database (not with
  /// --against-url): that database and the desired schema's, kept for
  /// verify_autogenerated, and the two catalogs compared.
  struct Replayed {
    std::string dialect;
    std::shared_ptr<void> scratch;  ///< the scratch::ScratchDatabase at the chain's head
    config::Url url;
    std::shared_ptr<void> desired_scratch;  ///< the one the desired schema was loaded into
    config::Url desired_url;
    schema::Catalog head, desired;
  };
  std::vector<Replayed> replayed;
};
Autogenerated autogenerate(Context& ctx, const config::Config& cfg, const config::DatabaseConfig& db,
                           const std::vector<std::string>& dialects, const std::string& against_url);
/// After the revision autogenerate wrote: on each replayed scratch
/// database, `upgrade heads` must give the desired schema and `downgrade -1`
/// the chain's head again (what cannot be written, a removed PostgreSQL
/// enum value, left out). Returns what went wrong, one line each; empty
/// when verified.
std::vector<std::string> verify_autogenerated(const config::Config& cfg, const config::DatabaseConfig& db,
                                              Autogenerated& gen);
// import_commands.cpp
int cmd_import(Context& ctx);
void add_import_options(po::options_description& d);
// inspect_commands.cpp
int cmd_history(Context& ctx);
int cmd_graph(Context& ctx);
int cmd_heads(Context& ctx);
int cmd_branches(Context& ctx);
int cmd_show(Context& ctx);
// author_commands.cpp
int cmd_revision(Context& ctx);
int cmd_merge(Context& ctx);
int cmd_init(Context& ctx);

}  // namespace strata::cli
