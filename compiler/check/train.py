"""The train pass: `train [NAME] { ... }` blocks -> one ir.Train per model.

Input:  the train blocks (the shared one and the model's own), the resolved model, data and input, the
        environment of constants and one sweep :class:`~mlc.compiler.check.values.Point`.
Output: ir.Train (loss, penalty, optimizer, steps, stop rule, solve, record, the resources of its groups), or
        diagnostics.
Role:   the training's settings, typed and in range: the loss, the penalty and its lambda (``auto`` resolved
        to the theorem's value), the optimizer and its settings, steps / max_steps / until, what to record;
        then the combination rules of :mod:`mlc.compiler.check.rules`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from mlc.compiler import conventions, grids, ir
from mlc.compiler import messages as msg
from mlc.compiler.check import rules
from mlc.compiler.check.tables import (COUNT, LAMBDA, LOSSES, METRICS, OPTIMIZER_KEYS, OPTIMIZERS, PENALTIES, SOLVES,
                                       STOP_METRICS, TRAIN_KEYS)
from mlc.compiler.check.values import (Collector, Point, call_parts, check_number, enum_of, scalar_of, swept_value,
                                       value_of)
from mlc.compiler.evaluate import Number, evaluate
from mlc.dsl import ast
from mlc.dsl.diagnostics import Span

_INSIDE = {"lr": ("optimizer", "optimizer = gd(lr = 0.1)"), "batch": ("optimizer", "optimizer = sgd(batch = 32)"),
           "lambda": ("penalty", "penalty = path_norm(lambda = 0.1)")}
"""Settings that belong inside a call of the train block, not in the block itself."""


def train_ir(blocks: list[ast.TrainStmt], model: ir.Model, env: Mapping[str, Number], point: Point,
             data: ir.Data, dist: ir.InputDist) -> ir.Train:
    """The training of ``model``: the named block overrides the shared one, key by key."""
    items, until = train_items(blocks)
    for slot, node in point.choices.items():  # a categorical sweep's value replaces the written one
        if slot.section == "train" and slot.owner == model.name:
            items[slot.key] = ast.Setting(key=ast.Ident(slot.key, node.span), value=node, span=node.span)
    owner = f"training of `{model.name}`"
    prefix = model.name  # the owner of this training's slots
    problems = Collector()
    for key, item in items.items():
        if key in _INSIDE:
            problems.add(msg.fail(msg.misplaced_train_setting(key, *_INSIDE[key], item.key.span)))
        elif key not in TRAIN_KEYS:
            problems.add(msg.fail(msg.unknown_setting("train", key, item.key.span, TRAIN_KEYS)))
    loss = problems.run(lambda: _loss(items.get("loss"))) or "mse"
    penalty = problems.run(lambda: _penalty(items.get("penalty"), model, env, point, prefix, loss))
    optimizer = problems.run(lambda: _optimizer(items.get("optimizer"), env, point, prefix))
    record = problems.run(lambda: _record(items.get("record"), env, model, dist))
    solve_item = items.get("solve")
    solve = problems.run(lambda: enum_of(solve_item.value, SOLVES, "solve")) if solve_item else "gd"
    problems.raise_if_any()
    assert penalty is not None and optimizer is not None and record is not None and solve is not None
    steps = _count(items.get("steps"), "steps", env, prefix, point, owner)
    max_steps = _count(items.get("max_steps"), "max_steps", env, prefix, point, owner)
    stop = None
    if until is not None:
        stop = _stop_rule(until, env)
        if steps is not None and max_steps is not None:
            raise msg.fail(msg.steps_and_max_steps(items["max_steps"].span))
        steps = max_steps or steps or 100_000
    elif max_steps is not None:
        if steps is not None:
            raise msg.fail(msg.max_steps_without_until(items["max_steps"].span))
        steps = max_steps
    if steps is None:
        steps = TRAIN_KEYS["steps"].default
    time = _time(items, until, solve, env, optimizer)
    placement = {key: float(check_number(TRAIN_KEYS[key], key, scalar_of(items[key].value, env, key),
                                         items[key].value.span, owner))
                 for key in ("group_cpus", "group_gpus") if key in items}
    record = _record_points(record, items.get("record"), solve, time if time is not None else float(steps),
                            flow=optimizer.kind == "flow")
    if optimizer.kind == "flow":  # a time instead of steps
        train = ir.Train(model=model.name, loss=loss, penalty=penalty, optimizer=optimizer,  # type: ignore[arg-type]
                         steps=None, solve=solve, record=record, time=time,  # type: ignore[arg-type]
                         group_cpus=placement.get("group_cpus"), group_gpus=placement.get("group_gpus"))
    elif solve in ir.CLOSED_FORM_SOLVES:  # a closed form has no optimizer and no steps (issue 7, bug 8)
        train = ir.Train(model=model.name, loss=loss, penalty=penalty, stop=stop, solve=solve,  # type: ignore[arg-type]
                         record=record, time=time, group_cpus=placement.get("group_cpus"),
                         group_gpus=placement.get("group_gpus"))
    else:
        train = ir.Train(model=model.name, loss=loss, penalty=penalty, optimizer=optimizer,  # type: ignore[arg-type]
                         steps=int(steps), stop=stop, solve=solve, record=record,  # type: ignore[arg-type]
                         group_cpus=placement.get("group_cpus"), group_gpus=placement.get("group_gpus"))
    spans: dict[str, Span] = {key: item.span for key, item in items.items()}
    broken = rules.check_training(rules.Training(model, train, data, dist, spans))
    if broken:
        raise msg.fail(*broken)
    return train


def train_items(blocks: list[ast.TrainStmt]) -> tuple[dict[str, ast.Setting], ast.Until | None]:
    """The settings of a training (the named block's override the shared one's, key by key) and its `until`."""
    items: dict[str, ast.Setting] = {}
    until: ast.Until | None = None
    for block in blocks:
        for item in block.block.items:
            if isinstance(item, ast.Until):
                until = item
            else:
                items[item.key.name] = item
    return items, until


def _count(item: ast.Setting | None, key: str, env: Mapping[str, Number], prefix: str, point: Point,
           owner: str) -> int | None:
    """`steps` or `max_steps`, written or swept; None when neither."""
    spec = TRAIN_KEYS[key]
    slot = ir.Slot(section="train", owner=prefix, key=key)
    if item is not None:
        return int(value_of(spec, key, item.value, env, slot, point, owner))
    if slot in point.overrides:
        return int(swept_value(point, slot, spec, key, None, "train"))
    return None


def _loss(item: ast.Setting | None) -> str:
    if item is None:
        return "mse"
    return enum_of(item.value, LOSSES, "loss")  # `mse/2` arrives as half_mse (mlc.dsl.desugar)


def _penalty(item: ast.Setting | None, model: ir.Model, env: Mapping[str, Number], point: Point, prefix: str,
             loss: str) -> ir.Penalty:
    if item is None:
        return ir.Penalty()
    kind, kwargs = call_parts(item.value, "penalty", PENALTIES)
    wrong_family = rules.penalty_for_family(kind, model.family, item.value.span)
    if wrong_family is not None:
        raise msg.fail(wrong_family)
    if kind == "none":
        if kwargs:
            raise msg.fail(msg.takes_no_arguments("none", kwargs[0].span))
        return ir.Penalty()
    slot = ir.Slot(section="penalty", owner=prefix, key="lambda")
    lam, auto = None, False
    for kw in kwargs:
        if kw.key.name != "lambda":
            raise msg.fail(msg.unknown_argument(kw.key.name, kind, kw.key.span, ("lambda",)))
        if isinstance(kw.value, ast.Name) and kw.value.id == "auto":
            if kind != "path_norm":
                raise msg.fail(msg.auto_lambda_only_path_norm(kw.value.span))
            auto = True
        else:
            lam = value_of(LAMBDA, "lambda", kw.value, env, slot, point, kind)
    if slot in point.overrides and lam is None and not auto:
        lam = swept_value(point, slot, LAMBDA, "lambda", item.span, kind)
    if lam is None and not auto:
        if kind == "path_norm":
            auto = True
        else:
            raise msg.fail(msg.missing_setting(f"`{kind}`", "a lambda", item.value.span,
                                               f"write `{kind}(lambda = 1e-3)`"))
    return ir.Penalty(kind=kind, lam=conventions.auto_lambda(loss) if auto else float(lam or 0.0), auto=auto)  # type: ignore[arg-type]


def _optimizer(item: ast.Setting | None, env: Mapping[str, Number], point: Point, prefix: str) -> ir.Optimizer:
    kind, kwargs = ("gd", []) if item is None else call_parts(item.value, "optimizer", OPTIMIZERS)
    specs = OPTIMIZER_KEYS[kind]
    values: dict[str, Any] = {}
    for kw in kwargs:
        key = kw.key.name
        if key not in specs:
            owners = [k for k, s in OPTIMIZER_KEYS.items() if key in s]
            if kind == "msa" and owners:  # batch, momentum, betas: a gradient method's, not the maximum principle's
                raise msg.fail(msg.msa_gradient_setting(key, kw.key.span, owners))
            raise msg.fail(msg.setting_of_other_optimizer(kind, key, kw.key.span, owners) if owners
                           else msg.unknown_optimizer_setting(kind, key, kw.key.span, specs))
        if specs[key].kind == "betas":
            values[key] = _betas(kw.value, env)
        else:
            values[key] = value_of(specs[key], key, kw.value, env, ir.Slot(section="optimizer", owner=prefix, key=key),
                                   point, kind)
    for key, spec in specs.items():
        if key not in values:
            slot = ir.Slot(section="optimizer", owner=prefix, key=key)
            if slot in point.overrides:
                values[key] = swept_value(point, slot, spec, key, item.span if item else None, kind)
            else:
                values[key] = spec.default
    if kind == "flow":  # its own settings only; the rate is lr = 1's (ir.Optimizer)
        return _flow(values, kwargs)
    return ir.Optimizer(kind=kind, lr=float(values["lr"]), batch=values.get("batch"),  # type: ignore[arg-type]
                        betas=values.get("betas", (0.9, 0.999)), momentum=float(values.get("momentum", 0.0)),
                        eps=float(values.get("eps", 1e-8)),
                        **{key: values[key] for key in ("rho", "inner_steps") if key in values})  # msa's


def _flow(values: Mapping[str, Any], kwargs: list[ast.KwArg]) -> ir.Optimizer:
    """``flow(rtol, atol, method)``: a relative tolerance tighter than :data:`ir.FLOW_MIN_RTOL` is refused (the
    solver could not take a step that meets it)."""
    rtol = float(values["rtol"])
    if rtol < ir.FLOW_MIN_RTOL:
        span = next(kw.value.span for kw in kwargs if kw.key.name == "rtol")
        raise msg.fail(msg.flow_tolerance_unreachable(rtol, ir.FLOW_MIN_RTOL, span))
    return ir.Optimizer(kind="flow", rtol=rtol, atol=float(values["atol"]), method=values["method"])


def _betas(node: ast.Value, env: Mapping[str, Number]) -> tuple[float, float]:
    value = evaluate(node, env) if not isinstance(node, (ast.RangeLit, ast.Every)) else None
    if not isinstance(value, tuple) or len(value) != 2:
        raise msg.fail(msg.betas_not_pair(node.span))
    if not all(0 <= b < 1 for b in value):
        raise msg.fail(msg.betas_out_of_range(node.span))
    return (float(value[0]), float(value[1]))


def _stop_rule(until: ast.Until, env: Mapping[str, Number]) -> ir.StopRule:
    cond = until.condition
    if not isinstance(cond, ast.Compare) or cond.op not in ("<", "<=") or not isinstance(cond.left, ast.Name):
        raise msg.fail(msg.write_as("until train_error < 1e-6", until.span))
    if cond.left.id not in STOP_METRICS:
        raise msg.fail(msg.cannot_stop_on(cond.left.id, until.span, STOP_METRICS))
    threshold = evaluate(cond.right, env)
    if isinstance(threshold, tuple) or threshold <= 0:
        raise msg.fail(msg.threshold_not_positive(cond.right.span))
    return ir.StopRule(metric=cond.left.id, threshold=float(threshold))


MAX_RECORD_POINTS = 10_000
"""The most points a `record = at ...` grid may list (each is a measurement of the whole model)."""


def _time(items: Mapping[str, ast.Setting], until: ast.Until | None, solve: str,
          env: Mapping[str, Number], optimizer: ir.Optimizer) -> float | None:
    """The time of a gradient-flow solve (``inf`` when not given: the limit) or of `optimizer = flow(...)`
    (finite, required); None for the other trainings, which may not give one. Gradient flow has no optimizer, no
    steps and no stopping rule; a flow has no steps and no stopping rule."""
    item = items.get("time")
    if optimizer.kind == "flow" and solve == "gd":
        return _flow_time(items, until, env)
    if optimizer.kind == "flow" and solve != "gradient_flow":  # gradient_flow's own rule names the optimizer
        raise msg.fail(msg.flow_needs_gd_solve(solve, items["solve"].value.span))
    if solve != "gradient_flow":
        if item is not None:
            raise msg.fail(msg.time_without_gradient_flow(solve, item.key.span))
        return None
    for key in ("steps", "max_steps", "optimizer"):
        if key in items:
            raise msg.fail(msg.gradient_flow_has_no_steps(key, items[key].key.span))
    if until is not None:
        raise msg.fail(msg.gradient_flow_has_no_steps("until", until.span))
    if item is None:
        return math.inf
    value = scalar_of(item.value, env, "time")
    if value == math.inf:
        return value
    return float(check_number(TRAIN_KEYS["time"], "time", value, item.value.span, "gradient flow"))


def _flow_time(items: Mapping[str, ast.Setting], until: ast.Until | None, env: Mapping[str, Number]) -> float:
    """The finite time t of `optimizer = flow(...)`: it replaces `steps` (t = η·k), and there is no `until`."""
    for key in ("steps", "max_steps"):
        if key in items:
            raise msg.fail(msg.flow_has_no_steps(key, items[key].key.span))
    if until is not None:
        raise msg.fail(msg.flow_has_no_steps("until", until.span))
    item = items.get("time")
    if item is None:
        raise msg.fail(msg.flow_needs_time(None, items["optimizer"].value.span))
    value = scalar_of(item.value, env, "time")
    if not math.isfinite(value):
        raise msg.fail(msg.flow_needs_time(value, item.value.span))
    return float(check_number(TRAIN_KEYS["time"], "time", value, item.value.span, "the flow"))


def _record_points(record: ir.Record, item: ast.Setting | None, solve: str, end: float,
                   flow: bool = False) -> ir.Record:
    """The ``at`` points of ``record`` checked against the training: ≥ 0, at most the end, whole steps unless the
    solve is gradient flow (a spaced grid is rounded to whole steps and repeats dropped, as in sweeps), sorted,
    without 0 and the end (always recorded) and without repeats."""
    if not record.at or item is None:
        return record
    assert isinstance(item.value, ast.Every)
    node = item.value.interval
    flow = flow or solve == "gradient_flow"
    points: list[float] = []
    for value in record.at:
        if value < 0:
            raise msg.fail(msg.record_point_negative(value, node.span))
        if not flow and grids.is_space(node) and math.isfinite(value):
            value = float(round(value))  # a spaced grid of steps is rounded, as in sweeps
        if value > end:
            raise msg.fail(msg.record_point_after_end(value, end, "time" if flow else "steps", node.span))
        if not flow and value != int(value):
            raise msg.fail(msg.record_point_not_step(value, node.span))
        points.append(value)
    kept = tuple(sorted({p for p in points if 0 < p < end}))
    return record.model_copy(update={"at": kept})


def _record(item: ast.Setting | None, env: Mapping[str, Number], model: ir.Model, dist: ir.InputDist) -> ir.Record:
    if item is None:
        return ir.Record()
    node = item.value
    if not isinstance(node, ast.Every):
        raise msg.fail(msg.write_as("record = every 100: train_error, test_error", node.span))
    at: tuple[float, ...] = ()
    every = 0
    if node.at:
        at = _points(node.interval, env)
    else:
        every = check_number(COUNT, "every", scalar_of(node.interval, env, "every"), node.interval.span, "record")
    names = []
    for metric in node.metrics:
        if metric.name not in METRICS:
            raise msg.fail(msg.unknown_metric(metric.name, metric.span, METRICS))
        wrong = rules.metric_for_family(metric.name, model.family, metric.span)
        if wrong is not None:
            raise msg.fail(wrong)
        wrong = rules.metric_for_input(metric.name, dist, metric.span)
        if wrong is not None:
            raise msg.fail(wrong)
        names.append(metric.name)
    return ir.Record(every=int(every), metrics=tuple(names), at=at)


def _points(node: ast.Expr, env: Mapping[str, Number]) -> tuple[float, ...]:
    """The numbers of `at POINTS`: a spaced grid, a list or one number (not yet checked against the training)."""
    if isinstance(node, ast.Call) and grids.is_space(node):
        count = grids.count_of(node, env)
        if count is not None and count > MAX_RECORD_POINTS:  # refused before a point is made
            raise msg.fail(msg.too_many_record_points(count, MAX_RECORD_POINTS, node.span))
        values = grids.spaced(node, env)
    else:
        value = evaluate(node, env)
        values = list(value) if isinstance(value, tuple) else [value]
    if len(values) > MAX_RECORD_POINTS:
        raise msg.fail(msg.too_many_record_points(len(values), MAX_RECORD_POINTS, node.span))
    for v in values:
        if math.isnan(v):
            raise msg.fail(msg.not_finite("at", v, node.span))
    return tuple(values)

