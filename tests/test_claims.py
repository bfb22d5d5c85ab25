"""Claims: the checker pass (``compiler.check.claims``), the IR's hashes, and the evaluation on results
(``runtime.claims``) against numpy on synthetic results, then end to end through ``mlc compile-and-run``.

Input:  small specs written here; synthetic :class:`RunResult` records whose metrics follow a known law (test
        inputs, not outputs of the tool).
Output: test failures.
Role:   every claim kind holds, fails and is not testable where it should be, with the numbers numpy computes;
        claims change no run hash and specs without claims keep their plans; a failing claim exits 3 after the
        results are written, ``--claims warn`` exits 0.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from mlc.compiler import ir
from mlc.compiler.pipeline import compile_text
from mlc.runtime.claims import check_claims, claims_csv_text, settled_steps
from mlc.runtime.results import Curve, RunResult

HEAD = """problem claims_test
let d = 5
input  x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 10, activation = relu, seed = 3)
data { n = 40   n_test = 200 }
model rf = random_features(width = m, activation = relu, bias = false, features = nested)
train { solve = min_norm }
"""
MS = (10.0, 20.0, 40.0, 80.0, 160.0)


def plan_of(claims: str, sweep: str = "sweep { m = [10, 20, 40, 80, 160]   seed = 0..2 }") -> ir.Plan:
    outcome = compile_text(HEAD + sweep + "\nclaims {\n" + claims + "\n}\n")
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    return outcome.plan


def results(plan: ir.Plan, law, metric: str = "test_error", bad: tuple[tuple[int, float], ...] = ()) -> list[RunResult]:
    """A result per plan run with ``metric`` = law(seed, params); ``bad`` (seed, m) runs diverged."""
    out = []
    for run in plan.runs:
        m = run.params.get("m", 0.0)
        status = "diverged" if (run.seed, m) in bad else "ok"
        out.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                             seed=run.seed, params=dict(run.params), status=status,
                             metrics={} if status != "ok" else {metric: float(law(run.seed, run.params))}))
    return out


def only(plan: ir.Plan, runs: list[RunResult]):
    (result,) = check_claims(plan, runs)
    return result


# ------------------------------------------------------------------------------ checker and IR


def test_claims_are_checked_into_the_report_with_their_numbers() -> None:
    plan = plan_of("peak of test_error over m at m = n within 1 step\nslope of test_error over m <= -0.4\n"
                   "test_error insensitive to m within 5%\ntest_error < 0.01 at m = 160")
    kinds = [(c.kind, c.value) for c in plan.report.claims]
    assert kinds == [("peak", 40.0), ("slope", -0.4), ("insensitive", 0.05), ("compare", 0.01)]
    assert plan.report.claims[0].tolerance_kind == "steps" and plan.report.claims[0].tolerance == 1.0
    assert plan.report.claims[3].at == {"m": 160.0}
    assert plan.report.claims[2].text == "test_error insensitive to m within 5%"  # canonical text


def test_claims_change_no_run_hash_and_an_empty_report_keeps_its_json() -> None:
    sweep = "sweep { m = [10, 20, 40, 80, 160]   seed = 0..2 }\n"
    without = compile_text(HEAD + sweep).plan
    with_claims = plan_of("slope of test_error over m <= -0.4")
    assert without is not None
    assert [r.hash for r in without.runs] == [r.hash for r in with_claims.runs]
    assert '"claims"' not in without.model_dump_json()  # omitted at its default: old plans stay byte-identical
    assert without.spec_hash != with_claims.spec_hash  # the claims are part of the report's meaning


@pytest.mark.parametrize("claim, code", [
    ("slope of tset_error over m <= -1", "E101"),
    ("slope of test_error over n <= -1", "E303"),
    ("path_norm insensitive to seed within 5%", "E303"),  # the seed is not an axis a claim speaks of
    ("weighted_path_norm < 1", "E301"),
    ("order of spectrum convergence is increasing", "E301"),
    ("peak of test_error over m at n = 40", "E201"),
])
def test_checker_rejects_claims_about_what_the_spec_does_not_produce(claim: str, code: str) -> None:
    outcome = compile_text(HEAD + "sweep { m = [10, 20, 40]   seed = 0..1 }\nclaims { " + claim + " }\n")
    assert not outcome.ok
    assert [d.code for d in outcome.diagnostics if d.is_error] == [code]


# ------------------------------------------------------------------------------ peak


def bump(centre: float, wild: dict[int, float] | None = None):
    """A double-descent-like curve peaked at ``centre`` (per seed a small wobble; ``wild``: seed -> its own
    peak)."""
    def law(seed: int, params: dict[str, float]) -> float:
        c = (wild or {}).get(seed, centre)
        return 1.0 / (1.0 + (math.log(params["m"] / c)) ** 2) * (1 + 0.01 * seed)
    return law


def test_peak_holds_at_the_argmax_per_seed_and_of_the_median() -> None:
    plan = plan_of("peak of test_error over m at m = n")
    result = only(plan, results(plan, bump(40.0, wild={2: 160.0})))
    (piece,) = result.slices
    table = np.array([[bump(40.0, {2: 160.0})(s, {"m": m}) for m in MS] for s in range(3)])
    assert piece.overall.measured == MS[int(np.argmax(np.median(table, axis=0)))] == 40.0
    assert [c.measured for c in piece.seeds] == [MS[int(np.argmax(row))] for row in table] == [40.0, 40.0, 160.0]
    assert [c.verdict for c in piece.seeds] == ["holds", "holds", "fails"]
    assert result.verdict == "holds"


def test_peak_fails_away_from_the_prediction_and_tolerances_widen_it() -> None:
    plan = plan_of("peak of test_error over m at m = n\npeak of test_error over m at m = n within 1 step\n"
                   "peak of test_error over m at m = n within 60%\npeak of test_error over m at m = n within 40%")
    verdicts = [r.verdict for r in check_claims(plan, results(plan, bump(20.0)))]
    # argmax at 20: 1 grid step from 40, and 50% from it
    assert verdicts == ["fails", "holds", "holds", "fails"]


def test_peak_not_testable_outside_the_grid_or_with_a_failed_run() -> None:
    plan = plan_of("peak of test_error over m at m = 400")
    result = only(plan, results(plan, bump(40.0)))
    assert result.verdict == "not testable" and "outside the swept 10..160" in result.reason
    plan = plan_of("peak of test_error over m at m = n")
    result = only(plan, results(plan, bump(40.0), bad=((1, 40.0),)))
    (piece,) = result.slices
    assert piece.seeds[1].verdict == "not testable" and "diverged at m = 40" in piece.seeds[1].detail
    assert piece.overall.verdict == "holds"  # the median over the seeds that have m = 40
    every_seed = tuple((s, 40.0) for s in range(3))
    result = only(plan, results(plan, bump(40.0), bad=every_seed))
    assert result.verdict == "not testable" and "no successful run at m = 40" in result.reason


def test_a_peak_claim_follows_another_swept_value_per_slice() -> None:
    outcome = compile_text(HEAD.replace("n = 40", "n = nn") + "sweep { m = [10, 20, 40, 80]   nn = [20, 40]   seed = 0..1 }\n"
                           "claims { peak of test_error over m at m = n }\n")
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    plan = outcome.plan
    (claim,) = plan.report.claims
    assert {(e.params["nn"], e.value) for e in claim.value_at} == {(20.0, 20.0), (40.0, 40.0)}
    result = only(plan, results(plan, lambda seed, params: bump(params["nn"])(seed, params)))
    assert [(s.fixed, s.overall.measured, s.overall.verdict) for s in result.slices] == \
        [({"nn": 20.0}, 20.0, "holds"), ({"nn": 40.0}, 40.0, "holds")]
    wrong = only(plan, results(plan, bump(20.0)))  # every slice peaks at 20: wrong where n = 40
    assert [s.overall.verdict for s in wrong.slices] == ["holds", "fails"] and wrong.verdict == "fails"


def test_a_claim_whose_number_follows_its_own_axis_is_an_error() -> None:
    outcome = compile_text(HEAD + "sweep { m = [10, 20, 40]   seed = 0..1 }\nclaims { peak of test_error over m at m = 2 * m }\n")
    assert [d.code for d in outcome.diagnostics if d.is_error] == ["E303"]


def test_peak_needs_three_values() -> None:
    plan = plan_of("peak of test_error over m at m = 10", sweep="sweep { m = [10, 20]   seed = 0..1 }")
    assert only(plan, results(plan, bump(10.0))).verdict == "not testable"


# ------------------------------------------------------------------------------ slope


def power(exponent: float, noise: float = 0.0):
    rng = np.random.default_rng(0)
    factors = {s: float(np.exp(noise * rng.standard_normal())) for s in range(3)}
    return lambda seed, params: 3.0 * params["m"] ** exponent * factors[seed] * (1 + 0.05 * math.sin(params["m"] + seed))


def test_slope_is_the_least_squares_log_log_slope() -> None:
    plan = plan_of("slope of test_error over m <= -0.4\nslope of test_error over m >= -0.4")
    law = power(-0.5, noise=0.1)
    holds, fails = check_claims(plan, results(plan, law))
    table = np.array([[law(s, {"m": m}) for m in MS] for s in range(3)])
    lx = np.log(MS)
    expected = np.polyfit(lx, np.log(np.median(table, axis=0)), 1)[0]
    per_seed = [np.polyfit(lx, np.log(row), 1)[0] for row in table]
    (piece,) = holds.slices
    assert piece.overall.measured == pytest.approx(expected, rel=1e-9)
    assert [c.measured for c in piece.seeds] == pytest.approx(per_seed, rel=1e-9)
    assert piece.interval is not None and piece.interval[0] <= expected <= piece.interval[1]
    assert holds.verdict == "holds" and fails.verdict == "fails"


def test_slope_not_testable_without_positive_values() -> None:
    plan = plan_of("slope of test_error over m <= -0.4")
    result = only(plan, results(plan, lambda s, p: 0.0))
    assert result.verdict == "not testable"


# ------------------------------------------------------------------------------ insensitive


def test_insensitive_is_the_relative_spread_over_the_axis() -> None:
    plan = plan_of("test_error insensitive to m within 5%\ntest_error insensitive to m within 2%")
    law = lambda seed, params: 0.1 * (1 + 0.03 * math.cos(params["m"]) + 0.001 * seed)  # noqa: E731
    five, two = check_claims(plan, results(plan, law))
    table = np.array([[law(s, {"m": m}) for m in MS] for s in range(3)])
    med = np.median(table, axis=0)
    assert five.slices[0].overall.measured == pytest.approx((med.max() - med.min()) / np.median(med))
    assert five.verdict == "holds" and two.verdict == "fails"


def test_insensitive_for_one_model_checks_that_models_slices_only() -> None:
    """`... for MODEL`: the paper's "the regularised model is insensitive" is not failed by the other model."""
    head = HEAD.replace("train { solve = min_norm }", "model rf2 = random_features(width = m, activation = relu, "
                        "bias = false, features = nested, seed = 5)\ntrain { solve = min_norm }")
    outcome = compile_text(head + "sweep { m = [10, 20, 40]   seed = 0..1 }\nclaims {\n"
                           "test_error insensitive to m within 5% for rf\ntest_error insensitive to m within 5%\n}\n")
    assert outcome.plan is not None, outcome.rendered
    plan = outcome.plan
    assert [c.model for c in plan.report.claims] == ["rf", ""]
    assert plan.report.claims[0].text == "test_error insensitive to m within 5% for rf"
    runs = []
    for run in plan.runs:  # rf flat, rf2 varies by a factor 8
        value = 0.1 if run.model.name == "rf" else 0.01 * run.params["m"]
        runs.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                              seed=run.seed, params=dict(run.params), status="ok", metrics={"test_error": value}))
    scoped, every = check_claims(plan, runs)
    assert [s.model for s in scoped.slices] == ["rf"] and scoped.verdict == "holds"
    assert sorted(s.model for s in every.slices) == ["rf", "rf2"] and every.verdict == "fails"
    bad = compile_text(head + "sweep { m = [10, 20, 40] }\nclaims { test_error insensitive to m within 5% for rff }\n")
    assert bad.plan is None and "E101" in bad.rendered and "rf" in bad.rendered


