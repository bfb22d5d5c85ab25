"""Plots of the measured metrics against the swept axes and against training steps.

Input:  the :class:`~mlc.compiler.ir.Plan` (``report.plots``, ``report.marks``), the grouped runs, and the
        output folder.
Output: PNG and PDF files under ``out_dir/plots/``, and notes on requested plots that could not be drawn.
Role:   the figures of the report. For ``y vs <axis>``: log-log axes (when the values are positive and
        span a factor 3 or more), the mean over successful seeds with sd error bars, one line per model
        and setting of the other swept params, the theory's rate as a dashed line anchored at the first
        point (only when the plan predicts one), and a vertical line per mark on that axis.
        For ``y vs step``: the recorded curves, averaged over the seeds of each group.
        Which of the two a plot is comes from the plan (``Plot.x_kind``), never from the name of x, so a
        swept axis called ``steps`` is an axis.

matplotlib is imported inside the functions (never at module level), through the object-oriented
``Figure`` API, which renders with Agg and touches no global pyplot state.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlc.compiler.ir import Plan, Plot
from mlc.compiler.theory.rates import find_rate
from mlc.runtime.report_fit import RELATION_SIGNS
from mlc.compiler import metrics
from mlc.runtime.report_groups import Group, GroupKey, swept_axes

MAX_LEGEND = 12
LOG_SPAN = 3.0
MARKERS = ("o", "s", "^", "D", "v", "P")


@dataclass
class PlotOutcome:
    """What :func:`make_plots` did: the files written and the requested plots it skipped (and why)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "plot"


def _fmt_param(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _label(model: str, fixed: dict[str, float], n_models: int) -> str:
    parts = [model] if n_models > 1 or not fixed else []
    parts += [f"{k}={_fmt_param(v)}" for k, v in fixed.items()]
    return ", ".join(parts)


def plot_requests(plan: Plan, groups: list[Group]) -> list[Plot]:
    """The plots to draw: ``report.plots`` first, then by default each error metric against each swept
    axis with at least two values, then each recorded curve against the training step."""
    requests: list[Plot] = list(plan.report.plots)
    errors: list[str] = []
    curves: list[str] = []
    for group in groups:
        for metric in group.metrics():
            if metrics.is_error(metric) and metric not in errors:
                errors.append(metric)
        for run in group.ok_runs:
            for name in run.curves:
                if name not in curves:
                    curves.append(name)
    errors = metrics.display_order(errors)
    for axis, values in swept_axes(plan).items():
        if len(values) >= 2:
            requests += [Plot(y=metric, x=axis, x_kind="axis") for metric in errors]
    bases = [_family_of(name) for name in curves]
    requests += [Plot(y=name, x="step", x_kind="step") for name in bases]
    unique: list[Plot] = []
    for request in requests:
        if request not in unique:
            unique.append(request)
    return unique


def _save(fig: Any, out_dir: Path, stem: str, outcome: PlotOutcome) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "pdf"):
        path = out_dir / f"{stem}.{ext}"
        fig.savefig(path, dpi=130 if ext == "png" else None, bbox_inches="tight")
        outcome.files.append(path)


def _axis_plot(plan: Plan, groups: list[Group], y: str, x: str, out_dir: Path, outcome: PlotOutcome) -> None:
    from matplotlib.figure import Figure

    lines: dict[GroupKey, list[Group]] = {}
    moving = {x} | plan.zip_partners(x)
    for group in groups:
        if x in group.params and group.stat(y) is not None:
            fixed = tuple(sorted((k, v) for k, v in group.params.items() if k not in moving))
            lines.setdefault((group.model, fixed), []).append(group)
    if not lines:
        outcome.skipped.append(f"{y} vs {x}: no successful run measured {y} over the swept axis {x}")
        return
    models = list(dict.fromkeys(model for model, _ in lines))
    n_models = len(models)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    colors = _colors(len(lines))
    all_x: list[float] = []
    all_y: list[float] = []
    drew_theory = False
    for color, ((model, fixed), members) in zip(colors, lines.items()):
        members.sort(key=lambda g: g.params[x])
        xs = np.array([g.params[x] for g in members], dtype=float)
        stats = [g.stat(y) for g in members]
        means = np.array([s.mean for s in stats if s is not None])
        sds = np.array([s.sd for s in stats if s is not None])
        label = _label(model, dict(fixed), n_models)
        lower = np.minimum(sds, np.where(means > 0, means * 0.999, sds))
        marker = MARKERS[models.index(model) % len(MARKERS)]
        ax.errorbar(xs, means, yerr=[lower, sds], marker=marker, ms=4, capsize=3, color=color,
                    label=label if len(lines) <= MAX_LEGEND else None)
        all_x += list(xs)
        all_y += list(means)
        prediction = find_rate(plan, model, y, x, dict(fixed))
        if prediction is not None and xs.size and xs[0] > 0 and means[0] > 0:
            grid = np.geomspace(xs.min(), xs.max(), 50) if xs.min() > 0 else xs
            theory_line = means[0] * (grid / xs[0]) ** prediction.exponent
            all_y += list(theory_line)  # a power law reads as a line only on log-log axes
            ax.plot(grid, theory_line, "--", color=color, lw=1,
                    label=f"{label + ': ' if label else ''}theory "
                    f"{RELATION_SIGNS.get(prediction.relation, '∝')} C·{x}^{prediction.exponent:.3g} "
                    f"({prediction.theorem})"
                    if len(lines) <= MAX_LEGEND else None)
            drew_theory = True
    if _wants_log(all_x):
        ax.set_xscale("log")
    if _wants_log(all_y):
        ax.set_yscale("log")
    for mark in plan.report.marks:
        if mark.axis == x:
            ax.axvline(mark.value, color="0.4", ls=":", lw=1)
            ax.annotate(mark.label, xy=(mark.value, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -10), textcoords="offset points", fontsize=8, color="0.3",
                        rotation=90, va="top",
                        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y} (mean ± sd over seeds)")
    ax.set_title(f"{plan.problem}: {y} vs {x}" + ("" if drew_theory else "  (theory rate: n/a)"), fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    if len(lines) <= MAX_LEGEND:
        ax.legend(fontsize=8)
    else:
        ax.text(0.01, 0.01, f"{len(lines)} lines (legend omitted)", transform=ax.transAxes, fontsize=8)
    # `_vs_step` names the curves against the training step; an axis called `step` must not overwrite them
    _save(fig, out_dir, _safe(f"{y}_vs_{x}" + ("_axis" if x == "step" else "")), outcome)


def _wants_log(values: list[float]) -> bool:
    """Log scale for positive values that span at least a factor LOG_SPAN (narrower ranges read better
    on a linear axis)."""
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) >= LOG_SPAN


