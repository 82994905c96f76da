# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""What a failed call's answer says: the parsing of every error body shape, and the actionable hints.

Imported only when a call fails (each module_utils file a module imports is compiled on every run).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import html
import json
import re
import time

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UTF8_BOM, PartnerCenterError, option
from ansible_collections.partnercenter.csp.plugins.module_utils.redaction import redact

# Longest error text taken from a body that is not a known JSON error shape.
MAX_TEXT = 300

_MFA_HINT = (
    "The consent that produced the refresh token lacked MFA, so its tokens carry no MFA claim (amr without mfa), and "
    "Partner Center requires MFA for App+User calls: redo the Secure Application Model consent with an account that has "
    "MFA enforced, then use the new refresh token in %s (partnercenter.csp.partnercenter_token_info shows the claim "
    "before any Partner Center call)." % option("refresh_token"))
_INVALID_GRANT_HINT = (
    "The refresh token was rejected: it was revoked, was issued to another application than %s, or belongs to another "
    "tenant than %s. Check both, or obtain a new refresh token with the consent flow." % (option("client_id"), option("tenant_id")))

# Partner Center error codes (the "code" of the error envelope).
_PC_HINTS = {
    "900421": _MFA_HINT,
    "900329": (
        "Partner Center rejected an app-only token: the customer-user calls need an App+User token. Use the Secure "
        "Application Model refresh token in %s, or an access token obtained for a user." % option("refresh_token")),
    "900309": "A Conditional Access policy blocked the call: check the policies that apply to the signed-in partner user.",
    "900420": (
        "The access token was issued for the wrong audience: tokens must be issued for https://api.partnercenter.microsoft.com "
        "(the retired graph.windows.net audience is no longer accepted)."),
    "60012": (
        "The customer has run out of seats of this SKU (someone took the last ones after the task counted them): buy more "
        "seats, or free some, and run the task again."),
    "60003": "The customer tenant was not found, or the partner has no relationship with it: check customer_id (the customer's tenant id).",
    "20002": "The partner has no relationship with this customer: check customer_id, and that the reseller or GDAP relationship is active.",
}

# Entra ID (AADSTS) error codes from the token endpoint.
_AAD_HINTS = {
    "700082": (
        "The refresh token is 90 days past its issue (Entra ID counts from the token's own issue, however often it was "
        "used; the newer token each redeem returns was not kept): obtain a new one with the Secure Application Model "
        "consent flow, update %s, and keep it rotated (%s with a persistent token cache, or store the newest token back; "
        "see 'Refresh token rotation' in the partnercenter.csp authentication guide)."
        % (option("refresh_token"), option("rotate_refresh_token"))),
    "7000215": (
        "Invalid client secret: check %s; use the secret's value (not its id) of the application %s."
        % (option("client_secret"), option("client_id"))),
    "7000222": "The client secret has expired: create a new one for the application and update %s." % option("client_secret"),
    "7000218": "The application is a confidential client and needs its secret: set %s." % option("client_secret"),
    "700016": "The application was not found in the tenant: check %s and %s." % (option("client_id"), option("tenant_id")),
    "90002": "The tenant was not found: check %s and %s." % (option("tenant_id"), option("authority_host")),
    "900421": _MFA_HINT,
    "50076": _MFA_HINT,
    "50079": _MFA_HINT,
    "65001": "The application has no consent for Partner Center (user_impersonation): redo the Secure Application Model consent.",
}

_STATUS_HINTS = {
    401: (
        "Partner Center rejected the access token (expired, revoked, or not issued for https://api.partnercenter.microsoft.com): "
        "check %s or %s, %s and %s." % (option("refresh_token"), option("access_token"), option("client_id"), option("tenant_id"))),
    429: (
        "Partner Center is throttling this partner: lower the parallelism (throttle, serial, a module's concurrency), or raise "
        "%s and %s." % (option("retries"), option("retry_max_delay"))),
}


