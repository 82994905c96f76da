#!/usr/bin/env bash
# Runs the integration targets against a fresh emulator. Run from the collection root
# (inside an ansible_collections/partnercenter/csp tree) with the test venv on PATH.
# The emulator's settings reach the targets through integration_config.yml, the file
# ansible-test passes to every target as extra vars.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=$(mktemp -d)
# The config holds this run's emulator settings: it goes with the run, so no later step
# (lint, the tarball) sees it.
trap 'kill "$emulator_pid" 2>/dev/null; wait "$emulator_pid" 2>/dev/null; rm -rf "$state" "$here/integration_config.yml"' EXIT

PYTHONPATH="$here/../emulator" python -m partnercenter_emulator --state-dir "$state" \
    --ready-file "$state/ready.json" --max-lifetime 3000 > "$state/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$state/ready.json" ] && break; sleep 0.1; done
[ -s "$state/ready.json" ] || { cat "$state/emulator.log"; exit 1; }

python - "$state/ready.json" "$here/integration_config.yml" <<'PY'
import json
import sys

settings = json.load(open(sys.argv[1]))
config = {
    "partnercenter_emulator_url": settings["url"],
    "partnercenter_ca_path": settings["ca_path"],
    "partnercenter_customer_id": settings["customer_id"],
    "partnercenter_connection": {
        "api_url": settings["url"],
        "authority_host": settings["url"],
        "tenant_id": settings["tenant_id"],
        "client_id": settings["client_id"],
        "client_secret": settings["client_secret"],
        "refresh_token": settings["refresh_token"],
        "ca_path": settings["ca_path"],
        # each target run starts with no cached token, so token use is deterministic
        "token_cache": False,
    },
}
with open(sys.argv[2], "w") as handle:
    json.dump(config, handle, indent=2)
PY

ansible-test integration --color no --local --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "$@"
