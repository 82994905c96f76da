# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Redeeming the Secure Application Model refresh token with msal: the token endpoint's retries and errors.

TokenProvider (auth.py) imports this only when no usable token is held or cached.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.partnercenter.csp.plugins.module_utils import error_reports
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, option
from ansible_collections.partnercenter.csp.plugins.module_utils.redaction import redact
from ansible_collections.partnercenter.csp.plugins.module_utils.retry import RETRY_STATUSES, backoff_delay, parse_retry_after
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION

# When Entra ID does not say how long a token lives (it always does), assume this.
DEFAULT_LIFETIME = 3600


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


class Redemption:
    """One redeem of the provider's refresh token, with its retries; p is the auth.TokenProvider, whose credentials,
    settings and counters it reads and sets (the two are one class split in two files, for the import cost)."""

    def __init__(self, provider):
        self.p = provider

    def _scrub(self, text):
        """text without the provider's secrets, in any of their escaped forms (redaction.redact)."""
        return redact(text or "", (self.p._refresh_token, self.p._client_secret, self.p._access_token, self.p._token,
                                   self.p.new_refresh_token))

    def _error(self, message, status=None, code=None, description=None, hint=None, transient=False):
        error_class = _TransientTokenError if transient else PartnerCenterError
        return error_class(
            self._scrub("Could not obtain a Partner Center access token from %s: %s" % (self.p.authority, message)),
            status=status, code=code, description=self._scrub(description) if description else None, hint=hint)

    def acquire(self):
        if not self.p._refresh_token:
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
            http_client = _make_http_client(requests, self.p.validate_certs, self.p.ca_path, self.p.timeout)
            self.p.token_requests += 1
            try:
                result = self._redeem(msal, requests, http_client)
                if isinstance(result, dict) and "access_token" not in result and http_client.last_status in RETRY_STATUSES:
                    raise self._token_endpoint_error(result, http_client.last_status, transient=True)
                break
            except _TransientTokenError as error:
                if retry >= self.p.retries:
                    error.message += " (gave up after %d attempts)" % (retry + 1)
                    error.args = (error.message,)
                    raise
                self.p._sleep(self._retry_delay(retry, http_client.last_retry_after))
                retry += 1
            finally:
                http_client.close()
        if not isinstance(result, dict):
            raise self._error("msal returned no result.", status=http_client.last_status)
        # Register every token before anything else happens with it.
        for name in ("access_token", "refresh_token", "id_token"):
            if result.get(name):
                self.p._register_secret(result[name])
        if "access_token" not in result:
            raise self._token_endpoint_error(result, http_client.last_status)
        if result.get("refresh_token") and result["refresh_token"] != self.p._refresh_token:
            self.p.new_refresh_token = result["refresh_token"]
        try:
            lifetime = int(result.get("expires_in") or DEFAULT_LIFETIME)
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME
        return result["access_token"], self.p._clock() + lifetime

    def _retry_delay(self, retry, retry_after):
        delay = parse_retry_after(retry_after)
        if delay is None:
            delay = backoff_delay(retry, self.p.retry_max_delay, self.p._rand)
        return min(delay, self.p.retry_max_delay)

    def _redeem(self, msal, requests, http_client):
        """msal's answer to the refresh token; transport and configuration failures as PartnerCenterError
        (_TransientTokenError for those worth another attempt)."""
        try:
            kwargs = dict(authority=self.p.authority, http_client=http_client, instance_discovery=False,
                          app_name=COLLECTION_NAME, app_version=COLLECTION_VERSION)
            if self.p._client_secret:
                app = msal.ConfidentialClientApplication(self.p.client_id, client_credential=self.p._client_secret, **kwargs)
            else:
                app = msal.PublicClientApplication(self.p.client_id, **kwargs)
            return app.acquire_token_by_refresh_token(self.p._refresh_token, scopes=[self.p.scope])
        except requests.exceptions.SSLError as error:
            raise self._error(
                "TLS certificate verification of %s failed (%s). Set %s to the CA bundle that signed its certificate, "
                "or %s to false (insecure)." % (self.p.authority_host, self._exception_text(error), option("ca_path"),
                                                option("validate_certs")))
        except requests.exceptions.Timeout:
            raise self._error("no answer within %s seconds (%s)." % (self.p.timeout, option("timeout")), transient=True)
        except requests.exceptions.HTTPError:
            # msal raises for a 5xx answer
            raise self._error("HTTP %s from the token endpoint." % http_client.last_status, status=http_client.last_status,
                              transient=http_client.last_status in RETRY_STATUSES)
        except requests.exceptions.RequestException as error:
            raise self._error("cannot connect to %s (%s); check %s and the proxy settings."
                              % (self.p.authority_host, self._exception_text(error), option("authority_host")),
                              transient=isinstance(error, requests.exceptions.ConnectionError))
        except ValueError as error:
            if http_client.last_status in RETRY_STATUSES:
                # a throttled or failing token endpoint whose answer is not JSON
                raise self._error("HTTP %s from the token endpoint." % http_client.last_status,
                                  status=http_client.last_status, transient=True)
            # msal: the tenant's OpenID configuration could not be read (unknown tenant or host).
            raise self._error("cannot read the OpenID configuration of tenant %s (%s). Check %s and %s."
                              % (self.p.tenant_id, _first_line(str(error)), option("tenant_id"), option("authority_host")),
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
                           hint=error_reports.hint_for(status, code, oauth_error=oauth_error), transient=transient)
