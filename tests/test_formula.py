"""Target formulas: AST -> IR (``mlc.compiler.formula``), indexing and the function table's arities.

Input:  small specs around one base spec.
Output: pass/fail.
Role:   indices of constant vectors follow the same 1-based rule in a target as in a ``let`` (issue 9,
        bug 4: ``w[0]`` silently meant the last element); each function's arity comes from the table.
"""

from __future__ import annotations

import pytest

from mlc.compiler import ir
from mlc.compiler.functions import FUNCTIONS
from mlc.compiler.pipeline import compile_text

BASE = """problem t
let d = 3
let w = [1, 2, 3]
input x ~ uniform(cube(d))
data { n = 10  n_test = 10 }
model net = two_layer(width = 4)
train net { steps = 1 }
"""


def _target(formula: str):  # noqa: ANN202
    return compile_text(BASE + f"target f*(x) = {formula}\n", "t.ml")


@pytest.mark.parametrize("index, value", [("1", 1.0), ("3", 3.0), ("d - 1", 2.0)])
def test_constant_vector_indices_are_one_based(index: str, value: float) -> None:
    outcome = _target(f"w[{index}] * x[1]")
    assert outcome.ok, outcome.rendered
    assert outcome.plan.runs[0].target.expr == ir.Binary(op="*", left=ir.Num(value=value),
                                                         right=ir.Component(index=ir.Num(value=1.0)))


@pytest.mark.parametrize("index", ["0", "-1", "4", "1e9", "d - 3", "2 * d"])
def test_out_of_range_vector_index_in_a_target_is_e302_as_in_a_let(index: str) -> None:
    outcome = _target(f"w[{index}] * x[1]")
    assert [d.code for d in outcome.errors] == ["E302"], outcome.rendered
    assert "out of range 1..3" in outcome.errors[0].message
    let = compile_text(BASE + f"let a = w[{index}]\ntarget f*(x) = a * x[1]\n", "t.ml")
    assert [d.code for d in let.errors] == ["E302"]


@pytest.mark.parametrize("formula", ["w[1.5] * x[1]", "x[1.5]", "x[3 / 2]"])
def test_fractional_or_infinite_index_is_e302_as_in_a_let(formula: str) -> None:
    outcome = _target(formula)
    assert [d.code for d in outcome.errors] == ["E302"], outcome.rendered
    let = compile_text(BASE + "let a = w[1.5]\ntarget f*(x) = a * x[1]\n", "t.ml")
    assert [d.code for d in let.errors] == ["E302"]


@pytest.mark.parametrize("formula, code", [("x[1e300 * 1e300]", "E302"), ("sum(i in 1..1e300 * 1e300, x[1])", "E201"),
                                           ("sum(i in 1.5..3, x[1])", "E201")])
def test_huge_or_fractional_indices_and_sum_bounds_are_diagnostics(formula: str, code: str) -> None:
    # issue 9: an infinite index or sum bound was an OverflowError traceback (a literal 1e999 is E202 in the front end)
    assert [d.code for d in _target(formula).errors] == [code]


def test_a_sum_index_may_not_index_a_constant_vector() -> None:
    assert [d.code for d in _target("sum(i in 1..3, w[i] * x[i])").errors] == ["E201"]


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_arity_comes_from_the_table(name: str) -> None:
    one = _target(f"{name}(x[1])")
    two = _target(f"{name}(x[1], x[2])")
    if FUNCTIONS[name].arity == 1:
        assert one.ok and [d.code for d in two.errors] == ["E201"]
        assert "takes one argument, not 2" in two.errors[0].message
    else:
        assert two.ok and [d.code for d in one.errors] == ["E201"]
        assert "two or more arguments" in one.errors[0].message
