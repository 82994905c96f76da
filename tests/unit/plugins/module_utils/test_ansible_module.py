# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.partnercenter.csp.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.partnercenter.csp.plugins.module_utils.api_client import PartnerCenterClient
from ansible_collections.partnercenter.csp.plugins.module_utils.ansible_module import PartnerCenterModule, check_customer_options
from ansible_collections.partnercenter.csp.plugins.module_utils.connection import (
    check_connection_params,
    connection_argument_spec,
    non_empty_env_fallback,
)
from ansible_collections.partnercenter.csp.plugins.module_utils.errors import PartnerCenterError, UserInputError
from ansible_collections.partnercenter.csp.tests.unit.module_args import module_args


REFRESH = dict(refresh_token="rt-secret-value", client_id="client-1", tenant_id="contoso.onmicrosoft.com")


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


@pytest.fixture(autouse=True)
def no_exit(monkeypatch, tmp_path):
    def exit_json(module, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(module, msg, **kwargs):
        raise FailJson(dict(kwargs, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    for name in connection_argument_spec():
        monkeypatch.delenv("PARTNERCENTER_%s" % name.upper(), raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def make(args, argument_spec=None, **kwargs):
    with module_args(args):
        return PartnerCenterModule(argument_spec or dict(customer_id=dict(type="str")), **kwargs)


def failure(args, **kwargs):
    with pytest.raises(FailJson) as caught:
        make(args, **kwargs)
    return caught.value.args[0]["msg"]


# -- the argument spec and its documentation -----------------------------------------------------


def test_every_option_has_its_env_fallback():
    for name, spec in connection_argument_spec().items():
        strategy, names = spec["fallback"]
        assert strategy is non_empty_env_fallback
        assert names == ["PARTNERCENTER_%s" % name.upper()]


def test_only_real_secrets_are_no_log():
    spec = connection_argument_spec()
    assert sorted(name for name, option in spec.items() if option.get("no_log")) == ["access_token", "client_secret", "refresh_token"]


def test_doc_fragment_matches_the_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = connection_argument_spec()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        assert documented[name]["type"] == option["type"], name
        assert documented[name].get("default") == option.get("default"), name
        text = " ".join(documented[name]["description"])
        assert "E(PARTNERCENTER_%s)" % name.upper() in text, name
    requirements = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["requirements"]
    assert "msal >= 1.19.0 (only to redeem a refresh token)" in requirements


# -- start-up checks -----------------------------------------------------------------------------


def test_env_fallbacks_are_used(monkeypatch):
    monkeypatch.setenv("PARTNERCENTER_REFRESH_TOKEN", "rt-from-env")
    monkeypatch.setenv("PARTNERCENTER_CLIENT_ID", "client-env")
    monkeypatch.setenv("PARTNERCENTER_TENANT_ID", "tenant-env")
    monkeypatch.setenv("PARTNERCENTER_TIMEOUT", "45")
    monkeypatch.setenv("PARTNERCENTER_VALIDATE_CERTS", "false")
    monkeypatch.setenv("PARTNERCENTER_API_URL", "https://127.0.0.1:8443")
    module = make({})
    assert module.params["refresh_token"] == "rt-from-env"
    assert module.params["timeout"] == 45 and module.params["validate_certs"] is False
    assert module.params["api_url"] == "https://127.0.0.1:8443"
    assert "rt-from-env" in module.no_log_values


def test_empty_env_variables_count_as_unset(monkeypatch):
    # what AWX injects for an optional credential field left empty
    for name in ("API_URL", "AUTHORITY_HOST", "CLIENT_SECRET", "VALIDATE_CERTS", "TIMEOUT"):
        monkeypatch.setenv("PARTNERCENTER_%s" % name, "")
    module = make(dict(REFRESH))
    assert module.params["api_url"] == "https://api.partnercenter.microsoft.com"
    assert module.params["authority_host"] == "https://login.microsoftonline.com"
    assert module.params["client_secret"] is None
    assert module.params["validate_certs"] is True and module.params["timeout"] == 30


def test_defaults():
    module = make(dict(access_token="at"))
    params = module.params
    assert params["api_url"] == "https://api.partnercenter.microsoft.com"
    assert params["authority_host"] == "https://login.microsoftonline.com"
    assert (params["timeout"], params["retries"], params["retry_max_delay"]) == (30, 3, 60)
    assert params["validate_certs"] is True and params["token_cache"] is True
    assert params["token_cache_path"] is None and params["ca_path"] is None


def test_no_credentials():
    msg = failure({})
    assert "refresh_token (PARTNERCENTER_REFRESH_TOKEN)" in msg and "access_token (PARTNERCENTER_ACCESS_TOKEN)" in msg


def test_both_tokens(monkeypatch):
    monkeypatch.setenv("PARTNERCENTER_REFRESH_TOKEN", "rt-from-env")
    msg = failure(dict(access_token="at", client_id="c", tenant_id="t"))
    assert "mutually exclusive" in msg
    assert "access_token (PARTNERCENTER_ACCESS_TOKEN)" in msg and "refresh_token (PARTNERCENTER_REFRESH_TOKEN)" in msg
    assert "rt-from-env" not in msg


@pytest.mark.parametrize("missing, words", [
    ("client_id", "client_id (PARTNERCENTER_CLIENT_ID)"),
    ("tenant_id", "tenant_id (PARTNERCENTER_TENANT_ID)"),
])
def test_refresh_token_needs_client_and_tenant(missing, words):
    args = dict(REFRESH)
    del args[missing]
    msg = failure(args)
    assert words in msg and "refresh_token (PARTNERCENTER_REFRESH_TOKEN)" in msg


@pytest.mark.parametrize("name, value", [
    ("api_url", "http://api.partnercenter.microsoft.com"),
    ("api_url", "api.partnercenter.microsoft.com"),
    ("authority_host", "http://127.0.0.1:8443"),
    ("authority_host", "https://"),
    ("api_url", "ftp://x"),
])
def test_urls_must_be_https(name, value):
    msg = failure(dict(REFRESH, **{name: value}))
    assert "%s (PARTNERCENTER_%s) must be an https:// URL" % (name, name.upper()) in msg


def test_url_with_credentials_is_refused_and_not_echoed():
    msg = failure(dict(REFRESH, api_url="https://user:pa55word@api.example.test"))
    assert "pa55word" not in msg and "api_url (PARTNERCENTER_API_URL)" in msg


@pytest.mark.parametrize("name, value, bounds", [
    ("timeout", 0, "1 and 600"), ("timeout", 601, "1 and 600"),
    ("retries", -1, "0 and 10"), ("retries", 11, "0 and 10"),
    ("retry_max_delay", -1, "0 and 600"), ("retry_max_delay", 601, "0 and 600"),
])
def test_ranges(name, value, bounds):
    msg = failure(dict(REFRESH, **{name: value}))
    assert "%s (PARTNERCENTER_%s) must be between %s, got %d." % (name, name.upper(), bounds, value) in msg


@pytest.mark.parametrize("name, value", [("timeout", 1), ("timeout", 600), ("retries", 0), ("retries", 10),
                                         ("retry_max_delay", 0), ("retry_max_delay", 600)])
def test_range_limits_are_allowed(name, value):
    assert make(dict(REFRESH, **{name: value})).params[name] == value


def test_ca_path_must_be_a_file(tmp_path):
    msg = failure(dict(REFRESH, ca_path=str(tmp_path / "missing.pem")))
    assert "ca_path (PARTNERCENTER_CA_PATH)" in msg
    bundle = tmp_path / "ca.pem"
    bundle.write_text(u"-----BEGIN CERTIFICATE-----\n")
    assert make(dict(REFRESH, ca_path=str(bundle))).params["ca_path"] == str(bundle)


def test_several_problems_in_one_message():
    msg = check_connection_params(dict(api_url="http://x", authority_host="https://login", timeout=0, retries=3, retry_max_delay=60))
    assert "No Partner Center credentials" in msg and "api_url" in msg and "timeout" in msg


def test_module_spec_and_rules_are_merged():
    spec = dict(customer_id=dict(type="str"), name=dict(type="str"), other=dict(type="str"))
    module = make(dict(REFRESH, customer_id="c", name="n"), argument_spec=spec, mutually_exclusive=[("name", "other")],
                  supports_check_mode=True)
    assert module.params["customer_id"] == "c" and module.check_mode is False
    with pytest.raises(FailJson) as caught:
        make(dict(REFRESH, name="n", other="o"), argument_spec=dict(name=dict(type="str"), other=dict(type="str")),
             mutually_exclusive=[("name", "other")])
    assert "mutually exclusive" in caught.value.args[0]["msg"]


# -- the client glue -----------------------------------------------------------------------------


def test_client_is_built_once_from_the_params(tmp_path):
    module = make(dict(REFRESH, api_url="https://127.0.0.1:8443/", authority_host="https://127.0.0.1:9443",
                       timeout=12, retries=5, retry_max_delay=7, client_secret="cs"))
    client = module.client
    assert isinstance(client, PartnerCenterClient) and module.client is client
    assert client.api_url == "https://127.0.0.1:8443"
    assert (client.timeout, client.retries, client.retry_max_delay) == (12, 5, 7)
    provider = client.token_provider
    assert provider.authority == "https://127.0.0.1:9443/contoso.onmicrosoft.com"
    assert provider.can_refresh and provider.timeout == 12
    assert provider.cache.path == str(tmp_path / "xdg" / "partnercenter.csp" / "tokens.json")
    assert len(client.correlation_id) == 36


def test_no_cache_with_token_cache_false_or_an_access_token():
    assert make(dict(REFRESH, token_cache=False)).client.token_provider.cache is None
    module = make(dict(access_token="at"))
    assert module.client.token_provider.cache is None and module.client.token_provider.can_refresh is False


def test_token_cache_false_keeps_the_shared_throttle(tmp_path):
    """token_cache=false keeps no token on disk, but the forks still share Retry-After and pace through throttle.json
    in the token cache's directory (issue 15 section 7)."""
    path = str(tmp_path / "mine" / "t.json")
    client = make(dict(REFRESH, token_cache=False, token_cache_path=path)).client
    assert client.token_provider.cache is None
    throttle = client.shared_throttle
    assert throttle is not None and throttle.path == str(tmp_path / "mine" / "throttle.json")
    throttle.defer_until(time.time() + 5)
    assert make(dict(REFRESH, token_cache=False, token_cache_path=path)).client.shared_throttle.not_before() is not None
    assert sorted(os.listdir(str(tmp_path / "mine"))) == ["throttle.json", "throttle.json.lock"], "no token file"


def test_custom_cache_path(tmp_path):
    path = str(tmp_path / "mine" / "t.json")
    assert make(dict(REFRESH, token_cache_path=path)).client.token_provider.cache.path == path


def test_tokens_obtained_are_registered_as_no_log():
    module = make(dict(REFRESH))
    module.client.token_provider._register_secret("eyJ-acquired-token")
    assert "eyJ-acquired-token" in module.no_log_values


@pytest.mark.parametrize("finish", ["exit_json", "fail_json"])
def test_cache_warnings_reach_the_module_once(tmp_path, monkeypatch, finish):
    directory = tmp_path / "open"
    directory.mkdir()
    os.chmod(str(directory), 0o777)
    module = make(dict(REFRESH, token_cache_path=str(directory / "t.json")))
    warnings = []
    monkeypatch.setattr(module, "warn", warnings.append)
    module.client.token_provider.cache.get("k")
    module.client.token_provider.cache.put("k", "at", 1e12)
    with pytest.raises((ExitJson, FailJson)):
        getattr(module, finish)(msg="done")
    with pytest.raises((ExitJson, FailJson)):
        getattr(module, finish)(msg="again")
    assert len(warnings) == 1 and "writable by group or others" in warnings[0]


def test_fail_from_error():
    module = make(dict(access_token="at"))
    error = PartnerCenterError("HTTP 404", status=404, code=60002, description="User object Id is not found.",
                               request_id="r", correlation_id="c", method="GET", url="https://x/v1/y")
    with pytest.raises(FailJson) as caught:
        module.fail_from_error(error, user=None)
    result = caught.value.args[0]
    assert result == dict(msg=str(error), status=404, error_code=60002, error_description="User object Id is not found.",
                          request_id="r", correlation_id="c", method="GET", url="https://x/v1/y", user=None)


@pytest.mark.parametrize("params, option", [
    (dict(customer_id="contoso"), "customer_id"),
    (dict(customer_id="46a62ece-10ad-42e5-b3f1-b2ed53e6fc0"), "customer_id"),
    (dict(customer_domain="contoso"), "customer_domain"),
    (dict(customer_domain="contoso .onmicrosoft.com"), "customer_domain"),
    # A trailing newline is no part of a GUID ($ would have matched before it); a line break is no part of a domain.
    (dict(customer_id="46a62ece-10ad-42e5-b3f1-b2ed53e6fc08\n"), "customer_id"),
    (dict(customer_domain="contoso.onmicrosoft\n.com"), "customer_domain"),
    (dict(customer_domain="contoso.onmicrosoft.com\tfabrikam.com"), "customer_domain"),
])
def test_malformed_customer_options_are_refused_naming_the_option(params, option):
    with pytest.raises(UserInputError) as raised:
        check_customer_options(params)
    assert str(raised.value).startswith(option)


def test_well_formed_customer_options_pass():
    check_customer_options(dict(customer_id="46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"))
    check_customer_options(dict(customer_domain="contoso.onmicrosoft.com"))
