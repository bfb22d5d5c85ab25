"""The conventions block (compiler.conventions): its values, its verification, and cross-stage tests showing that
the lowering and the theory both use it (so that a change to the one copy shows in both, and a stage that
re-derived a convention privately would fail here)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from mlc.compiler import conventions, ir
from mlc.compiler.lower import families
from mlc.compiler.lower.closed_forms import solve_closed_form
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_plan, make_run
from mlc.compiler.lower.fastpath import train_fast
from mlc.compiler.options import Options
from mlc.compiler.lower.losses import loss_per_member
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_path, compile_text
from mlc.compiler.ir import run_hash
from mlc.compiler.theory import evaluate_run_bounds
from mlc.compiler.theory.kernels import infinite_width_prediction
from mlc.compiler.verify import PlanInvariantError, verify_plan

CPU, F64 = torch.device("cpu"), torch.float64
ROOT = Path(__file__).resolve().parents[1]


def _member(run: ir.Run) -> Member:
    return Member(run, make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64), init_params(run))


# ----------------------------------------------------------------------------------------------
# The values (REFERENCE §1-§3)
# ----------------------------------------------------------------------------------------------


def test_learning_rate_output_scale_and_fan_in() -> None:
    c = make_run(width=50, lr=0.2, scaling="mean_field").conventions
    assert c.lr == {"W": pytest.approx(10.0), "c": pytest.approx(10.0), "a": pytest.approx(10.0)}
    assert c.output_scale == pytest.approx(1 / 50) and c.fan_in == 50 and c.widths == (50,)
    assert make_run(width=50, lr=0.2, scaling="mean_field", optimizer="adam").conventions.lr["a"] == 0.2
    assert make_run(width=16, scaling="ntk").conventions.output_scale == pytest.approx(0.25)
    assert make_run(width=16, bias=False).conventions.lr.keys() == {"W", "a"}
    res = make_run(family="resnet", width=5, depth=3, d=3, scaling="mean_field", lr=0.1).conventions
    assert res.state_width == 4 and res.fan_in == 4 and res.widths == (5, 5, 5)
    assert res.output_scale == pytest.approx(1 / 4) and res.lr["alpha"] == pytest.approx(0.4)
    deep = make_run(family="deep", widths=(7, 3), width=7, depth=2, scaling="ntk").conventions
    assert deep.fan_in == 3 and deep.output_scale == pytest.approx(1 / math.sqrt(3))
    assert deep.trained == ("W0", "b0", "W1", "b1", "a")


def test_d_eff_eps_loss_factor_penalty_factor_and_lambdas() -> None:
    c = make_run(d=4, n=50, penalty="path_norm", lam=8.0, loss="mse").conventions
    assert c.d_eff == 5 and c.eps_n == pytest.approx(math.sqrt(2 * math.log(10) / 50))
    assert c.loss_factor == 2.0 and c.penalty_factor == c.eps_n
    assert c.theorem_lambda == {"T5": 4.0}
    assert make_run(d=4, bias=False).conventions.d_eff == 4
    rk = make_run(family="random_features", d=4, n=50, penalty="rkhs_norm", lam=2.0, loss="half_mse").conventions
    assert rk.penalty_factor == pytest.approx(math.sqrt(math.log(10) / 50))
    assert rk.theorem_lambda == {"T9c": pytest.approx(2.0 * math.sqrt(math.log(10)))}
    ridge = make_run(family="random_features", n=50, penalty="rkhs_norm", lam=1e-2, loss="half_mse",
                     solve="ridge").conventions
    assert ridge.ridge == pytest.approx(2 * 50 * 1e-2) and ridge.lr == {}
    assert conventions.auto_lambda("half_mse") == 4.0 and conventions.auto_lambda("mse") == 8.0


def test_lambda_auto_is_resolved_by_the_conventions_rule() -> None:
    text = (ROOT / "specs" / "a_priori.ml").read_text()
    plan = compile_text(text).plan
    assert plan is not None
    run = plan.runs[0]
    assert run.train.penalty.auto and run.train.penalty.lam == conventions.auto_lambda(run.train.loss)
    assert run.conventions.theorem_lambda["T5"] == 4.0


# ----------------------------------------------------------------------------------------------
# The block in the plan: excluded from the hash, verified against a recomputation
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", sorted((ROOT / "specs").glob("*.ml")), ids=lambda p: p.name)
def test_every_shipped_plan_carries_a_verified_block(spec: Path) -> None:
    plan = compile_path(str(spec)).plan
    assert plan is not None
    for run in plan.runs:
        assert run.conventions == conventions.of(run)


def test_verify_rejects_a_stale_block_and_the_hash_ignores_it() -> None:
    run = make_run(width=8)
    run = run.model_copy(update={"hash": run_hash(run.model_dump(mode="json"))})
    verify_plan(make_plan([run]))
    stale = run.model_copy(update={"data": run.data.model_copy(update={"n": 64})})  # eps_n is now stale
    with pytest.raises(PlanInvariantError, match="conventions"):
        verify_plan(make_plan([stale.model_copy(update={"hash": run_hash(stale.model_dump(mode="json"))})]))
    fresh = conventions.refreshed(stale)
    assert fresh.conventions.eps_n != run.conventions.eps_n
    tampered = run.model_copy(update={"conventions": fresh.conventions})
    assert run_hash(tampered.model_dump(mode="json")) == run_hash(run.model_dump(mode="json"))


# ----------------------------------------------------------------------------------------------
# Cross-stage: the lowering reads the block
# ----------------------------------------------------------------------------------------------


def _doubled_lr(run: ir.Run) -> ir.Run:
    conv = run.conventions
    return run.model_copy(update={"conventions": conv.model_copy(
        update={"lr": {k: 2 * v for k, v in conv.lr.items()}})})


@pytest.mark.parametrize("family", ["two_layer", "resnet", "deep"])
def test_autograd_step_is_the_blocks_learning_rate_times_the_gradient(family: str) -> None:
    run = make_run(family=family, width=6, depth=2, d=3, n=16, steps=1, lr=0.05, scaling="mean_field")
    mem = _member(run)
    one = train_autograd([mem], CPU, F64)[0]
    two = train_autograd([Member(_doubled_lr(run), mem.data, mem.init)], CPU, F64)[0]
    # the same gradient at theta_0, so the step with the doubled block lr is twice as long, for every group
    for name in run.conventions.trained:
        d1 = one.params[name][0] - mem.init[name]
        d2 = two.params[name][0] - mem.init[name]
        assert torch.allclose(d2, 2 * d1, atol=1e-13), name
    # and the step equals lr_block x gradient computed by hand with the block's output scale
    params = {k: v.unsqueeze(0).clone().requires_grad_(True) for k, v in mem.init.items()}
    loss = loss_per_member("mse", families.forward(run, params, mem.data.x_train.unsqueeze(0)),
                           mem.data.y_train.unsqueeze(0)).sum()
    loss.backward()
    for name in run.conventions.trained:
        expected = -run.conventions.lr[name] * params[name].grad[0]
        assert torch.allclose(one.params[name][0] - mem.init[name], expected, atol=1e-13), name


def test_fast_path_reads_the_blocks_learning_rate_scale_and_penalty_factor() -> None:
    run = make_run(width=7, d=3, n=20, steps=3, lr=0.05, scaling="mean_field", penalty="path_norm", lam=0.5)
    mem = _member(run)
    fast = train_fast([mem], CPU, F64, parallel_rows=Options().parallel_rows)[0]
    auto = train_autograd([mem], CPU, F64)[0]
    for k in ("W", "c", "a"):
        assert torch.allclose(fast.params[k], auto.params[k], atol=1e-12)
    fast2 = train_fast([Member(_doubled_lr(run), mem.data, mem.init)], CPU, F64, parallel_rows=Options().parallel_rows)[0]
    auto2 = train_autograd([Member(_doubled_lr(run), mem.data, mem.init)], CPU, F64)[0]
    assert not torch.allclose(fast2.params["a"], fast.params["a"])
    assert torch.allclose(fast2.params["a"], auto2.params["a"], atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Cross-stage: theory against lowering
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scaling", ["ntk", "mean_field"])
def test_kernel_gd_prediction_matches_the_lowerings_gd_at_large_width(scaling: str) -> None:
    """T18's GD of a very wide RF model, run by the lowering from its own initialisation (exact GD, step for
    step equal to trained GD: tests/test_lower_closed_forms.py), against the theory's GD in function space."""
    lr = 0.5 if scaling == "ntk" else 0.5 / 20_000
    target = ir.FormulaTarget(expr=ir.Call(fn="sin", args=(ir.Component(index=ir.Num(value=1.0)),)))
    measured, predicted = [], []
    for seed in range(6):
        run = make_run(family="random_features", width=20_000, d=3, n=30, n_test=300, steps=100, lr=lr,
                       scaling=scaling, loss="mse", solve="gd_exact", input_kind="cube", target=target,
                       seed=seed)
        mem = _member(run)
        out = solve_closed_form(mem, CPU, F64)
        measured.append(out.metrics["test_error_raw"])
        pred = infinite_width_prediction(run, mem.data.x_train, mem.data.y_train, mem.data.x_test, mem.data.f_test)
        predicted.append(pred["predicted_test_error"])
    assert sum(measured) / 6 == pytest.approx(sum(predicted) / 6, rel=0.15)


