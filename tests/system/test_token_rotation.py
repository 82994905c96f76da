# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The refresh token's 90 days from its own issue (issue 16): rotation in the token cache, the early warning,
partnercenter_token_info and MFA, forks, and playbooks/rotate_refresh_token.yml against a fake controller.

Days pass in two places: the emulator's clock (clock_offset) decides when Entra ID refuses a refresh token;
the collection's clock is the machine's, so the test ages the token cache as the same days would have
(pass_days: the access tokens, an hour long, are gone; every first sighting moves back).
"""

from __future__ import absolute_import, division, print_function

import json
import sys
import time

from fake_controller import ENCRYPTED, FakeController
from steps_playbook import USER, USER_INFO, outcome, partner_center, read_results, step, step_requests, token_calls, write_playbook

DAY = 86400
CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
TOKEN_INFO = "partnercenter.csp.partnercenter_token_info"
GUIDE_SECTION = "'Refresh token rotation' in the partnercenter.csp authentication guide"


def cache_document(env):
    with open(env["PARTNERCENTER_TOKEN_CACHE_PATH"]) as handle:
        return json.load(handle)


def pass_days(env, days):
    """Age the token cache by days, as the machine's clock would have: no access token left, first sightings earlier."""
    path = env["PARTNERCENTER_TOKEN_CACHE_PATH"]
    document = cache_document(env)
    document["tokens"] = {}
    for lineage in document.get("lineages", {}).values():
        lineage["configured_first_seen"] -= days * DAY
        if lineage.get("newest"):
            lineage["newest"]["first_seen"] -= days * DAY
    with open(path, "w") as handle:   # an existing file keeps its mode (0600)
        json.dump(document, handle)


def refresh_secrets(emulator):
    """Every refresh token the emulator knows (the seed's and every rotated one), and the client secret."""
    secrets = dict(("refresh token %d" % n, token) for n, token in enumerate(emulator.tokens.refresh_tokens))
    secrets["client secret"] = emulator.settings["client_secret"]
    return secrets


def leaks(text, secrets):
    return sorted(name for name, secret in secrets.items() if secret in text)


def run_day(emulator, run_playbook, directory, day, steps, env=None):
    """Run the steps at -vvv on the emulator's day; (completed, results, marks, requests of the run)."""
    emulator.configure(clock_offset=day * DAY)
    emulator.clear_requests()
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps), env=env, extra_args=["-vvv"])
    assert completed.returncode == 0, outcome(completed)
    results, marks = read_results(directory)
    return completed, results, marks, emulator.requests()


def rotation_warnings(result):
    return [w for w in result.get("warnings", []) if "first seen" in w]


def test_day_0_60_100_with_a_persistent_cache_each_redeem_one_token_call(emulator, run_playbook, playbook_env, tmp_path):
    env = playbook_env()
    steps = [step("check the token", TOKEN_INFO), step("read users", USER_INFO, dict(customer_id=CONTOSO))]
    seen = []
    outputs = []
    previous = 0
    for day in (0, 60, 100):
        if day:
            pass_days(env, day - previous)
        completed, results, _marks, requests = run_day(emulator, run_playbook, tmp_path / ("day%d" % day), day, steps)
        previous = day
        outputs.append(completed.stdout + completed.stderr)
        assert [r.get("failed", False) for r in results] == [False, False], results
        assert len(token_calls(requests)) == 1, "day %d: one redeem, one token call" % day
        assert results[0]["token"]["mfa"] is True and results[1]["users"]
        assert not rotation_warnings(results[0]) and not rotation_warnings(results[1])
        (lineage,) = cache_document(env)["lineages"].values()
        seen.append(lineage["newest"]["refresh_token"])
    assert len(set(seen)) == 3 and emulator.settings["refresh_token"] not in seen
    # Without rotation the configured token is refused on day 100 (see the next test); the newest kept working.
    secrets = refresh_secrets(emulator)
    assert not [(day, leaks(text, secrets)) for day, text in zip((0, 60, 100), outputs) if leaks(text, secrets)]


