"""The one table of target-formula functions (``mlc.compiler.functions``): every back end, and they agree.

Input:  the table; random arguments and random expressions (hypothesis, derandomised).
Output: pass/fail.
Role:   every function has every back end (fold, torch, sympy, interval, jet); the names are those of
        ``ir.Call.fn``; float folding, torch and sympy agree on random inputs, function by function and on
        whole formulas (const folding of the theory, the lowering's torch walk, an exact sympy walk); the
        ridge jets are the sympy derivatives; the interval enclosures are sound; the activations of models
        and teachers come from the same table; and the table imports neither torch nor sympy.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import assume, given, settings, strategies as st

from mlc.compiler import formula, ir
from mlc.compiler.functions import ACTIVATIONS, FUNCTIONS, FunctionName
from mlc.compiler.lower.families import activation as family_activation
from mlc.compiler.lower.targets import activation as target_activation, formula_function
from mlc.compiler.fold import const_value
from mlc.compiler.theory.exprs import interval_range

from expr_helpers import D, scalar_exprs, sympy_value

NAMES = list(FUNCTIONS)
SMOOTH_DOMAIN = {"log": (1e-3, 6.0), "sqrt": (1e-3, 6.0)}


def _args(name: str, draw_float) -> list[float]:  # noqa: ANN001
    lo, hi = SMOOTH_DOMAIN.get(name, (-6.0, 6.0))
    n = 1 if FUNCTIONS[name].arity == 1 else 3
    return [draw_float(lo, hi) for _ in range(n)]


def test_every_function_has_every_backend() -> None:
    assert tuple(FUNCTIONS) == get_args(FunctionName) == get_args(ir.Call.model_fields["fn"].annotation)
    for name, f in FUNCTIONS.items():
        assert f.name == name and f.arity in (1, None)
        for backend in (f.fold, f.torch, f.sympy, f.interval, f.jet):
            assert callable(backend), (name, backend)
    # the per-function Barron rules of REFERENCE §4 (the others are bounded by formula (R))
    assert {n for n, f in FUNCTIONS.items() if f.barron is not None} == {"relu", "abs", "sin", "cos", "min", "max"}


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_fold_torch_and_sympy_agree(name: str, data: st.DataObject) -> None:
    f = FUNCTIONS[name]
    args = _args(name, lambda lo, hi: data.draw(st.floats(lo, hi, allow_nan=False)))
    folded = f.fold(*args)
    torched = float(f.torch(torch, *(torch.tensor(a, dtype=torch.float64) for a in args)))
    exact = complex(sp.N(f.sympy(sp, *(sp.Rational(a) for a in args)), 30))
    assert exact.imag == 0
    assert folded == pytest.approx(exact.real, rel=1e-13, abs=1e-15)
    assert torched == pytest.approx(exact.real, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name", [n for n, f in FUNCTIONS.items() if f.arity == 1 and n not in ("relu", "abs")])
def test_jets_are_the_sympy_derivatives(name: str) -> None:
    f = FUNCTIONS[name]
    lo, hi = SMOOTH_DOMAIN.get(name, (-3.0, 3.0))
    v = np.linspace(lo, hi, 41)
    g, g1, g2 = f.jet(np, [(v, np.ones_like(v), np.zeros_like(v))])
    u = sp.Symbol("u")
    s = f.sympy(sp, u)
    for k, jet in enumerate((g, g1, g2)):
        exact = [float(sp.diff(s, u, k).subs(u, sp.Rational(p))) for p in v]
        np.testing.assert_allclose(jet, exact, rtol=1e-12, atol=1e-12)
    # the chain rule: s(2v + 1) has derivatives 2 s'(.) and 4 s''(.)
    w = (v - 1) / 2
    h, h1, h2 = f.jet(np, [(2 * w + 1, np.full_like(w, 2.0), np.zeros_like(w))])
    np.testing.assert_allclose((h, h1, h2), (g, 2 * g1, 4 * g2), rtol=1e-12, atol=1e-12)


def test_kinks_and_branches_are_c2_only_piecewise() -> None:
    v = np.linspace(0.5, 2.0, 5)
    ones, zeros = np.ones_like(v), np.zeros_like(v)
    assert np.array_equal(FUNCTIONS["relu"].jet(np, [(-v, -ones, zeros)])[0], zeros)
    assert np.array_equal(FUNCTIONS["abs"].jet(np, [(-v, -ones, zeros)])[1], ones)
    assert "changes sign" in FUNCTIONS["relu"].jet(np, [(v - 1, ones, zeros)])
    assert np.array_equal(FUNCTIONS["max"].jet(np, [(v, ones, zeros), (v + 1, ones, zeros)])[0], v + 1)
    assert "switches branch" in FUNCTIONS["min"].jet(np, [(v, ones, zeros), (2 - v, -ones, zeros)])


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_interval_enclosures_are_sound(name: str, data: st.DataObject) -> None:
    f = FUNCTIONS[name]
    ranges = []
    for _ in range(1 if f.arity == 1 else 2):
        a, b = data.draw(st.floats(-8, 8)), data.draw(st.floats(-8, 8))
        ranges.append((min(a, b), max(a, b)))
    lo, hi = f.interval(ranges)
    for _ in range(20):
        point = [data.draw(st.floats(r[0], r[1])) for r in ranges]
        try:
            value = f.fold(*point)
        except ValueError:  # outside the function's domain: the enclosure must then be unbounded
            assert (lo, hi) == (-math.inf, math.inf)
            continue
        assert lo - 1e-12 <= value <= hi + 1e-12


def test_activations_come_from_the_table() -> None:
    assert set(ACTIVATIONS) == set(get_args(ir.Activation))
    t = torch.linspace(-3, 3, 13, dtype=torch.float64)
    for name in get_args(ir.Activation):
        expected = t if name == "identity" else FUNCTIONS[name].torch(torch, t)
        assert torch.equal(family_activation(name)(t), expected)
        assert torch.equal(target_activation(name)(t), expected)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(scalar_exprs(), st.lists(st.floats(-1, 1), min_size=D, max_size=D))
def test_whole_formulas_agree_in_sympy_torch_and_folding(e: ir.Expr, point: list[float]) -> None:
    exact = sympy_value(e, point)
    assume(exact is not None and exact.imag == 0 and abs(exact.real) < 1e8)
    with np.errstate(all="ignore"):
        torched = float(formula_function(e)(torch.tensor([point], dtype=torch.float64))[0])
    assume(math.isfinite(torched))
    assert torched == pytest.approx(exact.real, rel=1e-6, abs=1e-6)
    folded = const_value(e)
    if folded is not None:  # x-free: the theory's float folding gives the same number
        assert folded == pytest.approx(exact.real, rel=1e-6, abs=1e-6)
    iv = interval_range(e, D)  # and the theory's enclosure holds it (x lies in the unit box)
    assert iv.lo - 1e-6 * (1 + abs(iv.lo)) <= exact.real <= iv.hi + 1e-6 * (1 + abs(iv.hi))


def test_the_language_reference_lists_the_table() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    listed = re.search(r"Target formulas may use the input variable and these functions: `([^`]*)`", text)
    assert listed is not None
    assert listed.group(1).split() == list(formula.ALL_FUNCTIONS)


def test_the_table_and_the_front_end_import_neither_torch_nor_sympy() -> None:
    code = ("import sys; import mlc.compiler.functions, mlc.compiler.formula, mlc.compiler.ir; "
            "print(sorted(m for m in ('torch', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
