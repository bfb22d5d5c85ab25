"""The fuzz tests: mutated and grammar-derived specs through check, fmt --check and compile --emit ir.

Input:  the seed corpus (``specs/*.ml``, the docs' examples) and the grammar, via ``tests/fuzz/``.
Output: pass/fail: no traceback, no internal error, no timeout, an exit status in {0, 1, 2}, and fmt idempotent
        and meaning-preserving on what it accepts (:func:`fuzz.oracle.run_case`).
Role:   the default suite runs a fixed set of 80 mutants and 40 derived specs (seconds); ``pytest -m fuzz``
        runs 3,000 more mutants and 1,000 derived specs. ``python tests/fuzz -n N`` runs N mutants
        outside pytest. A crash found here becomes a case of ``tests/test_fuzz_regressions.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz.__main__ import make_case
from fuzz.corpus import seeds
from fuzz.grammar import specs_with_skeleton
from fuzz.mutate import OPERATORS, mutant
from fuzz.oracle import run_case

DEFAULT_MUTANTS = 80
MANY_MUTANTS = 3_000
_SLOW_GENERATION = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]


def test_the_corpus_has_the_shipped_specs_and_the_docs_examples() -> None:
    names = [name for name, _ in seeds()]
    assert "quickstart.ml" in names and any(name.startswith("language.md#") for name in names)
    assert len(names) >= 15


def test_mutants_are_reproducible_and_use_every_operator() -> None:
    assert make_case(0, 7) == make_case(0, 7)
    used = {op for i in range(300) for op in make_case(0, i)[1]}
    assert used == set(OPERATORS)


def test_the_oracle_reports_a_broken_promise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The oracle is not blind: a check that raises is an internal error (``cli.main`` turns it into E999 and a
    crash report), one that hangs a timeout."""
    import time

    import mlc.compiler.pipeline as pipeline

    monkeypatch.setattr(pipeline, "compile_text", lambda *a, **k: 1 / 0)
    findings = run_case(b"problem p\n", tmp_path, meaning=False)
    assert [(f.command, f.problem) for f in findings][:1] == [("check", "internal error")]
    def spin(*args: object, **kwargs: object) -> None:  # CPU time, which the oracle's limit counts
        end = time.process_time() + 5
        while time.process_time() < end:
            pass

    monkeypatch.setattr(pipeline, "compile_text", spin)
    findings = run_case(b"problem p\n", tmp_path, limit=0.2, meaning=False)
    assert findings and findings[0].problem == "timeout"


def test_every_seed_passes(tmp_path: Path) -> None:
    for name, text in seeds():
        assert run_case(text.encode("utf-8"), tmp_path) == [], name


@pytest.mark.parametrize("index", range(DEFAULT_MUTANTS))
def test_mutant(index: int, tmp_path: Path) -> None:
    data, applied, name = make_case(0, index)
    findings = run_case(data, tmp_path)
    assert not findings, f"mutant {index} of {name} ({'+'.join(applied)}):\n" + "\n\n".join(map(str, findings))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=_SLOW_GENERATION)
@given(text=specs_with_skeleton())
def test_derived_spec(text: str, tmp_path: Path) -> None:
    findings = run_case(text.encode("utf-8"), tmp_path)
    assert not findings, text + "\n\n".join(map(str, findings))


@pytest.mark.slow
@pytest.mark.fuzz
@pytest.mark.parametrize("block", range(MANY_MUTANTS // 100))
def test_many_mutants(block: int, tmp_path: Path) -> None:
    failing = []
    for index in range(DEFAULT_MUTANTS + block * 100, DEFAULT_MUTANTS + (block + 1) * 100):
        data, applied, name = make_case(0, index)
        findings = run_case(data, tmp_path)
        if findings:
            failing.append(f"mutant {index} of {name} ({'+'.join(applied)}): {findings[0]}")
    assert not failing, "\n\n".join(failing)


@pytest.mark.slow
@pytest.mark.fuzz
@settings(max_examples=1_000, deadline=None, database=None, suppress_health_check=_SLOW_GENERATION)
@given(text=specs_with_skeleton())
def test_many_derived_specs(text: str, tmp_path: Path) -> None:
    findings = run_case(text.encode("utf-8"), tmp_path)
    assert not findings, text + "\n\n".join(map(str, findings))


def test_mutant_sizes_stay_below_the_cut() -> None:
    import random

    from fuzz.mutate import MAX_BYTES

    corpus = [t for _, t in seeds()]
    for i in range(50):
        data, _ = mutant(corpus[i % len(corpus)], random.Random(i), corpus)
        assert len(data) <= MAX_BYTES * 4  # utf-8 may widen the cut text
