#include "strata/dialect/dialect.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

#ifndef STRATA_INSTALL_PLUGIN_DIR
#define STRATA_INSTALL_PLUGIN_DIR "/usr/local/lib/strata"
#endif

namespace strata::dialect {

DialectError::DialectError(strata_status status_, std::string message, std::string sqlstate_,
                           int64_t native_code_, int64_t statement_offset_,
                           int64_t statements_completed_)
    : std::runtime_error(std::move(message)),
      status(status_),
      sqlstate(std::move(sqlstate_)),
      native_code(native_code_),
      statement_offset(statement_offset_),
      statements_completed(statements_completed_) {}

// ---------------------------------------------------------------- loading

namespace {

std::string executable_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return exe.parent_path().string();
}

std::string version_string(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

}  // namespace

PluginRegistry::PluginRegistry(std::vector<std::string> config_paths)
    : config_paths_(std::move(config_paths)) {}

std::vector<std::string> PluginRegistry::search_path() const {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("STRATA_PLUGIN_PATH")) {
    std::string s(env);
    size_t start = 0;
    while (start <= s.size()) {
      size_t colon = s.find(':', start);
      if (colon == std::string::npos) colon = s.size();
      if (colon > start) dirs.push_back(s.substr(start, colon - start));
      start = colon + 1;
    }
  }
  for (auto& p : config_paths_) dirs.push_back(p);
  if (auto exe = executable_dir(); !exe.empty())
    dirs.push_back((fs::path(exe).parent_path() / "lib" / "strata").string());
  dirs.push_back(STRATA_INSTALL_PLUGIN_DIR);
  return dirs;
}

Plugin PluginRegistry::load_file(const std::string& path, const std::string& expected_name) {
  // RTLD_LOCAL keeps each plugin's client library symbols to itself.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    throw PluginError("cannot load dialect plugin " + path + ": " + (err ? err : "unknown error"));
  }
  auto entry = reinterpret_cast<strata_dialect_entry_fn>(dlsym(handle, STRATA_DIALECT_ENTRY_NAME));
  if (!entry)
    throw PluginError("dialect plugin " + path + " does not export " STRATA_DIALECT_ENTRY_NAME
                      " (not a Strata dialect plugin, or built for another ABI major version; "
                      "this strata speaks ABI " +
                      version_string(STRATA_DIALECT_ABI_MAJOR, STRATA_DIALECT_ABI_MINOR) + ")");
  const strata_dialect_api* api = entry();
  if (!api) throw PluginError("dialect plugin " + path + " returned no API table");
  // Read the version before trusting the size: a table of another major may
  // be laid out differently after these three fields.
  if (api->abi_major != STRATA_DIALECT_ABI_MAJOR)
    throw PluginError("dialect plugin " + path + " speaks ABI " +
                      version_string(api->abi_major, api->abi_minor) + ", this strata speaks " +
                      version_string(STRATA_DIALECT_ABI_MAJOR, STRATA_DIALECT_ABI_MINOR) +
                      " (major versions differ): rebuild the plugin against this strata");
  if (api->abi_minor > STRATA_DIALECT_ABI_MINOR)
    throw PluginError("dialect plugin " + path + " speaks ABI " +
                      version_string(api->abi_major, api->abi_minor) +
                      ", newer than this strata's " +
                      version_string(STRATA_DIALECT_ABI_MAJOR, STRATA_DIALECT_ABI_MINOR) +
                      ": upgrade strata or use the plugin built with it");
  // A 1.0 table ends before statement_traits, a 1.1 table before
  // execute_batch; later fields are optional (Plugin checks for them before
  // calling).
  const size_t needed = api->abi_minor >= 2   ? sizeof(strata_dialect_api)
                        : api->abi_minor == 1 ? STRATA_DIALECT_API_SIZE_1_1
                                              : STRATA_DIALECT_API_SIZE_1_0;
  if (api->struct_size < needed)
    throw PluginError("dialect plugin " + path + " has an API table of " +
                      std::to_string(api->struct_size) + " bytes, expected at least " +
                      std::to_string(needed) + " for ABI " +
                      version_string(api->abi_major, api->abi_minor));
  if (!api->name || expected_name != api->name)
    throw PluginError("dialect plugin " + path + " provides dialect '" +
                      (api->name ? api->name : "(null)") + "', expected '" + expected_name + "'");
  const void* required[] = {
      reinterpret_cast<const void*>(api->error_free),     reinterpret_cast<const void*>(api->string_list_free),
      reinterpret_cast<const void*>(api->connect),        reinterpret_cast<const void*>(api->disconnect),
      reinterpret_cast<const void*>(api->execute),        reinterpret_cast<const void*>(api->query_column),
      reinterpret_cast<const void*>(api->table_exists),   reinterpret_cast<const void*>(api->begin),
      reinterpret_cast<const void*>(api->commit),         reinterpret_cast<const void*>(api->rollback),
      reinterpret_cast<const void*>(api->lock),           reinterpret_cast<const void*>(api->unlock),
      reinterpret_cast<const void*>(api->quote_identifier), reinterpret_cast<const void*>(api->split_statements),
      reinterpret_cast<const void*>(api->statement_list_free), reinterpret_cast<const void*>(api->script_statement),
      reinterpret_cast<const void*>(api->script_preamble)};
  for (auto* fn : required)
    if (!fn) throw PluginError("dialect plugin " + path + " leaves a required function empty");
  Plugin p;
  p.name = expected_name;
  p.path = path;
  p.api = api;
  // The handle is deliberately never closed (see class comment).
  return p;
}

