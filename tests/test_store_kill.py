"""Real processes: a sweep killed with SIGKILL at random points and started again gives results bitwise equal to an
uninterrupted run; SIGINT, SIGTERM and SIGHUP stop cleanly (exit 130/143/129, no traceback, what was saved is said); two
processes running the same spec at once train each run once and leave the store intact."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlc.runtime.cli import main
from mlc.runtime.store import DB_NAME, Store
from spec_fixtures import teacher_spec

# Three autograd groups (SGD: one group per width) of two runs each, long enough to be killed in the middle.
SPEC = teacher_spec("killme", optimizer="sgd(lr = 0.05, batch = 10)", steps=1000,
                    record="every 100: train_error, test_error", sweep="width = [4, 8, 16]   seed = 0..1")


def _command(spec: Path, store: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mlc.runtime.cli", "compile-and-run", str(spec), "--device", "cpu", "--no-plots",
            "--store", str(store), "--out", str(out), *extra]


def _numbers(out: Path) -> list[dict]:
    data = json.loads((out / "results.json").read_text())
    return [{k: v for k, v in r.items() if k != "wall_time_s"} for r in data["runs"]]


def _wait_for_training(proc: subprocess.Popen, store: Path, timeout: float = 120.0) -> bool:
    """Wait until the process has opened the store (compiling and imports are done); False if it exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if (store / DB_NAME).exists():
            return True
        time.sleep(0.05)
    raise AssertionError("the process did not start training in time")


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "killme.ml"
    path.write_text(SPEC)
    return path


def _reference(spec: Path, tmp_path: Path) -> list[dict]:
    out = tmp_path / "ref"
    assert main(["compile-and-run", str(spec), "--device", "cpu", "--no-plots", "--store", str(tmp_path / "ref_store"),
                 "--out", str(out)]) == 0
    return _numbers(out)


def test_sigkill_at_random_points_then_resume_is_bitwise_identical(spec: Path, tmp_path: Path):
    reference = _reference(spec, tmp_path)
    store, out = tmp_path / "store", tmp_path / "out"
    rng = random.Random(8)
    kills = 0
    for _attempt in range(3):
        proc = subprocess.Popen(_command(spec, store, out, "--checkpoint-every", "0.1"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not _wait_for_training(proc, store):
            break  # everything was already done
        time.sleep(rng.uniform(0.2, 2.0))
        proc.kill()  # SIGKILL: no handler runs
        proc.wait()
        kills += proc.returncode == -signal.SIGKILL
    assert kills >= 1
    with Store(store) as st:  # whatever was killed, the store opens and holds only whole groups
        assert len(st.runs()) % 2 == 0
    done = subprocess.run(_command(spec, store, out, "--checkpoint-every", "0.1"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert _numbers(out) == reference
    assert json.loads((out / "results.json").read_text())["status"] == "complete"
    assert not list((store / "checkpoints").glob("*.pt")), "checkpoints are deleted once their group is stored"


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_saves_and_exits_cleanly(spec: Path, tmp_path: Path, sig: int, code: int):
    store, out = tmp_path / "store", tmp_path / "out"
    proc = subprocess.Popen(_command(spec, store, out, "--checkpoint-every", "60"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert _wait_for_training(proc, store)
    time.sleep(1.0)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    text = stdout + stderr
    assert proc.returncode == code, text
    assert "Traceback" not in text
    match = re.search(r"stopped by (SIGINT|SIGTERM|SIGHUP): (\d+) of 6 runs are stored", text)
    assert match, text
    saved = json.loads((out / "results.json").read_text())
    assert saved["status"] == "interrupted" and saved["planned_runs"] == 6
    assert len(saved["runs"]) == int(match.group(2))
    if "checkpointed at step" in text:  # the group in training was saved at a step boundary
        assert list((store / "checkpoints").glob("*.pt"))


def test_two_processes_at_once_train_each_run_once(spec: Path, tmp_path: Path):
    store = tmp_path / "store"
    procs = [subprocess.Popen(_command(spec, store, tmp_path / f"out{i}"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})
             for i in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs):
        assert p.returncode == 0, stdout + stderr
        assert "Traceback" not in stdout + stderr
    trained = []
    for stdout, _ in outputs:
        match = re.search(r"(\d+) of 6 runs read back, (\d+) trained(?:, (\d+) trained by another process)?", stdout)
        assert match, stdout
        trained.append(int(match.group(2)))
    assert sum(trained) == 6, f"each run is trained once in all: {trained}"
    assert _numbers(tmp_path / "out0") == _numbers(tmp_path / "out1")
    with Store(store) as st:
        assert len(st.runs()) == 6
        assert st.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
