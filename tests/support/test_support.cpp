#include "test_support.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "strata/util/strings.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace strata::test {

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = fs::temp_directory_path() / ("strata-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p.string();
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& relative, const std::string& text) const {
  fs::path p = fs::path(path_) / relative;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::string source_dir() {
  return STRATA_TEST_SOURCE_DIR;
}

RunResult run_strata(const std::vector<std::string>& args, const std::string& cwd,
                     const std::vector<std::string>& env) {
  return run_strata_signalled(args, cwd, env, nullptr, 0);
}

RunResult run_strata_signalled(const std::vector<std::string>& args, const std::string& cwd,
                               const std::vector<std::string>& env, const std::function<bool(pid_t)>& ready,
                               int signal, double* seconds_to_exit) {
  const char* bin = STRATA_TEST_BIN;
  TempDir io;
  std::string out_path = io / "stdout", err_path = io / "stderr";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    bool overridden = false;
    for (auto& x : env)
      if (kv.substr(0, kv.find('=') + 1) == x.substr(0, x.find('=') + 1)) overridden = true;
    if (!overridden) env_strings.push_back(kv);
  }
  for (auto& x : env) env_strings.push_back(x);
  std::vector<char*> argv{const_cast<char*>(bin)};
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execve(bin, argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  if (ready) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool exited = false;
    while (!exited && !ready(pid) && std::chrono::steady_clock::now() < deadline) {
      exited = waitpid(pid, &status, WNOHANG) == pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
      const auto sent = std::chrono::steady_clock::now();
      kill(pid, signal);
      waitpid(pid, &status, 0);
      if (seconds_to_exit)
        *seconds_to_exit = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
    }
  } else {
    waitpid(pid, &status, 0);
  }
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = util::read_file(out_path);
  r.err = util::read_file(err_path);
  return r;
}

std::string test_plugin_dir() { return STRATA_TEST_PLUGIN_DIR; }
std::string build_plugin_dir() { return STRATA_TEST_BUILD_PLUGIN_DIR; }

std::vector<std::string> sqlite_rows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("sqlite_rows: " + msg + " in: " + sql);
  }
  std::vector<std::string> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      if (c) row += "|";
      auto* t = sqlite3_column_text(stmt, c);
      row += t ? reinterpret_cast<const char*>(t) : "NULL";
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::vector<std::string> sqlite_tables(const std::string& db_path) {
  auto t = sqlite_rows(db_path,
                       "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return t;
}

std::string revision_text(const std::string& id, const std::string& revises, const std::string& upgrade,
                          const std::string& downgrade, const std::string& extra_headers) {
  std::string s = "-- Revision ID: " + id + "\n-- Revises: " + revises +
                  "\n-- Create Date: 2026-11-26 10:00:00.000000\n-- Message: revision " + id + "\n" +
                  extra_headers + "\n-- +upgrade\n" + upgrade + "\n";
  if (downgrade != "<none>") s += "\n-- +downgrade\n" + downgrade + "\n";
  return s;
}

}  // namespace strata::test
