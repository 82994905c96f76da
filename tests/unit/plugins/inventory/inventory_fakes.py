# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stand-ins for the inventory plugin tests: a DictDataLoader, Customer items, a fake Partner Center transport.

Import it after the collection loader is installed (conftest.py does that first).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
from urllib.parse import parse_qs, urlparse

from ansible.errors import AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

NAME = "partnercenter.csp.customers"
SOURCE = "/fake/customers.partnercenter.yml"
API = "https://api.partnercenter.microsoft.com"
UTF8_BOM = b"\xef\xbb\xbf"
CREDENTIALS = dict(PARTNERCENTER_REFRESH_TOKEN="rt-unit-secret-value", PARTNERCENTER_CLIENT_ID="client-1",
                   PARTNERCENTER_TENANT_ID="partner.onmicrosoft.com", PARTNERCENTER_CLIENT_SECRET="cs-unit-secret-value")


class DictDataLoader(DataLoader):
    """A DataLoader whose files are the entries of a dict (path -> text)."""

    def __init__(self, files):
        super(DictDataLoader, self).__init__()
        self.files = dict((os.path.abspath(path), content) for path, content in files.items())

    def _path(self, path):
        return os.path.abspath(self.path_dwim(to_native(path)))

    def _get_file_contents(self, file_name):
        path = self._path(file_name)
        if path not in self.files:
            raise AnsibleFileNotFound(file_name=path)
        return to_bytes(self.files[path]), True

    def path_exists(self, path):
        return self.is_file(path) or self.is_directory(path)

    def is_file(self, path):
        return self._path(path) in self.files

    def is_directory(self, path):
        prefix = self._path(path).rstrip(os.sep) + os.sep
        return any(name.startswith(prefix) for name in self.files)

    def list_directory(self, path):
        prefix = self._path(path).rstrip(os.sep) + os.sep
        return sorted(set(name[len(prefix):].split(os.sep)[0] for name in self.files if name.startswith(prefix)))


def api_customer(number, domain=None, company_name=None, relationship="reseller", tenant_id=None):
    """A Customer item as GET /v1/customers returns it (the shape of the documented sample)."""
    cid = tenant_id or "%08x-0000-4000-8000-%012x" % (number, number)
    profile = {"tenantId": cid, "companyName": company_name or "Customer %05d Ltd" % number,
               "attributes": {"objectType": "CustomerCompanyProfile"}}
    if domain is not False:
        profile["domain"] = domain or "customer%05d.onmicrosoft.com" % number
    return {"id": cid, "companyProfile": profile, "relationshipToPartner": relationship, "allowDelegatedAccess": True,
            "attributes": {"objectType": "Customer"}}


class FakePartnerCenter:
    """The customer calls of Partner Center behind a PartnerCenterClient transport; every request is recorded.

    GET /v1/customers pages by size along links.next with an MS-ContinuationToken header and takes
    the Domain / CompanyName starts_with filter; GET /v1/customers/{id} answers the customer or 404 60003.
    error: raised for every request; answer: a (status, headers, body) sent for every request.
    """

    def __init__(self):
        self.customers = []
        self.calls = []
        self.connections = []
        self.warnings = []
        self.error = None
        self.answer = None

    @property
    def listings(self):
        return [call for call in self.calls if urlparse(call["url"]).path == "/v1/customers"]

    def __call__(self, method, url, headers, data, timeout):
        self.calls.append(dict(method=method, url=url, headers=dict(headers)))
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return self.answer
        parts = urlparse(url)
        query = dict((key, values[0]) for key, values in parse_qs(parts.query).items())
        if parts.path == "/v1/customers":
            return self._page(query, headers)
        wanted = parts.path.rsplit("/", 1)[-1].lower()
        for customer in self.customers:
            if customer["id"].lower() == wanted:
                return 200, {}, UTF8_BOM + json.dumps(customer).encode("utf-8")
        return 404, {}, json.dumps({"code": 60003, "description": "Tenant not found"}).encode("utf-8")

    def _page(self, query, headers):
        matching = self.customers
        if "filter" in query:
            rule = json.loads(query["filter"])
            key = {"Domain": "domain", "CompanyName": "companyName"}[rule["Field"]]
            assert rule["Operator"] == "starts_with"
            matching = [c for c in matching if (c["companyProfile"].get(key) or "").lower().startswith(rule["Value"].lower())]
        start = int(headers.get("MS-ContinuationToken") or 0)
        size = int(query["size"])
        page = matching[start:start + size]
        links = {"self": {"uri": "/customers?size=%d" % size, "method": "GET", "headers": []}}
        body = {"totalCount": len(page), "items": page, "links": links, "attributes": {"objectType": "Collection"}}
        if start + size < len(matching):
            body["links"]["next"] = {"uri": "/customers?size=%d&seekOperation=Next" % size, "method": "GET",
                                     "headers": [{"key": "MS-ContinuationToken", "value": str(start + size)}]}
        return 200, {}, UTF8_BOM + json.dumps(body).encode("utf-8")


class FakeTokenProvider:
    can_refresh = False

    def get_token(self):
        return "unit-access-token"

    def invalidate(self, rejected=None):
        pass


def query(url):
    """The query parameters of a URL, one value each."""
    return dict((key, values[0]) for key, values in parse_qs(urlparse(url).query).items())


def load_plugin():
    """The plugin as ansible-core loads it (inventory_loader: documented options, doc fragments)."""
    plugin = inventory_loader.get(NAME)
    assert plugin is not None, "the collection loader does not find %s" % NAME
    return plugin
