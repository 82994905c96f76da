#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_sku_info
short_description: Read a CSP customer's subscribed SKUs (licences and seats) through Partner Center
version_added: 0.2.0
description:
  - Returns the SKUs a Microsoft CSP customer has subscribed to, with their seats, from
    C(GET /v1/customers/{customer}/subscribedskus?licenseGroupIds=Group1&licenseGroupIds=Group2).
  - Both licence groups are asked for by name, since Partner Center answers only C(group1) (licences managed by Entra ID)
    when none is named; C(group2) SKUs (such as Minecraft Education) are listed too, with RV(skus[].license_group_id) C(group2).
  - The part numbers and IDs it returns are what O(partnercenter.csp.partnercenter_customer_user#module:licenses) takes.
options: {}
extends_documentation_fragment:
  - partnercenter.csp.customer
  - partnercenter.csp.connection
  - partnercenter.csp.attributes.INFO_MODULE
notes:
  - "GDAP roles the signed-in agent needs in the customer tenant: Directory Readers, Global Reader, License Administrator
    or User Administrator."
seealso:
  - name: Get a list of available licenses by license group
    description: The Partner Center call this module makes.
    link: https://learn.microsoft.com/partner-center/developer/get-a-list-of-available-licenses-by-license-group
  - module: partnercenter.csp.partnercenter_customer_user
    description: Assigns the SKUs (O(partnercenter.csp.partnercenter_customer_user#module:licenses)).
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Read a customer's SKUs and seats
  partnercenter.csp.partnercenter_customer_sku_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
  register: customer_skus

- name: Stop when Microsoft 365 E3 has no seat left
  ansible.builtin.assert:
    that: (customer_skus.skus | selectattr('sku_part_number', 'equalto', 'SPE_E3') | map(attribute='available_units') | first) > 0
    fail_msg: No Microsoft 365 E3 seat left; buy more before onboarding.
"""

RETURN = r"""
skus:
  description: The customer's subscribed SKUs, in the service's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The SKU ID, as O(partnercenter.csp.partnercenter_customer_user#module:licenses) takes it.
      type: str
      sample: 05e9a617-0261-4cee-bb44-138d3ef5d965
    sku_part_number:
      description: The part number, as O(partnercenter.csp.partnercenter_customer_user#module:licenses) takes it.
      type: str
      sample: SPE_E3
    name:
      description: The product name.
      type: str
      sample: Microsoft 365 E3
    license_group_id:
      description: The licence group, V(group1) (licences managed in Entra ID) or V(group2) (such as Minecraft Education).
      type: str
      sample: group1
    target_type:
      description: What the SKU is assigned to, V(User) for user licences.
      type: str
      sample: User
    total_units:
      description: Seats bought.
      type: int
      sample: 25
    consumed_units:
      description: Seats assigned.
      type: int
      sample: 20
    available_units:
      description: Seats left to assign.
      type: int
      sample: 5
    capability_status:
      description: V(Enabled), V(Suspended), V(Warning) or V(Deleted), as Partner Center reports it.
      type: str
      sample: Enabled
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.licenses_api import LicensesApi, sku_from_api


def main():
    module = PartnerCenterModule(argument_spec={}, customer=True, supports_check_mode=True)
    module.run(lambda: dict(changed=False, skus=[sku_from_api(item) for item in
                                                 LicensesApi(module.client, module.customer_id).subscribed_skus()]))


if __name__ == "__main__":
    main()
