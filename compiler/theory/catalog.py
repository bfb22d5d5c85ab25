"""The theorem catalog: every bound mlc knows, as data (statement, hypotheses, formula), and its evaluation.

Input:  a :class:`~mlc.compiler.theory.context.Context` (the run, the target-norm estimate, trained metrics if
        any, delta).
Output: for each relevant theorem, a dict with exactly the fields of ``BoundValue``.
Role:   the single place where REFERENCE §3 lives in code, as a table. A value is computed only when every
        hypothesis holds; otherwise ``holds`` is False and ``failing`` lists the human-readable reasons. A theorem
        lists the theory tags of the model families it is about (``Family.theory_tags``,
        ``mlc.compiler.families``); a model whose family has none of them does not list it. The context and
        symbols are in ``theory.context``, the shared hypotheses in ``theory.hypotheses``, the theorem-specific
        formulas and checks in ``theory.theorem_rules``. The formulas are written in ``theory.symbolic`` (plain
        float evaluation) and printed from ``theory._rendered`` (their text and LaTeX, generated from this table
        with sympy's printers by ``python -m mlc.compiler.theory.render``): evaluating and printing the bounds
        imports no sympy.

Normalisations (REFERENCE §1, §7): errors are MSE = mean (f − f*)² unless a theorem says L = MSE/2, in which
case the value reported is converted to MSE (×2) and the text says so; logs are natural; d_eff = d + 1 when
the model has biases; "t" is gradient-flow time lr × steps. Kinds: "upper" (explicit constants),
"upper_rate"/"lower_rate" (up to unknown constants: the value is the shape with constants set to 1),
"lower", "a_posteriori" (needs trained quantities), "prediction".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from mlc.compiler import families
from mlc.compiler.theory.context import (
    Context, DEFINITIONS, L, Q, S_m, d, delta, eps_n, lam, lam_min, m, n, t, tau,
)
from mlc.compiler.theory.hypotheses import (
    Hypothesis, _g, bounded_inputs, custom, gd_from_zero, gradient_flow, metric, noiseless, norm_known,
    penalty_is, relu_activation, space_is, t5_lambda, target_in,
)
from mlc.compiler.theory.symbolic import Formula, log, real_value, sqrt, symbols, twice
from mlc.compiler.theory.theorem_rules import (
    T12_GAP_MSE, T4_GAP_HALF_MSE, T5_HALF_MSE, _d_gt_2, _depth_sum, _flow_q, _m_ge_n, _mean_field, _min_norm,
    _not_barron, _ntk_scaling, _one, _path_norm, _resnet_lambda, _scaled_resnet, _spectrum_recorded, _sup_sq, _t10_check,
    _t10_width, _t11_time, _t18_plain_gd, _t18_value, _t19_value, _t5_values, _t9c_check, _t9c_tau, _t9e_check,
    _trained_by_gd, _wpath_norm,
)

SCALED_RESNET = custom("the scaled ResNet (1/L blocks)", _scaled_resnet)
"""The hypothesis of every ResNet theorem (T12, T13): `depth_scaling = one_over_L`."""

# ----------------------------------------------------------------------------------------------
# Theorems
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theorem:
    """One catalog entry. ``formula`` is written in the reported normalisation and evaluated with the
    context's values (plus DEFINITIONS and ``extra_values``) substituted, unless ``value_fn`` computes the
    value directly. ``families`` lists the model families it is about (others do not list it at all),
    ``relevant`` narrows that further; ``trivial`` returns the trivial bound on the quantity (for the
    "vacuous" note) or None. ``heavy_tailed``: the value varies over seeds with a heavy tail (it divides by a
    random small eigenvalue), so the report summarises it by the median, never the mean.
    """

    id: str
    title: str
    citation: str
    kind: str
    quantity: str
    normalisation: str
    formula: Formula | None
    tags: tuple[str, ...]
    hypotheses: tuple[Hypothesis, ...]
    unverified: bool = False
    note: str = ""
    extra_values: Callable[[Context], dict[Formula, float]] | None = None
    trivial: Callable[[Context], float | None] | None = None
    relevant: Callable[[Context], bool] | None = None
    value_fn: Callable[[Context], float | None] | None = None
    heavy_tailed: bool = False

    def applies_to(self, c: Context) -> bool:
        """Whether the theorem is about this kind of model at all (else it is not listed)."""
        if not set(self.tags) & set(families.of(c.model).theory_tags):
            return False
        return self.relevant(c) if self.relevant is not None else True

    def hypothesis_status(self, c: Context) -> list[tuple[str, str | None]]:
        """(name, failure message or None) for every hypothesis, in order."""
        return [(h.name, h.check(c)) for h in self.hypotheses]

    def evaluate(self, c: Context, status: list[tuple[str, str | None]] | None = None) -> dict[str, Any]:
        """The BoundValue-shaped dict for this run; ``status``: :meth:`hypothesis_status` if the caller has it
        already (each hypothesis is checked once per run)."""
        if status is None:
            status = self.hypothesis_status(c)
        failing = [msg for _, msg in status if msg is not None]
        value: float | None = None
        trivial: float | None = None
        note = self.note
        if not failing:
            if self.value_fn is not None:
                value = self.value_fn(c)
            elif self.formula is not None:
                value = evaluate_formula(self.formula, self._values(c))
            if value is not None and self.trivial is not None:
                triv = self.trivial(c)
                if triv is not None and value > triv:
                    trivial = triv
                    note = _join(note, f"vacuous: exceeds the trivial bound {_g(triv)}; clipped value {_g(triv)}")
        if c.norm.method == "declared" and self.formula is not None and Q in self.formula.free_symbols:
            note = _join(note, "Q is the declared norm (not verified by mlc)")
        if c.norm.method == "estimated" and self.formula is not None and Q in self.formula.free_symbols:
            note = _join(note, "Q is a numerical estimate, so this is not a proven bound")
        unverified = self.unverified or (c.norm.unverified and self.formula is not None
                                         and Q in self.formula.free_symbols)
        text, latex = rendered(self.formula) if self.formula is not None else ("", "")
        return {
            "theorem": self.id,
            "title": self.title,
            "citation": self.citation,
            "kind": self.kind,
            "holds": not failing,
            "failing": failing,
            "quantity": self.quantity,
            "value": value,
            "latex": latex,
            "text": text,
            "unverified": unverified,
            "note": _join(note, self.normalisation) if self.normalisation else note,
            "trivial": trivial,
        }

    def _values(self, c: Context) -> dict[Formula, float]:
        vals = c.values()
        if self.extra_values is not None:
            vals.update(self.extra_values(c))
        return vals


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else (a or b)


_DEFINED: dict[Formula, Formula] = {}
"""Each formula with the DEFINITIONS substituted, by formula (the catalog's formulas are fixed)."""


def evaluate_formula(formula: Formula, values: dict[Formula, float]) -> float | None:
    """Substitute DEFINITIONS then the numeric values; None if a symbol has no value or the value is not a
    finite real number (:func:`~mlc.compiler.theory.symbolic.real_value`). Plain float arithmetic: a few
    microseconds, so every run evaluates its own bounds (no cache of values is needed)."""
    expr = _DEFINED.get(formula)
    if expr is None:
        expr = _DEFINED[formula] = formula.subs(DEFINITIONS)
    return real_value(expr, values)


def rendered(formula: Formula) -> tuple[str, str]:
    """The one-line text and the LaTeX of a formula: generated from the catalog with sympy's printers into
    ``theory._rendered`` (``python -m mlc.compiler.theory.render``), so that printing a bound imports no sympy.
    A formula missing there (the table is stale: tests/test_theory_render.py fails then) is printed with sympy."""
    from mlc.compiler.theory._rendered import RENDERED

    found = RENDERED.get(formula.key)
    if found is None:
        from mlc.compiler.theory.render import to_latex, to_text

        expr = formula.to_sympy()
        found = (to_text(expr), to_latex(expr))
    return found


eta, k_loss = symbols("eta k")
"""T18's effective learning rate and loss factor (its value is computed by ``value_fn``; the formula is text)."""

T5_CITE = "E, Ma, Wu, arXiv 1810.06397 (CMS 2019), a priori estimate; REFERENCE §3.1 T5 explicit version [D]"

CATALOG: tuple[Theorem, ...] = (
    Theorem(
        id="T1", title="Direct approximation in Barron space",
        citation="E–Ma–Wu, V-lec6 Thm 0.2, V-slides#27; REFERENCE §3.1 T1",
        kind="upper", quantity="approximation_error",
        normalisation="MSE of the best width-m net; also ‖θ̃‖_P ≤ 2Q",
        formula=3 * Q ** 2 / m, tags=("two_layer",),
        hypotheses=(relu_activation("T1"), bounded_inputs("T1"), space_is("T1", "barron"), norm_known("T1", "Barron")),
        trivial=_sup_sq,
    ),
    Theorem(
        id="T3", title="Rademacher complexity of the path-norm ball",
        citation="V-slides#29, V-lec6 Thm 0.4; REFERENCE §3.1 T3",
        kind="upper", quantity="rademacher_complexity",
        normalisation="Rad_S of {‖θ‖_P ≤ Q}; ln, d_eff = d + 1 with biases",
        formula=2 * Q * eps_n, tags=("two_layer",),
        hypotheses=(relu_activation("T3"), bounded_inputs("T3"), space_is("T3", "barron"), norm_known("T3", "Barron")),
    ),
    Theorem(
        id="T4", title="A posteriori generalisation gap (two-layer)",
        citation="REFERENCE §3.1 T4 [D] (from T3 + union bound over norm levels; cf. 1810.06397)",
        kind="a_posteriori", quantity="generalisation_gap",
        normalisation="|test − train| in MSE of the [0,1]-truncated predictor = 2 × the L = MSE/2 gap; P = trained path norm",
        formula=twice(T4_GAP_HALF_MSE), tags=("two_layer",),
        hypotheses=(relu_activation("T4"), bounded_inputs("T4"), target_in("T4", 0.0, 1.0), noiseless("T4"),
                    metric("T4", "path_norm", "the trained path norm")),
        extra_values=_path_norm, trivial=_one,
    ),
    Theorem(
        id="T5", title="A priori estimate, path-norm-regularised two-layer net (explicit constants)",
        citation=T5_CITE,
        kind="upper", quantity="test_error",
        normalisation=("MSE of the [0,1]-truncated predictor = 2 × the bound on L = MSE/2; holds for the exact "
                       "minimiser of J = L̂ + λ ε_n ‖θ‖_P (a trained net only approximately minimises J)"),
        formula=twice(T5_HALF_MSE), tags=("two_layer",),
        hypotheses=(relu_activation("T5"), bounded_inputs("T5"), space_is("T5", "barron"), norm_known("T5", "Barron"),
                    target_in("T5", 0.0, 1.0), noiseless("T5"), penalty_is("T5", "path_norm"), t5_lambda()),
        extra_values=_t5_values, trivial=_one,
    ),
    Theorem(
        id="T5p", title="A priori estimate, paper form (rate only)",
        citation="E, Ma, Wu, arXiv 1810.06397, V-slides#31; REFERENCE §3.1 T5 paper form",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE; unknown constants C₀, C₁, C₂ set to 1 (shape only)",
        formula=Q ** 2 / m + Q * sqrt(log(2 * d) / n) + sqrt((log(4 / delta) + log(n)) / n),
        tags=("two_layer",),
        hypotheses=(relu_activation("T5p"), bounded_inputs("T5p"), space_is("T5p", "barron"), norm_known("T5p", "Barron"),
                    target_in("T5p", 0.0, 1.0), penalty_is("T5p", "path_norm")),
    ),
    Theorem(
        id="T7", title="Random features cannot beat m^(−1/d) on the Barron ball (lower bound, rate)",
        citation="Barron 1993; V-slides#6; REFERENCE §3.2 T7",
        kind="lower_rate", quantity="approximation_error",
        normalisation="squared L² error, worst case over ‖f‖_B ≤ 1 (not this target); unknown constant C set to 1",
        formula=1 / (d ** 2 * m ** (2 / d)), tags=("random_features",),
        hypotheses=(space_is("T7", "barron"),),
    ),
    Theorem(
        id="T9a", title="RF direct approximation",
        citation="V-lec4 Claim 4.2, V-lec5; REFERENCE §3.3 T9a",
        kind="upper_rate", quantity="approximation_error",
        normalisation="MSE; explicit B²Q²/m needs |φ| ≤ B (B = 1 on the ℓ₁ sphere); shape with B = 1",
        formula=Q ** 2 / m, tags=("random_features",),
        hypotheses=(space_is("T9a", "rkhs"), norm_known("T9a", "RKHS")),
    ),
    Theorem(
        id="T9b", title="RF Rademacher complexity",
        citation="V-lec5 eq. (2), V-lec4 Claim 4.3; REFERENCE §3.3 T9b",
        kind="upper_rate", quantity="rademacher_complexity",
        normalisation="Rad_n of {√m‖a‖₂ ≤ Q}, explicit when |φ| ≤ 1",
        formula=Q / sqrt(n), tags=("random_features",),
        hypotheses=(space_is("T9b", "rkhs"), norm_known("T9b", "RKHS")),
    ),
    Theorem(
        id="T9c", title="Regularised RF, a priori (rate)",
        citation="V-slides#23, V-lec5 eq. (7); REFERENCE §3.3 T9c",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to absolute constants (set to 1); τ = λ√(ln(2d_eff)) from the slide-form penalty",
        formula=(Q ** 2 / m + (1 + tau) * Q / sqrt(n) + sqrt(log(n ** 2 / delta) / n)
                 + sqrt(log(1 / delta) / n) * Q),
        tags=("random_features",),
        hypotheses=(space_is("T9c", "rkhs"), norm_known("T9c", "RKHS"), target_in("T9c", -1.0, 1.0),
                    penalty_is("T9c", "rkhs_norm"), custom("τ ≥ 1", _t9c_check)),
        extra_values=_t9c_tau,
    ),
    Theorem(
        id="T9d", title="RF trained by GD from a = 0: early stopping (rate)",
        citation="V-slides#62; REFERENCE §3.3 T9d",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1), t = lr·steps; the small ε(m, n, t, δ) term omitted",
        formula=Q ** 2 / m + t / sqrt(n) + Q ** 2 / (2 * t), tags=("random_features",),
        hypotheses=(space_is("T9d", "rkhs"), norm_known("T9d", "RKHS"), gd_from_zero("T9d")),
    ),
    Theorem(
        id="T9e", title="RF minimum-norm interpolant (rate)",
        citation="V-slides#63; REFERENCE §3.3 T9e",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1, C = Q); fails near m ≈ n",
        formula=Q ** 2 / m + Q / sqrt(n) + Q ** 2 * log(1 / delta) / m + Q * sqrt(log(1 / delta) / n),
        tags=("random_features",),
        hypotheses=(space_is("T9e", "rkhs"), norm_known("T9e", "RKHS"), custom("solve = min_norm", _min_norm),
                    metric("T9e", "kernel_lambda_min", "λ_min of the kernel Gram matrix K = k(x_i,x_j)/n"),
                    custom("m ≥ λ_min(K)⁻²", _t9e_check)),
    ),
    Theorem(
        id="T10", title="Over-parameterised GD tracks the kernel (RF) model",
        citation="E–Ma–Wu, arXiv 1904.04326, V-slides#49-50; REFERENCE §3.4 T10",
        kind="prediction", quantity="width_needed",
        normalisation="value: the width 64 λ_n⁻⁴ ln(n²/δ) above which the net stays close to the kernel model",
        formula=64 * lam_min ** -4 * log(n ** 2 / delta), tags=("two_layer",),
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
        formula=1 / m + 1 / sqrt(n), tags=("two_layer",),
        hypotheses=(space_is("T11", "rkhs"), target_in("T11", -1.0, 1.0), custom("m ≥ n", _m_ge_n),
                    custom("t = O(√n/m)", _t11_time), custom("conventional/NTK scaling", _ntk_scaling),
                    gradient_flow("T11")),
    ),
    Theorem(
        id="T12r", title="ResNet (flow space) Rademacher complexity",
        citation="V-slides#38-40; REFERENCE §3.5 T12",
        kind="upper", quantity="rademacher_complexity",
        normalisation="Rad_S of {‖f‖_D₁ ≤ Q}, every depth; Q taken as the flow-space bound (√(d+1)·‖f*‖_B for a Barron-space spec)",
        formula=3 * Q * sqrt(2 * log(2 * d) / n), tags=("resnet",),
        hypotheses=(relu_activation("T12"), bounded_inputs("T12"), space_is("T12", "flow", "barron"), norm_known("T12", "flow"),
                    SCALED_RESNET),
        extra_values=_flow_q,
    ),
    Theorem(
        id="T12p", title="ResNet a posteriori generalisation gap",
        citation="V-slides#39 (verbatim); REFERENCE §3.5 T12",
        kind="a_posteriori", quantity="generalisation_gap",
        normalisation="|test − train| in MSE of the [−1,1]-truncated predictor; P = trained weighted path norm",
        formula=T12_GAP_MSE, tags=("resnet",),
        hypotheses=(relu_activation("T12"), bounded_inputs("T12"), target_in("T12", -1.0, 1.0),
                    metric("T12", "weighted_path_norm", "the trained weighted path norm"), SCALED_RESNET),
        extra_values=_wpath_norm, trivial=lambda c: 4.0, unverified=True,
        note="the weighted path norm stands in for ‖θ‖_D₁ (REFERENCE §2.4 [M])",
    ),
    Theorem(
        id="T12a", title="ResNet a priori estimate (rate)",
        citation="V-slides#40; E–Ma–Wang arXiv 1903.02154; REFERENCE §3.5 T12",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE up to constants (set to 1); Q used for both ‖f*‖_D₂ and ‖f*‖_D₁ (√(d+1)·‖f*‖_B for a Barron-space spec)",
        formula=Q ** 2 / L + lam * (Q ** 3 + 1) * sqrt(log(2 * d) / n) + sqrt(log(1 / delta) / n),
        tags=("resnet",),
        hypotheses=(relu_activation("T12"), bounded_inputs("T12"), space_is("T12", "flow", "barron"), norm_known("T12", "flow"),
                    target_in("T12", -1.0, 1.0), penalty_is("T12", "weighted_path_norm"), SCALED_RESNET),
        extra_values=_resnet_lambda,
    ),
    Theorem(
        id="T13", title="Flow-space direct approximation by depth-L ResNets (rate)",
        citation="V-slides#38; REFERENCE §3.5 T13",
        kind="upper_rate", quantity="approximation_error",
        normalisation="squared L² error up to a constant (set to 1)",
        formula=Q ** 2 / L, tags=("resnet",),
        hypotheses=(relu_activation("T13"), space_is("T13", "flow", "barron"), norm_known("T13", "flow"), SCALED_RESNET),
        extra_values=_flow_q,
    ),
    Theorem(
        id="T14m", title="Multi-layer spaces W^L (shape only)",
        citation="E–Wojtowytsch, arXiv 2007.15623 (abstract); REFERENCE §3.6 T14m, §2.5 [M]",
        kind="upper_rate", quantity="test_error",
        normalisation="MSE shape; S_m = Σ_l 2^(L−l)/√m_l; constants unverified",
        formula=Q ** 2 * S_m ** 2 + 2 ** (L + 1) * Q * sqrt(2 * log(2 * d + 2) / n) + sqrt(log(1 / delta) / n),
        tags=("deep",),
        hypotheses=(relu_activation("T14m"), bounded_inputs("T14m"), space_is("T14m", "multilayer", "barron"), norm_known("T14m", "multilayer")),
        extra_values=_depth_sum, unverified=True,
    ),
    Theorem(
        id="T17", title="Mean-field training can suffer the curse of dimensionality (lower envelope)",
        citation="Wojtowytsch & E, arXiv 2005.10815 (abstract); REFERENCE §3.7 T17",
        kind="lower_rate", quantity="test_error",
        normalisation="population risk ≳ t^(−4/(d−2)) for some non-Barron Lipschitz targets; constant set to 1",
        formula=t ** (-4 / (d - 2)), tags=("two_layer",),
        hypotheses=(custom("mean-field scaling", _mean_field), custom("d > 2", _d_gt_2),
                    custom("f* not known to be Barron", _not_barron), gradient_flow("T17")),
    ),
    Theorem(
        id="T18", title="GD on random features in closed form: slow deterioration time",
        citation="REFERENCE §3.8 T18 [D]; Ma–Wu–E arXiv 2008.05621 (abstract)",
        kind="prediction", quantity="deterioration_step",
        normalisation=("the GD step 1/(η k λ_min) at which the slowest mode (λ_min = smallest nonzero eigenvalue of "
                       "ΦᵀΦ/n) is learned and the error may rise toward the min-norm error; η = effective lr, "
                       "k = 2 for mse, 1 for half_mse; under solve = gradient_flow the time t = η·steps, with η = 1"),
        formula=1 / (eta * k_loss * lam_min), tags=("random_features",),
        hypotheses=(custom("full-batch GD", _t18_plain_gd),
                    metric("T18", "rf_lambda_min", "the smallest nonzero eigenvalue of the feature Gram matrix")),
        value_fn=_t18_value, relevant=_trained_by_gd, heavy_tailed=True,
    ),
    Theorem(
        id="T19", title="Double-descent peak location",
        citation="REFERENCE §3.8 T19 [R3; M]",
        kind="prediction", quantity="peak_width",
        normalisation="width at the interpolation threshold: m = n (RF), m = n/(d+1) (two-layer)",
        formula=None, tags=("random_features", "two_layer"),
        hypotheses=(), value_fn=_t19_value, unverified=True,
    ),
    Theorem(
        id="FP", title="Frequency principle (measured diagnostic)",
        citation="Xu, Zhang, Luo, Xiao, Ma, arXiv 1901.06523; V-lec9.1-9.3; REFERENCE §3.9",
        kind="prediction", quantity="spectrum",
        normalisation="prediction: the relative error of low frequencies of the fit decreases before that of high ones",
        formula=None, tags=("two_layer", "random_features", "resnet", "deep"),
        hypotheses=(), relevant=_spectrum_recorded,
        note="read off the recorded `spectrum` metric: no number is predicted",
    ),
)

BY_ID: dict[str, Theorem] = {th.id: th for th in CATALOG}


def evaluate_all(c: Context) -> list[dict[str, Any]]:
    """Every relevant theorem of the catalog evaluated for one run."""
    return [th.evaluate(c) for th in CATALOG if th.applies_to(c)]
