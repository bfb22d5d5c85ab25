"""The results store: cache hits train nothing, a changed value retrains only its runs, --explain-cache names the
changed key part, damaged store files are reported and rebuilt, a full disk keeps what was stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mlc.runtime import store_exec
from mlc.runtime.cli import main
from mlc.runtime.store import DB_NAME, Store

from spec_fixtures import TINY_SPEC

# SGD trains on the autograd engine, where the width is not per member: one group per width.
SGD_SPEC = TINY_SPEC.replace("problem tiny", "problem tiny_sgd").replace(
    "optimizer = gd(lr = 0.1)", "optimizer = sgd(lr = 0.1, batch = 10)")


class Counter:
    """Wraps store_exec.train_group and counts the runs it trains."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs: list[str] = []
        real = store_exec.train_group

        def counting(group, *args, **kwargs):
            self.runs += [r.hash for r in group.runs]
            return real(group, *args, **kwargs)

        monkeypatch.setattr(store_exec, "train_group", counting)


def _run(spec: Path, out: Path, *extra: str) -> int:
    return main(["compile-and-run", str(spec), "--device", "cpu", "--out", str(out), "--no-plots", *extra])


def _numbers(out: Path) -> list[dict]:
    """Everything measured, per run, without wall times."""
    data = json.loads((out / "results.json").read_text())
    return [{k: v for k, v in r.items() if k != "wall_time_s"} for r in data["runs"]]


@pytest.fixture
def fast_spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.ml"
    path.write_text(TINY_SPEC)
    return path


def test_a_hit_trains_nothing_and_gives_the_same_results(fast_spec: Path, tmp_path: Path, monkeypatch, capsys):
    assert _run(fast_spec, tmp_path / "a") == 0
    first = _numbers(tmp_path / "a")
    assert (fast_spec.parent / ".mlc" / DB_NAME).exists(), "the store is beside the spec by default"

    def no_training(*args, **kwargs):
        raise AssertionError("a cache hit must not train")

    monkeypatch.setattr(store_exec, "train_group", no_training)
    capsys.readouterr()
    assert _run(fast_spec, tmp_path / "b") == 0
    assert _numbers(tmp_path / "b") == first
    assert "4 of 4 runs read back, 0 trained" in capsys.readouterr().out
    saved = json.loads((tmp_path / "b" / "results.json").read_text())
    assert saved["status"] == "complete" and saved["planned_runs"] == 4


def test_rerun_trains_again_and_reports_identical_numbers(fast_spec: Path, tmp_path: Path, monkeypatch, capsys):
    assert _run(fast_spec, tmp_path / "a") == 0
    counter = Counter(monkeypatch)
    capsys.readouterr()
    assert _run(fast_spec, tmp_path / "b", "--rerun") == 0
    assert len(counter.runs) == 4
    out = capsys.readouterr().out
    assert out.count("already stored (identical numbers)") == 4, out
    assert _numbers(tmp_path / "b") == _numbers(tmp_path / "a")


def test_a_changed_value_retrains_only_its_runs(tmp_path: Path, monkeypatch, capsys):
    spec = tmp_path / "sgd.ml"
    spec.write_text(SGD_SPEC)
    assert _run(spec, tmp_path / "a") == 0
    before = {r["hash"]: r for r in _numbers(tmp_path / "a")}
    spec.write_text(SGD_SPEC.replace("width = [4, 8]", "width = [4, 16]"))
    counter = Counter(monkeypatch)
    capsys.readouterr()
    assert _run(spec, tmp_path / "b", "--explain-cache") == 0
    after = _numbers(tmp_path / "b")
    retrained = {r["hash"] for r in after if r["params"]["width"] == 16}
    assert set(counter.runs) == retrained and len(retrained) == 2
    for r in after:  # the width-4 runs are read back, bitwise
        if r["params"]["width"] == 4:
            assert r == before[r["hash"]]
    out = capsys.readouterr().out
    assert "(width 4, seed 0)" in out and "hit" in out
    assert out.count("miss: width 4 -> 16") + out.count("miss: width 8 -> 16") == 2, out


