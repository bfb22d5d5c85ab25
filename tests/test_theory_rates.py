"""Predicted exponents, log-log slope fits with bootstrap intervals, and their comparison."""

from __future__ import annotations

import numpy as np
import pytest

from mlc.compiler import ir
from mlc.compiler.theory.rates import (
    RatePrediction, compare, fit_loglog_slope, predicted_rate, predicted_rates,
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
    return RatePrediction(axis="width", metric="test_error", exponent=exp, relation=rel, theorem="T1", regime="r")


def test_compare_relations() -> None:
    assert compare(_pred(-1.0, "upper"), (-0.98, -1.05, -0.9))["agree"]
    assert compare(_pred(-1.0, "upper"), (-1.6, -1.7, -1.5))["agree"]  # faster than an upper-bound rate
    slow = compare(_pred(-1.0, "upper"), (-0.3, -0.35, -0.25))
    assert not slow["agree"] and "slower" in slow["message"]
    assert compare(_pred(-0.2, "lower"), (-0.1, -0.15, -0.05))["agree"]
    fast = compare(_pred(-0.2, "lower"), (-1.0, -1.1, -0.9))
    assert not fast["agree"] and "faster" in fast["message"]
    assert not compare(_pred(-0.5, "equal"), (-1.0, -1.1, -0.9))["agree"]


def test_predicted_rates_by_family_and_axis() -> None:
    nn = make_run(d=10)
    assert [(p.theorem, p.exponent) for p in predicted_rates(nn, "width")] == [("T1", -1.0)]
    assert predicted_rates(nn, "n")[0].exponent == -0.5
    assert predicted_rates(nn, "seed") == []
    rf = make_run(family="random_features", d=10, space="barron")
    p = predicted_rates(rf, "width")[0]
    assert p.theorem == "T7" and p.relation == "lower" and p.exponent == pytest.approx(-0.2)
    res = make_run(family="resnet", depth=4, space="flow")
    assert predicted_rates(res, "depth")[0].exponent == -1.0
    mf = make_run(scaling="mean_field", d=12)
    assert predicted_rates(mf, "steps")[0].exponent == pytest.approx(-0.4)


def test_report_adapter() -> None:
    runs = tuple(make_run(width=w, d=10).model_copy(update={"index": i, "params": {"width": float(w)}})
                 for i, w in enumerate((16, 64)))
    plan = ir.Plan(problem="p", spec_hash="s", runs=runs)
    out = predicted_rate(plan, "net", "test_error", "width", {})
    assert out == {"exponent": -1.0, "theorem": "T1", "kind": "upper_rate", "note": out["note"]}
    assert predicted_rate(plan, "net", "train_loss", "width", {}) is None
    assert predicted_rate(plan, "other", "test_error", "width", {}) is None
