"""The console: where mlc's text goes, printed as text, and what happens when the streams fail.

Input:  text to print (messages that may hold user or exception text: file names, spec names, torch errors).
Output: the rich :class:`~rich.console.Console` every command prints its report with (:func:`make_console`), and
        :class:`OutputFailed` when standard output or standard error cannot be written.
Role:   two promises of the command line. (1) Text is text: a console built here never reads ``[...]`` as rich
        markup (``[enforce fail at alloc_cpu.cpp:127]`` survives, ``[/x]`` cannot raise), never turns ``:name:``
        into an emoji and never colours numbers or paths it guesses at; styled output is built from
        :class:`rich.text.Text` objects, never from markup strings. (2) A stream that fails is the end of the
        conversation, not a bug: :func:`guard_streams` wraps ``sys.stdout`` and ``sys.stderr`` so that a write
        to a closed pipe (``| head -c 100``) or a full device (``> /dev/full``) raises :class:`OutputFailed`, a
        ``BaseException``, which the report stages' ``except Exception`` guards let through to
        :func:`mlc.runtime.cli.main`, where it ends mlc quietly.
"""

from __future__ import annotations

import io

import errno
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterable, Iterator, TextIO, cast

if TYPE_CHECKING:  # rich is imported by the commands that print with it, not by every command
    from rich.console import Console

REPORT_WIDTH = 100
"""Columns of the report off a terminal (a log file, CI): rich would otherwise wrap at 80."""


def make_console(stderr: bool = False, *, recording: int | None = None) -> Console:
    """The console of a command: stdout (or stderr), text never read as markup, emoji codes or highlights.
    ``recording``: a console of that width that prints nowhere and records what is printed (for
    ``export_text``/``export_html``: the Jupyter magic's tables)."""
    from rich.console import Console

    if recording is not None:
        return Console(record=True, width=recording, file=io.StringIO(), markup=False, emoji=False, highlight=False)
    console = Console(stderr=stderr, markup=False, emoji=False, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, markup=False, emoji=False, highlight=False, width=REPORT_WIDTH)
    return console


def say(console: Console, text: str) -> None:
    """Print one message line as it is (never wrapped, never read as markup)."""
    console.print(text, markup=False, emoji=False, highlight=False, soft_wrap=True)


_WHAT = {"stdout": "output", "stderr": "error"}


class OutputFailed(BaseException):
    """Standard output or standard error cannot be written (a reader that went away, a full device).

    A ``BaseException``, like ``KeyboardInterrupt``: the guards that keep one failing report stage from losing
    the others catch ``Exception``, and must not take the end of the conversation for a failed stage.
    """

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(f"cannot write to standard {_WHAT[stream]}: {error.strerror or error}")
        self.stream = stream  # "stdout" or "stderr"
        self.error = error

    @property
    def closed(self) -> bool:
        """The reader went away (EPIPE), as opposed to a device that refuses the bytes (ENOSPC, EIO)."""
        return isinstance(self.error, BrokenPipeError) or self.error.errno == errno.EPIPE


class _GuardedStream:
    """A text stream whose write and flush raise :class:`OutputFailed` instead of ``OSError``; every other
    attribute (``fileno``, ``isatty``, ``encoding``, ``buffer``) is the wrapped stream's."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputFailed(self._name, exc) from None

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputFailed(self._name, exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _AbsentStream:
    """Standard output or error of a process started with it closed (``mlc check FILE >&-``), which Python gives as
    ``None``: writing to it fails as writing to a closed descriptor does."""

    encoding = "utf-8"

    def __init__(self, name: str) -> None:
        self._name = name

    def write(self, text: str) -> int:
        raise OutputFailed(self._name, OSError(errno.EBADF, "Bad file descriptor"))

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _guarded(stream: TextIO | None, name: str) -> TextIO:
    return cast(TextIO, _AbsentStream(name) if stream is None else _GuardedStream(stream, name))


@contextmanager
def guard_streams() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` raise :class:`OutputFailed` when a write fails."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _guarded(saved[0], "stdout")
    sys.stderr = _guarded(saved[1], "stderr")
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def silence(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at the null device, so that the interpreter's final flush of what is
    still buffered cannot fail again ("Exception ignored ..."). A stream without a descriptor (a test's capture
    buffer) is left alone."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # absent, or not a file
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def tell_stderr(text: str) -> None:
    """Write one line to standard error if it can take it (after stdout failed); never raises."""
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, OutputFailed, ValueError):
        pass
