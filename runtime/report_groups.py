"""Group the runs of a sweep and summarise each group over seeds.

Input:  a :class:`~mlc.compiler.ir.Plan` and the list of :class:`RunResult` measured so far.
Output: :class:`Group` objects (runs that share the model and every swept param except the seed), each
        with mean / sd / median over its successful seeds of every metric, and its bounds compared with the
        measured quantity (:class:`BoundCell`).
Role:   the statistics behind the report table, the rate fits, the plots and the JSON summary. Runs that
        diverged or failed stay in their group (``group.runs``) and are counted, but are excluded from
        every mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, TypeGuard

import numpy as np

from mlc.compiler.ir import SEED_KEY, Plan, Summary
from mlc.compiler.lower.health import learned_nothing
from mlc.compiler.theory.catalog import BY_ID
from mlc.runtime.readouts import OptimisationLimit, optimisation_limited
from mlc.runtime.report_store import param_keys
from mlc.runtime.results import BoundValue, RunResult

GroupKey = tuple[str, tuple[tuple[str, float], ...]]
"""A model name and sorted (param, value) pairs: the key that groups runs, or groups into slices."""

RATE_KINDS = ("upper_rate", "lower_rate")
"""Bound kinds that state only a rate (no absolute value)."""


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value)


def measured_quantity(metrics: dict[str, float], quantity: str) -> float | None:
    """The measured value of a bound's ``quantity`` in one run: the metric of that name, or a quantity
    derived from the metrics (``generalisation_gap`` = |test_error - train_error|); ``None`` if the run
    does not measure it (e.g. an approximation error or a Rademacher complexity)."""
    value = metrics.get(quantity)
    if value is None and quantity == "generalisation_gap":
        test, train = metrics.get("test_error"), metrics.get("train_error")
        if test is not None and train is not None:
            value = abs(test - train)
    return float(value) if _finite(value) else None


def centre(values: Iterable[float], summary: Summary) -> float:
    """The centre of ``values`` that the report's ``summary`` names: the mean, the median, or the geometric mean
    exp(mean log v) (NaN unless every value is > 0). Non-finite values are left out; NaN when none is left."""
    arr = np.asarray([float(v) for v in values if _finite(v)], dtype=float)
    if arr.size == 0:
        return math.nan
    if summary == "median":
        return float(np.median(arr))
    if summary == "geomean":
        return float(np.exp(np.log(arr).mean())) if bool((arr > 0).all()) else math.nan
    return float(arr.mean())


SUMMARY_NAMES: dict[str, str] = {"mean": "mean", "median": "median", "geomean": "geometric mean"}
"""How each summary reads in titles and legends."""


@dataclass(frozen=True)
class Stat:
    """A metric over the successful seeds of one group."""

    n: int
    mean: float
    sd: float  # sample standard deviation (ddof = 1); 0 for a single seed
    median: float | None  # only with 3 or more seeds
    values: tuple[float, ...]

    @staticmethod
    def of(values: Iterable[float]) -> "Stat | None":
        """The statistics of the finite ``values``; ``None`` if there are none."""
        finite = [float(v) for v in values if _finite(v)]
        if not finite:
            return None
        arr = np.asarray(finite)
        sd = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
        median = float(np.median(arr)) if arr.size >= 3 else None
        return Stat(n=int(arr.size), mean=float(arr.mean()), sd=sd, median=median, values=tuple(finite))

    @property
    def geomean(self) -> float | None:
        """exp(mean log v) over the seeds; None unless every value is > 0."""
        value = centre(self.values, "geomean")
        return None if math.isnan(value) else value

    def centre(self, summary: Summary) -> float:
        """The centre the report's ``summary`` asks for (:func:`centre`; the median for any number of seeds)."""
        return centre(self.values, summary)


@dataclass
class BoundCell:
    """One theorem for one group: its value (mean over runs) and the ratio measured / bound."""

    theorem: str
    title: str
    kind: str
    quantity: str
    citation: str
    value: float | None  # mean bound value over the group's runs; None for a rate-only bound
    ratio: float | None  # mean over successful runs of measured[quantity] / value
    measured: float | None  # mean over successful runs of the measured quantity (see measured_quantity)
    unverified: bool
    rate_only: bool
    text: str  # the rate or formula as text (for rate-only bounds)
    note: str = ""
    summary: Summary = "mean"  # how value, ratio and measured are summarised over the group's runs
    clipped: bool = False  # some run's formula exceeded the trivial bound: its value is the trivial bound (vacuous)


