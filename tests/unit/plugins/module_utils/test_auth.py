# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys
import threading
import types

import pytest

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.partnercenter.csp.plugins.module_utils import api_client, token_endpoint
from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import PartnerCenterClient
from ansible_collections.partnercenter.csp.plugins.module_utils.auth import PARTNER_CENTER_SCOPE, TokenProvider
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import TokenCache

requests = pytest.importorskip("requests")

REFRESH_TOKEN = "0.AAAA-SECRET-REFRESH-TOKEN-xyz"
ROTATED = "0.BBBB-ROTATED-REFRESH-TOKEN-xyz"
SECRET = "Zx8Q~SECRET-CLIENT-VALUE"
ACCESS = "eyJ-SECRET-NEW-ACCESS-TOKEN"
NOW = 1700000000.0

GOOD = {"token_type": "Bearer", "scope": PARTNER_CENTER_SCOPE, "expires_in": 3599, "access_token": ACCESS,
        "refresh_token": ROTATED, "id_token": "eyJ-ID-TOKEN", "token_source": "identity_provider"}


def aad_error(code, error="invalid_grant", text=None):
    return {
        "error": error,
        "error_description": "AADSTS%d: %s\r\nTrace ID: 1111\r\nCorrelation ID: 2222\r\nTimestamp: 2026-11-21 00:00:00Z"
                             % (code, text or "Something failed."),
        "error_codes": [code], "timestamp": "2026-11-21 00:00:00Z", "trace_id": "trace-1111", "correlation_id": "corr-2222",
    }


class FakeMsal:
    """Stands in for the msal module: records the applications made and answers with a scripted result."""

    def __init__(self, result=None, raises=None):
        self.apps = []
        self.result = GOOD if result is None else result
        self.raises = raises
        fake = self

        class App:
            kind = None

            def __init__(self, client_id, client_credential=None, **kwargs):
                self.client_id = client_id
                self.client_credential = client_credential
                self.kwargs = kwargs
                self.calls = []
                fake.apps.append(self)

            def acquire_token_by_refresh_token(self, refresh_token, scopes):
                self.calls.append((refresh_token, scopes))
                if fake.raises is not None:
                    raise fake.raises
                return dict(fake.result)

        class ConfidentialClientApplication(App):
            kind = "confidential"

        class PublicClientApplication(App):
            kind = "public"

        self.module = types.ModuleType("msal")
        self.module.ConfidentialClientApplication = ConfidentialClientApplication
        self.module.PublicClientApplication = PublicClientApplication


@pytest.fixture
def msal(monkeypatch):
    fake = FakeMsal()
    monkeypatch.setitem(sys.modules, "msal", fake.module)
    return fake


class Recorder:
    """register_secret and a cache in one: records the order of events."""

    def __init__(self):
        self.events = []
        self.secrets = []

    def register(self, secret):
        self.secrets.append(secret)
        self.events.append(("register", secret))


def provider(**kwargs):
    kwargs.setdefault("client_id", "client-1")
    kwargs.setdefault("refresh_token", REFRESH_TOKEN)
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("sleep", lambda seconds: None)
    return TokenProvider(kwargs.pop("authority_host", "https://login.microsoftonline.com/"), kwargs.pop("tenant_id", "contoso.onmicrosoft.com"),
                         **kwargs)


def test_confidential_client_with_a_secret(msal):
    tokens = provider(client_secret=SECRET)
    assert tokens.can_refresh
    assert tokens.get_token() == ACCESS
    (app,) = msal.apps
    assert app.kind == "confidential"
    assert app.client_id == "client-1" and app.client_credential == SECRET
    assert app.kwargs["authority"] == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    assert app.kwargs["instance_discovery"] is False
    assert isinstance(app.kwargs["http_client"], requests.Session)
    assert app.calls == [(REFRESH_TOKEN, [PARTNER_CENTER_SCOPE])]
    assert tokens.token_requests == 1


