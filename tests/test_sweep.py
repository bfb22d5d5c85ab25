"""Sweep unit tests: every run of a plan is distinct, and every producer of runs hashes them the same way.

Input:  small specs around one base spec, and programmatic plans from ``mlc.compiler.lower.examples``.
Output: pass/fail.
Role:   regression tests for issue 7 bugs 3 (sweeping `delta` trained one thing twice and kept the first
        delta) and 5 (plans built in Python were hashed differently from the sweep, so ``verify_plan``
        rejected them), and for the run count being known from the axes before expansion.
"""

from __future__ import annotations

import pytest

from mlc.compiler import ir
from mlc.compiler.check import Checker
from mlc.compiler.lower.examples import benchmark_plan, make_plan, make_run
from mlc.compiler.pipeline import compile_text
from mlc.compiler.sweep import MAX_RUNS, resolve_axes, run_count
from mlc.compiler.verify import PlanInvariantError, verify_plan
from mlc.dsl.desugar import desugar
from mlc.dsl.parser import parse

BASE = """problem t
let d = 3
input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
model net = two_layer(width = 4)
"""


def diagnostics(body: str) -> list[tuple[str, str]]:
    outcome = compile_text(BASE + body, "t.ml")
    assert not outcome.ok and outcome.plan is None
    return [(d.code, d.message) for d in outcome.diagnostics]


# ------------------------------------------------------------------------------- bug 3: delta swept


def test_sweeping_delta_is_refused_with_a_diagnostic() -> None:
    outcome = compile_text(BASE + "sweep { delta = [0.05, 0.1] }\n", "t.ml")
    assert [d.code for d in outcome.diagnostics] == ["E303"]
    diag = outcome.diagnostics[0]
    assert "`delta` cannot be swept" in diag.message
    assert diag.span is not None and diag.span.line == 6
    assert "--delta" in (diag.help or "")
    assert "Traceback" not in outcome.rendered


def test_a_swept_name_that_reaches_only_the_report_is_refused() -> None:
    # The indirect route to bug 3: a `let` used only by the report's delta.
    found = diagnostics("let conf = 0.05\nreport { delta = conf }\nsweep { conf = [0.05, 0.1] }\n")
    assert {code for code, _ in found} == {"E303"}
    assert any("sweeping `conf` does not change what is trained" in message for _, message in found)
    assert any("the report depends on the swept `conf`" in message for _, message in found)


def test_a_mark_that_depends_on_a_swept_value_is_refused() -> None:
    # The report is one for the whole plan; it used to keep the first point's mark silently.
    found = diagnostics("sweep { n = [10, 20] }\nreport { mark width = n / 2 }\n")
    assert found == [("E303", "the report depends on the swept `n`")]


def test_a_repeated_sweep_value_is_refused() -> None:
    assert diagnostics("sweep { width = [4, 8, 4] }\n")[0] == ("E303", "the sweep gives the point width = 4 twice")


def test_two_identical_models_are_refused() -> None:
    found = diagnostics("model other = two_layer(width = 4)\n")
    assert found == [("E303", "the models `net` and `other` are the same run")]


def test_a_model_the_sweep_does_not_reach_is_trained_once() -> None:
    outcome = compile_text(BASE + "let m = 4\nmodel wide = two_layer(width = 10 * m)\nsweep { m = [1, 2, 3] }\n",
                           "t.ml")
    assert outcome.ok, outcome.rendered
    runs = outcome.plan.runs
    assert [(r.model.name, r.params["m"]) for r in runs] == [("net", 1), ("wide", 1), ("wide", 2), ("wide", 3)]
    assert len({r.hash for r in runs}) == len(runs)


def test_a_zip_axis_may_repeat_values_when_the_points_differ() -> None:
    outcome = compile_text(BASE + "sweep zip { n = [50, 100]   n_test = [1000, 1000] }\n", "t.ml")
    assert outcome.ok, outcome.rendered
    assert len({r.hash for r in outcome.plan.runs}) == 2


def test_verify_plan_rejects_two_runs_with_one_hash() -> None:
    run = make_run()
    plan = ir.Plan(problem="p", spec_hash="0", runs=(run, run.model_copy(update={"index": 1})))
    with pytest.raises(PlanInvariantError, match="same hash as run 0"):
        verify_plan(plan)


