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

find_python() {
    # find_python 3.12 -> path of a python3.12 binary (pyenv's real binary, not its shim)
    local want=$1 candidate
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin/python"$want"; do
        [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    command -v "python$want" 2>/dev/null && return 0
    echo "python$want not found (install it, e.g. with pyenv)" >&2
    return 1
}

MAIN_VENV=$VENV_DIR/main
OLDEST_VENV=$VENV_DIR/core-2.16
