"""Builders of IR objects for the theory tests (the front end is not needed to test the theory)."""

from __future__ import annotations

from typing import Any

from mlc.compiler import conventions, ir

X = ir.InputVar()


def num(v: float) -> ir.Num:
    return ir.Num(value=float(v))


def comp(i: int) -> ir.Component:
    return ir.Component(index=num(i))


def b(op: str, left: Any, right: Any) -> ir.Binary:
    return ir.Binary(op=op, left=left, right=right)


def call(fn: str, *args: Any) -> ir.Call:
    return ir.Call(fn=fn, args=tuple(args))


def gaussian_target() -> ir.Expr:
    """exp(-norm(x)^2 / 2)."""
    return call("exp", b("/", ir.Neg(arg=b("^", ir.Norm(arg=X), num(2))), num(2)))


def make_run(expr: ir.Expr | None = None, *, target: Any = None, d: int = 10, kind: str = "cube",
             family: str = "two_layer", width: int = 64, scaling: str = "standard", bias: bool = True,
             space: str = "barron", norm_bound: float | None = None, n: int = 500, noise: float = 0.0,
             loss: str = "mse", penalty: str = "none", lam: float = 0.0, lr: float = 0.1, steps: int = 1000,
             solve: str = "gd", depth: int = 1, record: tuple[str, ...] = (), seed: int = 0,
             optimizer: str = "gd", **input_kw: Any) -> ir.Run:
    if target is None:
        target = ir.FormulaTarget(expr=expr if expr is not None else gaussian_target())
    iterative = solve not in ir.CLOSED_FORM_SOLVES
    model = ir.Model(name="net", family=family, width=width, scaling=scaling, bias=bias, depth=depth)
    train = ir.Train(model="net", loss=loss, penalty=ir.Penalty(kind=penalty, lam=lam),
                     optimizer=ir.Optimizer(kind=optimizer, lr=lr) if iterative else None,
                     steps=steps if iterative else None, solve=solve, record=ir.Record(metrics=record))
    inp = ir.InputDist(kind=kind, dim=d, **input_kw)
    data = ir.Data(n=n, n_test=1000, noise=noise)
    return ir.Run(
        index=0, hash="h", seed=seed, model=model, train=train, input=inp, target=target,
        space=ir.Space(kind=space, norm_bound=norm_bound, depth=depth if space == "multilayer" else None),
        data=data, conventions=conventions.resolve(model, train, inp, data),
    )
