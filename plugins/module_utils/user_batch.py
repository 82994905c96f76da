# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Many users of one customer in one task: what the bulk module and the role run.

1. Every item is validated (no request yet), and items that name the same user by the same key
   are refused.
2. The customer's users are listed once (the soft-deleted list only when an item is not among
   the active users); items that turn out to name the same user (an id and a user principal name,
   say) are refused, before any write.
3. Each user's facets are read (in parallel), then every user is planned: every refusal (a user
   that cannot be created, an unknown SKU or role, too few seats for the whole task) fails the
   task with nothing written.
4. The users are converged in parallel; a 429 pauses every thread. A user that fails is reported
   with what was written before its failure.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.partnercenter.csp.plugins.module_utils.deleted_users import deleted_user_named, restored_upn
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.facets import ACTIONS, ConvergenceFailure
from ansible_collections.partnercenter.csp.plugins.module_utils.user_convergence import UserConvergence, UserSpec
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import validate_user_options
from ansible_collections.partnercenter.csp.plugins.module_utils.user_restore import restore_name

MAX_CONCURRENCY = 16


class UserIndex:
    """The customer's users, read once: the active list on first use, the soft-deleted list
    only when a user is not among the active ones."""

    def __init__(self, users):
        self.users = users
        self._active = None
        self._deleted = None

    def _active_by_key(self):
        if self._active is None:
            self._active = {}
            for user in self.users.list_active():
                self._active["id:" + (user.get("id") or "").lower()] = user
                self._active["upn:" + (user.get("userPrincipalName") or "").lower()] = user
        return self._active

    def _deleted_users(self):
        if self._deleted is None:
            self._deleted = list(self.users.list_deleted())
        return self._deleted

    def active_user_named(self, upn):
        """The active user with this user principal name (case-insensitive), or None, from the one listing."""
        return self._active_by_key().get("upn:" + upn.lower())

    def find(self, spec, label=""):
        """The user the spec names: an active user by its key, else a soft-deleted one by id, or by the user principal
        name it had (deleted_users.deleted_user_named, which refuses two)."""
        key = spec.keys()[0]
        user = self._active_by_key().get(key)
        if user is not None:
            return user
        if spec.user_id:
            wanted = spec.user_id.lower()
            return next((user for user in self._deleted_users() if (user.get("id") or "").lower() == wanted), None)
        return deleted_user_named(self._deleted_users(), spec.user_principal_name, option=label + "user_principal_name")


def read_specs(items):
    """UserSpecs for the items, refusing malformed items and items that repeat a key, before any request."""
    specs, seen = [], {}
    for position, options in enumerate(items):
        prefix = "users[%d]" % position
        try:
            validate_user_options(options, prefix=prefix + ".")
        except UserInputError as error:
            message = str(error)   # list options name themselves with the prefix already
            raise UserInputError(message if message.startswith(prefix) else "%s: %s" % (prefix, message))
        spec = UserSpec(options)
        for key in spec.keys():
            if key in seen:
                raise UserInputError("%s: %s appears more than once in users (also users[%d])" % (prefix, spec.label, seen[key]))
            seen[key] = position
        specs.append(spec)
    return specs


def refuse_same_user_twice(specs, currents):
    """Refuse two items that name one user, in any mix of user_id and user_principal_name, by the user they resolved to,
    or that would leave two users with one user principal name (a rename onto another item's user)."""
    seen = {}
    for position, (spec, current) in enumerate(zip(specs, currents)):
        upn_after = spec.desired.get("user_principal_name") or restore_name(spec, current) or spec.user_principal_name
        names = ["id:" + current["id"].lower()] if current is not None else []
        if upn_after:
            names.append("upn:" + upn_after.lower())
        for name in names:
            other = seen.setdefault(name, position)
            if other != position:
                raise UserInputError("users[%d] and users[%d] name the same user (%s): give each user once; nothing was written"
                                     % (other, position, upn_after or spec.label))


def _in_pool(concurrency, function, items):
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(function, items))


def item_result(convergence, outcome, error=None):
    """One entry of results: who, the action, whether anything was written, the user, the writes, and why it failed."""
    user = outcome.after or outcome.before or {}
    name = user.get("user_principal_name")
    if name and user.get("state") != "active":   # a user left soft-deleted: the name it had, not the one it is listed under
        name = restored_upn(name, None if convergence.spec.user_id else convergence.spec.user_principal_name)
    result = dict(user_principal_name=name or convergence.spec.label)
    result.update(outcome.result())
    if outcome.warnings:
        result["warnings"] = list(outcome.warnings)
    if error is not None:
        result["msg"] = error.message(with_label=False)
    return result


def summarize(outcomes, results):
    """User principal names by action. A user that failed is listed under failed and under what it did before failing."""
    summary = dict((action, []) for action in ACTIONS + ("failed",))
    for outcome, result in zip(outcomes, results):
        name = result["user_principal_name"]
        if outcome.failure is None:
            summary[outcome.action].append(name)
            continue
        summary["failed"].append(name)
        for action in outcome.done:
            summary[action].append(name)
    return summary


def seats_released(outcomes):
    """{SKU part number: licences taken away} by the writes made (in check mode, that would be made), each a seat given
    back to the customer; a write left uncertain is not counted."""
    released = {}
    for outcome in outcomes:
        for record in outcome.writes:
            if record.operation == "update_licenses" and not record.uncertain:
                for part_number in record.detail.get("removed") or ():
                    released[part_number] = released.get(part_number, 0) + 1
    return released


class BatchResult:
    """results (one per item, in order), summary, changed, seats_released, the diff list, and the failure message
    (None when all passed)."""

    def __init__(self, convergences, outcomes, errors):
        self.results = [item_result(c, o, e) for c, o, e in zip(convergences, outcomes, errors)]
        self.summary = summarize(outcomes, self.results)
        self.seats_released = seats_released(outcomes)
        self.changed = any(result["changed"] for result in self.results)
        self.diff = [dict(outcome.diff(), before_header=result["user_principal_name"], after_header=result["user_principal_name"])
                     for outcome, result in zip(outcomes, self.results) if outcome.changed]
        failed = [result for result in self.results if result["action"] == "failed"]
        self.failure = None
        if failed:
            self.failure = "%d of %d users failed: %s" % (len(failed), len(self.results), "; ".join(
                "%s: %s" % (result["user_principal_name"], result["msg"]) for result in failed))


def converge_users(context, specs, check_mode, concurrency):
    """Converge the specs (from read_specs) of one customer; a BatchResult. Raises UserInputError or PartnerCenterError
    for what fails the whole task before any write."""
    index = UserIndex(context.users)
    currents = [index.find(spec, label="users[%d]." % position) for position, spec in enumerate(specs)]
    refuse_same_user_twice(specs, currents)
    convergences = [UserConvergence(context, spec, current, label="users[%d]." % position, active_user_named=index.active_user_named)
                    for position, (spec, current) in enumerate(zip(specs, currents))]
    _in_pool(concurrency, lambda convergence: convergence.read(), [c for c in convergences if c.facets])
    for convergence in convergences:
        convergence.plan()

    def apply(convergence):
        try:
            return convergence.apply(check_mode), None
        except ConvergenceFailure as failure:
            return failure.outcome, failure
    applied = _in_pool(concurrency, apply, convergences)
    return BatchResult(convergences, [outcome for outcome, _error in applied], [error for _outcome, error in applied])