def test_peak_and_slope_claims_take_for_model_too() -> None:
    """`peak of ... for MODEL`, `slope of ... for MODEL`: a spec comparing two models claims the peak of one."""
    head = HEAD.replace("train { solve = min_norm }", "model rf2 = random_features(width = m, activation = relu, "
                        "bias = false, features = nested, seed = 5)\ntrain { solve = min_norm }")
    outcome = compile_text(head + "sweep { m = [10, 20, 40, 80]   seed = 0..1 }\nclaims {\n"
                           "peak of test_error over m at m = 40 for rf\nslope of test_error over m <= -0.5 for rf2\n"
                           "peak of test_error over m at m = 40\n}\n")
    assert outcome.plan is not None, outcome.rendered
    plan = outcome.plan
    assert [c.model for c in plan.report.claims] == ["rf", "rf2", ""]
    assert [c.text for c in plan.report.claims][:2] == ["peak of test_error over m at m = 40 for rf",
                                                         "slope of test_error over m <= -0.5 for rf2"]
    runs = []
    for run in plan.runs:  # rf peaks at m = 40; rf2 falls as 1/m (slope -1)
        m = run.params["m"]
        value = (1.0 if m == 40 else 0.1) if run.model.name == "rf" else 1.0 / m
        runs.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                              seed=run.seed, params=dict(run.params), status="ok", metrics={"test_error": value}))
    peak, slope, every = check_claims(plan, runs)
    assert [s.model for s in peak.slices] == ["rf"] and peak.verdict == "holds"
    assert [s.model for s in slope.slices] == ["rf2"] and slope.verdict == "holds"
    assert every.verdict == "fails"  # rf2 does not peak at 40
    bad = compile_text(head + "sweep { m = [10, 20, 40] }\nclaims { slope of test_error over m <= 0 for nope }\n")
    assert bad.plan is None and "E101" in bad.rendered and "rf2" in bad.rendered


