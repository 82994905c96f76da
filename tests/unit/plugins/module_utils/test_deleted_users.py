# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Soft-deleted users listed under another name: Entra ID puts the object id without hyphens (32 hex digits) before the
name of a user it soft-deletes (real-service-facts.md section 1). Matching, the name a restore gives back, the refusals."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import uuid

import pytest
from hypothesis import given, strategies as st

from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.facets import ConvergenceFailure
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import UserIndex
from ansible_collections.partnercenter.csp.plugins.module_utils.user_convergence import UserConvergence, UserSpec, converge, find_user
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import UserInputError, active_user_named
from ansible_collections.partnercenter.csp.plugins.module_utils.deleted_users import (
    deleted_user_matches,
    deleted_user_named,
    restored_upn,
    restored_upn_is_sure,
    unprefixed_upn,
)
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import FakeUsersApi, api_user

ADA = "ada@contoso.onmicrosoft.com"
# The one recorded deleted user (GetCustomerUserAllDeleted.json): 32 hex digits before "@", not his id.
FERDINAND = "e83763f7f2204ac384cfcd49f79f2749@dtdemocspcustomer005.onmicrosoft.com"


def renamed(user_id, upn):
    return user_id.replace("-", "") + upn


def deleted(upn, rename=True, **fields):
    user = api_user(upn, state="inactive", **fields)
    if rename:
        user["userPrincipalName"] = renamed(user["id"], upn)
    return user


hex32 = st.text("0123456789abcdefABCDEF", min_size=32, max_size=32)
local = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20).filter(lambda s: s[0] != ".")
upns = st.builds(lambda name: name + "@contoso.onmicrosoft.com", local)


@given(hex32, upns)
def test_a_renamed_name_matches_its_original_in_any_case(prefix, upn):
    assert deleted_user_matches(prefix + upn, upn)
    assert deleted_user_matches((prefix + upn).upper(), upn.lower())
    assert deleted_user_matches(prefix.upper() + upn, upn.upper())
    assert restored_upn(prefix + upn, upn.upper()) == upn
    assert restored_upn(prefix + upn) == upn


@given(upns)
def test_a_plain_name_matches_itself_and_is_given_back_as_listed(upn):
    assert deleted_user_matches(upn, upn.upper())
    assert restored_upn(upn, upn) == upn
    assert restored_upn(upn) == upn
    assert unprefixed_upn(upn) is None or len(upn.split("@")[0]) > 32


@given(hex32, upns, upns)
def test_another_name_never_matches(prefix, upn, other):
    if other.lower() != upn.lower():
        assert not deleted_user_matches(prefix + other, upn)
        assert not deleted_user_matches(other, upn)


@given(st.text("0123456789abcdef", min_size=1, max_size=31), upns)
def test_fewer_than_32_hex_digits_are_no_prefix(short, upn):
    assert not deleted_user_matches(short + upn, upn)


def test_the_recorded_guid_name_is_no_prefix_and_matches_only_itself():
    assert unprefixed_upn(FERDINAND) is None
    assert not deleted_user_matches(FERDINAND, "@dtdemocspcustomer005.onmicrosoft.com")
    assert not deleted_user_matches(FERDINAND, "ferdinand@dtdemocspcustomer005.onmicrosoft.com")
    assert deleted_user_matches(FERDINAND.upper(), FERDINAND)
    assert restored_upn(FERDINAND) == FERDINAND


def test_a_live_user_whose_name_starts_with_32_hex_digits_is_matched_exactly_only():
    hexy = "0123456789ABCDEF0123456789abcdef" + ADA
    active = [api_user(hexy)]
    assert active_user_named(active, ADA) is None
    assert active_user_named(active, hexy.lower())["userPrincipalName"] == hexy
    # Deleted and listed plain, it matches its own name, and (it cannot be told apart) the name without the digits.
    assert deleted_user_matches(hexy, hexy) and deleted_user_matches(hexy, ADA)
    assert restored_upn(hexy, hexy) == hexy
    # Deleted and renamed, it carries 64 hex digits: its own name matches, the name without them only via the first 32.
    user_id = str(uuid.uuid4())
    assert deleted_user_matches(renamed(user_id, hexy), hexy)
    assert restored_upn(renamed(user_id, hexy), hexy) == hexy


def test_the_prefix_is_never_taken_for_the_id():
    user_id = str(uuid.uuid4())
    other_prefix = uuid.uuid4().hex
    assert deleted_user_matches(other_prefix + ADA, ADA)
    assert restored_upn_is_sure(renamed(user_id, ADA), user_id)
    assert restored_upn_is_sure(renamed(user_id.upper(), ADA), user_id)
    assert restored_upn_is_sure(ADA, user_id)
    assert not restored_upn_is_sure(other_prefix + ADA, user_id)
    assert restored_upn_is_sure(other_prefix + ADA, user_id, found_by=ADA)


def test_two_deleted_users_that_may_have_had_the_name_are_refused_naming_their_ids():
    first, second = deleted(ADA), deleted(ADA, rename=False)
    with pytest.raises(UserInputError, match="user_id") as caught:
        deleted_user_named([first, api_user("bob@contoso.onmicrosoft.com", state="inactive"), second], ADA.upper())
    assert first["id"] in str(caught.value) and second["id"] in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert deleted_user_named([first], ADA)["id"] == first["id"]
    assert deleted_user_named([], ADA) is None


