"""Rich tables of the report: header, measured errors, bounds, rates, failed runs, footer.

Input:  the :class:`~mlc.compiler.ir.Plan`, the :class:`ExperimentResult`, the grouped runs
        (:mod:`mlc.runtime.report_groups`) and the rate fits (:mod:`mlc.runtime.report_fit`).
Output: rich renderables (tables and text) printed to a :class:`rich.console.Console`.
Role:   the terminal view of the report, readable on a 100-column terminal (the formatting of numbers
        and the table style: :mod:`mlc.runtime.report_format`). Every number shown is read from the
        results or computed from them here; nothing is printed that was not measured or evaluated.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mlc.compiler import metrics
from mlc.compiler.ir import Plan
from mlc.compiler.lower.health import run_notes
from mlc.runtime.report_fit import RateFit, shown
from mlc.runtime.report_format import (
    DAGGER, DASH, add_row, fmt, fmt_param, fmt_seconds, fmt_stat, new_table, titled,
)
from mlc.runtime.report_groups import BoundCell, Group, swept_axes
from mlc.runtime.report_store import param_keys
from mlc.runtime.results import ExperimentResult


def header(plan: Plan, result: ExperimentResult) -> Table:
    """Problem, spec hash, device, dtype, versions, wall time, run counts."""
    env = result.environment
    counts: dict[str, int] = {}
    for run in result.runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: kv[0] != "ok"))
    planned = len(plan.runs)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    problem = f"{result.problem}   ({result.spec_path})" if result.spec_path else result.problem
    add_row(table, "problem", problem)
    add_row(table, "spec hash", result.spec_hash)
    device = env.device if env.device_name in ("", env.device) else f"{env.device} ({env.device_name})"
    add_row(table, "device", f"{device}   dtype {env.dtype}")
    add_row(table, "versions", f"mlc {env.mlc_version}   torch {env.torch}   python {env.python}")
    add_row(table, "started", f"{result.started_at}   wall time {fmt_seconds(result.wall_time_s)}")
    add_row(table, "runs", f"{len(result.runs)} of {planned} planned" + (f": {status}" if status else ""))
    if env.command:
        add_row(table, "command", env.command)
    for block in plan.sweep:  # a categorical axis's values stand for settings: say which
        for axis in block.axes:
            if axis.labels:
                add_row(table, axis.key, "   ".join(f"{i} = {label}" for i, label in enumerate(axis.labels)))
    return table


def _status_cell(group: Group) -> Text:
    counts = group.status_counts()
    total = len(group.runs)
    ok = counts.get("ok", 0)
    if ok == total:
        return Text(str(total))
    bad = ", ".join(f"{n} {s}" for s, n in counts.items() if s != "ok")
    return Text(f"{ok}/{total}\n{bad}", style="yellow" if ok else "red")


def measured_metrics(groups: Sequence[Group]) -> list[str]:
    """The metrics shown in the measured tables: the errors, then the norms, in registry order."""
    seen = [m for g in groups for m in g.metrics() if metrics.is_error(m) or metrics.is_norm(m)]
    return sorted(metrics.display_order(seen), key=lambda m: not metrics.is_error(m))


def split_params(groups: Sequence[Group], params: Sequence[str]) -> tuple[list[str], dict[str, float]]:
    """The params that vary across ``groups`` (table columns) and those with one value in every group
    (shown once, in the table title)."""
    varying: list[str] = []
    constant: dict[str, float] = {}
    for key in params:
        values = {g.params.get(key) for g in groups}
        if values == {None}:
            continue
        if len(values) == 1 and len(groups) > 1:
            constant[key] = next(iter(values))  # type: ignore[assignment]
        else:
            varying.append(key)
    return varying, constant


MAX_METRIC_COLUMNS = 4
"""Metric columns per measured table; norms move to a second table beyond this (100-column terminal)."""


def measured_tables(model: str, groups: Sequence[Group], params: Sequence[str]) -> list[Table]:
    """One row per group of ``model``: the varying swept params, runs, mean ± sd (and median) of each
    error; the norms in the same table when they fit, else in a second one."""
    family = groups[0].family if groups else ""
    varying, constant = split_params(groups, params)
    shown_metrics = measured_metrics(groups)
    errors = [m for m in shown_metrics if metrics.is_error(m)]
    norms = [m for m in shown_metrics if not metrics.is_error(m)]
    parts = [shown_metrics] if len(shown_metrics) <= MAX_METRIC_COLUMNS else [errors, norms]
    titles = [
        f"{model}{f' ({family})' if family != model else ''}: measured, mean ± sd over seeds",
        f"{model}: norms, mean ± sd over seeds",
    ]
    tables: list[Table] = []
    for title, columns in zip(titles, parts):
        if not columns and tables:
            continue
        table = new_table(titled(title, constant))
        for key in varying:
            table.add_column(key, justify="right")
        table.add_column("runs", justify="right")
        for metric in columns:
            table.add_column(metric, justify="right", overflow="fold")
        for group in groups:
            cells: list[str | Text] = [fmt_param(group.params.get(k)) for k in varying]
            cells.append(_status_cell(group))
            cells += [fmt_stat(group.stat(metric)) for metric in columns]
            add_row(table, *cells)
        tables.append(table)
    return tables


MAX_WIDE_THEOREMS = 3
"""Up to this many theorems, one column per theorem; beyond, one row per (group, theorem)."""
RATE_TEXT_IN_CELL = 22
"""A rate formula up to this many characters is shown in the cell, a longer one in the footnotes."""
NOTE_WIDTH = 98


def _bound_cell(cell: BoundCell | None) -> str:
    if cell is None:
        return DASH
    if cell.rate_only:
        if cell.text and len(cell.text) <= RATE_TEXT_IN_CELL:
            return f"rate {cell.text}"
        return "rate (see notes)" if cell.text else "rate"
    text = fmt(cell.value)
    if cell.ratio is not None:
        text += f"\n×{fmt(cell.ratio, 2)}"
    return text


def _theorems(groups: Sequence[Group]) -> dict[str, BoundCell]:
    """Every theorem that holds in some group, with a representative cell (unverified if any is)."""
    theorems: dict[str, BoundCell] = {}
    for group in groups:
        for cell in group.bounds():
            if cell.theorem not in theorems or (cell.unverified and not theorems[cell.theorem].unverified):
                theorems[cell.theorem] = cell
    return theorems


def bounds_table(model: str, groups: Sequence[Group], params: Sequence[str]) -> Table | None:
    """The bounds that hold for ``model``, with their values and the ratio measured / bound.

    With few theorems: one row per group, one column per theorem (value, and ``×ratio`` below). With more:
    one row per (group, theorem), with the measured quantity next to the bound. ``None`` when no bound
    holds for this model.
    """
    theorems = _theorems(groups)
    if not theorems:
        return None
    shown, constant = split_params(groups, params)
    if len(theorems) <= MAX_WIDE_THEOREMS:
        table = new_table(titled(f"{model}: bounds (value, and ×ratio = measured / bound)", constant))
        for key in shown:
            table.add_column(key, justify="right")
        for theorem, cell in theorems.items():
            mark = DAGGER if cell.unverified else ""
            table.add_column(Text(f"{theorem}{mark}\n{cell.kind} on {cell.quantity}"), justify="right")
        for group in groups:
            by_theorem = {c.theorem: c for c in group.bounds()}
            add_row(table, *[fmt_param(group.params.get(k)) for k in shown],
                     *[_bound_cell(by_theorem.get(theorem)) for theorem in theorems])
        return table
    table = new_table(titled(f"{model}: bounds, and ratio = measured / bound", constant))
    for key in shown:
        table.add_column(key, justify="right")
    for name, justify in (("theorem", "left"), ("kind", "left"), ("quantity", "left"),
                          ("bound", "right"), ("measured", "right"), ("ratio", "right")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for group in groups:
        cells = group.bounds()
        for i, cell in enumerate(cells):
            params_cells = [fmt_param(group.params.get(k)) if i == 0 else "" for k in shown]
            bound = "rate" if cell.rate_only else fmt(cell.value)
            add_row(table, *params_cells, cell.theorem + (DAGGER if cell.unverified else ""), cell.kind,
                     cell.quantity, bound, fmt(cell.measured) if cell.measured is not None else DASH,
                     fmt(cell.ratio, 2) if cell.ratio is not None else DASH)
        if cells:
            table.rows[-1].end_section = True
    return table


def _clip(line: str, width: int = NOTE_WIDTH) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def bounds_notes(groups: Sequence[Group]) -> list[str]:
    """Footnotes: one line per theorem shown (title, citation, long rate formulas, normalisation note),
    the dagger, and one line per theorem whose hypotheses fail (its first failing hypothesis)."""
    notes: list[str] = []
    theorems = _theorems(groups)
    for theorem, cell in theorems.items():
        line = f"{theorem}: {cell.title}"
        if cell.citation:
            line += f" [{cell.citation}]"
        if cell.rate_only and cell.text:
            line += f". Rate: {cell.text}"
        if cell.note:
            line += f". {cell.note}"
        notes.append(line)
    if any(cell.unverified for cell in theorems.values()):
        notes.append(f"{DAGGER} unverified constant")
    failing: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    for group in groups:
        for theorem, reasons in group.failing_bounds().items():
            bucket = failing.setdefault(theorem, [])
            bucket += [r for r in reasons if r not in bucket]
            where[theorem] = where.get(theorem, 0) + 1
    for theorem, reasons in failing.items():
        first = reasons[0] if reasons else "its hypotheses fail"
        more = f"; {len(reasons)} reasons" if len(reasons) > 1 else ""
        notes.append(_clip(f"{theorem} not applied ({where[theorem]}/{len(groups)} groups{more}): {first}"))
    if failing:
        notes.append("(all failing hypotheses: `mlc bounds <spec>`, or summary.json)")
    return notes


def _interval(fit: RateFit) -> str:
    if fit.slope is None:
        return DASH
    if fit.lo is None or fit.n_seeds < 2:
        return f"{fit.slope:+.3f}"
    return f"{fit.slope:+.3f} [{fit.lo:+.2f}, {fit.hi:+.2f}]"


def rates_table(fits: Sequence[RateFit]) -> Table:
    """Fitted log-log slopes with 95% bootstrap intervals over seeds, next to the theory's exponent."""
    table = new_table("rates: log-log slope over the axis, 95% bootstrap interval over seeds")
    show_fixed = any(fit.fixed for fit in fits)
    table.add_column("model")
    table.add_column("metric ~ axis^slope")
    if show_fixed:
        table.add_column("others fixed")
    table.add_column("pts", justify="right")
    table.add_column("slope [95%]", justify="right")
    table.add_column("theory")
    for fit in fits:
        fixed = " ".join(f"{k}={fmt_param(v)}" for k, v in fit.fixed.items()) or DASH
        points = sum(1 for m in fit.means if math.isfinite(m) and m > 0)
        if fit.prediction is None:
            theory = Text("n/a", style="dim")
        else:
            theory = Text(shown(fit.prediction))
            if fit.agrees is False:
                theory.append("\nDISAGREES", style="bold red")
            elif fit.agrees is True:
                theory.append("\nagrees", style="green")
        slope = _interval(fit)
        if fit.note:
            slope = f"{slope}\n{fit.note}" if fit.slope is not None else fit.note
        cells: list[str | Text] = [fit.model, f"{fit.metric} ~ {fit.axis}"]
        if show_fixed:
            cells.append(fixed)
        add_row(table, *cells, str(points), slope, theory)
    return table


