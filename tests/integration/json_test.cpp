// Every command's --json form (issue 11, part 5): one document on stdout,
// parsed and checked field by field on the repository's example project;
// graph --format dot over several databases (one digraph, checked by
// Graphviz itself); current at base and its database prefix under --shard;
// init's .gitignore and --template multidb (issue 11, part 6).
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/file.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using strata::test::run_strata;
using strata::test::RunResult;
using strata::test::sqlite_rows;
using strata::test::TempDir;
using Rows = std::vector<std::string>;
using Ids = std::vector<std::string>;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Runs `sql` read-write on a SQLite file.
void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  EXPECT_EQ(rc, SQLITE_OK) << (msg ? msg : "") << " in: " << sql;
  sqlite3_free(msg);
  sqlite3_close(db);
}

/// The ids of a list of revision objects, in order.
Ids ids(const json& revisions) {
  Ids out;
  for (auto& r : revisions) out.push_back(r.at("revision").get<std::string>());
  return out;
}

/// The object of database `name` in a document's "databases".
const json& database(const json& doc, const std::string& name) {
  for (auto& d : doc.at("databases"))
    if (d.at("database") == name) return d;
  throw std::runtime_error("no database " + name + " in " + doc.dump());
}

const json& target(const json& doc, const std::string& name) {
  for (auto& t : doc.at("targets"))
    if (t.at("name") == name) return t;
  throw std::runtime_error("no target " + name + " in " + doc.dump());
}

/// The keys every revision object has, in every command.
const std::set<std::string> kRevisionKeys = {"revision",   "down_revisions", "branch_labels", "depends_on",
                                             "message",    "create_date",    "path",          "transactional",
                                             "atomic",     "children",   "is_head",        "is_branch_point", "is_merge_point"};

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (auto& [k, v] : object.items()) out.insert(k);
  return out;
}

class Json : public ::testing::Test {
 protected:
  TempDir dir;
  void SetUp() override {
    fs::copy(strata::test::source_dir() + "/migrations", dir / "migrations", fs::copy_options::recursive);
    fs::copy(strata::test::source_dir() + "/alembic.toml", dir / "alembic.toml");
    fs::create_directories(dir / "var");
  }
  RunResult strata(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    env.push_back("DATABASE_URL=");
    env.push_back("ANALYTICS_DATABASE_URL=");
    return run_strata(args, dir.path(), env);
  }
  /// Runs a command that must succeed and print exactly one JSON document.
  json doc(const std::vector<std::string>& args) {
    auto r = strata(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j;
    try {
      j = json::parse(r.out);  // throws on anything but one document
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not one JSON document (" << e.what() << "):\n" << r.out;
    }
    return j;
  }
};

}  // namespace

// "transactional" is the file's header; "atomic" is what the database's
// dialect does with it: MariaDB commits DDL implicitly, so a revision there
// can be left half-applied whatever its header says.
TEST_F(Json, AtomicSaysWhatTheDatabasesDialectDoes) {
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\n"
            "url = \"mysql://app@127.0.0.1:9/shop\"\n");
  auto j = doc({"heads", "--json"});
  const auto& h = database(j, "main")["heads"].at(0);
  EXPECT_EQ(h["transactional"], true);
  EXPECT_EQ(h["atomic"], false);
  auto s = doc({"show", "5d9b3e7a2f60", "--json"});
  EXPECT_EQ(database(s, "main")["revisions"].at(0)["atomic"], false);
  // Not a revision without Transactional: false on PostgreSQL.
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\n"
            "url = \"postgresql://app@127.0.0.1:9/shop\"\n");
  EXPECT_EQ(database(doc({"heads", "--json"}), "main")["heads"].at(0)["atomic"], true);
  // A url whose variable is unset: the dialect is unknown, and so is the answer.
  dir.write("alembic.toml",
            "[alembic]\nversion_locations = [\"migrations/main\"]\n[databases.main]\n"
            "url = \"${STRATA_NO_SUCH_VARIABLE}\"\n");
  EXPECT_TRUE(database(doc({"heads", "--json"}), "main")["heads"].at(0)["atomic"].is_null());
}

