#pragma once
// The strata command line: a table of commands with Alembic's names and
// flags. main() only forwards here.
#include <iosfwd>
#include <string>
#include <vector>

namespace strata::cli {

/// Runs the command line `args` (without the program name) and returns the
/// process exit code. Never throws.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace strata::cli
