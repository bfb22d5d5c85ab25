"""Target-norm inference (compiler.theory.norms) against the REFERENCE §4 catalog, exact 1-D values and
Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mlc.compiler import ir
from mlc.compiler.lower.norm_fit import FittingNormEstimator
from mlc.compiler.theory.estimate import FittedNorm, NormEstimator
from mlc.compiler.theory.exprs import interval_range
from mlc.compiler.theory.norms import BarronDeriver, NoRule, infer_norm

from theory_helpers import X, b, call, comp, gaussian_target, make_run, num


def bound(e: ir.Expr, d: int = 10) -> float:
    return BarronDeriver(d).bound(e).value


def test_a_dead_neuron_has_norm_zero() -> None:
    """relu(0.x - 1) is the zero function on the domain (found by the property test below)."""
    zero = ir.Vector(values=(0.0, 0.0, 0.0))
    assert bound(call("relu", b("+", ir.Dot(left=zero, right=X), num(-1.0))), 3) == 0.0
    half = ir.Vector(values=(0.5, 0.0, 0.0))
    assert bound(call("relu", b("+", ir.Dot(left=half, right=X), num(-0.5))), 3) == 0.0
    assert bound(call("relu", b("+", ir.Dot(left=half, right=X), num(-0.4))), 3) == pytest.approx(0.9)


def test_catalog_values() -> None:
    d = 10
    assert bound(call("relu", comp(1)), d) == pytest.approx(1.0)            # single neuron
    assert bound(b("^", comp(3), num(2)), d) == pytest.approx(6.0, rel=1e-6)  # x_i^2 <= 6
    assert bound(b("*", comp(1), comp(2)), d) == pytest.approx(12.0)          # x_i x_j <= 12
    assert bound(b("^", ir.Norm(arg=X), num(2)), d) == pytest.approx(6.0 * d)  # ||x||^2 <= 6d
    assert bound(ir.Norm(arg=X), d) == pytest.approx(2.0 * d)                 # ||x||_2 <= 2d
    w = ir.Vector(values=(1.0, -2.0) + (0.0,) * (d - 2))
    assert bound(b("+", ir.Dot(left=w, right=X), num(0.5)), d) == pytest.approx(2 * 3 + 0.5)  # affine
    assert bound(call("abs", ir.Dot(left=w, right=X)), d) == pytest.approx(2 * 3)            # |w.x| <= 2||w||_1
    sq = ir.Sum(var="i", lo=1, hi=d, body=b("^", ir.Component(index=ir.IndexVar(name="i")), num(2)))
    assert bound(sq, d) == pytest.approx(6.0 * d, rel=1e-6)


def test_gaussian_rule_3gamma_plus_1() -> None:
    d = 10
    gamma = d + (2 / math.pi) * d * (d - 1)
    assert bound(gaussian_target(), d) == pytest.approx(3 * gamma + 1)
    # exp(-||x||^2/(2 s^2)) with s^2 = 4: gamma scales as 1/s^2
    e = call("exp", ir.Neg(arg=b("/", b("^", ir.Norm(arg=X), num(2)), num(8))))
    assert bound(e, d) <= 3 * gamma / 4 + 1 + 1e-9


def test_ridge_formula_matches_exact_one_dimensional_norm() -> None:
    # REFERENCE §2.2: exp(-x^2/8) in d = 1 has Barron norm 1.647 (> 2 gamma + 1 = 1.5)
    e = call("exp", ir.Neg(arg=b("/", b("^", comp(1), num(2)), num(8))))
    assert bound(e, 1) == pytest.approx(1.647, abs=2e-3)


def test_bound_never_below_the_lp_lower_bound() -> None:
    # f = 2 - 2cos(x_1): ||f||_B >= 4.88 (REFERENCE §2.2 LP certificate); a valid upper bound must exceed it
    e = b("-", num(2), b("*", num(2), call("cos", comp(1))))
    v = bound(e, 3)
    assert v >= 4.88
    # and (R) applied to the ridge is at least the lower bound ∫|f''|(1+|t|) = 4.89
    assert v == pytest.approx(2 + 2 * 2.446, rel=0.2) or v >= 4.89


def test_cos_and_sin_closed_forms() -> None:
    d = 4
    w = ir.Vector(values=(3.0, 0.0, -1.0, 0.0))
    r = 4.0
    assert bound(call("cos", ir.Dot(left=w, right=X)), d) <= min(2 * r * r + 2, 1 + 3 * r * r) + 1e-9
    assert bound(call("sin", ir.Dot(left=w, right=X)), d) <= 2 * r * r + 2 * r + 1e-9


def test_euclidean_norm_representation_monte_carlo() -> None:
    """||x||_2 = c_d^{-1} E relu(w.x), w uniform on the sphere, with path cost c_d^{-1} E||w||_1 = 2d."""
    d = 6
    rng = np.random.default_rng(0)
    w = rng.standard_normal((400_000, d))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    c_d = math.gamma(d / 2) / (2 * math.sqrt(math.pi) * math.gamma((d + 1) / 2))
    x = rng.uniform(-1, 1, size=(5, d))
    est = np.maximum(x @ w.T, 0).mean(axis=1) / c_d
    assert np.allclose(est, np.linalg.norm(x, axis=1), rtol=0.01)
    assert np.abs(w).sum(axis=1).mean() / c_d == pytest.approx(2 * d, rel=0.01)
    assert bound(ir.Norm(arg=X), d) == pytest.approx(2 * d)


def test_teacher_path_norm_uses_the_lowering_weights() -> None:
    import torch
    from mlc.compiler.teacher import teacher_weights
    from mlc.compiler.theory.teacher import teacher_path_norm

    t = ir.TeacherTarget(width=10, activation="relu", bias=True, seed=3)
    w = teacher_weights(t, 7)
    dist = ir.InputDist(kind="cube", dim=7)
    from mlc.compiler.lower.targets import teacher_function

    x = torch.rand(50, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    lowered = teacher_function(t, dist)(x)  # the network the data come from, with the weights the theory reads
    assert torch.equal(lowered, torch.relu(x @ w["b"].T + w["c"]) @ w["a"])
    expected = float((w["a"].abs() * (w["b"].abs().sum(1) + w["c"].abs())).sum())
    est = infer_norm(make_run(target=t, d=7))
    assert est.method == "derived" and est.value == pytest.approx(expected)
    assert teacher_path_norm(t, dist) == pytest.approx(expected)


def test_declared_norm_is_used_and_checked() -> None:
    est = infer_norm(make_run(norm_bound=3.0))
    assert est.method == "declared" and est.value == 3.0
    assert est.warnings and "below the rule-derived" in est.warnings[0]
    est = infer_norm(make_run(call("relu", comp(1)), norm_bound=3.0))
    assert est.method == "declared" and not est.warnings


def test_no_rule_for_unbounded_inputs_and_no_silent_norm() -> None:
    est = infer_norm(make_run(kind="gaussian", std=1.0))
    assert est.method == "none" and est.value is None
    assert "unbounded" in " ".join(est.steps) and "declare" in " ".join(est.steps)
    dist_to_sphere = call("abs", b("-", ir.Norm(arg=X), num(1)))
    est = infer_norm(make_run(dist_to_sphere))
    assert est.method == "none" and "declare `norm <= Q`" in est.steps[-1]
    with pytest.raises(NoRule):
        BarronDeriver(3).bound(dist_to_sphere)


def test_grid_inputs_inside_unit_box_are_fine_outside_not() -> None:
    e = call("sin", comp(1))
    assert infer_norm(make_run(e, d=1, kind="grid", low=-1.0, high=1.0, points=11)).method == "derived"
    est = infer_norm(make_run(e, d=1, kind="grid", low=-5.0, high=5.0, points=11))
    assert est.method == "none" and "reaches" in est.steps[0]


def test_spaces_flow_multilayer_rkhs() -> None:
    base = infer_norm(make_run()).value
    flow = infer_norm(make_run(space="flow"))
    assert flow.value == pytest.approx(math.sqrt(11) * base)
    ml = infer_norm(make_run(space="multilayer", depth=2, family="deep"))
    assert ml.value == pytest.approx(base) and ml.unverified
    rk = infer_norm(make_run(space="rkhs"))
    assert rk.method == "none"


def test_interval_range_is_sound() -> None:
    r = interval_range(gaussian_target(), 10)
    assert r.lo == pytest.approx(math.exp(-5)) and r.hi == pytest.approx(1.0)
    r = interval_range(call("relu", comp(1)), 3)
    assert (r.lo, r.hi) == (0.0, 1.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.floats(-2, 2))
def test_relu_and_affine_rules_property(ws: list[float], c: float) -> None:
    w = ir.Vector(values=tuple(ws))
    aff = b("+", ir.Dot(left=w, right=X), num(c))
    l1 = sum(abs(v) for v in ws)
    v = bound(call("relu", aff), 3)
    assert v <= l1 + abs(c) + 1e-9
    if abs(c) < l1 - 1e-6:  # the neuron has a kink inside the domain: only the neuron rule applies
        assert v == pytest.approx(l1 + abs(c), abs=1e-9)
    if c <= -l1:  # identically zero on the domain: (R) sees it
        assert v == pytest.approx(0.0, abs=1e-9)
    if l1 > 0:
        assert bound(aff, 3) == pytest.approx(2 * l1 + abs(c), abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.floats(0.2, 5.0))
def test_ridge_bound_upper_bounds_sampled_sup(r: float) -> None:
    """A Barron norm bounds sup|f| on the domain (|a σ(b.x + c)| <= |a|(||b||_1 + |c|)); check on samples."""
    e = call("cos", b("*", num(r), comp(1)))
    v = bound(e, 2)
    xs = np.linspace(-1, 1, 101)
    assert np.abs(np.cos(r * xs)).max() <= v + 1e-9


def test_rkhs_estimate_is_opt_in_and_labelled() -> None:
    run = make_run(call("sin", comp(1)), d=3, space="rkhs")
    assert infer_norm(run).method == "none"
    est = infer_norm(run, estimator=FittingNormEstimator())
    assert est.method == "estimated" and est.value is not None and est.value > 0
    assert "LOWER" in est.steps[-1] and est.warnings


def test_norm_is_estimated_by_default_when_no_rule_applies() -> None:
    """No rule, nothing declared: with the default Options (compile-and-run's) the commands' norm cache fits
    an estimate, labelled as such; with estimate_norms off (and in the theory's own default, which cannot
    fit) the norm is unknown and T1 says so."""
    from mlc.compiler.lower.norm_fit import norm_cache
    from mlc.compiler.options import Options
    from mlc.compiler.theory import evaluate_run_bounds

    assert Options().estimate_norms
    run = make_run(call("abs", b("-", ir.Norm(arg=X), num(1))), d=3)
    bounds = {bv.theorem: bv.model_dump() for bv in evaluate_run_bounds(run, norms=norm_cache(Options()))}
    t1 = bounds["T1"]
    assert t1["holds"] and t1["value"] is not None and t1["value"] > 0
    assert "numerical estimate" in t1["note"]
    for unknown_norms in (norm_cache(Options(estimate_norms=False)), None):
        unknown = {bv.theorem: bv for bv in evaluate_run_bounds(run, norms=unknown_norms)}["T1"]
        assert not unknown.holds and unknown.value is None


class _FixedEstimator(NormEstimator):
    """A stand-in fitter (no torch): what the theory does with any estimator's answer."""

    def __init__(self) -> None:
        self.runs: list[ir.Run] = []

    def estimate(self, run: ir.Run) -> FittedNorm:
        self.runs.append(run)
        return FittedNorm(2.5, ("estimated: a stand-in",))


def test_an_estimator_is_asked_only_when_no_rule_or_declaration_gives_the_norm() -> None:
    estimator = _FixedEstimator()
    assert infer_norm(make_run(), estimator=estimator).method == "derived"
    assert infer_norm(make_run(norm_bound=3.0), estimator=estimator).method == "declared"
    assert infer_norm(make_run(kind="gaussian", std=1.0), estimator=estimator).method == "none"  # not on ‖x‖_∞ ≤ 1
    assert estimator.runs == []
    run = make_run(call("abs", b("-", ir.Norm(arg=X), num(1))), d=3)
    est = infer_norm(run, estimator=estimator)
    assert estimator.runs == [run]
    assert (est.method, est.value, est.steps[-1]) == ("estimated", 2.5, "estimated: a stand-in")
    assert est.warnings == ["estimated numerically, not a proven bound"]


def test_the_fitted_estimate_runs_on_one_thread_whatever_the_callers() -> None:
    """The fit is small: on a shared two-core machine 2 threads made it 5-10x slower (specs/paper's W² target).
    It runs on one thread, restores the caller's count, and gives the same number under any caller count."""
    import torch

    run = make_run(call("abs", b("-", ir.Norm(arg=X), num(1))), d=3)
    est = FittingNormEstimator(samples=64, width=8, steps=20)
    seen: list[int] = []
    original = est._estimate

    def spy(r: ir.Run) -> FittedNorm:
        seen.append(torch.get_num_threads())
        return original(r)

    est._estimate = spy  # type: ignore[method-assign]
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        two = est.estimate(run)
        assert torch.get_num_threads() == 2
        torch.set_num_threads(1)
        one = est.estimate(run)
    finally:
        torch.set_num_threads(previous)
    assert seen == [1, 1]
    assert two == one
