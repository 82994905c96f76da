"""The Partner Center /v1 customer-user endpoints (reference section 3, rows 1-8).

The server calls route(), then authorize(), then (unless the MS-RequestId is replayed) execute().
Responses from execute() are `replayable`; routing and authorization failures are not.
"""

from __future__ import annotations

import json
import re
import urllib.parse

from . import store as st
from .wire import Response, json_response, raw_json_response

READ_ROLES = ("Directory Readers", "Global Reader", "User Administrator")
WRITE_ROLES = ("User Administrator", "Directory Writers")
PASSWORD_ROLES = ("User Administrator", "Privileged Authentication Administrator")
ALL_ROLES = ("Global Administrator",)   # satisfies every operation, as in Entra ID
ROLES = {"list": READ_ROLES, "get": READ_ROLES, "create": WRITE_ROLES, "update": WRITE_ROLES, "delete": WRITE_ROLES,
         "resetpassword": PASSWORD_ROLES}

_USERS = re.compile(r"^/v1/customers/([^/]+)/users/?$")
_USER = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/?$")
_RESET = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/resetpassword/?$")

STATUS_OF = {st.USER_NOT_FOUND: 404, st.TENANT_NOT_FOUND: 404}
DELETED_FILTER_ECHO = json.dumps({"Field": "UserStatus", "Value": "Inactive", "Operator": "equals"}, separators=(",", ":"))
DELETED_FILTER = json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"}, separators=(",", ":"))


class Route(object):
    __slots__ = ("operation", "customer_id", "user_id")

    def __init__(self, operation, customer_id, user_id=None):
        self.operation = operation
        self.customer_id = customer_id
        self.user_id = user_id


def error(status, code, description, headers=None, replayable=False, data=True):
    body = {"code": code, "description": description}
    if data:
        body["data"] = []
    body["source"] = "PartnerFD"
    return json_response(status, body, bom=True, headers=headers, replayable=replayable)


