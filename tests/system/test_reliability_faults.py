# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults survived: throttling, server errors, dropped connections, timeouts, a revoked cached token and two
concurrent runs, injected with the emulator's faults and checked on its request log and store.

Each test is one ansible-playbook run of several steps (tests/system/steps_playbook.py), except the
revoked-token test (a run that warms the token cache, then one that finds its token revoked) and the
concurrency test (two runs at once).
"""

from __future__ import absolute_import, division, print_function

import email.utils
import os
import stat
import subprocess
import sys
import threading
import time

from steps_playbook import (
    USER,
    USER_INFO,
    USERS,
    add_fault_step,
    outcome,
    partner_center,
    read_results,
    step,
    step_requests,
    token_calls,
    write_playbook,
    writes,
)

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
FABRIKAM = "a4e199fb-4c63-4e1c-a074-39f3c0599a51"
# A customer the tests add to the emulator, empty.
NORTHWIND = "5b0d2f0e-8c53-4a7e-9f41-3c9d2a6e7b10"
PASSWORD = "Initial-Passw0rd!"
USERS_PATH = r"^/v1/customers/%s/users$"
USER_PATH = r"^/v1/customers/%s/users/[^/]+$"


def user_args(customer, upn, **extra):
    args = dict(customer_id=customer, user_principal_name=upn, display_name=upn.split("@")[0].title(),
                usage_location="SE", password=PASSWORD)
    args.update(extra)
    return args


def run_steps(run_playbook, directory, steps, **kwargs):
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps), **kwargs)
    assert completed.returncode == 0, outcome(completed)
    return read_results(directory)


def by_method(requests, method):
    return [entry for entry in partner_center(requests) if entry["method"] == method]


def assert_one_request_id(entries):
    ids = set(entry["request_id"] for entry in entries)
    assert len(ids) == 1 and None not in ids, entries


def test_throttling_waits_for_retry_after_in_seconds_and_as_http_date_and_a_429_storm_fails_after_the_bound(
        emulator, run_playbook, tmp_path):
    """429 with Retry-After: 2, then with an HTTP-date 10 s ahead (room for a slow module start under load): each create waits that long, retries with the
    same MS-RequestId and succeeds; a storm of 429s fails after retries + 1 attempts with a clear message."""
    emulator.add_fault(kind="status", status=429, retry_after=2, method="POST", path=USERS_PATH % FABRIKAM)
    date_rule = ("{'kind': 'status', 'status': 429, 'method': 'POST', 'path': '%s', 'retry_after': "
                 "'%%a, %%d %%b %%Y %%H:%%M:%%S GMT' | strftime(second=(now().timestamp() | int) + 10, utc=true)}"
                 % (USERS_PATH % FABRIKAM))
    storm_rule = "{'kind': 'status', 'status': 429, 'method': 'POST', 'path': '%s', 'retry_after': 1, 'count': 10}" % (
        USERS_PATH % FABRIKAM)
    steps = [
        step("create, throttled with Retry-After in seconds", USER,
             user_args(FABRIKAM, "seconds@fabrikam.onmicrosoft.com", retry_max_delay=10)),
        add_fault_step("throttle the next create with an HTTP-date", date_rule),
        step("create, throttled with Retry-After as an HTTP-date", USER,
             user_args(FABRIKAM, "date@fabrikam.onmicrosoft.com", retry_max_delay=15)),
        add_fault_step("throttle every create", storm_rule),
        step("create in a storm of 429s", USER,
             user_args(FABRIKAM, "storm@fabrikam.onmicrosoft.com", retries=2, retry_max_delay=10)),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()

    # Retry-After in seconds
    assert results[0]["changed"] and not results[0].get("failed"), results[0]
    posts = by_method(step_requests(log, marks, 0), "POST")
    assert [p["status"] for p in posts] == [429, 201], posts
    assert_one_request_id(posts)
    assert posts[1]["time"] - posts[0]["time"] >= 2.0

    # Retry-After as an HTTP-date: the retry comes no sooner than that date
    assert not results[1].get("failed"), results[1]
    retry_date = results[1]["json"][0]["retry_after"]
    not_before = email.utils.mktime_tz(email.utils.parsedate_tz(retry_date))
    assert results[2]["changed"] and not results[2].get("failed"), results[2]
    posts = by_method(step_requests(log, marks, 2), "POST")
    assert [p["status"] for p in posts] == [429, 201], posts
    assert_one_request_id(posts)
    assert not_before - posts[0]["time"] > 0.5, "the HTTP-date had passed before the 429: nothing was proven"
    assert posts[1]["time"] >= not_before

    # A storm: retries=2 means 3 attempts, each after the Retry-After, then a clear failure
    storm = results[4]
    assert storm.get("failed") and not storm["changed"], storm
    assert "throttled" in storm["msg"] and "after 3 attempts" in storm["msg"] and "429" in storm["msg"], storm["msg"]
    assert "retries (PARTNERCENTER_RETRIES)" in storm["msg"], storm["msg"]
    assert storm["status"] == 429
    posts = by_method(step_requests(log, marks, 4), "POST")
    assert [p["status"] for p in posts] == [429, 429, 429], posts
    assert_one_request_id(posts)
    assert all(later["time"] - earlier["time"] >= 1.0 for earlier, later in zip(posts, posts[1:])), posts
    assert marks[5] - marks[4] < 30, "the storm took too long to fail"

    upns = sorted(u["userPrincipalName"] for u in emulator.store.admin_users(FABRIKAM))
    assert upns == ["date@fabrikam.onmicrosoft.com", "seconds@fabrikam.onmicrosoft.com"]


def test_server_errors_on_writes_are_retried_with_the_same_request_id_and_a_dropped_create_is_replayed(
        emulator, run_playbook, tmp_path):
    """500, 502, 503 and 504 on a create, 503 on an update, 502 on a delete, each then success; a create
    committed whose reply was lost (drop_after_commit): the retry gets the replayed 201. One user each."""
    emulator.store.add_customer(NORTHWIND, ["northwind.onmicrosoft.com"])
    for status in (500, 502, 503, 504):
        emulator.add_fault(kind="status", status=status, method="POST", path=USERS_PATH % FABRIKAM)
    emulator.add_fault(kind="status", status=503, method="PATCH", path=USER_PATH % FABRIKAM)
    emulator.add_fault(kind="status", status=502, method="DELETE", path=USER_PATH % FABRIKAM)
    emulator.add_fault(kind="drop_after_commit", method="POST", path=USERS_PATH % NORTHWIND)
    upn = "grace@fabrikam.onmicrosoft.com"
    fast = dict(retries=4, retry_max_delay=1)
    steps = [
        step("create through 500, 502, 503 and 504", USER, user_args(FABRIKAM, upn, **fast)),
        step("update through a 503", USER, dict(customer_id=FABRIKAM, user_principal_name=upn, display_name="Grace Hopper", **fast)),
        step("delete through a 502", USER, dict(customer_id=FABRIKAM, user_principal_name=upn, state="absent", **fast)),
        step("create whose reply is lost", USER, user_args(NORTHWIND, "ada@northwind.onmicrosoft.com", **fast)),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()
    for result in results:
        assert result["changed"] and not result.get("failed"), result

    posts = by_method(step_requests(log, marks, 0), "POST")
    assert [p["status"] for p in posts] == [500, 502, 503, 504, 201], posts
    assert_one_request_id(posts)
    patches = by_method(step_requests(log, marks, 1), "PATCH")
    assert [p["status"] for p in patches] == [503, 200], patches
    assert_one_request_id(patches)
    assert results[1]["user"]["display_name"] == "Grace Hopper"
    deletes = by_method(step_requests(log, marks, 2), "DELETE")
    assert [d["status"] for d in deletes] == [502, 204], deletes
    assert_one_request_id(deletes)
    users = emulator.store.admin_users(FABRIKAM)
    # Entra ID renames a soft-deleted user: its id without hyphens goes before the name.
    renamed = users[0]["id"].replace("-", "") + upn
    assert [(u["userPrincipalName"], u["displayName"], u["state"]) for u in users] == [(renamed, "Grace Hopper", "inactive")]

    posts = by_method(step_requests(log, marks, 3), "POST")
    assert [(p["status"], p["fault"], p["replayed"]) for p in posts] == [(201, "drop_after_commit", False), (201, None, True)], posts
    assert_one_request_id(posts)
    users = emulator.store.admin_users(NORTHWIND)
    assert [u["userPrincipalName"] for u in users] == ["ada@northwind.onmicrosoft.com"]
    assert results[3]["user"]["id"] == users[0]["id"]


def test_read_timeouts_are_retried_within_the_bound_then_fail_naming_the_timeout_option(emulator, run_playbook, tmp_path):
    """Every attempt slower than timeout: retries + 1 attempts with one MS-RequestId, then an error naming
    timeout; only the first attempt slow: success."""
    emulator.add_fault(kind="delay", seconds=3, method="GET", path=USERS_PATH % FABRIKAM, count=3)
    emulator.add_fault(kind="delay", seconds=3, method="GET", path=USERS_PATH % CONTOSO, count=1)
    fast = dict(timeout=1, retries=2, retry_max_delay=1)
    steps = [
        # The token is redeemed here, with the default timeout (the token endpoint is not what is tested).
        step("warm the token cache", USER_INFO, dict(customer_id=FABRIKAM, user_id="00000000-0000-4000-8000-000000000002")),
        step("list the users, every attempt too slow", USER_INFO, dict(customer_id=FABRIKAM, **fast)),
        step("create a user, the first attempt too slow", USER, user_args(CONTOSO, "katherine@contoso.onmicrosoft.com", **fast)),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()
    assert not results[0].get("failed") and results[0]["users"] == [], results[0]

    failed = results[1]
    assert failed.get("failed"), failed
    assert "timed out after 1 s" in failed["msg"] and "after 3 attempts" in failed["msg"], failed["msg"]
    assert "timeout (PARTNERCENTER_TIMEOUT)" in failed["msg"], failed["msg"]
    gets = by_method(step_requests(log, marks, 1), "GET")
    assert len(gets) == 3 and all(g["fault"] == "delay" for g in gets), gets
    assert_one_request_id(gets)
    assert marks[2] - marks[1] < 20

    created = results[2]
    assert created["changed"] and not created.get("failed"), created
    requests = partner_center(step_requests(log, marks, 2))
    assert [(r["method"], r["fault"]) for r in requests[:2]] == [("GET", "delay"), ("GET", None)], requests
    assert_one_request_id(requests[:2])
    posts = writes(requests)
    assert [p["method"] for p in posts][:1] == ["POST"] and 201 in [p["status"] for p in posts], posts
    assert_one_request_id(posts)
    assert emulator.store.count(CONTOSO, state="active") == 4


def test_revoked_cached_token_gets_one_fresh_token_and_one_retry(emulator, run_playbook, playbook_env, tmp_path):
    """A token from the cache that the service rejects (401): exactly one more token-endpoint call, the call
    retried once with the same MS-RequestId, success; the cache file is rewritten (atomically, 0600)."""
    cache = tmp_path / "token-cache" / "tokens.json"
    assert playbook_env()["PARTNERCENTER_TOKEN_CACHE_PATH"] == str(cache)
    run_steps(run_playbook, tmp_path / "warm", [step("read the users", USER_INFO, dict(customer_id=CONTOSO))])
    warm_text = cache.read_text()
    assert len(token_calls(emulator.requests())) == 1

    assert emulator.revoke_tokens() >= 1
    seen = len(emulator.requests())
    # Held open, the warm file keeps its inode, which a rewrite in place would keep and a replacement would not.
    with open(str(cache)) as warm:
        results, _marks = run_steps(run_playbook, tmp_path / "revoked",
                                    [step("create a user", USER, user_args(CONTOSO, "hedy@contoso.onmicrosoft.com"))])
        assert os.fstat(warm.fileno()).st_ino != os.stat(str(cache)).st_ino
        assert os.fstat(warm.fileno()).st_nlink == 0
        assert warm.read() == warm_text
    log = emulator.requests()[seen:]
    assert results[0]["changed"] and not results[0].get("failed"), results[0]
    assert len(token_calls(log)) == 1, token_calls(log)
    requests = partner_center(log)
    assert [r["status"] for r in requests[:2]] == [401, 200], requests
    assert_one_request_id(requests[:2])
    assert [r["status"] for r in requests].count(401) == 1, requests

    # The rejected token was dropped and the new one stored, by replacing the file.
    assert cache.read_text() != warm_text
    assert stat.S_IMODE(os.stat(str(cache)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(cache.parent)).st_mode) == 0o700
    assert sorted(os.listdir(str(cache.parent))) == ["tokens.json", "tokens.json.lock"], "no temporary file left; the redeem lock stays"
    assert stat.S_IMODE(os.stat(str(cache) + ".lock").st_mode) == 0o600


def test_token_revoked_during_parallel_writes_gets_one_fresh_token(emulator, run_playbook, tmp_path):
    """The bulk module's 4 parallel creates all refused (401) with the same revoked token: one new token, not one
    per thread; every refused create retried once with its MS-RequestId; every user created."""
    users = [dict(user_principal_name="parallel%d@fabrikam.onmicrosoft.com" % n, display_name="Parallel %d" % n,
                  usage_location="NO", password=PASSWORD) for n in range(8)]
    # Creates are held 1.5 s before they are authorized: the token is revoked while the first 4 are held.
    emulator.add_fault(kind="delay", seconds=1.5, method="POST", path=USERS_PATH % FABRIKAM, count=100)
    revoked_at = []

    def revoke_once_the_creates_are_sent():
        deadline = time.time() + 120
        while time.time() < deadline:
            if by_method(emulator.requests(), "POST"):
                revoked_at.append(len(emulator.requests()))
                emulator.revoke_tokens()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=revoke_once_the_creates_are_sent)
    watcher.start()
    try:
        results, _marks = run_steps(run_playbook, tmp_path / "run", [
            step("create 8 users, 4 at a time", USERS, dict(customer_id=FABRIKAM, users=users, concurrency=4))])
    finally:
        watcher.join(130)
    assert revoked_at, "no create was sent"
    assert not results[0].get("failed") and len(results[0]["summary"]["created"]) == 8, results[0]
    after = emulator.requests()[revoked_at[0]:]
    assert len(token_calls(after)) == 1, token_calls(after)
    posts = by_method(emulator.requests(), "POST")
    refused = [p for p in posts if p["status"] == 401]
    # Normally all 4 in flight; a thread that starts late may already send the fresh token.
    assert 2 <= len(refused) <= 4, posts
    for post in refused:
        assert [p["status"] for p in posts if p["request_id"] == post["request_id"]] == [401, 201]
    assert emulator.store.count(FABRIKAM) == 8


def test_two_playbooks_converging_the_same_20_users_at_once_both_succeed_with_20_users(
        emulator, playbook_env, tmp_path, monkeypatch):
    """Two ansible-playbook processes, the same 20 users: every create waits until both runs have listed the
    (empty) tenant, so both try to create every user; both succeed and the tenant holds each user once."""
    users = [dict(user_principal_name="user%02d@fabrikam.onmicrosoft.com" % n, display_name="User %02d" % n,
                  usage_location="NO", password=PASSWORD) for n in range(20)]
    listed = threading.Event()

    def listings():
        return set(r["correlation_id"] for r in emulator.requests() if r["service"] == "partnercenter"
                   and r["method"] == "GET" and r["path"].endswith("/users") and r["status"] == 200)

    original_create = emulator.store.create_user

    def create_after_both_listed(cid, body):
        deadline = time.time() + 25
        while not listed.is_set() and time.time() < deadline:
            if len(listings()) >= 2:
                listed.set()
            else:
                time.sleep(0.05)
        return original_create(cid, body)

    monkeypatch.setattr(emulator.store, "create_user", create_after_both_listed)
    processes = []
    for name in ("first", "second"):
        directory = tmp_path / name
        directory.mkdir()
        playbook = write_playbook(directory, [step("converge 20 users", USERS, dict(customer_id=FABRIKAM, users=users, concurrency=8))])
        processes.append((directory, subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook], env=playbook_env(), cwd=str(directory),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)))
    outputs = []
    for directory, process in processes:
        try:
            stdout, stderr = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        outputs.append((directory, process.returncode, stdout, stderr))

    created = []
    for directory, returncode, stdout, stderr in outputs:
        assert returncode == 0, "rc=%s\n%s\n%s" % (returncode, stdout[-4000:], stderr[-2000:])
        result = read_results(directory)[0][0]
        assert not result.get("failed"), result
        assert result["summary"]["failed"] == [], result["summary"]
        assert sorted(result["summary"]["created"] + result["summary"]["unchanged"]) == sorted(u["user_principal_name"] for u in users)
        created.extend(result["summary"]["created"])

    assert listed.is_set(), "the two runs never listed the tenant at the same time: the race was not exercised"
    stored = emulator.store.admin_users(FABRIKAM)
    assert len(stored) == 20
    assert sorted(u["userPrincipalName"] for u in stored) == sorted(u["user_principal_name"] for u in users)
    assert all(u["state"] == "active" for u in stored)
    # Each user was created by exactly one of the runs; the other one's create was refused as a duplicate.
    assert sorted(created) == sorted(u["user_principal_name"] for u in users)
    posts = [r for r in emulator.requests() if r["service"] == "partnercenter" and r["method"] == "POST"]
    assert [p["status"] for p in posts].count(201) == 20
    assert [p["status"] for p in posts].count(400) >= 1, "no create lost the race"


def test_token_endpoint_faults_are_retried_within_the_bound(emulator, run_playbook, tmp_path):
    """Entra ID answering 503, then 429 with Retry-After, then dropping the connection: the token is still
    obtained within retries (3), and the Partner Center call goes ahead; one more fault than that fails clearly."""
    token_path = r"^/[^/]+/oauth2/v2.0/token$"
    emulator.add_fault(kind="status", status=503, method="POST", path=token_path)
    emulator.add_fault(kind="status", status=429, retry_after=1, method="POST", path=token_path)
    emulator.add_fault(kind="drop_before", method="POST", path=token_path)
    results, _marks = run_steps(run_playbook, tmp_path / "flaky", [step("read the users", USER_INFO, dict(customer_id=CONTOSO))])
    assert not results[0].get("failed"), results[0]
    assert [call["status"] for call in token_calls(emulator.requests()) if call["status"]][:3] == [503, 429, 200]
    assert len(partner_center(emulator.requests())) == 1

    emulator.clear_requests()
    emulator.add_fault(kind="status", status=503, method="POST", path=token_path, count=4)
    failed, _marks = run_steps(run_playbook, tmp_path / "down", [step("read the users", USER_INFO, dict(
        customer_id=CONTOSO, token_cache=False, retry_max_delay=1))])
    assert failed[0].get("failed"), failed[0]
    assert "gave up after 4 attempts" in failed[0]["msg"] and "503" in failed[0]["msg"], failed[0]["msg"]
    assert len(token_calls(emulator.requests())) == 4
    assert partner_center(emulator.requests()) == []


def test_a_429_pauses_every_parallel_write_of_the_bulk_module(emulator, run_playbook, tmp_path):
    """Bounded concurrency that honours Retry-After: once one of the 4 parallel creates is throttled for 2 s,
    no create starts before the 2 s are over (only those already on the wire arrive), and all 40 users exist.

    Every other create takes 0.15 s, so that threads which ignored the pause would keep creating through it."""
    emulator.add_fault(kind="status", status=429, retry_after=2, method="POST", path=USERS_PATH % NORTHWIND)
    emulator.add_fault(kind="delay", seconds=0.15, method="POST", path=USERS_PATH % NORTHWIND, count=100)
    emulator.store.add_customer(NORTHWIND, ["northwind.onmicrosoft.com"])
    users = [user_args(NORTHWIND, "user%02d@northwind.onmicrosoft.com" % number) for number in range(40)]
    for user in users:
        del user["customer_id"]
    results, _marks = run_steps(run_playbook, tmp_path / "throttled", [
        step("create 40 users, 4 at a time", USERS, dict(customer_id=NORTHWIND, users=users, concurrency=4))])
    assert results[0]["changed"] and not results[0].get("failed"), results[0]
    assert emulator.store.count(NORTHWIND, state="active") == 40

    posts = by_method(emulator.requests(), "POST")
    throttled = [p for p in posts if p["status"] == 429]
    assert len(throttled) == 1, posts
    # creates already on the wire when the 429 came back may still arrive just after it
    pause_from, pause_to = throttled[0]["time"] + 0.5, throttled[0]["time"] + 2.0
    assert [p for p in posts if pause_from < p["time"] < pause_to] == [], posts
    assert len([p for p in posts if p["status"] == 201]) == 40
