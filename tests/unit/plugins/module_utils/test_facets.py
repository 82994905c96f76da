# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Licences and directory roles as facets of one user, and results that stay true when a write fails or its answer is lost."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.facets import ConvergenceFailure
from ansible_collections.partnercenter.csp.plugins.module_utils.license_facet import license_warnings
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import summarize
from ansible_collections.partnercenter.csp.plugins.module_utils.user_convergence import UserConvergence, UserSpec, find_user
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import (
    BUSINESS,
    HELPDESK,
    MINECRAFT,
    SPE_E3,
    USER_ADMIN,
    FakeLicensesApi,
    FakeRolesApi,
    FakeUsersApi,
    api_user,
)

PASSWORD = "Correct-Horse-7"
UPN = "ada@contoso.onmicrosoft.com"
NEW_USER = dict(user_principal_name=UPN, display_name="Ada Lovelace", usage_location="GB", password=PASSWORD)


class Tenant:
    def __init__(self, users=(), held=None, members=None, skus=None):
        self.users = FakeUsersApi(users)
        self.licenses = FakeLicensesApi(held=held) if skus is None else FakeLicensesApi(skus=skus, held=held)
        self.roles = FakeRolesApi(members=members)

    def context(self, bulk=False):
        return CustomerContext(self.users, self.licenses, self.roles, bulk=bulk)

    def run(self, check_mode=False, **options):
        options.setdefault("user_principal_name", UPN)
        spec = UserSpec(options)
        context = self.context()
        return UserConvergence(context, spec, find_user(self.users, spec)).read().plan().apply(check_mode)

    def reads(self):
        return [call[0] for call in self.licenses.calls + self.roles.calls if call[0] not in ("update", "add_member", "remove_member")]


def existing(**fields):
    fields.setdefault("usageLocation", "GB")
    fields.setdefault("displayName", "Ada Lovelace")
    return api_user(UPN, **fields)


# -- licences ------------------------------------------------------------------------------------


def test_a_new_user_gets_its_licences_after_it_is_created_one_update_per_group():
    tenant = Tenant()
    outcome = tenant.run(licenses=dict(add=["spe_e3", MINECRAFT["id"]]), **NEW_USER)
    assert outcome.action == "created" and outcome.changed
    assert [record.operation for record in outcome.writes] == ["create", "update_licenses", "update_licenses"]
    user_id = outcome.after["id"]
    assert tenant.licenses.writes == [("update", user_id, [SPE_E3["id"]], []), ("update", user_id, [MINECRAFT["id"]], [])]
    assert outcome.user["licenses"] == ["CFQ7TTC0K5DR/0002", "SPE_E3"]
    assert "user_licenses" not in tenant.reads(), "a new user has no licences to read"


def test_no_change_reads_the_users_licences_and_nothing_else():
    user = existing()
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"]]})
    outcome = tenant.run(licenses=dict(set=["SPE_E3"]), directory_roles=dict(set=[]))
    assert outcome.action == "unchanged" and not outcome.changed
    assert tenant.reads() == ["user_licenses", "user_roles"], "no SKU or role list: nothing had to be resolved"


def test_set_replaces_and_puts_assign_and_remove_of_one_group_in_one_request():
    user = existing()
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"], MINECRAFT["id"]]})
    outcome = tenant.run(licenses=dict(set=["O365_BUSINESS_PREMIUM"]))
    assert tenant.licenses.writes == [("update", user["id"], [BUSINESS["id"]], [SPE_E3["id"]]),
                                      ("update", user["id"], [], [MINECRAFT["id"]])]
    assert outcome.facets_before["licenses"] == ["CFQ7TTC0K5DR/0002", "SPE_E3"]
    assert outcome.user["licenses"] == ["O365_BUSINESS_PREMIUM"]
    diff = outcome.diff()
    assert diff["before"]["licenses"] == ["CFQ7TTC0K5DR/0002", "SPE_E3"] and diff["after"]["licenses"] == ["O365_BUSINESS_PREMIUM"]


def test_set_empty_removes_every_licence_and_add_remove_touch_only_what_they_name():
    user = existing()
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"], BUSINESS["id"]]})
    assert tenant.run(licenses=dict(remove=["SPE_E3"], add=[])).user["licenses"] == ["O365_BUSINESS_PREMIUM"]
    assert tenant.run(licenses=dict(set=[])).user["licenses"] == []
    assert tenant.licenses.held[user["id"]] == []


