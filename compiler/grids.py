"""Spaced grids of numbers: ``linspace(a, b, k)``, ``logspace(a, b, k)`` (10^a ... 10^b), ``geomspace(a, b, k)``.

Input:  an AST call of one of the three and the environment of constants.
Output: the k numbers, as floats, in order.
Role:   the one meaning of a spaced grid, for every place that takes one: a sweep axis
        (``sweep { m = logspace(0.5, 3, 8) }``) and a record grid (``record = at logspace(-2, 12, 141): ...``).
"""

from __future__ import annotations

import math
from typing import Mapping

from mlc.compiler import messages as msg
from mlc.compiler.evaluate import Number, evaluate
from mlc.dsl import ast

SPACES = ("linspace", "logspace", "geomspace")


def is_space(node: ast.Value) -> bool:
    """Whether ``node`` is a call of a spaced grid."""
    return isinstance(node, ast.Call) and node.func.name in SPACES


def count_of(node: ast.Call, env: Mapping[str, Number]) -> float | None:
    """The count a spaced grid asks for (its third argument), before any point is made; None if it has none
    or it is not a finite number (then :func:`spaced` says what is wrong)."""
    if len(node.positional) != 3:
        return None
    count = evaluate(node.positional[2], env)
    return None if isinstance(count, tuple) or not math.isfinite(count) else count


def spaced(node: ast.Call, env: Mapping[str, Number]) -> list[float]:
    """The numbers of ``linspace``/``logspace``/``geomspace(start, stop, count)``; raises SpecErrors on a bad
    form, a count that is not a whole number ≥ 1, a geomspace end that is not positive, or a logspace whose
    10^stop overflows. Callers bound the count first (:func:`count_of`): each has its own limit."""
    args = node.positional
    if len(args) != 3 or node.keywords:
        raise msg.fail(msg.write_as(f"{node.func.name}(start, stop, count)", node.span))
    a, b, k = (evaluate(x, env) for x in args)
    if isinstance(a, tuple) or isinstance(b, tuple) or isinstance(k, tuple) \
            or not float(k).is_integer() or k < 1:  # float(): inf and nan are not counts
        raise msg.fail(msg.count_not_positive(args[2].span))
    count = int(k)
    if node.func.name == "geomspace":
        if a <= 0 or b <= 0:
            raise msg.fail(msg.geomspace_not_positive(node.span))
        la, lb = math.log(a), math.log(b)
        return [math.exp(la + (lb - la) * i / (count - 1)) for i in range(count)] if count > 1 else [a]
    grid = [a + (b - a) * i / (count - 1) for i in range(count)] if count > 1 else [a]
    if node.func.name != "logspace":
        return grid
    try:
        return [10.0 ** v for v in grid]
    except OverflowError:  # logspace(0.5, 1e10, 8): 10^(1e10) (found by the fuzzer)
        raise msg.fail(msg.overflow(node.span)) from None
