"""The random-feature family: the two-layer form with the inner weights fixed at their random init.

Input:  a resolved :class:`~mlc.compiler.ir.Run` and, for the lowering, tensors.
Output: the ``random_features`` :class:`~mlc.compiler.families.base.Family` descriptor and lowering.
Role:   the parameters, init and forward of ``two_layer``; only ``a`` is trained. Its RKHS norm, in the
        normalised form of REFERENCE §2.3 (f = (1/m) sum_j a'_j phi_j, a'_j = m scale a_j), is
        ||theta||_H = scale sqrt(m) ||a||_2. Solvable in closed form (min_norm, ridge, gd_exact, gradient_flow:
        ``compiler.lower.closed_forms``); the RF theorems (T7, T9a-e, T18, T19) and the RF kernel are about it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from mlc.compiler.families.base import FastPath, Params
from mlc.compiler.families.two_layer import TwoLayer

if TYPE_CHECKING:
    import torch

    from mlc.compiler import ir


class RandomFeatures(TwoLayer):
    name: ClassVar[str] = "random_features"
    doc: ClassVar[str] = "random features f = scale · Σ_k a_k s(w_k·x + c_k), w and c fixed at init, a trained"
    norms: ClassVar[tuple[str, ...]] = ("path_norm", "rkhs_norm")
    diagnostics: ClassVar[tuple[str, ...]] = ("lambda_min",)
    penalties: ClassVar[tuple[str, ...]] = ("rkhs_norm",)
    closed_forms: ClassVar[tuple[str, ...]] = ("min_norm", "ridge", "gd_exact", "gradient_flow")
    fast_path: ClassVar[FastPath | None] = FastPath(inner_trained=False)
    theory_tags: ClassVar[tuple[str, ...]] = ("random_features",)
    # No `bias_init`: its biases are features, never trained (`bias = false` removes them).
    settings: ClassVar[tuple[str, ...]] = tuple(k for k in TwoLayer.settings if k != "bias_init")

    def trained(self, model: ir.Model) -> tuple[str, ...]:
        return ("a",)

    def norm(self, name: str, run: ir.Run, params: Params) -> torch.Tensor:
        if name == "rkhs_norm":
            m = params["a"].shape[-1]
            return run.conventions.output_scale * math.sqrt(m) * params["a"].pow(2).sum(-1).sqrt()
        return super().norm(name, run, params)


FAMILY = RandomFeatures()
