"""The small expression vocabulary the bound formulas are written in: symbols, numbers, + − × ÷ ^, √, ln, π.

Input:  Python operators on :func:`symbols` and numbers (``3 * Q ** 2 / m``), :func:`sqrt`, :func:`log`, :data:`PI`,
        :func:`twice`, exactly as the catalog (``theory.catalog``, ``theory.theorem_rules``) writes its formulas.
Output: immutable :class:`Formula` trees: their value at given numbers (:func:`real_value`, plain float
        arithmetic), their free symbols, a structural :attr:`Formula.key`, and on request the sympy expression
        (:meth:`Formula.to_sympy`, the only place that imports sympy).
Role:   the formulas are written once, here in this vocabulary, so that evaluating a bound and printing it
        (through the text and LaTeX that ``theory.render`` generates into ``theory._rendered`` with sympy's
        printers) need no sympy at run time: ``mlc bounds`` and ``compile-and-run`` do not import it.
        :meth:`Formula.to_sympy` replays the same Python operators on sympy objects, so it gives the very sympy
        expression the catalog held when it was written with sympy (its printing is unchanged).

Evaluation (:func:`real_value`) follows the sympy evaluation it replaces (``subs`` then ``N``; a complex value
with an imaginary part above 1e-12 or a non-finite real part counts as undefined): float arithmetic, redone in
complex arithmetic (principal branches for √, ln and powers of negative numbers, as sympy's) only where a negative
number meets a root, a logarithm or a fractional power. Division by zero and ln 0 are undefined (None) where sympy
gave ``zoo``; a power too large for a float is ±inf as in IEEE arithmetic (its reciprocal is 0, as sympy's tiny
value read as a float). sympy's numbers have no exponent limit, so far outside the values a run takes (a width of
1e300) the two can differ; tests/test_theory_render.py compares them on random inputs.
"""

from __future__ import annotations

import cmath
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Mapping, Union

if TYPE_CHECKING:
    import sympy

Number = Union[int, Fraction, float]
Operand = Union["Formula", int, Fraction, float]


class Formula:
    """One node of a formula: ``op`` is ``sym`` (``name``), ``num`` (``number``), ``pi``, a binary operation
    (``add``, ``sub``, ``mul``, ``div``, ``pow``: two ``args``) or a unary one (``neg``, ``sqrt``, ``log``,
    ``twice``: one). Equal trees have equal keys, hash and compare equal (a symbol is a valid dict key)."""

    __slots__ = ("op", "args", "name", "number", "key", "_hash", "_free")

    def __init__(self, op: str, args: tuple[Formula, ...] = (), *, name: str = "", number: Number = 0) -> None:
        self.op = op
        self.args = args
        self.name = name
        self.number = number
        if op == "sym":
            self.key = name
        elif op == "num":
            self.key = repr(number) if not isinstance(number, Fraction) else f"{number.numerator}/{number.denominator}"
        elif op == "pi":
            self.key = "pi()"  # not a symbol's name
        else:
            self.key = f"{op}({','.join(a.key for a in args)})"
        self._hash = hash(self.key)
        free: frozenset[Formula] = frozenset((self,)) if op == "sym" else frozenset()
        for a in args:
            free |= a.free_symbols
        self._free = free

    # -- structure ---------------------------------------------------------------------------------

    @property
    def free_symbols(self) -> frozenset[Formula]:
        """The symbols the formula is written in (before any definition is substituted)."""
        return self._free

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Formula) and other.key == self.key

    def __repr__(self) -> str:
        return self.key

    def subs(self, definitions: Mapping[Formula, Formula]) -> Formula:
        """The formula with each symbol of ``definitions`` replaced by its definition (once, not recursively)."""
        if self.op == "sym":
            return definitions.get(self, self)
        if not self.args or not (self._free & definitions.keys()):
            return self
        return Formula(self.op, tuple(a.subs(definitions) for a in self.args), name=self.name, number=self.number)

    # -- operators: the same expressions as on sympy objects ---------------------------------------

    def __add__(self, other: Operand) -> Formula:
        return Formula("add", (self, _lift(other)))

    def __radd__(self, other: Operand) -> Formula:
        return Formula("add", (_lift(other), self))

    def __sub__(self, other: Operand) -> Formula:
        return Formula("sub", (self, _lift(other)))

    def __rsub__(self, other: Operand) -> Formula:
        return Formula("sub", (_lift(other), self))

    def __mul__(self, other: Operand) -> Formula:
        return Formula("mul", (self, _lift(other)))

    def __rmul__(self, other: Operand) -> Formula:
        return Formula("mul", (_lift(other), self))

    def __truediv__(self, other: Operand) -> Formula:
        return Formula("div", (self, _lift(other)))

    def __rtruediv__(self, other: Operand) -> Formula:
        return Formula("div", (_lift(other), self))

    def __pow__(self, other: Operand) -> Formula:
        return Formula("pow", (self, _lift(other)))

    def __rpow__(self, other: Operand) -> Formula:
        return Formula("pow", (_lift(other), self))

    def __neg__(self) -> Formula:
        return Formula("neg", (self,))

    # -- numbers -----------------------------------------------------------------------------------

    def value(self, values: Mapping[Formula, float], complex_arithmetic: bool = False) -> Any:
        """The value at ``values`` (a number per free symbol): a float, or with ``complex_arithmetic`` a complex
        number (principal branches). Raises KeyError for a symbol without a value, ZeroDivisionError or
        ValueError (ln 0) where the value is undefined, and :class:`NeedsComplex` in float arithmetic where a
        square root, logarithm or power of a negative number makes it complex."""
        op = self.op
        if op == "sym":
            v = values[self]
            return complex(v) if complex_arithmetic else float(v)
        if op == "num":
            return complex(self.number) if complex_arithmetic else float(self.number)
        if op == "pi":
            return complex(math.pi) if complex_arithmetic else math.pi
        x = self.args[0].value(values, complex_arithmetic)
        if op == "neg":
            return -x
        if op == "sqrt":
            return cmath.sqrt(x) if complex_arithmetic else math.sqrt(_non_negative(x))
        if op == "log":
            return cmath.log(x) if complex_arithmetic else math.log(_non_negative(x))
        if op == "twice":
            return 2 * x
        y = self.args[1].value(values, complex_arithmetic)
        if op == "add":
            return x + y
        if op == "sub":
            return x - y
        if op == "mul":
            return x * y
        if op == "div":
            return x / y
        if op == "pow":
            return _complex_power(x, y) if complex_arithmetic else _power(x, y)
        raise AssertionError(f"unknown formula node {op}")

    # -- sympy -------------------------------------------------------------------------------------

    def to_sympy(self) -> sympy.Expr:
        """The sympy expression: the same operators applied to sympy symbols and numbers (imports sympy)."""
        import sympy as sp

        op = self.op
        if op == "sym":
            return sp.Symbol(self.name)
        if op == "num":  # the number sympy's operators would have made of a Python int, Fraction or float
            v = self.number
            if isinstance(v, Fraction):
                return sp.Rational(v.numerator, v.denominator)
            return sp.Integer(v) if isinstance(v, int) else sp.Float(v)
        if op == "pi":
            return sp.pi
        x: Any = self.args[0].to_sympy()
        if op == "neg":
            return -x
        if op == "sqrt":
            return sp.sqrt(x)
        if op == "log":
            return sp.log(x)
        if op == "twice":
            return sp.Mul(2, x, evaluate=False)  # kept apart: "2 × the bound on L = MSE/2" reads as such
        y: Any = self.args[1].to_sympy()
        if op == "add":
            return x + y
        if op == "sub":
            return x - y
        if op == "mul":
            return x * y
        if op == "div":
            return x / y
        if op == "pow":
            return x ** y
        raise AssertionError(f"unknown formula node {op}")


