"""The cost of a step, by optimizer: what an MSA iteration costs next to a GD step (docs/msa.md).

Input:  the :class:`~mlc.compiler.ir.Plan` and the runs' results (their ``wall_time_s`` and ``steps_done``).
Output: :func:`cost_rows` (one row per model and optimizer, for ``summary.json``) and :func:`cost_table` (rich).
Role:   shown when some run trains by ``optimizer = msa``, whose iteration (a state pass, a co-state pass and
        ``inner_steps`` ascent steps on every layer's Hamiltonian) costs several gradient steps: the median over
        runs of seconds per step, where a run's seconds are its share of its training group's wall time
        (training and the measurements it records, as ``wall_time_s`` is), and, next to it, the ratio to the
        same model's GD runs when the spec has some. A time depends on the machine and its load; the ratio
        much less so.
"""

from __future__ import annotations

import statistics
from typing import Any

from rich.table import Table

from mlc.compiler.ir import Plan, Run
from mlc.runtime.report_format import add_row, new_table
from mlc.runtime.results import RunResult


def _optimizer_text(run: Run) -> str:
    opt = run.train.optimizer
    assert opt is not None
    if opt.kind == "msa":
        return f"msa(lr {opt.lr:g}, rho {opt.rho:g}, inner_steps {opt.inner_steps})"
    return f"{opt.kind}(lr {opt.lr:g})"


def cost_rows(plan: Plan, results: list[RunResult]) -> list[dict[str, Any]]:
    """Per model and optimizer: runs, median seconds per step and the ratio to the model's GD runs; empty
    unless some run trains by MSA."""
    runs = {r.index: r for r in plan.runs}
    if not any(r.train.optimizer is not None and r.train.optimizer.kind == "msa" for r in plan.runs):
        return []
    per: dict[tuple[str, str, str], list[float]] = {}
    for res in results:
        run = runs.get(res.index)
        if run is None or run.train.optimizer is None or res.status != "ok" or res.steps_done <= 0:
            continue
        key = (run.model.name, run.train.optimizer.kind, _optimizer_text(run))
        per.setdefault(key, []).append(res.wall_time_s / res.steps_done)
    gd = {model: statistics.median([t for (m, kind, _), ts in per.items() if m == model and kind == "gd"
                                    for t in ts])
          for model in {m for (m, kind, _) in per if kind == "gd"}}
    rows = []
    for (model, _, text), times in per.items():
        seconds = statistics.median(times)
        rows.append({"model": model, "optimizer": text, "runs": len(times), "seconds_per_step": seconds,
                     "relative_to_gd": seconds / gd[model] if model in gd and gd[model] > 0 else None})
    return rows


def cost_table(rows: list[dict[str, Any]]) -> Table:
    """The rows of :func:`cost_rows` as a table."""
    table = new_table("cost of a step (median over runs; wall time per run / steps done)")
    for column in ("model", "optimizer", "runs", "s / step", "× a GD step"):
        table.add_column(column)
    for row in rows:
        ratio = row["relative_to_gd"]
        add_row(table, row["model"], row["optimizer"], str(row["runs"]), f"{row['seconds_per_step']:.3g}",
                f"{ratio:.3g}" if ratio is not None else "no gd run")
    return table
