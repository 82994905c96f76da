# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The directory-roles facet: a user's Entra directory roles in the add / remove / set form.

Entries are role names (case-insensitive, as the tenant names them today) or role ids (Entra
role template ids, the same in every tenant). A name is resolved from the user's own roles
first, then from the tenant's activated roles (read once per task). An unknown role is refused
before any write. Writes: one member add or remove per role.

Reading a user's roles: the single-user module reads the user's roles (one request). The bulk
module instead reads the members of each role its users name, once per task, so it knows only
those roles; with set it reads each user's roles, since set needs them all.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.list_changes import is_managed, plan_list
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import is_guid
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import is_user_not_found

# Partner Center (Entra) answers for an add that exists already, and a remove of a non-member (undocumented codes).
_ALREADY_MEMBER = "already exist"


def roles_by_key(items):
    """{role id lower: name} of DirectoryRole items."""
    return dict((str(item.get("id")).lower(), item.get("name") or str(item.get("id"))) for item in items if item.get("id"))


def role_names(names):
    return sorted(set(names), key=lambda name: name.lower())


class RolePlan:
    def __init__(self, resolved, held, names, reread):
        self.resolved = resolved   # (add, remove, set): frozensets of role keys, or None
        self.held = held           # {key: name} of the roles the user holds (in the bulk module: of the named roles)
        self.names = names         # {key: name} of every role the plan names
        self.reread = reread
        self.final = self.to_add = self.to_remove = frozenset()

    def compute(self):
        add, remove, set_ = self.resolved
        self.final, self.to_add, self.to_remove = plan_list(self.held, add, remove, set_)
        return self

    def name(self, key):
        return self.names.get(key) or self.held.get(key) or key


class RoleFacet:
    name = "directory_roles"

    def managed(self, spec):
        return spec.state == "present" and is_managed(spec.directory_roles)

    def _named_keys(self, context, spec):
        """The role keys the task names, resolved against the tenant's roles (bulk reading of members)."""
        tenant = roles_by_key(context.tenant_roles())
        keys = set()
        for entry in (spec.directory_roles.get("add") or []) + (spec.directory_roles.get("remove") or []):
            wanted = entry.strip().lower()
            key = wanted if is_guid(wanted) else next((k for k, name in tenant.items() if name.lower() == wanted), None)
            if key is not None and key in tenant:
                keys.add(key)
        return keys, tenant

    def read(self, context, spec, user):
        """{key: name} of the roles an active user holds (bulk, without set: of the roles the task names only)."""
        if user is None or user.get("state") != "active":
            return None
        if context.bulk and spec.directory_roles.get("set") is None:
            keys, tenant = self._named_keys(context, spec)
            user_id = user["id"].lower()
            return dict((key, tenant[key]) for key in keys if user_id in context.role_member_ids(key))
        return roles_by_key(context.roles.user_roles(user["id"]))

    def _resolve(self, context, plan, entries, option, for_removal):
        keys = []
        for entry in entries:
            wanted = entry.strip().lower()
            key = wanted if is_guid(wanted) and wanted in plan.held else next(
                (k for k, name in plan.held.items() if name.lower() == wanted), None)
            if key is None and for_removal and is_guid(wanted):
                keys.append(wanted)   # not held: nothing to remove, nothing to look up
                continue
            if key is None:
                tenant = roles_by_key(context.tenant_roles())
                key = wanted if is_guid(wanted) and wanted in tenant else next(
                    (k for k, name in tenant.items() if name.lower() == wanted), None)
                if key is None:
                    raise UserInputError("%s: no directory role %s is activated in this tenant; its roles are: %s" % (
                        option, entry, ", ".join(role_names(tenant.values())) or "none"))
                plan.names[key] = tenant[key]
            keys.append(key)
        return frozenset(keys)

    def plan(self, context, spec, current, user, label=""):
        plan = RolePlan((None, None, None), dict(current or {}), {}, reread=current is None and user is not None
                        and user.get("id") is not None)
        option = label + "directory_roles"
        value = spec.directory_roles
        plan.resolved = tuple(
            None if value.get(key) is None else self._resolve(context, plan, value[key], "%s.%s" % (option, key), key == "remove")
            for key in ("add", "remove", "set"))
        try:
            plan.compute()
        except UserInputError as error:
            raise UserInputError("%s: %s" % (option, error))
        return plan

    def apply(self, context, writer, plan, state):
        """One member add or remove per role; state.facets follows every write."""
        user = state.user
        if plan.reread and not writer.check_mode:
            plan.held = roles_by_key(context.roles.user_roles(user["id"]))
            plan.compute()
        held = dict(plan.held)
        for key in sorted(plan.to_remove):
            self._write(writer, "remove_role", plan.name(key),
                        lambda k=key: context.roles.remove_member(k, user["id"]), is_user_not_found_or_not_member)
            held.pop(key, None)
            state.facets[self.name] = role_names(held.values())
        for key in sorted(plan.to_add):
            self._write(writer, "add_role", plan.name(key), lambda k=key: context.roles.add_member(
                k, user["id"], user.get("display_name"), user.get("user_principal_name")), is_already_member)
            held[key] = plan.name(key)
            state.facets[self.name] = role_names(held.values())
        state.facets[self.name] = role_names(plan.name(key) for key in plan.final)

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
        return role_names((current or {}).values())


def is_already_member(error):
    return error.status in (400, 409) and _ALREADY_MEMBER in (error.description or "").lower()


def is_user_not_found_or_not_member(error):
    return error.status == 404 and (is_user_not_found(error) or "member" in (error.description or "").lower())
