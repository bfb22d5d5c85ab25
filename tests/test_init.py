"""Initialisation, seeds and nested features (issue 10, items 1 and 2) against hand-written torch references.

Each run is compiled from spec text, so the test covers the language, the IR and the lowering together.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from mlc.compiler import ir
from mlc.compiler.lower.ensemble import MODEL_SEED_OFFSET, Member, init_params, train_autograd
from mlc.compiler.lower.samplers import NOISE_SEED_OFFSET, make_dataset, sample_inputs
from mlc.compiler.pipeline import compile_text

F64 = torch.float64
CPU = torch.device("cpu")


def runs(model: str, *, data: str = "n = 20   n_test = 30", sweep: str = "", train: str = "steps = 5",
         d: int = 3) -> list[ir.Run]:
    text = (f"problem t\nlet d = {d}\ninput x ~ uniform(cube(d))\ntarget f*(x) = relu(x[1]) + x[2]\n"
            f"data {{ {data} }}\nmodel net = {model}\ntrain {{ {train} }}\n{sweep}\n")
    outcome = compile_text(text)
    assert outcome.plan is not None, outcome.rendered
    return list(outcome.plan.runs)


def one(model: str, **kw: str) -> ir.Run:
    return runs(model, **kw)[0]


def gen_of(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed + MODEL_SEED_OFFSET)


def test_default_init_is_the_original_rule() -> None:
    # N(0, s^2/d) for W and c, N(0, s^2/m) for a under standard scaling: the numbers of every earlier release.
    run = one("two_layer(width = 7, init_scale = 0.5)")
    p = init_params(run)
    g = gen_of(0)
    W = torch.randn(7, 3, generator=g, dtype=F64) * (0.5 / math.sqrt(3))
    c = torch.randn(7, generator=g, dtype=F64) * (0.5 / math.sqrt(3))
    a = torch.randn(7, generator=g, dtype=F64) * (0.5 / math.sqrt(7))
    assert torch.equal(p["W"], W) and torch.equal(p["c"], c) and torch.equal(p["a"], a)


def test_xavier_uniform_is_torchs() -> None:
    run = one("two_layer(width = 9, init = xavier_uniform)")
    p = init_params(run)
    g = gen_of(0)
    W = nn.init.xavier_uniform_(torch.empty(9, 3, dtype=F64), generator=g)
    bound = math.sqrt(3.0) * math.sqrt(2.0 / 12)
    c = torch.empty(9, dtype=F64).uniform_(-bound, bound, generator=g)
    a = nn.init.xavier_uniform_(torch.empty(1, 9, dtype=F64), generator=g)[0]
    assert torch.equal(p["W"], W) and torch.equal(p["c"], c) and torch.equal(p["a"], a)


def test_xavier_normal_and_he_are_torchs_on_a_deep_net() -> None:
    for law, ref in (("xavier_normal", lambda t, g: nn.init.xavier_normal_(t, generator=g)),
                     ("he", lambda t, g: nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu",
                                                                 generator=g))):
        run = one(f"deep(widths = [6, 5], init = {law}, bias = false)")
        p = init_params(run)
        g = gen_of(0)
        W0 = ref(torch.empty(6, 3, dtype=F64), g)
        assert torch.equal(p["W0"], W0), law
        assert not p["b0"].any() and not p["b1"].any()


def test_he_on_a_deep_net_layer_by_layer() -> None:
    run = one("deep(widths = [6, 5], init = he, bias = false)")
    p = init_params(run)
    g = gen_of(0)
    refs = [nn.init.kaiming_normal_(torch.empty(6, 3, dtype=F64), nonlinearity="relu", generator=g),
            nn.init.kaiming_normal_(torch.empty(5, 6, dtype=F64), nonlinearity="relu", generator=g),
            nn.init.kaiming_normal_(torch.empty(1, 5, dtype=F64), nonlinearity="relu", generator=g)[0]]
    for name, ref in zip(("W0", "W1", "a"), refs):
        assert torch.equal(p[name], ref), name


def test_zero_output_and_zero_bias_change_nothing_else() -> None:
    base = init_params(one("two_layer(width = 8)"))
    zero = init_params(one("two_layer(width = 8, output_init = zero, bias_init = zero)"))
    assert not zero["a"].any() and not zero["c"].any()
    assert torch.equal(zero["W"], base["W"])
    rf = init_params(one("random_features(width = 8, output_init = zero)"))
    assert not rf["a"].any() and torch.equal(rf["W"], base["W"]) and torch.equal(rf["c"], base["c"])


def test_zero_output_starts_gd_at_the_zero_function() -> None:
    # The random-feature GD theory starts at a(0) = 0: f_0 = 0, and the first step is -lr * grad at a = 0.
    run = one("random_features(width = 10, output_init = zero)", train="steps = 1   optimizer = gd(lr = 0.1)")
    data = make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64)
    member = Member(run, data, init_params(run))
    out = train_autograd([member], CPU, F64)[0]
    W, c = member.init["W"], member.init["c"]
    phi = torch.relu(data.x_train @ W.T + c)  # standard scaling: f = phi a
    grad = 2.0 / data.x_train.shape[0] * phi.T @ (0.0 - data.y_train)
    assert torch.allclose(out.params["a"][0], -0.1 * grad, atol=1e-13)


def test_per_layer_scales_multiply_each_layers_std() -> None:
    base = init_params(one("two_layer(width = 8, init_scale = 2)"))
    scaled = init_params(one("two_layer(width = 8, init_scale = 2, init_scales = [0.5, 3])"))
    assert torch.allclose(scaled["W"], 0.5 * base["W"], rtol=1e-15)
    assert torch.allclose(scaled["c"], 0.5 * base["c"], rtol=1e-15)
    assert torch.allclose(scaled["a"], 3 * base["a"], rtol=1e-15)
    res = init_params(one("resnet(width = 4, depth = 2, init_scales = [1, 1, 1, 0.25])"))
    res_base = init_params(one("resnet(width = 4, depth = 2)"))
    assert torch.equal(res["V"], res_base["V"]) and torch.allclose(res["alpha"], 0.25 * res_base["alpha"])


@pytest.mark.parametrize("family", ["random_features", "two_layer"])
def test_nested_features_share_one_pool_per_seed(family: str) -> None:
    plan = runs(f"{family}(width = 8, features = nested, scaling = ntk)",
                sweep="sweep { width = [10, 150]   seed = 0..1 }")
    p = {(r.model.width, r.seed): init_params(r) for r in plan}
    for seed in (0, 1):
        small, big = p[(10, seed)], p[(150, seed)]
        for name in ("W", "c", "a"):  # ntk: the stds do not depend on m, so the units are equal
            assert torch.equal(big[name][:10], small[name]), name
    assert not torch.equal(p[(10, 0)]["W"], p[(10, 1)]["W"])
    # Under standard scaling a_k ~ N(0, 1/m): the same unit, rescaled.
    std = {r.model.width: init_params(r) for r in runs(f"{family}(width = 8, features = nested)",
                                                       sweep="sweep { width = [10, 150] }")}
    assert torch.allclose(std[150]["a"][:10] * math.sqrt(150), std[10]["a"] * math.sqrt(10), rtol=1e-14)


def test_fresh_features_are_not_nested() -> None:
    plan = runs("random_features(width = 8)", sweep="sweep { width = [10, 150] }")
    small, big = (init_params(r) for r in plan)
    assert not torch.equal(big["W"][:10], small["W"])


def test_model_seed_holds_the_features_while_the_data_vary() -> None:
    plan = runs("random_features(width = 8, seed = 5)", sweep="sweep { seed = 0..1 }")
    a, b = plan
    assert torch.equal(init_params(a)["W"], init_params(b)["W"])
    da = make_dataset(a.input, a.data, a.target, a.seed)
    db = make_dataset(b.input, b.data, b.target, b.seed)
    assert not torch.equal(da.x_train, db.x_train)
    g = torch.Generator().manual_seed(5 + MODEL_SEED_OFFSET)
    assert torch.equal(init_params(a)["W"], torch.randn(8, 3, generator=g, dtype=F64) * (1 / math.sqrt(3)))


def test_data_seed_holds_the_data_while_the_features_vary() -> None:
    a, b = runs("random_features(width = 8)", data="n = 20   n_test = 30   seed = 7", sweep="sweep { seed = 0..1 }")
    da = make_dataset(a.input, a.data, a.target, a.seed)
    db = make_dataset(b.input, b.data, b.target, b.seed)
    assert torch.equal(da.x_train, db.x_train) and torch.equal(da.x_test, db.x_test)
    assert not torch.equal(init_params(a)["W"], init_params(b)["W"])
    g = torch.Generator().manual_seed(7)
    assert torch.equal(da.x_train, sample_inputs(a.input, 20, g))


def test_noise_seed_draws_the_noise_apart() -> None:
    a, b = runs("two_layer(width = 4)", data="n = 20   n_test = 30   noise = 0.1   noise_seed = s",
                sweep="sweep { s = [3, 4] }")
    da = make_dataset(a.input, a.data, a.target, a.seed)
    db = make_dataset(b.input, b.data, b.target, b.seed)
    assert torch.equal(da.x_train, db.x_train) and not torch.equal(da.y_train, db.y_train)
    g = torch.Generator().manual_seed(3 + NOISE_SEED_OFFSET)
    assert torch.allclose(da.y_train - da.f_train, torch.randn(20, generator=g, dtype=F64) * 0.1, atol=1e-15)
    # Without a noise seed, the noise follows the inputs in the data generator (the original order).
    plain = one("two_layer(width = 4)", data="n = 20   n_test = 30   noise = 0.1")
    dp = make_dataset(plain.input, plain.data, plain.target, plain.seed)
    g = torch.Generator().manual_seed(0)
    sample_inputs(plain.input, 20, g), sample_inputs(plain.input, 30, g)
    assert torch.allclose(dp.y_train - dp.f_train, torch.randn(20, generator=g, dtype=F64) * 0.1, atol=1e-15)


def test_adam_eps_matches_torch() -> None:
    run = one("two_layer(width = 5, activation = tanh)", train="steps = 15   optimizer = adam(lr = 0.05, eps = 1e-3)")
    assert run.train.optimizer is not None and run.train.optimizer.eps == 1e-3
    data = make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64)
    member = Member(run, data, init_params(run))
    out = train_autograd([member], CPU, F64)[0]
    p = {k: nn.Parameter(v.clone()) for k, v in member.init.items()}
    opt = torch.optim.Adam(list(p.values()), lr=0.05, eps=1e-3)
    for _ in range(15):
        opt.zero_grad()
        f = torch.tanh(data.x_train @ p["W"].T + p["c"]) @ p["a"]
        ((f - data.y_train) ** 2).mean().backward()
        opt.step()
    for k in p:
        assert torch.allclose(out.params[k][0], p[k].detach(), atol=1e-12), k
