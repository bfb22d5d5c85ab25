"""``mlc compile-and-run SPEC``: compile a spec, train every run, report measured errors next to bounds.

Input:  a spec path and options (--device, --dtype, --out, --no-plots, --json).
Output: the report on the console (or the ExperimentResult JSON on stdout with --json); ``results.json`` and
        ``runs.csv`` under --out, rewritten after every group of runs; plots unless --no-plots.
        Exit 0 when every run trained (diverged runs are results, not failures), 1 on spec errors or if a run
        failed, 2 on usage errors (missing file, cuda unavailable).
Role:   glue between the front end (``compiler.pipeline``), the executor (``runtime.execute``), the result store
        (``runtime.report_store``) and the report (``runtime.report``). torch is imported inside :func:`run` only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import platform
import sys
import time
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="the spec file (.ml)")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                        help="where to train (auto: cuda if available, else cpu)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="output folder for results.json, runs.csv and plots (default: runs/<problem>)")
    parser.add_argument("--no-plots", action="store_true", help="do not draw plots")
    parser.add_argument("--json", action="store_true",
                        help="print the ExperimentResult as JSON on stdout instead of the report")
    parser.add_argument("--no-fast-path", action="store_true",
                        help="train every run with the general autograd engine (a cross-check; slower)")


def _environment(device: str, dtype: str, command: str):
    import torch

    from mlc import __version__
    from mlc.runtime.execute import device_name, resolve_device
    from mlc.runtime.results import Environment

    dev = resolve_device(device)
    return Environment(mlc_version=__version__, python=platform.python_version(), torch=torch.__version__,
                       device=str(dev), device_name=device_name(dev), dtype=dtype, platform=platform.platform(),
                       command=command)


def run(args: argparse.Namespace) -> int:
    from mlc.compiler.pipeline import compile_path

    outcome = compile_path(args.spec)
    if outcome.rendered:
        print(outcome.rendered, file=sys.stderr)
    if outcome.exit_code != 0 or outcome.plan is None:
        return outcome.exit_code or 1
    plan = outcome.plan

    from rich.console import Console

    from mlc.runtime.execute import ExecutionError, execute_plan
    from mlc.runtime.results import ExperimentResult

    # Off a terminal (a log file, CI) rich would wrap at 80 columns; the report is laid out for 100.
    console = Console(stderr=args.json)
    if not console.is_terminal:
        console = Console(stderr=args.json, width=100)
    command = "mlc compile-and-run " + " ".join(sys.argv[2:] if sys.argv[1:2] == ["compile-and-run"] else [args.spec])
    try:
        env = _environment(args.device, args.dtype, command)
    except ExecutionError as exc:
        print(f"mlc: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path("runs") / plan.problem
    result = ExperimentResult(problem=plan.problem, spec_path=str(args.spec), spec_hash=plan.spec_hash,
                              environment=env, started_at=_dt.datetime.now(_dt.timezone.utc).isoformat())
    from mlc.runtime.report_store import open_result_store

    try:
        store = open_result_store(out, plan, result)
    except OSError as exc:
        print(f"mlc: error: cannot write to {out}: {exc}", file=sys.stderr)
        return 2

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    start = time.perf_counter()
    status = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("training", total=len(plan.runs))

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, description=f"training {label}")

        try:
            execute_plan(plan, device=args.device, dtype=args.dtype, progress=progress, on_results=store.add,
                         allow_fast=not args.no_fast_path)
        except ExecutionError as exc:
            console.print(f"mlc: error: {exc}")
            return 2
        except Exception as exc:  # noqa: BLE001 - no traceback; results stored so far are on disk
            console.print(f"mlc: error during training: {type(exc).__name__}: {exc} "
                          f"(results so far are in {out})")
            status = 1
    result.wall_time_s = time.perf_counter() - start
    store.save()
    failed = [r for r in result.runs if r.status == "failed"]
    if failed:
        status = 1
        console.print(f"[red]{len(failed)} run(s) failed[/red]; first error: {failed[0].error}")
    if args.json:
        print(result.model_dump_json(indent=1))  # NaN/inf (diverged runs) become null: strict JSON
        return status
    from mlc.runtime.report import write_report

    try:
        write_report(plan, result, out, console, plots=not args.no_plots)
    except Exception as exc:  # noqa: BLE001 - the results are already on disk
        console.print(f"mlc: the report failed ({type(exc).__name__}: {exc}); results are in {out}")
        status = max(status, 1)
    return status
