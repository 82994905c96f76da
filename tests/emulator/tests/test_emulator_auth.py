"""Who may call the Partner Center user endpoints: tokens, MFA, GDAP roles, customers."""

from __future__ import annotations

import json
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


NEW_CALLS = [
    ("GET", "/customers/{cid}/subscribedskus", None, "Directory Readers, Global Reader, User Administrator, License Administrator, "
                                                     "Privileged Role Administrator"),
    ("GET", "/customers/{cid}/users/{uid}/licenses", None, "License Administrator"),
    ("POST", "/customers/{cid}/users/{uid}/licenseupdates", {"licensesToAssign": [{"skuId": "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"}]},
     "License Administrator, User Administrator."),
    ("GET", "/customers/{cid}/directoryroles", None, "Privileged Role Administrator"),
    ("GET", "/customers/{cid}/users/{uid}/directoryroles", None, "Privileged Role Administrator"),
    ("GET", "/customers/{cid}/directoryroles/{rid}/usermembers", None, "Privileged Role Administrator"),
    ("POST", "/customers/{cid}/directoryroles/{rid}/usermembers", {"Id": "{uid}", "DisplayName": "Daniel Tsai",
                                                                   "UserPrincipalName": "Daniel@dtdemocspcustomer005.onmicrosoft.com",
                                                                   "Attributes": {"ObjectType": "UserMember"}},
     "these GDAP roles in the customer tenant: Privileged Role Administrator."),
    ("DELETE", "/customers/{cid}/directoryroles/{rid}/usermembers/{uid}", None,
     "these GDAP roles in the customer tenant: Privileged Role Administrator."),
]


def _fill(value, api):
    text = json.dumps(value) if not isinstance(value, str) else value
    text = text.replace("{cid}", api.customer).replace("{uid}", "a9ef48bb-8758-4590-a312-d4a47bfaded4")
    text = text.replace("{rid}", "729827e3-9c14-49f7-bb1b-9608f156bbb8")
    return json.loads(text) if not isinstance(value, str) else text


@pytest.mark.parametrize("method, path, payload, roles", NEW_CALLS)
def test_new_calls_without_gdap_roles_are_403_naming_the_roles(api, method, path, payload, roles):
    response = api.call(method, _fill(path, api), token="no_roles", json_body=_fill(payload, api) if payload else None)
    error = assert_pc_error(response, 403, 900308)
    assert roles in error["description"]


def test_role_administration_needs_privileged_role_administrator(emu, api):
    members = "/customers/%s/directoryroles/729827e3-9c14-49f7-bb1b-9608f156bbb8/usermembers" % api.customer
    member = {"Id": "a9ef48bb-8758-4590-a312-d4a47bfaded4", "DisplayName": "Daniel Tsai",
              "UserPrincipalName": "Daniel@dtdemocspcustomer005.onmicrosoft.com", "Attributes": {"ObjectType": "UserMember"}}
    assert api.call("GET", members, token="no_role_admin").status_code == 200
    error = assert_pc_error(api.call("POST", members, token="no_role_admin", json_body=member), 403, 900308)
    assert error["description"].endswith("Privileged Role Administrator.")
    assert emu.store.role_members(api.customer, "Helpdesk Administrator") == []
    assert api.call("POST", members, token="valid", json_body=member).status_code == 201
    assert assert_pc_error(api.call("DELETE", members + "/" + member["Id"], token="no_role_admin"), 403, 900308)
    # Readers may read licences and roles but not change licences.
    assert api.call("GET", "/customers/%s/subscribedskus" % api.customer, token="read_only").status_code == 200
    licence = {"licensesToAssign": [{"skuId": "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"}]}
    path = "/customers/%s/users/%s/licenseupdates" % (api.customer, member["Id"])
    assert_pc_error(api.call("POST", path, token="read_only", json_body=licence), 403, 900308)
    assert api.call("POST", path, token="no_role_admin", json_body=licence).status_code == 201   # User Administrator may


def test_app_only_token_is_refused_for_the_new_calls(api):
    token = api.token_response(grant_type="client_credentials", scope="https://api.partnercenter.microsoft.com/.default").json()
    assert_pc_error(api.call("GET", "/customers/%s/directoryroles" % api.customer, token=token["access_token"]), 403, 900329)
