"""The packed fast trainer for two-layer and random-feature models under full-batch GD.

Input:  a list of :class:`~mlc.compiler.lower.ensemble.Member` whose runs differ at most in width, seed, noise,
        learning rate, lambda and init_scale (see :func:`fast_eligible`).
Output: one :class:`~mlc.compiler.lower.ensemble.MemberOutcome` per member, the same numbers as the autograd
        trainer gives (tested), faster.
Role:   the hot loop of width/seed sweeps. Layout and algorithm:

  * Members that share a data set (same seed and noise) form a *data group* g. The hidden units of all members
    of a data group are concatenated into one hidden dimension of M units (padded to the largest group with
    units whose weights are zero, which stay zero). Buffers: ``Wt`` (G, d~, M) holds [W^T; c] (x~ = (x, 1)),
    ``a`` (G, M) the output weights, ``P`` (G, M, J) the 0/1 unit-to-member map.
  * Forward: H = X~ Wt (one bmm for every width and member of the data group), A = s(H) in place,
    f = A S with S = P * (scale a) (G, M, J): the segment sum per member as a thin matmul.
  * Backward by hand: r = c_loss (f - y); dL/dS = A^T r (restricted to the member's column through P gives
    dL/da); dL/dH = (r S^T) * s'(H) with s' computed from A; dL/dWt = X~^T dL/dH.
  * The n samples are processed in blocks of rows so that H and dL/dH of a block stay in cache; the gradient
    buffers accumulate across blocks (baddbmm); updates are in place into preallocated buffers.

Supported: families two_layer and random_features; any activation; scalings standard/ntk/mean_field; bias on or
off; loss mse or half_mse; penalty none, weight_decay or path_norm; optimizer gd without momentum; any record
metrics and stopping rule (metrics are measured by compiler.lower.measure on unpacked members).
"""

from __future__ import annotations

import torch

from mlc.compiler.ir import Run
from mlc.compiler.lower import families
from mlc.compiler.lower.ensemble import Member, MemberOutcome, effective_lr, finish_tracking
from mlc.compiler.lower.measure import measure
from mlc.compiler.lower.penalties import lam_of, penalty_factor
from mlc.compiler.lower.tracking import Tracker

BLOCK_ELEMENTS = 1 << 18  # rows per block chosen so that one (G, rows, M) activation block has about this many entries


def fast_eligible(run: Run) -> bool:
    """Whether a run can train on the packed fast path."""
    tr = run.train
    return (run.model.family in ("two_layer", "random_features")
            and tr.solve == "gd"
            and tr.optimizer.kind == "gd" and tr.optimizer.momentum == 0.0
            and tr.loss in ("mse", "half_mse")
            and tr.penalty.kind in ("none", "weight_decay", "path_norm"))


def _derivative_inplace(activation: str, R: torch.Tensor, A: torch.Tensor, tmp: torch.Tensor) -> None:
    """R *= s'(H), with s' written in terms of A = s(H)."""
    if activation == "relu":
        torch.gt(A, 0, out=tmp)
        R.mul_(tmp)
    elif activation == "tanh":
        torch.mul(A, A, out=tmp)
        tmp.neg_().add_(1.0)
        R.mul_(tmp)
    elif activation == "sigmoid":
        torch.mul(A, A, out=tmp)
        tmp.neg_().add_(A)
        R.mul_(tmp)


def _activate_inplace(activation: str, H: torch.Tensor) -> None:
    if activation == "relu":
        H.relu_()
    elif activation == "tanh":
        H.tanh_()
    elif activation == "sigmoid":
        H.sigmoid_()