def test_rotation_off_warns_after_75_days_and_fails_on_day_100_with_no_partner_center_write(
        emulator, run_playbook, playbook_env, tmp_path):
    env = playbook_env(PARTNERCENTER_ROTATE_REFRESH_TOKEN="false")
    off = {"PARTNERCENTER_ROTATE_REFRESH_TOKEN": "false"}
    create = step("create a user", USER, dict(customer_id=CONTOSO, user_principal_name="day.hundred@contoso.onmicrosoft.com",
                                              display_name="Day Hundred", usage_location="GB", password="Day-100-Secret!x"))
    read = step("read users", USER_INFO, dict(customer_id=CONTOSO))
    dummy, results, dummy_marks, requests = run_day(emulator, run_playbook, tmp_path / "day0", 0, [read], env=off)
    assert not results[0].get("failed") and len(token_calls(requests)) == 1
    assert "lineages" in cache_document(env) and "newest" not in list(cache_document(env)["lineages"].values())[0]
    first_seen = time.time()

    pass_days(env, 80)
    dummy, results, dummy_marks, requests = run_day(emulator, run_playbook, tmp_path / "day80", 80, [read], env=off)
    assert not results[0].get("failed")
    (warning,) = rotation_warnings(results[0])
    assert "first seen on %s" % time.strftime("%Y-%m-%d", time.gmtime(first_seen - 80 * DAY)) in warning
    assert "stops working on %s at the latest" % time.strftime("%Y-%m-%d", time.gmtime(first_seen + 10 * DAY)) in warning
    assert GUIDE_SECTION in warning

    pass_days(env, 20)
    completed, results, dummy_marks, requests = run_day(emulator, run_playbook, tmp_path / "day100", 100, [create], env=off)
    failed = results[0]
    assert failed.get("failed") and "AADSTS700082" in failed["msg"], failed
    assert "90 days past its issue" in failed["msg"] and "rotate_refresh_token (PARTNERCENTER_ROTATE_REFRESH_TOKEN)" in failed["msg"]
    assert "Refresh token rotation" in failed["msg"]
    assert "The token was issued on %s" % time.strftime("%Y-%m-%d", time.gmtime(first_seen)) in failed["msg"]
    assert len(token_calls(requests)) == 1 and partner_center(requests) == []
    assert not leaks(completed.stdout + completed.stderr, refresh_secrets(emulator))


def test_a_consent_without_mfa_is_reported_before_any_call_and_refused_with_the_mfa_hint(emulator, run_playbook, tmp_path):
    no_mfa = {"PARTNERCENTER_REFRESH_TOKEN": emulator.settings["refresh_tokens"]["no_mfa"]}
    steps = [step("check the token", TOKEN_INFO), step("read users", USER_INFO, dict(customer_id=CONTOSO))]
    completed, results, marks, requests = run_day(emulator, run_playbook, tmp_path / "nomfa", 0, steps, env=no_mfa)
    token = results[0]["token"]
    assert not results[0].get("failed") and results[0]["changed"] is False
    assert token["mfa"] is False and token["authentication_methods"] == ["pwd"]
    assert token["user_principal_name"] == "nomfa@partnerdemo.onmicrosoft.com"
    assert token["tenant_id"] == emulator.settings["tenant_id"].lower() and token["client_id"] == emulator.settings["client_id"]
    assert token["scopes"] == ["user_impersonation"] and token["expires_on"].endswith("Z")
    assert token["refresh_token_first_seen"] and token["refresh_token_refused_after"]
    assert "refresh_token" not in results[0]
    assert partner_center(step_requests(requests, marks, 0)) == [], "no Partner Center request to check the token"
    refused = results[1]
    assert refused.get("failed") and refused["status"] == 401 and refused["error_code"] == 900421, refused
    assert "lacked MFA" in refused["msg"] and "partnercenter_token_info" in refused["msg"]
    assert not leaks(completed.stdout + completed.stderr, refresh_secrets(emulator))


def test_forks_redeeming_together_keep_one_lineage_and_the_newest_token(emulator, run_playbook, playbook_env, tmp_path):
    inventory = tmp_path / "forks.ini"
    inventory.write_text("".join("fork%d ansible_connection=local ansible_python_interpreter=%s\n" % (n, sys.executable)
                                 for n in range(6)))
    playbook = tmp_path / "forks.yml"
    playbook.write_text(json.dumps([{"name": "Forks", "hosts": "all", "gather_facts": False, "tasks": [
        {"name": "Read users", USER_INFO: {"customer_id": CONTOSO}}]}]))
    env = dict(ANSIBLE_INVENTORY=str(inventory), ANSIBLE_FORKS="6")
    seed = set(emulator.tokens.refresh_tokens)
    previous = 0
    for day in (0, 60, 100):   # on day 100 only the token rotated on day 60 is still valid
        if day:
            pass_days(playbook_env(), day - previous)
        previous = day
        emulator.configure(clock_offset=day * DAY)
        emulator.clear_requests()
        completed = run_playbook(str(playbook), env=env)
        assert completed.returncode == 0, outcome(completed)
        assert "ok=1" in completed.stdout and completed.stdout.count("ok=1") == 6
        requests = emulator.requests()
        assert len(token_calls(requests)) == 1, "day %d: six forks, one redeem" % day
        assert len(partner_center(requests)) == 6
        (lineage,) = cache_document(playbook_env())["lineages"].values()
        issued = set(emulator.tokens.refresh_tokens) - seed
        seed |= issued
        assert len(issued) == 1 and lineage["newest"]["refresh_token"] in issued, "the token of the one redeem is held"


