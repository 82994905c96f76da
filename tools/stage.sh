#!/usr/bin/env bash
# Copies the collection (the files git tracks or would track, as they are in the work
# tree) to .build/collections/ansible_collections/partnercenter/csp, the layout that
# ansible-test and ansible-playbook need. Prints the staged path.
set -euo pipefail
source "$(dirname "$0")/env.sh"
dest=$BUILD_DIR/collections/ansible_collections/partnercenter/csp
rm -rf "$dest"
mkdir -p "$dest"
cd "$ROOT"
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | xargs -0 --no-run-if-empty cp --parents -t "$dest"
# The copy sits inside this repository's ignored .build/; its own (empty) git repository
# makes ansible-test list the copied files instead of asking the outer repository.
git -C "$dest" init -q
echo "$dest"
