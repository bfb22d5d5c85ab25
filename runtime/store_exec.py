"""Executing a plan through the results store: stored runs are read back, the others trained and stored.

Input:  a :class:`~mlc.compiler.ir.Plan`, an open :class:`~mlc.runtime.store.Store`, the device and dtype,
        :class:`CacheOptions` (``--rerun``, ``--explain-cache``, ``--checkpoint-every``), a
        :class:`~mlc.runtime.store_checkpoint.StopFlag`, and callbacks for progress, results and notes.
Output: ``list[RunResult]`` in plan order and a :class:`CacheReport` (hits, trained, resumed, explanations).
Role:   the unit of caching is the training group (``compiler.lower.grouping``): each member's key records its
        group (see ``runtime.store_keys``), so a group is either stored whole or trained whole. For each group:
        all keys stored -> a hit, nothing trains; otherwise claim the group in the store (another live process
        holding the claim is waited for, and its results read back), train it with a checkpoint (resuming a
        checkpoint left by an interrupted process), store its runs in one transaction, delete the checkpoint,
        release the claim, and only then hand the results on. Failed runs are not stored (a rerun retries them).
        Where the claimed groups train is the executor's business (``runtime.executors``: in this process, or on
        a Ray cluster); this module only stores what they give.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from mlc.compiler.ir import Plan, Run, content_hash
from mlc.compiler.lower.grouping import Group, group_runs
from mlc.compiler.lower.norm_fit import norm_cache
from mlc.compiler.options import Options
from mlc.compiler.theory.norm_cache import NormCache
from mlc.runtime.executors import ClaimState, Executor, LocalExecutor, Work
from mlc.runtime.execute import (ProgressFn, ResultsFn, group_threads, reattach_bounds, resolve_device,
                                 resolve_dtype, train_group)
from mlc.runtime.results import Environment, RunResult
from mlc.runtime.store import Row, Store, StoreError, StoredRun
from mlc.runtime.store_checkpoint import GroupCheckpoint, Interrupted, StopFlag
from mlc.runtime.store_keys import Determinism, KeyParts, code_version, group_signature

NoteFn = Callable[[str], None]
WAIT_POLL_S = 0.5


@dataclass
class CacheOptions:
    rerun: bool = False  # train every run, replacing what is stored (and say whether the numbers agree)
    explain: bool = False  # say for each run why it was a hit or a miss
    checkpoint_every: float = 60.0  # seconds of wall time between checkpoints of a group; 0: none


@dataclass
class CacheReport:
    hits: int = 0
    trained: int = 0
    from_other_process: int = 0
    resumed: list[str] = field(default_factory=list)  # "group label: from step s"
    explanations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def device_class(device: torch.device) -> str:
    """``cpu`` or ``cuda:<GPU name>``: results are shared between devices of one class only."""
    return f"cuda:{torch.cuda.get_device_name(device)}" if device.type == "cuda" else device.type


def key_parts(groups: list[Group], device: torch.device, dtype: str) -> dict[int, KeyParts]:
    """Every run's key parts, by run index."""
    parts: dict[int, KeyParts] = {}
    code, dev = code_version(), device_class(device)
    for group in groups:
        det = Determinism(engine=group.engine,
                          group=group_signature(group.runs) if group.engine != "closed_form" else (),
                          threads=group_threads(group, device))
        for run in group.runs:
            parts[run.index] = KeyParts(run=run.hash, code=code, torch=torch.__version__, device=dev, dtype=dtype,
                                        determinism=det)
    return parts


def stored_indices(plan: Plan, store: Store, device: str, dtype: str, allow_fast: bool = True) -> set[int]:
    """The runs whose whole training group is stored: they are read back, not trained (so the resource plan
    leaves them out). ``device``: "cpu" or "cuda"."""
    groups = group_runs(plan, allow_fast=allow_fast)
    parts = key_parts(groups, resolve_device(device), dtype)
    found: set[int] = set()
    for group in groups:
        keys = [parts[r.index].key() for r in group.runs]
        if len(store.get(keys)) == len(keys):
            found.update(r.index for r in group.runs)
    return found


