// Runs a command several times and prints its best wall time and its peak
// memory, measured from spawn to exit with nothing in between (no shell, no
// /usr/bin/time): the figures are the command's own.
//
//   strata_timeit RUNS DIR CMD [ARGS...]     (runs CMD in DIR, output discarded)
//   prints: best_ms=<min wall ms> median_ms=<median> peak_mb=<max RSS of all runs>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s RUNS DIR CMD [ARGS...]\n", argv[0]);
    return 2;
  }
  const int runs = std::atoi(argv[1]);
  if (chdir(argv[2]) != 0) {
    std::perror(argv[2]);
    return 2;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<double> ms;
  long peak_kb = 0;
  for (int r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid;
    if (posix_spawnp(&pid, argv[3], &actions, nullptr, argv + 3, environ) != 0) {
      std::perror(argv[3]);
      return 2;
    }
    int status = 0;
    struct rusage ru {};
    wait4(pid, &status, 0, &ru);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "%s exited with status %d\n", argv[3], status);
      return 1;
    }
    peak_kb = std::max(peak_kb, ru.ru_maxrss);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("best_ms=%.1f median_ms=%.1f peak_mb=%.1f\n", ms.front(), ms[ms.size() / 2], peak_kb / 1024.0);
  return 0;
}
