// Loads one version location and runs one planner operation, printing wall
// time per phase and the process's peak RSS. One operation per process, so
// peak memory is that operation's (bench/run.sh runs each mode separately).
//
//   strata_planner_bench MODE LOCATION
//   MODE: heads | history | upgrade | downgrade | current
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "strata/planner/graph.hpp"
#include "strata/script/revision.hpp"

using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s heads|history|upgrade|downgrade|current LOCATION\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  auto t0 = Clock::now();
  auto dir = strata::script::load_script_directory(argv[2]);
  double parse_ms = ms_since(t0);
  auto t1 = Clock::now();
  strata::planner::RevisionGraph g(dir);
  double graph_ms = ms_since(t1);
  auto t2 = Clock::now();
  size_t result = 0;
  if (mode == "heads") {
    result = g.heads().size();
  } else if (mode == "history") {
    result = g.walk("", "").size();
  } else if (mode == "upgrade") {
    result = g.plan_upgrade({}, "heads", "bench").steps.size();
  } else if (mode == "downgrade") {
    std::vector<std::string> rows;
    for (auto h : g.heads()) rows.push_back(g.id(h));
    result = g.plan_downgrade(rows, "base", "bench").steps.size();
  } else if (mode == "current") {
    std::vector<std::string> rows;
    for (auto h : g.heads()) rows.push_back(g.id(h));
    result = g.current_tips(rows, "bench").size() + g.plan_upgrade(rows, "heads", "bench").steps.size();
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  double op_ms = ms_since(t2);
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("revisions=%zu cached=%zu parse_ms=%.1f graph_ms=%.1f op_ms=%.1f total_ms=%.1f peak_mb=%.1f result=%zu\n",
              g.size(), dir.from_cache, parse_ms, graph_ms, op_ms, ms_since(t0), ru.ru_maxrss / 1024.0, result);
  return 0;
}
