"""Small analyses of target-formula IR used by the theory engine.

Input:  :class:`~mlc.compiler.ir.Expr` trees (target formulas), the input dimension d.
Output: plain-text renderings, index substitution, constant folding, affine forms (w, c) with f = w.x + c,
        and sound interval ranges of a formula over a box.
Role:   the shared vocabulary of ``norms`` (rule matching) and ``catalog`` (hypothesis checks such as
        "f* takes values in [0, 1]"). Everything works on the IR; no text is ever parsed or evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlc.compiler import ir


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


def expr_text(e: ir.Expr, parent_prec: int = 0) -> str:
    """Render an Expr in the DSL's own surface syntax (1-based ``x[i]``)."""
    if isinstance(e, ir.Num):
        return _fmt_num(e.value)
    if isinstance(e, ir.InputVar):
        return "x"
    if isinstance(e, ir.IndexVar):
        return e.name
    if isinstance(e, ir.Component):
        return f"x[{expr_text(e.index)}]"
    if isinstance(e, ir.Vector):
        return "[" + ", ".join(_fmt_num(v) for v in e.values) + "]"
    if isinstance(e, ir.Neg):
        s = "-" + expr_text(e.arg, 3)
        return f"({s})" if parent_prec >= 3 else s
    if isinstance(e, ir.Binary):
        p = _PREC[e.op]
        right_prec = p + 1 if e.op in "-/" else p
        left_prec = p + 1 if e.op == "^" else p
        sep = "^" if e.op == "^" else f" {e.op} "
        s = f"{expr_text(e.left, left_prec)}{sep}{expr_text(e.right, right_prec)}"
        return f"({s})" if p < parent_prec else s
    if isinstance(e, ir.Call):
        return f"{e.fn}(" + ", ".join(expr_text(a) for a in e.args) + ")"
    if isinstance(e, ir.Norm):
        order = "inf" if math.isinf(e.p) else _fmt_num(e.p)
        return f"norm({expr_text(e.arg)})" if e.p == 2 else f"norm({expr_text(e.arg)}, {order})"
    if isinstance(e, ir.Dot):
        return f"dot({expr_text(e.left)}, {expr_text(e.right)})"
    if isinstance(e, ir.Sum):
        return f"sum({e.var} in {e.lo}..{e.hi}, {expr_text(e.body)})"
    raise TypeError(f"unknown node {type(e).__name__}")


# ----------------------------------------------------------------------------------------------
# Substitution and constants
# ----------------------------------------------------------------------------------------------


def substitute(e: ir.Expr, name: str, value: int) -> ir.Expr:
    """Replace the index variable ``name`` by the integer ``value`` (inner Sums that rebind it shadow it)."""
    if isinstance(e, ir.IndexVar):
        return ir.Num(value=float(value)) if e.name == name else e
    if isinstance(e, (ir.Num, ir.InputVar, ir.Vector)):
        return e
    if isinstance(e, ir.Component):
        return ir.Component(index=substitute(e.index, name, value))
    if isinstance(e, ir.Neg):
        return ir.Neg(arg=substitute(e.arg, name, value))
    if isinstance(e, ir.Binary):
        return ir.Binary(op=e.op, left=substitute(e.left, name, value), right=substitute(e.right, name, value))
    if isinstance(e, ir.Call):
        return ir.Call(fn=e.fn, args=tuple(substitute(a, name, value) for a in e.args))
    if isinstance(e, ir.Norm):
        return ir.Norm(arg=substitute(e.arg, name, value), p=e.p)
    if isinstance(e, ir.Dot):
        return ir.Dot(left=substitute(e.left, name, value), right=substitute(e.right, name, value))
    if isinstance(e, ir.Sum):
        if e.var == name:
            return e
        return ir.Sum(var=e.var, lo=e.lo, hi=e.hi, body=substitute(e.body, name, value))
    raise TypeError(f"unknown node {type(e).__name__}")


def expand_sum(e: ir.Sum) -> list[ir.Expr]:
    """The terms of a ``sum(i in lo..hi, body)`` with i substituted."""
    return [substitute(e.body, e.var, i) for i in range(e.lo, e.hi + 1)]


