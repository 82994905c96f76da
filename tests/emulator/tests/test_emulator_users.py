"""The customer-user endpoints: create, get, update, reset password, delete, restore, and their errors."""

from __future__ import annotations

import uuid

import pytest

from emulator_client import STRONG_PASSWORD, body

DELETED_UPN = "e83763f7f2204ac384cfcd49f79f2749@dtdemocspcustomer005.onmicrosoft.com"
DELETED_ID = "a45f1416-3300-4f65-9e8d-f123b397a4ea"
JADE_ID = "482e2152-4b49-48ec-b715-823365ce3d4c"


def assert_400(response, text):
    assert response.status_code == 400, response.content
    error = body(response)
    assert error["code"] == 3000 and error["data"] == [] and error["source"] == "PartnerFD"
    assert text in error["description"], error["description"]
    return error


def test_create_returns_201_with_password_echoed(emu, api):
    response = api.create("New.User@contoso.onmicrosoft.com", usageLocation="gb", firstName="New", lastName="User",
                          displayName="New User", immutableId="imm-1")
    assert response.status_code == 201
    user = body(response)
    assert list(user) == ["usageLocation", "id", "userPrincipalName", "firstName", "lastName", "displayName", "immutableId",
                          "passwordProfile", "lastDirectorySyncTime", "userDomainType", "state", "softDeletionTime", "attributes"]
    assert uuid.UUID(user["id"])
    assert user["usageLocation"] == "GB"
    assert user["passwordProfile"] == {"forceChangePassword": True, "password": STRONG_PASSWORD}
    assert user["lastDirectorySyncTime"] is None and user["softDeletionTime"] is None
    assert user["userDomainType"] == "none" and user["state"] == "active"
    assert user["attributes"] == {"objectType": "CustomerUser"}
    view = emu.store.find_user(api.customer, uid=user["id"])
    assert view["passwordChanges"] == 1 and view["forceChangePassword"] is True
    assert STRONG_PASSWORD not in str(view) and "passwordProfile" not in view
    assert emu.store.password_matches(api.customer, user["id"], STRONG_PASSWORD)
    fetched = body(api.call("GET", api.users_path(user_id=user["id"])))
    assert "passwordProfile" not in fetched and "softDeletionTime" not in fetched
    assert fetched["links"]["self"]["uri"] == "/customers/%s/users/%s" % (api.customer, user["id"])


def test_create_accepts_pascal_case_keys(api):
    response = api.call("POST", api.users_path(), json_body={
        "UserPrincipalName": "pascal@contoso.onmicrosoft.com", "DisplayName": "Pascal",
        "PasswordProfile": {"Password": STRONG_PASSWORD, "ForceChangePassword": False}, "Attributes": {"ObjectType": "CustomerUser"}})
    assert response.status_code == 201
    assert body(response)["userPrincipalName"] == "pascal@contoso.onmicrosoft.com"


@pytest.mark.parametrize("missing, text", [
    ("userPrincipalName", "userPrincipalName"), ("displayName", "displayName"), ("passwordProfile", "passwordProfile.password")])
def test_create_missing_required_field(api, missing, text):
    payload = {"userPrincipalName": "req@contoso.onmicrosoft.com", "displayName": "Req",
               "passwordProfile": {"password": STRONG_PASSWORD}}
    del payload[missing]
    assert_400(api.call("POST", api.users_path(), json_body=payload), text)


@pytest.mark.parametrize("password", ["Sh0rt!", "alllowercase1", "ALLUPPER!!!!", "NoDigitsOrSymbols", "x" * 250 + "Aa1!xxxxx",
                                      "Unicode\u00e9Pass1"])
def test_create_weak_password(emu, api, password):
    error = assert_400(api.create("weak@contoso.onmicrosoft.com", password=password), "password complexity")
    assert password not in error["description"]
    assert emu.store.find_user(api.customer, upn="weak@contoso.onmicrosoft.com") is None


