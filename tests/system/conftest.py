# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the system tests: an emulator per test, the staged collection, ansible-playbook runs.

- ``emulator``: a fresh ``partnercenter_emulator.Emulator`` on 127.0.0.1 (its own state dir), stopped
  after the test; the test fails if a request failed inside the emulator.
- ``staged_collection``: tools/stage.sh, once per session (per xdist worker, into its own directory);
  the value is the path for ANSIBLE_COLLECTIONS_PATH.
- ``playbook_env``: the environment of an ansible-playbook run against the emulator (a function of
  extra variables, for tools other than ansible-playbook).
- ``run_playbook(playbook, env=None, extra_args=())``: runs ansible-playbook from this venv and
  returns the CompletedProcess (text stdout and stderr, never raises on failure).

Everything talks to loopback only, and every run ends by itself (timeouts).
"""

from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMULATOR_DIR = os.path.join(ROOT, "tests", "emulator")
if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

from partnercenter_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

BIN_DIR = os.path.dirname(sys.executable)
PLAYBOOK_TIMEOUT = 300

# emulator settings key -> the environment variable the modules fall back to
EMULATOR_ENV = (
    ("PARTNERCENTER_API_URL", "url"),
    ("PARTNERCENTER_AUTHORITY_HOST", "authority_host"),
    ("PARTNERCENTER_TENANT_ID", "tenant_id"),
    ("PARTNERCENTER_CLIENT_ID", "client_id"),
    ("PARTNERCENTER_CLIENT_SECRET", "client_secret"),
    ("PARTNERCENTER_REFRESH_TOKEN", "refresh_token"),
    ("PARTNERCENTER_CA_PATH", "ca_path"),
)


def clean_environ():
    """os.environ without anything that would point a run somewhere else (PARTNERCENTER_*, ANSIBLE_*)."""
    return dict((name, value) for name, value in os.environ.items()
                if not name.startswith(("PARTNERCENTER_", "ANSIBLE_")))


def emulator_environ(emulator):
    """The PARTNERCENTER_* variables of the emulator's confidential app and valid refresh token."""
    settings = emulator.settings
    return dict((name, str(settings[key])) for name, key in EMULATOR_ENV)


@pytest.fixture
def emulator(tmp_path):
    """A fresh emulator with the default seed, listening on 127.0.0.1, stopped after the test."""
    emu = Emulator(state_dir=str(tmp_path / "emulator"))
    emu.start()
    try:
        yield emu
        errors = emu.errors()
        assert not errors, "requests failed inside the emulator:\n%s" % "\n".join(str(e) for e in errors)
    finally:
        emu.stop()


@pytest.fixture(scope="session")
def staged_collection(tmp_path_factory):
    """tools/stage.sh into this session's own build dir; returns the collections path (ANSIBLE_COLLECTIONS_PATH)."""
    build_dir = tmp_path_factory.mktemp("build")
    env = dict(os.environ, PARTNERCENTER_BUILD_DIR=str(build_dir))
    subprocess.run([os.path.join(ROOT, "tools", "stage.sh")], env=env, check=True, stdout=subprocess.PIPE, timeout=120)
    collections = build_dir / "collections"
    assert (collections / "ansible_collections" / "partnercenter" / "csp" / "galaxy.yml").is_file()
    return str(collections)


def staged_root(collections_path):
    return os.path.join(collections_path, "ansible_collections", "partnercenter", "csp")


@pytest.fixture
def playbook_env(emulator, staged_collection, tmp_path):
    """fn(**overrides) -> the environment of a run against the emulator (a value of None removes a variable)."""
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)

    def build(**overrides):
        env = clean_environ()
        env.update(emulator_environ(emulator))
        env.update(
            PATH=BIN_DIR + os.pathsep + env.get("PATH", ""),
            ANSIBLE_COLLECTIONS_PATH=staged_collection,
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_INVENTORY=str(inventory),
            ANSIBLE_HOME=str(tmp_path / "ansible-home"),
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            # The machine points requests at the system bundle; the emulator's CA must win.
            REQUESTS_CA_BUNDLE=emulator.ca_path,
            CURL_CA_BUNDLE=emulator.ca_path,
            PARTNERCENTER_TOKEN_CACHE_PATH=str(tmp_path / "token-cache" / "tokens.json"),
        )
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        return env

    return build


@pytest.fixture
def run_playbook(playbook_env, staged_collection, tmp_path):
    """fn(playbook, env=None, extra_args=()) -> CompletedProcess of ansible-playbook against the emulator.

    playbook: an absolute path, a path relative to the staged collection root (such as
    "playbooks/onboard_users.yml"), or a collection playbook name (partnercenter.csp.onboard_users).
    env: variables to add or, with the value None, to remove. Runs in tmp_path, so no ansible.cfg
    of the checkout applies.
    """
    def run(playbook, env=None, extra_args=()):
        candidate = os.path.join(staged_root(staged_collection), playbook)
        if not os.path.isabs(playbook) and os.path.exists(candidate):
            playbook = candidate
        command = [os.path.join(BIN_DIR, "ansible-playbook"), playbook] + list(extra_args)
        return subprocess.run(command, env=playbook_env(**(env or {})), cwd=str(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=PLAYBOOK_TIMEOUT, check=False)

    return run
