"""Which runs have an infinite-width (kernel) prediction, and how large a training set it forms its kernel for.

Input:  a :class:`~mlc.compiler.ir.Model` (and its run's n).
Output: :func:`has_infinite_width_limit`, :data:`MAX_KERNEL_N`, :data:`MAX_KERNEL_TEST`.
Role:   torch-free, so that the execution (``runtime.execute``, which computes the prediction) and the resource
        plan (``compiler.resources``, which counts its n x n kernel matrices) read one rule.
"""

from __future__ import annotations

from mlc.compiler import families, ir

MAX_KERNEL_N = 4000
"""Largest training set for which the infinite-width prediction forms its n x n kernel matrix."""

MAX_KERNEL_TEST = 4000
"""Test inputs the infinite-width prediction is evaluated on (the first ones)."""


def has_infinite_width_limit(model: ir.Model) -> bool:
    """Whether ``compiler.theory.kernels.infinite_width_prediction`` has a closed form for this model: a
    random-feature family, or a two-layer ReLU family under ntk scaling (by the family's theory tags)."""
    if model.init_file is not None:  # weights read from a file follow no law, so there is no width -> inf limit
        return False
    tags = families.of(model).theory_tags
    return "random_features" in tags or ("two_layer" in tags and model.scaling == "ntk"
                                         and model.activation == "relu")
