"""Small analyses of target-formula IR used by the theory engine.

Input:  :class:`~mlc.compiler.ir.Expr` trees (target formulas), the input dimension d.
Output: plain-text renderings, affine forms (w, c) with f = w.x + c, and sound interval ranges of a formula
        over a box (constant folding and index substitution are ``mlc.compiler.fold``).
Role:   the shared vocabulary of ``norms`` (rule matching) and ``catalog`` (hypothesis checks such as
        "f* takes values in [0, 1]"). Everything works on the IR; no text is ever parsed or evaluated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlc.compiler import ir
from mlc.compiler.expr import ExprVisitor
from mlc.compiler.fold import const_value, expand_sum
from mlc.compiler.functions import FUNCTIONS


class NotAffine(Exception):
    """Raised internally when a subtree is not an affine function of x."""


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}


def _fmt_num(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:g}"


class _Text(ExprVisitor[str]):
    """The DSL surface syntax of an expression; ``parent_prec`` decides the parentheses."""

    def visit_Num(self, e: ir.Num, parent_prec: int) -> str:
        return _fmt_num(e.value)

    def visit_InputVar(self, e: ir.InputVar, parent_prec: int) -> str:
        return "x"

    def visit_IndexVar(self, e: ir.IndexVar, parent_prec: int) -> str:
        return e.name

    def visit_Component(self, e: ir.Component, parent_prec: int) -> str:
        return f"x[{self.visit(e.index, 0)}]"

    def visit_Vector(self, e: ir.Vector, parent_prec: int) -> str:
        return "[" + ", ".join(_fmt_num(v) for v in e.values) + "]"

    def visit_Neg(self, e: ir.Neg, parent_prec: int) -> str:
        s = "-" + self.visit(e.arg, 3)
        return f"({s})" if parent_prec >= 3 else s

    def visit_Binary(self, e: ir.Binary, parent_prec: int) -> str:
        p = _PREC[e.op]
        right_prec = p + 1 if e.op in "-/" else p
        left_prec = p + 1 if e.op == "^" else p
        sep = "^" if e.op == "^" else f" {e.op} "
        s = f"{self.visit(e.left, left_prec)}{sep}{self.visit(e.right, right_prec)}"
        return f"({s})" if p < parent_prec else s

    def visit_Call(self, e: ir.Call, parent_prec: int) -> str:
        return f"{e.fn}(" + ", ".join(self.visit(a, 0) for a in e.args) + ")"

    def visit_Norm(self, e: ir.Norm, parent_prec: int) -> str:
        p = "inf" if math.isinf(e.p) else _fmt_num(e.p)
        arg = self.visit(e.arg, 0)
        return f"norm({arg})" if e.p == 2 else f"norm({arg}, {p})"

    def visit_Dot(self, e: ir.Dot, parent_prec: int) -> str:
        return f"dot({self.visit(e.left, 0)}, {self.visit(e.right, 0)})"

    def visit_Sum(self, e: ir.Sum, parent_prec: int) -> str:
        return f"sum({e.var} in {e.lo}..{e.hi}, {self.visit(e.body, 0)})"


_TEXT = _Text()


def expr_text(e: ir.Expr, parent_prec: int = 0) -> str:
    """Render an Expr in the DSL's own surface syntax (1-based ``x[i]``)."""
    return _TEXT.visit(e, parent_prec)


# ----------------------------------------------------------------------------------------------
# Affine forms
# ----------------------------------------------------------------------------------------------


def _vector_form(e: ir.Expr, d: int) -> np.ndarray | str:
    """A vector-valued subtree: 'x' for the input itself, or a constant numpy vector."""
    if isinstance(e, ir.InputVar):
        return "x"
    if isinstance(e, ir.Vector):
        return np.asarray(e.values, dtype=float)
    raise NotAffine


class _Affine(ExprVisitor["tuple[np.ndarray, float]"]):
    """(w, c) with e(x) = w.x + c for the subtrees that are not constants; raises NotAffine otherwise."""

    def __init__(self, d: int) -> None:
        self.d = d

    def form(self, e: ir.Expr) -> tuple[np.ndarray, float]:
        c = const_value(e)
        if c is not None:
            return np.zeros(self.d), float(c)
        return self.visit(e)

    def _not_affine(self, e: ir.Expr) -> tuple[np.ndarray, float]:
        raise NotAffine

    # Constants were taken by ``form``; what is left of these is x-dependent and not affine.
    visit_Num = visit_InputVar = visit_IndexVar = visit_Vector = visit_Call = visit_Norm = _not_affine

    def visit_Component(self, e: ir.Component) -> tuple[np.ndarray, float]:
        i = const_value(e.index)
        if i is None or not float(i).is_integer() or not 1 <= int(i) <= self.d:
            raise NotAffine
        w = np.zeros(self.d)
        w[int(i) - 1] = 1.0
        return w, 0.0

    def visit_Neg(self, e: ir.Neg) -> tuple[np.ndarray, float]:
        w, c0 = self.form(e.arg)
        return -w, -c0

    def visit_Binary(self, e: ir.Binary) -> tuple[np.ndarray, float]:
        if e.op in "+-":
            w1, c1 = self.form(e.left)
            w2, c2 = self.form(e.right)
            return (w1 + w2, c1 + c2) if e.op == "+" else (w1 - w2, c1 - c2)
        if e.op == "*":
            k = const_value(e.left)
            if k is not None:
                w, c0 = self.form(e.right)
                return k * w, k * c0
            k = const_value(e.right)
            if k is not None:
                w, c0 = self.form(e.left)
                return k * w, k * c0
        if e.op == "/":
            k = const_value(e.right)
            if k is not None and k != 0:
                w, c0 = self.form(e.left)
                return w / k, c0 / k
        raise NotAffine

    def visit_Dot(self, e: ir.Dot) -> tuple[np.ndarray, float]:
        u, v = _vector_form(e.left, self.d), _vector_form(e.right, self.d)
        if isinstance(u, str) and not isinstance(v, str):
            vec = v
        elif isinstance(v, str) and not isinstance(u, str):
            vec = u
        else:
            raise NotAffine
        if vec.shape[0] != self.d:
            raise NotAffine
        return vec.astype(float).copy(), 0.0

    def visit_Sum(self, e: ir.Sum) -> tuple[np.ndarray, float]:
        w, c0 = np.zeros(self.d), 0.0
        for t in expand_sum(e):
            wt, ct = self.form(t)
            w, c0 = w + wt, c0 + ct
        return w, c0


