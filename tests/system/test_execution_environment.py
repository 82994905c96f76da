# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment files: ansible-builder's build context for the example EE (no container engine
needed), and the Python requirements ansible-builder's own introspection finds in the collection."""

from __future__ import absolute_import, division, print_function

import glob
import os
import shutil
import stat
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(sys.executable)
EE_DEFINITION = os.path.join(ROOT, "extensions", "ee", "execution-environment.yml")


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def run(command, **kwargs):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env["ANSIBLE_HOME"] = kwargs.pop("ansible_home")
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                            timeout=120, check=False, **kwargs)
    assert result.returncode == 0, "%s\n%s\n%s" % (command, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def collection_tarball(staged_collection, tmp_path_factory):
    """ansible-galaxy collection build of the staged collection."""
    out = tmp_path_factory.mktemp("tarball")
    staged = os.path.join(staged_collection, "ansible_collections", "partnercenter", "csp")
    run([os.path.join(BIN_DIR, "ansible-galaxy"), "collection", "build", "--output-path", str(out), staged],
        ansible_home=str(out / "ansible-home"))
    [tarball] = glob.glob(str(out / "partnercenter-csp-*.tar.gz"))
    return tarball


def test_collection_metadata_declares_the_python_requirements():
    meta = load_yaml(os.path.join(ROOT, "meta", "execution-environment.yml"))
    assert meta == {"version": 1, "dependencies": {"python": "requirements.txt"}}
    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        requirements = [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]
    assert any(r.startswith("msal") for r in requirements) and any(r.startswith("requests") for r in requirements)
    assert not os.path.exists(os.path.join(ROOT, "bindep.txt"))  # msal and requests are pure Python


def test_tarball_ships_the_role_playbooks_and_extensions(collection_tarball):
    with tarfile.open(collection_tarball) as tar:
        members = dict((m.name, m) for m in tar.getmembers())
    for name in ("roles/tenant_onboarding/meta/argument_specs.yml", "roles/tenant_onboarding/tasks/main.yml",
                 "playbooks/onboard_users.yml", "playbooks/install_awx_credential_type.yml",
                 "extensions/awx/credential_type.yml", "extensions/ee/execution-environment.yml",
                 "meta/execution-environment.yml", "requirements.txt"):
        assert name in members, name
    script = members["extensions/scripts/partnercenter_device_login.py"]
    assert script.mode & stat.S_IXUSR


def test_ansible_builder_create_makes_a_context_with_the_collection_and_msal(collection_tarball, tmp_path):
    work = tmp_path / "ee"
    work.mkdir()
    shutil.copy(EE_DEFINITION, str(work / "execution-environment.yml"))
    # what the definition's header tells the user to do
    shutil.copy(collection_tarball, str(work / "partnercenter-csp.tar.gz"))
    context = work / "context"
    run([os.path.join(BIN_DIR, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context)],
        cwd=str(work), ansible_home=str(tmp_path / "ansible-home"))

    build = context / "_build"
    assert (build / "collections" / "partnercenter-csp.tar.gz").is_file()
    assert load_yaml(str(build / "requirements.yml")) == {
        "collections": [{"name": "collections/partnercenter-csp.tar.gz", "type": "file"}]}
    [containerfile] = [p for p in (context / "Containerfile", context / "Dockerfile") if p.is_file()]
    text = containerfile.read_text()
    assert "ansible-galaxy collection install" in text and "-r requirements.yml" in text
    assert "introspect.py introspect" in text

    # The collection in the context declares msal, and ansible-builder's own introspection, run on the
    # collection installed from that tarball as the build does, finds it.
    with tarfile.open(str(build / "collections" / "partnercenter-csp.tar.gz")) as tar:
        shipped = tar.extractfile("requirements.txt").read().decode("utf-8")
    assert "msal>=" in shipped
    installed = tmp_path / "installed"
    run([os.path.join(BIN_DIR, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(installed),
         str(build / "collections" / "partnercenter-csp.tar.gz")], ansible_home=str(tmp_path / "ansible-home"))
    found = run([sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(installed)],
                ansible_home=str(tmp_path / "ansible-home"))
    data = yaml.safe_load(found.stdout)
    python = " ".join(data["python"])
    assert "msal>=" in python and "requests>=" in python
    assert "# from collection partnercenter.csp" in python
    assert not data.get("system")
