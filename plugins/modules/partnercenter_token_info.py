#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
module: partnercenter_token_info
short_description: Check the Partner Center App+User token before a run, and get the newest refresh token to store back
version_added: 0.3.0
description:
  - Redeems O(refresh_token) (or reuses the cached access token, or takes O(access_token) as it is) and reports what the
    access token says about itself, without any Partner Center request, so that a play can stop before its first call
    when the token would be refused.
  - The access token's claims are read from its payload; nothing is sent anywhere to read them, and the signature is not
    checked (the module only reports them).
  - With O(return_refresh_token=true) it also returns the newest refresh token of the lineage, so that a play can store
    it where O(refresh_token) comes from (an AWX credential, an ansible-vault file, HashiCorp Vault). A refresh token lives
    90 days from its own issue, however often it is used; see the collection's C(rotate_refresh_token.yml) playbook.
options:
  return_refresh_token:
    description:
      - Whether to return the newest refresh token in RV(refresh_token).
      - "The task B(must) carry C(no_log: true): the refresh token is a secret, and the module's return value is the one
        place the collection ever shows it. Register the result and pass it straight to the task that stores it (with
        C(no_log: true) there too)."
      - Needs O(refresh_token); with O(access_token) there is no refresh token to return.
    type: bool
    default: false
extends_documentation_fragment:
  - partnercenter.csp.connection
  - partnercenter.csp.attributes.INFO_MODULE
notes:
  - C(changed) is always V(false). A redeem (when no usable access token is cached) is a token request to Entra ID only,
    in check mode too; with O(rotate_refresh_token) it records the rotated refresh token in the token cache, as every
    module does.
  - Partner Center refuses App+User calls whose token lacks the MFA claim (error 900421). RV(token.mfa) shows it before
    any such call; a token from a consent made without MFA never gains it.
seealso:
  - module: partnercenter.csp.partnercenter_customer_user_info
    description: A first Partner Center read, once the token is known to be fit.
  - name: Refresh tokens in the Microsoft identity platform
    description: Their 90-day life and their rotation on every use.
    link: https://learn.microsoft.com/entra/identity-platform/refresh-tokens
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
- name: Check the token before the run
  partnercenter.csp.partnercenter_token_info:
  register: partnercenter_token

- name: Stop before any Partner Center call when the consent lacked MFA
  ansible.builtin.assert:
    that: partnercenter_token.token.mfa
    fail_msg: >-
      The refresh token of {{ partnercenter_token.token.user_principal_name }} carries no MFA claim: Partner Center will
      refuse it (900421). Redo the consent with an MFA-enforced account.

- name: Get the newest refresh token to store it back (never without no_log)
  partnercenter.csp.partnercenter_token_info:
    return_refresh_token: true
  register: partnercenter_newest
  no_log: true

- name: Store it in an ansible-vault encrypted file
  ansible.builtin.copy:
    content: "{{ {'partnercenter_refresh_token': partnercenter_newest.refresh_token} | to_nice_yaml | ansible.builtin.vault(vault_secret) }}"
    dest: group_vars/all/partnercenter_refresh_token.yml
    mode: "0600"
  no_log: true
  when: partnercenter_newest.refresh_token is not none
"""

RETURN = r"""
token:
  description: What the access token in use says about itself, and what the collection knows of the refresh token.
  returned: always
  type: dict
  contains:
    claims_readable:
      description: Whether the access token is a JWT whose claims could be read; when V(false), the other claims are null or empty.
      type: bool
      sample: true
    user_principal_name:
      description: The partner agent the token acts as (C(upn)).
      type: str
      sample: agent@contoso-partner.onmicrosoft.com
    tenant_id:
      description: The partner tenant that issued the token (C(tid)).
      type: str
      sample: 0b9c6b4d-0c7c-4e4f-9e6a-8d3c1e5f2a10
    client_id:
      description: The application the token was issued to (C(appid)).
      type: str
      sample: 00001111-aaaa-2222-bbbb-3333cccc4444
    mfa:
      description:
        - Whether the token carries the MFA claim (C(amr) holds C(mfa)). Partner Center refuses App+User calls without it
          (401, error 900421).
      type: bool
      sample: true
    authentication_methods:
      description: The token's C(amr) claim, how the agent signed in at consent.
      type: list
      elements: str
      sample: [pwd, mfa]
    scopes:
      description: The delegated scopes of the token (C(scp)).
      type: list
      elements: str
      sample: [user_impersonation]
    expires_on:
      description: When the access token expires (UTC, ISO 8601).
      type: str
      sample: "2026-12-05T12:40:00Z"
    refresh_token_first_seen:
      description:
        - When the collection first saw the refresh token in use (UTC, ISO 8601), from the token cache's rotation record;
          null when not known (no token cache, or O(access_token)).
      type: str
      sample: "2026-11-20T08:00:00Z"
    refresh_token_refused_after:
      description:
        - The latest time at which Entra ID refuses the refresh token in use (90 days after RV(token.refresh_token_first_seen);
          earlier if it was issued before the collection first saw it). Null when not known.
      type: str
      sample: "2027-02-18T08:00:00Z"
refresh_token:
  description:
    - The newest refresh token of the lineage, to store where O(refresh_token) comes from; null when none newer than
      O(refresh_token) is known (nothing to store back).
    - "A secret. The task must carry C(no_log: true)."
  returned: when O(return_refresh_token=true)
  type: str
  sample: null
"""

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError, option
from ansible_collections.partnercenter.csp.plugins.module_utils.token_claims import describe_token


def token_info(module):
    provider = module.connection.token_provider
    wanted = module.params["return_refresh_token"]
    if wanted and not provider.can_refresh:
        raise UserInputError("return_refresh_token needs %s: with %s there is no refresh token to return."
                             % (option("refresh_token"), option("access_token")))
    result = dict(changed=False, token=describe_token(provider.get_token(), provider.first_seen))
    if wanted:
        newest = provider.newest_refresh_token
        if newest == module.params["refresh_token"]:
            newest = None
        else:
            module.no_log_values.discard(newest)   # the one value this module returns on purpose (documented: no_log)
        result["refresh_token"] = newest
    return result


def main():
    module = PartnerCenterModule(argument_spec=dict(return_refresh_token=dict(type="bool", default=False, no_log=False)),
                                 supports_check_mode=True)
    module.run(lambda: token_info(module))


if __name__ == "__main__":
    main()
