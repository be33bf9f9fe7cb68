#!/usr/bin/env bash
# Installs what is missing, builds Strata, and runs the whole test suite
# twice: a normal build, then AddressSanitizer + UndefinedBehaviorSanitizer;
# then the multi-threaded parts again under ThreadSanitizer. Exits non-zero
# when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)

# Throwaway PostgreSQL and MariaDB servers on loopback, stopped (by pid)
# however this script ends.
servers_env=$(scripts/servers.sh start) || { echo "test.sh: could not start the test servers (see above)" >&2; exit 1; }
eval "$servers_env"
trap 'scripts/servers.sh stop "$STRATA_SERVERS_DIR"' EXIT
# A signal ends the script through exit, so the EXIT trap stops the servers.
trap 'exit 130' INT TERM HUP PIPE
echo "== servers: $(echo "$STRATA_TEST_PG_URL" | sed 's/:[^:@]*@/:***@/') $(echo "$STRATA_TEST_MYSQL_URL" | sed 's/:[^:@]*@/:***@/')"

run_suite() {  # run_suite BUILD_DIR [CMAKE ARGS...]
  local dir=$1; shift
  echo "== building in $dir ($*)"
  cmake -S . -B "$dir" -DSTRATA_BUILD_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== testing in $dir"
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 300)
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
# The sanitizers abort on the first report so a memory error fails the run.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The kill -9 trial's 20 kills per dialect ran in the normal build; a few
# under the sanitizers are enough to see memory errors on those paths.
(export STRATA_CRASH_TRIALS=${STRATA_CRASH_TRIALS_ASAN:-5}
 run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON)

# Threads: the loader's stat workers and parallel parsing, the runner's pool
# sharing one chain between targets, bodies read on demand. The revision
# cache is used from the second command on (STRATA_CACHE_SETTLE=0), so the
# cached paths run too. A race makes the binary that saw it fail.
echo "== building in build-tsan (ThreadSanitizer)"
cmake -S . -B build-tsan -DSTRATA_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE_THREAD=ON >/dev/null
tsan_tests=(script_test runner_test fanout_test cli_sqlite_test)
cmake --build build-tsan -j"$jobs" --target strata strata_plugins "${tsan_tests[@]}"
echo "== testing in build-tsan"
for t in "${tsan_tests[@]}"; do
  STRATA_CACHE_SETTLE=0 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "build-tsan/tests/$t" --gtest_brief=1
done

# Fuzzing (fuzz/README.md): every libFuzzer target for a bounded time on
# its seed corpus and saved regressions (7 targets x 20 s), clang build in
# build-fuzz; a crash or violated property fails the run.
scripts/fuzz.sh "${STRATA_FUZZ_SECONDS:-20}"
# Last: build the .deb packages, check them (Depends, lintian) and, as root,
# install them with dpkg -i and run the example from /usr/bin/strata (purged after).
echo "== packages (scripts/package-test.sh)"
env -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS scripts/package-test.sh
echo "== all tests passed (normal, ASan+UBSan and TSan builds, fuzzing, packages)"
