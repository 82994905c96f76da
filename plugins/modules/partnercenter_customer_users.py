#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_users
short_description: Converge many users of one CSP customer in a single task
version_added: 0.1.0
description:
  - Brings every user in O(users) to its described state, exactly as M(partnercenter.csp.partnercenter_customer_user)
    would one by one, but with one read of the customer's user list for all of them and the writes sent in parallel.
  - Made for onboarding and compliance runs over many users, where one task per user would pay for a process
    start and a full user-list read per user. The P(partnercenter.csp.tenant_onboarding#role) role uses it.
  - The customer's active users are listed once; the soft-deleted users are listed once, only when a user is not
    among the active ones. A user found there is then addressed by its ID.
  - Every user is checked before anything is written, so a user that cannot be created (no password, say), two items
    that name the same user (by ID and by user principal name, say), an unknown SKU or role, or more new assignments
    of a SKU than it has seats for all the users together, fail the task without any write.
  - Tenant-wide reads are made once per task (the customer's SKUs, its roles, the members of each role named);
    a user's licences are read only when its item manages them.
options:
  users:
    description:
      - The users to converge. Each item takes the user options of M(partnercenter.csp.partnercenter_customer_user),
        with the same meaning and defaults.
      - A user may appear only once, whether named by O(users[].user_id) or, ignoring case, O(users[].user_principal_name);
        duplicates are found by the user they resolve to.
    type: list
    elements: dict
    required: true
    suboptions:
      user_id:
        description: The user's object ID (a GUID); with O(users[].user_principal_name) it renames the user.
        type: str
      user_principal_name:
        description: The user's sign-in name, V(alias@domain); identifies the user when O(users[].user_id) is absent.
        type: str
      display_name:
        description: The name shown for the user. Required to create a user.
        type: str
      first_name:
        description: The user's given name.
        type: str
      last_name:
        description: The user's surname.
        type: str
      usage_location:
        description: Two-letter ISO 3166-1 country code. Required to create a user. Case is not a difference.
        type: str
      immutable_id:
        description: The immutable ID that links the user to an on-premises directory object.
        type: str
      password:
        description:
          - The user's password, required to create a user, checked against the Entra ID default policy before any request
            (8 to 256 characters from at least three of lowercase, uppercase, digits and symbols; printable ASCII and spaces only).
          - It never appears in the output, in the diff or in error messages.
        type: str
      force_change_password:
        description: Whether the user must choose a new password at the next sign-in. Sent only together with a password.
        type: bool
        default: true
      update_password:
        description:
          - V(on_create) sets the password only when the user is created.
          - V(always) resets it on every run, so that user reports C(changed) every time.
        type: str
        choices: [on_create, always]
        default: on_create
      state:
        description:
          - V(present) creates, restores and updates; V(absent) soft-deletes an active user.
          - A soft-deleted user is found by the name it had, listed plain or renamed by its soft delete (the 32 hex
            digits of its object ID in front); two such users are refused before any write, and O(users[].user_id) is
            the sure way to restore (see M(partnercenter.csp.partnercenter_customer_user)).
          - With V(absent), O(users[].licenses) and O(users[].directory_roles) may only take away (C(set=[]) or
            C(remove)); the licences are released first, then the roles, then the user is deleted, as
            O(partnercenter.csp.partnercenter_customer_user#module:state) describes. C(add) or a non-empty C(set) is
            refused before any request.
        type: str
        choices: [present, absent]
        default: present
      licenses:
        description:
          - The user's licences, as in M(partnercenter.csp.partnercenter_customer_user)'s
            O(partnercenter.csp.partnercenter_customer_user#module:licenses).
        type: dict
        suboptions: {add: {type: list, elements: str, description: "SKUs to assign (part numbers or IDs)."},
                     remove: {type: list, elements: str, description: "SKUs to take away."},
                     set: {type: list, elements: str, description: "The user's SKUs exactly; V([]) removes them all. Not with the other two."}}
      directory_roles:
        description:
          - The user's directory roles, as in M(partnercenter.csp.partnercenter_customer_user)'s
            O(partnercenter.csp.partnercenter_customer_user#module:directory_roles).
          - With O(users[].directory_roles.add) or O(users[].directory_roles.remove), the roles are learnt from the member
            list of each role named (read once per task), so the returned user's C(directory_roles) lists only the roles the
            task names; with O(users[].directory_roles.set) the user's roles are read.
        suboptions: {add: {type: list, elements: str, description: "Roles to give (names or role IDs)."},
                     remove: {type: list, elements: str, description: "Roles to take away."},
                     set: {type: list, elements: str, description: "The user's roles exactly; V([]) removes them all. Not with the other two."}}
        type: dict
  concurrency:
    description:
      - How many writes are in flight at once. A C(429) answer with C(Retry-After) pauses all of them.
      - Partner Center throttles per partner, so more is not always faster.
    type: int
    default: 4
extends_documentation_fragment:
  - partnercenter.csp.customer
  - partnercenter.csp.connection
  - partnercenter.csp.attributes
notes:
  - "GDAP roles the signed-in agent needs in the customer tenant: Directory Readers, Global Reader or User Administrator
    to read; User Administrator or Directory Writers to create, update, delete and restore; User Administrator or
    Privileged Authentication Administrator to reset a password; License Administrator or User Administrator for
    licences; Privileged Role Administrator for directory roles."
  - When some users fail, the task fails after the others are done, and RV(results) says which user failed, why, and
    what was written for it before it failed. The task reports C(changed) whenever anything was written.
seealso:
  - module: partnercenter.csp.partnercenter_customer_user
  - module: partnercenter.csp.partnercenter_customer_user_info
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Onboard the users of a customer in one task
  partnercenter.csp.partnercenter_customer_users:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    users:
      - user_principal_name: ada@contoso.onmicrosoft.com
        display_name: Ada Lovelace
        usage_location: GB
        password: "{{ vault_ada_password }}"
      - user_principal_name: grace@contoso.onmicrosoft.com
        display_name: Grace Hopper
        usage_location: US
        password: "{{ vault_grace_password }}"
      - user_principal_name: former.employee@contoso.onmicrosoft.com
        state: absent
  register: onboarding

- name: Show what was done
  ansible.builtin.debug:
    var: onboarding.summary
"""

RETURN = r"""
results:
  description: One entry per item of O(users), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    user_principal_name:
      description:
        - The user's user principal name (after a rename, the new one). For an item given by ID whose user was not
          found, the ID.
        - For a user that is soft-deleted after the task, the name it had (the one RV(summary) lists), although
          RV(results[].user) shows it as Partner Center lists it, possibly with the 32 hex digits of a soft delete in
          front.
      type: str
      sample: ada@contoso.onmicrosoft.com
    action:
      description:
        - V(created), V(updated), V(restored), V(deleted), V(unchanged), or V(failed).
        - A failed user may have been written to before it failed; RV(results[].writes) and RV(results[].changed) say so.
      type: str
      sample: created
    changed:
      description: Whether anything was written for the user (or, in check mode, would be), before a failure too.
      type: bool
      sample: true
    writes:
      description:
        - The writes made for the user (in check mode, that would be made), in order, as in
          RV(partnercenter.csp.partnercenter_customer_user#module:writes).
      type: list
      elements: dict
      sample: [{"operation": "restore"}, {"operation": "update", "fields": ["display_name"]}]
    user:
      description:
        - The user after the task, with the keys of RV(partnercenter.csp.partnercenter_customer_user#module:user);
          never a password.
        - After a restore it carries the name the user got back; a user left soft-deleted carries its name as listed.
      type: dict
      sample: {"id": "482e2152-4b49-48ec-b715-823365ce3d4c", "user_principal_name": "ada@contoso.onmicrosoft.com", "state": "active"}
    msg:
      description: Why the user failed.
      type: str
      returned: when RV(results[].action) is V(failed)
    warnings:
      description:
        - What Partner Center warned about while converging the user (the C(licenseWarnings) of a licence update answer,
          with code, message and service plans), one text each; each is also a task warning.
      type: list
      elements: str
      returned: when Partner Center warned
      sample: ["Partner Center warned about the group1 licence update of ada@contoso.onmicrosoft.com: ServicePlanDependency ..."]
summary:
  description:
    - The user principal names by action. A user that failed is listed under RV(summary.failed) and also under what
      was done for it before it failed (a user restored, then failing on its password, is under RV(summary.restored) too).
      A write whose answer was lost, so that it may or may not have been made, is not counted as done; it is in
      RV(results[].writes) with C(uncertain=true).
  returned: always
  type: dict
  contains:
    created:
      description: Users created.
      type: list
      elements: str
    updated:
      description: Users whose fields or password were changed.
      type: list
      elements: str
    restored:
      description: Soft-deleted users restored (and updated where they differed).
      type: list
      elements: str
    deleted:
      description: Users soft-deleted.
      type: list
      elements: str
    unchanged:
      description: Users already as described.
      type: list
      elements: str
    failed:
      description: Users that could not be converged.
      type: list
      elements: str
  sample: {"created": ["ada@contoso.onmicrosoft.com"], "updated": [], "restored": [], "deleted": [], "unchanged": [], "failed": []}
seats_released:
  description:
    - The licences the task took away (in check mode, would take away), counted per SKU part number; each gives a seat
      back to the customer. Users offboarded with O(users[].state=absent) and a licence release count here, and so do
      licences removed from users that stay. A licence update whose answer was lost and never settled is not counted.
  returned: always
  type: dict
  sample: {"SPE_E3": 2, "O365_BUSINESS_PREMIUM": 1}
diff:
  description:
    - With C(--diff), one before/after entry per changed user, headed by its user principal name.
      A password that is set shows only as C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER).
  returned: when diff mode is on
  type: list
  elements: dict
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_batch import MAX_CONCURRENCY, converge_users, read_specs
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import user_options_spec


def main():
    module = PartnerCenterModule(
        argument_spec=dict(
            users=dict(type="list", elements="dict", required=True, options=user_options_spec(),
                       required_one_of=[("user_id", "user_principal_name")]),
            concurrency=dict(type="int", default=4),
        ),
        customer=True,
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["concurrency"] <= MAX_CONCURRENCY:
        module.fail_json(msg="concurrency must be between 1 and %d, got %d" % (MAX_CONCURRENCY, params["concurrency"]))
    try:
        specs = read_specs(params["users"])
        context = CustomerContext.for_client(module.client, module.customer_id, bulk=True)
        batch = converge_users(context, specs, module.check_mode, params["concurrency"])
    except UserInputError as error:
        module.fail_json(msg=str(error))
    except PartnerCenterError as error:
        module.fail_from_error(error)

    for result in batch.results:
        for warning in result.get("warnings") or ():
            module.warn(warning)
    output = dict(changed=batch.changed, results=batch.results, summary=batch.summary, seats_released=batch.seats_released)
    if module._diff:
        output["diff"] = batch.diff
    if batch.failure:
        module.fail_json(msg=batch.failure, **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