def test_check_mode_reads_only_and_predicts():
    user = existing()
    tenant = Tenant([user])
    outcome = tenant.run(check_mode=True, licenses=dict(add=["SPE_E3"]))
    assert outcome.action == "updated" and outcome.changed and outcome.user["licenses"] == ["SPE_E3"]
    assert tenant.licenses.writes == [] and tenant.users.writes == []


@pytest.mark.parametrize("licenses, words", [
    (dict(add=["NOPE_E9"]), ["licenses.add", "NOPE_E9", "SPE_E3", "O365_BUSINESS_PREMIUM"]),
    (dict(set=["SPE_E3", "11111111-2222-3333-4444-555555555555"]), ["licenses.set", "11111111-2222-3333-4444-555555555555"]),
    (dict(remove=["TYPO"]), ["licenses.remove", "TYPO"]),
])
def test_an_unknown_sku_is_refused_before_any_write_naming_it_and_the_tenants_skus(licenses, words):
    tenant = Tenant()
    with pytest.raises(UserInputError) as caught:
        tenant.run(licenses=licenses, **NEW_USER)
    for word in words:
        assert word in str(caught.value)
    assert tenant.users.writes == [] and tenant.licenses.writes == []


def test_removing_an_id_the_user_does_not_hold_reads_nothing_more():
    user = existing()
    tenant = Tenant([user])
    outcome = tenant.run(licenses=dict(remove=[SPE_E3["id"]]))
    assert not outcome.changed and tenant.reads() == ["user_licenses"]


def test_not_enough_seats_is_refused_before_any_write():
    tenant = Tenant(skus=((SPE_E3, 0),))
    with pytest.raises(UserInputError) as caught:
        tenant.run(licenses=dict(add=["SPE_E3"]), **NEW_USER)
    assert "not enough seats of SPE_E3" in str(caught.value) and "0 are available" in str(caught.value)
    assert tenant.users.writes == []


def test_no_usage_location_is_refused_before_any_write():
    user = existing(usageLocation=None)
    tenant = Tenant([user])
    with pytest.raises(UserInputError, match="usage location"):
        tenant.run(licenses=dict(add=["SPE_E3"]))
    tenant.run(licenses=dict(add=["SPE_E3"]), usage_location="FR")
    assert [call[0] for call in tenant.users.writes + tenant.licenses.writes] == ["update", "update"], "location first, then licence"


def test_the_same_sku_added_and_removed_by_name_and_id_is_refused():
    user = existing()
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"]]})
    with pytest.raises(UserInputError, match="both added and removed"):
        tenant.run(licenses=dict(add=["spe_e3"], remove=[SPE_E3["id"]]))


def test_a_soft_deleted_user_is_restored_then_its_licences_are_read_and_converged():
    user = existing(state="inactive")
    tenant = Tenant([user])
    outcome = tenant.run(licenses=dict(add=["SPE_E3"]))
    assert [record.operation for record in outcome.writes] == ["restore", "update_licenses"]
    assert tenant.reads() == ["subscribed_skus", "user_licenses"], "read once it is active again"


# -- directory roles ------------------------------------------------------------------------------


def test_roles_added_by_name_after_the_licences_with_the_users_names():
    tenant = Tenant()
    outcome = tenant.run(licenses=dict(add=["SPE_E3"]), directory_roles=dict(add=["user administrator"]), **NEW_USER)
    assert [record.operation for record in outcome.writes] == ["create", "update_licenses", "add_role"]
    assert tenant.roles.writes == [("add_member", USER_ADMIN["id"], outcome.after["id"], "Ada Lovelace", UPN)]
    assert outcome.user["directory_roles"] == ["User Administrator"]


def test_an_unknown_role_is_refused_listing_the_tenants_roles():
    tenant = Tenant()
    with pytest.raises(UserInputError) as caught:
        tenant.run(directory_roles=dict(add=["Chief Executive"]), **NEW_USER)
    assert "directory_roles.add" in str(caught.value) and "Chief Executive" in str(caught.value)
    assert "Helpdesk Administrator" in str(caught.value) and tenant.users.writes == []


