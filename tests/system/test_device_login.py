# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""extensions/scripts/partnercenter_device_login.py against the emulator's device-code endpoint."""

from __future__ import absolute_import, division, print_function

import os
import stat
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "extensions", "scripts", "partnercenter_device_login.py")


def login(emulator, args=(), env=None, timeout=60):
    settings = emulator.settings
    environ = dict((k, v) for k, v in os.environ.items() if not k.startswith("PARTNERCENTER_"))
    environ.update(
        PARTNERCENTER_TENANT_ID=settings["tenant_id"],
        PARTNERCENTER_CLIENT_ID=settings["client_id"],
        PARTNERCENTER_CLIENT_SECRET=settings["client_secret"],
        PARTNERCENTER_AUTHORITY_HOST=settings["authority_host"],
        PARTNERCENTER_CA_PATH=settings["ca_path"],
        # the machine's bundle must not win over the CA given by PARTNERCENTER_CA_PATH
        REQUESTS_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt",
    )
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run([sys.executable, SCRIPT] + list(args), env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, check=False)


def entra_requests(emulator):
    return [(r["method"], r["path"].split("/", 2)[-1], r["grant_type"], r["client_id"])
            for r in emulator.requests() if r["service"] == "entra"]


def test_confidential_app_prints_only_the_refresh_token(emulator, run_playbook):
    emulator.configure(device_code_auto_approve=True)
    result = login(emulator, ["--timeout", "30"])
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token
    assert "enter the code" in result.stderr and "/devicelogin" in result.stderr
    assert token not in result.stderr
    assert emulator.settings["client_secret"] not in result.stdout + result.stderr
    assert [(m, p, g) for m, p, g, _c in entra_requests(emulator)] == [
        ("GET", "v2.0/.well-known/openid-configuration", None),
        ("POST", "oauth2/v2.0/devicecode", None),
        ("POST", "oauth2/v2.0/token", "urn:ietf:params:oauth:grant-type:device_code"),
    ]

    # The token works with the modules, as the credential's refresh token.
    info = run_playbook(os.path.join(ROOT, "tests", "system", "playbooks", "read_users.yml"),
                        env={"PARTNERCENTER_REFRESH_TOKEN": token},
                        extra_args=["-e", "customer_id=%s" % emulator.settings["customer_id"]])
    assert info.returncode == 0, info.stdout + info.stderr
    assert "users: 3" in info.stdout


def test_public_app_and_output_file(emulator, tmp_path):
    emulator.configure(device_code_auto_approve=True)
    output = tmp_path / "secret" / "refresh_token"
    output.parent.mkdir()
    output.write_text("old\n")
    os.chmod(str(output), 0o644)
    result = login(emulator, ["--output", str(output)],
                   env={"PARTNERCENTER_CLIENT_ID": emulator.settings["public_client_id"], "PARTNERCENTER_CLIENT_SECRET": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert stat.S_IMODE(os.stat(str(output)).st_mode) == 0o600
    token = output.read_text().strip()
    assert token and token != "old" and token not in result.stderr
    assert "written to %s" % output in result.stderr
    assert {c for _m, _p, _g, c in entra_requests(emulator)} >= {emulator.settings["public_client_id"]}


def test_client_secret_from_a_file(emulator, tmp_path):
    emulator.configure(device_code_auto_approve=True)
    secret_file = tmp_path / "client_secret"
    secret_file.write_text(emulator.settings["client_secret"] + "\n")
    result = login(emulator, ["--client-secret-file", str(secret_file)], env={"PARTNERCENTER_CLIENT_SECRET": None})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_nobody_signs_in_within_the_timeout(emulator):
    started = time.time()
    result = login(emulator, ["--timeout", "2"])
    assert result.returncode == 1
    assert result.stdout == ""
    assert "nobody signed in with the code within 2 seconds" in result.stderr
    assert time.time() - started < 30


def test_wrong_secret_is_reported_without_the_secret(emulator):
    emulator.configure(device_code_auto_approve=True)
    result = login(emulator, env={"PARTNERCENTER_CLIENT_SECRET": "not-the-secret-value"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert "invalid_client" in result.stderr and "AADSTS7000215" in result.stderr
    assert "not-the-secret-value" not in result.stderr


def test_missing_tenant_is_a_usage_error(emulator):
    result = login(emulator, env={"PARTNERCENTER_TENANT_ID": None})
    assert result.returncode == 2
    assert "--tenant-id (or PARTNERCENTER_TENANT_ID) is required" in result.stderr
    assert emulator.requests() == []


def test_the_helper_prints_the_mfa_claim_and_the_rotate_by_date(emulator):
    emulator.configure(device_code_auto_approve=True)
    result = login(emulator, ["--timeout", "30"])
    assert result.returncode == 0, result.stderr
    rotate_by = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 90 * 86400))
    assert "MFA claim: yes (amr: pwd, mfa)." in result.stderr
    assert "Rotate by: %s." % rotate_by in result.stderr
    assert result.stdout.strip() not in result.stderr

    # A consent made without MFA: said plainly, with what Partner Center will answer.
    emulator.configure(device_code_mfa=False)
    result = login(emulator, ["--timeout", "30"])
    assert result.returncode == 0, result.stderr
    assert "MFA claim: NO (amr: pwd)" in result.stderr and "900421" in result.stderr
