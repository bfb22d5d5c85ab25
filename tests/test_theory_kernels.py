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


def test_ntk_diagonal_is_exact_for_equal_inputs() -> None:
    """Regression (issue 10, item 4): θ from acos of a cosine that rounds to 1 − 2.2e-16 put a relative error of
    ~1e-8 on the NTK's diagonal; the half-angle form gives θ = 0 exactly, so Θ(x, x) = (w_var + a_var)‖x~‖²/2."""
    x = torch.randn(200, 7, generator=torch.Generator().manual_seed(3))
    xa = K.augment(x, True)
    sq = (xa * xa).sum(1)
    for w_var, a_var in ((1.0 / 7, 1.0), (0.3, 2.0)):
        diag = K.ntk_kernel(x, x, w_var=w_var, a_var=a_var).diagonal()
        assert torch.allclose(diag, (w_var + a_var) * sq / 2, rtol=1e-14, atol=0)
    assert torch.allclose(K.rf_kernel(x, x, bias=False).diagonal(), (x * x).sum(1) / 7 / 2, rtol=1e-14, atol=0)


def test_half_angle_matches_acos_where_acos_is_well_conditioned() -> None:
    x1, x2 = _points(40, 4, 11), _points(30, 4, 12)
    cos = (x1 @ x2.T) / (x1.norm(dim=1, keepdim=True) * x2.norm(dim=1).unsqueeze(0))
    theta = torch.arccos(cos)
    prod = x1.norm(dim=1, keepdim=True) * x2.norm(dim=1).unsqueeze(0)
    want = prod * (torch.sin(theta) + (math.pi - theta) * cos) / (2 * math.pi)
    assert torch.allclose(K.arccos1(x1, x2), want, rtol=1e-12, atol=1e-14)
    # antipodal and orthogonal pairs, and a zero input
    e = torch.eye(3)
    assert torch.allclose(K.arccos1(e[:1], -e[:1]), torch.zeros(1, 1), atol=1e-15)
    assert torch.allclose(K.arccos1(e[:1], e[1:2]), torch.full((1, 1), 1 / (2 * math.pi)), rtol=1e-14)
    assert float(K.arccos1(torch.zeros(1, 3), e[:1])) == 0.0


def _ill_conditioned(n: int, m: int, seed: int, smallest: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Phi = U diag(s) V^T with s_i^2 / n log-spaced from 1 down to ``smallest``, and labels y."""
    g = torch.Generator().manual_seed(seed)
    U, _ = torch.linalg.qr(torch.randn(n, n, generator=g))
    V, _ = torch.linalg.qr(torch.randn(m, m, generator=g))
    r = min(n, m)
    s = torch.sqrt(n * torch.logspace(0, math.log10(smallest), r))
    return U[:, :r] @ torch.diag(s) @ V[:, :r].T, torch.randn(n, generator=g)


def test_closed_form_resolves_modes_with_tiny_rates_as_step_by_step_gd() -> None:
    """exp(k log1p(−ηλ)) against float64 GD step by step on a Gram spectrum from 1 to 1e-13: with (1 − ηλ)^k the
    smallest modes move at a rate rounded to the 1.1e-16 spacing near 1 (a relative error up to ~1e-3 here)."""
    n = m = 12
    phi, y = _ill_conditioned(n, m, 5, 1e-13)
    lr, k, steps = 0.4, 2.0, 4000
    a = torch.zeros(m)
    for _ in range(steps):
        a = a - lr * k * phi.T @ (phi @ a - y) / n
    closed = gd_exact_path(phi, y, torch.zeros(m), lr, k, [steps])[0]
    _, _, Vh = torch.linalg.svd(phi)
    smallest = Vh[-1]  # the mode with ηkλ = 8e-14
    assert abs(float(smallest @ closed) / float(smallest @ a) - 1) < 1e-7
    assert torch.allclose(closed, a, rtol=1e-9, atol=1e-9)
    # the power form fails that comparison: it is what the closed form no longer does
    U, S, Vh = torch.linalg.svd(phi, full_matrices=False)
    zstar = (U.T @ y) / S
    power = Vh.T @ ((1 - (1 - lr * k * S**2 / n).pow(steps)) * zstar)
    assert abs(float(smallest @ power) / float(smallest @ a) - 1) > 1e-5


def test_gradient_flow_is_the_small_step_limit_and_ends_at_min_norm() -> None:
    n, m = 10, 16
    phi, y = _ill_conditioned(n, m, 8, 1e-6)
    a0 = torch.randn(m, generator=torch.Generator().manual_seed(9)) * 0.1
    t = 50.0
    flow = gd_exact_path(phi, y, a0, 1.0, 2.0, [0.0, t, math.inf], flow=True)
    assert torch.allclose(flow[0], a0, atol=1e-15)
    fine = gd_exact_path(phi, y, a0, 1e-4, 2.0, [t / 1e-4])[0]  # GD with η = 1e-4 for t/η steps
    assert torch.allclose(flow[1], fine, atol=1e-4 * float(fine.abs().max()))
    null = a0 - torch.linalg.pinv(phi) @ (phi @ a0)
    assert torch.allclose(flow[2], null + torch.linalg.pinv(phi) @ y, atol=1e-8)


def test_runs_on_one_seeds_data_compute_their_kernel_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The predictions of several widths and solves on the same data (a double-descent sweep's runs of one seed)
    share one Gram matrix per pair of point sets; the numbers are those of an uncached computation."""
    d = 3
    x, xt = _points(40, d, 20), _points(100, d, 21)
    y, yt = torch.sin(x[:, 0]), torch.sin(xt[:, 0])
    runs = [_rf_run(m, solve) for m in (20, 40, 80) for solve in ("min_norm", "gd_exact")]
    K._kernel_cache.clear()
    cold = [K.infinite_width_prediction(r, x, y, xt, yt)["predicted_test_error"] for r in runs]
    calls = []
    original = K.rf_kernel

    def counting(*args: object, **kwargs: object) -> torch.Tensor:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(K, "rf_kernel", counting)
    K._kernel_cache.clear()
    warm = [K.infinite_width_prediction(r, x, y, xt, yt)["predicted_test_error"] for r in runs]
    assert len(calls) == 3  # (X, X), (X_test, X) and the test diagonal (X_test, X_test), once for all six runs
    assert warm == cold
    other = _points(40, d, 22)  # other data: computed afresh
    K.infinite_width_prediction(runs[0], other, y, xt, yt)
    assert len(calls) == 5
