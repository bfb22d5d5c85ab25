"""Measurements of trained ensembles.

Input:  the runs of an ensemble (the first gives the shape: model, loss, conventions), ensemble parameters
        (E-stacked), the initial parameters, the members' data sets.
Output: one dict of metric name -> float per member.
Role:   the single definition of every measured quantity, shared by the autograd and fast trainers:
  * ``train_error`` / ``test_error``: mean (T_B(f) - f*)^2 on the train / test inputs against the CLEAN target,
    where T_B clips to [-B, B] and B = :func:`clip_bound`, a bound on |f*| over the support of the input law
    (not over the training sample: a test input beyond the sample's maximum must not be clipped below f*, so
    clipping never raises an error), raised to 1 if it is <= 1, inf when f* is unbounded under the law (then the
    clipped error is the raw one); ``*_raw``: the plain MSE, without clipping; ``clip_bound`` (final): B;
  * ``train_loss``: the training loss (on the noisy labels, without the penalty);
  * ``path_norm`` (two_layer, random_features, deep), ``weighted_path_norm`` (resnet), ``rkhs_norm``
    (random_features), ``param_distance`` = ||theta_t - theta_0||_2 over the trained parameters;
  * ``lambda_min`` (random_features, final only): the smallest nonzero eigenvalue of Phi^T Phi / n where
    Phi_ij = scale * s(w_j.x_i + c_j) (so f = Phi a, the form of REFERENCE T18);
  * ``penalty_term`` / ``penalty_term_init`` (final only, with a penalty): lambda * c * norm of the final and
    the initial parameters, the penalty part of the objective; ``zero_predictor_mse`` (final only, regression
    losses): mean f*^2 on the test inputs, the test error of the zero predictor; ``constant_predictor_mse`` (final
    only, regression losses): mean (f* - mean f*)^2 on the test inputs, the test error of the best constant
    predictor (``compiler.lower.health`` reads these to tell when a penalty dominates the objective and the net
    learned nothing);
  * ``spectrum`` (1-D grid inputs): for each of the target's peak frequencies k (the largest local maxima of
    |DFT f*| on the training grid, at most 3, DC excluded), |F(f)[k] - F(f*)[k]| / |F(f*)[k]|, reported
    as ``spectrum_k{k}``.
"""

from __future__ import annotations

import functools
import math
from typing import cast

import torch
from pydantic import TypeAdapter

from mlc.compiler import metrics
from mlc.compiler.ir import InputDist, Run, Target, canonical_json
from mlc.compiler.theory.context import target_range
from mlc.compiler.lower import families
from mlc.compiler.lower.blocks import eval_block_rows
from mlc.compiler.lower.losses import loss_per_member
from mlc.compiler.lower.penalties import penalty_per_member
from mlc.compiler.lower.samplers import DataSet

@functools.lru_cache(maxsize=256)
def _clip_bound(target_json: str, input_json: str) -> float:
    target = TypeAdapter(Target).validate_json(target_json)
    interval = target_range(target, InputDist.model_validate_json(input_json))
    return max(1.0, abs(interval.lo), abs(interval.hi))


def clip_bound(run: Run) -> float:
    """B of the clipped errors: max(1, sup |f*|) over the support of the input law, from a sound enclosure of the
    target's range (``compiler.theory.context.target_range``); inf when f* is unbounded under the law."""
    return _clip_bound(canonical_json(run.target), canonical_json(run.input))


def _stack(datas: list[DataSet], attr: str) -> torch.Tensor:
    return torch.stack([getattr(ds, attr) for ds in datas])


@torch.no_grad()
def predict(run: Run, params: families.Params, x: torch.Tensor) -> torch.Tensor:
    """Ensemble outputs (E, N) on inputs (E, N, d), in blocks of inputs whose activations stay in cache
    (``compiler.lower.blocks.eval_block_rows``; each output depends on its own input only, so the blocking does not
    change a number)."""
    rows = eval_block_rows(run, x.shape[0])
    outs = [families.forward(run, params, x[:, i:i + rows]) for i in range(0, x.shape[1], rows)]
    return torch.cat(outs, dim=1)


