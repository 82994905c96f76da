# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""Small JSON files that only the current user may write, shared by the processes of a run.

The token cache and the shared throttling state live in one 0700 directory. A file is written
0600 and atomically (a temporary file in the same directory, then os.replace), so a concurrent
reader sees the old file or the new one, never a torn one. A file or directory that another user
owns, that group or others may write, or that is not a regular file is neither read nor written;
a warning is collected instead. A file that group or others may read (or search) is made 0600
before it is used, and so is the collection's own directory (0700), with a warning naming the path:
what it holds may have been read. Locks (file_lock.FileLock) sit beside the files and are never
deleted.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat


# The directory the collection makes for its files by default ($XDG_CACHE_HOME/partnercenter.csp): repaired to 0700
# like its files. A directory the user chose is left as it is (the 0600 files in it are private all the same).
COLLECTION_DIRECTORY = "partnercenter.csp"
GROUP_OR_OTHERS = stat.S_IRWXG | stat.S_IRWXO

FIX_IT = ("Fix it, or set token_cache_path (PARTNERCENTER_TOKEN_CACHE_PATH) to a file in a directory only you can write, "
          "or token_cache=false.")


def untrusted_reason(what, path, st):
    """A reason not to trust path (owner, or writable by group or others), or None."""
    uid = os.getuid()
    if st.st_uid != uid:
        return "%s %s is owned by uid %d, not by the current user (uid %d)" % (what, path, st.st_uid, uid)
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "%s %s is writable by group or others (mode %04o)" % (what, path, stat.S_IMODE(st.st_mode))
    return None


class PrivateFile:
    """One JSON document in a private directory. read/write never raise for file problems: they warn and go on.

    label names the file in warnings ("Token cache", ...); durable files are fsynced before they replace the old one.
    """

    def __init__(self, path, label, durable=True):
        self.durable = durable
        self.path = os.path.abspath(os.path.expanduser(path))
        self.directory = os.path.dirname(self.path)
        self.label = label
        self.warnings = []
        self._trusted = None

    def warn(self, text):
        if text not in self.warnings:
            self.warnings.append(text)

    def trusted(self):
        """True when the directory (created 0700 if missing) and the file (if present) may be used."""
        if self._trusted is not None:
            return self._trusted
        reason = None
        try:
            if not os.path.isdir(self.directory):
                # exist_ok: the forks of a run with a fresh home all create it at once; the owner and mode checks follow
                os.makedirs(self.directory, 0o700, exist_ok=True)
                os.chmod(self.directory, 0o700)
            directory_st = os.stat(self.directory)
            reason = untrusted_reason("directory", self.directory, directory_st)
            if reason is None:
                try:
                    st = os.lstat(self.path)
                except OSError:
                    st = None
                if st is not None:
                    if not stat.S_ISREG(st.st_mode):
                        reason = "%s is not a regular file" % self.path
                    else:
                        reason = untrusted_reason("file", self.path, st)
            if reason is None:
                self._make_private(directory_st, st)
        except OSError as error:
            reason = "cannot create or inspect %s (%s)" % (self.directory, error.strerror or error)
        if reason is not None:
            self.warn("%s not used: %s. %s" % (self.label, reason, FIX_IT))
        self._trusted = reason is None
        return self._trusted

    def _make_private(self, directory_st, st):
        """Repair what group or others may read: the file (0600) and the collection's own directory (0700)."""
        repairs = [("file", self.path, st, 0o600)] if st is not None else []
        if os.path.basename(self.directory) == COLLECTION_DIRECTORY:
            repairs.insert(0, ("directory", self.directory, directory_st, 0o700))
        repairs = [repair for repair in repairs if repair[2].st_mode & GROUP_OR_OTHERS]
        if not repairs:
            return
        from ansible_collections.partnercenter.csp.plugins.module_utils.private_file_writes import make_private   # only a file or directory open to others

        for what, path, path_st, private_mode in repairs:
            warning = make_private(what, path, path_st, private_mode)
            if warning is not None:
                self.warn("%s: %s" % (self.label, warning))

    def modified(self):
        """(mtime_ns, size, inode) of the file, or None when it is absent: a cheap test for "changed since"."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def read(self):
        """The parsed document, or None when the file is absent, untrusted or not JSON."""
        if not self.trusted():
            return None
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
        except (IOError, OSError):
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            return None

    def write(self, document):
        """Replace the file with document (0600, atomically); False (and a warning) when it cannot be written."""
        if not self.trusted():
            return False
        from ansible_collections.partnercenter.csp.plugins.module_utils.private_file_writes import replace_file   # only a redeem or a 429 writes

        try:
            replace_file(self.path, document, self.durable)
            return True
        except (IOError, OSError) as error:
            self.warn("%s %s could not be written: %s." % (self.label, self.path, error.strerror or error))
            return False

    def lock(self):
        """The FileLock beside this file (path + ".lock"), shared by every process that uses the file."""
        from ansible_collections.partnercenter.csp.plugins.module_utils.file_lock import FileLock   # only a redeem or a 429 locks
        return FileLock(self.path + ".lock", warn=self.warn)


class PrivateDocument:
    """A versioned JSON document, {"version": VERSION, SECTION: {...}}, in a PrivateFile: what the token cache and
    the shared throttling state are built on. A document of another version or shape reads as an empty section."""

    VERSION = 1
    SECTION = None
    LABEL = None
    DURABLE = True

    def __init__(self, path, clock):
        self._file = PrivateFile(path, self.LABEL, durable=self.DURABLE)
        self.path = self._file.path
        self._clock = clock

    @property
    def warnings(self):
        return self._file.warnings

    def _read_section(self):
        document = self._file.read()
        if not isinstance(document, dict) or document.get("version") != self.VERSION or not isinstance(document.get(self.SECTION), dict):
            return {}
        return document[self.SECTION]

    def _write_section(self, section):
        return self._file.write({"version": self.VERSION, self.SECTION: section})
