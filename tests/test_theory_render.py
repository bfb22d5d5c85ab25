"""The bound formulas without sympy on the numeric and text path, checked against sympy.

Input:  the theorem catalog (``mlc.compiler.theory.catalog``), its formula vocabulary (``theory.symbolic``), the
        generated text/LaTeX table (``theory._rendered``) and its generator (``theory.render``).
Output: pytest assertions.
Role:   the committed table is what the generator writes (rewrite it with ``python -m mlc.compiler.theory.render``);
        every formula's text and LaTeX are sympy's printers' (``render.to_text`` / ``to_latex``); every formula's
        plain-float value equals the sympy evaluation it replaced (``subs`` + ``N``) to 1e-12 relative on random
        inputs, and both say "undefined" at the same points; ``mlc bounds`` and ``compile-and-run`` import no sympy.
"""

from __future__ import annotations

import functools
import math
import random
from fractions import Fraction

import pytest
import sympy as sp

from mlc.compiler.theory import render
from mlc.compiler.theory._rendered import RENDERED
from mlc.compiler.theory.catalog import CATALOG, evaluate_formula, rendered
from mlc.compiler.theory.context import DEFINITIONS, Q, d, delta, m
from mlc.compiler.theory.symbolic import PI, Formula, log, number, real_value, sqrt, symbols, twice

from spec_fixtures import ROOT, TINY_SPEC, run_commands_importing_none

FORMULAS = [th for th in CATALOG if th.formula is not None]

# Ranges a run's quantities take (widths and sizes are integers; delta a probability; the rest positive).
RANGES: dict[str, tuple[float, float, bool]] = {
    "m": (1, 1e5, True), "n": (1, 1e5, True), "d": (1, 200, True), "d_eff": (1, 201, True), "L": (1, 60, True),
    "delta": (1e-4, 0.999, False), "Q": (1e-3, 1e3, False), "P": (1e-3, 1e3, False), "t": (1e-3, 1e5, False),
    "lambda": (1e-3, 100, False), "tau": (1e-3, 100, False), "S_m": (1e-3, 100, False),
    "lambda_min": (1e-6, 10, False), "eta": (1e-4, 10, False), "k": (1, 2, True),
}


def _draw(rng: random.Random, name: str, anywhere: bool) -> float:
    lo, hi, integer = (1e-3, 1e3, False) if anywhere else RANGES[name]
    v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return float(round(v)) if integer else v


@functools.lru_cache(maxsize=None)
def _sympy_defined(formula: Formula) -> sp.Expr:
    return formula.to_sympy().subs({k.to_sympy(): v.to_sympy() for k, v in DEFINITIONS.items()})


def _sympy_value(formula: Formula, values: dict[Formula, float]) -> float | None:
    """The evaluation the catalog did before (sympy: DEFINITIONS, then the numbers, then N)."""
    expr = _sympy_defined(formula).subs({sp.Symbol(k.name): v for k, v in values.items()})
    if expr.free_symbols:
        return None
    try:
        v = complex(sp.N(expr))
    except TypeError:  # zoo, nan: no number
        return None
    if abs(v.imag) > 1e-12 or not math.isfinite(v.real):
        return None
    return float(v.real)


def test_the_committed_table_is_what_the_generator_writes() -> None:
    assert render.OUTPUT.read_text(encoding="utf-8") == render.rendered_source(), (
        "compiler/theory/_rendered.py is stale: run python -m mlc.compiler.theory.render")
    assert render.main(["--check"]) == 0


@pytest.mark.parametrize("theorem", FORMULAS, ids=lambda th: th.id)
def test_text_and_latex_are_sympys_printers(theorem) -> None:  # type: ignore[no-untyped-def]
    expr = theorem.formula.to_sympy()
    assert theorem.formula.key in RENDERED
    assert rendered(theorem.formula) == (render.to_text(expr), render.to_latex(expr))


def test_a_formula_missing_from_the_table_is_printed_with_sympy() -> None:
    f = 3 * Q ** 2 / (m + 1)
    assert f.key not in RENDERED
    assert rendered(f) == (render.to_text(f.to_sympy()), render.to_latex(f.to_sympy()))


