// Issue 10: no password in any output, no crash on long messages. A canary
// password is placed in the environment (${VAR}), in .env, in alembic.toml
// and in an environment's urls_file, plain and percent-encoded, in every URL
// shape (working, bad credentials, unreachable host, malformed separators, a
// raw '/', '?', '#', '@' read as the port, ?password= and ?sslpassword=);
// every command runs in every output mode (plain, -v, --json, --sql) against
// the real servers, and neither the canary, nor its percent-encoded form,
// nor any piece of it between its special characters may appear in stdout
// or stderr.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "db_support.hpp"
#include "strata/config/url.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::run_strata;
using strata::test::RunResult;
using strata::test::TempDir;

namespace {

// Raw '/', '?', '@', '#', ':' and '&' between distinctive pieces.
const std::string kCanary = "Cnry7Q/Xzk4?Wvm8@Jpt3#Lkd5:Brq6&Hsw2";
const std::vector<std::string> kPieces = {"Cnry7Q", "Xzk4", "Wvm8", "Jpt3", "Lkd5", "Brq6", "Hsw2"};

std::string encode(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}
const std::string kEncoded = encode(kCanary);

// The first secret piece found in `text`, or "".
std::string leaked(const std::string& text) {
  for (const auto& p : kPieces)
    if (text.find(p) != std::string::npos) return p;
  if (text.find(kEncoded) != std::string::npos) return kEncoded;
  return {};
}

std::string unique_name(const char* what) {
  return std::string("strata_canary_") + what + "_" + std::to_string(::getpid());
}

struct Server {
  std::string host;
  unsigned port = 0;
};

Server server_of(const std::string& admin) {
  auto u = strata::config::parse_url(admin, "/");
  return {u.host, u.port};
}

// The database and role the working URLs use: the canary is their password.
class CanaryServers {
 public:
  CanaryServers() {
    const auto pg_admin = strata::test::admin_url("postgresql");
    const auto my_admin = strata::test::admin_url("mysql");
    pg = server_of(pg_admin);
    my = server_of(my_admin);
    auto p = strata::test::connect(pg_admin);
    p->execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    p->execute("DROP ROLE IF EXISTS " + db);
    p->execute("CREATE ROLE " + db + " LOGIN PASSWORD '" + kCanary + "'");
    p->execute("CREATE DATABASE " + db + " OWNER " + db);
    auto m = strata::test::connect(my_admin);
    m->execute("DROP DATABASE IF EXISTS " + db);
    m->execute("DROP USER IF EXISTS '" + db + "'@'%'");
    m->execute("CREATE DATABASE " + db);
    m->execute("CREATE USER '" + db + "'@'%' IDENTIFIED BY '" + kCanary + "'");
    m->execute("GRANT ALL ON " + db + ".* TO '" + db + "'@'%'");
  }
  ~CanaryServers() {
    try {
      auto p = strata::test::connect(strata::test::admin_url("postgresql"));
      p->execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
      p->execute("DROP ROLE IF EXISTS " + db);
      auto m = strata::test::connect(strata::test::admin_url("mysql"));
      m->execute("DROP DATABASE IF EXISTS " + db);
      m->execute("DROP USER IF EXISTS '" + db + "'@'%'");
    } catch (...) {
    }
  }
  const std::string db = unique_name("db");
  Server pg, my;
};

// Where the canary is written. "{pw}" in a URL template becomes:
enum class Place { Env, DotEnv, Toml, TomlEncoded, UrlsFileEnv, UrlsFileEncoded };
const char* name_of(Place p) {
  switch (p) {
    case Place::Env: return "environment";
    case Place::DotEnv: return ".env";
    case Place::Toml: return "alembic.toml";
    case Place::TomlEncoded: return "alembic.toml, percent-encoded";
    case Place::UrlsFileEnv: return "urls_file with ${VAR}";
    case Place::UrlsFileEncoded: return "urls_file, percent-encoded";
  }
  return "";
}

struct Shape {
  const char* name;
  std::string url;  // with {pw}
  int online_exit;  // expected exit of an online command: 0, 1 or 2
};

struct Workdir {
  TempDir dir;
  std::vector<std::string> env;
  std::vector<std::string> global;  // --env staging for urls_file placements
};

std::string fill(std::string url, const std::string& pw) {
  auto at = url.find("{pw}");
  return url.replace(at, 4, pw);
}

void write_chain(TempDir& dir) {
  dir.write("migrations/main/m1.sql",
            strata::test::revision_text("m1", "", "CREATE TABLE canary_t1 (x INTEGER);", "DROP TABLE canary_t1;"));
  dir.write("migrations/main/m2.sql",
            strata::test::revision_text("m2", "m1", "CREATE TABLE canary_t2 (x INTEGER);", "DROP TABLE canary_t2;"));
}

void setup(Workdir& s, Place place, const std::string& url_template) {
  write_chain(s.dir);
  std::string toml = "[alembic]\nversion_locations = [\"migrations/main\"]\n\n[databases.main]\nurl = \"";
  const std::string via_var = fill(url_template, "${CANARY_PW}");
  switch (place) {
    case Place::Env:
      toml += via_var;
      s.env.push_back("CANARY_PW=" + kCanary);
      break;
    case Place::DotEnv:
      toml += via_var;
      s.dir.write(".env", "CANARY_PW=" + kCanary + "\n");
      break;
    case Place::Toml: toml += fill(url_template, kCanary); break;
    case Place::TomlEncoded: toml += fill(url_template, kEncoded); break;
    case Place::UrlsFileEnv:
    case Place::UrlsFileEncoded:
      toml += "sqlite:///main.db";
      s.global = {"--env", "staging"};
      if (place == Place::UrlsFileEnv) s.env.push_back("CANARY_PW=" + kCanary);
      s.dir.write("urls.txt", "# the canary's targets\n" +
                                  (place == Place::UrlsFileEnv ? via_var : fill(url_template, kEncoded)) + "\n");
      break;
  }
  toml += "\"\n";
  if (place == Place::UrlsFileEnv || place == Place::UrlsFileEncoded)
    toml += "\n[environments.staging]\nmain = { urls_file = \"urls.txt\" }\n";
  s.dir.write("alembic.toml", toml);
}

struct Tally {
  int runs = 0, clean = 0;
};

// Runs strata and checks: no canary, no crash, the expected exit code.
void check(Tally& t, const Workdir& s, std::vector<std::string> args, int expected_exit, const std::string& what) {
  std::vector<std::string> full = s.global;
  full.insert(full.end(), args.begin(), args.end());
  RunResult r = run_strata(full, s.dir.path(), s.env);
  std::string cmd;
  for (auto& a : full) cmd += " " + a;
  ++t.runs;
  const std::string in_out = leaked(r.out), in_err = leaked(r.err);
  EXPECT_EQ(in_out, "") << what << ": strata" << cmd << "\nstdout: " << r.out;
  EXPECT_EQ(in_err, "") << what << ": strata" << cmd << "\nstderr: " << r.err;
  if (expected_exit >= 0) {
    EXPECT_EQ(r.exit_code, expected_exit) << what << ": strata" << cmd << "\nstdout: " << r.out << "\nstderr: " << r.err;
  } else {
    EXPECT_TRUE(r.exit_code >= 0 && r.exit_code <= 2) << what << ": strata" << cmd << " exited " << r.exit_code;
  }
  if (in_out.empty() && in_err.empty() && (expected_exit < 0 || r.exit_code == expected_exit)) ++t.clean;
}

}  // namespace

