#!/usr/bin/env bash
# Creates the virtualenvs the demo and the test suite use. Idempotent: a venv whose
# inputs have not changed is kept.
#   .venv/demo       the newest Python >= 3.10 found, the newest ansible-core pip offers for it,
#                    the collection's requirements and the emulator's (make demo, make emulator)
#   .venv/main       Python 3.12, newest ansible-core, the collection's and the tools' deps
#   .venv/core-2.16  Python 3.11, oldest supported ansible-core, for sanity and units
#   .venv/core-2.18, .venv/core-2.20  Python 3.12, the other lines Red Hat's certification tests on,
#                    for sanity and units
# Usage: tools/setup.sh [demo|main|all]   (all = main, core-2.16, core-2.18 and core-2.20, what the test suite uses)
set -euo pipefail
source "$(dirname "$0")/env.sh"
what=${1:-all}

make_venv() {
    # make_venv DIR PYTHON PIP-ARGS...; STAMP_FILES: the requirement files it depends on
    local dir=$1 python=$2; shift 2
    local stamp="$dir/.inputs" inputs
    # relative to the checkout, so that a worktree given this venv (PARTNERCENTER_VENV_DIR) keeps it
    inputs=$(printf '%s\n' "$python" "${@#"$ROOT/"}"; cat "${STAMP_FILES[@]}")
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

case $what in
    demo)
        # Only what the demo runs: ansible-core, the collection's requirements, and the emulator's
        # (its lower bounds as tests/requirements-dev.txt states them); no lint or docs tooling.
        mapfile -t emulator_deps < <(grep -E '^(trustme|cryptography)\b' "$ROOT/tests/requirements-dev.txt")
        if [ ${#emulator_deps[@]} -ne 2 ]; then
            echo "tests/requirements-dev.txt no longer lists trustme and cryptography (the emulator's dependencies)" >&2
            exit 1
        fi
        python=$(find_demo_python)
        STAMP_FILES=("$ROOT/requirements.txt" "$ROOT/tests/requirements-dev.txt")
        make_venv "$DEMO_VENV" "$python" "$DEMO_CORE" -r "$ROOT/requirements.txt" "${emulator_deps[@]}"
        ;;
    main|all)
        # Every Python this needs is checked (one line for each that is missing) before any venv is made.
        if [ "$what" = all ]; then check_pythons 3.12 3.11; else check_pythons 3.12; fi
        STAMP_FILES=("$ROOT/requirements.txt" "$ROOT/tests/requirements-dev.txt" "$ROOT/tests/unit/requirements.txt")
        python=$(find_python 3.12)
        make_venv "$MAIN_VENV" "$python" "$NEWEST_CORE" -r "$ROOT/tests/requirements-dev.txt"
        if [ "$what" = all ]; then
            python=$(find_python 3.11)
            make_venv "$OLDEST_VENV" "$python" "$OLDEST_CORE" -r "$ROOT/tests/unit/requirements.txt" pytest pytest-xdist
            python=$(find_python 3.12)
            for core in "${CERTIFIED_CORES[@]}"; do
                make_venv "$(certified_venv "$core")" "$python" "ansible-core==$core.*" -r "$ROOT/tests/unit/requirements.txt" pytest pytest-xdist
            done
        fi
        ;;
    *)
        echo "usage: tools/setup.sh [demo|main|all]" >&2
        exit 2
        ;;
esac
