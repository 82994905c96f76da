# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/onboard_users.yml with the demo users, end to end through ansible-playbook and the emulator."""

from __future__ import absolute_import, division, print_function

import json
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_VARS = os.path.join(ROOT, "playbooks", "vars", "demo_users.yml")
SPE_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
PLAYBOOK = "playbooks/onboard_users.yml"


def demo():
    with open(DEMO_VARS) as handle:
        return yaml.safe_load(handle)


def recap(stdout):
    match = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout)
    assert match, stdout
    return dict(zip(("ok", "changed", "unreachable", "failed"), (int(n) for n in match.groups())))


def summary(stdout):
    """The tenant_onboarding_summary the report task printed (the last one)."""
    start = stdout.rindex('"tenant_onboarding_summary": {')
    decoder = json.JSONDecoder()
    value, _end = decoder.raw_decode(stdout, start + len('"tenant_onboarding_summary": '))
    return value


def writes(emulator):
    return [r for r in emulator.requests() if r["service"] == "partnercenter" and r["method"] != "GET"]


def test_demo_users_are_valid_and_marked_as_demo_data():
    with open(DEMO_VARS) as handle:
        text = handle.read()
    assert "DEMO DATA ONLY" in text
    data = demo()
    assert len(data["partnercenter_users"]) == 6
    for user in data["partnercenter_users"]:
        assert user["user_principal_name"].endswith("@fabrikam.onmicrosoft.com")
        password = user["password"]
        classes = sum(bool(re.search(p, password)) for p in ("[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]"))
        assert len(password) >= 8 and classes >= 3, user["user_principal_name"]


