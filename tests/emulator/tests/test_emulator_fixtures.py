"""The recorded response bodies are loaded and served exactly as recorded."""

from __future__ import annotations

import json
import os

import pytest

from emulator_client import BOM, body
from partnercenter_emulator import Emulator
from partnercenter_emulator.server import FIXTURES_DIR


def fixture_bytes(name):
    with open(os.path.join(FIXTURES_DIR, name), "rb") as handle:
        return handle.read()


def fixture(name):
    return json.loads(fixture_bytes(name).decode("utf-8-sig"))


def assert_same_object(served, recorded):
    assert list(served) == list(recorded)
    for key in recorded:
        assert served[key] == recorded[key], key


def test_listing_serves_recorded_users_key_by_key(api):
    items = dict((u["id"], u) for u in body(api.call("GET", api.users_path()))["items"])
    recorded = fixture("GetCustomerUserAll.json.bin")["items"] + [fixture("GetCustomerUserById.json.bin")]
    assert len(items) == len(recorded) == 3
    for user in recorded:
        assert_same_object(items[user["id"]], user)


def test_deleted_listing_serves_recorded_user(api):
    deleted = body(api.call("GET", api.users_path() + "?size=500&filter=%7B%22Field%22%3A%22UserState%22%2C%22Value%22%3A%22Inactive"
                                                      "%22%2C%22Operator%22%3A%22equals%22%7D"))
    recorded = fixture("GetCustomerUserAllDeleted.json.bin")
    assert deleted["totalCount"] == 1
    assert_same_object(deleted["items"][0], recorded["items"][0])
    assert deleted["links"]["self"] == recorded["links"]["self"]


def test_get_by_id_serves_the_recorded_bytes_until_changed(api):
    raw = fixture_bytes("GetCustomerUserById.json.bin")
    assert raw.startswith(BOM)
    path = api.users_path(user_id="482e2152-4b49-48ec-b715-823365ce3d4c")
    assert api.call("GET", path).content == raw
    api.call("PATCH", path, json_body={"displayName": "Jade A."})
    changed = api.call("GET", path)
    assert changed.content != raw and body(changed)["displayName"] == "Jade A."
    assert_same_object(dict(body(changed), displayName="Jade Azul"), fixture("GetCustomerUserById.json.bin"))


def test_every_partner_center_body_starts_with_a_bom(api):
    responses = [api.call("GET", api.users_path()), api.call("GET", api.users_path(user_id="a9ef48bb-8758-4590-a312-d4a47bfaded4")),
                 api.create("bom@contoso.onmicrosoft.com"), api.call("GET", api.users_path(), token=None),
                 api.call("GET", api.users_path(customer="00000000-0000-0000-0000-000000000000")), api.create("bad@fabrikam.com")]
    for response in responses:
        assert response.content.startswith(BOM), response.status_code
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_seed_loads_fixtures_with_leading_whitespace(tmp_path, monkeypatch):
    recorded = fixture_bytes("GetCustomerUserAll.json.bin")
    odd = tmp_path / "spaced.json"
    odd.write_bytes(b"  " + recorded[len(BOM):])   # like GetCustomerLicenseUser.json: two spaces, no BOM
    seed = {"partner_tenant_id": "11111111-1111-1111-1111-111111111111", "apps": [{"client_id": "22222222-2222-2222-2222-222222222222"}],
            "refresh_tokens": [], "customers": [{"id": "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08",
                                                 "domains": ["dtdemocspcustomer005.onmicrosoft.com"],
                                                 "users_from_fixtures": [str(odd)]}]}
    seed_path = tmp_path / "seed.json"
    seed_path.write_text(json.dumps(seed))
    emu = Emulator(seed_path=str(seed_path), state_dir=str(tmp_path / "state"))   # not started: the store is enough
    users = emu.store.admin_users("46a62ece-10ad-42e5-b3f1-b2ed53e6fc08")
    assert [u["userPrincipalName"] for u in users] == [u["userPrincipalName"] for u in fixture("GetCustomerUserAll.json.bin")["items"]]
    assert emu.settings["public_client_id"] == "22222222-2222-2222-2222-222222222222" and emu.settings["client_id"] is None


NEW_CUSTOMER = "4d3cf487-70f6-4b5a-9e7a-6f0c0e8b9a01"
POWER_BI = "f8a1db68-be16-40ed-86d5-cb42ce701560"
EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
DANIEL = "a9ef48bb-8758-4590-a312-d4a47bfaded4"


