"""Training losses with an ensemble axis.

Input:  predictions f (E, n) and labels y (E, n).
Output: the per-member loss (E,).
Role:   the three losses of the IR: ``mse`` = (1/n) sum (f - y)^2, ``half_mse`` = half of it (the normalisation of
        T4/T5), ``logistic`` = (1/n) sum log(1 + exp(-sign(y) f)): a two-class problem whose labels are the sign of f* (plus
        label noise), so that any real-valued target defines the classes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def loss_per_member(kind: str, f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss of each member, shape (E,)."""
    if kind == "mse":
        return (f - y).pow(2).mean(-1)
    if kind == "half_mse":
        return 0.5 * (f - y).pow(2).mean(-1)
    if kind == "logistic":
        return F.softplus(-torch.sign(y) * f).mean(-1)
    raise ValueError(f"unknown loss {kind!r}")
