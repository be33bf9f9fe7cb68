// The kill -9 trial: strata is killed at a random moment while it applies a
// multi-statement revision, then the test does what strata's own messages
// say (plain `upgrade head`, `--resume`, or for a statement in doubt,
// `--resume-after K` / `--resume-from K` after checking the database as the
// message asks). Whatever the kill point, the database must end at head
// with every statement's effect exactly once: no row doubled, none lost.
//
// Dialects: SQLite and PostgreSQL (one transaction per run: a kill leaves
// the database untouched), PostgreSQL with a `Transactional: false`
// revision whose CREATE INDEX CONCURRENTLY can be in doubt, and MariaDB
// (DDL commits implicitly: a kill during DDL leaves it in doubt; data
// statements commit with their progress update, so a kill during an INSERT
// never is). STRATA_CRASH_TRIALS sets the trials per dialect (default 20).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include "db_support.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using strata::test::admin_url;
using strata::test::connect;
using strata::test::run_strata;
using strata::test::TempDir;
using strata::test::with_database;

namespace {

constexpr int kRows = 150000;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int trials() {
  const char* env = std::getenv("STRATA_CRASH_TRIALS");
  return env && std::atoi(env) > 0 ? std::atoi(env) : 20;
}

class CrashTrial : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::vector<std::string> created;

  std::string mode() const { return GetParam(); }
  std::string dialect() const { return mode() == "postgresql-nontx" ? "postgresql" : mode(); }