def test_regime_claims_read_the_recorded_curve_per_seed_and_on_the_median() -> None:
    head = HEAD.replace("train { solve = min_norm }", "")
    head = head.replace("model rf = random_features(width = m, activation = relu, bias = false, features = nested)",
                        "model net = two_layer(width = 8 * m)\ntrain { optimizer = adam(lr = 1e-3)   steps = 2000   "
                        "record = every 2: train_loss }")
    outcome = compile_text(head + "sweep { m = [1, 2]   seed = 0..1 }\nclaims {\n"
                           "regime of train_loss is spikes at m = 1\nregime of train_loss is spikes at m = 2\n}\n")
    assert outcome.plan is not None, outcome.rendered
    plan = outcome.plan
    assert [(c.kind, c.regime, c.at) for c in plan.report.claims] == [("regime", "spikes", {"m": 1.0})] * 1 + \
        [("regime", "spikes", {"m": 2.0})]
    steps = list(range(0, 2001, 2))
    smooth = [math.exp(-t / 100) + 1e-6 for t in steps]
    spiky = list(smooth)
    for t in (1200, 1600):
        spiky[t // 2] = 1e-3
    runs = []
    for run in plan.runs:  # m = 1 spikes, m = 2 descends smoothly
        values = spiky if run.params["m"] == 1 else smooth
        runs.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                              seed=run.seed, params=dict(run.params), status="ok", metrics={"train_loss": values[-1]},
                              curves={"train_loss": Curve(steps=steps, values=values)}))
    at1, at2 = check_claims(plan, runs)
    assert at1.verdict == "holds" and at1.slices[0].count("holds") == 2 and "2 spike(s)" in at1.slices[0].overall.detail
    assert at2.verdict == "fails" and "small_oscillation" in at2.slices[0].overall.detail
    runs[-1].status, runs[-2].status = "diverged", "diverged"  # m = 2: both diverged, a large oscillation
    assert "large_oscillation" in check_claims(plan, runs)[1].slices[0].overall.detail
    for claim, needle in (("regime of train_loss is spiky", "unknown regime `spiky`"),
                          ("regime of test_error is spikes", "E301")):
        bad = compile_text(head + "sweep { m = [1, 2] }\nclaims { " + claim + " }\n")
        assert bad.plan is None and needle in bad.rendered, bad.rendered


