"""What the language server knows about one open document: diagnostics, positions, the node under the cursor,
symbols and definitions. No editor protocol here (pure functions, tested without pygls).

Input:  the text of a spec as the editor holds it (unsaved changes included) and its path.
Output: an :class:`Analysis` (the compile outcome of :func:`mlc.compiler.pipeline.compile_text`, the faithful
        AST), and from it :class:`Problem` records (the diagnostics ``mlc check`` prints, with 0-based ranges),
        :class:`Symbol` trees (problem, lets, models, trains, sweeps, ...), the node at a position
        (:func:`node_at`) and the definition of a name (:func:`definition`).
Role:   the editor's view of the front end: the same checker, the same messages and codes as the command line,
        so an underlined typo and ``mlc check`` never disagree. Imports no torch.

Positions: mlc's spans are 1-based lines and columns counting characters (code points), lines split at ``\\n``;
a :class:`TextRange` is 0-based and counts code points too; :func:`to_client` and :func:`from_client` convert a
column to and from the editor's units (UTF-16 by default in the protocol, UTF-8 or UTF-32 when negotiated).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterator

from mlc.compiler.pipeline import CompileOutcome, compile_text
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, Span
from mlc.dsl.source import SourceError, decode_source


@dataclass(frozen=True)
class TextRange:
    """A 0-based range, columns in code points, end exclusive."""

    start_line: int
    start_char: int
    end_line: int
    end_char: int


def span_range(span: Span | None) -> TextRange:
    """The 0-based range of an mlc span (None: the start of the file)."""
    if span is None:
        return TextRange(0, 0, 0, 0)
    start = (max(span.line - 1, 0), max(span.column - 1, 0))
    end = max(start, (max(span.end_line - 1, 0), max(span.end_column - 1, 0)))
    return TextRange(start[0], start[1], end[0], end[1])


def _units(char: str, encoding: str) -> int:
    point = ord(char)
    if encoding == "utf-8":
        return 1 if point < 0x80 else 2 if point < 0x800 else 3 if point < 0x10000 else 4
    if encoding == "utf-32":
        return 1
    return 2 if point > 0xFFFF else 1  # utf-16, the protocol's default


def to_client(line_text: str, char: int, encoding: str = "utf-16") -> int:
    """Column ``char`` (code points) of ``line_text`` in the editor's units."""
    return sum(_units(c, encoding) for c in line_text[:char]) + max(0, char - len(line_text))


def from_client(line_text: str, units: int, encoding: str = "utf-16") -> int:
    """The code-point column of a column in the editor's units (a column inside a character: that character)."""
    count = 0
    for index, c in enumerate(line_text):
        if count >= units:
            return index
        count += _units(c, encoding)
    return len(line_text) + max(0, units - count)


# ----------------------------------------------------------------------------------------------
# Diagnostics
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One diagnostic as the editor shows it: the checker's message with its notes and help, code, severity."""

    range: TextRange
    severity: str  # "error" | "warning"
    code: str
    message: str


def problem_text(diagnostic: Diagnostic) -> str:
    """The message, then its notes and its help, each on a line of its own (as ``mlc check`` prints them)."""
    lines = [diagnostic.message]
    lines += [f"note: {note}" for note in diagnostic.notes]
    if diagnostic.help:
        lines.append(f"help: {diagnostic.help}")
    return "\n".join(lines)


def problems(outcome: CompileOutcome) -> list[Problem]:
    """The outcome's diagnostics, sorted by position."""
    ordered = sorted(outcome.diagnostics, key=lambda d: ((d.span.line, d.span.column) if d.span else (0, 0), d.code))
    return [Problem(span_range(d.span), d.severity, d.code, problem_text(d)) for d in ordered]


# ----------------------------------------------------------------------------------------------
# The analysis of a document
# ----------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """One version of a document, compiled. ``cache`` holds what hovers computed from it (the theory report)."""

    text: str
    path: str
    outcome: CompileOutcome
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def syntax(self) -> ast.Spec | None:
        """The faithful AST (partial when there are syntax errors; None when the text could not be read)."""
        return self.outcome.syntax

    @property
    def lines(self) -> list[str]:
        """The text's lines as mlc counts them (split at ``\\n``; a ``\\r`` before it stays on the line)."""
        return self.text.split("\n")

    @property
    def problems(self) -> list[Problem]:
        return problems(self.outcome)


def analyse(text: str, path: str = "<editor>") -> Analysis:
    """Validate and compile ``text`` as ``mlc check`` does a file (size, NUL bytes, then every stage)."""
    try:
        source = decode_source(path, text.encode("utf-8", errors="surrogatepass"))
    except SourceError as exc:
        outcome = CompileOutcome(path=path, source=text)
        if exc.diagnostic is not None:
            outcome.diagnostics.append(exc.diagnostic)
        return Analysis(text, path, outcome)
    return Analysis(text, path, compile_text(source.text, path))


# ----------------------------------------------------------------------------------------------
# Walking the faithful tree
# ----------------------------------------------------------------------------------------------


def children(node: Any) -> Iterator[Any]:
    """The AST nodes directly inside ``node`` (every dataclass field that holds a node with a span)."""
    if isinstance(node, ast.Spec):
        yield from node.statements
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if dataclasses.is_dataclass(item) and not isinstance(item, (Span, type)) and hasattr(item, "span"):
                yield item


