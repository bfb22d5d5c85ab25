"""The registry of message kinds: the decorator that turns a constructor into a Diagnostic builder.

Input:  a constructor returning ``(message, span, help)``.
Output: a function returning a :class:`~mlc.dsl.diagnostics.Diagnostic` with its code and ``kind``.
Role:   :data:`KINDS` maps every kind (the constructor's name) to its code; the section modules of
        :mod:`mlc.compiler.messages` register their constructors here.
"""

from __future__ import annotations

import functools
from typing import Callable, Iterable, ParamSpec

from mlc.dsl.diagnostics import Diagnostic, Severity, SpecErrors, Span

P = ParamSpec("P")
Parts = tuple[str, "Span | None", "str | None"]  # message, span, help

KINDS: dict[str, str] = {}
"""Every message kind (the constructor's name) -> its code (``mlc.dsl.diagnostics.CODES``)."""


def message_kind(code: str, severity: Severity = "error") -> Callable[[Callable[P, Parts]], Callable[P, Diagnostic]]:
    def register(parts: Callable[P, Parts]) -> Callable[P, Diagnostic]:
        name = parts.__name__
        assert name not in KINDS, f"message kind {name} defined twice"
        KINDS[name] = code

        @functools.wraps(parts)
        def build(*args: P.args, **kwargs: P.kwargs) -> Diagnostic:
            message, span, help = parts(*args, **kwargs)
            return Diagnostic(code, message, span, help=help, severity=severity, kind=name)

        return build

    return register


def fail(*diagnostics: Diagnostic) -> SpecErrors:
    """The exception that aborts a check with these diagnostics."""
    return SpecErrors(list(diagnostics))


def from_sweep_note(from_sweep: bool) -> str:
    return " (from the sweep)" if from_sweep else ""


def choices_text(values: Iterable[str]) -> str:
    return ", ".join(values)