# ------------------------------------------------------------------------------ compare


def test_compare_at_a_sweep_value_and_everywhere() -> None:
    plan = plan_of("test_error < 0.05 at m = 160\ntest_error < 0.05\ntest_error < 1 at m = 30")
    at_160, everywhere, absent = check_claims(plan, results(plan, power(-1.0)))
    assert at_160.verdict == "holds" and len(at_160.slices) == 1
    assert everywhere.verdict == "fails"  # 3 * 10^-1 at m = 10
    assert absent.verdict == "not testable" and absent.reason == "no run at m = 30"


# ------------------------------------------------------------------------------ order (frequency principle)


def test_settled_steps_is_the_first_step_from_which_the_value_stays_below() -> None:
    steps = [0.0, 10.0, 20.0, 30.0, 40.0]
    curves = {"spectrum_k1": (steps, [1.0, 0.05, 0.2, 0.05, 0.01]), "spectrum_k3": (steps, [1.0, 1.0, 1.0, 1.0, 0.5])}
    assert settled_steps(curves, 0.1) == {1: 30.0, 3: math.inf}


ORDER_SPEC = """problem order_test
input  x ~ grid(-5, 5, points = 41)
target f*(x) = sin(x[1]) + sin(3 * x[1])
model net = deep(widths = [16, 16], activation = tanh)
train { optimizer = adam(lr = 1e-3)   steps = 40   record = every 10: train_error, spectrum }
sweep { seed = 0..2 }
claims { order of spectrum convergence is increasing below 0.1 }
"""


