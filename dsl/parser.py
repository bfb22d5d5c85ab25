"""Parsing: spec text -> faithful AST with spans.

Input:  the text of a spec (and its path, for messages).
Output: a faithful :class:`~mlc.dsl.ast.Spec` (what was written, nothing rewritten or dropped; see
        :mod:`mlc.dsl.ast`) and a list of syntax :class:`~mlc.dsl.diagnostics.Diagnostic` (codes E001,
        E002, E005). The AST may be partial when there are errors.
Role:   syntax only. The grammar is ``grammar.lark`` (:mod:`mlc.dsl.grammar`), the tree is built by
        :mod:`mlc.dsl.build`, the errors told apart by :mod:`mlc.dsl.syntax_errors` and worded by the
        catalogue (:mod:`mlc.dsl.messages`). Several syntax
        errors are reported in one run: after an error, the statement that contains it is blanked out (its
        characters replaced by spaces, newlines kept, so positions do not move) and the text is parsed
        again, up to :data:`MAX_SYNTAX_ERRORS` times. What the tree means, and the sugar the language
        allows, are for the later passes (:mod:`mlc.dsl.desugar`, then the checker).

Robustness: bracket nesting deeper than :data:`MAX_NESTING` is reported before parsing (E005), since a
deep tree would exhaust Python's recursion; any RecursionError while building the AST is turned into E005.
The size limits of :mod:`mlc.dsl.limits` (tokens, name length, numbers) are checked before parsing too, and
error recovery parses the text again only while the tokens parsed in all stay within :data:`PARSE_BUDGET`:
the work of a parse is bounded whatever the input.
"""

from __future__ import annotations

import bisect
import re
import sys

from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError

from mlc.dsl import ast, messages
from mlc.dsl.build import build_statements
from mlc.dsl.diagnostics import Diagnostic, Span
from mlc.dsl.grammar import STATEMENT_KEYWORDS, lark_parser
from mlc.dsl.limits import MAX_TOKENS, check_limits, count_tokens
from mlc.dsl.syntax_errors import MAX_NESTING, check_nesting, diagnostic_from

__all__ = ["MAX_NESTING", "MAX_SYNTAX_ERRORS", "RECURSION_LIMIT", "parse"]

MAX_SYNTAX_ERRORS = 20
PARSE_BUDGET = 4 * MAX_TOKENS
"""The most tokens parsed for one text, all recovery attempts together (a big file gets fewer attempts)."""
RECURSION_LIMIT = 5000
"""Python's recursion limit while building the AST (the default 1000 allows only ~300-term sums)."""

_STATEMENT_START = re.compile(r"^[ \t]*(" + "|".join(STATEMENT_KEYWORDS) + r")\b", re.MULTILINE)


def _blank_statement_at(text: str, offset: int) -> str:
    """Replace the statement containing ``offset`` with spaces (newlines kept)."""
    starts = [m.start() for m in _STATEMENT_START.finditer(text)]
    if offset in starts or any(text[s:offset].strip() == "" for s in starts if s < offset):
        # The error token begins a statement: the unfinished statement is the one before it.
        offset = max([s for s in starts if s < offset and text[s:offset].strip()], default=offset)
    begin = max([s for s in starts if s <= offset], default=0)
    after = [s for s in starts if s > offset]
    end = after[0] if after else len(text)
    if begin == end:
        end = min(len(text), offset + 1)
    chunk = text[begin:end]
    blank = "".join(ch if ch in "\n" else " " for ch in chunk)
    return text[:begin] + blank + text[end:]


def _error_offset(exc: UnexpectedInput, text: str) -> int:
    if isinstance(exc, UnexpectedToken):
        return exc.token.start_pos if exc.token.type != "$END" else max(0, len(text) - 1)
    return getattr(exc, "pos_in_stream", None) or 0


def parse(text: str, path: str = "<string>") -> tuple[ast.Spec, list[Diagnostic]]:
    """Parse spec text into the faithful AST. Never raises: problems come back as diagnostics."""
    diagnostics: list[Diagnostic] = []
    too_big = check_limits(text) or check_nesting(text)
    if too_big is not None:
        return ast.Spec([], [], path, text), [too_big]

    working = text
    tree = None
    tokens = max(1, count_tokens(text))
    for _ in range(max(1, min(MAX_SYNTAX_ERRORS + 1, PARSE_BUDGET // tokens))):
        try:
            tree = lark_parser().parse(working)
            break
        except UnexpectedInput as exc:
            diagnostics.append(diagnostic_from(exc, text))
            blanked = _blank_statement_at(working, _error_offset(exc, working))
            if blanked == working:
                break
            working = blanked
    if tree is None:
        return ast.Spec([], _collect_comments(text), path, text), diagnostics
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
        statements = build_statements(tree)
    except (RecursionError, VisitError) as exc:
        if isinstance(exc, VisitError) and not isinstance(exc.orig_exc, RecursionError):
            raise
        diagnostics.append(messages.too_deep_to_compile(_longest_statement(text)))
        return ast.Spec([], _collect_comments(text), path, text), diagnostics
    finally:
        sys.setrecursionlimit(limit)
    return ast.Spec(statements, _collect_comments(text), path, text), diagnostics


def _longest_statement(text: str) -> Span:
    """The keyword of the statement with the most operators (where a too-long expression must be)."""
    starts = [m.start(1) for m in _STATEMENT_START.finditer(text)] or [0]
    bounds = list(zip(starts, starts[1:] + [len(text)]))
    begin, end = max(bounds, key=lambda b: sum(text.count(op, b[0], b[1]) for op in "+-*/^(["))
    line = text.count("\n", 0, begin) + 1
    column = begin - (text.rfind("\n", 0, begin) + 1) + 1
    word = re.match(r"[A-Za-z_]*", text[begin:]).group(0) or " "  # type: ignore[union-attr]
    return Span(line, column, line, column + len(word), begin, begin + len(word))


_COMMENT = re.compile(r"#[^\n]*")


def _collect_comments(text: str) -> list[ast.Comment]:
    """Comments with their spans. A `#` always starts a comment: the language has no strings."""
    comments = []
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    for match in _COMMENT.finditer(text):
        start = match.start()
        line = bisect.bisect_right(line_starts, start)
        column = start - line_starts[line - 1] + 1
        end_column = column + len(match.group(0))
        comments.append(ast.Comment(match.group(0).rstrip("\r"),
                                    Span(line, column, line, end_column, start, match.end())))
    return comments
