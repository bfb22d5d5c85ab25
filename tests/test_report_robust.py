"""The robustness summary (issue 15, item 2): scaled against conventional forms over an lr × init_scale grid.

Input:  a tiny spec compiled by the pipeline, with results whose test errors are written by hand (so every
        fraction and spread below is known), and one real run of a tiny spec.
Output: pass/fail.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mlc.compiler.pipeline import compile_text
from mlc.runtime.report_groups import group_runs
from mlc.runtime.report_plots import PlotOutcome, robustness_plot
from mlc.runtime.report_robust import robustness, robustness_table
from mlc.runtime.results import RunResult

SPEC = """problem rob
input  x ~ uniform(cube(2))
target f*(x) = relu(x[1])
data { n = 20   n_test = 50 }
model net = two_layer(width = 4)
train { steps = 5 }
sweep {
  scaling = [standard, mean_field]
  lr = [0.01, 0.1]
  init_scale = [1, 4]
}
"""


def _results(errors: dict[tuple[float, float, float], float | None]):
    plan = compile_text(SPEC, "rob.ml").plan
    assert plan is not None
    runs = []
    for run in plan.runs:
        key = (run.params["scaling"], run.params["lr"], run.params["init_scale"])
        value = errors[key]
        runs.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                              seed=run.seed, params=dict(run.params),
                              status="ok" if value is not None else "diverged",
                              metrics={"test_error": value} if value is not None else {}))
    return plan, group_runs(plan, runs)


ERRORS = {  # (scaling index, lr, init_scale) -> test error; standard: one diverged point
    (0.0, 0.01, 1.0): 0.1, (0.0, 0.01, 4.0): 0.5, (0.0, 0.1, 1.0): 0.015, (0.0, 0.1, 4.0): None,
    (1.0, 0.01, 1.0): 0.02, (1.0, 0.01, 4.0): 0.03, (1.0, 0.1, 1.0): 0.01, (1.0, 0.1, 4.0): 0.04,
}


def test_fractions_failures_and_spread_per_form() -> None:
    plan, groups = _results(ERRORS)
    summary = robustness(plan, groups)
    assert summary is not None and summary.grid_axes == ["lr", "init_scale"] and summary.form_axes == ["scaling"]
    standard, mean_field = summary.forms
    assert standard.form == {"scaling": "standard"} and mean_field.form == {"scaling": "mean_field"}
    assert standard.best_overall == mean_field.best_overall == 0.01  # one yardstick for both forms
    assert (standard.converged, standard.failed, standard.fraction) == (1, 1, 0.25)  # 0.015 <= 2 x 0.01
    assert (mean_field.converged, mean_field.failed, mean_field.fraction) == (2, 0, 0.5)  # 0.01 and 0.02
    assert standard.spread == pytest.approx(math.log10(0.5 / 0.015))
    assert mean_field.spread == pytest.approx(math.log10(0.04 / 0.01))
    assert mean_field.median == pytest.approx(0.025)
    wider = robustness(plan, groups, within=5.0)
    assert wider is not None and wider.forms[1].converged == 4
    text = robustness_table(summary).title
    assert text is not None and "within 2× the best" in str(text)


def test_no_summary_without_forms_or_grid() -> None:
    plan = compile_text(SPEC.replace("scaling = [standard, mean_field]\n", ""), "rob.ml").plan
    assert plan is not None
    runs = [RunResult(index=r.index, hash=r.hash, model="net", family="two_layer", seed=0, params=dict(r.params),
                      metrics={"test_error": 0.1}) for r in plan.runs]
    assert robustness(plan, group_runs(plan, runs)) is None


def test_heat_maps_are_drawn(tmp_path: Path) -> None:
    plan, groups = _results(ERRORS)
    summary = robustness(plan, groups)
    assert summary is not None
    outcome = PlotOutcome()
    robustness_plot(summary, tmp_path, outcome)
    assert {p.name for p in outcome.files} == {"robustness_test_error.png", "robustness_test_error.pdf"}
    assert all(p.stat().st_size > 0 for p in outcome.files)


def test_a_tiny_spec_reports_its_robustness(tmp_path: Path) -> None:
    """A real run: the summary is in summary.json with numbers from the measured test errors."""
    import json

    from rich.console import Console

    from mlc.runtime.execute import execute_plan
    from mlc.runtime.report import write_report
    from mlc.runtime.results import ExperimentResult, Environment

    plan = compile_text(SPEC.replace("model net = two_layer(width = 4)", "model net = two_layer(width = 4)\n"
                                     "report { robust_within = 3 }"), "rob.ml").plan
    assert plan is not None and plan.report.robust_within == 3.0
    runs = execute_plan(plan)
    env = Environment.model_construct()
    result = ExperimentResult.model_construct(problem="rob", spec_hash=plan.spec_hash, environment=env, runs=runs,
                                              wall_time_s=0.0, status="complete")
    console = Console(record=True, width=120)
    summary = write_report(plan, result, tmp_path, console, plots=False)
    assert summary.robustness is not None
    data = json.loads((tmp_path / "summary.json").read_text())
    forms = data["robustness"]["forms"]
    measured = {(g.params["scaling"], g.params["lr"], g.params["init_scale"]): g.stat("test_error").mean
                for g in summary.groups if g.stat("test_error") is not None}
    best = min(measured.values())
    assert forms[0]["best_overall"] == pytest.approx(best)
    assert sum(f["converged"] for f in forms) == sum(1 for v in measured.values() if v <= 3 * best)
    assert "robustness over the grid" in console.export_text()


def test_the_robust_claim_compares_the_fractions_of_the_two_forms() -> None:
    from mlc.runtime.claims import check_claims

    claims = ("claims {\n  test_error more robust with scaling = mean_field than standard\n"
              "  test_error more robust with scaling = standard than mean_field\n}\n")
    plan = compile_text(SPEC + claims, "rob.ml").plan
    assert plan is not None
    first, second = plan.report.claims
    assert first.kind == "robust" and first.axis == "scaling" and first.forms == ("mean_field", "standard")
    assert first.text == "test_error more robust with scaling = mean_field than standard"
    _, groups = _results(ERRORS)
    results = check_claims(plan, [r for g in groups for r in g.runs], groups)
    assert [r.verdict for r in results] == ["holds", "fails"]  # 2/4 within 2x the best against 1/4
    assert results[0].slices[0].overall.measured == pytest.approx(0.25)
    assert "2/4 of the grid within 2× the best for mean_field, 1/4 for standard" in results[0].slices[0].overall.detail
