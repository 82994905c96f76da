# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The partnercenter.csp.customers inventory plugin end to end: ansible-inventory -i x.partnercenter.yml --list (and
ansible-playbook over it) against the emulator, the staged collection, as AWX runs an inventory source (the auto
plugin picks the plugin from the file; ANSIBLE_INVENTORY_UNPARSED_FAILED makes a failing source fail the run).

Every request count comes from the emulator's request log: one paged listing of ceil(n / 500) GET /v1/customers,
no per-customer call, none at all on a cache hit or for bad input.
"""

from __future__ import absolute_import, division, print_function

import json
import math
import os
import subprocess
import sys
import textwrap
import time

import pytest
import trustme

from steps_playbook import outcome, token_calls

BIN_DIR = os.path.dirname(sys.executable)
TIMEOUT = 300
GROUP = "partnercenter_customers"
PAGE_SIZE = 500
SECRETS = ("client_secret", "refresh_token")


def plain(value):
    """ansible-inventory's JSON with the unsafe markers of ansible-core 2.19+ ({"__ansible_unsafe": text}) taken off."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def partner_center(requests):
    return [entry for entry in requests if entry["service"] == "partnercenter"]


def customer_listings(requests):
    return [entry for entry in partner_center(requests) if entry["method"] == "GET" and entry["path"] == "/v1/customers"]


@pytest.fixture
def inventory(emulator, playbook_env, tmp_path):
    """inventory(config, name=..., extra_args=(), env=None, command="ansible-inventory") -> (CompletedProcess, seconds).

    Writes config to tmp_path/name and runs ansible-inventory -i it --list (or ansible-playbook with
    extra_args) with the emulator's PARTNERCENTER_* environment; env adds or (None) removes variables.
    """
    def run(config, name="customers.partnercenter.yml", extra_args=(), env=None, command="ansible-inventory"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(config))
        arguments = ["-i", str(path)] + (["--list"] if command == "ansible-inventory" else []) + list(extra_args)
        environment = playbook_env(ANSIBLE_INVENTORY_UNPARSED_FAILED="1", **(env or {}))
        started = time.monotonic()
        completed = subprocess.run([os.path.join(BIN_DIR, command)] + arguments, env=environment, cwd=str(tmp_path),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=TIMEOUT,
                                   check=False)
        return completed, time.monotonic() - started

    return run


def inventory_flushes():
    """Whether this ansible-inventory has --flush-cache (ansible-core 2.19 and later)."""
    usage = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=TIMEOUT, check=False).stdout
    return "--flush-cache" in usage


def listed(completed):
    assert completed.returncode == 0, outcome(completed)
    return plain(json.loads(completed.stdout))


def hosts_of(document, group):
    return sorted(document.get(group, {}).get("hosts", []))


def test_600_customers_in_ceil_n_over_500_requests_with_keyed_groups_and_compose(emulator, inventory):
    emulator.store.generate_customers(600)
    emulator.store.generate_customers(5, prefix="adv", relationship="advisor")
    total = 2 + 600 + 5  # the seed's Contoso and Fabrikam, then the generated ones
    emulator.clear_requests()
    completed, seconds = inventory("""\
        plugin: partnercenter.csp.customers
        compose:
          customer_label: partnercenter_company_name ~ ' (' ~ partnercenter_relationship ~ ')'
        groups:
          advisors: partnercenter_relationship == 'advisor'
          labelled_advisors: customer_label.endswith('(advisor)')
        keyed_groups:
          - key: partnercenter_relationship
            prefix: relationship
        strict: true
        """)
    document = listed(completed)
    hostvars = document["_meta"]["hostvars"]
    assert len(hosts_of(document, GROUP)) == len(hostvars) == total
    assert hosts_of(document, "relationship_advisor") == hosts_of(document, "advisors") == \
        hosts_of(document, "labelled_advisors") == ["adv%05d.onmicrosoft.com" % n for n in range(1, 6)]
    assert len(hosts_of(document, "relationship_reseller")) == total - 5
    contoso = hostvars["dtdemocspcustomer005.onmicrosoft.com"]
    assert dict((key, contoso[key]) for key in ("partnercenter_customer_id", "partnercenter_tenant_id", "partnercenter_company_name",
                                                "partnercenter_domain", "partnercenter_relationship", "ansible_connection",
                                                "customer_label")) == dict(
        partnercenter_customer_id="46a62ece-10ad-42e5-b3f1-b2ed53e6fc08", partnercenter_tenant_id="46a62ece-10ad-42e5-b3f1-b2ed53e6fc08",
        partnercenter_company_name="Contoso", partnercenter_domain="dtdemocspcustomer005.onmicrosoft.com",
        partnercenter_relationship="reseller", ansible_connection="local", customer_label="Contoso (reseller)")
    assert hostvars["customer00600.onmicrosoft.com"]["partnercenter_company_name"] == "Customer 00600 Ltd"

    requests = emulator.requests()
    listings = customer_listings(requests)
    assert len(listings) == int(math.ceil(total / float(PAGE_SIZE))) == 2
    assert len(partner_center(requests)) == len(listings)  # no per-customer call
    assert listings[0]["query"] == {"size": "500"} and not listings[0]["continuation_token_sent"]
    assert listings[1]["continuation_token_sent"]
    assert len(token_calls(requests)) == 1
    print("ansible-inventory --list of %d customers: %.2f s, %d requests" % (total, seconds, len(listings)))


