# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import json
import os
import re
import threading
import uuid

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import (
    MIN_THROTTLE_WAIT,
    CaseInsensitiveDict,
    PartnerCenterClient,
    new_guid,
    parse_retry_after,
    throttle_spread,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, TransportError
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION

from ansible_collections.partnercenter.csp.tests.unit.plugins.module_utils.client_fakes import (
    ACCESS_TOKEN,
    API,
    RECORDED_NAMES,
    FakeTokenProvider,
    FakeTransport,
    recorded,
    response,
    timeout_error,
)

CID = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
USERS = "/customers/%s/users" % CID


def is_uuid(value):
    return str(uuid.UUID(value)) == value


# -- headers and URLs ----------------------------------------------------------------------------


def test_headers_on_a_get(make_client):
    client, transport, dummy = make_client(response(200, {"id": "u"}))
    assert client.get(USERS + "/u") == {"id": "u"}
    call = transport.calls[0]
    headers = call["headers"]
    assert call["method"] == "GET"
    assert call["url"] == API + "/v1" + USERS + "/u"
    assert call["data"] is None
    assert headers["Authorization"] == "Bearer " + ACCESS_TOKEN
    assert headers["Accept"] == "application/json"
    assert "Content-Type" not in headers
    assert is_uuid(headers["MS-RequestId"])
    assert headers["MS-CorrelationId"] == client.correlation_id and is_uuid(client.correlation_id)
    assert headers["MS-PartnerCenter-Application"] == COLLECTION_NAME + "/" + COLLECTION_VERSION
    assert headers["X-Locale"] == "en-US"
    assert call["timeout"] == 30


def test_headers_and_compact_body_on_writes(make_client):
    client, transport, dummy = make_client(response(201, {"id": "new"}), response(200, {"id": "u"}), response(204))
    assert client.post(USERS, {"userPrincipalName": "a@b.c", "attributes": {"objectType": "CustomerUser"}}) == {"id": "new"}
    assert client.patch(USERS + "/u", {"state": "active"}) == {"id": "u"}
    assert client.delete(USERS + "/u") is None
    post, patch, delete = transport.calls
    assert post["data"] == b'{"userPrincipalName":"a@b.c","attributes":{"objectType":"CustomerUser"}}'
    assert post["headers"]["Content-Type"] == "application/json"
    assert patch["method"] == "PATCH" and patch["data"] == b'{"state":"active"}'
    assert delete["method"] == "DELETE" and delete["data"] is None and "Content-Type" not in delete["headers"]
    for call in transport.calls:
        assert call["headers"]["Authorization"] == "Bearer " + ACCESS_TOKEN
        assert call["headers"]["MS-CorrelationId"] == client.correlation_id
    request_ids = [call["headers"]["MS-RequestId"] for call in transport.calls]
    assert len(set(request_ids)) == 3, "a new MS-RequestId per call"


def test_correlation_id_given_is_used_and_constant(make_client):
    client, transport, dummy = make_client(response(200, {}), correlation_id="11111111-2222-3333-4444-555555555555")
    client.get("/a")
    client.get("/b")
    assert {call["headers"]["MS-CorrelationId"] for call in transport.calls} == {"11111111-2222-3333-4444-555555555555"}


def test_caller_headers_cannot_replace_the_authorization(make_client):
    client, transport, dummy = make_client(response(200, {}))
    client.request("GET", "/a", headers={"Authorization": "Bearer other", "MS-ContinuationToken": "abc"})
    headers = transport.calls[0]["headers"]
    assert headers["Authorization"] == "Bearer " + ACCESS_TOKEN
    assert headers["MS-ContinuationToken"] == "abc"


@pytest.mark.parametrize("api_url", [API, API + "/", API + "/v1", API + "/v1/"])
@pytest.mark.parametrize("path, expected", [
    ("/customers/c/users", "/v1/customers/c/users"),
    ("customers/c/users", "/v1/customers/c/users"),
    ("/v1/customers/c/users", "/v1/customers/c/users"),
    ("/customers/c/users?seekOperation=Next", "/v1/customers/c/users?seekOperation=Next"),
    ("/v1customers", "/v1/v1customers"),
    ("/customers?redirect=https://x", "/v1/customers?redirect=https://x"),
])
def test_url_for(make_client, api_url, path, expected):
    client, dummy, dummy2 = make_client(api_url=api_url)
    assert client.url_for(path) == API + expected


def test_url_for_encodes_params(make_client):
    client, dummy, dummy2 = make_client()
    url = client.url_for(USERS, {"size": 500, "filter": '{"Field":"UserState","Value":"Inactive","Operator":"equals"}', "skip": None})
    assert url == (API + "/v1" + USERS + "?filter=%7B%22Field%22%3A%22UserState%22%2C%22Value%22%3A%22Inactive%22%2C"
                   "%22Operator%22%3A%22equals%22%7D&size=500")
    assert client.url_for("/x?a=1", {"b": 2}) == API + "/v1/x?a=1&b=2"


def test_absolute_url_only_on_api_url(make_client):
    client, transport, dummy = make_client(response(200, {}))
    client.get(API + "/v1/customers")
    assert transport.calls[0]["url"] == API + "/v1/customers"
    with pytest.raises(PartnerCenterError) as caught:
        client.get("https://evil.example.com/v1/customers")
    assert "evil.example.com" in str(caught.value)
    assert len(transport.calls) == 1, "the token never goes to another host"


# -- bodies --------------------------------------------------------------------------------------


def test_the_recorded_bodies_are_there():
    assert len(RECORDED_NAMES) == 9
    assert sum(1 for name in RECORDED_NAMES if recorded(name).startswith(b"\xef\xbb\xbf")) == 5


@pytest.mark.parametrize("name", RECORDED_NAMES)
def test_recorded_bodies_parse_as_they_are(make_client, name):
    raw = recorded(name)
    client, dummy, dummy2 = make_client(response(200, raw))
    assert client.get("/anything") == json.loads(raw.decode("utf-8-sig"))


def test_bom_and_empty_bodies(make_client):
    client, dummy, dummy2 = make_client(response(200, b"\xef\xbb\xbf{\"a\": 1}"), response(204, b""), response(200, b"  \n"))
    assert client.get("/a") == {"a": 1}
    result = client.request("DELETE", "/b")
    assert result.status == 204 and result.body is None
    assert client.get("/c") is None


def test_success_body_that_is_not_json(make_client):
    client, dummy, dummy2 = make_client(response(200, b"<html><body>Sign in</body></html>"))
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    error = caught.value
    assert "not JSON" in str(error) and "<html>" in str(error)
    assert error.status == 200 and error.method == "GET" and error.url == API + "/v1/a"
    assert "api_url (PARTNERCENTER_API_URL)" in str(error)


def test_a_read_that_is_not_json_is_quoted_with_its_secrets_redacted(make_client):
    client, dummy, dummy2 = make_client(response(200, b'{"passwordProfile": {"password": "Pa\\"ss\\\\word1", "force'))
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    text = str(caught.value)
    assert "not JSON" in text and "********" in text
    assert "Pa" not in text.rsplit("password", maxsplit=1)[-1][:12], text


def test_a_long_unreadable_read_is_clipped_after_redaction(make_client):
    # The secret straddles the clip point: redacting first means no prefix of it survives the cut.
    body = b"<html>" + b"x" * 180 + b' password="Secret-Value-42" ' + b"y" * 500 + b"</html>"
    client, dummy, dummy2 = make_client(response(200, body))
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    quoted = caught.value.message.split("not JSON: ", 1)[1]
    assert len(quoted) <= 200 and quoted.endswith("...")
    assert "Secret" not in str(caught.value) and "y" * 300 not in str(caught.value)


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b'{"id": "1", "passwordProfile": {"password": "Secret-Pa', b""])
def test_a_write_answered_2xx_is_a_write_even_when_its_body_cannot_be_read(make_client, body):
    client, transport, dummy = make_client(response(201, body))
    result = client.request("POST", USERS, body={"a": 1})
    assert result.status == 201 and result.body is None
    assert result.unreadable is bool(body)
    if body:
        assert len(client.warnings) == 1 and "the write was made" in client.warnings[0]
        assert "Secret-Pa" not in client.warnings[0]


