# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Results that say what the task did, under every fault: changed, failed, action, writes and the summaries
against the emulator's request log (committed writes) and store.

Each test is one ansible-playbook run of several steps (tests/system/steps_playbook.py), faults injected with the
emulator's fault rules; configure(replay_dedup=False) plays the service that does not deduplicate a retried
MS-RequestId.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re

from steps_playbook import (
    USER,
    USERS,
    add_fault_step,
    outcome,
    partner_center,
    read_results,
    step,
    step_requests,
    write_playbook,
    writes,
)

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
FABRIKAM = "a4e199fb-4c63-4e1c-a074-39f3c0599a51"
PASSWORD = "Initial-Passw0rd!"
# Every character JSON escapes that Entra ID takes: the JSON-escaped form is what masking misses.
TRICKY_PASSWORD = 'Pa"ss\\word1-Qz'
USERS_PATH = r"^/v1/customers/%s/users$"
USER_PATH = r"^/v1/customers/%s/users/[^/]+$"
FAST = dict(retries=3, retry_max_delay=2)
PC_403 = {"code": 900308, "description": "Insufficient privileges to complete the operation.", "data": [], "source": "PartnerFD"}
PC_404 = {"code": 60002, "description": "User object Id is not found", "data": [], "source": "PartnerFD"}


def new_user(customer, upn, **extra):
    args = dict(customer_id=customer, user_principal_name=upn, display_name=upn.split("@")[0].title(), usage_location="SE",
                password=PASSWORD)
    args.update(FAST)
    args.update(extra)
    return args


def run_steps(run_playbook, directory, steps, expect_rc=0, extra_args=()):
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps), extra_args=extra_args)
    assert completed.returncode == expect_rc, outcome(completed)
    results, marks = read_results(directory)
    return results, marks, completed


def committed(entries, method=None, path=None):
    return [e for e in writes(entries) if e.get("committed") and (method is None or e["method"] == method)
            and (path is None or re.search(path, e["path"]))]


def operations(result):
    return [write["operation"] for write in result.get("writes", [])]


def deleted_user_id(emulator):
    deleted = [u for u in emulator.store.admin_users(CONTOSO) if u["state"] == "inactive"]
    assert len(deleted) == 1
    return deleted[0]["id"], deleted[0]["userPrincipalName"]


