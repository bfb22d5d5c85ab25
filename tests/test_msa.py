"""The method of successive approximations (`optimizer = msa(...)`, compiler/lower/msa.py): the checker's settings,
the lowering against a hand-written E-MSA (Li, Chen, Tai & E 2018) on a tiny ResNet, one inner step as a GD step,
ensembles whose members never interact, and MSA against GD on the same ResNet (comparable training loss)."""

from __future__ import annotations

from typing import Callable

import pytest
import torch

from mlc.compiler import ir
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_text

CPU, F64 = torch.device("cpu"), torch.float64


@pytest.fixture(autouse=True)
def _one_thread():  # noqa: ANN202
    """Tiny ensembles train on one thread, as runtime/execute.py trains them (two threads on a shared machine
    spend most of a tiny step at their barrier)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

SPEC = """problem msa_test
let d = 3
input x ~ uniform(cube(d))
target f*(x) = sin(2 * x[1]) * x[2] + 0.5 * x[3]
data {{ n = {n}   n_test = 50 }}
model res = resnet(width = {m}, depth = {L}, state_width = 5, activation = {act}{model})
train res {{ loss = {loss}   optimizer = {opt}   steps = {steps}{train} }}
{sweep}
"""


def plan(opt: str, steps: int = 3, n: int = 20, m: int = 6, L: int = 3, act: str = "tanh", loss: str = "mse",
         model: str = "", train: str = "", sweep: str = "") -> ir.Plan:
    out = compile_text(SPEC.format(opt=opt, steps=steps, n=n, m=m, L=L, act=act, loss=loss, model=model,
                                   train=train, sweep=sweep))
    assert out.plan is not None, out.rendered
    return out.plan


def member(run: ir.Run) -> Member:
    data = make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64)
    return Member(run, data, init_params(run))


# ---------------------------------------------------------------------------------------------- the checker


def test_settings_and_defaults() -> None:
    opt = plan("msa()").runs[0].train.optimizer
    assert opt is not None and (opt.kind, opt.lr, opt.rho, opt.inner_steps) == ("msa", 0.1, 1.0, 5)
    opt = plan("msa(lr = 0.2, rho = 0.5, inner_steps = 3)").runs[0].train.optimizer
    assert opt is not None and (opt.lr, opt.rho, opt.inner_steps) == (0.2, 0.5, 3)


def test_gd_hashes_do_not_see_the_new_settings() -> None:
    run = plan("gd(lr = 0.1)").runs[0]
    dumped = run.train.model_dump(mode="json")["optimizer"]
    assert "rho" not in dumped and "inner_steps" not in dumped


def test_a_categorical_sweep_of_msa_and_gd() -> None:
    swept = plan("gd(lr = 0.1)", sweep="sweep { optimizer = [msa(lr = 0.1, rho = 2), gd(lr = 0.5)]   seed = 0..1 }")
    assert [(r.train.optimizer.kind if r.train.optimizer else None) for r in swept.runs] == ["msa", "msa", "gd", "gd"]
    axis = swept.axis("optimizer")
    assert axis is not None and axis.labels == ("msa(lr = 0.1, rho = 2)", "gd(lr = 0.5)")


def test_rho_and_inner_steps_sweep() -> None:
    swept = plan("msa(lr = 0.1)", sweep="sweep { rho = [0.5, 2]   inner_steps = [1, 4] }")
    assert sorted((r.train.optimizer.rho, r.train.optimizer.inner_steps) for r in swept.runs  # type: ignore[union-attr]
                  ) == [(0.5, 1), (0.5, 4), (2.0, 1), (2.0, 4)]


def test_mean_field_rescales_the_inner_step_as_gd() -> None:
    msa = plan("msa(lr = 0.1)", model=", scaling = mean_field").runs[0]
    gd = plan("gd(lr = 0.1)", model=", scaling = mean_field").runs[0]
    assert msa.conventions.lr == gd.conventions.lr == {k: pytest.approx(0.5) for k in ("V", "U", "Wr", "alpha")}


@pytest.mark.parametrize(("text", "kind"), [
    ("model net = two_layer(width = 8)\ntrain { optimizer = msa() }", "msa_needs_layered_model"),
    ("model net = deep(width = 8, depth = 2)\ntrain { optimizer = msa() }", "msa_needs_layered_model"),
    ("model rf = random_features(width = 8)\ntrain { optimizer = msa() }", "msa_needs_layered_model"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa()   penalty = weighted_path_norm(lambda = 1e-3) }",
     "msa_penalty_couples_layers"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa(rho = 0) }", "msa_rho_zero"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa(momentum = 0.9) }", "msa_gradient_setting"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa(batch = 10) }", "msa_gradient_setting"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa(rho = -1) }", "below_minimum"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa(inner_steps = 0) }", "below_minimum"),
    ("model r = resnet(width = 8)\ntrain { optimizer = msa() }\nsweep { rho = [1, 0] }", "msa_rho_zero"),
])
def test_misuse_is_a_diagnostic(text: str, kind: str) -> None:
    out = compile_text("problem p\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = relu(x[1])\n" + text + "\n")
    assert out.plan is None
    assert kind in [d.kind for d in out.diagnostics], out.rendered


def test_weight_decay_is_allowed() -> None:
    run = plan("msa(lr = 0.1)", train="   penalty = weight_decay(lambda = 1e-3)").runs[0]
    assert run.train.penalty.kind == "weight_decay"


# ----------------------------------------------------------------- a hand-written E-MSA on a tiny ResNet


def reference_emsa(V: torch.Tensor, U: torch.Tensor, W: torch.Tensor, a: torch.Tensor, x: torch.Tensor,
                   y: torch.Tensor, lr: float, rho: float, inner: int, iterations: int, lam: float = 0.0
                   ) -> tuple[torch.Tensor, ...]:
    """E-MSA (Li, Chen, Tai & E 2018, discrete form) for z0 = V x~, z_{l+1} = z_l + (1/L) U_l tanh(W_l z_l),
    f = a.z_L, loss mean (f - y)^2 and running cost lam |θ|^2: closed-form co-states (tanh' = 1 - tanh^2),
    then each layer's extended Hamiltonian maximised on its own by `inner` ascent steps."""
    xt = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], 1)
    theta = (V.clone(), U.clone(), W.clone(), a.clone())
    for _ in range(iterations):
        theta = _emsa_iteration(*theta, xt, y, lr, rho, inner, lam)
    return theta