REFUSED = response(400, {"code": 3000, "description": "refused"})


@pytest.mark.parametrize("doubtful", [
    TransportError(TransportError.TIMEOUT, "read timed out after 30 s"),
    TransportError(TransportError.CONNECTION, "connection closed without response"),
    response(502, b""),
    response(504, b""),
    # A server error or a request timeout can come after the service committed the write (issue 15, section 3).
    response(500, {"code": 500, "description": "boom"}),
    response(503, b""),
    response(503, b"", {"Retry-After": "1"}),
    response(408, b""),
])
def test_a_write_that_fails_after_an_answer_that_may_hide_a_commit_may_have_been_applied(make_client, doubtful):
    client, transport, dummy = make_client(doubtful, REFUSED)
    with pytest.raises(PartnerCenterError) as caught:
        client.post(USERS, {"a": 1})
    assert caught.value.may_have_written is True and caught.value.status == 400
    assert "may have been applied" in str(caught.value)


@pytest.mark.parametrize("status, attempts", [(500, 4), (503, 4), (408, 4), (501, 1)])
def test_a_write_answered_only_with_server_errors_may_have_been_applied(make_client, status, attempts):
    client, transport, dummy = make_client(response(status, b""))
    with pytest.raises(PartnerCenterError) as caught:
        client.delete(USERS + "/x")
    assert caught.value.may_have_written is True and caught.value.status == status
    assert len(transport.calls) == attempts


