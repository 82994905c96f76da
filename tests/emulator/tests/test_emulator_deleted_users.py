"""Soft-deleted users: renamed by the delete (real-service-facts.md section 1), the name freed, given back on restore,
the restore refused while the name is taken; roles given back; the licence and plain-name switches."""

from __future__ import annotations

import pytest

from emulator_client import body

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
UPN = "gone@contoso.onmicrosoft.com"
DUPLICATE = "Another object with the same value for property userPrincipalName already exists."


def deleted_listing(api):
    return body(api.call("GET", api.users_path() + '?filter={"Field":"UserState","Value":"Inactive","Operator":"equals"}'))["items"]


def create_and_delete(api, upn=UPN):
    created = body(api.create(upn, usageLocation="US"))
    assert api.call("DELETE", api.users_path(user_id=created["id"])).status_code == 204
    return created["id"]


def restore(api, user_id):
    return api.call("PATCH", api.users_path(user_id=user_id), json_body={"state": "active"})


def test_a_deleted_user_is_listed_renamed_and_its_name_is_free(emu, api):
    user_id = create_and_delete(api)
    renamed = user_id.replace("-", "") + UPN
    listed = dict((u["id"], u) for u in deleted_listing(api))
    assert listed[user_id]["userPrincipalName"] == renamed
    assert emu.store.find_user(api.customer, upn=renamed)["id"] == user_id
    assert emu.store.find_user(api.customer, upn=UPN)["id"] == user_id       # the admin view finds it by its old name too
    newcomer = api.create(UPN.upper().replace("CONTOSO.ONMICROSOFT.COM", "contoso.onmicrosoft.com"), usageLocation="US")
    assert newcomer.status_code == 201 and body(newcomer)["id"] != user_id


def test_restore_gives_the_name_back(emu, api):
    user_id = create_and_delete(api)
    restored = restore(api, user_id)
    assert restored.status_code == 200 and body(restored)["userPrincipalName"] == UPN
    assert body(api.call("GET", api.users_path(user_id=user_id)))["userPrincipalName"] == UPN
    assert emu.store.find_user(api.customer, upn=UPN)["state"] == "active"
    assert user_id.replace("-", "") not in str(body(api.call("GET", api.users_path())))


def test_a_restore_whose_name_is_taken_is_refused_and_changes_nothing(emu, api):
    user_id = create_and_delete(api)
    holder = body(api.create(UPN, usageLocation="US"))["id"]
    before = emu.store.find_user(api.customer, uid=user_id)
    refused = restore(api, user_id)
    assert refused.status_code == 400 and body(refused)["code"] == 3000 and body(refused)["description"] == DUPLICATE
    assert emu.store.find_user(api.customer, uid=user_id) == before
    # Once the holder is renamed, the restore goes through under the original name.
    assert api.call("PATCH", api.users_path(user_id=holder), json_body={"userPrincipalName": "other@contoso.onmicrosoft.com"}).status_code == 200
    assert body(restore(api, user_id))["userPrincipalName"] == UPN


def test_plain_mode_keeps_the_name_listed_and_taken(emu, api):
    settings = emu.configure(deleted_upn="plain")
    assert settings["deleted_upn"] == "plain" and settings["restore_licenses"] is False
    user_id = create_and_delete(api)
    assert dict((u["id"], u["userPrincipalName"]) for u in deleted_listing(api))[user_id] == UPN
    refused = api.create(UPN, usageLocation="US")
    assert refused.status_code == 400 and body(refused)["description"] == DUPLICATE
    assert body(restore(api, user_id))["userPrincipalName"] == UPN
    emu.reset()
    assert emu.configure()["deleted_upn"] == "renamed"


def test_the_switches_through_the_control_endpoint_and_their_checks(emu, api):
    answer = api.admin("POST", "/config", {"deleted_upn": "plain", "restore_licenses": True})
    assert answer.status_code == 200 and answer.json()["deleted_upn"] == "plain" and answer.json()["restore_licenses"] is True
    for bad in ({"deleted_upn": "prefixed"}, {"restore_licenses": "yes"}):
        assert api.admin("POST", "/config", bad).status_code == 400
    with pytest.raises(ValueError, match="deleted_upn"):
        emu.configure(deleted_upn=None)


@pytest.mark.parametrize("restore_licenses", [False, True])
def test_seats_are_released_on_delete_and_licences_come_back_only_with_the_switch(emu, api, restore_licenses):
    emu.configure(deleted_users_keep_licenses=False, restore_licenses=restore_licenses)
    user_id = body(api.create(UPN, usageLocation="US"))["id"]
    update = {"licensesToAssign": [{"skuId": E3}, {"skuId": EMS}], "attributes": {"objectType": "LicenseUpdate"}}
    assert api.call("POST", api.users_path(user_id=user_id) + "/licenseupdates", json_body=update).status_code == 201
    assert api.call("DELETE", api.users_path(user_id=user_id)).status_code == 204
    skus = dict((s["productSku"]["id"], s) for s in emu.store.subscribed_skus(api.customer))
    assert skus[E3]["consumedUnits"] == 0 and skus[EMS]["consumedUnits"] == 0     # released while deleted, either way
    # EMS's seats are all taken meanwhile: a licence without a seat does not come back.
    emu.store.add_users(api.customer, [{"userPrincipalName": "ems%d@contoso.onmicrosoft.com" % n, "usageLocation": "US",
                                        "licenses": ["EMS"]} for n in range(5)])
    assert restore(api, user_id).status_code == 200
    held = [item["productSku"]["id"] for item in body(api.call("GET", api.users_path(user_id=user_id) + "/licenses"))["items"]]
    assert held == ([E3] if restore_licenses else [])
    skus = dict((s["productSku"]["id"], s) for s in emu.store.subscribed_skus(api.customer))
    assert skus[E3]["consumedUnits"] == (1 if restore_licenses else 0) and skus[EMS]["availableUnits"] == 0


def test_restore_gives_the_roles_back_in_both_modes(emu, api):
    for mode in ("renamed", "plain"):
        emu.configure(deleted_upn=mode)
        user_id = body(api.create("%s@contoso.onmicrosoft.com" % mode, usageLocation="US"))["id"]
        emu.store.add_role_member(api.customer, HELPDESK, user_id)
        assert api.call("DELETE", api.users_path(user_id=user_id)).status_code == 204
        assert emu.store.role_members(api.customer, HELPDESK) == []
        assert restore(api, user_id).status_code == 200
        assert emu.store.role_members(api.customer, HELPDESK) == [user_id]
        emu.store.remove_role_member(api.customer, HELPDESK, user_id)
