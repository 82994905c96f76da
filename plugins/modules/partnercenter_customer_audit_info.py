#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_audit_info
short_description: Audit one CSP customer's users, admins and seats against a user list, writing nothing
version_added: 0.3.0
description:
  - Compares a Microsoft CSP customer tenant with the users a task describes, as
    M(partnercenter.csp.partnercenter_customer_users) would converge them, and reports the drift without writing anything,
    whether or not the play runs in check mode.
  - Reports the users that would be created, updated (which fields, licences, roles), restored or deleted; the active
    users O(users) does not name (counted, named with O(list_unmanaged)); the holders of privileged directory roles
    O(users) does not name; and the seats of every subscribed SKU, with those where fewer than O(min_available_seats) are
    left.
  - The tenant-wide reads are made once per task and shared with the drift check, which is the same code as the bulk
    module's check mode. They are the active user list, the SKUs, the tenant's roles, and the member list of each audited role. A user's
    licences are read only when its item manages them; the soft-deleted list only when an item names a user that is not
    active.
  - The P(partnercenter.csp.tenant_audit#role) role and the C(partnercenter.csp.audit_customers) playbook run it for
    every customer and write the report.
options:
  users:
    description:
      - The users the customer should have, each with the user options of M(partnercenter.csp.partnercenter_customer_users)
        (O(partnercenter.csp.partnercenter_customer_users#module:users)), with the same meaning and defaults.
      - Passwords are needed as for onboarding (a user to create without one is a refusal, reported in RV(audit.error)),
        but never sent.
    type: list
    elements: dict
    default: []
    suboptions:
      user_id:
        description: The user's object ID.
        type: str
      user_principal_name:
        description: The user's sign-in name.
        type: str
      display_name:
        description: The name shown for the user.
        type: str
      first_name:
        description: The user's given name.
        type: str
      last_name:
        description: The user's surname.
        type: str
      usage_location:
        description: Two-letter ISO 3166-1 country code.
        type: str
      immutable_id:
        description: The immutable ID that links the user to an on-premises directory object.
        type: str
      password:
        description: The user's password (never sent by this module, never returned).
        type: str
      force_change_password:
        description: Whether the user must choose a new password at the next sign-in.
        type: bool
        default: true
      update_password:
        description: V(always) reports a password reset for every existing user.
        type: str
        choices: [on_create, always]
        default: on_create
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
      licenses:
        description: The user's licences in the V(add) / V(remove) / V(set) form.
        type: dict
        suboptions: {add: {type: list, elements: str, description: "SKUs to assign."},
                     remove: {type: list, elements: str, description: "SKUs to take away."},
                     set: {type: list, elements: str, description: "The user's SKUs exactly."}}
      directory_roles:
        description: The user's directory roles in the V(add) / V(remove) / V(set) form.
        type: dict
        suboptions: {add: {type: list, elements: str, description: "Roles to give."},
                     remove: {type: list, elements: str, description: "Roles to take away."},
                     set: {type: list, elements: str, description: "The user's roles exactly."}}
  privileged_roles:
    description:
      - Directory roles (names, case-insensitive, or role IDs) whose holders O(users) must name, in addition to
        Global Administrator, Privileged Role Administrator and User Administrator, which are always audited.
      - A role that is not activated in the tenant has no holder; it is listed in RV(audit.roles_not_activated).
    type: list
    elements: str
    default: []
  list_unmanaged:
    description:
      - Whether to name the active users that O(users) does not name (RV(audit.unmanaged_user_names)); they are always
        counted.
    type: bool
    default: false
  min_available_seats:
    description: A SKU with fewer seats available than this is listed in RV(audit.low_seats); V(0) lists none.
    type: int
    default: 1
  concurrency:
    description: How many users' licence reads are in flight at once, between V(1) and V(16).
    type: int
    default: 4
extends_documentation_fragment:
  - partnercenter.csp.customer
  - partnercenter.csp.connection
  - partnercenter.csp.attributes.INFO_MODULE
notes:
  - "GDAP roles the signed-in agent needs in the customer tenant: Directory Readers or Global Reader (users, SKUs, roles
    and their members)."
  - A customer that cannot be read (no delegated access, a 403, throttled beyond the deadline) fails the task with the
    service's error. A user list that onboarding would refuse (too few seats, an unknown SKU or role, a user to create
    without a password) does not; RV(audit.status) is then V(failed) and RV(audit.error) says why, with the other findings.
seealso:
  - module: partnercenter.csp.partnercenter_customer_users
  - module: partnercenter.csp.partnercenter_customer_sku_info
  - module: partnercenter.csp.partnercenter_customer_directory_role_info
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Audit a customer against its users, naming the users nobody declared
  partnercenter.csp.partnercenter_customer_audit_info:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    users: "{{ partnercenter_users }}"
    privileged_roles: [Exchange Administrator]
    list_unmanaged: true
    min_available_seats: 5
  register: audit
  no_log: true   # the users carry passwords; audit.audit carries none

- name: Stop when an undeclared admin holds a privileged role
  ansible.builtin.assert:
    that: audit.audit.unknown_admins | length == 0
    fail_msg: "{{ audit.audit.unknown_admins }}"
"""

RETURN = r"""
audit:
  description: The customer's audit.
  returned: success
  type: dict
  contains:
    customer_id:
      description: The customer's tenant ID.
      type: str
    status:
      description:
        - V(drifted) when a user would change or a holder of a privileged role is not in O(users); V(failed) when the user
          list would be refused (RV(audit.error)); else V(clean). Unmanaged users and low seats do not count as drift.
      type: str
      sample: drifted
    drift:
      description: One entry per user that would change.
      type: list
      elements: dict
      contains:
        user_principal_name:
          description: The user.
          type: str
        action:
          description: V(created), V(updated), V(restored), V(deleted) or V(failed), as M(partnercenter.csp.partnercenter_customer_users) names them.
          type: str
        fields:
          description: The profile fields that differ, each with C(before) and C(after) (never a password).
          type: dict
          sample: {"display_name": {"before": "Ada", "after": "Ada Lovelace"}}
        licenses:
          description: The SKUs that would be assigned (C(add)) and removed (C(remove)), by part number.
          type: dict
          sample: {"add": ["SPE_E3"], "remove": []}
        directory_roles:
          description: The roles that would be given (C(add)) and taken (C(remove)).
          type: dict
          sample: {"add": ["User Administrator"], "remove": []}
        password_reset:
          description: Whether the password would be reset (O(users[].update_password=always)).
          type: bool
        detail:
          description: All of the above in one line of words.
          type: str
          sample: "would be updated: display_name 'Ada' -> 'Ada Lovelace'; licences +SPE_E3"
    unmanaged_users:
      description: How many active users O(users) does not name.
      type: int
      sample: 3
    unmanaged_user_names:
      description: Their user principal names, sorted.
      type: list
      elements: str
      returned: with O(list_unmanaged=true)
    unknown_admins:
      description: The holders of the audited roles that O(users) does not name, one entry per user and role.
      type: list
      elements: dict
      sample: [{"user_principal_name": "mallory@contoso.onmicrosoft.com", "role": "Global Administrator"}]
    seats:
      description: The seats of every subscribed SKU, in the service's order.
      type: list
      elements: dict
      sample: [{"sku_part_number": "SPE_E3", "name": "Microsoft 365 E3", "total_units": 25, "consumed_units": 24, "available_units": 1}]
    low_seats:
      description: The part numbers of the SKUs with fewer than O(min_available_seats) seats available.
      type: list
      elements: str
      sample: [SPE_E3]
    roles_not_activated:
      description: The audited roles that are not activated in the tenant (so nobody holds them).
      type: list
      elements: str
    error:
      description: Why the user list would be refused; empty otherwise.
      type: str
collection_version:
  description: The version of partnercenter.csp that made the audit.
  returned: always
  type: str
  sample: 0.3.0
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_audit import PRIVILEGED_ROLES, audit_customer
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import MAX_CONCURRENCY, read_specs
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import user_options_spec
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_VERSION


def main():
    module = PartnerCenterModule(
        argument_spec=dict(
            users=dict(type="list", elements="dict", default=[], options=user_options_spec(),
                       required_one_of=[("user_id", "user_principal_name")]),
            privileged_roles=dict(type="list", elements="str", default=[]),
            list_unmanaged=dict(type="bool", default=False),
            min_available_seats=dict(type="int", default=1),
            concurrency=dict(type="int", default=4),
        ),
        customer=True,
        supports_check_mode=True,
    )
    params = module.params

    def work():
        if not 1 <= params["concurrency"] <= MAX_CONCURRENCY:
            raise UserInputError("concurrency must be between 1 and %d, got %d" % (MAX_CONCURRENCY, params["concurrency"]))
        if params["min_available_seats"] < 0:
            raise UserInputError("min_available_seats must be 0 or more, got %d" % params["min_available_seats"])
        specs = read_specs(params["users"])
        roles = list(PRIVILEGED_ROLES) + [role for role in params["privileged_roles"] if role.strip()]
        context = CustomerContext.for_client(module.client, module.customer_id, bulk=True)
        audit = audit_customer(context, specs, roles, params["concurrency"])
        return dict(changed=False, collection_version=COLLECTION_VERSION,
                    audit=audit.row(module.customer_id, params["min_available_seats"], params["list_unmanaged"]))
    module.run(work)


if __name__ == "__main__":
    main()