def _restored(run: Run, stored: RunResult, context: dict, plan: Plan, norms: NormCache) -> RunResult:
    """A stored result placed in this plan: its index and swept params are the plan's (the run hash does not
    depend on them); bounds are re-evaluated if the report's delta differs from the one they were computed with."""
    result = stored.model_copy(update={"index": run.index, "params": dict(run.params)})
    if context.get("report_delta") != plan.report.delta:
        reattach_bounds(result, run, plan, norms)
    return result


class _Runner:
    def __init__(self, plan: Plan, store: Store, device: str, dtype: str, allow_fast: bool, options: CacheOptions,
                 stop: StopFlag, environment: Environment, spec_path: str, progress: ProgressFn | None,
                 on_results: ResultsFn | None, note: NoteFn, compiler_options: Options, executor: Executor) -> None:
        self.plan, self.store, self.options, self.stop = plan, store, options, stop
        self.compiler_options = compiler_options
        self.norms = norm_cache(compiler_options)  # target norms, for this execution
        self.dev, self.dt, self.dtype_name = resolve_device(device), resolve_dtype(dtype), dtype
        self.executor = executor
        self.checkpoints: dict[str, GroupCheckpoint] = {}  # of the groups trained here, until stored
        self.groups = group_runs(plan, allow_fast=allow_fast)
        self.parts = key_parts(self.groups, self.dev, dtype)
        self.context = {"environment": environment.model_dump(mode="json"), "report_delta": plan.report.delta}
        self.spec_path = spec_path
        self.progress, self.on_results, self.note = progress, on_results, note
        self.report = CacheReport()
        self.results: dict[int, RunResult] = {}
        self.data_cache: dict[str, object] = {}

    def keys(self, group: Group) -> list[str]:
        return [self.parts[r.index].key() for r in group.runs]

    def group_id(self, group: Group) -> str:
        return content_hash(sorted(self.keys(group)), length=24)

    def _hand_on(self, results: list[RunResult]) -> None:
        for res in results:
            self.results[res.index] = res
        if self.progress:
            self.progress(len(self.results), len(self.plan.runs), "")
        if self.on_results and results:
            self.on_results(results)

    def lookup(self, group: Group) -> list[RunResult] | None:
        """The group's stored results, if every member is stored."""
        found = self.store.get(self.keys(group))
        if len(found) < len(group.runs):
            return None
        return [_restored(run, found[k][1], found[k][0].context, self.plan, self.norms)
                for run, k in zip(group.runs, self.keys(group))]

    def train_here(self, group: Group) -> list[RunResult]:
        """Train a claimed group in this process (resuming its checkpoint). On a stop the claim is released and
        the checkpoint kept; the caller stores the results (:meth:`finished`)."""
        gid = self.group_id(group)
        ckpt = GroupCheckpoint(self.store.checkpoint_path(gid), self.options.checkpoint_every, self.stop,
                               heartbeat=lambda: self.store.heartbeat(gid), note=self.note)
        if self.progress:
            self.progress(len(self.results), len(self.plan.runs), group.label)
        try:
            results = train_group(group, self.plan, self.dev, self.dt, self.data_cache, ckpt,
                                  options=self.compiler_options, norms=self.norms)
        except Interrupted as exc:
            exc.group = group.label
            self.store.release(gid)
            raise
        except BaseException:
            self.store.release(gid)
            raise
        if ckpt.resumed_step is not None:
            self.report.resumed.append(f"{group.label}: from step {ckpt.resumed_step}")
        self.checkpoints[gid] = ckpt
        return results

    def finished(self, group: Group, results: list[RunResult]) -> None:
        """Store a claimed group's results (failed runs are not stored), delete its checkpoint, release the
        claim, and hand the results on."""
        gid = self.group_id(group)
        try:
            rows = [Row(self.parts[run.index], run.model_dump(mode="json"), res)
                    for run, res in zip(group.runs, results) if res.status != "failed"]
            try:
                if rows:
                    self.report.notes += self.store.put(rows, self.plan.problem, self.spec_path, self.plan.spec_hash,
                                                        self.context, replace=self.options.rerun)
            except StoreError:
                self._hand_on(results)  # the views still get them, if the disk allows
                raise
            ckpt = self.checkpoints.pop(gid, None)
            if ckpt is not None:
                ckpt.discard()
            else:  # trained elsewhere: a checkpoint left here by an interrupted local run is stale now
                GroupCheckpoint(self.store.checkpoint_path(gid), 0, self.stop).discard()
        finally:
            self.store.release(gid)
        self.report.trained += len(group.runs)
        self._hand_on(results)

    def claim(self, group: Group) -> ClaimState:
        """Claim a group; ``done`` when another process stored it between our lookup and our claim."""
        holder = self.store.claim(self.group_id(group), group.label)
        if holder is not None:
            self.note(f"{group.label}: being trained by process {holder[0]} on {holder[1]}; waiting for it")
            return "other"
        found = None if self.options.rerun else self.lookup(group)
        if found is None:
            return "mine"
        self.store.release(self.group_id(group))
        self.report.from_other_process += len(found)
        self._hand_on(found)
        return "done"

    def work(self) -> Work:
        return Work(plan=self.plan, device=self.dev.type, dtype=self.dtype_name, options=self.compiler_options,
                    threads=lambda g: group_threads(g, self.dev), claim=self.claim, train_here=self.train_here,
                    finished=self.finished, keep_alive=lambda g: self.store.heartbeat(self.group_id(g)),
                    release=lambda g: self.store.release(self.group_id(g)), stop=self.stop,
                    status=lambda text: self.progress(len(self.results), len(self.plan.runs), text)
                    if self.progress else None, norms=self.norms)

    def run(self) -> list[RunResult]:
        hits: list[RunResult] = []
        pending: list[Group] = []
        kept: list[RunResult] = []
        for group in self.groups:
            found = self.lookup(group)
            if found is None or self.options.rerun:
                pending.append(group)
                kept += found or []
            else:
                hits += found
        if kept and self.on_results:
            self.on_results(kept)  # --rerun: the views keep the stored results until they are replaced
        self.report.hits = len(hits)
        if self.options.explain:
            from mlc.runtime.store_explain import explain
            missed = {r.index for g in pending for r in g.runs}
            self.report.explanations = explain(self.plan, self.store, self.parts, missed, self.options.rerun)
        self._hand_on(hits)
        waiting = self.executor.execute(pending, self.work()) if pending else []
        while waiting:  # groups another process trains: read them back, or train them if it stops
            self.stop.check()
            for group in list(waiting):
                found = self.lookup(group)
                if found is not None:
                    self.report.from_other_process += len(found)
                    waiting.remove(group)
                    self._hand_on(found)
                elif self.store.claim(self.group_id(group), group.label) is None:
                    waiting.remove(group)  # the other process stopped without storing it: train it here
                    if self.options.rerun or (found := self.lookup(group)) is None:
                        self.finished(group, self.train_here(group))
                    else:
                        self.store.release(self.group_id(group))
                        self._hand_on(found)
            if waiting:
                time.sleep(WAIT_POLL_S)
        self.report.notes = self.store.notes + self.report.notes
        return [self.results[r.index] for r in self.plan.runs]


def execute_cached(plan: Plan, store: Store, *, device: str, dtype: str, allow_fast: bool, options: CacheOptions,
                   stop: StopFlag, environment: Environment, spec_path: str, progress: ProgressFn | None = None,
                   on_results: ResultsFn | None = None, note: NoteFn | None = None,
                   compiler_options: Options = Options(), executor: Executor | None = None,
                   ) -> tuple[list[RunResult], CacheReport]:
    """Run ``plan`` through ``store`` (see the module docstring). Raises ``Interrupted`` on a stop signal (what
    finished is stored, the group in progress is checkpointed) and :class:`StoreError` when the store cannot be
    written (what was stored before is intact). ``compiler_options``: see :mod:`mlc.compiler.options`.
    ``executor`` trains the groups the store lacks (default: :class:`~mlc.runtime.executors.LocalExecutor`)."""
    runner = _Runner(plan, store, device, dtype, allow_fast, options, stop, environment, spec_path, progress,
                     on_results, note or (lambda text: None), compiler_options, executor or LocalExecutor())
    return runner.run(), runner.report


__all__ = ["CacheOptions", "CacheReport", "StoredRun", "device_class", "execute_cached", "key_parts", "stored_indices"]