def _ascend(theta: list[torch.Tensor], M: Callable[..., torch.Tensor], lr: float, inner: int) -> list[torch.Tensor]:
    theta = [t.clone().requires_grad_(True) for t in theta]
    for _ in range(inner):
        grads = torch.autograd.grad(M(*theta), theta)
        with torch.no_grad():
            for t, g in zip(theta, grads):
                t += lr * g
    return [t.detach() for t in theta]


def _emsa_iteration(V: torch.Tensor, U: torch.Tensor, W: torch.Tensor, a: torch.Tensor, xt: torch.Tensor,
                    y: torch.Tensor, lr: float, rho: float, inner: int, lam: float) -> tuple[torch.Tensor, ...]:
    L = U.shape[0]
    z = [xt @ V.T]
    for l in range(L):
        z.append(z[l] + torch.tanh(z[l] @ W[l].T) @ U[l].T / L)
    f = z[L] @ a
    pf = -2.0 * (f - y)  # -dΦ/df with Φ = (f - y)^2
    p = [torch.zeros(0)] * (L + 1)
    p[L] = pf[:, None] * a[None, :]
    for l in reversed(range(L)):
        sech2 = 1 - torch.tanh(z[l] @ W[l].T) ** 2
        p[l] = p[l + 1] + ((p[l + 1] @ U[l]) * sech2) @ W[l] / L

    def M_embed(Vn: torch.Tensor) -> torch.Tensor:
        g = xt @ Vn.T
        return ((p[0] * g).sum(1) - rho / 2 * ((z[0] - g) ** 2).sum(1)).mean() - lam * (Vn ** 2).sum()

    def M_block(l: int) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        def M(Ul: torch.Tensor, Wl: torch.Tensor) -> torch.Tensor:
            g = z[l] + torch.tanh(z[l] @ Wl.T) @ Ul.T / L
            sech2 = 1 - torch.tanh(z[l] @ Wl.T) ** 2
            grad_z = p[l + 1] + ((p[l + 1] @ Ul) * sech2) @ Wl / L  # ∇_z (p·g), by hand
            return ((p[l + 1] * g).sum(1) - rho / 2 * ((z[l + 1] - g) ** 2).sum(1)
                    - rho / 2 * ((p[l] - grad_z) ** 2).sum(1)).mean() - lam * ((Ul ** 2).sum() + (Wl ** 2).sum())
        return M

    def M_readout(an: torch.Tensor) -> torch.Tensor:
        g = z[L] @ an
        return (pf * g - rho / 2 * (f - g) ** 2 - rho / 2 * ((p[L] - pf[:, None] * an[None, :]) ** 2).sum(1)
                ).mean() - lam * (an ** 2).sum()

    (V_new,) = _ascend([V], M_embed, lr, inner)
    blocks = [_ascend([U[l], W[l]], M_block(l), lr, inner) for l in range(L)]
    (a_new,) = _ascend([a], M_readout, lr, inner)
    return V_new, torch.stack([b[0] for b in blocks]), torch.stack([b[1] for b in blocks]), a_new