def recorded_customer(emu, skus_fixture, directory_roles=None):
    """A customer holding the recorded users and the SKUs of one recorded subscribedskus body."""
    emu.store.add_customer(NEW_CUSTOMER, ["dtdemocspcustomer005.onmicrosoft.com"], directory_roles=directory_roles)
    emu.store.load_subscribed_skus_fixture(NEW_CUSTOMER, skus_fixture)
    emu.store.add_users(NEW_CUSTOMER, fixture("GetCustomerUserAll.json.bin")["items"])
    return "/customers/%s" % NEW_CUSTOMER


BY_GROUP = "?licenseGroupIds=Group1&licenseGroupIds=Group2"


@pytest.mark.parametrize("name, recorded_query, other_query", [
    ("GetCustomerSubscribedSkusByGroup.json.bin", BY_GROUP, ""), ("GetCustomerSubscribedSkus.json.bin", "", BY_GROUP)])
def test_recorded_subscribed_skus_are_served_byte_for_byte(emu, api, name, recorded_query, other_query):
    """Each recording only for the URL it was recorded from; the other URL is answered anew (the plain one: group1 only)."""
    base = recorded_customer(emu, name)
    raw = fixture_bytes(name)
    assert not raw.startswith(BOM)   # "{" or a leading space, as recorded
    assert api.call("GET", base + "/subscribedskus" + recorded_query).content == raw
    other = api.call("GET", base + "/subscribedskus" + other_query)
    assert other.content != raw and isinstance(body(other)["totalCount"], int)
    # Both recordings hold every group1 SKU; only the by-group one holds a group2 SKU, which the plain URL leaves out.
    assert set(item["productSku"]["licenseGroupId"] for item in body(other)["items"]) == {"group1"}
    recorded = fixture(name)["items"]
    assert [s["productSku"]["id"] for s in emu.store.subscribed_skus(NEW_CUSTOMER)] == [s["productSku"]["id"] for s in recorded]
    for served, item in zip(emu.store.subscribed_skus(NEW_CUSTOMER), recorded):
        assert_same_object(served, item)


def test_recorded_skus_keep_their_consumed_baseline(emu, api):
    base = recorded_customer(emu, "GetCustomerSubscribedSkusByGroup.json.bin")
    assert fixture("GetCustomerSubscribedSkusByGroup.json.bin")["totalCount"] == "04"
    group2 = body(api.call("GET", base + "/subscribedskus?licenseGroupIds=Group2"))
    assert group2["totalCount"] == 1
    assert_same_object(group2["items"][0], fixture("GetCustomerSubscribedSkusByGroup.json.bin")["items"][2])
    minecraft = "984df360-9a74-4647-8cf8-696749f6247a"
    update = {"licensesToAssign": [{"skuId": minecraft, "excludedPlans": None}], "attributes": {"objectType": "LicenseUpdate"}}
    assert api.call("POST", base + "/users/%s/licenseupdates" % DANIEL, json_body=update).status_code == 201
    after = body(api.call("GET", base + "/subscribedskus" + BY_GROUP))
    assert after["totalCount"] == 4   # served anew now: a number
    item = [s for s in after["items"] if s["productSku"]["id"] == minecraft][0]
    assert (item["activeUnits"], item["consumedUnits"], item["availableUnits"]) == (72, 50, 22)


def test_recorded_licence_bodies_match_what_the_emulator_answers(emu, api):
    base = recorded_customer(emu, "GetCustomerSubscribedSkus.json.bin")
    path = base + "/users/%s/licenseupdates" % DANIEL

    def assign(sku):
        return api.call("POST", path, json_body={"licensesToAssign": [{"skuId": sku, "excludedPlans": None}], "licensesToRemove": None,
                                                 "attributes": {"objectType": "LicenseUpdate"}})
    # Power BI Pro was recorded with no seat left: the documented out-of-licences error, for that very SKU.
    error = body(assign(POWER_BI))
    assert error["code"] == 60012 and POWER_BI in error["data"][0]
    emu.store.add_subscribed_sku(NEW_CUSTOMER, dict(fixture("GetCustomerSubscribedSkus.json.bin")["items"][1], totalUnits=2, activeUnits=2))
    created = assign(POWER_BI)
    assert created.status_code == 201
    assert_same_object(body(created), fixture("UpdateUserLicense.json.bin"))
    assert assign(EMS).status_code == 201
    licences = body(api.call("GET", base + "/users/%s/licenses?licenseGroupIds=Group1" % DANIEL))
    ems = [i for i in licences["items"] if i["productSku"]["id"] == EMS][0]
    recorded = fixture("GetCustomerLicenseUser.json.bin")
    assert_same_object(ems, recorded["items"][0])
    assert list(licences) == list(recorded)