def _colors(n: int) -> list[Any]:
    from matplotlib import colormaps

    if n <= 10:
        cmap = colormaps["tab10"]
        return [cmap(i) for i in range(n)]
    cmap = colormaps["viridis"]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]


def _family_of(name: str) -> str:
    """Curves recorded per frequency (``spectrum_k2``, ``spectrum_k5``...) form one family, ``spectrum``
    (the registry says which metrics are measured per frequency)."""
    entry = metrics.lookup(name)
    return entry.name if entry is not None and entry.per_frequency else name


def curve_family(names: list[str], y: str) -> list[str]:
    """The curve names that ``y`` asks for: ``y`` itself if recorded, else its family ``y_k<k>``, ordered
    by k."""
    if y in names:
        return [y]
    family = [n for n in names if n != y and _family_of(n) == y]
    return sorted(family, key=lambda n: int(n.rsplit("_k", 1)[1]))


def _mean_curve(curves: list[Any]) -> tuple[list[int], np.ndarray] | None:
    """Steps common to every curve and the mean over curves there (``None`` with fewer than 2 steps)."""
    common = set(curves[0].steps)
    for curve in curves[1:]:
        common &= set(curve.steps)
    steps = sorted(common)
    if len(steps) < 2:
        return None
    table = np.array([[dict(zip(c.steps, c.values))[s] for s in steps] for c in curves], dtype=float)
    present = np.isfinite(table)
    with np.errstate(all="ignore"):
        mean = np.where(present, table, 0.0).sum(axis=0) / present.sum(axis=0)
    return steps, mean


def _curve_plot(plan: Plan, groups: list[Group], y: str, out_dir: Path, outcome: PlotOutcome) -> None:
    from matplotlib.figure import Figure

    recorded = list(dict.fromkeys(n for g in groups for r in g.ok_runs for n in r.curves))
    names = curve_family(recorded, y)
    lines = [(g, name) for g in groups for name in names
             if any(name in r.curves and r.curves[name].steps for r in g.ok_runs)]
    if not lines:
        outcome.skipped.append(f"{y} vs step: no successful run recorded a curve named {y}")
        return
    n_models = len({g.model for g, _ in lines})
    n_groups = len({id(g) for g, _ in lines})
    legend = len(lines) <= MAX_LEGEND
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    drawn: list[float] = []
    for color, (group, name) in zip(_colors(len(lines)), lines):
        label = _label(group.model, group.params, n_models) if n_groups > 1 else ""
        if len(names) > 1:
            label = f"{name}, {label}" if label else name
        label = label or group.model
        curves = [r.curves[name] for r in group.ok_runs if name in r.curves and r.curves[name].steps]
        mean = _mean_curve(curves)
        if mean is not None:
            steps, values = mean
            shown = f"{label} (mean of {len(curves)})" if len(curves) > 1 else label
            ax.plot(steps, values, color=color, lw=1.4, label=shown if legend else None)
            drawn += [float(v) for v in values]
        else:
            for i, curve in enumerate(curves):
                ax.plot(curve.steps, curve.values, color=color, lw=0.8,
                        label=label if i == 0 and legend else None)
                drawn += list(curve.values)
    if _wants_log(drawn):
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(y)
    ax.set_title(f"{plan.problem}: {y} vs step", fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    if legend:
        ax.legend(fontsize=8)
    _save(fig, out_dir, _safe(f"{y}_vs_step"), outcome)


def make_plots(plan: Plan, groups: list[Group], out_dir: Path) -> PlotOutcome:
    """Draw every requested and default plot into ``out_dir/plots/`` (PNG and PDF)."""
    outcome = PlotOutcome()
    plots_dir = Path(out_dir) / "plots"
    axes = swept_axes(plan)
    for plot in plot_requests(plan, groups):
        if plot.x_kind == "step":
            _curve_plot(plan, groups, plot.y, plots_dir, outcome)
        elif plot.x in axes:
            _axis_plot(plan, groups, plot.y, plot.x, plots_dir, outcome)
        else:
            outcome.skipped.append(f"{plot.y} vs {plot.x}: {plot.x} is not a swept axis")
    return outcome