def test_shipped_report_delta_still_applies() -> None:
    outcome = compile_text(BASE + "report { delta = 0.1 }\n", "t.ml")
    assert outcome.ok and outcome.plan.report.delta == 0.1


# ------------------------------------------------------------------------------- bug 5: one hash


def test_programmatic_plans_pass_verify_plan() -> None:
    verify_plan(make_plan([make_run(width=w, seed=s) for w in (4, 8) for s in (0, 1)]))
    verify_plan(benchmark_plan(steps=5))


def test_programmatic_and_compiled_runs_hash_alike() -> None:
    outcome = compile_text(BASE + "data { n = 32   n_test = 64 }\ntrain { steps = 20 }\n", "t.ml")
    assert outcome.ok, outcome.rendered
    compiled = outcome.plan.runs[0]
    built = make_run(d=3, input_kind="cube", target=compiled.target, width=4, n=32, n_test=64, steps=20,
                     name="another_name", params={"label": 1.0})
    assert built.hash == compiled.hash  # names and labels do not count; the meaning is the same
    assert make_run(width=5).hash != make_run(width=4).hash


def test_run_hash_accepts_ir_objects_and_json() -> None:
    run = make_run()
    assert ir.run_hash(dict(run)) == ir.run_hash(run.model_dump(mode="json")) == run.hash


# ------------------------------------------------------------------------------- the run count


def _checker(body: str) -> Checker:
    syntax, parse_errors = parse(BASE + body, "t.ml")
    spec, desugar_errors = desugar(syntax)
    assert not parse_errors and not desugar_errors
    return Checker(spec)


@pytest.mark.parametrize("body, expected", [
    ("", 1),
    ("sweep { width = [1, 2, 3]   seed = 0..3 }\n", 12),
    ("sweep zip { n = [10, 20]   n_test = [30, 40] }\nsweep { seed = 0..2 }\n", 6),
    ("model b = two_layer(width = 5)\nsweep { seed = 0..4 }\n", 10),
])
def test_run_count_from_the_axes(body: str, expected: int) -> None:
    checker = _checker(body)
    assert run_count(resolve_axes(checker), len(checker.models)) == expected
    plan = compile_text(BASE + body, "t.ml").plan
    assert plan is not None and len(plan.runs) == expected


def test_the_run_limit_is_checked_before_expansion() -> None:
    # 10^12 runs: expanding them first would never finish.
    found = diagnostics("sweep { seed = 0..999999   n = 1..1000000 }\n")
    assert found == [("E303", f"the sweep expands to 1,000,000,000,000 runs; the limit is {MAX_RUNS:,}")]


def test_a_swept_lets_own_value_is_still_checked() -> None:
    # The sweep replaces `r`, but `sqrt(7, 1)` is still an error (it was never evaluated, so never reported).
    found = diagnostics("let r = sqrt(7, 1)\nmodel wide = two_layer(width = 10 * r)\nsweep { r = [1, 2] }\n")
    assert found == [("E201", "`sqrt` takes one argument, not 2")]


# ------------------------------------------- a swept setting's written value is checked (issue 7 item 2)


def test_a_swept_settings_written_value_gets_the_same_diagnostic_as_unswept() -> None:
    # `width = -5` used to pass `mlc check` as soon as `width` was swept: the sweep replaced it unread.
    bad = BASE.replace("width = 4", "width = -5")
    unswept = compile_text(bad, "t.ml")
    swept = compile_text(bad + "sweep { width = [4, 8] }\n", "t.ml")
    assert not unswept.ok and not swept.ok
    first, second = unswept.diagnostics[0], swept.diagnostics[0]
    assert (second.code, second.message, second.span) == (first.code, first.message, first.span)
    assert second.code == "E202" and "it is -5" in second.message and "from the sweep" not in second.message


def test_a_swept_settings_written_value_must_name_known_constants() -> None:
    found = diagnostics("train { optimizer = gd(lr = rate) }\nsweep { lr = [0.1, 0.2] }\n")
    assert found[0][0] == "E101" and "rate" in found[0][1]
