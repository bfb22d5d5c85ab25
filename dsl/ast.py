"""The abstract syntax tree of a spec, every node carrying its source span.

Input:  nothing (data model only); built by :mod:`mlc.dsl.build` (called by :mod:`mlc.dsl.parser`) and
        rewritten by :mod:`mlc.dsl.desugar`.
Output: frozen dataclasses: expressions (:class:`Number`, :class:`Name`, :class:`Call`, ...), block items
        (:class:`Setting`, :class:`Until`), statements (:class:`ProblemStmt` ... :class:`ReportStmt`)
        and the root :class:`Spec`.
Role:   two pictures of a spec share these classes.

* The *faithful* tree (what :func:`mlc.dsl.parser.parse` returns) is what the user wrote: a model
  statement is a :class:`ModelCall` or a :class:`ModelBlock` holding the call or block as written, every
  argument and block item included. ``Paren`` nodes and the spelling of ``^``/``**`` are kept. The
  formatter prints this tree.
* The *desugared* tree (what :func:`mlc.dsl.desugar.desugar` returns, and the checker reads) replaces the
  two model forms by one :class:`ModelStmt` and resolves the language's sugar (see that module).

No meaning is attached here: the checker (``mlc.compiler.check``) decides what a name or a call means.

The classes that derive from ``_Ast`` are built one-to-one from a grammar rule of the same name in
snake case (``KwArg`` from ``kw_arg``): their fields are the rule's children in order, then the span.
Lark's ``ast_utils.create_transformer`` generates their builders (see :mod:`mlc.dsl.build`); ``_AsList``
marks the classes whose one field is the tuple of all the children.
"""

from __future__ import annotations

import dataclasses
import reprlib
from dataclasses import dataclass, field
from typing import Any, Union

from lark.ast_utils import AsList as _AsList
from lark.ast_utils import Ast as _Ast
from lark.ast_utils import WithMeta as _WithMeta

from mlc.dsl.diagnostics import Span

_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class _Value:
    """The equality, hash and repr of a frozen dataclass, written once for every node class.

    Why: ``@dataclass(frozen=True)`` generates and compiles six methods per class at import, and this module's
    48 classes were the largest part of the front end's import time after pydantic (``mlc fmt`` and ``mlc
    check`` pay it on every call). The node classes are ``@dataclass(frozen=True, eq=False, repr=False)`` and
    inherit these three, which behave exactly as the generated ones do: equal when of the same class with equal
    fields (in field order), the hash of the tuple of the fields, ``Name(id='x', span=...)``.
    """

    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in _field_names(type(self))])

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        parts = []
        for name in _field_names(type(self)):  # a loop, not a generator: one frame per level, as generated
            parts.append(f"{name}={getattr(self, name)!r}")
        return f"{self.__class__.__qualname__}({', '.join(parts)})"


class _Node(_Value, _Ast, _WithMeta):
    """Built one-to-one from the grammar rule named like the class (children in order, then the span)."""


class _ListNode(_Value, _Ast, _AsList, _WithMeta):
    """Built from the grammar rule named like the class, its children as one tuple (then the span)."""


@dataclass(frozen=True, eq=False, repr=False)
class Ident(_Value):
    """A name as written, with its span (statement names, keys, metric names...)."""

    name: str
    span: Span


# ---------------------------------------------------------------------------- expressions


@dataclass(frozen=True, eq=False, repr=False)
class Number(_Value):
    value: float
    text: str
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Name(_Value):
    id: str
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class StringLit(_Value):
    """A string, `"data.npz"` (``value`` without the quotes): the language's one use is a file's path."""

    value: str
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class KwArg(_Node):
    key: Ident
    value: "Value"
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Bind(_Node):
    """``i in lo..hi`` inside ``sum(...)``."""

    var: Ident
    lo: "Expr"
    hi: "Expr"
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Call(_Value):
    func: Ident
    args: tuple["Arg", ...]
    span: Span

    @property
    def positional(self) -> list["Expr"]:
        return [a for a in self.args if not isinstance(a, (KwArg, Bind))]

    @property
    def keywords(self) -> list[KwArg]:
        return [a for a in self.args if isinstance(a, KwArg)]


@dataclass(frozen=True, eq=False, repr=False)
class BinOp(_Value):
    op: str  # + - * / ^ (``spelling`` keeps ** when the user wrote it)
    left: "Expr"
    right: "Expr"
    span: Span
    spelling: str = ""


