# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""TokenProvider: the App+User access token for Partner Center.

In order: the access token given by the user, as it is; the token this run already holds; a
token from the token cache file; a new one from Entra ID, redeeming the Secure Application Model
refresh token with msal. msal and requests are imported only on that last path.

The redeem is serialised across processes by a lock beside the cache file (double-checked: the
cache is read again once the lock is held), so the forks of a playbook with a cold cache ask the
token endpoint once and the others read what it wrote.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import threading
import time

from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import EXPIRY_SKEW, cache_key

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"


class TokenProvider:
    """Hands out the access token for Partner Center calls. Thread-safe."""

    def __init__(self, authority_host, tenant_id, client_id=None, client_secret=None, refresh_token=None, access_token=None,
                 cache=None, validate_certs=True, ca_path=None, timeout=30, register_secret=lambda s: None, clock=time.time,
                 retries=3, retry_max_delay=60, sleep=time.sleep, rand=random.random):
        self.authority_host = (authority_host or "").rstrip("/")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._access_token = access_token
        self.cache = cache
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
        self._token = None
        self._expires_on = None
        # A rotated refresh token Entra ID returned with the last acquisition (registered as a secret; never stored).
        self.new_refresh_token = None
        self.token_requests = 0
        self.authority = "%s/%s" % (self.authority_host, tenant_id)
        self.scope = PARTNER_CENTER_SCOPE
        self._key = None
        if refresh_token:
            self._key = cache_key(self.authority_host, tenant_id, client_id, refresh_token, PARTNER_CENTER_SCOPE)

    @property
    def can_refresh(self):
        """False when a fixed access token was given: a 401 cannot be cured by asking again."""
        return not self._access_token and bool(self._refresh_token)

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
                token, expires_on = self._acquire()
                self._token, self._expires_on = token, expires_on
                if self.cache is not None:
                    self.cache.put(self._key, token, expires_on)
                return token
            finally:
                if held:
                    lock.release()

    def _from_cache(self):
        """Take the cached token when there is a usable one (True); under self._lock."""
        cached = self.cache.get(self._key) if self.cache is not None else None
        if cached is None:
            return False
        self._register_secret(cached[0])
        self._token, self._expires_on = cached
        return True

    def _redeem_wait(self):
        """How long to wait for another process's redeem: its worst case (every attempt timing out, every backoff at its cap)."""
        return self.timeout * (self.retries + 1) + self.retry_max_delay * self.retries + 5

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

    def _acquire(self):
        """(access_token, expires_on) from Entra ID. The redeem code (and msal) is imported only now: with a cached token
        a task never compiles it."""
        from ansible_collections.partnercenter.csp.plugins.module_utils.token_endpoint import Redemption
        return Redemption(self).acquire()
