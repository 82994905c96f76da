# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX readiness: the credential type against the modules' connection options, its installer, and a job run
the way AWX runs one (ansible-runner, the credential only as injected environment variables)."""

from __future__ import absolute_import, division, print_function

import importlib
import json
import os
import sys
import textwrap

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDENTIAL_TYPE = os.path.join(ROOT, "extensions", "awx", "credential_type.yml")
DEMO_VARS = os.path.join(ROOT, "playbooks", "vars", "demo_users.yml")
CONNECTION_FRAGMENT = os.path.join(ROOT, "plugins", "doc_fragments", "connection.py")
EXPECTED_ENV = ["PARTNERCENTER_API_URL", "PARTNERCENTER_AUTHORITY_HOST", "PARTNERCENTER_CLIENT_ID",
                "PARTNERCENTER_CLIENT_SECRET", "PARTNERCENTER_REFRESH_TOKEN", "PARTNERCENTER_TENANT_ID"]


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def credential_type():
    return load_yaml(CREDENTIAL_TYPE)


def inject_env(definition, inputs):
    """The environment AWX gives a job for a credential with these inputs.

    As awx/main/models/credential CredentialType.inject_credential does it: only the fields with a
    value are in the namespace, and every env injector is rendered in an immutable Jinja sandbox.
    """
    namespace = dict((name, value) for name, value in inputs.items() if value not in ("", None))
    sandbox = ImmutableSandboxedEnvironment()
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in definition["injectors"]["env"].items())


@pytest.fixture(scope="module")
def connection_spec(staged_collection):
    """connection_argument_spec() of the staged collection's connection.py, imported for real."""
    sys.path.insert(0, staged_collection)
    try:
        module = importlib.import_module("ansible_collections.partnercenter.csp.plugins.module_utils.connection")
        return module.connection_argument_spec()
    finally:
        sys.path.remove(staged_collection)


def env_fallbacks(spec):
    """{environment variable: option} from the fallback=(function, [names]) of each option (env_fallback or
    a variant of it: the names are what the modules read)."""
    fallbacks = {}
    for option, details in spec.items():
        function, names = details["fallback"]
        assert callable(function), option
        for name in names:
            fallbacks[name] = option
    return fallbacks


def test_injected_variables_are_exactly_env_fallbacks_of_the_connection_options(connection_spec):
    definition = credential_type()
    fallbacks = env_fallbacks(connection_spec)
    injected = definition["injectors"]["env"]
    assert sorted(injected) == EXPECTED_ENV
    fields = dict((field["id"], field) for field in definition["inputs"]["fields"])
    for name, template in injected.items():
        option = fallbacks.get(name)
        assert option, "%s is not the env fallback of any connection option" % name
        # each variable carries the field named like the option it feeds
        assert option in fields, name
        assert template.startswith("{{ %s " % option) or template == "{{ %s }}" % option, (name, template)
        # a secret option is a secret field, and the other way round
        assert bool(connection_spec[option].get("no_log")) == bool(fields[option].get("secret")), option
    assert sorted(fields) == sorted(fallbacks[name] for name in injected)
    assert definition["inputs"]["required"] == ["tenant_id", "client_id", "refresh_token"]
    assert fields["refresh_token"]["multiline"] is False
    assert definition["kind"] == "cloud"
    assert definition["name"] == "Microsoft Partner Center (App+User)"
    # and the documentation of the options names the same variables
    with open(CONNECTION_FRAGMENT) as handle:
        fragment = handle.read()
    for name in injected:
        assert "E(%s)" % name in fragment


