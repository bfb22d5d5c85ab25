"""The theorem-specific formulas, values and checks of the catalog.

Input:  a :class:`~mlc.compiler.theory.context.Context`.
Output: the explicit-constant formulas (T4, T5, T12), the extra values a formula needs (T5's lambda, T9c's tau,
        T12's lambda, the trained norms, the depth sum of T14m), value functions (T10, T18, T19) and
        theorem-specific hypothesis checks.
Role:   the parts of REFERENCE §3 that are particular to one theorem, kept beside the catalog table
        (``theory.catalog``) that refers to them. The numeric lambdas are read from the run's conventions block.
"""

from __future__ import annotations

import math

from mlc.compiler import families
from mlc.compiler.theory.context import (
    Context, HALF, L, P, Q, S_m, c_pi, d, delta, eps_n, lam, m, n, tau,
)
from mlc.compiler.theory.hypotheses import _g
from mlc.compiler.theory.symbolic import Formula, log, sqrt

# --- T5 explicit [D] -------------------------------------------------------------------------

T5_HALF_MSE = (3 * Q ** 2 / (2 * m) + ((2 * lam + 8) * Q + 8) * eps_n
               + HALF * sqrt(log(2 * c_pi * (2 * Q + 1) ** 2 / delta) / (2 * n))
               + HALF * sqrt(log(2 * c_pi * (2 * Q + 1 + 1 / (2 * lam * eps_n)) ** 2 / delta) / (2 * n)))
"""REFERENCE §3.1 T5 explicit-constant version [D], on L = MSE/2."""

T4_GAP_HALF_MSE = 4 * (P + 1) * eps_n + HALF * sqrt(log(2 * c_pi * (P + 1) ** 2 / delta) / (2 * n))
"""REFERENCE §3.1 T4 [D]: sup_θ |L(θ) − L̂(θ)| with P = ‖θ‖_P, on L = MSE/2."""

T12_GAP_MSE = (24 * (P + 1) * sqrt(2 * log(2 * d) / n)
               + 4 * sqrt(2 * log(4 * (P + 1) ** 2 / delta) / n))
"""REFERENCE §3.5 T12 a posteriori (slide#39 verbatim), loss = MSE, truncation to [-1, 1]."""


def _t5_values(c: Context) -> dict[Formula, float]:
    return {lam: c.lam_normalised}


def _path_norm(c: Context) -> dict[Formula, float]:
    return {P: float(c.metrics["path_norm"])}


def _wpath_norm(c: Context) -> dict[Formula, float]:
    return {P: float(c.metrics["weighted_path_norm"])}


def _one(_: Context) -> float:
    return 1.0


def _sup_sq(c: Context) -> float | None:
    r = c.target_range
    v = max(abs(r.lo), abs(r.hi)) ** 2
    return v if math.isfinite(v) else None


def _not_barron(c: Context) -> str | None:
    v = c.barron_derived
    if v is not None:
        return f"T17 applies to targets outside Barron space; the rules bound this target by ‖f*‖_B ≤ {_g(v)}"
    if c.run.space.kind == "barron" and c.norm.method == "declared" and c.norm.value is not None:
        return f"T17 applies to targets outside Barron space; the spec declares ‖f*‖_B ≤ {_g(c.norm.value)}"
    return None


def _mean_field(c: Context) -> str | None:
    return None if c.model.scaling == "mean_field" else f"T17 is about mean-field scaling; the model uses {c.model.scaling}"


def _scaled_resnet(c: Context) -> str | None:
    """The ResNet theorems are about the scaled ResNet z + (1/L) U s(W z) (REFERENCE §2.4)."""
    if c.model.depth_scaling == "one_over_L":
        return None
    return "the ResNet theorems are stated for the scaled blocks z + U s(Wz)/L; the model uses depth_scaling = none"


def _d_gt_2(c: Context) -> str | None:
    return None if c.d > 2 else f"the exponent 4/(d − 2) needs d > 2; d = {c.d}"


def _t10_width(c: Context) -> float | None:
    lmin = c.metrics.get("kernel_lambda_min")
    if lmin is None or lmin <= 0:
        return None
    return 64.0 * lmin ** -4 * math.log(c.run.data.n ** 2 / c.delta)


def _t10_check(c: Context) -> str | None:
    need = _t10_width(c)
    if need is None:
        return "cannot be checked until λ_n is known"
    if c.model.width > need:
        return None
    return f"T10 needs m > 64 λ_n⁻⁴ ln(n²/δ) = {_g(need)}; the model has m = {c.model.width}"


