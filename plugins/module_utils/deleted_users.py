# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Soft-deleted users' names: matching a listed name (plain, or renamed by the delete) to the name a user had, and the
name a restore gives back. Pure functions; imported where deleted users are searched or restored (a task by user_id
that finds an active user never runs them).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError

# Entra ID renames a user it soft-deletes: its object id without hyphens (32 hex digits) goes before the name, and the
# name is free for a new user. Partner Center's recorded listing shows such a prefix that is not the user's listed id, so
# the prefix is matched as 32 hex digits, never as the id.
RENAMED_PREFIX_RE = re.compile(r"^[0-9a-fA-F]{32}(?=[^@])")


def unprefixed_upn(listed_upn):
    """The listed name of a soft-deleted user without a 32-hex-digit prefix, or None when it has none."""
    match = RENAMED_PREFIX_RE.match(listed_upn or "")
    return listed_upn[match.end():] if match and "@" in listed_upn[match.end():] else None


def deleted_user_matches(listed_upn, upn):
    """Whether a soft-deleted user listed as listed_upn may be the user once named upn (case-insensitive): listed under
    that name, or under it with the 32-hex-digit prefix of a soft delete."""
    listed, wanted = (listed_upn or "").lower(), upn.lower()
    return listed == wanted or unprefixed_upn(listed) == wanted


def deleted_user_named(users, upn, option="user_principal_name"):
    """The one soft-deleted user that may have been named upn, or None. Reads every page: two such users cannot be told
    apart by their listed names, so that is refused (UserInputError, before any write), naming their ids."""
    matches = [user for user in users if deleted_user_matches(user.get("userPrincipalName"), upn)]
    if len(matches) > 1:
        raise UserInputError(
            "%s: %d soft-deleted users may have been named %s (listed as %s): give user_id to say which one; nothing "
            "was written" % (option, len(matches), upn, ", ".join(
                "%s (id %s)" % (user.get("userPrincipalName"), user.get("id")) for user in matches)))
    return matches[0] if matches else None


def restored_upn(listed_upn, found_by=None):
    """The name a soft-deleted user gets back on restore: the name it was found by, else its listed name without a
    32-hex-digit prefix (the listed name when it has none)."""
    if found_by and deleted_user_matches(listed_upn, found_by):
        return listed_upn if (listed_upn or "").lower() == found_by.lower() else unprefixed_upn(listed_upn)
    return unprefixed_upn(listed_upn) or listed_upn


def restored_upn_is_sure(listed_upn, user_id, found_by=None):
    """Whether restored_upn is certain: the user was found by that name, or is listed plain, or its prefix is its id."""
    prefix_free = unprefixed_upn(listed_upn)
    return bool(found_by) or prefix_free is None or listed_upn[:32].lower() == (user_id or "").replace("-", "").lower()
