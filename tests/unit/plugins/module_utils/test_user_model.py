# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils import user_model
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import UserInputError

CUSTOMER = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
GOOD_PASSWORD = "Correct-Horse-7"
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "recorded")


def load_fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return json.loads(handle.read().decode("utf-8-sig"))


def options(**overrides):
    base = dict(customer_id=CUSTOMER, user_principal_name="ada@contoso.onmicrosoft.com")
    base.update(overrides)
    return base


@pytest.mark.parametrize("overrides, option", [
    (dict(user_id="not-a-guid"), "user_id"),
    (dict(user_principal_name="ada"), "user_principal_name"),
    (dict(user_principal_name="ada@contoso"), "user_principal_name"),
    (dict(user_principal_name=".ada@contoso.onmicrosoft.com"), "user_principal_name"),
    (dict(user_principal_name="ada lovelace@contoso.onmicrosoft.com"), "user_principal_name"),
    (dict(user_principal_name=""), "user_principal_name"),
    (dict(display_name="  "), "display_name"),
    (dict(first_name=""), "first_name"),
    (dict(usage_location="USA"), "usage_location"),
    (dict(usage_location="1A"), "usage_location"),
    (dict(display_name="x" * 257), "display_name"),
    (dict(password="short1A"), "password"),
    (dict(password="alllowercaseletters"), "password"),
    (dict(password="lowercase-and-symbols"), "password"),
    (dict(user_principal_name=None), "user_id or user_principal_name"),
])
def test_malformed_options_are_refused_naming_the_option(overrides, option):
    with pytest.raises(UserInputError) as raised:
        user_model.validate_user_options(options(**overrides))
    assert option in str(raised.value)


@pytest.mark.parametrize("overrides, option", [
    (dict(user_id="482e2152-4b49-48ec-b715-823365ce3d4c\n"), "user_id"),
    (dict(user_principal_name="ada@contoso.onmicrosoft.com\n"), "user_principal_name"),
    (dict(usage_location="US\n"), "usage_location"),
    (dict(password="Correct-Horse-7\n"), "password"),
])
def test_a_trailing_newline_is_refused_naming_the_option(overrides, option):
    """Every pattern matches the whole string: with ^...$, re.match also took a value ending in a newline."""
    with pytest.raises(UserInputError) as raised:
        user_model.validate_user_options(options(**overrides))
    assert str(raised.value).startswith(option)


@pytest.mark.parametrize("pattern, value", [
    (user_model.GUID_RE, "482e2152-4b49-48ec-b715-823365ce3d4c"),
    (user_model.PASSWORD_CHARACTERS_RE, "Correct-Horse-7"),
    (user_model.FIELDS_BY_OPTION["user_principal_name"].pattern, "ada@contoso.onmicrosoft.com"),
    (user_model.FIELDS_BY_OPTION["usage_location"].pattern, "US"),
])
def test_each_input_pattern_matches_the_value_and_not_the_value_with_a_trailing_newline(pattern, value):
    assert pattern.match(value)
    for suffix in ("\n", "\r\n", " \n"):
        assert not pattern.match(value + suffix) and not pattern.search(value + suffix)
    assert not user_model.is_guid("482e2152-4b49-48ec-b715-823365ce3d4c\n")


@pytest.mark.parametrize("password", ["Zürich-Straße-7", "Pass-word-1\u00a0", "Pass\tword-1", "Pässwörd-Ünïcödé", "Emoji-Pass-1-\U0001f511"])
def test_passwords_with_characters_entra_id_refuses_are_refused(password):
    """Entra ID takes printable ASCII and the blank space only; anything else is refused before any request."""
    assert "printable ASCII" in user_model.password_problem(password)
    with pytest.raises(UserInputError) as raised:
        user_model.validate_user_options(options(password=password))
    assert "password" in str(raised.value) and "printable ASCII" in str(raised.value)
    assert password not in str(raised.value)


def test_password_errors_state_the_policy_but_never_the_password():
    secret = "weakpassword"
    with pytest.raises(UserInputError) as raised:
        user_model.validate_user_options(options(password=secret))
    assert secret not in str(raised.value)
    assert "at least three" in str(raised.value)


