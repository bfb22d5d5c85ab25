"""Closed-form solutions of random-feature models.

Input:  one random-feature :class:`~mlc.compiler.lower.ensemble.Member` with ``train.solve`` in
        {min_norm, ridge, gd_exact, gradient_flow}.
Output: a :class:`~mlc.compiler.lower.ensemble.MemberOutcome` (the solved coefficients, metrics, curves).
Role:   solve for the outer weights a through the features Phi (n, m), Phi_ij = scale * s(w_j.x_i + c_j), so
        that f = Phi a (all linear algebra in float64 on the CPU, then cast back):
  * ``min_norm``: a = Phi^+ y, the minimum-norm least-squares solution (the initial a is ignored);
  * ``ridge``: a = argmin loss + lambda ||a||_2^2 with lambda = the penalty's lambda, i.e.
    a = (Phi^T Phi + r I)^{-1} Phi^T y with the ridge r = c n lambda = ``run.conventions.ridge`` (c = 2/k);
  * ``gd_exact``: the exact GD trajectory of REFERENCE T18 from the initial a_0 with the run's learning rate eta
    (``run.conventions.lr["a"]``): with Phi = U S V^T and k = the loss factor (2 for mse, 1 for half_mse), each mode
    z_i = v_i.a moves as z_i(t) - z_i* = (1 - eta k s_i^2 / n)^t (z_i(0) - z_i*), z_i* = u_i.y / s_i;
    the null-space part of a_0 is untouched. Evaluated at the recorded steps and at ``steps``.
    When eta k s_max^2 / n > 2 the iteration diverges: the run is marked diverged at the first step where the
    loss has grown by the trainers' divergence factor (1e6, see ``tracking``), and measured there;
  * ``gradient_flow``: the same in continuous time t = eta * steps, (1 - eta x)^k -> exp(-x t), to ``train.time``
    (inf: the limit, the min-norm solution plus the untouched null-space part of a_0); it never diverges.
The powers are evaluated as exp(k log1p(-eta x)) (``compiler.theory.kernels.gd_progress``): modes with
eta x ~ 1e-15 move at their true rate. A trajectory is measured at 0 and at the record points (``every`` or
``at``) before its end, and at the end.

No solve steps: each is a function of one thin SVD of Phi (:func:`feature_svd`), which also gives the divergence
test (s_max), the min-norm solution (V S^-1 U^T y) and ``lambda_min`` (the smallest kept s^2 / n). The SVD is
computed once per distinct feature matrix and kept in a small cache keyed by Phi's bytes: the runs of a sweep
that share their features (a min-norm model and GD models after several step counts on the same nested
features, seed and data) decompose it once.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import torch

from mlc.compiler.ir import Record
from mlc.compiler.lower.ensemble import Member, MemberOutcome
from mlc.compiler.lower import families
from mlc.compiler.lower.measure import measure
from mlc.compiler.lower.tracking import DIVERGENCE_FACTOR, Tracker
from mlc.compiler.theory.kernels import flow_progress, gd_progress


def _phi(member: Member) -> tuple[torch.Tensor, torch.Tensor]:
    params64 = {k: v.unsqueeze(0).to(torch.float64) for k, v in member.init.items()}
    x = member.data.x_train.to("cpu", torch.float64)
    y = member.data.y_train.to("cpu", torch.float64)
    with torch.no_grad():
        return families.features(member.run, params64, x), y


@dataclass(frozen=True)
class FeatureSVD:
    """The thin SVD Phi = U diag(S) Vh of a feature matrix (n, m), float64, with the singular values at or below
    the pseudo-inverse's cutoff (s_max * max(n, m) * eps, as ``torch.linalg.pinv``) removed."""

    U: torch.Tensor  # (n, r)
    S: torch.Tensor  # (r,), descending, all above the cutoff
    Vh: torch.Tensor  # (r, m)
    n: int
    s_max: float  # the largest singular value (0 for a zero matrix)

    def min_norm(self, y: torch.Tensor) -> torch.Tensor:
        """Phi^+ y = V S^-1 U^T y, the minimum-norm least-squares solution."""
        return self.Vh.T @ ((self.U.T @ y) / self.S)

    @property
    def lambda_min(self) -> float:
        """The smallest nonzero eigenvalue of Phi^T Phi / n (0 when Phi is 0)."""
        return float(self.S[-1] ** 2 / self.n) if self.S.numel() else 0.0


