"""MS-RequestId replay and fault injection."""

from __future__ import annotations

import email.utils
import http.client
import json
import ssl
import re
import time
import uuid

import pytest
import requests

from emulator_client import BOM, body

USERS_RE = r"^/v1/customers/[^/]+/users$"


def pc_log(emu):
    return [e for e in emu.requests() if e["service"] == "partnercenter"]


def test_same_request_id_replays_without_creating_twice(emu, api):
    request_id = str(uuid.uuid4())
    first = api.create("replay@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    count = emu.store.count(api.customer)
    again = api.create("replay@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["MS-RequestId"] == request_id
    assert emu.store.count(api.customer) == count
    assert [e["replayed"] for e in pc_log(emu)] == [False, True]
    # A new id is a new call: now the UPN exists.
    assert api.create("replay@contoso.onmicrosoft.com", headers={"MS-RequestId": str(uuid.uuid4())}).status_code == 400


def test_handler_errors_are_replayed_too(emu, api):
    request_id = str(uuid.uuid4())
    failed = api.create("Daniel@dtdemocspcustomer005.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert failed.status_code == 400
    replayed = api.create("fresh@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert replayed.status_code == 400 and replayed.content == failed.content
    assert emu.store.find_user(api.customer, upn="fresh@contoso.onmicrosoft.com") is None


def test_auth_failures_are_not_stored(emu, api):
    request_id = str(uuid.uuid4())
    denied = api.call("POST", api.users_path(), token=None, headers={"MS-RequestId": request_id},
                      json_body={"userPrincipalName": "late@contoso.onmicrosoft.com"})
    assert denied.status_code == 401
    assert api.create("late@contoso.onmicrosoft.com", token="no_roles", headers={"MS-RequestId": request_id}).status_code == 403
    assert api.create("late@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id}).status_code == 201


def test_status_fault_5xx_is_not_stored(emu, api):
    emu.add_fault(method="POST", path=USERS_RE, kind="status", status=503)
    request_id = str(uuid.uuid4())
    failed = api.create("five@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert failed.status_code == 503
    error = body(failed)
    assert error["code"] == 503 and error["source"] == "PartnerFD"
    assert emu.store.find_user(api.customer, upn="five@contoso.onmicrosoft.com") is None
    retried = api.create("five@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert retried.status_code == 201
    assert [(e["status"], e["fault"], e["replayed"]) for e in pc_log(emu)] == [(503, "status", False), (201, None, False)]


def test_status_fault_custom_body_and_count(emu, api):
    emu.add_fault(method="GET", path=USERS_RE, kind="status", status=500, count=2, body={"code": 1, "description": "custom"})
    assert [api.call("GET", api.users_path()).status_code for attempt in range(3)] == [500, 500, 200]
    assert emu.faults.rules() == []


def test_429_with_retry_after_seconds(emu, api):
    emu.add_fault(method="*", path=USERS_RE, kind="status", status=429, retry_after=7)
    response = api.call("GET", api.users_path())
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.content.startswith(BOM)
    assert body(response) == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."}
    assert api.call("GET", api.users_path()).status_code == 200


def test_429_with_retry_after_http_date(emu, api):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    emu.add_fault(path=USERS_RE, kind="status", status=429, retry_after=when)
    response = api.call("GET", api.users_path())
    assert response.status_code == 429 and response.headers["Retry-After"] == when
    seconds = int(re.search(r"Try again in (\d+) seconds", body(response)["message"]).group(1))
    assert 28 <= seconds <= 30


def test_drop_before_processes_nothing(emu, api):
    emu.add_fault(method="POST", path=USERS_RE, kind="drop_before")
    request_id = str(uuid.uuid4())
    with pytest.raises(requests.ConnectionError):
        api.create("dropped@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert emu.store.find_user(api.customer, upn="dropped@contoso.onmicrosoft.com") is None
    assert api.create("dropped@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id}).status_code == 201
    assert [(e["fault"], e["status"]) for e in pc_log(emu)] == [("drop_before", None), (None, 201)]


def test_drop_after_commit_commits_exactly_once(emu, api):
    emu.add_fault(method="POST", path=USERS_RE, kind="drop_after_commit")
    request_id = str(uuid.uuid4())
    count = emu.store.count(api.customer)
    with pytest.raises(requests.ConnectionError):
        api.create("committed@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    created = emu.store.find_user(api.customer, upn="committed@contoso.onmicrosoft.com")
    assert created is not None and emu.store.count(api.customer) == count + 1
    retried = api.create("committed@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert retried.status_code == 201 and body(retried)["id"] == created["id"]
    assert emu.store.count(api.customer) == count + 1
    assert [(e["fault"], e["status"], e["replayed"]) for e in pc_log(emu)] == [("drop_after_commit", 201, False), (None, 201, True)]


def test_garble_after_commit_answers_the_status_with_a_body_that_is_not_json(emu, api):
    emu.add_fault(method="POST", path=USERS_RE, kind="garble_after_commit")
    response = api.create("garbled@contoso.onmicrosoft.com")
    assert response.status_code == 201 and response.content.startswith(b"<html>")
    assert emu.store.find_user(api.customer, upn="garbled@contoso.onmicrosoft.com") is not None, "committed"
    assert [(e["fault"], e["status"], e["committed"]) for e in pc_log(emu)] == [("garble_after_commit", 201, True)]


def test_truncate_after_commit_sends_half_the_body_and_closes(emu, api):
    emu.add_fault(method="POST", path=USERS_RE, kind="truncate_after_commit")
    host, port = emu.url.split("//")[1].split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=emu.ca_path), timeout=10)
    token = api.token()
    connection.request("POST", "/v1" + api.users_path(), body=json.dumps({
        "userPrincipalName": "cut@contoso.onmicrosoft.com", "displayName": "Cut", "usageLocation": "US",
        "passwordProfile": {"password": "Cut-Short-Passw0rd", "forceChangePassword": False}}),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 201
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert 0 < len(caught.value.partial) < int(response.getheader("Content-Length"))
    assert emu.store.find_user(api.customer, upn="cut@contoso.onmicrosoft.com") is not None, "committed"


def test_delay_then_normal_answer(emu, api):
    emu.add_fault(method="GET", path=USERS_RE, kind="delay", seconds=0.3)
    started = time.time()
    response = api.call("GET", api.users_path())
    assert response.status_code == 200 and time.time() - started >= 0.3
    with pytest.raises(requests.Timeout):
        emu.add_fault(method="GET", path=USERS_RE, kind="delay", seconds=0.5)
        api.call("GET", api.users_path(), timeout=0.1)


def test_rules_apply_in_order_and_match_method(emu, api):
    emu.add_fault(method="DELETE", path="", kind="status", status=500)
    emu.add_fault(method="*", path=USERS_RE, kind="status", status=502)
    emu.add_fault(method="*", path=USERS_RE, kind="status", status=504)
    assert [api.call("GET", api.users_path()).status_code for attempt in range(3)] == [502, 504, 200]
    assert [r["method"] for r in emu.faults.rules()] == ["DELETE"]
    emu.clear_faults()
    assert emu.faults.rules() == []


def test_faults_on_entra_paths(emu, api):
    response = api.admin("POST", "/faults", {"method": "POST", "path": "/oauth2/v2.0/token$", "kind": "status", "status": 500})
    assert response.status_code == 201
    failed = api.token_response()
    assert failed.status_code == 500 and failed.json()["error"] == "temporarily_unavailable"
    assert not failed.content.startswith(BOM)
    assert api.token_response().status_code == 200
    entra = [e for e in emu.requests() if e["service"] == "entra"]
    assert [(e["status"], e["fault"], e["grant_type"]) for e in entra] == [(500, "status", "refresh_token"), (200, None, "refresh_token")]


@pytest.mark.parametrize("rule", [{"kind": "explode"}, {"kind": "status"}, {"kind": "delay"}, {"kind": "status", "status": 500, "count": 0},
                                  {"kind": "drop_before", "path": "("}])
def test_invalid_fault_rules_are_rejected(emu, api, rule):
    assert api.admin("POST", "/faults", rule).status_code == 400
    with pytest.raises(ValueError):
        emu.add_fault(**rule)
    assert emu.faults.rules() == []


@pytest.mark.parametrize("status", [500, 503, 408])
def test_status_after_commit_commits_then_answers_the_status(emu, api, status):
    emu.add_fault(method="POST", path=USERS_RE, kind="status_after_commit", status=status)
    request_id = str(uuid.uuid4())
    count = emu.store.count(api.customer)
    answered = api.create("after.commit@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert answered.status_code == status and body(answered)["code"] == status
    created = emu.store.find_user(api.customer, upn="after.commit@contoso.onmicrosoft.com")
    assert created is not None and emu.store.count(api.customer) == count + 1
    retried = api.create("after.commit@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert retried.status_code == 201 and body(retried)["id"] == created["id"], "the replay of the committed 201"
    entries = pc_log(emu)
    assert [(e["fault"], e["status"], e["committed"], e["replayed"]) for e in entries] == [
        ("status_after_commit", status, True, False), (None, 201, False, True)]
    assert entries[0]["resource_id"] == created["id"]
    # Without replay, the retry is answered "already exists".
    emu.configure(replay_dedup=False)
    emu.add_fault(method="POST", path=USERS_RE, kind="status_after_commit", status=status)
    assert api.create("again.commit@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id}).status_code == status
    assert api.create("again.commit@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id}).status_code == 400


def test_status_after_commit_needs_a_status_a_service_answers_after_committing(emu):
    for status in (None, 200, 404, 429):
        with pytest.raises(ValueError, match="status_after_commit"):
            emu.add_fault(kind="status_after_commit", status=status)


@pytest.mark.parametrize("name, status", [("500_after_commit", 500), ("503_after_commit", 503), ("408_after_commit", 408)])
def test_chaos_status_after_commit(emu, api, name, status):
    api.token("valid")
    emu.configure(chaos={"seed": 3, "rate": 1, "kinds": [name], "methods": ["post"]})
    assert api.create("chaos.commit@contoso.onmicrosoft.com").status_code == status
    emu.configure(chaos=None)
    assert emu.store.find_user(api.customer, upn="chaos.commit@contoso.onmicrosoft.com") is not None
    entry = pc_log(emu)[-1]
    assert (entry["fault"], entry["status"], entry["committed"]) == (name, status, True)