@dataclass(frozen=True, eq=False, repr=False)
class UnaryOp(_Value):
    op: str  # - or +
    operand: "Expr"
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Compare(_Value):
    op: str  # < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Index(_Node):
    base: "Expr"
    index: "Expr"
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class VectorLit(_ListNode):
    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Paren(_Node):
    expr: "Expr"
    span: Span


Expr = Union[Number, Name, Call, BinOp, UnaryOp, Compare, Index, VectorLit, Paren, StringLit]
Arg = Union[Expr, KwArg, Bind]


@dataclass(frozen=True, eq=False, repr=False)
class RangeLit(_Node):
    """``lo..hi``: an inclusive integer range (sweeps, seeds)."""

    lo: Expr
    hi: Expr
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Every(_Value):
    """``every N: metric, metric``: what to record during training and how often; with ``at``,
    ``at POINTS: metric, metric`` (``interval`` then holds the points: a list or a spaced grid)."""

    interval: Expr
    metrics: tuple[Ident, ...]
    span: Span
    at: bool = False


Value = Union[Expr, RangeLit, Every]


# ---------------------------------------------------------------------------- block items


@dataclass(frozen=True, eq=False, repr=False)
class Setting(_Node):
    key: Ident
    value: Value
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Until(_Node):
    condition: Expr
    span: Span


BlockItem = Union[Setting, Until]


@dataclass(frozen=True, eq=False, repr=False)
class Block(_ListNode):
    items: tuple[BlockItem, ...]
    span: Span


# ---------------------------------------------------------------------------- statements


@dataclass(frozen=True, eq=False, repr=False)
class ProblemStmt(_Node):
    name: Ident
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class LetStmt(_Node):
    name: Ident
    value: Value
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class InputStmt(_Node):
    var: Ident
    distribution: Expr
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Teacher(_Node):
    call: Call
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class TargetStmt(_Value):
    name: Ident
    star: bool
    param: Ident | None
    rhs: Union[Expr, Teacher]
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class SpaceStmt(_Node):
    space: Expr
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class DataStmt(_Node):
    block: Block
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ModelCall(_Node):
    """Faithful: ``model NAME = family(args)``, the call as written."""

    name: Ident
    call: Call
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ModelBlock(_Node):
    """Faithful: ``model NAME = family { ... }`` or ``model family { ... }`` (then ``name`` is None)."""

    name: Ident | None
    family: Ident
    block: Block
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ModelStmt(_Value):
    """Desugared: any of the three model forms, as the checker reads it (built by :mod:`mlc.dsl.desugar`)."""

    name: Ident  # the family's name when none is written
    family: Ident
    settings: tuple[Setting, ...]
    form: str  # "call" | "named_block" | "block"
    span: Span
    positional: tuple[Expr, ...] = ()  # positional call arguments (always an error; kept to report it)


@dataclass(frozen=True, eq=False, repr=False)
class TrainStmt(_Node):
    model: Ident | None
    block: Block
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class SweepStmt(_Node):
    mode: Ident | None  # zip | product
    model: Ident | None  # `sweep net { ... }`: the sweep sets only that model's settings
    block: Block
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ReportBounds(_Node):
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ReportRates(_ListNode):
    axes: tuple[Ident, ...]
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ReportPlot(_Node):
    y: Ident
    x: Ident
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Mark(_Node):
    axis: Ident
    value: Expr
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ReportMark(_ListNode):
    marks: tuple[Mark, ...]
    span: Span


ReportItem = Union[ReportBounds, ReportRates, ReportPlot, ReportMark, Setting]


@dataclass(frozen=True, eq=False, repr=False)
class ReportStmt(_ListNode):
    items: tuple[ReportItem, ...]
    span: Span


# ---------------------------------------------------------------------------- claims


@dataclass(frozen=True, eq=False, repr=False)
class TolerancePercent(_Node):
    """``within 10%``: a relative tolerance, in percent."""

    percent: Number
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ToleranceSteps(_Node):
    """``within 1 step``: a tolerance in steps of the swept grid."""

    steps: Number
    word: Ident  # `step` or `steps` as written (a name: the checker rejects any other word)
    span: Span


Tolerance = Union[TolerancePercent, ToleranceSteps]


