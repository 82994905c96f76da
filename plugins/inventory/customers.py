# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: customers
short_description: A CSP partner's customers from Partner Center as inventory hosts
version_added: 0.2.0
description:
  - Adds one host per customer of the Microsoft CSP partner, read from the Partner Center customer list.
  - The list is read in one paged listing (500 customers a page, every page), with no call per customer.
  - A host is named by the customer's default domain (C(companyProfile.domain)), or by its tenant ID when Partner Center
    gives no default domain. Every host is in the group C(partnercenter_customers) and has the variables
    C(partnercenter_customer_id), C(partnercenter_tenant_id), C(partnercenter_company_name), C(partnercenter_domain),
    C(partnercenter_relationship) and C(ansible_connection=local), since the tasks of a customer run on the controller
    and reach the customer through Partner Center.
  - O(compose), O(groups) and O(keyed_groups) are applied in that order, so groups can use composed variables.
  - Every string from Partner Center that contains C({) or C(}) is marked unsafe, so it is never templated.
  - The configuration file must end with C(.partnercenter.yml) or C(.partnercenter.yaml). A key that is not an option
    of this plugin is refused, naming it, before any request; so are missing credentials and a bad filter.
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
  - partnercenter.csp.connection
  - partnercenter.csp.connection.plugins
options:
  plugin:
    description: The name of this plugin. It must always be set to V(partnercenter.csp.customers).
    type: str
    required: true
    choices: [partnercenter.csp.customers]
  domain:
    description:
      - Only the customers whose default domain starts with this text; matching ignores case.
      - Partner Center applies the filter, so only the matching customers are read.
      - Mutually exclusive with O(company_name), since Partner Center filters a customer list on one field only.
    type: str
  company_name:
    description:
      - Only the customers whose company name starts with this text; matching ignores case.
      - Mutually exclusive with O(domain).
    type: str
notes:
  - The inventory cache keeps the list of customers (ID, tenant ID, default domain, company name, relationship),
    never the hosts built from it nor any token, so a change to O(compose), O(groups) or O(keyed_groups) takes
    effect without a new request. Its key is made from the path of the configuration file, O(api_url), O(tenant_id),
    O(client_id) and the filter, hashed; no secret is part of it.
  - The default O(cache_plugin) V(memory) keeps nothing between runs. To reuse the list across runs, set
    O(cache_plugin=ansible.builtin.jsonfile) and O(cache_connection) to a directory (see the examples); O(cache_timeout)
    says how long an entry serves. The C(--flush-cache) option of C(ansible-playbook) (and of C(ansible-inventory) from ansible-core 2.19
    on) and the C(refresh_inventory) meta task read the list again and store it.
  - In AWX and Ansible Automation Platform, attach the C(Microsoft Partner Center (App+User)) credential of this
    collection (C(extensions/awx/credential_type.yml)) to the inventory source; the plugin reads the
    E(PARTNERCENTER_*) variables it injects, and its empty optional fields mean the defaults.
seealso:
  - module: partnercenter.csp.partnercenter_customer_info
  - name: Get a list of customers
    description: The Partner Center call this plugin pages through.
    link: https://learn.microsoft.com/partner-center/developer/get-a-list-of-customers
author:
  - partnercenter.csp contributors (@partnercenter-csp)
"""

EXAMPLES = r"""
# contoso.partnercenter.yml
#
# The smallest configuration is the plugin line alone: every customer of the partner, with the
# credentials from the PARTNERCENTER_* environment variables (as the AWX credential type injects them).
plugin: partnercenter.csp.customers

# Only the customers whose default domain starts with contoso (or, instead, company_name: Contoso).
domain: contoso

# Groups by relationship (relationship_reseller, relationship_advisor), a composed label, and a group of advisors.
keyed_groups:
  - key: partnercenter_relationship
    prefix: relationship
compose:
  customer_label: partnercenter_company_name ~ ' (' ~ partnercenter_domain ~ ')'
groups:
  advisors: partnercenter_relationship == 'advisor'

