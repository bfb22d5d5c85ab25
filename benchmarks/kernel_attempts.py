"""Attempts at a faster training step than the packed fast path's (issue 14 item 3), measured side by side.

One block of rows of the packed two-layer ReLU step (forward, residual, loss, hand-derived backward of the inner
weights: what ``compiler.lower.fastpath_rows.RowWorker.accumulate`` does for one block) is written four ways and
timed in CPU microseconds per block (best of 5 repeats, one torch thread, the same random buffers) at the block
shapes of the two benchmark sweeps:

* ``shipped``: the kernel of ``fastpath_rows`` (one batched matmul for the hidden layer, then per segment, i.e.
  per member of a data group, a matrix-vector product for its output and an accumulating matmul for its gradient);
* ``all_segments_dense``: every segment at once through dense matmuls with a (M, J) block matrix (the outputs
  A @ SA and the residual spread r @ E): a fixed number of torch calls per block, whatever the members;
* ``transposed_index``: the hidden layer laid out (G, M, rows) so that the per-segment sums and the spread of the
  residual are row-wise ``index_add_`` / ``index_select`` (no redundant products, no 0 * x across members);
* ``compiled`` (with ``--compile``): the functional form of the block through ``torch.compile`` (inductor, C++ on
  the CPU); its compile time is printed.

    python benchmarks/kernel_attempts.py [--compile]

docs/performance.md records what this measured. Nothing here is used by mlc.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import torch

# (data groups G, rows per block, member widths of one data group in segment order, d~): the blocks that
# fastpath_rows makes for benchmarks/many_small.ml and benchmarks/sweep.ml (BLOCK_ELEMENTS = 2^20 activations).
SHAPES = {
    "many_small": (10, 250, [8, 16, 32, 64] * 3, 11),
    "sweep": (5, 154, [16, 64, 256, 1024], 21),
}


def cpu_us(fn: Callable[[], object], calls: int = 50, repeats: int = 5) -> float:
    """Best CPU time of one call over ``repeats`` runs of ``calls`` calls, in microseconds."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - start) / calls * 1e6)
    return best


def variants(G: int, nb: int, widths: list[int], dp: int) -> tuple[dict[str, Callable[[], None]], tuple]:
    """The block written each way over shared inputs (each writes its own buffers), and the inputs of
    :func:`functional_block`."""
    torch.manual_seed(0)
    M, J = sum(widths), len(widths)
    offs = [0]
    for w in widths:
        offs.append(offs[-1] + w)
    seg = torch.tensor([j for j, w in enumerate(widths) for _ in range(w)])
    X, Wt = torch.randn(G, nb, dp), torch.randn(G, dp, M) * 0.3
    sa, Y = torch.randn(G, M, 1), torch.randn(G, nb)
    coef = 2.0 / 500
    loss = torch.zeros(G, J)

    A, f = torch.empty(G, nb, M), torch.empty(G, nb, J)
    Qflat = torch.zeros(G * dp * M)
    Qs = [Qflat[G * dp * offs[j]:G * dp * offs[j + 1]].view(G, dp, widths[j]) for j in range(J)]
    segs = [A[..., offs[j]:offs[j + 1]] for j in range(J)]
    sas = [sa[:, offs[j]:offs[j + 1]] for j in range(J)]
    cols = [f[:, :, j:j + 1] for j in range(J)]
    XR = [torch.empty(G, nb, dp) for _ in range(J)]
    Yb = Y.unsqueeze(2)

    def shipped() -> None:
        torch.bmm(X, Wt, out=A)
        A.relu_()
        for j in range(J):
            torch.bmm(segs[j], sas[j], out=cols[j])
        f.sub_(Yb)
        loss.add_((f * f).sum(1))
        f.mul_(coef)
        torch.gt(A, 0, out=A)
        for j in range(J):
            torch.mul(X, cols[j], out=XR[j])
            Qs[j].baddbmm_(XR[j].transpose(1, 2), segs[j])

    mask = torch.zeros(1, M, J)
    mask[0, torch.arange(M), seg] = 1.0
    SA, spread = torch.empty(G, M, J), mask.transpose(1, 2).expand(G, J, M)
    R, Q = torch.empty(G, nb, M), torch.zeros(G, dp, M)
    Xt = X.transpose(1, 2)

    def all_segments_dense() -> None:
        torch.mul(sa, mask, out=SA)
        torch.bmm(X, Wt, out=A)
        A.relu_()
        torch.bmm(A, SA, out=f)
        f.sub_(Yb)
        loss.add_((f * f).sum(1))
        f.mul_(coef)
        torch.bmm(f, spread, out=R)
        torch.ops.aten.threshold_backward.grad_input(R, A, 0, grad_input=R)
        Q.baddbmm_(Xt, R)

    AT, P, fT, RT, QT = (torch.empty(G, M, nb), torch.empty(G, M, nb), torch.empty(G, J, nb),
                         torch.empty(G, M, nb), torch.zeros(G, M, dp))
    WtT, YT = Wt.transpose(1, 2), Y.unsqueeze(1)

    def transposed_index() -> None:
        torch.bmm(WtT, Xt, out=AT)
        AT.relu_()
        torch.mul(AT, sa, out=P)
        fT.zero_()
        fT.index_add_(1, seg, P)
        fT.sub_(YT)
        loss.add_((fT * fT).sum(2))
        fT.mul_(coef)
        torch.index_select(fT, 1, seg, out=RT)
        torch.ops.aten.threshold_backward.grad_input(RT, AT, 0, grad_input=RT)
        QT.baddbmm_(RT, X)

    P2, R2, Q2 = torch.empty(G, nb, M), torch.empty(G, nb, M), torch.zeros(G, dp, M)
    saT = sa.transpose(1, 2)
    Psegs = [P2[..., offs[j]:offs[j + 1]] for j in range(J)]
    Rsegs = [R2[..., offs[j]:offs[j + 1]] for j in range(J)]
    fcols = [f[:, :, j] for j in range(J)]
    fexp = [f[:, :, j:j + 1].expand(G, nb, widths[j]) for j in range(J)]

    def segment_sums() -> None:
        torch.bmm(X, Wt, out=A)
        A.relu_()
        torch.mul(A, saT, out=P2)
        for j in range(J):
            torch.sum(Psegs[j], dim=2, out=fcols[j])
        f.sub_(Yb)
        loss.add_((f * f).sum(1))
        f.mul_(coef)
        for j in range(J):
            Rsegs[j].copy_(fexp[j])
        torch.ops.aten.threshold_backward.grad_input(R2, A, 0, grad_input=R2)
        Q2.baddbmm_(Xt, R2)

    # the transposed layout with contiguous copies of the inputs: X^T (G, d~, rows), W (G, M, d~)
    XTc, Wc = X.transpose(1, 2).contiguous(), Wt.transpose(1, 2).contiguous()
    AT3, PT3, RT3, QT3 = torch.empty(G, M, nb), torch.empty(G, M, nb), torch.empty(G, M, nb), torch.zeros(G, M, dp)
    fT3 = torch.empty(G, J, nb)
    Psl = [PT3[:, offs[j]:offs[j + 1]] for j in range(J)]
    Rsl = [RT3[:, offs[j]:offs[j + 1]] for j in range(J)]
    frow = [fT3[:, j] for j in range(J)]
    fexpT = [fT3[:, j:j + 1].expand(G, widths[j], nb) for j in range(J)]

    def transposed_slices() -> None:
        torch.bmm(Wc, XTc, out=AT3)
        AT3.relu_()
        torch.mul(AT3, sa, out=PT3)
        for j in range(J):
            torch.sum(Psl[j], dim=1, out=frow[j])
        fT3.sub_(YT)
        loss.add_((fT3 * fT3).sum(2))
        fT3.mul_(coef)
        for j in range(J):
            Rsl[j].copy_(fexpT[j])
        torch.ops.aten.threshold_backward.grad_input(RT3, AT3, 0, grad_input=RT3)
        QT3.baddbmm_(RT3, X)

    def forward_matmul_only() -> None:
        torch.bmm(X, Wt, out=A)

    def gradient_matmul_only() -> None:
        Q2.baddbmm_(Xt, R2)

    fns = {"shipped": shipped, "segment_sums": segment_sums, "all_segments_dense": all_segments_dense,
           "transposed_index": transposed_index, "transposed_slices": transposed_slices, "forward_matmul_only": forward_matmul_only,
           "gradient_matmul_only": gradient_matmul_only}
    return fns, (X, Wt, sa, Y, seg, coef, J)