@pytest.mark.parametrize("overrides", [
    dict(),
    dict(user_id="482E2152-4B49-48EC-B715-823365CE3D4C"),
    dict(usage_location="us"),
    dict(password=GOOD_PASSWORD),
    dict(password="Zurich Strasse 7"),
    dict(display_name="Zoë Ådahl 山田"),
    dict(user_principal_name="o'brien_x-y.z@sub.contoso.onmicrosoft.com"),
])
def test_valid_options_pass(overrides):
    user_model.validate_user_options(options(**overrides))


def test_lookup_validation_does_not_require_identity():
    user_model.validate_lookup_options(dict(customer_id=CUSTOMER))
    with pytest.raises(UserInputError, match="user_id"):
        user_model.validate_lookup_options(dict(customer_id=CUSTOMER, user_id="x"))


def test_desired_fields_keep_only_given_options():
    desired = user_model.desired_fields(dict(user_principal_name="a@b.com", display_name="A", first_name=None, password="x", state="present"))
    assert desired == {"user_principal_name": "a@b.com", "display_name": "A"}


def test_user_from_api_maps_every_field_and_drops_the_password():
    created = {
        "id": "u1", "userPrincipalName": "a@b.com", "displayName": "A", "firstName": "F", "lastName": "L",
        "usageLocation": "US", "immutableId": "imm", "state": "active", "userDomainType": "none",
        "softDeletionTime": None, "lastDirectorySyncTime": None,
        "passwordProfile": {"password": "Secret-Passw0rd", "forceChangePassword": True},
        "links": {}, "attributes": {"objectType": "CustomerUser"},
    }
    user = user_model.user_from_api(created)
    assert user == {
        "id": "u1", "user_principal_name": "a@b.com", "display_name": "A", "first_name": "F", "last_name": "L",
        "usage_location": "US", "immutable_id": "imm", "state": "active", "user_domain_type": "none",
        "soft_deletion_time": None, "last_directory_sync_time": None,
    }
    assert "Secret-Passw0rd" not in json.dumps(user)


def test_recorded_users_map_as_they_are():
    listing = load_fixture("GetCustomerUserAll.json.bin")
    users = [user_model.user_from_api(item) for item in listing["items"]]
    assert users[0]["user_principal_name"] == "Daniel@dtdemocspcustomer005.onmicrosoft.com"
    assert users[0]["usage_location"] == "US"
    # the tenant admin has no usageLocation in the recorded body
    assert users[1]["usage_location"] is None
    deleted = user_model.user_from_api(load_fixture("GetCustomerUserAllDeleted.json.bin")["items"][0])
    assert deleted["state"] == "inactive"
    assert deleted["soft_deletion_time"] == "2017-01-20T00:33:34Z"
    single = user_model.user_from_api(load_fixture("GetCustomerUserById.json.bin"))
    assert single["display_name"] == "Jade Azul"


@pytest.mark.parametrize("desired, current, expected", [
    ({"display_name": "A"}, {"display_name": "A"}, {}),
    ({"display_name": "A"}, {"display_name": "B"}, {"display_name": "A"}),
    ({"display_name": "a"}, {"display_name": "A"}, {"display_name": "a"}),
    ({"usage_location": "us"}, {"usage_location": "US"}, {}),
    ({"usage_location": "DE"}, {"usage_location": "US"}, {"usage_location": "DE"}),
    ({"usage_location": "DE"}, {"usage_location": None}, {"usage_location": "DE"}),
    ({"user_principal_name": "Ada@Contoso.com"}, {"user_principal_name": "ada@contoso.com"}, {}),
    ({"user_principal_name": "ada2@contoso.com"}, {"user_principal_name": "ada@contoso.com"}, {"user_principal_name": "ada2@contoso.com"}),
    ({}, {"display_name": "untouched"}, {}),
])
def test_changed_fields_compare_only_given_options(desired, current, expected):
    assert user_model.changed_fields(desired, current) == expected


