"""Options (compiler/options.py) and the norm cache: explicit switches passed down, caches with a lifetime."""

from __future__ import annotations

import dataclasses
import pytest
import torch

from mlc.compiler import ir
from mlc.compiler.options import Options
from mlc.compiler.pipeline import compile_text
from mlc.compiler.theory import norm_cache
from mlc.compiler.theory.estimate import NormEstimator
from mlc.compiler.theory.norm_cache import NormCache, norm_key
from mlc.runtime.execute import execute_plan
from theory_helpers import X, b, call, make_run, num

SMALL = """problem small
input x ~ uniform(cube(3))
target f*(x) = exp(-norm(x)^2)
space barron
data { n = 64   n_test = 64 }
model net = two_layer(width = 8, activation = relu, scaling = mean_field)
train net { loss = mse   penalty = path_norm(lambda = 0.01)   optimizer = gd(lr = 0.2)   steps = 20 }
sweep { width = [8, 16]   seed = 0..1 }
"""


def _small_plan() -> ir.Plan:
    """Two widths x two seeds of a two-layer net, small enough to train in well under a second."""
    outcome = compile_text(SMALL, "small.ml")
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    return outcome.plan


def test_options_are_frozen_with_the_commands_defaults():
    options = Options()
    assert options.estimate_norms and options.parallel_rows
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.estimate_norms = False  # type: ignore[misc]


def test_norm_cache_infers_each_target_once_and_hands_out_copies(monkeypatch):
    calls: list[bool] = []
    real = norm_cache.infer_norm

    def counting(run: ir.Run, *, estimator: NormEstimator | None = None):
        calls.append(estimator is not None)
        return real(run, estimator=estimator)

    monkeypatch.setattr(norm_cache, "infer_norm", counting)
    cache = NormCache(estimator=None)
    run = make_run()
    first = cache.get(run)
    first.steps.append("edited by the caller")
    again = cache.get(run.model_copy(update={"seed": 7, "index": 3}))  # same target, input and space
    assert calls == [False]
    assert "edited by the caller" not in again.steps
    cache.get(make_run(d=7))
    assert calls == [False, False]
    assert NormCache(estimator=None).get(run) == cache.get(run)  # a new cache starts empty
    assert len(calls) == 3


def test_norm_key_is_what_the_norm_depends_on():
    run = make_run()
    assert norm_key(run) == norm_key(run.model_copy(update={"seed": 5}))
    assert norm_key(run) != norm_key(make_run(d=7))
    rkhs = make_run(space="rkhs")
    other_features = rkhs.model_copy(update={"model": rkhs.model.model_copy(update={"init_scale": 2.0})})
    assert norm_key(rkhs) != norm_key(other_features)  # the RKHS estimate uses the feature law
    barron = run.model_copy(update={"model": run.model.model_copy(update={"init_scale": 2.0})})
    assert norm_key(run) == norm_key(barron)


def test_execute_plan_passes_estimate_norms_down():
    """A target with no norm rule: with estimate_norms off, the bounds that need the norm say it is unknown."""
    run = make_run(call("abs", b("-", ir.Norm(arg=X), num(1))), d=3)
    plan = _small_plan()
    plan = plan.model_copy(update={"runs": tuple(r.model_copy(update={"target": run.target}) for r in plan.runs[:1])})
    [result] = execute_plan(plan, options=Options(estimate_norms=False))
    t1 = next(bv for bv in result.bounds if bv.theorem == "T1")
    assert not t1.holds and t1.value is None


@pytest.mark.skipif(torch.get_num_threads() < 2, reason="the row workers run in parallel only on 2+ threads")
def test_parallel_rows_changes_speed_not_numbers():
    plan = _small_plan()
    serial = execute_plan(plan, options=Options(estimate_norms=False, parallel_rows=False))
    parallel = execute_plan(plan, options=Options(estimate_norms=False, parallel_rows=True))
    assert [r.metrics for r in serial] == [r.metrics for r in parallel]
    assert [r.curves for r in serial] == [r.curves for r in parallel]
    assert all(r.status == "ok" for r in serial)
