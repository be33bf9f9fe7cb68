#include "strata/scratch/interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata/scratch/scratch.hpp"
#include "strata/util/error.hpp"

namespace strata::scratch {
namespace {

constexpr auto kDropWait = std::chrono::seconds(3);  ///< longest wait for the drops before exiting

// The handler's only work: one byte down a pipe to the watcher (1: stop
// the command; 0: the guard ends).
std::atomic<int> g_write_fd{-1};
std::atomic<int> g_requests{0};

void wake(char byte) {
  const int fd = g_write_fd.load();
  if (fd < 0) return;
  ssize_t n;
  do n = write(fd, &byte, 1);
  while (n < 0 && errno == EINTR);
}

extern "C" void on_scratch_stop_signal(int) {
  if (g_requests.fetch_add(1) >= 1) _exit(static_cast<int>(ExitCode::Interrupted));
  wake(1);
}

// Files a command is writing that an interruption must not leave behind.
std::mutex g_files_mutex;
std::vector<std::string> g_files;

void say(int fd, const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = write(fd, text, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

[[noreturn]] void exit_interrupted() {
  // What the command would print from now on is failures the drops cause;
  // what it printed before is kept.
  std::fflush(stdout);
  const int err = dup(STDERR_FILENO);
  const int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
  }
  std::atomic<bool> dropped{false};
  std::thread([&dropped] {
    drop_live();
    dropped.store(true);
  }).detach();
  {
    std::lock_guard<std::mutex> lock(g_files_mutex);
    for (auto& f : g_files) unlink(f.c_str());
  }
  const auto deadline = std::chrono::steady_clock::now() + kDropWait;
  while (!dropped.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  say(err >= 0 ? err : STDERR_FILENO,
      dropped.load() ? "strata: interrupted: the scratch databases are dropped\n"
                     : "strata: interrupted: a scratch database may be left behind (a later run drops it a day on)\n");
  _exit(static_cast<int>(ExitCode::Interrupted));
}

struct Watcher {
  int read_fd = -1;
  std::thread thread;
  struct sigaction old_int {}, old_term {};
};
Watcher* g_watcher = nullptr;

}  // namespace

void remove_on_interrupt(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_files_mutex);
  g_files.push_back(path);
}

void keep_on_interrupt(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_files_mutex);
  g_files.erase(std::remove(g_files.begin(), g_files.end(), path), g_files.end());
}

void request_interrupt() {
  g_requests.fetch_add(1);
  wake(1);
}

InterruptGuard::InterruptGuard() {
  int fds[2];
  if (g_watcher || pipe2(fds, O_CLOEXEC) != 0) return;  // then signals keep their old effect
  g_requests.store(0);
  g_watcher = new Watcher;
  g_watcher->read_fd = fds[0];
  g_write_fd.store(fds[1]);
  g_watcher->thread = std::thread([fd = fds[0]] {
    char byte = 0;
    ssize_t n;
    do n = read(fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && byte == 1) exit_interrupted();
  });
  struct sigaction sa {};
  sa.sa_handler = on_scratch_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_watcher->old_int);
  sigaction(SIGTERM, &sa, &g_watcher->old_term);
}

InterruptGuard::~InterruptGuard() {
  if (!g_watcher) return;
  // The watcher reads one byte: a 1 already sent means it is exiting.
  if (g_requests.load() > 0)
    for (;;) pause();
  sigaction(SIGINT, &g_watcher->old_int, nullptr);
  sigaction(SIGTERM, &g_watcher->old_term, nullptr);
  wake(0);
  // A signal between the check and the restored handlers sent its 1 ahead
  // of this 0: the watcher is exiting, and the join does not return.
  g_watcher->thread.join();
  close(g_write_fd.exchange(-1));
  close(g_watcher->read_fd);
  delete g_watcher;
  g_watcher = nullptr;
}

}  // namespace strata::scratch
