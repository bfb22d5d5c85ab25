"""The network of a teacher target, exactly the one the lowering trains against.

Input:  a :class:`~mlc.compiler.ir.TeacherTarget` and the input law (a normalised teacher depends on it).
Output: ``{"b": (width, d), "c": (width,), "a": (width,), "a0": ()}`` float64 torch tensors; the path norm.
Role:   the theory engine's view of a teacher (its path norm is a Barron-norm bound, its weights bound its range),
        built by the very function whose network the lowering trains against
        (``mlc.compiler.teacher.teacher_network``), so the norm is that of the network the data came from. The
        recipe is fixed by the TeacherTarget docstring; a normalisation is folded into a and the offset a0.
"""

from __future__ import annotations

from typing import Any

from mlc.compiler.ir import InputDist, TeacherTarget


def teacher_network(target: TeacherTarget, dist: InputDist) -> dict[str, Any]:
    """The teacher's network (float64 torch tensors on the CPU), from the lowering's own recipe."""
    # Lazy import: keeps ``import mlc.compiler.theory`` free of torch for specs without a teacher.
    from mlc.compiler.teacher import teacher_network as build

    return build(target, dist)


def teacher_path_norm(target: TeacherTarget, dist: InputDist) -> float:
    """sum_k |a_k| (||b_k||_1 + |c_k|) + |a0|: the path norm of the teacher (standard scaling; the constant a0 is
    one more unit a0·relu(0·x + 1))."""
    w = teacher_network(target, dist)
    return float((w["a"].abs() * (w["b"].abs().sum(dim=1) + w["c"].abs())).sum() + w["a0"].abs())
