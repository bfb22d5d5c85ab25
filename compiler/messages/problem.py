"""Message kinds of the problem: the input law, the target, the space, the data and the model.

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.compiler.messages.registry import Parts, message_kind, choices_text

__all__ = [
    "unknown_distribution",
    "domain_without_distribution",
    "uniform_needs_domain",
    "domain_takes_dimension",
    "write_as",
    "std_not_positive",
    "grid_bounds",
    "dimension_not_number",
    "unknown_teacher_family",
    "unknown_setting",
    "target_argument_not_input",
    "unknown_space",
    "norm_bound_direction",
    "norm_bound_not_positive",
    "unexpected_space_argument",
    "n_with_grid",
    "unknown_family",
    "family_rule",
    "setting_twice",
    "unknown_model_setting",
    "setting_not_for_family",
    "init_scales_length",
    "given_teacher_drawn_setting",
    "teacher_weights_count",
    "teacher_rows_form",
    "teacher_row_length",
    "file_unusable",
    "dataset_unusable",
    "labels_need_dataset",
    "file_shape_mismatch",
    "init_file_draws_nothing",
]


# ------------------------------------------------------------------------------------------ input


@message_kind("E101")
def unknown_distribution(name: str, span: Span) -> Parts:
    return (f"unknown input distribution `{name}`" if name else "expected an input distribution", span,
            "write `uniform(cube(d))`, `uniform(sphere(d))`, `uniform(ball(d))`, `gaussian(d, std = 1)` or "
            "`grid(-1, 1, points = 101)`")


@message_kind("E201")
def domain_without_distribution(domain: str, span: Span) -> Parts:
    return (f"`{domain}(...)` is a domain; say how x is drawn from it", span, f"write `uniform({domain}(...))`")


@message_kind("E201")
def uniform_needs_domain(span: Span) -> Parts:
    return "`uniform` takes a domain: `cube(d)`, `sphere(d)` or `ball(d)`", span, None


@message_kind("E201")
def domain_takes_dimension(domain: str, span: Span) -> Parts:
    return f"`{domain}` takes the dimension: `{domain}(d)`", span, None


@message_kind("E201")
def write_as(form: str, span: Span) -> Parts:
    """A construct written in a shape mlc does not know: show the shape it takes."""
    return f"write `{form}`", span, None


@message_kind("E202")
def std_not_positive(span: Span) -> Parts:
    return "the standard deviation must be > 0", span, None


@message_kind("E202")
def grid_bounds(span: Span) -> Parts:
    return "a grid needs low < high", span, None


@message_kind("E201")
def dimension_not_number(span: Span) -> Parts:
    return "the dimension is a number", span, None


# ------------------------------------------------------------------------------------------ target, space


@message_kind("E101")
def unknown_teacher_family(name: str, span: Span) -> Parts:
    return (f"unknown teacher family `{name}`", span,
            "teachers are `two_layer(width = k, activation = relu, seed = s)`")


@message_kind("E101")
def unknown_setting(section: str, key: str, span: Span, candidates: Iterable[str]) -> Parts:
    return f"unknown {section} setting `{key}`", span, suggestion_help(key, candidates, f"{section} settings")


@message_kind("E101")
def target_argument_not_input(param: str, input_name: str, span: Span) -> Parts:
    return (f"the target's argument `{param}` is not the input variable `{input_name}`", span,
            f"write `target f*({input_name}) = ...`")


@message_kind("E101")
def unknown_space(name: str | None, span: Span, spaces: Iterable[str]) -> Parts:
    return (f"unknown function space `{name}`" if name else "expected a space name", span,
            suggestion_help(name or "", spaces, "spaces"))


@message_kind("E201")
def norm_bound_direction(span: Span) -> Parts:
    return "declare an upper bound: `norm <= Q`", span, None


@message_kind("E202")
def norm_bound_not_positive(span: Span) -> Parts:
    return "a declared norm bound must be a number > 0", span, None


@message_kind("E201")
def unexpected_space_argument(name: str, span: Span) -> Parts:
    return (f"unexpected argument of `{name}`", span,
            f"write `{name}(norm <= Q)`" + (" or `multilayer(3, norm <= Q)`" if name == "multilayer" else ""))


# ------------------------------------------------------------------------------------------ data, model


@message_kind("E301")
def n_with_grid(span: Span) -> Parts:
    return "with a grid input, n is the number of grid points", span, "remove `n` and set `points` in `grid(...)`"


@message_kind("E101")
def unknown_family(family: str, span: Span, families: Iterable[str]) -> Parts:
    return f"unknown model family `{family}`", span, suggestion_help(family, families, "families")


@message_kind("E301")
def family_rule(message: str, span: Span, help: str | None) -> Parts:
    """A rule of the model's family over its settings (``Family.check_model``: e.g. a deep net's depth and widths)."""
    return message, span, help


@message_kind("E102")
def setting_twice(key: str, span: Span) -> Parts:
    return f"`{key}` is set twice", span, None


@message_kind("E101")
def unknown_model_setting(key: str, family: str, span: Span, allowed: Iterable[str]) -> Parts:
    return (f"unknown setting `{key}` in a {family} model", span,
            suggestion_help(key, allowed, f"{family} settings"))


@message_kind("E301")
def setting_not_for_family(key: str, family: str, span: Span, why: str | None, allowed: Iterable[str]) -> Parts:
    return (f"`{key}` does not apply to a {family} model", span,
            why or f"{family} settings: {choices_text(allowed)}")


@message_kind("E302")
def init_scales_length(given: int, layers: Iterable[str], family: str, span: Span) -> Parts:
    names = list(layers)
    return (f"`init_scales` lists {given} scale(s), but a {family} model of this shape has {len(names)} weight "
            f"layer(s): {choices_text(names)}", span,
            f"give one scale per layer, input layer first: `init_scales = [{', '.join('1' for _ in names)}]`")


@message_kind("E301")
def given_teacher_drawn_setting(key: str, span: Span) -> Parts:
    why = {"seed": "its weights are given, not drawn", "law": "its weights are given, not drawn",
           "bias": "it has given biases `c`"}[key]
    return f"`{key}` does not apply to a teacher with given weights: {why}", span, f"remove `{key}`"


@message_kind("E302")
def teacher_weights_count(key: str, count: int, units: int, span: Span) -> Parts:
    what = {"width": f"`width` is {count}", "b": f"`b` has {count} row(s)", "c": f"`c` has {count} bias(es)"}[key]
    return (f"the teacher has {units} unit(s) (the length of `a`), but {what}", span,
            "give one output weight, one row of `b` and one bias per unit")


@message_kind("E201")
def teacher_rows_form(span: Span) -> Parts:
    return "`b` takes rows of numbers, one per unit: `b = [[1, 0, 0], [0, 1, 0]]`", span, None


@message_kind("E302")
def teacher_row_length(length: int, d: int, span: Span) -> Parts:
    return f"a row of `b` has {length} number(s); the input has d = {d}", span, "give d numbers per row"


@message_kind("E301")
def file_unusable(message: str, span: Span, help: str | None) -> Parts:
    """A file named in a spec that cannot be used (missing, outside the spec's folder, too large, not numbers)."""
    return message, span, help


@message_kind("E301")
def init_file_draws_nothing(key: str, path: str, span: Span) -> Parts:
    """A setting about drawing the initial weights on a model whose initial weights are read from a file."""
    return (f"`{key}` does not apply to a model initialised from `{path}`: its initial weights are read, not drawn",
            span, f"remove `{key}`" + (", or scale the arrays in the file" if key.startswith("init_scale") else ""))


@message_kind("E302")
def file_shape_mismatch(path: str, has: str, needs: str, span: Span | None) -> Parts:
    return f"`{path}` has {has}, but the spec needs {needs}", span, "change the spec or the file so that they agree"


@message_kind("E301")
def dataset_unusable(message: str, span: Span, help: str | None) -> Parts:
    """A packaged data set named with classes it does not have (mlc.compiler.datasets)."""
    return message, span, help


@message_kind("E201")
def labels_need_dataset(kind: str, span: Span) -> Parts:
    """`target f* = labels` on an input that has no labels."""
    return (f"`labels` are the labels of a data set, and this input (`{kind}`) has none", span,
            "draw the input from a labelled data set, e.g. `input x ~ digits(3, 8)`, or write a formula for f*")