_UNARY: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tanh": math.tanh,
    "sqrt": math.sqrt, "abs": abs, "relu": lambda v: max(v, 0.0),
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
}


def const_value(e: ir.Expr) -> float | None:
    """The value of an x-free scalar subtree, or None if it depends on x (or is a vector / undefined)."""
    try:
        if isinstance(e, ir.Num):
            return e.value
        if isinstance(e, (ir.InputVar, ir.IndexVar, ir.Component, ir.Vector, ir.Norm, ir.Dot)):
            return None
        if isinstance(e, ir.Neg):
            v = const_value(e.arg)
            return None if v is None else -v
        if isinstance(e, ir.Binary):
            a, b = const_value(e.left), const_value(e.right)
            if a is None or b is None:
                return None
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            if e.op == "*":
                return a * b
            if e.op == "/":
                return a / b
            return float(a ** b)
        if isinstance(e, ir.Call):
            maybe = [const_value(a) for a in e.args]
            vals = [v for v in maybe if v is not None]
            if len(vals) < len(maybe):
                return None
            if e.fn == "min":
                return min(vals)
            if e.fn == "max":
                return max(vals)
            return float(_UNARY[e.fn](vals[0]))
        if isinstance(e, ir.Sum):
            terms = [const_value(t) for t in expand_sum(e)]
            known = [v for v in terms if v is not None]
            return None if len(known) < len(terms) else float(sum(known))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return None


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


def affine_form(e: ir.Expr, d: int) -> tuple[np.ndarray, float]:
    """(w, c) with e(x) = w.x + c, or raise :class:`NotAffine`. Vectors are indexed from 0 here."""
    c = const_value(e)
    if c is not None:
        return np.zeros(d), float(c)
    if isinstance(e, ir.Component):
        i = const_value(e.index)
        if i is None or not float(i).is_integer() or not 1 <= int(i) <= d:
            raise NotAffine
        w = np.zeros(d)
        w[int(i) - 1] = 1.0
        return w, 0.0
    if isinstance(e, ir.Neg):
        w, c0 = affine_form(e.arg, d)
        return -w, -c0
    if isinstance(e, ir.Binary):
        if e.op in "+-":
            w1, c1 = affine_form(e.left, d)
            w2, c2 = affine_form(e.right, d)
            return (w1 + w2, c1 + c2) if e.op == "+" else (w1 - w2, c1 - c2)
        if e.op == "*":
            k = const_value(e.left)
            if k is not None:
                w, c0 = affine_form(e.right, d)
                return k * w, k * c0
            k = const_value(e.right)
            if k is not None:
                w, c0 = affine_form(e.left, d)
                return k * w, k * c0
        if e.op == "/":
            k = const_value(e.right)
            if k is not None and k != 0:
                w, c0 = affine_form(e.left, d)
                return w / k, c0 / k
        raise NotAffine
    if isinstance(e, ir.Dot):
        u, v = _vector_form(e.left, d), _vector_form(e.right, d)
        if isinstance(u, str) and not isinstance(v, str):
            vec = v
        elif isinstance(v, str) and not isinstance(u, str):
            vec = u
        else:
            raise NotAffine
        if vec.shape[0] != d:
            raise NotAffine
        return vec.astype(float).copy(), 0.0
    if isinstance(e, ir.Sum):
        w, c0 = np.zeros(d), 0.0
        for t in expand_sum(e):
            wt, ct = affine_form(t, d)
            w, c0 = w + wt, c0 + ct
        return w, c0
    raise NotAffine


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


def _mono(f, iv: Interval) -> Interval:  # type: ignore[no-untyped-def]
    try:
        return Interval(f(iv.lo), f(iv.hi))
    except (OverflowError, ValueError):
        return _ALL


def _exp(v: float) -> float:
    if v > 700:
        return math.inf
    return math.exp(v)


