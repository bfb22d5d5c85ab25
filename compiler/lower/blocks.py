"""The lowering's block sizes: how many rows the trainers and the measurement process at a time.

Input:  the shape of what is processed (members, units, rows).
Output: :data:`ROW_WORKERS`, :func:`fast_block_rows`, :func:`eval_block_rows`, :func:`widest_layer` and the
        constants behind them.
Role:   the one statement of these sizes. The torch modules that use them (``fastpath``, ``fastpath_rows``,
        ``measure``) and the resource plan that models their buffers (``mlc.compiler.resources``, which cannot
        import torch) read them here, so the estimate and the lowering cannot drift apart. This module imports
        nothing of torch.
"""

from __future__ import annotations

from mlc.compiler import families
from mlc.compiler.ir import Run

ROW_WORKERS = 2
"""The fast path's fixed split of the rows into partial sums (independent of the machine, so that the summation
order, and so the numbers, do not depend on the thread count)."""

BLOCK_ELEMENTS = 1 << 20
"""The fast path's rows per block: one (G, rows, M) activation block has about this many entries (2^20 was the
fastest of 38 to 308 rows per block on benchmarks/sweep.ml: docs/performance.md)."""

EVAL_BLOCK = 4096
"""The most inputs the measurement puts through one forward pass."""

EVAL_ELEMENTS = 1 << 19
"""The measurement's activations per forward pass: E members × rows × width stays about this size (2 MiB in
float32), so that the hidden layer of a block stays in cache. With 4,096 rows a width-1,024 member wrote 16 MiB
per block and measured 5-9x slower per input than with 512 rows (docs/performance.md, "Final measurement")."""

EVAL_MIN_ROWS = 1
"""The fewest rows per forward pass. Not more: a block of 64 rows of a width-30,000 member (7.7 MB) or wider is
above what the C allocator reuses well, and the resident set grew by ten such blocks (measured with
``/proc/self/status``: 55 MB after 32 blocks at width 30,000, 248 MB at width 100,000, against 18 MB with blocks of
about ``EVAL_ELEMENTS``); one forward call per few rows costs less than that memory."""


def fast_block_rows(rows: int, groups: int, units: int, cuda: bool) -> int:
    """Rows per block of a fast-path row worker that owns ``rows`` rows of ``groups`` data groups packed into
    ``units`` hidden units. On a GPU one block per worker (kernel launches, not caches, are the cost there)."""
    if cuda:
        return rows
    return min(rows, max(8, BLOCK_ELEMENTS // max(1, groups * units)))


def widest_layer(run: Run) -> int:
    """The widest map's output size of one member of ``run``'s family (its largest activation per input)."""
    return max(out for _, out in families.of(run.model).layers(run.model, run.input.dim))


def eval_block_rows(run: Run, members: int) -> int:
    """Inputs per forward pass when measuring an ensemble of ``members`` runs shaped like ``run``."""
    return max(EVAL_MIN_ROWS, min(EVAL_BLOCK, EVAL_ELEMENTS // max(1, members * widest_layer(run))))
