"""The checks a reproduction makes: each read-out against the statement of the theorem it tests.

Input:  the ``readouts`` part of a ``summary.json`` (:func:`mlc.runtime.report_readouts.readouts_dict`).
Output: :class:`Check` objects: a statement, a verdict (holds / fails / not testable, with the reason) and the
        measured numbers behind it, per seed where the read-out is per run.
Role:   what ``mlc reproduce`` lists per spec (:mod:`mlc.runtime.cmd_reproduce`). Pure: no torch, no files, so
        each rule is tested on hand-made read-outs. The rules (docs/reproduce.md):

        * T19 (REFERENCE §3.8): for a min-norm model (the interpolant the theorem is about), the median error's
          peak is at the swept width nearest (in log distance) to the prediction m = n or n/(d+1); and, with
          λ_min measured, λ_min is smallest at the same width. Other solvers: shown, not tested.
        * T18 (REFERENCE §3.8): per run, the rise time t_rise lies within a factor ``T18_FACTOR`` of
          1/(η k λ_min); the check holds when it holds for every run that rises.
        * frequency principle (REFERENCE §3.9): per run, the peak frequencies settle in the order low → high;
          the check holds when it does in every run (by the first time below the threshold).
        * Adam's regimes (REFERENCE §3.10): per (a, b), the regime read off each run's training loss
          (:func:`mlc.runtime.readouts.adam_regime`) is the one (a, b) predicts; the check holds when it is in
          every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

Verdict = Literal["holds", "fails", "not testable"]

T18_FACTOR = 10.0
"""t_rise within this factor of 1/(η k λ_min) counts as "on the time scale" T18 predicts."""


@dataclass(frozen=True)
class Check:
    """One statement checked on one spec's results."""

    theorem: str
    statement: str
    verdict: Verdict
    numbers: str  # the measured numbers, in words
    reason: str = ""  # why it fails or cannot be tested
    per_seed: tuple[str, ...] = field(default_factory=tuple)


