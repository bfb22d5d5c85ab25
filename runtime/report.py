"""The report of an experiment: tables, rate fits, plots, result files.

Input:  the :class:`~mlc.compiler.ir.Plan`, the :class:`ExperimentResult` (filled in by the executor,
        through a :class:`ResultStore`), an output folder and a rich console.
Output: the report printed to the console (header, measured errors next to bounds, rates next to the
        theory's exponents, excluded runs, the spec's claims with their verdicts, files written),
        ``summary.json``, ``claims.csv`` (with claims) and the plots under ``out_dir/plots/``; a
        :class:`ReportSummary` for the caller.
Role:   the last stage of ``mlc compile-and-run``. The public API the executor calls:

        * :func:`open_result_store` (from :mod:`mlc.runtime.report_store`): ``results.json`` and
          ``runs.csv``, rewritten after every batch of runs;
        * :func:`write_report`: everything else, once the runs are done (or after a failure, with the runs
          that finished);
        * :func:`result_json_text`: an ExperimentResult as JSON that keeps NaN/inf (pydantic's own
          ``model_dump_json`` writes them as null, which ``model_validate_json`` then rejects).

This module does not import torch; matplotlib is imported only when plots are drawn.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from rich.console import Console
from rich.text import Text

from mlc.compiler.ir import Plan
from mlc.runtime.claims import CLAIMS_CSV, ClaimResult, check_claims, claims_csv_text, claims_table, summary_line
from mlc.runtime.report_cost import cost_rows, cost_table
from mlc.runtime.report_fit import RateFit, fit_rates, not_compared
from mlc.runtime.report_groups import Group, group_learned_nothing, group_optimisation_limit, group_runs
from mlc.runtime.report_readouts import Readouts, compute_readouts, readout_tables, readouts_dict
from mlc.runtime.report_robust import ROBUST_NOTE, Robustness, robustness, robustness_table
from mlc.runtime.report_store import (
    RESULTS_JSON,
    RUNS_CSV,
    ResultStore,
    atomic_write_text,
    load_results,
    open_result_store,
    result_json_text,
)
from mlc.runtime.report_table import footer, print_report
from mlc.runtime.results import ExperimentResult

SUMMARY_JSON = "summary.json"

__all__ = [
    "ReportSummary",
    "ResultStore",
    "load_results",
    "open_result_store",
    "result_json_text",
    "write_report",
]


@dataclass
class ReportSummary:
    """What :func:`write_report` computed and wrote."""

    groups: list[Group]
    rate_fits: list[RateFit]
    files: list[Path] = field(default_factory=list)
    skipped_plots: list[str] = field(default_factory=list)
    claims: list[ClaimResult] = field(default_factory=list)
    robustness: Robustness | None = None

    @property
    def failed_claims(self) -> list[ClaimResult]:
        """The spec's claims that the results contradict (``mlc compile-and-run`` exits 3 for them)."""
        return [c for c in self.claims if c.verdict == "fails"]
    readouts: Readouts = field(default_factory=Readouts)

    @property
    def disagreements(self) -> list[RateFit]:
        """Rate fits whose bootstrap interval excludes the theory's exponent."""
        return [f for f in self.rate_fits if f.agrees is False]

    @property
    def excluded_runs(self) -> int:
        """Number of runs that diverged or failed (shown, but left out of the means)."""
        return sum(len(g.bad_runs) for g in self.groups)


def _stat_dict(group: Group, metric: str) -> dict[str, Any] | None:
    stat = group.stat(metric)
    if stat is None:
        return None
    return {"n": stat.n, "mean": stat.mean, "sd": stat.sd, "median": stat.median}


def _group_dict(group: Group) -> dict[str, Any]:
    return {
        "model": group.model,
        "family": group.family,
        "params": group.params,
        "runs": [r.index for r in group.runs],
        "status": group.status_counts(),
        "metrics": {m: _stat_dict(group, m) for m in group.metrics()},
        "bounds": [
            {
                "theorem": c.theorem,
                "kind": c.kind,
                "quantity": c.quantity,
                "value": c.value,
                "ratio": c.ratio,
                "measured": c.measured,
                "unverified": c.unverified,
                "rate_only": c.rate_only,
                "clipped": c.clipped,
                "text": c.text,
            }
            for c in group.bounds()
        ],
        "failing_bounds": group.failing_bounds(),
        "learned_nothing": group_learned_nothing(group),
        "optimisation_limited": _limit_dict(group),
    }


