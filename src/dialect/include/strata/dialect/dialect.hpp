#pragma once
// The host side of the dialect plugin ABI: finding and loading plugins, and
// a C++ wrapper around a connection that turns statuses into exceptions.
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "strata/dialect_abi.h"

/// True when the plugin's API table has `field` (set): its struct_size
/// reaches past it and the pointer is not NULL. Fields appended by a later
/// ABI minor are optional for the host.
#define STRATA_API_HAS(api, field)                                                            \
  ((api)->struct_size >= offsetof(strata_dialect_api, field) + sizeof((api)->field) && \
   (api)->field != nullptr)

namespace strata::dialect {

/// A failure reported by a plugin. Carries the classification the runner
/// reacts to (statement error, connection broken, commit in doubt, ...).
class DialectError : public std::runtime_error {
 public:
  DialectError(strata_status status, std::string message, std::string sqlstate = "",
               int64_t native_code = 0, int64_t statement_offset = -1,
               int64_t statements_completed = 0);
  strata_status status;
  std::string sqlstate;
  int64_t native_code;
  int64_t statement_offset;
  int64_t statements_completed;
};

/// A loaded plugin. Handles stay open until the process exits: client
/// libraries inside plugins cannot be unloaded safely.
struct Plugin {
  std::string name;
  std::string path;
  const strata_dialect_api* api = nullptr;
  bool has(uint64_t capability) const { return (api->capabilities & capability) != 0; }
  /// `identifier` quoted for this dialect (needs no connection).
  std::string quote(const std::string& identifier) const;
  /// Statement boundaries in `sql`, as the dialect splits it. Throws
  /// DialectError.
  std::vector<strata_statement_range> split(const std::string& sql) const;
  /// STRATA_STMT_* traits of one statement (ABI 1.1); a 1.0 plugin's
  /// statements all count as STRATA_STMT_NO_TRANSACTION (the safe answer).
  uint32_t statement_traits(std::string_view statement) const;
  /// Whether the plugin sends a batch in fewer round trips than one per
  /// statement (ABI 1.2 execute_batch).
  bool batches() const;
  /// One statement as the dialect's command-line client runs it (offline
  /// scripts).
  std::string script_statement(const std::string& statement) const;
  /// What an offline script for these connection settings starts with.
  std::string script_preamble(const struct ConnectOptions& options) const;
  /// The statements for a changes document (strata/schema/diff.hpp
  /// changes_json), in order, each without its ';'. Throws DialectError,
  /// also when the plugin predates render_changes ("cannot render").
  std::vector<std::string> render_changes(const std::string& changes_json) const;
};

/// Thrown when a plugin cannot be found or is refused. The message names the
/// file and, for version mismatches, both versions.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Finds and loads dialect plugins, once per dialect; thread-safe.
///
/// Search order for "strata-dialect-<name>.so":
///   1. STRATA_PLUGIN_PATH (colon-separated folders)
///   2. plugin_path from alembic.toml
///   3. <folder of the strata binary>/../lib/strata (build tree and install)
///   4. the install's plugin folder (compiled in)
class PluginRegistry {
 public:
  explicit PluginRegistry(std::vector<std::string> config_paths = {});
  /// Loads (or returns the already loaded) plugin for `dialect`.
  const Plugin& get(const std::string& dialect);
  /// The same plugin, shared: it outlives the registry while held (a
  /// scratch database's emergency drop on another thread uses it).
  std::shared_ptr<const Plugin> share(const std::string& dialect);
  /// Loads one plugin file and checks it provides `expected_name`.
  static Plugin load_file(const std::string& path, const std::string& expected_name);
  std::vector<std::string> search_path() const;

 private:
  std::vector<std::string> config_paths_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Plugin>> loaded_;
};

/// Parameters for Connection::open, in C++ form.
struct ConnectOptions {
  std::string url_masked, dialect, scheme, user, password, host, database;
  bool has_password = false;
  unsigned port = 0;
  std::vector<std::pair<std::string, std::string>> query;
  double lock_timeout_seconds = -1;
};

struct ExecResult {
  int64_t statements_completed = 0;
  int64_t rows_affected = -1;
};

/// An open connection; closes (rolling back) on destruction.
class Connection {
 public:
  Connection(const Plugin& plugin, const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Plugin& plugin() const { return plugin_; }
  /// Runs a script (or, with `single`, exactly one statement from split()).
  ExecResult execute(const std::string& sql, bool single = false);
  /// Runs `statements` (each exactly one statement) in order, as execute(s,
  /// true) on each would, stopping at the first failure, in as few round
  /// trips as the plugin can (ABI 1.2; one by one for older plugins).
  /// Returns the rows changed by each (-1: not an INSERT/UPDATE/DELETE, or
  /// not asked for: `count_rows[i]` asks for statement i's count).
  /// Throws DialectError whose statements_completed is the index of the
  /// failing statement (for a broken connection: of the first whose outcome
  /// is unknown) and statement_offset the position inside it (-1: unknown).
  std::vector<int64_t> execute_batch(const std::vector<std::string>& statements,
                                     const std::vector<bool>& count_rows = {});
  std::vector<std::string> query_column(const std::string& sql);
  bool table_exists(const std::string* schema, const std::string& table);
  void begin();
  void commit();
  void rollback();
  /// What a failed or in-doubt STRATA_STMT_PARTIAL_ON_FAILURE statement may
  /// have left behind, one line per object with the SQL that removes it
  /// (ABI 1.1; empty for a plugin without the entry). Throws DialectError.
  std::vector<std::string> partial_effects(const std::string& statement);
  /// The database's schema as a catalog document (format 1, see
  /// strata/schema/catalog.hpp). `options_json`: {"exclude_tables": [...],
  /// "schemas": [...]}. Throws DialectError, also when the plugin predates
  /// ABI 1.2 ("cannot introspect").
  std::string introspect(const std::string& options_json);
  void lock(const std::string& key, double timeout_seconds);
  void unlock(const std::string& key);

 private:
  [[noreturn]] void raise(strata_status status, strata_error* error) const;
  void check(strata_status status, strata_error* error) const;
  const Plugin& plugin_;
  strata_conn* conn_ = nullptr;
};

}  // namespace strata::dialect
