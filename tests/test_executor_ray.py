"""The Ray executor (runtime.executor_ray) on clusters started by the tests: results equal the local executor's
bit for bit, fractional (fake) GPUs are scheduled, a killed worker is retried, a killed driver resumes from the
store, and a two-node cluster on this machine runs a sweep (the last three are slow: ``pytest -m slow``).

Ray is an optional extra (``pip install 'mlc[ray]'``; CI installs it). Each cluster start costs seconds, so the
tests share one single-node cluster (2 CPUs, 2 fake GPUs) and one two-node cluster, in that order.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mlc.runtime.cli import main
from mlc.runtime.store import Store
from spec_fixtures import TINY_SPEC, teacher_spec

ray = pytest.importorskip("ray", reason="the Ray executor is an optional extra: pip install 'mlc[ray]'")

# Four autograd groups (a width each; SGD is not on the fast path), each training for a second or so: long
# enough to kill a worker or the driver in the middle, short enough for the default suite.
def sgd_spec(problem: str, steps: int) -> str:
    return teacher_spec(problem, optimizer="sgd(lr = 0.05, batch = 10)", steps=steps, sweep="width = [4, 5, 6, 7]")


SLOW_SPEC = sgd_spec("slow", 1500)


def _write(tmp_path: Path, text: str, name: str) -> Path:
    spec = tmp_path / f"{name}.ml"
    spec.write_text(text)
    return spec


def _run(spec: Path, store: Path, out: Path, *extra: str) -> int:
    return main(["compile-and-run", str(spec), "--store", str(store), "--out", str(out), "--no-plots", "--device",
                 "cpu", *extra])


def _numbers(out: Path) -> list[dict]:
    """What a run computed (not when or how long): metrics, curves, bounds, status, by run index."""
    runs = json.loads((out / "results.json").read_text())["runs"]
    keep = ("index", "hash", "status", "metrics", "curves", "bounds", "steps_done", "diverged_at_step")
    return sorted(({k: r.get(k) for k in keep} for r in runs), key=lambda r: r["index"])


@pytest.fixture(scope="module")
def cluster():
    """One Ray instance for the single-node tests: 2 CPUs and 2 fake GPUs (no GPU is used; the scheduler counts
    them, so that fractional GPU requests are exercised on a CPU machine)."""
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def test_ray_results_equal_local_bitwise(cluster, tmp_path):
    spec = _write(tmp_path, TINY_SPEC, "tiny")
    assert _run(spec, tmp_path / "s_local", tmp_path / "local") == 0
    assert _run(spec, tmp_path / "s_ray", tmp_path / "ray", "--executor", "ray") == 0
    local, remote = _numbers(tmp_path / "local"), _numbers(tmp_path / "ray")
    assert len(local) == 4 and local == remote
    # the store holds the same keys either way: a result trained on the cluster is a cache hit locally
    with Store(tmp_path / "s_ray") as store:
        assert len(store.runs()) == 4
    assert _run(spec, tmp_path / "s_ray", tmp_path / "again") == 0
    assert _numbers(tmp_path / "again") == local


def test_ray_autograd_groups_and_fractional_gpus(cluster, tmp_path, capsys):
    spec = _write(tmp_path, sgd_spec("frac", 50), "frac")
    assert _run(spec, tmp_path / "s_local", tmp_path / "local") == 0
    assert _run(spec, tmp_path / "s_ray", tmp_path / "ray", "--executor", "ray", "--group-gpus", "0.5") == 0
    assert _numbers(tmp_path / "local") == _numbers(tmp_path / "ray")
    # a request that no node can meet is refused at once, with what to change
    capsys.readouterr()
    assert _run(spec, tmp_path / "s_big", tmp_path / "big", "--executor", "ray", "--group-gpus", "3") == 2
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "no node of the cluster has them" in err and "--group-gpus" in err and "Traceback" not in err


def test_progress_tells_queued_running_and_done_groups(cluster, tmp_path):
    """The status line of the progress bar counts the cluster's groups: queued + running + done is every group
    sent, and a task that has started counts as running."""
    import re

    from mlc.compiler.lower.grouping import group_runs
    from mlc.compiler.pipeline import compile_path
    from mlc.runtime.cmd_run import _environment
    from mlc.runtime.executor_ray import RayExecutor
    from mlc.runtime.store_checkpoint import StopFlag
    from mlc.runtime.store_exec import CacheOptions, execute_cached

    spec = _write(tmp_path, sgd_spec("progress", 300), "progress")
    plan = compile_path(str(spec)).plan
    assert plan is not None
    lines: list[str] = []
    with Store(tmp_path / "store") as store:
        results, report = execute_cached(
            plan, store, device="cpu", dtype="float32", allow_fast=True, options=CacheOptions(), stop=StopFlag(),
            environment=_environment("cpu", "float32", "test"), spec_path=str(spec),
            progress=lambda done, total, text: lines.append(text), executor=RayExecutor())
    assert report.trained == 4 and all(r.status == "ok" for r in results)
    counts = [tuple(int(v) for v in m.groups()) for line in lines
              if (m := re.fullmatch(r"ray: (\d+) groups queued, (\d+) running, (\d+) done", line))]
    assert counts, lines
    groups = len(group_runs(plan))
    assert all(sum(c) == groups for c in counts), counts
    assert any(running >= 1 for _, running, _ in counts), counts


def _ray_group_workers() -> list[int]:
    """Processes running an mlc task (Ray names a busy worker's process ``ray::<task name>``)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(b"ray::mlc-group"):
            found.append(int(proc.name))
    return found


@pytest.mark.slow
def test_killed_worker_is_retried(cluster, tmp_path):
    spec = _write(tmp_path, SLOW_SPEC, "slow")
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for pid in _ray_group_workers():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    code = _run(spec, tmp_path / "s_ray", tmp_path / "ray", "--executor", "ray", "--group-cpus", "1")
    killer.join()
    assert killed, "no worker was seen training"
    assert code == 0
    assert _run(spec, tmp_path / "s_local", tmp_path / "local") == 0
    assert _numbers(tmp_path / "ray") == _numbers(tmp_path / "local")


@pytest.mark.slow
def test_killed_driver_resumes_from_the_store(cluster, tmp_path):
    spec = _write(tmp_path, SLOW_SPEC, "driver")
    store = tmp_path / "store"
    driver = subprocess.Popen(
        [sys.executable, "-m", "mlc.runtime.cli", "compile-and-run", str(spec), "--store", str(store), "--out",
         str(tmp_path / "first"), "--no-plots", "--device", "cpu", "--executor", "ray", "--address", cluster,
         "--group-cpus", "2"],  # one group at a time, so that the kill lands between groups
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and driver.poll() is None:
        if (store / "store.sqlite").exists():
            with Store(store) as s:
                stored = len(s.runs())
            if stored >= 1:
                break
        time.sleep(0.1)
    driver.kill()
    driver.wait()
    assert 1 <= stored < 4, f"stored {stored} runs before the kill"
    # resume (locally here): what the killed driver stored is read back, the rest trains
    assert _run(spec, store, tmp_path / "second") == 0
    with Store(store) as s:
        assert len(s.runs()) == 4
    assert _run(spec, tmp_path / "s_local", tmp_path / "local") == 0
    assert _numbers(tmp_path / "second") == _numbers(tmp_path / "local")


@pytest.mark.slow
def test_two_node_cluster(tmp_path):
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    nodes.add_node(num_cpus=1)
    try:
        ray.init(address=nodes.address, log_to_driver=False, configure_logging=False)
        nodes.wait_for_nodes()
        assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        spec = _write(tmp_path, sgd_spec("nodes", 100), "nodes")
        assert _run(spec, tmp_path / "s_ray", tmp_path / "ray", "--executor", "ray") == 0
        assert _run(spec, tmp_path / "s_local", tmp_path / "local") == 0
        assert _numbers(tmp_path / "ray") == _numbers(tmp_path / "local")
    finally:
        ray.shutdown()
        nodes.shutdown()


def test_ray_missing_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    spec = _write(tmp_path, TINY_SPEC, "noray")
    assert _run(spec, tmp_path / "s", tmp_path / "o", "--executor", "ray") == 2
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "pip install 'mlc[ray]'" in err and "Traceback" not in err
