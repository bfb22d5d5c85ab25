"""Bug 9: a run that trains without diverging but whose penalty dominates the objective, and that learns
nothing, is said to be so (compiler.lower.health, measured by compiler.lower.measure, shown by the report)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlc.compiler.lower.health import learned_nothing, run_notes
from mlc.runtime.cli import main


def test_notes_from_the_metrics() -> None:
    assert run_notes({"test_error": 0.003, "zero_predictor_mse": 0.05, "penalty_term_init": 0.004}) == []
    notes = run_notes({"test_error": 0.049, "zero_predictor_mse": 0.05, "penalty_term_init": 0.47,
                       "penalty_term": 0.001})
    assert len(notes) == 2
    assert "0.47 at initialisation, 0.001 after training" in notes[0] and "dominates" in notes[0]
    assert "learned nothing" in notes[1]
    assert run_notes({"test_error": 0.05}) == []  # nothing to compare with (e.g. the logistic loss)


def test_learned_nothing_compares_with_the_best_constant_predictor() -> None:
    # f* with mean 0.5 and variance 0.08: the zero predictor's error 0.33 is no yardstick, the constant's is
    base = {"zero_predictor_mse": 0.33, "constant_predictor_mse": 0.08}
    assert learned_nothing({**base, "test_error": 0.02}) is None
    assert learned_nothing({**base, "test_error": 0.075}) is None  # 6 % better than the constant: learned a bit
    said = learned_nothing({**base, "test_error": 0.077})  # within 5 % of the constant's
    assert said is not None and "best constant predictor's 0.08" in said and "0.33" in said
    assert learned_nothing({**base, "test_error": 0.2}) is not None  # worse than the constant, better than 0
    # results stored before the constant predictor was measured: the zero predictor's error
    assert learned_nothing({"zero_predictor_mse": 0.05, "test_error": 0.049}) is not None
    assert learned_nothing({"constant_predictor_mse": 0.0, "test_error": 0.0}) is None  # a constant target


LEARNS_NOTHING = """problem shrunk
input x ~ uniform(cube(1))
target f*(x) = relu(x[1] + 1) / 2
space barron
data {{ n = {n}   n_test = 500 }}
model net = two_layer(width = 16, activation = relu, scaling = mean_field)
train net {{ loss = mse / 2   penalty = path_norm(lambda = {lam})   optimizer = gd(lr = 0.2)   steps = 300 }}
report {{ bounds }}
"""


@pytest.mark.parametrize("lam,said", [("auto", True), ("1e-4", False)])
def test_a_net_shrunk_to_a_constant_is_said_to_have_learned_nothing(tmp_path: Path, capsys, lam: str,
                                                                    said: bool) -> None:
    """T5's own λ = 4 at n = 200 in d = 1: the penalised optimum is about a constant (issue 11: the table, the
    exit summary and summary.json say so); a light penalty learns the line."""
    spec = tmp_path / "shrunk.ml"
    spec.write_text(LEARNS_NOTHING.format(n=200, lam=lam))
    assert main(["compile-and-run", str(spec), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    assert ("warning: 1 group(s) learned nothing" in flat) == said
    table = out[out.index("measured"):out.index("bounds")]
    assert ("learned nothing" in table) == said  # in the measured table, under the test error
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["learned_nothing"] == (["net"] if said else [])


SPEC = """problem crushed
input x ~ uniform(ball(4))
target f*(x) = tanh(x[1] - x[2])
data {{ n = 60   n_test = 200 }}
model res = resnet(width = 8, depth = 6, state_width = 6, activation = relu, init_scale = 0.8)
train res {{ loss = mse   penalty = weighted_path_norm(lambda = {lam})   optimizer = gd(lr = 0.05)   steps = 150 }}
report {{ bounds }}
"""


@pytest.mark.parametrize("lam,said", [(0.03, True), (1e-5, False)])
def test_report_says_when_the_penalty_crushes_the_net(tmp_path: Path, capsys, lam: float, said: bool) -> None:
    spec = tmp_path / "crushed.ml"
    spec.write_text(SPEC.format(lam=lam))
    assert main(["compile-and-run", str(spec), "--out", str(tmp_path / "out")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("dominates the objective" in out) == said
    assert ("learned nothing" in out) == said


DIVERGES = """problem blows_up
input x ~ uniform(cube(2))
target f*(x) = x[1]
data { n = 50   n_test = 50 }
model net = two_layer(width = 8, activation = relu, scaling = standard)
train net { loss = mse   optimizer = gd(lr = 1e6)   steps = 50 }
sweep { seed = 0..1 }
"""


def test_a_sweep_whose_runs_all_diverged_exits_1_and_says_so_last(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "blows_up.ml"
    spec.write_text(DIVERGES)
    assert main(["compile-and-run", str(spec), "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if line.strip()]  # the report's stream; stderr: the estimate
    assert lines[-1].startswith("mlc: error: every run diverged (2 of 2)")
