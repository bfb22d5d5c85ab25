"""Message kinds of the `claims { ... }` section: claims about metrics the spec does not measure, axes it does
not sweep, and claims that state no number.

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.compiler.messages.registry import Parts, message_kind, choices_text

__all__ = [
    "claim_robust_same_form",
    "claim_robust_not_categorical",
    "claim_robust_unknown_form",
    "claim_unknown_metric",
    "claim_metric_not_measured",
    "claim_metric_not_recorded",
    "claim_axis_not_swept",
    "claim_peak_other_axis",
    "claim_order_direction",
    "claim_order_not_per_frequency",
    "claim_not_number",
    "claim_bad_tolerance",
    "claim_tolerance_unit",
    "claim_axis_twice",
    "claim_depends_on_sweep",
    "claim_unknown_model",
    "claim_unknown_regime",
    "claim_rate_not_recorded",
    "claim_rate_few_points",
]


@message_kind("E101")
def claim_unknown_metric(name: str, span: Span, measured: Iterable[str]) -> Parts:
    return (f"a claim about `{name}`, which is not a metric", span,
            suggestion_help(name, measured, "the metrics this spec measures"))


@message_kind("E301")
def claim_metric_not_measured(name: str, span: Span, why: str, measured: Iterable[str]) -> Parts:
    return (f"a claim about `{name}`, which this spec does not measure ({why})", span,
            "claim something about a metric it measures: " + choices_text(f"`{m}`" for m in measured))


@message_kind("E301")
def claim_metric_not_recorded(name: str, span: Span) -> Parts:
    return (f"the order of `{name}` convergence needs `{name}` recorded during training", span,
            f"add it to the training's record rule: `record = every 50: {name}`")


@message_kind("E303")
def claim_axis_not_swept(axis: str, span: Span, axes: Iterable[str]) -> Parts:
    return (f"a claim over `{axis}`, which is not swept", span,
            suggestion_help(axis, axes, "swept axes") or "sweep it: `sweep { " + axis + " = [...] }`")


@message_kind("E201")
def claim_peak_other_axis(axis: str, other: str, span: Span) -> Parts:
    return (f"the peak over `{axis}` is placed on `{other}`", span,
            f"say where on `{axis}` the peak is: `at {axis} = ...`")


@message_kind("E101")
def claim_order_direction(word: str, span: Span, directions: tuple[str, ...]) -> Parts:
    return (f"unknown order `{word}`", span,
            suggestion_help(word, directions, "orders") or
            "`increasing` (the low frequencies first) or `decreasing`")


@message_kind("E301")
def claim_order_not_per_frequency(name: str, span: Span, per_frequency: Iterable[str]) -> Parts:
    return (f"`{name}` is not measured per frequency: its convergence has no order", span,
            "metrics measured per frequency: " + choices_text(f"`{m}`" for m in per_frequency))


@message_kind("E201")
def claim_not_number(what: str, span: Span) -> Parts:
    return f"{what} must be a number", span, "write a number or an expression of the spec's constants, n and d"


@message_kind("E202")
def claim_bad_tolerance(what: str, shown: str, span: Span, rule: str) -> Parts:
    return f"{what} {shown} is out of range", span, rule


@message_kind("E101")
def claim_tolerance_unit(word: str, span: Span) -> Parts:
    return (f"unknown unit `{word}` of a tolerance", span,
            (suggestion_help(word, ("step", "steps"), "units") or "") +
            " (grid steps, `within 1 step`, or a percentage, `within 10%`)")


@message_kind("E301")
def claim_robust_same_form(form: str, span: Span) -> Parts:
    return (f"a robustness claim compares two forms; both are `{form}`", span,
            "write `test_error more robust with scaling = mean_field than standard`")


@message_kind("E303")
def claim_robust_not_categorical(axis: str, span: Span) -> Parts:
    return (f"a robustness claim compares the forms of a categorical sweep axis; `{axis}` sweeps numbers", span,
            "sweep the forms, `sweep { scaling = [standard, mean_field]   lr = [...]   init_scale = [...] }`, "
            "and claim `test_error more robust with scaling = mean_field than standard`")


@message_kind("E303")
def claim_robust_unknown_form(axis: str, form: str, span: Span, known: tuple[str, ...]) -> Parts:
    return (f"`{form}` is not a value the sweep gives `{axis}`", span,
            f"`{axis}` is swept over {', '.join(f'`{k}`' for k in known)}")


@message_kind("E102")
def claim_axis_twice(axis: str, span: Span) -> Parts:
    return f"`{axis}` is given twice in one claim's `at`", span, f"give `{axis}` one value: `at {axis} = ...`"


@message_kind("E303")
def claim_depends_on_sweep(axes: str, span: Span) -> Parts:
    return (f"this claim's number changes with the swept {axes}", span,
            "a claim's number may follow the other swept values (`at m = n` with n swept), not the axis the claim "
            "is about nor its other parts: write them with constants")


@message_kind("E101")
def claim_unknown_model(name: str, span: Span, models: Iterable[str]) -> Parts:
    """A claim's ``for MODEL`` names no model of the spec."""
    return (f"the claim is for `{name}`, but the spec has no model of that name", span,
            suggestion_help(name, models, "models") or f"the models: {', '.join(models)}")


@message_kind("E101")
def claim_unknown_regime(word: str, span: Span, regimes: Iterable[str]) -> Parts:
    """A ``regime of ... is R`` claim whose R is not one of the regimes the read-out tells apart."""
    return (f"unknown regime `{word}`", span,
            suggestion_help(word, regimes, "regimes") or f"the regimes: {', '.join(regimes)}")


@message_kind("E301")
def claim_rate_not_recorded(name: str, span: Span, recordable: bool, record_help: str,
                            recordable_measured: Iterable[str]) -> Parts:
    """A rate claim (``slope of METRIC over step ...``) about a metric that no model it speaks of records during
    training: ``record_help`` is the record rule to write (the model's own, with the metric added)."""
    if not recordable:
        return (f"the rate of `{name}` over the step needs a recorded curve, and `{name}` is measured at the end of "
                "training only", span,
                "claim the rate of a metric that can be recorded: " + choices_text(f"`{m}`" for m in recordable_measured))
    return (f"the rate of `{name}` over the step needs `{name}` recorded during training", span,
            f"add it to the training's `record`: `{record_help}`")


@message_kind("E301")
def claim_rate_few_points(name: str, model: str, count: int, where: str, span: Span, minimum: int) -> Parts:
    """A rate claim whose model records fewer points of the curve than a slope needs (after ``from step``)."""
    return (f"the rate of `{name}` over the step is fitted to the recorded points {where}; `{model}` records "
            f"{count} there", span,
            f"a rate needs {minimum} recorded points: record more often (`record = every N: {name}` with a smaller "
            "N) or fit from an earlier step (`from step ...`)")
