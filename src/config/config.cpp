#include "strata/config/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

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

EnvLookup parse_dotenv(const std::string& text, const std::string& file) {
  EnvLookup env;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line = util::trim(std::string_view(text).substr(pos, nl - pos));
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
 public:
  explicit Loader(std::string path) : path_(std::move(path)) {}

  Config load() {
    Config cfg;
    fs::path p = fs::absolute(path_).lexically_normal();
    cfg.path = p.string();
    cfg.dir = p.parent_path().string();
    if (!fs::exists(p))
      throw UserError(path_ + ": no such file (use -c/--config PATH, or 'strata init DIR' to "
                              "create one)");
    fs::path dotenv = p.parent_path() / ".env";
    if (fs::exists(dotenv)) dotenv_ = parse_dotenv(util::read_file(dotenv.string()), dotenv.string());

    toml::table root;
    try {
      root = toml::parse(util::read_file(cfg.path), cfg.path);
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
    fail(line_of(n), "'" + key + "' must be a table");
  }

  std::string string_of(const toml::node& n, const std::string& key) const {
    auto* s = n.as_string();
    if (!s) fail(line_of(n), "'" + key + "' must be a string");
    return interpolate(s->get(), [this](const std::string& var) { return env(var); }, path_,
                       line_of(n));
  }

  std::vector<std::string> strings_of(const toml::node& n, const std::string& key) const {
    std::vector<std::string> out;
    if (n.is_string()) return {string_of(n, key)};
    auto* a = n.as_array();
    if (!a) fail(line_of(n), "'" + key + "' must be an array of strings");
    for (auto& item : *a) out.push_back(string_of(item, key));
    return out;
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
        for (auto& loc : strings_of(node, k)) {
          std::string abs = resolve(cfg, loc);
          while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
          cfg.version_locations.push_back(abs);
        }
      } else if (k == "version_table") {
        cfg.version_table = string_of(node, k);
        if (cfg.version_table.empty()) fail(line_of(node), "'version_table' must not be empty");
      } else if (k == "version_table_schema") {
        cfg.version_table_schema = string_of(node, k);
      } else if (k == "transaction_per_migration") {
        auto b = node.value<bool>();
        if (!node.is_boolean() || !b) fail(line_of(node), "'" + k + "' must be true or false");
        cfg.transaction_per_migration = *b;
      } else if (k == "jobs") {
        if (!node.is_integer()) fail(line_of(node), "'jobs' must be an integer");
        int64_t j = *node.value<int64_t>();
        if (j < 1 || j > 1024) fail(line_of(node), "'jobs' must be between 1 and 1024");
        cfg.jobs = static_cast<int>(j);
      } else if (k == "plugin_path") {
        for (auto& dir : strings_of(node, k)) cfg.plugin_path.push_back(resolve(cfg, dir));
      } else {
        unknown(key, "[alembic]",
                "version_locations, version_table, version_table_schema, "
                "transaction_per_migration, jobs, plugin_path");
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
          db.url_text = string_of(n2, k);
          url_line = line_of(n2);
        } else if (k == "location") {
          location = resolve(cfg, string_of(n2, k));
          while (location->size() > 1 && location->back() == '/') location->pop_back();
        } else {
          unknown(k2, "[databases." + db.name + "]", "url, location");
        }
      }
      if (db.url_text.empty()) fail(db.line, "[databases." + db.name + "] has no 'url'");
      try {
        db.url = parse_url(db.url_text, cfg.dir);
      } catch (const UserError& e) {
        fail(url_line, e.what());
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
        auto& urls = environment.databases[dbname];
        auto add = [&](const std::string& text, const std::string& origin, int line, const std::string& file) {
          EnvironmentUrl u;
          u.text = text;
          u.origin = origin;
          try {
            u.url = parse_url(text, cfg.dir);
          } catch (const UserError& e) {
            throw UserError(located(file, line, e.what()));
          }
          urls.push_back(std::move(u));
        };
        if (value.is_array() || value.is_string()) {
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
              std::string text = util::read_file(file);
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
                line = interpolate(line, [this](const std::string& var) { return env(var); }, file, n);
                add(line, file + ":" + std::to_string(n), n, file);
              }
            } else {
              unknown(k2, where, "urls, urls_file");
            }
          }
        } else {
          fail(line_of(value), where + " must be a list of URLs or a table with urls or urls_file");
        }
        if (urls.empty()) fail(line_of(dbkey), where + " lists no URL");
      }
      cfg.environments.push_back(std::move(environment));
    }
    std::stable_sort(cfg.environments.begin(), cfg.environments.end(),
                     [](const Environment& a, const Environment& b) { return a.line < b.line; });
  }

  std::string path_;
  EnvLookup dotenv_;
};

}  // namespace

Config load_config(const std::string& path) { return Loader(path).load(); }

}  // namespace strata::config