# The customer list kept for an hour in JSON files; ansible-playbook --flush-cache reads it again.
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/partnercenter.csp/inventory
cache_timeout: 3600
"""

import hashlib
import json
import os
import re

from ansible.errors import AnsibleOptionsError, AnsibleParserError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.partnercenter.csp.plugins.module_utils.connection import (
    Connection,
    check_connection_params,
    connection_argument_spec,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.customers_api import (
    CustomersApi,
    check_filter_options,
    customer_from_api,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.redaction import redact

GROUP = "partnercenter_customers"
SUFFIXES = (".partnercenter.yml", ".partnercenter.yaml")
FILTER_OPTIONS = ("domain", "company_name")
SECRET_OPTIONS = tuple(sorted(name for name, spec in connection_argument_spec().items() if spec.get("no_log")))
# The keys of a cached customer (customer_api.customer_from_api); an entry of another shape is not used.
CUSTOMER_KEYS = frozenset(("id", "tenant_id", "domain", "company_name", "relationship_to_partner"))
_BRACES = re.compile(u"[{}]")
_SECRET_NAME = re.compile(r"\b(%s)\b" % "|".join(SECRET_OPTIONS))

display = Display()


def make_unsafe(value):
    """value marked unsafe when it is a string containing { or } (as community.general does), else value itself.

    Only such strings could be templated; leaving the others alone keeps them plain for AWX.
    """
    if isinstance(value, str) and _BRACES.search(value):
        return wrap_var(value)
    return value


def host_variables(customer):
    """The variables of a customer's host, its strings from Partner Center made unsafe."""
    variables = dict(
        partnercenter_customer_id=customer.get("id"),
        partnercenter_tenant_id=customer.get("tenant_id"),
        partnercenter_company_name=customer.get("company_name"),
        partnercenter_domain=customer.get("domain"),
        partnercenter_relationship=customer.get("relationship_to_partner"),
    )
    variables = dict((key, make_unsafe(value)) for key, value in variables.items())
    variables["ansible_connection"] = "local"
    return variables


