# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The directory-roles facet: a user's Entra directory roles in the add / remove / set form.

Entries are role names (case-insensitive, as the tenant names them today) or role ids (Entra
role template ids, the same in every tenant), resolved as list_facet.ListFacet says: the user's
roles first, then the tenant's activated roles (read once per task). Writes: one member add or
remove per role.

Reading a user's roles: the single-user module reads the user's roles (one request). The bulk
module instead reads the members of each role its users name, once per task, so it knows only
those roles; with set it reads each user's roles, since set needs them all.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.list_facet import ListFacet, sorted_names
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import is_user_not_found


def roles_by_key(items):
    """{role id lower: name} of DirectoryRole items."""
    return dict((str(item.get("id")).lower(), item.get("name") or str(item.get("id"))) for item in items if item.get("id"))


def is_already_member(error):
    """Partner Center relays Entra's answer to adding an existing member (its code is undocumented)."""
    return error.status in (400, 409) and "already exist" in (error.description or "").lower()


def is_not_a_member(error):
    return error.status == 404 and (is_user_not_found(error) or "member" in (error.description or "").lower())


class RoleFacet(ListFacet):
    name = "directory_roles"
    noun = "activated directory role"

    def label(self, item):
        return item

    def catalogue(self, context):
        return roles_by_key(context.tenant_roles())

    def read(self, context, spec, user):
        """{key: name} of the roles an active user holds (bulk, without set: of the roles the task names only)."""
        if user is None or user.get("state") != "active":
            return None
        if not context.bulk or spec.directory_roles.get("set") is not None:
            return roles_by_key(context.roles.user_roles(user["id"]))
        tenant = self.catalogue(context)
        named = set()
        for entry in (spec.directory_roles.get("add") or []) + (spec.directory_roles.get("remove") or []):
            key = self._match(tenant, entry.strip().lower())
            if key is not None:
                named.add(key)
        user_id = user["id"].lower()
        return dict((key, tenant[key]) for key in named if user_id in context.role_member_ids(key))

    def apply(self, context, writer, plan, state):
        """One member remove or add per role; state.facets follows every write."""
        user = state.user
        if plan.reread and not writer.check_mode:
            plan.held = roles_by_key(context.roles.user_roles(user["id"]))
            plan.compute()
        held = dict(plan.held)
        for key in sorted(plan.to_remove):
            self._write(writer, "remove_role", plan.item(key) or key, lambda k=key: context.roles.remove_member(k, user["id"]),
                        is_not_a_member)
            held.pop(key, None)
            state.facets[self.name] = sorted_names(held.values())
        for key in sorted(plan.to_add):
            self._write(writer, "add_role", plan.item(key), lambda k=key: context.roles.add_member(
                k, user["id"], user.get("display_name"), user.get("user_principal_name")), is_already_member)
            held[key] = plan.item(key)
            state.facets[self.name] = sorted_names(held.values())
        state.facets[self.name] = sorted_names(plan.item(key) or key for key in plan.final)

    @staticmethod
    def _write(writer, operation, role, send, is_done_already):
        """A member write. An answer saying it is done already is this task's own write when an earlier attempt's answer
        was lost, and otherwise another run's (the task then wrote nothing); either way the user is as wanted."""
        try:
            writer.write(operation, send, role=role)
        except PartnerCenterError as error:
            if not is_done_already(error):
                raise
            writer.settle(applied=error.may_have_written)

    def describe(self, current):
        return sorted_names((current or {}).values())
