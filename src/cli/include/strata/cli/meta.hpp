#pragma once
// The CLI's meta commands: `strata --version` / `strata version [--json]`,
// and the hidden `strata __complete ...` that the bash and zsh completion
// scripts call, so completion reads the same command table, alembic.toml and
// revision chains as the commands themselves.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace boost::program_options {
class options_description;
}

namespace strata::cli::meta {

/// One option of the command table, as completion and the man page test see it.
struct OptionInfo {
  std::string long_name;   ///< "resume-from"
  std::string short_name;  ///< "r" or ""
  bool takes_value = false;
  std::string value_name;  ///< "K", "PATH", ...
  std::string description;
};

struct CommandInfo {
  std::string name, args, summary;
  std::vector<OptionInfo> options;
};

/// The whole command table: global options and every command.
struct CommandTable {
  std::vector<OptionInfo> globals;
  std::vector<CommandInfo> commands;
};

/// The options of a Boost.Program_options description, in order.
std::vector<OptionInfo> describe(const boost::program_options::options_description& d);

/// Handles `strata [GLOBAL OPTIONS] --version` and `strata __complete ...`.
/// nullopt: `args` is an ordinary command line. `table` is called only when
/// needed.
std::optional<int> dispatch(const std::vector<std::string>& args, const std::function<CommandTable()>& table,
                            std::ostream& out, std::ostream& err);

/// `strata version`: Strata's version, the dialect ABI version and every
/// plugin found (file, ABI, client library). `config_path` may add the
/// config's plugin_path; a missing or broken config is ignored here.
int version(bool json, const std::string& config_path, std::ostream& out, std::ostream& err);

/// Strata's version (CMake's project(VERSION)).
const char* version_string();

}  // namespace strata::cli::meta
