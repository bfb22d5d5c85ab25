"""The read-outs section of the report: T19's peak, T18's phases and the frequency principle, per model.

Input:  the :class:`~mlc.compiler.ir.Plan` and the grouped runs (:mod:`mlc.runtime.report_groups`).
Output: :func:`compute_readouts` -> :class:`Readouts` (plain data, also written to ``summary.json`` by
        :func:`readouts_dict`), and :func:`readout_tables` -> rich tables and notes for the console.
Role:   gathers from the runs what :mod:`mlc.runtime.readouts` needs (the error at each swept width per seed,
        the recorded curves, the theorem values T18 and T19 already evaluated per run by ``compiler.theory``)
        and puts each read-out next to the prediction it tests. Nothing here predicts: the predicted values are
        the runs' own T18 / T19 bound values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from rich.table import Table
from rich.text import Text

from mlc.compiler.ir import SEED_KEY, Plan
from mlc.runtime.readouts import (
    REGIME_RATIO, SPIKE_FACTOR, WINDOW_SHARE, CurvePhases, FrequencyReadout, PeakReadout,
    RegimeReadout, adam_regime, curve_phases, frequency_order, peak_over_axis, predicted_adam_regime,
    spectrum_frequencies,
)
from mlc.runtime.report_format import DASH, add_row, fmt, fmt_param, new_table
from mlc.runtime.report_groups import Group
from mlc.runtime.results import RunResult

PLATEAU_FACTOR = 1.1
"""x of T18's plateau "within x·E_min"."""
RISE_FRACTION = 0.5
"""f of T18's rise time t_rise_f."""
SPECTRUM_THRESHOLD = 0.1
"""Δ(k) below this counts as converged (the frequency principle's read-out)."""
MAX_ROWS = 24
"""Rows of a per-run read-out table before the rest is left to summary.json."""

PEAK_FAMILIES = ("random_features", "two_layer")


@dataclass(frozen=True)
class PeakEntry:
    """T19's read-out for one model over its width axis (one slice of the other swept params)."""

    model: str
    family: str
    axis: str
    metric: str
    fixed: dict[str, float]
    readout: PeakReadout
    predicted: float | None  # the runs' T19 value (m = n, or n/(d+1))
    in_range: bool  # the prediction lies strictly inside the swept widths
    solve: str = "gd"  # how the model is trained (T19 is a statement about min_norm, the interpolant)


@dataclass(frozen=True)
class PhaseEntry:
    """T18's read-out of one recorded curve of one run."""

    model: str
    run: int
    seed: int
    params: dict[str, float]
    metric: str
    phases: CurvePhases
    predicted: float | None  # the run's T18 value 1/(η k λ_min), in the curve's steps (or time)


@dataclass(frozen=True)
class FrequencyEntry:
    """The frequency principle's read-out of one run."""

    model: str
    run: int
    seed: int
    params: dict[str, float]
    readout: FrequencyReadout


@dataclass(frozen=True)
class RegimeEntry:
    """Adam's regime read off one run's training-loss curve, next to the one (a, b) predicts (REFERENCE §3.10)."""

    model: str
    run: int
    seed: int
    params: dict[str, float]
    a: float  # β₂ = 1 − aη
    b: float  # β₁ = 1 − bη
    predicted: str
    readout: RegimeReadout


