"""The claims pass: `claims { ... }` -> a tuple of :class:`~mlc.compiler.ir.Claim`.

Input:  the claims statement (or none), the environment of constants, the swept axes, the data, the input law,
        the resolved models and their training.
Output: the claims of the report (``ir.Report.claims``), each with its numbers evaluated, or diagnostics.
Role:   a claim may only speak about what the spec produces: a metric that some model of the spec measures (the
        metric registry, :mod:`mlc.compiler.metrics`, says for which families and inputs; a per-frequency
        metric's order needs it recorded during training; a rate over the step needs it recorded at 3 points or
        more) and a numeric swept axis other than the seed. Its
        numbers (a peak's location ``m = n``, a threshold) are expressions of the constants, ``n``, ``n_test`` and
        ``d``, as a report mark's are. Nothing here looks at results: ``mlc.runtime.claims`` evaluates them.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping, Sequence

from mlc.compiler import ir, metrics
from mlc.compiler import messages as msg
from mlc.compiler.evaluate import Number, evaluate
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors
from mlc.dsl.printer import format_expr


def _why_not_measured(metric: metrics.Metric, model: ir.Model, train: ir.Train | None, dist: ir.InputDist) -> str | None:
    """Why a model does not measure ``metric`` (None when it does), following the lowering's measurement
    (``compiler.lower.measure``), which reads the same registry."""
    if not metric.applies_to(model.family):
        return f"it is defined for {', '.join(metric.defined_for())} models only"
    if metric.needs_grid and (dist.kind != "grid" or dist.dim != 1):
        return "it needs a 1-D grid input"
    if metric.name in ("penalty_term", "penalty_term_init") and (train is None or train.penalty.kind == "none"):
        return "no model is trained with a penalty"
    if metric.name == "flow_nfe" and (train is None or not train.flow):
        return "no model is trained by `optimizer = flow(...)`"
    if metric.name in ("zero_predictor_mse", "constant_predictor_mse") and train is not None and train.loss == "logistic":
        return "it is measured for regression losses only"
    return None


def measured_metrics(models: Sequence[ir.Model], trains: Mapping[str, ir.Train], dist: ir.InputDist) -> list[str]:
    """The registry's metrics that at least one of ``models`` measures, in registry order."""
    return [name for name, metric in metrics.METRICS.items()
            if any(_why_not_measured(metric, m, trains.get(m.name), dist) is None for m in models)]


def _check_metric(name: ast.Ident, models: Sequence[ir.Model], trains: Mapping[str, ir.Train],
                  dist: ir.InputDist) -> Diagnostic | None:
    measured = measured_metrics(models, trains, dist)
    metric = metrics.METRICS.get(name.name)
    if metric is None:
        return msg.claim_unknown_metric(name.name, name.span, measured)
    reasons = [_why_not_measured(metric, m, trains.get(m.name), dist) for m in models]
    if models and all(r is not None for r in reasons):
        return msg.claim_metric_not_measured(name.name, name.span, str(reasons[0]), measured)
    return None


def _number(node: ast.Expr, env: Mapping[str, Number], what: str) -> float:
    value = evaluate(node, env)
    if isinstance(value, tuple):
        raise msg.fail(msg.claim_not_number(what, node.span))
    return float(value)


def _axis(name: ast.Ident, axes: Sequence[str]) -> str:
    if name.name not in axes:
        raise msg.fail(msg.claim_axis_not_swept(name.name, name.span, axes))
    return name.name


def _percent(node: ast.Number, what: str) -> float:
    if not 0 < node.value < 1000:
        raise msg.fail(msg.claim_bad_tolerance(what, f"{node.value:g}%", node.span, "a percentage above 0 (e.g. `5%`)"))
    return node.value / 100.0


def _scope(name: ast.Ident | None, models: Sequence[ir.Model]) -> str:
    """The one model a claim is about (`... for MODEL`), or "" (every model) without ``for``."""
    if name is None:
        return ""
    names = [m.name for m in models]
    if name.name not in names:
        raise msg.fail(msg.claim_unknown_model(name.name, name.span, names))
    return name.name


RATE_MIN_POINTS = 3
"""The recorded points (after ``from step``) a rate claim's log-log fit needs: two always fit a line exactly."""


def recorded_points(train: ir.Train) -> list[float] | None:
    """The steps (or gradient-flow times) after the start at which a training records its curves: every
    ``every`` steps or the ``at`` points, and the end (the trainers always record the start and the end; a
    stopping rule may end a run earlier). None when the end is not a finite step (``gradient_flow`` to
    ``time = inf`` with ``every``)."""
    record = train.record
    end = train.steps if train.steps is not None else train.time
    if not record.recording:
        return []
    if end is None or not math.isfinite(end):
        return sorted(t for t in record.at if t > 0) if record.at else None
    if record.every > 0:
        points = [float(t) for t in range(record.every, int(end) + 1, record.every)]
    else:
        points = sorted(float(t) for t in record.at if 0 < t < end)
    return points if points and points[-1] == end else [*points, float(end)]


