"""Checker and sweep unit tests, driven by the KeySpec tables of ``mlc.compiler.check``.

Input:  small specs built around one base spec.
Output: pass/fail.
Role:   every setting's default and range (generated from MODEL_KEYS, TRAIN_KEYS, OPTIMIZER_KEYS,
        DATA_KEYS, REPORT_KEYS: a new key is tested without editing this file), every combination rule
        (E301), and the sweep semantics: product, zip, several blocks, lets and free names, rounding of
        lin/log spaces for integer slots, the seed axis, and the errors (E102, E101, E201, E202, E303).
"""

from __future__ import annotations

import pytest

from mlc.compiler import check, families, ir
from mlc.compiler.pipeline import CompileOutcome, compile_text

BASE = """problem t
let d = 3
input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
"""


def compile_spec(body: str, base: str = BASE) -> CompileOutcome:
    return compile_text(base + body, "t.ml")


def ok(body: str, base: str = BASE):
    outcome = compile_spec(body, base)
    assert outcome.ok, outcome.rendered
    return outcome.plan


def codes(body: str, base: str = BASE) -> list[str]:
    outcome = compile_spec(body, base)
    assert not outcome.ok
    return [d.code for d in outcome.diagnostics]


# ----------------------------------------------------------------------------------------- defaults


def test_defaults_of_every_table() -> None:
    run = ok("model net = two_layer(width = 4)\n").runs[0]
    for key, spec in check.MODEL_KEYS.items():
        if spec.default is not None:
            assert getattr(run.model, key) == spec.default, key
    assert run.model.depth == families.get("two_layer").default_depth
    for key, spec in check.DATA_KEYS.items():
        assert getattr(run.data, key) == spec.default, key
    assert run.train.loss == check.TRAIN_KEYS["loss"].default
    assert run.train.penalty.kind == check.TRAIN_KEYS["penalty"].default
    assert run.train.optimizer.kind == check.TRAIN_KEYS["optimizer"].default
    assert run.train.steps == check.TRAIN_KEYS["steps"].default
    assert run.train.solve == check.TRAIN_KEYS["solve"].default
    assert run.train.stop is None
    for key, spec in check.OPTIMIZER_KEYS["gd"].items():
        assert getattr(run.train.optimizer, key) == spec.default, key
    assert run.space.kind == "barron"


def _family_for(kind: str) -> str:
    """A model family the optimizer trains: msa trains layered models (a ResNet), the others any."""
    return "resnet" if kind == "msa" else "two_layer"


@pytest.mark.parametrize("kind", sorted(check.OPTIMIZER_KEYS))
def test_optimizer_defaults(kind: str) -> None:
    horizon = "   time = 10" if kind == "flow" else ""  # a flow runs for a time, not for steps
    run = ok(f"data {{ n = 100 }}\nmodel net = {_family_for(kind)}(width = 4)\ntrain {{ optimizer = {kind}{horizon} }}\n").runs[0]
    for key, spec in check.OPTIMIZER_KEYS[kind].items():
        assert getattr(run.train.optimizer, key) == spec.default, key


@pytest.mark.parametrize("family", families.names())
def test_family_default_depth_and_state_width(family: str) -> None:
    run = ok(f"model m = {family}(width = 4)\n").runs[0]
    assert run.model.depth == families.get(family).default_depth
    assert run.model.state_width == (4 if family == "resnet" else None)  # d + 1
    if family == "deep":
        assert run.model.widths == (4,) * families.get("deep").default_depth


# ----------------------------------------------------------------------------------------- ranges


