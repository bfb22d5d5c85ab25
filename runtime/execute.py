"""Execution of a plan: train every run and measure it.

Input:  a :class:`~mlc.compiler.ir.Plan`, a device ("cpu", "cuda", "auto") and a dtype ("float32", "float64").
Output: ``list[RunResult]`` in plan order (runs.index); each group's results are also handed to ``on_results``
        as soon as they exist.
Role:   group the runs (``compiler.lower.grouping``), build each run's data (shared between runs with the same
        data seed) and initial parameters, dispatch each group to its engine (fast packed GD, autograd ensemble,
        gradient flow by an ODE solver, closed form), turn the outcomes into :class:`RunResult`, and attach the theory's bounds. A failure
        inside one group marks only that group's runs as failed (with the
        message) and execution continues; a failure in the bounds never loses measured results.
"""

from __future__ import annotations

import time
from typing import Callable, Literal

import torch

from mlc.compiler.ir import Plan, Run, TeacherTarget
from mlc.compiler.lower.checkpoint import Checkpoint
from mlc.compiler.lower.grouping import Group, group_runs
from mlc.compiler.lower.norm_fit import norm_cache
from mlc.compiler.options import Options
from mlc.compiler.theory import evaluate_run_bounds
from mlc.compiler.theory.norm_cache import NormCache
from mlc.runtime.results import BoundValue, Curve, RunResult

ProgressFn = Callable[[int, int, str], None]  # (runs done, runs total, label of the current group)
ResultsFn = Callable[[list[RunResult]], None]


class ExecutionError(RuntimeError):
    """A usage problem detected before training (e.g. cuda requested but unavailable)."""


def resolve_device(device: str) -> torch.device:
    """``auto`` -> cuda if available else cpu; ``cuda`` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ExecutionError("--device cuda was requested but no CUDA device is available")
    if device not in ("cpu", "cuda"):
        raise ExecutionError(f"unknown device {device!r} (use cpu, cuda or auto)")
    return torch.device(device)


def resolve_dtype(dtype: str) -> torch.dtype:
    try:
        return {"float32": torch.float32, "float64": torch.float64}[dtype]
    except KeyError:
        raise ExecutionError(f"unknown dtype {dtype!r} (use float32 or float64)") from None


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    import platform
    return platform.processor() or platform.machine() or "cpu"


def _data_key(run: Run) -> str:
    from mlc.compiler.lower.samplers import data_key
    return data_key(run.input, run.data, run.target, run.seed)


def _failed(run: Run, message: str) -> RunResult:
    return RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family, seed=run.seed,
                     params=dict(run.params), status="failed", error=message)


def _attach_bounds(result: RunResult, run: Run, plan: Plan, norms: NormCache) -> None:
    """Add the theory's bounds to ``result``; never raises."""
    try:
        metrics = dict(result.metrics)
        metrics["steps_done"] = float(result.steps_done)
        result.bounds = evaluate_run_bounds(run, plan, metrics, norms=norms)
    except Exception as exc:  # noqa: BLE001 - a theory failure must never lose measured results
        note = f"bounds could not be evaluated: {type(exc).__name__}: {exc}"
        result.error = note if result.error is None else result.error + "; " + note


def _attach_infinite_width(result: RunResult, run: Run, dataset) -> None:
    """Add the infinite-width (kernel) prediction of the test error, where the theory has one; never raises.

    Random features and NTK-scaled ReLU two-layer nets have a closed-form infinite-width limit
    (``compiler.theory.kernels``). It is computed on the run's own data and stored as a ``prediction`` next
    to the bounds, so the report shows it beside the measured finite-width error.
    """
    from mlc.compiler.theory.kernels import infinite_width_prediction
    from mlc.compiler.theory.limits import MAX_KERNEL_N, MAX_KERNEL_TEST, has_infinite_width_limit

    if not has_infinite_width_limit(run.model):
        return
    if run.data.n > MAX_KERNEL_N:
        return
    try:
        cpu = dataset.to("cpu", torch.float64)
        n_test = min(cpu.x_test.shape[0], MAX_KERNEL_TEST)
        pred = infinite_width_prediction(run, cpu.x_train, cpu.y_train, cpu.x_test[:n_test], cpu.f_test[:n_test])
    except Exception as exc:  # noqa: BLE001 - a theory failure must never lose measured results
        note = f"infinite-width prediction failed: {type(exc).__name__}: {exc}"
        result.error = note if result.error is None else result.error + "; " + note
        return
    if not pred.get("available") or "predicted_test_error" not in pred:
        return
    result.bounds.append(BoundValue(
        theorem="IW", title="Infinite-width (kernel) prediction",
        citation="Neural-tangent / random-feature kernel limit; REFERENCE §2.3, T10, T18",
        kind="prediction", holds=True, quantity="test_error", value=float(pred["predicted_test_error"]),
        text=f"{pred.get('kernel', 'kernel')}: {pred.get('regime', '')}",
        note=f"the width → ∞ limit on this run's data ({_test_points(n_test, cpu.x_test.shape[0])})"))


