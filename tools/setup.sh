#!/usr/bin/env bash
# Creates the virtualenvs the demo and the test suite use. Idempotent: a venv whose
# inputs have not changed is kept.
#   .venv/main       Python 3.12, newest ansible-core, the collection's and the tools' deps
#   .venv/core-2.16  Python 3.11, oldest supported ansible-core, for sanity and units
# Usage: tools/setup.sh [main|all]
set -euo pipefail
source "$(dirname "$0")/env.sh"
what=${1:-all}

make_venv() {
    local dir=$1 python=$2; shift 2
    local stamp="$dir/.inputs" inputs
    inputs=$(printf '%s\n' "$python" "$@"; cat "$ROOT/requirements.txt" "$ROOT/tests/requirements-dev.txt" "$ROOT/tests/unit/requirements.txt")
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
        return 0
    fi
    echo "== creating $dir ($("$python" --version))"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade pip
    "$dir/bin/python" -m pip install --quiet "$@" 2>&1 | { grep -v "Location .* is ignored" || true; }
    printf '%s' "$inputs" > "$stamp"
}

make_venv "$MAIN_VENV" "$(find_python 3.12)" "$NEWEST_CORE" -r "$ROOT/tests/requirements-dev.txt"
if [ "$what" = all ]; then
    make_venv "$OLDEST_VENV" "$(find_python 3.11)" "$OLDEST_CORE" -r "$ROOT/tests/unit/requirements.txt" pytest pytest-xdist
fi
