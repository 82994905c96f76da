# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The connection options (with their environment variables) and the module -> client glue.

Documented once in plugins/doc_fragments/connection.py; keep the two in step.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
from urllib.parse import urlparse

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import DEFAULT_API_URL, PartnerCenterClient
from ansible_collections.partnercenter.csp.plugins.module_utils.auth import TokenProvider
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import option
from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import TokenCache, default_token_cache_path

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# Allowed ranges of the integer options: (lowest, highest).
RANGES = dict(timeout=(1, 600), retries=(0, 10), retry_max_delay=(0, 600))


def non_empty_env_fallback(*names):
    """Like ansible's env_fallback, but an empty variable counts as unset.

    AWX renders every injector of a credential, so an optional field left empty arrives as an
    empty variable; it must mean "use the default", not "use the empty string".
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def _env(name):
    return (non_empty_env_fallback, ["PARTNERCENTER_%s" % name.upper()])


def connection_argument_spec():
    """The connection options every module takes; each falls back to PARTNERCENTER_<OPTION> from the environment."""
    return dict(
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=_env("api_url")),
        authority_host=dict(type="str", default=DEFAULT_AUTHORITY_HOST, fallback=_env("authority_host")),
        tenant_id=dict(type="str", fallback=_env("tenant_id")),
        client_id=dict(type="str", fallback=_env("client_id")),
        client_secret=dict(type="str", no_log=True, fallback=_env("client_secret")),
        refresh_token=dict(type="str", no_log=True, fallback=_env("refresh_token")),
        access_token=dict(type="str", no_log=True, fallback=_env("access_token")),
        validate_certs=dict(type="bool", default=True, fallback=_env("validate_certs")),
        ca_path=dict(type="path", fallback=_env("ca_path")),
        timeout=dict(type="int", default=30, fallback=_env("timeout")),
        retries=dict(type="int", default=3, fallback=_env("retries")),
        retry_max_delay=dict(type="int", default=60, fallback=_env("retry_max_delay")),
        token_cache=dict(type="bool", default=True, no_log=False, fallback=_env("token_cache")),
        token_cache_path=dict(type="path", no_log=False, fallback=_env("token_cache_path")),
    )


def _check_https(name, value):
    parts = urlparse(value or "")
    if parts.scheme.lower() != "https" or not parts.hostname:
        shown = "(a URL with credentials)" if "@" in (parts.netloc or "") else repr(value)
        return "%s must be an https:// URL with a host name, got %s." % (option(name), shown)
    if parts.username or parts.password:
        return "%s must not contain credentials." % option(name)
    return None


def check_connection_params(params):
    """Every problem with the connection options, as one message naming options and environment variables; None when fine."""
    problems = []
    if params.get("access_token") and params.get("refresh_token"):
        problems.append("%s and %s are mutually exclusive: set only one of them (mind the environment variables too)."
                        % (option("access_token"), option("refresh_token")))
    elif not params.get("access_token") and not params.get("refresh_token"):
        problems.append("No Partner Center credentials: set %s together with %s and %s, or %s."
                        % (option("refresh_token"), option("client_id"), option("tenant_id"), option("access_token")))
    elif params.get("refresh_token"):
        for name, what in (("client_id", "the application the refresh token was issued to"), ("tenant_id", "the partner tenant")):
            if not params.get(name):
                problems.append("%s needs %s, %s." % (option("refresh_token"), option(name), what))
    for name in ("api_url", "authority_host"):
        problem = _check_https(name, params.get(name))
        if problem:
            problems.append(problem)
    for name, (low, high) in sorted(RANGES.items()):
        value = params.get(name)
        if value is not None and not low <= value <= high:
            problems.append("%s must be between %d and %d, got %d." % (option(name), low, high, value))
    ca_path = params.get("ca_path")
    if ca_path and params.get("validate_certs", True) and not os.path.isfile(ca_path):
        problems.append("%s %s is not a file: give the PEM bundle of the CA certificates to trust." % (option("ca_path"), ca_path))
    return " ".join(problems) or None


class PartnerCenterModule(AnsibleModule):
    """AnsibleModule with the connection options, their start-up checks, and a lazily built PartnerCenterClient."""

    def __init__(self, argument_spec, mutually_exclusive=None, **kwargs):
        self._client = None
        self._token_cache = None
        self._warnings_passed = 0
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super(PartnerCenterModule, self).__init__(argument_spec=spec, mutually_exclusive=mutually_exclusive, **kwargs)
        problem = check_connection_params(self.params)
        if problem:
            self.fail_json(msg=problem)

    @property
    def client(self):
        """The PartnerCenterClient of this run (one correlation id), built on first use."""
        if self._client is None:
            params = self.params
            if params["token_cache"] and params["refresh_token"]:
                self._token_cache = TokenCache(params["token_cache_path"] or default_token_cache_path())
            provider = TokenProvider(
                params["authority_host"], params["tenant_id"], client_id=params["client_id"],
                client_secret=params["client_secret"], refresh_token=params["refresh_token"],
                access_token=params["access_token"], cache=self._token_cache, validate_certs=params["validate_certs"],
                ca_path=params["ca_path"], timeout=params["timeout"], register_secret=self.no_log_values.add,
                retries=params["retries"], retry_max_delay=params["retry_max_delay"])
            self._client = PartnerCenterClient(
                params["api_url"], provider, timeout=params["timeout"], validate_certs=params["validate_certs"],
                ca_path=params["ca_path"], retries=params["retries"], retry_max_delay=params["retry_max_delay"])
        return self._client

    def _pass_warnings(self):
        cache = self._token_cache
        if cache is not None:
            for warning in cache.warnings[self._warnings_passed:]:
                self.warn(warning)
            self._warnings_passed = len(cache.warnings)

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
