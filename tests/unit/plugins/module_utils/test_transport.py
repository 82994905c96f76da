# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The default transport (ansible.module_utils.urls) against small HTTP(S) servers on loopback."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import PartnerCenterClient, UrlsTransport
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, TransportError
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION
from ansible_collections.partnercenter.csp.tests.unit.plugins.module_utils.client_fakes import FakeTokenProvider


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script = {}

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = dict((key.lower(), value) for key, value in self.headers.items())
        self.server.seen.append(dict(method=self.command, path=self.path, headers=headers, body=body))
        path = self.path.split("?")[0]
        if path.endswith("/slow"):
            time.sleep(0.6)
        if path.endswith("/throttle") and len([s for s in self.server.seen if "/throttle" in s["path"]]) == 1:
            status, headers, payload = 429, {"Retry-After": "0"}, b'{"statusCode":429,"message":"Rate limit is exceeded."}'
        elif path.endswith("/missing"):
            status, headers, payload = 404, {"MS-RequestId": "echo"}, b'\xef\xbb\xbf{"code":60002,"description":"User object Id is not found."}'
        elif path.endswith("/moved"):
            status, headers, payload = 302, {"Location": "https://elsewhere.example.test/steal"}, b""
        elif path.endswith("/empty"):
            status, headers, payload = 204, {}, b""
        else:
            status, headers, payload = 200, {"Content-Type": "application/json"}, json.dumps({"ok": True, "path": self.path}).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer


class Server(object):
    def __init__(self, context=None):
        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.seen = []
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if context is not None else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs=dict(poll_interval=0.05))
        self.thread.daemon = True
        self.thread.start()

    @property
    def seen(self):
        return self.httpd.seen

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server():
    running = Server()
    yield running
    running.close()


def test_success_and_headers(server):
    transport = UrlsTransport()
    status, headers, body = transport("POST", server.url + "/v1/things", {"X-Test": "1", "Content-Type": "application/json"},
                                      b'{"a":1}', 5)
    assert status == 200 and json.loads(body.decode())["ok"] is True
    assert headers["Content-Type"] == "application/json"
    seen = server.seen[0]
    assert seen["method"] == "POST" and seen["body"] == b'{"a":1}' and seen["headers"]["x-test"] == "1"
    assert seen["headers"]["user-agent"] == COLLECTION_NAME + "/" + COLLECTION_VERSION


def test_http_errors_are_responses(server):
    status, headers, body = UrlsTransport()("GET", server.url + "/v1/missing", {}, None, 5)
    assert status == 404 and headers["MS-RequestId"] == "echo" and b"60002" in body


def test_redirects_are_not_followed(server):
    status, headers, dummy = UrlsTransport()("GET", server.url + "/v1/moved", {"Authorization": "Bearer t"}, None, 5)
    assert status == 302 and len(server.seen) == 1


def test_empty_response(server):
    status, dummy, body = UrlsTransport()("DELETE", server.url + "/v1/empty", {}, None, 5)
    assert status == 204 and body == b""


def test_read_timeout(server):
    with pytest.raises(TransportError) as caught:
        UrlsTransport()("GET", server.url + "/v1/slow", {}, None, 0.2)
    assert caught.value.kind == TransportError.TIMEOUT and "0.2 s" in str(caught.value)


def test_connection_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(TransportError) as caught:
        UrlsTransport()("GET", "http://127.0.0.1:%d/v1/x" % port, {}, None, 5)
    assert caught.value.kind == TransportError.CONNECTION and "127.0.0.1:%d" % port in str(caught.value)


def test_client_end_to_end(server):
    client = PartnerCenterClient(server.url, FakeTokenProvider(can_refresh=False), sleep=lambda s: None)
    assert client.get("/throttle", params={"size": 2}) == {"ok": True, "path": "/v1/throttle?size=2"}
    first, second = server.seen
    assert first["headers"]["authorization"].startswith("Bearer ")
    assert first["headers"]["ms-requestid"] == second["headers"]["ms-requestid"]
    assert first["headers"]["ms-correlationid"] == client.correlation_id
    assert first["headers"]["ms-partnercenter-application"] == COLLECTION_NAME + "/" + COLLECTION_VERSION
    assert first["headers"]["x-locale"] == "en-US" and first["headers"]["accept"] == "application/json"
    with pytest.raises(PartnerCenterError) as caught:
        client.delete("/missing")
    assert caught.value.status == 404 and caught.value.code == 60002


# -- TLS -----------------------------------------------------------------------------------------


@pytest.fixture
def tls(tmp_path):
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    certificate = authority.issue_cert(u"127.0.0.1", u"localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    ca_file = str(tmp_path / "ca.pem")
    authority.cert_pem.write_to_path(ca_file)
    running = Server(context)
    yield running, ca_file
    running.close()


def test_tls_untrusted_certificate_is_a_tls_error(tls):
    running, dummy = tls
    with pytest.raises(TransportError) as caught:
        UrlsTransport()("GET", running.url + "/v1/x", {}, None, 5)
    assert caught.value.kind == TransportError.TLS and "certificate" in str(caught.value).lower()


def test_tls_with_ca_path(tls):
    running, ca_file = tls
    status, dummy, dummy2 = UrlsTransport(ca_path=ca_file)("GET", running.url + "/v1/x", {}, None, 5)
    assert status == 200


def test_tls_without_validation(tls):
    running, dummy = tls
    status, dummy2, dummy3 = UrlsTransport(validate_certs=False)("GET", running.url + "/v1/x", {}, None, 5)
    assert status == 200


def test_tls_failure_through_the_client_is_clear_and_not_retried(tls):
    running, dummy = tls
    client = PartnerCenterClient(running.url, FakeTokenProvider(), sleep=lambda s: None)
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/x")
    assert client.request_count == 1
    assert "ca_path (PARTNERCENTER_CA_PATH)" in str(caught.value)
    assert len(running.seen) == 0


def test_missing_ca_file_is_reported(tmp_path):
    transport = UrlsTransport(ca_path=str(tmp_path / "nope.pem"))
    with pytest.raises(TransportError) as caught:
        transport("GET", "https://127.0.0.1:1/v1/x", {}, None, 1)
    assert caught.value.kind == TransportError.TLS and "nope.pem" in str(caught.value)
