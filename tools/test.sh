#!/usr/bin/env bash
# The whole test suite, from a fresh clone: creates what it needs, runs every step, and
# ends with one line "suite: N passed, N failed". Exit status 0 only when all passed.
# Usage: tools/test.sh [step ...]   (default: all steps; see STEPS below)
set -uo pipefail
source "$(dirname "$0")/env.sh"

STEPS=(emulator sanity-newest sanity-oldest sanity-2.18 sanity-2.20 units-newest units-oldest units-2.18 units-2.20
       integration system lint docs build)
[ $# -gt 0 ] && STEPS=("$@")

# Pre-flight, before anything long: every Python the run needs (setup.sh all makes .venv/main,
# .venv/core-2.18 and .venv/core-2.20 with 3.12 and .venv/core-2.16 with 3.11; units-oldest also
# runs on 3.8). One line per missing one.
needed_pythons=(3.12 3.11)
[[ " ${STEPS[*]} " == *" units-oldest "* ]] && needed_pythons+=(3.8)
check_pythons "${needed_pythons[@]}" || exit 1

"$ROOT/tools/setup.sh" all || exit 1
# ansible-test's shellcheck sanity test needs the shellcheck binary (Debian's package); without it
# the test is skipped with a warning, so install it where that is possible.
if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && apt-get install -y -qq shellcheck; } >/dev/null 2>&1 || echo "shellcheck could not be installed" >&2
fi
# The audit's system test renders its HTML report in headless Chromium (Debian's package); in CI
# (CI=true) that test fails without it, so install it where that is possible.
if [[ " ${STEPS[*]} " == *" system "* ]] && ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null 2>&1 || echo "chromium could not be installed" >&2
fi
"$ROOT/tools/ansible-test-offline.sh" || exit 1
STAGED=$("$ROOT/tools/stage.sh") || exit 1
REPORTS=$BUILD_DIR/reports
mkdir -p "$REPORTS"

# pyenv's shims break ansible-test's look-up of other Pythons: use the real binaries.
all_pythons_path() {
    local dirs="" dir
    for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin; do dirs="$dirs:$dir"; done
    echo "$1/bin$dirs:$(echo "$PATH" | tr ':' '\n' | grep -v '/shims$' | paste -sd:)"
}

in_venv() {
    # in_venv VENV command...: run with that venv first on PATH and only real Pythons after it
    local venv=$1; shift
    PATH=$(all_pythons_path "$venv") VIRTUAL_ENV=$venv "$@"
}

step_emulator() {
    in_venv "$MAIN_VENV" python -m pytest -q -p no:cacheprovider "$ROOT/tests/emulator"
}

sanity() {
    (cd "$STAGED" && in_venv "$1" ansible-test sanity --color no --venv)
}
step_sanity-newest() { sanity "$MAIN_VENV"; }
step_sanity-oldest() { sanity "$OLDEST_VENV"; }
# 2.18 and 2.20: the other lines Red Hat's partner certification runs sanity and units on
step_sanity-2.18() { sanity "$(certified_venv 2.18)"; }
step_sanity-2.20() { sanity "$(certified_venv 2.20)"; }

units() {
    # units VENV PYTHON...: ansible-test units with that venv's ansible-core, once per Python version
    local venv=$1 python
    shift
    for python in "$@"; do
        (cd "$STAGED" && in_venv "$venv" ansible-test units --color no --venv --python "$python") || return 1
    done
}
step_units-newest() { units "$MAIN_VENV" 3.12; }
# 3.8: the oldest Python the modules support on a managed node (tests/config.yml)
step_units-oldest() { units "$OLDEST_VENV" 3.8 3.11; }
step_units-2.18() { units "$(certified_venv 2.18)" 3.12; }
step_units-2.20() { units "$(certified_venv 2.20)" 3.12; }

step_integration() {
    (cd "$STAGED" && in_venv "$MAIN_VENV" tests/integration/run.sh)
}

step_system() {
    in_venv "$MAIN_VENV" python -m pytest -q -p no:cacheprovider -n 2 "$ROOT/tests/system"
}

step_lint() {
    # offline, ansible-lint does not install the collection: point it at the staged one
    (cd "$STAGED" && ANSIBLE_COLLECTIONS_PATH=$BUILD_DIR/collections in_venv "$MAIN_VENV" ansible-lint --offline --profile production)
}

step_docs() {
    (cd "$STAGED" && in_venv "$MAIN_VENV" tests/docs/check.sh)
}

step_build() {
    (cd "$STAGED" && in_venv "$MAIN_VENV" tests/build/check.sh)
}

passed=0 failed=0 failures=()
for step in "${STEPS[@]}"; do
    echo "=== $step"
    start=$SECONDS
    if "step_$step"; then
        passed=$((passed + 1)); echo "=== $step passed ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1)); failures+=("$step"); echo "=== $step FAILED ($((SECONDS - start)) s)"
    fi
done
[ $failed -gt 0 ] && echo "failed steps: ${failures[*]}"
echo "suite: $passed passed, $failed failed"
[ $failed -eq 0 ]
