#include "strata/bridge/bridge.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#ifndef STRATA_INSTALL_DATA_DIR
#define STRATA_INSTALL_DATA_DIR "/usr/local/share/strata"
#endif

extern char** environ;

namespace strata::bridge {
namespace fs = std::filesystem;

BridgeError::BridgeError(const std::string& message, nlohmann::json error_)
    : std::runtime_error(message), error(std::move(error_)) {}

std::string python() {
  if (const char* p = std::getenv("STRATA_PYTHON"); p && *p) return p;
  return "/usr/bin/python3";
}

std::string script_path() {
  if (const char* p = std::getenv("STRATA_BRIDGE"); p && *p) {
    if (!fs::is_regular_file(p)) throw BridgeError(std::string("STRATA_BRIDGE=") + p + ": no such file");
    return p;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  if (auto exe = fs::read_symlink("/proc/self/exe", ec); !ec)
    candidates.push_back(exe.parent_path() / ".." / "share" / "strata" / "strata_bridge.py");
  candidates.push_back(fs::path(STRATA_INSTALL_DATA_DIR) / "strata_bridge.py");
  for (auto& c : candidates)
    if (fs::is_regular_file(c, ec)) return fs::weakly_canonical(c, ec).string();
  std::string where;
  for (auto& c : candidates) where += (where.empty() ? "" : ", ") + c.lexically_normal().string();
  throw BridgeError("strata_bridge.py not found (looked in " + where + "; STRATA_BRIDGE names it)");
}

namespace {

// A private temporary folder, removed with what is in it.
struct TempDir {
  std::string path;
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/strata-bridge-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data()))
      throw BridgeError("cannot create a temporary folder in " + pattern.substr(0, pattern.rfind('/')) + ": " +
                        std::strerror(errno));
    path = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail_lines(const std::string& text, size_t lines) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' ')) --end;
  size_t pos = end;
  for (size_t n = 0; n < lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
  }
  std::string out = text.substr(pos, end - pos);
  if (!out.empty() && out[0] == '\n') out.erase(0, 1);
  if (out.size() > 4000) out = "..." + out.substr(out.size() - 4000);
  return out;
}

volatile sig_atomic_t g_interrupted = 0;
volatile sig_atomic_t g_child = 0;  ///< the running child's pid, 0 when none
// The child is stopped from the handler itself: the signal may be delivered
// to another thread than the one in waitpid, which then sees no EINTR.
extern "C" void on_interrupt(int) {
  g_interrupted = 1;
  if (g_child > 0) kill(static_cast<pid_t>(g_child), SIGTERM);
}

// SIGINT/SIGTERM handlers for the time a child runs; the old ones come back.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

}  // namespace

nlohmann::json call(const std::string& command, const nlohmann::json& request, std::string* output_tail) {
  const std::string script = script_path();
  const std::string py = python();
  if (access(py.c_str(), X_OK) != 0)
    throw BridgeError(py + " not found: this command runs Alembic, which needs Python 3 " +
                      "(Debian: apt-get install python3-alembic; STRATA_PYTHON names another interpreter)");
  TempDir tmp;
  const std::string req = tmp.path + "/request.json", resp = tmp.path + "/response.json",
                    log = tmp.path + "/output.log";
  {
    std::ofstream out(req, std::ios::binary);
    out << request.dump();
    if (!out) throw BridgeError("cannot write " + req);
  }
  std::vector<std::string> args = {py, script, command, "--request", req, "--response", resp};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Python randomises string hashing per process, and Alembic's batch mode
  // iterates sets of constraints: a fixed seed makes the same project give
  // the same SQL on every import (so a re-import can tell what changed).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "PYTHONHASHSEED=", 15) != 0) env_strings.emplace_back(*e);
  env_strings.emplace_back("PYTHONHASHSEED=0");
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  InterruptScope interrupts;
  pid_t pid = 0;
  int rc = posix_spawn(&pid, py.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw BridgeError("cannot run " + py + ": " + std::strerror(rc));
  g_child = static_cast<sig_atomic_t>(pid);
  if (g_interrupted) kill(pid, SIGTERM);  // the signal came before g_child was set
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      g_child = 0;
      throw BridgeError(std::string("waiting for the Python bridge: ") + std::strerror(errno));
    }
  }
  g_child = 0;
  if (g_interrupted) throw Interrupted("interrupted");

  const std::string output = read_file(log);
  if (output_tail) *output_tail = tail_lines(output, 20);
  nlohmann::json answer;
  bool answered = false;
  if (fs::exists(resp)) {
    answer = nlohmann::json::parse(read_file(resp), nullptr, false);
    answered = !answer.is_discarded() && answer.is_object();
  }
  if (!answered) {
    std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exited with status " + std::to_string(WEXITSTATUS(status));
    std::string tail = tail_lines(output, 12);
    throw BridgeError("the Python bridge (" + script + ") " + how + " without an answer" +
                      (tail.empty() ? "" : ":\n" + tail));
  }
  if (!answer.value("ok", false)) {
    nlohmann::json error = answer.value("error", nlohmann::json::object());
    throw BridgeError(error.value("message", std::string("the Python bridge failed")), error);
  }
  return answer;
}

}  // namespace strata::bridge
