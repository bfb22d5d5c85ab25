"""Unit tests of runtime.readouts against numpy on synthetic curves with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlc.runtime.readouts import curve_phases, frequency_order, peak_over_axis, spectrum_frequencies


# ------------------------------------------------------------------------------------------------ peak (T19)

def test_peak_per_seed_and_median_match_numpy() -> None:
    rng = np.random.default_rng(0)
    xs = [25.0, 50.0, 90.0, 100.0, 110.0, 200.0]
    # a resonance at 100 with seed noise; seed 2 peaks at 110 instead
    base = np.array([0.3, 0.5, 1.5, 4.0, 1.6, 0.4])
    errors = {float(s): list(base * np.exp(0.1 * rng.standard_normal(6))) for s in range(4)}
    errors[2.0][4] = 10.0
    lam = {s: list(0.01 + np.abs(np.array(xs) - 100) / 100) for s in errors}
    out = peak_over_axis(xs, errors, lam)
    table = np.array([errors[s] for s in sorted(errors)])
    for p, row in zip(out.per_seed, table):
        assert p.at == xs[int(np.argmax(row))]
        assert p.value == pytest.approx(row.max())
    assert out.per_seed[2].at == 110.0
    med = np.median(table, axis=0)
    assert out.median == pytest.approx(tuple(med))
    assert out.median_at == xs[int(np.argmax(med))] == 100.0
    assert out.lambda_min_at == 100.0
    assert out.interior
    assert out.seeds_at(100.0) == 3


def test_peak_skips_failed_runs_and_flags_end_peaks() -> None:
    xs = [1.0, 2.0, 3.0]
    out = peak_over_axis(xs, {0.0: [1.0, 2.0, math.nan], 1.0: [math.nan] * 3, 2.0: [0.5, 1.0, 3.0]})
    assert [p.seed for p in out.per_seed] == [0.0, 2.0]
    assert out.per_seed[0].at == 2.0
    assert out.median == pytest.approx((0.75, 1.5, 3.0))
    assert out.median_at == 3.0 and not out.interior
    assert out.lambda_min_at is None


def test_peak_rejects_mismatched_lists() -> None:
    with pytest.raises(ValueError, match="2 errors for 3"):
        peak_over_axis([1.0, 2.0, 3.0], {0.0: [1.0, 2.0]})
    with pytest.raises(ValueError, match="increasing"):
        peak_over_axis([2.0, 1.0], {0.0: [1.0, 2.0]})


# -------------------------------------------------------------------------------------------- phases (T18)

def _three_phase(ts: np.ndarray, e_min: float = 0.1, e_inf: float = 1.0, tau_fit: float = 1.0,
                 tau_rise: float = 1e6) -> np.ndarray:
    """Decrease on the time scale tau_fit, then a rise to e_inf on tau_rise: T18's shape."""
    with np.errstate(over="ignore", invalid="ignore"):
        fit = np.where(np.isinf(ts), 0.0, np.exp(-ts / tau_fit))
        rise = np.where(np.isinf(ts), 1.0, 1 - np.exp(-ts / tau_rise))
    return e_min + fit + (e_inf - e_min) * rise


def test_phases_of_a_log_grid_with_zero_and_infinity() -> None:
    ts = np.concatenate([[0.0], np.logspace(-2, 12, 57), [np.inf]])
    es = _three_phase(ts)
    ph = curve_phases(ts, es, plateau_factor=1.1, rise_fraction=0.5)
    assert ph is not None
    i = int(np.argmin(es))
    assert ph.t_opt == ts[i] and ph.e_min == pytest.approx(es[i])
    within = es <= 1.1 * es[i]
    lo, hi = i, i
    while lo > 0 and within[lo - 1]:
        lo -= 1
    while hi < len(es) - 1 and within[hi + 1]:
        hi += 1
    assert ph.plateau == (ts[lo], ts[hi])
    assert ph.plateau_decades == pytest.approx(np.log10(ts[hi] / ts[lo]))
    assert ph.e_inf == pytest.approx(1.0) and ph.e_inf_at_infinity
    # the exact half-rise time of the slow mode is tau_rise ln 2; log-linear interpolation on a grid of
    # 4 points a decade is within a fraction of a decade of it
    level = ph.e_min + 0.5 * (ph.e_inf - ph.e_min)
    j = int(np.argmax((es >= level) & (np.arange(len(es)) > i)))
    assert ts[j - 1] <= ph.t_rise <= ts[j]
    expected = 10 ** (np.log10(ts[j - 1]) + (level - es[j - 1]) / (es[j] - es[j - 1])
                      * (np.log10(ts[j]) - np.log10(ts[j - 1])))
    assert ph.t_rise == pytest.approx(expected)
    assert abs(np.log10(ph.t_rise / (1e6 * np.log(2)))) < 0.3