TEST_F(Json, HeadsListsEachChainsHeadsAsRevisionObjects) {
  auto j = doc({"heads", "--json"});
  EXPECT_EQ(j["command"], "heads");
  EXPECT_EQ(j["resolve_dependencies"], false);
  ASSERT_EQ(j["databases"].size(), 2u);
  EXPECT_EQ(j["databases"][0]["database"], "main");  // config order
  const auto& main = database(j, "main");
  EXPECT_EQ(main["location"], dir.path() + "/migrations/main");
  ASSERT_EQ(ids(main["heads"]), Ids{"5d9b3e7a2f60"});
  const auto& h = main["heads"][0];
  EXPECT_EQ(keys(h), kRevisionKeys);
  EXPECT_EQ(h["down_revisions"], json({"e2a4f6c8b013"}));
  EXPECT_EQ(h["message"], "index orders by user");
  EXPECT_EQ(h["children"], json::array());
  EXPECT_EQ(h["is_head"], true);
  EXPECT_EQ(h["is_merge_point"], false);
  EXPECT_EQ(h["transactional"], true);
  EXPECT_EQ(h["atomic"], true);  // SQLite: DDL rolls back
  EXPECT_EQ(h["path"], dir.path() + "/migrations/main/5d9b3e7a2f60_index_orders_by_user.sql");
  const auto& a = database(j, "analytics")["heads"];
  ASSERT_EQ(ids(a), Ids{"f7b9d1e3a5c6"});
  EXPECT_EQ(a[0]["branch_labels"], json({"analytics"}));  // inherited from a1c3e5f7092b
  // With --resolve-dependencies (nothing depends on these heads): the same heads.
  auto r = doc({"--db", "main", "heads", "--resolve-dependencies", "--json"});
  EXPECT_EQ(r["resolve_dependencies"], true);
  EXPECT_EQ(ids(database(r, "main")["heads"]), Ids{"5d9b3e7a2f60"});
}

TEST_F(Json, HistoryMatchesTheTextFormRangesAndCurrent) {
  auto j = doc({"--db", "main", "history", "--json"});
  EXPECT_EQ(j["command"], "history");
  EXPECT_TRUE(j["range"].is_null());
  ASSERT_EQ(j["databases"].size(), 1u);
  const auto& main = database(j, "main");
  EXPECT_TRUE(main["current"].is_null());  // not read without -i
  // The same revisions, in the same order (newest first), as the text form.
  auto text = strata({"--db", "main", "history"});
  Ids from_text;
  std::istringstream lines(text.out);
  for (std::string l; std::getline(lines, l);) {
    auto arrow = l.find(" -> ");
    from_text.push_back(l.substr(arrow + 4, 12));
  }
  EXPECT_EQ(ids(main["revisions"]), from_text);
  ASSERT_EQ(main["revisions"].size(), 5u);
  for (auto& r : main["revisions"]) EXPECT_EQ(keys(r), kRevisionKeys) << r.dump();
  const auto& merge = main["revisions"][1];
  EXPECT_EQ(merge["revision"], "e2a4f6c8b013");
  EXPECT_EQ(merge["is_merge_point"], true);
  EXPECT_EQ(merge["down_revisions"], json({"8c4e2d1f6a37", "b7d05e9a1c42"}));
  const auto& root = main["revisions"][4];
  EXPECT_EQ(root["revision"], "3f1a9c2b7d10");
  EXPECT_EQ(root["down_revisions"], json::array());
  EXPECT_EQ(root["is_branch_point"], true);
  auto kids = root["children"].get<Ids>();
  std::sort(kids.begin(), kids.end());
  EXPECT_EQ(kids, (Ids{"8c4e2d1f6a37", "b7d05e9a1c42"}));
  // -v and --graph draw the same revisions differently as text; the JSON is the same.
  EXPECT_EQ(doc({"--db", "main", "history", "-v", "--json"}), j);
  EXPECT_EQ(doc({"--db", "main", "history", "--graph", "--json"}), j);

  // A range: exactly what the text form lists.
  auto ranged = doc({"--db", "main", "history", "-r", "8c4e2d1f6a37:5d9b3e7a2f60", "--json"});
  EXPECT_EQ(ranged["range"], "8c4e2d1f6a37:5d9b3e7a2f60");
  auto text_range = strata({"--db", "main", "history", "-r", "8c4e2d1f6a37:5d9b3e7a2f60"});
  Ids ranged_text;
  std::istringstream rl(text_range.out);
  for (std::string l; std::getline(rl, l);) ranged_text.push_back(l.substr(l.find(" -> ") + 4, 12));
  EXPECT_EQ(ids(database(ranged, "main")["revisions"]), ranged_text);
  EXPECT_EQ(ids(database(ranged, "main")["revisions"]), (Ids{"5d9b3e7a2f60", "e2a4f6c8b013", "8c4e2d1f6a37"}));

  // -i reads the version rows; "current" in a range too.
  ASSERT_EQ(strata({"--db", "analytics", "upgrade", "c4e6a8b0d21f"}).exit_code, 0);
  auto ind = doc({"history", "-i", "--json"});
  EXPECT_EQ(database(ind, "analytics")["current"], json({"c4e6a8b0d21f"}));
  EXPECT_EQ(database(ind, "main")["current"], json::array());
  auto upto = doc({"--db", "analytics", "history", "-r", "current:", "--json"});
  EXPECT_EQ(ids(database(upto, "analytics")["revisions"]), (Ids{"f7b9d1e3a5c6", "c4e6a8b0d21f"}));
  EXPECT_EQ(database(upto, "analytics")["current"], json({"c4e6a8b0d21f"}));
}

