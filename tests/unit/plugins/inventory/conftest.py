# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the inventory plugin tests: the collection loader, a DictDataLoader, a fake Partner Center.

The plugin is loaded the way ansible-core loads it (inventory_loader, with its documented options
and the doc fragments it extends), which needs ansible-core's collection loader. ansible-test units
installs it; under plain pytest (PYTHONPATH holding the directory above ansible_collections) this
conftest installs it before anything of the collection is imported by these tests.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest


def _install_collection_finder():
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is not None:
        return
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    here = os.path.abspath(__file__)
    marker = os.sep + "ansible_collections" + os.sep
    roots = [here[:here.rindex(marker)]] if marker in here else []
    # pytest may give the real path of a symlinked tree: then the directory on sys.path that holds
    # ansible_collections/partnercenter/csp (PYTHONPATH) is the root.
    roots += [path for path in sys.path if os.path.isdir(os.path.join(path or ".", "ansible_collections", "partnercenter", "csp"))]
    if not roots:
        raise RuntimeError("run these tests with ansible-test units, or with PYTHONPATH set to the directory that holds "
                           "ansible_collections/partnercenter/csp (see CONTRIBUTING.md)")
    # Modules of the collection imported before the finder are plain namespace packages without the
    # collection's metadata: drop them, so that every import from here on goes through the finder.
    for name in [name for name in sys.modules if name == "ansible_collections" or name.startswith("ansible_collections.")]:
        del sys.modules[name]
    _AnsibleCollectionFinder(paths=[os.path.abspath(roots[0] or ".")])._install()


_install_collection_finder()

# pylint: disable=wrong-import-position
from ansible import constants as C  # noqa: E402
from ansible.inventory.data import InventoryData  # noqa: E402
from ansible.inventory.manager import InventoryManager  # noqa: E402
from ansible.module_utils.common.text.converters import to_native  # noqa: E402

from ansible_collections.partnercenter.csp.plugins.inventory import customers as plugin_module  # noqa: E402
from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import PartnerCenterClient  # noqa: E402
from ansible_collections.partnercenter.csp.tests.unit.plugins.inventory.inventory_fakes import (  # noqa: E402
    CREDENTIALS,
    NAME,
    SOURCE,
    DictDataLoader,
    FakePartnerCenter,
    FakeTokenProvider,
    load_plugin,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No PARTNERCENTER_* variable of the machine reaches a test; caches go to tmp_path."""
    for name in list(os.environ):
        if name.startswith(("PARTNERCENTER_", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def partner_center(monkeypatch):
    """A FakePartnerCenter that the plugin's Connection talks to; the connection parameters are recorded."""
    fake = FakePartnerCenter()

    class FakeConnection:
        def __init__(self, params, secrets=None):
            fake.connections.append(dict(params=dict(params), secrets=secrets))
            self.client = PartnerCenterClient(params["api_url"], FakeTokenProvider(), transport=fake, sleep=lambda seconds: None,
                                              secrets=secrets)
            self.warnings = list(fake.warnings)

    monkeypatch.setattr(plugin_module, "Connection", FakeConnection)
    return fake


@pytest.fixture
def credentials(monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return CREDENTIALS


@pytest.fixture
def parse():
    """parse(config_text, cache=True, path=SOURCE) -> (plugin, InventoryData): one plugin.parse() as ansible-core makes it."""

    def run(config, cache=True, path=SOURCE):
        plugin = load_plugin()
        inventory = InventoryData()
        plugin.parse(inventory, DictDataLoader({path: config}), path, cache=cache)
        if getattr(plugin, "_cache", None) is not None and plugin.get_option("cache"):
            plugin.update_cache_if_changed()
        return plugin, inventory

    return run


@pytest.fixture
def inventory_manager(monkeypatch):
    """inventory_manager(config_text, cache=True, path=SOURCE) -> InventoryManager over a DictDataLoader holding the config.

    Only this plugin is enabled; the configuration file exists for the plugin's verify_file (os.path
    is patched for that one path) and is read through the loader.
    """
    real_exists, real_access = os.path.exists, os.access
    fake_paths = set()

    def exists(path):
        return to_native(path) in fake_paths or real_exists(path)

    def access(path, mode, *args, **kwargs):
        return to_native(path) in fake_paths or real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os.path, "exists", exists)
    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(C, "INVENTORY_ENABLED", [NAME])

    def build(config, cache=True, path=SOURCE):
        fake_paths.add(path)
        return InventoryManager(loader=DictDataLoader({path: config}), sources=[path], cache=cache)

    return build
