# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.modules import partnercenter_customer_users as module
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import MINECRAFT, SPE_E3, api_user

PASSWORD = "Correct-Horse-7"


def new_user(name):
    return dict(user_principal_name="%s@contoso.onmicrosoft.com" % name, display_name=name.title(), usage_location="US", password=PASSWORD)


def test_many_users_in_one_task(run_module):
    users = [new_user("user%02d" % number) for number in range(12)]
    result, out = run_module(module, diff=True, concurrency=4, users=users)
    assert result["changed"] is True
    assert result["summary"]["created"] == [user["user_principal_name"] for user in users]
    assert [diff["before_header"] for diff in result["diff"]] == [user["user_principal_name"] for user in users]
    assert PASSWORD not in out
    # one read of each list, whatever the number of users
    assert [call[0] for call in run_module.api.calls if call[0].startswith("list")] == ["list_active", "list_deleted"]
    again, _out = run_module(module, users=users)
    assert again["changed"] is False and len(again["summary"]["unchanged"]) == 12


def test_check_mode_makes_no_write(run_module):
    result, _out = run_module(module, check_mode=True, users=[new_user("ada")])
    assert result["summary"]["created"] == ["ada@contoso.onmicrosoft.com"]
    assert run_module.api.writes == []


def test_malformed_or_duplicate_items_fail_before_any_call(run_module):
    bad, _out = run_module(module, users=[new_user("ada"), dict(new_user("bob"), usage_location="USA")])
    assert bad["failed"] is True and "users[1]" in bad["msg"] and "usage_location" in bad["msg"]
    duplicate, _out = run_module(module, users=[new_user("ada"), dict(new_user("ADA"))])
    assert duplicate["failed"] is True and "more than once" in duplicate["msg"]
    concurrency, _out = run_module(module, concurrency=0, users=[new_user("ada")])
    assert concurrency["failed"] is True and "concurrency" in concurrency["msg"]
    assert run_module.api.calls == []


def test_one_failing_user_fails_the_task_after_the_others(run_module):
    existing = api_user("bob@contoso.onmicrosoft.com")
    run_module.api.users[existing["id"]] = existing
    original_update = run_module.api.update

    def update(user_id, body):
        if user_id == existing["id"]:
            raise PartnerCenterError("PATCH failed: HTTP 400", status=400, code=3000, description="nope")
        return original_update(user_id, body)

    run_module.api.update = update
    result, _out = run_module(module, users=[new_user("ada"), dict(user_principal_name="bob@contoso.onmicrosoft.com", display_name="Bobby")])
    assert result["failed"] is True
    assert result["summary"]["created"] == ["ada@contoso.onmicrosoft.com"]
    assert result["summary"]["failed"] == ["bob@contoso.onmicrosoft.com"]
    assert "bob@contoso.onmicrosoft.com" in result["msg"]


def test_an_id_and_the_upn_of_the_same_user_are_refused_before_any_write(run_module):
    existing = api_user("bob@contoso.onmicrosoft.com")
    run_module.api.users[existing["id"]] = existing
    result, _out = run_module(module, users=[dict(user_id=existing["id"], display_name="B1"),
                                             dict(user_principal_name="BOB@contoso.onmicrosoft.com", display_name="B2")])
    assert result["failed"] is True and "users[0] and users[1] name the same user" in result["msg"]
    assert run_module.api.writes == []


def test_a_rename_onto_another_items_user_is_refused(run_module):
    existing = api_user("bob@contoso.onmicrosoft.com")
    run_module.api.users[existing["id"]] = existing
    result, _out = run_module(module, users=[dict(user_id=existing["id"], user_principal_name="ada@contoso.onmicrosoft.com"),
                                             new_user("ada")])
    assert result["failed"] is True and "users[1]" in result["msg"] and "ada@contoso.onmicrosoft.com" in result["msg"]
    assert run_module.api.calls == [], "refused from the items alone, before any request"


def test_a_user_that_failed_after_a_write_is_reported_with_its_writes_and_counted_honestly(run_module):
    deleted = api_user("bob@contoso.onmicrosoft.com", state="inactive", displayName="Old")
    run_module.api.users[deleted["id"]] = deleted

    def forbidden(user_id, body):
        raise PartnerCenterError("forbidden", status=403, code=900308, description="Insufficient privileges")

    run_module.api.reset_password = forbidden
    result, _out = run_module(module, users=[dict(user_principal_name="bob@contoso.onmicrosoft.com", display_name="New",
                                                  password=PASSWORD, update_password="always")])
    assert result["failed"] is True and result["changed"] is True
    item = result["results"][0]
    assert item["action"] == "failed" and item["changed"] is True
    assert [write["operation"] for write in item["writes"]] == ["restore", "update"]
    assert item["user"]["state"] == "active" and item["user"]["display_name"] == "New"
    assert result["summary"]["failed"] == result["summary"]["restored"] == result["summary"]["updated"] == ["bob@contoso.onmicrosoft.com"]
    assert PASSWORD not in json.dumps(result)


