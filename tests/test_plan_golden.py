"""Golden plans: every shipped spec's plan (`mlc compile --emit plan --json`) is byte-identical to the one
recorded before the parametric plan (issue 7, item 2) replaced resolving each sweep point through the checker.

Input:  ``specs/*.ml``, ``specs/paper/*.ml``, ``benchmarks/*.ml`` and ``tests/golden/plans.json`` (for each spec: the spec hash, the
        run hashes in order, and the SHA-256 of the plan's JSON as the command prints it).
Output: pass/fail.
Role:   the plan of a shipped spec changes only on purpose. If a change is meant (a bug fix that changes what
        a spec trains, a new IR field), regenerate the golden with
        ``python tests/test_plan_golden.py --update`` and say in the commit which plans changed and why.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from mlc.compiler.pipeline import compile_path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "plans.json"
SPECS = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("specs/*.ml"), *ROOT.glob("specs/paper/*.ml"),
                                                 *ROOT.glob("benchmarks/*.ml")])


def plan_record(spec: str) -> dict[str, object]:
    """What the golden holds for one spec, computed now."""
    outcome = compile_path(str(ROOT / spec))
    assert outcome.ok and outcome.plan is not None, outcome.rendered
    text = outcome.plan.model_dump_json(indent=2)  # exactly what `mlc compile --emit plan --json` prints
    text = text.replace(str(ROOT), "<checkout>")  # where a file input was found (from_file.ml) varies by checkout
    return {"spec_hash": outcome.plan.spec_hash, "runs": [r.hash for r in outcome.plan.runs],
            "sha256": hashlib.sha256(text.encode()).hexdigest()}


def test_every_shipped_spec_has_a_golden_plan() -> None:
    assert sorted(json.loads(GOLDEN.read_text())) == SPECS


@pytest.mark.parametrize("spec", SPECS)
def test_plan_is_byte_identical_to_the_golden(spec: str) -> None:
    expected = json.loads(GOLDEN.read_text())[spec]
    found = plan_record(spec)
    assert found["spec_hash"] == expected["spec_hash"], "the spec hash changed"
    assert found["runs"] == expected["runs"], "the run hashes (or their order) changed"
    assert found["sha256"] == expected["sha256"], "the plan's JSON changed (its runs' contents, sweep or report)"


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    GOLDEN.write_text(json.dumps({spec: plan_record(spec) for spec in SPECS}, indent=1) + "\n")
    print(f"wrote {GOLDEN}")
