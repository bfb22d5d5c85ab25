"""Claims on the rate of a recorded curve over the training step (``slope of Y over step ...``): the grammar and
the printer, the checker pass (``compiler.check.claims``), the evaluation (``runtime.claims``) against numpy's
log-log fit of synthetic curves, and two tiny specs end to end through ``mlc compile-and-run``.

Input:  small specs written here; synthetic :class:`RunResult` records whose curves follow known power laws (test
        inputs, not outputs of the tool).
Output: test failures.
Role:   each rate claim holds, fails and is not testable where it should be, with the slopes numpy computes; the
        checker rejects a metric that is not recorded, too few recorded points and an axis that is not swept; a
        failing rate claim exits 3 after writing every result (0 with ``--claims warn``), and summary.json and the
        reproduction report carry its numbers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mlc.compiler import ir
from mlc.compiler.check.claims import recorded_points
from mlc.compiler.pipeline import compile_text
from mlc.dsl.formatter import format_text
from mlc.runtime.claims import check_claims, claims_csv_text, curve_rate
from mlc.runtime.results import Curve, RunResult

HEAD = """problem rate_test
let d = 5
input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
data { n = 20   n_test = 50 }
model mf = two_layer(width = 8, activation = relu, scaling = mean_field)
train mf { optimizer = gd(lr = 0.5)   steps = 100   record = every 10: train_error, test_error }
"""
SWEEP = "sweep { d = [3, 6, 9]   seed = 0..2 }\n"
STEPS = list(range(0, 101, 10))


def plan_of(claims: str, sweep: str = SWEEP, head: str = HEAD) -> ir.Plan:
    outcome = compile_text(head + sweep + "claims {\n" + claims + "\n}\n")
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    return outcome.plan


def curve_of(exponent: float, scale: float = 0.3, wobble: float = 0.0) -> list[float]:
    """scale · t^exponent, times a fixed wobble per step (so a fit is not exact); the value at t = 0 is the
    start's, which no rate uses."""
    return [scale if t == 0 else scale * t ** exponent * (1 + wobble * math.sin(t)) for t in STEPS]


def results(plan: ir.Plan, law, metric: str = "test_error", status=None) -> list[RunResult]:
    """A result per plan run whose curve ``metric`` is ``law(seed, params)`` (a list of values at STEPS, or a
    (steps, values) pair); ``status(seed, params)`` gives a run's status (ok without)."""
    out = []
    for run in plan.runs:
        state = status(run.seed, run.params) if status else "ok"
        found = law(run.seed, run.params)
        steps, values = found if isinstance(found, tuple) else (STEPS, found)
        curves = {metric: Curve(steps=list(steps), values=list(values))} if state == "ok" else {}
        out.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                             seed=run.seed, params=dict(run.params), status=state, curves=curves,
                             metrics={metric: float(values[-1])} if state == "ok" else {}))
    return out


def numpy_slope(values: list[float], start: float = 0.0) -> float:
    """The hand computation: numpy's degree-1 fit of log value on log step over the steps > 0 and >= start."""
    pairs = [(t, v) for t, v in zip(STEPS, values) if t > 0 and t >= start]
    return float(np.polyfit(np.log([t for t, _ in pairs]), np.log([v for _, v in pairs]), 1)[0])


# ------------------------------------------------------------------------------ grammar, printer, checker


def test_the_rate_claims_parse_and_print_canonically() -> None:
    plan = plan_of("slope   of test_error over step <= -0.2   from step 20 at d = 3\n"
                   "slope of test_error over step insensitive to d within 30%\n"
                   "slope of train_error over step increases with d from step 10 for mf\n"
                   "slope of test_error over step decreases with d")
    kinds = [(c.kind, c.text) for c in plan.report.claims]
    assert kinds == [
        ("rate", "slope of test_error over step <= -0.2 from step 20 at d = 3"),
        ("rate_insensitive", "slope of test_error over step insensitive to d within 30%"),
        ("rate_trend", "slope of train_error over step increases with d from step 10 for mf"),
        ("rate_trend", "slope of test_error over step decreases with d"),
    ]
    bound, spread, up, down = plan.report.claims
    assert (bound.op, bound.value, bound.start, bound.at, bound.axis) == ("<=", -0.2, 20.0, {"d": 3.0}, "")
    assert (spread.axis, spread.value, spread.start) == ("d", 0.3, 0.0)
    assert (up.direction, up.model, up.start) == ("increasing", "mf", 10.0) and down.direction == "decreasing"
    text = HEAD + SWEEP + "claims {\n  slope of test_error over step increases with d   from step 10\n}\n"
    assert "claims { slope of test_error over step increases with d from step 10 }\n" in format_text(text)[0]
    # the old slope over a swept axis is untouched, and `step` after `over` is the rate's keyword only there
    assert plan_of("slope of test_error over d <= 1").report.claims[0].kind == "slope"


