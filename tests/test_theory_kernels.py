"""Kernels of compiler.theory.kernels against Monte Carlo with wide random features, and the closed-form
GD trajectories against GD run step by step."""

from __future__ import annotations

import math

import pytest
import torch

from mlc.compiler import conventions, ir
from mlc.compiler.lower.closed_forms import gd_exact_path
from mlc.compiler.theory import kernels as K

torch.set_default_dtype(torch.float64)


def _points(n: int, d: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, d, generator=g, dtype=torch.float64) * 2 - 1


def test_arccos_kernel_matches_monte_carlo_gaussian_features_with_bias() -> None:
    d, m = 5, 400_000
    x = _points(6, d, 0)
    g = torch.Generator().manual_seed(1)
    w = torch.randn(m, d, generator=g) / math.sqrt(d)
    c = torch.randn(m, generator=g) / math.sqrt(d)
    phi = torch.relu(x @ w.T + c)
    mc = phi @ phi.T / m
    exact = K.rf_kernel(x, x, bias=True, w_var=1.0 / d)
    assert torch.allclose(mc, exact, rtol=0.03, atol=2e-3)


def test_sphere_features_divide_by_dimension_of_augmented_input() -> None:
    d, m = 4, 400_000
    x = _points(5, d, 2)
    g = torch.Generator().manual_seed(3)
    w = torch.randn(m, d + 1, generator=g)
    w = w / w.norm(dim=1, keepdim=True)
    xt = K.augment(x, True)
    phi = torch.relu(xt @ w.T)
    mc = phi @ phi.T / m
    exact = K.rf_kernel(x, x, bias=True, features="sphere")
    assert torch.allclose(mc, exact, rtol=0.03, atol=2e-3)
    # dividing by d instead of d + 1 would be clearly wrong
    assert not torch.allclose(mc, exact * (d + 1) / d, rtol=0.03, atol=2e-3)


def test_ntk_matches_empirical_ntk_of_a_wide_net() -> None:
    d, m = 3, 200_000
    x = _points(4, d, 4)
    g = torch.Generator().manual_seed(5)
    w = (torch.randn(m, d, generator=g) / math.sqrt(d)).requires_grad_()
    c = (torch.randn(m, generator=g) / math.sqrt(d)).requires_grad_()
    a = torch.randn(m, generator=g).requires_grad_()
    grads = []
    for i in range(x.shape[0]):
        f = torch.relu(x[i] @ w.T + c) @ a / math.sqrt(m)
        gw, gc, ga = torch.autograd.grad(f, (w, c, a))
        grads.append(torch.cat([gw.flatten(), gc, ga]))
    jac = torch.stack(grads)
    emp = jac @ jac.T
    exact = K.ntk_kernel(x, x, bias=True, w_var=1.0 / d, a_var=1.0)
    assert torch.allclose(emp, exact, rtol=0.03, atol=3e-3)


def test_rf_closed_form_equals_gd_step_by_step() -> None:
    n, m = 20, 30
    g = torch.Generator().manual_seed(6)
    phi = torch.randn(n, m, generator=g)
    y = torch.randn(n, generator=g)
    a0 = torch.randn(m, generator=g) * 0.1
    for k in (1.0, 2.0):  # half_mse, mse
        lr = 0.05
        a = a0.clone()
        for _ in range(300):
            a = a - lr * k * phi.T @ (phi @ a - y) / n
        closed = gd_exact_path(phi, y, a0, lr, k, [300])[0]
        assert torch.allclose(a, closed, atol=1e-9)


def test_rf_closed_form_tends_to_min_norm_solution() -> None:
    n, m = 10, 25
    g = torch.Generator().manual_seed(7)
    phi = torch.randn(n, m, generator=g)
    y = torch.randn(n, generator=g)
    a_inf = gd_exact_path(phi, y, torch.zeros(m), 0.05, 1.0, [200_000])[0]
    assert torch.allclose(a_inf, torch.linalg.pinv(phi) @ y, atol=1e-8)


