"""Which stored result a woven document shows (runtime.weave_store), on a store filled here without training.

Input:  the plan of a small spec (tests/spec_fixtures.py) and rows written straight into a temporary store, with
        key parts that differ in dtype and training group and metrics that say which row was read.
Output: test failures.
Role:   the rule of docs/papers.md: a run is found by its run hash; of several stored results the asked dtype only,
        then the one trained in the group this plan forms, then the newest; a run stored only in another dtype
        is missing, and the message says so.
"""

from __future__ import annotations

from pathlib import Path

from mlc.compiler.lower.grouping import group_runs
from mlc.compiler.pipeline import compile_text
from mlc.runtime.results import RunResult
from mlc.runtime.store import Row, Store
from mlc.runtime.store_keys import Determinism, KeyParts
from mlc.runtime.weave_store import read_spec
from spec_fixtures import TINY_SPEC


def _plan():
    outcome = compile_text(TINY_SPEC, "tiny.ml")
    assert outcome.plan is not None
    return outcome.plan


def _put(store: Store, plan, dtype: str, group: tuple[str, ...], marker: float, code: str = "test") -> None:
    rows = []
    for run in plan.runs:
        parts = KeyParts(run=run.hash, code=code, torch="test", device="cpu", dtype=dtype,
                         determinism=Determinism("fast", group, None))
        result = RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                           seed=run.seed, params=dict(run.params), metrics={"test_error": marker})
        rows.append(Row(parts, run.model_dump(mode="json"), result))
    store.put(rows, plan.problem, "tiny.ml", plan.spec_hash, {})


def test_choice_by_dtype_then_group_then_recency(tmp_path: Path) -> None:
    plan = _plan()
    (group,) = group_runs(plan)
    planned = tuple(sorted(r.hash for r in group.runs))
    with Store(tmp_path / "store") as store:
        _put(store, plan, "float64", planned, 1.0)
        only64 = read_spec(store, plan, "tiny.ml", "float32")
        assert only64.result is None and len(only64.missing) == len(plan.runs)
        assert "stored in float64 only (--dtype)" in only64.missing[0]
        assert read_spec(store, plan, "tiny.ml", "float64").result is not None

        _put(store, plan, "float32", planned, 2.0)  # trained in this plan's group
        _put(store, plan, "float32", planned[:1], 3.0)  # newer, but in another group
        chosen = read_spec(store, plan, "tiny.ml", "float32").result
        assert chosen is not None and {r.metrics["test_error"] for r in chosen.runs} == {2.0}
        assert [r.index for r in chosen.runs] == [r.index for r in plan.runs]

        _put(store, plan, "float32", planned + ("x",), 4.0)  # also another group: still not chosen
        _put(store, plan, "float32", planned, 5.0, code="newer")  # this plan's group again (another mlc), newest
        chosen = read_spec(store, plan, "tiny.ml", "float32").result
        assert chosen is not None and {r.metrics["test_error"] for r in chosen.runs} == {5.0}
