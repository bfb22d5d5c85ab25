"""The base of the IR: the immutable model class and :func:`setting`, the schema of a field a spec sets.

Input:  nothing.
Output: :class:`IRModel`, :func:`setting`, :data:`IR_VERSION`.
Role:   the one description of each setting's default, range, meaning and sweepability.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

IR_VERSION = 1


class IRModel(BaseModel):
    """Base class: IR objects are immutable and reject unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def setting(default: Any = None, *, doc: str, minimum: float | None = None, exclusive_min: bool = False,
            maximum: float | None = None, sweepable: bool = False, key: str | None = None,
            kinds: tuple[str, ...] = (), defaults: dict[str, Any] | None = None, shown_default: str = "",
            required: bool = False) -> Any:
    """A field that a spec sets: the one description of its default, range, meaning and sweepability.

    The checker derives its settings tables from these fields (``mlc.compiler.check.schema``) and the docs
    tables of docs/language.md are generated from them. The range is the language's: the checker enforces
    it with a diagnostic (E202), so the IR records it without validating it again. ``key`` is the name a spec
    uses when it differs from the field's (``lambda`` for ``lam``); ``kinds`` the kinds of the section that
    have the setting (an optimizer's ``batch`` is sgd's); ``defaults`` per-kind defaults; ``shown_default``
    the default as the docs say it when it is not a constant (``d + 1``).
    """
    extra: dict[str, Any] = {"setting": {
        "minimum": minimum, "exclusive_min": exclusive_min, "maximum": maximum, "sweepable": sweepable,
        "key": key, "kinds": list(kinds), "defaults": dict(defaults or {}), "shown_default": shown_default}}
    if required:
        return Field(description=doc, json_schema_extra=extra)
    return Field(default, description=doc, json_schema_extra=extra)
