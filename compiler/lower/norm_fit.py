"""Numerical estimates of a target's norm by sampling the target and fitting to it (torch).

Input:  a :class:`~mlc.compiler.ir.Run` whose target has no rule-derived norm and no declared bound.
Output: :class:`~mlc.compiler.theory.estimate.FittedNorm`: the estimate and how it was obtained.
Role:   the :class:`~mlc.compiler.theory.estimate.NormEstimator` that ships, used when
        ``Options.estimate_norms`` is on (``mlc bounds --estimate-norm``, the default, and the executor);
        :func:`norm_cache` is the one place that turns the options into the theory's norm cache. It lives in
        the lowering because it samples the target with the lowering's samplers and target functions.

* Barron / flow / multilayer: fit a wide two-layer ReLU net (mean-field scaling, with bias) with a small
  path-norm penalty to f* on 1000 samples; its path norm is an upper-bound *estimate* (T2, REFERENCE §4).
* RKHS: sqrt(y^T K^{-1} y) with the random-feature kernel on 1000 points: a lower estimate of ||f*||_H that
  increases to it as the number of points grows (REFERENCE §4).

torch is imported only inside :meth:`FittingNormEstimator.estimate`, i.e. only when a target needs a fit:
``mlc bounds`` builds this estimator for every spec, and a front-end command must not load torch otherwise.
"""

from __future__ import annotations

from mlc.compiler import ir
from mlc.compiler.options import Options
from mlc.compiler.theory.estimate import FittedNorm, NormEstimator
from mlc.compiler.theory.norm_cache import NormCache


def norm_cache(options: Options) -> NormCache:
    """A fresh norm cache for one plan evaluation: it fits norms that no rule gives iff
    ``options.estimate_norms``."""
    return NormCache(estimator=FittingNormEstimator() if options.estimate_norms else None)


class FittingNormEstimator(NormEstimator):
    """See the module docstring. The sizes are fixed so that an estimate is reproducible."""

    def __init__(self, samples: int = 1000, width: int = 256, steps: int = 800, seed: int = 0) -> None:
        self.samples, self.width, self.steps, self.seed = samples, width, steps, seed

    def estimate(self, run: ir.Run) -> FittedNorm:
        """The estimate for ``run``'s target (see the module docstring)."""
        import torch  # here, not at import time: see the module docstring

        # One thread, whatever the caller's: the fit is 1000 x 256 (autograd ops of 2-5 ms each), where intra-op
        # thread barriers cost far more than they gain on a shared machine (measured at load 8 on two cores: 196 ms
        # a step on 2 threads, 20 ms on 1; specs/paper/fig2_mean_field_non_barron.ml spent 121 of 174 s in its
        # three fits, which the fast path's groups ran on the default 2 threads). It also makes the estimate the
        # same number in every process (the driver, a Ray worker, `mlc bounds`).
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._estimate(run)
        finally:
            torch.set_num_threads(previous)

    def _estimate(self, run: ir.Run) -> FittedNorm:
        import torch

        from mlc.compiler.lower.samplers import sample_inputs
        from mlc.compiler.lower.targets import target_function

        samples, width, steps = self.samples, self.width, self.steps
        gen = torch.Generator().manual_seed(self.seed)
        d = run.input.dim
        x = sample_inputs(run.input, samples, gen)
        y = target_function(run.target, run.input)(x)
        if run.space.kind == "rkhs":
            from mlc.compiler.theory.kernels import rf_kernel

            bias = run.model.bias
            k = rf_kernel(x[:1000], x[:1000], bias=bias, w_var=run.model.init_scale ** 2 / d)
            yy = y[:1000]
            jitter = 1e-10 * float(k.diagonal().mean())
            sol = torch.linalg.solve(k + jitter * torch.eye(k.shape[0], dtype=k.dtype), yy)
            value = float(torch.sqrt(torch.clamp(yy @ sol, min=0.0)))
            return FittedNorm(value, (
                f"estimated: sqrt(yᵀK⁻¹y) = {value:.4g} with the RF kernel of the model's feature law "
                f"(w ~ N(0, s²I/d){', bias' if bias else ''}) on {yy.shape[0]} sampled points: a LOWER "
                "estimate of ‖f*‖_H",))
        b = torch.randn(width, d, generator=gen, dtype=torch.float64) / d ** 0.5
        c = torch.randn(width, generator=gen, dtype=torch.float64) / d ** 0.5
        a = torch.zeros(width, dtype=torch.float64)
        params = [t.requires_grad_() for t in (a, b, c)]
        opt = torch.optim.Adam(params, lr=1e-2)
        lam = 1e-4
        for _ in range(steps):
            opt.zero_grad()
            f = torch.relu(x @ b.T + c) @ a / width
            pn = (a.abs() * (b.abs().sum(1) + c.abs())).sum() / width
            loss = ((f - y) ** 2).mean() + lam * pn
            loss.backward()
            opt.step()
        with torch.no_grad():
            f = torch.relu(x @ b.T + c) @ a / width
            path_norm = float((a.abs() * (b.abs().sum(1) + c.abs())).sum() / width)
            mse = float(((f - y) ** 2).mean())
            rel = mse / max(float(y.var()), 1e-300)
        return FittedNorm(path_norm, (
            f"estimated: path norm {path_norm:.4g} of a width-{width} two-layer ReLU net fitted to f* on {samples} "
            f"samples (Adam, {steps} steps, path-norm penalty {lam:g}); fit MSE {mse:.3g} (relative {rel:.3g}). "
            "An estimate (T2), not a proven bound",))
