"""mlc reproduce: the checks on hand-made read-outs, and end to end on a tiny spec folder and a stored result."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mlc.runtime.cli import main
from mlc.runtime.cmd_reproduce import compare_metrics, header_comment
from mlc.runtime.reproduce_checks import T18_FACTOR, frequency_checks, peak_checks, phase_checks


def _peak(median_at: float, lam_at: float | None = 100.0, solve: str = "min_norm",
          predicted: float = 100.0) -> dict:
    xs = [25.0, 50.0, 100.0, 200.0]
    return {"model": "rf", "family": "random_features", "axis": "m", "metric": "test_error", "fixed": {},
            "predicted": predicted, "in_range": xs[0] < predicted < xs[-1], "solve": solve,
            "readout": {"axis_values": xs, "median_at": median_at, "median_value": 2.0, "lambda_min_at": lam_at,
                        "per_seed": [{"seed": 0.0, "at": median_at, "value": 2.0}]}}


def test_peak_checks() -> None:
    assert peak_checks([_peak(100.0)])[0].verdict == "holds"
    failing = peak_checks([_peak(50.0, lam_at=50.0)])[0]
    assert failing.verdict == "fails" and "not at the swept value nearest" in failing.reason
    lam_off = peak_checks([_peak(100.0, lam_at=200.0)])[0]
    assert lam_off.verdict == "fails" and "λ_min is smallest at 200" in lam_off.reason
    assert peak_checks([_peak(100.0, solve="gd_exact")])[0].verdict == "not testable"
    outside = peak_checks([_peak(200.0, predicted=500.0)])[0]
    assert outside.verdict == "not testable" and "outside" in outside.reason
    assert peak_checks([_peak(100.0, predicted=90.0)])[0].verdict == "holds"  # 100 is the nearest swept width


def _phase(seed: int, rise: float | None, predicted: float | None) -> dict:
    return {"model": "rf", "seed": seed, "metric": "test_error", "predicted": predicted,
            "phases": {"t_opt": 10.0, "e_min": 0.01, "e_inf": 1.0, "t_rise": rise,
                       "no_rise": None if rise else "no rise: E_∞ ≤ E_min"}}


def test_phase_checks() -> None:
    good = phase_checks([_phase(0, 2e6, 1e6), _phase(1, 5e5, 1e6)])[0]
    assert good.verdict == "holds" and "0.5 to 2" in good.numbers
    bad = phase_checks([_phase(0, 2e6, 1e6), _phase(1, 1e6 * T18_FACTOR * 2, 1e6)])[0]
    assert bad.verdict == "fails" and "1 run(s) outside" in bad.reason
    none = phase_checks([_phase(0, None, 1e6)])[0]
    assert none.verdict == "not testable"


def test_frequency_checks() -> None:
    def entry(seed: int, order: bool | None) -> dict:
        return {"model": "deep", "seed": seed, "low_to_high": order,
                "readout": {"threshold": 0.1, "reason": None,
                            "frequencies": [{"k": 1, "first": 1.0, "settled": 1.0}]}}
    assert frequency_checks([entry(0, True), entry(1, True)])[0].verdict == "holds"
    assert frequency_checks([entry(0, True), entry(1, False)])[0].verdict == "fails"
    assert frequency_checks([entry(0, True), entry(1, None)])[0].verdict == "not testable"


def test_compare_metrics_and_header() -> None:
    assert compare_metrics({"a": 1.0, "b": math.nan}, {"a": 1.0, "b": math.nan}, 1e-6, 1e-12) == []
    diffs = compare_metrics({"a": 1.0, "c": 2.0}, {"a": 1.1}, 1e-6, 1e-12)
    assert [d[0] for d in diffs] == ["a", "c"] and diffs[1][2] is None
    assert header_comment("# one\n#  two\nproblem x\n# not\n") == ["one", "two"]


# ------------------------------------------------------------------------------------------- end to end

PEAK_SPEC = """\
# Reproduces: a tiny double descent (T19): min-norm random features peak at m = n.
problem tiny_peak
let d = 5
input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 5, activation = relu, seed = 3)
space barron
data { n = 30   n_test = 300   noise = 0.05 }
model rf = random_features(width = m, activation = relu, bias = false, features = nested)
train rf { solve = min_norm }
sweep { m = [10, 20, 30, 45, 90]   seed = 0..2 }
report { summary = median }
claims {
  peak of test_error over m at m = 30
  test_error < 1e-9
}
"""

FLOW_SPEC = """\
# Reproduces: a tiny slow deterioration (T18) at m = n.
problem tiny_flow
let d = 5
input x ~ uniform(sphere(d))
target f* = teacher two_layer(width = 5, activation = relu, seed = 3)
space barron
data { n = 30   n_test = 300   noise = 0.05 }
model rf = random_features(width = 30, activation = relu, bias = false, output_init = zero)
train rf { solve = gradient_flow   time = inf   record = at logspace(-2, 10, 25): train_error, test_error }
sweep { seed = 0..1 }
report { bounds }
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    specs = tmp_path / "paper"
    specs.mkdir()
    (specs / "a_peak.ml").write_text(PEAK_SPEC, encoding="utf-8")
    (specs / "b_flow.ml").write_text(FLOW_SPEC, encoding="utf-8")
    return specs


