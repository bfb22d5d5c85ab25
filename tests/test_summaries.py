"""Robust summaries and merged runs in the report (issue 10, items 5 and 7): the median and geometric mean
beside mean ± sd in tables, plots and rate fits; heavy-tailed bounds (T18) by the median; a run that several
sweep points give, trained once and reported under each. References are numpy.

Input:  the report fixtures (``tests/report_fixtures.py``) and small specs.
Output: pass/fail.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from mlc.compiler.ir import Report
from mlc.compiler.pipeline import compile_text
from mlc.runtime import report_fit
from mlc.runtime.report import write_report
from mlc.runtime.report_format import fmt, fmt_stat
from mlc.runtime.report_groups import Stat, centre, group_runs
from mlc.runtime.results import BoundValue, RunResult

from report_fixtures import make_plan, make_result, make_run_results

VALUES = [0.5, 2.0, 8.0, 1e4]  # one wild seed


def test_centres_against_numpy() -> None:
    assert centre(VALUES, "mean") == pytest.approx(np.mean(VALUES))
    assert centre(VALUES, "median") == pytest.approx(np.median(VALUES))
    assert centre(VALUES, "geomean") == pytest.approx(math.exp(np.mean(np.log(VALUES))))
    assert math.isnan(centre([1.0, -1.0], "geomean"))  # not defined unless every value is > 0
    assert centre([1.0, math.inf, 3.0], "median") == 2.0  # non-finite values are left out
    stat = Stat.of(VALUES)
    assert stat is not None and stat.geomean == pytest.approx(centre(VALUES, "geomean"))


def test_cells_lead_with_the_chosen_summary_beside_mean_and_sd() -> None:
    stat = Stat.of(VALUES)
    assert fmt_stat(stat) == f"{fmt(stat.mean)} ± {fmt(stat.sd, 2)}\nmed {fmt(stat.median)}"  # unchanged
    assert fmt_stat(stat, "median").splitlines() == [
        f"med {fmt(float(np.median(VALUES)))}", f"{fmt(stat.mean)} ± {fmt(stat.sd, 2)}", f"gm {fmt(stat.geomean)}"]
    assert fmt_stat(stat, "geomean").splitlines()[0] == f"gm {fmt(stat.geomean)}"
    assert fmt_stat(stat, "geomean").splitlines()[2] == f"med {fmt(stat.median)}"


def _with_summary(summary: str):  # type: ignore[no-untyped-def]
    plan = make_plan()
    return plan.model_copy(update={"report": Report(rates=("width",), summary=summary)})  # type: ignore[arg-type]


def _wild(plan, runs: list[RunResult]) -> list[RunResult]:  # type: ignore[no-untyped-def]
    """Seed 2 of the net is 1000 times off at every width: the mean's slope is dragged, the median's is not."""
    for run in runs:
        if run.model == "net" and run.seed == 2:
            run.metrics["test_error"] *= 1e3 * run.params["width"]
    return runs


def test_median_rate_fit_resists_one_wild_seed_and_matches_numpy() -> None:
    plan = _with_summary("median")
    runs = _wild(plan, make_run_results(plan, noise=0.0))
    fits = {(f.model, f.metric): f for f in report_fit.fit_rates(plan, group_runs(plan, runs), n_boot=50)}
    net = fits[("net", "test_error")]
    xs = np.array(net.xs)
    medians = [np.median([r.metrics["test_error"] for r in runs if r.model == "net" and r.params["width"] == x])
               for x in xs]
    assert net.centres == pytest.approx(medians)
    assert net.slope == pytest.approx(np.polyfit(np.log(xs), np.log(medians), 1)[0])
    assert net.slope == pytest.approx(-1.0, abs=1e-9)  # the fixture's exponent, untouched by the wild seed
    mean_plan = _with_summary("mean")
    mean_fit = next(f for f in report_fit.fit_rates(mean_plan, group_runs(mean_plan, runs), n_boot=50)
                    if (f.model, f.metric) == ("net", "test_error"))
    assert abs(mean_fit.slope + 1.0) > 0.2  # the pooled mean fit is dragged by it
    assert net.as_dict()["summary"] == "median" and "summary" not in mean_fit.as_dict()


def test_heavy_tailed_bound_values_are_summarised_by_the_median() -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    for run, value in zip([r for r in runs if r.model == "net" and r.params["width"] == 10.0], (10.0, 20.0, 1e9)):
        run.bounds.append(BoundValue(theorem="T18", title="slow deterioration", citation="", kind="prediction",
                                     quantity="deterioration_step", holds=True, value=value))
    group = group_runs(plan, runs)[0]
    cells = {c.theorem: c for c in group.bounds()}
    assert cells["T18"].value == 20.0 and cells["T18"].summary == "median"  # the mean would be 3.3e8
    assert cells["T5"].summary == "mean"
    assert {c.theorem: c for c in group.bounds("geomean")}["T5"].summary == "geomean"


def test_report_with_median_labels_tables_and_rates(tmp_path: Path) -> None:
    plan = _with_summary("median")
    console = Console(width=100, record=True, color_system=None)
    write_report(plan, make_result(plan, make_run_results(plan)), tmp_path, console, plots=True)
    text = console.export_text()
    assert "measured, median over seeds, then mean ± sd" in text
    assert "rates: log-log slope of the median over seeds" in text
    assert (tmp_path / "plots" / "test_error_vs_width.png").exists()


SCOPED = """problem t
input x ~ uniform(cube(2))
target f*(x) = relu(x[1])
data { n = 20   n_test = 50 }
model rf = random_features(width = 20)
model net = two_layer(width = 4)
train rf { solve = min_norm }
sweep net { steps = [10, 20, 40] }
sweep { seed = 0..1 }
"""


def test_a_scoped_sweep_trains_the_other_model_once_and_reports_it_at_every_point() -> None:
    plan = compile_text(SCOPED, "t.ml").plan
    assert plan is not None
    rf = [r for r in plan.runs if r.model.name == "rf"]
    assert len(rf) == 2 and len(plan.runs) == 2 + 6  # one min-norm run per seed, not per step count
    assert [p["steps"] for p in rf[0].also] == [20.0, 40.0]
    axis = plan.axis("steps")
    assert axis is not None and {t.owner for t in axis.targets} == {"net"}
    results = [RunResult(index=r.index, hash=r.hash, model=r.model.name, family=r.model.family, seed=r.seed,
                         params=dict(r.params), metrics={"test_error": 0.1 + r.index}) for r in plan.runs]
    groups = group_runs(plan, results)
    rf_groups = [g for g in groups if g.model == "rf"]
    assert [g.params["steps"] for g in rf_groups] == [10.0, 20.0, 40.0]
    assert all(sorted(r.index for r in g.runs) == [rf[0].index, rf[1].index] for g in rf_groups)


def test_a_scoped_sweep_hashes_as_the_unscoped_one_where_they_mean_the_same() -> None:
    """`sweep net { steps = ... }` and `sweep { steps = ... }` give the same runs when only net has steps."""
    scoped = compile_text(SCOPED, "t.ml").plan
    plain = compile_text(SCOPED.replace("sweep net {", "sweep {"), "t.ml").plan
    assert scoped is not None and plain is not None
    assert [r.hash for r in scoped.runs] == [r.hash for r in plain.runs]
