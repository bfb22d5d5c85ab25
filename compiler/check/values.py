"""The values pass: constants in scope, and one setting's value checked against its KeySpec.

Input:  AST values (``mlc.dsl.ast``), the ``let`` statements, one sweep :class:`Point`, a :class:`KeySpec`.
Output: plain numbers, tuples, enum names and booleans; or diagnostics (E201 type, E202 range, E101 name).
Role:   what every section pass shares: the environment of constants, numbers with their ranges (a value
        from the sweep is checked like a written one and says so), enums, and `name(key = value)` calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar

from mlc.compiler import ir
from mlc.compiler import messages as msg
from mlc.compiler.check.schema import KeySpec
from mlc.compiler.evaluate import Number, evaluate, name_nodes
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, Span

T = TypeVar("T")


@dataclass(frozen=True)
class Hole:
    """A number of the checked IR that the sweep fills in (:mod:`mlc.compiler.parametric`): the setting it
    sets (``slot``), its type and range, and where and for whom a bad value is reported.

    ``source`` is the written expression when the value comes from swept `let` names (``n = m``: checked as
    written, at the expression); None when a sweep axis sets the slot itself (checked "from the sweep")."""

    slot: ir.Slot
    spec: KeySpec
    key: str
    span: Span | None
    owner: str
    source: ast.Value | None = None

    def check(self, value: float) -> Any:
        """``value`` checked as the checker checks this setting (the same diagnostic, the same span)."""
        return check_number(self.spec, self.key, value, self.span, self.owner, from_sweep=self.source is None)


@dataclass
class Point:
    """One point of the sweep: bindings of `let` names, values of setting slots, and the seed.

    When ``holes`` is a list, the checker appends a :class:`Hole` for every number it reads from the sweep:
    a slot's value, or a setting written with a name of ``dependent`` (the swept lets and the lets computed
    from them). That is how the parametric plan learns what it may substitute without checking again.
    ``choices``: the values of a categorical sweep (a setting's value as written in the sweep, `adam(lr = 1e-3)`),
    which the checker reads in place of the written one."""

    bindings: dict[str, Number] = field(default_factory=dict)
    overrides: dict[ir.Slot, float] = field(default_factory=dict)
    seed: int = 0
    holes: list[Hole] | None = None
    dependent: frozenset[str] = frozenset()
    models: dict[str, tuple[dict[str, Any], dict[str, ast.Setting]]] = field(default_factory=dict)
    """With ``holes``: each model's settings and its written settings, as :func:`.model.shaped_model` reads them."""
    choices: dict[ir.Slot, ast.Value] = field(default_factory=dict)


class Collector:
    """Runs independent checks and keeps every error, so one run reports all problems of a section."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(self, errors: SpecErrors) -> None:
        self.diagnostics.extend(errors.diagnostics)

    def run(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except SpecErrors as errors:
            self.add(errors)
            return None

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise SpecErrors(self.diagnostics)


def environment(lets: Mapping[str, ast.LetStmt], point: Point) -> dict[str, Number]:
    """The constants in scope: lets in order (each may use earlier ones), swept names override.

    A swept let's own value is still checked: an error in it is an error, even when the sweep replaces it."""
    env: dict[str, Number] = {}
    for name, stmt in lets.items():
        if isinstance(stmt.value, (ast.RangeLit, ast.Every)):
            raise msg.fail(msg.let_not_a_value(name, stmt.value.span))
        written = evaluate(stmt.value, env)
        env[name] = point.bindings.get(name, written)
    for name, value in point.bindings.items():
        env.setdefault(name, value)
    return env


def scalar_of(node: ast.Value, env: Mapping[str, Number], key: str) -> float:
    """One number (not a range, not a vector)."""
    if isinstance(node, (ast.RangeLit, ast.Every)):
        raise msg.fail(msg.takes_one_number(key, node.span))
    value = evaluate(node, env)
    if isinstance(value, tuple):
        raise msg.fail(msg.number_not_vector(key, node.span))
    return value


def value_of(spec: KeySpec, key: str, node: ast.Value, env: Mapping[str, Number], slot: ir.Slot | None,
             point: Point, owner: str) -> Any:
    """Evaluate one setting against its KeySpec (type and range); a swept slot's value wins.

    The written value of a swept setting is still checked, as a swept `let`'s is: `width = -5` is an error
    whether or not `width` is swept (it would be one as soon as the sweep is removed)."""
    if slot is not None and slot in point.overrides:
        check_number(spec, key, scalar_of(node, env, key), node.span, owner)
        return swept_value(point, slot, spec, key, node.span, owner)
    if spec.kind in ("int", "float"):
        if slot is not None and point.holes is not None and any(n.id in point.dependent for n in name_nodes(node)):
            point.holes.append(Hole(slot, spec, key, node.span, owner, source=node))
        return check_number(spec, key, scalar_of(node, env, key), node.span, owner)
    if spec.kind == "ints":
        value = evaluate(node, env) if not isinstance(node, (ast.RangeLit, ast.Every)) else None
        if not isinstance(value, tuple) or not value:
            raise msg.fail(msg.takes_integer_list(key, node.span))
        return tuple(check_number(KeySpec("int", minimum=spec.minimum), key, v, node.span, owner) for v in value)
    if spec.kind == "floats":
        value = evaluate(node, env) if not isinstance(node, (ast.RangeLit, ast.Every)) else None
        if not isinstance(value, tuple) or not value:
            raise msg.fail(msg.takes_number_list(key, node.span))
        return tuple(check_number(KeySpec("float", minimum=spec.minimum, exclusive_min=True), key, v, node.span, owner)
                     for v in value)
    if spec.kind == "enum":
        return enum_of(node, spec.choices, key)
    if spec.kind == "bool":
        if isinstance(node, ast.Name) and node.id in ("true", "false"):
            return node.id == "true"
        raise msg.fail(msg.takes_bool(key, node.span))
    raise AssertionError(spec.kind)


def swept_value(point: Point, slot: ir.Slot, spec: KeySpec, key: str, span: Span | None, owner: str) -> Any:
    """The value the sweep gives ``slot`` at ``point``, checked "from the sweep" (and recorded as a hole)."""
    if point.holes is not None:
        point.holes.append(Hole(slot, spec, key, span, owner))
    return check_number(spec, key, point.overrides[slot], span, owner, from_sweep=True)


def check_number(spec: KeySpec, key: str, value: float, span: Span | None, owner: str,
                 from_sweep: bool = False) -> Any:
    """``value`` checked against the spec's kind (int or float) and range; ints come back as int."""
    if math.isnan(value) or math.isinf(value):
        raise msg.fail(msg.not_finite(key, value, span, from_sweep))
    number: float | int = value
    if spec.kind == "int":
        if value != int(value):
            raise msg.fail(msg.not_an_integer(key, value, span, owner, from_sweep))
        number = int(value)
    low, high = spec.minimum, spec.maximum
    if low is not None and (number < low or (spec.exclusive_min and number == low)):
        raise msg.fail(msg.below_minimum(key, number, low, spec.exclusive_min, span, owner, from_sweep))
    if high is not None and number > high:
        raise msg.fail(msg.above_maximum(key, number, high, span, from_sweep))
    return number


def enum_of(node: ast.Value, choices: tuple[str, ...], key: str) -> str:
    """A bare name among ``choices``."""
    if isinstance(node, ast.Name):
        if node.id in choices:
            return node.id
        raise msg.fail(msg.unknown_choice(key, node.id, node.span, choices, f"valid values of {key}"))
    if isinstance(node, ast.StringLit):
        raise msg.fail(msg.string_not_a_name(key, node.value, node.span))
    raise msg.fail(msg.takes_one_of(key, choices, node.span))


def call_parts(node: ast.Value, key: str, choices: tuple[str, ...]) -> tuple[str, list[ast.KwArg]]:
    """``name`` or ``name(k = v, ...)`` with name among ``choices``: the name and the named arguments."""
    if isinstance(node, ast.Name):
        name, kwargs, span = node.id, [], node.span
    elif isinstance(node, ast.Call):
        name, kwargs, span = node.func.name, list(node.keywords), node.func.span
        for arg in node.args:
            if not isinstance(arg, ast.KwArg):
                raise msg.fail(msg.named_arguments_only(f"arguments of `{name}`", f"{name}(lr = 0.1)", arg.span))
    else:
        raise msg.fail(msg.takes_one_of(key, choices, node.span))
    if name not in choices:
        raise msg.fail(msg.unknown_choice(key, name, span, choices, f"{key}s"))
    return name, kwargs


def is_literal_value(node: ast.Value) -> bool:
    """Whether ``node`` is an expression (not a range `a..b` or `every N: ...`)."""
    return not isinstance(node, (ast.RangeLit, ast.Every))
