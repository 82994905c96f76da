# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Pure functions over customer users: validation, mapping, comparison, diff.

Nothing here does I/O, so every rule is unit tested without HTTP.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# Module option -> Partner Center (camelCase) key, for the fields a task may manage.
MANAGED_FIELDS = (
    ("user_principal_name", "userPrincipalName"),
    ("display_name", "displayName"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("usage_location", "usageLocation"),
    ("immutable_id", "immutableId"),
)

# Everything returned to the user, in this order; never a password.
RETURNED_FIELDS = (
    ("id", "id"),
) + MANAGED_FIELDS + (
    ("state", "state"),
    ("user_domain_type", "userDomainType"),
    ("soft_deletion_time", "softDeletionTime"),
    ("last_directory_sync_time", "lastDirectorySyncTime"),
)

# Entra ID compares these case-insensitively, so a case change is no difference.
CASE_INSENSITIVE_FIELDS = frozenset(("user_principal_name", "usage_location"))

OBJECT_TYPE = {"objectType": "CustomerUser"}
# ansible-core's own mask for no_log values, so users recognise it in a diff.
PASSWORD_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Entra ID: local part of letters, digits and . - _ ! # ^ ~ ' (no leading or trailing dot),
# a domain of dot-separated labels.
UPN_RE = re.compile(
    r"^(?!\.)[A-Za-z0-9.\-_!#^~']{1,64}(?<!\.)@"
    r"(?=.{1,255}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
USAGE_LOCATION_RE = re.compile(r"^[A-Za-z]{2}$")

MAX_LENGTHS = {"display_name": 256, "first_name": 64, "last_name": 64, "immutable_id": 256}

PASSWORD_POLICY = (
    "8 to 256 characters with characters from at least three of: lowercase letters, "
    "uppercase letters, digits, symbols; printable ASCII and spaces only (the Entra ID default policy)"
)
# Entra ID takes letters, digits, symbols and the blank space of ASCII in a password, no other Unicode character.
PASSWORD_CHARACTERS_RE = re.compile(r"^[\x20-\x7e]*$")


class UserInputError(ValueError):
    """A task's options that cannot work; the message names the option."""


def user_options_spec():
    """The options that describe one user, shared by the single-user and the bulk module."""
    return dict(
        user_id=dict(type="str"),
        user_principal_name=dict(type="str"),
        display_name=dict(type="str"),
        first_name=dict(type="str"),
        last_name=dict(type="str"),
        usage_location=dict(type="str"),
        immutable_id=dict(type="str"),
        password=dict(type="str", no_log=True),
        force_change_password=dict(type="bool", default=True, no_log=False),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


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


def _check_not_empty(params, options):
    for option in options:
        value = params.get(option)
        if value is not None and not value.strip():
            raise UserInputError("%s must not be empty; leave the option out to keep the current value" % option)


def validate_lookup_options(params):
    """Refuse a malformed customer_id, user_id or user_principal_name; raises UserInputError."""
    if not is_guid(params.get("customer_id")):
        raise UserInputError("customer_id must be the customer tenant's GUID, got %r" % params.get("customer_id"))
    user_id = params.get("user_id")
    if user_id is not None and not is_guid(user_id):
        raise UserInputError("user_id must be a GUID, got %r" % user_id)
    _check_not_empty(params, ("user_principal_name",))
    upn = params.get("user_principal_name")
    if upn is not None and not UPN_RE.match(upn):
        raise UserInputError(
            "user_principal_name must look like alias@domain (for example ada@contoso.onmicrosoft.com), got %r" % upn)


def validate_user_options(params):
    """Refuse what is wrong on its face, before any request.

    params holds the options of one user (customer_id included); raises UserInputError.
    """
    validate_lookup_options(params)
    if params.get("user_id") is None and params.get("user_principal_name") is None:
        raise UserInputError("one of user_id or user_principal_name is required to identify the user")
    _check_not_empty(params, [option for option, _key in MANAGED_FIELDS])
    location = params.get("usage_location")
    if location is not None and not USAGE_LOCATION_RE.match(location):
        raise UserInputError(
            "usage_location must be a two-letter ISO 3166-1 country code such as US or DE, got %r" % location)
    for option, limit in MAX_LENGTHS.items():
        value = params.get(option)
        if value is not None and len(value) > limit:
            raise UserInputError("%s must be at most %d characters, got %d" % (option, limit, len(value)))
    password = params.get("password")
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise UserInputError("password does not meet the password policy (%s): it %s" % (PASSWORD_POLICY, problem))


def desired_fields(params):
    """The managed fields the task gave, as {option: value}; options left out are not managed."""
    return dict((option, params[option]) for option, _key in MANAGED_FIELDS if params.get(option) is not None)


def user_from_api(api_user):
    """A Partner Center user as the modules return it: snake_case keys, no password."""
    if api_user is None:
        return None
    return dict((option, api_user.get(key)) for option, key in RETURNED_FIELDS)


def _same(option, wanted, current):
    if current is None:
        return False
    if option in CASE_INSENSITIVE_FIELDS:
        return wanted.lower() == current.lower()
    return wanted == current


def changed_fields(desired, current_user):
    """{option: desired value} for the desired fields that differ from current_user (snake_case)."""
    return dict(
        (option, value) for option, value in desired.items()
        if not _same(option, value, current_user.get(option))
    )


def to_api(fields):
    """snake_case options -> the Partner Center body keys."""
    keys = dict(MANAGED_FIELDS)
    return dict((keys[option], value) for option, value in fields.items())


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


def restore_body():
    return {"state": "active", "attributes": dict(OBJECT_TYPE)}


def predicted_user(current_user, changes, state):
    """What a write would leave behind, for check mode: the current user with the changes applied."""
    user = dict(current_user) if current_user else dict((option, None) for option, _key in RETURNED_FIELDS)
    user.update(changes)
    user["state"] = state
    if state == "active":
        user["soft_deletion_time"] = None
    return user


def diff_side(user, password_note=None):
    """One side of --diff: the managed fields and the state, never a password.

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
    """before/after for --diff; a password that is set shows only as a placeholder."""
    before_note = after_note = None
    if password_set:
        before_note = PASSWORD_PLACEHOLDER if before_user is not None else None
        after_note = PASSWORD_PLACEHOLDER + " - changed"
    return {"before": diff_side(before_user, before_note), "after": diff_side(after_user, after_note)}
