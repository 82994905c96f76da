#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_directory_role_info
short_description: Read a CSP customer's directory roles, or one user's, through Partner Center
version_added: 0.2.0
description:
  - Returns the Entra directory roles activated in a Microsoft CSP customer tenant, or, with O(user_id) or
    O(user_principal_name), the roles one user holds.
  - The names and IDs it returns are what O(partnercenter.csp.partnercenter_customer_user#module:directory_roles) takes.
    Role IDs are the Entra role template IDs, the same in every tenant; names can change.
options:
  user_id:
    description: Return the roles of the active user with this object ID (a GUID). Mutually exclusive with O(user_principal_name).
    type: str
  user_principal_name:
    description:
      - Return the roles of the active user with this user principal name; matching ignores case.
      - Partner Center cannot look a user up by user principal name, so the module pages through the user list first.
    type: str
extends_documentation_fragment:
  - partnercenter.csp.customer
  - partnercenter.csp.connection
  - partnercenter.csp.attributes.INFO_MODULE
notes:
  - "GDAP roles the signed-in agent needs in the customer tenant: Directory Readers, Global Reader or Privileged Role
    Administrator."
  - A user that is not found (or is soft-deleted, and so holds no role) fails the task, naming it.
seealso:
  - module: partnercenter.csp.partnercenter_customer_user
    description: Gives users their directory roles (O(partnercenter.csp.partnercenter_customer_user#module:directory_roles)).
  - module: partnercenter.csp.partnercenter_customer_user_info
  - name: Get user roles for a customer
    description: The Partner Center calls this module makes.
    link: https://learn.microsoft.com/partner-center/developer/get-user-roles-for-a-customer
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: The roles activated in a customer tenant, the customer given by its default domain
  partnercenter.csp.partnercenter_customer_directory_role_info:
    customer_domain: contoso.onmicrosoft.com
  register: tenant_roles

- name: Stop when the tenant has no User Administrator role to give
  ansible.builtin.assert:
    that: "'User Administrator' in tenant_roles.directory_roles | map(attribute='name')"

- name: The roles of one user, by its object ID
  partnercenter.csp.partnercenter_customer_directory_role_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    user_id: 482e2152-4b49-48ec-b715-823365ce3d4c
  register: ada_roles
"""

RETURN = r"""
directory_roles:
  description: The tenant's activated roles, or the user's roles, in the service's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The role's ID, the Entra role template ID.
      type: str
      sample: fe930be7-5e62-47db-91af-98c3a49a38b1
    name:
      description: The role's name, as the tenant names it today.
      type: str
      sample: User Administrator
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.directory_roles_api import DirectoryRolesApi, role_from_api
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_convergence import UserSpec, find_user
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import validate_lookup_options
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import UsersApi


def read_roles(client, customer_id, params):
    roles = DirectoryRolesApi(client, customer_id)
    spec = UserSpec(params)
    if not spec.label:
        return roles.tenant_roles()
    user = find_user(UsersApi(client, customer_id), spec)
    if user is None or user.get("state") != "active":
        raise UserInputError("%s is not an active user of customer %s" % (spec.label, customer_id))
    return roles.user_roles(user["id"])


def main():
    module = PartnerCenterModule(
        argument_spec=dict(user_id=dict(type="str"), user_principal_name=dict(type="str")),
        mutually_exclusive=[("user_id", "user_principal_name")],
        customer=True,
        supports_check_mode=True,
    )

    def work():
        validate_lookup_options(module.params)
        roles = read_roles(module.client, module.customer_id, module.params)
        return dict(changed=False, directory_roles=[role_from_api(item) for item in roles])
    module.run(work)


if __name__ == "__main__":
    main()
