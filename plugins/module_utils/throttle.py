# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""SharedThrottle: Partner Center's Retry-After and the pace learned from it, shared by every process of a run.

Partner Center throttles per partner or per partner and customer pair, depending on the API (its
throttling guidance), and each Ansible fork is a process of its own, so a 429 answered to one fork
is a signal for all. The file (throttle.json, beside the token cache) maps a partner key to
{"not_before": epoch, "throttled_at": epoch, "progress": n, "customers": {id: epoch}, "pacing": {...}}:

- not_before: no process sends before this wall-clock instant (the latest short Retry-After seen);
- customers: a Retry-After longer than the client waits for, scoped to the customer whose request
  drew it: calls on that customer are not sent before it, calls on other customers go out;
- progress: counts successful answers while throttling is going on, so a process can tell a
  throttle that lets requests through (go on) from a storm that lets nothing through (stop);
- pacing: the state of pacing.Pacer, the rate learned from the 429s and the next free send slot
  (pacing.py is imported only once the file holds a 429).

Wall-clock time, because monotonic clocks are not comparable across processes; a deadline more
than MAX_AHEAD seconds away is ignored as corrupt or a clock jump. Updates are read-modify-write
under a short non-blocking lock beside the file; without the lock the larger deadline is still
written, and a busy lock is waited for quietly (an optimisation, not a safety lock). Reads cost a
stat while the file is unchanged; nothing is written before the first 429.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import threading
import time

from ansible_collections.partnercenter.csp.plugins.module_utils.private_files import PrivateDocument

FILE_VERSION = 1
# The largest Retry-After anybody may be asked to honour (retry_max_delay's upper bound).
MAX_AHEAD = 600.0
# Successes are recorded only this long after a 429 was seen, and at most this often per process.
THROTTLED_WINDOW = 120.0
PROGRESS_INTERVAL = 0.2
LOCK_WAIT = 0.2


def partner_key(api_url, authority_host, tenant_id, client_id):
    """A hash naming the partner a throttle applies to (no secret goes in)."""
    parts = [(value or "").strip().rstrip("/").lower() for value in (api_url, authority_host, tenant_id, client_id)]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:32]


def number_or_none(value):
    """value when it is a real number (not a bool), else None: what a corrupt file may hold is never trusted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def deadline_ahead(value, now):
    """value when it is an instant after now and at most MAX_AHEAD seconds away, else None (past, corrupt, a clock jump)."""
    value = number_or_none(value)
    if value is None or value <= now or value > now + MAX_AHEAD:
        return None
    return value


def pacing_state(entry):
    value = entry.get("pacing")
    return value if isinstance(value, dict) else {}


def _pacer():
    """pacing.Pacer, imported only once a 429 has been recorded (a run that never meets the limit never compiles it)."""
    from ansible_collections.partnercenter.csp.plugins.module_utils.pacing import Pacer
    return Pacer


class Turn:
    """What a process must honour before its next request: not_before (wall clock, or None), counting (sends are
    counted: take a slot), paced (a rate is learned, so slots are spaced)."""

    __slots__ = ("not_before", "counting", "paced")

    def __init__(self, not_before=None, counting=False, paced=False):
        self.not_before = not_before
        self.counting = counting
        self.paced = paced


class SharedThrottle(PrivateDocument):
    """The partner's shared not-before instants, progress counter and pace. Thread-safe; never raises for file problems."""

    VERSION = FILE_VERSION
    SECTION = "partners"
    LABEL = "Shared throttling state"
    DURABLE = False   # losing the file in a crash costs at most one extra 429

    def __init__(self, path, partner=(None, None, None, None), clock=time.time):
        super(SharedThrottle, self).__init__(path, clock)
        self.key = partner_key(*partner)
        self._lock = threading.Lock()
        self._seen = None        # (file signature, entry) of the last read
        self._last_progress_write = None

    def _entry(self):
        """This partner's entry as last written ({} when none), re-read only when the file changed."""
        signature = self._file.modified()
        if signature is None:
            return {}
        with self._lock:
            if self._seen is not None and self._seen[0] == signature:
                return self._seen[1]
        value = self._read_section().get(self.key)
        entry = value if isinstance(value, dict) else {}
        with self._lock:
            self._seen = (signature, entry)
        return entry

    def turn(self, customer=None):
        """The Turn of a request (on customer, when given): one stat of the file while it is unchanged."""
        entry = self._entry()
        if not entry:
            return Turn()
        now = self._clock()
        deadlines = [deadline_ahead(entry.get("not_before"), now)]
        customers = entry.get("customers")
        if customer and isinstance(customers, dict):
            deadlines.append(deadline_ahead(customers.get(customer), now))
        deadlines = [value for value in deadlines if value is not None]
        pacing = pacing_state(entry)
        if not pacing:
            return Turn(max(deadlines) if deadlines else None)
        pacer = _pacer()
        counting = pacer.active(pacing, now)
        return Turn(max(deadlines) if deadlines else None, counting, counting and pacer.rate(pacing, now) is not None)

    def not_before(self, customer=None):
        """The wall-clock instant before which no request (on customer, when given) may be sent, or None."""
        return self.turn(customer).not_before

    def progress(self):
        """How many successes were recorded while throttled (an ever-growing counter)."""
        value = self._entry().get("progress")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def _update(self, change):
        """Read-modify-write of this partner's entry under the lock beside the file (best effort without it); returns
        what change(entry, now) returns (throttle_changes.py: imported only for a write, after a 429)."""
        from ansible_collections.partnercenter.csp.plugins.module_utils.throttle_changes import kept_partners

        lock = self._file.lock()
        # A busy lock is waited for quietly: every fork finds it busy in a 429 storm, and going on without it is safe.
        held = lock.acquire(LOCK_WAIT, warn_when_busy=False) if self._file.trusted() else False
        try:
            now = self._clock()
            partners = kept_partners(self._read_section(), now)
            entry = dict(partners.get(self.key) or {})
            result = change(entry, now)
            partners[self.key] = entry
            self._write_section(partners)
            return result
        finally:
            if held:
                lock.release()

    def defer_until(self, instant, customer=None):
        """Nobody of this partner (only calls on customer, when given) sends before instant (wall clock); the later of
        this and any recorded deadline wins. A partner-wide deadline is a 429 to the Pacer too."""
        from ansible_collections.partnercenter.csp.plugins.module_utils.throttle_changes import defer

        instant = min(float(instant), self._clock() + MAX_AHEAD)
        self._update(lambda entry, now: defer(entry, now, instant, customer))

    def take_slot(self):
        """The wall-clock instant at which this process may send its next request, its turn counted (and spaced at the
        learned pace) for every process of the partner on this machine."""
        from ansible_collections.partnercenter.csp.plugins.module_utils.throttle_changes import take_slot

        return self._update(take_slot)

    def record_progress(self):
        """A request succeeded: while throttling is going on, say so (at most every PROGRESS_INTERVAL s per process)."""
        throttled_at = number_or_none(self._entry().get("throttled_at"))
        now = self._clock()
        if throttled_at is None or now - throttled_at > THROTTLED_WINDOW:
            return
        with self._lock:
            if self._last_progress_write is not None and now - self._last_progress_write < PROGRESS_INTERVAL:
                return
            self._last_progress_write = now
        from ansible_collections.partnercenter.csp.plugins.module_utils.throttle_changes import count_progress

        self._update(count_progress)
