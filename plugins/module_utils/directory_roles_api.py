# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The Partner Center directory-role calls of one customer, one method per call.

Role ids are Entra role template ids, the same in every tenant; names can change.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import collection_items
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import PAGE_SIZE


def member_body(user_id, display_name, user_principal_name):
    """The UserMember to add; Partner Center wants all four keys."""
    return {"Id": user_id, "DisplayName": display_name, "UserPrincipalName": user_principal_name,
            "Attributes": {"ObjectType": "UserMember"}}


class DirectoryRolesApi:
    def __init__(self, client, customer_id):
        self.client = client
        self.customer_path = "/customers/%s" % customer_id

    def tenant_roles(self):
        """The DirectoryRole items activated in the tenant ({name, id})."""
        return collection_items(self.client.get(self.customer_path + "/directoryroles"))

    def user_roles(self, user_id):
        """The DirectoryRole items one active user holds."""
        return collection_items(self.client.get("%s/users/%s/directoryroles" % (self.customer_path, user_id)))

    def members(self, role_id):
        """Every UserMember of one role, across all pages."""
        return self.client.paginate("%s/directoryroles/%s/usermembers" % (self.customer_path, role_id), params={"size": PAGE_SIZE})

    def add_member(self, role_id, user_id, display_name, user_principal_name):
        return self.client.post("%s/directoryroles/%s/usermembers" % (self.customer_path, role_id),
                                member_body(user_id, display_name, user_principal_name))

    def remove_member(self, role_id, user_id):
        self.client.delete("%s/directoryroles/%s/usermembers/%s" % (self.customer_path, role_id, user_id))
