"""Comparing a plan's estimate with the machine: which runs train, which are refused, and whether to start.

Input:  a plan, its desugared AST (for spans), how it will train (:class:`~mlc.compiler.resources.Setup`) and
        :class:`Limits` (the memory available or allowed, the time allowed, the measured speed as a function
        from an estimate to seconds, ``--yes``).
Output: :class:`Verdict`: the runs that train, the runs refused (each with its E401 diagnostic), the errors that
        stop the whole plan before anything is allocated, and the estimate of what will train.
Role:   the policy of the resource plan, torch-free (the numbers come from ``runtime.machine``):

* a run whose cost trained alone exceeds the memory limit is refused alone; the others still train (they are
  regrouped without it, so the packed ensembles shrink);
* if what is left still does not fit (many runs packed together, or all the data at once), the plan is refused;
* a plan expected to take longer than ``--max-time`` is refused; without ``--max-time``, one expected to take
  more than :data:`CONFIRM_SECONDS`, or whose recorded curves take more than :data:`CONFIRM_DISK` bytes, starts
  only with ``--yes``.

Every diagnostic points at the setting that makes the cost big (:func:`driver`: each candidate setting made
small in turn, the one whose contribution is largest wins), found in the spec by ``compiler.resource_spans``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from mlc.compiler import messages as msg
from mlc.compiler.ir import Plan, Run
from mlc.compiler.resource_spans import locate
from mlc.compiler.resources import PlanEstimate, Setup, estimate_runs, theory_bytes
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, Span

CONFIRM_SECONDS = 3600.0
"""A plan expected to take longer starts only with ``--yes`` (or under an explicit ``--max-time``)."""
CONFIRM_DISK = 1 << 30
"""A plan whose recorded curves take more bytes on disk starts only with ``--yes``."""


@dataclass(frozen=True)
class Limits:
    memory: int | None  # bytes the plan may use (None: unknown, not checked)
    memory_source: str  # how to say it: "the machine has 24 GiB available", "--max-memory is 2 GiB"
    seconds: Callable[[PlanEstimate], float] | None = None  # the expected time of an estimate (measured speed)
    max_time: float | None = None  # --max-time, in seconds
    yes: bool = False  # --yes: start a plan above the thresholds that ask


@dataclass
class Verdict:
    runs: list[Run]  # the runs that train
    estimate: PlanEstimate  # of those runs
    refused: dict[int, Diagnostic] = field(default_factory=dict)  # run index -> why
    errors: list[Diagnostic] = field(default_factory=list)  # the plan does not start
    expected_seconds: float | None = None


def size_text(n: float) -> str:
    """Bytes in binary units: ``48 GiB``, ``3.1 MiB``."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{int(n)} B"


def time_text(s: float) -> str:
    """Seconds as ``45 s``, ``12 min``, ``2.4 h``, ``3.1 days`` or ``4e+05 years``."""
    for unit, scale in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if s >= scale:
            value = s / scale
            return f"{value:.2g} {unit}" if value >= 1e4 else f"{value:.3g} {unit}"
    return f"{s:.2g} s"


# ------------------------------------------------------------------------------------------ drivers: what makes it big


@dataclass(frozen=True)
class Driver:
    """The setting that makes a cost big: ``field`` an IR path (``model.width``, ``input.dim``, ``data.n``,
    ``data.n_test``, ``model.depth``, ``train.steps``, ``train.record.every``) of model ``model``, or
    ``runs`` when it is the number of runs trained together; ``value`` the run's value of it."""

    field: str
    model: str
    value: float


def _shrunk(run: Run, field: str) -> Run:
    """``run`` with one setting made small (the cost without that setting's contribution)."""
    m, t = run.model, run.train
    if field == "model.width":
        return run.model_copy(update={"model": m.model_copy(update={"width": 1, "widths": (1,) * len(m.widths)})})
    if field == "model.depth":
        return run.model_copy(update={"model": m.model_copy(update={"depth": 1, "widths": m.widths[:1]})})
    if field == "input.dim":
        return run.model_copy(update={"input": run.input.model_copy(update={"dim": 1})})
    if field == "data.n":
        return run.model_copy(update={"data": run.data.model_copy(update={"n": 1}),
                                      "input": run.input.model_copy(update={"points": 1})})
    if field == "data.n_test":
        return run.model_copy(update={"data": run.data.model_copy(update={"n_test": 1})})
    if field == "train.steps":
        return run.model_copy(update={"train": t.model_copy(update={"steps": 1 if t.steps else t.steps})})
    if field == "train.record.every":
        return run.model_copy(update={"train": t.model_copy(update={"record": t.record.model_copy(
            update={"every": 0})})})
    raise ValueError(field)


FIELDS = ("model.width", "model.depth", "input.dim", "data.n", "data.n_test", "train.steps", "train.record.every")


def _value(run: Run, field: str) -> float:
    section, _, rest = field.partition(".")
    value: object = getattr(run, section)
    for part in rest.split("."):
        value = getattr(value, part)
    return float(value) if isinstance(value, (int, float)) else 0.0


