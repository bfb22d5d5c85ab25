"""Benchmark: the results store under several concurrent writers (runs/s, and that nothing is lost).

Input:  the number of writer processes, groups per writer and runs per group; the runs are those of a shipped
        spec (``specs/quickstart.ml`` compiled, no training) with results of a realistic size (its metrics, a
        recorded curve of ``--curve`` points, its bounds), each writer storing its groups under keys of its own.
Output: on stdout, the runs stored per second by all the writers together (first write of the first group to the
        last commit), the mean and worst time of one group's transaction, and the check: every run that every
        writer stored reads back from the store with its payload intact (a non-zero exit otherwise).
Role:   the store throughput of docs/ray.md (what a cluster's driver and concurrent ``mlc`` processes can write).
        The store is SQLite in WAL mode with ``BEGIN IMMEDIATE`` transactions (``runtime.store``): writers take
        turns, so the number to know is how many runs per second the turns add up to.

Usage:  python benchmarks/store_throughput.py [--writers 4] [--groups 50] [--runs 8] [--curve 100] [--store DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "quickstart.ml"


def _rows(writer: int, group: int, runs: int, curve: int) -> list:
    """One group's rows: the spec's runs, each with a key of this writer and group, and a result of a real size."""
    from mlc.compiler.pipeline import compile_text
    from mlc.runtime.results import Curve, RunResult
    from mlc.runtime.store import Row
    from mlc.runtime.store_keys import Determinism, KeyParts

    plan = _plan_cache.get("plan")
    if plan is None:
        plan = compile_text(SPEC.read_text(), str(SPEC)).plan
        assert plan is not None
        _plan_cache["plan"] = plan
    out = []
    members = tuple(f"w{writer}g{group}r{i}" for i in range(runs))
    for i in range(runs):
        run = plan.runs[i % len(plan.runs)]
        parts = KeyParts(run=members[i], code="bench", torch="bench", device="cpu", dtype="float32",
                         determinism=Determinism("fast", members, None))
        result = RunResult(index=i, hash=members[i], model=run.model.name, family=run.model.family, seed=run.seed,
                           params=dict(run.params), steps_done=2000,
                           metrics={"train_error": 1e-3 * (i + 1), "test_error": 2e-3 * (i + 1), "path_norm": 3.0},
                           curves={"test_error": Curve(steps=list(range(0, 20 * curve, 20)),
                                                      values=[1.0 / (k + 1) for k in range(curve)])})
        out.append(Row(parts, run.model_dump(mode="json"), result))
    return out


_plan_cache: dict = {}


def write(store_dir: str, writer: int, groups: int, runs: int, curve: int, ready, go, results) -> None:
    """One writer process: store ``groups`` groups of ``runs`` runs, one transaction each; put the time of each
    (or the error) on ``results``."""
    try:
        from mlc.runtime.store import Store

        prepared = [_rows(writer, g, runs, curve) for g in range(groups)]
        store = Store(store_dir)
        ready.put(writer)
        go.wait()  # all writers start together
        times = []
        with store:
            for g, rows in enumerate(prepared):
                t0 = time.perf_counter()
                store.put(rows, "bench", str(SPEC), "bench", {"writer": writer, "group": g})
                times.append(time.perf_counter() - t0)
        results.put((writer, times, time.time()))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent, which fails
        ready.put(writer)
        results.put((writer, f"{type(exc).__name__}: {exc}", time.time()))


def run_writers(store_dir: str, writers: int, groups: int, runs: int, curve: int) -> tuple[float, list[float]]:
    """Start ``writers`` processes, let them write together once all are ready; the wall time from the start to
    the last commit, and the time of every group's transaction. RuntimeError when a writer failed."""
    ctx = mp.get_context("spawn")  # a fresh interpreter each, as separate mlc processes would be
    from mlc.runtime.store import Store

    Store(store_dir).close()  # the schema exists before the writers race
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=write, args=(store_dir, w, groups, runs, curve, ready, go, results))
             for w in range(writers)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=300)
    start = time.time()
    go.set()
    outcomes = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    failed = [f"writer {w}: {t}" for w, t, _ in outcomes if isinstance(t, str)]
    if failed:
        raise RuntimeError("; ".join(failed))
    return max(end for _, _, end in outcomes) - start, [t for _, ts, _ in outcomes for t in ts]


def check(store_dir: str, writers: int, groups: int, runs: int) -> list[str]:
    """What is lost or damaged: the keys expected and not read back intact."""
    from mlc.runtime.store import Store

    with Store(store_dir) as store:
        stored = store.runs("bench")
        expected = {f"w{w}g{g}r{i}" for w in range(writers) for g in range(groups) for i in range(runs)}
        found = {s.run_hash for s in stored}
        problems = [f"missing: {h}" for h in sorted(expected - found)]
        for s in stored:
            try:
                s.result()
            except ValueError as exc:
                problems.append(f"damaged: {s.run_hash}: {exc}")
        problems += [f"unexpected: {h}" for h in sorted(found - expected)]
        problems += [f"a run stored twice: {len(stored)} rows for {len(found)} runs"] if len(stored) != len(found) else []
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--groups", type=int, default=50, help="groups each writer stores (one transaction each)")
    parser.add_argument("--runs", type=int, default=8, help="runs per group")
    parser.add_argument("--curve", type=int, default=100, help="points of the recorded curve of each run")
    parser.add_argument("--store", default=None, help="the store folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store or str(Path(tmp) / "store")
        wall, times = run_writers(store_dir, args.writers, args.groups, args.runs, args.curve)
        total = args.writers * args.groups * args.runs
        problems = check(store_dir, args.writers, args.groups, args.runs)
        print(f"{args.writers} writers x {args.groups} groups x {args.runs} runs ({args.curve}-point curves): "
              f"{total} runs in {wall:.2f} s = {total / wall:.0f} runs/s "
              f"({args.writers * args.groups / wall:.0f} group transactions/s)")
        print(f"one group's transaction: mean {1e3 * statistics.mean(times):.1f} ms, "
              f"worst {1e3 * max(times):.1f} ms (waiting for the other writers included)")
        if problems:
            print(f"LOST OR DAMAGED: {len(problems)}:\n  " + "\n  ".join(problems[:20]))
            return 1
        print(f"check: all {total} runs read back intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
