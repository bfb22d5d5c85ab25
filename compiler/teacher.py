"""The weights of a teacher-network target, drawn by the recipe of its IR, and its normalisation.

Input:  a :class:`~mlc.compiler.ir.TeacherTarget`, the input dimension d (raw weights) or the input law
        (the network trained against, which a ``normalize`` option rescales under that law).
Output: ``{"b": (width, d), "c": (width,), "a": (width,)}`` float64 torch tensors on the CPU, plus ``"a0"`` (a
        constant output offset, 0-dim) for :func:`teacher_network`; :class:`Normalisation` (the Monte Carlo mean
        and sd, recorded in the results).
Role:   the one drawing of a teacher's weights, part of the IR's meaning (the TeacherTarget docstring fixes
        the recipe): the lowering trains against the network of :func:`teacher_network`
        (``mlc.compiler.lower.targets``) and the theory bounds its norm and range (``mlc.compiler.theory.teacher``),
        so both see the same network. Imported only where a teacher is used (it imports torch).

Normalisation (``normalize = sd(points = N, center = c, seed = s)``): N inputs are drawn from the input law with
``Generator().manual_seed(s + NORMALISE_SEED_OFFSET)`` (in blocks of :data:`MC_BLOCK`, so memory stays bounded);
mean = (1/N) Σ f*(x_i), sd = sqrt((1/N) Σ (f*(x_i) − mean)²). The network becomes f*/sd (a_k / sd), or
(f* − mean)/sd with ``center`` (a constant offset a0 = −mean/sd): unit variance under the input law.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from mlc.compiler import ir

NORMALISE_SEED_OFFSET = 4_000_003  # Monte Carlo inputs of a normalisation: manual_seed(seed + NORMALISE_SEED_OFFSET)
MC_BLOCK = 65_536  # inputs per Monte Carlo block


def teacher_weights(teacher: ir.TeacherTarget, d: int) -> dict[str, torch.Tensor]:
    """The teacher's raw weights (float64), as the :class:`~mlc.compiler.ir.TeacherTarget` docstring says.

    Given ``weights`` are returned as they are. Otherwise ``gen = Generator().manual_seed(seed)``; under the
    ``gaussian`` law b (width, d) ~ N(0, I/d), then c ~ N(0, 1/d) if bias else 0 (the original recipe, unchanged);
    under ``sphere`` b_k = g_k/‖g_k‖ with g_k ~ N(0, I), under ``uniform`` b ~ U([−1, 1]^d), and c ~ U(−1, 1) if
    bias for both; then a ~ N(0, 1/width)."""
    if teacher.weights is not None:
        w = teacher.weights
        return {"b": torch.tensor(w.b, dtype=torch.float64).reshape(len(w.a), d),
                "c": torch.tensor(w.c, dtype=torch.float64), "a": torch.tensor(w.a, dtype=torch.float64)}
    gen = torch.Generator().manual_seed(int(teacher.seed))
    m = teacher.width
    if teacher.law == "gaussian":
        b = torch.randn(m, d, generator=gen, dtype=torch.float64) / math.sqrt(d)
        c = (torch.randn(m, generator=gen, dtype=torch.float64) / math.sqrt(d) if teacher.bias
             else torch.zeros(m, dtype=torch.float64))
    else:
        if teacher.law == "sphere":
            g = torch.randn(m, d, generator=gen, dtype=torch.float64)
            b = g / g.norm(dim=1, keepdim=True).clamp_min(1e-300)
        else:
            b = torch.rand(m, d, generator=gen, dtype=torch.float64) * 2.0 - 1.0
        c = (torch.rand(m, generator=gen, dtype=torch.float64) * 2.0 - 1.0 if teacher.bias
             else torch.zeros(m, dtype=torch.float64))
    a = torch.randn(m, generator=gen, dtype=torch.float64) / math.sqrt(m)
    return {"b": b, "c": c, "a": a}


def raw_output(weights: dict[str, torch.Tensor], activation: str, x: torch.Tensor) -> torch.Tensor:
    """Σ_k a_k s(b_k·x + c_k) (+ a0 when the weights have one) on x (n, d), in x's dtype and device."""
    from mlc.compiler.families.base import activation as torch_activation

    b, c, a = (weights[k].to(device=x.device, dtype=x.dtype) for k in ("b", "c", "a"))
    out = torch_activation(activation)(x @ b.T + c) @ a
    if "a0" in weights:
        out = out + weights["a0"].to(device=x.device, dtype=x.dtype)
    return out


@dataclass(frozen=True)
class Normalisation:
    """The Monte Carlo statistics of a normalised teacher (what the results record)."""

    mean: float
    sd: float
    points: int
    center: bool

    def record(self) -> dict[str, float]:
        """The numbers as the results store them."""
        return {"teacher_mean": self.mean, "teacher_sd": self.sd, "points": float(self.points),
                "center": float(self.center)}


@functools.lru_cache(maxsize=64)
def normalisation(teacher: ir.TeacherTarget, dist: ir.InputDist) -> Normalisation | None:
    """The mean and sd of the raw teacher under the input law (None without ``normalize``); see the module doc."""
    norm = teacher.normalize
    if norm is None:
        return None
    from mlc.compiler.lower.samplers import sample_inputs  # the input law's one sampler (lazy: no import cycle)

    weights = teacher_weights(teacher, dist.dim)
    gen = torch.Generator().manual_seed(int(norm.seed) + NORMALISE_SEED_OFFSET)
    total, total_sq, left = 0.0, 0.0, norm.points
    values: list[torch.Tensor] = []
    while left > 0:
        block = min(MC_BLOCK, left)
        values.append(raw_output(weights, teacher.activation, sample_inputs(dist, block, gen)))
        left -= block
    f = torch.cat(values)
    total = float(f.sum())
    mean = total / norm.points
    total_sq = float((f - mean).pow(2).sum())
    sd = math.sqrt(total_sq / norm.points)
    if not math.isfinite(sd) or sd <= 0.0:
        raise ValueError(f"the teacher is constant under the input law (sd {sd:g}): it cannot be normalised")
    return Normalisation(mean=mean, sd=sd, points=norm.points, center=norm.center)


def teacher_network(teacher: ir.TeacherTarget, dist: ir.InputDist) -> dict[str, torch.Tensor]:
    """The network f* is: the raw weights, with a normalisation folded in (a/sd and the offset a0)."""
    weights = teacher_weights(teacher, dist.dim)
    stats = normalisation(teacher, dist)
    if stats is None:
        weights["a0"] = torch.zeros((), dtype=torch.float64)
        return weights
    weights["a"] = weights["a"] / stats.sd
    weights["a0"] = torch.tensor(-stats.mean / stats.sd if stats.center else 0.0, dtype=torch.float64)
    return weights
