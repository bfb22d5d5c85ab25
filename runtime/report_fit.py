"""Measured rates: log-log slopes of the errors over a swept axis, with bootstrap intervals over seeds.

Input:  the :class:`~mlc.compiler.ir.Plan` (which axes to fit: ``report.rates``, or by default every
        numeric swept axis with at least 3 distinct values; the predicted exponents: ``plan.rates``) and
        the grouped runs.
Output: :class:`RateFit` rows: for each (model, axis, error metric, values of the other swept params),
        the least-squares log-log slope and its 95% bootstrap interval over seeds
        (``compiler.theory.rates.fit_loglog_slope``), next to the exponent the plan predicts, with the
        theory's verdict (``compiler.theory.rates.compare``: an upper-bound rate agrees with any faster
        decay).
Role:   the rate comparison that the theory reference asks to show prominently (explicit bounds are
        loose; the rates are what the experiments test). The predictions are read from the plan, where
        the compiler put them; nothing here re-derives them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mlc.compiler.ir import Plan, RatePrediction, Summary
from mlc.compiler.theory.rates import compare, find_rate, fit_loglog_slope
from mlc.compiler import metrics
from mlc.runtime.readouts import trend
from mlc.runtime.report_groups import Group, GroupKey, centre, group_optimisation_limit, swept_axes

N_BOOT = 1000
BOOT_SEED = 0
MIN_AXIS_VALUES = 3  # default axes need at least this many distinct values

RELATION_SIGNS = {"upper": "≤", "lower": "≥", "equal": "="}
"""How a relation reads next to the slope: an upper bound C x^p means the measured slope should be ≤ p."""


def shown(prediction: RatePrediction) -> str:
    """A prediction as the rates table shows it, e.g. ``≤ -1 (T1)`` (``†``: unverified constant)."""
    dagger = "†" if prediction.unverified else ""
    return f"{RELATION_SIGNS[prediction.relation]} {prediction.exponent:+.3g} ({prediction.theorem}{dagger})"


def nanmean_columns(table: np.ndarray) -> np.ndarray:
    """Mean of each column over its finite entries; NaN for a column with none (no warning)."""
    present = np.isfinite(table)
    counts = present.sum(axis=0)
    sums = np.where(present, table, 0.0).sum(axis=0)
    with np.errstate(all="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


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
    summary: Summary = "mean"  # the report's: how the seeds are combined (mean: the pooled log-log fit)
    centres: list[float] = field(default_factory=list)  # the summary over seeds at each x (= means for mean)
    slope: float | None = None
    lo: float | None = None
    hi: float | None = None
    prediction: RatePrediction | None = None
    note: str = ""
    excluded_runs: int = 0  # diverged / failed runs left out of the fit
    # whether the fit agrees with the plan's exponent (compiler.theory.rates.compare); None when there is
    # no exponent, no fit, or fewer than two seeds
    agrees: bool | None = None
    message: str = ""  # the comparison in words
    below_bound: bool = False  # slower than an upper bound's rate, but below the bound's own values everywhere
    optimisation_limited: list[float] = field(default_factory=list)  # axis values whose runs were still training

    def as_dict(self) -> dict[str, object]:
        """A JSON-able view (for ``summary.json``)."""
        return {
            "model": self.model,
            "axis": self.axis,
            "metric": self.metric,
            "fixed": self.fixed,
            "xs": self.xs,
            "means": self.means,
            **({"summary": self.summary, "centres": self.centres} if self.summary != "mean" else {}),
            "n_seeds": self.n_seeds,
            "slope": self.slope,
            "interval": [self.lo, self.hi] if self.lo is not None else None,
            "theory": self.prediction.model_dump(mode="json") if self.prediction else None,
            "agrees": self.agrees,
            "comparison": self.message,
            "below_bound": self.below_bound,
            "optimisation_limited": self.optimisation_limited,
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
        if len(values) >= MIN_AXIS_VALUES and not (plan.zip_partners(key) & set(axes)):
            axes.append(key)
    return axes


def _error_metrics(groups: list[Group]) -> list[str]:
    return metrics.display_order(m for g in groups for m in g.metrics() if metrics.is_error(m))


def fit_rates(
    plan: Plan, groups: list[Group], n_boot: int = N_BOOT, seed: int = BOOT_SEED
) -> list[RateFit]:
    """Fit every error metric (and every other metric the plan predicts a rate for) over every rate
    axis, for each model and each setting of the other swept params.

    Diverged and failed runs are left out (and counted in ``excluded_runs``).
    """
    fits: list[RateFit] = []
    errors = _error_metrics(groups)
    others = [m for g in groups for m in g.metrics() if m not in errors]
    others = list(dict.fromkeys(others))
    for axis in rate_axes(plan):
        moving = {axis} | plan.zip_partners(axis)
        slices: dict[GroupKey, list[Group]] = {}
        for group in groups:
            if axis not in group.params:
                continue
            fixed = tuple(sorted((k, v) for k, v in group.params.items() if k not in moving))
            slices.setdefault((group.model, fixed), []).append(group)
        for (model, fixed), members in slices.items():
            members = sorted(members, key=lambda g: g.params[axis])
            for metric in errors + others:
                prediction = find_rate(plan, model, metric, axis, dict(fixed))
                if metric in others and prediction is None:
                    continue  # norms and diagnostics are fitted only when the theory predicts a rate
                fit = _fit_one(model, axis, metric, dict(fixed), members, n_boot, seed, plan.report.summary)
                if fit is None:
                    continue
                fit.prediction = prediction
                if prediction is not None and fit.slope is not None and fit.n_seeds >= 2:
                    verdict = compare(prediction, (fit.slope, fit.lo, fit.hi))  # type: ignore[arg-type]
                    fit.agrees, fit.message = verdict.agree, verdict.message
                    if verdict.agree is False and prediction.relation == "upper":
                        _below_the_bound(fit, prediction.theorem, members, metric)
                fits.append(fit)
    return fits


@dataclass(frozen=True)
class NotCompared:
    """A rate the plan predicts for a quantity no run measures (T1's approximation error over the width): it is
    listed, never set against the slope of another quantity (issue 11: compare like with like)."""

    prediction: RatePrediction
    measured: tuple[str, ...]  # the error metrics fitted over the same axis instead

    def text(self) -> str:
        """The line under the rates table."""
        p = self.prediction
        fixed = "".join(f", {k} = {v:g}" for k, v in p.fixed.items())
        instead = (f"; the {', '.join(self.measured)} slope{'s' if len(self.measured) > 1 else ''} above "
                   f"{'are' if len(self.measured) > 1 else 'is'} not compared with it" if self.measured else "")
        return (f"{p.model}{fixed}: {p.theorem} predicts {p.metric} {RELATION_SIGNS[p.relation]} C·{p.axis}^"
                f"{p.exponent:.3g} ({p.note or p.regime}); no run measures {p.metric}, so there is nothing to "
                f"compare it with{instead}")

    def as_dict(self) -> dict[str, object]:
        """A JSON-able view (``summary.json``'s ``rates_not_compared``)."""
        return {"theory": self.prediction.model_dump(mode="json"), "measured_instead": list(self.measured),
                "text": self.text()}


def not_compared(plan: Plan, groups: list[Group], fits: list[RateFit]) -> list[NotCompared]:
    """The plan's predicted rates on a metric that no group of their model measures, with the metrics fitted over
    the same axis (shown, but not compared with them)."""
    measured = {g.model: set(g.metrics()) for g in groups}
    out: list[NotCompared] = []
    for rate in plan.rates:
        if rate.model not in measured or rate.metric in measured[rate.model]:
            continue
        instead = tuple(dict.fromkeys(f.metric for f in fits if f.model == rate.model and f.axis == rate.axis
                                      and metrics.is_error(f.metric)))
        entry = NotCompared(prediction=rate, measured=instead)
        if entry not in out:
            out.append(entry)
    return out


def _below_the_bound(fit: RateFit, theorem: str, members: list[Group], metric: str) -> None:
    """A slower decay than an upper bound's rate is no violation when every point lies below the bound itself:
    say so (``below_bound``) instead of disagreeing (issue 11). Needs the bound's value on the same metric."""
    ratios = []
    for group in members:
        cell = next((c for c in group.bounds(fit.summary) if c.theorem == theorem and c.quantity == metric), None)
        if cell is None or cell.ratio is None:
            return
        ratios.append(cell.ratio)
    if ratios and max(ratios) <= 1:
        fit.below_bound = True
        fit.agrees = None
        fit.message = (f"decays slower than {theorem}'s rate, but lies below {theorem}'s bound at every point "
                       f"(measured / bound ≤ {max(ratios):.3g}): not a violation")


def _fit_one(model: str, axis: str, metric: str, fixed: dict[str, float], members: list[Group],
             n_boot: int, seed: int, summary: Summary = "mean") -> RateFit | None:
    """Fit ``metric`` over ``axis`` across the groups ``members`` (one per axis value). With ``summary`` mean: the
    least-squares slope pooled over seeds (``fit_loglog_slope``); with median or geomean: the slope through the
    summary over seeds at each x (:func:`fit_centre_slope`), which one wild seed cannot drag."""
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
    means = [float(m) for m in nanmean_columns(table)]
    fit = RateFit(model=model, axis=axis, metric=metric, fixed=fixed, xs=xs, means=means, n_seeds=len(seeds),
                  excluded_runs=sum(len(g.bad_runs) for g in members), summary=summary,
                  centres=means if summary == "mean" else [centre(table[:, j], summary) for j in range(len(xs))],
                  optimisation_limited=[x for x, g in zip(xs, members) if group_optimisation_limit(g) is not None])
    shape = trend(xs, fit.centres)
    if not shape.monotone:  # a power law through a peak or a dip describes neither side (issue 11, item 3)
        fit.note = shape.describe(axis)
        return fit
    try:
        if summary == "mean":
            fit.slope, fit.lo, fit.hi = fit_loglog_slope(xs, table.tolist(), n_boot=n_boot, seed=seed)
        else:
            fit.slope, fit.lo, fit.hi = fit_centre_slope(xs, table, summary, n_boot=n_boot, seed=seed)
    except ValueError as exc:  # too few positive points: the row says so
        fit.note = str(exc)
    else:
        if len(seeds) < 2:
            fit.note = "one seed: no interval over seeds"
    return fit


def fit_centre_slope(xs: list[float], table: np.ndarray, summary: Summary, n_boot: int = N_BOOT,
                     seed: int = BOOT_SEED) -> tuple[float, float, float]:
    """Least-squares slope of log(summary over seeds) on log x, with a 95% bootstrap interval that resamples
    whole seeds (rows of ``table``, seeds × xs, NaN where missing). Points whose summary is not positive and
    finite are dropped. Raises ValueError with fewer than two such points."""
    x = np.asarray(xs, dtype=float)

    def slope_of(rows: np.ndarray) -> float | None:
        ys = np.array([centre(rows[:, j], summary) for j in range(x.size)])
        ok = np.isfinite(ys) & (ys > 0) & np.isfinite(x) & (x > 0)
        if np.unique(x[ok]).size < 2:
            return None
        lx, ly = np.log(x[ok]), np.log(ys[ok])
        xc = lx - lx.mean()
        return float((xc * (ly - ly.mean())).sum() / (xc * xc).sum())

    slope = slope_of(table)
    if slope is None:
        raise ValueError(f"fewer than two x values with a positive {summary} to fit")
    rng = np.random.default_rng(seed)
    boots = [b for _ in range(n_boot) if table.shape[0] >= 2
             and (b := slope_of(table[rng.integers(0, table.shape[0], table.shape[0])])) is not None]
    if not boots:
        return slope, slope, slope
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return slope, float(lo), float(hi)
