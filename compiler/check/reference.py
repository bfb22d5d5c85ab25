"""The settings tables of docs/language.md, generated from the settings schema.

Input:  the checker's tables (:mod:`mlc.compiler.check.tables`), themselves derived from the IR fields.
Output: markdown tables by section name (``model-settings``, ``train-settings``, ...), and
        :func:`update_text`, which rewrites the generated sections of a document.
Role:   the reference shows the schema; it is never written by hand. ``tests/test_docs.py`` fails when
        docs/language.md differs from :func:`settings_tables` (``MLC_UPDATE_GOLDEN=1`` rewrites it).
"""

from __future__ import annotations

import re

from mlc.compiler.check.schema import KeySpec
from mlc.compiler.check.tables import (default_depths, family_keys, DATA_KEYS, MODEL_KEYS, NORMALIZE_KEYS,
                                       OPTIMIZER_KEYS, OPTIMIZERS, PENALTIES, REPORT_KEYS, SWEEPABLE_SLOTS, TEACHER_KEYS,
                                       TRAIN_KEYS)

KIND_TEXT = {
    "loss": " \\| ".join(f"`{c}`" for c in ("mse", "mse/2", "logistic")),
    "penalty": " \\| ".join(f"`{c}`" for c in PENALTIES) + " (with `lambda = v`)",
    "optimizer": " \\| ".join(f"`{c}`" for c in OPTIMIZERS) + " (with its settings)",
    "record": "`every N: metric, ...` or `at POINTS: metric, ...`",
    "betas": "`[b1, b2]`, each in [0, 1)",
    "ints": "list of integers",
    "floats": "list of numbers",
    "rows": "list of rows `[[...], ...]`, d numbers each",
    "file": '`file("teacher.npz")`',
    "normalize": "`sd` or `sd(points = N, center = c, seed = s)`",
}
"""How the docs write the type of a setting whose kind is not a number, an enum or a boolean."""


def type_text(spec: KeySpec) -> str:
    """The 'type and range' column."""
    if spec.kind == "enum":
        return " \\| ".join(f"`{c}`" for c in spec.choices)
    if spec.kind == "bool":
        return "`true` \\| `false`"
    if spec.kind in KIND_TEXT:
        text = KIND_TEXT[spec.kind]
        if spec.kind == "floats" and spec.minimum is not None:
            return text + f", each > {spec.minimum:g}"
        return text + (f", each ≥ {spec.minimum:g}" if spec.kind == "ints" and spec.minimum is not None else "")
    parts = []
    if spec.minimum is not None:
        parts.append(f"{'>' if spec.exclusive_min else '≥'} {spec.minimum:g}")
    if spec.maximum is not None:
        parts.append(f"≤ {spec.maximum:g}")
    kind = "integer" if spec.kind == "int" else "number"
    return f"{kind} " + " and ".join(parts) if parts else kind


def default_text(key: str, spec: KeySpec) -> str:
    """The 'default' column."""
    if key == "depth":  # per family: the family table says
        return ", ".join(f"{f} {d}" for f, d in default_depths().items())
    if spec.default is None:
        return spec.shown_default or "none"
    if isinstance(spec.default, bool):
        return f"`{str(spec.default).lower()}`"
    if isinstance(spec.default, tuple):
        return "`[" + ", ".join(f"{v:g}" for v in spec.default) + "]`"
    if isinstance(spec.default, float):
        return f"`{spec.default:g}`"
    return f"`{spec.default}`"


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def settings_tables() -> dict[str, str]:
    """Every generated settings table of docs/language.md, by section name."""
    model_rows = [[f"`{k}`", type_text(s), default_text(k, s),
                   ", ".join(f for f, keys in family_keys().items() if k in keys), s.doc]
                  for k, s in MODEL_KEYS.items()]
    train_rows = [[f"`{k}`", type_text(s), default_text(k, s), s.doc] for k, s in TRAIN_KEYS.items()]
    optimizer_rows = [[f"`{o}`", f"`{k}`", type_text(s), default_text(k, s), s.doc]
                      for o, keys in OPTIMIZER_KEYS.items() for k, s in keys.items()]
    data_rows = [[f"`{k}`", type_text(s), default_text(k, s), s.doc] for k, s in DATA_KEYS.items()]
    report_rows = [[f"`{k}`", type_text(s), default_text(k, s), s.doc] for k, s in REPORT_KEYS.items()]
    teacher_rows = [[f"`{k}`", type_text(s), default_text(k, s), s.doc] for k, s in TEACHER_KEYS.items()]
    teacher_rows += [[f"`sd(…, {k} = …)`", type_text(s), default_text(k, s), s.doc] for k, s in NORMALIZE_KEYS.items()]
    sweep_rows = [[section, ", ".join(f"`{k}`" for k in keys)] for section, keys in SWEEPABLE_SLOTS.items() if keys]
    return {
        "model-settings": table(model_rows, ["setting", "type and range", "default", "families", "meaning"]),
        "train-settings": table(train_rows, ["setting", "type and range", "default", "meaning"]),
        "optimizer-settings": table(optimizer_rows, ["optimizer", "setting", "type and range", "default", "meaning"]),
        "teacher-settings": table(teacher_rows, ["setting", "type and range", "default", "meaning"]),
        "data-settings": table(data_rows, ["setting", "type and range", "default", "meaning"]),
        "report-settings": table(report_rows, ["setting", "type and range", "default", "meaning"]),
        "sweepable": table(sweep_rows, ["section", "setting names a sweep key may use"]),
    }


SECTION = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
                     re.S)


def update_text(text: str, sections: dict[str, str]) -> str:
    """``text`` with every generated section replaced by its table (sections not given are kept)."""
    def body(m: re.Match[str]) -> str:
        name = m.group("name")
        return m.group(1) + sections[name] + "\n" + m.group(4) if name in sections else m.group(0)

    return SECTION.sub(body, text)
