// Issue 10, parts 3 and 5, on SQLite: input that used to change silently
// what runs (a NUL byte, bytes that are not UTF-8, an unterminated comment
// or quote, a misspelt dialect section, URL parameters ignored) and a
// revision of very many statements. Through the plugin itself and through
// the built strata binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "strata/config/url.hpp"
#include "strata/dialect/dialect.hpp"
#include "strata/runner/runner.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace strata;
using strata::test::run_strata;
using strata::test::sqlite_rows;
using strata::test::sqlite_tables;
using strata::test::TempDir;
using Rows = std::vector<std::string>;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class SqlitePlugin : public ::testing::Test {
 protected:
  TempDir dir;
  dialect::PluginRegistry registry{{test::build_plugin_dir()}};
  const dialect::Plugin* plugin = &registry.get("sqlite");

  std::unique_ptr<dialect::Connection> connect(const std::string& url) {
    return std::make_unique<dialect::Connection>(*plugin, runner::connect_options(config::parse_url(url, dir.path())));
  }
  // The DialectError connecting to `url` raises (a test failure if none).
  std::string connect_error(const std::string& url) {
    try {
      connect(url);
      ADD_FAILURE() << "connected to " << url;
    } catch (const dialect::DialectError& e) {
      return e.what();
    }
    return "";
  }
};

// A project: alembic.toml for one SQLite database (URL `url`) whose
// revisions are in versions/.
class SqliteProject : public ::testing::Test {
 protected:
  TempDir dir;
  void config(const std::string& url = "sqlite:///app.db") {
    dir.write("alembic.toml", "[alembic]\nversion_locations = [\"versions\"]\n\n[databases.versions]\nurl = \"" + url +
                                  "\"\n");
  }
  void SetUp() override {
    fs::create_directories(dir / "versions");
    config();
  }
  std::string revision(const std::string& id, const std::string& body, const std::string& revises = "") {
    return dir.write("versions/" + id + ".sql",
                     "-- Revision ID: " + id + "\n-- Revises: " + revises + "\n-- Message: m\n\n" + body);
  }
  test::RunResult strata(const std::vector<std::string>& args) {
    return run_strata(args, dir.path(), {"STRATA_NO_CACHE=1"});
  }
  std::string db() { return dir / "app.db"; }
};

}  // namespace

// ------------------------------------------------------------ the plugin

TEST_F(SqlitePlugin, UnterminatedConstructsAndNulRunNothing) {
  struct Case {
    std::string sql, message, at;
  } cases[] = {
      {"CREATE TABLE a (x INTEGER);\n/* the rest:\nCREATE TABLE b (x INTEGER);\n", "unterminated /* comment", "/*"},
      {"CREATE TABLE a (x INTEGER);\nSELECT 'open;\nCREATE TABLE b (x INTEGER);\n", "unterminated quoted string",
       "'open"},
      {"CREATE TABLE a (x INTEGER);\nSELECT [open;\nCREATE TABLE b (x INTEGER);\n", "unterminated quoted identifier",
       "[open"},
      // A NUL made the old prepare loop spin for ever (the parser stopped at
      // it and returned no statement and no progress).
      {std::string("CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);") + '\0' + "\nCREATE TABLE b (x INTEGER);\n",
       "NUL byte (0x00) in the SQL", std::string(1, '\0')},
  };
  auto c = connect("sqlite:///t.db");
  for (auto& k : cases) {
    const auto at = static_cast<int64_t>(k.sql.find(k.at));
    for (bool single : {false, true}) {
      try {
        c->execute(k.sql, single);
        ADD_FAILURE() << "execute accepted: " << k.sql;
      } catch (const dialect::DialectError& e) {
        EXPECT_EQ(e.status, STRATA_ERROR);
        EXPECT_EQ(std::string(e.what()), k.message);
        EXPECT_EQ(e.statement_offset, at) << k.sql;
        EXPECT_EQ(e.statements_completed, 0);
      }
    }
    try {
      plugin->split(k.sql);
      ADD_FAILURE() << "split accepted: " << k.sql;
    } catch (const dialect::DialectError& e) {
      EXPECT_EQ(std::string(e.what()), k.message);
      EXPECT_EQ(e.statement_offset, at) << k.sql;
    }
    // Nothing ran, not even what came before (autocommit here).
    EXPECT_EQ(sqlite_tables(dir / "t.db"), Rows{}) << k.sql;
  }
  c->execute("CREATE TABLE a (x INTEGER); /* closed */ INSERT INTO a VALUES (';'); -- a last comment");
  EXPECT_EQ(sqlite_rows(dir / "t.db", "SELECT x FROM a"), Rows{";"});
}

