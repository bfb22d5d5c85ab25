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
from mlc.compiler.ir import Plan, Summary
from mlc.compiler.lower.health import run_notes
from mlc.runtime.report_fit import RateFit, not_compared, shown
from mlc.runtime.report_format import (
    DASH, fmt, add_row, fmt_param, fmt_seconds, fmt_stat, new_table, titled,
)
from mlc.runtime.report_bounds import bounds_notes, bounds_table
from mlc.runtime.report_groups import (
    SUMMARY_NAMES, Group, group_learned_nothing, group_optimisation_limit, swept_axes,
)
from mlc.runtime.report_params import split_params
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


def _is_raw(name: str) -> bool:
    entry = metrics.lookup(name)
    return entry is not None and entry.kind == "raw_error"


def _is_solver(name: str) -> bool:
    entry = metrics.lookup(name)
    return entry is not None and entry.kind == "solver"


def measured_metrics(groups: Sequence[Group], raw: bool = True) -> list[str]:
    """The metrics shown in the measured tables: the clipped errors, the plain (raw) errors beside them (unless
    ``raw`` is off: a classifier's raw error is the same misclassification rate), then the norms, in registry
    order, and a flow's solver work (``flow_nfe``) with them."""
    seen = [m for g in groups for m in g.metrics()
            if metrics.is_error(m) or metrics.is_norm(m) or (raw and _is_raw(m)) or _is_solver(m)]
    return sorted(metrics.display_order(seen), key=lambda m: not (metrics.is_error(m) or _is_raw(m)))


COLUMN_NOTE: dict[str, str] = {"error": "clipped ±B", "raw_error": "plain MSE"}
"""The second line of an error column's header: which of the two errors it is."""


def _column(metric: str, classify: bool) -> Text:
    entry = metrics.lookup(metric)
    note = COLUMN_NOTE.get(entry.kind, "") if entry is not None and not classify else ""
    return Text(f"{metric}\n{note}" if note else metric)


def clipping_note(groups: Sequence[Group]) -> str | None:
    """What the two errors are, with the clipping bound B of the model's runs (``None`` without raw errors)."""
    if not any(_is_raw(m) for g in groups for m in g.metrics()):
        return None
    bounds = sorted({r.metrics["clip_bound"] for g in groups for r in g.ok_runs if "clip_bound" in r.metrics})
    shown = ", ".join(fmt(b) for b in bounds[:4]) + (", ..." if len(bounds) > 4 else "")
    where = f"B = {shown}" if bounds else "B"
    unbounded = " (inf: f* is unbounded under the input law, so nothing is clipped)" if math.inf in bounds else ""
    return (f"clipped ±B: MSE of the prediction clipped to [−B, B], the error the theorems bound; {where} = "
            f"max(1, sup |f*|) over the input law's support{unbounded}. plain MSE (*_raw): no clipping")


MAX_METRIC_COLUMNS = 4
"""Metric columns per measured table; norms move to a second table beyond this (100-column terminal)."""


