"""Inputs from files (issue 10, item 1): `input x ~ file("train.npz")` and CSV, checked at `mlc check` time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mlc.compiler import datafiles, ir
from mlc.compiler.lower.samplers import make_dataset
from mlc.compiler.pipeline import compile_path

SPEC = """problem f
input x ~ file("{name}"{extra})
target f*(x) = relu(x[1]) + x[2]
data {{ n = {n}   n_test = {n_test} }}
model net = two_layer(width = 8)
sweep {{ seed = 0..1 }}
"""


@pytest.fixture()
def points(tmp_path: Path) -> np.ndarray:
    x = np.random.default_rng(0).uniform(-1, 1, (60, 3))
    np.savez(tmp_path / "train.npz", x=x)
    np.savetxt(tmp_path / "train.csv", x, delimiter=",", header="a,b,c", comments="", fmt="%.17g")
    return x


def compile_spec(folder: Path, name: str, extra: str = "", n: int = 20, n_test: int = 30,
                 spec: str = "spec.ml"):
    path = folder / spec
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SPEC.format(name=name, extra=extra, n=n, n_test=n_test))
    return compile_path(str(path))


def test_npz_and_csv_give_the_rows_split_by_the_data_seed(tmp_path: Path, points: np.ndarray) -> None:
    npz, csv = (compile_spec(tmp_path, name).plan for name in ("train.npz", "train.csv"))
    assert npz is not None and csv is not None
    for a, b in zip(npz.runs, csv.runs):
        assert a.input.dim == 3 and a.input.file is not None and a.input.file.rows == 60
        da = make_dataset(a.input, a.data, a.target, a.seed)
        db = make_dataset(b.input, b.data, b.target, b.seed)
        assert torch.equal(da.x_train, db.x_train) and torch.equal(da.x_test, db.x_test)
        order = torch.randperm(60, generator=torch.Generator().manual_seed(a.seed)).numpy()
        assert np.array_equal(da.x_train.numpy(), points[order[:20]])
        assert np.array_equal(da.x_test.numpy(), points[order[20:50]])  # disjoint rows
        x = points[order[:20]]
        assert np.allclose(da.f_train.numpy(), np.maximum(x[:, 0], 0) + x[:, 1], atol=1e-15)
    assert npz.runs[0].input.sup_norm_bound == pytest.approx(np.abs(points).max())


def test_the_hash_follows_the_content_and_a_changed_file_is_refused(tmp_path: Path, points: np.ndarray) -> None:
    before = compile_spec(tmp_path, "train.npz").plan
    assert before is not None
    np.savez(tmp_path / "train.npz", x=points * 0.5)
    after = compile_spec(tmp_path, "train.npz").plan
    assert after is not None and after.runs[0].hash != before.runs[0].hash
    run = before.runs[0]
    with pytest.raises(datafiles.FileProblem, match="changed since the spec was checked"):
        make_dataset(run.input, run.data, run.target, run.seed)
    # Where the file was found is not part of the meaning: the same file in another folder, the same hash.
    other = tmp_path / "elsewhere"
    other.mkdir()
    np.savez(other / "train.npz", x=points * 0.5)
    moved = compile_spec(other, "train.npz").plan
    assert moved is not None and [r.hash for r in moved.runs] == [r.hash for r in after.runs]
    # ... but it travels with the plan's JSON, so that a worker that reads the plan (Ray) finds the file.
    again = ir.Plan.model_validate_json(moved.model_dump_json())
    assert again.runs[0].input.file is not None and again.runs[0].input.file.location == str(other / "train.npz")
    assert ir.run_hash(dict(again.runs[0])) == moved.runs[0].hash


@pytest.mark.parametrize(("name", "extra", "n_test", "code", "words"), [
    ("train.npz", ", dim = 4", 30, "E302", "has 60 rows of 3 numbers, but the spec needs d = 4"),
    ("train.npz", "", 50, "E302", "needs n + n_test = 20 + 50"),
    ("../train.npz", "", 30, "E301", "leaves the spec's folder"),
    ("/etc/hosts.csv", "", 30, "E301", "is an absolute path"),
    ("missing.npz", "", 30, "E301", "no file `missing.npz`"),
    ("train.txt", "", 30, "E301", "not a .npz, .npy or .csv file"),
])
def test_misuse_is_a_diagnostic_naming_the_file(tmp_path: Path, points: np.ndarray, name: str, extra: str,
                                               n_test: int, code: str, words: str) -> None:
    folder = tmp_path / "inner" if name.startswith("..") else tmp_path  # ../train.npz exists, outside the folder
    outcome = compile_spec(folder, name, extra, n_test=n_test)
    assert outcome.plan is None
    assert outcome.errors[0].code == code and words in outcome.errors[0].message, outcome.rendered


def test_no_unpickling_no_symlink_out_and_a_size_limit(tmp_path: Path, points: np.ndarray,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    outcome = compile_spec(tmp_path, "objects.npy")
    assert outcome.plan is None and "cannot be read as numbers" in outcome.errors[0].message
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "link.npz").symlink_to(tmp_path / "train.npz")
    outcome = compile_spec(inner, "link.npz")
    assert outcome.plan is None and "leaves the spec's folder" in outcome.errors[0].message
    monkeypatch.setattr(datafiles, "MAX_FILE_BYTES", 100)
    outcome = compile_spec(tmp_path, "train.csv")
    assert outcome.plan is None and "a data file may have at most 100" in outcome.errors[0].message


def test_a_teacher_from_a_file_is_its_given_weights(tmp_path: Path, points: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=4)
    np.savez(tmp_path / "teacher.npz", a=a, b=b, c=c)
    np.savez(tmp_path / "flat.npz", a=a, b=b.ravel())
    spec = ('problem t\ninput x ~ file("train.npz")\ntarget f* = teacher two_layer(weights = file("{}"))\n'
            "data {{ n = 20   n_test = 30 }}\nmodel net = two_layer(width = 8)\n")
    (tmp_path / "t.ml").write_text(spec.format("teacher.npz"))
    outcome = compile_path(str(tmp_path / "t.ml"))
    assert outcome.plan is not None, outcome.rendered
    run = outcome.plan.runs[0]
    assert isinstance(run.target, ir.TeacherTarget) and run.target.bias and run.target.width == 4
    data = make_dataset(run.input, run.data, run.target, run.seed)
    x = data.x_train.numpy()
    assert np.allclose(data.f_train.numpy(), np.maximum(x @ b.T + c, 0) @ a, atol=1e-13)
    (tmp_path / "t.ml").write_text(spec.format("flat.npz"))
    outcome = compile_path(str(tmp_path / "t.ml"))
    assert outcome.plan is None and outcome.errors[0].code == "E302"
    assert "`flat.npz` has an array b of shape (12,), but the spec needs (4, 3)" in outcome.errors[0].message
