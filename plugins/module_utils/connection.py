# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The connection options, their checks, and the client they build, free of AnsibleModule.

Modules (ansible_module.py) and the customers inventory plugin both start here, so a
connection behaves the same from a task and from an inventory source. Documented once in
plugins/doc_fragments/connection.py; keep the two in step (a unit test holds them together).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
from urllib.parse import urlparse

from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import DEFAULT_API_URL, PartnerCenterClient
from ansible_collections.partnercenter.csp.plugins.module_utils.auth import TokenProvider
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import option
from ansible_collections.partnercenter.csp.plugins.module_utils.throttle import SharedThrottle
from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import TokenCache, default_token_cache_path

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
# Allowed ranges of the integer options: (lowest, highest).
RANGES = dict(timeout=(1, 600), retries=(0, 10), retry_max_delay=(0, 600))
ENV_PREFIX = "PARTNERCENTER_"


def env_name(name):
    """PARTNERCENTER_<OPTION>: the environment variable an option falls back to."""
    return ENV_PREFIX + name.upper()


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
    return (non_empty_env_fallback, [env_name(name)])


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
        rotate_refresh_token=dict(type="bool", default=True, no_log=False, fallback=_env("rotate_refresh_token")),
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


class Connection:
    """The client of one run built from checked connection options, and the files it shares with other processes.

    token_cache is None when token_cache is off; throttle (throttle.json in the token cache's directory,
    which holds no secret) is there either way, so that token_cache=false does not also turn off the
    forks' shared Retry-After and pace. Their warnings (files that cannot be trusted) are collected
    for the caller to show. secrets: a set (a module's no_log_values) that
    every token obtained is added to and that is redacted from every quoted response body.
    """

    def __init__(self, params, secrets=None):
        secrets = secrets if secrets is not None else set()
        self.token_cache = None
        path = params.get("token_cache_path") or default_token_cache_path()
        if params.get("token_cache", True) and params.get("refresh_token"):
            self.token_cache = TokenCache(path)
        # Beside the token cache: one file per user and machine, shared by every process of a run.
        throttle_path = os.path.join(os.path.dirname(os.path.abspath(os.path.expanduser(path))), "throttle.json")
        partner = (params.get("api_url"), params.get("authority_host"), params.get("tenant_id"), params.get("client_id"))
        self.throttle = SharedThrottle(throttle_path, partner=partner)
        self.token_provider = TokenProvider(
            params.get("authority_host") or DEFAULT_AUTHORITY_HOST, params.get("tenant_id"), client_id=params.get("client_id"),
            client_secret=params.get("client_secret"), refresh_token=params.get("refresh_token"),
            access_token=params.get("access_token"), cache=self.token_cache, validate_certs=params.get("validate_certs", True),
            ca_path=params.get("ca_path"), timeout=params.get("timeout", 30), register_secret=secrets.add,
            retries=params.get("retries", 3), retry_max_delay=params.get("retry_max_delay", 60),
            rotate=params.get("rotate_refresh_token", True))
        self.client = PartnerCenterClient(
            params.get("api_url") or DEFAULT_API_URL, self.token_provider, timeout=params.get("timeout", 30),
            validate_certs=params.get("validate_certs", True), ca_path=params.get("ca_path"), retries=params.get("retries", 3),
            retry_max_delay=params.get("retry_max_delay", 60), shared_throttle=self.throttle, secrets=secrets)

    @property
    def warnings(self):
        """Warnings so far, in order, without repeats: untrusted cache files, answers that could not be read."""
        collected = []
        for source in (self.token_cache, self.throttle, self.client, self.token_provider):
            for warning in getattr(source, "warnings", None) or ():
                if warning not in collected:
                    collected.append(warning)
        return collected
