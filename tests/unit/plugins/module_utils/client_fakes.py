# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fakes for the client layer tests: a scripted transport, a token provider, a clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import threading

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import TransportError

RECORDED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "recorded")
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.SECRET-ACCESS-TOKEN.signature"
API = "https://api.partnercenter.microsoft.com"
# The recorded bodies, named *.json.bin (bytes as the service sent them: most start with a UTF-8 BOM).
RECORDED_NAMES = sorted(name for name in os.listdir(RECORDED) if ".json" in name)


def recorded(name):
    """The bytes of a recorded Partner Center body, BOM and all."""
    with open(os.path.join(RECORDED, name), "rb") as handle:
        return handle.read()


def response(status=200, body=None, headers=None):
    """A scripted answer: body may be bytes (sent as is), a dict/list (JSON) or None (empty)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode("utf-8")
    return (status, dict(headers or {}), body or b"")


class FakeTransport:
    """Answers from a script (a list of responses or TransportErrors; the last one repeats) and records every call."""

    def __init__(self, *script):
        self.script = list(script) or [response()]
        self.calls = []
        self._lock = threading.Lock()

    def __call__(self, method, url, headers, data, timeout):
        with self._lock:
            self.calls.append(dict(method=method, url=url, headers=dict(headers), data=data, timeout=timeout))
            answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if callable(answer) and not isinstance(answer, tuple):
            answer = answer(method, url, headers, data, timeout)
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTokenProvider:
    def __init__(self, can_refresh=True, token=ACCESS_TOKEN):
        self.can_refresh = can_refresh
        self.token = token
        self.invalidations = 0
        self.rejected = []
        self.token_requests = 0

    def get_token(self):
        return self.token

    def invalidate(self, rejected=None):
        self.rejected.append(rejected)
        self.invalidations += 1
        self.token = "%s-fresh-%d" % (ACCESS_TOKEN, self.invalidations)


class FakeClock:
    """monotonic() and sleep() that only move when slept; records the waits."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []
        self._lock = threading.Lock()

    def monotonic(self):
        with self._lock:
            return self.now

    def sleep(self, seconds):
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def timeout_error():
    return TransportError(TransportError.TIMEOUT, "read timed out after 30 s")
