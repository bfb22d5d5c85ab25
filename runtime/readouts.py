"""Read-outs: numbers that the theorems T18, T19 and the frequency principle talk about, read off measured runs.

Input:  plain numbers: a swept axis and one error value per (seed, axis value) (T19); a recorded curve as
        times and values (T18); per-frequency curves of the relative spectrum error Δ(k) (frequency principle).
Output: frozen dataclasses (:class:`PeakReadout`, :class:`CurvePhases`, :class:`FrequencyReadout`) holding only
        computed numbers, and ``None`` where a quantity is not defined by the data (with the reason).
Role:   the one place these read-outs are computed. The report (:mod:`mlc.runtime.report_readouts`) renders
        them next to the theorem they test, and the claims of a spec can evaluate them; both call these
        functions, so the number a claim checks is the number the table shows. Pure numpy: no torch, no rich,
        no plan, so every function can be tested against a hand computation on a synthetic curve.

Definitions (docs/readouts.md has them with examples):

* peak (T19): per seed, the axis value where the error is largest (``argmax``); for the median curve over
  seeds, the axis value where the median is largest; λ_min's argmin likewise. The prediction is m = n for
  random features and m = n/(d+1) for a two-layer net (REFERENCE §3.8 T19).
* phases (T18, REFERENCE §3.8): t_opt = argmin E(t), E_min = E(t_opt); the plateau is the longest run of
  consecutive recorded points containing t_opt with E ≤ x·E_min, reported as [t_lo, t_hi] and, when t_lo > 0,
  its width in decades log10(t_hi/t_lo); E_∞ is the value recorded at t = ∞ when the grid has it, else the last
  recorded value; the rise time t_rise_f is the first time after t_opt where E ≥ E_min + f(E_∞ − E_min),
  interpolated linearly in log t between the two recorded points around the crossing (linearly in t when the
  earlier point is t = 0). No rise (E_∞ ≤ E_min, or no crossing before the end) gives ``None`` with the reason.
* frequency principle (REFERENCE §3.9, §5.2): for each peak frequency k with curve Δ_k(t), the first recorded
  time with Δ_k < threshold and the settled time (the first time from which Δ_k stays below the threshold to
  the end of the record). The order is low → high when the first times are non-decreasing in k ("the lowest
  peak converges first"); the same test on the settled times is reported beside it (an optimiser that
  oscillates, as Adam does, can push a converged frequency back above the threshold for a while).
* optimisation-limited (issue 11, item 3): a run whose recorded train and test errors end close together,
  |test − train| ≤ ``OPT_GAP``·max(test, train), while the training error still fell by at least ``OPT_FALL``
  (relative) over the last ``OPT_TAIL`` of the recorded steps: more training, not more data or width, would
  lower its error, so its rates and bounds describe an unfinished optimisation.
* Adam's regime (REFERENCE §3.10, Ma & Ying), from a recorded training-loss curve L of N points: in its second
  half, r(t) = L(t) / median(L over the W points before t), W = max(5, 5% of N), the loss against its recent
  level. A *spike* starts at a point where r ≥ :data:`SPIKE_FACTOR` (10) after one where r < 10. The regime is
  **large oscillation** when the run diverged or the second half's median loss is not below the first half's
  (no progress), else **spikes** when the second half has a spike, else **small oscillation** (a smooth descent
  reads so too). The prediction for β₁ = 1 − bη, β₂ = 1 − aη: spikes when b ≥ 10a, large oscillation when
  a ≥ 10b, small oscillation between.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "CurvePhases",
    "FrequencyReadout",
    "FrequencyTimes",
    "PeakReadout",
    "SeedPeak",
    "Trend",
    "OptimisationLimit",
    "curve_phases",
    "optimisation_limited",
    "frequency_order",
    "peak_over_axis",
    "spectrum_frequencies",
    "trend",
    "RegimeReadout",
    "adam_regime",
    "predicted_adam_regime",
]


# --------------------------------------------------------------------------------------------- T19: the peak

@dataclass(frozen=True)
class SeedPeak:
    """The peak of one seed's error over the axis."""

    seed: float
    at: float  # axis value of the largest finite error
    value: float  # that error