TEST(Secrets, CanaryNeverPrintedInAnyPlacementShapeCommandOrMode) {
  CanaryServers servers;
  const std::string pg = servers.pg.host + ":" + std::to_string(servers.pg.port);
  const std::string my = servers.my.host + ":" + std::to_string(servers.my.port);
  const std::string db = servers.db;
  const std::string down = "127.0.0.1:" + std::to_string(strata::test::free_port());
  const std::vector<Shape> shapes = {
      {"working postgresql", "postgresql://" + db + ":{pw}@" + pg + "/" + db, 0},
      {"working mysql", "mysql://" + db + ":{pw}@" + my + "/" + db, 0},
      {"password= query parameter", "postgresql://" + db + "@" + pg + "/" + db + "?password={pw}", 0},
      {"sslpassword= query parameter",
       "postgresql://" + db + ":{pw}@" + pg + "/" + db + "?sslmode=disable&sslpassword={pw}", 0},
      {"bad credentials postgresql", "postgresql://strata_nobody:{pw}@" + pg + "/" + db, 1},
      {"bad credentials mysql", "mysql://strata_nobody:{pw}@" + my + "/" + db, 1},
      {"unreachable host", "postgresql://app:{pw}@" + down + "/" + db + "?connect_timeout=2", 1},
      {"postgresql:/ separator", "postgresql:/app:{pw}@" + pg + "/" + db, 2},
      {"postgresql// separator", "postgresql//app:{pw}@" + pg + "/" + db, 2},
      {"mysql:/ separator", "mysql:/root:{pw}@" + my + "/" + db, 2},
      {"mysql:/// separator", "mysql:///root:{pw}@" + my + "/" + db, 2},
      {"invalid port after the password", "postgresql://app:{pw}@" + servers.pg.host + ":5x/" + db, 2},
      {"no '@': password read as the port", "postgresql://app:{pw}", 2},
  };
  const Place places[] = {Place::Env,         Place::DotEnv,      Place::Toml,
                          Place::TomlEncoded, Place::UrlsFileEnv, Place::UrlsFileEncoded};
  Tally t;
  for (const auto& shape : shapes) {
    for (Place place : places) {
      // "no '@'": a raw '@' or '#' makes it another shape (covered above).
      const bool raw = place == Place::Env || place == Place::DotEnv || place == Place::Toml ||
                       place == Place::UrlsFileEnv;
      if (raw && std::string(shape.name).rfind("no '@'", 0) == 0) continue;
      Workdir s;
      setup(s, place, shape.url);
      const std::string what = std::string(shape.name) + ", canary in " + name_of(place);
      // A raw '@' or '&' in a query parameter's value is not decidable (it
      // reads as the user-info's end or the next parameter): rejected or
      // misread, but never printed.
      const bool raw_query = raw && shape.url.find("password={pw}") != std::string::npos;
      const int on = raw_query ? -1 : shape.online_exit;
      const int off = raw_query ? -1 : shape.online_exit == 2 ? 2 : 0;
      check(t, s, {"upgrade", "head"}, on, what);
      check(t, s, {"-v", "current"}, on, what);
      check(t, s, {"--json", "upgrade", "head"}, on, what);
      check(t, s, {"upgrade", "head", "--sql"}, off, what);
      if (place == Place::Env || place == Place::UrlsFileEncoded) {
        // Every command and mode, for two placements.
        check(t, s, {"-v", "downgrade", "base"}, on, what);
        check(t, s, {"--json", "-v", "upgrade", "head"}, on, what);
        check(t, s, {"-v", "upgrade", "m1:head", "--sql"}, off, what);
        check(t, s, {"downgrade", "head:base", "--sql", "--tag", "t"}, off, what);
        check(t, s, {"--json", "current", "--check-heads"}, on, what);
        check(t, s, {"stamp", "head"}, on, what);
        check(t, s, {"-v", "stamp", "--purge", "head"}, on, what);
        check(t, s, {"resolve", "applied"}, -1, what);
        // Commands that never use the URL may run despite a bad one (the
        // config reports a URL only to commands that use it): any of 0..2.
        const int inspect = off == 0 ? 0 : -1;
        check(t, s, {"-v", "history"}, inspect, what);
        check(t, s, {"heads", "-v"}, inspect, what);
        check(t, s, {"branches"}, inspect, what);
        check(t, s, {"show", "m2"}, inspect, what);
        check(t, s, {"graph"}, inspect, what);
        // An unknown target is a usage error found before anything connects.
        check(t, s, {"upgrade", "nosuchrev"}, 2, what);
        check(t, s, {"--wait-timeout", "0.3", "--lock-timeout", "1", "upgrade", "head"}, -1, what);
      }
    }
  }
  std::printf("canary runs: %d, clean: %d\n", t.runs, t.clean);
  EXPECT_EQ(t.clean, t.runs);
  EXPECT_GT(t.runs, 300);
}