def test_explain_cache_names_a_changed_environment_part(fast_spec: Path, tmp_path: Path, monkeypatch, capsys):
    assert _run(fast_spec, tmp_path / "a") == 0
    import torch
    real = torch.__version__
    monkeypatch.setattr(torch, "__version__", "2.99.0")
    capsys.readouterr()
    assert _run(fast_spec, tmp_path / "b", "--explain-cache") == 0
    assert capsys.readouterr().out.count(f"torch {real} -> 2.99.0") == 4


def test_explain_cache_names_a_changed_dtype(fast_spec: Path, tmp_path: Path, capsys):
    assert _run(fast_spec, tmp_path / "a") == 0
    capsys.readouterr()
    assert _run(fast_spec, tmp_path / "b", "--explain-cache", "--dtype", "float64") == 0
    assert capsys.readouterr().out.count("dtype float32 -> float64") == 4


def test_a_corrupted_index_is_moved_aside_and_rebuilt(fast_spec: Path, tmp_path: Path, capsys):
    store = tmp_path / "st"
    store.mkdir()
    (store / DB_NAME).write_bytes(b"this is not a database" * 100)
    assert _run(fast_spec, tmp_path / "a", "--store", str(store)) == 0
    out = capsys.readouterr().out
    assert "not a readable SQLite database" in out and str(store / DB_NAME) in out.replace("\n", "")
    assert list(store.glob(f"{DB_NAME}.corrupt-*")), "the damaged file is kept aside"
    assert "Traceback" not in out


def test_a_damaged_payload_is_reported_and_retrained(fast_spec: Path, tmp_path: Path, monkeypatch, capsys):
    store = tmp_path / "st"
    assert _run(fast_spec, tmp_path / "a", "--store", str(store)) == 0
    with sqlite3.connect(store / DB_NAME) as conn:
        conn.execute("UPDATE runs SET payload = ? WHERE rowid = (SELECT min(rowid) FROM runs)", (b"garbage",))
    counter = Counter(monkeypatch)
    capsys.readouterr()
    assert _run(fast_spec, tmp_path / "b", "--store", str(store)) == 0
    out = capsys.readouterr().out
    assert "is damaged" in out and len(counter.runs) == 4  # the fast group is stored and trained whole
    assert _numbers(tmp_path / "b") == _numbers(tmp_path / "a")


def test_a_store_path_that_is_a_file_is_a_clear_error(fast_spec: Path, tmp_path: Path, capsys):
    bad = tmp_path / "file"
    bad.write_text("x")
    assert _run(fast_spec, tmp_path / "a", "--store", str(bad)) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "Traceback" not in err