@pytest.mark.parametrize("first", [
    TransportError(TransportError.CONNECTION, "cannot connect (refused)", sent=False),
    TransportError(TransportError.TIMEOUT, "connecting timed out", sent=False),
    response(429, None, {"Retry-After": "1"}),
    response(401, b""),
])
def test_a_write_refused_before_it_was_processed_was_not_applied(make_client, first):
    client, transport, dummy = make_client(first, REFUSED)
    with pytest.raises(PartnerCenterError) as caught:
        client.post(USERS, {"a": 1})
    assert caught.value.may_have_written is False
    assert "may have been applied" not in str(caught.value)


@pytest.mark.parametrize("status", [500, 503, 408, 502])
def test_a_read_answered_with_a_server_error_is_never_in_doubt(make_client, status):
    client, transport, dummy = make_client(response(status, b""))
    with pytest.raises(PartnerCenterError) as caught:
        client.get(USERS)
    assert caught.value.may_have_written is False


def test_a_read_whose_answer_was_lost_is_never_in_doubt(make_client):
    client, transport, dummy = make_client(timeout_error(), response(500, {"code": 500, "description": "boom"}))
    with pytest.raises(PartnerCenterError) as caught:
        client.get(USERS)
    assert caught.value.may_have_written is False


def test_api_response_headers_are_case_insensitive(make_client):
    client, dummy, dummy2 = make_client(response(200, {}, {"MS-RequestId": "x", "content-type": "application/json"}))
    result = client.request("GET", "/a")
    assert result.headers["ms-requestid"] == "x"
    assert result.headers["Content-Type"] == "application/json"
    assert "CONTENT-TYPE" in result.headers
    assert is_uuid(result.request_id)
    assert client.last_request_id == result.request_id


def test_case_insensitive_dict():
    headers = CaseInsensitiveDict([("Retry-After", "5")])
    assert headers.get("retry-after") == "5" and list(headers) == ["Retry-After"] and len(headers) == 1
    assert headers.get("missing") is None


# -- errors and what is not retried --------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 412])
def test_client_errors_are_not_retried(make_client, clock, status):
    body = {"code": 60002, "description": "User object Id is not found.", "data": [], "source": "PartnerFD"}
    client, transport, provider = make_client(response(status, body), response(200, {}), can_refresh=False)
    with pytest.raises(PartnerCenterError) as caught:
        client.patch(USERS + "/u", {"displayName": "x"})
    error = caught.value
    assert len(transport.calls) == 1 and client.request_count == 1 and clock.sleeps == []
    assert error.status == status and error.code == 60002
    assert error.method == "PATCH" and error.url == API + "/v1" + USERS + "/u"
    assert error.request_id == transport.calls[0]["headers"]["MS-RequestId"]
    assert error.correlation_id == client.correlation_id
    assert str(error).startswith("PATCH %s/v1%s/u failed: HTTP %d, Partner Center error 60002: User object Id is not found."
                                 % (API, USERS, status))
    assert "MS-RequestId %s" % error.request_id in str(error)
    assert "MS-CorrelationId %s" % client.correlation_id in str(error)


