# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The partnercenter.csp.customers inventory plugin, loaded as ansible-core loads it, against a fake Partner Center."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import math
import os
import textwrap

import pytest
import yaml

from ansible.errors import AnsibleParserError
from ansible.utils import unsafe_proxy

from ansible_collections.partnercenter.csp.plugins.inventory import customers as plugin_module
from ansible_collections.partnercenter.csp.tests.unit.plugins.inventory.inventory_fakes import (
    CREDENTIALS,
    SOURCE,
    api_customer,
    load_plugin,
    query,
)

BASE = "plugin: partnercenter.csp.customers\n"
# ansible-core 2.19+ has no unsafe wrapper type (data is untrusted unless tagged); 2.16 wraps in AnsibleUnsafeText.
WRAPS = not hasattr(__import__("ansible.template", fromlist=["template"]), "trust_as_template")


def config(text=""):
    return BASE + textwrap.dedent(text)


def seed(partner_center, count):
    partner_center.customers = [api_customer(number) for number in range(1, count + 1)]


def failure(parse, text):
    with pytest.raises(AnsibleParserError) as caught:
        parse(config(text))
    return str(caught.value)


def plain(value):
    """A variable's value as plain data (the text of an unsafe string)."""
    return value if value is None else str(value)


# -- which files --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, wanted", [
    ("customers.partnercenter.yml", True),
    ("customers.partnercenter.yaml", True),
    ("partnercenter.yml", False),
    ("customers.yml", False),
    ("customers.partnercenter.json", False),
    ("customers.partnercenter.yml.orig", False),
])
def test_verify_file_takes_only_the_documented_suffixes(tmp_path, name, wanted):
    path = tmp_path / name
    path.write_text(BASE)
    assert load_plugin().verify_file(str(path)) is wanted


def test_verify_file_refuses_a_missing_file(tmp_path):
    assert load_plugin().verify_file(str(tmp_path / "missing.partnercenter.yml")) is False


# -- options refused before any request ---------------------------------------------------------


def test_unknown_keys_are_refused_naming_them_before_any_request(parse, partner_center, credentials):
    message = failure(parse, "colour: blue\ndomian: contoso\ndomain: contoso\n")
    assert "unknown options in the inventory configuration: colour, domian." in message
    assert "domain," in message  # the valid options are listed
    assert partner_center.calls == [] and partner_center.connections == []


def test_missing_credentials_fail_naming_the_options_before_any_request(parse, partner_center):
    message = failure(parse, "")
    assert "No Partner Center credentials" in message
    assert "refresh_token (PARTNERCENTER_REFRESH_TOKEN)" in message and "access_token (PARTNERCENTER_ACCESS_TOKEN)" in message
    assert partner_center.calls == [] and partner_center.connections == []


def test_refresh_token_without_client_id_is_named(parse, partner_center, monkeypatch):
    monkeypatch.setenv("PARTNERCENTER_REFRESH_TOKEN", "rt-unit-secret-value")
    monkeypatch.setenv("PARTNERCENTER_TENANT_ID", "partner.onmicrosoft.com")
    message = failure(parse, "")
    assert "client_id (PARTNERCENTER_CLIENT_ID)" in message and "rt-unit-secret-value" not in message
    assert partner_center.calls == []


@pytest.mark.parametrize("text, words", [
    ("domain: ''", ["domain must not be empty"]),
    ("domain: '   '", ["domain must not be empty"]),
    ("company_name: ''", ["company_name must not be empty"]),
    ("domain: 42", ["domain must be a string", "a number"]),
    ("company_name: true", ["company_name must be a string", "a boolean"]),
    ("domain: {a: 1}", ["domain"]),
    ("domain: [contoso, fabrikam]", ["domain"]),
    ("domain: contoso\ncompany_name: Contoso", ["domain and company_name are mutually exclusive", "one field"]),
    ("validate_certs: maybe", ["validate_certs must be a boolean", "'maybe'"]),
    ("timeout: 0", ["timeout (PARTNERCENTER_TIMEOUT) must be between 1 and 600"]),
    ("api_url: http://api.partnercenter.microsoft.com", ["api_url (PARTNERCENTER_API_URL) must be an https:// URL"]),
])
def test_bad_values_fail_naming_the_option_before_any_request(parse, partner_center, credentials, text, words):
    message = failure(parse, text + "\n")
    for word in words:
        assert word in message
    assert partner_center.calls == [] and partner_center.connections == []


