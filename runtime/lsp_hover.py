"""Hover text for the language server: what the thing under the cursor means, from the schema and the theory.

Input:  an :class:`~mlc.runtime.lsp_analysis.Analysis` and a 0-based position (code points).
Output: a :class:`HoverText` (Markdown and the range it describes) or None.
Role:   answer "what is this?" from the sources the command line uses, never from a second list:

* a setting (in ``data``, a model, ``train``, an optimizer or penalty call, ``report``): its meaning, type and
  range, default and sweepability, read from the settings schema (:mod:`mlc.compiler.check.tables`) and
  worded by the generator of docs/language.md's tables (:mod:`mlc.compiler.check.reference`);
* a sweep key: what it sets (the sections of :data:`~mlc.compiler.check.SWEEPABLE_SLOTS`, a ``let``, the seed);
* a metric name: the metric registry's description (:mod:`mlc.compiler.metrics`); a ``let`` name: its value;
* the ``target`` (or ``space``) statement: the derived norm of the target and its derivation, as
  ``mlc bounds --explain`` prints them;
* ``bounds`` in the report, or a model: the theorems that apply, their hypotheses (the failing ones with their
  reasons) and their values where no training is needed, as ``mlc bounds`` prints them
  (:func:`mlc.runtime.cmd_bounds.build_report` and its renderers).

The theory is evaluated without fitting anything (``estimate_norms`` off: a norm no rule derives stays unknown,
which is what keeps torch out of the editor; ``mlc bounds`` estimates it) and without the data-dependent
quantities of ``--explain`` (kernel λ_min and infinite-width predictions sample the data in torch). It is
computed once per document version (cached in :attr:`Analysis.cache`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, get_args

from mlc.compiler import metrics
from mlc.compiler.check import tables
from mlc.compiler.check.reference import default_text, type_text
from mlc.compiler.check.schema import KeySpec
from mlc.dsl import ast
from mlc.dsl.printer import format_expr
from mlc.runtime.lsp_analysis import Analysis, TextRange, declarations, node_at, span_range

MAX_GROUPS_SHOWN = 4
"""The most configurations (sweep points up to the seed) a model's or the report's hover lists."""


@dataclass(frozen=True)
class HoverText:
    markdown: str
    range: TextRange


# ----------------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------------


def setting_markdown(key: str, spec: KeySpec, where: str) -> str:
    """A setting's meaning, type and range, default and sweepability (the columns of docs/language.md)."""
    lines = [f"**`{key}`**: {where}", ""]
    if spec.doc:
        lines += [spec.doc, ""]
    lines.append(f"- type and range: {type_text(spec)}")
    lines.append(f"- default: {default_text(key, spec)}")
    lines.append(f"- sweepable: {'yes' if spec.sweepable else 'no'}")
    return "\n".join(lines)


def _families_with(key: str) -> str:
    return ", ".join(f for f, keys in tables.family_keys().items() if key in keys)


def setting_context(key: ast.Ident, ancestors: tuple[Any, ...]) -> tuple[KeySpec, str] | None:
    """The schema entry of the setting named by ``key`` (the key of a Setting or KwArg) and where it is."""
    statement = ancestors[0]
    calls = [a for a in ancestors if isinstance(a, ast.Call)]
    name = key.name
    if isinstance(statement, ast.DataStmt) and name in tables.DATA_KEYS:
        return tables.DATA_KEYS[name], "data setting"
    if isinstance(statement, (ast.ModelCall, ast.ModelBlock)):
        family = statement.call.func.name if isinstance(statement, ast.ModelCall) else statement.family.name
        if name in tables.MODEL_KEYS:
            return tables.MODEL_KEYS[name], f"model setting ({family}; defined for {_families_with(name)})"
        return None
    if isinstance(statement, ast.TrainStmt):
        if calls:  # optimizer = adam(lr = ...), penalty = path_norm(lambda = ...)
            func = calls[-1].func.name
            if func in tables.OPTIMIZER_KEYS and name in tables.OPTIMIZER_KEYS[func]:
                return tables.OPTIMIZER_KEYS[func][name], f"setting of the `{func}` optimizer"
            if func in tables.PENALTIES and name == "lambda":
                return tables.LAMBDA, f"setting of the `{func}` penalty"
            return None
        if name in tables.TRAIN_KEYS:
            return tables.TRAIN_KEYS[name], "train setting"
    if isinstance(statement, ast.ReportStmt) and name in tables.REPORT_KEYS:
        return tables.REPORT_KEYS[name], "report setting"
    if isinstance(statement, ast.TargetStmt) and name in tables.TEACHER_KEYS:
        return tables.TEACHER_KEYS[name], "teacher setting"
    return None


