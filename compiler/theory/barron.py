"""Rule-based upper bounds on the Barron norm of a target formula (REFERENCE §4), step by step.

Input:  a target-formula :class:`~mlc.compiler.ir.Expr` and the input dimension d (domain ||x||_inf <= 1).
Output: a :class:`~mlc.compiler.theory.derivation.Derivation` (the smallest bound over the rules that apply,
        with its derivation lines), or :class:`~mlc.compiler.theory.derivation.NoRule` with the reason.
Role:   the structural rules (constants, affine maps, triangle inequality, scalar multiples, products of
        affine maps, norms of x, squared norms, the Gaussian) and, through the function table
        (``mlc.compiler.functions``), the per-function rules on affine arguments; formula (R) of
        ``ridge`` competes with them. ``norms`` turns the result into the run's
        :class:`~mlc.compiler.theory.norms.NormEstimate`.
"""

from __future__ import annotations

import math
from typing import Optional, TypeAlias

import numpy as np

from mlc.compiler import ir
from mlc.compiler.expr import ExprVisitor
from mlc.compiler.fold import const_value, expand_sum
from mlc.compiler.functions import FUNCTIONS
from mlc.compiler.theory.derivation import Derivation, NoRule, fmt as _g, l1 as _l1
from mlc.compiler.theory.exprs import expr_text, try_affine
from mlc.compiler.theory.ridge import ridge_bound

SqForm: TypeAlias = Optional[tuple[float, float]]


class _SquaredNorm(ExprVisitor[SqForm]):
    """(k, c) with e = k ||x||_2^2 + c, or None."""

    def __init__(self, d: int) -> None:
        self.d = d

    def form(self, e: ir.Expr) -> tuple[float, float] | None:
        c = const_value(e)
        if c is not None:
            return 0.0, c
        return self.visit(e)

    def _other(self, e: ir.Expr) -> None:
        return None

    visit_Num = visit_InputVar = visit_IndexVar = visit_Component = visit_Vector = _other
    visit_Call = visit_Norm = _other

    def visit_Dot(self, e: ir.Dot) -> tuple[float, float] | None:
        if isinstance(e.left, ir.InputVar) and isinstance(e.right, ir.InputVar):
            return 1.0, 0.0
        return None

    def visit_Sum(self, e: ir.Sum) -> tuple[float, float] | None:
        seen: list[int] = []
        for t in expand_sum(e):
            if not (isinstance(t, ir.Binary) and t.op == "^" and const_value(t.right) == 2.0
                    and isinstance(t.left, ir.Component)):
                return None
            i = const_value(t.left.index)
            if i is None:
                return None
            seen.append(int(i))
        return (1.0, 0.0) if sorted(seen) == list(range(1, self.d + 1)) else None

    def visit_Neg(self, e: ir.Neg) -> tuple[float, float] | None:
        inner = self.form(e.arg)
        return None if inner is None else (-inner[0], -inner[1])

    def visit_Binary(self, e: ir.Binary) -> tuple[float, float] | None:
        if e.op == "^":
            if const_value(e.right) == 2.0 and isinstance(e.left, ir.Norm) and isinstance(e.left.arg, ir.InputVar) \
                    and e.left.p == 2:
                return 1.0, 0.0
            return None
        if e.op in "+-":
            a, b = self.form(e.left), self.form(e.right)
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
            inner = self.form(other)
            return None if inner is None else (k * inner[0], k * inner[1])
        k = const_value(e.right)
        inner = self.form(e.left)
        if k is None or k == 0 or inner is None:
            return None
        return inner[0] / k, inner[1] / k


def squared_norm_form(e: ir.Expr, d: int) -> tuple[float, float] | None:
    """(k, c) with e = k ||x||_2^2 + c, or None."""
    return _SquaredNorm(d).form(e)


class BarronDeriver:
    """Rule-based upper bound on the Barron norm (REFERENCE §2.2 normalisation) on ||x||_inf <= 1."""

    def __init__(self, d: int) -> None:
        self.d = d
        self._structural_rules = _Structural(self)

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
        return self._structural_rules.visit(e, depth)