def test_public_client_without_a_secret(msal):
    tokens = provider(authority_host="https://127.0.0.1:8443", tenant_id="t-1")
    tokens.get_token()
    (app,) = msal.apps
    assert app.kind == "public" and app.client_credential is None
    assert app.kwargs["authority"] == "https://127.0.0.1:8443/t-1"
    assert app.kwargs["instance_discovery"] is False


def test_token_is_reused_within_the_run(msal):
    tokens = provider()
    assert tokens.get_token() == tokens.get_token() == ACCESS
    assert tokens.token_requests == 1 and len(msal.apps) == 1


def test_every_token_is_registered_before_use(msal):
    recorder = Recorder()

    class SpyCache:
        def lookup(self, key):
            return None, None

        def record(self, key, token, expires_on, lineage=None):
            recorder.events.append(("record", token, lineage))

        def drop(self, key, access_token=None):
            pass

        def redeem_lock(self):
            return None

    tokens = provider(register_secret=recorder.register, cache=SpyCache())
    tokens.get_token()
    assert set(recorder.secrets) == {ACCESS, ROTATED, "eyJ-ID-TOKEN"}
    assert recorder.events[-1] == ("record", ACCESS, {"configured_first_seen": NOW,
                                                      "newest": {"refresh_token": ROTATED, "first_seen": NOW}}), \
        "registered before it is stored"
    assert tokens.newest_refresh_token == ROTATED


