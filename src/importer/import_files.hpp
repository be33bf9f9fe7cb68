#pragma once
// What `import alembic` writes: revision files and alembic.toml text.
// Internal to src/importer.
#include <map>
#include <string>
#include <vector>

#include "strata/dialect/dialect.hpp"

namespace strata::importer {

/// One revision's SQL for one dialect, as recorded on a scratch database.
struct RecordedSql {
  bool upgraded = false;    ///< Alembic's upgrade ran to its end
  bool downgraded = false;  ///< Alembic's downgrade ran to its end
  std::vector<std::string> upgrade, downgrade;
  std::vector<std::string> reads;  ///< data reads (SELECTs outside op.execute)
  bool autocommit = false;         ///< used autocommit_block()
};

/// An Alembic revision as the bridge described it.
struct AlembicRevision {
  std::string id;
  std::vector<std::string> down_revisions, branch_labels, depends_on;
  std::string message, create_date, path, source;
  std::vector<int> dialect_lines;  ///< lines of the .py where `dialect` is used
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

/// A TOML basic string: quoted, with '\\', '"' and control characters escaped.
std::string toml_string(const std::string& text);

}  // namespace strata::importer