def test_a_secret_of_the_wrong_type_is_named_but_not_quoted(parse, partner_center, credentials):
    message = failure(parse, "client_secret: [cs-listed-secret-value]\n")
    assert "client_secret must be a string" in message and "cs-listed-secret-value" not in message
    assert partner_center.calls == []


def test_no_secret_reaches_a_refusal(parse, partner_center, monkeypatch):
    monkeypatch.setenv("PARTNERCENTER_ACCESS_TOKEN", "at-unit-secret-value")
    monkeypatch.setenv("PARTNERCENTER_REFRESH_TOKEN", "rt-unit-secret-value")
    message = failure(parse, "client_secret: cs-unit-secret-value\n")
    assert "mutually exclusive" in message
    for secret in ("at-unit-secret-value", "rt-unit-secret-value", "cs-unit-secret-value"):
        assert secret not in message


# -- the environment ----------------------------------------------------------------------------


def test_empty_environment_variables_count_as_unset(parse, partner_center, credentials, monkeypatch):
    # what AWX injects for the optional fields of the credential, and what a half-filled shell leaves
    for name in ("API_URL", "AUTHORITY_HOST", "CLIENT_SECRET", "VALIDATE_CERTS", "TOKEN_CACHE", "TIMEOUT", "RETRIES",
                 "RETRY_MAX_DELAY", "CA_PATH", "TOKEN_CACHE_PATH", "ACCESS_TOKEN"):
        monkeypatch.setenv("PARTNERCENTER_%s" % name, "")
    parse(config())
    params = partner_center.connections[0]["params"]
    assert params["validate_certs"] is True  # never turned off by an empty variable
    assert params["token_cache"] is True
    assert params["api_url"] == "https://api.partnercenter.microsoft.com"
    assert params["authority_host"] == "https://login.microsoftonline.com"
    assert params["client_secret"] is None and params["access_token"] is None
    assert params["ca_path"] is None and params["token_cache_path"] is None
    assert (params["timeout"], params["retries"], params["retry_max_delay"]) == (30, 3, 60)
    assert params["refresh_token"] == CREDENTIALS["PARTNERCENTER_REFRESH_TOKEN"]


def test_environment_values_are_used_and_the_file_wins(parse, partner_center, credentials, monkeypatch):
    monkeypatch.setenv("PARTNERCENTER_VALIDATE_CERTS", "false")
    monkeypatch.setenv("PARTNERCENTER_TIMEOUT", "45")
    monkeypatch.setenv("PARTNERCENTER_API_URL", "https://127.0.0.1:8443")
    parse(config("timeout: 50\n"))
    params = partner_center.connections[0]["params"]
    assert params["validate_certs"] is False and params["timeout"] == 50 and params["api_url"] == "https://127.0.0.1:8443"
    assert params["client_id"] == "client-1" and params["tenant_id"] == "partner.onmicrosoft.com"


def test_a_bad_boolean_in_the_environment_is_refused(parse, partner_center, credentials, monkeypatch):
    monkeypatch.setenv("PARTNERCENTER_VALIDATE_CERTS", "flase")
    message = failure(parse, "")
    assert "validate_certs must be a boolean" in message and "PARTNERCENTER_VALIDATE_CERTS" in message
    assert partner_center.calls == []


