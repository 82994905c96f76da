# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Restoring a soft-deleted user: the name it gets back, the refusal of a restore whose name an active user holds
(before any write when the active users were listed already, else from the service's answer). Imported by
profile_facet.py only when a user is soft-deleted.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.deleted_users import restored_upn, restored_upn_is_sure
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError


def restore_name(spec, current):
    """The user principal name a user has now, or gets back when this task restores it (None for no user).

    A soft-deleted user may be listed under its name with the 32 hex digits of a soft delete in front (deleted_users):
    found by user_principal_name, it gets that name back; found by user_id, its listed name without the prefix.
    """
    if current is None:
        return None
    listed = current.get("userPrincipalName")
    if current.get("state") == "active":
        return listed
    return restored_upn(listed, None if spec.user_id else spec.user_principal_name)


def name_holder_text(holder):
    return "the active user %s (id %s)" % (holder.get("userPrincipalName"), holder.get("id"))


def check_restorable(active_user_named, spec, current):
    """Refuse, before any write, a restore whose name an active user holds now (Entra ID frees a soft-deleted user's name,
    and Partner Center's restore takes no new name), by active_user_named(upn) over a user list read already. Only by
    user_id: found by name, an active holder would have won."""
    if spec.state != "present" or current is None or current.get("state") == "active" or not spec.user_id:
        return
    listed, name = current.get("userPrincipalName"), restore_name(spec, current)
    if not restored_upn_is_sure(listed, current.get("id"), None):
        return   # a 32-hex prefix that is not the id: the name given back is not known; the service's answer says
    holder = active_user_named(name)
    if holder is not None and (holder.get("id") or "").lower() != (current.get("id") or "").lower():
        raise UserInputError(
            "user_id %s: the soft-deleted user listed as %s would get back its user principal name %s on restore, but %s "
            "holds it now, and Partner Center refuses such a restore: rename or delete that user, then run the task "
            "again; nothing was written" % (spec.user_id, listed, name, name_holder_text(holder)))


def name_taken(users, error, user, name):
    """The service's refusal of a restore (the name is taken), naming both users and what to do."""
    candidates = [name] + ([user["user_principal_name"]] if user["user_principal_name"].lower() != name.lower() else [])
    holder = None
    for candidate in candidates:
        try:
            holder = users.find_active_by_upn(candidate)
        except PartnerCenterError:
            break
        if holder is not None:
            break
    who = name_holder_text(holder) if holder is not None else "another user"
    return PartnerCenterError(
        "%s The soft-deleted user %s (id %s) cannot get its user principal name %s back: %s holds it now" % (
            error.message.strip(), user["user_principal_name"], user["id"], name, who),
        status=error.status, code=error.code, description=error.description, request_id=error.request_id,
        correlation_id=error.correlation_id, method=error.method, url=error.url, attempts=error.attempts,
        may_have_written=error.may_have_written,
        hint="rename or delete %s, then run the task again to restore the user (user_id %s is the sure way to name it)"
             % (who, user["id"]))
