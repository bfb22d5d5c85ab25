"""The collect pass: a spec's statements sorted by kind, with duplicates and missing statements reported.

Input:  a parsed :class:`~mlc.dsl.ast.Spec`.
Output: :class:`Statements` (the single statements, the lets, models, train blocks and sweeps by name) and
        the diagnostics of this pass (E102 duplicates, E103 missing statements, E101 a train block naming
        no model).
Role:   the first pass: later passes look statements up here instead of walking the spec again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mlc.compiler import messages as msg
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, Span


@dataclass
class Statements:
    """The statements of one spec, by kind."""

    spec: ast.Spec
    problem: ast.ProblemStmt | None = None
    lets: dict[str, ast.LetStmt] = field(default_factory=dict)
    input: ast.InputStmt | None = None
    target: ast.TargetStmt | None = None
    space: ast.SpaceStmt | None = None
    data: ast.DataStmt | None = None
    models: dict[str, ast.ModelStmt] = field(default_factory=dict)
    trains: dict[str | None, ast.TrainStmt] = field(default_factory=dict)  # None: the shared block
    sweeps: list[ast.SweepStmt] = field(default_factory=list)
    report: ast.ReportStmt | None = None
    claims: ast.ClaimsStmt | None = None

    @property
    def problem_name(self) -> str:
        """The `problem` name, or the file's base name without `.ml`."""
        if self.problem is not None:
            return self.problem.name.name
        base = os.path.basename(self.spec.path)
        return base[:-3] if base.endswith(".ml") else (base or "problem")

    def end_span(self) -> Span:
        """The end of the file (where a missing statement is reported)."""
        text = self.spec.source
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
        return Span.point(line, column, len(text))


_SINGLE = {ast.ProblemStmt: ("problem", "problem"), ast.InputStmt: ("input", "input"),
           ast.TargetStmt: ("target", "target"), ast.SpaceStmt: ("space", "space"),
           ast.DataStmt: ("data", "data"), ast.ReportStmt: ("report", "report"),
           ast.ClaimsStmt: ("claims", "claims")}
"""Statements a spec has at most once: class -> (attribute of Statements, keyword)."""

_REQUIRED = (("input", "input x ~ uniform(cube(d))"), ("target", "target f*(x) = relu(x[1])"))


def collect(spec: ast.Spec) -> tuple[Statements, list[Diagnostic]]:
    """Sort the statements; report duplicates and missing statements (several per run)."""
    found = Statements(spec)
    errors: list[Diagnostic] = []
    for stmt in spec.statements:
        single = _SINGLE.get(type(stmt))
        if single is not None:
            attr, keyword = single
            previous = getattr(found, attr)
            if previous is not None:
                errors.append(msg.second_statement(keyword, stmt.span, previous.span.line))
            else:
                setattr(found, attr, stmt)
        elif isinstance(stmt, ast.LetStmt):
            name = stmt.name.name
            if name in found.lets:
                errors.append(msg.let_defined_twice(name, stmt.name.span, found.lets[name].span.line))
            else:
                found.lets[name] = stmt
        elif isinstance(stmt, ast.ModelStmt):
            if stmt.name.name in found.models:
                errors.append(msg.model_named_twice(stmt.name.name, stmt.name.span))
            else:
                found.models[stmt.name.name] = stmt
        elif isinstance(stmt, ast.TrainStmt):
            key = stmt.model.name if stmt.model else None
            if key in found.trains:
                errors.append(msg.train_block_twice(key, stmt.span))
            else:
                found.trains[key] = stmt
        elif isinstance(stmt, ast.SweepStmt):
            found.sweeps.append(stmt)
    end = found.end_span()
    for keyword, example in _REQUIRED:
        if getattr(found, keyword) is None:
            errors.append(msg.missing_statement(keyword, end, example))
    if not found.models:
        errors.append(msg.missing_statement("model", end, "model net = two_layer(width = 64)"))
    for model_name, train in found.trains.items():
        if model_name is not None and model_name not in found.models and train.model is not None:
            errors.append(msg.train_names_no_model(model_name, train.model.span, found.models))
    return found, errors
