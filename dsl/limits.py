"""The front end's size limits: spec text -> the first limit it breaks, as a diagnostic, before parsing.

Input:  the text of a spec.
Output: :func:`check_limits` returns an E004 or E202 :class:`~mlc.dsl.diagnostics.Diagnostic`, or None.
Role:   bound the work of every command on any input up to the 1 MB file limit (``mlc.dsl.source``): the
        parser (Lark, in Python) costs some microseconds per token and a spec may be parsed several times
        (error recovery, ``fmt``'s safety net), so the number of tokens is checked first, with a scan that runs
        at the speed of the regular-expression engine. Also refused here: names longer than
        :data:`MAX_NAME_LENGTH` (they would be echoed in every message) and numbers too large for a float
        (``1e999`` would silently be infinity). The bracket-nesting limit is
        :func:`mlc.dsl.syntax_errors.check_nesting`. docs/language.md ("Limits") states them all.
"""

from __future__ import annotations

import functools
import math
import re

from mlc.dsl import messages
from mlc.dsl.diagnostics import Diagnostic, Span
from mlc.dsl.grammar import terminal_pattern

__all__ = ["MAX_NAME_LENGTH", "MAX_TOKENS", "check_limits", "count_tokens"]

MAX_TOKENS = 5_000
"""The most tokens a spec may have, each comment counting as one (the lexer reads comments too); the largest
shipped spec has about 300."""
MAX_NAME_LENGTH = 100
"""The longest name, in characters."""

_COMMENT = re.compile(r"#[^\n]*")
# The tokens of the grammar (``grammar.lark``), coarsely: what matters is one match per token.
_WORDS = r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.\.|\*\*|<=|>=|\S"


@functools.lru_cache(maxsize=1)
def _token() -> re.Pattern[str]:
    """One match per token: the grammar's own STRING (a file path with its spaces is one token), then the rest."""
    return re.compile(f"{terminal_pattern('STRING')}|{_WORDS}")
_LONG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{%d,}" % MAX_NAME_LENGTH)
# A number that may overflow: one with an exponent, or with more than 300 digits before the point.
_BIG_NUMBER = re.compile(r"(?<![A-Za-z0-9_])(?:[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+|[0-9]{300,}(?:\.[0-9]+)?)")


def _span(text: str, start: int, end: int) -> Span:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(line, column, line, column + (end - start), start, end)


def _without_comments(text: str) -> str:
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), text)  # offsets kept


def count_tokens(text: str) -> int:
    """The number of tokens of ``text`` (as the grammar's lexer splits them, near enough), each comment
    counting as one."""
    return len(_token().findall(_without_comments(text))) + len(_COMMENT.findall(text))


def check_limits(text: str) -> Diagnostic | None:
    """The first size limit that ``text`` breaks (too many tokens, a too-long name, a number that overflows),
    or None."""
    code = _without_comments(text)
    count = len(_token().findall(code)) + len(_COMMENT.findall(text))
    if count > MAX_TOKENS:
        return messages.too_many_tokens(count, MAX_TOKENS)
    name = _LONG_NAME.search(code)
    if name is not None:
        shown = name.group(0)[:20]
        return messages.name_too_long(shown, len(name.group(0)), MAX_NAME_LENGTH,
                                      _span(text, name.start(), name.start() + len(shown)))
    for number in _BIG_NUMBER.finditer(code):
        if not math.isfinite(float(number.group(0))):
            shown = number.group(0) if len(number.group(0)) <= 24 else number.group(0)[:20] + "..."
            return messages.number_overflows(shown, _span(text, number.start(), number.end()))
    return None