def test_a_full_disk_keeps_the_stored_groups(tmp_path: Path, monkeypatch, capsys):
    spec = tmp_path / "sgd.ml"
    spec.write_text(SGD_SPEC)
    real = Store.put
    calls = []

    def put(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise self._error("write to", sqlite3.OperationalError("database or disk is full"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "put", put)
    assert _run(spec, tmp_path / "a", "--store", str(tmp_path / "st")) == 1
    out = capsys.readouterr().out
    assert "the disk is full" in out and "runs saved before are intact" in out and "Traceback" not in out
    saved = json.loads((tmp_path / "a" / "results.json").read_text())
    assert saved["status"] == "incomplete" and saved["planned_runs"] == 4
    assert len(saved["runs"]) == 4  # both groups' results reached the view; one group reached the store
    with Store(tmp_path / "st") as store:
        assert len(store.runs()) == 2


def test_a_cached_rerun_reuses_the_plots_it_would_redraw(fast_spec: Path, tmp_path: Path, monkeypatch):
    from mlc.runtime import report
    out = tmp_path / "o"
    assert main(["compile-and-run", str(fast_spec), "--device", "cpu", "--out", str(out)]) == 0
    drawn = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert drawn

    def no_drawing(*args, **kwargs):
        raise AssertionError("unchanged results must not be drawn again")

    monkeypatch.setattr(report, "_make_plots", no_drawing)
    assert main(["compile-and-run", str(fast_spec), "--device", "cpu", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert sorted(Path(f).name for f in summary["files"] if f.endswith(".png")) == drawn
    assert not summary["skipped_plots"]


def test_every_key_part_changes_the_key():
    from mlc.runtime.store_keys import Determinism, KeyParts
    base = KeyParts(run="r", code="c", torch="t", device="cpu", dtype="float32",
                    determinism=Determinism("fast", ("a", "b"), None))
    variants = [KeyParts(**{**base.__dict__, name: "x"}) for name in ("run", "code", "torch", "device", "dtype")]
    variants += [KeyParts(**{**base.__dict__, "determinism": d}) for d in
                 (Determinism("autograd", ("a", "b"), None), Determinism("fast", ("a",), None),
                  Determinism("fast", ("a", "b"), 2))]
    keys = {base.key(), *(v.key() for v in variants)}
    assert len(keys) == len(variants) + 1
    assert KeyParts.from_json(base.to_json()) == base


def test_an_interrupted_rerun_keeps_every_stored_result_in_the_view(tmp_path: Path, monkeypatch, capsys):
    import signal

    from mlc.runtime.store_checkpoint import Interrupted
    spec = tmp_path / "sgd.ml"
    spec.write_text(SGD_SPEC)
    out = tmp_path / "o"
    assert _run(spec, out) == 0
    before = _numbers(out)
    real, calls = store_exec.train_group, []

    def second_group_interrupted(group, *args, **kwargs):
        calls.append(group)
        if len(calls) == 2:
            raise Interrupted(signal.SIGINT)
        return real(group, *args, **kwargs)

    monkeypatch.setattr(store_exec, "train_group", second_group_interrupted)
    assert _run(spec, out, "--rerun") == 130
    saved = json.loads((out / "results.json").read_text())
    assert saved["status"] == "interrupted" and saved["planned_runs"] == 4
    assert _numbers(out) == before  # 2 runs retrained (bitwise the same), 2 kept from the store
    assert "stopped by SIGINT" in capsys.readouterr().out


def test_closed_form_runs_are_keyed_alone(tmp_path: Path, monkeypatch):
    spec = tmp_path / "rf.ml"
    text = (TINY_SPEC.replace("problem tiny", "problem tiny_rf")
            .replace("model net = two_layer(width = 8, activation = relu, scaling = standard)",
                     "model net = random_features(width = 8, activation = relu)")
            .replace("  optimizer = gd(lr = 0.1)\n", "  solve     = min_norm\n"))
    spec.write_text(text)
    assert _run(spec, tmp_path / "a") == 0
    spec.write_text(text.replace("width = [4, 8]", "width = [4, 16]"))
    counter = Counter(monkeypatch)
    assert _run(spec, tmp_path / "b") == 0
    assert len(counter.runs) == 2  # only the width-16 runs: each closed-form run is its own group


def test_an_unwritable_store_location_is_a_clear_error(fast_spec: Path, tmp_path: Path, capsys):
    assert _run(fast_spec, tmp_path / "a", "--store", "/proc/mlc-store") == 2
    err = capsys.readouterr().err
    assert "cannot create the store /proc/mlc-store" in err and "Traceback" not in err


def test_mlc_runs_never_imports_torch(fast_spec: Path, tmp_path: Path):
    import subprocess
    import sys
    assert _run(fast_spec, tmp_path / "a") == 0
    code = ("import sys; from mlc.runtime.cli import main; "
            f"rc = main(['runs', 'ls', {str(fast_spec)!r}]); "
            "assert rc == 0 and 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)[:3]")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
