"""Sweep expansion: sweep blocks -> the list of runs, each with a stable content hash.

Input:  a :class:`~mlc.compiler.check.Checker` (the spec's statements, already collected).
Output: a :class:`~mlc.compiler.ir.Plan`: one :class:`~mlc.compiler.ir.Run` per (sweep point x model).
Role:   decide what each sweep key sets, expand lists / ranges / lin- and log-spaces as a product (the
        default) or a zip, resolve every point through the checker, and hash each run by its meaning.

What a sweep key may name, tried in this order:
  * ``seed``: the run's seed (data sampling and initialisation);
  * a ``let`` constant, or a free name used somewhere in the spec (``width = m`` and ``sweep { m = ... }``);
  * a setting name (``width``, ``n``, ``lr``, ``lambda``, ``steps``, ...): it sets that setting in every
    section that has it (every model, every training).
Several sweep blocks combine as a product. Values for integer settings produced by ``linspace`` or
``logspace`` are rounded to the nearest integer and repeated values dropped.

Every run of a plan is distinct (its hash is its meaning, :func:`mlc.compiler.ir.run_hash`). A model that
the swept values do not reach (a baseline next to a swept model) is trained once, at its first sweep point.
A sweep point that adds no run at all (an axis that changes nothing trained), two models that are the same
run, and a report that differs between points (the report is one for the plan) are E303.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from mlc.compiler import conventions, ir
from mlc.compiler import messages as msg
from mlc.compiler.check import CATEGORICAL_SLOTS, INTEGER_SLOTS, REPORT_KEYS, SWEEPABLE_SLOTS, Checker, Point
from mlc.compiler import families
from mlc.dsl.printer import format_expr
from mlc.compiler.evaluate import Number, evaluate
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, Span

MAX_RUNS = 100_000


@dataclass
class Axis:
    key: str
    values: list[float]
    targets: list[ir.Slot]
    span: Span
    choices: list[ast.Value] | None = None  # a categorical axis: value i is choices[i], as written


def _categorical(checker: Checker, key: str, node: ast.Value, span: Span) -> Axis | None:
    """`optimizer = [sgd(lr = 0.1), adam(lr = 1e-3)]`, `activation = [relu, tanh]`: an axis over settings' values
    (its values are the indices 0, 1, ...; ``SweepAxis.labels`` holds the values as written). None: not one."""
    targets: list[ir.Slot] = []
    if key in CATEGORICAL_SLOTS["model"]:
        targets = [ir.Slot(section="model", owner=name, key=key) for name, stmt in checker.models.items()
                   if stmt.family.name in families.names() and key in families.get(stmt.family.name).settings]
    elif key in CATEGORICAL_SLOTS["train"]:
        targets = [ir.Slot(section="train", owner=name, key=key) for name in checker.models]
    if not targets and key in CATEGORICAL_SLOTS["model"]:
        raise msg.fail(msg.categorical_without_model(key, span, [f for f in families.names()
                                                                 if key in families.get(f).settings]))
    if not targets:
        return None
    choices = list(node.items) if isinstance(node, ast.VectorLit) else [node]
    if not choices:
        raise msg.fail(msg.sweep_without_values(key, node.span))
    return Axis(key, [float(i) for i in range(len(choices))], targets, span, choices)


def _names_used(spec: ast.Spec) -> set[str]:
    """Every bare name the spec refers to (to recognise free sweep variables such as `m`)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif hasattr(node, "__dataclass_fields__") and not isinstance(node, (ast.Ident, Span)):
            for name in node.__dataclass_fields__:
                walk(getattr(node, name))

    walk([s for s in spec.statements if not isinstance(s, ast.SweepStmt)])
    return found


def _integer_names(spec: ast.Spec) -> set[str]:
    """Names written as the whole value of an integer setting (``width = m``): their spaces are rounded."""
    found: set[str] = set()
    for stmt in spec.statements:
        settings: list = []
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
        if isinstance(lo, tuple) or isinstance(hi, tuple) or lo != int(lo) or hi != int(hi):
            raise msg.fail(msg.range_needs_integers(node.span))
        if hi < lo:
            raise msg.fail(msg.empty_range(int(lo), int(hi), node.span))
        return [float(v) for v in range(int(lo), int(hi) + 1)], False
    if isinstance(node, ast.Call) and node.func.name in ("linspace", "logspace", "geomspace"):
        args = node.positional
        if len(args) != 3 or node.keywords:
            raise msg.fail(msg.write_as(f"{node.func.name}(start, stop, count)", node.span))
        a, b, k = (evaluate(x, env) for x in args)
        if any(isinstance(v, tuple) for v in (a, b, k)) or k != int(k) or k < 1:
            raise msg.fail(msg.count_not_positive(args[2].span))
        k = int(k)
        grid = [a + (b - a) * i / (k - 1) for i in range(k)] if k > 1 else [a]
        if node.func.name == "logspace":
            grid = [10.0 ** v for v in grid]
        elif node.func.name == "geomspace":
            if a <= 0 or b <= 0:
                raise msg.fail(msg.geomspace_not_positive(node.span))
            grid = [math.exp(math.log(a) + (math.log(b) - math.log(a)) * i / (k - 1)) for i in range(k)] \
                if k > 1 else [a]
        return grid, True
    if isinstance(node, ast.Every):
        raise msg.fail(msg.sweep_value_form(key, node.span))
    value = evaluate(node, env)
    if isinstance(value, tuple):
        if not value:
            raise msg.fail(msg.sweep_without_values(key, node.span))
        return list(value), False
    return [value], False