def _record_help(metric: str, trains: Sequence[ir.Train]) -> str:
    """The record rule that adds ``metric`` to the first of ``trains`` that records something (else a new one)."""
    for train in trains:
        record = train.record
        if record.recording and record.metrics:
            names = ", ".join((*record.metrics, metric))
            if record.every > 0:
                return f"record = every {record.every}: {names}"
            return f"record = at {', '.join(f'{t:g}' for t in record.at)}: {names}"
    return f"record = every 50: {metric}"


def _rate_start(node: ast.ClaimRate | ast.ClaimRateInsensitive | ast.ClaimRateTrend, env: Mapping[str, Number],
                models: Sequence[ir.Model], trains: Mapping[str, ir.Train], dist: ir.InputDist, model: str) -> float:
    """A rate claim's first step (``from step K``, 0 without), after checking that each model it speaks about
    records the metric at enough points from there on."""
    metric = node.metric.name
    start = _number(node.start, env, "the first step") if node.start is not None else 0.0
    if start < 0:
        assert node.start is not None
        raise msg.fail(msg.claim_bad_tolerance("the first step", f"{start:g}", node.start.span,
                                               "a step of the training, 0 or more (e.g. `from step 100`)"))
    scope = [m for m in models if not model or m.name == model]
    recording = [(m.name, t) for m in scope if (t := trains.get(m.name)) is not None
                 and metric in t.record.metrics and t.record.recording]
    if not recording:
        measured = [n for n in measured_metrics(scope, trains, dist) if n in metrics.recordable()]
        raise msg.fail(msg.claim_rate_not_recorded(metric, node.metric.span, metric in metrics.recordable(),
                                                   _record_help(metric, [t for t in (trains.get(m.name) for m in scope)
                                                                         if t is not None]), measured))
    for name, train in recording:
        points = recorded_points(train)
        if points is None:
            continue  # an unbounded time: the runtime counts the points it recorded
        used = [t for t in points if t >= start]
        if len(used) < RATE_MIN_POINTS:
            where = f"from step {start:g}" if start > 0 else "after the start"
            shown = ", ".join(f"{t:g}" for t in used) or "none"
            raise msg.fail(msg.claim_rate_few_points(metric, name, len(used), f"{where} ({shown})", node.span,
                                                     RATE_MIN_POINTS))
    return start


