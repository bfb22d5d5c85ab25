"""Penalty terms, in the normalisation of the theorem that uses them.

Input:  a run (its penalty kind and conventions), its ensemble parameters, per-member lambda (E,).
Output: the penalty of each member (E,), differentiable by autograd.
Role:   one definition of every penalty, shared by the autograd trainer and (through the same formulas, derived
        by hand) the fast path. The penalty is lambda * c * norm with c = ``run.conventions.penalty_factor``
        (``compiler.conventions`` fixes c and resolves ``lambda = auto`` into ``Penalty.lam``):
  * ``path_norm``           lambda * eps_n * ||theta||_P    (T5; ||theta||_P in the model's scaling)
  * ``weighted_path_norm``  lambda * eps_n * ||theta||_WP   (T12, ResNets)
  * ``rkhs_norm``           lambda * sqrt(ln(2 d_eff) / n) * ||theta||_H   (T9c slide form; random features)
  * ``weight_decay``        lambda * sum of squares of the trained parameters (no normalisation)
"""

from __future__ import annotations

import torch

from mlc.compiler.ir import Run
from mlc.compiler.lower import families


def penalty_norm(run: Run, params: families.Params) -> torch.Tensor:
    """The norm each member's penalty is proportional to, shape (E,) (see the module docstring)."""
    kind = run.train.penalty.kind
    if kind == "path_norm":
        return families.norm("path_norm", run, params)
    if kind == "weighted_path_norm":
        return families.norm("weighted_path_norm", run, params)
    if kind == "rkhs_norm":
        return families.norm("rkhs_norm", run, params)
    if kind == "weight_decay":
        return sum(params[name].pow(2).flatten(1).sum(-1) for name in run.conventions.trained)  # type: ignore[return-value]
    raise ValueError(f"unknown penalty {kind!r}")


def penalty_per_member(run: Run, params: families.Params, lam: torch.Tensor) -> torch.Tensor:
    """lambda_e * c * norm_e, shape (E,), for an ensemble of runs shaped like ``run``; zeros for ``none``."""
    if run.train.penalty.kind == "none":
        return torch.zeros(lam.shape[0], dtype=lam.dtype, device=lam.device)
    return lam * run.conventions.penalty_factor * penalty_norm(run, params)
