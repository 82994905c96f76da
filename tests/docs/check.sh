#!/usr/bin/env bash
# The "docs" step of tools/test.sh: the collection's documentation, checked and rendered offline.
#
#   1. antsibull-docs lint-collection-docs: plugin and role docs (schema, semantic markup, the
#      references between them), rstcheck on the RST generated from them, and the extra docs in
#      docs/docsite (extra-docs.yml, links.yml, the guides and their :ansplugin:/:ansopt:/...
#      references, checked against the collection's real plugins and options).
#   2. antsibull-changelog lint (fragments) and lint-changelog-yaml (changelogs/changelog.yaml);
#      galaxy.yml's version is a release in changelogs/changelog.yaml, and CHANGELOG.rst is what
#      antsibull-changelog generates from it (so a release was made with the tool, not by hand).
#   3. The whole docsite rendered the way antsibull-docs sphinx-init sets it up, with Sphinx,
#      without network: the intersphinx mapping is emptied. Every Sphinx warning fails the step,
#      except undefined labels outside this collection (labels of the Ansible docsite, such as
#      common_return_values, which only intersphinx can resolve).
#   4. ansible-doc of every module and role: rc 0, some output, and nothing on stderr (ansible-doc
#      only warns about a plugin whose documentation does not parse, and the linter skips it).
#
# Run it from the collection root of a staged copy, .../ansible_collections/partnercenter/csp
# (tools/stage.sh), with the main venv first on PATH. Exit status 0 only when every check passes.
set -uo pipefail

root=$(pwd -P)
case "$root" in
    */ansible_collections/partnercenter/csp) ;;
    *) echo "run me from .../ansible_collections/partnercenter/csp (tools/stage.sh prints it), not $root" >&2; exit 2 ;;
esac
for tool in antsibull-docs antsibull-changelog ansible-doc sphinx-build; do
    command -v "$tool" >/dev/null || { echo "$tool not found: put the main venv on PATH (tools/setup.sh main)" >&2; exit 2; }
done

# The staged tree is the only copy of partnercenter.csp that ansible-doc and antsibull-docs see.
ANSIBLE_COLLECTIONS_PATH=$(cd "$root/../../.." && pwd -P)
export ANSIBLE_COLLECTIONS_PATH
export ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=tests/checks.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/checks.sh"

lint_collection_docs() {
    # rstcheck stays on: it checks the RST generated from the plugin docs, in a few seconds.
    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
        --validate-collection-refs all --disallow-unknown-collection-refs .
}

lint_changelog() {
    antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}

released_version() {
    local version
    version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])') || return 1
    if ! python -c 'import sys, yaml; sys.exit(sys.argv[1] not in yaml.safe_load(open("changelogs/changelog.yaml"))["releases"])' "$version"; then
        echo "galaxy.yml's version $version is not released in changelogs/changelog.yaml: antsibull-changelog release"
        return 1
    fi
    antsibull-changelog generate --output "$tmp/CHANGELOG.rst" 2>/dev/null || return 1
    diff -u CHANGELOG.rst "$tmp/CHANGELOG.rst" || { echo "CHANGELOG.rst differs from what antsibull-changelog generate writes"; return 1; }
    echo "version $version released; CHANGELOG.rst as generated"
}

