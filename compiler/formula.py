"""Target formulas: AST expression in x -> IR expression (``mlc.compiler.ir.Expr``).

Input:  the right-hand side of ``target f*(x) = ...`` as an AST expression, the input variable's name,
        the input dimension d, and the constant environment (lets and sweep bindings).
Output: an IR expression tree with every constant folded to a number, or SpecErrors.
Role:   check the formula (unknown names and functions, arity, ``x[i]`` within 1..d, vector lengths in
        ``dot``, sums over integer ranges) and give it a form that the theory and the lowering can both
        walk. The functions and their arities are those of ``mlc.compiler.functions``. Nothing here
        evaluates text.

Limits (docs/language.md, "Limits"): every pass over a formula (folding, theory, torch) writes its sums out
term by term, so the work a formula may ask for is bounded here, before any pass runs:
:data:`MAX_SUM_TERMS` terms in one sum, :data:`MAX_FORMULA_NODES` operations once every sum is written out,
and :data:`MAX_FORMULA_DEPTH` levels of nesting (the IR is serialised for hashing, and pydantic refuses
trees deeper than 255).
"""

from __future__ import annotations

import math
from typing import Mapping, Protocol, cast, get_args

from mlc.compiler import ir
from mlc.compiler import messages as msg
from mlc.compiler.evaluate import Number, evaluate
from mlc.compiler.expr import BinaryOp, ExprVisitor
from mlc.compiler.fold import const_value
from mlc.compiler.functions import FUNCTIONS
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, Span, suggestion_help

STRUCTURAL_FUNCTIONS = ("norm", "dot", "sum")
"""Written as calls, but nodes of their own in the IR (not entries of the function table)."""
ALL_FUNCTIONS = tuple(FUNCTIONS) + STRUCTURAL_FUNCTIONS

MAX_SUM_TERMS = 1_000
"""The most terms one ``sum(i in lo..hi, ...)`` may have."""
MAX_FORMULA_NODES = 10_000
"""The most operations a formula may have once every sum is written out (nested sums multiply)."""
MAX_FORMULA_DEPTH = 200
"""The deepest nesting of operations in a formula (a chain ``a * b * c ...`` of k factors is k deep)."""


class _Spanned(Protocol):
    @property
    def span(self) -> Span: ...


def _fail(code: str, message: str, node: _Spanned, help: str | None = None) -> SpecErrors:
    return SpecErrors([Diagnostic(code, message, node.span, help=help)])


def _binary_op(node: ast.BinOp) -> BinaryOp:
    """The IR operator of a binary AST node (the parser produces only these)."""
    if node.op not in get_args(BinaryOp):
        raise _fail("E201", f"`{node.spelling or node.op}` is not an arithmetic operator", node)
    return cast(BinaryOp, node.op)  # checked just above


