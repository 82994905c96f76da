#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_info
short_description: Read a CSP partner's customers through Partner Center
version_added: 0.2.0
description:
  - Returns the customers of the partner, one by O(customer_id), those whose default domain starts with
    O(domain) or whose company name starts with O(company_name), or all of them.
  - Lists follow every page of the Partner Center customer list, so the result is never truncated.
  - To use every customer as an inventory host, see the P(partnercenter.csp.customers#inventory) inventory plugin.
options:
  customer_id:
    description:
      - Return only the customer with this tenant ID (a GUID); an empty list when the partner has no such customer.
      - Mutually exclusive with O(domain) and O(company_name).
    type: str
  domain:
    description:
      - Return the customers whose default domain starts with this text; matching ignores case.
      - The filter is applied by Partner Center, so only the matching customers are read.
      - Mutually exclusive with O(customer_id) and O(company_name), since Partner Center filters a customer list on one field only.
    type: str
  company_name:
    description:
      - Return the customers whose company name starts with this text; matching ignores case.
      - Mutually exclusive with O(customer_id) and O(domain).
    type: str
extends_documentation_fragment:
  - partnercenter.csp.connection
  - partnercenter.csp.attributes.INFO_MODULE
notes:
  - The customer list works with App+User and with app-only tokens.
seealso:
  - plugin: partnercenter.csp.customers
    plugin_type: inventory
  - module: partnercenter.csp.partnercenter_customer_user_info
  - name: Get a list of customers
    description: The Partner Center call this module pages through.
    link: https://learn.microsoft.com/partner-center/developer/get-a-list-of-customers
  - name: Get a customer by company name or domain
    description: The starts-with filter that O(domain) and O(company_name) set.
    link: https://learn.microsoft.com/partner-center/developer/get-a-customer-by-name
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Read every customer of the partner
  partnercenter.csp.partnercenter_customer_info:
  register: all_customers

- name: Read one customer by tenant ID
  partnercenter.csp.partnercenter_customer_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
  register: contoso

- name: Read the customers whose default domain starts with contoso
  partnercenter.csp.partnercenter_customer_info:
    domain: contoso
  register: contoso_like

- name: Read the customers whose company name starts with Fabrikam
  partnercenter.csp.partnercenter_customer_info:
    company_name: Fabrikam
  register: fabrikam_like
"""

RETURN = r"""
customers:
  description: The customers of the partner that the options select, in the service's order (empty when none does).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The customer's ID in Partner Center, which is its tenant ID.
      type: str
      sample: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    tenant_id:
      description: The customer's Microsoft Entra ID tenant ID.
      type: str
      sample: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    domain:
      description: The customer's default domain; V(null) when Partner Center gives none.
      type: str
      sample: contoso.onmicrosoft.com
    company_name:
      description: The customer's company name.
      type: str
      sample: Contoso
    relationship_to_partner:
      description: The partner's relationship with the customer, such as V(reseller) or V(advisor).
      type: str
      sample: reseller
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule, check_customer_options
from ansible_collections.partnercenter.csp.plugins.module_utils.customers_api import (
    CustomersApi,
    check_filter_options,
    customer_from_api,
)


def selection(params):
    """("id", customer_id), ("filter", (field, value)) or ("all", None): what the options select. Raises UserInputError."""
    check_customer_options(params)
    if params["customer_id"] is not None:
        return "id", params["customer_id"]
    selected = check_filter_options(params)
    return ("filter", selected) if selected else ("all", None)


def read_customers(api, selected):
    """The Partner Center customers of a selection (Customer dicts as the service sends them)."""
    kind, value = selected
    if kind == "id":
        customer = api.get(value)
        return [customer] if customer else []
    return list(api.list_customers(*value) if kind == "filter" else api.list_customers())


def main():
    module = PartnerCenterModule(
        argument_spec=dict(
            customer_id=dict(type="str"),
            domain=dict(type="str"),
            company_name=dict(type="str"),
        ),
        mutually_exclusive=[("customer_id", "domain", "company_name")],
        supports_check_mode=True,
    )

    def work():
        customers = read_customers(CustomersApi(module.client), selection(module.params))
        return dict(changed=False, customers=[customer_from_api(customer) for customer in customers])
    module.run(work)


if __name__ == "__main__":
    main()
