"""`optimizer = flow(...)` (issue 15, item 1): the gradient flow integrated by torchdiffeq, against hand-written
references: the exact matrix-exponential solution of the linear random-feature flow, GD with a small step (the
flow's Euler discretisation, t = η·k, with the mean-field rate), and each member of an ensemble trained alone.

Input:  runs built in code (``mlc.compiler.lower.examples``) and small specs.
Output: pass/fail.
"""

from __future__ import annotations

import pytest
import torch

from mlc.compiler import conventions, ir
from mlc.compiler.lower.closed_forms import gd_exact_path, solve_closed_form
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_run
from mlc.compiler.lower.flow import train_flow
from mlc.compiler.lower.grouping import engine_of
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_text

F64 = torch.float64
CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _one_thread():
    """Small ensembles train on one thread, as ``runtime.execute.group_threads`` runs them (many small solver
    steps: thread barriers would dominate on a shared machine)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _member(run: ir.Run) -> Member:
    return Member(run, make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64), init_params(run))


def _flow(base: ir.Run, time: float, rtol: float = 1e-9, atol: float = 1e-11, at: tuple[float, ...] = (),
          metrics: tuple[str, ...] = ("train_loss",), method: str = "dopri5") -> ir.Run:
    train = ir.Train(model=base.model.name, loss=base.train.loss, penalty=base.train.penalty,
                     optimizer=ir.Optimizer(kind="flow", rtol=rtol, atol=atol, method=method),  # type: ignore[arg-type]
                     time=time, record=ir.Record(at=at, metrics=metrics))
    return conventions.refreshed(base, train=train)


def _expm_reference(member: Member, t: float) -> torch.Tensor:
    """a(t) of da/dt = -r (k/n) Φᵀ(Φa − y), written as the linear system d/dt [a; 1] = M [a; 1] and solved by
    torch.linalg.matrix_exp (no SVD, no closed-form code of mlc)."""
    run, data = member.run, member.data
    W, c, a0 = (member.init[k].to(F64) for k in ("W", "c", "a"))
    P = run.conventions.output_scale * torch.relu(data.x_train @ W.T + c)
    n, m = P.shape
    r, k = run.conventions.lr["a"], run.conventions.loss_factor
    M = torch.zeros(m + 1, m + 1, dtype=F64)
    M[:m, :m] = -r * k / n * (P.T @ P)
    M[:m, m] = r * k / n * (P.T @ data.y_train)
    state = torch.linalg.matrix_exp(M * t) @ torch.cat([a0, torch.ones(1, dtype=F64)])
    return state[:m]


@pytest.mark.parametrize("scaling", ["standard", "mean_field"])
@pytest.mark.parametrize("loss", ["mse", "half_mse"])
def test_random_feature_flow_is_the_matrix_exponential_and_the_closed_form(scaling: str, loss: str) -> None:
    base = make_run(family="random_features", width=24, n=16, noise=0.1, scaling=scaling, loss=loss)  # type: ignore[arg-type]
    run = _flow(base, 20.0, at=(0.5, 3.0))
    member = _member(run)
    out = train_flow([member], CPU, F64)[0]
    a = out.params["a"][0]
    expected = _expm_reference(member, 20.0)
    assert torch.allclose(a, expected, rtol=1e-6, atol=1e-8)
    # T18's closed form in continuous time (the SVD route the `solve = gradient_flow` engine uses)
    phi = run.conventions.output_scale * torch.relu(member.data.x_train @ member.init["W"].T + member.init["c"])
    closed = gd_exact_path(phi, member.data.y_train, member.init["a"], run.conventions.lr["a"],
                           run.conventions.loss_factor, [0.5, 3.0, 20.0], flow=True)
    assert torch.allclose(a, closed[-1], rtol=1e-6, atol=1e-8)
    steps, losses = out.curves["train_loss"]
    assert steps == [0.0, 0.5, 3.0, 20.0]
    assert losses == sorted(losses, reverse=True)  # a gradient flow never increases its objective
    assert out.metrics["flow_nfe"] > 0 and out.steps_done == 0


def test_the_flow_meets_the_closed_form_solve_to_the_solvers_tolerance() -> None:
    """The same spec as `solve = gradient_flow time = 10` and as `optimizer = flow() time = 10`: equal test
    errors, closer the tighter the tolerance."""
    base = make_run(family="random_features", width=30, n=20, noise=0.1, metrics=("test_error_raw",))
    closed_train = ir.Train(model=base.model.name, solve="gradient_flow", time=10.0,
                            record=ir.Record(metrics=("test_error_raw",)))
    closed = solve_closed_form(_member(conventions.refreshed(base, train=closed_train)), CPU, F64)
    gaps = []
    for rtol in (1e-4, 1e-8):
        out = train_flow([_member(_flow(base, 10.0, rtol=rtol, atol=rtol * 1e-2, metrics=("test_error_raw",)))],
                         CPU, F64)[0]
        gaps.append(abs(out.metrics["test_error_raw"] - closed.metrics["test_error_raw"]))
    assert gaps[1] < 1e-7 * closed.metrics["test_error_raw"]
    assert gaps[1] <= gaps[0]


@pytest.mark.parametrize("family,kw", [
    ("two_layer", dict(scaling="mean_field", width=12)),
    ("resnet", dict(width=6, depth=3)),
    ("deep", dict(width=6, depth=2)),
])
def test_flow_is_the_small_step_limit_of_gd_on_every_family(family: str, kw: dict) -> None:
    """GD with learning rate η after k steps approximates the flow at t = η·k (with the mean-field rate x m)."""
    t, lr = 1.0, 2e-3
    gd = make_run(family=family, n=24, steps=int(t / lr), lr=lr, metrics=("train_loss",), **kw)
    ref = train_autograd([_member(gd)], CPU, F64)[0]
    out = train_flow([_member(_flow(gd, t, rtol=1e-6, atol=1e-8))], CPU, F64)[0]
    for name in ref.params:
        assert torch.allclose(out.params[name], ref.params[name], rtol=2e-2, atol=2e-3), name
    assert out.metrics["train_loss"] == pytest.approx(ref.metrics["train_loss"], rel=1e-2)


@pytest.mark.parametrize("family", ["two_layer", "resnet"])
def test_each_member_of_an_ensemble_follows_its_own_flow(family: str) -> None:
    """The solver's steps are shared, so a member's path differs from its solo path by the solver's error only."""
    runs = [_flow(make_run(index=i, family=family, width=6, n=12, seed=i, init_scale=s, depth=2 if family ==
                           "resnet" else 1), 0.5, rtol=1e-7, atol=1e-9)
            for i, s in enumerate((0.5, 1.0))]
    together = train_flow([_member(r) for r in runs], CPU, F64)
    for run, out in zip(runs, together):
        alone = train_flow([_member(run)], CPU, F64)[0]
        for name in alone.params:
            assert torch.allclose(out.params[name], alone.params[name], rtol=1e-5, atol=2e-5)


