"""The report pass: `report { ... }` -> ir.Report.

Input:  the report statement (or none), the environment of constants, the swept axes, the data and input.
Output: ir.Report (bounds, rates, plots with their x kind, marks, delta), or diagnostics.
Role:   what to show after training, checked against what is swept: `rates over` and `plot ... vs` name a
        swept axis (or the training `step`), marks are numbers, delta is in (0, 1].
"""

from __future__ import annotations

from typing import Any, Mapping

from mlc.compiler import ir
from mlc.compiler import messages as msg
from mlc.compiler.check.tables import METRICS, REPORT_KEYS
from mlc.compiler.check.values import Point, value_of
from mlc.compiler.evaluate import Number, evaluate
from mlc.dsl import ast
from mlc.dsl.formatter import format_expr

def report_ir(stmt: ast.ReportStmt | None, env: Mapping[str, Number], swept: Mapping[str, Any],
              data: ir.Data, dist: ir.InputDist) -> ir.Report:
    """The report; without a `report` statement: bounds, and rates over every swept axis but the seed."""
    if stmt is None:
        return ir.Report(bounds=True, rates=tuple(k for k in swept if k != "seed"))
    bounds = False
    rates: list[str] = []
    plots: list[ir.Plot] = []
    marks: list[ir.Mark] = []
    values: dict[str, Any] = {key: spec.default for key, spec in REPORT_KEYS.items()}
    # Marks may name the data sizes and the dimension (`mark m = n / (d + 1)`); lets take precedence.
    mark_env = {"n": float(data.n), "n_test": float(data.n_test), "d": float(dist.dim), **env}
    axes = set(swept) - {"seed"}
    for item in stmt.items:
        if isinstance(item, ast.ReportBounds):
            bounds = True
        elif isinstance(item, ast.ReportRates):
            for axis in item.axes:
                if axis.name not in axes:
                    raise msg.fail(msg.rates_over_unswept(axis.name, axis.span, axes))
                rates.append(axis.name)
        elif isinstance(item, ast.ReportPlot):
            if item.y.name not in METRICS:
                raise msg.fail(msg.unknown_metric(item.y.name, item.y.span, METRICS))
            if item.x.name not in axes and item.x.name != "step":
                raise msg.fail(msg.plot_against_unswept(item.x.name, item.x.span, sorted(axes) + ["step"]))
            # A swept axis wins over the training step: `plot y vs steps` with `steps` swept.
            plots.append(ir.Plot(y=item.y.name, x=item.x.name, x_kind="axis" if item.x.name in axes else "step"))
        elif isinstance(item, ast.ReportMark):
            for mark in item.marks:
                value = evaluate(mark.value, mark_env)
                if isinstance(value, tuple):
                    raise msg.fail(msg.mark_not_number(mark.value.span))
                # The label is the canonical text of the expression, so that layout (`mlc fmt`) does not
                # change the report, nor the spec hash.
                marks.append(ir.Mark(axis=mark.axis.name, value=value,
                                     label=f"{mark.axis.name} = {format_expr(mark.value)}"))
        elif isinstance(item, ast.Setting):
            if item.key.name not in REPORT_KEYS:
                raise msg.fail(msg.unknown_setting("report", item.key.name, item.key.span, REPORT_KEYS))
            key = item.key.name
            values[key] = value_of(REPORT_KEYS[key], key, item.value, env, None, Point(), "report")
    return ir.Report(bounds=bounds, rates=tuple(rates), plots=tuple(plots), marks=tuple(marks),
                     delta=float(values["delta"]), summary=values["summary"],
                     robust_within=float(values["robust_within"]))
