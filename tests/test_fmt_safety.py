"""The formatter's safety net: formatting may change layout, never tokens.

Input:  small spec texts; a formatter made faulty on purpose (monkeypatched printers).
Output: pass/fail.
Role:   pin down ``mlc.dsl.tokens.significant_tokens`` (what counts as a token, what is layout) and the
        refusal of ``mlc.dsl.formatter.format_text`` (E999, file untouched) when the formatted text would
        not have the source's tokens; bug 4: ``mlc fmt`` used to delete `i in 1..3` from a model call.
"""

from __future__ import annotations

from pathlib import Path

from mlc.dsl import ast
from mlc.dsl.formatter import format_text
from mlc.dsl.printer import ExprPrinter
from mlc.dsl.tokens import significant_tokens
from mlc.runtime.cli import main

SPEC = ("problem p\nlet d = 2\ninput x ~ uniform(cube(d))\ntarget f*(x) = x[1]**2 + max(x[1], 0, 1e0)\n"
        "model net = two_layer(width = 4, activation = relu)\n"
        "train net { steps = 5, loss = mse; record = every 1: train_error, test_error; }\n"
        "sweep { width = [2, 3] }\nreport { rates over width; plot test_error vs width }\n")


def texts(text: str) -> list[str]:
    return [str(t) for t in significant_tokens(text)]


def test_block_separators_and_pow_spelling_are_layout() -> None:
    assert texts("data { n = 1, noise = 0.1; n_test = 2 }") == texts("data { n = 1   noise = 0.1   n_test = 2 }")
    assert texts("let a = 2**3") == texts("let a = 2 ^ 3") == ["let", "a", "=", "2", "^", "3"]
    assert texts("let a = 1  # a comment\n") == ["let", "a", "=", "1"]


def test_commas_inside_items_are_tokens() -> None:
    tokens = texts("train { record = every 1: a, b; optimizer = gd(lr = 0.1, momentum = 0.5) }\n"
                   "report { rates over a, b   mark a = 1, b = 2 }\nlet v = [1, 2]\n")
    assert tokens.count(",") == 5 and ";" not in tokens


def test_positions_are_the_source_positions() -> None:
    tokens = significant_tokens("let a =\n  3")
    assert [(t.line, t.column) for t in tokens] == [(1, 1), (1, 5), (1, 7), (2, 3)]


def test_layout_changes_are_accepted() -> None:
    formatted, diagnostics = format_text(SPEC)
    assert diagnostics == [] and formatted is not None
    assert "x[1]^2" in formatted and ";" not in formatted
    assert texts(formatted) == texts(SPEC)


def test_bug4_fmt_keeps_a_bind_in_a_model_call(tmp_path: Path, capsys) -> None:
    text = "model net = two_layer(width = 4, i in 1..3)\n"
    assert format_text(text) == (text, [])
    path = tmp_path / "s.ml"
    path.write_text("model net = two_layer(width=4,i in 1..3)\n", encoding="utf-8")
    assert main(["fmt", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == text
    capsys.readouterr()


def _drop_last_argument(self: ExprPrinter, node: ast.Call) -> str:
    return f"{node.func.name}(" + ", ".join(self.doprint(a) for a in node.args[:-1]) + ")"


def test_a_formatter_that_deletes_an_argument_is_refused(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(ExprPrinter, "_print_Call", _drop_last_argument)
    formatted, diagnostics = format_text(SPEC, "s.ml")
    assert formatted is None and [d.code for d in diagnostics] == ["E999"]
    # It says where: the first token the faulty output would change (`cube(d)`, the argument of uniform).
    assert (diagnostics[0].span.line, diagnostics[0].span.column) == (3, 19)
    assert "`cube` would become `)`" in diagnostics[0].message
    path = tmp_path / "s.ml"
    path.write_text(SPEC, encoding="utf-8")
    assert main(["fmt", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == SPEC
    err = capsys.readouterr().err
    assert "error[E999]: internal error" in err and "Traceback" not in err


def test_a_formatter_that_respells_a_number_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(ExprPrinter, "_print_Number", lambda self, node: repr(node.value))
    formatted, diagnostics = format_text("let a = 1e0\n")
    assert formatted is None and [d.code for d in diagnostics] == ["E999"]
    assert "`1e0` would become `1.0`" in diagnostics[0].message


def test_a_formatter_that_drops_parentheses_is_refused(monkeypatch) -> None:
    # Dropping these parentheses keeps the tree's meaning; the tokens still differ, so it is refused.
    monkeypatch.setattr(ExprPrinter, "_print_Paren", lambda self, node: self.doprint(node.expr))
    formatted, diagnostics = format_text("let a = (1 + 2) + 3\n")
    assert formatted is None and [d.code for d in diagnostics] == ["E999"]


def test_a_formatter_that_drops_a_block_item_is_refused(monkeypatch) -> None:
    original = ExprPrinter._print_Until
    monkeypatch.setattr(ExprPrinter, "_print_Until", lambda self, node: "")
    formatted, diagnostics = format_text("train net { steps = 1   until train_error < 1 }\n")
    assert formatted is None and [d.code for d in diagnostics] == ["E999"]
    monkeypatch.setattr(ExprPrinter, "_print_Until", original)
    assert format_text("train net { steps = 1   until train_error < 1 }\n")[0] is not None


def test_an_unchanged_text_skips_only_checks_that_hold() -> None:
    """format_text returns a text that formatting leaves unchanged without re-parsing it: on every shipped spec,
    golden and example the answer is the one the whole safety net gives, and the shortcut is taken on some."""
    root = Path(__file__).resolve().parent.parent
    files = sorted([*root.glob("specs/**/*.ml"), *root.glob("tests/golden/**/*.ml"), *root.glob("examples/**/*.ml")])
    unchanged = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = format_text(text, str(path))
        assert fast == format_text(text, str(path), _verify_unchanged=True), path
        unchanged += fast[0] == text
    assert len(files) > 200 and unchanged >= 20
