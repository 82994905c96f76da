# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's main() in-process against FakeUsersApi, on every supported ansible-core."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule
from ansible_collections.partnercenter.csp.plugins.module_utils.customer_context import CustomerContext
from ansible_collections.partnercenter.csp.tests.unit.fake_apis import FakeLicensesApi, FakeRolesApi, FakeUsersApi
from ansible_collections.partnercenter.csp.tests.unit.module_args import module_args


CUSTOMER = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
CONNECTION = dict(access_token="unit-test-access-token")


class ModuleRunner:
    """Runs module.main() with a FakeUsersApi behind the customer's endpoints; returns the result and raw output."""

    def __init__(self, monkeypatch, capsys):
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.api = FakeUsersApi()
        self.licenses = FakeLicensesApi()
        self.roles = FakeRolesApi()
        monkeypatch.setattr(PartnerCenterModule, "client", property(lambda module: object()))

    def __call__(self, module, check_mode=False, diff=False, **args):
        if hasattr(module, "CustomerContext"):
            self.monkeypatch.setattr(module.CustomerContext, "for_client",
                                     classmethod(lambda cls, client, customer_id, bulk=False: CustomerContext(
                                         self.api, self.licenses, self.roles, bulk=bulk)))
        for name, fake in (("UsersApi", self.api), ("LicensesApi", self.licenses), ("DirectoryRolesApi", self.roles)):
            if hasattr(module, name):
                self.monkeypatch.setattr(module, name, lambda client, customer_id, fake=fake: fake)
        args = dict(dict(CONNECTION, customer_id=CUSTOMER, _ansible_check_mode=check_mode, _ansible_diff=diff), **args)
        args = dict((key, value) for key, value in args.items() if value is not None)   # None: leave the option out
        with module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        out = self.capsys.readouterr().out
        return json.loads(out), out


@pytest.fixture
def run_module(monkeypatch, capsys):
    return ModuleRunner(monkeypatch, capsys)
