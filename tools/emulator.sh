#!/usr/bin/env bash
# The bundled Partner Center emulator (tests/emulator) in the foreground, for developing
# playbooks offline (behind `make emulator`). It runs with the demo's venv (.venv/demo, made
# on first use by tools/setup.sh demo), listens on 127.0.0.1 only, writes an env file and
# prints the variables to export before it blocks. Ctrl-C stops it and removes what it wrote.
#
# Usage: tools/emulator.sh [EMULATOR-ARG...]
#   SEED=path/to/seed.json    your own seed (customers, users, SKUs, roles; format in
#                             tests/emulator/README.md); default tests/emulator/seeds/default.json
#   PORT=8443                 a fixed port (default: any free port, new on every start)
#   EMULATOR_ARGS="--rate-limit 20 --latency-ms 100"
#                             more flags for python -m partnercenter_emulator (see its README)
#   EMULATOR_DIR=DIR          where its state, env file and log go (default .build/emulator)
set -euo pipefail
source "$(dirname "$0")/env.sh"

dir=${EMULATOR_DIR:-$BUILD_DIR/emulator}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
env_file=$dir/env.sh

# No limit on its lifetime unless asked for; flags given later (EMULATOR_ARGS, arguments) win.
args=(--max-lifetime 0)
seed=tests/emulator/seeds/default.json
if [ -n "${SEED:-}" ]; then
    [ -f "$SEED" ] || { echo "SEED=$SEED: no such file (a relative path is taken from $(pwd))" >&2; exit 2; }
    seed=$(cd "$(dirname "$SEED")" && pwd)/$(basename "$SEED")
    args+=(--seed "$seed")
fi
[ -n "${PORT:-}" ] && args+=(--port "$PORT")
read -ra extra <<< "${EMULATOR_ARGS:-}"
args+=("${extra[@]}" "$@")

if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "an emulator already runs from $dir (pid $(cat "$dir/pid"), settings in $env_file);" \
        "stop it first, or give this one another EMULATOR_DIR" >&2
    exit 1
fi

"$ROOT/tools/setup.sh" demo

# Only the entries this script makes: EMULATOR_DIR may be a directory of the user's.
remove_state() {
    rm -rf "$dir/state" "$dir/token-cache"
    rm -f "$env_file" "$dir/emulator-env.sh" "$dir/ready.json" "$dir/emulator.log" "$dir/pid"
}
EMULATOR_PID=
cleanup() {
    if [ -n "$EMULATOR_PID" ]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    remove_state
}
trap cleanup EXIT
trap 'echo; echo "emulator stopped; its state and $env_file are removed"; exit 0' INT TERM

remove_state
umask 077   # its log and env file carry the (throwaway) secrets
start_emulator "$dir" "${args[@]}"
echo "$EMULATOR_PID" > "$dir/pid"

# shellcheck source=/dev/null
source "$dir/emulator-env.sh"
{
    echo "# partnercenter.csp: the Partner Center emulator started by tools/emulator.sh (pid $EMULATOR_PID)."
    echo "# The secret and refresh token are made-up seed values that only this emulator accepts, not real credentials."
    cat "$dir/emulator-env.sh"
    # requests (msal's transport) must trust the emulator's CA, not a system bundle set in these.
    printf 'export REQUESTS_CA_BUNDLE=%q CURL_CA_BUNDLE=%q\n' "$PARTNERCENTER_CA_PATH" "$PARTNERCENTER_CA_PATH"
    # Tokens of this emulator in a cache of their own, removed when it stops.
    printf 'export PARTNERCENTER_TOKEN_CACHE_PATH=%q\n' "$dir/token-cache/tokens.json"
} > "$env_file.tmp"
mv "$env_file.tmp" "$env_file"

customers=$("$DEMO_VENV/bin/python" - "$PARTNERCENTER_EMULATOR_URL" "$PARTNERCENTER_CA_PATH" <<'PY'
import json
import ssl
import sys
import urllib.request

url, ca = sys.argv[1:]
with urllib.request.urlopen(url + "/_emulator/customers", context=ssl.create_default_context(cafile=ca), timeout=30) as reply:
    body = json.loads(reply.read().decode("utf-8-sig"))
print(" ".join(str(c) for c in (body.get("items", body) if isinstance(body, dict) else body)))
PY
) || customers="(could not list them)"

cat <<EOF

Partner Center emulator at $PARTNERCENTER_API_URL (pid $EMULATOR_PID), seed $seed
Customers: $customers

Paste these lines into the shell that runs your playbooks, or: source $env_file
The client secret and refresh token in them are made-up values from the seed that only this
emulator accepts: not real credentials, they work nowhere else.

EOF
grep '^export ' "$env_file"
cat <<EOF

What your playbooks did: $PARTNERCENTER_EMULATOR_URL/_emulator/requests (request log) and
$PARTNERCENTER_EMULATOR_URL/_emulator/customers/CUSTOMER_ID/users (users), e.g.
  curl --cacert $PARTNERCENTER_CA_PATH $PARTNERCENTER_EMULATOR_URL/_emulator/requests
Everything stays on 127.0.0.1. Stop it with Ctrl-C here (or kill $EMULATOR_PID): that removes its
state and the env file.
EOF

wait "$EMULATOR_PID"
