"""Checking the spec's claims against the results: holds, fails or not testable, per seed and overall.

Input:  the :class:`~mlc.compiler.ir.Plan` (its ``report.claims``, checked by ``compiler.check.claims``) and the
        :class:`~mlc.runtime.results.RunResult` records the report reads (grouped by
        :func:`~mlc.runtime.report_groups.group_runs`).
Output: a :class:`ClaimResult` per claim: its verdict, and for each slice of the sweep it speaks about (a model and
        the values of the other swept params) the number measured on the median over seeds, the verdict on it, and
        the verdict for each seed; :func:`claims_table` (the report's table), :func:`claims_csv_text`
        (``claims.csv``) and :meth:`ClaimResult.as_dict` (``summary.json``).
Role:   the numbers are computed from the results, never assumed. A claim is *not testable* (with the reason)
        where the results cannot decide it: too few values of the axis, a run that failed or diverged at one of
        them, an axis that changes nothing trained, a predicted location outside the swept range.

* ``peak of y over a at a = v [within p% | within k steps]``: the argmax over the axis (of each seed's values,
  and of the median over seeds at each value) is the grid value nearest ``v`` (``within k steps``: at most k grid
  positions from it; ``within p%``: within p% of ``v``). Needs 3 values of the axis.
* ``slope of y over a OP s``: the least-squares slope of log y on log a (each seed's, and the median's with a
  bootstrap interval over seeds), with the rate fits' own fitters (``compiler.theory.rates.fit_loglog_slope``,
  ``runtime.report_fit.fit_centre_slope``).
* ``y insensitive to a within p%``: the relative spread (max − min) / median of y over the axis is at most p%.
* ``order of y convergence is increasing [below t]``: for each frequency k of a per-frequency recorded metric
  (``spectrum_k<k>``), the recorded step from which Δ(k) stays below t (default 0.1); increasing: these steps do
  not decrease with k (the low frequencies settle first). A frequency that never settles counts as last.
* ``y OP c [at a = v and ...]``: the final value at those sweep values (at every sweep point without ``at``).
* ``regime of y is R [at a = v and ...]``: the regime read off the recorded curve y
  (:func:`mlc.runtime.readouts.adam_regime`: spikes, small oscillation, large oscillation; a diverged run is a
  large oscillation), of each seed and of the median curve over the successful seeds, is R.
* ``slope of y over step OP s [from step K] [at a = v and ...]``: the rate of the recorded curve y over the
  training step (:func:`curve_rate`: the least-squares slope of log y on log step over the recorded points with
  step > 0 and step >= K, at least 3) of each seed, and the median of the seeds' rates, compares so with s; at
  those sweep values (at every sweep point without ``at``).
* ``slope of y over step insensitive to a within p%``: over the axis, the relative spread
  (max − min) / |median| of the rates (each seed's; and of the median of the seeds' rates at each value of a)
  is at most p%.
* ``slope of y over step increases with a`` (``decreases``): the rate grows (falls) strictly from each swept
  value of a to the next, each seed's and the median of the seeds'.
* ``y insensitive to a within p% for M``: only the slices of the model M.
* ``y more robust with a = A than B``: over the grid of the numeric swept axes (the report's centre over seeds at
  each point), the fraction of the grid within x of the best y of the whole grid
  (``runtime.report_robust``, x = ``report { robust_within }``) is larger for the form a = A than for a = B; one
  slice per model (and values of the other categorical axes). It has no per-seed verdicts.

The overall verdict of a claim fails when one slice fails, holds when every testable slice holds, and is not
testable when no slice is.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import numpy as np
from rich.table import Table
from rich.text import Text

from mlc.compiler.check.claims import RATE_MIN_POINTS
from mlc.compiler.ir import SEED_KEY, Claim, Plan
from mlc.compiler.theory.rates import fit_loglog_slope
from mlc.runtime.readouts import adam_regime, frequency_order
from mlc.runtime.report_fit import fit_centre_slope
from mlc.runtime.report_format import add_row, new_table
from mlc.runtime.report_groups import Group, group_runs
from mlc.runtime.results import RunResult

Verdict = Literal["holds", "fails", "not testable"]

CLAIMS_CSV = "claims.csv"
N_BOOT = 1000
PEAK_MIN_VALUES = 3
MAX_ROWS_PER_CLAIM = 8  # the report lists at most this many slices of one claim (all are in claims.csv)
_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@dataclass
class Check:
    """One verdict: of one seed, or of the median over seeds (``seed`` None). ``measured`` is the claim's number
    (the peak's location, the slope, the relative spread, the value); ``detail`` says it in words."""

    verdict: Verdict
    measured: float | None = None
    detail: str = ""
    seed: int | None = None


@dataclass
class SliceResult:
    """The claim on one slice of the sweep: ``model`` with the other swept params at ``fixed``."""

    model: str
    fixed: dict[str, float]
    overall: Check
    seeds: list[Check] = field(default_factory=list)
    interval: tuple[float, float] | None = None  # a slope's 95% bootstrap interval over seeds

    def count(self, verdict: Verdict) -> int:
        return sum(1 for s in self.seeds if s.verdict == verdict)


@dataclass
class ClaimResult:
    """A claim with its verdict over every slice it speaks about."""

    claim: Claim
    slices: list[SliceResult]
    verdict: Verdict = "not testable"
    reason: str = ""

    def as_dict(self, plan: Plan) -> dict[str, Any]:
        """A JSON-able view (for ``summary.json``); each slice's ``where`` names categorical values by label."""
        return {
            "claim": self.claim.text, "kind": self.claim.kind, "metric": self.claim.metric, "axis": self.claim.axis,
            "verdict": self.verdict, "reason": self.reason,
            "slices": [{"model": s.model, "fixed": s.fixed, "where": _where(s, plan), "verdict": s.overall.verdict,
                        "measured": s.overall.measured, "detail": s.overall.detail,
                        "interval": list(s.interval) if s.interval else None,
                        "seeds": [{"seed": c.seed, "verdict": c.verdict, "measured": c.measured, "detail": c.detail}
                                  for c in s.seeds]}
                       for s in self.slices],
        }


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _not_testable(why: str, seed: int | None = None) -> Check:
    return Check("not testable", None, why, seed)


def _failed_runs(axis: str, values: list[float], seed: int) -> Check:
    """A seed's verdict when some of its runs along ``axis`` failed or diverged (at ``values``)."""
    return _not_testable(f"run failed or diverged at {axis} = {', '.join(_fmt(x) for x in values)}", seed)


# ------------------------------------------------------------------------------ the claims over an axis


@dataclass
class _Slice:
    """The values of one metric over an axis for one model and fixed other params: ``table`` is seeds × xs
    (NaN where a seed has no successful value), ``bad`` the (seed, x) of runs that failed or diverged."""

    model: str
    fixed: dict[str, float]
    xs: list[float]
    seeds: list[int]
    table: np.ndarray
    bad: dict[int, list[float]]
    missing: list[float]  # xs where no seed has a value

    def median(self) -> np.ndarray:
        out = np.full(len(self.xs), np.nan)
        for j in range(len(self.xs)):
            col = self.table[:, j]
            col = col[np.isfinite(col)]
            if col.size:
                out[j] = float(np.median(col))
        return out


def _final_value(claim: Claim, run: RunResult) -> float | None:
    """A run's number for the claims over an axis: the metric's final value."""
    return run.metrics.get(claim.metric)


def _slices(plan: Plan, groups: list[Group], claim: Claim,
            value_of: Callable[[Claim, RunResult], float | None] = _final_value) -> list[_Slice]:
    """The slices of the sweep a claim over an axis speaks about, each a table seeds × axis values of
    ``value_of`` (the metric's final value, or a recorded curve's rate)."""
    moving = {claim.axis} | plan.zip_partners(claim.axis)
    by_key: dict[tuple[str, tuple[tuple[str, float], ...]], list[Group]] = {}
    for group in groups:
        if claim.model and group.model != claim.model:
            continue  # `... for MODEL`: the claim is about that model only
        if claim.axis in group.params:
            fixed = tuple(sorted((k, v) for k, v in group.params.items() if k not in moving))
            by_key.setdefault((group.model, fixed), []).append(group)
    out: list[_Slice] = []
    for (model, fixed), members in by_key.items():
        if not any(claim.metric in (r.curves if claim.kind.startswith("rate") else r.metrics)
                   for g in members for r in g.ok_runs):
            continue  # the model does not measure (or record) it; another model of the spec does
        members = sorted(members, key=lambda g: g.params[claim.axis])
        xs = [float(g.params[claim.axis]) for g in members]
        seeds = sorted({r.seed for g in members for r in g.runs})
        row = {s: i for i, s in enumerate(seeds)}
        table = np.full((len(seeds), len(xs)), np.nan)
        bad: dict[int, list[float]] = {}
        for j, group in enumerate(members):
            for run in group.runs:
                value = value_of(claim, run) if run.status == "ok" else None
                if run.status != "ok":
                    bad.setdefault(run.seed, []).append(xs[j])
                elif value is not None and math.isfinite(value):
                    table[row[run.seed], j] = value
        missing = [xs[j] for j in range(len(xs)) if not np.isfinite(table[:, j]).any()]
        out.append(_Slice(model, dict(fixed), xs, seeds, table, bad, missing))
    return out


def _peak(claim: Claim, xs: list[float], ys: np.ndarray, seed: int | None) -> Check:
    target = claim.value
    if not min(xs) <= target <= max(xs):
        return _not_testable(f"the predicted {claim.axis} = {_fmt(target)} is outside the swept "
                             f"{_fmt(min(xs))}..{_fmt(max(xs))}", seed)
    top = int(np.argmax(ys))
    where = xs[top]
    nearest = int(np.argmin([abs(x - target) for x in xs]))
    if claim.tolerance_kind == "percent":
        ok = abs(where - target) <= claim.tolerance * abs(target)
        off = f"{100 * abs(where - target) / abs(target):.3g}% from the predicted {_fmt(target)}" if target \
            else f"predicted {_fmt(target)}"
    else:
        steps = abs(top - nearest)
        ok = steps <= claim.tolerance
        off = f"{steps} grid step{'s' if steps != 1 else ''} from {claim.axis} = {_fmt(xs[nearest])} " \
              f"(predicted {_fmt(target)})"
    return Check("holds" if ok else "fails", where, f"peak at {claim.axis} = {_fmt(where)}, {off}", seed)


def _slope_check(claim: Claim, slope: float, seed: int | None, what: str = "slope", detail: str = "") -> Check:
    """A slope (over a swept axis or over the step) against the claimed bound ``claim.op claim.value``."""
    ok = _OPS[claim.op](slope, claim.value)
    return Check("holds" if ok else "fails", slope,
                 f"{what} {slope:+.3g} (claimed {claim.op} {claim.value:+.3g}{detail})", seed)


def _spread(claim: Claim, ys: np.ndarray, seed: int | None) -> Check:
    centre = float(np.median(ys))
    if not centre > 0:
        return _not_testable(f"the median of {claim.metric} over {claim.axis} is not positive", seed)
    spread = float((ys.max() - ys.min()) / centre)
    ok = spread <= claim.value
    return Check("holds" if ok else "fails", spread,
                 f"relative spread {100 * spread:.3g}% over {claim.axis} (claimed ≤ {100 * claim.value:.3g}%)", seed)


def _over_axis(plan: Plan, claim: Claim, piece: _Slice) -> SliceResult:
    """The claim on one slice: each seed with a full row, then the median over seeds."""
    need = PEAK_MIN_VALUES if claim.kind == "peak" else 2
    axis = plan.axis(claim.axis)
    result = SliceResult(piece.model, piece.fixed, Check("not testable"))
    if axis is not None and not axis.varies:
        result.overall = _not_testable(f"`{claim.axis}` changes nothing trained")
        return result
    if len(set(piece.xs)) < need:
        result.overall = _not_testable(f"{len(set(piece.xs))} value(s) of {claim.axis}; the claim needs {need}")
        return result

    def decide(ys: np.ndarray, seed: int | None) -> tuple[Check, tuple[float, float] | None]:
        if claim.kind == "peak":
            return _peak(claim, piece.xs, ys, seed), None
        if claim.kind == "insensitive":
            return _spread(claim, ys, seed), None
        try:  # slope
            if seed is None:
                slope, lo, hi = fit_centre_slope(piece.xs, piece.table, "median", n_boot=N_BOOT)
                return _slope_check(claim, slope, seed), ((lo, hi) if piece.table.shape[0] >= 2 else None)
            slope, _, _ = fit_loglog_slope(piece.xs, [ys.tolist()], n_boot=0)
        except ValueError as exc:
            return _not_testable(str(exc), seed), None
        return _slope_check(claim, slope, seed), None

    for i, seed in enumerate(piece.seeds):
        row = piece.table[i]
        if piece.bad.get(seed):
            result.seeds.append(_failed_runs(claim.axis, piece.bad[seed], seed))
        elif not np.isfinite(row).all():
            absent = [piece.xs[j] for j in range(len(piece.xs)) if not np.isfinite(row[j])]
            result.seeds.append(_not_testable(f"no {claim.metric} at {claim.axis} = "
                                              f"{', '.join(_fmt(x) for x in absent)}", seed))
        else:
            result.seeds.append(decide(row, seed)[0])
    if piece.missing:
        result.overall = _not_testable(f"no successful run at {claim.axis} = "
                                       f"{', '.join(_fmt(x) for x in piece.missing)}")
    else:
        result.overall, result.interval = decide(piece.median(), None)
    return result


# ------------------------------------------------------------------------------ the rate over the step



@dataclass
class Rate:
    """The rate of one recorded curve: the least-squares slope of log(value) on log(step) over the recorded points
    with step > 0 and step >= ``start`` (``slope`` None, with ``why``, where it cannot be fitted)."""

    slope: float | None
    points: int
    why: str = ""


def curve_rate(steps: Sequence[float], values: Sequence[float], start: float = 0.0) -> Rate:
    """The rate of a recorded curve from step ``start`` on (see :class:`Rate`). Not fitted with fewer than
    :data:`RATE_MIN_POINTS` points, or where a value there is not a positive finite number (its log is not
    defined: an error that reached 0, or a diverged curve); an infinite step (the limit of a gradient flow) is no
    point of the fit."""
    kept = [(float(t), float(v)) for t, v in zip(steps, values) if math.isfinite(float(t)) and t > 0 and t >= start]
    where = f"from step {_fmt(start)}" if start > 0 else "after the start"
    if len(kept) < RATE_MIN_POINTS:
        return Rate(None, len(kept), f"{len(kept)} recorded point(s) {where}; a rate needs {RATE_MIN_POINTS}")
    bad = [t for t, v in kept if not (math.isfinite(v) and v > 0)]
    if bad:
        return Rate(None, len(kept), f"a value that is not positive and finite at step {_fmt(bad[0])}")
    slope, _, _ = fit_loglog_slope([t for t, _ in kept], [[v for _, v in kept]], n_boot=0)
    return Rate(slope, len(kept))


def _run_rate(claim: Claim, run: RunResult) -> Rate:
    curve = run.curves.get(claim.metric)
    if curve is None:
        return Rate(None, 0, f"no recorded {claim.metric}")
    return curve_rate(curve.steps, curve.values, claim.start)


def _rate_value(claim: Claim, run: RunResult) -> float | None:
    return _run_rate(claim, run).slope


def _rate_detail(claim: Claim) -> str:
    return f", fit from step {_fmt(claim.start)}" if claim.start > 0 else ""


def _rate_bound(claim: Claim, group: Group) -> SliceResult | None:
    """``slope of y over step OP s``: each seed's rate against s, and the median of the seeds' rates."""
    result = SliceResult(group.model, dict(group.params), Check("not testable"))
    detail = _rate_detail(claim)
    slopes: list[float] = []
    for run in sorted(group.runs, key=lambda r: r.seed):
        rate = _run_rate(claim, run) if run.status == "ok" else None
        if rate is None:
            result.seeds.append(_not_testable(f"the run {run.status}", run.seed))
        elif rate.slope is None:
            result.seeds.append(_not_testable(rate.why, run.seed))
        else:
            slopes.append(rate.slope)
            result.seeds.append(_slope_check(claim, rate.slope, run.seed, detail=detail))
    if not slopes:
        if all(r.status == "ok" and claim.metric not in r.curves for r in group.runs):
            return None  # a model that records no such curve (another model does)
        reasons = sorted({c.detail for c in result.seeds})
        result.overall = _not_testable("no run's rate could be fitted: " + "; ".join(reasons))
        return result
    result.overall = _slope_check(claim, float(np.median(slopes)), None,
                                  "slope" if len(slopes) == 1 else f"median of {len(slopes)} seeds' slopes", detail)
    return result


def _rate_spread(claim: Claim, slopes: np.ndarray, xs: list[float], seed: int | None) -> Check:
    """``... insensitive to a within p%``: the relative spread (max − min) / |median| of the rates over the axis."""
    centre = float(np.median(slopes))
    shown = ", ".join(f"{claim.axis} = {_fmt(x)}: {s:+.3g}" for x, s in zip(xs, slopes))
    if centre == 0:
        return _not_testable(f"the median rate over {claim.axis} is 0 ({shown})", seed)
    spread = float((slopes.max() - slopes.min()) / abs(centre))
    ok = spread <= claim.value
    return Check("holds" if ok else "fails", spread, f"slopes {shown}; relative spread {100 * spread:.3g}% "
                 f"(claimed ≤ {100 * claim.value:.3g}%)", seed)


def _rate_trend(claim: Claim, slopes: np.ndarray, xs: list[float], seed: int | None) -> Check:
    """``... increases with a``: the rate grows strictly from each swept value of the axis to the next
    (``decreases``: falls); ``measured`` is the smallest step in the claimed direction (negative: against it)."""
    shown = ", ".join(f"{claim.axis} = {_fmt(x)}: {s:+.3g}" for x, s in zip(xs, slopes))
    steps = np.diff(slopes) if claim.direction == "increasing" else -np.diff(slopes)
    ok = bool((steps > 0).all())
    word = "increases" if claim.direction == "increasing" else "decreases"
    against = [f"{_fmt(a)} → {_fmt(b)}" for a, b, step in zip(xs, xs[1:], steps) if not step > 0]
    detail = f"slopes {shown}" + ("" if ok else f"; does not {word.rstrip('s')} from {claim.axis} = "
                                  + ", ".join(against))
    return Check("holds" if ok else "fails", float(steps.min()), detail, seed)


def _rate_over_axis(plan: Plan, claim: Claim, piece: _Slice, groups: list[Group]) -> SliceResult:
    """The claims on the rate over an axis: on each seed's rates (a full row), then on the median of the seeds'
    rates at each value of the axis."""
    result = SliceResult(piece.model, piece.fixed, Check("not testable"))
    axis = plan.axis(claim.axis)
    if axis is not None and not axis.varies:
        result.overall = _not_testable(f"`{claim.axis}` changes nothing trained")
        return result
    if len(set(piece.xs)) < 2:
        result.overall = _not_testable(f"{len(set(piece.xs))} value(s) of {claim.axis}; the claim needs 2")
        return result
    decide = _rate_spread if claim.kind == "rate_insensitive" else _rate_trend
    # why a seed has no rate at a value of the axis (a run that failed, a curve too short to fit)
    why: dict[tuple[int, float], str] = {}
    for group in groups:
        if group.model == piece.model and claim.axis in group.params and all(
                group.params.get(k) == v for k, v in piece.fixed.items()):
            for run in group.runs:
                if run.status == "ok" and (rate := _run_rate(claim, run)).slope is None:
                    why[(run.seed, float(group.params[claim.axis]))] = rate.why
    for i, seed in enumerate(piece.seeds):
        row = piece.table[i]
        if piece.bad.get(seed):
            result.seeds.append(_failed_runs(claim.axis, piece.bad[seed], seed))
        elif not np.isfinite(row).all():
            absent = [j for j in range(len(piece.xs)) if not np.isfinite(row[j])]
            reasons = "; ".join(f"{claim.axis} = {_fmt(piece.xs[j])}: {why.get((seed, piece.xs[j]), 'no run')}"
                                for j in absent)
            result.seeds.append(_not_testable(f"no rate of {claim.metric} at {reasons}", seed))
        else:
            result.seeds.append(decide(claim, row, piece.xs, seed))
    if piece.missing:
        result.overall = _not_testable(f"no seed's rate at {claim.axis} = "
                                       f"{', '.join(_fmt(x) for x in piece.missing)}")
    else:
        result.overall = decide(claim, piece.median(), piece.xs, None)
        result.overall.detail = f"median over seeds: {result.overall.detail}" + _rate_detail(claim)
    return result


# ------------------------------------------------------------------------------ the claims at sweep points


def _matches(group: Group, at: dict[str, float]) -> bool:
    return all(key in group.params and math.isclose(group.params[key], value, rel_tol=1e-9, abs_tol=1e-12)
               for key, value in at.items())


def _compare(claim: Claim, group: Group) -> SliceResult:
    fixed = {k: v for k, v in group.params.items()}
    result = SliceResult(group.model, fixed, Check("not testable"))

    def check(value: float, seed: int | None) -> Check:
        ok = _OPS[claim.op](value, claim.value)
        return Check("holds" if ok else "fails", value, f"{claim.metric} = {_fmt(value)} "
                     f"(claimed {claim.op} {_fmt(claim.value)})", seed)

    values: list[float] = []
    for run in sorted(group.runs, key=lambda r: r.seed):
        value = run.metrics.get(claim.metric)
        if run.status != "ok":
            result.seeds.append(_not_testable(f"the run {run.status}", run.seed))
        elif value is None or not math.isfinite(value):
            result.seeds.append(_not_testable(f"no finite {claim.metric}", run.seed))
        else:
            values.append(value)
            result.seeds.append(check(value, run.seed))
    result.overall = check(float(np.median(values)), None) if values else \
        _not_testable(f"no successful run measures {claim.metric}")
    return result


_FREQUENCY = re.compile(r"_k(\d+)$")


def settled_steps(curves: dict[str, tuple[list[float], list[float]]], threshold: float) -> dict[int, float]:
    """For each frequency k (curve ``<metric>_k<k>``: steps, values), the first recorded step from which the value
    stays below ``threshold`` to the end of the curve; inf when it never does (the settled time of
    :func:`mlc.runtime.readouts.frequency_order`, the one rule for it)."""
    out: dict[int, float] = {}
    for name, (steps, values) in curves.items():
        match = _FREQUENCY.search(name)
        if match is None:
            continue
        k = int(match.group(1))
        settled = frequency_order(steps, {k: values}, threshold).frequencies[0].settled
        out[k] = math.inf if settled is None else settled
    return dict(sorted(out.items()))


def _order_check(claim: Claim, settled: dict[int, float], seed: int | None) -> Check:
    shown = ", ".join(f"k={k}: {'never' if math.isinf(s) else _fmt(s)}" for k, s in settled.items())
    if len(settled) < 2:
        return _not_testable(f"{len(settled)} frequency recorded; an order needs 2", seed)
    if all(math.isinf(s) for s in settled.values()):
        return _not_testable(f"no frequency's Δ(k) settles below {_fmt(claim.value)} within the recorded steps", seed)
    order = list(settled.values())
    pairs = list(zip(order, order[1:]))
    ok = all(a <= b for a, b in pairs) if claim.direction == "increasing" else all(a >= b for a, b in pairs)
    return Check("holds" if ok else "fails", None, f"settled below {_fmt(claim.value)} at step {shown}", seed)


def _curves(run: RunResult, metric: str) -> dict[str, tuple[list[float], list[float]]]:
    return {name: ([float(s) for s in c.steps], list(c.values)) for name, c in run.curves.items()
            if name.startswith(f"{metric}_k") and _FREQUENCY.search(name)}


def _order(claim: Claim, group: Group) -> SliceResult | None:
    result = SliceResult(group.model, dict(group.params), Check("not testable"))
    per_seed: list[dict[str, tuple[list[float], list[float]]]] = []
    for run in sorted(group.runs, key=lambda r: r.seed):
        curves = _curves(run, claim.metric)
        if run.status != "ok":
            result.seeds.append(_not_testable(f"the run {run.status}", run.seed))
        elif not curves:
            result.seeds.append(_not_testable(f"no recorded {claim.metric}", run.seed))
        else:
            per_seed.append(curves)
            result.seeds.append(_order_check(claim, settled_steps(curves, claim.value), run.seed))
    if not per_seed:
        if not any(_curves(r, claim.metric) for r in group.runs) and all(r.status == "ok" for r in group.runs):
            return None  # a model that records no such curve (another model does)
        result.overall = _not_testable(f"no successful run records {claim.metric}")
        return result
    # The median over seeds at each step the seeds share.
    median: dict[str, tuple[list[float], list[float]]] = {}
    for name in set.intersection(*(set(c) for c in per_seed)):
        common = sorted(set.intersection(*(set(c[name][0]) for c in per_seed)))
        values = [float(np.median([dict(zip(*c[name]))[s] for c in per_seed])) for s in common]
        median[name] = (common, values)
    result.overall = _order_check(claim, settled_steps(median, claim.value), None)
    return result


def _regime_check(claim: Claim, steps: Sequence[float], values: Sequence[float], diverged: bool,
                  seed: int | None) -> Check:
    read = adam_regime(steps, values, diverged=diverged)
    if not read.regime:
        return _not_testable(read.reason, seed)
    word = read.regime.replace(" ", "_")
    detail = (f"{word}: {read.spikes} spike(s), largest loss / recent level {_fmt(read.max_ratio)}, "
              f"2nd / 1st half median {_fmt(read.progress)}" + (f" ({read.reason})" if read.reason else ""))
    return Check("holds" if word == claim.regime else "fails", None, detail, seed)


def _regime(claim: Claim, group: Group) -> SliceResult | None:
    """The regime of each run's recorded curve (a diverged run's is a large oscillation), and of the median curve
    over the successful seeds at the steps they share."""
    result = SliceResult(group.model, dict(group.params), Check("not testable"))
    ok: list[tuple[list[float], list[float]]] = []
    for run in sorted(group.runs, key=lambda r: r.seed):
        curve = run.curves.get(claim.metric)
        if run.status == "diverged":
            result.seeds.append(_regime_check(claim, [], [], True, run.seed))
        elif run.status != "ok":
            result.seeds.append(_not_testable(f"the run {run.status}", run.seed))
        elif curve is None:
            result.seeds.append(_not_testable(f"no recorded {claim.metric}", run.seed))
        else:
            ok.append(([float(s) for s in curve.steps], list(curve.values)))
            result.seeds.append(_regime_check(claim, *ok[-1], False, run.seed))
    if not ok:
        if all(r.status == "diverged" for r in group.runs):
            result.overall = _regime_check(claim, [], [], True, None)
        elif all(r.status == "ok" for r in group.runs):
            return None  # a model that records no such curve (another model does)
        else:
            result.overall = _not_testable(f"no successful run records {claim.metric}")
        return result
    common = sorted(set.intersection(*(set(steps) for steps, _ in ok)))
    median = [float(np.median([dict(zip(steps, values))[s] for steps, values in ok])) for s in common]
    result.overall = _regime_check(claim, common, median, False, None)
    return result


# ------------------------------------------------------------------------------ all claims


def _here(claim: Claim, params: dict[str, float]) -> Claim | None:
    """The claim with its number at a slice (``Claim.value_for``: the number follows the other swept values);
    None for a slice the plan's sweep points do not cover."""
    value = claim.value_for(params)
    if value is None:
        return None
    return claim if value == claim.value else claim.model_copy(update={"value": value})


def _verdict(slices: Sequence[SliceResult]) -> tuple[Verdict, str]:
    verdicts = [s.overall.verdict for s in slices]
    if "fails" in verdicts:
        return "fails", ""
    if "holds" in verdicts:
        return "holds", ""
    if not slices:
        return "not testable", "no run measures it"
    return "not testable", slices[0].overall.detail


def _robust(plan: Plan, groups: list[Group], claim: Claim) -> tuple[list[SliceResult], str]:
    """``y more robust with a = A than B``: per model (and values of the other categorical axes), the fraction of
    the grid within x of the best (``runtime.report_robust``, x = ``report.robust_within``) is larger for A."""
    from mlc.runtime.report_robust import robustness

    summary = robustness(plan, groups, metric=claim.metric)
    if summary is None:
        return [], f"no grid of numeric swept axes with {claim.metric} measured"
    better, worse = claim.forms
    pairs: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}
    for form in summary.forms:
        others = tuple((k, v) for k, v in form.form.items() if k != claim.axis)
        pairs.setdefault((form.model, others), {})[form.form.get(claim.axis, "")] = form
    slices = []
    for (model, others), found in pairs.items():
        where = model + (f" ({', '.join(f'{k} = {v}' for k, v in others)})" if others else "")
        a, b = found.get(better), found.get(worse)
        if a is None or b is None:
            check = _not_testable(f"no runs of {claim.axis} = {better if a is None else worse}")
        else:
            ok = a.fraction > b.fraction
            check = Check("holds" if ok else "fails", a.fraction - b.fraction,
                          f"{a.converged}/{len(a.grid)} of the grid within {a.within:g}× the best for {better}, "
                          f"{b.converged}/{len(b.grid)} for {worse} (spread {a.spread:.2f} vs {b.spread:.2f} dec)")
        slices.append(SliceResult(where, {}, check))
    return slices, ""


