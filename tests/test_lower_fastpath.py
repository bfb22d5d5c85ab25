"""The packed fast trainer gives the same numbers as the autograd ensemble, and ensembles equal lone runs."""

from __future__ import annotations

import math

import pytest
import torch

from mlc.compiler.ir import FormulaTarget, Num
from mlc.compiler.lower.examples import make_plan, make_run
from mlc.compiler.lower.grouping import group_runs
from mlc.runtime.execute import execute_plan

METRICS = ("train_error", "test_error", "path_norm", "param_distance")


def _compare(a, b, rel=1e-9):
    for x, y in zip(a, b):
        assert x.status == y.status
        assert x.steps_done == y.steps_done
        assert x.metrics.keys() == y.metrics.keys()
        for k in x.metrics:
            assert x.metrics[k] == pytest.approx(y.metrics[k], rel=rel, abs=1e-12), k
        for k in x.curves:
            assert x.curves[k].steps == y.curves[k].steps
            assert x.curves[k].values == pytest.approx(y.curves[k].values, rel=rel, abs=1e-12)


CASES = [
    dict(),
    dict(activation="tanh", bias=False),
    dict(activation="sigmoid", scaling="ntk", loss="half_mse"),
    dict(scaling="mean_field", penalty="path_norm", lam=4.0),
    dict(penalty="weight_decay", lam=1e-2),
    dict(family="random_features", penalty="path_norm", lam=1.0),
    dict(family="random_features", activation="identity"),
]


@pytest.mark.parametrize("case", CASES)
def test_fast_equals_autograd(case):
    runs = [make_run(width=w, seed=s, steps=30, lr=0.2, record_every=10, metrics=METRICS, noise=0.1 * s, **case)
            for w in (3, 7, 12) for s in (0, 1)]
    plan = make_plan(runs)
    assert {g.engine for g in group_runs(plan)} == {"fast"}
    fast = execute_plan(plan, dtype="float64")
    slow = execute_plan(plan, dtype="float64", allow_fast=False)
    _compare(fast, slow)


def test_uneven_data_groups_are_padded():
    runs = [make_run(width=5, seed=0, steps=20), make_run(width=9, seed=0, steps=20),
            make_run(width=4, seed=1, steps=20, lr=0.3)]
    plan = make_plan(runs)
    _compare(execute_plan(plan, dtype="float64"), execute_plan(plan, dtype="float64", allow_fast=False))


@pytest.mark.parametrize("fast", [True, False])
def test_member_of_ensemble_equals_run_alone(fast):
    runs = [make_run(width=w, seed=s, steps=25, lr=lr, record_every=5, metrics=METRICS)
            for w, s, lr in ((4, 0, 0.1), (4, 1, 0.3), (8, 2, 0.2))]
    together = execute_plan(make_plan(runs), dtype="float64", allow_fast=fast)
    for i, run in enumerate(runs):
        alone = execute_plan(make_plan([run]), dtype="float64", allow_fast=fast)
        _compare([alone[0]], [together[i]], rel=1e-10)


@pytest.mark.parametrize("fast", [True, False])
def test_divergence_freezes_only_that_member(fast):
    runs = [make_run(width=6, seed=0, steps=60, lr=0.1), make_run(width=6, seed=1, steps=60, lr=50.0),
            make_run(width=6, seed=2, steps=60, lr=0.1)]
    res = execute_plan(make_plan(runs), dtype="float64", allow_fast=fast)
    assert res[1].status == "diverged" and res[1].diverged_at_step is not None
    assert res[1].steps_done == res[1].diverged_at_step < 60
    for i in (0, 2):
        alone = execute_plan(make_plan([runs[i]]), dtype="float64", allow_fast=fast)[0]
        assert res[i].status == "ok" and res[i].steps_done == 60
        assert res[i].metrics["test_error"] == pytest.approx(alone.metrics["test_error"], rel=1e-10)


