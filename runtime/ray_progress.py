"""The Ray executor's progress actor, in a module of its own that imports nothing.

Input:  the number of each Ray task of a sweep, told by the task when it starts (``start``).
Output: the numbers of the tasks that have started (``started``), read by the driver's progress line.
Role:   an actor runs in a process of its own, and Ray starts it by importing the module that defines its class.
        Defined in ``runtime.executor_ray``, the actor imported torch and the IR (6 s of CPU at load 8, measured),
        on the cores the first tasks train on; here it imports only this file.
"""

from __future__ import annotations


class Started:
    """A Ray actor (no CPU) that the tasks tell when they start, so that the driver can tell running from queued."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def start(self, task: int) -> None:
        self.ids.add(task)

    def started(self) -> list[int]:
        return sorted(self.ids)
