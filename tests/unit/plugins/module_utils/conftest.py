# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the module_utils tests."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import PartnerCenterClient
from ansible_collections.partnercenter.csp.tests.unit.plugins.module_utils.client_fakes import API, FakeClock, FakeTokenProvider, FakeTransport


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_client(clock):
    """make_client(*script, **client_kwargs) -> (client, transport, provider)."""

    def factory(*script, **kwargs):
        transport = FakeTransport(*script)
        provider = kwargs.pop("provider", None) or FakeTokenProvider(can_refresh=kwargs.pop("can_refresh", True))
        kwargs.setdefault("rand", lambda: 1.0)
        client = PartnerCenterClient(kwargs.pop("api_url", API), provider, transport=transport, sleep=clock.sleep,
                                     clock=clock.monotonic, **kwargs)
        return client, transport, provider

    return factory
