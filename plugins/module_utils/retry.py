# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""When to retry, how long to wait, and which failed answers leave a write in doubt: shared by the Partner Center client and
the token provider."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import random
import time

# Answers worth another attempt (429 honours Retry-After first; 408 Request Timeout is a timeout).
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)
BACKOFF_BASE = 0.5


def may_hide_a_write(status):
    """Whether a write answered with this status may have been committed all the same: any 5xx (a 500 or 503 can come
    after the commit, a 502 or 504 is a gateway that lost the service's answer) or 408 (the service gave up waiting)."""
    return status == 408 or 500 <= status < 600


def backoff_delay(retry, cap, rand=random.random):
    """Full jitter: uniform in [0, min(cap, 0.5 s * 2^retry)]."""
    return rand() * min(cap, BACKOFF_BASE * (2 ** retry))


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After value (delta seconds or an HTTP-date), or None when unusable."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_tz(value)
        if moment is None:
            return None
        stamp = email.utils.mktime_tz(moment)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return max(0.0, stamp - (time.time() if now is None else now))