def _lift(v: Operand) -> Formula:
    if isinstance(v, Formula):
        return v
    if isinstance(v, bool) or not isinstance(v, (int, Fraction, float)):
        raise TypeError(f"a formula combines formulas and numbers, not {type(v).__name__}")
    return Formula("num", number=v)


class NeedsComplex(ArithmeticError):
    """Float arithmetic met a square root, logarithm or fractional power of a negative number."""


def _non_negative(x: float) -> float:
    if x < 0:
        raise NeedsComplex(x)
    return x


def _power(x: float, y: float) -> float:
    """x ** y in floats: a power too large for a float is ±inf (IEEE's, as a float product gives: its reciprocal
    is 0, as sympy's tiny value read as a float)."""
    if x == 0 and y < 0:
        raise ZeroDivisionError("0 to a negative power")
    integer = y.is_integer()
    if x < 0 and not integer:
        raise NeedsComplex(x)
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and integer and int(y) % 2 else math.inf


def _complex_power(x: complex, y: complex) -> complex:
    """x ** y on the principal branch (sympy's); an integer power by repeated multiplication (exact signs)."""
    if y.imag == 0 and y.real.is_integer():
        if x == 0 and y.real < 0:
            raise ZeroDivisionError("0 to a negative power")
        return x ** int(y.real)
    if x == 0:
        if y.real > 0:
            return 0j
        raise ZeroDivisionError("0 to a non-positive power")
    return x ** y


def symbols(names: str) -> tuple[Formula, ...]:
    """Symbols by name, separated by spaces (as ``sympy.symbols``)."""
    return tuple(Formula("sym", name=name) for name in names.split())


def number(v: Number) -> Formula:
    """A number as a formula (a Fraction stays exact: ``number(Fraction(1, 2))`` is sympy's ``Rational(1, 2)``)."""
    return _lift(v)


def sqrt(x: Operand) -> Formula:
    """√x (sympy's ``sqrt``)."""
    return Formula("sqrt", (_lift(x),))


def log(x: Operand) -> Formula:
    """The natural logarithm (sympy's ``log``)."""
    return Formula("log", (_lift(x),))


def twice(x: Operand) -> Formula:
    """2 × x, kept as a product when printed (sympy's ``Mul(2, x, evaluate=False)``)."""
    return Formula("twice", (_lift(x),))


PI = Formula("pi")
"""π."""


def real_value(formula: Formula, values: Mapping[Formula, float]) -> float | None:
    """The real value of ``formula`` at ``values``; None where a symbol has no value, the value is undefined or
    not finite, or it has an imaginary part above 1e-12 (the rule of the sympy evaluation this replaces). Float
    arithmetic, and complex arithmetic only where a negative number meets a root, a logarithm or a power."""
    try:
        try:
            return _finite(formula.value(values))
        except NeedsComplex:
            v = formula.value(values, complex_arithmetic=True)
    except (KeyError, ZeroDivisionError, ValueError, OverflowError):
        return None
    if abs(v.imag) > 1e-12:
        return None
    return _finite(v.real)


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None