def resolve_axes(checker: Checker) -> list[tuple[str, list[Axis]]]:
    """Each sweep block's mode and axes. Raises SpecErrors listing every bad key."""
    env = _base_env(checker)
    used = _names_used(checker.spec)
    integer_names = _integer_names(checker.spec)
    errors: list[Diagnostic] = []
    blocks: list[tuple[str, list[Axis]]] = []
    seen: dict[str, Span] = {}
    for stmt in checker.sweeps:
        mode = stmt.mode.name if stmt.mode else "product"
        axes: list[Axis] = []
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
                    categorical = _categorical(checker, key, item.value, item.span)
                except SpecErrors as exc:
                    errors.extend(exc.diagnostics)
                    continue
                if categorical is not None:
                    axes.append(categorical)
                    continue
            if key == "seed":
                targets = [ir.Slot(section="seed", key="seed")]
            elif key in checker.lets or (key in used and not _slot_targets(checker, key)):
                targets = [ir.Slot(section="let", key=key)]
            else:
                targets = _slot_targets(checker, key)
            if not targets and key in REPORT_KEYS:
                errors.append(msg.report_setting_swept(key, item.key.span))
                continue
            if not targets:
                candidates = set(checker.lets) | {s for v in SWEEPABLE_SLOTS.values() for s in v} | {"seed"}
                errors.append(msg.not_sweepable(key, item.key.span, candidates))
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
                    values = list(dict.fromkeys(float(round(v)) for v in values))
                bad = [v for v in values if v != int(v)]
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


def expand_points(blocks: list[tuple[str, list[Axis]]]) -> list[dict[str, float]]:
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


def point_of(values: dict[str, float], axes: dict[str, Axis]) -> Point:
    point = Point()
    for key, value in values.items():
        for target in axes[key].targets:
            choices = axes[key].choices
            if choices is not None:
                point.choices[target] = choices[int(value)]
            elif target.section == "seed":
                point.seed = int(value)
            elif target.section == "let":
                point.bindings[target.key] = value
            else:
                point.overrides[target] = value
    return point


def axis_quantities(checker: Checker, blocks: list[tuple[str, list[Axis]]],
                    swept: dict[str, list[float]]) -> dict[str, tuple[ir.Quantity, ...]]:
    """What each axis varies (``ir.SweepAxis.varies``): the IR fields that change when this axis alone
    moves from the first sweep point to its next value, as quantities (``ir.quantity_of_field``).

    The meaning of an axis is what it reaches, never its spelling: with `data { n = m }`, `m` varies n
    (issue 7, bug 1). An axis with a single value varies nothing. Zip partners stay at the first point,
    so each axis of a zip gets its own meaning.
    """
    axes = {a.key: a for _, block_axes in blocks for a in block_axes}
    first = expand_points(blocks)[0]

    def fields(values: dict[str, float]) -> dict[tuple[str, str], Any] | None:
        try:
            res = checker.resolve(point_of(values, axes), swept)
        except SpecErrors:
            return None
        flat: dict[tuple[str, str], Any] = {}

        def walk(prefix: str, owner: str, value: Any) -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}", owner, v)
            else:
                flat[(prefix, owner)] = value

        for section in ("input", "target", "space", "data"):
            walk(section, "", getattr(res, section).model_dump(mode="json"))
        for model in res.models:
            walk("model", model.name, model.model_dump(mode="json", exclude={"name"}))
        for name, train in res.trains.items():
            walk("train", name, train.model_dump(mode="json", exclude={"model"}))
        flat[("report.delta", "")] = res.report.delta  # the rest of the report is presentation
        flat[("seed", "")] = point_of(values, axes).seed
        return flat

    base = fields(first)
    out: dict[str, tuple[ir.Quantity, ...]] = {}
    for key, axis in axes.items():
        found: set[ir.Quantity] = set()
        moved = next((m for v in axis.values if v != first.get(key)
                      if (m := fields({**first, key: v})) is not None), None)
        if base is not None and moved is not None:
            found = {ir.quantity_of_field(path) for (path, owner) in base.keys() | moved.keys()
                     if base.get((path, owner)) != moved.get((path, owner))}
        out[key] = tuple(sorted(found))
    return out


def run_count(blocks: list[tuple[str, list[Axis]]], models: int) -> int:
    """How many runs the sweep expands to, computed from the axes alone (before any point is built)."""
    count = max(1, models)
    for mode, axes in blocks:
        if axes:
            count *= len(axes[0].values) if mode == "zip" else math.prod(len(a.values) for a in axes)
    return count


def _differing_axes(a: dict[str, float], b: dict[str, float]) -> list[str]:
    return [key for key in a if a[key] != b.get(key)]


