"""Upper bounds on the target's norm in the declared function space, with a step-by-step derivation.

Input:  a :class:`~mlc.compiler.ir.Run` (its target, input distribution and space).
Output: :class:`NormEstimate` (space, value, method "derived" | "declared" | "estimated" | "none", steps,
        warnings).
Role:   supplies Q (REFERENCE §3 notation) to every theorem of ``catalog``. Rules (REFERENCE §4) are applied
        on the formula IR; nothing is ever assumed silently: with no rule and no declaration the method is
        "none" and the message says what to declare.

Rules (Barron norm, domain ||x||_inf <= 1):
  * constant c: |c| (c·σ(0·x + 1));  affine w.x + c: 2||w||_1 + |c|;
  * sums and scalar multiples: triangle inequality;
  * relu(w.x + c): ||w||_1 + |c|;  abs(w.x + c): 2(||w||_1 + |c|);  max/min of two affine maps;
  * product of two affine maps: polarisation uv = ((u+v)^2 - (u-v)^2)/4;
  * cos(w.x) <= min(2r^2 + 2, 1 + 3r^2), sin(w.x) <= 2r^2 + 2r (r = ||w||_1);
  * Gaussian e^c exp(-||x||^2/(2 s^2)): e^c (3γ + 1), γ = (d + (2/π) d(d-1))/s^2;
  * ||x||_2 <= 2d;  ||x||_1 <= 2d;  ||x||_2^2 <= 6d;
  * any C^2 ridge function g(w.x): formula (R), |g(0)| + 2|g'(0)| + ∫_{-1}^{1} |g''(t)|(1+|t|) dt with
    g written in u = ŵ.x, ||ŵ||_1 = 1 (second derivatives by forward-mode jets, fixed Gauss–Legendre rule);
  * teacher networks: the path norm sum_k |a_k|(||b_k||_1 + |c_k|) (ReLU), per-neuron (R) otherwise.
Where several rules apply, the smallest bound is kept and the derivation says so.
Flow space: ||f||_{D_2} <= sqrt(d+1) ||f||_B (REFERENCE §2.4). Multilayer: W^1 = B ⊂ W^L, and we use
||f||_{W^L} <= ||f||_B [M, unverified].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
from pydantic import BaseModel, Field

from mlc.compiler import ir
from mlc.compiler.theory.exprs import const_value, expand_sum, expr_text, try_affine

Method = Literal["derived", "declared", "estimated", "none"]


class NormEstimate(BaseModel):
    """The norm of f* used by the bounds. ``value`` is None when method == "none"."""

    space: str
    value: float | None = None
    method: Method = "none"
    steps: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    derived_value: float | None = None  # what the rules derived, also when a declaration is used
    unverified: bool = False  # true when a step rests on an [M] item of the REFERENCE


# ----------------------------------------------------------------------------------------------
# Derivations
# ----------------------------------------------------------------------------------------------


@dataclass
class Derivation:
    """One derived bound with the lines that justify it."""

    value: float
    steps: list[str] = field(default_factory=list)


class NoRule(Exception):
    """No rule bounds this subtree; the message says which subtree and why."""


def _g(v: float) -> str:
    return f"{v:.4g}"


def _l1(w: np.ndarray) -> float:
    return float(np.abs(w).sum())


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


Jet = tuple[np.ndarray, np.ndarray, np.ndarray]

_FN_JETS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]] = {
    "exp": lambda v: (np.exp(v), np.exp(v), np.exp(v)),
    "sin": lambda v: (np.sin(v), np.cos(v), -np.sin(v)),
    "cos": lambda v: (np.cos(v), -np.sin(v), -np.cos(v)),
    "tanh": lambda v: (np.tanh(v), 1 - np.tanh(v) ** 2, -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
    "sigmoid": lambda v: (_sig(v), _sig(v) * (1 - _sig(v)), _sig(v) * (1 - _sig(v)) * (1 - 2 * _sig(v))),
    "log": lambda v: (np.log(v), 1 / v, -1 / v ** 2),
    "sqrt": lambda v: (np.sqrt(v), 0.5 / np.sqrt(v), -0.25 * v ** -1.5),
}


def _sig(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


class _Ridge:
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
        if isinstance(e, ir.Neg):
            f, f1, f2 = self.jet(e.arg)
            return -f, -f1, -f2
        if isinstance(e, ir.Sum):
            parts = [self.jet(t) for t in expand_sum(e)]
            return tuple(np.sum([p[k] for p in parts], axis=0) for k in range(3))  # type: ignore[return-value]
        if isinstance(e, ir.Binary):
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
        if isinstance(e, ir.Call):
            if e.fn in ("min", "max"):
                jets = [self.jet(a) for a in e.args]
                vals = np.stack([j[0] for j in jets])
                pick = np.argmin(vals, axis=0) if e.fn == "min" else np.argmax(vals, axis=0)
                if np.any(pick != pick[0]):
                    raise NoRule(f"{e.fn} switches branch on the domain (not C^2)")
                return jets[int(pick[0])]
            f, f1, f2 = self.jet(e.args[0])
            if e.fn in ("relu", "abs"):
                if np.all(f >= 0):
                    return f, f1, f2
                if np.all(f <= 0):
                    return (np.zeros_like(f),) * 3 if e.fn == "relu" else (-f, -f1, -f2)  # type: ignore[return-value]
                raise NoRule(f"{e.fn} of a function that changes sign (a kink: not C^2)")
            if e.fn == "log" and np.any(f <= 0):
                raise NoRule("log of a function that reaches 0")
            if e.fn == "sqrt" and np.any(f <= 0):
                raise NoRule("sqrt of a function that reaches 0 (not C^2 there)")
            with np.errstate(over="ignore", invalid="ignore"):
                p0, p1, p2 = _FN_JETS[e.fn](f)
            return p0, p1 * f1, p2 * f1 ** 2 + p1 * f2
        raise NoRule(f"{type(e).__name__} is not a ridge function")


def _ridge_direction(e: ir.Expr, d: int) -> np.ndarray | None:
    """The common direction w0 of all affine pieces if e depends on x only through w0.x, else None."""
    found: list[np.ndarray] = []

    def walk(node: ir.Expr) -> bool:
        if const_value(node) is not None:
            return True
        aff = try_affine(node, d)
        if aff is not None:
            if _l1(aff[0]) > 0:
                found.append(aff[0])
            return True
        if isinstance(node, ir.Neg):
            return walk(node.arg)
        if isinstance(node, ir.Binary):
            return walk(node.left) and walk(node.right)
        if isinstance(node, ir.Call):
            return all(walk(a) for a in node.args)
        if isinstance(node, ir.Sum):
            return all(walk(t) for t in expand_sum(node))
        return False

    if not walk(e) or not found:
        return None
    w0 = found[0]
    for w in found[1:]:
        # parallel check: w = alpha w0
        alpha = float(w @ w0) / float(w0 @ w0)
        if np.abs(w - alpha * w0).max() > 1e-12 * max(1.0, np.abs(w).max()):
            return None
    return w0


def ridge_bound(e: ir.Expr, d: int) -> Derivation:
    """Formula (R) for an expression that depends on x only through one linear form."""
    w0 = _ridge_direction(e, d)
    if w0 is None:
        raise NoRule("not a ridge function g(w.x)")
    what = w0 / _l1(w0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g, g1, g2 = _Ridge(what, d).jet(e)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(g1)) and np.all(np.isfinite(g2))):
        raise NoRule("the ridge profile is not finite/C^2 on [-1, 1]")
    integral = float(np.sum(np.abs(g2[1:]) * (1 + np.abs(_T)) * _W))
    value = abs(float(g[0])) + 2 * abs(float(g1[0])) + integral
    r = _l1(w0)
    steps = [
        f"{expr_text(e)}: ridge g(u), u = ŵ·x with ŵ = w/‖w‖₁, ‖w‖₁ = {_g(r)}; formula (R) [§4, D]: "
        f"|g(0)| + 2|g'(0)| + ∫₋₁¹ |g''(t)|(1+|t|) dt = {_g(abs(float(g[0])))} + {_g(2 * abs(float(g1[0])))} + "
        f"{_g(integral)} = {_g(value)} (Gauss–Legendre, 4800 nodes)"
    ]
    return Derivation(value, steps)


def _sq_norm_form(e: ir.Expr, d: int) -> tuple[float, float] | None:
    """(k, c) with e = k ||x||_2^2 + c, or None."""
    c = const_value(e)
    if c is not None:
        return 0.0, c
    if isinstance(e, ir.Binary) and e.op == "^" and const_value(e.right) == 2.0:
        if isinstance(e.left, ir.Norm) and isinstance(e.left.arg, ir.InputVar) and e.left.p == 2:
            return 1.0, 0.0
        return None
    if isinstance(e, ir.Dot) and isinstance(e.left, ir.InputVar) and isinstance(e.right, ir.InputVar):
        return 1.0, 0.0
    if isinstance(e, ir.Sum):
        seen: list[int] = []
        for t in expand_sum(e):
            if not (isinstance(t, ir.Binary) and t.op == "^" and const_value(t.right) == 2.0
                    and isinstance(t.left, ir.Component)):
                return None
            i = const_value(t.left.index)
            if i is None:
                return None
            seen.append(int(i))
        return (1.0, 0.0) if sorted(seen) == list(range(1, d + 1)) else None
    if isinstance(e, ir.Neg):
        inner = _sq_norm_form(e.arg, d)
        return None if inner is None else (-inner[0], -inner[1])
    if isinstance(e, ir.Binary):
        if e.op in "+-":
            a, b = _sq_norm_form(e.left, d), _sq_norm_form(e.right, d)
            if a is None or b is None:
                return None
            s = 1.0 if e.op == "+" else -1.0
            return a[0] + s * b[0], a[1] + s * b[1]
        if e.op == "*":
            k = const_value(e.left)
            other = e.right
            if k is None:
                k, other = const_value(e.right), e.left
            if k is None:
                return None
            inner = _sq_norm_form(other, d)
            return None if inner is None else (k * inner[0], k * inner[1])
        if e.op == "/":
            k = const_value(e.right)
            inner = _sq_norm_form(e.left, d)
            if k is None or k == 0 or inner is None:
                return None
            return inner[0] / k, inner[1] / k
    return None


class BarronDeriver:
    """Rule-based upper bound on the Barron norm (REFERENCE §2.2 normalisation) on ||x||_inf <= 1."""

    def __init__(self, d: int) -> None:
        self.d = d

    def bound(self, e: ir.Expr, depth: int = 0) -> Derivation:
        """The smallest bound over all rules that apply; raises :class:`NoRule` when none does."""
        candidates: list[Derivation] = []
        errors: list[str] = []
        for rule in (self._structural, self._ridge):
            try:
                candidates.append(rule(e, depth))
            except NoRule as exc:
                errors.append(str(exc))
        if not candidates:
            nested = [msg for msg in errors if msg.startswith("no rule bounds")]
            if nested:  # the innermost failing subterm says more than its parents
                raise NoRule(nested[0])
            raise NoRule(f"no rule bounds the Barron norm of {expr_text(e)}: " + "; ".join(dict.fromkeys(errors)))
        best = min(candidates, key=lambda c: c.value)
        if len(candidates) > 1:
            other = max(candidates, key=lambda c: c.value)
            if other.value > best.value * (1 + 1e-9):
                best = Derivation(best.value, best.steps + [
                    f"  (another rule gives {_g(other.value)}; keeping the smaller {_g(best.value)})"])
        return best

    def _ridge(self, e: ir.Expr, depth: int) -> Derivation:
        if try_affine(e, self.d) is not None:
            raise NoRule("affine (handled by the affine rule)")
        return ridge_bound(e, self.d)

    def _structural(self, e: ir.Expr, depth: int) -> Derivation:
        d = self.d
        ind = "  " * depth
        c = const_value(e)
        if c is not None:
            return Derivation(abs(c), [f"{ind}{expr_text(e)}: constant {_g(c)} costs |c| = {_g(abs(c))} (c·σ(0·x+1))"])
        aff = try_affine(e, d)
        if aff is not None:
            w, c0 = aff
            v = 2 * _l1(w) + abs(c0)
            return Derivation(v, [f"{ind}{expr_text(e)}: affine, 2‖w‖₁ + |c| = 2·{_g(_l1(w))} + {_g(abs(c0))} = {_g(v)} [§4, D]"])
        if isinstance(e, ir.Neg):
            inner = self.bound(e.arg, depth + 1)
            return Derivation(inner.value, [f"{ind}{expr_text(e)}: ‖−f‖ = ‖f‖"] + inner.steps)
        if isinstance(e, ir.Sum):
            terms = expand_sum(e)
            ders = [self.bound(t, depth + 1) for t in terms]
            total = float(sum(x.value for x in ders))
            steps = [f"{ind}{expr_text(e)}: triangle inequality over {len(terms)} terms, total {_g(total)}"]
            shown = ders if len(ders) <= 3 else ders[:2]
            for x in shown:
                steps += x.steps
            if len(ders) > 3:
                steps.append(f"{ind}  … ({len(ders) - 2} more terms)")
            return Derivation(total, steps)
        if isinstance(e, ir.Binary):
            return self._binary(e, depth)
        if isinstance(e, ir.Call):
            return self._call(e, depth)
        if isinstance(e, ir.Norm) and isinstance(e.arg, ir.InputVar):
            if e.p == 2:
                return Derivation(2.0 * d, [f"{ind}{expr_text(e)}: ‖x‖₂ = c_d⁻¹ E σ(ω·x), ω uniform on S^(d−1); "
                                             f"path cost 2d = {_g(2.0 * d)} [§4, D]"])
            if e.p == 1:
                return Derivation(2.0 * d, [f"{ind}{expr_text(e)}: Σ|x_i|, each |x_i| ≤ 2: 2d = {_g(2.0 * d)}"])
            raise NoRule("norm(x, inf) = max_i |x_i| has no rule")
        if isinstance(e, ir.Dot):
            sq = _sq_norm_form(e, d)
            if sq is not None:
                return Derivation(6.0 * d, [f"{ind}{expr_text(e)}: ‖x‖₂² = Σ x_i², each ≤ 6: 6d = {_g(6.0 * d)} [§4, D]"])
        raise NoRule(f"no structural rule for {expr_text(e)}")

    def _binary(self, e: ir.Binary, depth: int) -> Derivation:
        d = self.d
        ind = "  " * depth
        if e.op in "+-":
            a, b = self.bound(e.left, depth + 1), self.bound(e.right, depth + 1)
            v = a.value + b.value
            return Derivation(v, [f"{ind}{expr_text(e)}: triangle inequality, {_g(a.value)} + {_g(b.value)} = {_g(v)}"]
                              + a.steps + b.steps)
        if e.op in "*/":
            k = const_value(e.right)
            other = e.left
            if e.op == "*" and k is None:
                k, other = const_value(e.left), e.right
            if k is not None:
                if e.op == "/":
                    if k == 0:
                        raise NoRule("division by zero")
                    k = 1.0 / k
                inner = self.bound(other, depth + 1)
                v = abs(k) * inner.value
                return Derivation(v, [f"{ind}{expr_text(e)}: scalar multiple, |{_g(k)}|·{_g(inner.value)} = {_g(v)}"]
                                  + inner.steps)
            if e.op == "*":
                u, w = try_affine(e.left, d), try_affine(e.right, d)
                if u is not None and w is not None:
                    def sq(wv: np.ndarray, cv: float) -> float:
                        r = _l1(wv)
                        return cv * cv + 4 * abs(cv) * r + 6 * r * r
                    v = (sq(u[0] + w[0], u[1] + w[1]) + sq(u[0] - w[0], u[1] - w[1])) / 4
                    return Derivation(v, [f"{ind}{expr_text(e)}: product of affine maps, uv = ((u+v)² − (u−v)²)/4 and "
                                          f"‖(w.x+c)²‖ ≤ c² + 4|c|r + 6r² (R): {_g(v)} [§4, D]"])
            raise NoRule(f"no rule for the product/quotient {expr_text(e)}")
        # power
        k = const_value(e.right)
        sq = _sq_norm_form(e, d)
        if sq is not None and sq[0] != 0:
            v = 6.0 * d * abs(sq[0]) + abs(sq[1])
            return Derivation(v, [f"{ind}{expr_text(e)}: ‖x‖₂² = Σ x_i², each x_i² ≤ 6: 6d = {_g(v)} [§4, D]"])
        if k is not None and float(k).is_integer() and k >= 1:
            n = int(k)
            if n == 1:
                return self.bound(e.left, depth)
        raise NoRule(f"no structural rule for the power {expr_text(e)}")

    def _call(self, e: ir.Call, depth: int) -> Derivation:
        d = self.d
        ind = "  " * depth
        args = e.args
        if e.fn in ("min", "max") and len(args) == 2:
            u, w = try_affine(args[0], d), try_affine(args[1], d)
            if u is not None and w is not None:
                # max(u, v) = u + relu(v - u); min(u, v) = u - relu(u - v); either argument may be the base
                best = math.inf
                for base, oth in ((u, w), (w, u)):
                    cost = 2 * _l1(base[0]) + abs(base[1]) + _l1(oth[0] - base[0]) + abs(oth[1] - base[1])
                    best = min(best, cost)
                return Derivation(best, [f"{ind}{expr_text(e)}: {e.fn}(u, v) = u ± σ(±(v − u)): {_g(best)} [D]"])
            raise NoRule(f"{e.fn} of non-affine arguments has no rule")
        if len(args) != 1:
            raise NoRule(f"{e.fn} with {len(args)} arguments")
        aff = try_affine(args[0], d)
        if aff is not None:
            w, c0 = aff
            r = _l1(w)
            if e.fn == "relu":
                v = r + abs(c0)
                return Derivation(v, [f"{ind}{expr_text(e)}: single neuron, ‖w‖₁ + |c| = {_g(v)} [§4, V-lec6]"])
            if e.fn == "abs":
                v = 2 * (r + abs(c0))
                return Derivation(v, [f"{ind}{expr_text(e)}: |u| = σ(u) + σ(−u): 2(‖w‖₁ + |c|) = {_g(v)} [§4, D]"])
            if e.fn == "cos" and c0 == 0:
                v = min(2 * r * r + 2, 1 + 3 * r * r)
                return Derivation(v, [f"{ind}{expr_text(e)}: cos(w·x) ≤ min(2r² + 2, 1 + 3r²), r = {_g(r)}: {_g(v)} [§4, D]"])
            if e.fn == "sin" and c0 == 0:
                v = 2 * r * r + 2 * r
                return Derivation(v, [f"{ind}{expr_text(e)}: sin(w·x) ≤ 2r² + 2r, r = {_g(r)}: {_g(v)} [§4, D]"])
            raise NoRule(f"{e.fn} of an affine map: use (R)")
        if e.fn == "exp":
            sq = _sq_norm_form(args[0], d)
            if sq is not None and sq[0] < 0:
                k, c0 = -sq[0], sq[1]
                s2 = 1.0 / (2.0 * k)
                gamma = (d + (2.0 / math.pi) * d * (d - 1)) / s2
                scale = math.exp(c0)
                v = scale * (3 * gamma + 1)
                pre = f"e^{_g(c0)}·" if c0 != 0 else ""
                return Derivation(v, [
                    f"{ind}{expr_text(e)}: {pre}Gaussian exp(−‖x‖²/(2s²)) with s² = {_g(s2)}; "
                    f"γ = (d + (2/π)d(d−1))/s² = {_g(gamma)}; ‖f‖_B ≤ {pre}(3γ + 1) = {_g(v)} [§4 Gaussian, D]"])
        raise NoRule(f"no structural rule for {expr_text(e)}")


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def domain_reason(dist: ir.InputDist) -> str | None:
    """None if the rules' domain assumption ||x||_inf <= 1 holds for this input, else why not."""
    bound = dist.sup_norm_bound
    if bound <= 1.0:
        return None
    if dist.kind == "gaussian":
        return "the norm rules hold on ‖x‖_∞ ≤ 1; gaussian inputs are unbounded"
    return f"the norm rules hold on ‖x‖_∞ ≤ 1; this {dist.kind} input reaches ‖x‖_∞ = {_g(bound)}"


