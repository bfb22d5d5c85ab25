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
