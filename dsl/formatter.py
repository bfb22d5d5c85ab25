"""The canonical layout of a spec: AST + comments -> text.

Input:  a parsed :class:`~mlc.dsl.ast.Spec` (its statements, its comments with spans, and its source).
Output: the spec as text in the canonical layout (:func:`format_spec`), or, from raw text,
        the formatted text or the syntax diagnostics that prevent formatting (:func:`format_text`).
Role:   ``mlc fmt``. The layout rules, applied always and whatever the input looked like:

* one statement per line; a blank line between statement groups (problem | let | input, target, space |
  data | model | train | sweep | report), and a single blank line wherever the source had one or more;
* a block (``{ ... }``) stays on one line when it has at most 3 items, no comment inside and the line
  fits in :data:`MAX_LINE` characters; otherwise one item per line, indented two spaces, with the ``=``
  of its settings aligned. One-line blocks separate items by three spaces;
* expressions: ``+ - * /`` and comparisons spaced, ``^`` tight (``x[1]^2``), ``**`` written ``^``,
  ``k = v`` in calls, ``..`` tight when both ends are atoms; the user's parentheses are kept (they carry
  meaning for readers), and parentheses are added only where the tree needs them;
* every comment is kept: a comment alone on its line goes above the statement or item that follows it,
  a comment after code stays after that statement or item (two spaces before ``#``); the comments of
  consecutive lines that all end in one are aligned.

The printer follows SymPy's printers: one ``_print_<Node>`` method per node type. The result is
idempotent (fmt(fmt(s)) == fmt(s)) and meaning-preserving (same plan, same hashes); :func:`format_text`
re-parses its output and refuses to return text whose tree differs from the input's.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, Span

MAX_LINE = 100
INDENT = "  "
ONE_LINE_MAX_ITEMS = 3
ITEM_SEP = "   "

GROUPS: dict[type, int] = {
    ast.ProblemStmt: 0, ast.LetStmt: 1, ast.InputStmt: 2, ast.TargetStmt: 2, ast.SpaceStmt: 2,
    ast.DataStmt: 3, ast.ModelStmt: 4, ast.TrainStmt: 5, ast.SweepStmt: 6, ast.ReportStmt: 7,
}

# Binding strength of each expression form, for the parentheses the tree needs.
_PREC_COMPARE, _PREC_ADD, _PREC_MUL, _PREC_UNARY, _PREC_POW, _PREC_ATOM = range(6)


def _prec(node: Any) -> int:
    if isinstance(node, ast.Compare):
        return _PREC_COMPARE
    if isinstance(node, ast.BinOp):
        return {"+": _PREC_ADD, "-": _PREC_ADD, "*": _PREC_MUL, "/": _PREC_MUL}.get(node.op, _PREC_POW)
    if isinstance(node, ast.UnaryOp):
        return _PREC_UNARY
    return _PREC_ATOM


class ExprPrinter:
    """Expressions and values -> canonical text. ``doprint`` dispatches to ``_print_<NodeType>``."""

    def doprint(self, node: Any) -> str:
        method = getattr(self, f"_print_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"no printer for {type(node).__name__}")
        return method(node)

    def _wrap(self, node: Any, minimum: int) -> str:
        text = self.doprint(node)
        return f"({text})" if _prec(node) < minimum else text

    def _print_Number(self, node: ast.Number) -> str:
        return node.text or repr(node.value)

    def _print_Name(self, node: ast.Name) -> str:
        return node.id

    def _print_Ident(self, node: ast.Ident) -> str:
        return node.name

    def _print_Paren(self, node: ast.Paren) -> str:
        return f"({self.doprint(node.expr)})"

    def _print_BinOp(self, node: ast.BinOp) -> str:
        if node.op == "^":
            return f"{self._wrap(node.left, _PREC_ATOM)}^{self._wrap(node.right, _PREC_UNARY)}"
        level = _prec(node)
        return f"{self._wrap(node.left, level)} {node.op} {self._wrap(node.right, level + 1)}"

    def _print_UnaryOp(self, node: ast.UnaryOp) -> str:
        return f"{node.op}{self._wrap(node.operand, _PREC_UNARY)}"

    def _print_Compare(self, node: ast.Compare) -> str:
        return f"{self._wrap(node.left, _PREC_ADD)} {node.op} {self._wrap(node.right, _PREC_ADD)}"

    def _print_Index(self, node: ast.Index) -> str:
        return f"{self._wrap(node.base, _PREC_ATOM)}[{self.doprint(node.index)}]"

    def _print_VectorLit(self, node: ast.VectorLit) -> str:
        return "[" + ", ".join(self.doprint(item) for item in node.items) + "]"

    def _print_Call(self, node: ast.Call) -> str:
        return f"{node.func.name}(" + ", ".join(self.doprint(arg) for arg in node.args) + ")"

    def _print_KwArg(self, node: ast.KwArg) -> str:
        return f"{node.key.name} = {self.doprint(node.value)}"

    def _print_Bind(self, node: ast.Bind) -> str:
        return f"{node.var.name} in {self._range(node.lo, node.hi)}"

    def _print_RangeLit(self, node: ast.RangeLit) -> str:
        return self._range(node.lo, node.hi)

    def _range(self, lo: Any, hi: Any) -> str:
        def atomic(n: Any) -> bool:
            return _prec(n) == _PREC_ATOM or (isinstance(n, ast.UnaryOp) and _prec(n.operand) == _PREC_ATOM)

        sep = ".." if atomic(lo) and atomic(hi) else " .. "
        return f"{self.doprint(lo)}{sep}{self.doprint(hi)}"

    def _print_Every(self, node: ast.Every) -> str:
        return f"every {self.doprint(node.interval)}: " + ", ".join(m.name for m in node.metrics)

    def _print_Teacher(self, node: ast.Teacher) -> str:
        return f"teacher {self.doprint(node.call)}"

    # ---- block items
    def _print_Setting(self, node: ast.Setting) -> str:
        return f"{node.key.name} = {self.doprint(node.value)}"

    def _print_Until(self, node: ast.Until) -> str:
        return f"until {self.doprint(node.condition)}"

    def _print_ReportBounds(self, node: ast.ReportBounds) -> str:
        return "bounds"

    def _print_ReportRates(self, node: ast.ReportRates) -> str:
        return "rates over " + ", ".join(a.name for a in node.axes)

    def _print_ReportPlot(self, node: ast.ReportPlot) -> str:
        return f"plot {node.y.name} vs {node.x.name}"

    def _print_ReportMark(self, node: ast.ReportMark) -> str:
        return "mark " + ", ".join(f"{m.axis.name} = {self.doprint(m.value)}" for m in node.marks)


_PRINTER = ExprPrinter()


def format_expr(node: Any) -> str:
    """The canonical text of one expression or value (also used for labels, e.g. report marks)."""
    return _PRINTER.doprint(node)


# ----------------------------------------------------------------------------------- comments


@dataclass
class _Notes:
    """Comments attached to one printed unit (a statement or a block item)."""

    leading: list[ast.Comment] = field(default_factory=list)
    header: list[ast.Comment] = field(default_factory=list)  # on the `{` line of a block statement
    trailing: list[ast.Comment] = field(default_factory=list)
    closing: list[ast.Comment] = field(default_factory=list)  # inside a block, after its last item
    forced_multiline: bool = False


def _block_items(stmt: Any) -> tuple[Any, ...] | None:
    if isinstance(stmt, (ast.DataStmt, ast.TrainStmt, ast.SweepStmt)):
        return stmt.block.items
    if isinstance(stmt, ast.ModelStmt) and stmt.form != "call":
        return stmt.settings
    if isinstance(stmt, ast.ReportStmt):
        return stmt.items
    return None


def _open_brace(text: str, stmt: Any) -> int:
    """Offset of the block's `{` (the first one of the statement outside comments)."""
    if isinstance(stmt, (ast.DataStmt, ast.TrainStmt, ast.SweepStmt)):
        return stmt.block.span.start
    i = stmt.span.start
    while i < stmt.span.end:
        ch = text[i]
        if ch == "#":
            while i < stmt.span.end and text[i] != "\n":
                i += 1
        elif ch == "{":
            return i
        i += 1
    return stmt.span.start