def barron_norm_bound(target: ir.Target, dist: ir.InputDist) -> Derivation:
    """A rule-derived upper bound on ||f*||_B; raises :class:`NoRule` (with the reason) when none applies."""
    reason = domain_reason(dist)
    if reason is not None:
        raise NoRule(reason)
    d = dist.dim
    if isinstance(target, ir.TeacherTarget):
        return _teacher_bound(target, d)
    return BarronDeriver(d).bound(target.expr)


def _teacher_bound(t: ir.TeacherTarget, d: int) -> Derivation:
    from mlc.compiler.theory.teacher import teacher_weights

    w = teacher_weights(t, d)
    a, b, c = (w[k].numpy() for k in ("a", "b", "c"))
    desc = f"teacher two_layer(width = {t.width}, activation = {t.activation}, seed = {t.seed})"
    if t.activation == "relu":
        v = float(np.sum(np.abs(a) * (np.abs(b).sum(axis=1) + np.abs(c))))
        return Derivation(v, [f"{desc}: weights drawn as the lowering does (mlc.compiler.theory.teacher); "
                              f"path norm Σ|a_k|(‖b_k‖₁ + |c_k|) = {_g(v)} ≥ ‖f*‖_B [V-lec6]"])
    if t.activation == "identity":
        wv, cv = (a[:, None] * b).sum(axis=0), float((a * c).sum())
        v = 2 * _l1(wv) + abs(cv)
        return Derivation(v, [f"{desc}: an affine map w·x + c, 2‖w‖₁ + |c| = {_g(v)} [§4, D]"])
    total = 0.0
    for k in range(t.width):
        neuron = ir.Call(fn=t.activation, args=(ir.Binary(
            op="+", left=ir.Dot(left=ir.Vector(values=tuple(float(v) for v in b[k])), right=ir.InputVar()),
            right=ir.Num(value=float(c[k]))),))
        total += abs(float(a[k])) * ridge_bound(neuron, d).value
    return Derivation(total, [f"{desc}: Σ_k |a_k| · (R)-bound of {t.activation}(b_k·x + c_k) = {_g(total)} [§4, D]"])