def test_unset_optional_fields_inject_the_module_defaults(connection_spec, monkeypatch):
    """AWX injects every variable, empty or not: the result must still be valid module options."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # pylint: disable=import-outside-toplevel
    connection = sys.modules["ansible_collections.partnercenter.csp.plugins.module_utils.connection"]

    env = inject_env(credential_type(), {"tenant_id": "contoso.onmicrosoft.com", "client_id": "app", "refresh_token": "rt"})
    assert env["PARTNERCENTER_API_URL"] == env["PARTNERCENTER_AUTHORITY_HOST"] == env["PARTNERCENTER_CLIENT_SECRET"] == ""

    for name in list(os.environ):
        if name.startswith("PARTNERCENTER_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(connection_spec).validate({})
    assert not result.error_messages
    params = result.validated_parameters
    assert params["refresh_token"] == "rt" and params["tenant_id"] == "contoso.onmicrosoft.com"
    assert params["client_secret"] is None  # empty: a public client
    assert params["api_url"] == connection_spec["api_url"]["default"]
    assert params["authority_host"] == connection_spec["authority_host"]["default"]
    assert connection.check_connection_params(params) is None

    given = inject_env(credential_type(), {"tenant_id": "t", "client_id": "c", "refresh_token": "r", "client_secret": "s",
                                           "api_url": "https://pc.example", "authority_host": "https://login.example"})
    assert given == {"PARTNERCENTER_TENANT_ID": "t", "PARTNERCENTER_CLIENT_ID": "c", "PARTNERCENTER_REFRESH_TOKEN": "r",
                     "PARTNERCENTER_CLIENT_SECRET": "s", "PARTNERCENTER_API_URL": "https://pc.example",
                     "PARTNERCENTER_AUTHORITY_HOST": "https://login.example"}


STUB_CREDENTIAL_TYPE_MODULE = '''\
#!/usr/bin/python
# A stand-in for awx.awx.credential_type that records its arguments instead of calling AWX.
from __future__ import annotations
import json
import os
from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec=dict(
    name=dict(type="str", required=True), description=dict(type="str"), kind=dict(type="str"),
    inputs=dict(type="dict"), injectors=dict(type="dict"), state=dict(type="str", default="present")))
with open(os.environ["STUB_AWX_RECORD"], "w") as handle:
    json.dump(module.params, handle)
module.exit_json(changed=True)
'''


def test_install_playbook_passes_the_definition_verbatim(run_playbook, tmp_path, staged_collection):
    """With a recording stand-in for awx.awx, the injector templates reach the module untouched (not rendered by Ansible)."""
    stub = tmp_path / "stub_collections" / "ansible_collections" / "awx" / "awx"
    (stub / "plugins" / "modules").mkdir(parents=True)
    (stub / "plugins" / "modules" / "credential_type.py").write_text(STUB_CREDENTIAL_TYPE_MODULE)
    (stub / "meta").mkdir()
    (stub / "meta" / "runtime.yml").write_text("---\nrequires_ansible: '>=2.16'\n")
    record = tmp_path / "record.json"

    result = run_playbook("playbooks/install_awx_credential_type.yml", env={
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([str(tmp_path / "stub_collections"), staged_collection]),
        "STUB_AWX_RECORD": str(record)})
    assert result.returncode == 0, result.stdout + result.stderr
    with open(str(record)) as handle:
        received = json.load(handle)
    definition = credential_type()
    for key in ("name", "description", "kind", "inputs", "injectors"):
        assert received[key] == definition[key], key
    assert received["injectors"]["env"]["PARTNERCENTER_REFRESH_TOKEN"] == "{{ refresh_token }}"


# ansible-runner starts ansible-playbook with pexpect (forkpty) as AWX does, from this process where the
# emulator's threads run; the child only execs, so Python 3.12's general warning about forking a
# multi-threaded process does not apply.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_awx_style_job_with_the_credential_only_in_the_environment(emulator, staged_collection, tmp_path, monkeypatch):
    """A job as AWX runs it: ansible-runner, a project playbook importing the collection's playbook,
    the credential injected as environment variables, the users as extra variables; then a second job."""
    import ansible_runner  # pylint: disable=import-outside-toplevel

    for name in list(os.environ):
        if name.startswith(("PARTNERCENTER_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    settings = emulator.settings
    credential_env = inject_env(credential_type(), {
        "tenant_id": settings["tenant_id"], "client_id": settings["client_id"], "client_secret": settings["client_secret"],
        "refresh_token": settings["refresh_token"], "api_url": settings["url"], "authority_host": settings["url"]})
    demo = load_yaml(DEMO_VARS)
    customer = demo["partnercenter_customer_id"]

    private = tmp_path / "job"
    (private / "project").mkdir(parents=True)
    (private / "env").mkdir()
    (private / "inventory").mkdir()
    (private / "project" / "onboard_users.yml").write_text(textwrap.dedent("""\
        ---
        - name: Onboard the users of a CSP customer
          ansible.builtin.import_playbook: partnercenter.csp.onboard_users
        """))
    (private / "inventory" / "hosts").write_text("localhost ansible_connection=local\n")
    envvars = dict(credential_env)
    envvars.update(
        # what the execution environment provides: the collection, its Python, the trusted CA
        ANSIBLE_COLLECTIONS_PATH=staged_collection,
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        PARTNERCENTER_CA_PATH=emulator.ca_path,
        REQUESTS_CA_BUNDLE=emulator.ca_path,
        PARTNERCENTER_TOKEN_CACHE_PATH=str(tmp_path / "token-cache" / "tokens.json"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
    )
    (private / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    (private / "env" / "extravars").write_text(yaml.safe_dump(demo))

    def job():
        return ansible_runner.run(private_data_dir=str(private), playbook="onboard_users.yml", quiet=True, timeout=300)

    first = job()
    assert first.status == "successful" and first.rc == 0, first.stdout.read()
    assert first.stats["changed"] == {"localhost": 1}
    users = emulator.store.admin_users(customer)
    assert sorted(u["userPrincipalName"] for u in users) == sorted(u["user_principal_name"] for u in demo["partnercenter_users"])
    assert all(u["state"] == "active" for u in users)

    stats_event = [e for e in first.events if e["event"] == "playbook_on_stats"][-1]
    artifacts = stats_event["event_data"]["artifact_data"]
    assert artifacts["tenant_onboarding_summary"]["counts"]["created"] == 6
    assert sorted(artifacts["tenant_onboarding_customers"]) == [customer]

    # No secret in anything AWX would store: stdout, job events.
    secrets = [settings["client_secret"], settings["refresh_token"]] + [u["password"] for u in demo["partnercenter_users"]]
    recorded = first.stdout.read() + json.dumps(list(first.events))
    for secret in secrets:
        assert secret not in recorded

    second = job()
    assert second.status == "successful" and second.rc == 0, second.stdout.read()
    assert second.stats["changed"] == {}
    stats_event = [e for e in second.events if e["event"] == "playbook_on_stats"][-1]
    assert stats_event["event_data"]["artifact_data"]["tenant_onboarding_summary"]["counts"]["unchanged"] == 6
    assert len(emulator.store.admin_users(customer)) == 6
