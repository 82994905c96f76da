# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The per-user token cache file: access tokens, and the rotation record of each refresh token lineage.

One JSON file, {"version": 1, "tokens": {key: {"access_token": ..., "expires_on": ...}},
"lineages": {key: {"configured_first_seen": ..., "newest": {"refresh_token": ..., "first_seen": ...}}}},
kept with private_files.PrivateFile (0600 in a 0700 directory, replaced atomically, untrusted files
neither read nor written). The key is a hash of everything that decides whose token it is (see
cache_key): a lineage is the configured refresh token of one client in one tenant, and the newest
refresh token Entra ID returned for it is kept so that the next redeem uses it (rotation). The
configured refresh token is never stored, and is never a key in clear. A lock beside the file
(tokens.json.lock) lets the processes of a run redeem one at a time, so that a playbook with many
forks and a cold cache asks the token endpoint once and no rotated token is lost.
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
LINEAGES = "lineages"
# Entra ID refuses a refresh token this long after its issue; a lineage record older than that (and a margin) is dropped.
REFRESH_TOKEN_LIFETIME = 90 * 86400
_LINEAGE_KEPT = REFRESH_TOKEN_LIFETIME + 30 * 86400


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


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid_entry(entry):
    return (isinstance(entry, dict) and isinstance(entry.get("access_token"), str) and entry["access_token"]
            and _number(entry.get("expires_on")))


def _valid_lineage(entry):
    if not isinstance(entry, dict) or not _number(entry.get("configured_first_seen")):
        return False
    newest = entry.get("newest")
    return newest is None or (isinstance(newest, dict) and isinstance(newest.get("refresh_token"), str)
                              and newest["refresh_token"] and _number(newest.get("first_seen")))


def _last_seen(lineage):
    newest = lineage.get("newest") or {}
    return max(lineage["configured_first_seen"], newest.get("first_seen") or 0)


class TokenCache(PrivateDocument):
    """Access tokens and lineage records by key in one file. Never raises for file problems: warns and goes on."""

    VERSION = CACHE_VERSION
    SECTION = "tokens"
    LABEL = "Token cache"

    def __init__(self, path, clock=time.time):
        super(TokenCache, self).__init__(path, clock)

    def _read(self):
        """(tokens, lineages) of the file, each {} when absent or corrupt; one read of the file."""
        document = self._file.read()
        if not isinstance(document, dict) or document.get("version") != self.VERSION:
            return {}, {}
        tokens, lineages = document.get(self.SECTION), document.get(LINEAGES)
        tokens = dict((k, v) for k, v in tokens.items() if _valid_entry(v)) if isinstance(tokens, dict) else {}
        lineages = dict((k, v) for k, v in lineages.items() if _valid_lineage(v)) if isinstance(lineages, dict) else {}
        return tokens, lineages

    def _write(self, tokens, lineages):
        now = self._clock()
        document = {"version": self.VERSION,
                    self.SECTION: dict((k, v) for k, v in tokens.items() if v["expires_on"] > now)}
        kept = dict((k, v) for k, v in lineages.items() if now - _last_seen(v) < _LINEAGE_KEPT)
        if kept:
            document[LINEAGES] = kept
        self._file.write(document)

    def _usable(self, entry):
        if entry is None or entry["expires_on"] - self._clock() < EXPIRY_SKEW:
            return None
        return entry["access_token"], entry["expires_on"]

    def lookup(self, key):
        """((access_token, expires_on) or None, the lineage record or None) from one read of the file."""
        if not self._file.trusted():
            return None, None
        tokens, lineages = self._read()
        return self._usable(tokens.get(key)), lineages.get(key)

    def get(self, key):
        """(access_token, expires_on) or None when absent or expiring within EXPIRY_SKEW seconds."""
        return self.lookup(key)[0]

    def put(self, key, access_token, expires_on):
        self.record(key, access_token, expires_on)

    def record(self, key, access_token, expires_on, lineage=None):
        """Store an access token and, when given, the lineage record under key, in one atomic replace of the file."""
        if not self._file.trusted():
            return
        tokens, lineages = self._read()
        tokens[key] = {"access_token": access_token, "expires_on": expires_on}
        if lineage is not None:
            lineages[key] = lineage
        self._write(tokens, lineages)

    def drop(self, key, access_token=None):
        """Forget the access token under key (never the lineage record); with access_token, only if that is still the one
        stored (another process may have replaced it with a fresh one already)."""
        if not self._file.trusted():
            return
        tokens, lineages = self._read()
        if key in tokens and (access_token is None or tokens[key]["access_token"] == access_token):
            del tokens[key]
            self._write(tokens, lineages)

    def redeem_lock(self):
        """The cross-process lock the redeem of a refresh token holds (file_lock.FileLock); None when the cache is not trusted."""
        if not self._file.trusted():
            return None
        return self._file.lock()
