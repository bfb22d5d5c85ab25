"""Infinite-width kernels of random-feature and two-layer models, and kernel predictors in closed form.

Input:  float64 torch tensors of inputs (n, d), labels (n,), a :class:`~mlc.compiler.ir.Run` for the
        convenience entry point :func:`infinite_width_prediction`.
Output: Gram matrices, predictions and predicted test errors.
Role:   the "prediction" half of the theory engine: what a random-feature model (or an NTK-scaled two-layer
        net) converges to as m -> infinity, with the same initialisation law as the lowering
        (the family modules, ``mlc.compiler.families``) and the run's conventions block (output scale, effective learning rate,
        loss factor, ridge: ``Run.conventions``, decided by ``mlc.compiler.conventions``).

Conventions (REFERENCE §2.3, checked against Monte Carlo in tests/test_theory_kernels.py):
  * arc-cosine kernel of order 1, w ~ N(0, I):  k1(x, x') = ||x|| ||x'|| (sin θ + (π − θ) cos θ) / (2π);
    w ~ N(0, v I) multiplies it by v; w uniform on the sphere S^{D−1} divides it by D;
  * a bias acts through x~ = (x, 1) (then the sphere is S^d and one divides by d + 1);
  * two-layer NTK (f = m^{-1/2} Σ a_k σ(w_k·x~), a ~ N(0, a_var), w ~ N(0, w_var I)):
    Θ(x, x') = w_var k1(x~, x~') + a_var (x~·x~') (π − θ)/(2π);
  * GD in function space: u ← u − η (k/n) G (u − y) with k the loss factor (2 for mse, 1 for half_mse), solved
    through the eigendecomposition of the Gram matrix G (REFERENCE T18).
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from typing import Any, Callable

import torch

from mlc.compiler import families, ir

Tensor = torch.Tensor


def augment(x: Tensor, bias: bool) -> Tensor:
    """x~ = (x, 1) when ``bias``, else x."""
    return torch.cat([x, torch.ones_like(x[:, :1])], dim=1) if bias else x


def _angles(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(‖x‖‖x'‖, cos θ, sin θ, θ) for all pairs, with θ = 2·atan2(‖x̂ − x̂'‖, ‖x̂ + x̂'‖) (x̂ = x/‖x‖).

    Why not acos(x·x'/(‖x‖‖x'‖)): for equal inputs the cosine rounds to 1 − 2.2e-16, whose acos is 2.1e-8, a
    relative error of about 1e-8 on the NTK's diagonal. The half-angle form has no cancellation: θ = 0 exactly
    for equal inputs, and sin θ, cos θ follow from θ. A zero input has θ = 0 (its kernel rows are 0 anyway).
    """
    n1 = x1.norm(dim=1, keepdim=True)
    n2 = x2.norm(dim=1, keepdim=True)
    prod = n1 * n2.T
    u1 = x1 / n1.clamp_min(1e-300)
    u2 = x2 / n2.clamp_min(1e-300)
    exact = "donot_use_mm_for_euclid_dist"  # the matmul form ‖u‖² + ‖v‖² − 2u·v would cancel
    diff = torch.cdist(u1, u2, compute_mode=exact)
    summ = torch.cdist(u1, -u2, compute_mode=exact)
    theta = 2.0 * torch.atan2(diff, summ)
    zero = prod <= 0
    theta = torch.where(zero, torch.zeros_like(theta), theta)
    return prod, torch.cos(theta), torch.sin(theta), theta


def arccos1(x1: Tensor, x2: Tensor) -> Tensor:
    """E_{w ~ N(0, I)} relu(w·x) relu(w·x') for all pairs (the order-1 arc-cosine kernel)."""
    prod, cos, sin, theta = _angles(x1, x2)
    return prod * (sin + (math.pi - theta) * cos) / (2 * math.pi)


def arccos0_dot(x1: Tensor, x2: Tensor) -> Tensor:
    """E_w relu'(w·x) relu'(w·x') (x·x') = (x·x') (π − θ)/(2π): the inner-layer NTK part."""
    _, _, _, theta = _angles(x1, x2)
    return (x1 @ x2.T) * (math.pi - theta) / (2 * math.pi)


