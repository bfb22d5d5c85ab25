"""The results store under several writer processes at once: every run each of them stored is there, intact.

Input:  ``benchmarks/store_throughput.py``'s writers (separate interpreters, started together, each storing groups of
        runs of a shipped spec under keys of its own, one transaction per group) on a temporary store.
Output: test failures: a run lost, a payload damaged, a row twice, or a writer that failed.
Role:   the store's promise to concurrent mlc processes and to a Ray driver (runtime.store: WAL, ``BEGIN
        IMMEDIATE``, a busy timeout). Not a timing test: the benchmark measures the runs per second (docs/ray.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import store_throughput  # noqa: E402


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    writers, groups, runs = 4, 12, 5
    _, times = store_throughput.run_writers(str(tmp_path / "store"), writers, groups, runs, curve=50)
    assert len(times) == writers * groups  # every transaction returned
    assert store_throughput.check(str(tmp_path / "store"), writers, groups, runs) == []


def test_the_check_finds_a_lost_run(tmp_path: Path) -> None:
    """The check is not vacuous: a run deleted after the writers finished is reported missing."""
    from mlc.runtime.store import Store

    store_throughput.run_writers(str(tmp_path / "store"), 2, 2, 2, curve=5)
    with Store(tmp_path / "store") as store:
        victim = next(s for s in store.runs("bench") if s.run_hash == "w1g1r0")
        store.delete([victim.key])
    assert store_throughput.check(str(tmp_path / "store"), 2, 2, 2) == ["missing: w1g1r0"]
