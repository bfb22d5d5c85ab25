"""Message kinds of target formulas (``target f*(x) = ...``, built by :mod:`mlc.compiler.formula`).

See :mod:`mlc.compiler.messages` for the catalogue's conventions. A formula's division by zero and indexing of
a number use the kinds of constant folding (``division_by_zero``, ``only_vectors_indexed``): one wording.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.compiler.messages.registry import Parts, message_kind

__all__ = [
    "not_arithmetic_operator",
    "target_is_comparison",
    "not_in_target",
    "target_expects_number",
    "unknown_target_name",
    "target_vector_lengths_differ",
    "target_vector_operator",
    "constant_index_not_number",
    "constant_index_out_of_range",
    "only_input_indexed",
    "index_not_whole",
    "index_not_integer_expression",
    "target_index_out_of_range",
    "unknown_target_function",
    "target_named_argument",
    "takes_one_argument",
    "takes_two_or_more",
    "norm_arguments",
    "norm_of_number",
    "norm_p_unsupported",
    "dot_arguments",
    "dot_of_number",
    "dot_lengths_differ",
    "sum_form",
    "sum_index_in_use",
    "sum_bounds_not_integers",
]

_ONE_BASED = "indices start at 1, as in papers: `x[1]` is the first coordinate"


@message_kind("E201")
def not_arithmetic_operator(op: str, span: Span) -> Parts:
    return f"`{op}` is not an arithmetic operator", span, None


@message_kind("E201")
def target_is_comparison(span: Span) -> Parts:
    return "a target is a function value, not a comparison", span, None


@message_kind("E201")
def not_in_target(span: Span) -> Parts:
    return "this is not allowed in a target formula", span, None


@message_kind("E201")
def target_expects_number(length: int, span: Span) -> Parts:
    return (f"expected a number here, found a vector of length {length}", span,
            "reduce it with `norm(...)`, `dot(w, x)` or pick a coordinate `x[i]`")


@message_kind("E101")
def unknown_target_name(name: str, span: Span, known: Iterable[str], input_name: str) -> Parts:
    return (f"unknown name `{name}` in the target", span, suggestion_help(name, known, "names in scope")
            or f"the target may use `{input_name}`, `let` constants and sum indices")


@message_kind("E302")
def target_vector_lengths_differ(left: int, right: int, dim: int, span: Span) -> Parts:
    return (f"vectors of lengths {left} and {right} cannot be combined", span,
            f"the input has dimension d = {dim}")


@message_kind("E201")
def target_vector_operator(op: str, span: Span) -> Parts:
    return (f"`{op}` is not defined between these operands (scalar and vector)", span,
            "use `dot(w, x)` for inner products and `norm(x)^2` for squared norms")


@message_kind("E201")
def constant_index_not_number(span: Span) -> Parts:
    return "a constant vector can only be indexed by a number", span, None


@message_kind("E302")
def constant_index_out_of_range(index: float, length: int, span: Span) -> Parts:
    return (f"index {index:g} is out of range 1..{length}", span,
            "indices start at 1, as in papers: `w[1]` is the first element")


@message_kind("E201")
def only_input_indexed(input_name: str, span: Span) -> Parts:
    return f"only `{input_name}` or a constant vector can be indexed", span, None


@message_kind("E302")
def index_not_whole(value: float, span: Span) -> Parts:
    return f"an index must be a whole number, not {value:g}", span, _ONE_BASED


@message_kind("E201")
def index_not_integer_expression(span: Span) -> Parts:
    return "an index must be an integer expression of sum indices", span, None


@message_kind("E302")
def target_index_out_of_range(lo: float, hi: float, input_name: str, length: int, span: Span) -> Parts:
    shown = f"{lo:g}" if lo == hi else f"{lo:g}..{hi:g}"
    return (f"index {shown} is out of range: `{input_name}` has coordinates 1..{length} (d = {length})", span,
            _ONE_BASED if lo < 1 else f"use an index between 1 and {length}, or raise d")


@message_kind("E101")
def unknown_target_function(name: str, span: Span, functions: Iterable[str]) -> Parts:
    return f"unknown function `{name}`", span, suggestion_help(name, functions, "functions")


@message_kind("E201")
def target_named_argument(function: str, span: Span) -> Parts:
    return f"`{function}` takes no named arguments", span, None


@message_kind("E201")
def takes_one_argument(function: str, count: int, span: Span) -> Parts:
    return f"`{function}` takes one argument, not {count}", span, None


@message_kind("E201")
def takes_two_or_more(function: str, span: Span) -> Parts:
    return f"`{function}` takes two or more arguments", span, None


@message_kind("E201")
def norm_arguments(span: Span) -> Parts:
    return "`norm` takes a vector and optionally p: `norm(x)`, `norm(x, 1)`", span, None


@message_kind("E201")
def norm_of_number(span: Span) -> Parts:
    return "`norm` takes a vector; for a number use `abs`", span, None


@message_kind("E202")
def norm_p_unsupported(p: float | tuple[float, ...], span: Span) -> Parts:
    return f"`norm` supports p = 1, 2 or inf, not {p}", span, None


@message_kind("E201")
def dot_arguments(span: Span) -> Parts:
    return "`dot` takes two vectors: `dot(w, x)`", span, None


@message_kind("E201")
def dot_of_number(span: Span) -> Parts:
    return "`dot` takes two vectors", span, None


@message_kind("E302")
def dot_lengths_differ(left: int, right: int, dim: int, span: Span) -> Parts:
    return (f"`dot` of vectors of lengths {left} and {right}", span,
            f"the input has dimension d = {dim}; give a vector of that length")


@message_kind("E201")
def sum_form(span: Span) -> Parts:
    return "write a sum as `sum(i in 1..d, body)`", span, None


@message_kind("E102")
def sum_index_in_use(name: str, span: Span) -> Parts:
    return f"`{name}` is already in use", span, None


@message_kind("E201")
def sum_bounds_not_integers(span: Span) -> Parts:
    return "sum bounds must be integers", span, None
