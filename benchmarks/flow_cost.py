"""Benchmark: what `optimizer = flow(...)` costs against GD at the largest stable step, on random features.

Input:  a random-feature model (width m, n points in d dimensions, the run of ``mlc.compiler.lower.examples``), a
        flow time T and the flow's tolerances.
Output: on stdout, for the flow (dopri5 and bosh3 at each rtol): its gradient evaluations (NFE), wall time and
        the distance of its final weights to the exact flow (the matrix exponential of T18 in continuous time);
        for GD at η = 1.9/λ_max (λ_max: the largest eigenvalue of the objective's Hessian per unit of lr, so
        η·λ_max < 2 is GD's stability limit on this quadratic): the steps k = T/η it takes to reach time T (one
        gradient evaluation each), its wall time and its distance to the exact flow at t = η·k, and the train
        loss of both.
Role:   the numbers of docs/continuous.md ("the solver's work"). An explicit adaptive solver is stability-bound
        on this stiff quadratic as GD is: dopri5's stability region reaches about 3.3/λ_max per step of 6
        evaluations, so its NFE at large T is a fixed multiple of GD's steps.

Usage:  python benchmarks/flow_cost.py [--width 64] [--n 50] [--time 100]
"""

from __future__ import annotations

import argparse
import time

import torch

from mlc.compiler import conventions, ir
from mlc.compiler.lower import families
from mlc.compiler.lower.closed_forms import gd_exact_path
from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_run
from mlc.compiler.lower.flow import train_flow
from mlc.compiler.lower.samplers import make_dataset

F64, CPU = torch.float64, torch.device("cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--time", type=float, default=100.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    base = make_run(family="random_features", width=args.width, n=args.n, d=3, noise=0.1, metrics=("train_loss",))
    data = make_dataset(base.input, base.data, base.target, base.seed).to(CPU, F64)
    init = init_params(base)
    phi = families.features(base, {k: v.unsqueeze(0).to(F64) for k, v in init.items()}, data.x_train)
    k_loss = base.conventions.loss_factor
    lam_max = float(torch.linalg.eigvalsh(k_loss / args.n * phi.T @ phi).max())  # Hessian per unit of lr (rate 1)
    exact = gd_exact_path(phi, data.y_train, init["a"].to(F64), 1.0, k_loss, [args.time], flow=True)[0]
    print(f"random features m = {args.width}, n = {args.n}, d = 3, T = {args.time:g}; λ_max = {lam_max:.4g}, "
          f"t·λ_max = {args.time * lam_max:.4g}")
    for method in ("dopri5", "bosh3"):
        for rtol in (1e-3, 1e-6, 1e-9):
            train = ir.Train(model=base.model.name, optimizer=ir.Optimizer(kind="flow", rtol=rtol, atol=rtol * 1e-2,  # type: ignore[arg-type]
                                                                            method=method),
                             time=args.time, record=ir.Record(metrics=("train_loss",)))
            run = conventions.refreshed(base, train=train)
            start = time.perf_counter()
            out = train_flow([Member(run, data, init)], CPU, F64)[0]
            wall = time.perf_counter() - start
            err = float((out.params["a"][0] - exact).norm() / exact.norm())
            print(f"  flow {method:6} rtol {rtol:.0e}: NFE {int(out.metrics['flow_nfe']):6d}   {wall:6.2f} s   "
                  f"|a - a_exact|/|a_exact| = {err:.2e}   train_loss {out.metrics['train_loss']:.4g}")
    lr = 1.9 / lam_max
    steps = max(1, round(args.time / lr))
    gd = make_run(family="random_features", width=args.width, n=args.n, d=3, noise=0.1, lr=lr, steps=steps,
                  metrics=("train_loss",))
    start = time.perf_counter()
    out = train_autograd([Member(gd, data, init)], CPU, F64)[0]
    wall = time.perf_counter() - start
    at = gd_exact_path(phi, data.y_train, init["a"].to(F64), 1.0, k_loss, [lr * steps], flow=True)[0]
    err = float((out.params["a"][0] - at).norm() / at.norm())
    print(f"  gd lr = 1.9/λ_max = {lr:.4g}: {steps} steps = {steps} gradient evaluations   {wall:6.2f} s   "
          f"|a - a_flow(η·k)|/|a_flow| = {err:.2e}   train_loss {out.metrics['train_loss']:.4g}")


if __name__ == "__main__":
    main()
