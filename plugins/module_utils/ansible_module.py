# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""PartnerCenterModule: AnsibleModule with the connection options and a lazily built client.

The options themselves, their checks and the client factory are in connection.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.partnercenter.csp.plugins.module_utils.connection import (
    Connection,
    check_connection_params,
    connection_argument_spec,
)


class PartnerCenterModule(AnsibleModule):
    """AnsibleModule with the connection options, their start-up checks, and a lazily built PartnerCenterClient."""

    def __init__(self, argument_spec, mutually_exclusive=None, **kwargs):
        self._connection = None
        self._warned = set()
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super(PartnerCenterModule, self).__init__(argument_spec=spec, mutually_exclusive=mutually_exclusive, **kwargs)
        problem = check_connection_params(self.params)
        if problem:
            self.fail_json(msg=problem)

    @property
    def client(self):
        """The PartnerCenterClient of this run (one correlation id), built on first use."""
        if self._connection is None:
            self._connection = Connection(self.params, secrets=self.no_log_values)
        return self._connection.client

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

    def fail_from_error(self, error, **extra):
        """fail_json with everything a PartnerCenterError knows (msg, status, error_code, ids, method, url) plus extra."""
        result = error.to_result()
        result.update(extra)
        self.fail_json(**result)
