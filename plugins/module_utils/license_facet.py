# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The licences facet: a user's licences in the add / remove / set form.

Entries are SKU part numbers (case-insensitive) or SKU ids. A name is resolved from the user's own
licences first, then from the customer's subscribed SKUs (read once per task, and only when a
name or an addition needs it). Refused before any write: an unknown SKU, more seats than the
customer has (summed over the task), and licences for a user without a usage location. Writes: one
licence update per licence group, carrying that group's assignments and removals together, as
Partner Center requires.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.list_changes import is_managed, plan_list
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import is_guid


class Sku:
    """A SKU as the facet uses it: id (as the service spells it), part_number, name, group, available seats (or None)."""

    __slots__ = ("id", "part_number", "name", "group", "available")

    def __init__(self, product_sku, available=None):
        product_sku = product_sku if isinstance(product_sku, dict) else {}
        self.id = str(product_sku.get("id") or "")
        self.part_number = str(product_sku.get("skuPartNumber") or self.id)
        self.name = product_sku.get("name") or self.part_number
        self.group = str(product_sku.get("licenseGroupId") or "group1").lower()
        self.available = available if isinstance(available, int) and not isinstance(available, bool) else None

    @property
    def key(self):
        return self.id.lower()

    def label(self):
        return "%s (%s)" % (self.part_number, self.name) if self.name != self.part_number else self.part_number


def held_skus(licenses):
    """{sku key: Sku} of a user's License items."""
    skus = (Sku(item.get("productSku")) for item in licenses)
    return dict((sku.key, sku) for sku in skus if sku.id)


def catalogue(subscribed):
    """{sku key: Sku} of the customer's SubscribedSku items, with their available seats."""
    skus = (Sku(item.get("productSku"), item.get("availableUnits")) for item in subscribed)
    return dict((sku.key, sku) for sku in skus if sku.id)


def sku_names(skus):
    """Sorted part numbers: how licences show in the returned user and the diff."""
    return sorted(set(sku.part_number for sku in skus), key=lambda name: name.lower())


class LicensePlan:
    def __init__(self, resolved, held, reread):
        self.resolved = resolved      # (add, remove, set): frozensets of keys, or None
        self.held = held              # {key: Sku}
        self.known = {}               # every Sku the plan names, by key
        self.reread = reread          # the user is soft-deleted: read its licences again once it is restored
        self.final = self.to_add = self.to_remove = frozenset()

    def compute(self):
        add, remove, set_ = self.resolved
        self.final, self.to_add, self.to_remove = plan_list(self.held, add, remove, set_)
        return self

    def skus(self, keys):
        return [self.known.get(key) or self.held[key] for key in keys]

    def groups(self):
        """[(group, [Sku to assign], [Sku to remove])], sorted by group."""
        groups = {}
        for sku in self.skus(self.to_add):
            groups.setdefault(sku.group, ([], []))[0].append(sku)
        for sku in self.skus(self.to_remove):
            groups.setdefault(sku.group, ([], []))[1].append(sku)
        return [(group, sorted(assign, key=lambda s: s.key), sorted(remove, key=lambda s: s.key))
                for group, (assign, remove) in sorted(groups.items())]


class LicenseFacet:
    name = "licenses"

    def managed(self, spec):
        return spec.state == "present" and is_managed(spec.licenses)

    def read(self, context, spec, user):
        """{key: Sku} of an active user's licences; None for a user that is not there or soft-deleted."""
        if user is None or user.get("state") != "active":
            return None
        return held_skus(context.licenses.user_licenses(user["id"]))

    def _resolve(self, context, plan, entries, option, for_removal):
        keys = []
        for entry in entries:
            wanted = entry.strip().lower()
            sku = plan.held.get(wanted) if is_guid(wanted) else next(
                (s for s in plan.held.values() if s.part_number.lower() == wanted), None)
            if sku is None and for_removal and is_guid(wanted):
                keys.append(wanted)   # an id the user does not hold: nothing to remove, nothing to look up
                continue
            if sku is None:
                tenant = catalogue(context.subscribed_skus())
                sku = tenant.get(wanted) if is_guid(wanted) else next(
                    (s for s in tenant.values() if s.part_number.lower() == wanted), None)
                if sku is None:
                    raise UserInputError(
                        "%s: the customer has no SKU %s; its SKUs are: %s" % (
                            option, entry, ", ".join(sku_names(tenant.values())) or "none"))
            plan.known[sku.key] = sku
            keys.append(sku.key)
        return frozenset(keys)

    def plan(self, context, spec, current, user, label=""):
        """What to write; user is the profile as the task will leave it (for its usage location)."""
        plan = LicensePlan((None, None, None), dict(current or {}), reread=current is None and user is not None
                           and user.get("id") is not None)
        option = label + "licenses"
        value = spec.licenses
        plan.resolved = tuple(
            None if value.get(key) is None else self._resolve(context, plan, value[key], "%s.%s" % (option, key), key == "remove")
            for key in ("add", "remove", "set"))
        try:
            plan.compute()
        except UserInputError as error:
            raise UserInputError("%s: %s" % (option, error))
        if plan.to_add and not (user or {}).get("usage_location"):
            raise UserInputError(
                "%s: %s has no usage location, and Entra ID assigns no licence without one: set usage_location"
                % (option, spec.label))
        for sku in plan.skus(plan.to_add):
            tenant_sku = catalogue(context.subscribed_skus()).get(sku.key, sku)
            context.reserve_seats(sku.key, 1, tenant_sku.label(), tenant_sku.available)
        return plan

    def apply(self, context, writer, plan, state):
        """One licence update per licence group; state.facets follows every write."""
        user = state.user
        if plan.reread and not writer.check_mode:
            plan.held = self.read(context, None, user) or {}
            plan.compute()
        held = dict(plan.held)
        for group, assign, remove in plan.groups():
            writer.write("update_licenses",
                         lambda a=assign, r=remove: context.licenses.update(user["id"], [s.id for s in a], [s.id for s in r]),
                         license_group=group, assigned=sku_names(assign), removed=sku_names(remove))
            for sku in remove:
                held.pop(sku.key, None)
            held.update((sku.key, sku) for sku in assign)
            state.facets[self.name] = sku_names(held.values())
        state.facets[self.name] = sku_names(plan.skus(plan.final))

    def describe(self, current):
        return sku_names((current or {}).values())
