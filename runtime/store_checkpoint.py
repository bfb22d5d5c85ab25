"""Checkpoints of groups in training, and stopping cleanly on SIGINT, SIGTERM and SIGHUP.

Input:  a checkpoint file path, the interval in seconds (0: no checkpoints), a :class:`StopFlag`.
Output: :class:`GroupCheckpoint`, the runtime's implementation of the trainers' hook
        (``compiler.lower.checkpoint.Checkpoint``); :class:`Interrupted` when a stop was requested.
Role:   every ``every`` seconds of wall time, and when a stop signal arrives, the trainer hands its state at a
        step boundary to :meth:`GroupCheckpoint.save`, which writes it atomically (temporary file, fsync,
        ``os.replace``) with ``torch.save``; a restarted process loads it with ``torch.load(weights_only=True)``
        (tensors, lists and numbers only: nothing is unpickled) and continues from that step, bitwise as if it had
        never stopped. A checkpoint that cannot be read is reported and ignored (the group starts over).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any, Callable

import torch

from mlc.compiler.lower.checkpoint import State
from mlc.runtime.report_store import atomic_write

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
HEARTBEAT_S = 10.0


class Interrupted(BaseException):
    """A stop signal was received; raised at a step boundary after saving (a BaseException, so that the
    executor's per-group failure isolation does not take it for a failed group)."""

    def __init__(self, signum: int, saved_step: int | None = None) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.saved_step = saved_step
        self.group = ""  # label of the group that was training (set by the executor)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(signal.Signals(self.signum), 130)


class StopFlag:
    """Turns SIGINT/SIGTERM/SIGHUP into a request to stop at the next step boundary (a second signal stops at
    once with KeyboardInterrupt). Use as a context manager around training."""

    def __init__(self, on_first: Callable[[str], None] | None = None) -> None:
        self.signum: int | None = None
        self.on_first = on_first
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum
        if self.on_first is not None:
            self.on_first(f"mlc: {signal.Signals(signum).name} received: stopping at the next step boundary "
                          f"(again to stop at once)")

    def check(self) -> None:
        """Raise :class:`Interrupted` if a stop was requested (between groups)."""
        if self.signum is not None:
            raise Interrupted(self.signum)

    def __enter__(self) -> "StopFlag":
        for sig in EXIT_CODES:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: signals stay as they are
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()


def atomic_save(state: State, path: Path) -> None:
    """``torch.save`` atomically (:func:`mlc.runtime.report_store.atomic_write`)."""
    atomic_write(path, lambda handle: torch.save(state, handle))


class GroupCheckpoint:
    """The checkpoint of one training group (implements ``compiler.lower.checkpoint.Checkpoint``)."""

    def __init__(self, path: Path, every_s: float, stop: StopFlag, heartbeat: Callable[[], None] | None = None,
                 note: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.every_s = every_s
        self.stop = stop
        self.heartbeat = heartbeat
        self.note = note or (lambda text: None)
        self.last = time.monotonic()
        self.last_beat = self.last
        self.saved_step: int | None = None
        self.resumed_step: int | None = None

    def resume(self) -> State | None:
        if not self.path.exists():
            return None
        try:
            state: State = torch.load(self.path, map_location="cpu", weights_only=True)
            if not isinstance(state, dict) or "step" not in state:
                raise ValueError("not an mlc checkpoint")
        except Exception as exc:  # noqa: BLE001 - any unreadable file: report it and start the group over
            self.note(f"the checkpoint {self.path} cannot be read ({type(exc).__name__}: {exc}); "
                      f"training this group from the start")
            return None
        self.resumed_step = int(state["step"])
        return state

    def due(self, step: int) -> bool:
        now = time.monotonic()
        if self.heartbeat is not None and now - self.last_beat >= HEARTBEAT_S:
            self.last_beat = now
            self.heartbeat()
        if self.stop.requested:
            return True
        return self.every_s > 0 and now - self.last >= self.every_s

    def save(self, step: int, state: State) -> None:
        if self.every_s > 0:
            try:
                atomic_save(state, self.path)
                self.saved_step = step
            except OSError as exc:  # a full disk must not stop training: the next save retries
                self.note(f"could not write the checkpoint {self.path}: {exc.strerror or exc}")
        self.last = time.monotonic()
        if self.stop.signum is not None:
            raise Interrupted(self.stop.signum, self.saved_step)

    def discard(self) -> None:
        """Delete the checkpoint (the group's results are stored)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
