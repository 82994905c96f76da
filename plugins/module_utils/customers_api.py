# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The partner's customers: the Partner Center customer calls, their mapping, and customer_domain resolution.

CustomersApi has one method per call (the customer list, paged and optionally filtered, and one
customer by id); customer_from_api is the pure mapping to what the info module returns and the
inventory plugin caches; resolve_customer_domain finds one customer by its default domain with
one filtered listing. The inventory plugin partnercenter.csp.customers and the module
partnercenter_customer_info both read customers through here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from collections.abc import Mapping

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import quoted_path
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.users_api import PAGE_SIZE

CUSTOMER_NOT_FOUND = 60003
# The filter fields Partner Center takes with starts_with, by the option that sets each one.
FILTER_FIELDS = (("domain", "Domain"), ("company_name", "CompanyName"))
# At most this many customers are named in an error message.
MAX_LISTED = 10


def customer_filter(field, value):
    """The value of the filter query parameter: Partner Center's JSON starts-with filter on one field.

    The client URL-encodes it (api_client.PartnerCenterClient.url_for)."""
    return json.dumps({"Field": field, "Value": value, "Operator": "starts_with"}, separators=(",", ":"))


def check_filter_options(params):
    """The (field, value) of the starts-with filter that the domain and company_name options select, or None.

    Partner Center takes one filter per listing, so at most one of the two may be set; a set one
    must be a string with something in it. Raises UserInputError naming the option.
    """
    chosen = []
    for name, field in FILTER_FIELDS:
        value = params.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise UserInputError("%s must be a string (the start of a customer's %s), got %s."
                                 % (name, _what(name), _kind(value)))
        if not value.strip():
            raise UserInputError("%s must not be empty: give the start of a customer's %s, or leave %s out to read every "
                                 "customer." % (name, _what(name), name))
        chosen.append((name, field, value))
    if len(chosen) > 1:
        raise UserInputError("domain and company_name are mutually exclusive: Partner Center filters a customer listing "
                             "on one field only; set one of them.")
    return (chosen[0][1], chosen[0][2]) if chosen else None


def _kind(value):
    """What a YAML value is, in words (ansible-core 2.19+ wraps them in tagged types with internal names)."""
    for types, words in ((bool, "a boolean"), ((int, float), "a number"), (Mapping, "a mapping"), (list, "a list")):
        if isinstance(value, types):
            return words
    return "a value of type %s" % type(value).__name__


def _what(name):
    return "default domain" if name == "domain" else "company name"


def is_customer_not_found(error):
    return error.status == 404 and str(error.code) == str(CUSTOMER_NOT_FOUND)


def customer_from_api(item):
    """A Partner Center Customer as the collection returns it: id, tenant_id, domain, company_name, relationship_to_partner.

    domain is the default domain (companyProfile.domain); tenant_id falls back to id (Partner
    Center's customer id is the tenant id). Keys the service leaves out are None.
    """
    item = item if isinstance(item, dict) else {}
    profile = item.get("companyProfile") if isinstance(item.get("companyProfile"), dict) else {}
    return dict(
        id=_text(item.get("id")),
        tenant_id=_text(profile.get("tenantId")) or _text(item.get("id")),
        domain=_text(profile.get("domain")),
        company_name=_text(profile.get("companyName")),
        relationship_to_partner=_text(item.get("relationshipToPartner")),
    )


def _text(value):
    if value is None or isinstance(value, (dict, list)):
        return None
    value = value if isinstance(value, str) else str(value)
    return value or None


class CustomersApi:
    """The partner's customer calls (reference section 4): the paged list, optionally filtered, and one customer."""

    path = "/customers"

    def __init__(self, client):
        self.client = client

    def list_customers(self, field=None, value=None):
        """Every Customer item of the partner, or those whose field (Domain or CompanyName) starts with value.

        One paged listing, PAGE_SIZE customers a page, following links.next to the end.
        """
        params = {"size": PAGE_SIZE}
        if field is not None:
            params["filter"] = customer_filter(field, value)
        return self.client.paginate(self.path, params=params)

    def get(self, customer_id):
        """The Customer with this id, or None when Partner Center does not know it (404, 60003)."""
        try:
            return self.client.get(quoted_path("customers", customer_id))
        except PartnerCenterError as error:
            if is_customer_not_found(error):
                return None
            raise


def _listed(customers):
    names = ["%s (%s, %s)" % (c["domain"] or "no default domain", c["company_name"] or "no company name", c["id"])
             for c in customers[:MAX_LISTED]]
    more = len(customers) - MAX_LISTED
    return ", ".join(names) + (" and %d more" % more if more > 0 else "")


def resolve_customer_domain(client, domain):
    """The customer (customer_from_api) whose default domain is domain, ignoring case.

    One filtered listing: the customers whose default domain starts with domain, every page of
    them. Raises UserInputError naming customer_domain when domain is not a non-empty string, or
    when no customer, or more than one, has exactly that default domain (the message lists those
    that start with it). Raises PartnerCenterError when the listing fails.
    """
    if not isinstance(domain, str) or not domain.strip():
        raise UserInputError("customer_domain must be a customer's default domain, such as contoso.onmicrosoft.com, got %r."
                             % (domain,))
    domain = domain.strip()
    wanted = domain.lower()
    candidates = [customer_from_api(item) for item in CustomersApi(client).list_customers("Domain", domain)]
    matches = [customer for customer in candidates if (customer["domain"] or "").lower() == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UserInputError("customer_domain %s is the default domain of %d customers: %s. Use customer_id to choose one."
                             % (domain, len(matches), _listed(matches)))
    if candidates:
        raise UserInputError("customer_domain %s is not the default domain of any customer of the partner; the default domains "
                             "that start with it: %s. Give a customer's whole default domain, or customer_id."
                             % (domain, _listed(candidates)))
    raise UserInputError("customer_domain %s is not the default domain of any customer of the partner, and no default domain "
                         "starts with it. Give the customer's default domain (its companyProfile.domain, such as "
                         "contoso.onmicrosoft.com), or customer_id." % domain)
