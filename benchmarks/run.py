"""Benchmark: the width x seed sweep of benchmarks/sweep.ml, mlc against the loop a user would write by hand.

Input:  benchmarks/sweep.ml (two-layer ReLU, sphere S^19, teacher of 10 ReLU neurons, n = 1000, n_test = 10000,
        widths [16, 64, 256, 1024] x seeds 0..4, standard scaling, MSE, full-batch GD lr 0.1, 2000 steps).
Output: on stdout, the wall time of (a) the hand-written loop (nn.Sequential(Linear, ReLU, Linear) +
        torch.optim.SGD, one Python loop per configuration, the same data and initial weights) and (b)
        ``mlc compile-and-run benchmarks/sweep.ml`` in a subprocess (everything included: interpreter start,
        imports, compilation, data, training, measurement, report), the speed-up, the achieved GFLOP/s as a
        fraction of this machine's fp32 matmul peak (measured here with a large torch.mm), and the largest
        difference of the final test errors between (a) and (b) (a correctness check).
Role:   the performance headline of docs/performance.md.

Usage:  python benchmarks/run.py [--quick] [--device cpu|cuda] [--skip-hand]
        --quick trains 200 steps (through the library API, with the plan built in Python) to check the script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
SPEC = HERE / "sweep.ml"


def measure_peak(device: torch.device, size: int = 4096, reps: int = 5) -> float:
    """The best fp32 GFLOP/s of a size x size matmul on this machine (best of ``reps``)."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(reps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        torch.mm(a, b)
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return 2.0 * size ** 3 / best / 1e9


def load_plan(quick: bool):
    """The plan of sweep.ml through the real front end (or built in Python for --quick)."""
    if not quick:
        from mlc.compiler.pipeline import compile_path

        outcome = compile_path(str(SPEC))
        if outcome.plan is None:
            sys.exit(f"benchmarks/sweep.ml does not compile:\n{outcome.rendered}")
        return outcome.plan, True
    from mlc.compiler.lower.examples import benchmark_plan
    return benchmark_plan(steps=200), False


def useful_flops(plan) -> float:
    """Matmul FLOPs of full-batch GD on the two-layer nets, per the whole sweep: per step and run,
    forward 2 n m (d+1) + 2 n m, backward 2 n m (d+1) (dW) + 4 n m (dH, da)."""
    total = 0.0
    for run in plan.runs:
        n, m, d = run.data.n, run.model.width, run.input.dim
        total += run.train.steps * (4.0 * n * m * (d + 1) + 6.0 * n * m)
    return total


def hand_loop(plan, device: torch.device) -> tuple[float, list[float], dict[int, float]]:
    """The idiomatic loop: one nn.Module and one torch.optim.SGD per configuration.
    Returns (seconds, test MSEs, seconds per width summed over seeds)."""
    from torch import nn

    from mlc.compiler.lower.ensemble import init_params
    from mlc.compiler.lower.samplers import make_dataset

    errors = []
    per_width: dict[int, float] = {}
    start = time.perf_counter()
    for run in plan.runs:
        run_start = time.perf_counter()
        data = make_dataset(run.input, run.data, run.target, run.seed).to(device, torch.float32)
        d, m = run.input.dim, run.model.width
        net = nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, 1, bias=False)).to(device)
        init = init_params(run)  # the same initial weights as mlc, so the final errors can be compared
        with torch.no_grad():
            net[0].weight.copy_(init["W"])
            net[0].bias.copy_(init["c"])
            net[2].weight.copy_(init["a"].unsqueeze(0))
        opt = torch.optim.SGD(net.parameters(), lr=run.train.optimizer.lr)
        loss_fn = nn.MSELoss()
        x, y = data.x_train, data.y_train
        for _ in range(run.train.steps):
            opt.zero_grad()
            loss = loss_fn(net(x).squeeze(-1), y)
            loss.backward()
            opt.step()
        with torch.no_grad():
            errors.append(float(((net(data.x_test).squeeze(-1) - data.f_test) ** 2).mean()))
        if device.type == "cuda":
            torch.cuda.synchronize()
        m = run.model.width
        per_width[m] = per_width.get(m, 0.0) + time.perf_counter() - run_start
    return time.perf_counter() - start, errors, per_width


def mlc_subprocess(device: str) -> tuple[float, list[float]]:
    """``mlc compile-and-run benchmarks/sweep.ml`` in a fresh process, timed from outside."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "mlc.runtime.cli", "compile-and-run", str(SPEC), "--device", device,
               "--no-plots", "--out", out]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"mlc failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        data = json.loads((Path(out) / "results.json").read_text())
    runs = sorted(data["runs"], key=lambda r: r["index"])
    return seconds, [r["metrics"]["test_error_raw"] for r in runs]


def mlc_api(plan, device: str) -> tuple[float, list[float]]:
    """The executor through the library API (used by --quick)."""
    from mlc.runtime.execute import execute_plan

    start = time.perf_counter()
    results = execute_plan(plan, device=device)
    return time.perf_counter() - start, [r.metrics["test_error_raw"] for r in results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 steps through the library API")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--skip-hand", action="store_true", help="time only mlc")
    args = parser.parse_args()
    device = torch.device(args.device)
    plan, via_spec = load_plan(args.quick)
    print(f"machine: {os.cpu_count()} cpus, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"device {device}")
    peak = measure_peak(device)
    print(f"fp32 matmul peak (4096^3 torch.mm): {peak:.1f} GFLOP/s")
    flops = useful_flops(plan)
    print(f"sweep: {len(plan.runs)} runs, {plan.runs[0].train.steps} steps each, "
          f"{flops / 1e12:.2f} TFLOP of matmul work; plan from {'sweep.ml' if via_spec else 'Python'}")
    print(f"matmul floor at the measured peak: {flops / peak / 1e9:.2f} s")
    if args.quick or not via_spec:
        t_mlc, err_mlc = mlc_api(plan, args.device)
        label = "mlc (execute_plan API)"
    else:
        t_mlc, err_mlc = mlc_subprocess(args.device)
        label = "mlc compile-and-run (subprocess, everything included)"
    print(f"{label}: {t_mlc:.2f} s  ({flops / t_mlc / 1e9:.1f} GFLOP/s = {flops / t_mlc / 1e9 / peak:.1%} of peak)")
    if args.skip_hand:
        return 0
    t_hand, err_hand, per_width = hand_loop(plan, device)
    print(f"hand-written loop (nn.Sequential + torch.optim.SGD): {t_hand:.2f} s  "
          f"({flops / t_hand / 1e9:.1f} GFLOP/s = {flops / t_hand / 1e9 / peak:.1%} of peak)")
    print("  hand loop by width (all seeds): " + ", ".join(f"{m}: {t:.1f} s" for m, t in sorted(per_width.items())))
    print(f"speed-up: {t_hand / t_mlc:.2f}x")
    diff = max(abs(a - b) for a, b in zip(err_hand, err_mlc))
    rel = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(err_hand, err_mlc))
    print(f"final test MSE, hand loop vs mlc: max abs diff {diff:.2e}, max rel diff {rel:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
