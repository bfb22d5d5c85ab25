"""The target f* as a torch function.

Input:  a :class:`~mlc.compiler.ir.FormulaTarget` (an Expr tree) or a :class:`~mlc.compiler.ir.TeacherTarget`.
Output: a callable ``f(x: Tensor (n, d)) -> Tensor (n,)``.
Role:   walk the Expr IR node by node and build torch operations (no text is ever evaluated), with the
        torch implementations of the function table (``mlc.compiler.functions``, resolved here so that the
        front end never imports torch); evaluate the teacher network with the weights of
        ``mlc.compiler.teacher`` (which the theory reads too).

Values during the walk are either scalars (shape (n,) or ()) or vectors (shape (n, k) or (k,)); a scalar
broadcasts against a vector. ``x[i]`` is 1-based. Integer expressions (indices of ``x[...]``) are evaluated
exactly in Python from Num, IndexVar and arithmetic nodes.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from mlc.compiler import ir
from mlc.compiler.expr import ARITHMETIC, ExprVisitor
from mlc.compiler.functions import ACTIVATIONS, FUNCTIONS
from mlc.compiler.teacher import raw_output, teacher_network

TargetFn = Callable[[torch.Tensor], torch.Tensor]


class TargetError(ValueError):
    """A target formula that cannot be evaluated (bad index, vector where a scalar is needed, ...)."""


class _Val:
    """A value of the walk: a tensor and whether it is a vector (last axis = components)."""

    __slots__ = ("t", "vec")

    def __init__(self, t: torch.Tensor, vec: bool) -> None:
        self.t = t
        self.vec = vec


def activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The torch function of an activation (``mlc.compiler.functions.ACTIVATIONS``)."""
    impl = ACTIVATIONS[name]
    return lambda t: impl(torch, t)


class _Index(ExprVisitor[int]):
    """Evaluate an integer-valued index expression exactly, with the sum indices bound in ``env``."""

    def visit_Num(self, node: ir.Num, env: dict[str, int]) -> int:
        if float(node.value) != int(node.value):
            raise TargetError(f"index {node.value} is not an integer")
        return int(node.value)

    def visit_IndexVar(self, node: ir.IndexVar, env: dict[str, int]) -> int:
        if node.name not in env:
            raise TargetError(f"index variable {node.name!r} is not bound by a sum")
        return env[node.name]

    def visit_Neg(self, node: ir.Neg, env: dict[str, int]) -> int:
        return -self.visit(node.arg, env)

    def visit_Binary(self, node: ir.Binary, env: dict[str, int]) -> int:
        a, b = self.visit(node.left, env), self.visit(node.right, env)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            if b == 0 or a % b:
                raise TargetError(f"index {a}/{b} is not an integer")
            return a // b
        if b < 0:
            raise TargetError(f"index {a}^{b} is not an integer")
        return int(a ** b)

    def _not_an_index(self, node: ir.Expr, env: dict[str, int]) -> int:
        raise TargetError(f"an index must be an integer expression, got a {node.node!r} node")

    visit_InputVar = visit_Component = visit_Vector = visit_Call = visit_Norm = visit_Dot = _not_an_index
    visit_Sum = _not_an_index


_INDEX = _Index()


def _broadcast(a: _Val, b: _Val) -> tuple[torch.Tensor, torch.Tensor]:
    ta, tb = a.t, b.t
    if a.vec and not b.vec and tb.dim() > 0:
        tb = tb.unsqueeze(-1)
    if b.vec and not a.vec and ta.dim() > 0:
        ta = ta.unsqueeze(-1)
    return ta, tb


