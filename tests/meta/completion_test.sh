#!/usr/bin/env bash
# Drives the bash completion function (completion/strata.bash, with Debian's
# bash-completion loaded as in an interactive shell) and the zsh one
# (completion/_strata, with zsh's completion builtins stubbed) on a project
# with two databases, a branch label and an environment, and checks the
# candidates: commands, options, --db and --env names from the alembic.toml
# in effect (-c honoured), revision ids, labels, head/heads/base, DB=TARGET.
# usage: completion_test.sh STRATA_BIN SOURCE_DIR
set -euo pipefail
strata=$(readlink -f "$1") src=$(readlink -f "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/proj" "$work/other"
ln -s "$strata" "$work/bin/strata"
export PATH="$work/bin:$PATH"
cp -r "$src/migrations" "$work/proj/"
rm -rf "$work"/proj/migrations/*/.strata_cache
cat > "$work/proj/alembic.toml" <<'TOML'
[alembic]
version_locations = ["migrations/main", "migrations/analytics"]
[databases.main]
url = "sqlite:///main.db"
[databases.analytics]
url = "sqlite:///analytics.db"
[environments.staging]
main = ["sqlite:///s1.db"]
[environments.production]
main = ["sqlite:///p1.db"]
TOML
cat > "$work/other/elsewhere.toml" <<'TOML'
[alembic]
version_locations = ["m/reporting"]
[databases.reporting]
url = "sqlite:///r.db"
TOML
mkdir -p "$work/other/m/reporting"
cd "$work/proj"
fail=0

# ---- bash ----
bash_completion=/usr/share/bash-completion/bash_completion
[[ -r $bash_completion ]] || { echo "FAIL: $bash_completion missing (apt install bash-completion)"; exit 1; }
bash_results=$(bash --norc --noprofile -c '
  source '"$bash_completion"'
  source '"$src"'/completion/strata.bash
  # Split a line into COMP_WORDS as readline does: blanks separate words, and
  # each run of = or : (COMP_WORDBREAKS) is a word of its own.
  t() {
    COMP_LINE=$1; COMP_POINT=${#COMP_LINE}
    local spaced; spaced=$(sed -E "s/([=:]+)/ \1 /g" <<<"$COMP_LINE")
    read -ra COMP_WORDS <<<"$spaced"
    [[ $COMP_LINE == *" " || ${COMP_LINE: -1} == "=" || ${COMP_LINE: -1} == ":" ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMPREPLY=()
    _strata strata "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s|%s\n" "$COMP_LINE" "$(printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//")"
  }
  t "strata up"
  t "strata d"
  t "strata --db "
  t "strata --db=an"
  t "strata --env "
  t "strata -c ../other/elsewhere.toml --db "
  t "strata upgrade --fail"
  t "strata --db main upgrade 3f"
  t "strata --db analytics upgrade "
  t "strata upgrade main=3f"
  t "strata downgrade analytics="
  t "strata resolve "
  t "strata graph --format "
  t "strata show e2a"
  t "strata stamp analytics@"
  t "strata history --ind"
')
expect_bash() {  # LINE EXPECTED-SORTED-CANDIDATES
  local got; got=$(grep -F -- "$1|" <<<"$bash_results" | head -1 | cut -d"|" -f2-)
  if [[ $got == "$2" ]]; then echo "ok   bash [$1] -> $got"; else echo "FAIL bash [$1]: got [$got], expected [$2]"; fail=1; fi
}
expect_bash "strata up" "upgrade"
expect_bash "strata d" "diff downgrade"
expect_bash "strata --db " "analytics main"
expect_bash "strata --db=an" "analytics"
expect_bash "strata --env " "production staging"
expect_bash "strata -c ../other/elsewhere.toml --db " "reporting"
expect_bash "strata upgrade --fail" "--fail-fast"
expect_bash "strata --db main upgrade 3f" "3f1a9c2b7d10"
expect_bash "strata --db analytics upgrade " "a1c3e5f7092b analytics analytics@base analytics@head base c4e6a8b0d21f f7b9d1e3a5c6 head heads"
expect_bash "strata upgrade main=3f" "3f1a9c2b7d10"
expect_bash "strata downgrade analytics=" "a1c3e5f7092b analytics analytics@base analytics@head base c4e6a8b0d21f f7b9d1e3a5c6 head heads"
expect_bash "strata resolve " "applied reverted"
expect_bash "strata graph --format " "dot text"
expect_bash "strata show e2a" "e2a4f6c8b013"
expect_bash "strata stamp analytics@" "analytics@base analytics@head"
expect_bash "strata history --ind" "--indicate-current"

# ---- zsh (compadd/_describe stubbed: print what would be offered) ----
if command -v zsh >/dev/null; then
  zsh_t() {  # LINE EXPECTED-SORTED
    local got
    got=$(zsh -f -c '
      _describe() { local -a c; c=("${(@P)${@[-1]}}"); print -l -- "${(@)c%%:*}"; }
      _files() { print -- "<files $*>"; }
      compdef() { :; }
      source '"$src"'/completion/_strata
      words=(${(z)1}); [[ $1 == *" " ]] && words+=("")
      CURRENT=${#words}
      _strata' zsh "$1" | sed 's/\\:/:/g' | sort | tr "\n" " " | sed "s/ $//")
    if [[ $got == "$2" ]]; then echo "ok   zsh [$1] -> $got"; else echo "FAIL zsh [$1]: got [$got], expected [$2]"; fail=1; fi
  }
  zsh_t "strata he" "heads"
  zsh_t "strata --db " "analytics main"
  zsh_t "strata upgrade main=3f" "main=3f1a9c2b7d10"
  zsh_t "strata -c " "<files >"
  zsh_t "strata init " "<files -/>"
else
  echo "FAIL: zsh not installed (apt install zsh)"; fail=1
fi
exit $fail
