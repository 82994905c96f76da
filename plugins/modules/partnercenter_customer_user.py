#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_customer_user
short_description: Create, update, soft delete and restore a CSP customer's user through Partner Center
version_added: 0.1.0
description:
  - Manages one user account of a Microsoft CSP customer tenant through the Partner Center REST API
    (C(POST /v1/customers/{customer}/users) and C(PATCH /v1/customers/{customer}/users/{user})).
  - The module reads first and writes only what differs, so a re-run changes nothing.
  - It compares only the options the task gives; an option left out is not managed.
  - A user is found by O(user_id) (one request for an active user; the soft-deleted users are listed too when no
    active user has that ID), or by O(user_principal_name) across every page of the customer's user list and then
    among the soft-deleted users, because Partner Center cannot look a user up by user principal name.
  - O(state=absent) soft-deletes the user. Partner Center keeps a soft-deleted user for 30 days; during that
    time O(state=present) restores it, then applies the differences. With O(licenses) and O(directory_roles) given as
    C(set=[]) or C(remove), O(state=absent) first takes the user's licences (and so their seats) and roles away.
  - Entra ID renames a user it soft-deletes (its object ID without hyphens, 32 hex digits, is put in front of the
    user principal name) and frees the name for a new user at once. By O(user_principal_name), a soft-deleted user is
    found whether it is listed under its name or under the renamed one, but an active user with that name wins
    (no restore), and two soft-deleted users that may have had the name are refused before any write. O(user_id)
    is the sure way to restore a user, since the listed name cannot always tell which user had which name.
  - A restore gives the user its name back. When another user holds that name meanwhile, Partner Center refuses the
    restore; the task fails naming both users. (M(partnercenter.csp.partnercenter_customer_users), which lists the active
    users anyway, refuses such a restore before any write; this module does not list them for a user given by
    O(user_id), so it reports the service's refusal.)
    Rename or delete the other user first.
  - With O(licenses) and O(directory_roles) one task describes the whole user. The user is converged first,
    then its licences, then its roles (with O(state=absent), the licences, the roles, then the delete); everything
    that can be refused (an unknown SKU or role, too few seats, licences for a user without a usage location) is
    refused before the first write.
  - A task that wrote anything reports C(changed), also when it fails half way; RV(writes) lists what it wrote.
options:
  user_id:
    description:
      - The user's object ID (a GUID). When given it identifies the user, and O(user_principal_name) becomes the
        desired user principal name, so the pair renames a user.
      - The sure way to restore a soft-deleted user, whose listed name may not show the name it had.
      - One of O(user_id) and O(user_principal_name) is required.
    type: str
  user_principal_name:
    description:
      - The user's sign-in name, V(alias@domain), where the domain is one of the customer's verified, non-federated domains.
      - Without O(user_id) it identifies the user; matching ignores case.
      - Case is not a difference, since Entra ID treats user principal names case-insensitively.
    type: str
  display_name:
    description:
      - The name shown for the user. Required to create a user.
    type: str
  first_name:
    description: The user's given name.
    type: str
  last_name:
    description: The user's surname.
    type: str
  usage_location:
    description:
      - Two-letter ISO 3166-1 country code where the user uses Microsoft services, such as V(US) or V(DE).
      - Required to create a user, because licences cannot be assigned to a user without it.
      - Case is not a difference.
    type: str
  immutable_id:
    description:
      - The immutable ID that links the user to an on-premises directory object.
    type: str
  password:
    description:
      - The user's password. Required to create a user.
      - It must meet the Entra ID default policy, which the module checks before sending any request;
        8 to 256 characters from at least three of lowercase letters, uppercase letters, digits and symbols,
        printable ASCII and spaces only (Entra ID refuses other Unicode characters).
      - Partner Center never returns a password, so it cannot be compared; O(update_password) says when it is sent.
      - It never appears in the output, in the diff or in error messages.
    type: str
  force_change_password:
    description:
      - Whether the user must choose a new password at the next sign-in. Sent only together with O(password).
    type: bool
    default: true
  update_password:
    description:
      - V(on_create) sets O(password) only when the module creates the user; an existing user's password is never sent.
      - V(always) resets the password of an existing user on every run. Since the current password cannot be read
        back, such a task reports C(changed) every time.
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description:
      - V(present) creates the user, restores it if it is soft-deleted, and updates the fields that differ.
      - V(absent) soft-deletes an active user; a soft-deleted or missing user is left as it is.
      - Partner Center does not document whether a soft-deleted user's licences keep consuming their seats until it is
        removed for good (30 days). To give the seats back at once, add O(licenses) with C(set=[]) (or C(remove)) to
        the V(absent) task; the licences are then released first, then the roles given in O(directory_roles) (C(set=[]) or C(remove)), then the
        user is deleted, so a failure half way leaves a user that still exists. C(add) or a non-empty C(set) with
        V(absent) is refused before any request.
      - Partner Center reads and changes the licences and roles of active users only, so for a user that is soft-deleted
        already O(licenses) and O(directory_roles) are not read or written; restore it (V(present)) to release them.
    type: str
    choices: [present, absent]
    default: present
  licenses:
    description:
      - The user's licences. Each entry is a SKU part number (C(skuPartNumber), matched ignoring case, such as V(SPE_E3))
        or a SKU ID (a GUID), as M(partnercenter.csp.partnercenter_customer_sku_info) lists them.
      - Left out, or with none of its keys given, the licences are neither read nor changed.
      - An unknown SKU, more new assignments of a SKU than it has seats available, and licences for a user without a
        usage location are refused before any write.
      - Partner Center takes the licences of one licence group per request, so the module sends one licence update per
        group, with that group's assignments and removals together.
      - See the licences and roles guide in the collection's documentation.
    type: dict
    suboptions:
      add: {type: list, elements: str, description: "Licences to assign; the user's other licences are kept."}
      remove: {type: list, elements: str, description: "Licences to take away; the user's other licences are kept."}
      set: {type: list, elements: str, description: "The user's licences exactly; V([]) removes them all. Not with O(licenses.add) or O(licenses.remove)."}
  directory_roles:
    description:
      - The user's Entra directory roles. Each entry is a role name as the tenant names it (matched ignoring case, such as
        V(User Administrator)) or a role ID (the Entra role template ID, the same in every tenant; names can change).
      - Left out, or with none of its keys given, the roles are neither read nor changed.
      - A role that is not activated in the tenant is refused before any write.
    suboptions:
      add: {description: "Roles to give the user; its other roles are kept.", type: list, elements: str}
      remove: {description: "Roles to take from the user; its other roles are kept.", type: list, elements: str}
      set: {description: "The user's roles exactly; V([]) removes them all. Not with the other two.", type: list, elements: str}
    type: dict
