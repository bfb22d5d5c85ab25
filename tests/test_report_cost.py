"""The cost of a step by optimizer (runtime/report_cost.py) and the resource estimate of an MSA iteration
(compiler/resources.py): computed from the runs' wall times and steps, shown only when some run trains by MSA."""

from __future__ import annotations

import pytest

from mlc.compiler.lower.grouping import group_runs
from mlc.compiler.pipeline import compile_text
from mlc.compiler.resources import group_cost
from mlc.runtime.report_cost import cost_rows, cost_table
from mlc.runtime.results import RunResult

SPEC = """problem cost
let d = 3
input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
data { n = 50   n_test = 50 }
model res = resnet(width = 8, depth = 3)
train res { steps = 100 }
sweep { optimizer = [OPTS]   seed = 0..1 }
"""


def _plan(opts: str):  # noqa: ANN202
    out = compile_text(SPEC.replace("OPTS", opts))
    assert out.plan is not None, out.rendered
    return out.plan


def _result(run, seconds: float, steps: int = 100, status: str = "ok") -> RunResult:  # noqa: ANN001
    return RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family, seed=run.seed,
                     status=status, steps_done=steps, wall_time_s=seconds)  # type: ignore[arg-type]


def test_msa_next_to_gd() -> None:
    plan = _plan("msa(lr = 0.1, rho = 2, inner_steps = 3), gd(lr = 0.5)")
    seconds = {("msa", 0): 3.0, ("msa", 1): 5.0, ("gd", 0): 0.2, ("gd", 1): 0.2}
    results = [_result(r, seconds[(r.train.optimizer.kind, r.seed)]) for r in plan.runs]  # type: ignore[union-attr]
    rows = {row["optimizer"]: row for row in cost_rows(plan, results)}
    assert set(rows) == {"msa(lr 0.1, rho 2, inner_steps 3)", "gd(lr 0.5)"}
    msa = rows["msa(lr 0.1, rho 2, inner_steps 3)"]
    assert msa["runs"] == 2 and msa["seconds_per_step"] == pytest.approx(0.04)  # the median of 0.03 and 0.05
    assert msa["relative_to_gd"] == pytest.approx(20.0)
    assert rows["gd(lr 0.5)"]["relative_to_gd"] == pytest.approx(1.0)
    assert cost_table(list(rows.values())).row_count == 2


def test_failed_runs_are_left_out_and_no_gd_says_so() -> None:
    plan = _plan("msa(lr = 0.1), msa(lr = 0.2)")
    results = [_result(r, 1.0, status="diverged" if r.seed == 1 else "ok") for r in plan.runs]
    rows = cost_rows(plan, results)
    assert [row["runs"] for row in rows] == [1, 1] and all(row["relative_to_gd"] is None for row in rows)


def test_nothing_without_msa() -> None:
    plan = _plan("gd(lr = 0.1), adam(lr = 1e-3)")
    assert cost_rows(plan, [_result(r, 1.0) for r in plan.runs]) == []


def test_the_estimate_counts_the_inner_steps() -> None:
    plan = _plan("msa(lr = 0.1, inner_steps = 5), gd(lr = 0.1)")
    costs = {g.runs[0].train.optimizer.kind: group_cost(g).flops for g in group_runs(plan)}  # type: ignore[union-attr]
    assert costs["msa"] > 10 * costs["gd"]
