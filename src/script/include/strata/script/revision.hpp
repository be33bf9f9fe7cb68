#pragma once
// Revision files: one SQL file per revision, with an Alembic-style header
// and "-- +upgrade" / "-- +downgrade" sections, optionally per dialect.
#include <memory>
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
  std::string message;
  std::string create_date;
  bool transactional = true;  ///< "Transactional: false" runs outside a transaction
  std::string path;           ///< the file it came from
  int id_line = 0;            ///< line of "-- Revision ID:"
  std::vector<Section> upgrade;
  std::vector<Section> downgrade;

  /// The section to run for `dialect`: the dialect-qualified one if present,
  /// else the plain one; nullptr when there is none.
  const Section* upgrade_for(std::string_view dialect) const;
  const Section* downgrade_for(std::string_view dialect) const;
  /// file:line of byte `offset` inside `section`'s SQL.
  int line_in_file(const Section& section, size_t offset) const;
};

/// Parses one revision file's text. Throws UserError "path:line: ..." when
/// the file is malformed.
Revision parse_revision(std::string_view text, const std::string& path);

/// Canonical dialect name for a section qualifier (postgres -> postgresql,
/// mariadb -> mysql); other names are returned as given.
std::string canonical_dialect(std::string_view name);

/// Every revision of one version location.
struct ScriptDirectory {
  std::string location;
  std::vector<Revision> revisions;  ///< sorted by file name
};

/// Loads every *.sql file of `location` (README* and other files are
/// ignored). Throws UserError on a malformed file or a duplicate revision id
/// (naming both files).
ScriptDirectory load_script_directory(const std::string& location);

/// What `revision` and `merge` write.
struct NewRevision {
  std::string id;
  std::vector<std::string> down_revisions;
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  std::string message;
  std::string upgrade_sql;    ///< body of -- +upgrade (may be empty)
  std::string downgrade_sql;  ///< body of -- +downgrade (may be empty)
};

/// Renders the file text, dated now.
std::string render_revision(const NewRevision& rev);
/// "<id>_<slug>.sql" (Alembic's file_template default).
std::string revision_file_name(const NewRevision& rev);

}  // namespace strata::script
