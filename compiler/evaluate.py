"""Constant folding: numeric AST expressions -> numbers.

Input:  an AST expression (``mlc.dsl.ast``) and an environment of known constants (``let`` values, sweep
        bindings) mapping names to floats or tuples of floats (vectors).
Output: a float, or a tuple of floats for vector literals.
Role:   give meaning to every number a spec writes (``width = 2*m``, ``lr = 1/d``, ``n/(d+1)``) without
        ever handing text to an evaluator: the AST is walked by hand. Unknown names and ill-typed
        operations raise :class:`~mlc.dsl.diagnostics.SpecErrors` pointing at the offending span.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Mapping, Protocol, Union

from mlc.compiler import messages as msg
from mlc.compiler.functions import FUNCTIONS
from mlc.dsl import ast
from mlc.dsl.diagnostics import Span

Number = Union[float, tuple[float, ...]]

BUILTIN_CONSTANTS: dict[str, float] = {"pi": math.pi, "inf": math.inf}

# The target functions of one argument fold as the function table says; constants may also use these.
_UNARY: dict[str, Callable[[float], float]] = {
    **{f.name: f.fold for f in FUNCTIONS.values() if f.arity == 1},
    "floor": math.floor, "ceil": math.ceil, "log2": math.log2, "log10": math.log10,
}
NUMERIC_FUNCTIONS = tuple(_UNARY) + ("min", "max")


class _Spanned(Protocol):
    """Any AST node: a diagnostic points at its span."""

    @property
    def span(self) -> Span: ...


def evaluate(node: ast.Expr, env: Mapping[str, Number], what: str = "a number") -> Number:
    """Evaluate a constant expression. Raises SpecErrors on unknown names, bad types or math errors."""
    if isinstance(node, ast.Number):
        return node.value
    if isinstance(node, ast.Paren):
        return evaluate(node.expr, env, what)
    if isinstance(node, ast.StringLit):
        raise msg.fail(msg.string_not_a_value(node.span))
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in BUILTIN_CONSTANTS:
            return BUILTIN_CONSTANTS[node.id]
        raise msg.fail(msg.unknown_name(node.id, node.span, list(env) + list(BUILTIN_CONSTANTS)))
    if isinstance(node, ast.VectorLit):
        values = []
        for item in node.items:
            value = evaluate(item, env, what)
            if isinstance(value, tuple):
                raise msg.fail(msg.nested_vector(item.span))
            values.append(value)
        return tuple(values)
    if isinstance(node, ast.UnaryOp):
        value = _scalar(evaluate(node.operand, env, what), node.operand)
        return -value if node.op == "-" else value
    if isinstance(node, ast.BinOp):
        left = evaluate(node.left, env, what)
        right = evaluate(node.right, env, what)
        return _binary(node, left, right)
    if isinstance(node, ast.Call):
        name = node.func.name
        if node.keywords or any(isinstance(a, ast.Bind) for a in node.args):
            raise msg.fail(msg.positional_only(name, node.span))
        args = [_scalar(evaluate(a, env, what), a) for a in node.positional]
        if name in ("min", "max"):
            if len(args) < 2:
                raise msg.fail(msg.wrong_arity(name, "at least two arguments", node.span))
            return min(args) if name == "min" else max(args)
        if name in _UNARY:
            if len(args) != 1:
                raise msg.fail(msg.wrong_arity(name, f"one argument, not {len(args)}", node.span))
            try:
                return float(_UNARY[name](args[0]))
            except (ValueError, OverflowError) as exc:
                raise msg.fail(msg.undefined_at(name, args[0], str(exc), node.span)) from None
        raise msg.fail(msg.unknown_constant_function(name, node.func.span, NUMERIC_FUNCTIONS))
    if isinstance(node, ast.Compare):
        raise msg.fail(msg.not_a_value(what, "a comparison", node.span))
    if isinstance(node, ast.Index):
        base = evaluate(node.base, env, what)
        if not isinstance(base, tuple):
            raise msg.fail(msg.only_vectors_indexed(node.base.span))
        index = _scalar(evaluate(node.index, env, what), node.index)
        if not float(index).is_integer() or not 1 <= index <= len(base):  # is_integer: False for inf and nan
            raise msg.fail(msg.index_out_of_range(index, len(base), node.index.span))
        return base[int(index) - 1]
    raise msg.fail(msg.expected_value(what, node.span))


def name_nodes(node: object) -> list[ast.Name]:
    """Every bare name in ``node`` (an AST node, or a list of them), in order: what a value depends on."""
    found: list[ast.Name] = []

    def walk(item: object) -> None:
        if isinstance(item, ast.Name):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            for child in item:
                walk(child)
        elif dataclasses.is_dataclass(item) and not isinstance(item, (ast.Ident, Span, type)):
            for f in dataclasses.fields(item):
                walk(getattr(item, f.name))

    walk(node)
    return found


def _scalar(value: Number, node: _Spanned) -> float:
    if isinstance(value, tuple):
        raise msg.fail(msg.vector_not_number(node.span))
    return value


def _binary(node: ast.BinOp, left: Number, right: Number) -> Number:
    if isinstance(left, tuple) or isinstance(right, tuple):
        if node.op == "*" and isinstance(left, tuple) and not isinstance(right, tuple):
            return tuple(right * v for v in left)
        if node.op == "*" and isinstance(right, tuple) and not isinstance(left, tuple):
            return tuple(left * v for v in right)
        if node.op in "+-" and isinstance(left, tuple) and isinstance(right, tuple):
            if len(left) != len(right):
                raise msg.fail(msg.vector_lengths_differ(len(left), len(right), node.span))
            sign = 1.0 if node.op == "+" else -1.0
            return tuple(a + sign * b for a, b in zip(left, right))
        raise msg.fail(msg.vector_operator(node.op, node.span))
    try:
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            if right == 0:
                raise msg.fail(msg.division_by_zero(node.right.span))
            return left / right
        result = left ** right
        if isinstance(result, complex):
            raise msg.fail(msg.not_real(left, right, node.span))
        return float(result)
    except OverflowError:
        raise msg.fail(msg.overflow(node.span)) from None
