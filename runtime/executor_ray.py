"""The Ray executor: the groups of a plan as Ray tasks on a cluster (``--executor ray``; ``pip install mlc[ray]``).

Input:  the claimed groups of a plan and a :class:`~mlc.runtime.executors.Work` (see ``runtime.executors``).
Output: each group's results handed to ``Work.finished`` (so to the results store) as its task returns.
Role:   connect to a cluster (``--address``; without one, a Ray instance of this machine), size each group's task
        (CPUs = the torch threads that decide its numbers; a power-of-two share of a GPU), pack small groups into
        one task, submit them all, and store the results as they arrive, so that a driver killed halfway keeps
        every finished group. A task whose worker dies is retried by Ray (``max_retries``); a run that diverges
        is a result, and a group that raises is recorded as failed (not stored, so a rerun retries it). The
        worker trains with ``runtime.execute.train_group`` on the same thread count as the local executor:
        on CPU the numbers are bitwise those of ``--executor local``.
"""

from __future__ import annotations

import time
from typing import Any

from mlc.compiler.lower.grouping import Group
from mlc.compiler.options import Options
from mlc.runtime.ray_progress import Started
from mlc.runtime.executors import Executor, ExecutorUnavailable, Resources, Work, bundle, group_resources, slots_of
from mlc.runtime.results import RunResult
from mlc.runtime.store_checkpoint import HEARTBEAT_S, Interrupted

INSTALL_HINT = "the Ray executor needs Ray: pip install 'mlc[ray]' (or pip install 'ray[default]')"
TASK_RETRIES = 3
"""Retries of a task whose worker process died (a killed worker, a lost node)."""
POLL_S = 0.5


def _warm_worker() -> None:
    """A task that only imports what training needs, so that a worker's imports overlap the driver's work."""
    import torch  # noqa: F401

    import mlc.compiler.lower.norm_fit  # noqa: F401
    import mlc.runtime.execute  # noqa: F401


def _train_bundle(plan_json: str, members: list[list[int]], engines: list[str], threads: list[int | None],
                  device: str, dtype: str, options: dict[str, Any], tracker: Any = None,
                  task: int = 0, known_norms: dict[str, dict[str, Any]] | None = None) -> list[list[dict[str, Any]]]:
    """The task: train the bundle's groups, one after the other, as the local executor would."""
    import torch

    if tracker is not None:
        tracker.start.remote(task)  # fire and forget: only the progress line reads it

    from mlc.compiler.ir import Plan
    from mlc.compiler.lower.norm_fit import norm_cache
    from mlc.runtime.execute import resolve_device, resolve_dtype, train_group

    plan = Plan.model_validate_json(plan_json)
    by_index = {run.index: run for run in plan.runs}
    opts = Options(**options)
    norms = norm_cache(opts)
    from mlc.compiler.theory.norms import NormEstimate

    norms.preload({key: NormEstimate.model_validate(value) for key, value in (known_norms or {}).items()})
    data_cache: dict[str, object] = {}
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    out: list[list[dict[str, Any]]] = []
    for indices, engine, count in zip(members, engines, threads):
        if count is not None:
            torch.set_num_threads(count)
        group = Group(engine, [by_index[i] for i in indices])
        results = train_group(group, plan, dev, dt, data_cache, options=opts, norms=norms)
        out.append([r.model_dump(mode="json") for r in results])
    return out


def _failed(group: Group, message: str) -> list[RunResult]:
    return [RunResult(index=run.index, hash=run.hash, model=run.model.name, family=run.model.family, seed=run.seed,
                      params=dict(run.params), status="failed", error=message) for run in group.runs]


