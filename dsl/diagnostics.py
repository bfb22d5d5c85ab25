"""Diagnostics: source spans, error records and their rendering.

Input:  spans (from the parser) and messages (from any stage).
Output: :class:`Diagnostic` records, and text of the form::

    spec.ml:3:19: error[E101]: unknown setting `wdth` in a two_layer model
      3 | model two_layer { wdth = 64 }
        |                   ^^^^
    help: did you mean `width`?

Role:   one format for every error mlc reports, whichever stage finds it. Columns are 1-based and count
        characters; a tab counts as one column (the caret line copies the tabs of the source line, so the
        caret still lines up in a terminal).

The catalogue of codes is :data:`CODES`; ``docs/language.md`` lists them with examples, and
``tests/golden/`` holds one expected output per code.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

Severity = Literal["error", "warning"]

CODES: dict[str, str] = {
    "E001": "syntax error: a token the grammar does not allow here",
    "E002": "invalid character",
    "E003": "the file is not UTF-8 text",
    "E004": "the file is too large (bytes or tokens), or a name too long",
    "E005": "nesting or expression too deep",
    "E101": "unknown name",
    "E102": "duplicate definition",
    "E103": "missing statement",
    "E201": "wrong type",
    "E202": "value out of range",
    "E301": "combination that makes no sense",
    "E302": "index or dimension mismatch",
    "E303": "invalid sweep",
    "E999": "internal error (a bug in mlc)",
    "W101": "declared norm is smaller than the one mlc derives",
    "E401": "the plan does not fit the machine's memory or the time limit (the resource plan)",
}


@dataclass(frozen=True)
class Span:
    """A region of the source: 1-based line and column of its first and last+1 character."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0  # character offsets into the source text
    end: int = 0

    @staticmethod
    def point(line: int, column: int, offset: int = 0) -> "Span":
        return Span(line, column, line, column + 1, offset, offset + 1)

    def to(self, other: "Span") -> "Span":
        """The span from the start of ``self`` to the end of ``other``."""
        return Span(self.line, self.column, other.end_line, other.end_column, self.start, other.end)


@dataclass
class Diagnostic:
    code: str
    message: str
    span: Span | None
    help: str | None = None
    severity: Severity = "error"
    notes: list[str] = field(default_factory=list)
    kind: str = ""  # the message kind that built it (mlc.dsl.message_kinds.KINDS)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class SpecErrors(Exception):
    """Raised inside a stage to abort it with one or more diagnostics."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = list(diagnostics)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to ``word``, if one is close enough to suggest."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion_help(word: str, candidates: Iterable[str], what: str = "") -> str:
    """A help line: 'did you mean `x`?' or the list of valid choices."""
    choices = sorted(set(candidates))
    best = did_you_mean(word, choices)
    if best is not None:
        return f"did you mean `{best}`?"
    if not choices:
        return ""
    shown = ", ".join(f"`{c}`" for c in choices[:12])
    more = "" if len(choices) <= 12 else f", ... ({len(choices)} in all)"
    return f"{what or 'valid names'}: {shown}{more}"


def _caret_line(source_line: str, start_col: int, end_col: int) -> str:
    # Reproduce tabs from the source prefix so that the caret lines up however tabs are displayed.
    prefix = "".join("\t" if ch == "\t" else " " for ch in source_line[: start_col - 1])
    width = max(1, end_col - start_col)
    return prefix + "^" * width


MAX_SHOWN = 20
"""The most diagnostics :func:`render_all` prints for one file (as clang's ``-ferror-limit``); a count
of the rest follows them. A spec with 100,000 duplicate lines gets 20 messages, not 33 MB of them."""


def render(diagnostic: Diagnostic, path: str, source: str | None,
           source_lines: Sequence[str] | None = None) -> str:
    """Render one diagnostic as text (no colour). ``source_lines`` is ``source`` split at newlines, when
    the caller has it already."""
    span = diagnostic.span
    location = f"{path}:{span.line}:{span.column}" if span else path
    lines = [f"{location}: {diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"]
    if span is not None and source is not None:
        if source_lines is None:
            source_lines = source.split("\n")
        if 1 <= span.line <= len(source_lines):
            text = source_lines[span.line - 1].rstrip("\r")
            end = span.end_column if span.end_line == span.line else len(text) + 1
            start = span.column
            if len(text) > 200:  # a huge line: show a window around the span
                lo = max(0, start - 60)
                text = text[lo : lo + 160]
                start, end = start - lo, end - lo
            end = min(max(end, start + 1), max(start + 1, len(text) + 1))
            text_window = text
            gutter = str(span.line)
            pad = " " * len(gutter)
            lines.append(f"{gutter} | {text_window}")
            lines.append(f"{pad} | {_caret_line(text_window, start, end)}")
    for note in diagnostic.notes:
        lines.append(f"note: {note}")
    if diagnostic.help:
        lines.append(f"help: {diagnostic.help}")
    return "\n".join(lines)


def render_all(diagnostics: Sequence[Diagnostic], path: str, source: str | None) -> str:
    """Render diagnostics sorted by position (the first :data:`MAX_SHOWN`, then how many more there are),
    followed by a one-line summary."""
    ordered = sorted(
        diagnostics,
        key=lambda d: (d.span.start if d.span else -1, d.span.line if d.span else 0, d.code),
    )
    source_lines = source.split("\n") if source is not None else None
    blocks = [render(d, path, source, source_lines) for d in ordered[:MAX_SHOWN]]
    if len(ordered) > MAX_SHOWN:
        rest = len(ordered) - MAX_SHOWN
        blocks.append(f"{path}: ... and {rest:,} more diagnostic{'s' if rest != 1 else ''} not shown "
                      f"(only the first {MAX_SHOWN} are)")
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if errors or warnings:
        parts = []
        if errors:
            parts.append(f"{errors} error{'s' if errors != 1 else ''}")
        if warnings:
            parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
        blocks.append(f"{path}: {', '.join(parts)}")
    return "\n\n".join(blocks)