class _Layout:
    """Attach every comment of the source to a unit, and remember where the source had blank lines."""

    def __init__(self, spec: ast.Spec):
        self.text = spec.source
        self.notes: dict[int, _Notes] = {}
        self.end_comments: list[ast.Comment] = []
        statements = sorted(spec.statements, key=lambda s: s.span.start)
        for comment in spec.comments:
            self._attach(comment, statements)

    def of(self, node: Any) -> _Notes:
        return self.notes.setdefault(id(node), _Notes())

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset)

    def full_line(self, comment: ast.Comment) -> bool:
        start = self.text.rfind("\n", 0, comment.span.start) + 1
        return self.text[start:comment.span.start].strip() == ""

    def blank_before(self, offset: int) -> bool:
        """Whether a blank line separates ``offset`` from the content before it."""
        i, newlines = offset - 1, 0
        while i >= 0 and self.text[i] in " \t\r\n\f\ufeff":
            newlines += self.text[i] == "\n"
            i -= 1
        return i >= 0 and newlines >= 2

    def _attach(self, comment: ast.Comment, statements: Sequence[Any]) -> None:
        offset = comment.span.start
        full = self.full_line(comment)
        owner = next((s for s in statements if s.span.start <= offset < s.span.end), None)
        if owner is None:
            if full:
                following = next((s for s in statements if s.span.start > offset), None)
                if following is None:
                    self.end_comments.append(comment)
                else:
                    self.of(following).leading.append(comment)
            else:
                previous = [s for s in statements if s.span.end <= offset]
                if previous:
                    self.of(previous[-1]).trailing.append(comment)
                else:
                    following = next((s for s in statements if s.span.start > offset), None)
                    (self.of(following).leading if following else self.end_comments).append(comment)
            return
        items = _block_items(owner)
        notes = self.of(owner)
        brace = _open_brace(self.text, owner) if items is not None else -1
        if items is None or offset < brace:
            (notes.leading if full else notes.trailing).append(comment)
            return
        notes.forced_multiline = True
        inside = next((it for it in items if it.span.start <= offset < it.span.end), None)
        if inside is not None:
            (self.of(inside).leading if full else self.of(inside).trailing).append(comment)
            return
        if full:
            following = next((it for it in items if it.span.start > offset), None)
            (self.of(following).leading if following is not None else notes.closing).append(comment)
            return
        previous = [it for it in items if it.span.end <= offset]
        if previous and self.line_of(previous[-1].span.end) == self.line_of(offset):
            self.of(previous[-1]).trailing.append(comment)
        elif self.line_of(brace) == self.line_of(offset):
            notes.header.append(comment)
        else:
            notes.closing.append(comment)


