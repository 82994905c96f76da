# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""licenses_api: the licence calls on a scripted transport; both reads name every licence group; the paths the endpoint
classes build are percent-quoted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import parse_qs, urlparse

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import quoted_path
from ansible_collections.partnercenter.csp.plugins.module_utils.licenses_api import LicensesApi
from ansible_collections.partnercenter.csp.tests.unit.plugins.module_utils.client_fakes import recorded, response

CUSTOMER = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
USER = "a9ef48bb-8758-4590-a312-d4a47bfaded4"


def url_parts(call):
    parts = urlparse(call["url"])
    return parts.path, parse_qs(parts.query)


def test_subscribed_skus_asks_for_group1_and_group2(make_client):
    """Without licenseGroupIds the service answers group1 only; the recorded by-group answer holds a group2 SKU."""
    client, transport, dummy = make_client(response(200, recorded("GetCustomerSubscribedSkusByGroup.json.bin")))
    items = LicensesApi(client, CUSTOMER).subscribed_skus()
    assert url_parts(transport.calls[0]) == ("/v1/customers/%s/subscribedskus" % CUSTOMER, {"licenseGroupIds": ["Group1", "Group2"]})
    assert transport.calls[0]["url"].endswith("?licenseGroupIds=Group1&licenseGroupIds=Group2")
    assert "group2" in [item["productSku"]["licenseGroupId"] for item in items]
    assert len(transport.calls) == 1, "both groups in one request"


def test_user_licenses_asks_for_group1_and_group2(make_client):
    client, transport, dummy = make_client(response(200, recorded("GetCustomerLicenseUser.json.bin")))
    LicensesApi(client, CUSTOMER).user_licenses(USER)
    assert url_parts(transport.calls[0]) == ("/v1/customers/%s/users/%s/licenses" % (CUSTOMER, USER),
                                             {"licenseGroupIds": ["Group1", "Group2"]})
    assert len(transport.calls) == 1


def test_a_licence_update_names_no_group(make_client):
    client, transport, dummy = make_client(response(201, recorded("UpdateUserLicense.json.bin")))
    LicensesApi(client, CUSTOMER).update(USER, ["f8a1db68-be16-40ed-86d5-cb42ce701560"], [])
    assert url_parts(transport.calls[0]) == ("/v1/customers/%s/users/%s/licenseupdates" % (CUSTOMER, USER), {})


def test_path_segments_from_input_are_percent_quoted(make_client):
    """Defence in depth: ids are checked to be GUIDs first, but no character of one can change the resource called."""
    client, transport, dummy = make_client(response(200, {"items": []}))
    api = LicensesApi(client, "a/../b?c")
    assert api.path("users", "x/y#z%", "licenses") == "/customers/a%2F..%2Fb%3Fc/users/x%2Fy%23z%25/licenses"
    api.user_licenses("../../other-customer")
    assert urlparse(transport.calls[0]["url"]).path == "/v1/customers/a%2F..%2Fb%3Fc/users/..%2F..%2Fother-customer/licenses"
    guid = LicensesApi(client, CUSTOMER)
    assert guid.path("users", USER, "licenseupdates") == "/customers/%s/users/%s/licenseupdates" % (CUSTOMER, USER), "a GUID unchanged"


def test_quoted_path_quotes_every_segment():
    assert quoted_path("customers", "a b", "ü", 7) == "/customers/a%20b/%C3%BC/7"
    assert quoted_path() == ""