def _placements() -> list[tuple[str, str, check.KeySpec]]:
    """(where, key, spec) for every numeric setting: where is a template with {k} and {v}."""
    places: list[tuple[str, str, check.KeySpec]] = []
    for key, spec in check.MODEL_KEYS.items():
        if spec.kind not in ("int", "float"):
            continue
        family = next(f for f in families.names() if key in families.get(f).settings)
        width = "" if key == "width" else "width = 4, "
        places.append((f"model m = {family}({width}{{k}} = {{v}})\n", key, spec))
    for key, spec in check.TRAIN_KEYS.items():
        if spec.kind in ("int", "float"):
            until = "until train_error < 1e-3   " if key == "max_steps" else ""
            if key == "time":  # the time of a gradient flow
                places.append(("model m = random_features(width = 4)\ntrain {{{{ solve = gradient_flow   {k} = {v} }}}}\n",
                               key, spec))
                continue
            places.append((f"model m = two_layer(width = 4)\ntrain {{{{ {until}{{k}} = {{v}} }}}}\n", key, spec))
    for kind, keys in check.OPTIMIZER_KEYS.items():
        for key, spec in keys.items():
            if spec.kind in ("int", "float"):
                horizon = "   time = 10" if kind == "flow" else ""  # a flow runs for a time
                places.append((f"model m = {_family_for(kind)}(width = 4)\n"
                               f"train {{{{ optimizer = {kind}({{k}} = {{v}}){horizon} }}}}\n", key, spec))
    for key, spec in check.DATA_KEYS.items():
        places.append(("model m = two_layer(width = 4)\ndata {{{{ {k} = {v} }}}}\n", key, spec))
    for key, spec in check.REPORT_KEYS.items():
        if spec.kind not in ("int", "float"):
            continue
        places.append(("model m = two_layer(width = 4)\nreport {{{{ {k} = {v} }}}}\n", key, spec))
    return places


PLACES = _placements()
IDS = [f"{p[1]}@{p[0].split('(')[0].split('{')[0].strip()}{i}" for i, p in enumerate(PLACES)]


def _fill(template: str, key: str, value: str) -> str:
    return template.format(k=key, v=value).replace("{{", "{").replace("}}", "}")


@pytest.mark.parametrize("template, key, spec", PLACES, ids=IDS)
def test_range_of_every_numeric_setting(template: str, key: str, spec: check.KeySpec) -> None:
    low = spec.minimum
    assert low is not None, f"{key} has no minimum"
    bad_low = low if spec.exclusive_min else low - 1
    assert "E202" in codes(_fill(template, key, f"{bad_low:g}"))
    good = low + 1 if spec.kind == "int" else (low + (spec.maximum or low + 1)) / 2
    if spec.exclusive_min or spec.kind == "float":
        good = good if good != low else low + 0.5
    if key == "batch":
        good = 10
    ok(_fill(template, key, f"{good:g}"))
    if spec.maximum is not None:
        assert "E202" in codes(_fill(template, key, f"{spec.maximum + 1:g}"))
        ok(_fill(template, key, f"{spec.maximum:g}"))
    if spec.kind == "int":
        assert "E201" in codes(_fill(template, key, f"{low + 0.5:g}"))
    assert "E201" in codes(_fill(template, key, "[1, 2]")) or spec.kind == "ints"
    assert "E201" in codes(_fill(template, key, "1..3"))


@pytest.mark.parametrize("key", [k for k, s in check.MODEL_KEYS.items() if s.kind == "enum"])
def test_enum_settings(key: str) -> None:
    spec = check.MODEL_KEYS[key]
    family = next(f for f in ("two_layer", *families.names()) if key in families.get(f).settings)
    for choice in spec.choices:
        assert getattr(ok(f"model m = {family}(width = 4, {key} = {choice})\n").runs[0].model, key) == choice
    outcome = compile_spec(f"model m = {family}(width = 4, {key} = {spec.choices[0][:-1]}x)\n")
    assert [d.code for d in outcome.diagnostics] == ["E101"]
    assert outcome.diagnostics[0].help == f"did you mean `{spec.choices[0]}`?"


def test_bool_and_ints_settings() -> None:
    assert ok("model m = two_layer(width = 4, bias = false)\n").runs[0].model.bias is False
    assert codes("model m = two_layer(width = 4, bias = 1)\n") == ["E201"]
    assert ok("model deep { widths = [3, 5] }\n").runs[0].model.widths == (3, 5)
    assert codes("model m = deep(widths = [3, 0])\n") == ["E202"]
    assert codes("model m = deep(widths = 3)\n") == ["E201"]


@pytest.mark.parametrize("section, choices", [("loss", check.LOSSES), ("solve", check.SOLVES)])
def test_train_enums(section: str, choices: tuple[str, ...]) -> None:
    for choice in choices:
        body = f"model m = random_features(width = 4)\ntrain m {{ {section} = {choice} }}\n"
        if choice == "ridge":
            body = body.replace("}", "penalty = rkhs_norm(lambda = 0.1) }")
        if choice == "half_mse":
            body = body.replace("half_mse", "mse / 2")
        assert getattr(ok(body).runs[0].train, section) == choice
    assert codes(f"model m = two_layer(width = 4)\ntrain {{ {section} = nonsense }}\n") == ["E101"]


