"""The lowered families, losses, penalties and optimizers against plain hand-written torch references."""

from __future__ import annotations

import math

from pathlib import Path

import pytest
import torch
from torch import nn

from mlc.compiler import ir
from mlc.compiler.lower import families
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_run
from mlc.compiler.lower.penalties import penalty_per_member
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_path

F64 = torch.float64
CPU = torch.device("cpu")


def _member(run):
    data = make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64)
    return Member(run, data, init_params(run))


class TwoLayer(nn.Module):
    def __init__(self, W, c, a, scale, act):
        super().__init__()
        self.W, self.c, self.a = (nn.Parameter(t.clone()) for t in (W, c, a))
        self.scale, self.act = scale, act

    def forward(self, x):
        return self.scale * (self.act(x @ self.W.T + self.c) @ self.a)


@pytest.mark.parametrize("scaling", ["standard", "ntk", "mean_field"])
@pytest.mark.parametrize("bias", [True, False])
def test_two_layer_gd_matches_reference(scaling, bias):
    run = make_run(width=6, d=3, n=20, steps=15, lr=0.05, scaling=scaling, bias=bias)
    mem = _member(run)
    out = train_autograd([mem], CPU, F64)[0]
    init = mem.init
    m = 6
    scale = {"standard": 1.0, "ntk": 1 / math.sqrt(m), "mean_field": 1 / m}[scaling]
    ref = TwoLayer(init["W"], init["c"], init["a"], scale, torch.relu)
    params = [ref.W, ref.a] + ([ref.c] if bias else [])
    lr = 0.05 * (m if scaling == "mean_field" else 1)
    opt = torch.optim.SGD(params, lr=lr)
    for _ in range(15):
        opt.zero_grad()
        loss = ((ref(mem.data.x_train) - mem.data.y_train) ** 2).mean()
        loss.backward()
        opt.step()
    assert torch.allclose(out.params["W"][0], ref.W.detach(), atol=1e-12)
    assert torch.allclose(out.params["a"][0], ref.a.detach(), atol=1e-12)
    assert torch.allclose(out.params["c"][0], ref.c.detach(), atol=1e-12)
    if not bias:
        assert torch.count_nonzero(out.params["c"]) == 0
    with torch.no_grad():
        test_err = float(((ref(mem.data.x_test) - mem.data.f_test) ** 2).mean())
    assert out.metrics["test_error_raw"] == pytest.approx(test_err, rel=1e-10)


def test_init_conventions():
    run = make_run(width=4000, d=50, scaling="standard", init_scale=2.0)
    p = init_params(run)
    assert float(p["W"].std()) == pytest.approx(2.0 / math.sqrt(50), rel=0.02)
    assert float(p["a"].std()) == pytest.approx(2.0 / math.sqrt(4000), rel=0.05)
    p2 = init_params(make_run(width=4000, d=50, scaling="mean_field"))
    assert float(p2["a"].std()) == pytest.approx(1.0, rel=0.05)


def test_random_features_train_only_outer_layer():
    run = make_run(family="random_features", width=10, steps=10)
    mem = _member(run)
    out = train_autograd([mem], CPU, F64)[0]
    assert torch.equal(out.params["W"][0], mem.init["W"])
    assert not torch.equal(out.params["a"][0], mem.init["a"])


