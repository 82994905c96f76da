"""The /_emulator control endpoints (no auth, not logged): state, log, faults, tokens, config, seeding."""

from __future__ import annotations

import re

from .store import ACTIVE, INACTIVE, StoreError
from .wire import Response, json_response

_CUSTOMER_USERS = re.compile(r"^/_emulator/customers/([^/]+)/users/?$")
_CHECK_PASSWORD = re.compile(r"^/_emulator/customers/([^/]+)/users/([^/]+)/checkpassword/?$")
_CUSTOMER_SKUS = re.compile(r"^/_emulator/customers/([^/]+)/subscribedskus/?$")
_CUSTOMER_ROLES = re.compile(r"^/_emulator/customers/([^/]+)/directoryroles/?$")
_ROLE_MEMBERS = re.compile(r"^/_emulator/customers/([^/]+)/directoryroles/([^/]+)/members/?$")
CONFIG_KEYS = ("token_lifetime", "device_code_auto_approve", "replay_dedup", "rate_limit", "rate_burst", "rate_limit_scope", "latency",
               "chaos", "clock_offset", "device_code_mfa", "deleted_upn", "restore_licenses", "deleted_users_keep_licenses")
GENERATE_CUSTOMER_KEYS = ("count", "prefix", "users_per_customer", "subscribed_skus", "relationship")


def _ok(value, status=200):
    return json_response(status, value, bom=False)


def _fail(status, message):
    return json_response(status, {"error": message}, bom=False)


def _body(request):
    if not request.body.strip():
        return {}
    value = request.json()
    if not isinstance(value, (dict, list)):
        raise ValueError("the body must be a JSON object")
    return value


def handle(emulator, request):
    """Answer one /_emulator request; `emulator` is the server.Emulator."""
    try:
        body = _body(request) if request.method in ("POST", "PATCH", "PUT") else {}
        return _route(emulator, request, body)
    except StoreError as exc:
        return _fail(404 if exc.status == 404 or exc.code in (60002, 60003) else 400, exc.description)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return _fail(400, "%s: %s" % (type(exc).__name__, exc))


def _route(emulator, request, body):
    method, path = request.method, request.path.rstrip("/")
    simple = {
        ("GET", "/_emulator/health"): lambda: _ok({"status": "ok", "url": emulator.url}),
        ("GET", "/_emulator/settings"): lambda: _ok(emulator.settings),
        ("GET", "/_emulator/requests"): lambda: _ok(emulator.requests(int(request.query.get("since", 0)))),
        ("DELETE", "/_emulator/requests"): lambda: _empty(emulator.clear_requests()),
        ("GET", "/_emulator/faults"): lambda: _ok(emulator.faults.rules()),
        ("POST", "/_emulator/faults"): lambda: _add_faults(emulator, body),
        ("DELETE", "/_emulator/faults"): lambda: _empty(emulator.clear_faults()),
        ("POST", "/_emulator/reset"): lambda: _empty(emulator.reset()),
        ("GET", "/_emulator/customers"): lambda: _ok(emulator.store.customer_ids()),
        ("POST", "/_emulator/customers"): lambda: _add_customers(emulator, body),
        ("POST", "/_emulator/tokens/revoke"): lambda: _ok({"revoked": emulator.revoke_tokens()}),
        ("GET", "/_emulator/config"): lambda: _ok(emulator.configure()),
        ("POST", "/_emulator/config"): lambda: _ok(emulator.configure(**_only(body, CONFIG_KEYS))),
        ("POST", "/_emulator/devicecode/approve"): lambda: _approve(emulator, body),
    }
    action = simple.get((method, path))
    if action is not None:
        return action()
    match = _CUSTOMER_USERS.match(path)
    if match and method == "GET":
        users = emulator.store.admin_users(match.group(1))
        return _ok({"totalCount": len(users), "items": users})
    if match and method == "POST":
        return _seed_users(emulator, match.group(1), body)
    match = _CUSTOMER_SKUS.match(path)
    if match and method == "GET":
        return _ok(emulator.store.subscribed_skus(match.group(1)))
    if match and method == "POST":
        skus = body if isinstance(body, list) else [body]
        return _ok([emulator.store.add_subscribed_sku(match.group(1), sku) for sku in skus], 201)
    match = _CUSTOMER_ROLES.match(path)
    if match and method == "GET":
        return _ok(emulator.store.admin_roles(match.group(1)))
    match = _ROLE_MEMBERS.match(path)
    if match and method == "POST":
        users = body.get("users") if isinstance(body, dict) else None
        if not isinstance(users, list):
            raise ValueError("users must be a list of user ids or userPrincipalNames")
        members = [emulator.store.add_role_member(match.group(1), match.group(2), user) for user in users]
        return _ok({"added": len(members), "ids": [m["id"] for m in members]}, 201)
    match = _CHECK_PASSWORD.match(path)
    if match and method == "POST":
        password = body.get("password")
        if not isinstance(password, str):
            raise ValueError("password must be a string")
        return _ok({"matches": emulator.store.password_matches(match.group(1), match.group(2), password)})
    return _fail(404, "no such control endpoint: %s %s" % (method, request.path))


def _empty(_ignored):
    return Response(204, b"")


def _only(body, names):
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise ValueError("unknown keys %s" % ", ".join(unknown))
    return body


def _add_faults(emulator, body):
    rules = body if isinstance(body, list) else [body]
    for rule in rules:
        emulator.faults.normalize(rule)   # all valid, or none added
    return _ok([emulator.add_fault(**rule) for rule in rules], 201)


def _add_customers(emulator, body):
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    if "generate" in body:
        spec = _only(dict(body["generate"]), GENERATE_CUSTOMER_KEYS)
        ids = emulator.store.generate_customers(**spec)
        return _ok({"created": len(ids), "ids": ids}, 201)
    _only(body, ("id", "domains", "company_name", "relationship", "directory_roles"))
    cid = emulator.store.add_customer(body.get("id"), body.get("domains"), body.get("company_name"), body.get("relationship"),
                                      body.get("directory_roles"))
    return _ok({"id": cid}, 201)


def _approve(emulator, body):
    mfa = body.get("mfa")
    if mfa is not None and not isinstance(mfa, bool):
        raise ValueError("mfa must be true or false")
    count = emulator.approve_device_code(body.get("user_code"), mfa)
    if not count:
        return _fail(404, "no pending device code matches")
    return _ok({"approved": count})


def _seed_users(emulator, cid, body):
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    if "generate" in body:
        spec = _only(dict(body["generate"]), ("count", "prefix", "state", "domain"))
        state = spec.get("state", ACTIVE)
        if state not in (ACTIVE, INACTIVE):
            raise ValueError("state must be active or inactive")
        users = emulator.store.generate_users(cid, spec.get("count"), spec.get("prefix", "bulk"), state, spec.get("domain"))
    else:
        users = emulator.store.add_users(cid, body.get("users"))
    return _ok({"created": len(users), "ids": [u.id for u in users]}, 201)