TEST_F(SqlitePlugin, ExecuteAndSplitAgreeOnTriggersAndErrorOffsets) {
  auto c = connect("sqlite:///t.db");
  const std::string sql =
      "CREATE TABLE t (x INTEGER);\nCREATE TABLE log (x INTEGER);\n"
      "CREATE TRIGGER trg AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (new.x);\n  INSERT INTO log VALUES (-1);\nEND;\n"
      "INSERT INTO t VALUES (7);\n";
  auto ranges = plugin->split(sql);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(sql.substr(ranges[2].offset, 3), "CRE");
  EXPECT_EQ(sql.substr(ranges[2].offset + ranges[2].length - 3, 3), "END");
  auto res = c->execute(sql);
  EXPECT_EQ(res.statements_completed, 4);
  EXPECT_EQ(sqlite_rows(dir / "t.db", "SELECT x FROM log ORDER BY x"), (Rows{"-1", "7"}));
  // A failing statement is located at its start.
  const std::string bad = "INSERT INTO t VALUES (1);\nINSERT INTO nope VALUES (2);\n";
  try {
    c->execute(bad);
    ADD_FAILURE() << "no error";
  } catch (const dialect::DialectError& e) {
    EXPECT_EQ(std::string(e.what()), "no such table: nope");
    EXPECT_EQ(e.statement_offset, static_cast<int64_t>(bad.find("INSERT INTO nope")));
    EXPECT_EQ(e.statements_completed, 1);
  }
}

TEST_F(SqlitePlugin, UriParameters) {
  // Unknown keys are refused by name, with the supported ones listed.
  std::string msg = connect_error("sqlite:///x.db?mode=ro&bogus=1");
  EXPECT_TRUE(has(msg, "unknown query parameter 'bogus' (the sqlite dialect supports: mode (ro, rw, rwc, memory), "
                       "cache (shared, private), vfs, nolock, immutable, psow, uri, timeout, isolation_level"))
      << msg;
  EXPECT_FALSE(fs::exists(dir / "x.db"));
  EXPECT_TRUE(has(connect_error("sqlite:///x.db?mode=readonly"), "mode='readonly' is not valid: expected ro, rw, rwc or memory"));
  EXPECT_TRUE(has(connect_error("sqlite:///x.db?timeout=soon"), "timeout='soon' is not valid"));
  EXPECT_TRUE(has(connect_error("sqlite:///x.db?vfs=nosuchvfs"), "vfs='nosuchvfs': SQLite has no such VFS"));
  EXPECT_TRUE(has(connect_error("sqlite:///x.db?isolation_level=DEFERRED"), "isolation_level='DEFERRED' is not supported"));
  // mode=rw does not create the file; mode=ro of a missing file fails.
  EXPECT_TRUE(has(connect_error("sqlite:///x.db?mode=rw"), "unable to open database file"));
  EXPECT_FALSE(fs::exists(dir / "x.db"));

  {
    auto w = connect("sqlite:///x.db");
    w->execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
  }
  const std::string before = file_bytes(dir / "x.db");
  // mode=ro really is read-only: reads work, writes fail with SQLite's own
  // error, and the file is untouched (no lock file beside it either).
  auto ro = connect("sqlite:///x.db?mode=ro");
  EXPECT_EQ(ro->query_column("SELECT x FROM t"), Rows{"1"});
  try {
    ro->execute("INSERT INTO t VALUES (2)");
    ADD_FAILURE() << "wrote through mode=ro";
  } catch (const dialect::DialectError& e) {
    EXPECT_TRUE(has(e.what(), "attempt to write a readonly database")) << e.what();
  }
  ro->lock("alembic_version", 1);
  ro.reset();
  EXPECT_EQ(file_bytes(dir / "x.db"), before);
  EXPECT_FALSE(fs::exists(dir / "x.db-strata.lock"));

  // SQLAlchemy's own spellings are accepted: the driver's parameters, and
  // uri=true with the database part written as a "file:" URI (relative to
  // the configuration's folder, as other paths are).
  auto alchemy = connect("sqlite:///file:x.db?mode=ro&uri=true&check_same_thread=false&timeout=2.5&cache=private"
                         "&nolock=1&detect_types=0&cached_statements=100");
  EXPECT_EQ(alchemy->query_column("SELECT x FROM t"), Rows{"1"});
  EXPECT_THROW(alchemy->execute("DELETE FROM t"), dialect::DialectError);
  auto immutable = connect("sqlite:///x.db?immutable=1");
  EXPECT_THROW(immutable->execute("DELETE FROM t"), dialect::DialectError);
  auto exclusive = connect("sqlite:///x.db?isolation_level=EXCLUSIVE&mode=rw");
  exclusive->begin();
  exclusive->execute("INSERT INTO t VALUES (3)");
  exclusive->commit();
  EXPECT_EQ(sqlite_rows(dir / "x.db", "SELECT count(*) FROM t"), Rows{"2"});
  // A path with URI-special characters is still just a path.
  auto odd = connect("sqlite:///odd%3Fname%25.db");
  odd->execute("CREATE TABLE t (x INTEGER)");
  EXPECT_TRUE(fs::exists(dir / "odd?name%.db"));
}