def failed_runs_table(result: ExperimentResult, params: Sequence[str]) -> Table | None:
    """The runs that diverged or failed (``None`` if there are none)."""
    bad = [r for r in sorted(result.runs, key=lambda r: r.index) if r.status != "ok"]
    if not bad:
        return None
    table = new_table("runs excluded from the means")
    for name in ("run", "model", "seed", "params", "status", "step", "error"):
        table.add_column(name, overflow="fold")
    for run in bad:
        params_text = " ".join(f"{k}={fmt_param(run.params[k])}" for k in params if k in run.params)
        step = str(run.diverged_at_step) if run.diverged_at_step is not None else str(run.steps_done)
        error = (run.error or "").strip().splitlines()
        message = error[-1] if error else ""
        if len(message) > 60:
            message = message[:57] + "..."
        add_row(table, str(run.index), run.model, str(run.seed), params_text or DASH,
                      Text(run.status, style="red"), step, message)
    return table


def objective_notes(groups: Sequence[Group], params: Sequence[str]) -> list[str]:
    """One line per group whose runs say the penalty dominated the objective or the net learned nothing
    (``compiler.lower.health``), naming the group by its varying params and quoting its first such run."""
    varying, _ = split_params(groups, params)
    lines = []
    for group in groups:
        found = [(run, notes) for run in group.ok_runs if (notes := run_notes(run.metrics))]
        if found:
            run, notes = found[0]
            where = "".join(f"{k} = {fmt_param(group.params.get(k))}, " for k in varying)
            lines.append(f"{group.model} ({where}{len(found)}/{len(group.runs)} runs, seed {run.seed}): "
                         + "; ".join(notes))
    return lines