@dataclass(frozen=True)
class PeakReadout:
    """Where an error peaks over a swept axis, per seed and for the median over seeds.

    ``median_at``: the axis value of the largest median (over seeds, at each axis value, of the finite errors);
    ``lambda_min_at``: the axis value of the smallest median λ_min (``None`` without λ_min); ``interior``: the
    median's peak is not at either end of the swept range (a peak at an end may lie outside the sweep).
    """

    axis_values: tuple[float, ...]
    per_seed: tuple[SeedPeak, ...]
    median: tuple[float, ...]
    median_at: float | None
    median_value: float | None
    lambda_min_median: tuple[float, ...] | None
    lambda_min_at: float | None
    interior: bool

    def seeds_at(self, value: float, rel: float = 0.0) -> int:
        """How many seeds peak at ``value`` (within a relative tolerance ``rel``)."""
        return sum(1 for p in self.per_seed if abs(p.at - value) <= rel * abs(value))


def _finite_median(column: Sequence[float]) -> float:
    arr = np.asarray([v for v in column if v is not None and math.isfinite(v)], dtype=float)
    return float(np.median(arr)) if arr.size else math.nan


def peak_over_axis(
    axis_values: Sequence[float],
    errors: Mapping[float, Sequence[float]],
    lambda_min: Mapping[float, Sequence[float]] | None = None,
) -> PeakReadout:
    """The peak of an error over a swept axis.

    ``axis_values``: the axis values in increasing order; ``errors``: seed -> the error at each axis value (NaN
    where the run is missing or failed); ``lambda_min``: seed -> λ_min at each axis value, optional. A seed with
    no finite error has no peak. Raises ``ValueError`` when a seed's list does not match the axis.
    """
    xs = tuple(float(x) for x in axis_values)
    if list(xs) != sorted(xs):
        raise ValueError("axis_values must be increasing")
    for seed, vals in errors.items():
        if len(vals) != len(xs):
            raise ValueError(f"seed {seed}: {len(vals)} errors for {len(xs)} axis values")
    per_seed = []
    for seed in sorted(errors):
        row = np.asarray(errors[seed], dtype=float)
        ok = np.isfinite(row)
        if ok.any():
            i = int(np.nanargmax(np.where(ok, row, np.nan)))
            per_seed.append(SeedPeak(seed=float(seed), at=xs[i], value=float(row[i])))
    median = tuple(_finite_median([float(errors[s][j]) for s in errors]) for j in range(len(xs)))
    med = np.asarray(median)
    median_at = median_value = None
    interior = False
    if np.isfinite(med).any():
        j = int(np.nanargmax(med))
        median_at, median_value, interior = xs[j], float(med[j]), 0 < j < len(xs) - 1
    lam_median: tuple[float, ...] | None = None
    lam_at = None
    if lambda_min:
        lam_median = tuple(_finite_median([float(lambda_min[s][j]) for s in lambda_min]) for j in range(len(xs)))
        lam = np.asarray(lam_median)
        if np.isfinite(lam).any():
            lam_at = xs[int(np.nanargmin(lam))]
    return PeakReadout(axis_values=xs, per_seed=tuple(per_seed), median=median, median_at=median_at,
                       median_value=median_value, lambda_min_median=lam_median, lambda_min_at=lam_at,
                       interior=interior)


# ------------------------------------------------------------------------------------ T18: the phases of a curve

@dataclass(frozen=True)
class CurvePhases:
    """The phases of one recorded error curve E(t) (T18: decrease, plateau, slow rise)."""

    t_opt: float
    e_min: float
    plateau_factor: float  # x of "within x·E_min"
    plateau: tuple[float, float]  # [t_lo, t_hi]: recorded times of the plateau's ends
    plateau_decades: float | None  # log10(t_hi / t_lo), None when t_lo = 0 or t_hi = inf
    e_inf: float
    e_inf_at_infinity: bool  # E_∞ was recorded at t = ∞ (else: the last recorded value)
    rise_fraction: float  # f of t_rise_f
    t_rise: float | None
    no_rise: str | None  # why t_rise is None

    @property
    def rises(self) -> bool:
        """Whether the curve rises again after its minimum (E_∞ > E_min, crossing found)."""
        return self.t_rise is not None


def _crossing_time(t0: float, t1: float, e0: float, e1: float, level: float) -> float:
    """The time between two recorded points where the straight line (in log t when both times are > 0 and
    finite) through them reaches ``level``; ``t1`` when t1 is infinite."""
    if not math.isfinite(t1):
        return t1
    if e1 == e0:
        return t1
    frac = min(1.0, max(0.0, (level - e0) / (e1 - e0)))
    if t0 > 0:
        return float(10 ** (math.log10(t0) + frac * (math.log10(t1) - math.log10(t0))))
    return t0 + frac * (t1 - t0)


