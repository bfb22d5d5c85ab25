"""The runtime reads the compiler's decisions (issue 7, item 4): regression tests for bugs 1 and 2.

Input:  small specs compiled by the real front end; synthetic run results (inputs to the report, with
        known power laws), so that no training is needed.
Output: assertions on the plan (what each axis varies, each plot's x kind, the predicted rates) and on what
        the report prints and draws from it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from mlc.compiler import ir
from mlc.compiler.pipeline import compile_text
from mlc.compiler.theory.rates import find_rate, predicted_rates
from mlc.runtime.report import write_report
from mlc.runtime.report_fit import shown
from mlc.runtime.results import Curve, Environment, ExperimentResult, RunResult

SPEC = """problem p
let m = 100
input x ~ uniform(cube(3))
target f*(x) = relu(x[1])
space barron
data {{ {data} }}
model net = two_layer(width = {width})
train net {{ steps = {steps}   record = every 5: train_error, test_error }}
sweep {{ {sweep}   seed = 0..1 }}
report {{ {report} }}
"""


def _compile(data: str = "n = 50", width: str = "8", steps: str = "20", sweep: str = "m = [100, 200, 400]",
             report: str = "bounds") -> ir.Plan:
    outcome = compile_text(SPEC.format(data=data, width=width, steps=steps, sweep=sweep, report=report))
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    return outcome.plan


def _results(plan: ir.Plan, axis: str) -> ExperimentResult:
    """test_error = axis^-0.5 exactly (seed-independent), and a recorded curve per run."""
    runs = [RunResult(index=r.index, hash=r.hash, model=r.model.name, family=r.model.family, seed=r.seed,
                      params=dict(r.params), steps_done=r.train.steps,
                      metrics={"test_error": r.params[axis] ** -0.5, "train_error": 0.01},
                      curves={"test_error": Curve(steps=[0, 5, 10], values=[1.0, 0.5, 0.25])})
            for r in plan.runs]
    env = Environment(mlc_version="0", python="3", torch="0", device="cpu", device_name="cpu",
                      dtype="float32", platform="test")
    return ExperimentResult(problem=plan.problem, spec_path="p.ml", spec_hash=plan.spec_hash, environment=env,
                            started_at="now", runs=runs)


def _report(plan: ir.Plan, axis: str, tmp_path: Path, plots: bool = False) -> tuple[str, object]:
    console = Console(record=True, width=100, file=io.StringIO(), color_system=None)
    summary = write_report(plan, _results(plan, axis), tmp_path, console, plots=plots)
    return console.export_text(), summary


def test_a_let_axis_varies_what_it_reaches_not_what_it_is_called(tmp_path: Path) -> None:
    """Bug 1: `data { n = m }` with m swept varies n, so the report compares with n's rate (T5, n^-1/2),
    not with T1's width exponent -1."""
    plan = _compile(data="n = m")
    axis = plan.axis("m")
    assert axis is not None and axis.varies == ("n",) and axis.meaning == "n"
    assert {r.model.width for r in plan.runs} == {8} and {r.data.n for r in plan.runs} == {100, 200, 400}
    rate = find_rate(plan, "net", "test_error", "m", {})
    assert rate is not None and (rate.quantity, rate.theorem, rate.exponent) == ("n", "T5", -0.5)
    assert not any(r.theorem == "T1" for r in plan.rates)
    text, summary = _report(plan, "m", tmp_path)
    fit = next(f for f in summary.rate_fits if f.metric == "test_error")  # type: ignore[attr-defined]
    assert fit.prediction == rate and shown(rate) in text and "T1" not in text.split("rates:")[1]


def test_the_same_let_used_as_the_width_gets_the_width_rate() -> None:
    plan = _compile(width="m")
    assert plan.axis("m").varies == ("width",)  # type: ignore[union-attr]
    rate = find_rate(plan, "net", "approximation_error", "m", {})
    assert rate is not None and (rate.theorem, rate.exponent) == ("T1", -1.0)
    # T1 bounds the best width-m net's error, not the trained net's test error: no test-error rate (issue 11)
    assert find_rate(plan, "net", "test_error", "m", {}) is None


def test_axis_quantities_of_settings_seeds_and_unused_lets() -> None:
    # `m` is declared but used nowhere: with one value it varies nothing (with two it would train every run
    # twice, which the sweep refuses, E303)
    plan = _compile(sweep="n = [50, 100]   m = [1]")
    assert plan.axis("n").varies == ("n",)  # type: ignore[union-attr]
    assert plan.axis("m").varies == ()  # type: ignore[union-attr]
    assert plan.axis("seed").varies == ("seed",)  # type: ignore[union-attr]
    several = _compile(data="n = m", width="m")
    assert several.axis("m").varies == ("n", "width") and several.axis("m").meaning is None  # type: ignore[union-attr]
    assert several.rates == ()  # no single quantity moves: the theory predicts no exponent


