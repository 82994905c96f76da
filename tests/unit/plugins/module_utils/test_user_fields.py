# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The field table is the one source of the user fields: every hand-written list of them is held against it here.

DOCUMENTATION and RETURN are literals ansible-doc reads, and the role's argument_specs are YAML, so none can be
generated from the table; this test fails as soon as one of them drifts from it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.partnercenter.csp.plugins.module_utils.user_fields import RETURNED_AFTER, RETURNED_BEFORE, USER_FIELDS
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import RETURNED_FIELDS, user_options_spec
from ansible_collections.partnercenter.csp.plugins.modules import (
    partnercenter_customer_audit_info,
    partnercenter_customer_user,
    partnercenter_customer_user_info,
    partnercenter_customer_users,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
ROLE = os.path.join(ROOT, "roles", "tenant_onboarding")
FIELD_OPTIONS = [field.option for field in USER_FIELDS]
LIST_OPTIONS = {"licenses", "directory_roles"}


def yaml_of(text):
    return yaml.safe_load(text)


def role_user_options():
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        spec = yaml.safe_load(handle)
    return spec["argument_specs"]["main"]["options"]["partnercenter_users"]["options"]


def documented_user_options():
    """(where, {option: doc}) of every hand-written description of one user's options."""
    single = yaml_of(partnercenter_customer_user.DOCUMENTATION)["options"]
    bulk = yaml_of(partnercenter_customer_users.DOCUMENTATION)["options"]["users"]["suboptions"]
    audit = yaml_of(partnercenter_customer_audit_info.DOCUMENTATION)["options"]["users"]["suboptions"]
    return [
        ("partnercenter_customer_user DOCUMENTATION", dict((k, v) for k, v in single.items() if k != "customer_id")),
        ("partnercenter_customer_users DOCUMENTATION users", bulk),
        ("partnercenter_customer_audit_info DOCUMENTATION users", audit),
        ("tenant_onboarding argument_specs partnercenter_users", role_user_options()),
    ]


@pytest.mark.parametrize("where, options", documented_user_options())
def test_every_description_of_a_user_has_exactly_the_specs_options_and_types(where, options):
    spec = user_options_spec()
    assert set(options) == set(spec), "%s: %s" % (where, set(options) ^ set(spec))
    for name, entry in spec.items():
        assert options[name].get("type", "str") == entry["type"], (where, name)
        if "argument_specs" in where:   # module docs carry no no_log; the spec does
            assert bool(options[name].get("no_log")) == bool(entry.get("no_log")), (where, name)
        if entry["type"] == "dict":
            sub = options[name].get("suboptions") or options[name].get("options")
            assert set(sub) == set(entry["options"]), (where, name)
            assert all(sub[key]["type"] == "list" and sub[key]["elements"] == "str" for key in sub), (where, name)


def test_the_table_fields_are_plain_strings_in_the_spec():
    spec = user_options_spec()
    assert [name for name in spec if name in FIELD_OPTIONS] == FIELD_OPTIONS, "table order"
    assert all(spec[name] == {"type": "str"} for name in FIELD_OPTIONS)


def test_returned_user_keys_follow_the_table():
    expected = [option for option, _key in RETURNED_BEFORE] + FIELD_OPTIONS + [option for option, _key in RETURNED_AFTER]
    assert [option for option, _key in RETURNED_FIELDS] == expected
    user = yaml_of(partnercenter_customer_user.RETURN)["user"]["contains"]
    assert list(user) == expected + ["licenses", "directory_roles"]
    assert all("returned" in user[name] for name in LIST_OPTIONS), "only when the task manages them"
    info_user = yaml_of(partnercenter_customer_user_info.RETURN)["users"]["contains"]
    assert list(info_user) == expected


def test_the_role_readme_names_every_user_option():
    with open(os.path.join(ROLE, "README.md")) as handle:
        readme = handle.read()
    for name in user_options_spec():
        assert "`%s`" % name in readme, name
    for name in ("partnercenter_default_licenses", "partnercenter_default_directory_roles"):
        assert "`%s`" % name in readme, name


def test_camel_case_keys_are_unique_and_match_partner_centers():
    keys = [field.api_key for field in USER_FIELDS]
    assert len(set(keys)) == len(keys)
    assert keys == ["userPrincipalName", "displayName", "firstName", "lastName", "usageLocation", "immutableId"]