def affine_form(e: ir.Expr, d: int) -> tuple[np.ndarray, float]:
    """(w, c) with e(x) = w.x + c, or raise :class:`NotAffine`. Vectors are indexed from 0 here."""
    return _Affine(d).form(e)


def try_affine(e: ir.Expr, d: int) -> tuple[np.ndarray, float] | None:
    """:func:`affine_form` that returns None instead of raising."""
    try:
        return affine_form(e, d)
    except NotAffine:
        return None


# ----------------------------------------------------------------------------------------------
# Interval arithmetic: a sound range of a formula over the box ||x||_inf <= R
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] (possibly infinite)."""

    lo: float
    hi: float

    def __add__(self, o: "Interval") -> "Interval":
        return Interval(self.lo + o.lo, self.hi + o.hi)

    def __neg__(self) -> "Interval":
        return Interval(-self.hi, -self.lo)

    def __mul__(self, o: "Interval") -> "Interval":
        ps = [_safe_mul(a, b) for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        return Interval(min(ps), max(ps))

    def contains_zero(self) -> bool:
        return self.lo <= 0.0 <= self.hi


def _safe_mul(a: float, b: float) -> float:
    if (a == 0 and math.isinf(b)) or (b == 0 and math.isinf(a)):
        return 0.0
    return a * b


_ALL = Interval(-math.inf, math.inf)


class _Range(ExprVisitor[Interval]):
    """The enclosure of the subtrees that are neither constant nor affine (see :func:`interval_range`)."""

    def __init__(self, d: int, radius: float) -> None:
        self.d = d
        self.radius = radius

    def range(self, e: ir.Expr) -> Interval:
        c = const_value(e)
        if c is not None:
            return Interval(c, c)
        aff = try_affine(e, self.d)
        if aff is not None:
            w, c0 = aff
            r = float(np.abs(w).sum()) * self.radius
            return Interval(c0 - r, c0 + r)
        return self.visit(e)

    def _unknown(self, e: ir.Expr) -> Interval:
        return _ALL

    # Scalars here are constants or affine (taken by ``range``); vectors only make sense inside norm/dot.
    visit_Num = visit_InputVar = visit_IndexVar = visit_Component = visit_Vector = _unknown

    def visit_Neg(self, e: ir.Neg) -> Interval:
        return -self.range(e.arg)

    def visit_Binary(self, e: ir.Binary) -> Interval:
        a = self.range(e.left)
        if e.op == "^":
            k = const_value(e.right)
            if k is not None and float(k).is_integer() and k >= 0:
                n = int(k)
                if n % 2 == 0:
                    lo = 0.0 if a.contains_zero() else min(abs(a.lo), abs(a.hi)) ** n
                    return Interval(lo, max(abs(a.lo), abs(a.hi)) ** n)
                return Interval(a.lo ** n, a.hi ** n)
            return _ALL
        b = self.range(e.right)
        if e.op == "+":
            return a + b
        if e.op == "-":
            return a + (-b)
        if e.op == "*":
            return a * b
        if b.contains_zero():
            return _ALL
        return a * Interval(min(1 / b.lo, 1 / b.hi), max(1 / b.lo, 1 / b.hi))

    def visit_Call(self, e: ir.Call) -> Interval:
        lo, hi = FUNCTIONS[e.fn].interval([(r.lo, r.hi) for r in (self.range(a) for a in e.args)])
        return Interval(lo, hi)

    def visit_Norm(self, e: ir.Norm) -> Interval:
        if not isinstance(e.arg, ir.InputVar):
            return _ALL
        if e.p == 2:
            return Interval(0.0, self.radius * math.sqrt(self.d))
        if e.p == 1:
            return Interval(0.0, self.radius * self.d)
        return Interval(0.0, self.radius)

    def visit_Dot(self, e: ir.Dot) -> Interval:
        if isinstance(e.left, ir.InputVar) and isinstance(e.right, ir.InputVar):
            return Interval(0.0, self.d * self.radius * self.radius)
        return _ALL

    def visit_Sum(self, e: ir.Sum) -> Interval:
        total = Interval(0.0, 0.0)
        for t in expand_sum(e):
            total = total + self.range(t)
        return total


def interval_range(e: ir.Expr, d: int, radius: float = 1.0) -> Interval:
    """A sound enclosure of e(x) over ||x||_inf <= radius (the box [-radius, radius]^d).

    It may be loose (dependency problem of interval arithmetic) but never too small. Vector-valued nodes
    are handled inside norm/dot only.
    """
    return _Range(d, radius).range(e)
