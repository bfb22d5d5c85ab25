"""The abstract syntax tree of a spec, every node carrying its source span.

Input:  nothing (data model only); built by :mod:`mlc.dsl.parser`.
Output: frozen dataclasses: expressions (:class:`Number`, :class:`Name`, :class:`Call`, ...), block items
        (:class:`Setting`, :class:`Until`), statements (:class:`ProblemStmt` ... :class:`ReportStmt`)
        and the root :class:`Spec`.
Role:   a faithful, position-aware picture of what the user wrote. No meaning is attached here: the
        checker (``mlc.compiler.check``) decides what a name or a call means. The formatter prints this
        tree back; ``Paren`` nodes and the spelling of ``^``/``**`` are kept so that printing is faithful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from mlc.dsl.diagnostics import Span


@dataclass(frozen=True)
class Ident:
    """A name as written, with its span (statement names, keys, metric names...)."""

    name: str
    span: Span


# ---------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Number:
    value: float
    text: str
    span: Span


@dataclass(frozen=True)
class Name:
    id: str
    span: Span


@dataclass(frozen=True)
class KwArg:
    key: Ident
    value: "Value"
    span: Span


@dataclass(frozen=True)
class Bind:
    """``i in lo..hi`` inside ``sum(...)``."""

    var: Ident
    lo: "Expr"
    hi: "Expr"
    span: Span


@dataclass(frozen=True)
class Call:
    func: Ident
    args: tuple["Arg", ...]
    span: Span

    @property
    def positional(self) -> list["Expr"]:
        return [a for a in self.args if not isinstance(a, (KwArg, Bind))]

    @property
    def keywords(self) -> list[KwArg]:
        return [a for a in self.args if isinstance(a, KwArg)]


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ^ (``spelling`` keeps ** when the user wrote it)
    left: "Expr"
    right: "Expr"
    span: Span
    spelling: str = ""


@dataclass(frozen=True)
class UnaryOp:
    op: str  # - or +
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class Compare:
    op: str  # < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class Index:
    base: "Expr"
    index: "Expr"
    span: Span


@dataclass(frozen=True)
class VectorLit:
    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class Paren:
    expr: "Expr"
    span: Span


Expr = Union[Number, Name, Call, BinOp, UnaryOp, Compare, Index, VectorLit, Paren]
Arg = Union[Expr, KwArg, Bind]


@dataclass(frozen=True)
class RangeLit:
    """``lo..hi``: an inclusive integer range (sweeps, seeds)."""

    lo: Expr
    hi: Expr
    span: Span


@dataclass(frozen=True)
class Every:
    """``every N: metric, metric``: what to record during training and how often."""

    interval: Expr
    metrics: tuple[Ident, ...]
    span: Span


Value = Union[Expr, RangeLit, Every]


# ---------------------------------------------------------------------------- block items


@dataclass(frozen=True)
class Setting:
    key: Ident
    value: Value
    span: Span


@dataclass(frozen=True)
class Until:
    condition: Expr
    span: Span


BlockItem = Union[Setting, Until]


@dataclass(frozen=True)
class Block:
    items: tuple[BlockItem, ...]
    span: Span


# ---------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class ProblemStmt:
    name: Ident
    span: Span


@dataclass(frozen=True)
class LetStmt:
    name: Ident
    value: Value
    span: Span


@dataclass(frozen=True)
class InputStmt:
    var: Ident
    distribution: Expr
    span: Span


@dataclass(frozen=True)
class Teacher:
    call: Call
    span: Span


@dataclass(frozen=True)
class TargetStmt:
    name: Ident
    star: bool
    param: Ident | None
    rhs: Union[Expr, Teacher]
    span: Span


@dataclass(frozen=True)
class SpaceStmt:
    space: Expr
    span: Span


@dataclass(frozen=True)
class DataStmt:
    block: Block
    span: Span


@dataclass(frozen=True)
class ModelStmt:
    """``model NAME = family(k = v, ...)``, ``model NAME = family { ... }`` or ``model family { ... }``."""

    name: Ident
    family: Ident
    settings: tuple[Setting, ...]
    form: str  # "call" | "named_block" | "block"
    span: Span
    positional: tuple[Expr, ...] = ()  # positional call arguments (always an error; kept to report it)


@dataclass(frozen=True)
class TrainStmt:
    model: Ident | None
    block: Block
    span: Span


@dataclass(frozen=True)
class SweepStmt:
    mode: Ident | None  # zip | product
    block: Block
    span: Span


@dataclass(frozen=True)
class ReportBounds:
    span: Span


@dataclass(frozen=True)
class ReportRates:
    axes: tuple[Ident, ...]
    span: Span


@dataclass(frozen=True)
class ReportPlot:
    y: Ident
    x: Ident
    span: Span


@dataclass(frozen=True)
class Mark:
    axis: Ident
    value: Expr
    span: Span


@dataclass(frozen=True)
class ReportMark:
    marks: tuple[Mark, ...]
    span: Span


ReportItem = Union[ReportBounds, ReportRates, ReportPlot, ReportMark, Setting]


@dataclass(frozen=True)
class ReportStmt:
    items: tuple[ReportItem, ...]
    span: Span


Statement = Union[
    ProblemStmt, LetStmt, InputStmt, TargetStmt, SpaceStmt, DataStmt, ModelStmt, TrainStmt,
    SweepStmt, ReportStmt,
]


@dataclass(frozen=True)
class Comment:
    text: str  # including the leading '#'
    span: Span


@dataclass
class Spec:
    """The root: the statements of one file, its comments, and the text they came from."""

    statements: list[Statement]
    comments: list[Comment] = field(default_factory=list)
    path: str = "<string>"
    source: str = ""