class _Walker(ExprVisitor[_Val]):
    """Builds the torch value of each node on the input batch ``x`` (sum indices bound in ``env``)."""

    def __init__(self, x: torch.Tensor) -> None:
        self.x = x

    def const(self, value: float) -> torch.Tensor:
        return torch.tensor(value, dtype=self.x.dtype, device=self.x.device)

    def scalar(self, node: ir.Expr, env: dict[str, int], what: str) -> torch.Tensor:
        v = self.visit(node, env)
        if v.vec:
            raise TargetError(f"{what} needs a number, got a vector (use norm(...) or dot(...))")
        return v.t

    def visit_Num(self, node: ir.Num, env: dict[str, int]) -> _Val:
        return _Val(self.const(node.value), False)

    def visit_InputVar(self, node: ir.InputVar, env: dict[str, int]) -> _Val:
        return _Val(self.x, True)

    def visit_IndexVar(self, node: ir.IndexVar, env: dict[str, int]) -> _Val:
        return _Val(self.const(float(_INDEX.visit(node, env))), False)

    def visit_Component(self, node: ir.Component, env: dict[str, int]) -> _Val:
        i = _INDEX.visit(node.index, env)
        d = self.x.shape[1]
        if not 1 <= i <= d:
            raise TargetError(f"x[{i}] is out of range: the input has coordinates x[1] .. x[{d}]")
        return _Val(self.x[:, i - 1], False)

    def visit_Vector(self, node: ir.Vector, env: dict[str, int]) -> _Val:
        return _Val(torch.tensor(node.values, dtype=self.x.dtype, device=self.x.device), True)

    def visit_Neg(self, node: ir.Neg, env: dict[str, int]) -> _Val:
        v = self.visit(node.arg, env)
        return _Val(-v.t, v.vec)

    def visit_Binary(self, node: ir.Binary, env: dict[str, int]) -> _Val:
        a = self.visit(node.left, env)
        b = self.visit(node.right, env)
        ta, tb = _broadcast(a, b)
        return _Val(ARITHMETIC[node.op](ta, tb), a.vec or b.vec)

    def visit_Call(self, node: ir.Call, env: dict[str, int]) -> _Val:
        spec = FUNCTIONS[node.fn]
        if spec.arity is None:  # min / max: scalars only
            if len(node.args) < 2:
                raise TargetError(f"{node.fn} takes two or more arguments")
            return _Val(spec.torch(torch, *(self.scalar(a, env, node.fn) for a in node.args)), False)
        if len(node.args) != spec.arity:
            raise TargetError(f"{node.fn} takes one argument")
        v = self.visit(node.args[0], env)
        return _Val(spec.torch(torch, v.t), v.vec)

    def visit_Norm(self, node: ir.Norm, env: dict[str, int]) -> _Val:
        v = self.visit(node.arg, env)
        if not v.vec:
            return _Val(v.t.abs(), False)
        p = node.p
        if p == 1:
            t = v.t.abs().sum(-1)
        elif p == 2:
            t = torch.sqrt((v.t * v.t).sum(-1))
        elif math.isinf(p):
            t = v.t.abs().amax(-1)
        else:
            raise TargetError(f"norm(., {p}) is not supported: p must be 1, 2 or inf")
        return _Val(t, False)

    def visit_Dot(self, node: ir.Dot, env: dict[str, int]) -> _Val:
        a = self.visit(node.left, env)
        b = self.visit(node.right, env)
        if not (a.vec and b.vec):
            raise TargetError("dot(u, v) needs two vectors")
        if a.t.shape[-1] != b.t.shape[-1]:
            raise TargetError(f"dot of vectors of lengths {a.t.shape[-1]} and {b.t.shape[-1]}")
        return _Val((a.t * b.t).sum(-1), False)

    def visit_Sum(self, node: ir.Sum, env: dict[str, int]) -> _Val:
        total: _Val | None = None
        for i in range(node.lo, node.hi + 1):
            v = self.visit(node.body, {**env, node.var: i})
            if total is None:
                total = v
            else:
                ta, tb = _broadcast(total, v)
                total = _Val(ta + tb, total.vec or v.vec)
        return total if total is not None else _Val(self.const(0.0), False)


def formula_function(expr: ir.Expr) -> TargetFn:
    """Compile an Expr tree into ``f(x) -> (n,)``; raises :class:`TargetError` if the result is a vector."""

    def f(x: torch.Tensor) -> torch.Tensor:
        v = _Walker(x).visit(expr, {})
        if v.vec:
            raise TargetError("the target formula gives a vector; use norm(...) or dot(...) to get a number")
        return v.t.expand(x.shape[0]).clone() if v.t.dim() == 0 else v.t

    return f


def teacher_function(teacher: ir.TeacherTarget, dist: ir.InputDist) -> TargetFn:
    """f*(x) = sum_k a_k s(b_k.x + c_k) (+ a0), standard scaling: the network of ``compiler.teacher``
    (normalised under the input law ``dist`` when the teacher asks for it)."""
    w = teacher_network(teacher, dist)

    def f(x: torch.Tensor) -> torch.Tensor:
        return raw_output(w, teacher.activation, x)

    return f


def labels_function(dist: ir.InputDist) -> TargetFn:
    """The labels of a ``dataset`` input as a function on its points: each row of x is looked up by its bytes
    (the samplers hand out exact copies of the data set's rows; the data sets hold no repeated point, checked
    here); a point that is not one of the data set's is an error, never a guess."""
    from mlc.compiler.datasets import load

    assert dist.dataset is not None, "a labels target has a dataset input (the checker says so)"
    points, labels = load(dist.dataset)
    table = {row.tobytes(): float(label) for row, label in zip(points, labels)}
    if len(table) != points.shape[0]:
        raise TargetError(f"the data set `{dist.dataset.name}` repeats a point, so its labels are not a function")

    def f(x: torch.Tensor) -> torch.Tensor:
        rows = x.detach().to(device="cpu", dtype=torch.float64).numpy()
        try:
            values = [table[row.tobytes()] for row in rows]
        except KeyError:
            raise TargetError("the labels are defined on the data set's points only") from None
        return torch.tensor(values, dtype=torch.float64)

    return f


def target_function(target: ir.Target, dist: ir.InputDist) -> TargetFn:
    """The torch function of a target (formula, teacher or a data set's labels) on inputs from ``dist``."""
    if isinstance(target, ir.TeacherTarget):
        return teacher_function(target, dist)
    if isinstance(target, ir.LabelsTarget):
        return labels_function(dist)
    return formula_function(target.expr)
