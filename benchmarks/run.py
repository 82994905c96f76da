# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmarks of partnercenter.csp against the bundled emulator. Prints figures; asserts nothing.

Run with the test virtualenv (make test or tools/setup.sh creates it):

    .venv/main/bin/python benchmarks/run.py [--runs 5] [--pairs 10] [--quick]

Measures (see BENCHMARKS.md):
  1. per task: a no-change partnercenter_customer_user task vs an ansible.builtin.uri GET of the same user
  2. requests per operation, from the emulator's request log (licences and roles included)
  3. onboarding 200 new users into a tenant of 2,000 through the role vs the naive per-user loop, then the
     same with a licence each and a role for 5 of them, against its request floor
  4. growth of one lookup by UPN and of the role with the tenant size
  5. many customers: onboard_customers.yml over the customers inventory with -f 10 under a rate limit, with a
     latency and no limit against one customer at a time, growth from 10 to 200 customers, and the inventory
     over 5,000 customers (cold, then from its cache)
  5b. pacing under a partner-wide limit: one process with -f 10, 4 concurrent job slices (each its own home and token
     cache directory) with -f 5 each, and 200 customers, each also with 100 ms latency: floor ratio, share of 429s,
     token calls
  6. the drift audit (audit_customers.yml) of customers with no drift: requests per customer, with and without
     licences managed, and the time for 200 customers with -f 10
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from partnercenter_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

SCOPE = ["https://api.partnercenter.microsoft.com/user_impersonation"]
SPE_E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
E3_PRODUCT = dict(id=SPE_E3, skuPartNumber="SPE_E3", name="Microsoft 365 E3")
ONBOARD_CUSTOMERS = os.path.join("playbooks", "onboard_customers.yml")
AUDIT_CUSTOMERS = os.path.join("playbooks", "audit_customers.yml")
PASSWORD = "Benchmark-Passw0rd!"
DOMAIN = "bench.onmicrosoft.com"


