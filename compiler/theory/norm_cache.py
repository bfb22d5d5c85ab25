"""Target norms, inferred once per target for the lifetime of one evaluation.

Input:  resolved :class:`~mlc.compiler.ir.Run` values.
Output: their :class:`~mlc.compiler.theory.norms.NormEstimate` (a copy each time, so callers may edit it).
Role:   the one rule for what a norm depends on (target, input law, space; for an RKHS also the model's feature
        law), and a cache with a scope: the caller that evaluates a plan owns one :class:`NormCache` and drops it
        with the plan, so sweeps pay for each target once and nothing outlives the evaluation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from mlc.compiler import ir
from mlc.compiler.theory.norms import NormEstimate, infer_norm

if TYPE_CHECKING:
    from mlc.compiler.theory.estimate import NormEstimator


def norm_key(run: ir.Run) -> str:
    """What :func:`infer_norm` depends on, as canonical JSON."""
    parts: dict[str, object] = {"target": run.target.model_dump(mode="json"),
                                "input": run.input.model_dump(mode="json"),
                                "space": run.space.model_dump(mode="json")}
    if run.space.kind == "rkhs":  # the RKHS estimate uses the model's feature law
        parts["features"] = [run.model.bias, run.model.init_scale]
    return ir.canonical_json(parts)


class NormCache:
    """:func:`infer_norm` results keyed by :func:`norm_key`. ``estimator`` fits the norms that no rule gives
    (``None``: rules and declarations only); the commands build the cache from their options with
    :func:`mlc.compiler.lower.norm_fit.norm_cache`."""

    def __init__(self, *, estimator: NormEstimator | None) -> None:
        self.estimator = estimator
        self._norms: dict[str, NormEstimate] = {}

    def get(self, run: ir.Run) -> NormEstimate:
        """The norm of ``run``'s target, inferred on first use (estimated by the ``estimator``, if any, when no
        rule applies: a norm is never assumed silently, and never left out silently either)."""
        key = norm_key(run)
        if key not in self._norms:
            self._norms[key] = infer_norm(run, estimator=self.estimator)
        return self._norms[key].model_copy(deep=True)

    def known(self) -> dict[str, NormEstimate]:
        """The norms inferred so far, by :func:`norm_key` (to hand to another process: a Ray worker)."""
        return {key: value.model_copy(deep=True) for key, value in self._norms.items()}

    def preload(self, known: Mapping[str, NormEstimate]) -> None:
        """Take norms inferred elsewhere (:meth:`known` of the driver's cache), so they are not inferred again."""
        self._norms.update({key: value.model_copy(deep=True) for key, value in known.items()})
