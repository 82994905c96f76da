# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Bring one customer user to the state a task asks for: create, update, restore, delete.

Reads happen before writes; check mode stops before every write and predicts the result.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.customer_users import is_already_exists
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import (
    UserInputError,
    build_diff,
    changed_fields,
    create_body,
    desired_fields,
    password_body,
    predicted_user,
    restore_body,
    update_body,
    user_from_api,
)

CREATE_REQUIRES = ("user_principal_name", "display_name", "usage_location")
ACTIONS = ("created", "updated", "restored", "deleted", "unchanged")


class UserSpec:
    """One user as a task describes it."""

    def __init__(self, options):
        self.user_id = options.get("user_id")
        self.user_principal_name = options.get("user_principal_name")
        self.desired = desired_fields(options)
        self.password = options.get("password")
        self.force_change_password = options.get("force_change_password", True)
        self.update_password = options.get("update_password") or "on_create"
        self.state = options.get("state") or "present"

    @property
    def label(self):
        return self.user_principal_name or self.user_id

    def keys(self):
        """What makes two specs the same user."""
        keys = []
        if self.user_id:
            keys.append("id:" + self.user_id.lower())
        if self.user_principal_name:
            keys.append("upn:" + self.user_principal_name.lower())
        return keys


class Outcome:
    """What converging one user did (or, in check mode, would do)."""

    def __init__(self, action, before, after, password_set=False):
        self.action = action
        self.before = before
        self.after = after
        self.password_set = password_set

    @property
    def changed(self):
        return self.action != "unchanged"

    def diff(self):
        return build_diff(self.before, self.after, self.password_set)


def find_user(api, spec):
    """The user the spec names, active or soft-deleted (Partner Center's camelCase dict), or None."""
    if spec.user_id:
        return api.get(spec.user_id) or api.find_deleted_by_id(spec.user_id)
    return api.find_by_upn(spec.user_principal_name)


class UserIndex:
    """The customer's users, read once: the active list on first use, the soft-deleted list
    only when a user is not among the active ones."""

    def __init__(self, api):
        self.api = api
        self._lists = {}

    def _listing(self, name):
        if name not in self._lists:
            users = self.api.list_active() if name == "active" else self.api.list_deleted()
            by_key = {}
            for user in users:
                by_key["id:" + (user.get("id") or "").lower()] = user
                by_key["upn:" + (user.get("userPrincipalName") or "").lower()] = user
            self._lists[name] = by_key
        return self._lists[name]

    def find(self, spec):
        key = spec.keys()[0]
        for name in ("active", "deleted"):
            user = self._listing(name).get(key)
            if user is not None:
                return user
        return None


def check_creatable(spec, current):
    """Refuse, before any write, a user that would have to be created but cannot be."""
    if spec.state != "present" or current is not None:
        return
    if spec.user_id:
        raise UserInputError(
            "user_id %s matches no active or soft-deleted user of this customer; to create a user, "
            "give user_principal_name without user_id" % spec.user_id)
    missing = [option for option in CREATE_REQUIRES if option not in spec.desired]
    if spec.password is None:
        missing.append("password")
    if missing:
        raise UserInputError(
            "user %s does not exist, and creating it needs %s" % (spec.user_principal_name, ", ".join(missing)))


def converge(api, spec, current, check_mode):
    """Converge one user whose current state (camelCase dict or None) was read already."""
    if spec.state == "absent":
        return _remove(api, current, check_mode)
    if current is None:
        return _create(api, spec, check_mode)
    return _apply(api, spec, current, check_mode)


def _remove(api, current, check_mode):
    user = user_from_api(current)
    if user is None or user["state"] != "active":
        return Outcome("unchanged", user, user)
    if not check_mode:
        api.delete(user["id"])
    return Outcome("deleted", user, predicted_user(user, {}, "inactive"))


def _create(api, spec, check_mode):
    check_creatable(spec, None)
    if check_mode:
        return Outcome("created", None, predicted_user(None, spec.desired, "active"), password_set=True)
    body = create_body(spec.desired, spec.password, spec.force_change_password)
    try:
        created = api.create(body)
    except PartnerCenterError as error:
        if not is_already_exists(error):
            raise
        # Another run created the user after our read: converge on what it made.
        current = api.find_by_upn(spec.user_principal_name)
        if current is None:
            raise
        return _apply(api, spec, current, check_mode)
    return Outcome("created", None, user_from_api(created), password_set=True)


def _apply(api, spec, current, check_mode):
    """Restore a soft-deleted user if needed, then write only the fields that differ."""
    before = user_from_api(current)
    user = before
    action = "unchanged"
    if user["state"] != "active":
        action = "restored"
        user = predicted_user(user, {}, "active") if check_mode else user_from_api(api.update(user["id"], restore_body()))

    changes = changed_fields(spec.desired, user)
    if changes:
        action = "updated" if action == "unchanged" else action
        user = predicted_user(user, changes, "active") if check_mode else user_from_api(api.update(user["id"], update_body(changes)))

    password_set = spec.update_password == "always" and spec.password is not None
    if password_set:
        action = "updated" if action == "unchanged" else action
        if not check_mode:
            user = user_from_api(api.reset_password(user["id"], password_body(spec.password, spec.force_change_password)))
    return Outcome(action, before, user, password_set)