class _Structural(ExprVisitor[Derivation]):
    """The structural rule of each node type, for subtrees that are neither constant nor affine."""

    def __init__(self, deriver: BarronDeriver) -> None:
        self.deriver = deriver
        self.d = deriver.d

    def _no_rule(self, e: ir.Expr, depth: int) -> Derivation:
        raise NoRule(f"no structural rule for {expr_text(e)}")

    # Constants and affine maps were taken by ``BarronDeriver._structural``; vectors are not functions.
    visit_Num = visit_InputVar = visit_IndexVar = visit_Component = visit_Vector = _no_rule

    def visit_Neg(self, e: ir.Neg, depth: int) -> Derivation:
        ind = "  " * depth
        inner = self.deriver.bound(e.arg, depth + 1)
        return Derivation(inner.value, [f"{ind}{expr_text(e)}: ‖−f‖ = ‖f‖"] + inner.steps)

    def visit_Sum(self, e: ir.Sum, depth: int) -> Derivation:
        ind = "  " * depth
        terms = expand_sum(e)
        ders = [self.deriver.bound(t, depth + 1) for t in terms]
        total = float(sum(x.value for x in ders))
        steps = [f"{ind}{expr_text(e)}: triangle inequality over {len(terms)} terms, total {_g(total)}"]
        shown = ders if len(ders) <= 3 else ders[:2]
        for x in shown:
            steps += x.steps
        if len(ders) > 3:
            steps.append(f"{ind}  … ({len(ders) - 2} more terms)")
        return Derivation(total, steps)

    def visit_Norm(self, e: ir.Norm, depth: int) -> Derivation:
        d, ind = self.d, "  " * depth
        if not isinstance(e.arg, ir.InputVar):
            return self._no_rule(e, depth)
        if e.p == 2:
            return Derivation(2.0 * d, [f"{ind}{expr_text(e)}: ‖x‖₂ = c_d⁻¹ E σ(ω·x), ω uniform on S^(d−1); "
                                         f"path cost 2d = {_g(2.0 * d)} [§4, D]"])
        if e.p == 1:
            return Derivation(2.0 * d, [f"{ind}{expr_text(e)}: Σ|x_i|, each |x_i| ≤ 2: 2d = {_g(2.0 * d)}"])
        raise NoRule("norm(x, inf) = max_i |x_i| has no rule")

    def visit_Dot(self, e: ir.Dot, depth: int) -> Derivation:
        d, ind = self.d, "  " * depth
        if squared_norm_form(e, d) is not None:
            return Derivation(6.0 * d, [f"{ind}{expr_text(e)}: ‖x‖₂² = Σ x_i², each ≤ 6: 6d = {_g(6.0 * d)} [§4, D]"])
        return self._no_rule(e, depth)

    def visit_Binary(self, e: ir.Binary, depth: int) -> Derivation:
        d = self.d
        ind = "  " * depth
        if e.op in "+-":
            a, b = self.deriver.bound(e.left, depth + 1), self.deriver.bound(e.right, depth + 1)
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
                inner = self.deriver.bound(other, depth + 1)
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
        sq_form = squared_norm_form(e, d)
        if sq_form is not None and sq_form[0] != 0:
            v = 6.0 * d * abs(sq_form[0]) + abs(sq_form[1])
            return Derivation(v, [f"{ind}{expr_text(e)}: ‖x‖₂² = Σ x_i², each x_i² ≤ 6: 6d = {_g(v)} [§4, D]"])
        if k is not None and float(k).is_integer() and k >= 1:
            n = int(k)
            if n == 1:
                return self.deriver.bound(e.left, depth)
        raise NoRule(f"no structural rule for the power {expr_text(e)}")

    def visit_Call(self, e: ir.Call, depth: int) -> Derivation:
        d = self.d
        ind = "  " * depth
        args = e.args
        spec = FUNCTIONS[e.fn]
        if spec.arity is None and len(args) == 2:  # min / max of two affine maps
            forms = [try_affine(a, d) for a in args]
            if spec.barron is not None and all(f is not None for f in forms):
                found = spec.barron(forms)  # type: ignore[arg-type]
                if found is not None:
                    return Derivation(found[0], [f"{ind}{expr_text(e)}: {found[1]}"])
            raise NoRule(f"{e.fn} of non-affine arguments has no rule")
        if len(args) != 1:
            raise NoRule(f"{e.fn} with {len(args)} arguments")
        aff = try_affine(args[0], d)
        if aff is not None:
            found = spec.barron([aff]) if spec.barron is not None else None
            if found is not None:
                return Derivation(found[0], [f"{ind}{expr_text(e)}: {found[1]}"])
            raise NoRule(f"{e.fn} of an affine map: use (R)")
        if e.fn == "exp":  # the Gaussian rule: exp of a negative multiple of ||x||^2 plus a constant
            sq_form = squared_norm_form(args[0], d)
            if sq_form is not None and sq_form[0] < 0:
                k, c0 = -sq_form[0], sq_form[1]
                s2 = 1.0 / (2.0 * k)
                gamma = (d + (2.0 / math.pi) * d * (d - 1)) / s2
                scale = math.exp(c0)
                v = scale * (3 * gamma + 1)
                pre = f"e^{_g(c0)}·" if c0 != 0 else ""
                return Derivation(v, [
                    f"{ind}{expr_text(e)}: {pre}Gaussian exp(−‖x‖²/(2s²)) with s² = {_g(s2)}; "
                    f"γ = (d + (2/π)d(d−1))/s² = {_g(gamma)}; ‖f‖_B ≤ {pre}(3γ + 1) = {_g(v)} [§4 Gaussian, D]"])
        raise NoRule(f"no structural rule for {expr_text(e)}")