def _t9e_check(c: Context) -> str | None:
    lmin = c.metrics.get("kernel_lambda_min")
    if lmin is None or lmin <= 0:
        return "cannot be checked until λ_min(K) is known"
    need = lmin ** -2
    if c.model.width >= need:
        return None
    return f"T9e needs m ≥ λ_min(K)⁻² = {_g(need)} (K = k(x_i, x_j)/n); the model has m = {c.model.width}"


def _min_norm(c: Context) -> str | None:
    if c.run.train.solve == "min_norm":
        return None
    return f"T9e is about the minimum-norm interpolant (solve = min_norm); the spec has solve = {c.run.train.solve}"


def _tau(c: Context) -> float:
    # the lowering's rkhs penalty is lam · sqrt(ln(2 d_eff)/n) · ‖θ‖_H (slide form); lec5's is τ/√n · ‖θ‖_H
    return c.conv.theorem_lambda["T9c"]


def _t9c_tau(c: Context) -> dict[Formula, float]:
    return {tau: _tau(c)}


def _t9c_check(c: Context) -> str | None:
    if c.run.train.penalty.kind != "rkhs_norm":
        return None
    tv = _tau(c)
    if tv >= 1:
        return None
    return (f"T9c (lec5 form) needs L̂ + (τ/√n)‖θ‖_H with τ ≥ 1; the spec's penalty λ √(ln(2d_eff)/n) ‖θ‖_H with "
            f"λ = {_g(c.run.train.penalty.lam)} and loss = {c.run.train.loss} gives τ = {_g(tv)}")


def _m_ge_n(c: Context) -> str | None:
    return None if c.model.width >= c.run.data.n else f"T11's early-stopping regime needs m ≥ n; m = {c.model.width}, n = {c.run.data.n}"


def _t11_time(c: Context) -> str | None:
    limit = math.sqrt(c.run.data.n) / c.model.width
    if c.time is None or c.time <= limit:  # no time at all is reported by gradient_flow
        return None
    return f"T11 needs early stopping t = O(√n/m) = {_g(limit)}; the spec trains to t = lr·steps = {_g(c.time)}"


def _ntk_scaling(c: Context) -> str | None:
    return None if c.model.scaling in ("ntk", "standard") else \
        f"the kernel-regime theorems are for conventional/NTK scaling; the model uses {c.model.scaling}"


def _depth_sum(c: Context) -> dict[Formula, float]:
    widths = list(c.model.widths) or [c.model.width] * c.model.depth
    depth = len(widths)
    return {S_m: sum(2.0 ** (depth - (l + 1)) / math.sqrt(w) for l, w in enumerate(widths)), L: float(depth)}


def _t19_value(c: Context) -> float:
    if "random_features" in families.of(c.model).theory_tags:  # m = n; a two-layer net has d + 1 weights a unit
        return float(c.run.data.n)
    return c.run.data.n / (c.d + 1)


def _t18_value(c: Context) -> float | None:
    v = c.metrics.get("rf_lambda_min")
    if not v or v <= 0 or c.lr_effective is None:
        return None
    return 1.0 / (c.lr_effective * c.loss_factor * v)


def _trained_by_gd(c: Context) -> bool:
    """T18 is about the GD trajectory (or its gradient-flow limit): min_norm and ridge have none, so it is not
    listed for them."""
    return c.run.train.iterative or c.run.train.solve == "gradient_flow"


def _t18_plain_gd(c: Context) -> str | None:
    opt = c.run.train.optimizer
    if (opt is not None and opt.kind == "gd" and opt.momentum == 0.0) or c.run.train.solve == "gradient_flow":
        return None
    kind = opt.kind if opt is not None else "none"
    return f"T18 is the closed form of full-batch GD without momentum; the spec's optimizer is {kind}"


def _spectrum_recorded(c: Context) -> bool:
    return "spectrum" in c.run.train.record.metrics


def _flow_q(c: Context) -> dict[Formula, float]:
    """Q in flow space: a Barron-space norm converts by ‖f‖_D₂ ≤ √(d+1)‖f‖_B (REFERENCE §2.4)."""
    if c.run.space.kind == "barron" and c.norm.value is not None:
        return {Q: math.sqrt(c.d + 1) * float(c.norm.value)}
    return {}


def _resnet_lambda(c: Context) -> dict[Formula, float]:
    # the lowering's penalty is lam · √(2 ln(2 d_eff)/n) · ‖θ‖_WP, T12's is λ (‖θ‖ + 1) √(2 log(2d)/n)
    vals = _flow_q(c)
    if "T12" in c.conv.theorem_lambda:
        vals[lam] = c.conv.theorem_lambda["T12"]
    return vals
