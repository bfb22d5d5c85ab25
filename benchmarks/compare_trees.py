"""Fixed cost of two source trees, alternating: ``compile-and-run`` with ``steps = 1`` and the front-end commands.

Input:  ``python benchmarks/compare_trees.py OLD_TREE [REPEATS] [--front-end]``: OLD_TREE is another checkout of
        mlc (e.g. ``git archive <commit> | tar -x -C /tmp/old``); this tree is the new one. The benchmark specs are
        copied with ``steps = 1`` into a temporary folder. ``--front-end``: only check, fmt --check and
        compile --emit plan|ir on the quickstart spec, timed as ``run.py --front-end`` times them (bytecode cached,
        one warm-up call per tree, a blocking ``os.wait4``).
Output: one line per process (wall and CPU seconds, peak MiB, load), then per command the min / median CPU seconds
        of each tree and the min wall seconds.
Role:   the before/after table of docs/performance.md. The trees alternate (the order swapped every repeat) so that
        the load hits both alike; CPU seconds move less than wall time on a shared machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (benchmarks/run.py: timed, spec_copy, load)


def main() -> int:
    argv = [a for a in sys.argv[1:] if a != "--front-end"]
    if not argv:
        sys.exit(__doc__)
    trees = {"old": Path(argv[0]).resolve(), "new": bench.ROOT}
    repeats = int(argv[1]) if len(argv) > 1 else 2
    if "--front-end" in sys.argv:
        return front_end(trees, repeats)
    folder = Path(tempfile.mkdtemp(prefix="mlc-compare-"))
    one = {n: bench.spec_copy(p, folder, 1) for n, p in bench.BENCHMARKS.items()}
    cmds: dict[str, list[str]] = {f"compile-and-run {n} steps=1": ["compile-and-run", str(p), "--device", "cpu",
                                                                   "--no-plots"] for n, p in one.items()}
    cmds.update({
        "check": ["check", "specs/quickstart.ml"],
        "fmt --check": ["fmt", "--check", "specs/quickstart.ml"],
        "compile --emit plan": ["compile", "--emit", "plan", "specs/quickstart.ml"],
        "bounds": ["bounds", "specs/quickstart.ml"],
        "bounds --explain double_descent": ["bounds", "--explain", "specs/double_descent.ml"],
    })
    res: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for r in range(repeats):
        for label, args in cmds.items():
            for tree in (["old", "new"] if r % 2 == 0 else ["new", "old"]):
                cmd = [sys.executable, "-m", "mlc.runtime.cli", *args]
                if args[0] == "compile-and-run":
                    out = tempfile.mkdtemp(dir=folder)
                    cmd += ["--out", out + "/o", "--store", out + "/s"]
                wall, cpu, peak, proc = bench.timed(cmd, cwd=trees[tree])
                if proc.returncode != 0:
                    sys.exit(f"{label} ({tree}) failed:\n{proc.stderr[-1500:]}")
                res.setdefault(label, {}).setdefault(tree, []).append((wall, cpu))
                print(f"{label} {tree} wall {wall:.2f} cpu {cpu:.2f} peak {peak:.0f} load {bench.load()}", flush=True)
    print("\ncommand | old cpu min / median | new cpu min / median | old wall min | new wall min")
    for label, d in res.items():
        o, n = [c for _, c in d["old"]], [c for _, c in d["new"]]
        print(f"{label} | {min(o):.2f} / {statistics.median(o):.2f} | {min(n):.2f} / {statistics.median(n):.2f} | "
              f"{min(w for w, _ in d['old']):.2f} | {min(w for w, _ in d['new']):.2f}")
    return 0


def front_end(trees: dict[str, Path], repeats: int) -> int:
    """The front-end commands of both trees, alternating, medians and minima of wall and CPU seconds."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    q = "specs/quickstart.ml"
    cmds = {"check": ["check", q], "fmt --check": ["fmt", "--check", q],
            "compile --emit plan": ["compile", q, "--emit", "plan"], "compile --emit ir": ["compile", q, "--emit", "ir"]}
    res: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for tree in trees.values():  # warm-up: bytecode and grammar caches
        for args in cmds.values():
            subprocess.run([sys.executable, "-m", "mlc.runtime.cli", *args], cwd=tree, env=env, capture_output=True)
    loads = [bench.load()]
    for r in range(repeats):
        for label, args in cmds.items():
            for tree in (["old", "new"] if r % 2 == 0 else ["new", "old"]):
                start = time.perf_counter()
                proc = subprocess.Popen([sys.executable, "-m", "mlc.runtime.cli", *args], cwd=trees[tree], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(proc.pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"{label} ({tree}) failed")
                res.setdefault((label, tree), []).append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime))
        loads.append(bench.load())
    print(f"load {' '.join(loads)}\ncommand | tree | wall median (min) | cpu median (min)")
    for (label, tree), values in res.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"{label} | {tree} | {statistics.median(walls):.3f} ({min(walls):.3f}) | "
              f"{statistics.median(cpus):.3f} ({min(cpus):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
