# Shared by tests/docs/check.sh and tests/build/check.sh: run named checks, time them, report.
# Sourced, not run.
# shellcheck shell=bash

failures=()

check() {
    # check NAME command...: run one check, time it, and record a failure
    local name=$1 start=$SECONDS
    shift
    echo "--- $name"
    if "$@"; then
        echo "--- $name: ok ($((SECONDS - start)) s)"
    else
        echo "--- $name: FAILED ($((SECONDS - start)) s)"
        failures+=("$name")
    fi
}

report() {
    # report LABEL: the closing line; exit status 1 when any check failed
    if [ ${#failures[@]} -gt 0 ]; then
        echo "$1: failed: ${failures[*]}"
        return 1
    fi
    echo "$1: all checks passed"
}
