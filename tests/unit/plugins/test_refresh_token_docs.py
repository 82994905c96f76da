# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The refresh token's life is told the same, true way everywhere a user reads it: the authentication guide, the
connection doc fragment, the AWX credential type's help text, and the hint on AADSTS700082 (issue 16). A refresh
token lives 90 days from its own issue, however often it is used; use is not activity that keeps it alive."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import yaml

from ansible_collections.partnercenter.csp.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.partnercenter.csp.plugins.module_utils.error_reports import hint_for

COLLECTION = os.path.join(os.path.dirname(__file__), "..", "..", "..")
# What the old text claimed: use counts as activity, 90 days "without use", a monthly read keeps it alive.
FALSE_CLAIMS = re.compile(r"counts as activity|without use|of inactivity|unused for 90|at least\s+once a month|keep a rarely used token alive")


def read(*parts):
    with open(os.path.join(COLLECTION, *parts), encoding="utf-8") as handle:
        return handle.read()


def places():
    credential = yaml.safe_load(read("extensions", "awx", "credential_type.yml"))
    (help_text,) = [f["help_text"] for f in credential["inputs"]["fields"] if f["id"] == "refresh_token"]
    return {
        "guide": read("docs", "docsite", "rst", "guide_authentication.rst"),
        "doc fragment": ModuleDocFragment.DOCUMENTATION,
        "AWX credential type": help_text,
        "AADSTS700082 hint": hint_for(400, 700082, oauth_error="invalid_grant"),
        "README": read("README.md"),
    }


def test_every_place_says_90_days_from_its_own_issue_and_none_says_use_keeps_it_alive():
    for name, text in places().items():
        flat = " ".join(text.split())
        assert re.search(r"90 days (after|from|past) its (own )?issue", flat), name
        assert not FALSE_CLAIMS.search(flat), (name, FALSE_CLAIMS.search(flat).group(0))


def test_every_place_points_to_rotation():
    for name, text in places().items():
        flat = " ".join(text.split())
        assert re.search(r"rotat|store the newest token back|newest token", flat), name
