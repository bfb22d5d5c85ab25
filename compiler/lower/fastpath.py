"""The packed fast trainer for two-layer and random-feature models under full-batch GD.

Input:  a list of :class:`~mlc.compiler.lower.ensemble.Member` whose runs differ at most in width, seed, noise,
        learning rate, lambda and init_scale (see :func:`mlc.compiler.lower.grouping.fast_eligible`).
Output: one :class:`~mlc.compiler.lower.ensemble.MemberOutcome` per member, the same numbers as the autograd
        trainer gives (tested), faster.
Role:   the hot loop of width/seed sweeps. Layout and algorithm:

  * Members that share a data set (same seed and noise) form a *data group* g (G groups). Inside a group the
    members are sorted by width and occupy *segments* j = 0..J-1 of one hidden dimension of M units; segment j
    has the same column range in every group (its width is the largest j-th width, smaller members are padded
    with zero units that have learning rate 0). Buffers: ``Wt`` (G, d~, M) holds [W^T; c] (x~ = (x, 1)),
    ``a`` (G, M) the output weights.
  * Forward: H = X~ Wt is ONE batched matmul for every width and member; A = s(H) in place; per segment
    f_j = A_j (scale a)_j (a matrix-vector product).
  * Backward by hand: r = c_loss (f - y); Q_j = X~^T (r_j * s'(H_j)) (one matmul per segment, s' from A), so that
    dL/dWt_j = (scale a)_j * Q_j. For ReLU, A becomes its 0/1 mask in place and Q_j = (X~ * r_j)^T 1[H_j > 0]
    (the residual scales the small input block, not the activations). For ReLU, 1-homogeneity gives dL/da_k = scale_k (Q_k . Wt_k) with no extra
    pass; for other activations and for random features dL/da_j = scale_j A_j^T r_j.
  * The n samples are processed in blocks of rows so that a block of H stays in cache; the gradient buffers
    accumulate across blocks (baddbmm); all buffers are preallocated and updated in place; the per-segment
    partial sums are contiguous pieces of one flat buffer (one op zeroes or reduces them all).
  * The rows are split into ROW_WORKERS fixed ranges with their own partial sums, reduced in a fixed order; on a
    multi-core CPU the ranges run in parallel Python threads with single-threaded torch ops (perfect balance
    whatever the widths, no thread barrier per small op).

Supported: families with a ``fast_path`` (``mlc.compiler.families``: two_layer, random_features); any
activation; scalings standard/ntk/mean_field; bias on or off; loss mse or half_mse; penalty none, weight_decay
or path_norm; optimizer gd without momentum; any record metrics and stopping rule (metrics are measured by
compiler.lower.measure on unpacked members). The row workers live in ``compiler.lower.fastpath_rows``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TypedDict

import torch

from mlc.compiler import families
from mlc.compiler.lower import families as lowered
from mlc.compiler.lower.blocks import ROW_WORKERS
from mlc.compiler.lower.checkpoint import Checkpoint, fast_state, restore_fast
from mlc.compiler.lower.ensemble import Member, MemberOutcome, finish_tracking
from mlc.compiler.lower.fastpath_rows import RowWorker
from mlc.compiler.lower.measure import clip_bound, measure
from mlc.compiler.lower.tracking import Tracker


class _Where(TypedDict):
    """Where new buffers live (``torch.zeros(..., **kw)``)."""

    device: torch.device
    dtype: torch.dtype


class PackedGroup:
    """The packed buffers of a fast group and the per-step kernel."""

    def __init__(self, members: list[Member], device: torch.device, dtype: torch.dtype) -> None:
        first = members[0].run
        self.members = members
        self.train = first.train
        self.device, self.dtype = device, dtype
        self.d = d = first.input.dim
        self.bias = first.model.bias
        fast = families.of(first.model).fast_path
        assert fast is not None
        self.inner = fast.inner_trained
        self.act = first.model.activation
        self.dp = dp = d + (1 if self.bias else 0)
        # Data groups: members that share the same DataSet object share X and y; sorted by width inside.
        by_data: dict[int, list[int]] = {}
        for i, m in enumerate(members):
            by_data.setdefault(id(m.data), []).append(i)
        self.groups = [sorted(g, key=lambda i: (members[i].run.model.width, i)) for g in by_data.values()]
        G = len(self.groups)
        J = max(len(g) for g in self.groups)
        seg_w = [max(members[g[j]].run.model.width for g in self.groups if j < len(g)) for j in range(J)]
        offs = [0]
        for w in seg_w:
            offs.append(offs[-1] + w)
        M = offs[-1]
        self.G, self.J, self.M, self.seg_w, self.offs = G, J, M, seg_w, offs
        n = members[0].data.x_train.shape[0]
        self.n = n
        kw: _Where = {"device": device, "dtype": dtype}
        self.X = torch.zeros(G, n, dp, **kw)
        self.Y = torch.zeros(G, n, **kw)
        self.Wt = torch.zeros(G, dp, M, **kw)
        self.a = torch.zeros(G, M, **kw)
        self.scale = torch.zeros(G, M, **kw)
        self.lr = torch.zeros(G, M, **kw)  # of the output weights a
        self.lr_inner = torch.zeros(G, M, **kw)  # of the inner weights [W^T; c] (one group on this path)
        self.lam = torch.zeros(G, M, **kw)
        self.unit_active = torch.zeros(G, M, **kw)
        self.slot: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)] * len(members)  # (g, j, k0, k1)
        for g, idx in enumerate(self.groups):
            data = members[idx[0]].data
            self.X[g, :, :d] = data.x_train
            if self.bias:
                self.X[g, :, d] = 1.0
            self.Y[g] = data.y_train
            for j, i in enumerate(idx):
                run, init = members[i].run, members[i].init
                k0 = offs[j]
                k1 = k0 + run.model.width
                self.slot[i] = (g, j, k0, k1)
                self.Wt[g, :d, k0:k1] = init["W"].T.to(**kw)
                if self.bias:
                    self.Wt[g, d, k0:k1] = init["c"].to(**kw)
                self.a[g, k0:k1] = init["a"].to(**kw)
                conv = run.conventions
                self.scale[g, k0:k1] = conv.output_scale
                self.lr[g, k0:k1] = conv.lr["a"]
                self.lr_inner[g, k0:k1] = conv.lr.get("W", 0.0)
                self.lam[g, k0:k1] = run.train.penalty.lam * conv.penalty_factor
                self.unit_active[g, k0:k1] = 1.0
        self.slot_index = torch.tensor([g * J + j for (g, j, _, _) in self.slot], device=device)
        k = first.conventions.loss_factor  # dL/df = (k/n)(f - y); L = (k/2n) sum (f - y)^2
        self.loss_coef = k / n
        self.loss_norm = 0.5 * k / n
        # dL/da from Q by 1-homogeneity (ReLU with the bias inside x~, or no bias at all).
        self.homogeneous = self.inner and self.act == "relu"
        # The rows are split into ROW_WORKERS fixed halves (independent of the machine, so the summation order and
        # hence the numbers do not depend on the thread count); each worker owns its buffers and partial sums.
        bounds = [round(k * n / ROW_WORKERS) for k in range(ROW_WORKERS + 1)]
        self.workers = [RowWorker(self, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
        self.pool: ThreadPoolExecutor | None = None
        self.saflat = torch.zeros(G, M, 1, **kw)  # scale * a; per-segment views in sa
        self.sa = [self.saflat[:, offs[j]:offs[j + 1]] for j in range(J)]
        self.ga = torch.zeros(G, M, **kw)
        self.gW = torch.zeros(G, dp, M, **kw)
        # Training-set errors against the clean target, accumulated during the pass when a stopping rule needs
        # them every step (Tracker.cheap_stop).
        self.track_errors = False
        self.F = torch.zeros(G, n, **kw)
        self.B = torch.ones(G, 1, 1, **kw)
        for g, idx in enumerate(self.groups):
            self.F[g] = members[idx[0]].data.f_train
            self.B[g] = clip_bound(members[idx[0]].run)  # one target and input law per data group

    def _seg(self, t: torch.Tensor, j: int) -> torch.Tensor:
        return t[..., self.offs[j]:self.offs[j + 1]]

    # -------------------------------------------------------------------------------------------
    def pass_(self) -> torch.Tensor:
        """One pass over the data: member losses (len(members),) and the gradients in ``ga``, ``gW``."""
        torch.mul(self.scale, self.a, out=self.saflat.squeeze(2))
        if self.pool is not None:
            # The calling thread runs the first worker itself (one thread hand-off per step instead of two).
            futs = [self.pool.submit(w.accumulate) for w in self.workers[1:]]
            self.workers[0].accumulate()
            for fut in futs:
                fut.result()
        else:
            for w in self.workers:
                w.accumulate()
        lead, rest = self.workers[0], self.workers[1:]
        for w in rest:  # reduce the partial sums in a fixed order
            lead.Qflat.add_(w.Qflat)
            if not self.homogeneous:
                lead.gAflat.add_(w.gAflat)
            lead.loss_acc.add_(w.loss_acc)
            lead.err_acc.add_(w.err_acc)
            lead.raw_acc.add_(w.raw_acc)
        self.Q, self.gA = lead.Q, lead.gA
        self.loss_acc, self.err_acc, self.raw_acc = lead.loss_acc, lead.err_acc, lead.raw_acc
        for j in range(self.J):
            ga_j = self._seg(self.ga, j)
            if self.homogeneous:
                torch.sum(self.Q[j] * self._seg(self.Wt, j), dim=1, out=ga_j)
            else:
                ga_j.copy_(self.gA[j].squeeze(2))
            if self.inner:
                torch.mul(self.Q[j], self.sa[j].transpose(1, 2), out=self._seg(self.gW, j))
        self.ga.mul_(self.scale)
        return (self.loss_acc * self.loss_norm).flatten()[self.slot_index]

    def train_errors(self) -> list[dict[str, float]]:
        """Per-member training errors of the last pass (needs ``track_errors``)."""
        err = (self.err_acc / self.n).tolist()
        raw = (self.raw_acc / self.n).tolist()
        return [{"train_error": err[g][j], "train_error_raw": raw[g][j]} for (g, j, _, _) in self.slot]

    def update(self) -> None:
        """In-place GD step on the packed parameters (frozen members and padding have learning rate 0)."""
        ga, gW = self.ga, self.gW
        kind = self.train.penalty.kind
        if kind == "weight_decay":
            ga.add_(2.0 * self.lam * self.a)
            if self.inner:
                gW.add_(2.0 * self.lam.unsqueeze(1) * self.Wt)
        elif kind == "path_norm":
            # lam * scale * sum_k |a_k| (||W_k||_1 + |c_k|): subgradient sign(.), 0 at 0 (as autograd).
            coef = self.lam * self.scale
            ga.add_(coef * torch.sign(self.a) * self.Wt.abs().sum(1))
            if self.inner:
                gW.add_((coef * self.a.abs()).unsqueeze(1) * torch.sign(self.Wt))
        self.a.sub_(self.lr * self.unit_active * ga)
        if self.inner:
            gW.mul_((self.lr_inner * self.unit_active).unsqueeze(1))
            self.Wt.sub_(gW)

    def unpack(self, i: int) -> lowered.Params:
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


def train_fast(members: list[Member], device: torch.device, dtype: torch.dtype,
               checkpoint: Checkpoint | None = None, *, parallel_rows: bool) -> list[MemberOutcome]:
    """Train a fast-eligible group; same results as ``train_autograd``. ``checkpoint``: as for ``train_autograd``.

    On a multi-core CPU the ROW_WORKERS row ranges run concurrently in Python threads, each with single-threaded
    torch ops: the work is split evenly whatever the widths and seeds are, and there is no thread barrier per
    small op (which is what costs most when the cores are shared with other processes). The row split is the
    same with one thread or several, so the numbers do not depend on the thread count. ``parallel_rows``
    (``Options.parallel_rows``) off runs the ranges one after the other.
    """
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads < 2 or not parallel_rows:
        return _train_shard(members, device, dtype, parallel=False, checkpoint=checkpoint)
    torch.set_num_threads(1)
    try:
        return _train_shard(members, device, dtype, parallel=True, checkpoint=checkpoint)
    finally:
        torch.set_num_threads(threads)


def _train_shard(members: list[Member], device: torch.device, dtype: torch.dtype,
                 parallel: bool, checkpoint: Checkpoint | None = None) -> list[MemberOutcome]:
    """Train members in one packed layout (see the module docstring)."""
    pk = PackedGroup(members, device, dtype)
    if parallel and len(pk.workers) > 1:

        with ThreadPoolExecutor(max_workers=len(pk.workers) - 1) as pool:
            pk.pool = pool
            try:
                return _train_loop(pk, members, device, dtype, checkpoint)
            finally:
                pk.pool = None
    return _train_loop(pk, members, device, dtype, checkpoint)


def _train_loop(pk: "PackedGroup", members: list[Member], device: torch.device,
                dtype: torch.dtype, checkpoint: Checkpoint | None = None) -> list[MemberOutcome]:
    train = pk.train
    tracker = Tracker(train, len(members))
    inits = [{k: v.unsqueeze(0).to(device=device, dtype=dtype) for k, v in m.init.items()} for m in members]
    saved: dict[int, lowered.Params] = {}

    def measure_all(names: tuple[str, ...], final: bool = False) -> list[dict[str, float]]:
        out = []
        for i, m in enumerate(members):
            params = saved.get(i) or pk.unpack(i)
            out.append(measure([m.run], params, inits[i], [m.data], names, final=final,
                               is_grid=m.is_grid)[0])
        return out

    cheap = tracker.cheap_stop()
    pk.track_errors = cheap
    start = restore_fast(checkpoint.resume(), pk, saved, tracker) if checkpoint else 0
    assert train.steps is not None, "the fast path trains by GD, which has steps"
    for step in range(start, train.steps):
        if checkpoint is not None and checkpoint.due(step):
            checkpoint.save(step, fast_state(step, pk, saved, tracker))
        if not tracker.any_active():
            break
        if tracker.metrics_due(step) and not cheap:
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
        if cheap:
            values = pk.train_errors()
            for v, loss in zip(values, losses.tolist()):
                v["train_loss"] = loss
            for i in tracker.observe_metrics(step, values):
                pk.freeze(i, remove=False)
            if not tracker.any_active():
                break
        pk.update()
    final = measure_all(tracker.wanted_metrics(), final=True)
    finish_tracking(tracker, final)
    return [MemberOutcome(saved.get(i) or pk.unpack(i), inits[i], tracker.steps_done(i), tracker.diverged_at[i],
                          tracker.curves[i], final[i]) for i in range(len(members))]