SVD_CACHE_ENTRIES = 16
"""Feature matrices whose SVD is kept; the runs that share features are adjacent in plan order."""
_svd_cache: OrderedDict[str, FeatureSVD] = OrderedDict()


def _decompose(phi: torch.Tensor) -> FeatureSVD:
    n = phi.shape[0]
    if not phi.numel():
        empty = torch.zeros(0, dtype=torch.float64)
        return FeatureSVD(phi.new_zeros(n, 0), empty, phi.new_zeros(0, phi.shape[1]), n, 0.0)
    U, S, Vh = torch.linalg.svd(phi, full_matrices=False)
    s_max = float(S.max())
    keep = S > s_max * max(phi.shape) * torch.finfo(torch.float64).eps
    return FeatureSVD(U[:, keep], S[keep], Vh[keep], n, s_max)


def feature_svd(phi: torch.Tensor) -> FeatureSVD:
    """The :class:`FeatureSVD` of ``phi`` (float64, CPU), computed once per distinct matrix (see the module
    docstring): the key is the SHA-256 of its shape and bytes, so equal features give the same decomposition."""
    phi = phi.to("cpu", torch.float64).contiguous()
    key = hashlib.sha256(repr(tuple(phi.shape)).encode() + phi.numpy().tobytes()).hexdigest()
    hit = _svd_cache.get(key)
    if hit is not None:
        _svd_cache.move_to_end(key)
        return hit
    found = _svd_cache[key] = _decompose(phi)
    while len(_svd_cache) > SVD_CACHE_ENTRIES:
        _svd_cache.popitem(last=False)
    return found


def gd_exact_divergence_step(phi: torch.Tensor, lr: float, k: float, *, svd: FeatureSVD | None = None) -> int | None:
    """The step at which exact GD has amplified its fastest unstable mode by sqrt(DIVERGENCE_FACTOR) (so the
    loss by DIVERGENCE_FACTOR), or None when every mode contracts (eta k s_i^2 / n <= 2)."""
    n = phi.shape[0]
    s_max = (svd or feature_svd(phi)).s_max
    growth = abs(1.0 - lr * k * s_max ** 2 / n)
    if growth <= 1.0:
        return None
    return max(1, math.ceil(0.5 * math.log(DIVERGENCE_FACTOR) / math.log(growth)))


def gd_exact_path(phi: torch.Tensor, y: torch.Tensor, a0: torch.Tensor, lr: float, k: float,
                  steps: Sequence[float], *, flow: bool = False, svd: FeatureSVD | None = None) -> list[torch.Tensor]:
    """The exact GD iterates a_t (float64) at the given step counts (REFERENCE T18, discrete form) for the loss
    with factor k (dL/df = (k/n)(f - y)): each mode z_i = v_i.a moves as
    z_i(t) - z_i* = (1 - eta k s_i^2 / n)^t (z_i(0) - z_i*), z_i* = u_i.y / s_i; the null space is untouched.

    With ``flow`` the points are times of gradient flow instead, t = eta * steps (``lr`` is then the factor that
    turns t into the parameters' own time, 1 unless a scaling rescales it), and (1 - eta x)^t becomes exp(-x t).
    A point may be 0 or inf (the limit: the min-norm solution plus the untouched null-space part of a_0). The
    powers are evaluated as exp(t log1p(-x)) (``kernels.gd_progress``), so modes with x ~ 1e-15 are resolved.
    """
    n = phi.shape[0]
    dec = svd or feature_svd(phi)
    U, S, Vh = dec.U, dec.S, dec.Vh
    z0 = Vh @ a0
    zstar = (U.T @ y) / S
    rate = lr * k * S.pow(2) / n
    null_part = a0 - Vh.T @ z0
    out = []
    for t in steps:
        moved = flow_progress(rate, float(t)) if flow else gd_progress(rate, float(t))
        z = z0 + moved * (zstar - z0)
        out.append(null_part + Vh.T @ z)
    return out


