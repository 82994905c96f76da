#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Obtain the App+User refresh token of the Secure Application Model once, with the device-code flow.

A partner agent (an account with MFA enforced and the GDAP roles the playbooks need) signs in on
any browser with the code this command shows; the command then prints only the refresh token on
standard output, or writes it to a file created with mode 0600, so that it can go straight into
Ansible Vault or an AWX credential. The instructions go to standard error.

    python3 partnercenter_device_login.py --tenant-id contoso.onmicrosoft.com --client-id APP_ID \\
        | ansible-vault encrypt_string --stdin-name partnercenter_refresh_token

The partner's application must allow public client flows (Entra ID > App registrations >
Authentication), or be a confidential (web) application whose secret is given in
PARTNERCENTER_CLIENT_SECRET or with --client-secret-file; the secret is sent to the token
endpoint and nowhere else. Options default to the PARTNERCENTER_* environment variables that the
modules read. Needs msal (>= 1.19) and requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import argparse
import base64
import json
import os
import sys
import time

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# Entra ID refuses a refresh token this long after its own issue, however often it is used.
REFRESH_TOKEN_LIFETIME = 90 * 86400


class LoginError(Exception):
    """A failure to report in one line, without any secret."""


def parse_args(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", maxsplit=1)[0],
        epilog="Exit status: 0 with the refresh token, 1 when the sign-in or the token request failed, 2 for bad usage.")
    parser.add_argument("--tenant-id", default=env("PARTNERCENTER_TENANT_ID"),
                        help="the partner tenant (ID or verified domain) [PARTNERCENTER_TENANT_ID]")
    parser.add_argument("--client-id", default=env("PARTNERCENTER_CLIENT_ID"),
                        help="the partner application's client ID [PARTNERCENTER_CLIENT_ID]")
    parser.add_argument("--client-secret-file", default=None,
                        help="a file holding the application's client secret, for a confidential application "
                             "(default: PARTNERCENTER_CLIENT_SECRET if set, else a public client)")
    parser.add_argument("--authority-host", default=env("PARTNERCENTER_AUTHORITY_HOST") or DEFAULT_AUTHORITY_HOST,
                        help="the Entra ID authority host, such as https://login.microsoftonline.us for US Government "
                             "[PARTNERCENTER_AUTHORITY_HOST, default %s]" % DEFAULT_AUTHORITY_HOST)
    parser.add_argument("--scope", default=PARTNER_CENTER_SCOPE, help="the delegated scope (default: %(default)s)")
    parser.add_argument("--ca-path", default=env("PARTNERCENTER_CA_PATH"),
                        help="a PEM bundle of the CA certificates to trust instead of the default [PARTNERCENTER_CA_PATH]")
    parser.add_argument("--output", default=None,
                        help="write the refresh token to this file (created or replaced with mode 0600) instead of "
                             "standard output")
    parser.add_argument("--timeout", type=int, default=900,
                        help="seconds to wait for the sign-in, at most the code's own lifetime (default: %(default)s)")
    args = parser.parse_args(argv)
    for name in ("tenant_id", "client_id"):
        if not getattr(args, name):
            parser.error("--%s (or PARTNERCENTER_%s) is required" % (name.replace("_", "-"), name.upper()))
    if not args.authority_host.lower().startswith("https://"):
        parser.error("--authority-host must be an https:// URL")
    if args.timeout < 1:
        parser.error("--timeout must be at least 1 second")
    return args


def read_client_secret(args):
    if args.client_secret_file:
        try:
            with open(args.client_secret_file) as handle:
                secret = handle.read().strip()
        except (IOError, OSError) as error:
            raise LoginError("cannot read --client-secret-file %s: %s" % (args.client_secret_file, error.strerror))
        if not secret:
            raise LoginError("--client-secret-file %s is empty" % args.client_secret_file)
        return secret
    return os.environ.get("PARTNERCENTER_CLIENT_SECRET") or None


def make_http_client(requests, ca_path):
    """A requests session that verifies against ca_path even when REQUESTS_CA_BUNDLE says otherwise."""

    class _Session(requests.Session):
        def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
            if ca_path:
                kwargs["verify"] = ca_path
            kwargs.setdefault("timeout", 60)
            return super(_Session, self).request(method, url, *args, **kwargs)

    return _Session()


