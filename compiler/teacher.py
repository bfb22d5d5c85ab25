"""The weights of a teacher-network target, drawn by the recipe of its IR.

Input:  a :class:`~mlc.compiler.ir.TeacherTarget` and the input dimension d.
Output: ``{"b": (width, d), "c": (width,), "a": (width,)}`` float64 torch tensors on the CPU.
Role:   the one drawing of a teacher's weights, part of the IR's meaning (the TeacherTarget docstring fixes
        the recipe): the lowering trains against the network they define (``mlc.compiler.lower.targets``)
        and the theory bounds its norm (``mlc.compiler.theory.teacher``), so both see the same network.
        Imported only where a teacher is used (it imports torch).
"""

from __future__ import annotations

import math

import torch

from mlc.compiler import ir


def teacher_weights(teacher: ir.TeacherTarget, d: int) -> dict[str, torch.Tensor]:
    """The teacher's weights (float64), drawn as the :class:`~mlc.compiler.ir.TeacherTarget` docstring says:
    ``gen = Generator().manual_seed(seed)``; b (width, d) ~ N(0, I/d), then c ~ N(0, 1/d) if bias else 0,
    then a ~ N(0, 1/width)."""
    gen = torch.Generator().manual_seed(int(teacher.seed))
    m = teacher.width
    b = torch.randn(m, d, generator=gen, dtype=torch.float64) / math.sqrt(d)
    if teacher.bias:
        c = torch.randn(m, generator=gen, dtype=torch.float64) / math.sqrt(d)
    else:
        c = torch.zeros(m, dtype=torch.float64)
    a = torch.randn(m, generator=gen, dtype=torch.float64) / math.sqrt(m)
    return {"b": b, "c": c, "a": a}