def sweep_key_markdown(name: str, spec: ast.Spec) -> str:
    """What a sweep key sets, in the order the sweep tries them (:mod:`mlc.compiler.sweep`)."""
    if name == "seed":
        return "**`seed`**: sweep axis: the run's seed (data sampling and initialisation)"
    lets = {s.name.name: s for s in spec.statements if isinstance(s, ast.LetStmt)}
    if name in lets:
        return f"**`{name}`**: sweep axis: the `let` constant\n\n```mlc\nlet {name} = {format_expr(lets[name].value)}\n```"
    sections = {"data": tables.DATA_KEYS, "model": tables.MODEL_KEYS, "train": tables.TRAIN_KEYS,
                "penalty": {"lambda": tables.LAMBDA}}
    parts = [setting_markdown(name, sections[section][name], f"sweep axis, sets the {section} setting")
             for section in ("data", "model", "train", "penalty")
             if name in tables.SWEEPABLE_SLOTS[section] and name in sections[section]]
    for optimizer, keys in tables.OPTIMIZER_KEYS.items():
        if name in tables.SWEEPABLE_SLOTS["optimizer"] and name in keys:
            parts.append(setting_markdown(name, keys[name], f"sweep axis, sets the `{optimizer}` optimizer's setting"))
            break
    if parts:
        return "\n\n---\n\n".join(parts)
    return f"**`{name}`**: a free name of the spec, swept (or not a sweepable name: see the diagnostics)"


