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
import re
import threading
import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, hint_for, option
from ansible_collections.partnercenter.csp.plugins.module_utils.retry import RETRY_STATUSES, backoff_delay, parse_retry_after
from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import EXPIRY_SKEW, cache_key
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
# When Entra ID does not say how long a token lives (it always does), assume this.
DEFAULT_LIFETIME = 3600
_REDACTED = "********"


class _TransientTokenError(PartnerCenterError):
    """The token endpoint did not answer, or answered 429/5xx: worth another attempt."""


def _first_line(text):
    """The first line of an AADSTS description, without the Trace ID / Correlation ID / Timestamp that follow it."""
    text = (text or "").strip()
    if not text:
        return ""
    return re.split(r"\s*Trace ID:", text.splitlines()[0], maxsplit=1)[0].strip()


def _requests_reason(text):
    """The useful part of a requests exception text ('[SSL: CERTIFICATE_VERIFY_FAILED] ...', '[Errno 111] ...')."""
    for pattern in (r"\[SSL: [^\]]+\][^'\"]*", r"\[Errno -?\d+\][^'\"]*", r"Read timed out[^'\"]*"):
        match = re.search(pattern, text)
        if match:
            return re.sub(r"\s*\(_ssl\.c:\d+\)", "", match.group(0)).strip().rstrip(".")
    return _first_line(text)


