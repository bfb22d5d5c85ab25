"""The gradient-flow trainer: `optimizer = flow(...)`, any family, integrated by torchdiffeq.

Input:  a list of :class:`~mlc.compiler.lower.ensemble.Member` whose training has ``optimizer.kind == "flow"``
        (runs of the same shape, as the autograd trainer's groups).
Output: one :class:`~mlc.compiler.lower.ensemble.MemberOutcome` per member: the parameters at ``train.time``, the
        curves at the record times (t, not steps), the final metrics with the solver's work (``flow_nfe``).
Role:   solve dθ/dt = -r ∇J(θ) for the whole ensemble at once, where J = loss + penalty is the objective the
        autograd trainer's GD steps on and r is each member's effective learning rate of lr = 1
        (``Run.conventions.lr``: x fan_in under mean_field), so GD with learning rate η after k steps is the Euler
        discretisation of this flow at t = η·k. The state is the tuple of trained ensemble tensors; one function
        evaluation is one forward and backward pass of the ensemble (the objective summed over members, so each
        member receives exactly its own gradient). The adaptive solver (``optimizer.method``, default dopri5)
        keeps every member's local error within ``rtol``·|θ| + ``atol``: its error norm is the largest of the
        members' RMS norms, so a member in an ensemble is integrated at least as accurately as alone.
        ``record = every N`` / ``at POINTS`` are times t; the solver returns the state there by its dense output.
        A flow never diverges by a step that is too large; a solve whose step size collapses (a non-smooth or
        exploding objective, or a tolerance the dtype cannot meet) raises :class:`FlowFailed` with the time it
        reached.
"""

from __future__ import annotations

from typing import Callable

import torch

from mlc.compiler.ir import Train
from mlc.compiler.lower import families
from mlc.compiler.lower.closed_forms import record_points
from mlc.compiler.lower.ensemble import Member, MemberOutcome, finish_tracking, learning_rates, stack_group
from mlc.compiler.lower.losses import loss_per_member
from mlc.compiler.lower.measure import measure
from mlc.compiler.lower.penalties import penalty_per_member
from mlc.compiler.lower.tracking import Tracker

FLOW_MAX_STEPS = 200_000
"""The most solver steps one flow may take before it is stopped as stiff (each is ~6 gradient evaluations)."""


class FlowFailed(RuntimeError):
    """The ODE solver could not integrate the flow to its time (its step size collapsed, or it ran out of steps)."""


def member_norm(size: int) -> Callable[[tuple[torch.Tensor, ...]], torch.Tensor]:
    """The solver's error norm: the largest of the members' RMS norms over their trained tensors (each tensor's
    leading axis is the ensemble's)."""

    def norm(state: tuple[torch.Tensor, ...]) -> torch.Tensor:
        squares = torch.stack([s.reshape(size, -1).pow(2).sum(1) for s in state]).sum(0)
        count = sum(s[0].numel() for s in state)
        return (squares / count).sqrt().max()

    return norm


def train_flow(members: list[Member], device: torch.device, dtype: torch.dtype) -> list[MemberOutcome]:
    """Integrate the gradient flow of a group of same-shape members (see the module docstring)."""
    from torchdiffeq import odeint  # the lowering's own dependency; the front end never loads it

    first = members[0].run
    runs = [m.run for m in members]
    train: Train = first.train
    assert train.flow and train.optimizer is not None and train.time is not None, "train_flow needs a flow"
    opt = train.optimizer
    E = len(members)
    names = first.conventions.trained
    params, init, X, Y, datas, lam = stack_group(members, device, dtype)
    rate = {name: learning_rates(members, name, device, dtype) for name in names}
    tracker = Tracker(train, E)
    nfe = 0

    def field(t: torch.Tensor, state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        nonlocal nfe
        nfe += 1
        with torch.enable_grad():
            leaves = [s.detach().requires_grad_(True) for s in state]
            p = {**params, **dict(zip(names, leaves))}
            f = families.forward(first, p, X)
            objective = loss_per_member(train.loss, f, Y) + penalty_per_member(first, p, lam)
            grads = torch.autograd.grad(objective.sum(), leaves)
        return tuple(-rate[name].reshape((-1,) + (1,) * (g.dim() - 1)) * g for name, g in zip(names, grads))

    end = float(train.time)
    points = record_points(train.record, end, flow=True) if train.record.recording else []
    times = sorted({0.0, *points, end})
    y0 = tuple(params[name] for name in names)
    try:
        path = odeint(field, y0, torch.tensor(times, dtype=torch.float64, device=device), rtol=opt.rtol,
                      atol=opt.atol, method=opt.method,
                      options={"norm": member_norm(E), "max_num_steps": FLOW_MAX_STEPS})
    except AssertionError as exc:  # torchdiffeq asserts on a collapsed step size and on max_num_steps
        raise FlowFailed(f"the {opt.method} solver could not integrate the flow to t = {end:g} after {nfe} "
                         f"gradient evaluations ({exc}); loosen rtol/atol, use --dtype float64, or check that the "
                         "objective is smooth") from None

    def at(index: int) -> families.Params:
        return {**{k: v.detach() for k, v in params.items()}, **{name: path[j][index].detach()
                                                                  for j, name in enumerate(names)}}

    wanted = tracker.wanted_metrics()
    for index, t in enumerate(times[:-1]):
        if t in points:
            tracker.observe_metrics(t, measure(runs, at(index), init, datas, wanted,  # type: ignore[arg-type]
                                               is_grid=members[0].is_grid))
    final_params = at(len(times) - 1)
    final = measure(runs, final_params, init, datas, wanted, final=True, is_grid=members[0].is_grid)
    for values in final:
        values["flow_nfe"] = float(nfe)
    if train.record.recording:
        for i, values in enumerate(final):
            tracker.record(i, end, values)  # type: ignore[arg-type]  # the end is a time of the flow
    else:
        finish_tracking(tracker, final)
    return [MemberOutcome(families.member(final_params, i), families.member(init, i), 0, None, tracker.curves[i],
                          final[i]) for i in range(E)]
