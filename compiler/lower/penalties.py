"""Penalty terms, in the normalisation of the theorem that uses them.

Input:  the model, its ensemble parameters, per-member lambda (E,), d and n.
Output: the penalty of each member (E,), differentiable by autograd.
Role:   one definition of every penalty, shared by the autograd trainer and (through the same formulas, derived
        by hand) the fast path.

With eps = sqrt(2 ln(2 d_eff) / n) and d_eff = d + 1 when the model has a bias, else d:
  * ``path_norm``           lambda * eps * ||theta||_P            (T5; ||theta||_P in the model's scaling)
  * ``weighted_path_norm``  lambda * eps * ||theta||_WP           (T12, ResNets)
  * ``rkhs_norm``           lambda * sqrt(ln(2 d_eff) / n) * ||theta||_H   (T9c slide form; random features)
  * ``weight_decay``        lambda * sum of squares of the trained parameters (no normalisation)
``lambda = auto`` is resolved by the checker into Penalty.lam: 4 on half_mse (T5's choice), 8 on mse (the same
objective doubled). :func:`lam_of` applies the same rule if a hand-built IR leaves lam = 0 with auto.
"""

from __future__ import annotations

import math
from typing import cast

import torch

from mlc.compiler.ir import Model, Penalty
from mlc.compiler.lower import families

AUTO_LAMBDA = 4.0  # T5's lambda for the loss MSE/2


def lam_of(penalty: Penalty, loss: str = "half_mse") -> float:
    """The numeric lambda of a penalty: ``Penalty.lam`` as resolved by the checker; for ``auto`` left at 0,
    4 on half_mse and 8 on mse (the checker's rule)."""
    if penalty.auto and penalty.lam == 0.0:
        return AUTO_LAMBDA if loss == "half_mse" else 2.0 * AUTO_LAMBDA
    return float(penalty.lam)


def d_eff(model: Model, d: int) -> int:
    return d + 1 if model.bias else d


def penalty_factor(kind: str, model: Model, d: int, n: int) -> float:
    """The constant that multiplies lambda * norm for each penalty kind."""
    de = d_eff(model, d)
    if kind in ("path_norm", "weighted_path_norm"):
        return math.sqrt(2.0 * math.log(2.0 * de) / n)
    if kind == "rkhs_norm":
        return math.sqrt(math.log(2.0 * de) / n)
    return 1.0


def penalty_per_member(penalty: Penalty, model: Model, params: families.Params, lam: torch.Tensor,
                       d: int, n: int) -> torch.Tensor:
    """lambda_e * factor * norm_e, shape (E,); zeros for ``none``."""
    kind = penalty.kind
    E = lam.shape[0]
    if kind == "none":
        return torch.zeros(E, dtype=lam.dtype, device=lam.device)
    factor = penalty_factor(kind, model, d, n)
    if kind == "path_norm":
        norm = families.path_norm(model, params, d)
    elif kind == "weighted_path_norm":
        norm = families.weighted_path_norm(model, params, d)
    elif kind == "rkhs_norm":
        norm = families.rkhs_norm(model, params, d)
    elif kind == "weight_decay":
        norm = cast(torch.Tensor, sum(params[name].pow(2).flatten(1).sum(-1) for name in families.trainable(model)))
    else:
        raise ValueError(f"unknown penalty {kind!r}")
    return lam * factor * norm
