#!/usr/bin/env bash
# Builds the .deb packages (CPack), checks them, installs them and runs the
# README's example from the installed /usr/bin/strata.
#
#   scripts/package-test.sh            build, check, then install with dpkg -i when root
#                                      (CI: the last stage of scripts/test.sh), else unpack
#                                      into a throwaway root with dpkg -x
#   scripts/package-test.sh --build    only build and check the packages (build-deb/*.deb)
#
# Why dpkg -i: only a real install proves the path a user takes. dpkg refuses
# the packages unless every Depends: is satisfiable, the binary must find the
# plugins in /usr/lib/<multiarch>/strata with no environment variable, man-db
# must index strata(1), and bash-completion must load the installed script. That
# the packages need no build tools is checked separately and exactly: every
# library each packaged ELF file loads (ldd) belongs to a package its Depends:
# names (dpkg -S), never to a -dev package or the build tree. The packages are
# purged again at the end, leaving the machine as it was.
#
# Needs a PostgreSQL server: STRATA_TEST_PG_URL (scripts/test.sh starts one).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-auto}
dir=build-deb
jobs=$(nproc)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

# ---- build: Debian's hardening flags, installed under /usr ----
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
echo "== package-test: building in $dir (prefix /usr)"
CXXFLAGS=$CXXFLAGS CFLAGS=$CFLAGS LDFLAGS=$LDFLAGS \
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DSTRATA_BUILD_TESTS=OFF >/dev/null
cmake --build "$dir" -j"$jobs" >/dev/null
rm -f "$dir"/*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
debs=("$dir"/strata_*.deb "$dir"/strata-postgresql_*.deb "$dir"/strata-mysql_*.deb)
for d in "${debs[@]}"; do [[ -f $d ]] || fail "cpack did not produce $d"; done

# ---- check: fields, contents, Depends ----
echo "== package-test: packages"
for d in "${debs[@]}"; do
  printf '%-40s %6s KiB (installed %s KiB)\n' "$(basename "$d")" "$(( $(stat -c %s "$d") / 1024 ))" \
    "$(dpkg-deb -f "$d" Installed-Size)"
  echo "   Depends: $(dpkg-deb -f "$d" Depends)"
done
field() { dpkg-deb -f "$1" "$2"; }
main_deb=${debs[0]} pg_deb=${debs[1]} my_deb=${debs[2]}
[[ $(field "$main_deb" Maintainer) == *"<"*"@"*">" ]] || fail "no Maintainer address"
[[ $(field "$main_deb" Section) == database ]] || fail "Section is not database"
[[ $(field "$main_deb" Depends) == *libsqlite3-0* && $(field "$main_deb" Depends) == *libboost-program-options* ]] \
  || fail "strata's Depends lacks libsqlite3-0/libboost-program-options: $(field "$main_deb" Depends)"
[[ $(field "$main_deb" Depends) != *pqxx* && $(field "$main_deb" Depends) != *mysqlcppconn* ]] \
  || fail "strata must not depend on libpqxx or Connector/C++: $(field "$main_deb" Depends)"
version=$(field "$main_deb" Version)
[[ $(field "$pg_deb" Depends) == *libpqxx-6.4* && $(field "$pg_deb" Depends) == *"strata (= $version)"* ]] \
  || fail "strata-postgresql's Depends: $(field "$pg_deb" Depends)"
[[ $(field "$my_deb" Depends) == *libmysqlcppconn* && $(field "$my_deb" Depends) == *"strata (= $version)"* ]] \
  || fail "strata-mysql's Depends: $(field "$my_deb" Depends)"
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
for f in /usr/bin/strata /usr/lib/$multiarch/strata/strata-dialect-sqlite.so /usr/share/man/man1/strata.1.gz \
         /usr/share/bash-completion/completions/strata /usr/share/zsh/vendor-completions/_strata \
         /usr/share/doc/strata/README.md /usr/share/doc/strata/LICENSE /usr/share/doc/strata/copyright \
         /usr/share/doc/strata/examples/project/alembic.toml /usr/share/doc/strata/examples/kubernetes/strata-indexed-job.yaml; do
  contents "$main_deb" | grep -qx "$f" || fail "strata lacks $f"
done
contents "$pg_deb" | grep -qx "/usr/lib/$multiarch/strata/strata-dialect-postgresql.so" || fail "strata-postgresql lacks its plugin"
contents "$my_deb" | grep -qx "/usr/lib/$multiarch/strata/strata-dialect-mysql.so" || fail "strata-mysql lacks its plugin"
[[ $(contents "$pg_deb" | grep -c '\.so$') == 1 && $(contents "$my_deb" | grep -c '\.so$') == 1 ]] \
  || fail "a plugin package holds more than its plugin"

# No build tools: each library a packaged ELF file names (NEEDED) comes from
# a package named in that .deb's Depends, never from a -dev package.
unpacked=$(mktemp -d)
cleanup() { rm -rf "$unpacked" "${work:-}"; }
trap cleanup EXIT
for d in "${debs[@]}"; do
  root="$unpacked/$(dpkg-deb -f "$d" Package)"
  dpkg -x "$d" "$root"
  deps=" $(field "$d" Depends | sed -E 's/\([^)]*\)//g; s/[,|]/ /g') "
  while IFS= read -r elf; do
    needed=" $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ') "
    while read -r lib path; do
      [[ $needed == *" $lib "* ]] || continue  # loaded for another library, not named by this file
      [[ $path == /* ]] || fail "$elf: $lib not found (ldd)"
      owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) \
        || owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || fail "$elf: $path belongs to no package"
      [[ $owner == *-dev ]] && fail "$elf needs $path from the build package $owner"
      [[ $deps == *" $owner "* ]] \
        || fail "$(basename "$d"): ${elf#$root} needs $lib from $owner, which its Depends: does not name"
    done < <(ldd "$elf" | awk '$2 == "=>" {print $1, $3}')
  done < <(find "$root" -type f \( -name '*.so' -o -path '*/bin/*' \))
done
echo "ok   every library the packaged files load comes from a package their Depends: names"

if command -v lintian >/dev/null; then
  echo "== package-test: lintian"
  lintian -I --tag-display-limit 0 "${debs[@]}" 2>&1 | grep -v "running with root privileges" || true
  if lintian "${debs[@]}" 2>/dev/null | grep -q '^E: '; then fail "lintian reports errors"; fi
fi
[[ $mode == --build ]] && exit 0

# ---- install ----
work=$(mktemp -d)
if [[ $(id -u) == 0 && $mode != --unpack ]]; then
  echo "== package-test: dpkg -i ${debs[*]##*/}"
  for p in strata strata-postgresql strata-mysql; do
    ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || fail "$p is already installed here; not touching it"
  done
  export DEBIAN_FRONTEND=noninteractive
  dpkg -i "${debs[@]}" >/dev/null || apt-get -f install -y -qq >/dev/null || fail "dpkg -i failed"
  purge() { dpkg -P strata-mysql strata-postgresql strata >/dev/null || true; cleanup; }
  trap purge EXIT
  bin=/usr/bin/strata
  unset STRATA_PLUGIN_PATH
  plugins=/usr/lib/$multiarch/strata
