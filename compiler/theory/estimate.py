"""Numerical estimates of a target's norm, used only when asked for (``mlc bounds --estimate-norm``).

Input:  a :class:`~mlc.compiler.ir.Run` whose target has no rule-derived norm and no declared bound.
Output: ``(value, steps)``: the estimate and how it was obtained.
Role:   the fallback of ``norms.infer_norm``. The numbers are estimates, not proofs, and are labelled so.

* Barron / flow / multilayer: fit a wide two-layer ReLU net (mean-field scaling, with bias) with a small
  path-norm penalty to f* on 1000 samples; its path norm is an upper-bound *estimate* (T2, REFERENCE §4).
* RKHS: sqrt(y^T K^{-1} y) with the random-feature kernel on 1000 points: a lower estimate of ||f*||_H that
  increases to it as the number of points grows (REFERENCE §4).
"""

from __future__ import annotations

from mlc.compiler import ir


def estimate_norm(run: ir.Run, samples: int = 1000, width: int = 256, steps: int = 800,
                  seed: int = 0) -> tuple[float, list[str]]:
    """Estimate the target's norm in the run's space; see the module docstring."""
    import torch

    from mlc.compiler.lower.samplers import sample_inputs
    from mlc.compiler.lower.targets import target_function

    gen = torch.Generator().manual_seed(seed)
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
        return value, [f"estimated: sqrt(yᵀK⁻¹y) = {value:.4g} with the RF kernel of the model's feature law "
                       f"(w ~ N(0, s²I/d){', bias' if bias else ''}) on {yy.shape[0]} sampled points: a LOWER "
                       "estimate of ‖f*‖_H"]
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
        pn = float((a.abs() * (b.abs().sum(1) + c.abs())).sum() / width)
        mse = float(((f - y) ** 2).mean())
        rel = mse / max(float(y.var()), 1e-300)
    return pn, [f"estimated: path norm {pn:.4g} of a width-{width} two-layer ReLU net fitted to f* on {samples} samples "
                f"(Adam, {steps} steps, path-norm penalty {lam:g}); fit MSE {mse:.3g} (relative {rel:.3g}). "
                "An estimate (T2), not a proven bound"]
