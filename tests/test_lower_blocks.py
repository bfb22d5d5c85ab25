"""The lowering's block sizes (compiler.lower.blocks): their bounds, and that blocking the measurement changes no
number (each output depends on its own input only)."""

from __future__ import annotations

import pytest
import torch

from mlc.compiler.lower import blocks, families
from mlc.compiler.lower.examples import make_run
from mlc.compiler.lower.measure import predict


@pytest.mark.parametrize("members, width", [(1, 8), (1, 1024), (5, 1024), (100, 100), (1, 10_000_000)])
def test_a_measurement_block_holds_about_the_budget(members: int, width: int) -> None:
    run = make_run(width=width)
    rows = blocks.eval_block_rows(run, members)
    assert blocks.EVAL_MIN_ROWS <= rows <= blocks.EVAL_BLOCK
    assert rows == blocks.EVAL_MIN_ROWS or members * rows * width <= blocks.EVAL_ELEMENTS
    assert rows == blocks.EVAL_BLOCK or members * (rows + 1) * width > blocks.EVAL_ELEMENTS


def test_the_widest_layer_is_the_familys() -> None:
    assert blocks.widest_layer(make_run(width=37)) == 37
    assert blocks.widest_layer(make_run(family="deep", widths=(5, 90, 7), depth=3)) == 90


def test_fast_blocks_never_exceed_the_rows_and_keep_eight() -> None:
    assert blocks.fast_block_rows(5, 1, 1 << 22, cuda=False) == 5
    assert blocks.fast_block_rows(1000, 1, 1 << 22, cuda=False) == 8
    assert blocks.fast_block_rows(1000, 5, 1360, cuda=False) == blocks.BLOCK_ELEMENTS // (5 * 1360)
    assert blocks.fast_block_rows(1000, 5, 1360, cuda=True) == 1000


@pytest.mark.parametrize("width, n_inputs", [(1024, 3000), (64, 9000)])
def test_blocked_predictions_equal_one_forward_pass(width: int, n_inputs: int) -> None:
    """The blocks split the inputs (3000 inputs of a width-1024 member are six blocks) and the outputs are the
    same bits as one forward pass over all of them."""
    run = make_run(width=width, d=5)
    params = {k: v.unsqueeze(0).float() for k, v in families.init_member(run, torch.Generator().manual_seed(0)).items()}
    x = torch.randn(1, n_inputs, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float32)
    assert blocks.eval_block_rows(run, 1) < n_inputs
    assert torch.equal(predict(run, params, x), families.forward(run, params, x))
