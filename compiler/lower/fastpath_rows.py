"""The row workers of the packed fast trainer: forward and hand-derived backward over a fixed range of rows.

Input:  a :class:`~mlc.compiler.lower.fastpath.PackedGroup` (its packed buffers) and a row range [lo, hi).
Output: per-worker partial sums of the gradients (``Q``, ``gA``) and of the losses and errors, which the group
        reduces in a fixed order.
Role:   the hot loop of ``compiler.lower.fastpath`` (see its docstring for the layout and the algorithm): rows
        are processed in blocks of about ``blocks.BLOCK_ELEMENTS`` activations so that a block stays in cache, with every
        view and buffer built once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from mlc.compiler.lower.blocks import fast_block_rows

if TYPE_CHECKING:
    from mlc.compiler.lower.fastpath import PackedGroup

def _activate_inplace(activation: str, H: torch.Tensor) -> None:
    if activation == "relu":
        H.relu_()
    elif activation == "tanh":
        H.tanh_()
    elif activation == "sigmoid":
        H.sigmoid_()


def _derivative(activation: str, A: torch.Tensor) -> torch.Tensor:
    """s'(H) written in terms of A = s(H) (tanh, sigmoid, identity)."""
    if activation == "tanh":
        return 1.0 - A * A
    if activation == "sigmoid":
        return A - A * A
    return torch.ones_like(A)


class RowWorker:
    """One fixed range of rows of a :class:`PackedGroup`: its block buffers and partial gradient sums."""

    def __init__(self, pk: PackedGroup, lo: int, hi: int) -> None:
        self.pk = pk
        G, J, M, dp = pk.G, pk.J, pk.M, pk.dp
        kw: dict[str, Any] = dict(device=pk.device, dtype=pk.dtype)
        rows = fast_block_rows(hi - lo, G, M, cuda=pk.device.type == "cuda")
        self.blocks = [(s, min(rows, hi - s)) for s in range(lo, hi, rows)]
        self.bufA = {nb: torch.empty(G, nb, M, **kw) for _, nb in self.blocks}
        self.bufF = {nb: torch.empty(G, nb, J, **kw) for _, nb in self.blocks}
        # ReLU overwrites A with its 0/1 mask in place and scales the inputs by the residual instead
        # (XR_j = X~ * r_j, a (G, nb, d~) buffer per segment); other activations need a separate buffer.
        need_r = pk.inner and pk.act != "relu"
        self.bufXR = ({nb: [torch.empty(G, nb, dp, **kw) for _ in pk.seg_w] for _, nb in self.blocks}
                      if pk.inner and pk.act == "relu" else {})
        self.bufR = {nb: [torch.empty(G, nb, w, **kw) for w in pk.seg_w] for _, nb in self.blocks} if need_r else {}
        # Partial sums: contiguous per-segment blocks Q_j (G, d~, w_j) and gA_j (G, w_j, 1) carved out of one flat
        # buffer each, so zeroing and reducing them is one op (strided views of a (G, d~, M) buffer would make
        # the accumulating matmuls ~5 % slower).
        self.Qflat = torch.zeros(G * dp * M, **kw)
        self.gAflat = torch.zeros(G * M, **kw)
        o = pk.offs
        self.Q = [self.Qflat[G * dp * o[j]:G * dp * o[j + 1]].view(G, dp, o[j + 1] - o[j]) for j in range(J)]
        self.gA = [self.gAflat[G * o[j]:G * o[j + 1]].view(G, o[j + 1] - o[j], 1) for j in range(J)]
        self.loss_acc = torch.zeros(G, J, **kw)
        self.err_acc = torch.zeros(G, J, **kw)
        self.raw_acc = torch.zeros(G, J, **kw)
        self.views: list[tuple[Any, ...]] | None = None

    def _views(self, s0: int, nb: int) -> tuple[Any, ...]:
        """All views one block needs, built once (creating views costs Python time and the GIL every step)."""
        pk = self.pk
        Xb = pk.X[:, s0:s0 + nb]
        A = self.bufA[nb]
        f = self.bufF[nb]
        segs = [pk._seg(A, j) for j in range(pk.J)]
        cols = [f[:, :, j:j + 1] for j in range(pk.J)]
        rsegs = self.bufR[nb] if self.bufR else [None] * pk.J
        xr = self.bufXR.get(nb, [None] * pk.J)
        xrt = [None if t is None else t.transpose(1, 2) for t in xr]
        return (Xb, Xb.transpose(1, 2), A, f, segs, cols, [Aj.transpose(1, 2) for Aj in segs], rsegs,
                pk.Y[:, s0:s0 + nb].unsqueeze(2), pk.F[:, s0:s0 + nb].unsqueeze(2), list(zip(xr, xrt)))

    def accumulate(self) -> None:
        """Forward and hand-derived backward over this worker's rows, into its partial sums."""
        pk = self.pk
        if self.views is None:
            self.views = [self._views(s0, nb) for s0, nb in self.blocks]
        self.Qflat.zero_()
        if not pk.homogeneous:
            self.gAflat.zero_()
        self.loss_acc.zero_()
        self.err_acc.zero_()
        self.raw_acc.zero_()
        J, sa, Q, gA = pk.J, pk.sa, self.Q, self.gA
        relu = pk.act == "relu"
        for Xb, Xt, A, f, segs, cols, segsT, rsegs, Yb, Fb, xr in self.views:
            torch.bmm(Xb, pk.Wt, out=A)
            _activate_inplace(pk.act, A)
            for j in range(J):
                torch.bmm(segs[j], sa[j], out=cols[j])
            if pk.track_errors:
                self.raw_acc.add_((f - Fb).pow(2).sum(1))
                self.err_acc.add_((torch.maximum(torch.minimum(f, pk.B), -pk.B) - Fb).pow(2).sum(1))
            f.sub_(Yb)  # f now holds the residual r
            self.loss_acc.add_((f * f).sum(1))
            f.mul_(pk.loss_coef)
            if pk.inner and relu:
                # Q_j = X~^T (r_j * 1[H_j > 0]) = (X~ * r_j)^T 1[H_j > 0]: one pass turns A = relu(H) >= 0 into its
                # 0/1 mask in place, and the residual scales the small (nb, d~) input block instead of the (nb, M)
                # activations (the same products x r, rounded once more than when the matmul fuses them).
                torch.gt(A, 0, out=A)
                for j in range(J):
                    XRj, XRjT = xr[j]
                    torch.mul(Xb, cols[j], out=XRj)
                    Q[j].baddbmm_(XRjT, segs[j])
                continue
            for j in range(J):  # other activations, random features
                if not pk.homogeneous:
                    gA[j].baddbmm_(segsT[j], cols[j])
                if pk.inner:
                    torch.mul(_derivative(pk.act, segs[j]), cols[j], out=rsegs[j])
                    Q[j].baddbmm_(Xt, rsegs[j])