const Plugin& PluginRegistry::get(const std::string& dialect) {
  std::lock_guard<std::mutex> guard(mutex_);
  for (auto& p : loaded_)
    if (p->name == dialect) return *p;
  const std::string file = "strata-dialect-" + dialect + ".so";
  auto dirs = search_path();
  for (auto& dir : dirs) {
    fs::path candidate = fs::path(dir) / file;
    std::error_code ec;
    if (fs::exists(candidate, ec)) {
      loaded_.push_back(std::make_shared<Plugin>(load_file(candidate.string(), dialect)));
      return *loaded_.back();
    }
  }
  std::string searched;
  for (auto& d : dirs) searched += "\n  " + d;
  throw PluginError("no dialect plugin for '" + dialect + "': " + file + " not found in:" +
                    searched + "\n(set STRATA_PLUGIN_PATH or plugin_path in alembic.toml)");
}

std::shared_ptr<const Plugin> PluginRegistry::share(const std::string& dialect) {
  const Plugin& plugin = get(dialect);
  std::lock_guard<std::mutex> guard(mutex_);
  for (auto& p : loaded_)
    if (p.get() == &plugin) return p;
  return nullptr;  // not reached: get() keeps what it loads
}

// ------------------------------------------------------------- connection

std::string Plugin::quote(const std::string& identifier) const {
  std::string out(identifier.size() * 2 + 3, '\0');
  size_t n = api->quote_identifier(identifier.c_str(), out.data(), out.size());
  if (n >= out.size()) {
    out.assign(n + 1, '\0');
    n = api->quote_identifier(identifier.c_str(), out.data(), out.size());
  }
  out.resize(n);
  return out;
}

std::string Plugin::script_statement(const std::string& statement) const {
  std::string out(statement.size() + 64, '\0');
  size_t n = api->script_statement(statement.data(), statement.size(), out.data(), out.size());
  if (n >= out.size()) {
    out.assign(n + 1, '\0');
    n = api->script_statement(statement.data(), statement.size(), out.data(), out.size());
  }
  out.resize(n);
  return out;
}

uint32_t Plugin::statement_traits(std::string_view statement) const {
  // A 1.0 plugin cannot tell: assume the worst (tracked as possibly in doubt).
  if (!STRATA_API_HAS(api, statement_traits)) return STRATA_STMT_NO_TRANSACTION;
  return api->statement_traits(statement.data(), statement.size());
}

bool Plugin::batches() const {
  return STRATA_API_HAS(api, execute_batch);
}

std::vector<strata_statement_range> Plugin::split(const std::string& sql) const {
  strata_statement_list* list = nullptr;
  strata_error* err = nullptr;
  strata_status st = api->split_statements(sql.data(), sql.size(), &list, &err);
  if (st != STRATA_OK) {
    std::string message = err && err->message ? err->message : "cannot split statements";
    const int64_t offset = err ? err->statement_offset : -1;
    if (err) api->error_free(err);
    throw DialectError(st, message, "", 0, offset);
  }
  if (err) api->error_free(err);
  std::vector<strata_statement_range> out;
  if (list) {
    out.assign(list->items, list->items + list->count);
    api->statement_list_free(list);
  }
  return out;
}

