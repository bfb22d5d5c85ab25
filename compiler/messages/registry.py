"""The compiler's helpers for message kinds, on top of the one registry (:mod:`mlc.dsl.message_kinds`).

Input:  a constructor returning ``(message, span, help)``.
Output: a function returning a :class:`~mlc.dsl.diagnostics.Diagnostic` with its code and ``kind``.
Role:   re-exports :data:`KINDS` and :func:`message_kind` (the registry is the front end's, so that the
        front end's kinds and the compiler's share it) for the section modules of :mod:`mlc.compiler.messages`,
        and holds the helpers they share.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Diagnostic, SpecErrors
from mlc.dsl.message_kinds import KINDS as KINDS, Parts as Parts, message_kind as message_kind


def fail(*diagnostics: Diagnostic) -> SpecErrors:
    """The exception that aborts a check with these diagnostics."""
    return SpecErrors(list(diagnostics))


def from_sweep_note(from_sweep: bool) -> str:
    return " (from the sweep)" if from_sweep else ""


def choices_text(values: Iterable[str]) -> str:
    return ", ".join(values)
