"""Subscribed SKUs and user licences: reads, licenseupdates, seat accounting and every licence error."""

from __future__ import annotations

import pytest

from emulator_client import body
from partnercenter_emulator import catalog

DANIEL = "a9ef48bb-8758-4590-a312-d4a47bfaded4"   # usageLocation US
ADMIN = "6e668259-1f09-479d-bcb8-d9b03e826b8d"    # no usageLocation
JADE = "482e2152-4b49-48ec-b715-823365ce3d4c"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
BUSINESS = "f245ecc8-75af-4f8e-b61f-27d8114de5f3"
EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
MINECRAFT = "984df360-9a74-4647-8cf8-696749f6247a"
ALL_GROUPS = "?licenseGroupIds=Group1&licenseGroupIds=Group2"


def update(api, user_id, assign=(), remove=None, customer=None, token="valid", raw=None):
    payload = raw if raw is not None else {
        "licensesToAssign": [{"skuId": sku, "excludedPlans": None} for sku in assign], "licensesToRemove": remove,
        "attributes": {"objectType": "LicenseUpdate"}}
    return api.call("POST", api.users_path(customer, user_id) + "/licenseupdates", token=token, json_body=payload)


def skus(api, query="", customer=None):
    response = api.call("GET", "/customers/%s/subscribedskus%s" % (customer or api.customer, query))
    assert response.status_code == 200, response.content
    return dict((s["productSku"]["id"], s) for s in body(response)["items"])


def assert_error(response, status, code, text):
    assert response.status_code == status, response.content
    error = body(response)
    assert error["code"] == code and error["source"] == "PartnerFD", error
    assert text in error["description"], error["description"]
    return error


def test_subscribed_skus_of_the_default_seed(api):
    response = api.call("GET", "/customers/%s/subscribedskus" % api.customer)
    listing = body(response)
    assert set(listing) == {"totalCount", "items", "attributes"} and listing["attributes"] == {"objectType": "Collection"}
    # No licenseGroupIds: group1 only, "the default license group" (Learn), as the plain recording holds.
    assert listing["totalCount"] == len(listing["items"]) == 3
    listing = body(api.call("GET", "/customers/%s/subscribedskus?licenseGroupIds=Group1&licenseGroupIds=Group2" % api.customer))
    assert listing["totalCount"] == len(listing["items"]) == 4
    e3 = listing["items"][0]
    assert list(e3) == ["availableUnits", "activeUnits", "consumedUnits", "suspendedUnits", "totalUnits", "warningUnits",
                        "productSku", "servicePlans", "capabilityStatus", "attributes"]
    assert (e3["availableUnits"], e3["activeUnits"], e3["consumedUnits"], e3["totalUnits"]) == (25, 25, 0, 25)
    assert e3["productSku"] == {"id": E3, "name": "Microsoft 365 E3", "skuPartNumber": "SPE_E3", "targetType": "User",
                                "licenseGroupId": "group1"}
    assert e3["attributes"] == {"objectType": "SubscribedSku"} and e3["servicePlans"]
    units = dict((s["productSku"]["skuPartNumber"], s["totalUnits"]) for s in listing["items"])
    assert units == {"SPE_E3": 25, "O365_BUSINESS_PREMIUM": 10, "EMS": 5, "CFQ7TTC0K5DR/0002": 3}
    assert skus(api, ALL_GROUPS, customer=api.empty_customer).keys() == skus(api, ALL_GROUPS).keys()
    # The seed spells out the same set the catalogue has (generate_customers uses the catalogue).
    assert api.emu.seed["customers"][0]["subscribed_skus"] == catalog.default_subscribed_skus()


def test_license_group_filter_is_case_insensitive(api):
    assert list(skus(api, "?licenseGroupIds=Group2")) == [MINECRAFT]
    assert list(skus(api, "?licenseGroupIds=GROUP1")) == [E3, BUSINESS, EMS] == list(skus(api))
    assert len(skus(api, "?licenseGroupIds=Group1&licenseGroupIds=group2")) == 4
    assert_error(api.call("GET", "/customers/%s/subscribedskus?licenseGroupIds=Group9" % api.customer), 400, 3000, "Group9")


