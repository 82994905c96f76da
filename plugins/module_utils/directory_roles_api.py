# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The Partner Center directory-role calls of one customer, one method per call.

Role ids are Entra role template ids, the same in every tenant; names can change.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import CustomerEndpoints, collection_items
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import PAGE_SIZE


def role_from_api(item):
    """A DirectoryRole as the info module returns it."""
    return dict(id=item.get("id"), name=item.get("name"))


def member_body(user_id, display_name, user_principal_name):
    """The UserMember to add; Partner Center wants all four keys."""
    return {"Id": user_id, "DisplayName": display_name, "UserPrincipalName": user_principal_name,
            "Attributes": {"ObjectType": "UserMember"}}


class DirectoryRolesApi(CustomerEndpoints):
    def tenant_roles(self):
        """The DirectoryRole items activated in the tenant ({name, id})."""
        return collection_items(self.client.get(self.path("directoryroles")))

    def user_roles(self, user_id):
        """The DirectoryRole items one active user holds."""
        return collection_items(self.client.get(self.path("users", user_id, "directoryroles")))

    def members(self, role_id):
        """Every UserMember of one role, across all pages."""
        return self.client.paginate(self.path("directoryroles", role_id, "usermembers"), params={"size": PAGE_SIZE})

    def add_member(self, role_id, user_id, display_name, user_principal_name):
        return self.client.post(self.path("directoryroles", role_id, "usermembers"), member_body(user_id, display_name, user_principal_name))

    def remove_member(self, role_id, user_id):
        self.client.delete(self.path("directoryroles", role_id, "usermembers", user_id))
