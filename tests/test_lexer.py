"""The Pygments lexer (``mlc.runtime.lexer``): registered as a plugin, golden token dumps, complete vocabulary.

Input:  the shipped specs (``specs/*.ml``), the grammar's terminals and the checker's and back ends' tables.
Output: test failures.
Role:   every shipped spec lexes to its golden dump (``tests/golden/lexer/<spec>.tokens``; rewrite them with
        ``MLC_UPDATE_GOLDEN=1``) with no error token; Pygments finds the lexer by its alias through the entry
        point; every keyword of the grammar lexes as a keyword and every built-in name as a built-in, the
        lists read from the grammar and the tables, not kept here; the lexer gives back the text unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexers import get_lexer_by_name
from pygments.token import Error, Keyword, Name, Whitespace

from mlc.compiler import families
from mlc.compiler.check import tables
from mlc.compiler.formula import STRUCTURAL_FUNCTIONS
from mlc.compiler.functions import ACTIVATIONS, FUNCTIONS
from mlc.dsl.grammar import STATEMENT_KEYWORDS, keywords, lark_parser
from mlc.runtime.lexer import MlcLexer, token_dump

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.ml"))
GOLDEN = ROOT / "tests" / "golden" / "lexer"
UPDATE = os.environ.get("MLC_UPDATE_GOLDEN") == "1"


def _dump(text: str) -> str:
    return "".join(f"{str(kind)[len('Token.'):]}\t{value!r}\n" for kind, value in token_dump(text))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_golden_token_dump(spec: Path) -> None:
    text = spec.read_text(encoding="utf-8")
    dump = _dump(text)
    expected = GOLDEN / f"{spec.stem}.tokens"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        expected.write_text(dump, encoding="utf-8")
    assert expected.exists(), f"missing {expected.name}; run with MLC_UPDATE_GOLDEN=1"
    assert dump == expected.read_text(encoding="utf-8")
    assert not [v for kind, v in token_dump(text) if kind in Error], "a shipped spec has characters the lexer rejects"


def test_every_shipped_spec_has_a_golden_and_no_stale_ones() -> None:
    assert {p.stem for p in SPECS} == {p.stem for p in GOLDEN.glob("*.tokens")}


def test_registered_as_a_plugin_under_mlc() -> None:
    lexer = get_lexer_by_name("mlc")
    assert isinstance(lexer, MlcLexer)


def _kinds(text: str) -> list[tuple[object, str]]:
    return [(k, v) for k, v in MlcLexer().get_tokens(text) if k not in Whitespace]


def test_grammar_keywords_are_read_from_the_grammar() -> None:
    found = set(keywords())
    assert set(STATEMENT_KEYWORDS) <= found
    # every literal word of the grammar file is a keyword (read independently: Lark's terminal patterns)
    literal_words = {t.pattern.value for t in lark_parser().terminals
                     if t.pattern.type == "str" and t.pattern.value.isidentifier()}
    assert literal_words <= found
    assert {"zip", "product"} <= found  # SWEEP_MODE, a word alternation
    assert not found & {"x", "NAME", "NUMBER"}


@pytest.mark.parametrize("word", keywords())
def test_every_keyword_has_a_keyword_token(word: str) -> None:
    (kind, value), = _kinds(word)
    assert value == word and kind in Keyword


def _builtins() -> set[str]:
    # The tables the checker and the back ends use; `none` reads as a constant (penalty = none).
    return ({*FUNCTIONS, *ACTIVATIONS, *STRUCTURAL_FUNCTIONS, *families.names(), *tables.SPACES,
             *tables.DISTRIBUTIONS, *tables.DOMAINS, *tables.LOSSES, *tables.PENALTIES, *tables.OPTIMIZERS,
             *tables.SCALINGS, *tables.SOLVES} - {"none"} - set(keywords()))


@pytest.mark.parametrize("name", sorted(_builtins()))
def test_every_builtin_has_a_builtin_token(name: str) -> None:
    for text in (name, f"{name}(x)"):
        kind, value = _kinds(text)[0]
        assert value == name and kind in Name.Builtin, (text, kind)


def test_context_token_classes() -> None:
    tokens = _kinds("problem p\nlet d = 5\ntarget f*(x) = exp(-x[1])\nmodel net = two_layer(width = 8)\n"
                    "sweep { width = linspace(8, 64, 3) }")
    assert tokens[:2] == [(Keyword.Declaration, "problem"), (Name.Namespace, "p")]
    assert (Name.Variable, "d") in tokens and (Name.Variable, "net") in tokens
    assert (Name.Function, "f") in tokens
    assert (Name.Attribute, "width") in tokens
    assert (Name.Function, "linspace") in tokens  # a call that is no built-in of the tables
    assert (Name.Builtin, "exp") in tokens and (Name.Builtin, "two_layer") in tokens


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\ufeff"), max_size=80))
def test_lexing_gives_the_text_back(text: str) -> None:
    out = "".join(v for _, v in MlcLexer(stripnl=False, ensurenl=False).get_tokens(text))
    assert out == text.replace("\r\n", "\n").replace("\r", "\n")  # Pygments' own newline normalisation


def test_a_spec_with_a_stray_character_shows_an_error_token() -> None:
    assert (Error, "$") in _kinds("let d = $5")
