# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the service says is passed on (issue 15, section 5): each LicenseWarning in a licence update's answer
(licenseWarnings: code, message, servicePlans; Learn's license-resources) is a task warning of the single-user and the
bulk module, and is in the bulk module's item for that user. The emulator adds one with its license_warning fault.
"""

from __future__ import absolute_import, division, print_function

from steps_playbook import USER, USERS, add_fault_step, outcome, read_results, step, write_playbook

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
DANIEL = "Daniel@dtdemocspcustomer005.onmicrosoft.com"
DANIELS_UPDATES = "/users/a9ef48bb-8758-4590-a312-d4a47bfaded4/licenseupdates$"
WARNING = {"code": "DependentServicePlanMissing", "message": "Yammer was not enabled: it needs Exchange Online.",
           "servicePlans": ["YAMMER_ENTERPRISE"]}
EXPECTED = ("Partner Center warned about the group1 licence update of %s: DependentServicePlanMissing Yammer was not enabled: "
            "it needs Exchange Online. (service plans: YAMMER_ENTERPRISE)")
FAULT = "{'kind': 'license_warning', 'method': 'POST', 'path': '%s', 'warning': %r}" % (DANIELS_UPDATES, WARNING)


def test_licence_warnings_become_task_warnings_and_bulk_item_warnings(emulator, run_playbook, tmp_path):
    emulator.store.add_users(CONTOSO, [{"userPrincipalName": "quiet@contoso.onmicrosoft.com", "displayName": "Quiet",
                                        "usageLocation": "US"}])
    emulator.add_fault(kind="license_warning", method="POST", path=DANIELS_UPDATES, warning=WARNING)
    steps = [
        step("single: a licence update answered with a warning", USER, dict(
            customer_id=CONTOSO, user_principal_name=DANIEL, licenses=dict(add=["EMS"]))),
        add_fault_step("the next licence update warns too", FAULT),
        step("bulk: one user warned, one not", USERS, dict(customer_id=CONTOSO, users=[
            dict(user_principal_name="quiet@contoso.onmicrosoft.com", licenses=dict(add=["EMS"])),
            dict(user_principal_name=DANIEL, licenses=dict(add=["SPE_E3"]))], concurrency=1)),
    ]
    directory = tmp_path / "run"
    directory.mkdir()
    completed = run_playbook(write_playbook(directory, steps))
    assert completed.returncode == 0, outcome(completed)
    results, _marks = read_results(directory)
    single, _fault, bulk = results
    assert not single.get("failed") and single["changed"], single
    assert single["warnings"] == [EXPECTED % DANIEL], single.get("warnings")
    assert single["user"]["licenses"] == ["EMS"], "the update was made all the same"
    assert not bulk.get("failed") and bulk["changed"], bulk
    quiet, daniel = bulk["results"]
    assert "warnings" not in quiet, quiet
    assert daniel["warnings"] == [EXPECTED % DANIEL], daniel
    assert bulk["warnings"] == [EXPECTED % DANIEL], bulk.get("warnings")
    assert "[WARNING]: Partner Center warned about the group1 licence update" in completed.stderr + completed.stdout
