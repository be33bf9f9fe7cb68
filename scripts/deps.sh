#!/usr/bin/env bash
# Installs the Debian packages Strata needs, only those missing.
#   scripts/deps.sh build   - to build and run strata
#   scripts/deps.sh test    - also what the test suite needs
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libboost-program-options-dev libboost-dev libxxhash-dev
            libsqlite3-dev libtomlplusplus-dev nlohmann-json3-dev libpqxx-dev libssl-dev
            libmysqlcppconn-dev scdoc groff-base)
# Tests run against real PostgreSQL and MariaDB servers, and against
# Alembic itself (Debian's python3-alembic) as the reference.
test_pkgs=(libgtest-dev libgmock-dev sqlite3 postgresql mariadb-server mariadb-client
           python3-alembic alembic python3-psycopg2 python3-pymysql
           clang libclang-rt-14-dev)  # libFuzzer (scripts/fuzz.sh)
test_pkgs+=(bash-completion zsh python3-yaml man-db lintian)  # completion, examples, packages (tests/meta, package-test.sh)
test_pkgs+=(graphviz)  # tests/integration/json_test.cpp: `graph --format dot` must be valid for dot -Tsvg

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

echo "strata: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || { echo "deps.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
