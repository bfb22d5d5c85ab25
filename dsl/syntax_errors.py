"""Syntax-error messages: a Lark exception -> a :class:`~mlc.dsl.diagnostics.Diagnostic`.

Input:  an ``UnexpectedInput`` raised while parsing, and the text it was raised on; or the raw text
        (for the nesting check that runs before parsing).
Output: a diagnostic (E001 unexpected token or end of file, E002 unexpected character, E005 nesting too
        deep) with a precise span and, where a common mistake is recognised, a hint.
Role:   the wording of syntax errors, kept apart from the parsing loop (:mod:`mlc.dsl.parser`).
"""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from mlc.dsl.build import span_of_token
from mlc.dsl.diagnostics import Diagnostic, Span
from mlc.dsl.grammar import STATEMENT_KEYWORDS, TERMINAL_NAMES

MAX_NESTING = 64


def check_nesting(text: str) -> Diagnostic | None:
    """E005 when brackets nest deeper than :data:`MAX_NESTING` (outside comments): a deeper tree would
    exhaust Python's recursion while it is built."""
    depth, line, column = 0, 1, 0
    in_comment = False
    for offset, ch in enumerate(text):
        column += 1
        if ch == "\n":
            line, column, in_comment = line + 1, 0, False
            continue
        if in_comment:
            continue
        if ch == "#":
            in_comment = True
        elif ch in "([{":
            depth += 1
            if depth > MAX_NESTING:
                return Diagnostic(
                    "E005",
                    f"brackets are nested more than {MAX_NESTING} deep",
                    Span.point(line, column, offset),
                    help="simplify the expression; no spec needs this much nesting",
                )
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return None


def _unclosed_bracket(text: str) -> tuple[str, int, int, int] | None:
    """The innermost bracket still open at the end of ``text`` (outside comments): (char, line, column,
    offset), or None."""
    stack: list[tuple[str, int, int, int]] = []
    line, column, in_comment = 1, 0, False
    for offset, ch in enumerate(text):
        column += 1
        if ch == "\n":
            line, column, in_comment = line + 1, 0, False
        elif in_comment:
            continue
        elif ch == "#":
            in_comment = True
        elif ch in "([{":
            stack.append((ch, line, column, offset))
        elif ch in ")]}" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    text = str(token)
    if token.type == "NAME":
        return f"`{text}`"
    return f"`{text}`" if text else TERMINAL_NAMES.get(token.type, token.type)


def _expected_text(expected: set[str]) -> str:
    names = sorted({TERMINAL_NAMES.get(e, f"`{e.lower()}`") for e in expected if not e.startswith("_")})
    if not names:
        return ""
    if len(names) > 8:
        names = names[:8] + ["..."]
    return ", ".join(names)


def _syntax_help(exc: UnexpectedInput, text: str) -> str | None:
    """Example-driven hints for the mistakes people actually make (cf. Lark's match_examples)."""
    token = getattr(exc, "token", None)
    expected = set(getattr(exc, "expected", set()) or set())
    if token is not None and str(token) == "=" and "COLON" in expected:
        return "write `record = every 100: train_error, test_error`"
    if token is not None and token.type == "NAME" and expected & {"RBRACE", "NAME"} == {"RBRACE"}:
        return None
    if token is not None and str(token) == "|":
        return "absolute values and norms are written `abs(e)` and `norm(x)`, not with bars"
    if token is not None and token.type == "$END" and "RBRACE" in expected:
        return "a `{` is not closed"
    if token is not None and token.type == "$END" and "RPAR" in expected:
        return "a `(` is not closed"
    if token is not None and token.type == "NAME" and {"COMMA", "RPAR"} <= expected:
        return "arguments are separated by `,`"
    if token is not None and token.type == "NAME" and {"COMMA", "RSQB"} <= expected:
        return "vector items are separated by `,`"
    if token is not None and token.type == "NUMBER" and "EQUAL" in expected:
        return "settings are written `key = value`"
    if token is not None and str(token) in STATEMENT_KEYWORDS:
        unclosed = ""
        if "RPAR" in expected:
            unclosed = ": a `(` is not closed"
        elif "RBRACE" in expected:
            unclosed = ": a `{` is not closed"
        elif "RSQB" in expected:
            unclosed = ": a `[` is not closed"
        return f"`{token}` starts a new statement, but the one before it is unfinished{unclosed}"
    return None


def diagnostic_from(exc: UnexpectedInput, text: str) -> Diagnostic:
    """The diagnostic for one syntax error."""
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream or 0  # always set by the lexer; typed optional
        ch = text[offset] if offset < len(text) else ""
        hint = None
        if ch == "|":
            hint = "absolute values and norms are written `abs(e)` and `norm(x)`, not with bars"
        elif ch in "\"'":
            hint = ('a string is only a file path, `file("data.npz")`, closed on its line, without `#`, `\\` or `"`; '
                    "names are written bare, e.g. `activation = relu`")
        elif ch == "!":
            hint = "there is no `!`; comparisons are `<`, `<=`, `>`, `>=`"
        shown = repr(ch)[1:-1] if ch and not ch.isprintable() else ch
        return Diagnostic("E002", f"unexpected character `{shown}`",
                          Span.point(exc.line, exc.column, offset), help=hint)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            unclosed = _unclosed_bracket(text)
            if unclosed is not None:
                ch, line, column, offset = unclosed
                closer = {"(": ")", "[": "]", "{": "}"}[ch]
                return Diagnostic("E001", f"this `{ch}` is never closed: the file ends before its `{closer}`",
                                  Span.point(line, column, offset),
                                  help=f"add `{closer}` where the {'block' if ch == '{' else 'expression'} ends")
            line = text.count("\n") + 1
            column = len(text) - (text.rfind("\n") + 1) + 1
            span = Span.point(line, column, len(text))
        else:
            span = span_of_token(token)
        expected = _expected_text(set(exc.expected))
        message = f"unexpected {_describe_token(token)}"
        if expected:
            message += f"; expected {expected}"
        return Diagnostic("E001", message, span, help=_syntax_help(exc, text))
    if isinstance(exc, UnexpectedEOF):
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
        return Diagnostic("E001", "unexpected end of file", Span.point(line, column, len(text)))
    return Diagnostic("E001", str(exc).splitlines()[0], None)
