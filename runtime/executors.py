"""Executors: where the claimed training groups of a plan are trained.

Input:  the groups of a plan that the results store does not hold (``compiler.lower.grouping``), and a
        :class:`Work`: the plan, the device, the options, and the results store's callbacks (claim a group,
        train it here, store what a group gave, keep a claim alive, release it).
Output: every claimed group trained and handed to ``Work.finished`` as its results arrive; the groups another
        process holds are returned, for the caller to wait for.
Role:   the one interface between the plan and the training. :class:`LocalExecutor` trains in this process,
        group after group, with checkpoints (the default). The Ray executor (``runtime.executor_ray``, an
        optional extra) sends the groups to a Ray cluster. Both train a group with the same function
        (``runtime.execute.train_group``) and the same thread count, so their numbers are identical.
        This module also sizes the tasks: a cost per group (:func:`group_flops`), the resources a group asks
        for (:func:`group_resources`) and the bundling of small groups into one task (:func:`bundle`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Literal

from mlc.compiler.ir import Plan, Run
from mlc.compiler.lower.grouping import Group
from mlc.compiler.options import Options
from mlc.compiler.theory.norm_cache import NormCache
from mlc.runtime.results import RunResult
from mlc.runtime.store_checkpoint import StopFlag

ClaimState = Literal["mine", "other", "done"]
"""``mine``: this process holds the group's claim; ``other``: another live process trains it; ``done``: it was
stored meanwhile (and has been handed on)."""


class ExecutorUnavailable(RuntimeError):
    """An executor cannot be used (Ray not installed, a cluster out of reach, resources no node has); the message
    says what to do."""


@dataclass
class Work:
    """What an executor is given by the results store's runner (``runtime.store_exec``)."""

    plan: Plan
    device: str  # "cpu" or "cuda", resolved
    dtype: str  # "float32" or "float64"
    options: Options
    threads: Callable[[Group], int | None]  # the torch thread count that decides a group's numbers
    claim: Callable[[Group], ClaimState]
    train_here: Callable[[Group], list[RunResult]]  # train a claimed group in this process (checkpointed)
    finished: Callable[[Group, list[RunResult]], None]  # store a claimed group's results and release its claim
    keep_alive: Callable[[Group], None]  # heartbeat a claim held while the group trains elsewhere
    release: Callable[[Group], None]  # give a claim up without results (stopped, cancelled)
    stop: StopFlag
    status: Callable[[str], None]  # a line for the progress bar
    norms: NormCache  # this execution's target norms (a Ray worker is given them: ``runtime.execute.infer_norms``)


class Executor(ABC):
    """Trains the groups it can claim; returns those that another process holds."""

    name: str

    @abstractmethod
    def execute(self, groups: list[Group], work: Work) -> list[Group]:
        """Claim and train ``groups``; hand each one's results to ``work.finished``; raise ``Interrupted`` on a
        stop request (what finished is stored). Returns the groups claimed by another process."""


class LocalExecutor(Executor):
    """Train in this process, one group after the other (claimed just before it trains, so that several
    processes running the same spec share the groups)."""

    name = "local"

    def execute(self, groups: list[Group], work: Work) -> list[Group]:
        waiting: list[Group] = []
        for group in groups:
            work.stop.check()
            state = work.claim(group)
            if state == "mine":
                work.finished(group, work.train_here(group))
            elif state == "other":
                waiting.append(group)
        return waiting


# ------------------------------------------------------------------------------------------ sizing tasks


def run_flops(run: Run) -> float:
    """Floating-point operations to train ``run``, roughly: 6 per weight per sample per step (forward and
    backward), or the cost of the least-squares solve for a closed form. It sizes tasks; it is not reported."""
    d = run.input.dim
    widths = run.model.widths or (run.model.width,) * max(1, run.model.depth)
    weights = d * widths[0] + sum(a * b for a, b in zip(widths, widths[1:])) + widths[-1]
    n = run.data.n
    if run.train.steps is None:  # closed form: the features and an m x m (or n x n) solve
        m = widths[-1]
        return 2.0 * n * d * m + 2.0 * n * min(n, m) ** 2 + float(min(n, m)) ** 3
    optimizer = run.train.optimizer
    per_step = optimizer.batch if optimizer is not None and optimizer.batch else n
    return 6.0 * weights * per_step * run.train.steps


STEP_FLOPS = 5e5
"""The fixed cost of one training step of a group, whatever its size (Python, autograd bookkeeping, kernel
launches), as the floating-point operations it takes the time of: 0.25 ms at 2 GFLOP/s on one core, a low
estimate (an SGD step of a width-4 autograd net with recorded curves measured 3 ms on the shared 2-core
machine: 4.6 to 5.6 s for 1500 steps). Without it, a small net trained for thousands of steps would count as
almost no work and be bundled with every other group, so that a killed driver would keep none of them."""


