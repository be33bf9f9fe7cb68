#include "strata/config/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "strata/util/error.hpp"
#include "strata/util/strings.hpp"

namespace fs = std::filesystem;

namespace strata::config {

const DatabaseConfig* Config::find_database(const std::string& name) const {
  for (auto& db : databases)
    if (db.name == name) return &db;
  return nullptr;
}

const Environment* Config::find_environment(const std::string& name) const {
  for (auto& e : environments)
    if (e.name == name) return &e;
  return nullptr;
}

void require_url(const DatabaseConfig& db) {
  if (!db.url_error.empty()) throw UserError(db.url_error);
}

std::string_view strip_bom(std::string_view text) {
  return util::starts_with(text, kUtf8Bom) ? text.substr(kUtf8Bom.size()) : text;
}

std::string read_config_file(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) throw UserError(path + ": no such file");
  if (ec) throw UserError(path + ": cannot read: " + ec.message());
  if (st.type() == fs::file_type::directory) throw UserError(path + ": is a directory");
  // A FIFO or device would block or never end.
  if (st.type() != fs::file_type::regular) throw UserError(path + ": is not a regular file");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot read: " + std::strerror(errno ? errno : EACCES));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw UserError(path + ": cannot read: " + std::strerror(errno ? errno : EIO));
  return std::string(strip_bom(ss.str()));
}

bool is_sql_identifier(const std::string& name, size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  return name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
         std::string::npos;
}

long parse_count(const std::string& text, const std::string& what, long lo, long hi) {
  const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw UserError(what + " takes " + range + ", not '" + text + "'");
  long v = 0;
  for (char c : text) {
    v = v * 10 + (c - '0');
    if (v > hi) throw UserError(what + " takes " + range + "; " + text + " is too large");
  }
  if (v < lo) throw UserError(what + " takes " + range + ", not " + text);
  return v;
}

double parse_seconds(const std::string& text, const std::string& what, double max) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", max);
  const std::string range = "a number of seconds from 0 to " + std::string(buf);
  // Plain decimals only: no sign, exponent, hex, "nan" or "inf".
  const bool plain = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos &&
                     std::count(text.begin(), text.end(), '.') <= 1 && text != ".";
  if (!plain) {
    if (!text.empty() && text[0] == '-' && text.find_first_not_of("0123456789.", 1) == std::string::npos)
      throw UserError(what + " takes " + range + "; a negative time is not allowed ('" + text + "')");
    throw UserError(what + " takes " + range + ", not '" + text + "'");
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v > max)
    throw UserError(what + " takes " + range + "; " + text + " is too large");
  return v;
}

EnvLookup parse_dotenv(const std::string& text_in, const std::string& file) {
  EnvLookup env;
  // Editors on Windows start files with a byte order mark.
  const std::string_view text = strip_bom(text_in);
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line = util::trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (util::starts_with(line, "export ")) line = util::trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw UserError(located(file, line_no, "expected KEY=VALUE"));
    std::string key(util::trim(line.substr(0, eq)));
    std::string_view value = util::trim(line.substr(eq + 1));
    if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
      // A quoted value ends at its closing quote; a comment may follow.
      auto close = value.find(value[0], 1);
      if (close == std::string_view::npos)
        throw UserError(located(file, line_no, "unterminated quote in value of " + key));
      auto rest = util::trim(value.substr(close + 1));
      if (!rest.empty() && rest[0] != '#')
        throw UserError(located(file, line_no, "unexpected text after the quoted value of " + key));
      value = value.substr(1, close - 1);
    } else if (auto hash = value.find(" #"); hash != std::string_view::npos) {
      value = util::trim(value.substr(0, hash));
    }
    env[key] = std::string(value);
  }
  return env;
}

