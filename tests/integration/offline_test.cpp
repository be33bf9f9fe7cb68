// Offline mode (--sql) against online runs, on every dialect: a script that
// `strata ... --sql` writes, applied with the dialect's own command-line
// client (sqlite3, psql, mariadb), must leave a database exactly where the
// same command run online leaves a twin database: the same schema dump, the
// same alembic_version rows, the same alembic_version_progress rows.
//
// Fresh SQLite files, PostgreSQL databases and MariaDB databases on the
// servers of STRATA_TEST_PG_URL and STRATA_TEST_MYSQL_URL (started by
// scripts/test.sh). A missing server or client tool fails these tests.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/util/strings.hpp"
#include "db_support.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::run_strata;
using strata::test::TempDir;
using Args = std::vector<std::string>;
using Rows = std::vector<std::string>;

namespace {

using strata::test::admin_url;
using strata::test::connect;
using strata::test::with_database;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


// A word for /bin/sh.
std::string shq(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct Cmd {
  int rc = -1;
  std::string out, err;
};

// Runs a shell command line, capturing stdout and stderr.
Cmd shell(const std::string& command) {
  TempDir io;
  std::string line = "(" + command + ") > " + shq(io / "out") + " 2> " + shq(io / "err") + " < /dev/null";
  int status = std::system(line.c_str());
  Cmd c;
  c.rc = status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  c.out = strata::util::read_file(io / "out");
  c.err = strata::util::read_file(io / "err");
  return c;
}

std::string pg_tool(const std::string& name) {
  // psql is in PATH; pg_dump may only be in the versioned folder.
  for (auto dir : {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"})
    if (fs::exists(std::string(dir) + "/" + name)) return std::string(dir) + "/" + name;
  return name;
}

// mariadb / mariadb-dump connection arguments for a mysql:// URL.
std::string mariadb_login(const std::string& url) {
  auto u = strata::config::parse_url(url, "/");
  std::string s = " --no-defaults -h " + shq(u.host.empty() ? "127.0.0.1" : u.host);
  if (u.port) s += " -P " + std::to_string(u.port);
  s += " -u " + shq(u.user);
  if (u.has_password) s += " " + shq("-p" + u.password);
  return s;
}

std::string db_name(const std::string& url) { return strata::config::parse_url(url, "/").database; }

// Lines as they are (indentation kept), without the '\n'.
Rows split_lines(const std::string& text) {
  Rows lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string lines_text(const Rows& rows) {
  std::string s;
  for (auto& r : rows) s += r + "\n";
  return s;
}

// ---------------------------------------------------------------------------
// Random revision graphs: linear runs, branch points, merges, an occasional
// second base. Every revision creates (and its downgrade drops) m_<id>.
struct GenRev {
  std::string id;
  std::vector<std::string> parents;
};

std::vector<GenRev> random_graph(unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto chance = [&](int pct) { return static_cast<int>(pick(100)) < pct; };
  const size_t n = 5 + pick(11);  // 5..15 revisions
  std::vector<GenRev> revs;
  std::vector<std::string> heads;
  std::set<std::string> ids;
  while (revs.size() < n) {
    std::string id;
    do {
      id.clear();
      for (int k = 0; k < 12; ++k) id += "0123456789abcdef"[pick(16)];
    } while (!ids.insert(id).second);
    GenRev r{id, {}};
    if (revs.empty() || chance(6)) {
      // a base
    } else if (heads.size() >= 2 && chance(35)) {
      size_t a = pick(heads.size()), b = pick(heads.size() - 1);
      if (b >= a) ++b;
      r.parents = {heads[a], heads[b]};
      heads.erase(heads.begin() + static_cast<long>(std::max(a, b)));
      heads.erase(heads.begin() + static_cast<long>(std::min(a, b)));
    } else if (chance(30)) {
      // Any earlier revision: a branch point when it already has a child.
      r.parents = {revs[pick(revs.size())].id};
      heads.erase(std::remove(heads.begin(), heads.end(), r.parents[0]), heads.end());
    } else {
      size_t h = pick(heads.size());
      r.parents = {heads[h]};
      heads.erase(heads.begin() + static_cast<long>(h));
    }
    heads.push_back(id);
    revs.push_back(r);
  }
  return revs;
}

std::string describe_graph(const std::vector<GenRev>& revs) {
  std::string s;
  for (auto& r : revs) s += "  " + r.id + " <- [" + strata::util::join(r.parents, ", ") + "]\n";
  return s;
}

// ---------------------------------------------------------------------------
class Offline : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::vector<std::string> created;  // databases to drop
  int out_counter = 0;

  std::string dialect() const { return GetParam(); }

  // A new, empty database of this test's dialect.
  std::string fresh_db(const std::string& tag = "db") {
    static std::atomic<int> counter{0};
    std::string name = "strata_o" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + tag;
    if (dialect() == "sqlite") return "sqlite:///" + (dir / (name + ".db"));
    auto admin = admin_url(dialect());
    connect(admin)->execute("CREATE DATABASE " + name);
    created.push_back(name);
    return with_database(admin, name);
  }

  void TearDown() override {
    if (created.empty()) return;
    auto c = connect(admin_url(dialect()));
    for (auto& name : created) {
      try {
        c->execute(dialect() == "postgresql" ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                                             : "DROP DATABASE IF EXISTS " + name);
      } catch (const std::exception&) {
      }
    }
  }

  void write_config(const std::vector<std::string>& dbs) {
    std::string locations, databases;
    for (auto& db : dbs) {
      locations += std::string(locations.empty() ? "" : ", ") + "\"migrations/" + db + "\"";
      std::string var = db == "main" ? "DATABASE_URL" : "ANALYTICS_DATABASE_URL";
      databases += "\n[databases." + db + "]\nurl = \"${" + var + "}\"\n";
      fs::create_directories(dir / ("migrations/" + db));
    }
    dir.write("alembic.toml", "[alembic]\nversion_locations = [" + locations + "]\n" + databases);
  }
  void copy_example() {
    fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
    write_config({"main", "analytics"});
  }
  strata::test::RunResult strata(const Args& args, const std::string& main_url, const std::string& analytics_url = "") {
    return run_strata(args, dir.path(),
                      {"DATABASE_URL=" + main_url,
                       "ANALYTICS_DATABASE_URL=" + (analytics_url.empty() ? std::string("sqlite:///:memory:") : analytics_url)});
  }
  std::string new_out_dir() { return dir / ("out" + std::to_string(out_counter++)); }

  // Applies an offline script with the dialect's command-line client.
  // PostgreSQL: `psql -1` (single transaction) unless single_transaction is
  // false.
  Cmd apply(const std::string& url, const std::string& script, bool single_transaction = true) {
    if (dialect() == "sqlite")
      return shell("sqlite3 -bail " + shq(strata::config::parse_url(url, "/").database) + " < " + shq(script));
    if (dialect() == "postgresql")
      return shell("psql -X -q -v ON_ERROR_STOP=1 " + std::string(single_transaction ? "-1 " : "") + "-f " +
                   shq(script) + " " + shq(url));
    return shell("mariadb" + mariadb_login(url) + " " + shq(db_name(url)) + " < " + shq(script));
  }

  // The schema, normalised so that two databases built the same way compare
  // equal as text: no comments, no session settings, no database name.
  std::string schema_dump(const std::string& url) {
    Cmd c;
    Rows lines;
    if (dialect() == "sqlite") {
      c = shell("sqlite3 " + shq(strata::config::parse_url(url, "/").database) + " .schema");
      EXPECT_EQ(c.rc, 0) << c.err;
      lines = split_lines(c.out);
    } else if (dialect() == "postgresql") {
      c = shell(pg_tool("pg_dump") + " --schema-only --no-owner --no-privileges " + shq(url));
      EXPECT_EQ(c.rc, 0) << c.err;
      for (auto& l : split_lines(c.out)) {
        // Comments, SET/set_config lines, and pg_dump's per-run random
        // \restrict / \unrestrict keys.
        if (l.rfind("--", 0) == 0 || l.rfind("SET ", 0) == 0 || l.rfind("SELECT pg_catalog.set_config", 0) == 0 ||
            l.rfind("\\", 0) == 0)
          continue;
        lines.push_back(l);
      }
    } else {
      c = shell("mariadb-dump" + mariadb_login(url) +
                " --no-data --skip-comments --skip-dump-date --routines --triggers --events " + shq(db_name(url)));
      EXPECT_EQ(c.rc, 0) << c.err;
      static const std::regex auto_increment(" AUTO_INCREMENT=[0-9]+");
      for (auto& l : split_lines(c.out)) lines.push_back(std::regex_replace(l, auto_increment, ""));
    }
    std::string text;
    const std::string name = db_name(url);
    for (auto l : lines) {
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
      if (l.empty()) continue;
      if (dialect() != "sqlite")
        for (size_t p; (p = l.find(name)) != std::string::npos;) l.replace(p, name.size(), "<db>");
      text += l + "\n";
    }
    return text;
  }

  Rows version(const std::string& url) {
    auto c = connect(url);
    if (!c->table_exists(nullptr, "alembic_version")) return {"<no alembic_version table>"};
    auto rows = c->query_column("SELECT version_num FROM alembic_version");
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  Rows progress(const std::string& url) {
    auto c = connect(url);
    if (!c->table_exists(nullptr, "alembic_version_progress")) return {"<no alembic_version_progress table>"};
    const std::string cols = "revision, direction, statements_done, statements_total";
    auto rows = c->query_column(dialect() == "mysql" ? "SELECT CONCAT_WS('|', " + cols + ") FROM alembic_version_progress"
                                                     : "SELECT revision || '|' || direction || '|' || statements_done "
                                                       "|| '|' || statements_total FROM alembic_version_progress");
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // The applied log's rows, oldest first, in the columns an online run and
  // its --sql script must agree on (id, started_at, duration_ms, host and
  // os_user are when, how long and where: the script's are its writing's).
  Rows applied_log(const std::string& url) {
    auto c = connect(url);
    if (!c->table_exists(nullptr, "alembic_version_log")) return {"<no alembic_version_log table>"};
    std::vector<std::string> cols;
    for (auto col : {"revision", "direction", "checksum", "outcome", "strata_version", "tag"})
      cols.push_back(std::string("COALESCE(") + col + ", '')");
    return c->query_column(dialect() == "mysql"
                               ? "SELECT CONCAT_WS('|', " + strata::util::join(cols, ", ") +
                                     ") FROM alembic_version_log ORDER BY id"
                               : "SELECT " + strata::util::join(cols, " || '|' || ") +
                                     " FROM alembic_version_log ORDER BY id");
  }

  // Everything compared between the offline and the online database.
  std::string state(const std::string& url) {
    return "== schema ==\n" + schema_dump(url) + "== alembic_version ==\n" + lines_text(version(url)) +
           "== alembic_version_progress ==\n" + lines_text(progress(url)) + "== alembic_version_log ==\n" +
           lines_text(applied_log(url));
  }

  // Runs an offline command (adding --output-dir) and returns the folder.
  std::string offline(Args args, const std::string& main_url, const std::string& analytics_url = "",
                      std::string out_dir = "") {
    if (out_dir.empty()) out_dir = new_out_dir();
    args.push_back("--output-dir");
    args.push_back(out_dir);
    auto r = strata(args, main_url, analytics_url);
    EXPECT_EQ(r.exit_code, 0) << strata::util::join(args, " ") << "\n" << r.out << r.err;
    return out_dir;
  }

  // Applies <out_dir>/<db>.sql to url; fails the test (with the script)
  // when the client reports an error.
  void apply_ok(const std::string& url, const std::string& script, bool single_transaction = true) {
    ASSERT_TRUE(fs::exists(script)) << script;
    auto c = apply(url, script, single_transaction);
    ASSERT_EQ(c.rc, 0) << "applying " << script << " failed:\n"
                       << c.out << c.err << "\n--- script ---\n"
                       << strata::util::read_file(script);
  }

  void online_ok(const Args& args, const std::string& main_url, const std::string& analytics_url = "") {
    auto r = strata(args, main_url, analytics_url);
    ASSERT_EQ(r.exit_code, 0) << strata::util::join(args, " ") << "\n" << r.out << r.err;
  }
};

// One case of the example chains: both twins (A: offline, B: online) are
// prepared online alike, then A gets the offline scripts and B the online
// commands.
struct ChainCase {
  std::string name;
  std::vector<Args> prepare;  // online, on both twins
  std::vector<Args> offline;  // --sql commands (all write into one folder)
  std::vector<Args> online;   // the same, online, on B
  std::vector<std::string> applied;  // databases whose script A gets
  Rows expect_main;                  // alembic_version of main afterwards
};

}  // namespace

TEST_P(Offline, ExampleChainsOfflineMatchesOnline) {
  copy_example();
  const std::vector<ChainCase> cases = {
      {"upgrade head from base", {}, {{"upgrade", "head", "--sql"}}, {{"upgrade", "head"}}, {"main", "analytics"},
       {"5d9b3e7a2f60"}},
      {"upgrade from a partial state",
       {{"--db", "main", "upgrade", "3f1a9c2b7d10"}, {"--db", "analytics", "upgrade", "a1c3e5f7092b"}},
       {{"--db", "main", "upgrade", "3f1a9c2b7d10:head", "--sql"},
        {"--db", "analytics", "upgrade", "a1c3e5f7092b:head", "--sql"}},
       {{"upgrade", "head"}},
       {"main", "analytics"},
       {"5d9b3e7a2f60"}},
      {"downgrade head:base", {{"upgrade", "head"}}, {{"downgrade", "head:base", "--sql"}}, {{"downgrade", "main=base", "analytics=base"}},
       {"main", "analytics"}, {}},
      {"downgrade a partial range",
       {{"upgrade", "head"}},
       {{"--db", "main", "downgrade", "5d9b3e7a2f60:8c4e2d1f6a37", "--sql"},
        {"--db", "analytics", "downgrade", "f7b9d1e3a5c6:a1c3e5f7092b", "--sql"}},
       {{"--db", "main", "downgrade", "8c4e2d1f6a37"}, {"--db", "analytics", "downgrade", "a1c3e5f7092b"}},
       {"main", "analytics"},
       {"8c4e2d1f6a37", "b7d05e9a1c42"}},
      {"stamp head", {}, {{"stamp", "head", "--sql"}}, {{"stamp", "head"}}, {"main", "analytics"}, {"5d9b3e7a2f60"}},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(dialect() + ": " + c.name);
    auto a_main = fresh_db("am"), a_an = fresh_db("aa"), b_main = fresh_db("bm"), b_an = fresh_db("ba");
    for (auto& p : c.prepare) {
      online_ok(p, a_main, a_an);
      online_ok(p, b_main, b_an);
    }
    // Offline scripts render without a database: give the offline command
    // A's URLs only so the header's masked URL is A's.
    std::string out = new_out_dir();
    for (auto& o : c.offline) offline(o, a_main, a_an, out);
    for (auto& db : c.applied) apply_ok(db == "main" ? a_main : a_an, out + "/" + db + ".sql");
    for (auto& o : c.online) online_ok(o, b_main, b_an);
    if (HasFatalFailure()) return;
    std::string scripts;
    for (auto& db : c.applied) scripts += "--- " + db + ".sql ---\n" + strata::util::read_file(out + "/" + db + ".sql");
    EXPECT_EQ(state(a_main), state(b_main)) << "main: offline (left) vs online (right)\n" << scripts;
    EXPECT_EQ(state(a_an), state(b_an)) << "analytics: offline (left) vs online (right)\n" << scripts;
    // Not vacuous: the twins are where the command leads.
    auto expect = c.expect_main;
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(version(a_main), expect);
  }
}

TEST_P(Offline, RandomGraphsOfflineMatchesOnline) {
  unsigned first = 20261123;
  if (const char* s = std::getenv("STRATA_OFFLINE_SEED")) first = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  for (unsigned seed = first; seed < first + 5; ++seed) {
    auto graph = random_graph(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with STRATA_OFFLINE_SEED=" + std::to_string(seed) +
                 "), graph:\n" + describe_graph(graph));
    fs::remove_all(dir / "migrations");
    for (auto& r : graph)
      dir.write("migrations/main/" + r.id + "_r.sql",
                strata::test::revision_text(r.id, strata::util::join(r.parents, ", "),
                                            "CREATE TABLE m_" + r.id + " (x INTEGER)", "DROP TABLE m_" + r.id));
    write_config({"main"});
    // Heads of the graph, for the non-vacuity checks.
    std::set<std::string> parents;
    for (auto& r : graph)
      for (auto& p : r.parents) parents.insert(p);
    Rows heads;
    for (auto& r : graph)
      if (!parents.count(r.id)) heads.push_back(r.id);
    std::sort(heads.begin(), heads.end());

    auto a = fresh_db("ga"), b = fresh_db("gb");
    auto compare = [&](const std::string& what, const std::string& script) {
      EXPECT_EQ(state(a), state(b)) << what << ": offline (left) vs online (right)\n--- script ---\n"
                                    << strata::util::read_file(script);
    };

    // From base to every head.
    auto out = offline({"upgrade", "heads", "--sql"}, a);
    apply_ok(a, out + "/main.sql");
    online_ok({"upgrade", "heads"}, b);
    if (HasFatalFailure()) return;
    compare("upgrade heads", out + "/main.sql");
    EXPECT_EQ(version(b), heads);

    // All the way down.
    out = offline({"downgrade", "heads:base", "--sql"}, a);
    apply_ok(a, out + "/main.sql");
    online_ok({"downgrade", "base"}, b);
    if (HasFatalFailure()) return;
    compare("downgrade heads:base", out + "/main.sql");
    EXPECT_EQ(version(b), Rows{});

    // From a random revision reached online, to every head.
    std::mt19937 rng(seed * 7919u);
    const std::string start = graph[std::uniform_int_distribution<size_t>(0, graph.size() - 1)(rng)].id;
    SCOPED_TRACE("partial range from " + start);
    online_ok({"upgrade", start}, a);
    online_ok({"upgrade", start}, b);
    out = offline({"upgrade", start + ":heads", "--sql"}, a);
    apply_ok(a, out + "/main.sql");
    online_ok({"upgrade", "heads"}, b);
    if (HasFatalFailure()) return;
    compare("upgrade " + start + ":heads", out + "/main.sql");
  }
}

// Revisions whose SQL needs care in a client script: a PostgreSQL
// `CREATE INDEX CONCURRENTLY` in a `Transactional: false` revision, a MySQL
// procedure written with `DELIMITER //`, a plpgsql body in dollar quotes, a
// SQLite trigger body.
//
// psql -1 and Transactional: false: psql -1 sends BEGIN before the file and
// COMMIT after it, and CREATE INDEX CONCURRENTLY cannot run inside a
// transaction block. Strata's PostgreSQL scripts carry their own BEGIN and
// COMMIT (a whole-run transaction, committed before a non-transactional
// revision), so under -1 the script's first BEGIN only draws "WARNING: there
// is already a transaction in progress", the script's COMMIT ends psql's
// transaction, CREATE INDEX CONCURRENTLY then runs outside any transaction
// and succeeds, and psql's final COMMIT draws "WARNING: there is no
// transaction in progress". The script applies (exit 0) — but -1 does not
// make it atomic, which a script with a Transactional: false revision cannot
// be anyway. This test applies these scripts with -1 (as a user following
// the usual advice would) and checks they apply and match the online run;
// it also applies them without -1 to a third database, which must match too.
TEST_P(Offline, BodiesAndNonTransactionalRevisions) {
  dir.write("migrations/main/b1_items.sql",
            strata::test::revision_text("b1000000000a", "", "CREATE TABLE items (id INTEGER, name VARCHAR(50));",
                                        "DROP TABLE items;"));
  dir.write("migrations/main/b2_index.sql",
            "-- Revision ID: b2000000000b\n-- Revises: b1000000000a\n-- Message: index items\n"
            "-- Transactional: false\n\n"
            "-- +upgrade\nCREATE INDEX ix_items_name ON items (name);\n\n"
            "-- +upgrade postgresql\nCREATE INDEX CONCURRENTLY ix_items_name ON items (name);\n\n"
            "-- +downgrade\nDROP INDEX ix_items_name;\n\n"
            "-- +downgrade postgresql\nDROP INDEX CONCURRENTLY ix_items_name;\n\n"
            "-- +downgrade mysql\nDROP INDEX ix_items_name ON items;\n");
  dir.write("migrations/main/b3_body.sql",
            "-- Revision ID: b3000000000c\n-- Revises: b2000000000b\n-- Message: bodies\n\n"
            "-- +upgrade\n"
            "CREATE TRIGGER trg_items_upper AFTER INSERT ON items\nBEGIN\n"
            "    UPDATE items SET name = upper(name) WHERE id = NEW.id;\n"
            "    UPDATE items SET name = trim(name) WHERE id = NEW.id;\nEND;\n"
            "CREATE TABLE after_trigger (id INTEGER);\n\n"
            "-- +upgrade postgresql\n"
            "CREATE FUNCTION items_count() RETURNS bigint LANGUAGE plpgsql AS $$\nBEGIN\n"
            "    PERFORM 1;\n    RETURN (SELECT count(*) FROM items);\nEND;\n$$;\n"
            "CREATE TABLE after_trigger (id INTEGER);\n\n"
            "-- +upgrade mysql\n"
            "DELIMITER //\n"
            "CREATE PROCEDURE items_count(OUT n BIGINT)\nBEGIN\n"
            "    SELECT COUNT(*) INTO n FROM items;\n    SET n = n + 0;\nEND //\n"
            "DELIMITER ;\n"
            "CREATE TABLE after_trigger (id INTEGER);\n\n"
            "-- +downgrade\nDROP TABLE after_trigger;\nDROP TRIGGER trg_items_upper;\n\n"
            "-- +downgrade postgresql\nDROP TABLE after_trigger;\nDROP FUNCTION items_count();\n\n"
            "-- +downgrade mysql\nDROP TABLE after_trigger;\nDROP PROCEDURE items_count;\n");
  dir.write("migrations/main/b4_after.sql",
            strata::test::revision_text("b4000000000d", "b3000000000c", "CREATE TABLE after_all (id INTEGER);",
                                        "DROP TABLE after_all;"));
  write_config({"main"});
  const std::string body = dialect() == "sqlite" ? "trg_items_upper" : "items_count";

  auto a = fresh_db("ba"), b = fresh_db("bb"), c = fresh_db("bc");
  auto up = offline({"upgrade", "head", "--sql"}, a);
  auto up_script = strata::util::read_file(up + "/main.sql");
  apply_ok(a, up + "/main.sql");
  if (dialect() == "postgresql") apply_ok(c, up + "/main.sql", false);
  online_ok({"upgrade", "head"}, b);
  if (HasFatalFailure()) return;
  auto online_state = state(b);
  EXPECT_EQ(state(a), online_state) << "upgrade head: offline (left) vs online (right)\n" << up_script;
  if (dialect() == "postgresql") {
    EXPECT_EQ(state(c), online_state) << "upgrade head, psql without -1: offline (left) vs online (right)\n"
                                      << up_script;
  }
  EXPECT_TRUE(has(online_state, "ix_items_name")) << online_state;
  EXPECT_TRUE(has(online_state, body)) << online_state;
  EXPECT_TRUE(has(online_state, "after_all")) << online_state;
  EXPECT_EQ(version(a), Rows{"b4000000000d"});

  auto down = offline({"downgrade", "head:base", "--sql"}, a);
  auto down_script = strata::util::read_file(down + "/main.sql");
  apply_ok(a, down + "/main.sql");
  if (dialect() == "postgresql") apply_ok(c, down + "/main.sql", false);
  online_ok({"downgrade", "base"}, b);
  if (HasFatalFailure()) return;
  online_state = state(b);
  EXPECT_EQ(state(a), online_state) << "downgrade head:base: offline (left) vs online (right)\n" << down_script;
  if (dialect() == "postgresql") {
    EXPECT_EQ(state(c), online_state) << "downgrade head:base, psql without -1: offline (left) vs online (right)\n"
                                      << down_script;
  }
  EXPECT_FALSE(has(online_state, body)) << online_state;
  EXPECT_EQ(version(a), Rows{});
}

TEST_P(Offline, OutputDirSectionsAndMaskedUrls) {
  copy_example();
  auto main_url = fresh_db("om"), an_url = fresh_db("oa");
  std::string password;
  if (dialect() != "sqlite") {
    password = strata::config::parse_url(admin_url(dialect()), "/").password;
    ASSERT_FALSE(password.empty()) << "the test server URL should carry a password";
  }

  // --output-dir: one <database>.sql per database, nothing else.
  const std::string out = dir / "scripts";
  auto r = strata({"upgrade", "head", "--sql", "--tag", "release-7", "--output-dir", out}, main_url, an_url);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::set<std::string> files;
  for (auto& e : fs::directory_iterator(out)) files.insert(e.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"analytics.sql", "main.sql"}));
  EXPECT_EQ(r.out, "") << "with --output-dir nothing goes to stdout";
  // The applied log's rows carry when the script was written (ids and
  // started_at): two renderings differ there only.
  static const std::regex written(R"(\d{4}-\d\d-\d\dT[0-9:.]+Z(-[0-9a-f]{8})?)");
  auto norm = [](const std::string& text) { return std::regex_replace(text, written, "<written>"); };
  const auto main_text = norm(strata::util::read_file(out + "/main.sql"));
  const auto an_text = norm(strata::util::read_file(out + "/analytics.sql"));
  EXPECT_TRUE(has(main_text, "database 'main'")) << main_text;
  EXPECT_TRUE(has(an_text, "database 'analytics'")) << an_text;
  EXPECT_TRUE(has(main_text, "release-7")) << main_text;
  EXPECT_TRUE(has(main_text, "5d9b3e7a2f60")) << main_text;
  EXPECT_FALSE(has(main_text, "f7b9d1e3a5c6")) << "main.sql must hold main's chain only";
  EXPECT_TRUE(has(an_text, "f7b9d1e3a5c6")) << an_text;
  EXPECT_FALSE(has(an_text, "5d9b3e7a2f60")) << "analytics.sql must hold analytics' chain only";

  // stdout: both scripts, each in its own section introduced by a comment
  // line naming its database.
  auto s = strata({"upgrade", "head", "--sql", "--tag", "release-7"}, main_url, an_url);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  s.out = norm(s.out);
  auto main_at = s.out.find(main_text), an_at = s.out.find(an_text);
  ASSERT_NE(main_at, std::string::npos) << "stdout must contain main.sql as written to --output-dir\n" << s.out;
  ASSERT_NE(an_at, std::string::npos) << "stdout must contain analytics.sql as written to --output-dir\n" << s.out;
  ASSERT_LT(main_at, an_at) << "databases in config order";
  EXPECT_EQ(main_at + main_text.size() <= an_at, true) << "sections must not overlap";
  auto separator_ok = [&](const std::string& sep, const std::string& db) {
    bool names_db = false;
    for (auto& line : strata::util::split_list(sep, '\n')) {
      if (line.empty()) continue;
      if (line.rfind("--", 0) != 0) return false;  // only comments between sections
      if (has(line, "database: " + db) || has(line, "database '" + db + "'")) names_db = true;
    }
    return names_db;
  };
  EXPECT_TRUE(separator_ok(s.out.substr(0, main_at), "main")) << s.out.substr(0, main_at);
  auto between = s.out.substr(main_at + main_text.size(), an_at - main_at - main_text.size());
  EXPECT_TRUE(separator_ok(between, "analytics")) << between;
  EXPECT_EQ(s.out.substr(an_at + an_text.size()), "") << "nothing after the last section";

  // Every offline command's output, masked.
  std::vector<std::string> texts{main_text, an_text, s.out, s.err, r.err};
  for (Args args : {Args{"downgrade", "head:base", "--sql"}, Args{"stamp", "head", "--sql"},
                    Args{"upgrade", "3f1a9c2b7d10:head", "--sql", "--db", "main"}}) {
    auto x = strata(args, main_url, an_url);
    ASSERT_EQ(x.exit_code, 0) << x.err;
    texts.push_back(x.out);
    texts.push_back(x.err);
  }
  for (auto& t : texts) {
    if (!password.empty()) {
      EXPECT_FALSE(has(t, password)) << "password in offline output:\n" << t;
    }
  }
  if (dialect() != "sqlite") {
    EXPECT_TRUE(has(main_text, ":***@")) << "the header names the masked URL\n" << main_text;
  }
  // The header's URL is the database's own.
  EXPECT_TRUE(has(main_text, db_name(main_url))) << main_text;
  EXPECT_TRUE(has(an_text, db_name(an_url))) << an_text;
}

INSTANTIATE_TEST_SUITE_P(Dialects, Offline, ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& info) { return info.param; });