# The GDAP roles a call needs in the customer tenant, by what it touches and whether it writes (Microsoft Learn).
_GDAP_ROLES = (
    (re.compile(r"/directoryroles/[^/]+/usermembers"), "write", "Privileged Role Administrator"),
    (re.compile(r"/licenseupdates"), "write", "License Administrator or User Administrator"),
    (re.compile(r"/resetpassword"), "write", "User Administrator or Privileged Authentication Administrator"),
    (re.compile(r"/(subscribedskus|licenses)"), "read", "Directory Readers, Global Reader, License Administrator or User Administrator"),
    (re.compile(r"/directoryroles"), "read", "Directory Readers, Global Reader or Privileged Role Administrator"),
    (re.compile(r"/users"), "write", "User Administrator or Directory Writers"),
    (re.compile(r"/users"), "read", "Directory Readers, Global Reader or User Administrator"),
)


def gdap_roles_needed(method, url):
    """The GDAP roles a Partner Center call needs, as words ("User Administrator or Directory Writers"), or None."""
    kind = "read" if (method or "GET").upper() == "GET" else "write"
    path = (url or "").split("?", 1)[0]
    for pattern, needed_for, roles in _GDAP_ROLES:
        if needed_for == kind and pattern.search(path):
            return roles
    return None


def _gdap_hint(method, url):
    roles = gdap_roles_needed(method, url)
    what = ("this call (%s %s) needs %s" % ((method or "GET").upper(), (url or "").split("?", 1)[0], roles) if roles else
            "reading users needs Directory Readers or Global Reader, changing them User Administrator or Directory Writers, "
            "licences License Administrator, directory roles Privileged Role Administrator")
    return ("The signed-in partner user lacks a GDAP role in the customer tenant: %s. Grant it through the customer's GDAP "
            "relationship to a security group the user is in." % what)


def hint_for(status=None, code=None, oauth_error=None, url=None, method=None):
    """The actionable hint for an error, or None.

    code: a Partner Center or AADSTS code (int or str); oauth_error: the token endpoint's "error"
    (e.g. invalid_grant), given only for token endpoint errors; url and method name the call, for
    the GDAP role it needs.
    """
    key = None if code is None else str(code)
    if oauth_error is not None:
        if key in _AAD_HINTS:
            return _AAD_HINTS[key]
        if oauth_error == "invalid_grant":
            return _INVALID_GRANT_HINT
        return None
    if key in _PC_HINTS:
        return _PC_HINTS[key]
    if key == "900308" or status == 403:
        return _gdap_hint(method, url)
    return _STATUS_HINTS.get(status)


def _clip(text, limit=MAX_TEXT):
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[:limit - 3].rstrip() + "..."
    return text


def _normalise_code(code):
    if code is None or isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, float) and code.is_integer():
        return int(code)
    text = str(code).strip()
    if re.match(r"^-?[0-9]+$", text):
        return int(text)
    return text or None


def _text(value):
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, separators=(",", ":"), sort_keys=True)
    value = html.unescape(value).strip()   # Partner Center sends some descriptions HTML-escaped ("We&#39;re sorry")
    return value or None


def _from_json(document):
    """(code, description) from a parsed JSON error document, or None when the shape is unknown."""
    if not isinstance(document, dict):
        return None
    lowered = dict((str(key).lower(), value) for key, value in document.items())
    # OData / Graph style: {"error": {"code": ..., "message": ...}}
    inner = lowered.get("error")
    if isinstance(inner, dict):
        inner = dict((str(key).lower(), value) for key, value in inner.items())
        return _normalise_code(inner.get("code")), _text(inner.get("message") or inner.get("description"))
    # OAuth style: {"error": "invalid_grant", "error_description": ...}
    if isinstance(inner, str) and ("error_description" in lowered or "error_codes" in lowered):
        codes = lowered.get("error_codes")
        code = codes[0] if isinstance(codes, list) and codes else inner
        return _normalise_code(code), _text(lowered.get("error_description") or inner)
    # The Partner Center envelope: {"code", "description", "data", "source"}
    if "code" in lowered or "description" in lowered:
        return _normalise_code(lowered.get("code")), _text(lowered.get("description") or lowered.get("message"))
    # The gateway's throttling shape: {"statusCode": 429, "message": "Rate limit is exceeded. ..."}
    if "message" in lowered:
        return None, _text(lowered.get("message"))
    return None


def decode_body(raw):
    """Text of a response body: a leading UTF-8 BOM removed, invalid UTF-8 replaced."""
    if raw is None:
        return u""
    if isinstance(raw, bytes):
        if raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM):]
        return raw.decode("utf-8", errors="replace")
    text = str(raw)
    return text[1:] if text.startswith(u"\ufeff") else text


