"""The front end's message catalogue: every diagnostic of reading, parsing, desugaring and formatting a spec.

Input:  the facts of one problem (the offending character or token, what the grammar expected, spans).
Output: :class:`~mlc.dsl.diagnostics.Diagnostic` records, each with its code, wording, help and ``kind``.
Role:   one named constructor per message kind, registered in :data:`mlc.dsl.message_kinds.KINDS` like the
        compiler's (:mod:`mlc.compiler.messages`). It is a module of the front end because ``mlc.dsl``
        imports nothing of the compiler; the compiler's catalogue imports this one, so that its ``KINDS``
        (and the golden test, one golden per kind) covers both. Deciding *which* kind applies (the Lark
        exception, the common mistake behind it) stays with the pass that finds the problem
        (:mod:`mlc.dsl.syntax_errors`, :mod:`mlc.dsl.source`, :mod:`mlc.dsl.desugar`, :mod:`mlc.dsl.formatter`).
"""

from __future__ import annotations

from mlc.dsl.diagnostics import Span
from mlc.dsl.message_kinds import Parts, message_kind

__all__ = [
    "too_large",
    "too_many_tokens",
    "name_too_long",
    "number_overflows",
    "nul_byte",
    "not_utf8",
    "nesting_too_deep",
    "too_deep_to_compile",
    "unexpected_character",
    "unclosed_bracket",
    "unexpected_token",
    "syntax_error",
    "until_in_model_block",
    "stray_bind",
    "fmt_refused",
    "too_deep_to_format",
]


# ------------------------------------------------------------------------------------------ reading the file


@message_kind("E004")
def too_large(size: int, limit: int) -> Parts:
    return (f"the file is {size:,} bytes; a spec may have at most {limit:,}", Span.point(1, 1),
            "check that this is the spec you meant; large data belongs outside the spec")


@message_kind("E004")
def too_many_tokens(count: int, limit: int) -> Parts:
    return (f"the spec has {count:,} tokens; a spec may have at most {limit:,}", Span.point(1, 1),
            "a spec describes an experiment in a few hundred tokens; generated or repeated text does not belong "
            "in it (data belongs in a file: `input x ~ file(...)`)")


@message_kind("E004")
def name_too_long(shown: str, length: int, limit: int, span: Span) -> Parts:
    return f"the name `{shown}...` has {length:,} characters; at most {limit}", span, "use a shorter name"


@message_kind("E202")
def number_overflows(shown: str, span: Span) -> Parts:
    return (f"the number `{shown}` is too large: it overflows to infinity (the largest is about 1.8e308)", span,
            "write `inf` for infinity")


@message_kind("E003")
def nul_byte(span: Span) -> Parts:
    return ("this looks like a binary file (it contains a NUL byte), not a spec", span,
            "mlc reads UTF-8 text files; check the path")


@message_kind("E003")
def not_utf8(byte: int, offset: int, span: Span) -> Parts:
    return f"the file is not valid UTF-8 (byte 0x{byte:02x} at offset {offset})", span, "save the spec as UTF-8"


# ------------------------------------------------------------------------------------------ syntax


@message_kind("E005")
def nesting_too_deep(limit: int, span: Span) -> Parts:
    return (f"brackets are nested more than {limit} deep", span,
            "simplify the expression; no spec needs this much nesting")


@message_kind("E005")
def too_deep_to_compile(span: Span | None = None) -> Parts:
    """Python's recursion limit reached while building the AST (``span``: the statement with the most
    operators) or, in the compiler, while checking it (no span)."""
    return ("an expression is too long or too deeply nested to compile", span,
            "split it with `let` constants or simplify it")


# The common mistakes behind an unexpected character, and how to write them.
_CHARACTER_HINTS = {
    "|": "absolute values and norms are written `abs(e)` and `norm(x)`, not with bars",
    '"': ('a string is only a file path, `file("data.npz")`, closed on its line, without `#`, `\\` or `"`; '
          "names are written bare, e.g. `activation = relu`"),
    "'": ('a string is only a file path, `file("data.npz")`, closed on its line, without `#`, `\\` or `"`; '
          "names are written bare, e.g. `activation = relu`"),
    "!": "there is no `!`; comparisons are `<`, `<=`, `>`, `>=`",
}


@message_kind("E002")
def unexpected_character(character: str, span: Span) -> Parts:
    shown = repr(character)[1:-1] if character and not character.isprintable() else character
    return f"unexpected character `{shown}`", span, _CHARACTER_HINTS.get(character)


@message_kind("E001")
def unclosed_bracket(bracket: str, span: Span) -> Parts:
    closer = {"(": ")", "[": "]", "{": "}"}[bracket]
    return (f"this `{bracket}` is never closed: the file ends before its `{closer}`", span,
            f"add `{closer}` where the {'block' if bracket == '{' else 'expression'} ends")


@message_kind("E001")
def unexpected_token(found: str, expected: str, span: Span, hint: str | None) -> Parts:
    """``found``: the token as shown (`` `=` ``, ``end of file``); ``expected``: what the grammar allows there
    ("" when nothing useful); ``hint``: the common mistake recognised by :mod:`mlc.dsl.syntax_errors`."""
    return f"unexpected {found}" + (f"; expected {expected}" if expected else ""), span, hint


@message_kind("E001")
def syntax_error(description: str) -> Parts:
    """A Lark error of a kind the parser does not know (Lark raises only the three it handles)."""
    return description, None, None


# ------------------------------------------------------------------------------------------ desugaring


@message_kind("E201")
def until_in_model_block(span: Span) -> Parts:
    return "`until` belongs in a `train` block, not in a model", span, "move it to `train NAME { ... }`"


@message_kind("E201")
def stray_bind(written: str, function: str, span: Span) -> Parts:
    return (f"`{written}` has no meaning as an argument of `{function}`", span,
            "`i in lo..hi` binds the index of a sum, as in `sum(i in 1..d, x[i]^2)`; "
            "settings are written `key = value`")


# ------------------------------------------------------------------------------------------ formatting


@message_kind("E999")
def fmt_refused(why: str, span: Span | None) -> Parts:
    """The formatter's safety net refused its own output (a bug in ``mlc fmt``)."""
    return (f"internal error: {why}", span,
            "the file was not changed; this is a bug in mlc fmt, please report this spec")


@message_kind("E005")
def too_deep_to_format() -> Parts:
    return ("an expression is too long or too deeply nested to format", Span.point(1, 1),
            "the file was not changed; split the expression with `let` constants")