// ----------------------------------------------------- the strata binary

TEST_F(SqliteProject, NulOrInvalidUtf8InARevisionIsAFileLineErrorAndNothingRuns) {
  const std::string good = revision("a1", "-- +upgrade\nCREATE TABLE a (x INTEGER);\n");
  const std::string nul =
      revision("b2", std::string("-- +upgrade\nCREATE TABLE b (x INTEGER);\nINSERT INTO b VALUES (1);") + '\0' +
                         "\nCREATE TABLE c (x INTEGER);\n",
               "a1");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "strata: error: " + nul + ":7: NUL byte (0x00) at column 26: a revision file must be UTF-8 text "
                   "without NUL bytes\n");
  EXPECT_FALSE(fs::exists(db()));

  revision("b2", "-- +upgrade\nINSERT INTO a VALUES ('caf\xE9');\n", "a1");
  r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "b2.sql:6: invalid UTF-8 at column 27 (byte 0xE9)")) << r.err;
  EXPECT_FALSE(fs::exists(db()));
  (void)good;
}

TEST_F(SqliteProject, ALeadingBomIsAccepted) {
  dir.write("versions/a1.sql", "\xEF\xBB\xBF-- Revision ID: a1\n-- Revises:\n\n-- +upgrade\nCREATE TABLE a (x INTEGER);\n"
                               "SELECT * FROM nope;\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 1);
  // Line numbers are the file's: the BOM shifts nothing.
  EXPECT_TRUE(has(r.err, dir / "versions/a1.sql" + ":6: no such table: nope")) << r.err;
  dir.write("versions/a1.sql", "\xEF\xBB\xBF-- Revision ID: a1\n-- Revises:\n\n-- +upgrade\nCREATE TABLE a (x INTEGER);\n");
  r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sqlite_rows(db(), "SELECT version_num FROM alembic_version"), Rows{"a1"});
}

TEST_F(SqliteProject, AMisspeltDialectSectionIsAnError) {
  const std::string path =
      revision("a1", "-- +upgrade\nCREATE TABLE plain (x INTEGER);\n\n-- +upgrade sqlit\nCREATE TABLE lite (x INTEGER);\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "strata: error: " + path +
                       ":8: unknown dialect 'sqlit' in section marker; did you mean 'sqlite'? (known: sqlite, "
                       "postgresql (or postgres, pgsql), mysql (or mariadb))\n");
  EXPECT_FALSE(fs::exists(db()));
}

