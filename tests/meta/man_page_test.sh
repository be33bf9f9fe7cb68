#!/usr/bin/env bash
# strata(1) covers the binary's command table: every command (from
# `strata __complete commands`) has an entry starting with its name in bold,
# every option of every command and every global option (from
# `strata __complete options [COMMAND]`) appears in bold, and so do --version,
# the required sections and every environment variable the sources read.
# usage: man_page_test.sh STRATA_BIN STRATA_1 SOURCE_DIR
set -euo pipefail
strata=$1 page=$2 src=$3
fail=0
# Roff as text: "\-" is a hyphen, font escapes marked as <b>...</b>.
text=$(sed -e 's/\\-/-/g' -e 's/\\fB/<b>/g' -e 's/\\fR/<\/b>/g' -e 's/\\fI//g' -e 's/\\(en/-/g' "$page")
has() { grep -qF -- "$1" <<<"$text"; }
[[ -s $page ]] || { echo "FAIL: $page missing or empty"; exit 1; }

commands=$("$strata" __complete commands)
n=$(wc -l <<<"$commands")
[[ $n -ge 14 ]] || { echo "FAIL: only $n commands from the binary"; exit 1; }
for c in $commands; do
  grep -qE "^<b>$c</b>( |$)" <<<"$text" || { echo "FAIL: command '$c' has no entry in strata(1)"; fail=1; }
done
options=$( { "$strata" __complete options; for c in $commands; do "$strata" __complete options "$c"; done; } \
           | awk '{print $1}' | sort -u)
for o in $options --version; do
  has "<b>$o</b>" || { echo "FAIL: option $o is not in strata(1)"; fail=1; }
done
for s in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS TARGETS CONFIGURATION "REVISION FILES" \
         ENVIRONMENT FILES "EXIT STATUS" EXAMPLES; do
  grep -qx "\.SH $s" <<<"$text" || { echo "FAIL: no section $s"; fail=1; }
done
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$src/src" "$src/plugins" | sed -E 's/getenv\("([A-Z_]+)"\)/\1/' | sort -u) \
         DATABASE_URL; do
  has "<b>$v</b>" || { echo "FAIL: environment variable $v is not in strata(1)"; fail=1; }
done
for k in version_locations version_table version_table_schema transaction_per_migration jobs plugin_path \
         url location urls urls_file "Revision ID" Revises "Create Date" Message "Branch Labels" "Depends On" \
         Transactional; do
  has "$k" || { echo "FAIL: '$k' is not in strata(1)"; fail=1; }
done
# The version in the page is the binary's.
v=$("$strata" --version | sed -n '1s/^strata //p')
grep -q "\"Strata $v\"" "$page" || { echo "FAIL: strata(1) is not for version $v"; fail=1; }
[[ $fail -eq 0 ]] && echo "ok: strata(1) covers $n commands, $(wc -w <<<"$options") options, version $v"
exit $fail
