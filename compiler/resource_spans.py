"""Where a setting of a run is written: the span a resource diagnostic points at.

Input:  the desugared AST (:class:`mlc.dsl.ast.Spec`, which keeps every span), the plan, a run and an IR field
        path (``model.width``, ``input.dim``, ``data.n``, ``train.steps``...; ``runs`` for the sweep itself).
Output: :class:`Place`: the span and the source text of the statement or sweep axis that sets the run's value.
Role:   the IR carries no spans (it is hashed, and spans are not part of a run's meaning), so the resource plan
        finds them where they live: a swept value is the sweep axis that sets it (``Plan.sweep`` says which
        axis varies which quantity, with the slots it targets); a fixed one is the setting in its section, and a
        setting written as a ``let`` name is the ``let`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from mlc.compiler.ir import Plan, Run, quantity_of_field
from mlc.dsl import ast
from mlc.dsl.diagnostics import Span

SETTING_KEYS: dict[str, tuple[str, ...]] = {
    "model.width": ("width", "widths"), "model.depth": ("depth", "widths"), "data.n": ("n",),
    "data.n_test": ("n_test",), "train.steps": ("steps",), "train.record.every": ("record",)}
"""The keys a spec writes each field with (``widths`` sets both a deep net's width and depth)."""


@dataclass(frozen=True)
class Place:
    span: Span
    text: str  # the source text at the span (the first line of it)


def _text(source: str, span: Span) -> str:
    lines = source.split("\n")
    if not 1 <= span.line <= len(lines):
        return ""
    line = lines[span.line - 1]
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    return line[span.column - 1:end].strip()


def _names(node: object) -> Iterator[str]:
    """The names an expression mentions."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Call):
        for arg in node.args:
            yield from _names(arg)
    elif isinstance(node, ast.KwArg):
        yield from _names(node.value)
    elif isinstance(node, (ast.BinOp, ast.Compare)):
        yield from _names(node.left)
        yield from _names(node.right)
    elif isinstance(node, ast.Every):
        yield from _names(node.interval)
    elif isinstance(node, (ast.UnaryOp, ast.Paren)):
        yield from _names(node.operand if isinstance(node, ast.UnaryOp) else node.expr)


def _through_let(spec: ast.Spec, value: object, fallback: Span) -> Span:
    """The ``let`` a value names, if it names one; else ``fallback``."""
    lets = {s.name.name: s for s in spec.statements if isinstance(s, ast.LetStmt)}
    for name in _names(value):
        if name in lets:
            return lets[name].span
    return fallback


def _sweep_axis(spec: ast.Spec, plan: Plan, run: Run, field: str) -> Span | None:
    quantity = quantity_of_field(field)
    for block in plan.sweep:
        for axis in block.axes:
            if axis.key not in run.params or quantity not in axis.varies:
                continue
            if any(slot.owner not in (None, run.model.name) for slot in axis.targets):
                continue
            for stmt in spec.statements:
                if isinstance(stmt, ast.SweepStmt):
                    for item in stmt.block.items:
                        if isinstance(item, ast.Setting) and item.key.name == axis.key:
                            return item.span
    return None


def _settings(stmt: object) -> tuple[ast.Setting, ...]:
    if isinstance(stmt, ast.ModelStmt):
        return stmt.settings
    if isinstance(stmt, (ast.DataStmt, ast.TrainStmt)):
        return tuple(i for i in stmt.block.items if isinstance(i, ast.Setting))
    return ()


def _fixed(spec: ast.Spec, run: Run, field: str) -> Span | None:
    if field == "input.dim":
        for stmt in spec.statements:
            if isinstance(stmt, ast.InputStmt):
                return _through_let(spec, stmt.distribution, stmt.span)
        return None
    section = field.split(".", 1)[0]
    for stmt in spec.statements:
        owner_ok = {
            "model": isinstance(stmt, ast.ModelStmt) and stmt.name.name == run.model.name,
            "data": isinstance(stmt, ast.DataStmt),
            "train": isinstance(stmt, ast.TrainStmt) and (stmt.model is None or stmt.model.name == run.model.name),
        }.get(section, False)
        if not owner_ok:
            continue
        for setting in _settings(stmt):
            if setting.key.name in SETTING_KEYS.get(field, ()):
                return _through_let(spec, setting.value, setting.span)
        if section == "model" and isinstance(stmt, ast.ModelStmt):
            return stmt.span  # a family default (a ResNet's depth): the model statement
    return None


def locate(spec: ast.Spec, plan: Plan, run: Run, field: str) -> Place | None:
    """Where ``field`` of ``run`` is set (see the module docstring); ``runs``: the first sweep statement."""
    if field == "runs":
        span = next((s.span for s in spec.statements if isinstance(s, ast.SweepStmt)), None)
    else:
        span = _sweep_axis(spec, plan, run, field) or _fixed(spec, run, field)
    if span is None:
        return None
    return Place(span, _text(spec.source, span))