class FormulaBuilder:
    """Turns one target formula into IR. ``shape`` tracking: each result is a scalar or a d-vector."""

    def __init__(self, input_name: str, dim: int, env: Mapping[str, Number]):
        self.input_name = input_name
        self.dim = dim
        self.env = env
        self.index_ranges: dict[str, tuple[int, int]] = {}
        self.depth = 0
        self.root: ast.Expr | None = None  # the whole formula (where a too-deep one is reported)

    # Each method returns (ir_expr, length) where length is None for scalars and k for k-vectors.
    def build(self, node: ast.Expr) -> tuple[ir.Expr, int | None]:
        self.depth += 1
        self.root = self.root or node
        try:
            if self.depth > MAX_FORMULA_DEPTH:
                raise msg.fail(msg.formula_too_deep(MAX_FORMULA_DEPTH, self.root.span))
            return self._build(node)
        finally:
            self.depth -= 1

    def _build(self, node: ast.Expr) -> tuple[ir.Expr, int | None]:
        if isinstance(node, ast.Number):
            return ir.Num(value=node.value), None
        if isinstance(node, ast.Paren):
            return self.build(node.expr)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.VectorLit):
            values = cast(tuple[float, ...], evaluate(node, self.env, "a constant vector"))  # a literal folds to a tuple
            return ir.Vector(values=values), len(values)
        if isinstance(node, ast.UnaryOp):
            arg, length = self.build(node.operand)
            return (ir.Neg(arg=arg) if node.op == "-" else arg), length
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Index):
            return self._index(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Compare):
            raise _fail("E201", "a target is a function value, not a comparison", node)
        raise _fail("E201", "this is not allowed in a target formula", node)

    def scalar(self, node: ast.Expr) -> ir.Expr:
        expr, length = self.build(node)
        if length is not None:
            raise _fail("E201", f"expected a number here, found a vector of length {length}", node,
                        help="reduce it with `norm(...)`, `dot(w, x)` or pick a coordinate `x[i]`")
        return expr

    def _name(self, node: ast.Name) -> tuple[ir.Expr, int | None]:
        if node.id == self.input_name:
            return ir.InputVar(), self.dim
        if node.id in self.index_ranges:
            return ir.IndexVar(name=node.id), None
        if node.id in self.env or node.id in ("pi",):
            value = evaluate(node, self.env)
            if isinstance(value, tuple):
                return ir.Vector(values=value), len(value)
            return ir.Num(value=value), None
        known = [self.input_name, *self.env, *self.index_ranges, "pi"]
        raise _fail("E101", f"unknown name `{node.id}` in the target", node,
                    help=suggestion_help(node.id, known, "names in scope")
                    or f"the target may use `{self.input_name}`, `let` constants and sum indices")

    def _binary(self, node: ast.BinOp) -> tuple[ir.Expr, int | None]:
        left, left_len = self.build(node.left)
        right, right_len = self.build(node.right)
        if left_len is None and right_len is None:
            if node.op == "/" and isinstance(right, ir.Num) and right.value == 0:
                raise _fail("E202", "division by zero", node.right)
            return ir.Binary(op=_binary_op(node), left=left, right=right), None
        # Vector arithmetic: scalar*vector, vector/scalar, vector +- vector of the same length.
        if node.op == "*" and (left_len is None) != (right_len is None):
            return ir.Binary(op="*", left=left, right=right), left_len or right_len
        if node.op == "/" and right_len is None:
            return ir.Binary(op="/", left=left, right=right), left_len
        if node.op in "+-" and left_len is not None and right_len is not None:
            if left_len != right_len:
                raise _fail("E302", f"vectors of lengths {left_len} and {right_len} cannot be combined",
                            node, help=f"the input has dimension d = {self.dim}")
            return ir.Binary(op=_binary_op(node), left=left, right=right), left_len
        raise _fail("E201", f"`{node.spelling or node.op}` is not defined between these operands "
                            "(scalar and vector)", node,
                    help="use `dot(w, x)` for inner products and `norm(x)^2` for squared norms")

    def _index(self, node: ast.Index) -> tuple[ir.Expr, int | None]:
        base, length = self.build(node.base)
        if length is None:
            raise _fail("E201", "only vectors can be indexed", node.base)
        index = self._index_expr(node.index)
        if isinstance(base, ir.Vector):
            value = const_value(index)
            if value is None:
                raise _fail("E201", "a constant vector can only be indexed by a number", node.index)
            # The rule of constant folding (``evaluate``, for `let a = w[i]`): 1-based, within 1..len.
            if not 1 <= value <= length:
                raise _fail("E302", f"index {value:g} is out of range 1..{length}", node.index,
                            help="indices start at 1, as in papers: `w[1]` is the first element")
            return ir.Num(value=base.values[int(value) - 1]), None
        if not isinstance(base, ir.InputVar):
            raise _fail("E201", f"only `{self.input_name}` or a constant vector can be indexed", node.base)
        self._check_index_range(node.index, index, length)
        return ir.Component(index=index), None

    def _index_expr(self, node: ast.Expr) -> ir.Expr:
        expr = self.scalar(node)
        value = const_value(expr)
        if value is not None and not float(value).is_integer():
            raise _fail("E302", f"an index must be a whole number, not {value:g}", node,
                        help="indices start at 1, as in papers: `x[1]` is the first coordinate")
        return expr

    def _check_index_range(self, node: ast.Expr, index: ir.Expr, length: int) -> None:
        bounds = _IndexBounds(self.index_ranges).visit(index)
        if bounds is None:
            raise _fail("E201", "an index must be an integer expression of sum indices", node)
        lo, hi = bounds
        if lo < 1 or hi > length:
            shown = f"{lo:g}" if lo == hi else f"{lo:g}..{hi:g}"
            bad = lo if lo < 1 else hi
            raise _fail("E302", f"index {shown} is out of range: `{self.input_name}` has coordinates "
                                f"1..{length} (d = {length})", node,
                        help=("indices start at 1, as in papers: `x[1]` is the first coordinate"
                              if bad < 1 else f"use an index between 1 and {length}, or raise d"))

    def _call(self, node: ast.Call) -> tuple[ir.Expr, int | None]:
        name = node.func.name
        if name not in ALL_FUNCTIONS:
            raise _fail("E101", f"unknown function `{name}`", node.func,
                        help=suggestion_help(name, ALL_FUNCTIONS, "functions"))
        if name == "sum":
            return self._sum(node)
        for arg in node.args:
            if isinstance(arg, (ast.KwArg, ast.Bind)):
                raise _fail("E201", f"`{name}` takes no named arguments", arg)
        args = node.positional
        if name in FUNCTIONS:
            arity = FUNCTIONS[name].arity
            if arity == 1 and len(args) != 1:
                raise _fail("E201", f"`{name}` takes one argument, not {len(args)}", node)
            if arity is None and len(args) < 2:
                raise _fail("E201", f"`{name}` takes two or more arguments", node)
            return ir.Call(fn=FUNCTIONS[name].name, args=tuple(self.scalar(a) for a in args)), None
        if name == "norm":
            if len(args) not in (1, 2):
                raise _fail("E201", "`norm` takes a vector and optionally p: `norm(x)`, `norm(x, 1)`", node)
            vec, length = self.build(args[0])
            if length is None:
                raise _fail("E201", "`norm` takes a vector; for a number use `abs`", args[0])
            p = 2.0
            if len(args) == 2:
                p_value = evaluate(args[1], {**self.env, "inf": math.inf})
                if p_value not in (1.0, 2.0, math.inf):
                    raise _fail("E202", f"`norm` supports p = 1, 2 or inf, not {p_value}", args[1])
                p = float(p_value)
            return ir.Norm(arg=vec, p=p), None
        # dot
        if len(args) != 2:
            raise _fail("E201", "`dot` takes two vectors: `dot(w, x)`", node)
        left, left_len = self.build(args[0])
        right, right_len = self.build(args[1])
        if left_len is None or right_len is None:
            raise _fail("E201", "`dot` takes two vectors", node)
        if left_len != right_len:
            raise _fail("E302", f"`dot` of vectors of lengths {left_len} and {right_len}", node,
                        help=f"the input has dimension d = {self.dim}; give a vector of that length")
        return ir.Dot(left=left, right=right), None

    def _sum(self, node: ast.Call) -> tuple[ir.Expr, int | None]:
        binds = [a for a in node.args if isinstance(a, ast.Bind)]
        others = [a for a in node.args if not isinstance(a, ast.Bind)]
        if len(binds) != 1 or len(others) != 1 or isinstance(others[0], ast.KwArg):
            raise _fail("E201", "write a sum as `sum(i in 1..d, body)`", node)
        bind = binds[0]
        lo, hi = self._sum_bound(bind.lo), self._sum_bound(bind.hi)
        if hi - lo + 1 > MAX_SUM_TERMS:
            raise msg.fail(msg.sum_too_long(hi - lo + 1, MAX_SUM_TERMS, bind.span))
        if bind.var.name in self.index_ranges or bind.var.name == self.input_name:
            raise _fail("E102", f"`{bind.var.name}` is already in use", bind.var)
        self.index_ranges[bind.var.name] = (lo, hi)
        try:
            body = self.scalar(others[0])
        finally:
            del self.index_ranges[bind.var.name]
        return ir.Sum(var=bind.var.name, lo=lo, hi=hi, body=body), None

    def _sum_bound(self, node: ast.Expr) -> int:
        value = evaluate(node, self.env)
        if isinstance(value, tuple) or not float(value).is_integer():
            raise _fail("E201", "sum bounds must be integers", node)
        return int(value)


