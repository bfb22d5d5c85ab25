"""docs/language.md stays true: its generated tables match the checker's tables and the golden outputs.

Input:  ``docs/language.md``; the KeySpec tables of ``mlc.compiler.check``; ``mlc.dsl.diagnostics.CODES``
        and ``tests/golden/diagnostics/*.expected``.
Output: pass/fail. ``MLC_UPDATE_GOLDEN=1 pytest tests/test_docs.py`` rewrites the generated sections
        (between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``).
Role:   one source of truth. Settings, defaults and ranges are written once, in check.py; the reference
        shows them, and this test fails when they drift apart. It also checks that every example block
        in the reference (```mlc fences) parses, and that every full spec example there checks clean.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mlc.compiler import check, families
from mlc.compiler.pipeline import compile_text
from mlc.dsl.diagnostics import CODES
from mlc.dsl.parser import parse

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "language.md"
GOLDEN = ROOT / "tests" / "golden" / "diagnostics"

NO_DEFAULT = {
    "width": "required (or swept)",
    "depth": ", ".join(f"{f} {families.get(f).default_depth}" for f in families.names()),
    "widths": "`width` repeated `depth` times",
    "state_width": "d + 1",
    "max_steps": "none",
    "record": "nothing recorded",
}
KIND_TEXT = {
    "loss": " \\| ".join(f"`{c}`" for c in ("mse", "mse/2", "logistic")),
    "penalty": " \\| ".join(f"`{c}`" for c in check.PENALTIES) + " (with `lambda = v`)",
    "optimizer": " \\| ".join(f"`{c}`" for c in check.OPTIMIZERS) + " (with its settings)",
    "record": "`every N: metric, ...`",
    "betas": "`[b1, b2]`, each in [0, 1)",
    "ints": "list of integers",
}


def _range(spec: check.KeySpec) -> str:
    if spec.kind in ("enum",):
        return " \\| ".join(f"`{c}`" for c in spec.choices)
    if spec.kind == "bool":
        return "`true` \\| `false`"
    if spec.kind in KIND_TEXT:
        text = KIND_TEXT[spec.kind]
        return text + (f", each ≥ {spec.minimum:g}" if spec.kind == "ints" and spec.minimum is not None else "")
    parts = []
    if spec.minimum is not None:
        parts.append(f"{'>' if spec.exclusive_min else '≥'} {spec.minimum:g}")
    if spec.maximum is not None:
        parts.append(f"≤ {spec.maximum:g}")
    kind = "integer" if spec.kind == "int" else "number"
    return f"{kind} " + " and ".join(parts) if parts else kind


def _default(key: str, spec: check.KeySpec) -> str:
    if spec.default is None:
        return NO_DEFAULT.get(key, "none")
    if isinstance(spec.default, bool):
        return f"`{str(spec.default).lower()}`"
    if isinstance(spec.default, tuple):
        return "`[" + ", ".join(f"{v:g}" for v in spec.default) + "]`"
    if isinstance(spec.default, float):
        return f"`{spec.default:g}`"
    return f"`{spec.default}`"


def _table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def generated_sections() -> dict[str, str]:
    model_rows = [[f"`{k}`", _range(s), _default(k, s),
                   ", ".join(f for f in families.names() if k in families.get(f).settings), s.doc]
                  for k, s in check.MODEL_KEYS.items()]
    train_rows = [[f"`{k}`", _range(s), _default(k, s), s.doc] for k, s in check.TRAIN_KEYS.items()]
    optimizer_rows = [[f"`{o}`", f"`{k}`", _range(s), _default(k, s)]
                      for o, keys in check.OPTIMIZER_KEYS.items() for k, s in keys.items()]
    data_rows = [[f"`{k}`", _range(s), _default(k, s), s.doc] for k, s in check.DATA_KEYS.items()]
    report_rows = [[f"`{k}`", _range(s), _default(k, s), "confidence level 1 - delta of the bounds"]
                   for k, s in check.REPORT_KEYS.items()]
    sweep_rows = [[section, ", ".join(f"`{k}`" for k in keys)] for section, keys in check.SWEEPABLE_SLOTS.items()]
    code_rows = []
    for code, meaning in CODES.items():
        sample = ""
        for path in sorted(GOLDEN.glob(f"{code}_*.expected")):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            sample = first.split(f"[{code}]: ", 1)[1].replace("|", "\\|")
            break
        code_rows.append([f"`{code}`", meaning, sample])
    return {
        "model-settings": _table(model_rows, ["setting", "type and range", "default", "families", "meaning"]),
        "train-settings": _table(train_rows, ["setting", "type and range", "default", "meaning"]),
        "optimizer-settings": _table(optimizer_rows, ["optimizer", "setting", "type and range", "default"]),
        "data-settings": _table(data_rows, ["setting", "type and range", "default", "meaning"]),
        "report-settings": _table(report_rows, ["setting", "type and range", "default", "meaning"]),
        "sweepable": _table(sweep_rows, ["section", "setting names a sweep key may use"]),
        "codes": _table(code_rows, ["code", "meaning", "sample message (from tests/golden/diagnostics)"]),
    }


SECTION = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
                     re.S)


def test_generated_sections_are_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = generated_sections()
    found = {m.group("name") for m in SECTION.finditer(text)}
    assert found == set(sections), f"docs/language.md generated sections: {sorted(found)}"
    updated = SECTION.sub(lambda m: m.group(1) + sections[m.group("name")] + "\n" + m.group(4), text)
    if os.environ.get("MLC_UPDATE_GOLDEN") == "1":
        DOC.write_text(updated, encoding="utf-8")
        return
    assert updated == text, "docs/language.md is out of date: run MLC_UPDATE_GOLDEN=1 pytest tests/test_docs.py"


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