def check_claims(plan: Plan, runs: list[RunResult], groups: list[Group] | None = None) -> list[ClaimResult]:
    """Every claim of the plan, checked against ``runs`` (grouped as the report groups them)."""
    if not plan.report.claims:
        return []
    groups = group_runs(plan, runs) if groups is None else groups
    results: list[ClaimResult] = []
    for claim in plan.report.claims:
        slices: list[SliceResult] = []
        reason = ""
        if claim.kind in ("peak", "slope", "insensitive"):
            slices = [_over_axis(plan, here, piece) for piece in _slices(plan, groups, claim)
                      if (here := _here(claim, piece.fixed)) is not None]
        elif claim.kind == "compare":
            matching = [g for g in groups if _matches(g, claim.at)]
            slices = [_compare(here, g) for g in matching if any(claim.metric in r.metrics for r in g.runs)
                      or g.bad_runs if (here := _here(claim, g.params)) is not None]
            if not matching:
                reason = "no run at " + " and ".join(f"{k} = {_fmt(v)}" for k, v in claim.at.items())
        elif claim.kind == "regime":
            matching = [g for g in groups if _matches(g, claim.at)]
            slices = [s for g in matching if (here := _here(claim, g.params)) is not None
                      if (s := _regime(here, g)) is not None]
            if not matching:
                reason = "no run at " + " and ".join(f"{k} = {_fmt(v)}" for k, v in claim.at.items())
        elif claim.kind == "robust":
            slices, reason = _robust(plan, groups, claim)
        elif claim.kind == "rate":
            matching = [g for g in groups if _matches(g, claim.at) and (not claim.model or g.model == claim.model)]
            slices = [s for g in matching if (here := _here(claim, g.params)) is not None
                      if (s := _rate_bound(here, g)) is not None]
            if not matching:
                reason = "no run at " + " and ".join(f"{k} = {_fmt(v)}" for k, v in claim.at.items())
        elif claim.kind in ("rate_insensitive", "rate_trend"):
            slices = [_rate_over_axis(plan, claim, piece, groups)
                      for piece in _slices(plan, groups, claim, _rate_value)]
        else:
            slices = [s for g in groups if (here := _here(claim, g.params)) is not None
                      if (s := _order(here, g)) is not None]
        verdict, why = _verdict(slices)
        results.append(ClaimResult(claim, slices, verdict, reason or why))
    return results


