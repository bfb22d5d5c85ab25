"""Measured rates: log-log slopes of the errors over a swept axis, with bootstrap intervals over seeds.

Input:  the :class:`~mlc.compiler.ir.Plan` (which axes to fit: ``report.rates``, or by default every
        numeric swept axis with at least 3 distinct values) and the grouped runs.
Output: :class:`RateFit` rows: for each (model, axis, error metric, values of the other swept params),
        the least-squares log-log slope, its 95% bootstrap interval over seeds, and the theory's exponent
        when ``mlc.compiler.theory.rates`` provides one (via :mod:`mlc.runtime.report_theory`), with the
        theory's verdict (an upper-bound rate agrees with any faster decay) or, without the theory's
        ``compare``, a flag when the exponent is outside the interval.
Role:   the rate comparison that the theory reference asks to show prominently (explicit bounds are
        loose; the rates are what the experiments test).

When the theory module offers its own ``fit_loglog_slope`` (log y pooled over seeds, whole seeds
resampled), that one is used, so that fit and comparison match. Otherwise this module's
:func:`fit_loglog_slope` (log of the mean over seeds) resamples *seeds* with replacement (the same seeds
at every x, so the correlation between points of one seed is kept), 1000 times with a fixed generator
seed, and takes the 2.5% and 97.5% percentiles of the refitted slopes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mlc.compiler.ir import Plan
from mlc.runtime.report_groups import Group, is_error_metric, swept_axes, zip_partners
from mlc.runtime.report_theory import (
    Fitter,
    Prediction,
    compare_fit,
    safe_predicted_exponent,
    slope_fitter,
)

N_BOOT = 1000
BOOT_SEED = 0
MIN_AXIS_VALUES = 3  # default axes need at least this many distinct values


def _slope(log_x: np.ndarray, log_y: np.ndarray) -> float:
    """Least-squares slope of log_y against log_x."""
    x_centered = log_x - log_x.mean()
    return float(np.dot(x_centered, log_y - log_y.mean()) / np.dot(x_centered, x_centered))


def nanmean_columns(table: np.ndarray) -> np.ndarray:
    """Mean of each column over its finite entries; NaN for a column with none (no warning)."""
    present = np.isfinite(table)
    counts = present.sum(axis=0)
    sums = np.where(present, table, 0.0).sum(axis=0)
    with np.errstate(all="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _fit_means(xs: np.ndarray, means: np.ndarray) -> float | None:
    """Slope of log(mean) on log(x) over the points where both are positive and finite."""
    keep = np.isfinite(means) & (means > 0) & np.isfinite(xs) & (xs > 0)
    if np.unique(xs[keep]).size < 2:
        return None
    return _slope(np.log(xs[keep]), np.log(means[keep]))


def fit_loglog_slope(
    xs: Sequence[float],
    ys_by_seed: Sequence[Sequence[float]],
    n_boot: int = N_BOOT,
    seed: int = BOOT_SEED,
) -> tuple[float, float, float]:
    """Fit y ~ C x^slope by least squares on log x vs log(mean over seeds of y).

    ``ys_by_seed[s][j]`` is the value for seed s at ``xs[j]`` (NaN where missing). Returns
    ``(slope, lo, hi)`` with the 95% percentile interval of the slope over ``n_boot`` bootstrap
    resamples of the seeds; with one seed the interval is ``(slope, slope)``.
    Raises ``ValueError`` if fewer than two x values have a positive mean.
    """
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys_by_seed, dtype=float)
    if y.ndim == 1:
        y = y[None, :]
    if y.shape[1] != x.size:
        raise ValueError(f"ys_by_seed has {y.shape[1]} columns for {x.size} x values")
    y = np.where(np.isfinite(y), y, np.nan)
    means = nanmean_columns(y)
    slope = _fit_means(x, means)
    if slope is None:
        raise ValueError("need at least two x values with a positive mean to fit a slope")
    n_seeds = y.shape[0]
    if n_seeds < 2 or n_boot < 1:
        return slope, slope, slope
    slopes = _bootstrap_slopes(x, y, n_boot, seed)
    if slopes.size == 0:
        return slope, slope, slope
    lo, hi = np.percentile(slopes, [2.5, 97.5])
    return slope, float(lo), float(hi)


def _bootstrap_slopes(x: np.ndarray, y: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Slopes refitted on ``n_boot`` resamples (with replacement) of the rows (seeds) of ``y``.

    Vectorised: each resample's mean over seeds is taken per x, points with a non-positive or missing
    mean are masked out, and resamples left with fewer than two distinct x values are dropped.
    """
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, y.shape[0], size=(n_boot, y.shape[0]))
    samples = y[rows]  # (n_boot, n_seeds, n_x)
    present = np.isfinite(samples)
    counts = present.sum(axis=1)
    sums = np.where(present, samples, 0.0).sum(axis=1)
    with np.errstate(all="ignore"):
        means = sums / counts
    keep = (counts > 0) & np.isfinite(means) & (means > 0) & np.isfinite(x) & (x > 0)
    log_x = np.log(np.where(x > 0, x, 1.0))
    with np.errstate(all="ignore"):
        log_y = np.where(keep, np.log(np.where(keep, means, 1.0)), 0.0)
        k = keep.sum(axis=1)
        mean_x = (keep * log_x).sum(axis=1) / k
        mean_y = log_y.sum(axis=1) / k
        dx = np.where(keep, log_x - mean_x[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        sxy = (dx * (log_y - mean_y[:, None])).sum(axis=1)
        fitted = sxy / sxx
    valid = (k >= 2) & (sxx > 1e-12 * max(1.0, float(np.max(log_x**2)))) & np.isfinite(fitted)
    return fitted[valid]


@dataclass
class RateFit:
    """One fitted rate: ``metric`` of ``model`` over ``axis``, the other swept params held at ``fixed``."""

    model: str
    axis: str
    metric: str
    fixed: dict[str, float]
    xs: list[float]
    means: list[float]
    n_seeds: int
    slope: float | None = None
    lo: float | None = None
    hi: float | None = None
    prediction: Prediction | None = None
    note: str = ""
    excluded_runs: int = 0  # diverged / failed runs left out of the fit
    fitter: str = ""
    agreement: bool | None = None  # set by fit_rates from report_theory.compare_fit
    message: str = ""  # the comparison in words

    @property
    def agrees(self) -> bool | None:
        """Whether the fit agrees with the theory's exponent (``None`` when there is no exponent, no fit,
        or fewer than two seeds)."""
        return self.agreement

    def as_dict(self) -> dict[str, object]:
        """A JSON-able view (for ``summary.json``)."""
        return {
            "model": self.model,
            "axis": self.axis,
            "metric": self.metric,
            "fixed": self.fixed,
            "xs": self.xs,
            "means": self.means,
            "n_seeds": self.n_seeds,
            "slope": self.slope,
            "interval": [self.lo, self.hi] if self.lo is not None else None,
            "theory": self.prediction.as_dict() if self.prediction else None,
            "agrees": self.agrees,
            "comparison": self.message,
            "fitter": self.fitter,
            "excluded_runs": self.excluded_runs,
            "note": self.note,
        }


def rate_axes(plan: Plan) -> list[str]:
    """The axes to fit: ``report.rates`` if given, else every numeric swept axis (not the seed) with at
    least 3 distinct values, one per zip block (zipped axes move together)."""
    if plan.report.rates:
        return list(plan.report.rates)
    axes: list[str] = []
    for key, values in swept_axes(plan).items():
        if len(values) >= MIN_AXIS_VALUES and not (zip_partners(plan, key) & set(axes)):
            axes.append(key)
    return axes


def _error_metrics(groups: list[Group]) -> list[str]:
    seen: list[str] = []
    for group in groups:
        for metric in group.metrics():
            if is_error_metric(metric) and metric not in seen:
                seen.append(metric)
    order = {"test_error": 0, "train_error": 1}
    return sorted(seen, key=lambda m: (order.get(m, 2), m))


def fit_rates(
    plan: Plan, groups: list[Group], n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> list[RateFit]:
    """Fit every error metric (and every other metric the theory predicts a rate for) over every rate
    axis, for each model and each setting of the other swept params.

    Diverged and failed runs are left out (and counted in ``excluded_runs``). The fitter is the theory's
    when ``mlc.compiler.theory.rates`` offers one, else :func:`fit_loglog_slope`.
    """
    fitter, fitter_name = slope_fitter(fit_loglog_slope)
    fits: list[RateFit] = []
    errors = _error_metrics(groups)
    others = [m for g in groups for m in g.metrics() if m not in errors]
    others = list(dict.fromkeys(others))
    for axis in rate_axes(plan):
        moving = {axis} | zip_partners(plan, axis)
        slices: dict[tuple, list[Group]] = {}
        for group in groups:
            if axis not in group.params:
                continue
            fixed = tuple(sorted((k, v) for k, v in group.params.items() if k not in moving))
            slices.setdefault((group.model, fixed), []).append(group)
        for (model, fixed), members in slices.items():
            members = sorted(members, key=lambda g: g.params[axis])
            for metric in errors + others:
                prediction, theory_note = safe_predicted_exponent(plan, model, metric, axis, dict(fixed))
                if metric in others and prediction is None:
                    continue  # norms and diagnostics are fitted only when the theory predicts a rate
                fit = _fit_one(model, axis, metric, dict(fixed), members, fitter, n_boot, seed)
                if fit is None:
                    continue
                fit.prediction = prediction
                fit.fitter = fitter_name
                if theory_note:
                    fit.note = "; ".join(n for n in (theory_note, fit.note) if n)
                if prediction is not None and fit.slope is not None and fit.n_seeds >= 2:
                    fit.agreement, fit.message = compare_fit(prediction, (fit.slope, fit.lo, fit.hi))
                fits.append(fit)
    return fits


def _fit_one(model: str, axis: str, metric: str, fixed: dict[str, float], members: list[Group],
             fitter: Fitter, n_boot: int, seed: int) -> RateFit | None:
    """Fit ``metric`` over ``axis`` across the groups ``members`` (one per axis value)."""
    xs = [float(g.params[axis]) for g in members]
    seeds = sorted({r.seed for g in members for r in g.ok_runs})
    row_of = {s: i for i, s in enumerate(seeds)}
    table = np.full((len(seeds), len(xs)), np.nan)
    for j, group in enumerate(members):
        for run in group.ok_runs:
            value = run.metrics.get(metric)
            if value is not None and math.isfinite(value):
                table[row_of[run.seed], j] = value
    if np.all(np.isnan(table)):
        return None
    fit = RateFit(model=model, axis=axis, metric=metric, fixed=fixed, xs=xs,
                  means=[float(m) for m in nanmean_columns(table)], n_seeds=len(seeds),
                  excluded_runs=sum(len(g.bad_runs) for g in members))
    try:
        fit.slope, fit.lo, fit.hi = fitter(xs, table.tolist(), n_boot=n_boot, seed=seed)
    except ValueError as exc:
        fit.note = str(exc)
    except Exception as exc:  # noqa: BLE001 - the theory's fitter failing must not stop the report
        fit.note = f"fit failed: {type(exc).__name__}: {exc}"
    else:
        if len(seeds) < 2:
            fit.note = "one seed: no interval over seeds"
    return fit
