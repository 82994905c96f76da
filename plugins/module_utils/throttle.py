# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""SharedThrottle: Partner Center's Retry-After, shared by every process of a run.

Partner Center throttles per partner, and each Ansible fork is a process of its own, so a 429
answered to one fork is a signal for all. The file (throttle.json, beside the token cache) maps
a partner key to {"not_before": epoch, "throttled_at": epoch, "progress": n}:

- not_before: no process sends before this wall-clock instant (the latest Retry-After seen);
- progress: counts successful answers while throttling is going on, so a process can tell a
  throttle that lets requests through (go on) from a storm that lets nothing through (stop).

Wall-clock time, because monotonic clocks are not comparable across processes; a deadline more
than MAX_AHEAD seconds away is ignored as corrupt or a clock jump. Updates are read-modify-write
under a short non-blocking lock beside the file; without the lock the larger deadline is still
written. Reads cost a stat while the file is unchanged.
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
# Partners whose last 429 is older than this are dropped from the file.
FORGET_AFTER = 3600.0


def partner_key(api_url, authority_host, tenant_id, client_id):
    """A hash naming the partner a throttle applies to (no secret goes in)."""
    parts = [(value or "").strip().rstrip("/").lower() for value in (api_url, authority_host, tenant_id, client_id)]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:32]


class SharedThrottle(PrivateDocument):
    """The partner's shared not-before instant and progress counter. Thread-safe; never raises for file problems."""

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

    def not_before(self):
        """The wall-clock instant before which no request may be sent, or None."""
        value = self._entry().get("not_before")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        now = self._clock()
        if value <= now or value > now + MAX_AHEAD:
            return None
        return float(value)

    def progress(self):
        """How many successes were recorded while throttled (an ever-growing counter)."""
        value = self._entry().get("progress")
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def _update(self, change):
        """Read-modify-write of this partner's entry under the lock beside the file (best effort without it)."""
        lock = self._file.lock()
        held = lock.acquire(LOCK_WAIT) if self._file.trusted() else False
        try:
            now = self._clock()
            partners = dict((key, value) for key, value in self._read_section().items()
                            if isinstance(value, dict) and isinstance(value.get("throttled_at"), (int, float))
                            and now - value["throttled_at"] < FORGET_AFTER)
            entry = dict(partners.get(self.key) or {})
            change(entry, now)
            partners[self.key] = entry
            self._write_section(partners)
        finally:
            if held:
                lock.release()

    def defer_until(self, instant):
        """Nobody of this partner sends before instant (wall clock); the later of this and any recorded deadline wins."""
        instant = min(float(instant), self._clock() + MAX_AHEAD)

        def change(entry, now):
            current = entry.get("not_before")
            if not isinstance(current, (int, float)) or isinstance(current, bool) or current < instant:
                entry["not_before"] = instant
            entry["throttled_at"] = now

        self._update(change)

    def record_progress(self):
        """A request succeeded: while throttling is going on, say so (at most every PROGRESS_INTERVAL s per process)."""
        throttled_at = self._entry().get("throttled_at")
        now = self._clock()
        if not isinstance(throttled_at, (int, float)) or now - throttled_at > THROTTLED_WINDOW:
            return
        with self._lock:
            if self._last_progress_write is not None and now - self._last_progress_write < PROGRESS_INTERVAL:
                return
            self._last_progress_write = now

        def change(entry, now):
            progress = entry.get("progress")
            entry["progress"] = (progress if isinstance(progress, int) and not isinstance(progress, bool) else 0) + 1

        self._update(change)
