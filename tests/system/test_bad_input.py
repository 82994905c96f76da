# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input refused: a clear error naming the option, and no request to Partner Center or to the token
endpoint. Every case is a step of one ansible-playbook run (tests/system/steps_playbook.py), checked on its
registered result, and the emulator's request log of the whole run must be empty. The cases that only
the tenant can decide (a user that does not exist yet needs a password and a usage location) may read,
never write. Unicode names are valid input and round-trip.
"""

from __future__ import absolute_import, division, print_function

from steps_playbook import USER, USER_INFO, USERS, outcome, read_results, step, write_playbook, writes

CONTOSO = "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08"
FABRIKAM = "a4e199fb-4c63-4e1c-a074-39f3c0599a51"
PASSWORD = "Initial-Passw0rd!"
UPN = "new.user@contoso.onmicrosoft.com"
NEW_USER = dict(customer_id=CONTOSO, user_principal_name=UPN, display_name="New User", usage_location="GB", password=PASSWORD)
# The credential variables are removed from the environment of these runs: every step names its own.
CREDENTIAL_ENV = ("PARTNERCENTER_TENANT_ID", "PARTNERCENTER_CLIENT_ID", "PARTNERCENTER_CLIENT_SECRET",
                  "PARTNERCENTER_REFRESH_TOKEN", "PARTNERCENTER_ACCESS_TOKEN")
POLICY = ["password", "8 to 256 characters", "at least three of"]


def credentials(emulator):
    settings = emulator.settings
    return dict((name, settings[name]) for name in ("tenant_id", "client_id", "client_secret", "refresh_token"))


def without(mapping, *names):
    return dict((key, value) for key, value in mapping.items() if key not in names)


def bad_input_cases(conn):
    """(name, module, args, keywords, words the error must contain): each would be a valid, working task
    (valid credentials included) but for the one thing named."""
    user = dict(NEW_USER, **conn)
    bulk_item = without(NEW_USER, "customer_id")
    return [
        ("customer_id not a GUID", USER, dict(user, customer_id="contoso"), {}, ["customer_id", "GUID"]),
        ("customer_id missing", USER, without(user, "customer_id"), {}, ["customer_id"]),
        ("user_id not a GUID", USER, dict(user, user_id="482e2152-4b49"), {}, ["user_id", "GUID"]),
        ("user_principal_name without a domain", USER, dict(user, user_principal_name="new.user"), {}, ["user_principal_name", "alias@domain"]),
        ("user_principal_name with a bare host", USER, dict(user, user_principal_name="new.user@contoso"), {}, ["user_principal_name"]),
        ("usage_location of three letters", USER, dict(user, usage_location="GBR"), {}, ["usage_location", "two-letter"]),
        # Patterns match whole strings: ^...$ took a value ending in a newline and sent it (issue 15, section 7).
        ("usage_location with a trailing newline", USER, dict(user, usage_location="GB\n"), {}, ["usage_location", "two-letter"]),
        ("user_id with a trailing newline", USER, dict(user, user_id="482e2152-4b49-48ec-b715-823365ce3d4c\n"), {}, ["user_id", "GUID"]),
        ("customer_id with a trailing newline", USER, dict(user, customer_id=CONTOSO + "\n"), {}, ["customer_id", "GUID"]),
        ("user_principal_name with a trailing newline", USER, dict(user, user_principal_name=UPN + "\n"), {}, ["user_principal_name"]),
        ("password too short", USER, dict(user, password="Sh0rt!"), {}, POLICY),
        ("password of one character class", USER, dict(user, password="onlylowercaseletters"), {}, POLICY),
        ("password too long", USER, dict(user, password="Aa1!" * 65), {}, POLICY),
        ("password empty", USER, dict(user, password=""), {}, POLICY),
        ("password with characters Entra ID refuses", USER, dict(user, password=u"Pässwörd-Ünïcödé"), {}, POLICY + ["printable ASCII"]),
        ("access_token together with refresh_token", USER, dict(user, access_token="eyJ0eXAi.not-a-real.token"), {},
         ["access_token", "refresh_token", "mutually exclusive"]),
        ("no credentials at all", USER, dict(NEW_USER), {}, ["credentials", "refresh_token", "access_token"]),
        ("refresh_token without client_id", USER, without(user, "client_id"), {}, ["refresh_token", "client_id"]),
        ("state=absent with neither user_id nor user_principal_name", USER,
         dict(customer_id=CONTOSO, state="absent", **conn), {}, ["user_id", "user_principal_name"]),
        ("unknown option", USER, dict(user, colour="blue"), {}, ["colour"]),
        ("force_change_password not a boolean", USER, dict(user, force_change_password="maybe-ish"), {}, ["force_change_password"]),
        ("timeout not an integer", USER, dict(user, timeout="abc"), {}, ["timeout"]),
        ("timeout not an integer in PARTNERCENTER_TIMEOUT", USER, user, {"environment": {"PARTNERCENTER_TIMEOUT": "soon"}}, ["timeout"]),
        ("timeout of 0", USER, dict(user, timeout=0), {}, ["timeout", "between 1 and 600"]),
        ("retries above 10", USER, dict(user, retries=11), {}, ["retries", "between 0 and 10"]),
        ("display_name empty", USER, dict(user, display_name=""), {}, ["display_name", "empty"]),
        ("first_name of spaces", USER, dict(user, first_name="   "), {}, ["first_name", "empty"]),
        ("display_name longer than 256 characters", USER, dict(user, display_name="x" * 257), {}, ["display_name", "256"]),
        ("last_name longer than 64 characters", USER, dict(user, last_name="y" * 65), {}, ["last_name", "64"]),
        ("state not a choice", USER, dict(user, state="gone"), {}, ["state"]),
        ("update_password not a choice", USER, dict(user, update_password="sometimes"), {}, ["update_password"]),
        ("api_url not https", USER, dict(user, api_url="http://127.0.0.1:9"), {}, ["api_url", "https://"]),
        ("ca_path not a file", USER, dict(user, ca_path="/nonexistent/partnercenter-ca.pem"), {}, ["ca_path"]),
        ("bulk: the same user twice (the case of the name differs)", USERS,
         dict(customer_id=CONTOSO, users=[bulk_item, dict(bulk_item, user_principal_name=UPN.upper())], **conn), {},
         ["users[1]", "more than once"]),
        ("bulk: an item with a bad user_principal_name", USERS,
         dict(customer_id=CONTOSO, users=[bulk_item, dict(bulk_item, user_principal_name="second")], **conn), {},
         ["users[1]", "user_principal_name"]),
        ("bulk: an item whose user_id ends in a newline", USERS,
         dict(customer_id=CONTOSO, users=[dict(user_id="482e2152-4b49-48ec-b715-823365ce3d4c\n", display_name="X")], **conn), {},
         ["users[0]", "user_id", "GUID"]),
        ("bulk: an item with a bad password", USERS,
         dict(customer_id=CONTOSO, users=[dict(bulk_item, password="Sh0rt!")], **conn), {}, ["users[0]"] + POLICY),
        ("bulk: an item with an unknown option", USERS,
         dict(customer_id=CONTOSO, users=[dict(bulk_item, colour="blue")], **conn), {}, ["colour"]),
        ("bulk: an item with neither user_id nor user_principal_name", USERS,
         dict(customer_id=CONTOSO, users=[without(bulk_item, "user_principal_name")], **conn), {}, ["user_id", "user_principal_name"]),
        ("bulk: concurrency of 0", USERS, dict(customer_id=CONTOSO, users=[bulk_item], concurrency=0, **conn), {}, ["concurrency"]),
        ("info: customer_id not a GUID", USER_INFO, dict(customer_id="not-a-guid", **conn), {}, ["customer_id", "GUID"]),
        ("info: user_id and user_principal_name together", USER_INFO,
         dict(customer_id=CONTOSO, user_id="482e2152-4b49-48ec-b715-823365ce3d4c", user_principal_name=UPN, **conn), {},
         ["user_id", "user_principal_name", "mutually exclusive"]),
    ]


def test_bad_input_is_refused_naming_the_option_with_zero_requests(emulator, run_playbook, tmp_path):
    cases = bad_input_cases(credentials(emulator))
    assert len(cases) >= 20
    steps = [step(name, module, args, **keywords) for name, module, args, keywords, _words in cases]
    completed = run_playbook(write_playbook(tmp_path, steps), env=dict((name, None) for name in CREDENTIAL_ENV))
    assert completed.returncode == 0, outcome(completed)
    results, _marks = read_results(tmp_path)

    problems = []
    for (name, _module, _args, _keywords, words), result in zip(cases, results):
        message = result.get("msg") or ""
        if not result.get("failed"):
            problems.append("%s: not refused: %r" % (name, result))
        elif [word for word in words if word not in message]:
            problems.append("%s: the message lacks %r: %s" % (name, [word for word in words if word not in message], message))
        elif "Traceback (most recent call last)" in message + str(result.get("exception", "")):
            problems.append("%s: a traceback: %s" % (name, result))
    requests = emulator.requests()
    if requests:
        problems.append("%d requests reached the emulator: %s" % (
            len(requests), sorted(set("%s %s %s" % (r["service"], r["method"], r["path"]) for r in requests))))
    assert not problems, "\n".join(problems)


def tenant_dependent_cases(conn):
    """Input only the tenant can judge: the user does not exist yet, so creating it needs more. Reads allowed."""
    return [
        ("create without password", USER, dict(without(NEW_USER, "password"), **conn), ["password", "does not exist"]),
        ("create without usage_location", USER, dict(without(NEW_USER, "usage_location"), **conn), ["usage_location", "does not exist"]),
        ("create without display_name", USER, dict(without(NEW_USER, "display_name"), **conn), ["display_name", "does not exist"]),
        ("a user_id that matches no user", USER,
         dict(NEW_USER, user_id="00000000-0000-4000-8000-000000000001", **conn), ["user_id", "matches no"]),
        ("bulk: one new user without password among valid ones", USERS, dict(customer_id=CONTOSO, users=[
            without(NEW_USER, "customer_id"),
            dict(without(NEW_USER, "customer_id", "password"), user_principal_name="second.user@contoso.onmicrosoft.com"),
        ], **conn), ["second.user@contoso.onmicrosoft.com", "password"]),
    ]


def test_tenant_dependent_bad_input_is_refused_after_reading_with_zero_writes(emulator, run_playbook, tmp_path):
    cases = tenant_dependent_cases(credentials(emulator))
    steps = [step(name, module, args) for name, module, args, _words in cases]
    before = emulator.store.admin_users(CONTOSO)
    completed = run_playbook(write_playbook(tmp_path, steps), env=dict((name, None) for name in CREDENTIAL_ENV))
    assert completed.returncode == 0, outcome(completed)
    results, _marks = read_results(tmp_path)

    problems = []
    for (name, _module, _args, words), result in zip(cases, results):
        message = result.get("msg") or ""
        if not result.get("failed"):
            problems.append("%s: not refused: %r" % (name, result))
        elif [word for word in words if word not in message]:
            problems.append("%s: the message lacks %r: %s" % (name, [word for word in words if word not in message], message))
    written = writes(emulator.requests())
    if written:
        problems.append("writes reached Partner Center: %s" % ["%s %s" % (r["method"], r["path"]) for r in written])
    assert not problems, "\n".join(problems)
    assert emulator.store.admin_users(CONTOSO) == before


UNICODE_USERS = [
    ("zoe@fabrikam.onmicrosoft.com", u"Zoë Ådahl 山田太郎", u"Zoë", u"Ådahl"),
    ("emoji@fabrikam.onmicrosoft.com", u"🦊 Ünïcode Fox 🎉", u"Renée", u"Ōtsuka-Żółć"),
    ("rtl@fabrikam.onmicrosoft.com", u"مرحبا שלום Привет", u"Ἀθηνᾶ", u"Ñandú"),
]


def test_unicode_names_round_trip_and_rerun_unchanged(emulator, run_playbook, tmp_path):
    """Unicode display, first and last names (accents, CJK, emoji, right-to-left): created, read back equal,
    and a second run changes nothing, for the single-user and the bulk module."""
    single = [dict(customer_id=FABRIKAM, user_principal_name=upn, display_name=display, first_name=first, last_name=last,
                   usage_location="SE", password=PASSWORD) for upn, display, first, last in UNICODE_USERS[:2]]
    bulk = [dict(user_principal_name=upn, display_name=display, first_name=first, last_name=last, usage_location="SE",
                 password=PASSWORD) for upn, display, first, last in UNICODE_USERS[2:]]
    steps = []
    for attempt in ("create", "re-run"):
        steps.extend(step("%s %s" % (attempt, args["user_principal_name"]), USER, args) for args in single)
        steps.append(step("%s the bulk users" % attempt, USERS, dict(customer_id=FABRIKAM, users=bulk)))
    steps.append(step("read every user back", USER_INFO, dict(customer_id=FABRIKAM)))
    completed = run_playbook(write_playbook(tmp_path, steps))
    assert completed.returncode == 0, outcome(completed)
    results, _marks = read_results(tmp_path)
    for result in results:
        assert not result.get("failed"), result

    created, rerun, listing = results[:3], results[3:6], results[6]
    assert [r["changed"] for r in created] == [True, True, True]
    assert [r["changed"] for r in rerun] == [False, False, False], rerun
    assert rerun[2]["summary"]["unchanged"] == [UNICODE_USERS[2][0]]
    read_back = dict((u["user_principal_name"], (u["display_name"], u["first_name"], u["last_name"])) for u in listing["users"])
    stored = dict((u["userPrincipalName"], (u["displayName"], u["firstName"], u["lastName"]))
                  for u in emulator.store.admin_users(FABRIKAM))
    for upn, display, first, last in UNICODE_USERS:
        assert read_back[upn] == (display, first, last)
        assert stored[upn] == (display, first, last)
    assert created[0]["user"]["display_name"] == UNICODE_USERS[0][1]
    # The re-run wrote nothing.
    assert [r["method"] for r in writes(emulator.requests())] == ["POST"] * 3