def spec(**options):
    options.setdefault("user_principal_name", ADA)
    return UserSpec(options)


def run(api, user_spec, check_mode=False):
    return converge(CustomerContext(api), user_spec, find_user(api, user_spec), check_mode)


@pytest.mark.parametrize("check_mode", [False, True])
def test_present_by_name_restores_a_renamed_user_and_returns_its_original_name(check_mode):
    user = deleted(ADA)
    api = FakeUsersApi([user])
    outcome = run(api, spec(display_name=user["displayName"]), check_mode)
    assert outcome.action == "restored"
    assert outcome.after["user_principal_name"] == ADA and outcome.after["id"] == user["id"]
    assert outcome.before["user_principal_name"] == renamed(user["id"], ADA)
    # Nothing else to write: the name given back is the one asked for, so no rename follows the restore.
    assert [w.operation for w in outcome.writes] == ["restore"]
    assert [call[0] for call in api.writes] == ([] if check_mode else ["update"])


def test_an_active_user_with_the_name_wins_over_a_deleted_one():
    active, gone = api_user(ADA), deleted(ADA)
    api = FakeUsersApi([gone, active])
    outcome = run(api, spec())
    assert outcome.action == "unchanged" and outcome.after["id"] == active["id"]
    assert api.writes == []


def test_two_deleted_matches_fail_before_any_write_in_both_modules():
    api = FakeUsersApi([deleted(ADA), deleted(ADA)])
    with pytest.raises(UserInputError, match="give user_id"):
        find_user(api, spec())
    with pytest.raises(UserInputError, match=r"^users\[2\]\.user_principal_name: 2 soft-deleted users"):
        UserIndex(api).find(spec(), label="users[2].")
    assert api.writes == []


def test_absent_on_a_deleted_user_reports_it_as_listed():
    user = deleted(ADA)
    api = FakeUsersApi([user])
    outcome = run(api, spec(state="absent"))
    assert outcome.action == "unchanged" and outcome.after["user_principal_name"] == renamed(user["id"], ADA)


def test_a_restore_by_id_whose_name_an_active_user_holds_is_refused_before_any_write_from_the_listing():
    gone, holder = deleted(ADA), api_user(ADA)
    api = FakeUsersApi([gone, holder])
    index = UserIndex(api)
    by_id = spec(user_id=gone["id"], user_principal_name=None)
    convergence = UserConvergence(CustomerContext(api), by_id, index.find(by_id), label="users[0].",
                                  active_user_named=index.active_user_named)
    with pytest.raises(UserInputError) as caught:
        convergence.plan()
    message = str(caught.value)
    assert message.startswith("users[0]: user_id %s" % gone["id"])
    assert gone["id"] in message and holder["id"] in message and ADA in message
    assert "rename or delete" in message and "nothing was written" in message
    assert api.writes == [] and api.calls == [("list_active",), ("list_deleted",)], "no listing beyond the index's"
    # state: absent needs no name: nothing refused, nothing written.
    absent = spec(user_id=gone["id"], user_principal_name=None, state="absent")
    outcome = UserConvergence(CustomerContext(api), absent, index.find(absent), active_user_named=index.active_user_named)
    assert outcome.read().plan().apply(False).action == "unchanged" and api.writes == []


def refusing(api, refusal):
    def update(user_id, body):
        api.calls.append(("update", user_id, body))
        raise refusal
    api.update = update


def duplicate_refusal():
    return PartnerCenterError("400 code 3000: Another object with the same value for property userPrincipalName already "
                              "exists.", status=400, code=3000, description="Another object with the same value for "
                              "property userPrincipalName already exists.", request_id="rid", method="PATCH", url="u")


def test_the_single_module_sends_the_restore_and_the_refusal_names_both_users():
    gone, holder = deleted(ADA), api_user(ADA)
    api = FakeUsersApi([gone, holder])
    refusing(api, duplicate_refusal())
    with pytest.raises(ConvergenceFailure) as caught:
        run(api, spec(user_id=gone["id"], user_principal_name=None))
    text = str(caught.value.error)
    assert gone["id"] in text and holder["id"] in text and "rename or delete" in text
    assert [call[0] for call in api.writes] == ["update"] and not caught.value.outcome.changed


def test_a_restore_by_id_with_an_unknown_prefix_goes_out_also_in_bulk_and_the_refusal_names_both_users():
    gone = deleted(ADA, rename=False)
    gone["userPrincipalName"] = uuid.uuid4().hex + ADA       # not its id: the name it gets back is not sure
    holder = api_user(ADA)
    api = FakeUsersApi([gone, holder])
    refusing(api, duplicate_refusal())
    index = UserIndex(api)
    by_id = spec(user_id=gone["id"], user_principal_name=None)
    convergence = UserConvergence(CustomerContext(api), by_id, index.find(by_id), active_user_named=index.active_user_named)
    with pytest.raises(ConvergenceFailure) as caught:
        convergence.read().plan().apply(False)    # the listing shows a holder of the name without the prefix: not sure
    error = caught.value.error
    assert error.status == 400 and error.code == 3000 and error.request_id == "rid"
    text = str(error)
    assert gone["id"] in text and holder["id"] in text and "rename or delete" in text
    assert caught.value.outcome.action == "failed" and not caught.value.outcome.changed