def record_points(record: Record, end: float, flow: bool) -> list[float]:
    """The steps (ints), or the gradient-flow times (``flow``), before ``end`` at which a closed-form trajectory
    is measured: 0, every, 2 every, ... or 0 and the ``at`` points (the end is measured as the final state)."""
    if record.every > 0:
        return list(range(0, int(end), record.every))
    if record.at:
        points = [0.0] + [t for t in record.at if 0 < t < end]
        return points if flow else [int(t) for t in points]
    return []


def solve_closed_form(member: Member, device: torch.device, dtype: torch.dtype) -> MemberOutcome:
    """Solve one random-feature run in closed form (see the module docstring)."""
    run = member.run
    train = run.train
    phi, y = _phi(member)
    n, m = phi.shape
    svd = feature_svd(phi) if train.solve != "ridge" else None
    init = {k: v.unsqueeze(0).to(device=device, dtype=dtype) for k, v in member.init.items()}
    a0 = member.init["a"].to(torch.float64)
    tracker = Tracker(train, 1)

    def params_with(a: torch.Tensor) -> dict[str, torch.Tensor]:
        p = {k: v.clone() for k, v in init.items()}
        p["a"] = a.to(device=device, dtype=dtype).unsqueeze(0)
        return p

    names = tracker.wanted_metrics()
    known = [svd.lambda_min] if svd is not None else None  # the features never move: Phi's own lambda_min
    if train.solve == "min_norm":
        assert svd is not None
        a = svd.min_norm(y)
        steps_done = 0
        last: float = 0
    elif train.solve == "ridge":
        ridge = run.conventions.ridge
        assert ridge is not None
        a = torch.linalg.solve(phi.T @ phi + ridge * torch.eye(m, dtype=torch.float64), phi.T @ y)
        steps_done = 0
        last = 0
    elif train.solve in ("gd_exact", "gradient_flow"):
        lr, k = run.conventions.lr["a"], run.conventions.loss_factor
        flow = train.solve == "gradient_flow"
        diverged_at = None if flow else gd_exact_divergence_step(phi, lr, k, svd=svd)
        end: float
        if flow:
            assert train.time is not None
            end = train.time
        else:
            assert train.steps is not None
            end = train.steps if diverged_at is None else min(diverged_at, train.steps)
        steps_done = 0 if flow else int(end)
        points = record_points(train.record, end, flow)
        path = gd_exact_path(phi, y, a0, lr, k, points + [end], flow=flow, svd=svd)
        for t, a_t in zip(points, path[:-1]):
            metrics = measure([run], params_with(a_t), init, [member.data], names,
                              is_grid=member.is_grid)
            tracker.record(0, t, metrics[0])  # type: ignore[arg-type]  # a time of gradient flow is a float
        a = path[-1]
        if diverged_at is not None and train.steps is not None and diverged_at <= train.steps:
            final = measure([run], params_with(a), init, [member.data], names, final=True,
                            is_grid=member.is_grid, lambda_min=known)
            return MemberOutcome(params_with(a), init, steps_done, diverged_at, tracker.curves[0], final[0])
        last = end
    else:
        raise ValueError(f"unknown closed-form solve {train.solve!r}")
    final_params = params_with(a)
    final = measure([run], final_params, init, [member.data], names, final=True,
                    is_grid=member.is_grid, lambda_min=known)
    if train.record.recording:
        tracker.record(0, last, final[0])  # type: ignore[arg-type]  # the end: a step, or a time (inf included)
    return MemberOutcome(final_params, init, steps_done, None, tracker.curves[0], final[0])
