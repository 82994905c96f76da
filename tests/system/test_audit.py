# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit_customers.yml over three customers: one clean, one drifted in every way the audit looks for, one
that answers 403. The three report files, the totals, reads only, and the HTML as headless Chromium renders it."""

from __future__ import absolute_import, division, print_function

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
import yaml

from steps_playbook import outcome, partner_center
from test_many_customers import custom_stats

PASSWORD = "Audit-Only-7x!"
PLAYBOOK = "playbooks/audit_customers.yml"
EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"
DENIED_BODY = {"code": 900308, "description": "The request is forbidden: no delegated admin relationship with this customer.",
               "data": [], "source": "PartnerFD"}


def customer(emulator, prefix):
    cid = emulator.store.generate_customers(1, prefix=prefix, subscribed_skus=True)[0]
    return cid, emulator.store.get_customer(cid)["companyProfile"]["domain"]


def user(upn, display_name, **extra):
    return dict(dict(userPrincipalName=upn, displayName=display_name, usageLocation="DE"), **extra)


def listed(upn, display_name, **extra):
    return dict(dict(user_principal_name=upn, display_name=display_name, password=PASSWORD), **extra)


def seed(emulator, tmp_path):
    """Three customers in the emulator and the inventory that describes them: {role: (id, domain)}."""
    clean, drifted, denied = (customer(emulator, prefix) for prefix in ("clean", "drifted", "denied"))
    store = emulator.store
    store.add_users(clean[0], [user("ann@" + clean[1], "Ann", licenses=["SPE_E3"])])
    store.add_role_member(clean[0], "User Administrator", "ann@" + clean[1])
    d = "@" + drifted[1]
    store.add_users(drifted[0], [user("upd" + d, "Old <b>Name</b> & Co", licenses=["SPE_E3"]),
                                 user("gone" + d, "Gone", state="inactive"),
                                 user("leaver" + d, "Leaver", licenses=["SPE_E3"]),
                                 user("stranger" + d, "Stranger"),
                                 user("mallory" + d, "Mallory")])
    store.add_role_member(drifted[0], "Global Administrator", "mallory" + d)
    store.add_subscribed_sku(drifted[0], {"productSku": {"id": EMS, "skuPartNumber": "EMS", "name": "Enterprise Mobility + Security E3"},
                                          "totalUnits": 1})
    emulator.add_fault(kind="status", status=403, path=r"^/v1/customers/%s/" % denied[0], count=1000, body=DENIED_BODY)

    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    hosts = dict((domain, {"partnercenter_customer_id": cid}) for cid, domain in (clean, drifted, denied))
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"partnercenter_customers": {"hosts": hosts}}))
    (inventory / "group_vars" / "partnercenter_customers.yml").write_text(yaml.safe_dump({
        "partnercenter_default_usage_location": "DE", "partnercenter_default_licenses": {"add": ["SPE_E3"]},
        "partnercenter_audit_min_available_seats": 2, "partnercenter_audit_list_unmanaged": True}))
    host_users = {
        clean[1]: [listed("ann@" + clean[1], "Ann", directory_roles={"add": ["User Administrator"]})],
        drifted[1]: [listed("new" + d, "New"), listed("upd" + d, "New Name"), listed("gone" + d, "Gone"),
                     dict(user_principal_name="leaver" + d, state="absent")],
        denied[1]: [listed("someone@" + denied[1], "Someone")],
    }
    for domain, users in host_users.items():
        (inventory / "host_vars" / ("%s.yml" % domain)).write_text(yaml.safe_dump({"partnercenter_users": users}))
    return dict(clean=clean, drifted=drifted, denied=denied), inventory


class PageText(HTMLParser):
    """The text of a page, as a reader sees it (script and style left out), and the tags it has."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.text, self.tags, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def chromium():
    """The Chromium binary; its absence fails the test in CI (tools/test.sh installs it) and skips it elsewhere."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is needed to render the audit report (apt-get install chromium)")
        pytest.skip("chromium is not installed (tools/test.sh installs it as root with apt-get)")
    return binary


def render(binary, page, tmp_path):
    """The DOM headless Chromium builds from the page, offline, with a throwaway profile."""
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--user-data-dir=%s" % (tmp_path / "chromium-profile"), "--dump-dom", "file://%s" % page]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)
    assert done.returncode == 0 and "<table" in done.stdout, done.stderr[-2000:]
    return done.stdout


def test_audit_over_three_customers_writes_the_report_and_nothing_else(emulator, run_playbook, tmp_path):
    customers, inventory = seed(emulator, tmp_path)
    (clean_id, clean), (drifted_id, drifted), (denied_id, denied) = customers["clean"], customers["drifted"], customers["denied"]
    emulator.clear_requests()

    result = run_playbook(PLAYBOOK, env={"ANSIBLE_SHOW_CUSTOM_STATS": "1"}, extra_args=["-i", str(inventory), "-f", "3"])

    assert result.returncode == 2, outcome(result)
    assert "The audit failed for 1 customer(s): %s" % denied in result.stdout
    assert PASSWORD not in result.stdout + result.stderr

    # Reads only: not one write reached Partner Center, although the run was not in check mode.
    log = partner_center(emulator.requests())
    assert log and set(entry["method"] for entry in log) == {"GET"}, sorted(set((e["method"], e["path"]) for e in log))
    # The clean customer costs its user list, its SKUs, its roles, the three privileged roles' members and Ann's licences.
    clean_paths = sorted(entry["path"].replace("/v1/customers/%s/" % clean_id, "") for entry in log if clean_id in entry["path"])
    assert len(clean_paths) == 7, clean_paths
    assert clean_paths.count("users") == 1 and clean_paths.count("subscribedskus") == 1 and clean_paths.count("directoryroles") == 1

    report_dir = inventory / "audit"
    report = json.loads((report_dir / "audit.json").read_text())
    assert report["collection_version"] and report["generated_at"].endswith("Z")
    rows = dict((row["name"], row) for row in report["customers"])
    assert sorted(rows) == sorted([clean, drifted, denied])

    row = rows[clean]
    assert (row["customer_id"], row["status"], row["drift"], row["unknown_admins"], row["unmanaged_users"], row["error"]) == (
        clean_id, "clean", [], [], 0, "")
    assert {"sku_part_number": "SPE_E3", "name": "Microsoft 365 E3", "total_units": 25, "consumed_units": 1,
            "available_units": 24} in row["seats"]

    row = rows[drifted]
    assert row["status"] == "drifted" and row["error"] == ""
    actions = dict((entry["user_principal_name"], entry) for entry in row["drift"])
    d = "@" + drifted
    assert dict((upn, entry["action"]) for upn, entry in actions.items()) == {
        "new" + d: "created", "upd" + d: "updated", "gone" + d: "restored", "leaver" + d: "deleted"}
    assert actions["upd" + d]["fields"] == {"display_name": {"before": "Old <b>Name</b> & Co", "after": "New Name"}}
    assert actions["new" + d]["licenses"]["add"] == ["SPE_E3"]
    assert row["unmanaged_users"] == 2 and row["unmanaged_user_names"] == ["mallory" + d, "stranger" + d]
    assert row["unknown_admins"] == [{"user_principal_name": "mallory" + d, "role": "Global Administrator"}]
    assert row["low_seats"] == ["EMS"]
    ems = [seat for seat in row["seats"] if seat["sku_part_number"] == "EMS"]
    assert ems == [{"sku_part_number": "EMS", "name": "Enterprise Mobility + Security E3", "total_units": 1, "consumed_units": 0,
                    "available_units": 1}]

    row = rows[denied]
    assert row["status"] == "failed" and row["customer_id"] == denied_id
    assert "403" in row["error"] and "900308" in row["error"] and row["drift"] == [] and row["unmanaged_users"] is None

    totals = custom_stats(result.stdout)["tenant_audit_totals"]
    assert (totals["customers"], totals["clean"], totals["drifted"], totals["failed"]) == (3, 1, 1, 1)
    assert (totals["drift"], totals["unknown_admins"], totals["unmanaged_users"], totals["low_seats"]) == (4, 1, 2, 1)
    assert totals["failed_customers"] == [denied] and totals["drifted_customers"] == [drifted]

    suite = ElementTree.parse(str(report_dir / "junit.xml")).getroot()
    cases = dict((case.get("name"), case) for case in suite.iter("testcase"))
    assert sorted(cases) == sorted([clean, drifted, denied])
    assert list(cases[clean]) == []
    failure = cases[drifted].find("failure")
    assert failure is not None and "mallory%s holds Global Administrator" % d in failure.get("message")
    assert "new%s: would be created" % d in failure.text
    assert "403" in cases[denied].find("error").get("message")

    html = (report_dir / "audit.html").read_text()
    for name in ("audit.json", "audit.html", "junit.xml"):
        assert PASSWORD not in (report_dir / name).read_text(), "nothing secret in the report"
    for needle in ("<script", "<link", "src=", "url(", "@import", 'href="http'):
        assert needle not in html.lower(), "self-contained, no script: %s" % needle
    page = PageText()
    page.feed(render(chromium(), report_dir / "audit.html", tmp_path))
    text = " ".join(" ".join(page.text).split())
    for name, status in ((clean, "clean"), (drifted, "drifted"), (denied, "failed")):
        assert "%s %s" % (name, status) in text, (name, status)
    assert "1 drifted, 1 clean, 1 failed" in text
    assert "Old <b>Name</b> & Co" in text, "a display name is data, shown as written, not markup"
    assert "b" not in page.tags and "mallory%s Global Administrator" % d in text
