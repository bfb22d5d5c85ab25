"""Sweep axes: sweep blocks -> the axes (what each key sets, its values) and the sweep's points.

Input:  a :class:`~mlc.compiler.check.Checker` (the spec's statements, already collected).
Output: the sweep's axes (:class:`Axis`: key, values, the slots it sets) by block, its points, its run count.
Role:   decide what each sweep key sets and expand lists / ranges / lin- and log-spaces as a product (the
        default) or a zip. The plan is built from the points by :mod:`mlc.compiler.expand`.

What a sweep key may name, tried in this order:
  * ``seed``: the run's seed (data sampling and initialisation);
  * a ``let`` constant, or a free name used somewhere in the spec (``width = m`` and ``sweep { m = ... }``);
  * a setting name (``width``, ``n``, ``lr``, ``lambda``, ``steps``, ...): it sets that setting in every
    section that has it (every model, every training).
Several sweep blocks combine as a product. Values for integer settings produced by ``linspace`` or
``logspace`` are rounded to the nearest integer and repeated values dropped.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Iterable, Literal

from mlc.compiler import grids, ir
from mlc.compiler import messages as msg
from mlc.compiler import families
from mlc.compiler.check import CATEGORICAL_SLOTS, INTEGER_SLOTS, REPORT_KEYS, SWEEPABLE_SLOTS, Checker
from mlc.compiler.evaluate import Number, evaluate, name_nodes
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, Span

MAX_RUNS = 100_000
_MAX_AXIS = 10 * MAX_RUNS  # values one axis may have before the count of the whole sweep is checked


SweepMode = Literal["product", "zip"]


@dataclass
class Axis:
    key: str
    values: list[float]
    targets: list[ir.Slot]
    span: Span
    choices: list[ast.Value] | None = None  # a categorical axis: value i is choices[i], as written


def _categorical(checker: Checker, key: str, node: ast.Value, span: Span, scope: str | None) -> Axis | None:
    """`optimizer = [sgd(lr = 0.1), adam(lr = 1e-3)]`, `activation = [relu, tanh]`: an axis over settings' values
    (its values are the indices 0, 1, ...; ``SweepAxis.labels`` holds the values as written). None: not one.
    In ``sweep net { ... }`` (``scope``) only net's setting is swept."""
    targets: list[ir.Slot] = []
    if key in CATEGORICAL_SLOTS["model"]:
        targets = [ir.Slot(section="model", owner=name, key=key) for name, stmt in checker.models.items()
                   if stmt.family.name in families.names() and key in families.get(stmt.family.name).settings]
    elif key in CATEGORICAL_SLOTS["train"]:
        targets = [ir.Slot(section="train", owner=name, key=key) for name in checker.models]
    if scope is not None:
        targets = [t for t in targets if t.owner == scope]
    if not targets and key in CATEGORICAL_SLOTS["model"] and scope is None:
        raise msg.fail(msg.categorical_without_model(key, span, [f for f in families.names()
                                                                 if key in families.get(f).settings]))
    if not targets:
        return None
    choices: list[ast.Value] = list(node.items) if isinstance(node, ast.VectorLit) else [node]
    if not choices:
        raise msg.fail(msg.sweep_without_values(key, node.span))
    return Axis(key, [float(i) for i in range(len(choices))], targets, span, choices)


def sweep_candidates(lets: Iterable[str]) -> set[str]:
    """The names a sweep key may use (the module docstring's list): ``seed``, the ``let`` constants ``lets`` and
    every sweepable setting name. The "did you mean" of a bad key, and the language server's completion."""
    return set(lets) | {s for v in SWEEPABLE_SLOTS.values() for s in v} | {"seed"}


def _names_used(spec: ast.Spec) -> set[str]:
    """Every bare name the spec refers to (to recognise free sweep variables such as `m`)."""
    return {n.id for n in name_nodes([s for s in spec.statements if not isinstance(s, ast.SweepStmt)])}


