"""Entra ID emulation, driven through the real msal code paths."""

from __future__ import annotations

import msal
import pytest

import base64
import json
import time

from emulator_client import body

PC_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"


def confidential(emu, secret=None):
    s = emu.settings
    return msal.ConfidentialClientApplication(s["client_id"], client_credential=secret or s["client_secret"],
                                              authority=s["authority"], instance_discovery=False)


def public(emu):
    s = emu.settings
    return msal.PublicClientApplication(s["public_client_id"], authority=s["authority"], instance_discovery=False)


def assert_aad_error(result, error, code):
    assert result["error"] == error, result
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith("AADSTS%d: " % code)


def test_openid_configuration(api):
    s = api.settings
    response = api.session.get("%s/%s/v2.0/.well-known/openid-configuration" % (s["url"], s["tenant_id"]))
    assert response.status_code == 200
    assert not response.content.startswith(b"\xef\xbb\xbf")
    config = response.json()
    base = "%s/%s" % (s["url"], s["tenant_id"])
    assert config["issuer"] == base + "/v2.0"
    assert config["token_endpoint"] == base + "/oauth2/v2.0/token"
    assert config["device_authorization_endpoint"] == base + "/oauth2/v2.0/devicecode"
    assert config["authorization_endpoint"] == base + "/oauth2/v2.0/authorize"