class Bench:
    """The emulator, the staged collection and an ansible-playbook runner sharing one environment."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.collections = os.path.dirname(os.path.dirname(os.path.dirname(
            subprocess.check_output([os.path.join(ROOT, "tools", "stage.sh")], text=True).strip())))
        self.emulator = Emulator(state_dir=os.path.join(workdir, "emulator"))
        self.emulator.start()
        settings = self.emulator.settings
        self.env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, "benchmarks", "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="task_timer",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            REQUESTS_CA_BUNDLE=settings["ca_path"],
            PARTNERCENTER_API_URL=settings["url"],
            PARTNERCENTER_AUTHORITY_HOST=settings["url"],
            PARTNERCENTER_TENANT_ID=settings["tenant_id"],
            PARTNERCENTER_CLIENT_ID=settings["client_id"],
            PARTNERCENTER_CLIENT_SECRET=settings["client_secret"],
            PARTNERCENTER_REFRESH_TOKEN=settings["refresh_token"],
            PARTNERCENTER_CA_PATH=settings["ca_path"],
            PARTNERCENTER_TOKEN_CACHE_PATH=os.path.join(workdir, "token-cache", "tokens.json"),
        )
        self.settings = settings

    def close(self):
        self.emulator.stop()

    def new_customer(self, existing_users):
        customer_id = str(uuid.uuid4())
        domain = "c%s.%s" % (customer_id[:8], DOMAIN)
        self.emulator.store.add_customer(customer_id, [domain])
        if existing_users:
            self.emulator.store.generate_users(customer_id, existing_users, "existing", "active", domain)
        return customer_id, domain

    def mark(self):
        entries = self.emulator.requests()
        return entries[-1]["seq"] if entries else 0

    def requests_since(self, mark):
        entries = self.emulator.requests(mark)
        return dict(
            partnercenter=[e for e in entries if e["service"] == "partnercenter"],
            entra=[e for e in entries if e["service"] == "entra"],
        )

    def playbook(self, name, tasks, extra_vars=None, check=False):
        """Runs a one-play playbook on localhost; returns (wall seconds, per-task timings)."""
        path = os.path.join(self.workdir, name + ".yml")
        with open(path, "w") as handle:
            json.dump([{"name": name, "hosts": "localhost", "connection": "local", "gather_facts": False,
                        "tasks": tasks}], handle)
        timings = os.path.join(self.workdir, name + ".timings.json")
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", path]
        if extra_vars:
            vars_path = os.path.join(self.workdir, name + ".vars.json")
            with open(vars_path, "w") as handle:
                json.dump(extra_vars, handle)
            command += ["-e", "@" + vars_path]
        if check:
            command.append("--check")
        started = time.monotonic()
        result = subprocess.run(command, env=dict(self.env, TASK_TIMER_OUTPUT=timings), capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError("%s failed:\n%s\n%s" % (name, result.stdout[-3000:], result.stderr[-3000:]))
        with open(timings) as handle:
            return elapsed, json.load(handle)

    def access_token(self):
        import msal  # the uri baseline needs a bearer token of its own
        os.environ["REQUESTS_CA_BUNDLE"] = self.settings["ca_path"]
        app = msal.ConfidentialClientApplication(
            self.settings["client_id"], client_credential=self.settings["client_secret"],
            authority=self.settings["url"] + "/" + self.settings["tenant_id"], instance_discovery=False)
        return app.acquire_token_by_refresh_token(self.settings["refresh_token"], scopes=SCOPE)["access_token"]


def user_task(name, **options):
    return {"name": name, "partnercenter.csp.partnercenter_customer_user": options}


def new_users(domain, count, prefix):
    return [dict(user_principal_name="%s%04d@%s" % (prefix, n, domain), display_name="%s %d" % (prefix, n),
                 usage_location="US", password=PASSWORD) for n in range(count)]


def per_task(bench, runs, pairs):
    """1. A no-change module task vs an ansible.builtin.uri GET of the same user, alternating."""
    customer_id, domain = bench.new_customer(10)
    user_id = bench.emulator.store.admin_users(customer_id)[0]["id"]
    bench.playbook("warm_token_cache", [user_task("warm", customer_id=customer_id, user_id=user_id)])
    token = bench.access_token()
    tasks = []
    for pair in range(pairs):
        tasks.append({"name": "uri %d" % pair, "no_log": True, "ansible.builtin.uri": {
            "url": "%s/v1/customers/%s/users/%s" % (bench.settings["url"], customer_id, user_id),
            "headers": {"Authorization": "Bearer {{ bench_token }}", "Accept": "application/json"},
            "ca_path": bench.settings["ca_path"]}})
        tasks.append(user_task("module %d" % pair, customer_id=customer_id, user_id=user_id))
    samples = {"uri": [], "module": []}
    for run in range(runs):
        _elapsed, timings = bench.playbook("per_task_%d" % run, tasks, extra_vars={"bench_token": token})
        for timing in timings:
            samples[timing["task"].split()[0]].append(timing["seconds"])
    uri, module = statistics.median(samples["uri"]), statistics.median(samples["module"])
    return dict(uri_median_s=round(uri, 4), module_median_s=round(module, 4), ratio=round(module / uri, 3),
                samples_each=len(samples["uri"]))


def requests_per_operation(bench):
    """2. Requests each operation costs, counted on the emulator's request log."""
    customer_id, domain = bench.new_customer(1200)
    users = bench.emulator.store.admin_users(customer_id)
    last = users[-1]
    figures = {}

    def count(label, tasks, check=False):
        mark = bench.mark()
        bench.playbook(label, tasks, check=check)
        seen = bench.requests_since(mark)
        figures[label] = dict(
            partnercenter=len(seen["partnercenter"]),
            writes=len([e for e in seen["partnercenter"] if e["method"] != "GET"]),
            token_endpoint=len([e for e in seen["entra"] if e["method"] == "POST"]),
        )

    count("no_change_by_user_id", [user_task("t", customer_id=customer_id, user_id=last["id"])])
    # licences and roles managed; the user already holds them, so nothing must be resolved through the tenant
    bench.emulator.store.add_subscribed_sku(customer_id, dict(productSku=E3_PRODUCT, totalUnits=25))
    bench.playbook("give_licence_and_role", [user_task("t", customer_id=customer_id, user_id=last["id"], usage_location="US",
                                                       licenses={"add": ["SPE_E3"]}, directory_roles={"add": ["User Administrator"]})])
    managed = dict(licenses={"set": ["SPE_E3"]}, directory_roles={"set": ["User Administrator"]})
    count("no_change_by_user_id_managing_licences_and_roles", [user_task("t", customer_id=customer_id, user_id=last["id"], **managed)])
    by_sku_id = user_task("t", customer_id=customer_id, user_id=last["id"], licenses={"add": [SPE_E3]})
    count("no_change_by_user_id_licence_by_sku_id", [by_sku_id])
    count("no_change_by_upn_last_of_1200", [user_task("t", customer_id=customer_id, user_principal_name=last["userPrincipalName"])])
    count("create_in_tenant_of_1200", [user_task("t", customer_id=customer_id, **new_users(domain, 1, "created")[0])])
    count("check_mode_create", [user_task("t", customer_id=customer_id, **new_users(domain, 1, "checked")[0])], check=True)
    count("check_mode_update_by_id", [user_task("t", customer_id=customer_id, user_id=last["id"], display_name="x")], check=True)
    five = [user_task("t%d" % n, customer_id=customer_id, user_id=users[n]["id"]) for n in range(5)]
    os.remove(bench.env["PARTNERCENTER_TOKEN_CACHE_PATH"])
    count("five_tasks_cold_token_cache", five)
    count("five_tasks_warm_token_cache", five)
    figures["page_size"] = 500
    return figures


