"""Time grids and gradient flow (issue 10, item 4): `record = at POINTS`, `solve = gradient_flow` with t = 0 and
t = ∞ in one run, against a hand-written numpy reference; and the record grid of the GD trainers.

Input:  runs built in code (``mlc.compiler.lower.examples``) and small specs.
Output: pass/fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlc.compiler import conventions, ir
from mlc.compiler.lower.closed_forms import solve_closed_form
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_run
from mlc.compiler.lower.fastpath import train_fast
from mlc.compiler.lower.grouping import fast_eligible
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_text

F64 = torch.float64
CPU = torch.device("cpu")
GRID = (0.01, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e6)


def _member(run: ir.Run) -> Member:
    return Member(run, make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64), init_params(run))


def _flow_run(time: float, width: int = 30, n: int = 20, scaling: str = "standard", loss: str = "mse") -> ir.Run:
    base = make_run(family="random_features", width=width, n=n, n_test=200, solve="min_norm", scaling=scaling,
                    loss=loss, noise=0.1)
    train = ir.Train(model=base.model.name, loss=loss, solve="gradient_flow", time=time,
                     record=ir.Record(at=GRID, metrics=("train_error_raw", "test_error_raw")))
    return conventions.refreshed(base, train=train)


def _numpy_flow(member: Member, t: float) -> tuple[float, float]:
    """Hand-written gradient flow da/dt = -(k/n) Φᵀ(Φa − y) of f = s Σ a_j relu(w_j·x + c_j), solved through the
    eigendecomposition of ΦᵀΦ/n in numpy; returns (train, test) raw MSE against the clean target at time t."""
    run, data = member.run, member.data
    W, c, a0 = (member.init[k].numpy() for k in ("W", "c", "a"))
    scale, k = run.conventions.output_scale, run.conventions.loss_factor
    rate = run.conventions.lr["a"]  # 1 per unit of t, fan_in under mean_field

    def phi(x: np.ndarray) -> np.ndarray:
        return scale * np.maximum(x @ W.T + c, 0.0)

    P, y = phi(data.x_train.numpy()), data.y_train.numpy()
    n = P.shape[0]
    lam, Q = np.linalg.eigh(P.T @ P / n)
    z0, b = Q.T @ a0, Q.T @ (P.T @ y / n)
    keep = lam > 1e-12 * lam.max()
    z = z0.copy()
    zstar = np.where(keep, b / np.where(keep, lam, 1.0), 0.0)
    decay = np.exp(-k * rate * lam * t) if math.isfinite(t) else np.zeros_like(lam)
    z[keep] = zstar[keep] + decay[keep] * (z0[keep] - zstar[keep])
    a = Q @ z
    train = float(np.mean((P @ a - data.f_train.numpy()) ** 2))
    test = float(np.mean((phi(data.x_test.numpy()) @ a - data.f_test.numpy()) ** 2))
    return train, test


@pytest.mark.parametrize("scaling", ["standard", "mean_field"])
def test_gradient_flow_records_t0_grid_and_infinity_as_the_numpy_reference(scaling: str) -> None:
    member = _member(_flow_run(math.inf, scaling=scaling))
    out = solve_closed_form(member, CPU, F64)
    steps, values = out.curves["test_error_raw"]
    assert steps == [0.0, *GRID, math.inf]  # t = 0 and t = ∞ in the one run
    for t, value in zip(steps, values):
        assert value == pytest.approx(_numpy_flow(member, t)[1], rel=1e-7, abs=1e-12)
    train_inf = out.curves["train_error_raw"][1][-1]
    assert train_inf == pytest.approx(_numpy_flow(member, math.inf)[0], rel=1e-7, abs=1e-12)
    assert out.metrics["test_error_raw"] == values[-1]  # the final state is the limit


def test_gradient_flow_at_a_finite_time_ends_there_and_is_the_small_step_limit_of_gd_exact() -> None:
    t = 50.0
    flow = solve_closed_form(_member(_flow_run(t)), CPU, F64)
    assert flow.curves["test_error_raw"][0][-1] == t
    assert flow.curves["test_error_raw"][0][:-1] == [0.0, *[g for g in GRID if g < t]]
    lr = 1e-3
    gd = make_run(family="random_features", width=30, n=20, n_test=200, solve="gd_exact", lr=lr,
                  steps=int(t / lr), noise=0.1, metrics=("test_error_raw",))
    exact = solve_closed_form(_member(gd), CPU, F64)
    assert flow.metrics["test_error_raw"] == pytest.approx(exact.metrics["test_error_raw"], rel=1e-3)


def test_the_limit_keeps_the_null_space_part_of_a0() -> None:
    """t = ∞ is Φ⁺y plus the part of a(0) that GD never moves (REFERENCE T9e, T18), not Φ⁺y alone."""
    member = _member(_flow_run(math.inf, width=40, n=10))
    out = solve_closed_form(member, CPU, F64)
    a0 = member.init["a"]
    P = torch.relu(member.data.x_train @ member.init["W"].T + member.init["c"]) * member.run.conventions.output_scale
    pinv = torch.linalg.pinv(P)
    expected = pinv @ member.data.y_train + a0 - pinv @ (P @ a0)
    assert torch.allclose(out.params["a"][0], expected, atol=1e-8)


@pytest.mark.parametrize("engine", ["autograd", "fast"])
def test_record_at_points_on_the_gd_trainers_equals_recording_every_step(engine: str) -> None:
    points = (3.0, 7.0, 20.0)
    kw = dict(family="two_layer", width=8, n=32, steps=40, lr=0.1, metrics=("train_error", "test_error"))
    dense = make_run(record_every=1, **kw)
    base = make_run(**kw)
    sparse = conventions.refreshed(base, train=base.train.model_copy(
        update={"record": ir.Record(at=points, metrics=("train_error", "test_error"))}))
    train = train_autograd if engine == "autograd" else (lambda ms, d, t: train_fast(ms, d, t, parallel_rows=False))
    if engine == "fast":
        assert fast_eligible(sparse)
    every = train([_member(dense)], CPU, F64)[0].curves["test_error"]
    at = train([_member(sparse)], CPU, F64)[0].curves["test_error"]
    assert at[0] == [0, 3, 7, 20, 40]
    lookup = dict(zip(*every))
    assert at[1] == pytest.approx([lookup[s] for s in at[0]], rel=1e-12)


SPEC = """problem t
input x ~ uniform(cube(2))
target f*(x) = relu(x[1])
data { n = 20   n_test = 50 }
model rf = random_features(width = 20)
"""


def test_record_points_are_checked_rounded_and_sorted() -> None:
    plan = compile_text(SPEC + "model net = two_layer(width = 4)\ntrain net { steps = 1000   record = at "
                        "logspace(0, 3, 13): test_error }\ntrain rf { solve = min_norm }\n", "t.ml").plan
    assert plan is not None
    at = plan.runs[1].train.record.at
    assert at == tuple(sorted(set(at))) and all(p == int(p) for p in at) and 0 not in at and 1000 not in at
    assert at[:4] == (1.0, 2.0, 3.0, 6.0)
    flow = compile_text(SPEC + "train rf { solve = gradient_flow   record = at [10, 0.5, 0, inf, 0.5]: "
                        "test_error }\n", "t.ml").plan
    assert flow is not None and flow.runs[0].train.record.at == (0.5, 10.0)
    assert flow.runs[0].train.time == math.inf


def test_new_settings_at_their_defaults_keep_dumps_and_hashes() -> None:
    """`at`, `time`, `also` and `summary` are left out of dumps (and so of run and spec hashes) at their default."""
    plain = compile_text(SPEC + "train rf { solve = min_norm }\n", "t.ml").plan
    assert plain is not None
    dump = plain.model_dump(mode="json")
    assert "summary" not in dump["report"]
    run = dump["runs"][0]
    assert "also" not in run and "time" not in run["train"] and "at" not in run["train"]["record"]
    flow = compile_text(SPEC + "train rf { solve = gradient_flow   time = 100 }\n", "t.ml").plan
    assert flow is not None and flow.runs[0].train.model_dump(mode="json")["time"] == 100.0
    assert ir.Plan.model_validate_json(flow.model_dump_json()).runs[0].train.time == 100.0
    limit = compile_text(SPEC + "train rf { solve = gradient_flow }\n", "t.ml").plan
    assert limit is not None
    assert ir.Plan.model_validate_json(limit.model_dump_json()).runs[0].train.time == math.inf


# ------------------------------------------------------------------- the clipping bound (issue 10, item 6)


def test_clip_bound_is_the_targets_range_under_the_input_law_not_the_samples() -> None:
    """Regression: B was max |f*| over the training inputs, so a test input beyond the sample's maximum was
    clipped below f* and a perfect predictor had a test error > 0. B now bounds |f*| over the law's support."""
    from mlc.compiler.expr import Binary, Component, Num
    from mlc.compiler.ir import FormulaTarget
    from mlc.compiler.lower import measure as measure_module
    from mlc.compiler.lower.measure import clip_bound, measure

    two_x = FormulaTarget(expr=Binary(op="*", left=Num(value=2.0), right=Component(index=Num(value=1.0))))
    run = make_run(family="random_features", width=4, n=3, n_test=400, d=1, input_kind="cube", target=two_x,
                   solve="min_norm")
    data = make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64)
    assert float(data.f_train.abs().max()) < 2.0 == clip_bound(run)  # the old B would have been the former
    # the perfect predictor f = f*: a random-feature model cannot be it, so measure the errors of f* directly
    f = data.f_test.unsqueeze(0)
    clipped, raw = measure_module._errors(f, f, torch.tensor([clip_bound(run)], dtype=F64))
    assert float(clipped) == 0.0 == float(raw)
    old = torch.tensor([float(data.f_train.abs().max())], dtype=F64)
    assert float(measure_module._errors(f, f, old)[0]) > 0  # what the old bound did
    gaussian = make_run(family="random_features", width=4, input_kind="gaussian", solve="min_norm")
    assert clip_bound(gaussian) == math.inf  # a ReLU teacher is unbounded under a Gaussian law
    out = measure([gaussian], {k: v.unsqueeze(0).to(F64) for k, v in init_params(gaussian).items()},
                  {k: v.unsqueeze(0).to(F64) for k, v in init_params(gaussian).items()},
                  [make_dataset(gaussian.input, gaussian.data, gaussian.target, 0).to(CPU, F64)], (), final=True)[0]
    assert out["test_error"] == out["test_error_raw"] and out["clip_bound"] == math.inf


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clipping_never_raises_an_error(seed: int) -> None:
    run = make_run(family="two_layer", width=16, steps=20, init_scale=4.0, seed=seed, input_kind="cube",
                   metrics=("test_error", "test_error_raw"))
    out = train_autograd([_member(run)], CPU, F64)[0]
    assert out.metrics["test_error"] <= out.metrics["test_error_raw"]
    assert out.metrics["train_error"] <= out.metrics["train_error_raw"]
