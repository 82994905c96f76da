# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils.file_lock import FileLock
from ansible_collections.partnercenter.csp.plugins.module_utils.pacing import Pacer
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


def test_a_deadline_scoped_to_a_customer_holds_back_only_that_customer(tmp_path):
    clock = Clock()
    one, other = make(tmp_path, clock), make(tmp_path, clock)
    one.defer_until(clock.now + 300, customer="cust-a")
    assert other.not_before("cust-a") == clock.now + 300, "seen by another process"
    assert other.not_before("cust-b") is None and other.not_before() is None, "other customers and partner-wide calls go out"
    assert other.turn("cust-b").counting is False, "a customer's deadline is no 429 to the pacer"
    one.defer_until(clock.now + 2)
    assert other.not_before("cust-b") == clock.now + 2 and other.not_before("cust-a") == clock.now + 300
    clock.now += 301
    one.defer_until(clock.now + 5, customer="cust-b")
    entry = json.load(open(one.path))["partners"][one.key]
    assert entry["customers"] == {"cust-b": clock.now + 5}, "deadlines that have passed are dropped"


def test_an_entry_with_only_a_customer_deadline_ahead_is_kept(tmp_path):
    clock = Clock()
    throttle = make(tmp_path, clock)
    throttle.defer_until(clock.now + 500, customer="cust-a")
    clock.now += 400
    make(tmp_path, clock, partner=PARTNER[:2] + ("fabrikam.onmicrosoft.com", "client-1")).defer_until(clock.now + 1)
    assert throttle.not_before("cust-a") == clock.now + 100


def test_a_busy_throttle_lock_is_waited_for_quietly_and_the_deadline_still_written(tmp_path):
    clock = Clock()
    throttle = make(tmp_path, clock)
    throttle.defer_until(clock.now + 1)
    holder = FileLock(throttle.path + ".lock")
    assert holder.acquire(1)
    try:
        throttle.defer_until(clock.now + 5)
        throttle.take_slot()
    finally:
        holder.release()
    assert throttle.warnings == [], "no 'going on without it' for the throttle file"
    assert make(tmp_path, clock).not_before() == clock.now + 5
    warned = []
    holder.acquire(1)
    try:
        assert FileLock(throttle.path + ".lock", warn=warned.append).acquire(0.05) is False
    finally:
        holder.release()
    assert warned and "going on without it" in warned[0], "a lock that does not say otherwise (the redeem lock) still warns"


# -- the pacing law -----------------------------------------------------------------------------


def test_nothing_is_paced_or_counted_before_the_first_429():
    assert Pacer.active({}, 100.0) is False and Pacer.rate({}, 100.0) is None
    assert Pacer.take({}, 100.0) == (100.0, {})


def test_the_first_429_pauses_and_counts_the_second_learns_the_share_served():
    state = Pacer.throttled({}, 100.0, 1.0)
    assert Pacer.active(state, 100.5) and Pacer.rate(state, 101.0) is None, "counting only: no rate is known yet"
    instant, state = Pacer.take(state, 100.2)
    assert instant == 101.0, "nothing is sent before the pause ends"
    for moment in (101.0, 101.1, 101.2):
        instant, state = Pacer.take(state, moment)
        assert instant == moment, "unpaced while counting"
    assert Pacer.throttled(state, 100.5, 1.0) == state, "a 429 answered during the pause is the same event"
    sent = state["sent"]
    state = Pacer.throttled(state, 102.0, 1.0)
    # sent - 1 successes over the 2 s since the first 429, pause included
    assert Pacer.rate(state, 102.5) == pytest.approx(Pacer.DECREASE * (sent - 1) / 2.0)