def test_assign_then_read_then_remove_with_seat_accounting(api):
    response = update(api, DANIEL, assign=[EMS])
    assert response.status_code == 201
    assert body(response) == {"licensesToAssign": [{"skuId": EMS}], "licenseWarnings": [], "attributes": {"objectType": "LicenseUpdate"}}
    ems = skus(api)[EMS]
    assert (ems["consumedUnits"], ems["availableUnits"], ems["activeUnits"]) == (1, 4, 5)
    assert api.emu.store.user_licenses(api.customer, DANIEL) == [EMS]
    read = body(api.call("GET", api.users_path(user_id=DANIEL) + "/licenses"))
    assert read["totalCount"] == 1 and read["attributes"] == {"objectType": "Collection"}
    item = read["items"][0]
    assert item["productSku"] == {"id": EMS, "name": "Enterprise Mobility + Security E3", "skuPartNumber": "EMS", "licenseGroupId": "group1"}
    assert item["attributes"] == {"objectType": "License"}
    assert [p["capabilityStatus"] for p in item["servicePlans"]] == ["Assigned"] * 5
    assert body(api.call("GET", api.users_path(user_id=DANIEL) + "/licenses?licenseGroupIds=Group2"))["items"] == []
    removed = update(api, DANIEL, remove=[EMS])
    assert removed.status_code == 201 and body(removed)["licensesToAssign"] == []
    assert body(removed)["licensesToRemove"] == [EMS], "the removals are echoed as sent"
    assert skus(api)[EMS]["consumedUnits"] == 0 and api.emu.store.user_licenses(api.customer, DANIEL) == []


def test_license_read_leaves_out_tenant_plans_and_excluded_plans(api):
    update(api, DANIEL, raw={"LicensesToAssign": [{"SkuId": E3, "ExcludedPlans": ["57ff2da0-773e-42df-b2af-ffb7a2317929"]}]})
    item = body(api.call("GET", api.users_path(user_id=DANIEL) + "/licenses"))["items"][0]
    services = [p["serviceName"] for p in item["servicePlans"]]
    assert "EXCHANGE_S_FOUNDATION" not in services and "TEAMS1" not in services and "EXCHANGE_S_ENTERPRISE" in services
    bad = update(api, DANIEL, raw={"licensesToAssign": [{"skuId": E3, "excludedPlans": ["00000000-0000-0000-0000-00000000000e"]}]})
    assert_error(bad, 400, 3000, "00000000-0000-0000-0000-00000000000e")


def test_assign_and_remove_in_one_request(api):
    assert update(api, DANIEL, assign=[E3]).status_code == 201
    swapped = update(api, DANIEL, assign=[BUSINESS], remove=[E3])
    assert swapped.status_code == 201 and body(swapped)["licensesToAssign"] == [{"skuId": BUSINESS}]
    now = skus(api)
    assert (now[E3]["consumedUnits"], now[BUSINESS]["consumedUnits"]) == (0, 1)
    assert api.emu.store.user_licenses(api.customer, DANIEL) == [BUSINESS]


def test_assigning_a_held_sku_succeeds_without_another_seat(api):
    assert update(api, DANIEL, assign=[EMS]).status_code == 201
    again = update(api, DANIEL, assign=[EMS])
    assert again.status_code == 201 and body(again)["licensesToAssign"] == [{"skuId": EMS}]
    assert skus(api)[EMS]["consumedUnits"] == 1


