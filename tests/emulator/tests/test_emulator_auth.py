"""Who may call the Partner Center user endpoints: tokens, MFA, GDAP roles, customers."""

from __future__ import annotations

import time

import pytest

from emulator_client import body


def assert_pc_error(response, status, code):
    assert response.status_code == status, response.content
    error = body(response)
    assert error["code"] == code and error["source"] == "PartnerFD" and error["description"]
    return error


def test_missing_token_is_401_with_www_authenticate(api):
    response = api.call("GET", api.users_path(), token=None)
    error = assert_pc_error(response, 401, 401)
    assert set(error) == {"code", "description", "source"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("header", ["Bearer not-issued-here", "Basic dXNlcjpwYXNz", "Bearer "])
def test_unknown_or_malformed_token_is_401(api, header):
    assert_pc_error(api.call("GET", api.users_path(), token=None, headers={"Authorization": header}), 401, 401)


def test_expired_access_token_is_401(emu, api):
    emu.configure(token_lifetime=1)
    token = api.token_response().json()
    assert token["expires_in"] == 1
    time.sleep(1.05)
    error = assert_pc_error(api.call("GET", api.users_path(), token=token["access_token"]), 401, 401)
    assert "expired" in error["description"]


def test_revoked_access_token_is_401(emu, api):
    assert api.call("GET", api.users_path()).status_code == 200
    assert api.admin("POST", "/tokens/revoke").json()["revoked"] >= 1
    error = assert_pc_error(api.call("GET", api.users_path()), 401, 401)
    assert "revoked" in error["description"]
    fresh = api.token_response().json()["access_token"]
    assert api.call("GET", api.users_path(), token=fresh).status_code == 200


def test_app_only_token_is_403_900329(api):
    token = api.token_response(grant_type="client_credentials", scope="https://api.partnercenter.microsoft.com/.default").json()
    assert_pc_error(api.call("GET", api.users_path(), token=token["access_token"]), 403, 900329)


def test_token_without_mfa_is_401_900421(api):
    assert_pc_error(api.call("GET", api.users_path(), token="no_mfa"), 401, 900421)


def test_token_without_gdap_roles_is_403_900308(api):
    assert_pc_error(api.call("GET", api.users_path(), token="no_roles"), 403, 900308)


def test_reader_may_read_but_not_write(api):
    assert api.call("GET", api.users_path(), token="read_only").status_code == 200
    response = api.call("POST", api.users_path(), token="read_only",
                        json_body={"userPrincipalName": "r@contoso.onmicrosoft.com", "displayName": "R",
                                   "passwordProfile": {"password": "Str0ng!Pass"}})
    assert_pc_error(response, 403, 900308)
    assert api.emu.store.find_user(api.customer, upn="r@contoso.onmicrosoft.com") is None


def test_unknown_customer_is_404_60003(api):
    response = api.call("GET", api.users_path(customer="00000000-0000-0000-0000-000000000001"))
    error = assert_pc_error(response, 404, 60003)
    assert error["description"] == "Tenant not found" and error["data"] == []


def test_unknown_route_and_method(api):
    assert api.call("GET", "/customers/%s/subscriptions" % api.customer).status_code == 404
    assert api.call("PUT", api.users_path()).status_code == 405