def test_slots_are_spaced_at_the_pace_from_the_end_of_the_pause():
    state = {"since": 0.0, "sent": 0, "resume": 10.0, "next": 10.0, "rate": 4.0}
    slots = []
    for _n in range(3):
        instant, state = Pacer.take(state, 9.0)
        slots.append(instant)
    assert slots == [10.0, 10.25, 10.5]
    assert Pacer.take(state, 20.0)[0] == 20.0, "a slot in the past is now"


def test_the_pace_grows_back_additively_and_ends():
    state = {"since": 0.0, "sent": 0, "resume": 10.0, "next": 10.0, "rate": 10.0}
    assert Pacer.rate(state, 10.0) == 10.0
    assert Pacer.rate(state, 12.0) == pytest.approx(10.0 * (1 + 2 * Pacer.INCREASE))
    assert Pacer.rate(state, 13.0) - Pacer.rate(state, 12.0) == pytest.approx(Pacer.rate(state, 12.0) - Pacer.rate(state, 11.0))
    end = 10.0 + Pacer.horizon()
    assert Pacer.rate(state, end - 0.01) == pytest.approx(Pacer.CEILING * 10.0, rel=0.01)
    assert Pacer.rate(state, end) is None and Pacer.active(state, end) is False
    assert Pacer.take(state, end) == (end, state), "no slot, no count once it has ended"


def test_a_429_while_paced_lowers_the_pace_multiplicatively():
    paced = {"since": 0.0, "sent": 1, "resume": 1.0, "next": 1.0, "rate": 10.0}
    lowered = Pacer.throttled(paced, 1.2, 1.0)
    assert Pacer.rate(lowered, 2.2) == pytest.approx(Pacer.DECREASE * Pacer.rate(paced, 1.2)), "nothing succeeded to measure"
    starved = Pacer.throttled({"since": 0.0, "sent": 0, "resume": 0.5, "next": 0.5, "rate": Pacer.MIN_RATE}, 0.6, 1.0)
    assert Pacer.rate(starved, 1.6) == Pacer.MIN_RATE, "never below the floor"


def test_the_pause_is_the_retry_after_and_no_longer():
    state = Pacer.throttled({"since": 0.0, "sent": 50, "resume": 1.0, "next": 1.0, "rate": 20.0}, 5.0, 2.0)
    assert Pacer.take(state, 5.0)[0] == 7.0


def test_processes_share_the_slots_through_the_file(tmp_path):
    clock = Clock()
    one, other = make(tmp_path, clock), make(tmp_path, clock)
    assert one.turn().counting is False
    one.defer_until(clock.now + 1)
    turn = other.turn()
    assert turn.counting and not turn.paced and turn.not_before == clock.now + 1
    assert one.take_slot() == clock.now + 1 and other.take_slot() == clock.now + 1
    clock.now += 3
    for _n in range(19):
        one.take_slot()
    other.defer_until(clock.now + 1)
    turn = one.turn()
    assert turn.paced
    first, second = one.take_slot(), other.take_slot()
    assert first == clock.now + 1 and second - first == pytest.approx(3.0 / (Pacer.DECREASE * 20)), (
        "20 successes over 3 s: slots at 0.9 x 20 / 3 per second, whichever process takes them")


def test_a_directory_another_fork_creates_at_the_same_moment_is_trusted(tmp_path, monkeypatch):
    """The forks of a job slice with a fresh home all create the cache directory at once: the one that loses the race
    must still use it (it redeemed a token of its own, a second token call for the slice)."""
    from ansible_collections.partnercenter.csp.plugins.module_utils import private_files
    clock = Clock()
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    real_isdir, looked = private_files.os.path.isdir, []

    def isdir(path):
        """False the first time (it did not exist when this fork looked), the truth after (another fork created it)."""
        looked.append(path)
        return len(looked) > 1 and real_isdir(path)

    monkeypatch.setattr(private_files.os.path, "isdir", isdir)
    throttle = make(tmp_path, clock)
    throttle.defer_until(clock.now + 3)
    assert throttle.warnings == [] and throttle.not_before() == clock.now + 3
