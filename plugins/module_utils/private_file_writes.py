# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""What private_files.PrivateFile changes on disk: the atomic 0600 replace of a file, and taking group and others' access
away from a file or directory open to them. Imported only when something is written (a redeem, a 429) or repaired; a task
that only reads its cached token never compiles it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat
import tempfile

from ansible_collections.partnercenter.csp.plugins.module_utils.private_files import GROUP_OR_OTHERS


def make_private(what, path, st, private_mode):
    """Take group and others' access away from path (trusted otherwise); a warning when it had any, else None."""
    if not st.st_mode & GROUP_OR_OTHERS:
        return None
    os.chmod(path, private_mode)
    return ("%s %s was open to group or others (mode %04o); it is now %04o. Whatever it held may have been read: if it "
            "held tokens, consider revoking them." % (what, path, stat.S_IMODE(st.st_mode), private_mode))


def replace_file(path, document, durable):
    """Replace path with document as JSON (0600, atomically: a temporary file in the same directory, then os.replace);
    fsynced first when durable. Raises IOError/OSError; leaves no temporary file behind."""
    data = json.dumps(document, separators=(",", ":"), sort_keys=True)
    tmp_path = None
    try:
        fd, tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data.encode("utf-8"))
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp_path, path)
        tmp_path = None
    finally:
        if tmp_path is not None:
            try:
                os.unlink(tmp_path)
            except OSError:
                pass
