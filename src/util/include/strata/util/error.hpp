#pragma once
// Errors that abort a command. Expected failures of one database are values
// (runner::TargetResult); these exceptions mean "stop this run" and are
// caught once, in the CLI, which prints "strata: error: <what>" and exits
// with the code the kind maps to.
#include <stdexcept>
#include <string>

namespace strata {

/// Process exit codes (see README "Exit codes").
enum class ExitCode : int {
  Success = 0,
  Failure = 1,      ///< a database or migration failed
  Usage = 2,        ///< bad command line, config or revision script
  Interrupted = 130,
};

/// A mistake in what the user wrote: command line, alembic.toml, a revision
/// file. Exit code 2. The message already names file:line where there is one.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failure while talking to a database. Exit code 1.
class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Formats "file:line: message" (line omitted when 0).
std::string located(const std::string& file, int line, const std::string& message);

}  // namespace strata