def driver(plan: Plan, runs: list[Run], measure: Callable[[PlanEstimate], float], setup: Setup) -> Driver:
    """The setting whose contribution to ``measure`` (peak bytes, FLOPs...) of ``runs`` trained together is
    largest: each candidate is made small in turn, and the one that lowers the measure most wins. ``runs``
    itself (the runs packed together) is a candidate when there are several."""

    def cost(rs: list[Run]) -> float:
        return measure(estimate_runs(plan, rs, setup))

    whole = cost(runs)
    first = runs[0]
    best = Driver("runs", first.model.name, float(len(runs)))
    best_gain = whole - cost(runs[:1]) if len(runs) > 1 else -1.0
    for path in FIELDS:
        if path == "model.depth" and first.model.depth <= 1:
            continue
        gain = whole - cost([_shrunk(r, path) for r in runs])
        if gain > best_gain:
            best, best_gain = Driver(path, first.model.name, _value(first, path)), gain
    return best


def _where(spec: ast.Spec, plan: Plan, runs: list[Run], measure: Callable[[PlanEstimate], float],
           setup: Setup) -> tuple[str, Span | None]:
    found = driver(plan, runs, measure, setup)
    run = next((r for r in runs if r.model.name == found.model), runs[0])
    place = locate(spec, plan, run, found.field)
    return (place.text, place.span) if place is not None else ("", None)


def _run_label(run: Run) -> str:
    params = ", ".join(f"{k} = {int(v) if float(v).is_integer() else f'{v:g}'}" for k, v in run.params.items())
    return f"run {run.index} ({run.model.name}{', ' + params if params else ''})"


def judge(plan: Plan, spec: ast.Spec, setup: Setup, limits: Limits) -> Verdict:
    """Decide what trains (see the module docstring). Nothing is allocated here."""
    def peak(e: PlanEstimate) -> float:
        return float(e.peak)

    refused: dict[int, Diagnostic] = {}
    if limits.memory is not None:
        # A run's cost alone depends on its shape, not on its seed or its per-member values: one estimate per shape.
        alone: dict[object, tuple[int, tuple[str, Span | None] | None]] = {}
        for run in plan.runs:
            shape = (run.model, run.train, run.input, run.data, run.target)  # frozen IR: hashable
            if shape not in alone:
                needs = estimate_runs(plan, [run], setup).peak
                alone[shape] = (needs, _where(spec, plan, [run], peak, setup) if needs > limits.memory else None)
            needs, where = alone[shape]
            if where is not None:
                refused[run.index] = msg.run_too_big(_run_label(run), size_text(needs), limits.memory_source,
                                                     where[0], where[1], others=len(plan.runs) > 1)
    runs = [r for r in plan.runs if r.index not in refused]
    estimate = estimate_runs(plan, runs, setup)
    verdict = Verdict(runs, estimate, refused)
    what = "this sweep" if len(plan.runs) > 1 else "this run"
    if not runs:
        return verdict
    if limits.memory is not None and estimate.peak > limits.memory:
        text, span = _where(spec, plan, runs, peak, setup)
        verdict.errors.append(msg.plan_too_big(what, size_text(estimate.peak), limits.memory_source, text, span))
        return verdict
    if limits.seconds is not None:
        seconds = limits.seconds
        verdict.expected_seconds = expected = seconds(estimate)
        if limits.max_time is not None and expected > limits.max_time:
            text, span = _where(spec, plan, runs, seconds, setup)
            verdict.errors.append(msg.plan_too_slow(what, time_text(expected),
                                                    f"--max-time is {time_text(limits.max_time)}", text, span))
        elif limits.max_time is None and not limits.yes and expected > CONFIRM_SECONDS:
            text, span = _where(spec, plan, runs, seconds, setup)
            verdict.errors.append(msg.plan_needs_yes(what, f"is expected to take {time_text(expected)}",
                                                     time_text(CONFIRM_SECONDS), text, span))
    if not limits.yes and estimate.curves_disk > CONFIRM_DISK:
        text, span = _where(spec, plan, runs, lambda e: float(e.curves_disk), setup)
        verdict.errors.append(msg.plan_needs_yes(
            what, f"records {estimate.curve_values:,} values ({size_text(estimate.curves_disk)} of results)",
            size_text(CONFIRM_DISK), text, span))
    return verdict


def judge_theory(plan: Plan, spec: ast.Spec, memory: int | None, memory_source: str,
                 estimate_norms: bool = True) -> list[Diagnostic]:
    """``mlc bounds``: E401 when the theory's evaluation of the largest target would not fit in ``memory`` (its
    norm rules hold d-vectors: a huge input dimension asks for a huge allocation)."""
    if memory is None or not plan.runs:
        return []
    run = max(plan.runs, key=lambda r: theory_bytes(r, estimate_norms))
    needs = theory_bytes(run, estimate_norms)
    if needs <= memory:
        return []
    place = locate(spec, plan, run, "input.dim")
    return [msg.theory_too_big(size_text(needs), memory_source, place.text if place else "",
                               place.span if place else None)]
