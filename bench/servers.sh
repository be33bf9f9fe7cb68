#!/usr/bin/env bash
# Server benchmark, one command: Strata's `upgrade head` on PostgreSQL and
# MariaDB beside the database's own client running the same SQL (the floor)
# and Alembic 1.8 (Debian's python3-alembic), on loopback and over a
# simulated network (bench/delay_proxy.cpp), plus a fan-out over that network
# and a profile of Strata's round trips and CPU. Starts its own throwaway
# servers (scripts/servers.sh: data on tmpfs, durability off) and stops them
# at the end, also on failure.
#
#   bench/servers.sh [--quick] [table] [latency] [fanout] [profile]   (default: all four)
#
#   --quick                      small sizes, one repetition (a smoke test)
#   BENCH_REVS=1000              revisions in the loopback table
#   BENCH_REPS=3                 repetitions (the median is printed) for table and latency
#   BENCH_LATENCY_REVS=1000      revisions for the 2 ms latency rows
#   BENCH_LATENCY20_REVS=100     revisions for the 20 ms latency rows (psql -1 -f at 20 ms
#                                takes ~41 ms a statement: 1000 revisions would be 2 min a run)
#   BENCH_DELAYS="2 20"          one-way delays in ms (the first is compared with loopback)
#   BENCH_FANOUT_DBS=64 BENCH_FANOUT_REVS=50 BENCH_FANOUT_DELAY=20 BENCH_FANOUT_JOBS=16
#   BENCH_FANOUT_REPS=1          repetitions of the fan-out runs (-j 1 alone takes minutes)
#   BENCH_FANOUT_J1_DBS=64       databases for -j 1 over the network (fewer: scaled up, marked)
#   BENCH_PROFILE_REVS="20 100"  two chain sizes: round trips per revision = the difference
#   BENCH_OUT=build-bench/servers-bench   where the profile files are written (kept)
#
# Every measurement runs on fresh, empty databases (created before the clock
# starts, dropped after). Strata's, psql's and mariadb's figures are whole
# processes, spawn to exit; Alembic's are its command function called
# in-process (no Python start-up or imports), as bench/run.sh does.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
root=$(pwd)
PY=/usr/bin/python3   # Debian's python, where python3-alembic lives

quick=0
parts=()
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    table | latency | fanout | profile) parts+=("$a") ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "servers.sh: unknown argument $a (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -eq 0 ] && parts=(table latency fanout profile)
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }

if [ "$quick" = 1 ]; then
  REVS=${BENCH_REVS:-30}; REPS=${BENCH_REPS:-1}
  LAT_REVS=${BENCH_LATENCY_REVS:-20}; LAT20_REVS=${BENCH_LATENCY20_REVS:-10}
  FAN_DBS=${BENCH_FANOUT_DBS:-4}; FAN_REVS=${BENCH_FANOUT_REVS:-10}
  PROF_REVS=${BENCH_PROFILE_REVS:-"10 30"}
else
  REVS=${BENCH_REVS:-1000}; REPS=${BENCH_REPS:-3}
  LAT_REVS=${BENCH_LATENCY_REVS:-1000}; LAT20_REVS=${BENCH_LATENCY20_REVS:-100}
  FAN_DBS=${BENCH_FANOUT_DBS:-64}; FAN_REVS=${BENCH_FANOUT_REVS:-50}
  PROF_REVS=${BENCH_PROFILE_REVS:-"20 100"}
fi
DELAYS=${BENCH_DELAYS:-2 20}
FAN_DELAY=${BENCH_FANOUT_DELAY:-20}
FAN_JOBS=${BENCH_FANOUT_JOBS:-16}
FAN_REPS=${BENCH_FANOUT_REPS:-1}
OUT=${BENCH_OUT:-$root/build-bench/servers-bench}

# --- what it needs -----------------------------------------------------------
scripts/deps.sh build
need=(postgresql mariadb-server mariadb-client python3-alembic python3-psycopg2 python3-pymysql strace time)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "servers.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target strata strata_plugins >/dev/null
strata=$root/build-bench/bin/strata
proxy_bin=$root/build-bench/bin/strata_delay_proxy
if [ ! -x "$proxy_bin" ] || [ bench/delay_proxy.cpp -nt "$proxy_bin" ]; then
  g++ -std=c++17 -O2 -pthread -Wall -Wextra bench/delay_proxy.cpp -o "$proxy_bin"
fi
mkdir -p "$OUT"

