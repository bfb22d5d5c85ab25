"""The base of the IR: the immutable model class and :func:`setting`, the schema of a field a spec sets.

Input:  nothing.
Output: :class:`IRModel`, :func:`setting`, :data:`IR_VERSION`.
Role:   the one description of each setting's default, range, meaning and sweepability; and the rule that a
        setting added after a spec was written (``omit_default``) is absent from the IR's JSON at its default,
        so that every hash and every plan of the specs that do not use it stay byte-identical.
"""


from typing import Any, Callable, ClassVar

from pydantic import BaseModel, ConfigDict, Field

IR_VERSION = 1


class IRModel(BaseModel):
    """Base class: IR objects are immutable and reject unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")  # time = inf survives JSON

    _omitted: ClassVar[dict[type, tuple[tuple[str, Any], ...]]] = {}

    @classmethod
    def omitted_at_default(cls) -> tuple[tuple[str, Any], ...]:
        """The (field, default) pairs of this class's ``omit_default`` settings and :func:`new_field` fields (cached
        per class)."""
        found = IRModel._omitted.get(cls)
        if found is None:
            found = tuple((name, info.default) for name, info in cls.model_fields.items()
                          if _omitted_at_default(info.json_schema_extra))
            IRModel._omitted[cls] = found
        return found


def _is_default(default: Any) -> Callable[[Any], bool]:
    """The ``exclude_if`` of an omitted field: whether its value equals its default.

    Why a field's ``exclude_if`` and not a model serializer: the run hash and the plan are the JSON of the IR, and
    a field that did not exist when a spec was written must not change them while it keeps its default (issue 10:
    hashes of shipped specs stay). A ``model_serializer(mode="wrap")`` on IRModel did that for every object of
    every class, a Python call per object on every dump (3x the time of ``Run.model_dump``); pydantic-core calls
    this only for the omitted fields. ``tests/test_hash_stability.py`` checks that exactly the omitted fields have one
    and that it drops each at its default only; the plan goldens that the JSON is unchanged."""
    return lambda value: bool(value == default)


def _omitted_at_default(extra: Any) -> bool:
    """Whether a field's schema extra marks it ``omit_default`` (a :func:`setting` or a :func:`new_field`)."""
    if not isinstance(extra, dict):
        return False
    meta = extra.get("setting")
    return bool(extra.get("omit_default")) or (isinstance(meta, dict) and bool(meta.get("omit_default")))


def new_field(default: Any, *, doc: str) -> Any:
    """A field added after specs shipped that is not a setting a spec writes (``Record.at``, ``Run.also``): left
    out of the IR's JSON, and so of every hash and plan, while it holds ``default``, as an ``omit_default``
    setting is."""
    return Field(default, description=doc, json_schema_extra={"omit_default": True}, exclude_if=_is_default(default))


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
    the default as the docs say it when it is not a constant (``d + 1``). ``omit_default``: at its default
    the field is left out of the IR's JSON (and so of every hash and plan): every setting added to the language
    after its first release is declared so, which keeps the hashes of existing specs unchanged.
    """
    extra: dict[str, Any] = {"setting": {
        "minimum": minimum, "exclusive_min": exclusive_min, "maximum": maximum, "sweepable": sweepable,
        "key": key, "kinds": list(kinds), "defaults": dict(defaults or {}), "shown_default": shown_default,
        "omit_default": omit_default}}
    if required:
        return Field(description=doc, json_schema_extra=extra)
    if omit_default:
        return Field(default, description=doc, json_schema_extra=extra, exclude_if=_is_default(default))
    return Field(default, description=doc, json_schema_extra=extra)
