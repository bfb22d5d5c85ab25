"""The typed interface through which the theory receives a numerical estimate of a target's norm.

Input:  a :class:`~mlc.compiler.ir.Run` whose target has no rule-derived norm and no declared bound.
Output: :class:`FittedNorm`: the estimate and the steps that say how it was obtained.
Role:   the seam between the theory and whatever can sample a target and fit a model to it. The theory never
        samples or trains (it never imports the lowering): the caller that evaluates a plan passes a
        :class:`NormEstimator` to its :class:`~mlc.compiler.theory.norm_cache.NormCache`, or ``None`` for
        "rules and declarations only". The implementation that ships is
        :class:`mlc.compiler.lower.norm_fit.FittingNormEstimator` (built by
        :func:`mlc.compiler.lower.norm_fit.norm_cache` from the :class:`~mlc.compiler.options.Options`).
        ``norms.infer_norm`` labels the result "estimated": a number, not a proof.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from mlc.compiler import ir


@dataclass(frozen=True)
class FittedNorm:
    """A numerical estimate of ``‖f*‖`` in the run's space, and how it was obtained (one line per step)."""

    value: float
    steps: tuple[str, ...]


class NormEstimator(ABC):
    """Estimates the norm of a run's target numerically, when no rule gives it and nothing is declared."""

    @abstractmethod
    def estimate(self, run: ir.Run) -> FittedNorm:
        """The estimate for ``run``'s target in ``run.space`` (an RKHS estimate may use the model's feature
        law: :func:`mlc.compiler.theory.norm_cache.norm_key` says what the result may depend on)."""
