# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""customer_audit: one customer's drift, unmanaged users, unknown admins and seats, from fakes; nothing written, each
tenant-wide read made once; and the pure functions that build the report's row."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.customer_audit import (
    PRIVILEGED_ROLES, audit_customer, customer_status, describe_drift, drift_entries, low_seats, resolve_roles, seat_rows,
    unknown_admins, unmanaged_users)
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.licenses_api import sku_from_api
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import read_specs
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import (
    BUSINESS, GLOBAL_ADMIN, HELPDESK, SPE_E3, USER_ADMIN, FakeLicensesApi, FakeRolesApi, FakeUsersApi, api_user)

DOMAIN = "@contoso.onmicrosoft.com"
PASSWORD = "Correct-Horse-7"


class Tenant:
    """Fakes of one customer: kept, to_update, old (soft-deleted), leaver, stranger (unmanaged), mallory (Global Admin)."""

    def __init__(self):
        self.kept = api_user("kept" + DOMAIN, displayName="Kept", usageLocation="US")
        self.to_update = api_user("update" + DOMAIN, displayName="Old Name", usageLocation="US")
        self.old = api_user("old" + DOMAIN, state="inactive", displayName="Old", usageLocation="US")
        self.leaver = api_user("leaver" + DOMAIN, usageLocation="US")
        self.stranger = api_user("stranger" + DOMAIN)
        self.mallory = api_user("Mallory" + DOMAIN)
        users = [self.kept, self.to_update, self.old, self.leaver, self.stranger, self.mallory]
        self.users = FakeUsersApi(users)
        self.licenses = FakeLicensesApi(skus=((SPE_E3, 1), (BUSINESS, 5)), held={self.kept["id"]: [SPE_E3["id"]]})
        self.roles = FakeRolesApi(members={GLOBAL_ADMIN["id"]: {self.mallory["id"], self.kept["id"]},
                                           USER_ADMIN["id"]: {self.kept["id"]}})

    def context(self):
        return CustomerContext(self.users, self.licenses, self.roles, bulk=True)

    def items(self):
        return [
            dict(user_principal_name="kept" + DOMAIN, display_name="Kept", licenses=dict(add=["SPE_E3"]),
                 directory_roles=dict(add=["User Administrator"])),
            dict(user_principal_name="update" + DOMAIN, display_name="New Name", licenses=dict(add=["O365_BUSINESS_PREMIUM"]),
                 directory_roles=dict(add=["Helpdesk Administrator"])),
            dict(user_principal_name="old" + DOMAIN, display_name="Old"),
            dict(user_principal_name="leaver" + DOMAIN, state="absent"),
            dict(user_principal_name="new" + DOMAIN, display_name="New", usage_location="US", password=PASSWORD),
        ]

    def calls(self):
        return self.users.calls + self.licenses.calls + self.roles.calls


def test_audit_finds_every_kind_of_drift_and_writes_nothing():
    tenant = Tenant()
    audit = audit_customer(tenant.context(), read_specs(tenant.items()), list(PRIVILEGED_ROLES), 4)
    row = audit.row("cid", 2, list_unmanaged=True)
    by_user = dict((entry["user_principal_name"], entry) for entry in row["drift"])
    assert sorted(by_user) == ["leaver" + DOMAIN, "new" + DOMAIN, "old" + DOMAIN, "update" + DOMAIN]
    assert by_user["new" + DOMAIN]["action"] == "created"
    assert by_user["old" + DOMAIN]["action"] == "restored"
    assert by_user["leaver" + DOMAIN]["action"] == "deleted"
    update = by_user["update" + DOMAIN]
    assert update["action"] == "updated"
    assert update["fields"] == {"display_name": {"before": "Old Name", "after": "New Name"}}
    assert update["licenses"] == {"add": ["O365_BUSINESS_PREMIUM"], "remove": []}
    assert update["directory_roles"] == {"add": ["Helpdesk Administrator"], "remove": []}
    assert update["detail"] == ("would be updated: display_name 'Old Name' -> 'New Name'; licences +O365_BUSINESS_PREMIUM; "
                                "roles +Helpdesk Administrator")
    assert row["unmanaged_users"] == 2 and row["unmanaged_user_names"] == ["Mallory" + DOMAIN, "stranger" + DOMAIN]
    # kept holds Global Administrator without declaring it: declared users are not unknown admins, only undeclared ones
    assert row["unknown_admins"] == [{"user_principal_name": "Mallory" + DOMAIN, "role": "Global Administrator"}]
    assert row["roles_not_activated"] == ["Privileged Role Administrator"]
    assert [seat["sku_part_number"] for seat in row["seats"]] == ["SPE_E3", "O365_BUSINESS_PREMIUM"]
    assert row["low_seats"] == ["SPE_E3"]
    assert row["status"] == "drifted" and row["error"] == ""
    assert tenant.users.writes == [] and tenant.licenses.writes == [] and tenant.roles.writes == []


def test_each_tenant_wide_read_is_made_once():
    tenant = Tenant()
    audit_customer(tenant.context(), read_specs(tenant.items()), list(PRIVILEGED_ROLES) + ["helpdesk administrator"], 4)
    calls = [call[0] for call in tenant.calls()]
    assert calls.count("list_active") == 1 and calls.count("list_deleted") == 1
    assert calls.count("subscribed_skus") == 1 and calls.count("tenant_roles") == 1
    members = sorted(call[1] for call in tenant.calls() if call[0] == "members")
    assert members == sorted([GLOBAL_ADMIN["id"], USER_ADMIN["id"], HELPDESK["id"]]), "one read per role, shared with the check"


