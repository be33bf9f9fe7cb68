#!/usr/bin/env bash
# Strata's benchmarks, one command: builds Release, generates revision
# chains, and prints tables of wall time and peak memory with Alembic (Debian's
# python3-alembic) doing the same work beside Strata.
#
#   bench/run.sh [planner] [e2e] [statements]   (default: all three)
#   BENCH_SIZES="1000 10000 100000"   chain sizes for the planner table
#   BENCH_ALEMBIC_MAX=10000           largest size Alembic is asked to do
#   BENCH_ALEMBIC_TIMEOUT=180         seconds before an Alembic run is abandoned
#   BENCH_STATEMENTS="50000 100000 200000"   statements in one revision (statements table)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
what=${*:-planner e2e statements}
sizes=${BENCH_SIZES:-1000 10000 100000}
alembic_max=${BENCH_ALEMBIC_MAX:-10000}
alembic_timeout=${BENCH_ALEMBIC_TIMEOUT:-180}
PY=/usr/bin/python3   # Debian's python, where python3-alembic lives

scripts/deps.sh build
if ! $PY -c "import alembic" 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-alembic alembic >/dev/null
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target strata strata_plugins strata_planner_bench strata_timeit >/dev/null
bench_bin=$root/build-bench/bin/strata_planner_bench
timeit_bin=$root/build-bench/bin/strata_timeit
strata_bin=$root/build-bench/bin/strata

# tmpfs when there is one: file-system noise out of the figures.
work=$(mktemp -d "${BENCH_DIR:-/dev/shm}/strata-bench.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
# Python tools here run with PYTHONDONTWRITEBYTECODE=1, which makes Alembic
# recompile every revision file on each run; measure it as users run it.
clean_env() { env -u PYTHONDONTWRITEBYTECODE -u PYTHONPATH -u PYTHONHOME "$@"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# strata OP on a generated project: wall ms (best of 10) and peak MB,
# measured by strata_timeit from spawn to exit. "heads-cold" runs without the
# revision cache (STRATA_NO_CACHE=1): every file is opened and parsed, as on
# the first run after a checkout.
strata_op() {  # strata_op DIR OP
  local dir=$1 op=$2 args env=()
  case $op in
    heads) args=(heads) ;;
    heads-cold) args=(heads); env=(STRATA_NO_CACHE=1) ;;
    history) args=(history) ;;
    upgrade) args=(upgrade base:heads --sql) ;;
    downgrade) args=(downgrade heads:base --sql) ;;
    current) args=(current) ;;
  esac
  local r
  r=$(env "${env[@]}" "$timeit_bin" 10 "$dir/strata" "$strata_bin" "${args[@]}")
  echo "$(echo "$r" | field best_ms) $(echo "$r" | field peak_mb)"
}

alembic_op() {  # alembic_op DIR OP -> "ms mb" (best of 3), or "" on timeout
  local dir=$1 op=$2 best="" r
  for _ in 1 2 3; do
    r=$(clean_env timeout "$alembic_timeout" $PY bench/alembic_bench.py "$op" "$dir" 2>/dev/null) || return 0
    ms=$(echo "$r" | field total_ms)
    if [ -z "$best" ] || awk -v a="$ms" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$ms; fi
    mb=$(echo "$r" | field peak_mb)
    [ "$op" = downgrade ] && [ "${ms%.*}" -gt 20000 ] && break  # once is enough when it is this slow
  done
  echo "$best $mb"
}

if [[ " $what " == *" planner "* ]]; then
  echo
  echo "Planner and loading (wall ms / peak MB): strata = whole process, best of 10; alembic = its command"
  echo "function in-process (no Python start-up), best of 3. upgrade/downgrade are --sql (plan + render)."
  printf '%-8s %-8s %-10s %22s %22s %10s\n' revs shape op strata alembic speedup
  for n in $sizes; do
    for shape in linear branchy; do
      dir=$work/$shape-$n
      $PY bench/gen_chain.py "$n" "$shape" "$dir"
      # Files written less than 3 s ago are not cached yet (see
      # src/script/cache.hpp); a checkout users work in is older than that.
      sleep 3
      (cd "$dir/strata" && "$strata_bin" -q stamp heads >/dev/null)
      # Creating .strata_cache changed the folder's own mtime: once that is
      # 3 s old too, the folder need not be listed any more (as in a working
      # copy in use; the first runs after a change list it).
      sleep 3
      (cd "$dir/strata" && "$strata_bin" heads >/dev/null)
      if [ "$n" -le "$alembic_max" ]; then
        # Alembic's first run compiles the revision files; time warm runs, as users see.
        clean_env timeout "$alembic_timeout" $PY bench/alembic_bench.py heads "$dir" >/dev/null 2>&1 || true
        clean_env timeout "$alembic_timeout" $PY bench/alembic_bench.py stamp "$dir" >/dev/null 2>&1 || true
      fi
      for op in heads heads-cold history upgrade downgrade current; do
        read -r s_ms s_mb < <(strata_op "$dir" "$op")
        a_cell="-"; speed="-"
        if [ "$n" -le "$alembic_max" ]; then
          a=$(alembic_op "$dir" "${op%-cold}")
          if [ -n "$a" ]; then
            read -r a_ms a_mb <<<"$a"
            a_cell="$a_ms ms / $a_mb MB"
            speed=$(awk -v a="$a_ms" -v s="$s_ms" 'BEGIN { printf "%.0fx", a / (s > 0.05 ? s : 0.05) }')
          else
            a_cell=">${alembic_timeout} s"
          fi
        fi
        printf '%-8s %-8s %-10s %22s %22s %10s\n' "$n" "$shape" "$op" "$s_ms ms / $s_mb MB" "$a_cell" "$speed"
      done
      if [ "$n" -le "$alembic_max" ] && [ "$shape" = linear ]; then
        # The same as users run it: `alembic heads` is a Python process too.
        a=$(clean_env "$timeit_bin" 3 "$dir" $PY -m alembic -c alembic.ini heads | field best_ms)
        s=$("$timeit_bin" 10 "$dir/strata" "$strata_bin" heads | field best_ms)
        echo "         (as commands: strata heads $s ms, python3 -m alembic heads $a ms: $(awk -v a="$a" -v s="$s" 'BEGIN { printf "%.0fx", a / s }'))"
      fi
      # The planner library alone (no process start, no output).
      lib=$($bench_bin upgrade "$dir/strata/versions")
      echo "         (library: parse $(echo "$lib" | field parse_ms) ms, graph $(echo "$lib" | field graph_ms) ms, plan upgrade $(echo "$lib" | field op_ms) ms, peak $(echo "$lib" | field peak_mb) MB)"
    done
  done