def first_line(text):
    lines = str(text or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def describe(result):
    """An Entra ID error answer in one line: error, first line of the description, codes."""
    message = str(result.get("error") or "unknown_error")
    description = first_line(result.get("error_description"))
    if description:
        message += ": " + description
    return message


def acquire_refresh_token(args, client_secret, log):
    try:
        import requests  # pylint: disable=import-outside-toplevel
        import msal  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise LoginError("this command needs the Python libraries msal and requests (pip install msal requests): %s" % error)

    authority = "%s/%s" % (args.authority_host.rstrip("/"), args.tenant_id)
    http_client = make_http_client(requests, args.ca_path)
    try:
        # instance_discovery=False: the authority is known (any cloud, or a test endpoint), so
        # msal need not ask login.microsoftonline.com about it.
        app = msal.PublicClientApplication(args.client_id, authority=authority, http_client=http_client,
                                           instance_discovery=False)
        flow = app.initiate_device_flow(scopes=[args.scope])
        if "user_code" not in flow:
            raise LoginError("the device code request failed: %s" % describe(flow))
        log(flow.get("message") or "Open %s and enter the code %s." % (flow.get("verification_uri"), flow["user_code"]))
        # Never wait longer than asked: msal polls until expires_at.
        flow["expires_at"] = min(float(flow.get("expires_at") or 0) or float("inf"), time.time() + args.timeout)
        data = {"client_secret": client_secret} if client_secret else {}
        result = app.acquire_token_by_device_flow(flow, data=data)
    except requests.exceptions.SSLError as error:
        raise LoginError("TLS verification of %s failed (%s); give the CA bundle with --ca-path"
                         % (args.authority_host, first_line(error)))
    except requests.exceptions.RequestException as error:
        raise LoginError("cannot reach %s: %s" % (args.authority_host, first_line(error)))
    except ValueError as error:
        # msal could not read the tenant's OpenID configuration (unknown tenant or host)
        raise LoginError("cannot use the authority %s: %s" % (authority, first_line(error)))
    finally:
        http_client.close()
    if "access_token" not in result:
        if result.get("error") in ("authorization_pending", "expired_token", "code_expired") or not result.get("error"):
            raise LoginError("nobody signed in with the code within %d seconds" % args.timeout)
        raise LoginError("the token request failed: %s" % describe(result))
    if not result.get("refresh_token"):
        raise LoginError("Entra ID returned no refresh token (is offline_access allowed for the application?)")
    claims = result.get("id_token_claims") or {}
    who = claims.get("preferred_username") or claims.get("upn") or claims.get("oid")
    log("Signed in%s; refresh token issued for application %s." % ((" as %s" % who) if who else "", args.client_id))
    for line in token_report(result["access_token"], time.time()):
        log(line)
    return result["refresh_token"]


def access_token_claims(token):
    """The claims of a JWT access token (its payload, base64url JSON; the signature is not checked), or {}."""
    parts = str(token or "").split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8"))
    except (ValueError, TypeError, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def token_report(access_token, issued_at):
    """What to know about the new refresh token: whether its tokens carry the MFA claim, and the date to rotate it by."""
    amr = access_token_claims(access_token).get("amr")
    if not isinstance(amr, list):
        mfa = "unknown (the access token's claims could not be read)"
    elif "mfa" in amr:
        mfa = "yes (amr: %s)" % ", ".join(str(method) for method in amr)
    else:
        mfa = ("NO (amr: %s): Partner Center refuses App+User calls without it (error 900421); sign in again with an "
               "account that has MFA enforced" % ", ".join(str(method) for method in amr))
    rotate_by = time.strftime("%Y-%m-%d", time.gmtime(issued_at + REFRESH_TOKEN_LIFETIME))
    return ["MFA claim: %s." % mfa,
            "Rotate by: %s. Entra ID refuses this refresh token 90 days after its issue, however often it is used; keep "
            "the newer one each redeem returns (the collection's token cache, or playbooks/rotate_refresh_token.yml)." % rotate_by]


def write_secret(path, secret):
    """Create or replace path with mode 0600, written through a descriptor opened with that mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, (secret + "\n").encode("utf-8"))
    finally:
        os.close(descriptor)


def main(argv=None):
    args = parse_args(argv)

    def log(message):
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    try:
        token = acquire_refresh_token(args, read_client_secret(args), log)
        if args.output:
            write_secret(args.output, token)
            log("Refresh token written to %s (mode 0600)." % args.output)
        else:
            sys.stdout.write(token + "\n")
            sys.stdout.flush()
    except LoginError as error:
        log("error: %s" % error)
        return EXIT_FAILED
    except KeyboardInterrupt:
        log("interrupted")
        return EXIT_INTERRUPTED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