def _limit_dict(group: Group) -> dict[str, Any] | None:
    found = group_optimisation_limit(group)
    if found is None:
        return None
    k, of, limit = found
    return {"runs": k, "of": of, "first": limit.describe()}


def _summary_dict(plan: Plan, result: ExperimentResult, groups: list[Group], fits: list[RateFit],
                  files: list[Path], skipped: list[str], claims: list[ClaimResult] | None = None,
                  readouts: Readouts | None = None, robust: Robustness | None = None) -> dict[str, Any]:
    return {
        "problem": result.problem,
        "spec_hash": result.spec_hash,
        "environment": result.environment.model_dump(mode="json"),
        "wall_time_s": result.wall_time_s,
        "status": result.status,
        "runs": {"planned": len(plan.runs), "done": len(result.runs),
                 "excluded": sum(len(g.bad_runs) for g in groups)},
        "groups": [_group_dict(g) for g in groups],
        "rates": [f.as_dict() for f in fits],
        "disagreements": sum(1 for f in fits if f.agrees is False),
        "rates_not_compared": [e.as_dict() for e in not_compared(plan, groups, fits)],
        "learned_nothing": learned_nothing(groups),
        "files": [str(p) for p in files],
        "skipped_plots": skipped,
        **({"claims": [c.as_dict(plan) for c in claims]} if claims else {}),
        "readouts": readouts_dict(readouts or Readouts()),
        **({"robustness": robust.as_dict()} if robust is not None else {}),
    }


def write_report(
    plan: Plan,
    experiment_result: ExperimentResult,
    out_dir: str | os.PathLike[str],
    console: Console,
    plots: bool = True,
    reuse_plots: tuple[list[Path], list[str]] | None = None,
) -> ReportSummary:
    """Print the report to ``console`` and write ``summary.json`` and (if ``plots``) the figures under
    ``out_dir``. Never raises for a problem with plotting or writing: it is reported on the console and
    the rest of the report goes on. ``reuse_plots``: plot files already drawn from these results, listed
    instead of drawing them again."""
    out = Path(out_dir)
    no_groups: list[Group] = []
    no_fits: list[RateFit] = []
    groups = _guard(console, "grouping the runs", lambda: group_runs(plan, experiment_result.runs), no_groups)
    fits = _guard(console, "fitting the rates", lambda: fit_rates(plan, groups), no_fits)
    no_claims: list[ClaimResult] = []
    claims = _guard(console, "checking the claims", lambda: check_claims(plan, experiment_result.runs, groups),
                    no_claims)
    readouts = _guard(console, "reading out T18, T19 and the spectrum",
                      lambda: compute_readouts(plan, groups), Readouts())
    robust = _guard(console, "summarising the robustness over the grid", lambda: robustness(plan, groups), None)
    summary = ReportSummary(groups=groups, rate_fits=fits, claims=claims, readouts=readouts, robustness=robust)
    _guard(console, "printing the tables",
           lambda: print_report(console, plan, experiment_result, groups, fits), None)
    _guard(console, "printing the read-outs", lambda: _print_readouts(console, readouts), None)
    no_cost: list[dict[str, Any]] = []
    cost = _guard(console, "timing the steps", lambda: cost_rows(plan, experiment_result.runs), no_cost)
    if cost:  # an MSA iteration next to a GD step (runtime.report_cost)
        _guard(console, "printing the cost of a step", lambda: console.print(cost_table(cost)), None)
    if robust is not None:
        _guard(console, "printing the robustness summary", lambda: _print_robustness(console, robust), None)
    if claims:
        _guard(console, "printing the claims", lambda: console.print(claims_table(claims, plan)), None)
        claims_path = out / CLAIMS_CSV

        def write_claims() -> None:
            atomic_write_text(claims_path, claims_csv_text(claims))
            summary.files.append(claims_path)

        _guard(console, f"writing {claims_path}", write_claims, None)
    for name in (RESULTS_JSON, RUNS_CSV):
        if (out / name).exists():
            summary.files.append(out / name)
    if plots and reuse_plots is not None:  # drawn before from the same results (runtime.store_views)
        summary.files += reuse_plots[0]
        summary.skipped_plots += reuse_plots[1]
    elif plots:
        try:
            outcome = _make_plots(plan, groups, out, robust)
        except Exception as exc:  # noqa: BLE001 - a plotting problem must not lose the report
            summary.skipped_plots.append(f"plots failed: {type(exc).__name__}: {exc}")
        else:
            summary.files += outcome.files
            summary.skipped_plots += outcome.skipped
    summary_path = out / SUMMARY_JSON

    def write_summary() -> None:
        data = _summary_dict(plan, experiment_result, groups, fits,
                             summary.files + [summary_path], summary.skipped_plots, claims, readouts, robust)
        if cost:
            data["cost_per_step"] = cost
        atomic_write_text(summary_path, json.dumps(data, indent=1, allow_nan=True, default=str))
        summary.files.append(summary_path)

    _guard(console, f"writing {summary_path}", write_summary, None)
    footer(console, summary.files, summary.skipped_plots, out)
    nothing = learned_nothing(groups)
    if nothing:
        console.print(Text(f"warning: {len(nothing)} group(s) learned nothing (test error within 5 % of the best "
                           f"constant predictor's, or above it): {', '.join(nothing[:4])}{', ...' if len(nothing) > 4 else ''}; a bound "
                           "that holds there says nothing about learning (see the notes under the tables)",
                           style="bold yellow"))
    if summary.disagreements:
        console.print(Text(f"{len(summary.disagreements)} measured rate(s) disagree with the theory "
                           "(see the rates table)", style="bold red"))
    elif (line := rates_line(fits)) is not None:
        console.print(line)
    if (line := summary_line(claims)) is not None:
        console.print(line)
    return summary