@pytest.mark.parametrize("anywhere", [False, True], ids=["run_ranges", "any_positive"])
@pytest.mark.parametrize("theorem", FORMULAS, ids=lambda th: th.id)
def test_float_value_equals_sympys(theorem, anywhere: bool) -> None:  # type: ignore[no-untyped-def]
    """Random points per formula (100 inside the ranges a run takes, 50 anywhere in (1e-3, 1e3), where logs of
    numbers below 1 make some values complex: both evaluations must say undefined there)."""
    rng = random.Random(f"{theorem.id}-{anywhere}")
    names = {s for s in theorem.formula.subs(DEFINITIONS).free_symbols}
    defined = 0
    for _ in range(50 if anywhere else 100):
        values = {s: _draw(rng, s.name, anywhere) for s in names}
        fast = evaluate_formula(theorem.formula, values)
        slow = _sympy_value(theorem.formula, values)
        assert (fast is None) == (slow is None), (values, fast, slow)
        if fast is not None and slow is not None:
            defined += 1
            assert fast == pytest.approx(slow, rel=1e-12, abs=1e-300), values
    assert defined > (50 if not anywhere else 0)


def test_a_symbol_without_a_value_leaves_no_value() -> None:
    assert evaluate_formula(3 * Q ** 2 / m, {m: 10.0}) is None
    assert evaluate_formula(3 * Q ** 2 / m, {m: 10.0, Q: 1.0}) == pytest.approx(0.3)


@pytest.mark.parametrize("formula,values", [
    (sqrt(Q), {Q: -4.0}),            # imaginary
    (log(Q), {Q: -1.0}),             # ln of a negative number: imaginary part π
    (log(Q), {Q: 0.0}),              # ln 0
    (1 / Q, {Q: 0.0}),               # division by zero (sympy: zoo)
    (Q ** -4, {Q: 0.0}),
    (Q ** number(Fraction(1, 3)), {Q: -8.0}),  # principal branch: complex
    (Q ** 2, {Q: 1e200}),            # overflow: not finite
])
def test_undefined_values_agree_with_sympy(formula: Formula, values: dict[Formula, float]) -> None:
    assert real_value(formula, values) is None
    assert _sympy_value(formula, values) is None


def test_defined_edge_values_agree_with_sympy() -> None:
    cases: list[tuple[Formula, dict[Formula, float]]] = [
        (Q ** 2, {Q: -3.0}), (Q ** 3, {Q: -2.0}), (sqrt(Q) * sqrt(Q), {Q: 2.0}), (0 ** Q, {Q: 2.0}),
        (twice(Q - 1), {Q: 0.25}), (PI ** 2 / 6, {}), (-Q / (d - 2), {Q: 1.0, d: 3.0}),
        (sqrt(Q) * sqrt(delta), {Q: -2.0, delta: -8.0}),  # imaginary × imaginary: real, as in sympy
    ]
    for formula, values in cases:
        assert real_value(formula, values) == pytest.approx(_sympy_value(formula, values), rel=1e-14), formula


def test_the_vocabulary_builds_the_same_sympy_expressions_as_sympy_operators() -> None:
    x, y = symbols("x y")
    sx, sy = sp.symbols("x y")
    pairs = [
        (3 * x ** 2 / y, 3 * sx ** 2 / sy), (2 / x, 2 / sx), (x - 2, sx - 2), (-4 / (x - 2), -4 / (sx - 2)),
        (2 ** (x + 1), 2 ** (sx + 1)), (x ** -4, sx ** -4), (sqrt(log(2 * x) / y), sp.sqrt(sp.log(2 * sx) / sy)),
        (number(Fraction(1, 2)) * sqrt(x), sp.Rational(1, 2) * sp.sqrt(sx)), (PI ** 2 / 6, sp.pi ** 2 / 6),
        (-x, -sx), (1 - x, 1 - sx), (x + 1, sx + 1), (1 + x, 1 + sx),
    ]
    for ours, theirs in pairs:
        assert sp.srepr(ours.to_sympy()) == sp.srepr(theirs)
    assert sp.srepr(twice(x + y).to_sympy()) == sp.srepr(sp.Mul(2, sx + sy, evaluate=False))
    assert x == symbols("x")[0] and hash(x) == hash(symbols("x")[0]) and x != y
    assert (3 * x / y).free_symbols == {x, y}
    with pytest.raises(TypeError):
        x + "1"  # type: ignore[operator]


def test_bounds_and_compile_and_run_import_no_sympy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The numeric and text path of the bounds: ``mlc bounds`` (text, --json, --explain) and a short ``compile-and-run``
    with ``report { bounds }``, in one fresh interpreter, checked after each."""
    spec = tmp_path / "tiny.ml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    quickstart = str(ROOT / "specs" / "quickstart.ml")
    argvs = [
        ["bounds", quickstart],
        ["bounds", "--json", quickstart],
        ["bounds", str(spec)],
        ["bounds", "--explain", str(spec)],
        ["compile-and-run", str(spec), "--no-plots", "--out", str(tmp_path / "out"), "--store", str(tmp_path / "st")],
    ]
    result = run_commands_importing_none(argvs, ("sympy", "mpmath"), tmp_path)
    assert result.returncode == 0, result.stderr