class PackedGroup:
    """The packed buffers of a fast group and the per-step kernel."""

    def __init__(self, members: list[Member], device: torch.device, dtype: torch.dtype) -> None:
        first = members[0].run
        self.members = members
        self.model0 = first.model
        self.train = first.train
        self.device, self.dtype = device, dtype
        self.d = first.input.dim
        self.bias = first.model.bias
        self.inner = first.model.family == "two_layer"
        self.act = first.model.activation
        d, dp = self.d, self.d + (1 if self.bias else 0)
        self.dp = dp
        # Data groups: members that share the same DataSet object share X and y.
        groups: dict[int, list[int]] = {}
        for i, m in enumerate(members):
            groups.setdefault(id(m.data), []).append(i)
        self.groups = list(groups.values())
        G = len(self.groups)
        J = max(len(g) for g in self.groups)
        M = max(sum(members[i].run.model.width for i in g) for g in self.groups)
        self.G, self.J, self.M = G, J, M
        n = members[0].data.x_train.shape[0]
        self.n = n
        kw = dict(device=device, dtype=dtype)
        self.X = torch.zeros(G, n, dp, **kw)
        self.Y = torch.zeros(G, n, **kw)
        self.Wt = torch.zeros(G, dp, M, **kw)
        self.a = torch.zeros(G, M, **kw)
        self.scale = torch.zeros(G, M, **kw)
        self.P = torch.zeros(G, M, J, **kw)
        self.lr = torch.zeros(G, M, **kw)
        self.lam = torch.zeros(G, M, **kw)
        self.unit_active = torch.zeros(G, M, **kw)
        self.slot: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)] * len(members)  # (g, j, k0, k1)
        for g, idx in enumerate(self.groups):
            data = members[idx[0]].data
            self.X[g, :, :d] = data.x_train
            if self.bias:
                self.X[g, :, d] = 1.0
            self.Y[g] = data.y_train
            k0 = 0
            for j, i in enumerate(idx):
                run = members[i].run
                init = members[i].init
                m = run.model.width
                k1 = k0 + m
                self.slot[i] = (g, j, k0, k1)
                self.Wt[g, :d, k0:k1] = init["W"].T.to(**kw)
                if self.bias:
                    self.Wt[g, d, k0:k1] = init["c"].to(**kw)
                self.a[g, k0:k1] = init["a"].to(**kw)
                self.scale[g, k0:k1] = families.output_scale(run.model, d)
                self.P[g, k0:k1, j] = 1.0
                self.lr[g, k0:k1] = effective_lr(run)
                self.lam[g, k0:k1] = lam_of(run.train.penalty) * penalty_factor(
                    run.train.penalty.kind, run.model, d, n)
                self.unit_active[g, k0:k1] = 1.0
                k0 = k1
        self.loss_coef = 2.0 / n if self.train.loss == "mse" else 1.0 / n
        self.loss_norm = 1.0 / n if self.train.loss == "mse" else 0.5 / n
        rows = max(8, min(n, BLOCK_ELEMENTS // max(1, G * M)))
        self.blocks = [(s, min(rows, n - s)) for s in range(0, n, rows)]
        self.bufH = {nb: torch.empty(G, nb, M, **kw) for _, nb in self.blocks}
        self.bufR = {nb: torch.empty(G, nb, M, **kw) for _, nb in self.blocks} if self.inner else {}
        self.bufT = {nb: torch.empty(G, nb, M, **kw) for _, nb in self.blocks} if self.inner else {}
        self.gW = torch.zeros(G, dp, M, **kw)
        self.gS = torch.zeros(G, M, J, **kw)
        self.loss_acc = torch.zeros(G, J, **kw)

    # -------------------------------------------------------------------------------------------
    def pass_(self, need_grad: bool = True) -> torch.Tensor:
        """One pass over the data: member losses (len(members),) and, if asked, the gradients in gW, gS."""
        S = self.P * (self.scale * self.a).unsqueeze(2)
        St = S.transpose(1, 2)
        self.gW.zero_()
        self.gS.zero_()
        self.loss_acc.zero_()
        for s0, nb in self.blocks:
            Xb = self.X[:, s0:s0 + nb]
            H = self.bufH[nb]
            torch.bmm(Xb, self.Wt, out=H)
            _activate_inplace(self.act, H)
            r = torch.bmm(H, S)
            r.sub_(self.Y[:, s0:s0 + nb].unsqueeze(2))
            self.loss_acc.add_((r * r).sum(1))
            if not need_grad:
                continue
            r.mul_(self.loss_coef)
            self.gS.baddbmm_(H.transpose(1, 2), r)
            if self.inner:
                R = self.bufR[nb]
                torch.bmm(r, St, out=R)
                _derivative_inplace(self.act, R, H, self.bufT[nb])
                self.gW.baddbmm_(Xb.transpose(1, 2), R)
        losses = self.loss_acc * self.loss_norm
        return torch.stack([losses[g, j] for (g, j, _, _) in self.slot])

    def update(self) -> None:
        """In-place GD step on the packed parameters (frozen members have zero learning rate)."""
        ga = (self.gS * self.P).sum(2).mul_(self.scale)
        kind = self.train.penalty.kind
        if kind == "weight_decay":
            ga.add_(2.0 * self.lam * self.a)
            if self.inner:
                self.gW.add_(2.0 * self.lam.unsqueeze(1) * self.Wt)
        elif kind == "path_norm":
            # lam * scale * sum_k |a_k| (||W_k||_1 + |c_k|): subgradient sign(.), 0 at 0 (as autograd).
            coef = self.lam * self.scale
            ga.add_(coef * torch.sign(self.a) * self.Wt.abs().sum(1))
            if self.inner:
                self.gW.add_((coef * self.a.abs()).unsqueeze(1) * torch.sign(self.Wt))
        lr = self.lr * self.unit_active
        self.a.sub_(lr * ga)
        if self.inner:
            self.gW.mul_(lr.unsqueeze(1))
            self.Wt.sub_(self.gW)

    def unpack(self, i: int) -> families.Params:
        """Member i's parameters in the canonical layout (leading axis of size 1)."""
        g, _, k0, k1 = self.slot[i]
        W = self.Wt[g, :self.d, k0:k1].T.unsqueeze(0).clone()
        c = (self.Wt[g, self.d, k0:k1].unsqueeze(0).clone() if self.bias
             else torch.zeros(1, k1 - k0, device=self.device, dtype=self.dtype))
        a = self.a[g, k0:k1].unsqueeze(0).clone()
        return {"W": W, "c": c, "a": a}

    def freeze(self, i: int, remove: bool) -> None:
        """Stop updating member i; with ``remove`` also zero its units so they cannot poison the others
        (used for diverged members, whose parameters are saved before)."""
        g, _, k0, k1 = self.slot[i]
        self.unit_active[g, k0:k1] = 0.0
        if remove:
            self.Wt[g, :, k0:k1] = 0.0
            self.a[g, k0:k1] = 0.0


def train_fast(members: list[Member], device: torch.device, dtype: torch.dtype) -> list[MemberOutcome]:
    """Train a fast-eligible group (see the module docstring); same results as ``train_autograd``."""
    pk = PackedGroup(members, device, dtype)
    train = pk.train
    tracker = Tracker(train, len(members))
    inits = [{k: v.unsqueeze(0).to(device=device, dtype=dtype) for k, v in m.init.items()} for m in members]
    saved: dict[int, families.Params] = {}

    def measure_all(names: tuple[str, ...], final: bool = False) -> list[dict[str, float]]:
        out = []
        for i, m in enumerate(members):
            params = saved.get(i) or pk.unpack(i)
            out.append(measure(m.run.model, train.loss, params, inits[i], [m.data], names, final=final,
                               is_grid=m.is_grid)[0])
        return out

    for step in range(train.steps):
        if not tracker.any_active():
            break
        if tracker.metrics_due(step):
            for i in tracker.observe_metrics(step, measure_all(tracker.wanted_metrics())):
                pk.freeze(i, remove=False)
            if not tracker.any_active():
                break
        losses = pk.pass_()
        diverged = tracker.observe_loss(step, losses)
        if diverged:
            for i in diverged:
                saved[i] = pk.unpack(i)
                pk.freeze(i, remove=True)
            if not tracker.any_active():
                break
            pk.pass_()  # the diverged members' NaNs may have reached shared buffers: recompute cleanly
        pk.update()
    final = measure_all(tracker.wanted_metrics(), final=True)
    finish_tracking(tracker, final)
    return [MemberOutcome(saved.get(i) or pk.unpack(i), inits[i], tracker.steps_done(i), tracker.diverged_at[i],
                          tracker.curves[i], final[i]) for i in range(len(members))]