@pytest.mark.parametrize("upn, text", [
    ("someone@fabrikam.onmicrosoft.com", "not a verified domain"),
    ("someone@unknown.example", "not a verified domain"),
    ("no-at-sign.contoso.onmicrosoft.com", "not a valid user principal name"),
    ("two..dots@contoso.onmicrosoft.com", "not a valid user principal name"),
    ("sp ace@contoso.onmicrosoft.com", "not a valid user principal name"),
])
def test_create_bad_upn_or_domain(api, upn, text):
    assert_400(api.create(upn), text)


@pytest.mark.parametrize("location", ["USA", "1A", "", 12])
def test_create_bad_usage_location(api, location):
    assert_400(api.create("loc@contoso.onmicrosoft.com", usageLocation=location), "usageLocation")


def test_create_body_must_be_json(api):
    response = api.call("POST", api.users_path(), data=b"{not json", headers={"Content-Type": "application/json"})
    assert_400(response, "not valid JSON")


def test_duplicate_upn_of_active_user_case_insensitive(emu, api):
    count = emu.store.count(api.customer)
    error = assert_400(api.create("DANIEL@DTDEMOCSPCUSTOMER005.onmicrosoft.com"), "userPrincipalName")
    assert error["description"] == "Another object with the same value for property userPrincipalName already exists."
    assert emu.store.count(api.customer) == count


def test_duplicate_upn_of_soft_deleted_user_case_insensitive(emu, api):
    error = assert_400(api.create(DELETED_UPN.upper().replace("ONMICROSOFT.COM", "onmicrosoft.com")), "already exists")
    assert error["description"] == "Another object with the same value for property userPrincipalName already exists."


def test_get_by_id_and_not_found(api):
    assert body(api.call("GET", api.users_path(user_id=JADE_ID)))["displayName"] == "Jade Azul"
    assert body(api.call("GET", api.users_path(user_id=JADE_ID.upper())))["id"] == JADE_ID
    for user_id in (str(uuid.uuid4()), DELETED_ID):
        response = api.call("GET", api.users_path(user_id=user_id))
        assert response.status_code == 404
        assert body(response) == {"code": 60002, "description": "User object Id is not found", "data": [], "source": "PartnerFD"}


def test_update_is_partial(emu, api):
    response = api.call("PATCH", api.users_path(user_id=JADE_ID),
                        json_body={"usageLocation": "de", "attributes": {"objectType": "CustomerUser"}})
    assert response.status_code == 200
    user = body(response)
    assert user["usageLocation"] == "DE"
    assert (user["displayName"], user["firstName"], user["lastName"]) == ("Jade Azul", "Jade", "Azul")
    assert "passwordProfile" not in user and user["links"]["self"]["method"] == "GET"
    renamed = body(api.call("PATCH", api.users_path(user_id=JADE_ID),
                            json_body={"userPrincipalName": "jade@dtdemocspcustomer005.onmicrosoft.com", "lastName": None}))
    assert renamed["userPrincipalName"] == "jade@dtdemocspcustomer005.onmicrosoft.com" and "lastName" not in renamed
    assert emu.store.find_user(api.customer, upn="testuser@contoso.onmicrosoft.com") is None
    assert emu.store.find_user(api.customer, uid=JADE_ID)["passwordChanges"] == 0


@pytest.mark.parametrize("patch, text", [
    ({"userPrincipalName": "Daniel@dtdemocspcustomer005.onmicrosoft.com"}, "already exists"),
    ({"userPrincipalName": DELETED_UPN}, "already exists"),
    ({"userPrincipalName": "jade@fabrikam.onmicrosoft.com"}, "not a verified domain"),
    ({"usageLocation": "XYZ"}, "usageLocation"),
    ({"displayName": None}, "displayName"),
    ({"passwordProfile": {"password": "weak"}}, "password complexity"),
    ({"state": "inactive"}, "state"),
])
def test_update_validation_changes_nothing(emu, api, patch, text):
    before = emu.store.find_user(api.customer, uid=JADE_ID)
    assert_400(api.call("PATCH", api.users_path(user_id=JADE_ID), json_body=dict(patch, displayName=patch.get("displayName", "X"))),
               text)
    assert emu.store.find_user(api.customer, uid=JADE_ID) == before