fi

if [[ " $what " == *" e2e "* ]]; then
  echo
  echo "End to end: upgrade head of 1000 revisions on a fresh SQLite file (best of 5, wall ms)"
  dir=$work/e2e
  $PY bench/gen_chain.py 1000 linear "$dir"
  best() { sort -n | head -n 1; }
  floor=$(for i in 1 2 3 4 5; do rm -f "$dir/floor.db"; t0=$(date +%s%N); sqlite3 "$dir/floor.db" < "$dir/floor.sql"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); done | best)
  strata=$(for i in 1 2 3 4 5; do rm -f "$dir/strata/strata.db"; t0=$(date +%s%N); (cd "$dir/strata" && "$strata_bin" -q upgrade head); t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); done | best)
  # Same result? Compare schema and version rows with the floor's.
  a=$(sqlite3 "$dir/floor.db" "select count(*) from sqlite_master; select version_num from alembic_version")
  b=$(sqlite3 "$dir/strata/strata.db" "select count(*) from sqlite_master; select version_num from alembic_version")
  [ "$a" = "$b" ] || { echo "strata and the sqlite3 shell disagree: $a vs $b" >&2; exit 1; }
  alembic=$(for i in 1 2 3; do rm -f "$dir/alembic.db"; t0=$(date +%s%N); (cd "$dir" && clean_env timeout "$alembic_timeout" $PY -m alembic -c alembic.ini upgrade head >/dev/null 2>&1); t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); done | best)
  printf '%-34s %10s %10s\n' tool "wall ms" "vs floor"
  printf '%-34s %10.1f %10s\n' "sqlite3 shell, one transaction" "$(awk -v v="$floor" 'BEGIN{print v/1000}')" "1.00x"
  printf '%-34s %10.1f %10s\n' "strata upgrade head" "$(awk -v v="$strata" 'BEGIN{print v/1000}')" "$(awk -v a="$strata" -v f="$floor" 'BEGIN{printf "%.2fx", a/f}')"
  printf '%-34s %10.1f %10s\n' "alembic upgrade head" "$(awk -v v="$alembic" 'BEGIN{print v/1000}')" "$(awk -v a="$alembic" -v f="$floor" 'BEGIN{printf "%.2fx", a/f}')"
fi

if [[ " $what " == *" statements "* ]]; then
  # One data revision of N statements (CREATE TABLE + INSERTs of ~150 bytes,
  # 30 MB at 200k), upgraded on a fresh SQLite file; the sqlite3 shell runs
  # the same SQL in one transaction. Time per statement must not grow with N.
  echo
  echo "Statements per revision: one revision of N statements on a fresh SQLite file (best of 3, wall ms)"
  printf '%-9s %-18s %12s %12s %10s %14s\n' statements mode "sqlite3 ms" "strata ms" "vs shell" "strata us/stmt"
  best() { sort -n | head -n 1; }
  stmt_sizes=${BENCH_STATEMENTS:-50000 100000 200000}
  for n in $stmt_sizes; do
    for mode in transactional nontransactional; do
      # Transactional: false runs statement by statement with its progress
      # recorded (two commits each, so a disk's fsync sets its pace): at the
      # first size only.
      [ "$mode" = nontransactional ] && [ "$n" != "${stmt_sizes%% *}" ] && continue
      dir=$work/statements-$n-$mode
      $PY bench/gen_statements.py "$n" "$dir" "$mode"
      floor=$(for i in 1 2 3; do rm -f "$dir/floor.db"; t0=$(date +%s%N); sqlite3 "$dir/floor.db" < "$dir/floor.sql"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); done | best)
      strata=$(for i in 1 2 3; do rm -f "$dir/strata/strata.db"; t0=$(date +%s%N); (cd "$dir/strata" && STRATA_NO_CACHE=1 "$strata_bin" -q upgrade head); t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); done | best)
      a=$(sqlite3 "$dir/floor.db" "select count(*), sum(amount) from data_rows; select version_num from alembic_version")
      b=$(sqlite3 "$dir/strata/strata.db" "select count(*), sum(amount) from data_rows; select version_num from alembic_version")
      [ "$a" = "$b" ] || { echo "strata and the sqlite3 shell disagree on $n statements: $a vs $b" >&2; exit 1; }
      printf '%-9s %-18s %12.1f %12.1f %10s %14.2f\n' "$n" "$mode" \
        "$(awk -v v="$floor" 'BEGIN{print v/1000}')" "$(awk -v v="$strata" 'BEGIN{print v/1000}')" \
        "$(awk -v a="$strata" -v f="$floor" 'BEGIN{printf "%.2fx", a/f}')" "$(awk -v s="$strata" -v n="$n" 'BEGIN{print s/n}')"
    done
  done
fi