def _errors(f: torch.Tensor, fstar: torch.Tensor, bound: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    raw = (f - fstar).pow(2).mean(-1)
    b = bound.unsqueeze(1)
    clipped = torch.maximum(torch.minimum(f, b), -b)
    return (clipped - fstar).pow(2).mean(-1), raw


def _classification_errors(f: torch.Tensor, fstar: torch.Tensor, bound: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """With the logistic loss the error is the misclassification rate against sign(f*) (no truncation, so the
    raw error is the same number)."""
    wrong = (torch.sign(f) != torch.sign(fstar)).to(f.dtype).mean(-1)
    return wrong, wrong.clone()


def spectrum_peaks(f_grid: torch.Tensor, count: int = 3) -> list[int]:
    """Indices of the largest local maxima of |rfft(f*)| (DC excluded), at most ``count``."""
    mag = torch.fft.rfft(f_grid.to(torch.float64)).abs()
    peaks = [k for k in range(1, mag.shape[0])
             if mag[k] >= mag[k - 1] and (k + 1 >= mag.shape[0] or mag[k] > mag[k + 1])]
    top = float(mag.max()) if mag.numel() else 0.0
    peaks = [k for k in peaks if mag[k] > 1e-6 * top]
    peaks.sort(key=lambda k: -float(mag[k]))
    return sorted(peaks[:count])


@torch.no_grad()
def measure(runs: list[Run], params: families.Params, init: families.Params, datas: list[DataSet],
            names: tuple[str, ...] | list[str], final: bool = False,
            is_grid: bool = False, lambda_min: list[float] | None = None) -> list[dict[str, float]]:
    """The requested metrics (plus the errors, always) for every member of an ensemble of ``runs`` (one run per
    member, all of the first one's shape).

    ``names`` are recordable metric names (``compiler.metrics``); norms that do not apply to the family are skipped.
    With ``final``, every applicable metric is measured. ``lambda_min``: the members' values when the caller
    already has them (a closed form's SVD of the same features), instead of a second decomposition.
    """
    E = len(datas)
    run = runs[0]
    model, loss = run.model, run.train.loss
    d = datas[0].x_train.shape[-1]
    bound = torch.tensor([clip_bound(r) for r in runs], dtype=datas[0].f_train.dtype, device=datas[0].f_train.device)
    want = set(names)
    out: dict[str, torch.Tensor] = {}
    f_tr = predict(run, params, _stack(datas, "x_train"))
    errors = _classification_errors if loss == "logistic" else _errors
    out["train_error"], out["train_error_raw"] = errors(f_tr, _stack(datas, "f_train"), bound)
    out["train_loss"] = loss_per_member(loss, f_tr, _stack(datas, "y_train"))
    if final or "test_error" in want or "test_error_raw" in want:
        f_te = predict(run, params, _stack(datas, "x_test"))
        out["test_error"], out["test_error_raw"] = errors(f_te, _stack(datas, "f_test"), bound)
    fam = model.family
    # which norms a family has is its descriptor's rule, read through the metric registry (as the checker does)
    for name in ("path_norm", "weighted_path_norm", "rkhs_norm"):
        if (final or name in want) and metrics.applies(name, fam):
            out[name] = families.norm(name, run, params)
    if final or "param_distance" in want:
        sq = cast(torch.Tensor, sum((params[k] - init[k]).pow(2).flatten(1).sum(-1) for k in run.conventions.trained))
        out["param_distance"] = sq.sqrt()
    if final and run.train.penalty.kind != "none":  # the objective's parts, to tell when the penalty dominates
        lam = torch.tensor([r.train.penalty.lam for r in runs], dtype=f_tr.dtype, device=f_tr.device)
        out["penalty_term"] = penalty_per_member(run, params, lam)
        out["penalty_term_init"] = penalty_per_member(run, init, lam)
    if final and loss != "logistic":
        f_test = _stack(datas, "f_test")
        out["zero_predictor_mse"] = f_test.pow(2).mean(-1)
        # the best constant predictor on the test inputs is their mean of f*: its error is the variance of f*
        out["constant_predictor_mse"] = (f_test - f_test.mean(-1, keepdim=True)).pow(2).mean(-1)
        out["clip_bound"] = bound
    results = [{k: float(v[i]) for k, v in out.items()} for i in range(E)]
    if (final or "spectrum" in want) and is_grid and d == 1:
        for i, ds in enumerate(datas):
            target_hat = torch.fft.rfft(ds.f_train.to(torch.float64))
            out_hat = torch.fft.rfft(f_tr[i].to(torch.float64))
            for k in spectrum_peaks(ds.f_train):
                rel = (out_hat[k] - target_hat[k]).abs() / target_hat[k].abs()
                results[i][f"spectrum_k{k}"] = float(rel)
    if final and metrics.applies("lambda_min", fam):
        for i, ds in enumerate(datas):
            results[i]["lambda_min"] = (lambda_min[i] if lambda_min is not None
                                        else rf_lambda_min(run, families.member(params, i), ds.x_train))
    return results


@torch.no_grad()
def rf_lambda_min(run: Run, params: families.Params, x: torch.Tensor) -> float:
    """Smallest nonzero eigenvalue of Phi^T Phi / n of the family's feature map (computed in float64 through the
    singular values)."""
    with torch.no_grad():
        phi = families.features(run, {k: v.to(torch.float64) for k, v in params.items()}, x.to(torch.float64))
    n = phi.shape[0]
    sv = torch.linalg.svdvals(phi.cpu())
    if sv.numel() == 0 or float(sv[0]) == 0.0:
        return 0.0
    tol = float(sv[0]) * max(phi.shape) * torch.finfo(torch.float64).eps
    nonzero = sv[sv > tol]
    return float(nonzero[-1] ** 2 / n) if nonzero.numel() else 0.0


def is_bad(value: float) -> bool:
    return math.isnan(value) or math.isinf(value)