def curve_phases(times: Sequence[float], values: Sequence[float], plateau_factor: float = 1.1,
                 rise_fraction: float = 0.5) -> CurvePhases | None:
    """The phases of a recorded curve (times increasing, ``inf`` allowed last); ``None`` when no value is
    finite. ``plateau_factor`` = x ≥ 1, ``rise_fraction`` = f in (0, 1]."""
    if not plateau_factor >= 1:
        raise ValueError(f"plateau factor x must be ≥ 1, got {plateau_factor}")
    if not 0 < rise_fraction <= 1:
        raise ValueError(f"rise fraction f must be in (0, 1], got {rise_fraction}")
    if len(times) != len(values):
        raise ValueError(f"{len(times)} times for {len(values)} values")
    pts = [(float(t), float(v)) for t, v in zip(times, values) if not math.isnan(float(t))]
    pts = [(t, v) for t, v in pts if math.isfinite(v)]
    if not pts:
        return None
    ts = np.asarray([p[0] for p in pts])
    es = np.asarray([p[1] for p in pts])
    if np.any(np.diff(ts) < 0):
        raise ValueError("times must be increasing")
    i_opt = int(np.argmin(es))
    e_min = float(es[i_opt])
    limit = plateau_factor * e_min if e_min >= 0 else e_min / plateau_factor
    lo = hi = i_opt
    while lo > 0 and es[lo - 1] <= limit:
        lo -= 1
    while hi < len(es) - 1 and es[hi + 1] <= limit:
        hi += 1
    t_lo, t_hi = float(ts[lo]), float(ts[hi])
    decades = math.log10(t_hi / t_lo) if t_lo > 0 and math.isfinite(t_hi) else None
    at_inf = math.isinf(ts[-1])
    e_inf = float(es[-1])
    t_rise: float | None = None
    why: str | None = None
    if e_inf <= e_min:
        why = "no rise: E_∞ = E_min (the minimum is at the end of the record)" if i_opt == len(es) - 1 \
            else "no rise: E_∞ ≤ E_min"
    else:
        level = e_min + rise_fraction * (e_inf - e_min)
        for j in range(i_opt + 1, len(es)):
            if es[j] >= level:
                t_rise = _crossing_time(float(ts[j - 1]), float(ts[j]), float(es[j - 1]), float(es[j]), level)
                break
        if t_rise is None:  # unreachable: es[-1] = e_inf ≥ level; kept for safety against rounding
            why = "no rise: the level is not reached"
    return CurvePhases(t_opt=float(ts[i_opt]), e_min=e_min, plateau_factor=plateau_factor, plateau=(t_lo, t_hi),
                       plateau_decades=decades, e_inf=e_inf, e_inf_at_infinity=at_inf,
                       rise_fraction=rise_fraction, t_rise=t_rise, no_rise=why)


# ---------------------------------------------------------------------------------- the frequency principle

_SPECTRUM_KEY = re.compile(r"^spectrum_k(\d+)$")


def spectrum_frequencies(names: Sequence[str]) -> list[tuple[int, str]]:
    """The (frequency, curve name) pairs among ``names`` (``spectrum_k3`` -> 3), by frequency."""
    found = [(int(m.group(1)), n) for n in names if (m := _SPECTRUM_KEY.match(n))]
    return sorted(found)


@dataclass(frozen=True)
class FrequencyTimes:
    """When one frequency's relative error Δ(k) fell below the threshold."""

    k: int
    first: float | None  # first recorded time with Δ(k) < threshold
    settled: float | None  # first time from which Δ(k) stays below it to the end of the record
    final: float  # the last recorded Δ(k)


@dataclass(frozen=True)
class FrequencyReadout:
    """The frequency principle's read-out of one run: per frequency, when it converged, and the order.

    ``low_to_high``: the first times below the threshold are non-decreasing in k (None when some frequency never
    got below it); ``settled_low_to_high``: the same for the settled times (None when some never settled).
    """

    threshold: float
    frequencies: tuple[FrequencyTimes, ...]
    low_to_high: bool | None
    reason: str | None  # why low_to_high is None, or which pair is out of order
    settled_low_to_high: bool | None = None
    settled_reason: str | None = None

    @property
    def settled_order(self) -> tuple[int, ...]:
        """The frequencies in the order they settled (unsettled ones left out)."""
        done = [f for f in self.frequencies if f.settled is not None]
        return tuple(f.k for f in sorted(done, key=lambda f: (f.settled, f.k)))


