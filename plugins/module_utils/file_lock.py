# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""FileLock: an exclusive flock on a lock file, across processes and threads.

flock (not lockf): a POSIX record lock belongs to the process, so it neither excludes threads nor
survives another descriptor of the file being closed; an flock belongs to the open file, and
each acquisition opens its own. The kernel drops it when the holder exits or is killed, so the
lock file is never deleted (deleting it would let two holders in) and a crash leaves nothing to
clean up. Where flock does not work (fcntl missing, ENOLCK, EOPNOTSUPP on some network file
systems) the lock degrades to none, with one warning: callers stay correct without it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import stat
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

POLL_INTERVAL = 0.02
_UNSUPPORTED = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EIO, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP))


class FileLock:
    """acquire(timeout) -> True when held, False when it could not be had (timed out, or unusable); then release()."""

    def __init__(self, path, warn=lambda text: None):
        self.path = path
        self._warn = warn
        self._fd = None

    def _open(self):
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o600)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            os.close(fd)
            raise OSError(errno.EPERM, "the lock file %s is not a private regular file of the current user" % self.path)
        return fd

    def acquire(self, timeout, warn_when_busy=True):
        """Wait up to timeout seconds for the lock. False without waiting when the lock cannot be used at all.
        warn_when_busy=False: a lock still held by another process after timeout is given up quietly (an optimisation
        that is safe to skip, such as the throttle file's); a lock that cannot be used at all still warns."""
        if fcntl is None:
            self._warn("Cross-process lock %s not available on this platform; going on without it." % self.path)
            return False
        try:
            fd = self._open()
        except OSError as error:
            self._warn("Cross-process lock %s not used (%s); going on without it." % (self.path, error.strerror or error))
            return False
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return True
            except (IOError, OSError) as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    if error.errno in _UNSUPPORTED:
                        self._warn("Cross-process lock %s not supported by this file system (%s); going on without it."
                                   % (self.path, error.strerror or error))
                    else:
                        self._warn("Cross-process lock %s failed (%s); going on without it." % (self.path, error.strerror or error))
                    return False
            if time.monotonic() >= deadline:
                os.close(fd)
                if not warn_when_busy:
                    return False
                self._warn("Waited %d s for the cross-process lock %s held by another process; going on without it."
                           % (int(round(timeout)), self.path))
                return False
            time.sleep(POLL_INTERVAL)

    def release(self):
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