@pytest.mark.parametrize(("sweep", "quantity"), [
    # (`delta` is not sweepable: a report setting, one value for the whole sweep; tests/test_sweep.py)
    ("lr = [0.1, 0.2]", "lr"), ("lambda = [0.1, 0.2]", "lambda"),
    ("noise = [0.0, 0.1]", "noise"), ("n_test = [50, 60]", "n_test"), ("max_steps = [10, 20]", "steps"),
])
def test_setting_axes_vary_the_setting_they_reach(sweep: str, quantity: str) -> None:
    """A swept setting reaches its slot in every section that has it; `max_steps` without `until` is the
    number of steps."""
    report = "bounds"
    steps = "10" if not sweep.startswith("max_steps") else "max_steps"
    text = SPEC.format(data="n = 50", width="8", steps=steps, sweep=sweep, report=report)
    if sweep.startswith("lambda"):
        text = text.replace("train net {", "train net { penalty = weight_decay(lambda = 0.1)")
    if sweep.startswith("max_steps"):
        text = text.replace("steps = max_steps", "max_steps = 10")
    outcome = compile_text(text)
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    key = sweep.split()[0]
    assert outcome.plan.axis(key).varies == (quantity,)  # type: ignore[union-attr]


def test_zip_axes_each_get_their_own_quantity() -> None:
    text = SPEC.format(data="n = m", width="8", steps="20", sweep="", report="bounds")
    text = text.replace("sweep {    seed = 0..1 }", "sweep zip { m = [100, 200]   width = [4, 8] }")
    outcome = compile_text(text)
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    assert outcome.plan.axis("m").varies == ("n",)  # type: ignore[union-attr]
    assert outcome.plan.axis("width").varies == ("width",)  # type: ignore[union-attr]


def test_a_swept_axis_called_steps_is_plotted_as_an_axis(tmp_path: Path) -> None:
    """Bug 2: with `steps` swept, `plot test_error vs steps` is an axis plot (not skipped, not taken for
    the training step), and the default curves against the training step are drawn too."""
    plan = _compile(sweep="steps = [10, 20, 40]", report="plot test_error vs steps   plot train_error vs step")
    kinds = {(p.y, p.x): p.x_kind for p in plan.report.plots}
    assert kinds == {("test_error", "steps"): "axis", ("train_error", "step"): "step"}
    assert plan.axis("steps").varies == ("steps",)  # type: ignore[union-attr]
    _, summary = _report(plan, "steps", tmp_path, plots=True)
    files = {p.name for p in summary.files}  # type: ignore[attr-defined]
    assert {"test_error_vs_steps.png", "test_error_vs_step.png"} <= files
    assert not any("test_error" in note for note in summary.skipped_plots)  # type: ignore[attr-defined]


def test_plot_x_kind_does_not_change_the_spec_hash() -> None:
    """x_kind follows from x and the sweep (both hashed), so the shipped specs keep their hashes."""
    plan = _compile(data="n = m", report="plot test_error vs m")  # `m` must change a run (E303 otherwise)
    without = _compile(data="n = m", report="bounds")
    assert plan.report.plots[0].x_kind == "axis" and plan.spec_hash != without.spec_hash  # plots count
    assert plan.rates == without.rates


def test_the_plans_rates_are_the_theorys_for_each_slice() -> None:
    """Cross-stage: every predicted rate of the plan is what the theory gives for the slice's first run."""
    plan = _compile(data="n = m", sweep="m = [100, 200, 400]   lr = [0.1, 0.2]")
    assert {tuple(r.fixed.items()) for r in plan.rates} == {(("lr", 0.1),), (("lr", 0.2),)}
    for rate in plan.rates:
        run = next(r for r in plan.runs if r.params["lr"] == rate.fixed["lr"])
        assert rate in predicted_rates(run, "n", axis="m", fixed=rate.fixed)


def test_the_front_end_computes_rates_without_the_theorys_heavy_imports() -> None:
    """compiler.theory imports its catalog lazily: `mlc check` / `mlc compile` fill in the plan's rates
    without loading sympy, numpy or torch."""
    import subprocess
    import sys

    spec = Path(__file__).resolve().parent.parent / "specs" / "quickstart.ml"
    code = ("import sys; from mlc.compiler.pipeline import compile_path; "
            f"plan = compile_path({str(spec)!r}).plan; "
            "print(len(plan.rates), sorted(m for m in ('sympy', 'numpy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split(maxsplit=1) == ["2", "[]\n"]