  std::string fresh_db() {
    static std::atomic<int> counter{0};
    std::string name = "strata_k" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (dialect() == "sqlite") return "sqlite:///" + (dir / (name + ".db"));
    auto c = connect(admin_url(dialect()));
    c->execute("CREATE DATABASE " + name);
    created.push_back(name);
    return with_database(admin_url(dialect()), name);
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

  std::string scalar(const std::string& url, const std::string& sql) {
    auto rows = connect(url)->query_column(sql);
    return rows.empty() ? "" : rows[0];
  }

  // The revision the kill lands in: data, DDL, data, an index build over the
  // new rows, data. Its statements' effects are checked one by one.
  std::string rows_sql() const {
    const std::string n = std::to_string(kRows);
    if (dialect() == "sqlite")
      return "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + n +
             ") INSERT INTO t (v) SELECT i FROM s";
    if (dialect() == "postgresql") return "INSERT INTO t (v) SELECT generate_series(1, " + n + ")";
    return "INSERT INTO t (v) SELECT seq FROM seq_1_to_" + n;
  }
  std::string index_sql() const {
    return mode() == "postgresql-nontx" ? "CREATE INDEX CONCURRENTLY t_v ON t (v)" : "CREATE INDEX t_v ON t (v)";
  }

  void write_project() {
    dir.write("alembic.toml",
              "[alembic]\nversion_locations = [\"migrations/main\"]\n\n[databases.main]\nurl = \"${DATABASE_URL}\"\n");
    dir.write("migrations/main/1_t.sql",
              strata::test::revision_text("k1", "", "CREATE TABLE t (v INTEGER)", "DROP TABLE t"));
    dir.write("migrations/main/2_fill.sql",
              strata::test::revision_text(
                  "k2", "k1",
                  rows_sql() + ";\nCREATE TABLE u (x INTEGER);\nINSERT INTO u (x) VALUES (1);\n" + index_sql() +
                      ";\nINSERT INTO u (x) VALUES (2)",
                  "DROP TABLE u;\nDELETE FROM t",
                  mode() == "postgresql-nontx" ? "-- Transactional: false\n" : ""));
    dir.write("migrations/main/3_w.sql",
              strata::test::revision_text("k3", "k2", "CREATE TABLE w (x INTEGER)", "DROP TABLE w"));
  }

  bool table_exists(const std::string& url, const std::string& name) {
    return connect(url)->table_exists(nullptr, name);
  }

  // Did statement k of the revision take effect? What a person would check.
  // An index build killed half-way leaves an INVALID index on PostgreSQL:
  // it did not take effect, and what it left is dropped first.
  bool took_effect(const std::string& url, const std::string& rev, int k) {
    if (rev == "k1" && k == 1) return table_exists(url, "t");
    if (rev == "k3" && k == 1) return table_exists(url, "w");
    if (rev != "k2") {
      ADD_FAILURE() << "unexpected revision " << rev;
      return false;
    }
    switch (k) {
      case 2: return table_exists(url, "u");
      case 4: {
        if (dialect() == "postgresql") {
          auto valid = scalar(url, "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                   "WHERE c.relname = 't_v'");
          if (valid == "false") connect(url)->execute("DROP INDEX t_v");
          return valid == "true";
        }
        if (dialect() == "mysql")
          return scalar(url, "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
                             "AND table_name = 't' AND index_name = 't_v'") != "0";
        return scalar(url, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't_v'") != "0";
      }
      default:
        ADD_FAILURE() << "statement " << k << " cannot be in doubt: it commits with its progress update";
        return false;
    }
  }

  strata::test::RunResult strata(const std::vector<std::string>& args, const std::string& url) {
    std::vector<std::string> a = {"--db", "main"};
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--lock-timeout", "60"});
    return run_strata(a, dir.path(), {"DATABASE_URL=" + url});
  }

  pid_t spawn_upgrade(const std::string& url) {
    pid_t pid = fork();
    if (pid == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(126);
      setenv("DATABASE_URL", url.c_str(), 1);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      const char* bin = STRATA_TEST_BIN;
      execl(bin, bin, "-q", "--db", "main", "upgrade", "head", static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }
};

TEST_P(CrashTrial, KillNineAnywhereThenFollowingTheAdviceEndsAtHeadWithNothingDoubled) {
  write_project();
  // A run without a kill: how long the whole thing takes.
  auto calibrate = fresh_db();
  auto t0 = std::chrono::steady_clock::now();
  auto full = strata({"upgrade", "head"}, calibrate);
  const double whole = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(full.exit_code, 0) << full.out << full.err;
  ASSERT_EQ(scalar(calibrate, "SELECT COUNT(*) FROM t"), std::to_string(kRows));

  std::mt19937 rng(static_cast<unsigned>(std::random_device{}()));
  std::uniform_real_distribution<double> when(0.0, whole * 1.1);
  std::map<std::string, int> outcomes;
  const int n = trials();
  for (int trial = 0; trial < n; ++trial) {
    const double at = when(rng);
    SCOPED_TRACE("trial " + std::to_string(trial) + ", kill after " + std::to_string(at) + " s");
    auto url = fresh_db();
    pid_t pid = spawn_upgrade(url);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(at));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    // The applied log never claims more than the version table holds: every
    // row with outcome ok names a revision in the version row's closure
    // (the chain is k1 <- k2 <- k3, so "k<=version").
    {
      const std::string at = table_exists(url, "alembic_version")
                                 ? scalar(url, "SELECT version_num FROM alembic_version")
                                 : std::string();
      if (table_exists(url, "alembic_version_log"))
        for (auto& rev : connect(url)->query_column(
                 "SELECT revision FROM alembic_version_log WHERE outcome = 'ok' AND direction = 'upgrade'"))
          EXPECT_TRUE(!at.empty() && rev <= at) << "log row ok for " << rev << " but the version table holds '"
                                                << at << "'";
    }

    // Follow the advice until the database is at head.
    std::string outcome;
    std::string transcript;
    std::vector<std::string> next = {"upgrade", "head"};
    bool done = false;
    for (int round = 0; round < 4 && !done; ++round) {
      auto r = strata(next, url);
      transcript += "$ strata " + next[0] + " " + next[1] + (next.size() > 2 ? " " + next[2] : "") +
                    (next.size() > 3 ? " " + next[3] : "") + "\n" + r.out + r.err;
      if (r.exit_code == 0) {
        done = true;
        if (outcome.empty()) outcome = WIFSIGNALED(status) ? "untouched or rolled back" : "finished before the kill";
        break;
      }
      ASSERT_EQ(r.exit_code, 1) << transcript;
      std::smatch m;
      static const std::regex left(R"(left in the middle of the upgrade of revision (k\d))");
      ASSERT_TRUE(std::regex_search(r.err, m, left)) << transcript;
      const std::string rev = m[1];
      static const std::regex doubt(R"(statement (\d+) \([^)]*\) is in doubt)");
      if (std::regex_search(r.err, m, doubt)) {
        const int k = std::stoi(m[1]);
        const bool effect = took_effect(url, rev, k);
        outcome = "in doubt (" + rev + " statement " + std::to_string(k) +
                  (effect ? ", had taken effect)" : ", had not)");
        next = {"upgrade", "head", effect ? "--resume-after" : "--resume-from", std::to_string(k)};
      } else {
        // A statement that did not run, or every statement done and the
        // version write lost with the kill.
        ASSERT_TRUE(has(r.err, "did not. Nothing more runs") ||
                    has(r.err, "statements completed; the run ended before its version write committed"))
            << transcript;
        ASSERT_TRUE(has(r.err, "upgrade head --resume")) << transcript;
        if (outcome.empty()) outcome = "exact record, resumed";
        next = {"upgrade", "head", "--resume"};
      }
    }
    ASSERT_TRUE(done) << transcript;
    ++outcomes[outcome];
    // Every statement's effect exactly once.
    EXPECT_EQ(scalar(url, "SELECT version_num FROM alembic_version"), "k3") << transcript;
    EXPECT_EQ(scalar(url, "SELECT COUNT(*) FROM t"), std::to_string(kRows)) << transcript;
    EXPECT_EQ(scalar(url, "SELECT COUNT(*) FROM u"), "2") << transcript;
    EXPECT_EQ(scalar(url, "SELECT SUM(x) FROM u"), "3") << transcript;
    EXPECT_TRUE(took_effect(url, "k2", 4)) << "the index exists and is valid\n" << transcript;
    EXPECT_TRUE(table_exists(url, "w")) << transcript;
    // Once at head, the log holds exactly one successful upgrade of each
    // revision, with the checksum of the file as it is: verify is clean.
    for (const std::string rev : {"k1", "k2", "k3"})
      EXPECT_EQ(scalar(url, "SELECT COUNT(*) FROM alembic_version_log WHERE outcome = 'ok' AND revision = '" + rev +
                                "'"),
                "1")
          << rev << "\n" << transcript;
    auto verified = run_strata({"--db", "main", "verify"}, dir.path(), {"DATABASE_URL=" + url});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err << transcript;
    EXPECT_TRUE(!table_exists(url, "alembic_version_progress") ||
                connect(url)->query_column("SELECT revision FROM alembic_version_progress").empty())
        << transcript;
  }
  std::cout << "[ crash trial " << mode() << " ] " << n << " kills:";
  for (auto& [what, count] : outcomes) std::cout << " " << count << " " << what << ";";
  std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(Dialects, CrashTrial, ::testing::Values("sqlite", "postgresql", "postgresql-nontx", "mysql"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
