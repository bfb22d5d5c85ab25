"""The data and model passes: `data { ... }` -> ir.Data, `model NAME = family(...)` -> ir.Model.

Input:  the statements, the environment of constants, one sweep :class:`~mlc.compiler.check.values.Point`,
        the resolved input distribution.
Output: ir.Data and ir.Model, or diagnostics (several per model).
Role:   data sizes and noise; the model's family, its settings (each allowed for the family, typed and in
        range) and the values that follow from them (the depth of a deep net from `widths`, the ResNet state
        width d + 1, the per-family default depth).
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

from mlc.compiler import families, ir
from mlc.compiler import messages as msg
from mlc.compiler.check.rules import NOT_FOR_FAMILY_HELP
from mlc.compiler.check.tables import DATA_KEYS, MODEL_KEYS
from mlc.compiler.check.values import Collector, Point, swept_value, value_of
from mlc.compiler.evaluate import Number
from mlc.dsl import ast

MAX_LAYERS = 1_000_000
"""The most layers (``depth``) the checker builds a shape for; the resource plan refuses much smaller nets that do
not fit the machine, this bounds the checker's own work (``depth = 1e9`` built a tuple of 10^9 widths)."""


def data_ir(stmt: ast.DataStmt | None, env: Mapping[str, Number], point: Point, dist: ir.InputDist) -> ir.Data:
    """`data { n = ..., n_test = ..., noise = ... }`, defaults filled in; with a grid, n = points."""
    values = {k: s.default for k, s in DATA_KEYS.items()}
    written: set[str] = set()
    for item in stmt.block.items if stmt else ():
        if isinstance(item, ast.Until):
            raise msg.fail(msg.until_outside_train(item.span))
        key = item.key.name
        if key not in DATA_KEYS:
            raise msg.fail(msg.unknown_setting("data", key, item.key.span, DATA_KEYS))
        if key == "n" and dist.kind == "grid":
            raise msg.fail(msg.n_with_grid(item.span))
        values[key] = value_of(DATA_KEYS[key], key, item.value, env, ir.Slot(section="data", key=key), point, "data")
        written.add(key)
    for key in DATA_KEYS:  # swept data slots that are not written in the block
        slot = ir.Slot(section="data", key=key)
        if slot in point.overrides and key not in written:
            values[key] = swept_value(point, slot, DATA_KEYS[key], key, None, "data")
    if dist.kind == "grid":
        values["n"] = dist.points
    if dist.file is not None and values["n"] + values["n_test"] > dist.file.rows:
        where = stmt.span if stmt else None
        raise msg.fail(msg.file_shape_mismatch(
            dist.file.path, f"{dist.file.rows} rows", f"n + n_test = {values['n']} + {values['n_test']} "
            "disjoint train and test rows", where))
    if dist.dataset is not None and values["n"] + values["n_test"] > dist.dataset.rows:
        ref = dist.dataset
        raise msg.fail(msg.file_shape_mismatch(
            f"{ref.name}{ref.classes}", f"{ref.rows} points", f"n + n_test = {values['n']} + {values['n_test']} "
            "disjoint train and test points", stmt.span if stmt else None))
    return ir.Data(n=values["n"], n_test=values["n_test"], noise=values["noise"], seed=values["seed"],
                   noise_seed=values["noise_seed"])


def model_ir(stmt: ast.ModelStmt, env: Mapping[str, Number], point: Point, dist: ir.InputDist,
             spec_path: str = "<string>") -> ir.Model:
    """One model: its family's settings, typed and in range, with the values that follow from them
    (`init = file("net0.npz")` is read relative to the spec at ``spec_path``)."""
    family = stmt.family.name
    if family not in families.names():  # the registry: built-in and registered families
        raise msg.fail(msg.unknown_family(family, stmt.family.span, families.names()))
    if stmt.positional:
        raise msg.fail(msg.named_arguments_only("model settings", "width = 64", stmt.positional[0].span))
    values: dict[str, Any] = {}
    seen: dict[str, ast.Setting] = {}
    problems = Collector()
    for setting in stmt.settings:
        problems.run(functools.partial(_setting, setting, stmt, family, values, seen, env, point, spec_path))
    problems.raise_if_any()
    for slot, node in point.choices.items():  # a categorical sweep's value replaces the written one
        if slot.section == "model" and slot.owner == stmt.name.name:
            values[slot.key] = value_of(MODEL_KEYS[slot.key], slot.key, node, env, None, point,
                                        f"{family} model `{stmt.name.name}`")
    for key in ("width", "depth", "state_width", "init_scale"):
        slot = ir.Slot(section="model", owner=stmt.name.name, key=key)
        if slot in point.overrides and key not in seen:
            values[key] = swept_value(point, slot, MODEL_KEYS[key], key, stmt.span, family)
    if point.holes is not None:
        point.models[stmt.name.name] = (values, seen)
    return shaped_model(stmt, values, seen, dist)


