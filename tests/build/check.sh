#!/usr/bin/env bash
# The "build" step of tools/test.sh: the collection artifact, built, inspected, installed and
# imported the way Galaxy would, without network.
#
#   1. ansible-galaxy collection build, from a copy of the collection into which a file has been
#      planted in every place that galaxy.yml's build_ignore must keep out (.venv, .build,
#      tests/output, __pycache__, ...), so that the check holds for a build from a developer's
#      work tree too; the tarball is listed with tar -tzf and must contain none of them, and
#      must contain what the collection is made of (modules, role, playbooks, docs, meta).
#   2. ansible-galaxy collection install of the tarball into an empty directory (it declares no
#      dependencies, so no Galaxy server is needed), then ansible-galaxy collection verify
#      --offline, and ansible-doc -l on that installed copy alone: every module of
#      plugins/modules and every role must be listed, and nothing else.
#   3. galaxy-importer on the tarball with tests/build/galaxy-importer.cfg (ansible-doc,
#      ansible-lint production profile offline, changelog and tag checks; ansible-test is off,
#      it needs a container engine): it must complete, with no WARNING or ERROR line.
#
# Run it from the collection root of a staged copy, .../ansible_collections/partnercenter/csp
# (tools/stage.sh), with the main venv first on PATH. Exit status 0 only when every check passes.
set -uo pipefail

root=$(pwd -P)
case "$root" in
    */ansible_collections/partnercenter/csp) ;;
    *) echo "run me from .../ansible_collections/partnercenter/csp (tools/stage.sh prints it), not $root" >&2; exit 2 ;;
esac
for tool in ansible-galaxy ansible-doc python; do
    command -v "$tool" >/dev/null || { echo "$tool not found: put the main venv on PATH (tools/setup.sh main)" >&2; exit 2; }
