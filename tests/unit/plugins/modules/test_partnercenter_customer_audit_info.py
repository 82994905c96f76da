# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.module_utils.version import COLLECTION_VERSION
from ansible_collections.partnercenter.csp.plugins.modules import partnercenter_customer_audit_info as module
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import api_user

PASSWORD = "Correct-Horse-7"


def test_outside_check_mode_the_audit_writes_nothing_and_never_returns_a_password(run_module):
    existing = api_user("bob@contoso.onmicrosoft.com", displayName="Bob")
    run_module.api.users[existing["id"]] = existing
    users = [dict(user_principal_name="ada@contoso.onmicrosoft.com", display_name="Ada", usage_location="US", password=PASSWORD,
                  licenses=dict(add=["SPE_E3"])),
             dict(user_principal_name="bob@contoso.onmicrosoft.com", display_name="Robert", update_password="always", password=PASSWORD)]
    result, out = run_module(module, check_mode=False, diff=True, users=users, list_unmanaged=True)
    assert result["changed"] is False and result["collection_version"] == COLLECTION_VERSION
    audit = result["audit"]
    assert audit["status"] == "drifted"
    assert [(entry["user_principal_name"], entry["action"]) for entry in audit["drift"]] == [
        ("ada@contoso.onmicrosoft.com", "created"), ("bob@contoso.onmicrosoft.com", "updated")]
    assert audit["drift"][0]["licenses"] == {"add": ["SPE_E3"], "remove": []}
    assert audit["drift"][1]["password_reset"] is True
    assert audit["unmanaged_users"] == 0 and audit["unmanaged_user_names"] == []
    assert run_module.api.writes == [] and run_module.licenses.writes == [] and run_module.roles.writes == []
    assert PASSWORD not in out


def test_bad_options_are_refused_before_any_call(run_module):
    for args, word in ((dict(concurrency=0), "concurrency"), (dict(min_available_seats=-1), "min_available_seats"),
                       (dict(users=[dict(user_principal_name="a@contoso.onmicrosoft.com", usage_location="USA")]), "usage_location")):
        result, _out = run_module(module, **args)
        assert result["failed"] is True and word in result["msg"], result
    assert run_module.api.calls == [] and run_module.licenses.calls == [] and run_module.roles.calls == []


def test_a_customer_that_cannot_be_read_fails_with_the_service_error(run_module):
    def refuse():
        raise PartnerCenterError("GET users failed: HTTP 403", status=403, code=900308, description="needs a GDAP role")
    run_module.api.list_active = refuse
    result, _out = run_module(module, users=[])
    assert result["failed"] is True and result["status"] == 403 and "403" in result["msg"]
