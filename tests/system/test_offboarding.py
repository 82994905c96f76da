# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offboarding that frees seats (issue 18 §2): state=absent with licenses set: [] (or remove) and directory_roles
likewise releases the licences, then the roles, then soft-deletes, so the customer's consumed seats drop at once.

Held against the emulator's control endpoint GET /_emulator/customers/{cid}/subscribedskus (the seats) and its
request log (the writes and their order). The emulator keeps a soft-deleted user's licences consumed by default (a
guess, tests/emulator/LEDGER.md "seats of a soft-deleted user"); the main test runs under that and under the other
behaviour (deleted_users_keep_licenses=False, a delete releases them).
"""

from __future__ import absolute_import, division, print_function

import json

import pytest
import requests

from steps_playbook import USER, USERS, outcome, partner_center, read_results, step, step_requests, write_playbook, writes

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
DOMAIN = "contoso.onmicrosoft.com"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
PC_403 = {"code": 900308, "description": "Insufficient privileges to complete the operation.", "data": [], "source": "PartnerFD"}
FAST = dict(customer_id=CONTOSO, retries=1, retry_max_delay=1)


def upn(name):
    return "%s@%s" % (name, DOMAIN)


def seed_leavers(emulator, licences):
    """Active users of Contoso holding the given SKU part numbers: {name: [part numbers]}; their ids by name."""
    emulator.store.add_users(CONTOSO, [dict(userPrincipalName=upn(name), displayName=name.title(), usageLocation="US",
                                            licenses=parts) for name, parts in licences.items()])
    return dict((name, emulator.store.find_user(CONTOSO, upn=upn(name))["id"]) for name in licences)


def consumed(emulator):
    """{SKU part number: consumed units}, read through the emulator's control endpoint."""
    answer = requests.get("%s/_emulator/customers/%s/subscribedskus" % (emulator.url, CONTOSO), verify=emulator.ca_path, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict((sku["productSku"]["skuPartNumber"], sku["consumedUnits"]) for sku in answer.json())


def run_steps(run_playbook, directory, steps):
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps))
    assert completed.returncode == 0, outcome(completed)
    return read_results(directory)


def committed(entries):
    return [(entry["method"], entry["path"]) for entry in writes(entries) if entry.get("committed")]


def operations(result):
    return [write["operation"] for write in result.get("writes", [])]


@pytest.mark.parametrize("keep_licenses", [True, False], ids=["deleted-users-keep-seats", "delete-releases-seats"])
def test_offboarding_releases_licences_then_roles_then_deletes_and_the_seats_come_back(emulator, run_playbook, tmp_path, keep_licenses):
    emulator.configure(deleted_users_keep_licenses=keep_licenses)
    ids = seed_leavers(emulator, {"leaver": ["SPE_E3", "EMS"], "bulk.leaver": ["SPE_E3"], "plain.leaver": ["SPE_E3"]})
    emulator.store.add_role_member(CONTOSO, USER_ADMIN, upn("leaver"))
    before = consumed(emulator)
    release_all = dict(FAST, user_principal_name=upn("leaver"), state="absent", licenses=dict(set=[]), directory_roles=dict(set=[]))
    steps = [
        step("absent with an addition", USER, dict(FAST, user_principal_name=upn("leaver"), state="absent", licenses=dict(add=["EMS"]))),
        step("offboard, check mode", USER, release_all, check_mode=True, diff=True),
        step("offboard", USER, release_all, diff=True),
        step("offboard in bulk", USERS, dict(FAST, users=[
            dict(user_principal_name=upn("bulk.leaver"), state="absent", licenses=dict(remove=["spe_e3"])),
            dict(user_principal_name=upn("plain.leaver"), state="absent")])),
        step("offboard again", USER, release_all),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "steps", steps)
    log = emulator.requests()
    refused, predicted, done, bulk, again = results

    assert refused["failed"] is True and "licenses.add cannot be used with state=absent" in refused["msg"]
    assert step_requests(log, marks, 0) == [], "refused before any request, not even a token"

    assert predicted["changed"] is True and predicted["action"] == "deleted"
    assert predicted["writes"] == [
        {"operation": "update_licenses", "license_group": "group1", "assigned": [], "removed": ["EMS", "SPE_E3"]},
        {"operation": "remove_role", "role": "User Administrator"}, {"operation": "delete"}]
    assert predicted["diff"]["before"]["licenses"] == ["EMS", "SPE_E3"] and predicted["diff"]["after"]["licenses"] == []
    assert predicted["diff"]["before"]["directory_roles"] == ["User Administrator"] and predicted["diff"]["after"]["directory_roles"] == []
    assert predicted["diff"]["after"]["state"] == "inactive"
    assert writes(step_requests(log, marks, 1)) == [], "check mode writes nothing"

    assert done["changed"] is True and done["action"] == "deleted" and operations(done) == operations(predicted)
    assert done["user"]["state"] == "inactive" and done["user"]["licenses"] == [] and done["user"]["directory_roles"] == []
    assert committed(step_requests(log, marks, 2)) == [
        ("POST", "/v1/customers/%s/users/%s/licenseupdates" % (CONTOSO, ids["leaver"])),
        ("DELETE", "/v1/customers/%s/directoryroles/%s/usermembers/%s" % (CONTOSO, USER_ADMIN, ids["leaver"])),
        ("DELETE", "/v1/customers/%s/users/%s" % (CONTOSO, ids["leaver"]))]

    assert bulk["changed"] is True and bulk["summary"]["deleted"] == [upn("bulk.leaver"), upn("plain.leaver")]
    assert bulk["seats_released"] == {"SPE_E3": 1}, "the plain delete releases nothing itself"
    assert [operations(item) for item in bulk["results"]] == [["update_licenses", "delete"], ["delete"]]

    assert again["changed"] is False and again["action"] == "unchanged" and writes(step_requests(log, marks, 4)) == []

    after = consumed(emulator)
    plain_delete = 0 if keep_licenses else 1
    assert before["SPE_E3"] - after["SPE_E3"] == 2 + plain_delete and before["EMS"] - after["EMS"] == 1
    assert emulator.store.user_licenses(CONTOSO, ids["plain.leaver"]) == (["05e9a617-0261-4cee-bb44-138d3ef5d965"] if keep_licenses else [])


