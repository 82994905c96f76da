# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import multiprocessing
import os
import signal
import stat
import time

import pytest

from ansible_collections.partnercenter.csp.plugins.module_utils import file_lock
from ansible_collections.partnercenter.csp.plugins.module_utils.file_lock import FileLock


def _write_bracketed(path, log, rounds):
    lock = FileLock(path)
    for _round in range(rounds):
        assert lock.acquire(30)
        with open(log, "a") as handle:
            handle.write("< %d\n" % os.getpid())
            handle.flush()
            time.sleep(0.002)
            handle.write("> %d\n" % os.getpid())
        lock.release()


def test_processes_never_interleave_while_holding_it(tmp_path):
    """msal-extensions' check: every "<" line is followed by the ">" line of the same process."""
    path, log = str(tmp_path / "x.lock"), str(tmp_path / "log")
    workers = [multiprocessing.Process(target=_write_bracketed, args=(path, log, 20)) for _n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with open(log) as handle:
        lines = [line.split() for line in handle.read().splitlines()]
    assert len(lines) == 4 * 20 * 2
    for (open_mark, opener), (close_mark, closer) in zip(lines[0::2], lines[1::2]):
        assert (open_mark, close_mark) == ("<", ">") and opener == closer


def test_threads_of_one_process_exclude_each_other_too(tmp_path):
    path = str(tmp_path / "x.lock")
    first, second = FileLock(path), FileLock(path)
    assert first.acquire(1)
    assert second.acquire(0.1) is False, "an flock belongs to the open file, so another one in the same process waits"
    first.release()
    assert second.acquire(1)
    second.release()


def _hold_forever(path, ready):
    lock = FileLock(path)
    lock.acquire(5)
    ready.set()
    time.sleep(60)


def test_a_holder_killed_leaves_no_stale_lock(tmp_path):
    path = str(tmp_path / "x.lock")
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_forever, args=(path, ready))
    holder.start()
    assert ready.wait(10)
    lock = FileLock(path)
    assert lock.acquire(0.1) is False
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(10)
    started = time.monotonic()
    assert lock.acquire(5) and time.monotonic() - started < 1, "the kernel dropped the killed holder's lock at once"
    lock.release()
    assert os.path.exists(path), "the lock file is never deleted"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_timing_out_warns_and_returns_false(tmp_path):
    path = str(tmp_path / "x.lock")
    holder = FileLock(path)
    holder.acquire(1)
    warnings = []
    assert FileLock(path, warn=warnings.append).acquire(0.05) is False
    assert len(warnings) == 1 and "held by another process" in warnings[0]
    holder.release()


@pytest.mark.parametrize("problem", ["group_writable", "symlink", "unsupported"])
def test_an_unusable_lock_degrades_to_none_with_a_warning(tmp_path, monkeypatch, problem):
    path = str(tmp_path / "x.lock")
    if problem == "group_writable":
        open(path, "w").close()
        os.chmod(path, 0o660)
    elif problem == "symlink":
        os.symlink(str(tmp_path / "elsewhere"), path)
    else:
        def no_locks(fd, operation):
            raise OSError(37, "No locks available")   # ENOLCK, as on some NFS mounts
        monkeypatch.setattr(file_lock.fcntl, "flock", no_locks)
    warnings = []
    assert FileLock(path, warn=warnings.append).acquire(1) is False
    assert len(warnings) == 1 and "going on without it" in warnings[0]