@dataclass(frozen=True, eq=False, repr=False)
class ClaimPeak(_Node):
    """``peak of METRIC over AXIS at AXIS = EXPR [within TOL] [for MODEL]``: the metric is largest at that value
    (for one model of the spec only, with ``for``)."""

    metric: Ident
    axis: Ident
    at_axis: Ident
    value: Expr
    tolerance: Tolerance | None
    model: Ident | None
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ClaimSlope(_Value):
    """``slope of METRIC over AXIS <= NUMBER [for MODEL]``: the log-log slope of the metric over the axis."""

    metric: Ident
    axis: Ident
    op: str  # < <= > >=
    value: Expr
    model: Ident | None
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ClaimInsensitive(_Node):
    """``METRIC insensitive to AXIS within 5% [for MODEL]``: the metric's relative spread over the axis is small
    (for one model of the spec only, with ``for``)."""

    metric: Ident
    axis: Ident
    percent: Number
    model: Ident | None
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ClaimRobust(_Node):
    """``METRIC more robust with AXIS = BETTER than WORSE``: over the grid of the other swept axes, more of the
    grid is within x of the best for the form ``AXIS = BETTER`` than for ``AXIS = WORSE`` (a categorical axis)."""

    metric: Ident
    axis: Ident
    better: Ident
    worse: Ident
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ClaimOrder(_Node):
    """``order of METRIC convergence is increasing [below EXPR]``: a per-frequency recorded metric falls below
    the threshold first at the low frequencies (``increasing``: in order of increasing frequency)."""

    metric: Ident
    direction: Ident
    below: Expr | None
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class Condition(_Node):
    """``AXIS = EXPR`` in a claim's ``at ...``."""

    axis: Ident
    value: Expr
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ClaimCompare(_Value):
    """``METRIC < EXPR [at AXIS = EXPR and ...]``: the metric compared with a number, at the given sweep
    values (at every sweep point without ``at``)."""

    metric: Ident
    op: str  # < <= > >=
    value: Expr
    conditions: tuple[Condition, ...]
    span: Span


@dataclass(frozen=True, eq=False, repr=False)
class ClaimRegime(_Value):
    """``regime of METRIC is spikes [at AXIS = EXPR and ...]``: the regime read off the recorded curve (Adam's
    spikes, small_oscillation, large_oscillation), at the given sweep values (at every sweep point without)."""

    metric: Ident
    regime: Ident
    conditions: tuple[Condition, ...]
    span: Span


@dataclass(frozen=True)
class ClaimRate:
    """``slope of METRIC over step OP EXPR [from step EXPR] [at AXIS = EXPR and ...] [for MODEL]``: the rate of a
    recorded curve (its log-log slope over the training step, from that step on) compared with a number, at the
    given sweep values (at every sweep point without ``at``)."""

    metric: Ident
    op: str  # < <= > >=
    value: Expr
    start: Expr | None  # `from step EXPR`
    conditions: tuple[Condition, ...]
    model: Ident | None
    span: Span


@dataclass(frozen=True)
class ClaimRateInsensitive(_Node):
    """``slope of METRIC over step insensitive to AXIS within P% [from step EXPR] [for MODEL]``: the rate of a
    recorded curve is about the same at every value of the axis."""

    metric: Ident
    axis: Ident
    percent: Number
    start: Expr | None
    model: Ident | None
    span: Span


@dataclass(frozen=True)
class ClaimRateTrend(_Node):
    """``slope of METRIC over step increases with AXIS [from step EXPR] [for MODEL]`` (or ``decreases``): the rate
    of a recorded curve moves one way as the axis grows (``increases``: the decay gets shallower)."""

    metric: Ident
    trend: Ident  # `increases` or `decreases` (the grammar's TREND)
    axis: Ident
    start: Expr | None
    model: Ident | None
    span: Span


Claim = Union[ClaimPeak, ClaimSlope, ClaimInsensitive, ClaimRobust, ClaimOrder, ClaimCompare, ClaimRegime,
              ClaimRate, ClaimRateInsensitive, ClaimRateTrend]


@dataclass(frozen=True, eq=False, repr=False)
class ClaimsStmt(_ListNode):
    """``claims { ... }``: what the results should show, checked after training."""

    items: tuple[Claim, ...]
    span: Span


Statement = Union[
    ProblemStmt, LetStmt, InputStmt, TargetStmt, SpaceStmt, DataStmt, ModelCall, ModelBlock, ModelStmt,
    TrainStmt, SweepStmt, ReportStmt, ClaimsStmt,
]
"""A statement of either tree: the faithful one has ModelCall/ModelBlock, the desugared one ModelStmt."""


@dataclass(frozen=True, eq=False, repr=False)
class Comment(_Value):
    text: str  # including the leading '#'
    span: Span


@dataclass
class Spec:
    """The root: the statements of one file (faithful or desugared), its comments, and the text they came
    from."""

    statements: list[Statement]
    comments: list[Comment] = field(default_factory=list)
    path: str = "<string>"
    source: str = ""
