"""Constant folding and index substitution on target-expression IR.

Input:  an :class:`~mlc.compiler.ir.Expr` tree.
Output: the float value of an x-free scalar subtree (:func:`const_value`), the tree with a sum index replaced
        by an integer (:func:`substitute`), the terms of a sum (:func:`expand_sum`).
Role:   the one folding of formulas, with the float semantics of the function table
        (``mlc.compiler.functions``): the checker folds constant indices with it, the theory its
        subtrees. Imports neither numpy, torch nor sympy (the front end uses it).
"""

from __future__ import annotations

from mlc.compiler import ir
from mlc.compiler.expr import ARITHMETIC, ExprVisitor
from mlc.compiler.functions import FUNCTIONS


def substitute(e: ir.Expr, name: str, value: int) -> ir.Expr:
    """Replace the index variable ``name`` by the integer ``value`` (inner Sums that rebind it shadow it).
    Subtrees that do not mention ``name`` are returned as they are (shared, not copied)."""
    if isinstance(e, ir.IndexVar):
        return ir.Num(value=float(value)) if e.name == name else e
    if isinstance(e, ir.Sum) and e.var == name:
        return e
    children = e.children()
    replaced = [substitute(child, name, value) for child in children]
    if all(new is old for new, old in zip(replaced, children)):
        return e
    done = iter(replaced)
    return e.map_children(lambda child: next(done))  # type: ignore[return-value]


_EXPANDED: dict[int, tuple[ir.Sum, list[ir.Expr]]] = {}
"""The terms of the sums expanded last (by ``id``; the Sum itself is kept so that the id stays its own):
the theory's passes expand the same sum several times."""
_EXPANDED_KEEP = 64


def expand_sum(e: ir.Sum) -> list[ir.Expr]:
    """The terms of a ``sum(i in lo..hi, body)`` with i substituted (the checker bounds their number:
    ``mlc.compiler.formula.MAX_SUM_TERMS``). The list is shared between calls: do not modify it."""
    cached = _EXPANDED.get(id(e))
    if cached is not None and cached[0] is e:
        return cached[1]
    terms = [substitute(e.body, e.var, i) for i in range(e.lo, e.hi + 1)]
    if len(_EXPANDED) >= _EXPANDED_KEEP:
        _EXPANDED.clear()
    _EXPANDED[id(e)] = (e, terms)
    return terms


class _Const(ExprVisitor["float | None"]):
    """The value of an x-free scalar subtree (float folding of the function table), None otherwise."""

    def visit_Num(self, e: ir.Num) -> float | None:
        return e.value

    def _x_dependent(self, e: ir.Expr) -> float | None:
        return None

    # A bare index variable is unbound here (sums substitute their index before folding).
    visit_InputVar = visit_IndexVar = visit_Component = visit_Vector = visit_Norm = visit_Dot = _x_dependent

    def visit_Neg(self, e: ir.Neg) -> float | None:
        v = self.visit(e.arg)
        return None if v is None else -v

    def visit_Binary(self, e: ir.Binary) -> float | None:
        a, b = self.visit(e.left), self.visit(e.right)
        if a is None or b is None:
            return None
        return float(ARITHMETIC[e.op](a, b))

    def visit_Call(self, e: ir.Call) -> float | None:
        vals = [self.visit(a) for a in e.args]
        if any(v is None for v in vals):
            return None
        value = FUNCTIONS[e.fn].fold(*vals)
        return value if FUNCTIONS[e.fn].arity is None else float(value)

    def visit_Sum(self, e: ir.Sum) -> float | None:
        vals = [self.visit(t) for t in expand_sum(e)]
        return None if any(v is None for v in vals) else float(sum(vals))  # type: ignore[arg-type]


_CONST = _Const()


def const_value(e: ir.Expr) -> float | None:
    """The value of an x-free scalar subtree, or None if it depends on x (or is a vector / undefined)."""
    try:
        return _CONST.visit(e)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
