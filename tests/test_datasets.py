"""Packaged labelled data sets (compiler/datasets.py): `input x ~ digits(3, 8)` with `target f* = labels`.

The checker reads the table only (no torch, no scikit-learn); the lowering loads scikit-learn's bundled digits,
checks their content hash, normalises the pixels to [0, 1] and labels the two classes ±1; the data set's
identity is in the run hash; without scikit-learn compile-and-run says what to install.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from spec_fixtures import run_commands_importing_none

import numpy as np
import pytest

from mlc.compiler import ir
from mlc.compiler.datasets import DATASETS, DataSetProblem, dataset_ref, load
from mlc.compiler.pipeline import compile_text

ROOT = Path(__file__).resolve().parents[1]

SPEC = """problem digits_small

input x ~ digits(3, 8)
target f* = labels
space barron

data { n = 40   n_test = 30   seed = 0 }

model net = two_layer(width = 8, activation = relu, scaling = standard)

train net { loss = mse   optimizer = gd(lr = 0.1)   steps = 5 }

sweep { seed = 0..1 }
"""


def _plan(text: str = SPEC) -> ir.Plan:
    outcome = compile_text(text, "<string>")
    assert outcome.plan is not None, outcome.rendered
    return outcome.plan


def test_the_checker_records_the_data_sets_identity_from_the_table() -> None:
    plan = _plan()
    dist = plan.runs[0].input
    assert dist.kind == "dataset" and dist.dim == 64 and dist.sup_norm_bound == 1.0
    ref = dist.dataset
    assert ref is not None
    assert (ref.name, ref.classes, ref.rows, ref.columns) == ("digits", (3, 8), 183 + 174, 64)
    assert ref.sha256 == DATASETS["digits"].sha256 and ref.normalization == "pixels / 16"
    assert isinstance(plan.runs[0].target, ir.LabelsTarget)
    assert plan.runs[0].data.seed == 0  # the split is fixed and in the plan


def test_the_classes_are_in_the_run_hash() -> None:
    a = _plan().runs[0].hash
    b = _plan(SPEC.replace("digits(3, 8)", "digits(3, 5)")).runs[0].hash
    c = _plan(SPEC.replace("digits(3, 8)", "digits(8, 3)")).runs[0].hash  # the labels' signs swap
    assert len({a, b, c}) == 3


@pytest.mark.parametrize("written, needle", [
    ("digits(3, 12)", "has the classes 0..9, not 12"),
    ("digits(3, 3)", "must differ"),
    ("digits(3)", "write `digits(3, 8)`"),
    ("digits(3, 8.5)", "write `digits(3, 8)`"),
])
def test_bad_classes_are_diagnosed(written: str, needle: str) -> None:
    outcome = compile_text(SPEC.replace("digits(3, 8)", written), "<string>")
    assert outcome.plan is None and needle in outcome.rendered


def test_labels_need_a_labelled_input_and_the_split_must_fit() -> None:
    outcome = compile_text(SPEC.replace("digits(3, 8)", "uniform(cube(64))"), "<string>")
    assert outcome.plan is None and "E201" in outcome.rendered and "labels" in outcome.rendered
    outcome = compile_text(SPEC.replace("n = 40 ", "n = 340 "), "<string>")
    assert outcome.plan is None and "357 points" in outcome.rendered


def test_load_normalises_labels_and_checks_the_content() -> None:
    pytest.importorskip("sklearn")
    ref = dataset_ref("digits", (3, 8))
    x, y = load(ref)
    assert x.shape == (357, 64) and x.dtype == np.float64
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(set(y.tolist())) == [-1.0, 1.0] and int((y == 1).sum()) == 183
    from sklearn.datasets import load_digits  # the hand reference

    bunch = load_digits()
    keep = np.isin(bunch.target, (3, 8))
    np.testing.assert_array_equal(x, bunch.data[keep] / 16)
    np.testing.assert_array_equal(y, np.where(bunch.target[keep] == 3, 1.0, -1.0))
    with pytest.raises(DataSetProblem, match="SHA-256"):
        load(ref.model_copy(update={"sha256": "0" * 64}))


def test_the_data_are_disjoint_seeded_rows_with_their_labels() -> None:
    pytest.importorskip("sklearn")
    import torch

    from mlc.compiler.lower.samplers import make_dataset
    from mlc.compiler.lower.targets import TargetError, target_function

    run0, run1 = _plan().runs
    a = make_dataset(run0.input, run0.data, run0.target, run0.seed)
    b = make_dataset(run1.input, run1.data, run1.target, run1.seed)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.x_test, b.x_test)  # data seed 0 for both
    rows = {tuple(r) for r in a.x_train.tolist()}
    assert not rows & {tuple(r) for r in a.x_test.tolist()} and len(rows) == 40
    x, y = load(run0.input.dataset)  # type: ignore[arg-type]
    index = {tuple(r): v for r, v in zip(x.tolist(), y.tolist())}
    assert a.f_train.tolist() == [index[tuple(r)] for r in a.x_train.tolist()]
    assert torch.equal(a.y_train, a.f_train)  # no label noise
    with pytest.raises(TargetError, match="data set's points only"):
        target_function(run0.target, run0.input)(torch.full((1, 64), 0.5, dtype=torch.float64))


def test_without_scikit_learn_compile_and_run_says_what_to_install(tmp_path: Path) -> None:
    spec = tmp_path / "d.ml"
    spec.write_text(SPEC, encoding="utf-8")
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'sklearn' else real(name, *a)\n"
        "from mlc.runtime.cli import main\n"
        f"sys.exit(main(['compile-and-run', {str(spec)!r}, '--out', {str(tmp_path / 'out')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert "needs the package `sklearn`" in result.stderr and "pip install -e '.[datasets]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_front_end_commands_import_neither_torch_nor_sklearn(tmp_path: Path) -> None:
    spec = tmp_path / "d.ml"
    spec.write_text(SPEC, encoding="utf-8")
    argvs = [["check", str(spec)], ["fmt", "--check", str(spec)], ["compile", str(spec), "--emit", "plan"]]
    result = run_commands_importing_none(argvs, ("torch", "sklearn"), ROOT)
    assert result.returncode == 0, result.stderr


def test_a_digits_spec_trains_end_to_end_and_its_record_names_the_data_set(tmp_path: Path) -> None:
    """A small real run (declared norm, so no fit): every run ok, its errors finite and below the zero
    predictor's at a few GD steps, the data set's identity in the run's IR (results.json), a rerun from the store."""
    pytest.importorskip("sklearn")
    import json

    from mlc.runtime.cli import main

    spec = tmp_path / "d.ml"
    spec.write_text(SPEC.replace("space barron", "space barron(norm <= 20)").replace("steps = 5", "steps = 50"),
                    encoding="utf-8")
    argv = ["compile-and-run", str(spec), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store"),
            "--no-plots"]
    assert main(argv) == 0
    result = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    runs = result["runs"]
    assert [r["status"] for r in runs] == ["ok", "ok"]
    for r in runs:
        m = r["metrics"]
        assert m["zero_predictor_mse"] == pytest.approx(1.0, abs=0.3)  # E y² = 1 for ±1 labels
        assert 0 <= m["test_error"] < m["zero_predictor_mse"]
    (recorded,) = result["extras"]["datasets"]
    assert (recorded["name"], recorded["classes"], recorded["rows"]) == ("digits", [3, 8], 357)
    assert recorded["sha256"] == DATASETS["digits"].sha256 and recorded["normalization"] == "pixels / 16"
    assert main(argv) == 0  # read back from the store, nothing retrained
    plan = _plan(spec.read_text(encoding="utf-8"))
    assert {r["hash"] for r in runs} == {r.hash for r in plan.runs}
