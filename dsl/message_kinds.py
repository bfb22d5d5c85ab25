"""The registry of message kinds: the decorator that turns a constructor into a Diagnostic builder.

Input:  a constructor returning ``(message, span, help)``.
Output: a function returning a :class:`~mlc.dsl.diagnostics.Diagnostic` with its code and ``kind``.
Role:   :data:`KINDS` maps every message kind of mlc (the constructor's name) to its code. It lives in the
        front end, the lowest layer, so that both catalogues register here: the front end's own
        (:mod:`mlc.dsl.messages`: source, syntax, desugaring) and the compiler's (:mod:`mlc.compiler.messages`,
        which imports the front end's, so that its ``KINDS`` is the whole catalogue).
"""

from __future__ import annotations

import functools
from typing import Callable, ParamSpec

from mlc.dsl.diagnostics import Diagnostic, Severity, Span

P = ParamSpec("P")
Parts = tuple[str, "Span | None", "str | None"]  # message, span, help

KINDS: dict[str, str] = {}
"""Every message kind (the constructor's name) -> its code (``mlc.dsl.diagnostics.CODES``)."""


def message_kind(code: str, severity: Severity = "error") -> Callable[[Callable[P, Parts]], Callable[P, Diagnostic]]:
    """Register the decorated constructor as the message kind of its name, with ``code`` and ``severity``."""

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