def test_401_refreshes_the_token_once(make_client):
    client, transport, provider = make_client(response(401, {"code": 401, "description": "expired"}), response(200, {"ok": 1}))
    assert client.get("/a") == {"ok": 1}
    assert provider.invalidations == 1
    first, second = transport.calls
    assert first["headers"]["Authorization"] == "Bearer " + ACCESS_TOKEN
    assert second["headers"]["Authorization"] == "Bearer " + ACCESS_TOKEN + "-fresh-1"
    assert first["headers"]["MS-RequestId"] == second["headers"]["MS-RequestId"]


def test_401_names_the_rejected_token(make_client):
    client, dummy, provider = make_client(response(401, {"code": 401, "description": "revoked"}), response(200, {"ok": 1}))
    client.get("/a")
    assert provider.rejected == [ACCESS_TOKEN]


def test_401_twice_fails_after_one_refresh(make_client):
    client, transport, provider = make_client(response(401, {"code": 900421, "description": "MFA required"}))
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    assert len(transport.calls) == 2 and provider.invalidations == 1
    error = caught.value
    assert "after 2 attempts" in str(error) and "fresh token" in str(error)
    assert error.code == 900421 and "MFA" in error.hint


def test_401_with_a_fixed_access_token_is_not_retried(make_client):
    client, transport, provider = make_client(response(401, b""), can_refresh=False)
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    assert len(transport.calls) == 1 and provider.invalidations == 0
    assert "Partner Center rejected the access token" in caught.value.hint


def test_tls_failure_is_not_retried(make_client, clock):
    tls = TransportError(TransportError.TLS, "TLS certificate verification failed for https://api (CERTIFICATE_VERIFY_FAILED)")
    client, transport, dummy = make_client(tls, response(200, {}))
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    assert len(transport.calls) == 1 and clock.sleeps == []
    text = str(caught.value)
    assert "CERTIFICATE_VERIFY_FAILED" in text
    assert "ca_path (PARTNERCENTER_CA_PATH)" in text and "validate_certs (PARTNERCENTER_VALIDATE_CERTS)" in text


# -- retries -------------------------------------------------------------------------------------


def test_5xx_are_retried_with_backoff_and_the_same_request_id(make_client, clock):
    client, transport, dummy = make_client(response(500), response(502), response(504), response(200, {"ok": 1}))
    assert client.get("/a") == {"ok": 1}
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert len({call["headers"]["MS-RequestId"] for call in transport.calls}) == 1
    assert client.request_count == 4


def test_backoff_is_jittered_and_capped(make_client, clock):
    draws = iter([0.5, 0.25, 1.0, 1.0])
    client, dummy, dummy2 = make_client(response(503), response(503), response(503), response(200, {}),
                                        retry_max_delay=1, rand=lambda: next(draws))
    client.get("/a")
    assert clock.sleeps == [0.25, 0.25, 1.0]


def test_5xx_exhausted(make_client, clock):
    client, transport, dummy = make_client(response(503, {"code": 503, "description": "Service unavailable"}), retries=2)
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    assert len(transport.calls) == 3 and len(clock.sleeps) == 2
    assert str(caught.value).startswith(
        "GET %s/v1/a failed after 3 attempts: server error, HTTP 503, Partner Center error 503: Service unavailable." % API)


def test_retries_zero_means_one_attempt(make_client, clock):
    client, transport, dummy = make_client(response(500), retries=0)
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    assert len(transport.calls) == 1 and clock.sleeps == []
    assert "attempts" not in str(caught.value)


def test_timeouts_and_connection_errors_are_retried(make_client, clock):
    refused = TransportError(TransportError.CONNECTION, "cannot connect to https://api (Connection refused)")
    client, transport, dummy = make_client(timeout_error(), refused, response(200, {"ok": 1}))
    assert client.get("/a") == {"ok": 1}
    assert clock.sleeps == [0.5, 1.0]
    assert len({call["headers"]["MS-RequestId"] for call in transport.calls}) == 1


def test_timeouts_exhausted_name_the_timeout_option(make_client, clock):
    client, transport, dummy = make_client(timeout_error())
    with pytest.raises(PartnerCenterError) as caught:
        client.post(USERS, {"a": 1})
    text = str(caught.value)
    assert len(transport.calls) == 4
    assert text.startswith("POST %s/v1%s failed after 4 attempts: read timed out after 30 s." % (API, USERS))
    assert "timeout (PARTNERCENTER_TIMEOUT)" in text
    assert caught.value.status is None and caught.value.request_id == transport.calls[0]["headers"]["MS-RequestId"]


