#pragma once
// Helpers shared by Strata's tests: temporary folders, files, running the
// strata binary, reading SQLite databases with the sqlite3 C API.
#include <gtest/gtest.h>

#include <sys/types.h>

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "strata/util/error.hpp"

namespace strata::test {

/// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// Writes `text` to path()/relative (creating folders); returns the full path.
  std::string write(const std::string& relative, const std::string& text) const;
  std::string operator/(const std::string& relative) const { return path_ + "/" + relative; }

 private:
  std::string path_;
};

/// Result of running a command.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the built strata binary with `args` in folder `cwd`,
/// with extra environment "K=V" entries. Captures stdout and stderr.
RunResult run_strata(const std::vector<std::string>& args, const std::string& cwd,
                     const std::vector<std::string>& env = {});

/// As run_strata, and sends `signal` to the process once `ready(pid)` holds
/// (polled; at most 60 seconds). `seconds_to_exit` (may be null) receives
/// the time from the signal to the process's exit. The process exiting
/// before that: no signal, its own result.
RunResult run_strata_signalled(const std::vector<std::string>& args, const std::string& cwd,
                               const std::vector<std::string>& env, const std::function<bool(pid_t)>& ready,
                               int signal, double* seconds_to_exit = nullptr);

/// Runs `sql` on the SQLite file and returns every row, columns joined by '|'.
std::vector<std::string> sqlite_rows(const std::string& db_path, const std::string& sql);
/// Names of the user tables in the SQLite file, sorted.
std::vector<std::string> sqlite_tables(const std::string& db_path);

/// A minimal revision file text.
std::string revision_text(const std::string& id, const std::string& revises,
                          const std::string& upgrade, const std::string& downgrade,
                          const std::string& extra_headers = "");

/// The message of the UserError `f` throws; a test failure (and "") when it
/// throws nothing or something else.
template <class F>
std::string user_error(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected UserError, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected UserError, nothing was thrown";
  return {};
}

/// EXPECT_TRUE(Contains(text, part)) prints both on failure.
inline ::testing::AssertionResult Contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << haystack << "' does not contain '" << needle << "'";
}

inline ::testing::AssertionResult NotContains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) == std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << haystack << "' unexpectedly contains '" << needle << "'";
}

/// The repository's source folder.
std::string source_dir();
/// Folder of the fake and broken test plugins.
std::string test_plugin_dir();
/// Folder of the real plugins in the build tree.
std::string build_plugin_dir();
}  // namespace strata::test
