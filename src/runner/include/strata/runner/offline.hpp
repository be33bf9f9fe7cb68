#pragma once
// Offline mode (--sql): the script an online run would execute, written out
// instead of run, per database and dialect, without connecting anywhere.
#include <iosfwd>
#include <string>
#include <vector>

#include "strata/config/config.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"

namespace strata::runner {

struct OfflineRequest {
  Action action = Action::Upgrade;  ///< Upgrade, Downgrade or Stamp
  /// The revisions the database is assumed to be at ("" or "base": an empty
  /// database, so the script creates the version table first).
  std::string start;
  std::string end;                          ///< upgrade/downgrade target
  std::vector<std::string> stamp_targets;   ///< stamp
  std::string tag;                          ///< --tag, recorded in the header
};

/// Splits Alembic's "start:end" range; no ':' means start = "".
std::pair<std::string, std::string> split_range(const std::string& range);

/// Writes the script for one database to `out`. Throws UserError on a bad
/// range or target (before anything is written: planning comes first).
/// `target` is a database with one of its URLs (its own, or one of an
/// environment's): the URL's scheme picks the dialect.
void render_offline(const config::Config& config, const Target& target, const Chain& chain,
                    const dialect::Plugin& plugin, const OfflineRequest& request, std::ostream& out);

}  // namespace strata::runner
