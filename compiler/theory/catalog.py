"""The theorem catalog: every bound mlc knows, as data (statement, hypotheses, formula) plus the code
that checks its hypotheses against a run and evaluates it.

Input:  a :class:`Context` (the run, the target-norm estimate, trained metrics if any, delta).
Output: for each relevant theorem, a dict with exactly the fields of ``mlc.runtime.results.BoundValue``.
Role:   the single place where REFERENCE §3 lives in code. A value is computed only when every hypothesis
        holds; otherwise ``holds`` is False and ``failing`` lists the human-readable reasons.

Normalisations (REFERENCE §1, §7): errors are MSE = mean (f − f*)² unless a theorem says L = MSE/2, in which
case the value reported is converted to MSE (×2) and the text says so; logs are natural; d_eff = d + 1 when
the model has biases; "t" is gradient-flow time lr × steps. Kinds: "upper" (explicit constants),
"upper_rate"/"lower_rate" (up to unknown constants: the value is the shape with constants set to 1),
"lower", "a_posteriori" (needs trained quantities), "prediction".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import sympy as sp

from mlc.compiler import ir
from mlc.compiler.theory.exprs import Interval, interval_range
from mlc.compiler.theory.norms import NormEstimate
from mlc.compiler.theory.render import to_latex, to_text

# ----------------------------------------------------------------------------------------------
# Symbols
# ----------------------------------------------------------------------------------------------

m, n, d, d_eff, L, Q, delta, t, lam, P = sp.symbols("m n d d_eff L Q delta t lambda P")
eps_n, c_pi, lam_min, tau, S_m = sp.symbols("eps_n c lambda_min tau S_m")
HALF = sp.Rational(1, 2)

DEFINITIONS: dict[sp.Symbol, sp.Expr] = {
    eps_n: sp.sqrt(2 * sp.log(2 * d_eff) / n),
    c_pi: sp.pi ** 2 / 6,
}
"""Auxiliary symbols, substituted before evaluation (ε_n is the Rademacher unit of T3, c = π²/6)."""


def _twice(inner: sp.Expr) -> sp.Expr:
    return sp.Mul(2, inner, evaluate=False)


# ----------------------------------------------------------------------------------------------
# Context
# ----------------------------------------------------------------------------------------------


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
        """Gradient-flow time lr × steps (None for a closed-form solve, which takes no steps)."""
        tr = self.run.train
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
    def target_range(self) -> Interval:
        """A sound enclosure of f* over the input domain (interval arithmetic / teacher weights)."""
        radius = self.run.input.sup_norm_bound
        target = self.run.target
        if isinstance(target, ir.TeacherTarget):
            return _teacher_range(target, self.d, radius)
        return interval_range(target.expr, self.d, radius)

    @cached_property
    def barron_derived(self) -> float | None:
        """The rule-derived Barron-norm bound of f* whatever the declared space (None if no rule applies)."""
        from mlc.compiler.theory.norms import NoRule, barron_norm_bound

        try:
            return barron_norm_bound(self.run.target, self.run.input).value
        except NoRule:
            return None

    def values(self) -> dict[sp.Symbol, float]:
        """Numeric values of the basic symbols (those that are known)."""
        vals: dict[sp.Symbol, float] = {
            m: float(self.model.width), n: float(self.run.data.n), d: float(self.d), d_eff: float(self.d_eff),
            L: float(self.model.depth), delta: self.delta,
        }
        if self.time is not None:
            vals[t] = self.time
        if self.norm.value is not None:
            vals[Q] = float(self.norm.value)
        return vals


def _teacher_range(target: ir.TeacherTarget, d: int, radius: float) -> Interval:
    from mlc.compiler.theory.teacher import teacher_weights

    if not math.isfinite(radius):
        return Interval(-math.inf, math.inf)
    w = teacher_weights(target, d)
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
    return Interval(lo, hi)


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


def family(*families: str) -> Hypothesis:
    def check(c: Context) -> str | None:
        if c.model.family in families:
            return None
        return f"needs a {' or '.join(families)} model; {c.model.name} is {c.model.family}"
    return Hypothesis(f"model family {' | '.join(families)}", check)


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
        if kind == "gd" and tr.solve in ("gd", "gd_exact") and tr.penalty.kind == "none":
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


# ----------------------------------------------------------------------------------------------
# Theorems
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theorem:
    """One catalog entry. ``formula`` is written in the reported normalisation and evaluated with the
    context's values (plus DEFINITIONS and ``extra_values``) substituted, unless ``value_fn`` computes the
    value directly. ``families`` lists the model families it is about (others do not list it at all),
    ``relevant`` narrows that further; ``trivial`` returns the trivial bound on the quantity (for the
    "vacuous" note) or None.
    """

    id: str
    title: str
    citation: str
    kind: str
    quantity: str
    normalisation: str
    formula: sp.Expr | None
    families: tuple[str, ...]
    hypotheses: tuple[Hypothesis, ...]
    unverified: bool = False
    note: str = ""
    extra_values: Callable[[Context], dict[sp.Symbol, float]] | None = None
    trivial: Callable[[Context], float | None] | None = None
    relevant: Callable[[Context], bool] | None = None
    value_fn: Callable[[Context], float | None] | None = None

    def applies_to(self, c: Context) -> bool:
        """Whether the theorem is about this kind of model at all (else it is not listed)."""
        if c.model.family not in self.families:
            return False
        return self.relevant(c) if self.relevant is not None else True

    def hypothesis_status(self, c: Context) -> list[tuple[str, str | None]]:
        """(name, failure message or None) for every hypothesis, in order."""
        return [(h.name, h.check(c)) for h in self.hypotheses]

    def evaluate(self, c: Context) -> dict[str, Any]:
        """The BoundValue-shaped dict for this run."""
        failing = [msg for h in self.hypotheses if (msg := h.check(c)) is not None]
        value: float | None = None
        note = self.note
        if not failing:
            if self.value_fn is not None:
                value = self.value_fn(c)
            elif self.formula is not None:
                value = evaluate_formula(self.formula, self._values(c))
            if value is not None and self.trivial is not None:
                triv = self.trivial(c)
                if triv is not None and value > triv:
                    note = _join(note, f"vacuous: exceeds the trivial bound {_g(triv)}; clipped value {_g(triv)}")
        if c.norm.method == "declared" and self.formula is not None and Q in self.formula.free_symbols:
            note = _join(note, "Q is the declared norm (not verified by mlc)")
        if c.norm.method == "estimated" and self.formula is not None and Q in self.formula.free_symbols:
            note = _join(note, "Q is a numerical estimate, so this is not a proven bound")
        unverified = self.unverified or (c.norm.unverified and self.formula is not None
                                         and Q in self.formula.free_symbols)
        return {
            "theorem": self.id,
            "title": self.title,
            "citation": self.citation,
            "kind": self.kind,
            "holds": not failing,
            "failing": failing,
            "quantity": self.quantity,
            "value": value,
            "latex": to_latex(self.formula) if self.formula is not None else "",
            "text": to_text(self.formula) if self.formula is not None else "",
            "unverified": unverified,
            "note": _join(note, self.normalisation) if self.normalisation else note,
        }

    def _values(self, c: Context) -> dict[sp.Symbol, float]:
        vals = c.values()
        if self.extra_values is not None:
            vals.update(self.extra_values(c))
        return vals


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else (a or b)


def evaluate_formula(formula: sp.Expr, values: dict[sp.Symbol, float]) -> float | None:
    """Substitute DEFINITIONS then numeric values; None if a symbol is left or the value is not finite."""
    expr = formula.subs(DEFINITIONS).subs(values)
    if expr.free_symbols:
        return None
    v = complex(sp.N(expr))
    if abs(v.imag) > 1e-12 or not math.isfinite(v.real):
        return None
    return float(v.real)


# --- T5 explicit [D] -------------------------------------------------------------------------

T5_HALF_MSE = (3 * Q ** 2 / (2 * m) + ((2 * lam + 8) * Q + 8) * eps_n
               + HALF * sp.sqrt(sp.log(2 * c_pi * (2 * Q + 1) ** 2 / delta) / (2 * n))
               + HALF * sp.sqrt(sp.log(2 * c_pi * (2 * Q + 1 + 1 / (2 * lam * eps_n)) ** 2 / delta) / (2 * n)))
"""REFERENCE §3.1 T5 explicit-constant version [D], on L = MSE/2."""

T4_GAP_HALF_MSE = 4 * (P + 1) * eps_n + HALF * sp.sqrt(sp.log(2 * c_pi * (P + 1) ** 2 / delta) / (2 * n))
"""REFERENCE §3.1 T4 [D]: sup_θ |L(θ) − L̂(θ)| with P = ‖θ‖_P, on L = MSE/2."""

T12_GAP_MSE = (24 * (P + 1) * sp.sqrt(2 * sp.log(2 * d) / n)
               + 4 * sp.sqrt(2 * sp.log(4 * (P + 1) ** 2 / delta) / n))
"""REFERENCE §3.5 T12 a posteriori (slide#39 verbatim), loss = MSE, truncation to [-1, 1]."""


def _t5_values(c: Context) -> dict[sp.Symbol, float]:
    return {lam: c.lam_normalised}


def _path_norm(c: Context) -> dict[sp.Symbol, float]:
    return {P: float(c.metrics["path_norm"])}


def _wpath_norm(c: Context) -> dict[sp.Symbol, float]:
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


def _t9c_tau(c: Context) -> dict[sp.Symbol, float]:
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


def _depth_sum(c: Context) -> dict[sp.Symbol, float]:
    widths = list(c.model.widths) or [c.model.width] * c.model.depth
    depth = len(widths)
    return {S_m: sum(2.0 ** (depth - (l + 1)) / math.sqrt(w) for l, w in enumerate(widths)), L: float(depth)}


def _t19_value(c: Context) -> float:
    if c.model.family == "random_features":
        return float(c.run.data.n)
    return c.run.data.n / (c.d + 1)


def _t18_value(c: Context) -> float | None:
    v = c.metrics.get("rf_lambda_min")
    if not v or v <= 0 or c.lr_effective is None:
        return None
    return 1.0 / (c.lr_effective * c.loss_factor * v)


def _trained_by_gd(c: Context) -> bool:
    """T18 is about the GD trajectory: a closed-form solve (min_norm, ridge) has none, so it is not listed."""
    return c.run.train.iterative


def _t18_plain_gd(c: Context) -> str | None:
    opt = c.run.train.optimizer
    if opt is not None and opt.kind == "gd" and opt.momentum == 0.0:
        return None
    kind = opt.kind if opt is not None else "none"
    return f"T18 is the closed form of full-batch GD without momentum; the spec's optimizer is {kind}"


def _spectrum_recorded(c: Context) -> bool:
    return "spectrum" in c.run.train.record.metrics


def _flow_q(c: Context) -> dict[sp.Symbol, float]:
    """Q in flow space: a Barron-space norm converts by ‖f‖_D₂ ≤ √(d+1)‖f‖_B (REFERENCE §2.4)."""
    if c.run.space.kind == "barron" and c.norm.value is not None:
        return {Q: math.sqrt(c.d + 1) * float(c.norm.value)}
    return {}


def _resnet_lambda(c: Context) -> dict[sp.Symbol, float]:
    # the lowering's penalty is lam · √(2 ln(2 d_eff)/n) · ‖θ‖_WP, T12's is λ (‖θ‖ + 1) √(2 log(2d)/n)
    vals = _flow_q(c)
    if "T12" in c.conv.theorem_lambda:
        vals[lam] = c.conv.theorem_lambda["T12"]
    return vals


T5_CITE = "E, Ma, Wu, arXiv 1810.06397 (CMS 2019), a priori estimate; REFERENCE §3.1 T5 explicit version [D]"

CATALOG: tuple[Theorem, ...] = (
    Theorem(
        id="T1", title="Direct approximation in Barron space",
        citation="E–Ma–Wu, V-lec6 Thm 0.2, V-slides#27; REFERENCE §3.1 T1",
        kind="upper", quantity="approximation_error",
        normalisation="MSE of the best width-m net; also ‖θ̃‖_P ≤ 2Q",
        formula=3 * Q ** 2 / m, families=("two_layer",),
        hypotheses=(bounded_inputs("T1"), space_is("T1", "barron"), norm_known("T1", "Barron")),
        trivial=_sup_sq,
    ),
    Theorem(
        id="T3", title="Rademacher complexity of the path-norm ball",
        citation="V-slides#29, V-lec6 Thm 0.4; REFERENCE §3.1 T3",
        kind="upper", quantity="rademacher_complexity",
        normalisation="Rad_S of {‖θ‖_P ≤ Q}; ln, d_eff = d + 1 with biases",
        formula=2 * Q * eps_n, families=("two_layer",),
        hypotheses=(bounded_inputs("T3"), space_is("T3", "barron"), norm_known("T3", "Barron")),
    ),
    Theorem(
        id="T4", title="A posteriori generalisation gap (two-layer)",
        citation="REFERENCE §3.1 T4 [D] (from T3 + union bound over norm levels; cf. 1810.06397)",
        kind="a_posteriori", quantity="generalisation_gap",
        normalisation="|test − train| in MSE of the [0,1]-truncated predictor = 2 × the L = MSE/2 gap; P = trained path norm",
        formula=_twice(T4_GAP_HALF_MSE), families=("two_layer",),
        hypotheses=(bounded_inputs("T4"), target_in("T4", 0.0, 1.0), noiseless("T4"),
                    metric("T4", "path_norm", "the trained path norm")),
        extra_values=_path_norm, trivial=_one,
    ),
    Theorem(
        id="T5", title="A priori estimate, path-norm-regularised two-layer net (explicit constants)",
        citation=T5_CITE,
        kind="upper", quantity="test_error",
        normalisation=("MSE of the [0,1]-truncated predictor = 2 × the bound on L = MSE/2; holds for the exact "
                       "minimiser of J = L̂ + λ ε_n ‖θ‖_P (a trained net only approximately minimises J)"),
        formula=_twice(T5_HALF_MSE), families=("two_layer",),
        hypotheses=(bounded_inputs("T5"), space_is("T5", "barron"), norm_known("T5", "Barron"),
                    target_in("T5", 0.0, 1.0), noiseless("T5"), penalty_is("T5", "path_norm"), t5_lambda()),
        extra_values=_t5_values, trivial=_one,
    ),
    Theorem(
        id="T5p", title="A priori estimate, paper form (rate only)",
        citation="E, Ma, Wu, arXiv 1810.06397, V-slides#31; REFERENCE §3.1 T5 paper form",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE; unknown constants C₀, C₁, C₂ set to 1 (shape only)",
        formula=Q ** 2 / m + Q * sp.sqrt(sp.log(2 * d) / n) + sp.sqrt((sp.log(4 / delta) + sp.log(n)) / n),
        families=("two_layer",),
        hypotheses=(bounded_inputs("T5p"), space_is("T5p", "barron"), norm_known("T5p", "Barron"),
                    target_in("T5p", 0.0, 1.0), penalty_is("T5p", "path_norm")),
    ),
    Theorem(
        id="T7", title="Random features cannot beat m^(−1/d) on the Barron ball (lower bound, rate)",
        citation="Barron 1993; V-slides#6; REFERENCE §3.2 T7",
        kind="lower_rate", quantity="approximation_error",
        normalisation="squared L² error, worst case over ‖f‖_B ≤ 1 (not this target); unknown constant C set to 1",
        formula=1 / (d ** 2 * m ** (2 / d)), families=("random_features",),
        hypotheses=(space_is("T7", "barron"),),
    ),
    Theorem(
        id="T9a", title="RF direct approximation",
        citation="V-lec4 Claim 4.2, V-lec5; REFERENCE §3.3 T9a",
        kind="upper_rate", quantity="approximation_error",
        normalisation="MSE; explicit B²Q²/m needs |φ| ≤ B (B = 1 on the ℓ₁ sphere); shape with B = 1",
        formula=Q ** 2 / m, families=("random_features",),
        hypotheses=(space_is("T9a", "rkhs"), norm_known("T9a", "RKHS")),
    ),
    Theorem(
        id="T9b", title="RF Rademacher complexity",
        citation="V-lec5 eq. (2), V-lec4 Claim 4.3; REFERENCE §3.3 T9b",
        kind="upper_rate", quantity="rademacher_complexity",
        normalisation="Rad_n of {√m‖a‖₂ ≤ Q}, explicit when |φ| ≤ 1",
        formula=Q / sp.sqrt(n), families=("random_features",),
        hypotheses=(space_is("T9b", "rkhs"), norm_known("T9b", "RKHS")),
    ),
    Theorem(
        id="T9c", title="Regularised RF, a priori (rate)",
        citation="V-slides#23, V-lec5 eq. (7); REFERENCE §3.3 T9c",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to absolute constants (set to 1); τ = λ√(ln(2d_eff)) from the slide-form penalty",
        formula=(Q ** 2 / m + (1 + tau) * Q / sp.sqrt(n) + sp.sqrt(sp.log(n ** 2 / delta) / n)
                 + sp.sqrt(sp.log(1 / delta) / n) * Q),
        families=("random_features",),
        hypotheses=(space_is("T9c", "rkhs"), norm_known("T9c", "RKHS"), target_in("T9c", -1.0, 1.0),
                    penalty_is("T9c", "rkhs_norm"), custom("τ ≥ 1", _t9c_check)),
        extra_values=_t9c_tau,
    ),
    Theorem(
        id="T9d", title="RF trained by GD from a = 0: early stopping (rate)",
        citation="V-slides#62; REFERENCE §3.3 T9d",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1), t = lr·steps; the small ε(m, n, t, δ) term omitted",
        formula=Q ** 2 / m + t / sp.sqrt(n) + Q ** 2 / (2 * t), families=("random_features",),
        hypotheses=(space_is("T9d", "rkhs"), norm_known("T9d", "RKHS"), gd_from_zero("T9d")),
    ),
    Theorem(
        id="T9e", title="RF minimum-norm interpolant (rate)",
        citation="V-slides#63; REFERENCE §3.3 T9e",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1, C = Q); fails near m ≈ n",
        formula=Q ** 2 / m + Q / sp.sqrt(n) + Q ** 2 * sp.log(1 / delta) / m + Q * sp.sqrt(sp.log(1 / delta) / n),
        families=("random_features",),
        hypotheses=(space_is("T9e", "rkhs"), norm_known("T9e", "RKHS"), custom("solve = min_norm", _min_norm),
                    metric("T9e", "kernel_lambda_min", "λ_min of the kernel Gram matrix K = k(x_i,x_j)/n"),
                    custom("m ≥ λ_min(K)⁻²", _t9e_check)),
    ),
    Theorem(
        id="T10", title="Over-parameterised GD tracks the kernel (RF) model",
        citation="E–Ma–Wu, arXiv 1904.04326, V-slides#49-50; REFERENCE §3.4 T10",
        kind="prediction", quantity="width_needed",
        normalisation="value: the width 64 λ_n⁻⁴ ln(n²/δ) above which the net stays close to the kernel model",
        formula=64 * lam_min ** -4 * sp.log(n ** 2 / delta), families=("two_layer",),
        hypotheses=(relu_activation("T10"), custom("conventional/NTK scaling", _ntk_scaling),
                    metric("T10", "kernel_lambda_min", "λ_n = λ_min of the Gram matrix k₀(x_i,x_j)/n"),
                    custom("m > 64 λ_n⁻⁴ ln(n²/δ)", _t10_check)),
        value_fn=_t10_width,
    ),
    Theorem(
        id="T11", title="Two-layer GD with early stopping on RKHS targets (rate)",
        citation="V-slides#51, V-lec7.2; REFERENCE §3.4 T11",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1); only for f* ∈ H_k0 (the kernel method)",
        formula=1 / m + 1 / sp.sqrt(n), families=("two_layer",),
        hypotheses=(space_is("T11", "rkhs"), target_in("T11", -1.0, 1.0), custom("m ≥ n", _m_ge_n),
                    custom("t = O(√n/m)", _t11_time), custom("conventional/NTK scaling", _ntk_scaling),
                    gradient_flow("T11")),
    ),
    Theorem(
        id="T12r", title="ResNet (flow space) Rademacher complexity",
        citation="V-slides#38-40; REFERENCE §3.5 T12",
        kind="upper", quantity="rademacher_complexity",
        normalisation="Rad_S of {‖f‖_D₁ ≤ Q}, every depth; Q taken as the flow-space bound (√(d+1)·‖f*‖_B for a Barron-space spec)",
        formula=3 * Q * sp.sqrt(2 * sp.log(2 * d) / n), families=("resnet",),
        hypotheses=(bounded_inputs("T12"), space_is("T12", "flow", "barron"), norm_known("T12", "flow")),
        extra_values=_flow_q,
    ),
    Theorem(
        id="T12p", title="ResNet a posteriori generalisation gap",
        citation="V-slides#39 (verbatim); REFERENCE §3.5 T12",
        kind="a_posteriori", quantity="generalisation_gap",
        normalisation="|test − train| in MSE of the [−1,1]-truncated predictor; P = trained weighted path norm",
        formula=T12_GAP_MSE, families=("resnet",),
        hypotheses=(bounded_inputs("T12"), target_in("T12", -1.0, 1.0),
                    metric("T12", "weighted_path_norm", "the trained weighted path norm")),
        extra_values=_wpath_norm, trivial=lambda c: 4.0, unverified=True,
        note="the weighted path norm stands in for ‖θ‖_D₁ (REFERENCE §2.4 [M])",
    ),
    Theorem(
        id="T12a", title="ResNet a priori estimate (rate)",
        citation="V-slides#40; E–Ma–Wang arXiv 1903.02154; REFERENCE §3.5 T12",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1); Q used for both ‖f*‖_D₂ and ‖f*‖_D₁ (√(d+1)·‖f*‖_B for a Barron-space spec)",
        formula=Q ** 2 / L + lam * (Q ** 3 + 1) * sp.sqrt(sp.log(2 * d) / n) + sp.sqrt(sp.log(1 / delta) / n),
        families=("resnet",),
        hypotheses=(bounded_inputs("T12"), space_is("T12", "flow", "barron"), norm_known("T12", "flow"),
                    target_in("T12", -1.0, 1.0), penalty_is("T12", "weighted_path_norm")),
        extra_values=_resnet_lambda,
    ),
    Theorem(
        id="T13", title="Flow-space direct approximation by depth-L ResNets (rate)",
        citation="V-slides#38; REFERENCE §3.5 T13",
        kind="upper_rate", quantity="approximation_error",
        normalisation="squared L² error up to a constant (set to 1)",
        formula=Q ** 2 / L, families=("resnet",),
        hypotheses=(space_is("T13", "flow", "barron"), norm_known("T13", "flow")),
        extra_values=_flow_q,
    ),
    Theorem(
        id="T14m", title="Multi-layer spaces W^L (shape only)",
        citation="E–Wojtowytsch, arXiv 2007.15623 (abstract); REFERENCE §3.6 T14m, §2.5 [M]",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE shape; S_m = Σ_l 2^(L−l)/√m_l; constants unverified",
        formula=Q ** 2 * S_m ** 2 + 2 ** (L + 1) * Q * sp.sqrt(2 * sp.log(2 * d + 2) / n) + sp.sqrt(sp.log(1 / delta) / n),
        families=("deep",),
        hypotheses=(bounded_inputs("T14m"), space_is("T14m", "multilayer", "barron"), norm_known("T14m", "multilayer")),
        extra_values=_depth_sum, unverified=True,
    ),
    Theorem(
        id="T17", title="Mean-field training can suffer the curse of dimensionality (lower envelope)",
        citation="Wojtowytsch & E, arXiv 2005.10815 (abstract); REFERENCE §3.7 T17",
        kind="lower_rate", quantity="test_error",
        normalisation="population risk ≳ t^(−4/(d−2)) for some non-Barron Lipschitz targets; constant set to 1",
        formula=t ** (-4 / (d - 2)), families=("two_layer",),
        hypotheses=(custom("mean-field scaling", _mean_field), custom("d > 2", _d_gt_2),
                    custom("f* not known to be Barron", _not_barron), gradient_flow("T17")),
    ),
    Theorem(
        id="T18", title="GD on random features in closed form: slow deterioration time",
        citation="REFERENCE §3.8 T18 [D]; Ma–Wu–E arXiv 2008.05621 (abstract)",
        kind="prediction", quantity="deterioration_step",
        normalisation=("the GD step 1/(η k λ_min) at which the slowest mode (λ_min = smallest nonzero eigenvalue of "
                       "ΦᵀΦ/n) is learned and the error may rise toward the min-norm error; η = effective lr, "
                       "k = 2 for mse, 1 for half_mse"),
        formula=1 / (sp.Symbol("eta") * sp.Symbol("k") * lam_min), families=("random_features",),
        hypotheses=(custom("full-batch GD", _t18_plain_gd),
                    metric("T18", "rf_lambda_min", "the smallest nonzero eigenvalue of the feature Gram matrix")),
        value_fn=_t18_value, relevant=_trained_by_gd,
    ),
    Theorem(
        id="T19", title="Double-descent peak location",
        citation="REFERENCE §3.8 T19 [R3; M]",
        kind="prediction", quantity="peak_width",
        normalisation="width at the interpolation threshold: m = n (RF), m = n/(d+1) (two-layer)",
        formula=None, families=("random_features", "two_layer"),
        hypotheses=(), value_fn=_t19_value, unverified=True,
    ),
    Theorem(
        id="FP", title="Frequency principle (measured diagnostic)",
        citation="Xu, Zhang, Luo, Xiao, Ma, arXiv 1901.06523; V-lec9.1-9.3; REFERENCE §3.9",
        kind="prediction", quantity="spectrum",
        normalisation="prediction: the relative error of low frequencies of the fit decreases before that of high ones",
        formula=None, families=("two_layer", "random_features", "resnet", "deep"),
        hypotheses=(), relevant=_spectrum_recorded,
        note="read off the recorded `spectrum` metric: no number is predicted",
    ),
)

BY_ID: dict[str, Theorem] = {th.id: th for th in CATALOG}


def evaluate_all(c: Context) -> list[dict[str, Any]]:
    """Every relevant theorem of the catalog evaluated for one run."""
    return [th.evaluate(c) for th in CATALOG if th.applies_to(c)]
