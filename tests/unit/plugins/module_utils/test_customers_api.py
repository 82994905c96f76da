# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""customers_api: the customer calls on a scripted transport, customer_from_api, the filters, resolve_customer_domain."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from urllib.parse import parse_qs, urlparse

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.customers_api import (
    CustomersApi,
    check_filter_options,
    customer_filter,
    customer_from_api,
    resolve_customer_domain,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.tests.unit.plugins.module_utils.client_fakes import API, response

BOM = b"\xef\xbb\xbf"


def customer(number, domain=None, company_name=None, relationship="reseller"):
    """A Customer item shaped as the documented samples of the customer list are (and as the service sends them)."""
    cid = "%08x-1111-4222-8333-%012x" % (number, number)
    return {
        "id": cid,
        "companyProfile": {"tenantId": cid, "domain": domain or "customer%03d.onmicrosoft.com" % number,
                           "companyName": company_name or "Customer %03d" % number,
                           "links": {"self": {"uri": "/customers/%s/profiles/company" % cid, "method": "GET", "headers": []}},
                           "attributes": {"objectType": "CustomerCompanyProfile"}},
        "relationshipToPartner": relationship,
        "allowDelegatedAccess": True,
        "customDomains": [domain or "customer%03d.onmicrosoft.com" % number],
        "links": {"self": {"uri": "/customers/%s" % cid, "method": "GET", "headers": []}},
        "attributes": {"objectType": "Customer"},
    }


def collection(items, token=None, total=None):
    """Raw bytes of a Collection page as the service sends it: UTF-8 BOM, totalCount as it comes, links.next with the token."""
    body = {"totalCount": len(items) if total is None else total, "items": items,
            "links": {"self": {"uri": "/customers?size=500", "method": "GET", "headers": []}},
            "attributes": {"objectType": "Collection"}}
    if token:
        body["links"]["next"] = {"uri": "/customers?size=500&seekOperation=Next", "method": "GET",
                                 "headers": [{"key": "MS-ContinuationToken", "value": token}]}
    return BOM + json.dumps(body).encode("utf-8")


def query(call):
    return dict((key, values[0]) for key, values in parse_qs(urlparse(call["url"]).query).items())


# -- customer_from_api --------------------------------------------------------------------------


def test_customer_from_api_maps_a_listed_customer():
    item = customer(7, domain="contoso.onmicrosoft.com", company_name="Contoso", relationship="advisor")
    assert customer_from_api(item) == dict(id="00000007-1111-4222-8333-000000000007", tenant_id="00000007-1111-4222-8333-000000000007",
                                           domain="contoso.onmicrosoft.com", company_name="Contoso", relationship_to_partner="advisor")


def test_customer_from_api_tolerates_what_the_service_leaves_out():
    assert customer_from_api({"id": "cid", "companyProfile": {"companyName": "Only A Name"}}) == dict(
        id="cid", tenant_id="cid", domain=None, company_name="Only A Name", relationship_to_partner=None)
    assert customer_from_api({"id": "cid", "companyProfile": None, "relationshipToPartner": ""}) == dict(
        id="cid", tenant_id="cid", domain=None, company_name=None, relationship_to_partner=None)
    assert customer_from_api(None) == dict(id=None, tenant_id=None, domain=None, company_name=None, relationship_to_partner=None)
    assert customer_from_api({"id": 12, "companyProfile": {"domain": ["not", "text"]}})["domain"] is None


def test_customer_from_api_keeps_a_tenant_id_that_differs():
    item = customer(1)
    item["companyProfile"]["tenantId"] = "ffffffff-1111-4222-8333-000000000001"
    assert customer_from_api(item)["tenant_id"] == "ffffffff-1111-4222-8333-000000000001"


# -- the calls ----------------------------------------------------------------------------------


def test_list_customers_reads_every_page_of_500(make_client):
    first, second = [customer(n) for n in range(1, 4)], [customer(n) for n in range(4, 6)]
    client, transport, dummy = make_client(response(200, collection(first, token="page-2", total="03")),
                                           response(200, collection(second)))
    items = list(CustomersApi(client).list_customers())
    assert [customer_from_api(item)["domain"] for item in items] == ["customer%03d.onmicrosoft.com" % n for n in range(1, 6)]
    assert len(transport.calls) == 2
    assert transport.calls[0]["url"] == API + "/v1/customers?size=500"
    assert transport.calls[1]["url"] == API + "/v1/customers?size=500&seekOperation=Next"
    assert transport.calls[1]["headers"]["MS-ContinuationToken"] == "page-2"
    assert {call["method"] for call in transport.calls} == {"GET"}


@pytest.mark.parametrize("field, value", [("Domain", "contoso"), ("CompanyName", "Contoso & Söhne {x}")])
def test_list_customers_sends_the_url_encoded_json_filter(make_client, field, value):
    client, transport, dummy = make_client(response(200, collection([])))
    assert list(CustomersApi(client).list_customers(field, value)) == []
    sent = query(transport.calls[0])
    assert sent["size"] == "500"
    assert json.loads(sent["filter"]) == {"Field": field, "Value": value, "Operator": "starts_with"}
    assert "%22Field%22" in transport.calls[0]["url"]  # encoded, not raw JSON in the URL


def test_customer_filter_is_compact_json_in_the_documented_key_order():
    assert customer_filter("Domain", "contoso") == '{"Field":"Domain","Value":"contoso","Operator":"starts_with"}'


def test_get_returns_the_customer_or_none_when_unknown(make_client):
    item = customer(3)
    client, transport, dummy = make_client(
        response(200, BOM + json.dumps(item).encode("utf-8")),
        response(404, {"code": 60003, "description": "Tenant not found", "data": [], "source": "PartnerFD"}))
    api = CustomersApi(client)
    assert api.get(item["id"]) == item
    assert api.get("00000000-0000-4000-8000-000000000000") is None
    assert transport.calls[0]["url"] == API + "/v1/customers/" + item["id"]


def test_get_raises_other_errors(make_client):
    client, dummy, dummy2 = make_client(response(403, {"code": 900308, "description": "Access denied"}))
    with pytest.raises(PartnerCenterError) as caught:
        CustomersApi(client).get("00000000-0000-4000-8000-000000000000")
    assert caught.value.status == 403


# -- the filter options -------------------------------------------------------------------------


def test_check_filter_options_selects_one_field():
    assert check_filter_options({}) is None
    assert check_filter_options(dict(domain=None, company_name=None)) is None
    assert check_filter_options(dict(domain="contoso")) == ("Domain", "contoso")
    assert check_filter_options(dict(company_name="Contoso Ltd")) == ("CompanyName", "Contoso Ltd")


@pytest.mark.parametrize("params, words", [
    (dict(domain=""), ["domain must not be empty"]),
    (dict(company_name="  "), ["company_name must not be empty"]),
    (dict(domain=5), ["domain must be a string", "a number"]),
    (dict(company_name=["a"]), ["company_name must be a string", "a list"]),
    (dict(domain="a", company_name="b"), ["domain and company_name are mutually exclusive"]),
])
def test_check_filter_options_refuses_naming_the_option(params, words):
    with pytest.raises(UserInputError) as caught:
        check_filter_options(params)
    for word in words:
        assert word in str(caught.value)


# -- resolve_customer_domain --------------------------------------------------------------------


def test_resolve_customer_domain_finds_the_exact_default_domain_in_one_listing(make_client):
    items = [customer(1, domain="contoso.com.au"), customer(2, domain="Contoso.com"), customer(3, domain="contoso.community")]
    client, transport, dummy = make_client(response(200, collection(items)))
    found = resolve_customer_domain(client, "contoso.COM")
    assert found == customer_from_api(items[1])
    assert len(transport.calls) == 1
    assert json.loads(query(transport.calls[0])["filter"]) == {"Field": "Domain", "Value": "contoso.COM", "Operator": "starts_with"}


def test_resolve_customer_domain_follows_the_pages(make_client):
    client, transport, dummy = make_client(response(200, collection([customer(1, domain="a.contoso.com")], token="t2")),
                                           response(200, collection([customer(2, domain="a.contoso.com.au"),
                                                                     customer(3, domain="a.contoso.com")])))
    with pytest.raises(UserInputError) as caught:
        resolve_customer_domain(client, "a.contoso.com")
    assert len(transport.calls) == 2
    message = str(caught.value)
    assert message.startswith("customer_domain a.contoso.com is the default domain of 2 customers")
    assert "00000001-1111-4222-8333-000000000001" in message and "00000003-1111-4222-8333-000000000003" in message
    assert "customer_id" in message


def test_resolve_customer_domain_lists_what_starts_with_it(make_client):
    items = [customer(n, domain="contoso%02d.onmicrosoft.com" % n) for n in range(1, 13)]
    client, transport, dummy = make_client(response(200, collection(items)))
    with pytest.raises(UserInputError) as caught:
        resolve_customer_domain(client, "contoso")
    message = str(caught.value)
    assert message.startswith("customer_domain contoso is not the default domain of any customer of the partner; the default "
                              "domains that start with it: contoso01.onmicrosoft.com (Customer 001, ")
    assert "contoso10.onmicrosoft.com" in message and "contoso11.onmicrosoft.com" not in message and "and 2 more" in message


def test_resolve_customer_domain_with_nothing_that_starts_with_it(make_client):
    client, transport, dummy = make_client(response(200, collection([])))
    with pytest.raises(UserInputError) as caught:
        resolve_customer_domain(client, "nobody.example")
    assert str(caught.value).startswith("customer_domain nobody.example is not the default domain of any customer of the partner, "
                                        "and no default domain starts with it.")


@pytest.mark.parametrize("bad", [None, "", "   ", 5, ["contoso.com"]])
def test_resolve_customer_domain_refuses_bad_input_without_a_request(make_client, bad):
    client, transport, dummy = make_client(response(200, collection([])))
    with pytest.raises(UserInputError) as caught:
        resolve_customer_domain(client, bad)
    assert str(caught.value).startswith("customer_domain must be a customer's default domain")
    assert transport.calls == []


def test_resolve_customer_domain_lets_partner_center_errors_through(make_client):
    client, dummy, dummy2 = make_client(response(401, {"code": 401, "description": "Unauthorized"}))
    with pytest.raises(PartnerCenterError):
        resolve_customer_domain(client, "contoso.com")