def measured_tables(model: str, groups: Sequence[Group], params: Sequence[str],
                    summary: Summary = "mean", classify: bool = False) -> list[Table]:
    """One row per group of ``model``: the varying swept params, runs, mean ± sd (and median) of each
    error (with ``summary`` median or geomean: that centre first, then mean ± sd and the other one); the norms
    in the same table when they fit, else in a second one."""
    family = groups[0].family if groups else ""
    varying, constant = split_params(groups, params)
    shown_metrics = measured_metrics(groups, raw=not classify)
    errors = [m for m in shown_metrics if metrics.is_error(m) or _is_raw(m)]
    norms = [m for m in shown_metrics if m not in errors]
    parts = [shown_metrics] if len(shown_metrics) <= MAX_METRIC_COLUMNS else [errors, norms]
    over = "mean ± sd over seeds" if summary == "mean" else f"{SUMMARY_NAMES[summary]} over seeds, then mean ± sd"
    titles = [
        f"{model}{f' ({family})' if family != model else ''}: measured, {over}",
        f"{model}: norms, {over}",
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
            table.add_column(_column(metric, classify), justify="right", overflow="fold")
        for group in groups:
            cells: list[str | Text] = [fmt_param(group.params.get(k)) for k in varying]
            cells.append(_status_cell(group))
            nothing = group_learned_nothing(group)
            limited = group_optimisation_limit(group) is not None
            for metric in columns:
                cell: str | Text = fmt_stat(group.stat(metric), summary)
                if metric == "test_error" and (nothing or limited):  # the warning sits on the number it is about
                    cell = Text(f"{cell}")
                    if nothing:
                        cell.append("\nlearned nothing", style="bold yellow")
                    if limited:
                        cell.append("\noptimisation-limited", style="yellow")
                cells.append(cell)
            add_row(table, *cells)
        tables.append(table)
    return tables


def _interval(fit: RateFit) -> str:
    if fit.slope is None:
        return DASH
    if fit.lo is None or fit.n_seeds < 2:
        return f"{fit.slope:+.3f}"
    return f"{fit.slope:+.3f} [{fit.lo:+.2f}, {fit.hi:+.2f}]"


def rates_table(fits: Sequence[RateFit]) -> Table:
    """Fitted log-log slopes with 95% bootstrap intervals over seeds, next to the theory's exponent."""
    summary = fits[0].summary if fits else "mean"
    of = "" if summary == "mean" else f" of the {SUMMARY_NAMES[summary]} over seeds"
    table = new_table(f"rates: log-log slope{of} over the axis, 95% bootstrap interval over seeds")
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
        points = sum(1 for m in fit.centres if math.isfinite(m) and m > 0)
        if fit.prediction is None:
            theory = Text("n/a", style="dim")
        else:
            theory = Text(shown(fit.prediction))
            if fit.below_bound:
                theory.append("\nslower, below the bound", style="yellow")
            elif fit.agrees is False:
                theory.append("\nDISAGREES", style="bold red")
            elif fit.agrees is True:
                theory.append("\nagrees", style="green")
        slope = _interval(fit)
        if fit.note:
            slope = f"{slope}\n{fit.note}" if fit.slope is not None else fit.note
        if fit.optimisation_limited:
            at = ", ".join(fmt_param(x) for x in fit.optimisation_limited)
            slope = f"{slope}\noptimisation-limited at {fit.axis} = {at}"
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


def optimisation_notes(groups: Sequence[Group], params: Sequence[str]) -> list[str]:
    """One line per optimisation-limited group (:func:`mlc.runtime.readouts.optimisation_limited`: train ≈ test
    and the training error still falling at the end of the record), with the first such run's numbers."""
    from mlc.runtime.readouts import OPT_FALL, OPT_GAP, OPT_TAIL

    varying, _ = split_params(groups, params)
    lines = []
    for group in groups:
        found = group_optimisation_limit(group)
        if found is not None:
            k, of, limit = found
            where = "".join(f"{key} = {fmt_param(group.params.get(key))}, " for key in varying)
            lines.append(f"{group.model} ({where}{k}/{of} runs): optimisation-limited: {limit.describe()}; more "
                         "steps would lower the error, so its bounds and rates describe unfinished training")
    if lines:
        lines.append(f"(optimisation-limited: final |test − train| ≤ {OPT_GAP:g}·max, and the training error fell "
                     f"≥ {100 * OPT_FALL:g} % over the last {100 * OPT_TAIL:g} % of the recorded steps, in at "
                     "least half of the runs)")
    return lines


MAX_GROUP_NOTES = 4
"""Per-group notes printed under a table; beyond, the count of the others (every group: summary.json)."""


def _folded(lines: list[str]) -> list[str]:
    """The first MAX_GROUP_NOTES per-group notes, then one line for the rest (a closing "(...)" line is kept)."""
    tail = [lines[-1]] if lines and lines[-1].startswith("(") else []
    body = lines[:-1] if tail else lines
    if len(body) <= MAX_GROUP_NOTES + 1:
        return lines
    rest = len(body) - MAX_GROUP_NOTES
    return body[:MAX_GROUP_NOTES] + [f"... and {rest} more groups the same way (each: summary.json)"] + tail


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
    summary = plan.report.summary
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
        classify = any(r.model.name == model and r.train.loss == "logistic" for r in plan.runs)
        for table in measured_tables(model, model_groups, params, summary, classify):
            console.print(table)
        note = None if classify else clipping_note(model_groups)
        if note:
            console.print(Text(note, style="dim"))
        if summary != "mean":
            console.print(Text("med: median over seeds; gm: geometric mean exp(mean log) over seeds (when every "
                               "value is > 0)", style="dim"))
        elif any((stat := g.stat(m)) is not None and stat.median is not None
                  for g in model_groups for m in g.metrics()):
            console.print(Text("med: median over seeds (shown with 3 or more seeds)", style="dim"))
        for note in _folded(objective_notes(model_groups, params)):
            console.print(Text(note, style="yellow"))
        for note in _folded(optimisation_notes(model_groups, params)):
            console.print(Text(note, style="yellow" if not note.startswith("(") else "dim"))
        if plan.report.bounds:
            bounds = bounds_table(model, model_groups, params, summary)
            if bounds is not None:
                console.print(bounds)
            for note in bounds_notes(model_groups, summary):
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
                if (fit.agrees is False or fit.below_bound) and fit.message:
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
        for entry in not_compared(plan, list(groups), list(fits)):
            console.print(Text(f"not compared: {entry.text()}", style="dim"))
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
