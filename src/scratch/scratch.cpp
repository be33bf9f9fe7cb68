#include "strata/scratch/scratch.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "strata/runner/runner.hpp"
#include "strata/util/error.hpp"

namespace strata::scratch {
namespace fs = std::filesystem;

std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

namespace {

// "strata_scratch_<unix seconds>_<8 hex>": the time it was made, so that a
// later run can tell one left behind (the run that made it was killed)
// from one in use.
std::string random_name() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
  static const char* hex = "0123456789abcdef";
  std::string name = "strata_scratch_" + std::to_string(static_cast<long long>(std::time(nullptr))) + "_";
  uint64_t v = gen();
  for (int i = 0; i < 8; ++i) name.push_back(hex[(v >> (4 * i)) & 15]);
  return name;
}

// Scratch databases made more than a day ago were left by a run that was
// killed (a run drops its own on every other exit, and none lasts a day):
// dropped, quietly, by the next run on the same server. Names without a
// time (older versions) are left alone.
void drop_stale(dialect::Connection& conn, const std::string& dialect) {
  constexpr long long kStaleSeconds = 24 * 3600;
  const long long now = static_cast<long long>(std::time(nullptr));
  std::vector<std::string> names;
  try {
    names = conn.query_column(dialect == "postgresql"
                                  ? "SELECT datname FROM pg_database WHERE datname LIKE 'strata\\_scratch\\_%'"
                                  : "SELECT schema_name FROM information_schema.schemata "
                                    "WHERE schema_name LIKE 'strata\\_scratch\\_%'");
  } catch (const std::exception&) {
    return;
  }
  for (auto& name : names) {
    const std::string rest = name.substr(std::string("strata_scratch_").size());
    const size_t sep = rest.find('_');
    if (sep == std::string::npos || sep == 0 || sep > 12) continue;
    if (!std::all_of(rest.begin(), rest.begin() + static_cast<long>(sep), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (now - std::stoll(rest.substr(0, sep)) < kStaleSeconds) continue;
    try {
      conn.execute("DROP DATABASE IF EXISTS " + name + (dialect == "postgresql" ? " WITH (FORCE)" : ""), true);
    } catch (const std::exception&) {
    }
  }
}

// Drops scratch database `name` on `server`, ending any session still in it
// first: a statement still running there (a slow schema file, a replay cut
// short) would otherwise keep DROP DATABASE waiting until it finishes.
void drop_server_database(const dialect::Plugin& plugin, const config::Url& server, const std::string& dialect,
                          const std::string& name) {
  dialect::Connection conn(plugin, runner::connect_options(server));
  if (dialect == "postgresql") {
    try {
      conn.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", true);
      return;
    } catch (const dialect::DialectError&) {  // before PostgreSQL 13: no FORCE
    }
    try {
      conn.query_column("SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = '" + name + "'");
    } catch (const std::exception&) {
    }
    conn.execute("DROP DATABASE IF EXISTS " + name, true);
    return;
  }
  std::vector<std::string> sessions;
  try {
    sessions = conn.query_column("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + name +
                                 "' AND ID <> CONNECTION_ID()");
  } catch (const std::exception&) {
  }
  for (auto& id : sessions) {
    if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    try {
      conn.execute("KILL " + id, true);
    } catch (const std::exception&) {  // it ended meanwhile
    }
  }
  conn.execute("DROP DATABASE IF EXISTS " + name, true);
}

// The scratch databases and folders of this process not yet dropped, for
// drop_live() (an interrupted command), which also closes the registry: a
// database or folder made after it would outlive the process.
struct Live {
  std::shared_ptr<const dialect::Plugin> plugin;  ///< servers only; held: the registry may go first
  config::Url server;
  std::string dialect, name, temp_dir;
};
std::mutex g_live_mutex;
std::map<const ScratchDatabase*, Live> g_live;
bool g_closed = false;

void throw_if_closed() {
  if (g_closed) throw DatabaseError("interrupted: no new scratch database is made");
}

void forget(const ScratchDatabase* scratch) {
  std::lock_guard<std::mutex> lock(g_live_mutex);
  g_live.erase(scratch);
}

std::string dialect_label(const std::string& d) {
  return d == "postgresql" ? "PostgreSQL" : d == "mysql" ? "MySQL/MariaDB" : d;
}

}  // namespace

ScratchDatabase::ScratchDatabase(dialect::PluginRegistry& plugins, const std::string& dialect,
                                 const config::Url* dev_url)
    : plugins_(plugins), dialect_(dialect) {
  if (dialect_ == "sqlite") {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/strata-scratch-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    std::lock_guard<std::mutex> lock(g_live_mutex);
    throw_if_closed();
    if (!mkdtemp(buf.data()))
      throw DatabaseError("cannot create a scratch folder " + pattern + ": " + std::strerror(errno));
    temp_dir_ = buf.data();
    g_live[this] = Live{nullptr, {}, dialect_, {}, temp_dir_};
    url_.dialect = url_.scheme = "sqlite";
    url_.database = temp_dir_ + "/scratch.db";
    return;
  }
  if (dialect_ != "postgresql" && dialect_ != "mysql")
    throw UserError("no scratch database for dialect '" + dialect_ + "' (sqlite, postgresql, mysql)");
  if (!dev_url)
    throw UserError("a scratch " + dialect_label(dialect_) + " database is needed: give a dev_url, a " +
                    dialect_label(dialect_) + " server where Strata may create and drop throwaway databases " +
                    "(dev_url = \"" + (dialect_ == "postgresql" ? "postgresql://user@localhost/postgres" :
                                                                  "mysql://user@localhost/mysql") +
                    "\" in the database's section of alembic.toml, or --dev-url URL)");
  if (dev_url->dialect != dialect_)
    throw UserError("dev_url " + dev_url->masked() + " is a " + dialect_label(dev_url->dialect) +
                    " server; a scratch " + dialect_label(dialect_) + " database needs a " +
                    dialect_label(dialect_) + " dev_url");
  server_ = *dev_url;
  url_ = *dev_url;
  url_.database = random_name();
  const auto& plugin = plugins_.get(dialect_);
  std::optional<dialect::Connection> server;
  try {
    server.emplace(plugin, runner::connect_options(server_));
  } catch (const dialect::DialectError& e) {
    // The plugin's message names the URL already ("cannot connect to URL: ...").
    throw DatabaseError("no scratch database: " + config::mask_passwords(e.what()));
  }
  dialect::Connection& conn = *server;
  try {
    {
      // Made and registered as one step: an interruption drops either
      // nothing or a database it knows of.
      std::lock_guard<std::mutex> lock(g_live_mutex);
      throw_if_closed();
      // MySQL's server default may still be latin1; what Alembic writes on
      // the scratch database must fit as it fits on a utf8mb4 database.
      conn.execute("CREATE DATABASE " + url_.database + (dialect_ == "mysql" ? " CHARACTER SET utf8mb4" : ""), true);
      g_live[this] = Live{plugins_.share(dialect_), server_, dialect_, url_.database, {}};
    }
    drop_stale(conn, dialect_);
  } catch (const dialect::DialectError& e) {
    throw DatabaseError("cannot create a scratch database on " + server_.masked() + ": " +
                        config::mask_passwords(e.what()));
  }
}

ScratchDatabase::~ScratchDatabase() {
  // Dropped, then forgotten: an interruption in between drops it again
  // (IF EXISTS), rather than missing it.
  if (!temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
    forget(this);
    return;
  }
  try {
    drop_server_database(plugins_.get(dialect_), server_, dialect_, url_.database);
  } catch (const std::exception&) {
    // A scratch database left behind is named strata_scratch_*; nothing of
    // the user's is in it, and a run a day later drops it (drop_stale).
  }
  forget(this);
}

void drop_live() {
  std::vector<Live> live;
  {
    std::lock_guard<std::mutex> lock(g_live_mutex);
    g_closed = true;
    for (auto& [scratch, l] : g_live) live.push_back(l);
  }
  // Side by side: a server that does not answer delays only its own.
  std::vector<std::thread> drops;
  for (auto& l : live) {
    drops.emplace_back([l] {
      if (!l.temp_dir.empty()) {
        std::error_code ec;
        fs::remove_all(l.temp_dir, ec);
        return;
      }
      try {
        drop_server_database(*l.plugin, l.server, l.dialect, l.name);
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& t : drops) t.join();
}

std::string ScratchDatabase::sqlalchemy_url() const {
  if (dialect_ == "sqlite") return "sqlite:///" + url_.database;
  std::string out = dialect_ == "postgresql" ? "postgresql+psycopg2://" : "mysql+pymysql://";
  if (!url_.user.empty() || url_.has_password) {
    out += percent_encode(url_.user);
    if (url_.has_password) out += ":" + percent_encode(url_.password);
    out += "@";
  }
  out += url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
  if (url_.port) out += ":" + std::to_string(url_.port);
  out += "/" + url_.database;
  for (size_t i = 0; i < url_.query.size(); ++i)
    out += (i ? "&" : "?") + percent_encode(url_.query[i].first) + "=" + percent_encode(url_.query[i].second);
  return out;
}

}  // namespace strata::scratch
