"""Plots of the measured metrics against the swept axes and against training steps.

Input:  the :class:`~mlc.compiler.ir.Plan` (``report.plots``, ``report.marks``), the grouped runs, and the
        output folder.
Output: PNG and PDF files under ``out_dir/plots/``, and notes on requested plots that could not be drawn.
Role:   the figures of the report. For ``y vs <axis>``: log-log axes (when the values are positive and
        span a factor 3 or more), the report's summary over successful seeds (mean ± sd, median with
        quartiles, or geometric mean ×/÷ geometric sd) and a thin line per seed, one line per model
        and setting of the other swept params, the bounds on y with a value drawn at their own values (dashed),
        the theory's rate where it gives no value as a dotted slope-only guide labelled so (the lowest C·x^p
        above every point for an upper bound, never anchored at the first point), and a vertical line per mark
        on that axis.
        For ``y vs step``: the recorded curves, each seed thin and the summary over the seeds of each group
        thick; long step or time grids on a log axis; the t = ∞ end of a gradient flow as a dashed level.
        With a robustness summary (``runtime.report_robust``): a heat map of the error over lr × init scale
        (the first two numeric axes) per form.
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
from typing import Any, BinaryIO

import numpy as np

from mlc.compiler.ir import Plan, Plot
from mlc.compiler.theory.rates import find_rate
from mlc.runtime.report_fit import RELATION_SIGNS
from mlc.compiler import metrics
from mlc.runtime.paths import folder_in
from mlc.runtime.report_groups import SUMMARY_NAMES, Group, GroupKey, centre, swept_axes
from mlc.runtime.report_robust import Robustness
from mlc.runtime.report_store import atomic_write

MAX_LEGEND = 12
LOG_SPAN = 3.0
LOG_X_SPAN = 1e3
"""Recorded curves whose steps (or times) span this factor or more are drawn on a log x axis."""
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
    for ext in ("png", "pdf"):
        path = out_dir / f"{stem}.{ext}"

        def draw(handle: BinaryIO, ext: str = ext) -> None:
            fig.savefig(handle, format=ext, dpi=130 if ext == "png" else None, bbox_inches="tight")

        # Atomically, with the user's umask; a symlink at `path` is replaced, never written through.
        atomic_write(path, draw)
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
    summary = plan.report.summary
    for color, ((model, fixed), members) in zip(colors, lines.items()):
        members.sort(key=lambda g: g.params[x])
        xs = np.array([g.params[x] for g in members], dtype=float)
        stats = [s for g in members if (s := g.stat(y)) is not None]
        means = np.array([s.centre(summary) for s in stats])
        low, high = _spread(stats, summary, means)
        label = _label(model, dict(fixed), n_models)
        marker = MARKERS[models.index(model) % len(MARKERS)]
        ax.errorbar(xs, means, yerr=[low, high], marker=marker, ms=4, capsize=3, color=color,
                    label=label if len(lines) <= MAX_LEGEND else None)
        _per_seed_lines(ax, members, x, y, color)
        all_x += list(xs)
        all_y += list(means)
        prefix = f"{label}: " if label else ""
        legend = len(lines) <= MAX_LEGEND
        valued = _bound_values(members, y, x, summary)
        for theorem, (bxs, bvalues) in valued.items():  # the bound itself, where the theory gives its value
            all_y += bvalues
            ax.plot(bxs, bvalues, "--", color=color, lw=1, marker="_",
                    label=f"{prefix}{theorem} bound (its values)" if legend else None)
            drew_theory = True
        prediction = find_rate(plan, model, y, x, dict(fixed))
        if prediction is not None and prediction.theorem not in valued:
            guide = slope_guide(xs, means, prediction.exponent, prediction.relation)
            if guide is not None:
                all_y += list(guide[1])  # a power law reads as a line only on log-log axes
                ax.plot(guide[0], guide[1], ":", color=color, lw=1.2,
                        label=f"{prefix}slope guide {RELATION_SIGNS.get(prediction.relation, '∝')} C·{x}^"
                        f"{prediction.exponent:.3g} ({prediction.theorem}; slope only, C unknown)"
                        if legend else None)
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
    ax.set_ylabel(f"{y} ({SPREAD_TEXT[summary]} over seeds; thin: each seed)")
    ax.set_title(f"{plan.problem}: {y} vs {x}" + ("" if drew_theory else "  (theory rate: n/a)"), fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    if len(lines) <= MAX_LEGEND:
        ax.legend(fontsize=8)
    else:
        ax.text(0.01, 0.01, f"{len(lines)} lines (legend omitted)", transform=ax.transAxes, fontsize=8)
    # `_vs_step` names the curves against the training step; an axis called `step` must not overwrite them
    _save(fig, out_dir, _safe(f"{y}_vs_{x}" + ("_axis" if x == "step" else "")), outcome)


def _bound_values(members: list[Group], y: str, x: str, summary: Any) -> dict[str, tuple[list[float], list[float]]]:
    """The bounds on ``y`` with a value in the groups of one line: theorem -> (x values, bound values), in x order
    (the report's summary over seeds, as in the bounds table). Rate-only theorems have no value: none here."""
    out: dict[str, tuple[list[float], list[float]]] = {}
    for group in members:
        for cell in group.bounds(summary):
            if cell.quantity == y and not cell.rate_only and cell.value is not None and math.isfinite(cell.value):
                xs_, vs = out.setdefault(cell.theorem, ([], []))
                xs_.append(float(group.params[x]))
                vs.append(cell.value)
    return out


def slope_guide(xs: np.ndarray, ys: np.ndarray, exponent: float,
                relation: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A line C·x^p with the theory's slope p where the theory gives no constant: for an upper bound the lowest
    such line above every point (it touches the highest point relative to the slope), for a lower envelope the
    highest line below every point, for a predicted slope the least-squares C. Never anchored at the first point,
    which would make every later point of a faster-falling curve look like a violation. ``None`` without two
    positive points."""
    ok = np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0)
    if ok.sum() < 2:
        return None
    logc = np.log(ys[ok]) - exponent * np.log(xs[ok])
    c = math.exp(float(logc.max() if relation == "upper" else logc.min() if relation == "lower" else logc.mean()))
    grid = np.geomspace(float(xs[ok].min()), float(xs[ok].max()), 50)
    return grid, c * grid ** exponent


SPREAD_TEXT: dict[str, str] = {"mean": "mean ± sd", "median": "median, quartiles",
                               "geomean": "geometric mean ×/÷ geometric sd"}
"""What the line and the error bars of an axis plot show, by the report's ``summary``."""


def _spread(stats: list[Any], summary: str, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The error bars below and above each centre: sd (mean; clipped above 0 for log axes), the quartiles
    (median), or the geometric sd factor exp(sd log v) (geometric mean)."""
    if summary == "median":
        q1 = np.array([np.percentile(s.values, 25) for s in stats])
        q3 = np.array([np.percentile(s.values, 75) for s in stats])
        return np.maximum(centres - q1, 0.0), np.maximum(q3 - centres, 0.0)
    if summary == "geomean":
        with np.errstate(all="ignore"):
            factor = np.array([math.exp(float(np.log(s.values).std(ddof=1))) if s.n > 1 and min(s.values) > 0
                               else 1.0 for s in stats])
        return centres - centres / factor, centres * factor - centres
    sds = np.array([s.sd for s in stats])
    return np.minimum(sds, np.where(centres > 0, centres * 0.999, sds)), sds


def _per_seed_lines(ax: Any, members: list[Group], x: str, y: str, color: Any) -> None:
    """One thin line per seed through the groups of an axis plot (the spread the summary hides)."""
    seeds = sorted({r.seed for g in members for r in g.ok_runs})
    if len(seeds) < 2:
        return
    for seed in seeds:
        points = [(g.params[x], r.metrics[y]) for g in members for r in g.ok_runs
                  if r.seed == seed and y in r.metrics and math.isfinite(r.metrics[y])]
        if len(points) >= 2:
            ax.plot([p[0] for p in points], [p[1] for p in points], color=color, lw=0.6, alpha=0.3)


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


def _centre_curve(curves: list[Any], summary: str) -> tuple[list[float], np.ndarray] | None:
    """Steps common to every curve and the ``summary`` over curves there (``None`` with fewer than 2 steps)."""
    common = set(curves[0].steps)
    for curve in curves[1:]:
        common &= set(curve.steps)
    steps = sorted(common)
    if len(steps) < 2:
        return None
    table = np.array([[dict(zip(c.steps, c.values))[s] for s in steps] for c in curves], dtype=float)
    return steps, np.array([centre(table[:, j], summary) for j in range(len(steps))])  # type: ignore[arg-type]


def _flow_runs(plan: Plan, groups: list[Group]) -> bool:
    """Whether the curves are against the time of a gradient flow (``solve = gradient_flow``, or
    ``optimizer = flow(...)``) rather than steps."""
    indices = {r.index for g in groups for r in g.ok_runs}
    return any(r.train.solve == "gradient_flow" or r.train.flow for r in plan.runs if r.index in indices)


def _curve_plot(plan: Plan, groups: list[Group], y: str, out_dir: Path, outcome: PlotOutcome) -> None:
    """The recorded curves of ``y`` (or its per-frequency family): each seed thin, the summary over seeds thick.
    Steps (or times) spanning more than LOG_X_SPAN go on a log axis, where t = 0 cannot be drawn; the end of a
    ``time = inf`` gradient flow is drawn as a dashed level, ``t = ∞``."""
    from matplotlib.figure import Figure

    recorded = list(dict.fromkeys(n for g in groups for r in g.ok_runs for n in r.curves))
    names = curve_family(recorded, y)
    lines = [(g, name) for g in groups for name in names
             if any(name in r.curves and r.curves[name].steps for r in g.ok_runs)]
    if not lines:
        outcome.skipped.append(f"{y} vs step: no successful run recorded a curve named {y}")
        return
    summary = plan.report.summary
    n_models = len({g.model for g, _ in lines})
    n_groups = len({id(g) for g, _ in lines})
    legend = len(lines) <= MAX_LEGEND
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    drawn: list[float] = []
    xs_all = [float(t) for g, name in lines for r in g.ok_runs if name in r.curves for t in r.curves[name].steps]
    finite_x = [t for t in xs_all if math.isfinite(t) and t > 0]
    log_x = bool(finite_x) and max(finite_x) / min(finite_x) >= LOG_X_SPAN
    for color, (group, name) in zip(_colors(len(lines)), lines):
        label = _label(group.model, group.params, n_models) if n_groups > 1 else ""
        if len(names) > 1:
            label = f"{name}, {label}" if label else name
        label = label or group.model
        curves = [r.curves[name] for r in group.ok_runs if name in r.curves and r.curves[name].steps]
        line = _centre_curve(curves, summary) if len(curves) > 1 else None
        for i, curve in enumerate(curves):
            steps, values = _drawable(curve.steps, curve.values, log_x)
            ax.plot(steps, values, color=color, lw=0.6 if line is not None else 0.9,
                    alpha=0.35 if line is not None else 1.0,
                    label=label if line is None and i == 0 and legend else None)
            drawn += values
        if line is not None:
            steps, values = _drawable(line[0], list(line[1]), log_x)
            shown = f"{label} ({SUMMARY_NAMES[summary]} of {len(curves)})"
            ax.plot(steps, values, color=color, lw=1.6, label=shown if legend else None)
        ends = [v for c in curves for t, v in zip(c.steps, c.values) if t == math.inf and math.isfinite(v)]
        if ends:
            level = centre(ends, summary)
            ax.axhline(level, color=color, ls="--", lw=1, label=f"{label}: t = ∞" if legend else None)
            drawn.append(level)
    if _wants_log(drawn):
        ax.set_yscale("log")
    if log_x:
        ax.set_xscale("log")
    what = "time t = η·k" if _flow_runs(plan, groups) else "step"
    ax.set_xlabel(what + (" (log axis: t = 0 not drawn)" if log_x and 0.0 in xs_all else ""))
    ax.set_ylabel(y)
    ax.set_title(f"{plan.problem}: {y} vs {what.split(' ')[0]}", fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    if legend:
        ax.legend(fontsize=8)
    _save(fig, out_dir, _safe(f"{y}_vs_step"), outcome)


def _drawable(steps: list[Any], values: list[float], log_x: bool) -> tuple[list[float], list[float]]:
    """The finite points of a curve (t = ∞ is a level, not a point; t = 0 has no place on a log axis)."""
    kept = [(float(t), float(v)) for t, v in zip(steps, values)
            if math.isfinite(t) and math.isfinite(v) and not (log_x and t <= 0)]
    return [t for t, _ in kept], [v for _, v in kept]


def robustness_plot(summary: Robustness, out_dir: Path, outcome: PlotOutcome) -> None:
    """The robustness heat maps: a panel per form, log10 of the error over the first two grid axes (a one-row map
    for one axis; further axes are taken at their best value), on one colour scale for every panel, the points
    within x of the best outlined and the failed ones crossed."""
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    forms = summary.forms
    axes_keys = summary.grid_axes[:2]
    xs = sorted({p[0] for f in forms for p in f.grid})
    ys = sorted({p[1] for f in forms for p in f.grid}) if len(axes_keys) == 2 else [math.nan]
    finite = [v for f in forms for v in f.finite if v > 0]
    if not finite:
        outcome.skipped.append("robustness heat map: no positive error to draw")
        return
    norm = Normalize(vmin=math.log10(min(finite)), vmax=math.log10(max(finite)))
    fig = Figure(figsize=(3.2 * len(forms) + 1.0, 3.0))
    panels = fig.subplots(1, len(forms), squeeze=False)[0]
    image = None
    for ax, form in zip(panels, forms):
        grid = np.full((len(ys), len(xs)), np.nan)
        failed = np.zeros_like(grid, dtype=bool)
        for point, value in form.grid.items():
            i = ys.index(point[1]) if len(axes_keys) == 2 else 0
            j = xs.index(point[0])
            kept = grid[i, j]
            if value is None or not math.isfinite(value) or value <= 0:
                failed[i, j] = math.isnan(kept)
            elif math.isnan(kept) or math.log10(value) < kept:  # further axes: the best value at this cell
                grid[i, j], failed[i, j] = math.log10(value), False
        image = ax.imshow(grid, origin="lower", cmap="viridis_r", norm=norm, aspect="auto")
        for i in range(len(ys)):
            for j in range(len(xs)):
                if failed[i, j]:
                    ax.text(j, i, "×", ha="center", va="center", color="red", fontsize=12)
                elif not math.isnan(grid[i, j]) and 10 ** grid[i, j] <= form.within * form.best_overall:
                    ax.add_patch(_cell_box(j, i))
        ax.set_xticks(range(len(xs)), [_fmt_param(v) for v in xs], rotation=45, fontsize=7)
        ax.set_xlabel(axes_keys[0])
        if len(axes_keys) == 2:
            ax.set_yticks(range(len(ys)), [_fmt_param(v) for v in ys], fontsize=7)
            if ax is panels[0]:
                ax.set_ylabel(axes_keys[1])
        else:
            ax.set_yticks([])
        ax.set_title(f"{form.label}\n{form.converged}/{len(form.grid)} within {form.within:g}× best", fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=list(panels), label=f"log10 {forms[0].metric}")
    _save(fig, out_dir, f"robustness_{_safe(forms[0].metric)}", outcome)


def _cell_box(j: int, i: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="white", linewidth=2)


def make_plots(plan: Plan, groups: list[Group], out_dir: Path, robust: Robustness | None = None) -> PlotOutcome:
    """Draw every requested and default plot into ``out_dir/plots/`` (PNG and PDF), and the robustness heat
    maps when the report has a robustness summary."""
    outcome = PlotOutcome()
    plots_dir = folder_in(Path(out_dir), "plots")  # a symlinked plots/ that leads out of --out is refused
    axes = swept_axes(plan)
    for plot in plot_requests(plan, groups):
        if plot.x_kind == "step":
            _curve_plot(plan, groups, plot.y, plots_dir, outcome)
        elif plot.x in axes:
            _axis_plot(plan, groups, plot.y, plot.x, plots_dir, outcome)
        else:
            outcome.skipped.append(f"{plot.y} vs {plot.x}: {plot.x} is not a swept axis")
    if robust is not None and robust.forms:
        robustness_plot(robust, plots_dir, outcome)
    return outcome