def test_penalties() -> None:
    run = ok("model m = two_layer(width = 4)\ntrain { penalty = path_norm }\n").runs[0]
    assert (run.train.penalty.kind, run.train.penalty.auto) == ("path_norm", True)  # lambda: the theorem's
    assert run.train.penalty.lam > 0
    run = ok("model m = two_layer(width = 4)\ntrain { penalty = weight_decay(lambda = 0.5) }\n").runs[0]
    assert (run.train.penalty.kind, run.train.penalty.lam) == ("weight_decay", 0.5)
    assert codes("model m = random_features(width = 4)\ntrain { penalty = rkhs_norm }\n") == ["E103"]
    assert codes("model m = two_layer(width = 4)\ntrain { penalty = weight_decay(lambda = -1) }\n") == ["E202"]
    assert codes("model m = two_layer(width = 4)\ntrain { penalty = weight_decay(lamda = 1) }\n") == ["E101"]
    assert codes("model m = two_layer(width = 4)\ntrain { penalty = none(lambda = 1) }\n") == ["E201"]


def test_stop_rule_and_record() -> None:
    run = ok("model m = two_layer(width = 4)\ntrain { until train_error < 1e-4   max_steps = 50 "
             "record = every 5: train_error, path_norm }\n").runs[0]
    assert (run.train.stop.metric, run.train.stop.threshold, run.train.steps) == ("train_error", 1e-4, 50)
    assert (run.train.record.every, run.train.record.metrics) == (5, ("train_error", "path_norm"))
    assert codes("model m = two_layer(width = 4)\ntrain { until train_error > 1 }\n") == ["E201"]
    assert codes("model m = two_layer(width = 4)\ntrain { until train_error < 0 }\n") == ["E202"]
    assert codes("model m = two_layer(width = 4)\ntrain { until path_norm < 1 }\n") == ["E101"]
    assert codes("model m = two_layer(width = 4)\ntrain { record = every 0: train_error }\n") == ["E202"]


# ----------------------------------------------------------------------------------------- combinations

COMBINATIONS = {
    "path_norm on random_features": ("model m = random_features(width = 4)\ntrain { penalty = path_norm }\n", "E301"),
    "rkhs_norm on two_layer": ("model m = two_layer(width = 4)\ntrain { penalty = rkhs_norm(lambda = 1) }\n", "E301"),
    "weighted_path_norm on deep": ("model m = deep(width = 4)\ntrain { penalty = weighted_path_norm(lambda = 1) }\n",
                                   "E301"),
    "depth on two_layer": ("model m = two_layer(width = 4, depth = 2)\n", "E301"),
    "widths on resnet": ("model m = resnet(width = 4, widths = [2])\n", "E301"),
    "state_width on deep": ("model m = deep(width = 4, state_width = 2)\n", "E301"),
    "depth disagrees with widths": ("model m = deep(widths = [2, 2], depth = 3)\n", "E301"),
    "width and widths": ("model m = deep(widths = [2, 2], width = 3)\n", "E301"),
    "closed form on two_layer": ("model m = two_layer(width = 4)\ntrain { solve = min_norm }\n", "E301"),
    "ridge without ridge penalty": ("model m = random_features(width = 4)\ntrain { solve = ridge }\n", "E301"),
    "max_steps and steps without until": ("model m = two_layer(width = 4)\ntrain { max_steps = 5   steps = 5 }\n",
                                          "E301"),
    "max_steps and steps with until": ("model m = two_layer(width = 4)\n"
                                       "train { until train_error < 1   max_steps = 5   steps = 5 }\n", "E301"),
    "lambda = auto on weight_decay": ("model m = two_layer(width = 4)\n"
                                      "train { penalty = weight_decay(lambda = auto) }\n", "E301"),
    "batch in gd": ("model m = two_layer(width = 4)\ntrain { optimizer = gd(batch = 4) }\n", "E301"),
    "betas in sgd": ("model m = two_layer(width = 4)\ntrain { optimizer = sgd(betas = [0.9, 0.9]) }\n", "E301"),
    "rkhs_norm metric on two_layer": ("model m = two_layer(width = 4)\ntrain { record = every 1: rkhs_norm }\n",
                                      "E301"),
    "weighted_path_norm metric on two_layer": ("model m = two_layer(width = 4)\n"
                                               "train { record = every 1: weighted_path_norm }\n", "E301"),
    "spectrum without grid": ("model m = two_layer(width = 4)\ntrain { record = every 1: spectrum }\n", "E301"),
    "batch larger than n": ("data { n = 10 }\nmodel m = two_layer(width = 4)\ntrain { optimizer = sgd(batch = 20) }\n",
                            "E202"),
    "x[4] when d = 3": ("model m = two_layer(width = 4)\n", "E302"),
    "dot of unequal lengths": ("model m = two_layer(width = 4)\n", "E302"),
}


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_combination_rules(name: str) -> None:
    body, code = COMBINATIONS[name]
    base = BASE
    if name == "x[4] when d = 3":
        base = BASE.replace("relu(x[1])", "relu(x[4])")
    if name == "dot of unequal lengths":
        base = BASE.replace("relu(x[1])", "dot([1, 2], x)")
    assert codes(body, base) == [code]


