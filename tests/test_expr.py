"""The expression IR's structural walk and its visitors (``mlc.compiler.expr``).

Input:  random well-formed target expressions (``expr_helpers.scalar_exprs``) and every module of mlc.
Output: pass/fail.
Role:   children()/map_children() see every sub-expression of every node type; every ExprVisitor in mlc
        handles every node type of the ``ir.Expr`` union (read off the union, not a hand-kept list); an
        incomplete visitor is refused when it is defined.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, get_args

import pytest
from hypothesis import given, settings

from mlc.compiler import ir
from mlc.compiler.expr import EXPR_NODES, ExprVisitor, walk

from expr_helpers import ToSympy, scalar_exprs

NODE_CLASSES = get_args(get_args(ir.Expr)[0])


def _dumped_nodes(value: Any) -> int:
    """How many expression nodes a JSON dump holds (every dict with a "node" key)."""
    if isinstance(value, dict):
        return ("node" in value) + sum(_dumped_nodes(v) for v in value.values())
    if isinstance(value, list):
        return sum(_dumped_nodes(v) for v in value)
    return 0


def _all_visitors() -> list[type]:
    for package in ("mlc.dsl", "mlc.compiler", "mlc.runtime"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, package + "."):
            importlib.import_module(module.name)
    found, todo = [], list(ExprVisitor.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_node_list_is_the_union() -> None:
    assert EXPR_NODES == NODE_CLASSES
    assert {cls.model_fields["node"].default for cls in NODE_CLASSES} == {
        "num", "x", "index_var", "component", "vector", "neg", "binary", "call", "norm", "dot", "sum"}


def test_every_visitor_covers_every_node() -> None:
    visitors = [v for v in _all_visitors() if v is not ToSympy]
    names = {v.__qualname__ for v in visitors}
    # the passes that used to be isinstance ladders (a visitor that disappears must be replaced knowingly)
    assert {"_Text", "_Const", "_Affine", "_Range", "_Ridge", "_Direction", "_SquaredNorm", "_Structural",
            "_Index", "_Walker", "_IndexBounds"} <= names
    for visitor in visitors + [ToSympy]:
        missing = [n.__name__ for n in NODE_CLASSES if not callable(getattr(visitor, "visit_" + n.__name__, None))]
        assert not missing, f"{visitor.__qualname__} does not handle {missing}"


def test_an_incomplete_visitor_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="does not handle the expression nodes .*Sum"):
        class Partial(ExprVisitor[int]):  # noqa: F841
            def visit_Num(self, e: ir.Num) -> int:
                return 1


@settings(max_examples=150, deadline=None, derandomize=True)
@given(scalar_exprs())
def test_children_see_every_sub_expression(e: ir.Expr) -> None:
    nodes = list(walk(e))
    assert nodes[0] is e
    assert len(nodes) == _dumped_nodes(e.model_dump(mode="json"))
    assert {type(n) for n in nodes} <= set(NODE_CLASSES)
    assert e.map_children(lambda c: c) == e
    for node in nodes:
        assert node.map_children(lambda c: c) == node
        assert list(node.map_children(lambda c: ir.Num(value=7.0)).children()) == [ir.Num(value=7.0)] * len(
            node.children())


def test_map_children_keeps_the_node_data() -> None:
    e = ir.Sum(var="k", lo=2, hi=5, body=ir.Norm(arg=ir.InputVar(), p=1.0))
    mapped = e.map_children(lambda c: ir.Num(value=1.0))
    assert (mapped.var, mapped.lo, mapped.hi, mapped.body) == ("k", 2, 5, ir.Num(value=1.0))
    leaf = ir.Vector(values=(1.0, 2.0))
    assert leaf.children() == () and leaf.map_children(lambda c: c) is leaf
