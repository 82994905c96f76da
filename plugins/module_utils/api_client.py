# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""PartnerCenterClient: the only code that speaks HTTP to Partner Center.

Headers on every call, retries (429 with Retry-After, 408, 5xx, timeouts and connection errors
with jittered exponential backoff, one re-authentication after a 401), throttling shared between
the threads of one client and, through throttle.SharedThrottle, the processes of a run (a wait too
long to make is scoped to the customer whose call drew it; after 429s, requests are paced), paging
along links.next, and error bodies turned into PartnerCenterError (secrets redacted).

What a write did is never guessed: a 2xx is a write made even when its body cannot be read, and a
write that failed after an attempt whose answer was lost, or was a 5xx or 408, says it may have been applied
(PartnerCenterError.may_have_written). HTTP goes through ansible.module_utils.urls; requests is
never imported on this path.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import http.client
import json
import os
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlparse

from ansible.module_utils import urls

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import (
    PartnerCenterError,
    TransportError,
    UTF8_BOM,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.retry import RETRY_STATUSES, backoff_delay, may_hide_a_write, parse_retry_after
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION

DEFAULT_API_URL = "https://api.partnercenter.microsoft.com"
API_VERSION = "/v1"
APPLICATION = "%s/%s" % (COLLECTION_NAME, COLLECTION_VERSION)
LOCALE = "en-US"
# Without a Retry-After, a 429 is not retried sooner than this.
MIN_THROTTLE_WAIT = 1.0
# After a throttling deadline, each waiter adds a random spread (full jitter) of up to a quarter of
# the wait, at most THROTTLE_SPREAD seconds, so that the requests held back do not all fire in the
# same millisecond and draw the next 429 together, yet the service's capacity is not left idle
# (measured: a wider spread loses throughput under a 1 s Retry-After, a narrower one draws more 429s).
THROTTLE_SPREAD = 1.0
THROTTLE_SPREAD_SHARE = 0.25
# A call answered 429 this often gives up even while others get through (starvation bound).
MAX_THROTTLED_ATTEMPTS = 50
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_TRY_AGAIN = re.compile(r"try again in (\d+) seconds?", re.IGNORECASE)
# The customer a call is about: its deadlines longer than the client waits are that customer's, not the partner's.
_CUSTOMER_PATH = re.compile(r"^/v1/customers/([^/?#]+)", re.IGNORECASE)
# ansible-core 2.17+ takes a prepared ssl context; older versions build one per request.
_REQUEST_TAKES_CONTEXT = "context" in urls.Request.open.__code__.co_varnames[:urls.Request.open.__code__.co_argcount]


class CaseInsensitiveDict(Mapping):
    """A read-only mapping of header names to values whose lookups ignore case."""

    def __init__(self, items=None):
        self._items = {}
        if items is not None:
            if isinstance(items, Mapping) or hasattr(items, "items"):
                items = items.items()
            for key, value in items:
                self._items[str(key).lower()] = (str(key), value)

    def __getitem__(self, key):
        return self._items[str(key).lower()][1]

    def __iter__(self):
        return iter(original for original, dummy in self._items.values())

    def __len__(self):
        return len(self._items)

    def __repr__(self):
        return "CaseInsensitiveDict(%r)" % dict(self.items())


class ApiResponse:
    """One successful response: status, body (parsed JSON, or None when empty or unreadable), headers, request_id
    (the MS-RequestId sent); unreadable is True for a write answered 2xx whose body is not JSON (or cut short)."""

    def __init__(self, status, body, headers, request_id, unreadable=False):
        self.status = status
        self.body = body
        self.headers = headers
        self.request_id = request_id
        self.unreadable = unreadable

    def __repr__(self):
        return "ApiResponse(status=%r, request_id=%r)" % (self.status, self.request_id)


def _tls_failure(url, error):
    reason = _reason(error)
    detail = getattr(error, "verify_message", None)
    if detail and detail not in reason:
        reason = "%s: %s" % (reason, detail)
    return TransportError(TransportError.TLS, "TLS certificate verification failed for %s (%s)" % (_origin(url), reason))


def _origin(url):
    parts = urlparse(url)
    return "%s://%s" % (parts.scheme, parts.netloc)


def _reason(error):
    reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(reason).strip()[:300]


def _is_timeout(error):
    return isinstance(error, (socket.timeout, TimeoutError))


def tls_context(validate_certs, ca_path):
    """The ssl.SSLContext of every HTTPS call of the collection, Partner Center's and (token_endpoint.py) Entra ID's:
    ca_path alone when given, else the system trust store (never REQUESTS_CA_BUNDLE or certifi); no checks when
    validate_certs is false. One function, so that both services are trusted the same way."""
    return urls.make_context(cafile=ca_path, validate_certs=validate_certs)


class UrlsTransport:
    """The default transport: (method, url, headers, data, timeout) -> (status, headers, body_bytes).

    A 4xx/5xx answer is a response, not an error. Raises TransportError (kind timeout, connection
    or tls) when there is no response.
    """

    def __init__(self, validate_certs=True, ca_path=None):
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self._request = urls.Request(
            validate_certs=validate_certs, ca_path=ca_path, http_agent=APPLICATION,
            # No redirects: a redirect must not carry the bearer token anywhere. No ~/.netrc either.
            follow_redirects="none", use_netrc=False)
        self._context = None
        self._context_lock = threading.Lock()

    def _extra(self):
        if not _REQUEST_TAKES_CONTEXT:
            return {}
        with self._context_lock:
            if self._context is None:
                self._context = tls_context(self.validate_certs, self.ca_path)
        return {"context": self._context}

    def __call__(self, method, url, headers, data, timeout):
        try:
            extra = self._extra()
        except (IOError, OSError, ssl.SSLError) as error:
            raise TransportError(TransportError.TLS, "cannot load the CA bundle %s (%s)" % (self.ca_path, _reason(error)))
        try:
            response = self._request.open(method, url, data=data, headers=headers, timeout=timeout, **extra)
            try:
                try:
                    return response.status, response.headers, response.read()
                except http.client.IncompleteRead as error:
                    # The status line and headers came: an answer whose body was cut short.
                    return response.status, response.headers, error.partial or b""
            finally:
                response.close()
        except HTTPError as error:
            try:
                body = error.read()
            except Exception:  # pylint: disable=broad-except
                body = b""
            return error.code, error.headers or {}, body or b""
        except (ssl.CertificateError, urls.SSLValidationError) as error:
            raise _tls_failure(url, error)
        except URLError as error:
            # urllib wraps what fails while connecting and sending: the request never reached the service whole.
            reason = error.reason
            if _is_timeout(reason):
                raise TransportError(TransportError.TIMEOUT, "connecting to %s timed out after %s s" % (_origin(url), timeout), sent=False)
            if isinstance(reason, ssl.CertificateError):
                raise _tls_failure(url, reason)
            if isinstance(reason, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(reason):
                raise _tls_failure(url, reason)
            raise TransportError(TransportError.CONNECTION, "cannot connect to %s (%s)" % (_origin(url), _reason(error)), sent=False)
        except (socket.timeout, TimeoutError):
            raise TransportError(TransportError.TIMEOUT, "read timed out after %s s" % timeout)
        except ssl.SSLError as error:
            raise TransportError(TransportError.CONNECTION, "TLS connection to %s failed (%s)" % (_origin(url), _reason(error)))
        except (http.client.HTTPException, urls.ConnectionError, IOError, OSError) as error:
            filename = getattr(error, "filename", None)
            if self.ca_path and filename is not None and os.fsdecode(filename) == self.ca_path:
                raise TransportError(TransportError.TLS, "cannot load the CA bundle %s (%s)" % (self.ca_path, _reason(error)))
            raise TransportError(TransportError.CONNECTION, "connection to %s failed (%s: %s)"
                                 % (_origin(url), type(error).__name__, _reason(error)))


def quoted_path(*segments):
    """/segment/segment/...: every path the endpoint classes build, each segment percent-quoted, so that no character of
    an input (/ ? # % ..) can change which resource is called (defence in depth: ids are checked to be GUIDs first)."""
    return "".join("/" + quote(str(segment), safe="") for segment in segments)


class CustomerEndpoints:
    """The base of the endpoint classes (users_api, licenses_api, directory_roles_api): one customer's calls on a client."""

    def __init__(self, client, customer_id):
        self.client = client
        self.customer_path = quoted_path("customers", customer_id)

    def path(self, *parts):
        """/customers/{customer}/part/part..., every part percent-quoted."""
        return self.customer_path + quoted_path(*parts)


def new_guid():
    """A random (version 4) GUID, as MS-RequestId and MS-CorrelationId take them; made here because importing uuid costs
    a module about as much as a request to the emulator."""
    octets = bytearray(os.urandom(16))
    octets[6] = (octets[6] & 0x0F) | 0x40
    octets[8] = (octets[8] & 0x3F) | 0x80
    text = binascii.hexlify(bytes(octets)).decode("ascii")
    return "%s-%s-%s-%s-%s" % (text[:8], text[8:12], text[12:16], text[16:20], text[20:])


def throttle_spread(wait):
    """The widest random spread added to a throttling wait of wait seconds."""
    return min(THROTTLE_SPREAD, THROTTLE_SPREAD_SHARE * wait)


def customer_of(url):
    """The customer id a call's URL names (/v1/customers/{id}...), lowercased, or None for a partner-wide call."""
    match = _CUSTOMER_PATH.match(urlparse(url).path)
    return match.group(1).lower() if match else None


def collection_items(collection):
    """The dict items of a one-page collection body. totalCount is never read: a recording has it as the string "04"."""
    if isinstance(collection, dict) and isinstance(collection.get("items"), list):
        return [item for item in collection["items"] if isinstance(item, dict)]
    return []


def _reports():
    """error_reports, which builds every PartnerCenterError of a failed call: imported on the first failure, so a task
    that meets none never compiles it (a module compiles each module_utils file it imports, on every run)."""
    from ansible_collections.partnercenter.csp.plugins.module_utils import error_reports
    return error_reports


def _decode_json(raw):
    if raw is None:
        return None
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM):]
    if not raw.strip():
        return None
    return json.loads(raw.decode("utf-8"))


