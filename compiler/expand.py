"""The plan from the sweep: every point resolved, one run per (point x model), each hashed by its meaning.

Input:  a :class:`~mlc.compiler.check.Checker` (the spec's statements, already collected).
Output: a :class:`~mlc.compiler.ir.Plan`: its runs, the sweep with what each axis varies, the report.
Role:   expand the sweep's axes (:mod:`mlc.compiler.sweep`), resolve each point by substituting its values
        into the spec checked once (:mod:`mlc.compiler.parametric`), and build, hash and deduplicate the runs.

Every run of a plan is distinct (its hash is its meaning, :func:`mlc.compiler.ir.run_hash`). A model that
the swept values do not reach (a baseline next to a swept model, or a model outside a ``sweep net { ... }``) is
trained once, at its first sweep point; the other points that give it are its ``also`` (the report shows it
under each).
A sweep point that adds no run at all (an axis that changes nothing trained), two models that are the same
run, and a report that differs between points (the report is one for the plan) are E303.
"""

from __future__ import annotations

from typing import Any

from mlc.compiler import ir
from mlc.compiler import messages as msg
from mlc.compiler.check import Checker
from mlc.compiler.memo import RUN_SECTIONS, RunMemo
from mlc.compiler.parametric import ParametricPlan, checker_point
from mlc.compiler.sweep import MAX_RUNS, Axis, SweepMode, expand_points, resolve_axes, run_count
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, Span
from mlc.dsl.printer import format_expr


def axis_quantities(plan: ParametricPlan, blocks: list[tuple[SweepMode, list[Axis]]]) -> dict[str, tuple[ir.Quantity, ...]]:
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
            res = plan.resolve(values)
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
        flat[("seed", "")] = checker_point(values, plan.targets).seed
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


def _claim_numbers(checker: Checker, claims: tuple[ir.Claim, ...],
                   points: list[tuple[dict[str, float], tuple[float, ...]]]) -> tuple[ir.Claim, ...]:
    """The claims with ``value_at`` filled in for those whose number changes over the sweep: one entry per
    setting of the swept values other than the seed and the claim's axis. A number that changes along the
    claim's own axis (or at one setting of the others) has no meaning: E303."""
    out: list[ir.Claim] = []
    for i, claim in enumerate(claims):
        if len({numbers[i] for _, numbers in points}) <= 1:
            out.append(claim)
            continue
        by_key: dict[tuple[tuple[str, float], ...], float] = {}
        for values, numbers in points:
            key = tuple(sorted((k, v) for k, v in values.items() if k not in (ir.SEED_KEY, claim.axis)))
            if by_key.setdefault(key, numbers[i]) != numbers[i]:
                assert checker.claims is not None
                axis = f"`{claim.axis}`" if claim.axis else "values"
                raise msg.fail(msg.claim_depends_on_sweep(axis, checker.claims.items[i].span))
        entries = tuple(ir.ClaimValue(params=dict(key), value=value) for key, value in by_key.items())
        out.append(claim.model_copy(update={"value_at": entries}))
    return tuple(out)


def _check_robust_forms(checker: Checker, claims: tuple[ir.Claim, ...], sweep: tuple[ir.SweepBlock, ...]) -> None:
    """A `robust` claim names two values of a categorical swept axis (its labels are known only here)."""
    labels = {a.key: a.labels for block in sweep for a in block.axes}
    for i, claim in enumerate(claims):
        if claim.kind != "robust":
            continue
        assert checker.claims is not None
        span = checker.claims.items[i].span
        if claim.axis not in labels:
            raise msg.fail(msg.claim_axis_not_swept(claim.axis, span, [k for k, v in labels.items() if v]))
        known = labels[claim.axis]
        if not known:
            raise msg.fail(msg.claim_robust_not_categorical(claim.axis, span))
        for form in claim.forms:
            if form not in known:
                raise msg.fail(msg.claim_robust_unknown_form(claim.axis, form, span, known))


MAX_FAILING_POINTS = 200
"""Sweep points resolved after the first errors before the check stops (an error in a 100,000-point sweep took
45 s to count at every point; the diagnostics are the same after the first failing point)."""


