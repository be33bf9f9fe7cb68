#!/usr/bin/env bash
# strata --version and strata version --json report the real versions: the
# project's (CMake project(VERSION), passed in), the ABI of dialect_abi.h, and
# each plugin of the build tree with the client library version it runs with.
# usage: version_test.sh STRATA_BIN PROJECT_VERSION SOURCE_DIR PLUGIN_DIR
set -euo pipefail
strata=$(readlink -f "$1") version=$2 src=$3 plugindir=$4
fail=0
check() { if [[ $2 == "$3" ]]; then echo "ok   $1: $(head -1 <<<"$2")"; else echo "FAIL $1: got [$2], expected [$3]"; fail=1; fi; }
abi_major=$(sed -n 's/^#define STRATA_DIALECT_ABI_MAJOR \([0-9]*\)$/\1/p' "$src/src/dialect/include/strata/dialect_abi.h")
abi_minor=$(sed -n 's/^#define STRATA_DIALECT_ABI_MINOR \([0-9]*\)$/\1/p' "$src/src/dialect/include/strata/dialect_abi.h")
sqlite=$(sqlite3 --version | awk '{print $1}')
# libpqxx's own header (Debian's 6.4.5 package says 6.4.4 there; the plugin reports what it was built with).
pqxx=$(sed -n 's/^#define PQXX_VERSION "\(.*\)"$/\1/p' "$(pkg-config --variable=includedir libpqxx)/pqxx/version.hxx")
libpq=$(pkg-config --modversion libpq)
cppconn=$(dpkg-query -W -f='${Version}' libmysqlcppconn-dev | sed 's/-.*//')

text=$(cd / && env -u STRATA_PLUGIN_PATH "$strata" --version)
check "first line" "$(sed -n 1p <<<"$text")" "strata $version"
check "ABI line" "$(sed -n 2p <<<"$text")" "dialect plugin ABI $abi_major.$abi_minor"
check "sqlite" "$(grep '^  sqlite ' <<<"$text" | sed 's/  */ /g')" \
  " sqlite SQLite $sqlite (ABI $abi_major.$abi_minor) $plugindir/strata-dialect-sqlite.so"
check "postgresql" "$(grep '^  postgresql ' <<<"$text" | sed 's/  */ /g')" \
  " postgresql PostgreSQL (libpqxx $pqxx, libpq $libpq) (ABI $abi_major.$abi_minor) $plugindir/strata-dialect-postgresql.so"
check "mysql" "$(grep '^  mysql ' <<<"$text" | sed 's/  */ /g')" \
  " mysql MySQL/MariaDB via MySQL Connector/C++ $cppconn (ABI $abi_major.$abi_minor) $plugindir/strata-dialect-mysql.so"
check "version command = --version" "$(cd / && env -u STRATA_PLUGIN_PATH "$strata" version)" "$text"

json=$(cd / && env -u STRATA_PLUGIN_PATH "$strata" version --json)
check "json" "$(/usr/bin/python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print(j["name"], j["version"], j["dialect_abi"],
      ";".join("%s=%s,%s,%s" % (p["dialect"], p["status"], p["abi"], p["file"]) for p in j["plugins"]))' <<<"$json")" \
  "strata $version $abi_major.$abi_minor sqlite=ok,$abi_major.$abi_minor,$plugindir/strata-dialect-sqlite.so;postgresql=ok,$abi_major.$abi_minor,$plugindir/strata-dialect-postgresql.so;mysql=ok,$abi_major.$abi_minor,$plugindir/strata-dialect-mysql.so"
check "--json --version" "$(cd / && env -u STRATA_PLUGIN_PATH "$strata" --json --version)" "$json"

# A plugin folder without the MySQL plugin: reported as not found, exit 0.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$plugindir/strata-dialect-sqlite.so" "$tmp/"
echo "not an ELF file" > "$tmp/strata-dialect-postgresql.so"
out=$(cd / && STRATA_PLUGIN_PATH=$tmp "$strata" version --json)
check "STRATA_PLUGIN_PATH first" "$(/usr/bin/python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print(j["plugin_path"][0], *[p["dialect"] + "=" + p["status"] for p in j["plugins"]])' <<<"$out")" \
  "$tmp sqlite=ok postgresql=refused mysql=ok"
exit $fail
