"""The settings schema: the checker's view of the IR fields that a spec sets.

Input:  the pydantic IR classes (``mlc.compiler.ir``): each settable field is declared with
        :func:`mlc.compiler.ir.setting` (default, range, meaning, sweepability, per-kind defaults).
Output: :class:`KeySpec` per setting, read from those fields, in the fields' order.
Role:   one schema for settings. A default, a range or a doc line is written once, on the IR field; the
        checker's tables (:mod:`mlc.compiler.check.tables`) and the docs tables of docs/language.md
        (:mod:`mlc.compiler.check.reference`) are derived from it.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from mlc.compiler import ir


@dataclass(frozen=True)
class KeySpec:
    """One setting: its kind ('int', 'float', 'enum', 'bool', 'ints', 'floats', 'betas', or a structured setting
    'loss', 'penalty', 'optimizer', 'record'), range, default, meaning and sweepability.

    ``default`` is None when there is no constant default; ``shown_default`` then says what it is."""

    kind: str
    default: Any = None
    minimum: float | None = None
    exclusive_min: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""
    sweepable: bool = False
    shown_default: str = ""


STRUCTURED = {"loss": "loss", "penalty": "penalty", "optimizer": "optimizer", "record": "record",
              "weights": "weights", "normalize": "normalize"}
"""Settings with a syntax of their own (`mse/2`, `path_norm(lambda = 0.1)`, `every N: ...`, a teacher's `a = [...]`
and `normalize = sd(...)`)."""


def _kind_of(annotation: Any) -> tuple[str, tuple[str, ...]]:
    """The KeySpec kind (and enum choices) of a field's type."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):  # `int | None`: the setting's kind is the non-None member
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _kind_of(members[0])
    if origin is Literal:
        return "enum", tuple(str(a) for a in typing.get_args(annotation))
    if origin is tuple:
        args = typing.get_args(annotation)
        if args == (int, Ellipsis):
            return "ints", ()
        return ("floats", ()) if args == (float, Ellipsis) else ("betas", ())
    kinds = {int: "int", float: "float", bool: "bool"}
    if annotation in kinds:
        return kinds[annotation], ()
    raise TypeError(f"no setting kind for {annotation!r}")


def _default_of(value: Any) -> Any:
    if value is PydanticUndefined:
        return None
    if isinstance(value, (ir.Penalty, ir.Optimizer)):
        return value.kind  # a structured setting's default is the kind written, `none` or `gd`
    if isinstance(value, BaseModel):
        return None  # e.g. record: nothing recorded
    return value


def field_settings(cls: type[BaseModel], kind_of_section: str | None = None) -> dict[str, KeySpec]:
    """The settings of an IR class, by the name a spec uses, in field order.

    ``kind_of_section``: for a class with per-kind settings (the optimizer), only the settings of that kind,
    with that kind's defaults.
    """
    found: dict[str, KeySpec] = {}
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or "setting" not in extra:
            continue
        meta = typing.cast(dict[str, Any], extra["setting"])
        kinds = tuple(meta["kinds"])
        if kind_of_section is not None and kinds and kind_of_section not in kinds:
            continue
        key = meta["key"] or name
        kind, choices = (STRUCTURED[key], ()) if key in STRUCTURED else _kind_of(info.annotation)
        default = _default_of(info.default)
        if kind_of_section is not None:
            default = meta["defaults"].get(kind_of_section, default)
        if meta["shown_default"] and kind not in STRUCTURED.values():
            default = None  # computed where it is used (per family, from d, from `width`)
        found[key] = KeySpec(kind, default, meta["minimum"], meta["exclusive_min"], meta["maximum"], choices,
                             info.description or "", meta["sweepable"], meta["shown_default"])
    return found
