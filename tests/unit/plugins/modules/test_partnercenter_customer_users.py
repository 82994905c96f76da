# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.modules import partnercenter_customer_users as module
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import api_user

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