def build_formula(node: ast.Expr, input_name: str, dim: int, env: Mapping[str, Number]) -> ir.Expr:
    """Build the IR of a scalar target formula; raises SpecErrors."""
    expr = FormulaBuilder(input_name, dim, env).scalar(node)
    nodes = expanded_size(expr)
    if nodes > MAX_FORMULA_NODES:
        raise msg.fail(msg.formula_too_large(nodes, MAX_FORMULA_NODES, node.span))
    return expr


def expanded_size(expr: ir.Expr) -> int:
    """The number of nodes of ``expr`` once every sum is written out (what the passes over it visit);
    counted without writing anything out."""
    if isinstance(expr, ir.Sum):
        return 1 + max(0, expr.hi - expr.lo + 1) * expanded_size(expr.body)
    return 1 + sum(expanded_size(child) for child in expr.children())


class _IndexBounds(ExprVisitor["tuple[float, float] | None"]):
    """The interval of an integer index expression (sum indices range over their sum), None if unknown."""

    def __init__(self, index_ranges: Mapping[str, tuple[int, int]]) -> None:
        self.index_ranges = index_ranges

    def visit_Num(self, expr: ir.Num) -> tuple[float, float] | None:
        return expr.value, expr.value

    def visit_IndexVar(self, expr: ir.IndexVar) -> tuple[float, float] | None:
        lo, hi = self.index_ranges[expr.name]
        return float(lo), float(hi)

    def visit_Neg(self, expr: ir.Neg) -> tuple[float, float] | None:
        inner = self.visit(expr.arg)
        return None if inner is None else (-inner[1], -inner[0])

    def visit_Binary(self, expr: ir.Binary) -> tuple[float, float] | None:
        if expr.op not in "+-*":
            return None
        a, b = self.visit(expr.left), self.visit(expr.right)
        if a is None or b is None:
            return None
        if expr.op == "+":
            return a[0] + b[0], a[1] + b[1]
        if expr.op == "-":
            return a[0] - b[1], a[1] - b[0]
        products = [x * y for x in a for y in b]
        return min(products), max(products)

    def _unknown(self, expr: ir.Expr) -> None:
        return None

    visit_InputVar = visit_Component = visit_Vector = visit_Call = visit_Norm = visit_Dot = visit_Sum = _unknown
