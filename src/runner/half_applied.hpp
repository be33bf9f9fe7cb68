#pragma once
// The record of a half-applied revision (internal to the runner): what
// `<version_table>_progress` holds, and how it is told to the user — where
// the statement is, what it reads, and the commands that settle it. Reads
// the revision's file as it is now.
#include <cstdint>
#include <functional>
#include <string>

#include "strata/dialect/dialect.hpp"
#include "strata/planner/graph.hpp"
#include "strata/script/revision.hpp"

namespace strata::runner {

/// A revision recorded as running in the progress table.
struct Progress {
  std::string revision;
  bool upgrade = true;
  int64_t done = 0;
  int64_t total = 0;
  /// A statement announced as sent (1-based), 0 for none. When it is past
  /// `done`, that statement is in doubt: it may or may not have taken effect.
  int64_t started = 0;
  bool in_doubt() const { return started > done; }
};

class HalfApplied {
 public:
  /// `db`: the database's name, for the commands printed.
  HalfApplied(const planner::RevisionGraph& graph, const script::ScriptDirectory& scripts,
              const dialect::Plugin& plugin, std::string db)
      : graph_(graph), scripts_(scripts), plugin_(plugin), db_(std::move(db)) {}

  /// "REV upgrade DONE/TOTAL[ in-doubt K]": the record in one line (--json's
  /// mid_revision).
  static std::string describe(const Progress& p);

  /// "file:line" of the record's next statement (statement `done`, 0-based),
  /// or the file alone when it cannot be read.
  std::string location(const Progress& p) const;

  /// Statement `index` (0-based) of the recorded revision's section, as the
  /// file reads now; "" when it cannot be read.
  std::string statement_text(const Progress& p, int64_t index) const;

  /// Its first line, shortened: enough to recognise it and look for its effect.
  std::string statement_head(const Progress& p, int64_t index) const;

  /// The record told to the user, with the commands that settle it.
  /// `target`: the upgrade/downgrade target those commands name.
  /// `just_failed`: this run's own failure, whose error was shown above (a
  /// later run reads the record without knowing why it stopped).
  /// `leftovers(statement)`: what a statement that can fail leaving effects
  /// left behind, as lines to append ("" for nothing).
  std::string text(const Progress& p, const std::string& target, bool just_failed,
                   const std::function<std::string(const std::string&)>& leftovers) const;

 private:
  const planner::RevisionGraph& graph_;
  const script::ScriptDirectory& scripts_;
  const dialect::Plugin& plugin_;
  std::string db_;
};

}  // namespace strata::runner
