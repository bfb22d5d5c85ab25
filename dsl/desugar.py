"""Desugaring: faithful AST -> the AST the checker reads.

Input:  a faithful :class:`~mlc.dsl.ast.Spec` from :func:`mlc.dsl.parser.parse` (syntax-clean).
Output: a new :class:`~mlc.dsl.ast.Spec` with the sugar resolved, and the diagnostics for what was written
        where the language gives it no meaning (E201).
Role:   the one place where what was written becomes what it stands for, so that the parser stays
        faithful and the formatter prints exactly what the user wrote. Runs between parsing and checking
        (:mod:`mlc.compiler.pipeline`). The rules, in full:

* the three model forms become one :class:`~mlc.dsl.ast.ModelStmt`: ``model NAME = family(k = v, ...)``
  (its named arguments become settings, positional ones are kept in ``positional`` for the checker to
  report), ``model NAME = family { ... }`` and ``model family { ... }`` (the name defaults to the family);
* an ``until`` in a model block has no place in a model: E201 (it belongs in the ``train`` block);
* an index binding ``i in lo..hi`` is an argument of ``sum`` only; anywhere else (a model call, a
  distribution, an optimizer...) it is E201 rather than silently ignored;
* ``loss = mse/2`` (half the MSE, the normalisation of the theorems) is the loss ``half_mse``, in a train block and
  in a sweep (`sweep { loss = [mse, mse/2] }`).

Nothing here evaluates anything or knows a family's settings; that is the checker's job.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from mlc.dsl import ast, messages
from mlc.dsl.diagnostics import Diagnostic

BINDERS = ("sum",)
"""The functions whose arguments may bind an index (``sum(i in 1..d, x[i]^2)``)."""

HALF_MSE = "half_mse"
"""The checker's name for the loss written ``mse/2``."""


def desugar(spec: ast.Spec) -> tuple[ast.Spec, list[Diagnostic]]:
    """The desugared spec and the diagnostics for misplaced constructs. Never raises."""
    diagnostics = _misplaced_binds(spec.statements, spec.source)
    statements: list[ast.Statement] = []
    for stmt in spec.statements:
        if isinstance(stmt, ast.ModelCall):
            statements.append(_model_call(stmt))
        elif isinstance(stmt, ast.ModelBlock):
            model, untils = _model_block(stmt)
            statements.append(model)
            diagnostics += [messages.until_in_model_block(u.span) for u in untils]
        elif isinstance(stmt, ast.TrainStmt):
            statements.append(_train(stmt))
        elif isinstance(stmt, ast.SweepStmt):
            statements.append(_sweep(stmt))
        else:
            statements.append(stmt)
    return dataclasses.replace(spec, statements=statements), diagnostics


def _model_call(stmt: ast.ModelCall) -> ast.ModelStmt:
    call = stmt.call
    settings = tuple(ast.Setting(k.key, k.value, k.span) for k in call.keywords)
    # Binds are reported by _misplaced_binds; the rest of the positional arguments go to the checker.
    return ast.ModelStmt(stmt.name, call.func, settings, "call", stmt.span, tuple(call.positional))


def _model_block(stmt: ast.ModelBlock) -> tuple[ast.ModelStmt, list[ast.Until]]:
    settings = tuple(item for item in stmt.block.items if isinstance(item, ast.Setting))
    untils = [item for item in stmt.block.items if isinstance(item, ast.Until)]
    if stmt.name is None:
        return ast.ModelStmt(stmt.family, stmt.family, settings, "block", stmt.span), untils
    return ast.ModelStmt(stmt.name, stmt.family, settings, "named_block", stmt.span), untils


def _is_half_mse(node: ast.Value) -> bool:
    return (isinstance(node, ast.BinOp) and node.op == "/" and isinstance(node.left, ast.Name)
            and node.left.id == "mse" and isinstance(node.right, ast.Number) and node.right.value == 2)


def _train(stmt: ast.TrainStmt) -> ast.TrainStmt:
    if not any(isinstance(item, ast.Setting) and item.key.name == "loss" and _is_half_mse(item.value)
               for item in stmt.block.items):
        return stmt
    items = tuple(
        ast.Setting(item.key, ast.Name(HALF_MSE, item.value.span), item.span)
        if isinstance(item, ast.Setting) and item.key.name == "loss" and _is_half_mse(item.value) else item
        for item in stmt.block.items)
    return ast.TrainStmt(stmt.model, ast.Block(items, stmt.block.span), stmt.span)


def _sweep(stmt: ast.SweepStmt) -> ast.SweepStmt:
    """`sweep { loss = [mse, mse/2] }`: a swept loss is a loss, so `mse/2` is ``half_mse`` there too."""
    def half(value: ast.Expr) -> ast.Expr:
        return ast.Name(HALF_MSE, value.span) if _is_half_mse(value) else value

    items = []
    for item in stmt.block.items:
        if isinstance(item, ast.Setting) and item.key.name == "loss":
            value = item.value
            if isinstance(value, ast.VectorLit):
                value = ast.VectorLit(tuple(half(v) for v in value.items), value.span)
            elif not isinstance(value, (ast.RangeLit, ast.Every)):
                value = half(value)
            item = ast.Setting(item.key, value, item.span)
        items.append(item)
    return ast.SweepStmt(stmt.mode, stmt.model, ast.Block(tuple(items), stmt.block.span), stmt.span)


def _children(node: Any) -> list[Any]:
    if isinstance(node, (list, tuple)):
        return list(node)
    if dataclasses.is_dataclass(node) and not isinstance(node, (ast.Ident, ast.Comment)):
        return [getattr(node, f.name) for f in dataclasses.fields(node) if f.name != "span"]
    return []


def _misplaced_binds(statements: list[ast.Statement], source: str) -> list[Diagnostic]:
    """E201 for every ``i in lo..hi`` that is not an argument of a binder. Iterative: a spec may hold a
    sum of thousands of terms."""
    diagnostics: list[Diagnostic] = []
    stack: list[Any] = [statements]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call) and node.func.name not in BINDERS:
            for arg in node.args:
                if isinstance(arg, ast.Bind):
                    diagnostics.append(_bind_diagnostic(arg, node, source))
        stack.extend(_children(node))
    return sorted(diagnostics, key=lambda d: d.span.start if d.span else 0)


def _bind_diagnostic(bind: ast.Bind, call: ast.Call, source: str) -> Diagnostic:
    # As written, on one line and without comments (the source is a syntax-clean spec).
    written = " ".join(re.sub(r"#[^\n]*", " ", source[bind.span.start:bind.span.end]).split()) \
        or f"{bind.var.name} in ..."
    return messages.stray_bind(written, call.func.name, bind.span)