else
  echo "== package-test: not root: unpacking into a throwaway root (dpkg -x)"
  for d in "${debs[@]}"; do dpkg -x "$d" "$work/root"; done
  bin=$work/root/usr/bin/strata
  plugins=$work/root/usr/lib/$multiarch/strata
  export STRATA_PLUGIN_PATH=$plugins
fi

v=$("$bin" --version)
echo "$v" | sed 's/^/   /'
[[ $(sed -n 1p <<<"$v") == "strata ${version%-*}" ]] || fail "--version: $(sed -n 1p <<<"$v")"
for p in sqlite postgresql mysql; do
  grep -q "^  $p .*(ABI [0-9.]*) $plugins/strata-dialect-$p.so\$" <<<"$v" || fail "--version: plugin $p not found in $plugins"
done
if [[ $bin == /usr/bin/strata ]]; then
  [[ $(man -w strata) == /usr/share/man/man1/strata.1.gz ]] || fail "man -w strata: $(man -w strata 2>&1)"
  man strata 2>/dev/null | grep -q "resume-from" || fail "man strata does not render"
  # bash-completion's on-demand loader finds the installed script.
  got=$(cd "$work" && bash --norc -c 'source /usr/share/bash-completion/bash_completion
    __load_completion strata || exit 1
    COMP_WORDS=(strata upg); COMP_CWORD=1; COMP_LINE="strata upg"; COMP_POINT=10
    $(complete -p strata | sed -E "s/.* -F ([^ ]+) .*/\1/") strata upg strata; echo "${COMPREPLY[*]}"')
  [[ $got == upgrade ]] || fail "installed bash completion: got [$got]"
  echo "ok   man strata, bash completion"
fi

# The README's example project, from the installed files.
cp -r /usr/share/doc/strata/examples/project "$work/sqlite" 2>/dev/null || cp -r "$work/root/usr/share/doc/strata/examples/project" "$work/sqlite"
cp -r "$work/sqlite" "$work/pg"
(cd "$work/sqlite" && env -u DATABASE_URL -u ANALYTICS_DATABASE_URL "$bin" upgrade head) || fail "upgrade head on SQLite"
cur=$(cd "$work/sqlite" && env -u DATABASE_URL -u ANALYTICS_DATABASE_URL "$bin" current)
grep -q "5d9b3e7a2f60 (head)" <<<"$cur" && grep -q "f7b9d1e3a5c6 (head)" <<<"$cur" || fail "SQLite not at head: $cur"
echo "ok   upgrade head on SQLite"
[[ -n ${STRATA_TEST_PG_URL:-} ]] || fail "STRATA_TEST_PG_URL is not set (scripts/test.sh starts a server)"
db=strata_pkg_$$
psql -q "$STRATA_TEST_PG_URL" -c "CREATE DATABASE $db" || fail "cannot create a scratch PostgreSQL database"
pg_url="${STRATA_TEST_PG_URL%/*}/$db"
drop() { psql -q "$STRATA_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" || true; }
(cd "$work/pg" && DATABASE_URL=$pg_url "$bin" upgrade head) || { drop; fail "upgrade head on PostgreSQL"; }
rows=$(psql -Atq "$pg_url" -c "SELECT version_num FROM alembic_version" && psql -Atq "$pg_url" -c "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users','orders')")
drop
[[ $rows == $'5d9b3e7a2f60\n2' ]] || fail "PostgreSQL after upgrade head: $rows"
echo "ok   upgrade head on PostgreSQL (main) and SQLite (analytics) from $bin"
echo "== package-test: passed"
