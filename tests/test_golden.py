"""Golden tests: the exact output of ``mlc check`` and ``mlc fmt`` on small files.

Input:  ``tests/golden/diagnostics/<CODE>_<name>.ml`` (or ``.bin`` for non-text bytes) with the expected
        stderr of ``mlc check <file>`` (run from that folder) in ``<CODE>_<name>.expected``; and
        ``tests/golden/fmt/<name>.ml`` with the expected formatted text in ``<name>.expected``.
        For a message of the catalogue (:mod:`mlc.compiler.messages`) the name is ``<CODE>_<kind>`` or
        ``<CODE>_<kind>__<variant>``: every kind has a golden, and every golden produces the kind it names.
        Messages built outside the catalogue (the front end's E00x, and the target-formula builder
        ``compiler/formula.py``) have goldens named by code only.
Output: pass/fail per file.
Role:   pin down what users see. To accept new output after a deliberate change, run
        ``MLC_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` (it rewrites every ``.expected`` file) and
        review the diff with ``git diff tests/golden`` before committing.

Files too large to commit (E004) are generated into a temporary folder by :data:`GENERATED`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from mlc.compiler import messages
from mlc.compiler.pipeline import compile_text
from mlc.dsl.diagnostics import CODES
from mlc.dsl.formatter import format_text
from mlc.runtime.cli import main

GOLDEN = Path(__file__).parent / "golden"
DIAGNOSTICS = GOLDEN / "diagnostics"
FMT = GOLDEN / "fmt"
UPDATE = os.environ.get("MLC_UPDATE_GOLDEN") == "1"

GENERATED: dict[str, Callable[[], bytes]] = {
    "E004_too_large.ml": lambda: b"problem big\n" + b"# padding padding padding\n" * 45_000,
}

# Codes that no file can produce: E999 is an internal error.
NOT_FROM_A_FILE = {"E999"}
# Message kinds that no file can produce: a bug in mlc; Python's recursion limit, which the parser's own
# nesting limit (E005) reaches first; and the fallback of constant folding for an AST node it does not know
# (every node the grammar builds is handled).
KINDS_NOT_FROM_A_FILE = {"internal_error", "too_deep_to_compile", "expected_value"}


def _compare(expected_path: Path, actual: str) -> None:
    if UPDATE:
        expected_path.write_text(actual, encoding="utf-8")
        return
    assert expected_path.exists(), f"missing {expected_path.name}; run with MLC_UPDATE_GOLDEN=1"
    assert actual == expected_path.read_text(encoding="utf-8")


def _check_output(directory: Path, name: str, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(directory)
    status = main(["check", name])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


diagnostic_cases = sorted(p.name for p in DIAGNOSTICS.glob("*") if p.suffix in (".ml", ".bin"))


@pytest.mark.parametrize("name", diagnostic_cases)
def test_diagnostic_golden(name: str, capsys, monkeypatch) -> None:
    status, out, err = _check_output(DIAGNOSTICS, name, capsys, monkeypatch)
    if name.startswith("W"):  # warnings alone: the spec is valid, so check exits 0 and says ok
        assert status == 0 and out.startswith(f"{name}: ok")
    else:
        assert status == 1
        assert out == ""
    assert "Traceback" not in err
    code = name.split("_", 1)[0]
    assert f"[{code}]" in err, f"{name} should produce {code}"
    _compare(DIAGNOSTICS / (Path(name).stem + ".expected"), err)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_diagnostic_golden(name: str, tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / name).write_bytes(GENERATED[name]())
    status, out, err = _check_output(tmp_path, name, capsys, monkeypatch)
    assert status == 1 and out == ""
    _compare(DIAGNOSTICS / (Path(name).stem + ".expected"), err)


def test_every_code_has_a_golden_file() -> None:
    covered = {p.name.split("_", 1)[0] for p in DIAGNOSTICS.glob("*.expected")}
    missing = set(CODES) - NOT_FROM_A_FILE - covered
    assert not missing, f"no golden diagnostics for {sorted(missing)}"


def _named_kind(name: str) -> str:
    """`E202_below_minimum__swept.ml` -> `below_minimum`."""
    return Path(name).stem.split("_", 1)[1].split("__", 1)[0]


def test_every_message_kind_has_a_golden_file() -> None:
    named = {_named_kind(name) for name in diagnostic_cases}
    missing = set(messages.KINDS) - KINDS_NOT_FROM_A_FILE - named
    assert not missing, f"no golden diagnostics for the message kinds {sorted(missing)}"
    assert KINDS_NOT_FROM_A_FILE <= set(messages.KINDS)


@pytest.mark.parametrize("name", [n for n in diagnostic_cases if n.endswith(".ml")])
def test_every_golden_produces_the_kind_it_names(name: str) -> None:
    code, kind = name.split("_", 1)[0], _named_kind(name)
    outcome = compile_text((DIAGNOSTICS / name).read_text(encoding="utf-8"), str(DIAGNOSTICS / name))  # files beside it
    first = next(d for d in outcome.diagnostics if d.code == code)
    if first.kind:  # built by the catalogue: the file is named after its kind, with the kind's code
        assert first.kind == kind, f"{name} produces the message kind `{first.kind}`"
        assert messages.KINDS[kind] == code
    else:  # built outside the catalogue (front end, target formulas): the name must not claim a kind
        assert kind not in messages.KINDS, f"{name} names the kind `{kind}` but its message is not built by it"


fmt_cases = sorted(p.name for p in FMT.glob("*.ml"))


@pytest.mark.parametrize("name", fmt_cases)
def test_fmt_golden(name: str) -> None:
    source = (FMT / name).read_text(encoding="utf-8")
    formatted, diagnostics = format_text(source, name)
    assert formatted is not None, diagnostics
    _compare(FMT / (Path(name).stem + ".expected"), formatted)
    again, _ = format_text(formatted, name)
    assert again == formatted, "fmt is not idempotent"
    before, after = compile_text(source, name), compile_text(formatted, name)
    assert [d.code for d in before.diagnostics] == [d.code for d in after.diagnostics]
    if before.plan is not None:
        assert after.plan is not None
        assert after.plan.spec_hash == before.plan.spec_hash
        assert [r.hash for r in after.plan.runs] == [r.hash for r in before.plan.runs]


def test_fmt_goldens_exist() -> None:
    assert len(fmt_cases) >= 5
