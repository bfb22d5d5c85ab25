"""Bug 9: a run that trains without diverging but whose penalty dominates the objective, and that learns
nothing, is said to be so (compiler.lower.health, measured by compiler.lower.measure, shown by the report)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlc.compiler.lower.health import run_notes
from mlc.runtime.cli import main


def test_notes_from_the_metrics() -> None:
    assert run_notes({"test_error": 0.003, "zero_predictor_mse": 0.05, "penalty_term_init": 0.004}) == []
    notes = run_notes({"test_error": 0.049, "zero_predictor_mse": 0.05, "penalty_term_init": 0.47,
                       "penalty_term": 0.001})
    assert len(notes) == 2
    assert "0.47 at initialisation, 0.001 after training" in notes[0] and "dominates" in notes[0]
    assert "learned nothing" in notes[1]
    assert run_notes({"test_error": 0.05}) == []  # nothing to compare with (e.g. the logistic loss)


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
