"""The theory's predicted rate exponents, as the report needs them.

Input:  the :class:`~mlc.compiler.ir.Plan`, a model name, an error metric, a swept axis and the values of
        the other swept params.
Output: a :class:`Prediction` (exponent, theorem id, kind, note) or ``None`` when the theory predicts no
        rate for that (metric, axis), or when ``mlc.compiler.theory.rates`` is not available.
Role:   the one place where the report reads ``mlc.compiler.theory.rates``; everything else in the report
        works without it (and then prints "theory: n/a"). No exponent is ever made up here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from mlc.compiler.ir import Plan

_UNSET: Any = object()
_module_cache: Any = _UNSET


class TheoryRateError(RuntimeError):
    """The theory module raised while predicting a rate."""


@dataclass(frozen=True)
class Prediction:
    """A predicted exponent: the metric should scale as axis^exponent."""

    exponent: float
    theorem: str
    kind: str = ""  # e.g. "upper_rate", "lower_rate", "prediction"
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able view."""
        return {"exponent": self.exponent, "theorem": self.theorem, "kind": self.kind, "note": self.note}


def theory_rates_module() -> ModuleType | None:
    """``mlc.compiler.theory.rates`` if it can be imported, else ``None`` (cached)."""
    global _module_cache
    if _module_cache is _UNSET:
        try:
            _module_cache = importlib.import_module("mlc.compiler.theory.rates")
        except ImportError:
            _module_cache = None
    return _module_cache


def _as_prediction(raw: Any) -> Prediction | None:
    """Read a prediction object (attributes or mapping with ``exponent`` and ``theorem``)."""
    if raw is None:
        return None
    get = raw.get if isinstance(raw, dict) else lambda k, d=None: getattr(raw, k, d)
    exponent = get("exponent")
    if exponent is None:
        return None
    return Prediction(
        exponent=float(exponent),
        theorem=str(get("theorem", "") or ""),
        kind=str(get("kind", "") or ""),
        note=str(get("note", "") or ""),
    )


def predicted_exponent(
    plan: Plan, model: str, metric: str, axis: str, fixed: dict[str, float]
) -> Prediction | None:
    """The theory's exponent for ``metric`` of ``model`` over ``axis`` (other params at ``fixed``).

    Uses ``mlc.compiler.theory.rates.predicted_rate(plan, model, metric, axis, fixed)`` when that module
    exists; returns ``None`` otherwise. Raises :class:`TheoryRateError` if the theory module fails.
    """
    module = theory_rates_module()
    if module is None or not hasattr(module, "predicted_rate"):
        return None
    try:
        raw = module.predicted_rate(plan, model, metric, axis, fixed)
        return _as_prediction(raw)
    except Exception as exc:  # noqa: BLE001 - another stage's failure becomes a note, not a traceback
        message = f"theory rates failed for {metric} over {axis}: {type(exc).__name__}: {exc}"
        raise TheoryRateError(message) from exc


def safe_predicted_exponent(
    plan: Plan, model: str, metric: str, axis: str, fixed: dict[str, float]
) -> tuple[Prediction | None, str]:
    """:func:`predicted_exponent`, with a failure of the theory module turned into a note."""
    try:
        return predicted_exponent(plan, model, metric, axis, fixed), ""
    except TheoryRateError as exc:
        return None, str(exc)
