"""Formula (R): the Barron-norm bound of a C^2 ridge function g(w.x) (REFERENCE §4).

Input:  a target-formula :class:`~mlc.compiler.ir.Expr` and the input dimension d.
Output: a :class:`~mlc.compiler.theory.derivation.Derivation` (value and one derivation line), or
        :class:`~mlc.compiler.theory.derivation.NoRule` with the reason.
Role:   find the one direction w0 through which the formula depends on x, evaluate the profile g(u),
        u = ŵ.x with ||ŵ||_1 = 1, as second-order jets (g, g', g'') by forward mode (the per-function jets
        come from the function table, ``mlc.compiler.functions``) on a fixed Gauss–Legendre grid of [-1, 1],
        and return |g(0)| + 2|g'(0)| + ∫_{-1}^{1} |g''(t)|(1+|t|) dt.
"""

from __future__ import annotations

import numpy as np

from mlc.compiler import ir
from mlc.compiler.expr import ExprVisitor
from mlc.compiler.fold import const_value, expand_sum
from mlc.compiler.functions import FUNCTIONS, Jet
from mlc.compiler.theory.derivation import Derivation, NoRule, fmt, l1
from mlc.compiler.theory.exprs import expr_text, try_affine

# Gauss–Legendre nodes for the integral of (R): 400 panels of 6 nodes on each of [-1, 0] and [0, 1].
_GL_X, _GL_W = np.polynomial.legendre.leggauss(6)


def _quad_grid(panels: int = 400) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(-1.0, 1.0, 2 * panels + 1)
    lo, hi = edges[:-1], edges[1:]
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    t = (mid[:, None] + half[:, None] * _GL_X[None, :]).ravel()
    wts = (half[:, None] * _GL_W[None, :]).ravel()
    return t, wts


_T, _W = _quad_grid()
_U = np.concatenate([[0.0], _T])  # index 0 is u = 0


class _Ridge(ExprVisitor[Jet]):
    """Evaluate an Expr along a ridge u = ŵ.x as second-order jets (g, g', g'') on the grid _U."""

    def __init__(self, what: np.ndarray, d: int) -> None:
        self.what = what
        self.d = d

    def jet(self, e: ir.Expr) -> Jet:
        u = _U
        c = const_value(e)
        if c is not None:
            return np.full_like(u, c), np.zeros_like(u), np.zeros_like(u)
        aff = try_affine(e, self.d)
        if aff is not None:
            w, c0 = aff
            alpha = float(w @ self.what) / float(self.what @ self.what)
            return alpha * u + c0, np.full_like(u, alpha), np.zeros_like(u)
        return self.visit(e)

    def _not_ridge(self, e: ir.Expr) -> Jet:
        raise NoRule(f"{type(e).__name__} is not a ridge function")

    # Constants and affine maps were taken by ``jet``; vectors and norms are not ridge profiles.
    visit_Num = visit_InputVar = visit_IndexVar = visit_Component = visit_Vector = _not_ridge
    visit_Norm = visit_Dot = _not_ridge

    def visit_Neg(self, e: ir.Neg) -> Jet:
        f, f1, f2 = self.jet(e.arg)
        return -f, -f1, -f2

    def visit_Sum(self, e: ir.Sum) -> Jet:
        parts = [self.jet(t) for t in expand_sum(e)]
        return tuple(np.sum([p[k] for p in parts], axis=0) for k in range(3))

    def visit_Binary(self, e: ir.Binary) -> Jet:
        if e.op == "^":
            k = const_value(e.right)
            if k is None:
                raise NoRule("an x-dependent exponent")
            f, f1, f2 = self.jet(e.left)
            if not float(k).is_integer() and np.any(f <= 0):
                raise NoRule("a non-integer power of a function that reaches 0")
            p0 = f ** k
            p1 = k * f ** (k - 1) * f1 if k != 0 else np.zeros_like(f)
            p2 = (k * (k - 1) * f ** (k - 2) * f1 ** 2 if k not in (0, 1) else 0.0) + (
                k * f ** (k - 1) * f2 if k != 0 else 0.0)
            return p0, p1, np.asarray(p2) + np.zeros_like(f)
        f, f1, f2 = self.jet(e.left)
        g, g1, g2 = self.jet(e.right)
        if e.op == "+":
            return f + g, f1 + g1, f2 + g2
        if e.op == "-":
            return f - g, f1 - g1, f2 - g2
        if e.op == "*":
            return f * g, f1 * g + f * g1, f2 * g + 2 * f1 * g1 + f * g2
        if np.any(g == 0) or np.any(np.sign(g) != np.sign(g[0])):
            raise NoRule("a division by a function that vanishes on the domain")
        h, h1, h2 = 1 / g, -g1 / g ** 2, (2 * g1 ** 2 - g * g2) / g ** 3
        return f * h, f1 * h + f * h1, f2 * h + 2 * f1 * h1 + f * h2

    def visit_Call(self, e: ir.Call) -> Jet:
        out = FUNCTIONS[e.fn].jet(np, [self.jet(a) for a in e.args])
        if isinstance(out, str):
            raise NoRule(out)
        return out