void Connection::raise(strata_status status, strata_error* error) const {
  std::string message = "unknown error";
  std::string sqlstate;
  int64_t native = 0, offset = -1, completed = 0;
  if (error) {
    if (error->message) message = error->message;
    if (error->sqlstate) sqlstate = error->sqlstate;
    native = error->native_code;
    offset = error->statement_offset;
    completed = error->statements_completed;
    plugin_.api->error_free(error);
  }
  throw DialectError(status, message, sqlstate, native, offset, completed);
}

void Connection::check(strata_status status, strata_error* error) const {
  if (status != STRATA_OK) raise(status, error);
  if (error) plugin_.api->error_free(error);
}

namespace {

/// strata_connect_params pointing into `o` (and into `keys`/`values`).
strata_connect_params to_params(const ConnectOptions& o, std::vector<const char*>& keys,
                                std::vector<const char*>& values) {
  for (auto& [k, v] : o.query) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  strata_connect_params params{};
  params.struct_size = sizeof(params);
  params.url_masked = o.url_masked.c_str();
  params.scheme = o.dialect.c_str();
  params.user = opt(o.user);
  params.password = o.has_password ? o.password.c_str() : nullptr;
  params.host = opt(o.host);
  params.port = o.port;
  params.database = opt(o.database);
  params.query_count = keys.size();
  params.query_keys = keys.data();
  params.query_values = values.data();
  params.lock_timeout_seconds = o.lock_timeout_seconds;
  return params;
}

}  // namespace

std::string Plugin::script_preamble(const ConnectOptions& o) const {
  std::vector<const char*> keys, values;
  auto params = to_params(o, keys, values);
  std::string out(256, '\0');
  size_t n = api->script_preamble(&params, out.data(), out.size());
  if (n >= out.size()) {
    out.assign(n + 1, '\0');
    n = api->script_preamble(&params, out.data(), out.size());
  }
  out.resize(n);
  return out;
}

Connection::Connection(const Plugin& plugin, const ConnectOptions& o) : plugin_(plugin) {
  std::vector<const char*> keys, values;
  auto params = to_params(o, keys, values);
  strata_error* err = nullptr;
  strata_status st = plugin_.api->connect(&params, &conn_, &err);
  check(st, err);
}

Connection::~Connection() {
  if (conn_) plugin_.api->disconnect(conn_);
}

ExecResult Connection::execute(const std::string& sql, bool single) {
  strata_exec_options options{};
  options.struct_size = sizeof(options);
  options.flags = single ? STRATA_EXEC_SINGLE_STATEMENT : 0;
  strata_exec_info info{};
  info.struct_size = sizeof(info);
  info.rows_affected = -1;
  strata_error* err = nullptr;
  strata_status st = plugin_.api->execute(conn_, sql.data(), sql.size(), &options, &info, &err);
  check(st, err);
  return {info.statements_completed, info.rows_affected};
}

std::vector<int64_t> Connection::execute_batch(const std::vector<std::string>& statements,
                                               const std::vector<bool>& count_rows) {
  std::vector<int64_t> rows(statements.size(), -1);
  if (statements.empty()) return rows;
  if (!plugin_.batches()) {
    // A plugin before ABI 1.2: one statement at a time, same outcome.
    for (size_t i = 0; i < statements.size(); ++i) {
      try {
        rows[i] = execute(statements[i], true).rows_affected;
      } catch (const DialectError& e) {
        throw DialectError(e.status, e.what(), e.sqlstate, e.native_code, e.statement_offset,
                           static_cast<int64_t>(i));
      }
    }
    return rows;
  }
  std::vector<strata_batch_item> items(statements.size());
  for (size_t i = 0; i < statements.size(); ++i)
    items[i] = {statements[i].data(), statements[i].size(),
                i < count_rows.size() && count_rows[i] ? STRATA_BATCH_COUNT_ROWS : 0u, -1};
  strata_error* err = nullptr;
  strata_status st = plugin_.api->execute_batch(conn_, items.data(), items.size(), &err);
  check(st, err);
  for (size_t i = 0; i < items.size(); ++i) rows[i] = items[i].rows_affected;
  return rows;
}

