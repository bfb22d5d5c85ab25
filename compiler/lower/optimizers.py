"""Optimizers acting on ensemble tensors with per-member learning rates.

Input:  parameter tensors with a leading ensemble axis E, their gradients, per-member learning rates (E,) of each
        parameter group (``Run.conventions.lr``) and
        an ``active`` mask (E,) (diverged or stopped members are frozen).
Output: in-place updates of the parameters.
Role:   gd / sgd (optionally with heavy-ball momentum, as torch.optim.SGD: buf = mu buf + g; p -= lr buf) and
        adam (bias-corrected, with the spec's ``eps``, default 1e-8, as torch.optim.Adam). One member's update never reads another's state,
        so a member trained in an ensemble follows the same trajectory as trained alone.
"""

from __future__ import annotations

import torch

from mlc.compiler.ir import Optimizer

def _per_member(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.reshape((-1,) + (1,) * (like.dim() - 1))


class EnsembleOptimizer:
    """A gd/sgd/adam optimizer for a dict of ensemble tensors."""

    def __init__(self, spec: Optimizer, lr: dict[str, torch.Tensor]) -> None:
        self.spec = spec
        self.lr = lr
        self.state: dict[str, dict[str, torch.Tensor]] = {}
        self.t = 0

    @torch.no_grad()
    def step(self, params: dict[str, torch.Tensor], grads: dict[str, torch.Tensor],
             active: torch.Tensor) -> None:
        """Update every parameter in ``grads``; members with ``active`` False are left untouched."""
        self.t += 1
        kind = self.spec.kind
        for name, g in grads.items():
            p = params[name]
            lr = _per_member(self.lr[name], p)
            act = _per_member(active, p)
            st = self.state.setdefault(name, {})
            if kind in ("gd", "sgd"):
                if self.spec.momentum:
                    buf = st.get("buf")
                    buf = g.clone() if buf is None else torch.where(act, buf * self.spec.momentum + g, buf)
                    st["buf"] = buf
                    direction = buf
                else:
                    direction = g
                p.copy_(torch.where(act, p - lr * direction, p))
            elif kind == "adam":
                b1, b2 = self.spec.betas
                if "m" not in st:
                    st["m"], st["v"] = torch.zeros_like(p), torch.zeros_like(p)
                m, v = st["m"], st["v"]
                m = torch.where(act, b1 * m + (1 - b1) * g, m)
                v = torch.where(act, b2 * v + (1 - b2) * g * g, v)
                st["m"], st["v"] = m, v
                # Per-member step counts would differ only for frozen members, which are never updated again.
                mhat = m / (1 - b1 ** self.t)
                vhat = v / (1 - b2 ** self.t)
                p.copy_(torch.where(act, p - lr * mhat / (vhat.sqrt() + self.spec.eps), p))
            else:
                raise ValueError(f"unknown optimizer {kind!r}")
