"""The front-end pipeline: file -> text -> AST -> checked IR -> plan.

Input:  a path (or text).
Output: a :class:`CompileOutcome`: the AST and the :class:`~mlc.compiler.ir.Plan` when the spec is valid,
        the diagnostics in any case, the exit status a command should use, and the rendered diagnostics.
Role:   run the stages in order and stop at the first stage with errors, so that one mistake does not
        cascade into many. Never raises: every failure, including an internal one, becomes a diagnostic.

Stages (cf. FFCx's compiler docstring):
  1. ``mlc.dsl.source``  read and validate bytes (size, UTF-8, not binary);
  2. ``mlc.dsl.parser``  text -> faithful AST with spans (syntax errors, several per run);
  3. ``mlc.dsl.desugar`` faithful AST -> the AST the checker reads (misplaced constructs);
  4. ``mlc.compiler.check`` names, types, ranges, combinations;
  5. ``mlc.compiler.expand`` the sweep's points (``mlc.compiler.sweep``), each substituted into the spec
     checked once (``mlc.compiler.parametric``) -> runs with content hashes -> Plan;
  6. ``mlc.compiler.theory.rates`` the predicted exponents per swept axis, into the Plan.
``mlc.compiler.verify`` checks the Plan's invariants between stage 5 and any back end.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field

from mlc.compiler import ir
from mlc.compiler import messages as msg
from mlc.compiler.check import Checker
from mlc.compiler.expand import build_plan
from mlc.compiler.memo import RunMemo
from mlc.compiler.theory.rates import with_rates
from mlc.compiler.verify import PlanInvariantError, verify_plan
from mlc.dsl import ast
from mlc.dsl.desugar import desugar
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, render_all
from mlc.dsl.parser import parse
from mlc.dsl.source import SourceError, read_source


@dataclass
class CompileOutcome:
    path: str
    source: str | None = None
    syntax: ast.Spec | None = None  # the faithful AST, as parsed (partial when there are syntax errors)
    spec: ast.Spec | None = None  # the desugared AST the checker reads (None when the parse failed)
    plan: ir.Plan | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    usage_error: str | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return self.usage_error is None and not self.errors

    @property
    def exit_code(self) -> int:
        if self.usage_error is not None:
            return 2
        return 1 if self.errors else 0

    @property
    def rendered(self) -> str:
        if self.usage_error is not None:
            return f"mlc: error: {self.usage_error}"
        if not self.diagnostics:
            return ""
        return render_all(self.diagnostics, self.path, self.source)


def declared_norm_warnings(checker: Checker, plan: ir.Plan) -> list[Diagnostic]:
    """W101: a declared `norm <= Q` below the upper bound that mlc's norm rules prove for the target.

    Only formula targets are checked here (the rules for them need no torch); the warning is given once
    per distinct target, at the declaration.
    """
    if checker.space is None or not isinstance(checker.space.space, ast.Call):
        return []
    declaration = next((a for a in checker.space.space.args
                        if isinstance(a, ast.Compare) and isinstance(a.left, ast.Name) and a.left.id == "norm"),
                       None)
    if declaration is None:
        return []
    from mlc.compiler.theory.norms import infer_norm

    warnings: list[Diagnostic] = []
    seen: set[str] = set()
    looked_at: set[tuple[int, int, int]] = set()  # the plan keeps its objects: an id is not reused meanwhile
    for run in plan.runs:
        if not isinstance(run.target, ir.FormulaTarget):
            continue
        objects = (id(run.target), id(run.space), id(run.input))  # a sweep's runs share them: one dump each
        if objects in looked_at:
            continue
        looked_at.add(objects)
        key = ir.content_hash([run.target.model_dump(mode="json"), run.space.model_dump(mode="json"),
                               run.input.model_dump(mode="json")])
        if key in seen:
            continue
        seen.add(key)
        estimate = infer_norm(run)
        derived = estimate.derived_value
        if derived is not None and run.space.norm_bound is not None and run.space.norm_bound < derived:
            warnings.append(msg.declared_norm_below_derived(run.space.norm_bound, derived, run.space.kind,
                                                            declaration.span))
            break
    return warnings


def compile_text(text: str, path: str = "<string>", stop_after: str = "plan") -> CompileOutcome:
    """Compile spec text. ``stop_after`` is 'ast' or 'plan'.

    The cyclic garbage collector is paused meanwhile: the stages allocate many small objects (a token, a node, a
    run's IR) and almost none of them is cyclic garbage, so its passes over everything the imports built cost
    up to a tenth of ``check`` on a sweep of thousands of runs for nothing. The work is bounded (dsl.limits), and
    reference counting still frees what is dropped; the collector runs again afterwards."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _compile_text(text, path, stop_after)
    finally:
        if paused:
            gc.enable()


def _compile_text(text: str, path: str, stop_after: str) -> CompileOutcome:
    outcome = CompileOutcome(path=path, source=text)
    syntax, diagnostics = parse(text, path)
    outcome.syntax = syntax
    outcome.diagnostics.extend(diagnostics)
    if outcome.errors:
        return outcome
    spec, diagnostics = desugar(syntax)
    outcome.spec = spec
    outcome.diagnostics.extend(diagnostics)
    if outcome.errors or stop_after == "ast":
        return outcome
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 5000))
        checker = Checker(spec)
        outcome.diagnostics.extend(checker.diagnostics)
        if outcome.errors:
            return outcome
        memo = RunMemo()  # each shared object's hash JSON and conventions, computed once for both
        outcome.plan = with_rates(build_plan(checker, memo))
        verify_plan(outcome.plan, memo)
        outcome.diagnostics.extend(declared_norm_warnings(checker, outcome.plan))
    except SpecErrors as exc:
        outcome.diagnostics.extend(exc.diagnostics)
    except PlanInvariantError as exc:
        outcome.plan = None
        outcome.diagnostics.append(msg.internal_error(str(exc)))
    except RecursionError:
        outcome.diagnostics.append(msg.too_deep_to_compile())
    finally:
        sys.setrecursionlimit(limit)
    return outcome


def compile_path(path: str, stop_after: str = "plan") -> CompileOutcome:
    """Read and compile a spec file. Usage errors (no such file, a directory) set ``usage_error``."""
    try:
        source = read_source(path)
    except SourceError as exc:
        outcome = CompileOutcome(path=path)
        if exc.usage or exc.diagnostic is None:
            outcome.usage_error = exc.message
        else:
            outcome.diagnostics.append(exc.diagnostic)
        return outcome
    return compile_text(source.text, source.path, stop_after)
