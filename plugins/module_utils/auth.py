# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""TokenProvider: the life of the App+User token for Partner Center, in one class.

In order: the access token given by the user, as it is; the token this run already holds; a
token from the token cache file; a new one from Entra ID, redeeming a refresh token
(token_endpoint.TokenEndpoint, which imports msal and requests, only on that last path).

Rotation: Entra ID returns a new refresh token with every redeem, and each refresh token lives 90
days from its own issue, however often it is used. The provider keeps the newest refresh token of
its lineage (the configured refresh token, tenant and client) in the token cache, redeems the newest
it holds, and falls back once to the configured one when the newest is refused.

The redeem is serialised across processes by a lock beside the cache file (double-checked: the
cache is read again once the lock is held), so the forks of a playbook with a cold cache ask the
token endpoint once, and the rotated token is recorded under the same lock, so none is lost.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import threading
import time

from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import EXPIRY_SKEW, REFRESH_TOKEN_LIFETIME, cache_key

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
# A refresh token first seen this long ago, with no newer one held, draws a warning on every task.
ROTATION_WARNING_AGE = 75 * 86400
ROTATION_GUIDE = "'Refresh token rotation' in the partnercenter.csp authentication guide"


def _date(epoch):
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def rotation_warning(first_seen, now):
    """The early warning for a refresh token first seen at first_seen (epoch seconds), or None while it is young enough."""
    if first_seen is None or now - first_seen <= ROTATION_WARNING_AGE:
        return None
    return ("The refresh token in use was first seen on %s and no newer one is held: Entra ID refuses a refresh token 90 days "
            "after its issue, so it stops working on %s at the latest (earlier if it was issued before). Store a newer one "
            "where the configured refresh token lives, or run with a persistent token cache; see %s."
            % (_date(first_seen), _date(first_seen + REFRESH_TOKEN_LIFETIME), ROTATION_GUIDE))