std::string interpolate(const std::string& value,
                        const std::function<std::optional<std::string>(const std::string&)>& lookup,
                        const std::string& file, int line) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (value.compare(i, 2, "${") != 0) {
      out += value[i];
      continue;
    }
    size_t close = value.find('}', i + 2);
    if (close == std::string::npos)
      throw UserError(located(file, line, "unterminated ${ in value"));
    std::string expr = value.substr(i + 2, close - i - 2);
    std::string name = expr;
    std::optional<std::string> fallback;
    if (auto dflt = expr.find(":-"); dflt != std::string::npos) {
      name = expr.substr(0, dflt);
      fallback = expr.substr(dflt + 2);
    }
    if (name.empty() || name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
      throw UserError(located(file, line, "invalid variable name in ${" + expr + "}"));
    auto v = lookup(name);
    // As in the shell, ${VAR:-default} also replaces an empty value.
    if (v && (!v->empty() || !fallback)) out += *v;
    else if (fallback) out += *fallback;
    else
      throw UserError(located(file, line, "environment variable " + name +
                                              " is not set (write ${" + name +
                                              ":-default} to give a default)"));
    i = close;
  }
  return out;
}

namespace {

class Loader {
  /// A problem that depends on the environment the command runs in (an
  /// unset ${VAR}, a URL built from it): kept, and reported only by a
  /// command that uses what it concerns.
  struct Deferred : UserError {
    using UserError::UserError;
  };

 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  Config load() {
    Config cfg;
    fs::path p = fs::absolute(path_).lexically_normal();
    cfg.path = p.string();
    cfg.dir = p.parent_path().string();
    // Read first: a directory or an unreadable file is named as such, not
    // reported as a configuration without keys.
    std::string text;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path_, ec)))
      throw UserError(path_ + ": no such file (use -c/--config PATH, or 'strata init DIR' to create one)");
    if (fs::is_directory(path_, ec))
      throw UserError(path_ + ": is a directory; give the path of an alembic.toml (-c/--config " +
                      (fs::path(path_) / "alembic.toml").string() + ")");
    try {
      text = read_config_file(path_);
    } catch (const UserError& e) {
      throw UserError(std::string(e.what()) + " (the configuration file: -c/--config PATH)");
    }
    // The .env beside the config: a leftover folder or a file that cannot
    // be read is an error, not silently no variables.
    fs::path dotenv = p.parent_path() / ".env";
    if (fs::exists(fs::symlink_status(dotenv, ec))) {
      std::string env_text;
      try {
        env_text = read_config_file(dotenv.string());
      } catch (const UserError& e) {
        throw UserError(std::string(e.what()) + " (the .env file beside " + path_ + " is read for ${VAR})");
      }
      dotenv_ = parse_dotenv(env_text, dotenv.string());
    }

    toml::table root;
    try {
      root = toml::parse(text, cfg.path);
    } catch (const toml::parse_error& e) {
      throw UserError(located(path_, static_cast<int>(e.source().begin.line),
                              std::string(e.description())));
    }

    const toml::table* environments = nullptr;
    for (auto&& [key, node] : root) {
      std::string k(key.str());
      if (k == "alembic") load_alembic(table_of(node, k), cfg);
      else if (k == "databases") load_databases(table_of(node, k), cfg);
      else if (k == "environments") environments = &table_of(node, k);
      else unknown(key, "top-level table", "[alembic], [databases.NAME], [environments.NAME]");
    }
    // After the databases: environments name them.
    if (environments) load_environments(*environments, cfg);
    // toml++ iterates tables in key order; users expect file order.
    std::stable_sort(cfg.databases.begin(), cfg.databases.end(),
                     [](const DatabaseConfig& a, const DatabaseConfig& b) { return a.line < b.line; });
    if (cfg.version_locations.empty())
      throw UserError(located(path_, 0, "[alembic] version_locations is missing or empty"));
    if (cfg.databases.empty())
      throw UserError(located(path_, 0, "no [databases.NAME] table: configure at least one database"));
    for (auto& db : cfg.databases) {
      if (!own_version_table_.count(db.name)) db.version_table = cfg.version_table;
      if (!own_version_table_schema_.count(db.name)) db.version_table_schema = cfg.version_table_schema;
    }
    check_shared_version_tables(cfg);
    return cfg;
  }

 private:
  static int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }
  static int line_of(const toml::key& k) { return static_cast<int>(k.source().begin.line); }

  [[noreturn]] void fail(int line, const std::string& msg) const {
    throw UserError(located(path_, line, msg));
  }

  [[noreturn]] void unknown(const toml::key& key, const std::string& where,
                            const std::string& known) const {
    fail(line_of(key), "unknown key '" + std::string(key.str()) + "' in " + where +
                           " (known: " + known + ")");
  }

  const toml::table& table_of(const toml::node& n, const std::string& key) const {
    if (auto* t = n.as_table()) return *t;
    fail(line_of(n), "'" + key + "' must be a table, not " + type_name(n));
  }

  std::string string_of(const toml::node& n, const std::string& key) const {
    auto* s = n.as_string();
    if (!s) fail(line_of(n), "'" + key + "' must be a string, not " + type_name(n));
    return expand(s->get(), path_, line_of(n));
  }

  /// ${VAR} interpolation; its failures depend on the environment the
  /// command runs in, so URLs keep them for the commands that need them.
  std::string expand(const std::string& text, const std::string& file, int line) const {
    try {
      return interpolate(text, [this](const std::string& var) { return env(var); }, file, line);
    } catch (const UserError& e) {
      throw Deferred(e.what());
    }
  }

  /// " (${A} is set but empty)" for the variables of `raw` that are set to
  /// "", so an empty URL is not reported as a missing one.
  std::string empty_variables(const std::string& raw) const {
    std::vector<std::string> empty;
    for (size_t i = raw.find("${"); i != std::string::npos; i = raw.find("${", i + 2)) {
      size_t close = raw.find('}', i);
      if (close == std::string::npos) break;
      std::string name = raw.substr(i + 2, close - i - 2);
      if (auto d = name.find(":-"); d != std::string::npos) name = name.substr(0, d);
      if (auto v = env(name); v && v->empty()) empty.push_back("${" + name + "}");
    }
    return empty.empty() ? std::string() : " (" + util::join(empty, ", ") + (empty.size() == 1 ? " is" : " are") +
                                               " set but empty)";
  }

  /// An array of non-empty strings. A lone string is refused: in TOML a
  /// list is written ["a", "b"], and a typo there should not half-work.
  std::vector<std::string> strings_of(const toml::node& n, const std::string& key) const {
    std::vector<std::string> out;
    auto* a = n.as_array();
    if (!a) {
      if (n.is_string())
        fail(line_of(n), "'" + key + "' must be an array of strings, e.g. " + key + " = [\"" +
                             n.as_string()->get() + "\"], not a single string");
      fail(line_of(n), "'" + key + "' must be an array of strings, not " + type_name(n));
    }
    for (auto& item : *a) {
      if (!item.is_string())
        fail(line_of(item), "each entry of '" + key + "' must be a string, not " + type_name(item));
      out.push_back(string_of(item, key));
      if (out.back().empty()) fail(line_of(item), "an entry of '" + key + "' is empty");
    }
    return out;
  }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "an array";
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a number";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::date: return "a date";
      case toml::node_type::time: return "a time";
      case toml::node_type::date_time: return "a date-time";
      default: return "nothing";
    }
  }

  /// version_table, version_table_schema: plain SQL identifiers.
  std::string identifier_of(const toml::node& n, const std::string& key, size_t max_length,
                            const std::string& why) const {
    std::string name = string_of(n, key);
    if (!is_sql_identifier(name, max_length))
      fail(line_of(n), "'" + key + "' must be a plain SQL identifier: letters, digits and '_', not starting "
                       "with a digit, at most " + std::to_string(max_length) + " characters" + why +
                       "; got '" + name + "'");
    return name;
  }

  std::optional<std::string> env(const std::string& name) const {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    if (auto it = dotenv_.find(name); it != dotenv_.end()) return it->second;
    return std::nullopt;
  }

  std::string resolve(const Config& cfg, const std::string& p) const {
    fs::path path(p);
    if (path.is_relative()) path = fs::path(cfg.dir) / path;
    return path.lexically_normal().string();
  }

  void load_alembic(const toml::table& t, Config& cfg) {
    for (auto&& [key, node] : t) {
      std::string k(key.str());
      if (k == "version_locations") {
        if (node.is_array() && node.as_array()->empty()) fail(line_of(node), "'version_locations' is empty");
        for (auto& loc : strings_of(node, k)) {
          std::string abs = resolve(cfg, loc);
          while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
          cfg.version_locations.push_back(abs);
        }
      } else if (k == "version_table") {
        cfg.version_table = identifier_of(node, k, kMaxVersionTableLength,
                                          " (so that '<version_table>_progress_pkc', a name Strata derives "
                                          "from it, fits PostgreSQL's 63)");
      } else if (k == "version_table_schema") {
        cfg.version_table_schema = identifier_of(node, k, kMaxIdentifierLength, " (PostgreSQL's limit)");
      } else if (k == "transaction_per_migration") {
        auto b = node.value<bool>();
        if (!node.is_boolean() || !b) fail(line_of(node), "'" + k + "' must be true or false, not " + type_name(node));
        cfg.transaction_per_migration = *b;
      } else if (k == "applied_log") {
        auto b = node.value<bool>();
        if (!node.is_boolean() || !b) fail(line_of(node), "'" + k + "' must be true or false, not " + type_name(node));
        cfg.applied_log = *b;
      } else if (k == "jobs") {
        if (!node.is_integer()) fail(line_of(node), "'jobs' must be an integer, not " + type_name(node));
        int64_t j = *node.value<int64_t>();
        if (j < 1 || j > kMaxJobs)
          fail(line_of(node), "'jobs' must be between 1 and " + std::to_string(kMaxJobs) + ", not " +
                                  std::to_string(j));
        cfg.jobs = static_cast<int>(j);
      } else if (k == "plugin_path") {
        for (auto& dir : strings_of(node, k)) cfg.plugin_path.push_back(resolve(cfg, dir));
      } else {
        unknown(key, "[alembic]",
                "version_locations, version_table, version_table_schema, "
                "transaction_per_migration, applied_log, jobs, plugin_path");
      }
    }
  }

  // Two databases on one server database need a version table each, or
  // their chains would overwrite each other's rows.
  void check_shared_version_tables(const Config& cfg) const {
    auto place = [](const DatabaseConfig& db) {
      const Url& u = db.url;
      return u.dialect + "\n" + u.host + "\n" + std::to_string(u.port) + "\n" + u.database + "\n" +
             db.version_table_schema.value_or("") + "\n" + db.version_table;
    };
    for (size_t i = 0; i < cfg.databases.size(); ++i) {
      const auto& a = cfg.databases[i];
      if (!a.url_error.empty() || a.url.database == ":memory:") continue;
      for (size_t j = i + 1; j < cfg.databases.size(); ++j) {
        const auto& b = cfg.databases[j];
        if (!b.url_error.empty() || place(a) != place(b)) continue;
        fail(b.line, "databases '" + a.name + "' (line " + std::to_string(a.line) + ") and '" + b.name +
                         "' use the same database (" + b.url.masked() + ") and the same version table '" +
                         b.version_table + "': their chains would overwrite each other's rows; give one of "
                         "them its own, e.g. [databases." + b.name + "] version_table = \"" + b.name +
                         "_version\"");
      }
    }
  }

  void load_databases(const toml::table& t, Config& cfg) {
    for (auto&& [key, node] : t) {
      DatabaseConfig db;
      db.name = std::string(key.str());
      db.line = line_of(key);
      if (db.name.empty() ||
          db.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
        fail(db.line, "database name '" + db.name + "' may only contain letters, digits, '_' and '-'");
      auto& dt = table_of(node, "databases." + db.name);
      int url_line = db.line;
      std::optional<std::string> location;
      for (auto&& [k2, n2] : dt) {
        std::string k(k2.str());
        if (k == "url") {
          url_line = line_of(n2);
          if (!n2.is_string()) string_of(n2, k);  // a type error is reported at once
          // ${VAR} is expanded now, but a failure is kept for the commands
          // that select this database.
          try {
            db.url_text = string_of(n2, k);
            if (db.url_text.empty())
              db.url_error = located(path_, url_line, "[databases." + db.name + "] url is empty" +
                                                          empty_variables(n2.as_string()->get()));
          } catch (const Deferred& e) {
            db.url_error = e.what();
          }
        } else if (k == "version_table") {
          db.version_table = identifier_of(n2, k, kMaxVersionTableLength, "");
          own_version_table_.insert(db.name);
        } else if (k == "version_table_schema") {
          db.version_table_schema = identifier_of(n2, k, kMaxIdentifierLength, " (PostgreSQL's limit)");
          own_version_table_schema_.insert(db.name);
        } else if (k == "dev_url") {
          // Like url: a failure matters only to a command that needs a
          // scratch database for this database.
          if (!n2.is_string()) string_of(n2, k);
          try {
            db.dev_url_text = string_of(n2, k);
            db.dev_url = parse_url(db.dev_url_text, cfg.dir);
          } catch (const Deferred& e) {
            db.dev_url_error = e.what();
          } catch (const UserError& e) {
            db.dev_url_error = located(path_, line_of(n2), std::string("dev_url: ") + e.what());
          }
        } else if (k == "schema") {
          db.schema_file = resolve(cfg, string_of(n2, k));
          db.schema_line = line_of(n2);
        } else if (k == "models") {
          db.models = string_of(n2, k);
          db.models_line = line_of(n2);
          if (db.models.find(':') == std::string::npos || db.models.front() == ':' || db.models.back() == ':')
            fail(line_of(n2), "models = \"" + db.models + "\": expected MODULE:ATTRIBUTE, e.g. \"myapp.models:Base.metadata\"");
        } else if (k == "python") {
          db.python = string_of(n2, k);
        } else if (k == "ignore_tables") {
          db.ignore_tables = strings_of(n2, k);
        } else if (k == "location") {
          location = resolve(cfg, string_of(n2, k));
          while (location->size() > 1 && location->back() == '/') location->pop_back();
        } else {
          unknown(k2, "[databases." + db.name + "]", "url, location, version_table, version_table_schema, dev_url, schema, models, python, "
                  "ignore_tables");
        }
      }
      if (!dt.contains("url")) fail(db.line, "[databases." + db.name + "] has no 'url'");
      if (db.url_error.empty()) {
        try {
          db.url = parse_url(db.url_text, cfg.dir);
        } catch (const UserError& e) {
          db.url_error = located(path_, url_line, e.what());
        }
      }
      if (location) {
        db.location = *location;
      } else {
        for (auto& loc : cfg.version_locations)
          if (fs::path(loc).filename() == db.name) db.location = loc;
        if (db.location.empty())
          fail(db.line, "database '" + db.name + "' has no location: no entry of "
                        "version_locations is a folder named '" + db.name +
                        "'; set location = \"path/to/its/revisions\"");
      }
      if (!fs::is_directory(db.location))
        fail(db.line, "location of database '" + db.name + "' (" + db.location +
                          ") is not a folder");
      if (!db.schema_file.empty() && !db.models.empty())
        fail(db.models_line, "[databases." + db.name + "] has both schema and models: the desired schema comes from one");
      cfg.databases.push_back(std::move(db));
    }
  }

  void load_environments(const toml::table& t, Config& cfg) {
    for (auto&& [key, node] : t) {
      Environment environment;
      environment.name = std::string(key.str());
      environment.line = line_of(key);
      for (auto&& [dbkey, value] : table_of(node, "environments." + environment.name)) {
        std::string dbname(dbkey.str());
        const std::string where = "[environments." + environment.name + "] " + dbname;
        if (!cfg.find_database(dbname)) {
          std::vector<std::string> names;
          for (auto& d : cfg.databases) names.push_back(d.name);
          fail(line_of(dbkey), where + ": no database '" + dbname + "' is configured (configured: " +
                                   util::join(names, ", ") + ")");
        }
        std::vector<EnvironmentUrl> urls;
        auto add = [&](const std::string& text, const std::string& origin, int line, const std::string& file) {
          EnvironmentUrl u;
          u.text = text;
          u.origin = origin;
          try {
            u.url = parse_url(text, cfg.dir);
          } catch (const UserError& e) {
            throw Deferred(located(file, line, e.what()));
          }
          urls.push_back(std::move(u));
        };
        // Type and key errors are reported at once; what depends on the
        // environment's variables (unset ${VAR}, a bad URL) only when a
        // command selects this environment and database.
        try {
        if (value.is_array()) {
          for (auto& text : strings_of(value, dbname))
            add(text, path_ + ":" + std::to_string(line_of(value)), line_of(value), path_);
        } else if (auto* tbl = value.as_table()) {
          for (auto&& [k2, v2] : *tbl) {
            std::string k(k2.str());
            if (k == "urls") {
              for (auto& text : strings_of(v2, k)) add(text, path_ + ":" + std::to_string(line_of(v2)), line_of(v2), path_);
            } else if (k == "urls_file") {
              // One URL per line; '#' starts a comment; ${VAR} works here too.
              std::string file = resolve(cfg, string_of(v2, k));
              std::string text;
              try {
                text = read_config_file(file);  // a leading byte order mark is dropped
              } catch (const UserError& e) {
                // The file may exist only where the environment is used.
                throw Deferred(located(path_, line_of(v2), where + ": urls_file " + e.what()));
              }
              int n = 0;
              size_t pos = 0;
              while (pos <= text.size()) {
                size_t nl = text.find('\n', pos);
                if (nl == std::string::npos) nl = text.size();
                std::string line(util::trim(std::string_view(text).substr(pos, nl - pos)));
                pos = nl + 1;
                ++n;
                if (auto hash = line.find('#'); hash != std::string::npos) line = std::string(util::trim(line.substr(0, hash)));
                if (line.empty()) continue;
                line = expand(line, file, n);
                add(line, file + ":" + std::to_string(n), n, file);
              }
            } else {
              unknown(k2, where, "urls, urls_file");
            }
          }
        } else {
          fail(line_of(value), where + " must be a list of URLs or a table with urls or urls_file, not " +
                                   type_name(value) +
                                   (value.is_string() ? " (write " + dbname + " = [\"...\"] for one URL)" : ""));
        }
        if (urls.empty()) fail(line_of(dbkey), where + " lists no URL");
        } catch (const Deferred& e) {
          environment.errors[dbname] = e.what();
          continue;
        }
        environment.databases[dbname] = std::move(urls);
      }
      cfg.environments.push_back(std::move(environment));
    }
    std::stable_sort(cfg.environments.begin(), cfg.environments.end(),
                     [](const Environment& a, const Environment& b) { return a.line < b.line; });
  }

  std::string path_;
  EnvLookup dotenv_;
  std::set<std::string> own_version_table_, own_version_table_schema_;  // databases that set their own
};

}  // namespace

Config load_config(const std::string& path) { return Loader(path).load(); }

}  // namespace strata::config