# -- throttling ----------------------------------------------------------------------------------


def test_retry_after_seconds(make_client, clock):
    client, transport, dummy = make_client(response(429, None, {"Retry-After": "7"}), response(200, {"ok": 1}))
    assert client.get("/a") == {"ok": 1}
    assert clock.sleeps == [7.0 + throttle_spread(7.0)], "Retry-After, plus the widest spread (rand() is 1.0 here)"
    assert transport.calls[0]["headers"]["MS-RequestId"] == transport.calls[1]["headers"]["MS-RequestId"]


def test_retry_after_http_date(make_client, clock):
    now = 1700000000.0
    when = email.utils.formatdate(now + 12, usegmt=True)
    client, dummy, dummy2 = make_client(response(429, None, {"retry-after": when}), response(200, {}), now=lambda: now)
    client.get("/a")
    assert clock.sleeps == [12.0 + throttle_spread(12.0)]


def test_retry_after_longer_than_retry_max_delay_fails_at_once(make_client, clock):
    client, transport, dummy = make_client(response(429, None, {"Retry-After": "3600"}), response(200, {}), retry_max_delay=45)
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    assert len(transport.calls) == 1 and clock.sleeps == [], "no early retry while still throttled"
    text = str(caught.value)
    assert "asked to wait 3600 s" in text and "retry_max_delay (PARTNERCENTER_RETRY_MAX_DELAY) allows (45 s)" in text
    assert caught.value.status == 429 and "Raise retry_max_delay" in caught.value.hint
    with pytest.raises(PartnerCenterError) as again:
        client.get("/b")
    assert len(transport.calls) == 1, "later calls do not send before the deadline either"
    assert "the Retry-After an earlier request got" in str(again.value) and "not sent" in str(again.value)


def test_a_429_without_retry_after_is_retried_also_when_retry_max_delay_is_0(make_client, clock):
    """The client's own wait for such a 429 is at least MIN_THROTTLE_WAIT; it must not then refuse to honour it."""
    client, transport, dummy = make_client(response(429, None), response(200, {"ok": 1}), retry_max_delay=0)
    assert client.get("/a") == {"ok": 1}
    assert len(transport.calls) == 2 and clock.sleeps and clock.sleeps[0] >= MIN_THROTTLE_WAIT


def test_408_is_retried_with_the_same_request_id(make_client, clock):
    client, transport, dummy = make_client(response(408, {"code": 408, "description": "Request Timeout"}), response(201, {"id": "1"}))
    assert client.post(USERS, {"a": 1}) == {"id": "1"}
    assert len(transport.calls) == 2 and len({call["headers"]["MS-RequestId"] for call in transport.calls}) == 1


def test_429_without_retry_after_uses_the_body_or_backoff(make_client, clock):
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."}
    client, dummy, dummy2 = make_client(response(429, body), response(429, b""), response(200, {}), rand=lambda: 0.0)
    client.get("/a")
    assert clock.sleeps == [57.0, 1.0], "57 s from the body, then backoff with a 1 s floor"


def test_429_storm_fails_clearly_after_the_bound(make_client, clock):
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 2 seconds."}
    client, transport, dummy = make_client(response(429, body, {"Retry-After": "2"}))
    with pytest.raises(PartnerCenterError) as caught:
        client.get("/a")
    error = caught.value
    assert len(transport.calls) == 4 and clock.sleeps == [2.0 + throttle_spread(2.0)] * 3
    assert str(error).startswith("GET %s/v1/a failed after 4 attempts: throttled, HTTP 429: Rate limit is exceeded." % API)
    assert error.status == 429 and error.attempts == 4
    assert "retries (PARTNERCENTER_RETRIES)" in error.hint and "retry_max_delay (PARTNERCENTER_RETRY_MAX_DELAY)" in error.hint


def test_503_with_retry_after_waits_that_long(make_client, clock):
    client, dummy, dummy2 = make_client(response(503, None, {"Retry-After": "3"}), response(200, {}))
    client.get("/a")
    assert clock.sleeps == [3.0 + throttle_spread(3.0)]


