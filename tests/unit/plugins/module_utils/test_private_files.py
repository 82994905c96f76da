# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""private_files: a file that group or others may read is made 0600 before it is used, and the collection's own
directory 0700, each with a warning naming the path (issue 15 section 7); a file of every kind (token cache, throttle)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils import private_files
from ansible_collections.partnercenter.csp.plugins.module_utils.private_files import COLLECTION_DIRECTORY, PrivateFile
from ansible_collections.partnercenter.csp.plugins.module_utils.throttle import SharedThrottle
from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import TokenCache

DOCUMENT = {"version": 1, "tokens": {}}


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def existing(directory, file_mode, directory_mode, name="tokens.json"):
    os.makedirs(str(directory))
    path = os.path.join(str(directory), name)
    with open(path, "w") as handle:
        json.dump(DOCUMENT, handle)
    os.chmod(path, file_mode)
    os.chmod(str(directory), directory_mode)
    return path


@pytest.mark.parametrize("file_mode", [0o644, 0o640, 0o604, 0o610, 0o601])
def test_a_file_open_to_group_or_others_is_made_0600_with_a_warning_and_used(tmp_path, file_mode):
    path = existing(tmp_path / "chosen", file_mode, 0o755)
    private = PrivateFile(path, "Token cache")
    assert private.read() == DOCUMENT
    assert mode(path) == 0o600
    assert len(private.warnings) == 1
    warning = private.warnings[0]
    assert warning.startswith("Token cache: file %s was open to group or others (mode %04o); it is now 0600" % (path, file_mode))
    assert mode(str(tmp_path / "chosen")) == 0o755, "a directory the user chose is left as it is"
    again = PrivateFile(path, "Token cache")
    assert again.read() == DOCUMENT and again.warnings == [], "repaired once, quiet after"


def test_the_collections_own_directory_is_made_0700_with_a_warning(tmp_path):
    directory = tmp_path / COLLECTION_DIRECTORY
    path = existing(directory, 0o640, 0o755)
    private = PrivateFile(path, "Token cache")
    assert private.write(DOCUMENT)
    assert (mode(str(directory)), mode(path)) == (0o700, 0o600)
    assert [warning.split(" was open")[0] for warning in private.warnings] == [
        "Token cache: directory %s" % directory, "Token cache: file %s" % path]


def test_a_private_file_and_directory_give_no_warning(tmp_path):
    path = existing(tmp_path / COLLECTION_DIRECTORY, 0o600, 0o700)
    private = PrivateFile(path, "Token cache")
    assert private.read() == DOCUMENT and private.warnings == []


def test_a_writable_file_is_still_refused_not_repaired(tmp_path):
    path = existing(tmp_path / "chosen", 0o666, 0o700)
    private = PrivateFile(path, "Token cache")
    assert private.read() is None
    assert mode(path) == 0o666 and "writable by group or others" in private.warnings[0]


def test_a_file_that_cannot_be_repaired_is_not_used(tmp_path, monkeypatch):
    path = existing(tmp_path / "chosen", 0o644, 0o700)

    def refuse(target, new_mode):
        raise OSError(1, "Operation not permitted")
    monkeypatch.setattr(private_files.os, "chmod", refuse)
    private = PrivateFile(path, "Token cache")
    assert private.read() is None
    assert len(private.warnings) == 1 and "Token cache not used" in private.warnings[0]


@pytest.mark.parametrize("read, name, label", [
    (lambda path: TokenCache(path, clock=lambda: 1700000000.0).get("key"), "tokens.json", "Token cache"),
    (lambda path: SharedThrottle(path, clock=lambda: 1700000000.0).not_before(), "throttle.json", "Shared throttling state"),
])
def test_every_private_document_is_covered(tmp_path, monkeypatch, read, name, label):
    path = existing(tmp_path / COLLECTION_DIRECTORY, 0o644, 0o755, name=name)
    warnings = []
    original = PrivateFile.warn
    monkeypatch.setattr(PrivateFile, "warn", lambda self, text: (warnings.append(text), original(self, text)))
    read(path)
    assert mode(path) == 0o600 and mode(str(tmp_path / COLLECTION_DIRECTORY)) == 0o700
    assert len(warnings) == 2 and all(warning.startswith(label + ": ") for warning in warnings)
    assert path in warnings[1] and str(tmp_path / COLLECTION_DIRECTORY) in warnings[0]