def metric_markdown(name: str) -> str | None:
    """The metric registry's entry for ``name``."""
    metric = metrics.lookup(name)
    if metric is None:
        return None
    lines = [f"**`{name}`**: metric ({metric.kind})", "", metric.doc, "", f"- unit: {metric.unit}"]
    if metric.per_family:
        lines.append(f"- defined for: {', '.join(metric.defined_for())}")
    if metric.stoppable:
        lines.append("- may stop training (`until`)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# The theory: norms and bounds
# ----------------------------------------------------------------------------------------------


def theory_report(analysis: Analysis) -> dict[str, Any] | str:
    """``mlc bounds``'s report of the document (no norm fitting, no data), or why there is none. Cached."""
    if "theory" in analysis.cache:
        cached: dict[str, Any] | str = analysis.cache["theory"]
        return cached
    result: dict[str, Any] | str
    outcome = analysis.outcome
    if not outcome.ok or outcome.plan is None or outcome.spec is None:
        result = "the spec has errors (see the diagnostics): the theory is evaluated once it checks"
    else:
        from mlc.compiler.resource_check import judge_theory, size_text
        from mlc.runtime.cmd_bounds import build_report
        from mlc.runtime.machine import available_memory

        plan = outcome.plan
        memory = available_memory("cpu")
        refused = judge_theory(plan, outcome.spec, memory, f"the machine has {size_text(memory or 0)} available",
                               estimate_norms=False)
        if refused:
            result = refused[0].message
        else:
            try:
                result = build_report(plan, delta=plan.report.delta, explain=False, estimate=False)
            except Exception as exc:  # noqa: BLE001 - a hover never raises; say what went wrong
                result = f"internal error while evaluating the theory: {type(exc).__name__}: {exc}"
    analysis.cache["theory"] = result
    return result


def _code(lines: list[str]) -> str:
    return "```text\n" + "\n".join(lines) + "\n```"


NOT_FITTED = ("no rule derives this norm: `mlc bounds` estimates it by fitting the target (torch), which the "
              "editor does not do")


def norm_markdown(analysis: Analysis, title: str) -> str:
    """The target's norm in the spec's space and its derivation, once per distinct derivation."""
    from mlc.runtime.cmd_bounds import render_norm

    report = theory_report(analysis)
    if isinstance(report, str):
        return f"{title}\n\n{report}"
    by_derivation: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for g in report["groups"]:
        key = json.dumps([g["norm"]["steps"], g["norm"]["value"]])
        params = ", ".join(f"{k} = {v:g}" for k, v in g["params"].items())
        by_derivation.setdefault(key, (g["norm"], []))[1].append(f"{g['model']}{' [' + params + ']' if params else ''}")
    parts = [title]
    for norm, where in by_derivation.values():
        if len(by_derivation) > 1:
            parts.append("for " + ", ".join(where))
        parts.append(_code(render_norm(norm, explain=True, seen_norms=set())))
        if norm["method"] == "none":
            parts.append(NOT_FITTED)
    return "\n\n".join(parts)


def bounds_markdown(analysis: Analysis, title: str, model: str | None = None) -> str:
    """The theorems that apply to each configuration (of ``model``, or of every model), as ``mlc bounds``."""
    from mlc.runtime.cmd_bounds import NOTATION, render_group

    report = theory_report(analysis)
    if isinstance(report, str):
        return f"{title}\n\n{report}"
    groups = [g for g in report["groups"] if model is None or g["model"] == model]
    if not groups:
        return f"{title}\n\nno run of the plan uses this model"
    seen: set[str] = set()
    lines: list[str] = []
    for g in groups[:MAX_GROUPS_SHOWN]:
        if lines:
            lines.append("")
        lines.extend(render_group(g, explain=False, seen_norms=seen))
    parts = [title, _code(lines), f"δ = {report['delta']:g}; {NOTATION}"]
    if len(groups) > MAX_GROUPS_SHOWN:
        parts.append(f"... and {len(groups) - MAX_GROUPS_SHOWN} more configurations: `mlc bounds` lists them all")
    return "\n\n".join(parts)


# ----------------------------------------------------------------------------------------------
# Dispatch
# ----------------------------------------------------------------------------------------------


def _model_of(statement: Any) -> tuple[str, str] | None:
    if isinstance(statement, ast.ModelCall):
        return statement.name.name, statement.call.func.name
    if isinstance(statement, ast.ModelBlock):
        return (statement.name or statement.family).name, statement.family.name
    return None


def hover(analysis: Analysis, line: int, char: int) -> HoverText | None:
    """The hover at 0-based (line, char), or None where there is nothing to say."""
    spec = analysis.syntax
    if spec is None:
        return None
    hit = node_at(spec, line, char)
    if hit is None:
        return None
    node, ancestors = hit
    statement: Any = ancestors[0] if ancestors else node
    parent: Any = ancestors[-1] if ancestors else None
    where = span_range(node.span)
    text: str | None = None
    if isinstance(node, ast.Ident) and isinstance(parent, (ast.Setting, ast.KwArg)) and parent.key is node:
        if isinstance(statement, ast.SweepStmt):
            text = sweep_key_markdown(node.name, spec)
        else:
            found = setting_context(node, ancestors)
            text = setting_markdown(node.name, *found) if found is not None else None
    elif isinstance(node, ast.Ident) and isinstance(parent, (ast.Every, ast.ReportPlot)):
        text = metric_markdown(node.name)
    elif isinstance(parent, get_args(ast.Claim)) and isinstance(node, ast.Ident) and parent.metric is node:
        text = metric_markdown(node.name)  # the metric a claim is about
    elif isinstance(node, ast.Name) and any(isinstance(a, ast.Until) for a in ancestors):
        text = metric_markdown(node.id)
    elif isinstance(node, ast.Name):
        declared = declarations(spec).get(node.id)
        lets = {s.name.name: s for s in spec.statements if isinstance(s, ast.LetStmt)}
        if node.id in lets and declared is not None:
            text = f"**`{node.id}`**: `let` constant\n\n```mlc\nlet {node.id} = {format_expr(lets[node.id].value)}\n```"
    if text is None and isinstance(statement, (ast.TargetStmt, ast.SpaceStmt)) \
            and (node is statement or (isinstance(node, ast.Ident) and parent is statement)):
        text = norm_markdown(analysis, "**target**: its norm in the spec's space (`mlc bounds --explain`)")
        where = span_range(statement.span)
    if text is None and isinstance(node, ast.ReportBounds):
        text = bounds_markdown(analysis, "**bounds**: the theorems that apply (`mlc bounds`)")
    if text is None and (model := _model_of(statement)) is not None and (
            node is statement or (isinstance(node, ast.Ident) and parent in (statement, getattr(statement, "call", None)))):
        text = bounds_markdown(analysis, f"**model `{model[0]}`** ({model[1]}): the theorems that apply", model[0])
        where = span_range(node.span)
    if text is None and isinstance(statement, ast.TrainStmt) and statement.model is not None and node is statement.model:
        name = statement.model.name
        text = bounds_markdown(analysis, f"**model `{name}`**: the theorems that apply", name)
    return HoverText(text, where) if text is not None else None
