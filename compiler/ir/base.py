"""The base of the IR: the immutable model class and :func:`setting`, the schema of a field a spec sets.

Input:  nothing.
Output: :class:`IRModel`, :func:`setting`, :data:`IR_VERSION`.
Role:   the one description of each setting's default, range, meaning and sweepability.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

IR_VERSION = 1


class IRModel(BaseModel):
    """Base class: IR objects are immutable and reject unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")  # time = inf survives JSON

    @model_serializer(mode="wrap")
    def _omit_new_defaults(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Dumps leave out a field declared ``omit_default`` while it holds its default: a field added to the
        language after specs shipped keeps their dumps, and so their run hashes, as they were."""
        data = handler(self)
        if isinstance(data, dict):
            fields = type(self).model_fields
            for name in _omitted(type(self)):
                if name in data and getattr(self, name) == fields[name].default:
                    del data[name]
        return data


@cache
def _omitted(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` declared ``omit_default`` (see :func:`setting`)."""
    found = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict):
            inner = extra.get("setting")
            if extra.get("omit_default") or (isinstance(inner, dict) and inner.get("omit_default")):
                found.append(name)
    return tuple(found)


def new_field(default: Any, *, doc: str) -> Any:
    """A field added after specs shipped that is not a setting of its own: left out of dumps (and hashes) while
    it holds ``default`` (see :meth:`IRModel._omit_new_defaults`)."""
    return Field(default, description=doc, json_schema_extra={"omit_default": True})


def setting(default: Any = None, *, doc: str, minimum: float | None = None, exclusive_min: bool = False,
            maximum: float | None = None, sweepable: bool = False, key: str | None = None,
            kinds: tuple[str, ...] = (), defaults: dict[str, Any] | None = None, shown_default: str = "",
            required: bool = False, omit_default: bool = False) -> Any:
    """A field that a spec sets: the one description of its default, range, meaning and sweepability.

    The checker derives its settings tables from these fields (``mlc.compiler.check.schema``) and the docs
    tables of docs/language.md are generated from them. The range is the language's: the checker enforces
    it with a diagnostic (E202), so the IR records it without validating it again. ``key`` is the name a spec
    uses when it differs from the field's (``lambda`` for ``lam``); ``kinds`` the kinds of the section that
    have the setting (an optimizer's ``batch`` is sgd's); ``defaults`` per-kind defaults; ``shown_default``
    the default as the docs say it when it is not a constant (``d + 1``); ``omit_default`` leaves the field out
    of dumps and run hashes while it holds its default (a setting added after specs shipped keeps their hashes).
    """
    extra: dict[str, Any] = {"setting": {
        "minimum": minimum, "exclusive_min": exclusive_min, "maximum": maximum, "sweepable": sweepable,
        "key": key, "kinds": list(kinds), "defaults": dict(defaults or {}), "shown_default": shown_default,
        "omit_default": omit_default}}
    if required:
        return Field(description=doc, json_schema_extra=extra)
    return Field(default, description=doc, json_schema_extra=extra)
