# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Secrets taken out of response bodies before any of it is quoted in a message.

Partner Center echoes passwordProfile.password in its create and reset answers, and Ansible's
no_log masking only catches a secret spelled exactly as given: not its JSON-escaped form
(Pa"ss\\word1 arrives as Pa\\"ss\\\\word1), and not a prefix left by clipping. So bodies are
redacted here, whatever their shape, before they are clipped or quoted:

- a JSON body: every value under a secret-looking key (password, secret, token, assertion)
  is replaced, at any depth;
- anything else (cut short, HTML, doubly encoded): each secret-looking key's value is replaced
  up to its closing quote, or, where that cannot be told, up to the end of the text;
- every known secret (the task's no_log values) in its plain and JSON-escaped forms.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

MASK = "********"
_SECRET_KEY = re.compile(r"password|secret|access_?token|refresh_?token|id_?token|assertion", re.IGNORECASE)
# A secret key as it appears in JSON text, its colon, and the quote that opens its value;
# group 1 is the backslashes before the key's quotes (one level of JSON inside a string).
_KEYED_VALUE = re.compile(r'(\\*)"[A-Za-z0-9_.-]*(?:password|secret|access_?token|refresh_?token|id_?token|assertion)[A-Za-z0-9_.-]*\1"'
                          r'\s*:\s*\1"', re.IGNORECASE)
# key=value and key: value outside JSON (form bodies, plain text).
_PLAIN_VALUE = re.compile(r"((?:password|secret|access_?token|refresh_?token|assertion)[A-Za-z_]*\s*[=:]\s*)[^\s&,;\"']+", re.IGNORECASE)


def _redact_document(value):
    if isinstance(value, dict):
        return dict((key, MASK if _SECRET_KEY.search(str(key)) and value[key] is not None else _redact_document(value[key]))
                    for key in value)
    if isinstance(value, list):
        return [_redact_document(item) for item in value]
    if isinstance(value, str) and ('"' in value or "=" in value):
        return redact(value)   # a body inside a string
    return value


def _json_string_end(text, start):
    """Index just past the closing quote of a JSON string whose content starts at start, or None when it is never closed."""
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1
        index += 1
    return None


def _redact_keyed_values(text):
    out = []
    position = 0
    while True:
        match = _KEYED_VALUE.search(text, position)
        if match is None:
            out.append(text[position:])
            return "".join(out)
        out.append(text[position:match.end()])
        end = _json_string_end(text, match.end()) if not match.group(1) else None
        if end is None:
            # Never closed (cut short), or inside an escaped string where its end cannot be told: the rest goes.
            out.append(MASK)
            return "".join(out)
        out.append(MASK + '"')
        position = end


def _forms(secret):
    """A secret as it may appear in a body: plain, JSON-escaped, and escaped twice."""
    once = json.dumps(secret)[1:-1]
    twice = json.dumps(once)[1:-1]
    return sorted(set((secret, once, twice)), key=len, reverse=True)


def redact(text, secrets=()):
    """text with every secret it may hold replaced by MASK (see the module docstring)."""
    if not text:
        return text
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, (dict, list)):
        redacted = _redact_document(document)
        if redacted != document:
            text = json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))
    else:
        text = _PLAIN_VALUE.sub(lambda match: match.group(1) + MASK, _redact_keyed_values(text))
    for secret in secrets or ():
        if isinstance(secret, str) and len(secret) >= 4:
            for form in _forms(secret):
                text = text.replace(form, MASK)
    return text