def test_retry_after_delays_later_calls_of_the_same_client(make_client, clock):
    client, transport, dummy = make_client(response(429, None, {"Retry-After": "5"}), response(200, {}), retries=0)
    with pytest.raises(PartnerCenterError):
        client.get("/a")
    assert clock.sleeps == []
    client.get("/b")
    assert clock.sleeps == [5.0 + throttle_spread(5.0)], "the next call waits for the Retry-After the previous one got"


def test_retry_after_is_shared_between_threads(clock):
    """Thread A is throttled while thread B's first request is in flight; B's next request waits for A's Retry-After."""
    a_done = threading.Event()
    sleeps = []

    def sleep(seconds):
        sleeps.append((threading.current_thread().name, seconds))
        clock.sleep(seconds)

    def answer(method, url, headers, data, timeout):
        if url.endswith("/a"):
            return response(429, None, {"Retry-After": "10"})
        if url.endswith("/b1"):
            a_done.wait(5)
        return response(200, {})

    client = PartnerCenterClient(API, FakeTokenProvider(), transport=FakeTransport(answer), retries=0, sleep=sleep,
                                 clock=clock.monotonic, rand=lambda: 0.0)

    def thread_a():
        try:
            client.get("/a")
        except PartnerCenterError:
            pass
        finally:
            a_done.set()

    def thread_b():
        client.get("/b1")
        client.get("/b2")

    threads = [threading.Thread(target=thread_a, name="A"), threading.Thread(target=thread_b, name="B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sleeps == [("B", 10.0)]


@pytest.mark.parametrize("value, expected", [
    ("0", 0.0), ("5", 5.0), (" 12 ", 12.0), ("1.5", 1.5), ("-3", 0.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0), ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
    ("soon", None), ("", None), (None, None),
])
def test_parse_retry_after(value, expected):
    now = email.utils.mktime_tz(email.utils.parsedate_tz("Wed, 21 Oct 2015 07:27:50 GMT"))
    assert parse_retry_after(value, now) == expected


# -- paging --------------------------------------------------------------------------------------


def page(items, token=None):
    """A collection page in the recorded shape; links.next (no /v1) with the continuation header when token is set."""
    body = {"totalCount": len(items), "items": items,
            "links": {"self": {"uri": USERS, "method": "GET", "headers": []}},
            "attributes": {"objectType": "Collection"}}
    if token:
        body["continuationToken"] = token
        body["links"]["next"] = {"uri": USERS + "?seekOperation=Next", "method": "GET",
                                 "headers": [{"key": "MS-ContinuationToken", "value": token}]}
    return b"\xef\xbb\xbf" + json.dumps(body, indent=2).encode("utf-8")


def test_paginate_across_three_pages():
    recorded_items = json.loads(recorded("GetCustomerUserAll.json.bin").decode("utf-8-sig"))["items"]
    deleted_items = json.loads(recorded("GetCustomerUserAllDeleted.json.bin").decode("utf-8-sig"))["items"]
    transport = FakeTransport(response(200, page(recorded_items, "token-1")), response(200, page([{"id": "3"}], "token-2")),
                              response(200, page(deleted_items)))
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport)
    items = list(client.paginate(USERS, params={"size": 2}))
    assert [item["id"] for item in items] == [i["id"] for i in recorded_items] + ["3"] + [i["id"] for i in deleted_items]
    first, second, third = transport.calls
    assert first["url"] == API + "/v1" + USERS + "?size=2"
    assert "MS-ContinuationToken" not in first["headers"]
    assert second["url"] == third["url"] == API + "/v1" + USERS + "?seekOperation=Next"
    assert second["headers"]["MS-ContinuationToken"] == "token-1"
    assert third["headers"]["MS-ContinuationToken"] == "token-2"
    assert len({call["headers"]["MS-RequestId"] for call in transport.calls}) == 3
    assert {call["method"] for call in transport.calls} == {"GET"}


def test_paginate_is_lazy_and_handles_empty_pages():
    transport = FakeTransport(response(200, {"totalCount": 0, "items": [], "links": {}}))
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport)
    pages = client.paginate(USERS)
    assert transport.calls == []
    assert list(pages) == []
    assert len(transport.calls) == 1