def _trig(fn: str, iv: Interval) -> Interval:
    if not (math.isfinite(iv.lo) and math.isfinite(iv.hi)) or iv.hi - iv.lo >= 2 * math.pi:
        return Interval(-1.0, 1.0)
    f = math.sin if fn == "sin" else math.cos
    vals = [f(iv.lo), f(iv.hi)]
    shift = 0.0 if fn == "cos" else math.pi / 2  # extrema of sin at pi/2 + k pi, of cos at k pi
    k0 = math.ceil((iv.lo - shift) / math.pi)
    k = k0
    while shift + k * math.pi <= iv.hi:
        vals.append(f(shift + k * math.pi))
        k += 1
    return Interval(min(vals), max(vals))


def interval_range(e: ir.Expr, d: int, radius: float = 1.0) -> Interval:
    """A sound enclosure of e(x) over ||x||_inf <= radius (the box [-radius, radius]^d).

    It may be loose (dependency problem of interval arithmetic) but never too small. Vector-valued nodes
    are handled inside norm/dot only.
    """
    c = const_value(e)
    if c is not None:
        return Interval(c, c)
    aff = try_affine(e, d)
    if aff is not None:
        w, c0 = aff
        r = float(np.abs(w).sum()) * radius
        return Interval(c0 - r, c0 + r)
    if isinstance(e, ir.Neg):
        return -interval_range(e.arg, d, radius)
    if isinstance(e, ir.Binary):
        a = interval_range(e.left, d, radius)
        if e.op == "^":
            k = const_value(e.right)
            if k is not None and float(k).is_integer() and k >= 0:
                n = int(k)
                if n % 2 == 0:
                    lo = 0.0 if a.contains_zero() else min(abs(a.lo), abs(a.hi)) ** n
                    return Interval(lo, max(abs(a.lo), abs(a.hi)) ** n)
                return Interval(a.lo ** n, a.hi ** n)
            return _ALL
        b = interval_range(e.right, d, radius)
        if e.op == "+":
            return a + b
        if e.op == "-":
            return a + (-b)
        if e.op == "*":
            return a * b
        if e.op == "/":
            if b.contains_zero():
                return _ALL
            return a * Interval(min(1 / b.lo, 1 / b.hi), max(1 / b.lo, 1 / b.hi))
    if isinstance(e, ir.Call):
        args = [interval_range(a, d, radius) for a in e.args]
        a = args[0]
        if e.fn == "min":
            return Interval(min(x.lo for x in args), min(x.hi for x in args))
        if e.fn == "max":
            return Interval(max(x.lo for x in args), max(x.hi for x in args))
        if e.fn == "exp":
            return _mono(_exp, a)
        if e.fn == "tanh":
            return _mono(math.tanh, a)
        if e.fn == "sigmoid":
            return Interval(_sigmoid(a.lo), _sigmoid(a.hi))
        if e.fn == "relu":
            return Interval(max(a.lo, 0.0), max(a.hi, 0.0))
        if e.fn == "abs":
            lo = 0.0 if a.contains_zero() else min(abs(a.lo), abs(a.hi))
            return Interval(lo, max(abs(a.lo), abs(a.hi)))
        if e.fn in ("sin", "cos"):
            return _trig(e.fn, a)
        if e.fn == "log":
            if a.lo <= 0:
                return _ALL
            return _mono(math.log, a)
        if e.fn == "sqrt":
            if a.lo < 0:
                return _ALL
            return _mono(math.sqrt, a)
    if isinstance(e, ir.Norm) and isinstance(e.arg, ir.InputVar):
        if e.p == 2:
            return Interval(0.0, radius * math.sqrt(d))
        if e.p == 1:
            return Interval(0.0, radius * d)
        return Interval(0.0, radius)
    if isinstance(e, ir.Dot) and isinstance(e.left, ir.InputVar) and isinstance(e.right, ir.InputVar):
        return Interval(0.0, d * radius * radius)
    if isinstance(e, ir.Sum):
        total = Interval(0.0, 0.0)
        for t in expand_sum(e):
            total = total + interval_range(t, d, radius)
        return total
    return _ALL


def _sigmoid(v: float) -> float:
    if v == -math.inf:
        return 0.0
    if v == math.inf:
        return 1.0
    if v < -700:
        return 0.0
    return 1.0 / (1.0 + math.exp(-v))
