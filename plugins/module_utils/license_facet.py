# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The licences facet: a user's licences in the add / remove / set form.

Entries are SKU part numbers (case-insensitive) or SKU ids, resolved as list_facet.ListFacet says:
the user's licences first, then the customer's subscribed SKUs (read once per task, and only when
a name or an addition needs it). Refused before any write besides an unknown SKU: more seats than
the customer has (summed over the task), and licences for a user without a usage location.
Writes: one licence update per licence group, carrying that group's assignments and removals
together, as Partner Center requires; the licenseWarnings of its answer become task warnings.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.list_facet import ListFacet, sorted_names


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


def _by_key(skus):
    return dict((sku.key, sku) for sku in skus if sku.id)


def held_skus(licenses):
    """{sku key: Sku} of a user's License items."""
    return _by_key(Sku(item.get("productSku")) for item in licenses)


def catalogue(subscribed):
    """{sku key: Sku} of the customer's SubscribedSku items, with their available seats."""
    return _by_key(Sku(item.get("productSku"), item.get("availableUnits")) for item in subscribed)


def sku_names(skus):
    """Sorted part numbers: how licences show in the returned user and the diff."""
    return sorted_names(sku.part_number for sku in skus)


def license_groups(plan):
    """[(group, [Sku to assign], [Sku to remove])], sorted by group: one licence update each."""
    groups = {}
    for index, keys in ((0, plan.to_add), (1, plan.to_remove)):
        for key in keys:
            sku = plan.item(key)
            groups.setdefault(sku.group, ([], []))[index].append(sku)
    return [(group, sorted(assign, key=lambda s: s.key), sorted(remove, key=lambda s: s.key))
            for group, (assign, remove) in sorted(groups.items())]


def license_warnings(answer, label, group):
    """The task warnings of a licence update's answer: one per LicenseWarning (code, message, servicePlans) in its
    licenseWarnings, which Partner Center sends when the update was made with a reservation (Learn: license-resources)."""
    items = answer.get("licenseWarnings") if isinstance(answer, dict) else None
    warnings = []
    for item in items if isinstance(items, list) else []:
        item = item if isinstance(item, dict) else {"message": item}
        text = " ".join(str(part) for part in (item.get("code"), item.get("message")) if part) or "(no text)"
        plans = item.get("servicePlans")
        if isinstance(plans, list) and plans:
            text += " (service plans: %s)" % ", ".join(str(plan) for plan in plans)
        warnings.append("Partner Center warned about the %s licence update of %s: %s" % (group, label, text))
    return warnings


class LicenseFacet(ListFacet):
    name = "licenses"
    noun = "SKU"

    def label(self, item):
        return item.part_number

    def catalogue(self, context):
        return catalogue(context.subscribed_skus())

    def read(self, context, spec, user):
        """{key: Sku} of an active user's licences; None for a user that is not there or soft-deleted."""
        if user is None or user.get("state") != "active":
            return None
        return held_skus(context.licenses.user_licenses(user["id"]))

    def check(self, context, spec, plan, user, option):
        if plan.to_add and not (user or {}).get("usage_location"):
            raise UserInputError("%s: %s has no usage location, and Entra ID assigns no licence without one: set usage_location"
                                 % (option, spec.label))
        for key in plan.to_add:
            sku = self.catalogue(context)[key]
            context.reserve_seats(key, spec.label, sku.label(), sku.available)

    def apply(self, context, writer, plan, state):
        """One licence update per licence group; state.facets follows every write."""
        user = state.user
        if plan.reread and not writer.check_mode:
            plan.held = self.read(context, None, user) or {}
            plan.compute()
        held = dict(plan.held)
        for group, assign, remove in license_groups(plan):
            try:
                answer = writer.write("update_licenses",
                                      lambda a=assign, r=remove: context.licenses.update(user["id"], [s.id for s in a], [s.id for s in r]),
                                      license_group=group, assigned=sku_names(assign), removed=sku_names(remove))
                state.warnings.extend(license_warnings(answer, user.get("user_principal_name") or user["id"], group))
            except PartnerCenterError as error:
                self._settle(context, writer, error, user, assign, remove)
            for sku in remove:
                held.pop(sku.key, None)
            held.update((sku.key, sku) for sku in assign)
            state.facets[self.name] = sku_names(held.values())
        state.facets[self.name] = sku_names(plan.item(key) for key in plan.final)

    def _settle(self, context, writer, error, user, assign, remove):
        """An update whose answer was lost, then refused on its retry (the service did not deduplicate it: "does not hold"
        a licence it removed) or failing: read what the user holds. When that is what the update asked for, it was this
        task's own; otherwise the error stands."""
        if not error.may_have_written:
            raise error
        try:
            held = self.read(context, None, user) or {}
        except PartnerCenterError:
            raise error
        if all(sku.key in held for sku in assign) and not any(sku.key in held for sku in remove):
            writer.settle(applied=True)
            return
        raise error

    def describe(self, current):
        return sku_names((current or {}).values())
