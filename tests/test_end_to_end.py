"""End-to-end runs of the shipped specs at small sizes: spec -> plan -> training -> report files.

Every spec in ``specs/`` is compiled as it is, then shrunk (fewer steps and samples, at most two seeds per
configuration) so that the whole set trains in seconds, and run through the same executor and report as
``mlc compile-and-run``. The full-size runs are in the ``slow`` test below (``pytest -m slow``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from mlc.compiler import conventions, ir
from mlc.compiler.options import Options
from mlc.compiler.pipeline import compile_path
from mlc.runtime.cli import main

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted((ROOT / "specs").glob("*.ml"))


def _shrink(plan: ir.Plan) -> ir.Plan:
    """The same experiment at a small size: 30 steps, n <= 120, n_test <= 200, seeds 0 and 1 only."""
    runs = []
    for run in plan.runs:
        if run.seed > 1:
            continue
        n = min(run.data.n, 120) if run.input.kind != "grid" else run.data.n
        data = run.data.model_copy(update={"n": n, "n_test": min(run.data.n_test, 200)})
        record = run.train.record
        if record.every:
            record = record.model_copy(update={"every": 10})
        train = run.train.model_copy(update={"record": record})
        if train.iterative and not train.flow:  # a flow runs for a time (its record's points), not for steps
            optimizer = run.train.optimizer
            if optimizer.batch is not None:
                optimizer = optimizer.model_copy(update={"batch": min(optimizer.batch, n)})
            train = train.model_copy(update={"steps": min(run.train.steps, 30), "optimizer": optimizer})
        runs.append(conventions.refreshed(run, index=len(runs), data=data, train=train))
    return plan.model_copy(update={"runs": tuple(runs)})


@pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
def test_spec_runs_end_to_end_at_small_size(spec: Path, tmp_path: Path) -> None:
    from mlc.runtime.execute import execute_plan
    from mlc.runtime.report import open_result_store, write_report
    from mlc.runtime.results import Environment, ExperimentResult

    outcome = compile_path(str(spec))
    assert outcome.ok, outcome.rendered
    plan = _shrink(outcome.plan)
    env = Environment(mlc_version="test", python="3", torch="t", device="cpu", device_name="cpu",
                      dtype="float32", platform="test")
    result = ExperimentResult(problem=plan.problem, spec_path=str(spec), spec_hash=plan.spec_hash,
                              environment=env, started_at="now")
    store = open_result_store(tmp_path, plan, result)
    # Norms come from the rules only: fitting them (seconds per target) is tested in test_theory_norms.
    runs = execute_plan(plan, device="cpu", on_results=store.add, options=Options(estimate_norms=False))
    assert len(runs) == len(plan.runs)
    assert all(r.status in ("ok", "diverged") for r in runs), [r.error for r in runs if r.status == "failed"]
    for r in runs:
        assert "test_error" in r.metrics and r.metrics["test_error"] >= 0
        assert r.bounds, f"run {r.index} of {spec.name} has no theory output"
    write_report(plan, result, tmp_path, Console(file=open(tmp_path / "report.txt", "w"), width=100))
    saved = json.loads((tmp_path / "results.json").read_text())
    assert [r["hash"] for r in saved["runs"]] == [r.hash for r in plan.runs]
    assert (tmp_path / "runs.csv").read_text().count("\n") == len(plan.runs) + 1
    assert list((tmp_path / "plots").glob("*.png")), "no plots"
    assert "Traceback" not in (tmp_path / "report.txt").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
def test_spec_runs_end_to_end_at_full_size(spec: Path, tmp_path: Path, capsys) -> None:
    status = main(["compile-and-run", str(spec), "--out", str(tmp_path), "--device", "cpu",
                   "--store", str(tmp_path / "store")])
    assert status == 0, capsys.readouterr()
    saved = json.loads((tmp_path / "results.json").read_text())
    assert all(r["status"] != "failed" for r in saved["runs"])
