"""Message kinds of statements and setting values: duplicates, missing statements, numbers, choices, arguments.

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.compiler.messages.registry import Parts, message_kind, from_sweep_note, choices_text

__all__ = [
    "string_not_a_value",
    "string_not_a_name",
    "takes_number_list",
    "second_statement",
    "let_defined_twice",
    "model_named_twice",
    "train_block_twice",
    "missing_statement",
    "train_names_no_model",
    "let_not_a_value",
    "takes_one_number",
    "number_not_vector",
    "takes_integer_list",
    "takes_bool",
    "not_finite",
    "not_an_integer",
    "below_minimum",
    "above_maximum",
    "unknown_choice",
    "takes_one_of",
    "unknown_argument",
    "named_arguments_only",
    "takes_no_arguments",
    "missing_setting",
    "until_outside_train",
]


# ------------------------------------------------------------------------------------------ statements


@message_kind("E102")
def second_statement(keyword: str, span: Span, first_line: int) -> Parts:
    return (f"a second `{keyword}` statement", span,
            f"the first is at line {first_line}; a spec has one `{keyword}`")


@message_kind("E102")
def let_defined_twice(name: str, span: Span, first_line: int) -> Parts:
    return f"`{name}` is defined twice", span, f"the first definition is at line {first_line}"


@message_kind("E102")
def model_named_twice(name: str, span: Span) -> Parts:
    return (f"a second model named `{name}`", span,
            "give each model its own name: `model rf = random_features(...)`")


@message_kind("E102")
def train_block_twice(model: str | None, span: Span) -> Parts:
    return "a second `train` block for " + (f"`{model}`" if model else "all models"), span, None


@message_kind("E103")
def missing_statement(keyword: str, span: Span, example: str) -> Parts:
    return f"the spec has no `{keyword}` statement", span, f"add e.g. `{example}`"


@message_kind("E101")
def train_names_no_model(name: str, span: Span, models: Iterable[str]) -> Parts:
    return f"`train {name}` names no model", span, suggestion_help(name, models, "models")


# ------------------------------------------------------------------------------------------ values


@message_kind("E201")
def let_not_a_value(name: str, span: Span) -> Parts:
    return f"`let {name}` must be a number or a vector", span, "put ranges of values in a `sweep` block"


@message_kind("E201")
def takes_one_number(key: str, span: Span) -> Parts:
    return f"`{key}` takes one number", span, "to try several values, list them in a `sweep` block"


@message_kind("E201")
def number_not_vector(key: str, span: Span) -> Parts:
    return f"`{key}` takes a number, not a vector", span, None


@message_kind("E201")
def takes_integer_list(key: str, span: Span) -> Parts:
    return f"`{key}` takes a list of integers, e.g. `[200, 200, 100]`", span, None


@message_kind("E201")
def takes_bool(key: str, span: Span) -> Parts:
    return f"`{key}` is `true` or `false`", span, None


@message_kind("E202")
def not_finite(key: str, value: float, span: Span | None, from_sweep: bool = False) -> Parts:
    return f"`{key}` must be finite, not {value}{from_sweep_note(from_sweep)}", span, None


@message_kind("E201")
def not_an_integer(key: str, value: float, span: Span | None, owner: str, from_sweep: bool = False) -> Parts:
    return (f"`{key}` must be an integer, not {value:g}{from_sweep_note(from_sweep)}", span,
            f"{owner}: {key} counts something, so write a whole number")


@message_kind("E202")
def below_minimum(key: str, value: float, low: float, exclusive: bool, span: Span | None, owner: str,
                  from_sweep: bool = False) -> Parts:
    relation = ">" if exclusive else "≥"
    return (f"`{key}` must be {relation} {low:g}; it is {value:g}{from_sweep_note(from_sweep)}", span,
            f"{owner}: {key} {relation} {low:g}")


@message_kind("E202")
def above_maximum(key: str, value: float, high: float, span: Span | None, from_sweep: bool = False) -> Parts:
    return f"`{key}` must be ≤ {high:g}; it is {value:g}{from_sweep_note(from_sweep)}", span, None


@message_kind("E101")
def unknown_choice(key: str, name: str, span: Span, choices: Iterable[str], what: str) -> Parts:
    return f"unknown {key} `{name}`", span, suggestion_help(name, choices, what)


@message_kind("E201")
def takes_one_of(key: str, choices: Iterable[str], span: Span) -> Parts:
    return f"`{key}` takes one of: {choices_text(choices)}", span, None


@message_kind("E101")
def unknown_argument(argument: str, of: str, span: Span, candidates: Iterable[str]) -> Parts:
    return f"unknown argument `{argument}` of {of}", span, suggestion_help(argument, candidates)


@message_kind("E201")
def named_arguments_only(what: str, example: str, span: Span) -> Parts:
    return f"{what} are named, e.g. `{example}`", span, None


@message_kind("E201")
def takes_no_arguments(name: str, span: Span) -> Parts:
    return f"`{name}` takes no arguments", span, None


@message_kind("E103")
def missing_setting(owner: str, what: str, span: Span, help: str) -> Parts:
    return f"{owner} needs {what}", span, help


@message_kind("E201")
def until_outside_train(span: Span) -> Parts:
    return "`until` belongs in a `train` block", span, None


@message_kind("E201")
def takes_number_list(key: str, span: Span) -> Parts:
    return f"`{key}` takes a list of numbers, e.g. `[1, 0.5]`", span, None


@message_kind("E201")
def string_not_a_value(span: Span) -> Parts:
    return "a string is a file's path: it belongs in `file(\"...\")`", span, None


@message_kind("E201")
def string_not_a_name(key: str, text: str, span: Span) -> Parts:
    return f"`{key}` takes a name, not a string", span, f"names are written bare: `{key} = {text}`"
