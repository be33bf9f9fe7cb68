// Fuzz target: the config loader (strata::config::load_config) with ${VAR}
// interpolation, .env and urls_file.
//
// The input is up to three files, separated by the lines "#--- .env" and
// "#--- urls.txt": alembic.toml, then the .env beside it, then urls.txt
// (for urls_file = "urls.txt"). They are written into a private temporary
// folder that also holds the revision folders main/ and analytics/. The
// environment is cleared and set to a few known variables, so ${VAR}
// lookups do not depend on the machine.
//
// Properties: load_config returns, or throws strata::UserError whose message
// starts with the path of a file inside that folder, and when that file is
// one of the three, "path:N: " names an existing line (or "path: ").
// Anything else is a failure. A loaded config has a database, each with a
// line in the file, an existing location, and a parsed URL or a located
// url_error that require_url throws (the same for environments' errors).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>

#include <toml++/toml.h>

#include "fuzz_support.hpp"
#include "strata/config/config.hpp"
#include "strata/util/error.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* kTarget = "config";
std::string g_dir;  // the private folder

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty()) fs::remove_all(g_dir, ec);
}

void set_up() {
  if (!g_dir.empty()) return;
  std::string base = fs::temp_directory_path().string() + "/strata-fuzz-config-XXXXXX";
  if (!mkdtemp(base.data())) strata_fuzz::fail(kTarget, "cannot create a temporary folder");
  g_dir = base;
  std::atexit(remove_dir);
  fs::create_directory(g_dir + "/main");
  fs::create_directory(g_dir + "/analytics");
  fs::create_directory(g_dir + "/migrations");
  fs::create_directory(g_dir + "/migrations/main");
  clearenv();
  setenv("DATABASE_URL", "postgresql://app:envsecret@db.example:5432/main", 1);
  setenv("PW", "envsecret", 1);
  setenv("EMPTY", "", 1);
  setenv("DIR", "main", 1);
}

// urls_file reads whatever file it names: keep the fuzzer to files of the
// private folder (no '/' after interpolation, so no /dev/zero). Returns
// false for an input that could name another file.
bool urls_files_are_local(const std::string& toml_text, const std::string& env_text) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (...) {
    return true;  // load_config stops at the syntax error
  }
  strata::config::EnvLookup dotenv;
  try {
    dotenv = strata::config::parse_dotenv(env_text, ".env");
  } catch (...) {
    return true;  // load_config stops at the .env error
  }
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    if (auto it = dotenv.find(name); it != dotenv.end()) return it->second;
    return std::nullopt;
  };
  bool local = true;
  std::function<void(const toml::node&)> walk = [&](const toml::node& n) {
    if (auto* t = n.as_table()) {
      for (auto&& [k, v] : *t) {
        if (k.str() == "urls_file" && v.is_string()) {
          try {
            std::string value = strata::config::interpolate(*v.value<std::string>(), lookup, "x", 1);
            if (value.find('/') != std::string::npos || value.find('\0') != std::string::npos) local = false;
          } catch (...) {
          }
        }
        walk(v);
      }
    } else if (auto* a = n.as_array()) {
      for (auto& item : *a) walk(item);
    }
  };
  walk(root);
  return local;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  set_up();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  set_up();
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string toml_text = input, env_text, urls_text;
  bool has_env = false, has_urls = false;
  if (auto k = toml_text.find("\n#--- urls.txt\n"); k != std::string::npos) {
    urls_text = toml_text.substr(k + 15);
    toml_text.resize(k + 1);
    has_urls = true;
  }
  if (auto k = toml_text.find("\n#--- .env\n"); k != std::string::npos) {
    env_text = toml_text.substr(k + 11);
    toml_text.resize(k + 1);
    has_env = true;
  }
  if (!urls_files_are_local(toml_text, env_text)) return 0;

  const std::string config = g_dir + "/alembic.toml", env = g_dir + "/.env", urls = g_dir + "/urls.txt";
  write_file(config, toml_text);
  std::error_code ec;
  if (has_env) write_file(env, env_text);
  else fs::remove(env, ec);
  if (has_urls) write_file(urls, urls_text);
  else fs::remove(urls, ec);

  // "" when `msg` is located in one of the folder's files, else the problem.
  auto located = [&](const std::string& msg) -> std::string {
    if (msg.compare(0, config.size() + 1, config + ":") == 0)
      return strata_fuzz::check_located(msg, config, strata_fuzz::line_count(toml_text));
    if (msg.compare(0, env.size() + 1, env + ":") == 0)
      return strata_fuzz::check_located(msg, env, strata_fuzz::line_count(env_text));
    if (msg.compare(0, urls.size() + 1, urls + ":") == 0)
      return strata_fuzz::check_located(msg, urls, strata_fuzz::line_count(urls_text));
    if (msg.compare(0, g_dir.size() + 1, g_dir + "/") != 0)
      return "message does not start with a file of the config's folder: " + strata_fuzz::show(msg);
    return "";
  };
  try {
    strata::config::Config cfg = strata::config::load_config(config);
    FUZZ_CHECK(!cfg.databases.empty() && !cfg.version_locations.empty(), kTarget,
               "loaded a config without databases or version_locations");
    for (auto& db : cfg.databases) {
      FUZZ_CHECK(db.line >= 1 && static_cast<size_t>(db.line) <= strata_fuzz::line_count(toml_text), kTarget,
                 "database " + db.name + " on line " + std::to_string(db.line));
      FUZZ_CHECK(fs::is_directory(db.location), kTarget, "database " + db.name + " location is no folder");
      // A URL that cannot be resolved is reported when the database is
      // used (require_url), located like any other error.
      if (db.url_error.empty()) {
        FUZZ_CHECK(!db.url.dialect.empty(), kTarget, "database " + db.name + " has neither a URL nor an error");
      } else {
        std::string problem = located(db.url_error);
        FUZZ_CHECK(problem.empty(), kTarget, "database " + db.name + " url_error not located: " + problem);
      }
      try {
        strata::config::require_url(db);
        FUZZ_CHECK(db.url_error.empty(), kTarget, "require_url accepted database " + db.name + " with an error");
      } catch (const strata::UserError& e) {
        FUZZ_CHECK(!db.url_error.empty() && e.what() == db.url_error, kTarget,
                   "require_url threw for database " + db.name + ": " + e.what());
      }
    }
    for (auto& environment : cfg.environments)
      for (auto& [name, error] : environment.errors) {
        std::string problem = located(error);
        FUZZ_CHECK(problem.empty(), kTarget,
                   "environment " + environment.name + " error for " + name + " not located: " + problem);
      }
  } catch (const strata::UserError& e) {
    std::string problem = located(e.what());
    FUZZ_CHECK(problem.empty(), kTarget, "UserError not located: " + problem);
  } catch (const std::exception& e) {
    strata_fuzz::fail(kTarget, std::string("exception other than UserError: ") + typeid(e).name() + ": " + e.what());
  }
  return 0;
}
