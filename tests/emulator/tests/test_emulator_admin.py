"""The /_emulator control endpoints."""

from __future__ import annotations

from emulator_client import body


def test_health_settings_and_not_logged(emu, api):
    assert api.admin("GET", "/health").json() == {"status": "ok", "url": emu.url}
    settings = api.admin("GET", "/settings").json()
    assert settings == emu.settings
    assert settings["url"] == settings["authority_host"] == emu.url and settings["ca_path"] == emu.ca_path
    assert set(settings["refresh_tokens"]) >= {"valid", "expired", "no_mfa", "no_roles"}
    assert settings["customers"][0] == settings["customer_id"] == "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
    assert emu.requests() == []
    assert api.admin("GET", "/nothing-here").status_code == 404


def test_reset_restores_the_seed(emu, api):
    created = body(api.create("temp@contoso.onmicrosoft.com"))
    emu.add_fault(kind="status", status=500, path="^/nowhere$")
    assert api.admin("POST", "/reset").status_code == 204
    assert emu.store.find_user(api.customer, uid=created["id"]) is None
    assert emu.requests() == [] and emu.faults.rules() == []
    # Tokens issued before the reset are forgotten.
    assert api.call("GET", api.users_path()).status_code == 401


def test_admin_user_view_includes_deleted_and_bookkeeping(api):
    view = api.admin("GET", "/customers/%s/users" % api.customer).json()
    assert view["totalCount"] == 4
    states = dict((u["userPrincipalName"], u["state"]) for u in view["items"])
    assert states["e83763f7f2204ac384cfcd49f79f2749@dtdemocspcustomer005.onmicrosoft.com"] == "inactive"
    assert all(u["passwordChanges"] == 0 and u["forceChangePassword"] is False for u in view["items"])
    assert api.admin("GET", "/customers/00000000-0000-0000-0000-000000000000/users").status_code == 404


def test_bulk_users_and_generate(emu, api):
    cid = api.empty_customer
    given = api.admin("POST", "/customers/%s/users" % cid, {"users": [
        {"userPrincipalName": "one@fabrikam.onmicrosoft.com", "displayName": "One", "usageLocation": "US"},
        {"userPrincipalName": "two@fabrikam.onmicrosoft.com", "displayName": "Two", "state": "inactive"}]})
    assert given.status_code == 201 and given.json()["created"] == 2
    generated = api.admin("POST", "/customers/%s/users" % cid, {"generate": {"count": 2000, "prefix": "bulk"}})
    assert generated.status_code == 201 and len(generated.json()["ids"]) == 2000
    assert emu.store.count(cid, "active") == 2001 and emu.store.count(cid, "inactive") == 1
    user = body(api.call("GET", api.users_path(cid, generated.json()["ids"][-1])))
    assert user["userPrincipalName"] == "bulk02000@fabrikam.onmicrosoft.com"
    assert set(user) == {"usageLocation", "id", "userPrincipalName", "firstName", "lastName", "displayName", "userDomainType",
                         "state", "links", "attributes"}
    duplicate = api.admin("POST", "/customers/%s/users" % cid, {"users": [{"userPrincipalName": "ONE@fabrikam.onmicrosoft.com"}]})
    assert duplicate.status_code == 400
    more = api.admin("POST", "/customers/%s/users" % cid, {"generate": {"count": 1, "prefix": "bulk"}}).json()["ids"][0]
    assert body(api.call("GET", api.users_path(cid, more)))["userPrincipalName"] == "bulk02001@fabrikam.onmicrosoft.com"


def test_add_customer_then_onboard_into_it(emu, api):
    cid = "9c7a1a3e-0d0c-4a57-8c1b-6b8f0e0b1a11"
    assert api.admin("POST", "/customers", {"id": cid, "domains": ["northwind.onmicrosoft.com"]}).status_code == 201
    assert api.admin("POST", "/customers", {"id": cid, "domains": ["northwind.onmicrosoft.com"]}).status_code == 400
    assert api.admin("POST", "/customers", {"id": "x", "domains": []}).status_code == 400
    assert cid in api.admin("GET", "/customers").json()
    assert api.create("first@northwind.onmicrosoft.com", customer=cid).status_code == 201
    assert body(api.call("GET", api.users_path(cid)))["totalCount"] == 1


def test_config_token_lifetime(emu, api):
    assert api.admin("POST", "/config", {"token_lifetime": 120}).json()["token_lifetime"] == 120
    assert api.token_response().json()["expires_in"] == 120
    assert api.admin("POST", "/config", {"token_lifetime": 0}).status_code == 400
    assert api.admin("POST", "/config", {"nonsense": 1}).status_code == 400


def test_check_password(emu, api):
    user_id = body(api.create("pw@contoso.onmicrosoft.com", password="Fixed!Pass1"))["id"]
    path = "/customers/%s/users/%s/checkpassword" % (api.customer, user_id)
    assert api.admin("POST", path, {"password": "Fixed!Pass1"}).json() == {"matches": True}
    assert api.admin("POST", path, {"password": "other"}).json() == {"matches": False}
