"""Internal errors: an exception that no command expected becomes E999 and a short report file.

Input:  the exception, and the command line that raised it.
Output: a text file ``mlc-internal-error-<time>-<pid>.txt`` in the temporary folder (``$TMPDIR``, else the
        system's) with the command, the working folder, the mlc, Python, torch and platform versions and the
        traceback; the two lines to print on the console (the E999 message and the report's path).
Role:   the console never shows a traceback: a bug in mlc says that it is one, in one line, and where the details
        for a bug report are. The report goes to the temporary folder rather than ``--out``, because an internal
        error may come before (or from) the output folder; it is the only file mlc writes outside ``--out`` and
        the store (docs/security.md).
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Sequence

from mlc import __version__
from mlc.dsl.diagnostics import CODES

CODE = "E999"


def _version(distribution: str) -> str:
    """A package's installed version, read from its metadata (torch is never imported for this)."""
    import importlib.metadata  # here: 80-170 ms at start-up that only a crash report needs

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def report_text(exc: BaseException, argv: Sequence[str]) -> str:
    """The report: what ran, where, with which versions, and the traceback."""
    lines = [
        f"mlc internal error ({CODE}: {CODES[CODE]})",
        f"command:  mlc {shlex.join(argv)}",
        f"folder:   {os.getcwd()}",
        f"time:     {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"mlc:      {__version__}",
        f"python:   {platform.python_version()} ({sys.executable})",
        f"torch:    {_version('torch')}",
        f"platform: {platform.platform()}",
        "",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip(),
        "",
    ]
    return "\n".join(lines)


def write_report(exc: BaseException, argv: Sequence[str]) -> Path | None:
    """Write the report to a new file in the temporary folder; its path, or None if it cannot be written."""
    text = report_text(exc, argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"mlc-internal-error-{stamp}-{os.getpid()}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return None
    return Path(name)


def console_lines(exc: BaseException, report: Path | None) -> list[str]:
    """The E999 message: one line for the error, one for what to do."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(detail) > 300:
        detail = detail[:300] + " ..."
    head = f"mlc: error[{CODE}]: internal error: {type(exc).__name__}" + (f": {detail}" if detail else "")
    where = f"the details are in {report}" if report is not None else "no report could be written"
    return [head, f"help: this is a bug in mlc, not in your spec; please report it with the spec ({where})"]
