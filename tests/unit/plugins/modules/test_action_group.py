# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""module_defaults: group/partnercenter.csp.partnercenter must reach every module, or a new module silently
runs without the connection options a playbook set once for the group."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import yaml

COLLECTION = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")


def test_the_partnercenter_action_group_lists_every_module_and_nothing_else():
    with open(os.path.join(COLLECTION, "meta", "runtime.yml")) as handle:
        group = yaml.safe_load(handle)["action_groups"]["partnercenter"]
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(COLLECTION, "plugins", "modules"))
                     if name.endswith(".py") and name != "__init__.py")
    assert len(modules) >= 6
    assert sorted(group) == modules
