"""The robustness summary: how much of a hyper-parameter grid each form of a model trains well on.

Input:  the :class:`~mlc.compiler.ir.Plan` (its sweep: categorical axes such as `scaling = [standard, mean_field]`
        or `depth_scaling = [none, one_over_L]` name the forms; numeric axes such as `lr` and `init_scale` the grid)
        and the report's groups (``runtime.report_groups``).
Output: one :class:`FormRobustness` per (model, form): the grid's errors (the report's centre over seeds at each
        point), the fraction of the grid within x of the best error, their spread; a rich table; the heat maps
        (``runtime.report_plots.robustness_plot``).
Role:   the comparison of the review's Fig. 5 (REFERENCE §5.1, §2.4): scaled against conventional models over a
        grid of learning rates and init scales. A point *converges* when its error is at most x times the best
        error of the whole grid (every form together, so the forms are measured by one yardstick), x =
        ``report { robust_within = 2 }``; a point whose runs all diverged or failed, or whose error is not finite,
        does not. The *spread* is log10(worst / best) over the form's finite points: the decades its error spans.
        The summary exists when the sweep has a categorical axis and a numeric axis other than the seed, or
        several models swept over the same numeric axes (each model then is a form). Torch-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from mlc.compiler.ir import SEED_KEY, Plan
from mlc.runtime.report_format import fmt, new_table
from mlc.runtime.report_groups import Group, centre

ROBUST_METRIC = "test_error"
"""The error the summary compares (the review's: the test error)."""


@dataclass
class FormRobustness:
    """One form of one model over the grid (see the module docstring)."""

    model: str
    form: dict[str, str]  # categorical axis -> the form's label (empty when the models are the forms)
    metric: str
    within: float  # x
    best_overall: float
    grid: dict[tuple[float, ...], float | None] = field(default_factory=dict)  # grid point -> error (None: none)

    @property
    def label(self) -> str:
        """``net: scaling = mean_field`` (or the model's name alone)."""
        form = ", ".join(f"{k} = {v}" for k, v in self.form.items())
        return f"{self.model}: {form}" if form else self.model

    @property
    def finite(self) -> list[float]:
        return [v for v in self.grid.values() if v is not None and math.isfinite(v)]

    @property
    def converged(self) -> int:
        """Grid points within ``within`` x the best error of the whole grid."""
        return sum(1 for v in self.finite if v <= self.within * self.best_overall)

    @property
    def fraction(self) -> float:
        return self.converged / len(self.grid) if self.grid else math.nan

    @property
    def failed(self) -> int:
        """Grid points with no finite error (every run diverged or failed)."""
        return len(self.grid) - len(self.finite)

    @property
    def best(self) -> float:
        return min(self.finite) if self.finite else math.nan

    @property
    def median(self) -> float:
        return centre(self.finite, "median") if self.finite else math.nan

    @property
    def worst(self) -> float:
        return max(self.finite) if self.finite else math.nan

    @property
    def spread(self) -> float:
        """log10(worst / best) over the finite points (decades); nan without two positive points."""
        pos = [v for v in self.finite if v > 0]
        return math.log10(max(pos) / min(pos)) if len(pos) >= 2 else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "form": self.form, "metric": self.metric, "within": self.within,
                "points": len(self.grid), "converged": self.converged, "fraction": self.fraction,
                "failed": self.failed, "best": self.best, "median": self.median, "worst": self.worst,
                "spread_decades": self.spread, "best_overall": self.best_overall,
                "grid": [{"point": list(k), "value": v} for k, v in self.grid.items()]}


@dataclass
class Robustness:
    """The summary: the forms, the grid's axes (numeric swept keys) and the categorical keys naming the forms."""

    forms: list[FormRobustness]
    grid_axes: list[str]
    form_axes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"grid_axes": self.grid_axes, "form_axes": self.form_axes,
                "forms": [f.as_dict() for f in self.forms]}


def _axes(plan: Plan) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The numeric swept keys (the grid) and the categorical ones with their labels (the forms), in plan order."""
    numeric: list[str] = []
    categorical: dict[str, tuple[str, ...]] = {}
    for block in plan.sweep:
        for axis in block.axes:
            if axis.key == SEED_KEY:
                continue
            if axis.labels:
                categorical.setdefault(axis.key, tuple(axis.labels))
            elif axis.key not in numeric:
                numeric.append(axis.key)
    return numeric, categorical


def robustness(plan: Plan, groups: list[Group], within: float | None = None,
               metric: str = ROBUST_METRIC) -> Robustness | None:
    """The summary of ``groups`` (None when the sweep has no forms to compare over a grid, or nothing measured
    ``metric``)."""
    x = plan.report.robust_within if within is None else within
    numeric, categorical = _axes(plan)
    models = list(dict.fromkeys(g.model for g in groups))
    if not numeric or (not categorical and len(models) < 2):
        return None
    if not any(g.stat(metric) is not None for g in groups):
        return None
    summary = plan.report.summary
    by_form: dict[tuple[str, tuple[tuple[str, str], ...]], dict[tuple[float, ...], float | None]] = {}
    for g in groups:
        form = tuple((k, _label(categorical[k], g.params.get(k))) for k in categorical if k in g.params)
        point = tuple(float(g.params.get(k, math.nan)) for k in numeric)
        values = [r.metrics[metric] for r in g.ok_runs if metric in r.metrics and math.isfinite(r.metrics[metric])]
        value = centre(values, summary) if values else None
        by_form.setdefault((g.model, form), {})[point] = value if value is None or math.isfinite(value) else None
    finite = [v for grid in by_form.values() for v in grid.values() if v is not None]
    if not finite:
        return None
    best = min(finite)
    forms = [FormRobustness(model, dict(form), metric, x, best, dict(sorted(grid.items())))
             for (model, form), grid in by_form.items()]
    return Robustness(forms, numeric, list(categorical))


def _label(labels: tuple[str, ...], index: float | None) -> str:
    if index is None or not math.isfinite(index) or not 0 <= int(index) < len(labels):
        return "?"
    return labels[int(index)]


def robustness_table(summary: Robustness) -> Table:
    """The summary as a table: a row per form."""
    first = summary.forms[0]
    axes = " × ".join(summary.grid_axes)
    table = new_table(f"robustness over the grid {axes}: {first.metric} within {fmt(first.within)}× the best "
                      f"({fmt(first.best_overall)}) of every form")
    for name in ("form", "grid", "within", "fraction", "failed", "best", "median", "worst", "spread"):
        table.add_column(name, justify="left" if name == "form" else "right")
    for f in summary.forms:
        table.add_row(f.label, str(len(f.grid)), str(f.converged), f"{f.fraction:.0%}", str(f.failed),
                      fmt(f.best), fmt(f.median), fmt(f.worst),
                      "—" if math.isnan(f.spread) else f"{f.spread:.2f} dec")
    return table


ROBUST_NOTE = ("within: grid points whose error (centre over seeds) is at most x times the best of the whole grid; "
               "failed: every run at the point diverged or failed; spread: log10(worst / best) over the form's "
               "points. Set x with `report { robust_within = 2 }`.")