def role_tasks(customer_id):
    return [{"name": "onboard", "ansible.builtin.include_role": {"name": "partnercenter.csp.tenant_onboarding"},
             "vars": {"partnercenter_customer_id": customer_id, "partnercenter_users": "{{ bench_users }}"}}]


def naive_tasks(customer_id):
    return [{"name": "naive", "loop": "{{ bench_users }}", "no_log": True, "loop_control": {"label": "{{ item.user_principal_name }}"},
             "partnercenter.csp.partnercenter_customer_user": {
                 "customer_id": customer_id, "user_principal_name": "{{ item.user_principal_name }}",
                 "display_name": "{{ item.display_name }}", "usage_location": "{{ item.usage_location }}",
                 "password": "{{ item.password }}"}}]


def onboard(bench, label, tasks_for, existing, count):
    customer_id, domain = bench.new_customer(existing)
    mark = bench.mark()
    elapsed, _timings = bench.playbook(label, tasks_for(customer_id), extra_vars={"bench_users": new_users(domain, count, "new")})
    seen = bench.requests_since(mark)
    pc = seen["partnercenter"]
    return dict(seconds=round(elapsed, 2), requests=len(pc) + len(seen["entra"]),
                list_pages=len([e for e in pc if e["method"] == "GET"]),
                writes=len([e for e in pc if e["method"] != "GET"]),
                token_calls=len([e for e in seen["entra"] if e["method"] == "POST"]),
                users_after=bench.emulator.store.count(customer_id) if hasattr(bench.emulator.store, "count") else None)


def onboarding(bench, existing, count):
    """3. The role against the naive loop, each onboarding `count` new users into a tenant of `existing`."""
    role = onboard(bench, "onboard_role", role_tasks, existing, count)
    floor = count + role["list_pages"] + 1
    role["floor"] = floor
    role["ratio_to_floor"] = round(role["requests"] / float(floor), 3)
    naive = onboard(bench, "onboard_naive", naive_tasks, existing, count)
    complete = onboard_complete_users(bench, existing, count, admins=5)
    return dict(role=role, naive=naive, speedup=round(naive["seconds"] / role["seconds"], 2), complete_users=complete)


def onboard_complete_users(bench, existing, count, admins):
    """3b. The role onboarding `count` new users with one licence each and, for `admins` of them, one role."""
    customer_id, domain = bench.new_customer(existing)
    bench.emulator.store.add_subscribed_sku(customer_id, dict(productSku=E3_PRODUCT, totalUnits=count + 10))
    users = new_users(domain, count, "full")
    for user in users:
        user["licenses"] = {"add": ["SPE_E3"]}
    for user in users[:admins]:
        user["directory_roles"] = {"add": ["User Administrator"]}
    mark = bench.mark()
    elapsed, _timings = bench.playbook("onboard_complete", role_tasks(customer_id), extra_vars={"bench_users": users})
    seen = bench.requests_since(mark)
    pc = seen["partnercenter"]
    by_kind = {}
    for entry in pc:
        kind = "%s %s" % (entry["method"], entry["path"].rsplit("/", 1)[-1])
        by_kind[kind] = by_kind.get(kind, 0) + 1
    pages = by_kind.get("GET users", 0)
    # the user list pages, a POST per user and per licence, a POST per role given, the SKUs and the roles once each
    floor = pages + count + count + admins + 1 + 1 + len([e for e in seen["entra"] if e["method"] == "POST"])
    requests = len(pc) + len([e for e in seen["entra"] if e["method"] == "POST"])
    return dict(seconds=round(elapsed, 2), requests=requests, floor=floor, ratio_to_floor=round(requests / float(floor), 3),
                by_kind=by_kind)


