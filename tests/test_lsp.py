"""The language server (``mlc lsp``): its pure parts, and the server end to end through pytest-lsp.

Input:  specs/quickstart.ml and small edits of it; the server started as ``python -m mlc.runtime.cli lsp``.
Output: test failures.
Role:   the editor sees what the command line says: the diagnostics are ``mlc check``'s (codes, 0-based ranges,
        help, warnings as warnings); hovers come from the schema (a setting's meaning, default, range) and from
        ``mlc bounds`` (the target's norm and derivation, the theorems with their failing hypotheses);
        completion offers what the grammar and the tables allow where the cursor is; formatting is ``mlc fmt``;
        symbols and definitions follow the spec. The server and the pure modules import no torch; without pygls
        ``mlc lsp`` says how to install it and exits 2. The end-to-end tests skip, with the reason, when pygls or
        pytest-lsp is not installed (``pip install -e '.[test]'`` installs both).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlc.compiler.check import tables
from mlc.compiler.check.claims import ORDER_DIRECTIONS
from mlc.compiler.check.reference import default_text, type_text
from mlc.compiler.pipeline import compile_text
from mlc.dsl.formatter import format_text
from mlc.dsl.grammar import STATEMENT_KEYWORDS, leading_keywords
from mlc.dsl.source import SourceError, decode_source
from mlc.runtime import cli
from mlc.runtime.cmd_bounds import build_report, render_norm
from mlc.runtime.lsp_analysis import (TextRange, analyse, definition, document_symbols, from_client, span_range,
                                      to_client)
from mlc.runtime.lsp_complete import complete
from mlc.runtime.lsp_hover import hover

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "specs" / "quickstart.ml"
TEXT = QUICKSTART.read_text(encoding="utf-8")

try:
    import pytest_lsp
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
    HAVE_LSP = True
except ImportError:  # the optional extra is not installed
    HAVE_LSP = False
needs_lsp = pytest.mark.skipif(not HAVE_LSP, reason="needs pygls and pytest-lsp: pip install -e '.[test]'")


def where(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """0-based (line, column) of ``needle``'s first occurrence in ``text``, moved by ``offset`` characters."""
    index = text.index(needle) + offset
    return text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1)


def labels(text: str) -> list[str]:
    line, char = text.count("\n"), len(text.split("\n")[-1])
    return [item.label for item in complete(text, line, char)[0]]


# ----------------------------------------------------------------------------------------------
# Pure functions
# ----------------------------------------------------------------------------------------------


def test_positions_convert_to_and_from_the_editors_units() -> None:
    line = "a = 'é𝄞' x"
    x = line.index("x")
    assert to_client(line, x, "utf-16") == x + 1  # 𝄞 is two UTF-16 units
    assert to_client(line, x, "utf-8") == x + 1 + 3  # é two bytes, 𝄞 four
    assert to_client(line, x, "utf-32") == x
    for encoding in ("utf-8", "utf-16", "utf-32"):
        assert from_client(line, to_client(line, x, encoding), encoding) == x


def test_diagnostics_are_the_checkers_with_code_range_and_help() -> None:
    text = TEXT.replace("width = 64", "wdth = 64")
    analysis = analyse(text, "quickstart.ml")
    expected = compile_text(text, "quickstart.ml").diagnostics
    assert [p.code for p in analysis.problems] == [d.code for d in expected] == ["E101"]
    (problem,) = analysis.problems
    line, col = where(text, "wdth")
    assert problem.range == TextRange(line, col, line, col + 4)  # mlc's 1-based span, 0-based here
    assert problem.severity == "error"
    assert problem.message.startswith(expected[0].message)
    assert "help: did you mean `width`?" in problem.message


def test_warnings_stay_warnings() -> None:
    text = TEXT.replace("space barron ", "space barron(norm <= 2) ")
    problems = analyse(text).problems
    assert [(p.code, p.severity) for p in problems] == [("W101", "warning")]


def test_unreadable_text_is_a_diagnostic_not_an_exception() -> None:
    """A NUL byte: the diagnostic ``mlc check`` gives a file with one (read_source's validation)."""
    text = "problem p\x00\n"
    with pytest.raises(SourceError) as raised:
        decode_source("p.ml", text.encode())
    assert raised.value.diagnostic is not None
    (problem,) = analyse(text, "p.ml").problems
    assert problem.code == raised.value.diagnostic.code and problem.range.start_line == 0