def parse_error_body(raw, secrets=()):
    """(code, description) of an error response body; either may be None.

    code is an int when the service sent a number (or a string of digits), otherwise a string.
    Handles the Partner Center envelope, the gateway's 429 shape, OData and OAuth errors, empty
    bodies, a UTF-8 BOM, invalid UTF-8 and non-JSON text (clipped to about 300 characters).
    Secrets are redacted (redaction.redact, with the known secrets given) before anything is clipped.
    """
    text = redact(decode_body(raw).strip(), secrets)
    if not text:
        return None, None
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    else:
        parsed = _from_json(document)
        if parsed is not None:
            code, description = parsed
            return code, (_clip(description, 1024) if description else None)
        return None, _clip(text)
    if text.startswith("<"):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        text = title.group(1) if title and title.group(1).strip() else re.sub(r"<[^>]+>", " ", text)
    return None, _clip(text) or None


def describe_http_error(status, code, description):
    """'HTTP 404, Partner Center error 60002: User object Id is not found' (the parts that are known)."""
    text = "HTTP %s" % status
    if code is not None:
        text += ", Partner Center error %s" % code
    if description:
        text += ": " + description
    return text


def http_error(method, url, status, raw_body, request_id=None, correlation_id=None, attempts=None, reason=None,
               may_have_written=False, secrets=()):
    """The PartnerCenterError for a non-2xx response.

    reason: why retrying stopped (e.g. "throttled"), put in front of the status when given.
    """
    code, description = parse_error_body(raw_body, secrets)
    message = describe_http_error(status, code, description)
    if reason:
        message = "%s, %s" % (reason, message)
    return PartnerCenterError(
        message, status=status, code=code, description=description, request_id=request_id,
        correlation_id=correlation_id, method=method, url=url, hint=hint_for(status, code, url=url, method=method), attempts=attempts,
        may_have_written=may_have_written)


def throttled_too_long(wait, retry_max_delay, seen_here, customer=None, until=None, **context):
    """The PartnerCenterError for a Retry-After (seen_here: in this call's own answer, else recorded by an earlier request)
    longer than retry_max_delay allows; customer: the customer it is scoped to (None: the partner); until: the wall-clock
    instant it ends. context: method, url, request_id, correlation_id, attempts, may_have_written."""
    if seen_here:
        what = "Partner Center answered this call with Retry-After and asked to wait %d s" % int(round(wait))
        done = "so the call was not retried"
        if customer:
            done += "; later calls on customer %s wait for it, calls on other customers go on" % customer
    else:
        scope = "calls on customer %s" % customer if customer else "this partner"
        deadline = time.strftime(", until %H:%M:%S UTC", time.gmtime(until)) if until else ""
        what = ("Partner Center asked %s to wait %d s more%s (the Retry-After an earlier request got, which every "
                "task on this machine honours)" % (scope, int(round(wait)), deadline))
        done = "so the call was not sent"
    return PartnerCenterError(
        "throttled: %s, longer than %s allows (%d s), %s" % (what, option("retry_max_delay"), retry_max_delay, done),
        status=429, hint="Raise %s (at most 600) to wait as long as Partner Center asks, or run the job later." % option("retry_max_delay"),
        **context)


def transport_failure(error, **context):
    """The PartnerCenterError for a call that got no answer (errors.TransportError), with the option that fixes it."""
    if error.kind == error.TLS:
        hint = ("Set %s to the CA bundle (PEM file) that signed the server certificate, or %s to false (insecure)."
                % (option("ca_path"), option("validate_certs")))
    elif error.kind == error.TIMEOUT:
        hint = "Raise %s if Partner Center is slow, or %s." % (option("timeout"), option("retries"))
    else:
        hint = "Check api_url (PARTNERCENTER_API_URL), the network and the proxy settings (https_proxy)."
    return PartnerCenterError(error.message, hint=hint, **context)


def unreadable_read(status, raw_body, secrets=(), **context):
    """The PartnerCenterError for a read answered 2xx whose body is not JSON (a write's is a write all the same)."""
    return PartnerCenterError(
        "HTTP %s, but the response body is not JSON: %s" % (status, _clip(redact(raw_body.decode("utf-8", "replace"), secrets), 200)),
        status=status, hint="Check %s: it must point at the Partner Center REST API." % option("api_url"), **context)
