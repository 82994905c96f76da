# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No secret ever shown: passwords, the client secret, refresh tokens (the seed's and those the emulator
rotated) and every access token the emulator issued stay out of stdout, stderr, registered results, diffs
and error messages, at -vvvv with --diff, through ansible-playbook and through ansible-runner (AWX's job
events). The token cache file end to end, and TLS verification by default.

ansible-core 2.21 has no ``json`` stdout callback (ansible.posix has one, and is not installed): the JSON
view is ansible-runner's event stream, what AWX stores for a job, plus the registered results written
to a file (tests/system/steps_playbook.py).
"""

from __future__ import absolute_import, division, print_function

import importlib.util
import json
import os
import ssl
import stat
import sys

import pytest

from steps_playbook import (
    USER,
    USER_INFO,
    USERS,
    outcome,
    partner_center,
    read_results,
    step,
    step_requests,
    token_calls,
    write_playbook,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
UNKNOWN_CUSTOMER = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
PASSWORDS = ("Create-Secret-7aQ!", "Reset-Secret-9zW?", "Bulk-Secret-4kX#")
WRONG_CLIENT_SECRET = "Wrong~Client~Secret~5cV8Q2"


def token_cache_module(collections_path):
    """plugins/module_utils/token_cache.py of the staged collection, imported for real."""
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    return importlib.import_module("ansible_collections.partnercenter.csp.plugins.module_utils.token_cache")


def secret_steps(emulator, suffix):
    """Create, update, password reset, bulk create and reset, read, delete, and failing calls (unknown customer,
    expired refresh token, wrong client secret, a create the service refuses), every one with a secret."""
    create_pw, reset_pw, bulk_pw = PASSWORDS
    upn = "secret.%s@contoso.onmicrosoft.com" % suffix
    bulk_upn = "bulk.%s@contoso.onmicrosoft.com" % suffix
    user = dict(customer_id=CONTOSO, user_principal_name=upn)
    new = dict(user, display_name="Secret Keeper", usage_location="GB", password=create_pw, force_change_password=False)
    return [
        step("create (the service echoes the password)", USER, new),
        step("update", USER, dict(user, display_name="Secret Keeper II")),
        step("reset the password", USER, dict(user, password=reset_pw, update_password="always")),
        step("bulk: create one, reset another", USERS, dict(customer_id=CONTOSO, users=[
            dict(user_principal_name=bulk_upn, display_name="Bulk", usage_location="GB", password=bulk_pw),
            dict(user_principal_name=upn, password=create_pw, update_password="always"),
        ])),
        step("read", USER_INFO, dict(user)),
        step("delete", USER, dict(user, state="absent")),
        step("unknown customer (404)", USER, dict(new, customer_id=UNKNOWN_CUSTOMER)),
        step("expired refresh token", USER, dict(new, refresh_token=emulator.settings["refresh_tokens"]["expired"], token_cache=False)),
        step("wrong client secret", USER, dict(new, client_secret=WRONG_CLIENT_SECRET, token_cache=False)),
        step("a create the service refuses (domain not the customer's)", USER,
             dict(new, user_principal_name="secret.%s@not-my-domain.example.com" % suffix, password=reset_pw)),
    ]


def issued_secrets(emulator):
    """Every secret of the runs: passwords, client secrets, every refresh and access token the emulator knows."""
    secrets = dict(("password %d" % n, password) for n, password in enumerate(PASSWORDS))
    secrets["client secret"] = emulator.settings["client_secret"]
    secrets["wrong client secret"] = WRONG_CLIENT_SECRET
    for n, token in enumerate(emulator.tokens.refresh_tokens):
        secrets["refresh token %d" % n] = token
    for n, token in enumerate(emulator.tokens.access_tokens):
        secrets["access token %d" % n] = token
    return secrets


def leaks(text, secrets):
    return sorted(name for name, secret in secrets.items() if secret in text)


def check_secret_steps(results):
    """The steps did what they should (so their output is worth searching)."""
    for index in range(6):
        assert not results[index].get("failed"), results[index]
    assert [r.get("changed") for r in results[:6]] == [True, True, True, True, False, True]
    assert results[0]["diff"]["after"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER - changed"
    unknown, expired, wrong_secret, refused = results[6:]
    assert unknown.get("failed") and unknown["status"] == 404 and "60003" in unknown["msg"], unknown
    assert expired.get("failed") and "700082" in expired["msg"], expired
    assert wrong_secret.get("failed") and "7000215" in wrong_secret["msg"], wrong_secret
    assert refused.get("failed") and refused["status"] == 400, refused


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_no_secret_in_output_results_diffs_or_errors_at_vvvv_through_ansible_playbook_and_ansible_runner(
        emulator, run_playbook, playbook_env, tmp_path, monkeypatch):
    import ansible_runner  # pylint: disable=import-outside-toplevel

    # ansible-playbook -vvvv --diff, default callback
    first = tmp_path / "playbook"
    first.mkdir()
    completed = run_playbook(write_playbook(first, secret_steps(emulator, "one")), extra_args=["-vvvv", "--diff"])
    assert completed.returncode == 0, outcome(completed)
    results, _marks = read_results(first)
    check_secret_steps(results)
    assert "did not set no_log" not in completed.stdout + completed.stderr

    # ansible-runner -vvvv --diff: the job events AWX stores
    for name in list(os.environ):
        if name.startswith(("PARTNERCENTER_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "inventory" / "hosts").write_text("localhost ansible_connection=local\n")
    write_playbook(private / "project", secret_steps(emulator, "two"))
    # Without the token cache, every task redeems the refresh token: many access and rotated refresh tokens.
    runner = ansible_runner.run(private_data_dir=str(private), playbook="playbook.yml", cmdline="-vvvv --diff",
                                envvars=playbook_env(PARTNERCENTER_TOKEN_CACHE="false"), quiet=True, timeout=300)
    runner_stdout = runner.stdout.read()
    assert runner.status == "successful" and runner.rc == 0, runner_stdout[-6000:]
    runner_results, _marks = read_results(private / "project")
    check_secret_steps(runner_results)
    events = json.dumps(list(runner.events))
    assert '"res"' in events and "Secret Keeper II" in events

    # The emulator rotated refresh tokens and issued access tokens: none of them, nor any other secret, shows.
    secrets = issued_secrets(emulator)
    assert len([name for name in secrets if name.startswith("access token")]) >= 4
    assert len(emulator.tokens.refresh_tokens) > len(emulator.seed["refresh_tokens"]), "no refresh token was rotated"
    places = {
        "ansible-playbook stdout": completed.stdout,
        "ansible-playbook stderr": completed.stderr,
        "registered results (ansible-playbook)": json.dumps(results),
        "registered results (ansible-runner)": json.dumps(runner_results),
        "ansible-runner stdout": runner_stdout,
        "ansible-runner job events": events,
    }
    artifacts = private / "artifacts"
    for directory, _dirs, files in os.walk(str(artifacts)):
        for name in files:
            if os.path.basename(directory) == "job_events" or name == "stdout":
                with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as handle:
                    places["ansible-runner artifact %s" % os.path.relpath(os.path.join(directory, name), str(artifacts))] = handle.read()
    found = dict((place, leaks(text, secrets)) for place, text in places.items())
    assert not [place for place, names in found.items() if names], found

    # The token cache holds access tokens and the newest rotated refresh token of the one lineage (rotation): never the
    # configured refresh token, an older rotated one, a client secret or a password.
    with open(playbook_env()["PARTNERCENTER_TOKEN_CACHE_PATH"]) as handle:
        cached = handle.read()
    (lineage,) = json.loads(cached)["lineages"].values()
    newest = lineage["newest"]["refresh_token"]
    assert newest != emulator.settings["refresh_token"]
    assert not [name for name in leaks(cached, secrets) if not name.startswith("access token") and secrets[name] != newest]


def write_cache(path, text, mode):
    with open(str(path), "w") as handle:
        handle.write(text)
    os.chmod(str(path), mode)


def test_token_cache_is_private_replaced_atomically_ignores_corruption_and_distrusts_writable_files(
        emulator, run_playbook, staged_collection, tmp_path):
    """A new cache: directory 0700, file 0600, reused by the next task; a corrupt file: ignored and replaced
    (new inode, valid JSON, no temporary file left); a 0666 file or a 0777 directory holding a planted token:
    a warning, the planted token never sent, a fresh token acquired, the file left alone."""
    settings = emulator.settings
    cache = token_cache_module(staged_collection)
    key = cache.cache_key(settings["authority_host"], settings["tenant_id"], settings["client_id"], settings["refresh_token"],
                          settings["scope"])
    bogus = "planted-bogus-access-token"
    planted = json.dumps({"version": 1, "tokens": {key: {"access_token": bogus, "expires_on": 4102444800}}})

    fresh = tmp_path / "fresh" / "partnercenter.csp" / "tokens.json"
    corrupt = tmp_path / "corrupt" / "tokens.json"
    corrupt.parent.mkdir(mode=0o700)
    write_cache(corrupt, '{"version": 1, "tokens": {"truncated', 0o600)
    writable_file = tmp_path / "writable-file" / "tokens.json"
    writable_file.parent.mkdir(mode=0o700)
    write_cache(writable_file, planted, 0o666)
    writable_dir = tmp_path / "writable-dir" / "tokens.json"
    writable_dir.parent.mkdir()
    os.chmod(str(writable_dir.parent), 0o777)
    write_cache(writable_dir, planted, 0o600)

    def read(path):
        return step("read the users (cache %s)" % path.parent.name, USER_INFO, dict(customer_id=CONTOSO, token_cache_path=str(path)))

    steps = [read(fresh), read(fresh), read(corrupt), read(writable_file), read(writable_dir)]
    (tmp_path / "run").mkdir()
    # Held open, the corrupt file keeps its inode: a replacement gets another one, a rewrite in place would not.
    with open(str(corrupt)) as corrupt_before:
        completed = run_playbook(write_playbook(tmp_path / "run", steps))
        replaced = os.fstat(corrupt_before.fileno()).st_ino != os.stat(str(corrupt)).st_ino
        unlinked = os.fstat(corrupt_before.fileno()).st_nlink == 0
    assert completed.returncode == 0, outcome(completed)
    results, marks = read_results(tmp_path / "run")
    log = emulator.requests()
    for result in results:
        assert not result.get("failed") and result["users"], result
    assert [len(token_calls(step_requests(log, marks, index))) for index in range(5)] == [1, 0, 1, 1, 1]
    assert [r["status"] for r in partner_center(log)].count(401) == 0, "a planted or stale token was sent"

    # Created private, and used by the next task
    assert stat.S_IMODE(os.stat(str(fresh.parent)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(fresh)).st_mode) == 0o600
    assert list(json.loads(fresh.read_text())["tokens"]) == [key]
    assert sorted(os.listdir(str(fresh.parent))) == ["tokens.json", "tokens.json.lock"], "no temporary file left; the redeem lock stays"
    assert stat.S_IMODE(os.stat(str(fresh) + ".lock").st_mode) == 0o600

    # Corrupt: ignored, then replaced by a new file (a new inode), valid, no temporary file left
    assert replaced and unlinked
    assert stat.S_IMODE(os.stat(str(corrupt)).st_mode) == 0o600
    document = json.loads(corrupt.read_text())
    assert document["version"] == 1 and list(document["tokens"]) == [key]
    assert sorted(os.listdir(str(corrupt.parent))) == ["tokens.json", "tokens.json.lock"], "no temporary file left; the redeem lock stays"
    assert stat.S_IMODE(os.stat(str(corrupt) + ".lock").st_mode) == 0o600
    assert not [w for w in results[2].get("warnings", []) if "cache" in w.lower()]

    # Writable by others: not trusted, neither read nor written, and the user is told
    for result, path, what in ((results[3], writable_file, "file"), (results[4], writable_dir, "directory")):
        warnings = [w for w in result.get("warnings", []) if "Token cache not used" in w]
        assert warnings and "writable by group or others" in warnings[0] and what in warnings[0], result.get("warnings")
        assert path.read_text() == planted
    assert stat.S_IMODE(os.stat(str(writable_file)).st_mode) == 0o666


def system_bundle():
    """The machine's CA bundle (the machine points REQUESTS_CA_BUNDLE at it), which does not trust the emulator."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or ssl.get_default_verify_paths().cafile