std::vector<std::string> Connection::partial_effects(const std::string& statement) {
  const auto* api = plugin_.api;
  if (!STRATA_API_HAS(api, partial_effects)) return {};
  strata_string_list* list = nullptr;
  strata_error* err = nullptr;
  // The status first: in check(call(&err), err) the compiler may read err
  // before the call fills it in.
  const strata_status st = api->partial_effects(conn_, statement.data(), statement.size(), &list, &err);
  check(st, err);
  std::vector<std::string> out;
  if (list) {
    for (size_t i = 0; i < list->count; ++i) out.emplace_back(list->items[i] ? list->items[i] : "");
    api->string_list_free(list);
  }
  return out;
}

std::vector<std::string> Plugin::render_changes(const std::string& changes_json) const {
  if (!STRATA_API_HAS(api, render_changes))
    throw DialectError(STRATA_ERROR, "the " + name + " plugin (" + path + ") cannot render schema changes: it was built "
                                     "for dialect ABI " + std::to_string(api->abi_major) + "." +
                                     std::to_string(api->abi_minor) + "; use the plugin built with this strata");
  strata_string_list* list = nullptr;
  strata_error* err = nullptr;
  const strata_status st = api->render_changes(changes_json.c_str(), &list, &err);
  if (st != STRATA_OK) {
    std::string msg = err && err->message ? err->message : "unknown error";
    if (err) api->error_free(err);
    throw DialectError(st, msg);
  }
  std::vector<std::string> out;
  if (list) {
    for (size_t i = 0; i < list->count; ++i) out.emplace_back(list->items[i] ? list->items[i] : "");
    api->string_list_free(list);
  }
  return out;
}

std::string Connection::introspect(const std::string& options_json) {
  const auto* api = plugin_.api;
  if (!STRATA_API_HAS(api, introspect))
    throw DialectError(STRATA_ERROR, "the " + plugin_.name + " plugin (" + plugin_.path +
                                         ") cannot introspect: it was built for dialect ABI " +
                                         std::to_string(api->abi_major) + "." + std::to_string(api->abi_minor) +
                                         "; use the plugin built with this strata");
  strata_string_list* list = nullptr;
  strata_error* err = nullptr;
  const strata_status st = api->introspect(conn_, options_json.c_str(), &list, &err);
  check(st, err);
  std::string out;
  if (list) {
    if (list->count > 0 && list->items[0]) out = list->items[0];
    api->string_list_free(list);
  }
  return out;
}

std::vector<std::string> Connection::query_column(const std::string& sql) {
  strata_string_list* list = nullptr;
  strata_error* err = nullptr;
  strata_status st = plugin_.api->query_column(conn_, sql.c_str(), &list, &err);
  check(st, err);
  std::vector<std::string> out;
  if (list) {
    for (size_t i = 0; i < list->count; ++i) out.emplace_back(list->items[i] ? list->items[i] : "");
    plugin_.api->string_list_free(list);
  }
  return out;
}

bool Connection::table_exists(const std::string* schema, const std::string& table) {
  int exists = 0;
  strata_error* err = nullptr;
  strata_status st = plugin_.api->table_exists(conn_, schema ? schema->c_str() : nullptr, table.c_str(), &exists, &err);
  check(st, err);
  return exists != 0;
}

void Connection::begin() {
  strata_error* err = nullptr;
  strata_status st = plugin_.api->begin(conn_, &err);
  check(st, err);
}

void Connection::commit() {
  strata_error* err = nullptr;
  strata_status st = plugin_.api->commit(conn_, &err);
  check(st, err);
}

void Connection::rollback() {
  strata_error* err = nullptr;
  strata_status st = plugin_.api->rollback(conn_, &err);
  check(st, err);
}

void Connection::lock(const std::string& key, double timeout_seconds) {
  strata_error* err = nullptr;
  strata_status st = plugin_.api->lock(conn_, key.c_str(), timeout_seconds, &err);
  check(st, err);
}

void Connection::unlock(const std::string& key) {
  strata_error* err = nullptr;
  strata_status st = plugin_.api->unlock(conn_, key.c_str(), &err);
  check(st, err);
}

}  // namespace strata::dialect
