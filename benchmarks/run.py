"""The benchmark suite: mlc against the hand-written torch loop and JAX, on two sweeps, with the matmul floor.

Input:  the benchmark specs ``benchmarks/sweep.ml`` (20 runs: widths 16-1024 x 5 seeds, d = 20, n = 1000,
        2000 steps) and ``benchmarks/many_small.ml`` (120 runs: widths 8-64 x 10 seeds x lr {0.05, 0.1, 0.2},
        d = 10, n = 500, 1000 steps).
Output: on stdout, one table per sweep and a summary in the layout of issue 14: for each tool (the hand loop,
        ``mlc compile-and-run`` in a subprocess with everything included, JAX jit + vmap per width) the
        minimum and median wall time over interleaved rounds, the speed-up over the hand loop, the fraction of
        the matmul floor's speed it reaches (floor / time), its training part, its peak resident memory, and the
        largest relative difference of its final test errors from mlc's (a correctness check). Then the fixed
        cost (``compile-and-run`` with ``steps = 1``, bounds, bounds --explain) and the front-end commands
        (check, fmt --check, compile --emit plan/ir on the quickstart spec and on the largest specs the limits
        let through) with min and median (``--front-end``: that table alone). ``uptime``'s load is printed with
        each round: the machine may be shared.
Role:   the numbers of docs/performance.md. Every tool runs in its own process (benchmarks/peers.py for the
        peers), timed from outside (wall and CPU seconds, the latter from ``os.wait4``: on a shared machine CPU
        time moves less with the load); its peak memory is its own VmHWM. The floor is
        the sweep's matmul FLOPs (per step and run 4 n m (d+1) + 6 n m) at the fp32 peak of a 4096^3 torch.mm
        measured in every round. JAX is skipped with a message where it is not installed (``pip install
        'mlc[bench]'``).

Usage:  python benchmarks/run.py [--quick] [--rounds N] [--device cpu|cuda] [--only sweep,many_small]
                                 [--no-hand] [--no-jax] [--no-fixed] [--front-end] [--hand-threads N] [--steps N]
        --quick: 20 steps, one round, one front-end repeat (checks the script in about a minute).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCHMARKS = {"sweep": HERE / "sweep.ml", "many_small": HERE / "many_small.ml"}
FRONT_END_SPEC = ROOT / "specs" / "quickstart.ml"
EXPLAIN_SPEC = ROOT / "specs" / "double_descent.ml"  # 24 random-features runs: bounds --explain forms kernels
QUICK_STEPS = 20


@dataclass
class Sample:
    """One timed process: wall seconds (outside), peak RSS (MiB), the training part, test errors."""

    wall: float
    cpu: float
    rss_mib: float
    train: float | None = None
    compile_s: float | None = None
    errors: list[float] = field(default_factory=list)


def load() -> str:
    """The 1-minute load average, as text."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


POLL_S = 0.02


def _hwm_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM of /proc/PID/status), MiB; 0 where unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, float, subprocess.CompletedProcess[str]]:
    """Run ``cmd``; (wall seconds, the child's CPU seconds (user + system), its peak resident memory in MiB, the
    completed process). The peak is the child's own VmHWM, read every POLL_S while it runs: ``ru_maxrss`` of a
    child is not its own (Linux carries the parent's high-water mark over fork and exec)."""
    start = time.perf_counter()
    peak = 0.0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, cwd=cwd)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _hwm_mib(proc.pid))
            time.sleep(POLL_S)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())
    return wall, usage.ru_utime + usage.ru_stime, peak, done


def spec_copy(spec: Path, folder: Path, steps: int | None) -> Path:
    """``spec`` with every ``steps = N`` replaced by ``steps`` (None: the spec itself)."""
    if steps is None:
        return spec
    text = re.sub(r"steps\s*=\s*\d+", f"steps = {steps}", spec.read_text())
    path = folder / f"{spec.stem}_steps{steps}.ml"
    path.write_text(text)
    return path


def compile_plan(spec: Path):
    from mlc.compiler.pipeline import compile_path

    outcome = compile_path(str(spec))
    if outcome.plan is None:
        sys.exit(f"{spec} does not compile:\n{outcome.rendered}")
    return outcome.plan


