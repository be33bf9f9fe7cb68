#pragma once
// `strata import alembic`: an Alembic project (alembic.ini, env.py, Python
// revisions) becomes Strata revision files with the same ids and graph, and
// an alembic.toml, so a database Alembic manages stays at the same revision.
//
// The SQL is Alembic's own: the project's env.py runs, through the Python
// bridge, against a scratch database of each target dialect, upgrading
// through every revision and then downgrading to base, and the statements
// SQLAlchemy sends for each revision are recorded (bound parameters inlined
// as the driver sends them; Alembic's version-table statements and
// reflection left out). What the scratch database cannot answer for the real
// one is never guessed: a revision whose code read rows or consulted the
// dialect is written with a "-- Review:" header, which Strata refuses to run
// until a person has checked the SQL and deleted the line.
#include <iosfwd>
#include <string>
#include <vector>

#include "strata/dialect/dialect.hpp"

namespace strata::importer {

struct ImportOptions {
  std::string ini = "alembic.ini";       ///< the Alembic project's ini file
  std::string config = "alembic.toml";   ///< Strata config to write or extend
  std::string name;                      ///< the database's name (one-database projects; default "main")
  /// Dialects to write sections for: "postgresql", or "NAME=postgresql" for
  /// one database of a multidb project. Empty: each database's from its
  /// sqlalchemy.url in the ini.
  std::vector<std::string> dialects;
  /// Revision folder (one-database projects); default migrations/<name>,
  /// relative to the config's folder. multidb: migrations/<engine>.
  std::string to;
  /// Servers for scratch databases, one per dialect (the URL's scheme says
  /// which); else [databases.NAME] dev_url of an existing config.
  std::vector<std::string> dev_urls;
  bool force = false;  ///< rewrite revision files already imported
};

/// What happened to one Alembic revision in one Strata database.
struct ImportedRevision {
  /// Written: a new file (or rewritten with --force). Kept: imported before
  /// and left as it is (unchanged, or edited by hand). Changed: imported
  /// before, nobody edited it, but Alembic's SQL for it is different now
  /// (the .py changed): left as it is, --force rewrites it. Review: written,
  /// awaits a person. Failed: Alembic's own run of it failed, or its id
  /// cannot be a Strata id. NotReached: Alembic stopped before it, or it
  /// builds on a revision that was not imported.
  enum class Status { Written, Kept, Changed, Review, Failed, NotReached };
  std::string id;
  std::string file;    ///< the Strata file (Written, Kept, Review)
  std::string source;  ///< the Alembic .py file
  Status status = Status::Written;
  std::string reason;  ///< Review: why; Failed: Alembic's error; NotReached: which revision stopped it;
                       ///< Kept/Written: "edited by hand", "your edited version is in X.orig"
};

struct DatabaseImport {
  std::string name;
  std::string folder;  ///< absolute
  std::vector<std::string> dialects;
  std::vector<ImportedRevision> revisions;  ///< parents first
  std::vector<std::string> notes;           ///< downgrades Alembic could not run, ...
  /// What the written config says and why, when the reader should know
  /// (url without the ini's URL as default, a dev_url left as a comment);
  /// informative: no effect on the exit status.
  std::vector<std::string> config_notes;
};

struct ImportReport {
  std::string ini;
  std::string config;
  std::string config_action;  ///< "wrote", "extended", "kept"
  std::vector<DatabaseImport> databases;
  /// 0: complete; 3: some revision needs review or could not be imported.
  int exit_code() const;
};

/// Runs the import. Progress goes to `err` ("recording postgresql ...").
/// Throws UserError (bad ini, options, files), bridge::BridgeError (Python
/// or Alembic missing, env.py failed), DatabaseError (scratch server).
ImportReport import_alembic(const ImportOptions& options, dialect::PluginRegistry& plugins, std::ostream& err);

/// The report as the command prints it.
void print_report(const ImportReport& report, std::ostream& out);
/// The report as one JSON document (--json): {"ini", "config",
/// "config_action", "exit_code", "databases": [{"name", "folder",
/// "dialects", "notes", "config_notes", "revisions": [{"id", "file", "source", "status",
/// "reason"}]}]}; status is written, kept, changed, review, failed or
/// not_reached.
std::string report_json(const ImportReport& report);

}  // namespace strata::importer