def order_results(plan: ir.Plan, settle: dict[int, dict[int, int]]) -> list[RunResult]:
    """Curves spectrum_k<k> that fall below 0.1 at step settle[seed][k]."""
    steps = [0, 10, 20, 30, 40]
    out = []
    for run in plan.runs:
        curves = {f"spectrum_k{k}": Curve(steps=steps, values=[0.05 if t >= at else 0.9 for t in steps])
                  for k, at in settle[run.seed].items()}
        out.append(RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                             seed=run.seed, params=dict(run.params), metrics={"test_error": 0.1}, curves=curves))
    return out


def test_order_holds_when_low_frequencies_settle_first_and_fails_otherwise() -> None:
    outcome = compile_text(ORDER_SPEC)
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    plan = outcome.plan
    good = only(plan, order_results(plan, {0: {1: 10, 3: 30}, 1: {1: 20, 3: 30}, 2: {1: 30, 3: 10}}))
    (piece,) = good.slices
    assert [c.verdict for c in piece.seeds] == ["holds", "holds", "fails"]
    assert good.verdict == "holds"  # the median curves settle at 20 (k=1) and 30 (k=3)
    bad = only(plan, order_results(plan, {s: {1: 40, 3: 10} for s in range(3)}))
    assert bad.verdict == "fails"
    never = only(plan, order_results(plan, {s: {1: 99, 3: 99} for s in range(3)}))
    assert never.verdict == "not testable" and "settles below 0.1" in never.reason


def test_claims_csv_has_a_row_per_slice_and_seed() -> None:
    plan = plan_of("slope of test_error over m <= -0.4")
    rows = list(csv.reader(claims_csv_text(check_claims(plan, results(plan, power(-1.0)))).splitlines()))
    assert rows[0][:3] == ["claim", "kind", "metric"] and len(rows) == 1 + 1 + 3


# ------------------------------------------------------------------------------ end to end