def test_resnet_forward_and_adam_match_reference():
    run = make_run(family="resnet", width=5, depth=3, state_width=4, d=3, n=16, steps=12, lr=0.01,
                   optimizer="adam", activation="tanh")
    mem = _member(run)
    out = train_autograd([mem], CPU, F64)[0]
    p = {k: nn.Parameter(v.clone()) for k, v in mem.init.items()}
    L = 3

    def ref(x):
        xt = torch.cat([x, torch.ones(x.shape[0], 1, dtype=F64)], 1)
        z = xt @ p["V"].T
        for l in range(L):
            z = z + (1.0 / L) * torch.tanh(z @ p["Wr"][l].T) @ p["U"][l].T
        return z @ p["alpha"]

    init_out = families.forward(run, families.stack_members([mem.init]), mem.data.x_train.unsqueeze(0))[0]
    assert torch.allclose(init_out, ref(mem.data.x_train), atol=1e-12)
    opt = torch.optim.Adam(list(p.values()), lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for _ in range(12):
        opt.zero_grad()
        ((ref(mem.data.x_train) - mem.data.y_train) ** 2).mean().backward()
        opt.step()
    for k in p:
        assert torch.allclose(out.params[k][0], p[k].detach(), atol=1e-10), k


def test_deep_sgd_momentum_matches_reference():
    run = make_run(family="deep", widths=(7, 5), width=7, depth=2, d=3, n=24, steps=10, lr=0.05,
                   optimizer="sgd", batch=24, momentum=0.9)
    mem = _member(run)
    out = train_autograd([mem], CPU, F64)[0]
    init = mem.init
    net = nn.Sequential(nn.Linear(3, 7), nn.ReLU(), nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 1, bias=False)).double()
    with torch.no_grad():
        net[0].weight.copy_(init["W0"])
        net[0].bias.copy_(init["b0"])
        net[2].weight.copy_(init["W1"])
        net[2].bias.copy_(init["b1"])
        net[4].weight.copy_(init["a"].unsqueeze(0))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    # batch = n with sampling WITH replacement: replay the same indices as the trainer's generator.
    gen = torch.Generator().manual_seed(run.seed + 2_000_003)
    for _ in range(10):
        idx = torch.randint(24, (24,), generator=gen)
        opt.zero_grad()
        ((net(mem.data.x_train[idx]).squeeze(-1) - mem.data.y_train[idx]) ** 2).mean().backward()
        opt.step()
    assert torch.allclose(out.params["W1"][0], net[2].weight.detach(), atol=1e-12)
    assert torch.allclose(out.params["a"][0], net[4].weight.detach()[0], atol=1e-12)


def test_path_norm_penalty_and_norm_values():
    run = make_run(width=5, d=4, n=50, penalty="path_norm", lam=4.0)
    p = families.stack_members([init_params(run)])
    expected = float((p["a"].abs() * (p["W"].abs().sum(-1) + p["c"].abs())).sum())
    assert float(families.norm("path_norm", run, p)[0]) == pytest.approx(expected)
    assert run.conventions.penalty_factor == pytest.approx(math.sqrt(2 * math.log(10) / 50))
    rf = make_run(family="random_features", width=9, scaling="mean_field")
    prf = families.stack_members([init_params(rf)])
    a_norm = (1 / 9) * 9 * prf["a"][0]  # a' = m * scale * a
    assert float(families.norm("rkhs_norm", rf, prf)[0]) == pytest.approx(float(torch.sqrt((a_norm ** 2).mean())))


def test_weighted_path_norm_reference():
    run = make_run(family="resnet", width=3, depth=2, state_width=4, d=2)
    p = families.stack_members([init_params(run)])
    V, U, Wr, al = p["V"][0], p["U"][0], p["Wr"][0], p["alpha"][0]
    M = torch.eye(4, dtype=F64)
    for l in range(2):
        M = (torch.eye(4, dtype=F64) + 3 * (U[l].abs() / 2) @ Wr[l].abs()) @ M
    expected = float((al.abs() @ M @ V.abs()).abs().sum())
    assert float(families.norm("weighted_path_norm", run, p)[0]) == pytest.approx(expected)


def test_half_mse_and_logistic_losses():
    from mlc.compiler.lower.losses import loss_per_member
    f = torch.tensor([[0.5, -1.0]], dtype=F64)
    y = torch.tensor([[1.0, 1.0]], dtype=F64)
    assert float(loss_per_member("mse", f, y)[0]) == pytest.approx((0.25 + 4) / 2)
    assert float(loss_per_member("half_mse", f, y)[0]) == pytest.approx((0.25 + 4) / 4)
    assert float(loss_per_member("logistic", f, y)[0]) == pytest.approx(
        (math.log1p(math.exp(-0.5)) + math.log1p(math.exp(1.0))) / 2)


# ----------------------------------------------------------------------------------------------
# Bug 9 (ResNet depth): the forward and the weighted path norm by hand, the norm bounded in depth, and the
# shipped spec's penalty below the zero predictor's error
# ----------------------------------------------------------------------------------------------


def _tiny_resnet() -> tuple[ir.Run, dict[str, torch.Tensor]]:
    """d = 1 with a bias (x~ = (x, 1)), D = 2, m = 1, L = 2, standard scaling."""
    run = make_run(family="resnet", width=1, depth=2, state_width=2, d=1)
    params = {
        "V": torch.tensor([[[1.0, 2.0], [0.0, 1.0]]], dtype=F64),  # (E, D, d~)
        "U": torch.tensor([[[[-2.0], [0.0]], [[0.0], [2.0]]]], dtype=F64),  # (E, L, D, m)
        "Wr": torch.tensor([[[[1.0, 1.0]], [[1.0, 0.0]]]], dtype=F64),  # (E, L, m, D)
        "alpha": torch.tensor([[1.0, -2.0]], dtype=F64),  # (E, D)
    }
    return run, params


