# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The Partner Center customer-user calls, one method per call.

Bodies in and out are the service's camelCase dicts; mapping is user_model's job.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import CustomerEndpoints
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import active_user_named

# The largest page the service is known to take (the recorded deleted-users call used it).
PAGE_SIZE = 500
# Soft-deleted users are listed only with this filter; the service wants it as JSON.
DELETED_FILTER = json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"}, separators=(",", ":"))
USER_NOT_FOUND = 60002


def is_user_not_found(error):
    return error.status == 404 and str(error.code) == str(USER_NOT_FOUND)


def is_already_exists(error):
    """A create that lost a race: the service relays Entra ID's duplicate-UPN message."""
    return error.status in (400, 409) and "already exists" in (error.description or "").lower()


class UsersApi(CustomerEndpoints):
    """The customer-user endpoints of one customer (reference rows 1-8)."""

    def __init__(self, client, customer_id):
        super(UsersApi, self).__init__(client, customer_id)
        self.users_path = self.path("users")

    def user_path(self, user_id):
        return self.path("users", user_id)

    def get(self, user_id):
        """The active user with this id, or None."""
        try:
            return self.client.get(self.user_path(user_id))
        except PartnerCenterError as error:
            if is_user_not_found(error):
                return None
            raise

    def list_active(self):
        return self.client.paginate(self.users_path, params={"size": PAGE_SIZE})

    def list_deleted(self):
        return self.client.paginate(self.users_path, params={"size": PAGE_SIZE, "filter": DELETED_FILTER})

    def find_deleted_by_id(self, user_id):
        user_id = user_id.lower()
        for user in self.list_deleted():
            if (user.get("id") or "").lower() == user_id:
                return user
        return None

    def find_active_by_upn(self, upn):
        """The active user with this UPN (case-insensitive), or None; pages to the first match."""
        return active_user_named(self.list_active(), upn)

    def find_by_upn(self, upn):
        """The active user with this UPN (case-insensitive), else the one soft-deleted user that may have had it
        (deleted_users.deleted_user_named: listed plain or renamed; two such are refused); or None.

        Partner Center has no lookup by UPN, so this pages through the lists.
        """
        from ansible_collections.partnercenter.csp.plugins.module_utils.deleted_users import deleted_user_named   # only a lookup by name reads deleted users

        return self.find_active_by_upn(upn) or deleted_user_named(self.list_deleted(), upn)

    def create(self, body):
        return self.client.post(self.users_path, body)

    def update(self, user_id, body):
        return self.client.patch(self.user_path(user_id), body)

    def reset_password(self, user_id, body):
        return self.client.patch(self.user_path(user_id) + "/resetpassword", body)

    def delete(self, user_id):
        self.client.delete(self.user_path(user_id))