done
python -c 'import galaxy_importer' 2>/dev/null || { echo "galaxy-importer is not installed in $(command -v python)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ANSIBLE_NOCOLOR=1
# Nothing but what this script installs: no ~/.ansible/collections, no collections in site-packages.
export ANSIBLE_COLLECTIONS_PATH=$tmp/installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_LOCAL_TEMP=$tmp/ansible-local

# shellcheck source=tests/checks.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/checks.sh"

modules=$(for f in plugins/modules/*.py; do f=$(basename "$f" .py); [ "$f" = __init__ ] || echo "partnercenter.csp.$f"; done | sort)
roles=$(for f in roles/*/; do [ -d "$f" ] && echo "partnercenter.csp.$(basename "$f")"; done | sort)

# Paths that must never be in the artifact (build_ignore in galaxy.yml), with a planted file each.
FORBIDDEN_RE='(^|/)(\.venv|\.build|\.cache|\.git|\.pytest_cache|__pycache__)(/|$)|^tests/output(/|$)|^docs/build(/|$)|^tests/integration/inventory$|^tests/integration/integration_config\.yml$|\.py[co]$|\.tar\.gz$'
PLANTED=(
    .venv/main/bin/python
    .build/collections/ansible_collections/partnercenter/csp/galaxy.yml
    .cache/pip/wheel
    .pytest_cache/v/cache/nodeids
    tests/output/.tmp/sanity/result.json
    plugins/modules/__pycache__/partnercenter_customer_user.cpython-312.pyc
    plugins/module_utils/stale.pyc
    docs/build/html/index.html
    tests/integration/inventory
    partnercenter-csp-0.0.1.tar.gz
)
# What the artifact must contain.
REQUIRED=(
    MANIFEST.json FILES.json README.md CHANGELOG.rst meta/runtime.yml requirements.txt
    changelogs/changelog.yaml changelogs/config.yaml
    docs/docsite/extra-docs.yml docs/docsite/links.yml
)

build() {
    local src=$tmp/src/ansible_collections/partnercenter/csp path
    mkdir -p "$src" "$tmp/dist"
    cp -a . "$src/"
    for path in "${PLANTED[@]}"; do
        mkdir -p "$src/$(dirname "$path")" && echo planted >"$src/$path"
    done
    (cd "$src" && ansible-galaxy collection build --output-path "$tmp/dist" .) || return 1
    tarball=$(ls "$tmp"/dist/partnercenter-csp-*.tar.gz)
    echo "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB"
}

inspect_tarball() {
    local listing=$tmp/listing.txt bad missing=0 path
    tar -tzf "$tarball" | sed 's|^\./||; s|/$||' | sort >"$listing" || return 1
    echo "$(wc -l <"$listing") entries"
    bad=$(grep -E "$FORBIDDEN_RE" "$listing")
    if [ -n "$bad" ]; then
        echo "in the tarball but excluded by design (add them to build_ignore in galaxy.yml):"
        printf '%s\n' "$bad" | sed 's/^/  /'
        missing=1
    fi
    local required=("${REQUIRED[@]}")
    for path in plugins/modules/*.py roles/*/meta/argument_specs.yml roles/*/tasks/main.yml \
        playbooks/*.yml docs/docsite/rst/*.rst; do
        [ -e "$path" ] && required+=("$path")
    done
    for path in "${required[@]}"; do
        grep -qxF "$path" "$listing" || { echo "missing from the tarball: $path"; missing=1; }
    done
    return $missing
}

oneline() {
    printf '%s\n' "$1" | paste -sd' '
}

json_keys() {
    python -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin))))'
}

install_and_list() {
    local listed failed=0
    (cd "$tmp" && ansible-galaxy collection install "$tarball" -p "$tmp/installed") || return 1
    (cd "$tmp" && ansible-galaxy collection verify --offline partnercenter.csp) || failed=1
    # From $tmp, so that ansible-doc cannot find the staged copy around the working directory.
    listed=$(cd "$tmp" && ansible-doc -t module -l --json partnercenter.csp 2>"$tmp/doc.err" | json_keys)
    if [ "$listed" != "$modules" ] || [ -s "$tmp/doc.err" ]; then
        echo "ansible-doc -l partnercenter.csp listed: $(oneline "$listed")"
        echo "expected (plugins/modules): $(oneline "$modules")"
        cat "$tmp/doc.err"
        failed=1
    else
        echo "modules: $(oneline "$listed")"
    fi
    # (stderr not checked: ansible-doc -t role warns about ansible-core's own ansible._protomatter,
    # ansible/ansible#85689)
    listed=$(cd "$tmp" && ansible-doc -t role -l --json partnercenter.csp 2>/dev/null | json_keys)
    if [ "$listed" != "$roles" ]; then
        echo "ansible-doc -t role -l partnercenter.csp listed: $(oneline "$listed"); expected: $(oneline "$roles")"
        failed=1
    else
        echo "roles: $(oneline "$listed")"
    fi
    # And the docs come from the installed copy.
    if ! (cd "$tmp" && ansible-doc --json partnercenter.csp.partnercenter_customer_user 2>/dev/null) \
        | grep -q "\"filename\": \"$tmp/installed/ansible_collections/partnercenter/csp/plugins/modules/"; then
        echo "ansible-doc did not read partnercenter.csp.partnercenter_customer_user from the installed copy"
        failed=1
    fi
    return $failed
}

galaxy_importer() {
    local out=$tmp/importer.log rc
    # A private tmp and ansible tmp; the settings are in galaxy-importer.cfg next to this script.
    (cd "$tmp" && GALAXY_IMPORTER_CONFIG=$root/tests/build/galaxy-importer.cfg \
        GALAXY_IMPORTER_TMP_ROOT_DIR=$tmp GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=$tmp/importer-ansible \
        python -m galaxy_importer.main "$tarball") >"$out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || grep -qE '^(WARNING|ERROR)' "$out" || ! grep -q 'Importer processing completed successfully' "$out"; then
        echo "galaxy-importer: rc $rc"
        cat "$out"
        return 1
    fi
    grep -E '^(Importing with|Linting collection|Importer processing)' "$out"
}

tarball=
check "ansible-galaxy collection build" build
if [ -n "$tarball" ]; then
    check "tarball contents (tar -tzf)" inspect_tarball
    check "install, verify, ansible-doc -l from the installed copy" install_and_list
    check "galaxy-importer" galaxy_importer
fi

report build