def test_symbols_list_the_statements_with_the_settings_of_blocks() -> None:
    symbols = document_symbols(analyse(TEXT).syntax)
    assert [(s.name, s.kind) for s in symbols] == [
        ("quickstart", "Namespace"), ("d", "Constant"), ("x", "Variable"), ("f*", "Function"), ("space", "Struct"),
        ("data", "Struct"), ("net", "Class"), ("train net", "Method"), ("sweep", "Array"), ("report", "Object")]
    sweep = symbols[8]
    assert [c.name for c in sweep.children] == ["width", "seed"]
    assert symbols[6].detail == "model two_layer"


def test_definition_of_a_let_name() -> None:
    analysis = analyse(TEXT)
    line, col = where(TEXT, "cube(d)", 5)
    let_line, let_col = where(TEXT, "let d", 4)
    assert definition(analysis, line, col) == TextRange(let_line, let_col, let_line, let_col + 1)
    train_line, train_col = where(TEXT, "train net", 7)
    model_line, model_col = where(TEXT, "model net", 6)
    assert definition(analysis, train_line, train_col) == TextRange(model_line, model_col, model_line, model_col + 3)
    assert definition(analysis, *where(TEXT, "n_test")) is None


def test_hover_on_a_setting_shows_the_schema() -> None:
    found = hover(analyse(TEXT), *where(TEXT, "n_test", 2))
    assert found is not None
    spec = tables.DATA_KEYS["n_test"]
    assert spec.doc in found.markdown
    assert type_text(spec) in found.markdown and default_text("n_test", spec) in found.markdown
    line, col = where(TEXT, "n_test")
    assert found.range == TextRange(line, col, line, col + len("n_test"))


def test_hover_on_an_optimizer_setting_and_a_metric() -> None:
    analysis = analyse(TEXT)
    lr = hover(analysis, *where(TEXT, "gd(lr", 3))
    assert lr is not None and tables.OPTIMIZER_KEYS["gd"]["lr"].doc in lr.markdown
    metric = hover(analysis, *where(TEXT, "path_norm\n", 1))
    assert metric is not None and "metric" in metric.markdown


def _report() -> dict[str, Any]:
    outcome = compile_text(TEXT)
    assert outcome.plan is not None
    return build_report(outcome.plan, delta=outcome.plan.report.delta, explain=False, estimate=False)


def test_hover_on_the_target_shows_the_derived_norm_as_bounds_explain_prints_it() -> None:
    found = hover(analyse(TEXT), *where(TEXT, "\ntarget", 2))
    assert found is not None
    norm = _report()["groups"][0]["norm"]
    assert norm["method"] == "derived" and norm["value"] is not None
    for line in render_norm(norm, explain=True, seen_norms=set()):
        assert line in found.markdown


def test_hover_on_bounds_and_on_a_model_shows_the_theorems_and_failing_hypotheses() -> None:
    analysis = analyse(TEXT)
    bounds = hover(analysis, *where(TEXT, "\n  bounds", 4))
    model = hover(analysis, *where(TEXT, "model net", 7))
    assert bounds is not None and model is not None
    group = _report()["groups"][0]
    for theorem in group["theorems"]:
        assert f"{theorem['theorem']:<5} {theorem['title']}" in model.markdown
        for hypothesis in theorem["hypotheses"]:
            if not hypothesis["ok"]:
                assert f"✗ {hypothesis['name']}: {hypothesis['message']}" in model.markdown
    assert any(t["value"] is not None for t in group["theorems"])
    assert "T1" in bounds.markdown


def test_hover_on_a_spec_with_errors_says_why_there_is_no_theory() -> None:
    text = TEXT.replace("width = 64", "wdth = 64")
    found = hover(analyse(text), *where(text, "\ntarget", 2))
    assert found is not None and "errors" in found.markdown
    setting = hover(analyse(text), *where(text, "n_test", 1))  # the schema still answers
    assert setting is not None and tables.DATA_KEYS["n_test"].doc in setting.markdown


