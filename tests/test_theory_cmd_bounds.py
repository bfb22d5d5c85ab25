"""``mlc bounds`` end to end on the shipped specs (no training)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlc.runtime.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.ml"))
FIELDS = {"theorem", "title", "citation", "kind", "holds", "failing", "quantity", "value", "latex", "text",
          "unverified", "note", "trivial"}


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_bounds_json_every_run(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlc.compiler.pipeline import compile_path

    assert main(["bounds", "--json", str(spec)]) == 0
    out = json.loads(capsys.readouterr().out)
    plan = compile_path(str(spec)).plan
    assert [r["index"] for r in out["runs"]] == [r.index for r in plan.runs]
    for r in out["runs"]:
        assert r["norm"]["method"] in ("derived", "declared", "estimated", "none")
        assert r["bounds"], "every model family has at least one catalog entry"
        for bv in r["bounds"]:
            assert set(bv) == FIELDS
            assert bv["holds"] == (not bv["failing"])
            if not bv["holds"]:
                assert bv["value"] is None


def test_bounds_text_quickstart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", str(ROOT / "specs" / "quickstart.ml")]) == 0
    out = capsys.readouterr().out
    assert "T1" in out and "T5" in out and "✗" in out and "target norm" in out


def test_bounds_explain_quickstart(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", "--explain", str(ROOT / "specs" / "quickstart.ml")]) == 0
    out = capsys.readouterr().out
    assert "rate:" in out and "kernel_lambda_min" in out


def test_bounds_spec_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ml"
    bad.write_text("problem p\ninput x ~ uniform(cube(3))\ntarget f*(x) = nosuchfn(x[1])\n")
    assert main(["bounds", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def test_bounds_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", "--delta", "2", str(ROOT / "specs" / "quickstart.ml")]) == 2
    assert main(["bounds", str(ROOT / "specs" / "does_not_exist.ml")]) == 2


def test_bounds_and_the_executor_share_one_evaluation() -> None:
    """`mlc bounds` and compile-and-run evaluate the catalog through the same function: same theorems,
    same values, same hypotheses; and --explain's rates are the plan's."""
    from mlc.compiler.pipeline import compile_path
    from mlc.compiler.theory import evaluate_run_bounds
    from mlc.compiler.theory.norms import infer_norm
    from mlc.runtime.cmd_bounds import build_report

    plan = compile_path(str(ROOT / "specs" / "quickstart.ml")).plan
    assert plan is not None
    report = build_report(plan, delta=plan.report.delta)
    for group in report["groups"]:
        run = plan.runs[group["runs"][0]]
        direct = evaluate_run_bounds(run, plan, {}, norm=infer_norm(run))
        assert group["theorems"] == [bv.model_dump(mode="json") for bv in direct]
        assert all(h["ok"] == (h["message"] is None) for th in group["theorems"] for h in th["hypotheses"])