def test_resnet_forward_by_hand() -> None:
    run, p = _tiny_resnet()
    # x = 0.5: z0 = V (0.5, 1) = (2.5, 1); block 1: relu((1, 1).z0) = 3.5, z1 = z0 + (1/2)(-2, 0) 3.5 = (-1, 1);
    # block 2: relu((1, 0).z1) = relu(-1) = 0, z2 = z1; f = alpha.z2 = -1 - 2 = -3.
    f = families.forward(run, p, torch.tensor([[[0.5]]], dtype=F64))
    assert float(f[0, 0]) == pytest.approx(-3.0)


@pytest.mark.parametrize("depth,scaling", [(1, "standard"), (3, "mean_field"), (6, "ntk")])
def test_resnet_forward_against_a_loop_over_the_layers(depth: int, scaling: str) -> None:
    run = make_run(family="resnet", width=5, depth=depth, state_width=4, d=3, scaling=scaling, init_scale=0.7)
    mem = _member(run)
    p = mem.init
    x = mem.data.x_train
    scale = {"standard": 1.0, "mean_field": 1 / 4, "ntk": 1 / math.sqrt(4)}[scaling]
    out = torch.empty(x.shape[0], dtype=F64)
    for i in range(x.shape[0]):  # one input at a time, one layer at a time
        z = p["V"] @ torch.cat([x[i], torch.ones(1, dtype=F64)])
        for l in range(depth):
            z = z + p["U"][l] @ torch.relu(p["Wr"][l] @ z) / depth
        out[i] = scale * (p["alpha"] @ z)
    got = families.forward(run, families.stack_members([p]), x.unsqueeze(0))[0]
    assert torch.allclose(got, out, atol=1e-12)


def test_weighted_path_norm_by_hand() -> None:
    run, p = _tiny_resnet()
    # REFERENCE §2.4: || |alpha|^T (I + 3|U_2/L||W_2|)(I + 3|U_1/L||W_1|) |V| ||_1 with U/L (our 1/L absorbed):
    # 3|U_1/2||W_1| = [[3, 3], [0, 0]], 3|U_2/2||W_2| = [[0, 0], [3, 0]];
    # (1, 2) [[1, 0], [3, 1]] = (7, 2); (7, 2) [[4, 3], [0, 1]] = (28, 23); (28, 23) [[1, 2], [0, 1]] = (28, 79).
    assert float(families.norm("weighted_path_norm", run, p)[0]) == pytest.approx(28 + 79)


def test_weighted_path_norm_at_init_is_bounded_in_depth() -> None:
    """With the 1/L blocks the product of the L factors tends to exp(3 E|U||W|) (REFERENCE §2.4): bounded in L.
    A block without its 1/L would grow like (1 + 3 E|U||W|)^L (about 7^L here)."""
    def wpn(depth: int) -> float:
        vals = []
        for seed in range(3):
            run = make_run(family="resnet", width=16, depth=depth, state_width=12, d=8, init_scale=0.5, seed=seed)
            vals.append(float(families.norm("weighted_path_norm", run, families.stack_members([init_params(run)]))[0]))
        return sum(vals) / len(vals)

    w4, w16, w64 = wpn(4), wpn(16), wpn(64)
    assert w4 < w16 < w64 < 2.5 * w16


def test_shipped_resnet_spec_penalty_is_below_the_zero_predictors_error() -> None:
    """specs/resnet_depth.ml: at every depth, lambda c ||theta_0||_WP at init is well below mean f*^2, so the
    penalty does not crush the nets (with lambda = 0.01 it was 4-9x the zero predictor's error at depth 8-16)."""
    plan = compile_path(str(Path(__file__).resolve().parents[1] / "specs" / "resnet_depth.ml")).plan
    assert plan is not None
    for run in plan.runs:
        mem = _member(run)
        lam = torch.tensor([run.train.penalty.lam], dtype=F64)
        start = float(penalty_per_member(run, families.stack_members([mem.init]), lam)[0])
        assert start < 0.2 * float(mem.data.f_test.pow(2).mean()), run.model.depth
