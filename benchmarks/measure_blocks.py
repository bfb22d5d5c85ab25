"""The measurement's forward pass at several block sizes, and one member at a time against the members batched.

``compiler.lower.measure.predict`` puts the test inputs through the model in blocks of
``compiler.lower.blocks.eval_block_rows`` rows (about ``EVAL_ELEMENTS`` activations per block). This script times
it on the runs of ``benchmarks/sweep.ml`` (two-layer ReLU, d = 20, 10,000 test inputs, widths 16 to 1,024):

* per width, one member, with the block budget set to 2^16 ... 2^22 activations and with the old fixed blocks of
  4,096 rows (``old``);
* five members of width 1,024 in one call (an ensemble of E = 5: batched matmuls) against five calls of one.

CPU milliseconds of one call (best of ``--repeats``), one torch thread (as the fast path measures) and the
machine's default. The outputs of every block size are checked equal to the old blocks' bit for bit.

    python benchmarks/measure_blocks.py [--repeats 7]

docs/performance.md ("Final measurement") records what it measured. Nothing here is used by mlc.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path
from typing import Callable

import torch

from mlc.compiler.lower import blocks
from mlc.compiler.lower.families import init_member, stack_members
from mlc.compiler.lower.measure import predict
from mlc.compiler.pipeline import compile_path

SPEC = Path(__file__).resolve().parent / "sweep.ml"
BUDGETS = (1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21, 1 << 22)


def cpu_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best * 1e3


def _each(calls: list[Callable[[], torch.Tensor]]) -> None:
    for call in calls:
        call()


def with_budget(budget: int | None, fn: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
    """``fn`` run with ``blocks.EVAL_ELEMENTS = budget`` (None: the old fixed 4,096-row blocks)."""
    def call() -> torch.Tensor:
        saved = blocks.EVAL_ELEMENTS, blocks.EVAL_MIN_ROWS
        blocks.EVAL_ELEMENTS, blocks.EVAL_MIN_ROWS = (budget, blocks.EVAL_MIN_ROWS) if budget else (1 << 62, 4096)
        try:
            return fn()
        finally:
            blocks.EVAL_ELEMENTS, blocks.EVAL_MIN_ROWS = saved
    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    outcome = compile_path(SPEC)
    assert outcome.plan is not None, outcome.rendered
    runs = {}
    for run in outcome.plan.runs:
        runs.setdefault(run.model.width, []).append(run)
    d, n_test = runs[16][0].input.dim, runs[16][0].data.n_test
    x = torch.nn.functional.normalize(torch.randn(1, n_test, d, generator=torch.Generator().manual_seed(0)), dim=-1)

    def params_of(members: list) -> dict[str, torch.Tensor]:
        return {k: v.float() for k, v in stack_members(
            [init_member(r, torch.Generator().manual_seed(r.seed)) for r in members]).items()}

    default_threads = torch.get_num_threads()
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        print(f"\n== one member, CPU ms per call ({threads} torch thread{'s' if threads > 1 else ''}; "
              f"budget = activations per block)")
        print(f"{'width':>6} " + " ".join(f"{'2^' + str(b.bit_length() - 1):>7}" for b in BUDGETS) + f" {'old':>7}")
        for width, members in runs.items():
            forward = functools.partial(predict, members[0], params_of(members[:1]), x)
            reference = with_budget(None, forward)()
            cells = []
            for budget in BUDGETS:
                fn = with_budget(budget, forward)
                assert torch.equal(fn(), reference), f"width {width}: budget {budget} changed an output"
                cells.append(cpu_ms(fn, args.repeats))
            cells.append(cpu_ms(with_budget(None, forward), args.repeats))
            print(f"{width:>6} " + " ".join(f"{c:7.1f}" for c in cells))
        members = runs[1024]
        run, stacked = members[0], params_of(members)
        xs = x.expand(len(members), -1, -1).contiguous()
        singles = [params_of([m]) for m in members]
        batched = cpu_ms(functools.partial(predict, run, stacked, xs), args.repeats)
        one_by_one = cpu_ms(functools.partial(_each, [functools.partial(predict, run, p, x) for p in singles]),
                            args.repeats)
        print(f"width 1024, {len(members)} members: batched (E = {len(members)}) {batched:.1f} ms, "
              f"one at a time {one_by_one:.1f} ms")
    torch.set_num_threads(default_threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