def group_flops(group: Group) -> float:
    """The work of a group: its runs' operations, plus the fixed cost of each step (the members of a group
    step together, one batched step for all)."""
    steps = max((r.train.steps or 0 for r in group.runs), default=0)
    return sum(run_flops(r) for r in group.runs) + STEP_FLOPS * steps


def group_bytes(group: Group, dtype: str) -> float:
    """Working memory of a group while it trains: data, parameters with gradients and optimizer state, and the
    activations of the packed ensemble (an estimate that sizes GPU fractions)."""
    word = 8 if dtype == "float64" else 4
    total = 0.0
    for run in group.runs:
        widths = run.model.widths or (run.model.width,) * max(1, run.model.depth)
        weights = run.input.dim * widths[0] + sum(a * b for a, b in zip(widths, widths[1:])) + widths[-1]
        samples = run.data.n + run.data.n_test
        total += word * (4 * weights + samples * (run.input.dim + 2) + 3 * run.data.n * sum(widths))
    return total


@dataclass(frozen=True)
class Resources:
    """What one task asks the cluster for."""

    cpus: float
    gpus: float


GPU_FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 1.0)
"""The GPU shares a group may ask for: powers of two, so that tasks pack a GPU exactly."""


def group_resources(group: Group, work: Work, gpu_bytes: float | None, cpus: float | None = None,
                    gpus: float | None = None) -> Resources:
    """The resources of one group's task: the CPUs its torch threads use (1 for the fast path and for small
    ensembles, which train on one thread) and, on a GPU, the smallest share of a GPU of ``gpu_bytes`` that
    holds its working memory. The spec's ``group_cpus`` / ``group_gpus`` (train settings of the group's model;
    the largest of its runs) override the estimate, and ``cpus`` and ``gpus`` (from the command line) both."""
    spec_cpus = [r.train.group_cpus for r in group.runs if r.train.group_cpus is not None]
    spec_gpus = [r.train.group_gpus for r in group.runs if r.train.group_gpus is not None]
    cpus = cpus if cpus is not None else (max(spec_cpus) if spec_cpus else None)
    gpus = gpus if gpus is not None else (max(spec_gpus) if spec_gpus else None)
    threads = work.threads(group)
    want_cpus = float(cpus) if cpus is not None else float(threads or 1)
    if gpus is not None:
        return Resources(want_cpus, float(gpus))
    if work.device != "cuda":
        return Resources(want_cpus, 0.0)
    need = group_bytes(group, work.dtype) / (gpu_bytes or 16 * 2**30)
    share = next((f for f in GPU_FRACTIONS if need <= f), 1.0)
    return Resources(want_cpus, share)


MIN_TASK_FLOPS = 2e8
"""The least work worth one task: about 0.1 s of training on one core, against a Ray task overhead of a few
milliseconds (measured in docs/ray.md), so that the overhead stays below a few percent."""


def bundle(groups: list[Group], resources: list[Resources], slots: int) -> list[list[int]]:
    """Positions of ``groups`` packed into tasks. Groups with the same resources are packed, in plan order, until
    a bundle holds ``max(MIN_TASK_FLOPS, total / (4 * slots))`` of work: big groups stay alone, small ones
    share a task, and there are still about four tasks per slot of the cluster to balance the load."""
    total = sum(group_flops(g) for g in groups)
    target = max(MIN_TASK_FLOPS, total / (4 * max(1, slots)))
    bundles: list[list[int]] = []
    open_bundle: dict[Resources, tuple[list[int], float]] = {}
    for pos, (group, res) in enumerate(zip(groups, resources)):
        members, work = open_bundle.get(res, ([], 0.0))
        members.append(pos)
        work += group_flops(group)
        if work >= target:
            bundles.append(members)
            open_bundle.pop(res, None)
        else:
            open_bundle[res] = (members, work)
    bundles += [members for members, _ in open_bundle.values()]
    return sorted(bundles, key=lambda b: b[0])


def slots_of(cluster_cpus: float, cluster_gpus: float, resources: list[Resources]) -> int:
    """How many tasks of the typical size run at once on the cluster."""
    if not resources:
        return 1
    cpus = max(r.cpus for r in resources) or 1.0
    by_cpu = cluster_cpus / cpus
    gpus = max(r.gpus for r in resources)
    by_gpu = cluster_gpus / gpus if gpus > 0 else math.inf
    return max(1, int(min(by_cpu, by_gpu)))


EXECUTORS = ("local", "ray")
"""The names ``--executor`` accepts."""