def test_unknown_tenant_is_aadsts90002(api):
    response = api.session.get("%s/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration" % api.settings["url"])
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "invalid_tenant" and error["error_codes"] == [90002]
    assert set(error) >= {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"}


def test_msal_confidential_refresh_token_rotates(emu, api):
    app = confidential(emu)
    old = emu.settings["refresh_token"]
    result = app.acquire_token_by_refresh_token(old, scopes=[PC_SCOPE])
    assert result["token_type"] == "Bearer" and result["scope"] == PC_SCOPE
    assert result["expires_in"] == 3600 and result["ext_expires_in"] == 3600
    rotated = result["refresh_token"]
    assert rotated != old
    assert api.call("GET", api.users_path(), token=result["access_token"]).status_code == 200
    # The rotated token carries the old one's grant; the old one stays valid, as in Entra ID.
    again = confidential(emu).acquire_token_by_refresh_token(rotated, scopes=[PC_SCOPE])
    assert "access_token" in again, again
    assert api.call("GET", api.users_path(), token=again["access_token"]).status_code == 200
    assert "access_token" in confidential(emu).acquire_token_by_refresh_token(old, scopes=[PC_SCOPE])
    grants = [e["grant_type"] for e in emu.requests() if e["service"] == "entra" and e["method"] == "POST"]
    assert grants == ["refresh_token"] * 3


def test_msal_default_scope_and_accounts(emu):
    app = confidential(emu)
    result = app.acquire_token_by_refresh_token(emu.settings["refresh_token"], scopes=["https://api.partnercenter.microsoft.com/.default"])
    assert "access_token" in result, result
    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == ["agent@partnerdemo.onmicrosoft.com"]
    # Entra answers with the resolved scope, so msal caches the token under user_impersonation.
    assert result["scope"] == PC_SCOPE
    silent = app.acquire_token_silent([PC_SCOPE], account=accounts[0])
    assert silent["access_token"] == result["access_token"]


def test_msal_public_client_refresh_token(emu, api):
    result = public(emu).acquire_token_by_refresh_token(emu.settings["refresh_tokens"]["public"], scopes=[PC_SCOPE])
    assert "access_token" in result, result
    assert result["refresh_token"] != emu.settings["refresh_tokens"]["public"]
    assert api.call("GET", api.users_path(), token=result["access_token"]).status_code == 200


def test_expired_refresh_token_is_700082(emu):
    result = confidential(emu).acquire_token_by_refresh_token(emu.settings["refresh_tokens"]["expired"], scopes=[PC_SCOPE])
    assert_aad_error(result, "invalid_grant", 700082)
    assert result["error_description"].startswith("AADSTS700082: The refresh token has expired due to inactivity")


def test_wrong_client_secret_is_7000215(emu):
    result = confidential(emu, secret="not-the-secret").acquire_token_by_refresh_token(emu.settings["refresh_token"], scopes=[PC_SCOPE])
    assert_aad_error(result, "invalid_client", 7000215)


def test_unknown_refresh_token_is_9002313(emu):
    result = confidential(emu).acquire_token_by_refresh_token("0.not-a-known-token", scopes=[PC_SCOPE])
    assert_aad_error(result, "invalid_grant", 9002313)


def test_refresh_token_of_another_client_is_70000(emu):
    result = public(emu).acquire_token_by_refresh_token(emu.settings["refresh_token"], scopes=[PC_SCOPE])
    assert_aad_error(result, "invalid_grant", 70000)


def test_other_scope_is_70011(emu):
    result = confidential(emu).acquire_token_by_refresh_token(emu.settings["refresh_token"], scopes=["https://graph.microsoft.com/.default"])
    assert_aad_error(result, "invalid_scope", 70011)


@pytest.mark.parametrize("form, status, error, code", [
    ({"client_id": "00000000-0000-0000-0000-000000000000"}, 400, "unauthorized_client", 700016),
    ({"client_secret": ""}, 401, "invalid_client", 7000218),
    ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
    ({"grant_type": ""}, 400, "invalid_request", 900144),
])
def test_token_endpoint_errors(api, form, status, error, code):
    s = api.settings
    data = {"grant_type": "refresh_token", "client_id": s["client_id"], "client_secret": s["client_secret"],
            "refresh_token": s["refresh_token"], "scope": PC_SCOPE}
    data.update(form)
    data = dict((k, v) for k, v in data.items() if v != "")
    response = api.session.post("%s/%s/oauth2/v2.0/token" % (s["url"], s["tenant_id"]), data=data)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_codes"] == [code]


def test_public_client_must_not_send_a_secret(api):
    response = api.token_response(api.settings["refresh_tokens"]["public"], client_id=api.settings["public_client_id"],
                                  client_secret="whatever")
    assert response.status_code == 401 and response.json()["error_codes"] == [700025]


def test_client_credentials_token_is_app_only(emu, api):
    result = confidential(emu).acquire_token_for_client(["https://api.partnercenter.microsoft.com/.default"])
    assert "access_token" in result and "refresh_token" not in result
    response = api.call("GET", api.users_path(), token=result["access_token"])
    assert response.status_code == 403 and body(response)["code"] == 900329
    wrong = confidential(emu).acquire_token_for_client([PC_SCOPE])
    assert_aad_error(wrong, "invalid_scope", 1002012)


def test_device_flow_with_auto_approve(emu, api):
    emu.configure(device_code_auto_approve=True)
    app = public(emu)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    assert flow["verification_uri"] == emu.url + "/devicelogin"
    assert flow["expires_in"] == 900 and flow["interval"] == 1
    assert flow["message"].startswith("To sign in,") and flow["user_code"] in flow["message"]
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert api.call("GET", api.users_path(), token=result["access_token"]).status_code == 200
    # The new refresh token belongs to the public client and carries MFA and the default roles.
    again = public(emu).acquire_token_by_refresh_token(result["refresh_token"], scopes=[PC_SCOPE])
    created = api.call("POST", api.users_path(), token=again["access_token"],
                       json_body={"userPrincipalName": "device@contoso.onmicrosoft.com", "displayName": "Device",
                                  "passwordProfile": {"password": "Dev1ce!Pass"}})
    assert created.status_code == 201
    assert [e["grant_type"] for e in emu.requests() if e["path"].endswith("/token")][0] == "urn:ietf:params:oauth:grant-type:device_code"


def test_device_flow_is_pending_until_approved(emu, api):
    app = public(emu)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    s = api.settings
    poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": s["public_client_id"],
            "device_code": flow["device_code"]}
    pending = api.session.post("%s/%s/oauth2/v2.0/token" % (s["url"], s["tenant_id"]), data=poll)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert api.admin("POST", "/devicecode/approve", {"user_code": "NOSUCHCODE"}).status_code == 404
    assert api.admin("POST", "/devicecode/approve", {"user_code": flow["user_code"]}).json() == {"approved": 1}
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    reused = api.session.post("%s/%s/oauth2/v2.0/token" % (s["url"], s["tenant_id"]), data=poll)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


# -- the refresh token's own 90 days, the clock offset, consent without MFA ------------------------

DAY = 86400


