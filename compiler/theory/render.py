"""Rendering of bound formulas: LaTeX (sympy.latex) and one-line Unicode text, and the generator of their table.

Input:  sympy expressions (the catalog's formulas through :meth:`~mlc.compiler.theory.symbolic.Formula.to_sympy`,
        built from named symbols m, n, d_eff, Q, delta, lambda, ...).
Output: strings; ``python -m mlc.compiler.theory.render [--check]`` writes (or checks) ``compiler/theory/_rendered.py``,
        the text and LaTeX of every formula of the catalog, which is what ``mlc bounds`` and the report print.
Role:   one place that decides how formulas look in the terminal (Greek letters, √, ln) and in LaTeX. Only the
        generator, the tests and a stale table (``catalog.rendered``) import this module, and with it sympy: the
        commands print the generated strings. Nothing from a spec reaches the generated file: it is made from the
        catalog alone.
"""

from __future__ import annotations

import argparse
import sys
from functools import lru_cache
from pathlib import Path

import sympy
from sympy.printing.str import StrPrinter

_GREEK = {"delta": "δ", "lambda": "λ", "tau": "τ", "gamma": "γ", "lambda_min": "λ_min", "d_eff": "d_eff",
          "eps_n": "ε_n", "S_m": "S_m"}


_LATEX_NAMES = {"eps_n": r"\varepsilon_n", "d_eff": r"d_{\mathrm{eff}}", "lambda_min": r"\lambda_{\min}",
                "S_m": r"S_m", "t_det": r"t_{\mathrm{det}}"}


class UnicodePrinter(StrPrinter):  # type: ignore[misc]  # sympy ships no types
    """A one-line printer: Greek symbol names, √(·) for square roots, ln for the natural log, π."""

    def _print_Symbol(self, expr: sympy.Symbol) -> str:  # noqa: N802 (sympy naming)
        name: str = expr.name
        return _GREEK.get(name, name)

    def _print_Pi(self, expr: sympy.Expr) -> str:  # noqa: N802
        return "π"

    def _print_log(self, expr: sympy.Expr) -> str:  # noqa: N802
        return f"ln({self._print(expr.args[0])})"

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:  # noqa: N802
        base, exp = expr.as_base_exp()
        if exp == sympy.Rational(1, 2):
            return f"√({self._print(base)})"
        if exp == sympy.Rational(-1, 2):
            return f"1/√({self._print(base)})"
        return str(super()._print_Pow(expr, rational))


@lru_cache(maxsize=512)  # the catalog's formulas are fixed: each is printed once per process, not once per run
def to_text(expr: sympy.Expr) -> str:
    """The one-line Unicode form of a formula."""
    text = str(UnicodePrinter({"order": "none"}).doprint(expr))
    return text.replace("**", "^").replace("*", "·")


@lru_cache(maxsize=512)
def to_latex(expr: sympy.Expr) -> str:
    """The LaTeX form of a formula (sympy.latex, natural log written \\ln)."""
    names = {s: _LATEX_NAMES[s.name] for s in expr.free_symbols if isinstance(s, sympy.Symbol) and s.name in _LATEX_NAMES}
    return str(sympy.latex(expr, ln_notation=True, order="none", symbol_names=names))


def to_pretty(expr: sympy.Expr) -> str:
    """The multi-line Unicode form (sympy.pretty), for --explain."""
    return str(sympy.pretty(expr, use_unicode=True, order="none"))


OUTPUT = Path(__file__).resolve().parent / "_rendered.py"
"""The generated table (beside this module)."""

_HEADER = '''"""The text and LaTeX of every formula of the theorem catalog. GENERATED: do not edit.

Input:  none (written by ``python -m mlc.compiler.theory.render`` from ``compiler/theory/catalog.py`` with sympy's printers,
        ``compiler/theory/render.py``; tests/test_theory_render.py regenerates it and fails when it is stale).
Output: ``RENDERED``: a formula's structural key (``Formula.key``) -> (one-line text, LaTeX).
Role:   what ``mlc bounds`` and the report print for a formula, without importing sympy (``catalog.rendered``).
"""

RENDERED: dict[str, tuple[str, str]] = {
'''


def rendered_source() -> str:
    """The generated module: for each formula of the catalog (in catalog order), its key, text and LaTeX."""
    from mlc.compiler.theory.catalog import CATALOG

    lines = [_HEADER]
    seen: set[str] = set()
    for theorem in CATALOG:
        if theorem.formula is None or theorem.formula.key in seen:
            continue
        seen.add(theorem.formula.key)
        expr = theorem.formula.to_sympy()
        lines.append(f"    # {theorem.id}\n")
        lines.append(f"    {theorem.formula.key!r}:\n        ({to_text(expr)!r},\n         {to_latex(expr)!r}),\n")
    lines.append("}\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write ``compiler/theory/_rendered.py``, or with ``--check`` say whether it is current (exit 1 if not)."""
    parser = argparse.ArgumentParser(prog="python -m mlc.compiler.theory.render", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = rendered_source()
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
    if args.check:
        if current != text:
            print(f"{OUTPUT}: out of date; run python -m mlc.compiler.theory.render", file=sys.stderr)
            return 1
        return 0
    if current != text:
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
