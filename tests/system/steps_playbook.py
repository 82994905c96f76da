# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbooks of many steps in one ansible-playbook run, for the reliability and security system tests.

A step is one task, run with ``ignore_errors`` and registered, so that one run checks many cases and
the assertions are made in Python on what each step returned. Before every step (and after the last)
the controller's clock is recorded, so the emulator's request log can be split by step
(``step_requests``); the registered results and the marks are written to ``results.json`` by a last
task. The playbook is JSON (a subset of YAML), written as UTF-8.
"""

from __future__ import absolute_import, division, print_function

import json
import os

RESULTS_FILE = "results.json"
PLAYBOOK_FILE = "playbook.yml"
USER = "partnercenter.csp.partnercenter_customer_user"
USERS = "partnercenter.csp.partnercenter_customer_users"
USER_INFO = "partnercenter.csp.partnercenter_customer_user_info"
# The writes of the request log (the token endpoint's POSTs are Entra ID's, never writes).
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def step(name, module, args=None, **keywords):
    """One task: module with args; keywords are more task keywords (environment, vars, ...)."""
    return dict(name=name, module=module, args=dict(args or {}), keywords=keywords)


def add_fault_step(name, rule_template):
    """A step that adds a fault rule through the emulator's control endpoint while the play runs.

    rule_template is the rule as a Jinja expression (a string), evaluated when the step runs, so that
    a rule can depend on the clock (a Retry-After HTTP-date).
    """
    return step(name, "ansible.builtin.uri", {
        "url": "{{ lookup('env', 'PARTNERCENTER_API_URL') }}/_emulator/faults",
        "method": "POST",
        "body_format": "json",
        "body": "{{ %s }}" % rule_template,
        "ca_path": "{{ lookup('env', 'PARTNERCENTER_CA_PATH') }}",
        "status_code": [200, 201],
    })


def write_playbook(directory, steps, play_vars=None):
    """directory/playbook.yml running the steps in order; returns its path."""
    tasks = []
    for index, item in enumerate(steps):
        tasks.append({"name": "Mark the start of step %d" % index,
                      "ansible.builtin.set_fact": {"pcsys_mark_%d" % index: "{{ now().timestamp() }}"}})
        task = {"name": item["name"], item["module"]: item["args"], "register": "pcsys_step_%d" % index, "ignore_errors": True}
        task.update(item["keywords"])
        tasks.append(task)
    count = len(steps)
    tasks.append({"name": "Mark the end of the last step",
                  "ansible.builtin.set_fact": {"pcsys_mark_%d" % count: "{{ now().timestamp() }}"}})
    results = ", ".join("pcsys_step_%d" % index for index in range(count))
    marks = ", ".join("pcsys_mark_%d | float" % index for index in range(count + 1))
    tasks.append({
        "name": "Write the registered results and the marks",
        "ansible.builtin.copy": {
            "content": "{{ {'results': [%s], 'marks': [%s]} | to_json }}" % (results, marks),
            "dest": os.path.join(str(directory), RESULTS_FILE),
            "mode": "0600",
        },
        "diff": False,
    })
    play = {"name": "Steps", "hosts": "localhost", "gather_facts": False, "vars": dict(play_vars or {}), "tasks": tasks}
    path = os.path.join(str(directory), PLAYBOOK_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump([play], handle, ensure_ascii=False, indent=1)
    return path


def read_results(directory):
    """(results, marks): the registered result of every step, and len(results) + 1 clock marks."""
    with open(os.path.join(str(directory), RESULTS_FILE), encoding="utf-8") as handle:
        document = json.load(handle)
    return document["results"], document["marks"]


def step_requests(requests, marks, index):
    """The request-log entries (Partner Center and Entra ID) that arrived while step index ran."""
    return [entry for entry in requests if marks[index] <= entry["time"] < marks[index + 1]]


def partner_center(requests):
    return [entry for entry in requests if entry["service"] == "partnercenter"]


def writes(requests):
    return [entry for entry in partner_center(requests) if entry["method"] in WRITE_METHODS]


def token_calls(requests):
    """The token-endpoint calls among the requests (Entra ID's POST .../oauth2/v2.0/token)."""
    return [entry for entry in requests if entry["service"] == "entra" and entry["path"].endswith("/oauth2/v2.0/token")]


def outcome(completed):
    """The output of a CompletedProcess, for assertion messages."""
    return "rc=%s\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s" % (
        completed.returncode, completed.stdout[-6000:], completed.stderr[-3000:])