def claims_of(access_token):
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8"))


def test_access_tokens_carry_v1_claims_with_mfa_in_amr(emu):
    result = confidential(emu).acquire_token_by_refresh_token(emu.settings["refresh_token"], scopes=[PC_SCOPE])
    claims = claims_of(result["access_token"])
    assert claims["amr"] == ["pwd", "mfa"]
    assert claims["upn"] == "agent@partnerdemo.onmicrosoft.com"
    assert claims["tid"] == emu.settings["tenant_id"].lower() and claims["appid"] == emu.settings["client_id"]
    assert claims["aud"] == "https://api.partnercenter.microsoft.com" and claims["scp"] == "user_impersonation"
    assert claims["exp"] - claims["iat"] == 3600
    no_mfa = confidential(emu).acquire_token_by_refresh_token(emu.settings["refresh_tokens"]["no_mfa"], scopes=[PC_SCOPE])
    assert claims_of(no_mfa["access_token"])["amr"] == ["pwd"]


def test_a_refresh_token_is_refused_90_days_after_its_own_issue_however_often_used(emu, api):
    old = emu.settings["refresh_token"]
    day60 = confidential(emu)
    emu.configure(clock_offset=60 * DAY)
    rotated = day60.acquire_token_by_refresh_token(old, scopes=[PC_SCOPE])
    assert "access_token" in rotated and claims_of(rotated["access_token"])["iat"] >= time.time() + 60 * DAY - 5
    assert api.call("GET", api.users_path(), token=rotated["access_token"]).status_code == 200
    emu.configure(clock_offset=100 * DAY)
    refused = confidential(emu).acquire_token_by_refresh_token(old, scopes=[PC_SCOPE])
    assert_aad_error(refused, "invalid_grant", 700082)
    issued = time.strftime("%Y-%m-%d", time.gmtime(time.time()))
    assert "The token was issued on %s" % issued in refused["error_description"]
    assert "inactive for 90.00:00:00" in refused["error_description"]
    # The day-60 token lives until day 150: valid on day 100, refused on day 151.
    assert "access_token" in confidential(emu).acquire_token_by_refresh_token(rotated["refresh_token"], scopes=[PC_SCOPE])
    emu.configure(clock_offset=151 * DAY)
    assert_aad_error(confidential(emu).acquire_token_by_refresh_token(rotated["refresh_token"], scopes=[PC_SCOPE]),
                     "invalid_grant", 700082)


def test_the_clock_offset_expires_access_tokens_and_is_reset(emu, api):
    token = api.token()
    emu.configure(clock_offset=2 * 3600)
    response = api.call("GET", api.users_path(), token=token)
    assert response.status_code == 401 and "expired" in body(response)["description"]
    assert api.admin("POST", "/config", {"clock_offset": 0}).json()["clock_offset"] == 0
    assert api.call("GET", api.users_path(), token=token).status_code == 200
    emu.configure(clock_offset=5)
    emu.reset()
    assert emu.configure()["clock_offset"] == 0
    assert api.admin("POST", "/config", {"clock_offset": True}).status_code == 400


def test_a_device_code_consent_without_mfa_gives_tokens_partner_center_refuses(emu, api):
    app = public(emu)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    assert api.admin("POST", "/devicecode/approve", {"user_code": flow["user_code"], "mfa": False}).status_code == 200
    flow["expires_at"] = time.time() + 10
    result = app.acquire_token_by_device_flow(flow)
    assert claims_of(result["access_token"])["amr"] == ["pwd"]
    refused = api.call("GET", api.users_path(), token=result["access_token"])
    assert refused.status_code == 401 and body(refused)["code"] == 900421
    # Its refresh tokens keep the consent's lack of MFA.
    again = public(emu).acquire_token_by_refresh_token(result["refresh_token"], scopes=[PC_SCOPE])
    assert claims_of(again["access_token"])["amr"] == ["pwd"]
    emu.configure(device_code_mfa=False, device_code_auto_approve=True)
    auto = public(emu)
    flow = auto.initiate_device_flow(scopes=[PC_SCOPE])
    flow["expires_at"] = time.time() + 10
    assert claims_of(auto.acquire_token_by_device_flow(flow)["access_token"])["amr"] == ["pwd"]
    emu.configure(device_code_mfa=True)
