"""The target-expression IR: a small closed expression language in the input vector x, and how to walk it.

Input:  nothing (this module defines data and the walking protocol).
Output: the node classes (:class:`Num` ... :class:`Sum`), the discriminated union :data:`Expr`,
        :data:`EXPR_NODES` (the node classes, derived from the union), :meth:`ExprNode.children`,
        :meth:`ExprNode.map_children`, :func:`walk` and the :class:`ExprVisitor` base class.
Role:   the single description of the shape of a target formula. Every pass over a formula (checking,
        rendering, folding, affine forms, intervals, norm rules, torch lowering) either recurses through
        ``children()`` / ``map_children()`` (when all nodes are treated alike) or is an
        :class:`ExprVisitor` with one ``visit_<Node>`` method per node type (when they are not), so adding a
        node type is a change that every pass is forced to answer at import time.

The nodes are re-exported by ``mlc.compiler.ir`` (``ir.Num``, ``ir.Expr``...), which is the IR's namespace.
``x[i]`` is 1-based, as in papers.
"""


import operator
from typing import Annotated, Any, Callable, ClassVar, Generic, Iterator, Literal, TypeVar, Union, get_args

from pydantic import BaseModel, ConfigDict, Field

from mlc.compiler.functions import FunctionName


class ExprNode(BaseModel):
    """Base of the expression nodes: immutable, no unknown fields, and a structural walk.

    ``child_fields`` names the fields that hold sub-expressions (a field may hold one node or a tuple of
    nodes); every other field is data of the node itself (a number, an operator, a bound variable's name).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    child_fields: ClassVar[tuple[str, ...]] = ()

    def children(self) -> tuple["Expr", ...]:
        """The direct sub-expressions, in field order."""
        out: list[Expr] = []
        for name in self.child_fields:
            value = getattr(self, name)
            out.extend(value if isinstance(value, tuple) else (value,))
        return tuple(out)

    def map_children(self, fn: Callable[["Expr"], "Expr"]) -> "ExprNode":
        """The same node with ``fn`` applied to each direct sub-expression (self if it has none)."""
        if not self.child_fields:
            return self
        update: dict[str, Any] = {}
        for name in self.child_fields:
            value = getattr(self, name)
            update[name] = tuple(fn(c) for c in value) if isinstance(value, tuple) else fn(value)
        # A copy with new children: ``fn`` returns nodes, so there is nothing to validate again.
        return self.model_copy(update=update)


class Num(ExprNode):
    node: Literal["num"] = "num"
    value: float


class InputVar(ExprNode):
    """The whole input vector x (a vector of length d)."""

    node: Literal["x"] = "x"


class IndexVar(ExprNode):
    """A summation index bound by an enclosing :class:`Sum`."""

    node: Literal["index_var"] = "index_var"
    name: str


class Component(ExprNode):
    """``x[i]``: coordinate i (1-based) of the input. ``index`` is an integer-valued expression."""

    child_fields = ("index",)
    node: Literal["component"] = "component"
    index: "Expr"


class Vector(ExprNode):
    """A constant vector, e.g. ``[1, -1, 0.5]``, used in dot products."""

    node: Literal["vector"] = "vector"
    values: tuple[float, ...]


class Neg(ExprNode):
    child_fields = ("arg",)
    node: Literal["neg"] = "neg"
    arg: "Expr"


BinaryOp = Literal["+", "-", "*", "/", "^"]

ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": operator.pow}
"""Each binary operator as the plain arithmetic of Python's operators, which floats, torch tensors and sympy
expressions share; the passes that add checks (division by zero, integer indices, intervals) write their own."""


class Binary(ExprNode):
    child_fields = ("left", "right")
    node: Literal["binary"] = "binary"
    op: BinaryOp
    left: "Expr"
    right: "Expr"


class Call(ExprNode):
    """``fn(args...)``: one of the target functions of ``mlc.compiler.functions`` (its arity is checked there)."""

    child_fields = ("args",)
    node: Literal["call"] = "call"
    fn: FunctionName
    args: tuple["Expr", ...]


class Norm(ExprNode):
    """``norm(v, p)``: the p-norm of a vector expression, p in {1, 2, inf}."""

    child_fields = ("arg",)
    node: Literal["norm"] = "norm"
    arg: "Expr"
    p: float = 2.0


class Dot(ExprNode):
    """``dot(u, v)``: inner product of two vector expressions (x, a constant vector, or x scaled)."""

    child_fields = ("left", "right")
    node: Literal["dot"] = "dot"
    left: "Expr"
    right: "Expr"


class Sum(ExprNode):
    """``sum(i in lo..hi, body)``: a sum over an inclusive integer range."""

    child_fields = ("body",)
    node: Literal["sum"] = "sum"
    var: str
    lo: int
    hi: int
    body: "Expr"


Expr = Annotated[
    Union[Num, InputVar, IndexVar, Component, Vector, Neg, Binary, Call, Norm, Dot, Sum],
    Field(discriminator="node"),
]

EXPR_NODES: tuple[type[ExprNode], ...] = get_args(get_args(Expr)[0])
"""Every node class, read off the :data:`Expr` union (the one list of node types)."""

for _cls in EXPR_NODES:
    _cls.model_rebuild()


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr``, parents before children (depth first, left to right)."""
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


R = TypeVar("R")


class ExprVisitor(Generic[R]):
    """A pass over expressions that treats node types differently: ``visit(node, *args)`` calls
    ``visit_<NodeClass>(node, *args)`` (cf. SymPy's ``_print_<Node>``).

    A subclass must define a ``visit_`` method for every class of :data:`EXPR_NODES` (several may share one
    function, ``visit_Norm = visit_Dot = _no_rule``); a missing one is a TypeError when the class is defined,
    so a new node type cannot be silently ignored by any pass.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [n.__name__ for n in EXPR_NODES if not callable(getattr(cls, "visit_" + n.__name__, None))]
        if missing:
            raise TypeError(f"{cls.__qualname__} does not handle the expression nodes {', '.join(missing)}")

    def visit(self, node: Expr, *args: Any) -> R:
        """Dispatch on the node's class."""
        method: Callable[..., R] = getattr(self, _METHODS[type(node)])
        return method(node, *args)


_METHODS: dict[type, str] = {cls: "visit_" + cls.__name__ for cls in EXPR_NODES}
