# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small fake of the AWX / Automation Platform credentials API, for playbooks/rotate_refresh_token.yml.

Plain HTTP on 127.0.0.1, in a thread of its own, stopped by the test. What it follows
(../shared/reference/real-service-facts.md section 7): a secret input reads back as ``$encrypted$``;
``PATCH /api/v2/credentials/{id}/`` with ``{"inputs": {...}}`` replaces the whole inputs dict, and an
input sent as ``$encrypted$`` keeps its stored value (ansible/awx#7525, #13169); requests need
``Authorization: Bearer <token>`` or HTTP Basic with the controller user's name and password.
"""

from __future__ import absolute_import, division, print_function

import base64
import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ENCRYPTED = "$encrypted$"
PARTNER_CENTER_TYPE = "Microsoft Partner Center (App+User)"


class FakeController(object):
    """credentials: {id: {"name", "type", "inputs", "secret_fields"}}; requests: (method, path, body) as received."""

    def __init__(self, oauth_token, username="admin", password=None):
        self.oauth_token = oauth_token
        self.basic = None
        if password is not None:
            self.basic = "Basic " + base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
        self.credentials = {}
        self.requests = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.url = None

    def add_credential(self, credential_id, name, inputs, secret_fields=("client_secret", "refresh_token"),
                       type_name=PARTNER_CENTER_TYPE):
        self.credentials[credential_id] = {"name": name, "type": type_name, "inputs": dict(inputs),
                                           "secret_fields": tuple(secret_fields)}

    def view(self, credential_id):
        """The credential as the API shows it: secret inputs as $encrypted$."""
        stored = self.credentials[credential_id]
        inputs = dict((key, ENCRYPTED if key in stored["secret_fields"] and value else value)
                      for key, value in stored["inputs"].items())
        return {"id": credential_id, "type": "credential", "url": "/api/v2/credentials/%d/" % credential_id,
                "name": stored["name"], "credential_type": 7, "inputs": inputs,
                "summary_fields": {"credential_type": {"id": 7, "name": stored["type"]}}}

    def handle(self, method, path, query, headers, body):
        with self._lock:
            self.requests.append((method, path, body))
            if headers.get("Authorization") not in ("Bearer " + self.oauth_token, self.basic):
                return 401, {"detail": "Authentication credentials were not provided."}
            parts = [part for part in path.split("/") if part]
            if parts[:3] != ["api", "v2", "credentials"]:
                return 404, {"detail": "Not found."}
            if len(parts) == 3 and method == "GET":
                names = query.get("name")
                found = [self.view(cid) for cid, c in sorted(self.credentials.items()) if not names or c["name"] == names[0]]
                return 200, {"count": len(found), "next": None, "previous": None, "results": found}
            if len(parts) != 4 or not parts[3].isdigit() or int(parts[3]) not in self.credentials:
                return 404, {"detail": "Not found."}
            credential_id = int(parts[3])
            if method == "GET":
                return 200, self.view(credential_id)
            if method == "PATCH":
                document = json.loads(body or "{}")
                if "inputs" in document:
                    stored = self.credentials[credential_id]
                    old = stored["inputs"]
                    # The inputs sent replace the whole dict; $encrypted$ keeps a stored secret.
                    stored["inputs"] = dict((key, old.get(key) if value == ENCRYPTED else value)
                                            for key, value in document["inputs"].items())
                return 200, self.view(credential_id)
            return 405, {"detail": 'Method "%s" not allowed.' % method}

    def start(self):
        controller = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                parsed = urlparse(self.path)
                status, document = controller.handle(self.command, parsed.path, parse_qs(parsed.query),
                                                     dict(self.headers.items()), body)
                data = json.dumps(document).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def stored(self, credential_id):
        """A copy of the credential's inputs as stored (secrets in clear)."""
        return copy.deepcopy(self.credentials[credential_id]["inputs"])