def test_recorded_role_bodies_match_what_the_emulator_answers(emu, api):
    # The recording names fe930be7-... by its old name; f023fd81-... is Service Support Administrator.
    roles = [{"name": "Helpdesk Administrator", "id": "729827e3-9c14-49f7-bb1b-9608f156bbb8"},
             {"name": "User Account Administrator", "id": "fe930be7-5e62-47db-91af-98c3a49a38b1"},
             {"name": "Service Support Administrator", "id": "f023fd81-a637-4b56-95fd-791ac0226033"}]
    base = recorded_customer(emu, "GetCustomerSubscribedSkus.json.bin", directory_roles=roles)
    member = {"Id": DANIEL, "DisplayName": "Daniel Tsai", "UserPrincipalName": "Daniel@dtdemocspcustomer005.onmicrosoft.com",
              "Attributes": {"ObjectType": "UserMember"}}
    added = api.call("POST", base + "/directoryroles/f023fd81-a637-4b56-95fd-791ac0226033/usermembers", json_body=member)
    assert added.status_code == 201
    assert_same_object(body(added), fixture("AddCustomerUserRoleMember.json.bin"))
    emu.store.remove_role_member(NEW_CUSTOMER, "Service Support Administrator", DANIEL)
    for role in ("User Account Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8"):
        emu.store.add_role_member(NEW_CUSTOMER, role, "daniel@dtdemocspcustomer005.onmicrosoft.com")
    served = body(api.call("GET", base + "/users/%s/directoryroles" % DANIEL))
    recorded = fixture("GetCustomerUserRoleById.json.bin")
    assert list(served) == list(recorded) and served["totalCount"] == recorded["totalCount"]
    for item, expected in zip(served["items"], recorded["items"]):
        assert_same_object(item, expected)


def test_seed_keys_for_skus_roles_and_licences(tmp_path):
    seed = {"partner_tenant_id": "11111111-1111-1111-1111-111111111111", "apps": [], "refresh_tokens": [], "customers": [{
        "id": NEW_CUSTOMER, "domains": ["dtdemocspcustomer005.onmicrosoft.com"], "company_name": "DT Demo", "relationship": "advisor",
        "subscribed_skus_from_fixtures": ["GetCustomerSubscribedSkus.json.bin"],
        "subscribed_skus": [{"productSku": {"id": "aaaaaaaa-0000-4000-8000-000000000002", "skuPartNumber": "FLOW_FREE"},
                             "activeUnits": 10, "consumedUnits": 4}],
        "directory_roles": [{"name": "User Account Administrator", "id": "fe930be7-5e62-47db-91af-98c3a49a38b1"},
                            {"name": "Helpdesk Administrator"}],
        "users_from_fixtures": ["GetCustomerUserAll.json.bin"],
        "users": [{"userPrincipalName": "lic@dtdemocspcustomer005.onmicrosoft.com", "usageLocation": "GB", "licenses": ["EMS", "flow_free"]}],
        "role_members": {"User Account Administrator": ["Daniel@dtdemocspcustomer005.onmicrosoft.com"],
                         "729827e3-9c14-49f7-bb1b-9608f156bbb8": [DANIEL, "lic@dtdemocspcustomer005.onmicrosoft.com"]}}]}
    seed_path = tmp_path / "seed.json"
    seed_path.write_text(json.dumps(seed))
    store = Emulator(seed_path=str(seed_path), state_dir=str(tmp_path / "state")).store
    by_part = dict((s["productSku"]["skuPartNumber"], s) for s in store.subscribed_skus(NEW_CUSTOMER))
    assert (by_part["EMS"]["consumedUnits"], by_part["EMS"]["availableUnits"]) == (2, 3)   # 1 recorded + 1 seeded
    assert (by_part["FLOW_FREE"]["totalUnits"], by_part["FLOW_FREE"]["consumedUnits"], by_part["FLOW_FREE"]["availableUnits"]) == (10, 5, 5)
    assert by_part["FLOW_FREE"]["productSku"]["name"] == "FLOW_FREE"
    assert [r["name"] for r in store.directory_roles(NEW_CUSTOMER)] == ["User Account Administrator", "Helpdesk Administrator"]
    assert store.role_members(NEW_CUSTOMER, "helpdesk administrator")[0] == DANIEL
    assert store.user_roles(NEW_CUSTOMER, DANIEL) == ["fe930be7-5e62-47db-91af-98c3a49a38b1", "729827e3-9c14-49f7-bb1b-9608f156bbb8"]
    assert store.get_customer(NEW_CUSTOMER)["companyProfile"]["companyName"] == "DT Demo"
    assert store.get_customer(NEW_CUSTOMER)["relationshipToPartner"] == "advisor"
