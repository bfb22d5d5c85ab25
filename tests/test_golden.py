"""Golden tests: the exact output of ``mlc check`` and ``mlc fmt`` on small files.

Input:  ``tests/golden/diagnostics/<CODE>_<name>.ml`` (or ``.bin`` for non-text bytes) with the expected
        stderr of ``mlc check <file>`` (run from that folder) in ``<CODE>_<name>.expected``; and
        ``tests/golden/fmt/<name>.ml`` with the expected formatted text in ``<name>.expected``.
        Every message is built by a kind of the catalogue (:mod:`mlc.compiler.messages`, which includes the
        front end's :mod:`mlc.dsl.messages`), and the name is ``<CODE>_<kind>`` or
        ``<CODE>_<kind>__<variant>``: every kind has a golden, and every golden produces the kind it names.
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
from mlc.dsl.diagnostics import CODES, Diagnostic
from mlc.dsl.formatter import format_text
from mlc.dsl.source import SourceError, decode_source
from mlc.runtime.cli import main

GOLDEN = Path(__file__).parent / "golden"
DIAGNOSTICS = GOLDEN / "diagnostics"
FMT = GOLDEN / "fmt"
RESOURCES = GOLDEN / "resources"  # E401: the plan against the machine, not `mlc check` (tests/test_resources.py)
UPDATE = os.environ.get("MLC_UPDATE_GOLDEN") == "1"

GENERATED: dict[str, Callable[[], bytes]] = {
    "E004_too_large.ml": lambda: b"problem big\n" + b"# padding padding padding\n" * 45_000,
    # 3000 nested minus signs (under the token limit): building the AST needs more than the recursion limit
    "E005_too_deep_to_compile.ml": lambda: (b"problem deep\ninput x ~ uniform(cube(2))\ntarget f*(x) = "
                                            + b"- " * 3000 + b"x[1]\n"),
    "E004_too_many_tokens.ml": lambda: b"problem big\n" + b"let a = 1\n" * 1_300,
}

# Codes that no file can produce: E999 is an internal error.
NOT_FROM_A_FILE = {"E999"}
# Message kinds that no file can produce with `mlc check`: a bug in mlc, and the formatter's refusals (`mlc fmt`
# only; its recursion limit is the parser's, which is reached first); the fallbacks of constant folding and of
# target formulas for an AST node or operator they do not know (every node and operator the grammar builds is
# handled); and a Lark error other than the three kinds Lark raises.
KINDS_NOT_FROM_A_FILE = {"internal_error", "expected_value", "not_in_target", "not_arithmetic_operator",
                         "syntax_error", "fmt_refused", "too_deep_to_format"}


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
    covered = {p.name.split("_", 1)[0] for p in (*DIAGNOSTICS.glob("*.expected"), *RESOURCES.glob("*.expected"))}
    missing = set(CODES) - NOT_FROM_A_FILE - covered
    assert not missing, f"no golden diagnostics for {sorted(missing)}"


def _named_kind(name: str) -> str:
    """`E202_below_minimum__swept.ml` -> `below_minimum`."""
    return Path(name).stem.split("_", 1)[1].split("__", 1)[0]


def test_every_message_kind_has_a_golden_file() -> None:
    named = ({_named_kind(name) for name in [*diagnostic_cases, *GENERATED]}
             | {_named_kind(p.name) for p in RESOURCES.glob("*.ml")})
    missing = set(messages.KINDS) - KINDS_NOT_FROM_A_FILE - named
    assert not missing, f"no golden diagnostics for the message kinds {sorted(missing)}"
    assert KINDS_NOT_FROM_A_FILE <= set(messages.KINDS)


def _diagnostics_of(name: str, data: bytes) -> list[Diagnostic]:
    """What `mlc check` reports for a file of these bytes: the reading errors, else the compiler's."""
    try:
        source = decode_source(name, data)
    except SourceError as exc:
        assert exc.diagnostic is not None
        return [exc.diagnostic]
    return compile_text(source.text, str(DIAGNOSTICS / name)).diagnostics  # file inputs resolve beside it


@pytest.mark.parametrize("name", [*diagnostic_cases, *GENERATED])
def test_every_golden_produces_the_kind_it_names(name: str) -> None:
    code, kind = name.split("_", 1)[0], _named_kind(name)
    data = GENERATED[name]() if name in GENERATED else (DIAGNOSTICS / name).read_bytes()
    first = next(d for d in _diagnostics_of(name, data) if d.code == code)
    assert first.kind == kind, f"{name} produces the message kind `{first.kind}`"
    assert messages.KINDS[kind] == code


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
