"""The checkpoint hook of the trainers: save and restore a group's training state at a step boundary.

Input:  a :class:`Checkpoint` (implemented by the runtime's results store) passed to ``train_autograd`` or
        ``train_fast``, and the trainer's live state (parameters, optimizer state, tracker, RNG states).
Output: a plain state dict (tensors, lists, numbers: loadable with ``torch.load(weights_only=True)``) handed to
        :meth:`Checkpoint.save`, and the step to resume from after :func:`restore_autograd` / :func:`restore_fast`.
Role:   the only place that knows which pieces of a trainer's state determine the rest of its trajectory, so that
        a resumed group gives bitwise the numbers of an uninterrupted one. The trainers call :meth:`Checkpoint.due`
        at the top of every step (cheap: a clock read) and, when it says so, :meth:`Checkpoint.save` with the state
        at that step boundary; ``save`` may raise (e.g. to stop on SIGINT after saving).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import torch

from mlc.compiler.lower.tracking import Tracker

if TYPE_CHECKING:  # fastpath imports this module; the type is only needed for annotations
    from mlc.compiler.lower.fastpath import PackedGroup
    from mlc.compiler.lower.optimizers import EnsembleOptimizer

State = dict[str, Any]

_TRACKER_FIELDS = ("active", "diverged_at", "stopped_at", "initial_loss", "curves")


class Checkpoint(Protocol):
    """Where a trainer saves its state; implemented by ``mlc.runtime.store_checkpoint``."""

    def resume(self) -> State | None:
        """The state saved by an earlier, interrupted training of the same group, or None."""

    def due(self, step: int) -> bool:
        """Whether to save at this step boundary (time elapsed, or a stop was requested)."""

    def save(self, step: int, state: State) -> None:
        """Persist ``state`` (taken at the start of ``step``); may raise to stop training after saving."""


def _tracker_state(tracker: Tracker) -> State:
    return {name: getattr(tracker, name) for name in _TRACKER_FIELDS}


def _load_tracker(tracker: Tracker, state: State) -> None:
    if len(state["active"]) != tracker.size:
        raise ValueError(f"checkpoint has {len(state['active'])} members, the group has {tracker.size}")
    for name in _TRACKER_FIELDS:
        setattr(tracker, name, list(state[name]))
    # curves: dict metric -> (steps, values); torch.load gives back lists for tuples on some versions
    tracker.curves = [{k: (list(s), list(v)) for k, (s, v) in c.items()} for c in tracker.curves]


def autograd_state(step: int, params: dict[str, torch.Tensor], opt: EnsembleOptimizer, tracker: Tracker,
                   gens: list[torch.Generator]) -> State:
    """The state of ``train_autograd`` at the start of ``step``."""
    return {"engine": "autograd", "step": step,
            "params": {k: v.detach().cpu().clone() for k, v in params.items()},
            "opt_t": opt.t,
            "opt_state": {k: {s: t.detach().cpu().clone() for s, t in st.items()} for k, st in opt.state.items()},
            "gens": [g.get_state() for g in gens], "torch_rng": torch.get_rng_state(),
            "tracker": _tracker_state(tracker)}


def restore_autograd(state: State | None, params: dict[str, torch.Tensor], opt: EnsembleOptimizer,
                     tracker: Tracker, gens: list[torch.Generator]) -> int:
    """Load ``state`` into the live objects; returns the step to resume at (0 without a state)."""
    if state is None:
        return 0
    if state.get("engine") != "autograd" or set(state["params"]) != set(params):
        raise ValueError("the checkpoint is not of this autograd group")
    with torch.no_grad():
        for k, v in state["params"].items():
            if v.shape != params[k].shape:
                raise ValueError(f"checkpoint parameter {k} has shape {tuple(v.shape)}, expected "
                                 f"{tuple(params[k].shape)}")
            params[k].copy_(v)
    ref = next(iter(params.values()))
    opt.t = int(state["opt_t"])
    opt.state = {k: {s: t.to(device=ref.device, dtype=ref.dtype) for s, t in st.items()}
                 for k, st in state["opt_state"].items()}
    for g, s in zip(gens, state["gens"]):
        g.set_state(s)
    torch.set_rng_state(state["torch_rng"])
    _load_tracker(tracker, state["tracker"])
    return int(state["step"])


def fast_state(step: int, pk: PackedGroup, saved: dict[int, dict[str, torch.Tensor]], tracker: Tracker) -> State:
    """The state of ``train_fast`` at the start of ``step``: the packed parameters, which units are frozen,
    the saved parameters of diverged members, and the tracker."""
    return {"engine": "fast", "step": step, "Wt": pk.Wt.detach().cpu().clone(), "a": pk.a.detach().cpu().clone(),
            "unit_active": pk.unit_active.detach().cpu().clone(),
            "saved": {str(i): {k: v.cpu().clone() for k, v in p.items()} for i, p in saved.items()},
            "torch_rng": torch.get_rng_state(), "tracker": _tracker_state(tracker)}


def restore_fast(state: State | None, pk: PackedGroup, saved: dict[int, dict[str, torch.Tensor]],
                 tracker: Tracker) -> int:
    """Load ``state`` into the packed group; returns the step to resume at (0 without a state)."""
    if state is None:
        return 0
    if state.get("engine") != "fast" or state["Wt"].shape != pk.Wt.shape or state["a"].shape != pk.a.shape:
        raise ValueError("the checkpoint is not of this packed group")
    kw = dict(device=pk.device, dtype=pk.dtype)
    pk.Wt.copy_(state["Wt"].to(**kw))
    pk.a.copy_(state["a"].to(**kw))
    pk.unit_active.copy_(state["unit_active"].to(**kw))
    saved.clear()
    saved.update({int(i): {k: v.to(**kw) for k, v in p.items()} for i, p in state["saved"].items()})
    torch.set_rng_state(state["torch_rng"])
    _load_tracker(tracker, state["tracker"])
    return int(state["step"])
