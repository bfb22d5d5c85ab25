"""``mlc compile-and-run SPEC``: compile a spec, train every run not already stored, report errors next to bounds.

Input:  a spec path and options (--device, --dtype, --out, --store, --rerun, --explain-cache,
        --checkpoint-every, --executor, --address, --group-cpus, --group-gpus, --no-plots, --json, --claims, and
        the resource limits --max-memory, --max-time, --yes).
Output: the report on the console (or the ExperimentResult JSON on stdout with --json); ``results.json`` and
        ``runs.csv`` under --out, views of the results store rewritten after every group; plots unless --no-plots.
        Exit 0 when every run trained (diverged runs are results, not failures), 1 on spec errors, a failed run or
        a store that cannot be written, 2 on usage errors (missing file, cuda unavailable, unusable store),
        130/143/129 after SIGINT/SIGTERM/SIGHUP (what finished is stored; the group in training is checkpointed),
        3 when everything ran but the results contradict a claim of the spec (``--claims warn``: 0, only reported).
Role:   glue between the front end (``compiler.pipeline``), the results store (``runtime.store``,
        ``runtime.store_exec``: cache hits, claims, checkpoints), the views (``runtime.report_store``) and the
        report (``runtime.report``). torch is imported inside :func:`run` only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlc.runtime.resource_limits import add_flags

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_STORE = ".mlc"
"""The results store's folder, beside the spec (see docs/store.md)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="the spec file (.ml)")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                        help="where to train (auto: cuda if available, else cpu)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="output folder for results.json, runs.csv and plots (default: runs/<problem>)")
    parser.add_argument("--store", metavar="DIR", default=None,
                        help=f"the results store (default: {DEFAULT_STORE}/ beside the spec)")
    parser.add_argument("--rerun", action="store_true",
                        help="train every run even if it is stored; replace the stored results")
    parser.add_argument("--explain-cache", action="store_true",
                        help="say for each run why it was a cache hit or miss")
    parser.add_argument("--checkpoint-every", metavar="SECONDS", type=float, default=60.0,
                        help="checkpoint each training group every SECONDS of wall time (0: never; default 60)")
    parser.add_argument("--no-plots", action="store_true", help="do not draw plots")
    parser.add_argument("--json", action="store_true",
                        help="print the ExperimentResult as JSON on stdout instead of the report")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="where the groups train: in this process (local), or as tasks on a Ray cluster "
                             "(ray; pip install 'mlc[ray]')")
    parser.add_argument("--address", metavar="auto|HOST:PORT", default=None,
                        help="the Ray cluster (auto: the one `ray start` runs here; default: start one on this machine)")
    parser.add_argument("--group-cpus", metavar="N", type=float, default=None,
                        help="CPUs per Ray task (default: the torch threads the group trains with)")
    parser.add_argument("--group-gpus", metavar="F", type=float, default=None,
                        help="GPUs (a fraction, e.g. 0.25) per Ray task (default: estimated from the group's memory)")
    parser.add_argument("--no-fast-path", action="store_true",
                        help="train every run with the general autograd engine (a cross-check; slower)")
    parser.add_argument("--claims", choices=("error", "warn"), default="error",
                        help="a claim of the spec that the results contradict: exit 3 (error, the default), or only "
                             "report it (warn)")
    add_flags(parser)


def store_dir(spec: str, store: str | None) -> Path:
    """Where the results store of ``spec`` lives: ``--store DIR``, else ``.mlc/`` beside the spec."""
    return Path(store) if store else Path(spec).resolve().parent / DEFAULT_STORE


def _environment(device: str, dtype: str, command: str):
    import torch

    from mlc import __version__
    from mlc.runtime.execute import device_name, resolve_device
    from mlc.runtime.results import Environment

    dev = resolve_device(device)
    return Environment(mlc_version=__version__, python=platform.python_version(), torch=torch.__version__,
                       device=str(dev), device_name=device_name(dev), dtype=dtype, platform=platform.platform(),
                       command=command)


