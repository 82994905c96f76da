# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""PartnerCenterModule: AnsibleModule with the connection options, a lazily built client, and the customer.

The connection options themselves, their checks and the client factory are in connection.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.partnercenter.csp.plugins.module_utils.connection import (
    Connection,
    check_connection_params,
    connection_argument_spec,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import is_guid

# The customer options of the modules that work on one customer (plugins/doc_fragments/customer.py).
CUSTOMER_OPTIONS = ("customer_id", "customer_domain")


def customer_argument_spec():
    return dict(customer_id=dict(type="str"), customer_domain=dict(type="str"))


def check_customer_options(params):
    """Refuse, before any request, a customer_id that is not a GUID or a customer_domain that is no domain name."""
    customer_id = params.get("customer_id")
    if customer_id is not None and not is_guid(customer_id):
        raise UserInputError("customer_id must be the customer tenant's GUID, got %r" % customer_id)
    domain = params.get("customer_domain")
    if domain is not None and ("." not in domain.strip() or any(c.isspace() for c in domain.strip())):
        raise UserInputError("customer_domain must be a customer's default domain, such as contoso.onmicrosoft.com, got %r" % domain)


class PartnerCenterModule(AnsibleModule):
    """AnsibleModule with the connection options, their start-up checks, and a lazily built PartnerCenterClient."""

    def __init__(self, argument_spec, mutually_exclusive=None, customer=False, **kwargs):
        """customer: the module works on one customer, given by customer_id or customer_domain."""
        self._connection = None
        self._warned = set()
        spec = connection_argument_spec()
        mutually_exclusive = list(mutually_exclusive or [])
        if customer:
            spec.update(customer_argument_spec())
            mutually_exclusive.append(CUSTOMER_OPTIONS)
            kwargs["required_one_of"] = list(kwargs.get("required_one_of") or []) + [CUSTOMER_OPTIONS]
        spec.update(argument_spec)
        super(PartnerCenterModule, self).__init__(argument_spec=spec, mutually_exclusive=mutually_exclusive, **kwargs)
        problem = check_connection_params(self.params)
        if problem:
            self.fail_json(msg=problem)
        if customer:
            try:
                check_customer_options(self.params)
            except UserInputError as error:
                self.fail_json(msg=str(error))

    @property
    def customer_id(self):
        """The customer's id: customer_id, or the one customer whose default domain is customer_domain (one lookup, once).

        Raises UserInputError (naming customer_domain) for a domain no customer or several have, PartnerCenterError
        when the lookup fails.
        """
        if self.params.get("customer_id") is None:
            from ansible_collections.partnercenter.csp.plugins.module_utils.customers_api import resolve_customer_domain
            self.params["customer_id"] = resolve_customer_domain(self.client, self.params["customer_domain"])["id"]
        return self.params["customer_id"]

    @property
    def connection(self):
        """The connection.Connection of this run (client, token provider, shared files), built on first use."""
        if self._connection is None:
            self._connection = Connection(self.params, secrets=self.no_log_values)
        return self._connection

    @property
    def client(self):
        """The PartnerCenterClient of this run (one correlation id), built on first use."""
        return self.connection.client

    def _pass_warnings(self):
        if self._connection is not None:
            for warning in self._connection.warnings:
                if warning not in self._warned:
                    self._warned.add(warning)
                    self.warn(warning)

    def exit_json(self, **kwargs):
        self._pass_warnings()
        super(PartnerCenterModule, self).exit_json(**kwargs)

    def fail_json(self, *args, **kwargs):
        self._pass_warnings()
        super(PartnerCenterModule, self).fail_json(*args, **kwargs)

    def run(self, work):
        """exit_json with what work() returns (a dict); a UserInputError or PartnerCenterError it raises fails the task
        with everything the error knows. The body of an info module's main()."""
        try:
            result = work()
        except UserInputError as error:
            self.fail_json(msg=str(error))
        except PartnerCenterError as error:
            self.fail_from_error(error)
        self.exit_json(**result)

    def fail_from_error(self, error, **extra):
        """fail_json with everything a PartnerCenterError knows (msg, status, error_code, ids, method, url) plus extra."""
        result = error.to_result()
        result.update(extra)
        self.fail_json(**result)