def test_cached_token_is_registered_and_used_without_msal(monkeypatch, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    monkeypatch.setitem(sys.modules, "msal", FakeMsal().module)
    first = provider(cache=TokenCache(path, clock=lambda: NOW), rotate=False)
    first.get_token()
    monkeypatch.setitem(sys.modules, "msal", None)  # any import of msal would now fail
    monkeypatch.delitem(sys.modules, "ansible_collections.partnercenter.csp.plugins.module_utils.token_endpoint", raising=False)
    recorder = Recorder()
    second = provider(cache=TokenCache(path, clock=lambda: NOW), register_secret=recorder.register)
    assert second.get_token() == ACCESS
    assert second.token_requests == 0 and recorder.secrets == [ACCESS]
    assert "ansible_collections.partnercenter.csp.plugins.module_utils.token_endpoint" not in sys.modules
    with open(path) as handle:
        text = handle.read()
    assert REFRESH_TOKEN not in text and ROTATED not in text, "rotation off: no refresh token on disk"


def test_cache_isolation_between_refresh_tokens(msal, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    provider(cache=TokenCache(path, clock=lambda: NOW)).get_token()
    other = provider(cache=TokenCache(path, clock=lambda: NOW), refresh_token="another-refresh-token")
    other.get_token()
    assert other.token_requests == 1
    other_client = provider(cache=TokenCache(path, clock=lambda: NOW), client_id="client-2")
    other_client.get_token()
    assert other_client.token_requests == 1


def test_expiring_token_is_renewed(msal):
    now = [NOW]
    tokens = provider(clock=lambda: now[0])
    tokens.get_token()
    now[0] += 3599 - 60
    tokens.get_token()
    assert tokens.token_requests == 2


def test_invalidate_drops_memory_and_cache(msal, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    tokens = provider(cache=TokenCache(path, clock=lambda: NOW))
    tokens.get_token()
    tokens.invalidate()
    assert TokenCache(path, clock=lambda: NOW).get(tokens._key) is None
    tokens.get_token()
    assert tokens.token_requests == 2


def test_invalidate_keeps_a_token_that_already_replaced_the_rejected_one(msal, tmp_path):
    """Two requests refused with the same token: the second invalidate must not drop the token the first got."""
    path = str(tmp_path / "c" / "tokens.json")
    tokens = provider(cache=TokenCache(path, clock=lambda: NOW))
    rejected = tokens.get_token()
    tokens.invalidate(rejected)
    msal.result = dict(GOOD, access_token="eyJ-SECRET-SECOND-ACCESS-TOKEN")
    fresh = tokens.get_token()
    tokens.invalidate(rejected)
    assert tokens.get_token() == fresh
    assert tokens.token_requests == 2
    assert TokenCache(path, clock=lambda: NOW).get(tokens._key)[0] == fresh
    tokens.invalidate(fresh)
    tokens.get_token()
    assert tokens.token_requests == 3


def test_parallel_requests_refused_together_get_one_new_token(msal):
    """Four threads of one client send the same token, all refused (401): one new token, not four."""
    barrier = threading.Barrier(4, timeout=10)

    def transport(method, url, headers, data, timeout):
        if headers["Authorization"] == "Bearer " + ACCESS:
            barrier.wait()
            return 401, {}, b'{"code": 401, "description": "revoked"}'
        return 200, {}, b'{"ok": 1}'

    tokens = provider()
    tokens.get_token()
    msal.result = dict(GOOD, access_token="eyJ-SECRET-SECOND-ACCESS-TOKEN")
    client = PartnerCenterClient("https://api.partnercenter.microsoft.com", tokens, transport=transport, sleep=lambda s: None)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(client.get("/a"))) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [{"ok": 1}] * 4
    assert tokens.token_requests == 2


def test_given_access_token_is_used_as_is_without_msal(monkeypatch):
    monkeypatch.setitem(sys.modules, "msal", None)
    monkeypatch.delitem(sys.modules, "requests", raising=False)
    recorder = Recorder()
    tokens = TokenProvider("https://login.microsoftonline.com", None, access_token="given-token", register_secret=recorder.register)
    assert tokens.can_refresh is False
    assert tokens.get_token() == "given-token"
    tokens.invalidate()
    assert tokens.get_token() == "given-token"
    assert tokens.token_requests == 0
    assert "requests" not in sys.modules


def test_missing_msal(monkeypatch):
    monkeypatch.setitem(sys.modules, "msal", None)
    with pytest.raises(PartnerCenterError) as caught:
        provider().get_token()
    assert caught.value.message == missing_required_lib("msal")
    assert str(caught.value).startswith(missing_required_lib("msal").rstrip("."))


@pytest.mark.parametrize("result, code, words", [
    (aad_error(700082, text="The refresh token has expired due to inactivity."), 700082, ["90 days", "consent"]),
    (aad_error(70000, text="Provided grant is invalid or malformed."), 70000, ["revoked", "client_id (PARTNERCENTER_CLIENT_ID)"]),
    (aad_error(9002313), 9002313, ["revoked"]),
    (aad_error(7000215, error="invalid_client", text="Invalid client secret provided."), 7000215,
     ["client_secret (PARTNERCENTER_CLIENT_SECRET)"]),
    (aad_error(900421, text="MFA is required."), 900421, ["MFA"]),
])
def test_token_endpoint_errors(monkeypatch, result, code, words):
    fake = FakeMsal(result=result)
    monkeypatch.setitem(sys.modules, "msal", fake.module)
    tokens = provider(client_secret=SECRET)
    with pytest.raises(PartnerCenterError) as caught:
        tokens.get_token()
    error = caught.value
    assert error.code == code
    assert error.description.startswith("AADSTS%d" % code) and "Trace ID" not in error.description
    text = str(error)
    assert text.startswith("Could not obtain a Partner Center access token from "
                           "https://login.microsoftonline.com/contoso.onmicrosoft.com: %s: AADSTS%d" % (result["error"], code))
    assert "trace id trace-1111" in text and "correlation id corr-2222" in text
    for word in words:
        assert word in error.hint and word in text
    assert tokens.token_requests == 1


def test_no_secret_in_errors_even_when_echoed(monkeypatch):
    echo = aad_error(70000, text="Grant %s for secret %s is invalid." % (REFRESH_TOKEN, SECRET))
    monkeypatch.setitem(sys.modules, "msal", FakeMsal(result=echo).module)
    with pytest.raises(PartnerCenterError) as caught:
        provider(client_secret=SECRET).get_token()
    blob = str(caught.value) + json.dumps(caught.value.to_result()) + repr(caught.value.args)
    assert REFRESH_TOKEN not in blob and SECRET not in blob
    assert "********" in blob


def test_no_secret_in_errors_when_echoed_json_escaped(monkeypatch):
    secret = 'Zx8Q"SECRET\\CLIENT-VALUE'
    escaped = json.dumps(secret)[1:-1]
    monkeypatch.setitem(sys.modules, "msal", FakeMsal(result=aad_error(70000, text="Bad body {\"s\": \"%s\"}." % escaped)).module)
    with pytest.raises(PartnerCenterError) as caught:
        provider(client_secret=secret).get_token()
    blob = str(caught.value) + json.dumps(caught.value.to_result())
    assert escaped not in blob and secret not in blob and "********" in blob


def test_description_on_one_line_loses_its_trace_suffix(monkeypatch):
    result = dict(aad_error(7000215, error="invalid_client"))
    result["error_description"] = "AADSTS7000215: Invalid client secret provided. Trace ID: t Correlation ID: c Timestamp: now"
    monkeypatch.setitem(sys.modules, "msal", FakeMsal(result=result).module)
    with pytest.raises(PartnerCenterError) as caught:
        provider(client_secret=SECRET).get_token()
    assert caught.value.description == "AADSTS7000215: Invalid client secret provided."


@pytest.mark.parametrize("exception, words", [
    (requests.exceptions.SSLError(
        "HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /t/v2.0/.well-known/openid-configuration "
        "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "unable to get local issuer certificate (_ssl.c:1000)')))"),
     ["failed ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate). Set"]),
    (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
     ["CERTIFICATE_VERIFY_FAILED", "ca_path (PARTNERCENTER_CA_PATH)", "validate_certs (PARTNERCENTER_VALIDATE_CERTS)"]),
    (requests.exceptions.ReadTimeout("read timed out"), ["30 seconds", "timeout (PARTNERCENTER_TIMEOUT)"]),
    (requests.exceptions.ConnectionError("Connection refused"), ["cannot connect", "authority_host (PARTNERCENTER_AUTHORITY_HOST)"]),
    (requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /t (Caused by NewConnectionError("
        "'<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))"),
     ["cannot connect to https://login.microsoftonline.com ([Errno 111] Connection refused)"]),
    (ValueError("Unable to get authority configuration for https://login.microsoftonline.com/x.\nmore"),
     ["OpenID configuration", "tenant_id (PARTNERCENTER_TENANT_ID)"]),
    (RuntimeError("boom %s" % REFRESH_TOKEN), ["RuntimeError: boom"]),
])
def test_exceptions_from_msal(monkeypatch, exception, words):
    monkeypatch.setitem(sys.modules, "msal", FakeMsal(raises=exception).module)
    with pytest.raises(PartnerCenterError) as caught:
        provider(client_secret=SECRET).get_token()
    text = str(caught.value)
    for word in words:
        assert word in text
    assert REFRESH_TOKEN not in text and SECRET not in text


# -- retries of the token endpoint ----------------------------------------------------------------


class ScriptedMsal:
    """msal whose successive token requests answer from a script: an exception, or (HTTP status, result or exception)."""

    def __init__(self, script):
        self.script = list(script)
        self.module = types.ModuleType("msal")
        fake = self

        class App:
            def __init__(self, client_id, client_credential=None, **kwargs):
                self.http_client = kwargs["http_client"]

            def acquire_token_by_refresh_token(self, refresh_token, scopes):
                step = fake.script.pop(0)
                if isinstance(step, Exception):
                    raise step
                self.http_client.last_status, result = step
                if isinstance(result, Exception):
                    raise result
                self.http_client.last_retry_after = result.pop("retry_after", None)
                return result

        self.module.ConfidentialClientApplication = self.module.PublicClientApplication = App


THROTTLED = dict(error="temporarily_unavailable", error_description="AADSTS50196: The server is busy.", error_codes=[50196])


@pytest.mark.parametrize("failure", [
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ConnectionError("Connection reset by peer"),
    (503, dict(THROTTLED)),
    (502, RuntimeError("HTTP Error: 502")),  # what newer msal raises (MsalServiceError) for a 5xx answer
    (429, dict(THROTTLED, retry_after="7")),
])
def test_transient_token_endpoint_failures_are_retried(monkeypatch, failure):
    waits = []
    fake = ScriptedMsal([failure, (200, dict(GOOD))])
    monkeypatch.setitem(sys.modules, "msal", fake.module)
    tokens = provider(client_secret=SECRET, sleep=waits.append, rand=lambda: 1.0)
    assert tokens.get_token() == ACCESS
    assert tokens.token_requests == 2
    assert waits == ([7.0] if isinstance(failure, tuple) and failure[0] == 429 else [0.5])


def test_transient_failures_give_up_after_the_bound(monkeypatch):
    waits = []
    monkeypatch.setitem(sys.modules, "msal", ScriptedMsal([(503, dict(THROTTLED))] * 3).module)
    tokens = provider(client_secret=SECRET, sleep=waits.append, rand=lambda: 1.0, retries=2, retry_max_delay=1)
    with pytest.raises(PartnerCenterError) as caught:
        tokens.get_token()
    assert "gave up after 3 attempts" in str(caught.value) and "AADSTS50196" in str(caught.value)
    assert caught.value.status == 503
    assert tokens.token_requests == 3 and waits == [0.5, 1]


def test_a_refused_refresh_token_is_not_retried(monkeypatch):
    fake = ScriptedMsal([(400, aad_error(700082)), (200, dict(GOOD))])
    monkeypatch.setitem(sys.modules, "msal", fake.module)
    tokens = provider(client_secret=SECRET)
    with pytest.raises(PartnerCenterError):
        tokens.get_token()
    assert tokens.token_requests == 1


# -- the requests session handed to msal ----------------------------------------------------------


TEST_CA = os.path.join(os.path.dirname(__file__), "test_ca.pem")


class CapturingAdapter(requests.adapters.BaseAdapter):
    def __init__(self):
        super(CapturingAdapter, self).__init__()
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(kwargs)
        answer = requests.models.Response()
        answer.status_code = 200
        answer._content = b"{}"
        answer.url = request.url
        answer.request = request
        return answer

    def close(self):
        pass


def session_for(validate_certs=True, ca_path=None, timeout=17):
    session = token_endpoint._make_http_client(requests, validate_certs, ca_path, timeout)
    adapter = CapturingAdapter()
    session.mount("https://", adapter)
    session.get("https://login.example.test/t/v2.0/.well-known/openid-configuration")
    return session, adapter.sent[0]


def test_ca_path_wins_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session, sent = session_for(ca_path=TEST_CA)
    assert sent["verify"] is True, "a boolean: the bundle of the environment must not replace the context's store"
    assert sent["timeout"] == 17
    assert session.last_status == 200


def test_validate_certs_false_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    dummy, sent = session_for(validate_certs=False, ca_path="/tmp/ignored.pem")
    assert sent["verify"] is False


def trusted_subjects(validate_certs=True, ca_path=None):
    """The CA subjects of the TLS context the msal session's adapter hands to urllib3."""
    session = token_endpoint._make_http_client(requests, validate_certs, ca_path, 17)
    context = session.get_adapter("https://login.example.test").poolmanager.connection_pool_kw.get("ssl_context")
    if context is None:
        return None
    return [dict(part[0] for part in ca["subject"]).get("commonName") for ca in context.get_ca_certs()]


def test_the_msal_session_trusts_what_partner_center_calls_trust(monkeypatch):
    """One trust store: ca_path alone when given (api_client.tls_context), else the system store, never
    REQUESTS_CA_BUNDLE; requests must not add certifi's bundle on top (cert_verify)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    assert trusted_subjects(ca_path=TEST_CA) == ["partnercenter.csp unit test CA"]
    system = api_client.tls_context(True, None)
    assert len(trusted_subjects()) == len(system.get_ca_certs())
    assert trusted_subjects(validate_certs=False) is None

    class Conn:
        ca_certs = ca_cert_dir = cert_reqs = None

    conn = Conn()
    session = token_endpoint._make_http_client(requests, True, TEST_CA, 17)
    session.get_adapter("https://login.example.test").cert_verify(conn, "https://login.example.test", True, None)
    assert conn.cert_reqs == "CERT_REQUIRED" and conn.ca_certs is None and conn.ca_cert_dir is None


def test_proxies_follow_the_environment(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/some/bundle.pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    dummy, sent = session_for(ca_path=TEST_CA)
    assert sent["verify"] is True
    assert sent["proxies"].get("https") == "http://proxy.example.test:3128"


# -- rotation of the refresh token ----------------------------------------------------------------


class RotatingMsal:
    """msal against a fake Entra ID that rotates: each redeem of a known refresh token returns a new one; refused lists
    the tokens it answers invalid_grant (AADSTS700082) for."""

    def __init__(self, known=(REFRESH_TOKEN,)):
        self.known = set(known)
        self.refused = set()
        self.redeemed = []
        self.module = types.ModuleType("msal")
        fake = self

        class App:
            def __init__(self, client_id, client_credential=None, **kwargs):
                self.client_id = client_id

            def acquire_token_by_refresh_token(self, refresh_token, scopes):
                fake.redeemed.append(refresh_token)
                if refresh_token in fake.refused or refresh_token not in fake.known:
                    return aad_error(700082, text="The refresh token has expired due to inactivity.")
                number = len(fake.redeemed)
                rotated = "0.ROTATED-%d-%s" % (number, self.client_id)
                fake.known.add(rotated)
                return dict(GOOD, access_token="eyJ-ACCESS-%d" % number, refresh_token=rotated)

        self.module.ConfidentialClientApplication = self.module.PublicClientApplication = App


@pytest.fixture
def entra(monkeypatch):
    fake = RotatingMsal()
    monkeypatch.setitem(sys.modules, "msal", fake.module)
    return fake


def cached_provider(path, now, **kwargs):
    return provider(cache=TokenCache(path, clock=lambda: now), clock=lambda: now, **kwargs)


def test_the_newest_refresh_token_is_recorded_and_redeemed_next(entra, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    first = cached_provider(path, NOW)
    assert first.get_token() == "eyJ-ACCESS-1"
    assert first.newest_refresh_token == "0.ROTATED-1-client-1" and first.first_seen == NOW
    with open(path) as handle:
        text = handle.read()
    assert "0.ROTATED-1-client-1" in text and REFRESH_TOKEN not in text, "the newest is kept; the configured never"
    assert first._key in json.loads(text)["lineages"] and REFRESH_TOKEN not in json.dumps(list(json.loads(text)["lineages"]))

    later = NOW + 60 * 86400   # the access token is long expired
    second = cached_provider(path, later)
    assert second.get_token() == "eyJ-ACCESS-2"
    assert entra.redeemed == [REFRESH_TOKEN, "0.ROTATED-1-client-1"]
    assert second.token_requests == 1
    assert second.newest_refresh_token == "0.ROTATED-2-client-1" and second.first_seen == later


def test_a_refused_newest_token_falls_back_to_the_configured_one_once(entra, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    cached_provider(path, NOW).get_token()
    entra.refused.add("0.ROTATED-1-client-1")
    again = cached_provider(path, NOW + 7200)
    assert again.get_token() == "eyJ-ACCESS-3"
    assert entra.redeemed == [REFRESH_TOKEN, "0.ROTATED-1-client-1", REFRESH_TOKEN]
    assert again.newest_refresh_token == "0.ROTATED-3-client-1"

    entra.refused.update([REFRESH_TOKEN, "0.ROTATED-3-client-1"])
    refused = cached_provider(path, NOW + 4 * 3600)
    with pytest.raises(PartnerCenterError) as caught:
        refused.get_token()
    assert entra.redeemed[3:] == ["0.ROTATED-3-client-1", REFRESH_TOKEN], "one fallback, no more"
    assert caught.value.code == 700082 and "90 days past its issue" in caught.value.hint
    assert "0.ROTATED-3" not in str(caught.value) and REFRESH_TOKEN not in str(caught.value)


def test_lineages_never_mix(entra, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    entra.known.add("another-configured-token")
    cached_provider(path, NOW).get_token()
    cached_provider(path, NOW, client_id="client-2", refresh_token="another-configured-token").get_token()
    one = cached_provider(path, NOW + 7200)
    two = cached_provider(path, NOW + 7200, client_id="client-2", refresh_token="another-configured-token")
    one.get_token()
    two.get_token()
    assert entra.redeemed == [REFRESH_TOKEN, "another-configured-token", "0.ROTATED-1-client-1", "0.ROTATED-2-client-2"]


def test_rotation_off_redeems_the_configured_token_and_stores_no_refresh_token(entra, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    cached_provider(path, NOW).get_token()   # rotation on: a newest is held
    off = cached_provider(path, NOW + 7200, rotate=False)
    off.get_token()
    assert entra.redeemed == [REFRESH_TOKEN, REFRESH_TOKEN]
    assert off.newest_refresh_token == "0.ROTATED-2-client-1", "this run's own rotated token, for a write-back"
    with open(path) as handle:
        text = handle.read()
    assert "ROTATED" not in text
    assert off.first_seen == NOW, "the configured token's first sighting is kept"


def test_the_early_warning_names_the_date_and_the_guide(entra, tmp_path):
    path = str(tmp_path / "c" / "tokens.json")
    cached_provider(path, NOW, rotate=False).get_token()
    young = cached_provider(path, NOW + 75 * 86400, rotate=False)
    young.get_token()
    assert young.warnings == []
    old = cached_provider(path, NOW + 76 * 86400, rotate=False)
    old.get_token()
    (warning,) = old.warnings
    assert "first seen on 2023-11-14" in warning and "on 2024-02-12 at the latest" in warning
    assert "'Refresh token rotation' in the partnercenter.csp authentication guide" in warning
    # With rotation the redeem obtains a newer one: no warning after it.
    rotated = cached_provider(path, NOW + 76 * 86400 + 7200)
    rotated.get_token()
    assert rotated.warnings == []


def test_the_warning_comes_from_the_same_read_as_a_cached_access_token(entra, tmp_path, monkeypatch):
    path = str(tmp_path / "c" / "tokens.json")
    cached_provider(path, NOW, rotate=False).get_token()
    reads = []
    cache = TokenCache(path, clock=lambda: NOW + 80 * 86400)
    original = cache._read
    monkeypatch.setattr(cache, "_read", lambda: reads.append(1) or original())
    with open(path) as handle:
        document = json.load(handle)
    for entry in document["tokens"].values():
        entry["expires_on"] = NOW + 80 * 86400 + 3600
    with open(path, "w") as handle:
        json.dump(document, handle)
    hot = provider(cache=cache, clock=lambda: NOW + 80 * 86400, rotate=False)
    assert hot.get_token() == "eyJ-ACCESS-1" and hot.token_requests == 0
    assert len(reads) == 1 and len(hot.warnings) == 1


def test_forks_redeeming_together_keep_one_lineage_and_the_newest_token(entra, tmp_path):
    """Threads with providers of their own (as forks are) and a cold cache: one redeem, and the token it got is held."""
    path = str(tmp_path / "c" / "tokens.json")
    barrier = threading.Barrier(6, timeout=10)
    results = []

    def fork():
        tokens = cached_provider(path, NOW)
        barrier.wait()
        results.append((tokens.get_token(), tokens.newest_refresh_token, tokens.token_requests))

    threads = [threading.Thread(target=fork) for dummy in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert entra.redeemed == [REFRESH_TOKEN]
    assert sorted(results) == [("eyJ-ACCESS-1", "0.ROTATED-1-client-1", 0)] * 5 + [("eyJ-ACCESS-1", "0.ROTATED-1-client-1", 1)]
    with open(path) as handle:
        assert len(json.load(handle)["lineages"]) == 1