# ----------------------------------------------------------------------------------- statements


class SpecPrinter(ExprPrinter):
    """Statements and whole specs -> canonical text, comments included."""

    def __init__(self, layout: _Layout):
        self.layout = layout

    @staticmethod
    def _comments_after(code: str, comments: Iterable[ast.Comment]) -> str:
        texts = [c.text.rstrip() for c in comments]
        return code + "".join(("  " if code else "") + t if i == 0 else "  " + t for i, t in enumerate(texts))

    def _leading(self, comments: Sequence[ast.Comment], indent: str, first: bool) -> list[str]:
        lines: list[str] = []
        for i, comment in enumerate(sorted(comments, key=lambda c: c.span.start)):
            if self.layout.blank_before(comment.span.start) and not (first and i == 0):
                lines.append("")
            lines.append(indent + comment.text.rstrip())
        return lines

    # ---- heads of statements (the part before a block)
    def _print_ProblemStmt(self, node: ast.ProblemStmt) -> str:
        return f"problem {node.name.name}"

    def _print_LetStmt(self, node: ast.LetStmt) -> str:
        return f"let {node.name.name} = {self.doprint(node.value)}"

    def _print_InputStmt(self, node: ast.InputStmt) -> str:
        return f"input {node.var.name} ~ {self.doprint(node.distribution)}"

    def _print_TargetStmt(self, node: ast.TargetStmt) -> str:
        head = node.name.name + ("*" if node.star else "")
        if node.param is not None:
            head += f"({node.param.name})"
        return f"target {head} = {self.doprint(node.rhs)}"

    def _print_SpaceStmt(self, node: ast.SpaceStmt) -> str:
        return f"space {self.doprint(node.space)}"

    def _print_ModelStmt(self, node: ast.ModelStmt) -> str:
        # Only the call form is a one-liner; the block forms go through _block_statement.
        args = sorted([*node.positional, *node.settings], key=lambda a: a.span.start)
        return f"model {node.name.name} = {node.family.name}(" + ", ".join(self.doprint(a) for a in args) + ")"

    def _head(self, node: Any) -> str:
        if isinstance(node, ast.DataStmt):
            return "data"
        if isinstance(node, ast.TrainStmt):
            return "train" + (f" {node.model.name}" if node.model else "")
        if isinstance(node, ast.SweepStmt):
            return "sweep" + (f" {node.mode.name}" if node.mode else "")
        if isinstance(node, ast.ReportStmt):
            return "report"
        if isinstance(node, ast.ModelStmt):
            if node.form == "named_block":
                return f"model {node.name.name} = {node.family.name}"
            return f"model {node.family.name}"
        raise TypeError(type(node).__name__)

    def statement_lines(self, node: Any) -> list[str]:
        """The lines of one statement, without its leading comments."""
        notes = self.layout.of(node)
        items = _block_items(node)
        if items is None:
            return [self._comments_after(self.doprint(node), notes.trailing)]
        head = self._head(node)
        texts = [self.doprint(item) for item in items]
        one_line = f"{head} {{ {ITEM_SEP.join(texts)} }}" if texts else f"{head} {{}}"
        if not notes.forced_multiline and len(texts) <= ONE_LINE_MAX_ITEMS and len(one_line) <= MAX_LINE:
            return [self._comments_after(one_line, [*notes.header, *notes.trailing])]
        lines = [self._comments_after(f"{head} {{", notes.header)]
        keys = [len(item.key.name) for item in items if isinstance(item, ast.Setting)]
        width = max(keys, default=0)
        for i, item in enumerate(items):
            item_notes = self.layout.of(item)
            lines += self._leading(item_notes.leading, INDENT, first=i == 0)
            if isinstance(item, ast.Setting):
                code = f"{item.key.name.ljust(width)} = {self.doprint(item.value)}"
            else:
                code = self.doprint(item)
            if i > 0 and not item_notes.leading and self.layout.blank_before(item.span.start):
                lines.append("")
            lines.append(INDENT + self._comments_after(code, item_notes.trailing))
        lines += self._leading(notes.closing, INDENT, first=not items)
        lines.append(self._comments_after("}", notes.trailing))
        return lines

    def spec_lines(self, statements: Sequence[Any]) -> list[str]:
        lines: list[str] = []
        previous: Any = None
        for stmt in sorted(statements, key=lambda s: s.span.start):
            notes = self.layout.of(stmt)
            if previous is not None:
                new_group = GROUPS[type(stmt)] != GROUPS[type(previous)]
                first_offset = min([c.span.start for c in notes.leading] + [stmt.span.start])
                if new_group or self.layout.blank_before(first_offset):
                    lines.append("")
            first_comment_blank_handled = previous is None or (lines and lines[-1] == "")
            lines += self._leading(notes.leading, "", first=first_comment_blank_handled)
            if notes.leading and max(c.span.start for c in notes.leading) < stmt.span.start \
                    and self.layout.blank_before(stmt.span.start):
                lines.append("")
            lines += self.statement_lines(stmt)
            previous = stmt
        if self.layout.end_comments:
            lines += self._leading(self.layout.end_comments, "", first=previous is None)
        return lines


