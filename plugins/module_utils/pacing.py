# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Pacer: the pace learned from Partner Center's 429 answers, as pure functions of a state and the time.

throttle.SharedThrottle keeps the state in throttle.json and imports this file only once a 429 has
been recorded there, so a run that never meets the limit never compiles it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.throttle import number_or_none


class Pacer:
    """The pacing law, learned from 429s: pure functions of a state dict and the time (wall-clock seconds).

    Nothing is paced before the first 429. A 429 starts an epoch: the pause the service asked for,
    then sends counted (take). At the next 429 the share of the service this machine got is what
    succeeded in the epoch divided by its length, pause included (a token bucket empty at both
    429s granted its rate over the whole epoch, the tokens that came during the pause spent
    after it); the pace becomes DECREASE times that share. It then grows back by INCREASE of
    itself per second while no 429 comes (additive increase: a share measured low, as a job
    slice's may be while others had the service during its pause, recovers quickly), and
    ends, state and all, when it has grown to CEILING times itself: a run that no longer meets
    the limit, or a job slice whose neighbours have finished, is unpaced again. Slots start when
    the pause ends, so a pause lasts as long as the service's Retry-After and no longer. The
    processes of one machine share the state (one pace for all of them); machines learn their
    own share from their own 429s.
    """

    DECREASE = 0.9
    INCREASE = 0.2
    CEILING = 2.0
    MIN_RATE = 0.1
    # An epoch shorter than this measures nothing: the pace is lowered from itself instead.
    MIN_EPOCH = 0.5

    @classmethod
    def horizon(cls):
        """Seconds after a pause ends that the pace (or, before one is learned, the counting) lasts without a 429."""
        return (cls.CEILING - 1.0) / cls.INCREASE

    @classmethod
    def active(cls, state, now):
        """True while sends are counted (and paced once a rate is learned)."""
        resume = number_or_none((state or {}).get("resume"))
        return resume is not None and now < resume + cls.horizon()

    @classmethod
    def rate(cls, state, now):
        """Requests per second this machine keeps to now, or None when nothing is paced."""
        if not cls.active(state, now):
            return None
        learned = number_or_none(state.get("rate"))
        if learned is None:
            return None
        return learned * (1.0 + cls.INCREASE * max(0.0, now - state["resume"]))

    @classmethod
    def throttled(cls, state, now, pause):
        """The state after a 429 answered at now with a pause of pause seconds."""
        state = dict(state or {})
        if cls.active(state, now) and now < state["resume"]:
            return state   # answered to a request sent before the pause: the same event as the 429 that set it
        rate = cls.rate(state, now)
        if cls.active(state, now):
            elapsed = now - (number_or_none(state.get("since")) or now)
            successes = (number_or_none(state.get("sent")) or 0) - 1   # every send of the epoch but the one answered 429
            if elapsed >= cls.MIN_EPOCH and successes > 0:
                rate = successes / elapsed
        resume = now + max(0.0, pause)
        new = {"since": now, "sent": 0, "resume": resume, "next": resume}
        if rate is not None:
            new["rate"] = max(cls.MIN_RATE, cls.DECREASE * rate)
        return new

    @classmethod
    def take(cls, state, now):
        """(instant, state): the slot at which the next request may be sent, and the state after it is taken."""
        if not cls.active(state, now):
            return now, state
        state = dict(state)
        rate = cls.rate(state, now)
        instant = max(now, number_or_none(state.get("next")) or now)
        state["next"] = instant + (1.0 / rate if rate else 0.0)
        state["sent"] = int(number_or_none(state.get("sent")) or 0) + 1
        return instant, state