def test_roles_set_removes_the_others():
    user = existing()
    tenant = Tenant([user], members={USER_ADMIN["id"]: [user["id"]], HELPDESK["id"]: [user["id"]]})
    outcome = tenant.run(directory_roles=dict(set=[HELPDESK["id"]]))
    assert tenant.roles.writes == [("remove_member", USER_ADMIN["id"], user["id"])]
    assert outcome.user["directory_roles"] == ["Helpdesk Administrator"]


def test_bulk_context_reads_each_named_roles_members_once():
    users = [api_user("u%d@contoso.onmicrosoft.com" % n, usageLocation="GB") for n in range(3)]
    tenant = Tenant(users, members={USER_ADMIN["id"]: [users[0]["id"]]})
    context = tenant.context(bulk=True)
    for user in users:
        spec = UserSpec(dict(user_principal_name=user["userPrincipalName"], directory_roles=dict(add=["User Administrator"])))
        UserConvergence(context, spec, user).read().plan().apply(False)
    reads = tenant.reads()
    assert reads.count("members") == 1 and reads.count("tenant_roles") == 1 and "user_roles" not in reads
    assert len(tenant.roles.writes) == 2, "the member already had it"


# -- offboarding: state=absent releases licences, then roles, then deletes -------------------------


def offboarded(tenant_options=None):
    user = existing()
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"], MINECRAFT["id"]]}, members={USER_ADMIN["id"]: [user["id"]]},
                    **(tenant_options or {}))
    return user, tenant


def test_state_absent_releases_the_licences_then_the_roles_then_deletes():
    user, tenant = offboarded()
    outcome = tenant.run(state="absent", licenses=dict(set=[]), directory_roles=dict(set=[]))
    assert outcome.action == "deleted" and outcome.changed
    assert [record.operation for record in outcome.writes] == ["update_licenses", "update_licenses", "remove_role", "delete"]
    assert tenant.licenses.writes == [("update", user["id"], [], [SPE_E3["id"]]), ("update", user["id"], [], [MINECRAFT["id"]])]
    assert tenant.roles.writes == [("remove_member", USER_ADMIN["id"], user["id"])]
    assert tenant.users.writes == [("delete", user["id"])]
    assert outcome.user["state"] == "inactive" and outcome.user["licenses"] == [] and outcome.user["directory_roles"] == []
    diff = outcome.diff()
    assert diff["before"]["licenses"] == ["CFQ7TTC0K5DR/0002", "SPE_E3"] and diff["after"]["licenses"] == []
    assert diff["before"]["directory_roles"] == ["User Administrator"] and diff["after"]["directory_roles"] == []
    assert diff["before"]["state"] == "active" and diff["after"]["state"] == "inactive"


def test_state_absent_in_check_mode_predicts_the_release_and_writes_nothing():
    user, tenant = offboarded()
    outcome = tenant.run(check_mode=True, state="absent", licenses=dict(remove=["SPE_E3"]))
    assert outcome.action == "deleted"
    assert [record.to_result() for record in outcome.writes] == [
        dict(operation="update_licenses", license_group="group1", assigned=[], removed=["SPE_E3"]), dict(operation="delete")]
    assert tenant.licenses.writes == [] and tenant.users.writes == []
    assert outcome.diff()["after"]["licenses"] == ["CFQ7TTC0K5DR/0002"]


def test_a_failed_delete_after_the_licence_release_reports_the_release():
    user, tenant = offboarded()

    def forbidden(user_id):
        raise PartnerCenterError("forbidden", status=403, code=900308, description="Insufficient privileges")

    tenant.users.delete = forbidden
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(state="absent", licenses=dict(set=[]))
    outcome = caught.value.outcome
    assert outcome.action == "failed" and outcome.changed and outcome.done == ["updated"]
    assert [record.operation for record in outcome.writes] == ["update_licenses", "update_licenses"]
    assert outcome.user["state"] == "active" and outcome.user["licenses"] == []
    assert "update licenses (group1); update licenses (group2) were written before this failed" in str(caught.value)