def test_paginate_recorded_collection_without_next():
    transport = FakeTransport(response(200, recorded("GetCustomerUserRoleById.json.bin")))
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport)
    assert len(list(client.paginate(USERS + "/u/directoryroles"))) == 2


def test_paginate_refuses_to_loop():
    transport = FakeTransport(response(200, page([{"id": "1"}], "same")))
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport)
    with pytest.raises(PartnerCenterError) as caught:
        list(client.paginate(USERS))
    assert "same next page link twice" in str(caught.value)
    assert len(transport.calls) == 2


def test_paginate_rejects_a_non_collection():
    transport = FakeTransport(response(200, [1, 2]))
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport)
    with pytest.raises(PartnerCenterError):
        list(client.paginate(USERS))


def test_paginate_error_on_a_later_page_is_raised_not_truncated():
    transport = FakeTransport(response(200, page([{"id": "1"}], "t")), response(404, {"code": 1000, "description": "Not found"}))
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport)
    got = []
    with pytest.raises(PartnerCenterError) as caught:
        for item in client.paginate(USERS):
            got.append(item)
    assert got == [{"id": "1"}] and caught.value.status == 404 and "seekOperation=Next" in caught.value.url


# -- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("script", [
    [response(400, {"code": 3000, "description": "Invalid property"})],
    [response(401, b"")],
    [response(403, {"code": 900308, "description": "Insufficient privileges"})],
    [response(429, None, {"Retry-After": "1"})],
    [response(500, b"<html><title>Oops</title></html>")],
    [response(400, b'{"passwordProfile":{"password":"Secret-Passw0rd!","forceChange')],
    [response(502, json.dumps({"echo": json.dumps({"passwordProfile": {"password": "Secret-Passw0rd!"}})}).encode())],
    [timeout_error()],
    [TransportError(TransportError.TLS, "TLS certificate verification failed")],
    [TransportError(TransportError.CONNECTION, "cannot connect")],
])
def test_no_token_in_any_error(make_client, script):
    client, dummy, dummy2 = make_client(*script, can_refresh=True)
    with pytest.raises(PartnerCenterError) as caught:
        client.post(USERS, {"passwordProfile": {"password": "Secret-Passw0rd!"}})
    blob = json.dumps(caught.value.to_result()) + str(caught.value) + repr(caught.value.args)
    assert "SECRET-ACCESS-TOKEN" not in blob and ACCESS_TOKEN not in blob
    assert "Secret-Passw0rd!" not in blob
    assert not re.search(r"Bearer\s", blob)


def test_the_spread_after_a_throttling_wait_is_a_quarter_of_it_at_most_a_second():
    assert throttle_spread(1.0) == 0.25 and throttle_spread(2.0) == 0.5 and throttle_spread(30.0) == 1.0


def test_request_ids_are_random_version_4_guids():
    ids = set(new_guid() for _n in range(200))
    assert len(ids) == 200
    for value in ids:
        parsed = uuid.UUID(value)
        assert str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122


# -- throttling shared through the file: customers' deadlines and the pace -----------------------


def shared_client(tmp_path, clock, answer, **kwargs):
    """A client with a throttle file of its own, on a wall clock that moves with clock (the FakeClock)."""
    from ansible_collections.partnercenter.csp.plugins.module_utils.throttle import SharedThrottle

    def now():
        return 1700000000.0 + clock.monotonic()

    throttle = SharedThrottle(str(tmp_path / "cache" / "throttle.json"), clock=now)
    transport = answer if isinstance(answer, FakeTransport) else FakeTransport(answer)
    kwargs.setdefault("rand", lambda: 0.0)
    client = PartnerCenterClient(API, FakeTokenProvider(), transport=transport, sleep=clock.sleep, clock=clock.monotonic,
                                 now=now, shared_throttle=throttle, **kwargs)
    return client, transport, throttle