def useful_flops(plan) -> float:
    """Matmul FLOPs of full-batch GD on the two-layer nets, for the whole sweep: per step and run,
    forward 2 n m (d+1) + 2 n m, backward 2 n m (d+1) (dW) + 4 n m (dH, da)."""
    total = 0.0
    for run in plan.runs:
        n, m, d = run.data.n, run.model.width, run.input.dim
        total += run.train.steps * (4.0 * n * m * (d + 1) + 6.0 * n * m)
    return total


def write_case(plan, path: Path) -> None:
    """The runs' data and initial weights, as mlc draws them, for benchmarks/peers.py (not timed)."""
    import torch

    from mlc.compiler.lower.ensemble import init_params
    from mlc.compiler.lower.samplers import data_key, make_dataset

    arrays: dict[str, np.ndarray] = {}
    keys: dict[str, int] = {}
    data_index, width, lr, steps = [], [], [], []
    for i, run in enumerate(plan.runs):
        assert run.model.family == "two_layer" and run.model.scaling == "standard" and run.model.bias
        key = data_key(run.input, run.data, run.target, run.seed)
        if key not in keys:
            g = keys[key] = len(keys)
            ds = make_dataset(run.input, run.data, run.target, run.seed).to("cpu", torch.float32)
            for name in ("x_train", "y_train", "x_test", "f_test"):
                arrays[f"{name}{g}"] = getattr(ds, name).numpy()
        init = init_params(run)
        for name in ("W", "c", "a"):
            arrays[f"{name}{i}"] = init[name].to(torch.float32).numpy()
        data_index.append(keys[key])
        width.append(run.model.width)
        lr.append(run.train.optimizer.lr)
        steps.append(run.train.steps)
    np.savez(path, runs=len(plan.runs), n_data=len(keys), data=np.array(data_index), width=np.array(width),
             lr=np.array(lr), steps=np.array(steps), **arrays)


