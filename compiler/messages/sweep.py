"""Message kinds of the sweep: ranges, values, axes, zips and the run count.

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.compiler.messages.registry import Parts, choices_text, message_kind

__all__ = [
    "categorical_without_model",
    "range_needs_integers",
    "empty_range",
    "count_not_positive",
    "geomspace_not_positive",
    "sweep_value_form",
    "sweep_without_values",
    "swept_twice",
    "report_setting_swept",
    "not_sweepable",
    "sweep_not_integer",
    "negative_seed",
    "zip_lengths_differ",
    "point_twice",
    "same_models",
    "axis_changes_nothing",
    "too_many_runs",
    "report_depends_on_sweep",
    "sweep_names_no_model",
    "scoped_sweep_shared_key",
    "scoped_sweep_not_a_setting",
]


# ------------------------------------------------------------------------------------------ sweep


@message_kind("E201")
def range_needs_integers(span: Span) -> Parts:
    return "a range `a..b` needs integer ends", span, "for real values use `linspace(a, b, k)`"


@message_kind("E303")
def empty_range(low: int, high: int, span: Span) -> Parts:
    return f"the range {low}..{high} is empty", span, None


@message_kind("E201")
def count_not_positive(span: Span) -> Parts:
    return "the count must be a positive integer", span, None


@message_kind("E202")
def geomspace_not_positive(span: Span) -> Parts:
    return "geomspace needs positive ends", span, None


@message_kind("E201")
def sweep_value_form(key: str, span: Span) -> Parts:
    return f"`{key}` in a sweep takes a list, a range or a space", span, None


@message_kind("E303")
def sweep_without_values(key: str, span: Span) -> Parts:
    return f"the sweep of `{key}` has no values", span, None


@message_kind("E102")
def swept_twice(key: str, span: Span, first_line: int) -> Parts:
    return f"`{key}` is swept twice", span, f"it is first swept at line {first_line}"


@message_kind("E303")
def report_setting_swept(key: str, span: Span) -> Parts:
    return (f"`{key}` cannot be swept: it is a report setting and does not change what is trained", span,
            f"set it once with `report {{ {key} = ... }}`; `mlc bounds --{key} V` shows the bounds at another "
            "value without recompiling")


@message_kind("E101")
def not_sweepable(key: str, span: Span, candidates: Iterable[str]) -> Parts:
    return (f"`{key}` names nothing that can be swept", span,
            suggestion_help(key, candidates, "sweepable names")
            or "sweep a `let` constant, a name used in the spec, `seed`, or a setting such as `width`")


@message_kind("E201")
def sweep_not_integer(key: str, value: float, span: Span) -> Parts:
    return (f"`{key}` takes integers; the sweep gives {value:g}", span,
            "use whole numbers, or logspace/linspace (they are rounded)")


@message_kind("E202")
def negative_seed(span: Span) -> Parts:
    return "seeds must be ≥ 0", span, None


@message_kind("E303")
def zip_lengths_differ(detail: str, span: Span) -> Parts:
    return (f"a zip sweep needs axes of equal length ({detail})", span,
            "use `sweep { ... }` (a product) or equalise the lists")


@message_kind("E303")
def point_twice(point: str, span: Span) -> Parts:
    return f"the sweep gives the point {point} twice", span, "list each value once"


@message_kind("E303")
def same_models(first: str, second: str, span: Span) -> Parts:
    return (f"the models `{first}` and `{second}` are the same run", span,
            "they have the same settings and training; remove one or change its settings")


@message_kind("E303")
def axis_changes_nothing(axes: str, points: str, span: Span) -> Parts:
    return (f"sweeping {axes} does not change what is trained: {points} give the same run", span,
            "a sweep axis must change the data, a model or its training; a report setting (such as `delta`) "
            "takes one value for the whole sweep")


@message_kind("E303")
def too_many_runs(count: int, limit: int, span: Span | None) -> Parts:
    return f"the sweep expands to {count:,} runs; the limit is {limit:,}", span, None


@message_kind("E303")
def report_depends_on_sweep(axes: str, span: Span) -> Parts:
    return (f"the report depends on the swept {axes}", span,
            "a report has one value for the whole sweep: marks and settings in it cannot use swept names")


@message_kind("E101")
def sweep_names_no_model(name: str, span: Span, models: Iterable[str]) -> Parts:
    return f"`sweep {name}` names no model", span, suggestion_help(name, models, "models")


@message_kind("E301")
def scoped_sweep_shared_key(key: str, model: str, what: str, span: Span) -> Parts:
    return (f"`sweep {model} {{ ... }}` sets only {model}'s settings; `{key}` is {what}, shared by every model",
            span, f"sweep `{key}` in a `sweep {{ ... }}` block of its own")


@message_kind("E101")
def scoped_sweep_not_a_setting(key: str, model: str, span: Span, candidates: Iterable[str]) -> Parts:
    return (f"`{key}` is not a setting of `{model}` that a sweep can set", span,
            suggestion_help(key, candidates, f"settings of {model}") or f"{model}'s settings: "
            + ", ".join(candidates))


@message_kind("E303")
def categorical_without_model(key: str, span: Span, families: Iterable[str]) -> Parts:
    return (f"no model of this spec has the setting `{key}` to sweep", span,
            f"`{key}` is a setting of {choices_text(families)} models")
