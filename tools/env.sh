# Shared settings for the tools/ scripts: where the virtualenvs live and which
# interpreter and ansible-core line each uses. Sourced, not run.
# shellcheck shell=bash
# The variables below are read by the scripts that source this file.
# shellcheck disable=SC2034

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_DIR=${PARTNERCENTER_VENV_DIR:-$ROOT/.venv}
BUILD_DIR=${PARTNERCENTER_BUILD_DIR:-$ROOT/.build}

# The newest ansible-core release needs Python 3.12+; the oldest line that
# meta/runtime.yml admits (2.16) runs on 3.11, the machine's default.
NEWEST_CORE='ansible-core>=2.21,<2.22'
OLDEST_CORE='ansible-core>=2.16,<2.17'
# The lines between that Red Hat's partner certification tests collections on (2.16, 2.18, 2.20);
# sanity and units only. 2.20 needs Python 3.12+; 2.18 runs on 3.12 too, so no new Python is needed.
CERTIFIED_CORES=(2.18 2.20)

# The demo and `make emulator` run on any Python >= 3.10, newest first, with the newest
# ansible-core pip offers for it (2.17 on 3.10, 2.19 on 3.11, 2.21 on 3.12 and later).
DEMO_PYTHONS=(3.13 3.12 3.11 3.10)
DEMO_CORE='ansible-core>=2.16'

MAIN_VENV=$VENV_DIR/main
OLDEST_VENV=$VENV_DIR/core-2.16
# the venv of each certified line: .venv/core-2.18, .venv/core-2.20
certified_venv() { echo "$VENV_DIR/core-$1"; }
DEMO_VENV=$VENV_DIR/demo

python_candidates() {
    # python_candidates python3.12 -> the executables of that name, one a line, best first:
    # pyenv's real binaries (newest patch release first), then PATH order. Never a pyenv shim:
    # the shim of a version pyenv has not activated fails with "command not found".
    local name=$1 candidate dir
    local -a path_dirs
    if [ "$name" != python3 ]; then
        for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"${name#python}".*/bin/"$name"; do
            # if, not &&: an unmatched glob must not end the loop with status 1 (set -e, pipefail)
            if [ -x "$candidate" ]; then echo "$candidate"; fi
        done | sort -rV
    fi
    IFS=: read -ra path_dirs <<< "$PATH"
    for dir in "${path_dirs[@]}"; do
        case $dir in ''|*/shims) continue ;; esac
        if [ -x "$dir/$name" ] && [ ! -d "$dir/$name" ]; then echo "$dir/$name"; fi
    done
    return 0
}

can_make_venv() {
    # Debian and Ubuntu ship venv's ensurepip separately (python3.X-venv).
    "$1" -c 'import ensurepip, venv' >/dev/null 2>&1
}

python_need() {
    # what in the test suite needs Python $1
    case $1 in
        3.12) echo "for .venv/main (the newest ansible-core, 2.21), which every step but sanity-oldest and units-oldest uses, and for .venv/core-2.18 and .venv/core-2.20 (steps sanity-2.18, units-2.18, sanity-2.20, units-2.20)" ;;
        3.11) echo "for .venv/core-2.16 (the oldest supported ansible-core, 2.16), which steps sanity-oldest and units-oldest use" ;;
        3.8) echo "for step units-oldest (unit tests on Python 3.8, the oldest the modules support)" ;;
    esac
}

python_hint() {
    # how to get Python $1
    case $1 in
        3.11) echo "pyenv install 3.11 (on Debian 12: apt install python3.11 python3.11-venv)" ;;
        *) echo "pyenv install $1 (Debian 12's apt has only 3.11)" ;;
    esac
}

find_python() {
    # find_python 3.12 -> path of a python3.12 that can create virtualenvs (pyenv's real binary
    # first, else one on PATH; never a shim). Otherwise one line on stderr, what needs it and
    # how to get it, and status 1.
    local want=$1 candidate unusable=
    while IFS= read -r candidate; do
        if can_make_venv "$candidate"; then
            echo "$candidate"
            return 0
        fi
        unusable=${unusable:-$candidate}
    done < <(python_candidates "python$want")
    if [ -n "$unusable" ]; then
        echo "Python $want at $unusable cannot create virtualenvs (no ensurepip) $(python_need "$want"); get it with: apt install python$want-venv, or $(python_hint "$want")" >&2
    else
        echo "Python $want not found (looked in ${PYENV_ROOT:-$HOME/.pyenv}/versions and on PATH) $(python_need "$want"); get it with: $(python_hint "$want")" >&2
    fi
    return 1
}

check_pythons() {
    # check_pythons 3.12 3.11 ...: one line on stderr per missing Python; status 1 if any is missing
    local version missing=0
    for version in "$@"; do
        find_python "$version" >/dev/null || missing=1
    done
    return $missing
}

find_demo_python() {
    # The newest Python >= 3.10 that can create virtualenvs: python3.13 ... python3.10, then
    # python3 if it is recent enough. Otherwise one line on stderr and status 1.
    local name candidate version real
    local -a found=() seen=() unusable=()
    for name in "${DEMO_PYTHONS[@]/#/python}" python3; do
        while IFS= read -r candidate; do
            real=$(readlink -f "$candidate")
            [[ " ${seen[*]} " == *" $real "* ]] && continue
            seen+=("$real")
            version=$("$candidate" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || continue
            found+=("$candidate ($version)")
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || continue
            if can_make_venv "$candidate"; then
                echo "$candidate"
                return 0
            fi
            unusable+=("$candidate (apt install python${version%.*}-venv)")
        done < <(python_candidates "$name")
    done
    if [ ${#unusable[@]} -gt 0 ]; then
        echo "make demo needs a Python 3.10 or later that can create virtualenvs; found without venv support: ${unusable[*]}" >&2
    else
        echo "make demo needs Python 3.10 or later; found: ${found[*]:-no python3 at all}; install python3 from your distribution or pyenv" >&2
    fi
    return 1
}

start_emulator() {
    # start_emulator DIR [EMULATOR-ARG...]: starts the bundled Partner Center emulator
    # (tests/emulator) in the background with the demo venv's Python, and waits until it
    # listens. In DIR: state/ (its CA and server key), emulator-env.sh (its export lines),
    # ready.json and emulator.log (its stdout, which carries the settings, and stderr).
    # Sets EMULATOR_PID. If it does not start: its log on stderr and status 1.
    local dir=$1
    shift
    # Private only when made here: DIR may be a directory of the user's (tools/emulator.sh's EMULATOR_DIR).
    if [ ! -d "$dir" ]; then mkdir -p "$dir" && chmod 700 "$dir"; fi
    PYTHONPATH="$ROOT/tests/emulator" "$DEMO_VENV/bin/python" -m partnercenter_emulator \
        --state-dir "$dir/state" --env-file "$dir/emulator-env.sh" --ready-file "$dir/ready.json" \
        "$@" > "$dir/emulator.log" 2>&1 &
    EMULATOR_PID=$!
    local _
    for _ in $(seq 600); do
        [ -s "$dir/ready.json" ] && [ -s "$dir/emulator-env.sh" ] && return 0
        kill -0 "$EMULATOR_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "the emulator did not start:" >&2
    cat "$dir/emulator.log" >&2
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    EMULATOR_PID=
    return 1
}
