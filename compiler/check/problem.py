"""The problem passes: `input`, `target` and `space` statements -> ir.InputDist, ir.Target, ir.Space.

Input:  the statements (``mlc.dsl.ast``) and the environment of constants.
Output: the IR of the problem's sections, or diagnostics.
Role:   what is learned, from what: the input distribution and its dimension, the target (a formula, built by
        :mod:`mlc.compiler.formula`, or a teacher network), and the function space with its declared norm.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from mlc.compiler import ir
from mlc.compiler import messages as msg
from mlc.compiler.check.tables import (COUNT, DATASETS, DISTRIBUTIONS, DOMAINS, GRID_POINTS, NORMALIZE_KEYS, SPACES,
                                       TEACHER_KEYS)
from mlc.compiler.check.values import Point, call_parts, check_number, scalar_of, value_of
from mlc.compiler.evaluate import Number, evaluate
from mlc.compiler.formula import build_formula
from mlc.dsl import ast

_DIST_FORMS = {"gaussian": "gaussian(d, std = s)", "grid": "grid(low, high, points = k)"}


def input_dist(stmt: ast.InputStmt, env: Mapping[str, Number], spec_path: str = "<string>") -> ir.InputDist:
    """`input x ~ uniform(cube(d))`, `gaussian(d, std = s)`, `grid(low, high, points = k)` or `file("x.npz")`
    (relative to the spec at ``spec_path``)."""
    node = stmt.distribution
    if not isinstance(node, ast.Call) or node.func.name not in DISTRIBUTIONS + DOMAINS:
        name = node.func.name if isinstance(node, ast.Call) else (node.id if isinstance(node, ast.Name) else "")
        raise msg.fail(msg.unknown_distribution(name, node.span))
    kind = node.func.name
    if kind in DOMAINS:
        raise msg.fail(msg.domain_without_distribution(kind, node.span))
    if kind == "uniform":
        args = node.positional
        inner = args[0] if len(args) == 1 else None
        if not isinstance(inner, ast.Call) or inner.func.name not in DOMAINS or node.keywords:
            raise msg.fail(msg.uniform_needs_domain(node.span))
        if len(inner.positional) != 1 or inner.keywords:
            raise msg.fail(msg.domain_takes_dimension(inner.func.name, inner.span))
        return ir.InputDist(kind=inner.func.name, dim=dimension(inner.positional[0], env))  # type: ignore[arg-type]
    if kind == "gaussian":
        return _gaussian(node, env)
    if kind == "file":
        return _file(node, env, spec_path)
    if kind in DATASETS:
        return _dataset(node, env)
    return _grid(node, env)


def _dataset(node: ast.Call, env: Mapping[str, Number]) -> ir.InputDist:
    """`digits(3, 8)`: the points of two classes of a packaged data set (from the table: nothing is loaded)."""
    from mlc.compiler.datasets import DataSetProblem, dataset_ref

    name = node.func.name
    form = f"{name}(3, 8)"
    if len(node.positional) != 2 or node.keywords:
        raise msg.fail(msg.write_as(form, node.span))
    classes = []
    for arg in node.positional:
        value = evaluate(arg, env)
        if not isinstance(value, float) or not value.is_integer():
            raise msg.fail(msg.write_as(form, arg.span))
        classes.append(int(value))
    try:
        ref = dataset_ref(name, (classes[0], classes[1]))
    except DataSetProblem as problem:
        raise msg.fail(msg.dataset_unusable(problem.message, node.span, problem.help)) from None
    return ir.InputDist(kind="dataset", dim=ref.columns, dataset=ref)


def _file(node: ast.Call, env: Mapping[str, Number], spec_path: str) -> ir.InputDist:
    """`file("train.npz")` or `file("train.csv", dim = d)`: the rows of a file, d checked when given."""
    from mlc.compiler.datafiles import FileProblem, input_file

    args = node.positional
    if len(args) != 1 or not isinstance(args[0], ast.StringLit):
        raise msg.fail(msg.write_as('file("train.npz")', node.span))
    dim: int | None = None
    for kw in node.keywords:
        if kw.key.name != "dim":
            raise msg.fail(msg.unknown_argument(kw.key.name, "file", kw.key.span, ("dim",)))
        dim = dimension(kw.value, env) if not isinstance(kw.value, (ast.RangeLit, ast.Every)) else None
    try:
        found = input_file(args[0].value, spec_path)
    except FileProblem as problem:
        raise msg.fail(msg.file_unusable(problem.message, args[0].span, problem.help)) from None
    if dim is not None and dim != found.columns:
        raise msg.fail(msg.file_shape_mismatch(found.path, f"{found.rows} rows of {found.columns} numbers",
                                               f"d = {dim}", node.span))
    return ir.InputDist(kind="file", dim=found.columns, file=found)


def _gaussian(node: ast.Call, env: Mapping[str, Number]) -> ir.InputDist:
    args = node.positional
    if len(args) != 1:
        raise msg.fail(msg.write_as(_DIST_FORMS["gaussian"], node.span))
    dim = dimension(args[0], env)
    std: Any = 1.0
    for kw in node.keywords:
        value = evaluate(kw.value, env) if not isinstance(kw.value, (ast.RangeLit, ast.Every)) else None
        if kw.key.name == "std":
            std = value
        elif kw.key.name == "var":
            std = math.sqrt(value) if isinstance(value, float) and value > 0 else value
        else:
            raise msg.fail(msg.unknown_argument(kw.key.name, "gaussian", kw.key.span, ("std", "var")))
        if not isinstance(std, (int, float)) or std <= 0:
            raise msg.fail(msg.std_not_positive(kw.value.span))
    return ir.InputDist(kind="gaussian", dim=dim, std=float(std))


def _grid(node: ast.Call, env: Mapping[str, Number]) -> ir.InputDist:
    args = node.positional
    if len(args) != 2:
        raise msg.fail(msg.write_as(_DIST_FORMS["grid"], node.span))
    low = evaluate(args[0], env)
    high = evaluate(args[1], env)
    points = 101
    for kw in node.keywords:
        if kw.key.name != "points":
            raise msg.fail(msg.unknown_argument(kw.key.name, "grid", kw.key.span, ("points",)))
        points = check_number(GRID_POINTS, "points", scalar_of(kw.value, env, "points"), kw.value.span, "grid")
    if not isinstance(low, float) or not isinstance(high, float) or not low < high:
        raise msg.fail(msg.grid_bounds(node.span))
    return ir.InputDist(kind="grid", dim=1, low=low, high=high, points=int(points))


def dimension(node: ast.Expr, env: Mapping[str, Number]) -> int:
    """The dimension d of a domain: an integer ≥ 1."""
    value = evaluate(node, env)
    if isinstance(value, tuple):
        raise msg.fail(msg.dimension_not_number(node.span))
    return int(check_number(COUNT, "d", value, node.span, "input"))


def target_ir(stmt: ast.TargetStmt, input_stmt: ast.InputStmt, env: Mapping[str, Number],
              dist: ir.InputDist, spec_path: str = "<string>") -> ir.Target:
    """`target f*(x) = formula` or `target f* = teacher two_layer(...)`."""
    input_name = input_stmt.var.name
    if isinstance(stmt.rhs, ast.Teacher):
        return _teacher(stmt.rhs.call, env, dist, spec_path)
    if isinstance(stmt.rhs, ast.Name) and stmt.rhs.id == "labels" and stmt.param is None:
        if dist.kind != "dataset":
            raise msg.fail(msg.labels_need_dataset(dist.kind, stmt.rhs.span))
        return ir.LabelsTarget()
    if stmt.param is not None and stmt.param.name != input_name:
        raise msg.fail(msg.target_argument_not_input(stmt.param.name, input_name, stmt.param.span))
    return ir.FormulaTarget(expr=build_formula(stmt.rhs, input_name, dist.dim, env))


def _teacher(call: ast.Call, env: Mapping[str, Number], dist: ir.InputDist, spec_path: str) -> ir.TeacherTarget:
    if call.func.name != "two_layer":
        raise msg.fail(msg.unknown_teacher_family(call.func.name, call.func.span))
    for arg in call.positional:
        raise msg.fail(msg.named_arguments_only("teacher settings", "width = 10", arg.span))
    values: dict[str, Any] = {}
    spans: dict[str, ast.KwArg] = {}
    for kw in call.keywords:
        key = kw.key.name
        if key not in TEACHER_KEYS:
            raise msg.fail(msg.unknown_setting("teacher", key, kw.key.span, TEACHER_KEYS))
        spans[key] = kw
        if key == "weights":
            for name, given in _weights_file(kw.value, dist.dim, spec_path).items():
                values[name] = given
                spans[name] = kw
        elif key == "b":
            values[key] = _rows(kw.value, env, dist.dim)
        elif key == "normalize":
            values[key] = _normalize(kw.value, env)
        else:
            values[key] = value_of(TEACHER_KEYS[key], key, kw.value, env, None, Point(), "teacher")
    if "a" in values or "b" in values or "c" in values:
        return _given_teacher(values, spans, call)
    if "width" not in values:
        raise msg.fail(msg.missing_setting("a teacher", "a width", call.span,
                                           "write `width = 10`, or give its weights: `a = [...]   b = [[...], ...]`"))
    return ir.TeacherTarget(**values)


def _given_teacher(values: dict[str, Any], spans: dict[str, ast.KwArg], call: ast.Call) -> ir.TeacherTarget:
    """A teacher with given weights `a`, `b` (and `c`): the width is len(a), nothing is drawn."""
    for key in ("seed", "law"):
        if key in values:
            raise msg.fail(msg.given_teacher_drawn_setting(key, spans[key].key.span))
    for key in ("a", "b"):
        if key not in values:
            raise msg.fail(msg.missing_setting("a teacher with given weights", f"`{key}`", call.span,
                                               "give both `a = [a_1, ..., a_k]` and `b = [[b_11, ..., b_1d], ...]`"))
    k = len(values["a"])
    for key, count in (("width", values.get("width", k)), ("b", len(values["b"])), ("c", len(values.get("c", ())) or k)):
        if count != k:
            raise msg.fail(msg.teacher_weights_count(key, count, k, spans[key].value.span))
    if "c" in values and values.get("bias") is False:
        raise msg.fail(msg.given_teacher_drawn_setting("bias", spans["bias"].key.span))
    c = tuple(values["c"]) if "c" in values else (0.0,) * k
    weights = ir.TeacherWeights(a=tuple(values["a"]), b=tuple(values["b"]), c=c)
    return ir.TeacherTarget(width=k, activation=values.get("activation", "relu"), bias="c" in values,
                            weights=weights, normalize=values.get("normalize"))


def _weights_file(node: ast.Value, d: int, spec_path: str) -> dict[str, Any]:
    """`weights = file("teacher.npz")`: a, b (and c) from the file, shapes checked against d."""
    from mlc.compiler.datafiles import FileProblem, FileShapeProblem, teacher_file

    if not (isinstance(node, ast.Call) and node.func.name == "file" and len(node.args) == 1
            and isinstance(node.args[0], ast.StringLit)):
        raise msg.fail(msg.write_as('weights = file("teacher.npz")', node.span))
    try:
        return teacher_file(node.args[0].value, spec_path, d)
    except FileShapeProblem as problem:
        raise msg.fail(msg.file_shape_mismatch(problem.path, problem.has, problem.needs, node.span)) from None
    except FileProblem as problem:
        raise msg.fail(msg.file_unusable(problem.message, node.args[0].span, problem.help)) from None


def _rows(node: ast.Value, env: Mapping[str, Number], d: int) -> tuple[tuple[float, ...], ...]:
    """`b = [[...], [...]]`: rows of d numbers each."""
    if not isinstance(node, ast.VectorLit) or not node.items or not all(
            isinstance(row, ast.VectorLit) for row in node.items):
        raise msg.fail(msg.teacher_rows_form(node.span))
    rows = []
    for row in node.items:
        value = evaluate(row, env)
        assert isinstance(value, tuple)
        if len(value) != d:
            raise msg.fail(msg.teacher_row_length(len(value), d, row.span))
        rows.append(tuple(float(v) for v in value))
    return tuple(rows)


def _normalize(node: ast.Value, env: Mapping[str, Number]) -> ir.TeacherNormalize:
    """`normalize = sd` or `sd(points = N, center = true, seed = s)`."""
    name, kwargs = call_parts(node, "normalize", ("sd",))
    values: dict[str, Any] = {}
    for kw in kwargs:
        key = kw.key.name
        if key not in NORMALIZE_KEYS:
            raise msg.fail(msg.unknown_argument(key, name, kw.key.span, NORMALIZE_KEYS))
        values[key] = value_of(NORMALIZE_KEYS[key], key, kw.value, env, None, Point(), name)
    return ir.TeacherNormalize(**values)


def space_ir(stmt: ast.SpaceStmt | None, env: Mapping[str, Number]) -> ir.Space:
    """`space barron`, `space rkhs(norm <= Q)`, `space multilayer(L, norm <= Q)`; barron by default."""
    if stmt is None:
        return ir.Space(kind="barron")
    node = stmt.space
    name: str | None = node.func.name if isinstance(node, ast.Call) else (
        node.id if isinstance(node, ast.Name) else None)
    if name not in SPACES:
        raise msg.fail(msg.unknown_space(name, node.span, SPACES))
    depth = None
    bound = None
    if isinstance(node, ast.Call):
        for arg in node.args:
            if isinstance(arg, ast.Compare) and isinstance(arg.left, ast.Name) and arg.left.id == "norm":
                if arg.op not in ("<=", "<"):
                    raise msg.fail(msg.norm_bound_direction(arg.span))
                bound = evaluate(arg.right, env)
                if isinstance(bound, tuple) or bound <= 0:
                    raise msg.fail(msg.norm_bound_not_positive(arg.right.span))
            elif isinstance(arg, ast.KwArg) and arg.key.name in ("L", "depth") and name == "multilayer":
                depth = check_number(COUNT, "L", scalar_of(arg.value, env, "L"), arg.value.span, "multilayer")
            elif name == "multilayer" and not isinstance(arg, (ast.KwArg, ast.Bind)) and depth is None:
                depth = check_number(COUNT, "L", scalar_of(arg, env, "L"), arg.span, "multilayer")
            else:
                raise msg.fail(msg.unexpected_space_argument(name, arg.span))
    if name == "multilayer" and depth is None:
        raise msg.fail(msg.missing_setting("`multilayer`", "its depth L", node.span, "write `multilayer(3)`"))
    return ir.Space(kind=name, depth=depth, norm_bound=bound)  # type: ignore[arg-type]