E2E = HEAD.replace("n = 40   n_test = 200", "n = 30   n_test = 100") + """sweep { m = [10, 30, 90]   seed = 0..1 }
report { bounds }
claims {
  test_error >= 0
  %s
}
"""


def _run(tmp_path: Path, second: str, *flags: str) -> tuple[int, Path]:
    from mlc.runtime.cli import main

    spec = tmp_path / "c.ml"
    spec.write_text(E2E % second)
    out = tmp_path / "out"
    status = main(["compile-and-run", str(spec), "--out", str(out), "--device", "cpu", "--no-plots",
                   "--store", str(tmp_path / "store"), *flags])
    return status, out


def test_a_failing_claim_exits_3_after_writing_every_result(tmp_path: Path) -> None:
    status, out = _run(tmp_path, "test_error < 0")
    assert status == 3
    summary = json.loads((out / "summary.json").read_text())
    assert [c["verdict"] for c in summary["claims"]] == ["holds", "fails"]
    assert len(json.loads((out / "results.json").read_text())["runs"]) == 6
    assert (out / "claims.csv").exists() and (out / "runs.csv").exists()


def test_claims_that_hold_exit_0_and_warn_only_reports(tmp_path: Path) -> None:
    status, _ = _run(tmp_path, "train_error >= 0")
    assert status == 0
    status, out = _run(tmp_path, "test_error < 0", "--claims", "warn")
    assert status == 0
    assert json.loads((out / "summary.json").read_text())["claims"][1]["verdict"] == "fails"


def test_the_editor_shows_a_claims_outline_and_the_metric_of_a_claim() -> None:
    from mlc.runtime.lsp_analysis import analyse, document_symbols
    from mlc.runtime.lsp_hover import hover

    text = (Path(__file__).resolve().parents[1] / "specs" / "rf_claims.ml").read_text()
    analysis = analyse(text, "rf_claims.ml")
    assert analysis.syntax is not None and "claims" in [s.name for s in document_symbols(analysis.syntax)]
    line = text.splitlines().index("  peak of test_error over m at m = n within 1 step")
    found = hover(analysis, line, 14)
    assert found is not None and "**`test_error`**: metric" in found.markdown


def test_a_claim_over_many_slices_is_folded_in_the_table() -> None:
    from rich.console import Console

    from mlc.runtime.claims import claims_table

    plan = plan_of("test_error < 0.2", sweep="sweep { m = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28]   seed = 0..1 }")
    result = check_claims(plan, results(plan, lambda s, p: 3.0 / p["m"]))  # > 0.2 at m < 15
    console = Console(width=200, record=True)
    console.print(claims_table(result, plan))
    text = console.export_text()
    assert "m = 10" in text and "m = 14" in text and "m = 16" not in text
    assert "7 more slice(s)" in text and "7 of 10 slices hold" in text


def test_the_claims_table_names_a_categorical_value_by_its_label() -> None:
    from rich.console import Console

    from mlc.runtime.claims import claims_table

    plan = plan_of("test_error < 0.2", sweep="sweep { activation = [relu, tanh]   m = [10, 20]   seed = 0..1 }")
    result = check_claims(plan, results(plan, lambda s, p: 0.1))
    console = Console(width=200, record=True)
    console.print(claims_table(result, plan))
    text = console.export_text()
    assert "activation = tanh, m = 20" in text and "activation = 1" not in text
    wheres = [piece["where"] for piece in result[0].as_dict(plan)["slices"]]  # summary.json, read by reproduce
    assert "rf (activation = tanh, m = 20)" in wheres


def test_compile_emit_plan_lists_the_claims(capsys) -> None:
    from mlc.runtime.cli import main

    root = Path(__file__).resolve().parent.parent
    assert main(["compile", str(root / "specs" / "rf_claims.ml"), "--emit", "plan"]) == 0
    out = capsys.readouterr().out
    assert "claims (4, checked after training" in out
    assert "  peak of test_error over m at m = n within 1 step\n" in out
    assert main(["compile", str(root / "specs" / "quickstart.ml"), "--emit", "plan"]) == 0
    assert "claims" not in capsys.readouterr().out  # no claims: nothing listed