// The revision used to be recorded as applied with its SQL after the comment
// never run. Now the run fails naming the file and the line where the
// comment starts, and nothing is applied.
TEST_F(SqliteProject, AnUnterminatedCommentOrQuoteRunsNothing) {
  for (std::string transactional : {"", "-- Transactional: false\n"}) {
    fs::remove(db());
    const std::string path = dir.write(
        "versions/a1.sql", "-- Revision ID: a1\n-- Revises:\n" + transactional +
                               "\n-- +upgrade\nCREATE TABLE a (x INTEGER);\n/* the rest:\nCREATE TABLE b (x INTEGER);\n");
    const int line = transactional.empty() ? 6 : 7;
    auto r = strata({"upgrade", "head"});
    // 2: the runner splits every section of the plan before anything runs.
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(has(r.err, path + ":" + std::to_string(line) + ": ")) << r.err;
    EXPECT_TRUE(has(r.err, "unterminated /* comment")) << r.err;
    EXPECT_FALSE(has(r.out, "upgraded")) << r.out;
    if (fs::exists(db())) {
      EXPECT_EQ(sqlite_rows(db(), "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')"), Rows{"0"});
      if (!sqlite_rows(db(), "SELECT name FROM sqlite_master WHERE name = 'alembic_version'").empty())
        EXPECT_EQ(sqlite_rows(db(), "SELECT count(*) FROM alembic_version"), Rows{"0"});
    }
  }
  const std::string path = dir.write("versions/a1.sql", "-- Revision ID: a1\n-- Revises:\n\n-- +upgrade\n"
                                                        "CREATE TABLE a (x TEXT);\nINSERT INTO a VALUES ('open);\n");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, path + ":6: ")) << r.err;
  EXPECT_TRUE(has(r.err, "unterminated quoted string")) << r.err;
}

TEST_F(SqliteProject, ReadOnlyUrlFailsTheUpgradeAndWritesNothing) {
  revision("a1", "-- +upgrade\nCREATE TABLE a (x INTEGER);\n");
  ASSERT_EQ(strata({"upgrade", "head"}).exit_code, 0);
  revision("b2", "-- +upgrade\nCREATE TABLE b (x INTEGER);\n", "a1");
  const std::string before = file_bytes(db());
  fs::remove(db() + "-strata.lock");
  config("sqlite:///app.db?mode=ro");
  auto r = strata({"upgrade", "head"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(has(r.err, "attempt to write a readonly database")) << r.err;
  EXPECT_EQ(file_bytes(db()), before);
  EXPECT_FALSE(fs::exists(db() + "-strata.lock"));
  auto current = strata({"current"});
  EXPECT_EQ(current.exit_code, 0) << current.err;
  EXPECT_TRUE(has(current.out, "a1")) << current.out;

  config("sqlite:///app.db?mode=ro&bogus=1");
  r = strata({"current"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(has(r.err, "unknown query parameter 'bogus' (the sqlite dialect supports: mode")) << r.err;
}

// Part 5: statements per revision cost linear time (the figures are in
// bench/run.sh statements; this only checks that such a revision runs).
TEST_F(SqliteProject, ARevisionOfOneHundredThousandStatementsRuns) {
  std::string body = "-- +upgrade\nCREATE TABLE d (id INTEGER PRIMARY KEY, v TEXT);\n";
  body.reserve(6'000'000);
  for (int i = 0; i < 100000; ++i)
    body += "INSERT INTO d (id, v) VALUES (" + std::to_string(i) + ", 'row; ''" + std::to_string(i) + "''');\n";
  revision("a1", body + "\n-- +downgrade\nDROP TABLE d;\n");
  auto r = strata({"upgrade", "head"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sqlite_rows(db(), "SELECT count(*), max(id), min(v) FROM d"), Rows{"100000|99999|row; '0'"});
  EXPECT_EQ(sqlite_rows(db(), "SELECT version_num FROM alembic_version"), Rows{"a1"});
}
