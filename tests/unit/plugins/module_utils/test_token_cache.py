# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import threading

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils import token_cache as token_cache_module
from ansible_collections.partnercenter.csp.plugins.module_utils.token_cache import (
    EXPIRY_SKEW,
    TokenCache,
    cache_key,
    default_token_cache_path,
)

HOST = "https://login.microsoftonline.com"
SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"
NOW = 1700000000.0


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "cache" / "partnercenter.csp" / "tokens.json")


def make(path, now=NOW):
    return TokenCache(path, clock=lambda: now)


def key(refresh_token="rt-1", tenant="contoso.onmicrosoft.com", client="client-1", host=HOST):
    return cache_key(host, tenant, client, refresh_token, SCOPE)


def test_put_then_get(path):
    cache = make(path)
    assert cache.get(key()) is None
    cache.put(key(), "at-1", NOW + 3600)
    assert make(path).get(key()) == ("at-1", NOW + 3600)
    assert cache.warnings == []


def test_file_layout_and_no_refresh_token_on_disk(path):
    make(path).put(key("the-refresh-token-value"), "at-1", NOW + 3600)
    with open(path) as handle:
        text = handle.read()
    document = json.loads(text)
    assert document == {"version": 1, "tokens": {key("the-refresh-token-value"): {"access_token": "at-1", "expires_on": NOW + 3600}}}
    assert "the-refresh-token-value" not in text


def test_modes(path):
    make(path).put(key(), "at", NOW + 3600)
    assert mode(os.path.dirname(path)) == 0o700
    assert mode(path) == 0o600
    assert os.listdir(os.path.dirname(path)) == ["tokens.json"], "no temporary file left behind"


def test_expiry_skew(path):
    make(path).put(key(), "at", NOW + EXPIRY_SKEW + 1)
    assert make(path).get(key()) is not None
    assert make(path, now=NOW + 2).get(key()) is None, "within the skew: not handed out"
    assert make(path, now=NOW + 4000).get(key()) is None


def test_expired_entries_are_pruned_on_write(path):
    make(path).put(key("old"), "at-old", NOW + 10)
    make(path, now=NOW + 100).put(key("new"), "at-new", NOW + 4000)
    with open(path) as handle:
        tokens = json.load(handle)["tokens"]
    assert list(tokens) == [key("new")]


def test_drop(path):
    cache = make(path)
    cache.put(key("a"), "at-a", NOW + 3600)
    cache.put(key("b"), "at-b", NOW + 3600)
    cache.drop(key("a"))
    cache.drop(key("never-there"))
    assert cache.get(key("a")) is None
    assert cache.get(key("b")) == ("at-b", NOW + 3600)


def test_isolation_between_clients_tenants_refresh_tokens_and_hosts(path):
    cache = make(path)
    cache.put(key(), "mine", NOW + 3600)
    assert cache.get(key(refresh_token="rt-2")) is None
    assert cache.get(key(client="client-2")) is None
    assert cache.get(key(tenant="fabrikam.onmicrosoft.com")) is None
    assert cache.get(key(host="https://login.microsoftonline.us")) is None
    assert cache.get(cache_key(HOST, "contoso.onmicrosoft.com", "client-1", "rt-1", "other-scope")) is None


def test_cache_key_normalises_case_but_not_the_refresh_token():
    assert key(tenant="Contoso.OnMicrosoft.com", client="CLIENT-1", host="HTTPS://Login.MicrosoftOnline.com/") == key()
    assert key(refresh_token="RT-1") != key(refresh_token="rt-1")
    assert len(key()) == 64 and int(key(), 16) >= 0


def test_key_fields_cannot_be_shifted():
    assert cache_key(HOST, "ab", "c", "rt", SCOPE) != cache_key(HOST, "a", "bc", "rt", SCOPE)


def test_atomic_replace(path, monkeypatch):
    make(path).put(key("a"), "at-a", NOW + 3600)
    replaced = []
    real_replace = os.replace

    def spy(source, target):
        replaced.append((source, target))
        assert os.path.dirname(source) == os.path.dirname(path), "the temporary file is in the same directory"
        assert mode(source) == 0o600
        with open(target) as handle:
            assert json.load(handle)["tokens"][key("a")]["access_token"] == "at-a", "old file intact until the replace"
        real_replace(source, target)

    monkeypatch.setattr(token_cache_module.os, "replace", spy)
    make(path).put(key("b"), "at-b", NOW + 3600)
    assert len(replaced) == 1 and replaced[0][1] == path