def _integer_names(spec: ast.Spec) -> set[str]:
    """Names written as the whole value of an integer setting (``width = m``): their spaces are rounded."""
    found: set[str] = set()
    for stmt in spec.statements:
        settings: list[ast.Setting] = []
        if isinstance(stmt, ast.ModelStmt):
            settings = list(stmt.settings)
        elif isinstance(stmt, (ast.DataStmt, ast.TrainStmt)):
            settings = [i for i in stmt.block.items if isinstance(i, ast.Setting)]
        for setting in settings:
            if setting.key.name in INTEGER_SLOTS and isinstance(setting.value, ast.Name):
                found.add(setting.value.id)
    return found


def _slot_targets(checker: Checker, key: str) -> list[ir.Slot]:
    """The slots a bare setting name reaches: its section's, in every model or training that has it."""
    targets: list[ir.Slot] = []
    if key in SWEEPABLE_SLOTS["data"]:
        targets.append(ir.Slot(section="data", key=key))
    for section in ("model", "train", "optimizer", "penalty"):
        if key in SWEEPABLE_SLOTS[section]:
            targets += [ir.Slot(section=section, owner=name, key=key) for name in checker.models]
    return targets


def _scoped_targets(checker: Checker, key: str, model: str, span: Span, used: set[str]) -> list[ir.Slot] | Diagnostic:
    """The slots of ``key`` in a sweep scoped to ``model``: that model's (or its training's) setting; the seed,
    `let` constants, free names and data settings are shared by every model, so they are refused here."""
    if key == "seed":
        return msg.scoped_sweep_shared_key(key, model, "the replicate seed", span)
    if key in checker.lets or (key in used and not _slot_targets(checker, key)):
        return msg.scoped_sweep_shared_key(key, model, "a constant of the spec", span)
    if key in SWEEPABLE_SLOTS["data"]:
        return msg.scoped_sweep_shared_key(key, model, "a data setting", span)
    targets = [t for t in _slot_targets(checker, key) if t.owner == model]
    if not targets:
        own = [k for section in ("model", "train", "optimizer", "penalty") for k in SWEEPABLE_SLOTS[section]]
        return msg.scoped_sweep_not_a_setting(key, model, span, own)
    return targets


def _base_env(checker: Checker) -> dict[str, Number]:
    """The `let` constants that do not depend on swept names (used to evaluate sweep values)."""
    env: dict[str, Number] = {}
    for name, stmt in checker.lets.items():
        try:
            if not isinstance(stmt.value, (ast.RangeLit, ast.Every)):
                env[name] = evaluate(stmt.value, env)
        except SpecErrors:
            continue
    return env


def _axis_values(node: ast.Value, env: dict[str, Number], key: str) -> tuple[list[float], bool]:
    """The values of one axis and whether they came from a lin/log space (then ints are rounded)."""
    if isinstance(node, ast.RangeLit):
        lo, hi = evaluate(node.lo, env), evaluate(node.hi, env)
        if isinstance(lo, tuple) or isinstance(hi, tuple) or not (float(lo).is_integer() and float(hi).is_integer()):
            raise msg.fail(msg.range_needs_integers(node.span))
        if hi < lo:
            raise msg.fail(msg.empty_range(int(lo), int(hi), node.span))
        if hi - lo + 1 > _MAX_AXIS:  # one axis far over the limit: refused before its values are built
            raise msg.fail(msg.too_many_runs(int(hi - lo + 1), MAX_RUNS, node.span))
        return [float(v) for v in range(int(lo), int(hi) + 1)], False
    if isinstance(node, ast.Call) and grids.is_space(node):
        count = grids.count_of(node, env)
        if count is not None and count > _MAX_AXIS:  # refused before its values are built
            raise msg.fail(msg.too_many_runs(int(count), MAX_RUNS, node.span))
        return grids.spaced(node, env), True
    if isinstance(node, ast.Every):
        raise msg.fail(msg.sweep_value_form(key, node.span))
    value = evaluate(node, env)
    if isinstance(value, tuple):
        if not value:
            raise msg.fail(msg.sweep_without_values(key, node.span))
        return list(value), False
    return [value], False