def test_bodies_use_the_service_camel_case():
    desired = {"user_principal_name": "a@b.com", "display_name": "A", "usage_location": "US", "immutable_id": "x"}
    body = user_model.create_body(desired, GOOD_PASSWORD, False)
    assert body == {
        "userPrincipalName": "a@b.com", "displayName": "A", "usageLocation": "US", "immutableId": "x",
        "passwordProfile": {"password": GOOD_PASSWORD, "forceChangePassword": False},
        "attributes": {"objectType": "CustomerUser"},
    }
    assert user_model.update_body({"first_name": "F"}) == {"firstName": "F", "attributes": {"objectType": "CustomerUser"}}
    assert user_model.restore_body() == {"state": "active", "attributes": {"objectType": "CustomerUser"}}
    assert user_model.password_body(GOOD_PASSWORD, True)["passwordProfile"] == {"password": GOOD_PASSWORD, "forceChangePassword": True}


def test_predicted_user_applies_changes_and_state():
    current = user_model.user_from_api(load_fixture("GetCustomerUserAllDeleted.json.bin")["items"][0])
    predicted = user_model.predicted_user(current, {"display_name": "Back"}, "active")
    assert predicted["display_name"] == "Back"
    assert predicted["state"] == "active"
    assert predicted["soft_deletion_time"] is None
    assert predicted["id"] == current["id"]
    created = user_model.predicted_user(None, {"display_name": "New"}, "active")
    assert created["id"] is None and created["display_name"] == "New"


def test_diff_shows_a_placeholder_never_the_password():
    before = user_model.user_from_api(load_fixture("GetCustomerUserById.json.bin"))
    after = dict(before, display_name="Jade Blue")
    diff = user_model.build_diff(before, after, password_set=True)
    assert diff["before"]["display_name"] == "Jade Azul"
    assert diff["after"]["display_name"] == "Jade Blue"
    assert diff["before"]["password"] == user_model.PASSWORD_PLACEHOLDER
    assert diff["after"]["password"] == user_model.PASSWORD_PLACEHOLDER + " - changed"
    assert "id" not in diff["after"]
    created = user_model.build_diff(None, after, password_set=True)
    assert created["before"] == {"state": "absent"}
    no_password = user_model.build_diff(before, after, password_set=False)
    assert "password" not in no_password["before"] and "password" not in no_password["after"]


def test_options_named_like_a_password_but_not_secret_say_so():
    """AnsibleModule warns about an option whose name contains "pass" unless its no_log is set either way."""
    spec = user_model.user_options_spec()
    assert spec["force_change_password"]["no_log"] is False
    assert spec["update_password"]["no_log"] is False


def test_user_options_spec_marks_the_password_no_log():
    spec = user_model.user_options_spec()
    assert spec["password"]["no_log"] is True
    assert spec["update_password"]["default"] == "on_create"
    assert spec["force_change_password"]["default"] is True


@pytest.mark.parametrize("overrides, words", [
    (dict(licenses=dict(add=["SPE_E3"])), "licenses.add cannot be used with state=absent"),
    (dict(licenses=dict(add=[])), "licenses.add cannot be used with state=absent"),
    (dict(licenses=dict(set=["SPE_E3"])), "licenses.set must be empty ([]) with state=absent: a user being deleted can only "
                                          "give back what it holds, got SPE_E3"),
    (dict(directory_roles=dict(add=["User Administrator"])), "directory_roles.add cannot be used with state=absent"),
    (dict(directory_roles=dict(set=["User Administrator"])), "directory_roles.set must be empty"),
])
def test_state_absent_refuses_what_would_give_the_user_something(overrides, words):
    with pytest.raises(UserInputError) as raised:
        user_model.validate_user_options(options(state="absent", **overrides))
    assert words in str(raised.value)
    user_model.validate_user_options(options(state="present", **overrides))


@pytest.mark.parametrize("overrides", [
    dict(licenses=dict(set=[]), directory_roles=dict(set=[])),
    dict(licenses=dict(remove=["SPE_E3"]), directory_roles=dict(remove=["User Administrator"])),
    dict(licenses=dict(add=None, remove=None, set=None)),
])
def test_state_absent_takes_remove_and_an_empty_set(overrides):
    user_model.validate_user_options(options(state="absent", **overrides))
