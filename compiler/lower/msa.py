"""The method of successive approximations (``optimizer = msa``): extended MSA for layered families, in ensembles.

Input:  a list of :class:`~mlc.compiler.lower.ensemble.Member` of a layered family (``Family.stages``: the ResNet)
        whose training has ``optimizer = msa(lr, rho, inner_steps)``.
Output: one :class:`~mlc.compiler.lower.ensemble.MemberOutcome` per member, as the autograd trainer gives.
Role:   trains by Pontryagin's maximum principle instead of by gradient descent: the extended method of
        successive approximations (E-MSA) of Li, Chen, Tai & E, "Maximum principle based algorithms for deep
        learning", JMLR 18 (2018), in its discrete-time form. The network is a chain of stages
        z_{k+1} = g_k(z_k, θ_k), k = 0..K-1 (z_0 = x, z_K = f; for the ResNet: V, the L blocks, the read-out), and
        the objective is J = (1/n) Σ_s Φ(f^s, y^s) (the spec's loss) plus a separable penalty (weight decay).
        One MSA iteration, from the current parameters θ:

        1. state pass: z_{k+1}^s = g_k(z_k^s, θ_k) for every sample s;
        2. co-state pass: p_K^s = -∂Φ(f^s, y^s)/∂f^s, p_k^s = ∇_z H_k(z_k^s, p_{k+1}^s, θ_k) with the
           Hamiltonian H_k(z, p, θ) = p·g_k(z, θ) (so p_k^s = -n ∂J/∂z_k^s: the back-propagated gradients);
        3. for every stage at once, maximise over θ'_k the extended Hamiltonian
           M_k(θ'_k) = (1/n) Σ_s [ H_k(z_k^s, p_{k+1}^s, θ'_k)
                                  - (ρ/2) |z_{k+1}^s - g_k(z_k^s, θ'_k)|²
                                  - (ρ/2) |p_k^s - ∇_z H_k(z_k^s, p_{k+1}^s, θ'_k)|² ]  (the last term for k ≥ 1)
           minus the stage's share of the penalty, by ``inner_steps`` gradient-ascent steps of size ``lr`` (per
           parameter group, ``Run.conventions.lr``, so that mean-field scaling rescales it as GD's) from θ_k.

        The ρ terms are E-MSA's: they keep each layer's update from moving its states and co-states far from
        those the maximisation was linearised at, which makes the iteration converge for ρ large enough (the
        plain MSA, ρ = 0, maximises a Hamiltonian linear in the output weights and diverges). At θ'_k = θ_k the
        ρ terms and their gradients vanish and ∇M_k = -∂J/∂θ_k, so one inner step is one GD step (tested).

Each member's sums are its own: the states, co-states and maximisations carry the ensemble axis, ``lr`` and ρ
are per member, and the ascent's objective is the sum of the members' (each receives its own gradient), so a
member trained in an ensemble follows the same trajectory as trained alone. The stages' maximisations are
independent given the passes, so one backward pass serves every stage's ascent step, and the stages that are
layers of the same stacked tensors (the ResNet's blocks) are evaluated as one batch.
"""

from __future__ import annotations

import torch

from mlc.compiler import families as registry
from mlc.compiler.families.base import Stage
from mlc.compiler.ir import Run
from mlc.compiler.lower import families
from mlc.compiler.lower.checkpoint import Checkpoint, autograd_state, restore_autograd
from mlc.compiler.lower.ensemble import Member, MemberOutcome, finish_tracking, learning_rates, stack_group
from mlc.compiler.lower.losses import loss_per_member
from mlc.compiler.lower.measure import measure
from mlc.compiler.lower.optimizers import EnsembleOptimizer
from mlc.compiler.lower.penalties import penalty_per_member
from mlc.compiler.lower.tracking import Tracker


def _own(stage: Stage, params: families.Params) -> families.Params:
    """The stage's parameters (a layer of a stacked tensor is a view: its gradient lands in the whole)."""
    return {name: params[name] if layer is None else params[name][:, layer] for name, layer in stage.params}


