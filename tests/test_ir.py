"""IR and hash tests: run hashes and the spec hash follow meaning, not layout or labels.

Input:  the example specs and edited copies of them.
Output: pass/fail.
Role:   whitespace, comments, key order, model names and ``**`` vs ``^`` keep every hash; a change of
        meaning changes them. The plan's JSON schema exports; the plan survives a JSON round trip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlc.compiler import ir
from mlc.compiler.pipeline import compile_text

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = (ROOT / "specs" / "quickstart.ml").read_text(encoding="utf-8")


def plan_of(text: str, path: str = "t.ml") -> ir.Plan:
    outcome = compile_text(text, path)  # a spec's path: its file inputs are read beside it
    assert outcome.ok, outcome.rendered
    return outcome.plan


def hashes(text: str) -> tuple[str, list[str]]:
    plan = plan_of(text)
    return plan.spec_hash, [r.hash for r in plan.runs]


BASE = hashes(QUICKSTART)

SAME_MEANING = {
    "no comments": re.sub(r"#[^\n]*", "", QUICKSTART),
    "more comments": QUICKSTART.replace("\n", "  # note\n").replace("problem quickstart  # note",
                                                                     "# a\n# b\nproblem quickstart"),
    "respaced": re.sub(r" +", "  ", QUICKSTART).replace("\n\n", "\n\n\n"),
    "one line per item": QUICKSTART.replace("data { n = 500   n_test = 2000 }", "data {\n n = 500\n n_test = 2000\n}"),
    "separators": QUICKSTART.replace("n = 500   n_test", "n = 500, n_test").replace("width = [8, 32, 128, 512]   seed",
                                                                                     "width = [8, 32, 128, 512]; seed"),
    "key order in a call": QUICKSTART.replace("width = 64, activation = relu, scaling = mean_field",
                                              "scaling = mean_field, width = 64, activation = relu"),
    "key order in a block": QUICKSTART.replace("  loss      = mse\n", "").replace("  steps     = 1500\n",
                                                                                  "  steps = 1500\n  loss = mse\n"),
    "model renamed": QUICKSTART.replace("model net", "model mynet").replace("train net", "train mynet"),
    "problem renamed": QUICKSTART.replace("problem quickstart", "problem other"),
    "star star": QUICKSTART.replace("norm(x)^2", "norm(x)**2"),
    "extra parens": QUICKSTART.replace("exp(-norm(x)^2 / 8)", "exp((-(norm(x)^2) / 8))"),
    "default written out": QUICKSTART.replace("  loss      = mse\n", "  loss = mse\n  solve = gd\n"),
    "constant folded": QUICKSTART.replace("let d = 5", "let d = 2 + 3"),
    "crlf": QUICKSTART.replace("\n", "\r\n"),
}


@pytest.mark.parametrize("name", sorted(SAME_MEANING))
def test_hashes_ignore_layout_and_labels(name: str) -> None:
    assert hashes(SAME_MEANING[name]) == BASE


CHANGED_MEANING = {
    "dimension": QUICKSTART.replace("let d = 5", "let d = 6"),
    "target": QUICKSTART.replace("exp(-norm(x)^2)", "exp(-norm(x)^2 / 2)"),
    "width list": QUICKSTART.replace("[8, 32, 128, 512]", "[8, 32, 128, 513]"),
    "learning rate": QUICKSTART.replace("lr = 0.2", "lr = 0.3"),
    "scaling": QUICKSTART.replace("scaling = mean_field", "scaling = ntk"),
    "seed range": QUICKSTART.replace("seed = 0..2", "seed = 1..3"),
    "data size": QUICKSTART.replace("n = 500", "n = 501"),
    "report": QUICKSTART.replace("  plot path_norm vs width\n", ""),
}


@pytest.mark.parametrize("name", sorted(CHANGED_MEANING))
def test_a_change_of_meaning_changes_hashes(name: str) -> None:
    assert CHANGED_MEANING[name] != QUICKSTART, "the edit no longer applies to specs/quickstart.ml"
    spec_hash, runs = hashes(CHANGED_MEANING[name])
    assert spec_hash != BASE[0]
    if name != "report":
        assert set(runs) != set(BASE[1])
    else:
        assert runs == BASE[1]  # the report is not part of a run


def test_one_changed_value_changes_only_its_runs() -> None:
    _, runs = hashes(QUICKSTART.replace("[8, 32, 128, 512]", "[8, 32, 128, 1024]"))
    assert runs[:9] == BASE[1][:9] and set(runs[9:]).isdisjoint(BASE[1])


def test_run_hashes_are_distinct_and_stable_across_processes() -> None:
    assert len(set(BASE[1])) == len(BASE[1])
    assert all(re.fullmatch(r"[0-9a-f]{16}", h) for h in BASE[1] + [BASE[0]])
    assert ir.content_hash({"b": 1, "a": [1.0, 2]}) == ir.content_hash({"a": [1.0, 2], "b": 1})
    assert ir.content_hash({"a": 1}) == "015abd7f5cc57a2d"  # sha256 of '{"a":1}': fixed forever


def test_json_schema_export() -> None:
    schema = ir.plan_json_schema()
    assert schema["title"] == "Plan"
    assert {"problem", "spec_hash", "runs"} <= set(schema["properties"])
    assert "Run" in schema.get("$defs", {})
    json.dumps(schema)


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.ml")) + [ROOT / "benchmarks" / "sweep.ml"],
                         ids=lambda p: p.name)
def test_plan_json_round_trip(path: Path) -> None:
    plan = plan_of(path.read_text(encoding="utf-8"), str(path))
    again = ir.Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert ir.canonical_json(again) == ir.canonical_json(plan)
    for run in again.runs:
        assert ir.run_hash(dict(run)) == run.hash