def functional_block(X: torch.Tensor, Wt: torch.Tensor, sa: torch.Tensor, Y: torch.Tensor, seg: torch.Tensor,
                     coef: float, J: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The same block without in-place buffers (what torch.compile takes)."""
    A = torch.relu(torch.bmm(X, Wt))
    G, nb, _ = A.shape
    f = torch.zeros(G, nb, J, dtype=A.dtype).index_add_(2, seg, A * sa.transpose(1, 2))
    r = f - Y.unsqueeze(2)
    R = (r * coef).index_select(2, seg) * (A > 0)
    return torch.bmm(X.transpose(1, 2), R), (r * r).sum(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", action="store_true", help="also time torch.compile of the block (minutes)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    peak = 2 * 2048 ** 3 / cpu_us(lambda: torch.mm(a, b), calls=5) / 1e3
    print(f"torch {torch.__version__}, one thread; CPU microseconds per block, best of 5 x 50 calls; "
          f"one-thread fp32 peak of a 2048^3 torch.mm: {peak:.1f} GFLOP/s")
    for name, (G, nb, widths, dp) in SHAPES.items():
        fns, inputs = variants(G, nb, widths, dp)
        print(f"{name}: G = {G} data groups, {nb} rows, J = {len(widths)} members of widths {widths[:4]}..., "
              f"M = {sum(widths)}, d~ = {dp}")
        matmul_flop = 2.0 * G * nb * dp * sum(widths)  # one of the two big matmuls of the block
        for label, fn in fns.items():
            us = cpu_us(fn)
            rate = f"   {matmul_flop / us / 1e3:5.1f} GFLOP/s" if label.endswith("matmul_only") else ""
            print(f"  {label:22s} {us:9.0f} us{rate}")
        if args.compile:
            eager = cpu_us(lambda args=inputs: functional_block(*args))
            start = time.time()
            compiled = torch.compile(functional_block, dynamic=False)
            compiled(*inputs)
            took = time.time() - start
            print(f"  {'functional, eager':22s} {eager:9.0f} us")
            print(f"  {'functional, compiled':22s} {cpu_us(lambda fn=compiled, args=inputs: fn(*args)):9.0f} us   "
                  f"(compile {took:.1f} s wall)")


if __name__ == "__main__":
    main()
