"""The report's read-outs section (runtime.report_readouts) and the report logic of issue 11 on built-in fixtures."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from mlc.runtime.report import learned_nothing, write_report
from mlc.runtime.report_groups import group_runs
from mlc.runtime.report_readouts import compute_readouts, readout_tables, readouts_dict
from mlc.runtime.results import BoundValue, Curve
from tests.report_fixtures import make_plan, make_result, make_run_results


def _console() -> Console:
    return Console(file=io.StringIO(), width=100, record=True)


def test_peak_readout_of_a_width_sweep_matches_numpy() -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    for r in runs:  # T19's value on every run, as compiler.theory writes it
        r.bounds.append(BoundValue(theorem="T19", title="peak", citation="R3", kind="prediction", holds=True,
                                   quantity="peak_width", value=100.0 if r.family == "random_features" else 20.0))
    readouts = compute_readouts(plan, group_runs(plan, runs))
    rf = next(e for e in readouts.peaks if e.model == "rf")
    # the fixture's errors fall as 1/width: the peak is at the smallest width, per seed and for the median
    ok = [r for r in runs if r.model == "rf" and r.status == "ok"]
    table = {s: [next((r.metrics["test_error"] for r in ok if r.seed == s and r.params["width"] == w), np.nan)
                 for w in (10.0, 40.0, 160.0, 640.0)] for s in (0, 1, 2)}
    med = [float(np.nanmedian([table[s][j] for s in table])) for j in range(4)]
    assert rf.readout.median == tuple(med) or np.allclose(rf.readout.median, med)
    assert rf.readout.median_at == 10.0 and not rf.readout.interior
    assert rf.predicted == 100.0 and rf.in_range and rf.solve == "gd"
    net = next(e for e in readouts.peaks if e.model == "net")
    assert net.predicted == 20.0
    data = json.loads(json.dumps(readouts_dict(readouts)))
    assert data["peaks"][0]["readout"]["axis_values"] == [10.0, 40.0, 160.0, 640.0]


def test_two_layer_peak_only_when_the_sweep_crosses_the_threshold() -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    for r in runs:
        r.bounds.append(BoundValue(theorem="T19", title="peak", citation="R3", kind="prediction", holds=True,
                                   value=5000.0))  # beyond the swept widths 10..640
    readouts = compute_readouts(plan, group_runs(plan, runs))
    assert [e.model for e in readouts.peaks] == ["rf"]
    assert any("net: T19's peak of a two-layer net" in n and "does not cross" in n for n in readouts.notes)


def test_phase_readout_only_for_runs_t18_is_about() -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    ts = [0.0, 1.0, 10.0, 100.0, 1e3, 1e4, float("inf")]
    es = [1.0, 0.3, 0.1, 0.1, 0.2, 0.6, 0.8]
    for r in runs:
        r.curves["test_error"] = Curve(steps=ts, values=es)
        if r.family == "random_features":
            r.bounds.append(BoundValue(theorem="T18", title="t18", citation="D", kind="prediction", holds=True,
                                       quantity="deterioration_step", value=2e3))
    readouts = compute_readouts(plan, group_runs(plan, runs))
    assert readouts.phases and {e.model for e in readouts.phases} == {"rf"}
    e = readouts.phases[0]
    assert e.phases.t_opt == 10.0 and e.phases.e_inf == 0.8 and e.predicted == 2e3
    level = 0.1 + 0.5 * 0.7  # E_min + f (E_∞ − E_min)
    expected = 10 ** (3 + (level - 0.2) / (0.6 - 0.2))
    assert abs(e.phases.t_rise - expected) < 1e-9 * expected
    console = _console()
    for part in readout_tables(readouts):
        console.print(part)
    text = console.export_text()
    assert "T18 read-out" in text and "t_rise /" in text


def test_learned_nothing_is_said_at_the_end(tmp_path: Path) -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    for r in runs:
        if r.model == "net" and r.params["width"] == 10.0:
            r.metrics["zero_predictor_mse"] = r.metrics["test_error"]  # no better than predicting 0
        elif "test_error" in r.metrics:
            r.metrics["zero_predictor_mse"] = 100 * r.metrics["test_error"]
    groups = group_runs(plan, runs)
    assert learned_nothing(groups) == ["net (width = 10)"]
    console = _console()
    write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    text = console.export_text()
    assert "1 group(s) learned nothing" in text
    assert json.loads((tmp_path / "summary.json").read_text())["learned_nothing"] == ["net (width = 10)"]


def test_non_monotone_curve_gets_no_power_law(tmp_path: Path) -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    peak = {10.0: 1.0, 40.0: 5.0, 160.0: 0.5, 640.0: 0.4}
    for r in runs:
        if r.model == "rf" and "test_error" in r.metrics:
            r.metrics["test_error"] = peak[r.params["width"]] * (1 + 0.01 * r.seed)
    console = _console()
    summary = write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    fit = next(f for f in summary.rate_fits if f.model == "rf" and f.metric == "test_error")
    assert fit.slope is None and fit.agrees is None and "non-monotone" in fit.note
    assert "width = 40" in fit.note
    assert "no single power law" in console.export_text()


def test_slower_than_the_rate_but_below_the_bound_is_not_a_violation(tmp_path: Path) -> None:
    from mlc.compiler.ir import RatePrediction

    plan = make_plan()
    runs = make_run_results(plan)
    for r in runs:  # the net's error decays as width^-0.2, slower than T1's width^-1, far below a bound of 10
        if r.model == "net" and "test_error" in r.metrics:
            r.metrics["test_error"] = r.params["width"] ** -0.2 * (1 + 0.01 * r.seed)
            r.bounds.append(BoundValue(theorem="T1", title="t1", citation="E", kind="upper", holds=True,
                                       quantity="test_error", value=10.0))
    pred = RatePrediction(model="net", axis="width", quantity="width", metric="test_error", exponent=-1.0,
                          relation="upper", theorem="T1", regime="approximation-limited")
    plan = plan.model_copy(update={"rates": (pred,)})
    console = _console()
    summary = write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    fit = next(f for f in summary.rate_fits if f.model == "net" and f.metric == "test_error")
    assert fit.below_bound and fit.agrees is None and "not a violation" in fit.message
    assert not summary.disagreements
    assert "slower, below the bound" in console.export_text()


def test_optimisation_limited_runs_are_labelled_next_to_their_rates_and_bounds(tmp_path: Path) -> None:
    plan = make_plan()
    runs = make_run_results(plan)
    for r in runs:  # the net at width 10: train ≈ test, both still falling by a third over the last quarter
        if r.model == "net" and r.params["width"] == 10.0:
            test = r.metrics["test_error"]
            r.curves = {"train_error": Curve(steps=[0, 50, 75, 100], values=[1.0, 3 * test, 1.5 * test, test]),
                        "test_error": Curve(steps=[0, 50, 75, 100], values=[1.0, 3 * test, 1.5 * test, test])}
    console = _console()
    summary = write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    text = console.export_text()
    assert "optimisation-limited" in text.split("bounds")[0]  # under the test error in the measured table
    assert "net (width = 10, 3/3 runs): optimisation-limited: train" in " ".join(text.split())
    bounds = text[text.index("net: bounds"):]
    assert "training" in bounds and "optimisation-limited" in bounds
    fit = next(f for f in summary.rate_fits if f.model == "net" and f.metric == "test_error")
    assert fit.optimisation_limited == [10.0]
    assert "optimisation-limited at width = 10" in " ".join(text.split("rates:")[1].split())
    saved = json.loads((tmp_path / "summary.json").read_text())
    limited = {(g["model"], g["params"]["width"]): g["optimisation_limited"] for g in saved["groups"]}
    assert limited[("net", 10.0)] == {"runs": 3, "of": 3, "first": fit_first(runs)}
    assert limited[("net", 40.0)] is None and limited[("rf", 10.0)] is None


def fit_first(runs: list) -> str:
    from mlc.runtime.report_groups import run_optimisation_limit

    first = next(r for r in runs if r.model == "net" and r.params["width"] == 10.0)
    limit = run_optimisation_limit(first)
    assert limit is not None
    return limit.describe()


def test_bounds_of_many_groups_are_folded_to_one_row_per_theorem(tmp_path: Path, monkeypatch) -> None:
    """Issue 11: a report of many grid points must not print a row per (group, theorem); past MAX_BOUND_ROWS the
    bounds table has one row per theorem, with the range over the groups and the params its value varies with."""
    from mlc.runtime import report_bounds

    plan = make_plan()
    runs = make_run_results(plan)
    console = _console()
    write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    unfolded = console.export_text()
    assert "folded" not in unfolded
    monkeypatch.setattr(report_bounds, "MAX_BOUND_ROWS", 3)  # 4 groups of the net: more rows than that
    console = _console()
    write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    text = console.export_text()
    table = text[text.index("net: bounds over 4 groups, folded"):]
    table = table[:table.index("T5: ")]
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip().startswith(("T5", "T4"))}
    # T5 = 3/width + 0.5 over widths 10..640: its range, where measured / bound is largest, and what it varies with
    t5 = " ".join(rows["T5"].split())
    assert "4/4" in t5 and f"{0.5 + 3 / 640:.3g} – {0.5 + 3 / 10:.3g}" in t5 and t5.endswith("width")
    groups = group_runs(plan, runs)
    ratios = {g.params["width"]: c.ratio for g in groups if g.model == "net" for c in g.bounds() if c.theorem == "T5"}
    assert f"width = {max(ratios, key=lambda w: ratios[w] or 0):g}" in t5
    # T4's value (from the path norm, the same mean at every width) varies with none of the swept params
    assert " ".join(rows["T4†"].split()).endswith("none")
    assert len(table.splitlines()) < len(unfolded[unfolded.index("net: bounds"):].splitlines())


def test_plot_theory_lines_are_the_bounds_values_or_a_slope_guide_above_the_points() -> None:
    """Issue 11: a theory line anchored at the first point makes every later point of a faster-falling curve look
    like a violation. A bound with values is drawn at its values; a rate-only one as a slope guide that, for an
    upper bound, lies above every point and touches one."""
    from mlc.runtime.report_plots import _bound_values, slope_guide

    xs = np.array([10.0, 40.0, 160.0, 640.0])
    ys = np.array([0.05, 0.02, 0.004, 0.003])  # x·y = 0.5, 0.8, 0.64, 1.92: slower than x^-1 at the end
    grid, line = slope_guide(xs, ys, -1.0, "upper")  # type: ignore[misc]
    at = np.interp(np.log(xs), np.log(grid), np.log(line))
    assert np.all(np.log(ys) <= at + 1e-9) and np.isclose(np.max(np.log(ys) - at), 0.0)
    assert not np.isclose(at[0], np.log(ys[0]))  # not the first point: the last one sets C here
    grid, low = slope_guide(xs, ys, -1.0, "lower")  # type: ignore[misc]
    assert np.all(np.log(ys) >= np.interp(np.log(xs), np.log(grid), np.log(low)) - 1e-9)
    assert slope_guide(xs[:1], ys[:1], -1.0, "upper") is None
    plan = make_plan()
    groups = [g for g in group_runs(plan, make_run_results(plan)) if g.model == "net"]
    values = _bound_values(groups, "test_error", "width", "mean")
    assert list(values) == ["T5"]  # T4 bounds the gap, T7 is rate-only
    assert values["T5"][0] == [10.0, 40.0, 160.0, 640.0]
    assert np.allclose(values["T5"][1], [3.0 / w + 0.5 for w in (10.0, 40.0, 160.0, 640.0)])


def test_a_clipped_bound_is_shown_and_stored_as_its_trivial_value(tmp_path: Path) -> None:
    """Issue 11: runs.csv's bound:* columns name their quantity, rate-only theorems get no number, and a value
    clipped at the trivial bound is stored as the table shows it."""
    import csv

    from mlc.runtime.report_store import runs_csv_text

    plan = make_plan()
    runs = make_run_results(plan)
    for r in runs:
        for b in r.bounds:
            if b.theorem == "T4" and r.params["width"] == 10.0:  # a vacuous value, clipped at 1
                b.value, b.trivial = 7.5, 1.0
    console = _console()
    summary = write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    text = console.export_text()
    assert "1 clipped" in text and "clipped: the formula exceeds the trivial bound" in text
    cell = next(c for g in summary.groups if g.model == "net" and g.params["width"] == 10.0
                for c in g.bounds() if c.theorem == "T4")
    assert cell.value == 1.0 and cell.clipped
    rows = list(csv.DictReader(runs_csv_text(plan, runs).splitlines()))
    assert "bound:T4:generalisation_gap" in rows[0] and "bound:T5:test_error" in rows[0]
    assert not any(k.startswith("bound:T7") for k in rows[0])  # rate-only: no number
    for row in rows:
        if row["model"] == "net" and row["status"] == "ok":
            expected = 1.0 if float(row["width"]) == 10.0 else 4 * (1 + 0.1 * float(row["seed"]) + 1) * 0.1
            assert float(row["bound:T4:generalisation_gap"]) == pytest.approx(expected)


@pytest.mark.parametrize("threshold,shown", [(100.0, True), (1000.0, False)])
def test_two_layer_t19_is_shown_only_when_the_widths_cross_the_threshold(tmp_path: Path, threshold: float,
                                                                         shown: bool) -> None:
    plan = make_plan()  # the net's widths 10, 40, 160, 640
    runs = make_run_results(plan)
    for r in runs:
        if r.model == "net":
            r.bounds.append(BoundValue(theorem="T19", title="peak", citation="R", kind="prediction", holds=True,
                                       quantity="peak_width", value=threshold, unverified=True))
    groups = [g for g in group_runs(plan, runs) if g.model == "net"]
    assert all(("T19" in {c.theorem for c in g.bounds()}) == shown for g in groups)
    console = _console()
    write_report(plan, make_result(plan, runs), tmp_path, console, plots=False)
    said = "T19 not shown: net's widths 10, 40, 160, 640 all lie below m = n/(d+1) = 1e+03" in console.export_text()
    assert said == (not shown)