def test_the_secrets_are_handed_over_as_a_set(parse, partner_center, credentials):
    parse(config())
    secrets = partner_center.connections[0]["secrets"]
    assert isinstance(secrets, set)
    assert {"rt-unit-secret-value", "cs-unit-secret-value"} <= secrets


def test_no_secret_reaches_a_failure_or_a_warning(parse, partner_center, credentials, monkeypatch):
    warnings = []
    monkeypatch.setattr(plugin_module.display, "warning", lambda text, *args, **kwargs: warnings.append(text))
    partner_center.warnings = ["token cache: refresh token rt-unit-secret-value was not cached"]
    partner_center.error = RuntimeError("the answer quoted rt-unit-secret-value and cs-unit-secret-value")
    message = failure(parse, "")
    assert "reading the customers failed" in message
    assert "rt-unit-secret-value" not in message and "cs-unit-secret-value" not in message and "********" in message
    assert warnings and all("rt-unit-secret-value" not in text for text in warnings)


def test_a_partner_center_error_is_reported_with_its_hint(parse, partner_center, credentials):
    partner_center.answer = (403, {}, json.dumps({"code": 900308, "description": "Access denied"}).encode("utf-8"))
    message = failure(parse, "")
    assert "GET https://api.partnercenter.microsoft.com/v1/customers?size=500 failed" in message
    assert "HTTP 403" in message and "Hint:" in message


# -- hosts, groups, Constructable ---------------------------------------------------------------


def test_hosts_groups_and_constructable_through_the_inventory_manager(inventory_manager, partner_center, credentials):
    partner_center.customers = [
        api_customer(1, domain="contoso.onmicrosoft.com", company_name="Contoso"),
        api_customer(2, domain="fabrikam.onmicrosoft.com", company_name="Fabrikam", relationship="advisor"),
        api_customer(3, domain=False, company_name="No Domain Inc", tenant_id="6f1b9f4e-6a73-4c0e-9d2c-1f7f3b0f6a01"),
    ]
    manager = inventory_manager(config("""\
        compose:
          customer_label: partnercenter_company_name ~ ' (' ~ partnercenter_relationship ~ ')'
          is_advisor: partnercenter_relationship == 'advisor'
        groups:
          advisors: is_advisor
          contoso_like: partnercenter_company_name.startswith('Contoso')
        keyed_groups:
          - key: partnercenter_relationship
            prefix: relationship
          - key: customer_label
            separator: ''
            prefix: ''
        strict: true
        """))
    hosts = sorted(host.name for host in manager.get_hosts())
    assert hosts == ["6f1b9f4e-6a73-4c0e-9d2c-1f7f3b0f6a01", "contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"]
    groups = manager.get_groups_dict()
    assert sorted(groups["partnercenter_customers"]) == hosts
    assert groups["advisors"] == ["fabrikam.onmicrosoft.com"]
    assert groups["contoso_like"] == ["contoso.onmicrosoft.com"]
    assert groups["relationship_advisor"] == ["fabrikam.onmicrosoft.com"]
    assert sorted(groups["relationship_reseller"]) == ["6f1b9f4e-6a73-4c0e-9d2c-1f7f3b0f6a01", "contoso.onmicrosoft.com"]
    assert groups["Contoso__reseller_"] == ["contoso.onmicrosoft.com"]

    contoso = manager.get_host("contoso.onmicrosoft.com").get_vars()
    assert dict((key, plain(contoso[key])) for key in (
        "partnercenter_customer_id", "partnercenter_tenant_id", "partnercenter_company_name", "partnercenter_domain",
        "partnercenter_relationship", "ansible_connection", "customer_label")) == dict(
        partnercenter_customer_id="00000001-0000-4000-8000-000000000001",
        partnercenter_tenant_id="00000001-0000-4000-8000-000000000001",
        partnercenter_company_name="Contoso", partnercenter_domain="contoso.onmicrosoft.com",
        partnercenter_relationship="reseller", ansible_connection="local", customer_label="Contoso (reseller)")
    nameless = manager.get_host("6f1b9f4e-6a73-4c0e-9d2c-1f7f3b0f6a01").get_vars()
    assert nameless["partnercenter_domain"] is None
    assert plain(nameless["partnercenter_company_name"]) == "No Domain Inc"
    assert len(partner_center.listings) == 1