def _make_http_client(requests, validate_certs, ca_path, timeout):
    """A requests.Session for msal whose TLS verification is exactly ca_path / False / the default.

    requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override Session.verify; passing verify on
    every request makes an explicit ca_path (or validate_certs=false) win, while proxies from the
    environment still apply. It also records the status of the last response (for error reports).
    """
    if not validate_certs:
        verify = False
    elif ca_path:
        verify = ca_path
    else:
        verify = None  # requests' default: the environment's bundle or certifi

    class _Session(requests.Session):
        last_status = None
        last_retry_after = None

        def request(self, method, url, *args, **kwargs):
            if verify is not None:
                kwargs["verify"] = verify
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            response = super(_Session, self).request(method, url, *args, **kwargs)
            self.last_status = response.status_code
            self.last_retry_after = response.headers.get("Retry-After")
            return response

    session = _Session()
    adapter = requests.adapters.HTTPAdapter(max_retries=1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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

    # -- acquisition -----------------------------------------------------------------------------

    def _scrub(self, text):
        text = text or ""
        for secret in (self._refresh_token, self._client_secret, self._access_token, self._token, self.new_refresh_token):
            if secret:
                text = text.replace(secret, _REDACTED)
        return text

    def _error(self, message, status=None, code=None, description=None, hint=None, transient=False):
        error_class = _TransientTokenError if transient else PartnerCenterError
        return error_class(
            self._scrub("Could not obtain a Partner Center access token from %s: %s" % (self.authority, message)),
            status=status, code=code, description=self._scrub(description) if description else None, hint=hint)

    def _acquire(self):
        if not self._refresh_token:
            raise PartnerCenterError("No credentials: set %s or %s." % (option("refresh_token"), option("access_token")))
        try:
            import requests
        except ImportError:
            raise PartnerCenterError(missing_required_lib("requests"))
        try:
            import msal
        except ImportError:
            raise PartnerCenterError(missing_required_lib("msal"))

        retry = 0
        while True:
            http_client = _make_http_client(requests, self.validate_certs, self.ca_path, self.timeout)
            self.token_requests += 1
            try:
                result = self._redeem(msal, requests, http_client)
                if isinstance(result, dict) and "access_token" not in result and http_client.last_status in RETRY_STATUSES:
                    raise self._token_endpoint_error(result, http_client.last_status, transient=True)
                break
            except _TransientTokenError as error:
                if retry >= self.retries:
                    error.message += " (gave up after %d attempts)" % (retry + 1)
                    error.args = (error.message,)
                    raise
                self._sleep(self._retry_delay(retry, http_client.last_retry_after))
                retry += 1
            finally:
                http_client.close()
        if not isinstance(result, dict):
            raise self._error("msal returned no result.", status=http_client.last_status)
        # Register every token before anything else happens with it.
        for name in ("access_token", "refresh_token", "id_token"):
            if result.get(name):
                self._register_secret(result[name])
        if "access_token" not in result:
            raise self._token_endpoint_error(result, http_client.last_status)
        if result.get("refresh_token") and result["refresh_token"] != self._refresh_token:
            self.new_refresh_token = result["refresh_token"]
        try:
            lifetime = int(result.get("expires_in") or DEFAULT_LIFETIME)
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME
        return result["access_token"], self._clock() + lifetime

    def _retry_delay(self, retry, retry_after):
        delay = parse_retry_after(retry_after)
        if delay is None:
            delay = backoff_delay(retry, self.retry_max_delay, self._rand)
        return min(delay, self.retry_max_delay)

    def _redeem(self, msal, requests, http_client):
        """msal's answer to the refresh token; transport and configuration failures as PartnerCenterError
        (_TransientTokenError for those worth another attempt)."""
        try:
            kwargs = dict(authority=self.authority, http_client=http_client, instance_discovery=False,
                          app_name=COLLECTION_NAME, app_version=COLLECTION_VERSION)
            if self._client_secret:
                app = msal.ConfidentialClientApplication(self.client_id, client_credential=self._client_secret, **kwargs)
            else:
                app = msal.PublicClientApplication(self.client_id, **kwargs)
            return app.acquire_token_by_refresh_token(self._refresh_token, scopes=[PARTNER_CENTER_SCOPE])
        except requests.exceptions.SSLError as error:
            raise self._error(
                "TLS certificate verification of %s failed (%s). Set %s to the CA bundle that signed its certificate, "
                "or %s to false (insecure)." % (self.authority_host, self._exception_text(error), option("ca_path"),
                                                option("validate_certs")))
        except requests.exceptions.Timeout:
            raise self._error("no answer within %s seconds (%s)." % (self.timeout, option("timeout")), transient=True)
        except requests.exceptions.HTTPError:
            # msal raises for a 5xx answer
            raise self._error("HTTP %s from the token endpoint." % http_client.last_status, status=http_client.last_status,
                              transient=http_client.last_status in RETRY_STATUSES)
        except requests.exceptions.RequestException as error:
            raise self._error("cannot connect to %s (%s); check %s and the proxy settings."
                              % (self.authority_host, self._exception_text(error), option("authority_host")),
                              transient=isinstance(error, requests.exceptions.ConnectionError))
        except ValueError as error:
            if http_client.last_status in RETRY_STATUSES:
                # a throttled or failing token endpoint whose answer is not JSON
                raise self._error("HTTP %s from the token endpoint." % http_client.last_status,
                                  status=http_client.last_status, transient=True)
            # msal: the tenant's OpenID configuration could not be read (unknown tenant or host).
            raise self._error("cannot read the OpenID configuration of tenant %s (%s). Check %s and %s."
                              % (self.tenant_id, _first_line(str(error)), option("tenant_id"), option("authority_host")),
                              status=http_client.last_status)
        except Exception as error:  # pylint: disable=broad-except
            # newer msal raises its own MsalServiceError for a 5xx answer
            raise self._error("%s: %s" % (type(error).__name__, _first_line(str(error))), status=http_client.last_status,
                              transient=http_client.last_status in RETRY_STATUSES)

    def _exception_text(self, error):
        return _requests_reason(self._scrub(str(error)))[:300]

    def _token_endpoint_error(self, result, status, transient=False):
        oauth_error = str(result.get("error") or "unknown_error")
        codes = result.get("error_codes") or []
        code = codes[0] if isinstance(codes, list) and codes else None
        description = _first_line(result.get("error_description"))
        message = "%s%s" % (oauth_error, (": " + description) if description else "")
        ids = []
        if result.get("trace_id"):
            ids.append("trace id %s" % result["trace_id"])
        if result.get("correlation_id"):
            ids.append("correlation id %s" % result["correlation_id"])
        if ids:
            message += " (Entra ID %s)" % ", ".join(ids)
        return self._error(message, status=status, code=code, description=description or oauth_error,
                           hint=hint_for(status, code, oauth_error=oauth_error), transient=transient)
