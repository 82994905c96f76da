"""The HTTPS front of the emulator: serving, routing, request log, faults, MS-RequestId replay, `Emulator`."""

from __future__ import annotations

import collections
import email.utils
import json
import os
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
from .partner_center import PartnerCenterService, error as pc_error
from .store import Store
from .wire import Request, Response, json_bytes, json_response

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SEED = os.path.join(os.path.dirname(PACKAGE_DIR), "seeds", "default.json")
FIXTURES_DIR = os.path.join(os.path.dirname(os.path.dirname(PACKAGE_DIR)), "fixtures", "recorded")
MAX_BODY = 64 * 1024 * 1024
FAULT_KINDS = ("status", "drop_after_commit", "drop_before", "delay")
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


class _Dropped(Exception):
    """The connection is closed without an answer."""


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
            self.close_connection = True
            try:
                self.connection.unwrap()   # a clean TLS close: the client sees "closed without response"
            except (OSError, ValueError):
                pass
            return
        except Exception:  # pylint: disable=broad-except
            emulator.record_error()
            response = Response(500, b"internal emulator error\n", [("Content-Type", "text/plain")])
        self._send(response, close=False)

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

    def _send(self, response, close):
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
            self._headers_buffer.append(response.body)
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

    def __init__(self, seed_path=None, state_dir=None, token_lifetime=3600, port=0, device_code_auto_approve=False):
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
        self.log = RequestLog()
        self.faults = FaultTable()
        self.replay = ReplayCache()
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
        self.store.load_seed(self.seed)

    def reset(self):
        """Back to the seed: users, tokens issued, request log, faults and replay cache."""
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

    def approve_device_code(self, user_code=None):
        return self.tokens.approve_device_code(user_code)

    def configure(self, token_lifetime=None, device_code_auto_approve=None):
        if token_lifetime is not None:
            if not isinstance(token_lifetime, int) or isinstance(token_lifetime, bool) or token_lifetime < 1:
                raise ValueError("token_lifetime must be a positive integer of seconds")
            self.tokens.token_lifetime = token_lifetime
        if device_code_auto_approve is not None:
            self.tokens.device_code_auto_approve = bool(device_code_auto_approve)
        return {"token_lifetime": self.tokens.token_lifetime, "device_code_auto_approve": self.tokens.device_code_auto_approve}

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
        """Answer one request (raises _Dropped to close the connection without answering)."""
        if request.path == "/_emulator" or request.path.startswith("/_emulator/"):
            return admin.handle(self, request)
        service = "partnercenter" if request.path == "/v1" or request.path.startswith("/v1/") else "entra"
        entry = self.log.begin(self._log_entry(service, request))
        fault = self.faults.take(request.method, request.path)
        kind = fault["kind"] if fault else None
        if kind:
            self.log.update(entry, fault=kind)
        if kind == "drop_before":
            raise _Dropped()
        if kind == "status":
            response = self._fault_response(service, fault)
        else:
            if kind == "delay":
                time.sleep(fault["seconds"])
            try:
                response, replayed = self._process(service, request)
            except Exception:  # pylint: disable=broad-except
                self.record_error()
                response, replayed = pc_error(500, 500, "Internal emulator error."), False
            if replayed:
                self.log.update(entry, replayed=True)
        self.log.update(entry, status=response.status)
        if kind == "drop_after_commit":
            raise _Dropped()
        if service == "partnercenter":
            response = self._with_pc_headers(request, response)
        return response

    def _process(self, service, request):
        if service == "entra":
            return self.entra.handle(request), False
        route = self.partner_center.route(request)
        if isinstance(route, Response):
            return route, False
        denied = self.partner_center.authorize(request, route)
        if denied is not None:
            return denied, False
        request_id = request.header("MS-RequestId")
        if not request_id:
            return self.partner_center.execute(request, route), False
        stored = self.replay.begin(request_id)
        if stored is not None:
            return stored, True
        response = None
        try:
            response = self.partner_center.execute(request, route)
        finally:
            self.replay.finish(request_id, response)
        return response, False

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
                "status": None, "replayed": False, "fault": None}

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
