# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many customers: playbooks/onboard_customers.yml over the customers inventory with forks, one token for the run,
the service's rate limit shared by the forks, and the same as an AWX job (ansible-runner)."""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
import yaml

from steps_playbook import outcome, partner_center, token_calls

PASSWORD = "Many-Customers-9x!"
PLAYBOOK = "playbooks/onboard_customers.yml"
SPE_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"


def customers(emulator, count, prefix):
    """count generated customers with the default SKUs: [(id, default domain)]."""
    ids = emulator.store.generate_customers(count, prefix=prefix, subscribed_skus=True)
    return [(cid, emulator.store.get_customer(cid)["companyProfile"]["domain"]) for cid in ids]


def write_inventory(directory, domain_prefix, tenants, users_each, static=False):
    """An inventory directory: the customers inventory filtered on domain_prefix (or, static, a YAML inventory of
    the same hosts), group_vars shared by every customer, and host_vars with each customer's users."""
    directory.mkdir()
    if static:
        hosts = dict((domain, {"partnercenter_customer_id": cid}) for cid, domain in tenants)
        (directory / "hosts.yml").write_text(yaml.safe_dump({"partnercenter_customers": {"hosts": hosts}}))
    else:
        (directory / "customers.partnercenter.yml").write_text(yaml.safe_dump(
            {"plugin": "partnercenter.csp.customers", "domain": domain_prefix}))
    (directory / "group_vars").mkdir()
    (directory / "group_vars" / "partnercenter_customers.yml").write_text(yaml.safe_dump({
        "partnercenter_default_usage_location": "DE",
        "partnercenter_default_licenses": {"add": ["SPE_E3"]},
    }))
    (directory / "host_vars").mkdir()
    for _cid, domain in tenants:
        users = [{"user_principal_name": "user%02d@%s" % (n, domain), "display_name": "User %d" % n, "password": PASSWORD}
                 for n in range(users_each)]
        (directory / "host_vars" / ("%s.yml" % domain)).write_text(yaml.safe_dump({"partnercenter_users": users}))
    return str(directory)


def custom_stats(stdout):
    """The set_stats data ansible-playbook printed (ANSIBLE_SHOW_CUSTOM_STATS)."""
    start = stdout.index("CUSTOM STATS")
    brace = stdout.index("{", stdout.index("RUN:", start))
    value, _end = json.JSONDecoder().raw_decode(stdout, brace)
    return value


def assert_onboarded(emulator, tenants, users_each):
    for cid, domain in tenants:
        users = emulator.store.admin_users(cid)
        assert sorted(u["userPrincipalName"] for u in users) == ["user%02d@%s" % (n, domain) for n in range(users_each)], domain
        assert all(u["state"] == "active" and u["usageLocation"] == "DE" and u["licenses"] == [SPE_E3] for u in users), users


