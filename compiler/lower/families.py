"""The lowering's face of the family registry: ensembles of parameters and calls to a run's family.

Input:  a resolved :class:`~mlc.compiler.ir.Run` (its family is looked up in ``mlc.compiler.families``),
        parameter dictionaries with a leading ensemble axis E.
Output: initial parameters, outputs (E, n), norms (E,), stacked and unstacked ensembles.
Role:   the trainers and the measurement never test a family's name: they ask the run's family
        (:class:`mlc.compiler.families.Family`) for its init, forward pass and norms. Each family's module
        documents its parameterisation, initialisation and norms; the output scale is
        ``run.conventions.output_scale`` (``compiler.conventions``).
"""

from __future__ import annotations

import torch

from mlc.compiler import families
from mlc.compiler.families.base import activation
from mlc.compiler.ir import Run

Params = dict[str, torch.Tensor]

__all__ = ["Params", "activation", "features", "forward", "init_member", "member", "norm", "stack_members"]


def init_member(run: Run, gen: torch.Generator) -> Params:
    """One member's initial parameters (float64, CPU, no ensemble axis), drawn from ``gen``."""
    return families.of(run.model).init(run, gen)


def forward(run: Run, params: Params, x: torch.Tensor) -> torch.Tensor:
    """Outputs (E, n) of an ensemble of runs shaped like ``run`` on inputs x (E, n, d)."""
    return families.of(run.model).forward(run, params, x)


def norm(name: str, run: Run, params: Params) -> torch.Tensor:
    """The norm metric ``name`` (path_norm, weighted_path_norm, rkhs_norm) of each member, shape (E,)."""
    return families.of(run.model).norm(name, run, params)


def features(run: Run, params: Params, x: torch.Tensor) -> torch.Tensor:
    """Phi (n, m) of one member of a linear-in-``a`` family (f = Phi a), for the closed forms and lambda_min."""
    return families.of(run.model).features(run, params, x)


def stack_members(members: list[Params]) -> Params:
    """Stack per-member parameter dicts along a new leading ensemble axis."""
    return {k: torch.stack([p[k] for p in members]) for k in members[0]}


def member(params: Params, i: int) -> Params:
    """Member i of an ensemble, keeping a leading axis of size 1."""
    return {k: v[i:i + 1] for k, v in params.items()}