@dataclass
class Group:
    """Runs that share the model and every swept param except the seed."""

    model: str
    family: str
    params: dict[str, float]
    runs: list[RunResult] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)  # theorems that hold but say nothing here, with why

    @property
    def ok_runs(self) -> list[RunResult]:
        """The runs with status ``ok``: the only ones that enter the statistics."""
        return [r for r in self.runs if r.status == "ok"]

    @property
    def bad_runs(self) -> list[RunResult]:
        """The runs that diverged or failed."""
        return [r for r in self.runs if r.status != "ok"]

    def status_counts(self) -> dict[str, int]:
        """Number of runs per status, e.g. ``{"ok": 4, "diverged": 1}``."""
        counts: dict[str, int] = {}
        for run in self.runs:
            counts[run.status] = counts.get(run.status, 0) + 1
        return counts

    def stat(self, metric: str) -> Stat | None:
        """Statistics of ``metric`` over the successful runs (``None`` if no run has it)."""
        return Stat.of(r.metrics[metric] for r in self.ok_runs if metric in r.metrics)

    def metrics(self) -> list[str]:
        """Every metric measured in some successful run of the group."""
        seen: dict[str, None] = {}
        for run in self.ok_runs:
            for key in run.metrics:
                seen.setdefault(key, None)
        return list(seen)

    def bounds(self, summary: Summary = "mean") -> list[BoundCell]:
        """The bounds that hold (in at least one run of the group), in order of first appearance, their values
        summarised over the runs by ``summary`` (the report's), or by the median for a theorem whose value is
        heavy-tailed over seeds (``Theorem.heavy_tailed``: T18's 1/(η k λ_min))."""
        by_theorem: dict[str, list[tuple[RunResult, BoundValue]]] = {}
        for run in self.runs:
            for bound in run.bounds:
                if bound.holds and bound.theorem not in self.hidden:
                    by_theorem.setdefault(bound.theorem, []).append((run, bound))
        cells: list[BoundCell] = []
        for theorem, pairs in by_theorem.items():
            first = pairs[0][1]
            how: Summary = "median" if _heavy_tailed(theorem) else summary
            # the values as shown: clipped at the trivial bound where the formula exceeds it (BoundValue.shown)
            valued = [(run, b) for run, b in pairs if _finite(b.shown)]
            rate_only = first.kind in RATE_KINDS or not valued
            ok_valued = [(run, b) for run, b in valued if run.status == "ok"]
            source = ok_valued or valued
            value = _number(centre([b.shown for _, b in source if b.shown is not None], how)) \
                if source and not rate_only else None
            pairs_measured = [(measured_quantity(run.metrics, b.quantity), b) for run, b in ok_valued]
            ratios = [m / b.shown for m, b in pairs_measured if m is not None and b.shown]
            ratio = _number(centre(ratios, how)) if ratios and not rate_only else None
            measured_all = [m for m in (measured_quantity(r.metrics, first.quantity) for r in self.ok_runs)
                            if m is not None]
            measured = _number(centre(measured_all, how)) if measured_all else None
            cells.append(
                BoundCell(
                    theorem=theorem,
                    title=first.title,
                    kind=first.kind,
                    quantity=first.quantity,
                    citation=first.citation,
                    value=value,
                    ratio=ratio,
                    measured=measured,
                    unverified=any(b.unverified for _, b in pairs),
                    rate_only=rate_only,
                    text=first.text or first.latex,
                    note=first.note,
                    summary=how,
                    clipped=not rate_only and any(b.trivial is not None for _, b in source),
                )
            )
        return cells

    def failing_bounds(self) -> dict[str, list[str]]:
        """Theorems whose hypotheses fail in this group (and in no run hold), with the failing
        hypotheses."""
        holding = {b.theorem for r in self.runs for b in r.bounds if b.holds}
        failing: dict[str, list[str]] = {}
        for run in self.runs:
            for bound in run.bounds:
                if not bound.holds and bound.theorem not in holding:
                    reasons = failing.setdefault(bound.theorem, [])
                    for reason in bound.failing:
                        if reason not in reasons:
                            reasons.append(reason)
        return failing


def group_learned_nothing(group: Group) -> bool:
    """Whether some successful run of ``group`` learned nothing (:func:`mlc.compiler.lower.health.learned_nothing`:
    its test error is within 5 % of the best constant predictor's, or above it)."""
    return any(learned_nothing(run.metrics) is not None for run in group.ok_runs)


def run_optimisation_limit(run: RunResult) -> OptimisationLimit | None:
    """The optimisation-limited read-out of one run (:func:`mlc.runtime.readouts.optimisation_limited`), from its
    recorded ``train_error`` and ``test_error`` curves (``None`` without both)."""
    train, test = run.curves.get("train_error"), run.curves.get("test_error")
    if train is None or test is None:
        return None
    return optimisation_limited(train.steps, train.values, test.steps, test.values)