def test_flow_engine_and_float32() -> None:
    run = _flow(make_run(family="two_layer", width=8, n=16), 1.0, rtol=1e-5, atol=1e-7)
    assert engine_of(run) == "flow"
    out32 = train_flow([Member(run, make_dataset(run.input, run.data, run.target, 0).to(CPU, torch.float32),
                               init_params(run))], CPU, torch.float32)[0]
    out64 = train_flow([_member(run)], CPU, F64)[0]
    assert out32.metrics["train_loss"] == pytest.approx(out64.metrics["train_loss"], rel=1e-3)


SPEC = """problem flow
input x ~ uniform(cube(2))
target f*(x) = relu(x[1])
data { n = 20   n_test = 50 }
model net = two_layer(width = 8)
"""


def test_a_spec_compiles_to_a_flow_with_time_and_record_in_units_of_t() -> None:
    plan = compile_text(SPEC + "train { optimizer = flow(rtol = 1e-7, method = bosh3)   time = 50   "
                        "record = at logspace(-1, 1, 5): train_error }\n", "f.ml").plan
    assert plan is not None
    train = plan.runs[0].train
    assert train.flow and train.steps is None and train.time == 50.0
    assert train.optimizer is not None and train.optimizer.rtol == 1e-7 and train.optimizer.method == "bosh3"
    assert train.optimizer.atol == 1e-8 and train.optimizer.lr == 1.0
    assert train.record.at[0] == pytest.approx(0.1) and train.record.at[-1] == pytest.approx(10.0)
    assert "flow(bosh3, rtol 1e-07, atol 1e-08) to time 50" == train.describe()
    dump = ir.Plan.model_validate_json(plan.model_dump_json())
    assert dump.runs[0].train == train


def test_mean_field_flow_rate_is_the_width() -> None:
    plan = compile_text(SPEC.replace("width = 8)", "width = 8, scaling = mean_field)") +
                        "train { optimizer = flow()   time = 5 }\n", "f.ml").plan
    assert plan is not None and plan.runs[0].conventions.lr["W"] == 8.0