def test_failed_write_keeps_the_old_file_and_warns(path, monkeypatch):
    make(path).put(key("a"), "at-a", NOW + 3600)

    def broken(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(token_cache_module.os, "replace", broken)
    cache = make(path)
    cache.put(key("b"), "at-b", NOW + 3600)
    assert cache.warnings and "could not be written" in cache.warnings[0]
    assert os.listdir(os.path.dirname(path)) == ["tokens.json"]
    assert make(path).get(key("a")) == ("at-a", NOW + 3600)


def test_concurrent_writers_never_leave_a_torn_file(path):
    make(path).put(key("seed"), "at", NOW + 3600)
    errors = []
    stop = threading.Event()

    def writer(number):
        cache = make(path)
        for index in range(40):
            cache.put(key("w%d-%d" % (number, index)), "at-%d-%d" % (number, index) * 50, NOW + 3600)

    def reader():
        while not stop.is_set():
            try:
                with open(path) as handle:
                    json.load(handle)
            except ValueError as error:
                errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()
    assert errors == []
    assert os.listdir(os.path.dirname(path)) == ["tokens.json"]


@pytest.mark.parametrize("content", [
    b"{not json",
    b"",
    b"[]",
    b'{"version": 2, "tokens": {}}',
    b'{"version": 1, "tokens": []}',
    b"\xff\xfe",
])
def test_corrupt_file_is_ignored_and_rewritten(path, content):
    os.makedirs(os.path.dirname(path), 0o700)
    with open(path, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)
    cache = make(path)
    assert cache.get(key()) is None
    cache.put(key(), "at", NOW + 3600)
    with open(path) as handle:
        assert json.load(handle)["tokens"][key()]["access_token"] == "at"
    assert cache.warnings == []


def test_bad_entries_are_skipped(path):
    os.makedirs(os.path.dirname(path), 0o700)
    with open(path, "w") as handle:
        json.dump({"version": 1, "tokens": {
            "a": {"access_token": 1, "expires_on": NOW + 3600},
            "b": {"access_token": "x", "expires_on": "soon"},
            "c": "nope",
            key(): {"access_token": "good", "expires_on": NOW + 3600},
        }}, handle)
    assert make(path).get(key()) == ("good", NOW + 3600)
    assert make(path).get("a") is None and make(path).get("b") is None


@pytest.mark.parametrize("what", ["file", "directory"])
@pytest.mark.parametrize("bits", [0o020, 0o002])
def test_group_or_world_writable_is_not_trusted(path, what, bits):
    make(path).put(key(), "at", NOW + 3600)
    target = path if what == "file" else os.path.dirname(path)
    os.chmod(target, mode(target) | bits)
    before = os.stat(path)
    cache = make(path)
    assert cache.get(key()) is None, "not read"
    cache.put(key("other"), "at-2", NOW + 3600)
    cache.drop(key())
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime) == (after.st_ino, after.st_mtime), "not written"
    assert len(cache.warnings) == 1
    assert "writable by group or others" in cache.warnings[0] and target in cache.warnings[0]
    assert "token_cache_path (PARTNERCENTER_TOKEN_CACHE_PATH)" in cache.warnings[0]


@pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")
@pytest.mark.parametrize("what", ["file", "directory"])
def test_owned_by_another_user_is_not_trusted(path, what):
    make(path).put(key(), "at", NOW + 3600)
    target = path if what == "file" else os.path.dirname(path)
    os.chown(target, 4242, -1)
    cache = make(path)
    assert cache.get(key()) is None
    assert "owned by uid 4242" in cache.warnings[0]


def test_owned_by_another_user_is_not_trusted_without_root(path, monkeypatch):
    make(path).put(key(), "at", NOW + 3600)
    monkeypatch.setattr(token_cache_module.os, "getuid", lambda: os.stat(path).st_uid + 1)
    cache = make(path)
    assert cache.get(key()) is None
    assert "not by the current user" in cache.warnings[0]


def test_symlink_is_not_trusted(path, tmp_path):
    real = str(tmp_path / "elsewhere.json")
    make(real).put(key(), "at", NOW + 3600)
    os.makedirs(os.path.dirname(path), 0o700)
    os.symlink(real, path)
    cache = make(path)
    assert cache.get(key()) is None
    assert "not a regular file" in cache.warnings[0]


def test_directory_that_cannot_be_created_warns(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text(u"a file where the directory should be")
    cache = make(str(blocker / "sub" / "tokens.json"))
    assert cache.get(key()) is None
    cache.put(key(), "at", NOW + 3600)
    assert len(cache.warnings) == 1 and "cannot create" in cache.warnings[0]


def test_default_path(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_token_cache_path() == str(tmp_path / "partnercenter.csp" / "tokens.json")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_token_cache_path() == str(tmp_path / "home" / ".cache" / "partnercenter.csp" / "tokens.json")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_token_cache_path() == str(tmp_path / "home" / ".cache" / "partnercenter.csp" / "tokens.json")


# -- the rotation record of each lineage ------------------------------------------------------------

LINEAGE = {"configured_first_seen": NOW, "newest": {"refresh_token": "rt-newest", "first_seen": NOW}}


def test_lineage_recorded_with_the_access_token_in_one_write_and_read_in_one_read(path):
    make(path).record(key(), "at-1", NOW + 3600, LINEAGE)
    assert make(path).lookup(key()) == (("at-1", NOW + 3600), LINEAGE)
    assert make(path).lookup(key("rt-other")) == (None, None)
    with open(path) as handle:
        document = json.load(handle)
    assert document == {"version": 1, "tokens": {key(): {"access_token": "at-1", "expires_on": NOW + 3600}},
                        "lineages": {key(): LINEAGE}}
    assert "rt-1" not in json.dumps(document), "the configured refresh token is neither stored nor a key"


def test_dropping_or_expiring_an_access_token_keeps_the_lineage(path):
    make(path).record(key(), "at-1", NOW + 3600, LINEAGE)
    make(path).drop(key())
    assert make(path).lookup(key()) == (None, LINEAGE)
    make(path).record(key("rt-2"), "at-2", NOW + 3600)
    later = make(path, NOW + 7200)
    later.put(key("rt-3"), "at-3", NOW + 9000)
    assert later.lookup(key()) == (None, LINEAGE)


def test_lineages_older_than_their_use_are_dropped_and_bad_ones_ignored(path):
    make(path).record(key(), "at-1", NOW + 3600, LINEAGE)
    much_later = NOW + 121 * 86400
    make(path, much_later).put(key("rt-2"), "at-2", much_later + 3600)
    assert make(path, much_later).lookup(key()) == (None, None)
    for bad in ({"configured_first_seen": "yesterday"}, {"configured_first_seen": NOW, "newest": {"refresh_token": ""}},
                {"configured_first_seen": True}, "not a dict"):
        with open(path, "w") as handle:
            json.dump({"version": 1, "tokens": {}, "lineages": {key(): bad}}, handle)
        assert make(path).lookup(key()) == (None, None), bad
