"""Teachers (issue 10, item 3): weight laws, given weights, normalisation to unit sd, against numpy references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mlc.compiler import ir
from mlc.compiler.lower.samplers import make_dataset, sample_inputs
from mlc.compiler.lower.targets import teacher_function
from mlc.compiler.pipeline import compile_text
from mlc.compiler.teacher import NORMALISE_SEED_OFFSET, normalisation, teacher_weights
from mlc.compiler.theory.norms import barron_norm_bound

CUBE3 = ir.InputDist(kind="cube", dim=3)


def teacher_of(text: str, domain: str = "cube(d)", d: int = 3) -> tuple[ir.TeacherTarget, ir.InputDist]:
    spec = (f"problem t\nlet d = {d}\ninput x ~ uniform({domain})\ntarget f* = teacher two_layer({text})\n"
            "data { n = 20   n_test = 30 }\nmodel net = two_layer(width = 4)\n")
    outcome = compile_text(spec)
    assert outcome.plan is not None, outcome.rendered
    run = outcome.plan.runs[0]
    assert isinstance(run.target, ir.TeacherTarget)
    return run.target, run.input


def relu_net(a: np.ndarray, b: np.ndarray, c: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.maximum(x @ b.T + c, 0.0) @ a


def test_sphere_and_uniform_laws() -> None:
    t, _ = teacher_of("width = 50, law = sphere, bias = true, seed = 4")
    w = teacher_weights(t, 3)
    g = torch.Generator().manual_seed(4)
    raw = torch.randn(50, 3, generator=g, dtype=torch.float64).numpy()
    assert np.allclose(w["b"].numpy(), raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-15)
    c = (torch.rand(50, generator=g, dtype=torch.float64) * 2 - 1).numpy()
    assert np.array_equal(w["c"].numpy(), c)
    assert np.allclose(w["a"].numpy(), torch.randn(50, generator=g, dtype=torch.float64).numpy() / math.sqrt(50))
    u, _ = teacher_of("width = 50, law = uniform, seed = 4")
    wu = teacher_weights(u, 3)
    assert wu["b"].abs().max() <= 1 and wu["b"].min() < -0.5 and not wu["c"].any()


def test_given_weights_define_the_network() -> None:
    t, dist = teacher_of("a = [1, -0.5], b = [[1, 0, 0], [0, 1, 1]], c = [0, 0.25]")
    assert t.width == 2 and t.bias and t.weights is not None
    x = sample_inputs(dist, 100, torch.Generator().manual_seed(1))
    expected = relu_net(np.array([1, -0.5]), np.array([[1.0, 0, 0], [0, 1, 1]]), np.array([0, 0.25]), x.numpy())
    assert np.allclose(teacher_function(t, dist)(x).numpy(), expected, atol=1e-15)
    no_bias, _ = teacher_of("a = [2], b = [[1, 1, 1]]")
    assert not no_bias.bias and no_bias.weights is not None and no_bias.weights.c == (0.0,)


@pytest.mark.parametrize("center", [False, True])
def test_normalisation_matches_a_numpy_monte_carlo(center: bool) -> None:
    flag = "true" if center else "false"
    t, dist = teacher_of(f"width = 8, bias = true, seed = 1, normalize = sd(points = 70000, center = {flag}, "
                         "seed = 2)")
    raw = teacher_weights(t, 3)
    a, b, c = (raw[k].numpy() for k in ("a", "b", "c"))
    g = torch.Generator().manual_seed(2 + NORMALISE_SEED_OFFSET)
    x = np.concatenate([sample_inputs(dist, 65536, g).numpy(), sample_inputs(dist, 70000 - 65536, g).numpy()])
    f = relu_net(a, b, c, x)
    mean, sd = f.mean(), f.std()  # the population sd, as documented
    stats = normalisation(t, dist)
    assert stats is not None and stats.points == 70000
    assert stats.mean == pytest.approx(mean, rel=1e-12) and stats.sd == pytest.approx(sd, rel=1e-12)
    # The trained-against target is f*/sd (or (f* - mean)/sd): unit variance under the input law, on fresh points.
    fresh = sample_inputs(dist, 200_000, torch.Generator().manual_seed(99))
    y = teacher_function(t, dist)(fresh).numpy()
    assert y.std() == pytest.approx(1.0, rel=0.02)
    assert y.mean() == pytest.approx(0.0 if center else mean / sd, abs=0.01)
    ref = (relu_net(a, b, c, fresh.numpy()) - (mean if center else 0.0)) / sd
    assert np.allclose(y, ref, atol=1e-12)


def test_a_normalised_teachers_norm_and_data_follow_the_scaled_network() -> None:
    t, dist = teacher_of("width = 6, seed = 3, normalize = sd(points = 20000, center = true)")
    plain, _ = teacher_of("width = 6, seed = 3")
    stats = normalisation(t, dist)
    assert stats is not None
    scaled = barron_norm_bound(t, dist).value
    base = barron_norm_bound(plain, dist).value
    assert scaled == pytest.approx(base / stats.sd + abs(stats.mean) / stats.sd, rel=1e-12)
    data = make_dataset(dist, ir.Data(n=20, n_test=30), t, seed=0)
    ref = make_dataset(dist, ir.Data(n=20, n_test=30), plain, seed=0)
    assert torch.equal(data.x_train, ref.x_train)
    assert torch.allclose(data.f_train, (ref.f_train - stats.mean) / stats.sd, atol=1e-12)


def test_normalisation_is_in_the_hash_and_absent_by_default() -> None:
    plain, _ = teacher_of("width = 6")
    assert set(plain.model_dump(mode="json")) == {"kind", "family", "width", "activation", "bias", "seed"}
    normalised, _ = teacher_of("width = 6, normalize = sd")
    assert normalised.normalize == ir.TeacherNormalize(points=100_000, center=False, seed=0)
    assert ir.content_hash(plain) != ir.content_hash(normalised)