def format_spec(spec: ast.Spec) -> str:
    """The canonical text of a parsed, syntax-clean spec (ends with one newline; '' if empty)."""
    printer = SpecPrinter(_Layout(spec))
    lines = printer.spec_lines(spec.statements)
    while lines and lines[0] == "":
        lines.pop(0)
    return "\n".join(_align_trailing_comments(lines)) + "\n" if lines else ""


def _align_trailing_comments(lines: list[str]) -> list[str]:
    """Consecutive lines that all end in a comment get their comments aligned (two spaces after the
    longest code). The language has no strings, so the first `#` of a line starts its comment."""
    out = list(lines)
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and "#" in out[j] and out[j][: out[j].index("#")].strip():
            j += 1
        if j - i >= 2:
            codes = [out[k][: out[k].index("#")].rstrip() for k in range(i, j)]
            width = max(len(c) for c in codes)
            for k, code in zip(range(i, j), codes):
                out[k] = code.ljust(width) + "  " + out[k][out[k].index("#"):]
        i = max(j, i + 1)
    return out


# ----------------------------------------------------------------------------------- safety net


def tree_shape(node: Any) -> Any:
    """A span-free picture of a tree, with parentheses and ``**``/``^`` spellings dropped: two specs with
    the same shape have the same meaning."""
    if isinstance(node, ast.Paren):
        return tree_shape(node.expr)
    if isinstance(node, (list, tuple)):
        return tuple(tree_shape(n) for n in node)
    if isinstance(node, ast.Number):
        return ("Number", node.value)
    if dataclasses.is_dataclass(node) and not isinstance(node, Span):
        skip = {"span", "spelling", "text"}
        return (type(node).__name__,) + tuple(
            (f.name, tree_shape(getattr(node, f.name))) for f in dataclasses.fields(node) if f.name not in skip)
    return node


