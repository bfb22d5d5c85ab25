"""Predicted exponents, log-log slope fits with bootstrap intervals, and their comparison."""

from __future__ import annotations

import numpy as np
import pytest

from mlc.compiler import ir
from mlc.compiler.theory.rates import (
    RatePrediction, compare, find_rate, fit_loglog_slope, plan_rates, predicted_rates, with_rates,
)

from theory_helpers import make_run


def test_fit_recovers_power_law_with_interval() -> None:
    rng = np.random.default_rng(1)
    xs = [16, 64, 256, 1024, 4096]
    ys = [[2.0 * x ** -0.7 * np.exp(rng.normal(0, 0.05)) for x in xs] for _ in range(5)]
    slope, lo, hi = fit_loglog_slope(xs, ys, n_boot=500, seed=0)
    assert slope == pytest.approx(-0.7, abs=0.03)
    assert lo - 0.01 <= -0.7 <= hi + 0.01 and lo < slope < hi and hi - lo < 0.1
    # deterministic given the seed
    assert fit_loglog_slope(xs, ys, n_boot=500, seed=0) == (slope, lo, hi)


def test_fit_single_seed_and_bad_values() -> None:
    xs = [1, 10, 100]
    slope, lo, hi = fit_loglog_slope(xs, [[1.0, 0.1, None]], n_boot=200)
    assert slope == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        fit_loglog_slope([1, 1, 1], [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError):
        fit_loglog_slope([1, 2], [[-1.0, 0.0]])


def _pred(exp: float, rel: str) -> RatePrediction:
    return RatePrediction(model="net", axis="width", quantity="width", metric="test_error", exponent=exp,
                          relation=rel, theorem="T1", regime="r")


def test_compare_relations() -> None:
    assert compare(_pred(-1.0, "upper"), (-0.98, -1.05, -0.9)).agree
    assert compare(_pred(-1.0, "upper"), (-1.6, -1.7, -1.5)).agree  # faster than an upper-bound rate
    slow = compare(_pred(-1.0, "upper"), (-0.3, -0.35, -0.25))
    assert not slow.agree and "slower" in slow.message
    assert compare(_pred(-0.2, "lower"), (-0.1, -0.15, -0.05)).agree
    fast = compare(_pred(-0.2, "lower"), (-1.0, -1.1, -0.9))
    assert not fast.agree and "faster" in fast.message
    assert not compare(_pred(-0.5, "equal"), (-1.0, -1.1, -0.9)).agree
    assert compare(_pred(-1.0, "upper"), (-0.98, -1.05, -0.9)).interval == (-1.05, -0.9)


def test_predicted_rates_by_family_and_axis() -> None:
    nn = make_run(d=10)
    # T1's rate is about the approximation error (the best width-m net), never the trained net's test error
    assert [(p.metric, p.theorem, p.exponent) for p in predicted_rates(nn, "width")] == [
        ("approximation_error", "T1", -1.0)]
    assert predicted_rates(nn, "n")[0].exponent == -0.5
    assert predicted_rates(nn, "seed") == [] and predicted_rates(nn, "lr") == []
    rf = make_run(family="random_features", d=10, space="barron")
    # T7 is a worst case over the Barron ball, not a lower envelope for one target: no exponent (issue 11)
    assert predicted_rates(rf, "width") == []
    rk = make_run(family="random_features", d=10, space="rkhs")
    assert [(p.theorem, p.relation) for p in predicted_rates(rk, "width")] == [("T9a", "upper")]
    res = make_run(family="resnet", depth=4, space="flow")
    assert predicted_rates(res, "depth")[0].exponent == -1.0
    mf = make_run(scaling="mean_field", d=12)
    assert predicted_rates(mf, "steps")[0].exponent == pytest.approx(-0.4)


def _axis(key: str, values: tuple[float, ...], varies: tuple[str, ...]) -> ir.SweepAxis:
    return ir.SweepAxis(key=key, values=values, targets=(ir.Slot(section="let", key=key),), varies=varies)  # type: ignore[arg-type]


def test_plan_rates_follow_what_the_axis_varies_not_its_name() -> None:
    runs = tuple(make_run(width=w, d=10).model_copy(update={"index": i, "params": {"m": float(w)}})
                 for i, w in enumerate((16, 64)))
    as_width = ir.Plan(problem="p", spec_hash="s", runs=runs,
                       sweep=(ir.SweepBlock(axes=(_axis("m", (16, 64), ("width",)),)),))
    assert [(p.axis, p.quantity, p.theorem, p.exponent) for p in plan_rates(as_width)] == [("m", "width", "T1", -1.0)]
    # the same key varying n gets n's rate; varying several quantities, none
    as_n = as_width.model_copy(update={"sweep": (ir.SweepBlock(axes=(_axis("m", (16, 64), ("n",)),)),)})
    assert [(p.theorem, p.exponent) for p in plan_rates(as_n)] == [("T5", -0.5)]
    several = as_width.model_copy(update={"sweep": (ir.SweepBlock(axes=(_axis("m", (16, 64), ("n", "width")),)),)})
    assert plan_rates(several) == ()


def test_find_rate_reads_the_plan() -> None:
    runs = tuple(make_run(width=w, d=10).model_copy(update={"index": i, "params": {"width": float(w), "seed": 0.0}})
                 for i, w in enumerate((16, 64)))
    plan = with_rates(ir.Plan(problem="p", spec_hash="s", runs=runs,
                              sweep=(ir.SweepBlock(axes=(_axis("width", (16, 64), ("width",)),
                                                         _axis("seed", (0,), ("seed",)))),)))
    out = find_rate(plan, "net", "approximation_error", "width", {"width": 16.0, "seed": 0.0})
    assert out is not None and out == plan.rates[0] and (out.exponent, out.theorem, out.relation) == (-1.0, "T1", "upper")
    assert find_rate(plan, "net", "train_loss", "width", {}) is None
    assert find_rate(plan, "other", "approximation_error", "width", {}) is None
    assert find_rate(plan, "net", "test_error", "width", {}) is None  # T1 is not about the test error