def test_a_failed_licence_release_stops_before_the_roles_and_the_delete():
    user, tenant = offboarded()
    tenant.licenses.update_error = PartnerCenterError("forbidden", status=403, code=900308, description="Insufficient privileges")
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(state="absent", licenses=dict(set=[]), directory_roles=dict(set=[]))
    assert caught.value.outcome.writes == [] and not caught.value.outcome.changed
    assert tenant.roles.writes == [] and tenant.users.writes == []


def test_state_absent_leaves_a_soft_deleted_or_missing_user_with_no_read():
    user = existing(state="inactive")
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"]]})
    outcome = tenant.run(state="absent", licenses=dict(set=[]), directory_roles=dict(remove=["User Administrator"]))
    assert outcome.action == "unchanged" and tenant.reads() == [] and "licenses" not in outcome.user
    tenant = Tenant()
    assert tenant.run(state="absent", licenses=dict(remove=["NO_SUCH_SKU"])).action == "unchanged" and tenant.reads() == []


def test_state_absent_without_list_options_only_deletes():
    user, tenant = offboarded()
    outcome = tenant.run(state="absent")
    assert [record.operation for record in outcome.writes] == ["delete"] and tenant.reads() == []


def test_state_absent_refuses_an_unknown_sku_to_remove_before_any_write():
    user, tenant = offboarded()
    with pytest.raises(UserInputError, match="licenses.remove: the tenant has no SKU NO_SUCH_SKU"):
        tenant.run(state="absent", licenses=dict(remove=["NO_SUCH_SKU"]), directory_roles=dict(set=[]))
    assert tenant.licenses.writes == [] and tenant.roles.writes == [] and tenant.users.writes == []


# -- truthful results -----------------------------------------------------------------------------


def lost(status=None, **kwargs):
    return PartnerCenterError("lost", status=status, may_have_written=True, **kwargs)


def test_writes_before_a_failure_are_reported_and_the_task_changed():
    user = existing(state="inactive", displayName="Old")
    tenant = Tenant([user])
    original = tenant.users.reset_password

    def forbidden(user_id, body):
        original(user_id, body)
        raise PartnerCenterError("forbidden", status=403, code=900308, description="Insufficient privileges")

    tenant.users.reset_password = forbidden
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(display_name="New", password=PASSWORD, update_password="always")
    outcome = caught.value.outcome
    assert outcome.action == "failed" and outcome.changed
    assert [record.operation for record in outcome.writes] == ["restore", "update"]
    assert outcome.done == ["restored", "updated"]
    assert outcome.after["state"] == "active" and outcome.after["display_name"] == "New"
    assert "ada@contoso.onmicrosoft.com: restore; update (display_name) were written before this failed" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_licence_failure_after_the_create_says_the_user_was_created():
    tenant = Tenant()
    tenant.licenses.update_error = PartnerCenterError("out of seats", status=400, code=60012, description="run out of licenses")
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(licenses=dict(add=["SPE_E3"]), **NEW_USER)
    outcome = caught.value.outcome
    assert outcome.done == ["created"] and outcome.changed and outcome.after["id"] in tenant.users.users
    again = tenant.run(licenses=dict(add=["SPE_E3"]), **NEW_USER)
    assert again.action == "updated" and [record.operation for record in again.writes] == ["update_licenses"]


def test_a_create_whose_answer_was_lost_and_whose_retry_says_already_exists_is_this_tasks_create():
    tenant = Tenant()
    original = tenant.users.create

    def committed_then_lost(body):
        original(body)
        raise lost(status=400, code=3000, description="Another object with the same value for property userPrincipalName already exists.")

    tenant.users.create = committed_then_lost
    outcome = tenant.run(**NEW_USER)
    assert outcome.action == "created" and outcome.changed and len(tenant.users.users) == 1
    assert [record.to_result() for record in outcome.writes] == [{"operation": "create"}]
    assert [call[0] for call in tenant.users.writes] == ["create"], "no update after its own create"


def test_a_delete_answered_404_is_nothing_done_unless_its_first_answer_was_lost():
    for may_have_written, action in ((False, "unchanged"), (True, "deleted")):
        user = existing()
        tenant = Tenant([user])

        def gone(user_id, flag=may_have_written):
            raise PartnerCenterError("gone", status=404, code=60002, description="User object Id is not found",
                                     may_have_written=flag)

        tenant.users.delete = gone
        outcome = tenant.run(state="absent")
        assert (outcome.action, outcome.changed) == (action, may_have_written)


