"""The general ensemble trainer: any family, any optimizer, autograd gradients.

Input:  a list of :class:`Member` (runs of the same shape with their data and initial parameters).
Output: one :class:`MemberOutcome` per member (final parameters, curves, status).
Role:   train all members at once with a leading ensemble axis: one forward/backward/update per step serves
        the whole group. Per-member learning rate, lambda, seed, noise and init_scale vary inside a group.

Members never interact: every operation is batched over the ensemble axis (bmm), the objective is the sum of the
members' objectives (so each member receives exactly its own gradient), and the optimizers keep per-member
state. A member therefore follows the same trajectory as when trained alone (tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from mlc.compiler.ir import Run, Train
from mlc.compiler.lower import families
from mlc.compiler.lower.checkpoint import Checkpoint, autograd_state, restore_autograd
from mlc.compiler.lower.losses import loss_per_member
from mlc.compiler.lower.measure import clip_bound, measure
from mlc.compiler.lower.optimizers import EnsembleOptimizer
from mlc.compiler.lower.penalties import penalty_per_member
from mlc.compiler.lower.samplers import DataSet
from mlc.compiler.lower.tracking import Tracker

MODEL_SEED_OFFSET = 1_000_003  # model init generator: manual_seed(seed + MODEL_SEED_OFFSET)
SGD_SEED_OFFSET = 2_000_003  # minibatch generator: manual_seed(seed + SGD_SEED_OFFSET)


@dataclass
class Member:
    """One run inside a training group."""

    run: Run
    data: DataSet  # on the training device, in the training dtype
    init: families.Params  # float64 CPU, no ensemble axis

    @property
    def is_grid(self) -> bool:
        return self.run.input.kind == "grid"


@dataclass
class MemberOutcome:
    params: families.Params  # final parameters, leading axis of size 1
    init: families.Params  # initial parameters, leading axis of size 1
    steps_done: int
    diverged_at: int | None
    curves: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)  # final metrics (see compiler.lower.measure)


def init_seed(run: Run) -> int:
    """The seed of a run's initial weights and features: the model's ``seed`` when given, else the run's."""
    return int(run.model.seed if run.model.seed is not None else run.seed)


def init_params(run: Run) -> families.Params:
    """A run's initial parameters, from ``Generator().manual_seed(init_seed + MODEL_SEED_OFFSET)``, or the arrays
    of its initialisation file (`init = file("net0.npz")`; a two-layer net without bias gets c = 0)."""
    if run.model.init_file is not None:
        return file_params(run)
    gen = torch.Generator().manual_seed(init_seed(run) + MODEL_SEED_OFFSET)
    return families.init_member(run, gen)


def file_params(run: Run) -> families.Params:
    """The initial parameters read from the run's checked initialisation file (float64, CPU), with the zero
    biases a family without ``bias`` still carries (two_layer and random_features ``c``, deep ``b{i}``)."""
    from mlc.compiler.datafiles import load_init

    assert run.model.init_file is not None
    params = {name: torch.from_numpy(array.copy()) for name, array in load_init(run.model.init_file).items()}
    drawn = families.init_member(run, torch.Generator().manual_seed(0))  # the names and shapes of every tensor
    for name, tensor in drawn.items():
        if name not in params:  # a bias of a model without biases: zeros, never trained
            params[name] = torch.zeros_like(tensor)
    return {name: params[name] for name in drawn}