def test_a_retry_after_too_long_to_wait_holds_back_only_that_customer(tmp_path, clock):
    other = "0f5a9c1e-0000-4000-8000-00000000000b"

    def answer(method, url, headers, data, timeout):
        if CID in url and method == "POST":
            return response(429, None, {"Retry-After": "300"})
        return response(200, {"items": []})

    client, transport, dummy = shared_client(tmp_path, clock, answer, retry_max_delay=30)
    with pytest.raises(PartnerCenterError) as caught:
        client.post(USERS, {"a": 1})
    assert "asked to wait 300 s" in str(caught.value) and "calls on other customers go on" in str(caught.value)
    assert client.get("/customers/%s/users" % other) == {"items": []}, "another customer's call goes out"
    assert client.get("/customers") == {"items": []}, "so does a partner-wide call"
    later, later_transport, dummy = shared_client(tmp_path, clock, answer, retry_max_delay=30)
    assert later.get("/customers/%s/users" % other.upper()) == {"items": []}, "and in another process"
    with pytest.raises(PartnerCenterError) as refused:
        later.get(USERS)
    text = str(refused.value)
    assert "calls on customer %s to wait 300 s more, until " % CID in text and " UTC" in text and "not sent" in text
    assert [call["url"] for call in later_transport.calls] == [API + "/v1/customers/%s/users" % other.upper()]
    assert clock.sleeps == [], "nobody waited"


def test_a_short_retry_after_on_one_customer_still_holds_back_every_call(tmp_path, clock):
    script = FakeTransport(response(429, None, {"Retry-After": "2"}), response(201, {}), response(200, {}))
    client, transport, dummy = shared_client(tmp_path, clock, script)
    client.post(USERS, {"a": 1})
    other, other_transport, dummy = shared_client(tmp_path, clock, FakeTransport(response(200, {})))
    start = clock.now
    other.get("/customers/another/users")
    assert clock.now - start == 0.0, "the first client's wait was already slept through"
    assert clock.sleeps[0] == 2.0, "partner-wide: it paces every fork"


def test_a_process_that_draws_no_429_sends_without_delay_or_file_reads(tmp_path, clock, monkeypatch):
    from ansible_collections.partnercenter.csp.plugins.module_utils import private_files
    stats, reads = [], []
    real_modified, real_read = private_files.PrivateFile.modified, private_files.PrivateFile.read
    monkeypatch.setattr(private_files.PrivateFile, "modified", lambda self: stats.append(1) or real_modified(self))
    monkeypatch.setattr(private_files.PrivateFile, "read", lambda self: reads.append(1) or real_read(self))
    client, transport, throttle = shared_client(tmp_path, clock, lambda *args: response(200, {}))
    for _n in range(20):
        client.get(USERS)
    assert clock.sleeps == [] and len(transport.calls) == 20
    assert len(stats) == 3 * 20 and reads == [], "three stats a request (progress, turn, success), as before pacing existed"
    assert not os.path.exists(throttle.path), "nothing written"


def test_pacing_after_429s_spaces_requests_then_ends_when_the_limit_goes_away(tmp_path, clock):
    """A limit of 10 requests a second: two 429s teach the pace; then requests are spaced; once the limit is gone and
    no 429 comes, the pace grows back and ends, and requests go out without delay again."""
    from ansible_collections.partnercenter.csp.plugins.module_utils.pacing import Pacer
    limited = {"on": True, "tokens": 10.0, "stamp": clock.monotonic()}

    def answer(method, url, headers, data, timeout):
        now = clock.monotonic()
        limited["tokens"] = min(10.0, limited["tokens"] + (now - limited["stamp"]) * 10.0)
        limited["stamp"] = now
        if limited["on"] and limited["tokens"] < 1.0:
            return response(429, None, {"Retry-After": "1"})
        limited["tokens"] -= 1.0
        return response(200, {})

    client, transport, dummy = shared_client(tmp_path, clock, answer)
    started = clock.monotonic()
    for _n in range(200):
        client.get(USERS)
        clock.sleep(0.01)   # each request takes 10 ms
    throttled = len(transport.calls) - 200
    assert 2 <= throttled <= 20, "at most one request in 10 answered 429 (%d)" % throttled
    assert clock.monotonic() - started >= 18.0, "no faster than the limit allows: it was kept to, not bounced off"
    assert [s for s in clock.sleeps if 0.0 < s < 0.5 and s != 0.01], "requests were spaced"
    limited["on"] = False
    ended = clock.monotonic() + Pacer.horizon()
    while clock.monotonic() < ended:
        client.get(USERS)
        clock.sleep(0.01)
    calls, sleeps = len(transport.calls), len(clock.sleeps)
    for _n in range(30):
        client.get(USERS)
    assert len(transport.calls) == calls + 30 and len(clock.sleeps) == sleeps, "the pace has ended: no delay"
