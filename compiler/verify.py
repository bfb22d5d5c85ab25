"""Invariant checks on the Plan, between the front end and any back end (cf. tinygrad's IR verifier).

Input:  a :class:`~mlc.compiler.ir.Plan`.
Output: nothing, or :class:`PlanInvariantError` naming the first broken invariant.
Role:   catch compiler bugs early, where they are cheap to understand, instead of as wrong numbers later.
        These are checks of *our* code, not of the user's spec: a failure here is an internal error.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlc.compiler import ir


class PlanInvariantError(Exception):
    """The plan breaks an invariant the back ends rely on (a bug in mlc, not in the spec)."""


def _components(expr: ir.Expr) -> Iterator[ir.Component]:
    """Yield every Component node of a target expression."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Component):
            yield node
        for name in ("arg", "left", "right", "body", "index"):
            child = getattr(node, name, None)
            if child is not None and not isinstance(child, (str, float, int)):
                stack.append(child)
        stack.extend(getattr(node, "args", ()) or ())


def verify_plan(plan: ir.Plan) -> None:
    from mlc.compiler.sweep import run_hash

    if not plan.runs:
        raise PlanInvariantError("the plan has no runs")
    for position, run in enumerate(plan.runs):
        where = f"run {position}"
        if run.index != position:
            raise PlanInvariantError(f"{where}: index {run.index} is out of order")
        if run.train.model != run.model.name:
            raise PlanInvariantError(f"{where}: trains `{run.train.model}` but its model is `{run.model.name}`")
        if run.hash != run_hash(run.model_dump(mode="json")):
            raise PlanInvariantError(f"{where}: its hash does not match its content")
        if run.model.family == "deep" and len(run.model.widths) != run.model.depth:
            raise PlanInvariantError(f"{where}: deep model widths/depth disagree")
        if run.input.kind == "grid" and run.data.n != run.input.points:
            raise PlanInvariantError(f"{where}: a grid input must have n = points")
        if isinstance(run.target, ir.FormulaTarget):
            for component in _components(run.target.expr):
                if isinstance(component.index, ir.Num) and not 1 <= component.index.value <= run.input.dim:
                    raise PlanInvariantError(f"{where}: x[{component.index.value:g}] outside 1..{run.input.dim}")
    for axis_key in plan.report.rates:
        if not any(axis_key == a.key for block in plan.sweep for a in block.axes):
            raise PlanInvariantError(f"rates over `{axis_key}`, which is not swept")
