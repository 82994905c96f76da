# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

from ansible_collections.partnercenter.csp.plugins.module_utils.throttle import MAX_AHEAD, SharedThrottle

PARTNER = ("https://api.partnercenter.microsoft.com", "https://login.microsoftonline.com", "contoso.onmicrosoft.com", "client-1")


class Clock:
    def __init__(self, now=1700000000.0):
        self.now = now

    def __call__(self):
        return self.now


def make(tmp_path, clock, partner=PARTNER):
    return SharedThrottle(str(tmp_path / "cache" / "throttle.json"), partner=partner, clock=clock)


def test_a_deadline_one_process_records_is_seen_by_another(tmp_path):
    clock = Clock()
    one, other = make(tmp_path, clock), make(tmp_path, clock)
    assert other.not_before() is None
    one.defer_until(clock.now + 5)
    assert other.not_before() == clock.now + 5
    one.defer_until(clock.now + 2)
    assert other.not_before() == clock.now + 5, "the later deadline wins"
    clock.now += 6
    assert other.not_before() is None, "a deadline in the past is no deadline"
    path = str(tmp_path / "cache" / "throttle.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(os.path.dirname(path))) == ["throttle.json", "throttle.json.lock"]


def test_partners_are_kept_apart_and_no_secret_is_stored(tmp_path):
    clock = Clock()
    make(tmp_path, clock).defer_until(clock.now + 5)
    other_partner = make(tmp_path, clock, partner=PARTNER[:2] + ("fabrikam.onmicrosoft.com", "client-1"))
    assert other_partner.not_before() is None
    text = open(str(tmp_path / "cache" / "throttle.json")).read()
    assert "contoso" not in text and "client-1" not in text


def test_a_deadline_too_far_ahead_is_ignored(tmp_path):
    clock = Clock()
    throttle = make(tmp_path, clock)
    path = str(tmp_path / "cache" / "throttle.json")
    throttle.defer_until(clock.now + 5)
    document = json.load(open(path))
    for entry in document["partners"].values():
        entry["not_before"] = clock.now + MAX_AHEAD + 60
    with open(path, "w") as handle:
        json.dump(document, handle)
    assert make(tmp_path, clock).not_before() is None


def test_a_corrupt_or_untrusted_file_is_no_deadline(tmp_path):
    clock = Clock()
    path = tmp_path / "cache" / "throttle.json"
    path.parent.mkdir(mode=0o700)
    path.write_text(u"{not json")
    os.chmod(str(path), 0o600)
    assert make(tmp_path, clock).not_before() is None
    make(tmp_path, clock).defer_until(clock.now + 3)
    assert make(tmp_path, clock).not_before() == clock.now + 3, "rewritten"
    os.chmod(str(path), 0o666)
    untrusted = make(tmp_path, clock)
    assert untrusted.not_before() is None and "writable by group or others" in untrusted.warnings[0]


def test_progress_is_recorded_only_while_throttled_and_at_most_every_interval(tmp_path):
    clock = Clock()
    throttle, reader = make(tmp_path, clock), make(tmp_path, clock)
    throttle.record_progress()
    assert reader.progress() == 0 and not os.path.exists(str(tmp_path / "cache" / "throttle.json")), "no file without a 429"
    throttle.defer_until(clock.now + 1)
    throttle.record_progress()
    throttle.record_progress()
    assert reader.progress() == 1, "rate-limited per process"
    clock.now += 1
    throttle.record_progress()
    assert reader.progress() == 2
    clock.now += 3600
    throttle.record_progress()
    assert reader.progress() == 2, "long after the last 429 nothing is written"
