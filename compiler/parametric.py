"""The parametric plan: the spec checked once, with the swept values as typed parameters; every sweep point
substitutes its values into the checked template.

Input:  a :class:`~mlc.compiler.check.Checker`, what each sweep axis sets (axis key -> its
        :class:`~mlc.compiler.ir.Slot` targets) and the swept values, and the sweep's first point.
Output: :class:`ParametricPlan`, whose :meth:`ParametricPlan.resolve` gives the IR sections
        (:class:`~mlc.compiler.check.Resolved`) at one sweep point.
Role:   check names, kinds, families, calls and rules once, and per point only what the point changes.

The checker resolves the first point and records, as it goes, every number it reads from the sweep
(:class:`~mlc.compiler.check.values.Hole`: the slot it sets, its type and range, where a bad value is
reported). A point then fills the holes: each value is checked as the checker checks it (same diagnostic,
same span, "(from the sweep)" when the axis sets it), placed into its IR field, and the rules over the
filled values run again (the family's rules and shape, the training rules such as batch ≤ n).

Some swept values change more than numbers: a `let` used in the target formula, the input dimension, a
record interval, the report, or a categorical axis (`optimizer = [sgd(...), adam(...)]`, always). Such an axis is *structural*: the checker resolves the spec once per distinct
combination of the structural axes' values (three times for `sweep { d = [2, 4, 8] }`, however many other
axes there are), and the other axes are substituted into each. An axis is a value axis when

* every use of its name (and of the lets computed from it) is inside a recorded hole, and
* substituting its next value gives what the checker gives there (one probe per axis, when the plan is
  built: this catches a value the checker reads twice, as a report mark reading `n`).

Until a point checks, every axis is structural: a point that fails is resolved (and reported) by the
checker itself, and the first point that checks builds the template.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence, TypeVar

from mlc.compiler import ir
from mlc.compiler.check import Checker, Point, Resolved
from mlc.compiler.check.model import shaped_model
from mlc.compiler.check.rules import Training, check_training
from mlc.compiler.check.train import train_items
from mlc.compiler.check.values import Hole, scalar_of
from mlc.compiler.evaluate import name_nodes
from mlc.dsl import ast
from mlc.dsl.diagnostics import SpecErrors

T = TypeVar("T")

_IR_FIELD = {"lambda": "lam", "max_steps": "steps"}
"""Settings whose IR field has another name: `lambda` is ``Penalty.lam``; `max_steps` becomes ``steps``."""


def checker_point(values: Mapping[str, float], targets: Mapping[str, tuple[ir.Slot, ...]],
                  choices: Mapping[str, Sequence[ast.Value]] | None = None) -> Point:
    """The checker's :class:`Point` for one sweep point ({axis key: value}): seed, let bindings, slot values, and
    the written value that a categorical axis (``choices``: key -> its values as written) picks by index."""
    point = Point()
    for key, value in values.items():
        picked = choices.get(key) if choices else None
        for target in targets[key]:
            if picked is not None:
                point.choices[target] = picked[int(value)]
            elif target.section == "seed":
                point.seed = int(value)
            elif target.section == "let":
                point.bindings[target.key] = value
            else:
                point.overrides[target] = value
    return point


@dataclass(frozen=True)
class Template:
    """The sections checked at one point, and the holes a point with the same structural values fills."""

    resolved: Resolved
    holes: tuple[tuple[Hole, str | None], ...]  # (hole, the axis that sets its slot; None: from lets)
    needs_env: bool  # some hole is written with swept lets: the constants are evaluated per point
    models: Mapping[str, tuple[dict[str, Any], dict[str, ast.Setting]]]  # each model's settings, as written


def dependent_lets(checker: Checker, swept: set[str]) -> dict[str, frozenset[str]]:
    """For each swept let (or free name), it and the lets computed from it (``let w = 2*m`` depends on m)."""
    out: dict[str, frozenset[str]] = {}
    for name in swept:
        found = {name}
        for let, stmt in checker.lets.items():  # in order: a let may use only earlier ones
            if let not in found and any(n.id in found for n in name_nodes(stmt.value)):
                found.add(let)
        out[name] = frozenset(found)
    return out


def _train_with(train: ir.Train, steps: dict[str, Any], optimizer: dict[str, Any], penalty: dict[str, Any]) -> ir.Train:
    """``train`` with the filled steps, optimizer and penalty values."""
    update = dict(steps)
    if optimizer and train.optimizer is not None:
        update["optimizer"] = train.optimizer.model_copy(update=optimizer)
    if penalty:
        update["penalty"] = train.penalty.model_copy(update=penalty)
    return train.model_copy(update=update)


class ParametricPlan:
    """The spec checked once per distinct value of its structural axes; :meth:`resolve` substitutes."""

    def __init__(self, checker: Checker, targets: Mapping[str, tuple[ir.Slot, ...]],
                 swept: Mapping[str, list[float]], first: Mapping[str, float],
                 choices: Mapping[str, Sequence[ast.Value]] | None = None):
        self.checker = checker
        self.targets = dict(targets)
        self.choices = dict(choices or {})  # categorical axes: always structural (they change more than numbers)
        self.swept = {key: values for key, values in swept.items() if key not in self.choices}  # numeric axes
        lets = {key for key, slots in targets.items() if slots and slots[0].section == "let"}
        self.depends = dependent_lets(checker, lets)
        self.dependent = frozenset().union(*self.depends.values())
        self.slot_axis = {slot: key for key, slots in targets.items() for slot in slots
                          if slot.section not in ("seed", "let")}
        self.train_spans = {name: {key: item.span for key, item in train_items(self._train_blocks(name))[0].items()}
                            for name in checker.models}
        self.structural: tuple[str, ...] = tuple(targets)  # until a point checks
        self.templates: dict[tuple[float, ...], Template] = {}
        self._objects: dict[tuple[Any, ...], Any] = {}
        self.classified = False
        try:
            self._classify(first)
        except SpecErrors:
            pass  # :meth:`resolve` reports it at the first point, and classifies at the first point that checks

    # ------------------------------------------------------------------------------------------ building

    def _train_blocks(self, model: str) -> list[ast.TrainStmt]:
        return [b for b in (self.checker.trains.get(None), self.checker.trains.get(model)) if b is not None]

    def _check(self, values: Mapping[str, float]) -> tuple[Resolved, Point]:
        """The checker at one point, recording the holes (and the models' settings) in the point."""
        point = checker_point(values, self.targets, self.choices)
        point.holes, point.dependent = [], self.dependent
        return self.checker.resolve(point, self.swept), point

    def _template(self, resolved: Resolved, point: Point, value_axes: set[str]) -> Template:
        """Keep the holes that a value axis reaches (a structural axis's are fixed by the template's key)."""
        kept: list[tuple[Hole, str | None]] = []
        for hole in point.holes or ():
            if hole.source is None:
                axis = self.slot_axis[hole.slot]
                if axis in value_axes:
                    kept.append((hole, axis))
            elif any(n.id in self.depends[a] for a in value_axes & set(self.depends) for n in name_nodes(hole.source)):
                kept.append((hole, None))
        return Template(resolved, tuple(kept), any(axis is None for _, axis in kept), point.models)

    def _classify(self, first: Mapping[str, float]) -> None:
        """Decide the structural axes from a point that checks (see the module's docstring). Raises
        SpecErrors when the point does not check; every axis stays structural until one does."""
        resolved, point = self._check(first)
        holes = point.holes or []
        covered = {id(n) for hole in holes if hole.source is not None for n in name_nodes(hole.source)}
        uses = [n for stmt in self.checker.spec.statements if not isinstance(stmt, (ast.LetStmt, ast.SweepStmt))
                for n in name_nodes(stmt) if n.id in self.dependent]
        structural = {axis for axis, names in self.depends.items()
                      if any(n.id in names and id(n) not in covered for n in uses)} | set(self.choices)
        for key, values in self.swept.items():  # one probe per axis: substitution against the checker
            other = next((v for v in values if v != first[key]), None)
            if key in structural or other is None:
                continue
            if not self._agrees(self._template(resolved, point, {key}), {**first, key: other}):
                structural.add(key)
        self.structural = tuple(k for k in self.targets if k in structural)
        self.templates = {self._key(first): self._template(resolved, point, set(self.targets) - structural)}
        self.classified = True

    def _agrees(self, template: Template, values: Mapping[str, float]) -> bool:
        """Whether substituting ``values`` gives what the checker gives at that point (or the same errors)."""
        def outcome(fn: Callable[[], Resolved]) -> object:
            try:
                return fn()
            except SpecErrors as exc:
                return [(d.code, d.message, d.span) for d in exc.diagnostics]
        return bool(outcome(lambda: self._substitute(template, values))
                    == outcome(lambda: self.checker.resolve(checker_point(values, self.targets, self.choices), self.swept)))

    def _key(self, values: Mapping[str, float]) -> tuple[float, ...]:
        return tuple(values[k] for k in self.structural)

    # ------------------------------------------------------------------------------------------ per point

    def resolve(self, values: Mapping[str, float]) -> Resolved:
        """The IR sections at one sweep point. Raises SpecErrors, as the checker would there."""
        if not self.classified:
            self._classify(values)
        key = self._key(values)
        template = self.templates.get(key)
        if template is None:
            resolved, point = self._check(values)  # a failure is not kept: the next point tries again
            template = self.templates[key] = self._template(resolved, point, set(self.targets) - set(self.structural))
        return self._substitute(template, values)

    def _substitute(self, template: Template, values: Mapping[str, float]) -> Resolved:
        if not template.holes:
            return template.resolved
        env = self.checker.environment(checker_point(values, self.targets, self.choices)) if template.needs_env else {}
        filled: dict[tuple[str, str | None], dict[str, Any]] = {}  # (section, owner) -> {IR field: value}
        errors = []
        for hole, axis in template.holes:
            try:
                if axis is not None:
                    number = hole.check(values[axis])
                else:
                    assert hole.source is not None  # a hole that no axis sets is written with swept lets
                    number = hole.check(scalar_of(hole.source, env, hole.key))
            except SpecErrors as exc:
                errors.extend(exc.diagnostics)
                continue
            slot = hole.slot
            field = _IR_FIELD.get(slot.key, slot.key)
            filled.setdefault((slot.section, slot.owner), {})[field] = \
                int(number) if hole.spec.kind == "int" else float(number)
        if errors:
            raise SpecErrors(errors)
        return self._place(template, filled)

    def _made(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """One IR object per distinct content, shared by the points that give it (hashing reads it once)."""
        found = self._objects.get(key)
        if found is None:
            found = self._objects[key] = make()
        return found

    def _place(self, template: Template, filled: Mapping[tuple[str, str | None], dict[str, Any]]) -> Resolved:
        """The template's sections with the filled values in their IR fields, and the rules over them."""
        resolved = template.resolved

        def updates(section: str, owner: str | None) -> dict[str, Any]:
            return filled.get((section, owner), {})

        data_update = updates("data", None)
        data = self._made(("data", id(resolved.data), *sorted(data_update.items())),
                          lambda: resolved.data.model_copy(update=data_update)) if data_update else resolved.data
        models: list[ir.Model] = []
        trains: dict[str, ir.Train] = {}
        for model in resolved.models:
            name = model.name
            model_update = updates("model", name)
            if model_update:
                settings, seen = template.models[name]
                model = self._made(("model", id(model), *sorted(model_update.items())),
                                   functools.partial(shaped_model, self.checker.models[name],
                                                     {**settings, **model_update}, seen, resolved.input))
            models.append(model)
            train = resolved.trains.get(name)
            if train is None:
                continue
            steps = updates("train", name) if train.steps is not None else {}
            optimizer = updates("optimizer", name) if train.optimizer is not None else {}
            penalty = updates("penalty", name)
            if steps or optimizer or penalty:
                train = self._made(("train", id(train), *sorted(steps.items()), *sorted(optimizer.items()),
                                    *sorted(penalty.items())), functools.partial(_train_with, train, steps, optimizer,
                                                                                 penalty))
            if model_update or steps or optimizer or penalty or data_update:
                broken = check_training(Training(model, train, data, resolved.input, self.train_spans[name]))
                if broken:
                    raise SpecErrors(broken)
            trains[name] = train
        return Resolved(resolved.input, resolved.target, resolved.space, data, models, trains, resolved.report)
