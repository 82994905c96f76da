# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Pure functions over customer users, derived from the field table in user_fields.py:
argument spec, validation, camelCase <-> snake_case, comparison, request bodies, prediction, diff.

Nothing here does I/O, so every rule is unit tested without HTTP.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.list_changes import list_option_spec, validate_list_option, validate_release
from ansible_collections.partnercenter.csp.plugins.module_utils.user_fields import (
    CASEFOLD,
    RETURNED_AFTER,
    RETURNED_BEFORE,
    USER_FIELDS,
)

__all__ = ("UserInputError",)   # re-exported: callers catch it from here

# (option, Partner Center key) of the managed fields, in table order.
MANAGED_FIELDS = tuple((field.option, field.api_key) for field in USER_FIELDS)
# Everything returned to the user, in this order; never a password.
RETURNED_FIELDS = RETURNED_BEFORE + MANAGED_FIELDS + RETURNED_AFTER
FIELDS_BY_OPTION = dict((field.option, field) for field in USER_FIELDS)
CREATE_REQUIRES = tuple(field.option for field in USER_FIELDS if field.create_required)
# The list options of a user, each a facet of its own (license_facet.py, role_facet.py).
LIST_OPTIONS = ("licenses", "directory_roles")

OBJECT_TYPE = {"objectType": "CustomerUser"}
# ansible-core's own mask for no_log values, so users recognise it in a diff.
PASSWORD_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

# \Z, not $ (which also matches before a final newline): the whole string or nothing.
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")

PASSWORD_POLICY = (
    "8 to 256 characters with characters from at least three of: lowercase letters, "
    "uppercase letters, digits, symbols; printable ASCII and spaces only (the Entra ID default policy)"
)
# Entra ID takes letters, digits, symbols and the blank space of ASCII in a password, no other Unicode character.
PASSWORD_CHARACTERS_RE = re.compile(r"^[\x20-\x7e]*\Z")


