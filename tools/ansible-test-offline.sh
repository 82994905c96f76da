#!/usr/bin/env bash
# ansible-test bootstraps pip in its venvs with a get-pip.py it downloads from a host this
# network cannot reach. It looks in ~/.ansible/test/cache first, so put a stand-in there
# (one per pip version each installed ansible-test asks for) that uses ensurepip + PyPI.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
versions=$(grep -ho "pip='[0-9.]*'" "$VENV_DIR"/*/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | tr -dc "0-9.\n" | sort -u)
for version in $versions; do
    cat > "$cache/get_pip_${version//./_}.py" <<'PY'
"""Stand-in for get-pip.py: ensurepip, then pip installs what ansible-test asked for."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)
PY
done