@pytest.mark.parametrize("fast", [True, False])
def test_stop_rule_is_per_member(fast):
    runs = [make_run(width=8, seed=s, steps=400, lr=0.5, stop=("train_error", 0.02), record_every=10,
                     metrics=("train_error",)) for s in (0, 1, 2)]
    res = execute_plan(make_plan(runs), dtype="float64", allow_fast=fast)
    for r in res:
        assert r.status == "ok"
        if r.steps_done < 400:
            assert r.steps_done % 10 == 0
            assert r.curves["train_error"].values[-1] < 0.02
            assert all(v >= 0.02 for v in r.curves["train_error"].values[:-1])


def test_truncation_rule():
    # f* = 3: B = 3; a constant model below 3 is not clipped, the raw and truncated errors agree.
    run = make_run(width=4, steps=0, target=FormulaTarget(expr=Num(value=3.0)))
    res = execute_plan(make_plan([run]), dtype="float64")[0]
    assert res.metrics["test_error"] == pytest.approx(res.metrics["test_error_raw"])
    # f* = 0.1: B = 1, so outputs are clipped to [-1, 1] (big init makes |f| > 1 somewhere).
    run = make_run(width=4, steps=0, init_scale=30.0, target=FormulaTarget(expr=Num(value=0.1)))
    res = execute_plan(make_plan([run]), dtype="float64")[0]
    assert res.metrics["test_error"] < res.metrics["test_error_raw"]
    assert res.metrics["test_error"] <= (1 + 0.1) ** 2


def test_float32_close_to_float64():
    runs = [make_run(width=w, seed=0, steps=50) for w in (4, 16)]
    a = execute_plan(make_plan(runs), dtype="float32")
    b = execute_plan(make_plan(runs), dtype="float64")
    for x, y in zip(a, b):
        assert x.metrics["test_error"] == pytest.approx(y.metrics["test_error"], rel=1e-4)
        assert math.isfinite(x.metrics["path_norm"])


@pytest.mark.parametrize("fast", [True, False])
def test_stop_rule_checked_every_step_without_recording(fast):
    runs = [make_run(width=8, seed=s, steps=300, lr=0.5, stop=("train_error", 0.02), noise=0.05)
            for s in (0, 1, 2)]
    res = execute_plan(make_plan(runs), dtype="float64", allow_fast=fast)
    stopped = [r for r in res if r.steps_done < 300]
    assert stopped, "the threshold should be reached by some member"
    for r in res:
        before = make_run(width=8, seed=r.seed, steps=max(r.steps_done - 1, 0), lr=0.5, noise=0.05)
        at = make_run(width=8, seed=r.seed, steps=r.steps_done, lr=0.5, noise=0.05)
        e_before = execute_plan(make_plan([before]), dtype="float64")[0].metrics["train_error"]
        e_at = execute_plan(make_plan([at]), dtype="float64")[0].metrics["train_error"]
        if r.steps_done < 300:
            assert e_at < 0.02 <= e_before
            assert r.metrics["train_error"] == pytest.approx(e_at, rel=1e-10)


def test_fast_and_autograd_agree_with_stop_rule():
    runs = [make_run(width=w, seed=s, steps=200, lr=0.5, stop=("train_error", 0.03)) for w in (4, 9) for s in (0, 1)]
    _compare(execute_plan(make_plan(runs), dtype="float64"),
             execute_plan(make_plan(runs), dtype="float64", allow_fast=False))


def test_fast_path_numbers_do_not_depend_on_the_thread_count():
    runs = [make_run(width=w, seed=s, steps=20, n=300, d=5) for w in (16, 40) for s in (0, 1)]
    plan = make_plan(runs)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = execute_plan(plan)
        torch.set_num_threads(2)
        two = execute_plan(plan)
    finally:
        torch.set_num_threads(before)
    assert [r.metrics for r in one] == [r.metrics for r in two]
