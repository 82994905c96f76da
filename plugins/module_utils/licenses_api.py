# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The Partner Center licence calls of one customer, one method per call.

Subscribed SKUs (the customer's licences and seats), a user's licences, and licence updates.
Bodies in and out are the service's camelCase dicts. Both reads name every licence group: without
licenseGroupIds Partner Center answers group1 only, "the default license group" (Learn, "Check which
licenses are assigned to a user"), and a group2 licence (Minecraft, Store for Business) would be missed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import CustomerEndpoints, collection_items

# Every licence group, as the reads' licenseGroupIds query names them (repeated: licenseGroupIds=Group1&licenseGroupIds=Group2).
ALL_LICENSE_GROUPS = {"licenseGroupIds": ["Group1", "Group2"]}


def sku_from_api(item):
    """A SubscribedSku as the info module returns it (snake_case, the counts the service sent)."""
    product = item.get("productSku") if isinstance(item.get("productSku"), dict) else {}
    return dict(
        id=product.get("id"),
        sku_part_number=product.get("skuPartNumber"),
        name=product.get("name"),
        license_group_id=product.get("licenseGroupId"),
        target_type=product.get("targetType"),
        total_units=item.get("totalUnits"),
        consumed_units=item.get("consumedUnits"),
        available_units=item.get("availableUnits"),
        capability_status=item.get("capabilityStatus"),
    )


def update_body(assign_ids, remove_ids):
    """One licence update; every SKU in it must belong to one licence group."""
    return {
        "licensesToAssign": [{"skuId": sku_id, "excludedPlans": None} for sku_id in assign_ids],
        "licensesToRemove": list(remove_ids) or None,
        "attributes": {"objectType": "LicenseUpdate"},
    }


class LicensesApi(CustomerEndpoints):
    def subscribed_skus(self):
        """The customer's SubscribedSku items (every licence group)."""
        return collection_items(self.client.get(self.path("subscribedskus"), params=ALL_LICENSE_GROUPS))

    def user_licenses(self, user_id):
        """The License items of one active user (every licence group)."""
        return collection_items(self.client.get(self.path("users", user_id, "licenses"), params=ALL_LICENSE_GROUPS))

    def update(self, user_id, assign_ids, remove_ids):
        """Assign and remove licences of one licence group for one user (201, the LicenseUpdate)."""
        return self.client.post(self.path("users", user_id, "licenseupdates"), update_body(assign_ids, remove_ids))
