"""The cost of an MSA iteration against a GD step, and their training losses, on one small ResNet (docs/msa.md).

Input:  nothing (the problem of tests/test_msa.py: d = 3, n = 100, a tanh ResNet of 4 blocks of width 12, state
        width 5; float64, one thread, seed 0).
Output: per method, seconds per step (training and the recorded measurements) and the training loss at 8 recorded
        points: E-MSA (lr 0.1, rho 1, 5 inner steps) for ITERS iterations, GD (lr 0.5) for 5 x ITERS steps (as many
        parameter updates).
Role:   the command behind the numbers docs/msa.md gives: ``python benchmarks/msa_cost.py [ITERS]`` (default 200).
"""

from __future__ import annotations

import sys
import time

import torch

from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_text

SPEC = """problem msa_cost
let d = 3
input x ~ uniform(cube(d))
target f*(x) = sin(2 * x[1]) * x[2] + 0.5 * x[3]
data {{ n = 100   n_test = 50 }}
model res = resnet(width = 12, depth = 4, state_width = 5, activation = tanh)
train res {{ loss = mse   optimizer = {opt}   steps = {steps}   record = every {every}: train_loss }}
"""


def measure(opt: str, steps: int) -> tuple[float, list[int], list[float]]:
    """Seconds per step and the recorded training loss of one run."""
    outcome = compile_text(SPEC.format(opt=opt, steps=steps, every=steps // 8))
    assert outcome.plan is not None, outcome.rendered
    run = outcome.plan.runs[0]
    data = make_dataset(run.input, run.data, run.target, run.seed).to(torch.device("cpu"), torch.float64)
    start = time.perf_counter()
    out = train_autograd([Member(run, data, init_params(run))], torch.device("cpu"), torch.float64)[0]
    seconds = (time.perf_counter() - start) / steps
    recorded, values = out.curves["train_loss"]
    return seconds, list(recorded), list(values)


def main() -> None:
    iters = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    torch.set_num_threads(1)
    msa = measure("msa(lr = 0.1, rho = 1, inner_steps = 5)", iters)
    gd = measure("gd(lr = 0.5)", 5 * iters)
    for name, (seconds, steps, values) in (("E-MSA", msa), ("GD", gd)):
        print(f"{name:6s} {seconds:.4g} s/step  " + "  ".join(f"{s}: {v:.4g}" for s, v in zip(steps, values)))
    print(f"an MSA iteration costs {msa[0] / gd[0]:.3g} GD steps")


if __name__ == "__main__":
    main()