def test_n_with_grid_input() -> None:
    grid = "problem t\ninput x ~ grid(-1, 1, points = 11)\ntarget f*(x) = x[1]\n"
    assert ok("model m = two_layer(width = 4)\n", grid).runs[0].data.n == 11
    assert codes("data { n = 5 }\nmodel m = two_layer(width = 4)\n", grid) == ["E301"]
    assert ok("model m = two_layer(width = 4)\ntrain { record = every 1: spectrum }\n", grid)


def test_missing_statements_and_duplicates() -> None:
    assert codes("", "problem t\n") == ["E103", "E103", "E103"]
    assert codes("model m = two_layer(width = 4)\nmodel m = two_layer(width = 5)\n") == ["E102"]
    assert codes("model m = two_layer(width = 4)\nspace barron\nspace rkhs\n") == ["E102"]
    assert codes("model m = two_layer(width = 4)\ntrain { steps = 1 }\ntrain { steps = 2 }\n") == ["E102"]
    assert codes("model m = two_layer(width = 4, width = 5)\n") == ["E102"]
    assert codes("model m = two_layer(width = 4)\ntrain other { steps = 1 }\n") == ["E101"]


def test_named_train_overrides_shared_one_key_by_key() -> None:
    plan = ok("model a = two_layer(width = 4)\nmodel b = two_layer(width = 4)\n"
              "train { steps = 7   optimizer = gd(lr = 0.5) }\ntrain b { steps = 9 }\n")
    by_name = {r.model.name: r.train for r in plan.runs}
    assert (by_name["a"].steps, by_name["b"].steps) == (7, 9)
    assert by_name["a"].optimizer.lr == by_name["b"].optimizer.lr == 0.5


# ----------------------------------------------------------------------------------------- sweeps


def _params(plan) -> list[dict[str, float]]:
    return [dict(r.params) for r in plan.runs]


def test_product_sweep_first_axis_slowest() -> None:
    plan = ok("model m = two_layer(width = 4)\nsweep { width = [2, 4]   seed = 0..2 }\n")
    assert [(r.model.width, r.seed) for r in plan.runs] == [(2, 0), (2, 1), (2, 2), (4, 0), (4, 1), (4, 2)]
    assert plan.sweep[0].mode == "product"


def test_zip_sweep() -> None:
    plan = ok("model m = two_layer(width = 4)\nsweep zip { n = [10, 20]   n_test = [30, 40] }\n")
    assert [(r.data.n, r.data.n_test) for r in plan.runs] == [(10, 30), (20, 40)]
    assert codes("model m = two_layer(width = 4)\nsweep zip { n = [10, 20]   n_test = [30] }\n") == ["E303"]


def test_several_blocks_combine_as_a_product() -> None:
    plan = ok("model m = two_layer(width = 4)\nsweep zip { n = [10, 20]   n_test = [30, 40] }\n"
              "sweep { seed = [0, 1] }\n")
    assert [(r.data.n, r.data.n_test, r.seed) for r in plan.runs] == \
        [(10, 30, 0), (10, 30, 1), (20, 40, 0), (20, 40, 1)]


def test_let_and_free_names() -> None:
    plan = ok("model m = two_layer(width = 2 * k)\nsweep { d = [2, 5]   k = [3] }\n")
    assert [(r.input.dim, r.model.width) for r in plan.runs] == [(2, 6), (5, 6)]
    assert codes("model m = two_layer(width = k)\n") == ["E101"]  # a free name must be swept


def test_setting_name_reaches_every_model() -> None:
    plan = ok("model a = two_layer(width = 4)\nmodel b = random_features(width = 4)\nsweep { width = [7] }\n")
    assert {r.model.name: r.model.width for r in plan.runs} == {"a": 7, "b": 7}
    assert [str(t) for t in plan.sweep[0].axes[0].targets] == ["model:a.width", "model:b.width"]
    assert plan.sweep[0].axes[0].targets[0] == ir.Slot(section="model", owner="a", key="width")