def test_a_delete_that_fails_after_the_licence_release_is_reported_truthfully(emulator, run_playbook, tmp_path):
    ids = seed_leavers(emulator, {"leaver": ["SPE_E3"], "bulk.leaver": ["EMS"]})
    before = consumed(emulator)
    for name in ids:
        emulator.add_fault(kind="status", status=403, method="DELETE", path=r"/users/%s$" % ids[name], body=PC_403)
    steps = [
        step("offboard, the delete refused", USER, dict(FAST, user_principal_name=upn("leaver"), state="absent", licenses=dict(set=[]))),
        step("offboard in bulk, the delete refused", USERS, dict(FAST, users=[
            dict(user_principal_name=upn("bulk.leaver"), state="absent", licenses=dict(set=[]))])),
    ]
    results, marks = run_steps(run_playbook, tmp_path / "steps", steps)
    single, bulk = results

    assert single["failed"] is True and single["changed"] is True and single["action"] == "failed"
    assert single["writes"] == [{"operation": "update_licenses", "license_group": "group1", "assigned": [], "removed": ["SPE_E3"]}]
    assert "update licenses (group1) was written before this failed" in single["msg"] and "403" in single["msg"]
    assert single["user"]["state"] == "active" and single["user"]["licenses"] == []

    assert bulk["failed"] is True and bulk["changed"] is True
    assert bulk["summary"]["failed"] == bulk["summary"]["updated"] == [upn("bulk.leaver")] and bulk["summary"]["deleted"] == []
    assert bulk["seats_released"] == {"EMS": 1}
    assert [write["operation"] for write in bulk["results"][0]["writes"]] == ["update_licenses"]

    log = emulator.requests()
    for index, name in enumerate(("leaver", "bulk.leaver")):
        entries = partner_center(step_requests(log, marks, index))
        assert [entry["method"] for entry in writes(entries) if entry.get("committed")] == ["POST"], entries
        assert emulator.store.find_user(CONTOSO, upn=upn(name))["state"] == "active"
    after = consumed(emulator)
    assert before["SPE_E3"] - after["SPE_E3"] == 1 and before["EMS"] - after["EMS"] == 1