def print_report(
    console: Console,
    plan: Plan,
    result: ExperimentResult,
    groups: Sequence[Group],
    fits: Sequence[RateFit],
    show_rates: bool = True,
) -> None:
    """Print the header, then per model the measured and bounds tables, then rates and failed runs."""
    params = param_keys(plan, result.runs)
    console.print(header(plan, result))
    models: list[str] = []
    for group in groups:
        if group.model not in models:
            models.append(group.model)
    if not groups:
        console.print(Text("no run has finished yet: nothing to tabulate", style="yellow"))
    for model in models:
        model_groups = [g for g in groups if g.model == model]
        console.print()
        for table in measured_tables(model, model_groups, params):
            console.print(table)
        if any((stat := g.stat(m)) is not None and stat.median is not None
               for g in model_groups for m in g.metrics()):
            console.print(Text("med: median over seeds (shown with 3 or more seeds)", style="dim"))
        for note in objective_notes(model_groups, params):
            console.print(Text(note, style="yellow"))
        if plan.report.bounds:
            bounds = bounds_table(model, model_groups, params)
            if bounds is not None:
                console.print(bounds)
            for note in bounds_notes(model_groups):
                console.print(Text(note, style="dim"))
    if show_rates:
        console.print()
        axes = swept_axes(plan)
        for axis in plan.report.rates:
            if axis not in axes:
                console.print(Text(f"rates over {axis}: {axis} is not a swept axis; nothing to fit",
                                   style="yellow"))
        if fits:
            console.print(rates_table(fits))
            for fit in fits:
                if fit.agrees is False and fit.message:
                    console.print(Text(f"{fit.model}, {fit.metric} ~ {fit.axis}: {fit.message}", style="red"))
            if any(f.prediction is not None for f in fits):
                console.print(Text("theory: ≤ p means the theory bounds the error by C·axis^p (any faster "
                                   "decay agrees), ≥ p a lower envelope, † unverified", style="dim"))
            if any(f.prediction is None for f in fits):
                console.print(Text("theory: n/a = the theory predicts no exponent for this metric and axis",
                                   style="dim"))
        else:
            console.print(Text("rates: no axis to fit (no `rates over` axis and no numeric swept axis with "
                               "3 or more values)", style="dim"))
    bad = failed_runs_table(result, params)
    if bad is not None:
        console.print()
        console.print(bad)


def footer(console: Console, files: Sequence[Path], skipped: Sequence[str], out_dir: Path) -> None:
    """The files written (relative to the current folder when possible), and plots that were skipped."""
    console.print()
    console.print(Text(f"files written under {out_dir}:", style="bold"))
    for path in files:
        try:
            shown = str(Path(path).relative_to(out_dir))
        except ValueError:
            shown = str(path)
        console.print(Text(f"  {shown}"))
    for note in skipped:
        console.print(Text(f"  not plotted: {note}", style="yellow"))