extends_documentation_fragment:
  - partnercenter.csp.customer
  - partnercenter.csp.connection
  - partnercenter.csp.attributes
notes:
  - "GDAP roles the signed-in agent needs in the customer tenant: Directory Readers, Global Reader or User Administrator
    to read; User Administrator or Directory Writers to create, update, delete and restore; User Administrator or
    Privileged Authentication Administrator to reset a password (O(update_password=always)); License Administrator or
    User Administrator for O(licenses); Privileged Role Administrator for O(directory_roles)."
  - A create answered with "already exists", because another run created the same user meanwhile, is followed by
    a fresh read, and the module converges on the user that exists instead of failing. When the create's first answer
    was lost, or was a server error (HTTP 5xx or 408, which can come after the commit), and its retry is answered
    "already exists", the user found is this task's own, and RV(action) is V(created).
  - A write whose answer was lost or was a server error (HTTP 5xx or 408), and whose retries all failed, may have been
    applied; the task then fails with C(changed=true) and says so. Run it again, since it reads before it writes.
  - Licences are read in both licence groups (C(group1), managed by Entra ID, and C(group2), such as Minecraft Education),
    and each warning in a licence update's answer (C(licenseWarnings)) is passed on as a task warning.
seealso:
  - module: partnercenter.csp.partnercenter_customer_user_info
  - module: partnercenter.csp.partnercenter_customer_users
  - name: Create user accounts for a customer
    description: The Partner Center call this module makes to create a user.
    link: https://learn.microsoft.com/partner-center/developer/create-user-accounts-for-a-customer
  - name: Update user accounts for a customer
    description: The Partner Center call this module makes to update or restore a user.
    link: https://learn.microsoft.com/partner-center/developer/update-user-accounts-for-a-customer
  - name: Delete a user account for a customer
    description: The soft delete and its 30-day window.
    link: https://learn.microsoft.com/partner-center/developer/delete-user-accounts-for-a-customer
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Create a user, or bring it to this state
  partnercenter.csp.partnercenter_customer_user:
    customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
    user_principal_name: ada@contoso.onmicrosoft.com
    display_name: Ada Lovelace
    first_name: Ada
    last_name: Lovelace
    usage_location: GB
    password: "{{ vault_initial_password }}"
    client_id: "{{ partnercenter_client_id }}"
    client_secret: "{{ partnercenter_client_secret }}"
    tenant_id: "{{ partnercenter_tenant_id }}"
    refresh_token: "{{ partnercenter_refresh_token }}"

- name: Set the connection options once for every module of the collection
  module_defaults:
    group/partnercenter.csp.partnercenter:
      client_id: "{{ partnercenter_client_id }}"
      client_secret: "{{ partnercenter_client_secret }}"
      tenant_id: "{{ partnercenter_tenant_id }}"
      refresh_token: "{{ partnercenter_refresh_token }}"
  block:
    - name: Preview a change without making it
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: ada@contoso.onmicrosoft.com
        display_name: Ada King
      check_mode: true
      diff: true

    - name: Rename a user, identified by its object ID
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_id: 482e2152-4b49-48ec-b715-823365ce3d4c
        user_principal_name: ada.king@contoso.onmicrosoft.com

    - name: Reset a password on every run (reports changed every time)
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: ada@contoso.onmicrosoft.com
        password: "{{ vault_new_password }}"
        update_password: always
        force_change_password: true

    - name: Give a user its licence and make it a User Administrator
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: ada@contoso.onmicrosoft.com
        licenses:
          add: [SPE_E3]
        directory_roles:
          add: [User Administrator]

    - name: Replace whatever licences a user has with Business Standard
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: grace@contoso.onmicrosoft.com
        licenses:
          set: [O365_BUSINESS_PREMIUM]

    - name: Offboard a leaver - release every licence (its seats) and role, then soft-delete it
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: former.employee@contoso.onmicrosoft.com
        state: absent
        licenses:
          set: []
        directory_roles:
          set: []

    - name: Soft-delete a user (restorable for 30 days; its licences are not touched)
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: ada@contoso.onmicrosoft.com
        state: absent

    - name: Restore the soft-deleted user
      partnercenter.csp.partnercenter_customer_user:
        customer_id: 46a62ece-10ad-42e5-b3f1-b2ed53e6fc08
        user_principal_name: ada@contoso.onmicrosoft.com
        state: present