def test_strict_reports_a_bad_keyed_group_and_lenient_skips_it(parse, partner_center, credentials):
    seed(partner_center, 2)
    text = "keyed_groups:\n  - key: partnercenter_no_such_variable\n    prefix: x\n"
    with pytest.raises(AnsibleParserError):
        parse(config(text + "strict: true\n"))
    plugin, inventory = parse(config(text + "strict: false\n"))
    assert sorted(inventory.hosts) == ["customer00001.onmicrosoft.com", "customer00002.onmicrosoft.com"]
    assert sorted(inventory.groups) == ["all", "partnercenter_customers", "ungrouped"]


def test_two_customers_with_one_default_domain_get_two_hosts(parse, partner_center, credentials, monkeypatch):
    warnings = []
    monkeypatch.setattr(plugin_module.display, "warning", lambda text, *args, **kwargs: warnings.append(text))
    partner_center.customers = [api_customer(1, domain="same.onmicrosoft.com"), api_customer(2, domain="same.onmicrosoft.com")]
    plugin, inventory = parse(config())
    assert sorted(inventory.hosts) == ["00000002-0000-4000-8000-000000000002", "same.onmicrosoft.com"]
    assert "same default domain" in warnings[0]


@pytest.mark.parametrize("count", [0, 1, 500, 501, 1001])
def test_one_paged_listing_of_ceil_n_over_500_requests(parse, partner_center, credentials, count):
    seed(partner_center, count)
    plugin, inventory = parse(config())
    assert len(inventory.hosts) == count
    assert len(partner_center.calls) == max(1, int(math.ceil(count / 500.0)))
    assert all(call["url"].startswith("https://api.partnercenter.microsoft.com/v1/customers?") for call in partner_center.calls)
    assert "size=500" in partner_center.calls[0]["url"]
    if count > 500:
        assert partner_center.calls[1]["headers"]["MS-ContinuationToken"] == "500"


@pytest.mark.parametrize("option, value, field", [("domain", "Contoso", "Domain"), ("company_name", "fab", "CompanyName")])
def test_a_filter_is_one_filtered_listing(parse, partner_center, credentials, option, value, field):
    partner_center.customers = [api_customer(1, domain="contoso.onmicrosoft.com", company_name="Contoso"),
                                api_customer(2, domain="fabrikam.onmicrosoft.com", company_name="Fabrikam"),
                                api_customer(3, domain="contoso-eu.onmicrosoft.com", company_name="Contoso EU")]
    plugin, inventory = parse(config("%s: %s\n" % (option, value)))
    expected = {"domain": ["contoso-eu.onmicrosoft.com", "contoso.onmicrosoft.com"], "company_name": ["fabrikam.onmicrosoft.com"]}
    assert sorted(inventory.hosts) == expected[option]
    assert len(partner_center.calls) == 1
    sent = json.loads(query(partner_center.calls[0]["url"])["filter"])
    assert sent == {"Field": field, "Value": value, "Operator": "starts_with"}


# -- untrusted strings --------------------------------------------------------------------------


def test_strings_with_braces_are_unsafe_and_never_templated(inventory_manager, partner_center, credentials):
    evil = "Evil {{ 7 * 6 }} {{ lookup('env', 'HOME') }} Ltd"
    partner_center.customers = [api_customer(1, domain="evil.onmicrosoft.com", company_name=evil),
                                api_customer(2, domain="plain.onmicrosoft.com", company_name="Plain Ltd")]
    manager = inventory_manager(config("compose:\n  shown: partnercenter_company_name\n"))
    evil_vars = manager.get_host("evil.onmicrosoft.com").get_vars()
    assert str(evil_vars["shown"]) == evil  # not "Evil 42 /root Ltd"
    assert str(evil_vars["partnercenter_company_name"]) == evil
    plain_vars = manager.get_host("plain.onmicrosoft.com").get_vars()
    if WRAPS:
        assert isinstance(evil_vars["partnercenter_company_name"], unsafe_proxy.AnsibleUnsafe)
        # only strings with braces are wrapped (AWX, community.general issue 8212)
        assert not isinstance(plain_vars["partnercenter_company_name"], unsafe_proxy.AnsibleUnsafe)


