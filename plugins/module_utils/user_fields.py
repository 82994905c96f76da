# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The managed user fields, declared once.

One record per field a task may set on a customer user. Everything else is derived from this
table (user_model.py): the argument spec of the single module, of the bulk module's users and
of the role, the snake_case <-> camelCase mapping, the comparison, the validation, what a new
user needs, and the keys returned. The modules' DOCUMENTATION and RETURN and the role's
argument_specs are hand-written (ansible-doc reads them as literals); a unit test holds them
against this table.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from collections import namedtuple

# How a field compares: EXACT, or CASEFOLD where Entra ID ignores case (so a case change is no difference).
EXACT = "exact"
CASEFOLD = "casefold"

# Entra ID: local part of letters, digits and . - _ ! # ^ ~ ' (no leading or trailing dot),
# a domain of dot-separated labels. Every pattern ends in \Z, not $: $ also matches before a final newline.
UPN_RE = re.compile(
    r"^(?!\.)[A-Za-z0-9.\-_!#^~']{1,64}(?<!\.)@"
    r"(?=.{1,255}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z"
)
USAGE_LOCATION_RE = re.compile(r"^[A-Za-z]{2}\Z")


# One managed user field. option: the module option; api_key: Partner Center's JSON key; type: the
# option type; compare: EXACT or CASEFOLD; max_length: the longest value Entra ID takes (None: no
# limit checked here); pattern and pattern_hint: a regular expression the value must match and how
# to say it in an error; create_required: a new user needs it.
Field = namedtuple("Field", "option api_key type compare max_length pattern pattern_hint create_required",
                   defaults=("str", EXACT, None, None, None, False))


USER_FIELDS = (
    Field("user_principal_name", "userPrincipalName", compare=CASEFOLD, pattern=UPN_RE,
          pattern_hint="look like alias@domain (for example ada@contoso.onmicrosoft.com)", create_required=True),
    Field("display_name", "displayName", max_length=256, create_required=True),
    Field("first_name", "firstName", max_length=64),
    Field("last_name", "lastName", max_length=64),
    Field("usage_location", "usageLocation", compare=CASEFOLD, pattern=USAGE_LOCATION_RE,
          pattern_hint="be a two-letter ISO 3166-1 country code such as US or DE", create_required=True),
    Field("immutable_id", "immutableId", max_length=256),
)

# Returned with every user, never written: (option, Partner Center key), around the managed fields.
RETURNED_BEFORE = (("id", "id"),)
RETURNED_AFTER = (
    ("state", "state"),
    ("user_domain_type", "userDomainType"),
    ("soft_deletion_time", "softDeletionTime"),
    ("last_directory_sync_time", "lastDirectorySyncTime"),
)
