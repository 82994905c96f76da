"""Subscribed SKUs with seat accounting, and the LicenseUpdate request body. No HTTP and no locking here.

A SubscribedSku keeps the API fields of the SKU plus who holds it. consumedUnits is a baseline
(seats consumed outside the emulator's knowledge: the recorded or seeded consumedUnits) plus the
emulator's own holders; availableUnits is activeUnits minus consumedUnits (never below 0).
"""

from __future__ import annotations

from .errors import invalid

LICENSE_GROUPS = ("group1", "group2")
# What a read that names no licence group answers: "the examples shown here return licenses assigned from group1, the
# default license group" (Learn: check-which-licenses-are-assigned-to-a-user); the plain subscribedskus recording agrees.
DEFAULT_LICENSE_GROUPS = frozenset(["group1"])
_COUNTS = ("totalUnits", "activeUnits", "suspendedUnits", "warningUnits", "consumedUnits")
_PRODUCT_ORDER = ("id", "name", "skuPartNumber", "targetType", "licenseGroupId")


def _count(value, name):
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)   # recordings have numbers as strings ("totalCount": "04")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise invalid("subscribed_skus: %s must be a non-negative integer, got %r." % (name, value))
    return value


class SubscribedSku(object):
    """One SKU of a customer; `holders` are the ids (lower case) of the users holding it, in assignment order."""

    __slots__ = ("id", "key", "group", "product", "plans", "capability", "total", "active", "suspended", "warning",
                 "baseline", "holders")

    def __init__(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("productSku"), dict):
            raise invalid("subscribed_skus: every SKU needs a productSku object.")
        product = data["productSku"]
        sku_id = product.get("id")
        if not isinstance(sku_id, str) or not sku_id:
            raise invalid("subscribed_skus: productSku.id is required.")
        group = str(product.get("licenseGroupId") or "group1").lower()
        if group not in LICENSE_GROUPS:
            raise invalid("subscribed_skus: productSku.licenseGroupId must be group1 or group2, got %r." % (group,))
        name = product.get("name") or product.get("skuPartNumber") or sku_id
        defaults = {"id": sku_id, "name": name, "skuPartNumber": product.get("skuPartNumber") or name,
                    "targetType": product.get("targetType") or "User", "licenseGroupId": group}
        self.product = dict((k, defaults[k]) for k in _PRODUCT_ORDER)
        self.product.update((k, v) for k, v in product.items() if k not in self.product)
        plans = data.get("servicePlans") or []
        if not isinstance(plans, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in plans):
            raise invalid("subscribed_skus: servicePlans must be a list of objects with an id.")
        self.plans = [dict(p) for p in plans]
        self.id = sku_id
        self.key = sku_id.lower()
        self.group = group
        self.capability = data.get("capabilityStatus") or "Enabled"
        counts = dict((name, _count(data.get(name), name)) for name in _COUNTS)
        total, active = counts["totalUnits"], counts["activeUnits"]
        self.total = total if total is not None else (active or 0)
        self.active = active if active is not None else self.total
        self.suspended = counts["suspendedUnits"] or 0
        self.warning = counts["warningUnits"] or 0
        self.baseline = counts["consumedUnits"] or 0
        self.holders = {}

    @property
    def part_number(self):
        return self.product.get("skuPartNumber")

    @property
    def consumed(self):
        return self.baseline + len(self.holders)

    @property
    def available(self):
        return max(0, self.active - self.consumed)

    def render(self):
        return {"availableUnits": self.available, "activeUnits": self.active, "consumedUnits": self.consumed,
                "suspendedUnits": self.suspended, "totalUnits": self.total, "warningUnits": self.warning,
                "productSku": dict(self.product), "servicePlans": [dict(p) for p in self.plans],
                "capabilityStatus": self.capability, "attributes": {"objectType": "SubscribedSku"}}

    def plan_ids(self):
        return set(p["id"].lower() for p in self.plans)

    def render_license(self, excluded=None):
        """The License item a user holding this SKU reads: its user-targeted plans, Assigned, minus excluded ones."""
        skip = set(p.lower() for p in excluded or [])
        plans = [dict(p, capabilityStatus="Assigned") for p in self.plans
                 if str(p.get("targetType", "User")).lower() == "user" and p["id"].lower() not in skip]
        product = dict((k, self.product[k]) for k in ("id", "name", "skuPartNumber", "licenseGroupId"))
        return {"servicePlans": plans, "productSku": product, "attributes": {"objectType": "License"}}


def license_groups(value):
    """The licenseGroupIds query (one value or several), as a set of lower-case group ids; None when absent."""
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    groups = set()
    for item in values:
        group = str(item).strip().lower()
        if group not in LICENSE_GROUPS:
            raise invalid("licenseGroupIds: %r is not a licence group (Group1 or Group2)." % (item,))
        groups.add(group)
    return groups


def _keys(value):
    return dict((str(k).lower(), v) for k, v in value.items())


def parse_license_update(body):
    """([(skuId, excludedPlans or None), ...], [skuId, ...]) from a LicenseUpdate body, keys bound case-insensitively."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    fields = _keys(body)
    assign_items = fields.get("licensestoassign")
    remove_items = fields.get("licensestoremove")
    if assign_items is None:
        assign_items = []
    if remove_items is None:
        remove_items = []
    if not isinstance(assign_items, list):
        raise invalid("licensesToAssign: must be a list of {\"skuId\", \"excludedPlans\"} objects or null.")
    if not isinstance(remove_items, list) or not all(isinstance(s, str) and s for s in remove_items):
        raise invalid("licensesToRemove: must be a list of SKU ids or null.")
    assign = []
    for item in assign_items:
        entry = _keys(item) if isinstance(item, dict) else {}
        sku_id = entry.get("skuid")
        if not isinstance(sku_id, str) or not sku_id:
            raise invalid("licensesToAssign.skuId: every licence to assign needs a skuId.")
        excluded = entry.get("excludedplans")
        if excluded is not None and (not isinstance(excluded, list) or not all(isinstance(p, str) for p in excluded)):
            raise invalid("licensesToAssign.excludedPlans: must be a list of service plan ids or null.")
        assign.append((sku_id, excluded))
    if not assign and not remove_items:
        raise invalid("licensesToAssign, licensesToRemove: the update assigns and removes nothing.")
    attributes = fields.get("attributes")
    if attributes is not None:
        if not isinstance(attributes, dict):
            raise invalid("attributes: must be an object.")
        object_type = _keys(attributes).get("objecttype")
        if object_type is not None and str(object_type).lower() != "licenseupdate":
            raise invalid("attributes.objectType: expected 'LicenseUpdate', got %r." % (object_type,))
    return assign, list(remove_items)