def walk(node: Any, ancestors: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every node under ``node`` (itself excluded when it is the Spec) with its ancestors, outermost first."""
    if not isinstance(node, ast.Spec):
        yield node, ancestors
        ancestors = (*ancestors, node)
    for child in children(node):
        yield from walk(child, ancestors)


def contains(span: Span, line: int, column: int) -> bool:
    """Whether 1-based (line, column) lies in ``span`` or just after it (a cursor at the end of a word)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def node_at(spec: ast.Spec, line: int, char: int) -> tuple[Any, tuple[Any, ...]] | None:
    """The innermost node at 0-based (line, char), with its ancestors (outermost first); None outside every
    statement."""
    found: tuple[Any, tuple[Any, ...]] | None = None
    for node, ancestors in walk(spec):
        if contains(node.span, line + 1, char + 1) and (found is None or len(ancestors) >= len(found[1])):
            found = (node, ancestors)
    return found


# ----------------------------------------------------------------------------------------------
# Symbols and definitions
# ----------------------------------------------------------------------------------------------


@dataclass
class Symbol:
    """One entry of the document outline: ``kind`` is the protocol's SymbolKind name (``Class``, ...)."""

    name: str
    kind: str
    detail: str
    range: TextRange
    selection: TextRange
    children: list["Symbol"] = field(default_factory=list)


def _settings(block: ast.Block) -> list[Symbol]:
    return [Symbol(item.key.name, "Field", "", span_range(item.span), span_range(item.key.span))
            for item in block.items if isinstance(item, ast.Setting)]


def _symbol(stmt: ast.Statement) -> Symbol | None:
    whole = span_range(stmt.span)
    if isinstance(stmt, ast.ProblemStmt):
        return Symbol(stmt.name.name, "Namespace", "problem", whole, span_range(stmt.name.span))
    if isinstance(stmt, ast.LetStmt):
        return Symbol(stmt.name.name, "Constant", "let", whole, span_range(stmt.name.span))
    if isinstance(stmt, ast.InputStmt):
        return Symbol(stmt.var.name, "Variable", "input", whole, span_range(stmt.var.span))
    if isinstance(stmt, ast.TargetStmt):
        return Symbol(stmt.name.name + ("*" if stmt.star else ""), "Function", "target", whole,
                      span_range(stmt.name.span))
    if isinstance(stmt, ast.SpaceStmt):
        return Symbol("space", "Struct", "", whole, whole)
    if isinstance(stmt, ast.DataStmt):
        return Symbol("data", "Struct", "", whole, whole, _settings(stmt.block))
    if isinstance(stmt, ast.ModelCall):
        kids = [Symbol(k.key.name, "Field", "", span_range(k.span), span_range(k.key.span)) for k in stmt.call.keywords]
        return Symbol(stmt.name.name, "Class", f"model {stmt.call.func.name}", whole, span_range(stmt.name.span), kids)
    if isinstance(stmt, ast.ModelBlock):
        name = stmt.name if stmt.name is not None else stmt.family
        return Symbol(name.name, "Class", f"model {stmt.family.name}", whole, span_range(name.span),
                      _settings(stmt.block))
    if isinstance(stmt, ast.TrainStmt):
        label = f"train {stmt.model.name}" if stmt.model is not None else "train"
        selection = span_range(stmt.model.span) if stmt.model is not None else whole
        return Symbol(label, "Method", "", whole, selection, _settings(stmt.block))
    if isinstance(stmt, ast.SweepStmt):
        label = f"sweep {stmt.mode.name}" if stmt.mode is not None else "sweep"
        return Symbol(label, "Array", "", whole, whole, _settings(stmt.block))
    if isinstance(stmt, ast.ReportStmt):
        return Symbol("report", "Object", "", whole, whole)
    if isinstance(stmt, ast.ClaimsStmt):
        return Symbol("claims", "Object", f"{len(stmt.items)} claim(s)", whole, whole)
    return None


def document_symbols(spec: ast.Spec | None) -> list[Symbol]:
    """The outline: one symbol per statement, the settings of blocks as children."""
    if spec is None:
        return []
    return [s for s in (_symbol(stmt) for stmt in spec.statements) if s is not None]


def declarations(spec: ast.Spec) -> dict[str, ast.Ident]:
    """The names a spec declares and where: ``let`` constants, the input variable and the models."""
    found: dict[str, ast.Ident] = {}
    for stmt in spec.statements:
        if isinstance(stmt, ast.LetStmt):
            found.setdefault(stmt.name.name, stmt.name)
        elif isinstance(stmt, ast.InputStmt):
            found.setdefault(stmt.var.name, stmt.var)
        elif isinstance(stmt, ast.ModelCall):
            found.setdefault(stmt.name.name, stmt.name)
        elif isinstance(stmt, ast.ModelBlock):
            found.setdefault((stmt.name or stmt.family).name, stmt.name or stmt.family)
    return found


def referenced_name(node: Any, ancestors: tuple[Any, ...]) -> str | None:
    """The name a node refers to when it may refer to a declaration: a name in an expression, the model of a
    ``train`` block, a sweep key (a ``let`` constant it sweeps)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Ident) and ancestors:
        parent = ancestors[-1]
        if isinstance(parent, ast.TrainStmt) and parent.model is node:
            return node.name
        if isinstance(parent, ast.Setting) and parent.key is node and len(ancestors) >= 2 \
                and isinstance(ancestors[0], ast.SweepStmt):
            return node.name
    return None


def definition(analysis: Analysis, line: int, char: int) -> TextRange | None:
    """Where the name at 0-based (line, char) is declared (a ``let``, the input variable, a model), if it is."""
    spec = analysis.syntax
    if spec is None:
        return None
    hit = node_at(spec, line, char)
    if hit is None:
        return None
    name = referenced_name(*hit)
    declared = declarations(spec).get(name) if name is not None else None
    return span_range(declared.span) if declared is not None else None