"""

RETURN = r"""
action:
  description:
    - What the task did to the user (in check mode, would do), V(created), V(updated), V(restored), V(deleted) or
      V(unchanged); V(failed) when it failed (RV(writes) then says what was written before the failure).
    - A restored user that was also updated, or a created user that also got its licences, is V(restored) or V(created).
  returned: always
  type: str
  sample: created
writes:
  description:
    - The writes the task made (in check mode, would make), in order. Never holds a password.
    - C(operation) is V(create), V(restore), V(update) (with C(fields), the options written), V(reset_password),
      V(delete), V(update_licenses) (with C(license_group), C(assigned) and C(removed) part numbers), V(add_role) or
      V(remove_role) (with C(role)).
    - C(uncertain=true) marks a write whose answer was lost or was a server error (HTTP 5xx or 408) and whose retries
      failed, so it may or may not have been applied.
  returned: always
  type: list
  elements: dict
  sample: [{"operation": "create"}, {"operation": "update_licenses", "license_group": "group1", "assigned": ["SPE_E3"], "removed": []}]
user:
  description:
    - The user after the task; in check mode, the user as the task would leave it (a user that would be created has
      no RV(user.id) yet).
    - Never contains a password, although Partner Center echoes it when a user is created.
    - V(null) when O(state=absent) and the user does not exist, or went away before the task could delete it.
  returned: always
  type: dict
  contains:
    id:
      description: The user's object ID.
      type: str
      sample: 482e2152-4b49-48ec-b715-823365ce3d4c
    user_principal_name:
      description:
        - The user principal name.
        - After a restore, the name the user got back (its original name, without the soft delete's prefix).
        - For a user that stays soft-deleted (O(state=absent) on a soft-deleted user), the name as Partner Center lists
          it, which may carry the 32 hex digits a soft delete puts in front of the name. Right after this task deleted
          the user, the name it had (the service's delete answers no body).
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
      description: The usage location, a two-letter country code.
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
      description:
        - When the user was soft-deleted (UTC), the start of its 30-day restore window.
        - V(null) right after this task deleted the user, since Partner Center's delete answers no body;
          M(partnercenter.csp.partnercenter_customer_user_info) with O(partnercenter.csp.partnercenter_customer_user_info#module:deleted=true) reads it.
      type: str
      sample: null
    last_directory_sync_time:
      description: The last directory synchronisation (UTC), when Entra Connect syncs the tenant.
      type: str
      sample: null
    licenses:
      description: The user's licences after the task, as sorted SKU part numbers.
      returned: when O(licenses) is managed
      type: list
      elements: str
      sample: [SPE_E3]
    directory_roles:
      description: The user's directory roles after the task, as sorted role names.
      returned: when O(directory_roles) is managed
      type: list
      elements: str
      sample: [User Administrator]
diff:
  description:
    - The managed fields and the state before and after, with C(--diff), and the sorted licences and roles when the task
      manages them. A password that is set shows only as C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The fields before the task.
      type: dict
    after:
      description: The fields after the task.
      type: dict
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.facets import ConvergenceFailure
from ansible_collections.partnercenter.csp.plugins.module_utils.user_convergence import UserConvergence, UserSpec, find_user
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import user_options_spec, validate_user_options


def result_of(module, outcome):
    for warning in outcome.warnings:
        module.warn(warning)
    result = outcome.result()
    if module._diff:
        result["diff"] = outcome.diff()
    return result


def main():
    module = PartnerCenterModule(
        argument_spec=user_options_spec(),
        customer=True,
        required_one_of=[("user_id", "user_principal_name")],
        supports_check_mode=True,
    )
    try:
        validate_user_options(module.params)
        spec = UserSpec(module.params)
        context = CustomerContext.for_client(module.client, module.customer_id)
        convergence = UserConvergence(context, spec, find_user(context.users, spec)).read().plan()
        outcome = convergence.apply(module.check_mode)
    except UserInputError as error:
        module.fail_json(msg=str(error))
    except ConvergenceFailure as failure:
        module.fail_from_error(failure.error, msg=str(failure), **result_of(module, failure.outcome))
    except PartnerCenterError as error:
        module.fail_from_error(error)
    module.exit_json(**result_of(module, outcome))


if __name__ == "__main__":
    main()