@pytest.mark.parametrize(("lr", "rho", "inner", "lam"), [(0.05, 0.7, 4, 0.0), (0.1, 2.0, 2, 1e-3)])
def test_against_a_hand_written_emsa(lr: float, rho: float, inner: int, lam: float) -> None:
    penalty = f"   penalty = weight_decay(lambda = {lam})" if lam else ""
    run = plan(f"msa(lr = {lr}, rho = {rho}, inner_steps = {inner})", steps=3, train=penalty).runs[0]
    mem = member(run)
    out = train_autograd([mem], CPU, F64)[0]
    p0 = mem.init
    ref = reference_emsa(p0["V"], p0["U"], p0["Wr"], p0["alpha"], mem.data.x_train, mem.data.y_train,
                         lr, rho, inner, 3, lam)
    for name, want in zip(("V", "U", "Wr", "alpha"), ref):
        got = out.params[name][0]
        assert torch.allclose(got, want, rtol=1e-10, atol=1e-12), (name, (got - want).abs().max())
    assert not torch.allclose(out.params["U"][0], p0["U"])  # it moved


@pytest.mark.parametrize("scaling", ["standard", "ntk", "mean_field"])
def test_one_inner_step_is_a_gd_step(scaling: str) -> None:
    """Under every scaling convention (output scale, mean-field lr x D) and with the ResNet's 1/L."""
    model = f", scaling = {scaling}"
    msa = train_autograd([member(plan("msa(lr = 0.2, rho = 3, inner_steps = 1)", steps=20, act="relu",
                                      model=model).runs[0])], CPU, F64)[0]
    gd = train_autograd([member(plan("gd(lr = 0.2)", steps=20, act="relu", model=model).runs[0])], CPU, F64)[0]
    assert not torch.allclose(msa.params["U"], member(plan("gd(lr = 0.2)", model=model).runs[0]).init["U"])
    for name in ("V", "U", "Wr", "alpha"):
        assert torch.allclose(msa.params[name], gd.params[name], rtol=1e-9, atol=1e-12), name


def test_members_of_an_ensemble_never_interact() -> None:
    from mlc.compiler.lower.grouping import group_runs

    swept = plan("msa(lr = 0.1)", steps=4, sweep="sweep { lr = [0.05, 0.1]   rho = [0.5, 2]   seed = 0..1 }")
    groups = group_runs(swept)
    assert len(groups) == 1 and len(groups[0].runs) == 8  # lr, rho and seed are per member: one ensemble
    swept_runs = swept.runs
    together = train_autograd([member(r) for r in swept_runs], CPU, F64)
    for run, out in zip(swept_runs, together):
        alone = train_autograd([member(run)], CPU, F64)[0]
        for name in ("V", "U", "Wr", "alpha"):
            assert torch.allclose(out.params[name], alone.params[name], rtol=1e-12, atol=1e-14), (run.index, name)


# ---------------------------------------------------------------------------- MSA against GD on a ResNet


def test_msa_and_gd_reach_a_comparable_training_loss() -> None:
    """The issue's check: on a small problem, E-MSA and GD on the same ResNet (same init, same data) both fit, to
    comparable training losses, at the same number of parameter updates (an MSA iteration makes `inner_steps`
    of them). Measured: 0.0031 after 125 iterations of MSA, 0.0021 after 625 GD steps, from 0.27."""
    kw = dict(n=100, m=12, L=4, act="tanh")
    msa_run = plan("msa(lr = 0.1, rho = 1, inner_steps = 5)", steps=125, train="   record = every 125: train_loss",
                   **kw).runs[0]  # type: ignore[arg-type]
    gd_run = plan("gd(lr = 0.5)", steps=625, **kw).runs[0]  # type: ignore[arg-type]
    msa_out = train_autograd([member(msa_run)], CPU, F64)[0]
    gd_out = train_autograd([member(gd_run)], CPU, F64)[0]
    assert torch.equal(member(msa_run).init["U"], member(gd_run).init["U"])  # the same network at the start
    start = msa_out.curves["train_loss"][1][0]  # at step 0, the same for both
    msa, gd = msa_out.metrics["train_loss"], gd_out.metrics["train_loss"]
    assert msa < 0.05 * start and gd < 0.05 * start, (msa, gd)
    assert 1 / 3 < msa / gd < 3, (msa, gd)