def _executor(args: argparse.Namespace):
    """The executor ``--executor`` names; ValueError (with what to do) when it cannot be used."""
    from mlc.runtime.executors import LocalExecutor

    if args.executor == "local":
        if args.address or args.group_cpus is not None or args.group_gpus is not None:
            raise ValueError("--address, --group-cpus and --group-gpus are options of --executor ray")
        return LocalExecutor()
    if args.group_cpus is not None and args.group_cpus <= 0:
        raise ValueError("--group-cpus must be positive")
    if args.group_gpus is not None and not 0 <= args.group_gpus:
        raise ValueError("--group-gpus must be 0 or more (a fraction such as 0.25 shares a GPU)")
    from mlc.runtime.executor_ray import RayExecutor
    from mlc.runtime.executors import ExecutorUnavailable

    try:
        return RayExecutor(args.address, cpus=args.group_cpus, gpus=args.group_gpus)
    except ExecutorUnavailable as exc:
        raise ValueError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from mlc.compiler.pipeline import compile_path

    outcome = compile_path(args.spec)
    if outcome.rendered:
        print(outcome.rendered, file=sys.stderr)
    if outcome.exit_code != 0 or outcome.plan is None:
        return outcome.exit_code or 1
    plan = outcome.plan
    if args.checkpoint_every < 0:
        print("mlc: error: --checkpoint-every must be 0 (off) or a positive number of seconds", file=sys.stderr)
        return 2

    from mlc.runtime.console import OutputFailed, make_console
    from mlc.runtime.execute import ExecutionError
    from mlc.runtime.paths import default_out
    from mlc.runtime.executors import ExecutorUnavailable
    from mlc.runtime.report_store import ResultStore
    from mlc.runtime.results import ExperimentResult, RunResult
    from mlc.runtime.store import Store, StoreError
    from mlc.runtime.store_checkpoint import Interrupted, StopFlag
    from mlc.runtime.store_exec import CacheOptions, execute_cached

    console = make_console(stderr=args.json)
    command = "mlc compile-and-run " + " ".join(sys.argv[2:] if sys.argv[1:2] == ["compile-and-run"] else [args.spec])
    try:
        env = _environment(args.device, args.dtype, command)
    except ExecutionError as exc:
        print(f"mlc: error: {exc}", file=sys.stderr)
        return 2
    from mlc.compiler.datasets import available

    for name in sorted({r.input.dataset.name for r in plan.runs if r.input.dataset is not None}):
        if (missing := available(name)) is not None:  # before the store or any training: say what to install
            print(f"mlc: error: {args.spec}: {missing.message}; install it with {missing.help}", file=sys.stderr)
            return 2
    out = Path(args.out) if args.out else default_out(plan.problem)  # the problem name made safe as a path
    where = store_dir(args.spec, args.store)
    try:
        store = Store(where)
    except StoreError as exc:
        print(f"mlc: error: {exc}", file=sys.stderr)
        return 2
    for note in store.notes:
        console.print(f"mlc: warning: {note}", markup=False, highlight=False, soft_wrap=True)
    # The resource plan, before anything is allocated (docs/resources.md): a run too big alone is refused (and
    # recorded so), a plan that does not fit or runs too long is refused whole. Runs the store holds cost nothing.
    from mlc.dsl.diagnostics import render_all
    from mlc.runtime.resource_limits import estimate_line, gate
    from mlc.runtime.store_exec import stored_indices

    assert outcome.spec is not None  # a plan is built from the checked AST
    device = "cuda" if env.device.startswith("cuda") else "cpu"
    stored = set() if args.rerun else stored_indices(plan, store, device, args.dtype, allow_fast=not args.no_fast_path)
    verdict = gate(args, plan.model_copy(update={"runs": tuple(r for r in plan.runs if r.index not in stored)}),
                   outcome.spec, device, args.dtype, allow_fast=not args.no_fast_path)
    stops = list(verdict.refused.values()) + verdict.errors
    if stops:
        print(render_all(stops, outcome.path, outcome.source), file=sys.stderr)
    if verdict.errors:
        store.close()
        return 1
    if verdict.runs:
        print(f"mlc: {estimate_line(verdict.estimate, verdict.expected_seconds)}", file=sys.stderr)
    trained_plan = plan if not verdict.refused else \
        plan.model_copy(update={"runs": tuple(r for r in plan.runs if r.index not in verdict.refused)})
    result = ExperimentResult(problem=plan.problem, spec_path=str(args.spec), spec_hash=plan.spec_hash,
                              environment=env, started_at=_dt.datetime.now(_dt.timezone.utc).isoformat(),
                              planned_runs=len(plan.runs), status="running", store=str(where))
    # The identity of every packaged data set the runs were trained on (it is in their hashes too): the record
    # says which data, classes, size and content, without the plan.
    refs = {r.input.dataset.model_dump_json(): r.input.dataset for r in plan.runs if r.input.dataset is not None}
    if refs:
        result.extras["datasets"] = [ref.model_dump(mode="json") for ref in refs.values()]
    result.runs.extend(RunResult(index=r.index, hash=r.hash, model=r.model.name, family=r.model.family, seed=r.seed,
                                 params=dict(r.params), status="refused", error=verdict.refused[r.index].message)
                       for r in plan.runs if r.index in verdict.refused)
    # The views are written only once there is something to show: an old complete results.json is never replaced
    # by an empty one (and every run it held is in the store anyway).
    view = ResultStore(out, plan, result)
    view_errors: list[str] = []

    def save_view(runs=None) -> None:
        if runs is None and not result.runs and view.json_path.exists():
            return  # nothing new to show: the results.json of an earlier run is kept, not replaced by an empty one
        try:
            view.add(runs) if runs is not None else view.save()
        except OSError as exc:
            if not view_errors:
                console.print(f"mlc: error: cannot write {out}: {exc.strerror or exc} (the runs are in the store "
                              f"{where})", markup=False, highlight=False, soft_wrap=True)
            view_errors.append(str(exc))

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    try:
        executor = _executor(args)
    except ValueError as exc:
        print(f"mlc: error: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    status = 0
    options = CacheOptions(rerun=args.rerun, explain=args.explain_cache, checkpoint_every=args.checkpoint_every)
    report = None
    try:
        with StopFlag(on_first=lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)) as stop, \
                Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                         console=console, transient=True) as bar:
            task = bar.add_task("training", total=len(plan.runs))

            def progress(done: int, total: int, label: str) -> None:
                bar.update(task, completed=done, description=f"training {label}" if label else "training")

            _, report = execute_cached(trained_plan, store, device=args.device, dtype=args.dtype,
                                       allow_fast=not args.no_fast_path, options=options, stop=stop,
                                       environment=env, spec_path=str(Path(args.spec).resolve()),
                                       progress=progress, on_results=save_view, executor=executor,
                                       note=lambda text: console.print(f"mlc: {text}", markup=False, highlight=False,
                                                                      soft_wrap=True))
    except (Interrupted, KeyboardInterrupt) as exc:
        result.status = "interrupted"
        result.wall_time_s = time.perf_counter() - start
        save_view()
        code = exc.exit_code if isinstance(exc, Interrupted) else 130
        name = exc.args[0] if isinstance(exc, Interrupted) else "interrupt"
        saved = ""
        if isinstance(exc, Interrupted) and exc.saved_step is not None:
            saved = f"; {exc.group} checkpointed at step {exc.saved_step}"
        console.print(f"mlc: stopped by {name}: {len(result.runs)} of {len(plan.runs)} runs are stored in {where}"
                      f"{saved}; run the same command again to resume", markup=False, highlight=False, soft_wrap=True)
        return code
    except (ExecutionError, ExecutorUnavailable) as exc:
        console.print(f"mlc: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except StoreError as exc:
        console.print(f"mlc: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        result.status = "incomplete"
        status = 1
    except BaseException as exc:  # stdout closed or full, or an internal error: mlc.runtime.cli says which
        result.wall_time_s = time.perf_counter() - start
        if len(result.runs) == len(plan.runs):
            result.status = "complete"
        else:
            result.status = "interrupted" if isinstance(exc, OutputFailed) else "incomplete"
        save_view()  # the views say what was kept
        raise
    finally:
        store.close()
    result.wall_time_s = time.perf_counter() - start
    if result.status == "running":
        result.status = "complete" if len(result.runs) == len(plan.runs) else "incomplete"
    save_view()
    if report is not None:
        for line in report.explanations:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        for line in report.notes:
            console.print(f"mlc: note: {line}", markup=False, highlight=False, soft_wrap=True)
        for line in report.resumed:
            console.print(f"mlc: resumed {line}", markup=False, highlight=False, soft_wrap=True)
        other = f", {report.from_other_process} trained by another process" if report.from_other_process else ""
        console.print(f"store {where}: {report.hits} of {len(plan.runs)} runs read back, {report.trained} trained"
                      f"{other}", markup=False, highlight=False, soft_wrap=True)
    if view_errors:
        status = 1
    if verdict.refused:
        status = 1
        console.print(f"{len(verdict.refused)} run(s) refused before training: they do not fit in memory (see "
                      f"above; recorded as refused in {out})", markup=False, highlight=False, soft_wrap=True)
    failed = [r for r in result.runs if r.status == "failed"]
    if failed:
        status = 1
        console.print(f"{len(failed)} run(s) failed; first error: {failed[0].error}", markup=False, highlight=False, soft_wrap=True)
    if args.json:
        print(result.model_dump_json(indent=1))  # NaN/inf (diverged runs) become null: strict JSON
        if plan.report.claims:
            from mlc.runtime.claims import check_claims

            contradicted = [c for c in check_claims(plan, result.runs) if c.verdict == "fails"]
            status = _claims_status(status, len(contradicted), args.claims, console)
        return status
    from mlc.runtime.report import write_report
    from mlc.runtime.store_views import plots_key, remember_plots, reusable_plots

    try:
        key = plots_key(plan, result) if not args.no_plots else ""  # (the key hashes every run and imports matplotlib)
        # Every run read back and the same numbers as when the plots were drawn: list them, do not redraw.
        reuse = reusable_plots(out, key) if key and report is not None and report.trained == 0 else None
        summary = write_report(plan, result, out, console, plots=not args.no_plots, reuse_plots=reuse)
        if not args.no_plots and reuse is None:
            remember_plots(out, key, summary.files, summary.skipped_plots)
        if plan.report.claims and not summary.claims:
            console.print("mlc: the claims could not be checked (see above)", markup=False, highlight=False)
            status = max(status, 1)
        status = _claims_status(status, len(summary.failed_claims), args.claims, console)
    except Exception as exc:  # noqa: BLE001 - the results are already on disk
        console.print(f"mlc: the report failed ({type(exc).__name__}: {exc}); results are in {out}", markup=False, highlight=False, soft_wrap=True)
        status = max(status, 1)
    trained_runs = [r for r in result.runs if r.status != "refused"]
    if trained_runs and all(r.status == "diverged" for r in trained_runs):  # nothing to report on: an error
        console.print(f"mlc: error: every run diverged ({len(trained_runs)} of {len(plan.runs)}): no result to "
                      "compare with the theory; lower the learning rate", markup=False, highlight=False,
                      soft_wrap=True)
        status = max(status, 1)
    return status


CLAIM_FAILED = 3
"""The exit status of a run whose results contradict a claim of the spec (and nothing else went wrong)."""


def _claims_status(status: int, failed: int, mode: str, console: Console) -> int:
    """The exit status once the claims are checked: 3 when one fails (unless ``--claims warn``); a worse status
    (1: a run failed) is kept. The results are on disk either way."""
    if not failed:
        return status
    if mode == "warn":
        console.print(f"mlc: {failed} claim(s) fail (--claims warn: exit status unchanged)", markup=False,
                      highlight=False)
        return status
    console.print(f"mlc: {failed} claim(s) fail: exit {CLAIM_FAILED} (results are kept; --claims warn only reports)",
                  markup=False, highlight=False)
    return status or CLAIM_FAILED