def _g(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{float(value):.3g}"


def _nearest(values: Sequence[float], target: float) -> float:
    return min(values, key=lambda v: abs(math.log(v / target)) if v > 0 and target > 0 else abs(v - target))


def peak_checks(peaks: Sequence[Mapping[str, Any]]) -> list[Check]:
    """T19's checks, one per peak read-out."""
    out = []
    for e in peaks:
        r = e["readout"]
        xs = [float(x) for x in r["axis_values"]]
        what = "n" if e["family"] == "random_features" else "n/(d+1)"
        fixed = ", ".join(f"{k} = {_g(v)}" for k, v in e["fixed"].items())
        where = f"{e['model']}" + (f" ({fixed})" if fixed else "")
        statement = f"{where}: the {e['metric']} over {e['axis']} peaks at m = {what}"
        seeds = tuple(f"seed {int(p['seed'])}: peak at {e['axis']} = {_g(p['at'])} ({_g(p['value'])})"
                      for p in r["per_seed"])
        pred = e.get("predicted")
        numbers = (f"median peaks at {e['axis']} = {_g(r['median_at'])} ({_g(r['median_value'])}); "
                   f"predicted {what} = {_g(pred)}")
        if r.get("lambda_min_at") is not None:
            numbers += f"; λ_min smallest at {e['axis']} = {_g(r['lambda_min_at'])}"
        if e.get("solve") != "min_norm":
            out.append(Check("T19", statement, "not testable", numbers,
                             f"T19 is about the min-norm interpolant; {e['model']} is trained by {e.get('solve')}",
                             seeds))
            continue
        if pred is None or r["median_at"] is None:
            out.append(Check("T19", statement, "not testable", numbers, "no prediction or no finite error", seeds))
            continue
        if not e["in_range"]:
            out.append(Check("T19", statement, "not testable", numbers,
                             f"the prediction {_g(pred)} is outside the swept {e['axis']}", seeds))
            continue
        nearest = _nearest(xs, float(pred))
        fails = []
        if r["median_at"] != nearest:
            fails.append(f"the median peaks at {_g(r['median_at'])}, not at the swept value nearest the "
                         f"prediction ({_g(nearest)})")
        if r.get("lambda_min_at") is not None and r["lambda_min_at"] != r["median_at"]:
            fails.append(f"λ_min is smallest at {_g(r['lambda_min_at'])}, not at the peak")
        out.append(Check("T19", statement, "fails" if fails else "holds", numbers, "; ".join(fails), seeds))
    return out


def phase_checks(phases: Sequence[Mapping[str, Any]]) -> list[Check]:
    """T18's check per model (over its runs): t_rise within T18_FACTOR of 1/(η k λ_min)."""
    by_model: dict[str, list[Mapping[str, Any]]] = {}
    for e in phases:
        by_model.setdefault(e["model"], []).append(e)
    out = []
    for model, entries in by_model.items():
        statement = (f"{model}: the {entries[0]['metric']} rises (after its plateau) on the time scale "
                     f"1/(η k λ_min), within ×{T18_FACTOR:g}")
        seeds, ratios, why = [], [], []
        for e in entries:
            p, pred = e["phases"], e.get("predicted")
            rise = p.get("t_rise")
            line = (f"seed {e['seed']}: t_opt {_g(p['t_opt'])}, E_min {_g(p['e_min'])}, E_∞ {_g(p['e_inf'])}, "
                    f"t_rise {_g(rise)}, 1/(ηkλ_min) {_g(pred)}")
            if isinstance(rise, (int, float)) and isinstance(pred, (int, float)) and pred > 0:
                ratios.append(rise / pred)
                line += f", ratio {_g(rise / pred)}"
            else:
                why.append(f"seed {e['seed']}: " + (p.get("no_rise") or "no T18 value"))
            seeds.append(line)
        if not ratios:
            out.append(Check("T18", statement, "not testable", "no run rises with a T18 value",
                             "; ".join(why[:3]), tuple(seeds)))
            continue
        bad = [r for r in ratios if not 1 / T18_FACTOR <= r <= T18_FACTOR]
        numbers = (f"t_rise / (1/(ηkλ_min)) over {len(ratios)} run(s): "
                   f"{_g(min(ratios))} to {_g(max(ratios))} (median {_g(sorted(ratios)[len(ratios) // 2])})")
        reason = f"{len(bad)} run(s) outside ×{T18_FACTOR:g}" if bad else ""
        if why:
            reason = "; ".join(filter(None, [reason, f"{len(why)} run(s) without a rise"]))
        out.append(Check("T18", statement, "fails" if bad else "holds", numbers, reason, tuple(seeds)))
    return out


def frequency_checks(entries: Sequence[Mapping[str, Any]]) -> list[Check]:
    """The frequency principle's check per model: low → high in every run."""
    by_model: dict[str, list[Mapping[str, Any]]] = {}
    for e in entries:
        by_model.setdefault(e["model"], []).append(e)
    out = []
    for model, runs in by_model.items():
        thr = runs[0]["readout"]["threshold"]
        statement = f"{model}: the peak frequencies first converge (Δ(k) < {_g(thr)}) from low to high"
        seeds, verdicts = [], []
        for e in runs:
            r = e["readout"]
            times = ", ".join(f"k{f['k']} {_g(f['first'])} (settled {_g(f['settled'])})" for f in r["frequencies"])
            seeds.append(f"seed {e['seed']}: below at {times}" + (f" ({r['reason']})" if r.get("reason") else ""))
            verdicts.append(e.get("low_to_high"))
        if any(v is False for v in verdicts):
            verdict: Verdict = "fails"
            reason = f"{sum(v is False for v in verdicts)} of {len(verdicts)} run(s) out of order"
        elif all(v is True for v in verdicts):
            verdict, reason = "holds", ""
        else:
            verdict, reason = "not testable", "some frequency never got below the threshold"
        numbers = f"low → high in {sum(v is True for v in verdicts)} of {len(verdicts)} run(s)"
        out.append(Check("FP", statement, verdict, numbers, reason, tuple(seeds)))
    return out


def regime_checks(entries: Sequence[Mapping[str, Any]]) -> list[Check]:
    """Adam's regimes per model and (a, b): the regime read off every run is the predicted one."""
    by_point: dict[tuple[str, float, float], list[Mapping[str, Any]]] = {}
    for e in entries:
        by_point.setdefault((e["model"], float(e["a"]), float(e["b"])), []).append(e)
    out = []
    for (model, a, b), runs in by_point.items():
        predicted = runs[0]["predicted"]
        statement = f"{model}: Adam with a = {_g(a)}, b = {_g(b)} (β₁ = 1 − bη, β₂ = 1 − aη) shows {predicted}"
        seeds = []
        read = []
        for e in runs:
            r = e["readout"]
            read.append(r["regime"])
            seeds.append(f"seed {e['seed']}: {r['regime'] or 'no regime'} ({r['spikes']} spike(s), max ratio "
                         f"{_g(r['max_ratio'])}, 2nd/1st half {_g(r['progress'])})"
                         + (f"; {r['reason']}" if r.get("reason") else ""))
        if any(not r for r in read):
            verdict: Verdict = "not testable"
            reason = "a curve too short to read"
        elif all(r == predicted for r in read):
            verdict, reason = "holds", ""
        else:
            verdict = "fails"
            reason = f"{sum(r != predicted for r in read)} of {len(read)} run(s) read otherwise"
        numbers = ", ".join(f"{r or '—'}" for r in read)
        out.append(Check("Adam", statement, verdict, numbers, reason, tuple(seeds)))
    return out


def all_checks(readouts: Mapping[str, Any]) -> list[Check]:
    """Every check the read-outs of one spec support."""
    return (peak_checks(readouts.get("peaks", [])) + phase_checks(readouts.get("phases", []))
            + frequency_checks(readouts.get("frequencies", [])) + regime_checks(readouts.get("regimes", [])))
