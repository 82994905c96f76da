# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Bring one customer user to the state a task asks for, facet by facet.

Three phases, so that every refusal comes before the first write (of this user, and in the bulk
module of every user): read what each managed facet needs, plan every facet, then apply them in
a fixed order: the profile (create, restore, update, password), then licences, then directory
roles; with state=absent, licences, then directory roles, then the delete (a soft-deleted user
may keep consuming its seats). A failure after a write raises facets.ConvergenceFailure with what was
written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.facets import ConvergenceFailure, Outcome, UserState, Writer
from ansible_collections.partnercenter.csp.plugins.module_utils.list_changes import is_managed
from ansible_collections.partnercenter.csp.plugins.module_utils.profile_facet import ProfileFacet
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import LIST_OPTIONS, desired_fields, user_from_api

PROFILE = ProfileFacet()


def list_facets(spec, current):
    """The list facets (licences, then roles) the spec manages, in the order they are applied: after the profile with
    state=present; before the delete with state=absent, and then only for an active user (Partner Center reads and
    changes the licences and roles of active users only).

    Imported only when a task manages them, so a task that does not pays nothing for them (a module
    compiles every module_utils file it imports on each run).
    """
    if not any(is_managed(getattr(spec, name)) for name in LIST_OPTIONS):
        return []
    if spec.state == "absent" and (current or {}).get("state") != "active":
        return []
    from ansible_collections.partnercenter.csp.plugins.module_utils.license_facet import LicenseFacet
    from ansible_collections.partnercenter.csp.plugins.module_utils.role_facet import RoleFacet
    return [facet for facet in (LicenseFacet(), RoleFacet()) if facet.managed(spec)]


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
        self.licenses = options.get("licenses")
        self.directory_roles = options.get("directory_roles")

    @property
    def label(self):
        return self.user_principal_name or self.user_id

    def keys(self):
        """What makes two specs the same user before anything is read."""
        keys = []
        if self.user_id:
            keys.append("id:" + self.user_id.lower())
        if self.user_principal_name:
            keys.append("upn:" + self.user_principal_name.lower())
        return keys


def find_user(users, spec):
    """The user the spec names, active or soft-deleted (Partner Center's camelCase dict), or None.

    By id: one GET, and the soft-deleted list when no active user has it. By user principal name:
    the active list, then the soft-deleted list, page by page to the first match.
    """
    if spec.user_id:
        return users.get(spec.user_id) or users.find_deleted_by_id(spec.user_id)
    return users.find_by_upn(spec.user_principal_name)


class UserConvergence:
    """One user through its facets. read() and plan() never write; apply() returns the Outcome."""

    def __init__(self, context, spec, current, label="", active_user_named=None):
        self.context = context
        self.spec = spec
        self.current = current
        self.label = label          # prefix of option names in messages ("users[3].")
        self.active_user_named = active_user_named   # upn -> active user, from a listing read already (bulk), or None
        self.facets = list_facets(spec, current)
        self.currents = {}
        self.plans = {}

    def read(self):
        for facet in self.facets:
            self.currents[facet.name] = facet.read(self.context, self.spec, self.current)
        return self

    def plan(self):
        try:
            PROFILE.plan(self.spec, self.current, self.active_user_named)
        except UserInputError as error:
            if not self.label:
                raise
            raise UserInputError("%s: %s" % (self.label.rstrip("."), error))
        predicted = PROFILE.predicted(self.spec, self.current)
        for facet in self.facets:
            self.plans[facet.name] = facet.plan(self.context, self.spec, self.currents.get(facet.name), predicted, self.label)
        return self

    def apply(self, check_mode):
        writer = Writer(check_mode)
        before = user_from_api(self.current)
        facets_before = dict((facet.name, facet.describe(self.currents.get(facet.name))) for facet in self.facets)
        state = UserState(before, facets_before)
        try:
            if self.spec.state == "absent":
                self._apply_facets(writer, state)   # release the seats and roles first: the delete keeps them
                PROFILE.apply(self.context, writer, self.spec, self.current, state)
            else:
                PROFILE.apply(self.context, writer, self.spec, self.current, state)
                if self.facets and not check_mode and not (state.user or {}).get("id"):
                    # A create answered 2xx with a body that cannot be read, and the user list does not show the user yet.
                    raise PartnerCenterError("The user was created, but Partner Center's answer could not be read and the user "
                                             "list does not show it yet, so its id is unknown and its licences and directory "
                                             "roles were not set. Run the task again to set them.")
                self._apply_facets(writer, state)
        except PartnerCenterError as error:
            outcome = Outcome(before, state.user, writer.writes, state.password_set, facets_before, state.facets, failure=error,
                              warnings=state.warnings)
            raise ConvergenceFailure(error, outcome, self.spec.label)
        return Outcome(before, state.user, writer.writes, state.password_set, facets_before, state.facets, warnings=state.warnings)

    def _apply_facets(self, writer, state):
        for facet in self.facets:
            facet.apply(self.context, writer, self.plans[facet.name], state)


def converge(context, spec, current, check_mode):
    """Converge one user whose current state (camelCase dict or None) was read already; the Outcome."""
    return UserConvergence(context, spec, current).read().plan().apply(check_mode)
