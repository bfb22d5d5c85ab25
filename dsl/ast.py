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
import sys
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any, TypeVar, Union

from lark.ast_utils import AsList as _AsList
from lark.ast_utils import Ast as _Ast
from lark.ast_utils import WithMeta as _WithMeta

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 (typing_extensions comes with pydantic)
    from typing_extensions import dataclass_transform

from mlc.dsl.diagnostics import Span

_FIELDS: dict[type, tuple[str, ...]] = {}
_INITS: dict[type, tuple[tuple[str, ...], dict[str, Any], tuple[frozenset[str], ...]]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _init_spec(cls: type) -> tuple[tuple[str, ...], dict[str, Any], tuple[frozenset[str], ...]]:
    """The field names of ``cls`` in order, the defaults of those that have one, and for each count k of
    positional arguments the set of the other fields (what the keywords of a complete call are); built at the
    first instance."""
    spec = _INITS.get(cls)
    if spec is None:
        names = _field_names(cls)
        defaults = {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}
        spec = _INITS[cls] = (names, defaults, tuple(frozenset(names[k:]) for k in range(len(names) + 1)))
    return spec


_N = TypeVar("_N", bound=type)


@dataclass_transform(eq_default=False, frozen_default=True)
def _node(cls: _N) -> _N:
    """``@dataclass(frozen=True, eq=False, repr=False)`` for a node class, with no code generated for it.

    Why: a frozen dataclass generates and compiles ``__init__``, ``__setattr__`` and ``__delattr__`` per class at
    import; for this module's 51 classes that was ~70 M instructions of every ``mlc check`` and ``mlc fmt`` (a
    quarter of this module's import). The class stays a dataclass (``dataclasses.fields``, ``replace`` and
    ``is_dataclass`` work on it, the fields, their order and defaults are the dataclass's own) and inherits those
    three methods from :class:`_Value`, written once and behaving as the generated ones: positional or keyword
    arguments in field order with the defaults, TypeError on a missing, unknown or repeated one, and
    ``FrozenInstanceError`` on any assignment or deletion. ``tests/test_parser.py`` compares them with a real frozen
    dataclass.
    """
    if cls.__dict__.get("__doc__") is None:  # what dataclass would write, without its call of inspect.signature
        cls.__doc__ = f"{cls.__name__}({', '.join(cls.__dict__.get('__annotations__', {}))})"
    return dataclass(init=False, eq=False, repr=False)(cls)  # type: ignore[return-value]


class _Value:
    """The constructor, immutability, equality, hash and repr of a frozen dataclass, written once for every node
    class (see :func:`_node`).

    Why: ``@dataclass(frozen=True)`` generates and compiles six methods per class at import, and this module's
    classes were the largest part of the front end's import time after pydantic (``mlc fmt`` and ``mlc check``
    pay it on every call). These behave exactly as the generated ones do: equal when of the same class with
    equal fields (in field order), the hash of the tuple of the fields, ``Name(id='x', span=...)``.
    """

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names, defaults, rest = _INITS.get(type(self)) or _init_spec(type(self))
        if len(args) <= len(names) and kwargs.keys() == rest[len(args)]:  # every field given once, no default
            values = self.__dict__  # what the generated ``object.__setattr__`` calls store, in field order
            values.update(zip(names, args))
            for name in names[len(args):]:
                values[name] = kwargs[name]
            return
        if len(args) > len(names):
            least = len(names) - len(defaults) + 1
            takes = f"from {least} to {len(names) + 1}" if defaults else f"{len(names) + 1}"
            raise TypeError(f"{type(self).__qualname__}.__init__() takes {takes} positional arguments "
                            f"but {len(args) + 1} were given")
        values = dict(zip(names, args))
        missing = []
        for name in names[len(args):]:
            if name in kwargs:
                values[name] = kwargs.pop(name)
            elif name in defaults:
                values[name] = defaults[name]
            else:
                missing.append(name)
        for name in kwargs:
            if name in names:
                raise TypeError(f"{type(self).__qualname__}.__init__() got multiple values for argument {name!r}")
            raise TypeError(f"{type(self).__qualname__}.__init__() got an unexpected keyword argument {name!r}")
        if missing:
            quoted = [repr(m) for m in missing]
            listed = (quoted[0] if len(quoted) == 1 else " and ".join(quoted) if len(quoted) == 2
                      else ", ".join(quoted[:-1]) + ", and " + quoted[-1])  # as Python words it
            raise TypeError(f"{type(self).__qualname__}.__init__() missing {len(missing)} required positional "
                            f"argument{'s' if len(missing) > 1 else ''}: {listed}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

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


@_node
class Ident(_Value):
    """A name as written, with its span (statement names, keys, metric names...)."""

    name: str
    span: Span


# ---------------------------------------------------------------------------- expressions


@_node
class Number(_Value):
    value: float
    text: str
    span: Span


@_node
class Name(_Value):
    id: str
    span: Span


@_node
class StringLit(_Value):
    """A string, `"data.npz"` (``value`` without the quotes): the language's one use is a file's path."""

    value: str
    span: Span


@_node
class KwArg(_Node):
    key: Ident
    value: "Value"
    span: Span


@_node
class Bind(_Node):
    """``i in lo..hi`` inside ``sum(...)``."""

    var: Ident
    lo: "Expr"
    hi: "Expr"
    span: Span


@_node
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


@_node
class BinOp(_Value):
    op: str  # + - * / ^ (``spelling`` keeps ** when the user wrote it)
    left: "Expr"
    right: "Expr"
    span: Span
    spelling: str = ""


@_node
class UnaryOp(_Value):
    op: str  # - or +
    operand: "Expr"
    span: Span


@_node
class Compare(_Value):
    op: str  # < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span


@_node
class Index(_Node):
    base: "Expr"
    index: "Expr"
    span: Span


@_node
class VectorLit(_ListNode):
    items: tuple["Expr", ...]
    span: Span


@_node
class Paren(_Node):
    expr: "Expr"
    span: Span


Expr = Union[Number, Name, Call, BinOp, UnaryOp, Compare, Index, VectorLit, Paren, StringLit]
Arg = Union[Expr, KwArg, Bind]


@_node
class RangeLit(_Node):
    """``lo..hi``: an inclusive integer range (sweeps, seeds)."""

    lo: Expr
    hi: Expr
    span: Span


@_node
class Every(_Value):
    """``every N: metric, metric``: what to record during training and how often; with ``at``,
    ``at POINTS: metric, metric`` (``interval`` then holds the points: a list or a spaced grid)."""

    interval: Expr
    metrics: tuple[Ident, ...]
    span: Span
    at: bool = False


Value = Union[Expr, RangeLit, Every]


# ---------------------------------------------------------------------------- block items


@_node
class Setting(_Node):
    key: Ident
    value: Value
    span: Span


@_node
class Until(_Node):
    condition: Expr
    span: Span


BlockItem = Union[Setting, Until]


@_node
class Block(_ListNode):
    items: tuple[BlockItem, ...]
    span: Span


# ---------------------------------------------------------------------------- statements


@_node
class ProblemStmt(_Node):
    name: Ident
    span: Span


@_node
class LetStmt(_Node):
    name: Ident
    value: Value
    span: Span


@_node
class InputStmt(_Node):
    var: Ident
    distribution: Expr
    span: Span


@_node
class Teacher(_Node):
    call: Call
    span: Span


@_node
class TargetStmt(_Value):
    name: Ident
    star: bool
    param: Ident | None
    rhs: Union[Expr, Teacher]
    span: Span


@_node
class SpaceStmt(_Node):
    space: Expr
    span: Span


@_node
class DataStmt(_Node):
    block: Block
    span: Span


@_node
class ModelCall(_Node):
    """Faithful: ``model NAME = family(args)``, the call as written."""

    name: Ident
    call: Call
    span: Span


@_node
class ModelBlock(_Node):
    """Faithful: ``model NAME = family { ... }`` or ``model family { ... }`` (then ``name`` is None)."""

    name: Ident | None
    family: Ident
    block: Block
    span: Span


@_node
class ModelStmt(_Value):
    """Desugared: any of the three model forms, as the checker reads it (built by :mod:`mlc.dsl.desugar`)."""

    name: Ident  # the family's name when none is written
    family: Ident
    settings: tuple[Setting, ...]
    form: str  # "call" | "named_block" | "block"
    span: Span
    positional: tuple[Expr, ...] = ()  # positional call arguments (always an error; kept to report it)


@_node
class TrainStmt(_Node):
    model: Ident | None
    block: Block
    span: Span


@_node
class SweepStmt(_Node):
    mode: Ident | None  # zip | product
    model: Ident | None  # `sweep net { ... }`: the sweep sets only that model's settings
    block: Block
    span: Span


@_node
class ReportBounds(_Node):
    span: Span


@_node
class ReportRates(_ListNode):
    axes: tuple[Ident, ...]
    span: Span


@_node
class ReportPlot(_Node):
    y: Ident
    x: Ident
    span: Span


@_node
class Mark(_Node):
    axis: Ident
    value: Expr
    span: Span


@_node
class ReportMark(_ListNode):
    marks: tuple[Mark, ...]
    span: Span


ReportItem = Union[ReportBounds, ReportRates, ReportPlot, ReportMark, Setting]


@_node
class ReportStmt(_ListNode):
    items: tuple[ReportItem, ...]
    span: Span


# ---------------------------------------------------------------------------- claims


@_node
class TolerancePercent(_Node):
    """``within 10%``: a relative tolerance, in percent."""

    percent: Number
    span: Span


@_node
class ToleranceSteps(_Node):
    """``within 1 step``: a tolerance in steps of the swept grid."""

    steps: Number
    word: Ident  # `step` or `steps` as written (a name: the checker rejects any other word)
    span: Span


Tolerance = Union[TolerancePercent, ToleranceSteps]


@_node
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


@_node
class ClaimSlope(_Value):
    """``slope of METRIC over AXIS <= NUMBER [for MODEL]``: the log-log slope of the metric over the axis."""

    metric: Ident
    axis: Ident
    op: str  # < <= > >=
    value: Expr
    model: Ident | None
    span: Span


@_node
class ClaimInsensitive(_Node):
    """``METRIC insensitive to AXIS within 5% [for MODEL]``: the metric's relative spread over the axis is small
    (for one model of the spec only, with ``for``)."""

    metric: Ident
    axis: Ident
    percent: Number
    model: Ident | None
    span: Span


@_node
class ClaimRobust(_Node):
    """``METRIC more robust with AXIS = BETTER than WORSE``: over the grid of the other swept axes, more of the
    grid is within x of the best for the form ``AXIS = BETTER`` than for ``AXIS = WORSE`` (a categorical axis)."""

    metric: Ident
    axis: Ident
    better: Ident
    worse: Ident
    span: Span


@_node
class ClaimOrder(_Node):
    """``order of METRIC convergence is increasing [below EXPR]``: a per-frequency recorded metric falls below
    the threshold first at the low frequencies (``increasing``: in order of increasing frequency)."""

    metric: Ident
    direction: Ident
    below: Expr | None
    span: Span


@_node
class Condition(_Node):
    """``AXIS = EXPR`` in a claim's ``at ...``."""

    axis: Ident
    value: Expr
    span: Span


@_node
class ClaimCompare(_Value):
    """``METRIC < EXPR [at AXIS = EXPR and ...]``: the metric compared with a number, at the given sweep
    values (at every sweep point without ``at``)."""

    metric: Ident
    op: str  # < <= > >=
    value: Expr
    conditions: tuple[Condition, ...]
    span: Span


@_node
class ClaimRegime(_Value):
    """``regime of METRIC is spikes [at AXIS = EXPR and ...]``: the regime read off the recorded curve (Adam's
    spikes, small_oscillation, large_oscillation), at the given sweep values (at every sweep point without)."""

    metric: Ident
    regime: Ident
    conditions: tuple[Condition, ...]
    span: Span


@_node
class ClaimRate(_Value):
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


@_node
class ClaimRateInsensitive(_Node):
    """``slope of METRIC over step insensitive to AXIS within P% [from step EXPR] [for MODEL]``: the rate of a
    recorded curve is about the same at every value of the axis."""

    metric: Ident
    axis: Ident
    percent: Number
    start: Expr | None
    model: Ident | None
    span: Span


@_node
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


@_node
class ClaimsStmt(_ListNode):
    """``claims { ... }``: what the results should show, checked after training."""

    items: tuple[Claim, ...]
    span: Span


Statement = Union[
    ProblemStmt, LetStmt, InputStmt, TargetStmt, SpaceStmt, DataStmt, ModelCall, ModelBlock, ModelStmt,
    TrainStmt, SweepStmt, ReportStmt, ClaimsStmt,
]
"""A statement of either tree: the faithful one has ModelCall/ModelBlock, the desugared one ModelStmt."""


@_node
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
