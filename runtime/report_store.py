"""The result files of one experiment, written incrementally.

Input:  the output folder, the :class:`~mlc.compiler.ir.Plan` and the :class:`ExperimentResult` that the
        executor fills in, then batches of :class:`RunResult` as groups of runs finish.
Output: ``results.json`` (the whole :class:`ExperimentResult`: spec hash, run hashes, versions, device,
        seeds, every metric, curve and bound) and ``runs.csv`` (one row per run), both rewritten
        atomically after every batch.
Role:   make sure that nothing computed is lost when a later group of runs fails or the process is
        interrupted: after :meth:`ResultStore.add` returns, the files on disk hold every run added so far.

Atomicity: each file is written to a temporary file in the same folder, flushed, fsynced, and moved over
the old one with :func:`os.replace`, so a reader never sees a half-written file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

import pydantic_core

from mlc.compiler import metrics
from mlc.compiler.ir import SEED_KEY, Plan
from mlc.runtime.results import BoundValue, ExperimentResult, RunResult

RESULTS_JSON = "results.json"
RUNS_CSV = "runs.csv"


def user_mode() -> int:
    """The permissions a new file gets from the user's umask (``0o666 & ~umask``: 0644 under umask 022)."""
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` atomically: ``write`` fills a temporary file in the same folder, which is flushed,
    fsynced and moved over ``path`` with ``os.replace`` (a reader never sees a half-written file).

    The file gets the permissions of any new file under the user's umask (``mkstemp`` alone would make it 0600,
    unreadable to colleagues on a shared machine). ``os.replace`` replaces a symlink at ``path`` by the file, it
    never writes through it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), user_mode())
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""
    data = text.encode("utf-8")

    def write(handle: BinaryIO) -> None:
        handle.write(data)

    atomic_write(path, write)


def _json_fallback(value: Any) -> Any:
    """Serialise values pydantic does not know (numpy scalars and arrays, paths) in ``extras``."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def result_json_text(result: ExperimentResult) -> str:
    """``result`` as indented JSON that keeps NaN and +-inf (as ``NaN``/``Infinity``).

    pydantic's own ``model_dump_json`` writes them as ``null``, which ``model_validate_json`` then rejects
    for float fields: a diverged run (NaN loss) would make the file unreadable. ``model_validate_json``
    reads the constants back.
    """
    data = result.model_dump(mode="python")
    return pydantic_core.to_json(
        data, indent=1, inf_nan_mode="constants", fallback=_json_fallback
    ).decode("utf-8")


def param_keys(plan: Plan, runs: Iterable[RunResult] = ()) -> list[str]:
    """The swept parameter keys in plan order (sweep axes first, then any extra key seen in ``runs``),
    without the replicate-seed key."""
    keys: list[str] = []
    for block in plan.sweep:
        for axis in block.axes:
            if axis.key != SEED_KEY and axis.key not in keys:
                keys.append(axis.key)
    for run in plan.runs:
        for key in run.params:
            if key != SEED_KEY and key not in keys:
                keys.append(key)
    for result in runs:
        for key in result.params:
            if key != SEED_KEY and key not in keys:
                keys.append(key)
    return keys


def metric_keys(runs: Iterable[RunResult]) -> list[str]:
    """Every final metric name present in ``runs``, in the registry's display order (errors first)."""
    return metrics.display_order(name for result in runs for name in result.metrics)


RATE_ONLY_KINDS = ("upper_rate", "lower_rate")
"""Bound kinds that state only a rate: their "value" sets unknown constants to 1, so no column gets it."""


def bound_column(bound: BoundValue) -> str | None:
    """The runs.csv column of a bound that holds and has a number: ``bound:<theorem>:<quantity>`` (the quantity it
    bounds or predicts: approximation_error, rademacher_complexity, generalisation_gap, test_error, peak_width...);
    ``None`` for a bound that does not hold, has no value, or states only a rate (issue 11). Its cell holds the value
    as the report shows it, clipped at the trivial bound (``BoundValue.shown``)."""
    if not bound.holds or bound.value is None or bound.kind in RATE_ONLY_KINDS:
        return None
    return f"bound:{bound.theorem}:{bound.quantity}"


def bound_keys(runs: Iterable[RunResult]) -> list[str]:
    """The bound columns (:func:`bound_column`) of every run, in order of appearance."""
    keys: list[str] = []
    for result in runs:
        for bound in result.bounds:
            column = bound_column(bound)
            if column is not None and column not in keys:
                keys.append(column)
    return keys


def _cell(value: float | int | str | None) -> str:
    """One CSV cell: floats with full precision (``repr``), missing values empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value)
    return str(value)


def runs_csv_text(plan: Plan, runs: list[RunResult]) -> str:
    """The text of ``runs.csv``: a header and one row per run, sorted by run index.

    Columns: index, hash, model, family, seed, every swept param, status, diverged_at_step, steps_done,
    wall_time_s, every metric, ``bound:<theorem>:<quantity>`` for every bound that holds with a number
    (:func:`bound_column`), and error (last, since it
    is free text).
    """
    params = param_keys(plan, runs)
    metrics = metric_keys(runs)
    bounds = bound_keys(runs)
    header = (
        ["index", "hash", "model", "family", "seed"]
        + params
        + ["status", "diverged_at_step", "steps_done", "wall_time_s"]
        + metrics
        + bounds
        + ["error"]
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for result in sorted(runs, key=lambda r: r.index):
        bound_values: dict[str, float] = {}
        for bound in result.bounds:
            column = bound_column(bound)
            if column is not None and bound.shown is not None and column not in bound_values:
                bound_values[column] = bound.shown
        row = (
            [_cell(result.index), result.hash, result.model, result.family, _cell(result.seed)]
            + [_cell(result.params.get(key)) for key in params]
            + [
                result.status,
                _cell(result.diverged_at_step),
                _cell(result.steps_done),
                _cell(result.wall_time_s),
            ]
            + [_cell(result.metrics.get(key)) for key in metrics]
            + [_cell(bound_values.get(key)) for key in bounds]
            + [result.error or ""]
        )
        writer.writerow(row)
    return buffer.getvalue()


class ResultStore:
    """The result files of one experiment under ``out_dir``.

    ``store.result`` is the :class:`ExperimentResult` given to :func:`open_result_store` (the same object,
    not a copy): :meth:`add` appends runs to it, so the executor can hand it to the report afterwards.
    """

    def __init__(self, out_dir: Path, plan: Plan, result: ExperimentResult) -> None:
        self.out_dir = Path(out_dir)
        self.plan = plan
        self.result = result

    @property
    def json_path(self) -> Path:
        """Path of ``results.json``."""
        return self.out_dir / RESULTS_JSON

    @property
    def csv_path(self) -> Path:
        """Path of ``runs.csv``."""
        return self.out_dir / RUNS_CSV

    @property
    def files(self) -> list[Path]:
        """The files this store writes."""
        return [self.json_path, self.csv_path]

    def add(self, run_results: list[RunResult]) -> None:
        """Append ``run_results`` (a run already stored under the same index is replaced) and rewrite
        both files at once."""
        by_index = {r.index: i for i, r in enumerate(self.result.runs)}
        for run in run_results:
            if run.index in by_index:
                self.result.runs[by_index[run.index]] = run
            else:
                by_index[run.index] = len(self.result.runs)
                self.result.runs.append(run)
        self.result.runs.sort(key=lambda r: r.index)  # plan order, whatever order the groups finish in
        self.save()

    def save(self) -> None:
        """Rewrite ``results.json`` and ``runs.csv`` from ``self.result`` (e.g. after changing
        ``wall_time_s`` or ``extras``)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.json_path, result_json_text(self.result))
        atomic_write_text(self.csv_path, runs_csv_text(self.plan, self.result.runs))


def open_result_store(
    out_dir: str | os.PathLike[str], plan: Plan, experiment_result: ExperimentResult
) -> ResultStore:
    """Create ``out_dir`` and write the (possibly still empty) result files; return the store.

    Call ``store.add(run_results)`` after each group of runs finishes.
    """
    store = ResultStore(Path(out_dir), plan, experiment_result)
    store.save()
    return store


def load_results(out_dir: str | os.PathLike[str]) -> ExperimentResult:
    """Read ``results.json`` back from ``out_dir`` (or from a path to the file itself)."""
    path = Path(out_dir)
    if path.is_dir():
        path = path / RESULTS_JSON
    return ExperimentResult.model_validate_json(path.read_text(encoding="utf-8"))
