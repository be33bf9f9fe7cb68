#pragma once
// Runs one command against several targets at once (each database's URL, or
// every URL of a fan-out environment): each target on its own connection,
// its revisions strictly in order, targets in parallel on a Boost.Asio
// thread pool. One target failing does not stop the others (unless
// --fail-fast); SIGINT stops them between revisions.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/config/config.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/planner/graph.hpp"
#include "strata/runner/applied_log.hpp"
#include "strata/runner/output.hpp"

namespace strata::runner {

enum class Action { Upgrade, Downgrade, Stamp, Current, Resolve };

/// One URL a command runs against.
struct Target {
  const config::DatabaseConfig* db = nullptr;
  std::string url_text;  ///< contains the password; print url.masked()
  config::Url url;
  /// Position in the environment's URL lists: targets of one group are
  /// paired for cross-database Depends On (0 without an environment).
  size_t group = 0;
  std::string name;  ///< for output: "main", or "main[2]" in a fan-out
};

/// Each database's own URL, or, with an environment, every URL it lists for
/// the database. Throws UserError when the environment omits a database.
std::vector<Target> make_targets(const config::Config& config,
                                 const std::vector<const config::DatabaseConfig*>& databases,
                                 const config::Environment* environment);
/// Connection settings for a parsed URL (what a plugin's connect() gets).
dialect::ConnectOptions connect_options(const config::Url& url, double lock_timeout_seconds = -1);

/// Slice k (1-based) of n: a stable split by a hash of database and URL, so
/// every target lands in exactly one slice whatever machine computes it.
std::vector<Target> shard_targets(const std::vector<Target>& targets, int k, int n);

/// First SIGINT/SIGTERM: running targets stop before their next revision,
/// targets not started yet are skipped. Safe to call from a signal handler.
void request_stop();
bool stop_requested();
/// For tests: forget an earlier stop request.
void reset_stop();

struct Request {
  Action action = Action::Upgrade;
  std::string target;                      ///< upgrade/downgrade target (every database)
  /// Per-database targets ("main=head analytics=ae10"); override `target`.
  std::map<std::string, std::string> target_by_db;
  std::vector<std::string> stamp_targets;  ///< stamp REV...
  bool purge = false;                      ///< stamp --purge
  /// upgrade/downgrade --resume: continue a revision left half-applied at
  /// the statement that did not complete.
  bool resume = false;
  /// --resume-from K / --resume-after K (1-based; 0 = not given): the user
  /// settles a statement left in doubt (it did not / did take effect), or
  /// picks where to continue. Either implies `resume`.
  int64_t resume_from = 0;
  int64_t resume_after = 0;
  /// resolve: true = the interrupted revision was completed by hand (record
  /// it), false = it was reverted by hand (forget it).
  bool resolve_applied = false;
  double lock_timeout_seconds = -1;        ///< negative: wait as long as it takes
  /// Retry connecting (with backoff) this long before failing a target.
  double wait_timeout_seconds = 0;
  bool fail_fast = false;  ///< after the first failure, start no more targets
  /// Prefix output lines with the target's name even when one target runs:
  /// the command was given several databases or an environment (a --shard
  /// slice may hold one target of many). Set by the CLI.
  bool prefix_names = false;
  /// The environment the targets came from (for cross-database Depends On
  /// on a database outside this run); may be null.
  const config::Environment* environment = nullptr;
  /// current: also read the applied log (verify, history --applied).
  bool read_log = false;
  /// upgrade --strict: refuse when an applied revision's file changed since
  /// it ran (otherwise a warning).
  bool strict = false;
  /// --tag: recorded in the applied log.
  std::string tag;
  /// Run revisions held by a `-- Review:` header too. Only for scratch
  /// databases (check, diff and autogenerate replay the chain as it is
  /// written there): the hold keeps unreviewed SQL off real databases.
  bool run_held = false;
};

/// One revision run by a target.
struct StepRecord {
  std::string revision;
  bool upgrade = true;
  double started = 0;  ///< seconds since the run began
  double seconds = 0;  ///< how long it took
};

enum class TargetStatus { Ok, Failed, Interrupted, Skipped };
const char* to_string(TargetStatus status);

struct TargetResult {
  std::string name;       ///< "main" or "main[2]"
  std::string database;
  std::string url_masked;
  size_t group = 0;
  TargetStatus status = TargetStatus::Failed;
  bool ok = false;        ///< status == Ok
  std::string error;                    ///< one line, passwords masked
  /// The failure is in a revision file (refused before anything ran): the
  /// command's exit status is 2 when no target failed otherwise.
  bool file_error = false;
  /// The version table was read: from_rows/to_rows are what the database
  /// holds. False for a target that never connected or never got that far
  /// (show "-", not "<base>").
  bool rows_read = false;
  std::vector<std::string> from_rows;   ///< version rows before
  std::vector<std::string> to_rows;     ///< version rows after (committed state)
  /// Set when the database is (still or now) in the middle of a revision:
  /// "<revision> <upgrade|downgrade> <done>/<total>", followed by
  /// " in-doubt <k>" when statement k may or may not have taken effect.
  std::string mid_revision;
  /// current: mid_revision is the work of a run holding the lock right now,
  /// not a leftover.
  bool another_run_applying = false;
  int steps_done = 0;
  std::vector<StepRecord> steps;
  /// current with read_log: the applied log was there and was read (oldest first).
  bool log_read = false;
  std::vector<LogRow> log;
  double seconds = 0;
};

/// A location's revisions and graph, loaded once and shared by every
/// database that uses the location.
struct Chain {
  script::ScriptDirectory scripts;
  std::unique_ptr<planner::RevisionGraph> graph;
};

/// Loads (and validates) the chain of every location used by `databases`.
/// Throws UserError on the first malformed file.
std::map<std::string, std::shared_ptr<const Chain>> load_chains(
    const std::vector<const config::DatabaseConfig*>& databases);
std::shared_ptr<const Chain> load_chain(const std::string& location);
/// Keeps `chain` alive until the process exits, so that it is never freed
/// piece by piece (commands call this for what they are done with).
void keep_until_exit(std::shared_ptr<const Chain> chain);


/// What `verify` finds for one revision.
struct VerifyEntry {
  std::string revision;
  /// ok (file matches the log), changed (edited after it ran), missing (applied,
  /// no file defines it), unverified (applied, no log row with a checksum:
  /// Alembic, a stamp, or before the log existed), pending (not applied).
  std::string status;
  std::string path;      ///< "" when missing
  std::string recorded;  ///< checksum in the log ("" when none)
  std::string current;   ///< checksum of the file's section now ("" when missing/not computed)
  std::string ran_at;    ///< started_at of the log row compared
};

/// Compares the version rows and the applied log of a database with its
/// chain's files for `dialect`. Entries: version rows without a file first,
/// then the chain newest first. Loads the bodies it needs.
std::vector<VerifyEntry> verify_applied(const planner::RevisionGraph& graph, const script::ScriptDirectory& scripts,
                                        const std::string& dialect, const std::vector<std::string>& rows,
                                        const std::vector<LogRow>& log);

class Runner {
 public:
  Runner(const config::Config& config, dialect::PluginRegistry& plugins, Output& output);
  /// Runs `request` on every target, at most `jobs` at a time (0: min(targets,
  /// 8)). Loads every chain and plugin and checks cross-database Depends On
  /// first, so a bad file or a missing plugin stops the command before any
  /// database is touched (UserError). Results are in the order of `targets`.
  std::vector<TargetResult> run(const std::vector<Target>& targets, const Request& request, int jobs);
  /// The same for each database's own URL.
  std::vector<TargetResult> run(const std::vector<const config::DatabaseConfig*>& databases, const Request& request,
                                int jobs);

  /// The chain of `location`, as loaded by run() (loaded now if it was not):
  /// loading 100k revisions twice in one command would double its cost.
  std::shared_ptr<const Chain> chain(const std::string& location);

 private:
  const config::Config& config_;
  dialect::PluginRegistry& plugins_;
  Output& output_;
  std::map<std::string, std::shared_ptr<const Chain>> chains_;
};

}  // namespace strata::runner