def test_update_with_password_profile_resets_password(emu, api):
    response = api.call("PATCH", api.users_path(user_id=JADE_ID),
                        json_body={"passwordProfile": {"password": "N3w!Password", "forceChangePassword": False}})
    assert body(response)["passwordProfile"] == {"forceChangePassword": False, "password": "N3w!Password"}
    assert emu.store.find_user(api.customer, uid=JADE_ID)["passwordChanges"] == 1
    assert emu.store.password_matches(api.customer, JADE_ID, "N3w!Password")


def test_reset_password(emu, api):
    path = api.users_path(user_id=JADE_ID) + "/resetpassword"
    response = api.call("PATCH", path, json_body={"passwordProfile": {"password": "Reset!Pass1", "forceChangePassword": True},
                                                  "attributes": {"objectType": "CustomerUser"}})
    assert response.status_code == 200
    user = body(response)
    assert user["passwordProfile"] == {"forceChangePassword": True, "password": "Reset!Pass1"}
    assert user["id"] == JADE_ID
    view = emu.store.find_user(api.customer, uid=JADE_ID)
    assert (view["passwordChanges"], view["forceChangePassword"]) == (1, True)
    assert_400(api.call("PATCH", path, json_body={"passwordProfile": {"password": "abc"}}), "password complexity")
    assert_400(api.call("PATCH", path, json_body={}), "passwordProfile")
    missing = api.call("PATCH", api.users_path(user_id=DELETED_ID) + "/resetpassword", json_body={"passwordProfile": {"password": "Reset!Pass1"}})
    assert missing.status_code == 404 and body(missing)["code"] == 60002
    assert emu.store.find_user(api.customer, uid=JADE_ID)["passwordChanges"] == 1


def test_delete_is_soft_and_restore_round_trip(emu, api):
    created = body(api.create("roundtrip@contoso.onmicrosoft.com", usageLocation="US"))
    path = api.users_path(user_id=created["id"])
    deleted = api.call("DELETE", path)
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.call("GET", path).status_code == 404
    assert body(api.call("DELETE", path))["code"] == 60002
    assert body(api.call("PATCH", path, json_body={"displayName": "Ghost"}))["code"] == 60002
    view = emu.store.find_user(api.customer, uid=created["id"])
    assert view["state"] == "inactive" and view["softDeletionTime"].endswith("Z")
    active_ids = [u["id"] for u in body(api.call("GET", api.users_path()))["items"]]
    assert created["id"] not in active_ids
    # The doc's restore sample sends PascalCase keys.
    restored = api.call("PATCH", path, json_body={"State": "Active", "Attributes": {"ObjectType": "CustomerUser"}})
    assert restored.status_code == 200
    user = body(restored)
    assert user["state"] == "active" and "softDeletionTime" not in user and user["usageLocation"] == "US"
    assert api.call("GET", path).status_code == 200
    assert created["id"] in [u["id"] for u in body(api.call("GET", api.users_path()))["items"]]
    assert emu.store.find_user(api.customer, uid=created["id"])["passwordChanges"] == 1


def test_restore_recorded_deleted_user(api):
    user = body(api.call("PATCH", api.users_path(user_id=DELETED_ID), json_body={"state": "active"}))
    assert user["userPrincipalName"] == DELETED_UPN and user["state"] == "active"


def test_delete_unknown_user_is_404(api):
    response = api.call("DELETE", api.users_path(user_id=str(uuid.uuid4())))
    assert response.status_code == 404 and body(response)["code"] == 60002


def test_response_headers(api):
    response = api.call("GET", api.users_path(), headers={"MS-RequestId": "req-1", "MS-CorrelationId": "corr-1"})
    assert response.headers["MS-RequestId"] == "req-1"
    assert response.headers["MS-CorrelationId"] == "corr-1"
    assert response.headers["MS-CV"] and response.headers["MS-ServerId"] and response.headers["Date"]
    generated = api.call("GET", api.users_path())
    assert uuid.UUID(generated.headers["MS-RequestId"])