def run_mlc(spec: Path, device: str, folder: Path) -> Sample:
    """``mlc compile-and-run SPEC`` in a fresh process with a fresh store: everything included."""
    out = Path(tempfile.mkdtemp(dir=folder))
    cmd = [sys.executable, "-m", "mlc.runtime.cli", "compile-and-run", str(spec), "--device", device, "--no-plots",
           "--out", str(out / "out"), "--store", str(out / "store")]
    wall, cpu, rss, proc = timed(cmd, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"mlc failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    data = json.loads((out / "out" / "results.json").read_text())
    runs = sorted(data["runs"], key=lambda r: r["index"])
    train = sum(r["wall_time_s"] for r in runs)  # each group's training + final measurement, shared out per run
    return Sample(wall, cpu, rss, train, None, [r["metrics"]["test_error_raw"] for r in runs])


def run_peer(peer: str, case: Path, device: str, folder: Path, threads: int | None = None) -> Sample:
    out = Path(tempfile.mkstemp(dir=folder, suffix=".json")[1])
    extra = ["--threads", str(threads)] if threads is not None else []
    wall, cpu, rss, proc = timed([sys.executable, str(HERE / "peers.py"), peer, str(case), str(out), "--device", device,
                                  *extra])
    if proc.returncode != 0:
        sys.exit(f"{peer} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    data = json.loads(out.read_text())
    return Sample(wall, cpu, rss, data["train_s"], data["compile_s"], data["test_errors"])


def matmul_peak(device: str, size: int = 4096, reps: int = 5) -> float:
    """The best fp32 GFLOP/s of a size x size torch.mm on this machine (best of ``reps``)."""
    import torch

    dev = torch.device(device)
    a = torch.randn(size, size, device=dev)
    b = torch.randn(size, size, device=dev)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(reps):
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        torch.mm(a, b)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return 2.0 * size ** 3 / best / 1e9


def _fmt_s(values: list[float]) -> str:
    return f"{min(values):7.2f} {statistics.median(values):7.2f}"  # min: the least disturbed; median: typical


def rel_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / max(abs(y), 1e-12) for x, y in zip(a, b))


def sweep_table(name: str, flops: float, peaks: list[float], samples: dict[str, list[Sample]]) -> dict[str, float]:
    """Print one sweep's table; return each tool's minimum wall time."""
    floor = flops / max(peaks) / 1e9
    print(f"\n== {name}: {flops / 1e12:.3f} TFLOP of matmul work; floor at the measured peak "
          f"({max(peaks):.0f} GFLOP/s, best of {len(peaks)} rounds): {floor:.2f} s")
    print(f"{'tool':<34} {'min s':>7} {'med s':>7} {'cpu s':>7} {'vs hand':>8} {'floor/t':>8} {'train s':>8} "
          f"{'floor/train':>11} {'peak MiB':>9} {'err diff':>9}")
    hand = min(s.wall for s in samples["hand"]) if "hand" in samples else None
    ref = samples["mlc"][0].errors if "mlc" in samples else None
    best: dict[str, float] = {}
    labels = {"hand": "hand loop (torch, per config)", "mlc": "mlc compile-and-run (everything)",
              "jax": "JAX jit+vmap per width"}
    for tool, runs in samples.items():
        walls = [s.wall for s in runs]
        best[tool] = min(walls)
        trains = [s.train for s in runs if s.train is not None]
        train = min(trains) if trains else None
        speed = f"{hand / min(walls):7.2f}x" if hand else "       -"
        diff = f"{rel_diff(runs[0].errors, ref):9.1e}" if ref is not None and tool != "mlc" else "        -"
        comp = [s.compile_s for s in runs if s.compile_s]
        print(f"{labels[tool]:<34} {_fmt_s(walls)} {min(s.cpu for s in runs):7.2f} {speed} {floor / min(walls):8.1%} "
              f"{(f'{train:8.2f}' if train is not None else '       -')} "
              f"{(f'{floor / train:11.1%}' if train else '          -')} {max(s.rss_mib for s in runs):9.0f} {diff}"
              + (f"   (of which compile {min(comp):.2f} s)" if comp else ""))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} steps, one round: checks the script")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 2; --quick 1)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--only", default="sweep,many_small", help="comma-separated: sweep, many_small")
    parser.add_argument("--no-hand", action="store_true", help="skip the hand-written loop")
    parser.add_argument("--no-jax", action="store_true", help="skip JAX")
    parser.add_argument("--no-fixed", action="store_true", help="skip the fixed-cost and front-end tables")
    parser.add_argument("--front-end", action="store_true", help="only the front-end table (check, fmt, compile, bounds)")
    parser.add_argument("--hand-threads", type=int, default=None,
                        help="torch threads of the hand loop (default: torch's choice, what a user gets; on a shared "
                             "machine 1 avoids its per-op thread barriers waiting on busy cores)")
    parser.add_argument("--steps", type=int, default=None, help="override every sweep's steps (a shorter measurement)")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 2)
    if args.front_end:
        front_end(Path(tempfile.mkdtemp(prefix="mlc-bench-")), 1 if args.quick else 7)
        return 0
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    for n in names:
        if n not in BENCHMARKS:
            parser.error(f"unknown benchmark {n!r} (use {', '.join(BENCHMARKS)})")
    tools = ["hand"] * (not args.no_hand) + ["mlc"]
    if not args.no_jax:
        if importlib.util.find_spec("jax") is None:
            print("JAX is not installed: its column is skipped (pip install 'mlc[bench]')")
        elif args.device == "cuda" and subprocess.run(
                [sys.executable, "-c", "import jax; jax.devices('gpu')"], capture_output=True).returncode != 0:
            print("JAX has no GPU backend here: its column is skipped (pip install 'jax[cuda12]')")
        else:
            tools.append("jax")
    import torch

    print(f"machine: {os.cpu_count()} cpus, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"device {args.device}, python {sys.version.split()[0]}; load {load()}"
          + (f"; hand loop on {args.hand_threads} torch thread(s)" if args.hand_threads else ""))
    folder = Path(tempfile.mkdtemp(prefix="mlc-bench-"))
    steps = args.steps if args.steps is not None else (QUICK_STEPS if args.quick else None)
    specs = {n: spec_copy(BENCHMARKS[n], folder, steps) for n in names}
    plans = {n: compile_plan(specs[n]) for n in names}
    cases = {}
    for n in names:
        cases[n] = folder / f"{n}.npz"
        write_case(plans[n], cases[n])
    peaks: dict[str, list[float]] = {n: [] for n in names}
    samples: dict[str, dict[str, list[Sample]]] = {n: {t: [] for t in tools} for n in names}
    for r in range(rounds):
        for n in names:
            order = tools[r % len(tools):] + tools[:r % len(tools)]  # rotate, so no tool always runs first
            peaks[n].append(matmul_peak(args.device))
            line = [f"round {r + 1}/{rounds} {n}: peak {peaks[n][-1]:.0f} GFLOP/s"]
            for tool in order:
                before = load()
                s = run_mlc(specs[n], args.device, folder) if tool == "mlc" else \
                    run_peer(tool, cases[n], args.device, folder, args.hand_threads if tool == "hand" else None)
                samples[n][tool].append(s)
                line.append(f"{tool} {s.wall:.2f} s (load {before})")
            print("; ".join(line), flush=True)
    best: dict[str, dict[str, float]] = {}
    for n in names:
        plan = plans[n]
        print(f"\n{n}: {BENCHMARKS[n].relative_to(ROOT)}, {len(plan.runs)} runs, {plan.runs[0].train.steps} steps")
        best[n] = sweep_table(n, useful_flops(plan), peaks[n], samples[n])
    print("\n== summary (minimum wall time, everything included; the speed-up over the hand loop in brackets)")
    print(f"{'sweep':<12} {'hand loop':>10} {'mlc':>18} {'JAX':>18} {'floor':>8}")
    for n in names:
        b = best[n]
        floor = useful_flops(plans[n]) / max(peaks[n]) / 1e9

        print(f"{n:<12} {_cell(b, 'hand'):>10} {_cell(b, 'mlc'):>18} {_cell(b, 'jax'):>18} {floor:7.2f}s")
    if not args.no_fixed:
        fixed_cost(names, args.device, folder, 1 if args.quick else 5)
        front_end(folder, 1 if args.quick else 7)
    return 0