def resolve_axes(checker: Checker) -> list[tuple[SweepMode, list[Axis]]]:
    """Each sweep block's mode and axes. Raises SpecErrors listing every bad key."""
    env = _base_env(checker)
    used = _names_used(checker.spec)
    integer_names = _integer_names(checker.spec)
    errors: list[Diagnostic] = []
    blocks: list[tuple[SweepMode, list[Axis]]] = []
    seen: dict[str, Span] = {}
    for stmt in checker.sweeps:
        mode: SweepMode = "zip" if stmt.mode is not None and stmt.mode.name == "zip" else "product"
        axes: list[Axis] = []
        scope = stmt.model
        if scope is not None and scope.name not in checker.models:
            errors.append(msg.sweep_names_no_model(scope.name, scope.span, checker.models))
            continue
        for item in stmt.block.items:
            if isinstance(item, ast.Until):
                errors.append(msg.until_outside_train(item.span))
                continue
            key = item.key.name
            if key in seen:
                errors.append(msg.swept_twice(key, item.key.span, seen[key].line))
                continue
            seen[key] = item.key.span
            if key not in checker.lets:
                try:
                    categorical = _categorical(checker, key, item.value, item.span,
                                               scope.name if scope is not None else None)
                except SpecErrors as exc:
                    errors.extend(exc.diagnostics)
                    continue
                if categorical is not None:
                    axes.append(categorical)
                    continue
            if scope is not None:  # `sweep net { ... }`: net's own settings only
                scoped = _scoped_targets(checker, key, scope.name, item.key.span, used)
                if isinstance(scoped, Diagnostic):
                    errors.append(scoped)
                    continue
                targets = scoped
            elif key == "seed":
                targets = [ir.Slot(section="seed", key="seed")]
            elif key in checker.lets or (key in used and not _slot_targets(checker, key)):
                targets = [ir.Slot(section="let", key=key)]
            else:
                targets = _slot_targets(checker, key)
            if not targets and key in REPORT_KEYS:
                errors.append(msg.report_setting_swept(key, item.key.span))
                continue
            if not targets:
                errors.append(msg.not_sweepable(key, item.key.span, sweep_candidates(checker.lets)))
                continue
            try:
                values, spaced = _axis_values(item.value, env, key)
            except SpecErrors as exc:
                errors.extend(exc.diagnostics)
                continue
            if targets[0].section == "let":
                integer = key in integer_names
            else:
                integer = key == "seed" or all(t.key in INTEGER_SLOTS for t in targets)
            if integer:
                if spaced:
                    values = list(dict.fromkeys(float(round(v)) if math.isfinite(v) else v for v in values))
                bad = [v for v in values if not float(v).is_integer()]  # inf and nan too
                if bad:
                    errors.append(msg.sweep_not_integer(key, bad[0], item.value.span))
                    continue
                if key == "seed" and any(v < 0 for v in values):
                    errors.append(msg.negative_seed(item.value.span))
                    continue
            axes.append(Axis(key, values, targets, item.span))
        if mode == "zip" and axes:
            lengths = {len(a.values) for a in axes}
            if len(lengths) > 1:
                detail = ", ".join(f"{a.key}: {len(a.values)}" for a in axes)
                errors.append(msg.zip_lengths_differ(detail, stmt.span))
                continue
        blocks.append((mode, axes))
    if errors:
        raise SpecErrors(errors)
    return blocks


def expand_points(blocks: list[tuple[SweepMode, list[Axis]]]) -> list[dict[str, float]]:
    """Every sweep point as {axis key: value}, in a deterministic order (first axis slowest)."""
    per_block: list[list[dict[str, float]]] = []
    for mode, axes in blocks:
        if not axes:
            continue
        if mode == "zip":
            per_block.append([dict(zip([a.key for a in axes], combo))
                              for combo in zip(*[a.values for a in axes])])
        else:
            per_block.append([dict(zip([a.key for a in axes], combo))
                              for combo in itertools.product(*[a.values for a in axes])])
    points = []
    for combo in itertools.product(*per_block):
        merged: dict[str, float] = {}
        for part in combo:
            merged.update(part)
        points.append(merged)
    return points or [{}]


def run_count(blocks: list[tuple[SweepMode, list[Axis]]], models: int) -> int:
    """How many runs the sweep expands to, computed from the axes alone (before any point is built)."""
    count = max(1, models)
    for mode, axes in blocks:
        if axes:
            count *= len(axes[0].values) if mode == "zip" else math.prod(len(a.values) for a in axes)
    return count