def _order(freqs: Sequence[FrequencyTimes], which: str, threshold: float) -> tuple[bool | None, str | None]:
    times = [(f.k, getattr(f, which)) for f in freqs]
    missing = [k for k, t in times if t is None]
    if missing:
        verb = "never got" if which == "first" else "never settled"
        return None, "k = " + ", ".join(str(k) for k in missing) + f" {verb} below {threshold:g}"
    for (ka, ta), (kb, tb) in zip(times, times[1:]):
        if tb < ta:
            verb = "first got below" if which == "first" else "settled"
            return False, f"k = {kb} {verb} at {tb:g}, before k = {ka} at {ta:g}"
    return True, None


def frequency_order(times: Sequence[float], curves: Mapping[int, Sequence[float]],
                    threshold: float = 0.1) -> FrequencyReadout:
    """The frequency principle's read-out from per-frequency curves Δ_k(t) recorded at ``times``."""
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    ts = [float(t) for t in times]
    out = []
    for k in sorted(curves):
        vals = [float(v) for v in curves[k]]
        if len(vals) != len(ts):
            raise ValueError(f"frequency {k}: {len(vals)} values for {len(ts)} times")
        below = [math.isfinite(v) and v < threshold for v in vals]
        first = next((ts[i] for i, b in enumerate(below) if b), None)
        settled = None
        if below and below[-1]:
            i = len(below) - 1
            while i > 0 and below[i - 1]:
                i -= 1
            settled = ts[i]
        out.append(FrequencyTimes(k=k, first=first, settled=settled, final=vals[-1] if vals else math.nan))
    order, reason = _order(out, "first", threshold)
    settled_order, settled_reason = _order(out, "settled", threshold)
    return FrequencyReadout(threshold=threshold, frequencies=tuple(out), low_to_high=order, reason=reason,
                            settled_low_to_high=settled_order, settled_reason=settled_reason)


# -------------------------------------------------------------------------- monotone before a power-law fit

NON_MONOTONE_FACTOR = 1.5
"""A curve is non-monotone when it both rises and falls by more than this factor (between any two points)."""


@dataclass(frozen=True)
class Trend:
    """Whether a curve over an axis is monotone enough for one power law (log-log slope) to describe it."""

    monotone: bool
    rise: float  # the largest factor c_k / c_j over j < k (≥ 1)
    fall: float  # the largest factor c_j / c_k over j < k (≥ 1)
    peak_at: float | None  # the axis value of the largest centre when the curve is not monotone

    def describe(self, axis: str) -> str:
        """The reason no single power law is fitted, in words."""
        where = f" (largest at {axis} = {self.peak_at:g})" if self.peak_at is not None else ""
        return (f"non-monotone: rises ×{self.rise:.3g} and falls ×{self.fall:.3g} over {axis}{where}; "
                "no single power law is fitted")


def trend(xs: Sequence[float], centres: Sequence[float], factor: float = NON_MONOTONE_FACTOR) -> Trend:
    """The monotonicity of ``centres`` (one per ``xs``, increasing) over the positive finite points: monotone
    unless the curve both rises and falls by more than ``factor`` between two points."""
    pts = [(float(x), float(c)) for x, c in zip(xs, centres) if math.isfinite(c) and c > 0]
    rise = fall = 1.0
    for j in range(len(pts)):
        for k in range(j + 1, len(pts)):
            ratio = pts[k][1] / pts[j][1]
            rise, fall = max(rise, ratio), max(fall, 1 / ratio)
    monotone = not (rise > factor and fall > factor)
    peak = None if monotone or not pts else max(pts, key=lambda p: p[1])[0]
    return Trend(monotone=monotone, rise=rise, fall=fall, peak_at=peak)


# ------------------------------------------------------------------------------- optimisation-limited runs

OPT_GAP = 0.1
"""Train ≈ test: the final recorded errors differ by at most this fraction of the larger one."""
OPT_FALL = 0.05
"""Still falling: the training error fell by at least this fraction of its value over the tail of the record."""
OPT_TAIL = 0.25
"""The tail: the recorded points from this fraction of the last recorded step before it, to it."""


@dataclass(frozen=True)
class OptimisationLimit:
    """Why one run reads as optimisation-limited: its final errors and the training error's fall over the tail."""

    train: float
    test: float
    tail_from: float  # the recorded step the tail starts at
    tail_to: float  # the last recorded step
    fall: float  # relative decrease of the training error over the tail, (E(from) − E(to)) / E(from)

    def describe(self) -> str:
        """In words, with the numbers."""
        return (f"train {self.train:.3g} ≈ test {self.test:.3g} and the training error still fell "
                f"{100 * self.fall:.0f} % from step {self.tail_from:g} to {self.tail_to:g}")