def shaped_model(stmt: ast.ModelStmt, values: dict[str, Any], seen: Mapping[str, ast.Setting],
                 dist: ir.InputDist) -> ir.Model:
    """The model from its settings (as written or swept): the family's rules over them, then the values that
    follow (depth from `widths`, the ResNet state width d + 1). ``seen``: the settings as written.

    The parametric plan calls this again when it substitutes a model's swept values."""
    family = stmt.family.name
    descriptor = families.get(family)
    broken = descriptor.check_model(values)  # the family's own rules over its settings
    if broken is not None:
        key, message, help = broken
        raise msg.fail(msg.family_rule(message, seen[key].span if key in seen else stmt.span, help))
    if "width" not in values and "widths" not in values:
        raise msg.fail(msg.missing_setting(f"the {family} model `{stmt.name.name}`", "a width", stmt.span,
                                           "add `width = 64`, or sweep it: `sweep { width = [16, 64, 256] }`"))
    if values.get("depth", 0) > MAX_LAYERS:  # the shape lists one width per layer (found by the fuzzer)
        written = seen.get("depth")
        raise msg.fail(msg.above_maximum("depth", values["depth"], MAX_LAYERS, written.value.span if written
                                         else stmt.span, from_sweep=written is None))
    shape = descriptor.resolve(values, dist.dim)
    inits = {key: values[key] for key in ("init", "output_init", "bias_init", "features", "seed", "depth_scaling")
             if key in values}
    model = ir.Model(
        name=stmt.name.name, family=family, width=shape["width"], depth=shape["depth"],
        widths=tuple(shape["widths"]), state_width=shape["state_width"],
        activation=values.get("activation", "relu"), scaling=values.get("scaling", "standard"),
        init_scale=float(values.get("init_scale", 1.0)), bias=values.get("bias", True),
        init_scales=_scales(values.get("init_scales", ())), **inits,
    )
    layers = descriptor.init_layers(model)
    given = values.get("init_scales", ())
    if given and len(given) != len(layers):
        raise msg.fail(msg.init_scales_length(len(given), layers, family, seen["init_scales"].value.span))
    file = values.get(INIT_FILE)
    if file is not None:
        _check_init_file(file, model, values, seen, stmt, dist)
        model = model.model_copy(update={"init_file": file})
    return model


def _scales(given: tuple[float, ...]) -> tuple[float, ...]:
    """Per-layer init scales; all ones mean the default, so they are the default's IR (and hash)."""
    scales = tuple(float(v) for v in given)
    return () if all(v == 1.0 for v in scales) else scales


def _setting(setting: ast.Setting, stmt: ast.ModelStmt, family: str, values: dict[str, Any],
             seen: dict[str, ast.Setting], env: Mapping[str, Number], point: Point, spec_path: str) -> None:
    key = setting.key.name
    if key in seen:
        raise msg.fail(msg.setting_twice(key, setting.key.span))
    seen[key] = setting
    allowed = families.get(family).settings
    if key not in MODEL_KEYS:
        raise msg.fail(msg.unknown_model_setting(key, family, setting.key.span, allowed))
    if key not in allowed:
        raise msg.fail(msg.setting_not_for_family(key, family, setting.key.span, NOT_FOR_FAMILY_HELP.get(key),
                                                  allowed))
    if key == "init" and isinstance(setting.value, ast.Call) and setting.value.func.name == "file":
        values[INIT_FILE] = _init_file(setting.value, spec_path)
        return
    values[key] = value_of(MODEL_KEYS[key], key, setting.value, env,
                           ir.Slot(section="model", owner=stmt.name.name, key=key), point,
                           f"{family} model `{stmt.name.name}`")


INIT_FILE = "init_file"
"""Where `init = file("net0.npz")` puts the file it read among a model's values (`init` keeps its law's default)."""
INIT_DRAWN = ("init", "seed", "init_scales", "output_init", "bias_init", "features")
"""Settings about drawing the initial weights, which a model initialised from a file does not do (`init` itself is
among a file model's values only when a categorical sweep sets it)."""


def _init_file(node: ast.Call, spec_path: str) -> ir.WeightsFile:
    """`init = file("net0.npz")`: the file's arrays (their shapes are checked against the model's parameters in
    :func:`shaped_model`, at every sweep point)."""
    from mlc.compiler.datafiles import FileProblem, init_file

    args = node.args
    if len(args) != 1 or not isinstance(args[0], ast.StringLit):
        raise msg.fail(msg.write_as('init = file("net0.npz")', node.span))
    try:
        return init_file(args[0].value, spec_path)
    except FileProblem as problem:
        raise msg.fail(msg.file_unusable(problem.message, args[0].span, problem.help)) from None


def _check_init_file(file: ir.WeightsFile, model: ir.Model, values: Mapping[str, Any],
                     seen: Mapping[str, ast.Setting], stmt: ast.ModelStmt, dist: ir.InputDist) -> None:
    """A model initialised from a file draws nothing (E301 on a drawing setting), and the file holds exactly the
    family's parameters at the model's shapes (E302 naming the file and the mismatch)."""
    from mlc.compiler.datafiles import init_mismatch

    drawn = [key for key in INIT_DRAWN if key in values] + (["init_scale"] if model.init_scale != 1.0 else [])
    if drawn:
        key = drawn[0]
        raise msg.fail(msg.init_file_draws_nothing(key, file.path, seen[key].key.span if key in seen else stmt.span))
    shapes = families.get(model.family).param_shapes(model, dist.dim)
    if not shapes:
        raise msg.fail(msg.family_rule(f"a {model.family} model cannot be initialised from a file",
                                       seen["init"].value.span, "remove `init = file(...)`"))
    problem = init_mismatch(file, shapes)
    if problem is not None:
        raise msg.fail(msg.file_shape_mismatch(problem.path, problem.has, problem.needs, seen["init"].value.span))