# ------------------------------------------------------------------------------ output


_STYLE = {"holds": "green", "fails": "bold red", "not testable": "yellow"}


def _where(piece: SliceResult, plan: Plan) -> str:
    """The slice in words; a categorical axis by its label (`scaling = mean_field`), not its index."""
    shown = ", ".join(f"{k} = {plan.param_text(k, v)}" for k, v in piece.fixed.items() if k != SEED_KEY)
    return piece.model + (f" ({shown})" if shown else "")


def _seeds(piece: SliceResult) -> str:
    if not piece.seeds:
        return ""
    parts = [f"{piece.count('holds')}/{len(piece.seeds)} hold"]
    if piece.count("fails"):
        parts.append(f"{piece.count('fails')} fail")
    if piece.count("not testable"):
        parts.append(f"{piece.count('not testable')} not testable")
    return ", ".join(parts)


def claims_table(results: Sequence[ClaimResult], plan: Plan) -> Table:
    """The report's claims table: one row per claim and slice, the median's number and verdict, the seeds'
    (``plan``: to name a categorical axis's values by their labels)."""
    table = new_table("claims: checked on the median over seeds, and per seed")
    for column in ("claim", "where", "measured (median over seeds)", "seeds", "verdict"):
        table.add_column(column)
    for result in results:
        if not result.slices:
            add_row(table, result.claim.text, "", result.reason, "", Text(result.verdict, style=_STYLE[result.verdict]))
            continue
        shown = list(result.slices)
        folded = 0
        if len(shown) > MAX_ROWS_PER_CLAIM:  # a big sweep: the slices that hold are counted, not listed
            kept = [p for p in shown if p.overall.verdict != "holds"][:MAX_ROWS_PER_CLAIM]
            folded = len(shown) - len(kept)
            shown = kept
        for i, piece in enumerate(shown):
            detail = piece.overall.detail
            if piece.interval is not None:
                detail += f", 95% interval [{piece.interval[0]:+.3g}, {piece.interval[1]:+.3g}]"
            add_row(table, result.claim.text if i == 0 else "", _where(piece, plan), detail, _seeds(piece),
                    Text(piece.overall.verdict, style=_STYLE[piece.overall.verdict]))
        if folded:
            holding = sum(1 for p in result.slices if p.overall.verdict == "holds")
            add_row(table, "" if shown else result.claim.text, f"{folded} more slice(s)",
                    f"{holding} of {len(result.slices)} slices hold (every slice: claims.csv, summary.json)", "",
                    Text(result.verdict if not shown else "", style=_STYLE[result.verdict]))
    return table