def test_a_rate_claims_number_may_follow_the_other_swept_values() -> None:
    (claim,) = plan_of("slope of test_error over step >= -4 / (d - 2)").report.claims
    assert {e.value for e in claim.value_at} == {-4.0, -1.0, -4 / 7}


def test_a_first_step_that_follows_the_sweep_is_an_error() -> None:
    head = HEAD.replace("let d = 5", "let d = 5\nlet T = 100").replace("steps = 100", "steps = T")
    outcome = compile_text(head + "sweep { T = [100, 200] }\nclaims { slope of test_error over step <= 0 from step T / 2 }\n")
    assert not outcome.ok and "E303" in outcome.rendered and "changes with the swept" in outcome.rendered


def test_the_editor_explains_the_metric_of_a_rate_claim() -> None:
    from mlc.runtime.lsp_analysis import analyse
    from mlc.runtime.lsp_hover import hover

    text = HEAD + SWEEP + "claims {\n  slope of test_error over step increases with d\n}\n"
    lines = text.splitlines()
    line = lines.index("  slope of test_error over step increases with d")
    found = hover(analyse(text, "rate.ml"), line, 12)
    assert found is not None and "**`test_error`**: metric" in found.markdown


def test_rate_claims_do_not_change_the_run_hashes() -> None:
    without = compile_text(HEAD + SWEEP).plan
    with_claims = plan_of("slope of test_error over step increases with d")
    assert without is not None and [r.hash for r in without.runs] == [r.hash for r in with_claims.runs]
    assert without.spec_hash != with_claims.spec_hash


@pytest.mark.parametrize("claim, code, needle", [
    # a metric not recorded during training: the help writes the record rule with it added
    ("slope of param_distance over step <= 0", "E301",
     "`record = every 10: train_error, test_error, param_distance`"),
    ("slope of clip_bound over step <= 0", "E301", "measured at the end of training only"),
    ("slope of test_error over step insensitive to m within 5%", "E303", "not swept"),
    ("slope of test_error over step increases with seed", "E303", "not swept"),
    ("slope of test_error over step <= 0 at m = 3", "E303", "not swept"),
    ("slope of test_error over step <= 0 from step 90", "E301", "`mf` records 2 there"),
    ("slope of test_error over step <= 0 from step -1", "E202", "the first step -1 is out of range"),
    ("slope of test_error over step increases with d for net", "E101", "no model of that name"),
    ("slope of tset_error over step <= 0", "E101", "test_error"),
])
def test_the_checker_rejects_rate_claims_it_cannot_test(claim: str, code: str, needle: str) -> None:
    outcome = compile_text(HEAD + SWEEP + "claims { " + claim + " }\n")
    assert not outcome.ok
    assert [d.code for d in outcome.diagnostics if d.is_error] == [code], outcome.rendered
    assert needle in outcome.rendered, outcome.rendered


def test_a_model_that_records_nothing_has_no_rate() -> None:
    head = HEAD.replace("   record = every 10: train_error, test_error", "")
    outcome = compile_text(head + SWEEP + "claims { slope of test_error over step <= 0 }\n")
    assert not outcome.ok and "`record = every 50: test_error`" in outcome.rendered


def test_recorded_points_are_every_n_steps_and_the_end() -> None:
    train = ir.Train(model="mf", steps=95, record=ir.Record(every=10, metrics=("test_error",)))
    assert recorded_points(train) == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0]
    at = ir.Train(model="mf", steps=100, record=ir.Record(metrics=("test_error",), at=(0.0, 5.0, 50.0, 100.0)))
    assert recorded_points(at) == [5.0, 50.0, 100.0]
    assert recorded_points(ir.Train(model="mf", steps=100)) == []


