# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The drift audit of one customer, writing nothing.

What onboarding the listed users would change (user_batch.converge_users in check mode, the same
code the bulk module runs), the active users the list does not name, the holders of privileged
directory roles the list does not name, and the seats of every SKU. The tenant-wide reads (the
active user list, the SKUs, the tenant's roles, each audited role's members) are shared with the
convergence through one CustomerContext, so each is made once per customer.

The functions below audit_customer are pure: they build the report's row from what was read.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.licenses_api import sku_from_api
from ansible_collections.partnercenter.csp.plugins.module_utils.role_facet import roles_by_key
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import converge_users

# The roles whose holders every audit names when the list does not (Entra role names, as the tenant names them).
PRIVILEGED_ROLES = ("Global Administrator", "Privileged Role Administrator", "User Administrator")


class ListedOnceUsers:
    """A UsersApi whose two listings are read once and kept, so the convergence and the audit share them."""

    def __init__(self, users):
        self.users = users
        self.listings = {}

    def _listing(self, name, read):
        if name not in self.listings:
            self.listings[name] = list(read())
        return iter(self.listings[name])

    def list_active(self):
        return self._listing("active", self.users.list_active)

    def list_deleted(self):
        return self._listing("deleted", self.users.list_deleted)

    def __getattr__(self, name):
        return getattr(self.users, name)


class CustomerAudit:
    """One customer's audit: drift, unmanaged users, unknown admins, seats, or the refusal that stopped the drift check."""

    def __init__(self, drift, unmanaged, unknown_admins, seats, roles_not_activated, error=""):
        self.drift = drift
        self.unmanaged = unmanaged
        self.unknown_admins = unknown_admins
        self.seats = seats
        self.roles_not_activated = roles_not_activated
        self.error = error

    def row(self, customer_id, min_available_seats, list_unmanaged):
        """The customer's entry of the report (the keys of audit.json's customers, name aside)."""
        row = dict(
            customer_id=customer_id,
            status=customer_status(self.drift, self.unknown_admins, self.error),
            drift=self.drift,
            unmanaged_users=len(self.unmanaged),
            unknown_admins=self.unknown_admins,
            seats=self.seats,
            low_seats=low_seats(self.seats, min_available_seats),
            roles_not_activated=self.roles_not_activated,
            error=self.error,
        )
        if list_unmanaged:
            row["unmanaged_user_names"] = self.unmanaged
        return row


def audit_customer(context, specs, audited_roles, concurrency):
    """Read and check one customer (a bulk CustomerContext); a CustomerAudit. A PartnerCenterError (403, throttled too
    long) propagates: the customer could not be audited. A refusal of the users (too few seats, an unknown SKU) is the
    row's error, with the other findings."""
    context.users = ListedOnceUsers(context.users)
    active = list(context.users.list_active())
    seats = seat_rows(sku_from_api(item) for item in context.subscribed_skus())
    tenant = roles_by_key(context.tenant_roles())
    roles, not_activated = resolve_roles(tenant, audited_roles)
    members = dict((key, context.role_member_ids(key)) for key in roles)
    try:
        batch = converge_users(context, specs, True, concurrency)
    except UserInputError as error:
        drift, error_text = [], "the users cannot be onboarded as listed: %s" % error
    else:
        drift, error_text = drift_entries(batch.results, batch.diff), batch.failure or ""
    named = named_users(specs, active)
    return CustomerAudit(drift, unmanaged_users(active, named), unknown_admins(roles, members, active, named), seats, not_activated,
                         error_text)


def resolve_roles(tenant, wanted):
    """({key: name} of the wanted roles (names, case-insensitive, or ids) activated in the tenant, [those that are not])."""
    by_name = dict((name.lower(), key) for key, name in tenant.items())
    found, missing = {}, []
    for entry in wanted:
        text = entry.strip().lower()
        key = text if text in tenant else by_name.get(text)
        if key is None:
            missing.append(entry)
        else:
            found[key] = tenant[key]
    return found, missing


def named_users(specs, active):
    """The ids (lower case) of the active users the specs name, by id or user principal name."""
    keys = set(key for spec in specs for key in spec.keys())
    return set((user.get("id") or "").lower() for user in active
               if "id:" + (user.get("id") or "").lower() in keys or "upn:" + (user.get("userPrincipalName") or "").lower() in keys)


