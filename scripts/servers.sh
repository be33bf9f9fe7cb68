#!/usr/bin/env bash
# Starts throwaway PostgreSQL and MariaDB servers on loopback for the test
# suite, and stops them again. Each server gets a fresh data folder under
# $STRATA_SERVERS_DIR (default: a new temp folder) and a test user
# app/<password> that may create databases.
#
#   eval "$(scripts/servers.sh start)"   # prints export lines: STRATA_TEST_PG_URL, ...
#   scripts/servers.sh stop DIR          # stops the servers started in DIR (by pid)
#
# Works as root (PostgreSQL runs as the postgres OS user) and as a normal user.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PASSWORD=${STRATA_TEST_PASSWORD:-strata-test-pw}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Zombies count as stopped: PID 1 here may reap late.
alive() {
  local pid=$1
  [ -r "/proc/$pid/status" ] || return 1
  ! grep -q '^State:.*Z' "/proc/$pid/status"
}

start_pg() {
  local dir=$1/pg port
  port=$(free_port)
  mkdir -p "$dir"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    as=(runuser -u postgres --)
  fi
  chmod 700 "$dir"
  "${as[@]}" "$PG_BIN/initdb" -D "$dir" -U postgres -E UTF8 --no-locale --auth-local=trust \
    --auth-host=scram-sha-256 --no-sync >"$1/pg-initdb.log" 2>&1 \
    || { echo "servers.sh: initdb failed:" >&2; cat "$1/pg-initdb.log" >&2; return 1; }
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c max_locks_per_transaction=1024" \
    start >"$1/pg-start.log" 2>&1 || { echo "servers.sh: PostgreSQL did not start:" >&2; cat "$dir/server.log" >&2; return 1; }
  "${as[@]}" "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -qAt \
    -c "CREATE ROLE app LOGIN CREATEDB SUPERUSER PASSWORD '$PASSWORD'" >/dev/null
  head -n 1 "$dir/postmaster.pid" >"$1/pg.pid"
  echo "export STRATA_TEST_PG_URL='postgresql://app:$PASSWORD@127.0.0.1:$port/postgres'"
  echo "export STRATA_TEST_PG_SOCKET_DIR='$dir'"
  echo "export STRATA_TEST_PG_PORT='$port'"
}

start_mariadb() {
  local dir=$1/mariadb port
  port=$(free_port)
  mkdir -p "$dir"
  local user_opt=()
  if [ "$(id -u)" -eq 0 ]; then user_opt=(--user=root); fi
  mariadb-install-db --no-defaults --datadir="$dir" "${user_opt[@]}" --skip-test-db \
    --skip-name-resolve --auth-root-authentication-method=socket >"$1/mariadb-install.log" 2>&1 \
    || { echo "servers.sh: mariadb-install-db failed:" >&2; cat "$1/mariadb-install.log" >&2; return 1; }
  setsid mariadbd --no-defaults "${user_opt[@]}" --datadir="$dir" --bind-address=127.0.0.1 \
    --port="$port" --socket="$dir/mysqld.sock" --pid-file="$1/mariadb.pid" \
    --log-error="$dir/error.log" --skip-name-resolve --innodb-buffer-pool-size=64M \
    --innodb-flush-log-at-trx-commit=0 --max-connections=300 </dev/null >/dev/null 2>&1 &
  local i
  for i in $(seq 1 300); do
    if mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e \
    "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '$PASSWORD'; GRANT ALL ON *.* TO 'app'@'127.0.0.1' WITH GRANT OPTION;" \
    || { echo "servers.sh: MariaDB did not start:" >&2; cat "$dir/error.log" >&2; return 1; }
  echo "export STRATA_TEST_MYSQL_URL='mysql://app:$PASSWORD@127.0.0.1:$port/mysql'"
  echo "export STRATA_TEST_MYSQL_SOCKET='$dir/mysqld.sock'"
}

stop_pid_file() {
  local file=$1 signal=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if alive "$pid"; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

case "${1:-}" in
  start)
    dir=${STRATA_SERVERS_DIR:-$(mktemp -d /tmp/strata-servers.XXXXXX)}
    mkdir -p "$dir"
    chmod 755 "$dir"
    echo "export STRATA_SERVERS_DIR='$dir'"
    start_pg "$dir"
    start_mariadb "$dir"
    ;;
  stop)
    dir=${2:-${STRATA_SERVERS_DIR:-}}
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
    stop_pid_file "$dir/pg.pid" INT
    stop_pid_file "$dir/mariadb.pid" TERM
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