def test_spaces_are_rounded_for_integer_slots_only() -> None:
    plan = ok("model m = two_layer(width = 4)\nsweep { width = logspace(0, 2, 5) }\n")
    assert [r.model.width for r in plan.runs] == [1, 3, 10, 32, 100]
    plan = ok("model m = two_layer(width = 4)\nsweep { width = linspace(1, 2, 4) }\n")
    assert [r.model.width for r in plan.runs] == [1, 2]  # 1, 1.33, 1.67, 2 -> 1, 1, 2, 2 -> deduplicated
    plan = ok("model m = two_layer(width = m)\nsweep { m = logspace(0.5, 1, 3) }\n")
    assert [r.model.width for r in plan.runs] == [3, 6, 10]
    plan = ok("model m = two_layer(width = 4)\ntrain { optimizer = gd(lr = 1) }\n"
              "sweep { lr = linspace(0.1, 0.2, 3) }\n")
    assert [r.train.optimizer.lr for r in plan.runs] == pytest.approx([0.1, 0.15, 0.2])
    plan = ok("model m = two_layer(width = 4)\nsweep { n = geomspace(10, 1000, 3) }\n")
    assert [r.data.n for r in plan.runs] == [10, 100, 1000]
    assert codes("model m = two_layer(width = 4)\nsweep { width = [1.5, 2] }\n") == ["E201"]


def test_seed_axis() -> None:
    plan = ok("model m = two_layer(width = 4)\nsweep { seed = [3, 5] }\n")
    assert [r.seed for r in plan.runs] == [3, 5]
    assert ok("model m = two_layer(width = 4)\n").runs[0].seed == 0
    assert codes("model m = two_layer(width = 4)\nsweep { seed = [-1] }\n") == ["E202"]
    assert codes("model m = two_layer(width = 4)\nsweep { seed = [0.5] }\n") == ["E201"]


def test_sweep_errors() -> None:
    assert codes("model m = two_layer(width = 4)\nsweep { seed = [1] }\nsweep { seed = [2] }\n") == ["E102"]
    assert codes("model m = two_layer(width = 4)\nsweep { wdth = [1] }\n") == ["E101"]
    assert codes("model m = two_layer(width = 4)\nsweep { seed = 3..1 }\n") == ["E303"]
    assert codes("model m = two_layer(width = 4)\nsweep { seed = 0.5..2 }\n") == ["E201"]
    assert codes("model m = two_layer(width = 4)\nsweep { n = [] }\n") == ["E303"]
    assert codes("model m = two_layer(width = 4)\nsweep { n = linspace(1, 2) }\n") == ["E201"]
    assert codes("model m = two_layer(width = 4)\nsweep { n = every 3: a }\n") == ["E201"]
    assert codes("model m = two_layer(width = 4)\nsweep { seed = 0..999   n = 1..200 }\n") == ["E303"]


def test_report_resolution() -> None:
    plan = ok("model m = two_layer(width = 4)\nsweep { width = [2, 4] }\n"
              "report { bounds   rates over width   plot test_error vs width   mark width = 2 * d   delta = 0.1 }\n")
    report = plan.report
    assert report.bounds and report.rates == ("width",) and report.delta == 0.1
    assert (report.plots[0].y, report.plots[0].x) == ("test_error", "width")
    assert (report.marks[0].value, report.marks[0].label) == (6, "width = 2 * d")
    implicit = ok("model m = two_layer(width = 4)\nsweep { width = [2, 4]   seed = 0..1 }\n").report
    assert implicit.bounds and implicit.rates == ("width",)
    assert codes("model m = two_layer(width = 4)\nreport { plot tset_error vs step }\n") == ["E101"]
    assert codes("model m = two_layer(width = 4)\nreport { delta = 2 }\n") == ["E202"]


def test_a_swept_let_is_still_checked() -> None:
    """A `let` overridden by the sweep kept a stray argument unnoticed (`let r = sqrt(foo = 2, 2)`)."""
    model = "model net = two_layer(width = 4, init_scale = r)\n"
    assert "E201" in codes("let r = sqrt(foo = 2, 2)\n" + model + "sweep { r = [1, 2] }\n")
    ok("let r = sqrt(2)\n" + model + "sweep { r = [1, 2] }\n")