class PartnerCenterService(object):

    def __init__(self, store, registry):
        self.store = store
        self.registry = registry

    # ---- routing and authorization ------------------------------------------------------

    def route(self, request):
        """A Route, or an error Response for paths and methods the API does not have."""
        method = request.method
        match = _RESET.match(request.path)
        if match:
            return Route("resetpassword", *match.groups()) if method == "PATCH" else self._not_allowed(method)
        match = _USER.match(request.path)
        if match:
            operation = {"GET": "get", "PATCH": "update", "DELETE": "delete"}.get(method)
            return Route(operation, *match.groups()) if operation else self._not_allowed(method)
        match = _USERS.match(request.path)
        if match:
            operation = {"GET": "list", "POST": "create"}.get(method)
            return Route(operation, match.group(1)) if operation else self._not_allowed(method)
        return error(404, 1000, "Not found: the emulator serves only the customer-user endpoints (%s)." % request.path)

    @staticmethod
    def _not_allowed(method):
        return error(405, 405, "The requested resource does not support http method '%s'." % method)

    def authorize(self, request, route):
        """None when the caller may run the operation, else the 401/403 the front door answers."""
        header = request.header("Authorization", "")
        scheme, sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._unauthorized("Authorization header is missing or is not a Bearer token.")
        grant, reason = self.registry.check_access(token.strip())
        if grant is None:
            return self._unauthorized(reason)
        if grant["app_only"]:
            return error(403, 900329, "This resource does not support app-only authentication; use App+User (delegated) "
                                      "authentication.")
        if not grant["mfa"]:
            return error(401, 900421, "Invalid multi-factor authentication: the access token has no MFA claim. App+User calls "
                                      "require an MFA-verified sign-in; acquire a new refresh token after an MFA sign-in.")
        # Each tuple must be matched by one held role; a password set through PATCH also needs a password role.
        needed = [ROLES[route.operation]]
        if route.operation == "update" and self._sets_password(request):
            needed.append(PASSWORD_ROLES)
        held = set(r.lower() for r in grant["gdap_roles"])
        for roles in needed:
            if not any(r.lower() in held for r in roles + ALL_ROLES):
                return error(403, 900308, "Insufficient privileges to complete the operation. The signed-in user needs one of "
                                          "these GDAP roles in the customer tenant: %s." % ", ".join(roles))
        return None

    @staticmethod
    def _sets_password(request):
        try:
            body = request.json()
        except ValueError:
            return False
        if not isinstance(body, dict):
            return False
        profile = dict((str(k).lower(), v) for k, v in body.items()).get("passwordprofile")
        return isinstance(profile, dict) and any(str(k).lower() == "password" for k in profile)

    def _unauthorized(self, description):
        realm = 'Bearer realm="urn:cpsvc:cpid:%s", error="invalid_token"' % self.registry.tenant_id
        return error(401, 401, description, headers=[("WWW-Authenticate", realm)], data=False)

    # ---- operations ---------------------------------------------------------------------

    def execute(self, request, route):
        try:
            return getattr(self, "_" + route.operation)(request, route)
        except st.StoreError as exc:
            return error(STATUS_OF.get(exc.code, 400), exc.code, exc.description, replayable=True)

    def _body(self, request):
        try:
            return request.json()
        except ValueError:
            raise st.StoreError(st.INVALID_PROPERTY, "The request body is not valid JSON.")

    def _create(self, request, route):
        user = self.store.create_user(route.customer_id, self._body(request))
        return json_response(201, user, bom=True, replayable=True)

    def _get(self, request, route):
        user, raw = self.store.get_user(route.customer_id, route.user_id)
        if raw is not None:
            return raw_json_response(200, raw, replayable=True)
        return json_response(200, user, bom=True, replayable=True)

    def _update(self, request, route):
        user = self.store.update_user(route.customer_id, route.user_id, self._body(request))[0]
        return json_response(200, user, bom=True, replayable=True)

    def _resetpassword(self, request, route):
        user = self.store.reset_password(route.customer_id, route.user_id, self._body(request))
        return json_response(200, user, bom=True, replayable=True)

    def _delete(self, request, route):
        self.store.delete_user(route.customer_id, route.user_id)
        return Response(204, b"", replayable=True)

    def _list(self, request, route):
        size = self._size(request.query.get("size"))
        state = self._state_filter(request.query.get("filter"))
        seek = request.query.get("seekOperation")
        token = None
        if seek is not None:
            if not isinstance(seek, str) or seek.lower() != "next":
                raise st.StoreError(st.INVALID_PROPERTY, "seekOperation: only 'Next' is supported (with the MS-ContinuationToken header).")
            token = request.header("MS-ContinuationToken")
            if not token:
                raise st.StoreError(st.INVALID_PROPERTY, "MS-ContinuationToken: the header is required with seekOperation=Next.")
        items, next_token, state, size = self.store.page(route.customer_id, state, size, token)
        return json_response(200, self._envelope(route.customer_id, request, items, next_token, state, size), bom=True,
                             replayable=True)

    @staticmethod
    def _size(value):
        if value is None:
            return None
        try:
            size = int(value)
        except (TypeError, ValueError):
            size = -1
        if size < 0:
            raise st.StoreError(st.INVALID_PROPERTY, "size: must be a non-negative integer.")
        return size

    @staticmethod
    def _state_filter(value):
        """None (no filter), or the user state the documented UserState filter asks for."""
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError):
            parsed = None
        fields = dict((str(k).lower(), v) for k, v in parsed.items()) if isinstance(parsed, dict) else {}
        state = str(fields.get("value", "")).lower()
        if (str(fields.get("field", "")).lower() != "userstate" or str(fields.get("operator", "")).lower() != "equals"
                or state not in (st.ACTIVE, st.INACTIVE)):
            raise st.StoreError(st.INVALID_PROPERTY, "filter: only %s (or Value Active) is supported." % DELETED_FILTER)
        return state

    @staticmethod
    def _envelope(cid, request, items, next_token, state, size):
        base = "/customers/%s/users" % cid
        quote = urllib.parse.quote
        if state == st.INACTIVE:
            # The recorded self link says UserStatus and carries a literal &amp;.
            self_uri = "%s?size=%d&amp;filter=%s" % (base, size, quote(DELETED_FILTER_ECHO, safe=""))
            next_uri = "%s?size=%d&filter=%s&seekOperation=Next" % (base, size, quote(DELETED_FILTER, safe=""))
        else:
            self_uri = base if not request.raw_query else "%s?size=%d" % (base, size)
            next_uri = "%s?size=%d&seekOperation=Next" % (base, size)
        links = {"self": {"uri": self_uri, "method": "GET", "headers": []}}
        body = {"totalCount": len(items), "items": items, "links": links}
        if next_token is not None:
            links["next"] = {"uri": next_uri, "method": "GET", "headers": [{"key": "MS-ContinuationToken", "value": next_token}]}
            body["continuationToken"] = next_token
        body["attributes"] = {"objectType": "Collection"}
        return body
