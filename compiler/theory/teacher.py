"""The weights of a teacher-network target, drawn exactly as the lowering draws them.

Input:  a :class:`~mlc.compiler.ir.TeacherTarget` and the input dimension d.
Output: ``{"b": (width, d), "c": (width,), "a": (width,)}`` float64 torch tensors.
Role:   the theory engine's view of a teacher (its path norm is a Barron-norm bound), drawn by the very
        function whose network the lowering trains against (``mlc.compiler.teacher.teacher_weights``), so the
        norm is that of the network the data came from. The recipe is fixed by the TeacherTarget docstring.
"""

from __future__ import annotations

from typing import Any

from mlc.compiler.ir import TeacherTarget


def teacher_weights(target: TeacherTarget, d: int) -> dict[str, Any]:
    """The teacher's weights (float64 torch tensors on the CPU), from the lowering's own recipe."""
    # Lazy import: keeps ``import mlc.compiler.theory`` free of torch for specs without a teacher.
    from mlc.compiler.teacher import teacher_weights as draw_teacher_weights

    return draw_teacher_weights(target, d)


def teacher_path_norm(target: TeacherTarget, d: int) -> float:
    """sum_k |a_k| (||b_k||_1 + |c_k|): the path norm of the teacher (standard scaling)."""
    w = teacher_weights(target, d)
    return float((w["a"].abs() * (w["b"].abs().sum(dim=1) + w["c"].abs())).sum())
