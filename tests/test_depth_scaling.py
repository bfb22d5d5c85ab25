"""ResNet `depth_scaling` (issue 15, item 2): the conventional blocks z + U s(Wz) against the scaled z + U s(Wz)/L,
against a hand-written torch forward; a categorical sweep of it; the ResNet theorems need the scaled form.

Input:  runs built in code and a small spec.
Output: pass/fail.
"""

from __future__ import annotations

import torch

from mlc.compiler import conventions
from mlc.compiler.lower import families
from mlc.compiler.lower.ensemble import init_params
from mlc.compiler.lower.examples import make_run
from mlc.compiler.pipeline import compile_text
from mlc.compiler.theory import evaluate_run_bounds


def _hand_forward(p: dict[str, torch.Tensor], x: torch.Tensor, factor: float, scale: float) -> torch.Tensor:
    z = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], 1) @ p["V"].T
    for l in range(p["U"].shape[0]):
        z = z + factor * torch.relu(z @ p["Wr"][l].T) @ p["U"][l].T
    return scale * z @ p["alpha"]


def test_forward_with_and_without_the_one_over_L() -> None:
    base = make_run(family="resnet", width=5, depth=4)
    x = torch.randn(7, base.input.dim, dtype=torch.float64)
    for form, factor in (("one_over_L", 0.25), ("none", 1.0)):
        run = conventions.refreshed(base, model=base.model.model_copy(update={"depth_scaling": form}))
        p = {k: v.to(torch.float64) for k, v in init_params(run).items()}
        f = families.forward(run, {k: v.unsqueeze(0) for k, v in p.items()}, x.unsqueeze(0))[0]
        assert torch.allclose(f, _hand_forward(p, x, factor, run.conventions.output_scale), atol=1e-12)


SPEC = """problem ds
input  x ~ uniform(cube(2))
target f*(x) = relu(x[1])
data { n = 20   n_test = 50 }
model net = resnet(width = 4, depth = 3)
train { steps = 5 }
sweep { depth_scaling = [none, one_over_L] }
"""


def test_a_sweep_of_depth_scaling_and_the_theorems_hypothesis() -> None:
    plan = compile_text(SPEC, "ds.ml").plan
    assert plan is not None
    assert [r.model.depth_scaling for r in plan.runs] == ["none", "one_over_L"]
    assert plan.runs[0].hash != plan.runs[1].hash
    assert "depth_scaling" not in plan.runs[1].model.model_dump(mode="json")  # the default keeps old hashes
    conventional = evaluate_run_bounds(plan.runs[0], plan, {"test_error": 0.1, "train_error": 0.1})
    scaled = evaluate_run_bounds(plan.runs[1], plan, {"test_error": 0.1, "train_error": 0.1})
    t13 = {b.theorem: b for b in conventional}["T13"]
    assert not t13.holds and any("depth_scaling = none" in reason for reason in t13.failing)
    assert all("depth_scaling" not in reason for b in scaled for reason in b.failing)
