# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Set a module's arguments for an in-process run, on every supported ansible-core."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import json

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19+
except ImportError:
    patch_module_args = None


@contextlib.contextmanager
def module_args(args):
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    # ansible-core 2.16-2.18 read the arguments from this module global
    legacy = dict(args, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
    original = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": legacy}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = original