def stats_and_summary(completed):
    """(the last tenant_onboarding_summary shown, the CUSTOM STATS printed)."""
    stdout = completed.stdout
    start = stdout.rindex('"tenant_onboarding_summary": {')
    summary, _end = json.JSONDecoder().raw_decode(stdout, start + len('"tenant_onboarding_summary": '))
    brace = stdout.index("{", stdout.index("RUN:", stdout.index("CUSTOM STATS")))
    stats, _end = json.JSONDecoder().raw_decode(stdout, brace)
    return summary, stats


def test_the_role_releases_leavers_seats_and_counts_them_per_sku(emulator, run_playbook, tmp_path):
    ids = seed_leavers(emulator, {"leaver": ["SPE_E3", "EMS"], "admin.leaver": ["SPE_E3"], "kept.leaver": ["EMS"]})
    emulator.store.add_role_member(CONTOSO, USER_ADMIN, upn("admin.leaver"))
    variables = tmp_path / "users.json"
    variables.write_text(json.dumps({
        "partnercenter_customer_id": CONTOSO,
        # not given to leavers: with them, absent would be refused (add)
        "partnercenter_default_licenses": {"add": ["SPE_E3"]},
        "partnercenter_default_directory_roles": {"add": ["User Administrator"]},
        "partnercenter_users": [
            {"user_principal_name": upn("leaver"), "state": "absent"},
            {"user_principal_name": upn("admin.leaver"), "state": "absent", "directory_roles": {"set": []}},
            {"user_principal_name": upn("kept.leaver"), "state": "absent", "licenses": {"remove": []}},
        ]}))
    before = consumed(emulator)
    env = {"ANSIBLE_SHOW_CUSTOM_STATS": "1"}

    checked = run_playbook("playbooks/onboard_users.yml", env=env, extra_args=["-e", "@" + str(variables), "--check"])
    assert checked.returncode == 0, outcome(checked)
    summary, _stats = stats_and_summary(checked)
    assert summary["check_mode"] is True and summary["seats_released"] == {"EMS": 1, "SPE_E3": 2}
    assert writes(emulator.requests()) == [] and consumed(emulator) == before

    completed = run_playbook("playbooks/onboard_users.yml", env=env, extra_args=["-e", "@" + str(variables)])
    assert completed.returncode == 0, outcome(completed)
    summary, stats = stats_and_summary(completed)
    assert summary["seats_released"] == {"EMS": 1, "SPE_E3": 2}
    assert sorted(summary["deleted"]) == sorted(upn(name) for name in ids) and summary["counts"]["deleted"] == 3
    assert stats["tenant_onboarding_summary"]["seats_released"] == {"EMS": 1, "SPE_E3": 2}
    assert stats["tenant_onboarding_customers"][CONTOSO]["seats_released"] == {"EMS": 1, "SPE_E3": 2}
    after = consumed(emulator)
    assert before["SPE_E3"] - after["SPE_E3"] == 2 and before["EMS"] - after["EMS"] == 1, "kept.leaver keeps its seat"
    assert emulator.store.user_licenses(CONTOSO, ids["kept.leaver"]) == ["efccb6f7-5641-4e0e-bd10-b4976e1bf68e"]
    member_removals = [entry["path"] for entry in writes(emulator.requests()) if "/usermembers/" in entry["path"]]
    assert member_removals == ["/v1/customers/%s/directoryroles/%s/usermembers/%s" % (CONTOSO, USER_ADMIN, ids["admin.leaver"])]


def test_the_role_keeps_leavers_licences_when_told_to(emulator, run_playbook, tmp_path):
    ids = seed_leavers(emulator, {"leaver": ["SPE_E3"]})
    variables = tmp_path / "users.json"
    variables.write_text(json.dumps({"partnercenter_customer_id": CONTOSO, "partnercenter_offboard_release_licenses": False,
                                     "partnercenter_users": [{"user_principal_name": upn("leaver"), "state": "absent"}]}))
    before = consumed(emulator)
    completed = run_playbook("playbooks/onboard_users.yml", env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"},
                             extra_args=["-e", "@" + str(variables)])
    assert completed.returncode == 0, outcome(completed)
    summary, _stats = stats_and_summary(completed)
    assert summary["deleted"] == [upn("leaver")] and summary["seats_released"] == {}
    assert [entry["method"] for entry in writes(emulator.requests())] == ["DELETE"]
    assert consumed(emulator) == before and emulator.store.user_licenses(CONTOSO, ids["leaver"]) == ["05e9a617-0261-4cee-bb44-138d3ef5d965"]
