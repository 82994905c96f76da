# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""TokenEndpoint: Entra ID's token endpoint for one application, redeeming a refresh token with msal (retries, errors).

It holds no token: TokenProvider (auth.py), which owns the life of a token (the configured and the
newest refresh token, the rotation record, the access-token cache), calls redeem() and imports this
file only when no usable access token is held or cached.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import re
import ssl
import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.partnercenter.csp.plugins.module_utils import error_reports
from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import tls_context
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, option
from ansible_collections.partnercenter.csp.plugins.module_utils.redaction import redact
from ansible_collections.partnercenter.csp.plugins.module_utils.retry import RETRY_STATUSES, backoff_delay, parse_retry_after
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION

# When Entra ID does not say how long a token lives (it always does), assume this.
DEFAULT_LIFETIME = 3600


class _TransientTokenError(PartnerCenterError):
    """The token endpoint did not answer, or answered 429/5xx: worth another attempt."""


class RefusedGrant(PartnerCenterError):
    """Entra ID refused the refresh token itself (invalid_grant: expired, revoked, another client's)."""


class Redeemed:
    """What one redeem obtained: the access token, when it expires (epoch seconds), and the rotated refresh token
    Entra ID returned with it (None when it returned none, or the same one)."""

    def __init__(self, access_token, expires_on, refresh_token):
        self.access_token = access_token
        self.expires_on = expires_on
        self.refresh_token = refresh_token


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
    """A requests.Session for msal that trusts exactly what the Partner Center calls trust (api_client.tls_context:
    ca_path, else the system trust store), whatever REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or certifi say; proxies from
    the environment still apply. It also records the status of the last response (for error reports).
    """
    context = tls_context(True, ca_path) if validate_certs else None

    class _Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            if context is not None:
                kwargs["ssl_context"] = context
            return super(_Adapter, self).init_poolmanager(*args, **kwargs)

        def proxy_manager_for(self, proxy, **kwargs):
            if context is not None:
                kwargs["ssl_context"] = context
            return super(_Adapter, self).proxy_manager_for(proxy, **kwargs)

        def cert_verify(self, conn, url, verify, cert):
            super(_Adapter, self).cert_verify(conn, url, verify, cert)
            if verify and context is not None:
                conn.ca_certs = conn.ca_cert_dir = None   # the context's store only: requests would add certifi's

    class _Session(requests.Session):
        last_status = None
        last_retry_after = None

        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            settings = super(_Session, self).merge_environment_settings(url, proxies, stream, verify, cert)
            # A boolean, never a path: REQUESTS_CA_BUNDLE must not replace the context's store (proxies still apply).
            settings["verify"] = bool(validate_certs)
            return settings

        def request(self, method, url, *args, **kwargs):
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            response = super(_Session, self).request(method, url, *args, **kwargs)
            self.last_status = response.status_code
            self.last_retry_after = response.headers.get("Retry-After")
            return response

    session = _Session()
    adapter = _Adapter(max_retries=1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def redeem_lineage(endpoint, configured, lineage, rotate, clock, hide=()):
    """(Redeemed, the lineage's new rotation record) for a redeem of the newest refresh token in the record lineage (or of
    configured when there is none, or rotate is off), once more with configured when Entra ID refuses the newest.

    The record: {"configured_first_seen": epoch, "newest": {"refresh_token", "first_seen"}}; TokenProvider (auth.py) owns
    it and stores it. Here only to keep the redeem's code out of the tasks that never redeem (each file a task imports is
    compiled on every run).
    """
    lineage = dict(lineage or {})
    newest = lineage.get("newest") if rotate else None
    hide = (configured, (newest or {}).get("refresh_token")) + tuple(hide)
    if newest and newest["refresh_token"] != configured:
        try:
            redeemed = endpoint.redeem(newest["refresh_token"], hide=hide)
        except RefusedGrant:
            # The newest held was refused (revoked, or left to expire): the configured one, once.
            lineage.pop("newest", None)
            redeemed = endpoint.redeem(configured, hide=hide)
    else:
        redeemed = endpoint.redeem(configured, hide=hide)
    now = clock()
    lineage.setdefault("configured_first_seen", now)
    if rotate and redeemed.refresh_token:
        lineage["newest"] = {"refresh_token": redeemed.refresh_token, "first_seen": now}
    if not rotate:
        lineage.pop("newest", None)
    return redeemed, lineage


class TokenEndpoint:
    """Redeems refresh tokens of one application (client_id, client_secret) in one tenant, with retries. Holds no token.

    attempts counts the token requests sent; register_secret is called with every token Entra ID returns before
    anything else happens with it.
    """

    def __init__(self, authority_host, tenant_id, client_id, client_secret=None, scope=None, validate_certs=True, ca_path=None,
                 timeout=30, retries=3, retry_max_delay=60, register_secret=lambda s: None, clock=time.time, sleep=time.sleep,
                 rand=random.random):
        self.authority_host = authority_host
        self.tenant_id = tenant_id
        self.authority = "%s/%s" % (authority_host, tenant_id)
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self._register_secret = register_secret
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self.attempts = 0
        self._hidden = ()

    def _scrub(self, text):
        """text without the secrets of this redeem, in any of their escaped forms (redaction.redact)."""
        return redact(text or "", (self._client_secret,) + tuple(self._hidden))

    def _error(self, message, status=None, code=None, description=None, hint=None, error_class=PartnerCenterError):
        return error_class(
            self._scrub("Could not obtain a Partner Center access token from %s: %s" % (self.authority, message)),
            status=status, code=code, description=self._scrub(description) if description else None, hint=hint)

    def redeem(self, refresh_token, hide=()):
        """Redeemed for refresh_token; PartnerCenterError (RefusedGrant when the token itself is refused) otherwise.
        hide: more secrets to keep out of error messages (the other refresh tokens of the lineage)."""
        self._hidden = (refresh_token,) + tuple(hide)
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
            try:
                http_client = _make_http_client(requests, self.validate_certs, self.ca_path, self.timeout)
            except (IOError, OSError, ssl.SSLError) as error:
                raise self._error("cannot load the CA bundle %s (%s); check %s." % (self.ca_path, error, option("ca_path")))
            self.attempts += 1
            try:
                result = self._redeem(msal, requests, http_client, refresh_token)
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
        try:
            lifetime = int(result.get("expires_in") or DEFAULT_LIFETIME)
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME
        rotated = result.get("refresh_token")
        return Redeemed(result["access_token"], self._clock() + lifetime, rotated if rotated and rotated != refresh_token else None)

    def _retry_delay(self, retry, retry_after):
        delay = parse_retry_after(retry_after)
        if delay is None:
            delay = backoff_delay(retry, self.retry_max_delay, self._rand)
        return min(delay, self.retry_max_delay)

    def _redeem(self, msal, requests, http_client, refresh_token):
        """msal's answer to the refresh token; transport and configuration failures as PartnerCenterError
        (_TransientTokenError for those worth another attempt)."""
        try:
            kwargs = dict(authority=self.authority, http_client=http_client, instance_discovery=False,
                          app_name=COLLECTION_NAME, app_version=COLLECTION_VERSION)
            if self._client_secret:
                app = msal.ConfidentialClientApplication(self.client_id, client_credential=self._client_secret, **kwargs)
            else:
                app = msal.PublicClientApplication(self.client_id, **kwargs)
            return app.acquire_token_by_refresh_token(refresh_token, scopes=[self.scope])
        except requests.exceptions.SSLError as error:
            raise self._error(
                "TLS certificate verification of %s failed (%s). Set %s to the CA bundle that signed its certificate, "
                "or %s to false (insecure)." % (self.authority_host, self._exception_text(error), option("ca_path"),
                                                option("validate_certs")))
        except requests.exceptions.Timeout:
            raise self._error("no answer within %s seconds (%s)." % (self.timeout, option("timeout")), error_class=_TransientTokenError)
        except requests.exceptions.HTTPError:
            # msal raises for a 5xx answer
            raise self._error("HTTP %s from the token endpoint." % http_client.last_status, status=http_client.last_status,
                              error_class=self._transient_if(http_client.last_status in RETRY_STATUSES))
        except requests.exceptions.RequestException as error:
            raise self._error("cannot connect to %s (%s); check %s and the proxy settings."
                              % (self.authority_host, self._exception_text(error), option("authority_host")),
                              error_class=self._transient_if(isinstance(error, requests.exceptions.ConnectionError)))
        except ValueError as error:
            if http_client.last_status in RETRY_STATUSES:
                # a throttled or failing token endpoint whose answer is not JSON
                raise self._error("HTTP %s from the token endpoint." % http_client.last_status,
                                  status=http_client.last_status, error_class=_TransientTokenError)
            # msal: the tenant's OpenID configuration could not be read (unknown tenant or host).
            raise self._error("cannot read the OpenID configuration of tenant %s (%s). Check %s and %s."
                              % (self.tenant_id, _first_line(str(error)), option("tenant_id"), option("authority_host")),
                              status=http_client.last_status)
        except Exception as error:  # pylint: disable=broad-except
            # newer msal raises its own MsalServiceError for a 5xx answer
            raise self._error("%s: %s" % (type(error).__name__, _first_line(str(error))), status=http_client.last_status,
                              error_class=self._transient_if(http_client.last_status in RETRY_STATUSES))

    @staticmethod
    def _transient_if(transient):
        return _TransientTokenError if transient else PartnerCenterError

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
        if transient:
            error_class = _TransientTokenError
        else:
            error_class = RefusedGrant if oauth_error == "invalid_grant" else PartnerCenterError
        return self._error(message, status=status, code=code, description=description or oauth_error,
                           hint=error_reports.hint_for(status, code, oauth_error=oauth_error), error_class=error_class)
