# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-memory stand-ins for the endpoint classes (users_api.UsersApi, ...), for tests of convergence and modules without HTTP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import uuid

from ansible_collections.partnercenter.csp.plugins.module_utils.deleted_users import deleted_user_named, restored_upn
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import active_user_named


class FakeUsersApi:
    """users_api.UsersApi over a dict, recording every call."""

    def __init__(self, users=()):
        self.users = dict((user["id"], copy.deepcopy(user)) for user in users)
        self.calls = []
        self.create_error = None

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("create", "update", "reset_password", "delete")]

    def _active(self):
        return [u for u in self.users.values() if u["state"] == "active"]

    def get(self, user_id):
        self.calls.append(("get", user_id))
        user = self.users.get(user_id)
        return copy.deepcopy(user) if user and user["state"] == "active" else None

    def list_active(self):
        self.calls.append(("list_active",))
        return iter(copy.deepcopy(self._active()))

    def list_deleted(self):
        self.calls.append(("list_deleted",))
        return iter(copy.deepcopy([u for u in self.users.values() if u["state"] != "active"]))

    def find_deleted_by_id(self, user_id):
        return next((u for u in self.list_deleted() if u["id"] == user_id), None)

    def find_active_by_upn(self, upn):
        return active_user_named(self.list_active(), upn)

    def find_by_upn(self, upn):
        return self.find_active_by_upn(upn) or deleted_user_named(self.list_deleted(), upn)

    def create(self, body):
        self.calls.append(("create", body))
        error, self.create_error = self.create_error, None
        if error is not None:
            raise error
        user = dict((k, v) for k, v in body.items() if k not in ("attributes",))
        user.update(id=str(uuid.uuid4()), state="active", userDomainType="none")
        self.users[user["id"]] = user
        return copy.deepcopy(user)  # echoes passwordProfile, like the service

    def update(self, user_id, body):
        self.calls.append(("update", user_id, body))
        user = self.users[user_id]
        user.update((k, v) for k, v in body.items() if k != "attributes")
        if body.get("state") == "active":
            user["softDeletionTime"] = None
            user["userPrincipalName"] = restored_upn(user["userPrincipalName"])   # a restore gives the name back
        return copy.deepcopy(user)

    def reset_password(self, user_id, body):
        self.calls.append(("reset_password", user_id, body))
        return dict(copy.deepcopy(self.users[user_id]), passwordProfile=body["passwordProfile"])

    def delete(self, user_id):
        self.calls.append(("delete", user_id))
        self.users[user_id].update(state="inactive", softDeletionTime="2026-11-21T00:00:00Z")


def api_user(upn, state="active", **fields):
    user = dict(id=str(uuid.uuid4()), userPrincipalName=upn, displayName=fields.pop("displayName", upn.split("@")[0]),
                usageLocation="US", state=state, userDomainType="none")
    if state != "active":
        user["softDeletionTime"] = "2026-11-01T00:00:00Z"
    user.update(fields)
    return user


SPE_E3 = dict(id="05e9a617-0261-4cee-bb44-138d3ef5d965", skuPartNumber="SPE_E3", name="Microsoft 365 E3", licenseGroupId="group1")
BUSINESS = dict(id="f245ecc8-75af-4f8e-b61f-27d8114de5f3", skuPartNumber="O365_BUSINESS_PREMIUM", name="Microsoft 365 Business Standard",
                licenseGroupId="group1")
MINECRAFT = dict(id="984df360-9a74-4647-8cf8-696749f6247a", skuPartNumber="CFQ7TTC0K5DR/0002", name="Minecraft Education Edition Faculty",
                 licenseGroupId="group2")
USER_ADMIN = dict(id="fe930be7-5e62-47db-91af-98c3a49a38b1", name="User Administrator")
HELPDESK = dict(id="729827e3-9c14-49f7-bb1b-9608f156bbb8", name="Helpdesk Administrator")
GLOBAL_ADMIN = dict(id="62e90394-69f5-4237-9190-012177145e10", name="Global Administrator")


class FakeLicensesApi:
    """licenses_api.LicensesApi over dicts: SKUs with seats, each user's SKU ids; records every call."""

    def __init__(self, skus=((SPE_E3, 10), (BUSINESS, 2), (MINECRAFT, 3)), held=None):
        self.skus = dict((sku["id"], dict(sku)) for sku, _seats in skus)
        self.available = dict((sku["id"], seats) for sku, seats in skus)
        self.held = dict((user, list(ids)) for user, ids in (held or {}).items())
        self.calls = []
        self.update_error = None

    @property
    def writes(self):
        return [call for call in self.calls if call[0] == "update"]

    def subscribed_skus(self):
        self.calls.append(("subscribed_skus",))
        return [dict(productSku=dict(sku), availableUnits=self.available[sku_id]) for sku_id, sku in self.skus.items()]

    def user_licenses(self, user_id):
        self.calls.append(("user_licenses", user_id))
        return [dict(productSku=dict(self.skus[sku_id])) for sku_id in self.held.get(user_id, [])]

    def update(self, user_id, assign_ids, remove_ids):
        self.calls.append(("update", user_id, sorted(assign_ids), sorted(remove_ids)))
        error, self.update_error = self.update_error, None
        if error is not None:
            raise error
        groups = set(self.skus[sku_id]["licenseGroupId"] for sku_id in list(assign_ids) + list(remove_ids))
        assert len(groups) == 1, "one licence group per request"
        held = self.held.setdefault(user_id, [])
        for sku_id in remove_ids:
            held.remove(sku_id)
            self.available[sku_id] += 1
        for sku_id in assign_ids:
            if sku_id not in held:
                held.append(sku_id)
                self.available[sku_id] -= 1
        return {"licensesToAssign": [{"skuId": sku_id} for sku_id in assign_ids], "licenseWarnings": []}


class FakeRolesApi:
    """directory_roles_api.DirectoryRolesApi over dicts: the tenant's roles and their member ids; records every call."""

    def __init__(self, roles=(USER_ADMIN, HELPDESK, GLOBAL_ADMIN), members=None):
        self.roles = [dict(role) for role in roles]
        self.member_ids = dict((role["id"], set((members or {}).get(role["id"], ()))) for role in roles)
        self.calls = []

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("add_member", "remove_member")]

    def tenant_roles(self):
        self.calls.append(("tenant_roles",))
        return [dict(role) for role in self.roles]

    def user_roles(self, user_id):
        self.calls.append(("user_roles", user_id))
        return [dict(role) for role in self.roles if user_id in self.member_ids[role["id"]]]

    def members(self, role_id):
        self.calls.append(("members", role_id))
        return iter([dict(id=user_id) for user_id in sorted(self.member_ids[role_id])])

    def add_member(self, role_id, user_id, display_name, user_principal_name):
        self.calls.append(("add_member", role_id, user_id, display_name, user_principal_name))
        self.member_ids[role_id].add(user_id)
        return {"id": user_id, "roleId": role_id}

    def remove_member(self, role_id, user_id):
        self.calls.append(("remove_member", role_id, user_id))
        self.member_ids[role_id].remove(user_id)
