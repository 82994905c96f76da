# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""partnercenter_customer_info main() in-process, with a fake CustomersApi: each way of selecting, errors, RETURN."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
import yaml

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError
from ansible_collections.partnercenter.csp.plugins.modules import partnercenter_customer_info
from ansible_collections.partnercenter.csp.tests.unit.module_args import module_args

CONNECTION = dict(access_token="unit-test-access-token")
CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
COMMON_KEYS = {"changed", "invocation", "warnings", "deprecations", "failed", "msg"}


def api_customer(cid, domain, company_name, relationship="reseller"):
    return {"id": cid, "companyProfile": {"tenantId": cid, "domain": domain, "companyName": company_name,
                                          "attributes": {"objectType": "CustomerCompanyProfile"}},
            "relationshipToPartner": relationship, "allowDelegatedAccess": True, "attributes": {"objectType": "Customer"}}


CUSTOMERS = [
    api_customer(CONTOSO, "contoso.onmicrosoft.com", "Contoso"),
    api_customer("a4e199fb-4c63-4e1c-a074-39f3c0599a51", "fabrikam.onmicrosoft.com", "Fabrikam", "advisor"),
    api_customer("0b7e3d1c-5f2a-4c8e-9d6b-2a1f0e3c4b5d", "contoso-eu.onmicrosoft.com", "Contoso Europe"),
]


class FakeCustomersApi:
    def __init__(self):
        self.calls = []
        self.errors = []

    def list_customers(self, field=None, value=None):
        self.calls.append(("list_customers", field, value))
        if self.errors:
            raise self.errors[0]
        key = {"Domain": "domain", "CompanyName": "companyName", None: None}[field]
        return iter([c for c in CUSTOMERS if key is None or c["companyProfile"][key].lower().startswith(value.lower())])

    def get(self, customer_id):
        self.calls.append(("get", customer_id))
        return next((c for c in CUSTOMERS if c["id"] == customer_id), None)


@pytest.fixture
def run(monkeypatch, capsys):
    api = FakeCustomersApi()
    monkeypatch.setattr(PartnerCenterModule, "client", property(lambda module: object()))
    monkeypatch.setattr(partnercenter_customer_info, "CustomersApi", lambda client: api)

    def call(check_mode=False, **args):
        with module_args(dict(CONNECTION, _ansible_check_mode=check_mode, **args)):
            with pytest.raises(SystemExit):
                partnercenter_customer_info.main()
        return json.loads(capsys.readouterr().out)

    call.api = api
    return call


def domains(result):
    return [customer["domain"] for customer in result["customers"]]


@pytest.mark.parametrize("check_mode", [False, True])
def test_every_customer(run, check_mode):
    result = run(check_mode=check_mode)
    assert result["changed"] is False
    assert domains(result) == ["contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com", "contoso-eu.onmicrosoft.com"]
    assert result["customers"][1] == dict(id="a4e199fb-4c63-4e1c-a074-39f3c0599a51", tenant_id="a4e199fb-4c63-4e1c-a074-39f3c0599a51",
                                          domain="fabrikam.onmicrosoft.com", company_name="Fabrikam", relationship_to_partner="advisor")
    assert run.api.calls == [("list_customers", None, None)]


def test_by_customer_id(run):
    assert domains(run(customer_id=CONTOSO)) == ["contoso.onmicrosoft.com"]
    assert run(customer_id="11111111-2222-4333-8444-555555555555")["customers"] == []
    assert run.api.calls == [("get", CONTOSO), ("get", "11111111-2222-4333-8444-555555555555")]


def test_by_domain_and_by_company_name(run):
    assert domains(run(domain="CONTOSO")) == ["contoso.onmicrosoft.com", "contoso-eu.onmicrosoft.com"]
    assert domains(run(company_name="fab")) == ["fabrikam.onmicrosoft.com"]
    assert run.api.calls == [("list_customers", "Domain", "CONTOSO"), ("list_customers", "CompanyName", "fab")]


@pytest.mark.parametrize("args, words", [
    (dict(customer_id="contoso.onmicrosoft.com"), ["customer_id", "GUID"]),
    (dict(domain=""), ["domain must not be empty"]),
    (dict(company_name="   "), ["company_name must not be empty"]),
    (dict(domain="contoso", company_name="Contoso"), ["mutually exclusive", "domain", "company_name"]),
    (dict(customer_id=CONTOSO, domain="contoso"), ["mutually exclusive", "customer_id", "domain"]),
])
def test_bad_input_fails_before_any_call(run, args, words):
    result = run(**args)
    assert result["failed"] is True
    for word in words:
        assert word in result["msg"]
    assert run.api.calls == []


def test_a_partner_center_error_is_reported(run):
    run.api.errors.append(PartnerCenterError("HTTP 403", status=403, code=900308, request_id="r-1", correlation_id="c-1",
                                             method="GET", url="https://api.partnercenter.microsoft.com/v1/customers?size=500"))
    result = run()
    assert result["failed"] is True and result["status"] == 403 and result["error_code"] == 900308
    assert "GET https://api.partnercenter.microsoft.com/v1/customers?size=500 failed" in result["msg"]


def test_return_documents_what_the_module_returns(run):
    doc = yaml.safe_load(partnercenter_customer_info.RETURN)
    result = run()
    assert set(result) - COMMON_KEYS <= set(doc)
    for customer in result["customers"]:
        assert set(customer) == set(doc["customers"]["contains"])


def test_documentation_extends_the_fragments_and_names_the_options():
    doc = yaml.safe_load(partnercenter_customer_info.DOCUMENTATION)
    assert doc["extends_documentation_fragment"] == ["partnercenter.csp.connection", "partnercenter.csp.attributes.INFO_MODULE"]
    assert sorted(doc["options"]) == ["company_name", "customer_id", "domain"]
    assert doc["version_added"] == "0.2.0"