def _cell(best: dict[str, float], tool: str) -> str:
    if tool not in best:
        return "-"
    ratio = f" ({best['hand'] / best[tool]:.1f}x)" if "hand" in best and tool != "hand" else ""
    return f"{best[tool]:.2f} s{ratio}"


def fixed_cost(names: list[str], device: str, folder: Path, repeats: int) -> None:
    """mlc's cost without training (``steps = 1``) and the front-end commands, interleaved, min and median."""
    cli = [sys.executable, "-m", "mlc.runtime.cli"]
    cmds: dict[str, list[str]] = {}
    for n in names:
        one = spec_copy(BENCHMARKS[n], folder, 1)
        cmds[f"compile-and-run {n} (steps = 1)"] = ["run", str(one)]
    q = str(FRONT_END_SPEC)
    cmds["bounds quickstart.ml"] = [*cli, "bounds", q]
    cmds["bounds --explain double_descent.ml"] = [*cli, "bounds", "--explain", str(EXPLAIN_SPEC)]
    times: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, float] = {}
    loads = [load()]
    for _ in range(repeats):
        for label, cmd in cmds.items():
            if cmd[0] == "run":
                s = run_mlc(Path(cmd[1]), device, folder)
                wall, cpu, peak = s.wall, s.cpu, s.rss_mib
            else:
                wall, cpu, peak, proc = timed(cmd, cwd=ROOT)
                if proc.returncode != 0:
                    sys.exit(f"{label} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
            times[label].append(wall)
            cpus[label].append(cpu)
            rss[label] = max(rss.get(label, 0.0), peak)
        loads.append(load())
    print(f"\n== fixed cost ({repeats} interleaved repeats; load {' '.join(loads)})")
    print(f"{'command':<40} {'min s':>7} {'med s':>7} {'cpu min':>7} {'cpu med':>7} {'peak MiB':>9}")
    for label, values in times.items():
        print(f"{label:<40} {_fmt_s(values)} {_fmt_s(cpus[label])} {rss[label]:9.0f}")


FRONT_END_TARGET_S = 0.3
"""Issue 14's target for check, fmt and compile --emit on specs/quickstart.ml (wall, quiet machine)."""


def largest_specs(folder: Path) -> dict[str, Path]:
    """Specs at the token limit (``mlc.dsl.limits.MAX_TOKENS``), each long in one direction: a sweep list of 2,300
    widths (2,300 runs), 1,150 ``let``s, 150 models each with its training. Derived from the quickstart spec."""
    q = FRONT_END_SPEC.read_text()
    head = q.split("sweep {")[0]
    widths = ", ".join(str(8 + i) for i in range(2300))
    lets = "".join(f"let a{i} = {i}\n" for i in range(1150))
    models = "".join(f"model m{i} = two_layer(width = {8 + i}, activation = relu)\n"
                     f"train m{i} {{ loss = mse  optimizer = gd(lr = 0.1)  steps = 10 }}\n" for i in range(150))
    texts = {"sweep list": head + f"sweep {{ width = [{widths}] }}\nreport {{\n  bounds\n}}\n",
             "lets": q.replace("let d = 5\n", "let d = 5\n" + lets),
             "models": q.split("model net")[0] + models + "sweep { seed = 0..1 }\n"}
    paths = {}
    for label, text in texts.items():
        paths[label] = folder / f"largest_{label.replace(' ', '_')}.ml"
        paths[label].write_text(text)
    return paths


def _wait(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit status); a blocking ``os.wait4``, no polling: the commands
    take tenths of a second, where a poll interval would show."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def front_end(folder: Path, repeats: int) -> None:
    """check, fmt --check, compile --emit plan and --emit ir, and bounds, on the quickstart spec (against the 0.3 s
    target) and on the largest specs the limits let through (issue 9 item 3: well under a second), interleaved,
    median and min of wall and CPU seconds.

    Python is allowed its bytecode cache (``PYTHONDONTWRITEBYTECODE`` is removed from the children's
    environment, after one warm-up call of each command): an installed package has its ``.pyc`` files, and
    without them every call compiles mlc's ~80 modules from source (+40 % on ``check``)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cli = [sys.executable, "-m", "mlc.runtime.cli"]
    specs = {"quickstart.ml": FRONT_END_SPEC, **largest_specs(folder)}
    cmds: dict[str, list[str]] = {}
    for label, spec in specs.items():
        cmds[f"check {label}"] = [*cli, "check", str(spec)]
        cmds[f"fmt --check {label}"] = [*cli, "fmt", "--check", str(spec)]
        cmds[f"compile --emit plan {label}"] = [*cli, "compile", str(spec), "--emit", "plan"]
        cmds[f"compile --emit ir {label}"] = [*cli, "compile", str(spec), "--emit", "ir"]
        cmds[f"bounds {label}"] = [*cli, "bounds", str(spec)]
    for cmd in cmds.values():  # warm-up: the bytecode and grammar caches
        _wait(cmd, env)
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    loads = [load()]
    for _ in range(repeats):
        for label, cmd in cmds.items():
            wall, cpu, status = _wait(cmd, env)
            if status not in (0, 1):  # 1: fmt --check of a generated spec that is not in canonical layout
                sys.exit(f"{label} failed (exit {status})")
            walls[label].append(wall)
            cpus[label].append(cpu)
        loads.append(load())
    print(f"\n== front end ({repeats} interleaved repeats, bytecode cached; load {' '.join(loads)}; target for "
          f"quickstart.ml: < {FRONT_END_TARGET_S} s wall on a quiet machine)")
    print(f"{'command':<40} {'wall med':>8} {'wall min':>8} {'cpu med':>8} {'cpu min':>8}")
    for label in cmds:
        print(f"{label:<40} {statistics.median(walls[label]):8.3f} {min(walls[label]):8.3f} "
              f"{statistics.median(cpus[label]):8.3f} {min(cpus[label]):8.3f}")


if __name__ == "__main__":
    sys.exit(main())