def test_tls_is_verified_by_default_and_the_failure_names_ca_path_and_validate_certs(emulator, run_playbook, tmp_path):
    """Without PARTNERCENTER_CA_PATH, with REQUESTS_CA_BUNDLE unset or the system bundle: the emulator's certificate
    is refused, for the token endpoint (msal, requests) and for Partner Center (access token, ansible urls);
    nothing reaches the emulator."""
    settings = emulator.settings
    with_refresh_token = dict(customer_id=CONTOSO, refresh_token=settings["refresh_token"], retries=0)
    with_access_token = dict(customer_id=CONTOSO, access_token="an-access-token-the-emulator-never-sees", retries=0)
    system = {"REQUESTS_CA_BUNDLE": system_bundle(), "CURL_CA_BUNDLE": system_bundle()}
    steps = [
        step("refresh token, no CA configured", USER_INFO, with_refresh_token),
        step("access token, no CA configured", USER_INFO, with_access_token),
        step("refresh token, REQUESTS_CA_BUNDLE is the system bundle", USER_INFO, with_refresh_token, environment=system),
        step("access token, REQUESTS_CA_BUNDLE is the system bundle", USER_INFO, with_access_token, environment=system),
    ]
    env = dict(PARTNERCENTER_CA_PATH=None, REQUESTS_CA_BUNDLE=None, CURL_CA_BUNDLE=None, SSL_CERT_FILE=None, SSL_CERT_DIR=None,
               PARTNERCENTER_REFRESH_TOKEN=None)
    completed = run_playbook(write_playbook(tmp_path, steps), env=env)
    assert completed.returncode == 0, outcome(completed)
    results, _marks = read_results(tmp_path)
    for (name, result) in zip([s["name"] for s in steps], results):
        message = result.get("msg") or ""
        assert result.get("failed"), (name, result)
        assert "certificate verification" in message or "CERTIFICATE_VERIFY_FAILED" in message, (name, message)
        assert "ca_path (PARTNERCENTER_CA_PATH)" in message and "validate_certs (PARTNERCENTER_VALIDATE_CERTS)" in message, (name, message)
        assert "Traceback (most recent call last)" not in message, (name, message)
    assert emulator.requests() == []
