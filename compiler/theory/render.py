"""Rendering of bound formulas: LaTeX (sympy.latex) and one-line Unicode text.

Input:  sympy expressions built by ``catalog`` from named symbols (m, n, d_eff, Q, delta, lambda, ...).
Output: strings.
Role:   one place that decides how formulas look in the terminal (Greek letters, √, ln) and in LaTeX.
"""

from __future__ import annotations

from functools import lru_cache

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
