"""The grammar, loaded once: ``grammar.lark`` -> a Lark LALR(1) parser.

Input:  the ``grammar.lark`` file shipped in this package.
Output: :func:`lark_parser` (cached), and the grammar facts the messages use: the statement keywords
        and a human name for each terminal.
Role:   one place that builds the parser, so that the parser proper (:mod:`mlc.dsl.parser`) and the
        formatter's token comparison (:mod:`mlc.dsl.tokens`) read the text with the same lexer.
"""

from __future__ import annotations

import hashlib
import os
import pkgutil
import re
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import lark
from lark import Lark

from mlc.dsl.cache import cache_dir

STATEMENT_KEYWORDS = (
    "problem", "let", "input", "target", "space", "data", "model", "train", "sweep", "report", "claims",
)

# Human names for the grammar's terminals, used in "expected ..." messages.
TERMINAL_NAMES: dict[str, str] = {
    "NAME": "a name", "NUMBER": "a number", "LPAR": "`(`", "RPAR": "`)`", "LSQB": "`[`",
    "RSQB": "`]`", "LBRACE": "`{`", "RBRACE": "`}`", "EQUAL": "`=`", "COMMA": "`,`",
    "SEMICOLON": "`;`", "COLON": "`:`", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`",
    "SLASH": "`/`", "POW": "`^`", "TILDE": "`~`", "COMP_OP": "a comparison (`<`, `<=`)",
    "SWEEP_MODE": "`zip` or `product`", "__ANON_0": "`..`", "DOT": "`.`",
    "PERCENT": "`%`",
}


_OPTIONS: dict[str, object] = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True,
                               "maybe_placeholders": True}


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The LALR(1) parser with the contextual lexer; positions propagated, absent ``[optional]`` parts
    given as None.

    Building the LALR tables takes a quarter of a second, most of the fixed cost of ``mlc check``; the built
    parser is kept in the user's cache folder (:func:`mlc.dsl.cache.cache_dir`), under a name that hashes the
    grammar, the options and the Lark and Python versions, so a changed grammar never loads stale tables. A
    missing or unreadable cache file is rebuilt; it is written atomically, so concurrent commands never read
    half a file."""
    # pkgutil (which lark imports anyway) rather than importlib.resources: 5-10 ms less at every start
    data = pkgutil.get_data("mlc.dsl", "grammar.lark")
    assert data is not None  # the file ships with the package
    grammar = data.decode("utf-8")
    key = hashlib.sha256(repr((grammar, sorted(_OPTIONS.items()), lark.__version__,
                               sys.version_info[:2])).encode()).hexdigest()[:20]
    path = cache_dir() / f"grammar-{key}.lark"
    try:
        with open(path, "rb") as cached:
            return Lark.load(cached)
    except Exception:  # noqa: BLE001 - no cache yet, or an unusable one: build the tables again
        pass
    parser = Lark(grammar, **_OPTIONS)
    _save(parser, path)
    return parser


def _save(parser: Lark, path: Path) -> None:
    """Write the built parser to ``path`` atomically; a cache that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".grammar-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                parser.save(out)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError:
        pass


@lru_cache(maxsize=1)
def terminal_pattern(name: str) -> str:
    """The regular expression of the grammar's terminal ``name`` (``STRING``), for tools that must lex the same
    text (the Pygments lexer, the token count of the size limit)."""
    for terminal in lark_parser().terminals:
        if terminal.name == name:
            return str(terminal.pattern.to_regexp())
    raise KeyError(name)


def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar, read from its terminals (not a list kept by hand): the literal words
    (``"problem"``, ``"over"``, ``"in"`` ...) and the words of word-only alternations (``SWEEP_MODE``: zip,
    product). Sorted; the highlighter (:mod:`mlc.runtime.lexer`) and its tests use this one list."""
    words: set[str] = set()
    for terminal in lark_parser().terminals:
        pattern = terminal.pattern
        if pattern.type == "str" and _WORD.fullmatch(pattern.value):
            words.add(pattern.value)
        elif pattern.type == "re" and (alternatives := _WORD_ALTERNATION.fullmatch(pattern.value)):
            words.update(alternatives.group(1).split("|"))
    return tuple(sorted(words))


def terminal_words(name: str) -> tuple[str, ...]:
    """The words a terminal matches: ``"problem"`` for ``PROBLEM``, ``("zip", "product")`` for ``SWEEP_MODE``;
    empty for a terminal that matches no fixed word (``NAME``, punctuation)."""
    for terminal in lark_parser().terminals:
        if terminal.name != name:
            continue
        pattern = terminal.pattern
        if pattern.type == "str" and _WORD.fullmatch(pattern.value):
            return (pattern.value,)
        if pattern.type == "re" and (alternatives := _WORD_ALTERNATION.fullmatch(pattern.value)):
            return tuple(alternatives.group(1).split("|"))
    return ()


def terminal_matches(name: str, token: str) -> bool:
    """Whether ``token`` is a whole match of terminal ``name`` (``"<="`` of ``COMP_OP``, ``"%"`` of ``PERCENT``)."""
    for terminal in lark_parser().terminals:
        if terminal.name == name:
            pattern = terminal.pattern
            if pattern.type == "str":
                return bool(token == pattern.value)
            return re.fullmatch(pattern.to_regexp(), token, re.IGNORECASE if "i" in pattern.flags else 0) is not None
    return False


@lru_cache(maxsize=None)
def claim_expansions() -> tuple[tuple[tuple[str, bool], ...], ...]:
    """The alternatives of the grammar's ``claim`` rule, each a sequence of (symbol name, is a terminal), for the
    editor's completion in a ``claims`` block."""
    return tuple(tuple((symbol.name, symbol.is_term) for symbol in rule.expansion)
                 for rule in lark_parser().rules if rule.origin.name == "claim")


@lru_cache(maxsize=None)
def leading_keywords(rule: str) -> tuple[str, ...]:
    """The keywords that can begin rule ``rule`` of the grammar, in the grammar's order: ``statement`` gives the
    statement keywords, ``report_item`` gives ``bounds``, ``rates``, ``plot``, ``mark``, ``item`` gives ``until``
    (read from Lark's rules, following a rule whose first symbol is another rule)."""
    rules = lark_parser().rules
    found: dict[str, None] = {}
    pending, seen = [rule], set()
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        for r in rules:
            if r.origin.name != name or not r.expansion:
                continue
            first = r.expansion[0]
            if first.is_term:
                found.update(dict.fromkeys(terminal_words(first.name)))
            else:
                pending.append(first.name)
    return tuple(found)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD_ALTERNATION = re.compile(r"\(\?:((?:[A-Za-z_][A-Za-z0-9_]*\|)+[A-Za-z_][A-Za-z0-9_]*)\)")
