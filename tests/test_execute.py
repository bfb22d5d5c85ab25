"""execute_plan: callbacks per group, failures isolated per group, reproducibility; the compile-and-run command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlc.compiler import ir
from mlc.compiler.lower.examples import make_plan, make_run
from mlc.compiler.options import Options
from mlc.runtime.execute import execute_plan

from spec_fixtures import TINY_SPEC

BAD_TARGET = ir.FormulaTarget(expr=ir.Call(fn="log", args=(ir.Component(index=ir.Num(value=1)),)))


def test_results_are_handed_over_per_group_and_failures_are_isolated():
    runs = [make_run(width=4, seed=0, steps=5, name="good"),
            make_run(width=4, seed=0, steps=5, name="bad", input_kind="cube", target=BAD_TARGET),
            make_run(family="deep", widths=(3,), width=3, seed=0, steps=5, name="deep")]
    batches = []
    progress = []
    res = execute_plan(make_plan(runs), on_results=batches.append,
                       progress=lambda done, total, label: progress.append((done, total)))
    assert [len(b) for b in batches] == [1, 1, 1]
    assert [r.status for r in res] == ["ok", "failed", "ok"]
    assert "not finite" in res[1].error
    assert progress[-1] == (3, 3)


def test_same_spec_same_seed_same_numbers_and_seed_changes_them():
    runs = [make_run(width=5, seed=s, steps=20, record_every=10, metrics=("test_error",)) for s in (0, 1)]
    a = execute_plan(make_plan(runs))
    b = execute_plan(make_plan(runs))
    assert [r.metrics for r in a] == [r.metrics for r in b]
    assert a[0].metrics["test_error"] != a[1].metrics["test_error"]
    # the data of a run depends on its seed only, not on its position in the sweep
    c = execute_plan(make_plan(list(reversed(runs))))
    assert c[1].metrics == a[0].metrics


def test_spectrum_metric_on_grid():
    target = ir.FormulaTarget(expr=ir.Binary(op="+", left=ir.Call(fn="sin", args=(ir.Component(index=ir.Num(value=1)),)),
                                             right=ir.Binary(op="*", left=ir.Num(value=2.0), right=ir.Call(
                                                 fn="sin", args=(ir.Binary(op="*", left=ir.Num(value=3.0),
                                                                           right=ir.Component(index=ir.Num(value=1))),)))))
    run = make_run(family="deep", widths=(16, 16), width=16, d=1, input_kind="grid", n=101, points=101, steps=30,
                   optimizer="adam", lr=1e-2, activation="tanh", target=target, record_every=10,
                   metrics=("spectrum",))
    res = execute_plan(make_plan([run]), dtype="float64", options=Options(estimate_norms=False))[0]  # no fit
    keys = sorted(k for k in res.curves if k.startswith("spectrum_k"))
    assert len(keys) == 2  # the two sine frequencies
    for k in keys:
        assert res.curves[k].steps == [0, 10, 20, 30]
        assert all(v >= 0 for v in res.curves[k].values)


def test_device_cuda_unavailable_is_a_clear_error():
    import torch
    from mlc.runtime.execute import ExecutionError
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ExecutionError, match="no CUDA"):
        execute_plan(make_plan([make_run()]), device="cuda")




def test_compile_and_run_command(tmp_path: Path, capsys):
    from mlc.runtime.cli import main
    spec = tmp_path / "tiny.ml"
    spec.write_text(TINY_SPEC)
    out = tmp_path / "out"
    code = main(["compile-and-run", str(spec), "--device", "cpu", "--out", str(out), "--no-plots", "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(printed["runs"]) == 4 and printed["environment"]["device"] == "cpu"
    stored = json.loads((out / "results.json").read_text())
    assert [r["metrics"]["test_error"] for r in stored["runs"]] == [r["metrics"]["test_error"] for r in printed["runs"]]


def test_compile_and_run_spec_errors_and_missing_file(tmp_path: Path, capsys):
    from mlc.runtime.cli import main
    assert main(["compile-and-run", str(tmp_path / "missing.ml")]) == 2
    bad = tmp_path / "bad.ml"
    bad.write_text("problem p\ninput x ~ nowhere(3)\n")
    assert main(["compile-and-run", str(bad), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


@pytest.mark.slow
def test_benchmark_spec_fast_path_matches_autograd():
    """benchmarks/sweep.ml through the real front end, 50 steps: both engines give the same numbers."""
    from mlc.compiler.pipeline import compile_path
    outcome = compile_path(str(Path(__file__).resolve().parents[1] / "benchmarks" / "sweep.ml"))
    assert outcome.plan is not None, outcome.rendered
    runs = [r.model_copy(update={"train": r.train.model_copy(update={"steps": 50})}) for r in outcome.plan.runs]
    plan = outcome.plan.model_copy(update={"runs": tuple(runs)})
    fast = execute_plan(plan, dtype="float64")
    slow = execute_plan(plan, dtype="float64", allow_fast=False)
    for a, b in zip(fast, slow):
        for k in a.metrics:
            assert a.metrics[k] == pytest.approx(b.metrics[k], rel=1e-9), k
