"""Checkpoints: a group stopped at a step boundary and resumed from its checkpoint gives bitwise the numbers of an
uninterrupted training, on both trainers (fast path, autograd with SGD minibatch RNG, Adam state)."""

from __future__ import annotations

import functools
import signal
from pathlib import Path

import pytest
import torch

from mlc.compiler.lower.ensemble import Member, init_params, train_autograd
from mlc.compiler.lower.examples import make_run
from mlc.compiler.lower.fastpath import train_fast
from mlc.compiler.options import Options
from mlc.compiler.lower.samplers import make_dataset
from mlc.runtime.store_checkpoint import GroupCheckpoint, Interrupted, StopFlag

CPU = torch.device("cpu")


def _members(runs):
    return [Member(r, make_dataset(r.input, r.data, r.target, r.seed).to(CPU, torch.float32), init_params(r))
            for r in runs]


class StopAt(StopFlag):
    """A stop flag that asks for a stop once training reaches ``step`` (as SIGINT would)."""

    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step


class StoppingCheckpoint(GroupCheckpoint):
    def due(self, step: int) -> bool:
        if step == self.stop.step:  # type: ignore[attr-defined]
            self.stop.signum = signal.SIGINT
        return super().due(step)


def _outcome(o) -> tuple:
    return (o.steps_done, o.diverged_at, {k: v.numpy().tobytes() for k, v in o.params.items()},
            sorted(o.metrics.items()), {k: (list(s), list(v)) for k, (s, v) in o.curves.items()})


CASES = {
    "fast": (functools.partial(train_fast, parallel_rows=Options().parallel_rows), dict(optimizer="gd", lr=0.1)),
    "autograd-sgd": (train_autograd, dict(optimizer="sgd", batch=8, lr=0.1)),
    "autograd-adam": (train_autograd, dict(optimizer="adam", lr=0.01)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("stop_at", [1, 17])
def test_resumed_group_is_bitwise_identical(case: str, stop_at: int, tmp_path: Path):
    trainer, kw = CASES[case]
    widths = (4, 8) if case == "fast" else (6, 6)
    runs = [make_run(i, width=w, seed=i, steps=30, n=48, record_every=5, metrics=("test_error", "path_norm"), **kw)
            for i, w in enumerate(widths)]
    reference = [_outcome(o) for o in trainer(_members(runs), CPU, torch.float32)]

    path = tmp_path / "group.pt"
    stop = StopAt(stop_at)
    with pytest.raises(Interrupted) as info:
        trainer(_members(runs), CPU, torch.float32, StoppingCheckpoint(path, 3600.0, stop))
    assert info.value.saved_step == stop_at and path.exists()

    resumed_ckpt = GroupCheckpoint(path, 3600.0, StopFlag())
    resumed = [_outcome(o) for o in trainer(_members(runs), CPU, torch.float32, resumed_ckpt)]
    assert resumed_ckpt.resumed_step == stop_at
    assert resumed == reference


def test_an_unreadable_checkpoint_is_reported_and_ignored(tmp_path: Path):
    path = tmp_path / "group.pt"
    path.write_bytes(b"not a checkpoint")
    notes: list[str] = []
    ckpt = GroupCheckpoint(path, 60.0, StopFlag(), note=notes.append)
    assert ckpt.resume() is None
    assert notes and str(path) in notes[0]


def test_checkpoint_every_zero_saves_nothing_but_still_stops(tmp_path: Path):
    runs = [make_run(0, steps=30, n=48)]
    path = tmp_path / "group.pt"
    with pytest.raises(Interrupted) as info:
        train_fast(_members(runs), CPU, torch.float32, StoppingCheckpoint(path, 0.0, StopAt(5)), parallel_rows=Options().parallel_rows)
    assert info.value.saved_step is None and not path.exists()
