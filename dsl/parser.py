"""Parsing: spec text -> AST with spans.

Input:  the text of a spec (and its path, for messages).
Output: a :class:`~mlc.dsl.ast.Spec` and a list of syntax :class:`~mlc.dsl.diagnostics.Diagnostic` (codes
        E001, E002, E005; and E201 for an ``until`` in a model block, which the AST has no place for).
        The AST may be partial when there are errors.
Role:   syntax only. The grammar is ``grammar.lark`` (LALR(1), contextual lexer, positions propagated).
        Several syntax errors are reported in one run: after an error, the statement that contains it is
        blanked out (its characters replaced by spaces, newlines kept, so positions do not move) and the
        text is parsed again, up to :data:`MAX_SYNTAX_ERRORS` times.

Robustness: bracket nesting deeper than :data:`MAX_NESTING` is reported before parsing (E005), since a
deep tree would exhaust Python's recursion; any RecursionError while building the AST is turned into E005.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, Span

MAX_NESTING = 64
MAX_SYNTAX_ERRORS = 20
RECURSION_LIMIT = 5000
"""Python's recursion limit while building the AST (the default 1000 allows only ~300-term sums)."""

STATEMENT_KEYWORDS = (
    "problem", "let", "input", "target", "space", "data", "model", "train", "sweep", "report",
)