def _finite_points(steps: Sequence[float], values: Sequence[float]) -> list[tuple[float, float]]:
    return [(float(t), float(v)) for t, v in zip(steps, values) if math.isfinite(float(t)) and math.isfinite(v)]


def optimisation_limited(train_steps: Sequence[float], train: Sequence[float], test_steps: Sequence[float],
                         test: Sequence[float]) -> OptimisationLimit | None:
    """Whether the recorded curves say the run was still being optimised when it stopped (the rule in the module
    docstring; ``None`` when it was not, or when the record is too short: fewer than 3 finite training points)."""
    tr = _finite_points(train_steps, train)
    te = dict(_finite_points(test_steps, test))
    if len(tr) < 3:
        return None
    last_step, last_train = tr[-1]
    last_test = te.get(last_step)
    if last_test is None or not last_step > 0:
        return None
    if abs(last_test - last_train) > OPT_GAP * max(last_test, last_train):
        return None
    start = (1 - OPT_TAIL) * last_step
    tail_from, first = next((t, v) for t, v in tr if t >= start)
    if tail_from >= last_step:  # the tail holds one point: take the point before it
        tail_from, first = tr[-2]
    if not first > 0:
        return None
    fall = (first - last_train) / first
    if fall < OPT_FALL:
        return None
    return OptimisationLimit(train=last_train, test=last_test, tail_from=tail_from, tail_to=last_step, fall=fall)
# ------------------------------------------------------------------------------- Adam's regimes (§3.10)

SPIKE_FACTOR = 10.0
"""A spike: a recorded loss at least this factor above the median of the points just before it."""
WINDOW_SHARE = 0.05
"""The points "just before": this share of the record (at least :data:`MIN_WINDOW` points)."""
MIN_WINDOW = 5
REGIME_RATIO = 10.0
"""The prediction: spikes when b ≥ this × a, large oscillation when a ≥ this × b, small oscillation between."""


@dataclass(frozen=True)
class RegimeReadout:
    """The regime of one training-loss curve (see the module docstring), with the numbers that decide it."""

    regime: str  # "spikes", "small oscillation", "large oscillation", or "" when the curve cannot tell
    spikes: int  # spikes in the second half
    max_ratio: float  # the largest loss / (median of the window before it) in the second half
    progress: float  # median loss of the second half / median loss of the first half
    points: int  # recorded points
    reason: str = ""  # why there is no regime, or what decided a large oscillation


def adam_regime(steps: Sequence[float], losses: Sequence[float], diverged: bool = False) -> RegimeReadout:
    """The regime of a training-loss curve recorded at ``steps`` (increasing), as the module docstring defines
    it. A diverged run, or a non-finite loss, is a large oscillation."""
    ts = np.asarray(steps, dtype=float)
    ls = np.asarray(losses, dtype=float)
    if ts.size != ls.size:
        raise ValueError("steps and losses differ in length")
    if diverged or (ls.size and not np.isfinite(ls).all()):
        return RegimeReadout("large oscillation", 0, math.inf, math.inf, int(ls.size), "the loss diverged")
    if ls.size < 4 * MIN_WINDOW:
        return RegimeReadout("", 0, math.nan, math.nan, int(ls.size), f"fewer than {4 * MIN_WINDOW} recorded points")
    if (ls <= 0).any():
        return RegimeReadout("", 0, math.nan, math.nan, int(ls.size), "a loss of 0 has no ratio")
    half = ls.size // 2
    window = max(MIN_WINDOW, int(WINDOW_SHARE * ls.size))
    ratio = np.asarray([ls[t] / np.median(ls[max(0, t - window):t]) for t in range(half, ls.size)])
    above = ratio >= SPIKE_FACTOR
    spikes = int(above[0]) + int(np.sum(above[1:] & ~above[:-1]))
    progress = float(np.median(ls[half:]) / np.median(ls[:half]))
    if progress >= 1.0:
        return RegimeReadout("large oscillation", spikes, float(ratio.max()), progress, int(ls.size),
                             "the second half's median loss is not below the first half's")
    regime = "spikes" if spikes else "small oscillation"
    return RegimeReadout(regime, spikes, float(ratio.max()), progress, int(ls.size))


def predicted_adam_regime(lr: float, beta1: float, beta2: float) -> tuple[str, float, float]:
    """The regime REFERENCE §3.10 predicts for β₁ = 1 − bη, β₂ = 1 − aη, with a and b."""
    a, b = (1.0 - beta2) / lr, (1.0 - beta1) / lr
    regime = "spikes" if b >= REGIME_RATIO * a else "large oscillation" if a >= REGIME_RATIO * b \
        else "small oscillation"
    return regime, a, b
