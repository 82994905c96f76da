# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Properties of the pure model, over generated inputs (hypothesis): mapping round-trips, comparison symmetry and case
rules, convergence that leaves nothing to change, list plans that reach their target, and no password in any diff or
redacted body."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from hypothesis import assume, given, settings, strategies as st

from ansible_collections.partnercenter.csp.plugins.module_utils.list_changes import plan_list
from ansible_collections.partnercenter.csp.plugins.module_utils.redaction import MASK, redact
from ansible_collections.partnercenter.csp.plugins.module_utils.user_fields import CASEFOLD, USER_FIELDS
from ansible_collections.partnercenter.csp.plugins.module_utils.user_model import (
    PASSWORD_PLACEHOLDER,
    build_diff,
    changed_fields,
    predicted_user,
    same_value,
    to_api,
    user_from_api,
)

settings.register_profile("partnercenter", max_examples=200, deadline=None)
settings.load_profile("partnercenter")

OPTIONS = [field.option for field in USER_FIELDS]
CASEFOLDED = [field.option for field in USER_FIELDS if field.compare == CASEFOLD]
EXACT = [field.option for field in USER_FIELDS if field.compare != CASEFOLD]
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
ascii_text = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=40)
fields = st.dictionaries(st.sampled_from(OPTIONS), text, max_size=len(OPTIONS))
# Printable ASCII, quotes and backslashes included: what Entra ID takes in a password.
passwords = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), min_size=8, max_size=64).filter(lambda p: p.strip())


@given(fields)
def test_snake_to_camel_and_back_keeps_every_value(desired):
    api_user = dict(to_api(desired), id="x", state="active")
    user = user_from_api(api_user)
    assert dict((option, user[option]) for option in desired) == desired
    assert set(to_api(desired)) == set(field.api_key for field in USER_FIELDS if field.option in desired)


@given(st.sampled_from(OPTIONS), text, text)
def test_comparison_is_symmetric(option, one, other):
    assert same_value(option, one, other) == same_value(option, other, one)
    assert same_value(option, one, one)


@given(st.sampled_from(CASEFOLDED), ascii_text)
def test_case_is_no_difference_where_entra_ignores_it(option, value):
    assert same_value(option, value, value.swapcase())
    assert changed_fields({option: value.swapcase()}, {option: value}) == {}


@given(st.sampled_from(EXACT), ascii_text.filter(lambda v: v.swapcase() != v))
def test_case_is_a_difference_everywhere_else(option, value):
    assert not same_value(option, value, value.swapcase())
    assert changed_fields({option: value.swapcase()}, {option: value}) == {option: value.swapcase()}


@given(fields, fields)
def test_applying_the_changes_leaves_nothing_to_change(desired, current_fields):
    current = predicted_user(None, current_fields, "active")
    changes = changed_fields(desired, current)
    assert set(changes) <= set(desired)
    assert changed_fields(desired, predicted_user(current, changes, "active")) == {}


@given(fields, passwords, st.booleans())
def test_the_diff_never_holds_the_password(desired, password, exists):
    before = predicted_user(None, {}, "active") if exists else None
    after = predicted_user(before, desired, "active")
    without = json.dumps(build_diff(before, after, password_set=False))
    assume(password not in without and json.dumps(password)[1:-1] not in without)   # not a field value or key by chance
    # nor a piece of the fixed text that stands for it ('password' is a key of the diff)
    assume(password not in '"password": "%s - changed"' % PASSWORD_PLACEHOLDER)
    blob = json.dumps(build_diff(before, after, password_set=True))
    assert password not in blob and json.dumps(password)[1:-1] not in blob


ids = st.frozensets(st.sampled_from(["a", "b", "c", "d", "e"]))


@given(ids, ids)
def test_set_reaches_exactly_its_target(current, target):
    final, to_add, to_remove = plan_list(current, set_=target)
    assert final == target and to_add == target - current and to_remove == current - target
    assert plan_list(final, set_=target)[1:] == (frozenset(), frozenset()), "a second run changes nothing"


@given(ids, ids, ids)
def test_add_and_remove_touch_only_what_they_name_and_are_idempotent(current, add, remove):
    remove = remove - add
    final, to_add, to_remove = plan_list(current, add=add, remove=remove)
    assert add <= final and not (remove & final)
    assert (final ^ current) <= (add | remove), "entries not named are kept"
    assert plan_list(final, add=add, remove=remove)[1:] == (frozenset(), frozenset())


@given(passwords, st.integers(min_value=0, max_value=400), st.booleans())
def test_no_password_survives_redaction_in_any_escaped_or_cut_short_form(password, cut, nested):
    def render(secret):
        body = json.dumps({"id": "1", "displayName": "Ada", "passwordProfile": {"password": secret, "forceChangePassword": True}})
        return json.dumps({"error": body}) if nested else body

    forms = [form for form in (password, json.dumps(password)[1:-1], json.dumps(json.dumps(password)[1:-1])[1:-1]) if len(form) >= 4]
    surroundings = render("") + MASK
    assume(not any(form in surroundings for form in forms))   # the password is not the mask or a piece of the body by chance
    body = render(password)
    redacted = redact(body[:cut] if cut < len(body) else body)
    for form in forms:
        assert form not in redacted
    # Wherever the password's key survived, what follows it is the mask (or nothing, when the cut came first).
    for match in re.finditer(r'password\\*"\s*:\s*\\*"', redacted):
        rest = redacted[match.end():]
        assert rest.startswith(MASK) or not rest, redacted


@given(passwords)
def test_a_known_secret_is_redacted_in_plain_text_too(password):
    assume(MASK not in password)
    assert password not in redact("the service said: %s is weak" % password, secrets={password})
