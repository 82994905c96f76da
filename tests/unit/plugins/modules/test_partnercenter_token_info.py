# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""partnercenter_token_info: the access token's claims without any Partner Center request, and the newest refresh token
only when asked (and then not masked, since the module returns it on purpose)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import json
import sys
import types

import pytest
import yaml

from ansible_collections.partnercenter.csp.plugins.module_utils.token_claims import describe_token, jwt_claims
from ansible_collections.partnercenter.csp.plugins.modules import partnercenter_token_info
from ansible_collections.partnercenter.csp.tests.unit.module_args import module_args

CONFIGURED = "0.CONFIGURED-REFRESH-TOKEN-secret"
ROTATED = "0.ROTATED-REFRESH-TOKEN-secret"
COMMON_KEYS = {"changed", "invocation", "warnings", "deprecations", "failed", "msg"}


def b64(document):
    return base64.urlsafe_b64encode(json.dumps(document).encode("utf-8")).rstrip(b"=").decode("ascii")


def jwt(**claims):
    return "%s.%s.c2lnbmF0dXJl" % (b64({"typ": "JWT", "alg": "RS256"}), b64(claims))


ACCESS = jwt(upn="agent@contoso-partner.onmicrosoft.com", tid="tenant-1", appid="client-1", amr=["pwd", "mfa"],
             scp="user_impersonation", exp=1800000000)


def run(capsys, **args):
    with module_args(dict({"_ansible_check_mode": False}, **args)):
        with pytest.raises(SystemExit):
            partnercenter_token_info.main()
    out = capsys.readouterr().out
    return json.loads(out), out


@pytest.fixture
def msal(monkeypatch):
    module = types.ModuleType("msal")

    class App:
        def __init__(self, client_id, client_credential=None, **kwargs):
            pass

        def acquire_token_by_refresh_token(self, refresh_token, scopes):
            return {"access_token": ACCESS, "refresh_token": ROTATED, "expires_in": 3600}

    module.ConfidentialClientApplication = module.PublicClientApplication = App
    monkeypatch.setitem(sys.modules, "msal", module)


def test_claims_of_a_given_access_token_without_any_request(capsys):
    result, out = run(capsys, access_token=ACCESS, _ansible_check_mode=True)
    assert result["changed"] is False and "refresh_token" not in result
    assert result["token"] == dict(
        claims_readable=True, user_principal_name="agent@contoso-partner.onmicrosoft.com", tenant_id="tenant-1",
        client_id="client-1", mfa=True, authentication_methods=["pwd", "mfa"], scopes=["user_impersonation"],
        expires_on="2027-01-15T08:00:00Z", refresh_token_first_seen=None, refresh_token_refused_after=None)
    doc = yaml.safe_load(partnercenter_token_info.RETURN)
    assert set(result) - COMMON_KEYS <= set(doc) and set(result["token"]) == set(doc["token"]["contains"])


def test_return_refresh_token_needs_a_refresh_token(capsys):
    result, out = run(capsys, access_token=ACCESS, return_refresh_token=True)
    assert result["failed"] and "return_refresh_token needs refresh_token (PARTNERCENTER_REFRESH_TOKEN)" in result["msg"]


def test_the_newest_refresh_token_is_returned_only_when_asked(capsys, msal, tmp_path):
    connection = dict(refresh_token=CONFIGURED, client_id="client-1", tenant_id="tenant-1",
                      token_cache_path=str(tmp_path / "cache" / "tokens.json"))
    result, out = run(capsys, **connection)
    assert CONFIGURED not in out and ROTATED not in out and "refresh_token" not in result
    assert result["token"]["mfa"] is True and result["token"]["refresh_token_first_seen"].endswith("Z")
    # The second task reuses the cached access token; the newest refresh token comes from the rotation record.
    result, out = run(capsys, return_refresh_token=True, **connection)
    assert result["refresh_token"] == ROTATED and CONFIGURED not in out
    # Rotation off and nothing newer known in this run: nothing to store back.
    result, out = run(capsys, return_refresh_token=True, rotate_refresh_token=False, **connection)
    assert result["refresh_token"] is None and CONFIGURED not in out and ROTATED not in out


def test_claims_of_what_is_not_a_jwt():
    assert jwt_claims("opaque-token") is None and jwt_claims("a.!!!.c") is None and jwt_claims(jwt_claims_list()) is None
    described = describe_token("opaque-token")
    assert described["claims_readable"] is False and described["mfa"] is False and described["scopes"] == []
    assert describe_token(jwt(amr=["pwd"]))["mfa"] is False


def jwt_claims_list():
    return "%s.%s.sig" % (b64({"alg": "none"}), b64(["not", "a", "dict"]))