@pytest.mark.parametrize("line, expected, field", [
    ("domain: customer0001", ["customer%05d.onmicrosoft.com" % n for n in range(10, 20)], "Domain"),
    ("company_name: ADV", ["adv%05d.onmicrosoft.com" % n for n in range(1, 4)], "CompanyName"),
])
def test_a_filter_is_applied_by_the_service_in_one_listing(emulator, inventory, line, expected, field):
    emulator.store.generate_customers(600)
    emulator.store.generate_customers(3, prefix="adv", relationship="advisor")
    emulator.clear_requests()
    document = listed(inventory("plugin: partnercenter.csp.customers\n%s\n" % line)[0])
    assert hosts_of(document, GROUP) == expected
    listings = customer_listings(emulator.requests())
    assert len(listings) == 1
    value = line.split(": ", 1)[1]
    assert json.loads(listings[0]["query"]["filter"]) == {"Field": field, "Value": value, "Operator": "starts_with"}


def test_a_jsonfile_cache_serves_the_second_run_and_flush_cache_refetches_and_stores(emulator, inventory, tmp_path):
    emulator.store.generate_customers(600)
    cache_dir = tmp_path / "inventory-cache"
    config = """\
        plugin: partnercenter.csp.customers
        cache: true
        cache_plugin: ansible.builtin.jsonfile
        cache_connection: %s
        keyed_groups:
          - key: partnercenter_relationship
        """ % cache_dir
    emulator.clear_requests()
    first, first_seconds = inventory(config)
    assert len(customer_listings(emulator.requests())) == 2
    assert len(os.listdir(str(cache_dir))) == 1
    stored = open(os.path.join(str(cache_dir), os.listdir(str(cache_dir))[0])).read()
    for name in SECRETS:
        assert emulator.settings[name] not in stored

    emulator.clear_requests()
    second, second_seconds = inventory(config)
    assert listed(second) == listed(first)
    assert emulator.requests() == []  # not a single request, not even for a token

    emulator.store.generate_customers(3, prefix="late")
    if inventory_flushes():
        flushed, flushed_seconds = inventory(config, extra_args=["--flush-cache"])
        assert len(hosts_of(listed(flushed), GROUP)) == 605
    else:  # ansible-core before 2.19: only ansible-playbook has --flush-cache
        playbook = tmp_path / "nothing.yml"
        playbook.write_text("- name: Nothing\n  hosts: all\n  gather_facts: false\n  tasks: []\n")
        flushed, flushed_seconds = inventory(config, command="ansible-playbook", extra_args=["--flush-cache", str(playbook)])
        assert flushed.returncode == 0, outcome(flushed)
    assert len(customer_listings(emulator.requests())) == 2

    emulator.clear_requests()
    after = listed(inventory(config)[0])
    assert len(hosts_of(after, GROUP)) == 605  # the flush stored what it read
    assert emulator.requests() == []
    print("602 customers: %.2f s from Partner Center, %.2f s from the cache, %.2f s with --flush-cache"
          % (first_seconds, second_seconds, flushed_seconds))


CREDENTIAL_ENV = ("PARTNERCENTER_TENANT_ID", "PARTNERCENTER_CLIENT_ID", "PARTNERCENTER_CLIENT_SECRET",
                  "PARTNERCENTER_REFRESH_TOKEN", "PARTNERCENTER_ACCESS_TOKEN")


@pytest.mark.parametrize("config, env, words", [
    ("colour: blue\n", {}, ["unknown option in the inventory configuration: colour"]),
    ("domian: contoso\n", {}, ["unknown option", "domian"]),
    ("", dict((name, None) for name in CREDENTIAL_ENV), ["No Partner Center credentials", "refresh_token (PARTNERCENTER_REFRESH_TOKEN)"]),
    ("", {"PARTNERCENTER_CLIENT_ID": None}, ["client_id (PARTNERCENTER_CLIENT_ID)"]),
    ("domain: ''\n", {}, ["domain must not be empty"]),
    ("company_name: 42\n", {}, ["company_name must be a string"]),
    ("domain: [a, b]\n", {}, ["domain", "nvalid"]),
    ("domain: contoso\ncompany_name: Contoso\n", {}, ["domain and company_name are mutually exclusive"]),
    ("validate_certs: maybe\n", {}, ["validate_certs must be a boolean"]),
    ("", {"PARTNERCENTER_VALIDATE_CERTS": "flase"}, ["validate_certs must be a boolean", "PARTNERCENTER_VALIDATE_CERTS"]),
])
def test_bad_input_fails_naming_it_with_no_request(emulator, inventory, config, env, words):
    emulator.clear_requests()
    completed, dummy = inventory("plugin: partnercenter.csp.customers\n" + config, env=env)
    assert completed.returncode != 0, outcome(completed)
    text = " ".join((completed.stdout + completed.stderr).split())
    for word in words:
        assert word in text, outcome(completed)
    for name in SECRETS:
        assert emulator.settings[name] not in completed.stdout + completed.stderr
    assert emulator.requests() == []


