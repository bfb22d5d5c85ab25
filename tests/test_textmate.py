"""The TextMate grammar (``editors/vscode/syntaxes/mlc.tmLanguage.json``): generated, current, complete.

Input:  the committed grammar file, :mod:`mlc.runtime.textmate` (the generator), the Lark grammar's keywords and
        the Pygments lexer.
Output: test failures.
Role:   the committed file is what the generator writes (rewrite it with ``python -m mlc.runtime.textmate``);
        every keyword of the grammar gets a keyword scope from the TextMate grammar and a keyword token from the
        Pygments lexer, and every built-in name a support scope, so the two highlighters cannot drift from
        grammar.lark. The TextMate rules are applied with Python's ``re`` as an editor applies them to one line:
        the rule whose match starts first wins, ties to the earlier rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pygments.token import Keyword

from mlc.dsl.grammar import STATEMENT_KEYWORDS, keywords
from mlc.runtime.lexer import BUILTINS, MlcLexer
from mlc.runtime.textmate import OUTPUT, grammar_json, main

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / OUTPUT


def test_committed_grammar_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == grammar_json(), \
        "editors/vscode/syntaxes/mlc.tmLanguage.json is stale: run python -m mlc.runtime.textmate"


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    assert main(["--root", str(tmp_path), "--check"]) == 1
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--root", str(tmp_path), "--check"]) == 0


def scopes(line: str) -> list[tuple[str, str]]:
    """(text, scope) for the tokens of one line, by the committed grammar's top-level rules."""
    rules = json.loads(COMMITTED.read_text(encoding="utf-8"))["patterns"]
    compiled = [(re.compile(r["match"]), r) for r in rules]
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(line):
        best = None
        for pattern, rule in compiled:
            m = pattern.search(line, pos)
            if m and m.end() > m.start() and (best is None or m.start() < best[0].start()):
                best = (m, rule)
        if best is None:
            break
        m, rule = best
        if "captures" in rule:
            found += [(m.group(int(k)), c["name"]) for k, c in rule["captures"].items() if m.group(int(k))]
        else:
            found.append((m.group(0), rule["name"]))
        pos = m.end()
    return found


@pytest.mark.parametrize("word", keywords())
def test_every_keyword_has_a_textmate_scope_and_a_pygments_token(word: str) -> None:
    scope = dict(scopes(word)).get(word)
    expected = "keyword.control.statement.mlc" if word in STATEMENT_KEYWORDS else "keyword.other.mlc"
    assert scope == expected, (word, scopes(word))
    tokens = [(kind, value) for kind, value in MlcLexer().get_tokens(word) if value.strip()]
    assert tokens == [(tokens[0][0], word)] and tokens[0][0] in Keyword


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_name_has_a_support_scope(name: str) -> None:
    assert dict(scopes(f"{name} ")).get(name) == "support.function.builtin.mlc"


def test_a_spec_line_gets_the_scopes_an_editor_shows() -> None:
    got = scopes("model net = two_layer(width = 64, activation = relu)  # a comment")
    assert ("model", "keyword.control.statement.mlc") in got
    assert ("net", "variable.other.declaration.mlc") in got
    assert ("two_layer", "support.function.builtin.mlc") in got
    assert ("width", "variable.parameter.setting.mlc") in got
    assert ("64", "constant.numeric.mlc") in got
    assert ("relu", "support.function.builtin.mlc") in got
    assert ("# a comment", "comment.line.number-sign.mlc") in got