def infer_norm(run: ir.Run, *, estimate: bool = False) -> NormEstimate:
    """The norm of the run's target in its declared space (see the module docstring).

    Precedence: a declared ``norm <= Q`` is used as is (with a warning if the rules derive a larger upper
    bound, since the declaration is then not verified); else the rule-derived bound; else, only when
    ``estimate`` is true, a numerical estimate; else method "none" with a message.
    """
    space = run.space
    d = run.input.dim
    steps: list[str] = []
    warnings: list[str] = []
    derived: float | None = None
    unverified = False
    reason = ""
    try:
        if space.kind == "rkhs":
            raise NoRule(_rkhs_reason(run))
        der = barron_norm_bound(run.target, run.input)
        steps += der.steps
        derived = der.value
        if space.kind == "flow":
            derived = math.sqrt(d + 1) * der.value
            steps.append(f"flow space: B ⊂ D₂ with ‖f‖_D₂ ≤ √(d+1)‖f‖_B = √{d + 1}·{_g(der.value)} = {_g(derived)} "
                         f"[§2.4, V-slides#36]")
        elif space.kind == "multilayer":
            unverified = True
            steps.append(f"multilayer space: W¹ = B ⊂ W^L, using ‖f‖_W^L ≤ ‖f‖_B = {_g(derived)} "
                         f"[§2.5, M: unverified constant]")
        else:
            steps.append(f"‖f*‖_B ≤ {_g(derived)}")
    except NoRule as exc:
        reason = str(exc)
    if space.norm_bound is not None:
        q = float(space.norm_bound)
        if derived is not None and q < derived:
            warnings.append(f"the declared norm {_g(q)} is below the rule-derived upper bound {_g(derived)}; the rules "
                            "only give upper bounds, so the declaration may be right, but mlc cannot verify it")
        steps.append(f"declared: norm ≤ {_g(q)} (used)")
        return NormEstimate(space=space.kind, value=q, method="declared", steps=steps, warnings=warnings,
                            derived_value=derived, unverified=unverified)
    if derived is not None:
        return NormEstimate(space=space.kind, value=derived, method="derived", steps=steps, warnings=warnings,
                            derived_value=derived, unverified=unverified)
    inside_unit_cube = run.input.sup_norm_bound <= 1.0
    if estimate and not inside_unit_cube:
        # Every norm of the catalog is defined on ||x||_inf <= 1 and so is every theorem that uses it: a
        # fitted estimate on this domain would feed nothing, so it is not computed.
        reason = (reason + "; " if reason else "") + (
            f"no estimate either: the input ({run.input.kind}) leaves ‖x‖_∞ ≤ 1, where the norms and "
            "theorems are defined")
        estimate = False
    if estimate:
        from mlc.compiler.theory.estimate import estimate_norm

        value, est_steps = estimate_norm(run)
        return NormEstimate(space=space.kind, value=value, method="estimated", steps=[reason] + est_steps,
                            warnings=["estimated numerically, not a proven bound"])
    return NormEstimate(space=space.kind, value=None, method="none",
                        steps=[reason, "no norm: declare `norm <= Q` in the space (e.g. "
                               f"`space {space.kind}(norm <= 3)`)" + (" or ask for an estimate (--estimate-norm)"
                                                                   if inside_unit_cube else "")])


def _rkhs_reason(run: ir.Run) -> str:
    if isinstance(run.target, ir.TeacherTarget) and run.target.activation == "relu":
        return ("a finite ReLU teacher is not in the random-feature RKHS (its norm is +∞ unless π has atoms at the "
                "teacher's weights; T6)")
    return "no rule derives RKHS norms from a formula"
