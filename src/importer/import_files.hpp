#pragma once
// What `import alembic` writes: revision files and alembic.toml text.
// Internal to src/importer.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "strata/dialect/dialect.hpp"

namespace strata::importer {

/// `path` relative to `base` when it is inside it, else as it is.
std::string relative_to(const std::filesystem::path& path, const std::filesystem::path& base);

/// One revision's SQL for one dialect, as recorded on a scratch database.
struct RecordedSql {
  bool upgraded = false;    ///< Alembic's upgrade ran to its end
  bool downgraded = false;  ///< Alembic's downgrade ran to its end
  std::vector<std::string> upgrade, downgrade;
  std::vector<std::string> reads;     ///< data reads (SELECTs outside op.execute)
  std::vector<std::string> inspects;  ///< catalog reads by the revision's own code (inspect(), has_table)
  bool autocommit = false;         ///< used autocommit_block()
};

/// An Alembic revision as the bridge described it.
struct AlembicRevision {
  std::string id;
  std::vector<std::string> down_revisions, branch_labels, depends_on;
  std::string message, create_date, path, source;
  std::vector<int> dialect_lines;  ///< lines of the .py where `dialect` is used
  /// Python that makes its SQL depend on when or where it runs ("now (line
  /// 12)", "environ (line 3)"): datetime.now(), uuid4(), os.environ, ...
  std::vector<std::string> runtime_uses;
};

/// The text of an imported revision file. `recorded` maps each dialect (in
/// the order to write) to its SQL; `review` is the Review header's reason
/// (empty: none) and `review_text` the comment explaining it.
/// Statements are written one per `;`; a MySQL statement that the dialect's
/// splitter would cut (a compound CREATE TRIGGER ... BEGIN ... END) is
/// wrapped in DELIMITER lines, as the mysql client needs.
std::string render_imported(const AlembicRevision& rev, const std::string& source_label,
                            const std::vector<std::pair<std::string, const RecordedSql*>>& recorded,
                            const std::string& review, const std::string& review_text,
                            dialect::PluginRegistry& plugins);

/// The last line of an imported file: the SHA-256 of everything above it,
/// so a later import can tell a file nobody edited from an edited one.
std::string import_marker(const std::string& text_above);
/// True when `file_text` ends with the marker of its own text (not edited
/// since it was imported).
bool untouched_since_import(const std::string& file_text);
/// `file_text` without its marker line (as it was rendered).
std::string without_marker(const std::string& file_text);

/// A TOML basic string: quoted, with '\\', '"' and control characters escaped.
std::string toml_string(const std::string& text);

}  // namespace strata::importer
