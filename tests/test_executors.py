"""Sizing the tasks of an executor (runtime.executors), without Ray: the resources of a group and their overrides.

Input:  small specs compiled here (tests/spec_fixtures.py), a :class:`~mlc.runtime.executors.Work` of stubs.
Output: test failures.
Role:   the resources per group of issue 13: estimated from the group (its torch threads; a power-of-two GPU share
        from its memory), overridden by the spec's ``group_cpus`` / ``group_gpus`` (train settings that leave the
        run hashes alone) and by the command line over both; and the bundling of small groups.
"""

from __future__ import annotations

from pathlib import Path

from mlc.compiler.theory.estimate import FittedNorm, NormEstimator
from mlc.compiler.theory.norm_cache import NormCache
from mlc.compiler.lower.grouping import group_runs
from mlc.compiler.options import Options
from mlc.compiler.pipeline import compile_text
from mlc.runtime.executors import MIN_TASK_FLOPS, Resources, Work, bundle, group_flops, group_resources
from mlc.runtime.store_checkpoint import StopFlag
from spec_fixtures import teacher_spec


def _plan(extra: str = ""):
    text = teacher_spec("sized", optimizer="sgd(lr = 0.05, batch = 10)", sweep="width = [4, 8]")
    text = text.replace("  steps     = 20\n", f"  steps     = 20\n{extra}")
    outcome = compile_text(text, "sized.ml")
    assert outcome.plan is not None, outcome.rendered
    return outcome.plan


ROOT = Path(__file__).resolve().parent.parent


def _work(plan, device: str = "cpu", threads: int | None = 3) -> Work:
    def nothing(*_: object) -> None:
        return None

    return Work(plan=plan, device=device, dtype="float32", options=Options(), threads=lambda g: threads,
                claim=lambda g: "mine", train_here=lambda g: [], finished=nothing, keep_alive=nothing, release=nothing,
                stop=StopFlag(), status=nothing, norms=NormCache(estimator=None))


def test_estimates_overrides_from_the_spec_and_the_command_line() -> None:
    plan = _plan()
    (group, *_) = group_runs(plan)
    assert group_resources(group, _work(plan), None) == Resources(3.0, 0.0)  # its threads; no GPU on CPU
    assert group_resources(group, _work(plan, threads=None), None) == Resources(1.0, 0.0)
    small = group_resources(group, _work(plan, device="cuda"), gpu_bytes=16 * 2**30)
    assert small == Resources(3.0, 1 / 8)  # a tiny group takes the smallest share
    assert group_resources(group, _work(plan, device="cuda"), gpu_bytes=1e3).gpus == 1.0  # too big for any share

    placed = _plan("  group_cpus = 2\n  group_gpus = 0.25\n")
    assert [r.hash for r in placed.runs] == [r.hash for r in plan.runs]  # resources do not change what is trained
    (pgroup, *_) = group_runs(placed)
    assert group_resources(pgroup, _work(placed), None) == Resources(2.0, 0.25)
    assert group_resources(pgroup, _work(placed, device="cuda"), 16 * 2**30) == Resources(2.0, 0.25)
    assert group_resources(pgroup, _work(placed), None, cpus=1, gpus=0.5) == Resources(1.0, 0.5)  # the CLI wins


def test_spec_resources_are_checked() -> None:
    text = teacher_spec("bad").replace("  steps     = 20\n", "  steps     = 20\n  group_cpus = 0\n")
    outcome = compile_text(text, "bad.ml")
    assert outcome.plan is None and "E202" in outcome.rendered and "group_cpus" in outcome.rendered


def test_bundles_pack_small_groups_and_keep_big_ones_alone() -> None:
    groups = group_runs(_plan()) + group_runs(_plan("  group_cpus = 2\n"))
    assert len(groups) >= 2 and all(group_flops(g) < MIN_TASK_FLOPS for g in groups)
    one = [Resources(1.0, 0.0)] * len(groups)
    assert bundle(groups, one, slots=2) == [list(range(len(groups)))]  # all small: one task
    mixed = [Resources(1.0 + (i % 2), 0.0) for i in range(len(groups))]
    packed = bundle(groups, mixed, slots=2)
    assert sorted(p for b in packed for p in b) == list(range(len(groups)))
    assert all(len({mixed[p] for p in b}) == 1 for b in packed)  # different resources never share a task


class _CountingEstimator(NormEstimator):
    """A norm 'fit' that counts its calls (the real one takes seconds)."""

    def __init__(self) -> None:
        self.calls = 0

    def estimate(self, run) -> FittedNorm:
        self.calls += 1
        return FittedNorm(value=1.0 + self.calls, steps=("counted",))


def test_a_worker_given_the_drivers_norms_fits_none_again() -> None:
    """The Ray executor infers each target norm once in the driver (``execute.infer_norms``) and hands them to its
    tasks; a task's cache preloaded with them fits nothing (fitting in every task was most of Ray's overhead)."""
    import torch

    from mlc.compiler.lower.grouping import group_runs
    from mlc.compiler.pipeline import compile_path
    from mlc.compiler.theory.norm_cache import norm_key
    from mlc.runtime.execute import infer_norms

    plan = compile_path(str(ROOT / "specs" / "mean_field_cod.ml")).plan  # a W² target: its norm is estimated
    assert plan is not None
    driver = NormCache(estimator=_CountingEstimator())
    infer_norms(group_runs(plan), torch.device("cpu"), driver)
    distinct = {norm_key(run) for run in plan.runs}
    assert driver.estimator.calls == len(distinct) > 1
    worker = NormCache(estimator=_CountingEstimator())
    worker.preload(driver.known())
    assert [worker.get(run) for run in plan.runs] == [driver.get(run) for run in plan.runs]
    assert worker.estimator.calls == 0