def test_phases_without_rise() -> None:
    ts = np.arange(0, 1000, 50.0)
    es = 1.0 / (1 + ts)
    ph = curve_phases(ts, es)
    assert ph is not None
    assert ph.t_opt == 950.0 and ph.t_rise is None and ph.no_rise is not None and "end" in ph.no_rise
    assert not ph.e_inf_at_infinity
    assert ph.plateau[1] == 950.0


def test_phases_linear_interpolation_from_zero() -> None:
    ph = curve_phases([0.0, 10.0], [0.0, 1.0], rise_fraction=0.25)
    assert ph is not None and ph.t_opt == 0.0 and ph.t_rise == pytest.approx(2.5)
    assert ph.plateau_decades is None


def test_phases_bad_parameters() -> None:
    with pytest.raises(ValueError, match="x must be"):
        curve_phases([0, 1], [1, 2], plateau_factor=0.5)
    with pytest.raises(ValueError, match="fraction"):
        curve_phases([0, 1], [1, 2], rise_fraction=0)
    assert curve_phases([0, 1], [math.nan, math.nan]) is None


# ---------------------------------------------------------------------------------- frequency principle

def test_frequency_order_low_to_high() -> None:
    ts = np.arange(0, 3000, 50.0)
    taus = {1: 100.0, 3: 400.0, 5: 1200.0}
    curves = {k: list(np.exp(-ts / tau)) for k, tau in taus.items()}
    out = frequency_order(ts, curves, threshold=0.1)
    for f in out.frequencies:
        exact = taus[f.k] * np.log(10)  # exp(-t/tau) < 0.1 from t > tau ln 10
        first = ts[np.argmax(np.exp(-ts / taus[f.k]) < 0.1)]
        assert f.first == first == f.settled and first >= exact
    assert out.low_to_high is True and out.settled_order == (1, 3, 5)


def test_frequency_order_detects_a_relapse_and_inversions() -> None:
    ts = [0.0, 1.0, 2.0, 3.0, 4.0]
    curves = {1: [1, 0.05, 0.5, 0.05, 0.05], 3: [1, 0.5, 0.05, 0.05, 0.05]}
    out = frequency_order(ts, curves, threshold=0.1)
    f1, f3 = out.frequencies
    assert f1.first == 1.0 and f1.settled == 3.0
    assert f3.first == 2.0 and f3.settled == 2.0
    assert out.low_to_high is True  # k = 1 got below first
    assert out.settled_low_to_high is False and "k = 3 settled at 2" in (out.settled_reason or "")
    inverted = frequency_order(ts, {1: [1, 1, 0.05, 0.05, 0.05], 3: [1, 0.05, 0.05, 0.05, 0.05]})
    assert inverted.low_to_high is False and "k = 3 first got below at 1" in (inverted.reason or "")
    never = frequency_order(ts, {1: [1] * 5, 2: [0.0] * 5})
    assert never.low_to_high is None and "k = 1 never got below" in (never.reason or "")
    assert never.settled_low_to_high is None


def test_spectrum_frequencies() -> None:
    assert spectrum_frequencies(["train_error", "spectrum_k5", "spectrum_k1", "spectrum"]) == \
        [(1, "spectrum_k1"), (5, "spectrum_k5")]


# ------------------------------------------------------------------------------------------ monotone trend

