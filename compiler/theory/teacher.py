"""The weights of a teacher-network target, drawn exactly as the lowering draws them.

Input:  a :class:`~mlc.compiler.ir.TeacherTarget` and the input dimension d.
Output: ``{"b": (width, d), "c": (width,), "a": (width,)}`` float64 torch tensors.
Role:   one recipe for both the theory engine (the teacher's path norm is a Barron-norm bound) and the
        lowering (``mlc.compiler.lower.targets``). The recipe is fixed by the TeacherTarget docstring:
        ``gen = torch.Generator().manual_seed(seed)``; b ~ N(0, I/d), then c ~ N(0, 1/d) if bias else 0,
        then a ~ N(0, 1/width), drawn in that order. A test checks that both implementations agree.
"""

from __future__ import annotations

import math
from typing import Any

from mlc.compiler.ir import TeacherTarget


def teacher_weights(target: TeacherTarget, d: int) -> dict[str, Any]:
    """The teacher's weights (float64 torch tensors on the CPU); see the module docstring for the recipe."""
    import torch  # lazy: keeps ``import mlc.compiler.theory`` light

    gen = torch.Generator().manual_seed(int(target.seed))
    m = int(target.width)
    b = torch.randn(m, d, generator=gen, dtype=torch.float64) / math.sqrt(d)
    if target.bias:
        c = torch.randn(m, generator=gen, dtype=torch.float64) / math.sqrt(d)
    else:
        c = torch.zeros(m, dtype=torch.float64)
    a = torch.randn(m, generator=gen, dtype=torch.float64) / math.sqrt(m)
    return {"b": b, "c": c, "a": a}


def teacher_path_norm(target: TeacherTarget, d: int) -> float:
    """sum_k |a_k| (||b_k||_1 + |c_k|): the path norm of the teacher (standard scaling)."""
    w = teacher_weights(target, d)
    return float((w["a"].abs() * (w["b"].abs().sum(dim=1) + w["c"].abs())).sum())