def group_optimisation_limit(group: Group) -> tuple[int, int, OptimisationLimit] | None:
    """``(k, of, first)`` when at least half of the group's successful runs with both curves recorded are
    optimisation-limited: k of them, out of ``of``, and the first one's read-out; else ``None``."""
    limits = [(run, run_optimisation_limit(run)) for run in group.ok_runs
              if "train_error" in run.curves and "test_error" in run.curves]
    found = [limit for _, limit in limits if limit is not None]
    if not found or 2 * len(found) < len(limits):
        return None
    return len(found), len(limits), found[0]


def _number(value: float) -> float | None:
    """``None`` for the NaN of a summary that does not exist (a geometric mean of values that are not > 0)."""
    return None if math.isnan(value) else value


def _heavy_tailed(theorem: str) -> bool:
    """Whether the catalog says this theorem's value is heavy-tailed over seeds (then the median summarises it)."""
    entry = BY_ID.get(theorem)
    return entry is not None and entry.heavy_tailed


def _sort_value(value: float | None) -> tuple[int, float]:
    return (1, 0.0) if value is None else (0, value)


def group_runs(plan: Plan, runs: list[RunResult]) -> list[Group]:
    """Group ``runs`` by (model, swept params except the seed); a run that several sweep points give (its plan
    run's ``also``) joins the group of each.

    Groups come out by model in plan order, then by the swept params in plan axis order (numerically).
    """
    keys = param_keys(plan, runs)
    model_order: dict[str, int] = {}
    for plan_run in plan.runs:
        model_order.setdefault(plan_run.model.name, len(model_order))
    for result in runs:
        model_order.setdefault(result.model, len(model_order))
    also = {r.index: r.also for r in plan.runs if r.hash and r.also}
    groups: dict[GroupKey, Group] = {}
    for run in sorted(runs, key=lambda r: r.index):
        # a run that several sweep points give (one hash, trained once) is reported under each of them
        for point in (run.params, *also.get(run.index, ())):
            params = {k: v for k, v in point.items() if k != SEED_KEY}
            key = (run.model, tuple(sorted(params.items())))
            if key not in groups:
                groups[key] = Group(model=run.model, family=run.family, params=params)
            groups[key].runs.append(run)  # the points of one run are distinct: it joins a group once
    _hide_t19_off_the_threshold(plan, runs, list(groups.values()))
    return sorted(
        groups.values(),
        key=lambda g: (model_order[g.model], tuple(_sort_value(g.params.get(k)) for k in keys)),
    )


def _hide_t19_off_the_threshold(plan: Plan, runs: list[RunResult], groups: list[Group]) -> None:
    """T19 for a two-layer net is a statement about a sweep across its interpolation threshold m = n/(d+1) (issue 11):
    when every width of the model's runs lies on one side of its runs' thresholds, T19 is hidden from its groups
    (with the reason, shown under the bounds table)."""
    width = {r.index: r.model.width for r in plan.runs}
    sides: dict[str, list[float]] = {}
    for run in runs:
        if run.family != "two_layer" or run.index not in width:
            continue
        value = next((b.value for b in run.bounds if b.theorem == "T19" and b.holds and b.value), None)
        if value is not None:
            sides.setdefault(run.model, []).append(width[run.index] - value)
    for model, gaps in sides.items():
        if min(gaps) < 0 < max(gaps):
            continue
        widths = sorted({width[r.index] for r in runs if r.model == model and r.index in width})
        thresholds = [b.value for r in runs if r.model == model for b in r.bounds
                      if b.theorem == "T19" and b.value is not None]
        side = "below" if max(gaps) <= 0 else "above"
        low, high = min(thresholds), max(thresholds)
        at = f"{low:.3g}" if low == high else f"{low:.3g} to {high:.3g}"
        shown = ", ".join(f"{w:g}" for w in widths[:4]) + (", ..." if len(widths) > 4 else "")
        why = f"{model}'s widths {shown} all lie {side} m = n/(d+1) = {at}: no sweep across it"
        for group in groups:
            if group.model == model:
                group.hidden["T19"] = why


def swept_axes(plan: Plan) -> dict[str, list[float]]:
    """Every swept axis key except the seed, with its distinct values in increasing order."""
    axes: dict[str, set[float]] = {}
    for block in plan.sweep:
        for axis in block.axes:
            if axis.key != SEED_KEY:
                axes.setdefault(axis.key, set()).update(axis.values)
    for run in plan.runs:
        for key, value in run.params.items():
            if key != SEED_KEY:
                axes.setdefault(key, set()).add(value)
    return {key: sorted(values) for key, values in axes.items()}
