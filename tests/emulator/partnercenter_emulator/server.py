"""The HTTPS front of the emulator: serving, routing, request log, faults, MS-RequestId replay, `Emulator`."""

from __future__ import annotations

import collections
import email.utils
import json
import math
import os
import random
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import admin, tls
from .entra import PC_USER_SCOPE, EntraService, TokenRegistry
from .partner_center import PartnerCenterService, Route, error as pc_error
from .store import DELETED_UPN_MODES, Store
from .wire import Request, Response, json_bytes, json_response

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SEED = os.path.join(os.path.dirname(PACKAGE_DIR), "seeds", "default.json")
FIXTURES_DIR = os.path.join(os.path.dirname(os.path.dirname(PACKAGE_DIR)), "fixtures", "recorded")
MAX_BODY = 64 * 1024 * 1024
FAULT_KINDS = ("status", "drop_after_commit", "drop_before", "delay", "garble_after_commit", "truncate_after_commit",
               "status_after_commit", "license_warning")
CHAOS_KINDS = ("429_seconds", "429_date", "500", "502", "503", "504", "drop_after_commit", "read_timeout", "401")
# Chaos kinds taken only when asked for by name (not among the defaults).
OPTIONAL_CHAOS_KINDS = ("garble_after_commit", "truncate_after_commit", "500_after_commit", "503_after_commit", "408_after_commit")
# status_after_commit: the statuses a service answers after it committed (a server error, a gateway or request timeout).
AFTER_COMMIT_STATUSES = (408, 500, 502, 503, 504)
# What license_warning adds to a licence update answer when the rule gives none (a LicenseWarning: code, message,
# servicePlans; license-resources on Learn). The code and text are made up: no recording of a warning exists.
DEFAULT_LICENSE_WARNING = {"code": "ServicePlanDependency", "message": "Injected warning: a service plan of this licence was not "
                           "enabled because a plan it depends on is not assigned.", "servicePlans": ["EXCHANGE_S_ENTERPRISE"]}
# What garble_after_commit answers instead of the body it committed: a gateway's page, not JSON.
GARBLED_BODY = b"<html><head><title>Bad Gateway</title></head><body>upstream answer lost</body></html>"
SERVICES = ("partnercenter", "entra")
_UNSET = object()   # configure(): "not given", as None means "off" for the newer settings
# Query keys that could carry a credential never reach the request log.
_SECRET_KEYS = re.compile(r"token|secret|password|assertion|code|key", re.IGNORECASE)
_LOCAL_HOST = re.compile(r"^(127\.0\.0\.1|localhost):\d+$")


class RequestLog(object):
    """Partner Center and Entra ID requests, in arrival order; entries are completed in place."""

    def __init__(self, maxlen=200000):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=maxlen)
        self._seq = 0

    def begin(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            return entry

    def update(self, entry, **values):
        with self._lock:
            entry.update(values)

    def entries(self, since=0):
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > since]

    def clear(self):
        with self._lock:
            self._entries.clear()


