#pragma once
// alembic.toml: where the revision chains live and which database each one
// runs against. Loading validates everything up front so a run never starts
// on a half-understood configuration.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/config/url.hpp"

namespace strata::config {

struct DatabaseConfig {
  std::string name;
  std::string url_text;  ///< after ${VAR} interpolation; contains the password
  Url url;
  /// Why `url` could not be resolved ("file:line: environment variable X is
  /// not set", an empty or malformed URL); empty when it was. Reported only
  /// by commands that select this database (require_url), so a job holding
  /// one database's secret can work on that database alone.
  std::string url_error;
  std::string location;  ///< absolute folder of this database's revision chain
  int line = 0;          ///< line of [databases.NAME] in the config file
  /// The version table of this database's chain: [databases.NAME]
  /// version_table / version_table_schema, else [alembic]'s. Two chains can
  /// share one database with a version table each.
  std::string version_table = "alembic_version";
  std::optional<std::string> version_table_schema;
  /// dev_url: a server where Strata may create and drop throwaway "scratch"
  /// databases for this database's dialect (`import alembic`; Atlas's "dev
  /// database"), never the database itself. Set when given and valid;
  /// otherwise dev_url_error says why (reported only by a command that
  /// needs it).
  std::optional<Url> dev_url;
  std::string dev_url_text;  ///< after ${VAR} interpolation; contains the password
  std::string dev_url_error;
  /// --dev-url given on the command line (check, diff, revision
  /// --autogenerate), by dialect: used before dev_url for a scratch
  /// database of that dialect. Empty unless the command had --dev-url.
  std::map<std::string, Url> command_dev_urls;
  /// The schema the database should have (`check`, `revision
  /// --autogenerate`): `schema` = a SQL file in the database's dialect
  /// (absolute path), or `models` = "module:attribute" naming SQLAlchemy
  /// MetaData (read through the Python bridge with `python`, default
  /// /usr/bin/python3). Empty when not set; at most one of them.
  std::string schema_file;
  int schema_line = 0;
  std::string models;
  int models_line = 0;
  std::string python;
  /// Tables (and views) the schema commands leave out on every side, as
  /// Alembic's include_object: shell patterns (fnmatch) matched against
  /// the name and the schema-qualified name ("spatial_ref_sys", "celery_*",
  /// "audit.*").
  std::vector<std::string> ignore_tables;
};

/// Throws the database's url_error (a UserError naming file:line) when its
/// URL could not be resolved.
void require_url(const DatabaseConfig& db);

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
  /// database name -> why its URLs could not be resolved (located); such a
  /// database has no entry in `databases`. Reported only when a command
  /// selects this environment and that database.
  std::map<std::string, std::string> errors;
};

struct Config {
  std::string path;  ///< the alembic.toml that was read
  std::string dir;   ///< its folder: relative paths resolve against it
  std::vector<std::string> version_locations;  ///< absolute folders
  /// [alembic]'s version table: the default of every database's own.
  std::string version_table = "alembic_version";
  std::optional<std::string> version_table_schema;
  bool transaction_per_migration = false;
  /// Keep the applied log (<version_table>_log); STRATA_NO_LOG=1 also turns it off.
  bool applied_log = true;
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

/// Limits of what alembic.toml and the command line accept.
constexpr int kMaxJobs = 1024;               ///< `jobs` and -j/--jobs
constexpr size_t kMaxIdentifierLength = 63;  ///< PostgreSQL's NAMEDATALEN - 1 (MySQL: 64)
/// version_table: the runner also creates `<version_table>_progress` with a
/// primary key named `<version_table>_progress_pkc` (13 more characters).
constexpr size_t kMaxVersionTableLength = kMaxIdentifierLength - 13;
/// --lock-timeout and --wait-timeout, in seconds: one day.
constexpr double kMaxTimeoutSeconds = 86400;

/// UTF-8 byte order mark, which some editors put at the start of a file.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
/// `text` without a leading byte order mark.
std::string_view strip_bom(std::string_view text);

/// Reads a file given in the configuration (alembic.toml, .env, a
/// urls_file) without its byte order mark. Throws UserError "PATH: no such
/// file", "PATH: is a directory", "PATH: is not a regular file" or "PATH:
/// cannot read: REASON".
std::string read_config_file(const std::string& path);

/// Letters, digits and '_', not starting with a digit, 1..max_length long.
bool is_sql_identifier(const std::string& name, size_t max_length);

/// A whole number option ("-j 8"): plain digits, lo..hi. Throws UserError
/// "WHAT takes a whole number from LO to HI, not 'TEXT'" otherwise
/// (negative, fractional, overflowing, not a number).
long parse_count(const std::string& text, const std::string& what, long lo, long hi);

/// A number of seconds ("--lock-timeout 2.5"): a plain decimal from 0 to
/// `max`. Throws UserError naming `what` and the range for a negative
/// number, nan, inf, an exponent, trailing text or a value above `max`.
double parse_seconds(const std::string& text, const std::string& what, double max);

/// Reads and validates alembic.toml. Throws UserError "file:line: ..." on
/// any problem: syntax, unknown key, wrong type, missing location.
Config load_config(const std::string& path);

}  // namespace strata::config
