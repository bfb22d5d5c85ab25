"""The oracle: one input through ``check``, ``fmt --check`` and ``compile --emit ir``, in-process.

Input:  the bytes of a spec, a scratch folder, a time limit per command.
Output: :func:`run_case` returns the :class:`Finding` records of that input (empty when every promise held).
Role:   the promises of issue 9 checked on any input: no traceback (no exception escapes ``mlc.runtime.cli.main``
        and none is printed), no internal error (E999), no timeout, an exit status in {0, 1, 2}; and for what
        ``fmt`` accepts, formatting is idempotent and keeps the meaning (the same exit status from ``check``
        and, for a valid spec, the same run hashes). The commands run through ``main`` exactly as on the
        command line, with stdout and stderr captured.
"""

from __future__ import annotations

import contextlib
import io
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from mlc.compiler.pipeline import compile_text
from mlc.dsl.formatter import format_text
from mlc.dsl.source import SourceError, decode_source
from mlc.runtime.cli import main

COMMANDS = (("check",), ("fmt", "--check"), ("compile", "--emit", "ir"))
EXIT_CODES = {0, 1, 2}


@dataclass
class Finding:
    """One broken promise: which command, what went wrong, and the detail (a traceback, the output)."""

    command: str
    problem: str  # "traceback", "internal error", "timeout", "exit status N", "fmt not idempotent", ...
    detail: str

    def __str__(self) -> str:
        return f"{self.command}: {self.problem}\n{self.detail}"


class CaseTimeout(BaseException):
    """Raised by the alarm when a command runs past its limit (a BaseException, so that no ``except
    Exception`` in mlc can swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise CaseTimeout after ``seconds`` of CPU time (ITIMER_PROF): a process that is stopped or waits for
    a loaded machine's cores does not time out; one that computes for that long does."""
    def ring(signum: int, frame: Any) -> None:
        raise CaseTimeout()

    previous = signal.signal(signal.SIGPROF, ring)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _run_command(argv: list[str], limit: float) -> tuple[int | None, str, Finding | None]:
    """Run ``mlc ARGV`` in-process: (status, stderr, finding or None)."""
    out, err = io.StringIO(), io.StringIO()
    name = " ".join(argv[:1] + [a for a in argv[1:] if a.startswith("--")])
    status: int | None = None
    try:
        with _time_limit(limit), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse's usage errors
                status = exc.code if isinstance(exc.code, int) else 2
    except CaseTimeout:
        return None, err.getvalue(), Finding(name, "timeout", f"more than {limit:g} s of CPU time")
    except Exception:  # noqa: BLE001 - any exception escaping main is what the fuzzer looks for
        return None, err.getvalue(), Finding(name, "traceback", traceback.format_exc(limit=-12))
    text = err.getvalue()
    if "Traceback (most recent call last)" in text:
        return status, text, Finding(name, "traceback printed", text[-4000:])
    if "[E999]" in text or "internal error" in text:
        return status, text, Finding(name, "internal error", text[-4000:])
    if status not in EXIT_CODES:
        return status, text, Finding(name, f"exit status {status}", text[-4000:])
    return status, text, None


def _fmt_keeps_meaning(data: bytes, limit: float) -> list[Finding]:
    """fmt, on what it accepts: idempotent, and the formatted spec means what the original meant."""
    try:
        source = decode_source("fuzz.ml", data)
    except SourceError:
        return []
    try:
        with _time_limit(limit):
            formatted, _ = format_text(source.text, "fuzz.ml")
            if formatted is None:
                return []
            again, problems = format_text(formatted, "fuzz.ml")
            if again != formatted:
                return [Finding("fmt", "fmt not idempotent", f"{problems}\n--- once:\n{formatted[:2000]}\n"
                                                          f"--- twice:\n{(again or '')[:2000]}")]
            before, after = compile_text(source.text, "fuzz.ml"), compile_text(formatted, "fuzz.ml")
    except CaseTimeout:
        return [Finding("fmt (meaning)", "timeout", f"more than {limit:g} s of CPU time")]
    except Exception:  # noqa: BLE001
        return [Finding("fmt (meaning)", "traceback", traceback.format_exc(limit=-12))]
    if before.exit_code != after.exit_code:
        return [Finding("fmt", "fmt changes meaning", f"check exits {before.exit_code} before formatting, "
                                                      f"{after.exit_code} after\n{formatted[:2000]}")]
    if before.plan is not None and after.plan is not None:
        if [r.hash for r in before.plan.runs] != [r.hash for r in after.plan.runs]:
            return [Finding("fmt", "fmt changes meaning", "the run hashes differ after formatting")]
    return []


def run_case(data: bytes, scratch: Path, limit: float = 60.0, meaning: bool = True) -> list[Finding]:
    """Every finding for one input (written to ``scratch/fuzz.ml``). ``meaning``: also check fmt's promises
    beyond its exit status (costs two more compiles)."""
    path = scratch / "fuzz.ml"
    path.write_bytes(data)
    findings: list[Finding] = []
    for command in COMMANDS:
        argv = [command[0], *command[1:], str(path)] if command[0] != "compile" else ["compile", str(path),
                                                                                       *command[1:]]
        started = time.monotonic()
        _, _, finding = _run_command(argv, limit)
        if finding is not None:
            finding.detail = f"{finding.detail}\n({time.monotonic() - started:.2f} s)"
            findings.append(finding)
    if meaning:
        findings += _fmt_keeps_meaning(data, limit)
    return findings
