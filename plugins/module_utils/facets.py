# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""What every facet of a user shares: the one write path, the record of what was written, and the outcome.

A facet is one part of a user that a task converges: the profile (fields, state, password), its
licences, its directory roles. Each has one shape (profile_facet.py, license_facet.py,
role_facet.py):

- managed(spec): whether the task manages it at all (a facet left out is neither read nor written);
- read(context, spec, user): its current state (None while the user does not exist or is soft-deleted);
- plan(context, spec, current, user): what to write, refusing (UserInputError) before any write;
- apply(context, writer, plan, user): the writes, through Writer.write only;
- describe(state): its keys in the returned user and in --diff.

Every write goes through Writer.write, in check mode too (kubernetes.core's shape): it sends the
call, or returns the prediction, and records it, so changed, the action and the diff come from
the same code in both modes. A failure after some writes raises ConvergenceFailure carrying the
Outcome so far, so the task still reports what it did.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import build_diff

ACTIONS = ("created", "updated", "restored", "deleted", "unchanged")
# The action a write amounts to; every other write updates the user.
_ACTION_OF = {"create": "created", "restore": "restored", "delete": "deleted"}
_ACTION_RANK = ("created", "deleted", "restored", "updated")


class WriteRecord:
    """One write: operation (create, restore, update, reset_password, delete, update_licenses, add_role, remove_role)
    and what it touched. uncertain: the answer was lost and never settled, so it may or may not have been applied."""

    def __init__(self, operation, **detail):
        self.operation = operation
        self.detail = detail
        self.uncertain = False

    @property
    def action(self):
        return _ACTION_OF.get(self.operation, "updated")

    def to_result(self):
        result = dict(operation=self.operation)
        result.update(self.detail)
        if self.uncertain:
            result["uncertain"] = True
        return result

    def __repr__(self):
        return "WriteRecord(%r%s)" % (self.operation, ", uncertain" if self.uncertain else "")


class Writer:
    """The one place facets write. In check mode it records the write and returns the prediction instead of sending it."""

    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.records = []
        self.in_doubt = None

    def write(self, operation, send, predicted=None, **detail):
        """The answer of send() (or predicted in check mode); the write is recorded once it was made.

        A PartnerCenterError from send() is re-raised; when its write may have been applied it is kept
        as in doubt until the facet settles it (settle) or the task ends with it unsettled.
        """
        record = WriteRecord(operation, **detail)
        if self.check_mode:
            self.records.append(record)
            return predicted
        try:
            answer = send()
        except PartnerCenterError as error:
            if error.may_have_written:
                record.uncertain = True
                self.in_doubt = record
            raise
        self.records.append(record)
        return answer

    def settle(self, applied):
        """The write in doubt turned out to be this task's own (applied) or never made (not applied)."""
        record, self.in_doubt = self.in_doubt, None
        if record is not None and applied:
            record.uncertain = False
            self.records.append(record)

    @property
    def writes(self):
        """Every write made, then the one in doubt, if any."""
        return self.records + ([self.in_doubt] if self.in_doubt is not None else [])


class UserState:
    """The user as the writes leave it, kept up to date after each write, so a failure can report how far it got.

    user: the profile (snake_case, None when there is none); password_set: a password was (or would be) set;
    facets: the described state of each managed facet (licenses, directory_roles); warnings: what the service's answers
    warned about (licenseWarnings), as task warnings.
    """

    def __init__(self, user, facets=None):
        self.user = user
        self.password_set = False
        self.facets = dict(facets or {})
        self.warnings = []


class Outcome:
    """What converging one user did (or, in check mode, would do).

    before / after: the profile (snake_case user, None when there is none); facets_before /
    facets_after: the managed facets' described state by key (licenses, directory_roles);
    writes: WriteRecords; failure: the error that stopped it, or None; warnings: what the service warned about.
    """

    def __init__(self, before, after, writes=(), password_set=False, facets_before=None, facets_after=None, failure=None,
                 warnings=()):
        self.before = before
        self.after = after
        self.writes = list(writes)
        self.password_set = password_set
        self.facets_before = dict(facets_before or {})
        self.facets_after = dict(facets_after or {})
        self.failure = failure
        self.warnings = list(warnings)

    @property
    def done(self):
        """The actions the writes known to be made amount to, most telling first (created, deleted, restored, updated);
        a write left uncertain is not one of them."""
        actions = set(record.action for record in self.writes if not record.uncertain)
        return [action for action in _ACTION_RANK if action in actions]

    @property
    def action(self):
        """created, updated, restored, deleted or unchanged; failed when it stopped on an error."""
        if self.failure is not None:
            return "failed"
        return self.done[0] if self.done else "unchanged"

    @property
    def changed(self):
        """Whether anything was written (or, in check mode, would be), an uncertain write included."""
        return bool(self.writes)

    @property
    def user(self):
        """The user as returned: the profile after, with the managed facets; None when there is none."""
        if self.after is None:
            return None
        user = dict(self.after)
        user.update(self.facets_after)
        return user

    def result(self):
        """What a module returns about this user: changed, action, user, writes."""
        return dict(changed=self.changed, action=self.action, user=self.user, writes=[record.to_result() for record in self.writes])

    def diff(self):
        """before/after for --diff: the profile (password only as a placeholder) and the managed facets."""
        diff = build_diff(self.before, self.after, self.password_set)
        if self.after is not None or self.before is not None:
            for key in sorted(set(self.facets_before) | set(self.facets_after)):
                diff["before"][key] = self.facets_before.get(key)
                diff["after"][key] = self.facets_after.get(key)
        return diff


class ConvergenceFailure(Exception):
    """A user's convergence stopped on an error; outcome says what was written before (failure set)."""

    def __init__(self, error, outcome, label):
        super(ConvergenceFailure, self).__init__(str(error))
        self.error = error
        self.outcome = outcome
        self.label = label

    def __str__(self):
        return self.message(with_label=True)

    def message(self, with_label):
        """What failed and what was written before; with_label puts the user in front (the bulk results name it already)."""
        done = [record for record in self.outcome.writes if not record.uncertain]
        if not done:
            return str(self.error)
        text = "%s %s written before this failed: %s" % (describe_writes(done), "was" if len(done) == 1 else "were", self.error)
        return "%s: %s" % (self.label, text) if with_label and self.label else text


def describe_writes(records):
    """'restore; update (display_name)': what the records did, in words, for messages."""
    words = []
    for record in records:
        text = record.operation.replace("_", " ")
        target = record.detail.get("fields") or record.detail.get("role") or record.detail.get("license_group")
        if target:
            text += " (%s)" % (", ".join(target) if isinstance(target, (list, tuple)) else target)
        words.append(text)
    return "; ".join(words)
