"""Initial weights read from a file (issue 10, item 1): `model net = two_layer(width = 8, init = file("net0.npz"))`,
checked at `mlc check` time, hashed by content, trained as a hand-written torch loop trains the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mlc.compiler.datafiles import FileProblem
from mlc.compiler.lower.ensemble import init_params
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_path
from mlc.runtime.execute import execute_plan

SPEC = """problem init_from_file
input x ~ uniform(sphere(3))
target f* = teacher two_layer(width = 4, seed = 1)
data {{ n = 40   n_test = 80 }}
model net = {model}
train net {{ {train} }}
"""
GD = "optimizer = gd(lr = 0.1)   steps = 50"


def _compile(folder: Path, model: str, train: str = GD):
    (folder / "spec.ml").write_text(SPEC.format(model=model, train=train))
    return compile_path(str(folder / "spec.ml"))


@pytest.fixture()
def net0(tmp_path: Path) -> dict[str, np.ndarray]:
    g = np.random.default_rng(0)
    arrays = {"W": g.normal(size=(8, 3)) / np.sqrt(3), "c": g.normal(size=8) * 0.1, "a": g.normal(size=8) / np.sqrt(8)}
    np.savez(tmp_path / "net0.npz", **arrays)
    return arrays


def test_training_from_the_file_is_the_hand_written_torch_loop(tmp_path: Path, net0: dict[str, np.ndarray]) -> None:
    outcome = _compile(tmp_path, 'two_layer(width = 8, init = file("net0.npz"))')
    assert outcome.plan is not None, outcome.rendered
    run = outcome.plan.runs[0]
    data = make_dataset(run.input, run.data, run.target, run.seed)
    W, c, a = (torch.tensor(net0[k], requires_grad=True) for k in ("W", "c", "a"))
    for _ in range(50):  # full-batch GD on the MSE, standard scaling: f = sum_k a_k relu(w_k.x + c_k)
        loss = ((torch.relu(data.x_train @ W.T + c) @ a - data.y_train) ** 2).mean()
        gW, gc, ga = torch.autograd.grad(loss, (W, c, a))
        with torch.no_grad():
            W -= 0.1 * gW
            c -= 0.1 * gc
            a -= 0.1 * ga
    with torch.no_grad():
        ref_test = float(((torch.relu(data.x_test @ W.T + c) @ a - data.f_test) ** 2).mean())
        ref_path = float((a.abs() * (W.abs().sum(1) + c.abs())).sum())
    for allow_fast in (True, False):  # the packed fast path and the autograd ensemble
        res = execute_plan(outcome.plan, dtype="float64", allow_fast=allow_fast)[0]
        assert res.status == "ok"
        assert res.metrics["test_error_raw"] == pytest.approx(ref_test, rel=1e-9)
        assert res.metrics["path_norm"] == pytest.approx(ref_path, rel=1e-9)


def test_a_drawn_init_saved_and_read_back_gives_the_same_run_results(tmp_path: Path) -> None:
    drawn = _compile(tmp_path, "two_layer(width = 8)").plan
    assert drawn is not None
    np.savez(tmp_path / "saved.npz", **{k: v.numpy() for k, v in init_params(drawn.runs[0]).items()})
    read = _compile(tmp_path, 'two_layer(width = 8, init = file("saved.npz"))').plan
    assert read is not None and read.runs[0].hash != drawn.runs[0].hash
    a, b = (execute_plan(p, dtype="float64")[0] for p in (drawn, read))
    assert a.metrics["test_error"] == b.metrics["test_error"] and a.metrics["train_loss"] == b.metrics["train_loss"]


def test_random_features_without_bias_and_a_closed_form(tmp_path: Path) -> None:
    """The file gives the features (W) and a(0); min-norm is Phi^+ y on exactly those features (numpy lstsq)."""
    g = np.random.default_rng(3)
    W, a = g.normal(size=(30, 3)), g.normal(size=30)
    np.savez(tmp_path / "rf.npz", W=W, a=a)
    np.savez(tmp_path / "rf_c.npz", W=W, c=np.zeros(30), a=a)
    outcome = _compile(tmp_path, 'random_features(width = 30, bias = false, init = file("rf.npz"))',
                       "solve = min_norm")
    assert outcome.plan is not None, outcome.rendered
    run = outcome.plan.runs[0]
    data = make_dataset(run.input, run.data, run.target, run.seed)
    x, y = data.x_train.numpy(), data.y_train.numpy()
    coef = np.linalg.lstsq(np.maximum(x @ W.T, 0), y, rcond=None)[0]
    xt, ft = data.x_test.numpy(), data.f_test.numpy()
    ref = float(((np.maximum(xt @ W.T, 0) @ coef - ft) ** 2).mean())
    res = execute_plan(outcome.plan, dtype="float64")[0]
    assert res.metrics["test_error_raw"] == pytest.approx(ref, rel=1e-7)
    assert not any(b.theorem == "IW" for b in res.bounds)  # no law, so no infinite-width limit
    bad = _compile(tmp_path, 'random_features(width = 30, bias = false, init = file("rf_c.npz"))', "solve = min_norm")
    assert bad.plan is None and bad.errors[0].code == "E302"
    assert "`rf_c.npz` has the array(s) c, which the model does not have" in bad.errors[0].message


def test_deep_nets_read_every_layer(tmp_path: Path) -> None:
    g = np.random.default_rng(4)
    arrays = {"W0": g.normal(size=(5, 3)), "b0": g.normal(size=5), "W1": g.normal(size=(4, 5)), "b1": g.normal(size=4),
              "a": g.normal(size=4)}
    np.savez(tmp_path / "deep.npz", **arrays)
    outcome = _compile(tmp_path, 'deep(widths = [5, 4], init = file("deep.npz"))', "optimizer = gd(lr = 0.01)   steps = 1")
    assert outcome.plan is not None, outcome.rendered
    params = init_params(outcome.plan.runs[0])
    assert all(np.array_equal(params[k].numpy(), v) for k, v in arrays.items())


def test_shapes_names_and_drawing_settings_are_checked_at_check_time(tmp_path: Path, net0: dict[str, np.ndarray]) -> None:
    np.savez(tmp_path / "wide.npz", W=np.ones((8, 4)), c=np.ones(8), a=np.ones(8))
    cases = {
        'two_layer(width = 8, init = file("wide.npz"))':
            ("E302", "`wide.npz` has an array W of shape (8, 4), but the spec needs the model's initial parameters "
                     "W (8, 3), c (8,), a (8,)"),
        'two_layer(width = 8, bias = false, init = file("net0.npz"))':
            ("E302", "`net0.npz` has the array(s) c, which the model does not have"),
        'two_layer(width = 16, init = file("net0.npz"))': ("E302", "W (16, 3)"),
        'two_layer(width = 8, init = file("net0.npz"), seed = 2)':
            ("E301", "`seed` does not apply to a model initialised from `net0.npz`"),
        'two_layer(width = 8, init = file("net0.npz"), init_scale = 2)': ("E301", "`init_scale` does not apply"),
        'two_layer(width = 8, init = file("none.npz"))': ("E301", "no file `none.npz`"),
        'two_layer(width = 8, init = file("/etc/passwd.npz"))': ("E301", "absolute path"),
    }
    for model, (code, text) in cases.items():
        outcome = _compile(tmp_path, model)
        assert outcome.plan is None and outcome.errors, model
        assert outcome.errors[0].code == code and text in outcome.errors[0].message, (model, outcome.errors[0].message)
    (tmp_path / "spec.ml").write_text(SPEC.format(model='two_layer(width = m, init = file("net0.npz"))', train=GD)
                                      + "sweep { m = [8, 16] }\n")
    swept = compile_path(str(tmp_path / "spec.ml"))
    assert swept.plan is None and swept.errors[0].code == "E302"  # the width-16 point does not fit the file


def test_the_hash_covers_the_content_not_the_location(tmp_path: Path, net0: dict[str, np.ndarray]) -> None:
    model = 'two_layer(width = 8, init = file("net0.npz"))'
    first = _compile(tmp_path, model).plan
    other = tmp_path / "elsewhere"
    other.mkdir()
    np.savez(other / "net0.npz", **net0)
    moved = _compile(other, model).plan
    assert first is not None and moved is not None and first.runs[0].hash == moved.runs[0].hash
    np.savez(tmp_path / "net0.npz", **{**net0, "a": net0["a"] * 2})
    changed = _compile(tmp_path, model).plan
    assert changed is not None and changed.runs[0].hash != first.runs[0].hash
    with pytest.raises(FileProblem, match="changed since the spec was checked"):
        init_params(first.runs[0])  # the file under the first plan changed since it was checked


def test_a_pickle_is_never_loaded(tmp_path: Path) -> None:
    np.save(tmp_path / "obj.npy", np.array([{"W": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "obj.npz").write_bytes((tmp_path / "obj.npy").read_bytes())
    outcome = _compile(tmp_path, 'two_layer(width = 8, init = file("obj.npz"))')
    assert outcome.plan is None and outcome.errors[0].code == "E301"


def test_the_files_location_travels_with_the_plans_json(tmp_path: Path, net0: dict[str, np.ndarray]) -> None:
    """A worker that reads the plan (a Ray worker) finds the file, and the reloaded run has the same hash."""
    from mlc.compiler import ir

    plan = _compile(tmp_path, 'two_layer(width = 8, init = file("net0.npz"))').plan
    assert plan is not None
    again = ir.Plan.model_validate_json(plan.model_dump_json())
    run = again.runs[0]
    assert run.model.init_file is not None and run.model.init_file.location == str(tmp_path / "net0.npz")
    assert ir.run_hash(dict(run)) == plan.runs[0].hash
    assert np.array_equal(init_params(run)["W"].numpy(), net0["W"])


@pytest.mark.parametrize("sweep", ["sweep { init = [normal, he] }", "sweep { init_scale = [1, 2] }"])
def test_a_sweep_of_a_drawing_setting_is_refused_too(tmp_path: Path, net0: dict[str, np.ndarray], sweep: str) -> None:
    (tmp_path / "spec.ml").write_text(SPEC.format(model='two_layer(width = 8, init = file("net0.npz"))', train=GD)
                                      + sweep + "\n")
    outcome = compile_path(str(tmp_path / "spec.ml"))
    assert outcome.plan is None and outcome.errors[0].code == "E301"
    assert "does not apply to a model initialised from `net0.npz`" in outcome.errors[0].message