def test_rkhs_ridge_is_the_minimiser_of_the_lowerings_loss_plus_penalty() -> None:
    """The closed-form ridge (block's ridge c n lambda) minimises loss + lambda ||theta||_H^2 with the lowering's
    loss and RKHS norm (ntk scaling, where ||theta||_H = ||a||_2), and the theory's kernel ridge prediction
    agrees with it at large width."""
    run = make_run(family="random_features", width=300, d=3, n=25, scaling="ntk", loss="half_mse",
                   penalty="rkhs_norm", lam=1e-2, solve="ridge")
    mem = _member(run)
    out = solve_closed_form(mem, CPU, F64)
    a = out.params["a"].clone().requires_grad_(True)
    params = {**out.params, "a": a}
    f = families.forward(run, params, mem.data.x_train.unsqueeze(0))
    objective = loss_per_member(run.train.loss, f, mem.data.y_train.unsqueeze(0)) \
        + run.train.penalty.lam * families.norm("rkhs_norm", run, params) ** 2
    (grad,) = torch.autograd.grad(objective.sum(), [a])
    assert float(grad.abs().max()) < 1e-10
    wide = make_run(family="random_features", width=4000, d=3, n=25, n_test=300, scaling="ntk",
                    loss="half_mse", penalty="rkhs_norm", lam=1e-2, solve="ridge", seed=3)
    mem = _member(wide)
    measured = solve_closed_form(mem, CPU, F64).metrics["test_error_raw"]
    pred = infinite_width_prediction(wide, mem.data.x_train, mem.data.y_train, mem.data.x_test, mem.data.f_test)
    assert measured == pytest.approx(pred["predicted_test_error"], rel=0.1)


