"""The per-run cost of the front end does not come back (issue 9 item 3): counts of the work per run, not times.

Input:  sweep specs derived from specs/quickstart.ml (N widths: N runs, each with its own model).
Output: assertions on how often a run's IR is serialised (``model_dump``, the canonical JSON encoder) and its
        conventions resolved while ``compile_text`` builds and verifies the plan, and on what ``verify_plan`` does
        with and without the producer's :class:`~mlc.compiler.memo.RunMemo`.
Role:   before this, each run of a sweep was dumped and encoded whole twice (the expansion's hash and
        ``verify_plan``'s), ~0.4 ms per run of ``check``; the hashes themselves are held by the plan goldens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from pydantic import BaseModel

from mlc.compiler import conventions, ir
from mlc.compiler.check import Checker
from mlc.compiler.expand import build_plan
from mlc.compiler.ir import hashing
from mlc.compiler.memo import RunMemo
from mlc.compiler.pipeline import compile_text
from mlc.compiler.verify import verify_plan

QUICKSTART = Path(__file__).resolve().parents[1] / "specs" / "quickstart.ml"


def _sweep(widths: int) -> str:
    """quickstart.ml with its sweep replaced by one list of ``widths`` widths (``widths`` runs, one model each)."""
    head = QUICKSTART.read_text().split("sweep {")[0]
    return head + f"sweep {{ width = [{', '.join(str(8 + i) for i in range(widths))}] }}\n"


class _Counts:
    """Calls of the serialisers and of conventions.resolve, counted while installed (monkeypatch)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.dumps = self.encodes = self.sections = self.resolves = 0
        dump, encode, resolve = BaseModel.model_dump, hashing._CANONICAL.encode, conventions.resolve
        section = hashing.section_json

        def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                setattr(self, name, getattr(self, name) + 1)
                return fn(*args, **kwargs)
            return wrapper

        monkeypatch.setattr(BaseModel, "model_dump", counted("dumps", dump))
        monkeypatch.setattr(hashing._CANONICAL, "encode", counted("encodes", encode))
        monkeypatch.setattr(conventions, "resolve", counted("resolves", resolve))
        monkeypatch.setattr(hashing, "section_json", counted("sections", section))

    def snapshot(self) -> tuple[int, int, int, int]:
        return self.dumps, self.sections, self.resolves, self.encodes


def _compile_counts(monkeypatch: pytest.MonkeyPatch, widths: int) -> tuple[int, int, int, int]:
    text = _sweep(widths)
    with monkeypatch.context() as patch:
        counts = _Counts(patch)
        outcome = compile_text(text, "sweep.ml")
        assert outcome.ok and outcome.plan is not None and len(outcome.plan.runs) == widths
        return counts.snapshot()


def test_check_serialises_each_run_of_a_sweep_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per added run (a new width: a new model), compile_text dumps one IR object (the model, for its hash),
    serialises one section of a run and resolves one conventions block: not the whole run, not twice. (Two
    canonical JSON encodings: the model's, and the rates' small key of a run's slice, compiler.theory.rates.)"""
    small, large = _compile_counts(monkeypatch, 40), _compile_counts(monkeypatch, 120)
    dumps, sections, resolves, encodes = ((b - a) / 80 for a, b in zip(small, large))
    assert dumps <= 1.0, f"{dumps:.2f} model_dump calls per run (one: the run's own model)"
    assert sections <= 1.0, f"{sections:.2f} run sections serialised per run (one: the run's own model)"
    assert resolves <= 1.0, f"{resolves:.2f} conventions resolved per run"
    assert encodes <= 2.0, f"{encodes:.2f} canonical JSON encodings per run"
    assert dumps > 0 and sections > 0  # the counters do count: each new model is serialised


def test_verify_plan_recomputes_every_hash_and_serialises_each_object_once(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = compile_text(_sweep(30), "sweep.ml")
    assert outcome.spec is not None
    memo = RunMemo()
    plan = build_plan(Checker(outcome.spec), memo)
    distinct = {(name, id(getattr(run, name))) for run in plan.runs for name in ("model", "train", "input", "target",
                                                                                 "space", "data")}
    assert len(distinct) == 30 + 5  # the runs share all but their models
    with monkeypatch.context() as patch:
        counts = _Counts(patch)
        verify_plan(plan)  # alone: every distinct object serialised once, not once per run
        assert counts.sections == counts.encodes == counts.dumps == len(distinct)
        counts.dumps = counts.encodes = counts.sections = counts.resolves = 0
        verify_plan(plan, memo)  # with the producer's memo: nothing serialised or resolved again
        assert counts.snapshot() == (0, 0, 0, 0)


def test_verify_plan_with_a_memo_still_catches_a_wrong_hash() -> None:
    """The memo saves the serialisation, not the check: a run whose objects are not those its hash was computed
    from (a model swapped after hashing) is still an invariant error."""
    from mlc.compiler.verify import PlanInvariantError

    outcome = compile_text(_sweep(3), "sweep.ml")
    assert outcome.spec is not None
    memo = RunMemo()
    plan = build_plan(Checker(outcome.spec), memo)
    swapped = plan.runs[0].model_copy(update={"model": plan.runs[1].model})
    with pytest.raises(PlanInvariantError, match="hash does not match"):
        verify_plan(plan.model_copy(update={"runs": (swapped, *plan.runs[1:])}), memo)


def test_the_run_hasher_gives_run_hash_bytes() -> None:
    """RunHasher (cached sections joined) and run_hash of a run's whole dump are the same digest on every run of a
    sweep and of a spec with a file input (whose location the hash leaves out)."""
    root = QUICKSTART.parents[0]
    for text, path in ((_sweep(5), "sweep.ml"), ((root / "from_file.ml").read_text(), str(root / "from_file.ml"))):
        outcome = compile_text(text, path)
        assert outcome.plan is not None, outcome.rendered
        hasher = hashing.RunHasher()
        for run in outcome.plan.runs:
            assert run.hash == ir.run_hash(run.model_dump(mode="json")) == hasher(dict(run))
