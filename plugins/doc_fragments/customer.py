# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The customer a module works on; the argument spec is
    # plugins/module_utils/ansible_module.py customer_argument_spec().
    DOCUMENTATION = r"""
options:
  customer_id:
    description:
      - The customer's tenant ID (a GUID), the Microsoft ID shown on the customer's account page in Partner Center.
      - One of O(customer_id) and O(customer_domain) is required.
      - The P(partnercenter.csp.customers#inventory) inventory sets it as the host variable C(partnercenter_customer_id).
    type: str
  customer_domain:
    description:
      - The customer's default domain (such as V(contoso.onmicrosoft.com)), instead of O(customer_id).
      - Resolved with one customer lookup (the customers whose default domain starts with it) before anything else is
        read or written; a domain that is no customer's default domain, or more than one's, fails the task, listing the
        customers that start with it.
    type: str
"""