def test_writes_before_a_failure_are_reported_by_both_modules(emulator, run_playbook, tmp_path):
    """A soft-deleted user, a new display_name and update_password: always, with a 403 on /resetpassword: the restore and
    the update are made and reported, the task fails with changed, the bulk item says what was written."""
    user_id, upn = deleted_user_id(emulator)
    emulator.add_fault(kind="status", status=403, method="PATCH", path=r"/resetpassword$", body=PC_403, count=2)
    item = dict(user_principal_name=upn, display_name="Restored Name", password=PASSWORD, update_password="always")
    steps = [
        step("single module: restore, rename, reset refused", USER, dict(customer_id=CONTOSO, **dict(item, **FAST))),
        step("delete it again", USER, dict(customer_id=CONTOSO, user_principal_name=upn, state="absent")),
        step("bulk module: the same", USERS, dict(customer_id=CONTOSO, users=[dict(item, display_name="Bulk Name")])),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()

    single = results[0]
    assert single["failed"] and single["changed"] is True, single
    assert single["action"] == "failed" and operations(single) == ["restore", "update"], single
    assert single["user"]["state"] == "active" and single["user"]["display_name"] == "Restored Name"
    assert "restore; update (display_name) were written before this failed" in single["msg"] and "HTTP 403" in single["msg"]
    assert single["status"] == 403 and single["error_code"] == 900308
    assert [e["path"].endswith(user_id) for e in committed(step_requests(log, marks, 0))] == [True, True]

    bulk = results[2]
    assert bulk["failed"] and bulk["changed"] is True, bulk
    entry = bulk["results"][0]
    assert entry["action"] == "failed" and entry["changed"] and operations(entry) == ["restore", "update"]
    assert entry["user_principal_name"] == upn
    assert bulk["summary"]["failed"] == bulk["summary"]["restored"] == bulk["summary"]["updated"] == [upn]
    assert len(committed(step_requests(log, marks, 2), "PATCH")) == 2
    assert PASSWORD not in json.dumps(results)


def test_the_role_summary_and_set_stats_count_the_restore_of_a_user_that_then_failed(emulator, run_playbook, tmp_path):
    _user_id, upn = deleted_user_id(emulator)
    emulator.add_fault(kind="status", status=403, method="PATCH", path=r"/resetpassword$", body=PC_403)
    variables = tmp_path / "users.json"
    variables.write_text(json.dumps({"partnercenter_customer_id": CONTOSO, "partnercenter_users": [
        {"user_principal_name": upn, "display_name": "Back Again", "password": PASSWORD, "update_password": "always"}]}))
    result = run_playbook("playbooks/onboard_users.yml", env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"},
                          extra_args=["-e", "@" + str(variables)])
    assert result.returncode == 2, result.stdout + result.stderr
    start = result.stdout.rindex('"tenant_onboarding_summary": {')
    summary, _end = json.JSONDecoder().raw_decode(result.stdout, start + len('"tenant_onboarding_summary": '))
    assert summary["changed"] is True and summary["failed"] is True
    assert summary["restored"] == [upn] and summary["failed_users"] == [upn]
    assert summary["counts"]["restored"] == 1 and summary["counts"]["failed"] == 1
    stats = result.stdout[result.stdout.index("CUSTOM STATS"):]
    assert upn in stats and '"restored"' in stats, stats
    assert PASSWORD not in result.stdout


def test_a_create_whose_answer_was_lost_is_a_create_with_and_without_replay(emulator, run_playbook, tmp_path):
    """The POST commits and its answer is lost. With the service's deduplication the retry gets the stored 201; without
    it the retry is answered 400 "already exists", the re-read finds the user, and the task still says created."""
    emulator.add_fault(kind="drop_after_commit", method="POST", path=USERS_PATH % FABRIKAM)
    replayed_steps = [step("create, answer lost, replayed", USER, new_user(FABRIKAM, "replayed@fabrikam.onmicrosoft.com"))]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "replay", replayed_steps)
    replayed = results[0]
    assert replayed["changed"] is True and replayed["action"] == "created" and operations(replayed) == ["create"]
    posts = [e for e in partner_center(step_requests(emulator.requests(), marks, 0)) if e["method"] == "POST"]
    assert [(p["status"], p["replayed"], p["committed"]) for p in posts] == [(201, False, True), (201, True, False)], posts

    emulator.clear_requests()
    emulator.configure(replay_dedup=False)
    emulator.add_fault(kind="drop_after_commit", method="POST", path=USERS_PATH % FABRIKAM, count=3)
    bulk_users = [dict(user_principal_name="bulk%d@fabrikam.onmicrosoft.com" % n, display_name="Bulk %d" % n,
                       usage_location="SE", password=PASSWORD) for n in range(2)]
    steps = [
        step("create, answer lost, not deduplicated", USER, new_user(FABRIKAM, "duplicated@fabrikam.onmicrosoft.com")),
        step("bulk: two creates, answers lost, not deduplicated", USERS, dict(customer_id=FABRIKAM, users=bulk_users, **FAST)),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "no-replay", steps)
    for result in (results[0], results[1]["results"][0], results[1]["results"][1]):
        assert result["changed"] is True and result["action"] == "created", result
        assert result["writes"] == [{"operation": "create"}], "certain: the re-read found the task's own user"
    assert results[1]["summary"]["created"] == ["bulk0@fabrikam.onmicrosoft.com", "bulk1@fabrikam.onmicrosoft.com"]
    posts = [e for e in partner_center(emulator.requests()) if e["method"] == "POST"]
    assert sorted((p["status"], p["committed"]) for p in posts) == [(201, True)] * 3 + [(400, False)] * 3, posts
    upns = [u["userPrincipalName"] for u in emulator.store.admin_users(FABRIKAM)]
    assert sorted(upns) == sorted(["replayed@fabrikam.onmicrosoft.com", "duplicated@fabrikam.onmicrosoft.com",
                                   "bulk0@fabrikam.onmicrosoft.com", "bulk1@fabrikam.onmicrosoft.com"]), "exactly one user each"


