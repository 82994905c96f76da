# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The add / remove / set form of a list option (licenses, directory_roles), as pure functions.

set makes the list exactly these (set: [] empties it); add and remove touch only the entries
they name. Entries are resolved to ids by the caller before plan_list compares them, so one SKU
named by part number and by id is one entry.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError

LIST_KEYS = ("add", "remove", "set")


def list_option_spec():
    """The argument spec of an add/remove/set option."""
    return dict(type="dict", options=dict((key, dict(type="list", elements="str")) for key in LIST_KEYS))


def is_managed(value):
    """Whether the task manages the list at all: left out, or all three keys absent, means neither read nor written."""
    return isinstance(value, dict) and any(value.get(key) is not None for key in LIST_KEYS)


def validate_list_option(name, value):
    """Refuse, before any request, what is wrong on its face; name is the option as the user wrote it (users[2].licenses)."""
    if not is_managed(value):
        return
    if value.get("set") is not None and (value.get("add") is not None or value.get("remove") is not None):
        raise UserInputError("%s: set cannot be combined with add or remove (set gives the whole list)" % name)
    for key in LIST_KEYS:
        for entry in value.get(key) or ():
            if not isinstance(entry, str) or not entry.strip():
                raise UserInputError("%s.%s: entries must be non-empty strings, got %r" % (name, key, entry))
    both = set(e.strip().lower() for e in value.get("add") or ()) & set(e.strip().lower() for e in value.get("remove") or ())
    if both:
        raise UserInputError("%s: %s is in both add and remove" % (name, ", ".join(sorted(both))))


def validate_release(name, value):
    """With state=absent a list option may only take away (remove, or set: []): refuse add or a non-empty set."""
    if not is_managed(value):
        return
    if value.get("add") is not None:
        raise UserInputError("%s.add cannot be used with state=absent: a user being deleted can only give back what it "
                             "holds (remove, or set: [])" % name)
    if value.get("set"):
        raise UserInputError("%s.set must be empty ([]) with state=absent: a user being deleted can only give back what it "
                             "holds, got %s" % (name, ", ".join(value["set"])))


def plan_list(current, add=None, remove=None, set_=None):
    """(final, to_add, to_remove), each a frozenset of ids, from the current ids and the resolved add/remove/set ids."""
    current = frozenset(current)
    if set_ is not None:
        final = frozenset(set_)
        return final, final - current, current - final
    add, remove = frozenset(add or ()), frozenset(remove or ())
    conflict = add & remove
    if conflict:
        raise UserInputError("the same entry is both added and removed: %s" % ", ".join(sorted(conflict)))
    to_remove = remove & current
    to_add = add - current
    return (current - to_remove) | to_add, to_add, to_remove
