# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The profile facet: the user's existence, state, managed fields and password.

Create, restore, update, reset the password, soft-delete; every write through facets.Writer.
What an answer leaves unsaid is settled by reading, never guessed:

- a create answered "already exists" on the retry of an attempt whose answer was lost is this
  task's own create (the service did not deduplicate the MS-RequestId); without a lost answer it
  is another run's, and the task converges on what that run made;
- a delete answered 404 (60002) on such a retry is this task's own delete; without one, the user
  went away between the read and the delete, and nothing was done;
- a write answered 2xx with a body that cannot be read was made: the user after it is predicted
  (a create's is read back by its user principal name, for its id).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import (
    changed_fields,
    create_body,
    missing_for_create,
    password_body,
    predicted_user,
    restore_body,
    update_body,
    user_from_api,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import is_already_exists, is_user_not_found


def check_creatable(spec, current):
    """Refuse, before any write, a user that would have to be created but cannot be."""
    if spec.state != "present" or current is not None:
        return
    if spec.user_id:
        raise UserInputError(
            "user_id %s matches no active or soft-deleted user of this customer; to create a user, "
            "give user_principal_name without user_id" % spec.user_id)
    missing = missing_for_create(spec.desired, spec.password)
    if missing:
        raise UserInputError(
            "user %s does not exist, and creating it needs %s" % (spec.user_principal_name, ", ".join(missing)))


class ProfileFacet:
    name = "profile"

    def predicted(self, spec, current):
        """The profile after the task (snake_case), as far as it can be told before any write."""
        user = user_from_api(current)
        if spec.state == "absent":
            return user
        if user is not None and user["state"] != "active":
            from ansible_collections.partnercenter.csp.plugins.module_utils.user_restore import restore_name   # a soft-deleted user

            user = predicted_user(user, {"user_principal_name": restore_name(spec, current)}, "active")
        return predicted_user(user, changed_fields(spec.desired, user) if user else spec.desired, "active")

    def plan(self, spec, current, active_user_named=None):
        """Refusals before any write; active_user_named(upn): a lookup in the active users when they were listed already
        (the bulk module), else the service's refusal of a restore whose name is taken is reported when it comes."""
        check_creatable(spec, current)
        if active_user_named is not None:
            from ansible_collections.partnercenter.csp.plugins.module_utils.user_restore import check_restorable   # listed already (bulk)

            check_restorable(active_user_named, spec, current)

    def apply(self, context, writer, spec, current, state):
        """Converge the profile; state.user follows every write."""
        if spec.state == "absent":
            self._remove(context.users, writer, state)
        elif current is None:
            self._create(context.users, writer, spec, state)
        else:
            self._update(context.users, writer, spec, current, state)

    @staticmethod
    def _after(writer, answer, predicted):
        """The user a write's answer describes; the prediction in check mode or when the answer could not be read."""
        if writer.check_mode or not isinstance(answer, dict):
            return predicted
        return user_from_api(answer)

    def _remove(self, users, writer, state):
        user = state.user
        if user is None or user["state"] != "active":
            return
        try:
            writer.write("delete", lambda: users.delete(user["id"]))
        except PartnerCenterError as error:
            if not is_user_not_found(error):
                raise
            writer.settle(applied=error.may_have_written)
            if not error.may_have_written:
                state.user = None   # deleted by someone else between the read and the delete: nothing done here
                return
        # DELETE answers no body: the deletion time is not known without another read.
        state.user = predicted_user(user, {}, "inactive")

    def _create(self, users, writer, spec, state):
        predicted = predicted_user(None, spec.desired, "active")
        body = create_body(spec.desired, spec.password, spec.force_change_password)
        try:
            answer = writer.write("create", lambda: users.create(body))
        except PartnerCenterError as error:
            if not is_already_exists(error):
                raise
            found = users.find_active_by_upn(spec.user_principal_name)
            if found is None:
                raise
            if error.may_have_written:
                writer.settle(applied=True)   # this task's create: its first answer was lost, its retry found it made
                state.user = user_from_api(found)
                state.password_set = True
                return
            # Another run created the user after this task's read: converge on what it made.
            self._update(users, writer, spec, found, state)
            return
        state.password_set = True
        if not writer.check_mode and not isinstance(answer, dict):
            answer = users.find_active_by_upn(spec.user_principal_name)   # made, but its answer unreadable: read its id
        state.user = self._after(writer, answer, predicted)

    def _update(self, users, writer, spec, current, state):
        """Restore a soft-deleted user if needed, then write only the fields that differ, then the password if asked."""
        user = state.user = user_from_api(current)
        if user["state"] != "active":
            from ansible_collections.partnercenter.csp.plugins.module_utils.user_restore import name_taken, restore_name

            name = restore_name(spec, current)
            try:
                answer = writer.write("restore", lambda: users.update(user["id"], restore_body()))
            except PartnerCenterError as error:
                if is_already_exists(error):
                    raise name_taken(users, error, user, name)
                raise
            user = state.user = self._after(writer, answer, predicted_user(user, {"user_principal_name": name}, "active"))
        changes = changed_fields(spec.desired, user)
        if changes:
            answer = writer.write("update", lambda: users.update(user["id"], update_body(changes)), fields=sorted(changes))
            user = state.user = self._after(writer, answer, predicted_user(user, changes, "active"))
        if spec.update_password == "always" and spec.password is not None:
            body = password_body(spec.password, spec.force_change_password)
            answer = writer.write("reset_password", lambda: users.reset_password(user["id"], body))
            state.password_set = True
            state.user = self._after(writer, answer, user)