# ------------------------------------------------------------------------------ the rate of one curve


def test_the_rate_is_numpys_log_log_fit_from_the_stated_step() -> None:
    values = curve_of(-0.7, wobble=0.2)
    assert curve_rate(STEPS, values).slope == pytest.approx(numpy_slope(values), rel=1e-12)
    assert curve_rate(STEPS, values, 40).slope == pytest.approx(numpy_slope(values, 40), rel=1e-12)
    assert curve_rate(STEPS, values, 40).points == 7
    assert curve_rate(STEPS, curve_of(-0.7)).slope == pytest.approx(-0.7, abs=1e-12)  # an exact power law


def test_a_rate_that_cannot_be_fitted_says_why() -> None:
    short = curve_rate([0, 10, 20], [1.0, 0.5, 0.25])
    assert short.slope is None and "2 recorded point(s) after the start; a rate needs 3" in short.why
    zero = curve_rate(STEPS, [*curve_of(-1.0)[:-1], 0.0])
    assert zero.slope is None and "not positive and finite at step 100" in zero.why
    flow = curve_rate([0.0, 1.0, 10.0, 100.0, math.inf], [1.0, 0.5, 0.05, 0.005, 0.001])  # t = inf is no point
    assert flow.slope == pytest.approx(-1.0) and flow.points == 3


# ------------------------------------------------------------------------------ the claims on results


def exponents(by_d: dict[float, float], per_seed: dict[int, dict[float, float]] | None = None, wobble: float = 0.1):
    """Curves t^p with p per d (per seed where given)."""
    def law(seed: int, params: dict[str, float]) -> list[float]:
        p = (per_seed or {}).get(seed, by_d)[params["d"]]
        return curve_of(p, scale=0.2 + 0.05 * seed, wobble=wobble)
    return law


def test_the_bound_on_a_rate_is_checked_per_seed_and_on_the_median_of_the_seeds() -> None:
    plan = plan_of("slope of test_error over step <= -0.5 at d = 3\nslope of test_error over step <= -0.5\n"
                   "slope of test_error over step <= -0.5 from step 50 at d = 9")
    law = exponents({3.0: -0.8, 6.0: -0.6, 9.0: -0.3}, per_seed={2: {3.0: -0.2, 6.0: -0.6, 9.0: -0.3}})
    runs = results(plan, law)
    at3, everywhere, late = check_claims(plan, runs)
    (piece,) = at3.slices
    slopes = [numpy_slope(law(s, {"d": 3.0})) for s in range(3)]
    assert [c.measured for c in piece.seeds] == pytest.approx(slopes, rel=1e-9)
    assert [c.verdict for c in piece.seeds] == ["holds", "holds", "fails"]
    assert piece.overall.measured == pytest.approx(float(np.median(slopes)), rel=1e-9)
    assert at3.verdict == "holds" and "median of 3 seeds' slopes" in piece.overall.detail
    assert everywhere.verdict == "fails" and [s.overall.verdict for s in everywhere.slices] == \
        ["holds", "holds", "fails"]
    (piece9,) = late.slices
    assert piece9.overall.measured == pytest.approx(
        float(np.median([numpy_slope(law(s, {"d": 9.0}), 50) for s in range(3)])), rel=1e-9)
    assert "fit from step 50" in piece9.overall.detail


def test_insensitive_compares_the_rates_over_the_axis() -> None:
    plan = plan_of("slope of test_error over step insensitive to d within 30% from step 20")
    same = exponents({3.0: -0.9, 6.0: -1.0, 9.0: -0.95})
    (result,) = check_claims(plan, results(plan, same))
    (piece,) = result.slices
    medians = [float(np.median([numpy_slope(same(s, {"d": d}), 20) for s in range(3)])) for d in (3.0, 6.0, 9.0)]
    spread = (max(medians) - min(medians)) / abs(float(np.median(medians)))
    assert piece.overall.measured == pytest.approx(spread, rel=1e-9) and result.verdict == "holds"
    assert [c.verdict for c in piece.seeds] == ["holds"] * 3
    assert "d = 3:" in piece.overall.detail and "median over seeds" in piece.overall.detail
    slowing = exponents({3.0: -1.2, 6.0: -0.7, 9.0: -0.4})
    (result,) = check_claims(plan, results(plan, slowing))
    assert result.verdict == "fails" and result.slices[0].overall.measured > 0.3


