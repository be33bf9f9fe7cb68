#pragma once
// alembic.toml: where the revision chains live and which database each one
// runs against. Loading validates everything up front so a run never starts
// on a half-understood configuration.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/config/url.hpp"

namespace strata::config {

struct DatabaseConfig {
  std::string name;
  std::string url_text;  ///< after ${VAR} interpolation; contains the password
  Url url;
  std::string location;  ///< absolute folder of this database's revision chain
  int line = 0;          ///< line of [databases.NAME] in the config file
};

/// One URL of a fan-out environment.
struct EnvironmentUrl {
  std::string text;    ///< after ${VAR} interpolation; contains the password
  Url url;
  std::string origin;  ///< "file:line" where it was written
};

/// [environments.NAME]: each database mapped to the URLs it fans out to.
struct Environment {
  std::string name;
  int line = 0;
  /// database name -> URLs, in the order written
  std::map<std::string, std::vector<EnvironmentUrl>> databases;
};

struct Config {
  std::string path;  ///< the alembic.toml that was read
  std::string dir;   ///< its folder: relative paths resolve against it
  std::vector<std::string> version_locations;  ///< absolute folders
  std::string version_table = "alembic_version";
  std::optional<std::string> version_table_schema;
  bool transaction_per_migration = false;
  int jobs = 0;  ///< 0 = default (min(databases, 8))
  std::vector<std::string> plugin_path;         ///< absolute folders
  std::vector<DatabaseConfig> databases;        ///< in file order
  std::vector<Environment> environments;

  const DatabaseConfig* find_database(const std::string& name) const;
  const Environment* find_environment(const std::string& name) const;
};

/// Environment lookup used for ${VAR} interpolation (real environment first,
/// then the .env file beside alembic.toml).
using EnvLookup = std::map<std::string, std::string>;

/// Parses a .env file: KEY=VALUE lines, '#' comments, optional "export ",
/// optional single or double quotes around the value.
EnvLookup parse_dotenv(const std::string& text, const std::string& file);

/// Replaces ${VAR} and ${VAR:-default} in `value` ("$${" is a literal "${").
/// `lookup` returns the variable's value or nullopt. Throws UserError naming
/// `file`:`line` and VAR when VAR is unset and has no default.
std::string interpolate(const std::string& value,
                        const std::function<std::optional<std::string>(const std::string&)>& lookup,
                        const std::string& file, int line);

/// Reads and validates alembic.toml. Throws UserError "file:line: ..." on
/// any problem: syntax, unknown key, wrong type, missing location.
Config load_config(const std::string& path);

}  // namespace strata::config
