# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One trust store for Partner Center and Entra ID (issue 15, section 7): ca_path when given, else the system
store, for both the module's Partner Center calls and msal's token calls; REQUESTS_CA_BUNDLE (which requests,
and so msal, would otherwise follow) never decides.

The emulator serves both services with one certificate, so each case shows which store each call trusted:
the system store is pointed at a file with SSL_CERT_FILE (OpenSSL's default verify paths honour it).
"""

from __future__ import absolute_import, division, print_function

import os

from steps_playbook import outcome

READ_USERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "read_users.yml")
MACHINE_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"   # does not hold the emulator's CA


def read_users(emulator, run_playbook, **env):
    return run_playbook(READ_USERS, env=env, extra_args=["-e", "customer_id=%s" % emulator.settings["customer_id"]])


def test_ca_path_is_trusted_by_both_calls_whatever_requests_ca_bundle_says(emulator, run_playbook):
    completed = read_users(emulator, run_playbook, REQUESTS_CA_BUNDLE=MACHINE_BUNDLE, CURL_CA_BUNDLE=MACHINE_BUNDLE,
                           SSL_CERT_FILE=None)
    assert completed.returncode == 0 and "users: 3" in completed.stdout, outcome(completed)
    services = [entry["service"] for entry in emulator.requests()]
    assert "entra" in services and "partnercenter" in services


def test_without_ca_path_both_calls_trust_the_system_store(emulator, run_playbook):
    # The system store holds the emulator's CA, REQUESTS_CA_BUNDLE does not: both calls must succeed.
    completed = read_users(emulator, run_playbook, PARTNERCENTER_CA_PATH=None, SSL_CERT_FILE=emulator.ca_path,
                           REQUESTS_CA_BUNDLE=MACHINE_BUNDLE, CURL_CA_BUNDLE=MACHINE_BUNDLE)
    assert completed.returncode == 0 and "users: 3" in completed.stdout, outcome(completed)


def test_without_ca_path_requests_ca_bundle_is_not_trusted_by_the_token_call_either(emulator, run_playbook):
    # REQUESTS_CA_BUNDLE holds the emulator's CA, the system store does not: the first call, the token call, fails
    # (it used to succeed, and only the Partner Center call after it failed).
    completed = read_users(emulator, run_playbook, PARTNERCENTER_CA_PATH=None, SSL_CERT_FILE=MACHINE_BUNDLE,
                           REQUESTS_CA_BUNDLE=emulator.ca_path, CURL_CA_BUNDLE=emulator.ca_path)
    assert completed.returncode != 0, outcome(completed)
    assert "Could not obtain a Partner Center access token" in completed.stdout
    assert "CERTIFICATE_VERIFY_FAILED" in completed.stdout and "ca_path (PARTNERCENTER_CA_PATH)" in completed.stdout
    assert emulator.requests() == [], "no call got through TLS"
