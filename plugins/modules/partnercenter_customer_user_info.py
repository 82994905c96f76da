#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_user_info
short_description: Read a CSP customer's users through Partner Center
version_added: 0.1.0
description:
  - Returns the users of a Microsoft CSP customer tenant, one user by O(user_id) or O(user_principal_name),
    or all of them.
  - Lists follow every page of the Partner Center user list, so the result is never truncated.
  - With O(deleted=true) it reads the soft-deleted users instead, those that can still be restored.
options:
  user_id:
    description:
      - Return only the user with this object ID (a GUID). Mutually exclusive with O(user_principal_name).
    type: str
  user_principal_name:
    description:
      - Return only the user with this user principal name; matching ignores case.
      - Partner Center cannot look a user up by user principal name, so the module pages through the list.
      - With O(deleted=true) it returns every soft-deleted user that may have had this name. Entra ID renames a user
        it soft-deletes (its object ID without hyphens, 32 hex digits, is put in front of the name, and the name is
        free for a new user), so a soft-deleted user is listed under its name or under the renamed one; both match.
        Two soft-deleted users may match; their RV(users[].id) tells them apart.
    type: str
  deleted:
    description:
      - V(false) reads active users; V(true) reads soft-deleted users (kept for 30 days) instead.
    type: bool
    default: false
extends_documentation_fragment:
  - partnercenter.csp.customer
  - partnercenter.csp.connection
  - partnercenter.csp.attributes.INFO_MODULE
notes:
  - "GDAP roles the signed-in agent needs in the customer tenant: Directory Readers, Global Reader or User Administrator."
seealso:
  - module: partnercenter.csp.partnercenter_customer_user
  - name: Get a list of all user accounts for a customer
    description: The Partner Center call this module pages through.
    link: https://learn.microsoft.com/partner-center/developer/get-a-list-of-all-user-accounts-for-a-customer
  - name: View deleted users for a customer
    description: The soft-deleted users list that O(deleted=true) reads.
    link: https://learn.microsoft.com/partner-center/developer/view-a-deleted-user
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Read every active user of a customer
  partnercenter.csp.partnercenter_customer_user_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
  register: customer_users

- name: Find one user by user principal name
  partnercenter.csp.partnercenter_customer_user_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    user_principal_name: ada@contoso.onmicrosoft.com
  register: ada

- name: List the users that can still be restored
  partnercenter.csp.partnercenter_customer_user_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    deleted: true
  register: restorable
"""

RETURN = r"""
users:
  description: The users found, in the service's order; an empty list when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The user's object ID.
      type: str
      sample: 482e2152-4b49-48ec-b715-823365ce3d4c
    user_principal_name:
      description:
        - The user principal name.
        - For a soft-deleted user, the name as Partner Center lists it, which may carry the 32 hex digits a soft delete
          puts in front of the name (for example V(482e21524b4948ecb715823365ce3d4cada@contoso.onmicrosoft.com)).
      type: str
      sample: ada@contoso.onmicrosoft.com
    display_name:
      description: The display name.
      type: str
      sample: Ada Lovelace
    first_name:
      description: The given name.
      type: str
      sample: Ada
    last_name:
      description: The surname.
      type: str
      sample: Lovelace
    usage_location:
      description: The usage location, a two-letter country code; V(null) when the user has none.
      type: str
      sample: GB
    immutable_id:
      description: The immutable ID, if any.
      type: str
      sample: null
    state:
      description: V(active), or V(inactive) for a soft-deleted user.
      type: str
      sample: active
    user_domain_type:
      description: V(none), V(managed) or V(federated).
      type: str
      sample: none
    soft_deletion_time:
      description: When the user was soft-deleted (UTC).
      type: str
      sample: "2017-01-20T00:33:34Z"
    last_directory_sync_time:
      description: The last directory synchronisation (UTC), when Entra Connect syncs the tenant.
      type: str
      sample: null
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.deleted_users import deleted_user_matches
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import user_from_api, validate_lookup_options
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import UsersApi


def read_users(api, user_id, user_principal_name, deleted):
    """The Partner Center users the options select (camelCase dicts)."""
    if user_id and not deleted:
        user = api.get(user_id)
        return [user] if user else []
    listing = api.list_deleted() if deleted else api.list_active()
    if not (user_id or user_principal_name):
        return list(listing)
    if user_principal_name and deleted:
        # Listed plain or renamed (the 32 hex digits of a soft delete in front): every user that may have had the name.
        return [user for user in listing if deleted_user_matches(user.get("userPrincipalName"), user_principal_name)]
    key, wanted = ("id", user_id) if user_id else ("userPrincipalName", user_principal_name)
    for user in listing:
        if (user.get(key) or "").lower() == wanted.lower():
            return [user]
    return []


def main():
    module = PartnerCenterModule(
        argument_spec=dict(
            user_id=dict(type="str"),
            user_principal_name=dict(type="str"),
            deleted=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("user_id", "user_principal_name")],
        customer=True,
        supports_check_mode=True,
    )
    params = module.params

    def work():
        validate_lookup_options(params)
        api = UsersApi(module.client, module.customer_id)
        users = read_users(api, params["user_id"], params["user_principal_name"], params["deleted"])
        return dict(changed=False, users=[user_from_api(user) for user in users])
    module.run(work)


if __name__ == "__main__":
    main()
