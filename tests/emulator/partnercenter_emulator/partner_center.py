"""The Partner Center /v1 endpoints: customer users, licences, directory roles, customers.

The server calls route(), then authorize(), then (unless the MS-RequestId is replayed) execute().
Responses from execute() are `replayable`; routing and authorization failures are not.
"""

from __future__ import annotations

import json
import re
import urllib.parse

from . import store as st
from .licensing import DEFAULT_LICENSE_GROUPS, license_groups
from .wire import Response, json_response, raw_json_response

READ_ROLES = ("Directory Readers", "Global Reader", "User Administrator")
WRITE_ROLES = ("User Administrator", "Directory Writers")
PASSWORD_ROLES = ("User Administrator", "Privileged Authentication Administrator")
DIRECTORY_READ_ROLES = ("Directory Readers", "Global Reader", "User Administrator", "License Administrator",
                        "Privileged Role Administrator")
LICENSE_WRITE_ROLES = ("License Administrator", "User Administrator")
ROLE_WRITE_ROLES = ("Privileged Role Administrator",)
ALL_ROLES = ("Global Administrator",)   # satisfies every operation, as in Entra ID
ROLES = {"list": READ_ROLES, "get": READ_ROLES, "create": WRITE_ROLES, "update": WRITE_ROLES, "delete": WRITE_ROLES,
         "resetpassword": PASSWORD_ROLES, "subscribedskus": DIRECTORY_READ_ROLES, "licenses": DIRECTORY_READ_ROLES,
         "licenseupdates": LICENSE_WRITE_ROLES, "directoryroles": DIRECTORY_READ_ROLES, "userroles": DIRECTORY_READ_ROLES,
         "members": DIRECTORY_READ_ROLES, "addmember": ROLE_WRITE_ROLES, "removemember": ROLE_WRITE_ROLES}
# The partner's own data: App+User (with MFA) or app-only, no GDAP role.
PARTNER_OPERATIONS = ("customers", "customer")

_USERS = re.compile(r"^/v1/customers/([^/]+)/users/?$")
_USER = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/?$")
_RESET = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/resetpassword/?$")
_CUSTOMERS = re.compile(r"^/v1/customers/?$")
_CUSTOMER = re.compile(r"^/v1/customers/([^/]+)/?$")
_SKUS = re.compile(r"^/v1/customers/([^/]+)/subscribedskus/?$")
_LICENSES = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/licenses/?$")
_LICENSE_UPDATES = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/licenseupdates/?$")
_USER_ROLES = re.compile(r"^/v1/customers/([^/]+)/users/([^/]+)/directoryroles/?$")
_ROLES = re.compile(r"^/v1/customers/([^/]+)/directoryroles/?$")
_MEMBERS = re.compile(r"^/v1/customers/([^/]+)/directoryroles/([^/]+)/usermembers/?$")
_MEMBER = re.compile(r"^/v1/customers/([^/]+)/directoryroles/([^/]+)/usermembers/([^/]+)/?$")

# path pattern, {method: operation}, names of the groups
_ROUTES = (
    (_RESET, {"PATCH": "resetpassword"}, ("customer_id", "user_id")),
    (_LICENSES, {"GET": "licenses"}, ("customer_id", "user_id")),
    (_LICENSE_UPDATES, {"POST": "licenseupdates"}, ("customer_id", "user_id")),
    (_USER_ROLES, {"GET": "userroles"}, ("customer_id", "user_id")),
    (_USER, {"GET": "get", "PATCH": "update", "DELETE": "delete"}, ("customer_id", "user_id")),
    (_USERS, {"GET": "list", "POST": "create"}, ("customer_id",)),
    (_SKUS, {"GET": "subscribedskus"}, ("customer_id",)),
    (_ROLES, {"GET": "directoryroles"}, ("customer_id",)),
    (_MEMBERS, {"GET": "members", "POST": "addmember"}, ("customer_id", "role_id")),
    (_MEMBER, {"DELETE": "removemember"}, ("customer_id", "role_id", "user_id")),
    (_CUSTOMERS, {"GET": "customers"}, ()),
    (_CUSTOMER, {"GET": "customer"}, ("customer_id",)),
)

STATUS_OF = {st.USER_NOT_FOUND: 404, st.TENANT_NOT_FOUND: 404}
DELETED_FILTER_ECHO = json.dumps({"Field": "UserStatus", "Value": "Inactive", "Operator": "equals"}, separators=(",", ":"))
DELETED_FILTER = json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"}, separators=(",", ":"))