@dataclass
class Readouts:
    """Every read-out of an experiment."""

    peaks: list[PeakEntry] = field(default_factory=list)
    phases: list[PhaseEntry] = field(default_factory=list)
    frequencies: list[FrequencyEntry] = field(default_factory=list)
    regimes: list[RegimeEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why a read-out is not shown


def _bound_value(run: RunResult, theorem: str) -> float | None:
    for bound in run.bounds:
        if bound.theorem == theorem and bound.holds and bound.value is not None and math.isfinite(bound.value):
            return float(bound.value)
    return None


def _width_axes(plan: Plan, model: str) -> list[str]:
    """The swept axes that set this model's width (the axis an error's peak is read over): an axis that sets
    the width (directly or through a ``let``) and along which this model's width takes several values."""
    found: list[str] = []
    for block in plan.sweep:
        for axis in block.axes:
            sets_width = "width" in axis.varies or any(
                s.section == "model" and s.key == "width" and s.owner == model for s in axis.targets)
            widths = {r.model.width for r in plan.runs if r.model.name == model and axis.key in r.params}
            if sets_width and len(widths) > 1 and axis.key not in found:
                found.append(axis.key)
    return found


def _peaks(plan: Plan, groups: Sequence[Group], out: Readouts, metric: str = "test_error") -> None:
    models = list(dict.fromkeys(g.model for g in groups))
    for model in models:
        mine = [g for g in groups if g.model == model]
        family = mine[0].family
        if family not in PEAK_FAMILIES:
            continue
        penalised = sorted({r.train.penalty.kind for r in plan.runs
                            if r.model.name == model and r.train.penalty.kind != "none"})
        if penalised:  # T19 is about interpolation; a penalty removes the resonance
            out.notes.append(f"{model}: no T19 peak read-out: the model is trained with a {penalised[0]} penalty, "
                             "and T19 is about the unregularised (interpolating) model")
            continue
        seen_runs: set[frozenset[int]] = set()
        for axis in _width_axes(plan, model):
            slices: dict[tuple[tuple[str, float], ...], list[Group]] = {}
            for g in mine:
                if axis in g.params:
                    key = tuple(sorted((k, v) for k, v in g.params.items() if k != axis))
                    slices.setdefault(key, []).append(g)
            for key, members in slices.items():
                members.sort(key=lambda g: g.params[axis])
                xs = [g.params[axis] for g in members]
                runs_here = frozenset(r.index for g in members for r in g.runs)
                if len(xs) < 3 or runs_here in seen_runs:  # a scoped sweep of another model repeats the slice
                    continue
                seen_runs.add(runs_here)
                seeds = sorted({r.seed for g in members for r in g.runs})
                errors: dict[float, list[float]] = {float(s): [] for s in seeds}
                lam: dict[float, list[float]] = {float(s): [] for s in seeds}
                has_lam = False
                for g in members:
                    by_seed = {r.seed: r for r in g.ok_runs}
                    for s in seeds:
                        run = by_seed.get(s)
                        errors[float(s)].append(run.metrics.get(metric, math.nan) if run else math.nan)
                        value = run.metrics.get("lambda_min", math.nan) if run else math.nan
                        has_lam = has_lam or math.isfinite(value)
                        lam[float(s)].append(value)
                readout = peak_over_axis(xs, errors, lam if has_lam else None)
                predicted = next((v for g in members for r in g.runs if (v := _bound_value(r, "T19")) is not None),
                                 None)
                in_range = predicted is not None and xs[0] < predicted < xs[-1]
                if family == "two_layer" and not in_range:
                    # T19 for a two-layer net is only a statement about a sweep across m = n/(d+1)
                    where = fmt(predicted) if predicted is not None else "unknown"
                    out.notes.append(f"{model}: T19's peak of a two-layer net (m = n/(d+1) = {where}) is not "
                                     f"shown: the sweep over {axis} ({fmt_param(xs[0])} to {fmt_param(xs[-1])}) "
                                     "does not cross it")
                    continue
                solve = next((r.train.solve for r in plan.runs if r.model.name == model), "gd")
                out.peaks.append(PeakEntry(model=model, family=family, axis=axis, metric=metric,
                                           fixed=dict(key), readout=readout, predicted=predicted,
                                           in_range=in_range, solve=solve))


def _gd_trained(plan: Plan) -> dict[int, bool]:
    return {r.index: bool(r.train.iterative or r.train.solve == "gradient_flow") for r in plan.runs}


def _phases(plan: Plan, groups: Sequence[Group], out: Readouts, metric: str = "test_error") -> None:
    gd = _gd_trained(plan)
    seen: set[int] = set()
    for g in groups:
        for run in g.ok_runs:
            if run.index in seen:
                continue
            seen.add(run.index)
            curve = run.curves.get(metric)
            if curve is None or len(curve.values) < 3:
                continue
            if not gd.get(run.index, True):  # min_norm / ridge: no GD trajectory, no T18 (issue 11, item 3)
                continue
            if not any(b.theorem == "T18" for b in run.bounds):  # the catalog found T18 irrelevant (not RF)
                continue
            phases = curve_phases(curve.steps, curve.values, PLATEAU_FACTOR, RISE_FRACTION)
            if phases is None:
                continue
            params = {k: v for k, v in run.params.items() if k != SEED_KEY}
            out.phases.append(PhaseEntry(model=run.model, run=run.index, seed=run.seed, params=params,
                                         metric=metric, phases=phases, predicted=_bound_value(run, "T18")))


def _frequencies(groups: Sequence[Group], out: Readouts) -> None:
    seen: set[int] = set()
    for g in groups:
        for run in g.ok_runs:
            if run.index in seen:
                continue
            seen.add(run.index)
            pairs = spectrum_frequencies(list(run.curves))
            if len(pairs) < 2:
                continue
            times = run.curves[pairs[0][1]].steps
            if any(run.curves[name].steps != times for _, name in pairs):
                out.notes.append(f"{run.model} run {run.index}: the spectrum curves are recorded at different "
                                 "steps; no frequency read-out")
                continue
            readout = frequency_order([float(t) for t in times],
                                      {k: run.curves[name].values for k, name in pairs}, SPECTRUM_THRESHOLD)
            params = {k: v for k, v in run.params.items() if k != SEED_KEY}
            out.frequencies.append(FrequencyEntry(model=run.model, run=run.index, seed=run.seed, params=params,
                                                  readout=readout))


def _regimes(plan: Plan, groups: Sequence[Group], out: Readouts) -> None:
    """Adam's regime for every full-batch Adam run that recorded its training loss."""
    by_index = {r.index: r for r in plan.runs}
    seen: set[int] = set()
    for g in groups:
        for run in g.runs:
            planned = by_index.get(run.index)
            if run.index in seen or planned is None:
                continue
            seen.add(run.index)
            opt = planned.train.optimizer
            curve = run.curves.get("train_loss")
            if opt is None or opt.kind != "adam" or curve is None or run.status not in ("ok", "diverged"):
                continue
            beta1, beta2 = opt.betas
            predicted, a, b = predicted_adam_regime(opt.lr, beta1, beta2)
            readout = adam_regime(curve.steps, curve.values, diverged=run.status == "diverged")
            params = {k: v for k, v in run.params.items() if k != SEED_KEY}
            out.regimes.append(RegimeEntry(model=run.model, run=run.index, seed=run.seed, params=params, a=a, b=b,
                                           predicted=predicted, readout=readout))


def compute_readouts(plan: Plan, groups: Sequence[Group]) -> Readouts:
    """Every read-out the runs support."""
    out = Readouts()
    _peaks(plan, groups, out)
    _phases(plan, groups, out)
    _frequencies(groups, out)
    _regimes(plan, groups, out)
    return out


# ------------------------------------------------------------------------------------------------- rendering

def _fixed(params: dict[str, float]) -> str:
    return " ".join(f"{k}={fmt_param(v)}" for k, v in params.items()) or DASH


def peak_table(entries: Sequence[PeakEntry]) -> Table:
    """T19: where the error peaks (per seed and for the median) and where λ_min is smallest, vs the prediction."""
    table = new_table("T19 read-out: the peak of the error over the width, next to the interpolation threshold")
    for name in ("model", "error", "others", "median's peak", "seeds' peaks", "argmin λ_min", "T19 predicts"):
        table.add_column(name, overflow="fold")
    for e in entries:
        r = e.readout
        median = DASH if r.median_at is None else f"{e.axis} = {fmt_param(r.median_at)} ({fmt(r.median_value)})"
        if not r.interior and r.median_at is not None:
            median += "\nat the end of the sweep"
        counts: dict[float, int] = {}
        for p in r.per_seed:
            counts[p.at] = counts.get(p.at, 0) + 1
        per_seed = ", ".join(f"{fmt_param(at)}×{n}" for at, n in sorted(counts.items())) or DASH
        lam = DASH if r.lambda_min_at is None else f"{e.axis} = {fmt_param(r.lambda_min_at)}"
        pred = Text(DASH if e.predicted is None else
                    f"m = {'n' if e.family == 'random_features' else 'n/(d+1)'} = {fmt(e.predicted)}")
        if e.predicted is not None and not e.in_range:
            pred.append("\noutside the swept range", style="yellow")
        add_row(table, e.model, f"{e.metric}\nover {e.axis}", _fixed(e.fixed), median, per_seed, lam, pred)
    return table


def phase_table(entries: Sequence[PhaseEntry]) -> Table:
    """T18: the phases of each recorded curve next to 1/(η k λ_min)."""
    f = entries[0].phases.rise_fraction if entries else RISE_FRACTION
    x = entries[0].phases.plateau_factor if entries else PLATEAU_FACTOR
    table = new_table(f"T18 read-out: phases of the recorded curve per run (plateau within {fmt(x)}·E_min, "
                      f"rise to E_min + {fmt(f)}(E_∞ − E_min))")
    with_params = any(e.params for e in entries)
    for name in ("model", "run", "seed", "params", "t_opt", "E_min", "plateau [t]", "E_∞", "t_rise",
                 "T18: 1/(ηkλ_min)", "t_rise / T18"):
        if name == "params" and not with_params:
            continue
        table.add_column(name, justify="right" if name not in ("model", "params") else "left", overflow="fold")
    for e in entries[:MAX_ROWS]:
        p = e.phases
        plateau = f"[{fmt(p.plateau[0])}, {fmt(p.plateau[1])}]"
        if p.plateau_decades is not None:
            plateau += f"\n{p.plateau_decades:.2g} decades"
        e_inf = fmt(p.e_inf) + (" (t=∞)" if p.e_inf_at_infinity else " (last)")
        rise: str | Text = fmt(p.t_rise) if p.t_rise is not None else Text("no rise", style="dim")
        ratio = fmt(p.t_rise / e.predicted) if p.t_rise is not None and e.predicted else DASH
        cells: list[str | Text] = [e.model, str(e.run), str(e.seed)]
        if with_params:
            cells.append(_fixed(e.params))
        add_row(table, *cells, fmt(p.t_opt), fmt(p.e_min), plateau, e_inf, rise, fmt(e.predicted), ratio)
    return table


def frequency_table(entries: Sequence[FrequencyEntry]) -> Table:
    """The frequency principle: per run, the first and settled step of each peak frequency, and the order."""
    thr = entries[0].readout.threshold if entries else SPECTRUM_THRESHOLD
    table = new_table(f"frequency principle read-out: first / settled step with Δ(k) < {fmt(thr)}")
    table.add_column("model")
    table.add_column("run", justify="right")
    table.add_column("seed", justify="right")
    table.add_column("k: first / settled", overflow="fold")
    table.add_column("low → high (first)")
    table.add_column("(settled)")
    for e in entries[:MAX_ROWS]:
        r = e.readout
        cells = "  ".join(f"k{f.k}: {fmt(f.first)} / {fmt(f.settled)}" for f in r.frequencies)
        if r.low_to_high is True:
            order = Text("yes", style="green")
        elif r.low_to_high is False:
            order = Text("no: " + (r.reason or ""), style="red")
        else:
            order = Text("not testable: " + (r.reason or ""), style="yellow")
        settled = {True: Text("yes", style="green"), False: Text("no", style="yellow"),
                   None: Text("—", style="dim")}[r.settled_low_to_high]
        add_row(table, e.model, str(e.run), str(e.seed), cells, order, settled)
    return table


def regime_table(entries: Sequence[RegimeEntry]) -> Table:
    """Adam's regimes: per run, the regime read off the training loss next to the one (a, b) predicts."""
    table = new_table(f"Adam regime read-out (β₁ = 1 − bη, β₂ = 1 − aη), from the training loss: a spike = a loss "
                      f"≥ {fmt(SPIKE_FACTOR)}× the median of the {WINDOW_SHARE:.0%} of points before it, in the second "
                      "half; large oscillation = diverged or no progress (2nd half's median ≥ 1st half's); predicted: "
                      f"b ≥ {fmt(REGIME_RATIO)}a spikes, a ≥ {fmt(REGIME_RATIO)}b large oscillation")
    for name in ("model", "run", "seed", "a", "b", "spikes", "max ratio", "2nd/1st half", "regime", "predicted"):
        table.add_column(name, justify="left" if name in ("model", "regime", "predicted") else "right")
    for e in entries[:MAX_ROWS]:
        r = e.readout
        shown = Text(r.regime or f"— ({r.reason})", style="green" if r.regime == e.predicted else "red")
        add_row(table, e.model, str(e.run), str(e.seed), fmt(e.a), fmt(e.b), str(r.spikes), fmt(r.max_ratio),
                fmt(r.progress), shown, e.predicted)
    return table


def readout_tables(readouts: Readouts) -> list[Table | Text]:
    """The read-out tables and notes, in the order they are printed (nothing when there is nothing to read)."""
    parts: list[Table | Text] = []
    if readouts.peaks:
        parts.append(peak_table(readouts.peaks))
    if readouts.phases:
        parts.append(phase_table(readouts.phases))
        if len(readouts.phases) > MAX_ROWS:
            parts.append(Text(f"T18 read-out: {len(readouts.phases) - MAX_ROWS} more runs in summary.json",
                              style="dim"))
        if all(e.predicted is None for e in readouts.phases):
            parts.append(Text("T18 read-out: no run has a T18 value (it needs full-batch GD or gradient flow of "
                              "random features and λ_min)", style="dim"))
    if readouts.frequencies:
        parts.append(frequency_table(readouts.frequencies))
        if len(readouts.frequencies) > MAX_ROWS:
            parts.append(Text(f"frequency read-out: {len(readouts.frequencies) - MAX_ROWS} more runs in "
                              "summary.json", style="dim"))
    if readouts.regimes:
        parts.append(regime_table(readouts.regimes))
    for note in readouts.notes:
        parts.append(Text(note, style="dim"))
    return parts


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def readouts_dict(readouts: Readouts) -> dict[str, Any]:
    """The read-outs as JSON-ready data (non-finite floats as ``None`` / ``"inf"``)."""
    from dataclasses import asdict

    data = {
        "peaks": [asdict(e) for e in readouts.peaks],
        "phases": [asdict(e) for e in readouts.phases],
        "frequencies": [{**asdict(e), "low_to_high": e.readout.low_to_high,
                         "settled_low_to_high": e.readout.settled_low_to_high} for e in readouts.frequencies],
        "regimes": [asdict(e) for e in readouts.regimes],
        "notes": list(readouts.notes),
    }
    cleaned: dict[str, Any] = _clean(data)
    return cleaned
