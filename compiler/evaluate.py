"""Constant folding: numeric AST expressions -> numbers.

Input:  an AST expression (``mlc.dsl.ast``) and an environment of known constants (``let`` values, sweep
        bindings) mapping names to floats or tuples of floats (vectors).
Output: a float, or a tuple of floats for vector literals.
Role:   give meaning to every number a spec writes (``width = 2*m``, ``lr = 1/d``, ``n/(d+1)``) without
        ever handing text to an evaluator: the AST is walked by hand. Unknown names and ill-typed
        operations raise :class:`~mlc.dsl.diagnostics.SpecErrors` pointing at the offending span.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Protocol, Union

from mlc.compiler.functions import FUNCTIONS
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, Span, SpecErrors, suggestion_help

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


def _fail(code: str, message: str, node: _Spanned, help: str | None = None) -> SpecErrors:
    return SpecErrors([Diagnostic(code, message, node.span, help=help)])


def evaluate(node: ast.Expr, env: Mapping[str, Number], what: str = "a number") -> Number:
    """Evaluate a constant expression. Raises SpecErrors on unknown names, bad types or math errors."""
    if isinstance(node, ast.Number):
        return node.value
    if isinstance(node, ast.Paren):
        return evaluate(node.expr, env, what)
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in BUILTIN_CONSTANTS:
            return BUILTIN_CONSTANTS[node.id]
        raise _fail("E101", f"unknown name `{node.id}`", node,
                    help=suggestion_help(node.id, list(env) + list(BUILTIN_CONSTANTS), "known constants")
                    or "define it with `let NAME = value` or sweep it in a `sweep` block")
    if isinstance(node, ast.VectorLit):
        values = []
        for item in node.items:
            value = evaluate(item, env, what)
            if isinstance(value, tuple):
                raise _fail("E201", "vectors cannot be nested", item)
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
            raise _fail("E201", f"`{name}` takes positional arguments only here", node)
        args = [_scalar(evaluate(a, env, what), a) for a in node.positional]
        if name in ("min", "max"):
            if len(args) < 2:
                raise _fail("E201", f"`{name}` needs at least two arguments", node)
            return min(args) if name == "min" else max(args)
        if name in _UNARY:
            if len(args) != 1:
                raise _fail("E201", f"`{name}` takes one argument, not {len(args)}", node)
            try:
                return float(_UNARY[name](args[0]))
            except (ValueError, OverflowError) as exc:
                raise _fail("E202", f"`{name}({args[0]:g})` is undefined ({exc})", node) from None
        raise _fail("E101", f"unknown function `{name}` in a constant expression", node.func,
                    help=suggestion_help(name, NUMERIC_FUNCTIONS, "functions"))
    if isinstance(node, ast.Compare):
        raise _fail("E201", f"a comparison is not {what}", node)
    if isinstance(node, ast.Index):
        base = evaluate(node.base, env, what)
        if not isinstance(base, tuple):
            raise _fail("E201", "only vectors can be indexed", node.base)
        index = _scalar(evaluate(node.index, env, what), node.index)
        if index != int(index) or not 1 <= index <= len(base):
            raise _fail("E302", f"index {index:g} is out of range 1..{len(base)}", node.index)
        return base[int(index) - 1]
    raise _fail("E201", f"expected {what}", node)


def _scalar(value: Number, node: _Spanned) -> float:
    if isinstance(value, tuple):
        raise _fail("E201", "expected a number, found a vector", node)
    return value


def _binary(node: ast.BinOp, left: Number, right: Number) -> Number:
    if isinstance(left, tuple) or isinstance(right, tuple):
        if node.op == "*" and isinstance(left, tuple) and not isinstance(right, tuple):
            return tuple(right * v for v in left)
        if node.op == "*" and isinstance(right, tuple) and not isinstance(left, tuple):
            return tuple(left * v for v in right)
        if node.op in "+-" and isinstance(left, tuple) and isinstance(right, tuple):
            if len(left) != len(right):
                raise _fail("E302", f"vectors of lengths {len(left)} and {len(right)} cannot be added", node)
            sign = 1.0 if node.op == "+" else -1.0
            return tuple(a + sign * b for a, b in zip(left, right))
        raise _fail("E201", f"`{node.op}` is not defined for these vector operands", node)
    try:
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            if right == 0:
                raise _fail("E202", "division by zero", node.right)
            return left / right
        result = left ** right
        if isinstance(result, complex):
            raise _fail("E202", f"{left:g}^{right:g} is not a real number", node)
        return float(result)
    except OverflowError:
        raise _fail("E202", "the value overflows", node) from None