def test_a_failed_item_given_by_id_is_named_by_its_users_upn(run_module):
    existing = api_user("bob@contoso.onmicrosoft.com")
    run_module.api.users[existing["id"]] = existing

    def refused(user_id, body):
        raise PartnerCenterError("nope", status=400, code=3000, description="nope")

    run_module.api.update = refused
    result, _out = run_module(module, users=[dict(user_id=existing["id"], display_name="Bobby")])
    assert result["results"][0]["user_principal_name"] == "bob@contoso.onmicrosoft.com"
    assert result["summary"]["failed"] == ["bob@contoso.onmicrosoft.com"]


def test_seats_are_summed_over_every_item_before_any_write(run_module):
    # Business Standard has 2 seats in the fake tenant: three new users asking for it never start.
    users = [dict(new_user("u%d" % n), licenses=dict(add=["O365_BUSINESS_PREMIUM"])) for n in range(3)]
    result, _out = run_module(module, users=users)
    assert result["failed"] is True and "not enough seats of O365_BUSINESS_PREMIUM" in result["msg"]
    assert "assigns it to 3 users (u0@contoso.onmicrosoft.com, u1@contoso.onmicrosoft.com, u2@contoso.onmicrosoft.com), and 2 are available" in result["msg"]
    assert run_module.api.writes == [] and run_module.licenses.writes == []


def test_bulk_licences_and_roles_read_the_tenant_once(run_module):
    users = [dict(new_user("u%d" % n), licenses=dict(add=["SPE_E3"])) for n in range(5)]
    users[0]["directory_roles"] = dict(add=["User Administrator"])
    result, _out = run_module(module, users=users)
    assert result["changed"] is True and len(result["summary"]["created"]) == 5
    reads = [call[0] for call in run_module.licenses.calls + run_module.roles.calls if call[0] in (
        "subscribed_skus", "user_licenses", "tenant_roles", "members", "user_roles")]
    assert sorted(reads) == ["subscribed_skus", "tenant_roles"], "new users: nothing per user to read"
    assert len(run_module.licenses.writes) == 5 and len(run_module.roles.writes) == 1
    assert result["results"][0]["user"]["directory_roles"] == ["User Administrator"]
    assert result["results"][1]["user"]["licenses"] == ["SPE_E3"] and "directory_roles" not in result["results"][1]["user"]


def test_state_absent_with_an_addition_is_refused_before_any_call(run_module):
    result, _out = run_module(module, users=[dict(user_principal_name="bob@contoso.onmicrosoft.com", state="absent"),
                                             dict(user_principal_name="eve@contoso.onmicrosoft.com", state="absent",
                                                  licenses=dict(set=["SPE_E3"]))])
    assert result["failed"] is True and "users[1].licenses.set must be empty ([]) with state=absent" in result["msg"]
    assert run_module.api.calls == [] and run_module.licenses.calls == [] and run_module.roles.calls == []


def test_offboarding_releases_the_seats_before_the_delete_and_counts_them_per_sku(run_module):
    leavers = [api_user("bob@contoso.onmicrosoft.com"), api_user("eve@contoso.onmicrosoft.com")]
    for user in leavers:
        run_module.api.users[user["id"]] = user
    run_module.licenses.held = {leavers[0]["id"]: [SPE_E3["id"], MINECRAFT["id"]], leavers[1]["id"]: [SPE_E3["id"]]}
    users = [dict(user_principal_name=user["userPrincipalName"], state="absent", licenses=dict(set=[])) for user in leavers]
    predicted, _out = run_module(module, check_mode=True, users=users)
    assert predicted["seats_released"] == {"SPE_E3": 2, "CFQ7TTC0K5DR/0002": 1}
    assert run_module.api.writes == [] and run_module.licenses.writes == []
    result, _out = run_module(module, users=users)
    assert result["seats_released"] == {"SPE_E3": 2, "CFQ7TTC0K5DR/0002": 1}
    assert result["summary"]["deleted"] == ["bob@contoso.onmicrosoft.com", "eve@contoso.onmicrosoft.com"]
    assert [write["operation"] for write in result["results"][0]["writes"]] == ["update_licenses", "update_licenses", "delete"]
    again, _out = run_module(module, users=users)
    assert again["changed"] is False and again["seats_released"] == {}