TEST(Secrets, LockTimeoutMessageHasNoPassword) {
  CanaryServers servers;
  const std::string url = "postgresql://" + servers.db + ":{pw}@" + servers.pg.host + ":" +
                          std::to_string(servers.pg.port) + "/" + servers.db;
  Workdir s;
  setup(s, Place::Env, url);
  Tally t;
  check(t, s, {"upgrade", "head"}, 0, "lock");
  // One run holds the migration lock for 5 s (a slow revision); two others,
  // with --lock-timeout 1, time out.
  s.dir.write("migrations/main/m3.sql",
              strata::test::revision_text("m3", "m2", "SELECT pg_sleep(5);", "SELECT 1;"));
  RunResult holder;
  std::thread hold([&] { holder = run_strata({"upgrade", "head"}, s.dir.path(), s.env); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  check(t, s, {"upgrade", "head", "--lock-timeout", "1"}, 1, "lock timeout");
  check(t, s, {"--json", "-v", "upgrade", "head", "--lock-timeout", "1"}, 1, "lock timeout");
  hold.join();
  EXPECT_EQ(holder.exit_code, 0) << holder.err;
  EXPECT_EQ(leaked(holder.out + holder.err), "");
  EXPECT_EQ(t.clean, t.runs);
}

// Issue 10.2: messages of any length are printed (shortened), never a crash.
TEST(Secrets, LongMessagesArePrintedShortenedWithoutCrashing) {
  CanaryServers servers;
  const std::string url = "postgresql://" + servers.db + ":{pw}@" + servers.pg.host + ":" +
                          std::to_string(servers.pg.port) + "/" + servers.db;
  Workdir s;
  setup(s, Place::Env, url);
  // A SQL error echoing a 40,000-character literal (with the canary's URL in it).
  const std::string literal = std::string(20000, 'x') + " postgresql://u:" + kCanary + "@h/d " + std::string(20000, 'y');
  s.dir.write("migrations/main/m3.sql",
              strata::test::revision_text("m3", "m2", "SELECT '" + literal + "'::int;", "SELECT 1;"));
  RunResult r = run_strata({"upgrade", "head"}, s.dir.path(), s.env);
  EXPECT_EQ(r.exit_code, 1) << r.err.substr(0, 2000);
  EXPECT_NE(r.err.find("bytes omitted]"), std::string::npos) << r.err.substr(0, 2000);
  EXPECT_NE(r.err.find("xxxxxxxxxx"), std::string::npos);
  EXPECT_LT(r.err.size(), 40000u);
  EXPECT_EQ(leaked(r.out + r.err), "");
  r = run_strata({"--json", "upgrade", "head"}, s.dir.path(), s.env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("bytes omitted]"), std::string::npos);
  EXPECT_EQ(leaked(r.out + r.err), "");

  // A 30,000-character target.
  r = run_strata({"upgrade", std::string(30000, 'a')}, s.dir.path(), s.env);
  EXPECT_EQ(r.exit_code, 2) << r.err.substr(0, 2000);  // unknown target: a usage error
  EXPECT_NE(r.err.find("error: Can't locate revision"), std::string::npos);
  EXPECT_LT(r.err.size(), 20000u);
  EXPECT_NE(r.err.find("bytes omitted]"), std::string::npos);

  // A 30 KB URL, malformed and well-formed.
  for (const std::string& big : {"postgresql:/app:" + kCanary + std::string(30000, 'z') + "@h/d",
                                 "postgresql://app:" + kCanary + "@h:" + std::string(30000, '9') + "/d",
                                 "postgresql://app:" + kCanary + std::string(30000, 'z') + "@127.0.0.1:" +
                                     std::to_string(strata::test::free_port()) + "/" + std::string(26000, 'd')}) {
    Workdir b;
    write_chain(b.dir);
    b.dir.write("alembic.toml",
                "[alembic]\nversion_locations = [\"migrations/main\"]\n\n[databases.main]\nurl = \"" + big + "\"\n");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"upgrade", "head"}, {"-v", "--json", "current"}, {"upgrade", "head", "--sql"}}) {
      r = run_strata(args, b.dir.path());
      EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2 || (args.back() == "--sql" && r.exit_code == 0))
          << r.exit_code << " " << r.err.substr(0, 500);
      EXPECT_EQ(leaked(r.out + r.err), "") << r.err.substr(0, 2000);
      EXPECT_LT(r.err.size(), 40000u);
    }
  }
}
