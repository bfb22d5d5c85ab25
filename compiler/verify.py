"""Invariant checks on the Plan, between the front end and any back end (cf. tinygrad's IR verifier).

Input:  a :class:`~mlc.compiler.ir.Plan`.
Output: nothing, or :class:`PlanInvariantError` naming the first broken invariant.
Role:   catch compiler bugs early, where they are cheap to understand, instead of as wrong numbers later.
        These are checks of *our* code, not of the user's spec: a failure here is an internal error.
"""

from __future__ import annotations

import operator

from mlc.compiler import ir
from mlc.compiler.memo import RUN_SECTIONS, RunMemo


class PlanInvariantError(Exception):
    """The plan breaks an invariant the back ends rely on (a bug in mlc, not in the spec)."""


def verify_plan(plan: ir.Plan, memo: RunMemo | None = None) -> None:
    """Raise :class:`PlanInvariantError` at the first broken invariant: order, hashes (each matching its run's
    content, as :func:`mlc.compiler.ir.run_hash` computes it, and all distinct), conventions, shapes and indices.
    ``memo``: the one the plan's producer filled (:func:`mlc.compiler.expand.build_plan`), so that no object is
    serialised twice; without it every distinct object is serialised once here."""
    if not plan.runs:
        raise PlanInvariantError("the plan has no runs")
    first_of: dict[str, int] = {}  # hash -> position of the first run with it
    # The hash and the conventions are recomputed from the run's content: that is the check (a producer that hashed
    # or resolved other objects than the run holds is caught). Each distinct object is serialised once (runs of a
    # sweep share their sections), or not again when the producer's memo already holds it (see mlc.compiler.memo).
    memo = memo if memo is not None else RunMemo()
    parts_of = operator.attrgetter(*RUN_SECTIONS)
    indexed: set[tuple[int, int]] = set()  # (target, input dimension) pairs whose components were checked
    for position, run in enumerate(plan.runs):
        where = f"run {position}"
        if run.index != position:
            raise PlanInvariantError(f"{where}: index {run.index} is out of order")
        if run.train.model != run.model.name:
            raise PlanInvariantError(f"{where}: trains `{run.train.model}` but its model is `{run.model.name}`")
        if run.hash != memo.hasher.of_parts(RUN_SECTIONS, parts_of(run), run.seed):
            raise PlanInvariantError(f"{where}: its hash does not match its content")
        if run.conventions != memo.conventions(run.model, run.train, run.input, run.data):
            raise PlanInvariantError(f"{where}: its conventions block does not match a recomputation")
        if run.hash in first_of:
            raise PlanInvariantError(f"{where}: same hash as run {first_of[run.hash]}: the plan trains one thing "
                                     f"twice")
        first_of[run.hash] = position
        if run.model.widths and len(run.model.widths) != run.model.depth:
            raise PlanInvariantError(f"{where}: the model's widths and depth disagree")
        if run.input.kind == "grid" and run.data.n != run.input.points:
            raise PlanInvariantError(f"{where}: a grid input must have n = points")
        if isinstance(run.target, ir.FormulaTarget) and (id(run.target), run.input.dim) not in indexed:
            indexed.add((id(run.target), run.input.dim))  # the plan keeps its objects: an id is not reused here
            for node in ir.walk(run.target.expr):
                if isinstance(node, ir.Component) and isinstance(node.index, ir.Num) \
                        and not 1 <= node.index.value <= run.input.dim:
                    raise PlanInvariantError(f"{where}: x[{node.index.value:g}] outside 1..{run.input.dim}")
    for axis_key in plan.report.rates:
        if not any(axis_key == a.key for block in plan.sweep for a in block.axes):
            raise PlanInvariantError(f"rates over `{axis_key}`, which is not swept")
