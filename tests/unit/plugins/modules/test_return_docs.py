# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RETURN documents exactly what the modules return (azure_rm_aduser's RETURN drifted from its output)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import yaml

from ansible_collections.partnercenter.csp.plugins.modules import (
    partnercenter_customer_directory_role_info,
    partnercenter_customer_sku_info,
    partnercenter_customer_user,
    partnercenter_customer_user_info,
    partnercenter_customer_users,
)
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import USER_ADMIN, api_user

# Keys every module result may carry that RETURN does not document.
COMMON_KEYS = {"changed", "invocation", "warnings", "deprecations", "failed", "msg"}
PASSWORD = "Correct-Horse-7"
NEW_USER = dict(user_principal_name="ada@contoso.onmicrosoft.com", display_name="Ada", usage_location="GB", password=PASSWORD)


def documented(module):
    return yaml.safe_load(module.RETURN)


def assert_matches(result, doc):
    assert set(result) - COMMON_KEYS <= set(doc), set(result) - COMMON_KEYS - set(doc)


def always_returned(contains):
    """The keys of a RETURN dict that carry no returned: condition of their own."""
    return set(key for key, value in contains.items() if "returned" not in value)


def test_partnercenter_customer_user_returns_what_return_documents(run_module):
    doc = documented(partnercenter_customer_user)
    user_keys = always_returned(doc["user"]["contains"])
    for check_mode in (True, False):
        result, _out = run_module(partnercenter_customer_user, check_mode=check_mode, diff=True, **NEW_USER)
        assert_matches(result, doc)
        assert set(result["user"]) == user_keys
        assert set(result["diff"]) == set(doc["diff"]["contains"])
    updated, _out = run_module(partnercenter_customer_user, user_principal_name=NEW_USER["user_principal_name"], display_name="B")
    assert set(updated["user"]) == user_keys and "diff" not in updated


def test_partnercenter_customer_user_info_returns_what_return_documents(run_module):
    run_module.api.users = dict((u["id"], u) for u in [api_user("a@contoso.onmicrosoft.com"), api_user("b@contoso.onmicrosoft.com")])
    doc = documented(partnercenter_customer_user_info)
    result, _out = run_module(partnercenter_customer_user_info)
    assert_matches(result, doc)
    assert len(result["users"]) == 2
    for user in result["users"]:
        assert set(user) == set(doc["users"]["contains"])


def test_partnercenter_customer_users_returns_what_return_documents(run_module):
    doc = documented(partnercenter_customer_users)
    result, _out = run_module(partnercenter_customer_users, diff=True, users=[NEW_USER])
    assert_matches(result, doc)
    assert set(result["summary"]) == set(doc["summary"]["contains"])
    documented_result_keys = set(doc["results"]["contains"])
    for item in result["results"]:
        assert set(item) <= documented_result_keys
        assert set(item["user"]) == always_returned(documented(partnercenter_customer_user)["user"]["contains"])


def test_partnercenter_customer_user_with_licences_and_roles_returns_every_documented_user_key(run_module):
    doc = documented(partnercenter_customer_user)
    result, _out = run_module(partnercenter_customer_user, licenses=dict(add=["SPE_E3"]), directory_roles=dict(add=["User Administrator"]),
                              **NEW_USER)
    assert set(result["user"]) == set(doc["user"]["contains"])
    assert result["user"]["licenses"] == ["SPE_E3"] and result["user"]["directory_roles"] == ["User Administrator"]
    assert [write["operation"] for write in result["writes"]] == ["create", "update_licenses", "add_role"]


def test_partnercenter_customer_sku_info_returns_what_return_documents(run_module):
    doc = documented(partnercenter_customer_sku_info)
    result, _out = run_module(partnercenter_customer_sku_info)
    assert_matches(result, doc)
    assert len(result["skus"]) == 3
    for sku in result["skus"]:
        assert set(sku) == set(doc["skus"]["contains"])
    assert result["skus"][0]["sku_part_number"] == "SPE_E3" and result["skus"][0]["available_units"] == 10


def test_partnercenter_customer_directory_role_info_returns_what_return_documents(run_module):
    user = api_user("a@contoso.onmicrosoft.com")
    run_module.api.users[user["id"]] = user
    run_module.roles.member_ids[USER_ADMIN["id"]].add(user["id"])
    doc = documented(partnercenter_customer_directory_role_info)
    tenant, _out = run_module(partnercenter_customer_directory_role_info)
    assert_matches(tenant, doc)
    assert len(tenant["directory_roles"]) == 3 and set(tenant["directory_roles"][0]) == set(doc["directory_roles"]["contains"])
    mine, _out = run_module(partnercenter_customer_directory_role_info, user_principal_name="A@contoso.onmicrosoft.com")
    assert mine["directory_roles"] == [dict(id=USER_ADMIN["id"], name="User Administrator")]
    missing, _out = run_module(partnercenter_customer_directory_role_info, user_principal_name="nobody@contoso.onmicrosoft.com")
    assert missing["failed"] is True and "nobody@contoso.onmicrosoft.com is not an active user" in missing["msg"]
