"""What a norm rule produces: a value with the lines that justify it, or the reason no rule applies.

Input:  nothing (data types and number formatting).
Output: :class:`Derivation`, :class:`NoRule`, and the formatting helpers of derivation lines.
Role:   the shared vocabulary of ``ridge`` (formula (R)), ``barron`` (the structural rules) and ``norms``
        (the public :func:`~mlc.compiler.theory.norms.infer_norm`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Derivation:
    """One derived bound with the lines that justify it."""

    value: float
    steps: list[str] = field(default_factory=list)


class NoRule(Exception):
    """No rule bounds this subtree; the message says which subtree and why."""


def fmt(v: float) -> str:
    """A number in a derivation line (4 significant digits)."""
    return f"{v:.4g}"


def l1(w: np.ndarray) -> float:
    """||w||_1."""
    return float(np.abs(w).sum())