class RayExecutor(Executor):
    """Groups as Ray tasks. ``address``: ``auto`` (a running cluster), ``HOST:PORT``, or None (connect to the
    instance this process already started, else start one on this machine). ``cpus``/``gpus`` override the
    resources estimated per group."""

    name = "ray"

    def __init__(self, address: str | None = None, cpus: float | None = None, gpus: float | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ExecutorUnavailable(INSTALL_HINT) from None
        self.ray = ray
        self.address, self.cpus, self.gpus = address, cpus, gpus

    def _connect(self) -> None:
        if self.ray.is_initialized():
            return
        try:
            self.ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                          configure_logging=False)
        except Exception as exc:  # noqa: BLE001 - Ray raises bare Exceptions (e.g. a node that timed out starting)
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
            raise ExecutorUnavailable(f"cannot connect to {where}: {exc}") from None

    def _gpu_bytes(self, work: Work) -> float | None:
        if work.device != "cuda":
            return None
        import torch

        return float(torch.cuda.get_device_properties(0).total_memory) if torch.cuda.is_available() else None

    def _check_fits(self, resources: list[Resources]) -> None:
        """Refuse a request no node can meet (Ray would wait for ever)."""
        nodes = [n.get("Resources", {}) for n in self.ray.nodes() if n.get("Alive")]
        for res in set(resources):
            if not any(node.get("CPU", 0) >= res.cpus and node.get("GPU", 0) >= res.gpus for node in nodes):
                have = ", ".join(f"{node.get('CPU', 0):g} CPUs and {node.get('GPU', 0):g} GPUs" for node in nodes)
                raise ExecutorUnavailable(f"a group asks for {res.cpus:g} CPUs and {res.gpus:g} GPUs, but no node of the "
                                     f"cluster has them (nodes: {have}); lower --group-cpus / --group-gpus (or "
                                          "the spec's group_cpus / group_gpus)")

    def _progress_line(self, tracker: Any, pending: dict[Any, list[Group]], task_of: dict[Any, int],
                       done_groups: int) -> str:
        """``ray: Q groups queued, R running, D done``: running are the groups of tasks that have started."""
        try:
            started = set(self.ray.get(tracker.started.remote(), timeout=POLL_S))
        except Exception:  # noqa: BLE001 - the line is only progress; a slow actor must not stop the sweep
            started = set()
        running = sum(len(members) for ref, members in pending.items() if task_of[ref] in started)
        queued = sum(len(members) for members in pending.values()) - running
        return f"ray: {queued} groups queued, {running} running, {done_groups} done"

    def execute(self, groups: list[Group], work: Work) -> list[Group]:
        self._connect()
        ray = self.ray
        mine: list[Group] = []
        waiting: list[Group] = []
        for group in groups:
            work.stop.check()
            state = work.claim(group)
            if state == "mine":
                mine.append(group)
            elif state == "other":
                waiting.append(group)
        if not mine:
            return waiting
        gpu_bytes = self._gpu_bytes(work)
        resources = [group_resources(g, work, gpu_bytes, self.cpus, self.gpus) for g in mine]
        try:
            self._check_fits(resources)
        except ExecutorUnavailable:
            for group in mine:
                work.release(group)
            raise
        total = ray.cluster_resources()
        slots = slots_of(total.get("CPU", 1.0), total.get("GPU", 0.0), resources)
        bundles = bundle(mine, resources, slots)
        # Workers import torch and mlc once (about 1 s each, 3 s at load 8), on their first task. Warm them now,
        # one task per core the sweep can use, so that the imports run while this driver infers the norms.
        warm = ray.remote(num_cpus=1)(_warm_worker)
        warming = [warm.remote() for _ in range(min(len(bundles), int(total.get("CPU", 1.0))))]
        # The target norms, inferred here once as the local executor would (a fitted norm takes seconds; fitted in
        # every task it was most of the Ray overhead: 6.1 s of about 6.6 s a task on specs/mean_field_cod.ml).
        import torch

        from mlc.runtime.execute import infer_norms

        infer_norms(mine, torch.device(work.device), work.norms)
        known_norms = ray.put({key: value.model_dump(mode="json") for key, value in work.norms.known().items()})
        task = ray.remote(max_retries=TASK_RETRIES, retry_exceptions=False)(_train_bundle)
        options = {"estimate_norms": work.options.estimate_norms, "parallel_rows": work.options.parallel_rows}
        tracker = ray.remote(num_cpus=0)(Started).remote()
        pending: dict[Any, list[Group]] = {}
        task_of: dict[Any, int] = {}
        for number, positions in enumerate(bundles):
            members = [mine[p] for p in positions]
            res = resources[positions[0]]
            # the task gets the plan with its own runs only: a worker parses what it trains, not the whole sweep
            # (training reads nothing else of the plan's runs; 0.8 ms a run to parse, docs/ray.md)
            own = work.plan.model_copy(update={"runs": tuple(r for g in members for r in g.runs)})
            ref = task.options(num_cpus=res.cpus, num_gpus=res.gpus, name="mlc-group").remote(
                own.model_dump_json(), [[r.index for r in g.runs] for g in members], [g.engine for g in members],
                [work.threads(g) for g in members], work.device, work.dtype, options, tracker, number, known_norms)
            pending[ref] = members
            task_of[ref] = number
        done_groups, beat = 0, time.monotonic()
        try:
            while pending:
                work.stop.check()
                work.status(self._progress_line(tracker, pending, task_of, done_groups))
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    members = pending.pop(ref)
                    try:
                        payload = ray.get(ref)
                        outcomes = [[RunResult.model_validate(r) for r in rs] for rs in payload]
                    except ray.exceptions.RayError as exc:
                        message = f"the Ray task failed after {TASK_RETRIES} retries: {type(exc).__name__}: {exc}"
                        outcomes = [_failed(g, message.splitlines()[0]) for g in members]
                    for group, results in zip(members, outcomes):
                        work.finished(group, results)
                        done_groups += 1
                if time.monotonic() - beat > HEARTBEAT_S / 2:
                    for members in pending.values():
                        for group in members:
                            work.keep_alive(group)
                    beat = time.monotonic()
        except (Interrupted, KeyboardInterrupt):
            for ref, members in pending.items():
                ray.cancel(ref, force=True)
                for group in members:
                    work.release(group)
            raise
        finally:
            ray.kill(tracker)
            for ref in warming:
                ray.cancel(ref)
        return waiting