def test_a_delete_answered_404_is_nothing_done_unless_it_was_this_tasks_own(emulator, run_playbook, tmp_path):
    emulator.store.add_users(FABRIKAM, [{"userPrincipalName": "gone@fabrikam.onmicrosoft.com", "displayName": "Gone"},
                                        {"userPrincipalName": "lost@fabrikam.onmicrosoft.com", "displayName": "Lost"}])
    emulator.configure(replay_dedup=False)
    # The user went away between the read and the delete: the service answers 404 without anything to do.
    emulator.add_fault(kind="status", status=404, method="DELETE", path=USER_PATH % FABRIKAM, body=PC_404)
    # This task's delete commits, its answer is lost, the retry finds the user gone.
    emulator.add_fault(kind="drop_after_commit", method="DELETE", path=USER_PATH % FABRIKAM)
    steps = [
        step("delete, already gone", USER, dict(customer_id=FABRIKAM, user_principal_name="gone@fabrikam.onmicrosoft.com",
                                                state="absent", **FAST)),
        step("delete, answer lost", USER, dict(customer_id=FABRIKAM, user_principal_name="lost@fabrikam.onmicrosoft.com",
                                               state="absent", **FAST)),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()
    gone, lost = results
    assert not gone.get("failed") and gone["changed"] is False and gone["action"] == "unchanged" and gone["writes"] == [], gone
    assert committed(step_requests(log, marks, 0)) == []
    assert not lost.get("failed") and lost["changed"] is True and lost["action"] == "deleted", lost
    deletes = [e for e in partner_center(step_requests(log, marks, 1)) if e["method"] == "DELETE"]
    assert [(d["status"], d["committed"]) for d in deletes] == [(204, True), (404, False)], deletes
    assert len(set(d["request_id"] for d in deletes)) == 1


def test_a_write_answered_2xx_is_a_write_even_when_its_body_cannot_be_read(emulator, run_playbook, tmp_path):
    emulator.store.add_users(FABRIKAM, [{"userPrincipalName": "patched@fabrikam.onmicrosoft.com", "displayName": "Before",
                                         "usageLocation": "SE"}])
    emulator.add_fault(kind="truncate_after_commit", method="POST", path=USERS_PATH % FABRIKAM)
    emulator.add_fault(kind="garble_after_commit", method="PATCH", path=USER_PATH % FABRIKAM)
    steps = [
        step("create, answer cut short (it echoes the password)", USER,
             new_user(FABRIKAM, "cut@fabrikam.onmicrosoft.com", password=TRICKY_PASSWORD)),
        step("update, answer not JSON", USER, dict(customer_id=FABRIKAM, user_principal_name="patched@fabrikam.onmicrosoft.com",
                                                   display_name="After", **FAST)),
    ]
    results, marks, completed = run_steps(run_playbook, tmp_path / "run", steps, extra_args=["-vvvv", "--diff"])
    created, updated = results
    assert created["changed"] is True and created["action"] == "created" and not created.get("failed"), created
    user = emulator.store.find_user(FABRIKAM, upn="cut@fabrikam.onmicrosoft.com")
    assert created["user"]["id"] == user["id"], "read back for its id, since the answer could not be read"
    assert any("could not be read" in w and "the write was made" in w for w in created.get("warnings", [])), created
    assert updated["changed"] is True and updated["action"] == "updated" and not updated.get("failed"), updated
    assert updated["user"]["display_name"] == "After"
    assert emulator.store.find_user(FABRIKAM, upn="patched@fabrikam.onmicrosoft.com")["displayName"] == "After"
    output = completed.stdout + completed.stderr + json.dumps(results)
    for form in (TRICKY_PASSWORD, json.dumps(TRICKY_PASSWORD)[1:-1], json.dumps(json.dumps(TRICKY_PASSWORD))[1:-1], 'Pa\\"ss'):
        assert form not in output, form


def test_a_write_that_cannot_be_known_fails_with_changed_and_one_that_was_refused_does_not(emulator, run_playbook, tmp_path):
    emulator.store.add_users(FABRIKAM, [{"userPrincipalName": "doubt@fabrikam.onmicrosoft.com", "displayName": "Before"},
                                        {"userPrincipalName": "refused@fabrikam.onmicrosoft.com", "displayName": "Before"}])
    emulator.configure(replay_dedup=False)
    doubt_path = r"^/v1/customers/%s/users/%s$" % (FABRIKAM, emulator.store.find_user(FABRIKAM, upn="doubt@fabrikam.onmicrosoft.com")["id"])
    refused_path = r"^/v1/customers/%s/users/%s$" % (FABRIKAM, emulator.store.find_user(FABRIKAM, upn="refused@fabrikam.onmicrosoft.com")["id"])
    emulator.add_fault(kind="drop_after_commit", method="PATCH", path=doubt_path)
    emulator.add_fault(kind="status", status=500, method="PATCH", path=doubt_path, count=10)
    emulator.add_fault(kind="status", status=403, method="PATCH", path=refused_path, body=PC_403)
    emulator.add_fault(kind="status", status=503, method="PATCH", path=r"^/v1/customers/%s/users/[^/]+$" % FABRIKAM, count=10)
    steps = [
        step("update: answer lost, every retry fails", USER, dict(customer_id=FABRIKAM, user_principal_name="doubt@fabrikam.onmicrosoft.com",
                                                                  display_name="After", **FAST)),
        step("update: refused (403)", USER, dict(
            customer_id=FABRIKAM, user_principal_name="refused@fabrikam.onmicrosoft.com", display_name="After", **FAST)),
        step("update: every attempt answered 503, which may come after a commit", USER, dict(
            customer_id=FABRIKAM, user_principal_name="refused@fabrikam.onmicrosoft.com", display_name="After", **FAST)),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    doubt, refused, server_errors = results
    assert server_errors["failed"] and server_errors["changed"] is True, server_errors
    assert server_errors["writes"] == [{"operation": "update", "fields": ["display_name"], "uncertain": True}]
    assert "may have been applied" in server_errors["msg"] and "HTTP 503" in server_errors["msg"]
    assert doubt["failed"] and doubt["changed"] is True, doubt
    assert "may have been applied" in doubt["msg"]
    assert doubt["writes"] == [{"operation": "update", "fields": ["display_name"], "uncertain": True}]
    assert len(committed(step_requests(emulator.requests(), marks, 0))) == 1, "it was applied, as the message allowed"
    assert refused["failed"] and refused["changed"] is False and refused["writes"] == [], refused
    assert "may have been applied" not in refused["msg"]
    assert committed(step_requests(emulator.requests(), marks, 1)) == []


ROLE_MEMBERS_PATH = r"^/v1/customers/%s/directoryroles/[^/]+/usermembers$"


def test_a_write_committed_then_answered_with_a_server_error_is_reported(emulator, run_playbook, tmp_path):
    """Issue 15, section 3: a create answered 500 after the commit, then "already exists" on the retry, is this task's
    create; a delete answered 503 after the commit, then 404, is this task's delete; a role member add answered 408
    after the commit, then "already exists", is this task's add. The service here does not deduplicate the retry."""
    emulator.store.add_users(FABRIKAM, [{"userPrincipalName": "doomed@fabrikam.onmicrosoft.com", "displayName": "Doomed"},
                                        {"userPrincipalName": "promoted@fabrikam.onmicrosoft.com", "displayName": "Promoted"}])
    emulator.configure(replay_dedup=False)
    emulator.add_fault(kind="status_after_commit", status=500, method="POST", path=USERS_PATH % FABRIKAM)
    emulator.add_fault(kind="status_after_commit", status=503, method="DELETE", path=USER_PATH % FABRIKAM)
    emulator.add_fault(kind="status_after_commit", status=408, method="POST", path=ROLE_MEMBERS_PATH % FABRIKAM)
    steps = [
        step("create answered 500 after the commit", USER, new_user(FABRIKAM, "created500@fabrikam.onmicrosoft.com")),
        add_fault_step("the next create too", "{'kind': 'status_after_commit', 'status': 500, 'method': 'POST', 'path': '%s'}"
                       % (USERS_PATH % FABRIKAM)),
        step("bulk: the same", USERS, dict(customer_id=FABRIKAM, users=[dict(
            user_principal_name="bulk500@fabrikam.onmicrosoft.com", display_name="Bulk", usage_location="SE", password=PASSWORD)], **FAST)),
        step("delete answered 503 after the commit", USER, dict(customer_id=FABRIKAM, user_principal_name="doomed@fabrikam.onmicrosoft.com",
                                                                state="absent", **FAST)),
        step("role member add answered 408 after the commit", USER, dict(
            customer_id=FABRIKAM, user_principal_name="promoted@fabrikam.onmicrosoft.com", directory_roles=dict(add=["User Administrator"]),
            **FAST)),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()
    created, _fault, bulk, deleted, promoted = results
    for result in (created, bulk["results"][0]):
        assert not result.get("failed") and result["changed"] is True and result["action"] == "created", result
        assert result["writes"] == [{"operation": "create"}], result
    assert bulk["changed"] is True and bulk["summary"]["created"] == ["bulk500@fabrikam.onmicrosoft.com"], bulk
    for index in (0, 2):
        posts = [e for e in partner_center(step_requests(log, marks, index)) if e["method"] == "POST"]
        assert [(p["status"], p["committed"]) for p in posts] == [(500, True), (400, False)], posts
    assert not deleted.get("failed") and deleted["changed"] is True and deleted["action"] == "deleted", deleted
    assert deleted["writes"] == [{"operation": "delete"}]
    deletes = [e for e in partner_center(step_requests(log, marks, 3)) if e["method"] == "DELETE"]
    assert [(d["status"], d["committed"]) for d in deletes] == [(503, True), (404, False)], deletes
    assert not promoted.get("failed") and promoted["changed"] is True and promoted["action"] == "updated", promoted
    assert promoted["writes"] == [{"operation": "add_role", "role": "User Administrator"}], promoted
    assert promoted["user"]["directory_roles"] == ["User Administrator"]
    adds = [e for e in partner_center(step_requests(log, marks, 4)) if e["method"] == "POST"]
    assert [(a["status"], a["committed"]) for a in adds] == [(408, True), (400, False)], adds
    upns = [u["userPrincipalName"] for u in emulator.store.admin_users(FABRIKAM) if u["state"] == "active"]
    assert sorted(upns) == ["bulk500@fabrikam.onmicrosoft.com", "created500@fabrikam.onmicrosoft.com", "promoted@fabrikam.onmicrosoft.com"]


def test_the_same_user_twice_in_the_bulk_module_is_refused_before_any_write(emulator, run_playbook, tmp_path):
    existing = emulator.store.admin_users(CONTOSO)[0]
    steps = [step("an id and the upn of one user", USERS, dict(customer_id=CONTOSO, users=[
        dict(user_id=existing["id"], display_name="One"), dict(user_principal_name=existing["userPrincipalName"].upper(),
                                                               display_name="Two")]))]
    results, _marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    assert results[0]["failed"] and not results[0]["changed"]
    assert "users[0] and users[1] name the same user" in results[0]["msg"]
    assert writes(emulator.requests()) == []


def test_a_retry_after_longer_than_the_client_waits_fails_at_once_for_every_task_and_408_is_retried(
        emulator, run_playbook, tmp_path):
    """A Retry-After of 120 s with retry_max_delay 30: the call fails at once, and so does the next task on the same
    customer, which does not even send (the deadline is shared through throttle.json). With its own token cache (another
    machine), a create through a 408 is retried with the same MS-RequestId."""
    emulator.add_fault(kind="status", status=429, retry_after=120, method="POST", path=USERS_PATH % FABRIKAM)
    elsewhere = str(tmp_path / "other-machine" / "tokens.json")
    steps = [
        step("throttled for longer than retry_max_delay", USER, new_user(FABRIKAM, "later@fabrikam.onmicrosoft.com", retry_max_delay=30)),
        step("the next task on the same customer", USER, new_user(FABRIKAM, "next@fabrikam.onmicrosoft.com", retry_max_delay=30)),
        add_fault_step("a 408 on the next create", "{'kind': 'status', 'status': 408, 'method': 'POST', 'path': '%s'}"
                       % (USERS_PATH % CONTOSO)),
        step("create through a 408", USER, new_user(CONTOSO, "timeout@contoso.onmicrosoft.com", token_cache_path=elsewhere)),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()
    throttled = results[0]
    assert throttled["failed"] and throttled["changed"] is False
    assert "asked to wait 120 s" in throttled["msg"] and "retry_max_delay (PARTNERCENTER_RETRY_MAX_DELAY)" in throttled["msg"]
    posts = [e for e in partner_center(step_requests(log, marks, 0)) if e["method"] == "POST"]
    assert [p["status"] for p in posts] == [429], "no early retry while still throttled"
    assert marks[1] - marks[0] < 15, "it failed at once"
    following = results[1]
    assert following["failed"] and following["changed"] is False and "not sent" in following["msg"], following
    assert partner_center(step_requests(log, marks, 1)) == [], "nothing sent before the shared deadline"
    created = results[3]
    assert created["changed"] and created["action"] == "created" and not created.get("failed"), created
    posts = [e for e in partner_center(step_requests(log, marks, 3)) if e["method"] == "POST"]
    assert [p["status"] for p in posts] == [408, 201] and len(set(p["request_id"] for p in posts)) == 1


def test_a_retry_after_longer_than_the_client_waits_holds_back_only_that_customer(emulator, run_playbook, tmp_path):
    """Issue 15 section 4. Partner Center throttles some APIs per partner and customer pair: a Retry-After of 120 s on
    customer A (FABRIKAM) with retry_max_delay 30 fails that call at once and holds back A's later calls, in this run
    and the next (throttle.json), but a task on customer B (CONTOSO) goes out and succeeds, in both runs."""
    emulator.add_fault(kind="status", status=429, retry_after=120, method="POST", path=USERS_PATH % FABRIKAM)
    first = [
        step("A is throttled for longer than retry_max_delay", USER,
             new_user(FABRIKAM, "later@fabrikam.onmicrosoft.com", retry_max_delay=30)),
        step("B in the same run", USER, new_user(CONTOSO, "same-run@contoso.onmicrosoft.com", retry_max_delay=30)),
    ]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "first", first)
    assert results[0]["failed"] and "asked to wait 120 s" in results[0]["msg"], results[0]
    assert results[1]["changed"] and results[1]["action"] == "created" and not results[1].get("failed"), results[1]
    assert "calls on other customers go on" in results[0]["msg"]
    second = [
        step("B in a later run", USER, new_user(CONTOSO, "later-run@contoso.onmicrosoft.com", retry_max_delay=30)),
        step("A in a later run", USER, new_user(FABRIKAM, "again@fabrikam.onmicrosoft.com", retry_max_delay=30)),
    ]
    later, later_marks, _completed = run_steps(run_playbook, tmp_path / "second", second)
    assert later[0]["changed"] and later[0]["action"] == "created" and not later[0].get("failed"), later[0]
    refused = later[1]
    assert refused["failed"] and refused["changed"] is False and "not sent" in refused["msg"], refused
    assert re.search(r"calls on customer %s to wait \d+ s more, until \d\d:\d\d:\d\d UTC" % FABRIKAM, refused["msg"]), refused["msg"]
    log = emulator.requests()
    assert partner_center(step_requests(log, later_marks, 1)) == [], "nothing sent on A before its deadline"
    created = sorted(u["userPrincipalName"] for u in emulator.store.admin_users(CONTOSO)
                     if u["userPrincipalName"].endswith(("run@contoso.onmicrosoft.com")))
    assert created == ["later-run@contoso.onmicrosoft.com", "same-run@contoso.onmicrosoft.com"]
    assert not [u for u in emulator.store.admin_users(FABRIKAM) if u["userPrincipalName"].startswith(("later@", "again@"))]


def test_a_lookup_by_the_id_of_a_soft_deleted_user_reads_the_deleted_list_as_documented(emulator, run_playbook, tmp_path):
    user_id, _upn = deleted_user_id(emulator)
    steps = [step("check mode, restore by id", USER, dict(customer_id=CONTOSO, user_id=user_id), check_mode=True)]
    results, marks, _completed = run_steps(run_playbook, tmp_path / "run", steps)
    assert results[0]["action"] == "restored" and results[0]["changed"]
    reads = partner_center(step_requests(emulator.requests(), marks, 0))
    assert [(r["method"], r["status"], "filter" in r["query"]) for r in reads] == [("GET", 404, False), ("GET", 200, True)], reads
    assert os.path.basename(reads[0]["path"]) == user_id