TEST_F(Json, BranchesShowAndGraph) {
  auto b = doc({"branches", "--json"});
  EXPECT_EQ(b["command"], "branches");
  const auto& points = database(b, "main")["branch_points"];
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0]["branch_point"]["revision"], "3f1a9c2b7d10");
  EXPECT_EQ(keys(points[0]["branch_point"]), kRevisionKeys);
  auto branches = ids(points[0]["branches"]);
  std::sort(branches.begin(), branches.end());
  EXPECT_EQ(branches, (Ids{"8c4e2d1f6a37", "b7d05e9a1c42"}));
  EXPECT_EQ(database(b, "analytics")["branch_points"], json::array());

  auto s = doc({"--db", "analytics", "show", "analytics@head", "--json"});
  EXPECT_EQ(s["command"], "show");
  const auto& shown = database(s, "analytics")["revisions"];
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0]["revision"], "f7b9d1e3a5c6");
  EXPECT_EQ(shown[0]["down_revisions"], json({"c4e6a8b0d21f"}));
  EXPECT_EQ(shown[0]["branch_labels"], json({"analytics"}));
  EXPECT_EQ(shown[0]["message"], "index events by name");
  EXPECT_FALSE(shown[0]["create_date"].get<std::string>().empty());
  // A prefix resolves; "current" reads the database.
  EXPECT_EQ(ids(database(doc({"--db", "main", "show", "e2a4", "--json"}), "main")["revisions"]), Ids{"e2a4f6c8b013"});
  ASSERT_EQ(strata({"--db", "main", "upgrade", "b7d05e9a1c42"}).exit_code, 0);
  EXPECT_EQ(ids(database(doc({"--db", "main", "show", "current", "--json"}), "main")["revisions"]),
            Ids{"b7d05e9a1c42"});

  auto g = doc({"graph", "--json"});
  EXPECT_EQ(g["command"], "graph");
  EXPECT_EQ(doc({"graph", "--format", "json"}), g);
  const auto& main = database(g, "main");
  EXPECT_EQ(main["nodes"].size(), 5u);
  EXPECT_EQ(database(g, "analytics")["nodes"].size(), 3u);
  std::set<std::string> edges;
  for (auto& e : main["edges"]) {
    EXPECT_EQ(e["to_database"], "main");
    edges.insert(e["from"].get<std::string>() + ">" + e["to"].get<std::string>() + ":" + e["kind"].get<std::string>());
  }
  EXPECT_EQ(edges, (std::set<std::string>{"8c4e2d1f6a37>3f1a9c2b7d10:revises", "b7d05e9a1c42>3f1a9c2b7d10:revises",
                                          "e2a4f6c8b013>8c4e2d1f6a37:revises", "e2a4f6c8b013>b7d05e9a1c42:revises",
                                          "5d9b3e7a2f60>e2a4f6c8b013:revises"}));
  // --json and --format dot are two outputs: a usage error, nothing on stdout.
  auto both = strata({"graph", "--format", "dot", "--json"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_EQ(both.out, "");
}

TEST_F(Json, CurrentReportsRevisionsAtBaseAndAtHead) {
  auto base = doc({"current", "--json"});
  EXPECT_EQ(base["command"], "current");
  EXPECT_EQ(base["status"], "ok");
  EXPECT_EQ(base["exit_code"], 0);
  ASSERT_EQ(base["targets"].size(), 2u);
  const auto& m = target(base, "main");
  EXPECT_EQ(m["database"], "main");
  EXPECT_EQ(m["from"], json::array());
  EXPECT_EQ(m["revisions"], json::array());
  EXPECT_EQ(m["at_heads"], false);
  EXPECT_EQ(m["another_run_applying"], false);
  EXPECT_TRUE(m["mid_revision"].is_null());
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  auto head = doc({"current", "--json"});
  const auto& a = target(head, "analytics");
  EXPECT_EQ(a["from"], json({"f7b9d1e3a5c6"}));
  ASSERT_EQ(a["revisions"].size(), 1u);
  EXPECT_EQ(keys(a["revisions"][0]), kRevisionKeys);
  EXPECT_EQ(a["revisions"][0]["revision"], "f7b9d1e3a5c6");
  EXPECT_EQ(a["at_heads"], true);
  // --check-heads failing: still one document, the failure in it, exit 1.
  ASSERT_EQ(strata({"--db", "main", "downgrade", "-1"}).exit_code, 0);
  auto check = strata({"current", "--check-heads", "--json"});
  EXPECT_EQ(check.exit_code, 1);
  auto c = json::parse(check.out);
  EXPECT_EQ(c["status"], "failed");
  EXPECT_EQ(target(c, "main")["at_heads"], false);
  EXPECT_EQ(target(c, "main")["status"], "failed");
  EXPECT_TRUE(has(target(c, "main")["error"].get<std::string>(), "not at head: missing 5d9b3e7a2f60"));
  EXPECT_EQ(target(c, "analytics")["status"], "ok");
}

TEST_F(Json, CurrentReportsAHalfAppliedRevisionAndARunAtWork) {
  ASSERT_EQ(strata({"--db", "analytics", "upgrade", "a1c3e5f7092b"}).exit_code, 0);
  const std::string db = dir / "var/analytics.db";
  sqlite_exec(db,
              "CREATE TABLE alembic_version_progress (revision VARCHAR(32) NOT NULL, direction VARCHAR(10) NOT NULL, "
              "statements_done INTEGER NOT NULL, statements_total INTEGER NOT NULL, statement_started INTEGER, "
              "PRIMARY KEY (revision)); INSERT INTO alembic_version_progress VALUES ('c4e6a8b0d21f', 'upgrade', 1, 3, NULL)");
  // Left half-applied: the record in the report, the warning on stderr.
  auto left = strata({"--db", "analytics", "current", "--json"});
  EXPECT_EQ(left.exit_code, 0) << left.err;
  auto j = json::parse(left.out);
  const auto& t = target(j, "analytics");
  EXPECT_EQ(t["mid_revision"], "c4e6a8b0d21f upgrade 1/3");
  EXPECT_EQ(t["another_run_applying"], false);
  EXPECT_EQ(ids(t["revisions"]), Ids{"a1c3e5f7092b"});
  EXPECT_TRUE(has(left.err, "left in the middle of the upgrade of revision c4e6a8b0d21f")) << left.err;
  // Another run holds the lock: it is at work, not a failure; stdout stays one document.
  int fd = ::open((db + "-strata.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  auto busy = strata({"--db", "analytics", "current", "--json"});
  auto text = strata({"--db", "analytics", "current"});
  ::close(fd);
  EXPECT_EQ(busy.exit_code, 0) << busy.err;
  auto b = json::parse(busy.out);
  EXPECT_EQ(target(b, "analytics")["another_run_applying"], true);
  EXPECT_EQ(target(b, "analytics")["mid_revision"], "c4e6a8b0d21f upgrade 1/3");
  EXPECT_FALSE(has(busy.err, "warning")) << busy.err;
  EXPECT_TRUE(has(text.out, "another run is applying revision c4e6a8b0d21f right now (statement 2 of 3)")) << text.out;
}

TEST_F(Json, RevisionAndMergeReportTheFileWritten) {
  auto r = strata({"--db", "analytics", "revision", "-m", "side table", "--head", "c4e6a8b0d21f", "--splice",
                   "--rev-id", "5ide00000001", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = json::parse(r.out);  // no "Generating ..." line around it
  EXPECT_EQ(j["command"], "revision");
  EXPECT_EQ(j["database"], "analytics");
  const auto& rev = j["revision"];
  EXPECT_EQ(keys(rev), kRevisionKeys);
  EXPECT_EQ(rev["revision"], "5ide00000001");
  EXPECT_EQ(rev["down_revisions"], json({"c4e6a8b0d21f"}));
  EXPECT_EQ(rev["message"], "side table");
  EXPECT_EQ(rev["is_head"], true);
  EXPECT_EQ(rev["branch_labels"], json({"analytics"}));  // inherited, as heads shows it
  const std::string path = rev["path"];
  EXPECT_EQ(fs::path(path).parent_path(), fs::path(dir / "migrations/analytics"));
  EXPECT_TRUE(has(read(path), "-- Revision ID: 5ide00000001")) << path;

  auto m = strata({"--db", "analytics", "merge", "heads", "-m", "join", "--rev-id", "3e6e00000002", "--json"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  auto mj = json::parse(m.out);
  EXPECT_EQ(mj["command"], "merge");
  EXPECT_EQ(mj["database"], "analytics");
  EXPECT_EQ(mj["revision"]["revision"], "3e6e00000002");
  auto parents = mj["revision"]["down_revisions"].get<Ids>();
  std::sort(parents.begin(), parents.end());
  EXPECT_EQ(parents, (Ids{"5ide00000001", "f7b9d1e3a5c6"}));
  EXPECT_EQ(mj["revision"]["is_merge_point"], true);
  EXPECT_TRUE(fs::exists(mj["revision"]["path"].get<std::string>()));
  // Written outside the location (--version-path): the file's own fields.
  auto out = strata({"--db", "main", "revision", "-m", "elsewhere", "--rev-id", "e15e00000003", "--version-path",
                     "other", "--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  auto oj = json::parse(out.out);
  EXPECT_EQ(oj["revision"]["revision"], "e15e00000003");
  EXPECT_EQ(oj["revision"]["down_revisions"], json({"5d9b3e7a2f60"}));
  EXPECT_EQ(keys(oj["revision"]), kRevisionKeys);
}

TEST_F(Json, VersionAndErrors) {
  auto v = doc({"version", "--json"});
  EXPECT_EQ(v["command"], "version");
  EXPECT_EQ(v["name"], "strata");
  EXPECT_TRUE(v["plugins"].is_array());
  // Errors: stderr and the usual status, nothing on stdout.
  for (auto args : std::vector<std::vector<std::string>>{{"show", "nosuch", "--json"},
                                                        {"--db", "nosuch", "heads", "--json"},
                                                        {"history", "-r", "nocolon", "--json"},
                                                        {"--db", "main", "merge", "heads", "--json"}}) {
    auto r = strata(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_TRUE(has(r.err, "strata: error: ")) << r.err;
  }
  // Several heads: the note stays on stderr, stdout is the document.
  ASSERT_EQ(strata({"--db", "main", "revision", "-m", "x", "--head", "e2a4f6c8b013", "--splice"}).exit_code, 0);
  auto two = strata({"--db", "main", "heads", "--json"});
  EXPECT_EQ(two.exit_code, 0);
  EXPECT_EQ(json::parse(two.out)["databases"][0]["heads"].size(), 2u);
  EXPECT_TRUE(has(two.err, "note: 2 heads")) << two.err;
}

TEST_F(Json, DotWithTwoDatabasesIsOneGraphWithAClusterEach) {
  auto r = strata({"graph", "--format", "dot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t digraphs = 0;
  for (size_t p = 0; (p = r.out.find("digraph", p)) != std::string::npos; ++p) ++digraphs;
  EXPECT_EQ(digraphs, 1u) << r.out;
  EXPECT_EQ(r.out.rfind("digraph \"strata\" {\n", 0), 0u) << r.out;
  EXPECT_TRUE(has(r.out, "  subgraph \"cluster_main\" {\n    label=\"main\";\n")) << r.out;
  EXPECT_TRUE(has(r.out, "  subgraph \"cluster_analytics\" {\n    label=\"analytics\";\n")) << r.out;
  EXPECT_TRUE(has(r.out, "    \"main:e2a4f6c8b013\" -> \"main:8c4e2d1f6a37\";\n")) << r.out;
  EXPECT_TRUE(has(r.out, "    \"analytics:f7b9d1e3a5c6\" [label=\"f7b9d1e3a5c6\\nindex events by name\\n(analytics)\", style=bold];"))
      << r.out;
  EXPECT_FALSE(has(r.out, "\"e2a4f6c8b013\"")) << "unprefixed node id\n" << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '{'), std::count(r.out.begin(), r.out.end(), '}'));
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n");

  // Graphviz itself accepts it (scripts/deps.sh test installs graphviz).
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    ADD_FAILURE() << "Graphviz 'dot' is not installed (scripts/deps.sh test installs it)";
    return;
  }
  const std::string gv = dir.write("graph.gv", r.out);
  const std::string svg = dir / "graph.svg";
  ASSERT_EQ(std::system(("dot -Tsvg '" + gv + "' -o '" + svg + "' 2>'" + (dir / "dot.err") + "'").c_str()), 0)
      << read(dir / "dot.err");
  EXPECT_EQ(read(dir / "dot.err"), "");
  const std::string out = read(svg);
  EXPECT_TRUE(has(out, "<svg")) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '<') > 0, true);
  EXPECT_TRUE(has(out, "<title>cluster_main</title>")) << out;
  EXPECT_TRUE(has(out, "<title>cluster_analytics</title>")) << out;
  size_t svgs = 0;
  for (size_t p = 0; (p = out.find("<svg", p)) != std::string::npos; ++p) ++svgs;
  EXPECT_EQ(svgs, 1u);
  // One database alone: its own digraph, as before.
  auto one = strata({"--db", "main", "graph", "--format", "dot"});
  EXPECT_EQ(one.out.rfind("digraph \"main\" {\n", 0), 0u) << one.out;
  EXPECT_FALSE(has(one.out, "subgraph")) << one.out;
}

TEST_F(Json, DotDrawsCrossDatabaseDependenciesBetweenClusters) {
  dir.write("migrations/analytics/d0d0d0d0d0d0_needs_users.sql",
            strata::test::revision_text("d0d0d0d0d0d0", "f7b9d1e3a5c6", "SELECT 1;", "SELECT 1;",
                                        "-- Depends On: main@3f1a9c2b7d10\n"));
  auto r = strata({"graph", "--format", "dot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "  \"analytics:d0d0d0d0d0d0\" -> \"main:3f1a9c2b7d10\" [style=dashed];\n")) << r.out;
  auto j = doc({"--db", "analytics", "graph", "--json"});
  bool found = false;
  for (auto& e : database(j, "analytics")["edges"])
    if (e["from"] == "d0d0d0d0d0d0" && e["to"] == "3f1a9c2b7d10")
      found = e["to_database"] == "main" && e["kind"] == "depends_on";
  EXPECT_TRUE(found) << j.dump(2);
}

TEST_F(Json, CurrentAtBaseSaysBase) {
  auto both = strata({"current"});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(both.out, "main: <base>\nanalytics: <base>\n");
  auto one = strata({"--db", "main", "current"});
  EXPECT_EQ(one.out, "<base>\n");
  auto verbose = strata({"--db", "main", "-v", "current"});
  EXPECT_TRUE(has(verbose.out, "Current revision(s) for sqlite:///" + dir.path() + "/var/main.db:\n<base>\n"))
      << verbose.out;
  ASSERT_EQ(strata({"--db", "main", "upgrade", "head"}).exit_code, 0);
  EXPECT_EQ(strata({"current"}).out, "main: 5d9b3e7a2f60 (head)\nanalytics: <base>\n");
}

// A --shard slice that holds one target of several still names its database.
TEST_F(Json, ShardSliceWithOneTargetKeepsThePrefix) {
  std::multiset<std::string> lines;
  for (int k = 1; k <= 4; ++k) {
    auto r = strata({"--shard", std::to_string(k) + "/4", "current"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);) lines.insert(l);
  }
  EXPECT_EQ(lines, (std::multiset<std::string>{"main: <base>", "analytics: <base>"}));
  // An environment with one URL: named too.
  std::ofstream(dir / "alembic.toml", std::ios::app)
      << "\n[environments.solo]\nmain = [\"sqlite:///var/solo.db\"]\n";
  auto env = strata({"--env", "solo", "current"});
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, "main: <base>\n");
  // One database chosen with --db: no prefix, as Alembic prints it.
  EXPECT_EQ(strata({"--db", "main", "--shard", "1/1", "current"}).out, "<base>\n");
}

TEST(Init, WritesGitignoreAndAWorkingProject) {
  TempDir dir;
  auto r = run_strata({"init"}, dir.path(), {"DATABASE_URL="});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "Creating directory migrations/main ...  done")) << r.out;
  EXPECT_TRUE(has(r.out, "Generating .gitignore ...  done")) << r.out;
  EXPECT_TRUE(fs::exists(dir / "migrations/main/README"));
  const std::string ignore = read(dir / ".gitignore");
  for (auto line : {"/var/*\n", "!/var/.gitignore\n", "*-strata.lock\n", ".strata_cache/\n", ".env\n"})
    EXPECT_TRUE(has(ignore, line)) << ignore;
  EXPECT_EQ(read(dir / "var/.gitignore"), "*\n!.gitignore\n");
  EXPECT_TRUE(has(read(dir / "alembic.toml"), "sqlite:///var/main.db")) << read(dir / "alembic.toml");
  ASSERT_EQ(run_strata({"revision", "-m", "first", "--rev-id", "f1f1f1f1f1f1"}, dir.path(), {"DATABASE_URL="}).exit_code, 0);
  auto up = run_strata({"upgrade", "head"}, dir.path(), {"DATABASE_URL="});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(sqlite_rows(dir / "var/main.db", "SELECT version_num FROM alembic_version"), Rows{"f1f1f1f1f1f1"});
}

TEST(Init, TemplateMultidbIsTheExamplesLayout) {
  TempDir dir;
  dir.write(".gitignore", "build/\n*-strata.lock");  // kept; only the missing lines are added
  const std::vector<std::string> env = {"DATABASE_URL=", "ANALYTICS_DATABASE_URL="};
  auto r = run_strata({"--json", "init", "--template", "multidb"}, dir.path(), env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = json::parse(r.out);
  EXPECT_EQ(j["command"], "init");
  EXPECT_EQ(j["template"], "multidb");
  EXPECT_EQ(j["config"], "alembic.toml");
  ASSERT_EQ(j["databases"].size(), 2u);
  EXPECT_EQ(j["databases"][0], json({{"database", "main"}, {"location", "migrations/main"}}));
  EXPECT_EQ(j["databases"][1], json({{"database", "analytics"}, {"location", "migrations/analytics"}}));
  auto files = j["files"].get<std::vector<std::string>>();
  for (auto f : {"migrations/main/README", "migrations/analytics/README", "alembic.toml", ".gitignore", "var/.gitignore"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), f), files.end()) << f << " in " << j.dump();
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  }
  EXPECT_EQ(read(dir / ".gitignore"),
            "build/\n*-strata.lock\n\n# strata: local SQLite databases (var/ itself is kept), run locks, the revision "
            "cache,\n# secrets (.env)\n/var/*\n!/var/.gitignore\n.strata_cache/\n.env\n");
  // The project works as the example does: both databases, then a revision each.
  auto up = run_strata({"upgrade", "head"}, dir.path(), env);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  auto cur = run_strata({"current"}, dir.path(), env);
  EXPECT_EQ(cur.out, "main: <base>\nanalytics: <base>\n");
  for (std::string db : {"main", "analytics"})
    ASSERT_EQ(run_strata({"--db", db, "revision", "-m", "first " + db}, dir.path(), env).exit_code, 0);
  auto up2 = run_strata({"upgrade", "head"}, dir.path(), env);
  ASSERT_EQ(up2.exit_code, 0) << up2.err;
  EXPECT_EQ(sqlite_rows(dir / "var/main.db", "SELECT count(*) FROM alembic_version"), Rows{"1"});
  EXPECT_EQ(sqlite_rows(dir / "var/analytics.db", "SELECT count(*) FROM alembic_version"), Rows{"1"});
  // Not twice, and no unknown template.
  auto again = run_strata({"init", "--template", "multidb"}, dir.path(), env);
  EXPECT_EQ(again.exit_code, 2);
  auto bad = run_strata({"init", "other", "--template", "nosuch"}, dir.path(), env);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(has(bad.err, "no template 'nosuch' (templates: generic, multidb)")) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "other"));
}
