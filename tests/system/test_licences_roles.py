# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""licenses and directory_roles end to end: what is refused is refused before the first write, with a message that
names the cause (an unknown SKU or role with what the tenant has, too few seats with the SKU, the seats needed and
available, a user without a usage location, set with add or remove); a write refused after the user's own POST
committed leaves a result that says so, and a re-run finishes the job; a GDAP relationship without Privileged Role
Administrator fails the role write, naming that role, and reports what was done before.

Each test is one ansible-playbook run of several steps (tests/system/steps_playbook.py), held against the emulator's
request log (``committed``: the writes the store executed) and store.
"""

from __future__ import absolute_import, division, print_function

import json
import re

from partnercenter_emulator import catalog
from steps_playbook import USER, USERS, outcome, partner_center, read_results, step, step_requests, write_playbook, writes

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
# A customer added by the tests whose tenant has every default role but Global Reader ("not activated").
NORTHWIND = "6b7d1e0a-0c5e-4d8e-9d51-3f2f4f6a7b10"
PASSWORD = "Initial-Passw0rd!"
FAST = dict(retries=2, retry_max_delay=2)
DANIEL = "Daniel@dtdemocspcustomer005.onmicrosoft.com"
JADE = "testuser@contoso.onmicrosoft.com"
# The recorded tenant admin, who has no usage location.
ADMIN = "admin@dtdemocspcustomer005.onmicrosoft.com"
SPE_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
VISIO = {"productSku": {"id": "c5928f49-12ba-48f7-ada3-0d743a3601d5", "name": "Visio Plan 2", "skuPartNumber": "VISIOCLIENT"},
         "totalUnits": 2}
CONTOSO_PART_NUMBERS = ["CFQ7TTC0K5DR/0002", "EMS", "O365_BUSINESS_PREMIUM", "SPE_E3", "VISIOCLIENT"]
ROLE_NAMES = [name for name, _role_id in catalog.DEFAULT_DIRECTORY_ROLES]
LICENCE_UPDATES = r"/users/[^/]+/licenseupdates$"
PC_403 = {"code": 900308, "description": "Insufficient privileges to complete the operation.", "data": [], "source": "PartnerFD"}
PC_60012 = {"code": 60012, "description": "We&#39;re sorry, it looks like you've run out of licenses. Buy more licenses, and then "
                                          "try again.", "data": [], "source": "PartnerFD"}


def new_user(upn, **extra):
    user = dict(user_principal_name=upn, display_name=upn.split("@")[0].title(), usage_location="SE", password=PASSWORD)
    user.update(extra)
    return user


def run_steps(run_playbook, directory, steps, env=None):
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps), env=env)
    assert completed.returncode == 0, outcome(completed)
    results, marks = read_results(directory)
    return results, marks


def committed(entries, path=None):
    return [e for e in writes(entries) if e.get("committed") and (path is None or re.search(path, e["path"]))]


def operations(result):
    return [write["operation"] for write in result.get("writes", [])]


def lacking(message, words):
    return [word for word in words if word not in message]


def test_refusals_name_the_cause_and_nothing_is_written(emulator, run_playbook, tmp_path):
    """Every refusal of issue 10, for the single-user and the bulk module, in one run: the run writes nothing at all,
    and set together with add or remove is refused before any request (not even a token)."""
    store = emulator.store
    store.add_subscribed_sku(CONTOSO, VISIO)
    store.add_users(CONTOSO, [dict(userPrincipalName="ems%d@contoso.onmicrosoft.com" % n, displayName="EMS %d" % n,
                                   usageLocation="US", licenses=["EMS"]) for n in range(5)])   # every EMS seat taken
    store.add_customer(NORTHWIND, ["northwind.onmicrosoft.com"],
                       directory_roles=[role for role in catalog.default_directory_roles() if role["id"] != GLOBAL_READER])
    store.add_users(NORTHWIND, [{"userPrincipalName": "nancy@northwind.onmicrosoft.com", "displayName": "Nancy", "usageLocation": "US"}])
    users_before = dict((cid, store.admin_users(cid)) for cid in (CONTOSO, NORTHWIND))
    visio_trio = [new_user("visio%d@contoso.onmicrosoft.com" % n, licenses=dict(add=["VISIOCLIENT"])) for n in range(3)]
    northwind_roles = [name for name in ROLE_NAMES if name != "Global Reader"]

    # (name, module, args, keywords, words the message must contain, zero requests at all)
    cases = [
        ("unknown SKU", USER, dict(customer_id=CONTOSO, user_principal_name=DANIEL, licenses=dict(add=["VISIO_PLAN2"])), {},
         ["licenses.add", "VISIO_PLAN2"] + CONTOSO_PART_NUMBERS, False),
        ("bulk: unknown SKU of users[1], next to a user to create", USERS, dict(customer_id=CONTOSO, users=[
            new_user("first@contoso.onmicrosoft.com", licenses=dict(add=["SPE_E3"])),
            dict(user_principal_name=JADE, licenses=dict(set=["SPE_E3", "spe_e5"]))]), {},
         ["users[1].licenses.set", "spe_e5"] + CONTOSO_PART_NUMBERS, False),
        ("not enough seats", USER, dict(customer_id=CONTOSO, user_principal_name=DANIEL, licenses=dict(add=["ems"])), {},
         ["not enough seats", "EMS", "1 user", "0 are available", "nothing was written"], False),
        ("bulk: three new users, two seats", USERS, dict(customer_id=CONTOSO, users=visio_trio), {},
         ["not enough seats", "VISIOCLIENT", "3 users", "2 are available", "nothing was written"], False),
        ("unknown role", USER, dict(customer_id=CONTOSO, user_principal_name=DANIEL, directory_roles=dict(add=["Exchange Administrator"])),
         {}, ["directory_roles.add", "Exchange Administrator"] + ROLE_NAMES, False),
        ("role not activated, by name", USER, dict(customer_id=NORTHWIND, user_principal_name="nancy@northwind.onmicrosoft.com",
                                                   directory_roles=dict(add=["global reader"])), {},
         ["global reader", "activated"] + northwind_roles, False),
        ("bulk: role not activated, by id", USERS, dict(customer_id=NORTHWIND, users=[
            dict(user_principal_name="nancy@northwind.onmicrosoft.com", directory_roles=dict(set=[GLOBAL_READER]))]), {},
         ["users[0].directory_roles.set", GLOBAL_READER, "activated"] + northwind_roles, False),
        ("licence for a user without usage location", USER,
         dict(customer_id=CONTOSO, user_principal_name=ADMIN, licenses=dict(add=["SPE_E3"])), {},
         [ADMIN, "usage location", "usage_location"], False),
        ("bulk: licence for a user without usage location", USERS, dict(customer_id=CONTOSO, users=[
            dict(user_principal_name=DANIEL, display_name="Must Not Be Written"),
            dict(user_principal_name=ADMIN, licenses=dict(set=["SPE_E3"]))]), {},
         ["users[1]", ADMIN, "usage location", "usage_location"], False),
        ("licences: set with add", USER, dict(customer_id=CONTOSO, user_principal_name=DANIEL,
                                              licenses={"set": ["SPE_E3"], "add": ["EMS"]}), {},
         ["licenses", "set cannot be combined with add or remove"], True),
        ("directory_roles: set with remove", USER, dict(customer_id=CONTOSO, user_principal_name=DANIEL,
                                                        directory_roles={"set": [], "remove": ["User Administrator"]}), {},
         ["directory_roles", "set cannot be combined with add or remove"], True),
        ("bulk: set with remove in users[1]", USERS, dict(customer_id=CONTOSO, users=[
            new_user("second@contoso.onmicrosoft.com"),
            dict(user_principal_name=DANIEL, licenses={"set": [], "remove": ["EMS"]})]), {},
         ["users[1].licenses", "set cannot be combined with add or remove"], True),
    ]
    allowed = [
        # one of the three alone fits: the bulk module sums the adds of all items before refusing
        ("bulk: one of the three new users alone (check mode)", USERS, dict(customer_id=CONTOSO, users=visio_trio[:1]),
         dict(check_mode=True)),
        # the same licence as the refused one, when the task sets the usage location
        ("licence for a user the task gives a usage location (check mode)", USER,
         dict(customer_id=CONTOSO, user_principal_name=ADMIN, usage_location="US", licenses=dict(add=["SPE_E3"])), dict(check_mode=True)),
    ]
    steps = [step(name, module, args, **keywords) for name, module, args, keywords, _words, _none in cases]
    steps += [step(name, module, args, **keywords) for name, module, args, keywords in allowed]
    results, marks = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()

    problems = []
    for index, (name, _module, _args, _keywords, words, no_request) in enumerate(cases):
        result = results[index]
        message = result.get("msg") or ""
        if not result.get("failed"):
            problems.append("%s: not refused: %r" % (name, result))
        elif lacking(message, words):
            problems.append("%s: the message lacks %r: %s" % (name, lacking(message, words), message))
        if result.get("changed"):
            problems.append("%s: changed: %r" % (name, result))
        if no_request and step_requests(log, marks, index):
            problems.append("%s: requests before the refusal: %s" % (name, [
                "%s %s %s" % (e["service"], e["method"], e["path"]) for e in step_requests(log, marks, index)]))
    assert not problems, "\n".join(problems)

    # the role that is not activated is named once, in the option, and is not among what the tenant has
    for index in (5, 6):
        assert results[index]["msg"].lower().count("global reader") == (1 if index == 5 else 0), results[index]["msg"]
    for offset, (name, _module, _args, _keywords) in enumerate(allowed):
        result = results[len(cases) + offset]
        assert not result.get("failed") and result["changed"], (name, result)
    assert results[len(cases)]["results"][0]["writes"][1] == {
        "operation": "update_licenses", "license_group": "group1", "assigned": ["VISIOCLIENT"], "removed": []}

    assert writes(log) == [], "the run wrote nothing: %s" % ["%s %s" % (e["method"], e["path"]) for e in writes(log)]
    assert committed(log) == []
    assert dict((cid, store.admin_users(cid)) for cid in (CONTOSO, NORTHWIND)) == users_before
    assert PASSWORD not in json.dumps(results)


def test_a_licence_update_refused_after_the_users_post_committed_is_reported_and_a_rerun_finishes_the_job(
        emulator, run_playbook, tmp_path):
    """The user's POST commits, its licence update is refused (400 60012 for the single module, 403 for the bulk
    module): the task fails with changed, the writes say [create], the bulk item is failed and also created; a re-run
    without the fault writes only the licence update."""
    emulator.add_fault(kind="status", status=400, method="POST", path=LICENCE_UPDATES, body=PC_60012)
    emulator.add_fault(kind="status", status=403, method="POST", path=LICENCE_UPDATES, body=PC_403)
    single = dict(customer_id=CONTOSO, licenses=dict(add=["SPE_E3"]), **dict(new_user("single@contoso.onmicrosoft.com"), **FAST))
    bulk_users = [new_user("bulk%d@contoso.onmicrosoft.com" % n, licenses=dict(add=["EMS"])) for n in range(2)]
    # concurrency 1: the items are converged in order, so the first licence update is the one refused
    bulk = dict(customer_id=CONTOSO, users=bulk_users, concurrency=1, **FAST)
    steps = [
        step("single: created, licence update refused", USER, single),
        step("bulk: both created, the first one's licence update refused", USERS, bulk),
        step("single: re-run without the fault", USER, single),
        step("bulk: re-run without the fault", USERS, bulk),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "run", steps)
    log = emulator.requests()
    store = emulator.store

    first = results[0]
    assert first["failed"] and first["changed"] is True, first
    assert first["action"] == "failed" and first["writes"] == [{"operation": "create"}], first
    assert first["status"] == 400 and first["error_code"] == 60012, first
    assert first["user"]["licenses"] == [], "the licence update was refused: the user holds none"
    assert "single@contoso.onmicrosoft.com: create was written before this failed" in first["msg"], first["msg"]
    created = store.find_user(CONTOSO, upn="single@contoso.onmicrosoft.com")
    assert first["user"]["id"] == created["id"] and first["user"]["state"] == "active"
    step_log = step_requests(log, marks, 0)
    assert [(e["method"], e["committed"]) for e in writes(step_log)] == [("POST", True), ("POST", False)], writes(step_log)
    assert [e["status"] for e in partner_center(step_log) if re.search(LICENCE_UPDATES, e["path"])] == [400], "not retried"

    batch = results[1]
    assert batch["failed"] and batch["changed"] is True, batch
    item0, item1 = batch["results"]
    assert item0["action"] == "failed" and item0["changed"] is True and operations(item0) == ["create"], item0
    assert "403" in item0["msg"], item0
    assert item1["action"] == "created" and operations(item1) == ["create", "update_licenses"], item1
    assert batch["summary"]["failed"] == ["bulk0@contoso.onmicrosoft.com"]
    assert batch["summary"]["created"] == ["bulk0@contoso.onmicrosoft.com", "bulk1@contoso.onmicrosoft.com"]
    assert "bulk0@contoso.onmicrosoft.com" in batch["msg"] and "1 of 2 users failed" in batch["msg"], batch["msg"]
    assert len(committed(step_requests(log, marks, 1), r"/users$")) == 2
    assert len(committed(step_requests(log, marks, 1), LICENCE_UPDATES)) == 1

    rerun = results[2]
    assert not rerun.get("failed") and rerun["changed"] is True and rerun["action"] == "updated", rerun
    assert rerun["writes"] == [{"operation": "update_licenses", "license_group": "group1", "assigned": ["SPE_E3"], "removed": []}]
    assert rerun["user"]["licenses"] == ["SPE_E3"]
    assert [e["path"] for e in committed(step_requests(log, marks, 2))] == [
        "/v1/customers/%s/users/%s/licenseupdates" % (CONTOSO, created["id"])]

    bulk_rerun = results[3]
    assert not bulk_rerun.get("failed") and bulk_rerun["changed"] is True, bulk_rerun
    assert [r["action"] for r in bulk_rerun["results"]] == ["updated", "unchanged"]
    assert operations(bulk_rerun["results"][0]) == ["update_licenses"]
    assert len(committed(step_requests(log, marks, 3))) == 1
    assert len(committed(step_requests(log, marks, 3), LICENCE_UPDATES)) == 1

    for upn, sku in (("single@contoso.onmicrosoft.com", SPE_E3), ("bulk0@contoso.onmicrosoft.com", EMS), ("bulk1@contoso.onmicrosoft.com", EMS)):
        assert store.user_licenses(CONTOSO, upn) == [sku], upn
    assert PASSWORD not in json.dumps(results)


def test_gdap_without_privileged_role_administrator_fails_the_role_write_naming_the_role(emulator, run_playbook, tmp_path):
    """The no_role_admin refresh token (User Administrator, Directory Readers, Privileged Authentication Administrator):
    creating the user and its licence succeed, adding the role is a 403 whose message names Privileged Role
    Administrator; the result reports what was written."""
    env = {"PARTNERCENTER_REFRESH_TOKEN": emulator.settings["refresh_tokens"]["no_role_admin"]}
    upn = "no.role@contoso.onmicrosoft.com"
    steps = [
        step("single: create, licence, role refused", USER, dict(customer_id=CONTOSO, **dict(new_user(
            upn, licenses=dict(add=["SPE_E3"]), directory_roles=dict(add=["User Administrator"])), **FAST))),
        step("bulk: licence and role for one user, licence for another", USERS, dict(customer_id=CONTOSO, users=[
            dict(user_principal_name=DANIEL, licenses=dict(add=["EMS"]), directory_roles=dict(add=["Helpdesk Administrator"])),
            dict(user_principal_name=JADE, licenses=dict(add=["EMS"]))], **FAST)),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "run", steps, env=env)
    log = emulator.requests()
    store = emulator.store

    single = results[0]
    assert single["failed"] and single["changed"] is True and single["action"] == "failed", single
    assert operations(single) == ["create", "update_licenses"], single
    assert single["status"] == 403 and single["error_code"] == 900308, single
    assert "Privileged Role Administrator" in single["msg"], single["msg"]
    assert "%s: create; update licenses (group1) were written before this failed" % upn in single["msg"], single["msg"]
    assert single["user"]["licenses"] == ["SPE_E3"] and single["user"]["directory_roles"] == [], single["user"]
    step_log = step_requests(log, marks, 0)
    assert [re.sub(r"[0-9a-f-]{36}", "ID", e["path"]) for e in committed(step_log)] == [
        "/v1/customers/ID/users", "/v1/customers/ID/users/ID/licenseupdates"]
    refused = [e for e in writes(step_log) if not e["committed"]]
    assert [(e["method"], e["status"]) for e in refused] == [("POST", 403)] and refused[0]["path"].endswith("/usermembers"), refused
    user = store.find_user(CONTOSO, upn=upn)
    assert store.user_licenses(CONTOSO, upn) == [SPE_E3] and store.user_roles(CONTOSO, upn) == []
    assert single["user"]["id"] == user["id"]

    batch = results[1]
    assert batch["failed"] and batch["changed"] is True, batch
    daniel, jade = batch["results"]
    assert daniel["action"] == "failed" and daniel["changed"] and operations(daniel) == ["update_licenses"], daniel
    assert "Privileged Role Administrator" in daniel["msg"] and "update licenses (group1) was written before this failed" in daniel["msg"], daniel
    assert jade["action"] == "updated" and operations(jade) == ["update_licenses"], jade
    assert batch["summary"]["failed"] == [DANIEL] and batch["summary"]["updated"] == [DANIEL, JADE], batch["summary"]
    assert len(committed(step_requests(log, marks, 1), LICENCE_UPDATES)) == 2
    assert [e for e in committed(step_requests(log, marks, 1)) if "directoryroles" in e["path"]] == []
    assert store.user_licenses(CONTOSO, DANIEL) == [EMS] and store.user_roles(CONTOSO, DANIEL) == []