def test_make_unsafe_wraps_only_strings_with_braces():
    assert plugin_module.make_unsafe("contoso") == "contoso"
    if WRAPS:
        assert not isinstance(plugin_module.make_unsafe("contoso"), unsafe_proxy.AnsibleUnsafe)
    assert plugin_module.make_unsafe(None) is None and plugin_module.make_unsafe(3) == 3
    for text in ("a{b", "a}b", "{{ x }}", "{% raw %}"):
        wrapped = plugin_module.make_unsafe(text)
        assert wrapped == text
        if WRAPS:
            assert isinstance(wrapped, unsafe_proxy.AnsibleUnsafe)


def test_the_documented_example_configuration_works(inventory_manager, partner_center, credentials, tmp_path):
    example = yaml.safe_load(plugin_module.EXAMPLES)
    example["cache_connection"] = str(tmp_path / "example-cache")
    partner_center.customers = [api_customer(1, domain="contoso.onmicrosoft.com", company_name="Contoso"),
                                api_customer(2, domain="contoso-eu.onmicrosoft.com", company_name="Contoso EU", relationship="advisor"),
                                api_customer(3, domain="fabrikam.onmicrosoft.com", company_name="Fabrikam")]
    groups = inventory_manager(yaml.safe_dump(example)).get_groups_dict()
    assert sorted(groups["partnercenter_customers"]) == ["contoso-eu.onmicrosoft.com", "contoso.onmicrosoft.com"]
    assert groups["advisors"] == groups["relationship_advisor"] == ["contoso-eu.onmicrosoft.com"]
    assert len(os.listdir(str(tmp_path / "example-cache"))) == 1


# -- the inventory cache ------------------------------------------------------------------------


def cached_config(tmp_path, extra=""):
    return config("""\
        cache: true
        cache_plugin: ansible.builtin.jsonfile
        cache_connection: %s
        """ % (tmp_path / "inventory-cache")) + extra


def test_cache_miss_then_hit_then_flush_that_stores(inventory_manager, partner_center, credentials, tmp_path):
    seed(partner_center, 3)
    text = cached_config(tmp_path)
    first = inventory_manager(text)
    assert len(first.get_hosts()) == 3 and len(partner_center.calls) == 1  # miss: read and stored
    files = os.listdir(str(tmp_path / "inventory-cache"))
    assert len(files) == 1

    seed(partner_center, 4)
    second = inventory_manager(text)
    assert len(second.get_hosts()) == 3 and len(partner_center.calls) == 1  # hit: no request, the stored list

    flushed = inventory_manager(text, cache=False)  # --flush-cache
    assert len(flushed.get_hosts()) == 4 and len(partner_center.calls) == 2

    seed(partner_center, 5)
    after = inventory_manager(text)
    assert len(after.get_hosts()) == 4 and len(partner_center.calls) == 2  # the flush stored what it read


