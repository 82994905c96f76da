#!/usr/bin/env bash
# The demo behind `make demo`: onboards six demo users into the bundled Partner Center
# emulator with playbooks/onboard_users.yml, twice. The first run creates them, the second
# changes nothing. Then a Global Administrator appears behind the inventory's back, and
# playbooks/audit_customers.yml reports it (audit.html, audit.json, junit.xml in .build/demo-audit).
# Everything runs on this machine: the emulator listens on 127.0.0.1 only and stops when the demo ends (or after 10 minutes at the latest). Needs only a Python 3.10
# or later: .venv/demo gets the newest one found and the newest ansible-core pip offers for it
# (tools/setup.sh demo), apart from the test suite's venvs.
# Usage: tools/demo.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Setting up the virtualenv ($DEMO_VENV) and staging the collection"
"$ROOT/tools/setup.sh" demo
"$DEMO_VENV/bin/python" - <<'PY'
import sys

from ansible.release import __version__

print("Python %d.%d.%d, ansible-core %s" % (sys.version_info[:3] + (__version__,)))
PY
STAGED=$("$ROOT/tools/stage.sh")
COLLECTIONS_PATH=$(cd "$STAGED/../../.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/partnercenter-demo.XXXXXX")
EMULATOR_PID=
cleanup() {
    if [ -n "$EMULATOR_PID" ]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting the Partner Center emulator (HTTPS on 127.0.0.1)"
# Its stdout carries the settings, secrets included: they stay in its log file, not on screen.
start_emulator "$work/emulator" --max-lifetime 600
# The PARTNERCENTER_* variables the modules fall back to (what the AWX credential type injects).
# shellcheck source=/dev/null
source "$work/emulator/emulator-env.sh"
echo "emulator at $PARTNERCENTER_API_URL (partner tenant $PARTNERCENTER_TENANT_ID)"

export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS_PATH
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_RETRY_FILES_ENABLED=false
# requests (msal's transport) must trust the emulator's CA, not the system bundle the machine sets.
export REQUESTS_CA_BUNDLE=$PARTNERCENTER_CA_PATH CURL_CA_BUNDLE=$PARTNERCENTER_CA_PATH
export PARTNERCENTER_TOKEN_CACHE_PATH=$work/token-cache/tokens.json

onboard() {
    (cd "$ROOT" && "$DEMO_VENV/bin/ansible-playbook" playbooks/onboard_users.yml \
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
customer=$("$DEMO_VENV/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["partnercenter_customer_id"])' \
    "$ROOT/playbooks/vars/demo_users.yml")
"$DEMO_VENV/bin/python" - "$PARTNERCENTER_EMULATOR_URL" "$customer" "$PARTNERCENTER_CA_PATH" <<'PY'
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

say "Drift: someone adds a Global Administrator to Fabrikam behind the inventory's back"
"$DEMO_VENV/bin/python" - "$PARTNERCENTER_EMULATOR_URL" "$customer" "$PARTNERCENTER_CA_PATH" <<'PY'
import sys

import requests

url, customer, ca = sys.argv[1:]
base = "%s/_emulator/customers/%s" % (url, customer)
user = {"userPrincipalName": "eve.intruder@fabrikam.onmicrosoft.com", "displayName": "Eve Intruder", "usageLocation": "US"}
requests.post(base + "/users", json={"users": [user]}, verify=ca, timeout=30).raise_for_status()
requests.post(base + "/directoryroles/62e90394-69f5-4237-9190-012177145e10/members", json={"users": [user["userPrincipalName"]]},
              verify=ca, timeout=30).raise_for_status()
print("added %s as Global Administrator (with the emulator's control endpoint, not through Partner Center)" % user["userPrincipalName"])
PY

say "Audit: playbooks/audit_customers.yml over Fabrikam (the demo users) and Contoso (no users listed), writing nothing"
# An inventory of the two customers: Fabrikam's users are the demo's, Contoso lists none.
mkdir -p "$work/inventory/host_vars"
printf 'partnercenter_customers:\n  hosts:\n    fabrikam.onmicrosoft.com: {partnercenter_customer_id: %s}\n    %s\n' "$customer" \
    'contoso.onmicrosoft.com: {partnercenter_customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08}' > "$work/inventory/hosts.yml"
cp "$ROOT/playbooks/vars/demo_users.yml" "$work/inventory/host_vars/fabrikam.onmicrosoft.com.yml"
# The report outlives the demo's scratch directory.
report_dir=$BUILD_DIR/demo-audit
(cd "$ROOT" && "$DEMO_VENV/bin/ansible-playbook" playbooks/audit_customers.yml -i "$work/inventory" \
    -e partnercenter_audit_dir="$report_dir" -e partnercenter_audit_list_unmanaged=true \
    -e partnercenter_audit_min_available_seats=5)
echo
echo "The audit report: $report_dir/audit.html (open it in a browser; also audit.json and junit.xml there)"
say "Done: the second run changed nothing, and the audit found the undeclared admin. The emulator stops now."