def rf_kernel(x1: Tensor, x2: Tensor, *, bias: bool = True, w_var: float | None = None,
              features: str = "gaussian") -> Tensor:
    """k(x, x') = E_w relu(w·x~) relu(w·x~') for w ~ N(0, w_var I) (default w_var = 1/d, the lowering's
    init with init_scale 1) or w uniform on the unit sphere of R^{dim x~} (``features = "sphere"``)."""
    xa, xb = augment(x1, bias), augment(x2, bias)
    k = arccos1(xa, xb)
    if features == "sphere":
        return k / xa.shape[1]
    v = 1.0 / x1.shape[1] if w_var is None else w_var
    return v * k


def ntk_kernel(x1: Tensor, x2: Tensor, *, bias: bool = True, w_var: float | None = None,
               a_var: float = 1.0) -> Tensor:
    """The two-layer NTK with bias (module docstring) for a ~ N(0, a_var), w ~ N(0, w_var I)."""
    xa, xb = augment(x1, bias), augment(x2, bias)
    v = 1.0 / x1.shape[1] if w_var is None else w_var
    return v * arccos1(xa, xb) + a_var * arccos0_dot(xa, xb)


# ----------------------------------------------------------------------------------------------
# Kernel predictors
# ----------------------------------------------------------------------------------------------


def kernel_min_norm(g_train: Tensor, g_test_train: Tensor, y: Tensor, rcond: float = 1e-12) -> Tensor:
    """Minimum-norm interpolant G(x, X) G^+ y (pseudo-inverse with relative cutoff ``rcond``)."""
    return g_test_train @ (torch.linalg.pinv(g_train, rtol=rcond, hermitian=True) @ y)


def kernel_ridge(g_train: Tensor, g_test_train: Tensor, y: Tensor, ridge: float) -> Tensor:
    """Kernel ridge regression G(x, X) (G + ridge I)^{-1} y."""
    n = g_train.shape[0]
    return g_test_train @ torch.linalg.solve(g_train + ridge * torch.eye(n, dtype=g_train.dtype), y)


def gd_progress(x: Tensor, steps: float) -> Tensor:
    """1 − (1 − x)^steps for each mode's rate x = η·k·λ (``steps`` may be 0 or inf): how far GD has moved the mode
    from its start towards its fixed point.

    Why exp(steps·log1p(−x)): 1 − x rounds x to the 1.1e-16 spacing of floats near 1, so a mode with x ≈ 1e-15
    would move at the wrong rate (or not at all below 1.1e-16); log1p keeps x exact and expm1 keeps the
    progress exact while it is small. Modes with x ≥ 1 oscillate (or diverge, x > 2) and take the power itself.
    """
    safe = x.clamp(max=1.0 - 1e-16)
    smooth = -torch.expm1(steps * torch.log1p(-safe))  # x < 1: 1 − (1 − x)^steps, accurate
    if not math.isfinite(steps):
        direct = torch.where((x - 1.0).abs() < 1.0, torch.ones_like(x), torch.full_like(x, math.nan))
    else:
        direct = 1.0 - torch.pow(1.0 - x, steps)  # 1 ≤ x: oscillating (or diverging) modes
    return torch.where(x < 1.0, smooth, direct)


def flow_progress(x: Tensor, time: float) -> Tensor:
    """1 − exp(−x·time) for each mode's rate x = k·λ: gradient flow's analogue of :func:`gd_progress`
    (t = η·steps; ``time`` may be 0 or inf)."""
    return -torch.expm1(-x * time) if math.isfinite(time) else torch.where(x > 0, 1.0, 0.0).to(x.dtype)


def gd_filter(evals: Tensor, rate: float, steps: float, flow: bool = False) -> tuple[Tensor, bool]:
    """(1 − (1 − rate λ)^steps)/λ for each eigenvalue λ (→ rate·steps as λ → 0), and whether GD diverges
    (some rate λ > 2). Accurate for small rate λ through expm1/log1p (:func:`gd_progress`). With ``flow``,
    gradient flow for the time ``steps``: (1 − exp(−rate λ steps))/λ, which never diverges."""
    x = rate * evals
    diverges = bool((x > 2.0).any()) and not flow
    done = flow_progress(x, steps) if flow else gd_progress(x, steps)
    # at steps = inf every mode above the pseudo-inverse's cutoff (kernel_min_norm's rcond) is reached
    cutoff = 1e-300 if math.isfinite(steps) or not evals.numel() else 1e-12 * float(evals.abs().max())
    small = evals.abs() < cutoff
    denom = torch.where(small, torch.ones_like(evals), evals)
    # λ = 0: rate·steps, the limit λ → 0; at steps = inf the pseudo-inverse's 0 (such a mode is never reached)
    at_zero = rate * steps if math.isfinite(steps) else 0.0
    return torch.where(small, torch.full_like(evals, at_zero), done / denom), diverges


