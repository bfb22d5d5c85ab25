"""Reading a paper's results back from its results store, without torch (``mlc weave``, ``--frozen`` included).

Input:  the compiled :class:`~mlc.compiler.ir.Plan` of each spec of a paper, the paper's results store
        (``PAPER-mlc/.mlc``, a :class:`~mlc.runtime.store.Store`) and the dtype asked for.
Output: for each spec an :class:`~mlc.runtime.results.ExperimentResult` made of stored runs only (one per run of
        the plan, in plan order), or the list of what is missing: a spec whose runs are not all stored, a store
        that does not exist.
Role:   the one source of a woven document's numbers. The store's keys need torch's version and the device class,
        which a machine without torch cannot compute, so a run is found by its run hash (what is trained, on what,
        with which seed) and, when several stored results share it (other dtypes, torch versions, devices or
        training groups), one is chosen by a fixed rule: the asked dtype only; then one trained in the training
        group this plan forms (``compiler.lower.grouping``: the group decides the last bits, see
        ``runtime.store_keys``); then the most recently stored. Plots are drawn from these runs by the report's
        own plotting (matplotlib, no torch), so a results folder holding only ``.mlc/`` rebuilds the paper.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from mlc.compiler.ir import Plan
from mlc.runtime.results import Environment, ExperimentResult, RunResult
from mlc.runtime.store import DB_NAME, Store, StoreError, StoredRun

STORE_FOLDER = ".mlc"


@dataclass
class StoredSpec:
    """What the store holds for one spec: the result (None when runs are missing) and why not."""

    result: ExperimentResult | None
    missing: list[str] = field(default_factory=list)  # "run 2 (width = 64, seed = 0)", ...
    notes: list[str] = field(default_factory=list)  # damaged payloads, other dtypes


def _params(params: dict[str, float]) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in params.items())


def _planned_groups(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Run hash -> the sorted run hashes of the training group this plan puts it in (as the store keys it)."""
    from mlc.compiler.lower.grouping import group_runs

    out: dict[str, tuple[str, ...]] = {}
    for group in group_runs(plan):
        members = () if group.engine == "closed_form" else tuple(sorted(r.hash for r in group.runs))
        for run in group.runs:
            out[run.hash] = members
    return out


def _choose(candidates: list[StoredRun], dtype: str, group: tuple[str, ...]) -> list[StoredRun]:
    """The candidates in order of preference (see the module docstring); empty when none has ``dtype``."""
    same = [c for c in candidates if c.parts.dtype == dtype]
    return sorted(same, key=lambda c: (c.parts.determinism.group == group, c.created), reverse=True)


def read_spec(store: Store, plan: Plan, spec_path: str, dtype: str) -> StoredSpec:
    """The stored result of every run of ``plan`` (see the module docstring)."""
    hashes = [r.hash for r in plan.runs]
    by_hash: dict[str, list[StoredRun]] = {}
    for stored in store.with_run_hashes(set(hashes)):
        by_hash.setdefault(stored.run_hash, []).append(stored)
    groups = _planned_groups(plan)
    out = StoredSpec(None)
    runs: list[RunResult] = []
    chosen: list[StoredRun] = []
    for run in plan.runs:
        candidates = by_hash.get(run.hash, [])
        result = None
        for stored in _choose(candidates, dtype, groups.get(run.hash, ())):
            try:
                result = stored.result()
            except ValueError as exc:
                out.notes.append(f"the stored payload of run {run.hash} (key {stored.key}) is damaged ({exc})")
                continue
            chosen.append(stored)
            break
        if result is None:
            other = sorted({c.parts.dtype for c in candidates} - {dtype})
            why = f"; stored in {', '.join(other)} only (--dtype)" if other else ""
            out.missing.append(f"run {run.index} ({_params(run.params)}){why}")
            continue
        runs.append(result.model_copy(update={"index": run.index, "params": dict(run.params)}))
    if out.missing:
        return out
    env = chosen[0].context.get("environment") if chosen else None
    try:
        environment = Environment.model_validate(env)
    except ValueError:
        environment = Environment(mlc_version="", python="", torch="", device="", device_name="", dtype=dtype,
                                  platform="")
    started = min((c.created for c in chosen), default=time.time())
    out.result = ExperimentResult(
        problem=plan.problem, spec_path=spec_path, spec_hash=plan.spec_hash, environment=environment,
        started_at=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        wall_time_s=sum(r.wall_time_s for r in runs), planned_runs=len(plan.runs), status="complete",
        store=str(store.root), runs=runs)
    return out


def open_store(folder: Path) -> Store:
    """The paper's results store (``folder/.mlc``), opened for reading; :class:`StoreError` when there is none."""
    root = folder / STORE_FOLDER
    if not (root / DB_NAME).is_file():
        raise StoreError(f"no results store at {root}")
    return Store(root, create=False)


def draw_plots(plan: Plan, result: ExperimentResult, out_dir: Path) -> list[str]:
    """The report's plots of ``result`` under ``out_dir/plots`` (no torch); the plots that could not be drawn."""
    from mlc.runtime.report_groups import group_runs
    from mlc.runtime.report_plots import make_plots

    outcome = make_plots(plan, group_runs(plan, result.runs), out_dir)
    return list(outcome.skipped)
