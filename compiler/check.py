"""Semantic checking: AST -> resolved sections of the IR, for one assignment of the swept values.

Input:  a parsed :class:`~mlc.dsl.ast.Spec`.
Output: a :class:`Checker` that knows the spec's statements and, through :meth:`Checker.resolve`, turns one
        point of the sweep (name bindings + slot overrides + seed) into IR objects (InputDist, Target,
        Space, Data, Models, Trains, Report). Problems become diagnostics (E1xx names, E2xx types and
        ranges, E3xx combinations), several per run.
Role:   everything about *meaning*: which names exist, what each setting means and which values are valid,
        and which combinations make no sense (a path-norm penalty on random features, a depth on
        ``two_layer``, ``x[25]`` when d = 20). Sweep expansion lives in :mod:`mlc.compiler.sweep`.

Every setting is described once, in :data:`MODEL_KEYS`, :data:`TRAIN_KEYS` and :data:`DATA_KEYS`, with its
type and range; the reference in docs/language.md follows these tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mlc.compiler import ir, metrics
from mlc.compiler.evaluate import Number, evaluate
from mlc.compiler.formula import build_formula
from mlc.dsl import ast
from mlc.dsl.diagnostics import Diagnostic, SpecErrors, Span, suggestion_help
from mlc.dsl.formatter import format_expr

FAMILIES = ("random_features", "two_layer", "resnet", "deep")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
SCALINGS = ("standard", "ntk", "mean_field")
LOSSES = ("mse", "half_mse", "logistic")
PENALTIES = ("none", "path_norm", "weighted_path_norm", "rkhs_norm", "weight_decay")
OPTIMIZERS = ("gd", "sgd", "adam")
SOLVES = ("gd", "min_norm", "ridge", "gd_exact")
SPACES = ("barron", "rkhs", "flow", "multilayer")
DISTRIBUTIONS = ("uniform", "gaussian", "grid")
DOMAINS = ("cube", "sphere", "ball")
METRICS = metrics.recordable()  # the registry decides; the checker only reads it


@dataclass(frozen=True)
class KeySpec:
    """One setting: its kind ('int', 'float', 'enum', 'bool', 'ints'), range and default."""

    kind: str
    default: Any = None
    minimum: float | None = None
    exclusive_min: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""


MODEL_KEYS: dict[str, KeySpec] = {
    "width": KeySpec("int", None, 1, doc="hidden width m"),
    "depth": KeySpec("int", None, 1, doc="blocks (resnet) or hidden layers (deep)"),
    "widths": KeySpec("ints", None, 1, doc="hidden widths of a deep net"),
    "state_width": KeySpec("int", None, 1, doc="ResNet state dimension D (default d + 1)"),
    "activation": KeySpec("enum", "relu", choices=ACTIVATIONS),
    "scaling": KeySpec("enum", "standard", choices=SCALINGS),
    "init_scale": KeySpec("float", 1.0, 0, exclusive_min=True),
    "bias": KeySpec("bool", True),
}
FAMILY_KEYS: dict[str, tuple[str, ...]] = {
    "random_features": ("width", "activation", "scaling", "init_scale", "bias"),
    "two_layer": ("width", "activation", "scaling", "init_scale", "bias"),
    "resnet": ("width", "depth", "state_width", "activation", "scaling", "init_scale", "bias"),
    "deep": ("width", "depth", "widths", "activation", "scaling", "init_scale", "bias"),
}
DEFAULT_DEPTH = {"random_features": 1, "two_layer": 1, "resnet": 8, "deep": 2}

TRAIN_KEYS: dict[str, KeySpec] = {
    "loss": KeySpec("loss", "mse"),
    "penalty": KeySpec("penalty", "none"),
    "optimizer": KeySpec("optimizer", "gd"),
    "steps": KeySpec("int", 1000, 1),
    "max_steps": KeySpec("int", None, 1),
    "solve": KeySpec("enum", "gd", choices=SOLVES),
    "record": KeySpec("record", None),
}
OPTIMIZER_KEYS: dict[str, dict[str, KeySpec]] = {
    "gd": {"lr": KeySpec("float", 0.1, 0, exclusive_min=True),
           "momentum": KeySpec("float", 0.0, 0, maximum=1)},
    "sgd": {"lr": KeySpec("float", 0.1, 0, exclusive_min=True), "batch": KeySpec("int", 32, 1),
            "momentum": KeySpec("float", 0.0, 0, maximum=1)},
    "adam": {"lr": KeySpec("float", 1e-3, 0, exclusive_min=True), "betas": KeySpec("betas", (0.9, 0.999))},
}
DATA_KEYS: dict[str, KeySpec] = {
    "n": KeySpec("int", 1000, 1, doc="training samples"),
    "n_test": KeySpec("int", 4000, 1, doc="test samples"),
    "noise": KeySpec("float", 0.0, 0, doc="std of Gaussian label noise"),
}
REPORT_KEYS: dict[str, KeySpec] = {
    "delta": KeySpec("float", 0.05, 0, exclusive_min=True, maximum=1),
}

# Keys a sweep may set without naming a `let` constant. Each maps to the sections that hold it.
SWEEPABLE_SLOTS = {
    "data": ("n", "n_test", "noise"),
    "model": ("width", "depth", "state_width", "init_scale"),
    "optimizer": ("lr", "batch", "momentum"),
    "penalty": ("lambda",),
    "train": ("steps", "max_steps"),
}
INTEGER_SLOTS = {"n", "n_test", "width", "depth", "state_width", "batch", "steps", "max_steps"}


def _fail(code: str, message: str, span: Span | None, help: str | None = None) -> SpecErrors:
    return SpecErrors([Diagnostic(code, message, span, help=help)])


class _Collector:
    """Runs independent checks and keeps every error, so one run reports all problems of a section."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(self, errors: SpecErrors) -> None:
        self.diagnostics.extend(errors.diagnostics)

    def run(self, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except SpecErrors as errors:
            self.add(errors)
            return None

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise SpecErrors(self.diagnostics)


@dataclass
class Point:
    """One point of the sweep: bindings of names, overrides of slots ("model:net.width"), and the seed."""

    bindings: dict[str, Number] = field(default_factory=dict)
    overrides: dict[str, float] = field(default_factory=dict)
    seed: int = 0


@dataclass
class Resolved:
    input: ir.InputDist
    target: ir.Target
    space: ir.Space
    data: ir.Data
    models: list[ir.Model]
    trains: dict[str, ir.Train]
    report: ir.Report


class Checker:
    """Statement-level analysis of a spec. Construct it, then call :meth:`resolve` for each sweep point."""

    def __init__(self, spec: ast.Spec):
        self.spec = spec
        self.diagnostics: list[Diagnostic] = []
        self.problem: ast.ProblemStmt | None = None
        self.lets: dict[str, ast.LetStmt] = {}
        self.input: ast.InputStmt | None = None
        self.target: ast.TargetStmt | None = None
        self.space: ast.SpaceStmt | None = None
        self.data: ast.DataStmt | None = None
        self.models: dict[str, ast.ModelStmt] = {}
        self.trains: dict[str | None, ast.TrainStmt] = {}
        self.sweeps: list[ast.SweepStmt] = []
        self.report: ast.ReportStmt | None = None
        self._collect()

    # ------------------------------------------------------------------ collection

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              severity: str = "error") -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help=help, severity=severity))

    def _single(self, attr: str, stmt, keyword: str) -> None:
        previous = getattr(self, attr)
        if previous is not None:
            self.error("E102", f"a second `{keyword}` statement", stmt.span,
                       help=f"the first is at line {previous.span.line}; a spec has one `{keyword}`")
            return
        setattr(self, attr, stmt)

    def _collect(self) -> None:
        for stmt in self.spec.statements:
            if isinstance(stmt, ast.ProblemStmt):
                self._single("problem", stmt, "problem")
            elif isinstance(stmt, ast.LetStmt):
                if stmt.name.name in self.lets:
                    self.error("E102", f"`{stmt.name.name}` is defined twice", stmt.name.span,
                               help=f"the first definition is at line {self.lets[stmt.name.name].span.line}")
                else:
                    self.lets[stmt.name.name] = stmt
            elif isinstance(stmt, ast.InputStmt):
                self._single("input", stmt, "input")
            elif isinstance(stmt, ast.TargetStmt):
                self._single("target", stmt, "target")
            elif isinstance(stmt, ast.SpaceStmt):
                self._single("space", stmt, "space")
            elif isinstance(stmt, ast.DataStmt):
                self._single("data", stmt, "data")
            elif isinstance(stmt, ast.ModelStmt):
                if stmt.name.name in self.models:
                    self.error("E102", f"a second model named `{stmt.name.name}`", stmt.name.span,
                               help="give each model its own name: `model rf = random_features(...)`")
                else:
                    self.models[stmt.name.name] = stmt
            elif isinstance(stmt, ast.TrainStmt):
                key = stmt.model.name if stmt.model else None
                if key in self.trains:
                    self.error("E102", "a second `train` block for " + (f"`{key}`" if key else "all models"),
                               stmt.span)
                else:
                    self.trains[key] = stmt
            elif isinstance(stmt, ast.SweepStmt):
                self.sweeps.append(stmt)
            elif isinstance(stmt, ast.ReportStmt):
                self._single("report", stmt, "report")
        end = self._end_span()
        if self.input is None:
            self.error("E103", "the spec has no `input` statement", end,
                       help="add e.g. `input x ~ uniform(cube(d))`")
        if self.target is None:
            self.error("E103", "the spec has no `target` statement", end,
                       help="add e.g. `target f*(x) = relu(x[1])`")
        if not self.models:
            self.error("E103", "the spec has no `model` statement", end,
                       help="add e.g. `model net = two_layer(width = 64)`")
        for name, train in self.trains.items():
            if name is not None and name not in self.models:
                self.error("E101", f"`train {name}` names no model", train.model.span,
                           help=suggestion_help(name, self.models, "models"))

    def _end_span(self) -> Span:
        text = self.spec.source
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
        return Span.point(line, column, len(text))

    @property
    def problem_name(self) -> str:
        if self.problem is not None:
            return self.problem.name.name
        import os

        base = os.path.basename(self.spec.path)
        return base[:-3] if base.endswith(".ml") else (base or "problem")

    # ------------------------------------------------------------------ constants

    def environment(self, point: Point) -> dict[str, Number]:
        """The constants in scope: lets in order (each may use earlier ones), swept names override."""
        env: dict[str, Number] = {}
        for name, stmt in self.lets.items():
            if name in point.bindings:
                env[name] = point.bindings[name]
                continue
            if isinstance(stmt.value, (ast.RangeLit, ast.Every)):
                raise _fail("E201", f"`let {name}` must be a number or a vector", stmt.value.span,
                            help="put ranges of values in a `sweep` block")
            env[name] = evaluate(stmt.value, env)
        for name, value in point.bindings.items():
            env.setdefault(name, value)
        return env

    # ------------------------------------------------------------------ typed values

    def value_of(self, spec: KeySpec, key: str, node: ast.Value, env: Mapping[str, Number],
                 slot: str | None, point: Point, owner: str) -> Any:
        """Evaluate one setting against its KeySpec (type and range)."""
        if slot is not None and slot in point.overrides:
            raw: Any = point.overrides[slot]
            span = node.span
            return self._check_number(spec, key, raw, span, owner, from_sweep=True)
        if spec.kind in ("int", "float"):
            if isinstance(node, (ast.RangeLit, ast.Every)):
                raise _fail("E201", f"`{key}` takes one number", node.span,
                            help="to try several values, list them in a `sweep` block")
            value = evaluate(node, env)
            if isinstance(value, tuple):
                raise _fail("E201", f"`{key}` takes a number, not a vector", node.span)
            return self._check_number(spec, key, value, node.span, owner)
        if spec.kind == "ints":
            value = evaluate(node, env) if not isinstance(node, (ast.RangeLit, ast.Every)) else None
            if not isinstance(value, tuple) or not value:
                raise _fail("E201", f"`{key}` takes a list of integers, e.g. `[200, 200, 100]`", node.span)
            return tuple(self._check_number(KeySpec("int", minimum=1), key, v, node.span, owner)
                         for v in value)
        if spec.kind == "enum":
            return self.enum_of(node, spec.choices, key)
        if spec.kind == "bool":
            if isinstance(node, ast.Name) and node.id in ("true", "false"):
                return node.id == "true"
            raise _fail("E201", f"`{key}` is `true` or `false`", node.span)
        raise AssertionError(spec.kind)

    def _check_number(self, spec: KeySpec, key: str, value: float, span: Span, owner: str,
                      from_sweep: bool = False) -> float | int:
        origin = " (from the sweep)" if from_sweep else ""
        if math.isnan(value) or math.isinf(value):
            raise _fail("E202", f"`{key}` must be finite, not {value}{origin}", span)
        if spec.kind == "int":
            if value != int(value):
                raise _fail("E201", f"`{key}` must be an integer, not {value:g}{origin}", span,
                            help=f"{owner}: {key} counts something, so write a whole number")
            value = int(value)
        low, high = spec.minimum, spec.maximum
        if low is not None and (value < low or (spec.exclusive_min and value == low)):
            relation = ">" if spec.exclusive_min else "≥"
            raise _fail("E202", f"`{key}` must be {relation} {low:g}; it is {value:g}{origin}", span,
                        help=f"{owner}: {key} {relation} {low:g}")
        if high is not None and value > high:
            raise _fail("E202", f"`{key}` must be ≤ {high:g}; it is {value:g}{origin}", span)
        return value

    def enum_of(self, node: ast.Value, choices: tuple[str, ...], key: str) -> str:
        if isinstance(node, ast.Name):
            if node.id in choices:
                return node.id
            raise _fail("E101", f"unknown {key} `{node.id}`", node.span,
                        help=suggestion_help(node.id, choices, f"valid values of {key}"))
        raise _fail("E201", f"`{key}` takes one of: {', '.join(choices)}", node.span)

    # ------------------------------------------------------------------ sections

    def input_dist(self, env: Mapping[str, Number]) -> ir.InputDist:
        stmt = self.input
        node = stmt.distribution
        if not isinstance(node, ast.Call) or node.func.name not in DISTRIBUTIONS + DOMAINS:
            name = node.func.name if isinstance(node, ast.Call) else getattr(node, "id", "")
            raise _fail("E101", f"unknown input distribution `{name}`" if name else
                        "expected an input distribution", node.span,
                        help="write `uniform(cube(d))`, `uniform(sphere(d))`, `uniform(ball(d))`, "
                             "`gaussian(d, std = 1)` or `grid(-1, 1, points = 101)`")
        kind = node.func.name
        if kind in DOMAINS:
            raise _fail("E201", f"`{kind}(...)` is a domain; say how x is drawn from it", node.span,
                        help=f"write `uniform({kind}(...))`")
        if kind == "uniform":
            args = node.positional
            inner = args[0] if len(args) == 1 else None
            if not isinstance(inner, ast.Call) or inner.func.name not in DOMAINS or node.keywords:
                raise _fail("E201", "`uniform` takes a domain: `cube(d)`, `sphere(d)` or `ball(d)`",
                            node.span)
            if len(inner.positional) != 1 or inner.keywords:
                raise _fail("E201", f"`{inner.func.name}` takes the dimension: `{inner.func.name}(d)`",
                            inner.span)
            dim = self._dimension(inner.positional[0], env)
            return ir.InputDist(kind=inner.func.name, dim=dim)
        if kind == "gaussian":
            args = node.positional
            if len(args) != 1:
                raise _fail("E201", "write `gaussian(d, std = s)`", node.span)
            dim = self._dimension(args[0], env)
            std = 1.0
            for kw in node.keywords:
                value = evaluate(kw.value, env) if not isinstance(kw.value, (ast.RangeLit, ast.Every)) else None
                if kw.key.name == "std":
                    std = value
                elif kw.key.name == "var":
                    std = math.sqrt(value) if isinstance(value, float) and value > 0 else value
                else:
                    raise _fail("E101", f"unknown argument `{kw.key.name}` of gaussian", kw.key.span,
                                help=suggestion_help(kw.key.name, ("std", "var")))
                if not isinstance(std, (int, float)) or std <= 0:
                    raise _fail("E202", "the standard deviation must be > 0", kw.value.span)
            return ir.InputDist(kind="gaussian", dim=dim, std=float(std))
        # grid
        args = node.positional
        if len(args) != 2:
            raise _fail("E201", "write `grid(low, high, points = k)`", node.span)
        low = evaluate(args[0], env)
        high = evaluate(args[1], env)
        points = 101
        for kw in node.keywords:
            if kw.key.name != "points":
                raise _fail("E101", f"unknown argument `{kw.key.name}` of grid", kw.key.span,
                            help=suggestion_help(kw.key.name, ("points",)))
            points = self._check_number(KeySpec("int", minimum=2), "points", evaluate(kw.value, env),
                                        kw.value.span, "grid")
        if not isinstance(low, float) or not isinstance(high, float) or not low < high:
            raise _fail("E202", "a grid needs low < high", node.span)
        return ir.InputDist(kind="grid", dim=1, low=low, high=high, points=int(points))

    def _dimension(self, node: ast.Expr, env: Mapping[str, Number]) -> int:
        value = evaluate(node, env)
        if isinstance(value, tuple):
            raise _fail("E201", "the dimension is a number", node.span)
        return int(self._check_number(KeySpec("int", minimum=1), "d", value, node.span, "input"))

    def target_ir(self, env: Mapping[str, Number], dist: ir.InputDist) -> ir.Target:
        stmt = self.target
        input_name = self.input.var.name if self.input else "x"
        if isinstance(stmt.rhs, ast.Teacher):
            call = stmt.rhs.call
            if call.func.name != "two_layer":
                raise _fail("E101", f"unknown teacher family `{call.func.name}`", call.func.span,
                            help="teachers are `two_layer(width = k, activation = relu, seed = s)`")
            values: dict[str, Any] = {}
            specs = {"width": KeySpec("int", None, 1), "activation": KeySpec("enum", "relu", choices=ACTIVATIONS),
                     "bias": KeySpec("bool", False), "seed": KeySpec("int", 0, 0)}
            for arg in call.positional:
                raise _fail("E201", "teacher settings are named: `width = 10`", arg.span)
            for kw in call.keywords:
                if kw.key.name not in specs:
                    raise _fail("E101", f"unknown teacher setting `{kw.key.name}`", kw.key.span,
                                help=suggestion_help(kw.key.name, specs))
                values[kw.key.name] = self.value_of(specs[kw.key.name], kw.key.name, kw.value, env, None,
                                                    Point(), "teacher")
            if "width" not in values:
                raise _fail("E103", "a teacher needs a width", call.span, help="write `width = 10`")
            return ir.TeacherTarget(**values)
        if stmt.param is not None and stmt.param.name != input_name:
            raise _fail("E101", f"the target's argument `{stmt.param.name}` is not the input variable "
                                f"`{input_name}`", stmt.param.span,
                        help=f"write `target f*({input_name}) = ...`")
        expr = build_formula(stmt.rhs, input_name, dist.dim, env)
        return ir.FormulaTarget(expr=expr)

    def space_ir(self, env: Mapping[str, Number]) -> ir.Space:
        if self.space is None:
            return ir.Space(kind="barron")
        node = self.space.space
        name_node = node.func if isinstance(node, ast.Call) else node
        name = getattr(name_node, "name", None) or getattr(name_node, "id", None)
        if name not in SPACES:
            raise _fail("E101", f"unknown function space `{name}`" if name else "expected a space name",
                        node.span, help=suggestion_help(name or "", SPACES, "spaces"))
        depth = None
        bound = None
        if isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, ast.Compare) and isinstance(arg.left, ast.Name) and arg.left.id == "norm":
                    if arg.op not in ("<=", "<"):
                        raise _fail("E201", "declare an upper bound: `norm <= Q`", arg.span)
                    bound = evaluate(arg.right, env)
                    if isinstance(bound, tuple) or bound <= 0:
                        raise _fail("E202", "a declared norm bound must be a number > 0", arg.right.span)
                elif isinstance(arg, ast.KwArg) and arg.key.name in ("L", "depth") and name == "multilayer":
                    depth = self._check_number(KeySpec("int", minimum=1), "L", evaluate(arg.value, env),
                                               arg.value.span, "multilayer")
                elif name == "multilayer" and not isinstance(arg, (ast.KwArg, ast.Bind)) and depth is None:
                    depth = self._check_number(KeySpec("int", minimum=1), "L", evaluate(arg, env),
                                               arg.span, "multilayer")
                else:
                    raise _fail("E201", f"unexpected argument of `{name}`", arg.span,
                                help=f"write `{name}(norm <= Q)`" +
                                     (" or `multilayer(3, norm <= Q)`" if name == "multilayer" else ""))
        if name == "multilayer" and depth is None:
            raise _fail("E103", "`multilayer` needs its depth L", node.span, help="write `multilayer(3)`")
        return ir.Space(kind=name, depth=depth, norm_bound=bound)

    def data_ir(self, env: Mapping[str, Number], point: Point, dist: ir.InputDist) -> ir.Data:
        values = {k: s.default for k, s in DATA_KEYS.items()}
        items = self.data.block.items if self.data else ()
        for item in items:
            if isinstance(item, ast.Until):
                raise _fail("E201", "`until` belongs in a `train` block", item.span)
            key = item.key.name
            if key not in DATA_KEYS:
                raise _fail("E101", f"unknown data setting `{key}`", item.key.span,
                            help=suggestion_help(key, DATA_KEYS, "data settings"))
            if key == "n" and dist.kind == "grid":
                raise _fail("E301", "with a grid input, n is the number of grid points", item.span,
                            help="remove `n` and set `points` in `grid(...)`")
            values[key] = self.value_of(DATA_KEYS[key], key, item.value, env, f"data.{key}", point, "data")
        for key in DATA_KEYS:  # swept data slots that are not written in the block
            if f"data.{key}" in point.overrides and key not in {i.key.name for i in items if isinstance(i, ast.Setting)}:
                values[key] = self._check_number(DATA_KEYS[key], key, point.overrides[f"data.{key}"],
                                                 None, "data", from_sweep=True)
        if dist.kind == "grid":
            values["n"] = dist.points
        return ir.Data(n=values["n"], n_test=values["n_test"], noise=values["noise"])

    def model_ir(self, stmt: ast.ModelStmt, env: Mapping[str, Number], point: Point,
                 dist: ir.InputDist) -> ir.Model:
        family = stmt.family.name
        if family not in FAMILIES:
            raise _fail("E101", f"unknown model family `{family}`", stmt.family.span,
                        help=suggestion_help(family, FAMILIES, "families"))
        if stmt.positional:
            raise _fail("E201", "model settings are named, e.g. `width = 64`", stmt.positional[0].span)
        allowed = FAMILY_KEYS[family]
        values: dict[str, Any] = {}
        seen: dict[str, ast.Setting] = {}
        problems = _Collector()
        for setting in stmt.settings:
            problems.run(lambda: self._model_setting(setting, stmt, family, allowed, values, seen, env, point))
        problems.raise_if_any()
        for key in ("width", "depth", "state_width", "init_scale"):
            slot = f"model:{stmt.name.name}.{key}"
            if slot in point.overrides and key not in seen:
                values[key] = self._check_number(MODEL_KEYS[key], key, point.overrides[slot], stmt.span,
                                                 family, from_sweep=True)
        if family == "deep" and "widths" in values:
            widths = values["widths"]
            if "depth" in values and values["depth"] != len(widths):
                raise _fail("E301", f"depth = {values['depth']} but `widths` lists {len(widths)} layers",
                            seen["depth"].span, help="remove `depth`; it follows from `widths`")
            if "width" in values:
                raise _fail("E301", "give either `width` (with `depth`) or `widths`", seen["width"].span)
            values["depth"] = len(widths)
            values["width"] = widths[0]
        if "width" not in values:
            raise _fail("E103", f"the {family} model `{stmt.name.name}` needs a width", stmt.span,
                        help="add `width = 64`, or sweep it: `sweep { width = [16, 64, 256] }`")
        depth = values.get("depth", DEFAULT_DEPTH[family])
        widths = values.get("widths") or ((values["width"],) * depth if family == "deep" else ())
        return ir.Model(
            name=stmt.name.name, family=family, width=values["width"], depth=depth, widths=tuple(widths),
            state_width=values.get("state_width", dist.dim + 1) if family == "resnet" else None,
            activation=values.get("activation", "relu"), scaling=values.get("scaling", "standard"),
            init_scale=float(values.get("init_scale", 1.0)), bias=values.get("bias", True),
        )

    def _model_setting(self, setting: ast.Setting, stmt: ast.ModelStmt, family: str, allowed: tuple[str, ...],
                       values: dict[str, Any], seen: dict[str, ast.Setting], env, point: Point) -> None:
        key = setting.key.name
        if key in seen:
            raise _fail("E102", f"`{key}` is set twice", setting.key.span)
        seen[key] = setting
        if key not in MODEL_KEYS:
            raise _fail("E101", f"unknown setting `{key}` in a {family} model", setting.key.span,
                        help=suggestion_help(key, allowed, f"{family} settings"))
        if key not in allowed:
            help = {"depth": "a two-layer net has one hidden layer; for more use `deep` or `resnet`",
                    "widths": "`widths` lists the hidden layers of a `deep` model"}.get(key)
            raise _fail("E301", f"`{key}` does not apply to a {family} model", setting.key.span,
                        help=help or f"{family} settings: {', '.join(allowed)}")
        slot = f"model:{stmt.name.name}.{key}"
        values[key] = self.value_of(MODEL_KEYS[key], key, setting.value, env, slot, point,
                                    f"{family} model `{stmt.name.name}`")

    def train_ir(self, model: ir.Model, env: Mapping[str, Number], point: Point,
                 data: ir.Data) -> ir.Train:
        blocks = [b for b in (self.trains.get(None), self.trains.get(model.name)) if b is not None]
        items: dict[str, ast.Setting] = {}
        until: ast.Until | None = None
        for block in blocks:  # the named block overrides the shared one, key by key
            for item in block.block.items:
                if isinstance(item, ast.Until):
                    until = item
                else:
                    items[item.key.name] = item
        owner = f"training of `{model.name}`"
        prefix = f"train:{model.name}"
        problems = _Collector()
        for key, item in items.items():
            if key not in TRAIN_KEYS:
                problems.add(_fail("E101", f"unknown train setting `{key}`", item.key.span,
                             help=suggestion_help(key, TRAIN_KEYS, "train settings")
                             if key not in ("lr", "lambda", "batch") else
                             f"`{key}` goes inside the " + ("optimizer: `optimizer = gd(lr = 0.1)`"
                                                           if key in ("lr", "batch") else
                                                           "penalty: `penalty = path_norm(lambda = 0.1)`")))
        loss = problems.run(lambda: self._loss(items.get("loss"))) or "mse"
        penalty = problems.run(lambda: self._penalty(items.get("penalty"), model, env, point, prefix, loss))
        optimizer = problems.run(lambda: self._optimizer(items.get("optimizer"), env, point, prefix, data))
        record = problems.run(lambda: self._record(items.get("record"), env, model))
        solve_item = items.get("solve")
        solve = problems.run(lambda: self.enum_of(solve_item.value, SOLVES, "solve")) if solve_item else "gd"
        problems.raise_if_any()
        steps_spec = TRAIN_KEYS["steps"]
        steps = (self.value_of(steps_spec, "steps", items["steps"].value, env, f"{prefix}.steps", point, owner)
                 if "steps" in items else self._override_or(point, f"{prefix}.steps", steps_spec, "steps", None))
        max_steps = (self.value_of(TRAIN_KEYS["max_steps"], "max_steps", items["max_steps"].value, env,
                                   f"{prefix}.max_steps", point, owner)
                     if "max_steps" in items else
                     self._override_or(point, f"{prefix}.max_steps", TRAIN_KEYS["max_steps"], "max_steps", None))
        stop = None
        if until is not None:
            stop = self._stop_rule(until, env)
            if steps is not None and max_steps is not None:
                raise _fail("E301", "give `max_steps` or `steps`, not both", items["max_steps"].span)
            steps = max_steps or steps or 100_000
        elif max_steps is not None:
            if steps is not None:
                raise _fail("E301", "`max_steps` without `until` is just `steps`; give one of them",
                            items["max_steps"].span)
            steps = max_steps
        if steps is None:
            steps = TRAIN_KEYS["steps"].default
        if solve != "gd" and model.family != "random_features":
            raise _fail("E301", f"`solve = {solve}` needs a random_features model; `{model.name}` is "
                                f"{model.family}", items["solve"].span,
                        help="closed forms exist only for the linear (random feature) model")
        if solve == "ridge" and penalty.kind != "rkhs_norm" and penalty.kind != "weight_decay":
            raise _fail("E301", "`solve = ridge` needs a ridge penalty", items["solve"].span,
                        help="add `penalty = rkhs_norm(lambda = 1e-3)` or weight_decay")
        if stop is not None and stop.metric not in metrics.stoppable():
            raise _fail("E101", f"cannot stop on `{stop.metric}`", until.span,
                        help=f"stop rules use {', '.join(metrics.stoppable()[:-1])} or {metrics.stoppable()[-1]}")
        return ir.Train(model=model.name, loss=loss, penalty=penalty, optimizer=optimizer, steps=int(steps),
                        stop=stop, solve=solve, record=record)

    def _override_or(self, point: Point, slot: str, spec: KeySpec, key: str, default):
        if slot in point.overrides:
            return self._check_number(spec, key, point.overrides[slot], None, "train", from_sweep=True)
        return default

    def _loss(self, item: ast.Setting | None) -> str:
        if item is None:
            return "mse"
        node = item.value
        if isinstance(node, ast.BinOp) and node.op == "/" and isinstance(node.left, ast.Name) \
                and node.left.id == "mse" and isinstance(node.right, ast.Number) and node.right.value == 2:
            return "half_mse"
        return self.enum_of(node, LOSSES, "loss")

    def _call_parts(self, node: ast.Value, key: str, choices: tuple[str, ...]) -> tuple[str, list[ast.KwArg]]:
        if isinstance(node, ast.Name):
            name, kwargs = node.id, []
            span = node.span
        elif isinstance(node, ast.Call):
            name, kwargs, span = node.func.name, node.keywords, node.func.span
            for arg in node.args:
                if not isinstance(arg, ast.KwArg):
                    raise _fail("E201", f"arguments of `{name}` are named, e.g. `{name}(lr = 0.1)`", arg.span)
        else:
            raise _fail("E201", f"`{key}` takes one of: {', '.join(choices)}", node.span)
        if name not in choices:
            raise _fail("E101", f"unknown {key} `{name}`", span,
                        help=suggestion_help(name, choices, f"{key}s"))
        return name, kwargs

    def _penalty(self, item: ast.Setting | None, model: ir.Model, env, point: Point, prefix: str,
                 loss: str = "mse") -> ir.Penalty:
        if item is None:
            return ir.Penalty()
        kind, kwargs = self._call_parts(item.value, "penalty", PENALTIES)
        family_rules = {
            "path_norm": (("two_layer",), "the path norm is defined for two-layer nets; for random "
                                          "features use `rkhs_norm`, for ResNets `weighted_path_norm`"),
            "rkhs_norm": (("random_features",), "the RKHS norm is the norm of the random feature model"),
            "weighted_path_norm": (("resnet",), "the weighted path norm is defined for ResNets"),
        }
        if kind in family_rules and model.family not in family_rules[kind][0]:
            raise _fail("E301", f"a `{kind}` penalty on a {model.family} model makes no sense", item.value.span,
                        help=family_rules[kind][1])
        if kind == "none":
            if kwargs:
                raise _fail("E201", "`none` takes no arguments", kwargs[0].span)
            return ir.Penalty()
        lam, auto = None, False
        for kw in kwargs:
            if kw.key.name != "lambda":
                raise _fail("E101", f"unknown argument `{kw.key.name}` of {kind}", kw.key.span,
                            help=suggestion_help(kw.key.name, ("lambda",)))
            if isinstance(kw.value, ast.Name) and kw.value.id == "auto":
                if kind != "path_norm":
                    raise _fail("E301", "`lambda = auto` is defined only for path_norm (T5's choice, λ = 4 on MSE/2)",
                                kw.value.span, help="give lambda a number")
                auto = True
            else:
                lam = self.value_of(KeySpec("float", minimum=0), "lambda", kw.value, env,
                                    f"{prefix}.lambda", point, kind)
        if f"{prefix}.lambda" in point.overrides and lam is None and not auto:
            lam = self._check_number(KeySpec("float", minimum=0), "lambda", point.overrides[f"{prefix}.lambda"],
                                     item.span, kind, from_sweep=True)
        if lam is None and not auto:
            if kind == "path_norm":
                auto = True
            else:
                raise _fail("E103", f"`{kind}` needs a lambda", item.value.span,
                            help=f"write `{kind}(lambda = 1e-3)`")
        # T5 states its objective as MSE/2 + λ ε_n ‖θ‖_P with λ = 4. With the loss `mse` the same objective,
        # doubled, is MSE + 8 ε_n ‖θ‖_P, so `auto` resolves to 8 there.
        auto_lambda = 4.0 if loss == "half_mse" else 8.0
        return ir.Penalty(kind=kind, lam=auto_lambda if auto else float(lam), auto=auto)

    def _optimizer(self, item: ast.Setting | None, env, point: Point, prefix: str, data: ir.Data) -> ir.Optimizer:
        kind, kwargs = ("gd", []) if item is None else self._call_parts(item.value, "optimizer", OPTIMIZERS)
        specs = OPTIMIZER_KEYS[kind]
        values: dict[str, Any] = {}
        for kw in kwargs:
            key = kw.key.name
            if key not in specs:
                other = [k for k, s in OPTIMIZER_KEYS.items() if key in s]
                help = (f"`{key}` belongs to {', '.join(other)}: e.g. `{other[0]}({key} = ...)`" if other
                        else suggestion_help(key, specs, f"{kind} settings"))
                raise _fail("E301" if other else "E101", f"`{kind}` has no setting `{key}`", kw.key.span,
                            help=help)
            if specs[key].kind == "betas":
                values[key] = self._betas(kw.value, env)
            else:
                values[key] = self.value_of(specs[key], key, kw.value, env, f"{prefix}.{key}", point, kind)
        for key, spec in specs.items():
            if key not in values:
                slot = f"{prefix}.{key}"
                if slot in point.overrides:
                    values[key] = self._check_number(spec, key, point.overrides[slot],
                                                     item.span if item else None, kind, from_sweep=True)
                else:
                    values[key] = spec.default
        if kind == "sgd" and values["batch"] > data.n:
            raise _fail("E202", f"the batch ({values['batch']}) is larger than n = {data.n}",
                        item.span if item else None, help="use gd for full-batch training")
        return ir.Optimizer(kind=kind, lr=float(values["lr"]), batch=values.get("batch"),
                            betas=values.get("betas", (0.9, 0.999)), momentum=float(values.get("momentum", 0.0)))

    def _betas(self, node: ast.Value, env) -> tuple[float, float]:
        value = evaluate(node, env) if not isinstance(node, (ast.RangeLit, ast.Every)) else None
        if not isinstance(value, tuple) or len(value) != 2:
            raise _fail("E201", "`betas` is a pair: `betas = [0.9, 0.999]`", node.span)
        if not all(0 <= b < 1 for b in value):
            raise _fail("E202", "each beta must be in [0, 1)", node.span)
        return (float(value[0]), float(value[1]))

    def _stop_rule(self, until: ast.Until, env) -> ir.StopRule:
        cond = until.condition
        if not isinstance(cond, ast.Compare) or cond.op not in ("<", "<=") or not isinstance(cond.left, ast.Name):
            raise _fail("E201", "write a stopping rule as `until train_error < 1e-6`", until.span)
        threshold = evaluate(cond.right, env)
        if isinstance(threshold, tuple) or threshold <= 0:
            raise _fail("E202", "the threshold must be a number > 0", cond.right.span)
        return ir.StopRule(metric=cond.left.id, threshold=float(threshold))

    def _record(self, item: ast.Setting | None, env, model: ir.Model) -> ir.Record:
        if item is None:
            return ir.Record()
        node = item.value
        if not isinstance(node, ast.Every):
            raise _fail("E201", "write `record = every 100: train_error, test_error`", node.span)
        every = self._check_number(KeySpec("int", minimum=1), "every", evaluate(node.interval, env),
                                   node.interval.span, "record")
        names = []
        for metric in node.metrics:
            if metric.name not in METRICS:
                raise _fail("E101", f"unknown metric `{metric.name}`", metric.span,
                            help=suggestion_help(metric.name, METRICS, "metrics"))
            self._check_metric_applies(metric, model)
            names.append(metric.name)
        return ir.Record(every=int(every), metrics=tuple(names))

    def _check_metric_applies(self, metric: ast.Ident, model: ir.Model) -> None:
        entry = metrics.METRICS[metric.name]
        if not entry.applies_to(model.family):
            raise _fail("E301", f"`{metric.name}` is not defined for a {model.family} model", metric.span,
                        help=f"it is defined for: {', '.join(entry.families)}")
        if entry.needs_grid and self.input is not None:
            dist_node = self.input.distribution
            if not (isinstance(dist_node, ast.Call) and dist_node.func.name == "grid"):
                raise _fail("E301", "`spectrum` needs a 1-D grid input", metric.span,
                            help="write `input x ~ grid(-5, 5, points = 101)`")

    def report_ir(self, env: Mapping[str, Number], point: Point, swept: Mapping[str, Any],
                  data: ir.Data, dist: ir.InputDist) -> ir.Report:
        if self.report is None:
            return ir.Report(bounds=True, rates=tuple(k for k in swept if k != "seed"))
        bounds = False
        rates: list[str] = []
        plots: list[ir.Plot] = []
        marks: list[ir.Mark] = []
        delta = REPORT_KEYS["delta"].default
        # Marks may name the data sizes and the dimension (`mark m = n / (d + 1)`); lets take precedence.
        mark_env = {"n": float(data.n), "n_test": float(data.n_test), "d": float(dist.dim), **env}
        axes = set(swept) - {"seed"}
        for item in self.report.items:
            if isinstance(item, ast.ReportBounds):
                bounds = True
            elif isinstance(item, ast.ReportRates):
                for axis in item.axes:
                    if axis.name not in axes:
                        raise _fail("E303", f"`rates over {axis.name}`: `{axis.name}` is not swept",
                                    axis.span, help=suggestion_help(axis.name, axes, "swept axes")
                                    or "sweep it: `sweep { " + axis.name + " = [...] }`")
                    rates.append(axis.name)
            elif isinstance(item, ast.ReportPlot):
                if item.y.name not in METRICS:
                    raise _fail("E101", f"unknown metric `{item.y.name}`", item.y.span,
                                help=suggestion_help(item.y.name, METRICS, "metrics"))
                if item.x.name not in axes and item.x.name != "step":
                    raise _fail("E303", f"cannot plot against `{item.x.name}`: it is not swept",
                                item.x.span, help=suggestion_help(item.x.name, list(axes) + ["step"],
                                                                   "swept axes and `step`"))
                # A swept axis wins over the training step: `plot y vs steps` with `steps` swept.
                plots.append(ir.Plot(y=item.y.name, x=item.x.name,
                                     x_kind="axis" if item.x.name in axes else "step"))
            elif isinstance(item, ast.ReportMark):
                for mark in item.marks:
                    value = evaluate(mark.value, mark_env)
                    if isinstance(value, tuple):
                        raise _fail("E201", "a mark is one number", mark.value.span)
                    # The label is the canonical text of the expression, so that layout (`mlc fmt`)
                    # does not change the report, nor the spec hash.
                    marks.append(ir.Mark(axis=mark.axis.name, value=value,
                                         label=f"{mark.axis.name} = {format_expr(mark.value)}"))
            elif isinstance(item, ast.Setting):
                if item.key.name not in REPORT_KEYS:
                    raise _fail("E101", f"unknown report setting `{item.key.name}`", item.key.span,
                                help=suggestion_help(item.key.name, REPORT_KEYS, "report settings"))
                delta = self.value_of(REPORT_KEYS["delta"], "delta", item.value, env, None, point, "report")
        return ir.Report(bounds=bounds, rates=tuple(rates), plots=tuple(plots), marks=tuple(marks),
                         delta=float(delta))

    # ------------------------------------------------------------------ one point

    def resolve(self, point: Point, swept: Mapping[str, Any]) -> Resolved:
        """Resolve every section at one sweep point. Raises SpecErrors with all problems found."""
        errors: list[Diagnostic] = []

        def attempt(fn: Callable[[], Any]) -> Any:
            try:
                return fn()
            except SpecErrors as exc:
                errors.extend(exc.diagnostics)
                return None

        env = self.environment(point)
        dist = attempt(lambda: self.input_dist(env)) if self.input else None
        target = attempt(lambda: self.target_ir(env, dist)) if (self.target and dist) else None
        space = attempt(lambda: self.space_ir(env))
        data = attempt(lambda: self.data_ir(env, point, dist)) if dist else None
        models: list[ir.Model] = []
        trains: dict[str, ir.Train] = {}
        for stmt in self.models.values():
            model = attempt(lambda: self.model_ir(stmt, env, point, dist)) if dist else None
            if model is not None:
                models.append(model)
                if data is not None:
                    train = attempt(lambda: self.train_ir(model, env, point, data))
                    if train is not None:
                        trains[model.name] = train
        report = attempt(lambda: self.report_ir(env, point, swept, data, dist)) if (data and dist) else None
        if errors:
            raise SpecErrors(errors)
        return Resolved(dist, target, space, data, models, trains, report)