def _per_sample(t: torch.Tensor) -> torch.Tensor:
    """(E, n, ...) -> (E, n): the sum over each sample's components (a state, or the scalar output)."""
    return t.reshape(t.shape[0], t.shape[1], -1).sum(-1)


def passes(run: Run, stages: tuple[Stage, ...], params: families.Params, x: torch.Tensor,
           y: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """The state pass and the co-state pass at ``params``: the states z_0 = x, ..., z_K = f, the co-states
    p_1, ..., p_K (``costates[k]`` is p_{k+1}, the co-state of stage k's output) and each member's loss (E,)."""
    states = [x]
    for stage in stages:
        states.append(stage.apply(_own(stage, params), states[-1]))
    losses = loss_per_member(run.train.loss, states[-1], y)
    n = x.shape[1]
    grads = torch.autograd.grad(losses.sum(), states[1:])
    costates = [-n * g.detach() for g in grads]  # p_k^s = -∂Φ_s/∂z_k^s, with J = (1/n) Σ_s Φ_s
    return [z.detach() for z in states], costates, losses.detach()


def runs_of_layers(stages: tuple[Stage, ...]) -> list[tuple[int, int]]:
    """The stages as (first, count) runs: consecutive stages with the same map and the consecutive layers of the
    same stacked parameters (the ResNet's blocks), whose maximisations are batched as one; others alone."""
    out: list[tuple[int, int]] = []
    for k, stage in enumerate(stages):
        if out and k > 1 and out[-1][0] > 0:
            first, count = out[-1]
            head = stages[first]
            if (stage.apply is head.apply and [n for n, _ in stage.params] == [n for n, _ in head.params]
                    and all(l is not None and h is not None and l == h + count
                            for (_, l), (_, h) in zip(stage.params, head.params))):
                out[-1] = (first, count + 1)
                continue
        out.append((k, 1))
    return out


def _own_layers(stage: Stage, params: families.Params, count: int) -> families.Params:
    """The parameters of ``count`` consecutive stages from ``stage`` on, their layers along the ensemble axis."""
    out: families.Params = {}
    for name, layer in stage.params:
        assert layer is not None, "runs_of_layers batches layers of stacked tensors only"
        out[name] = params[name][:, layer:layer + count].flatten(0, 1)
    return out


def _stacked(tensors: list[torch.Tensor]) -> torch.Tensor:
    """G tensors (E, ...) -> (E·G, ...), member-major (member e's G entries are rows e·G .. e·G + G - 1)."""
    return torch.stack(tensors, dim=1).flatten(0, 1)


def extended_hamiltonian(stages: tuple[Stage, ...], params: families.Params, states: list[torch.Tensor],
                         costates: list[torch.Tensor], rho: torch.Tensor,
                         runs: list[tuple[int, int]] | None = None) -> torch.Tensor:
    """Σ_k M_k of each member (E,) at ``params`` (see the module docstring), differentiable in ``params``. The
    stages of one of ``runs`` (:func:`runs_of_layers`; default every stage alone) are evaluated as one batch:
    their layers stacked along the ensemble axis, which the maps treat as members."""
    E = states[0].shape[0]
    total = torch.zeros(E, dtype=rho.dtype, device=rho.device)
    for k, count in runs if runs is not None else [(k, 1) for k in range(len(stages))]:
        stage = stages[k]
        if count == 1:
            own, z_in = _own(stage, params), states[k].detach()
            z_out, p_out, p_in, r = states[k + 1], costates[k], costates[k - 1] if k > 0 else None, rho
        else:  # layers k .. k + count - 1 of the same tensors: (E, count, ...) -> (E·count, ...)
            own = _own_layers(stage, params, count)
            z_in = _stacked(states[k:k + count]).detach()
            z_out, p_out = _stacked(states[k + 1:k + count + 1]), _stacked(costates[k:k + count])
            p_in, r = _stacked(costates[k - 1:k + count - 1]), rho.repeat_interleave(count)
        z_in.requires_grad_(p_in is not None)  # its co-state term needs ∇_z H (not for the data x)
        out = stage.apply(own, z_in)
        hamiltonian = _per_sample(p_out * out)
        terms = hamiltonian - 0.5 * r.unsqueeze(1) * _per_sample((z_out - out).pow(2))
        if p_in is not None:
            (grad_z,) = torch.autograd.grad(hamiltonian.sum(), z_in, create_graph=True)  # ∇_z H_k, a function of θ
            terms = terms - 0.5 * r.unsqueeze(1) * _per_sample((p_in - grad_z).pow(2))
        total = total + terms.mean(1).reshape(E, count).sum(1)
    return total


def train_msa(members: list[Member], device: torch.device, dtype: torch.dtype,
              checkpoint: Checkpoint | None = None) -> list[MemberOutcome]:
    """Train a group of same-shape members of a layered family by E-MSA (see the module docstring); with
    ``checkpoint``, resume from its saved state and save at the step boundaries it asks for."""
    first = members[0].run
    train = first.train
    spec = train.optimizer
    assert spec is not None and spec.kind == "msa" and train.steps is not None
    family = registry.of(first.model)
    stages = family.stages(first)
    batched = runs_of_layers(stages)  # the blocks' maximisations as one batch
    E = len(members)
    names = first.conventions.trained
    params, init, X, Y, datas, lam = stack_group(members, device, dtype)
    lr = {name: learning_rates(members, name, device, dtype).reshape(-1, *(1,) * (params[name].dim() - 1))
          for name in names}
    rho = torch.tensor([m.run.train.optimizer.rho if m.run.train.optimizer else 0.0 for m in members],
                       dtype=dtype, device=device)
    tracker = Tracker(train, E)
    no_state = EnsembleOptimizer(spec, {})  # MSA keeps no state between iterations: only the parameters
    is_grid = members[0].is_grid
    runs = [m.run for m in members]
    start = restore_autograd(checkpoint.resume(), params, no_state, tracker, []) if checkpoint else 0
    for step in range(start, train.steps):
        if checkpoint is not None and checkpoint.due(step):
            checkpoint.save(step, autograd_state(step, params, no_state, tracker, []))
        if not tracker.any_active():
            break
        if tracker.metrics_due(step):
            metrics = measure(runs, {k: v.detach() for k, v in params.items()}, init, datas,
                              tracker.wanted_metrics(), is_grid=is_grid)
            tracker.observe_metrics(step, metrics)
            if not tracker.any_active():
                break
        for k in names:
            params[k].requires_grad_(True)
        states, costates, losses = passes(first, stages, params, X, Y)
        tracker.observe_loss(step, losses)
        active = torch.tensor(tracker.active, dtype=torch.bool, device=device)
        theta = {k: v.detach().clone().requires_grad_(k in names) for k, v in params.items()}
        for _ in range(spec.inner_steps):
            objective = extended_hamiltonian(stages, theta, states, costates, rho, batched) \
                - penalty_per_member(first, theta, lam)
            grads = torch.autograd.grad(objective.sum(), [theta[k] for k in names])
            with torch.no_grad():
                for k, g in zip(names, grads):
                    theta[k].add_(lr[k] * g)  # ascent: the Hamiltonian is maximised
        with torch.no_grad():
            for k in names:
                act = active.reshape(-1, *(1,) * (params[k].dim() - 1))
                params[k] = torch.where(act, theta[k].detach(), params[k].detach())
    final_params = {k: v.detach() for k, v in params.items()}
    final = measure(runs, final_params, init, datas, tracker.wanted_metrics(), final=True, is_grid=is_grid)
    finish_tracking(tracker, final)
    return [MemberOutcome(families.member(final_params, i), families.member(init, i), tracker.steps_done(i),
                          tracker.diverged_at[i], tracker.curves[i], final[i]) for i in range(E)]