def test_plain_msa_diverges_where_the_extended_one_converges() -> None:
    """Why rho = 0 is refused (msa_rho_zero): the same steps with the ρ terms switched off blow up."""
    run = plan("msa(lr = 0.5, rho = 1, inner_steps = 5)", steps=40, n=100, m=12, L=4).runs[0]
    assert run.train.optimizer is not None
    plain = run.model_copy(update={"train": run.train.model_copy(
        update={"optimizer": run.train.optimizer.model_copy(update={"rho": 0.0})})})
    extended = train_autograd([member(run)], CPU, F64)[0]
    diverged = train_autograd([member(plain)], CPU, F64)[0]
    assert extended.diverged_at is None and extended.metrics["train_loss"] < 0.1
    assert diverged.diverged_at is not None or not diverged.metrics["train_loss"] < 1.0


def test_msa_runs_from_a_spec_with_records_and_a_stop_rule() -> None:
    run = plan("msa(lr = 0.1)", steps=10, train="   record = every 5: train_loss, test_error").runs[0]
    out = train_autograd([member(run)], CPU, F64)[0]
    steps, values = out.curves["train_loss"]
    assert steps == [0, 5, 10] and values[-1] < values[0]
    stopped = plan("msa(lr = 0.1)", steps=100, train="   until train_error < 10").runs[0]
    assert train_autograd([member(stopped)], CPU, F64)[0].steps_done == 0


def test_a_resumed_msa_group_is_bitwise_identical(tmp_path) -> None:  # noqa: ANN001
    """MSA keeps no state but the parameters: a group stopped at an iteration and resumed from its checkpoint
    gives the numbers of an uninterrupted training (as tests/test_store_resume.py checks for the other trainers)."""
    import signal

    from mlc.runtime.store_checkpoint import GroupCheckpoint, Interrupted, StopFlag

    class StopAt(GroupCheckpoint):
        def due(self, step: int) -> bool:
            if step == 4:
                self.stop.signum = signal.SIGINT
            return super().due(step)

    runs = plan("msa(lr = 0.1, inner_steps = 2)", steps=8, train="   record = every 2: train_loss",
                sweep="sweep { seed = 0..1 }").runs

    def numbers(outs: list) -> list:  # noqa: ANN001
        return [({k: v.numpy().tobytes() for k, v in o.params.items()}, o.curves, o.steps_done) for o in outs]

    reference = numbers(train_autograd([member(r) for r in runs], CPU, F64))
    path = tmp_path / "group.pt"
    with pytest.raises(Interrupted):
        train_autograd([member(r) for r in runs], CPU, F64, StopAt(path, 3600.0, StopFlag()))
    resumed = GroupCheckpoint(path, 3600.0, StopFlag())
    assert numbers(train_autograd([member(r) for r in runs], CPU, F64, resumed)) == reference
    assert resumed.resumed_step == 4


def test_the_blocks_batched_are_the_blocks_one_by_one() -> None:
    """extended_hamiltonian with the ResNet's blocks as one batch (runs_of_layers) equals stage by stage, value and
    gradient, away from the current parameters (where the ρ terms are not zero)."""
    from mlc.compiler import families as registry
    from mlc.compiler.lower.msa import extended_hamiltonian, passes, runs_of_layers

    runs = plan("msa(lr = 0.1)", L=4, sweep="sweep { seed = 0..1 }").runs
    mems = [member(r) for r in runs]
    stages = registry.of(runs[0].model).stages(runs[0])
    assert runs_of_layers(stages) == [(0, 1), (1, 4), (5, 1)]
    params = {k: torch.stack([m.init[k] for m in mems]).requires_grad_(True) for k in mems[0].init}
    x, y = torch.stack([m.data.x_train for m in mems]), torch.stack([m.data.y_train for m in mems])
    states, costates, _ = passes(runs[0], stages, params, x, y)
    moved = {k: (v.detach() + 0.05 * torch.randn_like(v)).requires_grad_(True) for k, v in params.items()}
    rho = torch.tensor([0.5, 2.0], dtype=F64)
    alone = extended_hamiltonian(stages, moved, states, costates, rho)
    batched = extended_hamiltonian(stages, moved, states, costates, rho, runs_of_layers(stages))
    assert torch.allclose(alone, batched, rtol=1e-12)
    for a, b in zip(torch.autograd.grad(alone.sum(), list(moved.values())),
                    torch.autograd.grad(batched.sum(), list(moved.values()))):
        assert torch.allclose(a, b, rtol=1e-10, atol=1e-13)
