"""Target formulas, teacher networks and seeded samplers."""

from __future__ import annotations

import math

import pytest
import torch

from mlc.compiler import ir
from mlc.compiler.lower.samplers import make_dataset, sample_inputs
from mlc.compiler.lower.targets import TargetError, formula_function, teacher_function
from mlc.compiler.teacher import teacher_weights

F64 = torch.float64


def _x(n=7, d=4, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64)


def num(v):
    return ir.Num(value=v)


def comp(i):
    return ir.Component(index=num(i))


def test_components_are_one_based_and_arithmetic():
    # relu(x[1]) - 0.5 * relu(x[2] + x[3])
    expr = ir.Binary(op="-", left=ir.Call(fn="relu", args=(comp(1),)),
                     right=ir.Binary(op="*", left=num(0.5),
                                     right=ir.Call(fn="relu", args=(ir.Binary(op="+", left=comp(2), right=comp(3)),))))
    x = _x()
    expected = torch.relu(x[:, 0]) - 0.5 * torch.relu(x[:, 1] + x[:, 2])
    assert torch.allclose(formula_function(expr)(x), expected)


def test_norms_power_exp():
    # exp(-norm(x)^2 / 2), norm(x, 1), norm(x, inf)
    x = _x()
    gauss = ir.Call(fn="exp", args=(ir.Neg(arg=ir.Binary(op="/", left=ir.Binary(
        op="^", left=ir.Norm(arg=ir.InputVar()), right=num(2)), right=num(2))),))
    assert torch.allclose(formula_function(gauss)(x), torch.exp(-(x * x).sum(1) / 2))
    assert torch.allclose(formula_function(ir.Norm(arg=ir.InputVar(), p=1))(x), x.abs().sum(1))
    assert torch.allclose(formula_function(ir.Norm(arg=ir.InputVar(), p=math.inf))(x), x.abs().amax(1))


def test_sum_with_index_var_and_dot_with_vector():
    # sum(i in 1..3, x[i]^2) + dot(x, [1, -1, 0.5, 2]) + cos(x - [1,1,1,1]) normed
    x = _x()
    body = ir.Binary(op="^", left=ir.Component(index=ir.IndexVar(name="i")), right=num(2))
    s = ir.Sum(var="i", lo=1, hi=3, body=body)
    dot = ir.Dot(left=ir.InputVar(), right=ir.Vector(values=(1, -1, 0.5, 2)))
    shifted = ir.Norm(arg=ir.Binary(op="-", left=ir.InputVar(), right=ir.Vector(values=(1, 1, 1, 1))))
    expr = ir.Binary(op="+", left=ir.Binary(op="+", left=s, right=dot), right=shifted)
    expected = (x[:, :3] ** 2).sum(1) + x @ torch.tensor([1, -1, 0.5, 2], dtype=F64) + (x - 1).norm(dim=1)
    assert torch.allclose(formula_function(expr)(x), expected)


def test_min_max_and_constant():
    x = _x()
    expr = ir.Call(fn="max", args=(comp(1), comp(2), num(0.0)))
    assert torch.allclose(formula_function(expr)(x), torch.clamp(torch.maximum(x[:, 0], x[:, 1]), min=0))
    assert torch.equal(formula_function(num(2.5))(x), torch.full((7,), 2.5, dtype=F64))


def test_errors_are_clear():
    with pytest.raises(TargetError, match="out of range"):
        formula_function(comp(5))(_x(d=4))
    with pytest.raises(TargetError, match="vector"):
        formula_function(ir.InputVar())(_x())


def test_teacher_weights_follow_the_ir_docstring():
    t = ir.TeacherTarget(width=3, seed=5, bias=True)
    w = teacher_weights(t, 4)
    gen = torch.Generator().manual_seed(5)
    b = torch.randn(3, 4, generator=gen, dtype=F64) / 2
    c = torch.randn(3, generator=gen, dtype=F64) / 2
    a = torch.randn(3, generator=gen, dtype=F64) / math.sqrt(3)
    assert torch.equal(w["b"], b) and torch.equal(w["c"], c) and torch.equal(w["a"], a)
    x = _x()
    assert torch.allclose(teacher_function(t, ir.InputDist(kind="cube", dim=4))(x), torch.relu(x @ b.T + c) @ a)


@pytest.mark.parametrize("kind", ["cube", "sphere", "ball", "gaussian"])
def test_samplers(kind):
    dist = ir.InputDist(kind=kind, dim=5, std=2.0 if kind == "gaussian" else None)
    x = sample_inputs(dist, 4000, torch.Generator().manual_seed(0))
    norms = x.norm(dim=1)
    if kind == "cube":
        assert x.abs().max() <= 1 and x.min() < -0.95 and x.max() > 0.95
    elif kind == "sphere":
        assert torch.allclose(norms, torch.ones_like(norms))
    elif kind == "ball":
        assert norms.max() <= 1 and float((norms < 0.5).double().mean()) == pytest.approx(0.5 ** 5, abs=0.02)
    else:
        assert float(x.std()) == pytest.approx(2.0, rel=0.05)


def test_grid_inputs():
    dist = ir.InputDist(kind="grid", dim=1, low=-5, high=5, points=11)
    ds = make_dataset(dist, ir.Data(n=11, n_test=50), ir.TeacherTarget(width=2), seed=0)
    assert torch.allclose(ds.x_train[:, 0], torch.linspace(-5, 5, 11, dtype=F64))
    assert ds.x_test.min() >= -5 and ds.x_test.max() <= 5


def test_data_depends_only_on_seed_and_noise_only_on_train_labels():
    dist = ir.InputDist(kind="cube", dim=3)
    t = ir.TeacherTarget(width=2)
    a = make_dataset(dist, ir.Data(n=10, n_test=20), t, seed=3)
    b = make_dataset(dist, ir.Data(n=10, n_test=20, noise=0.5), t, seed=3)
    c = make_dataset(dist, ir.Data(n=10, n_test=20), t, seed=4)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.x_test, b.x_test)
    assert torch.equal(a.f_train, b.f_train) and not torch.equal(a.y_train, b.y_train)
    assert not torch.equal(a.x_train, c.x_train)