def test_onboard_customers_over_the_inventory_with_forks_asks_the_token_endpoint_once(emulator, run_playbook, tmp_path):
    tenants = customers(emulator, 30, "fleet")
    inventory = write_inventory(tmp_path / "inventory", "fleet", tenants, 3)
    result = run_playbook(PLAYBOOK, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"}, extra_args=["-i", inventory, "-f", "10"])
    assert result.returncode == 0, outcome(result)
    assert_onboarded(emulator, tenants, 3)
    log = emulator.requests()
    assert len(token_calls(log)) == 1, "one redeem for the inventory and every fork"
    listings = [e for e in partner_center(log) if e["path"] == "/v1/customers"]
    assert len(listings) == 1, "the inventory reads the customers in one page"
    stats = custom_stats(result.stdout)
    totals = stats["tenant_onboarding_totals"]
    assert totals["customers"] == 30 and totals["failed_customers"] == []
    assert totals["counts"]["created"] == 90 and totals["counts"]["failed"] == 0
    assert sorted(stats["tenant_onboarding_customers"]) == sorted(cid for cid, _domain in tenants)
    assert PASSWORD not in result.stdout + result.stderr

    again = run_playbook(PLAYBOOK, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"}, extra_args=["-i", inventory, "-f", "10"])
    assert again.returncode == 0, outcome(again)
    assert custom_stats(again.stdout)["tenant_onboarding_totals"]["counts"]["unchanged"] == 90
    assert re.search(r"changed=0\b", again.stdout), "the second run changes nothing"


def test_failed_customers_fail_the_run_by_name_also_under_a_limit(emulator, run_playbook, tmp_path):
    """One customer is refused a user by the service, one fails the role's argument check before any request, one
    succeeds: the others go on, the totals count all three, and the run fails naming the two. A --limit (AWX's Limit
    field) must not turn that into a successful run."""
    (good_id, good), (refused_id, refused), (typo_id, typo) = tenants = customers(emulator, 3, "mixed")
    inventory = write_inventory(tmp_path / "inventory", "mixed", tenants, 1)
    host_vars = tmp_path / "inventory" / "host_vars"
    (host_vars / ("%s.yml" % refused)).write_text(yaml.safe_dump({"partnercenter_users": [
        {"user_principal_name": "kept@%s" % refused, "display_name": "Kept", "password": PASSWORD},
        {"user_principal_name": "stray@%s" % good, "display_name": "Stray", "password": PASSWORD}]}))
    (host_vars / ("%s.yml" % typo)).write_text(yaml.safe_dump({"partnercenter_users": [
        {"user_principal_name": "typo@%s" % typo, "display_name": "Typo", "usage_locaton": "DE", "password": PASSWORD}]}))
    env = {"ANSIBLE_SHOW_CUSTOM_STATS": "1"}

    result = run_playbook(PLAYBOOK, env=env, extra_args=["-i", inventory, "-f", "3"])
    assert result.returncode == 2, outcome(result)
    assert "Onboarding failed for 2 customer(s)" in result.stdout and refused in result.stdout and typo in result.stdout
    assert [u["userPrincipalName"] for u in emulator.store.admin_users(good_id)] == ["user00@%s" % good]
    assert [u["userPrincipalName"] for u in emulator.store.admin_users(refused_id)] == ["kept@%s" % refused]
    assert emulator.store.admin_users(typo_id) == []
    assert not [e for e in partner_center(emulator.requests()) if typo_id in e["path"]], "refused before any request"
    totals = custom_stats(result.stdout)["tenant_onboarding_totals"]
    assert totals["customers"] == 3 and sorted(totals["failed_customers"]) == sorted([refused, typo])
    assert totals["counts"]["created"] == 2 and totals["counts"]["failed"] == 1

    limited = run_playbook(PLAYBOOK, env=env, extra_args=["-i", inventory, "--limit", refused])
    assert limited.returncode == 2, outcome(limited)
    assert "Onboarding failed for 1 customer(s): %s" % refused in limited.stdout
    totals = custom_stats(limited.stdout)["tenant_onboarding_totals"]
    assert totals["customers"] == 1 and totals["failed_customers"] == [refused]
    assert totals["counts"]["unchanged"] == 1 and totals["counts"]["failed"] == 1
    assert PASSWORD not in result.stdout + result.stderr + limited.stdout + limited.stderr


@pytest.mark.parametrize("count, forks", [(50, 10), (20, 20)], ids=["50-customers-10-forks", "20-forks-start-together"])
def test_forks_with_a_cold_token_cache_redeem_the_refresh_token_once(emulator, run_playbook, tmp_path, count, forks):
    """A static inventory (no inventory plugin to warm the cache first), no token cached: the forks race for the redeem."""
    tenants = customers(emulator, count, "cold")
    inventory = write_inventory(tmp_path / "inventory", "cold", tenants, 1, static=True)
    result = run_playbook(PLAYBOOK, extra_args=["-i", inventory, "-f", str(forks)])
    assert result.returncode == 0, outcome(result)
    assert_onboarded(emulator, tenants, 1)
    assert len(token_calls(emulator.requests())) == 1, "the redeem is serialised across the forks; the others read the cache"
    lock = os.path.join(str(tmp_path), "token-cache", "tokens.json.lock")
    assert os.path.isfile(lock)


@pytest.mark.parametrize("scope, rate", [("partner", 20), ("customer", 3)])
def test_a_rate_limited_run_fails_no_user(emulator, run_playbook, tmp_path, scope, rate):
    """20 requests per second for the whole partner (or, the emulator's other behaviour, 3 per customer), 10 forks and
    4 threads each: 429s are answered, every user is created, and nothing fails."""
    tenants = customers(emulator, 20, "limited")
    inventory = write_inventory(tmp_path / "inventory", "limited", tenants, 5)
    emulator.configure(rate_limit=rate, rate_burst=rate, rate_limit_scope=scope)
    result = run_playbook(PLAYBOOK, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"}, extra_args=["-i", inventory, "-f", "10"])
    assert result.returncode == 0, outcome(result)
    assert_onboarded(emulator, tenants, 5)
    log = partner_center(emulator.requests())
    throttled = [e for e in log if e.get("fault") == "rate_limit"]
    assert throttled, "the limit was reached, or the test proves nothing"
    assert custom_stats(result.stdout)["tenant_onboarding_totals"]["counts"]["failed"] == 0
    # Few requests wasted: the forks honour each other's Retry-After instead of each finding out for itself.
    assert len(throttled) < len(log) / 2, (len(throttled), len(log))


def test_sliced_jobs_under_a_partner_wide_limit(emulator, playbook_env, staged_collection, tmp_path):
    """Issue 17: an AWX job split into 4 slices, each its own ansible-playbook process with its own home (so its own token
    cache and throttle.json: nothing shared on disk), running at once against one partner-wide limit. Each slice learns
    its pace from its own 429s: no customer fails, every user exists once, one token call per slice."""
    tenants = customers(emulator, 16, "sliced")
    emulator.configure(rate_limit=8, rate_burst=8)
    playbook = os.path.join(staged_collection, "ansible_collections", "partnercenter", "csp", PLAYBOOK)
    running = []
    for number in range(4):
        directory = tmp_path / ("slice%d" % number)
        directory.mkdir()
        inventory = write_inventory(directory / "inventory", "sliced", tenants[number::4], 2, static=True)
        env = playbook_env(HOME=directory / "home", ANSIBLE_HOME=directory / "ansible-home",
                           PARTNERCENTER_TOKEN_CACHE_PATH=directory / "home" / ".cache" / "partnercenter.csp" / "tokens.json")
        running.append(subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-f", "3",
                                         playbook], env=env, cwd=str(directory), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        universal_newlines=True))
    outputs = [process.communicate(timeout=300)[0] for process in running]
    assert [process.returncode for process in running] == [0] * 4, "\n".join(output[-3000:] for output in outputs)
    assert_onboarded(emulator, tenants, 2)
    log = emulator.requests()
    throttled = [e for e in partner_center(log) if e.get("fault") == "rate_limit"]
    assert throttled, "the limit was reached, or the test proves nothing"
    assert len(token_calls(log)) == 4, "one token call per slice"
    for number in range(4):
        cache = tmp_path / ("slice%d" % number) / "home" / ".cache" / "partnercenter.csp"
        if [e for e in throttled if any(cid in e["path"] for cid, _domain in tenants[number::4])]:
            assert (cache / "throttle.json").is_file(), "a slice answered 429 keeps its own throttle file"


def test_a_429_answered_to_one_fork_holds_back_the_others(emulator, run_playbook, tmp_path):
    """Fork A's create is answered 429 with Retry-After: 3; fork B, a moment later, sends nothing before that deadline."""
    (a_id, a_domain), (b_id, b_domain) = customers(emulator, 2, "pair")
    emulator.add_fault(kind="status", status=429, retry_after=3, method="POST", path=r"^/v1/customers/%s/users$" % a_id)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {a_domain: {"customer": a_id, "wait_first": 0},
                                                           b_domain: {"customer": b_id, "wait_first": 2}}}}))
    playbook = tmp_path / "pair.yml"
    playbook.write_text(textwrap.dedent("""\
        ---
        - name: Two customers at once
          hosts: all
          connection: local
          gather_facts: false
          strategy: free   # each host on its own: A creates at once, B two seconds later
          tasks:
            - name: B waits until A has been throttled (per host; pause would pause once for both)
              ansible.builtin.wait_for:
                timeout: "{{ wait_first }}"
              when: wait_first > 0
            - name: Create a user
              partnercenter.csp.partnercenter_customer_user:
                customer_id: "{{ customer }}"
                user_principal_name: "first@{{ inventory_hostname }}"
                display_name: First
                usage_location: DE
                password: "%s"
        """ % PASSWORD))
    result = run_playbook(str(playbook), extra_args=["-i", str(inventory), "-f", "2"])
    assert result.returncode == 0, outcome(result)
    log = partner_center(emulator.requests())
    throttled = [e for e in log if e["status"] == 429]
    assert len(throttled) == 1 and a_id in throttled[0]["path"]
    b_requests = [e for e in log if b_id in e["path"]]
    assert b_requests and all(e["time"] >= throttled[0]["time"] + 3 - 0.05 for e in b_requests), (
        "B sent before A's deadline: %s" % [round(e["time"] - throttled[0]["time"], 2) for e in b_requests])
    assert b_requests[0]["time"] > throttled[0]["time"] + 0.2, "B's first request would have come during the pause anyway"