def growth(bench, sizes, role_users):
    """4. One lookup by UPN (the last user, so every page) and a role run, per tenant size."""
    rows = []
    for size in sizes:
        customer_id, domain = bench.new_customer(size)
        last = bench.emulator.store.admin_users(customer_id)[-1]
        mark = bench.mark()
        elapsed, timings = bench.playbook("lookup_%d" % size, [user_task(
            "lookup", customer_id=customer_id, user_principal_name=last["userPrincipalName"])])
        lookup_requests = len(bench.requests_since(mark)["partnercenter"])
        mark = bench.mark()
        role_elapsed, role_timings = bench.playbook("role_%d" % size, role_tasks(customer_id),
                                                    extra_vars={"bench_users": new_users(domain, role_users, "grow")})
        role_requests = len(bench.requests_since(mark)["partnercenter"])
        rows.append(dict(size=size, lookup_requests=lookup_requests,
                         lookup_task_s=round(sum(t["seconds"] for t in timings), 3),
                         role_requests=role_requests,
                         role_converge_task_s=round(max(t["seconds"] for t in role_timings), 3),
                         role_playbook_s=round(role_elapsed, 2)))
    return rows


def write_customers_inventory(directory, prefix, tenants, users_each, licences=False, static=False):
    """An inventory directory for onboard_customers.yml: the customers inventory (or a static one) and host_vars."""
    os.makedirs(os.path.join(directory, "host_vars"))
    os.makedirs(os.path.join(directory, "group_vars"))
    if static:
        hosts = dict((domain, {"partnercenter_customer_id": cid}) for cid, domain in tenants)
        with open(os.path.join(directory, "hosts.yml"), "w") as handle:
            yaml.safe_dump({"partnercenter_customers": {"hosts": hosts}}, handle)
    else:
        with open(os.path.join(directory, "customers.partnercenter.yml"), "w") as handle:
            yaml.safe_dump({"plugin": "partnercenter.csp.customers", "domain": prefix}, handle)
    shared = {"partnercenter_default_usage_location": "US"}
    if licences:
        shared["partnercenter_default_licenses"] = {"add": ["SPE_E3"]}
    with open(os.path.join(directory, "group_vars", "partnercenter_customers.yml"), "w") as handle:
        yaml.safe_dump(shared, handle)
    for _cid, domain in tenants:
        with open(os.path.join(directory, "host_vars", domain + ".yml"), "w") as handle:
            yaml.safe_dump({"partnercenter_users": new_users(domain, users_each, "u")}, handle)
    return directory


