"""The request and response values passed between the server and the service modules."""

from __future__ import annotations

import json
import urllib.parse

BOM = b"\xef\xbb\xbf"
JSON_TYPE = "application/json; charset=utf-8"


class Request(object):
    """One parsed HTTP request; headers keep the case-insensitive HTTPMessage of http.server."""

    def __init__(self, method, raw_path, headers, body, base_url):
        self.method = method.upper()
        split = urllib.parse.urlsplit(raw_path)
        self.path = split.path
        self.raw_query = split.query
        self.query = _flatten(urllib.parse.parse_qs(split.query, keep_blank_values=True))
        self.headers = headers
        self.body = body or b""
        self.base_url = base_url
        self._form = None

    def header(self, name, default=None):
        value = self.headers.get(name) if self.headers is not None else None
        return default if value is None else value

    def json(self):
        """The body as JSON (a leading BOM is tolerated); raises ValueError when it is not JSON."""
        text = self.body.decode("utf-8-sig")
        if not text.strip():
            raise ValueError("empty body")
        return json.loads(text)

    def form(self):
        """The body as a form (application/x-www-form-urlencoded), single values as str."""
        if self._form is None:
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            self._form = _flatten(urllib.parse.parse_qs(text, keep_blank_values=True))
        return self._form


class Response(object):
    """What a service answers; `replayable` marks responses a handler produced (see server.py)."""

    def __init__(self, status, body=b"", headers=None, replayable=False):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        self.replayable = replayable

    def size(self):
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


def _flatten(parsed):
    return dict((k, v[0] if len(v) == 1 else v) for k, v in parsed.items())


def json_bytes(value, bom):
    """Compact JSON; Partner Center bodies start with a UTF-8 BOM, Entra ID bodies do not."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return BOM + data if bom else data


def json_response(status, value, bom, headers=None, replayable=False):
    all_headers = [("Content-Type", JSON_TYPE)] + list(headers or [])
    return Response(status, json_bytes(value, bom), all_headers, replayable)


def raw_json_response(status, body, headers=None, replayable=False):
    """A body already encoded (e.g. a recorded fixture served byte for byte)."""
    return Response(status, body, [("Content-Type", JSON_TYPE)] + list(headers or []), replayable)
