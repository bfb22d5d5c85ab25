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
from typing import Mapping, cast, get_args

from mlc.compiler import ir, messages as msg
from mlc.compiler.evaluate import Number, evaluate
from mlc.compiler.expr import BinaryOp, ExprVisitor
from mlc.compiler.fold import const_value
from mlc.compiler.functions import FUNCTIONS
from mlc.dsl import ast

STRUCTURAL_FUNCTIONS = ("norm", "dot", "sum")
"""Written as calls, but nodes of their own in the IR (not entries of the function table)."""
ALL_FUNCTIONS = tuple(FUNCTIONS) + STRUCTURAL_FUNCTIONS

MAX_SUM_TERMS = 1_000
"""The most terms one ``sum(i in lo..hi, ...)`` may have."""
MAX_FORMULA_NODES = 10_000
"""The most operations a formula may have once every sum is written out (nested sums multiply)."""
MAX_FORMULA_DEPTH = 200
"""The deepest nesting of operations in a formula (a chain ``a * b * c ...`` of k factors is k deep)."""


def _binary_op(node: ast.BinOp) -> BinaryOp:
    """The IR operator of a binary AST node (the parser produces only these)."""
    if node.op not in get_args(BinaryOp):
        raise msg.fail(msg.not_arithmetic_operator(node.spelling or node.op, node.span))
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
            raise msg.fail(msg.target_is_comparison(node.span))
        raise msg.fail(msg.not_in_target(node.span))

    def scalar(self, node: ast.Expr) -> ir.Expr:
        expr, length = self.build(node)
        if length is not None:
            raise msg.fail(msg.target_expects_number(length, node.span))
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
        raise msg.fail(msg.unknown_target_name(node.id, node.span, known, self.input_name))

    def _binary(self, node: ast.BinOp) -> tuple[ir.Expr, int | None]:
        left, left_len = self.build(node.left)
        right, right_len = self.build(node.right)
        if left_len is None and right_len is None:
            if node.op == "/" and isinstance(right, ir.Num) and right.value == 0:
                raise msg.fail(msg.division_by_zero(node.right.span))
            return ir.Binary(op=_binary_op(node), left=left, right=right), None
        # Vector arithmetic: scalar*vector, vector/scalar, vector +- vector of the same length.
        if node.op == "*" and (left_len is None) != (right_len is None):
            return ir.Binary(op="*", left=left, right=right), left_len or right_len
        if node.op == "/" and right_len is None:
            return ir.Binary(op="/", left=left, right=right), left_len
        if node.op in "+-" and left_len is not None and right_len is not None:
            if left_len != right_len:
                raise msg.fail(msg.target_vector_lengths_differ(left_len, right_len, self.dim, node.span))
            return ir.Binary(op=_binary_op(node), left=left, right=right), left_len
        raise msg.fail(msg.target_vector_operator(node.spelling or node.op, node.span))

    def _index(self, node: ast.Index) -> tuple[ir.Expr, int | None]:
        base, length = self.build(node.base)
        if length is None:
            raise msg.fail(msg.only_vectors_indexed(node.base.span))
        index = self._index_expr(node.index)
        if isinstance(base, ir.Vector):
            value = const_value(index)
            if value is None:
                raise msg.fail(msg.constant_index_not_number(node.index.span))
            # The rule of constant folding (``evaluate``, for `let a = w[i]`): 1-based, within 1..len.
            if not 1 <= value <= length:
                raise msg.fail(msg.constant_index_out_of_range(value, length, node.index.span))
            return ir.Num(value=base.values[int(value) - 1]), None
        if not isinstance(base, ir.InputVar):
            raise msg.fail(msg.only_input_indexed(self.input_name, node.base.span))
        self._check_index_range(node.index, index, length)
        return ir.Component(index=index), None

    def _index_expr(self, node: ast.Expr) -> ir.Expr:
        expr = self.scalar(node)
        value = const_value(expr)
        if value is not None and not float(value).is_integer():
            raise msg.fail(msg.index_not_whole(value, node.span))
        return expr

    def _check_index_range(self, node: ast.Expr, index: ir.Expr, length: int) -> None:
        bounds = _IndexBounds(self.index_ranges).visit(index)
        if bounds is None:
            raise msg.fail(msg.index_not_integer_expression(node.span))
        lo, hi = bounds
        if lo < 1 or hi > length:
            raise msg.fail(msg.target_index_out_of_range(lo, hi, self.input_name, length, node.span))

    def _call(self, node: ast.Call) -> tuple[ir.Expr, int | None]:
        name = node.func.name
        if name not in ALL_FUNCTIONS:
            raise msg.fail(msg.unknown_target_function(name, node.func.span, ALL_FUNCTIONS))
        if name == "sum":
            return self._sum(node)
        for arg in node.args:
            if isinstance(arg, (ast.KwArg, ast.Bind)):
                raise msg.fail(msg.target_named_argument(name, arg.span))
        args = node.positional
        if name in FUNCTIONS:
            arity = FUNCTIONS[name].arity
            if arity == 1 and len(args) != 1:
                raise msg.fail(msg.takes_one_argument(name, len(args), node.span))
            if arity is None and len(args) < 2:
                raise msg.fail(msg.takes_two_or_more(name, node.span))
            return ir.Call(fn=FUNCTIONS[name].name, args=tuple(self.scalar(a) for a in args)), None
        if name == "norm":
            if len(args) not in (1, 2):
                raise msg.fail(msg.norm_arguments(node.span))
            vec, length = self.build(args[0])
            if length is None:
                raise msg.fail(msg.norm_of_number(args[0].span))
            p = 2.0
            if len(args) == 2:
                p_value = evaluate(args[1], {**self.env, "inf": math.inf})
                if p_value not in (1.0, 2.0, math.inf):
                    raise msg.fail(msg.norm_p_unsupported(p_value, args[1].span))
                p = float(p_value)
            return ir.Norm(arg=vec, p=p), None
        # dot
        if len(args) != 2:
            raise msg.fail(msg.dot_arguments(node.span))
        left, left_len = self.build(args[0])
        right, right_len = self.build(args[1])
        if left_len is None or right_len is None:
            raise msg.fail(msg.dot_of_number(node.span))
        if left_len != right_len:
            raise msg.fail(msg.dot_lengths_differ(left_len, right_len, self.dim, node.span))
        return ir.Dot(left=left, right=right), None

    def _sum(self, node: ast.Call) -> tuple[ir.Expr, int | None]:
        binds = [a for a in node.args if isinstance(a, ast.Bind)]
        others = [a for a in node.args if not isinstance(a, ast.Bind)]
        if len(binds) != 1 or len(others) != 1 or isinstance(others[0], ast.KwArg):
            raise msg.fail(msg.sum_form(node.span))
        bind = binds[0]
        lo, hi = self._sum_bound(bind.lo), self._sum_bound(bind.hi)
        if hi - lo + 1 > MAX_SUM_TERMS:
            raise msg.fail(msg.sum_too_long(hi - lo + 1, MAX_SUM_TERMS, bind.span))
        if bind.var.name in self.index_ranges or bind.var.name == self.input_name:
            raise msg.fail(msg.sum_index_in_use(bind.var.name, bind.var.span))
        self.index_ranges[bind.var.name] = (lo, hi)
        try:
            body = self.scalar(others[0])
        finally:
            del self.index_ranges[bind.var.name]
        return ir.Sum(var=bind.var.name, lo=lo, hi=hi, body=body), None

    def _sum_bound(self, node: ast.Expr) -> int:
        value = evaluate(node, self.env)
        if isinstance(value, tuple) or not float(value).is_integer():
            raise msg.fail(msg.sum_bounds_not_integers(node.span))
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