def kernel_gd(g_train: Tensor, g_test_train: Tensor, y: Tensor, rate: float, steps: float,
              u0_train: Tensor | None = None, u0_test: Tensor | None = None,
              flow: bool = False) -> tuple[Tensor, Tensor, bool]:
    """GD in function space: u ← u − rate · G (u − y) for ``steps`` steps, in closed form (with ``flow``, gradient
    flow du/dt = −rate · G (u − y) for the time ``steps``).

    Returns (test predictions, train predictions, diverged). With u0 the initial function values.
    """
    evals, vecs = torch.linalg.eigh(g_train)
    evals = evals.clamp_min(0.0)
    filt, diverged = gd_filter(evals, rate, steps, flow)
    r0 = y - (u0_train if u0_train is not None else torch.zeros_like(y))
    coef = vecs @ (filt * (vecs.T @ r0))  # = G^{-1}(I − (I − rate G)^t) r0
    test = g_test_train @ coef
    train = g_train @ coef
    if u0_test is not None:
        test = test + u0_test
    if u0_train is not None:
        train = train + u0_train
    return test, train, diverged


def gd_init_variance(g_train: Tensor, g_test_train: Tensor, s_train: Tensor, s_test_train: Tensor,
                     s_test_diag: Tensor, rate: float, steps: float, flow: bool = False) -> Tensor:
    """Var of the GD predictor at test points caused by a Gaussian random initial function with covariance S.

    f_t(x) = f_0(x) − A(x) f_0(X) + (terms in y), A(x) = G(x, X) M, M = V diag((1 − (1 − rate λ)^t)/λ) V^T.
    """
    evals, vecs = torch.linalg.eigh(g_train)
    filt, _ = gd_filter(evals.clamp_min(0.0), rate, steps, flow)
    mmat = vecs @ torch.diag(filt) @ vecs.T
    a = g_test_train @ mmat
    return (s_test_diag - 2 * (a * s_test_train).sum(1) + ((a @ s_train) * a).sum(1)).clamp_min(0.0)


# ----------------------------------------------------------------------------------------------
# The run-level entry point
# ----------------------------------------------------------------------------------------------

KERNEL_CACHE_ENTRIES = 12
"""Gram matrices kept by :func:`memo_kernel` (a run's prediction uses three or four)."""
_kernel_cache: OrderedDict[tuple[Any, ...], Tensor] = OrderedDict()


def _digest(x: Tensor) -> str:
    x = x.to("cpu", torch.float64).contiguous()
    return hashlib.sha256(repr(tuple(x.shape)).encode() + x.numpy().tobytes()).hexdigest()


