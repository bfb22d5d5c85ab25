"""Regression tests for inputs that made mlc hang, do unbounded work or raise a traceback (issue 9).

Input:  hostile specs: the cases of issue 9 (cases 4, 6, 8 and the tracebacks) and every crash the fuzz
        harness (``tests/fuzz/``) has found.
Output: pass/fail: each input gets a clear diagnostic with the expected code (or is valid), never a traceback.
Role:   one test per input that once broke mlc. The limits themselves are in ``compiler/formula.py``
        (formula size) and ``dsl/diagnostics.py`` (diagnostics printed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlc.compiler.formula import MAX_FORMULA_DEPTH, MAX_SUM_TERMS
from mlc.compiler.pipeline import compile_text
from mlc.dsl.diagnostics import MAX_SHOWN
from mlc.dsl.limits import MAX_NAME_LENGTH, MAX_TOKENS, check_limits, count_tokens

BASE = """problem fuzz
let d = 5
let w = [1, 2, 3]
input  x ~ uniform(cube(d))
target f*(x) = TARGET
space  barron(norm <= 100)
data { n = 20   n_test = 20 }
model net = two_layer(width = 8)
train net { steps = 2 }
sweep { width = [4, 8]   seed = 0..1 }
"""


def _spec(target: str = "relu(x[1])") -> str:
    return BASE.replace("TARGET", target)


def _codes(text: str) -> list[str]:
    outcome = compile_text(text, "fuzz.ml")
    return [d.code for d in outcome.diagnostics if d.is_error]


@pytest.mark.parametrize("target, code", [
    # case 6: a sum of 10^9 terms hung check (the norm rules write sums out), bounds and compile-and-run
    ("sum(i in 1..1000000000, relu(x[1]) / i^2)", "E202"),
    (f"sum(i in 1..{MAX_SUM_TERMS + 1}, x[1] / i)", "E202"),
    # nested sums multiply their terms
    ("sum(i in 1..200, sum(j in 1..200, x[1] * i * j))", "E005"),
    # a 300-term product: "maximum serialization depth exceeded" while hashing the plan
    (" * ".join(["x[1]"] * 300), "E005"),
    (" + ".join(["relu(x[1])"] * (MAX_FORMULA_DEPTH + 1)), "E005"),
    ("-" * (MAX_FORMULA_DEPTH + 1) + "x[1]", "E005"),
    # 1e999 as an index or a sum bound: the literal is refused by the lexer; infinity from arithmetic here
    ("x[1e999]", "E202"),
    ("w[1e999] * x[1]", "E202"),
    ("sum(i in 1..1e999, x[1])", "E202"),
    ("x[1e308 * 10]", "E302"),
    ("w[1e308 * 10] * x[1]", "E302"),
    ("sum(i in 1..1e308 * 10, x[1])", "E201"),
    ("x[1e308 * 10 - 1e308 * 10]", "E302"),
    # item 4: 0, negative, fractional, out-of-range and huge indices of a constant vector in a target
    ("w[0] * x[1]", "E302"),
    ("w[-1] * x[1]", "E302"),
    ("w[1.5] * x[1]", "E302"),
    ("w[4] * x[1]", "E302"),
    ("w[5] * x[1]", "E302"),
    ("w[1e9] * x[1]", "E302"),
    ("x[0]", "E302"),
    ("x[-1]", "E302"),
    ("x[6]", "E302"),
    ("x[2.5]", "E302"),
    ("sum(i in 1..5, x[i - 1])", "E302"),
    ("sum(i in 1..5, x[i + 1])", "E302"),
])
def test_target_limits_and_indices(target: str, code: str) -> None:
    assert _codes(_spec(target)) == [code]


@pytest.mark.parametrize("target", [
    " * ".join(["x[1]"] * 150),
    f"sum(i in 1..{MAX_SUM_TERMS}, x[1] / i^2)",
    "sum(i in 1..d, x[i]^2)",
    "w[1] * x[1] + w[3] * x[3]",
])
def test_within_the_limits_is_valid(target: str) -> None:
    assert _codes(_spec(target)) == []


def test_indices_agree_between_let_and_target() -> None:
    """`let a = w[i]` and `w[i]` in a target accept and refuse the same indices (1-based)."""
    for index in ("0", "-1", "1.5", "4", "1e9", "1e308 * 10", "1e308 * 10 - 1e308 * 10", "1", "3"):
        in_let = _codes(_spec("a * x[1]").replace("let w = [1, 2, 3]", f"let w = [1, 2, 3]\nlet a = w[{index}]"))
        in_target = _codes(_spec(f"w[{index}] * x[1]"))
        assert in_let == in_target, index
        assert in_let in ([], ["E302"])


def test_first_element_is_index_one() -> None:
    outcome = compile_text(_spec("w[1] * x[1] + w[3]"), "fuzz.ml")
    assert outcome.ok
    from mlc.compiler.theory.exprs import expr_text

    assert expr_text(outcome.plan.runs[0].target.expr) == "1 * x[1] + 3"


@pytest.mark.parametrize("old, new, code", [
    # 1e999 as a range end or an integer sweep value: OverflowError. The literal is E202 (it overflows) ...
    ("seed = 0..1", "seed = 0..1e999", "E202"),
    ("width = [4, 8]", "width = [4, 1e999]", "E202"),
    ("width = [4, 8]", "width = logspace(0.5, 1e309, 8)", "E202"),
    # ... and infinity or nan computed from finite numbers is refused where an integer is needed
    ("seed = 0..1", "seed = 0..1e308 * 10", "E201"),
    ("width = [4, 8]", "width = [4, 1e308 * 10]", "E201"),
    ("width = [4, 8]", "width = [4, 1e308 * 10 - 1e308 * 10]", "E201"),
    # logspace(0.5, 1e309, 8) on an integer axis: ValueError (nan)
    ("width = [4, 8]", "width = logspace(0.5, 1e308 * 10, 8)", "E201"),
    # found by the fuzzer (10,000 mutants, seed 1, case 1235): 10^(3.3e10) raised OverflowError
    ("width = [4, 8]", "width = logspace(0.5, 33333333333, 8)", "E202"),
    ("width = [4, 8]", "width = logspace(0.5, 2, 1e308 * 10)", "E201"),
    # found by the fuzzer (seed 1, case 2374; issue 9 case 5): one axis of 10^9 values was built before the
    # run count was checked (it hung, then ran out of memory)
    ("seed = 0..1", "seed = 0..1e9", "E303"),
    ("width = [4, 8]", "width = linspace(1, 2, 1e9)", "E303"),
    ("seed = 0..1", "seed = -1e308..1", "E303"),  # seed 1, case 3215
    # w[nan] in a let: ValueError
    ("let w = [1, 2, 3]", "let w = [1, 2, 3]\nlet a = w[1e308 * 10 - 1e308 * 10]", "E302"),
])
def test_non_finite_values_are_diagnostics(old: str, new: str, code: str) -> None:
    text = _spec()
    assert old in text
    assert code in _codes(text.replace(old, new))


def test_a_billion_layers_is_refused_by_the_checker() -> None:
    """Found by the 10,000-mutant run (seed 1, case 6446): `depth = 1000000000` in a deep model built a tuple
    of 10^9 widths while checking (12.7 GB, then the machine's OOM killer)."""
    text = _spec().replace("model net = two_layer(width = 8)", "model net = deep(width = 8, depth = 1000000000)")
    assert _codes(text) == ["E202"]


def test_diagnostics_printed_are_capped() -> None:
    """case 8: 99,902 duplicate `let`s printed 33 MB of diagnostics; now the first MAX_SHOWN and a count."""
    text = _spec() + "let d = 5\n" * 500
    outcome = compile_text(text, "fuzz.ml")
    assert len(outcome.errors) == 500
    rendered = outcome.rendered
    assert rendered.count("error[E102]") == MAX_SHOWN
    assert f"... and {500 - MAX_SHOWN} more diagnostics not shown" in rendered
    assert rendered.endswith("fuzz.ml: 500 errors")


@pytest.mark.parametrize("text, code", [
    ("let a = 1e999", "E202"),
    ("let a = 1e308", None),
    ("let a = 99999999999999999999", None),
    ("let a = " + "9" * 400, "E202"),
    ("let a = 0." + "0" * 400 + "1", None),  # underflows to 0: not an overflow
    ("let a = 1e-999", None),
    ("let b1e999 = 1", None),  # a name, not a number
    ("# 1e999 in a comment\nlet a = 1", None),
    ("let " + "a" * MAX_NAME_LENGTH + " = 1", None),
    ("let " + "a" * (MAX_NAME_LENGTH + 1) + " = 1", "E004"),
    ("let a = 1\n" * (MAX_TOKENS // 4), None),
    ("let a = 1\n" * (MAX_TOKENS // 4 + 1), "E004"),
    ("# a comment\n" * (MAX_TOKENS + 1), "E004"),
])
def test_front_end_limits(text: str, code: str | None) -> None:
    found = check_limits(text)
    assert (found.code if found else None) == code


def test_token_count_matches_the_lexer_on_the_shipped_specs() -> None:
    from mlc.dsl.grammar import lark_parser

    for path in sorted(Path(__file__).parents[1].glob("specs/*.ml")):
        text = path.read_text(encoding="utf-8")
        lexed = [t for t in lark_parser().lex(text, dont_ignore=True) if t.type != "WS"]
        assert count_tokens(text) == len(lexed), path.name


@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"], ["compile", "--emit", "ir"], ["bounds"]])
def test_a_one_megabyte_spec_is_answered_quickly(command: list[str], tmp_path: Path) -> None:
    """case 8: 1 MB of duplicate `let`s made check run 105 s (33 MB of messages) and fmt --check 29.5 s.
    The token limit answers before parsing; the timeout is generous (a loaded CI machine), not a benchmark."""
    spec = tmp_path / "big.ml"
    spec.write_text("problem big\n" + "let d = 5\n" * 99_000, encoding="utf-8")
    argv = [command[0], str(spec), *command[1:]] if command[0] == "compile" else [*command, str(spec)]
    done = subprocess.run([sys.executable, "-m", "mlc.runtime.cli", *argv], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "[E004]" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr) < 2000