def rates_line(fits: list[RateFit]) -> Text | None:
    """The closing line on the rates when none disagrees: how many measured rates were compared with an exponent
    of the theory and agree (``None`` when none was compared)."""
    agree = [f for f in fits if f.agrees is True]
    below = [f for f in fits if f.below_bound]
    if not agree and not below:
        return None
    names = list(dict.fromkeys(f"{f.model}: {f.metric} ~ {f.axis}" for f in agree))
    what = ", ".join(names) if len(agree) <= 3 else f"{len(agree)} measured rates"
    parts = [f"{what} agree{'s' if len(agree) == 1 else ''} with the theory's exponent"] if agree else []
    if below:
        parts.append(f"{len(below)} decay{'s' if len(below) == 1 else ''} slower than an upper bound's rate but "
                     "below the bound")
    return Text("rates: " + "; ".join(parts) + " (see the rates table)", style="green")


def _print_readouts(console: Console, readouts: Readouts) -> None:
    parts = readout_tables(readouts)
    if parts:
        console.print()
    for part in parts:
        console.print(part)


def _print_robustness(console: Console, robust: Robustness) -> None:
    console.print()
    console.print(robustness_table(robust))
    console.print(Text(ROBUST_NOTE, style="dim"))


def learned_nothing(groups: list[Group]) -> list[str]:
    """The groups (as ``model (param = value, ...)``) where some successful run learned nothing: its test error is
    within 5 % of the best constant predictor's, or above it (:func:`mlc.compiler.lower.health.learned_nothing`)."""
    found = []
    for g in groups:
        if group_learned_nothing(g):
            where = ", ".join(f"{k} = {v:g}" for k, v in g.params.items())
            found.append(f"{g.model} ({where})" if where else g.model)
    return found


T = TypeVar("T")


def _guard(console: Console, stage: str, action: Callable[[], T], default: T) -> T:
    """Run one stage of the report; if it fails, say so on the console and go on with ``default``.

    The result files are written before the report, so a failure here never loses a measurement.
    """
    try:
        return action()
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the user; the message does
        console.print(Text(f"report: {stage} failed ({type(exc).__name__}: {exc}); "
                           "results.json and runs.csv are not affected", style="red"))
        return default


def _make_plots(plan: Plan, groups: list[Group], out: Path, robust: Robustness | None = None) -> Any:
    from mlc.runtime.report_plots import make_plots

    return make_plots(plan, groups, out, robust)

