"""The canonical layout of a spec: faithful AST + comments -> text, and ``mlc fmt``'s safety net.

Input:  a parsed, faithful :class:`~mlc.dsl.ast.Spec` (its statements, its comments with spans, and its
        source); or raw text.
Output: the spec as text in the canonical layout (:func:`format_spec`), or, from raw text, the formatted
        text or the diagnostics that prevent formatting (:func:`format_text`).
Role:   ``mlc fmt``. The layout rules, applied always and whatever the input looked like:

* one statement per line; a blank line between statement groups (problem | let | input, target, space |
  data | model | train | sweep | report | claims), and a single blank line wherever the source had one or more;
* a block (``{ ... }``) stays on one line when it has at most 3 items (``claims``: 1), no comment inside and
  the line fits in :data:`MAX_LINE` characters; otherwise one item per line, indented two spaces, with the
  ``=`` of its settings aligned. One-line blocks separate items by three spaces (no ``,`` or ``;``);
* expressions as :mod:`mlc.dsl.printer` prints them;
* every comment is kept (:mod:`mlc.dsl.layout` decides where); the comments of consecutive lines that
  all end in one are aligned.

The result is idempotent (fmt(fmt(s)) == fmt(s)) and changes nothing but layout. :func:`format_text`
proves the second for each file it formats: the formatted text must parse, with the same significant
tokens as the source (:mod:`mlc.dsl.tokens`) and the same comments; otherwise it refuses (E999) and the
file is not changed.
"""

from __future__ import annotations

import sys
from typing import Any, Iterable, Sequence

from lark.exceptions import UnexpectedInput

from mlc.dsl import ast, messages
from mlc.dsl.diagnostics import Diagnostic, Span
from mlc.dsl.layout import Layout, block_items
from mlc.dsl.parser import RECURSION_LIMIT, parse
from mlc.dsl.printer import ExprPrinter, format_expr
from mlc.dsl.tokens import significant_tokens

__all__ = ["MAX_LINE", "format_expr", "format_spec", "format_text"]

MAX_LINE = 100
INDENT = "  "
ONE_LINE_MAX_ITEMS = 3
ITEM_SEP = "   "

GROUPS: dict[type, int] = {
    ast.ProblemStmt: 0, ast.LetStmt: 1, ast.InputStmt: 2, ast.TargetStmt: 2, ast.SpaceStmt: 2,
    ast.DataStmt: 3, ast.ModelCall: 4, ast.ModelBlock: 4, ast.TrainStmt: 5, ast.SweepStmt: 6,
    ast.ReportStmt: 7, ast.ClaimsStmt: 8,
}


class SpecPrinter(ExprPrinter):
    """Statements and whole specs -> canonical text, comments included."""

    def __init__(self, layout: Layout):
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

    def _print_ModelCall(self, node: ast.ModelCall) -> str:
        return f"model {node.name.name} = {self.doprint(node.call)}"

    def _head(self, node: Any) -> str:
        if isinstance(node, ast.DataStmt):
            return "data"
        if isinstance(node, ast.TrainStmt):
            return "train" + (f" {node.model.name}" if node.model else "")
        if isinstance(node, ast.SweepStmt):
            return "sweep" + (f" {node.mode.name}" if node.mode else "") + (f" {node.model.name}" if node.model else "")
        if isinstance(node, ast.ReportStmt):
            return "report"
        if isinstance(node, ast.ClaimsStmt):
            return "claims"
        if isinstance(node, ast.ModelBlock):
            if node.name is not None:
                return f"model {node.name.name} = {node.family.name}"
            return f"model {node.family.name}"
        raise TypeError(type(node).__name__)

    def statement_lines(self, node: Any) -> list[str]:
        """The lines of one statement, without its leading comments."""
        notes = self.layout.of(node)
        items = block_items(node)
        if items is None:
            return [self._comments_after(self.doprint(node), notes.trailing)]
        head = self._head(node)
        texts = [self.doprint(item) for item in items]
        one_line = f"{head} {{ {ITEM_SEP.join(texts)} }}" if texts else f"{head} {{}}"
        # Claims are sentences: more than one is easier to read one per line.
        most = 1 if isinstance(node, ast.ClaimsStmt) else ONE_LINE_MAX_ITEMS
        if not notes.forced_multiline and len(texts) <= most and len(one_line) <= MAX_LINE:
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
            first_comment_blank_handled = previous is None or bool(lines and lines[-1] == "")
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
    printer = SpecPrinter(Layout(spec))
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


def _comment_pieces(comments: Sequence[ast.Comment]) -> list[str]:
    """The text of the comments, as a sorted list of pieces: several trailing comments of one multi-line
    item are printed on one line (``# a  # b``), which re-parses as one comment with the same pieces."""
    return sorted(piece.strip() for c in comments for piece in ("  " + c.text).split("  #") if piece.strip())


def _refusal(why: str, span: Span | None = None) -> list[Diagnostic]:
    return [messages.fmt_refused(why, span)]


def _first_difference(before: list[Any], after: list[Any]) -> tuple[str, Span | None]:
    """What the formatted tokens change, said with the first token that differs (and where it was)."""
    i = next((k for k, (a, b) in enumerate(zip(before, after)) if str(a) != str(b)), min(len(before), len(after)))
    was = f"`{before[i]}`" if i < len(before) else "the end of the file"
    now = f"`{after[i]}`" if i < len(after) else "the end of the file"
    span = None
    if i < len(before):
        token = before[i]
        span = Span(token.line, token.column, token.end_line, token.end_column, token.start_pos, token.end_pos)
    return f"formatting would change the spec's tokens ({was} would become {now})", span


def format_text(text: str, path: str = "<string>", *,
                _verify_unchanged: bool = False) -> tuple[str | None, list[Diagnostic]]:
    """Format spec text. Returns (formatted text, []) or (None, diagnostics) when the text has syntax
    errors or (a bug) the formatted text would not have the same tokens and comments.

    ``_verify_unchanged`` (for the tests) runs the safety net also on a text that formatting leaves unchanged."""
    spec, diagnostics = parse(text, path)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
        out = format_spec(spec)
        if out == text and not diagnostics and not _verify_unchanged:
            # Already in the canonical layout (what `mlc fmt --check` meets most): each check below compares a
            # function of ``out`` with the same function of ``text``, and ``text`` parsed without a diagnostic, so
            # every one holds; three parses saved (tests/test_fmt_safety.py runs them on every shipped spec anyway).
            return out, []
        again, problems = parse(out, path)
        if problems:
            return None, _refusal("the formatted text would not parse")
        before, after = significant_tokens(text), significant_tokens(out)
    except RecursionError:
        return None, [messages.too_deep_to_format()]
    except (TypeError, UnexpectedInput) as exc:
        return None, _refusal(f"the formatter failed ({exc})")
    finally:
        sys.setrecursionlimit(limit)
    if [str(t) for t in before] != [str(t) for t in after]:
        return None, _refusal(*_first_difference(before, after))
    if _comment_pieces(again.comments) != _comment_pieces(spec.comments):
        return None, _refusal("formatting would change the comments")
    return out, []