def onboard_customers(bench, label, count, users_each, forks, static=False):
    """onboard_customers.yml over `count` new customers of `users_each` new users; seconds and requests from the log."""
    prefix = "%s%d" % (label.replace("_", ""), int(time.time() * 1000) % 100000)
    ids = bench.emulator.store.generate_customers(count, prefix=prefix, subscribed_skus=True)
    tenants = [(cid, bench.emulator.store.get_customer(cid)["companyProfile"]["domain"]) for cid in ids]
    inventory = write_customers_inventory(os.path.join(bench.workdir, label), prefix, tenants, users_each, static=static)
    if os.path.exists(bench.env["PARTNERCENTER_TOKEN_CACHE_PATH"]):
        os.remove(bench.env["PARTNERCENTER_TOKEN_CACHE_PATH"])   # a cold cache: the run redeems its own token
    mark = bench.mark()
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-f", str(forks),
               os.path.join(bench.collections, "ansible_collections", "partnercenter", "csp", ONBOARD_CUSTOMERS)]
    started = time.monotonic()
    result = subprocess.run(command, env=dict(bench.env, ANSIBLE_SHOW_CUSTOM_STATS="0"), capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    seen = bench.requests_since(mark)
    pc = seen["partnercenter"]
    created = sum(bench.emulator.store.count(cid) for cid in ids)
    return dict(customers=count, users_each=users_each, forks=forks, rc=result.returncode, seconds=round(elapsed, 2),
                requests=len(pc), answered_429=len([e for e in pc if e["status"] == 429]),
                useful_requests=len([e for e in pc if e["status"] != 429]),
                token_calls=len([e for e in seen["entra"] if e["method"] == "POST" and e["path"].endswith("/token")]),
                users_created=created, failed_users=count * users_each - created, span_seconds=customer_span(pc))


def onboard_slices(bench, label, count, users_each, forks, slices):
    """onboard_customers.yml as `slices` concurrent AWX job slices over `count` new customers: each slice its own
    ansible-playbook process with its own home and token cache directory (so its own throttle.json) and a static
    inventory of its share of the customers (AWX hands each slice its hosts)."""
    prefix = "%s%d" % (label.replace("_", ""), int(time.time() * 1000) % 100000)
    ids = bench.emulator.store.generate_customers(count, prefix=prefix, subscribed_skus=True)
    tenants = [(cid, bench.emulator.store.get_customer(cid)["companyProfile"]["domain"]) for cid in ids]
    playbook = os.path.join(bench.collections, "ansible_collections", "partnercenter", "csp", ONBOARD_CUSTOMERS)
    mark = bench.mark()
    started = time.monotonic()
    running = []
    for number in range(slices):
        directory = os.path.join(bench.workdir, "%s_slice%d" % (label, number))
        inventory = write_customers_inventory(os.path.join(directory, "inventory"), prefix, tenants[number::slices], users_each,
                                              static=True)
        env = dict(bench.env, HOME=os.path.join(directory, "home"), ANSIBLE_SHOW_CUSTOM_STATS="0",
                   PARTNERCENTER_TOKEN_CACHE_PATH=os.path.join(directory, "home", ".cache", "partnercenter.csp", "tokens.json"))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-f", str(forks), playbook]
        running.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    codes = [process.wait() for process in running]
    elapsed = time.monotonic() - started
    seen = bench.requests_since(mark)
    pc = seen["partnercenter"]
    created = sum(bench.emulator.store.count(cid) for cid in ids)
    return dict(customers=count, users_each=users_each, forks=forks, slices=slices, rc=max(codes), seconds=round(elapsed, 2),
                requests=len(pc), answered_429=len([e for e in pc if e["status"] == 429]),
                useful_requests=len([e for e in pc if e["status"] != 429]),
                token_calls=len([e for e in seen["entra"] if e["method"] == "POST" and e["path"].endswith("/token")]),
                users_created=created, failed_users=count * users_each - created, span_seconds=customer_span(pc))


def with_floor(row, rate):
    """row with the floor of a rate-limited run (the requests that did work over the rate), its ratio, the share of 429s,
    and the ratio of the span from the first to the last request on a customer (what pacing governs; the wall time
    also holds Ansible's start-up, which a loaded machine stretches)."""
    row["floor_seconds"] = round(row["useful_requests"] / float(rate), 2)
    row["ratio_to_floor"] = round(row["seconds"] / row["floor_seconds"], 3)
    row["share_429"] = round(row["answered_429"] / float(row["requests"]), 3) if row["requests"] else 0.0
    if row.get("span_seconds"):
        row["span_ratio_to_floor"] = round(row["span_seconds"] / row["floor_seconds"], 3)
    return row


def customer_span(requests):
    """Seconds from the first to the last Partner Center request on a customer (the inventory's list excluded)."""
    times = [e["time"] for e in requests if e["path"].startswith("/v1/customers/")]
    return round(max(times) - min(times), 2) if times else None


def pacing(bench, rate, big):
    """5b. The setups of issue 17 under a partner-wide limit, without and with 100 ms latency per response."""
    figures = {}
    for latency in (0.0, 0.1):
        bench.emulator.configure(rate_limit=rate, rate_burst=rate, latency=latency)
        suffix = "_latency_100ms" if latency else ""
        setups = [("one_process_f10", lambda label: onboard_customers(bench, label, 20, 10, forks=10)),
                  ("four_slices_f5", lambda label: onboard_slices(bench, label, 40, 5, forks=5, slices=4))]
        if big:
            setups.append(("customers_%d_f10" % big, lambda label: onboard_customers(bench, label, big, 10, forks=10)))
        for name, run in setups:
            figures[name + suffix] = with_floor(run("pace_" + name + suffix), rate)
            print("   pacing %s: %s" % (name + suffix, json.dumps(figures[name + suffix])), flush=True)
    bench.emulator.configure(rate_limit=None, latency=0.0)
    return figures


def many_customers(bench, rate, count, users_each, sizes, inventory_size):
    """5. Many customers through the inventory and onboard_customers.yml."""
    figures = {}
    bench.emulator.configure(rate_limit=rate, rate_burst=rate)
    limited = onboard_customers(bench, "rate_limited", count, users_each, forks=10)
    figures["rate_limited"] = with_floor(limited, rate)
    growth_rows = []
    for size in sizes:
        growth_rows.append(with_floor(onboard_customers(bench, "grow%d" % size, size, users_each, forks=10), rate))
    figures["growth_under_the_limit"] = growth_rows
    bench.emulator.configure(rate_limit=None, latency=0.1)
    parallel = onboard_customers(bench, "latency_forks", count, users_each, forks=10)
    serial = onboard_customers(bench, "latency_serial", count, users_each, forks=1)
    figures["latency_100ms"] = dict(forks_10=parallel, forks_1=serial, speedup=round(serial["seconds"] / parallel["seconds"], 2))
    bench.emulator.configure(latency=0.0)
    figures["inventory"] = inventory_scale(bench, inventory_size)
    return figures


def inventory_scale(bench, count):
    """The customers inventory over `count` customers: requests, time, then a second run from its jsonfile cache."""
    prefix = "inv%d" % (int(time.time() * 1000) % 100000)
    bench.emulator.store.generate_customers(count, prefix=prefix)
    directory = os.path.join(bench.workdir, "inventory_scale")
    os.makedirs(directory)
    path = os.path.join(directory, "customers.partnercenter.yml")
    with open(path, "w") as handle:
        yaml.safe_dump({"plugin": "partnercenter.csp.customers", "domain": prefix, "cache": True,
                        "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": os.path.join(directory, "cache"),
                        "cache_timeout": 3600}, handle)
    runs = []
    for _run in range(2):
        mark = bench.mark()
        started = time.monotonic()
        listed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", path, "--list"],
                                env=bench.env, capture_output=True, text=True, check=True)
        elapsed = time.monotonic() - started
        hosts = json.loads(listed.stdout)["partnercenter_customers"]["hosts"]
        seen = bench.requests_since(mark)
        runs.append(dict(seconds=round(elapsed, 2), hosts=len(hosts),
                         customer_list_requests=len([e for e in seen["partnercenter"] if e["path"] == "/v1/customers"]),
                         requests=len(seen["partnercenter"]) + len(seen["entra"])))
    return dict(customers=count, page_size=500, expected_requests=int(math.ceil(count / 500.0)), cold=runs[0], cached=runs[1])


