"""Small programmatic plans, for tests and for the benchmark's fallback when no front end is available.

Input:  keyword arguments describing one run (family, width, optimizer, ...).
Output: :class:`~mlc.compiler.ir.Run` and :class:`~mlc.compiler.ir.Plan` objects.
Role:   build IR directly in Python, the way the checker would, without parsing a spec. Runs are hashed
        with :func:`mlc.compiler.ir.run_hash`, as the sweep hashes them, so these plans pass
        :func:`mlc.compiler.verify.verify_plan`.
"""

from __future__ import annotations

from typing import Any

from mlc.compiler import ir
from mlc.compiler.conventions import resolve


def make_run(index: int = 0, *, family: str = "two_layer", width: int = 8, d: int = 3, n: int = 32,
             n_test: int = 64, seed: int = 0, steps: int = 20, lr: float = 0.1, optimizer: str = "gd",
             batch: int | None = None, momentum: float = 0.0, loss: ir.Loss = "mse",
             penalty: ir.PenaltyKind = "none", lam: float = 0.0, activation: ir.Activation = "relu",
             scaling: ir.Scaling = "standard", bias: bool = True, depth: int = 1, widths: tuple[int, ...] = (),
             state_width: int | None = None, init_scale: float = 1.0, noise: float = 0.0,
             input_kind: ir.InputKind = "sphere", target: ir.Target | None = None, record_every: int = 0,
             metrics: tuple[str, ...] = (), stop: tuple[str, float] | None = None, solve: ir.Solve = "gd",
             points: int | None = None,
             params: dict[str, float] | None = None, name: str = "net") -> ir.Run:
    """One fully resolved run (defaults: a tiny two-layer ReLU net learning a teacher on the sphere)."""
    if target is None:
        target = ir.TeacherTarget(width=4, seed=1)
    dist_kw: dict[str, Any] = {}
    if input_kind == "grid":
        dist_kw = dict(low=-5.0, high=5.0, points=points or n)
    inp = ir.InputDist(kind=input_kind, dim=d, **dist_kw)
    model = ir.Model(name=name, family=family, width=width, depth=depth, widths=widths,
                     state_width=state_width, activation=activation, scaling=scaling,
                     init_scale=init_scale, bias=bias)
    iterative = solve not in ir.CLOSED_FORM_SOLVES
    # The optimizer's kind is validated by the IR (its Literal has no name of its own to annotate with).
    opt = ir.Optimizer.model_validate(dict(kind=optimizer, lr=lr, batch=batch, momentum=momentum))
    train = ir.Train(model=name, loss=loss, penalty=ir.Penalty(kind=penalty, lam=lam),
                     optimizer=opt if iterative else None,
                     steps=steps if iterative else None, stop=ir.StopRule(metric=stop[0], threshold=stop[1]) if stop else None,
                     solve=solve, record=ir.Record(every=record_every, metrics=metrics))
    data = ir.Data(n=n, n_test=n_test, noise=noise)
    space = ir.Space(kind="barron")
    body: dict[str, Any] = dict(model=model, train=train, input=inp, target=target, space=space, data=data,
                                seed=seed, params=params or {})
    return ir.Run(index=index, hash=ir.run_hash(body), model=model, train=train, input=inp, target=target,
                  space=space, data=data, seed=seed, params=params or {}, conventions=resolve(model, train, inp, data))


def make_plan(runs: list[ir.Run], problem: str = "example") -> ir.Plan:
    """A plan holding the given runs (re-indexed in order)."""
    runs = [r.model_copy(update={"index": i}) for i, r in enumerate(runs)]
    return ir.Plan(problem=problem, spec_hash=ir.content_hash([r.hash for r in runs]), runs=tuple(runs))


def benchmark_plan(steps: int = 2000) -> ir.Plan:
    """The plan of benchmarks/sweep.ml built in Python: two-layer ReLU, sphere S^19, teacher of 10 ReLU
    neurons (seed 1), n = 1000, n_test = 10000, widths [16, 64, 256, 1024] x seeds 0..4, standard scaling,
    MSE, full-batch GD lr 0.1."""
    runs = []
    for width in (16, 64, 256, 1024):
        for seed in range(5):
            runs.append(make_run(width=width, d=20, n=1000, n_test=10000, seed=seed, steps=steps, lr=0.1,
                                 target=ir.TeacherTarget(width=10, activation="relu", seed=1),
                                 params={"width": float(width), "seed": float(seed)}))
    return make_plan(runs, problem="benchmark_sweep")
