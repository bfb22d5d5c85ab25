"""Where comments and blank lines go: a faithful spec -> the comments attached to each printed unit.

Input:  a parsed, faithful :class:`~mlc.dsl.ast.Spec` (statements with spans, comments with spans, source).
Output: a :class:`Layout`: for each statement and block item (by identity) its :class:`Notes` (comments
        above it, after it, on the ``{`` line, before the ``}``), the comments after the last statement,
        and where the source had blank lines.
Role:   the comment rules of ``mlc fmt``: a comment alone on its line goes above the statement or item
        that follows it, a comment after code stays after that statement or item; a comment inside a block
        forces the block onto several lines. Every comment is attached to exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from mlc.dsl import ast
from mlc.dsl.diagnostics import Span


@dataclass
class Notes:
    """Comments attached to one printed unit (a statement or a block item)."""

    leading: list[ast.Comment] = field(default_factory=list)
    header: list[ast.Comment] = field(default_factory=list)  # on the `{` line of a block statement
    trailing: list[ast.Comment] = field(default_factory=list)
    closing: list[ast.Comment] = field(default_factory=list)  # inside a block, after its last item
    forced_multiline: bool = False


def block_items(stmt: Any) -> tuple[Any, ...] | None:
    """The items of a statement's block, or None for a statement without one."""
    if isinstance(stmt, (ast.DataStmt, ast.TrainStmt, ast.SweepStmt, ast.ModelBlock)):
        return stmt.block.items
    if isinstance(stmt, (ast.ReportStmt, ast.ClaimsStmt)):
        return stmt.items
    return None


def _open_brace(text: str, stmt: Any) -> int:
    """Offset of the block's `{` (the first one of the statement outside comments)."""
    if isinstance(stmt, (ast.DataStmt, ast.TrainStmt, ast.SweepStmt, ast.ModelBlock)):
        return stmt.block.span.start
    span: Span = stmt.span
    i = span.start
    while i < span.end:
        ch = text[i]
        if ch == "#":
            while i < span.end and text[i] != "\n":
                i += 1
        elif ch == "{":
            return i
        i += 1
    return span.start


class Layout:
    """Attach every comment of the source to a unit, and remember where the source had blank lines."""

    def __init__(self, spec: ast.Spec):
        self.text = spec.source
        self.notes: dict[int, Notes] = {}
        self.end_comments: list[ast.Comment] = []
        statements = sorted(spec.statements, key=lambda s: s.span.start)
        for comment in spec.comments:
            self._attach(comment, statements)

    def of(self, node: Any) -> Notes:
        return self.notes.setdefault(id(node), Notes())

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
        items = block_items(owner)
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