def unmanaged_users(active, named):
    """The user principal names of the active users the list does not name, sorted."""
    return sorted(user.get("userPrincipalName") or user.get("id") for user in active if (user.get("id") or "").lower() not in named)


def unknown_admins(roles, members, active, named):
    """[{user_principal_name, role}] of the members of the audited roles the list does not name, by name then role."""
    upn_by_id = dict(((user.get("id") or "").lower(), user.get("userPrincipalName")) for user in active)
    found = [dict(user_principal_name=upn_by_id.get(member_id) or member_id, role=roles[key])
             for key in roles for member_id in members.get(key, ()) if member_id not in named]
    return sorted(found, key=lambda entry: (entry["user_principal_name"].lower(), entry["role"]))


def seat_rows(skus):
    """The seats of each SKU (sku_from_api dicts), in the service's order; a count the service left out is 0."""
    return [dict(sku_part_number=sku.get("sku_part_number") or sku.get("id"), name=sku.get("name") or "",
                 total_units=sku.get("total_units") or 0, consumed_units=sku.get("consumed_units") or 0,
                 available_units=sku.get("available_units") or 0) for sku in skus]


def low_seats(seats, minimum):
    """The part numbers of the SKUs with fewer than minimum seats available (none when minimum is 0)."""
    return [seat["sku_part_number"] for seat in seats if seat["available_units"] < minimum]


def customer_status(drift, admins, error):
    """failed when the audit stopped on an error, drifted when a user would change or an undeclared admin holds a
    privileged role, else clean. Unmanaged users and low seats are reported, not drift."""
    if error:
        return "failed"
    return "drifted" if drift or admins else "clean"


def drift_entries(results, diffs):
    """One entry per user that would change (the bulk module's check-mode results and --diff), saying what differs."""
    diff_by_user = dict((diff["before_header"], diff) for diff in diffs)
    return [drift_entry(result, diff_by_user.get(result["user_principal_name"], {}))
            for result in results if result["action"] != "unchanged"]


def drift_entry(result, diff):
    """user_principal_name, action (as the modules name it), fields ({field: {before, after}}), licenses and
    directory_roles ({add, remove}), password_reset, and detail: all of it in one line of words."""
    before, after = diff.get("before") or {}, diff.get("after") or {}
    entry = dict(user_principal_name=result["user_principal_name"], action=result["action"], fields={},
                 licenses=dict(add=[], remove=[]), directory_roles=dict(add=[], remove=[]), password_reset=False)
    for write in result.get("writes") or []:
        operation = write["operation"]
        if operation == "update":
            entry["fields"].update((field, dict(before=before.get(field), after=after.get(field))) for field in write.get("fields") or [])
        elif operation == "update_licenses":
            entry["licenses"]["add"].extend(write.get("assigned") or [])
            entry["licenses"]["remove"].extend(write.get("removed") or [])
        elif operation in ("add_role", "remove_role"):
            entry["directory_roles"]["add" if operation == "add_role" else "remove"].append(write["role"])
        elif operation == "reset_password":
            entry["password_reset"] = True
    if result["action"] == "failed":
        entry["error"] = result.get("msg") or ""
    entry["detail"] = describe_drift(entry)
    return entry


def describe_drift(entry):
    """'would be updated: display_name 'Ada' -> 'Ada L.'; licences +SPE_E3 -EMS; roles +User Administrator'."""
    parts = ["%s %r -> %r" % (field, change["before"], change["after"]) for field, change in sorted(entry["fields"].items())]
    for key, noun in (("licenses", "licences"), ("directory_roles", "roles")):
        changes = ["+" + name for name in entry[key]["add"]] + ["-" + name for name in entry[key]["remove"]]
        if changes:
            parts.append("%s %s" % (noun, " ".join(changes)))
    if entry["password_reset"]:
        parts.append("password reset")
    if entry["action"] == "failed":
        return "cannot be checked: %s" % entry.get("error")
    head = "would be %s" % entry["action"]
    return head + (": " + "; ".join(parts) if parts else "")
