# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The per-user access-token cache file.

One JSON file, {"version": 1, "tokens": {key: {"access_token": ..., "expires_on": ...}}}, kept
with private_files.PrivateFile (0600 in a 0700 directory, replaced atomically, untrusted files
neither read nor written). The key is a hash of everything that decides whose token it is (see
cache_key); the refresh token itself is never stored. A lock beside the file (tokens.json.lock)
lets the processes of a run redeem the refresh token one at a time, so that a playbook with many
forks and a cold cache asks the token endpoint once.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import time

from ansible_collections.partnercenter.csp.plugins.module_utils.private_files import COLLECTION_DIRECTORY, PrivateDocument

CACHE_VERSION = 1
# A cached token that expires within this many seconds is not handed out.
EXPIRY_SKEW = 120


def default_token_cache_path():
    """$XDG_CACHE_HOME (or ~/.cache)/partnercenter.csp/tokens.json."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, COLLECTION_DIRECTORY, "tokens.json")


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


class TokenCache(PrivateDocument):
    """Access tokens by key in one file. get/put/drop never raise for file problems: they warn and go on."""

    VERSION = CACHE_VERSION
    SECTION = "tokens"
    LABEL = "Token cache"

    def __init__(self, path, clock=time.time):
        super(TokenCache, self).__init__(path, clock)

    def _load(self):
        """The tokens dict of the file; {} when it is absent or corrupt."""
        return dict((key, entry) for key, entry in self._read_section().items() if _valid_entry(entry))

    def _store(self, tokens):
        now = self._clock()
        self._write_section(dict((key, entry) for key, entry in tokens.items() if entry["expires_on"] > now))

    def get(self, key):
        """(access_token, expires_on) or None when absent or expiring within EXPIRY_SKEW seconds."""
        if not self._file.trusted():
            return None
        entry = self._load().get(key)
        if entry is None or entry["expires_on"] - self._clock() < EXPIRY_SKEW:
            return None
        return entry["access_token"], entry["expires_on"]

    def put(self, key, access_token, expires_on):
        if not self._file.trusted():
            return
        tokens = self._load()
        tokens[key] = {"access_token": access_token, "expires_on": expires_on}
        self._store(tokens)

    def drop(self, key, access_token=None):
        """Forget the token under key; with access_token, only if that is still the one stored (another process may have
        replaced it with a fresh one already)."""
        if not self._file.trusted():
            return
        tokens = self._load()
        if key in tokens and (access_token is None or tokens[key]["access_token"] == access_token):
            del tokens[key]
            self._store(tokens)

    def redeem_lock(self):
        """The cross-process lock the redeem of a refresh token holds (file_lock.FileLock); None when the cache is not trusted."""
        if not self._file.trusted():
            return None
        return self._file.lock()