class FaultTable(object):
    """Fault rules, applied in the order added to the next `count` matching requests."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    @staticmethod
    def normalize(rule):
        rule = dict(rule)
        kind = rule.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(FAULT_KINDS))
        rule["method"] = str(rule.get("method", "*")).upper()
        rule["path"] = str(rule.get("path", ""))
        try:
            re.compile(rule["path"])
        except re.error as exc:
            raise ValueError("path is not a valid regular expression: %s" % exc)
        count = rule.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive integer")
        rule["count"] = count
        if kind == "status":
            status = rule.get("status")
            if not isinstance(status, int) or not 100 <= status <= 599:
                raise ValueError("a status fault needs an integer status")
            retry_after = rule.get("retry_after")
            if retry_after is not None and not isinstance(retry_after, (int, float, str)):
                raise ValueError("retry_after must be seconds or an HTTP-date string")
            if rule.get("headers") is not None and not isinstance(rule["headers"], dict):
                raise ValueError("headers must be an object")
        if kind == "status_after_commit" and rule.get("status") not in AFTER_COMMIT_STATUSES:
            raise ValueError("a status_after_commit fault needs a status of %s" % ", ".join(str(s) for s in AFTER_COMMIT_STATUSES))
        if kind == "license_warning" and rule.get("warning") is not None and not isinstance(rule["warning"], dict):
            raise ValueError("warning must be a LicenseWarning object")
        if kind == "delay":
            seconds = rule.get("seconds")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                raise ValueError("a delay fault needs seconds >= 0")
        return rule

    def add(self, rule):
        rule = self.normalize(rule)
        with self._lock:
            self._rules.append(rule)
        return dict(rule)

    def take(self, method, path):
        """The first rule matching the request, spending one of its uses; or None."""
        with self._lock:
            for rule in self._rules:
                if rule["method"] in ("*", method) and re.search(rule["path"], path):
                    rule["count"] -= 1
                    if rule["count"] <= 0:
                        self._rules.remove(rule)
                    return dict(rule)
            return None

    def rules(self):
        with self._lock:
            return [dict(r) for r in self._rules]

    def clear(self):
        with self._lock:
            self._rules = []


class ReplayCache(object):
    """Handler responses by MS-RequestId, bounded in entries and bytes.

    begin() returns the stored response, or None after marking the id in flight, so that a retry
    racing the original waits for it instead of applying the write twice."""

    def __init__(self, max_entries=50000, max_bytes=64 * 1024 * 1024):
        self._cond = threading.Condition()
        self._stored = collections.OrderedDict()
        self._in_flight = set()
        self._bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def begin(self, request_id):
        with self._cond:
            while request_id in self._in_flight:
                self._cond.wait()
            stored = self._stored.get(request_id)
            if stored is None:
                self._in_flight.add(request_id)
            return stored

    def finish(self, request_id, response):
        with self._cond:
            self._in_flight.discard(request_id)
            if response is not None and response.replayable:
                self._stored[request_id] = response
                self._bytes += response.size()
                while self._stored and (len(self._stored) > self.max_entries or self._bytes > self.max_bytes):
                    old = self._stored.popitem(last=False)[1]
                    self._bytes -= old.size()
            self._cond.notify_all()

    def clear(self):
        with self._cond:
            self._stored.clear()
            self._bytes = 0


RATE_LIMIT_SCOPES = ("partner", "customer")
_CUSTOMER_OF_PATH = re.compile(r"^/v1/customers/([^/]+)")


class RateLimiter(object):
    """A token bucket: `rate` tokens per second, at most `burst` saved up. Thread-safe.

    scope "partner" (the default): one bucket for every request. scope "customer": one bucket per customer named by the
    path (/v1/customers/{id}/...), and the partner's own for the calls that name none (Partner Center limits some APIs
    per partner, others per partner and customer pair; which one the user APIs use is not published)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.rate = None
        self.burst_setting = None
        self.scope = "partner"
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self._buckets = {}   # customer id -> (tokens, stamp), scope "customer" only

    @staticmethod
    def validate_scope(scope):
        if scope not in RATE_LIMIT_SCOPES:
            raise ValueError("rate_limit_scope must be one of %s" % ", ".join(RATE_LIMIT_SCOPES))

    @staticmethod
    def validate(rate, burst):
        if rate is not None and (not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate < 0):
            raise ValueError("rate_limit must be requests per second >= 0 (0 or null: off)")
        if burst is not None and (not isinstance(burst, (int, float)) or isinstance(burst, bool) or burst < 1):
            raise ValueError("rate_burst must be a number >= 1 (null: max(1, rate_limit))")

    @property
    def burst(self):
        if not self.rate:
            return None
        return float(self.burst_setting) if self.burst_setting is not None else max(1.0, float(self.rate))

    def configure(self, rate, burst, scope=None):
        """Set the rate, bucket size and scope (None: unchanged); every bucket starts full."""
        self.validate(rate, burst)
        if scope is not None:
            self.validate_scope(scope)
        with self._lock:
            self.rate = float(rate) if rate else None
            self.burst_setting = burst
            self.scope = scope or self.scope
            self._tokens = self.burst or 0.0
            self._stamp = time.monotonic()
            self._buckets = {}

    def take(self, path="/v1"):
        """None when a token was taken (or limiting is off), else the seconds until one is available."""
        with self._lock:
            if not self.rate:
                return None
            now = time.monotonic()
            match = _CUSTOMER_OF_PATH.match(path) if self.scope == "customer" else None
            customer = match.group(1).lower() if match else None
            tokens, stamp = self._buckets.get(customer, (self.burst, now)) if customer else (self._tokens, self._stamp)
            tokens = min(self.burst, tokens + (now - stamp) * self.rate)
            wait = None
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            if customer:
                self._buckets[customer] = (tokens, now)
            else:
                self._tokens, self._stamp = tokens, now
            return wait


