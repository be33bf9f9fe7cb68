#pragma once
// Revision files: one SQL file per revision, with an Alembic-style header
// and "-- +upgrade" / "-- +downgrade" sections, optionally per dialect.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace strata::script {

/// One "-- +upgrade [dialect]" or "-- +downgrade [dialect]" section.
struct Section {
  std::string dialect;  ///< "" for the plain section
  std::string sql;      ///< text after the marker line, up to the next marker
  int first_line = 0;   ///< line in the file where `sql` starts
};

struct Revision {
  std::string id;
  std::vector<std::string> down_revisions;  ///< Revises: (empty = a base)
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  /// "Message:", with each "-- |" line after it as a further line (joined
  /// by '\n'): Alembic's whole docstring message.
  std::string message;
  std::string create_date;
  bool transactional = true;  ///< "Transactional: false" runs outside a transaction
  /// "Review: REASON": the revision's SQL awaits a person's confirmation
  /// (written by `strata import alembic` when Alembic's code read rows or
  /// consulted the dialect). Strata refuses to run it, online or --sql,
  /// until the line is deleted. Empty when there is none.
  std::string review;
  int review_line = 0;        ///< line of "-- Review:" (0: none)
  std::string path;           ///< the file it came from
  int id_line = 0;            ///< line of "-- Revision ID:"
  int revises_line = 0;       ///< line of "-- Revises:"
  int depends_on_line = 0;    ///< line of "-- Depends On:" (0: none)
  std::vector<Section> upgrade;
  std::vector<Section> downgrade;
  /// False while only the header is known (it came from the revision
  /// cache): ScriptDirectory::load_bodies reads the sections before they run.
  bool has_body = true;

  /// The section to run for `dialect`: the dialect-qualified one if present,
  /// else the plain one; nullptr when there is none. Requires has_body.
  const Section* upgrade_for(std::string_view dialect) const;
  const Section* downgrade_for(std::string_view dialect) const;
  /// The message's first line: what one-line listings show.
  std::string_view summary() const { return std::string_view(message).substr(0, message.find('\n')); }
  /// file:line of byte `offset` inside `section`'s SQL.
  int line_in_file(const Section& section, size_t offset) const;
};

/// Parses one revision file's text. Throws UserError "path:line: ..." when
/// the file is malformed.
Revision parse_revision(std::string_view text, const std::string& path);

/// Empty when `id` can be a revision id (1-32 letters, digits or '_': the
/// version table's VARCHAR(32), and quote-free as a SQL literal); else why not.
std::string revision_id_problem(std::string_view id);

/// Empty when `label` can be written as one branch label and read back as
/// it; else why not.
std::string branch_label_problem(std::string_view label);

/// A message as a revision file holds it: line ends as '\n', no trailing
/// blanks on a line, no blank lines around it, the first line without
/// leading blanks. Throws UserError when the message holds a NUL byte,
/// invalid UTF-8 or a control character other than tab and line ends.
std::string normalize_message(std::string_view message);

/// Canonical dialect name for a section qualifier (postgres -> postgresql,
/// mariadb -> mysql); other names are returned as given.
std::string canonical_dialect(std::string_view name);

/// Every revision of one version location.
struct ScriptDirectory {
  std::string location;
  std::vector<Revision> revisions;  ///< sorted by file name
  size_t from_cache = 0;            ///< revisions whose header came from the cache

  /// Reads the sections of revisions[i] for each i in `which` that has only
  /// its header, re-checking that the file's header is still the one loaded
  /// (UserError naming the file if it changed or cannot be read). Safe to
  /// call from several threads; bodies, once read, never change.
  void load_bodies(const std::vector<size_t>& which) const;

  /// Guards load_bodies (shared by copies of this directory).
  std::shared_ptr<std::mutex> body_mutex = std::make_shared<std::mutex>();
};

struct LoadOptions {
  /// Use and refresh "<location>/.strata_cache". Off when the environment
  /// sets STRATA_NO_CACHE to anything but "" or "0".
  bool use_cache = default_use_cache();
  /// How old a file's timestamps must be before its header is cached: longer
  /// than any file system's timestamp granularity. STRATA_CACHE_SETTLE
  /// (seconds) overrides the 3 s default, e.g. for a network file system
  /// whose clock is off; 0 caches files at once (tests do).
  std::chrono::nanoseconds settle = default_settle();

  static bool default_use_cache();
  /// Throws UserError when STRATA_CACHE_SETTLE is not a number of seconds.
  static std::chrono::nanoseconds default_settle();
};

/// A load in two halves, so that work on a location's headers can overlap
/// checking that its files are unchanged (at 10k revisions the checks, one
/// stat per file, are most of a cached load). The constructor starts the
/// checks and, when the folder is unchanged since the cache was written,
/// decodes every cached header; finish() waits, reads what changed and
/// returns the directory.
class DirectoryLoad {
 public:
  explicit DirectoryLoad(const std::string& location, const LoadOptions& options = {});
  ~DirectoryLoad();
  DirectoryLoad(const DirectoryLoad&) = delete;
  DirectoryLoad& operator=(const DirectoryLoad&) = delete;

  /// The revisions as the cache has them, while their files are checked;
  /// nullptr when the cache cannot answer for the whole folder.
  const ScriptDirectory* cached() const;
  /// Waits for the checks and returns the loaded directory (UserError as
  /// load_script_directory). `*unchanged` is set when cached() was exactly
  /// the result: the same revisions in the same storage, so what was built
  /// on cached() (pointers included) stands.
  ScriptDirectory finish(bool* unchanged = nullptr);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

/// Loads every *.sql file of `location` (README* and other files are
/// ignored). Throws UserError on a malformed file (duplicate ids and other
/// errors between files are the graph's to find: planner::RevisionGraph). Headers of unchanged files come from the revision
/// cache (see src/script/cache.hpp) and their sections are read only when
/// load_bodies asks; a file not in the cache is read and checked whole.
ScriptDirectory load_script_directory(const std::string& location, const LoadOptions& options = {});

/// What `revision` and `merge` write.
struct NewRevision {
  std::string id;
  std::vector<std::string> down_revisions;
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  std::string message;
  std::string upgrade_sql;    ///< body of -- +upgrade (may be empty)
  std::string downgrade_sql;  ///< body of -- +downgrade (may be empty)
  /// Dialect sections (dialect, body), written instead of the plain ones
  /// when set (revision --autogenerate --dialect a,b).
  std::vector<std::pair<std::string, std::string>> upgrade_by_dialect, downgrade_by_dialect;
  /// False: a `-- Transactional: false` header (each statement commits on
  /// its own, the run tracking its progress), with `transactional_reason`
  /// as a comment line after the header when set.
  bool transactional = true;
  std::string transactional_reason;
  /// Set: a `-- Review: TEXT` header (one line), which keeps the revision
  /// from running until someone deletes it.
  std::string review;
};

/// Throws UserError (naming the option) when a header field of `rev` cannot
/// be written so that parse_revision reads back exactly that field: an
/// invalid id, a branch label holding ',', a multi-line review, etc. The
/// message must be normalize_message's.
void check_new_revision(const NewRevision& rev);

/// Renders the file text, dated now, after check_new_revision; the text is
/// parsed before it is returned and its header compared with `rev`
/// (UserError when they differ), so what is written always loads.
std::string render_revision(const NewRevision& rev);
/// "<id>_<slug>.sql" (Alembic's file_template default).
std::string revision_file_name(const NewRevision& rev);

}  // namespace strata::script