# Human names for the grammar's terminals, used in "expected ..." messages.
TERMINAL_NAMES: dict[str, str] = {
    "NAME": "a name", "NUMBER": "a number", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
    "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`", "EQUAL": "`=`", "COMMA": "`,`",
    "SEMICOLON": "`;`", "COLON": "`:`", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`",
    "SLASH": "`/`", "POW": "`^`", "TILDE": "`~`", "COMP_OP": "a comparison (`<`, `<=`)",
    "SWEEP_MODE": "`zip` or `product`", "__ANON_0": "`..`", "DOT": "`.`",
}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("mlc.dsl").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False)


def _span_of_meta(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span(1, 1, 1, 1, 0, 0)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)


def _span_of_token(token: Token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column, token.start_pos, token.end_pos)


def _ident(token: Token) -> ast.Ident:
    return ast.Ident(str(token), _span_of_token(token))


@v_args(meta=True)
class _ToAst(Transformer):
    """Lark parse tree -> our AST dataclasses."""

    # ---- expressions
    def number(self, meta, children):
        token = children[0]
        return ast.Number(float(token), str(token), _span_of_token(token))

    def name(self, meta, children):
        return ast.Name(str(children[0]), _span_of_token(children[0]))

    def paren(self, meta, children):
        return ast.Paren(children[0], _span_of_meta(meta))

    def vector(self, meta, children):
        return ast.VectorLit(tuple(c for c in children if c is not None), _span_of_meta(meta))

    def call(self, meta, children):
        func = _ident(children[0])
        return ast.Call(func, tuple(c for c in children[1:] if c is not None), _span_of_meta(meta))

    def kwarg(self, meta, children):
        return ast.KwArg(_ident(children[0]), children[1], _span_of_meta(meta))

    def bind(self, meta, children):
        return ast.Bind(_ident(children[0]), children[1], children[2], _span_of_meta(meta))

    def _binary(self, op, meta, children, spelling=""):
        return ast.BinOp(op, children[0], children[-1], _span_of_meta(meta), spelling or op)

    def add(self, meta, children):
        return self._binary("+", meta, children)

    def sub(self, meta, children):
        return self._binary("-", meta, children)

    def mul(self, meta, children):
        return self._binary("*", meta, children)

    def div(self, meta, children):
        return self._binary("/", meta, children)

    def pow(self, meta, children):
        return ast.BinOp("^", children[0], children[2], _span_of_meta(meta), str(children[1]))

    def neg(self, meta, children):
        return ast.UnaryOp("-", children[0], _span_of_meta(meta))

    def pos(self, meta, children):
        return ast.UnaryOp("+", children[0], _span_of_meta(meta))

    def compare(self, meta, children):
        return ast.Compare(str(children[1]), children[0], children[2], _span_of_meta(meta))

    def index(self, meta, children):
        return ast.Index(children[0], children[1], _span_of_meta(meta))

    def range(self, meta, children):
        return ast.RangeLit(children[0], children[1], _span_of_meta(meta))

    def every(self, meta, children):
        return ast.Every(children[0], tuple(_ident(t) for t in children[1:]), _span_of_meta(meta))

    # ---- blocks
    def setting(self, meta, children):
        return ast.Setting(_ident(children[0]), children[1], _span_of_meta(meta))

    def until(self, meta, children):
        return ast.Until(children[0], _span_of_meta(meta))

    def block(self, meta, children):
        return ast.Block(tuple(children), _span_of_meta(meta))

    # ---- statements
    def problem_stmt(self, meta, children):
        return ast.ProblemStmt(_ident(children[0]), _span_of_meta(meta))

    def let_stmt(self, meta, children):
        return ast.LetStmt(_ident(children[0]), children[1], _span_of_meta(meta))

    def input_stmt(self, meta, children):
        return ast.InputStmt(_ident(children[0]), children[1], _span_of_meta(meta))

    def target_params(self, meta, children):
        return _ident(children[0])

    def teacher(self, meta, children):
        return ast.Teacher(children[0], _span_of_meta(meta))

    def target_stmt(self, meta, children):
        name = _ident(children[0])
        rest = list(children[1:])
        star = bool(rest) and isinstance(rest[0], Token) and rest[0].type == "STAR"
        if star:
            rest.pop(0)
        param = rest.pop(0) if len(rest) == 2 else None
        return ast.TargetStmt(name, star, param, rest[0], _span_of_meta(meta))

    def space_stmt(self, meta, children):
        return ast.SpaceStmt(children[0], _span_of_meta(meta))

    def data_stmt(self, meta, children):
        return ast.DataStmt(children[0], _span_of_meta(meta))

    def model_call(self, meta, children):
        call: ast.Call = children[1]
        settings = tuple(ast.Setting(k.key, k.value, k.span) for k in call.keywords)
        positional = tuple(a for a in call.args if not isinstance(a, (ast.KwArg, ast.Bind)))
        return ast.ModelStmt(_ident(children[0]), call.func, settings, "call", _span_of_meta(meta),
                             positional)

    def model_named_block(self, meta, children):
        block: ast.Block = children[2]
        return ast.ModelStmt(_ident(children[0]), _ident(children[1]), self._only_settings(block),
                             "named_block", _span_of_meta(meta))

    def model_block(self, meta, children):
        family = _ident(children[0])
        return ast.ModelStmt(family, family, self._only_settings(children[1]), "block", _span_of_meta(meta))

    def _only_settings(self, block: ast.Block) -> tuple[ast.Setting, ...]:
        # `until` has no meaning in a model block: it is reported (E201), not silently dropped.
        self.stray_untils.extend(item for item in block.items if isinstance(item, ast.Until))
        return tuple(item for item in block.items if isinstance(item, ast.Setting))

    def train_stmt(self, meta, children):
        model = _ident(children[0]) if len(children) == 2 else None
        return ast.TrainStmt(model, children[-1], _span_of_meta(meta))

    def sweep_stmt(self, meta, children):
        mode = _ident(children[0]) if len(children) == 2 else None
        return ast.SweepStmt(mode, children[-1], _span_of_meta(meta))

    def r_bounds(self, meta, children):
        return ast.ReportBounds(_span_of_meta(meta))

    def r_rates(self, meta, children):
        return ast.ReportRates(tuple(_ident(t) for t in children), _span_of_meta(meta))

    def r_plot(self, meta, children):
        return ast.ReportPlot(_ident(children[0]), _ident(children[1]), _span_of_meta(meta))

    def mark(self, meta, children):
        return ast.Mark(_ident(children[0]), children[1], _span_of_meta(meta))

    def r_mark(self, meta, children):
        return ast.ReportMark(tuple(children), _span_of_meta(meta))

    def report_stmt(self, meta, children):
        return ast.ReportStmt(tuple(children), _span_of_meta(meta))

    def start(self, meta, children):
        return list(children)


def _check_nesting(text: str) -> Diagnostic | None:
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


def _diagnostic_from(exc: UnexpectedInput, text: str) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        hint = None
        if ch == "|":
            hint = "absolute values and norms are written `abs(e)` and `norm(x)`, not with bars"
        elif ch in "\"'":
            hint = "mlc has no strings; names are written bare, e.g. `activation = relu`"
        elif ch == "!":
            hint = "there is no `!`; comparisons are `<`, `<=`, `>`, `>=`"
        shown = repr(ch)[1:-1] if ch and not ch.isprintable() else ch
        return Diagnostic("E002", f"unexpected character `{shown}`",
                          Span.point(exc.line, exc.column, exc.pos_in_stream), help=hint)
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
            span = _span_of_token(token)
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
    """Parse spec text. Never raises: problems come back as diagnostics."""
    diagnostics: list[Diagnostic] = []
    too_deep = _check_nesting(text)
    if too_deep is not None:
        return ast.Spec([], [], path, text), [too_deep]

    working = text
    tree = None
    for _ in range(MAX_SYNTAX_ERRORS + 1):
        try:
            tree = _lark().parse(working)
            break
        except UnexpectedInput as exc:
            diagnostics.append(_diagnostic_from(exc, text))
            blanked = _blank_statement_at(working, _error_offset(exc, working))
            if blanked == working:
                break
            working = blanked
    if tree is None:
        return ast.Spec([], _collect_comments(text), path, text), diagnostics
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
        transformer = _ToAst()
        transformer.stray_untils = []
        statements = transformer.transform(tree)
        diagnostics += [Diagnostic("E201", "`until` belongs in a `train` block, not in a model", u.span,
                                   help="move it to `train NAME { ... }`") for u in transformer.stray_untils]
    except (RecursionError, VisitError) as exc:
        if isinstance(exc, VisitError) and not isinstance(exc.orig_exc, RecursionError):
            raise
        diagnostics.append(Diagnostic(
            "E005", "an expression is too long or too deeply nested to compile", _longest_statement(text),
            help="split it with `let` constants or simplify it"))
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
    word = re.match(r"[A-Za-z_]*", text[begin:]).group(0) or " "
    return Span(line, column, line, column + len(word), begin, begin + len(word))


_COMMENT = re.compile(r"#[^\n]*")


def _collect_comments(text: str) -> list[ast.Comment]:
    """Comments with their spans. A `#` always starts a comment: the language has no strings."""
    comments = []
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    import bisect

    for match in _COMMENT.finditer(text):
        start = match.start()
        line = bisect.bisect_right(line_starts, start)
        column = start - line_starts[line - 1] + 1
        end_column = column + len(match.group(0))
        comments.append(ast.Comment(match.group(0).rstrip("\r"),
                                    Span(line, column, line, end_column, start, match.end())))
    return comments
