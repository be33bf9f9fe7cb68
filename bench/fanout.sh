#!/usr/bin/env bash
# Fan-out benchmark: one 50-revision chain applied to 8, 32 and 128 SQLite
# files and to 16 PostgreSQL databases on a throwaway local server, with
# -j 1, -j 8, and as a sum of single-database runs; plus main + analytics
# upgraded together by Strata versus one after the other by Alembic.
# Prints tables. Usage: bench/fanout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PY=/usr/bin/python3
scripts/deps.sh test
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target strata strata_plugins >/dev/null
strata=$root/build-bench/bin/strata
work=$(mktemp -d "${BENCH_DIR:-/dev/shm}/strata-fanout.XXXXXX" 2>/dev/null || mktemp -d)
servers=""
cleanup() {
  [ -n "$servers" ] && scripts/servers.sh stop "$servers" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
clean_env() { env -u PYTHONDONTWRITEBYTECODE -u PYTHONPATH -u PYTHONHOME "$@"; }
now() { date +%s%N; }

$PY bench/gen_chain.py 50 linear "$work/chain" >/dev/null
revs=50

# Runs strata under /usr/bin/time; prints "wall_ms cpu_ms".
timed() {
  local t0 t1 cpu
  t0=$(now)
  /usr/bin/time -f "%U %S" "$@" >/dev/null 2>"$work/err.txt"
  t1=$(now)
  cpu=$(tail -n 1 "$work/err.txt" | awk '{ printf "%.0f", ($1 + $2) * 1000 }')
  echo "$(( (t1 - t0) / 1000000 )) $cpu"
}

fleet() {  # fleet KIND N DIR: writes DIR/alembic.toml with an environment of N targets
  local kind=$1 n=$2 dir=$3
  mkdir -p "$dir/fleet"
  : >"$dir/urls.txt"
  for i in $(seq 0 $((n - 1))); do
    if [ "$kind" = sqlite ]; then echo "sqlite:///fleet/db$i.db" >>"$dir/urls.txt"
    else echo "$(echo "$STRATA_TEST_PG_URL" | sed "s#/postgres\$#/bench_$i#")" >>"$dir/urls.txt"; fi
  done
  cat >"$dir/alembic.toml" <<TOML
[alembic]
version_locations = ["$work/chain/strata/versions"]
[databases.main]
url = "sqlite:///single.db"
location = "$work/chain/strata/versions"
[environments.fleet]
main = { urls_file = "urls.txt" }
TOML
}

reset_fleet() {  # removes what a run created
  local kind=$1 dir=$2
  if [ "$kind" = sqlite ]; then rm -f "$dir"/fleet/*.db "$dir"/fleet/*.lock
  else (cd "$dir" && "$strata" -q --env fleet -j 8 downgrade base >/dev/null); fi
}

echo
echo "Fan-out of one ${revs}-revision chain (wall ms; CPU = strata's user+sys)"
printf '%-22s %12s %12s %18s %16s %10s\n' targets "-j 1" "-j 8" "sum of singles" "speedup j8/j1" "CPU/rev"
run_fleet() {
  local kind=$1 n=$2 dir=$work/$1-$2
  fleet "$kind" "$n" "$dir"
  reset_fleet "$kind" "$dir"
  read -r j1 _ < <(cd "$dir" && timed "$strata" -q --env fleet -j 1 upgrade head)
  reset_fleet "$kind" "$dir"
  read -r j8 cpu8 < <(cd "$dir" && timed "$strata" -q --env fleet -j 8 upgrade head)
  reset_fleet "$kind" "$dir"
  # Single runs: one process per database, as a shell loop would.
  local sum=0 t0 t1
  reset_fleet "$kind" "$dir"
  while read -r url; do
    sed "s#^url = .*#url = \"$url\"#" "$dir/alembic.toml" >"$dir/single.toml"
    t0=$(now); (cd "$dir" && "$strata" -q -c single.toml upgrade head >/dev/null); t1=$(now)
    sum=$((sum + (t1 - t0) / 1000000))
  done <"$dir/urls.txt"
  printf '%-22s %12s %12s %18s %16s %10s\n' "$n $kind" "$j1" "$j8" "$sum" \
    "$(awk -v a="$j1" -v b="$j8" 'BEGIN{printf "%.1fx", a/(b>0?b:1)}')" \
    "$(awk -v c="$cpu8" -v n="$n" -v r="$revs" 'BEGIN{printf "%.3f ms", c/(n*r)}')"
}
for n in 8 32 128; do run_fleet sqlite "$n"; done

servers=$(mktemp -d /tmp/strata-bench-servers.XXXXXX)
eval "$(STRATA_SERVERS_DIR=$servers scripts/servers.sh start)"
for i in $(seq 0 15); do psql -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE bench_$i" >/dev/null; done
run_fleet postgresql 16

echo
echo "main + analytics (50 revisions each, SQLite): together vs one after the other (best of 3, wall ms)"
$PY bench/gen_chain.py 50 linear "$work/an" >/dev/null
pair=$work/pair
mkdir -p "$pair"
cat >"$pair/alembic.toml" <<TOML
[alembic]
version_locations = ["$work/chain/strata/versions", "$work/an/strata/versions"]
[databases.main]
url = "sqlite:///main.db"
location = "$work/chain/strata/versions"
[databases.analytics]
url = "sqlite:///analytics.db"
location = "$work/an/strata/versions"
TOML
best() { sort -n | head -n 1; }
together=$(for i in 1 2 3; do rm -f "$pair"/*.db; t0=$(now); (cd "$pair" && "$strata" -q upgrade head); t1=$(now); echo $(( (t1 - t0) / 1000000 )); done | best)
sequential=$(for i in 1 2 3; do rm -f "$pair"/*.db; t0=$(now); (cd "$pair" && "$strata" -q --db main upgrade head && "$strata" -q --db analytics upgrade head); t1=$(now); echo $(( (t1 - t0) / 1000000 )); done | best)
# Alembic's first run compiles the revision files; time warm runs.
(cd "$work/chain" && clean_env $PY -m alembic -c alembic.ini upgrade head >/dev/null 2>&1) || true
(cd "$work/an" && clean_env $PY -m alembic -c alembic.ini upgrade head >/dev/null 2>&1) || true
alembic=$(for i in 1 2 3; do rm -f "$work/chain/alembic.db" "$work/an/alembic.db"; t0=$(now); (cd "$work/chain" && clean_env $PY -m alembic -c alembic.ini upgrade head >/dev/null 2>&1); (cd "$work/an" && clean_env $PY -m alembic -c alembic.ini upgrade head >/dev/null 2>&1); t1=$(now); echo $(( (t1 - t0) / 1000000 )); done | best)
printf '%-48s %10s\n' "how" "wall ms"
printf '%-48s %10s\n' "strata upgrade head (both, in parallel)" "$together"
printf '%-48s %10s\n' "strata, main then analytics" "$sequential"
printf '%-48s %10s\n' "alembic upgrade head, main then analytics" "$alembic"
