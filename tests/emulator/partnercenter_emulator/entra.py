"""Entra ID (v2.0 endpoints) as msal uses them, and the registry of the tokens it issues.

Only what the collection needs: openid configuration, the token endpoint (refresh_token,
client_credentials, device_code grants) and the device-code endpoint. Access tokens are shaped as
Entra ID's v1.0 JWTs (claims readable, signature not verifiable); what Partner Center needs to know
about one lives in the registry.

Refresh tokens live REFRESH_TOKEN_LIFETIME from their own issue, however often they are used, and
every redeem returns a new one while the old one stays valid until its own end (learn.microsoft.com
/entra/identity-platform/refresh-tokens; the AADSTS700082 text of a CSP partner's incident, see
tests/emulator/LEDGER.md). The registry's clock can be moved (clock_offset) to run day 0, 60, 100.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import threading
import time
import uuid

from .wire import Response, json_response

PC_RESOURCE = "https://api.partnercenter.microsoft.com"
PC_USER_SCOPE = PC_RESOURCE + "/user_impersonation"
PC_DEFAULT_SCOPE = PC_RESOURCE + "/.default"
RESERVED_SCOPES = ("openid", "profile", "offline_access")
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_CODE_LIFETIME = 900
BOUND = 200000   # tokens kept per kind; the oldest are forgotten beyond that
REFRESH_TOKEN_LIFETIME = 90 * 86400
DAY = 86400


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenRegistry(object):
    """Apps, refresh tokens, access tokens and pending device codes. Thread-safe."""

    def __init__(self, token_lifetime=3600):
        self._lock = threading.RLock()
        self.token_lifetime = int(token_lifetime)
        self.device_code_auto_approve = False
        # Whether a device-code consent is made with MFA (its tokens carry mfa in amr).
        self.device_code_mfa = True
        # Seconds added to the real time: the emulator's notion of now (token issue, expiry, refusal).
        self.clock_offset = 0.0
        self.tenant_id = None
        self.apps = {}
        self.refresh_tokens = {}
        self.access_tokens = {}
        self.device_codes = {}
        self.default_grant = {}

    def now(self):
        return time.time() + self.clock_offset

    def load_seed(self, seed):
        with self._lock:
            self.tenant_id = seed["partner_tenant_id"].lower()
            self.apps = dict((a["client_id"].lower(), a.get("client_secret")) for a in seed.get("apps", []))
            self.refresh_tokens = {}
            self.access_tokens = {}
            self.device_codes = {}
            for entry in seed.get("refresh_tokens", []):
                self.refresh_tokens[entry["token"]] = {
                    "client_id": entry["client_id"].lower(), "user": entry.get("user", "agent@partner.onmicrosoft.com"),
                    "mfa": bool(entry.get("mfa", True)), "gdap_roles": list(entry.get("gdap_roles", [])),
                    # Seed tokens are issued at day 0 (the real time of loading, whatever the clock offset); one
                    # marked expired 91 days before that.
                    "issued_at": time.time() - (91 * DAY if entry.get("expired") else 0), "seed": True}
            valid = [e for e in seed.get("refresh_tokens", []) if e.get("name") == "valid"] or seed.get("refresh_tokens", [])[:1]
            fallback = {"user": "agent@partner.onmicrosoft.com", "mfa": True, "gdap_roles": []}
            # Device-code sign-ins get the user and roles of the seed's valid refresh token.
            self.default_grant = dict(self.refresh_tokens[valid[0]["token"]]) if valid else fallback

    def issue(self, client_id, user, mfa, gdap_roles, app_only, refresh):
        """New access token (and rotated refresh token) for a grant; returns (access, refresh or None, lifetime)."""
        with self._lock:
            lifetime = self.token_lifetime
            now = self.now()
            grant = {"client_id": client_id, "user": user, "mfa": mfa, "gdap_roles": list(gdap_roles),
                     "app_only": app_only, "expires_at": now + lifetime, "revoked": False}
            access = self._access_token(client_id, user, mfa, app_only, now, lifetime)
            self._remember(self.access_tokens, access, grant)
            new_refresh = None
            if refresh:
                new_refresh = "0.pcemu-rt." + secrets.token_urlsafe(64)
                self._remember(self.refresh_tokens, new_refresh, {"client_id": client_id, "user": user, "mfa": mfa,
                                                                  "gdap_roles": list(gdap_roles), "issued_at": now})
            return access, new_refresh, lifetime

    def _access_token(self, client_id, user, mfa, app_only, now, lifetime):
        """A v1.0 access token's shape and claims (learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
        amr holds mfa after an MFA sign-in; the signature is random bytes (nobody can verify it, as with Entra's)."""
        claims = {"aud": PC_RESOURCE, "iss": "https://sts.windows.net/%s/" % self.tenant_id, "iat": int(now), "nbf": int(now),
                  "exp": int(now + lifetime), "appid": client_id, "tid": self.tenant_id, "ver": "1.0",
                  "uti": secrets.token_urlsafe(16)}
        if app_only:
            claims["roles"] = []
        else:
            oid = str(uuid.uuid5(uuid.NAMESPACE_URL, "pcemu:" + str(user).lower()))
            claims.update(amr=["pwd", "mfa"] if mfa else ["pwd"], upn=user, unique_name=user, oid=oid,
                          name=str(user).split("@", maxsplit=1)[0], scp="user_impersonation")
        header = {"typ": "JWT", "alg": "RS256", "kid": "pcemu"}
        return "%s.%s.%s" % (_b64(json.dumps(header).encode("utf-8")), _b64(json.dumps(claims).encode("utf-8")),
                             _b64(secrets.token_bytes(64)))

    def refresh_token_expiry(self, grant):
        """(expired, issue time) of a refresh token's grant: it is refused REFRESH_TOKEN_LIFETIME after its issue."""
        return self.now() >= grant["issued_at"] + REFRESH_TOKEN_LIFETIME, grant["issued_at"]

    @staticmethod
    def _remember(table, key, value):
        if len(table) >= BOUND:
            # Forget the oldest issued entry; the seed's refresh tokens stay.
            oldest = next((k for k, v in table.items() if not v.get("seed")), None)
            if oldest is not None:
                del table[oldest]
        table[key] = value

    def check_access(self, token):
        """(grant, None) for a usable access token, else (None, reason)."""
        with self._lock:
            grant = self.access_tokens.get(token)
            if grant is None:
                return None, "The access token is invalid."
            if grant["revoked"]:
                return None, "The access token has been revoked."
            if self.now() >= grant["expires_at"]:
                return None, "The access token has expired."
            return dict(grant), None

    def revoke_all(self):
        with self._lock:
            for grant in self.access_tokens.values():
                grant["revoked"] = True
            return len(self.access_tokens)

    def refresh_grant(self, token):
        with self._lock:
            grant = self.refresh_tokens.get(token)
            return dict(grant) if grant else None

    def new_device_code(self, client_id, scope):
        with self._lock:
            device_code = "pcemu-dc." + secrets.token_urlsafe(32)
            user_code = "".join(secrets.choice(string.ascii_uppercase + string.digits) for position in range(9))
            self._remember(self.device_codes, device_code, {
                "client_id": client_id, "user_code": user_code, "scope": scope, "approved": self.device_code_auto_approve,
                "mfa": self.device_code_mfa, "redeemed": False, "expires_at": self.now() + DEVICE_CODE_LIFETIME})
            return device_code, user_code

    def approve_device_code(self, user_code=None, mfa=None):
        """Approve one pending code (or every pending one when user_code is None), as a sign-in with MFA or (mfa=False)
        without; mfa None: device_code_mfa. Returns how many."""
        with self._lock:
            count = 0
            for entry in self.device_codes.values():
                if not entry["redeemed"] and (user_code is None or entry["user_code"] == str(user_code).upper()):
                    entry["approved"] = True
                    entry["mfa"] = self.device_code_mfa if mfa is None else bool(mfa)
                    count += 1
            return count

    def device_code(self, device_code):
        with self._lock:
            entry = self.device_codes.get(device_code)
            return dict(entry) if entry else None

    def redeem_device_code(self, device_code):
        with self._lock:
            entry = self.device_codes.get(device_code)
            if entry is None or entry["redeemed"] or not entry["approved"]:
                return False
            entry["redeemed"] = True
            return True


class EntraService(object):
    """The tenant-scoped v2.0 endpoints, under /{tenant}/..."""

    def __init__(self, registry):
        self.registry = registry

    def handle(self, request):
        parts = request.path.strip("/").split("/")
        if parts == ["devicelogin"]:
            return Response(200, b"Partner Center emulator: approve device codes with POST /_emulator/devicecode/approve\n",
                            [("Content-Type", "text/plain; charset=utf-8")])
        tenant, rest = parts[0], "/".join(parts[1:])
        routes = {("GET", "v2.0/.well-known/openid-configuration"): self._openid_configuration,
                  ("POST", "oauth2/v2.0/token"): self._token,
                  ("POST", "oauth2/v2.0/devicecode"): self._devicecode}
        handler = routes.get((request.method, rest))
        if handler is None:
            return self._error(request, 404, "invalid_request", 900561,
                               "The endpoint only accepts the documented methods and paths. (%s %s)" % (request.method, request.path))
        if tenant.lower() != self.registry.tenant_id:
            return self._error(request, 400, "invalid_tenant", 90002,
                               "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into "
                               "the correct cloud." % tenant)
        return handler(request, tenant)

    # ---- endpoints ----------------------------------------------------------------------

    def _openid_configuration(self, request, tenant):
        base = "%s/%s" % (request.base_url, tenant)
        config = {
            "token_endpoint": base + "/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": base + "/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": base + "/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": base + "/oauth2/v2.0/authorize",
            "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": base + "/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }
        return self._json(request, 200, config)

    def _devicecode(self, request, tenant):
        form = request.form()
        client_id = str(form.get("client_id", "")).lower()
        if not client_id:
            return self._missing(request, "client_id")
        if client_id not in self.registry.apps:
            return self._unknown_app(request, client_id)
        failure = self._scope_problem(request, form.get("scope"), client_credentials=False)
        if failure:
            return failure
        device_code, user_code = self.registry.new_device_code(client_id, form.get("scope"))
        uri = request.base_url + "/devicelogin"
        return self._json(request, 200, {
            "user_code": user_code, "device_code": device_code, "verification_uri": uri, "expires_in": DEVICE_CODE_LIFETIME,
            "interval": 1,
            "message": "To sign in, use a web browser to open the page %s and enter the code %s to authenticate." % (uri, user_code)})

    def _token(self, request, tenant):
        form = request.form()
        grant_type = form.get("grant_type")
        if not grant_type:
            return self._missing(request, "grant_type")
        client_id, failure = self._authenticate_client(request, form)
        if failure:
            return failure
        if grant_type == "refresh_token":
            return self._refresh_token_grant(request, tenant, form, client_id)
        if grant_type == "client_credentials":
            return self._client_credentials_grant(request, form, client_id)
        if grant_type == DEVICE_CODE_GRANT:
            return self._device_code_grant(request, tenant, form, client_id)
        return self._error(request, 400, "unsupported_grant_type", 70003,
                           "The app requested an unsupported grant type '%s'." % grant_type)

    def _refresh_token_grant(self, request, tenant, form, client_id):
        token = form.get("refresh_token")
        if not token:
            return self._missing(request, "refresh_token")
        grant = self.registry.refresh_grant(token)
        if grant is None:
            return self._error(request, 400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if grant["client_id"] != client_id:
            return self._error(request, 400, "invalid_grant", 70000,
                               "Provided grant is invalid or malformed. The refresh token was issued to a different client.")
        expired, issued_at = self.registry.refresh_token_expiry(grant)
        if expired:
            # The real text says "inactive" although the clock that ran out is the token's own, from its issue.
            issued = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(issued_at))
            return self._error(request, 400, "invalid_grant", 700082,
                               "The refresh token has expired due to inactivity. The token was issued on %s and was inactive "
                               "for 90.00:00:00." % issued, suberror="bad_token")
        failure = self._scope_problem(request, form.get("scope"), client_credentials=False)
        if failure:
            return failure
        return self._tokens(request, tenant, form, client_id, grant, form.get("scope"))

    def _client_credentials_grant(self, request, form, client_id):
        if self.registry.apps.get(client_id) is None:
            return self._error(request, 401, "invalid_client", 7000218,
                               "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        failure = self._scope_problem(request, form.get("scope"), client_credentials=True)
        if failure:
            return failure
        access, no_refresh, lifetime = self.registry.issue(client_id, None, False, [], True, refresh=False)
        return self._json(request, 200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                                         "access_token": access})

    def _device_code_grant(self, request, tenant, form, client_id):
        code = form.get("device_code")
        if not code:
            return self._missing(request, "device_code")
        entry = self.registry.device_code(code)
        if entry is None or entry["client_id"] != client_id or entry["redeemed"]:
            return self._error(request, 400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        if self.registry.now() >= entry["expires_at"]:
            return self._error(request, 400, "expired_token", 70019,
                               "Verification code expired. The verification code has expired; start a new device flow.")
        if not entry["approved"] or not self.registry.redeem_device_code(code):
            return self._error(request, 400, "authorization_pending", 70016,
                               "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
        default = self.registry.default_grant
        grant = {"user": default.get("user"), "mfa": entry.get("mfa", True), "gdap_roles": default.get("gdap_roles", [])}
        # msal sends no scope when polling: the scope is the one the flow was started with.
        return self._tokens(request, tenant, form, client_id, grant, entry["scope"])

    # ---- helpers ------------------------------------------------------------------------

    def _authenticate_client(self, request, form):
        """(client_id, None) or (None, error response); secrets may come in the form or as HTTP Basic."""
        client_id = str(form.get("client_id", ""))
        secret = form.get("client_secret")
        basic = request.header("Authorization", "")
        if basic.lower().startswith("basic "):
            try:
                user, sep, password = base64.b64decode(basic[6:]).decode("utf-8").partition(":")
                client_id, secret = client_id or user, password
            except (ValueError, UnicodeDecodeError):
                pass
        client_id = client_id.lower()
        if not client_id:
            return None, self._missing(request, "client_id")
        if client_id not in self.registry.apps:
            return None, self._unknown_app(request, client_id)
        expected = self.registry.apps[client_id]
        if expected is None:
            if secret is not None or form.get("client_assertion"):
                return None, self._error(request, 401, "invalid_client", 700025,
                                         "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
            return client_id, None
        if secret is None:
            return None, self._error(request, 401, "invalid_client", 7000218,
                                     "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        if not secrets.compare_digest(str(secret).encode("utf-8"), expected.encode("utf-8")):
            return None, self._error(request, 401, "invalid_client", 7000215,
                                     "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                                     "secret value, not the client secret ID, for a secret added to app '%s'." % client_id)
        return client_id, None

    def _scope_problem(self, request, scope, client_credentials):
        scopes = str(scope or "").split()
        if client_credentials:
            if scopes != [PC_DEFAULT_SCOPE]:
                return self._error(request, 400, "invalid_scope", 1002012,
                                   "The provided value for scope %s is not valid. Client credential flows must have a scope "
                                   "value with /.default suffixed to the resource identifier (application ID URI)." % (scope or ""))
            return None
        resource = [s for s in scopes if s not in RESERVED_SCOPES]
        if resource not in ([PC_USER_SCOPE], [PC_DEFAULT_SCOPE]):
            return self._error(request, 400, "invalid_scope", 70011,
                               "The provided request must include a 'scope' input parameter. The provided value for the input "
                               "parameter 'scope' is not valid. The emulator only issues tokens for %s or %s."
                               % (PC_USER_SCOPE, PC_DEFAULT_SCOPE))
        return None

    def _tokens(self, request, tenant, form, client_id, grant, scope):
        access, refresh, lifetime = self.registry.issue(client_id, grant["user"], grant["mfa"], grant["gdap_roles"],
                                                        False, refresh=True)
        body = {"token_type": "Bearer", "scope": PC_USER_SCOPE, "expires_in": lifetime, "ext_expires_in": lifetime,
                "access_token": access, "refresh_token": refresh}
        scopes = str(scope or "").split()
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, "pcemu:" + str(grant["user"]).lower()))
        if "openid" in scopes:
            body["id_token"] = self._id_token(request, tenant, client_id, oid, grant["user"])
        if form.get("client_info") == "1":
            body["client_info"] = _b64(json.dumps({"uid": oid, "utid": self.registry.tenant_id}).encode("utf-8"))
        return self._json(request, 200, body)

    @staticmethod
    def _id_token(request, tenant, client_id, oid, user):
        # Unsigned: msal decodes id tokens without checking the signature.
        now = int(time.time())
        claims = {"aud": client_id, "iss": "%s/%s/v2.0" % (request.base_url, tenant), "iat": now, "nbf": now, "exp": now + 3600,
                  "name": str(user).split("@", maxsplit=1)[0], "oid": oid, "preferred_username": user, "sub": oid, "tid": tenant,
                  "ver": "2.0"}
        header = {"typ": "JWT", "alg": "none"}
        return "%s.%s." % (_b64(json.dumps(header).encode("utf-8")), _b64(json.dumps(claims).encode("utf-8")))

    def _missing(self, request, name):
        return self._error(request, 400, "invalid_request", 900144,
                           "The request body must contain the following parameter: '%s'." % name)

    def _unknown_app(self, request, client_id):
        return self._error(request, 400, "unauthorized_client", 700016,
                           "Application with identifier '%s' was not found in the directory '%s'."
                           % (client_id, self.registry.tenant_id))

    def _error(self, request, status, error, code, description, suberror=None):
        trace_id = str(uuid.uuid4())
        correlation_id = request.header("client-request-id") or str(uuid.uuid4())
        body = {"error": error,
                "error_description": "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s"
                                     % (code, description, trace_id, correlation_id, time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())),
                "error_codes": [code], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                "trace_id": trace_id, "correlation_id": correlation_id}
        if suberror:
            body["suberror"] = suberror
        body["error_uri"] = "%s/error?code=%d" % (request.base_url, code)
        return self._json(request, status, body)

    @staticmethod
    def _json(request, status, value):
        headers = [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"), ("x-ms-request-id", str(uuid.uuid4()))]
        if request.header("client-request-id"):
            headers.append(("client-request-id", request.header("client-request-id")))
        return json_response(status, value, bom=False, headers=headers)
