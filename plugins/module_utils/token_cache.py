# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The per-user access-token cache file.

One JSON file, {"version": 1, "tokens": {key: {"access_token": ..., "expires_on": ...}}}, in a
0700 directory, written 0600 and atomically (a temporary file in the same directory, then
os.replace), so a concurrent reader sees the old file or the new one, never a torn one. The key
is a hash of everything that decides whose token it is (see cache_key); the refresh token itself
is never stored. A file or directory that another user owns, or that group or others may write,
is neither read nor written: a warning is collected in TokenCache.warnings instead.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import stat
import tempfile
import time

CACHE_VERSION = 1
# A cached token that expires within this many seconds is not handed out.
EXPIRY_SKEW = 120


def default_token_cache_path():
    """$XDG_CACHE_HOME (or ~/.cache)/partnercenter.csp/tokens.json."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "partnercenter.csp", "tokens.json")


def cache_key(authority_host, tenant_id, client_id, refresh_token, scope):
    """sha256 hex of the identity a token belongs to: another host, tenant, client, refresh token or scope gives another key."""
    parts = [
        "partnercenter.csp/v%d" % CACHE_VERSION,
        (authority_host or "").strip().rstrip("/").lower(),
        (tenant_id or "").strip().lower(),
        (client_id or "").strip().lower(),
        refresh_token or "",
        scope or "",
    ]
    material = json.dumps(parts, separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _valid_entry(entry):
    return (isinstance(entry, dict) and isinstance(entry.get("access_token"), str) and entry["access_token"]
            and isinstance(entry.get("expires_on"), (int, float)) and not isinstance(entry.get("expires_on"), bool))


class TokenCache:
    """Access tokens by key in one file. get/put/drop never raise for file problems: they warn and go on."""

    def __init__(self, path, clock=time.time):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.directory = os.path.dirname(self.path)
        self.warnings = []
        self._clock = clock
        self._trusted = None

    def _warn(self, text):
        if text not in self.warnings:
            self.warnings.append(text)

    def _untrusted(self, what, path, st):
        """A reason not to trust path, or None."""
        uid = os.getuid()
        if st.st_uid != uid:
            return "%s %s is owned by uid %d, not by the current user (uid %d)" % (what, path, st.st_uid, uid)
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return "%s %s is writable by group or others (mode %04o)" % (what, path, stat.S_IMODE(st.st_mode))
        return None

    def _check(self):
        """True when the directory (created 0700 if missing) and the file (if present) may be used."""
        if self._trusted is not None:
            return self._trusted
        reason = None
        try:
            if not os.path.isdir(self.directory):
                os.makedirs(self.directory, 0o700)
                os.chmod(self.directory, 0o700)
            st = os.stat(self.directory)
            reason = self._untrusted("directory", self.directory, st)
            if reason is None:
                try:
                    st = os.lstat(self.path)
                except OSError:
                    st = None
                if st is not None:
                    if not stat.S_ISREG(st.st_mode):
                        reason = "%s is not a regular file" % self.path
                    else:
                        reason = self._untrusted("file", self.path, st)
        except OSError as error:
            reason = "cannot create or inspect %s (%s)" % (self.directory, error.strerror or error)
        if reason is not None:
            self._warn("Token cache not used: %s. Fix it, or set token_cache_path (PARTNERCENTER_TOKEN_CACHE_PATH) "
                       "to a file in a directory only you can write, or token_cache=false." % reason)
        self._trusted = reason is None
        return self._trusted

    def _load(self):
        """The tokens dict of the file; {} when it is absent or corrupt."""
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
        except (IOError, OSError):
            return {}
        try:
            document = json.loads(raw.decode("utf-8"))
        except ValueError:
            return {}
        if not isinstance(document, dict) or document.get("version") != CACHE_VERSION or not isinstance(document.get("tokens"), dict):
            return {}
        return dict((key, entry) for key, entry in document["tokens"].items() if _valid_entry(entry))

    def _store(self, tokens):
        now = self._clock()
        tokens = dict((key, entry) for key, entry in tokens.items() if entry["expires_on"] > now)
        data = json.dumps({"version": CACHE_VERSION, "tokens": tokens}, separators=(",", ":"), sort_keys=True)
        tmp_path = None
        try:
            fd, tmp_path = tempfile.mkstemp(prefix=".tokens.", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(data.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_path, self.path)
            tmp_path = None
        except (IOError, OSError) as error:
            self._warn("Token cache %s could not be written: %s." % (self.path, error.strerror or error))
        finally:
            if tmp_path is not None:
                try:
                    os.unlink(tmp_path)
                except OSError:
                    pass

    def get(self, key):
        """(access_token, expires_on) or None when absent or expiring within EXPIRY_SKEW seconds."""
        if not self._check():
            return None
        entry = self._load().get(key)
        if entry is None or entry["expires_on"] - self._clock() < EXPIRY_SKEW:
            return None
        return entry["access_token"], entry["expires_on"]

    def put(self, key, access_token, expires_on):
        if not self._check():
            return
        tokens = self._load()
        tokens[key] = {"access_token": access_token, "expires_on": expires_on}
        self._store(tokens)

    def drop(self, key):
        if not self._check():
            return
        tokens = self._load()
        if key in tokens:
            del tokens[key]
            self._store(tokens)
