"""The checker: runs the passes over a spec, and resolves every section at one sweep point.

Input:  a parsed :class:`~mlc.dsl.ast.Spec`.
Output: a :class:`Checker` holding the collected statements (and the collect pass's diagnostics); its
        :meth:`Checker.resolve` turns one sweep :class:`~mlc.compiler.check.values.Point` into the IR
        sections (:class:`Resolved`), or raises every problem found.
Role:   the order of the passes: collect, then per point the environment of constants, the problem
        (input, target, space), the data, each model and its training, the report and its claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from mlc.compiler import ir
from mlc.compiler.check.claims import claims_ir
from mlc.compiler.check.collect import collect
from mlc.compiler.check.model import data_ir, model_ir
from mlc.compiler.check.problem import input_dist, space_ir, target_ir
from mlc.compiler.check.report import report_ir
from mlc.compiler.check.train import train_ir
from mlc.compiler.check.values import Point, environment
from mlc.compiler.evaluate import Number
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors

T = TypeVar("T")


@dataclass
class Resolved:
    """Every section of the IR at one sweep point."""

    input: ir.InputDist
    target: ir.Target
    space: ir.Space
    data: ir.Data
    models: list[ir.Model]
    trains: dict[str, ir.Train]
    report: ir.Report


class Checker:
    """Statement-level analysis of a spec. Construct it, then call :meth:`resolve` for each sweep point."""

    def __init__(self, spec: ast.Spec):
        self.statements, self.diagnostics = collect(spec)
        found = self.statements
        self.spec = spec
        self.lets = found.lets
        self.input = found.input
        self.target = found.target
        self.space = found.space
        self.data = found.data
        self.models = found.models
        self.trains = found.trains
        self.sweeps = found.sweeps
        self.report = found.report
        self.claims = found.claims

    @property
    def problem_name(self) -> str:
        return self.statements.problem_name

    def environment(self, point: Point) -> dict[str, Number]:
        """The constants in scope at ``point``."""
        return environment(self.lets, point)

    def resolve(self, point: Point, swept: Mapping[str, Any]) -> Resolved:
        """Resolve every section at one sweep point. Raises SpecErrors with all problems found."""
        errors: list[Diagnostic] = []

        def attempt(fn: Callable[[], T]) -> T | None:
            try:
                return fn()
            except SpecErrors as exc:
                errors.extend(exc.diagnostics)
                return None

        env = self.environment(point)
        input_stmt, target_stmt = self.input, self.target
        path = self.spec.path
        dist = attempt(lambda: input_dist(input_stmt, env, path)) if input_stmt else None
        target = attempt(lambda: target_ir(target_stmt, input_stmt, env, dist, path)) \
            if (target_stmt and input_stmt and dist) else None
        space = attempt(lambda: space_ir(self.space, env))
        data = attempt(lambda: data_ir(self.data, env, point, dist)) if dist else None
        models: list[ir.Model] = []
        trains: dict[str, ir.Train] = {}
        shared = self.trains.get(None)
        for stmt in self.models.values():
            model = attempt(lambda: model_ir(stmt, env, point, dist, path)) if dist else None  # noqa: B023
            if model is None or data is None or dist is None:
                continue
            models.append(model)
            blocks = [b for b in (shared, self.trains.get(model.name)) if b is not None]
            train = attempt(lambda: train_ir(blocks, model, env, point, data, dist))  # noqa: B023
            if train is not None:
                trains[model.name] = train
        report = attempt(lambda: report_ir(self.report, env, swept, data, dist)) if (data and dist) else None
        if self.claims is not None and report is not None and data is not None and dist is not None:
            claims = attempt(lambda: claims_ir(self.claims, env, swept, data, dist, models, trains))
            report = report.model_copy(update={"claims": claims or ()})
        if errors:
            raise SpecErrors(errors)
        assert dist is not None and target is not None and space is not None and data is not None
        assert report is not None
        return Resolved(dist, target, space, data, models, trains, report)