class TokenProvider:
    """Hands out the access token for Partner Center calls and keeps the refresh token lineage rotated. Thread-safe."""

    def __init__(self, authority_host, tenant_id, client_id=None, client_secret=None, refresh_token=None, access_token=None,
                 cache=None, validate_certs=True, ca_path=None, timeout=30, register_secret=lambda s: None, clock=time.time,
                 retries=3, retry_max_delay=60, sleep=time.sleep, rand=random.random, rotate=True):
        self.authority_host = (authority_host or "").rstrip("/")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._access_token = access_token
        self.cache = cache
        self.rotate = rotate
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self._register_secret = register_secret
        self._clock = clock
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self._sleep = sleep
        self._rand = rand
        self._lock = threading.Lock()
        self._endpoint = None
        self._token = None
        self._expires_on = None
        # The lineage record as last read or written: {"configured_first_seen": t, "newest": {"refresh_token", "first_seen"}}.
        self._lineage = None
        # The refresh token this run obtained from its own redeem (registered as a secret).
        self._rotated_now = None
        self.authority = "%s/%s" % (self.authority_host, tenant_id)
        self.scope = PARTNER_CENTER_SCOPE
        self._key = None
        if refresh_token:
            self._key = cache_key(self.authority_host, tenant_id, client_id, refresh_token, PARTNER_CENTER_SCOPE)

    @property
    def can_refresh(self):
        """False when a fixed access token was given: a 401 cannot be cured by asking again."""
        return not self._access_token and bool(self._refresh_token)

    @property
    def token_requests(self):
        """Token requests sent to Entra ID by this provider."""
        return self._endpoint.attempts if self._endpoint is not None else 0

    @property
    def newest_refresh_token(self):
        """The newest refresh token of the lineage known to this run: the one its own redeem obtained, else the newest in
        the rotation record, else the configured one. A secret (registered)."""
        newest = (self._lineage or {}).get("newest") if self.rotate else None
        return self._rotated_now or (newest or {}).get("refresh_token") or self._refresh_token

    @property
    def first_seen(self):
        """When the collection first saw the refresh token in use (epoch seconds), or None when it is not known."""
        lineage = self._lineage or {}
        newest = lineage.get("newest") if self.rotate else None
        return (newest or {}).get("first_seen") or lineage.get("configured_first_seen")

    @property
    def warnings(self):
        """The early warning when the refresh token in use is old (see rotation_warning), as a list."""
        warning = rotation_warning(self.first_seen, self._clock())
        return [warning] if warning else []

    def get_token(self):
        if self._access_token:
            return self._access_token
        with self._lock:
            if self._token and self._expires_on - self._clock() >= EXPIRY_SKEW:
                return self._token
            if self._from_cache():
                return self._token
            lock = self.cache.redeem_lock() if self.cache is not None else None
            held = lock.acquire(self._redeem_wait()) if lock is not None else False
            try:
                if held and self._from_cache():
                    return self._token   # another process redeemed while this one waited
                self._redeem()
                return self._token
            finally:
                if held:
                    lock.release()

    def _from_cache(self):
        """Take the cached token when there is a usable one (True); reads the lineage record in the same read. Under self._lock."""
        if self.cache is None:
            return False
        cached, lineage = self.cache.lookup(self._key)
        self._note_lineage(lineage)
        if cached is None:
            return False
        self._register_secret(cached[0])
        self._token, self._expires_on = cached
        return True

    def _note_lineage(self, lineage):
        self._lineage = lineage
        newest = (lineage or {}).get("newest")
        if newest:
            self._register_secret(newest["refresh_token"])

    def _redeem(self):
        """Redeem the lineage's newest refresh token (token_endpoint.redeem_lineage), then record the access token and the
        rotation record in the cache. Under self._lock and, when there is one, the redeem lock."""
        from ansible_collections.partnercenter.csp.plugins.module_utils.token_endpoint import redeem_lineage
        redeemed, lineage = redeem_lineage(self._token_endpoint(), self._refresh_token, self._lineage, self.rotate, self._clock,
                                           hide=(self._rotated_now,))
        self._token, self._expires_on = redeemed.access_token, redeemed.expires_on
        self._rotated_now = redeemed.refresh_token or self._rotated_now
        self._lineage = lineage
        if self.cache is not None:
            self.cache.record(self._key, redeemed.access_token, redeemed.expires_on, lineage)

    def _token_endpoint(self):
        """The token endpoint (and msal) is imported only now: with a cached token a task never compiles it."""
        if self._endpoint is None:
            from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, option
            if not self._refresh_token:
                raise PartnerCenterError("No credentials: set %s or %s." % (option("refresh_token"), option("access_token")))
            from ansible_collections.partnercenter.csp.plugins.module_utils.token_endpoint import TokenEndpoint
            self._endpoint = TokenEndpoint(
                self.authority_host, self.tenant_id, self.client_id, client_secret=self._client_secret, scope=self.scope,
                validate_certs=self.validate_certs, ca_path=self.ca_path, timeout=self.timeout, retries=self.retries,
                retry_max_delay=self.retry_max_delay, register_secret=self._register_secret, clock=self._clock,
                sleep=self._sleep, rand=self._rand)
        return self._endpoint

    def _redeem_wait(self):
        """How long to wait for another process's redeem: its worst case (every attempt timing out, every backoff at its cap),
        twice (the newest refresh token refused, then the configured one)."""
        return 2 * (self.timeout * (self.retries + 1) + self.retry_max_delay * self.retries) + 5

    def invalidate(self, rejected=None):
        """Forget the current token (after a 401), so that the next get_token acquires a fresh one.

        rejected: the token the service refused. When another thread has replaced it already, the
        newer token is kept, so that parallel requests refused together cause one new token, not one each.
        """
        if not self.can_refresh:
            return
        with self._lock:
            if rejected is not None and self._token is not None and self._token != rejected:
                return
            self._token = None
            self._expires_on = None
            if self.cache is not None:
                self.cache.drop(self._key, rejected)