def claims_csv_text(results: Sequence[ClaimResult]) -> str:
    """``claims.csv``: a row per claim, slice and seed (seed empty: the median over seeds)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["claim", "kind", "metric", "axis", "model", "fixed", "seed", "verdict", "measured", "detail"])
    for result in results:
        if not result.slices:
            writer.writerow([result.claim.text, result.claim.kind, result.claim.metric, result.claim.axis, "", "", "",
                             result.verdict, "", result.reason])
        for piece in result.slices:
            fixed = ";".join(f"{k}={v:g}" for k, v in piece.fixed.items())
            for check in [piece.overall, *piece.seeds]:
                writer.writerow([result.claim.text, result.claim.kind, result.claim.metric, result.claim.axis,
                                 piece.model, fixed, "" if check.seed is None else check.seed, check.verdict,
                                 "" if check.measured is None else repr(check.measured), check.detail])
    return buffer.getvalue()


def summary_line(results: Sequence[ClaimResult]) -> Text | None:
    """The report's last word on the claims (None without claims)."""
    if not results:
        return None
    counts = {v: sum(1 for r in results if r.verdict == v) for v in ("holds", "fails", "not testable")}
    text = f"claims: {counts['holds']} hold, {counts['fails']} fail, {counts['not testable']} not testable"
    return Text(text, style="bold red" if counts["fails"] else ("yellow" if counts["not testable"] else "green"))
