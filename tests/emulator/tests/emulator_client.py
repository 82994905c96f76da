"""A minimal Partner Center client for the emulator tests (requests; the CA comes from REQUESTS_CA_BUNDLE)."""

from __future__ import annotations

import json
import uuid

import requests

BOM = b"\xef\xbb\xbf"
STRONG_PASSWORD = "Str0ng!Passw0rd"


def body(response):
    """The JSON body of a Partner Center response, which must start with a UTF-8 BOM."""
    assert response.content.startswith(BOM), response.content[:40]
    return json.loads(response.content[len(BOM):].decode("utf-8"))


class Api(object):

    def __init__(self, emu):
        self.emu = emu
        self.settings = emu.settings
        self.session = requests.Session()
        self._tokens = {}

    @property
    def customer(self):
        return self.settings["customer_id"]

    @property
    def empty_customer(self):
        return self.settings["customers"][1]

    def token_response(self, refresh_token=None, client_id=None, client_secret=None, scope=None, grant_type="refresh_token"):
        s = self.settings
        form = {"grant_type": grant_type, "client_id": client_id or s["client_id"],
                "scope": scope or s["scope"] + " openid profile offline_access"}
        secret = s["client_secret"] if client_secret is None else client_secret
        if secret:
            form["client_secret"] = secret
        if grant_type == "refresh_token":
            form["refresh_token"] = refresh_token or s["refresh_token"]
        return self.session.post("%s/%s/oauth2/v2.0/token" % (s["url"], s["tenant_id"]), data=form)

    def token(self, name="valid"):
        """An access token redeemed from one of the seed's named refresh tokens."""
        if name not in self._tokens:
            response = self.token_response(self.settings["refresh_tokens"][name])
            assert response.status_code == 200, response.text
            self._tokens[name] = response.json()["access_token"]
        return self._tokens[name]

    def call(self, method, path, token="valid", json_body=None, headers=None, **kwargs):
        """A Partner Center call; `path` is under /v1 unless absolute; token is a seed name, a raw token or None."""
        all_headers = {"Accept": "application/json", "MS-CorrelationId": str(uuid.uuid4())}
        if token is not None:
            raw = self.token(token) if token in self.settings["refresh_tokens"] else token
            all_headers["Authorization"] = "Bearer " + raw
        all_headers.update(headers or {})
        url = self.settings["url"] + (path if path.startswith("/v1") else "/v1" + path)
        return self.session.request(method, url, json=json_body, headers=all_headers, **kwargs)

    def users_path(self, customer=None, user_id=None):
        path = "/customers/%s/users" % (customer or self.customer)
        return path + ("/" + user_id if user_id else "")

    def create(self, upn, customer=None, token="valid", headers=None, **fields):
        payload = {"userPrincipalName": upn, "displayName": fields.pop("displayName", upn.split("@")[0]),
                   "passwordProfile": {"password": fields.pop("password", STRONG_PASSWORD), "forceChangePassword": True},
                   "attributes": {"objectType": "CustomerUser"}}
        payload.update(fields)
        return self.call("POST", self.users_path(customer), token=token, json_body=payload, headers=headers)

    def admin(self, method, path, json_body=None):
        return self.session.request(method, self.settings["url"] + "/_emulator" + path, json=json_body)