def test_completion_follows_the_grammar_and_the_tables() -> None:
    assert labels("") == list(STATEMENT_KEYWORDS) == list(leading_keywords("statement"))
    assert labels("data { ") == list(tables.DATA_KEYS)
    assert labels("model net = deep { ") == [k for k in tables.MODEL_KEYS if k in tables.family_keys()["deep"]]
    assert labels("model net = two_layer(width = 8, ") == \
        [k for k in tables.MODEL_KEYS if k in tables.family_keys()["two_layer"]]
    assert labels("model net = two_layer(activation = ") == list(tables.MODEL_KEYS["activation"].choices)
    assert set(labels("model net = ")) == set(tables.family_keys())
    assert labels("train net { optimizer = ") == list(tables.OPTIMIZERS)
    assert labels("train net { optimizer = adam(") == list(tables.OPTIMIZER_KEYS["adam"])
    assert labels("train net { record = every 10: test_error, ")[:2] == ["test_error", "train_error"]
    assert "until" in labels("train net { steps = 10 ")
    assert set(labels("let m = 3\nsweep { ")) >= {"m", "seed", "width", "lr", "n"}
    assert labels("report { ") == list(tables.REPORT_KEYS) + list(leading_keywords("report_item"))
    assert labels("space ") == list(tables.SPACES)
    assert labels("space barron  # a comment ") == []


def test_completion_in_a_claims_block_follows_the_claim_rule() -> None:
    spec = "let q = 10\nsweep { width = [8, 16] }\nclaims {\n  peak of test_error over width at width = q\n  "
    starts = labels(spec)
    assert starts[:3] == ["peak", "slope", "order"]  # the claim rule's keywords, then the metrics
    assert {"test_error", "spectrum"} <= set(starts) and "lr" not in starts
    assert labels(spec + "peak ") == ["of"]  # a keyword is never taken for a metric's NAME
    assert "test_error" in labels(spec + "peak of ")
    assert labels(spec + "peak of test_error ") == ["over"]
    assert {"width", "q", "seed"} <= set(labels(spec + "peak of test_error over "))
    assert labels(spec + "peak of test_error over width ") == ["at"]
    assert labels(spec + "test_error ") == ["insensitive", "more"]
    assert labels(spec + "order of spectrum convergence ") == ["is"]
    assert labels(spec + "order of spectrum convergence is ") == list(ORDER_DIRECTIONS)
    assert labels(spec + "slope of test_error over n <= ") == ["q"]  # a number: the let names
    assert labels(spec + "peak of") == labels(spec + "peak ")  # the word being typed is replaced


def test_completion_offers_the_rate_claims_over_the_step() -> None:
    spec = "let q = 10\nsweep { width = [8, 16] }\nclaims {\n  "
    over = labels(spec + "slope of test_error over ")
    assert over[0] == "step" and {"width", "q"} <= set(over)  # the keyword of the rate, then the sweep axes
    assert labels(spec + "slope of test_error over step ") == ["insensitive", "increases", "decreases"]
    assert {"width", "q"} <= set(labels(spec + "slope of test_error over step increases with "))
    assert labels(spec + "slope of test_error over step increases with width ") == ["from", "for"]
    assert labels(spec + "slope of test_error over step increases with width from ") == ["step"]
    assert labels(spec + "slope of test_error over step increases with width from step ") == ["q"]
    assert labels(spec + "slope of test_error over step insensitive to width within 30% ") == ["from", "for"]
    assert labels(spec + "slope of test_error over step <= ") == ["q"]


def test_completion_replaces_the_word_being_typed() -> None:
    items, replaced = complete("data { n_te", 0, 11)
    assert "n_test" in [i.label for i in items]
    assert replaced == TextRange(0, 7, 0, 11)


def test_span_range_of_nothing_is_the_start() -> None:
    assert span_range(None) == TextRange(0, 0, 0, 0)


def test_pure_modules_and_the_server_import_no_torch() -> None:
    code = (
        "import sys\n"
        "from mlc.runtime.lsp_analysis import analyse\n"
        "from mlc.runtime.lsp_hover import hover\n"
        "from mlc.runtime.lsp_complete import complete\n"
        f"text = open({str(QUICKSTART)!r}, encoding='utf-8').read()\n"
        "a = analyse(text)\n"
        "for i, line in enumerate(text.split('\\n')):\n"
        "    for j in range(0, len(line), 3):\n"
        "        hover(a, i, j); complete(text, i, j)\n"
        "try:\n"
        "    import mlc.runtime.lsp as server\n"
        "    server.warm_up()\n"
        "except ImportError:\n"
        "    pass\n"
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)[:3]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_without_pygls_the_command_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygls", None)  # import pygls -> ImportError
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = cli.main(["lsp"])
    assert status == 2
    assert "pip install 'mlc[lsp]'" in err.getvalue() and "Traceback" not in err.getvalue()