class _Direction(ExprVisitor[bool]):
    """Collects the directions of the affine pieces; False where x enters other than through them."""

    def __init__(self, d: int) -> None:
        self.d = d
        self.found: list[np.ndarray] = []

    def walk(self, node: ir.Expr) -> bool:
        if const_value(node) is not None:
            return True
        aff = try_affine(node, self.d)
        if aff is not None:
            if l1(aff[0]) > 0:
                self.found.append(aff[0])
            return True
        return self.visit(node)

    def _opaque(self, node: ir.Expr) -> bool:
        return False

    visit_Num = visit_InputVar = visit_IndexVar = visit_Component = visit_Vector = _opaque
    visit_Norm = visit_Dot = _opaque

    def visit_Neg(self, node: ir.Neg) -> bool:
        return self.walk(node.arg)

    def visit_Binary(self, node: ir.Binary) -> bool:
        return self.walk(node.left) and self.walk(node.right)

    def visit_Call(self, node: ir.Call) -> bool:
        return all(self.walk(a) for a in node.args)

    def visit_Sum(self, node: ir.Sum) -> bool:
        return all(self.walk(t) for t in expand_sum(node))


def ridge_direction(e: ir.Expr, d: int) -> np.ndarray | None:
    """The common direction w0 of all affine pieces if e depends on x only through w0.x, else None."""
    walker = _Direction(d)
    if not walker.walk(e) or not walker.found:
        return None
    w0 = walker.found[0]
    for w in walker.found[1:]:
        # parallel check: w = alpha w0
        alpha = float(w @ w0) / float(w0 @ w0)
        if np.abs(w - alpha * w0).max() > 1e-12 * max(1.0, np.abs(w).max()):
            return None
    return w0


def ridge_bound(e: ir.Expr, d: int) -> Derivation:
    """Formula (R) for an expression that depends on x only through one linear form."""
    w0 = ridge_direction(e, d)
    if w0 is None:
        raise NoRule("not a ridge function g(w.x)")
    what = w0 / l1(w0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g, g1, g2 = _Ridge(what, d).jet(e)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(g1)) and np.all(np.isfinite(g2))):
        raise NoRule("the ridge profile is not finite/C^2 on [-1, 1]")
    integral = float(np.sum(np.abs(g2[1:]) * (1 + np.abs(_T)) * _W))
    value = abs(float(g[0])) + 2 * abs(float(g1[0])) + integral
    r = l1(w0)
    steps = [
        f"{expr_text(e)}: ridge g(u), u = ŵ·x with ŵ = w/‖w‖₁, ‖w‖₁ = {fmt(r)}; formula (R) [§4, D]: "
        f"|g(0)| + 2|g'(0)| + ∫₋₁¹ |g''(t)|(1+|t|) dt = {fmt(abs(float(g[0])))} + {fmt(2 * abs(float(g1[0])))} + "
        f"{fmt(integral)} = {fmt(value)} (Gauss–Legendre, 4800 nodes)"
    ]
    return Derivation(value, steps)