def test_the_cache_holds_customer_dicts_and_no_secret(inventory_manager, partner_center, credentials, tmp_path):
    partner_center.customers = [api_customer(1, company_name="Evil {{ 1 }}")]
    inventory_manager(cached_config(tmp_path, "compose:\n  x: partnercenter_domain\n"))
    (name,) = os.listdir(str(tmp_path / "inventory-cache"))
    with open(str(tmp_path / "inventory-cache" / name)) as handle:
        text = handle.read()
    stored = json.loads(text)
    if isinstance(stored, dict) and "__payload__" in stored:  # ansible-core 2.19+ wraps the entry
        stored = json.loads(stored["__payload__"])
    assert stored == [dict(id="00000001-0000-4000-8000-000000000001", tenant_id="00000001-0000-4000-8000-000000000001",
                           domain="customer00001.onmicrosoft.com", company_name="Evil {{ 1 }}", relationship_to_partner="reseller")]
    for secret in CREDENTIALS.values():
        if "secret" in secret:
            assert secret not in text and secret not in name
    assert "unit-access-token" not in text


def test_a_changed_compose_is_served_from_the_cache(inventory_manager, partner_center, credentials, tmp_path):
    seed(partner_center, 2)
    inventory_manager(cached_config(tmp_path))
    manager = inventory_manager(cached_config(tmp_path, "keyed_groups:\n  - key: partnercenter_relationship\n"))
    assert len(partner_center.calls) == 1
    assert sorted(manager.get_groups_dict()["_reseller"]) == ["customer00001.onmicrosoft.com", "customer00002.onmicrosoft.com"]


def test_cache_off_reads_every_time_and_stores_nothing(inventory_manager, partner_center, credentials, tmp_path):
    seed(partner_center, 2)
    text = config("cache: false\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % (tmp_path / "c"))
    inventory_manager(text)
    inventory_manager(text)
    assert len(partner_center.calls) == 2
    assert not os.path.exists(str(tmp_path / "c")) or os.listdir(str(tmp_path / "c")) == []


def test_a_filter_or_another_partner_is_another_cache_entry(inventory_manager, partner_center, credentials, tmp_path, monkeypatch):
    seed(partner_center, 2)
    inventory_manager(cached_config(tmp_path))
    inventory_manager(cached_config(tmp_path, "domain: customer00001\n"))
    monkeypatch.setenv("PARTNERCENTER_TENANT_ID", "other-partner.onmicrosoft.com")
    inventory_manager(cached_config(tmp_path))
    assert len(partner_center.calls) == 3
    assert len(os.listdir(str(tmp_path / "inventory-cache"))) == 3


def test_a_cache_entry_of_another_shape_is_read_again(inventory_manager, partner_center, credentials, tmp_path):
    seed(partner_center, 2)
    inventory_manager(cached_config(tmp_path))
    (name,) = os.listdir(str(tmp_path / "inventory-cache"))
    with open(str(tmp_path / "inventory-cache" / name), "w") as handle:
        json.dump({"not": "a list"}, handle)
    manager = inventory_manager(cached_config(tmp_path))
    assert len(manager.get_hosts()) == 2 and len(partner_center.calls) == 2


def test_cache_key_hashes_path_partner_and_filter_without_secrets(credentials):
    plugin = load_plugin()
    params = dict(api_url="https://api.partnercenter.microsoft.com", tenant_id="Partner.onmicrosoft.com", client_id="client-1",
                  refresh_token="rt-unit-secret-value", client_secret="cs-unit-secret-value")
    key = plugin.cache_key(SOURCE, params, None)
    assert key.startswith("partnercenter.csp.customers_")
    assert "secret" not in key and "client-1" not in key
    assert key == plugin.cache_key(SOURCE, dict(params, tenant_id="partner.onmicrosoft.com", refresh_token="other"), None)
    others = [
        plugin.cache_key("/other/customers.partnercenter.yml", params, None),
        plugin.cache_key(SOURCE, dict(params, api_url="https://127.0.0.1:8443"), None),
        plugin.cache_key(SOURCE, dict(params, tenant_id="other"), None),
        plugin.cache_key(SOURCE, dict(params, client_id="client-2"), None),
        plugin.cache_key(SOURCE, params, ("Domain", "contoso")),
        plugin.cache_key(SOURCE, params, ("CompanyName", "contoso")),
    ]
    assert len(set(others + [key])) == len(others) + 1