render_docsite() {
    local site=$tmp/site warnings=$tmp/sphinx-warnings.txt unexpected
    mkdir -m 700 "$site"
    antsibull-docs sphinx-init --use-current --dest-dir "$site" partnercenter.csp >/dev/null || return 1
    # Offline: the generated conf.py maps python, jinja2 and the Ansible docsite for intersphinx,
    # which would fetch their inventories from the internet.
    printf '\n# tests/docs/check.sh: offline build, no inventories to fetch\nintersphinx_mapping = {}\n' >> "$site/conf.py"
    # What the generated build.sh does, with the warnings written to a file instead of -W.
    (
        cd "$site" || exit 1
        mkdir -p rst && chmod og-w rst
        antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current \
            --dest-dir rst partnercenter.csp >"$tmp/antsibull-docs.log" 2>&1 \
            || { cat "$tmp/antsibull-docs.log"; exit 1; }
        sphinx-build -M html rst build -c . -q --keep-going -w "$warnings" 2>/dev/null
    ) || { echo "sphinx-build failed:"; cat "$warnings" 2>/dev/null; return 1; }

    # Undefined labels outside this collection are the Ansible docsite's (such as
    # common_return_values), and so are ansible-core's configuration variables (ANSIBLE_CACHE_PLUGIN,
    # which the inventory cache fragment refers to): only intersphinx resolves them; list them.
    # Anything else (a broken reference into this collection, an RST error, a missing file) fails.
    local any_label="(WARNING: undefined label: '[^']*' \[ref\.ref\]|WARNING: 'envvar' reference target not found: ANSIBLE_[A-Z0-9_]+( \[ref\.envvar\])?)\$"
    local own_label="WARNING: undefined label: 'ansible_collections\.partnercenter\.csp\."
    grep -E "$any_label" "$warnings" | grep -v -E "$own_label" \
        | sed -E "s/.*(undefined label: '([^']*)'|reference target not found: (ANSIBLE_[A-Z0-9_]+)).*/  left to intersphinx (offline): \2\3/" \
        | sort | uniq -c
    unexpected=$({ grep -v -E "$any_label" "$warnings"; grep -E "$own_label" "$warnings"; } | grep -v '^[[:space:]]*$')
    if [ -n "$unexpected" ]; then
        echo "Sphinx warnings:"
        printf '%s\n' "$unexpected" | sed "s|$site/||"
        return 1
    fi
    local page missing=0
    for page in index collections/partnercenter/csp/index \
        collections/partnercenter/csp/docsite/guide_authentication \
        collections/partnercenter/csp/docsite/guide_awx \
        collections/partnercenter/csp/docsite/guide_onboarding; do
        [ -s "$site/build/html/$page.html" ] || { echo "not rendered: $page.html"; missing=1; }
    done
    for plugin in plugins/modules/*.py; do
        plugin=$(basename "$plugin" .py)
        [ "$plugin" = __init__ ] && continue
        [ -s "$site/build/html/collections/partnercenter/csp/${plugin}_module.html" ] \
            || { echo "not rendered: ${plugin}_module.html"; missing=1; }
    done
    echo "rendered $(find "$site/build/html" -name '*.html' | wc -l) HTML pages"
    return $missing
}

ansible_doc_clean() {
    # ansible_doc_clean TYPE NAME: the docs render, and ansible-doc has nothing to warn about
    local type=$1 name=$2 out=$tmp/ansible-doc.out err=$tmp/ansible-doc.err rc
    ansible-doc -t "$type" "$name" >"$out" 2>"$tmp/ansible-doc.stderr"
    rc=$?
    # ansible-core's own internal collection ansible._protomatter has no MANIFEST.json, and
    # "ansible-doc -t role" warns about it whatever the role (ansible/ansible#85689): not ours.
    grep -v -F "/ansible_collections/ansible/_protomatter' does not have a MANIFEST.json file" \
        "$tmp/ansible-doc.stderr" >"$err"
    if [ $rc -ne 0 ] || [ -s "$err" ] || [ ! -s "$out" ]; then
        echo "ansible-doc -t $type $name: rc $rc, $(wc -c <"$out") bytes of output, stderr:"
        cat "$err"
        return 1
    fi
    echo "ansible-doc -t $type $name: ok"
}

ansible_doc_all() {
    local failed=0 plugin role
    for plugin in plugins/modules/*.py; do
        plugin=$(basename "$plugin" .py)
        [ "$plugin" = __init__ ] && continue
        ansible_doc_clean module "partnercenter.csp.$plugin" || failed=1
    done
    for role in roles/*/meta/argument_specs.yml; do
        [ -e "$role" ] || continue
        role=${role#roles/}
        ansible_doc_clean role "partnercenter.csp.${role%%/*}" || failed=1
    done
    return $failed
}

check "antsibull-docs lint-collection-docs" lint_collection_docs
check "antsibull-changelog lint" lint_changelog
check "release: galaxy.yml version and CHANGELOG.rst" released_version
check "docsite rendered offline (antsibull-docs + sphinx)" render_docsite
check "ansible-doc of every module and role" ansible_doc_all

report docs
