"""Random target-expression IR (hypothesis strategies) and an exact sympy evaluator of it, for the tests of
the expression walk and the function table (the sympy column of ``mlc.compiler.functions``)."""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from hypothesis import strategies as st

from mlc.compiler import ir
from mlc.compiler.functions import FUNCTIONS

D = 3
X = ir.InputVar()

_consts = st.sampled_from([0.0, 1.0, 2.0, -1.5, 0.5, 3.0, 0.25])


def _num(v: float) -> ir.Num:
    return ir.Num(value=float(v))


def _vectors() -> st.SearchStrategy[ir.Expr]:
    """Vector expressions of length D: x, a constant vector, and scalar multiples / sums of them."""
    const_vec = st.tuples(*[_consts] * D).map(lambda vs: ir.Vector(values=vs))
    base = st.one_of(st.just(X), const_vec)
    return st.one_of(
        base,
        st.tuples(_consts, base).map(lambda t: ir.Binary(op="*", left=_num(t[0]), right=t[1])),
        st.tuples(base, base).map(lambda t: ir.Binary(op="+", left=t[0], right=t[1])),
    )


def _leaves(index_var: str | None) -> st.SearchStrategy[ir.Expr]:
    index = st.integers(1, D).map(_num)
    if index_var is not None:  # x[i] and x[D + 1 - i] inside sum(i in 1..D, ...)
        index = st.one_of(index, st.just(ir.IndexVar(name=index_var)),
                          st.just(ir.Binary(op="-", left=_num(D + 1), right=ir.IndexVar(name=index_var))))
    leaves = [_consts.map(_num), index.map(lambda i: ir.Component(index=i)),
              st.tuples(_vectors(), st.sampled_from([1.0, 2.0, math.inf])).map(lambda t: ir.Norm(arg=t[0], p=t[1])),
              st.tuples(_vectors(), _vectors()).map(lambda t: ir.Dot(left=t[0], right=t[1]))]
    if index_var is not None:
        leaves.append(st.just(ir.IndexVar(name=index_var)))
    return st.one_of(*leaves)


def _extend(children: st.SearchStrategy[ir.Expr]) -> st.SearchStrategy[ir.Expr]:
    unary = [f for f in FUNCTIONS.values() if f.arity == 1]
    nary = [f for f in FUNCTIONS.values() if f.arity is None]
    return st.one_of(
        children.map(lambda a: ir.Neg(arg=a)),
        st.tuples(st.sampled_from("+-*/"), children, children).map(
            lambda t: ir.Binary(op=t[0], left=t[1], right=t[2])),
        st.tuples(children, st.sampled_from([2.0, 3.0])).map(lambda t: ir.Binary(op="^", left=t[0], right=_num(t[1]))),
        st.tuples(st.sampled_from(unary), children).map(lambda t: ir.Call(fn=t[0].name, args=(t[1],))),
        st.tuples(st.sampled_from(nary), st.lists(children, min_size=2, max_size=3)).map(
            lambda t: ir.Call(fn=t[0].name, args=tuple(t[1]))),
    )


def scalar_exprs(max_leaves: int = 12) -> st.SearchStrategy[ir.Expr]:
    """Well-formed scalar target expressions in x (dimension D), with every node type."""
    inner = st.recursive(_leaves("i"), _extend, max_leaves=max_leaves // 2)
    sums = inner.map(lambda body: ir.Sum(var="i", lo=1, hi=D, body=body))
    return st.recursive(st.one_of(_leaves(None), sums), _extend, max_leaves=max_leaves)


class ToSympy(ir.ExprVisitor[Any]):
    """The exact value of an expression at the point ``x`` (sympy numbers; vectors are lists)."""

    def __init__(self, x: list[float]) -> None:
        self.x = [sp.Rational(v) for v in x]

    def visit_Num(self, e: ir.Num, env: dict[str, int]) -> Any:
        return sp.Rational(e.value)

    def visit_InputVar(self, e: ir.InputVar, env: dict[str, int]) -> Any:
        return list(self.x)

    def visit_IndexVar(self, e: ir.IndexVar, env: dict[str, int]) -> Any:
        return sp.Integer(env[e.name])

    def visit_Component(self, e: ir.Component, env: dict[str, int]) -> Any:
        return self.x[int(self.visit(e.index, env)) - 1]

    def visit_Vector(self, e: ir.Vector, env: dict[str, int]) -> Any:
        return [sp.Rational(v) for v in e.values]

    def visit_Neg(self, e: ir.Neg, env: dict[str, int]) -> Any:
        v = self.visit(e.arg, env)
        return [-c for c in v] if isinstance(v, list) else -v

    def visit_Binary(self, e: ir.Binary, env: dict[str, int]) -> Any:
        a, b = self.visit(e.left, env), self.visit(e.right, env)
        op = {"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q,
              "/": lambda p, q: p / q, "^": lambda p, q: p ** q}[e.op]
        if isinstance(a, list) and isinstance(b, list):
            return [op(p, q) for p, q in zip(a, b)]
        if isinstance(a, list):
            return [op(p, b) for p in a]
        if isinstance(b, list):
            return [op(a, q) for q in b]
        return op(a, b)

    def visit_Call(self, e: ir.Call, env: dict[str, int]) -> Any:
        return FUNCTIONS[e.fn].sympy(sp, *(self.visit(a, env) for a in e.args))

    def visit_Norm(self, e: ir.Norm, env: dict[str, int]) -> Any:
        v = self.visit(e.arg, env)
        if e.p == 1:
            return sum((sp.Abs(c) for c in v), sp.Integer(0))
        if e.p == 2:
            return sp.sqrt(sum((c * c for c in v), sp.Integer(0)))
        return sp.Max(*(sp.Abs(c) for c in v))

    def visit_Dot(self, e: ir.Dot, env: dict[str, int]) -> Any:
        return sum((p * q for p, q in zip(self.visit(e.left, env), self.visit(e.right, env))), sp.Integer(0))

    def visit_Sum(self, e: ir.Sum, env: dict[str, int]) -> Any:
        return sum((self.visit(e.body, {**env, e.var: i}) for i in range(e.lo, e.hi + 1)), sp.Integer(0))


def sympy_value(e: ir.Expr, x: list[float]) -> complex | None:
    """The value of ``e`` at ``x`` to 30 digits, or None where sympy finds it undefined or infinite."""
    try:
        v = sp.N(ToSympy(x).visit(e, {}), 30)
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    if v.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        return None
    try:
        return complex(v)
    except TypeError:
        return None
