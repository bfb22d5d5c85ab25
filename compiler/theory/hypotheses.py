"""The hypotheses of the theorem catalog: named predicates over a :class:`~mlc.compiler.theory.context.Context`.

Input:  a Context.
Output: :class:`Hypothesis` objects and the constructors the catalog uses (``bounded_inputs``, ``norm_known``,
        ``space_is``, ``penalty_is``, ``gradient_flow``, ...): each check returns None when it holds, else the
        human-readable reason it fails.
Role:   the hypotheses shared by several theorems (theorem-specific checks live in ``theory.theorem_rules``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from mlc.compiler.theory.context import Context

# ----------------------------------------------------------------------------------------------
# Hypotheses
# ----------------------------------------------------------------------------------------------

Check = Callable[[Context], "str | None"]


@dataclass(frozen=True)
class Hypothesis:
    """A named predicate over a Context: ``check`` returns None when it holds, else the failure message."""

    name: str
    check: Check


def _g(v: float) -> str:
    return f"{v:.4g}"


def relu_activation(tid: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        if c.model.activation == "relu":
            return None
        return f"{tid} is stated for ReLU; the model uses {c.model.activation}"
    return Hypothesis("ReLU activation", check)


def bounded_inputs(tid: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        b = c.run.input.sup_norm_bound
        if b <= 1.0:
            return None
        return f"{tid} needs ‖x‖_∞ ≤ 1; the {c.run.input.kind} input has ‖x‖_∞ up to {_g(b)}"
    return Hypothesis("‖x‖_∞ ≤ 1", check)


def norm_known(tid: str, space: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        if c.norm.value is not None:
            return None
        why = c.norm.steps[0] if c.norm.steps else ""
        return f"{tid} needs an upper bound Q on ‖f*‖ in {space} space: {why}; declare `norm <= Q`"
    return Hypothesis(f"Q ≥ ‖f*‖ ({space})", check)


def space_is(tid: str, *kinds: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        if c.run.space.kind in kinds:
            return None
        return f"{tid} is about targets in the {' / '.join(kinds)} space; the spec declares space {c.run.space.kind}"
    return Hypothesis(f"space {' | '.join(kinds)}", check)


def target_in(tid: str, lo: float, hi: float) -> Hypothesis:
    def check(c: Context) -> str | None:
        r = c.target_range
        if r.lo >= lo - 1e-12 and r.hi <= hi + 1e-12:
            return None
        return (f"{tid} assumes f* takes values in [{_g(lo)}, {_g(hi)}]; interval arithmetic only gives "
                f"f* ∈ [{_g(r.lo)}, {_g(r.hi)}] on the domain")
    return Hypothesis(f"f* ∈ [{_g(lo)}, {_g(hi)}]", check)


def noiseless(tid: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        if c.run.data.noise == 0:
            return None
        return f"{tid} is stated for noiseless labels; the spec has noise = {_g(c.run.data.noise)}"
    return Hypothesis("noiseless labels", check)


def metric(tid: str, key: str, what: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        v = c.metrics.get(key)
        if v is not None and math.isfinite(v):
            return None
        return f"{tid} needs {what} (metric `{key}`), known only after training or from the data"
    return Hypothesis(f"{key} known", check)


def penalty_is(tid: str, *kinds: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        k = c.run.train.penalty.kind
        if k in kinds and c.run.train.penalty.lam > 0:
            return None
        return f"{tid} is for the {' / '.join(kinds)}-regularised estimator; the spec has penalty {k}"
    return Hypothesis(f"penalty {' | '.join(kinds)}", check)


def t5_lambda() -> Hypothesis:
    def check(c: Context) -> str | None:
        if c.run.train.penalty.kind != "path_norm":
            return None  # reported by penalty_is
        lam_n = c.lam_normalised
        if lam_n >= 4 - 1e-9:
            return None
        if c.loss_factor == 2.0:
            return (f"T5 needs λ ≥ 4 in J = L̂ + λ ε_n ‖θ‖_P with L = MSE/2; the spec minimises MSE + "
                    f"{_g(c.run.train.penalty.lam)} ε_n ‖θ‖_P = 2(L̂ + {_g(lam_n)} ε_n ‖θ‖_P), so λ = {_g(lam_n)}: "
                    f"use loss = half_mse with λ ≥ 4, or λ ≥ 8 with loss = mse")
        return f"T5 needs λ ≥ 4 in J = L̂ + λ ε_n ‖θ‖_P; the spec has λ = {_g(lam_n)}"
    return Hypothesis("λ ≥ 4", check)


def gd_from_zero(tid: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        tr = c.run.train
        kind = tr.optimizer.kind if tr.optimizer is not None else "none"
        plain = (kind == "gd" and tr.solve in ("gd", "gd_exact")) or tr.solve == "gradient_flow"
        if plain and tr.penalty.kind == "none":
            return None
        return (f"{tid} is for plain (unregularised) GD; the spec has optimizer {kind}, solve {tr.solve}, "
                f"penalty {tr.penalty.kind}")
    return Hypothesis("unregularised GD", check)


def gradient_flow(tid: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        opt = c.run.train.optimizer
        if opt is not None and opt.kind in ("gd", "sgd"):
            return None
        used = opt.kind if opt is not None else f"the closed form solve = {c.run.train.solve}"
        return f"{tid} is about (stochastic) gradient descent, where time = lr × steps; the spec uses {used}"
    return Hypothesis("GD/SGD time scale", check)


def custom(name: str, check: Check) -> Hypothesis:
    return Hypothesis(name, check)