def test_the_write_back_playbook_leaves_the_credential_holding_the_newest_token_and_the_rest_unchanged(
        emulator, run_playbook, playbook_env, tmp_path):
    settings = emulator.settings
    oauth_token = "controller-oauth-token-Zq81xW"
    controller = FakeController(oauth_token).start()
    try:
        inputs = dict(tenant_id=settings["tenant_id"], client_id=settings["client_id"], client_secret=settings["client_secret"],
                      refresh_token=settings["refresh_token"], api_url="", authority_host=settings["authority_host"])
        controller.add_credential(42, "Partner Center (emulator)", inputs)
        controller.add_credential(43, "Partner Center (emulator) copy", inputs)
        controller.add_credential(44, "Some machine", {"username": "root", "password": "machine-pw-3vX"},
                                  secret_fields=("password",), type_name="Machine")
        env = dict(CONTROLLER_HOST=controller.url, CONTROLLER_OAUTH_TOKEN=oauth_token)
        completed = run_playbook("playbooks/rotate_refresh_token.yml", env=env,
                                 extra_args=["-vvv", "-e", "partnercenter_awx_credential_name='Partner Center (emulator)'"])
        assert completed.returncode == 0, outcome(completed)
        stored = controller.stored(42)
        (lineage,) = cache_document(playbook_env())["lineages"].values()
        assert stored["refresh_token"] == lineage["newest"]["refresh_token"] != settings["refresh_token"]
        assert stored["refresh_token"] in emulator.tokens.refresh_tokens
        assert dict(stored, refresh_token=None) == dict(inputs, refresh_token=None), "every other input unchanged"
        assert controller.stored(43) == inputs and controller.stored(44)["password"] == "machine-pw-3vX"
        (patch,) = [json.loads(body) for method, path, body in controller.requests if method == "PATCH"]
        assert patch["inputs"]["client_secret"] == ENCRYPTED, "secrets sent back as read"
        assert set(patch["inputs"]) == set(inputs)
        assert "now holds the newest refresh token" in completed.stdout

        # By id, a credential of another type: refused before any change.
        controller.requests[:] = []
        refused = run_playbook("playbooks/rotate_refresh_token.yml", env=env, extra_args=["-e", "partnercenter_awx_credential_id=44"])
        assert refused.returncode != 0 and "is of type Machine" in refused.stdout, outcome(refused)
        assert [method for method, path, body in controller.requests] == ["GET"]

        secrets = refresh_secrets(emulator)
        secrets.update(oauth=oauth_token, machine="machine-pw-3vX")
        assert not leaks(completed.stdout + completed.stderr + refused.stdout + refused.stderr, secrets)
    finally:
        controller.stop()


def test_the_write_back_playbook_with_the_controller_user_and_password(emulator, run_playbook):
    controller = FakeController("unused-oauth-token", username="rotator", password="controller-pw-8Kq").start()
    try:
        settings = emulator.settings
        inputs = dict(tenant_id=settings["tenant_id"], client_id=settings["client_id"], client_secret=settings["client_secret"],
                      refresh_token=settings["refresh_token"])
        controller.add_credential(7, "Partner Center", inputs)
        env = dict(CONTROLLER_HOST=controller.url, CONTROLLER_USERNAME="rotator",
                   CONTROLLER_PASSWORD="controller-pw-8Kq")
        completed = run_playbook("playbooks/rotate_refresh_token.yml", env=env,
                                 extra_args=["-vvv", "-e", "partnercenter_awx_credential_id=7"])
        assert completed.returncode == 0, outcome(completed)
        assert controller.stored(7)["refresh_token"] != settings["refresh_token"]
        assert dict(controller.stored(7), refresh_token=None) == dict(inputs, refresh_token=None)
        secrets = refresh_secrets(emulator)
        secrets["controller password"] = "controller-pw-8Kq"
        assert not leaks(completed.stdout + completed.stderr, secrets)
    finally:
        controller.stop()


def test_the_write_back_playbook_refuses_an_unclear_credential_choice(run_playbook):
    env = dict(CONTROLLER_HOST="http://127.0.0.1:9", CONTROLLER_OAUTH_TOKEN="x")
    completed = run_playbook("playbooks/rotate_refresh_token.yml", env=env)
    assert completed.returncode != 0 and "exactly one of partnercenter_awx_credential_id" in completed.stdout, outcome(completed)
    assert "TASK [Check the token" not in completed.stdout, "refused before any token request"