def test_a_write_that_may_have_been_applied_fails_with_changed_and_an_uncertain_write():
    user = existing()
    tenant = Tenant([user])

    def in_doubt(user_id, body):
        raise lost(status=500, description="boom")

    tenant.users.update = in_doubt
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(display_name="Someone")
    outcome = caught.value.outcome
    assert outcome.changed and outcome.action == "failed"
    assert [record.to_result() for record in outcome.writes] == [{"operation": "update", "fields": ["display_name"], "uncertain": True}]
    assert outcome.done == [], "an uncertain write is not something done (the bulk summary lists the user only as failed)"
    assert summarize([outcome], [dict(user_principal_name=UPN)])["updated"] == []


def test_a_create_whose_answer_cannot_be_read_and_not_yet_listed_sets_no_licence_on_an_unknown_id():
    tenant = Tenant()
    created = tenant.users.create
    tenant.users.create = lambda body: (created(body), None)[1]        # made, answered 2xx with an unreadable body
    tenant.users.find_active_by_upn = lambda upn: None                 # and the list does not show it yet
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(licenses=dict(add=["SPE_E3"]), **NEW_USER)
    outcome = caught.value.outcome
    assert outcome.changed and [record.operation for record in outcome.writes] == ["create"]
    assert tenant.licenses.writes == [], "nothing sent to a user id that is unknown"
    assert "id is unknown" in str(caught.value) and "created" in str(caught.value)


def test_a_licence_update_whose_answer_was_lost_is_settled_by_reading_what_the_user_holds():
    user = existing()
    tenant = Tenant([user], held={user["id"]: [SPE_E3["id"], BUSINESS["id"]]})
    original = tenant.licenses.update

    def applied_then_refused_on_the_retry(user_id, assign_ids, remove_ids):
        original(user_id, assign_ids, remove_ids)
        raise lost(status=400, code=3000, description="The user does not hold the license to remove.")

    tenant.licenses.update = applied_then_refused_on_the_retry
    outcome = tenant.run(licenses=dict(remove=["O365_BUSINESS_PREMIUM"]))
    assert outcome.action == "updated" and [record.to_result() for record in outcome.writes] == [
        {"operation": "update_licenses", "license_group": "group1", "assigned": [], "removed": ["O365_BUSINESS_PREMIUM"]}]
    assert outcome.user["licenses"] == ["SPE_E3"]


def test_a_licence_update_in_doubt_that_the_read_does_not_confirm_fails_as_uncertain():
    user = existing()
    tenant = Tenant([user])

    def lost_and_not_applied(user_id, assign_ids, remove_ids):
        raise lost(status=500, description="boom")

    tenant.licenses.update = lost_and_not_applied
    with pytest.raises(ConvergenceFailure) as caught:
        tenant.run(licenses=dict(add=["SPE_E3"]))
    assert caught.value.outcome.changed and caught.value.outcome.writes[0].uncertain


def test_license_warnings_become_one_text_each_naming_the_user_and_group():
    answer = {"licensesToAssign": [{"skuId": "x"}], "licenseWarnings": [
        {"code": "PlanDependency", "message": "Yammer needs Exchange.", "servicePlans": ["YAMMER_ENTERPRISE", "EXCHANGE_S_STANDARD"]},
        {"message": "No code."}, "bare text", {}]}
    assert license_warnings(answer, "ada@contoso.onmicrosoft.com", "group1") == [
        "Partner Center warned about the group1 licence update of ada@contoso.onmicrosoft.com: PlanDependency Yammer needs "
        "Exchange. (service plans: YAMMER_ENTERPRISE, EXCHANGE_S_STANDARD)",
        "Partner Center warned about the group1 licence update of ada@contoso.onmicrosoft.com: No code.",
        "Partner Center warned about the group1 licence update of ada@contoso.onmicrosoft.com: bare text",
        "Partner Center warned about the group1 licence update of ada@contoso.onmicrosoft.com: (no text)"]
    # The recorded answer has an empty list; an answer that could not be read (None) or check mode has none.
    for quiet in ({"licenseWarnings": []}, {"licenseWarnings": None}, None, {}):
        assert license_warnings(quiet, "ada", "group2") == []