def learning_rates(members: list[Member], name: str, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The members' effective learning rates (E,) of parameter group ``name`` (``Run.conventions.lr``)."""
    return torch.tensor([m.run.conventions.lr[name] for m in members], dtype=dtype, device=device)


class StackedGroup(NamedTuple):
    """A group's members stacked along a leading ensemble axis, as every iterative trainer starts from them:
    the parameters (on the device), a copy of the initial ones, the training inputs and labels, each member's data
    set, and each member's penalty weight."""

    params: families.Params
    init: families.Params
    X: torch.Tensor
    Y: torch.Tensor
    datas: list[DataSet]
    lam: torch.Tensor


def stack_group(members: list[Member], device: torch.device, dtype: torch.dtype) -> StackedGroup:
    """Stack ``members`` for one ensemble (gradient steps, the flow and MSA all start here)."""
    params = {k: v.to(device=device, dtype=dtype) for k, v in
              families.stack_members([m.init for m in members]).items()}
    init = {k: v.clone() for k, v in params.items()}
    X = torch.stack([m.data.x_train for m in members])
    Y = torch.stack([m.data.y_train for m in members])
    lam = torch.tensor([m.run.train.penalty.lam for m in members], dtype=dtype, device=device)
    return StackedGroup(params, init, X, Y, [m.data for m in members], lam)


def train_autograd(members: list[Member], device: torch.device, dtype: torch.dtype,
                   checkpoint: Checkpoint | None = None) -> list[MemberOutcome]:
    """Train a group of same-shape members as one ensemble (see the module docstring); with ``checkpoint``,
    resume from its saved state and save at the step boundaries it asks for."""
    first = members[0].run
    runs = [m.run for m in members]
    train: Train = first.train
    assert train.optimizer is not None and train.steps is not None, "the autograd trainer needs an iterative solve"
    if train.optimizer.kind == "msa":  # the maximum principle's own iteration, not a gradient step
        from mlc.compiler.lower.msa import train_msa

        return train_msa(members, device, dtype, checkpoint)
    E = len(members)
    names = first.conventions.trained
    params, init, X, Y, datas, lam = stack_group(members, device, dtype)
    for k in names:
        params[k].requires_grad_(True)
    n = X.shape[1]
    lr = {name: learning_rates(members, name, device, dtype) for name in names}
    opt = EnsembleOptimizer(train.optimizer, lr)
    tracker = Tracker(train, E)
    batch = train.optimizer.batch if train.optimizer.kind == "sgd" and train.optimizer.batch else None
    gens = [torch.Generator().manual_seed(int(m.run.seed) + SGD_SEED_OFFSET) for m in members] if batch else []
    is_grid = members[0].is_grid
    active_t = torch.ones(E, dtype=torch.bool, device=device)

    def snapshot() -> families.Params:
        return {k: v.detach() for k, v in params.items()}

    cheap = tracker.cheap_stop() and not batch
    F_clean = torch.stack([m.data.f_train for m in members])
    bound = torch.tensor([clip_bound(m.run) for m in members], dtype=dtype, device=device).unsqueeze(1)
    start = restore_autograd(checkpoint.resume(), params, opt, tracker, gens) if checkpoint else 0
    for step in range(start, train.steps):
        if checkpoint is not None and checkpoint.due(step):
            checkpoint.save(step, autograd_state(step, params, opt, tracker, gens))
        if not tracker.any_active():
            break
        if tracker.metrics_due(step) and not cheap:
            metrics = measure(runs, snapshot(), init, datas, tracker.wanted_metrics(), is_grid=is_grid)
            tracker.observe_metrics(step, metrics)
            if not tracker.any_active():
                break
        if batch:
            idx = torch.stack([torch.randint(n, (min(batch, n),), generator=g) for g in gens]).to(device)
            xb = torch.gather(X, 1, idx.unsqueeze(2).expand(-1, -1, X.shape[2]))
            yb = torch.gather(Y, 1, idx)
        else:
            xb, yb = X, Y
        f = families.forward(first, params, xb)
        losses = loss_per_member(train.loss, f, yb)
        tracker.observe_loss(step, losses)
        if cheap:
            with torch.no_grad():
                fd = f.detach()
                raw = (fd - F_clean).pow(2).mean(1)
                clipped = (torch.maximum(torch.minimum(fd, bound), -bound) - F_clean).pow(2).mean(1)
            tracker.observe_metrics(step, [{"train_loss": float(a), "train_error": float(b), "train_error_raw": float(c)}
                                           for a, b, c in zip(losses.detach(), clipped, raw)])
        objective = losses + penalty_per_member(first, params, lam)
        grads = torch.autograd.grad(objective.sum(), [params[k] for k in names])
        active_t.copy_(torch.tensor(tracker.active, dtype=torch.bool))
        opt.step(params, dict(zip(names, grads)), active_t)
    final_params = snapshot()
    final = measure(runs, final_params, init, datas, tracker.wanted_metrics(), final=True, is_grid=is_grid)
    finish_tracking(tracker, final)
    return [MemberOutcome(families.member(final_params, i), families.member(init, i), tracker.steps_done(i),
                          tracker.diverged_at[i], tracker.curves[i], final[i]) for i in range(E)]


def finish_tracking(tracker: Tracker, final: list[dict[str, float]]) -> None:
    """Record each member's final state at its own last step (diverged members have no final point)."""
    if not tracker.train.record.recording:
        return
    for i, values in enumerate(final):
        if tracker.diverged_at[i] is None:
            tracker.record(i, tracker.steps_done(i), values)
