"""docs/language.md stays true: its generated tables match the checker's tables and the golden outputs.

Input:  ``docs/language.md``; the settings tables generated from the schema (``mlc.compiler.check.reference``);
        ``mlc.dsl.diagnostics.CODES`` and ``tests/golden/diagnostics/*.expected``.
Output: pass/fail. ``MLC_UPDATE_GOLDEN=1 pytest tests/test_docs.py`` rewrites the generated sections
        (between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``).
Role:   one source of truth. Settings, defaults and ranges are written once, on the IR fields; the reference
        shows them, and this test fails when they drift apart. It also checks that every example block
        in the reference (```mlc fences) parses, and that every full spec example there checks clean.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mlc.compiler import check
from mlc.compiler.check import reference
from mlc.compiler.pipeline import compile_text
from mlc.dsl.diagnostics import CODES
from mlc.dsl.parser import parse

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "language.md"
GOLDEN = ROOT / "tests" / "golden" / "diagnostics"

def generated_sections() -> dict[str, str]:
    """The settings tables (from the schema, ``mlc.compiler.check.reference``) and the codes table (from
    ``CODES`` and the goldens)."""
    code_rows = []
    for code, meaning in CODES.items():
        sample = ""
        for path in sorted([*GOLDEN.glob(f"{code}_*.expected"), *GOLDEN.parent.joinpath("resources").glob(f"{code}_*.expected")]):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            sample = first.split(f"[{code}]: ", 1)[1].replace("|", "\\|")
            break
        code_rows.append([f"`{code}`", meaning, sample])
    return {**reference.settings_tables(),
            "codes": reference.table(code_rows, ["code", "meaning", "sample message (from tests/golden/diagnostics)"])}


def test_generated_sections_are_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = generated_sections()
    found = {m.group("name") for m in reference.SECTION.finditer(text)}
    assert found == set(sections), f"docs/language.md generated sections: {sorted(found)}"
    updated = reference.update_text(text, sections)
    if os.environ.get("MLC_UPDATE_GOLDEN") == "1":
        DOC.write_text(updated, encoding="utf-8")
        return
    assert updated == text, "docs/language.md is out of date: run MLC_UPDATE_GOLDEN=1 pytest tests/test_docs.py"


def test_the_settings_tables_show_the_schema() -> None:
    """Cross-stage: a default written on an IR field is the checker's default and the docs' default."""
    from mlc.compiler import ir

    assert check.DATA_KEYS["n"].default == ir.Data.model_fields["n"].default == 1000
    assert check.OPTIMIZER_KEYS["adam"]["lr"].default == 1e-3  # a per-kind default of the field
    assert "| `n` | integer ≥ 1 | `1000` | training samples |" in reference.settings_tables()["data-settings"]


FENCE = re.compile(r"```mlc\n(.*?)```", re.S)


def _examples() -> list[str]:
    return FENCE.findall(DOC.read_text(encoding="utf-8"))


def test_doc_has_examples() -> None:
    assert len(_examples()) >= 10


@pytest.mark.parametrize("index", range(len(_examples())))
def test_every_example_parses(index: int) -> None:
    example = _examples()[index]
    _, diagnostics = parse(example, "doc.ml")
    assert diagnostics == [], (example, diagnostics)
    if all(f"\n{word} " in example for word in ("input", "target", "model")):  # a whole spec: it must check clean
        outcome = compile_text(example, "doc.ml")
        assert outcome.ok, outcome.rendered
