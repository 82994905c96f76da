# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection doc fragment's PLUGINS part (the env: entries), held against its options and the argument spec."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import yaml

from ansible_collections.partnercenter.csp.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.partnercenter.csp.plugins.inventory import customers as plugin_module
from ansible_collections.partnercenter.csp.plugins.module_utils.connection import connection_argument_spec
from ansible_collections.partnercenter.csp.tests.unit.plugins.inventory.inventory_fakes import load_plugin


def plugin_options():
    return yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]


def test_plugin_env_names_are_the_fallbacks_of_the_argument_spec():
    documented = dict((name, [entry["name"] for entry in option["env"]]) for name, option in plugin_options().items())
    fallbacks = dict((name, list(spec["fallback"][1])) for name, spec in connection_argument_spec().items())
    assert documented == fallbacks


def test_the_plugin_part_adds_only_env_to_every_documented_option():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    plugins = plugin_options()
    spec = connection_argument_spec()
    assert sorted(plugins) == sorted(options) == sorted(spec)
    for name, option in options.items():
        assert set(plugins[name]) == {"env"}, name
        assert option["type"] == spec[name]["type"] and option.get("default") == spec[name].get("default"), name
        assert "E(%s)" % spec[name]["fallback"][1][0] in " ".join(option["description"]), name


def test_the_plugin_extends_the_plugins_variant():
    documentation = yaml.safe_load(plugin_module.DOCUMENTATION)
    assert {"partnercenter.csp.connection", "partnercenter.csp.connection.plugins"} <= set(documentation["extends_documentation_fragment"])
    assert {"ansible.builtin.constructed", "ansible.builtin.inventory_cache"} <= set(documentation["extends_documentation_fragment"])


def test_ansible_core_sees_every_connection_option_with_its_env():
    # the definitions ansible-core registered when it loaded the plugin, fragments merged
    from ansible import constants as C
    plugin = load_plugin()
    definitions = C.config.get_configuration_definitions("inventory", plugin._load_name)
    for name, spec in connection_argument_spec().items():
        assert [entry["name"] for entry in definitions[name]["env"]] == list(spec["fallback"][1]), name
    assert {"compose", "groups", "keyed_groups", "strict", "cache", "cache_plugin", "cache_connection", "domain",
            "company_name"} <= set(definitions)