def _test_points(used: int, total: int) -> str:
    """Which test points the infinite-width prediction's error is over, and why not all of them when it is not."""
    if used >= total:
        return f"all {total} test points"
    return (f"the first {used} of {total} test points: its test × train kernel block is capped at "
            f"MAX_KERNEL_TEST = {used} rows, which the resource plan counts")


def _members(runs: list[Run], device: torch.device, dtype: torch.dtype, data_cache: dict[str, object]) -> list:
    from mlc.compiler.lower.ensemble import Member, init_params
    from mlc.compiler.lower.samplers import make_dataset

    members = []
    for run in runs:
        key = _data_key(run)
        if key not in data_cache:
            data_cache[key] = make_dataset(run.input, run.data, run.target, run.seed).to(device, dtype)
        members.append(Member(run, data_cache[key], init_params(run)))  # type: ignore[arg-type]
    return members


def group_threads(group: Group, device: torch.device) -> int | None:
    """The torch thread count that decides the group's numbers, or None where the engine makes them
    independent of it (the fast path splits rows the same way whatever the threads; GPUs)."""
    if device.type != "cpu" or group.engine == "fast":
        return None
    if group.engine == "closed_form" and _small_closed_form(group.runs):
        # A closed form is a few decompositions of an n x m matrix and the kernel prediction's n x n ones: at
        # the sizes of a sweep (n = 100, m = 400) LAPACK's thread barriers cost more than they gain, 4-25x on a
        # loaded two-core machine (measured: pinv of 100 x 400 took 46 ms on 2 threads, 13 ms on 1).
        return 1
    if group.engine in ("autograd", "flow") and _small_ensemble(group.runs):
        # Small ensembles gain nothing from intra-op threads, and on a shared machine their per-op thread
        # barriers made training up to 14x slower (measured: specs/resnet_depth.ml, 15 s quiet vs 216 s at
        # load 3.5). One thread also makes these runs' numbers independent of the machine's thread count.
        return 1
    return torch.get_num_threads()


def _train_group(group: Group, device: torch.device, dtype: torch.dtype, data_cache: dict[str, object],
                 checkpoint: Checkpoint | None, options: Options) -> list:
    from mlc.compiler.lower.closed_forms import solve_closed_form
    from mlc.compiler.lower.ensemble import train_autograd
    from mlc.compiler.lower.fastpath import train_fast

    members = _members(group.runs, device, dtype, data_cache)
    if group.engine == "closed_form":
        return [solve_closed_form(m, device, dtype) for m in members]
    if group.engine == "fast":
        return train_fast(members, device, dtype, checkpoint, parallel_rows=options.parallel_rows)
    if group.engine == "flow":  # one ODE solve: no step boundaries to checkpoint at
        from mlc.compiler.lower.flow import train_flow
        return train_flow(members, device, dtype)
    return train_autograd(members, device, dtype, checkpoint)


class _Threads:
    """Run a block with the group's torch thread count (``group_threads``), restoring the previous one."""

    def __init__(self, threads: int | None) -> None:
        self.threads = threads
        self.previous = torch.get_num_threads()

    def __enter__(self) -> None:
        if self.threads is not None and self.threads != self.previous:
            torch.set_num_threads(self.threads)

    def __exit__(self, *exc: object) -> None:
        if torch.get_num_threads() != self.previous:
            torch.set_num_threads(self.previous)


def infer_norms(groups: list[Group], device: torch.device, norms: NormCache) -> None:
    """Infer every target norm that ``groups`` need into ``norms`` now, in group order and under the thread
    count of the first group that needs each (as :func:`train_group` would, lazily): a worker that is given
    them (:meth:`NormCache.preload`) then bounds its runs with the same numbers as this process, and a fitted
    norm (seconds each) is not fitted again in every task."""
    from mlc.compiler.theory.norm_cache import norm_key

    seen: set[str] = set()
    for group in groups:
        for run in group.runs:
            key = norm_key(run)
            if key not in seen:
                seen.add(key)
                with _Threads(group_threads(group, device)):
                    norms.get(run)


SMALL_ENSEMBLE_ELEMENTS = 1 << 21
"""Largest activation size (members x samples per step x widest layer) trained on one CPU thread."""


SMALL_CLOSED_FORM_ELEMENTS = 1 << 22
"""Largest n x max(m, n, n_test) of a closed-form solve (and its kernel prediction) solved on one CPU thread."""


