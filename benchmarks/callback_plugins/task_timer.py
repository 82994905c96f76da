# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: task_timer
type: aggregate
short_description: Write each task's wall time to a JSON file (benchmarks only)
description:
  - Records, for every task, the time from its start to its last host result, and writes the list
    to the file named by the E(TASK_TIMER_OUTPUT) environment variable when the playbook ends.
requirements:
  - enabled in configuration
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._started = {}
        self._timings = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = (task.get_name(), time.monotonic())

    def _finished(self, result):
        name, started = self._started.get(result._task._uuid, (result._task.get_name(), None))
        if started is not None:
            self._timings.append({"task": name, "seconds": time.monotonic() - started})

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = _finished

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("TASK_TIMER_OUTPUT")
        if path:
            with open(path, "w") as handle:
                json.dump(self._timings, handle)