def test_onboarding_creates_then_changes_nothing(emulator, run_playbook):
    data = demo()
    customer = data["partnercenter_customer_id"]
    assert customer in emulator.settings["customers"]
    assert emulator.store.count(customer) == 0

    first = run_playbook(PLAYBOOK, extra_args=["-e", "@" + DEMO_VARS, "--diff"])
    assert first.returncode == 0, first.stdout + first.stderr
    assert recap(first.stdout)["changed"] == 1
    created = summary(first.stdout)
    assert created["counts"] == {"created": 6, "updated": 0, "restored": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    assert created["created"] == [u["user_principal_name"] for u in data["partnercenter_users"]]

    users = dict((u["userPrincipalName"], u) for u in emulator.store.admin_users(customer))
    assert sorted(users) == sorted(u["user_principal_name"] for u in data["partnercenter_users"])
    for item in data["partnercenter_users"]:
        user = users[item["user_principal_name"]]
        assert user["state"] == "active"
        assert user["displayName"] == item["display_name"]
        # partnercenter_default_usage_location (US) for the users that give none
        assert user["usageLocation"] == item.get("usage_location", data["partnercenter_default_usage_location"])
        assert emulator.store.password_matches(customer, user["id"], item["password"])
        # partnercenter_default_licenses (SPE_E3) for every user
        assert user["licenses"] == [SPE_E3]
    # and the first one is the customer's User Administrator
    admins = [emulator.store.find_user(customer, uid=uid)["userPrincipalName"] for uid in emulator.store.role_members(customer, USER_ADMIN)]
    assert admins == [data["partnercenter_users"][0]["user_principal_name"]]
    # per user: its POST, then its licence update; the admin's role after its licence
    paths = [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in writes(emulator)]
    assert sorted(paths) == sorted([("POST", "users")] * 6 + [("POST", "licenseupdates")] * 6 + [("POST", "usermembers")])

    emulator.clear_requests()
    second = run_playbook(PLAYBOOK, extra_args=["-e", "@" + DEMO_VARS, "--diff"])
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap(second.stdout)["changed"] == 0
    assert summary(second.stdout)["unchanged"] == created["created"]
    assert writes(emulator) == []
    # one listing of the active users for the whole list; per user only its licences (they are managed); the role named
    # and its members once for all
    reads = sorted(r["path"].rsplit("/", 1)[-1] for r in emulator.requests() if r["service"] == "partnercenter")
    assert reads == sorted(["users", "directoryroles", "usermembers"] + ["licenses"] * 6), reads


def test_check_mode_predicts_and_writes_nothing(emulator, run_playbook):
    result = run_playbook(PLAYBOOK, extra_args=["-e", "@" + DEMO_VARS, "--check"])
    assert result.returncode == 0, result.stdout + result.stderr
    predicted = summary(result.stdout)
    assert predicted["check_mode"] is True
    assert predicted["counts"]["created"] == 6
    assert writes(emulator) == []
    assert emulator.store.count(demo()["partnercenter_customer_id"]) == 0


def test_secure_logging_hides_the_task_and_passwords_never_show(emulator, run_playbook):
    passwords = [u["password"] for u in demo()["partnercenter_users"]]
    secrets = passwords + [emulator.settings["client_secret"], emulator.settings["refresh_token"]]

    hidden = run_playbook(PLAYBOOK, extra_args=["-e", "@" + DEMO_VARS, "--diff", "-vvv"])
    assert hidden.returncode == 0, hidden.stdout + hidden.stderr
    assert "the output has been hidden due to the fact that 'no_log: true' was specified" in hidden.stdout
    assert "--- before" not in hidden.stdout
    for secret in secrets:
        assert secret not in hidden.stdout + hidden.stderr

    # Off: the per-user results and the diff show, and still no password (the module never returns one).
    emulator.reset()
    shown = run_playbook(PLAYBOOK, extra_args=["-e", "@" + DEMO_VARS, "-e", "partnercenter_secure_logging=false",
                                               "--diff", "-vvv"])
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "+++ after: ada.lovelace@fabrikam.onmicrosoft.com" in shown.stdout
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER - changed" in shown.stdout
    for secret in secrets:
        assert secret not in shown.stdout + shown.stderr


def test_connection_from_partnercenter_connection_only(emulator, run_playbook, tmp_path):
    """No PARTNERCENTER_* variables at all: the dict partnercenter_connection reaches the modules via module_defaults."""
    settings = emulator.settings
    connection = {
        "api_url": settings["url"], "authority_host": settings["url"], "tenant_id": settings["tenant_id"],
        "client_id": settings["client_id"], "client_secret": settings["client_secret"],
        "refresh_token": settings["refresh_token"], "ca_path": settings["ca_path"], "token_cache": False,
    }
    extra = tmp_path / "connection.json"
    extra.write_text(json.dumps({"partnercenter_connection": connection}))
    unset = dict((name, None) for name in ("PARTNERCENTER_API_URL", "PARTNERCENTER_AUTHORITY_HOST", "PARTNERCENTER_TENANT_ID",
                                           "PARTNERCENTER_CLIENT_ID", "PARTNERCENTER_CLIENT_SECRET",
                                           "PARTNERCENTER_REFRESH_TOKEN", "PARTNERCENTER_CA_PATH"))
    result = run_playbook(PLAYBOOK, env=unset, extra_args=["-e", "@" + DEMO_VARS, "-e", "@" + str(extra)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout)["counts"]["created"] == 6


def test_failed_users_are_reported_and_fail_the_play(emulator, run_playbook, tmp_path):
    users = {
        "partnercenter_customer_id": demo()["partnercenter_customer_id"],
        "partnercenter_users": [
            {"user_principal_name": "ok.user@fabrikam.onmicrosoft.com", "display_name": "OK", "usage_location": "US",
             "password": "Fine-Password-42"},
            # contoso.onmicrosoft.com is not a domain of this customer: Partner Center refuses the create
            {"user_principal_name": "wrong.domain@contoso.onmicrosoft.com", "display_name": "Wrong", "usage_location": "US",
             "password": "Other-Password-43"},
        ],
    }
    path = tmp_path / "users.json"
    path.write_text(json.dumps(users))
    result = run_playbook(PLAYBOOK, extra_args=["-e", "@" + str(path)])
    assert result.returncode == 2, result.stdout + result.stderr
    assert recap(result.stdout)["failed"] == 1
    report = summary(result.stdout)
    assert report["failed"] is True
    assert report["created"] == ["ok.user@fabrikam.onmicrosoft.com"]
    assert report["failed_users"] == ["wrong.domain@contoso.onmicrosoft.com"]
    assert "wrong.domain@contoso.onmicrosoft.com" in report["error"]
    assert "Fine-Password-42" not in result.stdout and "Other-Password-43" not in result.stdout


def test_invalid_input_is_refused_before_any_request(emulator, run_playbook, tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"partnercenter_customer_id": demo()["partnercenter_customer_id"],
                                "partnercenter_users": [{"user_principal_name": "x@fabrikam.onmicrosoft.com",
                                                         "state": "gone", "colour": "blue"}]}))
    result = run_playbook(PLAYBOOK, extra_args=["-e", "@" + str(path)])
    assert result.returncode == 2
    assert "Validation of arguments failed" in result.stdout
    assert "gone" in result.stdout and "colour" in result.stdout
    assert emulator.requests() == []