def audit_customers(bench, label, count, users_each, forks, licences):
    """audit_customers.yml over `count` customers whose users are as listed (onboarded first, not measured): seconds,
    requests per customer from the log, writes (none expected), statuses from audit.json."""
    prefix = "%s%d" % (label.replace("_", ""), int(time.time() * 1000) % 100000)
    ids = bench.emulator.store.generate_customers(count, prefix=prefix, subscribed_skus=True)
    tenants = [(cid, bench.emulator.store.get_customer(cid)["companyProfile"]["domain"]) for cid in ids]
    inventory = write_customers_inventory(os.path.join(bench.workdir, label), prefix, tenants, users_each, licences=licences,
                                          static=True)
    playbooks = os.path.join(bench.collections, "ansible_collections", "partnercenter", "csp")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-f", str(forks)]
    subprocess.run(command + [os.path.join(playbooks, ONBOARD_CUSTOMERS)], env=bench.env, capture_output=True, check=True)
    mark = bench.mark()
    started = time.monotonic()
    result = subprocess.run(command + [os.path.join(playbooks, AUDIT_CUSTOMERS)], env=bench.env, capture_output=True, text=True,
                            check=False)
    elapsed = time.monotonic() - started
    pc = bench.requests_since(mark)["partnercenter"]
    per_customer = sorted(len([e for e in pc if "/customers/%s/" % cid in e["path"]]) for cid in ids)
    with open(os.path.join(inventory, "audit", "audit.json")) as handle:
        statuses = [row["status"] for row in json.load(handle)["customers"]]
    return dict(customers=count, users_each=users_each, forks=forks, licences_managed=licences, rc=result.returncode,
                seconds=round(elapsed, 2), requests=len(pc), writes=len([e for e in pc if e["method"] != "GET"]),
                requests_per_customer_min=per_customer[0], requests_per_customer_max=per_customer[-1],
                clean=statuses.count("clean"), other=len(statuses) - statuses.count("clean"))