def _small_closed_form(runs: list[Run]) -> bool:
    return all(r.data.n * max(r.model.width, r.data.n, r.data.n_test) <= SMALL_CLOSED_FORM_ELEMENTS for r in runs)


def _small_ensemble(runs: list[Run]) -> bool:
    first = runs[0]
    optimizer = first.train.optimizer  # None for a closed-form solve
    per_step = optimizer.batch if optimizer is not None and optimizer.kind == "sgd" else first.data.n
    widest = max([first.model.width, *first.model.widths, first.model.state_width or 0])
    return len(runs) * (per_step or first.data.n) * widest <= SMALL_ENSEMBLE_ELEMENTS


def train_group(group: Group, plan: Plan, device: torch.device, dtype: torch.dtype,
                data_cache: dict[str, object], checkpoint: Checkpoint | None = None, *, options: Options,
                norms: NormCache) -> list[RunResult]:
    """Train and measure one group, with its bounds. A failure inside the group marks its runs as failed (with
    the message) instead of raising; ``checkpoint`` (see ``compiler.lower.checkpoint``) may raise to stop.
    ``norms`` is the caller's cache of target norms (one per plan execution)."""
    with _Threads(group_threads(group, device)):  # the kernel prediction and the bounds run under it too
        return _train_and_measure(group, plan, device, dtype, data_cache, checkpoint, options, norms)


def _train_and_measure(group: Group, plan: Plan, device: torch.device, dtype: torch.dtype,
                       data_cache: dict[str, object], checkpoint: Checkpoint | None, options: Options,
                       norms: NormCache) -> list[RunResult]:
    start = time.perf_counter()
    group_results: list[RunResult] = []
    try:
        outcomes = _train_group(group, device, dtype, data_cache, checkpoint, options)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        share = (time.perf_counter() - start) / len(group.runs)
        for run, out in zip(group.runs, outcomes):
            status: Literal["ok", "diverged"] = "diverged" if out.diverged_at is not None else "ok"
            res = RunResult(
                index=run.index, hash=run.hash, model=run.model.name, family=run.model.family,
                seed=run.seed, params=dict(run.params), status=status, diverged_at_step=out.diverged_at,
                steps_done=out.steps_done, metrics=dict(out.metrics),
                curves={k: Curve(steps=list(s), values=list(v)) for k, (s, v) in out.curves.items()},
                wall_time_s=share)
            _attach_target(res, run)
            _attach_bounds(res, run, plan, norms)
            _attach_infinite_width(res, run, data_cache[_data_key(run)])
            group_results.append(res)
    except Exception as exc:  # noqa: BLE001 - one failing group must not lose the others
        message = f"{type(exc).__name__}: {exc}"
        group_results = [_failed(run, message) for run in group.runs]
    return group_results


def _attach_target(result: RunResult, run: Run) -> None:
    """Record a normalised teacher's Monte Carlo mean and sd (computed once, when its data were made)."""
    if isinstance(run.target, TeacherTarget) and run.target.normalize is not None:
        from mlc.compiler.teacher import normalisation

        stats = normalisation(run.target, run.input)
        if stats is not None:
            result.target = stats.record()


def reattach_bounds(result: RunResult, run: Run, plan: Plan, norms: NormCache) -> None:
    """Re-evaluate the theory's bounds of a stored result for ``plan`` (whose report delta may differ from the
    one they were computed with). The infinite-width prediction depends on the run alone and is kept."""
    kept = [b for b in result.bounds if b.theorem == "IW"]
    result.bounds = []
    _attach_bounds(result, run, plan, norms)
    result.bounds += kept


def execute_plan(plan: Plan, device: str = "cpu", dtype: str = "float32", progress: ProgressFn | None = None,
                 on_results: ResultsFn | None = None, allow_fast: bool = True,
                 options: Options = Options()) -> list[RunResult]:
    """Train and measure every run of ``plan``; see the module docstring. ``allow_fast=False`` forces the
    autograd engine (used to check that both engines agree). No results store: see ``runtime.store_exec``.
    The target norms are inferred once per target for this call (a :class:`NormCache` that lives as long)."""
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    groups = group_runs(plan, allow_fast=allow_fast)
    total = len(plan.runs)
    done = 0
    results: dict[int, RunResult] = {}
    data_cache: dict[str, object] = {}
    norms = norm_cache(options)
    for group in groups:
        if progress:
            progress(done, total, group.label)
        group_results = train_group(group, plan, dev, dt, data_cache, options=options, norms=norms)
        for res in group_results:
            results[res.index] = res
        if on_results:
            on_results(group_results)
        done += len(group.runs)
        if progress:
            progress(done, total, group.label)
    return [results[r.index] for r in plan.runs]
