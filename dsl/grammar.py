"""The grammar, loaded once: ``grammar.lark`` -> a Lark LALR(1) parser.

Input:  the ``grammar.lark`` file shipped in this package.
Output: :func:`lark_parser` (cached), and the grammar facts the messages use: the statement keywords
        and a human name for each terminal.
Role:   one place that builds the parser, so that the parser proper (:mod:`mlc.dsl.parser`) and the
        formatter's token comparison (:mod:`mlc.dsl.tokens`) read the text with the same lexer.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark

STATEMENT_KEYWORDS = (
    "problem", "let", "input", "target", "space", "data", "model", "train", "sweep", "report",
)

# Human names for the grammar's terminals, used in "expected ..." messages.
TERMINAL_NAMES: dict[str, str] = {
    "NAME": "a name", "NUMBER": "a number", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
    "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`", "EQUAL": "`=`", "COMMA": "`,`",
    "SEMICOLON": "`;`", "COLON": "`:`", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`",
    "SLASH": "`/`", "POW": "`^`", "TILDE": "`~`", "COMP_OP": "a comparison (`<`, `<=`)",
    "SWEEP_MODE": "`zip` or `product`", "__ANON_0": "`..`", "DOT": "`.`",
}


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The LALR(1) parser with the contextual lexer; positions propagated, absent ``[optional]`` parts
    given as None."""
    grammar = resources.files("mlc.dsl").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True)
