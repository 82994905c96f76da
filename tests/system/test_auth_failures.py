# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication failures end to end, against the emulator's Entra ID and Partner Center: each fails the
task with a message that says what is wrong and what to do, names the codes, and holds no secret."""

from __future__ import absolute_import, division, print_function

import json

from steps_playbook import USER, USER_INFO, partner_center, read_results, step, write_playbook

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
UPN = "grace@contoso.onmicrosoft.com"


def test_auth_failures_name_the_cause_and_the_remedy(emulator, run_playbook, tmp_path):
    tokens = emulator.settings["refresh_tokens"]
    app_only, _refresh, _lifetime = emulator.tokens.issue(emulator.settings["client_id"], None, False, [], True, False)

    def read_with(name, **connection):
        args = dict(customer_id=CONTOSO, token_cache=False)
        args.update(connection)
        return step(name, USER_INFO, args)

    steps = [
        read_with("expired refresh token", refresh_token=tokens["expired"]),
        read_with("refresh token without MFA", refresh_token=tokens["no_mfa"]),
        read_with("agent without GDAP roles", refresh_token=tokens["no_roles"]),
        step("app-only access token", USER_INFO, dict(customer_id=CONTOSO, access_token=app_only),
             environment={"PARTNERCENTER_REFRESH_TOKEN": ""}),
        step("read-only agent creating a user", USER, dict(
            customer_id=CONTOSO, user_principal_name=UPN, display_name="Grace", usage_location="US",
            password="Cobol-Compiler-1959", refresh_token=tokens["read_only"], token_cache=False)),
    ]
    directory = tmp_path / "auth"
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps))
    assert completed.returncode == 0, completed.stdout[-2000:]
    expired, no_mfa, no_roles, app_only_result, read_only = read_results(directory)[0]

    assert expired["failed"] and expired["error_code"] == 700082
    assert "90 days" in expired["msg"] and "consent" in expired["msg"]
    assert no_mfa["failed"] and no_mfa["status"] == 401 and no_mfa["error_code"] == 900421
    assert "MFA" in no_mfa["msg"]
    assert no_roles["failed"] and no_roles["status"] == 403 and no_roles["error_code"] == 900308
    assert "Directory Readers" in no_roles["msg"]
    assert app_only_result["failed"] and app_only_result["status"] == 403 and app_only_result["error_code"] == 900329
    assert "App+User" in app_only_result["msg"]
    assert read_only["failed"] and read_only["status"] == 403 and read_only["error_code"] == 900308
    assert "User Administrator" in read_only["msg"]
    for result in (no_mfa, no_roles, app_only_result, read_only):
        assert result["request_id"] and result["correlation_id"], result

    # the read-only agent's create was refused by the service: nothing exists
    assert emulator.store.find_user(CONTOSO, upn=UPN) is None
    assert [e["method"] for e in partner_center(emulator.requests())].count("POST") == 1
    blob = completed.stdout + completed.stderr + json.dumps(read_results(directory)[0])
    for secret in list(tokens.values()) + [app_only, emulator.settings["client_secret"], "Cobol-Compiler-1959"]:
        assert secret not in blob
    assert "Traceback" not in blob
