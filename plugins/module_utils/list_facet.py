# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""ListFacet: what the licences and directory-roles facets share.

Each entry of an add / remove / set option is a name (matched ignoring case) or an id (a GUID).
It is resolved to a key from what the user holds first, then from the tenant's catalogue (read
once per task, only when needed); an id to remove that the user does not hold needs no lookup.
An entry the tenant does not know is refused, naming it and listing what the tenant has.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.list_changes import LIST_KEYS, is_managed, plan_list
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import is_guid


def sorted_names(names):
    return sorted(set(names), key=lambda name: name.lower())


class ListPlan:
    """held: {key: item} the user holds; resolved: the (add, remove, set) keys; known: every item the plan names."""

    def __init__(self, held, reread):
        self.held = held
        self.reread = reread          # the user is soft-deleted: read what it holds again once it is restored
        self.resolved = (None, None, None)
        self.known = {}
        self.final = self.to_add = self.to_remove = frozenset()

    def compute(self):
        add, remove, set_ = self.resolved
        self.final, self.to_add, self.to_remove = plan_list(self.held, add, remove, set_)
        return self

    def item(self, key):
        return self.known.get(key) or self.held.get(key)


class ListFacet:
    """Subclasses give name (the option), noun (for messages), catalogue(context) -> {key: item},
    label(item) -> the name entries match, and read / apply / describe; check() adds refusals."""

    name = None
    noun = None

    def managed(self, spec):
        return is_managed(getattr(spec, self.name))

    def label(self, item):
        raise NotImplementedError

    def catalogue(self, context):
        raise NotImplementedError

    def _match(self, items, wanted):
        if is_guid(wanted):
            return wanted if wanted in items else None
        return next((key for key, item in items.items() if self.label(item).lower() == wanted), None)

    def resolve(self, context, plan, entry, option, for_removal):
        wanted = entry.strip().lower()
        key = self._match(plan.held, wanted)
        if key is None and for_removal and is_guid(wanted):
            return wanted   # not held: nothing to remove, nothing to look up
        if key is None:
            tenant = self.catalogue(context)
            key = self._match(tenant, wanted)
            if key is None:
                raise UserInputError("%s: the tenant has no %s %s; it has: %s" % (
                    option, self.noun, entry, ", ".join(sorted_names(self.label(item) for item in tenant.values())) or "none"))
            plan.known[key] = tenant[key]
        return key

    def check(self, context, spec, plan, user, option):
        """Refusals of the subclass, before any write."""

    def plan(self, context, spec, current, user, label=""):
        """What to write; user is the profile as the task will leave it. Raises UserInputError before any write."""
        plan = ListPlan(dict(current or {}), reread=current is None and user is not None and user.get("id") is not None)
        option = label + self.name
        value = getattr(spec, self.name)
        plan.resolved = tuple(
            None if value.get(key) is None else frozenset(
                self.resolve(context, plan, entry, "%s.%s" % (option, key), key == "remove") for entry in value[key])
            for key in LIST_KEYS)
        try:
            plan.compute()
        except UserInputError as error:
            raise UserInputError("%s: %s" % (option, error))
        self.check(context, spec, plan, user, option)
        return plan