def build_plan(checker: Checker, memo: RunMemo | None = None) -> ir.Plan:
    """Expand the sweep and resolve every run. Raises SpecErrors (deduplicated over runs). ``memo`` holds each
    shared object's part of the run hashes and conventions afterwards (pass it on to ``verify_plan``)."""
    blocks = resolve_axes(checker)
    axes = {a.key: a for _, block_axes in blocks for a in block_axes}
    count = run_count(blocks, len(checker.models))
    if count > MAX_RUNS:  # checked before expansion: a huge sweep is refused without building its points
        span = checker.sweeps[0].span if checker.sweeps else None
        raise msg.fail(msg.too_many_runs(count, MAX_RUNS, span))
    points = expand_points(blocks)
    targets = {key: tuple(axis.targets) for key, axis in axes.items()}
    choices = {key: tuple(axis.choices) for key, axis in axes.items() if axis.choices is not None}
    # The report's axes are numeric: a categorical axis is not one to fit a rate over (ParametricPlan.swept).
    parametric = ParametricPlan(checker, targets, {key: axis.values for key, axis in axes.items()}, points[0],
                                choices)
    runs: list[ir.Run] = []
    errors: dict[tuple[str, Span | None], Diagnostic] = {}  # (code, span): one report per place
    repeats: dict[tuple[str, Span | None], int] = {}
    report: ir.Report | None = None
    report_point: dict[str, float] = {}
    shared = memo if memo is not None else RunMemo()
    owner_of: dict[str, tuple[dict[str, float], str]] = {}  # run hash -> (sweep point, model) first giving it
    also: dict[str, list[dict[str, float]]] = {}  # run hash -> the later points that give it again
    claim_points: list[tuple[dict[str, float], tuple[float, ...]]] = []  # each point's claim numbers
    # The seed of a point, as checker_point(values, targets).seed gives it (without building the whole point).
    seed_keys = [key for key, slots in targets.items() if any(slot.section == "seed" for slot in slots)]
    failing = 0  # sweep points that failed to resolve
    for values in points:
        seed = next((int(values[key]) for key in seed_keys if key in values), 0)
        try:
            resolved = parametric.resolve(values)
        except SpecErrors as exc:
            for diag in exc.diagnostics:
                key = (diag.code, diag.span)  # one report per place, however many sweep points hit it
                errors.setdefault(key, diag)
                repeats[key] = repeats.get(key, 0) + 1
            failing += 1
            if len(errors) > 50 or failing >= MAX_FAILING_POINTS:
                break
            continue
        if report is None:
            report, report_point = resolved.report, values
        elif resolved.report != report and ("report", None) not in errors:
            # The plan has one report; a report that differs between sweep points has no single meaning. A claim's
            # number may follow the sweep (`peak ... at m = n` with n swept): it is kept per point (claim_numbers).
            shown = ", ".join(f"`{k}`" for k in _differing_axes(report_point, values))
            if resolved.report.model_copy(update={"claims": ()}) != report.model_copy(update={"claims": ()}):
                assert checker.report is not None  # without a report statement the report is one at every point
                errors[("report", None)] = msg.report_depends_on_sweep(shown, checker.report.span)
                repeats[("report", None)] = 1
            elif not all(a.model_copy(update={"value": 0.0}) == b.model_copy(update={"value": 0.0})
                         for a, b in zip(report.claims, resolved.report.claims)):
                assert checker.claims is not None
                index = next(i for i, (a, b) in enumerate(zip(report.claims, resolved.report.claims)) if a != b)
                errors[("report", None)] = msg.claim_depends_on_sweep(shown, checker.claims.items[index].span)
                repeats[("report", None)] = 1
        if resolved.report.claims:
            claim_points.append((values, tuple(c.value for c in resolved.report.claims)))
        added, repeated, same = False, None, []
        for model in resolved.models:
            train = resolved.trains[model.name]
            sections = {"model": model, "train": train, "input": resolved.input, "target": resolved.target,
                        "space": resolved.space, "data": resolved.data}
            run_hash = shared.hasher.of_parts(RUN_SECTIONS, tuple(sections[name] for name in RUN_SECTIONS), seed)
            first = owner_of.get(run_hash)
            if first is None:
                owner_of[run_hash] = (values, model.name)
                runs.append(ir.Run(index=len(runs), hash=run_hash, model=model, train=train, input=resolved.input,
                                   target=resolved.target, space=resolved.space, data=resolved.data,
                                   seed=seed, params=dict(values),
                                   conventions=shared.conventions(model, train, resolved.input, resolved.data)))
                added = True
            elif first[0] is values:  # two models of one point are the same run
                same.append(_same_run(checker, axes, first, (values, model.name)))
            else:  # a model the swept values do not reach: it is trained once, at its first point
                repeated = repeated or (first, (values, model.name))
                also.setdefault(run_hash, []).append(dict(values))
        if repeated is not None and not added:  # the point adds no run: its axis changes nothing trained
            same.append(_same_run(checker, axes, *repeated))
        for diag in same:
            errors.setdefault((diag.code, diag.span), diag)
            repeats.setdefault((diag.code, diag.span), 1)
    if errors:
        stopped = failing >= MAX_FAILING_POINTS
        for key, diag in errors.items():
            if repeats[key] > 1:
                diag.notes.append(f"{repeats[key] - 1} more sweep point(s) fail here the same way"
                                  + (f" (the check stopped at the {MAX_FAILING_POINTS}th failing point)"
                                     if stopped else ""))
        raise SpecErrors(list(errors.values()))
    runs = [r.model_copy(update={"also": tuple(also[r.hash])}) if r.hash in also else r for r in runs]
    varies = axis_quantities(parametric, blocks)
    sweep_ir = tuple(
        ir.SweepBlock(mode=mode, axes=tuple(ir.SweepAxis(key=a.key, values=tuple(a.values),
                                                         targets=tuple(a.targets), varies=varies[a.key],
                                                         labels=tuple(format_expr(c) for c in a.choices or ()))
                                            for a in block_axes))
        for mode, block_axes in blocks
    )
    report = report or ir.Report()
    if report.claims:
        report = report.model_copy(update={"claims": _claim_numbers(checker, report.claims, claim_points)})
        _check_robust_forms(checker, report.claims, sweep_ir)
    # A plot's x_kind follows from its x and the sweep, which the hash covers already.
    report_meaning = report.model_dump(mode="json", exclude={"plots": {"__all__": {"x_kind"}}})
    spec_hash = ir.content_hash({"runs": [r.hash for r in runs], "report": report_meaning})
    return ir.Plan(problem=checker.problem_name, spec_hash=spec_hash, sweep=sweep_ir, report=report,
                   runs=tuple(runs))
