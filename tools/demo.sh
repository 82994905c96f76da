#!/usr/bin/env bash
# The demo behind `make demo`: onboards six demo users into the bundled Partner Center
# emulator with playbooks/onboard_users.yml, twice. The first run creates them, the second
# changes nothing. Everything runs on this machine: the emulator listens on 127.0.0.1 only
# and stops when the demo ends (or after 10 minutes at the latest).
# Usage: tools/demo.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Setting up the virtualenv ($MAIN_VENV) and staging the collection"
"$ROOT/tools/setup.sh" main
STAGED=$("$ROOT/tools/stage.sh")
COLLECTIONS_PATH=$(cd "$STAGED/../../.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/partnercenter-demo.XXXXXX")
emulator_pid=
cleanup() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting the Partner Center emulator (HTTPS on 127.0.0.1)"
# Its stdout carries the settings, secrets included: keep them in the log file, not on screen.
PYTHONPATH="$ROOT/tests/emulator" "$MAIN_VENV/bin/python" -m partnercenter_emulator \
    --state-dir "$work/emulator" --env-file "$work/env.sh" --ready-file "$work/ready.json" \
    --max-lifetime 600 > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do
    [ -s "$work/ready.json" ] && [ -s "$work/env.sh" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || break
    sleep 0.1
done
if ! [ -s "$work/ready.json" ]; then
    echo "the emulator did not start:" >&2
    cat "$work/emulator.log" >&2
    exit 1
fi
# The PARTNERCENTER_* variables the modules fall back to (what the AWX credential type injects).
# shellcheck source=/dev/null
source "$work/env.sh"
echo "emulator at $PARTNERCENTER_API_URL (partner tenant $PARTNERCENTER_TENANT_ID)"

export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS_PATH
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_RETRY_FILES_ENABLED=false
# requests (msal's transport) must trust the emulator's CA, not the system bundle the machine sets.
export REQUESTS_CA_BUNDLE=$PARTNERCENTER_CA_PATH CURL_CA_BUNDLE=$PARTNERCENTER_CA_PATH
export PARTNERCENTER_TOKEN_CACHE_PATH=$work/token-cache/tokens.json

onboard() {
    (cd "$ROOT" && "$MAIN_VENV/bin/ansible-playbook" playbooks/onboard_users.yml \
        -e @playbooks/vars/demo_users.yml -e partnercenter_secure_logging=false --diff) | tee "$work/run$1.log"
}

cat <<'EOF'

About the output: the role hides the task that carries the passwords (no_log) unless
partnercenter_secure_logging is false. The demo turns it off so that --diff shows each user:
the modules never return a password anyway; a password that is set shows only as
VALUE_SPECIFIED_IN_NO_LOG_PARAMETER. Keep the default (true) for real tenants and in AWX.
EOF

say "First run: creates the six demo users of playbooks/vars/demo_users.yml"
onboard 1
say "Second run: the same users, already as described, so nothing changes"
onboard 2

say "Recap"
recap() { grep -E '^localhost +:' "$work/run$1.log" | sed -E 's/ +/ /g'; }
echo "first run:  $(recap 1)"
echo "second run: $(recap 2)"
customer=$("$MAIN_VENV/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["partnercenter_customer_id"])' \
    "$ROOT/playbooks/vars/demo_users.yml")
"$MAIN_VENV/bin/python" - "$PARTNERCENTER_EMULATOR_URL" "$customer" "$PARTNERCENTER_CA_PATH" <<'PY'
import sys

import requests

url, customer, ca = sys.argv[1:]
users = requests.get("%s/_emulator/customers/%s/users" % (url, customer), verify=ca, timeout=30).json()["items"]
print("the emulator now holds %d users for customer %s:" % (len(users), customer))
for user in users:
    print("  %-45s %-20s %s %s" % (user["userPrincipalName"], user["displayName"], user.get("usageLocation"), user["state"]))
PY
if ! recap 2 | grep -q ' changed=0 '; then
    echo "the second run changed something: not idempotent" >&2
    exit 1
fi
say "Done: the second run changed nothing. The emulator stops now."
