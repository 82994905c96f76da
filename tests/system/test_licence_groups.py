# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Licences of group2 (Minecraft Education, Store for Business products) end to end (issue 15, section 2).

Partner Center answers both licence reads, the subscribed SKUs and a user's licences, with group1 only unless
licenseGroupIds names the groups (Learn: "Check which licenses are assigned to a user"; the recording
GetCustomerSubscribedSkus.json holds group1 only), and so does the emulator. The collection names both groups, so a
group2 SKU is known, added, removed and seen by set, and partnercenter_customer_sku_info lists it.
"""

from __future__ import absolute_import, division, print_function

import re

from steps_playbook import USER, USERS, outcome, partner_center, read_results, step, step_requests, write_playbook, writes

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
SKU_INFO = "partnercenter.csp.partnercenter_customer_sku_info"
DANIEL = "Daniel@dtdemocspcustomer005.onmicrosoft.com"
MINECRAFT = "CFQ7TTC0K5DR/0002"
MINECRAFT_ID = "984df360-9a74-4647-8cf8-696749f6247a"
EMS_ID = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
BOTH_GROUPS = {"licenseGroupIds": ["Group1", "Group2"]}


def licences(upn, **change):
    return dict(customer_id=CONTOSO, user_principal_name=upn, licenses=change)


def bulk(upn, **change):
    return dict(customer_id=CONTOSO, users=[dict(user_principal_name=upn, licenses=change)])


def test_a_group2_licence_through_add_remove_set_and_sku_info(emulator, run_playbook, tmp_path):
    steps = [
        step("sku_info lists group2", SKU_INFO, dict(customer_id=CONTOSO)),
        step("add a group2 licence", USER, licences(DANIEL, add=[MINECRAFT])),
        step("bulk: add it again, held already", USERS, bulk(DANIEL, add=[MINECRAFT.lower()])),
        step("set to a group1 licence: the group2 one goes", USER, licences(DANIEL, set=["EMS"])),
        step("bulk: add the group2 licence back", USERS, bulk(DANIEL, add=[MINECRAFT_ID])),
        step("remove it", USER, licences(DANIEL, remove=[MINECRAFT])),
    ]
    directory = tmp_path / "run"
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps))
    assert completed.returncode == 0, outcome(completed)
    results, marks = read_results(directory)
    for index, result in enumerate(results):
        assert not result.get("failed"), (index, result.get("msg"))
    sku_info, added, held, set_, added_back, removed = results

    minecraft = [sku for sku in sku_info["skus"] if sku["sku_part_number"] == MINECRAFT]
    assert len(minecraft) == 1 and minecraft[0]["license_group_id"] == "group2", sku_info["skus"]

    assert added["changed"] and added["user"]["licenses"] == [MINECRAFT], added
    assert added["writes"] == [dict(operation="update_licenses", license_group="group2", assigned=[MINECRAFT], removed=[])]

    entry = held["results"][0]
    assert not held["changed"] and entry["action"] == "unchanged" and entry["writes"] == [], entry
    assert entry["user"]["licenses"] == [MINECRAFT]

    assert set_["changed"] and set_["user"]["licenses"] == ["EMS"], set_
    assert set_["writes"] == [dict(operation="update_licenses", license_group="group1", assigned=["EMS"], removed=[]),
                              dict(operation="update_licenses", license_group="group2", assigned=[], removed=[MINECRAFT])]

    assert added_back["changed"] and added_back["results"][0]["user"]["licenses"] == [MINECRAFT, "EMS"], added_back
    assert removed["changed"] and removed["user"]["licenses"] == ["EMS"], removed
    assert removed["writes"] == [dict(operation="update_licenses", license_group="group2", assigned=[], removed=[MINECRAFT])]

    assert sorted(emulator.store.user_licenses(CONTOSO, DANIEL)) == [EMS_ID]
    log = emulator.requests()
    updates = [e for e in writes(log) if e.get("committed") and re.search(r"/licenseupdates$", e["path"])]
    assert len(updates) == 5, [e["path"] for e in updates]
    # Every licence read names both groups: one request each, as before.
    reads = [e for e in partner_center(log) if e["method"] == "GET" and re.search(r"/(subscribedskus|licenses)$", e["path"])]
    assert reads and all(e["query"] == BOTH_GROUPS for e in reads), [(e["path"], e["query"]) for e in reads]
    assert len([e for e in partner_center(step_requests(log, marks, 0)) if e["method"] == "GET"]) == 1