def user_options_spec():
    """The options that describe one user, shared by the single-user module, the bulk module's users and the role."""
    spec = dict(user_id=dict(type="str"))
    for field in USER_FIELDS:
        spec[field.option] = dict(type=field.type)
    spec.update(
        password=dict(type="str", no_log=True),
        force_change_password=dict(type="bool", default=True, no_log=False),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    for name in LIST_OPTIONS:
        spec[name] = list_option_spec()
    return spec


def is_guid(value):
    return bool(GUID_RE.match(value or ""))


def password_problem(password):
    """Why the password breaks the Entra ID default policy, or None. Never echoes it."""
    if not 8 <= len(password) <= 256:
        return "is shorter than 8 or longer than 256 characters"
    if not PASSWORD_CHARACTERS_RE.match(password):
        return "has a character that is not printable ASCII (such as a letter with an accent)"
    classes = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    if sum(classes) < 3:
        return "uses characters from only %d of the four classes" % sum(classes)
    return None


def _check_field(field, value):
    if value is None:
        return
    if not value.strip():
        raise UserInputError("%s must not be empty; leave the option out to keep the current value" % field.option)
    if field.pattern is not None and not field.pattern.match(value):
        raise UserInputError("%s must %s, got %r" % (field.option, field.pattern_hint, value))
    if field.max_length is not None and len(value) > field.max_length:
        raise UserInputError("%s must be at most %d characters, got %d" % (field.option, field.max_length, len(value)))


def validate_lookup_options(params):
    """Refuse a malformed user_id or user_principal_name; raises UserInputError. (The customer options are checked
    when the module starts: ansible_module.check_customer_options.)"""
    user_id = params.get("user_id")
    if user_id is not None and not is_guid(user_id):
        raise UserInputError("user_id must be a GUID, got %r" % user_id)
    _check_field(FIELDS_BY_OPTION["user_principal_name"], params.get("user_principal_name"))


def validate_user_options(params, prefix=""):
    """Refuse what is wrong on its face, before any request.

    params holds the options of one user; prefix names where they come
    from in messages about list options ("users[2]."); raises UserInputError.
    """
    validate_lookup_options(params)
    if params.get("user_id") is None and params.get("user_principal_name") is None:
        raise UserInputError("one of user_id or user_principal_name is required to identify the user")
    for field in USER_FIELDS:
        _check_field(field, params.get(field.option))
    password = params.get("password")
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise UserInputError("password does not meet the password policy (%s): it %s" % (PASSWORD_POLICY, problem))
    for name in LIST_OPTIONS:
        validate_list_option(prefix + name, params.get(name))
        if params.get("state") == "absent":
            validate_release(prefix + name, params.get(name))


def desired_fields(params):
    """The managed fields the task gave, as {option: value}; options left out are not managed."""
    return dict((field.option, params[field.option]) for field in USER_FIELDS if params.get(field.option) is not None)


def user_from_api(api_user):
    """A Partner Center user as the modules return it: snake_case keys, no password."""
    if api_user is None:
        return None
    return dict((option, api_user.get(key)) for option, key in RETURNED_FIELDS)


def same_value(option, wanted, current):
    """Whether a desired value equals the current one, by the field's comparison."""
    if current is None or wanted is None:
        return wanted is None and current is None
    if FIELDS_BY_OPTION[option].compare == CASEFOLD:
        return wanted.lower() == current.lower()
    return wanted == current


def changed_fields(desired, current_user):
    """{option: desired value} for the desired fields that differ from current_user (snake_case)."""
    return dict((option, value) for option, value in desired.items() if not same_value(option, value, current_user.get(option)))


def to_api(fields):
    """snake_case options -> the Partner Center body keys."""
    return dict((FIELDS_BY_OPTION[option].api_key, value) for option, value in fields.items())


def missing_for_create(desired, password):
    """The options a new user needs that the task did not give, in table order (password last)."""
    missing = [option for option in CREATE_REQUIRES if option not in desired]
    if password is None:
        missing.append("password")
    return missing


def create_body(desired, password, force_change_password):
    body = to_api(desired)
    body["passwordProfile"] = {"password": password, "forceChangePassword": force_change_password}
    body["attributes"] = dict(OBJECT_TYPE)
    return body


def update_body(changes):
    body = to_api(changes)
    body["attributes"] = dict(OBJECT_TYPE)
    return body


def password_body(password, force_change_password):
    return {
        "passwordProfile": {"password": password, "forceChangePassword": force_change_password},
        "attributes": dict(OBJECT_TYPE),
    }


def active_user_named(users, upn):
    """The first active user (Partner Center dicts) named upn exactly, ignoring case, or None. Stops reading there."""
    wanted = upn.lower()
    return next((user for user in users if (user.get("userPrincipalName") or "").lower() == wanted), None)


def restore_body():
    return {"state": "active", "attributes": dict(OBJECT_TYPE)}


def predicted_user(current_user, changes, state):
    """What a write would leave behind: the current user with the changes applied (check mode, unreadable answers)."""
    user = dict(current_user) if current_user else dict((option, None) for option, _key in RETURNED_FIELDS)
    user.update(changes)
    user["state"] = state
    if state == "active":
        user["soft_deletion_time"] = None
    return user


def diff_side(user, password_note=None):
    """The profile part of one side of --diff: the managed fields and the state, never a password.

    password_note is None (no password involved), or a string shown in place of it.
    """
    if user is None:
        side = {"state": "absent"}
    else:
        side = dict((option, user.get(option)) for option, _key in MANAGED_FIELDS)
        side["state"] = user.get("state")
    if password_note is not None:
        side["password"] = password_note
    return side


def build_diff(before_user, after_user, password_set):
    """before/after of the profile for --diff; a password that is set shows only as a placeholder."""
    before_note = after_note = None
    if password_set:
        before_note = PASSWORD_PLACEHOLDER if before_user is not None else None
        after_note = PASSWORD_PLACEHOLDER + " - changed"
    return {"before": diff_side(before_user, before_note), "after": diff_side(after_user, after_note)}
