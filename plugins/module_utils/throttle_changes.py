# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The changes SharedThrottle writes to a partner's entry of throttle.json (see throttle.py for its shape): a
Retry-After deadline, a send slot taken, a success counted, and which partners' entries are kept. Pure functions of an
entry and the time; throttle.py imports this file only to write, which nothing does before the first 429.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.pacing import Pacer
from ansible_collections.partnercenter.csp.plugins.module_utils.throttle import deadline_ahead, number_or_none, pacing_state

# Partners whose last 429 is older than this are dropped from the file.
FORGET_AFTER = 3600.0


def kept(value, now):
    """Whether a partner's entry is still worth keeping: a recent 429, or a customer's deadline still ahead."""
    if not isinstance(value, dict):
        return False
    throttled_at = number_or_none(value.get("throttled_at"))
    if throttled_at is not None and now - throttled_at < FORGET_AFTER:
        return True
    customers = value.get("customers")
    return isinstance(customers, dict) and any(deadline_ahead(instant, now) for instant in customers.values())


def kept_partners(partners, now):
    """The entries of partners (key -> entry) still worth keeping."""
    return dict((key, value) for key, value in partners.items() if kept(value, now))


def defer(entry, now, instant, customer=None):
    """Record in entry that nobody (only calls on customer, when given) sends before instant; the later deadline wins. A
    partner-wide deadline is a 429 to the Pacer too."""
    if customer:
        customers = entry.get("customers") if isinstance(entry.get("customers"), dict) else {}
        customers = dict((key, value) for key, value in customers.items() if deadline_ahead(value, now))
        current = number_or_none(customers.get(customer))
        customers[customer] = instant if current is None else max(current, instant)
        entry["customers"] = customers
        return
    current = number_or_none(entry.get("not_before"))
    if current is None or current < instant:
        entry["not_before"] = instant
    entry["throttled_at"] = now
    entry["pacing"] = Pacer.throttled(pacing_state(entry), now, instant - now)


def take_slot(entry, now):
    """Take the next send slot at the learned pace; returns its wall-clock instant."""
    instant, entry["pacing"] = Pacer.take(pacing_state(entry), now)
    return instant


def count_progress(entry, now):
    """Count one success while throttling is going on."""
    progress = entry.get("progress")
    entry["progress"] = (progress if isinstance(progress, int) and not isinstance(progress, bool) else 0) + 1
