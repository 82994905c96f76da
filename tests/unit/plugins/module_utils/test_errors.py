# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.error_reports import hint_for, http_error, parse_error_body
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.tests.unit.plugins.module_utils.client_fakes import RECORDED_NAMES, recorded

BOM = b"\xef\xbb\xbf"
URL = "https://api.partnercenter.microsoft.com/v1/customers/c/users/u"


@pytest.mark.parametrize("raw, expected", [
    # the Partner Center envelope, numeric and string codes
    (b'{"code": 60002, "description": "User object Id is not found.", "data": [], "source": "PartnerFD"}',
     (60002, "User object Id is not found.")),
    (b'{"code": "60003", "description": "Tenant not found", "source": "PartnerFD"}', (60003, "Tenant not found")),
    (b'{"code": "InvalidInput", "description": "Bad", "source": "PartnerFD"}', ("InvalidInput", "Bad")),
    (b'{"Code": 3000, "Description": "Invalid property"}', (3000, "Invalid property")),
    (b'{"code": 60012, "description": "run out of licenses", "data": ["LicenseQuotaExceededException : x"]}',
     (60012, "run out of licenses")),
    # the gateway's 429 shape
    (b'{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."}',
     (None, "Rate limit is exceeded. Try again in 57 seconds.")),
    # OData style
    (b'{"error": {"code": "Request_ResourceNotFound", "message": "Resource does not exist."}}',
     ("Request_ResourceNotFound", "Resource does not exist.")),
    # OAuth style
    (b'{"error": "invalid_grant", "error_description": "AADSTS700082: expired", "error_codes": [700082]}',
     (700082, "AADSTS700082: expired")),
    # empty and blank
    (b"", (None, None)),
    (None, (None, None)),
    (b"   \r\n", (None, None)),
    (BOM, (None, None)),
    # BOM in front of the envelope
    (BOM + b'{"code": 1000, "description": "Not found"}', (1000, "Not found")),
    # text and HTML
    (b"Service Unavailable", (None, "Service Unavailable")),
    (b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", (None, "502 Bad Gateway")),
    (b"<html><body><h1>Oops</h1>\n<p>broken</p></body></html>", (None, "Oops broken")),
    # JSON of another shape
    (b'[1, 2]', (None, "[1, 2]")),
    (b'{"unexpected": true}', (None, '{"unexpected": true}')),
    # str input
    (u'\ufeff{"code": 1, "description": "x"}', (1, "x")),
])
def test_parse_error_body(raw, expected):
    assert parse_error_body(raw) == expected


def test_parse_error_body_invalid_utf8():
    code, description = parse_error_body(b'{"code": 400, "description": "bad \xff\xfe byte"}')
    assert code == 400 and description.startswith("bad ") and description.endswith(" byte")
    code, description = parse_error_body(b"\xff\xfe\xfd not text")
    assert code is None and "not text" in description


def test_parse_error_body_truncates_long_text():
    code, description = parse_error_body(b"x" * 5000)
    assert code is None and len(description) <= 300 and description.endswith("...")


@pytest.mark.parametrize("name", RECORDED_NAMES)
def test_recorded_bodies_never_break_the_parser(name):
    raw = recorded(name)
    json.loads(raw.decode("utf-8-sig"))  # they are JSON once the BOM is gone
    code, description = parse_error_body(raw)
    assert code is None and description


def test_str_is_one_clear_sentence():
    error = http_error("PATCH", URL, 404, BOM + b'{"code":60002,"description":"User object Id is not found.","source":"PartnerFD"}',
                       request_id="r-1", correlation_id="c-1")
    assert str(error) == ("PATCH %s failed: HTTP 404, Partner Center error 60002: User object Id is not found. "
                          "(MS-RequestId r-1, MS-CorrelationId c-1)" % URL)


def test_to_result_has_every_key():
    error = http_error("GET", URL, 403, b'{"code":900308,"description":"Insufficient privileges"}', request_id="r", correlation_id="c")
    result = error.to_result()
    assert result == dict(msg=str(error), status=403, error_code=900308, error_description="Insufficient privileges",
                          request_id="r", correlation_id="c", method="GET", url=URL)
    bare = PartnerCenterError("Something failed").to_result()
    assert bare == dict(msg="Something failed.", status=None, error_code=None, error_description=None, request_id=None,
                        correlation_id=None, method=None, url=None)


def test_message_without_description_or_code():
    error = http_error("DELETE", URL, 500, b"", request_id="r")
    assert str(error) == "DELETE %s failed: HTTP 500. (MS-RequestId r)" % URL
    assert error.code is None and error.description is None


def test_attempts_and_reason():
    error = http_error("GET", URL, 429, b'{"statusCode":429,"message":"Rate limit is exceeded."}', attempts=4, reason="throttled")
    assert str(error).startswith("GET %s failed after 4 attempts: throttled, HTTP 429: Rate limit is exceeded. Hint: " % URL)


@pytest.mark.parametrize("status, code, words", [
    (401, 900421, ["MFA", "consent", "refresh_token (PARTNERCENTER_REFRESH_TOKEN)"]),
    (403, 900329, ["app-only", "App+User", "refresh_token (PARTNERCENTER_REFRESH_TOKEN)"]),
    (403, "900308", ["GDAP", "User Administrator", "Directory Writers", "Directory Readers", "Global Reader"]),
    (404, 60003, ["customer_id", "relationship"]),
    (403, 20002, ["relationship", "customer_id"]),
    (401, None, ["rejected the access token", "access_token (PARTNERCENTER_ACCESS_TOKEN)"]),
    (401, 12345, ["rejected the access token"]),
    (403, None, ["GDAP"]),
    (429, None, ["throttling", "retries (PARTNERCENTER_RETRIES)"]),
])
def test_partner_center_hints(status, code, words):
    hint = hint_for(status, code)
    for word in words:
        assert word in hint
    error = http_error("GET", URL, status, json.dumps({"code": code, "description": "x"}).encode())
    assert "Hint: " in str(error) and words[0] in str(error)


@pytest.mark.parametrize("status, code", [(404, 60002), (400, 3000), (409, None), (500, None)])
def test_no_hint_where_nothing_useful_can_be_said(status, code):
    assert hint_for(status, code) is None


@pytest.mark.parametrize("code, oauth_error, words", [
    (700082, "invalid_grant", ["90 days", "consent", "refresh_token (PARTNERCENTER_REFRESH_TOKEN)"]),
    (70000, "invalid_grant", ["revoked", "client_id (PARTNERCENTER_CLIENT_ID)", "tenant_id (PARTNERCENTER_TENANT_ID)"]),
    (None, "invalid_grant", ["revoked"]),
    (7000215, "invalid_client", ["client_secret (PARTNERCENTER_CLIENT_SECRET)"]),
    (900421, "invalid_grant", ["MFA"]),
    (12345, "server_error", None),
])
def test_token_endpoint_hints(code, oauth_error, words):
    hint = hint_for(400, code, oauth_error=oauth_error)
    if words is None:
        assert hint is None
    else:
        for word in words:
            assert word in hint


def test_out_of_seats_is_explained_and_html_entities_are_decoded():
    body = b'{"code":60012,"description":"We&#39;re sorry, the customer has run out of licenses.","data":[],"source":"PartnerFD"}'
    error = http_error("POST", URL, 400, body)
    assert error.description == "We're sorry, the customer has run out of licenses."
    assert "run out of seats" in error.hint and "buy more" in error.hint
