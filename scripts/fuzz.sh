#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan+UBSan) in build-fuzz/ and
# runs each for SECONDS (default 30) on a temporary copy of its seed corpus
# plus its saved regression inputs, so the repository is not modified.
# Exits non-zero naming the target and the saved input when a target
# crashes or violates a property. Installs nothing: scripts/deps.sh test
# installs clang and libclang-rt-14-dev.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
all_targets=(revision postgresql_splitter mysql_splitter sqlite_splitter config url target_grammar)
[ $# -gt 0 ] && targets=("$@") || targets=("${all_targets[@]}")
root=$(pwd)

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (scripts/deps.sh test installs it)" >&2; exit 1; }
done
echo "== building fuzz targets in build-fuzz (clang, libFuzzer, ASan+UBSan)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_BUILD_TESTS=OFF -DSTRATA_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target strata_fuzz_targets

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
# Crashing inputs are kept here (outside the repository) for the report.
crash_dir=${STRATA_FUZZ_ARTIFACTS:-$root/build-fuzz/artifacts}
mkdir -p "$crash_dir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
printf '%-22s %12s %10s  %s\n' target executions corpus result > "$work/summary"
for t in "${targets[@]}"; do
  bin=build-fuzz/bin/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz.sh: no fuzz target '$t' (have: ${all_targets[*]})" >&2; exit 2; }
  corpus=$work/corpus/$t
  mkdir -p "$corpus" "$crash_dir/$t"
  cp -r fuzz/corpus/"$t"/. "$corpus"/ 2>/dev/null || true
  [ -d fuzz/regressions/"$t" ] && cp -r fuzz/regressions/"$t"/. "$corpus"/ 2>/dev/null
  find "$corpus" -name '.*' -type f -delete
  echo "== fuzzing $t for ${seconds}s"
  log=$work/$t.log
  set +e
  (cd "$work" && "$root/$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 \
     -artifact_prefix="$crash_dir/$t/" "$corpus" >"$log" 2>&1)
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    printf '%-22s %12s %10s  %s\n' "$t" "${execs:-?}" "$size" ok >> "$work/summary"
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo "---- $t failed (exit $rc); the end of its log:" >&2
    grep -E 'property violated|ERROR: |SUMMARY: |^    #[0-9]+ .* in (strata|LLVMFuzzer|\(anonymous)' "$log" | head -30 >&2 || true
    tail -5 "$log" >&2
    printf '%-22s %12s %10s  %s\n' "$t" "${execs:-?}" "$size" "FAILED: ${artifact:-see log}" >> "$work/summary"
    failed+=("$t: ${artifact:-no input saved (exit $rc)}")
  fi
done
echo "== fuzz summary (${seconds}s per target)"
cat "$work/summary"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  echo "Keep each input as a regression: fuzz/regressions/<target>/<name> (see fuzz/README.md)." >&2
  exit 1
fi