def test_a_customer_as_listed_is_clean_at_its_floor_of_reads():
    tenant = Tenant()
    listed = (tenant.kept, tenant.leaver, tenant.stranger, tenant.mallory, tenant.to_update)
    items = [dict(user_principal_name=user["userPrincipalName"]) for user in listed]
    row = audit_customer(tenant.context(), read_specs(items), list(PRIVILEGED_ROLES), 4).row("cid", 0, list_unmanaged=False)
    assert row["status"] == "clean" and row["drift"] == [] and row["unknown_admins"] == []
    assert row["unmanaged_users"] == 0 and "unmanaged_user_names" not in row and row["low_seats"] == []
    assert sorted(call[0] for call in tenant.calls()) == ["list_active", "members", "members", "subscribed_skus", "tenant_roles"]


def test_a_list_onboarding_would_refuse_is_a_failed_row_with_the_other_findings():
    tenant = Tenant()
    items = [dict(user_principal_name="a" + DOMAIN, display_name="A", usage_location="US", password=PASSWORD, licenses=dict(add=["SPE_E3"])),
             dict(user_principal_name="b" + DOMAIN, display_name="B", usage_location="US", password=PASSWORD, licenses=dict(add=["SPE_E3"]))]
    row = audit_customer(tenant.context(), read_specs(items), list(PRIVILEGED_ROLES), 4).row("cid", 1, list_unmanaged=False)
    assert row["status"] == "failed"
    assert row["error"].startswith("the users cannot be onboarded as listed: licenses: not enough seats of")
    assert row["unmanaged_users"] == 5 and row["seats"] and row["unknown_admins"]


def test_roles_resolve_by_name_ignoring_case_or_by_id():
    tenant = {"a": "Global Administrator", "b": "Helpdesk Administrator"}
    assert resolve_roles(tenant, ["global administrator", "B", "Nope"]) == ({"a": "Global Administrator", "b": "Helpdesk Administrator"}, ["Nope"])


def test_unmanaged_and_unknown_admins_are_sorted_and_fall_back_to_ids():
    active = [dict(id="1", userPrincipalName="zed" + DOMAIN), dict(id="2", userPrincipalName="Amy" + DOMAIN), dict(id="3")]
    assert unmanaged_users(active, {"1"}) == ["3", "Amy" + DOMAIN]
    admins = unknown_admins({"r1": "User Administrator", "r2": "Global Administrator"}, {"r1": {"1", "2"}, "r2": {"2", "9"}},
                            active, {"1"})
    assert admins == [dict(user_principal_name="9", role="Global Administrator"),
                      dict(user_principal_name="Amy" + DOMAIN, role="Global Administrator"),
                      dict(user_principal_name="Amy" + DOMAIN, role="User Administrator")]


def test_seats_and_low_seats():
    skus = [sku_from_api(dict(productSku=SPE_E3, totalUnits=25, consumedUnits=24, availableUnits=1)),
            sku_from_api(dict(productSku=dict(id="x")))]
    rows = seat_rows(skus)
    assert rows == [dict(sku_part_number="SPE_E3", name="Microsoft 365 E3", total_units=25, consumed_units=24, available_units=1),
                    dict(sku_part_number="x", name="", total_units=0, consumed_units=0, available_units=0)]
    assert low_seats(rows, 2) == ["SPE_E3", "x"] and low_seats(rows, 1) == ["x"] and low_seats(rows, 0) == []


def test_status():
    assert customer_status([], [], "") == "clean"
    assert customer_status([{}], [], "") == "drifted" and customer_status([], [{}], "") == "drifted"
    assert customer_status([{}], [{}], "boom") == "failed"


def test_drift_entries_from_results_and_diff_never_carry_a_password():
    results = [
        dict(user_principal_name="a", action="unchanged", writes=[]),
        dict(user_principal_name="b", action="updated", writes=[dict(operation="update", fields=["usage_location"]),
                                                                dict(operation="reset_password"),
                                                                dict(operation="update_licenses", assigned=[], removed=["EMS"]),
                                                                dict(operation="remove_role", role="Global Administrator")]),
        dict(user_principal_name="c", action="failed", writes=[], msg="HTTP 404"),
    ]
    diffs = [dict(before_header="b", before=dict(usage_location="US", password="VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"),
                  after=dict(usage_location="DE", password="VALUE_SPECIFIED_IN_NO_LOG_PARAMETER - changed"))]
    b, c = drift_entries(results, diffs)
    assert b["fields"] == {"usage_location": {"before": "US", "after": "DE"}} and b["password_reset"] is True
    assert b["licenses"] == {"add": [], "remove": ["EMS"]} and b["directory_roles"] == {"add": [], "remove": ["Global Administrator"]}
    assert b["detail"] == "would be updated: usage_location 'US' -> 'DE'; licences -EMS; roles -Global Administrator; password reset"
    assert "VALUE_SPECIFIED" not in str(b)
    assert c["action"] == "failed" and c["error"] == "HTTP 404" and c["detail"] == "cannot be checked: HTTP 404"
    created = dict(b, action="created", fields={}, licenses=dict(add=[], remove=[]), directory_roles=dict(add=[], remove=[]),
                   password_reset=False)
    assert describe_drift(created) == "would be created"