def _valid_cached(value):
    return isinstance(value, list) and all(isinstance(item, dict) and set(item) == CUSTOMER_KEYS for item in value)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "partnercenter.csp.customers"

    def __init__(self):
        super(InventoryModule, self).__init__()
        self._secrets = set()

    def verify_file(self, path):
        """Only readable files whose names end with .partnercenter.yml or .partnercenter.yaml."""
        return super(InventoryModule, self).verify_file(path) and str(path).endswith(SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path)
        try:
            config = self._read_config_data(path)
        except AnsibleOptionsError as error:
            # A value of the wrong type for a documented option: ansible-core's message names the option and
            # quotes the value, so for a secret option only the option is named.
            secret = _SECRET_NAME.search(str(error))
            text = ("%s must be a string" % secret.group(1)) if secret else str(error)
            raise AnsibleParserError("%s: %s" % (self.NAME, text)) from None
        self._refuse_unknown_keys(config)
        params = self.connection_params(config)
        self._secrets = set(params[name] for name in SECRET_OPTIONS if params.get(name))
        selected = self._selected_filter(config)
        problem = check_connection_params(params)
        if problem:
            raise AnsibleParserError(self._safe("%s: %s" % (self.NAME, problem)))
        self._populate(self._customers(path, cache, params, selected))

    # -- options ---------------------------------------------------------------------------------

    def _refuse_unknown_keys(self, config):
        unknown = sorted(str(key) for key in config if key not in self._options)
        if unknown:
            raise AnsibleParserError("%s: unknown option%s in the inventory configuration: %s. The options are: %s."
                                     % (self.NAME, "s" if len(unknown) > 1 else "", ", ".join(unknown),
                                        ", ".join(sorted(self._options))))

    def connection_params(self, config=None):
        """The connection options as the modules see them.

        An option whose value comes from an empty environment variable counts as not set (AWX injects
        every credential field, empty or not), so it takes its default. A boolean must be one: ansible-core
        reads any other text (such as "maybe") as false, which must never turn off validate_certs.
        Raises AnsibleParserError naming the option.
        """
        config = config or {}
        params = {}
        for name, spec in connection_argument_spec().items():
            if name in config:
                # Set in the file. (ansible-core 2.16's get_option_and_origin() does not see the file's values.)
                value = self.get_option(name)
                if spec.get("type") == "bool":
                    value = self._strict_boolean(name, config[name], "the inventory configuration")
                params[name] = value
                continue
            value, origin = self.get_option_and_origin(name)
            origin = str(origin)
            variable = origin[len("env:"):].strip() if origin.startswith("env:") else None
            if variable is not None and not os.environ.get(variable):
                value = spec.get("default")
            elif variable is not None and spec.get("type") == "bool":
                value = self._strict_boolean(name, os.environ.get(variable), "the environment variable %s" % variable)
            params[name] = value
        return params

    def _strict_boolean(self, name, raw, source):
        try:
            return boolean(raw, strict=True)
        except TypeError:
            raise AnsibleParserError("%s: %s must be a boolean (true or false), got %r from %s."
                                     % (self.NAME, name, str(raw), source)) from None

    def _selected_filter(self, config):
        """(field, value) of the starts-with filter, or None; AnsibleParserError naming the option when it is bad."""
        # The values as written: the option's str type would turn a number into a domain.
        values = dict((name, config.get(name)) for name in FILTER_OPTIONS)
        try:
            selected = check_filter_options(values)
        except UserInputError as error:
            raise AnsibleParserError("%s: %s" % (self.NAME, error)) from None
        return None if selected is None else (selected[0], str(selected[1]))   # a plain str, not YAML's tagged one

    # -- customers, from the cache or from Partner Center -----------------------------------------

    def cache_key(self, path, params, selected):
        """The cache key: ansible's key of the path, plus a hash of what else decides the list (no secret)."""
        identity = json.dumps(dict(
            path=os.path.abspath(path),
            api_url=(params.get("api_url") or "").rstrip("/").lower(),
            tenant_id=(params.get("tenant_id") or "").lower(),
            client_id=(params.get("client_id") or "").lower(),
            filter=list(selected) if selected else None,
        ), sort_keys=True)
        return "%s_%s" % (self.get_cache_key(path), hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16])

    def _customers(self, path, cache, params, selected):
        """The customers (customer_from_api dicts): read from the cache when allowed and there, else from Partner Center.

        The amazon.aws rules: cache=False (--flush-cache, refresh_inventory) skips the read but still
        stores; an entry just read is not written again, so its timeout is not renewed.
        """
        use_cache = self.get_option("cache")
        key = self.cache_key(path, params, selected)
        if use_cache and cache:
            try:
                cached = self._cache[key]
            except KeyError:
                cached = None
            if _valid_cached(cached):
                return cached
        customers = self.fetch_customers(params, selected)
        if use_cache:
            self._cache[key] = customers
        return customers

    def fetch_customers(self, params, selected):
        """One paged listing of the partner's customers. Errors become AnsibleParserError, with the secrets redacted."""
        connection = None
        try:
            connection = Connection(params, secrets=self._secrets)
            api = CustomersApi(connection.client)
            items = list(api.list_customers(*selected) if selected else api.list_customers())
        except Exception as error:  # pylint: disable=broad-except
            # Nothing masks secrets on the controller: the message is redacted here, and the original
            # exception is not chained (its text would be shown with -vvv).
            raise AnsibleParserError(self._safe("%s: reading the customers failed: %s" % (self.NAME, error))) from None
        finally:
            for warning in connection.warnings if connection is not None else ():
                display.warning(self._safe("%s: %s" % (self.NAME, warning)))
        return [customer_from_api(item) for item in items]

    def _safe(self, text):
        return redact(text, self._secrets)

    # -- hosts -----------------------------------------------------------------------------------

    def _populate(self, customers):
        strict = self.get_option("strict")
        self.inventory.add_group(GROUP)
        names = {}
        for customer in customers:
            name = customer.get("domain") or customer.get("tenant_id") or customer.get("id")
            if not name:
                display.warning("%s: a customer without an id or a default domain was left out." % self.NAME)
                continue
            if name in names and customer.get("tenant_id"):
                display.warning(self._safe("%s: customers %s and %s have the same default domain %s; the second host is "
                                           "named by its tenant id." % (self.NAME, names[name], customer.get("id"), name)))
                name = customer.get("tenant_id")
            names[name] = customer.get("id")
            host = self.inventory.add_host(make_unsafe(name), group=GROUP)
            for key, value in host_variables(customer).items():
                self.inventory.set_variable(host, key, value)
            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
