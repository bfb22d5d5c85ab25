"""Tests of the one log-log slope fitter (compiler.theory.rates.fit_loglog_slope, which the report uses)
and its bootstrap interval over seeds; and of the report's column means."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlc.compiler.theory.rates import fit_loglog_slope
from mlc.runtime.report_fit import nanmean_columns


def _power_law(exponent: float, n_seeds: int, noise: float, rng: np.random.Generator) -> tuple:
    xs = np.geomspace(10, 1000, 6)
    ys = 3.0 * xs**exponent * np.exp(noise * rng.standard_normal((n_seeds, xs.size)))
    return xs, ys


def test_recovers_known_exponent_and_interval_covers_it() -> None:
    rng = np.random.default_rng(42)
    xs, ys = _power_law(-0.75, n_seeds=8, noise=0.1, rng=rng)
    slope, lo, hi = fit_loglog_slope(xs, ys, n_boot=1000, seed=0)
    assert abs(slope - (-0.75)) < 0.05
    assert lo < slope < hi
    assert lo <= -0.75 <= hi
    assert hi - lo < 0.2


def test_interval_coverage_over_many_synthetic_sweeps() -> None:
    # A percentile bootstrap with 8 seeds is somewhat narrow, but must cover the truth most of the time.
    rng = np.random.default_rng(7)
    covered = 0
    trials = 60
    for _ in range(trials):
        xs, ys = _power_law(-1.0, n_seeds=8, noise=0.2, rng=rng)
        _, lo, hi = fit_loglog_slope(xs, ys, n_boot=400, seed=1)
        covered += lo <= -1.0 <= hi
    assert covered >= 0.75 * trials


def test_fit_is_deterministic_for_a_fixed_seed() -> None:
    rng = np.random.default_rng(3)
    xs, ys = _power_law(-0.5, n_seeds=5, noise=0.3, rng=rng)
    assert fit_loglog_slope(xs, ys, seed=11) == fit_loglog_slope(xs, ys, seed=11)


def test_noiseless_data_gives_exact_slope_and_zero_width_interval() -> None:
    xs = [1.0, 2.0, 4.0, 8.0]
    ys = [[5.0 * x**-2.0 for x in xs]] * 3
    slope, lo, hi = fit_loglog_slope(xs, ys)
    assert slope == pytest.approx(-2.0, abs=1e-12)
    assert lo == pytest.approx(-2.0, abs=1e-12) and hi == pytest.approx(-2.0, abs=1e-12)


def test_one_exact_seed_gives_a_degenerate_interval() -> None:
    # one seed: the bootstrap resamples the points, which all lie on the line
    slope, lo, hi = fit_loglog_slope([1.0, 10.0, 100.0], [[1.0, 0.1, 0.01]])
    assert slope == pytest.approx(-1.0)
    assert lo == pytest.approx(slope, abs=1e-12) and hi == pytest.approx(slope, abs=1e-12)


def test_missing_and_nonpositive_points_are_skipped() -> None:
    xs = [1.0, 10.0, 100.0, 1000.0]
    ys = [[1.0, float("nan"), 0.01, -1.0], [1.0, 0.1, float("inf"), -1.0]]
    slope, lo, hi = fit_loglog_slope(xs, ys)
    assert slope == pytest.approx(-1.0)
    assert math.isfinite(lo) and math.isfinite(hi)


def test_too_few_points_raise_value_error() -> None:
    with pytest.raises(ValueError):
        fit_loglog_slope([1.0, 2.0], [[0.0, -1.0]])
    with pytest.raises(ValueError):
        fit_loglog_slope([1.0, 2.0, 3.0], [[1.0, 2.0]])


def test_nanmean_columns_ignores_missing_values() -> None:
    table = np.array([[1.0, np.nan, np.nan], [3.0, 4.0, np.nan]])
    means = nanmean_columns(table)
    assert means[0] == 2.0 and means[1] == 4.0 and math.isnan(means[2])


@settings(max_examples=40, deadline=None)
@given(exponent=st.floats(-3.0, 1.0), scale=st.floats(1e-3, 1e3), n_x=st.integers(2, 8))
def test_exact_power_laws_are_recovered(exponent: float, scale: float, n_x: int) -> None:
    xs = np.geomspace(2.0, 2000.0, n_x)
    seeds = [scale * (1.0 + 0.1 * s) * xs**exponent for s in range(3)]  # seed-dependent constant only
    slope, lo, hi = fit_loglog_slope(xs, seeds, n_boot=50)
    assert slope == pytest.approx(exponent, abs=1e-9)
    assert lo == pytest.approx(exponent, abs=1e-9) and hi == pytest.approx(exponent, abs=1e-9)