def test_out_of_seats_is_400_60012_and_changes_nothing(emu, api):
    users = emu.store.generate_users(api.empty_customer, 4, prefix="seat")
    for user in users[:3]:
        assert update(api, user.id, assign=[MINECRAFT], customer=api.empty_customer).status_code == 201
    assert skus(api, ALL_GROUPS, customer=api.empty_customer)[MINECRAFT]["availableUnits"] == 0
    error = assert_error(update(api, users[3].id, assign=[MINECRAFT], customer=api.empty_customer), 400, 60012, "run out of licenses")
    assert len(error["data"]) == 1 and error["data"][0].startswith("LicenseQuotaExceededException : ")
    assert MINECRAFT in error["data"][0]
    assert emu.store.user_licenses(api.empty_customer, users[3].id) == []
    # All or nothing: an E3 that would fit is not assigned either when the same request runs out of EMS.
    for user in users[:3]:
        update(api, user.id, assign=[EMS], customer=api.empty_customer)
    emu.store.add_subscribed_sku(api.empty_customer, dict(catalog.default_subscribed_skus()[2], totalUnits=3, activeUnits=3))
    assert skus(api, customer=api.empty_customer)[EMS]["availableUnits"] == 0
    assert update(api, users[3].id, assign=[E3, EMS], customer=api.empty_customer).status_code == 400
    assert emu.store.user_licenses(api.empty_customer, users[3].id) == []
    assert skus(api, customer=api.empty_customer)[E3]["consumedUnits"] == 0


@pytest.mark.parametrize("assign, remove, text", [
    ([E3, MINECRAFT], None, "one licence group"),
    ([E3], [MINECRAFT], "one licence group"),
    (["11111111-2222-3333-4444-555555555555"], None, "11111111-2222-3333-4444-555555555555"),
    (None, ["11111111-2222-3333-4444-555555555555"], "11111111-2222-3333-4444-555555555555"),
    ([E3], [E3], "both"),
    (None, [BUSINESS], "does not hold"),
    ([], [], "assigns and removes nothing"),
])
def test_invalid_updates_are_400_3000_and_change_nothing(emu, api, assign, remove, text):
    update(api, DANIEL, assign=[EMS])
    before = skus(api)
    assert_error(update(api, DANIEL, assign=assign or [], remove=remove), 400, 3000, text)
    assert skus(api) == before and emu.store.user_licenses(api.customer, DANIEL) == [EMS]


def test_malformed_update_bodies(api):
    for payload in ({"licensesToAssign": "E3"}, {"licensesToAssign": [{"id": E3}]}, {"licensesToRemove": [1]},
                    {"licensesToAssign": [{"skuId": E3}], "attributes": {"objectType": "CustomerUser"}}):
        assert_error(update(api, DANIEL, raw=payload), 400, 3000, "")
    response = api.call("POST", api.users_path(user_id=DANIEL) + "/licenseupdates", data=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 400, 3000, "not valid JSON")


def test_user_without_usage_location_gets_no_licence(emu, api):
    error = assert_error(update(api, ADMIN, assign=[E3]), 400, 3000, "")
    assert error["description"] == "License assignment cannot be done for user with invalid usage location."
    assert skus(api)[E3]["consumedUnits"] == 0
    api.call("PATCH", api.users_path(user_id=ADMIN), json_body={"usageLocation": "NO"})
    assert update(api, ADMIN, assign=[E3]).status_code == 201


def test_unknown_and_deleted_users_are_404_60002(api):
    missing = "00000000-0000-0000-0000-0000000000aa"
    assert_error(update(api, missing, assign=[E3]), 404, 60002, "User object Id is not found")
    assert_error(api.call("GET", api.users_path(user_id=missing) + "/licenses"), 404, 60002, "")
    assert_error(api.call("GET", api.users_path(user_id="a45f1416-3300-4f65-9e8d-f123b397a4ea") + "/licenses"), 404, 60002, "")
    assert_error(api.call("GET", "/customers/00000000-0000-0000-0000-000000000001/subscribedskus"), 404, 60003, "Tenant not found")


def test_a_soft_deleted_user_keeps_its_licences_and_their_seats_by_default(emu, api):
    assert emu.configure()["deleted_users_keep_licenses"] is True
    update(api, JADE, assign=[E3])
    assert skus(api)[E3]["consumedUnits"] == 1
    assert api.call("DELETE", api.users_path(user_id=JADE)).status_code == 204
    assert skus(api)[E3]["consumedUnits"] == 1 and skus(api)[E3]["availableUnits"] == skus(api)[E3]["totalUnits"] - 1
    assert emu.store.user_licenses(api.customer, JADE) == [E3]
    assert_error(update(api, JADE, remove=[E3]), 404, 60002, "User object Id is not found")


