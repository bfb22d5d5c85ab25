"""The theory's predicted rate exponents and rate comparison, as the report needs them.

Input:  the :class:`~mlc.compiler.ir.Plan`, a model name, a metric, a swept axis and the values of the
        other swept params; later a fitted ``(slope, lo, hi)``.
Output: a :class:`Prediction` (exponent, relation, theorem id, regime) or ``None`` when the theory predicts
        no rate for that (metric, axis) or when ``mlc.compiler.theory.rates`` is not available; the
        comparison of a fit with a prediction; the slope fitter to use.
Role:   the one place where the report reads ``mlc.compiler.theory.rates`` (``predicted_rates(run, axis)``,
        ``compare(prediction, fit)``, ``fit_loglog_slope``). Everything else in the report works without
        it (and then prints "theory: n/a"). No exponent is ever made up here; a failure of the theory
        module becomes a note (:class:`TheoryRateError`), never a traceback.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from mlc.compiler.ir import Plan, Run
from mlc.runtime.report_store import SEED_KEY

_UNSET: Any = object()
_module_cache: Any = _UNSET

Fitter = Callable[..., tuple[float, float, float]]

RELATION_SIGNS = {"upper": "≤", "lower": "≥", "equal": "="}
"""How a relation reads next to the slope: an upper bound C x^p means the measured slope should be ≤ p."""


class TheoryRateError(RuntimeError):
    """The theory module raised while predicting or comparing a rate."""


@dataclass(frozen=True)
class Prediction:
    """A predicted exponent: the metric should scale as axis^exponent (``relation``: the theory's power
    law is an upper bound, a lower bound, or the slope itself)."""

    exponent: float
    theorem: str
    relation: str = "equal"  # "upper", "lower" or "equal"
    regime: str = ""
    unverified: bool = False
    note: str = ""
    raw: Any = field(default=None, compare=False, repr=False)  # the theory's own object, for compare()

    @property
    def shown(self) -> str:
        """E.g. ``≤ -1 (T1)``."""
        sign = RELATION_SIGNS.get(self.relation, "=")
        dagger = "†" if self.unverified else ""
        return f"{sign} {self.exponent:+.3g} ({self.theorem}{dagger})"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able view."""
        return {"exponent": self.exponent, "theorem": self.theorem, "relation": self.relation,
                "regime": self.regime, "unverified": self.unverified, "note": self.note}


def theory_rates_module() -> ModuleType | None:
    """``mlc.compiler.theory.rates`` if it can be imported, else ``None`` (cached)."""
    global _module_cache
    if _module_cache is _UNSET:
        try:
            _module_cache = importlib.import_module("mlc.compiler.theory.rates")
        except ImportError:
            _module_cache = None
    return _module_cache


def _get(raw: Any, key: str, default: Any = None) -> Any:
    if isinstance(raw, dict):
        return raw.get(key, default)
    return getattr(raw, key, default)


def _as_prediction(raw: Any) -> Prediction | None:
    """Read a prediction object (attributes or mapping with at least ``exponent`` and ``theorem``)."""
    if raw is None or _get(raw, "exponent") is None:
        return None
    return Prediction(
        exponent=float(_get(raw, "exponent")),
        theorem=str(_get(raw, "theorem", "") or ""),
        relation=str(_get(raw, "relation", "equal") or "equal"),
        regime=str(_get(raw, "regime", "") or ""),
        unverified=bool(_get(raw, "unverified", False)),
        note=str(_get(raw, "note", "") or ""),
        raw=raw,
    )


def representative_run(plan: Plan, model: str, axis: str, fixed: dict[str, float]) -> Run | None:
    """A run of ``model`` whose swept params equal ``fixed`` (the axis itself and the seed are free)."""
    for run in plan.runs:
        if run.model.name != model:
            continue
        if all(run.params.get(k) == v for k, v in fixed.items() if k not in (axis, SEED_KEY)):
            return run
    return None


def predicted_exponent(
    plan: Plan, model: str, metric: str, axis: str, fixed: dict[str, float]
) -> Prediction | None:
    """The theory's exponent for ``metric`` of ``model`` over ``axis`` (other params at ``fixed``).

    Calls ``mlc.compiler.theory.rates.predicted_rates(run, axis)`` on a representative run and keeps the
    first prediction for ``metric``; ``None`` when the module or a prediction is missing. Raises
    :class:`TheoryRateError` if the theory module fails.
    """
    module = theory_rates_module()
    if module is None or not hasattr(module, "predicted_rates"):
        return None
    run = representative_run(plan, model, axis, fixed)
    if run is None:
        return None
    try:
        for raw in module.predicted_rates(run, axis):
            if _get(raw, "metric") == metric:
                return _as_prediction(raw)
        return None
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


def compare_fit(prediction: Prediction, fit: tuple[float, float, float]) -> tuple[bool, str]:
    """Whether a fitted ``(slope, lo, hi)`` agrees with ``prediction``, and a one-line message.

    Uses the theory's ``compare`` (which knows that an upper-bound rate is consistent with a faster
    decay) when it offers one; otherwise: agreement iff the exponent lies in ``[lo, hi]``.
    """
    fallback = ""
    module = theory_rates_module()
    if module is not None and hasattr(module, "compare") and prediction.raw is not None:
        try:
            result = module.compare(prediction.raw, fit)
        except Exception as exc:  # noqa: BLE001 - fall back to the plain interval test below
            fallback = f" (theory compare failed: {type(exc).__name__}: {exc})"
        else:
            return bool(_get(result, "agree")), str(_get(result, "message", "") or "")
    _, lo, hi = fit
    inside = lo <= prediction.exponent <= hi
    word = "inside" if inside else "outside"
    return inside, (f"{prediction.theorem} exponent {prediction.exponent:.3g} is {word} the interval "
                    f"[{lo:.3g}, {hi:.3g}]" + fallback)


def slope_fitter(own: Fitter) -> tuple[Fitter, str]:
    """The log-log slope fitter: the theory's ``fit_loglog_slope`` when it exists, else ``own``; with a
    name for the summary."""
    module = theory_rates_module()
    theirs = getattr(module, "fit_loglog_slope", None) if module is not None else None
    if callable(theirs):
        return theirs, "mlc.compiler.theory.rates.fit_loglog_slope (log y pooled over seeds)"
    return own, "mlc.runtime.report_fit.fit_loglog_slope (log of the mean over seeds)"