class PartnerCenterClient:
    """Partner Center REST calls with the collection's headers, retries, throttling and paging. Thread-safe.

    shared_throttle: a throttle.SharedThrottle, so the processes of a run honour one another's
    Retry-After; secrets: values (a live set, such as a module's no_log_values) redacted from every
    quoted body; warnings: what the caller should pass on (answers that could not be read).
    """

    def __init__(self, api_url, token_provider, timeout=30, validate_certs=True, ca_path=None, retries=3, retry_max_delay=60,
                 correlation_id=None, sleep=time.sleep, transport=None, clock=time.monotonic, now=time.time, rand=random.random,
                 shared_throttle=None, secrets=None):
        api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        if api_url.endswith(API_VERSION):
            api_url = api_url[:-len(API_VERSION)]
        self.api_url = api_url
        self.token_provider = token_provider
        self.timeout = timeout
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self.correlation_id = correlation_id or new_guid()
        self.request_count = 0
        self.last_request_id = None
        self.shared_throttle = shared_throttle
        self.secrets = secrets if secrets is not None else set()
        self.warnings = []
        self._transport = transport if transport is not None else UrlsTransport(validate_certs=validate_certs, ca_path=ca_path)
        self._sleep = sleep
        self._clock = clock
        self._now = now
        self._rand = rand
        self._lock = threading.Lock()
        self._not_before = None
        self._customer_not_before = {}
        self._successes = 0
        self._origin = _origin(self.api_url)

    def _warn(self, text):
        with self._lock:
            if text not in self.warnings:
                self.warnings.append(text)

    # -- URLs and headers ------------------------------------------------------------------------

    def url_for(self, path, params=None):
        """api_url + /v1 + path (+ query). A path that has /v1 already, or a full URL on api_url, is kept."""
        if path.lower().startswith(("https://", "http://")):
            if _origin(path).lower() != self._origin.lower():
                raise PartnerCenterError("Refusing to send the Partner Center token to %s, which is not on api_url %s."
                                         % (_origin(path), self._origin))
            url = path
        else:
            if not path.startswith("/"):
                path = "/" + path
            if not (path == API_VERSION or path.startswith((API_VERSION + "/", API_VERSION + "?"))):
                path = API_VERSION + path
            url = self.api_url + path
        if params:
            query = urlencode([(key, value) for key, value in sorted(params.items()) if value is not None], doseq=True)
            if query:
                url += ("&" if "?" in url else "?") + query
        return url

    def _headers(self, token, request_id, has_body, extra):
        headers = {
            "Authorization": "Bearer %s" % token,
            "Accept": "application/json",
            "MS-RequestId": request_id,
            "MS-CorrelationId": self.correlation_id,
            "MS-PartnerCenter-Application": APPLICATION,
            "X-Locale": LOCALE,
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if extra:
            reserved = ("authorization", "ms-requestid", "ms-correlationid")
            headers.update((key, value) for key, value in extra.items() if key.lower() not in reserved)
        return headers

    # -- throttling and backoff ------------------------------------------------------------------

    def _defer(self, delay, customer=None):
        """Nobody using this client, nor any process sharing its throttle file, sends anything (on customer, when given)
        before delay seconds from now."""
        with self._lock:
            until = self._clock() + delay
            current = self._customer_not_before.get(customer) if customer else self._not_before
            if current is None or until > current:
                if customer:
                    self._customer_not_before[customer] = until
                else:
                    self._not_before = until
        if self.shared_throttle is not None:
            self.shared_throttle.defer_until(self._now() + delay, customer=customer)

    def _throttle_wait(self, customer):
        """(seconds, turn): seconds until the latest not-before instant that applies to a call on customer, this client's
        or the shared one (0 when none is ahead), and the shared throttle's Turn (None without one)."""
        with self._lock:
            now = self._clock()
            local = [instant - now for instant in (self._not_before, self._customer_not_before.get(customer)) if instant is not None]
        turn = None
        if self.shared_throttle is not None:
            turn = self.shared_throttle.turn(customer)
            if turn.not_before is not None:
                local.append(turn.not_before - self._now())
        return max(local + [0.0]), turn

    def _wait_turn(self, method, url, request_id, attempts, in_doubt):
        """Sleep until no throttling deadline is ahead (plus a random spread, or the paced slot once a pace is learned);
        fail at once when one is further off than retry_max_delay allows, since waiting less would only spend attempts
        while still throttled."""
        customer = customer_of(url)
        slotted = False
        while True:
            wait, turn = self._throttle_wait(customer)
            if wait > 0:
                # Never below MIN_THROTTLE_WAIT: that is the wait this client sets itself for a 429 that states none.
                if wait > max(self.retry_max_delay, MIN_THROTTLE_WAIT):
                    raise _reports().throttled_too_long(
                        wait, self.retry_max_delay, False, customer=customer, until=self._now() + wait, method=method, url=url,
                        request_id=request_id, correlation_id=self.correlation_id, attempts=attempts, may_have_written=in_doubt)
                # Once paced, the slots spread the requests held back; before, a random spread does.
                self._sleep(wait + (0.0 if turn is not None and turn.paced else self._rand() * throttle_spread(wait)))
                slotted = False
                continue
            if slotted or turn is None or not turn.counting:
                return
            # After a 429 every request takes a slot: counted, and spaced once a pace is learned (pacing.Pacer).
            slotted = True
            ahead = self.shared_throttle.take_slot() - self._now()
            if ahead > 0:
                self._sleep(ahead)

    def _progress(self):
        """A mark that moves whenever some request of this partner succeeds (in this process or, while throttled, another)."""
        with self._lock:
            local = self._successes
        return local, self.shared_throttle.progress() if self.shared_throttle is not None else 0

    def _note_success(self):
        with self._lock:
            self._successes += 1
        if self.shared_throttle is not None:
            self.shared_throttle.record_progress()

    def _backoff(self, retry):
        """Full jitter: uniform in [0, min(cap, 0.5 s * 2^retry)]."""
        return backoff_delay(retry, self.retry_max_delay, self._rand)

    def _throttle_delay(self, headers, raw, retry):
        """(seconds, stated): how long the service asked to wait, or a backoff of our own when it did not say."""
        delay = parse_retry_after(headers.get("Retry-After"), self._now())
        if delay is None:
            match = _TRY_AGAIN.search(raw.decode("utf-8", "replace")) if raw else None
            if match:
                delay = float(match.group(1))
        if delay is None:
            return min(max(MIN_THROTTLE_WAIT, self._backoff(retry)), max(self.retry_max_delay, MIN_THROTTLE_WAIT)), False
        return delay, True

    # -- requests --------------------------------------------------------------------------------

    def request(self, method, path, body=None, params=None, headers=None):
        """Send one logical call (retrying as needed). Returns ApiResponse; raises PartnerCenterError for anything but 2xx.

        One MS-RequestId for every attempt of the call. A 429 (or 503 with Retry-After) waits as long as the
        service asks; it spends an attempt only when nothing of this partner got through since the call's last
        429, so a throttle that lets requests through is ridden out and only a storm fails.
        """
        method = method.upper()
        url = self.url_for(path, params)
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        request_id = new_guid()
        self.last_request_id = request_id
        is_write = method in WRITE_METHODS
        attempts = retries_used = throttled = 0
        reauthenticated = in_doubt = False
        progress = self._progress()
        while True:
            self._wait_turn(method, url, request_id, attempts, in_doubt)
            token = self.token_provider.get_token()
            request_headers = self._headers(token, request_id, data is not None, headers)
            attempts += 1
            with self._lock:
                self.request_count += 1
            try:
                status, response_headers, raw = self._transport(method, url, request_headers, data, self.timeout)
            except TransportError as error:
                in_doubt = in_doubt or (is_write and error.sent)
                if error.kind != TransportError.TLS and retries_used < self.retries:
                    self._sleep(self._backoff(retries_used))
                    retries_used += 1
                    continue
                raise _reports().transport_failure(error, method=method, url=url, request_id=request_id, correlation_id=self.correlation_id,
                                                   attempts=attempts, may_have_written=in_doubt)

            response_headers = CaseInsensitiveDict(response_headers)
            raw = raw or b""
            if 200 <= status < 300:
                self._note_success()
                return self._success(method, url, status, raw, response_headers, request_id)
            in_doubt = in_doubt or (is_write and may_hide_a_write(status))

            if status == 401 and not reauthenticated and self.token_provider.can_refresh:
                reauthenticated = True
                self.token_provider.invalidate(token)
                continue
            if status == 429 or (status == 503 and "Retry-After" in response_headers):
                delay, stated = self._throttle_delay(response_headers, raw, retries_used)
                if stated and delay > self.retry_max_delay:
                    # Not waited for: scoped to the customer whose call drew it, so calls on other customers go out.
                    customer = customer_of(url)
                    self._defer(delay, customer)
                    raise _reports().throttled_too_long(delay, self.retry_max_delay, True, customer=customer, method=method, url=url,
                                                        request_id=request_id, correlation_id=self.correlation_id, attempts=attempts,
                                                        may_have_written=in_doubt)
                self._defer(delay)
                throttled += 1
                now_progress = self._progress()
                if now_progress == progress:
                    retries_used += 1   # nothing got through since the last 429: a storm so far
                progress = now_progress
                if retries_used <= self.retries and throttled < MAX_THROTTLED_ATTEMPTS:
                    continue
            elif status in RETRY_STATUSES and retries_used < self.retries:
                self._sleep(self._backoff(retries_used))
                retries_used += 1
                continue

            reason = None
            if status == 429:
                reason = "throttled"
            elif status in RETRY_STATUSES and attempts > 1:
                reason = "server error"
            elif status == 401 and reauthenticated:
                reason = "rejected again with a fresh token"
            raise _reports().http_error(method, url, status, raw, request_id=request_id, correlation_id=self.correlation_id,
                                        attempts=attempts, reason=reason, may_have_written=in_doubt, secrets=self.secrets)

    def _success(self, method, url, status, raw, headers, request_id):
        """The ApiResponse of a 2xx. A write's unreadable body is a write made all the same (with a warning); a read's is an error."""
        try:
            return ApiResponse(status, _decode_json(raw), headers, request_id)
        except ValueError:
            pass
        if method in WRITE_METHODS:
            self._warn("Partner Center answered %s %s with HTTP %s, but its body could not be read (not JSON, or cut short): "
                       "the write was made; what this task reports after it is predicted, not read (MS-RequestId %s)."
                       % (method, url.split("?", 1)[0], status, request_id))
            return ApiResponse(status, None, headers, request_id, unreadable=True)
        raise _reports().unreadable_read(status, raw, self.secrets, method=method, url=url, request_id=request_id,
                                         correlation_id=self.correlation_id)

    def get(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers).body

    def post(self, path, body=None, headers=None):
        return self.request("POST", path, body=body, headers=headers).body

    def patch(self, path, body=None, headers=None):
        return self.request("PATCH", path, body=body, headers=headers).body

    def delete(self, path, headers=None):
        self.request("DELETE", path, headers=headers)

    def paginate(self, path, params=None):
        """Every item of a collection, following links.next (with its headers, e.g. MS-ContinuationToken) to the end."""
        response = self.request("GET", path, params=params)
        seen = set()
        while True:
            page = response.body
            if page is None:
                return
            if not isinstance(page, dict) or not isinstance(page.get("items", []), list):
                raise PartnerCenterError("The response to GET %s is not a collection (no items list)." % path,
                                         status=response.status, request_id=response.request_id,
                                         correlation_id=self.correlation_id)
            yield from page.get("items") or []
            link = (page.get("links") or {}).get("next") if isinstance(page.get("links"), dict) else None
            if not isinstance(link, dict) or not link.get("uri"):
                return
            headers = {}
            for header in link.get("headers") or []:
                if isinstance(header, dict):
                    header = dict((str(key).lower(), value) for key, value in header.items())
                    if header.get("key"):
                        headers[str(header["key"])] = str(header.get("value") or "")
            signature = (link["uri"], tuple(sorted(headers.items())))
            if signature in seen:
                raise PartnerCenterError("Partner Center returned the same next page link twice while listing %s; "
                                         "stopping instead of looping." % path, correlation_id=self.correlation_id)
            seen.add(signature)
            response = self.request("GET", link["uri"], headers=headers)