def memo_kernel(tag: tuple[Any, ...], a: Tensor, b: Tensor, compute: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """``compute(a, b)``, the Gram matrix of the kernel that ``tag`` names (its kind and parameters), computed
    once per (tag, a, b) content: the runs of a width or step sweep on one seed's data share their kernel (it
    does not depend on the width or the training), and a run's initial-function kernel is its Gram matrix again.
    The result is not to be modified in place."""
    key = (tag, _digest(a), _digest(b))
    hit = _kernel_cache.get(key)
    if hit is not None:
        _kernel_cache.move_to_end(key)
        return hit
    found = _kernel_cache[key] = compute(a, b)
    while len(_kernel_cache) > KERNEL_CACHE_ENTRIES:
        _kernel_cache.popitem(last=False)
    return found



SPECTRAL_CACHE_ENTRIES = 64
"""Results of :func:`memo_value` kept (eigenvalues, λ_min, minimum-norm predictions: small)."""
_value_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def memo_value(tag: tuple[Any, ...], tensors: tuple[Tensor, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, a function of the kernel that ``tag`` names (with every scalar it depends on) and of the
    contents of ``tensors``, computed once per (tag, contents): the configurations of a width sweep share one
    λ_min of their kernel and, where the function-space kernel does not depend on the width (random features,
    G = scale² m k with scale² m = 1), one spectrum and one minimum-norm prediction. Not to be modified in place."""
    key = (tag, *((str(t.dtype), _digest(t)) for t in tensors))
    if key in _value_cache:
        _value_cache.move_to_end(key)
        return _value_cache[key]
    found = _value_cache[key] = compute()
    while len(_value_cache) > SPECTRAL_CACHE_ENTRIES:
        _value_cache.popitem(last=False)
    return found


def has_kernel(model: ir.Model) -> bool:
    """Whether :func:`kernel_lambda_min` is defined for this model (random-feature and two-layer families)."""
    return bool({"random_features", "two_layer"} & set(families.of(model).theory_tags))


def kernel_lambda_min(run: ir.Run, x_train: Tensor) -> float:
    """λ_min of K = k(x_i, x_j)/n: the RF kernel of the run's feature law for random features, the T10 kernel
    k₀ (w uniform on S^{d−1}, no bias) for two-layer nets."""
    n = x_train.shape[0]
    if "random_features" in families.of(run.model).theory_tags:
        d = x_train.shape[1]
        w_var = run.model.init_scale ** 2 / d
        return float(memo_value(("lambda_min", "rf", run.model.bias, w_var), (x_train,), lambda: torch.linalg.eigvalsh(
            rf_kernel(x_train, x_train, bias=run.model.bias, w_var=w_var) / n)[0]))
    return float(memo_value(("lambda_min", "sphere"), (x_train,), lambda: torch.linalg.eigvalsh(
        rf_kernel(x_train, x_train, bias=False, features="sphere") / n)[0]))


def infinite_width_prediction(run: ir.Run, x_train: Tensor, y_train: Tensor, x_test: Tensor,
                              y_test: Tensor) -> dict[str, Any]:
    """The predicted test MSE of the run's infinite-width limit (see the module docstring).

    * random_features: the RF kernel k of the lowering's feature law (w, c ~ N(0, s²/d), s = init_scale);
      the function-space kernel is G = scale²·m·k; solve = min_norm → kernel interpolation, ridge → kernel
      ridge with c·n·λ, gd / gd_exact → GD in function space at the run's effective lr and steps (gradient_flow:
      the flow to its time, inf included), including the variance of the random initial outputs
      (a ~ N(0, s²/m) standard, N(0, s²) otherwise).
    * two_layer with ntk scaling: the NTK with the same initialisation, GD in function space.
    Other models: ``{"available": False, "reason": ...}``.
    Errors are MSE against ``y_test`` (the clean target), untruncated.
    """
    model, train, conv = run.model, run.train, run.conventions
    d = x_train.shape[1]
    n = x_train.shape[0]
    s2 = model.init_scale ** 2
    k_loss = conv.loss_factor
    out: dict[str, Any] = {"available": False}
    tags = families.of(model).theory_tags
    if model.init_file is not None:
        out["reason"] = f"the initial weights are read from `{model.init_file.path}`, not drawn from a law"
        return out
    if "random_features" in tags:
        kern = "random-feature kernel (arc-cosine, w ~ N(0, s²I/d) on x~ = (x, 1))" if model.bias else \
            "random-feature kernel (arc-cosine, w ~ N(0, s²I/d))"

        tag: tuple[Any, ...] = ("rf", model.bias, s2 / d)

        def base(a: Tensor, b: Tensor) -> Tensor:
            return memo_kernel(tag, a, b, lambda u, v: rf_kernel(u, v, bias=model.bias, w_var=s2 / d))
        scale = conv.output_scale
        gmul = scale ** 2 * model.width
        a_var = s2 / model.width if model.scaling == "standard" else s2
        init_mul = scale ** 2 * model.width * a_var  # f_0 = Φ a_0 has covariance a_var · E ΦΦᵀ
    elif "two_layer" in tags and model.scaling == "ntk" and model.activation == "relu":
        kern = "two-layer NTK (ReLU, bias)" if model.bias else "two-layer NTK (ReLU)"

        tag = ("ntk", model.bias, s2 / d, s2)

        def base(a: Tensor, b: Tensor) -> Tensor:
            return memo_kernel(tag, a, b,
                               lambda u, v: ntk_kernel(u, v, bias=model.bias, w_var=s2 / d, a_var=s2))
        gmul = 1.0
        init_mul = s2  # f_0 = m^{-1/2} Σ a σ(w·x~) has covariance a_var · k_rf(w_var = s²/d)
    else:
        out["reason"] = ("an infinite-width prediction exists for random_features and for ReLU two_layer nets with "
                         f"ntk scaling; this model is {model.family} with {model.scaling} scaling")
        return out
    g_tr = gmul * base(x_train, x_train)
    g_te = gmul * base(x_test, x_train)
    spectral = (*tag, gmul)  # what g_tr and g_te are a function of, besides the data
    evals = memo_value(("evals", *spectral), (x_train,), lambda: torch.linalg.eigvalsh(g_tr / n))
    out.update(available=True, kernel=kern, n=n, lambda_min=float(evals[0]), lambda_max=float(evals[-1]))
    mn = memo_value(("min_norm", *spectral), (x_train, x_test, y_train), lambda: kernel_min_norm(g_tr, g_te, y_train))
    out["min_norm_test_error"] = float(((mn - y_test) ** 2).mean())
    solve = train.solve if "random_features" in tags else "gd"
    out["solve"] = solve
    if solve == "min_norm":
        out["predicted_test_error"] = out["min_norm_test_error"]
        out["regime"] = "minimum-norm kernel interpolation (T9e, T18 t → ∞)"
        return out
    if solve == "ridge":
        ridge = conv.ridge
        assert ridge is not None
        pred = kernel_ridge(g_tr, g_te, y_train, ridge)
        out["predicted_test_error"] = float(((pred - y_test) ** 2).mean())
        out["regime"] = f"kernel ridge regression (ridge c·n·λ = {ridge:.4g})"
        return out
    flow = solve == "gradient_flow"
    if flow:
        assert train.time is not None
        steps: float = train.time
    else:
        assert train.optimizer is not None and train.steps is not None  # every other solve iterates
        if train.optimizer.kind != "gd":
            out.update(available=False,
                       reason=f"the closed form covers full-batch GD; the run uses {train.optimizer.kind}")
            return out
        steps = train.steps
    lr = conv.lr["a"]
    rate = lr * k_loss / n
    mean_test, mean_train, diverged = kernel_gd(g_tr, g_te, y_train, rate, steps, flow=flow)
    out["regime"] = (f"gradient flow in function space to time t = {steps:.4g}" if flow else
                     f"GD in function space, {steps} steps at effective lr {lr:.4g} (time η·steps = {lr * steps:.4g})")
    out["diverged"] = diverged
    if diverged:
        out["predicted_test_error"] = math.inf
        out["note"] = "the kernel GD diverges: η k λ_max(G/n) ≥ 2"
        return out
    mean_err = float(((mean_test - y_test) ** 2).mean())
    # variance of the random initial function f_0 (Gaussian process with covariance s0 · k_f0)
    if "random_features" in tags:
        def k0(a: Tensor, b: Tensor) -> Tensor:
            return init_mul * base(a, b)
    else:
        def k0(a: Tensor, b: Tensor) -> Tensor:
            return init_mul * memo_kernel(("rf", model.bias, s2 / d), a, b,
                                          lambda u, v: rf_kernel(u, v, bias=model.bias, w_var=s2 / d))
    diag = _diag_kernel(k0, x_test)
    var = gd_init_variance(g_tr, g_te, k0(x_train, x_train), k0(x_test, x_train), diag, rate, steps, flow)
    out["mean_test_error"] = mean_err
    out["init_variance"] = float(var.mean())
    out["predicted_test_error"] = mean_err + float(var.mean())
    out["train_error_mean"] = float(((mean_train - y_train) ** 2).mean())
    if out["lambda_min"] > 0:
        out["t_det_steps"] = 1.0 / (lr * k_loss * out["lambda_min"])
    return out


def _diag_kernel(k, x: Tensor) -> Tensor:  # type: ignore[no-untyped-def]
    """diag k(x_i, x_i) without forming the full matrix (rows in chunks)."""
    vals = []
    for start in range(0, x.shape[0], 512):
        chunk = x[start:start + 512]
        vals.append(torch.diagonal(k(chunk, chunk)))
    return torch.cat(vals)