# ----------------------------------------------------------------------------------------------
# End to end: the server in a subprocess, a client talking the protocol
# ----------------------------------------------------------------------------------------------

URI = QUICKSTART.resolve().as_uri()

if HAVE_LSP:
    @pytest_lsp.fixture(scope="module", config=ClientServerConfig(
        server_command=[sys.executable, "-m", "mlc.runtime.cli", "lsp"]))
    async def client(lsp_client: LanguageClient) -> Any:
        await lsp_client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=ROOT.as_uri()))
        lsp_client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=URI, language_id="mlc", version=1, text=TEXT)))
        await lsp_client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        yield
        await lsp_client.shutdown_session()


async def _change(client: Any, text: str, version: int) -> list[Any]:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[URI])


def _pos(text: str, needle: str, offset: int = 0) -> Any:
    line, char = where(text, needle, offset)
    return types.Position(line=line, character=char)


DOC = {"uri": URI}


@needs_lsp
@pytest.mark.asyncio(loop_scope="module")
async def test_open_publishes_no_diagnostics_for_a_valid_spec(client: Any) -> None:
    assert list(client.diagnostics[URI]) == []


@needs_lsp
@pytest.mark.asyncio(loop_scope="module")
async def test_change_underlines_a_typo_with_the_message_and_hint(client: Any) -> None:
    typo = TEXT.replace("width = 64", "wdth = 64")
    (diagnostic,) = await _change(client, typo, 2)
    assert diagnostic.code == "E101" and diagnostic.source == "mlc"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "help: did you mean `width`?" in diagnostic.message
    start = _pos(typo, "wdth")
    assert diagnostic.range == types.Range(start=start, end=types.Position(line=start.line, character=start.character + 4))
    assert await _change(client, TEXT, 3) == []


@needs_lsp
@pytest.mark.asyncio(loop_scope="module")
async def test_hover_over_a_setting_and_the_target(client: Any) -> None:
    setting = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(**DOC), position=_pos(TEXT, "n_test", 1)))
    assert setting is not None and tables.DATA_KEYS["n_test"].doc in setting.contents.value
    target = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(**DOC), position=_pos(TEXT, "\ntarget", 2)))
    norm = _report()["groups"][0]["norm"]
    assert target is not None and target.contents.kind == types.MarkupKind.Markdown
    assert all(line in target.contents.value for line in render_norm(norm, explain=True, seen_norms=set()))


@needs_lsp
@pytest.mark.asyncio(loop_scope="module")
async def test_completion_of_a_setting_name(client: Any) -> None:
    position = _pos(TEXT, "data { ", len("data { "))
    answer = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(**DOC), position=position))
    assert [i.label for i in answer.items] == list(tables.DATA_KEYS)
    assert all(i.kind == types.CompletionItemKind.Property for i in answer.items)


@needs_lsp
@pytest.mark.asyncio(loop_scope="module")
async def test_formatting_is_mlc_fmt(client: Any) -> None:
    messy = TEXT.replace("data { n = 500   n_test = 2000 }", "data {n=500\n n_test=2000}")
    await _change(client, messy, 4)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(**DOC), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    (edit,) = edits
    assert edit.new_text == format_text(messy, "quickstart.ml")[0]
    assert edit.range.start == types.Position(line=0, character=0)
    await _change(client, TEXT, 5)
    again = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(**DOC), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert list(again) == []  # the shipped spec is formatted already


@needs_lsp
@pytest.mark.asyncio(loop_scope="module")
async def test_definition_and_symbols(client: Any) -> None:
    location = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(**DOC), position=_pos(TEXT, "cube(d)", 5)))
    assert location.range.start == _pos(TEXT, "let d", 4)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(**DOC)))
    names = [s.name for s in symbols]
    assert {"quickstart", "net", "train net", "sweep"} <= set(names)
    assert next(s for s in symbols if s.name == "net").kind == types.SymbolKind.Class