def test_trend_flags_a_peak_and_passes_noisy_decay() -> None:
    from mlc.runtime.readouts import trend

    xs = [25, 50, 90, 100, 110, 200, 400]
    peaked = trend(xs, [0.3, 0.5, 1.5, 4.0, 1.6, 0.4, 0.2])
    assert not peaked.monotone and peaked.peak_at == 100
    assert peaked.rise == pytest.approx(4.0 / 0.3) and peaked.fall == pytest.approx(4.0 / 0.2)
    assert "non-monotone" in peaked.describe("m")
    rng = np.random.default_rng(1)
    noisy = 1 / np.asarray(xs, dtype=float) * np.exp(0.1 * rng.standard_normal(len(xs)))
    assert trend(xs, list(noisy)).monotone
    assert trend([1, 2, 3], [1.0, 1.2, 1.0]).monotone  # wiggles under the factor


# --------------------------------------------------------------------------------- optimisation-limited

def test_optimisation_limited_needs_train_close_to_test_and_still_falling() -> None:
    from mlc.runtime.readouts import OPT_FALL, OPT_GAP, optimisation_limited

    steps = [0, 100, 200, 300, 400]
    falling = [1.0, 0.5, 0.3, 0.2, 0.15]  # the last quarter (300 -> 400): 25 % down
    out = optimisation_limited(steps, falling, steps, [1.0, 0.52, 0.31, 0.21, 0.16])
    assert out is not None and (out.train, out.test, out.tail_from, out.tail_to) == (0.15, 0.16, 300.0, 400.0)
    assert out.fall == pytest.approx(0.25) and "fell 25 % from step 300 to 400" in out.describe()
    # train and test apart (the gap is more than OPT_GAP of the larger): estimation, not optimisation
    assert optimisation_limited(steps, falling, steps, [1.0, 0.6, 0.4, 0.3, 0.15 / (1 - OPT_GAP) * 1.01]) is None
    # converged: the tail falls less than OPT_FALL
    flat = [1.0, 0.5, 0.2, 0.1, 0.1 * (1 - OPT_FALL / 2)]
    assert optimisation_limited(steps, flat, steps, flat) is None
    # too short a record, or no test value at the last step
    assert optimisation_limited([0, 100], [1.0, 0.5], [0, 100], [1.0, 0.5]) is None
    assert optimisation_limited(steps, falling, steps[:-1], [1.0, 0.5, 0.3, 0.2]) is None
# ------------------------------------------------------------------------------ Adam's regimes


def test_adam_regime_reads_spikes_small_and_large_oscillation_from_the_curve() -> None:
    from mlc.runtime.readouts import adam_regime, predicted_adam_regime

    steps = list(range(0, 2000, 2))
    smooth = [math.exp(-t / 100) + 1e-6 * (1 + 0.3 * math.sin(t)) for t in steps]
    r = adam_regime(steps, smooth)
    assert r.regime == "small oscillation" and r.spikes == 0 and r.progress < 1
    spiky = list(smooth)
    for t in (1200, 1500, 1800):  # jumps of 1000x above the recent level, one or two points long
        spiky[t // 2] = spiky[t // 2 + 1] = 1e-3
    r = adam_regime(steps, spiky)
    assert r.regime == "spikes" and r.spikes == 3 and 500 < r.max_ratio < 1100  # 1e-3 over a level of about 1e-6
    stuck = [0.2 + 0.15 * math.sin(t / 7) for t in steps]  # no progress: large oscillation
    assert adam_regime(steps, stuck).regime == "large oscillation"
    assert adam_regime(steps[:3], smooth[:3], diverged=True).regime == "large oscillation"
    assert adam_regime(steps[:10], smooth[:10]).regime == ""  # too short to tell
    assert predicted_adam_regime(1e-3, 0.9, 0.999)[0] == "spikes"
    assert predicted_adam_regime(1e-3, 0.99, 0.99) == ("small oscillation", pytest.approx(10), pytest.approx(10))
    assert predicted_adam_regime(1e-3, 0.999, 0.9)[0] == "large oscillation"