# --- work folder, servers, cleanup ------------------------------------------
work=$(mktemp -d "${BENCH_DIR:-/dev/shm}/strata-srvbench.XXXXXX" 2>/dev/null || mktemp -d)
servers=""
proxies=()
cleanup() {
  local p
  for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
  # Also those started in subshells (their list did not come back).
  if [ -f "$work/proxy.pids" ]; then
    while read -r p; do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = strata_delay_pr ] && kill "$p" 2>/dev/null || true
    done <"$work/proxy.pids"
  fi
  [ -n "$servers" ] && scripts/servers.sh stop "$servers" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Servers on tmpfs (a folder of their own: PostgreSQL runs as the postgres
# user, which cannot enter $work). scripts/servers.sh turns durability off:
# PostgreSQL fsync=off, synchronous_commit=off, full_page_writes=off;
# MariaDB innodb_flush_log_at_trx_commit=0 (and no binary log).
servers=$(mktemp -d "${BENCH_SERVERS_BASE:-/dev/shm}/strata-srvbench-servers.XXXXXX")
eval "$(STRATA_SERVERS_DIR=$servers scripts/servers.sh start)"
PG_PORT=$STRATA_TEST_PG_PORT
PW=$(echo "$STRATA_TEST_PG_URL" | sed -E 's#^postgresql://app:([^@]*)@.*#\1#')
MY_PORT=$(echo "$STRATA_TEST_MYSQL_URL" | sed -E 's#.*@127\.0\.0\.1:([0-9]+)/.*#\1#')
PG_VER=$(psql -X -qAt "$STRATA_TEST_PG_URL" -c "SHOW server_version")
MY_VER=$(mariadb --no-defaults -h127.0.0.1 -P"$MY_PORT" -uapp -p"$PW" -N -e "SELECT VERSION()")

clean_env() { env -u PYTHONDONTWRITEBYTECODE -u PYTHONPATH -u PYTHONHOME "$@"; }
pg_url() { echo "postgresql://app:$PW@127.0.0.1:${2:-$PG_PORT}/$1"; }
my_url() { echo "mysql://app:$PW@127.0.0.1:${2:-$MY_PORT}/$1"; }
pg_sql() { psql -X -q -v ON_ERROR_STOP=1 "$(pg_url postgres)" -c "SET client_min_messages = warning" "$@" >/dev/null; }
pg_val() { psql -X -qAt -v ON_ERROR_STOP=1 "$(pg_url "$1")" -c "$2"; }
my_sql() { mariadb --no-defaults -h127.0.0.1 -P"$MY_PORT" -uapp -p"$PW" -N -e "$1"; }
fresh_pg() { pg_sql -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }
fresh_my() { my_sql "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1"; }
drop_pg() { pg_sql -c "DROP DATABASE IF EXISTS $1"; }
drop_my() { my_sql "DROP DATABASE IF EXISTS $1"; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
fmt() { awk -v v="$1" 'BEGIN { printf "%.0f ms", v }'; }

# timed CMD...: runs CMD (output to $work/cmd.log), prints its wall ms.
# A failing command stops the benchmark with its output shown.
timed() {
  local t0 t1
  t0=$EPOCHREALTIME
  if ! "$@" >"$work/cmd.log" 2>&1; then
    echo "servers.sh: failed: $*" >&2
    tail -n 20 "$work/cmd.log" >&2
    exit 1
  fi
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

# A proxy in front of PORT delaying DELAY ms per direction; sets $proxy_port.
start_proxy() {  # start_proxy PORT DELAY [STATS [DUMP]]
  local f=$work/proxy.$RANDOM
  "$proxy_bin" 0 "$1" "$2" "${3:-}" "${4:-}" >"$f" 2>"$f.err" &
  proxies+=($!)
  proxy_pid=$!
  echo "$proxy_pid" >>"$work/proxy.pids"
  for _ in $(seq 1 100); do grep -q '^port=' "$f" 2>/dev/null && break; sleep 0.02; done
  proxy_port=$(sed -n 's/^port=//p' "$f")
  [ -n "$proxy_port" ] || { echo "servers.sh: the delay proxy did not start" >&2; cat "$f.err" >&2; exit 1; }
}
stop_proxy() {  # stop_proxy PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  sed -i "/^$1\$/d" "$work/proxy.pids"
  local keep=() p
  for p in "${proxies[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  proxies=("${keep[@]}")
}

# One chain per size and seed, generated once; Strata's revision cache is
# filled the way a working copy has it (files older than 3 s; see run.sh).
chain() {  # chain N SEED -> prints the chain folder
  local dir=$work/chain-$1-$2
  if [ ! -d "$dir" ]; then
    $PY bench/gen_server_chain.py "$1" "$dir" "$2"
    printf '[alembic]\nversion_locations = ["versions"]\n[databases.versions]\nurl = "sqlite:///unused.db"\n' >"$dir/strata/heads.toml"
    sleep 3
    (cd "$dir/strata" && "$strata" -q -c heads.toml heads >/dev/null)
    sleep 3
    (cd "$dir/strata" && "$strata" -q -c heads.toml heads >/dev/null)
  fi
  echo "$dir"
}

# strata_toml FILE NAME=CHAIN=URL...: a config of one database per argument.
strata_toml() {
  local file=$1 spec name rest ch url locs=""
  shift
  for spec in "$@"; do ch=${spec#*=}; ch=${ch%%=*}; locs+="\"$ch/strata/versions\", "; done
  printf '[alembic]\nversion_locations = [%s]\n' "${locs%, }" >"$file"
  for spec in "$@"; do
    name=${spec%%=*}; rest=${spec#*=}; ch=${rest%%=*}; url=${rest#*=}
    printf '[databases.%s]\nurl = "%s"\nlocation = "%s/strata/versions"\n' "$name" "$url" "$ch" >>"$file"
  done
}

# Checks a database holds what N revisions of CHAIN make: N tables and, for
# Strata and Alembic, the head in the version table.
check_pg() {  # check_pg DB CHAIN N [versioned]
  local t v
  t=$(pg_val "$1" "SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\\_%'")
  [ "$t" = "$3" ] || { echo "servers.sh: PostgreSQL database $1 has $t tables, expected $3" >&2; exit 1; }
  if [ -n "${4:-}" ]; then
    v=$(pg_val "$1" "SELECT version_num FROM alembic_version")
    [ "$v" = "$(cat "$2/head.txt")" ] || { echo "servers.sh: $1 is at '$v', expected the head" >&2; exit 1; }
  fi
}
check_my() {
  local t v
  t=$(my_sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$1' AND table_name LIKE 't\\_%'")
  [ "$t" = "$3" ] || { echo "servers.sh: MariaDB database $1 has $t tables, expected $3" >&2; exit 1; }
  if [ -n "${4:-}" ]; then
    v=$(my_sql "SELECT version_num FROM $1.alembic_version")
    [ "$v" = "$(cat "$2/head.txt")" ] || { echo "servers.sh: $1 is at '$v', expected the head" >&2; exit 1; }
  fi
}

# --- single measurements (each on fresh databases, dropped after) ------------
# The floor: the database's own client, same SQL bodies, no version table.
floor_pg() {  # floor_pg CHAIN N [PORT]
  local ms; fresh_pg bfloor
  ms=$(timed psql -X -q -1 -v ON_ERROR_STOP=1 -f "$1/floor.sql" "$(pg_url bfloor "${3:-}")")
  check_pg bfloor "$1" "$2"; drop_pg bfloor; echo "$ms"
}
floor_my() {  # floor_my CHAIN N
  local ms; fresh_my bfloor
  ms=$(timed sh -c 'exec mariadb --no-defaults -h127.0.0.1 -P"$1" -uapp -p"$2" bfloor <"$3"' _ "$MY_PORT" "$PW" "$1/floor.sql")
  check_my bfloor "$1" "$2"; drop_my bfloor; echo "$ms"
}
floor_both() {  # floor_both CHAIN_MAIN CHAIN_ANALYTICS N: both clients at once
  local ms; fresh_pg bfloor; fresh_my bfloor
  ms=$(timed sh -c 'psql -X -q -1 -v ON_ERROR_STOP=1 -f "$1" "$2" & p=$!
                    mariadb --no-defaults -h127.0.0.1 -P"$3" -uapp -p"$4" bfloor <"$5"; m=$?
                    wait $p && [ $m = 0 ]' _ "$1/floor.sql" "$(pg_url bfloor)" "$MY_PORT" "$PW" "$2/floor.sql")
  check_pg bfloor "$1" "$3"; check_my bfloor "$2" "$3"; drop_pg bfloor; drop_my bfloor; echo "$ms"
}
# The servers' own work: the same SQL, one request per revision (no round
# trips between statements, no version table): what is left of a run
# once every client-side cost is gone.
packed_pg() {  # packed_pg CHAIN N
  local ms; fresh_pg bpacked
  ms=$(timed psql -X -q -1 -v ON_ERROR_STOP=1 -f "$1/packed_pg.sql" "$(pg_url bpacked)")
  check_pg bpacked "$1" "$2"; drop_pg bpacked; echo "$ms"
}
packed_my() {  # packed_my CHAIN N
  local ms; fresh_my bpacked
  ms=$(timed sh -c 'exec mariadb --no-defaults -h127.0.0.1 -P"$1" -uapp -p"$2" bpacked <"$3"' _ "$MY_PORT" "$PW" "$1/packed_my.sql")
  check_my bpacked "$1" "$2"; drop_my bpacked; echo "$ms"
}
packed_both() {  # packed_both CHAIN_MAIN CHAIN_ANALYTICS N
  local ms; fresh_pg bpacked; fresh_my bpacked
  ms=$(timed sh -c 'psql -X -q -1 -v ON_ERROR_STOP=1 -f "$1" "$2" & p=$!
                    mariadb --no-defaults -h127.0.0.1 -P"$3" -uapp -p"$4" bpacked <"$5"; m=$?
                    wait $p && [ $m = 0 ]' _ "$1/packed_pg.sql" "$(pg_url bpacked)" "$MY_PORT" "$PW" "$2/packed_my.sql")
  check_pg bpacked "$1" "$3"; check_my bpacked "$2" "$3"; drop_pg bpacked; drop_my bpacked; echo "$ms"
}
strata_pg() {  # strata_pg CHAIN N [PORT]
  local ch=$1 n=$2 port=${3:-} ms
  fresh_pg bstrata
  strata_toml "$work/s.toml" "main=$ch=$(pg_url bstrata "$port")"
  ms=$(cd "$work" && timed "$strata" -q -c "$work/s.toml" upgrade head)
  check_pg bstrata "$ch" "$n" versioned; drop_pg bstrata; echo "$ms"
}
strata_my() {  # strata_my CHAIN N [PORT]
  local ch=$1 n=$2 port=${3:-} ms
  fresh_my bstrata
  strata_toml "$work/s.toml" "analytics=$ch=$(my_url bstrata "$port")"
  ms=$(cd "$work" && timed "$strata" -q -c "$work/s.toml" upgrade head)
  check_my bstrata "$ch" "$n" versioned; drop_my bstrata; echo "$ms"
}
strata_both() {  # strata_both CHAIN_MAIN CHAIN_ANALYTICS N
  local ms; fresh_pg bstrata; fresh_my bstrata
  strata_toml "$work/s.toml" "main=$1=$(pg_url bstrata)" "analytics=$2=$(my_url bstrata)"
  ms=$(cd "$work" && timed "$strata" -q -c "$work/s.toml" upgrade head)
  check_pg bstrata "$1" "$3" versioned; check_my bstrata "$2" "$3" versioned
  drop_pg bstrata; drop_my bstrata; echo "$ms"
}
# Alembic: prints its in-process total_ms.
alembic_run() {  # alembic_run CHAIN SQLALCHEMY_URL [CHAIN URL...]
  local r
  r=$(clean_env $PY bench/alembic_server_bench.py "$@" 2>"$work/alembic.err") \
    || { echo "servers.sh: alembic failed:" >&2; tail -n 20 "$work/alembic.err" >&2; exit 1; }
  echo "$r" | sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p'
}
sa_pg() { echo "postgresql+psycopg2://app:$PW@127.0.0.1:$PG_PORT/$1"; }
sa_my() { echo "mysql+pymysql://app:$PW@127.0.0.1:$MY_PORT/$1"; }
alembic_pg() {  # alembic_pg CHAIN N
  local ms; fresh_pg balembic
  ms=$(alembic_run "$1" "$(sa_pg balembic)")
  check_pg balembic "$1" "$2" versioned; drop_pg balembic; echo "$ms"
}
alembic_my() {
  local ms; fresh_my balembic
  ms=$(alembic_run "$1" "$(sa_my balembic)")
  check_my balembic "$1" "$2" versioned; drop_my balembic; echo "$ms"
}
alembic_both() {  # main then analytics, in one process
  local ms; fresh_pg balembic; fresh_my balembic
  ms=$(alembic_run "$1" "$(sa_pg balembic)" "$2" "$(sa_my balembic)")
  check_pg balembic "$1" "$3" versioned; check_my balembic "$2" "$3" versioned
  drop_pg balembic; drop_my balembic; echo "$ms"
}

echo "Strata server benchmark: PostgreSQL $PG_VER, MariaDB $MY_VER (tmpfs, durability off), $(nproc) cores"
echo "floor = the database's own client on the same SQL bodies, no version table (psql -1 -f, mariadb < file)"

# --- the table ---------------------------------------------------------------
if want table; then
  A=$(chain "$REVS" 0); B=$(chain "$REVS" 1)
  # Alembic's first run compiles the revision files: time warm runs, as users see.
  alembic_pg "$A" "$REVS" >/dev/null; alembic_pg "$B" "$REVS" >/dev/null
  declare -A m=()
  for rep in $(seq 1 "$REPS"); do
    for row in pg my both; do
      case $row in
        pg) m[pg_f]+="$(floor_pg "$A" "$REVS") "; m[pg_p]+="$(packed_pg "$A" "$REVS") "
            m[pg_s]+="$(strata_pg "$A" "$REVS") "; m[pg_a]+="$(alembic_pg "$A" "$REVS") " ;;
        my) m[my_f]+="$(floor_my "$A" "$REVS") "; m[my_p]+="$(packed_my "$A" "$REVS") "
            m[my_s]+="$(strata_my "$A" "$REVS") "; m[my_a]+="$(alembic_my "$A" "$REVS") " ;;
        both) m[both_f]+="$(floor_both "$A" "$B" "$REVS") "; m[both_p]+="$(packed_both "$A" "$B" "$REVS") "
              m[both_s]+="$(strata_both "$A" "$B" "$REVS") "; m[both_a]+="$(alembic_both "$A" "$B" "$REVS") " ;;
      esac
    done
  done
  med() { echo "${m[$1]}" | tr ' ' '\n' | grep . | median; }
  echo
  echo "upgrade head, $REVS revisions (CREATE TABLE, CREATE INDEX, INSERT of 3 rows each), loopback, median of $REPS (wall ms)"
  echo
  echo "| upgrade head, $REVS revisions | floor | server's own work | Strata | Alembic 1.8 | Strata / floor | Strata / server's own work | Alembic / Strata |"
  echo "|---|---|---|---|---|---|---|---|"
  for row in pg my both; do
    f=$(med "${row}_f"); p=$(med "${row}_p"); s=$(med "${row}_s"); a=$(med "${row}_a")
    case $row in
      pg) label="PostgreSQL"; fl="$(fmt "$f")"; al="$(fmt "$a")" ;;
      my) label="MariaDB"; fl="$(fmt "$f")"; al="$(fmt "$a")" ;;
      both) label="main (PG) + analytics (MariaDB) together"; fl="$(fmt "$f") (both clients at once)"; al="$(fmt "$a") (sequential)" ;;
    esac
    echo "| $label | $fl | $(fmt "$p") | $(fmt "$s") | $al | $(ratio "$s" "$f") | $(ratio "$s" "$p") | $(ratio "$a" "$s") |"
  done
  echo
  echo "server's own work = the same SQL through the same client, one request per revision (psql \\;,"
  echo "mariadb DELIMITER), no version table: no round trips between statements (start-up and connection included)"
  [ "$quick" = 1 ] && echo "--quick: $REVS revisions, $REPS run: a smoke test of the script; the ratios mean nothing"
  slower=$(awk -v a="$(med pg_s)" -v b="$(med my_s)" 'BEGIN { print (a > b ? a : b) }')
  echo "Strata together / Strata's slower database alone: $(ratio "$(med both_s)" "$slower")"
  echo
  echo "(all runs, ms: $(for k in pg_f pg_p pg_s pg_a my_f my_p my_s my_a both_f both_p both_s both_a; do printf '%s=[%s] ' "$k" "${m[$k]% }"; done))"
fi

# --- over a network ----------------------------------------------------------
if want latency; then
  echo
  echo "Over a network: PostgreSQL behind bench/delay_proxy.cpp on 127.0.0.1, delay per direction; median of $REPS (wall ms)"
  # Calibration: psql running 1 and K+1 SELECT 1 (one round trip each): the
  # difference / K is the cost of one round trip (K = 200, 50 past 5 ms).
  printf 'SELECT 1;\n' >"$work/select1.sql"
  fresh_pg bcal
  per_rt() {  # per_rt PORT K -> ms per round trip (median of 3 pairs)
    local t1 tk
    printf 'SELECT 1;\n%.0s' $(seq 0 "$2") >"$work/selectk.sql"
    for _ in 1 2 3; do
      t1=$(timed psql -X -q -f "$work/select1.sql" "$(pg_url bcal "$1")")
      tk=$(timed psql -X -q -f "$work/selectk.sql" "$(pg_url bcal "$1")")
      awk -v a="$t1" -v b="$tk" -v k="$2" 'BEGIN { printf "%.3f\n", (b - a) / k }'
    done | median
  }
  echo "proxy check (psql, SELECT 1): one round trip costs $(per_rt "$PG_PORT" 200) ms on loopback"
  for d in 0 $DELAYS; do
    start_proxy "$PG_PORT" "$d"; pd=$proxy_pid
    k=200; awk -v d="$d" 'BEGIN { exit !(d > 5) }' && k=50
    echo "proxy check: $(per_rt "$proxy_port" "$k") ms per round trip through the proxy at $d ms per direction (expected $(awk -v d="$d" 'BEGIN { print 2 * d }') + loopback)"
    stop_proxy "$pd"
  done
  drop_pg bcal
  echo
  echo "| delay per direction | revisions | psql -1 -f | Strata | Strata loopback | Strata / own loopback | psql / Strata |"
  echo "|---|---|---|---|---|---|---|"
  first=${DELAYS%% *}
  for d in 0 $DELAYS; do
    if [ "$d" = 0 ]; then n=$LAT_REVS; elif [ "$d" = "$first" ]; then n=$LAT_REVS; else n=$LAT20_REVS; fi
    ch=$(chain "$n" 0)
    start_proxy "$PG_PORT" "$d"; pd=$proxy_pid
    fl=""; st=""; lo=""
    for _ in $(seq 1 "$REPS"); do
      fl+="$(floor_pg "$ch" "$n" "$proxy_port") "
      st+="$(strata_pg "$ch" "$n" "$proxy_port") "
      lo+="$(strata_pg "$ch" "$n") "
    done
    stop_proxy "$pd"
    f=$(echo "$fl" | tr ' ' '\n' | grep . | median); s=$(echo "$st" | tr ' ' '\n' | grep . | median); l=$(echo "$lo" | tr ' ' '\n' | grep . | median)
    label="$d ms"; [ "$d" = 0 ] && label="0 ms (proxy, no delay)"
    echo "| $label | $n | $(fmt "$f") | $(fmt "$s") | $(fmt "$l") | $(ratio "$s" "$l") | $(ratio "$f" "$s") |"
  done
  echo "(goals: Strata / own loopback <= 1.5x at 2 ms; psql / Strata >= 5x at 20 ms)"
fi

# --- fan-out over a network --------------------------------------------------
if want fanout; then
  ch=$(chain "$FAN_REVS" 2)
  fdir=$work/fleet
  mkdir -p "$fdir"
  start_proxy "$PG_PORT" "$FAN_DELAY"; pf=$proxy_pid
  fleet_reset() {  # fleet_reset N: N fresh databases
    local i sql=()
    for i in $(seq 0 $(($1 - 1))); do sql+=(-c "DROP DATABASE IF EXISTS bfan_$i" -c "CREATE DATABASE bfan_$i"); done
    pg_sql "${sql[@]}"
  }
  fleet_check() {
    local i
    for i in $(seq 0 $(($1 - 1))); do check_pg "bfan_$i" "$ch" "$FAN_REVS" versioned; done
  }
  fleet_run() {  # fleet_run PORT JOBS N: N databases, one strata process
    local i ms
    : >"$fdir/urls.txt"
    for i in $(seq 0 $(($3 - 1))); do pg_url "bfan_$i" "$1" >>"$fdir/urls.txt"; done
    strata_toml "$fdir/alembic.toml" "main=$ch=$(pg_url postgres)"
    printf '[environments.fleet]\nmain = { urls_file = "urls.txt" }\n' >>"$fdir/alembic.toml"
    fleet_reset "$3"
    ms=$(cd "$fdir" && timed "$strata" -q --env fleet -j "$2" upgrade head)
    fleet_check "$3"
    echo "$ms"
  }
  # -j 1 over the network is sequential, so its time is linear in the number
  # of databases: BENCH_FANOUT_J1_DBS=8 measures 8 and scales to all.
  J1_DBS=${BENCH_FANOUT_J1_DBS:-$FAN_DBS}
  declare -A fan=()
  for _ in $(seq 1 "$FAN_REPS"); do
    fan[l1]+="$(fleet_run "$PG_PORT" 1 "$FAN_DBS") "; fan[lj]+="$(fleet_run "$PG_PORT" "$FAN_JOBS" "$FAN_DBS") "
    fan[d1]+="$(fleet_run "$proxy_port" 1 "$J1_DBS") "; fan[dj]+="$(fleet_run "$proxy_port" "$FAN_JOBS" "$FAN_DBS") "
  done
  stop_proxy "$pf"
  fmed() { echo "${fan[$1]}" | tr ' ' '\n' | grep . | median; }
  d1=$(fmed d1); note=""
  if [ "$J1_DBS" != "$FAN_DBS" ]; then
    note=" (extrapolated: $(fmt "$d1") for $J1_DBS databases x $FAN_DBS/$J1_DBS)"
    d1=$(awk -v v="$d1" -v a="$FAN_DBS" -v b="$J1_DBS" 'BEGIN { print v * a / b }')
  fi
  echo
  echo "Fan-out: $FAN_DBS PostgreSQL databases, $FAN_REVS revisions each, one strata process; median of $FAN_REPS (wall ms)"
  echo
  echo "| network | -j 1 | -j $FAN_JOBS | -j 1 / -j $FAN_JOBS |"
  echo "|---|---|---|---|"
  echo "| loopback | $(fmt "$(fmed l1)") | $(fmt "$(fmed lj)") | $(ratio "$(fmed l1)" "$(fmed lj)") |"
  echo "| $FAN_DELAY ms per direction | $(fmt "$d1")$note | $(fmt "$(fmed dj)") | $(ratio "$d1" "$(fmed dj)") |"
  echo "(goal: -j $FAN_JOBS at least 10x faster than -j 1 at 20 ms)"
  drops=()
  for i in $(seq 0 $((FAN_DBS - 1))); do drops+=(-c "DROP DATABASE IF EXISTS bfan_$i"); done
  pg_sql "${drops[@]}"
fi

# --- profile -----------------------------------------------------------------
if want profile; then
  read -r p_small p_big <<<"$PROF_REVS"
  echo
  echo "Profile (loopback; files in $OUT)"
  cpu_pg() {  # CPU ms of the PostgreSQL server so far (postmaster + reaped backends)
    awk '{ print ($14 + $15 + $16 + $17) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$(cat "$servers/pg.pid")/stat"
  }
  cpu_my() {
    awk '{ print ($14 + $15 + $16 + $17) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$(cat "$servers/mariadb.pid")/stat"
  }
  # exchanges DIALECT TOOL N: round trips of one run through a 0-delay proxy.
  exchanges() {
    local dia=$1 tool=$2 n=$3 ch stats=$work/stats.$RANDOM dump=${4:-}
    ch=$(chain "$n" 0)
    start_proxy "$([ "$dia" = pg ] && echo "$PG_PORT" || echo "$MY_PORT")" 0 "$stats" "$dump"; local pp=$proxy_pid
    case $dia-$tool in
      pg-floor) floor_pg "$ch" "$n" "$proxy_port" >/dev/null ;;
      pg-strata) strata_pg "$ch" "$n" "$proxy_port" >/dev/null ;;
      my-floor) fresh_my bfloor
        sh -c 'exec mariadb --no-defaults -h127.0.0.1 -P"$1" -uapp -p"$2" bfloor <"$3"' _ "$proxy_port" "$PW" "$ch/floor.sql"
        drop_my bfloor ;;
      my-strata) strata_my "$ch" "$n" "$proxy_port" >/dev/null ;;
    esac
    sleep 0.3  # the proxy's threads write a connection's line once both sides closed
    stop_proxy "$pp"
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
         END { printf "%d %d %d\n", s["exchanges"], s["c2s_bytes"], s["s2c_bytes"] }' "$stats"
  }
  {
    echo "Strata server profile, $(date -u +%Y-%m-%dT%H:%MZ), PostgreSQL $PG_VER, MariaDB $MY_VER"
    echo
    echo "Round trips (client->server requests that waited for an answer), counted by delay_proxy at 0 ms;"
    echo "per revision = (runs of $p_big and $p_small revisions) / $((p_big - p_small)), which removes connecting and planning."
    printf '%-10s %-8s %16s %16s %18s %18s\n' dialect tool "RT/revision" "RT fixed" "bytes up/rev" "bytes down/rev"
  } >"$OUT/profile.txt"
  for dia in pg my; do
    for tool in floor strata; do
      read -r e1 u1 d1 < <(exchanges "$dia" "$tool" "$p_small")
      read -r e2 u2 d2 < <(exchanges "$dia" "$tool" "$p_big")
      awk -v dia="$([ $dia = pg ] && echo PostgreSQL || echo MariaDB)" -v tool="$tool" -v e1="$e1" -v e2="$e2" \
          -v u1="$u1" -v u2="$u2" -v d1="$d1" -v d2="$d2" -v a="$p_small" -v b="$p_big" \
        'BEGIN { r = (e2 - e1) / (b - a); printf "%-10s %-8s %16.2f %16.1f %18.0f %18.0f\n", dia, tool, r, e1 - r * a, (u2 - u1) / (b - a), (d2 - d1) / (b - a) }' \
        >>"$OUT/profile.txt"
    done
  done
  # What Strata sends for one revision (the 6th of the chain), as the proxy saw it.
  ch=$(chain "$p_small" 0)
  r5=$(ls "$ch/strata/versions" | sed -n 's/^\([0-9a-f]*\)_r5\.sql$/\1/p')
  r6=$(ls "$ch/strata/versions" | sed -n 's/^\([0-9a-f]*\)_r6\.sql$/\1/p')
  for dia in pg my; do
    dump=$OUT/strata-$dia-messages.txt; rm -f "$dump"
    exchanges "$dia" strata "$p_small" "$dump" >/dev/null
    {
      echo
      echo "$([ $dia = pg ] && echo PostgreSQL || echo MariaDB): Strata's client->server messages, one per line, from revision $r5's CREATE TABLE to the next one's"
      echo "(one revision's cycle; t = ms since the connection opened, len = bytes; full dump: $dump)"
      awk -v a="t_$r5 " -v b="t_$r6 " 'index($0, a) { on = 1 } index($0, b) { exit } on { sub(/^conn=[0-9]+ /, ""); print "  " substr($0, 1, 170) }' "$dump"
      echo "the fixed part: every message before the first revision's CREATE TABLE, and the last 4 of the run"
      awk '/CREATE TABLE t_/ { exit } { print "  " substr($0, 1, 170) }' "$dump"
      echo "  ..."
      tail -n 4 "$dump" | awk '{ print "  " substr($0, 1, 170) }'
    } >>"$OUT/profile.txt"
  done
  # Where the time goes at $REVS revisions: Strata's own CPU, the server's CPU,
  # the rest is waiting (round trips, scheduling); syscalls by strace -c -f.
  {
    echo
    echo "Where the time goes, $REVS revisions at loopback (one run each; CPU ms from /usr/bin/time and /proc)"
    printf '%-12s %-8s %10s %12s %12s %12s\n' dialect tool "wall ms" "client CPU" "server CPU" "other"
  } >>"$OUT/profile.txt"
  ch=$(chain "$REVS" 0)
  for dia in pg my; do
    for tool in floor strata; do
      c0=$(cpu_$dia)
      case $dia-$tool in
        pg-floor) fresh_pg bprof; w=$(timed /usr/bin/time -f "cpu %U %S" -o "$work/time.txt" psql -X -q -1 -v ON_ERROR_STOP=1 -f "$ch/floor.sql" "$(pg_url bprof)") ;;
        pg-strata) fresh_pg bprof; strata_toml "$work/s.toml" "main=$ch=$(pg_url bprof)"; w=$(cd "$work" && timed /usr/bin/time -f "cpu %U %S" -o "$work/time.txt" "$strata" -q -c "$work/s.toml" upgrade head) ;;
        my-floor) fresh_my bprof; w=$(timed /usr/bin/time -f "cpu %U %S" -o "$work/time.txt" sh -c 'exec mariadb --no-defaults -h127.0.0.1 -P"$1" -uapp -p"$2" bprof <"$3"' _ "$MY_PORT" "$PW" "$ch/floor.sql") ;;
        my-strata) fresh_my bprof; strata_toml "$work/s.toml" "analytics=$ch=$(my_url bprof)"; w=$(cd "$work" && timed /usr/bin/time -f "cpu %U %S" -o "$work/time.txt" "$strata" -q -c "$work/s.toml" upgrade head) ;;
      esac
      sleep 0.3  # the backend's exit reaped by the postmaster
      c1=$(cpu_$dia)
      cc=$(awk '/^cpu/ { printf "%.0f", ($2 + $3) * 1000 }' "$work/time.txt")
      awk -v dia="$([ $dia = pg ] && echo PostgreSQL || echo MariaDB)" -v tool="$tool" -v w="$w" -v cc="$cc" -v s="$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" \
        'BEGIN { printf "%-12s %-8s %10.0f %12.0f %12.0f %12.0f\n", dia, tool, w, cc, s, w - cc - s }' >>"$OUT/profile.txt"
      if [ "$dia" = pg ]; then drop_pg bprof; else drop_my bprof; fi
    done
  done
  {
    echo "(server CPU: PostgreSQL postmaster + its reaped backends, or the mariadbd process, over the run: includes"
    echo " its background work; 'other' = wall - client CPU - server CPU: round-trip waits and scheduling, < 0 when they overlap)"
  } >>"$OUT/profile.txt"
  for dia in pg my; do
    if [ "$dia" = pg ]; then fresh_pg bprof; strata_toml "$work/s.toml" "main=$ch=$(pg_url bprof)"
    else fresh_my bprof; strata_toml "$work/s.toml" "analytics=$ch=$(my_url bprof)"; fi
    (cd "$work" && strace -f -c -o "$OUT/strace-$dia.txt" "$strata" -q -c "$work/s.toml" upgrade head >/dev/null)
    if [ "$dia" = pg ]; then drop_pg bprof; fresh_pg bprof; else drop_my bprof; fresh_my bprof; fi
    if (cd "$work" && perf record -q -F 4999 -o "$work/perf.data" "$strata" -q -c "$work/s.toml" upgrade head >/dev/null 2>&1); then
      {
        echo "by DSO:"
        perf report -i "$work/perf.data" --stdio --sort dso 2>/dev/null | grep -v '^#' | grep . | sed -n '1,10p'
        echo "by symbol:"
        perf report -i "$work/perf.data" --stdio --sort dso,symbol 2>/dev/null | grep -v '^#' | grep . | sed -n '1,40p'
      } >"$OUT/perf-$dia.txt" || true
    else
      echo "(perf record failed)" >"$OUT/perf-$dia.txt"
    fi
    if [ "$dia" = pg ]; then drop_pg bprof; else drop_my bprof; fi
    {
      echo
      echo "$([ $dia = pg ] && echo PostgreSQL || echo MariaDB): Strata's syscalls for $REVS revisions (strace -f -c; per revision; full table: $OUT/strace-$dia.txt)"
      awk -v n="$REVS" '$NF ~ /^(sendto|recvfrom|sendmsg|recvmsg|read|write|poll|ppoll|openat|futex|newfstatat|statx|epoll_wait)$/ && $4 ~ /^[0-9]+$/ { printf "  %-12s %8d calls  %6.2f / revision\n", $NF, $4, $4 / n }' "$OUT/strace-$dia.txt"
      echo "  perf record of Strata's process (samples by DSO, then the top symbols; $OUT/perf-$dia.txt):"
      sed -n '1,8p' "$OUT/perf-$dia.txt" | sed -E 's/ +- +- *$//; s/^/    /'
      grep -A 12 '^by symbol' "$OUT/perf-$dia.txt" | tail -n +2 | sed -E 's/ +- +- *$//; s/^/    /'
    } >>"$OUT/profile.txt"
  done
  cat "$OUT/profile.txt"
fi
