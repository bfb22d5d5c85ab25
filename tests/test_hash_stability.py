"""The hashes of the shipped specs do not move when the language grows (issue 10).

Every setting added after a spec was written is declared ``omit_default`` (``mlc.compiler.ir.setting``): at its
default it is absent from the IR's JSON, so the run hashes, the spec hash and the plan stay byte-identical.
``tests/golden/spec_hashes.json`` holds the hashes of the specs shipped before issue 10; a change of meaning
(a bug fix) that moves them must say so and regenerate the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlc.compiler import ir
from mlc.compiler.pipeline import compile_path, compile_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = json.loads((Path(__file__).parent / "golden" / "spec_hashes.json").read_text())
SPECS = {p.stem: p for p in [*ROOT.glob("specs/*.ml"), ROOT / "benchmarks" / "sweep.ml"]}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_shipped_spec_hashes_are_unchanged(name: str) -> None:
    outcome = compile_path(str(SPECS[name]))
    assert outcome.plan is not None, outcome.rendered
    assert [r.hash for r in outcome.plan.runs] == GOLDEN[name]["runs"]
    assert outcome.plan.spec_hash == GOLDEN[name]["spec_hash"]


def test_new_settings_at_their_default_are_absent_from_the_ir() -> None:
    dumped = ir.Model(name="m", family="two_layer", width=3).model_dump(mode="json")
    assert not {"init", "init_scales", "output_init", "bias_init", "features", "seed"} & set(dumped)
    assert set(ir.Data().model_dump(mode="json")) == {"n", "n_test", "noise"}
    assert "eps" not in ir.Optimizer(kind="adam").model_dump(mode="json")
    assert "eps" in ir.Optimizer(kind="adam", eps=1e-6).model_dump(mode="json")
    # Absent fields come back as their defaults: the JSON of a plan reads back to the same IR.
    model = ir.Model(name="m", family="deep", width=3, init="he", output_init="zero", seed=2)
    assert ir.Model.model_validate(model.model_dump(mode="json")) == model


SPEC = """problem t
let d = 3
input x ~ uniform(cube(d))
target f*(x) = relu(x[1])
data { n = 20   n_test = 30 %s }
model net = two_layer(width = 8 %s)
train { optimizer = adam(lr = 0.01 %s) }
"""


def _hashes(data: str = "", model: str = "", adam: str = "") -> list[str]:
    outcome = compile_text(SPEC % (data, model, adam))
    assert outcome.plan is not None, outcome.rendered
    return [r.hash for r in outcome.plan.runs]


def test_a_setting_written_at_its_default_does_not_change_the_hash() -> None:
    base = _hashes()
    assert _hashes(model=", init = normal, output_init = random, bias_init = random, features = fresh") == base
    assert _hashes(adam=", eps = 1e-8") == base
    assert _hashes(model=", init_scales = [1, 1]") == base  # all ones is the default
    for changed in (dict(model=", output_init = zero"), dict(model=", init = he"), dict(model=", seed = 1"),
                    dict(data="seed = 1"), dict(data="noise_seed = 1"), dict(adam=", eps = 1e-6"),
                    dict(model=", features = nested")):
        assert _hashes(**changed) != base, changed


def _ir_classes() -> list[type[ir.IRModel]]:
    return sorted({c for c in vars(ir).values() if isinstance(c, type) and issubclass(c, ir.IRModel)
                   and c is not ir.IRModel}, key=lambda c: c.__name__)


def test_the_omitted_fields_are_the_ones_left_out_of_the_json() -> None:
    """Each field declared ``omit_default`` (a setting) or by ``new_field`` is left out of the JSON at its default by
    its own ``exclude_if``, and no other field is: the declaration and the serialisation are one fact."""
    for cls in _ir_classes():
        omitted = dict(cls.omitted_at_default())
        excluded = {name for name, info in cls.model_fields.items() if info.exclude_if is not None}
        assert excluded == set(omitted), cls.__name__
        for name, default in omitted.items():
            rule = cls.model_fields[name].exclude_if
            assert rule is not None and rule(default) and not rule(_another(default)), (cls.__name__, name)


def _another(value: object) -> object:
    """A value that differs from ``value`` (for the check that exclude_if keeps a field off its default)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return (*value, 0)
    return object() if value is not None else 0