class Chaos(object):
    """Random faults from one seeded draw sequence: each matching request draws once, under a lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self.spec = None
        self._random = None

    @staticmethod
    def normalize(spec):
        if spec is None:
            return None
        if not isinstance(spec, dict):
            raise ValueError("chaos must be an object (or null to stop)")
        unknown = sorted(set(spec) - {"seed", "rate", "kinds", "services", "methods", "timeout_sleep"})
        if unknown:
            raise ValueError("chaos: unknown keys %s" % ", ".join(unknown))
        out = {"seed": spec.get("seed", 0), "rate": spec.get("rate", 0.1), "kinds": list(spec.get("kinds", CHAOS_KINDS)),
               "services": list(spec.get("services", SERVICES)), "methods": [str(m).upper() for m in spec.get("methods", ["*"])],
               "timeout_sleep": spec.get("timeout_sleep", 3)}
        if not isinstance(out["seed"], int) or isinstance(out["seed"], bool):
            raise ValueError("chaos.seed must be an integer")
        if not isinstance(out["rate"], (int, float)) or isinstance(out["rate"], bool) or not 0 <= out["rate"] <= 1:
            raise ValueError("chaos.rate must be a number from 0 to 1")
        if not out["kinds"] or any(k not in CHAOS_KINDS + OPTIONAL_CHAOS_KINDS for k in out["kinds"]):
            raise ValueError("chaos.kinds must be a non-empty list of %s" % ", ".join(CHAOS_KINDS + OPTIONAL_CHAOS_KINDS))
        if any(s not in SERVICES for s in out["services"]):
            raise ValueError("chaos.services must be a list of %s" % ", ".join(SERVICES))
        sleep = out["timeout_sleep"]
        if not isinstance(sleep, (int, float)) or isinstance(sleep, bool) or sleep < 0:
            raise ValueError("chaos.timeout_sleep must be seconds >= 0")
        return out

    def configure(self, spec):
        spec = self.normalize(spec)
        with self._lock:
            self.spec = spec
            self._random = random.Random(spec["seed"]) if spec else None

    def settings(self):
        with self._lock:
            return dict(self.spec) if self.spec else None

    def draw(self, service, method):
        """The fault rule (FaultTable form plus `name`) for this request, or None."""
        with self._lock:
            spec = self.spec
            if spec is None or service not in spec["services"] or not ("*" in spec["methods"] or method in spec["methods"]):
                return None
            if self._random.random() >= spec["rate"]:
                return None
            kinds = [k for k in spec["kinds"] if k != "401" or service == "partnercenter"]
            if not kinds:
                return None
            name = self._random.choice(kinds)
            sleep = spec["timeout_sleep"]
        if name == "429_seconds":
            return {"name": name, "kind": "status", "status": 429, "retry_after": 1}
        if name == "429_date":
            # HTTP-dates have whole seconds: the next whole second plus one is 1 to 2 s ahead.
            return {"name": name, "kind": "status", "status": 429,
                    "retry_after": email.utils.formatdate(math.ceil(time.time()) + 1, usegmt=True)}
        if name.endswith("_after_commit") and name[:3].isdigit():
            return {"name": name, "kind": "status_after_commit", "status": int(name[:3])}
        if name.isdigit() and name != "401":
            return {"name": name, "kind": "status", "status": int(name)}
        if name == "401":
            return {"name": name, "kind": "unauthorized"}
        if name == "read_timeout":
            return {"name": name, "kind": "read_timeout", "seconds": sleep}
        return {"name": name, "kind": name}


class _Dropped(Exception):
    """The connection is closed without an answer."""


class _CutShort(Exception):
    """The answer's status line, headers and half its body are sent (Content-Length still says the whole), then the connection closes."""

    def __init__(self, response):
        super(_CutShort, self).__init__("cut short")
        self.response = response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PartnerCenterEmulator/1.0"
    timeout = 120   # idle keep-alive connections are closed after this

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass   # the request log replaces stderr logging; it must never print secrets

    def do_GET(self):
        self._serve()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = do_GET

    def _serve(self):
        emulator = self.server.emulator
        try:
            request = Request(self.command, self.path, self.headers, self._read_body(), self._base_url())
        except ValueError as exc:
            self._send(Response(400, str(exc).encode("utf-8"), [("Content-Type", "text/plain")]), close=True)
            return
        try:
            response = emulator.dispatch(request)
        except _Dropped:
            self._close_cleanly()
            return
        except _CutShort as cut:
            self._send(cut.response, close=True, cut_short=True)
            self._close_cleanly()
            return
        except Exception:  # pylint: disable=broad-except
            emulator.record_error()
            response = Response(500, b"internal emulator error\n", [("Content-Type", "text/plain")])
        self._send(response, close=False)

    def _close_cleanly(self):
        self.close_connection = True
        try:
            self.connection.unwrap()   # a clean TLS close: the client sees "closed without response"
        except (OSError, ValueError):
            pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                total += size
                if total > MAX_BODY:
                    raise ValueError("request body too large")
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("invalid Content-Length")
        return self.rfile.read(length) if length else b""

    def _base_url(self):
        host = self.headers.get("Host", "")
        return "https://" + host if _LOCAL_HOST.match(host) else self.server.emulator.url

    def _send(self, response, close, cut_short=False):
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        # Head and body in one write: two small writes meet the client's delayed ACK (~40 ms each).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD" and response.status not in (204, 304):
            self._headers_buffer.append(response.body[:len(response.body) // 2] if cut_short else response.body)
        self.flush_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, emulator, context):
        self.emulator = emulator
        self.ssl_context = context
        self.connections = set()
        self.connections_lock = threading.Lock()
        ThreadingHTTPServer.__init__(self, address, _Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, not in the accept loop.
        request.settimeout(10)
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        with self.connections_lock:
            self.connections.add(connection)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self.connections_lock:
                self.connections.discard(connection)
            try:
                connection.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        self.emulator.record_error()   # instead of printing to stderr

    def shutdown_request(self, request):
        try:
            request.close()   # already detached by wrap_socket, or closed above
        except OSError:
            pass

    def close_connections(self):
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Emulator(object):
    """Partner Center customer-user API + Entra ID token endpoint on https://127.0.0.1:PORT."""

    def __init__(self, seed_path=None, state_dir=None, token_lifetime=3600, port=0, device_code_auto_approve=False,
                 replay_dedup=True, rate_limit=None, rate_burst=None, latency=0.0, chaos=None, rate_limit_scope="partner",
                 clock_offset=0.0, deleted_upn="renamed", restore_licenses=False, deleted_users_keep_licenses=True):
        self.seed_path = os.path.abspath(seed_path or DEFAULT_SEED)
        with open(self.seed_path, "rb") as handle:
            self.seed = json.loads(handle.read().decode("utf-8-sig"))
        self._own_state_dir = state_dir is None
        self.state_dir = os.path.abspath(state_dir or tempfile.mkdtemp(prefix="pcemu-"))
        self.port = port
        self.url = None
        self.ca_path = None
        self.store = Store(fixtures_dir=FIXTURES_DIR)
        self.tokens = TokenRegistry(token_lifetime)
        self._initial_lifetime = int(token_lifetime)
        self._initial_auto_approve = bool(device_code_auto_approve)
        self._initial_config = {"replay_dedup": replay_dedup, "rate_limit": rate_limit, "rate_burst": rate_burst,
                                "rate_limit_scope": rate_limit_scope,
                                "latency": latency, "chaos": chaos, "clock_offset": clock_offset, "device_code_mfa": True,
                                "deleted_upn": deleted_upn, "restore_licenses": restore_licenses,
                                "deleted_users_keep_licenses": deleted_users_keep_licenses}
        self.log = RequestLog()
        self.faults = FaultTable()
        self.replay = ReplayCache()
        self.rate_limiter = RateLimiter()
        self.chaos = Chaos()
        self.replay_dedup = True
        self.latency = 0.0
        self.entra = EntraService(self.tokens)
        self.partner_center = PartnerCenterService(self.store, self.tokens)
        self._errors = collections.deque(maxlen=100)
        self._server = None
        self._thread = None
        self._load()

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        paths = tls.write_certificates(self.state_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths["server_cert"], paths["server_key"])
        self._server = _Server(("127.0.0.1", self.port), self, context)
        self.port = self._server.server_address[1]
        self.url = "https://127.0.0.1:%d" % self.port
        self.ca_path = paths["ca"]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="pcemu-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        self._thread.join(5)
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _load(self):
        self.tokens.load_seed(self.seed)
        self.tokens.token_lifetime = self._initial_lifetime
        self.tokens.device_code_auto_approve = self._initial_auto_approve
        self.configure(**self._initial_config)
        self.store.load_seed(self.seed)

    def reset(self):
        """Back to the seed and the constructor's settings: customers, users, SKUs, roles, tokens issued, request log,
        faults, replay cache, rate limit, latency, chaos, replay_dedup."""
        self._load()
        self.log.clear()
        self.faults.clear()
        self.replay.clear()

    # ---- controls (also reachable under /_emulator) -------------------------------------

    def requests(self, since=0):
        return self.log.entries(since)

    def clear_requests(self):
        self.log.clear()

    def add_fault(self, **rule):
        return self.faults.add(rule)

    def clear_faults(self):
        self.faults.clear()

    def revoke_tokens(self):
        return self.tokens.revoke_all()

    def approve_device_code(self, user_code=None, mfa=None):
        """Approve pending device codes as a sign-in with MFA, or without (mfa=False); mfa None: device_code_mfa."""
        return self.tokens.approve_device_code(user_code, mfa)

    def configure(self, token_lifetime=None, device_code_auto_approve=None, replay_dedup=_UNSET, rate_limit=_UNSET,
                  rate_burst=_UNSET, latency=_UNSET, chaos=_UNSET, rate_limit_scope=_UNSET, clock_offset=_UNSET,
                  device_code_mfa=_UNSET, deleted_upn=_UNSET, restore_licenses=_UNSET, deleted_users_keep_licenses=_UNSET):
        """Change settings (all validated before any changes); returns the current settings.

        token_lifetime and device_code_auto_approve: None leaves them. The others: not given leaves
        them; rate_limit None/0, chaos None turn those off; rate_burst None means max(1, rate_limit).
        Setting rate_limit, rate_burst or rate_limit_scope ("partner": one bucket; "customer": one per customer)
        refills the buckets; setting chaos restarts its draw sequence.
        clock_offset: seconds added to the real time for everything Entra ID's side dates (token issue, expiry, the
        90-day refusal of refresh tokens), e.g. 60 * 86400 for day 60. device_code_mfa: whether device-code consents
        are made with MFA."""
        if token_lifetime is not None:
            if not isinstance(token_lifetime, int) or isinstance(token_lifetime, bool) or token_lifetime < 1:
                raise ValueError("token_lifetime must be a positive integer of seconds")
        if replay_dedup is not _UNSET and not isinstance(replay_dedup, bool):
            raise ValueError("replay_dedup must be true or false")
        if deleted_users_keep_licenses is not _UNSET and not isinstance(deleted_users_keep_licenses, bool):
            raise ValueError("deleted_users_keep_licenses must be true or false")
        if latency is not _UNSET and (not isinstance(latency, (int, float)) or isinstance(latency, bool) or latency < 0):
            raise ValueError("latency must be seconds >= 0")
        if clock_offset is not _UNSET and (not isinstance(clock_offset, (int, float)) or isinstance(clock_offset, bool)):
            raise ValueError("clock_offset must be a number of seconds")
        if device_code_mfa is not _UNSET and not isinstance(device_code_mfa, bool):
            raise ValueError("device_code_mfa must be true or false")
        if deleted_upn is not _UNSET and deleted_upn not in DELETED_UPN_MODES:
            raise ValueError("deleted_upn must be one of %s" % ", ".join(DELETED_UPN_MODES))
        if restore_licenses is not _UNSET and not isinstance(restore_licenses, bool):
            raise ValueError("restore_licenses must be true or false")
        rate = self.rate_limiter.rate if rate_limit is _UNSET else rate_limit
        burst = self.rate_limiter.burst_setting if rate_burst is _UNSET else rate_burst
        self.rate_limiter.validate(rate, burst)
        if rate_limit_scope is not _UNSET:
            self.rate_limiter.validate_scope(rate_limit_scope)
        chaos = self.chaos.normalize(chaos) if chaos is not _UNSET else _UNSET
        if token_lifetime is not None:
            self.tokens.token_lifetime = token_lifetime
        if device_code_auto_approve is not None:
            self.tokens.device_code_auto_approve = bool(device_code_auto_approve)
        if replay_dedup is not _UNSET:
            self.replay_dedup = replay_dedup
        if latency is not _UNSET:
            self.latency = float(latency)
        if rate_limit is not _UNSET or rate_burst is not _UNSET or rate_limit_scope is not _UNSET:
            self.rate_limiter.configure(rate, burst, None if rate_limit_scope is _UNSET else rate_limit_scope)
        if chaos is not _UNSET:
            self.chaos.configure(chaos)
        if clock_offset is not _UNSET:
            self.tokens.clock_offset = float(clock_offset)
        if device_code_mfa is not _UNSET:
            self.tokens.device_code_mfa = device_code_mfa
        if deleted_upn is not _UNSET:
            self.store.deleted_upn = deleted_upn
        if restore_licenses is not _UNSET:
            self.store.restore_licenses = restore_licenses
        if deleted_users_keep_licenses is not _UNSET:
            self.store.deleted_users_keep_licenses = deleted_users_keep_licenses
        return {"clock_offset": self.tokens.clock_offset, "device_code_mfa": self.tokens.device_code_mfa,
                "token_lifetime": self.tokens.token_lifetime, "device_code_auto_approve": self.tokens.device_code_auto_approve,
                "replay_dedup": self.replay_dedup, "rate_limit": self.rate_limiter.rate, "rate_burst": self.rate_limiter.burst,
                "rate_limit_scope": self.rate_limiter.scope, "latency": self.latency, "chaos": self.chaos.settings(),
                "deleted_upn": self.store.deleted_upn, "restore_licenses": self.store.restore_licenses,
                "deleted_users_keep_licenses": self.store.deleted_users_keep_licenses}

    def record_error(self):
        self._errors.append(traceback.format_exc())

    def errors(self):
        """Tracebacks of requests that failed inside the emulator (answered 500)."""
        return list(self._errors)

    @property
    def settings(self):
        apps = self.seed.get("apps", [])
        confidential = next((a for a in apps if a.get("client_secret")), {})
        public = next((a for a in apps if not a.get("client_secret")), {})
        named = dict((t["name"], t["token"]) for t in self.seed.get("refresh_tokens", []) if t.get("name"))
        if "valid" not in named:
            usable = [t for t in self.seed.get("refresh_tokens", []) if not t.get("expired")
                      and t["client_id"].lower() == str(confidential.get("client_id", "")).lower()]
            if usable:
                named["valid"] = usable[0]["token"]
        customers = [c["id"] for c in self.seed.get("customers", [])]
        tenant = self.seed["partner_tenant_id"]
        return {"url": self.url, "authority_host": self.url, "authority": "%s/%s" % (self.url, tenant) if self.url else None,
                "ca_path": self.ca_path, "tenant_id": tenant, "client_id": confidential.get("client_id"),
                "client_secret": confidential.get("client_secret"), "refresh_token": named.get("valid"),
                "public_client_id": public.get("client_id"), "customer_id": customers[0] if customers else None,
                "refresh_tokens": named, "customers": customers, "scope": PC_USER_SCOPE, "state_dir": self.state_dir}

    # ---- request pipeline ---------------------------------------------------------------

    def dispatch(self, request):
        """Answer one request (raises _Dropped to close the connection without answering).

        Order: rate limit (Partner Center only), then an explicit fault rule, else a chaos fault, then processing."""
        if request.path == "/_emulator" or request.path.startswith("/_emulator/"):
            return admin.handle(self, request)
        service = "partnercenter" if request.path == "/v1" or request.path.startswith("/v1/") else "entra"
        entry = self.log.begin(self._log_entry(service, request))
        route = None
        if service == "partnercenter":
            route = self.partner_center.route(request)
            if not isinstance(route, Response):
                self.log.update(entry, resource_id=route.resource_id)
            wait = self.rate_limiter.take(request.path)
            if wait is not None:
                seconds = max(1, int(math.ceil(wait)))
                response = self._fault_response(service, {"status": 429, "retry_after": seconds})
                self.log.update(entry, fault="rate_limit", status=429)
                return self._respond(service, request, response)
        fault = self.faults.take(request.method, request.path) or self.chaos.draw(service, request.method)
        kind = fault["kind"] if fault else None
        if kind:
            self.log.update(entry, fault=fault.get("name", kind))
        if kind == "drop_before":
            raise _Dropped()
        if kind == "read_timeout":
            time.sleep(fault["seconds"])
            raise _Dropped()
        if kind == "status":
            response = self._fault_response(service, fault)
        elif kind == "unauthorized":
            response = self.partner_center.unauthorized("The access token has been revoked.")
        else:
            if kind == "delay":
                time.sleep(fault["seconds"])
            try:
                response, replayed, executed = self._process(service, request, route)
            except Exception:  # pylint: disable=broad-except
                self.record_error()
                response, replayed, executed = pc_error(500, 500, "Internal emulator error."), False, False
            if isinstance(route, Route) and route.operation == "create" and response.status == 201:
                self.log.update(entry, resource_id=_created_id(response))
            self.log.update(entry, replayed=replayed, committed=executed and not replayed and 200 <= response.status < 300)
        self.log.update(entry, status=response.status)
        if kind == "drop_after_commit":
            raise _Dropped()
        if kind == "garble_after_commit":
            response = Response(response.status, GARBLED_BODY, [("Content-Type", "text/html")], response.replayable)
        if kind == "truncate_after_commit":
            raise _CutShort(self._respond(service, request, response))
        if kind == "status_after_commit":
            response = self._fault_response(service, fault)
            self.log.update(entry, status=response.status)
        if kind == "license_warning" and isinstance(route, Route) and route.operation == "licenseupdates" and response.status == 201:
            response = _with_license_warning(response, fault.get("warning") or DEFAULT_LICENSE_WARNING)
        return self._respond(service, request, response)

    def _respond(self, service, request, response):
        if self.latency > 0:
            time.sleep(self.latency)
        if service == "partnercenter":
            response = self._with_pc_headers(request, response)
        return response

    def _process(self, service, request, route):
        """(response, replayed, executed by the store); route is the Partner Center Route or routing error."""
        if service == "entra":
            return self.entra.handle(request), False, False
        if isinstance(route, Response):
            return route, False, False
        denied = self.partner_center.authorize(request, route)
        if denied is not None:
            return denied, False, False
        request_id = request.header("MS-RequestId")
        if not request_id or not self.replay_dedup:
            return self.partner_center.execute(request, route), False, True
        stored = self.replay.begin(request_id)
        if stored is not None:
            return stored, True, False
        response = None
        try:
            response = self.partner_center.execute(request, route)
        finally:
            self.replay.finish(request_id, response)
        return response, False, True

    @staticmethod
    def _log_entry(service, request):
        grant_type = client_id = None
        if service == "entra" and request.method == "POST":
            form = request.form()
            grant_type, client_id = form.get("grant_type"), form.get("client_id")
        query = dict((k, v) for k, v in request.query.items() if not _SECRET_KEYS.search(k))
        return {"seq": None, "time": time.time(), "service": service, "method": request.method, "path": request.path,
                "query": query, "request_id": request.header("MS-RequestId"), "correlation_id": request.header("MS-CorrelationId"),
                "continuation_token_sent": request.header("MS-ContinuationToken") is not None,
                "application": request.header("MS-PartnerCenter-Application"), "grant_type": grant_type, "client_id": client_id,
                "status": None, "replayed": False, "fault": None, "committed": False, "resource_id": None}

    @staticmethod
    def _fault_response(service, fault):
        status = fault["status"]
        headers = list((fault.get("headers") or {}).items())
        bom = service == "partnercenter"
        if fault.get("body") is not None:
            body = fault["body"]
            data = body.encode("utf-8") if isinstance(body, str) else json_bytes(body, bom)
            return Response(status, data, [("Content-Type", "application/json; charset=utf-8")] + headers)
        if status == 429:
            retry_after = fault.get("retry_after")
            if retry_after is not None:
                headers.append(("Retry-After", _retry_after_header(retry_after)))
            message = "Rate limit is exceeded. Try again in %d seconds." % _retry_after_seconds(retry_after)
            return json_response(429, {"statusCode": 429, "message": message}, bom, headers)
        if service == "partnercenter":
            return pc_error(status, status, "Injected fault: the service answered %d." % status, headers=headers)
        body = {"error": "temporarily_unavailable" if status >= 500 else "invalid_request",
                "error_description": "AADSTS50001: Injected fault: the service answered %d." % status, "error_codes": [50001],
                "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()), "trace_id": str(uuid.uuid4()),
                "correlation_id": str(uuid.uuid4())}
        return json_response(status, body, False, headers)

    @staticmethod
    def _with_pc_headers(request, response):
        headers = [("MS-RequestId", request.header("MS-RequestId") or str(uuid.uuid4())),
                   ("MS-CorrelationId", request.header("MS-CorrelationId") or str(uuid.uuid4())),
                   ("MS-CV", "%s.0" % uuid.uuid4().hex[:22]), ("MS-ServerId", "030011719")]
        return Response(response.status, response.body, response.headers + headers, response.replayable)


def _with_license_warning(response, warning):
    """The licence update answer with one more entry in licenseWarnings."""
    body = json.loads(response.body.decode("utf-8-sig"))
    body["licenseWarnings"] = list(body.get("licenseWarnings") or []) + [warning]
    return json_response(response.status, body, bom=True, replayable=response.replayable)


def _created_id(response):
    try:
        value = json.loads(response.body.decode("utf-8-sig")).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _retry_after_header(value):
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value) == int(value) else str(value)


def _retry_after_seconds(value):
    if value is None:
        return 1
    if isinstance(value, (int, float)):
        return max(0, int(round(value)))
    try:
        return max(0, int(round(float(value))))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0, int(round(when.timestamp() - time.time())))
    except (TypeError, ValueError):
        return 1
