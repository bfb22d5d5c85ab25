"""Benchmark: the task overhead of the Ray executor against the local one, on a shipped spec.

Input:  a spec (default ``specs/mean_field_cod.ml``: 12 runs, mean-field nets, 600 GD steps each), a local Ray
        instance started here (``ray.init(num_cpus=...)``, this machine's cores by default) or ``--address``.
Output: on stdout, for each of ``--repeats`` rounds, the wall time (and the time the groups trained, from the
        results) of ``mlc compile-and-run SPEC`` (in this process, a fresh store each time, no plots) with
        ``--executor local``, with ``--executor ray --group-cpus C`` where
        C is the cluster's CPUs (one task at a time: the same serial work as local, so the difference is the
        executor's cost: submission, scheduling, the worker's imports and data, shipping results back) and with
        ``--executor ray`` as it packs by default (tasks side by side on the cores); then the medians, the
        overhead of the serial Ray run over the local one (in % and per task), the same with each run's own
        training time taken out (what the executor adds beside the work, less moved by a loaded machine), the time of a no-op Ray task
        (submitted 200 at once, and one after the other), the time ``ray.init`` took, and whether the numbers
        are bitwise those of the local executor (metrics, curves, bounds of every run).
Role:   the measured overhead in docs/ray.md, and the basis of its estimate for a sweep on a real cluster.

Usage:  python benchmarks/ray_overhead.py [--spec specs/mean_field_cod.ml] [--repeats 3] [--cpus N] [--address A]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _numbers(out: Path) -> list[dict]:
    runs = json.loads((out / "results.json").read_text())["runs"]
    keep = ("index", "hash", "status", "metrics", "curves", "bounds", "steps_done", "diverged_at_step")
    return sorted(({k: r.get(k) for k in keep} for r in runs), key=lambda r: r["index"])


def _training_s(out: Path) -> float:
    """The time the groups trained, from the results (each run holds its share of its group's wall time)."""
    return sum(r["wall_time_s"] for r in json.loads((out / "results.json").read_text())["runs"])


def _timed_run(spec: Path, tmp: Path, name: str, *extra: str) -> tuple[float, float, list[dict]]:
    from mlc.runtime.cli import main

    out, store = tmp / name / "out", tmp / name / "store"
    argv = ["compile-and-run", str(spec), "--store", str(store), "--out", str(out), "--no-plots", "--device", "cpu",
            *extra]
    sink = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(argv)
    wall = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}:\n{sink.getvalue()}")
    return wall, _training_s(out), _numbers(out)


def _noop() -> int:
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", default=str(ROOT / "specs" / "mean_field_cod.ml"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1, help="CPUs of the local Ray instance")
    parser.add_argument("--address", default=None, help="a running cluster instead of a local instance")
    args = parser.parse_args()

    import ray

    import mlc.runtime.executor_ray as executor_ray

    tasks: list[int] = []
    original_bundle = executor_ray.bundle

    def counting_bundle(*a, **k):  # how many tasks the executor submits (its own packing, counted)
        bundles = original_bundle(*a, **k)
        tasks.append(len(bundles))
        return bundles

    executor_ray.bundle = counting_bundle  # type: ignore[assignment]
    t0 = time.perf_counter()
    if args.address:
        ray.init(address=args.address, log_to_driver=False, configure_logging=False)
    else:
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    init_s = time.perf_counter() - t0
    cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
    spec = Path(args.spec)
    local_t, serial_t, packed_t = [], [], []
    local_rest, serial_rest = [], []  # wall time minus training: what each executor adds around the work
    equal = True
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        _timed_run(spec, tmp, "warm")  # imports, the first compilation, torch's first kernels: not measured
        for i in range(args.repeats):
            lt, ltrain, ln = _timed_run(spec, tmp, f"local{i}")
            st, strain, sn = _timed_run(spec, tmp, f"serial{i}", "--executor", "ray", "--group-cpus",
                                        str(cluster_cpus))
            serial_tasks = tasks[-1]
            pt, _, pn = _timed_run(spec, tmp, f"packed{i}", "--executor", "ray")
            packed_tasks = tasks[-1]
            equal = equal and ln == sn == pn
            local_rest.append(lt - ltrain)
            serial_rest.append(st - strain)
            local_t.append(lt)
            serial_t.append(st)
            packed_t.append(pt)
            print(f"round {i + 1}: local {lt:.2f} s (training {ltrain:.2f} s), ray one task at a time {st:.2f} s "
                  f"(training {strain:.2f} s, {serial_tasks} tasks), ray packed {pt:.2f} s ({packed_tasks} tasks)",
                  flush=True)
    noop = ray.remote(num_cpus=1)(_noop)
    ray.get([noop.remote() for _ in range(20)])  # workers started
    t0 = time.perf_counter()
    ray.get([noop.remote() for _ in range(200)])
    batch_ms = 1e3 * (time.perf_counter() - t0) / 200
    t0 = time.perf_counter()
    for _ in range(50):
        ray.get(noop.remote())
    serial_ms = 1e3 * (time.perf_counter() - t0) / 50
    ray.shutdown()
    lm, sm, pm = statistics.median(local_t), statistics.median(serial_t), statistics.median(packed_t)
    print(f"spec {spec.name}, {args.repeats} rounds, Ray with {cluster_cpus} CPUs (ray.init took {init_s:.1f} s)")
    print(f"median: local {lm:.2f} s, ray one task at a time {sm:.2f} s, ray packed {pm:.2f} s")
    print(f"overhead of the Ray executor (one task at a time) over local: {sm - lm:+.2f} s = "
          f"{100 * (sm - lm) / lm:+.1f}% of the work, {1e3 * (sm - lm) / max(1, serial_tasks):+.0f} ms per task")
    # On a shared machine the training itself moves by more than the executor costs; its own time, taken out of
    # both runs, leaves what each executor adds around the work (compiling, the store and the report included).
    added = statistics.median(s - r for s, r in zip(serial_rest, local_rest))
    train = statistics.median(t - r for t, r in zip(local_t, local_rest))
    print(f"Ray's cost beside the training (one task at a time, the training's own time taken out of both): "
          f"{added:+.2f} s = {100 * added / train:+.1f}% of the local training ({train:.2f} s), "
          f"{1e3 * added / max(1, serial_tasks):+.0f} ms per task")
    print(f"a no-op Ray task: {batch_ms:.2f} ms each when 200 are submitted at once, {serial_ms:.2f} ms one after "
          f"the other")
    print(f"numbers bitwise equal to the local executor's: {'yes' if equal else 'NO'}")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