def _same_run(checker: Checker, axes: dict[str, Axis], first: tuple[dict[str, float], str],
              second: tuple[dict[str, float], str]) -> Diagnostic:
    """E303 for two runs with one hash: a sweep axis that changes nothing trained, or two equal models."""
    (values_a, model_a), (values_b, model_b) = first, second
    differing = _differing_axes(values_a, values_b)
    if not differing and model_a == model_b:
        shown = ", ".join(f"{k} = {v:g}" for k, v in values_a.items())
        return msg.point_twice(shown, checker.sweeps[0].span)
    if not differing:
        return msg.same_models(model_a, model_b, checker.models[model_b].span)
    shown = ", ".join(f"`{key}`" for key in differing)
    where = " and ".join(", ".join(f"{k} = {v[k]:g}" for k in differing) for v in (values_a, values_b))
    return msg.axis_changes_nothing(shown, where, axes[differing[0]].span)


def build_plan(checker: Checker) -> ir.Plan:
    """Expand the sweep and resolve every run. Raises SpecErrors (deduplicated over runs)."""
    blocks = resolve_axes(checker)
    axes = {a.key: a for _, block_axes in blocks for a in block_axes}
    count = run_count(blocks, len(checker.models))
    if count > MAX_RUNS:  # checked before expansion: a huge sweep is refused without building its points
        span = checker.sweeps[0].span if checker.sweeps else None
        raise msg.fail(msg.too_many_runs(count, MAX_RUNS, span))
    points = expand_points(blocks)
    # The report's axes are numeric: a categorical axis is not one to fit a rate over.
    swept = {key: axis.values for key, axis in axes.items() if axis.choices is None}
    runs: list[ir.Run] = []
    errors: dict[tuple, Diagnostic] = {}
    repeats: dict[tuple, int] = {}
    report: ir.Report | None = None
    report_point: dict[str, float] = {}
    owner_of: dict[str, tuple[dict[str, float], str]] = {}  # run hash -> (sweep point, model) first giving it
    for values in points:
        point = point_of(values, axes)
        try:
            resolved = checker.resolve(point, swept)
        except SpecErrors as exc:
            for diag in exc.diagnostics:
                key = (diag.code, diag.span)  # one report per place, however many sweep points hit it
                errors.setdefault(key, diag)
                repeats[key] = repeats.get(key, 0) + 1
            if len(errors) > 50:
                break
            continue
        if report is None:
            report, report_point = resolved.report, values
        elif resolved.report != report and ("report", None) not in errors:
            # The plan has one report; a report that differs between sweep points has no single meaning.
            shown = ", ".join(f"`{k}`" for k in _differing_axes(report_point, values))
            errors[("report", None)] = msg.report_depends_on_sweep(shown, checker.report.span)
            repeats[("report", None)] = 1
        added, repeated, same = False, None, []
        for model in resolved.models:
            train = resolved.trains[model.name]
            fields = dict(index=len(runs), hash="", model=model, train=train,
                          input=resolved.input, target=resolved.target, space=resolved.space,
                          data=resolved.data, seed=point.seed, params=dict(values))
            fields["hash"] = ir.run_hash(fields)
            fields["conventions"] = conventions.resolve(model, train, resolved.input, resolved.data)
            first = owner_of.get(fields["hash"])
            if first is None:
                owner_of[fields["hash"]] = (values, model.name)
                runs.append(ir.Run(**fields))
                added = True
            elif first[0] is values:  # two models of one point are the same run
                same.append(_same_run(checker, axes, first, (values, model.name)))
            else:  # a model the swept values do not reach: it is trained once, at its first point
                repeated = repeated or (first, (values, model.name))
        if repeated is not None and not added:  # the point adds no run: its axis changes nothing trained
            same.append(_same_run(checker, axes, *repeated))
        for diag in same:
            errors.setdefault((diag.code, diag.span), diag)
            repeats.setdefault((diag.code, diag.span), 1)
    if errors:
        for key, diag in errors.items():
            if repeats[key] > 1:
                diag.notes.append(f"{repeats[key] - 1} more sweep point(s) fail here the same way")
        raise SpecErrors(list(errors.values()))
    varies = axis_quantities(checker, blocks, swept)
    sweep_ir = tuple(
        ir.SweepBlock(mode=mode, axes=tuple(ir.SweepAxis(key=a.key, values=tuple(a.values),
                                                         targets=tuple(a.targets), varies=varies[a.key],
                                                         labels=tuple(format_expr(c) for c in a.choices or ()))
                                            for a in block_axes))
        for mode, block_axes in blocks
    )
    report = report or ir.Report()
    # A plot's x_kind follows from its x and the sweep, which the hash covers already.
    report_meaning = report.model_dump(mode="json", exclude={"plots": {"__all__": {"x_kind"}}})
    spec_hash = ir.content_hash({"runs": [r.hash for r in runs], "report": report_meaning})
    return ir.Plan(problem=checker.problem_name, spec_hash=spec_hash, sweep=sweep_ir, report=report,
                   runs=tuple(runs))