class Route(object):
    __slots__ = ("operation", "customer_id", "user_id", "role_id", "resource_id")

    def __init__(self, operation, customer_id=None, user_id=None, role_id=None):
        self.operation = operation
        self.customer_id = customer_id
        self.user_id = user_id
        self.role_id = role_id
        # For the request log: the user a call is about (the server takes a created user's id from the response).
        self.resource_id = user_id


def error(status, code, description, headers=None, replayable=False, data=True):
    """A PartnerFD error body; data is True (an empty list), False (no data key) or the list to send."""
    body = {"code": code, "description": description}
    if data is not False:
        body["data"] = [] if data is True else list(data)
    body["source"] = "PartnerFD"
    return json_response(status, body, bom=True, headers=headers, replayable=replayable)


class PartnerCenterService(object):

    def __init__(self, store, registry):
        self.store = store
        self.registry = registry

    # ---- routing and authorization ------------------------------------------------------

    def route(self, request):
        """A Route, or an error Response for paths and methods the API does not have."""
        for pattern, operations, names in _ROUTES:
            match = pattern.match(request.path)
            if match:
                operation = operations.get(request.method)
                if operation is None:
                    return self._not_allowed(request.method)
                route = Route(operation, **dict(zip(names, match.groups())))
                if operation == "addmember":
                    route.resource_id = _member_id(request)
                return route
        return error(404, 1000, "Not found: the emulator does not serve %s." % request.path)

    @staticmethod
    def _not_allowed(method):
        return error(405, 405, "The requested resource does not support http method '%s'." % method)

    def authorize(self, request, route):
        """None when the caller may run the operation, else the 401/403 the front door answers."""
        header = request.header("Authorization", "")
        scheme, sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self.unauthorized("Authorization header is missing or is not a Bearer token.")
        grant, reason = self.registry.check_access(token.strip())
        if grant is None:
            return self.unauthorized(reason)
        if grant["app_only"] and route.operation in PARTNER_OPERATIONS:
            return None
        if grant["app_only"]:
            return error(403, 900329, "This resource does not support app-only authentication; use App+User (delegated) "
                                      "authentication.")
        if not grant["mfa"]:
            return error(401, 900421, "Invalid multi-factor authentication: the access token has no MFA claim. App+User calls "
                                      "require an MFA-verified sign-in; acquire a new refresh token after an MFA sign-in.")
        if route.operation in PARTNER_OPERATIONS:
            return None
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

    def unauthorized(self, description):
        realm = 'Bearer realm="urn:cpsvc:cpid:%s", error="invalid_token"' % self.registry.tenant_id
        return error(401, 401, description, headers=[("WWW-Authenticate", realm)], data=False)

    # ---- operations ---------------------------------------------------------------------

    def execute(self, request, route):
        try:
            return getattr(self, "_" + route.operation)(request, route)
        except st.StoreError as exc:
            return error(exc.status or STATUS_OF.get(exc.code, 400), exc.code, exc.description, replayable=True, data=exc.data)

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
        token = self._continuation(request)
        items, next_token, state, size = self.store.page(route.customer_id, state, size, token)
        return json_response(200, self._envelope(route.customer_id, request, items, next_token, state, size), bom=True,
                             replayable=True)

    @staticmethod
    def _continuation(request):
        """The MS-ContinuationToken of a seekOperation=Next request, else None."""
        seek = request.query.get("seekOperation")
        if seek is None:
            return None
        if not isinstance(seek, str) or seek.lower() != "next":
            raise st.StoreError(st.INVALID_PROPERTY, "seekOperation: only 'Next' is supported (with the MS-ContinuationToken header).")
        token = request.header("MS-ContinuationToken")
        if not token:
            raise st.StoreError(st.INVALID_PROPERTY, "MS-ContinuationToken: the header is required with seekOperation=Next.")
        return token

    # ---- licences -----------------------------------------------------------------------

    def _subscribedskus(self, request, route):
        groups = license_groups(request.query.get("licenseGroupIds"))
        items, raw = self.store.sku_listing(route.customer_id, groups)
        if raw is not None:
            return raw_json_response(200, raw, replayable=True)
        return json_response(200, _collection(items), bom=True, replayable=True)

    def _licenses(self, request, route):
        groups = license_groups(request.query.get("licenseGroupIds"))
        items = self.store.license_items(route.customer_id, route.user_id, DEFAULT_LICENSE_GROUPS if groups is None else groups)
        return json_response(200, _collection(items), bom=True, replayable=True)

    def _licenseupdates(self, request, route):
        result = self.store.update_licenses(route.customer_id, route.user_id, self._body(request))
        return json_response(201, result, bom=True, replayable=True)

    # ---- directory roles ----------------------------------------------------------------

    def _directoryroles(self, request, route):
        return json_response(200, _collection(self.store.directory_roles(route.customer_id)), bom=True, replayable=True)

    def _userroles(self, request, route):
        items = self.store.user_directory_roles(route.customer_id, route.user_id)
        return json_response(200, _collection(items), bom=True, replayable=True)

    def _members(self, request, route):
        size = self._size(request.query.get("size"))
        token = self._continuation(request)
        items, next_token, size = self.store.member_page(route.customer_id, route.role_id, size, token)
        base = "/customers/%s/directoryroles/%s/usermembers" % (route.customer_id, route.role_id)
        self_uri = base if not request.raw_query else "%s?size=%d" % (base, size)
        body = _paged(items, self_uri, "%s?size=%d&seekOperation=Next" % (base, size), next_token)
        return json_response(200, body, bom=True, replayable=True)

    def _addmember(self, request, route):
        member = self.store.add_user_member(route.customer_id, route.role_id, self._body(request))
        return json_response(201, member, bom=True, replayable=True)

    def _removemember(self, request, route):
        self.store.remove_role_member(route.customer_id, route.role_id, route.user_id, by_name=False)
        return Response(204, b"", replayable=True)

    # ---- customers ----------------------------------------------------------------------

    def _customer(self, request, route):
        return json_response(200, self.store.get_customer(route.customer_id), bom=True, replayable=True)

    def _customers(self, request, route):
        size = self._size(request.query.get("size"))
        raw_filter = request.query.get("filter")
        customer_filter = self._customer_filter(raw_filter)
        token = self._continuation(request)
        items, next_token, size, customer_filter = self.store.customer_page(size, token, customer_filter)
        self_uri = "/customers" if not request.raw_query else "/customers?size=%d" % size
        next_uri = "/customers?size=%d&seekOperation=Next" % size
        if customer_filter is not None:
            echo = raw_filter if isinstance(raw_filter, str) else json.dumps(
                {"Field": st.CUSTOMER_FILTER_FIELDS[customer_filter[0]], "Value": customer_filter[1], "Operator": "starts_with"})
            self_uri = "/customers?size=%d&filter=%s" % (size, urllib.parse.quote(echo, safe=""))
            next_uri = "/customers?size=%d&filter=%s&seekOperation=Next" % (size, urllib.parse.quote(echo, safe=""))
        return json_response(200, _paged(items, self_uri, next_uri, next_token), bom=True, replayable=True)

    @staticmethod
    def _customer_filter(value):
        """None, or (field, lower-case value) of a {"Field": "Domain"|"CompanyName", "Value", "Operator": "starts_with"} filter."""
        if value is None:
            return None
        try:
            parsed = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        fields = dict((str(k).lower(), v) for k, v in parsed.items()) if isinstance(parsed, dict) else {}
        field = str(fields.get("field", "")).lower()
        if (field not in st.CUSTOMER_FILTER_FIELDS or str(fields.get("operator", "")).lower() != "starts_with"
                or not isinstance(fields.get("value"), str)):
            raise st.StoreError(st.INVALID_PROPERTY, 'filter: only {"Field": "Domain" or "CompanyName", "Value": "...", '
                                                     '"Operator": "starts_with"} is supported.')
        return field, fields["value"].lower()

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
        return _paged(items, self_uri, next_uri, next_token)


def _member_id(request):
    """The Id of a UserMember body, for the request log (None when the body has none)."""
    try:
        body = request.json()
    except ValueError:
        return None
    value = dict((str(k).lower(), v) for k, v in body.items()).get("id") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def _collection(items):
    """An unpaged Collection, as the licence and role reads answer."""
    return {"totalCount": len(items), "items": items, "attributes": {"objectType": "Collection"}}


def _paged(items, self_uri, next_uri, next_token):
    links = {"self": {"uri": self_uri, "method": "GET", "headers": []}}
    body = {"totalCount": len(items), "items": items, "links": links}
    if next_token is not None:
        links["next"] = {"uri": next_uri, "method": "GET", "headers": [{"key": "MS-ContinuationToken", "value": next_token}]}
        body["continuationToken"] = next_token
    body["attributes"] = {"objectType": "Collection"}
    return body
