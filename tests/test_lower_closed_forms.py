"""Closed forms of random features: exact GD against GD step by step, min-norm and ridge against lstsq."""

from __future__ import annotations

import pytest
import torch

from mlc.compiler.lower.closed_forms import solve_closed_form
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_plan, make_run
from mlc.compiler.lower.families import features as rf_features
from mlc.compiler.lower.measure import rf_lambda_min
from mlc.compiler.lower.samplers import make_dataset
from mlc.runtime.execute import execute_plan

F64 = torch.float64
CPU = torch.device("cpu")


def _member(run):
    return Member(run, make_dataset(run.input, run.data, run.target, run.seed).to(CPU, F64), init_params(run))


@pytest.mark.parametrize("loss", ["mse", "half_mse"])
@pytest.mark.parametrize("width", [6, 40])  # under- and over-parameterised (n = 20)
def test_gd_exact_equals_gd_step_by_step(loss, width):
    kw = dict(family="random_features", width=width, n=20, steps=60, lr=0.05, loss=loss, record_every=20,
              metrics=("train_error", "test_error", "rkhs_norm"))
    exact = solve_closed_form(_member(make_run(solve="gd_exact", **kw)), CPU, F64)
    gd = train_autograd([_member(make_run(**kw))], CPU, F64)[0]
    assert torch.allclose(exact.params["a"], gd.params["a"], atol=1e-10)
    for k in gd.curves:
        assert exact.curves[k][0] == gd.curves[k][0]
        assert exact.curves[k][1] == pytest.approx(gd.curves[k][1], rel=1e-8, abs=1e-12)


def test_min_norm_and_ridge():
    run = make_run(family="random_features", width=50, n=20, solve="min_norm")
    mem = _member(run)
    out = solve_closed_form(mem, CPU, F64)
    phi = rf_features(run, {k: v.unsqueeze(0) for k, v in mem.init.items()}, mem.data.x_train)
    a_ref = torch.linalg.lstsq(phi, mem.data.y_train.unsqueeze(1), driver="gelsd").solution[:, 0]
    assert torch.allclose(out.params["a"][0], a_ref, atol=1e-8)
    assert out.metrics["train_error_raw"] < 1e-12  # interpolates (m > n)
    ridge_run = make_run(family="random_features", width=50, n=20, solve="ridge", penalty="weight_decay", lam=0.1)
    r = solve_closed_form(_member(ridge_run), CPU, F64)
    a = r.params["a"][0]
    # stationarity of (1/n)||Phi a - y||^2 + lam ||a||^2
    grad = 2 / 20 * phi.T @ (phi @ a - mem.data.y_train) + 2 * 0.1 * a
    assert grad.abs().max() < 1e-10


def test_lambda_min_is_smallest_nonzero_eigenvalue():
    run = make_run(family="random_features", width=8, n=30, solve="min_norm")
    mem = _member(run)
    params = {k: v.unsqueeze(0) for k, v in mem.init.items()}
    phi = rf_features(run, params, mem.data.x_train)
    eig = torch.linalg.eigvalsh(phi.T @ phi / 30)
    nonzero = eig[eig > 1e-10 * eig.max()]  # dead ReLU features give exact zeros, which are skipped
    expected = float(nonzero[0])
    assert rf_lambda_min(run, params, mem.data.x_train) == pytest.approx(expected, rel=1e-8)
    res = execute_plan(make_plan([run]), dtype="float64")[0]
    assert res.metrics["lambda_min"] == pytest.approx(expected, rel=1e-8)


def test_gd_exact_marks_divergence_like_step_by_step_gd():
    """A learning rate above 2/(k s_max²/n) diverges: the closed form says so, at the step GD says so."""
    kw = dict(family="random_features", width=40, n=20, steps=400, lr=50.0, loss="mse")
    exact = solve_closed_form(_member(make_run(solve="gd_exact", **kw)), CPU, F64)
    gd = train_autograd([_member(make_run(**kw))], CPU, F64)[0]
    assert gd.diverged_at is not None and exact.diverged_at is not None
    assert abs(exact.diverged_at - gd.diverged_at) <= 2
    assert all(torch.isfinite(v).all() for v in exact.params.values())


