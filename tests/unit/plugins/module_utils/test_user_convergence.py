# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import uuid

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.facets import ConvergenceFailure
from ansible_collections.partnercenter.csp.plugins.module_utils.profile_facet import check_creatable
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import UserIndex
from ansible_collections.partnercenter.csp.plugins.module_utils.user_convergence import UserSpec, converge, find_user
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import PASSWORD_PLACEHOLDER, UserInputError
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import FakeUsersApi, api_user

PASSWORD = "Correct-Horse-7"


def spec(**options):
    options.setdefault("user_principal_name", "ada@contoso.onmicrosoft.com")
    return UserSpec(options)


def run(api, user_spec, check_mode=False):
    return converge(CustomerContext(api), user_spec, find_user(api, user_spec), check_mode)


NEW_USER = dict(display_name="Ada Lovelace", usage_location="GB", password=PASSWORD)


def test_create_sends_one_post_with_the_password_and_returns_no_password():
    api = FakeUsersApi()
    outcome = run(api, spec(**NEW_USER))
    assert outcome.action == "created" and outcome.changed
    assert [call[0] for call in api.writes] == ["create"]
    assert api.writes[0][1]["passwordProfile"] == {"password": PASSWORD, "forceChangePassword": True}
    assert outcome.after["id"] in api.users
    assert PASSWORD not in repr(outcome.after) and PASSWORD not in repr(outcome.diff())
    assert outcome.diff()["after"]["password"] == PASSWORD_PLACEHOLDER + " - changed"


def test_create_in_check_mode_writes_nothing_and_predicts_the_user():
    api = FakeUsersApi()
    outcome = run(api, spec(**NEW_USER), check_mode=True)
    assert outcome.action == "created"
    assert api.writes == []
    assert outcome.after["display_name"] == "Ada Lovelace" and outcome.after["id"] is None


@pytest.mark.parametrize("missing", ["display_name", "usage_location", "password"])
def test_create_without_a_required_option_reads_but_never_writes(missing):
    api = FakeUsersApi()
    options = dict(NEW_USER)
    del options[missing]
    with pytest.raises(UserInputError, match=missing):
        run(api, spec(**options))
    assert api.writes == []


def test_unknown_user_id_is_not_created():
    api = FakeUsersApi()
    with pytest.raises(UserInputError, match="user_id"):
        run(api, spec(user_id=str(uuid.uuid4()), **NEW_USER))
    assert api.writes == []


def test_unchanged_user_makes_no_write():
    existing = api_user("ada@contoso.onmicrosoft.com", displayName="Ada Lovelace", usageLocation="GB")
    api = FakeUsersApi([existing])
    outcome = run(api, spec(user_principal_name="ADA@contoso.onmicrosoft.com", **NEW_USER))
    assert outcome.action == "unchanged" and not outcome.changed
    assert api.writes == []
    assert "password" not in outcome.diff()["after"]


def test_update_patches_only_the_fields_that_differ():
    existing = api_user("ada@contoso.onmicrosoft.com", displayName="Ada", usageLocation="gb", firstName="Ada")
    api = FakeUsersApi([existing])
    outcome = run(api, spec(display_name="Ada Lovelace", usage_location="GB", first_name="Ada", last_name="Lovelace"))
    assert outcome.action == "updated"
    assert api.writes == [("update", existing["id"], {"displayName": "Ada Lovelace", "lastName": "Lovelace",
                                                      "attributes": {"objectType": "CustomerUser"}})]
    assert outcome.before["display_name"] == "Ada" and outcome.after["display_name"] == "Ada Lovelace"


def test_update_in_check_mode_predicts_without_writing():
    existing = api_user("ada@contoso.onmicrosoft.com", displayName="Ada")
    api = FakeUsersApi([existing])
    outcome = run(api, spec(display_name="Ada L"), check_mode=True)
    assert outcome.action == "updated" and api.writes == []
    assert outcome.after["display_name"] == "Ada L"
    assert api.users[existing["id"]]["displayName"] == "Ada"


def test_rename_by_user_id():
    existing = api_user("ada@contoso.onmicrosoft.com")
    api = FakeUsersApi([existing])
    outcome = run(api, spec(user_id=existing["id"], user_principal_name="ada.king@contoso.onmicrosoft.com"))
    assert outcome.action == "updated"
    assert api.calls[0] == ("get", existing["id"])
    assert api.writes[0][2]["userPrincipalName"] == "ada.king@contoso.onmicrosoft.com"


def test_existing_password_is_never_sent_with_on_create():
    existing = api_user("ada@contoso.onmicrosoft.com", displayName="Ada Lovelace", usageLocation="GB")
    api = FakeUsersApi([existing])
    outcome = run(api, spec(update_password="on_create", **NEW_USER))
    assert outcome.action == "unchanged" and api.writes == []


