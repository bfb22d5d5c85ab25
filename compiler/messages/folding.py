"""Message kinds of constant folding of expressions, and the messages of the pipeline after checking.

See :mod:`mlc.compiler.messages` for the catalogue's conventions.
"""

from __future__ import annotations

from typing import Iterable

from mlc.dsl.diagnostics import Span, suggestion_help
from mlc.dsl.messages import too_deep_to_compile as too_deep_to_compile  # also the parser's: one kind
from mlc.compiler.messages.registry import Parts, message_kind

__all__ = [
    "unknown_name",
    "nested_vector",
    "positional_only",
    "wrong_arity",
    "undefined_at",
    "unknown_constant_function",
    "not_a_value",
    "expected_value",
    "only_vectors_indexed",
    "index_out_of_range",
    "vector_not_number",
    "vector_lengths_differ",
    "vector_operator",
    "division_by_zero",
    "not_real",
    "overflow",
    "declared_norm_below_derived",
    "too_deep_to_compile",
    "internal_error",
    "sum_too_long",
    "formula_too_large",
    "formula_too_deep",
]


# ------------------------------------------------------------------------------------------ constant folding


@message_kind("E101")
def unknown_name(name: str, span: Span, known: Iterable[str]) -> Parts:
    return (f"unknown name `{name}`", span, suggestion_help(name, known, "known constants")
            or "define it with `let NAME = value` or sweep it in a `sweep` block")


@message_kind("E201")
def nested_vector(span: Span) -> Parts:
    return "vectors cannot be nested", span, None


@message_kind("E201")
def positional_only(name: str, span: Span) -> Parts:
    return f"`{name}` takes positional arguments only here", span, None


@message_kind("E201")
def wrong_arity(name: str, expected: str, span: Span) -> Parts:
    return f"`{name}` takes {expected}", span, None


@message_kind("E202")
def undefined_at(name: str, argument: float, reason: str, span: Span) -> Parts:
    return f"`{name}({argument:g})` is undefined ({reason})", span, None


@message_kind("E101")
def unknown_constant_function(name: str, span: Span, functions: Iterable[str]) -> Parts:
    return (f"unknown function `{name}` in a constant expression", span,
            suggestion_help(name, functions, "functions"))


@message_kind("E201")
def not_a_value(what: str, found: str, span: Span) -> Parts:
    return f"{found} is not {what}", span, None


@message_kind("E201")
def expected_value(what: str, span: Span) -> Parts:
    return f"expected {what}", span, None


@message_kind("E201")
def only_vectors_indexed(span: Span) -> Parts:
    return "only vectors can be indexed", span, None


@message_kind("E302")
def index_out_of_range(index: float, length: int, span: Span) -> Parts:
    return f"index {index:g} is out of range 1..{length}", span, None


@message_kind("E201")
def vector_not_number(span: Span) -> Parts:
    return "expected a number, found a vector", span, None


@message_kind("E302")
def vector_lengths_differ(left: int, right: int, span: Span) -> Parts:
    return f"vectors of lengths {left} and {right} cannot be added", span, None


@message_kind("E201")
def vector_operator(op: str, span: Span) -> Parts:
    return f"`{op}` is not defined for these vector operands", span, None


@message_kind("E202")
def division_by_zero(span: Span) -> Parts:
    return "division by zero", span, None


@message_kind("E202")
def not_real(base: float, exponent: float, span: Span) -> Parts:
    return f"{base:g}^{exponent:g} is not a real number", span, None


@message_kind("E202")
def overflow(span: Span) -> Parts:
    return "the value overflows", span, None


# ------------------------------------------------------------------------------------------ pipeline


@message_kind("W101", severity="warning")
def declared_norm_below_derived(declared: float, derived: float, space: str, span: Span) -> Parts:
    return (f"the declared norm {declared:g} is below the bound {derived:.4g} that mlc derives for this target in "
            f"{space} space", span,
            "the rules give upper bounds, so the declaration may still be true; mlc uses it as declared, "
            "unverified (`mlc bounds --explain` shows the derivation)")


@message_kind("E999")
def internal_error(detail: str) -> Parts:
    return f"internal error: {detail}", None, "this is a bug in mlc, not in your spec; please report it with the spec"


# ------------------------------------------------------------------------------------------ limits of formulas


@message_kind("E202")
def sum_too_long(terms: int, limit: int, span: Span) -> Parts:
    return (f"this sum has {terms:,} terms; a sum may have at most {limit:,}", span,
            "every term is built and checked, so a sum stays small: sum over 1..d, or write the closed form")


@message_kind("E005")
def formula_too_large(nodes: int, limit: int, span: Span) -> Parts:
    return (f"the formula expands to {nodes:,} operations once its sums are written out; at most {limit:,}",
            span, "nested sums multiply their terms: shorten the ranges or write the closed form")


@message_kind("E005")
def formula_too_deep(limit: int, span: Span) -> Parts:
    return (f"the formula nests more than {limit} operations deep", span,
            "split it with `let` constants, or write a long sum of terms as `sum(i in 1..k, ...)`")
