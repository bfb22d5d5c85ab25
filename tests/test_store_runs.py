"""``mlc runs`` (ls, show, diff, gc, export) and ``mlc.load``: what was stored reads back as text and tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mlc
from mlc.runtime.cli import main
from mlc.runtime.store import Store

from spec_fixtures import TINY_SPEC


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with one spec, trained once: store in proj/.mlc, results in proj/out."""
    root = tmp_path_factory.mktemp("proj")
    (root / "tiny.ml").write_text(TINY_SPEC)
    assert main(["compile-and-run", str(root / "tiny.ml"), "--device", "cpu", "--no-plots", "--out",
                 str(root / "out")]) == 0
    return root


def _keys(project: Path) -> list[str]:
    with Store(project / ".mlc") as store:
        return [r.key for r in store.runs()]


def test_ls_lists_every_run_with_hash_status_and_age(project: Path, capsys):
    assert main(["runs", "ls", str(project / "tiny.ml")]) == 0
    out = capsys.readouterr().out
    assert "4 runs in" in out and out.count(" ok ") == 4 and "width 8, seed 1" in out
    assert main(["runs", "ls", str(project)]) == 0  # a folder holding .mlc/
    assert "4 runs in" in capsys.readouterr().out


def test_show_and_diff(project: Path, capsys):
    a, b = _keys(project)[:2]
    assert main(["runs", "show", a[:10], "--store", str(project / ".mlc")]) == 0
    out = capsys.readouterr().out
    assert f"key        {a}" in out and "torch" in out and "test_error" in out and "rerun" in out
    assert main(["runs", "diff", a[:10], b[:10], "--store", str(project / ".mlc")]) == 0
    out = capsys.readouterr().out
    assert "seed 0 -> 1" in out and "test_error" in out


def test_show_unknown_or_ambiguous_hash_is_a_clear_error(project: Path, capsys):
    assert main(["runs", "show", "zzzz", "--store", str(project / ".mlc")]) == 1
    assert "no stored run" in capsys.readouterr().err
    assert main(["runs", "show", "", "--store", str(project / ".mlc")]) == 1
    assert "matches 4 runs" in capsys.readouterr().err


def test_ls_without_a_store_is_a_clear_error(tmp_path: Path, capsys):
    assert main(["runs", "ls", "--store", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert "no results store" in err and "Traceback" not in err


def test_load_gives_a_row_per_run_and_a_column_per_param_and_metric(project: Path):
    for source in (project / "out", project / "tiny.ml", project / ".mlc"):
        df = mlc.load(source)
        assert len(df) == 4
        assert {"width", "seed", "test_error", "train_error", "status"} <= set(df.columns)
        assert sorted(df["width"].unique()) == [4.0, 8.0]
    saved = json.loads((project / "out" / "results.json").read_text())
    by_hash = {r["hash"]: r["metrics"]["test_error"] for r in saved["runs"]}
    df = mlc.load(project / "tiny.ml")
    assert {h: v for h, v in zip(df["run_hash"], df["test_error"])} == by_hash


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export(project: Path, tmp_path: Path, fmt: str, capsys):
    target = tmp_path / f"runs.{fmt}"
    assert main(["runs", "export", "--format", fmt, "-o", str(target), "--store", str(project / ".mlc")]) == 0
    import pandas
    df = {"csv": pandas.read_csv, "parquet": pandas.read_parquet, "json": pandas.read_json}[fmt](target)
    assert len(df) == 4 and "test_error" in df.columns and "key" in df.columns


def test_gc_deletes_only_what_no_spec_refers_to(tmp_path: Path, capsys):
    spec = tmp_path / "tiny.ml"
    spec.write_text(TINY_SPEC)
    assert main(["compile-and-run", str(spec), "--device", "cpu", "--no-plots", "--out", str(tmp_path / "o")]) == 0
    spec.write_text(TINY_SPEC.replace("width = [4, 8]", "width = [4]"))
    capsys.readouterr()
    assert main(["runs", "gc", "--dry-run", "--store", str(tmp_path / ".mlc")]) == 0
    assert "2 runs would be deleted, 2 kept" in capsys.readouterr().out
    assert len(_keys(tmp_path)) == 4
    (tmp_path / "broken.ml").write_text("problem broken\nnonsense here\n")
    assert main(["runs", "gc", "--store", str(tmp_path / ".mlc")]) == 1
    assert "deletes nothing" in capsys.readouterr().err and len(_keys(tmp_path)) == 4
    (tmp_path / "broken.ml").unlink()
    assert main(["runs", "gc", "--store", str(tmp_path / ".mlc")]) == 0
    assert "2 runs deleted, 2 kept" in capsys.readouterr().out
    assert len(_keys(tmp_path)) == 2