def test_increases_with_the_axis_means_a_shallower_rate_at_each_larger_value() -> None:
    plan = plan_of("slope of test_error over step increases with d\nslope of test_error over step decreases with d")
    slowing = exponents({3.0: -1.2, 6.0: -0.7, 9.0: -0.4}, per_seed={1: {3.0: -1.2, 6.0: -0.3, 9.0: -0.4}})
    up, down = check_claims(plan, results(plan, slowing))
    assert up.verdict == "holds" and down.verdict == "fails"
    (piece,) = up.slices
    assert [c.verdict for c in piece.seeds] == ["holds", "fails", "holds"]  # seed 1 speeds up from d = 6 to 9
    assert "does not increase from d = 6 → 9" in piece.seeds[1].detail
    medians = [float(np.median([numpy_slope(slowing(s, {"d": d})) for s in range(3)])) for d in (3.0, 6.0, 9.0)]
    assert piece.overall.measured == pytest.approx(min(np.diff(medians)), rel=1e-9)
    not_monotone = exponents({3.0: -0.3, 6.0: -1.1, 9.0: -0.8})
    up, _ = check_claims(plan, results(plan, not_monotone))
    assert up.verdict == "fails" and "does not increase from d = 3 → 6" in up.slices[0].overall.detail


def test_rate_claims_are_not_testable_where_the_curves_cannot_say() -> None:
    plan = plan_of("slope of test_error over step increases with d\nslope of test_error over step <= 0 at d = 6")
    law = exponents({3.0: -1.2, 6.0: -0.7, 9.0: -0.4})
    # seed 0 diverged at d = 6; seed 1 stopped early at d = 9 (2 recorded points); seed 2 reached 0 at d = 6
    def curves(seed: int, params: dict[str, float]):
        if seed == 1 and params["d"] == 9.0:
            return [0, 10, 20], [0.3, 0.1, 0.05]
        if seed == 2 and params["d"] == 6.0:
            return [*law(seed, params)[:-1], 0.0]
        return law(seed, params)
    runs = results(plan, curves, status=lambda s, p: "diverged" if (s, p["d"]) == (0, 6.0) else "ok")
    trend, bound = check_claims(plan, runs)
    (piece,) = trend.slices
    assert [c.verdict for c in piece.seeds] == ["not testable"] * 3
    assert "diverged at d = 6" in piece.seeds[0].detail
    assert "d = 9: 2 recorded point(s)" in piece.seeds[1].detail
    assert "d = 6: a value that is not positive and finite at step 100" in piece.seeds[2].detail
    assert piece.overall.verdict == "holds"  # the median over the seeds that have a rate at each d (as elsewhere)
    none_at_6 = results(plan, lambda s, p: [*law(s, p)[:-1], 0.0] if p["d"] == 6.0 else law(s, p))
    trend_none, _ = check_claims(plan, none_at_6)
    assert trend_none.verdict == "not testable" and "no seed's rate at d = 6" in trend_none.reason
    (at6,) = bound.slices
    assert [c.verdict for c in at6.seeds] == ["not testable", "holds", "not testable"]
    assert at6.overall.verdict == "holds" and at6.overall.detail.startswith("slope ")  # seed 1's alone
    only_d3 = [r for r in results(plan, law) if r.params["d"] == 3.0]  # the other runs are not (yet) there
    (result, _) = check_claims(plan, only_d3)
    assert result.verdict == "not testable" and "1 value(s) of d; the claim needs 2" in result.reason
    one_value = plan_of("slope of test_error over step increases with d", sweep="sweep { d = [3]   seed = 0..1 }")
    (result,) = check_claims(one_value, results(one_value, law))
    assert result.verdict == "not testable" and result.reason == "`d` changes nothing trained"
    absent = plan_of("slope of test_error over step <= 0 at d = 4")
    (result,) = check_claims(absent, results(absent, law))
    assert result.verdict == "not testable" and result.reason == "no run at d = 4"


