"""Message kinds of training (optimizers, penalties, stop rules, metrics) and the report section.

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.compiler.messages.registry import Parts, message_kind, choices_text

__all__ = [
    "misplaced_train_setting",
    "steps_and_max_steps",
    "max_steps_without_until",
    "solve_needs_random_features",
    "ridge_needs_penalty",
    "cannot_stop_on",
    "penalty_not_for_family",
    "auto_lambda_only_path_norm",
    "unknown_optimizer_setting",
    "setting_of_other_optimizer",
    "batch_larger_than_n",
    "betas_not_pair",
    "betas_out_of_range",
    "threshold_not_positive",
    "unknown_metric",
    "metric_not_for_family",
    "spectrum_needs_grid",
    "time_without_gradient_flow",
    "gradient_flow_has_no_steps",
    "flow_needs_time",
    "flow_has_no_steps",
    "flow_needs_gd_solve",
    "flow_non_smooth_penalty",
    "flow_tolerance_unreachable",
    "record_point_negative",
    "record_point_not_step",
    "record_point_after_end",
    "too_many_record_points",
    "rates_over_unswept",
    "plot_against_unswept",
    "mark_not_number",
]


# ------------------------------------------------------------------------------------------ training


@message_kind("E101")
def misplaced_train_setting(key: str, inside: str, example: str, span: Span) -> Parts:
    return f"unknown train setting `{key}`", span, f"`{key}` goes inside the {inside}: `{example}`"


@message_kind("E301")
def steps_and_max_steps(span: Span) -> Parts:
    return "give `max_steps` or `steps`, not both", span, None


@message_kind("E301")
def max_steps_without_until(span: Span) -> Parts:
    return "`max_steps` without `until` is just `steps`; give one of them", span, None


@message_kind("E301")
def solve_needs_random_features(solve: str, model: str, family: str, span: Span, owners: Iterable[str]) -> Parts:
    return (f"`solve = {solve}` needs a {' or '.join(owners)} model; `{model}` is {family}", span,
            "closed forms exist only for the linear (random feature) model")


@message_kind("E301")
def ridge_needs_penalty(span: Span) -> Parts:
    return "`solve = ridge` needs a ridge penalty", span, "add `penalty = rkhs_norm(lambda = 1e-3)` or weight_decay"


@message_kind("E101")
def cannot_stop_on(metric: str, span: Span, metrics: tuple[str, ...]) -> Parts:
    return f"cannot stop on `{metric}`", span, f"stop rules use {', '.join(metrics[:-1])} or {metrics[-1]}"


@message_kind("E301")
def penalty_not_for_family(kind: str, family: str, span: Span, why: str) -> Parts:
    return f"a `{kind}` penalty on a {family} model makes no sense", span, why


@message_kind("E301")
def auto_lambda_only_path_norm(span: Span) -> Parts:
    return ("`lambda = auto` is defined only for path_norm (T5's choice, λ = 4 on MSE/2)", span,
            "give lambda a number")


@message_kind("E101")
def unknown_optimizer_setting(kind: str, key: str, span: Span, settings: Iterable[str]) -> Parts:
    return f"`{kind}` has no setting `{key}`", span, suggestion_help(key, settings, f"{kind} settings")


@message_kind("E301")
def setting_of_other_optimizer(kind: str, key: str, span: Span, owners: list[str]) -> Parts:
    return (f"`{kind}` has no setting `{key}`", span,
            f"`{key}` belongs to {', '.join(owners)}: e.g. `{owners[0]}({key} = ...)`")


@message_kind("E202")
def batch_larger_than_n(batch: int, n: int, span: Span | None) -> Parts:
    return f"the batch ({batch}) is larger than n = {n}", span, "use gd for full-batch training"


@message_kind("E201")
def betas_not_pair(span: Span) -> Parts:
    return "`betas` is a pair: `betas = [0.9, 0.999]`", span, None


@message_kind("E202")
def betas_out_of_range(span: Span) -> Parts:
    return "each beta must be in [0, 1)", span, None


@message_kind("E202")
def threshold_not_positive(span: Span) -> Parts:
    return "the threshold must be a number > 0", span, None


@message_kind("E101")
def unknown_metric(name: str, span: Span, metrics: Iterable[str]) -> Parts:
    return f"unknown metric `{name}`", span, suggestion_help(name, metrics, "metrics")


@message_kind("E301")
def metric_not_for_family(metric: str, family: str, span: Span, families: Iterable[str]) -> Parts:
    return f"`{metric}` is not defined for a {family} model", span, f"it is defined for: {choices_text(families)}"


@message_kind("E301")
def spectrum_needs_grid(span: Span) -> Parts:
    return "`spectrum` needs a 1-D grid input", span, "write `input x ~ grid(-5, 5, points = 101)`"


@message_kind("E301")
def time_without_gradient_flow(solve: str, span: Span) -> Parts:
    return (f"`time` is the time of `solve = gradient_flow` or `optimizer = flow(...)`; this training has solve = "
            f"{solve}", span, "write `solve = gradient_flow   time = 1e4` (t = η·k), `optimizer = flow()   time = 1e4`, "
                              "or give `steps` to GD")


@message_kind("E301")
def gradient_flow_has_no_steps(key: str, span: Span) -> Parts:
    return (f"`solve = gradient_flow` runs for a time, not by an optimizer: `{key}` does not apply", span,
            "write `time = 1e4` (t = η·k for GD with learning rate η after k steps), or `time = inf` for the limit")


@message_kind("E301")
def flow_needs_time(value: float | None, span: Span) -> Parts:
    what = "has no time" if value is None else f"cannot run to time {value:g}"
    return (f"`optimizer = flow(...)` integrates the gradient flow to a finite time t; this training {what}", span,
            "write `time = 100` (t = η·k: GD with learning rate η after k steps); for the t → ∞ limit of random "
            "features use `solve = gradient_flow   time = inf`")


@message_kind("E301")
def flow_has_no_steps(key: str, span: Span) -> Parts:
    return (f"`optimizer = flow(...)` runs for a time, not for steps: `{key}` does not apply", span,
            "write `time = 100` (t = η·k for GD with learning rate η after k steps) and record in units of t "
            "(`record = at logspace(-1, 2, 31): train_error`)")


@message_kind("E301")
def flow_needs_gd_solve(solve: str, span: Span) -> Parts:
    return (f"`optimizer = flow(...)` integrates the training; `solve = {solve}` is a closed form of its own", span,
            "drop the `solve` (a flow trains like GD), or use `solve = gradient_flow` without an optimizer")


@message_kind("E301")
def flow_non_smooth_penalty(penalty: str, span: Span | None) -> Parts:
    return (f"`optimizer = flow(...)` needs a smooth objective; the `{penalty}` penalty is a sum of absolute "
            "values, whose gradient jumps where a path crosses 0, so the adaptive solver's step size collapses there",
            span, "use `weight_decay(lambda = ...)` or `rkhs_norm(lambda = ...)` with a flow, or train the path "
                  "norm with `gd`")


@message_kind("E202")
def flow_tolerance_unreachable(rtol: float, tightest: float, span: Span) -> Parts:
    return (f"a flow's rtol must be at least {tightest:g}; {rtol:g} is below what float64 arithmetic can meet, "
            "so the solver could not take a step", span, "write `rtol = 1e-10` or looser")


@message_kind("E202")
def record_point_negative(value: float, span: Span) -> Parts:
    return f"a record point must be ≥ 0; it is {value:g}", span, None


@message_kind("E201")
def record_point_not_step(value: float, span: Span) -> Parts:
    return (f"record points of a GD training are step counts; {value:g} is not a whole number", span,
            "a spaced grid (`at logspace(0, 4, 41): ...`) is rounded to whole steps; a list must be whole")


@message_kind("E202")
def record_point_after_end(value: float, end: float, what: str, span: Span) -> Parts:
    return (f"record point {value:g} is after the end of training ({what} = {end:g})", span,
            f"record at most at {end:g}; the end is always recorded")


@message_kind("E202")
def too_many_record_points(count: float, limit: int, span: Span) -> Parts:
    return f"{count:,.0f} record points; a training records at most {limit:,}", span, "use a coarser grid"


# ------------------------------------------------------------------------------------------ report


@message_kind("E303")
def rates_over_unswept(axis: str, span: Span, axes: Iterable[str]) -> Parts:
    return (f"`rates over {axis}`: `{axis}` is not swept", span,
            suggestion_help(axis, axes, "swept axes") or "sweep it: `sweep { " + axis + " = [...] }`")


@message_kind("E303")
def plot_against_unswept(axis: str, span: Span, candidates: Iterable[str]) -> Parts:
    return (f"cannot plot against `{axis}`: it is not swept", span,
            suggestion_help(axis, candidates, "swept axes and `step`"))


@message_kind("E201")
def mark_not_number(span: Span) -> Parts:
    return "a mark is one number", span, None
