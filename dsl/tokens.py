"""The token stream of a spec, for the formatter's safety net.

Input:  the text of a syntax-clean spec.
Output: its significant tokens (:func:`significant_tokens`): every token the parser reads, in order,
        with its position, with only what the canonical layout may change taken out: the ``,`` or ``;`` between
        block items (the layout separates items by whitespace) and the spelling ``**`` of ``^``.
        Whitespace, newlines and comments are not tokens (comments are compared on their own).
Role:   the meaning-preservation check of ``mlc fmt`` (:func:`mlc.dsl.formatter.format_text`): the
        formatted text must have the same significant tokens as the source, so no argument, item, number
        spelling or parenthesis can be lost, added or changed. It reads the text with the parser's own
        lexer and grammar (:mod:`mlc.dsl.grammar`), and uses only the raw parse tree, not the AST or the
        printer, so that a bug in either cannot hide itself.
"""

from __future__ import annotations

from lark import Token, Tree

from mlc.dsl.grammar import lark_parser

SEPARATORS = ("COMMA", "SEMICOLON")
SPELLINGS = {"**": "^"}
"""Token texts the layout rewrites, and what to."""


def significant_tokens(text: str) -> list[Token]:
    """The significant tokens of ``text``; two texts that differ only in layout have equal lists of
    token texts. Raises Lark's ``UnexpectedInput`` if the text does not parse."""
    # The tokens as the parser reads them (contextual lexer), and the tree that says which `,` and `;` are
    # separators, from one parse: the end of input is fed as Lark's own parse() feeds it (borrowing the last
    # token's position), so the tree is the one parse() returns. (Two parses were a third of fmt's time on a
    # spec at the token limit.)
    interactive = lark_parser().parse_interactive(text)
    tokens: list[Token] = list(interactive.iter_parse())
    tree: Tree[Token] = interactive.feed_eof(tokens[-1] if tokens else None)  # type: ignore[no-untyped-call]
    separators = _separator_offsets(tree)
    return [t.update(value=SPELLINGS[t]) if t in SPELLINGS else t for t in tokens
            if not (t.type in SEPARATORS and t.start_pos in separators)]


def _separator_offsets(tree: Tree[Token]) -> set[int]:
    """Offsets of the block separators: the grammar's ``sep`` nodes (a ``,`` inside a call, a vector or
    a list of metrics is not one)."""
    return {sub.meta.start_pos for sub in tree.iter_subtrees()
            if sub.data == "sep" and not sub.meta.empty}