def test_logistic_errors_are_misclassification_rates():
    run = make_run(family="two_layer", loss="logistic", steps=30, n=64, n_test=128)
    out = train_autograd([_member(run)], CPU, F64)[0]
    for key, count in (("train_error", 64), ("test_error", 128)):
        assert 0.0 <= out.metrics[key] <= 1.0
        assert out.metrics[key] * count == pytest.approx(round(out.metrics[key] * count))  # a fraction of points


def test_runs_that_share_their_features_decompose_them_once(monkeypatch):
    """A min-norm model and GD models after two step counts on the same features (the runs of one width and
    seed in specs/rf_double_descent.ml): one SVD of Phi serves all three solves, the divergence test and
    lambda_min; no pseudo-inverse, matrix norm or second decomposition is computed, and nothing steps."""
    from mlc.compiler.lower import closed_forms

    closed_forms._svd_cache.clear()
    calls: dict[str, int] = {}

    def counting(name):
        original = getattr(torch.linalg, name)

        def wrapped(*args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)
        monkeypatch.setattr(torch.linalg, name, wrapped)

    for name in ("svd", "svdvals", "pinv", "matrix_norm", "lstsq"):
        counting(name)
    kw = dict(family="random_features", width=50, n=30, bias=False)
    runs = [make_run(solve="min_norm", **kw), make_run(solve="gd_exact", steps=1000, lr=0.1, **kw),
            make_run(solve="gd_exact", steps=1_000_000, lr=0.1, **kw)]
    outs = [solve_closed_form(_member(r), CPU, F64) for r in runs]
    assert calls == {"svd": 1}
    assert [o.steps_done for o in outs] == [0, 1000, 1_000_000]
    # the numbers are those of the separate references: lstsq for min-norm, lambda_min from the eigenvalues
    mem = _member(runs[0])
    params = {k: v.unsqueeze(0) for k, v in mem.init.items()}
    phi = rf_features(runs[0], params, mem.data.x_train)
    monkeypatch.undo()
    a_ref = torch.linalg.lstsq(phi, mem.data.y_train.unsqueeze(1), driver="gelsd").solution[:, 0]
    assert torch.allclose(outs[0].params["a"][0], a_ref, atol=1e-8)
    for out in outs:
        assert out.metrics["lambda_min"] == pytest.approx(rf_lambda_min(runs[0], params, mem.data.x_train), rel=1e-10)
    # and the two GD runs are the uncached closed form's (a fresh decomposition of the same matrix)
    closed_forms._svd_cache.clear()
    fresh = solve_closed_form(_member(runs[2]), CPU, F64)
    assert torch.equal(fresh.params["a"], outs[2].params["a"])


def test_a_different_feature_matrix_is_decomposed_again():
    """The cache is keyed by Phi's content: another seed's features are not served a stale SVD."""
    from mlc.compiler.lower import closed_forms

    kw = dict(family="random_features", width=40, n=30, solve="min_norm")
    outs = [solve_closed_form(_member(make_run(seed=s, **kw)), CPU, F64) for s in (0, 1)]
    for s, out in zip((0, 1), outs):
        mem = _member(make_run(seed=s, **kw))
        phi = rf_features(mem.run, {k: v.unsqueeze(0) for k, v in mem.init.items()}, mem.data.x_train)
        ref = torch.linalg.lstsq(phi, mem.data.y_train.unsqueeze(1), driver="gelsd").solution[:, 0]
        assert torch.allclose(out.params["a"][0], ref, atol=1e-8)
    assert len(closed_forms._svd_cache) <= closed_forms.SVD_CACHE_ENTRIES


def test_small_closed_forms_solve_on_one_thread():
    """A small closed form (and its kernel prediction) runs on one CPU thread, whatever the machine's count."""
    from mlc.compiler.lower.grouping import Group
    from mlc.runtime.execute import group_threads

    small = Group("closed_form", [make_run(family="random_features", width=400, n=100, n_test=500, solve="min_norm")])
    assert group_threads(small, CPU) == 1
    big = Group("closed_form", [make_run(family="random_features", width=20000, n=5000, solve="min_norm")])
    assert group_threads(big, CPU) == torch.get_num_threads()