def test_reproduce_a_folder_then_a_stored_result(folder: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "repro"
    code = main(["reproduce", str(folder), "--out", str(out), "--no-plots", "--dtype", "float64",
                 "--device", "cpu", "--checks", "warn"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    report = (out / "REPRODUCTION.md").read_text(encoding="utf-8")
    assert "## a_peak" in report and "## b_flow" in report
    assert "a tiny double descent" in report  # the header comment says what the spec reproduces
    summary = json.loads((out / "a_peak" / "summary.json").read_text(encoding="utf-8"))
    peak = summary["readouts"]["peaks"][0]
    assert "T19" in report and peak["readout"]["median_at"] is not None
    assert "T18" in report and summary["readouts"]["peaks"][0]["solve"] == "min_norm"
    # the spec's own claims are listed with their verdicts; the second fails, which --checks warn only reports
    assert "### The specs' claims" in report
    assert "| a_peak | `peak of test_error over m at m = 30` | holds |" in report
    assert "| a_peak | `test_error < 1e-9` | fails |" in report and "claims: 1 holds, 1 fails" in printed
    flow = json.loads((out / "b_flow" / "summary.json").read_text(encoding="utf-8"))
    assert len(flow["readouts"]["phases"]) == 2
    # a second reproduction trains nothing: every run is read back from the store
    assert main(["reproduce", str(folder), "--out", str(out), "--no-plots", "--dtype", "float64",
                 "--device", "cpu", "--checks", "warn"]) == 0
    again = capsys.readouterr().out
    assert "0 trained" in again and again.count("read back") == 2
    assert main(["reproduce", str(folder), "--out", str(out), "--no-plots", "--dtype", "float64",
                 "--device", "cpu"]) == 1  # --checks fail: the failed claim fails the reproduction
    assert "claim fails: a_peak: test_error < 1e-9" in capsys.readouterr().err

    results = out / "a_peak" / "results.json"
    assert main(["reproduce", str(results), "--out", str(tmp_path / "again"), "--no-plots", "--device", "cpu"]) == 0
    assert "all match" in capsys.readouterr().out
    data = json.loads(results.read_text(encoding="utf-8"))
    data["runs"][0]["metrics"]["test_error"] *= 1.5
    results.write_text(json.dumps(data), encoding="utf-8")
    assert main(["reproduce", str(results), "--out", str(tmp_path / "again"), "--no-plots", "--device", "cpu"]) == 1
    said = capsys.readouterr().out
    assert "1 differ" in said and "test_error" in said
    assert "| test_error |" in (tmp_path / "again" / "COMPARISON.md").read_text(encoding="utf-8")

    (folder / "a_peak.ml").write_text(PEAK_SPEC.replace("n_test = 300", "n_test = 301"), encoding="utf-8")
    assert main(["reproduce", str(results), "--no-plots"]) == 1
    assert "changed since" in capsys.readouterr().err


def test_reproduce_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reproduce", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["reproduce", str(tmp_path)]) == 2
    assert "nothing to reproduce" in capsys.readouterr().err
    bad = tmp_path / "results.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["reproduce", str(bad)]) == 2
    assert "not a results.json" in capsys.readouterr().err
    specs = tmp_path / "broken"
    specs.mkdir()
    (specs / "x.ml").write_text("problem x\nmodel m = nonsense()\n", encoding="utf-8")
    assert main(["reproduce", str(specs)]) == 1
    assert "nothing was run" in capsys.readouterr().err
    assert main(["reproduce", str(tmp_path), "--rtol", "nan"]) == 2
    assert "--rtol" in capsys.readouterr().err