def audit(bench, users_each, count):
    """6. The drift audit: the requests of a customer with no drift, then the time for `count` customers."""
    return dict(per_customer=audit_customers(bench, "audit_requests", 3, users_each, forks=3, licences=False),
                per_customer_licences=audit_customers(bench, "audit_licences", 3, users_each, forks=3, licences=True),
                many=audit_customers(bench, "audit_many", count, users_each, forks=10, licences=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="playbook runs for the per-task figure")
    parser.add_argument("--pairs", type=int, default=10, help="uri/module task pairs per run")
    parser.add_argument("--onboard", type=int, default=200, help="new users in the onboarding figure")
    parser.add_argument("--existing", type=int, default=2000, help="existing users in the onboarding tenant")
    parser.add_argument("--sizes", default="100,1000,10000", help="tenant sizes for the growth figure")
    parser.add_argument("--role-users", type=int, default=50, help="new users per role run in the growth figure")
    parser.add_argument("--customers", type=int, default=20, help="customers in the many-customers figure")
    parser.add_argument("--customer-users", type=int, default=10, help="new users per customer there")
    parser.add_argument("--rate", type=float, default=20.0, help="the emulator's rate limit there, requests per second")
    parser.add_argument("--customer-sizes", default="10,50,100,200", help="customer counts for the many-customers growth")
    parser.add_argument("--inventory-size", type=int, default=5000, help="customers in the inventory figure")
    parser.add_argument("--pacing-big", type=int, default=200, help="customers in the largest pacing setup (0: skip it)")
    parser.add_argument("--audit-customers", type=int, default=200, help="customers in the audit figure")
    parser.add_argument("--audit-users", type=int, default=10, help="listed users per customer there")
    parser.add_argument("--only", default="",
                        help="comma-separated figures to run (per_task,requests,onboarding,growth,customers,pacing,audit)")
    parser.add_argument("--quick", action="store_true", help="small numbers, to check the script itself")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.pairs, args.onboard, args.existing, args.sizes, args.role_users = 1, 2, 5, 50, "100,600", 5
        args.customers, args.customer_users, args.customer_sizes, args.inventory_size = 3, 2, "2,4", 600
        args.pacing_big = 0
        args.audit_customers, args.audit_users = 4, 2
    only = set(name for name in args.only.split(",") if name) or {"per_task", "requests", "onboarding", "growth", "customers",
                                                                  "pacing", "audit"}

    workdir = tempfile.mkdtemp(prefix="pc-bench-")
    bench = Bench(workdir)
    try:
        figures = {}
        started = time.monotonic()
        if "per_task" in only:
            figures["per_task"] = per_task(bench, args.runs, args.pairs)
            print("1. per task:", json.dumps(figures["per_task"]), flush=True)
        if "requests" in only:
            figures["requests_per_operation"] = requests_per_operation(bench)
            print("2. requests per operation:", json.dumps(figures["requests_per_operation"], indent=1), flush=True)
        if "onboarding" in only:
            figures["onboarding"] = onboarding(bench, args.existing, args.onboard)
            print("3. onboarding:", json.dumps(figures["onboarding"], indent=1), flush=True)
        if "growth" in only:
            figures["growth"] = growth(bench, [int(size) for size in args.sizes.split(",")], args.role_users)
            print("4. growth:", json.dumps(figures["growth"], indent=1), flush=True)
        if "customers" in only:
            figures["many_customers"] = many_customers(bench, args.rate, args.customers, args.customer_users,
                                                       [int(size) for size in args.customer_sizes.split(",")], args.inventory_size)
            print("5. many customers:", json.dumps(figures["many_customers"], indent=1), flush=True)
        if "pacing" in only:
            figures["pacing"] = pacing(bench, args.rate, args.pacing_big)
            print("5b. pacing:", json.dumps(figures["pacing"], indent=1), flush=True)
        if "audit" in only:
            figures["audit"] = audit(bench, args.audit_users, args.audit_customers)
            print("6. audit:", json.dumps(figures["audit"], indent=1), flush=True)
        figures["machine"] = dict(cpus=os.cpu_count(), python=sys.version.split()[0],
                                  total_seconds=round(time.monotonic() - started, 1))
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(figures, handle, indent=2)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
