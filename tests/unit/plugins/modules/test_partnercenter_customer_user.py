# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.partnercenter.csp.plugins.module_utils import customers_api
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.modules import partnercenter_customer_user as module
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import api_user
from ansible_collections.partnercenter.csp.tests.unit.plugins.modules.conftest import CUSTOMER

PASSWORD = "Correct-Horse-7"
UPN = "ada@contoso.onmicrosoft.com"
NEW_USER = dict(user_principal_name=UPN, display_name="Ada Lovelace", usage_location="GB", password=PASSWORD)


def test_create_then_rerun_is_idempotent_and_never_shows_the_password(run_module):
    created, out = run_module(module, diff=True, **NEW_USER)
    assert created["changed"] is True
    assert created["user"]["user_principal_name"] == UPN
    assert created["diff"]["after"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER - changed"
    assert PASSWORD not in out
    again, out = run_module(module, diff=True, **NEW_USER)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert [call[0] for call in run_module.api.writes] == ["create"]


def test_check_mode_predicts_and_never_writes(run_module):
    result, _out = run_module(module, check_mode=True, diff=True, **NEW_USER)
    assert result["changed"] is True
    assert result["user"]["id"] is None
    assert run_module.api.writes == []


def test_diff_only_with_diff_mode(run_module):
    result, _out = run_module(module, **NEW_USER)
    assert "diff" not in result


def test_bad_input_fails_naming_the_option_before_any_call(run_module):
    result, _out = run_module(module, user_principal_name=UPN, usage_location="Germany")
    assert result["failed"] is True
    assert "usage_location" in result["msg"]
    assert run_module.api.calls == []


def test_service_errors_carry_status_code_and_ids_without_traceback(run_module):
    def refuse(body):
        raise PartnerCenterError("POST failed: HTTP 403, Partner Center error 900308", status=403, code=900308,
                                 description="Insufficient privileges", request_id="rid", correlation_id="cid",
                                 method="POST", url="https://api.partnercenter.microsoft.com/v1/customers/x/users")
    run_module.api.create = refuse
    result, out = run_module(module, **NEW_USER)
    assert result["failed"] is True
    assert result["status"] == 403 and result["error_code"] == 900308
    assert result["request_id"] == "rid" and result["correlation_id"] == "cid"
    assert "Traceback" not in out and PASSWORD not in out


def test_tenant_dependent_problem_reads_but_never_writes(run_module):
    result, _out = run_module(module, user_principal_name=UPN, display_name="Ada")
    assert result["failed"] is True
    assert "password" in result["msg"] and "usage_location" in result["msg"]
    assert run_module.api.calls and run_module.api.writes == []


def test_absent_then_present_restores(run_module):
    existing = api_user(UPN)
    run_module.api.users[existing["id"]] = existing
    deleted, _out = run_module(module, user_principal_name=UPN, state="absent")
    assert deleted["changed"] is True and deleted["user"]["state"] == "inactive"
    restored, _out = run_module(module, user_id=existing["id"])
    assert restored["changed"] is True and restored["user"]["state"] == "active"
    assert [call[0] for call in run_module.api.writes] == ["delete", "update"]


def test_customer_domain_is_resolved_once_and_refused_when_wrong(run_module, monkeypatch):
    asked = []

    def resolve(client, domain):
        asked.append(domain)
        if domain != "contoso.onmicrosoft.com":
            raise UserInputError("customer_domain %s is not the default domain of any customer of the partner" % domain)
        return dict(id=CUSTOMER)

    monkeypatch.setattr(customers_api, "resolve_customer_domain", resolve)
    args = dict(user_principal_name="ada@contoso.onmicrosoft.com", display_name="Ada", usage_location="GB", password=PASSWORD)
    result, _out = run_module(module, customer_id=None, customer_domain="contoso.onmicrosoft.com", **args)
    assert result["action"] == "created" and asked == ["contoso.onmicrosoft.com"]
    unknown, _out = run_module(module, customer_id=None, customer_domain="nowhere.onmicrosoft.com", **args)
    assert unknown["failed"] and "customer_domain nowhere.onmicrosoft.com" in unknown["msg"]
    assert len(run_module.api.writes) == 1, "nothing written for the unknown domain"
    both, _out = run_module(module, customer_domain="contoso.onmicrosoft.com", **args)
    assert both["failed"] and "mutually exclusive" in both["msg"]
    neither, _out = run_module(module, customer_id=None, **args)
    assert neither["failed"] and "customer_id" in neither["msg"] and "customer_domain" in neither["msg"]
    malformed, _out = run_module(module, customer_id=None, customer_domain="not a domain", **args)
    assert malformed["failed"] and "customer_domain must be" in malformed["msg"]
    assert asked == ["contoso.onmicrosoft.com", "nowhere.onmicrosoft.com"], "a malformed domain is refused before any request"