def test_t18_uses_the_blocks_learning_rate_and_loss_factor() -> None:
    run = make_run(family="random_features", width=50, n=200, d=10, lr=0.5, loss="mse", scaling="mean_field")
    t18 = next(b for b in evaluate_run_bounds(run, metrics={"rf_lambda_min": 1e-3}) if b.theorem == "T18")
    conv = run.conventions
    assert t18.holds and t18.value == pytest.approx(1 / (conv.lr["a"] * conv.loss_factor * 1e-3))


# ----------------------------------------------------------------------------------------------
# Bug 8: a closed-form solve has no optimizer and no steps, and T18 does not apply to it
# ----------------------------------------------------------------------------------------------

RF_SPEC = """problem closed
input x ~ uniform(sphere(4))
target f*(x) = relu(x[1])
space rkhs(norm <= 2)
data {{ n = 30   n_test = 50 }}
model rf = random_features(width = 40, activation = relu, scaling = ntk)
train rf {{ {train} }}
"""


@pytest.mark.parametrize("train", ["solve = min_norm", "penalty = rkhs_norm(lambda = 1e-3)   solve = ridge"])
def test_closed_forms_have_no_optimizer_no_steps_and_no_t18(train: str, capsys) -> None:
    plan = compile_text(RF_SPEC.format(train=train)).plan
    assert plan is not None
    run = plan.runs[0]
    assert run.train.optimizer is None and run.train.steps is None and run.conventions.lr == {}
    bounds = evaluate_run_bounds(run, plan, metrics={"rf_lambda_min": 1e-2, "lambda_min": 1e-2})
    assert "T18" not in {b.theorem for b in bounds}
    assert "gd(lr" not in run.train.describe() and "closed form" in run.train.describe()
    with pytest.raises(ValueError, match="closed form"):
        ir.Train(model="rf", solve=run.train.solve, optimizer=ir.Optimizer(), penalty=run.train.penalty)


def test_t18_still_applies_to_gd_and_exact_gd() -> None:
    for train in ("solve = gd_exact", "optimizer = gd(lr = 0.2)   steps = 10"):
        plan = compile_text(RF_SPEC.format(train=train)).plan
        assert plan is not None
        t18 = [b for b in evaluate_run_bounds(plan.runs[0], plan, metrics={"rf_lambda_min": 1e-2})
               if b.theorem == "T18"]
        assert t18 and t18[0].holds
    adam = compile_text(RF_SPEC.format(train="optimizer = adam(lr = 0.01)   steps = 10")).plan
    t18 = [b for b in evaluate_run_bounds(adam.runs[0], adam, metrics={"rf_lambda_min": 1e-2})
           if b.theorem == "T18"]
    assert t18 and not t18[0].holds and t18[0].value is None


def test_the_plan_of_a_closed_form_prints_no_optimizer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlc.runtime.cli import main

    spec = tmp_path / "closed.ml"
    spec.write_text(RF_SPEC.format(train="penalty = rkhs_norm(lambda = 1e-3)   solve = ridge"))
    assert main(["compile", str(spec), "--emit", "plan"]) == 0
    out = capsys.readouterr().out
    assert "ridge (closed form)" in out and "gd(lr" not in out and "steps" not in out