def test_kernel_gd_in_function_space_equals_iterating() -> None:
    n = 15
    x = _points(n, 3, 8)
    y = torch.sin(3 * x[:, 0])
    gmat = K.rf_kernel(x, x)
    xt = _points(7, 3, 9)
    gt = K.rf_kernel(xt, x)
    rate, steps = 1.5 / float(torch.linalg.eigvalsh(gmat)[-1]), 500
    test, train, diverged = K.kernel_gd(gmat, gt, y, rate, steps)
    assert not diverged
    # iterate the parameter form: u = G alpha, alpha <- alpha - rate (G alpha - y)
    alpha = torch.zeros(n)
    for _ in range(steps):
        alpha = alpha - rate * (gmat @ alpha - y)
    assert torch.allclose(train, gmat @ alpha, atol=1e-9)
    assert torch.allclose(test, gt @ alpha, atol=1e-9)
    _, _, diverged = K.kernel_gd(gmat, gt, y, 2.5 / float(torch.linalg.eigvalsh(gmat)[-1]), 10)
    assert diverged


def _rf_run(m: int, solve: str, scaling: str = "ntk", steps: int = 200, lr: float = 0.5) -> ir.Run:
    iterative = solve not in ir.CLOSED_FORM_SOLVES
    model = ir.Model(name="rf", family="random_features", width=m, scaling=scaling)
    train = ir.Train(model="rf", loss="mse", solve=solve, steps=steps if iterative else None,
                     optimizer=ir.Optimizer(lr=lr) if iterative else None)
    inp, data = ir.InputDist(kind="cube", dim=3), ir.Data(n=40, n_test=500)
    return ir.Run(
        index=0, hash="h", seed=0, model=model, train=train, input=inp,
        target=ir.FormulaTarget(expr=ir.Call(fn="sin", args=(ir.Component(index=ir.Num(value=1)),))),
        space=ir.Space(kind="rkhs"), data=data, conventions=conventions.resolve(model, train, inp, data))


def test_infinite_width_prediction_matches_a_very_wide_random_feature_model() -> None:
    """The min-norm RF with m ≫ n approaches the kernel interpolant; GD (with its random start) as well."""
    d, n, m = 3, 40, 60_000
    x, xt = _points(n, d, 10), _points(500, d, 11)
    y, yt = torch.sin(x[:, 0]), torch.sin(xt[:, 0])
    g = torch.Generator().manual_seed(12)
    w = torch.randn(m, d, generator=g) / math.sqrt(d)
    c = torch.randn(m, generator=g) / math.sqrt(d)
    scale = 1 / math.sqrt(m)
    phi, phit = scale * torch.relu(x @ w.T + c), scale * torch.relu(xt @ w.T + c)
    pred = K.infinite_width_prediction(_rf_run(m, "min_norm"), x, y, xt, yt)
    a = torch.linalg.pinv(phi) @ y
    measured = float(((phit @ a - yt) ** 2).mean())
    assert pred["available"]
    assert measured == pytest.approx(pred["predicted_test_error"], rel=0.15)
    # GD for 200 steps from a random start: average over draws of a_0
    run = _rf_run(m, "gd")
    pred = K.infinite_width_prediction(run, x, y, xt, yt)
    errs = []
    for s in range(20):
        a0 = torch.randn(m, generator=torch.Generator().manual_seed(100 + s))
        aT = gd_exact_path(phi, y, a0, 0.5, 2.0, [200])[0]
        errs.append(float(((phit @ aT - yt) ** 2).mean()))
    assert sum(errs) / len(errs) == pytest.approx(pred["predicted_test_error"], rel=0.25)
    assert pred["init_variance"] > 0


def test_infinite_width_prediction_declines_other_models() -> None:
    run = conventions.refreshed(_rf_run(10, "gd"), model=ir.Model(name="n", family="resnet", width=8))
    x = _points(5, 3, 0)
    out = K.infinite_width_prediction(run, x, x[:, 0], x, x[:, 0])
    assert out["available"] is False and "resnet" in out["reason"]