# ansible-runner starts ansible-playbook with pexpect (forkpty), as AWX does; the child only execs.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_awx_style_job_over_the_customers_inventory(emulator, playbook_env, staged_collection, tmp_path):
    """An AWX job: ansible-runner, the credential as environment variables, the customers inventory as the job's
    inventory source (a *.partnercenter.yml file), the customers' users in its host_vars; then the same job again."""
    import ansible_runner  # pylint: disable=import-outside-toplevel

    tenants = customers(emulator, 5, "awxjob")
    private = tmp_path / "job"
    private.mkdir()
    write_inventory(private / "inventory", "awxjob", tenants, 2)
    (private / "project").mkdir()
    (private / "project" / "onboard.yml").write_text(textwrap.dedent("""\
        ---
        - name: Onboard every customer
          ansible.builtin.import_playbook: partnercenter.csp.onboard_customers
        """))
    (private / "env").mkdir()
    envvars = dict((name, value) for name, value in playbook_env().items()
                   if name.startswith(("PARTNERCENTER_", "ANSIBLE_COLLECTIONS_PATH", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")))
    envvars["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    envvars["ANSIBLE_HOME"] = str(tmp_path / "ansible-home")
    # AWX renders every injector of the credential type; the optional ones left empty arrive empty.
    envvars.update(PARTNERCENTER_ACCESS_TOKEN="", PARTNERCENTER_VALIDATE_CERTS="")
    (private / "env" / "envvars").write_text(yaml.safe_dump(envvars))

    def job():
        return ansible_runner.run(private_data_dir=str(private), playbook="onboard.yml", forks=5, quiet=True, timeout=300)

    first = job()
    assert first.status == "successful" and first.rc == 0, first.stdout.read()
    assert_onboarded(emulator, tenants, 2)
    artifacts = [e for e in first.events if e["event"] == "playbook_on_stats"][-1]["event_data"]["artifact_data"]
    assert artifacts["tenant_onboarding_totals"]["counts"]["created"] == 10
    assert sorted(artifacts["tenant_onboarding_customers"]) == sorted(cid for cid, _domain in tenants)
    recorded = first.stdout.read() + json.dumps(list(first.events))
    for secret in (PASSWORD, emulator.settings["client_secret"], emulator.settings["refresh_token"]):
        assert secret not in recorded
    second = job()
    assert second.status == "successful" and second.stats["changed"] == {}, second.stdout.read()