def _claim(node: ast.Claim, env: Mapping[str, Number], axes: Sequence[str], models: Sequence[ir.Model],
           trains: Mapping[str, ir.Train], dist: ir.InputDist) -> ir.Claim:
    problem = _check_metric(node.metric, models, trains, dist)
    if problem is not None:
        raise msg.fail(problem)
    text = format_expr(node)  # canonical: layout does not change the claim (nor the spec hash)
    metric = node.metric.name
    if isinstance(node, (ast.ClaimRate, ast.ClaimRateInsensitive, ast.ClaimRateTrend)):
        model = _scope(node.model, models)
        if isinstance(node, ast.ClaimRate):
            at = _conditions(node.conditions, env, axes)
            return ir.Claim(kind="rate", text=text, metric=metric, op=node.op, value=_number(node.value, env, "the rate"),
                            at=at, model=model, start=_rate_start(node, env, models, trains, dist, model))
        axis = _axis(node.axis, axes)
        start = _rate_start(node, env, models, trains, dist, model)
        if isinstance(node, ast.ClaimRateInsensitive):
            return ir.Claim(kind="rate_insensitive", text=text, metric=metric, axis=axis, model=model, start=start,
                            value=_percent(node.percent, "the relative spread"))
        trend: Literal["increasing", "decreasing"] = "increasing" if node.trend.name == "increases" \
            else "decreasing"
        return ir.Claim(kind="rate_trend", text=text, metric=metric, axis=axis, model=model, start=start,
                        direction=trend)
    if isinstance(node, ast.ClaimPeak):
        axis = _axis(node.axis, axes)
        if node.at_axis.name != axis:
            raise msg.fail(msg.claim_peak_other_axis(axis, node.at_axis.name, node.at_axis.span))
        where = _number(node.value, env, "the peak's location")
        tolerance = 0.0
        kind: Literal["none", "percent", "steps"] = "none"
        if isinstance(node.tolerance, ast.TolerancePercent):
            tolerance, kind = _percent(node.tolerance.percent, "the tolerance"), "percent"
        elif isinstance(node.tolerance, ast.ToleranceSteps):
            steps, word = node.tolerance.steps, node.tolerance.word
            if word.name not in ("step", "steps"):
                raise msg.fail(msg.claim_tolerance_unit(word.name, word.span))
            if not float(steps.value).is_integer():
                raise msg.fail(msg.claim_bad_tolerance("the tolerance in grid steps", f"{steps.value:g}", steps.span,
                                                       "a whole number of grid steps (e.g. `within 1 step`)"))
            tolerance, kind = float(steps.value), "steps"
        return ir.Claim(kind="peak", text=text, metric=metric, axis=axis, value=where, tolerance=tolerance,
                        tolerance_kind=kind, model=_scope(node.model, models))
    if isinstance(node, ast.ClaimSlope):
        axis = _axis(node.axis, axes)
        return ir.Claim(kind="slope", text=text, metric=metric, axis=axis, op=node.op,
                        value=_number(node.value, env, "the slope"), model=_scope(node.model, models))
    if isinstance(node, ast.ClaimInsensitive):
        axis = _axis(node.axis, axes)
        return ir.Claim(kind="insensitive", text=text, metric=metric, axis=axis,
                        value=_percent(node.percent, "the relative spread"), model=_scope(node.model, models))
    if isinstance(node, ast.ClaimRobust):
        if node.better.name == node.worse.name:
            raise msg.fail(msg.claim_robust_same_form(node.better.name, node.worse.span))
        # the axis is categorical: the plan checks it and its forms (compiler.expand), where the labels are known
        return ir.Claim(kind="robust", text=text, metric=metric, axis=node.axis.name,
                        forms=(node.better.name, node.worse.name))
    if isinstance(node, ast.ClaimOrder):
        if node.direction.name not in ORDER_DIRECTIONS:
            raise msg.fail(msg.claim_order_direction(node.direction.name, node.direction.span, ORDER_DIRECTIONS))
        if not metrics.METRICS[metric].per_frequency:
            per_frequency = [m.name for m in metrics.METRICS.values() if m.per_frequency]
            raise msg.fail(msg.claim_order_not_per_frequency(metric, node.metric.span, per_frequency))
        if not any(metric in t.record.metrics and t.record.recording for t in trains.values()):
            raise msg.fail(msg.claim_metric_not_recorded(metric, node.metric.span))
        below = _number(node.below, env, "the threshold") if node.below is not None else DEFAULT_ORDER_THRESHOLD
        if not below > 0:
            span = node.below.span if node.below is not None else node.span
            raise msg.fail(msg.claim_bad_tolerance("the threshold", f"{below:g}", span,
                                                   "a number above 0 (e.g. `below 0.1`)"))
        direction: Literal["increasing", "decreasing"] = \
            "increasing" if node.direction.name == "increasing" else "decreasing"
        return ir.Claim(kind="order", text=text, metric=metric, value=below, direction=direction)
    if isinstance(node, ast.ClaimRegime):
        if node.regime.name not in REGIMES:
            raise msg.fail(msg.claim_unknown_regime(node.regime.name, node.regime.span, REGIMES))
        if not any(metric in t.record.metrics and t.record.recording for t in trains.values()):
            raise msg.fail(msg.claim_metric_not_recorded(metric, node.metric.span))
        return ir.Claim(kind="regime", text=text, metric=metric, regime=node.regime.name,
                        at=_conditions(node.conditions, env, axes))
    return ir.Claim(kind="compare", text=text, metric=metric, op=node.op, value=_number(node.value, env, "the bound"),
                    at=_conditions(node.conditions, env, axes))


REGIMES = ("spikes", "small_oscillation", "large_oscillation")
"""The regimes of a recorded loss curve (``mlc.runtime.readouts.adam_regime``, with ``_`` for the space)."""


def _conditions(conditions: Sequence[ast.Condition], env: Mapping[str, Number], axes: Sequence[str]) -> dict[str, float]:
    at: dict[str, float] = {}
    for condition in conditions:
        if condition.axis.name in at:
            raise msg.fail(msg.claim_axis_twice(condition.axis.name, condition.axis.span))
        at[_axis(condition.axis, axes)] = _number(condition.value, env, f"the value of `{condition.axis.name}`")
    return at


DEFAULT_ORDER_THRESHOLD = 0.1
ORDER_DIRECTIONS = ("increasing", "decreasing")
"""The words after `is` in `order of METRIC convergence is ...` (also offered by the editor's completion)."""
"""The Δ(k) below which a frequency counts as converged when ``order ... convergence`` names no threshold: a
relative error of the Fourier coefficient of 10%."""


def claims_ir(stmt: ast.ClaimsStmt | None, env: Mapping[str, Number], swept: Mapping[str, Any], data: ir.Data,
              dist: ir.InputDist, models: Sequence[ir.Model], trains: Mapping[str, ir.Train]) -> tuple[ir.Claim, ...]:
    """The spec's claims, every problem of every claim reported together."""
    if stmt is None:
        return ()
    # As for report marks: the numbers may name the data sizes and the dimension; lets take precedence.
    claim_env: dict[str, Number] = {"n": float(data.n), "n_test": float(data.n_test), "d": float(dist.dim), **env}
    axes = [k for k in swept if k != ir.SEED_KEY]
    out: list[ir.Claim] = []
    errors: list[Diagnostic] = []
    for node in stmt.items:
        try:
            out.append(_claim(node, claim_env, axes, models, trains, dist))
        except SpecErrors as exc:
            errors.extend(exc.diagnostics)
    if errors:
        raise SpecErrors(errors)
    return tuple(out)