def test_rate_verdicts_go_to_claims_csv_and_summary() -> None:
    plan = plan_of("slope of test_error over step increases with d")
    (result,) = check_claims(plan, results(plan, exponents({3.0: -1.2, 6.0: -0.7, 9.0: -0.4})))
    rows = claims_csv_text([result]).splitlines()
    assert len(rows) == 1 + 1 + 3 and rows[1].startswith("slope of test_error over step increases with d,rate_trend")
    data = result.as_dict(plan)
    assert data["kind"] == "rate_trend" and data["slices"][0]["where"] == "mf" and len(data["slices"][0]["seeds"]) == 3


# ------------------------------------------------------------------------------ end to end


E2E = """problem rate_e2e
let d = 3
input  x ~ uniform(cube(d))
target f*(x) = relu(x[1])
data { n = 20   n_test = 40 }
model mf = two_layer(width = 8, activation = relu, scaling = mean_field)
train mf { optimizer = gd(lr = 0.2)   steps = 60   record = every 10: train_error, test_error }
sweep { d = [2, 4]   seed = 0..1 }
claims {
  %s
}
"""


def _run(tmp_path: Path, claim: str, *flags: str) -> tuple[int, Path]:
    from mlc.runtime.cli import main

    spec = tmp_path / "rate.ml"
    spec.write_text(E2E % claim)
    out = tmp_path / "out"
    status = main(["compile-and-run", str(spec), "--out", str(out), "--device", "cpu", "--no-plots",
                   "--store", str(tmp_path / "store"), *flags])
    return status, out


def test_a_rate_claim_end_to_end(tmp_path: Path) -> None:
    # GD lowers the training error of every run: its rate is negative at each d (and never above 0)
    status, out = _run(tmp_path, "slope of train_error over step < 0 from step 10")
    assert status == 0
    summary = json.loads((out / "summary.json").read_text())
    (claim,) = summary["claims"]
    assert claim["verdict"] == "holds" and [s["where"] for s in claim["slices"]] == ["mf (d = 2)", "mf (d = 4)"]
    runs = json.loads((out / "results.json").read_text())["runs"]
    for piece in claim["slices"]:  # the summary's numbers are the log-log fits of the stored curves
        d = piece["fixed"]["d"]
        slopes = []
        for run in (r for r in runs if r["params"]["d"] == d):
            steps, values = run["curves"]["train_error"]["steps"], run["curves"]["train_error"]["values"]
            kept = [(t, v) for t, v in zip(steps, values) if t >= 10]
            slopes.append(float(np.polyfit(np.log([t for t, _ in kept]), np.log([v for _, v in kept]), 1)[0]))
        assert piece["measured"] == pytest.approx(float(np.median(slopes)), rel=1e-6)
        assert [s["measured"] for s in piece["seeds"]] == pytest.approx(slopes, rel=1e-6)
    # the opposite claim fails: exit 3 after every result is written; --claims warn only reports it
    status, out = _run(tmp_path, "slope of train_error over step >= 0 from step 10")
    assert status == 3 and (out / "results.json").exists() and (out / "claims.csv").exists()
    assert json.loads((out / "summary.json").read_text())["claims"][0]["verdict"] == "fails"
    status, out = _run(tmp_path, "slope of train_error over step >= 0 from step 10", "--claims", "warn")
    assert status == 0


def test_the_reproduction_report_lists_a_rate_claim_with_its_slopes(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from mlc.runtime.cli import main

    folder = tmp_path / "paper"
    folder.mkdir()
    (folder / "rate.ml").write_text("# Reproduces: a tiny rate over the step.\n"
                                    + E2E % "slope of train_error over step decreases with d from step 10\n"
                                           "  slope of train_error over step < 0 from step 10")
    out = tmp_path / "repro"
    code = main(["reproduce", str(folder), "--out", str(out), "--no-plots", "--device", "cpu", "--checks", "warn",
                 "--store", str(tmp_path / "store")])
    assert code == 0, capsys.readouterr().out
    report = (out / "REPRODUCTION.md").read_text(encoding="utf-8")
    lines = [x for x in report.splitlines() if x.startswith("| rate | `slope of train_error over step")]
    assert len(lines) == 2, report
    assert "median over seeds: slopes d = 2: -" in lines[0] and ", d = 4: -" in lines[0]  # (its verdict: training's)
    assert "| holds |" in lines[1] and "mf (d = 2): holds, median of 2 seeds' slopes -" in lines[1]
