# bash completion for strata(1).
# Installed as /usr/share/bash-completion/completions/strata (loaded on demand
# by the bash-completion package). The candidates come from the binary itself:
# `strata __complete CWORD WORD...` reads the same command table, alembic.toml
# (-c/--config on the line is honoured) and revision chains as the commands.

_strata()
{
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        # Keep "--db=main" and "main=head" in one word.
        _get_comp_words_by_ref -n =: cur words cword
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
    fi

    local out
    out=$("${words[0]}" __complete "$((cword - 1))" "${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0
    local action=${out%%$'\n'*}
    COMPREPLY=()
    case $action in
        files)
            if declare -F _filedir >/dev/null 2>&1; then _filedir; else
                mapfile -t COMPREPLY < <(compgen -f -- "$cur"); fi
            return 0 ;;
        dirs)
            if declare -F _filedir >/dev/null 2>&1; then _filedir -d; else
                mapfile -t COMPREPLY < <(compgen -d -- "$cur"); fi
            return 0 ;;
    esac
    [[ $out == *$'\n'* ]] || return 0
    local line prefix=""
    # readline replaces only what follows the last '=' or ':' word break.
    if [[ $COMP_WORDBREAKS == *=* || $COMP_WORDBREAKS == *:* ]]; then
        local breaks="" c i
        [[ $COMP_WORDBREAKS == *=* ]] && breaks+="="
        [[ $COMP_WORDBREAKS == *:* ]] && breaks+=":"
        for ((i = ${#cur} - 1; i >= 0; i--)); do
            c=${cur:i:1}
            if [[ $breaks == *"$c"* ]]; then prefix=${cur:0:i+1}; break; fi
        done
    fi
    while IFS= read -r line; do
        line=${line%%$'\t'*}
        COMPREPLY+=("${line#"$prefix"}")
    done <<< "${out#*$'\n'}"
    return 0
}

complete -F _strata strata
