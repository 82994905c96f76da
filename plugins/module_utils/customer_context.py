# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""CustomerContext: one task's view of one customer.

The endpoint objects, and the tenant-wide reads that facets share, each made lazily and at most
once per task (the customer's SKUs, its directory roles, the members of each role named), so a
task over many users stays at its request floor. Also the seat ledger: the licences a task adds,
summed over all its users before anything is written. Thread-safe.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import UsersApi


class CustomerContext:
    """bulk: the task converges many users (role memberships then come from each named role's member list,
    read once, instead of a read per user)."""

    def __init__(self, users, licenses=None, roles=None, bulk=False, client=None, customer_id=None):
        self.users, self.bulk = users, bulk
        self._licenses, self._roles = licenses, roles                 # given (tests), or made on first use from:
        self._client, self._customer_id = client, customer_id
        self._lock = threading.Lock()
        self._once = {}      # tenant-wide reads: key -> [lock, value, done]
        self._seats = {}     # SKU key -> the users this task assigns it to

    @classmethod
    def for_client(cls, client, customer_id, bulk=False):
        return cls(UsersApi(client, customer_id), bulk=bulk, client=client, customer_id=customer_id)

    # The licence and role endpoints are imported when first used: a task that manages neither never compiles them.
    @property
    def licenses(self):
        if self._licenses is None:
            from ansible_collections.partnercenter.csp.plugins.module_utils.licenses_api import LicensesApi
            self._licenses = LicensesApi(self._client, self._customer_id)
        return self._licenses

    @property
    def roles(self):
        if self._roles is None:
            from ansible_collections.partnercenter.csp.plugins.module_utils.directory_roles_api import DirectoryRolesApi
            self._roles = DirectoryRolesApi(self._client, self._customer_id)
        return self._roles

    def _read_once(self, key, read):
        # One lock per key: a second thread asking for the same read waits for the first.
        with self._lock:
            entry = self._once.get(key)
            if entry is None:
                entry = self._once[key] = [threading.Lock(), None, False]
        with entry[0]:
            if not entry[2]:
                entry[1] = read()
                entry[2] = True
            return entry[1]

    def subscribed_skus(self):
        """The customer's SubscribedSku items, read once."""
        return self._read_once("skus", self.licenses.subscribed_skus)

    def tenant_roles(self):
        """The customer's activated directory roles, read once."""
        return self._read_once("roles", self.roles.tenant_roles)

    def role_member_ids(self, role_id):
        """The ids (lower case) of one role's members, every page read once per task."""
        return self._read_once("members:" + role_id.lower(),
                               lambda: frozenset((member.get("id") or "").lower() for member in self.roles.members(role_id)))

    def reserve_seats(self, sku_id, who, name, available):
        """Count one more seat of a SKU for this task (for who, a user's label); refuse when the task's total would exceed
        what is available. Removals in the same task free nothing here: the writes run in parallel, in no set order."""
        with self._lock:
            takers = self._seats.setdefault(sku_id, [])
            takers.append(who)
            if available is not None and len(takers) > available:
                listed = ", ".join(takers[:10]) + (" and %d more" % (len(takers) - 10) if len(takers) > 10 else "")
                raise UserInputError(
                    "licenses: not enough seats of %s: this task assigns it to %d user%s (%s), and %d %s available; buy more "
                    "seats or assign fewer; nothing was written" % (name, len(takers), "" if len(takers) == 1 else "s", listed,
                                                                    available, "is" if available == 1 else "are"))
