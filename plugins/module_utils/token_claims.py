# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""What an App+User access token says about itself, read from its JWT payload without any request.

Entra ID's access tokens are JWTs whose payload is base64url JSON; their signature is not checked
here (nothing is trusted from them, they are only reported). Used by partnercenter_token_info only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import json
import time

from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import REFRESH_TOKEN_LIFETIME


def jwt_claims(token):
    """The claims of a JWT as a dict, or None when token is not a JWT with a JSON payload."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")).decode("utf-8"))
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def iso_time(epoch):
    """2026-12-05T11:40:00Z for epoch seconds; None for None."""
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def describe_token(access_token, first_seen=None):
    """The `token` return value of partnercenter_token_info: whose token it is, whether it carries the MFA claim, its
    scopes and expiry, and (first_seen, epoch seconds, when known) when the refresh token in use was first seen and the
    date Entra ID will refuse it at the latest."""
    claims = jwt_claims(access_token)
    readable = claims is not None
    claims = claims or {}
    amr = claims.get("amr") if isinstance(claims.get("amr"), list) else []
    scopes = claims.get("scp")
    expires = claims.get("exp")
    return dict(
        claims_readable=readable,
        user_principal_name=claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username"),
        tenant_id=claims.get("tid"),
        client_id=claims.get("appid") or claims.get("azp"),
        mfa="mfa" in amr,
        authentication_methods=[str(method) for method in amr],
        scopes=scopes.split() if isinstance(scopes, str) else [],
        expires_on=iso_time(expires) if isinstance(expires, (int, float)) and not isinstance(expires, bool) else None,
        refresh_token_first_seen=iso_time(first_seen),
        refresh_token_refused_after=iso_time(first_seen + REFRESH_TOKEN_LIFETIME) if first_seen is not None else None,
    )