def _comment_pieces(comments: Sequence[ast.Comment]) -> list[str]:
    """The text of the comments, as a sorted list of pieces: several trailing comments of one multi-line
    item are printed on one line (``# a  # b``), which re-parses as one comment with the same pieces."""
    return sorted(piece.strip() for c in comments for piece in ("  " + c.text).split("  #") if piece.strip())


def format_text(text: str, path: str = "<string>") -> tuple[str | None, list[Diagnostic]]:
    """Format spec text. Returns (formatted text, []) or (None, diagnostics) when the text has syntax
    errors or (a bug) the formatted text would not mean the same."""
    from mlc.dsl.parser import RECURSION_LIMIT, parse

    spec, diagnostics = parse(text, path)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
        out = format_spec(spec)
        again, problems = parse(out, path)
        same_shape = tree_shape(again.statements) == tree_shape(spec.statements)
    except RecursionError:
        return None, [Diagnostic("E005", "an expression is too long or too deeply nested to format",
                                 Span.point(1, 1), help="the file was not changed; split the expression with "
                                                        "`let` constants")]
    except TypeError as exc:
        return None, [Diagnostic("E999", f"internal error: the formatter failed ({exc})", None,
                                 help="the file was not changed; please report this spec")]
    finally:
        sys.setrecursionlimit(limit)
    same_comments = _comment_pieces(again.comments) == _comment_pieces(spec.comments)
    if problems or not same_comments or not same_shape:
        return None, [Diagnostic("E999", "internal error: the formatted text would not mean the same", None,
                                 help="the file was not changed; please report this spec")]
    return out, []