def test_password_is_reset_on_every_run_with_always():
    existing = api_user("ada@contoso.onmicrosoft.com", displayName="Ada Lovelace", usageLocation="GB")
    api = FakeUsersApi([existing])
    for _run in range(2):
        outcome = run(api, spec(update_password="always", force_change_password=False, **NEW_USER))
        assert outcome.action == "updated" and outcome.changed
        assert outcome.diff()["before"]["password"] == PASSWORD_PLACEHOLDER
    assert [call[0] for call in api.writes] == ["reset_password", "reset_password"]
    assert api.writes[0][2]["passwordProfile"] == {"password": PASSWORD, "forceChangePassword": False}
    assert PASSWORD not in repr(outcome.after)


def test_soft_deleted_user_is_restored_then_updated():
    deleted = api_user("ada@contoso.onmicrosoft.com", state="inactive", displayName="Old")
    api = FakeUsersApi([deleted])
    outcome = run(api, spec(display_name="New"))
    assert outcome.action == "restored"
    assert [call[2] for call in api.writes] == [
        {"state": "active", "attributes": {"objectType": "CustomerUser"}},
        {"displayName": "New", "attributes": {"objectType": "CustomerUser"}},
    ]
    assert outcome.before["state"] == "inactive" and outcome.after["state"] == "active"


def test_restore_in_check_mode_writes_nothing():
    deleted = api_user("ada@contoso.onmicrosoft.com", state="inactive")
    api = FakeUsersApi([deleted])
    outcome = run(api, spec(), check_mode=True)
    assert outcome.action == "restored" and api.writes == []
    assert outcome.after["state"] == "active"


def test_restore_by_user_id_finds_the_soft_deleted_user():
    deleted = api_user("ada@contoso.onmicrosoft.com", state="inactive")
    api = FakeUsersApi([deleted])
    outcome = run(api, spec(user_id=deleted["id"], user_principal_name=None))
    assert outcome.action == "restored"


def test_absent_soft_deletes_an_active_user_once():
    existing = api_user("ada@contoso.onmicrosoft.com")
    api = FakeUsersApi([existing])
    outcome = run(api, spec(state="absent"))
    assert outcome.action == "deleted" and api.writes == [("delete", existing["id"])]
    assert outcome.after["state"] == "inactive"
    again = run(api, spec(state="absent"))
    assert again.action == "unchanged" and len(api.writes) == 1


def test_absent_in_check_mode_and_for_a_missing_user():
    existing = api_user("ada@contoso.onmicrosoft.com")
    api = FakeUsersApi([existing])
    assert run(api, spec(state="absent"), check_mode=True).action == "deleted"
    assert api.writes == []
    missing = run(FakeUsersApi(), spec(state="absent"))
    assert missing.action == "unchanged" and missing.after is None


def test_create_that_lost_a_race_converges_on_the_existing_user():
    api = FakeUsersApi()
    racer = api_user("ada@contoso.onmicrosoft.com", displayName="Someone else")
    conflict = PartnerCenterError("exists", status=400, code=3000,
                                  description="Another object with the same value for property userPrincipalName already exists.")

    original_create = api.create

    def create_after_the_racer(body):
        api.users[racer["id"]] = racer
        api.create_error = conflict
        return original_create(body)

    api.create = create_after_the_racer
    outcome = converge(CustomerContext(api), spec(**NEW_USER), None, False)
    assert outcome.action == "updated"
    assert api.users[racer["id"]]["displayName"] == "Ada Lovelace"
    assert len(api.users) == 1


def test_other_create_errors_propagate_with_nothing_written():
    api = FakeUsersApi()
    api.create_error = PartnerCenterError("forbidden", status=403, code=900308, description="Insufficient privileges")
    with pytest.raises(ConvergenceFailure) as caught:
        converge(CustomerContext(api), spec(**NEW_USER), None, False)
    assert caught.value.error.status == 403
    assert caught.value.outcome.action == "failed" and not caught.value.outcome.changed and caught.value.outcome.writes == []


def test_user_index_reads_each_list_once_and_the_deleted_list_only_when_needed():
    active = api_user("ada@contoso.onmicrosoft.com")
    deleted = api_user("bob@contoso.onmicrosoft.com", state="inactive")
    api = FakeUsersApi([active, deleted])
    index = UserIndex(api)
    assert index.find(spec(user_principal_name="ADA@contoso.onmicrosoft.com"))["id"] == active["id"]
    assert index.find(spec(user_id=active["id"], user_principal_name=None))["id"] == active["id"]
    assert api.calls == [("list_active",)]
    assert index.find(spec(user_principal_name="bob@contoso.onmicrosoft.com"))["id"] == deleted["id"]
    assert index.find(spec(user_principal_name="nobody@contoso.onmicrosoft.com")) is None
    assert api.calls == [("list_active",), ("list_deleted",)]


def test_check_creatable_passes_existing_and_absent_users():
    check_creatable(spec(), api_user("ada@contoso.onmicrosoft.com"))
    check_creatable(spec(state="absent"), None)
    with pytest.raises(UserInputError, match="password"):
        check_creatable(spec(display_name="A", usage_location="US"), None)


def test_spec_keys_identify_duplicates():
    assert spec(user_principal_name="A@B.com").keys() == ["upn:a@b.com"]
    assert spec(user_id="ID", user_principal_name=None).keys() == ["id:id"]
