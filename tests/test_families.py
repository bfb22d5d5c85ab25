"""The Family interface and its public registry (compiler.families): a toy family registered from outside runs end
to end (spec -> check -> plan -> train -> report), the built-in families answer what the stages ask, and the
front end never loads torch."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
import torch

from mlc.compiler import families, ir
from mlc.compiler.families.base import Family, Params, normal, output_std
from mlc.compiler.pipeline import compile_text
from mlc.runtime.cli import main

ROOT = Path(__file__).resolve().parents[1]


class ToyQuadratic(Family):
    """f = scale * sum_k a_k (w_k.x)^2: a family the project does not ship, defined only through the interface."""

    name: ClassVar[str] = "toy_quadratic"
    doc: ClassVar[str] = "toy: f = scale · Σ_k a_k (w_k·x)²"
    settings: ClassVar[tuple[str, ...]] = ("width", "scaling", "init_scale")

    def trained(self, model: ir.Model) -> tuple[str, ...]:
        return ("w", "a")

    def init(self, run: ir.Run, gen: torch.Generator) -> Params:
        m, d = run.model.width, run.input.dim
        return {"w": normal((m, d), run.model.init_scale / math.sqrt(d), gen),
                "a": normal((m,), output_std(run.model, m), gen)}

    def forward(self, run: ir.Run, params: Params, x: torch.Tensor) -> torch.Tensor:
        h = torch.bmm(x, params["w"].transpose(1, 2)).pow(2)  # (E, n, m)
        return run.conventions.output_scale * torch.bmm(h, params["a"].unsqueeze(2)).squeeze(2)


SPEC = """problem toy
input x ~ uniform(cube(2))
target f*(x) = x[1] * x[2]
data { n = 64   n_test = 128 }
model q = toy_quadratic(width = 8, scaling = mean_field)
train q { loss = mse   optimizer = gd(lr = 0.05)   steps = 200   record = every 50: test_error, param_distance }
sweep { seed = 0..1 }
report { bounds   plot test_error vs step }
"""


@pytest.fixture
def toy() -> ToyQuadratic:
    family = families.register(ToyQuadratic())
    yield family
    families.unregister(family.name)


def test_a_toy_family_registered_through_the_registry_runs_end_to_end(toy: ToyQuadratic, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    outcome = compile_text(SPEC)
    assert outcome.ok, outcome.rendered
    run = outcome.plan.runs[0]
    assert run.model.family == "toy_quadratic"
    assert run.conventions.trained == ("w", "a") and run.conventions.fan_in == 8
    assert run.conventions.output_scale == pytest.approx(1 / 8) and run.conventions.lr["w"] == pytest.approx(0.4)
    spec = tmp_path / "toy.ml"
    spec.write_text(SPEC)
    assert main(["check", str(spec)]) == 0
    assert main(["compile-and-run", str(spec), "--out", str(tmp_path / "out")]) == 0
    report = capsys.readouterr().out
    assert "toy_quadratic" in report
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [r["status"] for r in results["runs"]] == ["ok", "ok"]
    for r in results["runs"]:
        assert r["metrics"]["test_error"] < r["metrics"]["zero_predictor_mse"]  # it learned something
        assert "path_norm" not in r["metrics"]  # a norm the family does not define is not measured
        assert r["bounds"] == []  # no theory tags: no theorem is about it


def test_an_unknown_family_is_a_diagnostic_and_registration_is_checked(toy: ToyQuadratic) -> None:
    families.unregister(toy.name)
    outcome = compile_text(SPEC)
    assert not outcome.ok and "E101" in outcome.rendered and "unknown model family" in outcome.rendered
    families.register(toy)
    with pytest.raises(ValueError, match="already registered"):
        families.register(ToyQuadratic())
    with pytest.raises(ValueError, match="identifier"):
        class Bad(ToyQuadratic):
            name: ClassVar[str] = "bad name"
        families.register(Bad())


def test_a_setting_outside_the_familys_schema_is_rejected(toy: ToyQuadratic) -> None:
    outcome = compile_text(SPEC.replace("scaling = mean_field", "depth = 3"))
    assert not outcome.ok and "`depth` does not apply to a toy_quadratic model" in outcome.rendered
    outcome = compile_text(SPEC.replace("loss = mse", "loss = mse   solve = min_norm"))
    assert not outcome.ok and "solve = min_norm" in outcome.rendered


@pytest.mark.parametrize("name", families.names())
def test_built_in_families_answer_for_every_stage(name: str) -> None:
    family = families.get(name)
    model = ir.Model(name="net", family=name, width=6, depth=3, widths=(6, 4, 3) if name == "deep" else ())
    trained = family.trained(model)
    assert trained and family.fan_in(model, 5) >= 1 and family.hidden_widths(model)
    assert set(family.norms) <= {"path_norm", "weighted_path_norm", "rkhs_norm"}
    assert set(family.penalties) <= set(family.norms)
    assert family.theory_tags == (name,)  # every built-in theorem names the family it is about


def test_the_front_end_never_loads_torch() -> None:
    """`mlc check` (and fmt, compile, bounds) import the family registry, never torch."""
    specs = [str(p) for p in sorted((ROOT / "specs").glob("*.ml"))]
    code = ("import sys\nfrom mlc.runtime.cli import main\n"
            f"rc = main(['check', *{specs!r}])\n"
            "rc2 = main(['compile', sys.argv[1], '--emit', 'plan'])\n"
            "assert rc == 0 and rc2 == 0, (rc, rc2)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code, specs[0]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
