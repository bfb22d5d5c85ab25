"""The evaluation context of the theorem catalog, and the symbols its formulas are written in.

Input:  a resolved :class:`~mlc.compiler.ir.Run` (with its conventions block), the target-norm estimate, trained
        metrics if any, and delta.
Output: :class:`Context` and the symbols (m, n, d, d_eff, L, Q, delta, t, lambda, P, eps_n, ...) of the formulas'
        vocabulary (``theory.symbolic``).
Role:   everything a hypothesis or a formula may look at. The conventions it needs (d_eff, eps_n, the loss factor,
        the effective learning rate, the theorems' lambdas) are read from ``Run.conventions``
        (``compiler.conventions``), never re-derived here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from mlc.compiler import ir
from mlc.compiler.theory.exprs import Interval, interval_range
from mlc.compiler.theory.norms import NormEstimate
from mlc.compiler.theory.symbolic import PI, Formula, number, sqrt, symbols
from mlc.compiler.theory.symbolic import log as ln

# ----------------------------------------------------------------------------------------------
# Symbols
# ----------------------------------------------------------------------------------------------

m, n, d, d_eff, L, Q, delta, t, lam, P = symbols("m n d d_eff L Q delta t lambda P")
eps_n, c_pi, lam_min, tau, S_m = symbols("eps_n c lambda_min tau S_m")
HALF = number(Fraction(1, 2))

DEFINITIONS: dict[Formula, Formula] = {
    eps_n: sqrt(2 * ln(2 * d_eff) / n),
    c_pi: PI ** 2 / 6,
}
"""Auxiliary symbols, substituted before evaluation (ε_n is the Rademacher unit of T3, c = π²/6)."""


# ----------------------------------------------------------------------------------------------
# Context
# ----------------------------------------------------------------------------------------------

_PER_TARGET: dict[tuple[str, str], Any] = {}
"""Quantities that depend on the target and the input law alone, by (quantity, :attr:`Context._target_key`): the
runs of a sweep share their target, so each is computed once per distinct target, not once per run."""


def _remember(key: tuple[str, str], value: Any) -> None:
    if len(_PER_TARGET) >= 10_000:  # bounded: a process that sees very many targets starts over
        _PER_TARGET.clear()
    _PER_TARGET[key] = value



@dataclass
class Context:
    """Everything a hypothesis or a formula may look at."""

    run: ir.Run
    norm: NormEstimate
    metrics: dict[str, float] = field(default_factory=dict)
    delta: float = 0.05

    @property
    def model(self) -> ir.Model:
        return self.run.model

    @property
    def d(self) -> int:
        return self.run.input.dim

    @property
    def conv(self) -> ir.Conventions:
        """The run's conventions block (``mlc.compiler.conventions``): what the lowering used."""
        return self.run.conventions

    @property
    def d_eff(self) -> int:
        return self.conv.d_eff

    @property
    def eps(self) -> float:
        return self.conv.eps_n

    @property
    def time(self) -> float | None:
        """Gradient-flow time lr × steps, or the time of ``solve = gradient_flow`` (None for the other closed-form
        solves, which have no trajectory)."""
        tr = self.run.train
        if tr.time is not None:
            return tr.time
        if tr.optimizer is None or tr.steps is None:
            return None
        return tr.optimizer.lr * tr.steps

    @property
    def loss_factor(self) -> float:
        """The objective is loss_factor × (L̂ + penalty/loss_factor): 2 for mse, 1 for half_mse."""
        return self.conv.loss_factor

    @property
    def lam_normalised(self) -> float:
        """λ of T5 (objective L̂ + λ ε_n ‖θ‖_P with L = MSE/2) implied by the spec (the conventions block):
        with loss = mse the objective is 2 (L̂ + (lam/2) ε_n ‖θ‖_P), so T5's λ is lam / 2."""
        return self.conv.theorem_lambda["T5"]

    @property
    def lr_effective(self) -> float | None:
        """The learning rate the lowering uses for the output weights (None without an optimizer)."""
        lr = self.conv.lr
        return lr.get("a", lr.get("alpha")) if lr else None

    @cached_property
    def _target_key(self) -> str:
        """The target and the input law as canonical JSON: what :attr:`target_range` and :attr:`barron_derived`
        depend on."""
        return ir.canonical_json({"target": self.run.target.model_dump(mode="json"),
                                  "input": self.run.input.model_dump(mode="json")})

    @cached_property
    def target_range(self) -> Interval:
        """A sound enclosure of f* over the input domain (:func:`target_range`), once per distinct target."""
        key = ("range", self._target_key)
        if key not in _PER_TARGET:
            _remember(key, target_range(self.run.target, self.run.input))
        found: Interval = _PER_TARGET[key]
        return found

    @cached_property
    def barron_derived(self) -> float | None:
        """The rule-derived Barron-norm bound of f* whatever the declared space (None if no rule applies), once
        per distinct target."""
        from mlc.compiler.theory.norms import NoRule, barron_norm_bound

        key = ("barron", self._target_key)
        if key not in _PER_TARGET:
            try:
                _remember(key, barron_norm_bound(self.run.target, self.run.input).value)
            except NoRule:
                _remember(key, None)
        found: float | None = _PER_TARGET[key]
        return found

    def values(self) -> dict[Formula, float]:
        """Numeric values of the basic symbols (those that are known)."""
        vals: dict[Formula, float] = {
            m: float(self.model.width), n: float(self.run.data.n), d: float(self.d), d_eff: float(self.d_eff),
            L: float(self.model.depth), delta: self.delta,
        }
        if self.time is not None:
            vals[t] = self.time
        if self.norm.value is not None:
            vals[Q] = float(self.norm.value)
        return vals


def target_range(target: ir.Target, dist: ir.InputDist) -> Interval:
    """A sound enclosure of f* over the support of the input law (interval arithmetic on the formula over the
    cube of radius ``sup_norm_bound``, or the teacher's weights); infinite where the law is unbounded (a
    Gaussian input) and f* is not bounded there."""
    radius = dist.sup_norm_bound
    if isinstance(target, ir.TeacherTarget):
        return _teacher_range(target, dist, radius)
    if isinstance(target, ir.LabelsTarget):
        return Interval(-1.0, 1.0)  # the labels are ±1 (mlc.compiler.datasets)
    return interval_range(target.expr, dist.dim, radius)


def _teacher_range(target: ir.TeacherTarget, dist: ir.InputDist, radius: float) -> Interval:
    from mlc.compiler.theory.teacher import teacher_network

    if not math.isfinite(radius):
        return Interval(-math.inf, math.inf)
    w = teacher_network(target, dist)
    offset = float(w["a0"])
    a = w["a"].numpy()
    reach = w["b"].abs().sum(dim=1).numpy() * radius + w["c"].abs().numpy()  # |b.x + c| <= reach
    if target.activation == "relu":
        hi = float((a.clip(min=0) * reach).sum())
        lo = float((a.clip(max=0) * reach).sum())
    elif target.activation == "sigmoid":
        hi, lo = float(a.clip(min=0).sum()), float(a.clip(max=0).sum())
    elif target.activation == "tanh":
        s = float(abs(a).sum())
        hi, lo = s, -s
    else:
        s = float((abs(a) * reach).sum())
        hi, lo = s, -s
    return Interval(lo + offset, hi + offset)