def test_delete_releases_seats_and_restore_brings_no_licence_with_the_switch_off(emu, api):
    assert api.admin("POST", "/config", {"deleted_users_keep_licenses": False}).json()["deleted_users_keep_licenses"] is False
    update(api, JADE, assign=[E3])
    assert skus(api)[E3]["consumedUnits"] == 1
    assert api.call("DELETE", api.users_path(user_id=JADE)).status_code == 204
    assert skus(api)[E3]["consumedUnits"] == 0
    assert emu.store.user_licenses(api.customer, JADE) == []
    assert api.call("PATCH", api.users_path(user_id=JADE), json_body={"state": "active"}).status_code == 200
    assert body(api.call("GET", api.users_path(user_id=JADE) + "/licenses"))["items"] == []
    assert api.admin("POST", "/config", {"deleted_users_keep_licenses": "no"}).status_code == 400
    emu.reset()
    assert emu.configure()["deleted_users_keep_licenses"] is True, "reset restores the constructor's value"


def test_seeded_licences_and_control_endpoints(emu, api):
    posted = api.admin("POST", "/customers/%s/subscribedskus" % api.empty_customer,
                       [{"productSku": {"id": "aaaaaaaa-0000-4000-8000-000000000001", "name": "Visio Plan 2", "skuPartNumber": "VISIOCLIENT"},
                         "totalUnits": 2}])
    assert posted.status_code == 201 and posted.json()[0]["availableUnits"] == 2
    assert posted.json()[0]["productSku"]["licenseGroupId"] == "group1"
    given = api.admin("POST", "/customers/%s/users" % api.empty_customer, {"users": [
        {"userPrincipalName": "v1@fabrikam.onmicrosoft.com", "displayName": "V1", "usageLocation": "US", "licenses": ["visioclient", EMS]}]})
    assert given.status_code == 201
    current = dict((s["productSku"]["skuPartNumber"], s) for s in api.admin("GET", "/customers/%s/subscribedskus" % api.empty_customer).json())
    assert current["VISIOCLIENT"]["consumedUnits"] == 1 and current["EMS"]["consumedUnits"] == 1
    view = emu.store.find_user(api.empty_customer, upn="v1@fabrikam.onmicrosoft.com")
    assert view["licenses"] == ["aaaaaaaa-0000-4000-8000-000000000001", EMS]
    assert api.admin("POST", "/customers/%s/subscribedskus" % api.empty_customer, {"productSku": {}}).status_code == 400
    emu.reset()
    assert [s["productSku"]["id"] for s in emu.store.subscribed_skus(api.empty_customer)] == [E3, BUSINESS, EMS, MINECRAFT]


def test_a_user_licence_read_without_a_group_leaves_group2_out(api):
    assert update(api, DANIEL, assign=[MINECRAFT]).status_code == 201
    assert update(api, DANIEL, assign=[EMS]).status_code == 201
    plain = body(api.call("GET", api.users_path(user_id=DANIEL) + "/licenses"))["items"]
    assert [item["productSku"]["id"] for item in plain] == [EMS], "group1, the default license group (Learn)"
    both = body(api.call("GET", api.users_path(user_id=DANIEL) + "/licenses" + ALL_GROUPS))["items"]
    assert sorted(item["productSku"]["id"] for item in both) == sorted([MINECRAFT, EMS])


def test_license_warning_fault_adds_a_warning_to_the_update_answer(api):
    emu = api.emu
    emu.add_fault(method="POST", path="/licenseupdates$", kind="license_warning")
    warned = body(update(api, DANIEL, assign=[EMS]))
    assert [set(w) for w in warned["licenseWarnings"]] == [{"code", "message", "servicePlans"}]
    assert api.emu.store.user_licenses(api.customer, DANIEL) == [EMS], "the update is made all the same"
    mine = {"code": "Custom", "message": "Told so.", "servicePlans": []}
    emu.add_fault(method="POST", path="/licenseupdates$", kind="license_warning", warning=mine)
    assert body(update(api, DANIEL, assign=[E3]))["licenseWarnings"] == [mine]
    assert body(update(api, DANIEL, assign=[BUSINESS]))["licenseWarnings"] == [], "one use only"
    with pytest.raises(ValueError, match="warning"):
        emu.add_fault(kind="license_warning", warning="text")