def awx_environment(emulator, **more):
    """What AWX injects for the credential type of extensions/awx/credential_type.yml with a public client (no secret),
    plus the optional PARTNERCENTER_* variables empty, as a half-filled credential or job leaves them."""
    settings = emulator.settings
    env = dict(PARTNERCENTER_TENANT_ID=settings["tenant_id"], PARTNERCENTER_CLIENT_ID=settings["public_client_id"],
               PARTNERCENTER_CLIENT_SECRET="", PARTNERCENTER_REFRESH_TOKEN=settings["refresh_tokens"]["public"],
               PARTNERCENTER_API_URL=settings["url"], PARTNERCENTER_AUTHORITY_HOST=settings["url"])
    for name in ("ACCESS_TOKEN", "VALIDATE_CERTS", "TIMEOUT", "RETRIES", "RETRY_MAX_DELAY", "TOKEN_CACHE"):
        env["PARTNERCENTER_" + name] = ""
    env.update(more)
    return env


def test_an_awx_environment_with_empty_optional_variables(emulator, inventory):
    emulator.clear_requests()
    document = listed(inventory("plugin: partnercenter.csp.customers\n", env=awx_environment(emulator))[0])
    assert hosts_of(document, GROUP) == ["dtdemocspcustomer005.onmicrosoft.com", "fabrikam.onmicrosoft.com"]
    assert len(customer_listings(emulator.requests())) == 1
    grants = token_calls(emulator.requests())
    assert len(grants) == 1 and grants[0]["client_id"] == emulator.settings["public_client_id"]


def test_an_empty_validate_certs_never_turns_tls_checks_off(emulator, inventory, tmp_path):
    # a CA that did not sign the emulator's certificate: with TLS checks on, the run must fail on it
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    completed, dummy = inventory("plugin: partnercenter.csp.customers\n", env=awx_environment(
        emulator, PARTNERCENTER_CA_PATH=str(other_ca), REQUESTS_CA_BUNDLE=str(other_ca), CURL_CA_BUNDLE=str(other_ca)))
    assert completed.returncode != 0
    text = " ".join((completed.stdout + completed.stderr).split())
    assert "certificate verify failed" in text.lower() or "certificate verification failed" in text.lower(), outcome(completed)


def test_the_inventory_warms_the_token_for_the_playbook_and_api_strings_are_never_templated(emulator, inventory, tmp_path):
    evil = "Evil {{ 7 * 6 }} {{ lookup('env', 'HOME') }} Ltd"
    emulator.store.add_customer("5d0c4b0e-7f0e-4c55-9d11-0e6c7c3b9a21", ["evil.onmicrosoft.com"], company_name=evil)
    playbook = tmp_path / "customers.yml"
    playbook.write_text(textwrap.dedent("""\
        - name: Every customer of the inventory
          hosts: partnercenter_customers
          gather_facts: false
          tasks:
            - name: Read the customer through Partner Center
              partnercenter.csp.partnercenter_customer_info:
                customer_id: "{{ partnercenter_customer_id }}"
              register: read
            - name: Write the company names as the inventory and the module give them
              ansible.builtin.copy:
                content: "{{ {'inventory': partnercenter_company_name, 'module': read.customers[0].company_name} | to_json }}"
                dest: "%s/{{ inventory_hostname }}.json"
                mode: "0600"
        """ % tmp_path))
    emulator.clear_requests()
    completed, dummy = inventory("plugin: partnercenter.csp.customers\n", command="ansible-playbook", extra_args=[str(playbook)])
    assert completed.returncode == 0, outcome(completed)
    with open(str(tmp_path / "evil.onmicrosoft.com.json")) as handle:
        names = json.load(handle)
    assert names == {"inventory": evil, "module": evil}  # not "Evil 42 /root Ltd"
    requests = emulator.requests()
    assert len(token_calls(requests)) == 1  # redeemed by the inventory, reused by the three tasks
    assert len(customer_listings(requests)) == 1
    assert len([entry for entry in partner_center(requests) if entry["path"].startswith("/v1/customers/")]) == 3
